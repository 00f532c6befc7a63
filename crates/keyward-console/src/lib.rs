//! keyward's web console: server-rendered pages for signing in (root and IAM
//! users, with MFA), the signed-in identity's security credentials, root
//! password reset by email, the root-only account settings (closing the
//! account among them), a dashboard of security recommendations, IAM users
//! and customer managed policies. Pages need no JavaScript; the policy
//! editor's check as you type and security keys use a script.
//!
//! Every request gets a server-side session (cookie `HttpOnly`,
//! `SameSite=Strict`, `Secure` behind TLS) carrying a CSRF token that every
//! form posts back; responses carry a strict Content-Security-Policy.

// Handlers stop early with the finished page (`Result<_, Response>`), once per
// request: boxing it would only add noise.
#![allow(clippy::result_large_err)]

mod account;
mod credentials;
mod dashboard;
mod groups;
mod iam;
mod mail;
mod pages;
mod policies;
mod removal;
mod roles;
mod session;
mod signin;
mod simulator;
mod throttle;
mod users;
mod web;
mod webauthn;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use keyward_core::service::Keyward;

pub use mail::MailConfig;

use crate::mail::Mailer;
use crate::session::Sessions;
use crate::throttle::Throttle;

/// The console's settings.
#[derive(Debug, Clone)]
pub struct ConsoleConfig {
    /// The console's address as users reach it (for links in mail), e.g.
    /// `https://iam.example.com`. Without one, links use the request's host.
    pub public_url: Option<String>,
    /// Mark cookies `Secure` (the console is served over TLS).
    pub secure_cookies: bool,
    pub mail: MailConfig,
}

/// Failures per typed name allowed before delays start.
const FREE_FAILURES_PER_NAME: u32 = 3;
/// Failures per client address allowed before delays start.
const FREE_FAILURES_PER_ADDRESS: u32 = 10;

/// Everything the console's handlers share.
#[derive(Debug)]
pub struct Console {
    keyward: Keyward,
    config: ConsoleConfig,
    sessions: Sessions,
    by_name: Throttle,
    by_address: Throttle,
    mailer: Mailer,
}

impl Console {
    pub fn new(keyward: Keyward, config: ConsoleConfig) -> Self {
        Self {
            keyward,
            mailer: Mailer::new(config.mail.clone()),
            config,
            sessions: Sessions::default(),
            by_name: Throttle::new(FREE_FAILURES_PER_NAME),
            by_address: Throttle::new(FREE_FAILURES_PER_ADDRESS),
        }
    }

    /// Where mail goes, for the start-up log.
    pub fn mail_destination(&self) -> String {
        self.mailer.describe()
    }

    fn now(&self) -> i64 {
        self.keyward.now().unix_timestamp()
    }
}

/// The users, groups and roles pages: lists with create forms, a detail
/// page per entity and the changes made there.
fn iam_routes() -> Router<Arc<Console>> {
    use iam::{GROUPS, ROLES, USERS};
    const U: &str = "/console/iam/users";
    const G: &str = "/console/iam/groups";
    const R: &str = "/console/iam/roles";
    let at = |base: &str, rest: &str| format!("{base}/{{name}}{rest}");
    let mut router = Router::new()
        .route(U, get(users::page).post(users::create))
        .route(&at(U, "/new-key"), get(users::key_created_page))
        .route(&at(U, "/new-key/download"), get(users::key_download))
        .route(&at(U, "/new-key/done"), post(users::key_done))
        .route(&at(U, "/groups/add"), post(users::join_group))
        .route(&at(U, "/groups/remove"), post(users::leave_group))
        .route(&at(U, "/keys/status"), post(users::key_status))
        .route(&at(U, "/keys/delete"), post(users::key_delete))
        .route(&at(U, "/password"), post(users::set_password_form))
        .route(&at(U, "/password/remove"), post(users::remove_password))
        .route(G, get(groups::page).post(groups::create))
        .route(&at(G, "/members/add"), post(groups::add_member))
        .route(&at(G, "/members/remove"), post(groups::remove_member))
        .route(R, get(roles::page).post(roles::create));
    router = entity_pages::<USERS>(router, U);
    router = entity_pages::<GROUPS>(router, G);
    entity_pages::<ROLES>(router, R)
}

/// What every user's, group's and role's page has: the page, attach,
/// detach, delete (`K`: [`iam::kind`]).
fn entity_pages<const K: u8>(router: Router<Arc<Console>>, base: &str) -> Router<Arc<Console>> {
    let at = |rest: &str| format!("{base}/{{name}}{rest}");
    router
        .route(&at(""), get(iam::detail::<K>))
        .route(&at("/policies/attach"), post(iam::attach::<K>))
        .route(&at("/policies/detach"), post(iam::detach::<K>))
        .route(&at("/delete"), post(removal::delete_handler::<K>))
}

/// The console's routes: `/signin…` for signing in and out, `/console…` for
/// the signed-in pages.
pub fn router(console: Arc<Console>) -> Router {
    Router::new()
        .route("/console/static/console.css", get(web::stylesheet))
        .route("/console/static/webauthn.js", get(web::script))
        .route(
            "/console/static/policy-editor.js",
            get(web::policy_editor_script),
        )
        .route("/signin/mfa/webauthn/start", post(webauthn::sign_in_start))
        .route(
            "/signin/mfa/webauthn/finish",
            post(webauthn::sign_in_finish),
        )
        .route(
            "/console/security-credentials/webauthn/register/start",
            post(webauthn::register_start),
        )
        .route(
            "/console/security-credentials/webauthn/register/finish",
            post(webauthn::register_finish),
        )
        .route(
            "/console/security-credentials/webauthn/remove",
            post(webauthn::remove),
        )
        .route("/signin", get(signin::root_page).post(signin::root_submit))
        .route(
            "/signin/iam",
            get(signin::iam_page).post(signin::iam_submit),
        )
        .route(
            "/signin/mfa",
            get(signin::mfa_page).post(signin::mfa_submit),
        )
        .route(
            "/signin/password",
            get(signin::password_page).post(signin::password_submit),
        )
        .route("/signout", post(signin::sign_out))
        .route(
            "/signin/reset",
            get(signin::reset_request_page).post(signin::reset_request_submit),
        )
        .route(
            "/signin/reset/confirm",
            get(signin::reset_confirm_page).post(signin::reset_confirm_submit),
        )
        .route("/console", get(dashboard::page))
        .route("/console/", get(dashboard::page))
        .route("/console/security-credentials", get(credentials::page))
        .route(
            "/console/security-credentials/password",
            post(credentials::change_password),
        )
        .route(
            "/console/security-credentials/mfa/assign",
            get(credentials::mfa_assign_page).post(credentials::mfa_assign),
        )
        .route(
            "/console/security-credentials/mfa/enable",
            post(credentials::mfa_enable),
        )
        .route(
            "/console/security-credentials/mfa/remove",
            post(credentials::mfa_remove),
        )
        .route(
            "/console/security-credentials/keys/create",
            post(credentials::key_create),
        )
        .route(
            "/console/security-credentials/keys/created",
            get(credentials::key_created_page),
        )
        .route(
            "/console/security-credentials/keys/download",
            get(credentials::key_download),
        )
        .route(
            "/console/security-credentials/keys/done",
            post(credentials::key_done),
        )
        .route(
            "/console/security-credentials/keys/status",
            post(credentials::key_status),
        )
        .route(
            "/console/security-credentials/keys/delete",
            get(credentials::key_delete_page).post(credentials::key_delete),
        )
        .route("/console/account", get(account::page))
        .route("/console/account/alias", post(account::set_alias))
        .route("/console/account/contact", post(account::set_contact))
        .route(
            "/console/account/close",
            get(account::close_page).post(account::close),
        )
        .merge(iam_routes())
        .route(
            "/console/iam/simulator",
            get(simulator::page).post(simulator::run),
        )
        .route(
            "/console/iam/policies",
            get(policies::page).post(policies::create),
        )
        .route("/console/iam/policies/validate", post(policies::validate))
        .route(
            "/console/iam/policies/edit",
            get(policies::edit).post(policies::save),
        )
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&console),
            web::session_layer,
        ))
        .with_state(console)
}
