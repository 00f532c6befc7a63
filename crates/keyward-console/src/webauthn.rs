//! FIDO2 security keys and passkeys (WebAuthn) as an MFA factor: registered
//! on the security credentials page, used at the sign-in's MFA step. The
//! browser side is `static/webauthn.js`, the only script of the console; the
//! state of a ceremony stays in the server-side session.

use std::collections::HashMap;

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use serde::Deserialize;
use sha2::Digest as _;
use webauthn_rs::prelude::{
    Passkey, PublicKeyCredential, RegisterPublicKeyCredential, Url, Uuid, Webauthn, WebauthnBuilder,
};

use crate::session::{Identity, Stage};
use crate::web::{self, Ctx, field};

fn json_error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(serde_json::json!({ "error": message.into() }))).into_response()
}

/// The relying party: the console's own host name and origin.
fn relying_party(ctx: &Ctx) -> Result<Webauthn, Response> {
    let unusable = || {
        json_error(
            StatusCode::BAD_REQUEST,
            "Security keys need the console to be reached by a host name (such as localhost), not an IP address.",
        )
    };
    let origin = Url::parse(&ctx.origin).map_err(|_| unusable())?;
    let rp_id = origin.domain().ok_or_else(unusable)?.to_owned();
    WebauthnBuilder::new(&rp_id, &origin)
        .and_then(|b| b.rp_name("keyward").build())
        .map_err(|_| unusable())
}

/// The credential id as stored: the base64url text WebAuthn's JSON uses.
fn credential_id(passkey: &Passkey) -> String {
    serde_json::to_value(passkey.cred_id())
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// A stable WebAuthn user handle for an identity (its ARN, hashed).
fn user_handle(arn: &str) -> Uuid {
    let digest = sha2::Sha256::digest(arn.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    Uuid::from_bytes(bytes)
}

fn passkeys(keys: &[keyward_core::model::SecurityKey]) -> Vec<Passkey> {
    keys.iter()
        .filter_map(|k| serde_json::from_str(&k.data).ok())
        .collect()
}

/// The recently signed-in identity of a request with a valid CSRF token.
fn checked(ctx: &mut Ctx, csrf: &str) -> Result<Identity, Response> {
    if !ctx.session.csrf_ok(csrf) {
        return Err(json_error(
            StatusCode::FORBIDDEN,
            "The page has expired. Reload it and try again.",
        ));
    }
    let identity = ctx
        .identity()
        .map_err(|_| json_error(StatusCode::UNAUTHORIZED, "Sign in again."))?;
    if ctx.now() - identity.signed_in_at > crate::session::REAUTH_SECS {
        return Err(json_error(
            StatusCode::UNAUTHORIZED,
            "For your security, sign in again to continue.",
        ));
    }
    Ok(identity)
}

pub async fn register_start(mut ctx: Ctx, Form(form): Form<HashMap<String, String>>) -> Response {
    let identity = match checked(&mut ctx, field(&form, "csrf")) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let name = field(&form, "name").trim().to_owned();
    if name.is_empty() {
        return json_error(StatusCode::BAD_REQUEST, "Name the security key.");
    }
    let rp = match relying_party(&ctx) {
        Ok(rp) => rp,
        Err(r) => return r,
    };
    let caller = ctx.caller(&identity);
    let existing = match ctx.console.keyward.own_security_keys(&caller).await {
        Ok(keys) => passkeys(&keys),
        Err(e) => return json_error(StatusCode::INTERNAL_SERVER_ERROR, web::message(&e)),
    };
    let exclude = existing.iter().map(|p| p.cred_id().clone()).collect();
    match rp.start_passkey_registration(
        user_handle(&caller.arn()),
        &caller.arn(),
        &identity.display,
        Some(exclude),
    ) {
        Ok((challenge, state)) => {
            ctx.session.webauthn_registration = Some((name, state));
            ctx.save();
            Json(challenge).into_response()
        }
        Err(e) => json_error(
            StatusCode::BAD_REQUEST,
            format!("The registration could not start: {e}"),
        ),
    }
}

#[derive(Deserialize)]
pub struct RegisterFinish {
    csrf: String,
    credential: RegisterPublicKeyCredential,
}

pub async fn register_finish(mut ctx: Ctx, Json(body): Json<RegisterFinish>) -> Response {
    let identity = match checked(&mut ctx, &body.csrf) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let Some((name, state)) = ctx.session.webauthn_registration.take() else {
        return json_error(StatusCode::BAD_REQUEST, "No registration is in progress.");
    };
    ctx.save();
    let rp = match relying_party(&ctx) {
        Ok(rp) => rp,
        Err(r) => return r,
    };
    let passkey = match rp.finish_passkey_registration(&body.credential, &state) {
        Ok(p) => p,
        Err(e) => {
            return json_error(
                StatusCode::BAD_REQUEST,
                format!("The security key could not be verified: {e}"),
            );
        }
    };
    let data = match serde_json::to_string(&passkey) {
        Ok(d) => d,
        Err(e) => return json_error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    };
    let caller = ctx.caller(&identity);
    match ctx
        .console
        .keyward
        .register_security_key(&caller, &name, &credential_id(&passkey), &data)
        .await
    {
        Ok(_) => {
            ctx.session.flash = Some(format!(
                "Security key {name} is registered. Sign-ins can now use it."
            ));
            ctx.save();
            Json(serde_json::json!({ "redirect": "/console/security-credentials" })).into_response()
        }
        Err(e) => json_error(StatusCode::BAD_REQUEST, web::message(&e)),
    }
}

pub async fn remove(mut ctx: Ctx, Form(form): Form<HashMap<String, String>>) -> Response {
    if let Err(r) = ctx.check_csrf(&form) {
        return r;
    }
    let identity = match ctx.recent_identity() {
        Ok(i) => i,
        Err(r) => return r,
    };
    let caller = ctx.caller(&identity);
    match ctx
        .console
        .keyward
        .delete_security_key(&caller, field(&form, "credential_id"))
        .await
    {
        Ok(()) => ctx.redirect_with(
            "/console/security-credentials",
            "The security key is removed.",
        ),
        Err(e) => ctx.redirect_with("/console/security-credentials", web::message(&e)),
    }
}

/// The MFA step's identity, while open.
fn mfa_who(ctx: &Ctx) -> Option<keyward_core::service::PasswordChecked> {
    match &ctx.session.stage {
        Stage::Mfa { who, started, .. } if ctx.now() - started <= crate::session::MFA_STEP_SECS => {
            Some((**who).clone())
        }
        _ => None,
    }
}

pub async fn sign_in_start(mut ctx: Ctx, Form(form): Form<HashMap<String, String>>) -> Response {
    if !ctx.session.csrf_ok(field(&form, "csrf")) {
        return json_error(
            StatusCode::FORBIDDEN,
            "The page has expired. Reload it and try again.",
        );
    }
    let Some(who) = mfa_who(&ctx) else {
        return json_error(
            StatusCode::UNAUTHORIZED,
            "The sign-in took too long. Sign in again.",
        );
    };
    let rp = match relying_party(&ctx) {
        Ok(rp) => rp,
        Err(r) => return r,
    };
    let keys = passkeys(&who.security_keys);
    if keys.is_empty() {
        return json_error(
            StatusCode::BAD_REQUEST,
            "This identity has no security key.",
        );
    }
    match rp.start_passkey_authentication(&keys) {
        Ok((challenge, state)) => {
            ctx.session.webauthn_authentication = Some(state);
            ctx.save();
            Json(challenge).into_response()
        }
        Err(e) => json_error(
            StatusCode::BAD_REQUEST,
            format!("The sign-in could not start: {e}"),
        ),
    }
}

#[derive(Deserialize)]
pub struct SignInFinish {
    csrf: String,
    credential: PublicKeyCredential,
}

pub async fn sign_in_finish(mut ctx: Ctx, Json(body): Json<SignInFinish>) -> Response {
    if !ctx.session.csrf_ok(&body.csrf) {
        return json_error(
            StatusCode::FORBIDDEN,
            "The page has expired. Reload it and try again.",
        );
    }
    let Some(who) = mfa_who(&ctx) else {
        return json_error(
            StatusCode::UNAUTHORIZED,
            "The sign-in took too long. Sign in again.",
        );
    };
    let Some(state) = ctx.session.webauthn_authentication.take() else {
        return json_error(
            StatusCode::BAD_REQUEST,
            "No sign-in with a security key is in progress.",
        );
    };
    ctx.save();
    let rp = match relying_party(&ctx) {
        Ok(rp) => rp,
        Err(r) => return r,
    };
    let keyward = ctx.console.keyward.clone();
    let result = rp.finish_passkey_authentication(&body.credential, &state);
    if let Err(e) = keyward
        .record_sign_in(&who, result.is_ok(), true, &ctx.client)
        .await
    {
        return json_error(StatusCode::INTERNAL_SERVER_ERROR, web::message(&e));
    }
    let result = match result {
        Ok(r) => r,
        Err(_) => {
            return json_error(
                StatusCode::UNAUTHORIZED,
                "The security key could not be verified.",
            );
        }
    };
    // Keep the signature counter current (a cloned authenticator shows up as
    // a counter that goes back).
    for key in &who.security_keys {
        if let Ok(mut passkey) = serde_json::from_str::<Passkey>(&key.data)
            && passkey.update_credential(&result) == Some(true)
            && let Ok(data) = serde_json::to_string(&passkey)
            && let Err(e) = keyward.update_security_key(&key.credential_id, &data).await
        {
            tracing::warn!(error = %e, "cannot store the security key's counter");
        }
    }
    let resp = crate::signin::complete_mfa(&ctx, &who).await;
    let mut json = Json(serde_json::json!({ "redirect": "/console" })).into_response();
    if let Some(cookie) = resp.headers().get(header::SET_COOKIE) {
        json.headers_mut()
            .insert(header::SET_COOKIE, cookie.clone());
    }
    json
}
