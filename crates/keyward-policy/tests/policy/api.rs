//! Direct tests of the public API: typed context values, principals,
//! explanations with positions, context keys, limits, managed policies.

use keyward_policy::managed::{MANAGED_POLICIES, by_name};
use keyward_policy::*;

const ALICE: &str = "arn:aws:iam::123456789012:user/alice";

fn one(doc: &str) -> CompiledPolicy {
    CompiledPolicy::new(&parse_unvalidated(doc).unwrap())
}

fn allowed(doc: &str, ctx: &RequestContext) -> bool {
    let c = one(doc);
    evaluate(ctx, &[PolicyInput::new("p", PolicyType::Identity, &c)]).is_allowed()
}

fn cond(op: &str, key: &str, value: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"*","Resource":"*","Condition":{{"{op}":{{"{key}":{value}}}}}}}}}"#
    )
}

fn ctx() -> RequestContext {
    RequestContext::new(ALICE, "iam:GetUser", ALICE)
}

#[test]
fn typed_context_values() {
    let ip = ctx().with(
        "aws:SourceIp",
        ContextValue::Ip("10.0.0.1".parse().unwrap()),
    );
    assert!(allowed(
        &cond("IpAddress", "aws:SourceIp", r#""10.0.0.0/8""#),
        &ip
    ));
    let date = ctx().with(
        "aws:CurrentTime",
        ContextValue::date("2024-01-01T00:00:00Z").unwrap(),
    );
    assert!(allowed(
        &cond("DateLessThan", "aws:CurrentTime", r#""2025-01-01""#),
        &date
    ));
    assert!(ContextValue::date("nope").is_none());
    let bin = ctx().with("ex:b", ContextValue::Binary(b"BinaryValue".to_vec()));
    assert!(allowed(
        &cond("BinaryEquals", "ex:b", r#""QmluYXJ5VmFsdWU=""#),
        &bin
    ));
    let num = ctx().with("ex:n", 42i64);
    assert!(allowed(&cond("NumericEquals", "ex:n", "42"), &num));
    assert!(allowed(&cond("StringEquals", "ex:n", r#""42""#), &num));
    let arn = ctx().with("aws:PrincipalArn", ContextValue::Arn(ALICE.into()));
    assert!(allowed(
        &cond("ArnLike", "aws:PrincipalArn", r#""arn:aws:iam::*:user/*""#),
        &arn
    ));
    let b = ctx().with("aws:SecureTransport", true);
    assert!(allowed(&cond("Bool", "aws:SecureTransport", "true"), &b));
    assert!(!allowed(&cond("Bool", "aws:SecureTransport", "false"), &b));
}

#[test]
fn context_key_api() {
    let mut c = ctx().with("AWS:UserName", "alice");
    assert_eq!(
        c.get("aws:username"),
        Some(&[ContextValue::from("alice")][..])
    );
    c.remove("aws:USERNAME");
    assert!(c.get("aws:username").is_none());
    assert_eq!(c.action(), "iam:GetUser");
    assert_eq!(c.resource_account(), Some("123456789012"));
    assert_eq!(
        RequestContext::new(ALICE, "s3:GetObject", "arn:aws:s3:::b/k").resource_account(),
        None
    );
}

#[test]
fn principals_from_arns() {
    assert!(RequestPrincipal::from_arn("arn:aws:iam::123456789012:root").is_root());
    let s = RequestPrincipal::from_arn("arn:aws:sts::123456789012:assumed-role/app/sess");
    assert_eq!(
        s.kind,
        PrincipalKind::AssumedRole {
            role_arn: "arn:aws:iam::123456789012:role/app".into()
        }
    );
    assert_eq!(s.account, "123456789012");
    assert_eq!(
        RequestPrincipal::from_arn("arn:aws:sts::1:federated-user/bob").kind,
        PrincipalKind::FederatedUser
    );
    assert_eq!(RequestPrincipal::from_arn(ALICE).kind, PrincipalKind::User);
}

#[test]
fn explanation_has_positions_and_ids() {
    let doc = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Sid\": \"A\", \"Effect\": \"Allow\", \"Action\": \"iam:*\", \"Resource\": \"*\"},\n    {\"Sid\": \"B\", \"Effect\": \"Allow\", \"Action\": \"iam:Get*\", \"Resource\": \"*\",\n     \"Condition\": {\"Bool\": {\"aws:MultiFactorAuthPresent\": \"true\"}}}\n  ]\n}";
    let p = parse(doc, PolicyKind::Identity).unwrap();
    let c = CompiledPolicy::new(&p);
    let inputs = [PolicyInput::new(
        "arn:aws:iam::123456789012:policy/x",
        PolicyType::Identity,
        &c,
    )];
    let e = explain(&ctx(), &inputs);
    assert!(e.decision.is_allowed());
    assert_eq!(e.matched_statements.len(), 1);
    let m = &e.matched_statements[0];
    assert_eq!(m.source_policy_id, "arn:aws:iam::123456789012:policy/x");
    assert_eq!(m.sid.as_deref(), Some("A"));
    assert_eq!(m.start, Position { line: 4, column: 5 });
    assert_eq!(
        m.end,
        Position {
            line: 4,
            column: 72
        }
    );
    assert_eq!(e.missing_context_values, ["aws:MultiFactorAuthPresent"]);
    assert_eq!(e.deciding_statement().unwrap().sid.as_deref(), Some("A"));
    assert!(
        e.to_string().starts_with(
            "allowed; arn:aws:iam::123456789012:policy/x Allow statement A (4:5-4:72)"
        )
    );
    assert_eq!(p.statements[1].span.start, Position { line: 5, column: 5 });
}

#[test]
fn context_keys_listing() {
    let p = parse(
        r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}/*",
         "Condition":{"StringEquals":{"aws:PrincipalTag/team":"${aws:ResourceTag/team}","AWS:USERNAME":"x"},
                      "Null":{"aws:TokenIssueTime":"true"}}}]}"#,
        PolicyKind::Identity,
    )
    .unwrap();
    assert_eq!(
        p.condition_keys(),
        [
            "aws:username",
            "aws:PrincipalTag/team",
            "aws:ResourceTag/team",
            "aws:TokenIssueTime"
        ]
    );
    let old = parse_unvalidated(r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::${aws:username}"}}"#).unwrap();
    assert!(
        old.condition_keys().is_empty(),
        "2008-10-17 has no variables"
    );
}

#[test]
fn limits_are_enforced_fast() {
    let big = format!(
        r#"{{"Version":"2012-10-17","Id":"{}","Statement":[]}}"#,
        "x".repeat(MAX_DOCUMENT_BYTES)
    );
    assert_eq!(
        parse(&big, PolicyKind::Identity).unwrap_err(),
        PolicyError::TooLarge {
            max: MAX_DOCUMENT_BYTES
        }
    );
    let deep = "[".repeat(10_000);
    assert_eq!(
        parse(&deep, PolicyKind::Identity).unwrap_err(),
        PolicyError::InvalidJson
    );
    // Many wildcards against a long value: linear-ish, not exponential.
    let pattern = "*a".repeat(200);
    let doc = cond("StringLike", "ex:s", &format!("\"{pattern}b\""));
    let long = ctx().with("ex:s", "a".repeat(20_000));
    let start = std::time::Instant::now();
    assert!(!allowed(&doc, &long));
    assert!(start.elapsed().as_secs() < 5);
}

#[test]
fn errors_have_aws_code() {
    let e = parse("nope", PolicyKind::Trust).unwrap_err();
    assert_eq!(e.code(), "MalformedPolicyDocument");
    assert_eq!(e.to_string(), "This policy contains invalid Json");
}

#[test]
fn policy_validate_on_model() {
    let p = parse_unvalidated(r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#)
        .unwrap();
    assert_eq!(
        p.validate(PolicyKind::Identity).unwrap_err(),
        PolicyError::Version
    );
    assert!(p.validate(PolicyKind::Session).is_ok());
    assert!(!p.variables_enabled());
}

#[test]
fn managed_policies_behave() {
    assert!(MANAGED_POLICIES.len() >= 7);
    let eval = |name: &str, c: &RequestContext| {
        let p = by_name(name).unwrap().policy().unwrap();
        let cp = CompiledPolicy::new(&p);
        evaluate(
            c,
            &[PolicyInput::new(
                by_name(name).unwrap().arn,
                PolicyType::Identity,
                &cp,
            )],
        )
        .is_allowed()
    };
    let any = |a: &str, r: &str| RequestContext::new(ALICE, a, r).with("aws:username", "alice");
    assert!(eval("AdministratorAccess", &any("iam:CreateUser", ALICE)));
    assert!(!eval("PowerUserAccess", &any("iam:CreateUser", ALICE)));
    assert!(eval(
        "PowerUserAccess",
        &any("s3:PutObject", "arn:aws:s3:::b/k")
    ));
    assert!(eval(
        "PowerUserAccess",
        &any("iam:CreateServiceLinkedRole", "*")
    ));
    assert!(eval(
        "IAMFullAccess",
        &any("iam:DeleteRole", "arn:aws:iam::123456789012:role/x")
    ));
    assert!(!eval(
        "IAMFullAccess",
        &any("s3:GetObject", "arn:aws:s3:::b/k")
    ));
    assert!(eval("IAMReadOnlyAccess", &any("iam:GetUser", ALICE)));
    assert!(!eval("IAMReadOnlyAccess", &any("iam:CreateUser", ALICE)));
    assert!(eval("ReadOnlyAccess", &any("iam:ListUsers", "*")));
    assert!(eval("ReadOnlyAccess", &any("sts:GetCallerIdentity", "*")));
    assert!(!eval("ReadOnlyAccess", &any("iam:DeleteUser", ALICE)));
    assert!(eval(
        "IAMUserChangePassword",
        &any("iam:ChangePassword", ALICE)
    ));
    assert!(!eval(
        "IAMUserChangePassword",
        &any("iam:ChangePassword", "arn:aws:iam::123456789012:user/bob")
    ));
    assert!(eval(
        "IAMUserChangePassword",
        &any("iam:GetAccountPasswordPolicy", "*")
    ));
    assert!(eval(
        "IAMSelfManageServiceSpecificCredentials",
        &any("iam:CreateServiceSpecificCredential", ALICE)
    ));
    assert!(!eval(
        "IAMSelfManageServiceSpecificCredentials",
        &any("iam:CreateAccessKey", ALICE)
    ));
    assert_eq!(
        managed::find("arn:aws:iam::aws:policy/ReadOnlyAccess")
            .unwrap()
            .path,
        "/"
    );
}
