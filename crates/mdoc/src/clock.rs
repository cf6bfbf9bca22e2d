//! The clock seam. Core code never reads the system time itself: wallets and verifiers are given
//! a [`Clock`], so tests, replays and audits can fix "now".

use crate::time::Timestamp;

/// A source of the current time.
pub trait Clock: Send + Sync {
    /// The current UTC time.
    fn now(&self) -> Timestamp;
}

/// The operating system's clock: the default an app injects when it has no better source.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let seconds = match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
            Ok(since) => i64::try_from(since.as_secs()).unwrap_or(i64::MAX),
            Err(before) => i64::try_from(before.duration().as_secs()).map_or(i64::MIN, |s| -s),
        };
        Timestamp::from_unix_seconds(seconds)
    }
}

/// A clock that always answers the same instant: for tests, examples and replaying a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedClock(pub Timestamp);

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_clock_answers_its_instant_and_system_clock_is_after_2025() {
        let t = Timestamp::from_unix_seconds(1_609_459_200);
        assert_eq!(FixedClock(t).now(), t);
        assert!(SystemClock.now() > Timestamp::from_unix_seconds(1_735_689_600));
    }
}
