//! The operations: business rules for accounts, users and access keys. Each
//! method validates its input, then makes one store call (one transaction) that
//! writes the change and its audit event together.

use std::sync::Arc;

use time::OffsetDateTime;

use crate::authz::{self, AppliedPolicy, ManagedCatalog, PolicyCache};
use crate::caller::{Caller, Principal};
use crate::clock::Clock;
use crate::crypto::{Kek, Secret};
use crate::ids::{self, IdKind};
use crate::index::{CredentialEntry, CredentialIndex};
use crate::model::{AccessKey, Account, AttachedPolicy, AuditEvent, KeyLastUsed, KeyOwner, KeyStatus, Tag, User};
use crate::random::Random;
use crate::store::{Page, Store, UserUpdate};
use crate::validate::{self, Violations};
use crate::{Error, Result, password};

/// AWS's default quotas that this service enforces.
#[derive(Debug, Clone)]
pub struct Quotas {
    pub users_per_account: u64,
    pub access_keys_per_user: usize,
    pub tags_per_resource: usize,
    pub attached_policies_per_user: usize,
}

impl Default for Quotas {
    fn default() -> Self {
        Self { users_per_account: 5000, access_keys_per_user: 2, tags_per_resource: 50, attached_policies_per_user: 10 }
    }
}

/// Last use of an access key is written at most once per this many seconds
/// (AWS records the first use in each 15-minute window).
const LAST_USED_WINDOW_SECS: i64 = 15 * 60;

/// Actor name in audit events for local administrative commands.
pub const CLI_ACTOR: &str = "keyward-cli";

/// An access key as created: the only moment its secret is seen.
#[derive(Debug, Clone)]
pub struct NewAccessKey {
    pub key: AccessKey,
    /// The owner's user name; `None` for root.
    pub user_name: Option<String>,
    pub secret: Secret,
}

/// An access key with the owner's user name, as ListAccessKeys returns it.
#[derive(Debug, Clone)]
pub struct KeyMetadata {
    pub key: AccessKey,
    pub user_name: Option<String>,
}

/// The application's domain service: shared by the API, the console and the CLI.
#[derive(Debug, Clone)]
pub struct Keyward {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    rng: Arc<dyn Random>,
    kek: Arc<Kek>,
    index: Arc<CredentialIndex>,
    catalog: Arc<ManagedCatalog>,
    policies: Arc<PolicyCache>,
    quotas: Quotas,
}

impl Keyward {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, rng: Arc<dyn Random>, kek: Kek) -> Self {
        Self {
            store,
            clock,
            rng,
            kek: Arc::new(kek),
            index: Arc::new(CredentialIndex::default()),
            catalog: Arc::new(ManagedCatalog::load()),
            policies: Arc::new(PolicyCache::default()),
            quotas: Quotas::default(),
        }
    }

    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    pub fn rng(&self) -> &dyn Random {
        self.rng.as_ref()
    }

    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    pub fn quotas(&self) -> &Quotas {
        &self.quotas
    }

    fn audit(&self, account_id: &str, actor: &str, action: &str, resource: &str, detail: &serde_json::Value) -> AuditEvent {
        AuditEvent {
            at: self.clock.now(),
            account_id: account_id.to_owned(),
            actor: actor.to_owned(),
            action: action.to_owned(),
            resource: resource.to_owned(),
            detail: detail.to_string(),
        }
    }

    fn caller_audit(&self, caller: &Caller, action: &str, resource: &str, detail: &serde_json::Value) -> AuditEvent {
        self.audit(&caller.account_id, &caller.arn(), action, resource, detail)
    }

    // ------------------------------------------------------------------ accounts

    /// Creates an account with its root user (a local administrative command).
    pub async fn create_account(&self, email: &str, password: &Secret, alias: Option<&str>, account_id: Option<&str>) -> Result<Account> {
        let email = email.trim();
        if !is_plausible_email(email) {
            return Err(Error::Rejected(format!("'{email}' is not a valid email address.")));
        }
        if let Some(a) = alias {
            check_alias(a)?;
        }
        password::check_root_password(password, email, alias).map_err(Error::Rejected)?;
        let account_id = match account_id {
            Some(id) if ids::is_account_id(id) => id.to_owned(),
            Some(id) => return Err(Error::Rejected(format!("'{id}' is not a 12-digit account id."))),
            None => ids::new_account_id(self.rng()),
        };
        let account = Account {
            account_id: account_id.clone(),
            email: email.to_owned(),
            alias: alias.map(str::to_owned),
            root_password_hash: password::hash(password, self.rng()),
            created: self.clock.now(),
        };
        let audit = self.audit(&account_id, CLI_ACTOR, "keyward:CreateAccount", &format!("arn:aws:iam::{account_id}:root"), &serde_json::json!({ "email": email, "alias": alias }));
        self.store.create_account(&account, &audit).await?;
        Ok(account)
    }

    /// Signs the root user in with email and password (CLI and console).
    pub async fn root_sign_in(&self, email: &str, password: &Secret) -> Result<Account> {
        let account = self.store.account_by_email(email.trim()).await?;
        // Verify against a fixed hash when the email is unknown, so both paths cost the same.
        let phc = account.as_ref().map_or(DUMMY_PHC, |a| a.root_password_hash.as_str());
        let ok = password::verify(password, phc);
        match account {
            Some(a) if ok => Ok(a),
            _ => Err(Error::Rejected("The email address or password is incorrect.".into())),
        }
    }

    pub async fn account(&self, account_id: &str) -> Result<Account> {
        self.store.account(account_id).await?.ok_or_else(|| Error::NoSuchEntity(format!("The account {account_id} does not exist.")))
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
        }
    }

    // --------------------------------------------------------------------- users

    pub async fn create_user(&self, caller: &Caller, name: &str, path: Option<&str>, tags: Vec<Tag>) -> Result<User> {
        let path = path.unwrap_or("/");
        let mut v = Violations::new();
        v.name("userName", name, 64);
        v.path("path", path);
        v.finish()?;
        self.check_tags(&tags)?;
        if self.store.count_users(&caller.account_id).await? >= self.quotas.users_per_account {
            return Err(Error::LimitExceeded(format!("Cannot exceed quota for UsersPerAccount: {}", self.quotas.users_per_account)));
        }
        let user = User {
            account_id: caller.account_id.clone(),
            user_id: ids::new_id(IdKind::User, self.rng()),
            name: name.to_owned(),
            path: path.to_owned(),
            created: self.clock.now(),
            password_last_used: None,
            permissions_boundary: None,
            tags,
        };
        let audit = self.caller_audit(caller, "iam:CreateUser", &user.arn(caller.partition), &serde_json::json!({ "userName": name, "path": path }));
        self.store.create_user(&user, &audit).await?;
        Ok(user)
    }

    /// Finds a user of the caller's account or fails with AWS's NoSuchEntity.
    pub async fn user(&self, account_id: &str, name: &str) -> Result<User> {
        self.store.user(account_id, name).await?.ok_or_else(|| Error::no_such_user(name))
    }

    pub async fn list_users(&self, caller: &Caller, path_prefix: Option<&str>, marker: Option<&str>, max_items: Option<i64>) -> Result<Page<User>> {
        let max = page_size(max_items)?;
        let prefix = path_prefix.unwrap_or("/");
        let mut v = Violations::new();
        v.text("pathPrefix", prefix, 1, 512, Some((r"\u002F[\u0021-\u007F]*", |s: &str| s.starts_with('/') && s.bytes().all(|b| (0x21..=0x7f).contains(&b)))));
        if let Some(m) = marker {
            v.text("marker", m, 1, 320, Some((r"[\u0020-\u00FF]+", |s: &str| s.chars().all(|c| ('\u{20}'..='\u{ff}').contains(&c)))));
        }
        v.finish()?;
        self.store.list_users(&caller.account_id, prefix, marker, max).await
    }

    pub async fn update_user(&self, caller: &Caller, name: &str, new_name: Option<&str>, new_path: Option<&str>) -> Result<User> {
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
        let update = UserUpdate { new_name: new_name.map(str::to_owned), new_path: new_path.map(str::to_owned) };
        let audit = self.caller_audit(caller, "iam:UpdateUser", &user.arn(caller.partition), &serde_json::json!({ "userName": name, "newUserName": new_name, "newPath": new_path }));
        let updated = self.store.update_user(&caller.account_id, name, &update, &audit).await?;
        // The cached entries carry the old name and path in the caller's ARN.
        self.index.remove_user(&updated.user_id);
        Ok(updated)
    }

    pub async fn delete_user(&self, caller: &Caller, name: &str) -> Result<()> {
        let mut v = Violations::new();
        v.name("userName", name, 128);
        v.finish()?;
        let user = self.user(&caller.account_id, name).await?;
        let audit = self.caller_audit(caller, "iam:DeleteUser", &user.arn(caller.partition), &serde_json::json!({ "userName": name }));
        let deleted = self.store.delete_user(&caller.account_id, name, &audit).await?;
        self.index.remove_user(&deleted.user_id);
        self.policies.forget(&deleted.user_id);
        Ok(())
    }

    pub async fn tag_user(&self, caller: &Caller, name: &str, tags: Vec<Tag>) -> Result<()> {
        self.check_tags(&tags)?;
        let user = self.user(&caller.account_id, name).await?;
        let mut merged = user.tags.clone();
        for tag in tags {
            match merged.iter_mut().find(|t| t.key.eq_ignore_ascii_case(&tag.key)) {
                Some(existing) => *existing = tag,
                None => merged.push(tag),
            }
        }
        if merged.len() > self.quotas.tags_per_resource {
            return Err(Error::LimitExceeded(format!("The number of tags has reached the maximum limit of {}.", self.quotas.tags_per_resource)));
        }
        let keys: Vec<&str> = merged.iter().map(|t| t.key.as_str()).collect();
        let audit = self.caller_audit(caller, "iam:TagUser", &user.arn(caller.partition), &serde_json::json!({ "userName": name, "tagKeys": keys }));
        self.store.set_user_tags(&caller.account_id, &user.name, &merged, &audit).await
    }

    pub async fn untag_user(&self, caller: &Caller, name: &str, keys: &[String]) -> Result<()> {
        let mut v = Violations::new();
        for (i, k) in keys.iter().enumerate() {
            v.text(&format!("tagKeys.{}", i + 1), k, 1, 128, Some((r"[\p{L}\p{Z}\p{N}_.:/=+\-@]+", validate::is_tag_text)));
        }
        v.finish()?;
        let user = self.user(&caller.account_id, name).await?;
        let kept: Vec<Tag> = user.tags.iter().filter(|t| !keys.iter().any(|k| k.eq_ignore_ascii_case(&t.key))).cloned().collect();
        let audit = self.caller_audit(caller, "iam:UntagUser", &user.arn(caller.partition), &serde_json::json!({ "userName": name, "tagKeys": keys }));
        self.store.set_user_tags(&caller.account_id, &user.name, &kept, &audit).await
    }

    fn check_tags(&self, tags: &[Tag]) -> Result<()> {
        let mut v = Violations::new();
        for (i, t) in tags.iter().enumerate() {
            v.text(&format!("tags.{}.member.key", i + 1), &t.key, 1, 128, Some((r"[\p{L}\p{Z}\p{N}_.:/=+\-@]+", validate::is_tag_text)));
            v.text(&format!("tags.{}.member.value", i + 1), &t.value, 0, 256, Some((r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*", validate::is_tag_text)));
        }
        v.finish()?;
        if tags.len() > self.quotas.tags_per_resource {
            return Err(Error::LimitExceeded(format!("The number of tags has reached the maximum limit of {}.", self.quotas.tags_per_resource)));
        }
        for (i, t) in tags.iter().enumerate() {
            if t.key.len() >= 4 && t.key[..4].eq_ignore_ascii_case("aws:") {
                return Err(Error::InvalidInput("User-defined tag keys can't start with \"aws:\". This prefix is reserved for AWS system tags.".into()));
            }
            if tags[..i].iter().any(|o| o.key.eq_ignore_ascii_case(&t.key)) {
                return Err(Error::InvalidInput("Duplicate tag keys found. Please note that Tag keys are case insensitive.".into()));
            }
        }
        Ok(())
    }

    // --------------------------------------------------------------- access keys

    /// Resolves `UserName` (or its absence: the caller itself) to a key owner.
    /// Without a user name, root acts on root's own keys and a user on its own.
    pub async fn key_owner(&self, caller: &Caller, user_name: Option<&str>) -> Result<(KeyOwner, Option<User>)> {
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
                    let user = self.store.user_by_id(user_id).await?.ok_or_else(|| Error::no_such_user(name))?;
                    Ok((KeyOwner::User(user_id.clone()), Some(user)))
                }
            },
        }
    }

    pub async fn create_access_key(&self, caller: &Caller, user_name: Option<&str>) -> Result<NewAccessKey> {
        let (owner, user) = self.key_owner(caller, user_name).await?;
        let access_key_id = ids::new_id(IdKind::AccessKey, self.rng());
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
        let resource = user.as_ref().map_or_else(|| caller.arn_for("iam", "root"), |u| u.arn(caller.partition));
        let audit = self.caller_audit(caller, "iam:CreateAccessKey", &resource, &serde_json::json!({ "accessKeyId": key.access_key_id }));
        let quota = self.quotas.access_keys_per_user;
        self.store.create_access_key(&key, quota, &audit).await.map_err(|e| match e {
            Error::LimitExceeded(_) => Error::LimitExceeded(format!("Cannot exceed quota for AccessKeysPerUser: {quota}")),
            other => other,
        })?;
        Ok(NewAccessKey { key, user_name: user.map(|u| u.name), secret })
    }

    pub async fn list_access_keys(&self, caller: &Caller, user_name: Option<&str>) -> Result<Vec<KeyMetadata>> {
        let (owner, user) = self.key_owner(caller, user_name).await?;
        let keys = self.store.access_keys(&caller.account_id, &owner).await?;
        let name = user.map(|u| u.name);
        Ok(keys.into_iter().map(|key| KeyMetadata { key, user_name: name.clone() }).collect())
    }

    pub async fn update_access_key(&self, caller: &Caller, user_name: Option<&str>, access_key_id: &str, status: &str) -> Result<()> {
        let mut v = Violations::new();
        v.text("accessKeyId", access_key_id, 16, 128, Some((r"[\w]+", validate::is_access_key_id)));
        v.enum_value("status", status, &["Active", "Inactive", "Expired"]);
        v.finish()?;
        let status = KeyStatus::parse(status).ok_or_else(|| Error::InvalidInput(format!("Status {status} is not valid for an access key.")))?;
        let (owner, _) = self.key_owner(caller, user_name).await?;
        let audit = self.caller_audit(caller, "iam:UpdateAccessKey", &caller.arn(), &serde_json::json!({ "accessKeyId": access_key_id, "status": status.as_str() }));
        if !self.store.set_access_key_status(&caller.account_id, &owner, access_key_id, status, &audit).await? {
            return Err(Error::no_such_access_key(access_key_id));
        }
        self.index.remove(access_key_id);
        Ok(())
    }

    pub async fn delete_access_key(&self, caller: &Caller, user_name: Option<&str>, access_key_id: &str) -> Result<()> {
        let mut v = Violations::new();
        v.text("accessKeyId", access_key_id, 16, 128, Some((r"[\w]+", validate::is_access_key_id)));
        v.finish()?;
        let (owner, _) = self.key_owner(caller, user_name).await?;
        let audit = self.caller_audit(caller, "iam:DeleteAccessKey", &caller.arn(), &serde_json::json!({ "accessKeyId": access_key_id }));
        if !self.store.delete_access_key(&caller.account_id, &owner, access_key_id, &audit).await? {
            return Err(Error::no_such_access_key(access_key_id));
        }
        self.index.remove(access_key_id);
        Ok(())
    }

    /// GetAccessKeyLastUsed: the key must belong to the caller's account.
    pub async fn access_key_last_used(&self, caller: &Caller, access_key_id: &str) -> Result<(Option<String>, Option<KeyLastUsed>)> {
        let mut v = Violations::new();
        v.text("accessKeyId", access_key_id, 16, 128, Some((r"[\w]+", validate::is_access_key_id)));
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

    // ------------------------------------------------------------ authentication

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
        let principal = match &key.owner {
            KeyOwner::Root => Principal::Root,
            KeyOwner::User(id) => match self.store.user_by_id(id).await? {
                Some(u) => Principal::User { user_id: u.user_id, name: u.name, path: u.path },
                None => return Ok(None),
            },
        };
        let last = key.last_used.as_ref().map(|l| l.at.unix_timestamp());
        let entry = CredentialEntry::new(key.access_key_id, key.account_id, principal, key.status, key.sealed_secret, last);
        Ok(Some(self.index.insert(entry, generation)))
    }

    /// Decrypts a key's secret for signature verification.
    pub fn open_secret(&self, entry: &CredentialEntry) -> Result<Secret> {
        self.kek.open(&entry.sealed_secret, &entry.access_key_id).map_err(|e| Error::Storage(e.to_string()))
    }

    /// Records that a key was used, at most once per AWS's tracking window.
    pub async fn record_key_use(&self, entry: &CredentialEntry, service: &str, region: &str) -> Result<()> {
        let now = self.clock.now();
        if entry.claim_use_record(now.unix_timestamp(), LAST_USED_WINDOW_SECS) {
            let used = KeyLastUsed { at: now, service: service.to_owned(), region: region.to_owned() };
            self.store.record_access_key_use(&entry.access_key_id, &used).await?;
        }
        Ok(())
    }

    // ------------------------------------------------- managed policy attachment

    pub async fn attach_user_policy(&self, caller: &Caller, user_name: &str, policy_arn: &str) -> Result<()> {
        let mut v = Violations::new();
        v.name("userName", user_name, 128);
        v.text("policyArn", policy_arn, 20, 2048, None);
        v.finish()?;
        authz::check_arn(policy_arn)?;
        let user = self.user(&caller.account_id, user_name).await?;
        let (managed, _) = self.catalog.get(policy_arn).ok_or_else(|| Error::NoSuchEntity(format!("Policy {policy_arn} does not exist or is not attachable.")))?;
        let policy = AttachedPolicy { policy_name: managed.name.to_owned(), policy_arn: managed.arn.to_owned() };
        let audit = self.caller_audit(caller, "iam:AttachUserPolicy", &user.arn(caller.partition), &serde_json::json!({ "userName": user.name, "policyArn": policy_arn }));
        let quota = self.quotas.attached_policies_per_user;
        self.store.attach_user_policy(&caller.account_id, &user.user_id, &policy, quota, &audit).await?;
        self.policies.forget(&user.user_id);
        Ok(())
    }

    pub async fn detach_user_policy(&self, caller: &Caller, user_name: &str, policy_arn: &str) -> Result<()> {
        let mut v = Violations::new();
        v.name("userName", user_name, 128);
        v.text("policyArn", policy_arn, 20, 2048, None);
        v.finish()?;
        authz::check_arn(policy_arn)?;
        let user = self.user(&caller.account_id, user_name).await?;
        let audit = self.caller_audit(caller, "iam:DetachUserPolicy", &user.arn(caller.partition), &serde_json::json!({ "userName": user.name, "policyArn": policy_arn }));
        if !self.store.detach_user_policy(&caller.account_id, &user.user_id, policy_arn, &audit).await? {
            return Err(Error::NoSuchEntity(format!("Policy {policy_arn} was not found.")));
        }
        self.policies.forget(&user.user_id);
        Ok(())
    }

    /// Decides whether the caller may perform `action` on `resource`. Root
    /// bypasses IAM policies; users are judged by their policies, from memory.
    pub async fn authorize(&self, caller: &Caller, action: &str, resource: &str) -> Result<()> {
        let Principal::User { user_id, .. } = &caller.principal else { return Ok(()) };
        let policies = self.user_policies(&caller.account_id, user_id).await?;
        let ctx = authz::request_context(caller, action, resource, self.clock.now());
        authz::decide(&ctx, &policies)
    }

    async fn user_policies(&self, account_id: &str, user_id: &str) -> Result<Arc<Vec<AppliedPolicy>>> {
        if let Some(p) = self.policies.get(user_id) {
            return Ok(p);
        }
        let generation = self.policies.generation();
        let attached = self.store.attached_user_policies(account_id, user_id).await?;
        let applied: Vec<AppliedPolicy> = attached
            .iter()
            .filter_map(|a| self.catalog.get(&a.policy_arn).map(|(_, c)| AppliedPolicy { id: a.policy_arn.clone(), policy_type: keyward_policy::PolicyType::Identity, compiled: Arc::clone(c) }))
            .collect();
        let applied = Arc::new(applied);
        self.policies.insert(user_id, Arc::clone(&applied), generation);
        Ok(applied)
    }

    pub async fn attached_user_policies(&self, account_id: &str, user_id: &str) -> Result<Vec<AttachedPolicy>> {
        self.store.attached_user_policies(account_id, user_id).await
    }

    /// Dev mode's state reset: all data and caches go.
    pub async fn reset(&self) -> Result<()> {
        self.store.reset().await?;
        self.index.clear();
        self.policies.clear();
        Ok(())
    }
}

/// A valid argon2id hash of a random string, verified against when an email is unknown.
const DUMMY_PHC: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$n5vZQ0UqGgG4mBXNgHRbHnqVhXQ8S3H0kq0Kk6sDTrU";

fn is_plausible_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else { return false };
    !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.') && s.len() <= 254 && !s.chars().any(char::is_whitespace)
}

/// AWS's account alias rule: 3–63 of `a-z0-9-`, no leading, trailing or double hyphen, not all digits.
pub fn check_alias(alias: &str) -> Result<()> {
    let ok = (3..=63).contains(&alias.len())
        && alias.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !alias.starts_with('-')
        && !alias.ends_with('-')
        && !alias.contains("--")
        && !alias.bytes().all(|b| b.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(Error::Validation(format!(
            "1 validation error detected: Value '{alias}' at 'accountAlias' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-z0-9]([a-z0-9]|-(?!-)){{1,61}}[a-z0-9]$"
        )))
    }
}

/// MaxItems: 1–1000, default 100.
fn page_size(max_items: Option<i64>) -> Result<usize> {
    let max = max_items.unwrap_or(100);
    let mut v = Violations::new();
    v.range("maxItems", max, 1, 1000);
    v.finish()?;
    Ok(usize::try_from(max).unwrap_or(100))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases() {
        assert!(check_alias("my-company").is_ok());
        assert!(check_alias("ab").is_err());
        assert!(check_alias("-abc").is_err());
        assert!(check_alias("a--b").is_err());
        assert!(check_alias("123456789012").is_err());
        assert!(check_alias("Upper").is_err());
    }

    #[test]
    fn emails() {
        assert!(is_plausible_email("root@example.com"));
        assert!(!is_plausible_email("root@localhost"));
        assert!(!is_plausible_email("no-at-sign"));
        assert!(!is_plausible_email("a b@example.com"));
    }

    #[test]
    fn dummy_hash_is_a_valid_phc() {
        assert!(argon2::password_hash::phc::PasswordHash::new(DUMMY_PHC).is_ok());
    }
}
