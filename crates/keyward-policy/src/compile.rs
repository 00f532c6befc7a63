//! Policies compiled for matching: action patterns lower-cased and grouped by
//! service, resource ARNs pre-split into field patterns, principals
//! classified, condition values typed.

use crate::arn::ArnPattern;
use crate::condition::{Condition, Operator};
use crate::context::{PrincipalKind, RequestContext};
use crate::glob::Glob;
use crate::policy::{Effect, Negatable, Policy, Principal, PrincipalType, SourceSpan, Statement};
use crate::variables::Template;

/// How strongly a resource-based policy's `Principal` names the caller; it
/// decides whether the resource policy's allow stands on its own
/// (IAM User Guide, "Policy evaluation logic", resource-based policies).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Naming {
    /// The caller's account (`"AWS": "ACCT"` / `...:root`): delegation only.
    Account,
    /// The role of a role session: boundaries and session policies still apply.
    Role,
    /// The caller itself (user, session, federated user, service, `*`).
    Direct,
}

/// Action patterns of one statement.
#[derive(Debug, Clone, Default)]
struct ActionSet {
    /// A `*` pattern: every action.
    any: bool,
    /// Literal service prefix → patterns for the action name.
    by_service: Vec<(String, Vec<Glob>)>,
    /// Patterns with wildcards in the service prefix (or no prefix): matched whole.
    whole: Vec<Glob>,
}

impl ActionSet {
    fn new(patterns: &[String]) -> ActionSet {
        let mut set = ActionSet::default();
        for p in patterns {
            let lower = p.to_ascii_lowercase();
            if lower == "*" {
                set.any = true;
                continue;
            }
            match lower.split_once(':') {
                Some((svc, name)) if !svc.contains(['*', '?']) && !name.contains(':') => {
                    let glob = Glob::new(name);
                    match set.by_service.iter_mut().find(|(s, _)| s == svc) {
                        Some((_, list)) => list.push(glob),
                        None => set.by_service.push((svc.to_owned(), vec![glob])),
                    }
                }
                _ => set.whole.push(Glob::new(&lower)),
            }
        }
        set
    }

    fn matches(&self, ctx: &RequestContext) -> bool {
        if self.any {
            return true;
        }
        let action = ctx.action_lower();
        let service = ctx.action_service();
        if let Some((_, names)) = self.by_service.iter().find(|(s, _)| s == service) {
            let name = action.get(service.len() + 1..).unwrap_or("");
            if names.iter().any(|g| g.matches(name)) {
                return true;
            }
        }
        self.whole.iter().any(|g| g.matches(action))
    }
}

/// One Resource value.
#[derive(Debug, Clone)]
enum ResourcePattern {
    Fixed(ArnPattern),
    /// Contains policy variables (2012-10-17); compiled per request.
    Template(Template),
}

impl ResourcePattern {
    fn matches(&self, ctx: &RequestContext) -> bool {
        match self {
            ResourcePattern::Fixed(p) => p.matches(ctx.resource()),
            // An unresolvable variable makes this value match nothing.
            ResourcePattern::Template(t) => t
                .resolve(ctx, true)
                .is_some_and(|toks| ArnPattern::from_tokens(toks).matches(ctx.resource())),
        }
    }
}

/// Principal / NotPrincipal of a resource-based policy statement.
#[derive(Debug, Clone, Default)]
struct PrincipalSet {
    any: bool,
    /// AWS principals: account ids, ARNs.
    aws: Vec<String>,
    services: Vec<String>,
    federated: Vec<String>,
    canonical: Vec<String>,
}

impl PrincipalSet {
    fn new(p: &Principal) -> PrincipalSet {
        let mut set = PrincipalSet::default();
        let Principal::Map(m) = p else {
            set.any = true;
            return set;
        };
        for (t, values) in m {
            for v in values.as_slice() {
                match t {
                    PrincipalType::Aws if v == "*" => set.any = true,
                    PrincipalType::Aws => set.aws.push(normalize_account(v)),
                    PrincipalType::Service => set.services.push(v.clone()),
                    PrincipalType::Federated => set.federated.push(v.clone()),
                    PrincipalType::CanonicalUser => set.canonical.push(v.clone()),
                }
            }
        }
        set
    }

    /// How the caller is named, if at all.
    fn naming(&self, ctx: &RequestContext) -> Option<Naming> {
        if self.any {
            return Some(Naming::Direct);
        }
        let p = ctx.principal();
        let in_list = |list: &[String]| list.contains(&p.arn);
        match &p.kind {
            PrincipalKind::Service => return in_list(&self.services).then_some(Naming::Direct),
            PrincipalKind::WebIdentity => {
                return in_list(&self.federated).then_some(Naming::Direct);
            }
            PrincipalKind::CanonicalUser => {
                return in_list(&self.canonical).then_some(Naming::Direct);
            }
            PrincipalKind::Anonymous => return None,
            PrincipalKind::Root
            | PrincipalKind::User
            | PrincipalKind::FederatedUser
            | PrincipalKind::AssumedRole { .. } => {}
        }
        let mut best: Option<Naming> = None;
        for a in &self.aws {
            let n = if *a == p.arn {
                Some(Naming::Direct)
            } else if matches!(&p.kind, PrincipalKind::AssumedRole { role_arn } if role_arn == a) {
                Some(Naming::Role)
            } else if is_account_root(a, &p.account) {
                Some(Naming::Account)
            } else {
                None
            };
            best = best.max(n);
        }
        best
    }
}

/// `"123456789012"` means the account: store it as its root ARN.
fn normalize_account(v: &str) -> String {
    if v.len() == 12 && v.bytes().all(|b| b.is_ascii_digit()) {
        format!("arn:aws:iam::{v}:root")
    } else {
        v.to_owned()
    }
}

fn is_account_root(arn: &str, account: &str) -> bool {
    !account.is_empty()
        && arn
            .strip_suffix(":root")
            .and_then(|head| head.strip_suffix(account))
            .is_some_and(|head| head.starts_with("arn:") && head.ends_with(":iam::"))
}

/// A compiled statement.
#[derive(Debug, Clone)]
pub(crate) struct CompiledStatement {
    pub(crate) index: usize,
    pub(crate) sid: Option<String>,
    pub(crate) effect: Effect,
    pub(crate) span: SourceSpan,
    principal: Option<(bool, PrincipalSet)>,
    action: (bool, ActionSet),
    /// `None`: no Resource element (trust policies, SCPs): every resource.
    resource: Option<(bool, Vec<ResourcePattern>)>,
    pub(crate) conditions: Vec<Condition>,
}

impl CompiledStatement {
    fn compile(index: usize, s: &Statement, variables: bool) -> CompiledStatement {
        let action = match &s.action {
            Some(Negatable { negated, value }) => (*negated, ActionSet::new(value.as_slice())),
            // Unvalidated document without actions: matches nothing.
            None => (false, ActionSet::default()),
        };
        let resource = s.resource.as_ref().map(|r| {
            let pats = r
                .value
                .as_slice()
                .iter()
                .map(|v| match Template::parse(v).filter(|_| variables) {
                    Some(t) if t.names().next().is_some() => ResourcePattern::Template(t),
                    Some(t) => ResourcePattern::Fixed(ArnPattern::from_tokens(t.literal_tokens())),
                    None => ResourcePattern::Fixed(ArnPattern::new(v)),
                })
                .collect();
            (r.negated, pats)
        });
        let mut conditions = Vec::new();
        for entry in &s.condition {
            // Unknown operators only pass validation with an empty body.
            let Some(op) = Operator::parse(&entry.operator) else {
                continue;
            };
            for (key, vals) in &entry.keys {
                conditions.push(Condition::compile(op, key, &vals.values, variables));
            }
        }
        CompiledStatement {
            index,
            sid: s.sid.clone(),
            effect: s.effect,
            span: s.span,
            principal: s
                .principal
                .as_ref()
                .map(|p| (p.negated, PrincipalSet::new(&p.value))),
            action,
            resource,
            conditions,
        }
    }

    /// Principal check. Statements without a Principal (identity policies)
    /// apply to the caller directly.
    pub(crate) fn naming(&self, ctx: &RequestContext) -> Option<Naming> {
        match &self.principal {
            None => Some(Naming::Direct),
            Some((false, set)) => set.naming(ctx),
            // NotPrincipal: everyone except those named.
            Some((true, set)) => {
                if set.naming(ctx).is_some() {
                    None
                } else {
                    Some(Naming::Direct)
                }
            }
        }
    }

    /// Action and resource match (before principal and conditions).
    pub(crate) fn matches_request(&self, ctx: &RequestContext) -> bool {
        let (neg, actions) = &self.action;
        if actions.matches(ctx) == *neg {
            return false;
        }
        match &self.resource {
            None => true,
            Some((neg, pats)) => pats.iter().any(|p| p.matches(ctx)) != *neg,
        }
    }

    /// All conditions hold (keys AND).
    pub(crate) fn conditions_hold(&self, ctx: &RequestContext) -> bool {
        self.conditions.iter().all(|c| c.evaluate(ctx))
    }

    /// The statement applies to the request; returns how the caller is named.
    #[inline]
    pub(crate) fn applies(&self, ctx: &RequestContext) -> Option<Naming> {
        if !self.matches_request(ctx) {
            return None;
        }
        let naming = self.naming(ctx)?;
        self.conditions_hold(ctx).then_some(naming)
    }
}

/// A policy ready for evaluation. Build it once per policy version and share it.
///
/// ```
/// use keyward_policy::{CompiledPolicy, PolicyKind, parse};
/// let p = parse(r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:Get*","Resource":"*"}}"#,
///     PolicyKind::Identity).unwrap();
/// let compiled = CompiledPolicy::new(&p);
/// assert_eq!(compiled.statement_count(), 1);
/// ```
#[derive(Debug, Clone)]
pub struct CompiledPolicy {
    pub(crate) statements: Vec<CompiledStatement>,
    /// Lets evaluation skip a deny-free policy once its layer already has an allow.
    pub(crate) has_deny: bool,
}

impl CompiledPolicy {
    /// Compiles a parsed policy.
    #[must_use]
    pub fn new(policy: &Policy) -> CompiledPolicy {
        let variables = policy.variables_enabled();
        let statements: Vec<CompiledStatement> = policy
            .statements
            .iter()
            .enumerate()
            .map(|(i, s)| CompiledStatement::compile(i, s, variables))
            .collect();
        let has_deny = statements.iter().any(|s| s.effect == Effect::Deny);
        CompiledPolicy {
            statements,
            has_deny,
        }
    }

    /// Number of statements.
    #[must_use]
    pub fn statement_count(&self) -> usize {
        self.statements.len()
    }
}

impl From<&Policy> for CompiledPolicy {
    fn from(p: &Policy) -> Self {
        CompiledPolicy::new(p)
    }
}
