//! The AWS IAM policy language: parse, validate (with AWS's exact
//! `MalformedPolicyDocument` messages), compile, evaluate and explain.
//!
//! ```
//! use keyward_policy::*;
//!
//! // Parse and validate a document as a given kind of policy.
//! let doc = r#"{
//!   "Version": "2012-10-17",
//!   "Statement": [
//!     {"Sid": "ManageOwnKeys", "Effect": "Allow",
//!      "Action": ["iam:*AccessKey*"],
//!      "Resource": "arn:aws:iam::*:user/${aws:username}"},
//!     {"Sid": "NoDeleteWithoutMfa", "Effect": "Deny", "Action": "iam:DeleteAccessKey",
//!      "Resource": "*",
//!      "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}
//!   ]
//! }"#;
//! let policy = parse(doc, PolicyKind::Identity).unwrap();
//!
//! // Compile once, evaluate many times.
//! let compiled = CompiledPolicy::new(&policy);
//! let policies = [PolicyInput::new("arn:aws:iam::123456789012:policy/keys", PolicyType::Identity, &compiled)];
//!
//! let ctx = RequestContext::new(
//!     "arn:aws:iam::123456789012:user/alice",
//!     "iam:CreateAccessKey",
//!     "arn:aws:iam::123456789012:user/alice",
//! )
//! .with("aws:username", "alice");
//! assert!(evaluate(&ctx, &policies).is_allowed());
//!
//! let ctx = RequestContext::new(
//!     "arn:aws:iam::123456789012:user/alice",
//!     "iam:DeleteAccessKey",
//!     "arn:aws:iam::123456789012:user/alice",
//! )
//! .with("aws:username", "alice")
//! .with("aws:MultiFactorAuthPresent", false);
//! let decision = evaluate(&ctx, &policies);
//! assert_eq!(decision.decision, EvalDecision::ExplicitDeny);
//! assert_eq!(
//!     decision.denied_reason(ctx.action()).unwrap(),
//!     "with an explicit deny in an identity-based policy"
//! );
//! let why = explain(&ctx, &policies);
//! assert_eq!(why.deciding_statement().unwrap().sid.as_deref(), Some("NoDeleteWithoutMfa"));
//! ```
//!
//! The crate is pure: no I/O, no clock (the caller supplies `aws:CurrentTime`),
//! no global state.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::panic))]

mod arn;
mod compile;
mod condition;
mod context;
mod error;
mod eval;
mod glob;
mod json;
pub mod managed;
mod policy;
mod validate;
mod values;
mod variables;

pub use compile::CompiledPolicy;
pub use context::{ContextValue, PrincipalKind, RequestContext, RequestPrincipal};
pub use error::PolicyError;
pub use eval::{
    Decision, EvalDecision, Explanation, MatchedStatement, PolicyInput, PolicyType, Reason,
    StatementRef, access_denied_message, evaluate, explain,
};
pub use json::Position;
pub use policy::{
    ConditionEntry, ConditionValue, ConditionValues, Effect, MAX_DOCUMENT_BYTES, Negatable,
    OneOrMany, Policy, Principal, PrincipalType, SourceSpan, Statement, Version,
};
pub use validate::{PolicyKind, parse, parse_unvalidated};
