//! UserStore over SQL.

use async_trait::async_trait;

use crate::*;

#[async_trait]
impl keyward_core::store::UserStore for SqlStore {
    async fn create_user(&self, u: &User, audit: &AuditEvent) -> Result<()> {
        let (mut tx, seq) = self.write_tx(&u.account_id).await?;
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
            .execute(&mut *tx)
            .await;
        match res {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                return Err(Error::EntityAlreadyExists(format!(
                    "User with name {} already exists.",
                    u.name
                )));
            }
            Err(e) => return Err(storage(e)),
        }
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
        match res {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                return Err(Error::EntityAlreadyExists(format!(
                    "User with name {} already exists.",
                    user.name
                )));
            }
            Err(e) => return Err(storage(e)),
        }
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
