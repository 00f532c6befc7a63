//! IAM users: the list and a create form (console password, an AWS managed
//! policy), where root's warning sends people to make an everyday identity.

use std::collections::HashMap;

use axum::Form;
use axum::http::StatusCode;
use axum::response::Response;
use keyward_core::authz::RequestKeys;
use keyward_core::crypto::Secret;

use crate::pages::{UserRow, Users};
use crate::session::Identity;
use crate::web::{self, Ctx, field, render_status, show_time};

const PAGE: &str = "/console/iam/users";

/// The AWS managed policies the create form offers.
pub const OFFERED_POLICIES: [(&str, &str); 3] = [
    (
        "AdministratorAccess",
        "arn:aws:iam::aws:policy/AdministratorAccess",
    ),
    ("ReadOnlyAccess", "arn:aws:iam::aws:policy/ReadOnlyAccess"),
    (
        "IAMUserChangePassword",
        "arn:aws:iam::aws:policy/IAMUserChangePassword",
    ),
];

pub async fn allowed(
    ctx: &Ctx,
    identity: &Identity,
    action: &str,
    resource: &str,
    policy: Option<&str>,
) -> Result<(), String> {
    if identity.is_root() {
        return Ok(());
    }
    let keys = RequestKeys {
        policy_arn: policy.map(str::to_owned),
        ..RequestKeys::default()
    };
    ctx.console
        .keyward
        .authorize(&ctx.caller(identity), action, resource, &keys)
        .await
        .map_err(|e| web::message(&e))
}

async fn users_page(ctx: &mut Ctx, identity: &Identity, error: Option<String>) -> Response {
    let caller = ctx.caller(identity);
    let all_users = caller.arn_for("iam", "user/");
    if let Err(e) = allowed(ctx, identity, "iam:ListUsers", &all_users, None).await {
        return web::denied(ctx, e);
    }
    let keyward = ctx.console.keyward.clone();
    let users = match keyward.list_users(&caller, None, None, Some(1000)).await {
        Ok(page) => page.items,
        Err(e) => return web::plain(StatusCode::INTERNAL_SERVER_ERROR, &web::message(&e)),
    };
    let rows = users
        .into_iter()
        .map(|u| UserRow {
            arn: u.arn(caller.partition),
            created: show_time(u.created),
            name: u.name,
        })
        .collect();
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let mut c = ctx.chrome("IAM users");
    c.error = error;
    render_status(
        status,
        &Users {
            c,
            users: rows,
            policies: OFFERED_POLICIES
                .iter()
                .map(|(n, a)| ((*n).to_owned(), (*a).to_owned()))
                .collect(),
        },
    )
}

pub async fn page(mut ctx: Ctx) -> Response {
    match ctx.identity() {
        Ok(identity) => users_page(&mut ctx, &identity, None).await,
        Err(r) => r,
    }
}

/// Creates the user, then its console password and policy. Each step is
/// checked against the caller's permissions before anything is written.
pub async fn create(mut ctx: Ctx, Form(form): Form<HashMap<String, String>>) -> Response {
    if let Err(r) = ctx.check_csrf(&form) {
        return r;
    }
    let identity = match ctx.recent_identity() {
        Ok(i) => i,
        Err(r) => return r,
    };
    let name = field(&form, "user_name").trim().to_owned();
    let password = Secret::new(field(&form, "password"));
    let policy = field(&form, "policy").to_owned();
    if !policy.is_empty() && !OFFERED_POLICIES.iter().any(|(_, a)| *a == policy) {
        return users_page(
            &mut ctx,
            &identity,
            Some("Choose one of the offered policies.".into()),
        )
        .await;
    }
    let caller = ctx.caller(&identity);
    let user_arn = caller.arn_for("iam", &format!("user/{name}"));
    let mut checks = vec![("iam:CreateUser", None)];
    if !password.expose().is_empty() {
        checks.push(("iam:CreateLoginProfile", None));
    }
    if !policy.is_empty() {
        checks.push(("iam:AttachUserPolicy", Some(policy.as_str())));
    }
    for (action, p) in checks {
        if let Err(e) = allowed(&ctx, &identity, action, &user_arn, p).await {
            return users_page(&mut ctx, &identity, Some(e)).await;
        }
    }
    let keyward = ctx.console.keyward.clone();
    let result = async {
        keyward
            .create_user(&caller, &name, None, None, Vec::new())
            .await?;
        let rest = async {
            if !password.expose().is_empty() {
                keyward
                    .create_login_profile(&caller, &name, &password, false)
                    .await?;
            }
            if !policy.is_empty() {
                keyward.attach_user_policy(&caller, &name, &policy).await?;
            }
            Ok(())
        }
        .await;
        // A password the policy refuses leaves no half-made user behind.
        if let Err(e) = rest {
            let _ = keyward.detach_user_policy(&caller, &name, &policy).await;
            let _ = keyward.delete_login_profile(&caller, &name).await;
            let _ = keyward.delete_user(&caller, &name).await;
            return Err(e);
        }
        Ok(())
    }
    .await;
    match result {
        Ok(()) => ctx.redirect_with(PAGE, format!("User {name} is created.")),
        Err(e) => users_page(&mut ctx, &identity, Some(web::message(&e))).await,
    }
}
