//! Injected randomness: production uses the operating system's CSPRNG, tests may
//! use a seeded sequence.

use std::sync::Mutex;

/// A source of random bytes.
pub trait Random: Send + Sync + std::fmt::Debug {
    fn fill(&self, buf: &mut [u8]);
}

/// The operating system's CSPRNG.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsRandom;

impl Random for OsRandom {
    fn fill(&self, buf: &mut [u8]) {
        // The OS generator failing is unrecoverable: nothing secret can be made.
        getrandom::fill(buf).expect("the operating system's random source failed");
    }
}

/// A ChaCha20 stream cipher keyed from the operating system's CSPRNG and
/// re-keyed from it after every [`RESEED_AFTER`] bytes: as unpredictable as
/// [`OsRandom`], without a system call for every id, nonce and secret the
/// request path makes (the construction of Linux's own generator, and of
/// most user-space CSPRNGs).
pub struct OsSeededRandom(Mutex<Keyed>);

/// Bytes given out under one key.
pub const RESEED_AFTER: usize = 1 << 20;

struct Keyed {
    stream: rand_chacha::ChaCha20Rng,
    given: usize,
}

impl std::fmt::Debug for OsSeededRandom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OsSeededRandom")
    }
}

impl Default for OsSeededRandom {
    fn default() -> Self {
        Self(Mutex::new(Keyed::fresh()))
    }
}

impl Keyed {
    fn fresh() -> Self {
        let mut seed = [0u8; 32];
        OsRandom.fill(&mut seed);
        Self {
            stream: rand_chacha::rand_core::SeedableRng::from_seed(seed),
            given: 0,
        }
    }
}

impl Random for OsSeededRandom {
    fn fill(&self, buf: &mut [u8]) {
        let mut keyed = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if keyed.given >= RESEED_AFTER {
            *keyed = Keyed::fresh();
        }
        rand_chacha::rand_core::Rng::fill_bytes(&mut keyed.stream, buf);
        keyed.given = keyed.given.saturating_add(buf.len());
    }
}

/// A deterministic generator (xorshift); for tests only, never for secrets.
#[derive(Debug)]
pub struct SeededRandom(Mutex<u64>);

impl SeededRandom {
    pub fn new(seed: u64) -> Self {
        Self(Mutex::new(seed.max(1)))
    }
}

impl Random for SeededRandom {
    fn fill(&self, buf: &mut [u8]) {
        let mut s = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for b in buf {
            *s ^= *s << 13;
            *s ^= *s >> 7;
            *s ^= *s << 17;
            *b = (*s >> 24) as u8;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_seeded_streams_differ_and_rekey() {
        let (a, b) = (OsSeededRandom::default(), OsSeededRandom::default());
        let (mut x, mut y) = ([0u8; 32], [0u8; 32]);
        a.fill(&mut x);
        b.fill(&mut y);
        assert_ne!(x, y, "two generators are keyed independently");
        assert_ne!(x, [0u8; 32]);
        let mut big = vec![0u8; RESEED_AFTER];
        a.fill(&mut big);
        a.fill(&mut x);
        let given = a.0.lock().expect("lock").given;
        assert_eq!(
            given, 32,
            "re-keyed once a key has given RESEED_AFTER bytes"
        );
    }
}
