//! Secret material: the secret access key, credentials, and the derived signing key.

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use zeroize::{Zeroize, Zeroizing};

type HmacSha256 = Hmac<Sha256>;

/// A secret access key. Zeroized on drop; `Debug` prints `[REDACTED]`.
#[derive(Clone)]
pub struct SecretAccessKey(Zeroizing<String>);

impl SecretAccessKey {
    /// Wraps a secret access key.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(Zeroizing::new(secret.into()))
    }

    /// The secret's bytes, for key derivation.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretAccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

/// Credentials a client signs with.
#[derive(Clone)]
pub struct Credentials {
    /// The access key id (`AKIA…` or `ASIA…`).
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: SecretAccessKey,
    /// The session token of temporary credentials.
    pub session_token: Option<String>,
}

impl Credentials {
    /// Long-term credentials (no session token).
    pub fn new(access_key_id: impl Into<String>, secret_access_key: impl Into<String>) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            secret_access_key: SecretAccessKey::new(secret_access_key),
            session_token: None,
        }
    }

    /// Adds a session token (temporary credentials).
    #[must_use]
    pub fn with_session_token(mut self, token: impl Into<String>) -> Self {
        self.session_token = Some(token.into());
        self
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The session token is a bearer credential too: redact it as well.
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &self.secret_access_key)
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "[REDACTED]"),
            )
            .finish()
    }
}

/// The SigV4 signing key `kSigning` for one (secret, date, region, service).
/// Zeroized on drop; `Debug` prints `[REDACTED]`.
#[derive(Clone)]
pub struct SigningKey([u8; 32]);

impl SigningKey {
    /// Hex HMAC-SHA256 of `data` under this key: the signature of a string to sign.
    pub fn sign(&self, data: &[u8]) -> [u8; 64] {
        let mac = hmac(&self.0, data);
        let mut out = [0u8; 64];
        // Infallible: the output buffer is exactly twice the input length.
        hex::encode_to_slice(mac, &mut out).expect("64-byte buffer for 32 bytes");
        out
    }
}

impl Drop for SigningKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// Derives `kSigning = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request")`.
/// `date` is the scope date `YYYYMMDD`. Intermediate keys are zeroized.
pub fn derive_signing_key(
    secret: impl AsRef<[u8]>,
    date: &str,
    region: &str,
    service: &str,
) -> SigningKey {
    let secret = secret.as_ref();
    let mut seed = Zeroizing::new(Vec::with_capacity(4 + secret.len()));
    seed.extend_from_slice(b"AWS4");
    seed.extend_from_slice(secret);
    let k_date = Zeroizing::new(hmac(&seed, date.as_bytes()));
    let k_region = Zeroizing::new(hmac(&*k_date, region.as_bytes()));
    let k_service = Zeroizing::new(hmac(&*k_region, service.as_bytes()));
    SigningKey(hmac(&*k_service, b"aws4_request"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted() {
        let creds = Credentials::new("AKID", "supersecret").with_session_token("tok");
        let shown = format!("{creds:?}");
        assert!(!shown.contains("supersecret") && !shown.contains("tok\""));
        assert!(shown.contains("[REDACTED]"));
        let key = derive_signing_key("supersecret", "20150830", "us-east-1", "iam");
        assert_eq!(format!("{key:?}"), "[REDACTED]");
    }

    #[test]
    fn derivation_matches_aws_example() {
        // AWS documentation example (IAM, 2015-08-30).
        let key = derive_signing_key(
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            "20150830",
            "us-east-1",
            "iam",
        );
        assert_eq!(
            hex::encode(key.0),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
        );
    }
}
