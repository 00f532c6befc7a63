//! Managed policies and versions, attachments to users, groups and roles,
//! inline policies and permissions boundaries.

use std::sync::Arc;

use keyward_core::caller::Caller;
use keyward_core::policies::{EntityKind, ManagedPolicy, PolicyVersion};
use keyward_core::service::PolicyFilter;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::Reply;
use crate::params::Params;
use crate::server::AppState;
use crate::xml::Xml;

/// RFC 3986 unreserved characters stay; everything else is escaped, as IAM
/// encodes policy documents in responses.
const DOCUMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A policy document as IAM sends it: URL-encoded.
pub(crate) fn encode_document(document: &str) -> String {
    utf8_percent_encode(document, DOCUMENT).to_string()
}

/// How the `Policy` structure shows tags.
#[derive(Clone, Copy, PartialEq, Eq)]
enum TagsShown {
    /// ListPolicies: never.
    Never,
    /// CreatePolicy: only when there are some.
    IfAny,
    /// GetPolicy: always, possibly empty.
    Always,
}

fn write_policy(x: &mut Xml, p: &ManagedPolicy, description: bool, tags: TagsShown) {
    x.text("PolicyName", &p.name)
        .text("DefaultVersionId", &p.default_version)
        .text("PolicyId", &p.policy_id)
        .text("Path", &p.path)
        .text("Arn", &p.arn)
        .num(
            "AttachmentCount",
            i64::try_from(p.attachment_count).unwrap_or(i64::MAX),
        )
        .num(
            "PermissionsBoundaryUsageCount",
            i64::try_from(p.boundary_usage_count).unwrap_or(i64::MAX),
        )
        .bool("IsAttachable", true);
    if description {
        x.opt_text("Description", p.description.as_deref());
    }
    x.date("CreateDate", p.created)
        .date("UpdateDate", p.updated);
    if tags == TagsShown::Always || (tags == TagsShown::IfAny && !p.tags.is_empty()) {
        x.list("Tags", &p.tags, |m, t| {
            m.text("Key", &t.key).text("Value", &t.value);
        });
    }
}

fn write_version(x: &mut Xml, v: &PolicyVersion, with_document: bool) {
    if with_document {
        x.text("Document", &encode_document(&v.document));
    }
    x.text("VersionId", &v.version_id)
        .bool("IsDefaultVersion", v.is_default)
        .date("CreateDate", v.created);
}

fn flag(p: &Params, name: &str) -> bool {
    p.get(name).is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

fn truncation(x: &mut Xml, next: Option<&str>) {
    x.bool("IsTruncated", next.is_some());
    x.opt_text("Marker", next);
}

// Managed policies

pub async fn create_policy(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    let policy = s
        .keyward
        .create_policy(
            &c,
            p.required("PolicyName")?,
            p.get("Path"),
            p.required("PolicyDocument")?,
            p.get("Description"),
            p.tags("Tags"),
        )
        .await?;
    let mut x = Xml::new();
    x.node("Policy", |x| {
        write_policy(x, &policy, true, TagsShown::IfAny);
    });
    Ok(Some(x))
}

pub async fn get_policy(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    let policy = s.keyward.get_policy(&c, p.required("PolicyArn")?).await?;
    let mut x = Xml::new();
    x.node("Policy", |x| {
        write_policy(x, &policy, true, TagsShown::Always);
    });
    Ok(Some(x))
}

pub async fn list_policies(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    let filter = PolicyFilter {
        scope: p.get("Scope"),
        only_attached: flag(&p, "OnlyAttached"),
        path_prefix: p.get("PathPrefix"),
        usage: p.get("PolicyUsageFilter"),
    };
    let all = s.keyward.list_policies(&c, &filter).await?;
    let (items, next) = super::paginate(&all, p.get("Marker"), p.int("MaxItems")?)?;
    let mut x = Xml::new();
    x.list("Policies", items, |m, policy| {
        write_policy(m, policy, false, TagsShown::Never);
    });
    truncation(&mut x, next.as_deref());
    Ok(Some(x))
}

pub async fn delete_policy(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    s.keyward
        .delete_policy(&c, p.required("PolicyArn")?)
        .await?;
    Ok(None)
}

pub async fn create_policy_version(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    let version = s
        .keyward
        .create_policy_version(
            &c,
            p.required("PolicyArn")?,
            p.required("PolicyDocument")?,
            flag(&p, "SetAsDefault"),
        )
        .await?;
    let mut x = Xml::new();
    x.node("PolicyVersion", |x| write_version(x, &version, false));
    Ok(Some(x))
}

pub async fn get_policy_version(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    let version = s
        .keyward
        .get_policy_version(&c, p.required("PolicyArn")?, p.required("VersionId")?)
        .await?;
    let mut x = Xml::new();
    x.node("PolicyVersion", |x| write_version(x, &version, true));
    Ok(Some(x))
}

pub async fn list_policy_versions(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    let versions = s
        .keyward
        .list_policy_versions(&c, p.required("PolicyArn")?)
        .await?;
    let (items, next) = super::paginate(&versions, p.get("Marker"), p.int("MaxItems")?)?;
    let mut x = Xml::new();
    x.list("Versions", items, |m, v| write_version(m, v, false));
    truncation(&mut x, next.as_deref());
    Ok(Some(x))
}

pub async fn set_default_policy_version(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    s.keyward
        .set_default_policy_version(&c, p.required("PolicyArn")?, p.required("VersionId")?)
        .await?;
    Ok(None)
}

pub async fn delete_policy_version(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    s.keyward
        .delete_policy_version(&c, p.required("PolicyArn")?, p.required("VersionId")?)
        .await?;
    Ok(None)
}

pub async fn list_entities_for_policy(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    let entities = s
        .keyward
        .entities_for_policy(
            &c,
            p.required("PolicyArn")?,
            p.get("EntityFilter"),
            p.get("PathPrefix"),
            p.get("PolicyUsageFilter"),
        )
        .await?;
    let (items, next) = super::paginate(&entities, p.get("Marker"), p.int("MaxItems")?)?;
    let mut x = Xml::new();
    for (kind, list, name_tag, id_tag) in [
        (EntityKind::Group, "PolicyGroups", "GroupName", "GroupId"),
        (EntityKind::User, "PolicyUsers", "UserName", "UserId"),
        (EntityKind::Role, "PolicyRoles", "RoleName", "RoleId"),
    ] {
        x.list(list, items.iter().filter(|e| e.kind == kind), |m, e| {
            m.text(name_tag, &e.name).text(id_tag, &e.id);
        });
    }
    truncation(&mut x, next.as_deref());
    Ok(Some(x))
}

pub async fn tag_policy(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    s.keyward
        .tag_policy(&c, p.required("PolicyArn")?, p.tags("Tags"))
        .await?;
    Ok(None)
}

pub async fn untag_policy(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    s.keyward
        .untag_policy(&c, p.required("PolicyArn")?, &p.list("TagKeys"))
        .await?;
    Ok(None)
}

pub async fn list_policy_tags(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    let tags = s.keyward.policy_tags(&c, p.required("PolicyArn")?).await?;
    let (items, next) = super::paginate(&tags, p.get("Marker"), p.int("MaxItems")?)?;
    let mut x = Xml::new();
    x.list("Tags", items, |m, t| {
        m.text("Key", &t.key).text("Value", &t.value);
    });
    truncation(&mut x, next.as_deref());
    Ok(Some(x))
}

// Attachments, inline policies and boundaries, for each kind of entity

/// `UserName`, `GroupName` or `RoleName`.
fn name_param(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::User => "UserName",
        EntityKind::Group => "GroupName",
        EntityKind::Role => "RoleName",
    }
}

async fn attach(s: Arc<AppState>, c: Caller, p: Params, kind: EntityKind) -> Reply {
    s.keyward
        .attach_policy(
            &c,
            kind,
            p.required(name_param(kind))?,
            p.required("PolicyArn")?,
        )
        .await?;
    Ok(None)
}

async fn detach(s: Arc<AppState>, c: Caller, p: Params, kind: EntityKind) -> Reply {
    s.keyward
        .detach_policy(
            &c,
            kind,
            p.required(name_param(kind))?,
            p.required("PolicyArn")?,
        )
        .await?;
    Ok(None)
}

async fn list_attached(s: Arc<AppState>, c: Caller, p: Params, kind: EntityKind) -> Reply {
    let attached = s
        .keyward
        .attached_policies(&c, kind, p.required(name_param(kind))?, p.get("PathPrefix"))
        .await?;
    let (items, next) = super::paginate(&attached, p.get("Marker"), p.int("MaxItems")?)?;
    let mut x = Xml::new();
    x.list("AttachedPolicies", items, |m, a| {
        m.text("PolicyName", &a.policy_name)
            .text("PolicyArn", &a.policy_arn);
    });
    truncation(&mut x, next.as_deref());
    Ok(Some(x))
}

async fn put_inline(s: Arc<AppState>, c: Caller, p: Params, kind: EntityKind) -> Reply {
    s.keyward
        .put_inline_policy(
            &c,
            kind,
            p.required(name_param(kind))?,
            p.required("PolicyName")?,
            p.required("PolicyDocument")?,
        )
        .await?;
    Ok(None)
}

async fn get_inline(s: Arc<AppState>, c: Caller, p: Params, kind: EntityKind) -> Reply {
    let policy_name = p.required("PolicyName")?;
    let (entity_name, document) = s
        .keyward
        .inline_policy(&c, kind, p.required(name_param(kind))?, policy_name)
        .await?;
    let mut x = Xml::new();
    x.text(name_param(kind), &entity_name)
        .text("PolicyName", policy_name)
        .text("PolicyDocument", &encode_document(&document));
    Ok(Some(x))
}

async fn list_inline(s: Arc<AppState>, c: Caller, p: Params, kind: EntityKind) -> Reply {
    let names = s
        .keyward
        .inline_policy_names(&c, kind, p.required(name_param(kind))?)
        .await?;
    let (items, next) = super::paginate(&names, p.get("Marker"), p.int("MaxItems")?)?;
    let mut x = Xml::new();
    x.node("PolicyNames", |x| {
        for n in items {
            x.text("member", n);
        }
    });
    truncation(&mut x, next.as_deref());
    Ok(Some(x))
}

async fn delete_inline(s: Arc<AppState>, c: Caller, p: Params, kind: EntityKind) -> Reply {
    s.keyward
        .delete_inline_policy(
            &c,
            kind,
            p.required(name_param(kind))?,
            p.required("PolicyName")?,
        )
        .await?;
    Ok(None)
}

async fn put_boundary(s: Arc<AppState>, c: Caller, p: Params, kind: EntityKind) -> Reply {
    s.keyward
        .put_permissions_boundary(
            &c,
            kind,
            p.required(name_param(kind))?,
            p.required("PermissionsBoundary")?,
        )
        .await?;
    Ok(None)
}

async fn delete_boundary(s: Arc<AppState>, c: Caller, p: Params, kind: EntityKind) -> Reply {
    s.keyward
        .delete_permissions_boundary(&c, kind, p.required(name_param(kind))?)
        .await?;
    Ok(None)
}

/// Handlers (the action table wants plain functions) for one kind of entity.
macro_rules! for_kind {
    ($kind:ident: $($name:ident => $generic:ident),* $(,)?) => {
        $(
            pub async fn $name(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
                $generic(s, c, p, EntityKind::$kind).await
            }
        )*
    };
}

for_kind!(User:
    attach_user_policy => attach,
    detach_user_policy => detach,
    list_attached_user_policies => list_attached,
    put_user_policy => put_inline,
    get_user_policy => get_inline,
    list_user_policies => list_inline,
    delete_user_policy => delete_inline,
    put_user_permissions_boundary => put_boundary,
    delete_user_permissions_boundary => delete_boundary,
);

for_kind!(Group:
    attach_group_policy => attach,
    detach_group_policy => detach,
    list_attached_group_policies => list_attached,
    put_group_policy => put_inline,
    get_group_policy => get_inline,
    list_group_policies => list_inline,
    delete_group_policy => delete_inline,
);

for_kind!(Role:
    attach_role_policy => attach,
    detach_role_policy => detach,
    list_attached_role_policies => list_attached,
    put_role_policy => put_inline,
    get_role_policy => get_inline,
    list_role_policies => list_inline,
    delete_role_policy => delete_inline,
    put_role_permissions_boundary => put_boundary,
    delete_role_permissions_boundary => delete_boundary,
);

#[cfg(test)]
mod tests {
    #[test]
    fn documents_are_url_encoded_like_iam() {
        assert_eq!(
            super::encode_document(r#"{"Action": "s3:Get*"}"#),
            "%7B%22Action%22%3A%20%22s3%3AGet%2A%22%7D"
        );
    }
}
