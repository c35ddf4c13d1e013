//! The webhook secret and its constant-time check.

use subtle::ConstantTimeEq;

/// The `secret_token` given to `setWebhook`, echoed by Telegram in
/// `X-Telegram-Bot-Api-Secret-Token`. Never logged: `Debug` is redacted.
#[derive(Clone)]
pub struct WebhookSecret(Vec<u8>);

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(<redacted>)")
    }
}

#[derive(Debug, thiserror::Error)]
#[error("webhook secret must be 1-256 characters of A-Z, a-z, 0-9, _ and -")]
pub struct InvalidSecret;

impl WebhookSecret {
    /// Validates the secret against Telegram's rules for `secret_token`.
    pub fn new(secret: &str) -> Result<Self, InvalidSecret> {
        let ok = (1..=256).contains(&secret.len())
            && secret
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if ok {
            Ok(Self(secret.as_bytes().to_vec()))
        } else {
            Err(InvalidSecret)
        }
    }

    /// Compares in time independent of where the first difference is. (Only the length can
    /// leak, and Telegram's secrets are of a fixed, public length range.)
    pub fn matches(&self, header: Option<&[u8]>) -> bool {
        match header {
            Some(given) => bool::from(self.0.as_slice().ct_eq(given)),
            None => false,
        }
    }

    pub fn expose(&self) -> &str {
        // Constructed only from a validated &str.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// A fresh random secret of 48 characters (288 bits), from the operating system's CSPRNG
    /// (through aws-lc-rs, the crypto provider the TLS stack already links).
    pub fn generate() -> Result<Self, RandomUnavailable> {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
        let mut bytes = [0u8; 48];
        rustls::crypto::aws_lc_rs::default_provider()
            .secure_random
            .fill(&mut bytes)
            .map_err(|_| RandomUnavailable)?;
        // 64 symbols: the low 6 bits of a uniform byte pick one uniformly.
        Ok(Self(
            bytes
                .iter()
                .map(|b| ALPHABET[usize::from(b & 63)])
                .collect(),
        ))
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the system's secure random number generator failed")]
pub struct RandomUnavailable;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_telegram_rules() {
        assert!(WebhookSecret::new("abc_DEF-123").is_ok());
        assert!(WebhookSecret::new("").is_err());
        assert!(WebhookSecret::new("has space").is_err());
        assert!(WebhookSecret::new(&"a".repeat(257)).is_err());
    }

    #[test]
    fn matches_only_the_exact_secret() {
        let s = WebhookSecret::new("s3cret").expect("valid");
        assert!(s.matches(Some(b"s3cret")));
        assert!(!s.matches(Some(b"s3cres")));
        assert!(!s.matches(Some(b"s3cret2")));
        assert!(!s.matches(Some(b"")));
        assert!(!s.matches(None));
        assert!(format!("{s:?}").contains("redacted"));
    }

    #[test]
    fn generated_secrets_are_valid_and_differ() {
        let a = WebhookSecret::generate().expect("random");
        assert_eq!(a.expose().len(), 48);
        assert!(WebhookSecret::new(a.expose()).is_ok());
        assert_ne!(
            a.expose(),
            WebhookSecret::generate().expect("random").expose()
        );
    }

    #[test]
    fn generated_secrets_do_not_come_from_the_seedable_fast_rng() {
        // fastrand is predictable from its seed (and from its output); a secret must not be.
        fastrand::seed(4711);
        let a = WebhookSecret::generate().expect("random");
        fastrand::seed(4711);
        let b = WebhookSecret::generate().expect("random");
        assert_ne!(a.expose(), b.expose());
    }
}
