//! SSM Parameter Store, where the webhook function reads its secret: behind a small port so
//! `webhook set` and `webhook rotate` can be tested without AWS. Values are never printed.

use anyhow::Context;

/// The three Parameter Store calls the CLI makes.
pub trait Parameters {
    /// The decrypted value, or `None` when the parameter does not exist.
    async fn get(&self, name: &str) -> anyhow::Result<Option<String>>;
    /// Creates or overwrites `name` as a SecureString (the account's aws/ssm key).
    async fn put_secure(&self, name: &str, value: &str) -> anyhow::Result<()>;
    /// Deletes `name`; a parameter that does not exist is not an error.
    async fn delete(&self, name: &str) -> anyhow::Result<()>;
}

/// The real Parameter Store (credentials and region from the usual AWS environment), configured
/// on first use: commands that never touch SSM never load AWS configuration.
#[derive(Default)]
pub struct Ssm(tokio::sync::OnceCell<aws_sdk_ssm::Client>);

impl Ssm {
    async fn client(&self) -> anyhow::Result<&aws_sdk_ssm::Client> {
        self.0
            .get_or_try_init(|| async {
                Ok(aws_sdk_ssm::Client::new(
                    &lambdagram::aws::sdk_config().await?,
                ))
            })
            .await
    }
}

fn detail<E: std::error::Error + 'static>(err: E) -> String {
    aws_sdk_ssm::error::DisplayErrorContext(err).to_string()
}

impl Parameters for Ssm {
    async fn get(&self, name: &str) -> anyhow::Result<Option<String>> {
        match self
            .client()
            .await?
            .get_parameter()
            .name(name)
            .with_decryption(true)
            .send()
            .await
        {
            Ok(out) => Ok(out.parameter.and_then(|p| p.value)),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_parameter_not_found()) =>
            {
                Ok(None)
            }
            Err(err) => anyhow::bail!("ssm GetParameter {name}: {}", detail(err)),
        }
    }

    async fn put_secure(&self, name: &str, value: &str) -> anyhow::Result<()> {
        self.client()
            .await?
            .put_parameter()
            .name(name)
            .value(value)
            .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
            .overwrite(true)
            .send()
            .await
            .map_err(|e| anyhow::anyhow!(detail(e)))
            .with_context(|| format!("ssm PutParameter {name}"))?;
        Ok(())
    }

    async fn delete(&self, name: &str) -> anyhow::Result<()> {
        match self
            .client()
            .await?
            .delete_parameter()
            .name(name)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_parameter_not_found()) =>
            {
                Ok(())
            }
            Err(err) => anyhow::bail!("ssm DeleteParameter {name}: {}", detail(err)),
        }
    }
}

/// An in-memory Parameter Store, for tests.
#[cfg(test)]
#[derive(Default)]
pub struct MemoryParameters {
    values: std::sync::Mutex<std::collections::BTreeMap<String, String>>,
}

#[cfg(test)]
impl MemoryParameters {
    pub fn value(&self, name: &str) -> Option<String> {
        self.values.lock().expect("lock").get(name).cloned()
    }
}

#[cfg(test)]
impl Parameters for MemoryParameters {
    async fn get(&self, name: &str) -> anyhow::Result<Option<String>> {
        Ok(self.value(name))
    }

    async fn put_secure(&self, name: &str, value: &str) -> anyhow::Result<()> {
        self.values
            .lock()
            .expect("lock")
            .insert(name.to_owned(), value.to_owned());
        Ok(())
    }

    async fn delete(&self, name: &str) -> anyhow::Result<()> {
        self.values.lock().expect("lock").remove(name);
        Ok(())
    }
}
