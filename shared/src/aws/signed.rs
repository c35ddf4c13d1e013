//! SigV4-signed requests to the AWS services a function calls once or twice per update and
//! whose SDK crates would cost more than the call: SSM `GetParameter` at cold start and Lambda
//! `Invoke` in the webhook. Each SDK crate brings its operation machinery, its error types and
//! its endpoint rules with a partition table it loads at the first client (0.5–1 ms of a cold
//! start per crate); these two calls are one JSON body or one opaque payload each, signed by
//! the SDK's own signer (`aws-sigv4`) with the SDK's credentials, on the process's HTTP client
//! and trust roots. DynamoDB keeps its SDK client.

use std::time::{Duration, SystemTime};

use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;

use super::endpoint;

/// A service reached by signed requests: its endpoint rules and its signing name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Service {
    pub rules: endpoint::Rules,
    pub name: &'static str,
}

pub const SSM: Service = Service {
    rules: endpoint::Rules {
        id: "SSM",
        prefix: "ssm",
        gov_fips_is_regular: true,
    },
    name: "ssm",
};
pub const LAMBDA: Service = Service {
    rules: endpoint::Rules {
        id: "LAMBDA",
        prefix: "lambda",
        gov_fips_is_regular: false,
    },
    name: "lambda",
};

/// Why a signed call did not get an answer.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// Nothing was sent: no region, no credentials, a request that cannot be built or signed.
    #[error("{0}")]
    NotSent(String),
    /// The connection could not be made: nothing reached the service.
    #[error("cannot connect to {service}: {detail}")]
    Connect {
        service: &'static str,
        detail: String,
    },
    /// Sent, but no complete answer came back (a timeout, a lost connection): the service may
    /// have acted on it.
    #[error("no answer from {service}: {detail}")]
    NoAnswer {
        service: &'static str,
        detail: String,
    },
}

/// An answer, whatever its status.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    /// The service's error code: the `x-amzn-ErrorType` header or the JSON body's `__type`
    /// (either may carry a namespace or a `:` suffix, dropped here).
    pub fn error_code(&self) -> Option<String> {
        #[derive(serde::Deserialize)]
        struct Body {
            #[serde(rename = "__type")]
            kind: Option<String>,
        }
        let raw = self
            .headers
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .or_else(|| {
                serde_json::from_slice::<Body>(&self.body)
                    .ok()
                    .and_then(|b| b.kind)
            })?;
        let code = raw.split(':').next().unwrap_or_default();
        let code = code.rsplit('#').next().unwrap_or_default();
        (!code.is_empty()).then(|| code.to_owned())
    }

    /// The error's message, for logs: the body's `message` (or `Message`), at most 256 bytes.
    pub fn error_message(&self) -> String {
        #[derive(serde::Deserialize)]
        struct Body {
            #[serde(alias = "Message")]
            message: Option<String>,
        }
        let message = serde_json::from_slice::<Body>(&self.body)
            .ok()
            .and_then(|b| b.message)
            .unwrap_or_default();
        crate::log_safe::truncate(&message, 256).to_owned()
    }
}

/// One POST to a service: the path (already percent-encoded), the headers that describe the
/// operation (signed), the body, and how long the whole call may take.
pub struct Call<'a> {
    pub service: Service,
    pub path: &'a str,
    pub headers: &'a [(&'static str, &'a str)],
    pub body: Vec<u8>,
    pub timeout: Option<Duration>,
}

/// The signing client: an HTTP client on the process's trust roots (its own connection pool),
/// the SDK configuration's credentials and region. Cheap to clone. The credentials are asked
/// for at every call: the environment's provider (Lambda's) answers at once; another provider
/// caches them itself (the SDK wraps the default chain in a cache).
#[derive(Clone)]
pub struct SignedClient {
    http: reqwest::Client,
    credentials: Option<SharedCredentialsProvider>,
    region: Option<String>,
    /// Each service's endpoint, resolved once (the webhook signs an Invoke per update).
    endpoints: std::sync::Arc<[(&'static str, String)]>,
}

impl std::fmt::Debug for SignedClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedClient")
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

impl SignedClient {
    /// From the SDK configuration loaded at cold start ([`super::function_sdk_config`]).
    pub fn new(sdk: &aws_config::SdkConfig) -> Result<Self, crate::tls::RootsError> {
        let http = super::https::reqwest_client(crate::tls::roots()?)?;
        let region = sdk.region().map(|r| r.as_ref().to_owned());
        let endpoints = match &region {
            Some(region) => [SSM, LAMBDA]
                .iter()
                .map(|s| {
                    let url = endpoint::resolve(s.rules, region, crate::config::optional);
                    (s.name, url)
                })
                .collect(),
            None => std::sync::Arc::new([]) as std::sync::Arc<[_]>,
        };
        Ok(Self {
            http,
            credentials: sdk.credentials_provider(),
            region,
            endpoints,
        })
    }

    /// Signs and sends `call`; any status is an [`Answer`].
    pub async fn send(&self, call: Call<'_>) -> Result<Answer, CallError> {
        let service = call.service.name;
        let timeout = call.timeout;
        let request = self.signed_request(call).await?;
        let request = reqwest::Request::try_from(request)
            .map_err(|e| CallError::NotSent(format!("{service}: {e}")))?;
        let mut builder = reqwest::RequestBuilder::from_parts(self.http.clone(), request);
        if let Some(timeout) = timeout {
            builder = builder.timeout(timeout);
        }
        let failed = |e: reqwest::Error| {
            let connect = e.is_connect();
            let detail = with_sources(&e.without_url());
            if connect {
                CallError::Connect { service, detail }
            } else {
                CallError::NoAnswer { service, detail }
            }
        };
        let answer = builder.send().await.map_err(failed)?;
        let status = answer.status().as_u16();
        let headers = answer.headers().clone();
        let body = answer.bytes().await.map_err(failed)?.to_vec();
        Ok(Answer {
            status,
            headers,
            body,
        })
    }

    /// The request for `call`, signed now with the current credentials.
    async fn signed_request(&self, call: Call<'_>) -> Result<http::Request<Vec<u8>>, CallError> {
        let service = call.service;
        let region = self
            .region
            .as_deref()
            .ok_or_else(|| CallError::NotSent("no AWS region is configured (AWS_REGION)".into()))?;
        let provider = self.credentials.as_ref().ok_or_else(|| {
            CallError::NotSent("no AWS credentials provider is configured".into())
        })?;
        let credentials = provider
            .provide_credentials()
            .await
            .map_err(|e| CallError::NotSent(format!("AWS credentials: {e}")))?;
        let base = self
            .endpoints
            .iter()
            .find(|(name, _)| *name == service.name)
            .map(|(_, url)| url.as_str())
            .ok_or_else(|| CallError::NotSent(format!("no endpoint for {}", service.name)))?;
        let uri = format!("{base}{}", call.path);
        sign_request(
            &uri,
            call.headers,
            call.body,
            &credentials.into(),
            region,
            service.name,
            SystemTime::now(),
        )
        .map_err(|e| CallError::NotSent(format!("{}: {e}", service.name)))
    }
}

/// `e` and its sources, `: `-separated (reqwest's own message says only "error sending
/// request"; the cause is in its sources).
fn with_sources(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}

/// A POST to `uri` with `headers` and `body`, signed (SigV4, in headers) for `service` in
/// `region` at `time`: the `x-amz-date`, `authorization` and, with temporary credentials,
/// `x-amz-security-token` headers added, as the SDK signs its own requests.
pub fn sign_request(
    uri: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
    identity: &aws_smithy_runtime_api::client::identity::Identity,
    region: &str,
    service: &str,
    time: SystemTime,
) -> Result<http::Request<Vec<u8>>, String> {
    let params = v4::SigningParams::builder()
        .identity(identity)
        .region(region)
        .name(service)
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| e.to_string())?
        .into();
    let signable = SignableRequest::new(
        "POST",
        uri,
        headers.iter().map(|(k, v)| (*k, *v)),
        SignableBody::Bytes(&body),
    )
    .map_err(|e| e.to_string())?;
    let (instructions, _signature) = sign(signable, &params)
        .map_err(|e| e.to_string())?
        .into_parts();
    let mut request = http::Request::post(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let mut request = request.body(body).map_err(|e| e.to_string())?;
    instructions.apply_to_request_http1x(&mut request);
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_credential_types::Credentials;

    fn answer(headers: &[(&'static str, &str)], body: &str) -> Answer {
        let mut map = http::HeaderMap::new();
        for (k, v) in headers {
            map.insert(*k, v.parse().unwrap());
        }
        Answer {
            status: 400,
            headers: map,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn error_codes_lose_their_namespace_and_suffix() {
        let json = answer(
            &[],
            r#"{"__type":"com.amazonaws.ssm#ParameterNotFound","message":"no such"}"#,
        );
        assert_eq!(json.error_code().as_deref(), Some("ParameterNotFound"));
        assert_eq!(json.error_message(), "no such");
        let header = answer(
            &[(
                "x-amzn-errortype",
                "TooManyRequestsException:http://internal",
            )],
            r#"{"Type":"User","Message":"Rate exceeded"}"#,
        );
        assert_eq!(
            header.error_code().as_deref(),
            Some("TooManyRequestsException")
        );
        assert_eq!(header.error_message(), "Rate exceeded");
        assert_eq!(answer(&[], "not json").error_code(), None);
    }

    /// AWS's SigV4 test suite's "post-vanilla" case (as shipped with aws-sigv4): the same key,
    /// date and request give its signature, so the request is signed as AWS checks it.
    #[test]
    fn a_request_is_signed_as_the_sigv4_test_suite_expects() {
        let identity = Credentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            None,
            None,
            "test",
        )
        .into();
        // 2015-08-30T12:36:00Z
        let time = SystemTime::UNIX_EPOCH + Duration::from_secs(1_440_938_160);
        let request = sign_request(
            "https://example.amazonaws.com/",
            &[],
            vec![],
            &identity,
            "us-east-1",
            "service",
            time,
        )
        .unwrap();
        assert_eq!(request.headers()["x-amz-date"], "20150830T123600Z");
        assert_eq!(
            request.headers()["authorization"],
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=host;x-amz-date, \
             Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"
        );
        assert!(request.headers().get("x-amz-security-token").is_none());

        // The operation's headers are sent and signed; temporary credentials add their token.
        let temporary = Credentials::new("AKID", "secret", Some("token".into()), None, "test");
        let request = sign_request(
            "http://127.0.0.1:9000/2015-03-31/functions/a%3Ab/invocations",
            &[("x-amz-invocation-type", "DryRun")],
            b"{}".to_vec(),
            &temporary.into(),
            "eu-central-1",
            "lambda",
            time,
        )
        .unwrap();
        assert_eq!(request.headers()["x-amz-security-token"], "token");
        assert_eq!(request.headers()["x-amz-invocation-type"], "DryRun");
        assert_eq!(request.body(), b"{}");
        let authorization = request.headers()["authorization"].to_str().unwrap();
        assert!(
            authorization.contains(
                "/20150830/eu-central-1/lambda/aws4_request, \
                 SignedHeaders=host;x-amz-date;x-amz-invocation-type;x-amz-security-token,"
            ),
            "{authorization}"
        );
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn sha256(data: &[u8]) -> String {
        hex(ring::digest::digest(&ring::digest::SHA256, data).as_ref())
    }

    fn hmac(key: &[u8], data: &str) -> Vec<u8> {
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key);
        ring::hmac::sign(&key, data.as_bytes()).as_ref().to_vec()
    }

    /// A function ARN in the Invoke path: the signature computed here from SigV4's definition,
    /// independently of aws-sigv4. Outside S3 the canonical URI encodes the (already encoded)
    /// path once more, `%3A` becoming `%253A`, as Lambda computes it on its side.
    #[test]
    fn an_arn_in_the_path_is_encoded_twice_in_the_canonical_request() {
        let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
        let identity = Credentials::new("AKIDEXAMPLE", secret, None, None, "test").into();
        let time = SystemTime::UNIX_EPOCH + Duration::from_secs(1_440_938_160);
        let path = "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Astart/invocations";
        let request = sign_request(
            &format!("https://lambda.us-east-1.amazonaws.com{path}"),
            &[],
            b"{}".to_vec(),
            &identity,
            "us-east-1",
            "lambda",
            time,
        )
        .unwrap();

        let canonical = format!(
            "POST\n{}\n\nhost:lambda.us-east-1.amazonaws.com\nx-amz-date:20150830T123600Z\n\n\
             host;x-amz-date\n{}",
            path.replace('%', "%25"),
            sha256(b"{}")
        );
        let to_sign = format!(
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/lambda/aws4_request\n{}",
            sha256(canonical.as_bytes())
        );
        let mut key = hmac(format!("AWS4{secret}").as_bytes(), "20150830");
        for part in ["us-east-1", "lambda", "aws4_request"] {
            key = hmac(&key, part);
        }
        let signature = hex(&hmac(&key, &to_sign));
        assert_eq!(
            request.headers()["authorization"],
            format!(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/lambda/aws4_request, \
                 SignedHeaders=host;x-amz-date, Signature={signature}"
            )
        );
        assert_eq!(request.uri().path(), path, "the path is sent encoded once");
    }
}
