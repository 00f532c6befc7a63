//! Root-only account settings. IAM users are refused whatever their
//! policies, as AWS refuses tasks that require the root user.

use std::collections::HashMap;

use axum::Form;
use axum::http::StatusCode;
use axum::response::Response;
use keyward_core::crypto::Secret;

use crate::pages::{AccountClose, AccountClosed, AccountSettings};
use crate::session::Identity;
use crate::web::{self, Ctx, field, render_status};

const PAGE: &str = "/console/account";

/// The root identity, or the page refusing everyone else.
fn root_only(ctx: &mut Ctx, identity: &Identity, action: &str) -> Result<(), Response> {
    if identity.is_root() {
        return Ok(());
    }
    let caller = ctx.caller(identity);
    let message = format!(
        "User: {} is not authorized to perform: {action} because this task requires the root user's credentials. Sign in as the root user to manage account settings.",
        caller.arn()
    );
    Err(web::denied(ctx, message))
}

async fn settings_page(ctx: &mut Ctx, identity: &Identity, error: Option<String>) -> Response {
    let account = match ctx.console.keyward.account(&identity.account_id).await {
        Ok(a) => a,
        Err(e) => return web::plain(StatusCode::INTERNAL_SERVER_ERROR, &web::message(&e)),
    };
    let caller = ctx.caller(identity);
    let contact = match ctx.console.keyward.account_contact(&caller).await {
        Ok(c) => c,
        Err(e) => return web::plain(StatusCode::INTERNAL_SERVER_ERROR, &web::message(&e)),
    };
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let mut c = ctx.chrome("Account settings");
    c.error = error;
    render_status(
        status,
        &AccountSettings {
            c,
            account_id: account.account_id,
            email: account.email,
            alias: account.alias.unwrap_or_default(),
            name: contact.name,
            contact_email: contact.contact_email,
        },
    )
}

pub async fn page(mut ctx: Ctx) -> Response {
    let identity = match ctx.identity() {
        Ok(i) => i,
        Err(r) => return r,
    };
    if let Err(r) = root_only(&mut ctx, &identity, "account:GetAccountInformation") {
        return r;
    }
    settings_page(&mut ctx, &identity, None).await
}

pub async fn set_alias(mut ctx: Ctx, Form(form): Form<HashMap<String, String>>) -> Response {
    if let Err(r) = ctx.check_csrf(&form) {
        return r;
    }
    let identity = match ctx.recent_identity() {
        Ok(i) => i,
        Err(r) => return r,
    };
    if let Err(r) = root_only(&mut ctx, &identity, "iam:CreateAccountAlias") {
        return r;
    }
    let alias = field(&form, "alias").trim().to_owned();
    let caller = ctx.caller(&identity);
    let keyward = ctx.console.keyward.clone();
    let result = async {
        let current = keyward.account_aliases(&caller).await?;
        if alias.is_empty() {
            for old in &current {
                keyward.delete_account_alias(&caller, old).await?;
            }
            Ok("The account alias is removed.".to_owned())
        } else if current.contains(&alias) {
            Ok("The account alias is unchanged.".to_owned())
        } else {
            // AWS keeps one alias: replacing it is delete then create, and
            // the old one comes back when the new one cannot be had.
            for old in &current {
                keyward.delete_account_alias(&caller, old).await?;
            }
            if let Err(e) = keyward.create_account_alias(&caller, &alias).await {
                for old in &current {
                    let _ = keyward.create_account_alias(&caller, old).await;
                }
                return Err(e);
            }
            Ok(format!("The account alias is now {alias}."))
        }
    }
    .await;
    match result {
        Ok(msg) => ctx.redirect_with(PAGE, msg),
        Err(e) => settings_page(&mut ctx, &identity, Some(web::message(&e))).await,
    }
}

pub async fn set_contact(mut ctx: Ctx, Form(form): Form<HashMap<String, String>>) -> Response {
    if let Err(r) = ctx.check_csrf(&form) {
        return r;
    }
    let identity = match ctx.recent_identity() {
        Ok(i) => i,
        Err(r) => return r,
    };
    if let Err(r) = root_only(&mut ctx, &identity, "account:PutContactInformation") {
        return r;
    }
    let caller = ctx.caller(&identity);
    match ctx
        .console
        .keyward
        .set_account_contact(&caller, field(&form, "name"), field(&form, "contact_email"))
        .await
    {
        Ok(()) => ctx.redirect_with(PAGE, "The account name and contact email are saved."),
        Err(e) => settings_page(&mut ctx, &identity, Some(web::message(&e))).await,
    }
}

async fn close_form(ctx: &mut Ctx, identity: &Identity, error: Option<String>) -> Response {
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let mut c = ctx.chrome("Close account");
    c.error = error;
    render_status(
        status,
        &AccountClose {
            c,
            account_id: identity.account_id.clone(),
        },
    )
}

pub async fn close_page(mut ctx: Ctx) -> Response {
    let identity = match ctx.identity() {
        Ok(i) => i,
        Err(r) => return r,
    };
    if let Err(r) = root_only(&mut ctx, &identity, "account:CloseAccount") {
        return r;
    }
    close_form(&mut ctx, &identity, None).await
}

/// Closes the account once the root user typed its ID and the root password
/// again; every console session of the account ends with it.
pub async fn close(mut ctx: Ctx, Form(form): Form<HashMap<String, String>>) -> Response {
    if let Err(r) = ctx.check_csrf(&form) {
        return r;
    }
    let identity = match ctx.recent_identity() {
        Ok(i) => i,
        Err(r) => return r,
    };
    if let Err(r) = root_only(&mut ctx, &identity, "account:CloseAccount") {
        return r;
    }
    if field(&form, "confirm").trim() != identity.account_id {
        let msg = format!(
            "Type the account ID {} to confirm closing the account.",
            identity.account_id
        );
        return close_form(&mut ctx, &identity, Some(msg)).await;
    }
    let keyward = ctx.console.keyward.clone();
    let account = match keyward.account(&identity.account_id).await {
        Ok(a) => a,
        Err(e) => return web::plain(StatusCode::INTERNAL_SERVER_ERROR, &web::message(&e)),
    };
    let password = Secret::new(field(&form, "password"));
    if keyward
        .root_sign_in(&account.email, &password)
        .await
        .is_err()
    {
        let msg = "The password is incorrect.".to_owned();
        return close_form(&mut ctx, &identity, Some(msg)).await;
    }
    if let Err(e) = keyward.close_account(&ctx.caller(&identity)).await {
        return close_form(&mut ctx, &identity, Some(web::message(&e))).await;
    }
    ctx.console.sessions.remove_account(&identity.account_id);
    let mut c = ctx.chrome("Account closed");
    c.who = None;
    c.is_root = false;
    web::render(&AccountClosed {
        c,
        account_id: identity.account_id,
    })
}
