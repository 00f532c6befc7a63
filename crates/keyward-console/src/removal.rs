//! Deleting a user, group or role the way AWS's console does: what stands
//! in the way of the Delete call goes first, every call authorized before
//! the first one is made.

use std::collections::HashMap;

use axum::Form;
use axum::extract::Path;
use axum::response::Response;
use keyward_core::caller::Caller;
use keyward_core::policies::EntityKind;
use keyward_core::service::Keyward;

use crate::iam::{self, Check, Target, sensitive, target};
use crate::session::Identity;
use crate::web::{self, Ctx, field};

/// One API call that removes something.
#[derive(Debug, Clone)]
pub enum Removal {
    /// DeleteUser, DeleteGroup or DeleteRole.
    Entity(EntityKind, String),
    LoginProfile(String),
    AccessKey {
        user: String,
        id: String,
    },
    /// DeactivateMFADevice (a security key goes with it).
    MfaDevice {
        user: String,
        serial: String,
    },
    VirtualMfaDevice(String),
    Membership {
        group: String,
        user: String,
    },
    /// Delete{User,Group,Role}Policy.
    Inline(EntityKind, String, String),
    /// Detach{User,Group,Role}Policy.
    Attachment(EntityKind, String, String),
    FromInstanceProfile {
        profile: String,
        role: String,
    },
}

impl Removal {
    pub async fn apply(&self, keyward: &Keyward, caller: &Caller) -> keyward_core::Result<()> {
        match self {
            Self::Entity(EntityKind::User, name) => keyward.delete_user(caller, name).await,
            Self::Entity(EntityKind::Group, name) => keyward.delete_group(caller, name).await,
            Self::Entity(EntityKind::Role, name) => keyward.delete_role(caller, name).await,
            Self::LoginProfile(user) => keyward.delete_login_profile(caller, user).await,
            Self::AccessKey { user, id } => keyward.delete_access_key(caller, Some(user), id).await,
            Self::MfaDevice { user, serial } => {
                keyward
                    .deactivate_mfa_device(caller, Some(user), serial)
                    .await
            }
            Self::VirtualMfaDevice(serial) => {
                keyward.delete_virtual_mfa_device(caller, serial).await
            }
            Self::Membership { group, user } => {
                keyward.remove_user_from_group(caller, group, user).await
            }
            Self::Inline(kind, name, policy) => {
                keyward
                    .delete_inline_policy(caller, *kind, name, policy)
                    .await
            }
            Self::Attachment(kind, name, arn) => {
                keyward.detach_policy(caller, *kind, name, arn).await
            }
            Self::FromInstanceProfile { profile, role } => {
                keyward
                    .remove_role_from_instance_profile(caller, profile, role)
                    .await
            }
        }
    }
}

/// The calls that delete an entity and the permissions they need, all
/// checked before the first call.
#[derive(Debug, Default)]
pub struct Plan {
    checks: Vec<Check>,
    steps: Vec<Removal>,
}

impl Plan {
    fn step(&mut self, check: Check, step: Removal) {
        self.checks.push(check);
        self.steps.push(step);
    }
}

/// Deletes the entity named in the path after the typed confirmation: what
/// stands in the way goes first (as AWS's console does), each call
/// authorized as the API would before any is made.
async fn delete(
    mut ctx: Ctx,
    kind: EntityKind,
    name: String,
    form: HashMap<String, String>,
) -> Response {
    let identity = match sensitive(&mut ctx, &form) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let noun = iam::noun(kind);
    if field(&form, "confirm").trim() != name {
        let e = format!("To delete the {noun}, type its name {name} in the confirmation field.");
        return iam::show_detail(&mut ctx, &identity, kind, &name, Some(e)).await;
    }
    let caller = ctx.caller(&identity);
    let result = async {
        let plan = plan(&ctx, &identity, &caller, kind, &name).await?;
        iam::allowed_all(&ctx, &identity, &plan.checks).await?;
        for step in &plan.steps {
            step.apply(&ctx.console.keyward, &caller)
                .await
                .map_err(|e| web::message(&e))?;
        }
        Ok(())
    }
    .await;
    match result {
        Ok(()) => {
            let title = format!("{}{}", noun[..1].to_uppercase(), &noun[1..]);
            ctx.redirect_with(iam::list_path(kind), format!("{title} {name} is deleted."))
        }
        Err(e) => iam::show_detail(&mut ctx, &identity, kind, &name, Some(e)).await,
    }
}

/// The delete form of a user's, group's or role's page (`K`: [`iam::kind`]).
pub async fn delete_handler<const K: u8>(
    ctx: Ctx,
    Path(name): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    delete(ctx, iam::kind(K), name, form).await
}

/// Reads what stands in the way (each read authorized as its List call).
async fn plan(
    ctx: &Ctx,
    identity: &Identity,
    caller: &Caller,
    kind: EntityKind,
    name: &str,
) -> Result<Plan, String> {
    let on = target(ctx, caller, kind, name).await;
    let reads: &[&'static str] = match kind {
        EntityKind::User => &[
            "iam:ListAccessKeys",
            "iam:GetLoginProfile",
            "iam:ListMFADevices",
            "iam:ListUserPolicies",
            "iam:ListAttachedUserPolicies",
            "iam:ListGroupsForUser",
        ],
        EntityKind::Group => &[
            "iam:GetGroup",
            "iam:ListGroupPolicies",
            "iam:ListAttachedGroupPolicies",
        ],
        EntityKind::Role => &[
            "iam:ListInstanceProfilesForRole",
            "iam:ListRolePolicies",
            "iam:ListAttachedRolePolicies",
        ],
    };
    let checks: Vec<Check> = reads.iter().map(|a| Check::new(a, &on)).collect();
    iam::allowed_all(ctx, identity, &checks).await?;
    let mut plan = Plan::default();
    let keyward = &ctx.console.keyward;
    match kind {
        EntityKind::User => user_dependents(ctx, caller, name, &on, &mut plan).await,
        EntityKind::Group => group_dependents(keyward, caller, name, &on, &mut plan).await,
        EntityKind::Role => role_dependents(keyward, caller, name, &on, &mut plan).await,
    }
    .map_err(|e| web::message(&e))?;
    policies_and_self(keyward, caller, kind, name, &on, &mut plan)
        .await
        .map_err(|e| web::message(&e))?;
    Ok(plan)
}

/// What every kind has: inline and attached policies, then the entity.
async fn policies_and_self(
    keyward: &Keyward,
    caller: &Caller,
    kind: EntityKind,
    name: &str,
    on: &Target,
    plan: &mut Plan,
) -> keyward_core::Result<()> {
    let (delete_inline, detach, delete) = match kind {
        EntityKind::User => (
            "iam:DeleteUserPolicy",
            "iam:DetachUserPolicy",
            "iam:DeleteUser",
        ),
        EntityKind::Group => (
            "iam:DeleteGroupPolicy",
            "iam:DetachGroupPolicy",
            "iam:DeleteGroup",
        ),
        EntityKind::Role => (
            "iam:DeleteRolePolicy",
            "iam:DetachRolePolicy",
            "iam:DeleteRole",
        ),
    };
    for p in keyward.inline_policy_names(caller, kind, name).await? {
        let step = Removal::Inline(kind, name.to_owned(), p);
        plan.step(Check::new(delete_inline, on), step);
    }
    for a in keyward.attached_policies(caller, kind, name, None).await? {
        let check = Check::with_policy(detach, on, &a.policy_arn);
        plan.step(
            check,
            Removal::Attachment(kind, name.to_owned(), a.policy_arn),
        );
    }
    plan.step(
        Check::new(delete, on),
        Removal::Entity(kind, name.to_owned()),
    );
    Ok(())
}

async fn user_dependents(
    ctx: &Ctx,
    caller: &Caller,
    name: &str,
    on: &Target,
    plan: &mut Plan,
) -> keyward_core::Result<()> {
    let keyward = &ctx.console.keyward;
    let user = name.to_owned();
    for k in keyward.list_access_keys(caller, Some(name)).await? {
        let id = k.key.access_key_id;
        let step = Removal::AccessKey {
            user: user.clone(),
            id,
        };
        plan.step(Check::new("iam:DeleteAccessKey", on), step);
    }
    if keyward.login_profile(caller, name).await.is_ok() {
        let step = Removal::LoginProfile(user.clone());
        plan.step(Check::new("iam:DeleteLoginProfile", on), step);
    }
    for d in keyward
        .list_mfa_devices_and_keys(caller, Some(name))
        .await?
    {
        let serial = d.serial_number;
        let step = Removal::MfaDevice {
            user: user.clone(),
            serial: serial.clone(),
        };
        plan.step(Check::new("iam:DeactivateMFADevice", on), step);
        // A security key is gone once deactivated; a virtual device stays
        // unassigned unless deleted.
        if !serial.contains(":u2f/") {
            let check = Check::new("iam:DeleteVirtualMFADevice", &Target::arn(&serial));
            plan.step(check, Removal::VirtualMfaDevice(serial));
        }
    }
    for g in keyward.groups_for_user(caller, name).await? {
        let group = target(ctx, caller, EntityKind::Group, &g.name).await;
        let step = Removal::Membership {
            group: g.name,
            user: user.clone(),
        };
        plan.step(Check::new("iam:RemoveUserFromGroup", &group), step);
    }
    Ok(())
}

async fn group_dependents(
    keyward: &Keyward,
    caller: &Caller,
    name: &str,
    on: &Target,
    plan: &mut Plan,
) -> keyward_core::Result<()> {
    let group = keyward.get_group(caller, name, None, Some(1000)).await?;
    for u in group.users.items {
        let step = Removal::Membership {
            group: name.to_owned(),
            user: u.name,
        };
        plan.step(Check::new("iam:RemoveUserFromGroup", on), step);
    }
    Ok(())
}

async fn role_dependents(
    keyward: &Keyward,
    caller: &Caller,
    name: &str,
    _on: &Target,
    plan: &mut Plan,
) -> keyward_core::Result<()> {
    for p in keyward.instance_profiles_for_role(caller, name).await? {
        let profile = Target::arn(&p.arn(caller.partition));
        let step = Removal::FromInstanceProfile {
            profile: p.name,
            role: name.to_owned(),
        };
        plan.step(
            Check::new("iam:RemoveRoleFromInstanceProfile", &profile),
            step,
        );
    }
    Ok(())
}
