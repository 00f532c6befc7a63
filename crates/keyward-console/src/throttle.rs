//! Growing delays after failed sign-ins, per name typed (account) and per
//! client address. A key that failed too often is refused until its delay
//! has passed; the delay doubles with each further failure. Keys are the
//! names as typed, so a name that does not exist is throttled like one that
//! does (no enumeration).

use std::collections::HashMap;
use std::sync::Mutex;

/// The first delay, doubled by each further failure.
const FIRST_DELAY_SECS: i64 = 5;
/// The longest delay.
const MAX_DELAY_SECS: i64 = 300;
/// A key quiet for this long is forgotten.
const FORGET_SECS: i64 = 3600;

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: i64,
}

/// Failure counts for one kind of key.
#[derive(Debug)]
pub struct Throttle {
    /// Failures allowed before delays start.
    free: u32,
    map: Mutex<HashMap<String, Failures>>,
}

impl Throttle {
    pub fn new(free: u32) -> Self {
        Self {
            free,
            map: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Failures>> {
        self.map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn delay(&self, count: u32) -> i64 {
        if count < self.free {
            return 0;
        }
        let doublings = (count - self.free).min(16);
        (FIRST_DELAY_SECS << doublings).min(MAX_DELAY_SECS)
    }

    /// Seconds still to wait before `key` may try again (0: go ahead).
    pub fn wait(&self, key: &str, now: i64) -> i64 {
        self.lock()
            .get(key)
            .map_or(0, |f| (f.last + self.delay(f.count) - now).max(0))
    }

    pub fn fail(&self, key: &str, now: i64) {
        let mut map = self.lock();
        if map.len() > 100_000 {
            map.retain(|_, f| now - f.last < FORGET_SECS);
        }
        let f = map.entry(key.to_owned()).or_insert(Failures {
            count: 0,
            last: now,
        });
        if now - f.last >= FORGET_SECS {
            f.count = 0;
        }
        f.count += 1;
        f.last = now;
    }

    pub fn succeed(&self, key: &str) {
        self.lock().remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_start_after_the_free_failures_and_double() {
        let t = Throttle::new(3);
        for _ in 0..3 {
            assert_eq!(t.wait("a", 100), 0);
            t.fail("a", 100);
        }
        assert_eq!(t.wait("a", 100), 5);
        assert_eq!(t.wait("a", 104), 1);
        assert_eq!(t.wait("a", 105), 0);
        t.fail("a", 105);
        assert_eq!(t.wait("a", 105), 10);
        t.fail("a", 115);
        assert_eq!(t.wait("a", 115), 20);
        assert_eq!(t.wait("other", 115), 0);
        t.succeed("a");
        assert_eq!(t.wait("a", 115), 0);
    }

    #[test]
    fn the_delay_is_capped_and_old_failures_are_forgotten() {
        let t = Throttle::new(1);
        for _ in 0..40 {
            t.fail("a", 0);
        }
        assert_eq!(t.wait("a", 0), MAX_DELAY_SECS);
        t.fail("a", FORGET_SECS);
        assert_eq!(t.wait("a", FORGET_SECS), FIRST_DELAY_SECS);
    }
}
