//! Login profiles (IAM users' console passwords) and ChangePassword.

use std::sync::Arc;

use keyward_core::caller::Caller;
use keyward_core::crypto::Secret;
use keyward_core::model::LoginProfile;

use super::Reply;
use crate::params::Params;
use crate::server::AppState;
use crate::xml::Xml;

fn write_profile(x: &mut Xml, user_name: &str, p: &LoginProfile) {
    x.node("LoginProfile", |x| {
        x.text("UserName", user_name)
            .date("CreateDate", p.created)
            .bool("PasswordResetRequired", p.password_reset_required);
    });
}

pub async fn create_login_profile(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    let user = p.required("UserName")?;
    let password = Secret::new(p.required("Password")?);
    let reset = p.bool("PasswordResetRequired")?.unwrap_or(false);
    let profile = s
        .keyward
        .create_login_profile(&c, user, &password, reset)
        .await?;
    let name = s.keyward.user(&c.account_id, user).await?.name;
    let mut x = Xml::new();
    write_profile(&mut x, &name, &profile);
    Ok(Some(x))
}

pub async fn get_login_profile(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    let (user, profile) = s.keyward.login_profile(&c, p.required("UserName")?).await?;
    let mut x = Xml::new();
    write_profile(&mut x, &user.name, &profile);
    Ok(Some(x))
}

pub async fn update_login_profile(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    let password = p.get("Password").map(Secret::new);
    s.keyward
        .update_login_profile(
            &c,
            p.required("UserName")?,
            password.as_ref(),
            p.bool("PasswordResetRequired")?,
        )
        .await?;
    Ok(None)
}

pub async fn delete_login_profile(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    s.keyward
        .delete_login_profile(&c, p.required("UserName")?)
        .await?;
    Ok(None)
}

pub async fn change_password(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    let old = Secret::new(p.required("OldPassword")?);
    let new = Secret::new(p.required("NewPassword")?);
    s.keyward.change_password(&c, &old, &new).await?;
    Ok(None)
}
