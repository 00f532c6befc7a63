//! AWS's policy evaluation logic across policy types, with explanations.
//!
//! Order (IAM User Guide, "Policy evaluation logic" flow chart):
//! 1. explicit deny in any applicable policy ⇒ Deny;
//! 2. RCPs and SCPs (when supplied) must allow;
//! 3. a resource-based policy allow naming the caller may suffice (same account);
//! 4. identity-based policies must allow;
//! 5. the permissions boundary (when supplied) must allow;
//! 6. session policies (when supplied) must allow;
//! 7. otherwise Allow. The root user skips 4–6 in its own account.

use std::fmt;

use crate::compile::{CompiledPolicy, Naming};
use crate::context::{PrincipalKind, RequestContext};
use crate::json::Position;
use crate::policy::Effect;

/// What a policy is to the evaluator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyType {
    /// Identity-based: user/group/role inline and managed policies.
    Identity,
    /// Resource-based: a policy attached to the target resource.
    Resource,
    /// A role trust policy (resource-based, but its allow is always required).
    Trust,
    /// The principal's permissions boundary.
    PermissionsBoundary,
    /// An Organizations service control policy.
    Scp,
    /// An Organizations resource control policy.
    Rcp,
    /// A session policy of a role or federated-user session.
    Session,
}

impl PolicyType {
    /// How AWS names this type in AccessDenied messages, with its article
    /// (`an identity-based policy`).
    #[must_use]
    pub fn with_article(self) -> &'static str {
        match self {
            PolicyType::Identity => "an identity-based policy",
            PolicyType::Resource | PolicyType::Trust => "a resource-based policy",
            PolicyType::PermissionsBoundary => "a permissions boundary",
            PolicyType::Scp => "a service control policy",
            PolicyType::Rcp => "a resource control policy",
            PolicyType::Session => "a session policy",
        }
    }

    /// The name without article (`identity-based policy`).
    #[must_use]
    pub fn name(self) -> &'static str {
        let s = self.with_article();
        s.split_once(' ').map_or(s, |(_, rest)| rest)
    }

    fn index(self) -> usize {
        self as usize
    }
}

const TYPES: usize = 7;

/// One policy handed to the evaluator, with the caller's label for it.
#[derive(Debug, Clone, Copy)]
pub struct PolicyInput<'a> {
    /// The caller's id for the policy (policy ARN, `user/alice/inline-name`, ...).
    pub id: &'a str,
    /// Which layer of evaluation it belongs to.
    pub policy_type: PolicyType,
    /// The compiled policy.
    pub policy: &'a CompiledPolicy,
}

impl<'a> PolicyInput<'a> {
    /// Shorthand constructor.
    #[must_use]
    pub fn new(
        id: &'a str,
        policy_type: PolicyType,
        policy: &'a CompiledPolicy,
    ) -> PolicyInput<'a> {
        PolicyInput {
            id,
            policy_type,
            policy,
        }
    }
}

/// The simulator's three outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EvalDecision {
    /// `allowed`.
    Allowed,
    /// `explicitDeny`.
    ExplicitDeny,
    /// `implicitDeny`.
    ImplicitDeny,
}

impl EvalDecision {
    /// The IAM simulator's spelling.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            EvalDecision::Allowed => "allowed",
            EvalDecision::ExplicitDeny => "explicitDeny",
            EvalDecision::ImplicitDeny => "implicitDeny",
        }
    }
}

/// A statement of one of the input policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatementRef {
    /// Index into the `policies` slice given to [`evaluate`].
    pub policy_index: usize,
    /// Index of the statement within that policy.
    pub statement_index: usize,
    /// The policy's type.
    pub policy_type: PolicyType,
}

/// Why the decision came out as it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// This statement allowed (the identity-side allow, or the resource
    /// policy allow that sufficed on its own).
    AllowedBy(StatementRef),
    /// The root user acting in its own account (no identity policy needed).
    RootUser,
    /// This statement denied explicitly.
    DeniedBy(StatementRef),
    /// No policy of this type allowed the action.
    NoAllow(PolicyType),
}

/// The outcome of [`evaluate`]: allocation-free; [`explain`] adds details.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Decision {
    /// Allowed / explicit deny / implicit deny.
    pub decision: EvalDecision,
    /// What decided.
    pub reason: Reason,
}

impl Decision {
    /// True when the request is allowed.
    #[must_use]
    pub fn is_allowed(&self) -> bool {
        self.decision == EvalDecision::Allowed
    }

    /// The part of AWS's AccessDenied message after the resource, e.g.
    /// `because no identity-based policy allows the iam:CreateUser action`
    /// or `with an explicit deny in a service control policy`. `None` when allowed.
    #[must_use]
    pub fn denied_reason(&self, action: &str) -> Option<String> {
        match self.reason {
            Reason::DeniedBy(s) => Some(format!(
                "with an explicit deny in {}",
                s.policy_type.with_article()
            )),
            Reason::NoAllow(t) => Some(format!(
                "because no {} allows the {action} action",
                t.name()
            )),
            Reason::AllowedBy(_) | Reason::RootUser => None,
        }
    }
}

/// AWS's full AccessDenied message for a denied request, e.g.
/// `User: arn:aws:iam::123456789012:user/alice is not authorized to perform:
/// iam:CreateUser on resource: arn:aws:iam::123456789012:user/bob because no
/// identity-based policy allows the iam:CreateUser action`. `None` when allowed.
///
/// ```
/// use keyward_policy::*;
/// let ctx = RequestContext::new("arn:aws:iam::123456789012:user/alice", "iam:CreateUser",
///     "arn:aws:iam::123456789012:user/bob");
/// let d = evaluate(&ctx, &[]);
/// assert_eq!(access_denied_message(&ctx, &d).unwrap(),
///     "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: iam:CreateUser \
///      on resource: arn:aws:iam::123456789012:user/bob because no identity-based policy allows \
///      the iam:CreateUser action");
/// ```
#[must_use]
pub fn access_denied_message(ctx: &RequestContext, decision: &Decision) -> Option<String> {
    let reason = decision.denied_reason(ctx.action())?;
    Some(format!(
        "User: {} is not authorized to perform: {} on resource: {} {reason}",
        ctx.principal().arn,
        ctx.action(),
        ctx.resource()
    ))
}

/// Per-layer findings while walking the policies.
#[derive(Clone, Copy)]
struct Findings {
    present: [bool; TYPES],
    allow: [Option<StatementRef>; TYPES],
    /// Best naming among resource-policy allows, with its statement.
    resource_allow: Option<(Naming, StatementRef)>,
}

/// Identity-side layers do not apply to the root user (nor to services and
/// anonymous callers, which have no identity policies).
fn skipped_for(kind: &PrincipalKind, t: PolicyType) -> bool {
    let identity_side = matches!(
        t,
        PolicyType::Identity | PolicyType::PermissionsBoundary | PolicyType::Session
    );
    identity_side
        && !matches!(
            kind,
            PrincipalKind::User | PrincipalKind::AssumedRole { .. } | PrincipalKind::FederatedUser
        )
}

/// Walks every applicable statement; stops at the first explicit deny.
fn scan(ctx: &RequestContext, policies: &[PolicyInput<'_>]) -> Result<Findings, StatementRef> {
    let kind = &ctx.principal().kind;
    let mut f = Findings {
        present: [false; TYPES],
        allow: [None; TYPES],
        resource_allow: None,
    };
    for (pi, input) in policies.iter().enumerate() {
        let t = input.policy_type;
        if skipped_for(kind, t) {
            continue;
        }
        f.present[t.index()] = true;
        if !input.policy.has_deny && f.allow[t.index()].is_some() && !is_resource_side(t) {
            continue;
        }
        for s in &input.policy.statements {
            let want_allow =
                s.effect == Effect::Allow && (f.allow[t.index()].is_none() || is_resource_side(t));
            if s.effect == Effect::Allow && !want_allow {
                continue;
            }
            let Some(naming) = s.applies(ctx) else {
                continue;
            };
            let r = StatementRef {
                policy_index: pi,
                statement_index: s.index,
                policy_type: t,
            };
            if s.effect == Effect::Deny {
                return Err(r);
            }
            if f.allow[t.index()].is_none() {
                f.allow[t.index()] = Some(r);
            }
            if is_resource_side(t) && f.resource_allow.is_none_or(|(n, _)| naming > n) {
                f.resource_allow = Some((naming, r));
            }
        }
    }
    Ok(f)
}

fn is_resource_side(t: PolicyType) -> bool {
    matches!(t, PolicyType::Resource | PolicyType::Trust)
}

/// Evaluates a request against a set of policies tagged by type.
///
/// A layer (SCP, RCP, boundary, session, trust) takes part only when at least
/// one policy of its type is supplied; identity policies are always required
/// for IAM principals (none supplied ⇒ implicit deny). Same account vs cross
/// account is decided by [`RequestContext::resource_account`].
///
/// ```
/// use keyward_policy::*;
/// let p = parse(r#"{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow",
///     "Action":"iam:Get*","Resource":"*"}]}"#, PolicyKind::Identity).unwrap();
/// let c = CompiledPolicy::new(&p);
/// let ctx = RequestContext::new("arn:aws:iam::123456789012:user/alice", "iam:GetUser",
///     "arn:aws:iam::123456789012:user/alice");
/// let d = evaluate(&ctx, &[PolicyInput::new("p1", PolicyType::Identity, &c)]);
/// assert!(d.is_allowed());
/// ```
#[must_use]
pub fn evaluate(ctx: &RequestContext, policies: &[PolicyInput<'_>]) -> Decision {
    let f = match scan(ctx, policies) {
        Ok(f) => f,
        Err(deny) => {
            return Decision {
                decision: EvalDecision::ExplicitDeny,
                reason: Reason::DeniedBy(deny),
            };
        }
    };
    decide(ctx, &f)
}

fn implicit(t: PolicyType) -> Decision {
    Decision {
        decision: EvalDecision::ImplicitDeny,
        reason: Reason::NoAllow(t),
    }
}

fn allowed(reason: Reason) -> Decision {
    Decision {
        decision: EvalDecision::Allowed,
        reason,
    }
}

fn decide(ctx: &RequestContext, f: &Findings) -> Decision {
    let has = |t: PolicyType| f.present[t.index()];
    let allow = |t: PolicyType| f.allow[t.index()];
    // Organization guardrails: both must allow when present (order immaterial).
    for t in [PolicyType::Scp, PolicyType::Rcp] {
        if has(t) && allow(t).is_none() {
            return implicit(t);
        }
    }
    // A trust policy must always allow (role assumption needs the role's consent).
    if has(PolicyType::Trust) && allow(PolicyType::Trust).is_none() {
        return implicit(PolicyType::Trust);
    }
    let principal = ctx.principal();
    let same_account = ctx
        .resource_account()
        .is_none_or(|a| a == principal.account);
    let resource = f.resource_allow;
    match principal.kind {
        PrincipalKind::Root if same_account => return allowed(Reason::RootUser),
        PrincipalKind::Root
        | PrincipalKind::Service
        | PrincipalKind::WebIdentity
        | PrincipalKind::CanonicalUser
        | PrincipalKind::Anonymous => {
            // No identity side: the resource side alone decides.
            return match resource {
                Some((_, r)) => allowed(Reason::AllowedBy(r)),
                None => implicit(PolicyType::Resource),
            };
        }
        PrincipalKind::User | PrincipalKind::AssumedRole { .. } | PrincipalKind::FederatedUser => {}
    }
    // Layers that limit the identity side (and role-named resource grants).
    let limits = || {
        [PolicyType::PermissionsBoundary, PolicyType::Session]
            .into_iter()
            .find(|&t| has(t) && allow(t).is_none())
    };
    if same_account {
        match resource {
            // Naming the user or session itself: the resource policy suffices.
            Some((Naming::Direct, r)) => return allowed(Reason::AllowedBy(r)),
            // Naming the role: boundary and session policies still limit it.
            Some((Naming::Role, r)) => {
                return match limits() {
                    Some(t) => implicit(t),
                    None => allowed(Reason::AllowedBy(r)),
                };
            }
            Some((Naming::Account, _)) | None => {}
        }
    }
    let Some(identity) = allow(PolicyType::Identity) else {
        return implicit(PolicyType::Identity);
    };
    if let Some(t) = limits() {
        return implicit(t);
    }
    if !same_account && resource.is_none() && !has(PolicyType::Trust) {
        return implicit(PolicyType::Resource);
    }
    allowed(Reason::AllowedBy(identity))
}

/// One statement that matched the request, as IAM's simulator lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchedStatement {
    /// The caller's policy id (`SourcePolicyId`).
    pub source_policy_id: String,
    /// Index of the policy in the slice given to [`explain`].
    pub policy_index: usize,
    /// The policy's type (`SourcePolicyType` is the caller's mapping of it).
    pub source_policy_type: PolicyType,
    /// The statement's Sid, if any.
    pub sid: Option<String>,
    /// The statement's index in its policy.
    pub statement_index: usize,
    /// Allow or Deny.
    pub effect: Effect,
    /// Where the statement starts in the document (`StartPosition`).
    pub start: Position,
    /// Where it ends (`EndPosition`).
    pub end: Position,
}

/// A decision with everything the simulator reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// The decision, as [`evaluate`] returns it.
    pub decision: Decision,
    /// Every statement whose action, resource, principal and conditions matched.
    pub matched_statements: Vec<MatchedStatement>,
    /// Condition keys (and policy variables) referenced by statements whose
    /// action and resource matched, but absent from the context; sorted, unique.
    pub missing_context_values: Vec<String>,
}

impl Explanation {
    /// The statement that decided, if any (its entry in `matched_statements`).
    #[must_use]
    pub fn deciding_statement(&self) -> Option<&MatchedStatement> {
        let r = match self.decision.reason {
            Reason::AllowedBy(r) | Reason::DeniedBy(r) => r,
            Reason::RootUser | Reason::NoAllow(_) => return None,
        };
        self.matched_statements
            .iter()
            .find(|m| m.statement_index == r.statement_index && m.policy_index == r.policy_index)
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.decision.decision.as_str())?;
        for m in &self.matched_statements {
            write!(
                f,
                "; {} {} statement {} ({}:{}-{}:{})",
                m.source_policy_id,
                m.effect.as_str(),
                m.sid.as_deref().unwrap_or("-"),
                m.start.line,
                m.start.column,
                m.end.line,
                m.end.column
            )?;
        }
        Ok(())
    }
}

/// Evaluates and explains: the decision plus the simulator's
/// `MatchedStatements` and `MissingContextValues`. Allocates; use
/// [`evaluate`] on the hot path.
#[must_use]
pub fn explain(ctx: &RequestContext, policies: &[PolicyInput<'_>]) -> Explanation {
    let decision = evaluate(ctx, policies);
    let kind = &ctx.principal().kind;
    let mut matched = Vec::new();
    let mut missing: Vec<String> = Vec::new();
    for (policy_index, input) in policies.iter().enumerate() {
        if skipped_for(kind, input.policy_type) {
            continue;
        }
        for s in &input.policy.statements {
            if !s.matches_request(ctx) || s.naming(ctx).is_none() {
                continue;
            }
            for c in &s.conditions {
                if c.key_missing(ctx) {
                    missing.push(c.key_name.clone());
                }
                for v in c.variable_names() {
                    if ctx.get(v).is_none() {
                        missing.push(v.to_owned());
                    }
                }
            }
            if s.conditions_hold(ctx) {
                matched.push(MatchedStatement {
                    source_policy_id: input.id.to_owned(),
                    policy_index,
                    source_policy_type: input.policy_type,
                    sid: s.sid.clone(),
                    statement_index: s.index,
                    effect: s.effect,
                    start: s.span.start,
                    end: s.span.end,
                });
            }
        }
    }
    missing.sort_by_key(|k| k.to_ascii_lowercase());
    missing.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    Explanation {
        decision,
        matched_statements: matched,
        missing_context_values: missing,
    }
}
