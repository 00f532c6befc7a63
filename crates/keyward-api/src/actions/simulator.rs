//! Policy simulation, context keys and the account's authorization details.

use std::sync::Arc;

use keyward_core::caller::Caller;
use keyward_core::model::{AttachedPolicy, Tag};
use keyward_core::service::{AuthorizationDetail, ContextEntry, EvaluationResult, Simulation};

use super::Reply;
use super::roles::write_instance_profile;
use crate::params::Params;
use crate::server::AppState;
use crate::xml::{Xml, encode_policy};

/// `ContextEntries.member.N.ContextKeyName` / `.ContextKeyValues.member.M` /
/// `.ContextKeyType`, in index order.
fn context_entries(p: &Params) -> Vec<ContextEntry> {
    let mut out = Vec::new();
    for n in 1.. {
        let base = format!("ContextEntries.member.{n}");
        let name = p.get(&format!("{base}.ContextKeyName"));
        let kind = p.get(&format!("{base}.ContextKeyType"));
        let values = p.list(&format!("{base}.ContextKeyValues"));
        if name.is_none() && kind.is_none() && values.is_empty() {
            break;
        }
        out.push(ContextEntry {
            key: name.unwrap_or_default().to_owned(),
            values,
            kind: kind.map(str::to_owned),
        });
    }
    out
}

fn write_results(results: &[EvaluationResult], p: &Params) -> Reply {
    let (items, next) = super::paginate(results, p.get("Marker"), p.int("MaxItems")?)?;
    let mut x = Xml::new();
    x.list("EvaluationResults", items, |m, r| {
        m.text("EvalActionName", &r.action)
            .text("EvalResourceName", &r.resource)
            .text("EvalDecision", r.decision.as_str());
        m.list("MatchedStatements", &r.matched, |s, st| {
            s.text("SourcePolicyId", &st.source_policy_id)
                .text("SourcePolicyType", st.source_policy_type)
                .node("StartPosition", |x| {
                    x.num("Line", i64::from(st.start.line))
                        .num("Column", i64::from(st.start.column));
                })
                .node("EndPosition", |x| {
                    x.num("Line", i64::from(st.end.line))
                        .num("Column", i64::from(st.end.column));
                });
        });
        m.list_of_text("MissingContextValues", &r.missing);
        if let Some(allowed) = r.boundary_allowed {
            m.node("PermissionsBoundaryDecisionDetail", |x| {
                x.bool("AllowedByPermissionsBoundary", allowed);
            });
            m.node("EvalDecisionDetails", |x| {
                x.node("entry", |e| {
                    e.text("key", "PermissionsBoundaryPolicy")
                        .text("value", if allowed { "allowed" } else { "implicitDeny" });
                });
            });
        }
    });
    x.bool("IsTruncated", next.is_some());
    x.opt_text("Marker", next.as_deref());
    Ok(Some(x))
}

async fn simulate(s: Arc<AppState>, c: Caller, p: Params, principal: bool) -> Reply {
    let source = if principal {
        Some(p.required("PolicySourceArn")?)
    } else {
        None
    };
    let policy_inputs = p.list("PolicyInputList");
    let boundary_inputs = p.list("PermissionsBoundaryPolicyInputList");
    let action_names = p.list("ActionNames");
    let resource_arns = p.list("ResourceArns");
    let context = context_entries(&p);
    let input = Simulation {
        policy_source_arn: source,
        policy_inputs: &policy_inputs,
        boundary_inputs: &boundary_inputs,
        action_names: &action_names,
        resource_arns: &resource_arns,
        context: &context,
        caller_arn: p.get("CallerArn"),
        resource_policy: p.get("ResourcePolicy"),
        resource_owner: p.get("ResourceOwner"),
    };
    let results = s.keyward.simulate(&c, &input).await?;
    write_results(&results, &p)
}

pub async fn simulate_principal_policy(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    simulate(s, c, p, true).await
}

pub async fn simulate_custom_policy(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    simulate(s, c, p, false).await
}

async fn context_keys(s: Arc<AppState>, c: Caller, p: Params, principal: bool) -> Reply {
    let source = if principal {
        Some(p.required("PolicySourceArn")?)
    } else {
        None
    };
    let keys = s
        .keyward
        .context_keys(&c, source, &p.list("PolicyInputList"))
        .await?;
    let mut x = Xml::new();
    x.list_of_text("ContextKeyNames", &keys);
    Ok(Some(x))
}

pub async fn get_context_keys_for_principal_policy(
    s: Arc<AppState>,
    c: Caller,
    p: Params,
) -> Reply {
    context_keys(s, c, p, true).await
}

pub async fn get_context_keys_for_custom_policy(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    context_keys(s, c, p, false).await
}

fn write_inline(x: &mut Xml, tag: &str, inline: &[(String, String)]) {
    x.list(tag, inline, |m, (name, doc)| {
        m.text("PolicyName", name)
            .text("PolicyDocument", &encode_policy(doc));
    });
}

fn write_attached(x: &mut Xml, attached: &[AttachedPolicy]) {
    x.list("AttachedManagedPolicies", attached, |m, a| {
        m.text("PolicyName", &a.policy_name)
            .text("PolicyArn", &a.policy_arn);
    });
}

fn write_boundary(x: &mut Xml, boundary: Option<&str>) {
    if let Some(b) = boundary {
        x.node("PermissionsBoundary", |x| {
            x.text("PermissionsBoundaryType", "Policy")
                .text("PermissionsBoundaryArn", b);
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

pub async fn get_account_authorization_details(s: Arc<AppState>, c: Caller, p: Params) -> Reply {
    let details = s
        .keyward
        .authorization_details(&c, &p.list("Filter"))
        .await?;
    let (items, next) = super::paginate(&details, p.get("Marker"), p.int("MaxItems")?)?;
    let part = c.partition;
    let mut x = Xml::new();
    x.node("UserDetailList", |x| {
        for d in items {
            let AuthorizationDetail::User(u) = d else {
                continue;
            };
            x.node("member", |m| {
                m.text("Path", &u.user.path)
                    .text("UserName", &u.user.name)
                    .text("UserId", &u.user.user_id)
                    .text("Arn", &u.user.arn(part))
                    .date("CreateDate", u.user.created);
                write_inline(m, "UserPolicyList", &u.inline);
                m.list_of_text("GroupList", &u.groups);
                write_attached(m, &u.attached);
                write_boundary(m, u.user.permissions_boundary.as_deref());
                write_tags(m, &u.user.tags);
            });
        }
    });
    x.node("GroupDetailList", |x| {
        for d in items {
            let AuthorizationDetail::Group(g) = d else {
                continue;
            };
            x.node("member", |m| {
                m.text("Path", &g.group.path)
                    .text("GroupName", &g.group.name)
                    .text("GroupId", &g.group.group_id)
                    .text("Arn", &g.group.arn(part))
                    .date("CreateDate", g.group.created);
                write_inline(m, "GroupPolicyList", &g.inline);
                write_attached(m, &g.attached);
            });
        }
    });
    x.node("RoleDetailList", |x| {
        for d in items {
            let AuthorizationDetail::Role(r) = d else {
                continue;
            };
            x.node("member", |m| {
                m.text("Path", &r.role.path)
                    .text("RoleName", &r.role.name)
                    .text("RoleId", &r.role.role_id)
                    .text("Arn", &r.role.arn(part))
                    .date("CreateDate", r.role.created)
                    .text(
                        "AssumeRolePolicyDocument",
                        &encode_policy(&r.role.trust_policy),
                    );
                m.list("InstanceProfileList", &r.instance_profiles, |ip, prof| {
                    write_instance_profile(ip, prof, part, false);
                });
                write_inline(m, "RolePolicyList", &r.inline);
                write_attached(m, &r.attached);
                write_boundary(m, r.role.permissions_boundary.as_deref());
                write_tags(m, &r.role.tags);
                m.node("RoleLastUsed", |x| {
                    if let Some(u) = &r.role.last_used {
                        x.date("LastUsedDate", u.at);
                        x.opt_text("Region", u.region.as_deref());
                    }
                });
            });
        }
    });
    x.node("Policies", |x| {
        for d in items {
            let AuthorizationDetail::Policy(pd) = d else {
                continue;
            };
            let pol = &pd.policy;
            x.node("member", |m| {
                m.text("PolicyName", &pol.name)
                    .text("PolicyId", &pol.policy_id)
                    .text("Arn", &pol.arn)
                    .text("Path", &pol.path)
                    .text("DefaultVersionId", &pol.default_version)
                    .num(
                        "AttachmentCount",
                        i64::try_from(pol.attachment_count).unwrap_or(i64::MAX),
                    )
                    .num(
                        "PermissionsBoundaryUsageCount",
                        i64::try_from(pol.boundary_usage_count).unwrap_or(i64::MAX),
                    )
                    .bool("IsAttachable", true);
                m.opt_text("Description", pol.description.as_deref());
                m.date("CreateDate", pol.created)
                    .date("UpdateDate", pol.updated);
                m.list("PolicyVersionList", &pd.versions, |v, ver| {
                    v.text("Document", &encode_policy(&ver.document))
                        .text("VersionId", &ver.version_id)
                        .bool("IsDefaultVersion", ver.is_default)
                        .date("CreateDate", ver.created);
                });
            });
        }
    });
    x.bool("IsTruncated", next.is_some());
    x.opt_text("Marker", next.as_deref());
    Ok(Some(x))
}
