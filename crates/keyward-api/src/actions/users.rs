//! IAM user actions.

use std::sync::Arc;

use keyward_core::caller::{Caller, Principal};
use keyward_core::model::User;

use super::Reply;
use crate::params::Params;
use crate::server::AppState;
use crate::xml::Xml;

/// The `User` structure. `with_tags` because ListUsers never shows tags.
pub(crate) fn write_user(x: &mut Xml, u: &User, partition: &str, with_tags: bool) {
    x.text("Path", &u.path)
        .text("UserName", &u.name)
        .text("UserId", &u.user_id)
        .text("Arn", &u.arn(partition))
        .date("CreateDate", u.created);
    if let Some(t) = u.password_last_used {
        x.date("PasswordLastUsed", t);
    }
    if let Some(b) = &u.permissions_boundary {
        x.node("PermissionsBoundary", |x| {
            x.text("PermissionsBoundaryType", "PermissionsBoundaryPolicy")
                .text("PermissionsBoundaryArn", b);
        });
    }
    if with_tags && !u.tags.is_empty() {
        x.list("Tags", &u.tags, |m, t| {
            m.text("Key", &t.key).text("Value", &t.value);
        });
    }
}

pub async fn create_user(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    let name = p.required("UserName")?;
    let user = s
        .keyward
        .create_user(
            &c,
            name,
            p.get("Path"),
            p.get("PermissionsBoundary"),
            p.tags("Tags"),
        )
        .await?;
    let mut x = Xml::new();
    x.node("User", |x| write_user(x, &user, c.partition, true));
    Ok(Some(x))
}

pub async fn get_user(s: Arc<AppState>, c: Caller, mut p: Params) -> Reply {
    let mut x = Xml::new();
    let named = p.take_named_user();
    match (p.get("UserName"), &c.principal) {
        (Some(name), _) => {
            let user = match named {
                Some(user) => user,
                None => s.keyward.read_user(&c.account_id, name).await?,
            };
            x.node("User", |x| write_user(x, &user, c.partition, true));
        }
        (None, Principal::User { name, .. }) => {
            let user = s.keyward.read_user(&c.account_id, name).await?;
            x.node("User", |x| write_user(x, &user, c.partition, true));
        }
        (None, Principal::AssumedRole { .. }) => {
            return Err(keyward_core::Error::Validation(
                "Must specify userName when calling with non-User credentials".into(),
            )
            .into());
        }
        (None, Principal::Root) => {
            // Root is no IAM user: AWS answers with the account id, the
            // root ARN and when its password last signed in.
            let account = s.keyward.account(&c.account_id).await?;
            x.node("User", |x| {
                x.text("UserId", &c.account_id)
                    .text("Arn", &c.arn())
                    .date("CreateDate", account.created);
                if let Some(at) = account.root_password_last_used {
                    x.date("PasswordLastUsed", at);
                }
            });
        }
    }
    Ok(Some(x))
}

pub async fn list_users(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    let page = s
        .keyward
        .list_users(&c, p.get("PathPrefix"), p.get("Marker"), p.int("MaxItems")?)
        .await?;
    let mut x = Xml::new();
    x.list("Users", &page.items, |m, u| {
        write_user(m, u, c.partition, false);
    });
    x.bool("IsTruncated", page.next_marker.is_some());
    x.opt_text("Marker", page.next_marker.as_deref());
    Ok(Some(x))
}

pub async fn update_user(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    let name = p.required("UserName")?;
    s.keyward
        .update_user(&c, name, p.get("NewUserName"), p.get("NewPath"))
        .await?;
    Ok(None)
}

pub async fn delete_user(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    s.keyward.delete_user(&c, p.required("UserName")?).await?;
    Ok(None)
}

pub async fn tag_user(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    s.keyward
        .tag_user(&c, p.required("UserName")?, p.tags("Tags"))
        .await?;
    Ok(None)
}

pub async fn untag_user(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    s.keyward
        .untag_user(&c, p.required("UserName")?, &p.list("TagKeys"))
        .await?;
    Ok(None)
}

pub async fn list_user_tags(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    let user = s
        .keyward
        .user(&c.account_id, p.required("UserName")?)
        .await?;
    let (items, next) = super::paginate(&user.tags, p.get("Marker"), p.int("MaxItems")?)?;
    let mut x = Xml::new();
    x.list("Tags", items, |m, t| {
        m.text("Key", &t.key).text("Value", &t.value);
    });
    x.bool("IsTruncated", next.is_some());
    x.opt_text("Marker", next.as_deref());
    Ok(Some(x))
}
