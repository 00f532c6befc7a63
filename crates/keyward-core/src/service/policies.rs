//! Managed policies (AWS and customer) and their versions, attachments to
//! users, groups and roles, inline policies, permissions boundaries, and
//! authorization: the assembly of a user's policies, cached in memory.

use std::sync::Arc;

use keyward_policy::{CompiledPolicy, PolicyKind, PolicyType};
use time::OffsetDateTime;

use super::Keyward;
use super::tags::{check_tag_keys, without_keys};
use crate::authz::{self, AppliedPolicy, UserAuthz};
use crate::caller::{Caller, Principal, SessionAttributes};
use crate::ids::{self, IdKind};
use crate::model::{AttachedPolicy, Tag};
use crate::policies::{
    self, AuthzSources, Entity, EntityKind, MANAGED_POLICY_SIZE, MAX_POLICY_VERSIONS,
    ManagedPolicy, PolicySource, PolicyUsage, PolicyVersion,
};
use crate::store::Attachments;
use crate::validate::Violations;
use crate::{Error, Result};

/// ListPolicies' filters.
#[derive(Debug, Clone, Default)]
pub struct PolicyFilter<'a> {
    /// `All` (default), `AWS` or `Local`.
    pub scope: Option<&'a str>,
    pub only_attached: bool,
    pub path_prefix: Option<&'a str>,
    /// `PermissionsPolicy` or `PermissionsBoundary`.
    pub usage: Option<&'a str>,
}

/// The creation date AWS shows for the managed policies keyward ships.
pub(super) const AWS_MANAGED_CREATED: i64 = 1_423_248_000; // 2015-02-06T18:40:00Z

const USAGE_FILTERS: &[&str] = &["PermissionsPolicy", "PermissionsBoundary"];

fn check_document(document: &str, kind: PolicyKind) -> Result<()> {
    keyward_policy::parse(document, kind)
        .map(|_| ())
        .map_err(|e| Error::MalformedPolicyDocument(e.to_string()))
}

pub(super) fn check_policy_arn(v: &mut Violations, arn: &str) {
    v.text("policyArn", arn, 20, 2048, None);
}

fn check_version_id(v: &mut Violations, version_id: &str) {
    v.text(
        "versionId",
        version_id,
        1,
        128,
        Some((r"v[1-9][0-9]*(\.[A-Za-z0-9-]*)?", |s: &str| {
            let Some(rest) = s.strip_prefix('v') else {
                return false;
            };
            let (num, suffix) = rest.split_once('.').unwrap_or((rest, ""));
            !num.is_empty()
                && !num.starts_with('0')
                && num.bytes().all(|b| b.is_ascii_digit())
                && suffix
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })),
    );
}

fn check_path_prefix(v: &mut Violations, prefix: &str) {
    v.text(
        "pathPrefix",
        prefix,
        1,
        512,
        Some((r"\u002F[\u0021-\u007F]*", |s: &str| {
            s.starts_with('/') && s.bytes().all(|b| (0x21..=0x7f).contains(&b))
        })),
    );
}

/// A stable `ANPA…` id for a shipped AWS managed policy (FNV-1a of its ARN).
fn aws_policy_id(arn: &str) -> String {
    const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut h: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    for b in arn.bytes() {
        h ^= u128::from(b);
        h = h.wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013B);
    }
    let mut id = String::from("ANPA");
    for i in 0..16 {
        id.push(BASE32[((h >> (i * 5)) & 31) as usize] as char);
    }
    id
}

impl Keyward {
    /// Finds a user, group or role of the account or fails with AWS's NoSuchEntity.
    pub async fn entity(&self, account_id: &str, kind: EntityKind, name: &str) -> Result<Entity> {
        self.store
            .entity(account_id, kind, name)
            .await?
            .ok_or_else(|| kind.not_found(name))
    }

    pub(super) fn aws_policy(&self, arn: &str, usage: (u64, u64)) -> Option<ManagedPolicy> {
        let (m, _) = self.catalog.get(arn)?;
        let created =
            OffsetDateTime::from_unix_timestamp(AWS_MANAGED_CREATED).unwrap_or(self.clock.now());
        Some(ManagedPolicy {
            policy_id: aws_policy_id(m.arn),
            arn: m.arn.to_owned(),
            name: m.name.to_owned(),
            path: m.path.to_owned(),
            description: Some(m.description.to_owned()),
            default_version: "v1".into(),
            created,
            updated: created,
            tags: Vec::new(),
            attachment_count: usage.0,
            boundary_usage_count: usage.1,
            aws_managed: true,
        })
    }

    /// An AWS or customer managed policy visible to the account.
    async fn managed_policy(&self, account_id: &str, arn: &str) -> Result<Option<ManagedPolicy>> {
        if self.catalog.get(arn).is_some() {
            let usage = self.store.policy_usage(account_id).await?;
            return Ok(self.aws_policy(arn, usage.get(arn).copied().unwrap_or((0, 0))));
        }
        self.store.policy(account_id, arn).await
    }

    pub async fn create_policy(
        &self,
        caller: &Caller,
        name: &str,
        path: Option<&str>,
        document: &str,
        description: Option<&str>,
        tags: Vec<Tag>,
    ) -> Result<ManagedPolicy> {
        let path = path.unwrap_or("/");
        let mut v = Violations::new();
        v.name("policyName", name, 128);
        v.text(
            "path",
            path,
            1,
            512,
            Some((r"((/[A-Za-z0-9\.,\+@=_-]+)*)/", policies::is_policy_path)),
        );
        v.text("policyDocument", document, 1, 131_072, None);
        if let Some(d) = description {
            v.text("description", d, 0, 1000, None);
        }
        v.finish()?;
        self.check_tags(&tags)?;
        if policies::policy_size(document) > MANAGED_POLICY_SIZE {
            return Err(Error::LimitExceeded(format!(
                "Cannot exceed quota for PolicySize: {MANAGED_POLICY_SIZE}"
            )));
        }
        check_document(document, PolicyKind::Identity)?;
        let now = self.clock.now();
        let policy = ManagedPolicy {
            policy_id: ids::new_id(IdKind::Policy, self.rng()),
            arn: caller.arn_for("iam", &format!("policy{path}{name}")),
            name: name.to_owned(),
            path: path.to_owned(),
            description: description.map(str::to_owned),
            default_version: "v1".into(),
            created: now,
            updated: now,
            tags,
            attachment_count: 0,
            boundary_usage_count: 0,
            aws_managed: false,
        };
        let audit = self.caller_audit(
            caller,
            "iam:CreatePolicy",
            &policy.arn,
            &serde_json::json!({ "policyName": name, "path": path }),
        );
        self.store.create_policy(&policy, document, &audit).await?;
        Ok(policy)
    }

    pub async fn get_policy(&self, caller: &Caller, arn: &str) -> Result<ManagedPolicy> {
        let mut v = Violations::new();
        check_policy_arn(&mut v, arn);
        v.finish()?;
        authz::check_arn(arn)?;
        self.managed_policy(&caller.account_id, arn)
            .await?
            .ok_or_else(|| Error::NoSuchEntity(format!("Policy {arn} was not found.")))
    }

    /// Checks an identity policy document exactly as CreatePolicy does
    /// (size, then grammar), for the console's editor.
    pub fn check_identity_policy(&self, document: &str) -> Result<()> {
        if policies::policy_size(document) > MANAGED_POLICY_SIZE {
            return Err(Error::LimitExceeded(format!(
                "Cannot exceed quota for PolicySize: {MANAGED_POLICY_SIZE}"
            )));
        }
        check_document(document, PolicyKind::Identity)
    }

    /// The policies ListPolicies shows, ordered by name (the API pages them).
    pub async fn list_policies(
        &self,
        caller: &Caller,
        filter: &PolicyFilter<'_>,
    ) -> Result<Vec<ManagedPolicy>> {
        let scope = filter.scope.unwrap_or("All");
        let prefix = filter.path_prefix.unwrap_or("/");
        let mut v = Violations::new();
        v.enum_value("scope", scope, &["All", "AWS", "Local"]);
        check_path_prefix(&mut v, prefix);
        if let Some(u) = filter.usage {
            v.enum_value("policyUsageFilter", u, USAGE_FILTERS);
        }
        v.finish()?;
        let mut out = Vec::new();
        if scope != "Local" {
            let usage = self.store.policy_usage(&caller.account_id).await?;
            out.extend(
                keyward_policy::managed::MANAGED_POLICIES
                    .iter()
                    .filter_map(|m| {
                        self.aws_policy(m.arn, usage.get(m.arn).copied().unwrap_or((0, 0)))
                    }),
            );
        }
        if scope != "AWS" {
            out.extend(self.store.policies(&caller.account_id).await?);
        }
        out.retain(|p| {
            p.path.starts_with(prefix)
                && (!filter.only_attached
                    || match filter.usage {
                        Some("PermissionsPolicy") => p.attachment_count > 0,
                        Some("PermissionsBoundary") => p.boundary_usage_count > 0,
                        _ => p.attachment_count > 0 || p.boundary_usage_count > 0,
                    })
        });
        out.sort_by_key(|p| p.name.to_lowercase());
        Ok(out)
    }

    pub async fn delete_policy(&self, caller: &Caller, arn: &str) -> Result<()> {
        let mut v = Violations::new();
        check_policy_arn(&mut v, arn);
        v.finish()?;
        authz::check_arn(arn)?;
        let audit = self.caller_audit(
            caller,
            "iam:DeletePolicy",
            arn,
            &serde_json::json!({ "policyArn": arn }),
        );
        if !self
            .store
            .delete_policy(&caller.account_id, arn, &audit)
            .await?
        {
            return Err(Error::NoSuchEntity(format!("Policy {arn} was not found.")));
        }
        self.policies.clear();
        Ok(())
    }

    pub async fn create_policy_version(
        &self,
        caller: &Caller,
        arn: &str,
        document: &str,
        set_as_default: bool,
    ) -> Result<PolicyVersion> {
        let mut v = Violations::new();
        check_policy_arn(&mut v, arn);
        v.text("policyDocument", document, 1, 131_072, None);
        v.finish()?;
        authz::check_arn(arn)?;
        if policies::policy_size(document) > MANAGED_POLICY_SIZE {
            return Err(Error::LimitExceeded(format!(
                "Cannot exceed quota for PolicySize: {MANAGED_POLICY_SIZE}"
            )));
        }
        check_document(document, PolicyKind::Identity)?;
        let audit = self.caller_audit(
            caller,
            "iam:CreatePolicyVersion",
            arn,
            &serde_json::json!({ "policyArn": arn, "setAsDefault": set_as_default }),
        );
        let version = self
            .store
            .create_policy_version(
                &caller.account_id,
                arn,
                document,
                set_as_default,
                MAX_POLICY_VERSIONS,
                &audit,
            )
            .await?;
        if set_as_default {
            self.policies.clear();
        }
        Ok(version)
    }

    pub async fn get_policy_version(
        &self,
        caller: &Caller,
        arn: &str,
        version_id: &str,
    ) -> Result<PolicyVersion> {
        let mut v = Violations::new();
        check_policy_arn(&mut v, arn);
        check_version_id(&mut v, version_id);
        v.finish()?;
        self.list_policy_versions(caller, arn)
            .await?
            .into_iter()
            .find(|p| p.version_id == version_id)
            .ok_or_else(|| {
                Error::NoSuchEntity(format!(
                    "Policy {arn} version {version_id} does not exist or is not attachable."
                ))
            })
    }

    /// Versions, newest first.
    pub async fn list_policy_versions(
        &self,
        caller: &Caller,
        arn: &str,
    ) -> Result<Vec<PolicyVersion>> {
        let mut v = Violations::new();
        check_policy_arn(&mut v, arn);
        v.finish()?;
        authz::check_arn(arn)?;
        if let Some((m, _)) = self.catalog.get(arn) {
            return Ok(vec![PolicyVersion {
                version_id: "v1".into(),
                document: m.document.to_owned(),
                is_default: true,
                created: OffsetDateTime::from_unix_timestamp(AWS_MANAGED_CREATED)
                    .unwrap_or(self.clock.now()),
            }]);
        }
        self.store.policy_versions(&caller.account_id, arn).await
    }

    pub async fn set_default_policy_version(
        &self,
        caller: &Caller,
        arn: &str,
        version_id: &str,
    ) -> Result<()> {
        let mut v = Violations::new();
        check_policy_arn(&mut v, arn);
        check_version_id(&mut v, version_id);
        v.finish()?;
        authz::check_arn(arn)?;
        let audit = self.caller_audit(
            caller,
            "iam:SetDefaultPolicyVersion",
            arn,
            &serde_json::json!({ "policyArn": arn, "versionId": version_id }),
        );
        self.store
            .set_default_policy_version(&caller.account_id, arn, version_id, &audit)
            .await?;
        self.policies.clear();
        Ok(())
    }

    pub async fn delete_policy_version(
        &self,
        caller: &Caller,
        arn: &str,
        version_id: &str,
    ) -> Result<()> {
        let mut v = Violations::new();
        check_policy_arn(&mut v, arn);
        check_version_id(&mut v, version_id);
        v.finish()?;
        authz::check_arn(arn)?;
        let audit = self.caller_audit(
            caller,
            "iam:DeletePolicyVersion",
            arn,
            &serde_json::json!({ "policyArn": arn, "versionId": version_id }),
        );
        self.store
            .delete_policy_version(&caller.account_id, arn, version_id, &audit)
            .await
    }

    /// The users, groups and roles using a policy, optionally filtered by
    /// kind (`User`, `Group`, `Role`), path prefix and usage.
    pub async fn entities_for_policy(
        &self,
        caller: &Caller,
        arn: &str,
        entity_filter: Option<&str>,
        path_prefix: Option<&str>,
        usage: Option<&str>,
    ) -> Result<Vec<Entity>> {
        let prefix = path_prefix.unwrap_or("/");
        let mut v = Violations::new();
        check_policy_arn(&mut v, arn);
        check_path_prefix(&mut v, prefix);
        if let Some(f) = entity_filter {
            v.enum_value(
                "entityFilter",
                f,
                &[
                    "User",
                    "Role",
                    "Group",
                    "LocalManagedPolicy",
                    "AWSManagedPolicy",
                ],
            );
        }
        if let Some(u) = usage {
            v.enum_value("policyUsageFilter", u, USAGE_FILTERS);
        }
        v.finish()?;
        authz::check_arn(arn)?;
        if self
            .managed_policy(&caller.account_id, arn)
            .await?
            .is_none()
        {
            return Err(Error::NoSuchEntity(format!("Policy {arn} was not found.")));
        }
        let kind = match entity_filter {
            Some("User") => Some(EntityKind::User),
            Some("Group") => Some(EntityKind::Group),
            Some("Role") => Some(EntityKind::Role),
            _ => None,
        };
        let wanted = match usage {
            Some("PermissionsPolicy") => Some(PolicyUsage::Permissions),
            Some("PermissionsBoundary") => Some(PolicyUsage::Boundary),
            _ => None,
        };
        Ok(self
            .store
            .entities_for_policy(&caller.account_id, arn)
            .await?
            .into_iter()
            .filter(|(e, u)| {
                kind.is_none_or(|k| k == e.kind)
                    && e.path.starts_with(prefix)
                    && match wanted {
                        Some(w) => w == *u,
                        // Without a usage filter AWS lists permission attachments.
                        None => *u == PolicyUsage::Permissions,
                    }
            })
            .map(|(e, _)| e)
            .collect())
    }

    async fn customer_policy(&self, caller: &Caller, arn: &str) -> Result<ManagedPolicy> {
        let mut v = Violations::new();
        check_policy_arn(&mut v, arn);
        v.finish()?;
        authz::check_arn(arn)?;
        self.store
            .policy(&caller.account_id, arn)
            .await?
            .ok_or_else(|| Error::NoSuchEntity(format!("Policy {arn} was not found.")))
    }

    pub async fn tag_policy(&self, caller: &Caller, arn: &str, tags: Vec<Tag>) -> Result<()> {
        self.check_tags(&tags)?;
        let policy = self.customer_policy(caller, arn).await?;
        let merged = self.merge_tags(&policy.tags, tags)?;
        let keys: Vec<&str> = merged.iter().map(|t| t.key.as_str()).collect();
        let audit = self.caller_audit(
            caller,
            "iam:TagPolicy",
            arn,
            &serde_json::json!({ "policyArn": arn, "tagKeys": keys }),
        );
        self.store
            .set_policy_tags(&caller.account_id, arn, &merged, &audit)
            .await
    }

    pub async fn untag_policy(&self, caller: &Caller, arn: &str, keys: &[String]) -> Result<()> {
        check_tag_keys(keys)?;
        let policy = self.customer_policy(caller, arn).await?;
        let kept = without_keys(&policy.tags, keys);
        let audit = self.caller_audit(
            caller,
            "iam:UntagPolicy",
            arn,
            &serde_json::json!({ "policyArn": arn, "tagKeys": keys }),
        );
        self.store
            .set_policy_tags(&caller.account_id, arn, &kept, &audit)
            .await
    }

    pub async fn policy_tags(&self, caller: &Caller, arn: &str) -> Result<Vec<Tag>> {
        Ok(self.customer_policy(caller, arn).await?.tags)
    }

    /// Cache eviction after a change to an entity's policies: one user, or
    /// everyone (a group's or role's change can reach several users).
    fn forget_entity(&self, entity: &Entity) {
        match entity.kind {
            EntityKind::User => self.policies.forget(&entity.id),
            EntityKind::Group | EntityKind::Role => self.policies.clear(),
        }
    }

    /// The policy an attach names: an AWS managed one, or one of the
    /// caller's account (whether it exists is checked in the store's
    /// transaction).
    pub(super) fn attachable_policy(
        &self,
        caller: &Caller,
        policy_arn: &str,
    ) -> Result<AttachedPolicy> {
        let not_attachable = || {
            Error::NoSuchEntity(format!(
                "Policy {policy_arn} does not exist or is not attachable."
            ))
        };
        let policy_name = match self.catalog.get(policy_arn) {
            Some((m, _)) => m.name.to_owned(),
            None => {
                let (account, _, pname) =
                    policies::split_policy_arn(policy_arn).ok_or_else(not_attachable)?;
                if account != caller.account_id {
                    return Err(not_attachable());
                }
                pname.to_owned()
            }
        };
        Ok(AttachedPolicy {
            policy_name,
            policy_arn: policy_arn.to_owned(),
        })
    }

    /// The checks Attach{User,Group,Role}Policy makes for each of
    /// `policies` on an entity being created, and what the store writes for
    /// them in the create's transaction.
    pub(super) fn attachments(
        &self,
        caller: &Caller,
        entity: &Entity,
        policies: &[String],
    ) -> Result<Attachments> {
        let mut out = Vec::with_capacity(policies.len());
        for arn in policies {
            let mut v = Violations::new();
            check_policy_arn(&mut v, arn);
            v.finish()?;
            authz::check_arn(arn)?;
            let policy = self.attachable_policy(caller, arn)?;
            let audit = self.caller_audit(
                caller,
                &format!("iam:Attach{}Policy", title(entity.kind)),
                &entity.arn(caller.partition),
                &serde_json::json!({ entity.kind.name_field(): entity.name, "policyArn": arn }),
            );
            out.push((policy, audit));
        }
        Ok(Attachments {
            policies: out,
            max_attached: self.quotas.attached_policies_per_user,
        })
    }

    pub async fn attach_policy(
        &self,
        caller: &Caller,
        kind: EntityKind,
        name: &str,
        policy_arn: &str,
    ) -> Result<()> {
        let mut v = Violations::new();
        v.name(kind.name_field(), name, 128);
        check_policy_arn(&mut v, policy_arn);
        v.finish()?;
        authz::check_arn(policy_arn)?;
        let entity = self.entity(&caller.account_id, kind, name).await?;
        let policy = self.attachable_policy(caller, policy_arn)?;
        let audit = self.caller_audit(
            caller,
            &format!("iam:Attach{}Policy", title(kind)),
            &entity.arn(caller.partition),
            &serde_json::json!({ kind.name_field(): entity.name, "policyArn": policy_arn }),
        );
        let quota = self.quotas.attached_policies_per_user;
        self.store
            .attach_policy(&entity, &policy, quota, &audit)
            .await?;
        self.forget_entity(&entity);
        Ok(())
    }

    pub async fn detach_policy(
        &self,
        caller: &Caller,
        kind: EntityKind,
        name: &str,
        policy_arn: &str,
    ) -> Result<()> {
        let mut v = Violations::new();
        v.name(kind.name_field(), name, 128);
        check_policy_arn(&mut v, policy_arn);
        v.finish()?;
        authz::check_arn(policy_arn)?;
        let entity = self.entity(&caller.account_id, kind, name).await?;
        let audit = self.caller_audit(
            caller,
            &format!("iam:Detach{}Policy", title(kind)),
            &entity.arn(caller.partition),
            &serde_json::json!({ kind.name_field(): entity.name, "policyArn": policy_arn }),
        );
        if !self
            .store
            .detach_policy(&entity, policy_arn, &audit)
            .await?
        {
            return Err(Error::NoSuchEntity(format!(
                "Policy {policy_arn} was not found."
            )));
        }
        self.forget_entity(&entity);
        Ok(())
    }

    pub async fn attach_user_policy(
        &self,
        caller: &Caller,
        user_name: &str,
        policy_arn: &str,
    ) -> Result<()> {
        self.attach_policy(caller, EntityKind::User, user_name, policy_arn)
            .await
    }

    pub async fn detach_user_policy(
        &self,
        caller: &Caller,
        user_name: &str,
        policy_arn: &str,
    ) -> Result<()> {
        self.detach_policy(caller, EntityKind::User, user_name, policy_arn)
            .await
    }

    /// The managed policies attached to an entity whose path starts with `path_prefix`.
    pub async fn attached_policies(
        &self,
        caller: &Caller,
        kind: EntityKind,
        name: &str,
        path_prefix: Option<&str>,
    ) -> Result<Vec<AttachedPolicy>> {
        let prefix = path_prefix.unwrap_or("/");
        let mut v = Violations::new();
        v.name(kind.name_field(), name, 128);
        check_path_prefix(&mut v, prefix);
        v.finish()?;
        let entity = self.entity(&caller.account_id, kind, name).await?;
        Ok(self
            .store
            .attached_policies(&caller.account_id, kind, &entity.id)
            .await?
            .into_iter()
            .filter(|a| {
                policies::split_policy_arn(&a.policy_arn)
                    .is_none_or(|(_, path, _)| path.starts_with(prefix))
            })
            .collect())
    }

    pub async fn attached_user_policies(
        &self,
        account_id: &str,
        user_id: &str,
    ) -> Result<Vec<AttachedPolicy>> {
        self.store
            .attached_policies(account_id, EntityKind::User, user_id)
            .await
    }

    pub async fn put_inline_policy(
        &self,
        caller: &Caller,
        kind: EntityKind,
        name: &str,
        policy_name: &str,
        document: &str,
    ) -> Result<()> {
        let mut v = Violations::new();
        v.name(kind.name_field(), name, 128);
        v.name("policyName", policy_name, 128);
        v.text("policyDocument", document, 1, 131_072, None);
        v.finish()?;
        check_document(document, PolicyKind::Identity)?;
        let entity = self.entity(&caller.account_id, kind, name).await?;
        let audit = self.caller_audit(
            caller,
            &format!("iam:Put{}Policy", title(kind)),
            &entity.arn(caller.partition),
            &serde_json::json!({ kind.name_field(): entity.name, "policyName": policy_name }),
        );
        self.store
            .put_inline_policy(
                &entity,
                policy_name,
                document,
                kind.inline_size_quota(),
                &audit,
            )
            .await?;
        self.forget_entity(&entity);
        Ok(())
    }

    /// (the entity's name as stored, the document as submitted).
    pub async fn inline_policy(
        &self,
        caller: &Caller,
        kind: EntityKind,
        name: &str,
        policy_name: &str,
    ) -> Result<(String, String)> {
        let mut v = Violations::new();
        v.name(kind.name_field(), name, 128);
        v.name("policyName", policy_name, 128);
        v.finish()?;
        let entity = self.entity(&caller.account_id, kind, name).await?;
        let document = self
            .store
            .inline_policies(&caller.account_id, kind, &entity.id)
            .await?
            .into_iter()
            .find(|(n, _)| n == policy_name)
            .map(|(_, d)| d)
            .ok_or_else(|| no_such_inline(kind, policy_name))?;
        Ok((entity.name, document))
    }

    pub async fn inline_policy_names(
        &self,
        caller: &Caller,
        kind: EntityKind,
        name: &str,
    ) -> Result<Vec<String>> {
        let mut v = Violations::new();
        v.name(kind.name_field(), name, 128);
        v.finish()?;
        let entity = self.entity(&caller.account_id, kind, name).await?;
        Ok(self
            .store
            .inline_policies(&caller.account_id, kind, &entity.id)
            .await?
            .into_iter()
            .map(|(n, _)| n)
            .collect())
    }

    pub async fn delete_inline_policy(
        &self,
        caller: &Caller,
        kind: EntityKind,
        name: &str,
        policy_name: &str,
    ) -> Result<()> {
        let mut v = Violations::new();
        v.name(kind.name_field(), name, 128);
        v.name("policyName", policy_name, 128);
        v.finish()?;
        let entity = self.entity(&caller.account_id, kind, name).await?;
        let audit = self.caller_audit(
            caller,
            &format!("iam:Delete{}Policy", title(kind)),
            &entity.arn(caller.partition),
            &serde_json::json!({ kind.name_field(): entity.name, "policyName": policy_name }),
        );
        if !self
            .store
            .delete_inline_policy(&entity, policy_name, &audit)
            .await?
        {
            return Err(no_such_inline(kind, policy_name));
        }
        self.forget_entity(&entity);
        Ok(())
    }

    /// A permissions boundary must name an existing managed policy: an AWS
    /// managed one, or a customer managed one of the caller's account.
    pub(super) async fn check_boundary(&self, caller: &Caller, policy_arn: &str) -> Result<()> {
        authz::check_arn(policy_arn)?;
        let Some((account, _, _)) = policies::split_policy_arn(policy_arn) else {
            return Err(Error::InvalidInput(format!(
                "ARN {policy_arn} is not valid."
            )));
        };
        let exists = if account == "aws" {
            self.catalog.get(policy_arn).is_some()
        } else {
            account == caller.account_id
                && self
                    .store
                    .policy(&caller.account_id, policy_arn)
                    .await?
                    .is_some()
        };
        if exists {
            Ok(())
        } else {
            Err(Error::NoSuchEntity(format!(
                "Policy {policy_arn} does not exist or is not attachable."
            )))
        }
    }

    /// Sets a user's or role's permissions boundary to a managed policy.
    pub async fn put_permissions_boundary(
        &self,
        caller: &Caller,
        kind: EntityKind,
        name: &str,
        policy_arn: &str,
    ) -> Result<()> {
        let mut v = Violations::new();
        v.name(kind.name_field(), name, 128);
        v.text("permissionsBoundary", policy_arn, 20, 2048, None);
        v.finish()?;
        self.check_boundary(caller, policy_arn).await?;
        let entity = self.entity(&caller.account_id, kind, name).await?;
        let audit = self.caller_audit(
            caller,
            &format!("iam:Put{}PermissionsBoundary", title(kind)),
            &entity.arn(caller.partition),
            &serde_json::json!({ kind.name_field(): entity.name, "permissionsBoundary": policy_arn }),
        );
        let set = self
            .store
            .set_permissions_boundary(&entity, Some(policy_arn), &audit)
            .await;
        // A user's boundary is part of what GetUser and ListUsers return;
        // a role's, of the role AssumeRole reads.
        self.users_changed(&caller.account_id, set)?;
        self.roles.forget(&entity.id);
        self.forget_entity(&entity);
        Ok(())
    }

    pub async fn delete_permissions_boundary(
        &self,
        caller: &Caller,
        kind: EntityKind,
        name: &str,
    ) -> Result<()> {
        let mut v = Violations::new();
        v.name(kind.name_field(), name, 128);
        v.finish()?;
        let entity = self.entity(&caller.account_id, kind, name).await?;
        let audit = self.caller_audit(
            caller,
            &format!("iam:Delete{}PermissionsBoundary", title(kind)),
            &entity.arn(caller.partition),
            &serde_json::json!({ kind.name_field(): entity.name }),
        );
        let set = self
            .store
            .set_permissions_boundary(&entity, None, &audit)
            .await;
        // A user's boundary is part of what GetUser and ListUsers return;
        // a role's, of the role AssumeRole reads.
        self.users_changed(&caller.account_id, set)?;
        self.roles.forget(&entity.id);
        self.forget_entity(&entity);
        Ok(())
    }

    /// Decides whether the caller may perform `action` on `resource`. Root
    /// bypasses IAM policies; users are judged by their policies, from memory.
    /// `request_tags` are the tags the request carries (`Tags.member.N`).
    pub async fn authorize(
        &self,
        caller: &Caller,
        action: &str,
        resource: &str,
        request: &authz::RequestKeys,
    ) -> Result<()> {
        let Some(user) = self.principal_authz(caller).await? else {
            return Ok(());
        };
        let ctx = self.authz_context(caller, &user, action, resource, request);
        authz::decide(&ctx, &user.policies)
    }

    /// The request context of an authorization decision.
    pub(super) fn authz_context(
        &self,
        caller: &Caller,
        user: &UserAuthz,
        action: &str,
        resource: &str,
        request: &authz::RequestKeys,
    ) -> keyward_policy::RequestContext {
        let mut ctx = authz::request_context(caller, action, resource, self.clock.now());
        authz::add_tag_context(&mut ctx, &user.tags, &request.tags);
        authz::add_request_keys(&mut ctx, request);
        ctx
    }

    /// The policies that decide the caller's requests: a user's (cached), a
    /// role session's (the role's and the session policies); `None` for root.
    pub async fn principal_authz(&self, caller: &Caller) -> Result<Option<Arc<UserAuthz>>> {
        Ok(Some(match &caller.principal {
            Principal::Root => return Ok(None),
            Principal::User { user_id, .. } => self.user_authz(&caller.account_id, user_id).await?,
            Principal::AssumedRole {
                role_id,
                attributes,
                ..
            } => {
                self.role_authz(&caller.account_id, role_id, attributes)
                    .await?
            }
        }))
    }

    /// A role session's policies: the role's attached and inline policies
    /// and its boundary (cached per role like a user's, evicted by the same
    /// changes and by the role's tag changes), and the session policies
    /// (`Policy` and `PolicyArns`, all `PolicyType::Session`: one of them
    /// must allow, so the session gets the intersection of the role's
    /// permissions with their union). Tags: the role's, overridden by the
    /// session tags.
    pub async fn role_authz(
        &self,
        account_id: &str,
        role_id: &str,
        attributes: &SessionAttributes,
    ) -> Result<Arc<UserAuthz>> {
        let role = match self.policies.get(role_id) {
            Some(cached) => cached,
            None => {
                let generation = self.policies.generation();
                let sources = self.store.role_authz_sources(account_id, role_id).await?;
                let role = Arc::new(self.assemble_authz(sources));
                self.policies
                    .insert(account_id, role_id, Arc::clone(&role), generation);
                role
            }
        };
        if !attributes.has_session_policy() && attributes.tags.is_empty() {
            return Ok(role);
        }
        let mut authz = UserAuthz {
            policies: role
                .policies
                .iter()
                .map(|p| AppliedPolicy {
                    id: p.id.clone(),
                    policy_type: p.policy_type,
                    compiled: Arc::clone(&p.compiled),
                })
                .collect(),
            tags: role.tags.clone(),
            groups: Vec::new(),
        };
        let mut session = Vec::new();
        if let Some(doc) = &attributes.policy {
            // Validated by AssumeRole; one that no longer parses allows nothing.
            session.push(("session-policy".to_owned(), compile("session-policy", doc)));
        }
        for arn in &attributes.policy_arns {
            let compiled = self.managed_document(account_id, arn).await?;
            session.push((arn.clone(), compiled));
        }
        for (id, compiled) in session {
            // A session policy that is gone or unreadable allows nothing.
            if let Some(compiled) = compiled.or_else(|| compile(&id, DENY_ALL)) {
                authz.policies.push(AppliedPolicy {
                    id,
                    policy_type: PolicyType::Session,
                    compiled,
                });
            }
        }
        if !attributes.tags.is_empty() {
            authz.tags.retain(|t| {
                !attributes
                    .tags
                    .iter()
                    .any(|s| s.key.eq_ignore_ascii_case(&t.key))
            });
            authz.tags.extend(attributes.tags.iter().cloned());
        }
        Ok(Arc::new(authz))
    }

    /// The compiled default version of a managed policy: AWS's from the
    /// catalog, the account's from the store; `None` when there is none.
    pub(super) async fn managed_document(
        &self,
        account_id: &str,
        arn: &str,
    ) -> Result<Option<Arc<CompiledPolicy>>> {
        if let Some((_, c)) = self.catalog.get(arn) {
            return Ok(Some(Arc::clone(c)));
        }
        if policies::split_policy_arn(arn).is_none_or(|(account, _, _)| account != account_id) {
            return Ok(None);
        }
        let versions = match self.store.policy_versions(account_id, arn).await {
            Ok(v) => v,
            Err(Error::NoSuchEntity(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        Ok(versions
            .iter()
            .find(|v| v.is_default)
            .and_then(|v| compile(arn, &v.document)))
    }

    /// The user's policies and tags: from the cache, or assembled from the
    /// store (the user's and its groups' attached and inline policies as
    /// identity policies, and its permissions boundary).
    pub async fn user_authz(&self, account_id: &str, user_id: &str) -> Result<Arc<UserAuthz>> {
        if let Some(p) = self.policies.get(user_id) {
            return Ok(p);
        }
        let generation = self.policies.generation();
        let mut sources = self.store.authz_sources(account_id, user_id).await?;
        let groups = std::mem::take(&mut sources.groups);
        let mut user = self.assemble_authz(sources);
        user.groups = groups;
        let user = Arc::new(user);
        self.policies
            .insert(account_id, user_id, Arc::clone(&user), generation);
        Ok(user)
    }

    /// Compiles stored policy sources into the applied set.
    fn assemble_authz(&self, sources: AuthzSources) -> UserAuthz {
        let managed = |arn: &str| -> Option<Arc<CompiledPolicy>> {
            if let Some((_, c)) = self.catalog.get(arn) {
                return Some(Arc::clone(c));
            }
            let (_, doc) = sources.documents.iter().find(|(a, _)| a == arn)?;
            compile(arn, doc)
        };
        let mut applied = Vec::with_capacity(sources.policies.len() + 1);
        for source in &sources.policies {
            let (id, compiled) = match source {
                PolicySource::Managed(arn) => (arn.clone(), managed(arn)),
                PolicySource::Inline { id, document } => (id.clone(), compile(id, document)),
            };
            if let Some(compiled) = compiled {
                applied.push(AppliedPolicy {
                    id,
                    policy_type: PolicyType::Identity,
                    compiled,
                });
            }
        }
        if let Some(boundary) = &sources.boundary {
            // A boundary that cannot be read allows nothing.
            if let Some(compiled) = managed(boundary).or_else(|| compile(boundary, DENY_ALL)) {
                applied.push(AppliedPolicy {
                    id: boundary.clone(),
                    policy_type: PolicyType::PermissionsBoundary,
                    compiled,
                });
            }
        }
        UserAuthz {
            policies: applied,
            tags: sources.tags,
            groups: Vec::new(),
        }
    }
}

pub(super) const DENY_ALL: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}"#;

/// Compiles a stored (already validated) document; logs and skips one that
/// no longer parses.
pub(super) fn compile(id: &str, document: &str) -> Option<Arc<CompiledPolicy>> {
    match keyward_policy::parse_unvalidated(document) {
        Ok(p) => Some(Arc::new(CompiledPolicy::new(&p))),
        Err(e) => {
            tracing::error!(policy = id, error = %e, "a stored policy does not parse; it is ignored");
            None
        }
    }
}

fn title(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::User => "User",
        EntityKind::Group => "Group",
        EntityKind::Role => "Role",
    }
}

fn no_such_inline(kind: EntityKind, policy_name: &str) -> Error {
    Error::NoSuchEntity(format!(
        "The {} policy with name {policy_name} cannot be found.",
        kind.as_str()
    ))
}
