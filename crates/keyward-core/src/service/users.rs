//! IAM users and their tags.

use std::sync::Arc;

use super::{Keyward, listing, tags};
use crate::caller::Caller;
use crate::directory::{AccountUsers, DIRECTORY_CAPACITY, Held};
use crate::ids::{self, IdKind};
use crate::model::{AuditEvent, Tag, User};
use crate::store::{Page, UserUpdate};
use crate::validate::Violations;
use crate::{Error, Result};

impl Keyward {
    pub async fn create_user(
        &self,
        caller: &Caller,
        name: &str,
        path: Option<&str>,
        permissions_boundary: Option<&str>,
        tags: Vec<Tag>,
    ) -> Result<User> {
        let (user, audit) = self
            .new_user(caller, name, path, permissions_boundary, tags)
            .await?;
        let created = self.store.create_user(&user, &audit).await;
        self.users_changed(&caller.account_id, created)?;
        Ok(user)
    }

    /// The checks CreateUser makes, and the user (with its audit event) it
    /// would store.
    pub(super) async fn new_user(
        &self,
        caller: &Caller,
        name: &str,
        path: Option<&str>,
        permissions_boundary: Option<&str>,
        tags: Vec<Tag>,
    ) -> Result<(User, AuditEvent)> {
        let path = path.unwrap_or("/");
        let mut v = Violations::new();
        v.name("userName", name, 64);
        v.path("path", path);
        if let Some(b) = permissions_boundary {
            v.text("permissionsBoundary", b, 20, 2048, None);
        }
        v.finish()?;
        self.check_tags(&tags)?;
        if let Some(b) = permissions_boundary {
            self.check_boundary(caller, b).await?;
        }
        if self.store.count_users(&caller.account_id).await? >= self.quotas.users_per_account {
            return Err(Error::LimitExceeded(format!(
                "Cannot exceed quota for UsersPerAccount: {}",
                self.quotas.users_per_account
            )));
        }
        let user = User {
            account_id: caller.account_id.clone(),
            user_id: ids::new_id(IdKind::User, self.rng()),
            name: name.to_owned(),
            path: path.to_owned(),
            created: self.clock.now(),
            password_last_used: None,
            permissions_boundary: permissions_boundary.map(str::to_owned),
            tags,
        };
        let audit = self.caller_audit(
            caller,
            "iam:CreateUser",
            &user.arn(caller.partition),
            &serde_json::json!({ "userName": name, "path": path, "permissionsBoundary": permissions_boundary }),
        );
        Ok((user, audit))
    }

    /// Finds a user of the caller's account in the store or fails with
    /// AWS's NoSuchEntity. `name` comes from a request: it is checked
    /// against the model first. Writes read the user this way (never from
    /// the directory, which may trail another replica's write by the
    /// change feed's delay).
    pub async fn user(&self, account_id: &str, name: &str) -> Result<User> {
        check_user_name(name)?;
        self.store
            .user(account_id, name)
            .await?
            .ok_or_else(|| Error::no_such_user(name))
    }

    /// GetUser's read: like [`Keyward::user`], from the account's users in
    /// memory when held.
    pub async fn read_user(&self, account_id: &str, name: &str) -> Result<User> {
        check_user_name(name)?;
        self.find_user(account_id, name)
            .await?
            .ok_or_else(|| Error::no_such_user(name))
    }

    /// The user named `name` (any letter case), if any: from the account's
    /// users in memory when held (reads and authorization, never writes).
    pub async fn find_user(&self, account_id: &str, name: &str) -> Result<Option<User>> {
        match self.account_users(account_id).await? {
            Held::Users(users) => Ok(users.user(name).cloned()),
            Held::TooLarge => self.store.user(account_id, name).await,
        }
    }

    pub async fn list_users(
        &self,
        caller: &Caller,
        path_prefix: Option<&str>,
        marker: Option<&str>,
        max_items: Option<i64>,
    ) -> Result<Page<User>> {
        let (prefix, max) = listing(path_prefix, marker, max_items)?;
        match self.account_users(&caller.account_id).await? {
            Held::Users(users) => Ok(users.list(prefix, marker, max)),
            Held::TooLarge => {
                self.store
                    .list_users(&caller.account_id, prefix, marker, max)
                    .await
            }
        }
    }

    /// The account's users as the directory holds them, loaded on first use.
    async fn account_users(&self, account_id: &str) -> Result<Held> {
        if let Some(held) = self.directory.get(account_id) {
            return Ok(held);
        }
        let loaded_at = self.directory.generation();
        let all = self
            .store
            .list_users(account_id, "/", None, DIRECTORY_CAPACITY)
            .await?;
        let users = all
            .next_marker
            .is_none()
            .then(|| Arc::new(AccountUsers::new(all.items)));
        self.directory.insert(account_id, users.clone(), loaded_at);
        Ok(users.map_or(Held::TooLarge, Held::Users))
    }

    /// After a write that may have changed the account's users: forgets
    /// them whatever the outcome (a failed commit may still have landed),
    /// then passes the outcome on.
    pub(super) fn users_changed<T>(&self, account_id: &str, outcome: Result<T>) -> Result<T> {
        self.directory.forget_account(account_id);
        outcome
    }

    pub async fn update_user(
        &self,
        caller: &Caller,
        name: &str,
        new_name: Option<&str>,
        new_path: Option<&str>,
    ) -> Result<User> {
        let mut v = Violations::new();
        v.name("userName", name, 128);
        if let Some(n) = new_name {
            v.name("newUserName", n, 64);
        }
        if let Some(p) = new_path {
            v.path("newPath", p);
        }
        v.finish()?;
        let user = self.user(&caller.account_id, name).await?;
        let update = UserUpdate {
            new_name: new_name.map(str::to_owned),
            new_path: new_path.map(str::to_owned),
        };
        let audit = self.caller_audit(
            caller,
            "iam:UpdateUser",
            &user.arn(caller.partition),
            &serde_json::json!({ "userName": name, "newUserName": new_name, "newPath": new_path }),
        );
        let updated = self
            .store
            .update_user(&caller.account_id, name, &update, &audit)
            .await;
        let updated = self.users_changed(&caller.account_id, updated)?;
        // The cached entries carry the old name and path in the caller's ARN.
        self.index.remove_user(&updated.user_id);
        Ok(updated)
    }

    pub async fn delete_user(&self, caller: &Caller, name: &str) -> Result<()> {
        let mut v = Violations::new();
        v.name("userName", name, 128);
        v.finish()?;
        let user = self.user(&caller.account_id, name).await?;
        let audit = self.caller_audit(
            caller,
            "iam:DeleteUser",
            &user.arn(caller.partition),
            &serde_json::json!({ "userName": name }),
        );
        let deleted = self
            .store
            .delete_user(&caller.account_id, name, &audit)
            .await;
        let deleted = self.users_changed(&caller.account_id, deleted)?;
        self.index.remove_user(&deleted.user_id);
        self.policies.forget(&deleted.user_id);
        Ok(())
    }

    pub async fn tag_user(&self, caller: &Caller, name: &str, tags: Vec<Tag>) -> Result<()> {
        self.check_tags(&tags)?;
        let user = self.user(&caller.account_id, name).await?;
        let merged = self.merge_tags(&user.tags, tags)?;
        let keys: Vec<&str> = merged.iter().map(|t| t.key.as_str()).collect();
        let audit = self.caller_audit(
            caller,
            "iam:TagUser",
            &user.arn(caller.partition),
            &serde_json::json!({ "userName": name, "tagKeys": keys }),
        );
        let tagged = self
            .store
            .set_user_tags(&caller.account_id, &user.name, &merged, &audit)
            .await;
        self.users_changed(&caller.account_id, tagged)?;
        self.policies.forget(&user.user_id);
        Ok(())
    }

    pub async fn untag_user(&self, caller: &Caller, name: &str, keys: &[String]) -> Result<()> {
        tags::check_tag_keys(keys)?;
        let user = self.user(&caller.account_id, name).await?;
        let kept = tags::without_keys(&user.tags, keys);
        let audit = self.caller_audit(
            caller,
            "iam:UntagUser",
            &user.arn(caller.partition),
            &serde_json::json!({ "userName": name, "tagKeys": keys }),
        );
        let tagged = self
            .store
            .set_user_tags(&caller.account_id, &user.name, &kept, &audit)
            .await;
        self.users_changed(&caller.account_id, tagged)?;
        self.policies.forget(&user.user_id);
        Ok(())
    }
}

fn check_user_name(name: &str) -> Result<()> {
    let mut v = Violations::new();
    v.name("userName", name, 128);
    v.finish()
}
