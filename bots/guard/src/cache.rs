//! How long a membership check is trusted. Positive answers live longer than negative ones (a
//! user who just joined the channel should be let in soon), and both are jittered ±15 % so that
//! entries written together do not all expire together.

/// Seconds a "subscribed" answer is cached, before jitter.
pub const POSITIVE_TTL_SECS: i64 = 600;
/// Seconds a "not subscribed" answer is cached, before jitter.
pub const NEGATIVE_TTL_SECS: i64 = 60;
/// The jitter, as a fraction of the lifetime, either way.
pub const JITTER: f64 = 0.15;

/// The lifetime of a cache entry for `subscribed`; `unit` is a random number in `[0, 1)`.
pub fn ttl_secs(subscribed: bool, unit: f64) -> i64 {
    let base = if subscribed {
        POSITIVE_TTL_SECS
    } else {
        NEGATIVE_TTL_SECS
    } as f64;
    let factor = 1.0 - JITTER + 2.0 * JITTER * unit.clamp(0.0, 1.0);
    (base * factor).round() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_stay_within_fifteen_percent() {
        assert_eq!(ttl_secs(true, 0.0), 510);
        assert_eq!(ttl_secs(true, 0.5), 600);
        assert_eq!(ttl_secs(true, 0.999_999), 690);
        assert_eq!(ttl_secs(false, 0.0), 51);
        assert_eq!(ttl_secs(false, 0.999_999), 69);
        for i in 0..100 {
            let t = ttl_secs(true, f64::from(i) / 100.0);
            assert!((510..=690).contains(&t));
        }
    }
}
