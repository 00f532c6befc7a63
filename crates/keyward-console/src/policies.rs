//! Customer managed policies: the list and a create form whose JSON editor is
//! checked as you type by the validator CreatePolicy uses (through
//! `/console/iam/policies/validate`); without script the submit checks it.

use std::collections::HashMap;

use axum::extract::Query;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use keyward_core::service::PolicyFilter;

use crate::iam::allowed;
use crate::pages::{Policies, PolicyEdit, PolicyRow};
use crate::web::{self, Ctx, field, render_status, show_time};

const PAGE: &str = "/console/iam/policies";

const STARTER: &str = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Effect\": \"Allow\",\n      \"Action\": \"\",\n      \"Resource\": \"*\"\n    }\n  ]\n}";

async fn policies_page(
    ctx: &mut Ctx,
    identity: &crate::session::Identity,
    form: Option<(String, String)>,
    error: Option<String>,
) -> Response {
    let caller = ctx.caller(identity);
    let all = caller.arn_for("iam", "policy/");
    if let Err(e) = allowed(ctx, identity, "iam:ListPolicies", &all, None).await {
        return web::denied(ctx, e);
    }
    let filter = PolicyFilter {
        scope: Some("Local"),
        ..PolicyFilter::default()
    };
    let list = match ctx.console.keyward.list_policies(&caller, &filter).await {
        Ok(l) => l,
        Err(e) => return web::plain(StatusCode::INTERNAL_SERVER_ERROR, &web::message(&e)),
    };
    let rows = list
        .into_iter()
        .map(|p| PolicyRow {
            name: p.name,
            arn: p.arn,
            updated: show_time(p.updated),
        })
        .collect();
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let (name, document) = form.unwrap_or_else(|| (String::new(), STARTER.to_owned()));
    let mut c = ctx.chrome("Policies");
    c.error = error;
    render_status(
        status,
        &Policies {
            c,
            policies: rows,
            name,
            document,
        },
    )
}

pub async fn page(mut ctx: Ctx) -> Response {
    match ctx.identity() {
        Ok(identity) => policies_page(&mut ctx, &identity, None, None).await,
        Err(r) => r,
    }
}

/// Creates the policy; a document the validator refuses comes back with
/// MalformedPolicyDocument's message and nothing is written.
pub async fn create(mut ctx: Ctx, Form(form): Form<HashMap<String, String>>) -> Response {
    if let Err(r) = ctx.check_csrf(&form) {
        return r;
    }
    let identity = match ctx.recent_identity() {
        Ok(i) => i,
        Err(r) => return r,
    };
    let name = field(&form, "policy_name").trim().to_owned();
    let document = field(&form, "document").to_owned();
    let caller = ctx.caller(&identity);
    let arn = caller.arn_for("iam", &format!("policy/{name}"));
    if let Err(e) = allowed(&ctx, &identity, "iam:CreatePolicy", &arn, None).await {
        return policies_page(&mut ctx, &identity, Some((name, document)), Some(e)).await;
    }
    let keyward = ctx.console.keyward.clone();
    match keyward
        .create_policy(&caller, &name, None, &document, None, Vec::new())
        .await
    {
        Ok(_) => ctx.redirect_with(PAGE, format!("Policy {name} is created.")),
        Err(e) => {
            let msg = web::message(&e);
            policies_page(&mut ctx, &identity, Some((name, document)), Some(msg)).await
        }
    }
}

/// The editor's check: `{"valid": bool, "message": "…"}` with the message
/// CreatePolicy would answer. Needs a signed-in session and its CSRF token.
pub async fn validate(ctx: Ctx, Form(form): Form<HashMap<String, String>>) -> Response {
    if let Err(r) = ctx.check_csrf(&form) {
        return r;
    }
    if let Err(r) = ctx.identity() {
        return r;
    }
    let body = match ctx
        .console
        .keyward
        .check_identity_policy(field(&form, "document"))
    {
        Ok(()) => serde_json::json!({ "valid": true, "message": "" }),
        Err(e) => serde_json::json!({ "valid": false, "message": web::message(&e) }),
    };
    ([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
}

/// The edit form with the default version's document (or the refused one).
async fn edit_page(
    ctx: &mut Ctx,
    identity: &crate::session::Identity,
    arn: &str,
    document: Option<String>,
    error: Option<String>,
) -> Response {
    if let Err(e) = allowed(ctx, identity, "iam:GetPolicyVersion", arn, None).await {
        return web::denied(ctx, e);
    }
    let caller = ctx.caller(identity);
    let keyward = ctx.console.keyward.clone();
    let current = async {
        let policy = keyward.get_policy(&caller, arn).await?;
        let version = keyward
            .get_policy_version(&caller, arn, &policy.default_version)
            .await?;
        Ok::<_, keyward_core::Error>((policy.name, version))
    }
    .await;
    let (name, version) = match current {
        Ok(v) => v,
        Err(e) => return web::plain(StatusCode::NOT_FOUND, &web::message(&e)),
    };
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let mut c = ctx.chrome(&format!("Edit policy {name}"));
    c.error = error;
    render_status(
        status,
        &PolicyEdit {
            c,
            arn: arn.to_owned(),
            version: version.version_id,
            document: document.unwrap_or(version.document),
        },
    )
}

pub async fn edit(mut ctx: Ctx, Query(q): Query<HashMap<String, String>>) -> Response {
    match ctx.identity() {
        Ok(identity) => edit_page(&mut ctx, &identity, field(&q, "arn"), None, None).await,
        Err(r) => r,
    }
}

/// Saves the document as the policy's new default version (AWS keeps five).
pub async fn save(mut ctx: Ctx, Form(form): Form<HashMap<String, String>>) -> Response {
    if let Err(r) = ctx.check_csrf(&form) {
        return r;
    }
    let identity = match ctx.recent_identity() {
        Ok(i) => i,
        Err(r) => return r,
    };
    let arn = field(&form, "arn").to_owned();
    let document = field(&form, "document").to_owned();
    if let Err(e) = allowed(&ctx, &identity, "iam:CreatePolicyVersion", &arn, None).await {
        return edit_page(&mut ctx, &identity, &arn, Some(document), Some(e)).await;
    }
    let caller = ctx.caller(&identity);
    let keyward = ctx.console.keyward.clone();
    match keyward
        .create_policy_version(&caller, &arn, &document, true)
        .await
    {
        Ok(v) => ctx.redirect_with(
            PAGE,
            format!("Version {} is now the default of {arn}.", v.version_id),
        ),
        Err(e) => {
            let msg = web::message(&e);
            edit_page(&mut ctx, &identity, &arn, Some(document), Some(msg)).await
        }
    }
}
