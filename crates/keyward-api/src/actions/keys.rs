//! Access key actions, for IAM users and for the root user.

use std::sync::Arc;

use keyward_core::caller::Caller;

use super::Reply;
use crate::params::Params;
use crate::server::AppState;
use crate::xml::Xml;

pub async fn create_access_key(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    let new = s.keyward.create_access_key(&c, p.get("UserName")).await?;
    if new.user_name.is_none() {
        tracing::warn!(account_id = %c.account_id, access_key_id = %new.key.access_key_id, "an access key was created for the root user; root access keys are discouraged");
    }
    let mut x = Xml::new();
    x.node("AccessKey", |x| {
        x.opt_text("UserName", new.user_name.as_deref())
            .text("AccessKeyId", &new.key.access_key_id)
            .text("Status", new.key.status.as_str())
            .text("SecretAccessKey", new.secret.expose())
            .date("CreateDate", new.key.created);
    });
    Ok(Some(x))
}

pub async fn list_access_keys(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    let keys = s.keyward.list_access_keys(&c, p.get("UserName")).await?;
    let (items, next) = super::paginate(&keys, p.get("Marker"), p.int("MaxItems")?)?;
    let mut x = Xml::new();
    x.list("AccessKeyMetadata", items, |m, k| {
        m.opt_text("UserName", k.user_name.as_deref())
            .text("AccessKeyId", &k.key.access_key_id)
            .text("Status", k.key.status.as_str())
            .date("CreateDate", k.key.created);
    });
    x.bool("IsTruncated", next.is_some());
    x.opt_text("Marker", next.as_deref());
    Ok(Some(x))
}

pub async fn update_access_key(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    let id = p.required("AccessKeyId")?;
    let status = p.required("Status")?;
    s.keyward
        .update_access_key(&c, p.get("UserName"), id, status)
        .await?;
    s.signing_keys.invalidate(id);
    Ok(None)
}

pub async fn delete_access_key(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    let id = p.required("AccessKeyId")?;
    s.keyward
        .delete_access_key(&c, p.get("UserName"), id)
        .await?;
    s.signing_keys.invalidate(id);
    Ok(None)
}

pub async fn get_access_key_last_used(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    let id = p.required("AccessKeyId")?;
    let (user_name, last) = s.keyward.access_key_last_used(&c, id).await?;
    let mut x = Xml::new();
    x.opt_text("UserName", user_name.as_deref());
    x.node("AccessKeyLastUsed", |x| match &last {
        Some(l) => {
            x.date("LastUsedDate", l.at)
                .text("ServiceName", &l.service)
                .text("Region", &l.region);
        }
        None => {
            x.text("ServiceName", "N/A").text("Region", "N/A");
        }
    });
    Ok(Some(x))
}
