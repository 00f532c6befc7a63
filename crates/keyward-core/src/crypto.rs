//! Secrets: a type that redacts and zeroizes itself, and the key-encryption key
//! (KEK) that seals secrets at rest with AES-256-GCM.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::random::Random;

/// A secret string: prints as `[REDACTED]`, wiped from memory on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    /// The secret's text. Call sites are the few places that must see it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl AsRef<[u8]> for Secret {
    fn as_ref(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[REDACTED]")
    }
}

/// Version tag of the sealed format, so the format can change later.
const SEALED_PREFIX: &str = "v1:";
const NONCE_LEN: usize = 12;

/// The key-encryption key. Secrets are stored as `v1:base64(nonce || ciphertext)`.
#[derive(Clone, ZeroizeOnDrop)]
pub struct Kek([u8; 32]);

impl std::fmt::Debug for Kek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Kek([REDACTED])")
    }
}

/// A sealed secret could not be opened: wrong KEK or corrupted data.
#[derive(Debug, thiserror::Error)]
#[error("a stored secret could not be decrypted (wrong key-encryption key or corrupted data)")]
pub struct UnsealError;

impl Kek {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    pub fn generate(rng: &dyn Random) -> Self {
        let mut k = [0u8; 32];
        rng.fill(&mut k);
        Self(k)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// A key for one purpose, derived from this one (HMAC-SHA256 of `label`),
    /// so values sealed for one purpose never open as another's.
    pub fn derive(&self, label: &str) -> Self {
        use hmac::{KeyInit as _, Mac as _};
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&self.0)
            .expect("HMAC takes keys of any length");
        mac.update(label.as_bytes());
        let mut out = [0u8; 32];
        out.copy_from_slice(&mac.finalize().into_bytes());
        Self(out)
    }

    /// Seals `plain`, binding it to `context` (e.g. the access key id) so a
    /// sealed value cannot be moved to another row.
    pub fn seal(&self, plain: &str, context: &str, rng: &dyn Random) -> String {
        let cipher = Aes256Gcm::new((&self.0).into());
        let mut nonce = [0u8; NONCE_LEN];
        rng.fill(&mut nonce);
        let payload = aes_gcm::aead::Payload {
            msg: plain.as_bytes(),
            aad: context.as_bytes(),
        };
        let ct = cipher
            .encrypt(Nonce::from_slice(&nonce), payload)
            .expect("AES-GCM encryption of a short secret cannot fail");
        let mut out = Vec::with_capacity(NONCE_LEN + ct.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        format!("{SEALED_PREFIX}{}", B64.encode(out))
    }

    pub fn open(&self, sealed: &str, context: &str) -> Result<Secret, UnsealError> {
        let b64 = sealed.strip_prefix(SEALED_PREFIX).ok_or(UnsealError)?;
        let raw = B64.decode(b64).map_err(|_| UnsealError)?;
        if raw.len() < NONCE_LEN {
            return Err(UnsealError);
        }
        let (nonce, ct) = raw.split_at(NONCE_LEN);
        let cipher = Aes256Gcm::new((&self.0).into());
        let payload = aes_gcm::aead::Payload {
            msg: ct,
            aad: context.as_bytes(),
        };
        let plain = cipher
            .decrypt(Nonce::from_slice(nonce), payload)
            .map_err(|_| UnsealError)?;
        String::from_utf8(plain)
            .map(Secret)
            .map_err(|_| UnsealError)
    }
}

/// Sealed values of key ids other than 1 are `v2:<id>:base64(nonce || ciphertext)`;
/// `v1:` values are key 1's (the format from before key ids).
const SEALED_PREFIX_V2: &str = "v2:";

/// The key id of the KEK file's first key, and of every `v1:` value.
pub const FIRST_KEY_ID: u32 = 1;

/// Every key-encryption key by id: the newest (highest id) seals, any opens.
/// Rotation adds a key, re-seals stored secrets under it, and keeps the old
/// ones to open what is still in flight (session tokens, another replica's
/// cache).
#[derive(Clone)]
pub struct KeyRing {
    /// Ascending ids; the last is the primary.
    keys: Vec<(u32, Kek)>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing")
            .field("ids", &self.ids())
            .finish_non_exhaustive()
    }
}

impl From<Kek> for KeyRing {
    fn from(kek: Kek) -> Self {
        Self {
            keys: vec![(FIRST_KEY_ID, kek)],
        }
    }
}

impl KeyRing {
    /// A ring of `(id, key)` pairs; ids must be distinct and at least 1.
    pub fn new(mut keys: Vec<(u32, Kek)>) -> Option<Self> {
        keys.sort_by_key(|(id, _)| *id);
        let distinct = keys.windows(2).all(|w| w[0].0 != w[1].0);
        (distinct && keys.first().is_some_and(|(id, _)| *id >= FIRST_KEY_ID))
            .then_some(Self { keys })
    }

    pub fn ids(&self) -> Vec<u32> {
        self.keys.iter().map(|(id, _)| *id).collect()
    }

    pub fn keys(&self) -> &[(u32, Kek)] {
        &self.keys
    }

    /// The id of the key that seals.
    pub fn primary_id(&self) -> u32 {
        self.keys.last().map_or(FIRST_KEY_ID, |(id, _)| *id)
    }

    /// The key that seals.
    pub fn primary(&self) -> &Kek {
        &self.keys.last().expect("a KeyRing is never empty").1
    }

    fn key(&self, id: u32) -> Option<&Kek> {
        self.keys.iter().find(|(k, _)| *k == id).map(|(_, kek)| kek)
    }

    /// The ring with a new key `id`, which becomes the primary.
    pub fn with_key(&self, id: u32, kek: Kek) -> Option<Self> {
        let mut keys = self.keys.clone();
        keys.push((id, kek));
        Self::new(keys)
    }

    /// The same ids, each key derived for one purpose (see [`Kek::derive`]).
    pub fn derive(&self, label: &str) -> Self {
        Self {
            keys: self
                .keys
                .iter()
                .map(|(id, k)| (*id, k.derive(label)))
                .collect(),
        }
    }

    /// The key id a sealed value names, if it is well-formed.
    pub fn key_id_of(sealed: &str) -> Option<u32> {
        if sealed.starts_with(SEALED_PREFIX) {
            return Some(FIRST_KEY_ID);
        }
        let rest = sealed.strip_prefix(SEALED_PREFIX_V2)?;
        rest.split_once(':')?.0.parse().ok()
    }

    /// Whether this ring holds the key a sealed value names.
    pub fn knows(&self, sealed: &str) -> bool {
        Self::key_id_of(sealed).is_some_and(|id| self.key(id).is_some())
    }

    /// Seals under the primary key (see [`Kek::seal`]).
    pub fn seal(&self, plain: &str, context: &str, rng: &dyn Random) -> String {
        let (id, kek) = self.keys.last().expect("a KeyRing is never empty");
        let id = *id;
        let v1 = kek.seal(plain, context, rng);
        if id == FIRST_KEY_ID {
            return v1;
        }
        let body = v1.strip_prefix(SEALED_PREFIX).unwrap_or(&v1);
        format!("{SEALED_PREFIX_V2}{id}:{body}")
    }

    pub fn open(&self, sealed: &str, context: &str) -> Result<Secret, UnsealError> {
        let id = Self::key_id_of(sealed).ok_or(UnsealError)?;
        let kek = self.key(id).ok_or(UnsealError)?;
        if id == FIRST_KEY_ID {
            return kek.open(sealed, context);
        }
        let body = sealed
            .strip_prefix(SEALED_PREFIX_V2)
            .and_then(|r| r.split_once(':'))
            .map(|(_, b)| b)
            .ok_or(UnsealError)?;
        kek.open(&format!("{SEALED_PREFIX}{body}"), context)
    }

    /// `sealed` under the primary key: `None` when it already is.
    pub fn reseal(
        &self,
        sealed: &str,
        context: &str,
        rng: &dyn Random,
    ) -> Result<Option<String>, UnsealError> {
        if Self::key_id_of(sealed) == Some(self.primary_id()) {
            return Ok(None);
        }
        let plain = self.open(sealed, context)?;
        Ok(Some(self.seal(plain.expose(), context, rng)))
    }
}

/// Where a running server learns of keys added after it started (the KEK
/// file): `reload` answers a new ring when the source changed, else `None`.
pub trait KeyRingSource: Send + Sync {
    fn reload(&self) -> Option<KeyRing>;
}

/// How often sealing asks the source for new keys at most. Asking is a
/// `stat` of the key file, too dear for every session token issued; a
/// server that has not yet seen a new key seals under the previous one,
/// which every replica still opens (`keyward kek rotate` re-seals stored
/// values once more after this long).
pub const SEALING_RECHECK: std::time::Duration = std::time::Duration::from_secs(1);

/// The key ring in use, refreshed from its source when a value names a key it
/// lacks (always) and before sealing (at most once per [`SEALING_RECHECK`]),
/// so a rotation made by another process is followed without a restart.
pub struct Keychain {
    ring: std::sync::RwLock<std::sync::Arc<KeyRing>>,
    source: Option<Box<dyn KeyRingSource>>,
    recheck: std::time::Duration,
    /// When sealing last asked the source.
    sealing_checked: std::sync::Mutex<Option<std::time::Instant>>,
}

impl std::fmt::Debug for Keychain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keychain")
            .field("ring", &self.current())
            .finish_non_exhaustive()
    }
}

impl Keychain {
    pub fn new(ring: KeyRing, source: Option<Box<dyn KeyRingSource>>) -> Self {
        Self::with_recheck(ring, source, SEALING_RECHECK)
    }

    /// Like [`Keychain::new`], sealing asking the source at most once per `recheck`.
    pub fn with_recheck(
        ring: KeyRing,
        source: Option<Box<dyn KeyRingSource>>,
        recheck: std::time::Duration,
    ) -> Self {
        Self {
            ring: std::sync::RwLock::new(std::sync::Arc::new(ring)),
            source,
            recheck,
            sealing_checked: std::sync::Mutex::new(None),
        }
    }

    pub fn current(&self) -> std::sync::Arc<KeyRing> {
        match self.ring.read() {
            Ok(r) => std::sync::Arc::clone(&r),
            Err(poisoned) => std::sync::Arc::clone(&poisoned.into_inner()),
        }
    }

    fn refresh(&self) -> std::sync::Arc<KeyRing> {
        if let Some(new) = self.source.as_ref().and_then(|s| s.reload()) {
            let new = std::sync::Arc::new(new);
            match self.ring.write() {
                Ok(mut r) => *r = std::sync::Arc::clone(&new),
                Err(poisoned) => *poisoned.into_inner() = std::sync::Arc::clone(&new),
            }
            return new;
        }
        self.current()
    }

    /// The ring to seal with: the newest known.
    pub fn for_sealing(&self) -> std::sync::Arc<KeyRing> {
        if self.source.is_none() || !self.sealing_check_due() {
            return self.current();
        }
        self.refresh()
    }

    /// Whether sealing should ask the source now; marks it asked.
    fn sealing_check_due(&self) -> bool {
        let now = std::time::Instant::now();
        let mut last = self
            .sealing_checked
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match *last {
            Some(t) if now.duration_since(t) < self.recheck => false,
            _ => {
                *last = Some(now);
                true
            }
        }
    }

    /// A ring that holds the key `sealed` names, if any source has it.
    pub fn for_opening(&self, sealed: &str) -> std::sync::Arc<KeyRing> {
        let ring = self.current();
        if ring.knows(sealed) {
            ring
        } else {
            self.refresh()
        }
    }

    pub fn seal(&self, plain: &str, context: &str, rng: &dyn Random) -> String {
        self.for_sealing().seal(plain, context, rng)
    }

    pub fn open(&self, sealed: &str, context: &str) -> Result<Secret, UnsealError> {
        self.for_opening(sealed).open(sealed, context)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::SeededRandom;

    #[test]
    fn seal_round_trips_and_binds_context() {
        let rng = SeededRandom::new(7);
        let kek = Kek::generate(&rng);
        let sealed = kek.seal("wJalrXUtnFEMI/K7MDENG", "AKIAEXAMPLE", &rng);
        assert!(!sealed.contains("wJalr"));
        assert_eq!(
            kek.open(&sealed, "AKIAEXAMPLE")
                .map(|s| s.expose().to_owned())
                .ok(),
            Some("wJalrXUtnFEMI/K7MDENG".into())
        );
        assert!(kek.open(&sealed, "AKIAOTHER").is_err());
        let other = Kek::generate(&rng);
        assert!(other.open(&sealed, "AKIAEXAMPLE").is_err());
        assert!(kek.open("garbage", "AKIAEXAMPLE").is_err());
    }

    #[test]
    fn key_ring_opens_old_and_new_and_reseals_under_the_newest() {
        let rng = SeededRandom::new(11);
        let old = Kek::generate(&rng);
        let legacy = old.seal("seed-or-secret", "ctx", &rng);
        let one = KeyRing::from(old.clone());
        assert_eq!(one.seal("x", "c", &rng)[..3], *"v1:");
        let two = one.with_key(2, Kek::generate(&rng)).expect("ring");
        assert_eq!(two.primary_id(), 2);
        let sealed = two.seal("seed-or-secret", "ctx", &rng);
        assert!(sealed.starts_with("v2:2:"), "{sealed}");
        assert_eq!(KeyRing::key_id_of(&sealed), Some(2));
        assert_eq!(
            two.open(&sealed, "ctx").expect("new").expose(),
            "seed-or-secret"
        );
        assert_eq!(
            two.open(&legacy, "ctx").expect("old").expose(),
            "seed-or-secret"
        );
        assert!(two.open(&sealed, "other").is_err());
        assert!(!one.knows(&sealed) && one.open(&sealed, "ctx").is_err());
        let moved = two
            .reseal(&legacy, "ctx", &rng)
            .expect("open")
            .expect("changed");
        assert!(moved.starts_with("v2:2:"));
        assert_eq!(two.reseal(&moved, "ctx", &rng).expect("open"), None);
        assert!(KeyRing::new(vec![(2, old.clone()), (2, old)]).is_none());
    }

    /// A key file stand-in: answers `next` once when asked, counting the asks.
    struct FakeSource {
        next: std::sync::Mutex<Option<KeyRing>>,
        asked: std::sync::atomic::AtomicUsize,
    }

    impl KeyRingSource for std::sync::Arc<FakeSource> {
        fn reload(&self) -> Option<KeyRing> {
            self.asked.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            self.next.lock().expect("lock").take()
        }
    }

    #[test]
    fn sealing_asks_the_source_at_most_once_per_recheck_but_opening_an_unknown_key_always_does() {
        let rng = SeededRandom::new(5);
        let one = KeyRing::from(Kek::generate(&rng));
        let two = one.with_key(2, Kek::generate(&rng)).expect("ring");
        let source = std::sync::Arc::new(FakeSource {
            next: std::sync::Mutex::new(None),
            asked: std::sync::atomic::AtomicUsize::new(0),
        });
        let chain = Keychain::with_recheck(
            one,
            Some(Box::new(std::sync::Arc::clone(&source))),
            std::time::Duration::from_secs(3600),
        );
        let asked = || source.asked.load(std::sync::atomic::Ordering::SeqCst);
        assert_eq!(chain.for_sealing().primary_id(), 1);
        assert_eq!(asked(), 1, "the first seal asks");
        *source.next.lock().expect("lock") = Some(two.clone());
        assert_eq!(chain.for_sealing().primary_id(), 1, "within the recheck");
        assert_eq!(asked(), 1);
        // Another replica's value under key 2 is opened at once.
        let sealed = two.seal("secret", "ctx", &rng);
        assert_eq!(
            chain.open(&sealed, "ctx").expect("opens").expose(),
            "secret"
        );
        assert_eq!(asked(), 2);
        assert_eq!(
            chain.for_sealing().primary_id(),
            2,
            "the ring it found seals"
        );

        let eager = Keychain::with_recheck(
            KeyRing::from(Kek::generate(&rng)),
            Some(Box::new(std::sync::Arc::clone(&source))),
            std::time::Duration::ZERO,
        );
        eager.for_sealing();
        eager.for_sealing();
        assert_eq!(asked(), 4, "a zero recheck asks every time");
    }

    #[test]
    fn secret_debug_is_redacted() {
        assert_eq!(format!("{:?}", Secret::new("hunter2")), "[REDACTED]");
    }
}
