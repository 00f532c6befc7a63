//! Injected time: production reads the system clock, tests set it.

use std::sync::Mutex;
use time::OffsetDateTime;

/// A source of the current time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> OffsetDateTime;
}

/// The system's UTC clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that stands still until moved; for tests.
#[derive(Debug)]
pub struct ManualClock(Mutex<OffsetDateTime>);

impl ManualClock {
    pub fn new(at: OffsetDateTime) -> Self {
        Self(Mutex::new(at))
    }

    pub fn set(&self, at: OffsetDateTime) {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = at;
    }

    pub fn advance(&self, by: time::Duration) {
        let mut t = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *t += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The system clock moved forward by an adjustable offset: dev mode's
/// clock, which tests advance (through the dev-only `/_keyward/clock`
/// endpoint) to see sessions expire without waiting. Strict mode never uses it.
#[derive(Debug, Default)]
pub struct OffsetClock {
    offset_secs: std::sync::atomic::AtomicI64,
}

impl OffsetClock {
    /// Moves the clock forward by `secs` (never back); returns the new offset.
    pub fn advance(&self, secs: u32) -> i64 {
        self.offset_secs
            .fetch_add(i64::from(secs), std::sync::atomic::Ordering::AcqRel)
            + i64::from(secs)
    }

    /// Seconds ahead of the system clock.
    pub fn offset(&self) -> i64 {
        self.offset_secs.load(std::sync::atomic::Ordering::Acquire)
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + time::Duration::seconds(self.offset())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_clock_moves_forward_only() {
        let c = OffsetClock::default();
        let before = OffsetDateTime::now_utc();
        assert_eq!(c.advance(3600), 3600);
        assert_eq!(c.advance(1), 3601);
        assert!(c.now() >= before + time::Duration::seconds(3601));
    }
}
