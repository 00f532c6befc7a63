//! The pages (askama templates in `templates/`). Every page has a `c: Chrome`
//! that the shared layout reads.

use askama::Template;

/// What the layout needs: title, who is signed in, the CSRF token, messages.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub title: String,
    pub who: Option<String>,
    /// The main navigation (not while a required password change is due).
    pub nav: bool,
    pub is_root: bool,
    pub csrf: String,
    /// A confirmation from the previous step.
    pub flash: Option<String>,
    /// What went wrong with the form just sent.
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "signin_root.html")]
pub struct SigninRoot {
    pub c: Chrome,
    pub email: String,
}

#[derive(Template)]
#[template(path = "signin_iam.html")]
pub struct SigninIam {
    pub c: Chrome,
    pub account: String,
    pub user_name: String,
}

#[derive(Template)]
#[template(path = "signin_mfa.html")]
pub struct SigninMfa {
    pub c: Chrome,
    /// (serial number, device name) of each device.
    pub devices: Vec<(String, String)>,
    /// The identity has security keys (WebAuthn).
    pub security_keys: bool,
}

#[derive(Template)]
#[template(path = "reset_request.html")]
pub struct ResetRequest {
    pub c: Chrome,
    pub sent: bool,
}

#[derive(Template)]
#[template(path = "reset_confirm.html")]
pub struct ResetConfirm {
    pub c: Chrome,
    pub token: String,
    pub valid: bool,
}

/// One security recommendation.
#[derive(Debug, Clone)]
pub struct Recommendation {
    pub ok: bool,
    pub title: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
pub struct Dashboard {
    pub c: Chrome,
    pub account_id: String,
    pub alias: Option<String>,
    pub recommendations: Vec<Recommendation>,
    /// Users, groups, roles, policies (root only; `None` when not visible).
    pub counts: Option<(u64, u64, u64, u64)>,
}

#[derive(Template)]
#[template(path = "root_warning.html")]
pub struct RootWarning {
    pub c: Chrome,
}

/// An MFA device as the credentials page lists it.
#[derive(Debug, Clone)]
pub struct DeviceRow {
    pub serial_number: String,
    pub name: String,
    pub kind: String,
    pub enabled: String,
}

/// An access key as the credentials page lists it.
#[derive(Debug, Clone)]
pub struct KeyRow {
    pub id: String,
    pub active: bool,
    pub created: String,
    pub last_used: String,
}

#[derive(Template)]
#[template(path = "credentials.html")]
pub struct Credentials {
    pub c: Chrome,
    pub arn: String,
    pub is_root: bool,
    pub devices: Vec<DeviceRow>,
    pub keys: Vec<KeyRow>,
    pub max_keys: usize,
    /// (credential id, name, registered) of each security key.
    pub security_keys: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "mfa_assign.html")]
pub struct MfaAssign {
    pub c: Chrome,
    pub serial_number: String,
    pub qr_png_base64: String,
    pub seed: String,
}

#[derive(Template)]
#[template(path = "key_created.html")]
pub struct KeyCreated {
    pub c: Chrome,
    pub id: String,
    pub secret: String,
    pub file_name: String,
}

#[derive(Template)]
#[template(path = "key_delete.html")]
pub struct KeyDelete {
    pub c: Chrome,
    pub id: String,
}

#[derive(Template)]
#[template(path = "account.html")]
pub struct AccountSettings {
    pub c: Chrome,
    pub account_id: String,
    pub email: String,
    pub alias: String,
    pub name: String,
    pub contact_email: String,
}

#[derive(Template)]
#[template(path = "denied.html")]
pub struct Denied {
    pub c: Chrome,
    pub message: String,
}

/// An IAM user as the users page lists it.
#[derive(Debug, Clone)]
pub struct UserRow {
    pub name: String,
    pub arn: String,
    pub created: String,
}

#[derive(Template)]
#[template(path = "users.html")]
pub struct Users {
    pub c: Chrome,
    pub users: Vec<UserRow>,
    /// The groups a new user may join.
    pub groups: Vec<String>,
    /// (name, ARN) of the managed policies the create form offers.
    pub policies: Vec<(String, String)>,
    pub form: UserForm,
}

/// The create form as sent (never the password), to fill it again.
#[derive(Debug, Clone, Default)]
pub struct UserForm {
    pub name: String,
    pub reset_required: bool,
    pub access_key: bool,
    pub groups: Vec<String>,
    /// Policy ARNs.
    pub policies: Vec<String>,
}

/// A part of a detail page: what the identity may read, or why not.
#[derive(Debug, Clone)]
pub struct Section<T> {
    pub items: Vec<T>,
    /// The refusal (AWS's AccessDenied text) when the read is not allowed.
    pub denied: Option<String>,
}

impl<T> Section<T> {
    pub fn denied(message: String) -> Self {
        Self {
            items: Vec::new(),
            denied: Some(message),
        }
    }

    pub fn of(read: Result<Vec<T>, String>) -> Self {
        match read {
            Ok(items) => Self {
                items,
                denied: None,
            },
            Err(e) => Self::denied(e),
        }
    }
}

#[derive(Template)]
#[template(path = "user_detail.html")]
pub struct UserDetail {
    pub c: Chrome,
    /// The page's path, which the forms post under.
    pub base: String,
    pub name: String,
    pub arn: String,
    pub created: String,
    pub groups: Section<String>,
    /// Groups the user is not in (to add).
    pub joinable: Vec<String>,
    /// (name, ARN) of the attached managed policies.
    pub attached: Section<(String, String)>,
    pub attachable: Vec<(String, String)>,
    pub keys: Section<KeyRow>,
    /// One item (PasswordResetRequired) when the user has a console password.
    pub login: Section<bool>,
}

#[derive(Template)]
#[template(path = "user_key_created.html")]
pub struct UserKeyCreated {
    pub c: Chrome,
    pub base: String,
    pub user_name: String,
    pub sign_in_url: String,
    pub id: String,
    pub secret: String,
    pub file_name: String,
}

#[derive(Template)]
#[template(path = "group_detail.html")]
pub struct GroupDetail {
    pub c: Chrome,
    pub base: String,
    pub name: String,
    pub arn: String,
    pub created: String,
    pub members: Section<String>,
    /// Users not in the group (to add).
    pub addable: Vec<String>,
    pub attached: Section<(String, String)>,
    pub attachable: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "role_detail.html")]
pub struct RoleDetail {
    pub c: Chrome,
    pub base: String,
    pub name: String,
    pub arn: String,
    pub created: String,
    /// The trust policy, indented when it is JSON.
    pub trust: String,
    pub attached: Section<(String, String)>,
    pub attachable: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "password_change.html")]
pub struct PasswordChange {
    pub c: Chrome,
    pub account: String,
    pub user_name: String,
}

#[derive(Template)]
#[template(path = "account_close.html")]
pub struct AccountClose {
    pub c: Chrome,
    pub account_id: String,
}

#[derive(Template)]
#[template(path = "account_closed.html")]
pub struct AccountClosed {
    pub c: Chrome,
    pub account_id: String,
}

/// A customer managed policy as the policies page lists it.
#[derive(Debug, Clone)]
pub struct PolicyRow {
    pub name: String,
    pub arn: String,
    pub updated: String,
}

#[derive(Template)]
#[template(path = "policies.html")]
pub struct Policies {
    pub c: Chrome,
    pub policies: Vec<PolicyRow>,
    pub name: String,
    pub document: String,
}

#[derive(Template)]
#[template(path = "policy_edit.html")]
pub struct PolicyEdit {
    pub c: Chrome,
    pub arn: String,
    pub version: String,
    pub document: String,
}

#[derive(Template)]
#[template(path = "groups.html")]
pub struct Groups {
    pub c: Chrome,
    /// Groups listed like users: name, ARN, creation time.
    pub groups: Vec<UserRow>,
    /// (name, ARN) of the managed policies the create form offers.
    pub policies: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "roles.html")]
pub struct Roles {
    pub c: Chrome,
    /// Roles listed like users: name, ARN, creation time.
    pub roles: Vec<UserRow>,
    /// (name, ARN) of the managed policies the create form offers.
    pub policies: Vec<(String, String)>,
    /// The trust policy in the form.
    pub trust: String,
}

/// One simulated action on one resource.
#[derive(Debug, Clone)]
pub struct SimRow {
    pub action: String,
    pub resource: String,
    /// `allowed`, `explicitDeny` or `implicitDeny`.
    pub decision: String,
}

#[derive(Template)]
#[template(path = "simulator.html")]
pub struct Simulator {
    pub c: Chrome,
    /// (name, ARN) of the account's users, groups and roles the identity may list.
    pub users: Vec<(String, String)>,
    pub groups: Vec<(String, String)>,
    pub roles: Vec<(String, String)>,
    pub chosen: String,
    pub actions: String,
    pub resource: String,
    pub results: Vec<SimRow>,
}
