//! Account settings: the alias, the IAM password policy, and the summary.

use super::{Keyward, check_alias, is_plausible_email};
use crate::caller::Caller;
use crate::model::{AccountContact, AccountCounts, PasswordPolicy};
use crate::validate::Violations;
use crate::{Error, Result};

/// The optional parameters of UpdateAccountPasswordPolicy, as received.
#[derive(Debug, Clone, Default)]
pub struct PasswordPolicyInput {
    pub minimum_password_length: Option<i64>,
    pub require_symbols: Option<bool>,
    pub require_numbers: Option<bool>,
    pub require_uppercase_characters: Option<bool>,
    pub require_lowercase_characters: Option<bool>,
    pub allow_users_to_change_password: Option<bool>,
    pub max_password_age: Option<i64>,
    pub password_reuse_prevention: Option<i64>,
    pub hard_expiry: Option<bool>,
}

impl Keyward {
    pub async fn create_account_alias(&self, caller: &Caller, alias: &str) -> Result<()> {
        check_alias(alias)?;
        let account = self.account(&caller.account_id).await?;
        if account.alias.as_deref() == Some(alias) {
            return Ok(());
        }
        if account.alias.is_some() {
            return Err(Error::LimitExceeded(
                "Cannot exceed quota for AccountAliasesPerAccount: 1".into(),
            ));
        }
        let audit = self.caller_audit(
            caller,
            "iam:CreateAccountAlias",
            &caller.arn_for("iam", "root"),
            &serde_json::json!({ "accountAlias": alias }),
        );
        self.store
            .set_account_alias(&caller.account_id, Some(alias), &audit)
            .await
    }

    pub async fn delete_account_alias(&self, caller: &Caller, alias: &str) -> Result<()> {
        check_alias(alias)?;
        let account = self.account(&caller.account_id).await?;
        if account.alias.as_deref() != Some(alias) {
            return Err(Error::NoSuchEntity(format!(
                "The account alias {alias} does not exist."
            )));
        }
        let audit = self.caller_audit(
            caller,
            "iam:DeleteAccountAlias",
            &caller.arn_for("iam", "root"),
            &serde_json::json!({ "accountAlias": alias }),
        );
        self.store
            .set_account_alias(&caller.account_id, None, &audit)
            .await
    }

    pub async fn account_aliases(&self, caller: &Caller) -> Result<Vec<String>> {
        Ok(self
            .account(&caller.account_id)
            .await?
            .alias
            .into_iter()
            .collect())
    }

    /// UpdateAccountPasswordPolicy: not a partial update; omitted settings take their defaults.
    pub async fn update_password_policy(
        &self,
        caller: &Caller,
        input: &PasswordPolicyInput,
    ) -> Result<PasswordPolicy> {
        let mut v = Violations::new();
        if let Some(n) = input.minimum_password_length {
            v.range("minimumPasswordLength", n, 6, 128);
        }
        if let Some(n) = input.max_password_age {
            v.range("maxPasswordAge", n, 1, 1095);
        }
        if let Some(n) = input.password_reuse_prevention {
            v.range("passwordReusePrevention", n, 1, 24);
        }
        v.finish()?;
        let d = PasswordPolicy::default();
        let to_u32 =
            |n: Option<i64>, default: u32| n.and_then(|n| u32::try_from(n).ok()).unwrap_or(default);
        let policy = PasswordPolicy {
            minimum_password_length: to_u32(
                input.minimum_password_length,
                d.minimum_password_length,
            ),
            require_symbols: input.require_symbols.unwrap_or(d.require_symbols),
            require_numbers: input.require_numbers.unwrap_or(d.require_numbers),
            require_uppercase_characters: input
                .require_uppercase_characters
                .unwrap_or(d.require_uppercase_characters),
            require_lowercase_characters: input
                .require_lowercase_characters
                .unwrap_or(d.require_lowercase_characters),
            allow_users_to_change_password: input
                .allow_users_to_change_password
                .unwrap_or(d.allow_users_to_change_password),
            max_password_age: to_u32(input.max_password_age, d.max_password_age),
            password_reuse_prevention: to_u32(
                input.password_reuse_prevention,
                d.password_reuse_prevention,
            ),
            hard_expiry: input.hard_expiry.unwrap_or(d.hard_expiry),
        };
        let audit = self.caller_audit(
            caller,
            "iam:UpdateAccountPasswordPolicy",
            &caller.arn_for("iam", "root"),
            &serde_json::to_value(&policy).unwrap_or_default(),
        );
        self.store
            .set_password_policy(&caller.account_id, &policy, &audit)
            .await?;
        Ok(policy)
    }

    pub async fn password_policy(&self, caller: &Caller) -> Result<PasswordPolicy> {
        self.store
            .password_policy(&caller.account_id)
            .await?
            .ok_or_else(|| {
                Error::NoSuchEntity(format!(
                    "The Password Policy with domain name {} cannot be found.",
                    caller.account_id
                ))
            })
    }

    pub async fn delete_password_policy(&self, caller: &Caller) -> Result<()> {
        let audit = self.caller_audit(
            caller,
            "iam:DeleteAccountPasswordPolicy",
            &caller.arn_for("iam", "root"),
            &serde_json::json!({}),
        );
        if !self
            .store
            .delete_password_policy(&caller.account_id, &audit)
            .await?
        {
            return Err(Error::NoSuchEntity(format!(
                "The Password Policy with domain name {} cannot be found.",
                caller.account_id
            )));
        }
        Ok(())
    }

    /// The account's name and contact email (root only).
    pub async fn account_contact(&self, caller: &Caller) -> Result<AccountContact> {
        root_only(caller)?;
        self.store.account_contact(&caller.account_id).await
    }

    /// Sets the account's name (1–50 characters) and contact email (root only).
    pub async fn set_account_contact(
        &self,
        caller: &Caller,
        name: &str,
        contact_email: &str,
    ) -> Result<()> {
        root_only(caller)?;
        let name = name.trim();
        let contact_email = contact_email.trim();
        let name_ok =
            (1..=50).contains(&name.chars().count()) && !name.chars().any(char::is_control);
        if !name_ok {
            return Err(Error::InvalidInput(
                "The account name must be 1 to 50 characters long.".into(),
            ));
        }
        if !is_plausible_email(contact_email) {
            return Err(Error::InvalidInput(format!(
                "'{contact_email}' is not a valid email address."
            )));
        }
        let contact = AccountContact {
            name: name.to_owned(),
            contact_email: contact_email.to_owned(),
        };
        let audit = self.caller_audit(
            caller,
            "account:PutContactInformation",
            &caller.arn_for("iam", "root"),
            &serde_json::json!({ "accountName": name, "contactEmail": contact_email }),
        );
        self.store
            .set_account_contact(&caller.account_id, &contact, &audit)
            .await
    }

    pub async fn account_counts(&self, caller: &Caller) -> Result<AccountCounts> {
        self.store.account_counts(&caller.account_id).await
    }
}

/// Account settings are the root user's alone, whatever an IAM user's policies.
fn root_only(caller: &Caller) -> Result<()> {
    if caller.is_root() {
        Ok(())
    } else {
        Err(Error::AccessDenied(format!(
            "User: {} is not authorized to perform this task because it requires the root user's credentials",
            caller.arn()
        )))
    }
}
