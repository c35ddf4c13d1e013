//! Sending a file: `sendDocument` or `sendPhoto` as `multipart/form-data`, the one encoding
//! Telegram takes an upload in. The body is written here (a boundary, the text fields, the
//! file part): no multipart crate in the binary for a few dozen lines.

use serde_json::json;

/// Which method sends the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// `sendDocument`: any file, shown with its name.
    Document,
    /// `sendPhoto`: an image Telegram compresses and shows inline (at most 10 MB).
    Photo,
}

impl FileKind {
    /// The Bot API method (teloxide's payload name, as [`super::BotApiError`] carries it).
    pub fn payload_name(self) -> &'static str {
        match self {
            FileKind::Document => "SendDocument",
            FileKind::Photo => "SendPhoto",
        }
    }

    /// The form field that carries the file.
    pub fn field(self) -> &'static str {
        match self {
            FileKind::Document => "document",
            FileKind::Photo => "photo",
        }
    }
}

/// One file to send to a chat.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upload {
    pub kind: FileKind,
    pub chat_id: i64,
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub caption: Option<String>,
    /// The message of the chat it answers (sent anyway if that one is gone).
    pub reply_to: Option<i32>,
}

impl Upload {
    /// The text fields, as they are sent.
    pub fn fields(&self) -> Vec<(&'static str, String)> {
        let mut fields = vec![("chat_id", self.chat_id.to_string())];
        if let Some(caption) = &self.caption {
            fields.push(("caption", caption.clone()));
        }
        if let Some(id) = self.reply_to {
            fields.push((
                "reply_parameters",
                json!({ "message_id": id, "allow_sending_without_reply": true }).to_string(),
            ));
        }
        fields
    }

    /// The `multipart/form-data` body with `boundary`, and its content type.
    pub fn encode(&self, boundary: &str) -> (String, Vec<u8>) {
        let mut body = Vec::with_capacity(self.bytes.len() + 512);
        for (name, value) in self.fields() {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{file}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n",
                field = self.kind.field(),
                file = safe_file_name(&self.file_name),
            )
            .as_bytes(),
        );
        body.extend_from_slice(&self.bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        (format!("multipart/form-data; boundary={boundary}"), body)
    }
}

/// A file name that cannot break out of its quoted header parameter: no quotes, backslashes or
/// control characters, at most 128 characters; never empty.
pub fn safe_file_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| {
            if matches!(c, '"' | '\\' | '/') {
                '_'
            } else {
                c
            }
        })
        .take(128)
        .collect();
    if cleaned.trim().is_empty() {
        "file".to_owned()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_has_the_fields_then_the_file_between_boundaries() {
        let upload = Upload {
            kind: FileKind::Document,
            chat_id: -100,
            file_name: "re\"port\r\n.txt".into(),
            bytes: b"a,b\n1,2\n".to_vec(),
            caption: Some("nightly".into()),
            reply_to: Some(7),
        };
        let (content_type, body) = upload.encode("XyZ");
        assert_eq!(content_type, "multipart/form-data; boundary=XyZ");
        let text = String::from_utf8(body).expect("UTF-8");
        assert_eq!(
            text,
            "--XyZ\r\nContent-Disposition: form-data; name=\"chat_id\"\r\n\r\n-100\r\n\
             --XyZ\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\nnightly\r\n\
             --XyZ\r\nContent-Disposition: form-data; name=\"reply_parameters\"\r\n\r\n\
             {\"allow_sending_without_reply\":true,\"message_id\":7}\r\n\
             --XyZ\r\nContent-Disposition: form-data; name=\"document\"; filename=\"re_port.txt\"\r\n\
             Content-Type: application/octet-stream\r\n\r\na,b\n1,2\n\r\n--XyZ--\r\n"
        );
        assert_eq!(safe_file_name("\u{0}"), "file");
        assert_eq!(safe_file_name("../etc/passwd"), ".._etc_passwd");
    }
}
