//! The console's Create user: a user with its console password, groups,
//! managed policies and access key, written in one transaction.

use super::logins::check_password_shape;
use super::{Keyward, NewAccessKey};
use crate::Result;
use crate::caller::Caller;
use crate::crypto::Secret;
use crate::model::{KeyOwner, User};
use crate::policies::{Entity, EntityKind};
use crate::store::NewUserRecords;
use crate::validate::Violations;

/// What one Create user makes.
#[derive(Debug)]
pub struct NewUserInput<'a> {
    pub name: &'a str,
    /// The console password, and whether it must be changed at next sign-in.
    pub password: Option<(&'a Secret, bool)>,
    pub groups: &'a [String],
    /// Managed policy ARNs to attach.
    pub policies: &'a [String],
    pub access_key: bool,
}

impl Keyward {
    /// CreateUser, CreateLoginProfile, AddUserToGroup, AttachUserPolicy and
    /// CreateAccessKey as one write: each part is checked as its own call
    /// checks it, then all are stored in one transaction (with one audit
    /// event each), so any refusal leaves nothing behind.
    pub async fn create_user_with(
        &self,
        caller: &Caller,
        input: &NewUserInput<'_>,
    ) -> Result<(User, Option<NewAccessKey>)> {
        let (user, audit) = self
            .new_user(caller, input.name, None, None, Vec::new())
            .await?;
        let login_profile = match input.password {
            None => None,
            Some((password, reset_required)) => {
                let mut v = Violations::new();
                check_password_shape(&mut v, "password", password);
                v.finish()?;
                let profile = self
                    .new_login_profile(caller, &user, password, reset_required)
                    .await?;
                Some(profile)
            }
        };
        let mut groups = Vec::with_capacity(input.groups.len());
        for name in input.groups {
            let mut v = Violations::new();
            v.name("groupName", name, 128);
            v.finish()?;
            let group = self.group(&caller.account_id, name).await?;
            let audit = self.caller_audit(
                caller,
                "iam:AddUserToGroup",
                &group.arn(caller.partition),
                &serde_json::json!({ "groupName": group.name, "userName": user.name }),
            );
            groups.push((group.name, audit));
        }
        let entity = Entity {
            kind: EntityKind::User,
            account_id: user.account_id.clone(),
            id: user.user_id.clone(),
            name: user.name.clone(),
            path: user.path.clone(),
        };
        let policies = self.attachments(caller, &entity, input.policies)?;
        let key = input.access_key.then(|| {
            let owner = KeyOwner::User(user.user_id.clone());
            self.new_access_key(caller, owner, Some(&user))
        });
        let records = NewUserRecords {
            user: user.clone(),
            audit,
            login_profile,
            groups,
            max_groups_per_user: self.quotas.groups_per_user,
            policies,
            access_key: key.as_ref().map(|(k, _, a)| (k.clone(), a.clone())),
            max_keys: self.quotas.access_keys_per_user,
        };
        let created = self.store.create_user_with(&records).await;
        self.users_changed(&caller.account_id, created)?;
        let key = key.map(|(key, secret, _)| NewAccessKey {
            key,
            user_name: Some(user.name.clone()),
            secret,
        });
        Ok((user, key))
    }
}
