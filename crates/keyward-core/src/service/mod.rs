//! The operations: business rules for accounts, users and access keys. Each
//! method validates its input, then makes one store call (one transaction) that
//! writes the change and its audit event together.

mod accounts;
mod advisor;
mod assume_role;
mod authz_messages;
mod details;
mod feed;
mod groups;
mod keys;
mod logins;
mod mfa;
mod new_user;
mod policies;
mod report;
mod roles;
mod rotation;
mod security_keys;
mod sessions;
mod settings;
mod signin;
mod simulator;

mod tags;
mod users;

pub use advisor::Finding;
pub use assume_role::{AssumeRoleInput, AssumedRole};
pub use details::{AuthorizationDetail, GroupDetail, PolicyDetail, RoleDetail, UserDetail};
pub use groups::GroupWithUsers;
pub use mfa::{MfaDeviceInfo, NewMfaDevice};
pub use new_user::NewUserInput;
pub use policies::PolicyFilter;
pub use report::{CredentialReport, ReportState};
pub use roles::NewRole;
pub use rotation::ResealReport;
pub use security_keys::{MfaDeviceEntry, SECURITY_KEYS_PER_OWNER, security_key_serial};
pub use sessions::{MFA_UNKNOWN_DEVICE, SessionCredentials};
pub use settings::PasswordPolicyInput;
pub use signin::{
    PasswordChecked, RESET_LINK_INVALID, RESET_LINK_SECS, SIGN_IN_FAILED, SignInClient, SignInName,
};
pub use simulator::{ContextEntry, EvaluationResult, SimStatement, Simulation};

use std::sync::Arc;

use time::OffsetDateTime;

use crate::audit::{AuditQueue, AuditWriter};
use crate::authz::{ManagedCatalog, PolicyCache, TrustCache};
use crate::caller::Caller;
use crate::clock::Clock;
use crate::crypto::{KeyRing, KeyRingSource, Keychain, Secret};
use crate::directory::{RoleCache, UserDirectory};
use crate::feed::FeedState;
use crate::index::CredentialIndex;
use crate::model::{AccessKey, AuditEvent};
use crate::random::Random;
use crate::session::TokenSealer;
use crate::store::Store;
use crate::validate::Violations;
use crate::{Error, Result};

/// AWS's default quotas that this service enforces.
#[derive(Debug, Clone)]
pub struct Quotas {
    pub users_per_account: u64,
    pub access_keys_per_user: usize,
    pub tags_per_resource: usize,
    pub attached_policies_per_user: usize,
    pub groups_per_account: u64,
    pub groups_per_user: usize,
    pub roles_per_account: u64,
    pub instance_profiles_per_account: u64,
    /// Trust policy characters, whitespace not counted (`ACLSizePerRole`).
    pub trust_policy_size: usize,
}

impl Default for Quotas {
    fn default() -> Self {
        Self {
            users_per_account: 5000,
            access_keys_per_user: 2,
            tags_per_resource: 50,
            attached_policies_per_user: 10,
            groups_per_account: 300,
            groups_per_user: 10,
            roles_per_account: 1000,
            instance_profiles_per_account: 1000,
            trust_policy_size: 2048,
        }
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
    /// The key-encryption keys: stored secrets are sealed under them.
    kek: Arc<Keychain>,
    /// Seals session tokens under a key derived from the KEK.
    tokens: Arc<TokenSealer>,
    index: Arc<CredentialIndex>,
    catalog: Arc<ManagedCatalog>,
    policies: Arc<PolicyCache>,
    /// Roles' compiled trust policies (AssumeRole).
    trust: Arc<TrustCache>,
    /// Each account's users, for ListUsers and GetUser.
    directory: Arc<UserDirectory>,
    /// Roles AssumeRole reads.
    roles: Arc<RoleCache>,
    /// The change feed's state, when other processes share the store.
    feed: Arc<FeedState>,
    /// Audit events of calls that write nothing else, for the background writer.
    audit_queue: Arc<AuditQueue>,
    quotas: Quotas,
}

impl Keyward {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        rng: Arc<dyn Random>,
        kek: impl Into<KeyRing>,
    ) -> Self {
        Self::with_key_source(store, clock, rng, kek.into(), None)
    }

    /// Like [`Keyward::new`], following keys added to `source` (a KEK
    /// rotation by another process) while running.
    pub fn with_key_source(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        rng: Arc<dyn Random>,
        ring: KeyRing,
        source: Option<Box<dyn KeyRingSource>>,
    ) -> Self {
        let kek = Arc::new(Keychain::new(ring, source));
        Self {
            store,
            clock,
            rng,
            tokens: Arc::new(TokenSealer::new(Arc::clone(&kek))),
            kek,
            index: Arc::new(CredentialIndex::default()),
            catalog: Arc::new(ManagedCatalog::load()),
            policies: Arc::new(PolicyCache::default()),
            trust: Arc::new(TrustCache::default()),
            directory: Arc::new(UserDirectory::default()),
            roles: Arc::new(RoleCache::default()),
            feed: Arc::new(FeedState::default()),
            audit_queue: Arc::new(AuditQueue::default()),
            quotas: Quotas::default(),
        }
    }

    /// Replaces AWS's default quotas (where AWS lets an account raise them).
    #[must_use]
    pub fn with_quotas(mut self, quotas: Quotas) -> Self {
        self.quotas = quotas;
        self
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

    fn audit(
        &self,
        account_id: &str,
        actor: &str,
        action: &str,
        resource: &str,
        detail: &impl serde::Serialize,
    ) -> AuditEvent {
        AuditEvent {
            at: self.clock.now(),
            account_id: account_id.to_owned(),
            actor: actor.to_owned(),
            action: action.to_owned(),
            resource: resource.to_owned(),
            // Details are plain data (strings, numbers, lists): serializing
            // them cannot fail.
            detail: serde_json::to_string(detail).unwrap_or_default(),
        }
    }

    /// Records an audit event that goes with no other write (STS
    /// credentials issued): queued for the background writer when one runs
    /// (see [`crate::audit`]), otherwise written now.
    async fn record_detached_audit(&self, event: AuditEvent) -> Result<()> {
        match self.audit_queue.push(event) {
            None => Ok(()),
            Some(event) => self.store.record_audit(&event).await,
        }
    }

    /// From now on, audit events of calls that write nothing else are
    /// queued; the returned writer must run on its own task to write them.
    pub fn audit_writer(&self) -> AuditWriter {
        AuditWriter {
            store: Arc::clone(&self.store),
            rx: self.audit_queue.open(),
        }
    }

    /// Stops queueing (graceful shutdown): the writer returns once it has
    /// written every queued event; later events are written by their calls.
    pub fn close_audit_queue(&self) {
        self.audit_queue.close();
    }

    fn caller_audit(
        &self,
        caller: &Caller,
        action: &str,
        resource: &str,
        detail: &serde_json::Value,
    ) -> AuditEvent {
        self.audit(&caller.account_id, &caller.arn(), action, resource, detail)
    }

    /// Dev mode's state reset: all data and caches go.
    pub async fn reset(&self) -> Result<()> {
        self.store.reset().await?;
        self.index.clear();
        self.policies.clear();
        self.trust.clear();
        self.directory.clear();
        self.roles.clear();
        Ok(())
    }
}

/// A valid argon2id hash of a random string, verified against when an email is unknown.
const DUMMY_PHC: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$n5vZQ0UqGgG4mBXNgHRbHnqVhXQ8S3H0kq0Kk6sDTrU";

fn is_plausible_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && s.len() <= 254
        && !s.chars().any(char::is_whitespace)
}

/// AWS's account alias rule: 3–63 of `a-z0-9-`, no leading, trailing or double hyphen, not all digits.
pub fn check_alias(alias: &str) -> Result<()> {
    let ok = (3..=63).contains(&alias.len())
        && alias
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
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

/// Checks the `PathPrefix` and `Marker` of a List* call.
fn check_listing(v: &mut Violations, prefix: &str, marker: Option<&str>) {
    v.text(
        "pathPrefix",
        prefix,
        1,
        512,
        Some((r"\u002F[\u0021-\u007F]*", |s: &str| {
            s.starts_with('/') && s.bytes().all(|b| (0x21..=0x7f).contains(&b))
        })),
    );
    check_marker(v, marker);
}

fn check_marker(v: &mut Violations, marker: Option<&str>) {
    if let Some(m) = marker {
        v.text(
            "marker",
            m,
            1,
            320,
            Some((r"[\u0020-\u00FF]+", |s: &str| {
                s.chars().all(|c| ('\u{20}'..='\u{ff}').contains(&c))
            })),
        );
    }
}

/// The arguments of a List* call: `PathPrefix` (default `/`) and `Marker`
/// checked, `MaxItems` (1–1000, default 100) as a page size.
fn listing<'a>(
    path_prefix: Option<&'a str>,
    marker: Option<&str>,
    max_items: Option<i64>,
) -> Result<(&'a str, usize)> {
    let max = page_size(max_items)?;
    let prefix = path_prefix.unwrap_or("/");
    let mut v = Violations::new();
    check_listing(&mut v, prefix, marker);
    v.finish()?;
    Ok((prefix, max))
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
