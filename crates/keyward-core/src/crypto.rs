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
    fn secret_debug_is_redacted() {
        assert_eq!(format!("{:?}", Secret::new("hunter2")), "[REDACTED]");
    }
}
