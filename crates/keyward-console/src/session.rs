//! Server-side sessions: in memory, keyed by a random id that only the
//! session cookie carries. Every visitor gets one (so sign-in forms carry a
//! CSRF token too); signing in replaces it with a new id.

use std::collections::HashMap;
use std::sync::Mutex;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use keyward_core::caller::Principal;
use keyward_core::crypto::Secret;
use keyward_core::random::Random;
use keyward_core::service::PasswordChecked;
use subtle::ConstantTimeEq as _;
use webauthn_rs::prelude::{PasskeyAuthentication, PasskeyRegistration};

/// A session unused this long is gone.
pub const IDLE_SECS: i64 = 3600;
/// A signed-in session ends this long after sign-in, used or not.
pub const MAX_SECS: i64 = 12 * 3600;
/// Sensitive changes need a sign-in at most this old.
pub const REAUTH_SECS: i64 = 15 * 60;
/// An MFA step must be finished within this time.
pub const MFA_STEP_SECS: i64 = 300;
/// Wrong MFA codes allowed in one sign-in before it starts over.
pub const MFA_ATTEMPTS: u32 = 5;
/// Sessions kept at most (anonymous ones are dropped first when full).
const MAX_SESSIONS: usize = 100_000;

/// A signed-in identity.
#[derive(Debug, Clone)]
pub struct Identity {
    pub account_id: String,
    pub principal: Principal,
    /// What the header shows: the root email or `user @ account`.
    pub display: String,
    /// Unix seconds of the sign-in (for re-authentication).
    pub signed_in_at: i64,
    pub mfa_used: bool,
    /// The IAM user's login profile has PasswordResetRequired: no page but
    /// the password change until a new password is set.
    pub password_reset_required: bool,
}

impl Identity {
    pub fn is_root(&self) -> bool {
        matches!(self.principal, Principal::Root)
    }
}

/// Where a session stands.
#[derive(Debug, Clone)]
pub enum Stage {
    Anonymous,
    /// Password accepted; the MFA step remains.
    Mfa {
        who: Box<PasswordChecked>,
        started: i64,
        attempts: u32,
    },
    SignedIn(Identity),
}

/// A virtual MFA device being assigned: shown until enabled.
#[derive(Debug, Clone)]
pub struct PendingMfa {
    pub serial_number: String,
    pub seed_base32: Secret,
    pub qr_png_base64: Secret,
}

#[derive(Debug, Clone)]
pub struct Session {
    pub csrf: String,
    pub last_seen: i64,
    pub stage: Stage,
    /// A one-time message for the next page.
    pub flash: Option<String>,
    /// Root acknowledged the warning about everyday use of root credentials.
    pub root_warning_ack: bool,
    /// The secret of a key just created, until the user is done with it.
    pub new_key: Option<(String, Secret)>,
    /// (user name, key id, secret) of a key made with a new IAM user, until
    /// the creator is done with it.
    pub new_user_key: Option<(String, String, Secret)>,
    pub pending_mfa: Option<PendingMfa>,
    /// A security key registration in progress: its name and state.
    pub webauthn_registration: Option<(String, PasskeyRegistration)>,
    /// A sign-in with a security key in progress.
    pub webauthn_authentication: Option<PasskeyAuthentication>,
}

impl Session {
    fn new(csrf: String, now: i64) -> Self {
        Self {
            csrf,
            last_seen: now,
            stage: Stage::Anonymous,
            flash: None,
            root_warning_ack: false,
            new_key: None,
            new_user_key: None,
            pending_mfa: None,
            webauthn_registration: None,
            webauthn_authentication: None,
        }
    }

    pub fn identity(&self) -> Option<&Identity> {
        match &self.stage {
            Stage::SignedIn(i) => Some(i),
            _ => None,
        }
    }

    /// Whether `token` is this session's CSRF token (constant time).
    pub fn csrf_ok(&self, token: &str) -> bool {
        bool::from(self.csrf.as_bytes().ct_eq(token.as_bytes()))
    }

    fn expired(&self, now: i64) -> bool {
        let signed_in_too_long = self
            .identity()
            .is_some_and(|i| now - i.signed_in_at > MAX_SECS);
        now - self.last_seen > IDLE_SECS || signed_in_too_long
    }
}

/// The sessions of this process.
#[derive(Debug, Default)]
pub struct Sessions {
    map: Mutex<HashMap<String, Session>>,
}

fn random_token(rng: &dyn Random) -> String {
    let mut raw = [0u8; 32];
    rng.fill(&mut raw);
    B64URL.encode(raw)
}

impl Sessions {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        // A panic while holding the lock leaves plain data behind: keep going.
        self.map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The live session with `id`, its last use moved to `now`.
    pub fn get(&self, id: &str, now: i64) -> Option<Session> {
        let mut map = self.lock();
        let s = map.get_mut(id)?;
        if s.expired(now) {
            map.remove(id);
            return None;
        }
        s.last_seen = now;
        Some(s.clone())
    }

    /// Starts a session; returns its id.
    pub fn create(&self, rng: &dyn Random, now: i64) -> (String, Session) {
        let id = random_token(rng);
        let session = Session::new(random_token(rng), now);
        let mut map = self.lock();
        if map.len() >= MAX_SESSIONS {
            map.retain(|_, s| !s.expired(now) && !matches!(s.stage, Stage::Anonymous));
        }
        map.insert(id.clone(), session.clone());
        (id, session)
    }

    /// Moves `session` to a new id with a new CSRF token (at sign-in, so an
    /// id known before sign-in is worthless after it).
    pub fn rotate(&self, old_id: &str, mut session: Session, rng: &dyn Random) -> String {
        let id = random_token(rng);
        session.csrf = random_token(rng);
        let mut map = self.lock();
        map.remove(old_id);
        map.insert(id.clone(), session);
        id
    }

    pub fn save(&self, id: &str, session: Session) {
        let mut map = self.lock();
        if map.contains_key(id) {
            map.insert(id.to_owned(), session);
        }
    }

    pub fn remove(&self, id: &str) {
        self.lock().remove(id);
    }

    /// Ends every signed-in session of one account (it was closed).
    pub fn remove_account(&self, account_id: &str) {
        self.lock()
            .retain(|_, s| s.identity().is_none_or(|i| i.account_id != account_id));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keyward_core::random::OsRandom;

    #[test]
    fn sessions_expire_when_idle_and_after_the_maximum() {
        let sessions = Sessions::default();
        let (id, mut s) = sessions.create(&OsRandom, 1000);
        assert!(sessions.get(&id, 1000 + IDLE_SECS).is_some());
        assert!(sessions.get(&id, 1000 + 2 * IDLE_SECS + 1).is_none());

        let (id, _) = sessions.create(&OsRandom, 0);
        s.stage = Stage::SignedIn(Identity {
            account_id: "123456789012".into(),
            principal: Principal::Root,
            display: "root".into(),
            signed_in_at: 0,
            mfa_used: false,
            password_reset_required: false,
        });
        sessions.save(&id, s);
        let mut t = 0;
        while t <= MAX_SECS {
            assert!(sessions.get(&id, t).is_some(), "alive at {t}");
            t += IDLE_SECS / 2;
        }
        assert!(sessions.get(&id, MAX_SECS + 1).is_none());
    }

    #[test]
    fn rotation_drops_the_old_id_and_changes_the_csrf_token() {
        let sessions = Sessions::default();
        let (old, s) = sessions.create(&OsRandom, 0);
        let old_csrf = s.csrf.clone();
        let new = sessions.rotate(&old, s, &OsRandom);
        assert!(sessions.get(&old, 1).is_none());
        let s = sessions.get(&new, 1).expect("rotated session");
        assert_ne!(s.csrf, old_csrf);
        assert!(s.csrf_ok(&s.csrf.clone()));
        assert!(!s.csrf_ok(&old_csrf));
        assert!(!s.csrf_ok(""));
    }
}
