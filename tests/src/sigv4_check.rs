//! The emulator checks every SSM and Lambda request's SigV4 signature as AWS does: it signs the
//! request it received (method, path, the headers the client says it signed, body) with the
//! test credentials, the region and the service it expects, at the request's own
//! `x-amz-date`, and compares. A client that signed for the wrong service or region, or whose
//! transport changed a signed header, the path or the body after signing, is refused with 403
//! `InvalidSignatureException`, as AWS refuses it.

use std::time::{Duration, SystemTime};

use axum::http::{HeaderMap, Method, Uri};

/// The credentials every function under the emulator gets.
pub const ACCESS_KEY_ID: &str = "test";
pub const SECRET_ACCESS_KEY: &str = "test";
pub const REGION: &str = "us-east-1";

/// Checks the request's signature for `service`; `Err` says why it does not match.
pub fn verify(
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    service: &str,
) -> Result<(), String> {
    if method != Method::POST {
        return Err(format!("{method}: only POST is signed here"));
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let authorization = header("authorization").ok_or("no Authorization header")?;
    let signed = authorization
        .split(", ")
        .find_map(|part| part.strip_prefix("SignedHeaders="))
        .ok_or("no SignedHeaders in the Authorization header")?;
    let date = header("x-amz-date").ok_or("no x-amz-date header")?;
    let time = parse_amz_date(date).ok_or_else(|| format!("bad x-amz-date {date}"))?;
    let host = header("host").ok_or("no Host header")?;
    // What the signer adds itself (host, date, session token) is not passed in again.
    let mut operation = Vec::new();
    for name in signed.split(';') {
        if matches!(name, "host" | "x-amz-date" | "x-amz-security-token") {
            continue;
        }
        let value = header(name).ok_or_else(|| format!("signed header {name} is missing"))?;
        operation.push((name, value));
    }
    let token = header("x-amz-security-token").map(str::to_owned);
    let identity = aws_credential_types::Credentials::new(
        ACCESS_KEY_ID,
        SECRET_ACCESS_KEY,
        token,
        None,
        "emulator",
    )
    .into();
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let expected = lambdagram::aws::signed::sign_request(
        &format!("http://{host}{path}"),
        &operation,
        body.to_vec(),
        &identity,
        REGION,
        service,
        time,
    )?;
    let expected = expected.headers()["authorization"]
        .to_str()
        .map_err(|e| e.to_string())?;
    if expected == authorization {
        Ok(())
    } else {
        Err(format!(
            "the signature does not match (expected for {service} in {REGION}: {expected}; got {authorization})"
        ))
    }
}

/// `YYYYMMDDTHHMMSSZ` as a time.
fn parse_amz_date(s: &str) -> Option<SystemTime> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |range: std::ops::Range<usize>| s.get(range)?.parse::<i64>().ok();
    let (y, m, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (hh, mm, ss) = (num(9..11)?, num(11..13)?, num(13..15)?);
    // Days from 1970-01-01 to the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + hh * 3600 + mm * 60 + ss;
    Some(SystemTime::UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed(service: &str, path: &str, body: &[u8]) -> (Uri, HeaderMap) {
        let identity = aws_credential_types::Credentials::new(
            ACCESS_KEY_ID,
            SECRET_ACCESS_KEY,
            None,
            None,
            "test",
        )
        .into();
        let request = lambdagram::aws::signed::sign_request(
            &format!("http://127.0.0.1:9000{path}"),
            &[("x-amz-invocation-type", "RequestResponse")],
            body.to_vec(),
            &identity,
            REGION,
            service,
            SystemTime::now(),
        )
        .unwrap();
        let mut headers = request.headers().clone();
        headers.insert("host", "127.0.0.1:9000".parse().unwrap());
        (path.parse().unwrap(), headers)
    }

    #[test]
    fn a_well_signed_request_passes_and_any_change_fails() {
        let path = "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A1%3Afunction%3Astart/invocations";
        let (uri, headers) = signed("lambda", path, b"{}");
        verify(&Method::POST, &uri, &headers, b"{}", "lambda").unwrap();

        let err = verify(&Method::POST, &uri, &headers, b"{ }", "lambda").unwrap_err();
        assert!(err.starts_with("the signature does not match"), "{err}");
        assert!(verify(&Method::POST, &uri, &headers, b"{}", "ssm").is_err());
        let other: Uri = path.replace("start", "stop").parse().unwrap();
        assert!(verify(&Method::POST, &other, &headers, b"{}", "lambda").is_err());
        let mut changed = headers.clone();
        changed.insert("x-amz-invocation-type", "Event".parse().unwrap());
        assert!(verify(&Method::POST, &uri, &changed, b"{}", "lambda").is_err());
        let mut unsigned = headers.clone();
        unsigned.remove("authorization");
        assert_eq!(
            verify(&Method::POST, &uri, &unsigned, b"{}", "lambda").unwrap_err(),
            "no Authorization header"
        );
        // Signed for another region.
        let (uri, mut headers) = signed("lambda", "/", b"");
        let wrong_region = headers["authorization"]
            .to_str()
            .unwrap()
            .replace("/us-east-1/", "/eu-west-1/");
        headers.insert("authorization", wrong_region.parse().unwrap());
        assert!(verify(&Method::POST, &uri, &headers, b"", "lambda").is_err());
    }

    #[test]
    fn amz_dates_parse() {
        let t = parse_amz_date("20150830T123600Z").unwrap();
        assert_eq!(
            t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs(),
            1_440_938_160
        );
        let leap = parse_amz_date("20240229T000000Z").unwrap();
        assert_eq!(
            leap.duration_since(SystemTime::UNIX_EPOCH)
                .unwrap()
                .as_secs(),
            1_709_164_800
        );
        assert!(parse_amz_date("2015-08-30T12:36:00Z").is_none());
    }
}
