//! Time as the domain sees it: whole epoch seconds, passed in explicitly so tests control it.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch.
pub type Epoch = i64;

/// The current time from the system clock.
pub fn now() -> Epoch {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as Epoch)
        .unwrap_or(0)
}

/// Milliseconds since the epoch, for deadlines.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// The UTC calendar day of `epoch`, as `yyyy-mm-dd` (the dead letters' partition).
pub fn utc_day(epoch: Epoch) -> String {
    use chrono::Datelike;
    match chrono::DateTime::from_timestamp(epoch, 0) {
        Some(t) => format!("{:04}-{:02}-{:02}", t.year(), t.month(), t.day()),
        // Beyond chrono's range (±262,000 years): no real clock or update gets there.
        None => "0000-00-00".to_owned(),
    }
}

/// The UTC days from `from`'s to `to`'s, both included, as `yyyy-mm-dd` (at most a year's).
pub fn utc_days(from: Epoch, to: Epoch) -> Vec<String> {
    let last = utc_day(to);
    let mut days = Vec::new();
    let mut t = from.min(to);
    while days.len() < 366 {
        let day = utc_day(t);
        let done = day == last;
        days.push(day);
        if done {
            break;
        }
        t += 86_400;
    }
    days
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_utc_calendar_days() {
        assert_eq!(utc_day(0), "1970-01-01");
        assert_eq!(utc_day(1_764_806_399), "2025-12-03");
        assert_eq!(utc_day(1_764_806_400), "2025-12-04");
        assert_eq!(utc_day(-1), "1969-12-31");
    }

    #[test]
    fn day_ranges_include_both_ends() {
        let midnight = 1_764_806_400; // 2025-12-04 00:00:00
        assert_eq!(utc_days(midnight - 1, midnight - 1), ["2025-12-03"]);
        assert_eq!(
            utc_days(midnight - 1, midnight),
            ["2025-12-03", "2025-12-04"]
        );
        // 47 hours that touch three days.
        assert_eq!(
            utc_days(midnight - 3_600, midnight + 46 * 3_600),
            ["2025-12-03", "2025-12-04", "2025-12-05"]
        );
        assert_eq!(utc_days(midnight + 10, midnight), ["2025-12-04"]);
    }
}
