//! Console sign-in: the root user (email and password) and IAM users (account
//! id or alias, user name, password), the audit record of every attempt, the
//! root password's change and its reset links.

use std::net::IpAddr;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use subtle::ConstantTimeEq as _;

use super::{DUMMY_PHC, Keyward};
use crate::caller::{Caller, Principal};
use crate::crypto::Secret;
use crate::model::{Account, KeyOwner, MfaDevice, SecurityKey};
use crate::{Error, Result, ids, password};

/// AWS's answer to every failed console sign-in, whatever was wrong.
pub const SIGN_IN_FAILED: &str = "Your authentication information is incorrect. Please try again.";
/// How long a root password reset link works.
pub const RESET_LINK_SECS: i64 = 3600;
/// CloudTrail's user name for a failed sign-in of a user that does not exist.
const HIDDEN_USER: &str = "HIDDEN_DUE_TO_SECURITY_REASONS";

/// Who is signing in, as typed on the sign-in page.
#[derive(Debug, Clone)]
pub enum SignInName {
    Root { email: String },
    User { account: String, user_name: String },
}

/// The browser's side of a sign-in, for the audit event.
#[derive(Debug, Clone, Default)]
pub struct SignInClient {
    pub source_ip: Option<IpAddr>,
    pub user_agent: String,
}

/// An identity whose password was right; it still needs its MFA when it has
/// devices.
#[derive(Debug, Clone)]
pub struct PasswordChecked {
    pub account: Account,
    pub principal: Principal,
    /// The identity's assigned MFA devices.
    pub mfa_devices: Vec<MfaDevice>,
    /// The identity's security keys (WebAuthn).
    pub security_keys: Vec<SecurityKey>,
}

impl PasswordChecked {
    /// Whether the sign-in needs a second factor.
    pub fn has_mfa(&self) -> bool {
        !self.mfa_devices.is_empty() || !self.security_keys.is_empty()
    }
}

impl PasswordChecked {
    pub fn arn(&self) -> String {
        principal_arn(&self.account.account_id, &self.principal)
    }

    pub fn owner(&self) -> KeyOwner {
        match &self.principal {
            Principal::User { user_id, .. } => KeyOwner::User(user_id.clone()),
            _ => KeyOwner::Root,
        }
    }
}

fn principal_arn(account_id: &str, principal: &Principal) -> String {
    match principal {
        Principal::User { name, path, .. } => format!("arn:aws:iam::{account_id}:user{path}{name}"),
        _ => format!("arn:aws:iam::{account_id}:root"),
    }
}

/// The detail of a `signin:ConsoleLogin` audit event, as CloudTrail words it.
fn sign_in_detail(
    success: bool,
    mfa_used: bool,
    failed_factor: &str,
    client: &SignInClient,
) -> serde_json::Value {
    let mut detail = serde_json::json!({
        "ConsoleLogin": if success { "Success" } else { "Failure" },
        "MFAUsed": if mfa_used { "Yes" } else { "No" },
        "sourceIPAddress": client.source_ip.map(|ip| ip.to_string()),
        "userAgent": client.user_agent,
    });
    if !success {
        detail["errorMessage"] = format!("Failed authentication ({failed_factor})").into();
    }
    detail
}

/// Why a right password still does not sign in to a closed account.
const CLOSED_SIGN_IN: &str = "This account is closed. Nobody can sign in to it.";

impl Keyward {
    /// Checks a console password. Unknown names and wrong passwords fail
    /// alike and cost the same (a fixed hash is verified for unknown names);
    /// a failure in a known account is written to its audit log.
    pub async fn password_sign_in(
        &self,
        name: &SignInName,
        password: &Secret,
        client: &SignInClient,
    ) -> Result<PasswordChecked> {
        let (account, principal, phc) = match name {
            SignInName::Root { email } => {
                let account = self.store.account_by_email(email.trim()).await?;
                let phc = account.as_ref().map(|a| a.root_password_hash.clone());
                (account, Some(Principal::Root), phc)
            }
            SignInName::User { account, user_name } => {
                self.user_password(account.trim(), user_name).await?
            }
        };
        let ok = password::verify(password, phc.as_deref().unwrap_or(DUMMY_PHC));
        match (account, principal) {
            (Some(account), Some(_)) if ok && phc.is_some() && account.closed.is_some() => {
                Err(Error::Rejected(CLOSED_SIGN_IN.into()))
            }
            (Some(account), Some(principal)) if ok && phc.is_some() => {
                let owner = match &principal {
                    Principal::User { user_id, .. } => KeyOwner::User(user_id.clone()),
                    _ => KeyOwner::Root,
                };
                let mfa_devices = self
                    .store
                    .mfa_devices(&account.account_id)
                    .await?
                    .into_iter()
                    .filter(|d| d.owner.as_ref() == Some(&owner))
                    .collect();
                let security_keys = self
                    .store
                    .security_keys(&account.account_id, &owner)
                    .await?;
                Ok(PasswordChecked {
                    account,
                    principal,
                    mfa_devices,
                    security_keys,
                })
            }
            (Some(account), principal) => {
                let actor = match (&principal, name) {
                    (Some(p), _) => principal_arn(&account.account_id, p),
                    (None, _) => format!("arn:aws:iam::{}:user/{HIDDEN_USER}", account.account_id),
                };
                self.write_sign_in(
                    &account.account_id,
                    &actor,
                    false,
                    false,
                    "password",
                    client,
                )
                .await?;
                Err(Error::Rejected(SIGN_IN_FAILED.into()))
            }
            (None, _) => {
                tracing::info!(source_ip = ?client.source_ip, "console sign-in failed for an unknown account");
                Err(Error::Rejected(SIGN_IN_FAILED.into()))
            }
        }
    }

    /// The account, the user (when it exists) and its console password hash
    /// (when it has one).
    async fn user_password(
        &self,
        account: &str,
        user_name: &str,
    ) -> Result<(Option<Account>, Option<Principal>, Option<String>)> {
        let account = if ids::is_account_id(account) {
            self.store.account(account).await?
        } else {
            self.store.account_by_alias(&account.to_lowercase()).await?
        };
        let Some(account) = account else {
            return Ok((None, None, None));
        };
        let Some(user) = self.store.user(&account.account_id, user_name).await? else {
            return Ok((Some(account), None, None));
        };
        let phc = self
            .store
            .login_profile(&user.user_id)
            .await?
            .map(|p| p.password_hash);
        let principal = Principal::User {
            user_id: user.user_id,
            name: user.name,
            path: user.path,
        };
        Ok((Some(account), Some(principal), phc))
    }

    /// Writes the audit event of a finished console sign-in (CloudTrail's
    /// `ConsoleLogin`).
    pub async fn record_sign_in(
        &self,
        who: &PasswordChecked,
        success: bool,
        mfa_used: bool,
        client: &SignInClient,
    ) -> Result<()> {
        if success {
            return self.record_password_use(who, mfa_used, client).await;
        }
        // A known password with a failed second factor.
        self.write_sign_in(
            &who.account.account_id,
            &who.arn(),
            false,
            mfa_used,
            "mfa",
            client,
        )
        .await
    }

    /// A finished sign-in: its audit event, and the time the password was
    /// used (GetUser's `PasswordLastUsed`, the credential report's
    /// `password_last_used`).
    async fn record_password_use(
        &self,
        who: &PasswordChecked,
        mfa_used: bool,
        client: &SignInClient,
    ) -> Result<()> {
        let account_id = &who.account.account_id;
        let actor = who.arn();
        let event = self.audit(
            account_id,
            &actor,
            "signin:ConsoleLogin",
            &actor,
            &sign_in_detail(true, mfa_used, "", client),
        );
        let at = self.clock.now().unix_timestamp();
        let used = self
            .store
            .record_password_use(account_id, &who.owner(), at, &event)
            .await;
        self.users_changed(account_id, used)
    }

    async fn write_sign_in(
        &self,
        account_id: &str,
        actor: &str,
        success: bool,
        mfa_used: bool,
        failed_factor: &str,
        client: &SignInClient,
    ) -> Result<()> {
        let detail = sign_in_detail(success, mfa_used, failed_factor, client);
        let event = self.audit(account_id, actor, "signin:ConsoleLogin", actor, &detail);
        self.store.record_audit(&event).await
    }

    /// The caller a console session acts as.
    pub fn console_caller(
        &self,
        account_id: &str,
        principal: Principal,
        source_ip: Option<IpAddr>,
        secure_transport: bool,
    ) -> Caller {
        Caller {
            account_id: account_id.to_owned(),
            principal,
            access_key_id: String::new(),
            partition: "aws",
            region: "us-east-1".into(),
            service: "iam".into(),
            source_ip,
            secure_transport,
            session: None,
        }
    }

    /// The root user changes its password (current password required).
    pub async fn change_root_password(
        &self,
        caller: &Caller,
        current: &Secret,
        new_password: &Secret,
    ) -> Result<()> {
        if !caller.is_root() {
            return Err(Error::InvalidUserType(
                "Only the root user can change the root user's password.".into(),
            ));
        }
        let account = self.account(&caller.account_id).await?;
        if !password::verify(current, &account.root_password_hash) {
            return Err(Error::InvalidInput(
                "The current password is incorrect.".into(),
            ));
        }
        self.set_root_password(&account, None, new_password, "keyward:ChangeRootPassword")
            .await
    }

    async fn set_root_password(
        &self,
        account: &Account,
        expected_hash: Option<&str>,
        new_password: &Secret,
        action: &str,
    ) -> Result<()> {
        password::check_root_password(new_password, &account.email, account.alias.as_deref())
            .map_err(Error::Rejected)?;
        let arn = format!("arn:aws:iam::{}:root", account.account_id);
        let audit = self.audit(
            &account.account_id,
            &arn,
            action,
            &arn,
            &serde_json::json!({}),
        );
        let hash = password::hash(new_password, self.rng());
        if self
            .store
            .set_root_password(&account.account_id, expected_hash, &hash, &audit)
            .await?
        {
            Ok(())
        } else {
            Err(Error::Rejected(RESET_LINK_INVALID.into()))
        }
    }

    /// A root password reset token for the account with `email`, or `None`
    /// when no account has it. The token names the account and its expiry and
    /// is MACed with the current password hash: it stops working once used.
    pub async fn root_password_reset_token(
        &self,
        email: &str,
    ) -> Result<Option<(Account, Secret)>> {
        let Some(account) = self.store.account_by_email(email.trim()).await? else {
            return Ok(None);
        };
        let expires = self.clock.now().unix_timestamp() + RESET_LINK_SECS;
        let mac = self.reset_mac(&account, expires);
        let token = format!("{}.{expires}.{}", account.account_id, B64URL.encode(mac));
        Ok(Some((account, Secret::new(token))))
    }

    /// The account a reset token is valid for (not expired, not used).
    pub async fn check_reset_token(&self, token: &str) -> Result<Account> {
        let invalid = || Error::Rejected(RESET_LINK_INVALID.into());
        let mut parts = token.splitn(3, '.');
        let (Some(account_id), Some(expires), Some(mac)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid());
        };
        let expires: i64 = expires.parse().map_err(|_| invalid())?;
        let mac = B64URL.decode(mac).map_err(|_| invalid())?;
        if !ids::is_account_id(account_id) || expires < self.clock.now().unix_timestamp() {
            return Err(invalid());
        }
        let account = self.store.account(account_id).await?.ok_or_else(invalid)?;
        let expected = self.reset_mac(&account, expires);
        if bool::from(expected.as_slice().ct_eq(mac.as_slice())) {
            Ok(account)
        } else {
            Err(invalid())
        }
    }

    /// Sets the root password through a reset token; the token is then spent.
    pub async fn reset_root_password(&self, token: &str, new_password: &Secret) -> Result<Account> {
        let account = self.check_reset_token(token).await?;
        self.set_root_password(
            &account,
            Some(&account.root_password_hash),
            new_password,
            "keyward:ResetRootPassword",
        )
        .await?;
        Ok(account)
    }

    fn reset_mac(&self, account: &Account, expires: i64) -> Vec<u8> {
        use hmac::{KeyInit as _, Mac as _};
        // Under the primary KEK: a rotation voids the links outstanding (they
        // last an hour), which errs on the safe side.
        let key = self
            .kek
            .for_sealing()
            .primary()
            .derive("root-password-reset");
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes())
            .expect("HMAC takes keys of any length");
        mac.update(account.account_id.as_bytes());
        mac.update(b"\n");
        mac.update(expires.to_string().as_bytes());
        mac.update(b"\n");
        mac.update(account.root_password_hash.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }
}

/// The answer to an expired, used or altered reset link.
pub const RESET_LINK_INVALID: &str =
    "This password reset link is invalid or has expired. Request a new one.";
