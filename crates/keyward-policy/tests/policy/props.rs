//! Property tests: complement, deny precedence, round trip, no panics.

use keyward_policy::{
    CompiledPolicy, ContextValue, EvalDecision, PolicyInput, PolicyKind, PolicyType,
    RequestContext, evaluate, explain, parse, parse_unvalidated,
};
use proptest::prelude::*;

fn service() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("iam".to_owned()),
        Just("sts".to_owned()),
        Just("s3".to_owned()),
        Just("IAM".to_owned())
    ]
}

fn action_name() -> impl Strategy<Value = String> {
    "[A-Za-z]{1,12}"
}

fn action() -> impl Strategy<Value = String> {
    (service(), action_name()).prop_map(|(s, a)| format!("{s}:{a}"))
}

/// Action patterns with wildcards in various places.
fn action_pattern() -> impl Strategy<Value = String> {
    prop_oneof![
        action(),
        Just("*".to_owned()),
        (service(), "[A-Za-z]{0,6}").prop_map(|(s, p)| format!("{s}:{p}*")),
        (service(), "[A-Za-z]{0,4}", "[A-Za-z]{0,4}").prop_map(|(s, a, b)| format!("{s}:{a}*{b}")),
        (service(), "[A-Za-z]{1,4}").prop_map(|(s, a)| format!("{s}:?{a}")),
    ]
}

fn resource() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]{1,8}".prop_map(|n| format!("arn:aws:iam::123456789012:user/{n}")),
        "[a-z]{1,8}".prop_map(|n| format!("arn:aws:s3:::{n}/key")),
        Just("*".to_owned()),
    ]
}

fn resource_pattern() -> impl Strategy<Value = String> {
    prop_oneof![
        resource(),
        Just("arn:aws:iam::*:user/*".to_owned()),
        Just("arn:aws:s3:::*".to_owned()),
        "[a-z]{0,3}".prop_map(|p| format!("arn:aws:s3:::{p}*")),
        Just("arn:aws:iam::123456789012:user/${aws:username}".to_owned()),
    ]
}

fn json_list(items: &[String]) -> String {
    let quoted: Vec<String> = items
        .iter()
        .map(|s| serde_json::to_string(s).unwrap())
        .collect();
    format!("[{}]", quoted.join(","))
}

fn condition() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just(r#","Condition":{"Bool":{"aws:SecureTransport":"true"}}"#.to_owned()),
        Just(
            r#","Condition":{"StringNotEquals":{"aws:PrincipalTag/team":["dev","ops"]}}"#
                .to_owned()
        ),
        Just(r#","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#.to_owned()),
        Just(r#","Condition":{"ForAllValues:StringLike":{"aws:TagKeys":["t*"]}}"#.to_owned()),
        Just(
            r#","Condition":{"NumericLessThanIfExists":{"aws:MultiFactorAuthAge":3600}}"#
                .to_owned()
        ),
    ]
}

/// A valid identity statement: (effect, sid, actions, negated, resources, condition).
fn statement() -> impl Strategy<Value = String> {
    (
        prop::bool::ANY,
        prop::option::of("[A-Za-z0-9]{1,8}"),
        prop::collection::vec(action_pattern(), 1..4),
        prop::bool::ANY,
        prop::collection::vec(resource_pattern(), 1..3),
        prop::bool::ANY,
        condition(),
    )
        .prop_map(
            |(allow, sid, actions, not_action, resources, single, cond)| {
                let sid = sid.map(|s| format!(r#""Sid":"{s}","#)).unwrap_or_default();
                let effect = if allow { "Allow" } else { "Deny" };
                let akey = if not_action { "NotAction" } else { "Action" };
                let avalue = if single && actions.len() == 1 {
                    serde_json::to_string(&actions[0]).unwrap()
                } else {
                    json_list(&actions)
                };
                format!(
                    r#"{{{sid}"Effect":"{effect}","{akey}":{avalue},"Resource":{}{cond}}}"#,
                    json_list(&resources)
                )
            },
        )
}

/// A valid identity policy (Sids de-duplicated by index suffix).
fn policy_doc() -> impl Strategy<Value = String> {
    prop::collection::vec(statement(), 1..6).prop_map(|stmts| {
        let stmts: Vec<String> = stmts
            .into_iter()
            .enumerate()
            .map(|(i, s)| s.replacen(r#""Sid":""#, &format!(r#""Sid":"S{i}x"#), 1))
            .collect();
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
            stmts.join(",")
        )
    })
}

fn context() -> impl Strategy<Value = RequestContext> {
    (
        action(),
        resource(),
        prop::option::of(prop::bool::ANY),
        prop::option::of("[a-z]{1,4}"),
        prop::option::of(0u8..=255),
    )
        .prop_map(|(a, r, tls, team, ip)| {
            let mut ctx = RequestContext::new("arn:aws:iam::123456789012:user/alice", &a, &r)
                .with("aws:username", "alice");
            if let Some(t) = tls {
                ctx = ctx.with("aws:SecureTransport", t);
            }
            if let Some(t) = team {
                ctx = ctx
                    .with("aws:PrincipalTag/team", t)
                    .with_multi("aws:TagKeys", ["team", "t2"]);
            }
            if let Some(o) = ip {
                ctx = ctx.with("aws:SourceIp", ContextValue::String(format!("10.0.0.{o}")));
            }
            ctx
        })
}

fn compile(doc: &str) -> CompiledPolicy {
    CompiledPolicy::new(&parse(doc, PolicyKind::Identity).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// NotAction is the complement of Action for any action.
    #[test]
    fn not_action_is_complement(patterns in prop::collection::vec(action_pattern(), 1..4), act in action()) {
        let list = json_list(&patterns);
        let a = compile(&format!(r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":{list},"Resource":"*"}}}}"#));
        let n = compile(&format!(r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","NotAction":{list},"Resource":"*"}}}}"#));
        let ctx = RequestContext::new("arn:aws:iam::123456789012:user/alice", &act, "*");
        let via_action = evaluate(&ctx, &[PolicyInput::new("a", PolicyType::Identity, &a)]).is_allowed();
        let via_not = evaluate(&ctx, &[PolicyInput::new("n", PolicyType::Identity, &n)]).is_allowed();
        prop_assert_ne!(via_action, via_not);
    }

    /// NotResource is the complement of Resource.
    #[test]
    fn not_resource_is_complement(patterns in prop::collection::vec(resource_pattern(), 1..3), res in resource()) {
        let list = json_list(&patterns);
        let a = compile(&format!(r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"*","Resource":{list}}}}}"#));
        let n = compile(&format!(r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"*","NotResource":{list}}}}}"#));
        // aws:username is set, so every variable resolves and complement holds.
        let ctx = RequestContext::new("arn:aws:iam::123456789012:user/alice", "iam:GetUser", &res)
            .with("aws:username", "alice").with_resource_account("123456789012");
        let x = evaluate(&ctx, &[PolicyInput::new("a", PolicyType::Identity, &a)]).is_allowed();
        let y = evaluate(&ctx, &[PolicyInput::new("n", PolicyType::Identity, &n)]).is_allowed();
        prop_assert_ne!(x, y);
    }

    /// An applicable explicit deny wins over any set of allows, in any layer.
    #[test]
    fn explicit_deny_wins(docs in prop::collection::vec(policy_doc(), 1..4), ctx in context(), at in 0usize..4, layer in 0usize..4) {
        let mut compiled: Vec<CompiledPolicy> = docs.iter().map(|d| compile(d)).collect();
        let deny = compile(r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*"}}"#);
        compiled.insert(at.min(compiled.len()), deny);
        let types = [PolicyType::Identity, PolicyType::PermissionsBoundary, PolicyType::Scp, PolicyType::Session];
        let inputs: Vec<PolicyInput<'_>> = compiled.iter().enumerate()
            .map(|(i, c)| PolicyInput::new("p", if i == at.min(docs.len()) { types[layer] } else { PolicyType::Identity }, c))
            .collect();
        prop_assert_eq!(evaluate(&ctx, &inputs).decision, EvalDecision::ExplicitDeny);
    }

    /// print → parse is the identity on parsed policies, and printing is stable.
    #[test]
    fn print_parse_round_trip(doc in policy_doc()) {
        let p = parse(&doc, PolicyKind::Identity).unwrap();
        let printed = p.to_string();
        let again = parse(&printed, PolicyKind::Identity).unwrap();
        prop_assert_eq!(&again, &p);
        prop_assert_eq!(again.to_string(), printed);
    }

    /// Evaluation and explanation agree, and neither panics.
    #[test]
    fn evaluate_and_explain_agree(docs in prop::collection::vec(policy_doc(), 1..4), ctx in context()) {
        let compiled: Vec<CompiledPolicy> = docs.iter().map(|d| compile(d)).collect();
        let inputs: Vec<PolicyInput<'_>> = compiled.iter().map(|c| PolicyInput::new("p", PolicyType::Identity, c)).collect();
        let d = evaluate(&ctx, &inputs);
        let e = explain(&ctx, &inputs);
        prop_assert_eq!(d, e.decision);
        if d.decision == EvalDecision::Allowed {
            prop_assert!(e.matched_statements.iter().any(|m| m.effect == keyward_policy::Effect::Allow));
        }
    }

    /// Arbitrary text never panics the parser; whatever parses evaluates.
    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}", ctx in context()) {
        if let Ok(p) = parse_unvalidated(&text) {
            let c = CompiledPolicy::new(&p);
            let _ = explain(&ctx, &[PolicyInput::new("p", PolicyType::Identity, &c)]);
        }
    }

    /// Structured but possibly wrong documents never panic, for any kind.
    #[test]
    fn mutated_documents_never_panic(doc in policy_doc(), cut in 0usize..400, junk in "[\\[\\]{}\",:*?${}a-z0-9 ]{0,8}", ctx in context()) {
        let mut text = doc;
        let at = cut.min(text.len());
        if text.is_char_boundary(at) {
            text.insert_str(at, &junk);
        }
        for kind in [PolicyKind::Identity, PolicyKind::Resource, PolicyKind::Trust, PolicyKind::Scp, PolicyKind::Session] {
            let _ = parse(&text, kind);
        }
        if let Ok(p) = parse_unvalidated(&text) {
            prop_assert_eq!(&parse_unvalidated(&p.to_string()).unwrap(), &p);
            let c = CompiledPolicy::new(&p);
            let _ = p.condition_keys();
            let _ = explain(&ctx, &[PolicyInput::new("p", PolicyType::Resource, &c)]);
        }
    }
}
