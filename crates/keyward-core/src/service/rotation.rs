//! Rotation of the key-encryption key: every stored secret re-sealed under the
//! newest KEK, one transaction per account.

use super::{CLI_ACTOR, Keyward};
use crate::{Error, Result};

/// What a re-sealing pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResealReport {
    /// The key id everything is now sealed under.
    pub key_id: u32,
    pub accounts: usize,
    /// Values re-sealed (access key secrets, MFA seeds).
    pub resealed: usize,
}

impl Keyward {
    /// Re-seals every stored secret that is not yet under the newest KEK.
    /// Readers keep working throughout: the ring still opens the old values.
    pub async fn reseal_all(&self) -> Result<ResealReport> {
        let ring = self.kek.for_sealing();
        let rng = std::sync::Arc::clone(&self.rng);
        let reseal_ring = std::sync::Arc::clone(&ring);
        let reseal = move |sealed: &str, context: &str| {
            reseal_ring
                .reseal(sealed, context, rng.as_ref())
                .map_err(|e| Error::Storage(format!("{e} (context {context})")))
        };
        let mut report = ResealReport {
            key_id: ring.primary_id(),
            ..ResealReport::default()
        };
        for account in self.store.accounts().await? {
            let audit = self.audit(
                &account.account_id,
                CLI_ACTOR,
                "RotateKeyEncryptionKey",
                &format!("arn:aws:iam::{}:root", account.account_id),
                &serde_json::json!({ "KeyId": report.key_id }),
            );
            let n = self
                .store
                .reseal_account(&account.account_id, &reseal, &audit)
                .await?;
            report.accounts += 1;
            report.resealed += n;
        }
        Ok(report)
    }

    /// The key ids of the ring in use (newest last).
    pub fn kek_ids(&self) -> Vec<u32> {
        self.kek.current().ids()
    }
}
