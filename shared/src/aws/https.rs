//! The AWS SDK's HTTPS client, on the process's trust roots ([`crate::tls::roots`]).
//!
//! Left to itself every SDK client (DynamoDB, SSM, Lambda: four at a webhook's cold start) gets
//! its own default HTTPS client, which loads the platform's roots (the bundle and every file of
//! the certificate directory) and parses them per client. One client on the roots already read
//! parses them once for all: the clients built from one `SdkConfig` share it, and its connector
//! is built once per timeout setting (theirs are the same).

use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::rustls_provider::CryptoMode;
use aws_smithy_http_client::tls::{Provider, TlsContext, TrustStore};
use aws_smithy_http_client::{Builder, ConnectorBuilder};

use crate::tls::{RootsError, TrustRoots};

/// `loader` with the SDK's default HTTPS client (rustls on aws-lc-rs, proxies from the
/// environment, as aws-smithy-runtime's `default_https_client` builds it) trusting `roots` only.
pub(super) fn with_roots(
    loader: aws_config::ConfigLoader,
    roots: &TrustRoots,
) -> Result<aws_config::ConfigLoader, RootsError> {
    // Only certificates rustls accepted are in `pem` (the SDK panics on one it cannot parse),
    // and the platform's roots stay off: they would be loaded a second time.
    let trust = TrustStore::empty()
        .with_native_roots(false)
        .with_pem_certificate(roots.pem());
    let tls = TlsContext::builder()
        .with_trust_store(trust)
        .build()
        .map_err(|e| RootsError::Tls(e.to_string()))?;
    let client = Builder::new().build_with_connector_fn(move |settings, components| {
        let mut connector = ConnectorBuilder::default()
            .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
            .tls_context(tls.clone());
        connector.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            connector.set_sleep_impl(components.sleep_impl());
        }
        connector.set_proxy_config(Some(ProxyConfig::from_env()));
        connector.build()
    });
    Ok(loader.http_client(client))
}
