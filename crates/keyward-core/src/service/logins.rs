//! Console passwords of IAM users (login profiles) and ChangePassword.

use super::Keyward;
use crate::caller::{Caller, Principal};
use crate::crypto::Secret;
use crate::model::{AuditEvent, LoginProfile, User};
use crate::validate::Violations;
use crate::{Error, Result, password};

/// `[\u0009\u000A\u000D\u0020-\u00FF]+`, 1–128 characters.
pub(super) fn check_password_shape(v: &mut Violations, field: &str, p: &Secret) {
    let s = p.expose();
    let len = s.chars().count();
    if !(1..=128).contains(&len)
        || !s
            .chars()
            .all(|c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{ff}'))
    {
        // The value is a secret: AWS does not echo it, and neither do we.
        v.secret(field, "Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+");
    }
}

impl Keyward {
    async fn check_new_password(&self, user: &User, new_password: &Secret) -> Result<()> {
        let policy = self.store.password_policy(&user.account_id).await?;
        password::check_user_password(new_password, policy.as_ref(), &user.name)
            .map_err(Error::PasswordPolicyViolation)?;
        let reuse = policy.as_ref().map_or(0, |p| p.password_reuse_prevention) as usize;
        if reuse > 0 {
            let mut earlier = self
                .store
                .password_history(&user.user_id, reuse - 1)
                .await?;
            if let Some(current) = self.store.login_profile(&user.user_id).await? {
                earlier.insert(0, current.password_hash);
            }
            if earlier
                .iter()
                .take(reuse)
                .any(|h| password::verify(new_password, h))
            {
                return Err(Error::PasswordPolicyViolation(
                    "Password does not conform to the account password policy.".into(),
                ));
            }
        }
        Ok(())
    }

    pub async fn create_login_profile(
        &self,
        caller: &Caller,
        user_name: &str,
        new_password: &Secret,
        reset_required: bool,
    ) -> Result<LoginProfile> {
        let mut v = Violations::new();
        v.name("userName", user_name, 128);
        check_password_shape(&mut v, "password", new_password);
        v.finish()?;
        let user = self.user(&caller.account_id, user_name).await?;
        if self.store.login_profile(&user.user_id).await?.is_some() {
            return Err(Error::EntityAlreadyExists(format!(
                "Login Profile for user {} already exists.",
                user.name
            )));
        }
        let (profile, audit) = self
            .new_login_profile(caller, &user, new_password, reset_required)
            .await?;
        self.store
            .create_login_profile(&profile, &audit)
            .await
            .map_err(|e| match e {
                Error::EntityAlreadyExists(_) => Error::EntityAlreadyExists(format!(
                    "Login Profile for user {} already exists.",
                    user.name
                )),
                other => other,
            })?;
        Ok(profile)
    }

    /// The password checks CreateLoginProfile makes once the password's shape
    /// is checked, and the profile (with its audit event) it would store.
    pub(super) async fn new_login_profile(
        &self,
        caller: &Caller,
        user: &User,
        new_password: &Secret,
        reset_required: bool,
    ) -> Result<(LoginProfile, AuditEvent)> {
        self.check_new_password(user, new_password).await?;
        let now = self.clock.now();
        let profile = LoginProfile {
            user_id: user.user_id.clone(),
            account_id: user.account_id.clone(),
            password_hash: password::hash(new_password, self.rng()),
            created: now,
            password_reset_required: reset_required,
            password_changed: now,
        };
        let audit = self.caller_audit(
            caller,
            "iam:CreateLoginProfile",
            &user.arn(caller.partition),
            &serde_json::json!({ "userName": user.name, "passwordResetRequired": reset_required }),
        );
        Ok((profile, audit))
    }

    /// The user and its login profile, or AWS's NoSuchEntity.
    pub async fn login_profile(
        &self,
        caller: &Caller,
        user_name: &str,
    ) -> Result<(User, LoginProfile)> {
        let user = self.user(&caller.account_id, user_name).await?;
        let profile = self
            .store
            .login_profile(&user.user_id)
            .await?
            .ok_or_else(|| {
                Error::NoSuchEntity(format!(
                    "Login Profile for User {} cannot be found.",
                    user.name
                ))
            })?;
        Ok((user, profile))
    }

    pub async fn update_login_profile(
        &self,
        caller: &Caller,
        user_name: &str,
        new_password: Option<&Secret>,
        reset_required: Option<bool>,
    ) -> Result<()> {
        let mut v = Violations::new();
        v.name("userName", user_name, 128);
        if let Some(p) = new_password {
            check_password_shape(&mut v, "password", p);
        }
        v.finish()?;
        let (user, mut profile) = self.login_profile(caller, user_name).await?;
        if let Some(p) = new_password {
            self.check_new_password(&user, p).await?;
            profile.password_hash = password::hash(p, self.rng());
            profile.password_changed = self.clock.now();
        }
        if let Some(r) = reset_required {
            profile.password_reset_required = r;
        }
        let audit = self.caller_audit(caller, "iam:UpdateLoginProfile", &user.arn(caller.partition), &serde_json::json!({ "userName": user.name, "passwordChanged": new_password.is_some(), "passwordResetRequired": reset_required }));
        if !self
            .store
            .update_login_profile(&caller.account_id, &profile, &audit)
            .await?
        {
            return Err(Error::NoSuchEntity(format!(
                "Login Profile for User {} cannot be found.",
                user.name
            )));
        }
        Ok(())
    }

    pub async fn delete_login_profile(&self, caller: &Caller, user_name: &str) -> Result<()> {
        let (user, _) = self.login_profile(caller, user_name).await?;
        let audit = self.caller_audit(
            caller,
            "iam:DeleteLoginProfile",
            &user.arn(caller.partition),
            &serde_json::json!({ "userName": user.name }),
        );
        if !self
            .store
            .delete_login_profile(&caller.account_id, &user.user_id, &audit)
            .await?
        {
            return Err(Error::NoSuchEntity(format!(
                "Login Profile for User {} cannot be found.",
                user.name
            )));
        }
        Ok(())
    }

    /// ChangePassword: an IAM user changes its own console password.
    pub async fn change_password(
        &self,
        caller: &Caller,
        old_password: &Secret,
        new_password: &Secret,
    ) -> Result<()> {
        let mut v = Violations::new();
        check_password_shape(&mut v, "oldPassword", old_password);
        check_password_shape(&mut v, "newPassword", new_password);
        v.finish()?;
        let Principal::User { name, .. } = &caller.principal else {
            return Err(Error::InvalidUserType("Only IAM users can change their own password; the root user's password is changed in the console.".into()));
        };
        let (user, mut profile) = self.login_profile(caller, name).await?;
        if !password::verify(old_password, &profile.password_hash) {
            return Err(Error::InvalidInput("The old password is incorrect.".into()));
        }
        self.check_new_password(&user, new_password).await?;
        profile.password_hash = password::hash(new_password, self.rng());
        profile.password_changed = self.clock.now();
        profile.password_reset_required = false;
        let audit = self.caller_audit(
            caller,
            "iam:ChangePassword",
            &user.arn(caller.partition),
            &serde_json::json!({ "userName": user.name }),
        );
        self.store
            .update_login_profile(&caller.account_id, &profile, &audit)
            .await?;
        Ok(())
    }
}
