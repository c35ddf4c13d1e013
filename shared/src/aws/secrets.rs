//! Secrets: `NAME` directly (local runs), or the SSM SecureString named by `NAME_PARAMETER`
//! (AWS), fetched once at cold start. Values are never logged.

use super::signed::{Call, SignedClient, SSM};
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
/// does not exist, else why it could not be read.
async fn get_parameter(aws: &SignedClient, parameter: &str) -> Result<Option<String>, String> {
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
            timeout: Some(SSM_TIMEOUT),
        })
        .await
        .map_err(|e| e.to_string())?;
    if answer.status == 200 {
        let parsed: Answer = serde_json::from_slice(&answer.body)
            .map_err(|e| format!("unreadable GetParameter answer: {e}"))?;
        return Ok(parsed.parameter.and_then(|p| p.value));
    }
    match answer.error_code() {
        Some(code) if code == "ParameterNotFound" => Ok(None),
        code => Err(format!(
            "{} (HTTP {}): {}",
            code.as_deref().unwrap_or("error"),
            answer.status,
            answer.error_message()
        )),
    }
}

/// How long one read may take: the cold start waits for it.
const SSM_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);
