//! Points in time as this crate sees them. The crate has no clock: callers pass the current
//! time in (the wallet and verifier take it from an injected clock).

/// A UTC instant with one-second resolution, as seconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The instant `seconds` after the UNIX epoch (negative: before it).
    pub const fn from_unix_seconds(seconds: i64) -> Self {
        Timestamp(seconds)
    }

    /// Seconds since the UNIX epoch.
    pub const fn unix_seconds(self) -> i64 {
        self.0
    }

    /// This instant moved by `seconds` (saturating).
    pub const fn plus_seconds(self, seconds: i64) -> Self {
        Timestamp(self.0.saturating_add(seconds))
    }
}
