//! GetSessionToken, and resolving session credentials for SigV4.

use std::sync::Arc;

use time::OffsetDateTime;

use super::Keyward;
use crate::caller::{Caller, Principal};
use crate::crypto::Secret;
use crate::ids::{self, IdKind};
use crate::model::KeyOwner;
use crate::session::{self, SessionClaims, SessionEntry, SessionError};
use crate::validate::Violations;
use crate::{Error, Result};

/// Session credentials as GetSessionToken returns them, once.
#[derive(Debug, Clone)]
pub struct SessionCredentials {
    pub access_key_id: String,
    pub secret: Secret,
    pub token: Secret,
    /// Whole milliseconds.
    pub expires: OffsetDateTime,
}

/// AWS's answer to a wrong, reused or stale TOTP code.
pub const MFA_INVALID_CODE: &str =
    "MultiFactorAuthentication failed with invalid MFA one time pass code.";

/// AWS's answer to an MFA serial number it cannot match to the caller.
pub const MFA_UNKNOWN_DEVICE: &str = "MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user.";

impl Keyward {
    /// GetSessionToken: temporary credentials for the calling IAM user or
    /// root, from long-term credentials only. No IAM policy is evaluated (AWS:
    /// "No permissions are required for a user to get a session token").
    pub async fn get_session_token(
        &self,
        caller: &Caller,
        duration_seconds: Option<i64>,
        serial_number: Option<&str>,
        token_code: Option<&str>,
    ) -> Result<SessionCredentials> {
        let mut v = Violations::new();
        if let Some(d) = duration_seconds {
            v.range(
                "durationSeconds",
                d,
                session::MIN_DURATION_SECS,
                session::MAX_DURATION_SECS,
            );
        }
        if let Some(s) = serial_number {
            v.text(
                "serialNumber",
                s,
                9,
                256,
                Some((r"[\w+=/:,.@-]*", |s: &str| {
                    s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "_+=/:,.@-".contains(c))
                })),
            );
        }
        if let Some(c) = token_code {
            v.text(
                "tokenCode",
                c,
                6,
                6,
                Some((r"[\d]*", |s: &str| s.bytes().all(|b| b.is_ascii_digit()))),
            );
        }
        v.finish()?;
        if caller.session.is_some() {
            return Err(Error::AccessDenied(
                "Cannot call GetSessionToken with session credentials".into(),
            ));
        }
        let secs = session::session_duration(duration_seconds, caller.is_root())?;
        let mfa_authenticated_at = self
            .verify_session_mfa(caller, serial_number, token_code)
            .await?;
        let issued = session::to_millis(self.clock.now());
        let expires = issued + time::Duration::seconds(secs);
        let access_key_id =
            ids::new_access_key_id(IdKind::TemporaryAccessKey, &caller.account_id, self.rng());
        let claims = SessionClaims {
            account_id: caller.account_id.clone(),
            user_id: match &caller.principal {
                Principal::Root => None,
                Principal::User { user_id, .. } => Some(user_id.clone()),
                Principal::AssumedRole { .. } => {
                    return Err(Error::AccessDenied(
                        "Cannot call GetSessionToken with session credentials".into(),
                    ));
                }
            },
            issued,
            expires,
            mfa_authenticated_at,
            secret: Secret::new(ids::new_secret_access_key(self.rng())),
            role: None,
        };
        let token = self.tokens.seal(&access_key_id, &claims, self.rng());
        // The audit trail names the session key and how it was authenticated
        // (never its secret or token).
        let audit = self.caller_audit(
            caller,
            "sts:GetSessionToken",
            &caller.arn(),
            &serde_json::json!({
                "accessKeyId": access_key_id,
                "signedWith": caller.access_key_id,
                "durationSeconds": secs,
                "serialNumber": serial_number.filter(|_| mfa_authenticated_at.is_some()),
                "mfaAuthenticated": mfa_authenticated_at.is_some(),
            }),
        );
        self.record_detached_audit(audit).await?;
        tracing::debug!(caller = %caller.arn(), %access_key_id, seconds = secs, mfa = mfa_authenticated_at.is_some(), "sts:GetSessionToken");
        Ok(SessionCredentials {
            access_key_id,
            secret: claims.secret,
            token,
            expires,
        })
    }

    /// The MFA step of GetSessionToken: `None` without SerialNumber and
    /// TokenCode; otherwise the time the caller's TOTP device accepted the
    /// code (each code once; see `verify_mfa_code`).
    pub(super) async fn verify_session_mfa(
        &self,
        caller: &Caller,
        serial_number: Option<&str>,
        token_code: Option<&str>,
    ) -> Result<Option<OffsetDateTime>> {
        let (serial, code) = match (serial_number, token_code) {
            (None, None) => return Ok(None),
            (Some(serial), Some(code)) => (serial, code),
            _ => return Err(Error::AccessDenied(MFA_UNKNOWN_DEVICE.into())),
        };
        let owner = match &caller.principal {
            Principal::Root => KeyOwner::Root,
            Principal::User { user_id, .. } => KeyOwner::User(user_id.clone()),
            Principal::AssumedRole { .. } => {
                return Err(Error::AccessDenied(MFA_UNKNOWN_DEVICE.into()));
            }
        };
        let assigned = self
            .store
            .mfa_device(&caller.account_id, serial)
            .await?
            .is_some_and(|d| d.owner.as_ref() == Some(&owner));
        if !assigned {
            return Err(Error::AccessDenied(MFA_UNKNOWN_DEVICE.into()));
        }
        if self
            .verify_mfa_code(&caller.account_id, &owner, serial, code)
            .await?
        {
            Ok(Some(self.clock.now()))
        } else {
            Err(Error::AccessDenied(MFA_INVALID_CODE.into()))
        }
    }

    /// Resolves session credentials for SigV4: the index, else the token
    /// itself (opened, its parent looked up once). The inner error says
    /// whether the token is invalid or expired.
    pub async fn session(
        &self,
        access_key_id: &str,
        token: &str,
    ) -> Result<std::result::Result<Arc<SessionEntry>, SessionError>> {
        let now = self.clock.now();
        if let Some(entry) = self.index.session(access_key_id) {
            return Ok(entry.check(token, now).map(|()| entry));
        }
        let generation = self.index.generation();
        let Ok(claims) = self.tokens.open(access_key_id, token) else {
            return Ok(Err(SessionError::Invalid));
        };
        self.ensure_open(&claims.account_id).await?;
        let principal = match (&claims.role, &claims.user_id) {
            (Some(r), _) => match self.store.role(&claims.account_id, &r.role_name).await? {
                // The role was deleted (or replaced by another of that name).
                Some(role) if role.role_id == r.role_id => Principal::AssumedRole {
                    user_id: format!("{}:{}", role.role_id, r.session_name),
                    role_id: role.role_id,
                    role_name: role.name,
                    role_path: role.path,
                    session_name: r.session_name.clone(),
                    attributes: Arc::new(r.attributes.clone()),
                },
                _ => return Ok(Err(SessionError::Invalid)),
            },
            (None, None) => {
                if self.store.account(&claims.account_id).await?.is_none() {
                    return Ok(Err(SessionError::Invalid));
                }
                Principal::Root
            }
            (None, Some(id)) => match self.store.user_by_id(id).await? {
                Some(u) if u.account_id == claims.account_id => Principal::User {
                    user_id: u.user_id,
                    name: u.name,
                    path: u.path,
                },
                // The parent user was deleted: its sessions end with it.
                _ => return Ok(Err(SessionError::Invalid)),
            },
        };
        let entry = self.index.insert_session(
            SessionEntry::new(access_key_id.to_owned(), principal, claims, token),
            generation,
            now,
        );
        Ok(entry.check(token, now).map(|()| entry))
    }
}
