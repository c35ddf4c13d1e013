//! The few cryptographic primitives bots need beyond TLS: SHA-256 (API keys are stored hashed),
//! HMAC-SHA-256 (signed pushes to an outside tool), random tokens from the operating system's
//! CSPRNG, and a constant-time comparison. All from ring, the library rustls already
//! links: nothing new in the binary.

use ring::{digest, hmac, rand::SecureRandom};

/// The CSPRNG failed (the operating system's random source is unavailable).
#[derive(Debug, thiserror::Error)]
#[error("the system's secure random number generator failed")]
pub struct RandomUnavailable;

/// `n` random bytes from the operating system's CSPRNG.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], RandomUnavailable> {
    let mut bytes = [0u8; N];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| RandomUnavailable)?;
    Ok(bytes)
}

/// Lower-case hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

/// SHA-256 of `data`, in hexadecimal.
pub fn sha256_hex(data: &[u8]) -> String {
    hex(digest::digest(&digest::SHA256, data).as_ref())
}

/// HMAC-SHA-256 of `data` under `key`, in hexadecimal.
pub fn hmac_sha256_hex(key: &[u8], data: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    hex(hmac::sign(&key, data).as_ref())
}

/// Whether `a` and `b` are equal, in time that depends on their lengths only.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_and_hmac_match_the_published_test_vectors() {
        // FIPS 180-2, "abc".
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        // RFC 4231, test case 2.
        assert_eq!(
            hmac_sha256_hex(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn random_bytes_differ_and_equality_needs_equal_length() {
        let a = random_bytes::<32>().expect("random");
        let b = random_bytes::<32>().expect("random");
        assert_ne!(a, b);
        assert!(constant_time_eq(&a, &a));
        assert!(!constant_time_eq(&a, &b));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert_eq!(hex(&[0x00, 0x9f, 0xff]), "009fff");
    }
}
