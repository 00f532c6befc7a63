//! Accounts and the root user's sign-in.

use super::{CLI_ACTOR, DUMMY_PHC, Keyward, check_alias, is_plausible_email};
use crate::caller::{Caller, Principal};
use crate::crypto::Secret;
use crate::model::Account;
use crate::{Error, Result, ids, password};

/// How long a closed account can still be reopened (AWS's post-closure period).
pub const POST_CLOSURE_PERIOD: time::Duration = time::Duration::days(90);

impl Keyward {
    /// Creates an account with its root user (a local administrative command).
    pub async fn create_account(
        &self,
        email: &str,
        password: &Secret,
        alias: Option<&str>,
        account_id: Option<&str>,
    ) -> Result<Account> {
        let email = email.trim();
        if !is_plausible_email(email) {
            return Err(Error::Rejected(format!(
                "'{email}' is not a valid email address."
            )));
        }
        if let Some(a) = alias {
            check_alias(a)?;
        }
        password::check_root_password(password, email, alias).map_err(Error::Rejected)?;
        let account_id = match account_id {
            Some(id) if ids::is_account_id(id) => id.to_owned(),
            Some(id) => {
                return Err(Error::Rejected(format!(
                    "'{id}' is not a 12-digit account id."
                )));
            }
            None => ids::new_account_id(self.rng()),
        };
        let account = Account {
            account_id: account_id.clone(),
            email: email.to_owned(),
            alias: alias.map(str::to_owned),
            root_password_hash: password::hash(password, self.rng()),
            created: self.clock.now(),
            closed: None,
            root_password_last_used: None,
        };
        let audit = self.audit(
            &account_id,
            CLI_ACTOR,
            "keyward:CreateAccount",
            &format!("arn:aws:iam::{account_id}:root"),
            &serde_json::json!({ "email": email, "alias": alias }),
        );
        self.store.create_account(&account, &audit).await?;
        Ok(account)
    }

    /// Signs the root user in with email and password (CLI and console).
    pub async fn root_sign_in(&self, email: &str, password: &Secret) -> Result<Account> {
        let account = self.store.account_by_email(email.trim()).await?;
        // Verify against a fixed hash when the email is unknown, so both paths cost the same.
        let phc = account
            .as_ref()
            .map_or(DUMMY_PHC, |a| a.root_password_hash.as_str());
        let ok = password::verify(password, phc);
        match account {
            Some(a) if ok => Ok(a),
            _ => Err(Error::Rejected(
                "The email address or password is incorrect.".into(),
            )),
        }
    }

    /// Closes the account (root only, after the console's confirmation and
    /// re-authentication): from now on its access keys and sessions are
    /// refused with `OptInRequired` and nobody signs in to it.
    pub async fn close_account(&self, caller: &Caller) -> Result<()> {
        if !caller.is_root() {
            return Err(Error::AccessDenied(format!(
                "User: {} is not authorized to perform: account:CloseAccount because this task requires the root user's credentials",
                caller.arn()
            )));
        }
        let audit = self.caller_audit(
            caller,
            "account:CloseAccount",
            &caller.arn_for("iam", "root"),
            &serde_json::json!({}),
        );
        let now = self.clock.now().unix_timestamp();
        let closed = self
            .store
            .set_account_closed(&caller.account_id, Some(now), &audit)
            .await?;
        self.index.remove_account(&caller.account_id);
        self.policies.forget_account(&caller.account_id);
        self.directory.forget_account(&caller.account_id);
        self.roles.forget_account(&caller.account_id);
        if closed {
            Ok(())
        } else {
            Err(Error::account_closed())
        }
    }

    /// Reopens a closed account (a local administrative command): AWS
    /// reopens an account on request during the 90 days after its closure,
    /// never later. Its keys, sessions and sign-ins work again.
    pub async fn reopen_account(&self, account_id: &str) -> Result<()> {
        let account = self.account(account_id).await?;
        let Some(closed) = account.closed else {
            return Err(Error::Rejected(format!(
                "The account {account_id} is not closed."
            )));
        };
        let now = self.clock.now();
        if now - closed > POST_CLOSURE_PERIOD {
            return Err(Error::Rejected(format!(
                "The account {account_id} was closed on {} and is closed for good: an account can be reopened only within {} days of its closure.",
                closed.date(),
                POST_CLOSURE_PERIOD.whole_days()
            )));
        }
        let audit = self.audit(
            account_id,
            CLI_ACTOR,
            "keyward:ReopenAccount",
            &format!("arn:aws:iam::{account_id}:root"),
            &serde_json::json!({}),
        );
        if !self
            .store
            .set_account_closed(account_id, None, &audit)
            .await?
        {
            return Err(Error::Rejected(format!(
                "The account {account_id} is not closed."
            )));
        }
        self.index.remove_account(account_id);
        self.policies.forget_account(account_id);
        Ok(())
    }

    /// Refuses a closed account's credentials (keys loaded from the store,
    /// sessions opened from their token).
    pub(super) async fn ensure_open(&self, account_id: &str) -> Result<()> {
        match self.store.account(account_id).await? {
            Some(a) if a.closed.is_some() => Err(Error::account_closed()),
            _ => Ok(()),
        }
    }

    pub async fn account(&self, account_id: &str) -> Result<Account> {
        self.store
            .account(account_id)
            .await?
            .ok_or_else(|| Error::NoSuchEntity(format!("The account {account_id} does not exist.")))
    }

    /// A root-user caller for local administrative commands on `account_id`.
    pub fn root_caller(&self, account_id: &str) -> Caller {
        Caller {
            account_id: account_id.to_owned(),
            principal: Principal::Root,
            access_key_id: String::new(),
            partition: "aws",
            region: "us-east-1".into(),
            service: "iam".into(),
            source_ip: None,
            secure_transport: true,
            session: None,
        }
    }
}
