//! Fuzzes the parser (every policy kind) and, for whatever parses, the
//! compiler, evaluator, explainer and printer. Run with
//! `cargo +nightly fuzz run parse_eval` from `crates/keyward-policy`.
#![no_main]

use keyward_policy::{
    CompiledPolicy, ContextValue, PolicyInput, PolicyKind, PolicyType, RequestContext, evaluate, explain, parse,
    parse_unvalidated,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for kind in [
        PolicyKind::Identity,
        PolicyKind::Resource,
        PolicyKind::Trust,
        PolicyKind::Boundary,
        PolicyKind::Scp,
        PolicyKind::Rcp,
        PolicyKind::Session,
    ] {
        let _ = parse(text, kind);
    }
    let Ok(policy) = parse_unvalidated(text) else { return };
    // Printing then re-reading a parsed policy must give it back.
    let printed = policy.to_string();
    let again = parse_unvalidated(&printed).expect("printed policy re-parses");
    assert_eq!(again, policy);
    let _ = policy.condition_keys();

    let compiled = CompiledPolicy::new(&policy);
    // Derive request fields from the input so matching paths are exercised.
    let action = text.get(..text.len().min(24)).unwrap_or("iam:GetUser");
    let ctx = RequestContext::new("arn:aws:iam::123456789012:user/alice", action, "arn:aws:s3:::bucket/key")
        .with("aws:username", "alice")
        .with("aws:SourceIp", ContextValue::String("10.1.2.3".into()))
        .with("aws:CurrentTime", ContextValue::String(text.chars().take(20).collect()))
        .with_multi("aws:TagKeys", ["a", "b"]);
    for t in [PolicyType::Identity, PolicyType::Resource, PolicyType::Scp] {
        let inputs = [PolicyInput::new("fuzz", t, &compiled)];
        let d = evaluate(&ctx, &inputs);
        assert_eq!(explain(&ctx, &inputs).decision, d);
    }
});
