//! The moment an operation happens: passed into domain functions so that they
//! never read the wall clock themselves.

/// The moment an operation happens.
#[derive(Clone, Debug)]
pub struct Clock {
    /// Unix time in milliseconds.
    pub now_ms: i64,
    /// UTC date `YYYY-MM-DD`, the budget's day.
    pub day: String,
}

impl Clock {
    /// The current wall-clock time.
    pub fn now() -> Clock {
        Clock::of(time::OffsetDateTime::now_utc())
    }

    /// The moment `ms` milliseconds after the Unix epoch, or `None` out of range.
    pub fn at_ms(ms: i64) -> Option<Clock> {
        let nanos = i128::from(ms) * 1_000_000;
        time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
            .ok()
            .map(Clock::of)
    }

    fn of(t: time::OffsetDateTime) -> Clock {
        Clock {
            now_ms: (t.unix_timestamp_nanos() / 1_000_000) as i64,
            day: t.date().to_string(),
        }
    }
}

/// `ms` after the Unix epoch as RFC 3339 in UTC, to the second.
pub fn rfc3339(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    match u64::try_from(secs) {
        Ok(s) => humantime::format_rfc3339_seconds(
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(s),
        )
        .to_string(),
        Err(_) => format!("{ms} ms"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_at_a_given_time_has_its_utc_day() {
        let c = Clock::at_ms(1_764_028_799_999).unwrap();
        assert_eq!(c.day, "2025-11-24");
        assert_eq!(Clock::at_ms(1_764_028_800_000).unwrap().day, "2025-11-25");
        assert!(Clock::at_ms(i64::MAX).is_none());
    }
}
