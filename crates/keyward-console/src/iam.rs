//! What the IAM pages (users, groups, roles, the simulator) share: deciding
//! whether the signed-in identity may do what an API call would do, on the
//! resource the API would name; listing entities; the detail pages' shared
//! handlers (the page, attaching and detaching managed policies).

use std::collections::HashMap;

use axum::Form;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use keyward_core::authz::RequestKeys;
use keyward_core::caller::Caller;
use keyward_core::policies::EntityKind;
use keyward_core::service::PolicyFilter;

use crate::pages::{Section, UserRow};
use crate::session::Identity;
use crate::web::{self, Ctx, field, show_time};

/// The policy AWS's console attaches to a user who must set a new password
/// at next sign-in, so that the user may.
pub const CHANGE_PASSWORD_POLICY: &str = "arn:aws:iam::aws:policy/IAMUserChangePassword";

/// Whether the identity may perform `action` on `resource` (root always; an
/// IAM user by its policies, as the API decides).
pub async fn allowed(
    ctx: &Ctx,
    identity: &Identity,
    action: &str,
    resource: &str,
    policy: Option<&str>,
) -> Result<(), String> {
    allowed_on(ctx, identity, action, &Target::arn(resource), policy).await
}

/// An action's resource as the API names it for authorization: an existing
/// user, group or role by its stored path, with its tags and permissions
/// boundary as condition keys; an unknown one under `/`.
#[derive(Debug, Clone)]
pub struct Target {
    pub arn: String,
    keys: RequestKeys,
}

impl Target {
    /// An entity about to be made: under `/`, no tags.
    pub fn unknown(caller: &Caller, kind: EntityKind, name: &str) -> Self {
        Self::arn(&caller.arn_for("iam", &format!("{}/{name}", noun(kind))))
    }

    /// A resource named by its ARN alone (an MFA device, an instance profile).
    pub fn arn(arn: &str) -> Self {
        Self {
            arn: arn.to_owned(),
            keys: RequestKeys::default(),
        }
    }
}

pub async fn target(ctx: &Ctx, caller: &Caller, kind: EntityKind, name: &str) -> Target {
    let keyward = &ctx.console.keyward;
    let account = &caller.account_id;
    let mut keys = RequestKeys::default();
    let found = match kind {
        EntityKind::User => keyward.user(account, name).await.ok().map(|u| {
            keys.permissions_boundary
                .clone_from(&u.permissions_boundary);
            keys.resource_tags.clone_from(&u.tags);
            u.arn(caller.partition)
        }),
        EntityKind::Group => keyward
            .group(account, name)
            .await
            .ok()
            .map(|g| g.arn(caller.partition)),
        EntityKind::Role => keyward.role(account, name).await.ok().map(|r| {
            keys.permissions_boundary
                .clone_from(&r.permissions_boundary);
            keys.resource_tags.clone_from(&r.tags);
            r.arn(caller.partition)
        }),
    };
    match found {
        Some(arn) => Target { arn, keys },
        None => Target::unknown(caller, kind, name),
    }
}

pub async fn allowed_on(
    ctx: &Ctx,
    identity: &Identity,
    action: &str,
    target: &Target,
    policy: Option<&str>,
) -> Result<(), String> {
    if identity.is_root() {
        return Ok(());
    }
    let mut keys = target.keys.clone();
    keys.policy_arn = policy.map(str::to_owned);
    ctx.console
        .keyward
        .authorize(&ctx.caller(identity), action, &target.arn, &keys)
        .await
        .map_err(|e| web::message(&e))
}

/// One permission a change needs: an action on a target, with the managed
/// policy it attaches or detaches (`iam:PolicyARN`).
#[derive(Debug, Clone)]
pub struct Check {
    pub action: &'static str,
    pub target: Target,
    pub policy: Option<String>,
}

impl Check {
    pub fn new(action: &'static str, target: &Target) -> Self {
        Self {
            action,
            target: target.clone(),
            policy: None,
        }
    }

    pub fn with_policy(action: &'static str, target: &Target, policy: &str) -> Self {
        Self {
            action,
            target: target.clone(),
            policy: Some(policy.to_owned()),
        }
    }
}

/// Every check, in order; the first refusal is the answer. Run before any
/// write, so a refused step leaves nothing done.
pub async fn allowed_all(ctx: &Ctx, identity: &Identity, checks: &[Check]) -> Result<(), String> {
    for c in checks {
        allowed_on(ctx, identity, c.action, &c.target, c.policy.as_deref()).await?;
    }
    Ok(())
}

/// The kinds as const parameters, so that one handler serves the pages of
/// users, groups and roles alike.
pub const USERS: u8 = 0;
pub const GROUPS: u8 = 1;
pub const ROLES: u8 = 2;

pub const fn kind(k: u8) -> EntityKind {
    match k {
        USERS => EntityKind::User,
        GROUPS => EntityKind::Group,
        _ => EntityKind::Role,
    }
}

/// An entity's page.
pub async fn detail<const K: u8>(mut ctx: Ctx, Path(name): Path<String>) -> Response {
    match ctx.identity() {
        Ok(identity) => show_detail(&mut ctx, &identity, kind(K), &name, None).await,
        Err(r) => r,
    }
}

/// The attach form of an entity's page.
pub async fn attach<const K: u8>(
    ctx: Ctx,
    Path(name): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    policy_change(ctx, kind(K), name, form, true).await
}

/// The detach buttons of an entity's page.
pub async fn detach<const K: u8>(
    ctx: Ctx,
    Path(name): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    policy_change(ctx, kind(K), name, form, false).await
}

/// `user`, `group` or `role`: the ARN's resource type.
pub fn noun(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::User => "user",
        EntityKind::Group => "group",
        EntityKind::Role => "role",
    }
}

/// The list page of a kind.
pub fn list_path(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::User => "/console/iam/users",
        EntityKind::Group => "/console/iam/groups",
        EntityKind::Role => "/console/iam/roles",
    }
}

/// The detail page of one entity.
pub fn detail_path(kind: EntityKind, name: &str) -> String {
    format!("{}/{name}", list_path(kind))
}

fn list_action(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::User => "iam:ListUsers",
        EntityKind::Group => "iam:ListGroups",
        EntityKind::Role => "iam:ListRoles",
    }
}

/// The entities of a kind, when the identity may list them (ListUsers,
/// ListGroups or ListRoles on the path `/`).
pub async fn entity_rows(
    ctx: &Ctx,
    identity: &Identity,
    kind: EntityKind,
) -> Result<Vec<UserRow>, Listing> {
    let caller = ctx.caller(identity);
    let all = caller.arn_for("iam", &format!("{}/", noun(kind)));
    allowed(ctx, identity, list_action(kind), &all, None)
        .await
        .map_err(Listing::Denied)?;
    let keyward = &ctx.console.keyward;
    let p = caller.partition;
    let row = |arn: String, name: String, created| UserRow {
        name,
        arn,
        created: show_time(created),
    };
    let rows = match kind {
        EntityKind::User => keyward
            .list_users(&caller, None, None, Some(1000))
            .await
            .map(|page| {
                page.items
                    .into_iter()
                    .map(|u| row(u.arn(p), u.name, u.created))
                    .collect()
            }),
        EntityKind::Group => keyward
            .list_groups(&caller, None, None, Some(1000))
            .await
            .map(|page| {
                page.items
                    .into_iter()
                    .map(|g| row(g.arn(p), g.name, g.created))
                    .collect()
            }),
        EntityKind::Role => keyward
            .list_roles(&caller, None, None, Some(1000))
            .await
            .map(|page| {
                page.items
                    .into_iter()
                    .map(|r| row(r.arn(p), r.name, r.created))
                    .collect()
            }),
    };
    rows.map_err(|e| Listing::Failed(web::message(&e)))
}

/// Why a list could not be shown.
#[derive(Debug)]
pub enum Listing {
    Denied(String),
    Failed(String),
}

impl Listing {
    /// The page answering it: 403 with AWS's text, or 500.
    pub fn page(self, ctx: &mut Ctx) -> Response {
        match self {
            Self::Denied(e) => web::denied(ctx, e),
            Self::Failed(e) => web::plain(StatusCode::INTERNAL_SERVER_ERROR, &e),
        }
    }
}

/// 400 when the form just sent went wrong, else 200.
pub fn status(error: Option<&String>) -> StatusCode {
    if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    }
}

/// (name, ARN) of the managed policies the forms offer: the AWS managed
/// ones keyward ships and the account's own, by name, as ListPolicies shows
/// them; none when the identity may not list policies.
pub async fn attachable(ctx: &Ctx, identity: &Identity) -> Vec<(String, String)> {
    let caller = ctx.caller(identity);
    let all = caller.arn_for("iam", "policy/");
    if allowed(ctx, identity, "iam:ListPolicies", &all, None)
        .await
        .is_err()
    {
        return Vec::new();
    }
    let filter = PolicyFilter::default();
    match ctx.console.keyward.list_policies(&caller, &filter).await {
        Ok(list) => list.into_iter().map(|p| (p.name, p.arn)).collect(),
        Err(e) => {
            tracing::error!(error = %e, "console: listing policies");
            Vec::new()
        }
    }
}

/// The form's fields, several values per name kept (multiple selects).
#[derive(Debug, Default)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Every non-empty value of `name`, once each, in order.
    pub fn all(&self, name: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (k, v) in &self.0 {
            if k == name && !v.is_empty() && !out.contains(v) {
                out.push(v.clone());
            }
        }
        out
    }

    /// The single-valued view the CSRF check reads.
    pub fn single(&self) -> HashMap<String, String> {
        let mut map = HashMap::new();
        map.insert("csrf".to_owned(), self.get("csrf").to_owned());
        map
    }
}

/// A detail page's change: a valid CSRF token and a recent sign-in.
pub fn sensitive(ctx: &mut Ctx, form: &HashMap<String, String>) -> Result<Identity, Response> {
    ctx.check_csrf(form)?;
    ctx.recent_identity()
}

/// The caller and the entity as a target, when the identity may read the
/// entity (GetUser, GetGroup or GetRole, as the API decides); else the 403
/// page.
pub async fn readable(
    ctx: &mut Ctx,
    identity: &Identity,
    kind: EntityKind,
    name: &str,
) -> Result<(Caller, Target), Response> {
    let caller = ctx.caller(identity);
    let on = target(ctx, &caller, kind, name).await;
    let action = match kind {
        EntityKind::User => "iam:GetUser",
        EntityKind::Group => "iam:GetGroup",
        EntityKind::Role => "iam:GetRole",
    };
    match allowed_on(ctx, identity, action, &on, None).await {
        Ok(()) => Ok((caller, on)),
        Err(e) => Err(web::denied(ctx, e)),
    }
}

/// A detail page again, with what went wrong.
pub async fn show_detail(
    ctx: &mut Ctx,
    identity: &Identity,
    kind: EntityKind,
    name: &str,
    error: Option<String>,
) -> Response {
    match kind {
        EntityKind::User => crate::users::detail_page(ctx, identity, name, error).await,
        EntityKind::Group => crate::groups::detail_page(ctx, identity, name, error).await,
        EntityKind::Role => crate::roles::detail_page(ctx, identity, name, error).await,
    }
}

/// After a change on a detail page: back to it with the message, or the
/// page again with what went wrong.
pub async fn finish(
    ctx: &mut Ctx,
    identity: &Identity,
    kind: EntityKind,
    name: &str,
    result: Result<String, String>,
) -> Response {
    match result {
        Ok(message) => ctx.redirect_with(&detail_path(kind, name), message),
        Err(e) => show_detail(ctx, identity, kind, name, Some(e)).await,
    }
}

fn policy_action(kind: EntityKind, attach: bool) -> &'static str {
    match (kind, attach) {
        (EntityKind::User, true) => "iam:AttachUserPolicy",
        (EntityKind::User, false) => "iam:DetachUserPolicy",
        (EntityKind::Group, true) => "iam:AttachGroupPolicy",
        (EntityKind::Group, false) => "iam:DetachGroupPolicy",
        (EntityKind::Role, true) => "iam:AttachRolePolicy",
        (EntityKind::Role, false) => "iam:DetachRolePolicy",
    }
}

/// Attaches (or detaches) the form's `policy`, authorized as the API's
/// Attach/Detach{User,Group,Role}Policy on the entity with `iam:PolicyARN`.
pub async fn policy_change(
    mut ctx: Ctx,
    kind: EntityKind,
    name: String,
    form: HashMap<String, String>,
    attach: bool,
) -> Response {
    let identity = match sensitive(&mut ctx, &form) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let policy = field(&form, "policy").to_owned();
    let caller = ctx.caller(&identity);
    let result = async {
        let target = target(&ctx, &caller, kind, &name).await;
        allowed_on(
            &ctx,
            &identity,
            policy_action(kind, attach),
            &target,
            Some(&policy),
        )
        .await?;
        let keyward = &ctx.console.keyward;
        let (done, verb) = if attach {
            (
                keyward.attach_policy(&caller, kind, &name, &policy).await,
                "attached to",
            )
        } else {
            (
                keyward.detach_policy(&caller, kind, &name, &policy).await,
                "detached from",
            )
        };
        done.map_err(|e| web::message(&e))?;
        Ok(format!("Policy {policy} is {verb} {name}."))
    }
    .await;
    finish(&mut ctx, &identity, kind, &name, result).await
}

/// AddUserToGroup or RemoveUserFromGroup, authorized on the group as the
/// API does; from the user's page and from the group's.
pub async fn membership(
    ctx: &Ctx,
    identity: &Identity,
    group: &str,
    user: &str,
    add: bool,
) -> Result<String, String> {
    let caller = ctx.caller(identity);
    let on = target(ctx, &caller, EntityKind::Group, group).await;
    let keyward = &ctx.console.keyward;
    let done = if add {
        allowed_on(ctx, identity, "iam:AddUserToGroup", &on, None).await?;
        keyward.add_user_to_group(&caller, group, user).await
    } else {
        allowed_on(ctx, identity, "iam:RemoveUserFromGroup", &on, None).await?;
        keyward.remove_user_from_group(&caller, group, user).await
    };
    done.map_err(|e| web::message(&e))?;
    let verb = if add { "added to" } else { "removed from" };
    Ok(format!("User {user} is {verb} group {group}."))
}

/// A detail page's section: what the identity may read (`action` on
/// `on`), or the refusal.
pub async fn section<T>(
    ctx: &Ctx,
    identity: &Identity,
    action: &str,
    on: &Target,
    read: impl Future<Output = keyward_core::Result<Vec<T>>>,
) -> Section<T> {
    if let Err(e) = allowed_on(ctx, identity, action, on, None).await {
        return Section::denied(e);
    }
    Section::of(read.await.map_err(|e| web::message(&e)))
}

/// The managed policies attached to an entity, as
/// ListAttached{User,Group,Role}Policies allows.
pub async fn attached_section(
    ctx: &Ctx,
    identity: &Identity,
    kind: EntityKind,
    name: &str,
    on: &Target,
) -> Section<(String, String)> {
    let action = match kind {
        EntityKind::User => "iam:ListAttachedUserPolicies",
        EntityKind::Group => "iam:ListAttachedGroupPolicies",
        EntityKind::Role => "iam:ListAttachedRolePolicies",
    };
    let caller = ctx.caller(identity);
    section(ctx, identity, action, on, async {
        let ps = ctx
            .console
            .keyward
            .attached_policies(&caller, kind, name, None)
            .await?;
        Ok(ps
            .into_iter()
            .map(|p| (p.policy_name, p.policy_arn))
            .collect())
    })
    .await
}
