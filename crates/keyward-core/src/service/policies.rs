//! Managed policies attached to users, and authorization.

use std::sync::Arc;

use super::Keyward;
use crate::authz::{self, AppliedPolicy};
use crate::caller::{Caller, Principal};
use crate::model::AttachedPolicy;
use crate::validate::Violations;
use crate::{Error, Result};

impl Keyward {
    pub async fn attach_user_policy(
        &self,
        caller: &Caller,
        user_name: &str,
        policy_arn: &str,
    ) -> Result<()> {
        let mut v = Violations::new();
        v.name("userName", user_name, 128);
        v.text("policyArn", policy_arn, 20, 2048, None);
        v.finish()?;
        authz::check_arn(policy_arn)?;
        let user = self.user(&caller.account_id, user_name).await?;
        let (managed, _) = self.catalog.get(policy_arn).ok_or_else(|| {
            Error::NoSuchEntity(format!(
                "Policy {policy_arn} does not exist or is not attachable."
            ))
        })?;
        let policy = AttachedPolicy {
            policy_name: managed.name.to_owned(),
            policy_arn: managed.arn.to_owned(),
        };
        let audit = self.caller_audit(
            caller,
            "iam:AttachUserPolicy",
            &user.arn(caller.partition),
            &serde_json::json!({ "userName": user.name, "policyArn": policy_arn }),
        );
        let quota = self.quotas.attached_policies_per_user;
        self.store
            .attach_user_policy(&caller.account_id, &user.user_id, &policy, quota, &audit)
            .await?;
        self.policies.forget(&user.user_id);
        Ok(())
    }

    pub async fn detach_user_policy(
        &self,
        caller: &Caller,
        user_name: &str,
        policy_arn: &str,
    ) -> Result<()> {
        let mut v = Violations::new();
        v.name("userName", user_name, 128);
        v.text("policyArn", policy_arn, 20, 2048, None);
        v.finish()?;
        authz::check_arn(policy_arn)?;
        let user = self.user(&caller.account_id, user_name).await?;
        let audit = self.caller_audit(
            caller,
            "iam:DetachUserPolicy",
            &user.arn(caller.partition),
            &serde_json::json!({ "userName": user.name, "policyArn": policy_arn }),
        );
        if !self
            .store
            .detach_user_policy(&caller.account_id, &user.user_id, policy_arn, &audit)
            .await?
        {
            return Err(Error::NoSuchEntity(format!(
                "Policy {policy_arn} was not found."
            )));
        }
        self.policies.forget(&user.user_id);
        Ok(())
    }

    /// Decides whether the caller may perform `action` on `resource`. Root
    /// bypasses IAM policies; users are judged by their policies, from memory.
    pub async fn authorize(&self, caller: &Caller, action: &str, resource: &str) -> Result<()> {
        let Principal::User { user_id, .. } = &caller.principal else {
            return Ok(());
        };
        let policies = self.user_policies(&caller.account_id, user_id).await?;
        let ctx = authz::request_context(caller, action, resource, self.clock.now());
        authz::decide(&ctx, &policies)
    }

    async fn user_policies(
        &self,
        account_id: &str,
        user_id: &str,
    ) -> Result<Arc<Vec<AppliedPolicy>>> {
        if let Some(p) = self.policies.get(user_id) {
            return Ok(p);
        }
        let generation = self.policies.generation();
        let attached = self
            .store
            .attached_user_policies(account_id, user_id)
            .await?;
        let applied: Vec<AppliedPolicy> = attached
            .iter()
            .filter_map(|a| {
                self.catalog.get(&a.policy_arn).map(|(_, c)| AppliedPolicy {
                    id: a.policy_arn.clone(),
                    policy_type: keyward_policy::PolicyType::Identity,
                    compiled: Arc::clone(c),
                })
            })
            .collect();
        let applied = Arc::new(applied);
        self.policies
            .insert(user_id, Arc::clone(&applied), generation);
        Ok(applied)
    }

    pub async fn attached_user_policies(
        &self,
        account_id: &str,
        user_id: &str,
    ) -> Result<Vec<AttachedPolicy>> {
        self.store.attached_user_policies(account_id, user_id).await
    }
}
