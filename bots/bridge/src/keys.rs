//! API keys: `lgb_<id>_<secret>`. The id finds the key's record with one read; the secret is
//! 256 bits from the CSPRNG and only its SHA-256 is stored, compared in constant time. The
//! token is shown once, when issued.

use lambdagram::crypto::{constant_time_eq, hex, random_bytes, sha256_hex, RandomUnavailable};
use lambdagram::time::Epoch;

const PREFIX: &str = "lgb_";
/// 32 random bytes in hexadecimal.
const SECRET_LEN: usize = 64;

/// A key's stored record: never the secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyRecord {
    pub id: i64,
    /// SHA-256 of the secret, hexadecimal.
    pub hash: String,
    /// The chats it may send to and read from.
    pub chats: Vec<i64>,
    pub label: String,
    pub created_by: i64,
    pub created_at: Epoch,
    pub revoked_at: Option<Epoch>,
}

impl KeyRecord {
    /// Whether `secret` is this key's and the key is not revoked (constant time in the secret).
    pub fn accepts(&self, secret: &str) -> bool {
        let presented = sha256_hex(secret.as_bytes());
        constant_time_eq(presented.as_bytes(), self.hash.as_bytes()) && self.revoked_at.is_none()
    }

    pub fn allows(&self, chat_id: i64) -> bool {
        self.chats.contains(&chat_id)
    }
}

/// A key just issued: its token (show it once) and its record (store it).
pub struct Issued {
    pub token: String,
    pub record: KeyRecord,
}

/// A new key for `chats`.
pub fn issue(
    chats: Vec<i64>,
    label: &str,
    created_by: i64,
    now: Epoch,
) -> Result<Issued, RandomUnavailable> {
    let id_bytes = random_bytes::<6>()?;
    // 48 bits: positive, never 0, and short enough to type in `/bridge key revoke`.
    let id = id_bytes
        .iter()
        .fold(0i64, |acc, b| (acc << 8) | i64::from(*b))
        .max(1);
    let secret = hex(&random_bytes::<32>()?);
    Ok(Issued {
        token: format!("{PREFIX}{id}_{secret}"),
        record: KeyRecord {
            id,
            hash: sha256_hex(secret.as_bytes()),
            chats,
            label: label.chars().take(64).collect(),
            created_by,
            created_at: now,
            revoked_at: None,
        },
    })
}

/// The id and secret of a token, if it has a key's shape.
pub fn parse(token: &str) -> Option<(i64, &str)> {
    let (id, secret) = token.strip_prefix(PREFIX)?.split_once('_')?;
    let id = id.parse::<i64>().ok().filter(|id| *id > 0)?;
    (secret.len() == SECRET_LEN && secret.bytes().all(|b| b.is_ascii_hexdigit()))
        .then_some((id, secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_issued_token_parses_back_and_only_its_secret_is_accepted() {
        let issued = issue(vec![-100], "ci", 7, 1_790_000_000).expect("random");
        let (id, secret) = parse(&issued.token).expect("a key's shape");
        assert_eq!(id, issued.record.id);
        assert!(
            !issued.record.hash.contains(secret),
            "the secret is not stored"
        );
        assert!(issued.record.accepts(secret));
        let mut wrong = secret.to_owned();
        wrong.replace_range(0..1, if secret.starts_with('0') { "1" } else { "0" });
        assert!(!issued.record.accepts(&wrong));
        assert!(issued.record.allows(-100) && !issued.record.allows(-200));
        let revoked = KeyRecord {
            revoked_at: Some(1_790_000_001),
            ..issued.record.clone()
        };
        assert!(!revoked.accepts(secret), "a revoked key is refused");
        let other = issue(vec![-100], "ci", 7, 1_790_000_000).expect("random");
        assert_ne!(other.token, issued.token);
    }

    #[test]
    fn tokens_of_another_shape_are_not_keys() {
        let secret = "a".repeat(64);
        assert_eq!(
            parse(&format!("lgb_12_{secret}")),
            Some((12, secret.as_str()))
        );
        for bad in [
            format!("lgb_0_{secret}"),
            format!("lgb_-3_{secret}"),
            format!("lgb_x_{secret}"),
            format!("xyz_12_{secret}"),
            format!("lgb_12_{}", "a".repeat(63)),
            format!("lgb_12_{}", "g".repeat(64)),
            "lgb_12".to_owned(),
            String::new(),
        ] {
            assert_eq!(parse(&bad), None, "{bad}");
        }
    }
}
