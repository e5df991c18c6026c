//! One rule for how long to wait before a retry, whatever the request: the server's
//! `Retry-After` (seconds or an HTTP date) when it gave one, else a pause that doubles
//! from 250 ms with jitter, both capped by [`RetryPolicy::max_wait`].

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use time::format_description::well_known::Rfc2822;
use time::OffsetDateTime;

/// A `Retry-After` header's value (RFC 9110 10.2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter {
    /// `Retry-After: 120`.
    Seconds(u64),
    /// `Retry-After: Fri, 31 Dec 1999 23:59:59 GMT`.
    Date(OffsetDateTime),
}

impl RetryAfter {
    /// Reads a header value; `None` when it is neither form.
    pub fn parse(value: &str) -> Option<RetryAfter> {
        let value = value.trim();
        if let Ok(seconds) = value.parse::<u64>() {
            return Some(RetryAfter::Seconds(seconds));
        }
        // An HTTP date (IMF-fixdate) is an RFC 2822 date with the zone GMT.
        OffsetDateTime::parse(value, &Rfc2822)
            .ok()
            .map(RetryAfter::Date)
    }

    /// The wait it asks for, from `now` (a date past is no wait).
    pub fn wait(self, now: OffsetDateTime) -> Duration {
        match self {
            RetryAfter::Seconds(s) => Duration::from_secs(s),
            RetryAfter::Date(at) => Duration::try_from(at - now).unwrap_or(Duration::ZERO),
        }
    }
}

/// How many retries a request gets and how long each waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first try.
    pub retries: u32,
    /// The longest wait, asked for or not.
    pub max_wait: Duration,
    /// The first pause when the server asks for none; it doubles with each retry.
    pub base: Duration,
}

impl RetryPolicy {
    /// The pause before retry `attempt` (from 1): the server's `Retry-After` if it gave
    /// one, else `base` doubled per attempt and drawn in its upper half by `jitter` (in
    /// 0..1: clients that failed together do not all come back together); at most
    /// `max_wait` either way.
    pub fn pause(
        &self,
        attempt: u32,
        asked: Option<RetryAfter>,
        now: OffsetDateTime,
        jitter: f64,
    ) -> Duration {
        let pause = match asked {
            Some(asked) => asked.wait(now),
            None => {
                let full = self
                    .base
                    .saturating_mul(1 << attempt.saturating_sub(1).min(16));
                full / 2 + full.mul_f64(jitter.clamp(0.0, 1.0) / 2.0)
            }
        };
        pause.min(self.max_wait)
    }
}

/// A number in 0..1, different on every call: std's hasher keys are random per process
/// and per builder, which is all jitter needs (no secret depends on it).
pub fn jitter() -> f64 {
    let bits = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const POLICY: RetryPolicy = RetryPolicy {
        retries: 3,
        max_wait: Duration::from_secs(60),
        base: Duration::from_millis(250),
    };
    const NOW: OffsetDateTime = datetime!(2026-12-05 12:00:00 UTC);

    #[test]
    fn retry_after_as_seconds_or_an_http_date() {
        assert_eq!(RetryAfter::parse(" 120 "), Some(RetryAfter::Seconds(120)));
        // RFC 9110's own example of an HTTP date.
        let date = RetryAfter::parse("Fri, 31 Dec 1999 23:59:59 GMT").unwrap();
        assert_eq!(date, RetryAfter::Date(datetime!(1999-12-31 23:59:59 UTC)));
        assert_eq!(date.wait(NOW), Duration::ZERO, "a date past: no wait");
        let soon = RetryAfter::parse("Sat, 05 Dec 2026 12:00:10 GMT").unwrap();
        assert_eq!(soon.wait(NOW), Duration::from_secs(10));
        for bad in ["", "-1", "soon", "1.5", "2026-12-05T12:00:10Z"] {
            assert_eq!(RetryAfter::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn pauses_double_with_jitter_in_their_upper_half_and_are_capped() {
        let ms = |d: Duration| d.as_millis();
        assert_eq!(ms(POLICY.pause(1, None, NOW, 0.0)), 125);
        assert_eq!(ms(POLICY.pause(1, None, NOW, 1.0)), 250);
        assert_eq!(ms(POLICY.pause(3, None, NOW, 0.5)), 750);
        assert_eq!(POLICY.pause(30, None, NOW, 1.0), POLICY.max_wait);
        let asked = Some(RetryAfter::Seconds(5));
        assert_eq!(POLICY.pause(1, asked, NOW, 0.9), Duration::from_secs(5));
        let huge = Some(RetryAfter::Seconds(999_999));
        assert_eq!(POLICY.pause(1, huge, NOW, 0.0), POLICY.max_wait);
        let date = RetryAfter::parse("Sat, 05 Dec 2026 12:00:30 GMT");
        assert_eq!(POLICY.pause(2, date, NOW, 0.0), Duration::from_secs(30));
    }

    #[test]
    fn jitter_is_in_range_and_varies() {
        let draws: Vec<f64> = (0..64).map(|_| jitter()).collect();
        assert!(draws.iter().all(|j| (0.0..1.0).contains(j)));
        let mut distinct = draws.clone();
        distinct.sort_by(f64::total_cmp);
        distinct.dedup();
        assert!(distinct.len() > 60, "{draws:?}");
    }
}
