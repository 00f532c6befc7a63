//! Signing in (root by email, IAM users by account and name, then MFA),
//! signing out, and the root password reset by email.

use std::collections::HashMap;

use axum::Form;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use keyward_core::caller::Principal;
use keyward_core::crypto::Secret;
use keyward_core::service::{PasswordChecked, RESET_LINK_SECS, SIGN_IN_FAILED, SignInName};

use crate::pages::{PasswordChange, ResetConfirm, ResetRequest, SigninIam, SigninMfa, SigninRoot};
use crate::session::{Identity, MFA_ATTEMPTS, MFA_STEP_SECS, Stage};
use crate::web::{self, Ctx, field, render, render_status};

type FormData = Form<HashMap<String, String>>;
type QueryData = Query<HashMap<String, String>>;

const REAUTH_MESSAGE: &str = "For your security, sign in again to continue.";

pub async fn root_page(mut ctx: Ctx, Query(q): QueryData) -> Response {
    let mut c = ctx.chrome("Root user sign in");
    if q.contains_key("reauth") {
        c.flash = Some(REAUTH_MESSAGE.into());
    }
    render(&SigninRoot {
        c,
        email: String::new(),
    })
}

pub async fn iam_page(mut ctx: Ctx, Query(q): QueryData) -> Response {
    let mut c = ctx.chrome("IAM user sign in");
    if q.contains_key("reauth") {
        c.flash = Some(REAUTH_MESSAGE.into());
    }
    render(&SigninIam {
        c,
        account: q.get("account").cloned().unwrap_or_default(),
        user_name: String::new(),
    })
}

/// The throttle keys of an attempt: the name as typed, and the address.
fn throttle_keys(ctx: &Ctx, name: &SignInName) -> (String, String) {
    let name_key = match name {
        SignInName::Root { email } => format!("root:{}", email.trim().to_lowercase()),
        SignInName::User { account, user_name } => {
            format!(
                "user:{}:{}",
                account.trim().to_lowercase(),
                user_name.to_lowercase()
            )
        }
    };
    let addr_key = ctx
        .client
        .source_ip
        .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
    (name_key, addr_key)
}

/// Checks the password; on success moves the session to the MFA step or
/// signs in. `Err` carries the message for the form.
async fn attempt(ctx: &mut Ctx, name: &SignInName, password: &Secret) -> Result<Response, String> {
    let (name_key, addr_key) = throttle_keys(ctx, name);
    let now = ctx.now();
    let console = std::sync::Arc::clone(&ctx.console);
    let wait = console
        .by_name
        .wait(&name_key, now)
        .max(console.by_address.wait(&addr_key, now));
    if wait > 0 {
        return Err(format!(
            "Too many failed sign-in attempts. Wait {wait} seconds, then try again."
        ));
    }
    match console
        .keyward
        .password_sign_in(name, password, &ctx.client)
        .await
    {
        Ok(who) => {
            console.by_name.succeed(&name_key);
            Ok(after_password(ctx, who).await)
        }
        Err(keyward_core::Error::Rejected(_)) => {
            console.by_name.fail(&name_key, now);
            console.by_address.fail(&addr_key, now);
            Err(SIGN_IN_FAILED.into())
        }
        Err(e) => Err(web::message(&e)),
    }
}

/// After the password: the MFA step when the identity has a device,
/// otherwise the sign-in is complete.
async fn after_password(ctx: &mut Ctx, who: PasswordChecked) -> Response {
    let now = ctx.now();
    let mut session = ctx.session.clone();
    if !who.has_mfa() {
        if let Err(e) = ctx
            .console
            .keyward
            .record_sign_in(&who, true, false, &ctx.client)
            .await
        {
            return web::plain(StatusCode::INTERNAL_SERVER_ERROR, &web::message(&e));
        }
        session.stage = Stage::SignedIn(identity_of(ctx, &who, now, false).await);
        return signed_in_redirect(ctx, session, "/console");
    }
    session.stage = Stage::Mfa {
        who: Box::new(who),
        started: now,
        attempts: 0,
    };
    signed_in_redirect(ctx, session, "/signin/mfa")
}

async fn identity_of(ctx: &Ctx, who: &PasswordChecked, now: i64, mfa_used: bool) -> Identity {
    let display = match &who.principal {
        Principal::User { name, .. } => format!(
            "{name} @ {}",
            who.account
                .alias
                .clone()
                .unwrap_or_else(|| who.account.account_id.clone())
        ),
        _ => who.account.email.clone(),
    };
    Identity {
        account_id: who.account.account_id.clone(),
        principal: who.principal.clone(),
        display,
        signed_in_at: now,
        mfa_used,
        password_reset_required: reset_required(ctx, who).await,
    }
}

/// Whether the IAM user's login profile asks for a new password now.
async fn reset_required(ctx: &Ctx, who: &PasswordChecked) -> bool {
    let Principal::User { name, .. } = &who.principal else {
        return false;
    };
    let caller = ctx.console.keyward.console_caller(
        &who.account.account_id,
        who.principal.clone(),
        ctx.client.source_ip,
        ctx.console.config.secure_cookies,
    );
    match ctx.console.keyward.login_profile(&caller, name).await {
        Ok((_, profile)) => profile.password_reset_required,
        // No login profile: the password sign-in could not have worked.
        Err(_) => false,
    }
}

/// Moves the session to a new id (no fixation) and redirects.
fn signed_in_redirect(ctx: &Ctx, session: crate::session::Session, to: &str) -> Response {
    let id = ctx
        .console
        .sessions
        .rotate(&ctx.sid, session, ctx.console.keyward.rng());
    let (name, value) = web::set_cookie(&ctx.console, &id);
    let mut resp = Redirect::to(to).into_response();
    resp.headers_mut().insert(name, value);
    resp
}

pub async fn root_submit(mut ctx: Ctx, Form(form): FormData) -> Response {
    if let Err(r) = ctx.check_csrf(&form) {
        return r;
    }
    let email = field(&form, "email").to_owned();
    let name = SignInName::Root {
        email: email.clone(),
    };
    let password = Secret::new(field(&form, "password"));
    match attempt(&mut ctx, &name, &password).await {
        Ok(resp) => resp,
        Err(msg) => {
            let mut c = ctx.chrome("Root user sign in");
            c.error = Some(msg);
            render_status(StatusCode::UNAUTHORIZED, &SigninRoot { c, email })
        }
    }
}

pub async fn iam_submit(mut ctx: Ctx, Form(form): FormData) -> Response {
    if let Err(r) = ctx.check_csrf(&form) {
        return r;
    }
    let account = field(&form, "account").to_owned();
    let user_name = field(&form, "username").to_owned();
    let name = SignInName::User {
        account: account.clone(),
        user_name: user_name.clone(),
    };
    let password = Secret::new(field(&form, "password"));
    match attempt(&mut ctx, &name, &password).await {
        Ok(resp) => resp,
        Err(msg) => {
            let mut c = ctx.chrome("IAM user sign in");
            c.error = Some(msg);
            render_status(
                StatusCode::UNAUTHORIZED,
                &SigninIam {
                    c,
                    account,
                    user_name,
                },
            )
        }
    }
}

/// Ends the MFA step: signed in, under a new session id.
pub async fn complete_mfa(ctx: &Ctx, who: &PasswordChecked) -> Response {
    let mut session = ctx.session.clone();
    session.stage = Stage::SignedIn(identity_of(ctx, who, ctx.now(), true).await);
    signed_in_redirect(ctx, session, "/console")
}

/// The MFA step's identity while it is still open.
fn mfa_stage(ctx: &Ctx) -> Option<(PasswordChecked, u32)> {
    match &ctx.session.stage {
        Stage::Mfa {
            who,
            started,
            attempts,
        } if ctx.now() - started <= MFA_STEP_SECS => Some(((**who).clone(), *attempts)),
        _ => None,
    }
}

fn mfa_devices(who: &PasswordChecked) -> Vec<(String, String)> {
    who.mfa_devices
        .iter()
        .map(|d| (d.serial_number.clone(), d.name.clone()))
        .collect()
}

pub async fn mfa_page(mut ctx: Ctx) -> Response {
    let Some((who, _)) = mfa_stage(&ctx) else {
        return Redirect::to("/signin").into_response();
    };
    render(&SigninMfa {
        c: ctx.chrome("Multi-factor authentication"),
        devices: mfa_devices(&who),
        security_keys: !who.security_keys.is_empty(),
    })
}

pub async fn mfa_submit(mut ctx: Ctx, Form(form): FormData) -> Response {
    if let Err(r) = ctx.check_csrf(&form) {
        return r;
    }
    let Some((who, attempts)) = mfa_stage(&ctx) else {
        return ctx.redirect_with("/signin", "The sign-in took too long. Sign in again.");
    };
    let serial = field(&form, "serial");
    let serial = who
        .mfa_devices
        .iter()
        .find(|d| d.serial_number == serial)
        .or_else(|| who.mfa_devices.first())
        .map(|d| d.serial_number.clone())
        .unwrap_or_default();
    let keyward = &ctx.console.keyward;
    let ok = match keyward
        .verify_mfa_code(
            &who.account.account_id,
            &who.owner(),
            &serial,
            field(&form, "code"),
        )
        .await
    {
        Ok(ok) => ok,
        Err(e) => return web::plain(StatusCode::INTERNAL_SERVER_ERROR, &web::message(&e)),
    };
    if let Err(e) = keyward.record_sign_in(&who, ok, true, &ctx.client).await {
        return web::plain(StatusCode::INTERNAL_SERVER_ERROR, &web::message(&e));
    }
    if ok {
        return complete_mfa(&ctx, &who).await;
    }
    let attempts = attempts + 1;
    if attempts >= MFA_ATTEMPTS {
        ctx.session.stage = Stage::Anonymous;
        return ctx.redirect_with("/signin", "Too many wrong MFA codes. Sign in again.");
    }
    if let Stage::Mfa { attempts: a, .. } = &mut ctx.session.stage {
        *a = attempts;
    }
    ctx.save();
    let mut c = ctx.chrome("Multi-factor authentication");
    c.error = Some("The MFA code is not valid. Enter the code your device shows now.".into());
    render_status(
        StatusCode::UNAUTHORIZED,
        &SigninMfa {
            c,
            devices: mfa_devices(&who),
            security_keys: !who.security_keys.is_empty(),
        },
    )
}

/// The password change an IAM user whose login profile has
/// PasswordResetRequired makes right after signing in.
pub async fn password_page(mut ctx: Ctx) -> Response {
    let identity = match ctx.identity_before_reset() {
        Ok(i) => i,
        Err(r) => return r,
    };
    if !identity.password_reset_required {
        return Redirect::to("/console").into_response();
    }
    password_form(&mut ctx, &identity, None)
}

fn password_form(ctx: &mut Ctx, identity: &Identity, error: Option<String>) -> Response {
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let user_name = match &identity.principal {
        Principal::User { name, .. } => name.clone(),
        _ => String::new(),
    };
    let mut c = ctx.chrome("Change your password");
    c.error = error;
    render_status(
        status,
        &PasswordChange {
            c,
            account: identity.account_id.clone(),
            user_name,
        },
    )
}

/// ChangePassword as the API runs it (the old password checked, the
/// account's password policy applied, PasswordResetRequired cleared).
/// Allowed by the user's `iam:ChangePassword` permission, or by the
/// password policy letting every user change their own password.
pub async fn password_submit(mut ctx: Ctx, Form(form): FormData) -> Response {
    if let Err(r) = ctx.check_csrf(&form) {
        return r;
    }
    let mut identity = match ctx.identity_before_reset() {
        Ok(i) => i,
        Err(r) => return r,
    };
    if !identity.password_reset_required {
        return Redirect::to("/console").into_response();
    }
    let old = Secret::new(field(&form, "old_password"));
    let new_password = Secret::new(field(&form, "new_password"));
    if new_password.expose() != field(&form, "confirm_password") {
        return password_form(
            &mut ctx,
            &identity,
            Some("The new passwords do not match.".into()),
        );
    }
    let caller = ctx.caller(&identity);
    let keyward = ctx.console.keyward.clone();
    let everyone_may = keyward
        .password_policy(&caller)
        .await
        .is_ok_and(|p| p.allow_users_to_change_password);
    if !everyone_may {
        let own = caller.arn();
        if let Err(e) = crate::iam::allowed(&ctx, &identity, "iam:ChangePassword", &own, None).await
        {
            return password_form(&mut ctx, &identity, Some(e));
        }
    }
    match keyward.change_password(&caller, &old, &new_password).await {
        Ok(()) => {
            identity.password_reset_required = false;
            ctx.session.stage = Stage::SignedIn(identity);
            ctx.redirect_with("/console", "Your password has been changed.")
        }
        Err(e) => password_form(&mut ctx, &identity, Some(web::message(&e))),
    }
}

pub async fn sign_out(ctx: Ctx, Form(form): FormData) -> Response {
    if let Err(r) = ctx.check_csrf(&form) {
        return r;
    }
    let to = match ctx.session.identity() {
        Some(i) if !i.is_root() => "/signin/iam",
        _ => "/signin",
    };
    ctx.console.sessions.remove(&ctx.sid);
    Redirect::to(to).into_response()
}

pub async fn reset_request_page(mut ctx: Ctx) -> Response {
    render(&ResetRequest {
        c: ctx.chrome("Forgot password"),
        sent: false,
    })
}

/// Sends the reset link when the email is an account's; answers the same
/// either way (no enumeration). Throttled per address like sign-ins.
pub async fn reset_request_submit(mut ctx: Ctx, Form(form): FormData) -> Response {
    if let Err(r) = ctx.check_csrf(&form) {
        return r;
    }
    let now = ctx.now();
    let addr_key = format!(
        "reset:{}",
        ctx.client
            .source_ip
            .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
    );
    let console = std::sync::Arc::clone(&ctx.console);
    let wait = console.by_address.wait(&addr_key, now);
    if wait > 0 {
        let mut c = ctx.chrome("Forgot password");
        c.error = Some(format!(
            "Too many requests. Wait {wait} seconds, then try again."
        ));
        return render_status(
            StatusCode::TOO_MANY_REQUESTS,
            &ResetRequest { c, sent: false },
        );
    }
    // Every request counts: the delays bound how much mail one address can send.
    console.by_address.fail(&addr_key, now);
    match console
        .keyward
        .root_password_reset_token(field(&form, "email"))
        .await
    {
        Ok(Some((account, token))) => {
            let link = format!(
                "{}/signin/reset/confirm?token={}",
                ctx.origin,
                token.expose()
            );
            let body = format!(
                "Someone asked to reset the root user password of keyward account {}.\r\n\r\nTo choose a new password, open this link within {} minutes. It works once:\r\n\r\n{link}\r\n\r\nIf you did not ask for this, ignore this message: the password stays as it is.\r\n",
                account.account_id,
                RESET_LINK_SECS / 60
            );
            if let Err(e) = console
                .mailer
                .send(
                    &account.email,
                    "keyward: reset your root user password",
                    body,
                )
                .await
            {
                tracing::error!(error = %e, "cannot send the password reset mail");
            }
        }
        Ok(None) => {}
        Err(e) => {
            let _ = web::message(&e);
        }
    }
    render(&ResetRequest {
        c: ctx.chrome("Forgot password"),
        sent: true,
    })
}

pub async fn reset_confirm_page(mut ctx: Ctx, Query(q): QueryData) -> Response {
    let token = q.get("token").cloned().unwrap_or_default();
    let check = ctx.console.keyward.check_reset_token(&token).await;
    let mut c = ctx.chrome("Reset root user password");
    if let Err(e) = &check {
        c.error = Some(web::message(e));
    }
    render(&ResetConfirm {
        c,
        token,
        valid: check.is_ok(),
    })
}

pub async fn reset_confirm_submit(mut ctx: Ctx, Form(form): FormData) -> Response {
    if let Err(r) = ctx.check_csrf(&form) {
        return r;
    }
    let token = field(&form, "token").to_owned();
    let new_password = Secret::new(field(&form, "new_password"));
    let error = if new_password.expose() != field(&form, "confirm_password") {
        "The passwords do not match.".to_owned()
    } else {
        match ctx
            .console
            .keyward
            .reset_root_password(&token, &new_password)
            .await
        {
            Ok(_) => {
                return ctx.redirect_with(
                    "/signin",
                    "Your password has been reset. Sign in with the new password.",
                );
            }
            Err(e) => web::message(&e),
        }
    };
    let valid = ctx.console.keyward.check_reset_token(&token).await.is_ok();
    let mut c = ctx.chrome("Reset root user password");
    c.error = Some(error);
    render_status(StatusCode::BAD_REQUEST, &ResetConfirm { c, token, valid })
}
