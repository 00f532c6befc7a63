//! IAM roles and EC2 instance profiles.

use std::sync::Arc;

use keyward_policy::PolicyKind;

use super::{Keyward, listing, tags};
use crate::caller::Caller;
use crate::ids::{self, IdKind};
use crate::model::{InstanceProfile, Role, Tag};
use crate::policies::{Entity, EntityKind};
use crate::store::{Page, RoleUpdate};
use crate::validate::Violations;
use crate::{Error, Result};

/// MaxSessionDuration's range and default, in seconds.
const SESSION_MIN: i64 = 3600;
const SESSION_MAX: i64 = 43200;

/// The inputs of CreateRole.
#[derive(Debug, Clone, Default)]
pub struct NewRole<'a> {
    pub name: &'a str,
    pub path: Option<&'a str>,
    pub trust_policy: &'a str,
    pub description: Option<&'a str>,
    pub max_session_duration: Option<i64>,
    pub permissions_boundary: Option<&'a str>,
    pub tags: Vec<Tag>,
}

/// `policyDocumentType`: `[\u0009\u000A\u000D\u0020-\u00FF]+`.
fn is_policy_text(s: &str) -> bool {
    s.chars()
        .all(|c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{ff}'))
}

/// `roleDescriptionType`: `[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*`.
fn is_description(s: &str) -> bool {
    s.chars()
        .all(|c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{7e}' | '\u{a1}'..='\u{ff}'))
}

/// A policy's size as AWS counts it: characters, whitespace not counted.
pub fn policy_size(doc: &str) -> usize {
    doc.chars().filter(|c| !c.is_whitespace()).count()
}

fn check_description(v: &mut Violations, d: &str) {
    v.text(
        "description",
        d,
        0,
        1000,
        Some((
            r"[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*",
            is_description,
        )),
    );
}

impl Keyward {
    /// Validates a trust policy: model constraints, then the policy grammar
    /// and trust-policy rules, then the size quota.
    fn check_trust_policy(&self, field: &str, doc: &str) -> Result<()> {
        let mut v = Violations::new();
        v.text(
            field,
            doc,
            1,
            131_072,
            Some((r"[\u0009\u000A\u000D\u0020-\u00FF]+", is_policy_text)),
        );
        v.finish()?;
        keyward_policy::parse(doc, PolicyKind::Trust)
            .map_err(|e| Error::MalformedPolicyDocument(e.to_string()))?;
        let quota = self.quotas.trust_policy_size;
        if policy_size(doc) > quota {
            return Err(Error::LimitExceeded(format!(
                "Cannot exceed quota for ACLSizePerRole: {quota}"
            )));
        }
        Ok(())
    }

    pub async fn create_role(&self, caller: &Caller, input: NewRole<'_>) -> Result<Role> {
        self.create_role_with(caller, input, &[]).await
    }

    /// CreateRole, then AttachRolePolicy for each of `policies`, checked as
    /// those calls check them and written in one transaction.
    pub async fn create_role_with(
        &self,
        caller: &Caller,
        input: NewRole<'_>,
        policies: &[String],
    ) -> Result<Role> {
        let path = input.path.unwrap_or("/");
        let duration = input.max_session_duration.unwrap_or(SESSION_MIN);
        let mut v = Violations::new();
        v.name("roleName", input.name, 64);
        v.path("path", path);
        if let Some(d) = input.description {
            check_description(&mut v, d);
        }
        if input.max_session_duration.is_some() {
            v.range("maxSessionDuration", duration, SESSION_MIN, SESSION_MAX);
        }
        if let Some(b) = input.permissions_boundary {
            v.text("permissionsBoundary", b, 20, 2048, None);
        }
        v.finish()?;
        self.check_trust_policy("assumeRolePolicyDocument", input.trust_policy)?;
        self.check_tags(&input.tags)?;
        if let Some(b) = input.permissions_boundary {
            self.check_boundary(caller, b).await?;
        }
        let role = Role {
            account_id: caller.account_id.clone(),
            role_id: ids::new_id(IdKind::Role, self.rng()),
            name: input.name.to_owned(),
            path: path.to_owned(),
            created: self.clock.now(),
            description: input.description.map(str::to_owned),
            max_session_duration: duration,
            trust_policy: input.trust_policy.to_owned(),
            permissions_boundary: input.permissions_boundary.map(str::to_owned),
            tags: input.tags,
            last_used: None,
        };
        let audit = self.caller_audit(
            caller,
            "iam:CreateRole",
            &role.arn(caller.partition),
            &serde_json::json!({ "roleName": role.name, "path": path }),
        );
        let entity = Entity {
            kind: EntityKind::Role,
            account_id: role.account_id.clone(),
            id: role.role_id.clone(),
            name: role.name.clone(),
            path: role.path.clone(),
        };
        let attach = self.attachments(caller, &entity, policies)?;
        let max = self.quotas.roles_per_account;
        self.store.create_role(&role, max, &audit, &attach).await?;
        Ok(role)
    }

    /// Finds a role of the account or fails with AWS's NoSuchEntity.
    pub async fn role(&self, account_id: &str, name: &str) -> Result<Role> {
        let mut v = Violations::new();
        v.name("roleName", name, 64);
        v.finish()?;
        self.store
            .role(account_id, name)
            .await?
            .ok_or_else(|| Error::no_such_role(name))
    }

    /// The role named `name` (any letter case), if any, held in memory
    /// once read (AssumeRole's look-up).
    pub(super) async fn cached_role(
        &self,
        account_id: &str,
        name: &str,
    ) -> Result<Option<Arc<Role>>> {
        if let Some(role) = self.roles.get(account_id, name) {
            return Ok(Some(role));
        }
        let loaded_at = self.roles.generation();
        let Some(role) = self.store.role(account_id, name).await? else {
            return Ok(None);
        };
        let role = Arc::new(role);
        self.roles.insert(Arc::clone(&role), loaded_at);
        Ok(Some(role))
    }

    /// After a write to role `role_id`: forgets it whatever the outcome (a
    /// failed commit may still have landed), then passes the outcome on.
    pub(super) fn role_changed<T>(&self, role_id: &str, outcome: Result<T>) -> Result<T> {
        self.roles.forget(role_id);
        outcome
    }

    pub async fn list_roles(
        &self,
        caller: &Caller,
        path_prefix: Option<&str>,
        marker: Option<&str>,
        max_items: Option<i64>,
    ) -> Result<Page<Role>> {
        let (prefix, max) = listing(path_prefix, marker, max_items)?;
        self.store
            .list_roles(&caller.account_id, prefix, marker, max)
            .await
    }

    /// UpdateRole and UpdateRoleDescription.
    pub async fn update_role(
        &self,
        caller: &Caller,
        name: &str,
        description: Option<&str>,
        max_session_duration: Option<i64>,
    ) -> Result<Role> {
        let mut v = Violations::new();
        v.name("roleName", name, 64);
        if let Some(d) = description {
            check_description(&mut v, d);
        }
        if let Some(d) = max_session_duration {
            v.range("maxSessionDuration", d, SESSION_MIN, SESSION_MAX);
        }
        v.finish()?;
        let role = self.role(&caller.account_id, name).await?;
        let update = RoleUpdate {
            description: description.map(str::to_owned),
            max_session_duration,
            trust_policy: None,
        };
        let audit = self.caller_audit(
            caller,
            "iam:UpdateRole",
            &role.arn(caller.partition),
            &serde_json::json!({ "roleName": role.name, "description": description, "maxSessionDuration": max_session_duration }),
        );
        let updated = self
            .store
            .update_role(&caller.account_id, name, &update, &audit)
            .await;
        self.role_changed(&role.role_id, updated)
    }

    pub async fn update_assume_role_policy(
        &self,
        caller: &Caller,
        name: &str,
        document: &str,
    ) -> Result<()> {
        let mut v = Violations::new();
        v.name("roleName", name, 64);
        v.finish()?;
        self.check_trust_policy("policyDocument", document)?;
        let role = self.role(&caller.account_id, name).await?;
        let update = RoleUpdate {
            trust_policy: Some(document.to_owned()),
            ..RoleUpdate::default()
        };
        let audit = self.caller_audit(
            caller,
            "iam:UpdateAssumeRolePolicy",
            &role.arn(caller.partition),
            &serde_json::json!({ "roleName": role.name }),
        );
        let updated = self
            .store
            .update_role(&caller.account_id, name, &update, &audit)
            .await;
        self.role_changed(&role.role_id, updated)?;
        self.trust.forget(&role.role_id);
        Ok(())
    }

    pub async fn delete_role(&self, caller: &Caller, name: &str) -> Result<()> {
        let role = self.role(&caller.account_id, name).await?;
        let audit = self.caller_audit(
            caller,
            "iam:DeleteRole",
            &role.arn(caller.partition),
            &serde_json::json!({ "roleName": role.name }),
        );
        let deleted = self
            .store
            .delete_role(&caller.account_id, name, &audit)
            .await;
        self.role_changed(&role.role_id, deleted)?;
        // Its sessions end with it (a new role of that name has another id).
        self.index.remove_role(&role.role_id);
        self.policies.clear();
        self.trust.forget(&role.role_id);
        Ok(())
    }

    pub async fn tag_role(&self, caller: &Caller, name: &str, tags: Vec<Tag>) -> Result<()> {
        self.check_tags(&tags)?;
        let role = self.role(&caller.account_id, name).await?;
        let merged = self.merge_tags(&role.tags, tags)?;
        let keys: Vec<&str> = merged.iter().map(|t| t.key.as_str()).collect();
        let audit = self.caller_audit(
            caller,
            "iam:TagRole",
            &role.arn(caller.partition),
            &serde_json::json!({ "roleName": role.name, "tagKeys": keys }),
        );
        let tagged = self
            .store
            .set_role_tags(&caller.account_id, &role.name, &merged, &audit)
            .await;
        self.role_changed(&role.role_id, tagged)?;
        // The role's tags are its sessions' aws:PrincipalTag values.
        self.policies.forget(&role.role_id);
        Ok(())
    }

    pub async fn untag_role(&self, caller: &Caller, name: &str, keys: &[String]) -> Result<()> {
        tags::check_tag_keys(keys)?;
        let role = self.role(&caller.account_id, name).await?;
        let kept = tags::without_keys(&role.tags, keys);
        let audit = self.caller_audit(
            caller,
            "iam:UntagRole",
            &role.arn(caller.partition),
            &serde_json::json!({ "roleName": role.name, "tagKeys": keys }),
        );
        let tagged = self
            .store
            .set_role_tags(&caller.account_id, &role.name, &kept, &audit)
            .await;
        self.role_changed(&role.role_id, tagged)?;
        // The role's tags are its sessions' aws:PrincipalTag values.
        self.policies.forget(&role.role_id);
        Ok(())
    }

    // Instance profiles

    pub async fn create_instance_profile(
        &self,
        caller: &Caller,
        name: &str,
        path: Option<&str>,
        tags: Vec<Tag>,
    ) -> Result<InstanceProfile> {
        let path = path.unwrap_or("/");
        let mut v = Violations::new();
        v.name("instanceProfileName", name, 128);
        v.path("path", path);
        v.finish()?;
        self.check_tags(&tags)?;
        let profile = InstanceProfile {
            account_id: caller.account_id.clone(),
            instance_profile_id: ids::new_id(IdKind::InstanceProfile, self.rng()),
            name: name.to_owned(),
            path: path.to_owned(),
            created: self.clock.now(),
            tags,
            roles: Vec::new(),
        };
        let audit = self.caller_audit(
            caller,
            "iam:CreateInstanceProfile",
            &profile.arn(caller.partition),
            &serde_json::json!({ "instanceProfileName": name, "path": path }),
        );
        self.store
            .create_instance_profile(&profile, self.quotas.instance_profiles_per_account, &audit)
            .await?;
        Ok(profile)
    }

    /// Finds an instance profile of the account or fails with AWS's NoSuchEntity.
    pub async fn instance_profile(&self, account_id: &str, name: &str) -> Result<InstanceProfile> {
        let mut v = Violations::new();
        v.name("instanceProfileName", name, 128);
        v.finish()?;
        self.store
            .instance_profile(account_id, name)
            .await?
            .ok_or_else(|| Error::no_such_instance_profile(name))
    }

    pub async fn list_instance_profiles(
        &self,
        caller: &Caller,
        path_prefix: Option<&str>,
        marker: Option<&str>,
        max_items: Option<i64>,
    ) -> Result<Page<InstanceProfile>> {
        let (prefix, max) = listing(path_prefix, marker, max_items)?;
        self.store
            .list_instance_profiles(&caller.account_id, prefix, marker, max)
            .await
    }

    pub async fn instance_profiles_for_role(
        &self,
        caller: &Caller,
        role_name: &str,
    ) -> Result<Vec<InstanceProfile>> {
        let role = self.role(&caller.account_id, role_name).await?;
        self.store.instance_profiles_for_role(&role.role_id).await
    }

    pub async fn delete_instance_profile(&self, caller: &Caller, name: &str) -> Result<()> {
        let profile = self.instance_profile(&caller.account_id, name).await?;
        let audit = self.caller_audit(
            caller,
            "iam:DeleteInstanceProfile",
            &profile.arn(caller.partition),
            &serde_json::json!({ "instanceProfileName": profile.name }),
        );
        self.store
            .delete_instance_profile(&caller.account_id, name, &audit)
            .await?;
        Ok(())
    }

    pub async fn add_role_to_instance_profile(
        &self,
        caller: &Caller,
        profile_name: &str,
        role_name: &str,
    ) -> Result<()> {
        let mut v = Violations::new();
        v.name("instanceProfileName", profile_name, 128);
        v.name("roleName", role_name, 64);
        v.finish()?;
        let profile = self
            .instance_profile(&caller.account_id, profile_name)
            .await?;
        let audit = self.caller_audit(
            caller,
            "iam:AddRoleToInstanceProfile",
            &profile.arn(caller.partition),
            &serde_json::json!({ "instanceProfileName": profile.name, "roleName": role_name }),
        );
        self.store
            .add_role_to_instance_profile(&caller.account_id, profile_name, role_name, &audit)
            .await
    }

    pub async fn remove_role_from_instance_profile(
        &self,
        caller: &Caller,
        profile_name: &str,
        role_name: &str,
    ) -> Result<()> {
        let mut v = Violations::new();
        v.name("instanceProfileName", profile_name, 128);
        v.name("roleName", role_name, 64);
        v.finish()?;
        let profile = self
            .instance_profile(&caller.account_id, profile_name)
            .await?;
        let audit = self.caller_audit(
            caller,
            "iam:RemoveRoleFromInstanceProfile",
            &profile.arn(caller.partition),
            &serde_json::json!({ "instanceProfileName": profile.name, "roleName": role_name }),
        );
        self.store
            .remove_role_from_instance_profile(&caller.account_id, profile_name, role_name, &audit)
            .await
    }

    pub async fn tag_instance_profile(
        &self,
        caller: &Caller,
        name: &str,
        tags: Vec<Tag>,
    ) -> Result<()> {
        self.check_tags(&tags)?;
        let profile = self.instance_profile(&caller.account_id, name).await?;
        let merged = self.merge_tags(&profile.tags, tags)?;
        let keys: Vec<&str> = merged.iter().map(|t| t.key.as_str()).collect();
        let audit = self.caller_audit(
            caller,
            "iam:TagInstanceProfile",
            &profile.arn(caller.partition),
            &serde_json::json!({ "instanceProfileName": profile.name, "tagKeys": keys }),
        );
        self.store
            .set_instance_profile_tags(&caller.account_id, &profile.name, &merged, &audit)
            .await
    }

    pub async fn untag_instance_profile(
        &self,
        caller: &Caller,
        name: &str,
        keys: &[String],
    ) -> Result<()> {
        tags::check_tag_keys(keys)?;
        let profile = self.instance_profile(&caller.account_id, name).await?;
        let kept = tags::without_keys(&profile.tags, keys);
        let audit = self.caller_audit(
            caller,
            "iam:UntagInstanceProfile",
            &profile.arn(caller.partition),
            &serde_json::json!({ "instanceProfileName": profile.name, "tagKeys": keys }),
        );
        self.store
            .set_instance_profile_tags(&caller.account_id, &profile.name, &kept, &audit)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_size_ignores_whitespace() {
        assert_eq!(policy_size("{ \"a\" :\n\t\"b\" }"), 9);
    }

    #[test]
    fn descriptions_and_documents_follow_the_model_patterns() {
        assert!(is_description("A role for EC2 café"));
        assert!(!is_description("bell\u{7}"));
        assert!(is_policy_text("{\"Version\": \"2012-10-17\"}\n"));
        assert!(!is_policy_text("\u{1F600}"));
    }
}
