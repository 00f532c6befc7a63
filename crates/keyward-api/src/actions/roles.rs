//! IAM role and instance profile actions.

use std::sync::Arc;

use keyward_core::caller::Caller;
use keyward_core::model::{InstanceProfile, Role, Tag};
use keyward_core::service::NewRole;

use super::Reply;
use crate::params::Params;
use crate::server::AppState;
use crate::xml::{Xml, encode_policy};

/// Which members of `Role` an operation returns (recorded from AWS):
/// CreateRole and instance profiles omit MaxSessionDuration and RoleLastUsed;
/// ListRoles has MaxSessionDuration but no RoleLastUsed, Tags or boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RoleShape {
    Create,
    Get,
    List,
}

/// The `Role` structure.
pub(crate) fn write_role(x: &mut Xml, r: &Role, partition: &str, shape: RoleShape) {
    x.text("Path", &r.path)
        .text("RoleName", &r.name)
        .text("RoleId", &r.role_id)
        .text("Arn", &r.arn(partition))
        .date("CreateDate", r.created)
        .text("AssumeRolePolicyDocument", &encode_policy(&r.trust_policy));
    x.opt_text("Description", r.description.as_deref());
    if shape != RoleShape::Create {
        x.num("MaxSessionDuration", r.max_session_duration);
    }
    if shape == RoleShape::List {
        return;
    }
    if let Some(b) = &r.permissions_boundary {
        x.node("PermissionsBoundary", |x| {
            x.text("PermissionsBoundaryType", "PermissionsBoundaryPolicy")
                .text("PermissionsBoundaryArn", b);
        });
    }
    write_tags(x, &r.tags);
    if shape == RoleShape::Get {
        x.node("RoleLastUsed", |x| {
            if let Some(u) = &r.last_used {
                x.date("LastUsedDate", u.at);
                x.opt_text("Region", u.region.as_deref());
            }
        });
    }
}

fn write_tags(x: &mut Xml, tags: &[Tag]) {
    if !tags.is_empty() {
        x.list("Tags", tags, |m, t| {
            m.text("Key", &t.key).text("Value", &t.value);
        });
    }
}

/// The `InstanceProfile` structure with its roles.
pub(crate) fn write_instance_profile(
    x: &mut Xml,
    p: &InstanceProfile,
    partition: &str,
    with_tags: bool,
) {
    x.text("Path", &p.path)
        .text("InstanceProfileName", &p.name)
        .text("InstanceProfileId", &p.instance_profile_id)
        .text("Arn", &p.arn(partition))
        .date("CreateDate", p.created);
    x.list("Roles", &p.roles, |m, r| {
        write_role(m, r, partition, RoleShape::Create);
    });
    if with_tags {
        write_tags(x, &p.tags);
    }
}

fn tag_list(tags: &[Tag], p: &Params) -> Reply {
    let (items, next) = super::paginate(tags, p.get("Marker"), p.int("MaxItems")?)?;
    let mut x = Xml::new();
    x.list("Tags", items, |m, t| {
        m.text("Key", &t.key).text("Value", &t.value);
    });
    x.bool("IsTruncated", next.is_some());
    x.opt_text("Marker", next.as_deref());
    Ok(Some(x))
}

// Roles

pub async fn create_role(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    let input = NewRole {
        name: p.required("RoleName")?,
        path: p.get("Path"),
        trust_policy: p.required("AssumeRolePolicyDocument")?,
        description: p.get("Description"),
        max_session_duration: p.int("MaxSessionDuration")?,
        permissions_boundary: p.get("PermissionsBoundary"),
        tags: p.tags("Tags"),
    };
    let role = s.keyward.create_role(&c, input).await?;
    let mut x = Xml::new();
    x.node("Role", |x| {
        write_role(x, &role, c.partition, RoleShape::Create);
    });
    Ok(Some(x))
}

pub async fn get_role(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    let role = s
        .keyward
        .role(&c.account_id, p.required("RoleName")?)
        .await?;
    let mut x = Xml::new();
    x.node("Role", |x| {
        write_role(x, &role, c.partition, RoleShape::Get);
    });
    Ok(Some(x))
}

pub async fn list_roles(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    let page = s
        .keyward
        .list_roles(&c, p.get("PathPrefix"), p.get("Marker"), p.int("MaxItems")?)
        .await?;
    let mut x = Xml::new();
    x.list("Roles", &page.items, |m, r| {
        write_role(m, r, c.partition, RoleShape::List);
    });
    x.bool("IsTruncated", page.next_marker.is_some());
    x.opt_text("Marker", page.next_marker.as_deref());
    Ok(Some(x))
}

pub async fn update_role(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    s.keyward
        .update_role(
            &c,
            p.required("RoleName")?,
            p.get("Description"),
            p.int("MaxSessionDuration")?,
        )
        .await?;
    // UpdateRole's output shape is an empty structure: AWS sends an empty
    // `<UpdateRoleResult/>`, and strict clients (the Go SDK) require it.
    Ok(Some(Xml::new()))
}

pub async fn update_role_description(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    let role = s
        .keyward
        .update_role(
            &c,
            p.required("RoleName")?,
            Some(p.required("Description")?),
            None,
        )
        .await?;
    let mut x = Xml::new();
    x.node("Role", |x| {
        write_role(x, &role, c.partition, RoleShape::Get);
    });
    Ok(Some(x))
}

pub async fn update_assume_role_policy(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    s.keyward
        .update_assume_role_policy(&c, p.required("RoleName")?, p.required("PolicyDocument")?)
        .await?;
    Ok(None)
}

pub async fn delete_role(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    s.keyward.delete_role(&c, p.required("RoleName")?).await?;
    Ok(None)
}

pub async fn tag_role(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    s.keyward
        .tag_role(&c, p.required("RoleName")?, p.tags("Tags"))
        .await?;
    Ok(None)
}

pub async fn untag_role(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    s.keyward
        .untag_role(&c, p.required("RoleName")?, &p.list("TagKeys"))
        .await?;
    Ok(None)
}

pub async fn list_role_tags(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    let role = s
        .keyward
        .role(&c.account_id, p.required("RoleName")?)
        .await?;
    tag_list(&role.tags, &p)
}

// Instance profiles

pub async fn create_instance_profile(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    let profile = s
        .keyward
        .create_instance_profile(
            &c,
            p.required("InstanceProfileName")?,
            p.get("Path"),
            p.tags("Tags"),
        )
        .await?;
    let mut x = Xml::new();
    x.node("InstanceProfile", |x| {
        write_instance_profile(x, &profile, c.partition, true);
    });
    Ok(Some(x))
}

pub async fn get_instance_profile(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    let profile = s
        .keyward
        .instance_profile(&c.account_id, p.required("InstanceProfileName")?)
        .await?;
    let mut x = Xml::new();
    x.node("InstanceProfile", |x| {
        write_instance_profile(x, &profile, c.partition, true);
    });
    Ok(Some(x))
}

pub async fn list_instance_profiles(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    let page = s
        .keyward
        .list_instance_profiles(&c, p.get("PathPrefix"), p.get("Marker"), p.int("MaxItems")?)
        .await?;
    let mut x = Xml::new();
    x.list("InstanceProfiles", &page.items, |m, ip| {
        write_instance_profile(m, ip, c.partition, false);
    });
    x.bool("IsTruncated", page.next_marker.is_some());
    x.opt_text("Marker", page.next_marker.as_deref());
    Ok(Some(x))
}

pub async fn list_instance_profiles_for_role(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    let profiles = s
        .keyward
        .instance_profiles_for_role(&c, p.required("RoleName")?)
        .await?;
    let (items, next) = super::paginate(&profiles, p.get("Marker"), p.int("MaxItems")?)?;
    let mut x = Xml::new();
    x.list("InstanceProfiles", items, |m, ip| {
        write_instance_profile(m, ip, c.partition, false);
    });
    x.bool("IsTruncated", next.is_some());
    x.opt_text("Marker", next.as_deref());
    Ok(Some(x))
}

pub async fn delete_instance_profile(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    s.keyward
        .delete_instance_profile(&c, p.required("InstanceProfileName")?)
        .await?;
    Ok(None)
}

pub async fn add_role_to_instance_profile(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    s.keyward
        .add_role_to_instance_profile(
            &c,
            p.required("InstanceProfileName")?,
            p.required("RoleName")?,
        )
        .await?;
    Ok(None)
}

pub async fn remove_role_from_instance_profile(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    s.keyward
        .remove_role_from_instance_profile(
            &c,
            p.required("InstanceProfileName")?,
            p.required("RoleName")?,
        )
        .await?;
    Ok(None)
}

pub async fn tag_instance_profile(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    s.keyward
        .tag_instance_profile(&c, p.required("InstanceProfileName")?, p.tags("Tags"))
        .await?;
    Ok(None)
}

pub async fn untag_instance_profile(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    s.keyward
        .untag_instance_profile(&c, p.required("InstanceProfileName")?, &p.list("TagKeys"))
        .await?;
    Ok(None)
}

pub async fn list_instance_profile_tags(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    let profile = s
        .keyward
        .instance_profile(&c.account_id, p.required("InstanceProfileName")?)
        .await?;
    tag_list(&profile.tags, &p)
}

#[cfg(test)]
mod tests {
    use keyward_core::model::RoleLastUsed;

    use super::*;

    fn role() -> Role {
        Role {
            account_id: "123456789012".into(),
            role_id: "AROAEXAMPLE".into(),
            name: "app".into(),
            path: "/".into(),
            created: time::OffsetDateTime::UNIX_EPOCH,
            description: None,
            max_session_duration: 3600,
            trust_policy: r#"{"Version": "2012-10-17"}"#.into(),
            permissions_boundary: Some("arn:aws:iam::aws:policy/PowerUserAccess".into()),
            tags: vec![Tag {
                key: "k".into(),
                value: "v".into(),
            }],
            last_used: None,
        }
    }

    fn written(r: &Role, shape: RoleShape) -> String {
        let mut x = Xml::new();
        write_role(&mut x, r, "aws", shape);
        x.into_string()
    }

    #[test]
    fn role_members_follow_the_operation() {
        let r = role();
        let create = written(&r, RoleShape::Create);
        assert!(create.contains(
            "<AssumeRolePolicyDocument>%7B%22Version%22%3A%20%222012-10-17%22%7D</AssumeRolePolicyDocument>"
        ));
        assert!(!create.contains("MaxSessionDuration"));
        assert!(!create.contains("RoleLastUsed"));
        assert!(create.contains("<Tags>") && create.contains("<PermissionsBoundary>"));

        let get = written(&r, RoleShape::Get);
        assert!(get.contains("<MaxSessionDuration>3600</MaxSessionDuration>"));
        assert!(get.ends_with("<RoleLastUsed></RoleLastUsed>"));

        let list = written(&r, RoleShape::List);
        assert!(list.contains("<MaxSessionDuration>3600</MaxSessionDuration>"));
        for absent in ["RoleLastUsed", "<Tags>", "PermissionsBoundary"] {
            assert!(!list.contains(absent), "{absent} in {list}");
        }

        let mut used = role();
        used.last_used = Some(RoleLastUsed {
            at: time::OffsetDateTime::UNIX_EPOCH,
            region: Some("eu-west-1".into()),
        });
        assert!(written(&used, RoleShape::Get).ends_with(
            "<RoleLastUsed><LastUsedDate>1970-01-01T00:00:00Z</LastUsedDate><Region>eu-west-1</Region></RoleLastUsed>"
        ));
    }
}
