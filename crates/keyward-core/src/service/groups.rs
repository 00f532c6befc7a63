//! IAM groups and their members.

use super::{Keyward, check_marker, listing, page_size};
use crate::caller::Caller;
use crate::ids::{self, IdKind};
use crate::model::{Group, User};
use crate::policies::{Entity, EntityKind};
use crate::store::{GroupUpdate, Page};
use crate::validate::Violations;
use crate::{Error, Result};

/// A group and one page of its members, as GetGroup returns them.
#[derive(Debug, Clone)]
pub struct GroupWithUsers {
    pub group: Group,
    pub users: Page<User>,
}

impl Keyward {
    pub async fn create_group(
        &self,
        caller: &Caller,
        name: &str,
        path: Option<&str>,
    ) -> Result<Group> {
        self.create_group_with(caller, name, path, &[]).await
    }

    /// CreateGroup, then AttachGroupPolicy for each of `policies`, checked
    /// as those calls check them and written in one transaction.
    pub async fn create_group_with(
        &self,
        caller: &Caller,
        name: &str,
        path: Option<&str>,
        policies: &[String],
    ) -> Result<Group> {
        let path = path.unwrap_or("/");
        let mut v = Violations::new();
        v.name("groupName", name, 128);
        v.path("path", path);
        v.finish()?;
        let group = Group {
            account_id: caller.account_id.clone(),
            group_id: ids::new_id(IdKind::Group, self.rng()),
            name: name.to_owned(),
            path: path.to_owned(),
            created: self.clock.now(),
        };
        let audit = self.caller_audit(
            caller,
            "iam:CreateGroup",
            &group.arn(caller.partition),
            &serde_json::json!({ "groupName": name, "path": path }),
        );
        let entity = Entity {
            kind: EntityKind::Group,
            account_id: group.account_id.clone(),
            id: group.group_id.clone(),
            name: group.name.clone(),
            path: group.path.clone(),
        };
        let attach = self.attachments(caller, &entity, policies)?;
        let max = self.quotas.groups_per_account;
        self.store
            .create_group(&group, max, &audit, &attach)
            .await?;
        Ok(group)
    }

    /// Finds a group of the account or fails with AWS's NoSuchEntity.
    pub async fn group(&self, account_id: &str, name: &str) -> Result<Group> {
        self.store
            .group(account_id, name)
            .await?
            .ok_or_else(|| Error::no_such_group(name))
    }

    pub async fn get_group(
        &self,
        caller: &Caller,
        name: &str,
        marker: Option<&str>,
        max_items: Option<i64>,
    ) -> Result<GroupWithUsers> {
        let max = page_size(max_items)?;
        let mut v = Violations::new();
        v.name("groupName", name, 128);
        check_marker(&mut v, marker);
        v.finish()?;
        let group = self.group(&caller.account_id, name).await?;
        let users = self
            .store
            .group_members(&group.group_id, marker, max)
            .await?;
        Ok(GroupWithUsers { group, users })
    }

    pub async fn list_groups(
        &self,
        caller: &Caller,
        path_prefix: Option<&str>,
        marker: Option<&str>,
        max_items: Option<i64>,
    ) -> Result<Page<Group>> {
        let (prefix, max) = listing(path_prefix, marker, max_items)?;
        self.store
            .list_groups(&caller.account_id, prefix, marker, max)
            .await
    }

    pub async fn update_group(
        &self,
        caller: &Caller,
        name: &str,
        new_name: Option<&str>,
        new_path: Option<&str>,
    ) -> Result<Group> {
        let mut v = Violations::new();
        v.name("groupName", name, 128);
        if let Some(n) = new_name {
            v.name("newGroupName", n, 128);
        }
        if let Some(p) = new_path {
            v.path("newPath", p);
        }
        v.finish()?;
        let group = self.group(&caller.account_id, name).await?;
        let update = GroupUpdate {
            new_name: new_name.map(str::to_owned),
            new_path: new_path.map(str::to_owned),
        };
        let audit = self.caller_audit(
            caller,
            "iam:UpdateGroup",
            &group.arn(caller.partition),
            &serde_json::json!({ "groupName": name, "newGroupName": new_name, "newPath": new_path }),
        );
        let updated = self
            .store
            .update_group(&caller.account_id, name, &update, &audit)
            .await?;
        // Group policies name the group's ARN: members' cached policies go.
        self.policies.clear();
        Ok(updated)
    }

    pub async fn delete_group(&self, caller: &Caller, name: &str) -> Result<()> {
        let mut v = Violations::new();
        v.name("groupName", name, 128);
        v.finish()?;
        let group = self.group(&caller.account_id, name).await?;
        let audit = self.caller_audit(
            caller,
            "iam:DeleteGroup",
            &group.arn(caller.partition),
            &serde_json::json!({ "groupName": name }),
        );
        self.store
            .delete_group(&caller.account_id, name, &audit)
            .await?;
        self.policies.clear();
        Ok(())
    }

    pub async fn add_user_to_group(
        &self,
        caller: &Caller,
        group_name: &str,
        user_name: &str,
    ) -> Result<()> {
        let mut v = Violations::new();
        v.name("groupName", group_name, 128);
        v.name("userName", user_name, 128);
        v.finish()?;
        let group = self.group(&caller.account_id, group_name).await?;
        let audit = self.caller_audit(
            caller,
            "iam:AddUserToGroup",
            &group.arn(caller.partition),
            &serde_json::json!({ "groupName": group.name, "userName": user_name }),
        );
        self.store
            .add_user_to_group(
                &caller.account_id,
                group_name,
                user_name,
                self.quotas.groups_per_user,
                &audit,
            )
            .await?;
        self.policies.clear();
        Ok(())
    }

    pub async fn remove_user_from_group(
        &self,
        caller: &Caller,
        group_name: &str,
        user_name: &str,
    ) -> Result<()> {
        let mut v = Violations::new();
        v.name("groupName", group_name, 128);
        v.name("userName", user_name, 128);
        v.finish()?;
        let group = self.group(&caller.account_id, group_name).await?;
        let audit = self.caller_audit(
            caller,
            "iam:RemoveUserFromGroup",
            &group.arn(caller.partition),
            &serde_json::json!({ "groupName": group.name, "userName": user_name }),
        );
        self.store
            .remove_user_from_group(&caller.account_id, group_name, user_name, &audit)
            .await?;
        self.policies.clear();
        Ok(())
    }

    /// The groups a user is in (at most `groups_per_user`, so one read).
    pub async fn groups_for_user(&self, caller: &Caller, user_name: &str) -> Result<Vec<Group>> {
        let mut v = Violations::new();
        v.name("userName", user_name, 128);
        v.finish()?;
        let user = self.user(&caller.account_id, user_name).await?;
        self.store.groups_for_user(&user.user_id).await
    }
}
