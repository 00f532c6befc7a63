//! IAM groups: the list and a create form that can attach a managed policy
//! (an offered AWS managed one or any customer managed one).

use std::collections::HashMap;

use axum::Form;
use axum::http::StatusCode;
use axum::response::Response;
use keyward_core::service::PolicyFilter;

use crate::iam::{OFFERED_POLICIES, allowed};
use crate::pages::{Groups, UserRow};
use crate::session::Identity;
use crate::web::{self, Ctx, field, render_status, show_time};

const PAGE: &str = "/console/iam/groups";

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

async fn groups_page(ctx: &mut Ctx, identity: &Identity, error: Option<String>) -> Response {
    let caller = ctx.caller(identity);
    let all = caller.arn_for("iam", "group/");
    if let Err(e) = allowed(ctx, identity, "iam:ListGroups", &all, None).await {
        return web::denied(ctx, e);
    }
    let keyward = ctx.console.keyward.clone();
    let groups = match keyward.list_groups(&caller, None, None, Some(1000)).await {
        Ok(page) => page.items,
        Err(e) => return web::plain(StatusCode::INTERNAL_SERVER_ERROR, &web::message(&e)),
    };
    let rows = groups
        .into_iter()
        .map(|g| UserRow {
            arn: g.arn(caller.partition),
            created: show_time(g.created),
            name: g.name,
        })
        .collect();
    let policies = attachable(ctx, identity).await;
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let mut c = ctx.chrome("IAM groups");
    c.error = error;
    render_status(
        status,
        &Groups {
            c,
            groups: rows,
            policies,
        },
    )
}

pub async fn page(mut ctx: Ctx) -> Response {
    match ctx.identity() {
        Ok(identity) => groups_page(&mut ctx, &identity, None).await,
        Err(r) => r,
    }
}

/// Creates the group, then attaches the policy; both are checked against
/// the caller's permissions first, and a failed attach leaves no group.
pub async fn create(mut ctx: Ctx, Form(form): Form<HashMap<String, String>>) -> Response {
    if let Err(r) = ctx.check_csrf(&form) {
        return r;
    }
    let identity = match ctx.recent_identity() {
        Ok(i) => i,
        Err(r) => return r,
    };
    let name = field(&form, "group_name").trim().to_owned();
    let policy = field(&form, "policy").to_owned();
    let caller = ctx.caller(&identity);
    let group_arn = caller.arn_for("iam", &format!("group/{name}"));
    let mut checks = vec![("iam:CreateGroup", None)];
    if !policy.is_empty() {
        checks.push(("iam:AttachGroupPolicy", Some(policy.as_str())));
    }
    for (action, p) in checks {
        if let Err(e) = allowed(&ctx, &identity, action, &group_arn, p).await {
            return groups_page(&mut ctx, &identity, Some(e)).await;
        }
    }
    let keyward = ctx.console.keyward.clone();
    let result = async {
        keyward.create_group(&caller, &name, None).await?;
        if !policy.is_empty()
            && let Err(e) = keyward
                .attach_policy(
                    &caller,
                    keyward_core::policies::EntityKind::Group,
                    &name,
                    &policy,
                )
                .await
        {
            let _ = keyward.delete_group(&caller, &name).await;
            return Err(e);
        }
        Ok(())
    }
    .await;
    match result {
        Ok(()) => ctx.redirect_with(PAGE, format!("Group {name} is created.")),
        Err(e) => groups_page(&mut ctx, &identity, Some(web::message(&e))).await,
    }
}
