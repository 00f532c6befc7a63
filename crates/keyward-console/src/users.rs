//! IAM users: the list, a create flow (console password, access key, groups,
//! managed policies in one form) and a detail page per user (groups,
//! policies, access keys, console password, deletion).

use std::collections::HashMap;

use axum::Form;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use keyward_core::Error;
use keyward_core::caller::Caller;
use keyward_core::crypto::Secret;
use keyward_core::model::KeyStatus;
use keyward_core::policies::EntityKind;
use keyward_core::service::{Keyward, NewUserInput};

use crate::iam::{
    self, CHANGE_PASSWORD_POLICY, Check, Fields, Target, allowed_on, entity_rows, finish,
    sensitive, target,
};
use crate::pages::{KeyRow, UserDetail, UserForm, UserKeyCreated, Users};
use crate::session::Identity;
use crate::web::{self, Ctx, field, render, render_status, show_time};

type FormData = Form<HashMap<String, String>>;

const USER: EntityKind = EntityKind::User;

/// The list and the create form, the form filled again after an error
/// (all but the password).
async fn users_page(
    ctx: &mut Ctx,
    identity: &Identity,
    form: UserForm,
    error: Option<String>,
) -> Response {
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
            form,
        },
    )
}

pub async fn page(mut ctx: Ctx) -> Response {
    match ctx.identity() {
        Ok(identity) => users_page(&mut ctx, &identity, UserForm::default(), None).await,
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

    /// The user and everything with it, in one write (nothing is left when
    /// any part is refused).
    async fn write(
        &self,
        keyward: &Keyward,
        caller: &Caller,
    ) -> keyward_core::Result<Option<(String, Secret)>> {
        let input = NewUserInput {
            name: &self.name,
            password: self.password.as_ref().map(|p| (p, self.reset_required)),
            groups: &self.groups,
            policies: &self.policies,
            access_key: self.access_key,
        };
        let (_, key) = keyward.create_user_with(caller, &input).await?;
        Ok(key.map(|k| (k.key.access_key_id, k.secret)))
    }
}

/// Creates the user with everything the form asks for: every part is
/// authorized first, then all is written in one transaction.
pub async fn create(mut ctx: Ctx, Form(pairs): Form<Vec<(String, String)>>) -> Response {
    let form = Fields(pairs);
    if let Err(r) = ctx.check_csrf(&form.single()) {
        return r;
    }
    let identity = match ctx.recent_identity() {
        Ok(i) => i,
        Err(r) => return r,
    };
    let echo = UserForm {
        name: form.get("user_name").to_owned(),
        reset_required: form.get("reset_required") == "yes",
        access_key: form.get("access_key") == "yes",
        groups: form.all("groups"),
        policies: form.all("policies"),
    };
    let new = match NewUser::from_form(&form) {
        Ok(n) => n,
        Err(e) => return users_page(&mut ctx, &identity, echo, Some(e)).await,
    };
    let caller = ctx.caller(&identity);
    let checks = new.checks(&ctx, &caller).await;
    if let Err(e) = iam::allowed_all(&ctx, &identity, &checks).await {
        return users_page(&mut ctx, &identity, echo, Some(e)).await;
    }
    let keyward = ctx.console.keyward.clone();
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
        Err(e) => users_page(&mut ctx, &identity, echo, Some(web::message(&e))).await,
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

/// The user's page, or the API's refusal of GetUser.
pub async fn detail_page(
    ctx: &mut Ctx,
    identity: &Identity,
    name: &str,
    error: Option<String>,
) -> Response {
    let (caller, user_target) = match iam::readable(ctx, identity, USER, name).await {
        Ok(r) => r,
        Err(denied) => return denied,
    };
    let keyward = ctx.console.keyward.clone();
    let user = match keyward.user(&caller.account_id, name).await {
        Ok(u) => u,
        Err(e) => return web::plain(StatusCode::NOT_FOUND, &web::message(&e)),
    };
    let on = &user_target;
    let groups = iam::section(ctx, identity, "iam:ListGroupsForUser", on, async {
        let gs = keyward.groups_for_user(&caller, name).await?;
        Ok(gs.into_iter().map(|g| g.name).collect())
    })
    .await;
    let attached = iam::attached_section(ctx, identity, USER, name, on).await;
    let keys = iam::section(ctx, identity, "iam:ListAccessKeys", on, async {
        let ks = keyward.list_access_keys(&caller, Some(name)).await?;
        Ok(ks.into_iter().map(|k| key_row(k.key)).collect())
    })
    .await;
    let login = iam::section(ctx, identity, "iam:GetLoginProfile", on, async {
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

/// A change made on the user's page.
enum UserChange {
    Group { group: String, add: bool },
    KeyStatus { id: String, status: String },
    KeyDelete { id: String, confirm: String },
    SetPassword { password: Secret, reset: bool },
    RemovePassword,
}

impl UserChange {
    /// Authorized as the API call would be, then made; the message for the
    /// page either way.
    async fn apply(&self, ctx: &Ctx, identity: &Identity, name: &str) -> Result<String, String> {
        let caller = ctx.caller(identity);
        let keyward = &ctx.console.keyward;
        let m = |e: Error| web::message(&e);
        match self {
            Self::Group { group, add } => iam::membership(ctx, identity, group, name, *add).await,
            Self::KeyStatus { id, status } => {
                on_user(ctx, identity, name, "iam:UpdateAccessKey").await?;
                keyward
                    .update_access_key(&caller, Some(name), id, status)
                    .await
                    .map_err(m)?;
                Ok(format!("Access key {id} is now {}.", status.to_lowercase()))
            }
            Self::KeyDelete { id, confirm } => {
                if confirm.trim() != id {
                    return Err(format!(
                        "To delete access key {id}, type its ID in the confirmation field."
                    ));
                }
                on_user(ctx, identity, name, "iam:DeleteAccessKey").await?;
                keyward
                    .delete_access_key(&caller, Some(name), id)
                    .await
                    .map_err(m)?;
                Ok(format!("Access key {id} is deleted."))
            }
            Self::SetPassword { password, reset } => {
                set_password(ctx, identity, name, password, *reset).await
            }
            Self::RemovePassword => {
                on_user(ctx, identity, name, "iam:DeleteLoginProfile").await?;
                keyward
                    .delete_login_profile(&caller, name)
                    .await
                    .map_err(m)?;
                Ok(format!("{name} can no longer sign in to the console."))
            }
        }
    }
}

/// Runs one change of the user's page (CSRF, recent sign-in, the API's
/// permission), then shows the page again.
async fn change(
    mut ctx: Ctx,
    name: String,
    form: HashMap<String, String>,
    parse: fn(&HashMap<String, String>) -> UserChange,
) -> Response {
    let identity = match sensitive(&mut ctx, &form) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let result = parse(&form).apply(&ctx, &identity, &name).await;
    finish(&mut ctx, &identity, USER, &name, result).await
}

/// The permission of one API call on the user.
async fn on_user(ctx: &Ctx, identity: &Identity, name: &str, action: &str) -> Result<(), String> {
    let caller = ctx.caller(identity);
    let t = target(ctx, &caller, USER, name).await;
    allowed_on(ctx, identity, action, &t, None).await
}

pub async fn join_group(ctx: Ctx, Path(name): Path<String>, Form(form): FormData) -> Response {
    change(ctx, name, form, |f| UserChange::Group {
        group: field(f, "group").to_owned(),
        add: true,
    })
    .await
}

pub async fn leave_group(ctx: Ctx, Path(name): Path<String>, Form(form): FormData) -> Response {
    change(ctx, name, form, |f| UserChange::Group {
        group: field(f, "group").to_owned(),
        add: false,
    })
    .await
}

pub async fn key_status(ctx: Ctx, Path(name): Path<String>, Form(form): FormData) -> Response {
    change(ctx, name, form, |f| UserChange::KeyStatus {
        id: field(f, "id").to_owned(),
        status: field(f, "status").to_owned(),
    })
    .await
}

pub async fn key_delete(ctx: Ctx, Path(name): Path<String>, Form(form): FormData) -> Response {
    change(ctx, name, form, |f| UserChange::KeyDelete {
        id: field(f, "id").to_owned(),
        confirm: field(f, "confirm").to_owned(),
    })
    .await
}

pub async fn set_password_form(
    ctx: Ctx,
    Path(name): Path<String>,
    Form(form): FormData,
) -> Response {
    change(ctx, name, form, |f| UserChange::SetPassword {
        password: Secret::new(field(f, "password")),
        reset: field(f, "reset_required") == "yes",
    })
    .await
}

pub async fn remove_password(ctx: Ctx, Path(name): Path<String>, Form(form): FormData) -> Response {
    change(ctx, name, form, |_| UserChange::RemovePassword).await
}

/// Sets the console password: CreateLoginProfile for a user without one,
/// UpdateLoginProfile otherwise; with a required reset, IAMUserChangePassword
/// is attached too, as AWS's console does.
async fn set_password(
    ctx: &Ctx,
    identity: &Identity,
    name: &str,
    password: &Secret,
    reset: bool,
) -> Result<String, String> {
    let caller = ctx.caller(identity);
    let keyward = &ctx.console.keyward;
    let m = |e: Error| web::message(&e);
    let exists = keyward.login_profile(&caller, name).await.is_ok();
    let action = if exists {
        "iam:UpdateLoginProfile"
    } else {
        "iam:CreateLoginProfile"
    };
    on_user(ctx, identity, name, action).await?;
    let attached = keyward
        .attached_policies(&caller, USER, name, None)
        .await
        .map_err(m)?;
    let attach = reset
        && !attached
            .iter()
            .any(|p| p.policy_arn == CHANGE_PASSWORD_POLICY);
    if attach {
        let t = target(ctx, &caller, USER, name).await;
        let check = Check::with_policy("iam:AttachUserPolicy", &t, CHANGE_PASSWORD_POLICY);
        iam::allowed_all(ctx, identity, &[check]).await?;
    }
    if exists {
        keyward
            .update_login_profile(&caller, name, Some(password), Some(reset))
            .await
            .map_err(m)?;
    } else {
        keyward
            .create_login_profile(&caller, name, password, reset)
            .await
            .map_err(m)?;
    }
    if attach {
        keyward
            .attach_policy(&caller, USER, name, CHANGE_PASSWORD_POLICY)
            .await
            .map_err(m)?;
    }
    Ok(format!("The console password of {name} is set."))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Fields {
        Fields(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn the_form_keeps_every_group_and_policy_once() {
        let f = form(&[
            ("user_name", " alice "),
            ("groups", "devs"),
            ("groups", "ops"),
            ("groups", "devs"),
            ("groups", ""),
            ("policies", "arn:aws:iam::aws:policy/ReadOnlyAccess"),
        ]);
        let new = NewUser::from_form(&f).expect("valid form");
        assert_eq!(new.name, "alice");
        assert_eq!(new.groups, ["devs", "ops"]);
        assert_eq!(new.policies, ["arn:aws:iam::aws:policy/ReadOnlyAccess"]);
        assert!(new.password.is_none() && !new.access_key && !new.reset_required);
    }

    #[test]
    fn a_required_reset_attaches_iam_user_change_password_once() {
        let f = form(&[
            ("user_name", "bob"),
            ("password", "Us3r-Console-Pass!"),
            ("reset_required", "yes"),
            ("policies", CHANGE_PASSWORD_POLICY),
        ]);
        let new = NewUser::from_form(&f).expect("valid form");
        assert!(new.reset_required);
        assert_eq!(new.policies, [CHANGE_PASSWORD_POLICY]);
        let f = form(&[
            ("user_name", "bob"),
            ("password", "Us3r-Console-Pass!"),
            ("reset_required", "yes"),
        ]);
        assert_eq!(
            NewUser::from_form(&f).expect("valid form").policies,
            [CHANGE_PASSWORD_POLICY]
        );
    }

    #[test]
    fn a_required_reset_needs_a_password() {
        let f = form(&[("user_name", "carol"), ("reset_required", "yes")]);
        assert!(NewUser::from_form(&f).is_err());
    }
}
