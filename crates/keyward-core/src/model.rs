//! The domain's records, as stored.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

mod groups_roles;
pub use groups_roles::{Group, InstanceProfile, Role, RoleLastUsed};

/// One AWS account and its root user's sign-in credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub account_id: String,
    pub email: String,
    pub alias: Option<String>,
    /// argon2id PHC string of the root password.
    pub root_password_hash: String,
    pub created: OffsetDateTime,
    /// When the root user closed the account; `None` while it is open.
    pub closed: Option<OffsetDateTime>,
    /// When the root user's password last signed in to the console.
    pub root_password_last_used: Option<OffsetDateTime>,
}

/// A tag on an IAM resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    #[serde(rename = "Key")]
    pub key: String,
    #[serde(rename = "Value")]
    pub value: String,
}

/// An IAM user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub account_id: String,
    pub user_id: String,
    pub name: String,
    pub path: String,
    pub created: OffsetDateTime,
    pub password_last_used: Option<OffsetDateTime>,
    pub permissions_boundary: Option<String>,
    pub tags: Vec<Tag>,
}

impl User {
    pub fn arn(&self, partition: &str) -> String {
        format!(
            "arn:{partition}:iam::{}:user{}{}",
            self.account_id, self.path, self.name
        )
    }
}

/// Who owns an access key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum KeyOwner {
    Root,
    /// The owner's unique user id (`AIDA…`), stable across renames.
    User(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyStatus {
    Active,
    Inactive,
}

impl KeyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::Inactive => "Inactive",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "Active" => Some(Self::Active),
            "Inactive" => Some(Self::Inactive),
            _ => None,
        }
    }
}

/// When, where and for what an access key was last used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyLastUsed {
    pub at: OffsetDateTime,
    pub service: String,
    pub region: String,
}

/// A long-term access key. The secret is sealed with the KEK.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessKey {
    pub access_key_id: String,
    pub account_id: String,
    pub owner: KeyOwner,
    pub sealed_secret: String,
    pub status: KeyStatus,
    pub created: OffsetDateTime,
    pub last_used: Option<KeyLastUsed>,
}

/// A managed policy attached to a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachedPolicy {
    pub policy_name: String,
    pub policy_arn: String,
}

/// An entry of the audit log, written in the same transaction as the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub at: OffsetDateTime,
    pub account_id: String,
    /// The ARN of who did it (`keyward-cli` for local administrative commands).
    pub actor: String,
    /// The action, e.g. `iam:CreateUser` or `keyward:CreateAccount`.
    pub action: String,
    /// The resource acted on.
    pub resource: String,
    /// Non-secret details as JSON.
    pub detail: String,
}

/// An IAM user's console password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginProfile {
    pub user_id: String,
    pub account_id: String,
    /// argon2id PHC string.
    pub password_hash: String,
    pub created: OffsetDateTime,
    pub password_reset_required: bool,
    pub password_changed: OffsetDateTime,
}

/// The account's password policy for IAM users. Absent fields take AWS's
/// defaults when set with `UpdateAccountPasswordPolicy`, which is not a
/// partial update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordPolicy {
    pub minimum_password_length: u32,
    pub require_symbols: bool,
    pub require_numbers: bool,
    pub require_uppercase_characters: bool,
    pub require_lowercase_characters: bool,
    pub allow_users_to_change_password: bool,
    /// Days; 0 means passwords never expire.
    pub max_password_age: u32,
    /// How many previous passwords may not be reused; 0 means off.
    pub password_reuse_prevention: u32,
    pub hard_expiry: bool,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            minimum_password_length: 6,
            require_symbols: false,
            require_numbers: false,
            require_uppercase_characters: false,
            require_lowercase_characters: false,
            allow_users_to_change_password: false,
            max_password_age: 0,
            password_reuse_prevention: 0,
            hard_expiry: false,
        }
    }
}

/// Entity counts for GetAccountSummary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountCounts {
    pub users: u64,
    /// Virtual MFA devices of the account, assigned or not.
    pub mfa_devices: u64,
    /// MFA devices assigned to the root user or an IAM user.
    pub mfa_devices_in_use: u64,
    /// MFA devices assigned to the root user.
    pub root_mfa_devices: u64,
    pub groups: u64,
    pub roles: u64,
    pub policies: u64,
    pub policy_versions_in_use: u64,
    pub instance_profiles: u64,
    pub root_access_keys: u64,
}

/// A TOTP MFA device (RFC 6238): a virtual one, whose serial number is its
/// ARN, or an imported hardware token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MfaDevice {
    pub serial_number: String,
    pub kind: MfaKind,
    pub account_id: String,
    pub path: String,
    pub name: String,
    /// The base32 seed sealed under the KEK, bound to the serial number.
    pub sealed_seed: String,
    pub created: OffsetDateTime,
    pub enable_date: Option<OffsetDateTime>,
    /// The user (or root) the device is assigned to; `None` when unassigned.
    pub owner: Option<KeyOwner>,
    pub tags: Vec<Tag>,
    /// The last TOTP step accepted: codes for it or earlier steps are refused.
    pub last_step: Option<i64>,
    /// Wrong codes counted since `failures_since` (unix seconds).
    pub failures: i64,
    pub failures_since: Option<i64>,
}

/// What kind of TOTP device. FIDO security keys are [`SecurityKey`]s: they
/// serve only the console (as at AWS).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MfaKind {
    Virtual,
    Hardware,
}

impl MfaKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Virtual => "virtual",
            Self::Hardware => "hardware",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "virtual" => Some(Self::Virtual),
            "hardware" => Some(Self::Hardware),
            _ => None,
        }
    }
}

/// The account's name and contact email (console account settings).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountContact {
    pub name: String,
    pub contact_email: String,
}

/// A FIDO2 security key or passkey registered as an MFA factor (WebAuthn).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityKey {
    /// The credential id, base64url.
    pub credential_id: String,
    pub account_id: String,
    pub owner: KeyOwner,
    pub name: String,
    /// The WebAuthn verifier's credential record (public key, counter) as
    /// JSON; opaque to the domain and not secret.
    pub data: String,
    pub created: OffsetDateTime,
}
