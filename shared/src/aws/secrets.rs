//! Secrets: `NAME` directly (local runs), or the SSM SecureString named by `NAME_PARAMETER`
//! (AWS), read at cold start (the webhook reads its secret again while one rolls). Values are
//! never logged.

use super::signed::{Call, CallError, SignedClient, SSM};
use crate::config;

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("neither {name} nor {name}_PARAMETER is set")]
    NotConfigured { name: String },
    #[error("reading SSM parameter {parameter} for {name} failed: {detail}")]
    Ssm {
        name: String,
        parameter: String,
        detail: String,
    },
}

/// Resolves the secret `name` from the environment or SSM.
pub async fn resolve_secret(name: &str, aws: &SignedClient) -> Result<String, SecretError> {
    if let Some(value) = config::optional(name) {
        return Ok(value);
    }
    let param_var = format!("{name}_PARAMETER");
    let Some(parameter) = config::optional(&param_var) else {
        return Err(SecretError::NotConfigured {
            name: name.to_owned(),
        });
    };
    let value = get_parameter(aws, &parameter)
        .await
        .and_then(|v| v.ok_or_else(|| "no such parameter (ParameterNotFound)".to_owned()));
    value
        .and_then(|v| {
            Some(v)
                .filter(|v| !v.is_empty())
                .ok_or_else(|| "parameter has no value".to_owned())
        })
        .map_err(|detail| SecretError::Ssm {
            name: name.to_owned(),
            parameter,
            detail,
        })
}

/// The next webhook secret while `lambdagram webhook rotate` rolls one: the SSM parameter
/// `WEBHOOK_SECRET_PARAMETER` + `/next` ([`crate::secret::next_parameter`]). `None` when no
/// rotation is under way (the parameter does not exist) or the secret is not read from SSM.
pub async fn resolve_next_webhook_secret(
    aws: &SignedClient,
) -> Result<Option<String>, SecretError> {
    let Some(current) = config::optional("WEBHOOK_SECRET_PARAMETER") else {
        return Ok(None);
    };
    let parameter = crate::secret::next_parameter(&current);
    match get_parameter(aws, &parameter).await {
        Ok(value) => Ok(value.filter(|v| !v.is_empty())),
        Err(detail) => Err(SecretError::Ssm {
            name: "WEBHOOK_SECRET (next)".to_owned(),
            parameter,
            detail,
        }),
    }
}

/// SSM `GetParameter` with decryption (JSON 1.1 protocol): the value, `None` when the parameter
/// does not exist, else why it could not be read. A read changes nothing, so a transient
/// failure (throttled: SSM allows about 40 reads a second per account and region, and cold
/// starts come in bursts; a 5xx; a lost connection) is tried again, up to [`SSM_ATTEMPTS`]
/// times, after a wait with full jitter up to 1 s, then 2 s (as the SDK's standard retries: a
/// throttled burst spreads over the next seconds instead of meeting the limit again), all
/// within [`SSM_DEADLINE`].
async fn get_parameter(aws: &SignedClient, parameter: &str) -> Result<Option<String>, String> {
    let deadline = tokio::time::Instant::now() + SSM_DEADLINE;
    let mut attempt = 1;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match get_parameter_once(aws, parameter, left.min(SSM_TIMEOUT)).await {
            Err(failure) if failure.transient && attempt < SSM_ATTEMPTS => {
                let cap_ms = 1000u64 << (attempt - 1);
                let wait = std::time::Duration::from_millis(fastrand::u64(..=cap_ms));
                if tokio::time::Instant::now() + wait + MIN_ATTEMPT >= deadline {
                    return Err(failure.detail);
                }
                tracing::info!(
                    attempt,
                    wait_ms = wait.as_millis() as u64,
                    error = %failure.detail,
                    "SSM read failed, trying again"
                );
                tokio::time::sleep(wait).await;
                attempt += 1;
            }
            Err(failure) => return Err(failure.detail),
            Ok(value) => return Ok(value),
        }
    }
}

/// Why one read failed, and whether another may succeed.
struct Failure {
    detail: String,
    transient: bool,
}

async fn get_parameter_once(
    aws: &SignedClient,
    parameter: &str,
    timeout: std::time::Duration,
) -> Result<Option<String>, Failure> {
    #[derive(serde::Deserialize)]
    struct Answer {
        #[serde(rename = "Parameter")]
        parameter: Option<Parameter>,
    }
    #[derive(serde::Deserialize)]
    struct Parameter {
        #[serde(rename = "Value")]
        value: Option<String>,
    }
    let body = serde_json::json!({"Name": parameter, "WithDecryption": true});
    let answer = aws
        .send(Call {
            service: SSM,
            path: "/",
            headers: &[
                ("content-type", "application/x-amz-json-1.1"),
                ("x-amz-target", "AmazonSSM.GetParameter"),
            ],
            body: body.to_string().into_bytes(),
            timeout: Some(timeout),
        })
        .await
        .map_err(|e| Failure {
            transient: !matches!(e, CallError::NotSent(_)),
            detail: e.to_string(),
        })?;
    if answer.status == 200 {
        let parsed: Answer = serde_json::from_slice(&answer.body).map_err(|e| Failure {
            detail: format!("unreadable GetParameter answer: {e}"),
            transient: false,
        })?;
        return Ok(parsed.parameter.and_then(|p| p.value));
    }
    let code = answer.error_code();
    if code.as_deref() == Some("ParameterNotFound") {
        return Ok(None);
    }
    Err(Failure {
        transient: transient(answer.status, code.as_deref()),
        detail: format!(
            "{} (HTTP {}): {}",
            code.as_deref().unwrap_or("error"),
            answer.status,
            answer.error_message()
        ),
    })
}

/// Whether SSM's error answer may go away by itself: a 5xx, a 429, or throttling (a 400 with
/// one of these codes).
fn transient(status: u16, code: Option<&str>) -> bool {
    status >= 500
        || status == 429
        || matches!(
            code,
            Some("ThrottlingException" | "TooManyRequestsException" | "RequestLimitExceeded")
        )
}

/// How many times one secret is read before the cold start gives up.
const SSM_ATTEMPTS: u32 = 3;

/// How long one attempt may take.
const SSM_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

/// How long a read may take in all, its attempts and waits included: the cold start waits for
/// it, and Lambda allows a function's initialisation 10 s.
const SSM_DEADLINE: std::time::Duration = std::time::Duration::from_secs(8);

/// No attempt is started with less time than this before the deadline.
const MIN_ATTEMPT: std::time::Duration = std::time::Duration::from_millis(500);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttling_and_server_errors_are_transient_the_rest_is_not() {
        assert!(transient(400, Some("ThrottlingException")));
        assert!(transient(429, None));
        assert!(transient(400, Some("TooManyRequestsException")));
        assert!(transient(500, Some("InternalServerError")));
        assert!(transient(503, None));
        assert!(!transient(400, Some("AccessDeniedException")));
        assert!(!transient(400, Some("ParameterVersionNotFound")));
        assert!(!transient(403, Some("InvalidSignatureException")));
        assert!(!transient(400, None));
    }
}
