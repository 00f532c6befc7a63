//! Policy simulation, context keys and the account's authorization details.

use std::sync::Arc;

use keyward_core::caller::Caller;
use keyward_core::service::{ContextEntry, EvaluationResult, Simulation};

use super::Reply;
use crate::params::Params;
use crate::server::AppState;
use crate::xml::Xml;

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
