//! IAM users: the list, a create flow (console password, access key, groups,
//! managed policies in one form) and a detail page per user (groups,
//! policies, access keys, console password, deletion).

use std::collections::HashMap;

use axum::Form;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use keyward_core::caller::Caller;
use keyward_core::crypto::Secret;
use keyward_core::model::KeyStatus;
use keyward_core::policies::EntityKind;
use keyward_core::service::Keyward;
use keyward_core::{Error, password};

use crate::iam::{
    self, CHANGE_PASSWORD_POLICY, Check, Fields, Target, Undo, allowed_on, entity_rows, finish,
    sensitive, target,
};
use crate::pages::{KeyRow, Section, UserDetail, UserKeyCreated, Users};
use crate::session::Identity;
use crate::web::{self, Ctx, field, render, render_status, show_time};

type FormData = Form<HashMap<String, String>>;

const USER: EntityKind = EntityKind::User;

async fn users_page(ctx: &mut Ctx, identity: &Identity, error: Option<String>) -> Response {
    let users = match entity_rows(ctx, identity, USER).await {
        Ok(rows) => rows,
        Err(e) => return e.page(ctx),
    };
    let groups = entity_rows(ctx, identity, EntityKind::Group)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|g| g.name)
        .collect();
    let policies = iam::attachable(ctx, identity).await;
    let status = iam::status(error.as_ref());
    let mut c = ctx.chrome("IAM users");
    c.error = error;
    render_status(
        status,
        &Users {
            c,
            users,
            groups,
            policies,
        },
    )
}

pub async fn page(mut ctx: Ctx) -> Response {
    match ctx.identity() {
        Ok(identity) => users_page(&mut ctx, &identity, None).await,
        Err(r) => r,
    }
}

/// What the create form asks for.
struct NewUser {
    name: String,
    password: Option<Secret>,
    reset_required: bool,
    access_key: bool,
    groups: Vec<String>,
    policies: Vec<String>,
}

impl NewUser {
    fn from_form(form: &Fields) -> Result<Self, String> {
        let password = Some(Secret::new(form.get("password"))).filter(|p| !p.expose().is_empty());
        let reset_required = form.get("reset_required") == "yes";
        if reset_required && password.is_none() {
            return Err(
                "Enter a console password to require a new one at the next sign-in.".into(),
            );
        }
        let mut policies = form.all("policies");
        // As AWS's console does: a user who must change the password may.
        if reset_required && !policies.iter().any(|p| p == CHANGE_PASSWORD_POLICY) {
            policies.push(CHANGE_PASSWORD_POLICY.to_owned());
        }
        Ok(Self {
            name: form.get("user_name").trim().to_owned(),
            password,
            reset_required,
            access_key: form.get("access_key") == "yes",
            groups: form.all("groups"),
            policies,
        })
    }

    /// Every permission the steps need, as the API calls would need them.
    async fn checks(&self, ctx: &Ctx, caller: &Caller) -> Vec<Check> {
        let user = Target::unknown(caller, USER, &self.name);
        let mut checks = vec![Check::new("iam:CreateUser", &user)];
        if self.password.is_some() {
            checks.push(Check::new("iam:CreateLoginProfile", &user));
        }
        for g in &self.groups {
            let group = target(ctx, caller, EntityKind::Group, g).await;
            checks.push(Check::new("iam:AddUserToGroup", &group));
        }
        for p in &self.policies {
            checks.push(Check::with_policy("iam:AttachUserPolicy", &user, p));
        }
        if self.access_key {
            checks.push(Check::new("iam:CreateAccessKey", &user));
        }
        checks
    }

    /// The password against the account's policy before anything is written
    /// (the likeliest refusal, and the one the user can fix).
    async fn check_password(&self, keyward: &Keyward, caller: &Caller) -> Result<(), String> {
        let Some(p) = &self.password else {
            return Ok(());
        };
        let policy = keyward.password_policy(caller).await.ok();
        password::check_user_password(p, policy.as_ref(), &self.name)
            .map_err(|m| web::message(&Error::PasswordPolicyViolation(m)))
    }

    /// The writes, in order; on a failure the ones done are taken back.
    async fn write(
        &self,
        keyward: &Keyward,
        caller: &Caller,
    ) -> keyward_core::Result<Option<(String, Secret)>> {
        let mut done = Vec::new();
        let result = self.write_steps(keyward, caller, &mut done).await;
        if result.is_err() {
            iam::undo(keyward, caller, done).await;
        }
        result
    }

    async fn write_steps(
        &self,
        keyward: &Keyward,
        caller: &Caller,
        done: &mut Vec<Undo>,
    ) -> keyward_core::Result<Option<(String, Secret)>> {
        let name = &self.name;
        keyward
            .create_user(caller, name, None, None, Vec::new())
            .await?;
        done.push(Undo::Delete(USER, name.clone()));
        if let Some(p) = &self.password {
            keyward
                .create_login_profile(caller, name, p, self.reset_required)
                .await?;
            done.push(Undo::LoginProfile(name.clone()));
        }
        for g in &self.groups {
            keyward.add_user_to_group(caller, g, name).await?;
            done.push(Undo::Membership {
                group: g.clone(),
                user: name.clone(),
            });
        }
        for p in &self.policies {
            keyward.attach_policy(caller, USER, name, p).await?;
            done.push(Undo::Attachment(USER, name.clone(), p.clone()));
        }
        if !self.access_key {
            return Ok(None);
        }
        let key = keyward.create_access_key(caller, Some(name)).await?;
        done.push(Undo::AccessKey {
            user: name.clone(),
            id: key.key.access_key_id.clone(),
        });
        Ok(Some((key.key.access_key_id, key.secret)))
    }
}

/// Creates the user with everything the form asks for. Every step is
/// authorized before the first write; a failed step takes back the others.
pub async fn create(mut ctx: Ctx, Form(pairs): Form<Vec<(String, String)>>) -> Response {
    let form = Fields(pairs);
    if let Err(r) = ctx.check_csrf(&form.single()) {
        return r;
    }
    let identity = match ctx.recent_identity() {
        Ok(i) => i,
        Err(r) => return r,
    };
    let new = match NewUser::from_form(&form) {
        Ok(n) => n,
        Err(e) => return users_page(&mut ctx, &identity, Some(e)).await,
    };
    let caller = ctx.caller(&identity);
    let checks = new.checks(&ctx, &caller).await;
    if let Err(e) = iam::allowed_all(&ctx, &identity, &checks).await {
        return users_page(&mut ctx, &identity, Some(e)).await;
    }
    let keyward = ctx.console.keyward.clone();
    if let Err(e) = new.check_password(&keyward, &caller).await {
        return users_page(&mut ctx, &identity, Some(e)).await;
    }
    match new.write(&keyward, &caller).await {
        Ok(None) => ctx.redirect_with(
            iam::list_path(USER),
            format!("User {} is created.", new.name),
        ),
        Ok(Some((id, secret))) => {
            ctx.session.new_user_key = Some((new.name.clone(), id, secret));
            ctx.session.flash = Some(format!("User {} is created.", new.name));
            ctx.save();
            Redirect::to(&format!("{}/new-key", iam::detail_path(USER, &new.name))).into_response()
        }
        Err(e) => users_page(&mut ctx, &identity, Some(web::message(&e))).await,
    }
}

/// The new key of `name` kept in the session, until Done.
fn new_key(ctx: &Ctx, name: &str) -> Option<(String, Secret)> {
    ctx.session
        .new_user_key
        .as_ref()
        .filter(|(user, _, _)| user == name)
        .map(|(_, id, secret)| (id.clone(), secret.clone()))
}

/// The created user's access key: the only time its secret is shown.
pub async fn key_created_page(mut ctx: Ctx, Path(name): Path<String>) -> Response {
    let identity = match ctx.identity() {
        Ok(i) => i,
        Err(r) => return r,
    };
    let Some((id, secret)) = new_key(&ctx, &name) else {
        return Redirect::to(&iam::detail_path(USER, &name)).into_response();
    };
    let sign_in_url = format!("{}/signin/iam?account={}", ctx.origin, identity.account_id);
    render(&UserKeyCreated {
        c: ctx.chrome("Access key created"),
        base: iam::detail_path(USER, &name),
        user_name: name.clone(),
        sign_in_url,
        id,
        secret: secret.expose().to_owned(),
        file_name: format!("{name}_accessKeys.csv"),
    })
}

/// The key as AWS's console downloads a user's key: `{user}_accessKeys.csv`.
pub async fn key_download(ctx: Ctx, Path(name): Path<String>) -> Response {
    if let Err(r) = ctx.identity() {
        return r;
    }
    let Some((id, secret)) = new_key(&ctx, &name) else {
        return Redirect::to(&iam::detail_path(USER, &name)).into_response();
    };
    let body = format!(
        "Access key ID,Secret access key\r\n{id},{}\r\n",
        secret.expose()
    );
    let disposition = format!("attachment; filename=\"{name}_accessKeys.csv\"");
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}

pub async fn key_done(mut ctx: Ctx, Path(name): Path<String>, Form(form): FormData) -> Response {
    if let Err(r) = ctx.check_csrf(&form) {
        return r;
    }
    ctx.session.new_user_key = None;
    ctx.save();
    Redirect::to(&iam::detail_path(USER, &name)).into_response()
}

/// A section of a detail page: what the identity may read, or why not.
async fn section<T>(
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

/// The user's page, or the API's refusal of GetUser.
pub async fn detail_page(
    ctx: &mut Ctx,
    identity: &Identity,
    name: &str,
    error: Option<String>,
) -> Response {
    let caller = ctx.caller(identity);
    let user_target = target(ctx, &caller, USER, name).await;
    if let Err(e) = allowed_on(ctx, identity, "iam:GetUser", &user_target, None).await {
        return web::denied(ctx, e);
    }
    let keyward = ctx.console.keyward.clone();
    let user = match keyward.user(&caller.account_id, name).await {
        Ok(u) => u,
        Err(e) => return web::plain(StatusCode::NOT_FOUND, &web::message(&e)),
    };
    let on = &user_target;
    let groups = section(ctx, identity, "iam:ListGroupsForUser", on, async {
        let gs = keyward.groups_for_user(&caller, name).await?;
        Ok(gs.into_iter().map(|g| g.name).collect())
    })
    .await;
    let attached = section(ctx, identity, "iam:ListAttachedUserPolicies", on, async {
        let ps = keyward.attached_policies(&caller, USER, name, None).await?;
        Ok(ps
            .into_iter()
            .map(|p| (p.policy_name, p.policy_arn))
            .collect())
    })
    .await;
    let keys = section(ctx, identity, "iam:ListAccessKeys", on, async {
        let ks = keyward.list_access_keys(&caller, Some(name)).await?;
        Ok(ks.into_iter().map(|k| key_row(k.key)).collect())
    })
    .await;
    let login = section(ctx, identity, "iam:GetLoginProfile", on, async {
        match keyward.login_profile(&caller, name).await {
            Ok((_, p)) => Ok(vec![p.password_reset_required]),
            Err(Error::NoSuchEntity(_)) => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    })
    .await;
    let joinable = entity_rows(ctx, identity, EntityKind::Group)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|g| g.name)
        .filter(|g| !groups.items.contains(g))
        .collect();
    let attachable = iam::attachable(ctx, identity).await;
    let status = iam::status(error.as_ref());
    let mut c = ctx.chrome(&format!("User {name}"));
    c.error = error;
    render_status(
        status,
        &UserDetail {
            c,
            base: iam::detail_path(USER, name),
            name: user.name.clone(),
            arn: user.arn(caller.partition),
            created: show_time(user.created),
            groups,
            joinable,
            attached,
            attachable,
            keys,
            login,
        },
    )
}

fn key_row(key: keyward_core::model::AccessKey) -> KeyRow {
    KeyRow {
        id: key.access_key_id,
        active: key.status == KeyStatus::Active,
        created: show_time(key.created),
        last_used: key.last_used.map_or_else(
            || "Never".to_owned(),
            |u| format!("{} ({}, {})", show_time(u.at), u.service, u.region),
        ),
    }
}

pub async fn detail(mut ctx: Ctx, Path(name): Path<String>) -> Response {
    match ctx.identity() {
        Ok(identity) => detail_page(&mut ctx, &identity, &name, None).await,
        Err(r) => r,
    }
}

pub async fn attach(ctx: Ctx, Path(name): Path<String>, Form(form): FormData) -> Response {
    iam::policy_change(ctx, USER, name, form, true).await
}

pub async fn detach(ctx: Ctx, Path(name): Path<String>, Form(form): FormData) -> Response {
    iam::policy_change(ctx, USER, name, form, false).await
}

/// Runs one change of the user's page: authorized, then written.
async fn change<F, Fut>(mut ctx: Ctx, name: String, form: HashMap<String, String>, f: F) -> Response
where
    F: FnOnce(Ctx, Identity, Caller, String, HashMap<String, String>) -> Fut,
    Fut: Future<Output = (Ctx, Result<String, String>)>,
{
    let identity = match sensitive(&mut ctx, &form) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let caller = ctx.caller(&identity);
    let (mut ctx, result) = f(ctx, identity.clone(), caller, name.clone(), form).await;
    finish(&mut ctx, &identity, USER, &name, result).await
}

/// One API call's permission on the user, then the call.
async fn on_user(ctx: &Ctx, identity: &Identity, name: &str, action: &str) -> Result<(), String> {
    let caller = ctx.caller(identity);
    let t = target(ctx, &caller, USER, name).await;
    allowed_on(ctx, identity, action, &t, None).await
}

pub async fn join_group(ctx: Ctx, Path(name): Path<String>, Form(form): FormData) -> Response {
    change(
        ctx,
        name,
        form,
        |ctx, identity, caller, name, form| async move {
            let group = field(&form, "group").to_owned();
            let result = async {
                let t = target(&ctx, &caller, EntityKind::Group, &group).await;
                allowed_on(&ctx, &identity, "iam:AddUserToGroup", &t, None).await?;
                ctx.console
                    .keyward
                    .add_user_to_group(&caller, &group, &name)
                    .await
                    .map_err(|e| web::message(&e))?;
                Ok(format!("User {name} is added to group {group}."))
            }
            .await;
            (ctx, result)
        },
    )
    .await
}

pub async fn leave_group(ctx: Ctx, Path(name): Path<String>, Form(form): FormData) -> Response {
    change(
        ctx,
        name,
        form,
        |ctx, identity, caller, name, form| async move {
            let group = field(&form, "group").to_owned();
            let result = async {
                let t = target(&ctx, &caller, EntityKind::Group, &group).await;
                allowed_on(&ctx, &identity, "iam:RemoveUserFromGroup", &t, None).await?;
                ctx.console
                    .keyward
                    .remove_user_from_group(&caller, &group, &name)
                    .await
                    .map_err(|e| web::message(&e))?;
                Ok(format!("User {name} is removed from group {group}."))
            }
            .await;
            (ctx, result)
        },
    )
    .await
}

pub async fn key_status(ctx: Ctx, Path(name): Path<String>, Form(form): FormData) -> Response {
    change(
        ctx,
        name,
        form,
        |ctx, identity, caller, name, form| async move {
            let id = field(&form, "id").to_owned();
            let status = field(&form, "status").to_owned();
            let result = async {
                on_user(&ctx, &identity, &name, "iam:UpdateAccessKey").await?;
                ctx.console
                    .keyward
                    .update_access_key(&caller, Some(&name), &id, &status)
                    .await
                    .map_err(|e| web::message(&e))?;
                Ok(format!("Access key {id} is now {}.", status.to_lowercase()))
            }
            .await;
            (ctx, result)
        },
    )
    .await
}

pub async fn key_delete(ctx: Ctx, Path(name): Path<String>, Form(form): FormData) -> Response {
    change(
        ctx,
        name,
        form,
        |ctx, identity, caller, name, form| async move {
            let id = field(&form, "id").to_owned();
            let result = async {
                if field(&form, "confirm").trim() != id {
                    return Err(format!(
                        "To delete access key {id}, type its ID in the confirmation field."
                    ));
                }
                on_user(&ctx, &identity, &name, "iam:DeleteAccessKey").await?;
                ctx.console
                    .keyward
                    .delete_access_key(&caller, Some(&name), &id)
                    .await
                    .map_err(|e| web::message(&e))?;
                Ok(format!("Access key {id} is deleted."))
            }
            .await;
            (ctx, result)
        },
    )
    .await
}

/// Sets the console password: CreateLoginProfile for a user without one,
/// UpdateLoginProfile otherwise; with a required reset, IAMUserChangePassword
/// is attached too, as AWS's console does.
pub async fn set_password(ctx: Ctx, Path(name): Path<String>, Form(form): FormData) -> Response {
    change(
        ctx,
        name,
        form,
        |ctx, identity, caller, name, form| async move {
            let password = Secret::new(field(&form, "password"));
            let reset = field(&form, "reset_required") == "yes";
            let result = async {
                let keyward = &ctx.console.keyward;
                let exists = keyward.login_profile(&caller, &name).await.is_ok();
                let action = if exists {
                    "iam:UpdateLoginProfile"
                } else {
                    "iam:CreateLoginProfile"
                };
                on_user(&ctx, &identity, &name, action).await?;
                let attached = keyward
                    .attached_policies(&caller, USER, &name, None)
                    .await
                    .map_err(|e| web::message(&e))?;
                let attach = reset
                    && !attached
                        .iter()
                        .any(|p| p.policy_arn == CHANGE_PASSWORD_POLICY);
                if attach {
                    let t = target(&ctx, &caller, USER, &name).await;
                    let check =
                        Check::with_policy("iam:AttachUserPolicy", &t, CHANGE_PASSWORD_POLICY);
                    iam::allowed_all(&ctx, &identity, &[check]).await?;
                }
                let written = if exists {
                    keyward
                        .update_login_profile(&caller, &name, Some(&password), Some(reset))
                        .await
                } else {
                    keyward
                        .create_login_profile(&caller, &name, &password, reset)
                        .await
                        .map(|_| ())
                };
                written.map_err(|e| web::message(&e))?;
                if attach {
                    keyward
                        .attach_policy(&caller, USER, &name, CHANGE_PASSWORD_POLICY)
                        .await
                        .map_err(|e| web::message(&e))?;
                }
                Ok(format!("The console password of {name} is set."))
            }
            .await;
            (ctx, result)
        },
    )
    .await
}

pub async fn remove_password(ctx: Ctx, Path(name): Path<String>, Form(form): FormData) -> Response {
    change(
        ctx,
        name,
        form,
        |ctx, identity, caller, name, _form| async move {
            let result = async {
                on_user(&ctx, &identity, &name, "iam:DeleteLoginProfile").await?;
                ctx.console
                    .keyward
                    .delete_login_profile(&caller, &name)
                    .await
                    .map_err(|e| web::message(&e))?;
                Ok(format!("{name} can no longer sign in to the console."))
            }
            .await;
            (ctx, result)
        },
    )
    .await
}

/// Deletes the user as AWS's console does: its access keys, console
/// password, MFA devices, inline and attached policies and group
/// memberships first, then the user. Every call is authorized before the
/// first one is made.
pub async fn delete(mut ctx: Ctx, Path(name): Path<String>, Form(form): FormData) -> Response {
    let identity = match sensitive(&mut ctx, &form) {
        Ok(i) => i,
        Err(r) => return r,
    };
    if field(&form, "confirm").trim() != name {
        let e = format!("To delete the user, type its name {name} in the confirmation field.");
        return detail_page(&mut ctx, &identity, &name, Some(e)).await;
    }
    let caller = ctx.caller(&identity);
    let keyward = ctx.console.keyward.clone();
    let plan = match dependents(&ctx, &identity, &caller, &name).await {
        Ok(p) => p,
        Err(e) => return detail_page(&mut ctx, &identity, &name, Some(e)).await,
    };
    if let Err(e) = iam::allowed_all(&ctx, &identity, &plan.checks).await {
        return detail_page(&mut ctx, &identity, &name, Some(e)).await;
    }
    match plan.run(&keyward, &caller, &name).await {
        Ok(()) => ctx.redirect_with(iam::list_path(USER), format!("User {name} is deleted.")),
        Err(e) => detail_page(&mut ctx, &identity, &name, Some(web::message(&e))).await,
    }
}

/// What stands in the way of DeleteUser, and the permissions to clear it.
struct UserDependents {
    checks: Vec<Check>,
    keys: Vec<String>,
    login: bool,
    mfa: Vec<String>,
    inline: Vec<String>,
    attached: Vec<String>,
    groups: Vec<String>,
}

async fn dependents(
    ctx: &Ctx,
    identity: &Identity,
    caller: &Caller,
    name: &str,
) -> Result<UserDependents, String> {
    let keyward = &ctx.console.keyward;
    let user = target(ctx, caller, USER, name).await;
    let reads = [
        "iam:ListAccessKeys",
        "iam:GetLoginProfile",
        "iam:ListMFADevices",
        "iam:ListUserPolicies",
        "iam:ListAttachedUserPolicies",
        "iam:ListGroupsForUser",
    ];
    let checks: Vec<Check> = reads.iter().map(|a| Check::new(a, &user)).collect();
    iam::allowed_all(ctx, identity, &checks).await?;
    let m = |e: Error| web::message(&e);
    let keys = keyward
        .list_access_keys(caller, Some(name))
        .await
        .map_err(m)?;
    let login = keyward.login_profile(caller, name).await.is_ok();
    let mfa = keyward
        .list_mfa_devices_and_keys(caller, Some(name))
        .await
        .map_err(m)?;
    let inline = keyward
        .inline_policy_names(caller, USER, name)
        .await
        .map_err(m)?;
    let attached = keyward
        .attached_policies(caller, USER, name, None)
        .await
        .map_err(m)?;
    let groups = keyward.groups_for_user(caller, name).await.map_err(m)?;
    let mut plan = UserDependents {
        checks: Vec::new(),
        keys: keys.into_iter().map(|k| k.key.access_key_id).collect(),
        login,
        mfa: mfa.into_iter().map(|d| d.serial_number).collect(),
        inline,
        attached: attached.into_iter().map(|p| p.policy_arn).collect(),
        groups: groups.into_iter().map(|g| g.name).collect(),
    };
    let c = &mut plan.checks;
    if !plan.keys.is_empty() {
        c.push(Check::new("iam:DeleteAccessKey", &user));
    }
    if plan.login {
        c.push(Check::new("iam:DeleteLoginProfile", &user));
    }
    for serial in &plan.mfa {
        c.push(Check::new("iam:DeactivateMFADevice", &user));
        if !serial.contains(":u2f/") {
            c.push(Check::new(
                "iam:DeleteVirtualMFADevice",
                &Target::arn(serial),
            ));
        }
    }
    if !plan.inline.is_empty() {
        c.push(Check::new("iam:DeleteUserPolicy", &user));
    }
    for arn in &plan.attached {
        c.push(Check::with_policy("iam:DetachUserPolicy", &user, arn));
    }
    for g in &plan.groups {
        let group = target(ctx, caller, EntityKind::Group, g).await;
        c.push(Check::new("iam:RemoveUserFromGroup", &group));
    }
    c.push(Check::new("iam:DeleteUser", &user));
    Ok(plan)
}

impl UserDependents {
    async fn run(
        &self,
        keyward: &Keyward,
        caller: &Caller,
        name: &str,
    ) -> keyward_core::Result<()> {
        for id in &self.keys {
            keyward.delete_access_key(caller, Some(name), id).await?;
        }
        if self.login {
            keyward.delete_login_profile(caller, name).await?;
        }
        for serial in &self.mfa {
            keyward
                .deactivate_mfa_device(caller, Some(name), serial)
                .await?;
            if !serial.contains(":u2f/") {
                keyward.delete_virtual_mfa_device(caller, serial).await?;
            }
        }
        for p in &self.inline {
            keyward.delete_inline_policy(caller, USER, name, p).await?;
        }
        for arn in &self.attached {
            keyward.detach_policy(caller, USER, name, arn).await?;
        }
        for g in &self.groups {
            keyward.remove_user_from_group(caller, g, name).await?;
        }
        keyward.delete_user(caller, name).await
    }
}
