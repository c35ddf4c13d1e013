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
    /// ([`crate::crypto::random_bytes`]).
    pub fn generate() -> Result<Self, RandomUnavailable> {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
        let bytes = crate::crypto::random_bytes::<48>()?;
        // 64 symbols: the low 6 bits of a uniform byte pick one uniformly.
        Ok(Self(
            bytes
                .iter()
                .map(|b| ALPHABET[usize::from(b & 63)])
                .collect(),
        ))
    }
}

pub use crate::crypto::RandomUnavailable;

/// The SSM parameter holding the *next* webhook secret while `lambdagram webhook rotate` rolls
/// it: the current parameter's name with `/next` appended.
pub fn next_parameter(current: &str) -> String {
    format!("{current}/next")
}

/// The secrets the webhook accepts: the current one and, while a rotation rolls, the next one.
/// Shared between clones, so the webhook function can refresh them (from SSM) in place.
#[derive(Clone)]
pub struct AcceptedSecrets(std::sync::Arc<std::sync::RwLock<SecretPair>>);

#[derive(Clone)]
struct SecretPair {
    current: WebhookSecret,
    next: Option<WebhookSecret>,
}

impl std::fmt::Debug for AcceptedSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AcceptedSecrets(<redacted>)")
    }
}

impl AcceptedSecrets {
    pub fn new(current: WebhookSecret, next: Option<WebhookSecret>) -> Self {
        Self(std::sync::Arc::new(std::sync::RwLock::new(SecretPair {
            current,
            next,
        })))
    }

    fn pair(&self) -> SecretPair {
        // A poisoned lock still holds a whole pair: replace() writes it in one assignment.
        match self.0.read() {
            Ok(pair) => pair.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// True when `header` is the current or the next secret. Both are compared, each in
    /// constant time, whatever the first answer: the timing does not say which one matched.
    pub fn matches(&self, header: Option<&[u8]>) -> bool {
        let pair = self.pair();
        let current = pair.current.matches(header);
        let next = pair.next.as_ref().is_some_and(|n| n.matches(header));
        current | next
    }

    /// Replaces both secrets (after re-reading them).
    pub fn replace(&self, current: WebhookSecret, next: Option<WebhookSecret>) {
        let pair = SecretPair { current, next };
        match self.0.write() {
            Ok(mut slot) => *slot = pair,
            Err(poisoned) => *poisoned.into_inner() = pair,
        }
    }
}

impl From<WebhookSecret> for AcceptedSecrets {
    fn from(current: WebhookSecret) -> Self {
        Self::new(current, None)
    }
}

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
    fn accepts_the_current_and_the_next_secret_and_nothing_else() {
        let current = WebhookSecret::new("current_1").expect("valid");
        let next = WebhookSecret::new("next_2").expect("valid");
        let only = AcceptedSecrets::from(current.clone());
        assert!(only.matches(Some(b"current_1")));
        assert!(!only.matches(Some(b"next_2")));
        let rolling = AcceptedSecrets::new(current, Some(next.clone()));
        assert!(rolling.matches(Some(b"current_1")));
        assert!(rolling.matches(Some(b"next_2")));
        assert!(!rolling.matches(Some(b"next_")));
        assert!(!rolling.matches(None));
        // A clone shares the secrets: the refresh reaches the ingress that holds the clone.
        let held = rolling.clone();
        rolling.replace(next, None);
        assert!(held.matches(Some(b"next_2")));
        assert!(!held.matches(Some(b"current_1")));
        assert!(format!("{held:?}").contains("redacted"));
        assert_eq!(
            next_parameter("/lambdagram/webhook-secret"),
            "/lambdagram/webhook-secret/next"
        );
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
