//! IAM roles: the list, a create form (trust policy, a managed policy to
//! attach; the trust policy starts as "this account may assume it") and a
//! detail page per role (trust policy, policies, deletion).

use std::collections::HashMap;

use axum::Form;
use axum::http::StatusCode;
use axum::response::Response;
use keyward_core::policies::EntityKind;
use keyward_core::service::NewRole;

use crate::iam::{self, Check, Target, entity_rows};
use crate::pages::{RoleDetail, Roles};
use crate::session::Identity;
use crate::web::{self, Ctx, field, render_status, show_time};

type FormData = Form<HashMap<String, String>>;

const ROLE: EntityKind = EntityKind::Role;

async fn roles_page(
    ctx: &mut Ctx,
    identity: &Identity,
    trust: Option<String>,
    error: Option<String>,
) -> Response {
    let roles = match entity_rows(ctx, identity, ROLE).await {
        Ok(rows) => rows,
        Err(e) => return e.page(ctx),
    };
    let policies = iam::attachable(ctx, identity).await;
    let status = iam::status(error.as_ref());
    let trust = trust.unwrap_or_else(|| default_trust(&identity.account_id));
    let mut c = ctx.chrome("IAM roles");
    c.error = error;
    render_status(
        status,
        &Roles {
            c,
            roles,
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

/// Creates the role with the policy attached: both are checked against the
/// caller's permissions first, then written in one transaction.
pub async fn create(mut ctx: Ctx, Form(form): FormData) -> Response {
    if let Err(r) = ctx.check_csrf(&form) {
        return r;
    }
    let identity = match ctx.recent_identity() {
        Ok(i) => i,
        Err(r) => return r,
    };
    let name = field(&form, "role_name").trim().to_owned();
    let trust = field(&form, "trust_policy").to_owned();
    let policies: Vec<String> = Some(field(&form, "policy").to_owned())
        .filter(|p| !p.is_empty())
        .into_iter()
        .collect();
    let caller = ctx.caller(&identity);
    let role = Target::unknown(&caller, ROLE, &name);
    let mut checks = vec![Check::new("iam:CreateRole", &role)];
    checks.extend(
        policies
            .iter()
            .map(|p| Check::with_policy("iam:AttachRolePolicy", &role, p)),
    );
    if let Err(e) = iam::allowed_all(&ctx, &identity, &checks).await {
        return roles_page(&mut ctx, &identity, Some(trust), Some(e)).await;
    }
    let input = NewRole {
        name: &name,
        trust_policy: &trust,
        ..NewRole::default()
    };
    let keyward = ctx.console.keyward.clone();
    match keyward.create_role_with(&caller, input, &policies).await {
        Ok(_) => ctx.redirect_with(iam::list_path(ROLE), format!("Role {name} is created.")),
        Err(e) => roles_page(&mut ctx, &identity, Some(trust), Some(web::message(&e))).await,
    }
}

/// A trust policy letting principals of this account assume the role.
fn default_trust(account_id: &str) -> String {
    format!(
        "{{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {{\n      \"Effect\": \"Allow\",\n      \"Principal\": {{ \"AWS\": \"arn:aws:iam::{account_id}:root\" }},\n      \"Action\": \"sts:AssumeRole\"\n    }}\n  ]\n}}"
    )
}

/// The trust policy indented for reading (as submitted when not JSON).
fn pretty(document: &str) -> String {
    serde_json::from_str::<serde_json::Value>(document)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| document.to_owned())
}

/// The role's page, or the API's refusal of GetRole.
pub async fn detail_page(
    ctx: &mut Ctx,
    identity: &Identity,
    name: &str,
    error: Option<String>,
) -> Response {
    let (caller, on) = match iam::readable(ctx, identity, ROLE, name).await {
        Ok(r) => r,
        Err(denied) => return denied,
    };
    let keyward = ctx.console.keyward.clone();
    let role = match keyward.role(&caller.account_id, name).await {
        Ok(r) => r,
        Err(e) => return web::plain(StatusCode::NOT_FOUND, &web::message(&e)),
    };
    let attached = iam::attached_section(ctx, identity, ROLE, name, &on).await;
    let attachable = iam::attachable(ctx, identity).await;
    let status = iam::status(error.as_ref());
    let mut c = ctx.chrome(&format!("Role {name}"));
    c.error = error;
    render_status(
        status,
        &RoleDetail {
            c,
            base: iam::detail_path(ROLE, name),
            name: role.name.clone(),
            arn: role.arn(caller.partition),
            created: show_time(role.created),
            trust: pretty(&role.trust_policy),
            attached,
            attachable,
        },
    )
}
