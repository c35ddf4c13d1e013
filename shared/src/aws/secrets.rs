//! Secrets: `NAME` directly (local runs), or the SSM SecureString named by `NAME_PARAMETER`
//! (AWS), fetched once at cold start. Values are never logged.

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
pub async fn resolve_secret(
    name: &str,
    sdk: &aws_config::SdkConfig,
) -> Result<String, SecretError> {
    if let Some(value) = config::optional(name) {
        return Ok(value);
    }
    let param_var = format!("{name}_PARAMETER");
    let Some(parameter) = config::optional(&param_var) else {
        return Err(SecretError::NotConfigured {
            name: name.to_owned(),
        });
    };
    let ssm_err = |detail: String| SecretError::Ssm {
        name: name.to_owned(),
        parameter: parameter.clone(),
        detail,
    };
    let out = aws_sdk_ssm::Client::new(sdk)
        .get_parameter()
        .name(&parameter)
        .with_decryption(true)
        .send()
        .await
        .map_err(|e| ssm_err(aws_sdk_ssm::error::DisplayErrorContext(e).to_string()))?;
    out.parameter
        .and_then(|p| p.value)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ssm_err("parameter has no value".into()))
}

/// The next webhook secret while `lambdagram webhook rotate` rolls one: the SSM parameter
/// `WEBHOOK_SECRET_PARAMETER` + `/next` ([`crate::secret::next_parameter`]). `None` when no
/// rotation is under way (the parameter does not exist) or the secret is not read from SSM.
pub async fn resolve_next_webhook_secret(
    sdk: &aws_config::SdkConfig,
) -> Result<Option<String>, SecretError> {
    let Some(current) = config::optional("WEBHOOK_SECRET_PARAMETER") else {
        return Ok(None);
    };
    let parameter = crate::secret::next_parameter(&current);
    match aws_sdk_ssm::Client::new(sdk)
        .get_parameter()
        .name(&parameter)
        .with_decryption(true)
        .send()
        .await
    {
        Ok(out) => Ok(out
            .parameter
            .and_then(|p| p.value)
            .filter(|v| !v.is_empty())),
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_parameter_not_found()) =>
        {
            Ok(None)
        }
        Err(err) => Err(SecretError::Ssm {
            name: "WEBHOOK_SECRET (next)".to_owned(),
            parameter,
            detail: aws_sdk_ssm::error::DisplayErrorContext(err).to_string(),
        }),
    }
}
