//! The in-memory credential index: access key id → owner, status and sealed
//! secret. SigV4 authentication reads it on every request, so it never touches
//! the store for a known key. Writes made through this process update it at
//! once; a key it has not seen (made by another process, e.g. the CLI) is
//! loaded from the store on first use.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use time::OffsetDateTime;

use crate::caller::Principal;
use crate::model::KeyStatus;
use crate::session::SessionEntry;

/// Expired sessions are swept from the index when it holds this many.
const SESSION_SWEEP_AT: usize = 10_000;

/// What the index knows of one access key.
#[derive(Debug)]
pub struct CredentialEntry {
    pub access_key_id: String,
    pub account_id: String,
    pub principal: Principal,
    pub status: KeyStatus,
    pub sealed_secret: String,
    /// Unix time of the last recorded use, to write last-used at most once per window.
    last_recorded: AtomicI64,
}

impl CredentialEntry {
    pub fn new(
        access_key_id: String,
        account_id: String,
        principal: Principal,
        status: KeyStatus,
        sealed_secret: String,
        last_recorded: Option<i64>,
    ) -> Self {
        Self {
            access_key_id,
            account_id,
            principal,
            status,
            sealed_secret,
            last_recorded: AtomicI64::new(last_recorded.unwrap_or(i64::MIN)),
        }
    }

    /// True when a use at `now` should be written: the first in `window` seconds.
    /// Claims the slot so concurrent requests write once.
    pub fn claim_use_record(&self, now: i64, window: i64) -> bool {
        let last = self.last_recorded.load(Ordering::Relaxed);
        if last != i64::MIN && now.saturating_sub(last) < window {
            return false;
        }
        self.last_recorded
            .compare_exchange(last, now, Ordering::AcqRel, Ordering::Relaxed)
            .is_ok()
    }
}

/// Access key id → entry.
///
/// A generation number guards against a load that read the store before a
/// change and finishes after it: such a load is used once but not kept.
#[derive(Debug, Default)]
pub struct CredentialIndex {
    entries: RwLock<HashMap<String, Arc<CredentialEntry>>>,
    /// Verified sessions (`ASIA…` key id → session), under the same generation.
    sessions: RwLock<HashMap<String, Arc<SessionEntry>>>,
    generation: AtomicU64,
}

impl CredentialIndex {
    pub fn get(&self, access_key_id: &str) -> Option<Arc<CredentialEntry>> {
        self.read().get(access_key_id).cloned()
    }

    /// Read before loading from the store; pass to [`CredentialIndex::insert`].
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Keeps a loaded entry unless something was removed since the load began.
    pub fn insert(&self, entry: CredentialEntry, loaded_at: u64) -> Arc<CredentialEntry> {
        let entry = Arc::new(entry);
        let mut map = self.write();
        if self.generation.load(Ordering::Acquire) == loaded_at {
            map.insert(entry.access_key_id.clone(), Arc::clone(&entry));
        }
        entry
    }

    pub fn remove(&self, access_key_id: &str) {
        let mut map = self.write();
        self.generation.fetch_add(1, Ordering::AcqRel);
        map.remove(access_key_id);
    }

    /// Forgets every key and session of one user (after a rename or deletion).
    pub fn remove_user(&self, user_id: &str) {
        let is_user =
            |p: &Principal| matches!(p, Principal::User { user_id: u, .. } if u == user_id);
        let mut map = self.write();
        let mut sessions = self.write_sessions();
        self.generation.fetch_add(1, Ordering::AcqRel);
        map.retain(|_, e| !is_user(&e.principal));
        sessions.retain(|_, e| !is_user(&e.principal));
    }

    /// Forgets every session of one role (after its deletion).
    pub fn remove_role(&self, role_id: &str) {
        let is_role =
            |p: &Principal| matches!(p, Principal::AssumedRole { role_id: r, .. } if r == role_id);
        let mut sessions = self.write_sessions();
        self.generation.fetch_add(1, Ordering::AcqRel);
        sessions.retain(|_, e| !is_role(&e.principal));
    }

    /// Forgets every key and session of one account (after missed changes).
    pub fn remove_account(&self, account_id: &str) {
        let mut map = self.write();
        let mut sessions = self.write_sessions();
        self.generation.fetch_add(1, Ordering::AcqRel);
        map.retain(|_, e| e.account_id != account_id);
        sessions.retain(|_, e| e.account_id != account_id);
    }

    pub fn clear(&self) {
        let mut map = self.write();
        let mut sessions = self.write_sessions();
        self.generation.fetch_add(1, Ordering::AcqRel);
        map.clear();
        sessions.clear();
    }

    pub fn session(&self, access_key_id: &str) -> Option<Arc<SessionEntry>> {
        self.sessions
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(access_key_id)
            .cloned()
    }

    /// Keeps a verified session unless something was removed since its load
    /// began; sweeps expired sessions when many are held.
    pub fn insert_session(
        &self,
        entry: SessionEntry,
        loaded_at: u64,
        now: OffsetDateTime,
    ) -> Arc<SessionEntry> {
        let entry = Arc::new(entry);
        let mut sessions = self.write_sessions();
        if self.generation.load(Ordering::Acquire) == loaded_at {
            if sessions.len() >= SESSION_SWEEP_AT {
                sessions.retain(|_, e| e.context.expires > now);
            }
            sessions.insert(entry.access_key_id.clone(), Arc::clone(&entry));
        }
        entry
    }

    fn write_sessions(
        &self,
    ) -> std::sync::RwLockWriteGuard<'_, HashMap<String, Arc<SessionEntry>>> {
        self.sessions
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn len(&self) -> usize {
        self.read().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, Arc<CredentialEntry>>> {
        self.entries
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, Arc<CredentialEntry>>> {
        self.entries
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn use_is_recorded_once_per_window() {
        let e = CredentialEntry::new(
            "AKIA".into(),
            "1".into(),
            Principal::Root,
            KeyStatus::Active,
            String::new(),
            None,
        );
        assert!(e.claim_use_record(1000, 900));
        assert!(!e.claim_use_record(1500, 900));
        assert!(e.claim_use_record(1900, 900));
    }

    #[test]
    fn removing_a_user_forgets_its_keys_only() {
        let idx = CredentialIndex::default();
        let user = Principal::User {
            user_id: "AIDA1".into(),
            name: "bob".into(),
            path: "/".into(),
        };
        idx.insert(
            CredentialEntry::new(
                "K1".into(),
                "1".into(),
                user,
                KeyStatus::Active,
                String::new(),
                None,
            ),
            idx.generation(),
        );
        idx.insert(
            CredentialEntry::new(
                "K2".into(),
                "1".into(),
                Principal::Root,
                KeyStatus::Active,
                String::new(),
                None,
            ),
            idx.generation(),
        );
        idx.remove_user("AIDA1");
        assert!(idx.get("K1").is_none());
        assert!(idx.get("K2").is_some());
    }

    #[test]
    fn removing_an_account_forgets_its_keys_only() {
        let idx = CredentialIndex::default();
        for (key, account) in [("K1", "1"), ("K2", "2")] {
            idx.insert(
                CredentialEntry::new(
                    key.into(),
                    account.into(),
                    Principal::Root,
                    KeyStatus::Active,
                    String::new(),
                    None,
                ),
                idx.generation(),
            );
        }
        idx.remove_account("1");
        assert!(idx.get("K1").is_none());
        assert!(idx.get("K2").is_some());
    }

    #[test]
    fn a_load_overtaken_by_a_removal_is_not_kept() {
        let idx = CredentialIndex::default();
        let before = idx.generation();
        idx.remove("K1");
        idx.insert(
            CredentialEntry::new(
                "K1".into(),
                "1".into(),
                Principal::Root,
                KeyStatus::Active,
                String::new(),
                None,
            ),
            before,
        );
        assert!(idx.get("K1").is_none());
    }
}
