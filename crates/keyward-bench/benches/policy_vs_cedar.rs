//! keyward-policy vs cedar-policy on equivalent authorization problems.
//!
//! Each scenario states the same rules in both languages; both engines get a
//! pre-parsed policy set and a pre-built request, so the loop measures one
//! authorization decision. Action and resource names are carried in Cedar's
//! context as strings so Cedar can express the same wildcards with `like`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use cedar_policy::{Authorizer, Context, Entities, EntityUid, PolicySet, Request};
use criterion::{Criterion, criterion_group, criterion_main};
use keyward_policy::{
    CompiledPolicy, ContextValue, PolicyInput, PolicyKind, PolicyType, RequestContext, evaluate,
    parse,
};
use serde_json::json;

const USER: &str = "arn:aws:iam::123456789012:user/alice";
const ACTION: &str = "iam:GetUser";
const RESOURCE: &str = "arn:aws:iam::123456789012:user/division/bob";

struct Cedar {
    authorizer: Authorizer,
    policies: PolicySet,
    entities: Entities,
    request: Request,
}

impl Cedar {
    fn new(src: &str, extra_context: &serde_json::Value) -> Cedar {
        let policies: PolicySet = src.parse().expect("cedar policies parse");
        let mut ctx = json!({ "action": ACTION, "resource": RESOURCE });
        if let (Some(base), Some(extra)) = (ctx.as_object_mut(), extra_context.as_object()) {
            base.extend(extra.clone());
        }
        let context = Context::from_json_value(ctx, None).expect("context");
        let principal: EntityUid = r#"User::"alice""#.parse().expect("uid");
        let action: EntityUid = r#"Action::"call""#.parse().expect("uid");
        let resource: EntityUid = r#"Resource::"r""#.parse().expect("uid");
        let request = Request::new(principal, action, resource, context, None).expect("request");
        Cedar {
            authorizer: Authorizer::new(),
            policies,
            entities: Entities::empty(),
            request,
        }
    }

    fn allowed(&self) -> bool {
        self.authorizer
            .is_authorized(&self.request, &self.policies, &self.entities)
            .decision()
            == cedar_policy::Decision::Allow
    }
}

struct Keyward {
    policies: Vec<CompiledPolicy>,
    ctx: RequestContext,
}

impl Keyward {
    fn new(docs: &[String], ctx: RequestContext) -> Keyward {
        let policies = docs
            .iter()
            .map(|d| CompiledPolicy::new(&parse(d, PolicyKind::Identity).expect("parse")))
            .collect();
        Keyward { policies, ctx }
    }

    /// The policy list a server keeps per principal (built once, reused).
    fn inputs(&self) -> Vec<PolicyInput<'_>> {
        self.policies
            .iter()
            .map(|p| PolicyInput::new("p", PolicyType::Identity, p))
            .collect()
    }

    fn allowed(&self, inputs: &[PolicyInput<'_>]) -> bool {
        evaluate(&self.ctx, inputs).is_allowed()
    }
}

fn doc(statements: &[String]) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        statements.join(",")
    )
}

fn allow(action: &str, resource: &str) -> String {
    format!(r#"{{"Effect":"Allow","Action":"{action}","Resource":"{resource}"}}"#)
}

fn cedar_permit(action: &str, resource: &str) -> String {
    format!(
        "permit(principal, action, resource) when {{ context.action like \"{action}\" && context.resource like \"{resource}\" }};\n"
    )
}

fn base_ctx() -> RequestContext {
    RequestContext::new(USER, ACTION, RESOURCE)
}

/// Statement i of a wildcard set: only the last one matches the request.
fn wildcard_rule(i: usize, total: usize) -> (String, String) {
    if i + 1 == total {
        ("iam:Get*".to_owned(), "arn:aws:iam::*:user/*".to_owned())
    } else {
        (
            format!("svc{i}:Describe*"),
            format!("arn:aws:svc{i}:*:*:thing{i}/*"),
        )
    }
}

fn scenario(c: &mut Criterion, name: &str, k: &Keyward, cedar: &Cedar) {
    let inputs = k.inputs();
    assert!(k.allowed(&inputs), "{name}: keyward must allow");
    assert!(cedar.allowed(), "{name}: cedar must allow");
    let mut g = c.benchmark_group(name);
    g.warm_up_time(Duration::from_millis(500));
    g.measurement_time(Duration::from_secs(2));
    g.sample_size(50);
    g.bench_function("keyward", |b| {
        b.iter(|| black_box(k).allowed(black_box(&inputs)));
    });
    g.bench_function("cedar", |b| b.iter(|| black_box(cedar).allowed()));
    g.finish();
}

fn one_statement(c: &mut Criterion) {
    let k = Keyward::new(
        &[doc(&[allow(
            "iam:GetUser",
            "arn:aws:iam::123456789012:user/*",
        )])],
        base_ctx(),
    );
    let cedar = Cedar::new(
        &cedar_permit("iam:GetUser", "arn:aws:iam::123456789012:user/*"),
        &json!({}),
    );
    scenario(c, "1_statement", &k, &cedar);
}

fn ten_wildcards(c: &mut Criterion) {
    let rules: Vec<(String, String)> = (0..10).map(|i| wildcard_rule(i, 10)).collect();
    let stmts: Vec<String> = rules.iter().map(|(a, r)| allow(a, r)).collect();
    let k = Keyward::new(&[doc(&stmts)], base_ctx());
    let src: String = rules.iter().map(|(a, r)| cedar_permit(a, r)).collect();
    let cedar = Cedar::new(&src, &json!({}));
    scenario(c, "10_statements_wildcards", &k, &cedar);
}

fn hundred_over_ten(c: &mut Criterion) {
    let mut docs = Vec::new();
    let mut src = String::new();
    for p in 0..10 {
        let rules: Vec<(String, String)> = (0..10)
            .map(|i| {
                if p == 9 {
                    wildcard_rule(i, 10)
                } else {
                    wildcard_rule(p * 10 + i, usize::MAX)
                }
            })
            .collect();
        docs.push(doc(&rules
            .iter()
            .map(|(a, r)| allow(a, r))
            .collect::<Vec<_>>()));
        src.extend(rules.iter().map(|(a, r)| cedar_permit(a, r)));
    }
    let k = Keyward::new(&docs, base_ctx());
    let cedar = Cedar::new(&src, &json!({}));
    scenario(c, "100_statements_10_policies", &k, &cedar);
}

fn with_conditions(c: &mut Criterion) {
    let stmts = [
        r#"{"Sid":"Net","Effect":"Allow","Action":"iam:Get*","Resource":"*","Condition":{
            "IpAddress":{"aws:SourceIp":["10.0.0.0/8","192.168.0.0/16"]},
            "Bool":{"aws:MultiFactorAuthPresent":"true"},
            "DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}}"#
            .to_owned(),
        r#"{"Sid":"Team","Effect":"Deny","Action":"*","Resource":"*","Condition":{
            "StringNotEquals":{"aws:PrincipalTag/team":["dev","ops"]}}}"#
            .to_owned(),
        r#"{"Sid":"Old","Effect":"Deny","Action":"*","Resource":"*","Condition":{
            "NumericGreaterThan":{"aws:MultiFactorAuthAge":"3600"}}}"#
            .to_owned(),
        r#"{"Sid":"Tags","Effect":"Allow","Action":"iam:Tag*","Resource":"*","Condition":{
            "ForAllValues:StringEquals":{"aws:TagKeys":["team","cost"]}}}"#
            .to_owned(),
    ];
    let ctx = base_ctx()
        .with(
            "aws:SourceIp",
            ContextValue::Ip("10.1.2.3".parse().expect("ip")),
        )
        .with("aws:MultiFactorAuthPresent", true)
        .with("aws:MultiFactorAuthAge", 120i64)
        .with(
            "aws:CurrentTime",
            ContextValue::date("2025-06-01T12:00:00Z").expect("date"),
        )
        .with("aws:PrincipalTag/team", "dev")
        .with_multi("aws:TagKeys", ["team"]);
    let k = Keyward::new(&[doc(&stmts)], ctx);
    let src = r#"
        permit(principal, action, resource) when {
            context.action like "iam:Get*" &&
            (context.ip.isInRange(ip("10.0.0.0/8")) || context.ip.isInRange(ip("192.168.0.0/16"))) &&
            context.mfa == true && context.now < 1893456000 };
        forbid(principal, action, resource) when { !(context.team == "dev" || context.team == "ops") };
        forbid(principal, action, resource) when { context.mfa_age > 3600 };
        permit(principal, action, resource) when {
            context.action like "iam:Tag*" && ["team", "cost"].containsAll(context.tag_keys) };
    "#;
    let cedar = Cedar::new(
        src,
        &json!({
            "ip": {"__extn": {"fn": "ip", "arg": "10.1.2.3"}},
            "mfa": true, "mfa_age": 120, "now": 1748779200, "team": "dev", "tag_keys": ["team"]
        }),
    );
    scenario(c, "conditions_ip_mfa_tags_dates", &k, &cedar);
}

criterion_group!(
    benches,
    one_statement,
    ten_wildcards,
    hundred_over_ten,
    with_conditions
);
criterion_main!(benches);
