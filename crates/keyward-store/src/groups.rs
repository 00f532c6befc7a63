//! GroupStore over SQL: groups and their members.

use async_trait::async_trait;
use keyward_core::feed::Change;
use keyward_core::model::{AuditEvent, Group, User};
use keyward_core::policies::{Entity, EntityKind};
use keyward_core::store::{Attachments, GroupUpdate, Page};
use keyward_core::{Error, Result};
use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Row, Transaction};

use crate::named::{Named, page};
use crate::rows::{from_unix, user_from_row};
use crate::{SqlStore, USER_COLUMNS, storage, unless_taken};

const GROUP_COLUMNS: &str = "group_id, account_id, name, path, created";

const GROUPS: Named<Group> = Named {
    table: "iam_groups",
    columns: GROUP_COLUMNS,
    from_row: group_from_row,
    name: group_name,
};

fn group_name(g: &Group) -> &str {
    &g.name
}

fn group_from_row(r: &AnyRow) -> Result<Group> {
    Ok(Group {
        group_id: r.try_get("group_id").map_err(storage)?,
        account_id: r.try_get("account_id").map_err(storage)?,
        name: r.try_get("name").map_err(storage)?,
        path: r.try_get("path").map_err(storage)?,
        created: from_unix(r.try_get("created").map_err(storage)?)?,
    })
}

/// `COUNT(*)`-style query with one bound text parameter.
pub(crate) async fn count(
    tx: &mut Transaction<'static, Any>,
    sql: &'static str,
    arg: &str,
) -> Result<i64> {
    sqlx::query(sql)
        .bind(arg)
        .fetch_one(&mut **tx)
        .await
        .map_err(storage)?
        .try_get(0)
        .map_err(storage)
}

async fn group_in_tx(
    tx: &mut Transaction<'static, Any>,
    account_id: &str,
    name: &str,
) -> Result<Group> {
    GROUPS
        .by_name(&mut **tx, account_id, name)
        .await?
        .ok_or_else(|| Error::no_such_group(name))
}

async fn user_id_in_tx(
    tx: &mut Transaction<'static, Any>,
    account_id: &str,
    name: &str,
) -> Result<String> {
    let row = sqlx::query("SELECT user_id FROM users WHERE account_id = $1 AND name_lower = $2")
        .bind(account_id)
        .bind(name.to_lowercase())
        .fetch_optional(&mut **tx)
        .await
        .map_err(storage)?;
    row.ok_or_else(|| Error::no_such_user(name))?
        .try_get(0)
        .map_err(storage)
}

fn group_exists(name: &str) -> String {
    format!("Group with name {name} already exists.")
}

#[async_trait]
impl keyward_core::store::GroupStore for SqlStore {
    async fn create_group(
        &self,
        g: &Group,
        max_groups: u64,
        audit: &AuditEvent,
        attach: &Attachments,
    ) -> Result<()> {
        let (mut tx, seq) = self.write_tx(&g.account_id).await?;
        let n = count(
            &mut tx,
            "SELECT COUNT(*) FROM iam_groups WHERE account_id = $1",
            &g.account_id,
        )
        .await?;
        if u64::try_from(n).unwrap_or(0) >= max_groups {
            return Err(Error::LimitExceeded(format!(
                "Cannot exceed quota for GroupsPerAccount: {max_groups}"
            )));
        }
        let res = sqlx::query("INSERT INTO iam_groups (group_id, account_id, name, name_lower, path, created) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(&g.group_id)
            .bind(&g.account_id)
            .bind(&g.name)
            .bind(g.name.to_lowercase())
            .bind(&g.path)
            .bind(g.created.unix_timestamp())
            .execute(&mut *tx)
            .await;
        unless_taken(res, || group_exists(&g.name))?;
        Self::write_audit(&mut tx, seq, audit).await?;
        let entity = Entity {
            kind: EntityKind::Group,
            account_id: g.account_id.clone(),
            id: g.group_id.clone(),
            name: g.name.clone(),
            path: g.path.clone(),
        };
        self.attach_all_in_tx(&mut tx, &entity, attach).await?;
        Self::commit(tx).await
    }

    async fn group(&self, account_id: &str, name: &str) -> Result<Option<Group>> {
        GROUPS.by_name(&self.pool, account_id, name).await
    }

    async fn list_groups(
        &self,
        account_id: &str,
        path_prefix: &str,
        marker: Option<&str>,
        max: usize,
    ) -> Result<Page<Group>> {
        GROUPS
            .list(&self.pool, account_id, path_prefix, marker, max)
            .await
    }

    async fn update_group(
        &self,
        account_id: &str,
        name: &str,
        update: &GroupUpdate,
        audit: &AuditEvent,
    ) -> Result<Group> {
        let (mut tx, seq) = self.write_tx(account_id).await?;
        let mut group = group_in_tx(&mut tx, account_id, name).await?;
        if let Some(n) = &update.new_name {
            group.name.clone_from(n);
        }
        if let Some(p) = &update.new_path {
            group.path.clone_from(p);
        }
        let res = sqlx::query(
            "UPDATE iam_groups SET name = $1, name_lower = $2, path = $3 WHERE group_id = $4",
        )
        .bind(&group.name)
        .bind(group.name.to_lowercase())
        .bind(&group.path)
        .bind(&group.group_id)
        .execute(&mut *tx)
        .await;
        unless_taken(res, || group_exists(&group.name))?;
        self.notify(
            &mut tx,
            account_id,
            seq,
            &Change::Group(group.group_id.clone()),
        )
        .await?;
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await?;
        Ok(group)
    }

    async fn delete_group(
        &self,
        account_id: &str,
        name: &str,
        audit: &AuditEvent,
    ) -> Result<Group> {
        let (mut tx, seq) = self.write_tx(account_id).await?;
        let group = group_in_tx(&mut tx, account_id, name).await?;
        let conflicts: [(&'static str, &str); 3] = [
            (
                "SELECT COUNT(*) FROM group_members WHERE group_id = $1",
                "Cannot delete entity, must remove users from group first.",
            ),
            (
                "SELECT COUNT(*) FROM inline_policies WHERE entity_kind = 'group' AND entity_id = $1",
                "Cannot delete entity, must delete policies first.",
            ),
            (
                "SELECT COUNT(*) FROM policy_attachments WHERE entity_kind = 'group' AND entity_id = $1",
                "Cannot delete entity, must detach all policies first.",
            ),
        ];
        for (sql, message) in conflicts {
            if count(&mut tx, sql, &group.group_id).await? > 0 {
                return Err(Error::DeleteConflict(message.into()));
            }
        }
        sqlx::query("DELETE FROM iam_groups WHERE group_id = $1")
            .bind(&group.group_id)
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        self.notify(
            &mut tx,
            account_id,
            seq,
            &Change::Group(group.group_id.clone()),
        )
        .await?;
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await?;
        Ok(group)
    }

    async fn add_user_to_group(
        &self,
        account_id: &str,
        group_name: &str,
        user_name: &str,
        max_groups_per_user: usize,
        audit: &AuditEvent,
    ) -> Result<bool> {
        let (mut tx, seq) = self.write_tx(account_id).await?;
        let max = max_groups_per_user;
        if !self
            .add_member_in_tx(&mut tx, seq, account_id, group_name, user_name, max)
            .await?
        {
            return Ok(false);
        }
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await?;
        Ok(true)
    }

    async fn remove_user_from_group(
        &self,
        account_id: &str,
        group_name: &str,
        user_name: &str,
        audit: &AuditEvent,
    ) -> Result<()> {
        let (mut tx, seq) = self.write_tx(account_id).await?;
        let group = group_in_tx(&mut tx, account_id, group_name).await?;
        let user_id = user_id_in_tx(&mut tx, account_id, user_name).await?;
        let done = sqlx::query("DELETE FROM group_members WHERE group_id = $1 AND user_id = $2")
            .bind(&group.group_id)
            .bind(&user_id)
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        if done.rows_affected() == 0 {
            return Err(Error::no_such_user(user_name));
        }
        self.notify(&mut tx, account_id, seq, &Change::User(user_id.clone()))
            .await?;
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await
    }

    async fn group_members(
        &self,
        group_id: &str,
        marker: Option<&str>,
        max: usize,
    ) -> Result<Page<User>> {
        let limit = i64::try_from(max).unwrap_or(1000) + 1;
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users WHERE user_id IN (SELECT user_id FROM group_members WHERE group_id = $1) AND name_lower > $2 ORDER BY name_lower LIMIT $3"
        )))
        .bind(group_id)
        .bind(marker.unwrap_or(""))
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(storage)?;
        let items = rows.iter().map(user_from_row).collect::<Result<Vec<_>>>()?;
        Ok(page(items, max, |u| u.name.to_lowercase()))
    }

    async fn groups_for_user(&self, user_id: &str) -> Result<Vec<Group>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {GROUP_COLUMNS} FROM iam_groups WHERE group_id IN (SELECT group_id FROM group_members WHERE user_id = $1) ORDER BY name_lower"
        )))
        .bind(user_id)
        .fetch_all(&self.pool)
        .await
        .map_err(storage)?;
        rows.iter().map(group_from_row).collect()
    }
}

impl SqlStore {
    /// Adds a user to a group in `tx`; false when it was a member already.
    pub(crate) async fn add_member_in_tx(
        &self,
        tx: &mut Transaction<'static, Any>,
        seq: i64,
        account_id: &str,
        group_name: &str,
        user_name: &str,
        max_groups_per_user: usize,
    ) -> Result<bool> {
        let group = group_in_tx(tx, account_id, group_name).await?;
        let user_id = user_id_in_tx(tx, account_id, user_name).await?;
        let already: i64 =
            sqlx::query("SELECT COUNT(*) FROM group_members WHERE group_id = $1 AND user_id = $2")
                .bind(&group.group_id)
                .bind(&user_id)
                .fetch_one(&mut **tx)
                .await
                .map_err(storage)?
                .try_get(0)
                .map_err(storage)?;
        if already > 0 {
            return Ok(false);
        }
        let n = count(
            tx,
            "SELECT COUNT(*) FROM group_members WHERE user_id = $1",
            &user_id,
        )
        .await?;
        if usize::try_from(n).unwrap_or(usize::MAX) >= max_groups_per_user {
            return Err(Error::LimitExceeded(format!(
                "Cannot exceed quota for GroupsPerUser: {max_groups_per_user}"
            )));
        }
        sqlx::query("INSERT INTO group_members (group_id, user_id, added_seq) VALUES ($1, $2, $3)")
            .bind(&group.group_id)
            .bind(&user_id)
            .bind(seq)
            .execute(&mut **tx)
            .await
            .map_err(storage)?;
        self.notify(tx, account_id, seq, &Change::User(user_id.clone()))
            .await?;
        Ok(true)
    }
}
