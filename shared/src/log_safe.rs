//! What may be logged above debug about a payload that failed to decode.
//!
//! serde's messages quote the values they met (`invalid type: string "hello", expected i64`),
//! and an update's or a Bot API answer's values are message text. Above debug we log only the
//! kind of failure and where it happened; the full message goes to a debug event.

use std::fmt;

/// A serde_json error without the values it quotes: `data error at line 1 column 42`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JsonErrorSummary {
    pub category: &'static str,
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for JsonErrorSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} error at line {} column {}",
            self.category, self.line, self.column
        )
    }
}

/// The loggable part of `err`.
pub fn json_error(err: &serde_json::Error) -> JsonErrorSummary {
    use serde_json::error::Category;
    JsonErrorSummary {
        category: match err.classify() {
            Category::Io => "io",
            Category::Syntax => "syntax",
            Category::Data => "data",
            Category::Eof => "eof",
        },
        line: err.line(),
        column: err.column(),
    }
}

/// `text` cut to at most `max_bytes` bytes, on a character boundary (never inside a multi-byte
/// character, where slicing would panic).
pub fn truncate(text: &str, max_bytes: usize) -> &str {
    if text.len() <= max_bytes {
        return text;
    }
    let mut cut = max_bytes;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    &text[..cut]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_never_splits_a_character() {
        // "é" is 2 bytes and "€" 3: bytes 4, 6 and 7 fall inside a character.
        let text = "aéé€b";
        assert_eq!(truncate(text, 4), "aé");
        assert_eq!(truncate(text, 5), "aéé");
        assert_eq!(truncate(text, 6), "aéé");
        assert_eq!(truncate(text, 7), "aéé");
        assert_eq!(truncate(text, 8), "aéé€");
        assert_eq!(truncate(text, 100), text);
        assert_eq!(truncate(text, 0), "");
        assert_eq!(truncate("", 3), "");
    }

    const MARKER: &str = "my-private-words-4711";

    fn error_of(json: &str) -> serde_json::Error {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Message {
            message_id: i64,
            text: String,
        }
        serde_json::from_str::<Message>(json).expect_err("does not decode")
    }

    #[test]
    fn the_summary_never_quotes_the_payload() {
        let err = error_of(&format!(r#"{{"message_id": "{MARKER}", "text": "x"}}"#));
        assert!(err.to_string().contains(MARKER), "serde quotes it: {err}");
        let summary = json_error(&err).to_string();
        assert!(!summary.contains(MARKER), "{summary}");
        assert_eq!(summary, "data error at line 1 column 38");
    }

    #[test]
    fn unknown_variants_and_fields_are_not_quoted_either() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        enum Kind {
            Text,
        }
        let err = serde_json::from_str::<Kind>(&format!("\"{MARKER}\"")).expect_err("unknown");
        assert!(!json_error(&err).to_string().contains(MARKER));
        let err = error_of(&format!(r#"{{"message_id": 1, "text": "{MARKER}"#));
        let summary = json_error(&err);
        assert_eq!(summary.category, "eof");
        assert!(!summary.to_string().contains(MARKER));
    }

    #[test]
    fn syntax_errors_name_their_position() {
        let err =
            serde_json::from_str::<serde_json::Value>("{\"update_id\": 1,\n x").expect_err("bad");
        assert_eq!(
            json_error(&err),
            JsonErrorSummary {
                category: "syntax",
                line: 2,
                column: 2
            }
        );
    }
}
