//! IAM group actions.

use std::sync::Arc;

use keyward_core::caller::Caller;
use keyward_core::model::Group;

use super::Reply;
use super::users::write_user;
use crate::params::Params;
use crate::server::AppState;
use crate::xml::Xml;

/// The `Group` structure.
pub(crate) fn write_group(x: &mut Xml, g: &Group, partition: &str) {
    x.text("Path", &g.path)
        .text("GroupName", &g.name)
        .text("GroupId", &g.group_id)
        .text("Arn", &g.arn(partition))
        .date("CreateDate", g.created);
}

pub async fn create_group(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    let group = s
        .keyward
        .create_group(&c, p.required("GroupName")?, p.get("Path"))
        .await?;
    let mut x = Xml::new();
    x.node("Group", |x| write_group(x, &group, c.partition));
    Ok(Some(x))
}

pub async fn get_group(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    let got = s
        .keyward
        .get_group(
            &c,
            p.required("GroupName")?,
            p.get("Marker"),
            p.int("MaxItems")?,
        )
        .await?;
    let mut x = Xml::new();
    x.node("Group", |x| write_group(x, &got.group, c.partition));
    x.list("Users", &got.users.items, |m, u| {
        write_user(m, u, c.partition, false);
    });
    x.bool("IsTruncated", got.users.next_marker.is_some());
    x.opt_text("Marker", got.users.next_marker.as_deref());
    Ok(Some(x))
}

pub async fn list_groups(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    let page = s
        .keyward
        .list_groups(&c, p.get("PathPrefix"), p.get("Marker"), p.int("MaxItems")?)
        .await?;
    let mut x = Xml::new();
    x.list("Groups", &page.items, |m, g| write_group(m, g, c.partition));
    x.bool("IsTruncated", page.next_marker.is_some());
    x.opt_text("Marker", page.next_marker.as_deref());
    Ok(Some(x))
}

pub async fn update_group(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    s.keyward
        .update_group(
            &c,
            p.required("GroupName")?,
            p.get("NewGroupName"),
            p.get("NewPath"),
        )
        .await?;
    Ok(None)
}

pub async fn delete_group(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    s.keyward.delete_group(&c, p.required("GroupName")?).await?;
    Ok(None)
}

pub async fn add_user_to_group(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    s.keyward
        .add_user_to_group(&c, p.required("GroupName")?, p.required("UserName")?)
        .await?;
    Ok(None)
}

pub async fn remove_user_from_group(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    s.keyward
        .remove_user_from_group(&c, p.required("GroupName")?, p.required("UserName")?)
        .await?;
    Ok(None)
}

pub async fn list_groups_for_user(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    let groups = s
        .keyward
        .groups_for_user(&c, p.required("UserName")?)
        .await?;
    let (items, next) = super::paginate(&groups, p.get("Marker"), p.int("MaxItems")?)?;
    let mut x = Xml::new();
    x.list("Groups", items, |m, g| write_group(m, g, c.partition));
    x.bool("IsTruncated", next.is_some());
    x.opt_text("Marker", next.as_deref());
    Ok(Some(x))
}
