//! The AWS SDK's HTTP client: reqwest (rustls with ring on the process's trust roots,
//! [`crate::tls::roots`]), the same stack as the Bot API's client and the signed SSM and Lambda
//! requests, each with its own connection pool.
//!
//! The SDK's own default client is a second HTTP stack (its hyper client with HTTP/2, a second
//! rustls configuration built from PEM, tower): code in every binary and a second parse of the
//! roots at every cold start, for DynamoDB requests that are small HTTP/1.1 exchanges. The SDK
//! takes any client implementing its `HttpClient` trait; this one hands each request to
//! reqwest and each answer back, whole (DynamoDB's bodies are small and never streamed).

use std::time::Duration;

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;

use crate::tls::{RootsError, TrustRoots};

/// How long a new connection may take, as the SDK's default (3.1 s).
const CONNECT_TIMEOUT: Duration = Duration::from_millis(3100);

/// The HTTP client for AWS requests, on `roots`: one connection pool per client.
pub(super) fn reqwest_client(roots: &TrustRoots) -> Result<reqwest::Client, RootsError> {
    reqwest::Client::builder()
        .use_preconfigured_tls(roots.client_config()?)
        .connect_timeout(CONNECT_TIMEOUT)
        .tcp_nodelay(true)
        // Below the 60 s after which AWS's front ends close an idle connection.
        .pool_idle_timeout(Duration::from_secs(50))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| RootsError::Tls(e.to_string()))
}

/// An SDK HTTP client over [`reqwest_client`] on `roots`. One per SDK configuration: a
/// connection pool belongs to the tokio runtime that opened its connections.
pub(super) fn sdk_client(roots: &TrustRoots) -> Result<SharedHttpClient, RootsError> {
    Ok(SharedHttpClient::new(SdkHttp {
        http: reqwest_client(roots)?,
    }))
}

#[derive(Debug, Clone)]
struct SdkHttp {
    http: reqwest::Client,
}

impl HttpClient for SdkHttp {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(Connector {
            http: self.http.clone(),
            read_timeout: settings.read_timeout(),
        })
    }
}

#[derive(Debug)]
struct Connector {
    http: reqwest::Client,
    /// The SDK's read timeout, if one is configured, applied to the whole exchange.
    read_timeout: Option<Duration>,
}

impl HttpConnector for Connector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let http = self.http.clone();
        let timeout = self.read_timeout;
        HttpConnectorFuture::new(async move {
            let request = to_reqwest(request)?;
            let mut builder = reqwest::RequestBuilder::from_parts(http, request);
            if let Some(timeout) = timeout {
                builder = builder.timeout(timeout);
            }
            let answer = builder.send().await.map_err(connector_error)?;
            let mut response = http::Response::builder().status(answer.status());
            if let Some(headers) = response.headers_mut() {
                *headers = answer.headers().clone();
            }
            // The headers came: a failure now is the answer's, cut short, which the SDK's own
            // client reports as a response error its retries treat as transient; here it is
            // I/O (or a timeout), retried alike.
            let body = answer.bytes().await.map_err(|e| {
                if e.is_timeout() {
                    ConnectorError::timeout(e.into())
                } else {
                    ConnectorError::io(e.into())
                }
            })?;
            let response = response
                .body(aws_smithy_types::body::SdkBody::from(body))
                .map_err(|e| ConnectorError::other(e.into(), None))?;
            HttpResponse::try_from(response).map_err(|e| ConnectorError::other(e.into(), None))
        })
    }
}

/// The SDK's request as reqwest's: the same method, URI, headers (the signature covers them)
/// and body bytes.
fn to_reqwest(request: HttpRequest) -> Result<reqwest::Request, ConnectorError> {
    let request = request
        .try_into_http1x()
        .map_err(|e| ConnectorError::user(e.into()))?;
    let (parts, body) = request.into_parts();
    let bytes = body
        .bytes()
        .ok_or_else(|| ConnectorError::user("a streaming request body (not supported)".into()))?
        .to_vec();
    reqwest::Request::try_from(http::Request::from_parts(parts, bytes))
        .map_err(|e| ConnectorError::user(e.into()))
}

/// reqwest's error in the SDK's terms, which decide its retries: a timeout, an I/O failure
/// (the connection could not be made, or broke while sending or reading), or another error.
fn connector_error(e: reqwest::Error) -> ConnectorError {
    if e.is_timeout() {
        ConnectorError::timeout(e.into())
    } else if e.is_connect() || e.is_request() || e.is_body() {
        ConnectorError::io(e.into())
    } else {
        ConnectorError::other(e.into(), None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A plain-HTTP client on the same rustls provider (no roots needed for loopback).
    fn client() -> reqwest::Client {
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth();
        reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .build()
            .expect("a client")
    }

    /// The SDK retries I/O failures and timeouts as transient: a refused connection and a
    /// server that never answers must reach it as such.
    #[tokio::test]
    async fn failures_keep_their_kind_for_the_sdks_retries() {
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = closed.local_addr().unwrap().port();
        drop(closed);
        let refused = client()
            .post(format!("http://127.0.0.1:{port}/"))
            .send()
            .await
            .expect_err("nothing listens");
        let e = connector_error(refused);
        assert!(e.is_io(), "{e:?}");

        let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = silent.local_addr().unwrap();
        let hold = tokio::spawn(async move {
            let (socket, _) = silent.accept().await.unwrap();
            tokio::time::sleep(Duration::from_secs(5)).await;
            drop(socket);
        });
        let slow = client()
            .post(format!("http://{addr}/"))
            .timeout(Duration::from_millis(100))
            .send()
            .await
            .expect_err("no answer");
        let e = connector_error(slow);
        assert!(e.is_timeout(), "{e:?}");
        hold.abort();
    }

    /// A request goes out with the SDK's method, URI, headers and body, byte for byte.
    #[test]
    fn a_request_keeps_what_was_signed() {
        let request = http::Request::post("http://127.0.0.1:8000/")
            .header("x-amz-target", "DynamoDB_20120810.GetItem")
            .header("authorization", "AWS4-HMAC-SHA256 Credential=AKID/x")
            .body(aws_smithy_types::body::SdkBody::from(
                r#"{"TableName":"t"}"#,
            ))
            .unwrap();
        let out = to_reqwest(HttpRequest::try_from(request).unwrap()).unwrap();
        assert_eq!(out.method(), reqwest::Method::POST);
        assert_eq!(out.url().as_str(), "http://127.0.0.1:8000/");
        assert_eq!(out.headers()["x-amz-target"], "DynamoDB_20120810.GetItem");
        assert_eq!(
            out.headers()["authorization"],
            "AWS4-HMAC-SHA256 Credential=AKID/x"
        );
        assert_eq!(
            out.body().and_then(reqwest::Body::as_bytes),
            Some(&br#"{"TableName":"t"}"#[..])
        );
    }
}
