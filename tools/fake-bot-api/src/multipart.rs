//! `multipart/form-data` bodies, which Telegram accepts for every method and clients use when a
//! request may carry a file (teloxide sends `setWebhook` this way). Text fields become string
//! parameters; file parts are kept as a `{"file_name": ..., "size": ...}` description.

use serde_json::{json, Map, Value};

/// The boundary of a `multipart/form-data; boundary=...` content type.
pub(crate) fn boundary(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|part| {
        let (key, value) = part.trim().split_once('=')?;
        key.eq_ignore_ascii_case("boundary")
            .then(|| value.trim_matches('"').to_owned())
    })
}

/// Parses the parts of a body into `map`. `None` if the body is not well-formed.
pub(crate) fn parse_into(map: &mut Map<String, Value>, body: &[u8], boundary: &str) -> Option<()> {
    let delimiter = format!("--{boundary}");
    let text = body;
    let mut rest = after(text, delimiter.as_bytes())?;
    loop {
        if rest.starts_with(b"--") {
            return Some(());
        }
        rest = rest.strip_prefix(b"\r\n")?;
        let header_end = find(rest, b"\r\n\r\n")?;
        let headers = std::str::from_utf8(&rest[..header_end]).ok()?;
        let content = &rest[header_end + 4..];
        let end = find(content, format!("\r\n{delimiter}").as_bytes())?;
        let value = &content[..end];
        let (name, file_name) = disposition(headers)?;
        let value = match file_name {
            Some(file_name) => json!({ "file_name": file_name, "size": value.len() }),
            None => Value::String(String::from_utf8_lossy(value).into_owned()),
        };
        map.insert(name, value);
        rest = &content[end + 2 + delimiter.len()..];
    }
}

/// `name` and optional `filename` from a part's `Content-Disposition: form-data; ...` header.
fn disposition(headers: &str) -> Option<(String, Option<String>)> {
    let line = headers
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))?;
    let mut name = None;
    let mut file_name = None;
    for param in line.split(';').skip(1) {
        let Some((key, value)) = param.trim().split_once('=') else {
            continue;
        };
        let value = value.trim_matches('"').to_owned();
        match key.to_ascii_lowercase().as_str() {
            "name" => name = Some(value),
            "filename" => file_name = Some(value),
            _ => {}
        }
    }
    Some((name?, file_name))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn after<'a>(haystack: &'a [u8], needle: &[u8]) -> Option<&'a [u8]> {
    find(haystack, needle).map(|i| &haystack[i + needle.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_text_and_file_parts() {
        let body = "--XyZ\r\nContent-Disposition: form-data; name=\"url\"\r\n\r\nhttps://a.b/w\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"certificate\"; filename=\"c.pem\"\r\nContent-Type: application/octet-stream\r\n\r\nPEM\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"allowed_updates\"\r\n\r\n[\"message\"]\r\n--XyZ--\r\n";
        let ct = "multipart/form-data; boundary=XyZ";
        let mut map = Map::new();
        parse_into(&mut map, body.as_bytes(), &boundary(ct).expect("boundary")).expect("parse");
        assert_eq!(map["url"], "https://a.b/w");
        assert_eq!(map["allowed_updates"], "[\"message\"]");
        assert_eq!(map["certificate"], json!({"file_name": "c.pem", "size": 3}));
    }

    #[test]
    fn rejects_truncated_bodies() {
        let mut map = Map::new();
        let body = b"--B\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nvalue";
        assert!(parse_into(&mut map, body, "B").is_none());
    }
}
