//! IAM groups: the list, a create form that can attach a managed policy, and
//! a detail page per group (members, policies, deletion).

use std::collections::HashMap;

use axum::Form;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use keyward_core::policies::EntityKind;

use crate::iam::{self, Check, Target, entity_rows, finish, sensitive};
use crate::pages::{GroupDetail, Groups, Section};
use crate::session::Identity;
use crate::web::{self, Ctx, field, render_status, show_time};

type FormData = Form<HashMap<String, String>>;

const GROUP: EntityKind = EntityKind::Group;

async fn groups_page(ctx: &mut Ctx, identity: &Identity, error: Option<String>) -> Response {
    let groups = match entity_rows(ctx, identity, GROUP).await {
        Ok(rows) => rows,
        Err(e) => return e.page(ctx),
    };
    let policies = iam::attachable(ctx, identity).await;
    let status = iam::status(error.as_ref());
    let mut c = ctx.chrome("IAM groups");
    c.error = error;
    render_status(
        status,
        &Groups {
            c,
            groups,
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

/// Creates the group with the policy attached: both are checked against the
/// caller's permissions first, then written in one transaction.
pub async fn create(mut ctx: Ctx, Form(form): FormData) -> Response {
    if let Err(r) = ctx.check_csrf(&form) {
        return r;
    }
    let identity = match ctx.recent_identity() {
        Ok(i) => i,
        Err(r) => return r,
    };
    let name = field(&form, "group_name").trim().to_owned();
    let policies: Vec<String> = Some(field(&form, "policy").to_owned())
        .filter(|p| !p.is_empty())
        .into_iter()
        .collect();
    let caller = ctx.caller(&identity);
    let group = Target::unknown(&caller, GROUP, &name);
    let mut checks = vec![Check::new("iam:CreateGroup", &group)];
    checks.extend(
        policies
            .iter()
            .map(|p| Check::with_policy("iam:AttachGroupPolicy", &group, p)),
    );
    if let Err(e) = iam::allowed_all(&ctx, &identity, &checks).await {
        return groups_page(&mut ctx, &identity, Some(e)).await;
    }
    let keyward = ctx.console.keyward.clone();
    match keyward
        .create_group_with(&caller, &name, None, &policies)
        .await
    {
        Ok(_) => ctx.redirect_with(iam::list_path(GROUP), format!("Group {name} is created.")),
        Err(e) => groups_page(&mut ctx, &identity, Some(web::message(&e))).await,
    }
}

/// The group's page, or the API's refusal of GetGroup.
pub async fn detail_page(
    ctx: &mut Ctx,
    identity: &Identity,
    name: &str,
    error: Option<String>,
) -> Response {
    let (caller, on) = match iam::readable(ctx, identity, GROUP, name).await {
        Ok(r) => r,
        Err(denied) => return denied,
    };
    let keyward = ctx.console.keyward.clone();
    let group = match keyward.get_group(&caller, name, None, Some(1000)).await {
        Ok(g) => g,
        Err(e) => return web::plain(StatusCode::NOT_FOUND, &web::message(&e)),
    };
    let members: Vec<String> = group.users.items.into_iter().map(|u| u.name).collect();
    let attached = iam::attached_section(ctx, identity, GROUP, name, &on).await;
    let addable = entity_rows(ctx, identity, EntityKind::User)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|u| u.name)
        .filter(|u| !members.contains(u))
        .collect();
    let attachable = iam::attachable(ctx, identity).await;
    let status = iam::status(error.as_ref());
    let mut c = ctx.chrome(&format!("Group {name}"));
    c.error = error;
    render_status(
        status,
        &GroupDetail {
            c,
            base: iam::detail_path(GROUP, name),
            name: group.group.name.clone(),
            arn: group.group.arn(caller.partition),
            created: show_time(group.group.created),
            members: Section::of(Ok(members)),
            addable,
            attached,
            attachable,
        },
    )
}

/// Adds or removes the form's `user`.
async fn membership(
    mut ctx: Ctx,
    name: String,
    form: HashMap<String, String>,
    add: bool,
) -> Response {
    let identity = match sensitive(&mut ctx, &form) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let user = field(&form, "user");
    let result = iam::membership(&ctx, &identity, &name, user, add).await;
    finish(&mut ctx, &identity, GROUP, &name, result).await
}

pub async fn add_member(ctx: Ctx, Path(name): Path<String>, Form(form): FormData) -> Response {
    membership(ctx, name, form, true).await
}

pub async fn remove_member(ctx: Ctx, Path(name): Path<String>, Form(form): FormData) -> Response {
    membership(ctx, name, form, false).await
}
