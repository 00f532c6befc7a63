//! The signed-in identity's security credentials: console password, virtual
//! MFA devices, access keys. IAM users need the IAM permissions the same
//! actions need through the API (on their own user).

use std::collections::HashMap;

use axum::Form;
use axum::extract::Query;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use keyward_core::authz::RequestKeys;
use keyward_core::caller::Principal;
use keyward_core::crypto::Secret;
use keyward_core::model::KeyStatus;

use crate::pages::{Credentials, DeviceRow, KeyCreated, KeyDelete, KeyRow, MfaAssign, RootWarning};
use crate::session::{Identity, PendingMfa};
use crate::web::{self, Ctx, field, render, render_status, show_time};

type FormData = Form<HashMap<String, String>>;
type QueryData = Query<HashMap<String, String>>;

const PAGE: &str = "/console/security-credentials";

/// For an IAM user: whether its policies allow `action` on its own user (or
/// on `resource`). Root may do all of this.
async fn allowed(
    ctx: &Ctx,
    identity: &Identity,
    action: &str,
    resource: Option<&str>,
) -> Result<(), String> {
    let caller = ctx.caller(identity);
    if caller.is_root() {
        return Ok(());
    }
    let own = caller.arn();
    ctx.console
        .keyward
        .authorize(
            &caller,
            action,
            resource.unwrap_or(&own),
            &RequestKeys::default(),
        )
        .await
        .map_err(|e| web::message(&e))
}

pub async fn page(mut ctx: Ctx, Query(q): QueryData) -> Response {
    let identity = match ctx.identity() {
        Ok(i) => i,
        Err(r) => return r,
    };
    if identity.is_root() && !ctx.session.root_warning_ack {
        if q.contains_key("continue") {
            ctx.session.root_warning_ack = true;
            ctx.save();
        } else {
            return render(&RootWarning {
                c: ctx.chrome("Security credentials"),
            });
        }
    }
    match credentials_page(&mut ctx, &identity, None).await {
        Ok(page) => render(&page),
        Err(e) => web::plain(StatusCode::INTERNAL_SERVER_ERROR, &e),
    }
}

async fn credentials_page(
    ctx: &mut Ctx,
    identity: &Identity,
    error: Option<String>,
) -> Result<Credentials, String> {
    let caller = ctx.caller(identity);
    let keyward = &ctx.console.keyward;
    let devices = keyward
        .list_mfa_devices(&caller, None)
        .await
        .map_err(|e| web::message(&e))?
        .into_iter()
        .map(|d| DeviceRow {
            serial_number: d.device.serial_number,
            name: d.device.name,
            kind: "Virtual MFA device".into(),
            enabled: d.device.enable_date.map(show_time).unwrap_or_default(),
        })
        .collect();
    let keys = keyward
        .list_access_keys(&caller, None)
        .await
        .map_err(|e| web::message(&e))?
        .into_iter()
        .map(|k| KeyRow {
            id: k.key.access_key_id,
            active: k.key.status == KeyStatus::Active,
            created: show_time(k.key.created),
            last_used: k.key.last_used.map_or_else(
                || "Never".to_owned(),
                |u| format!("{} ({}, {})", show_time(u.at), u.service, u.region),
            ),
        })
        .collect();
    let security_keys = keyward
        .own_security_keys(&caller)
        .await
        .map_err(|e| web::message(&e))?
        .into_iter()
        .map(|k| (k.credential_id, k.name, show_time(k.created)))
        .collect();
    let max_keys = keyward.quotas().access_keys_per_user;
    let mut c = ctx.chrome("Security credentials");
    c.error = error;
    Ok(Credentials {
        c,
        arn: caller.arn(),
        is_root: identity.is_root(),
        devices,
        keys,
        max_keys,
        security_keys,
    })
}

/// The credentials page again, with what went wrong.
async fn page_with_error(ctx: &mut Ctx, identity: &Identity, error: String) -> Response {
    match credentials_page(ctx, identity, Some(error)).await {
        Ok(page) => render_status(StatusCode::BAD_REQUEST, &page),
        Err(e) => web::plain(StatusCode::INTERNAL_SERVER_ERROR, &e),
    }
}

/// The recently signed-in identity of a form post with a valid CSRF token.
fn sensitive(ctx: &mut Ctx, form: &HashMap<String, String>) -> Result<Identity, Response> {
    ctx.check_csrf(form)?;
    ctx.recent_identity()
}

pub async fn change_password(mut ctx: Ctx, Form(form): FormData) -> Response {
    let identity = match sensitive(&mut ctx, &form) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let current = Secret::new(field(&form, "current_password"));
    let new_password = Secret::new(field(&form, "new_password"));
    if new_password.expose() != field(&form, "confirm_password") {
        return page_with_error(
            &mut ctx,
            &identity,
            "The new passwords do not match.".into(),
        )
        .await;
    }
    let caller = ctx.caller(&identity);
    let result = if identity.is_root() {
        ctx.console
            .keyward
            .change_root_password(&caller, &current, &new_password)
            .await
    } else {
        if let Err(e) = allowed(&ctx, &identity, "iam:ChangePassword", None).await {
            return page_with_error(&mut ctx, &identity, e).await;
        }
        ctx.console
            .keyward
            .change_password(&caller, &current, &new_password)
            .await
    };
    match result {
        Ok(()) => ctx.redirect_with(PAGE, "Your password has been changed."),
        Err(e) => page_with_error(&mut ctx, &identity, web::message(&e)).await,
    }
}

pub async fn mfa_assign(mut ctx: Ctx, Form(form): FormData) -> Response {
    let identity = match sensitive(&mut ctx, &form) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let name = field(&form, "device_name").trim().to_owned();
    let caller = ctx.caller(&identity);
    let device_arn = caller.arn_for("iam", &format!("mfa/{name}"));
    for (action, resource) in [
        ("iam:CreateVirtualMFADevice", Some(device_arn.as_str())),
        ("iam:EnableMFADevice", None),
    ] {
        if let Err(e) = allowed(&ctx, &identity, action, resource).await {
            return page_with_error(&mut ctx, &identity, e).await;
        }
    }
    let keyward = ctx.console.keyward.clone();
    // A device assigned earlier in this session but never enabled goes.
    if let Some(old) = ctx.session.pending_mfa.take() {
        let _ = keyward
            .delete_virtual_mfa_device(&caller, &old.serial_number)
            .await;
    }
    match keyward
        .create_virtual_mfa_device(&caller, &name, None, Vec::new())
        .await
    {
        Ok(new) => {
            let seed = B64
                .decode(new.base32_string_seed.expose())
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .unwrap_or_default();
            ctx.session.pending_mfa = Some(PendingMfa {
                serial_number: new.device.serial_number,
                seed_base32: Secret::new(seed),
                qr_png_base64: new.qr_code_png,
            });
            ctx.save();
            Redirect::to("/console/security-credentials/mfa/assign").into_response()
        }
        Err(e) => {
            ctx.save();
            page_with_error(&mut ctx, &identity, web::message(&e)).await
        }
    }
}

fn assign_page(ctx: &mut Ctx, error: Option<String>) -> Option<MfaAssign> {
    let pending = ctx.session.pending_mfa.clone()?;
    let mut c = ctx.chrome("Assign a virtual MFA device");
    c.error = error;
    Some(MfaAssign {
        c,
        serial_number: pending.serial_number,
        qr_png_base64: pending.qr_png_base64.expose().to_owned(),
        seed: pending.seed_base32.expose().to_owned(),
    })
}

pub async fn mfa_assign_page(mut ctx: Ctx) -> Response {
    if let Err(r) = ctx.identity() {
        return r;
    }
    match assign_page(&mut ctx, None) {
        Some(page) => render(&page),
        None => Redirect::to(PAGE).into_response(),
    }
}

pub async fn mfa_enable(mut ctx: Ctx, Form(form): FormData) -> Response {
    let identity = match sensitive(&mut ctx, &form) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let Some(pending) = ctx.session.pending_mfa.clone() else {
        return Redirect::to(PAGE).into_response();
    };
    let caller = ctx.caller(&identity);
    let result = ctx
        .console
        .keyward
        .enable_mfa_device(
            &caller,
            None,
            &pending.serial_number,
            field(&form, "code1").trim(),
            field(&form, "code2").trim(),
        )
        .await;
    match result {
        Ok(()) => {
            ctx.session.pending_mfa = None;
            ctx.redirect_with(
                PAGE,
                "The virtual MFA device is assigned. Sign-ins now ask for its code.",
            )
        }
        Err(e) => match assign_page(&mut ctx, Some(web::message(&e))) {
            Some(page) => render_status(StatusCode::BAD_REQUEST, &page),
            None => Redirect::to(PAGE).into_response(),
        },
    }
}

pub async fn mfa_remove(mut ctx: Ctx, Form(form): FormData) -> Response {
    let identity = match sensitive(&mut ctx, &form) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let serial = field(&form, "serial").to_owned();
    for action in ["iam:DeactivateMFADevice", "iam:DeleteVirtualMFADevice"] {
        let resource = (action == "iam:DeleteVirtualMFADevice").then_some(serial.as_str());
        if let Err(e) = allowed(&ctx, &identity, action, resource).await {
            return page_with_error(&mut ctx, &identity, e).await;
        }
    }
    let caller = ctx.caller(&identity);
    let keyward = ctx.console.keyward.clone();
    let result = async {
        keyward
            .deactivate_mfa_device(&caller, None, &serial)
            .await?;
        keyward.delete_virtual_mfa_device(&caller, &serial).await
    }
    .await;
    match result {
        Ok(()) => ctx.redirect_with(PAGE, "The MFA device is removed."),
        Err(e) => page_with_error(&mut ctx, &identity, web::message(&e)).await,
    }
}

pub async fn key_create(mut ctx: Ctx, Form(form): FormData) -> Response {
    let identity = match sensitive(&mut ctx, &form) {
        Ok(i) => i,
        Err(r) => return r,
    };
    if identity.is_root() && field(&form, "understand") != "yes" {
        return page_with_error(
            &mut ctx,
            &identity,
            "Confirm that you understand that a root access key is not a best practice.".into(),
        )
        .await;
    }
    if let Err(e) = allowed(&ctx, &identity, "iam:CreateAccessKey", None).await {
        return page_with_error(&mut ctx, &identity, e).await;
    }
    let caller = ctx.caller(&identity);
    match ctx.console.keyward.create_access_key(&caller, None).await {
        Ok(new) => {
            ctx.session.new_key = Some((new.key.access_key_id, new.secret));
            ctx.save();
            Redirect::to("/console/security-credentials/keys/created").into_response()
        }
        Err(e) => page_with_error(&mut ctx, &identity, web::message(&e)).await,
    }
}

/// The CSV's file name: `rootkey.csv` for root, as AWS's console names it.
fn csv_name(identity: &Identity) -> String {
    match &identity.principal {
        Principal::User { name, .. } => format!("{name}_accessKeys.csv"),
        _ => "rootkey.csv".to_owned(),
    }
}

pub async fn key_created_page(mut ctx: Ctx) -> Response {
    let identity = match ctx.identity() {
        Ok(i) => i,
        Err(r) => return r,
    };
    let Some((id, secret)) = ctx.session.new_key.clone() else {
        return Redirect::to(PAGE).into_response();
    };
    render(&KeyCreated {
        c: ctx.chrome("Access key created"),
        id,
        secret: secret.expose().to_owned(),
        file_name: csv_name(&identity),
    })
}

/// The new key as a CSV file, in the format `keyward root create-access-key
/// --csv` writes.
pub async fn key_download(ctx: Ctx) -> Response {
    let identity = match ctx.identity() {
        Ok(i) => i,
        Err(r) => return r,
    };
    let Some((id, secret)) = &ctx.session.new_key else {
        return Redirect::to(PAGE).into_response();
    };
    let body = format!(
        "Access key ID,Secret access key\r\n{id},{}\r\n",
        secret.expose()
    );
    let disposition = format!("attachment; filename=\"{}\"", csv_name(&identity));
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}

pub async fn key_done(mut ctx: Ctx, Form(form): FormData) -> Response {
    if let Err(r) = ctx.check_csrf(&form) {
        return r;
    }
    ctx.session.new_key = None;
    ctx.save();
    Redirect::to(PAGE).into_response()
}

pub async fn key_status(mut ctx: Ctx, Form(form): FormData) -> Response {
    let identity = match sensitive(&mut ctx, &form) {
        Ok(i) => i,
        Err(r) => return r,
    };
    if let Err(e) = allowed(&ctx, &identity, "iam:UpdateAccessKey", None).await {
        return page_with_error(&mut ctx, &identity, e).await;
    }
    let id = field(&form, "id");
    let status = field(&form, "status");
    let caller = ctx.caller(&identity);
    match ctx
        .console
        .keyward
        .update_access_key(&caller, None, id, status)
        .await
    {
        Ok(()) => ctx.redirect_with(
            PAGE,
            format!("Access key {id} is now {}.", status.to_lowercase()),
        ),
        Err(e) => page_with_error(&mut ctx, &identity, web::message(&e)).await,
    }
}

pub async fn key_delete_page(mut ctx: Ctx, Query(q): QueryData) -> Response {
    if let Err(r) = ctx.identity() {
        return r;
    }
    render(&KeyDelete {
        c: ctx.chrome("Delete access key"),
        id: q.get("id").cloned().unwrap_or_default(),
    })
}

pub async fn key_delete(mut ctx: Ctx, Form(form): FormData) -> Response {
    let identity = match sensitive(&mut ctx, &form) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let id = field(&form, "id").to_owned();
    if field(&form, "confirm").trim() != id {
        let mut c = ctx.chrome("Delete access key");
        c.error = Some("The text entered does not match the access key ID.".into());
        return render_status(StatusCode::BAD_REQUEST, &KeyDelete { c, id });
    }
    if let Err(e) = allowed(&ctx, &identity, "iam:DeleteAccessKey", None).await {
        return page_with_error(&mut ctx, &identity, e).await;
    }
    let caller = ctx.caller(&identity);
    match ctx
        .console
        .keyward
        .delete_access_key(&caller, None, &id)
        .await
    {
        Ok(()) => ctx.redirect_with(PAGE, format!("Access key {id} is deleted.")),
        Err(e) => page_with_error(&mut ctx, &identity, web::message(&e)).await,
    }
}
