//! GetSessionToken, and resolving session credentials for SigV4.

use std::sync::Arc;

use time::OffsetDateTime;

use super::Keyward;
use crate::caller::{Caller, Principal};
use crate::crypto::Secret;
use crate::ids::{self, IdKind};
use crate::model::KeyOwner;
use keyward_policy::{PolicyInput, PolicyType};

use super::policies;
use crate::authz;
use crate::session::{self, RoleClaims, SessionClaims, SessionEntry, SessionError};
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

/// AssumeRole's parameters.
#[derive(Debug, Clone, Copy, Default)]
pub struct AssumeRoleInput<'a> {
    pub role_arn: &'a str,
    pub role_session_name: &'a str,
    pub duration_seconds: Option<i64>,
    pub external_id: Option<&'a str>,
    pub policy: Option<&'a str>,
    pub serial_number: Option<&'a str>,
    pub token_code: Option<&'a str>,
}

/// What AssumeRole returns, once.
#[derive(Debug, Clone)]
pub struct AssumedRole {
    pub credentials: SessionCredentials,
    /// `AROA…:{RoleSessionName}`.
    pub assumed_role_id: String,
    /// `arn:aws:sts::ACCT:assumed-role/{RoleName}/{RoleSessionName}`.
    pub arn: String,
    /// Only when a session policy was given.
    pub packed_policy_size: Option<i64>,
}

/// `arn:{partition}:iam::{account}:role{path}{name}` → (account, path, name).
fn parse_role_arn(arn: &str) -> Option<(&str, &str, &str)> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, partition, service, region, account, resource] = parts.as_slice() else {
        return None;
    };
    if *prefix != "arn"
        || partition.is_empty()
        || *service != "iam"
        || !region.is_empty()
        || account.len() != 12
        || !account.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let rest = resource.strip_prefix("role/")?;
    let (path, name) = match rest.rfind('/') {
        Some(i) => (&resource[4..=5 + i], &rest[i + 1..]),
        None => ("/", rest),
    };
    (!name.is_empty()).then_some((account, path, name))
}

/// AWS's answer to an MFA serial number it cannot match to the caller.
/// AWS's answer to a wrong, reused or stale TOTP code.
pub const MFA_INVALID_CODE: &str =
    "MultiFactorAuthentication failed with invalid MFA one time pass code.";

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
        tracing::info!(caller = %caller.arn(), %access_key_id, seconds = secs, mfa = mfa_authenticated_at.is_some(), "sts:GetSessionToken");
        Ok(SessionCredentials {
            access_key_id,
            secret: claims.secret,
            token,
            expires,
        })
    }

    /// AssumeRole: temporary credentials for a role, same-account or
    /// cross-account within this keyward. The caller's identity policies must
    /// allow `sts:AssumeRole` on the role and the role's trust policy must
    /// allow the caller; root is refused.
    pub async fn assume_role(
        &self,
        caller: &Caller,
        input: AssumeRoleInput<'_>,
    ) -> Result<AssumedRole> {
        let mut v = Violations::new();
        v.text("roleArn", input.role_arn, 20, 2048, None);
        v.text(
            "roleSessionName",
            input.role_session_name,
            2,
            64,
            Some((r"[\w+=,.@-]*", |s: &str| {
                s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
            })),
        );
        if let Some(d) = input.duration_seconds {
            v.range("durationSeconds", d, session::MIN_DURATION_SECS, 43_200);
        }
        if let Some(e) = input.external_id {
            v.text(
                "externalId",
                e,
                2,
                1224,
                Some((r"[\w+=,.@:\/-]*", |s: &str| {
                    s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "_+=,.@:/-".contains(c))
                })),
            );
        }
        if let Some(p) = input.policy {
            // AWS: a session policy's plaintext may not exceed 2,048 characters.
            v.text(
                "policy",
                p,
                1,
                2048,
                Some((r"[\u0009\u000A\u000D\u0020-\u00FF]+", |s: &str| {
                    s.chars()
                        .all(|c| matches!(c, '\t' | '\n' | '\r' | ' '..='\u{ff}'))
                })),
            );
        }
        v.finish()?;
        let (role_account, role_path, role_name) = parse_role_arn(input.role_arn)
            .ok_or_else(|| Error::Validation(format!("{} is invalid", input.role_arn)))?;
        if caller.is_root() {
            return Err(Error::AccessDenied(
                "Roles may not be assumed by root accounts.".into(),
            ));
        }
        let session_policy = match input.policy {
            Some(doc) => {
                keyward_policy::parse(doc, keyward_policy::PolicyKind::Session)
                    .map_err(|e| Error::MalformedPolicyDocument(e.to_string()))?;
                Some(doc.to_owned())
            }
            None => None,
        };
        let denied = || {
            Error::AccessDenied(format!(
                "User: {} is not authorized to perform: sts:AssumeRole on resource: {}",
                caller.arn(),
                input.role_arn
            ))
        };
        let mfa_authenticated_at = self
            .verify_session_mfa(caller, input.serial_number, input.token_code)
            .await?
            .or_else(|| caller.session.as_ref().and_then(|s| s.mfa_authenticated_at));
        let role = match self.store.role(role_account, role_name).await? {
            Some(r) if r.path == role_path && r.name == role_name => Some(r),
            _ => None,
        };
        let Some(caller_authz) = self.principal_authz(caller).await? else {
            return Err(denied());
        };
        let mut ctx =
            authz::request_context(caller, "sts:AssumeRole", input.role_arn, self.clock.now());
        authz::add_tag_context(&mut ctx, &caller_authz.tags, &[]);
        if let Some(e) = input.external_id {
            ctx.set("sts:ExternalId", vec![e.into()]);
        }
        ctx.set(
            "aws:MultiFactorAuthPresent",
            vec![mfa_authenticated_at.is_some().into()],
        );
        // The caller's own identity policies must allow sts:AssumeRole on
        // the role. In the same account this is checked alone (a trust
        // policy naming the caller does not stand in for it here); across
        // accounts the joint evaluation below requires it.
        if caller.account_id == role_account && authz::decide(&ctx, &caller_authz.policies).is_err()
        {
            return Err(denied());
        }
        let Some(role) = role else {
            return Err(denied());
        };
        // And the role's trust policy must allow the caller: evaluated
        // together with the caller's policies, so explicit denies,
        // boundaries and session policies apply as at AWS.
        let Some(trust) = policies::compile(&role.arn(caller.partition), &role.trust_policy) else {
            return Err(denied());
        };
        let trust_id = format!("{}/trust", role.arn(caller.partition));
        let mut inputs: Vec<PolicyInput<'_>> = caller_authz
            .policies
            .iter()
            .map(|p| PolicyInput::new(&p.id, p.policy_type, &p.compiled))
            .collect();
        inputs.push(PolicyInput::new(&trust_id, PolicyType::Trust, &trust));
        if !keyward_policy::evaluate(&ctx, &inputs).is_allowed() {
            return Err(denied());
        }
        // Durations: 900 up to the role's maximum (one hour when chaining).
        let chaining = matches!(caller.principal, Principal::AssumedRole { .. });
        let secs = input
            .duration_seconds
            .unwrap_or(session::ROLE_DEFAULT_DURATION_SECS);
        if chaining && secs > session::ROLE_CHAINING_MAX_SECS {
            return Err(Error::Validation(
                "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.".into(),
            ));
        }
        if secs > role.max_session_duration {
            return Err(Error::Validation(
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
                    .into(),
            ));
        }
        let issued = session::to_millis(self.clock.now());
        let expires = issued + time::Duration::seconds(secs);
        let access_key_id = ids::new_id(IdKind::TemporaryAccessKey, self.rng());
        let claims = SessionClaims {
            account_id: role.account_id.clone(),
            user_id: None,
            issued,
            expires,
            mfa_authenticated_at,
            secret: Secret::new(ids::new_secret_access_key(self.rng())),
            role: Some(RoleClaims {
                role_id: role.role_id.clone(),
                role_name: role.name.clone(),
                role_path: role.path.clone(),
                session_name: input.role_session_name.to_owned(),
                session_policy: session_policy.clone(),
            }),
        };
        let token = self.tokens.seal(&access_key_id, &claims, self.rng());
        let assumed_role_arn = format!(
            "arn:{}:sts::{}:assumed-role/{}/{}",
            caller.partition, role.account_id, role.name, input.role_session_name
        );
        tracing::info!(caller = %caller.arn(), role = %input.role_arn, %access_key_id, seconds = secs, "sts:AssumeRole");
        Ok(AssumedRole {
            credentials: SessionCredentials {
                access_key_id,
                secret: claims.secret,
                token,
                expires,
            },
            assumed_role_id: format!("{}:{}", role.role_id, input.role_session_name),
            arn: assumed_role_arn,
            // A rough share of AWS's packed limit (2048 characters).
            packed_policy_size: session_policy
                .as_deref()
                .map(|p| (p.len() * 100 / 2048).max(1) as i64),
        })
    }

    /// The MFA step of GetSessionToken: `None` without SerialNumber and
    /// TokenCode; otherwise the time the caller's TOTP device accepted the
    /// code (each code once; see `verify_mfa_code`).
    async fn verify_session_mfa(
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
        let principal = match (&claims.role, &claims.user_id) {
            (Some(r), _) => match self.store.role(&claims.account_id, &r.role_name).await? {
                // The role was deleted (or replaced by another of that name).
                Some(role) if role.role_id == r.role_id => Principal::AssumedRole {
                    user_id: format!("{}:{}", role.role_id, r.session_name),
                    role_id: role.role_id,
                    role_name: role.name,
                    role_path: role.path,
                    session_name: r.session_name.clone(),
                    session_policy: r.session_policy.clone(),
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

#[cfg(test)]
mod tests {
    use super::parse_role_arn;

    #[test]
    fn role_arns() {
        assert_eq!(
            parse_role_arn("arn:aws:iam::123456789012:role/ops"),
            Some(("123456789012", "/", "ops"))
        );
        assert_eq!(
            parse_role_arn("arn:aws:iam::123456789012:role/team/a/ops"),
            Some(("123456789012", "/team/a/", "ops"))
        );
        for bad in [
            "nothing-valid-in-here",
            "arn:aws:iam::123456789012:user/ops",
            "arn:aws:iam::123456789012:role/",
            "arn:aws:iam::12345:role/ops",
            "arn:aws:s3::123456789012:role/ops",
            "arn:aws:iam:us-east-1:123456789012:role/ops",
        ] {
            assert_eq!(parse_role_arn(bad), None, "{bad}");
        }
    }
}
