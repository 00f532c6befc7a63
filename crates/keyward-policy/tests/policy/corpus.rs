//! Runs the JSON corpus. Every case carries a `trace`: the AWS documentation
//! example or evaluation-logic step it checks.

use keyward_policy::{
    CompiledPolicy, ContextValue, PolicyInput, PolicyKind, PolicyType, Reason, RequestContext,
    RequestPrincipal, access_denied_message, evaluate, explain, parse, parse_unvalidated,
};
use serde_json::Value;

const USER: &str = "arn:aws:iam::123456789012:user/alice";

fn s<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k).and_then(Value::as_str)
}

fn to_context_value(v: &Value) -> ContextValue {
    match v {
        Value::Bool(b) => ContextValue::Bool(*b),
        Value::Number(n) => ContextValue::Number(n.as_f64().unwrap()),
        Value::String(t) => ContextValue::String(t.clone()),
        other => panic!("unsupported context value {other}"),
    }
}

fn apply_context(mut ctx: RequestContext, obj: Option<&Value>) -> RequestContext {
    if let Some(Value::Object(m)) = obj {
        for (k, v) in m {
            let values = match v {
                Value::Array(a) => a.iter().map(to_context_value).collect(),
                Value::Null => continue,
                other => vec![to_context_value(other)],
            };
            ctx.set(k, values);
        }
    }
    ctx
}

fn principal(case: &Value) -> RequestPrincipal {
    let arn = s(case, "principal").unwrap_or(USER);
    match s(case, "principal_kind") {
        Some("service") => RequestPrincipal::service(arn),
        Some("web_identity") => RequestPrincipal::web_identity(arn),
        Some("anonymous") => RequestPrincipal::anonymous(),
        Some("role") => RequestPrincipal::assumed_role(arn, s(case, "role_arn").unwrap()),
        _ => RequestPrincipal::from_arn(arn),
    }
}

fn build_ctx(case: &Value) -> RequestContext {
    let mut ctx = RequestContext::with_principal(
        principal(case),
        s(case, "action").unwrap_or("iam:GetUser"),
        s(case, "resource").unwrap_or("arn:aws:iam::123456789012:user/alice"),
    );
    if let Some(a) = s(case, "resource_account") {
        ctx = ctx.with_resource_account(a);
    }
    apply_context(ctx, case.get("context"))
}

fn policy_type(name: &str) -> PolicyType {
    match name {
        "Identity" => PolicyType::Identity,
        "Resource" => PolicyType::Resource,
        "Trust" => PolicyType::Trust,
        "Boundary" => PolicyType::PermissionsBoundary,
        "Scp" => PolicyType::Scp,
        "Rcp" => PolicyType::Rcp,
        "Session" => PolicyType::Session,
        other => panic!("unknown policy type {other}"),
    }
}

fn kind_of(t: PolicyType) -> PolicyKind {
    match t {
        PolicyType::Identity => PolicyKind::Identity,
        PolicyType::Resource => PolicyKind::Resource,
        PolicyType::Trust => PolicyKind::Trust,
        PolicyType::PermissionsBoundary => PolicyKind::Boundary,
        PolicyType::Scp => PolicyKind::Scp,
        PolicyType::Rcp => PolicyKind::Rcp,
        PolicyType::Session => PolicyKind::Session,
    }
}

fn doc_text(v: &Value) -> String {
    match v {
        Value::String(t) => t.clone(),
        other => other.to_string(),
    }
}

/// Wraps statement fragments into a full identity policy.
fn identity_doc(statements: &Value, version: &str) -> String {
    format!(r#"{{"Version":"{version}","Statement":{statements}}}"#)
}

/// Runs every case of `cases` with `run`, collecting failures.
fn run_all(file: &str, cases: &[Value], run: impl Fn(&Value) -> Result<(), String>) -> usize {
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        assert!(
            case.get("trace")
                .and_then(Value::as_str)
                .is_some_and(|t| !t.is_empty()),
            "{file}[{i}] lacks a trace"
        );
        if let Err(e) = run(case) {
            failures.push(format!(
                "{file}[{i}] {}: {e}",
                s(case, "name").unwrap_or("")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    println!("{file}: {} cases", cases.len());
    cases.len()
}

fn load(text: &str) -> Vec<Value> {
    serde_json::from_str::<Value>(text)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

/// Full evaluation cases: policies tagged by type, a request, an outcome.
fn run_eval(case: &Value) -> Result<(), String> {
    let mut compiled = Vec::new();
    for p in case["policies"].as_array().unwrap() {
        let t = policy_type(s(p, "type").unwrap());
        let text = doc_text(&p["doc"]);
        let policy = if p.get("unvalidated").and_then(Value::as_bool) == Some(true) {
            parse_unvalidated(&text)
        } else {
            parse(&text, kind_of(t))
        }
        .map_err(|e| format!("policy did not parse: {e}"))?;
        compiled.push((
            s(p, "id").unwrap_or("policy").to_owned(),
            t,
            CompiledPolicy::new(&policy),
        ));
    }
    let inputs: Vec<PolicyInput<'_>> = compiled
        .iter()
        .map(|(id, t, c)| PolicyInput::new(id, *t, c))
        .collect();
    let ctx = build_ctx(case);
    let d = evaluate(&ctx, &inputs);
    check_decision(case, &ctx, &d, &inputs)
}

fn check_decision(
    case: &Value,
    ctx: &RequestContext,
    d: &keyward_policy::Decision,
    inputs: &[PolicyInput<'_>],
) -> Result<(), String> {
    let want = s(case, "expect").unwrap();
    if d.decision.as_str() != want {
        return Err(format!("expected {want}, got {:?}", d));
    }
    if let Some(reason) = s(case, "reason") {
        let got = d.denied_reason(ctx.action()).unwrap_or_default();
        if got != reason {
            return Err(format!("reason: expected `{reason}`, got `{got}`"));
        }
    }
    if let Some(msg) = s(case, "message") {
        let got = access_denied_message(ctx, d).unwrap_or_default();
        if got != msg {
            return Err(format!("message: expected `{msg}`, got `{got}`"));
        }
    }
    let ex = explain(ctx, inputs);
    if ex.decision != *d {
        return Err("explain disagrees with evaluate".into());
    }
    if let Some(sid) = case.get("sid") {
        let got = ex.deciding_statement().and_then(|m| m.sid.clone());
        if got.as_deref() != sid.as_str() {
            return Err(format!("deciding sid: expected {sid}, got {got:?}"));
        }
    }
    if let Some(root) = case.get("root_reason").and_then(Value::as_bool)
        && root != (d.reason == Reason::RootUser)
    {
        return Err(format!("root reason mismatch: {:?}", d.reason));
    }
    if let Some(missing) = case.get("missing") {
        let want: Vec<String> = missing
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect();
        if ex.missing_context_values != want {
            return Err(format!(
                "missing: expected {want:?}, got {:?}",
                ex.missing_context_values
            ));
        }
    }
    if let Some(m) = case.get("matched") {
        let want = m.as_u64().unwrap() as usize;
        if ex.matched_statements.len() != want {
            return Err(format!(
                "matched: expected {want}, got {}",
                ex.matched_statements.len()
            ));
        }
    }
    Ok(())
}

/// Compact condition cases: one Allow statement with one condition
/// `{op: {key: values}}`; `expect` true ⇒ allowed, false ⇒ implicit deny.
fn run_condition(case: &Value) -> Result<(), String> {
    let cond = serde_json::json!({ s(case, "op").unwrap(): { s(case, "key").unwrap(): case["values"].clone() } });
    let stmt = serde_json::json!({"Effect":"Allow","Action":"*","Resource":"*","Condition":cond});
    let version = s(case, "version").unwrap_or("2012-10-17");
    let text = identity_doc(&stmt, version);
    let policy = parse_unvalidated(&text).map_err(|e| format!("parse: {e}"))?;
    let c = CompiledPolicy::new(&policy);
    let inputs = [PolicyInput::new("cond", PolicyType::Identity, &c)];
    let ctx = build_ctx(case);
    let got = evaluate(&ctx, &inputs).is_allowed();
    let want = case["expect"].as_bool().unwrap();
    if got != want {
        Err(format!("expected {want}, got {got}"))
    } else {
        Ok(())
    }
}

/// Compact matching cases: Action (or NotAction) and Resource (or NotResource) patterns.
fn run_match(case: &Value) -> Result<(), String> {
    let mut stmt = serde_json::json!({"Effect":"Allow"});
    let action_key = if case.get("not_action").is_some() {
        "NotAction"
    } else {
        "Action"
    };
    stmt[action_key] = case
        .get("actions")
        .or(case.get("not_action"))
        .cloned()
        .unwrap_or(Value::from("*"));
    let res_key = if case.get("not_resource").is_some() {
        "NotResource"
    } else {
        "Resource"
    };
    stmt[res_key] = case
        .get("resources")
        .or(case.get("not_resource"))
        .cloned()
        .unwrap_or(Value::from("*"));
    let version = s(case, "version").unwrap_or("2012-10-17");
    let text = identity_doc(&stmt, version);
    let policy = parse_unvalidated(&text).map_err(|e| format!("parse: {e}"))?;
    let c = CompiledPolicy::new(&policy);
    let inputs = [PolicyInput::new("m", PolicyType::Identity, &c)];
    // Matching cases test patterns, not account boundaries.
    let ctx = build_ctx(case).with_resource_account("123456789012");
    let got = evaluate(&ctx, &inputs).is_allowed();
    let want = case["expect"].as_bool().unwrap();
    if got != want {
        Err(format!("expected {want}, got {got}"))
    } else {
        Ok(())
    }
}

/// Validation cases: a document, a kind, the exact AWS message (or null = valid).
fn run_validation(case: &Value) -> Result<(), String> {
    let kind = match s(case, "kind").unwrap_or("Identity") {
        "Identity" => PolicyKind::Identity,
        "Resource" => PolicyKind::Resource,
        "Trust" => PolicyKind::Trust,
        "Boundary" => PolicyKind::Boundary,
        "Scp" => PolicyKind::Scp,
        "Rcp" => PolicyKind::Rcp,
        "Session" => PolicyKind::Session,
        other => return Err(format!("bad kind {other}")),
    };
    let text = doc_text(&case["doc"]);
    let got = parse(&text, kind);
    match (case.get("error").and_then(Value::as_str), got) {
        (None, Ok(p)) => {
            // Valid documents also round-trip through the canonical printer.
            let printed = p.to_string();
            let again = parse(&printed, kind).map_err(|e| format!("reparse of {printed}: {e}"))?;
            if again != p {
                return Err(format!("round trip changed the policy: {printed}"));
            }
            Ok(())
        }
        (None, Err(e)) => Err(format!("expected valid, got `{e}`")),
        (Some(want), Ok(_)) => Err(format!("expected `{want}`, got valid")),
        (Some(want), Err(e)) if e.to_string() == want => Ok(()),
        (Some(want), Err(e)) => Err(format!("expected `{want}`, got `{e}`")),
    }
}

#[test]
fn corpus_conditions() {
    run_all(
        "conditions.json",
        &load(include_str!("../corpus/conditions.json")),
        run_condition,
    );
}

#[test]
fn corpus_matching() {
    run_all(
        "matching.json",
        &load(include_str!("../corpus/matching.json")),
        run_match,
    );
}

#[test]
fn corpus_variables() {
    let cases = load(include_str!("../corpus/variables.json"));
    run_all("variables.json", &cases, |c| {
        if c.get("op").is_some() {
            run_condition(c)
        } else {
            run_match(c)
        }
    });
}

#[test]
fn corpus_evaluation() {
    run_all(
        "evaluation.json",
        &load(include_str!("../corpus/evaluation.json")),
        run_eval,
    );
}

#[test]
fn corpus_validation() {
    run_all(
        "validation.json",
        &load(include_str!("../corpus/validation.json")),
        run_validation,
    );
}
