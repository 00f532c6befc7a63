//! UserStore over SQL.

use async_trait::async_trait;

use keyward_core::policies::{Entity, EntityKind};

use crate::*;

#[async_trait]
impl keyward_core::store::UserStore for SqlStore {
    async fn create_user(&self, u: &User, audit: &AuditEvent) -> Result<()> {
        let (mut tx, seq) = self.write_tx(&u.account_id).await?;
        Self::insert_user(&mut tx, u).await?;
        // Other replicas' user directories must list the new user.
        self.notify(
            &mut tx,
            &u.account_id,
            seq,
            &Change::User(u.user_id.clone()),
        )
        .await?;
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await
    }

    async fn create_user_with(&self, new: &NewUserRecords) -> Result<()> {
        let account_id = &new.user.account_id;
        let (mut tx, seq) = self.write_tx(account_id).await?;
        Self::insert_user(&mut tx, &new.user).await?;
        self.notify(
            &mut tx,
            account_id,
            seq,
            &Change::User(new.user.user_id.clone()),
        )
        .await?;
        Self::write_audit(&mut tx, seq, &new.audit).await?;
        if let Some((profile, audit)) = &new.login_profile {
            let seq = Self::next_seq(&mut tx, account_id).await?;
            Self::insert_login_profile(&mut tx, profile).await?;
            Self::write_audit(&mut tx, seq, audit).await?;
        }
        for (group, audit) in &new.groups {
            let seq = Self::next_seq(&mut tx, account_id).await?;
            let user = &new.user.name;
            let max = new.max_groups_per_user;
            self.add_member_in_tx(&mut tx, seq, account_id, group, user, max)
                .await?;
            Self::write_audit(&mut tx, seq, audit).await?;
        }
        let entity = Entity {
            kind: EntityKind::User,
            account_id: account_id.clone(),
            id: new.user.user_id.clone(),
            name: new.user.name.clone(),
            path: new.user.path.clone(),
        };
        self.attach_all_in_tx(&mut tx, &entity, &new.policies)
            .await?;
        if let Some((key, audit)) = &new.access_key {
            let seq = Self::next_seq(&mut tx, account_id).await?;
            Self::insert_key_in_tx(&mut tx, key, new.max_keys).await?;
            Self::write_audit(&mut tx, seq, audit).await?;
        }
        Self::commit(tx).await
    }

    async fn user(&self, account_id: &str, name: &str) -> Result<Option<User>> {
        USERS.by_name(&self.pool, account_id, name).await
    }

    async fn user_by_id(&self, user_id: &str) -> Result<Option<User>> {
        self.fetch_user(
            format!("SELECT {USER_COLUMNS} FROM users WHERE user_id = $1"),
            user_id,
            None,
        )
        .await
    }

    async fn list_users(
        &self,
        account_id: &str,
        path_prefix: &str,
        marker: Option<&str>,
        max: usize,
    ) -> Result<Page<User>> {
        USERS
            .list(&self.pool, account_id, path_prefix, marker, max)
            .await
    }

    async fn update_user(
        &self,
        account_id: &str,
        name: &str,
        update: &UserUpdate,
        audit: &AuditEvent,
    ) -> Result<User> {
        let (mut tx, seq) = self.write_tx(account_id).await?;
        let mut user = USERS
            .by_name(&mut *tx, account_id, name)
            .await?
            .ok_or_else(|| Error::no_such_user(name))?;
        if let Some(n) = &update.new_name {
            user.name.clone_from(n);
        }
        if let Some(p) = &update.new_path {
            user.path.clone_from(p);
        }
        let res = sqlx::query(
            "UPDATE users SET name = $1, name_lower = $2, path = $3 WHERE user_id = $4",
        )
        .bind(&user.name)
        .bind(user.name.to_lowercase())
        .bind(&user.path)
        .bind(&user.user_id)
        .execute(&mut *tx)
        .await;
        unless_taken(res, || {
            format!("User with name {} already exists.", user.name)
        })?;
        self.notify(
            &mut tx,
            account_id,
            seq,
            &Change::User(user.user_id.clone()),
        )
        .await?;
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await?;
        Ok(user)
    }

    async fn delete_user(&self, account_id: &str, name: &str, audit: &AuditEvent) -> Result<User> {
        let (mut tx, seq) = self.write_tx(account_id).await?;
        let user = USERS
            .by_name(&mut *tx, account_id, name)
            .await?
            .ok_or_else(|| Error::no_such_user(name))?;
        let refs: i64 = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM access_keys WHERE owner_user_id = $1) \
               + (SELECT COUNT(*) FROM policy_attachments WHERE entity_kind = 'user' AND entity_id = $1) \
               + (SELECT COUNT(*) FROM inline_policies WHERE entity_kind = 'user' AND entity_id = $1) \
               + (SELECT COUNT(*) FROM login_profiles WHERE user_id = $1) \
               + (SELECT COUNT(*) FROM group_members WHERE user_id = $1) \
               + (SELECT COUNT(*) FROM mfa_devices WHERE owner_user_id = $1) \
               + (SELECT COUNT(*) FROM security_keys WHERE owner_user_id = $1)",
        )
        .bind(&user.user_id)
        .fetch_one(&mut *tx)
        .await
        .map_err(storage)?
        .try_get(0)
        .map_err(storage)?;
        if refs > 0 {
            return Err(Error::DeleteConflict(
                "Cannot delete entity, must remove referenced objects first.".into(),
            ));
        }
        sqlx::query("DELETE FROM users WHERE user_id = $1")
            .bind(&user.user_id)
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        self.notify(
            &mut tx,
            account_id,
            seq,
            &Change::User(user.user_id.clone()),
        )
        .await?;
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await?;
        Ok(user)
    }

    async fn set_user_tags(
        &self,
        account_id: &str,
        name: &str,
        tags: &[Tag],
        audit: &AuditEvent,
    ) -> Result<()> {
        let lower = name.to_lowercase();
        if !self
            .replace_tags(
                "users",
                "name_lower",
                account_id,
                &lower,
                tags,
                audit,
                Some(("user_id", Change::User)),
            )
            .await?
        {
            return Err(Error::no_such_user(name));
        }
        Ok(())
    }

    async fn count_users(&self, account_id: &str) -> Result<u64> {
        let n: i64 = sqlx::query("SELECT COUNT(*) FROM users WHERE account_id = $1")
            .bind(account_id)
            .fetch_one(&self.pool)
            .await
            .map_err(storage)?
            .try_get(0)
            .map_err(storage)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

impl SqlStore {
    async fn insert_user(tx: &mut Transaction<'static, Any>, u: &User) -> Result<()> {
        let tags = serde_json::to_string(&u.tags).map_err(storage)?;
        let res = sqlx::query("INSERT INTO users (user_id, account_id, name, name_lower, path, created, password_last_used, permissions_boundary, tags) VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, $8)")
            .bind(&u.user_id)
            .bind(&u.account_id)
            .bind(&u.name)
            .bind(u.name.to_lowercase())
            .bind(&u.path)
            .bind(u.created.unix_timestamp())
            .bind(&u.permissions_boundary)
            .bind(tags)
            .execute(&mut **tx)
            .await;
        unless_taken(res, || format!("User with name {} already exists.", u.name)).map(drop)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use keyward_core::clock::SystemClock;
    use keyward_core::crypto::{Kek, Secret};
    use keyward_core::random::OsRandom;
    use keyward_core::service::{Keyward, NewUserInput};
    use keyward_core::store::{AuditStore, LoginStore, UserStore};

    use super::*;

    async fn keyward(label: &str) -> (Keyward, Arc<SqlStore>) {
        let (store, _) = test_support::fresh_sqlite_store(label).await;
        let store = Arc::new(store);
        let kw = Keyward::new(
            store.clone(),
            Arc::new(SystemClock),
            Arc::new(OsRandom),
            Kek::from_bytes([7; 32]),
        );
        (kw, store)
    }

    async fn audit_count(store: &SqlStore, account: &str) -> usize {
        store
            .audit_events(account, OffsetDateTime::UNIX_EPOCH)
            .await
            .expect("audit")
            .len()
    }

    /// The console's Create user writes every part, each with its own audit
    /// event, or nothing at all when a part is refused inside the write.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn creates_with_parts_are_all_or_nothing() {
        let (kw, store) = keyward("create-user-with").await;
        let account = kw
            .create_account(
                "root@example.com",
                &Secret::new("Correct-Horse-1"),
                None,
                None,
            )
            .await
            .expect("account");
        let acct = account.account_id.clone();
        let root = kw.root_caller(&acct);
        kw.create_group(&root, "Readers", None)
            .await
            .expect("group");
        let password = Secret::new("Us3r-Console-Pass!");
        let groups = vec!["readers".to_owned()];
        let policies = vec!["arn:aws:iam::aws:policy/ReadOnlyAccess".to_owned()];
        let before = audit_count(&store, &acct).await;
        let (user, key) = kw
            .create_user_with(
                &root,
                &NewUserInput {
                    name: "ann",
                    password: Some((&password, true)),
                    groups: &groups,
                    policies: &policies,
                    access_key: true,
                },
            )
            .await
            .expect("created");
        let key = key.expect("a key");
        assert_eq!(key.user_name.as_deref(), Some("ann"));
        let profile = store
            .login_profile(&user.user_id)
            .await
            .expect("read")
            .expect("profile");
        assert!(profile.password_reset_required);
        assert_eq!(
            kw.groups_for_user(&root, "ann")
                .await
                .expect("groups")
                .len(),
            1
        );
        assert_eq!(audit_count(&store, &acct).await, before + 5);

        // A customer policy that does not exist is found out inside the
        // transaction, after the user, password and group were written.
        let missing = vec![format!("arn:aws:iam::{acct}:policy/nope")];
        let before = audit_count(&store, &acct).await;
        let err = kw
            .create_user_with(
                &root,
                &NewUserInput {
                    name: "bea",
                    password: Some((&password, false)),
                    groups: &groups,
                    policies: &missing,
                    access_key: true,
                },
            )
            .await
            .expect_err("refused");
        assert!(matches!(err, Error::NoSuchEntity(_)), "{err:?}");
        assert!(store.user(&acct, "bea").await.expect("read").is_none());
        assert_eq!(audit_count(&store, &acct).await, before);
        let members = kw
            .get_group(&root, "Readers", None, None)
            .await
            .expect("group");
        assert_eq!(members.users.items.len(), 1);

        // A group or role created with a policy: the same, all or nothing.
        let before = audit_count(&store, &acct).await;
        let both = vec![policies[0].clone(), missing[0].clone()];
        let err = kw
            .create_group_with(&root, "Ops", None, &both)
            .await
            .expect_err("refused");
        assert!(matches!(err, Error::NoSuchEntity(_)), "{err:?}");
        assert!(kw.group(&acct, "Ops").await.is_err());
        let trust = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{acct}:root"}},"Action":"sts:AssumeRole"}}]}}"#
        );
        let role = |name| keyward_core::service::NewRole {
            name,
            trust_policy: &trust,
            ..keyward_core::service::NewRole::default()
        };
        let err = kw
            .create_role_with(&root, role("runner"), &missing)
            .await
            .expect_err("refused");
        assert!(matches!(err, Error::NoSuchEntity(_)), "{err:?}");
        assert!(kw.role(&acct, "runner").await.is_err());
        assert_eq!(audit_count(&store, &acct).await, before);
        kw.create_role_with(&root, role("runner"), &policies)
            .await
            .expect("role");
        assert_eq!(audit_count(&store, &acct).await, before + 2);
    }
}
