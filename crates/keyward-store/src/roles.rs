//! RoleStore and InstanceProfileStore over SQL.

use async_trait::async_trait;
use keyward_core::feed::Change;
use keyward_core::model::{AuditEvent, InstanceProfile, Role, RoleLastUsed, Tag};
use keyward_core::policies::{Entity, EntityKind};
use keyward_core::store::{Attachments, Page, RoleUpdate};
use keyward_core::{Error, Result};
use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Row, Transaction};

use crate::groups::count;
use crate::named::Named;
use crate::rows::from_unix;
use crate::{SqlStore, storage, unless_taken};

const ROLE_COLUMNS: &str = "role_id, account_id, name, path, created, description, max_session_duration, trust_policy, permissions_boundary, tags, last_used_at, last_used_region";
const PROFILE_COLUMNS: &str = "instance_profile_id, account_id, name, path, created, tags";

const ROLES: Named<Role> = Named {
    table: "roles",
    columns: ROLE_COLUMNS,
    from_row: role_from_row,
    name: role_name,
};

const PROFILES: Named<InstanceProfile> = Named {
    table: "instance_profiles",
    columns: PROFILE_COLUMNS,
    from_row: profile_from_row,
    name: profile_name,
};

fn role_name(r: &Role) -> &str {
    &r.name
}

fn profile_name(p: &InstanceProfile) -> &str {
    &p.name
}

fn role_from_row(r: &AnyRow) -> Result<Role> {
    let tags: String = r.try_get("tags").map_err(storage)?;
    let last: Option<i64> = r.try_get("last_used_at").map_err(storage)?;
    let last_used = match last {
        Some(at) => Some(RoleLastUsed {
            at: from_unix(at)?,
            region: r.try_get("last_used_region").map_err(storage)?,
        }),
        None => None,
    };
    Ok(Role {
        role_id: r.try_get("role_id").map_err(storage)?,
        account_id: r.try_get("account_id").map_err(storage)?,
        name: r.try_get("name").map_err(storage)?,
        path: r.try_get("path").map_err(storage)?,
        created: from_unix(r.try_get("created").map_err(storage)?)?,
        description: r.try_get("description").map_err(storage)?,
        max_session_duration: r.try_get("max_session_duration").map_err(storage)?,
        trust_policy: r.try_get("trust_policy").map_err(storage)?,
        permissions_boundary: r.try_get("permissions_boundary").map_err(storage)?,
        tags: serde_json::from_str(&tags).map_err(storage)?,
        last_used,
    })
}

/// A profile row without its roles.
fn profile_from_row(r: &AnyRow) -> Result<InstanceProfile> {
    let tags: String = r.try_get("tags").map_err(storage)?;
    Ok(InstanceProfile {
        instance_profile_id: r.try_get("instance_profile_id").map_err(storage)?,
        account_id: r.try_get("account_id").map_err(storage)?,
        name: r.try_get("name").map_err(storage)?,
        path: r.try_get("path").map_err(storage)?,
        created: from_unix(r.try_get("created").map_err(storage)?)?,
        tags: serde_json::from_str(&tags).map_err(storage)?,
        roles: Vec::new(),
    })
}

async fn role_in_tx(
    tx: &mut Transaction<'static, Any>,
    account_id: &str,
    name: &str,
) -> Result<Role> {
    ROLES
        .by_name(&mut **tx, account_id, name)
        .await?
        .ok_or_else(|| Error::no_such_role(name))
}

async fn profile_in_tx(
    tx: &mut Transaction<'static, Any>,
    account_id: &str,
    name: &str,
) -> Result<InstanceProfile> {
    PROFILES
        .by_name(&mut **tx, account_id, name)
        .await?
        .ok_or_else(|| Error::no_such_instance_profile(name))
}

impl SqlStore {
    /// Fills in each profile's role.
    async fn with_roles(&self, mut profiles: Vec<InstanceProfile>) -> Result<Vec<InstanceProfile>> {
        for p in &mut profiles {
            let rows = sqlx::query(AssertSqlSafe(format!(
                "SELECT {ROLE_COLUMNS} FROM roles WHERE role_id IN (SELECT role_id FROM instance_profile_roles WHERE instance_profile_id = $1) ORDER BY name_lower"
            )))
            .bind(&p.instance_profile_id)
            .fetch_all(&self.pool)
            .await
            .map_err(storage)?;
            p.roles = rows.iter().map(role_from_row).collect::<Result<_>>()?;
        }
        Ok(profiles)
    }
}

#[async_trait]
impl keyward_core::store::RoleStore for SqlStore {
    async fn create_role(
        &self,
        r: &Role,
        max_roles: u64,
        audit: &AuditEvent,
        attach: &Attachments,
    ) -> Result<()> {
        let (mut tx, seq) = self.write_tx(&r.account_id).await?;
        let n = count(
            &mut tx,
            "SELECT COUNT(*) FROM roles WHERE account_id = $1",
            &r.account_id,
        )
        .await?;
        if u64::try_from(n).unwrap_or(0) >= max_roles {
            return Err(Error::LimitExceeded(format!(
                "Cannot exceed quota for RolesPerAccount: {max_roles}"
            )));
        }
        if let Some(b) = &r.permissions_boundary
            && b.split(':').nth(4) != Some("aws")
            && count(
                &mut tx,
                "SELECT COUNT(*) FROM managed_policies WHERE arn = $1",
                b,
            )
            .await?
                == 0
        {
            return Err(Error::NoSuchEntity(format!(
                "Policy {b} does not exist or is not attachable."
            )));
        }
        let tags = serde_json::to_string(&r.tags).map_err(storage)?;
        let res = sqlx::query("INSERT INTO roles (role_id, account_id, name, name_lower, path, created, description, max_session_duration, trust_policy, permissions_boundary, tags, last_used_at, last_used_region) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL, NULL)")
            .bind(&r.role_id)
            .bind(&r.account_id)
            .bind(&r.name)
            .bind(r.name.to_lowercase())
            .bind(&r.path)
            .bind(r.created.unix_timestamp())
            .bind(&r.description)
            .bind(r.max_session_duration)
            .bind(&r.trust_policy)
            .bind(&r.permissions_boundary)
            .bind(tags)
            .execute(&mut *tx)
            .await;
        unless_taken(res, || format!("Role with name {} already exists.", r.name))?;
        Self::write_audit(&mut tx, seq, audit).await?;
        let entity = Entity {
            kind: EntityKind::Role,
            account_id: r.account_id.clone(),
            id: r.role_id.clone(),
            name: r.name.clone(),
            path: r.path.clone(),
        };
        self.attach_all_in_tx(&mut tx, &entity, attach).await?;
        Self::commit(tx).await
    }

    async fn role(&self, account_id: &str, name: &str) -> Result<Option<Role>> {
        ROLES.by_name(&self.pool, account_id, name).await
    }

    async fn list_roles(
        &self,
        account_id: &str,
        path_prefix: &str,
        marker: Option<&str>,
        max: usize,
    ) -> Result<Page<Role>> {
        ROLES
            .list(&self.pool, account_id, path_prefix, marker, max)
            .await
    }

    async fn update_role(
        &self,
        account_id: &str,
        name: &str,
        update: &RoleUpdate,
        audit: &AuditEvent,
    ) -> Result<Role> {
        let (mut tx, seq) = self.write_tx(account_id).await?;
        let mut role = role_in_tx(&mut tx, account_id, name).await?;
        if let Some(d) = &update.description {
            role.description = Some(d.clone());
        }
        if let Some(d) = update.max_session_duration {
            role.max_session_duration = d;
        }
        if let Some(t) = &update.trust_policy {
            role.trust_policy.clone_from(t);
        }
        sqlx::query("UPDATE roles SET description = $1, max_session_duration = $2, trust_policy = $3 WHERE role_id = $4")
            .bind(&role.description)
            .bind(role.max_session_duration)
            .bind(&role.trust_policy)
            .bind(&role.role_id)
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        // Other processes forget the compiled trust policy and the sessions'
        // cached state of this role.
        self.notify(
            &mut tx,
            account_id,
            seq,
            &Change::Role(role.role_id.clone()),
        )
        .await?;
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await?;
        Ok(role)
    }

    async fn delete_role(&self, account_id: &str, name: &str, audit: &AuditEvent) -> Result<Role> {
        let (mut tx, seq) = self.write_tx(account_id).await?;
        let role = role_in_tx(&mut tx, account_id, name).await?;
        let conflicts: [(&'static str, &str); 3] = [
            (
                "SELECT COUNT(*) FROM instance_profile_roles WHERE role_id = $1",
                "Cannot delete entity, must remove roles from instance profile first.",
            ),
            (
                "SELECT COUNT(*) FROM inline_policies WHERE entity_kind = 'role' AND entity_id = $1",
                "Cannot delete entity, must delete policies first.",
            ),
            (
                "SELECT COUNT(*) FROM policy_attachments WHERE entity_kind = 'role' AND entity_id = $1",
                "Cannot delete entity, must detach all policies first.",
            ),
        ];
        for (sql, message) in conflicts {
            if count(&mut tx, sql, &role.role_id).await? > 0 {
                return Err(Error::DeleteConflict(message.into()));
            }
        }
        sqlx::query("DELETE FROM roles WHERE role_id = $1")
            .bind(&role.role_id)
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        self.notify(
            &mut tx,
            account_id,
            seq,
            &Change::Role(role.role_id.clone()),
        )
        .await?;
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await?;
        Ok(role)
    }

    async fn set_role_tags(
        &self,
        account_id: &str,
        name: &str,
        tags: &[Tag],
        audit: &AuditEvent,
    ) -> Result<()> {
        let lower = name.to_lowercase();
        if !self
            .replace_tags(
                "roles",
                "name_lower",
                account_id,
                &lower,
                tags,
                audit,
                Some(("role_id", Change::Role)),
            )
            .await?
        {
            return Err(Error::no_such_role(name));
        }
        Ok(())
    }
}

#[async_trait]
impl keyward_core::store::InstanceProfileStore for SqlStore {
    async fn create_instance_profile(
        &self,
        p: &InstanceProfile,
        max_profiles: u64,
        audit: &AuditEvent,
    ) -> Result<()> {
        let (mut tx, seq) = self.write_tx(&p.account_id).await?;
        let n = count(
            &mut tx,
            "SELECT COUNT(*) FROM instance_profiles WHERE account_id = $1",
            &p.account_id,
        )
        .await?;
        if u64::try_from(n).unwrap_or(0) >= max_profiles {
            return Err(Error::LimitExceeded(format!(
                "Cannot exceed quota for InstanceProfilesPerAccount: {max_profiles}"
            )));
        }
        let tags = serde_json::to_string(&p.tags).map_err(storage)?;
        let res = sqlx::query("INSERT INTO instance_profiles (instance_profile_id, account_id, name, name_lower, path, created, tags) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(&p.instance_profile_id)
            .bind(&p.account_id)
            .bind(&p.name)
            .bind(p.name.to_lowercase())
            .bind(&p.path)
            .bind(p.created.unix_timestamp())
            .bind(tags)
            .execute(&mut *tx)
            .await;
        unless_taken(res, || {
            format!("Instance Profile {} already exists.", p.name)
        })?;
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await
    }

    async fn instance_profile(
        &self,
        account_id: &str,
        name: &str,
    ) -> Result<Option<InstanceProfile>> {
        match PROFILES.by_name(&self.pool, account_id, name).await? {
            Some(p) => Ok(self.with_roles(vec![p]).await?.pop()),
            None => Ok(None),
        }
    }

    async fn list_instance_profiles(
        &self,
        account_id: &str,
        path_prefix: &str,
        marker: Option<&str>,
        max: usize,
    ) -> Result<Page<InstanceProfile>> {
        let mut page = PROFILES
            .list(&self.pool, account_id, path_prefix, marker, max)
            .await?;
        page.items = self.with_roles(page.items).await?;
        Ok(page)
    }

    async fn instance_profiles_for_role(&self, role_id: &str) -> Result<Vec<InstanceProfile>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {PROFILE_COLUMNS} FROM instance_profiles WHERE instance_profile_id IN (SELECT instance_profile_id FROM instance_profile_roles WHERE role_id = $1) ORDER BY name_lower"
        )))
        .bind(role_id)
        .fetch_all(&self.pool)
        .await
        .map_err(storage)?;
        let items = rows
            .iter()
            .map(profile_from_row)
            .collect::<Result<Vec<_>>>()?;
        self.with_roles(items).await
    }

    async fn delete_instance_profile(
        &self,
        account_id: &str,
        name: &str,
        audit: &AuditEvent,
    ) -> Result<InstanceProfile> {
        let (mut tx, seq) = self.write_tx(account_id).await?;
        let profile = profile_in_tx(&mut tx, account_id, name).await?;
        if count(
            &mut tx,
            "SELECT COUNT(*) FROM instance_profile_roles WHERE instance_profile_id = $1",
            &profile.instance_profile_id,
        )
        .await?
            > 0
        {
            return Err(Error::DeleteConflict(
                "Cannot delete entity, must remove roles from instance profile first.".into(),
            ));
        }
        sqlx::query("DELETE FROM instance_profiles WHERE instance_profile_id = $1")
            .bind(&profile.instance_profile_id)
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await?;
        Ok(profile)
    }

    async fn add_role_to_instance_profile(
        &self,
        account_id: &str,
        profile_name: &str,
        role_name: &str,
        audit: &AuditEvent,
    ) -> Result<()> {
        let (mut tx, seq) = self.write_tx(account_id).await?;
        let profile = profile_in_tx(&mut tx, account_id, profile_name).await?;
        let role = role_in_tx(&mut tx, account_id, role_name).await?;
        if count(
            &mut tx,
            "SELECT COUNT(*) FROM instance_profile_roles WHERE instance_profile_id = $1",
            &profile.instance_profile_id,
        )
        .await?
            > 0
        {
            return Err(Error::LimitExceeded(
                "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1".into(),
            ));
        }
        sqlx::query(
            "INSERT INTO instance_profile_roles (instance_profile_id, role_id) VALUES ($1, $2)",
        )
        .bind(&profile.instance_profile_id)
        .bind(&role.role_id)
        .execute(&mut *tx)
        .await
        .map_err(storage)?;
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await
    }

    async fn remove_role_from_instance_profile(
        &self,
        account_id: &str,
        profile_name: &str,
        role_name: &str,
        audit: &AuditEvent,
    ) -> Result<()> {
        let (mut tx, seq) = self.write_tx(account_id).await?;
        let profile = profile_in_tx(&mut tx, account_id, profile_name).await?;
        let role = role_in_tx(&mut tx, account_id, role_name).await?;
        let done = sqlx::query(
            "DELETE FROM instance_profile_roles WHERE instance_profile_id = $1 AND role_id = $2",
        )
        .bind(&profile.instance_profile_id)
        .bind(&role.role_id)
        .execute(&mut *tx)
        .await
        .map_err(storage)?;
        if done.rows_affected() == 0 {
            return Err(Error::no_such_role(role_name));
        }
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await
    }

    async fn set_instance_profile_tags(
        &self,
        account_id: &str,
        name: &str,
        tags: &[Tag],
        audit: &AuditEvent,
    ) -> Result<()> {
        let lower = name.to_lowercase();
        if !self
            .replace_tags(
                "instance_profiles",
                "name_lower",
                account_id,
                &lower,
                tags,
                audit,
                None,
            )
            .await?
        {
            return Err(Error::no_such_instance_profile(name));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    //! Conflicts that only policies (managed by another part of the API) can
    //! cause, checked against the store directly.

    use keyward_core::model::{Account, Group};
    use keyward_core::store::{AccountStore, GroupStore, RoleStore};
    use time::OffsetDateTime;

    use super::*;

    const ACCT: &str = "123456789012";

    fn audit() -> AuditEvent {
        AuditEvent {
            at: OffsetDateTime::UNIX_EPOCH,
            account_id: ACCT.into(),
            actor: "test".into(),
            action: "test".into(),
            resource: "test".into(),
            detail: "{}".into(),
        }
    }

    async fn store() -> (SqlStore, std::path::PathBuf) {
        let (store, path) = crate::test_support::fresh_sqlite_store("store-test").await;
        let account = Account {
            account_id: ACCT.into(),
            email: "root@example.com".into(),
            alias: None,
            root_password_hash: "x".into(),
            created: OffsetDateTime::UNIX_EPOCH,
            closed: None,
            root_password_last_used: None,
        };
        store
            .create_account(&account, &audit())
            .await
            .expect("account");
        (store, path)
    }

    async fn exec(store: &SqlStore, sql: &str, kind: &str, id: &str) {
        sqlx::query(AssertSqlSafe(sql.to_owned()))
            .bind(ACCT)
            .bind(kind)
            .bind(id)
            .execute(&store.pool)
            .await
            .expect("sql");
    }

    const INLINE: &str = "INSERT INTO inline_policies (account_id, entity_kind, entity_id, policy_name, document) VALUES ($1, $2, $3, 'p', '{}')";
    const ATTACHED: &str = "INSERT INTO policy_attachments (account_id, entity_kind, entity_id, policy_arn, policy_name, attached_seq) VALUES ($1, $2, $3, 'arn:aws:iam::aws:policy/ReadOnlyAccess', 'ReadOnlyAccess', 1)";

    #[tokio::test]
    async fn policies_block_deleting_groups_and_roles() {
        let (store, path) = store().await;
        let group = Group {
            account_id: ACCT.into(),
            group_id: "AGPATEST".into(),
            name: "devs".into(),
            path: "/".into(),
            created: OffsetDateTime::UNIX_EPOCH,
        };
        store
            .create_group(&group, 300, &audit(), &Attachments::default())
            .await
            .expect("group");
        let role = Role {
            account_id: ACCT.into(),
            role_id: "AROATEST".into(),
            name: "app".into(),
            path: "/".into(),
            created: OffsetDateTime::UNIX_EPOCH,
            description: None,
            max_session_duration: 3600,
            trust_policy: "{}".into(),
            permissions_boundary: None,
            tags: Vec::new(),
            last_used: None,
        };
        store
            .create_role(&role, 1000, &audit(), &Attachments::default())
            .await
            .expect("role");

        for (kind, id) in [("group", "AGPATEST"), ("role", "AROATEST")] {
            exec(&store, INLINE, kind, id).await;
            let err = match kind {
                "group" => store.delete_group(ACCT, "devs", &audit()).await.map(drop),
                _ => store.delete_role(ACCT, "app", &audit()).await.map(drop),
            }
            .expect_err("inline policy remains");
            assert_eq!(
                err,
                Error::DeleteConflict("Cannot delete entity, must delete policies first.".into())
            );
            exec(
                &store,
                "DELETE FROM inline_policies WHERE account_id = $1 AND entity_kind = $2 AND entity_id = $3",
                kind,
                id,
            )
            .await;
            exec(&store, ATTACHED, kind, id).await;
            let err = match kind {
                "group" => store.delete_group(ACCT, "devs", &audit()).await.map(drop),
                _ => store.delete_role(ACCT, "app", &audit()).await.map(drop),
            }
            .expect_err("managed policy attached");
            assert_eq!(
                err,
                Error::DeleteConflict(
                    "Cannot delete entity, must detach all policies first.".into()
                )
            );
            exec(
                &store,
                "DELETE FROM policy_attachments WHERE account_id = $1 AND entity_kind = $2 AND entity_id = $3",
                kind,
                id,
            )
            .await;
        }
        store
            .delete_group(ACCT, "devs", &audit())
            .await
            .expect("delete group");
        store
            .delete_role(ACCT, "app", &audit())
            .await
            .expect("delete role");
        drop(store);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
}
