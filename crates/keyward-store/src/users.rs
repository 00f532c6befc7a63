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
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await
    }

    async fn user(&self, account_id: &str, name: &str) -> Result<Option<User>> {
        self.fetch_user(
            format!("SELECT {USER_COLUMNS} FROM users WHERE account_id = $1 AND name_lower = $2"),
            account_id,
            Some(&name.to_lowercase()),
        )
        .await
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
        let limit = i64::try_from(max).unwrap_or(1000) + 1;
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users WHERE account_id = $1 AND name_lower > $2 AND substr(path, 1, length($3)) = $3 ORDER BY name_lower LIMIT $4"
        )))
        .bind(account_id)
        .bind(marker.unwrap_or(""))
        .bind(path_prefix)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(storage)?;
        let mut items = rows.iter().map(user_from_row).collect::<Result<Vec<_>>>()?;
        let next_marker = if items.len() > max {
            items.truncate(max);
            items.last().map(|u| u.name.to_lowercase())
        } else {
            None
        };
        Ok(Page { items, next_marker })
    }

    async fn update_user(
        &self,
        account_id: &str,
        name: &str,
        update: &UserUpdate,
        audit: &AuditEvent,
    ) -> Result<User> {
        let (mut tx, seq) = self.write_tx(account_id).await?;
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users WHERE account_id = $1 AND name_lower = $2"
        )))
        .bind(account_id)
        .bind(name.to_lowercase())
        .fetch_optional(&mut *tx)
        .await
        .map_err(storage)?;
        let mut user = user_from_row(&row.ok_or_else(|| Error::no_such_user(name))?)?;
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
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await?;
        Ok(user)
    }

    async fn delete_user(&self, account_id: &str, name: &str, audit: &AuditEvent) -> Result<User> {
        let (mut tx, seq) = self.write_tx(account_id).await?;
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users WHERE account_id = $1 AND name_lower = $2"
        )))
        .bind(account_id)
        .bind(name.to_lowercase())
        .fetch_optional(&mut *tx)
        .await
        .map_err(storage)?;
        let user = user_from_row(&row.ok_or_else(|| Error::no_such_user(name))?)?;
        let refs: i64 = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM access_keys WHERE owner_user_id = $1) + (SELECT COUNT(*) FROM policy_attachments WHERE entity_kind = 'user' AND entity_id = $1) + (SELECT COUNT(*) FROM group_members WHERE user_id = $1)",
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
        let (mut tx, seq) = self.write_tx(account_id).await?;
        let json = serde_json::to_string(tags).map_err(storage)?;
        let done =
            sqlx::query("UPDATE users SET tags = $1 WHERE account_id = $2 AND name_lower = $3")
                .bind(json)
                .bind(account_id)
                .bind(name.to_lowercase())
                .execute(&mut *tx)
                .await
                .map_err(storage)?;
        if done.rows_affected() == 0 {
            return Err(Error::no_such_user(name));
        }
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await
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
