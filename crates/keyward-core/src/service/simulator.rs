//! The policy simulator (SimulatePrincipalPolicy, SimulateCustomPolicy) and
//! context-key discovery (GetContextKeysFor{Principal,Custom}Policy).
//!
//! Decisions come from the same evaluator that enforces requests
//! (`keyward_policy::explain`), over the same assembly of a user's policies
//! (`PolicyStore::authz_sources`), with the principal keys that
//! `authz::request_context` sets. Request keys the simulator cannot know
//! (`aws:SourceIp`, `aws:CurrentTime`, …) come only from `ContextEntries`,
//! as in AWS, so a condition on them reports `MissingContextValues`.

use std::net::IpAddr;
use std::sync::Arc;

use keyward_policy::{
    CompiledPolicy, ContextValue, EvalDecision, PolicyInput, PolicyKind, PolicyType, Position,
    RequestContext, RequestPrincipal,
};

use super::Keyward;
use super::policies::{DENY_ALL, compile};
use crate::authz::{self, add_tag_context};
use crate::caller::Caller;
use crate::model::Tag;
use crate::policies::{EntityKind, PolicySource};
use crate::{Error, Result};

/// One `ContextEntries.member.N`.
#[derive(Debug, Clone, Default)]
pub struct ContextEntry {
    pub key: String,
    pub values: Vec<String>,
    /// `string`, `stringList`, `numeric`, … (`None`: string).
    pub kind: Option<String>,
}

/// The inputs common to both simulate operations.
#[derive(Debug, Clone, Default)]
pub struct Simulation<'a> {
    /// SimulatePrincipalPolicy's user, group or role ARN.
    pub policy_source_arn: Option<&'a str>,
    pub policy_inputs: &'a [String],
    pub boundary_inputs: &'a [String],
    pub action_names: &'a [String],
    /// Empty: `*`.
    pub resource_arns: &'a [String],
    pub context: &'a [ContextEntry],
    pub caller_arn: Option<&'a str>,
    /// A resource-based policy attached to every simulated resource.
    pub resource_policy: Option<&'a str>,
    /// The account that owns the resources (`arn:aws:iam::ACCOUNT:root` or an
    /// account id); by default each resource ARN's own account.
    pub resource_owner: Option<&'a str>,
}

/// One `MatchedStatements.member`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimStatement {
    pub source_policy_id: String,
    /// `user`, `group`, `role`, `aws-managed`, `user-managed` or `none`.
    pub source_policy_type: &'static str,
    pub start: Position,
    pub end: Position,
}

/// One `EvaluationResults.member`: one action on one resource.
#[derive(Debug, Clone)]
pub struct EvaluationResult {
    pub action: String,
    pub resource: String,
    pub decision: EvalDecision,
    pub matched: Vec<SimStatement>,
    pub missing: Vec<String>,
    /// Whether the permissions boundary alone allows the request; `None`
    /// when no boundary applies.
    pub boundary_allowed: Option<bool>,
}

/// A policy with the simulator's labels.
struct Labeled {
    id: String,
    source_type: &'static str,
    policy_type: PolicyType,
    compiled: Arc<CompiledPolicy>,
}

/// The principal whose policies are simulated, and its policies.
struct Subject {
    principal: RequestPrincipal,
    user: Option<(String, String)>,
    tags: Vec<Tag>,
    policies: Vec<Labeled>,
}

const CONTEXT_TYPES: &[&str] = &[
    "string",
    "stringList",
    "numeric",
    "numericList",
    "boolean",
    "booleanList",
    "ip",
    "ipList",
    "binary",
    "binaryList",
    "date",
    "dateList",
];

fn required_list(items: &[String], field: &str) -> Result<()> {
    if items.is_empty() {
        return Err(Error::Validation(format!(
            "1 validation error detected: Value null at '{field}' failed to satisfy constraint: Member must not be null"
        )));
    }
    Ok(())
}

/// Parses a submitted policy; AWS's simulator reports a bad one as InvalidInput.
fn parse_input(document: &str) -> Result<keyward_policy::Policy> {
    keyward_policy::parse(document, PolicyKind::Identity)
        .map_err(|e| Error::InvalidInput(e.to_string()))
}

fn labeled_inputs(
    docs: &[String],
    list: &str,
    policy_type: PolicyType,
    out: &mut Vec<Labeled>,
) -> Result<()> {
    let kind = if policy_type == PolicyType::PermissionsBoundary {
        PolicyKind::Boundary
    } else {
        PolicyKind::Identity
    };
    for (i, d) in docs.iter().enumerate() {
        let p = keyward_policy::parse(d, kind).map_err(|e| Error::InvalidInput(e.to_string()))?;
        out.push(Labeled {
            id: format!("{list}.{}", i + 1),
            source_type: "none",
            policy_type,
            compiled: Arc::new(CompiledPolicy::new(&p)),
        });
    }
    Ok(())
}

fn context_values(e: &ContextEntry) -> Result<Vec<ContextValue>> {
    let kind = e.kind.as_deref().unwrap_or("string");
    if !CONTEXT_TYPES.contains(&kind) {
        return Err(Error::Validation(format!(
            "1 validation error detected: Value '{kind}' at 'contextEntries.member.contextKeyType' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
            CONTEXT_TYPES.join(", ")
        )));
    }
    let bad = |v: &str| {
        Error::InvalidInput(format!(
            "Invalid value {v} for context key {} of type {kind}.",
            e.key
        ))
    };
    e.values
        .iter()
        .map(|v| {
            Ok(match kind.trim_end_matches("List") {
                "numeric" => ContextValue::Number(v.trim().parse().map_err(|_| bad(v))?),
                "boolean" => match v.to_ascii_lowercase().as_str() {
                    "true" => ContextValue::Bool(true),
                    "false" => ContextValue::Bool(false),
                    _ => return Err(bad(v)),
                },
                "ip" => ContextValue::Ip(v.trim().parse::<IpAddr>().map_err(|_| bad(v))?),
                "date" => ContextValue::date(v).ok_or_else(|| bad(v))?,
                _ => ContextValue::String(v.clone()),
            })
        })
        .collect()
}

fn policy_name(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// The entity kind and name of a PolicySourceArn in the caller's account.
fn source_entity<'a>(caller: &Caller, arn: &'a str) -> Result<(EntityKind, &'a str)> {
    authz::check_arn(arn)?;
    let invalid = || {
        Error::InvalidInput(format!(
            "Invalid Entity Arn: {arn} does not clearly define entity type and name."
        ))
    };
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let (kind_str, rest) = parts[5].split_once('/').ok_or_else(invalid)?;
    let kind = EntityKind::parse(kind_str)
        .filter(|_| parts[2] == "iam")
        .ok_or_else(invalid)?;
    let name = rest.rsplit('/').next().unwrap_or(rest);
    if parts[4] != caller.account_id {
        return Err(kind.not_found(name));
    }
    Ok((kind, name))
}

impl Keyward {
    fn managed_source_type(&self, arn: &str) -> &'static str {
        if self.catalog.get(arn).is_some() {
            "aws-managed"
        } else {
            "user-managed"
        }
    }

    /// A managed policy's compiled default version (AWS's or the account's).
    async fn compiled_managed(
        &self,
        account_id: &str,
        arn: &str,
    ) -> Result<Option<Arc<CompiledPolicy>>> {
        if let Some((_, c)) = self.catalog.get(arn) {
            return Ok(Some(Arc::clone(c)));
        }
        Ok(self
            .store
            .policy_versions(account_id, arn)
            .await?
            .into_iter()
            .find(|v| v.is_default)
            .and_then(|v| compile(arn, &v.document)))
    }

    /// The user, group or role named by `arn` and its own policies.
    async fn subject(&self, caller: &Caller, arn: &str) -> Result<Subject> {
        let (kind, name) = source_entity(caller, arn)?;
        let entity = self.entity(&caller.account_id, kind, name).await?;
        let principal = RequestPrincipal::from_arn(&entity.arn(caller.partition));
        let mut policies = Vec::new();
        if kind == EntityKind::User {
            let sources = self
                .store
                .authz_sources(&caller.account_id, &entity.id)
                .await?;
            for source in &sources.policies {
                match source {
                    PolicySource::Managed(arn) => {
                        let compiled = match self.catalog.get(arn) {
                            Some((_, c)) => Some(Arc::clone(c)),
                            None => sources
                                .documents
                                .iter()
                                .find(|(a, _)| a == arn)
                                .and_then(|(_, d)| compile(arn, d)),
                        };
                        if let Some(compiled) = compiled {
                            policies.push(Labeled {
                                id: policy_name(arn).to_owned(),
                                source_type: self.managed_source_type(arn),
                                policy_type: PolicyType::Identity,
                                compiled,
                            });
                        }
                    }
                    PolicySource::Inline { id, document } => {
                        let source_type = if id.starts_with("group/") {
                            "group"
                        } else {
                            "user"
                        };
                        if let Some(compiled) = compile(id, document) {
                            policies.push(Labeled {
                                id: policy_name(id).to_owned(),
                                source_type,
                                policy_type: PolicyType::Identity,
                                compiled,
                            });
                        }
                    }
                }
            }
            self.push_boundary(
                &caller.account_id,
                sources.boundary.as_deref(),
                &mut policies,
            )
            .await?;
            return Ok(Subject {
                principal,
                user: Some((entity.id.clone(), entity.name.clone())),
                tags: sources.tags,
                policies,
            });
        }
        for a in self
            .store
            .attached_policies(&caller.account_id, kind, &entity.id)
            .await?
        {
            if let Some(compiled) = self
                .compiled_managed(&caller.account_id, &a.policy_arn)
                .await?
            {
                policies.push(Labeled {
                    id: a.policy_name.clone(),
                    source_type: self.managed_source_type(&a.policy_arn),
                    policy_type: PolicyType::Identity,
                    compiled,
                });
            }
        }
        for (pname, document) in self
            .store
            .inline_policies(&caller.account_id, kind, &entity.id)
            .await?
        {
            if let Some(compiled) = compile(&pname, &document) {
                policies.push(Labeled {
                    id: pname,
                    source_type: kind.as_str(),
                    policy_type: PolicyType::Identity,
                    compiled,
                });
            }
        }
        let mut tags = Vec::new();
        if kind == EntityKind::Role
            && let Some(role) = self.store.role(&caller.account_id, &entity.name).await?
        {
            self.push_boundary(
                &caller.account_id,
                role.permissions_boundary.as_deref(),
                &mut policies,
            )
            .await?;
            tags = role.tags;
        }
        Ok(Subject {
            principal,
            user: None,
            tags,
            policies,
        })
    }

    async fn push_boundary(
        &self,
        account_id: &str,
        boundary: Option<&str>,
        out: &mut Vec<Labeled>,
    ) -> Result<()> {
        let Some(arn) = boundary else { return Ok(()) };
        // A boundary that cannot be read allows nothing, as in enforcement.
        let compiled = match self.compiled_managed(account_id, arn).await? {
            Some(c) => Some(c),
            None => compile(arn, DENY_ALL),
        };
        if let Some(compiled) = compiled {
            out.push(Labeled {
                id: policy_name(arn).to_owned(),
                source_type: self.managed_source_type(arn),
                policy_type: PolicyType::PermissionsBoundary,
                compiled,
            });
        }
        Ok(())
    }

    /// SimulatePrincipalPolicy (with `policy_source_arn`) or
    /// SimulateCustomPolicy (without): one result per action and resource.
    pub async fn simulate(
        &self,
        caller: &Caller,
        input: &Simulation<'_>,
    ) -> Result<Vec<EvaluationResult>> {
        if input.policy_source_arn.is_none() {
            required_list(input.policy_inputs, "policyInputList")?;
        }
        required_list(input.action_names, "actionNames")?;
        let mut subject = match input.policy_source_arn {
            Some(arn) => self.subject(caller, arn).await?,
            None => Subject {
                principal: RequestPrincipal {
                    arn: caller.arn_for("iam", "user/"),
                    account: caller.account_id.clone(),
                    kind: keyward_policy::PrincipalKind::User,
                },
                user: None,
                tags: Vec::new(),
                policies: Vec::new(),
            },
        };
        labeled_inputs(
            input.policy_inputs,
            "PolicyInputList",
            PolicyType::Identity,
            &mut subject.policies,
        )?;
        if !input.boundary_inputs.is_empty() {
            // A boundary given here replaces the entity's own.
            subject
                .policies
                .retain(|p| p.policy_type != PolicyType::PermissionsBoundary);
            labeled_inputs(
                input.boundary_inputs,
                "PermissionsBoundaryPolicyInputList",
                PolicyType::PermissionsBoundary,
                &mut subject.policies,
            )?;
        }
        if let Some(arn) = input.caller_arn {
            authz::check_arn(arn)?;
            let p = RequestPrincipal::from_arn(arn);
            if !arn
                .split(':')
                .nth(5)
                .is_some_and(|r| r.starts_with("user/"))
            {
                return Err(Error::InvalidInput(format!(
                    "Invalid CallerArn {arn}: only IAM user ARNs can be simulated callers."
                )));
            }
            if p.arn != subject.principal.arn {
                subject.user = None;
                subject.tags.clear();
            }
            subject.principal = p;
        }
        if let Some(doc) = input.resource_policy {
            let p = keyward_policy::parse(doc, PolicyKind::Resource)
                .map_err(|e| Error::InvalidInput(e.to_string()))?;
            subject.policies.push(Labeled {
                id: "ResourcePolicy".into(),
                source_type: "resource",
                policy_type: PolicyType::Resource,
                compiled: Arc::new(CompiledPolicy::new(&p)),
            });
        }
        let owner = match input.resource_owner {
            None => None,
            Some(o) => {
                let account = o.split(':').nth(4).unwrap_or(o);
                if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(Error::InvalidInput(format!(
                        "Invalid ResourceOwner {o}: expected an account ARN or id."
                    )));
                }
                Some(account)
            }
        };
        let mut entries = Vec::with_capacity(input.context.len());
        for e in input.context {
            entries.push((e.key.as_str(), context_values(e)?));
        }
        let inputs: Vec<PolicyInput<'_>> = subject
            .policies
            .iter()
            .map(|p| PolicyInput::new(&p.id, p.policy_type, &p.compiled))
            .collect();
        let boundary: Vec<PolicyInput<'_>> = subject
            .policies
            .iter()
            .filter(|p| p.policy_type == PolicyType::PermissionsBoundary)
            .map(|p| PolicyInput::new(&p.id, PolicyType::Identity, &p.compiled))
            .collect();
        let default_resources = ["*".to_owned()];
        let resources = if input.resource_arns.is_empty() {
            &default_resources[..]
        } else {
            input.resource_arns
        };
        let mut out = Vec::with_capacity(input.action_names.len() * resources.len());
        for action in input.action_names {
            for resource in resources {
                let mut ctx = self.simulation_context(&subject, action, resource);
                if let Some(account) = owner {
                    ctx = ctx.with_resource_account(account);
                }
                for (k, v) in &entries {
                    ctx.set(k, v.clone());
                }
                let why = keyward_policy::explain(&ctx, &inputs);
                let matched = why
                    .matched_statements
                    .iter()
                    .map(|m| SimStatement {
                        source_policy_id: m.source_policy_id.clone(),
                        source_policy_type: subject.policies[m.policy_index].source_type,
                        start: m.start,
                        end: m.end,
                    })
                    .collect();
                let boundary_allowed = (!boundary.is_empty())
                    .then(|| keyward_policy::evaluate(&ctx, &boundary).is_allowed());
                out.push(EvaluationResult {
                    action: action.clone(),
                    resource: resource.clone(),
                    decision: why.decision.decision,
                    matched,
                    missing: why.missing_context_values,
                    boundary_allowed,
                });
            }
        }
        Ok(out)
    }

    /// The principal keys `authz::request_context` sets for a user, without
    /// the request keys (those come from `ContextEntries`).
    fn simulation_context(&self, s: &Subject, action: &str, resource: &str) -> RequestContext {
        let mut ctx = RequestContext::with_principal(s.principal.clone(), action, resource)
            .with(
                "aws:PrincipalArn",
                ContextValue::Arn(s.principal.arn.clone()),
            )
            .with("aws:PrincipalAccount", s.principal.account.as_str());
        if let Some((id, name)) = &s.user {
            ctx.set("aws:userid", vec![id.as_str().into()]);
            ctx.set("aws:username", vec![name.as_str().into()]);
            ctx.set("aws:PrincipalType", vec!["User".into()]);
        }
        add_tag_context(&mut ctx, &s.tags, &[]);
        ctx
    }

    /// The condition keys (and policy variables) of the given policies and,
    /// with `policy_source_arn`, of that entity's own policies; unique,
    /// in order of appearance.
    pub async fn context_keys(
        &self,
        caller: &Caller,
        policy_source_arn: Option<&str>,
        policy_inputs: &[String],
    ) -> Result<Vec<String>> {
        if policy_source_arn.is_none() {
            required_list(policy_inputs, "policyInputList")?;
        }
        let mut documents: Vec<String> = Vec::new();
        if let Some(arn) = policy_source_arn {
            documents.extend(self.entity_documents(caller, arn).await?);
        }
        let mut keys: Vec<String> = Vec::new();
        let mut add = |p: &keyward_policy::Policy| {
            for k in p.condition_keys() {
                if !keys.iter().any(|o| o.eq_ignore_ascii_case(&k)) {
                    keys.push(k);
                }
            }
        };
        for d in &documents {
            if let Ok(p) = keyward_policy::parse_unvalidated(d) {
                add(&p);
            }
        }
        for d in policy_inputs {
            add(&parse_input(d)?);
        }
        Ok(keys)
    }

    /// The identity-policy documents of a user (with its groups'), group or role.
    async fn entity_documents(&self, caller: &Caller, arn: &str) -> Result<Vec<String>> {
        let (kind, name) = source_entity(caller, arn)?;
        let entity = self.entity(&caller.account_id, kind, name).await?;
        let mut arns = Vec::new();
        let mut docs = Vec::new();
        if kind == EntityKind::User {
            let sources = self
                .store
                .authz_sources(&caller.account_id, &entity.id)
                .await?;
            for s in sources.policies {
                match s {
                    PolicySource::Managed(a) => arns.push(a),
                    PolicySource::Inline { document, .. } => docs.push(document),
                }
            }
        } else {
            arns.extend(
                self.store
                    .attached_policies(&caller.account_id, kind, &entity.id)
                    .await?
                    .into_iter()
                    .map(|a| a.policy_arn),
            );
            docs.extend(
                self.store
                    .inline_policies(&caller.account_id, kind, &entity.id)
                    .await?
                    .into_iter()
                    .map(|(_, d)| d),
            );
        }
        for a in arns {
            if let Some((m, _)) = self.catalog.get(&a) {
                docs.push(m.document.to_owned());
            } else if let Some(v) = self
                .store
                .policy_versions(&caller.account_id, &a)
                .await?
                .into_iter()
                .find(|v| v.is_default)
            {
                docs.push(v.document);
            }
        }
        Ok(docs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kind: &str, values: &[&str]) -> ContextEntry {
        ContextEntry {
            key: "k".into(),
            values: values.iter().map(|v| (*v).to_owned()).collect(),
            kind: Some(kind.into()),
        }
    }

    #[test]
    fn context_entries_are_typed() {
        assert_eq!(
            context_values(&entry("numericList", &["1", "2.5"])).expect("ok"),
            vec![ContextValue::Number(1.0), ContextValue::Number(2.5)]
        );
        assert_eq!(
            context_values(&entry("boolean", &["TRUE"])).expect("ok"),
            vec![ContextValue::Bool(true)]
        );
        assert!(matches!(
            context_values(&entry("ip", &["203.0.113.7"])).expect("ok")[0],
            ContextValue::Ip(_)
        ));
        assert!(matches!(
            context_values(&entry("date", &["2024-01-01T00:00:00Z"])).expect("ok")[0],
            ContextValue::Date(_)
        ));
        assert!(matches!(
            context_values(&entry("ip", &["nope"])),
            Err(Error::InvalidInput(_))
        ));
        assert!(matches!(
            context_values(&entry("float", &["1"])),
            Err(Error::Validation(_))
        ));
    }
}
