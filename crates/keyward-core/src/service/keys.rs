//! Access keys of users and of the root user.

use std::sync::Arc;

use super::{KeyMetadata, Keyward, LAST_USED_WINDOW_SECS, NewAccessKey};
use crate::caller::{Caller, Principal};
use crate::crypto::Secret;
use crate::ids::{self, IdKind};
use crate::index::CredentialEntry;
use crate::model::{AccessKey, KeyLastUsed, KeyOwner, KeyStatus, User};
use crate::validate::{self, Violations};
use crate::{Error, Result};

impl Keyward {
    /// Resolves `UserName` (or its absence: the caller itself) to a key owner.
    /// Without a user name, root acts on root's own keys and a user on its own.
    pub async fn key_owner(
        &self,
        caller: &Caller,
        user_name: Option<&str>,
    ) -> Result<(KeyOwner, Option<User>)> {
        match user_name {
            Some(name) => {
                let mut v = Violations::new();
                v.name("userName", name, 128);
                v.finish()?;
                let user = self.user(&caller.account_id, name).await?;
                Ok((KeyOwner::User(user.user_id.clone()), Some(user)))
            }
            None => match &caller.principal {
                Principal::Root => Ok((KeyOwner::Root, None)),
                Principal::User { user_id, name, .. } => {
                    let user = self
                        .store
                        .user_by_id(user_id)
                        .await?
                        .ok_or_else(|| Error::no_such_user(name))?;
                    Ok((KeyOwner::User(user_id.clone()), Some(user)))
                }
                Principal::AssumedRole { .. } => Err(Error::Validation(
                    "Must specify userName when calling with non-User credentials".into(),
                )),
            },
        }
    }

    pub async fn create_access_key(
        &self,
        caller: &Caller,
        user_name: Option<&str>,
    ) -> Result<NewAccessKey> {
        let (owner, user) = self.key_owner(caller, user_name).await?;
        let (key, secret, audit) = self.new_access_key(caller, owner, user.as_ref());
        let quota = self.quotas.access_keys_per_user;
        self.store
            .create_access_key(&key, quota, &audit)
            .await
            .map_err(|e| match e {
                Error::LimitExceeded(_) => Error::LimitExceeded(format!(
                    "Cannot exceed quota for AccessKeysPerUser: {quota}"
                )),
                other => other,
            })?;
        Ok(NewAccessKey {
            key,
            user_name: user.map(|u| u.name),
            secret,
        })
    }

    /// A new active key of `owner` (sealed secret, the secret itself) and
    /// the audit event CreateAccessKey writes.
    pub(super) fn new_access_key(
        &self,
        caller: &Caller,
        owner: KeyOwner,
        user: Option<&User>,
    ) -> (AccessKey, Secret, crate::model::AuditEvent) {
        let access_key_id =
            ids::new_access_key_id(IdKind::AccessKey, &caller.account_id, self.rng());
        let secret = Secret::new(ids::new_secret_access_key(self.rng()));
        let key = AccessKey {
            sealed_secret: self.kek.seal(secret.expose(), &access_key_id, self.rng()),
            access_key_id,
            account_id: caller.account_id.clone(),
            owner,
            status: KeyStatus::Active,
            created: self.clock.now(),
            last_used: None,
        };
        let resource = user.map_or_else(
            || caller.arn_for("iam", "root"),
            |u| u.arn(caller.partition),
        );
        let audit = self.caller_audit(
            caller,
            "iam:CreateAccessKey",
            &resource,
            &serde_json::json!({ "accessKeyId": key.access_key_id }),
        );
        (key, secret, audit)
    }

    pub async fn list_access_keys(
        &self,
        caller: &Caller,
        user_name: Option<&str>,
    ) -> Result<Vec<KeyMetadata>> {
        let (owner, user) = self.key_owner(caller, user_name).await?;
        let keys = self.store.access_keys(&caller.account_id, &owner).await?;
        let name = user.map(|u| u.name);
        Ok(keys
            .into_iter()
            .map(|key| KeyMetadata {
                key,
                user_name: name.clone(),
            })
            .collect())
    }

    pub async fn update_access_key(
        &self,
        caller: &Caller,
        user_name: Option<&str>,
        access_key_id: &str,
        status: &str,
    ) -> Result<()> {
        let mut v = Violations::new();
        v.text(
            "accessKeyId",
            access_key_id,
            16,
            128,
            Some((r"[\w]+", validate::is_access_key_id)),
        );
        v.enum_value("status", status, &["Active", "Inactive", "Expired"]);
        v.finish()?;
        let status = KeyStatus::parse(status).ok_or_else(|| {
            Error::InvalidInput(format!("Status {status} is not valid for an access key."))
        })?;
        let (owner, _) = self.key_owner(caller, user_name).await?;
        let audit = self.caller_audit(
            caller,
            "iam:UpdateAccessKey",
            &caller.arn(),
            &serde_json::json!({ "accessKeyId": access_key_id, "status": status.as_str() }),
        );
        if !self
            .store
            .set_access_key_status(&caller.account_id, &owner, access_key_id, status, &audit)
            .await?
        {
            return Err(Error::no_such_access_key(access_key_id));
        }
        self.index.remove(access_key_id);
        Ok(())
    }

    pub async fn delete_access_key(
        &self,
        caller: &Caller,
        user_name: Option<&str>,
        access_key_id: &str,
    ) -> Result<()> {
        let mut v = Violations::new();
        v.text(
            "accessKeyId",
            access_key_id,
            16,
            128,
            Some((r"[\w]+", validate::is_access_key_id)),
        );
        v.finish()?;
        let (owner, _) = self.key_owner(caller, user_name).await?;
        let audit = self.caller_audit(
            caller,
            "iam:DeleteAccessKey",
            &caller.arn(),
            &serde_json::json!({ "accessKeyId": access_key_id }),
        );
        if !self
            .store
            .delete_access_key(&caller.account_id, &owner, access_key_id, &audit)
            .await?
        {
            return Err(Error::no_such_access_key(access_key_id));
        }
        self.index.remove(access_key_id);
        Ok(())
    }

    /// GetAccessKeyLastUsed: the key must belong to the caller's account.
    pub async fn access_key_last_used(
        &self,
        caller: &Caller,
        access_key_id: &str,
    ) -> Result<(Option<String>, Option<KeyLastUsed>)> {
        let mut v = Violations::new();
        v.text(
            "accessKeyId",
            access_key_id,
            16,
            128,
            Some((r"[\w]+", validate::is_access_key_id)),
        );
        v.finish()?;
        let key = self
            .store
            .access_key(access_key_id)
            .await?
            .filter(|k| k.account_id == caller.account_id)
            .ok_or_else(|| Error::AccessDenied(format!("User: {} is not authorized to perform: iam:GetAccessKeyLastUsed on resource: access key {access_key_id}", caller.arn())))?;
        let user_name = match &key.owner {
            KeyOwner::Root => None,
            KeyOwner::User(id) => self.store.user_by_id(id).await?.map(|u| u.name),
        };
        Ok((user_name, key.last_used))
    }

    /// Looks an access key up for SigV4: from the index, else from the store.
    /// `None` when no such key exists.
    pub async fn credential(&self, access_key_id: &str) -> Result<Option<Arc<CredentialEntry>>> {
        if let Some(e) = self.index.get(access_key_id) {
            return Ok(Some(e));
        }
        let generation = self.index.generation();
        let Some(key) = self.store.access_key(access_key_id).await? else {
            return Ok(None);
        };
        // A closed account's keys are never kept, so each use asks again.
        self.ensure_open(&key.account_id).await?;
        let principal = match &key.owner {
            KeyOwner::Root => Principal::Root,
            KeyOwner::User(id) => match self.store.user_by_id(id).await? {
                Some(u) => Principal::User {
                    user_id: u.user_id,
                    name: u.name,
                    path: u.path,
                },
                None => return Ok(None),
            },
        };
        let last = key.last_used.as_ref().map(|l| l.at.unix_timestamp());
        let entry = CredentialEntry::new(
            key.access_key_id,
            key.account_id,
            principal,
            key.status,
            key.sealed_secret,
            last,
        );
        Ok(Some(self.index.insert(entry, generation)))
    }

    /// Decrypts a key's secret for signature verification.
    pub fn open_secret(&self, entry: &CredentialEntry) -> Result<Secret> {
        self.kek
            .open(&entry.sealed_secret, &entry.access_key_id)
            .map_err(|e| Error::Storage(e.to_string()))
    }

    /// Records that a key was used, at most once per AWS's tracking window.
    pub async fn record_key_use(
        &self,
        entry: &CredentialEntry,
        service: &str,
        region: &str,
    ) -> Result<()> {
        let now = self.clock.now();
        if entry.claim_use_record(now.unix_timestamp(), LAST_USED_WINDOW_SECS) {
            let used = KeyLastUsed {
                at: now,
                service: service.to_owned(),
                region: region.to_owned(),
            };
            self.store
                .record_access_key_use(&entry.access_key_id, &used)
                .await?;
        }
        Ok(())
    }

    /// STS GetAccessKeyInfo: the account an access key id belongs to, read
    /// from the id itself (as AWS does: the key need not exist or be active).
    pub fn access_key_account(&self, access_key_id: &str) -> Result<String> {
        let mut v = Violations::new();
        v.text(
            "accessKeyId",
            access_key_id,
            16,
            128,
            Some((r"[\w]+", validate::is_access_key_id)),
        );
        v.finish()?;
        ids::account_of_access_key_id(access_key_id).ok_or_else(|| {
            Error::Validation(format!("The access key ID {access_key_id} is not valid."))
        })
    }
}
