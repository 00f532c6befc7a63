//! IAM roles: the list and a create form (trust policy, a managed policy to
//! attach); the trust policy starts as "this account may assume it".

use std::collections::HashMap;

use axum::Form;
use axum::http::StatusCode;
use axum::response::Response;
use keyward_core::service::{NewRole, PolicyFilter};

use crate::iam::{OFFERED_POLICIES, allowed};
use crate::pages::{Roles, UserRow};
use crate::session::Identity;
use crate::web::{self, Ctx, field, render_status, show_time};

const PAGE: &str = "/console/iam/roles";

/// The offered AWS managed policies, then the account's own.
async fn attachable(ctx: &Ctx, identity: &Identity) -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> = OFFERED_POLICIES
        .iter()
        .map(|(n, a)| ((*n).to_owned(), (*a).to_owned()))
        .collect();
    let filter = PolicyFilter {
        scope: Some("Local"),
        ..PolicyFilter::default()
    };
    let caller = ctx.caller(identity);
    if let Ok(local) = ctx.console.keyward.list_policies(&caller, &filter).await {
        all.extend(local.into_iter().map(|p| (p.name, p.arn)));
    }
    all
}

async fn roles_page(
    ctx: &mut Ctx,
    identity: &Identity,
    trust: Option<String>,
    error: Option<String>,
) -> Response {
    let caller = ctx.caller(identity);
    let all = caller.arn_for("iam", "role/");
    if let Err(e) = allowed(ctx, identity, "iam:ListRoles", &all, None).await {
        return web::denied(ctx, e);
    }
    let keyward = ctx.console.keyward.clone();
    let roles = match keyward.list_roles(&caller, None, None, Some(1000)).await {
        Ok(page) => page.items,
        Err(e) => return web::plain(StatusCode::INTERNAL_SERVER_ERROR, &web::message(&e)),
    };
    let rows = roles
        .into_iter()
        .map(|r| UserRow {
            arn: r.arn(caller.partition),
            created: show_time(r.created),
            name: r.name,
        })
        .collect();
    let policies = attachable(ctx, identity).await;
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let trust = trust.unwrap_or_else(|| default_trust(&identity.account_id));
    let mut c = ctx.chrome("IAM roles");
    c.error = error;
    render_status(
        status,
        &Roles {
            c,
            roles: rows,
            policies,
            trust,
        },
    )
}

pub async fn page(mut ctx: Ctx) -> Response {
    match ctx.identity() {
        Ok(identity) => roles_page(&mut ctx, &identity, None, None).await,
        Err(r) => r,
    }
}

/// Creates the role, then attaches the policy; both are checked against
/// the caller's permissions first, and a failed attach leaves no role.
pub async fn create(mut ctx: Ctx, Form(form): Form<HashMap<String, String>>) -> Response {
    if let Err(r) = ctx.check_csrf(&form) {
        return r;
    }
    let identity = match ctx.recent_identity() {
        Ok(i) => i,
        Err(r) => return r,
    };
    let name = field(&form, "role_name").trim().to_owned();
    let trust = field(&form, "trust_policy").to_owned();
    let policy = field(&form, "policy").to_owned();
    let caller = ctx.caller(&identity);
    let role_arn = caller.arn_for("iam", &format!("role/{name}"));
    let mut checks = vec![("iam:CreateRole", None)];
    if !policy.is_empty() {
        checks.push(("iam:AttachRolePolicy", Some(policy.as_str())));
    }
    for (action, p) in checks {
        if let Err(e) = allowed(&ctx, &identity, action, &role_arn, p).await {
            return roles_page(&mut ctx, &identity, Some(trust), Some(e)).await;
        }
    }
    let keyward = ctx.console.keyward.clone();
    let result = async {
        let input = NewRole {
            name: &name,
            path: None,
            trust_policy: &trust,
            description: None,
            max_session_duration: None,
            permissions_boundary: None,
            tags: Vec::new(),
        };
        keyward.create_role(&caller, input).await?;
        if !policy.is_empty()
            && let Err(e) = keyward
                .attach_policy(
                    &caller,
                    keyward_core::policies::EntityKind::Role,
                    &name,
                    &policy,
                )
                .await
        {
            let _ = keyward.delete_role(&caller, &name).await;
            return Err(e);
        }
        Ok(())
    }
    .await;
    match result {
        Ok(()) => ctx.redirect_with(PAGE, format!("Role {name} is created.")),
        Err(e) => roles_page(&mut ctx, &identity, Some(trust), Some(web::message(&e))).await,
    }
}

/// A trust policy letting principals of this account assume the role.
fn default_trust(account_id: &str) -> String {
    format!(
        "{{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {{\n      \"Effect\": \"Allow\",\n      \"Principal\": {{ \"AWS\": \"arn:aws:iam::{account_id}:root\" }},\n      \"Action\": \"sts:AssumeRole\"\n    }}\n  ]\n}}"
    )
}
