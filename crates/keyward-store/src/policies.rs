//! PolicyStore over SQL: customer managed policies and versions, attachments,
//! inline policies, permissions boundaries, and a user's authorization sources.

use std::collections::HashMap;

use async_trait::async_trait;
use keyward_core::policies::{
    AuthzSources, Entity, EntityKind, ManagedPolicy, PolicySource, PolicyUsage, PolicyVersion,
    policy_size,
};

use crate::*;

/// The table and id column of each kind of entity.
fn table(kind: EntityKind) -> (&'static str, &'static str) {
    match kind {
        EntityKind::User => ("users", "user_id"),
        EntityKind::Group => ("iam_groups", "group_id"),
        EntityKind::Role => ("roles", "role_id"),
    }
}

/// AWS managed policies live in the pseudo-account `aws`.
fn is_aws_managed(arn: &str) -> bool {
    arn.split(':').nth(4) == Some("aws")
}

fn not_attachable(arn: &str) -> Error {
    Error::NoSuchEntity(format!("Policy {arn} does not exist or is not attachable."))
}

fn policy_not_found(arn: &str) -> Error {
    Error::NoSuchEntity(format!("Policy {arn} was not found."))
}

fn version_not_found(arn: &str, version_id: &str) -> Error {
    Error::NoSuchEntity(format!(
        "Policy {arn} version {version_id} does not exist or is not attachable."
    ))
}

const POLICY_COLUMNS: &str =
    "policy_id, arn, name, path, description, default_version, created, updated, tags";

fn policy_from_row(r: &AnyRow, usage: (u64, u64)) -> Result<ManagedPolicy> {
    let tags: String = r.try_get("tags").map_err(storage)?;
    Ok(ManagedPolicy {
        policy_id: r.try_get("policy_id").map_err(storage)?,
        arn: r.try_get("arn").map_err(storage)?,
        name: r.try_get("name").map_err(storage)?,
        path: r.try_get("path").map_err(storage)?,
        description: r.try_get("description").map_err(storage)?,
        default_version: r.try_get("default_version").map_err(storage)?,
        created: from_unix(r.try_get("created").map_err(storage)?)?,
        updated: from_unix(r.try_get("updated").map_err(storage)?)?,
        tags: serde_json::from_str(&tags).map_err(storage)?,
        attachment_count: usage.0,
        boundary_usage_count: usage.1,
        aws_managed: false,
    })
}

fn count(r: &AnyRow) -> Result<u64> {
    let n: i64 = r.try_get(0).map_err(storage)?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// `v12` → 12, for ordering.
fn version_number(v: &str) -> u64 {
    v.trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

impl SqlStore {
    /// Tells other processes that a user's, group's or role's policies
    /// changed (each is cached by the processes that use it).
    async fn notify_entity(
        &self,
        tx: &mut Transaction<'static, Any>,
        entity: &Entity,
        seq: i64,
    ) -> Result<()> {
        let change = match entity.kind {
            EntityKind::User => Change::User(entity.id.clone()),
            EntityKind::Group => Change::Group(entity.id.clone()),
            EntityKind::Role => Change::Role(entity.id.clone()),
        };
        self.notify(tx, &entity.account_id, seq, &change).await
    }

    /// Adds an entity's own attached managed policies (by ARN, in attachment
    /// order) and its inline policies (named `{kind}/{name}/{policy}`) to
    /// `sources`; users and roles are assembled alike.
    async fn push_own_policies(
        &self,
        sources: &mut AuthzSources,
        kind: &str,
        entity_id: &str,
        entity_name: &str,
    ) -> Result<()> {
        for mut r in self
            .strings(
                "SELECT policy_arn FROM policy_attachments WHERE entity_kind = $1 AND entity_id = $2 ORDER BY attached_seq",
                &[kind, entity_id],
            )
            .await?
        {
            sources.policies.push(PolicySource::Managed(r.pop().unwrap_or_default()));
        }
        for mut r in self
            .strings(
                "SELECT policy_name, document FROM inline_policies WHERE entity_kind = $1 AND entity_id = $2 ORDER BY policy_name",
                &[kind, entity_id],
            )
            .await?
        {
            let document = r.pop().unwrap_or_default();
            let name = r.pop().unwrap_or_default();
            sources.policies.push(PolicySource::Inline { id: format!("{kind}/{entity_name}/{name}"), document });
        }
        Ok(())
    }
    /// (policy_id, default_version, next_version) of a customer policy, in a transaction.
    async fn policy_head(
        tx: &mut Transaction<'static, Any>,
        account_id: &str,
        arn: &str,
    ) -> Result<Option<(String, String, i64)>> {
        let row = sqlx::query("SELECT policy_id, default_version, next_version FROM managed_policies WHERE account_id = $1 AND arn = $2")
            .bind(account_id)
            .bind(arn)
            .fetch_optional(&mut **tx)
            .await
            .map_err(storage)?;
        row.map(|r| {
            Ok((
                r.try_get(0).map_err(storage)?,
                r.try_get(1).map_err(storage)?,
                r.try_get(2).map_err(storage)?,
            ))
        })
        .transpose()
    }

    async fn entity_exists(tx: &mut Transaction<'static, Any>, entity: &Entity) -> Result<bool> {
        let (t, id) = table(entity.kind);
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM {t} WHERE {id} = $1"
        )))
        .bind(&entity.id)
        .fetch_one(&mut **tx)
        .await
        .map_err(storage)?;
        Ok(count(&row)? > 0)
    }

    /// A managed policy ARN must name an AWS policy or an existing customer one.
    async fn check_policy_exists(
        tx: &mut Transaction<'static, Any>,
        account_id: &str,
        arn: &str,
    ) -> Result<()> {
        if is_aws_managed(arn) || Self::policy_head(tx, account_id, arn).await?.is_some() {
            Ok(())
        } else {
            Err(not_attachable(arn))
        }
    }

    async fn usage_of(&self, account_id: &str, arn: &str) -> Result<(u64, u64)> {
        let row = sqlx::query(
            "SELECT COUNT(*) FROM policy_attachments WHERE account_id = $1 AND policy_arn = $2",
        )
        .bind(account_id)
        .bind(arn)
        .fetch_one(&self.pool)
        .await
        .map_err(storage)?;
        let attached = count(&row)?;
        let mut bounded = 0;
        for t in ["users", "roles"] {
            let row = sqlx::query(AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM {t} WHERE account_id = $1 AND permissions_boundary = $2"
            )))
            .bind(account_id)
            .bind(arn)
            .fetch_one(&self.pool)
            .await
            .map_err(storage)?;
            bounded += count(&row)?;
        }
        Ok((attached, bounded))
    }

    async fn strings(&self, sql: &str, binds: &[&str]) -> Result<Vec<Vec<String>>> {
        let mut q = sqlx::query(AssertSqlSafe(sql.to_owned()));
        for b in binds {
            q = q.bind(*b);
        }
        let rows = q.fetch_all(&self.pool).await.map_err(storage)?;
        rows.iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| r.try_get::<String, _>(i).map_err(storage))
                    .collect()
            })
            .collect()
    }
}

#[async_trait]
impl keyward_core::store::PolicyStore for SqlStore {
    async fn entity(
        &self,
        account_id: &str,
        kind: EntityKind,
        name: &str,
    ) -> Result<Option<Entity>> {
        let (t, id) = table(kind);
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {id}, name, path FROM {t} WHERE account_id = $1 AND name_lower = $2"
        )))
        .bind(account_id)
        .bind(name.to_lowercase())
        .fetch_optional(&self.pool)
        .await
        .map_err(storage)?;
        row.map(|r| {
            Ok(Entity {
                kind,
                account_id: account_id.to_owned(),
                id: r.try_get(0).map_err(storage)?,
                name: r.try_get(1).map_err(storage)?,
                path: r.try_get(2).map_err(storage)?,
            })
        })
        .transpose()
    }

    async fn create_policy(
        &self,
        policy: &ManagedPolicy,
        document: &str,
        audit: &AuditEvent,
    ) -> Result<()> {
        let (mut tx, seq) = self.write_tx(&audit.account_id).await?;
        let tags = serde_json::to_string(&policy.tags).map_err(storage)?;
        let inserted = sqlx::query("INSERT INTO managed_policies (policy_id, account_id, arn, name, name_lower, path, description, default_version, next_version, created, updated, tags) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)")
            .bind(&policy.policy_id)
            .bind(&audit.account_id)
            .bind(&policy.arn)
            .bind(&policy.name)
            .bind(policy.name.to_lowercase())
            .bind(&policy.path)
            .bind(policy.description.as_deref())
            .bind("v1")
            .bind(2_i64)
            .bind(policy.created.unix_timestamp())
            .bind(policy.updated.unix_timestamp())
            .bind(tags)
            .execute(&mut *tx)
            .await;
        unless_taken(inserted, || {
            format!(
                "A policy called {} already exists. Duplicate names are not allowed.",
                policy.name
            )
        })?;
        sqlx::query("INSERT INTO policy_versions (policy_id, version_id, document, created) VALUES ($1, $2, $3, $4)")
            .bind(&policy.policy_id)
            .bind("v1")
            .bind(document)
            .bind(policy.created.unix_timestamp())
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await
    }

    async fn policy(&self, account_id: &str, arn: &str) -> Result<Option<ManagedPolicy>> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {POLICY_COLUMNS} FROM managed_policies WHERE account_id = $1 AND arn = $2"
        )))
        .bind(account_id)
        .bind(arn)
        .fetch_optional(&self.pool)
        .await
        .map_err(storage)?;
        match row {
            None => Ok(None),
            Some(r) => {
                let usage = self.usage_of(account_id, arn).await?;
                policy_from_row(&r, usage).map(Some)
            }
        }
    }

    async fn policies(&self, account_id: &str) -> Result<Vec<ManagedPolicy>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {POLICY_COLUMNS} FROM managed_policies WHERE account_id = $1 ORDER BY name_lower"
        )))
        .bind(account_id)
        .fetch_all(&self.pool)
        .await
        .map_err(storage)?;
        let usage = self.policy_usage(account_id).await?;
        rows.iter()
            .map(|r| {
                let arn: String = r.try_get("arn").map_err(storage)?;
                policy_from_row(r, usage.get(&arn).copied().unwrap_or((0, 0)))
            })
            .collect()
    }

    async fn policy_usage(&self, account_id: &str) -> Result<HashMap<String, (u64, u64)>> {
        let mut usage: HashMap<String, (u64, u64)> = HashMap::new();
        let rows = sqlx::query("SELECT policy_arn, COUNT(*) FROM policy_attachments WHERE account_id = $1 GROUP BY policy_arn")
            .bind(account_id)
            .fetch_all(&self.pool)
            .await
            .map_err(storage)?;
        for r in &rows {
            let arn: String = r.try_get(0).map_err(storage)?;
            let n: i64 = r.try_get(1).map_err(storage)?;
            usage.entry(arn).or_default().0 += u64::try_from(n).unwrap_or(0);
        }
        for t in ["users", "roles"] {
            let rows = sqlx::query(AssertSqlSafe(format!("SELECT permissions_boundary, COUNT(*) FROM {t} WHERE account_id = $1 AND permissions_boundary IS NOT NULL GROUP BY permissions_boundary")))
                .bind(account_id)
                .fetch_all(&self.pool)
                .await
                .map_err(storage)?;
            for r in &rows {
                let arn: String = r.try_get(0).map_err(storage)?;
                let n: i64 = r.try_get(1).map_err(storage)?;
                usage.entry(arn).or_default().1 += u64::try_from(n).unwrap_or(0);
            }
        }
        Ok(usage)
    }

    async fn delete_policy(&self, account_id: &str, arn: &str, audit: &AuditEvent) -> Result<bool> {
        let (mut tx, seq) = self.write_tx(account_id).await?;
        let Some((policy_id, _, _)) = Self::policy_head(&mut tx, account_id, arn).await? else {
            return Ok(false);
        };
        let row = sqlx::query("SELECT (SELECT COUNT(*) FROM policy_attachments WHERE account_id = $1 AND policy_arn = $2) + (SELECT COUNT(*) FROM users WHERE account_id = $1 AND permissions_boundary = $2) + (SELECT COUNT(*) FROM roles WHERE account_id = $1 AND permissions_boundary = $2)")
            .bind(account_id)
            .bind(arn)
            .fetch_one(&mut *tx)
            .await
            .map_err(storage)?;
        if count(&row)? > 0 {
            return Err(Error::DeleteConflict(
                "Cannot delete a policy attached to entities.".into(),
            ));
        }
        let row = sqlx::query("SELECT COUNT(*) FROM policy_versions WHERE policy_id = $1")
            .bind(&policy_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(storage)?;
        if count(&row)? > 1 {
            return Err(Error::DeleteConflict("This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.".into()));
        }
        for sql in [
            "DELETE FROM policy_versions WHERE policy_id = $1",
            "DELETE FROM managed_policies WHERE policy_id = $1",
        ] {
            sqlx::query(sql)
                .bind(&policy_id)
                .execute(&mut *tx)
                .await
                .map_err(storage)?;
        }
        self.notify(&mut tx, account_id, seq, &Change::Policy(arn.to_owned()))
            .await?;
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await?;
        Ok(true)
    }

    async fn set_policy_tags(
        &self,
        account_id: &str,
        arn: &str,
        tags: &[Tag],
        audit: &AuditEvent,
    ) -> Result<()> {
        if !self
            .replace_tags(
                "managed_policies",
                "arn",
                account_id,
                arn,
                tags,
                audit,
                None,
            )
            .await?
        {
            return Err(policy_not_found(arn));
        }
        Ok(())
    }

    async fn policy_versions(&self, account_id: &str, arn: &str) -> Result<Vec<PolicyVersion>> {
        let head = sqlx::query(
            "SELECT policy_id, default_version FROM managed_policies WHERE account_id = $1 AND arn = $2",
        )
        .bind(account_id)
        .bind(arn)
        .fetch_optional(&self.pool)
        .await
        .map_err(storage)?
        .ok_or_else(|| policy_not_found(arn))?;
        let policy_id: String = head.try_get(0).map_err(storage)?;
        let default: String = head.try_get(1).map_err(storage)?;
        let rows = sqlx::query(
            "SELECT version_id, document, created FROM policy_versions WHERE policy_id = $1",
        )
        .bind(&policy_id)
        .fetch_all(&self.pool)
        .await
        .map_err(storage)?;
        let mut versions = rows
            .iter()
            .map(|r| {
                let version_id: String = r.try_get(0).map_err(storage)?;
                Ok(PolicyVersion {
                    is_default: version_id == default,
                    version_id,
                    document: r.try_get(1).map_err(storage)?,
                    created: from_unix(r.try_get(2).map_err(storage)?)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        versions.sort_by_key(|v| std::cmp::Reverse(version_number(&v.version_id)));
        Ok(versions)
    }

    async fn create_policy_version(
        &self,
        account_id: &str,
        arn: &str,
        document: &str,
        set_as_default: bool,
        max_versions: usize,
        audit: &AuditEvent,
    ) -> Result<PolicyVersion> {
        let at = audit.at;
        let (mut tx, seq) = self.write_tx(account_id).await?;
        let (policy_id, _, next) = Self::policy_head(&mut tx, account_id, arn)
            .await?
            .ok_or_else(|| policy_not_found(arn))?;
        let row = sqlx::query("SELECT COUNT(*) FROM policy_versions WHERE policy_id = $1")
            .bind(&policy_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(storage)?;
        if count(&row)? >= max_versions as u64 {
            return Err(Error::LimitExceeded(format!(
                "A managed policy can have up to {max_versions} versions. Before you create a new version, you must delete an existing version."
            )));
        }
        let version_id = format!("v{next}");
        sqlx::query("INSERT INTO policy_versions (policy_id, version_id, document, created) VALUES ($1, $2, $3, $4)")
            .bind(&policy_id)
            .bind(&version_id)
            .bind(document)
            .bind(at.unix_timestamp())
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        let q = if set_as_default {
            sqlx::query("UPDATE managed_policies SET next_version = next_version + 1, updated = $1, default_version = $2 WHERE policy_id = $3")
                .bind(at.unix_timestamp())
                .bind(&version_id)
                .bind(&policy_id)
        } else {
            sqlx::query("UPDATE managed_policies SET next_version = next_version + 1, updated = $1 WHERE policy_id = $2")
                .bind(at.unix_timestamp())
                .bind(&policy_id)
        };
        q.execute(&mut *tx).await.map_err(storage)?;
        if set_as_default {
            self.notify(&mut tx, account_id, seq, &Change::Policy(arn.to_owned()))
                .await?;
        }
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await?;
        Ok(PolicyVersion {
            version_id,
            document: document.to_owned(),
            is_default: set_as_default,
            created: at,
        })
    }

    async fn set_default_policy_version(
        &self,
        account_id: &str,
        arn: &str,
        version_id: &str,
        audit: &AuditEvent,
    ) -> Result<()> {
        let (mut tx, seq) = self.write_tx(account_id).await?;
        let (policy_id, _, _) = Self::policy_head(&mut tx, account_id, arn)
            .await?
            .ok_or_else(|| policy_not_found(arn))?;
        let row = sqlx::query(
            "SELECT COUNT(*) FROM policy_versions WHERE policy_id = $1 AND version_id = $2",
        )
        .bind(&policy_id)
        .bind(version_id)
        .fetch_one(&mut *tx)
        .await
        .map_err(storage)?;
        if count(&row)? == 0 {
            return Err(version_not_found(arn, version_id));
        }
        sqlx::query("UPDATE managed_policies SET default_version = $1 WHERE policy_id = $2")
            .bind(version_id)
            .bind(&policy_id)
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        self.notify(&mut tx, account_id, seq, &Change::Policy(arn.to_owned()))
            .await?;
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await
    }

    async fn delete_policy_version(
        &self,
        account_id: &str,
        arn: &str,
        version_id: &str,
        audit: &AuditEvent,
    ) -> Result<()> {
        let (mut tx, seq) = self.write_tx(account_id).await?;
        let (policy_id, default, _) = Self::policy_head(&mut tx, account_id, arn)
            .await?
            .ok_or_else(|| policy_not_found(arn))?;
        if default == version_id {
            return Err(Error::DeleteConflict(
                "Cannot delete the default version of a policy.".into(),
            ));
        }
        let done =
            sqlx::query("DELETE FROM policy_versions WHERE policy_id = $1 AND version_id = $2")
                .bind(&policy_id)
                .bind(version_id)
                .execute(&mut *tx)
                .await
                .map_err(storage)?;
        if done.rows_affected() == 0 {
            return Err(version_not_found(arn, version_id));
        }
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await
    }

    async fn attach_policy(
        &self,
        entity: &Entity,
        policy: &AttachedPolicy,
        max_attached: usize,
        audit: &AuditEvent,
    ) -> Result<bool> {
        let (mut tx, seq) = self.write_tx(&entity.account_id).await?;
        if !self
            .attach_in_tx(&mut tx, seq, entity, policy, max_attached)
            .await?
        {
            return Ok(false);
        }
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await?;
        Ok(true)
    }

    async fn detach_policy(
        &self,
        entity: &Entity,
        policy_arn: &str,
        audit: &AuditEvent,
    ) -> Result<bool> {
        let (mut tx, seq) = self.write_tx(&entity.account_id).await?;
        let done = sqlx::query(
            "DELETE FROM policy_attachments WHERE entity_kind = $1 AND entity_id = $2 AND policy_arn = $3",
        )
        .bind(entity.kind.as_str())
        .bind(&entity.id)
        .bind(policy_arn)
        .execute(&mut *tx)
        .await
        .map_err(storage)?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        self.notify_entity(&mut tx, entity, seq).await?;
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await?;
        Ok(true)
    }

    async fn attached_policies(
        &self,
        account_id: &str,
        kind: EntityKind,
        entity_id: &str,
    ) -> Result<Vec<AttachedPolicy>> {
        let rows = self
            .strings(
                "SELECT policy_name, policy_arn FROM policy_attachments WHERE account_id = $1 AND entity_kind = $2 AND entity_id = $3 ORDER BY attached_seq",
                &[account_id, kind.as_str(), entity_id],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|mut r| AttachedPolicy {
                policy_arn: r.pop().unwrap_or_default(),
                policy_name: r.pop().unwrap_or_default(),
            })
            .collect())
    }

    async fn entities_for_policy(
        &self,
        account_id: &str,
        arn: &str,
    ) -> Result<Vec<(Entity, PolicyUsage)>> {
        let mut out = Vec::new();
        for kind in [EntityKind::User, EntityKind::Group, EntityKind::Role] {
            let (t, id) = table(kind);
            let mut queries = vec![(
                format!(
                    "SELECT e.{id}, e.name, e.path FROM policy_attachments pa JOIN {t} e ON e.{id} = pa.entity_id WHERE pa.account_id = $1 AND pa.entity_kind = '{}' AND pa.policy_arn = $2 ORDER BY e.name_lower",
                    kind.as_str()
                ),
                PolicyUsage::Permissions,
            )];
            if kind != EntityKind::Group {
                queries.push((
                    format!("SELECT {id}, name, path FROM {t} WHERE account_id = $1 AND permissions_boundary = $2 ORDER BY name_lower"),
                    PolicyUsage::Boundary,
                ));
            }
            for (sql, usage) in queries {
                for mut r in self.strings(&sql, &[account_id, arn]).await? {
                    let path = r.pop().unwrap_or_default();
                    let name = r.pop().unwrap_or_default();
                    let id = r.pop().unwrap_or_default();
                    out.push((
                        Entity {
                            kind,
                            account_id: account_id.to_owned(),
                            id,
                            name,
                            path,
                        },
                        usage,
                    ));
                }
            }
        }
        Ok(out)
    }

    async fn put_inline_policy(
        &self,
        entity: &Entity,
        policy_name: &str,
        document: &str,
        max_size: usize,
        audit: &AuditEvent,
    ) -> Result<()> {
        let (mut tx, seq) = self.write_tx(&entity.account_id).await?;
        if !Self::entity_exists(&mut tx, entity).await? {
            return Err(entity.kind.not_found(&entity.name));
        }
        let rows = sqlx::query("SELECT document FROM inline_policies WHERE entity_kind = $1 AND entity_id = $2 AND policy_name <> $3")
            .bind(entity.kind.as_str())
            .bind(&entity.id)
            .bind(policy_name)
            .fetch_all(&mut *tx)
            .await
            .map_err(storage)?;
        let mut total = policy_size(document);
        for r in &rows {
            total += policy_size(&r.try_get::<String, _>(0).map_err(storage)?);
        }
        if total > max_size {
            return Err(Error::LimitExceeded(format!(
                "Maximum policy size of {max_size} bytes exceeded for {} {}",
                entity.kind.as_str(),
                entity.name
            )));
        }
        sqlx::query(
            "DELETE FROM inline_policies WHERE entity_kind = $1 AND entity_id = $2 AND policy_name = $3",
        )
        .bind(entity.kind.as_str())
        .bind(&entity.id)
        .bind(policy_name)
        .execute(&mut *tx)
        .await
        .map_err(storage)?;
        sqlx::query("INSERT INTO inline_policies (account_id, entity_kind, entity_id, policy_name, document) VALUES ($1, $2, $3, $4, $5)")
            .bind(&entity.account_id)
            .bind(entity.kind.as_str())
            .bind(&entity.id)
            .bind(policy_name)
            .bind(document)
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        self.notify_entity(&mut tx, entity, seq).await?;
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await
    }

    async fn inline_policies(
        &self,
        account_id: &str,
        kind: EntityKind,
        entity_id: &str,
    ) -> Result<Vec<(String, String)>> {
        let rows = self
            .strings(
                "SELECT policy_name, document FROM inline_policies WHERE account_id = $1 AND entity_kind = $2 AND entity_id = $3 ORDER BY policy_name",
                &[account_id, kind.as_str(), entity_id],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|mut r| {
                let doc = r.pop().unwrap_or_default();
                (r.pop().unwrap_or_default(), doc)
            })
            .collect())
    }

    async fn delete_inline_policy(
        &self,
        entity: &Entity,
        policy_name: &str,
        audit: &AuditEvent,
    ) -> Result<bool> {
        let (mut tx, seq) = self.write_tx(&entity.account_id).await?;
        let done = sqlx::query(
            "DELETE FROM inline_policies WHERE entity_kind = $1 AND entity_id = $2 AND policy_name = $3",
        )
        .bind(entity.kind.as_str())
        .bind(&entity.id)
        .bind(policy_name)
        .execute(&mut *tx)
        .await
        .map_err(storage)?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        self.notify_entity(&mut tx, entity, seq).await?;
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await?;
        Ok(true)
    }

    async fn set_permissions_boundary(
        &self,
        entity: &Entity,
        policy_arn: Option<&str>,
        audit: &AuditEvent,
    ) -> Result<()> {
        let (mut tx, seq) = self.write_tx(&entity.account_id).await?;
        if let Some(arn) = policy_arn {
            Self::check_policy_exists(&mut tx, &entity.account_id, arn).await?;
        }
        let (t, id) = table(entity.kind);
        let done = sqlx::query(AssertSqlSafe(format!(
            "UPDATE {t} SET permissions_boundary = $1 WHERE {id} = $2"
        )))
        .bind(policy_arn)
        .bind(&entity.id)
        .execute(&mut *tx)
        .await
        .map_err(storage)?;
        if done.rows_affected() == 0 {
            return Err(entity.kind.not_found(&entity.name));
        }
        self.notify_entity(&mut tx, entity, seq).await?;
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await
    }

    async fn authz_sources(&self, account_id: &str, user_id: &str) -> Result<AuthzSources> {
        let mut sources = AuthzSources::default();
        let Some(user) = sqlx::query("SELECT name, tags, permissions_boundary FROM users WHERE account_id = $1 AND user_id = $2")
            .bind(account_id)
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(storage)?
        else {
            return Ok(sources);
        };
        let user_name: String = user.try_get(0).map_err(storage)?;
        let tags: String = user.try_get(1).map_err(storage)?;
        sources.tags = serde_json::from_str(&tags).map_err(storage)?;
        sources.boundary = user.try_get(2).map_err(storage)?;

        sources.groups = self
            .strings(
                "SELECT group_id FROM group_members WHERE user_id = $1",
                &[user_id],
            )
            .await?
            .into_iter()
            .filter_map(|mut r| r.pop())
            .collect();
        // The user's own managed and inline policies.
        self.push_own_policies(&mut sources, "user", user_id, &user_name)
            .await?;
        // Those of every group the user is in.
        for mut r in self
            .strings(
                "SELECT pa.policy_arn FROM group_members gm JOIN policy_attachments pa ON pa.entity_kind = 'group' AND pa.entity_id = gm.group_id WHERE gm.user_id = $1 ORDER BY gm.added_seq, pa.attached_seq",
                &[user_id],
            )
            .await?
        {
            let arn = r.pop().unwrap_or_default();
            if !sources
                .policies
                .iter()
                .any(|p| matches!(p, PolicySource::Managed(a) if *a == arn))
            {
                sources.policies.push(PolicySource::Managed(arn));
            }
        }
        for mut r in self
            .strings(
                "SELECT g.name, ip.policy_name, ip.document FROM group_members gm JOIN iam_groups g ON g.group_id = gm.group_id JOIN inline_policies ip ON ip.entity_kind = 'group' AND ip.entity_id = gm.group_id WHERE gm.user_id = $1 ORDER BY gm.added_seq, ip.policy_name",
                &[user_id],
            )
            .await?
        {
            let document = r.pop().unwrap_or_default();
            let name = r.pop().unwrap_or_default();
            let group = r.pop().unwrap_or_default();
            sources.policies.push(PolicySource::Inline {
                id: format!("group/{group}/{name}"),
                document,
            });
        }
        // Default versions of the customer managed policies among them.
        for mut r in self
            .strings(
                "SELECT mp.arn, pv.document FROM managed_policies mp JOIN policy_versions pv ON pv.policy_id = mp.policy_id AND pv.version_id = mp.default_version WHERE mp.account_id = $1 AND (mp.arn IN (SELECT policy_arn FROM policy_attachments WHERE entity_id = $2 OR entity_id IN (SELECT group_id FROM group_members WHERE user_id = $2)) OR mp.arn IN (SELECT permissions_boundary FROM users WHERE user_id = $2))",
                &[account_id, user_id],
            )
            .await?
        {
            let document = r.pop().unwrap_or_default();
            sources.documents.push((r.pop().unwrap_or_default(), document));
        }
        Ok(sources)
    }

    async fn role_authz_sources(&self, account_id: &str, role_id: &str) -> Result<AuthzSources> {
        let mut sources = AuthzSources::default();
        let Some(role) = sqlx::query("SELECT name, tags, permissions_boundary FROM roles WHERE account_id = $1 AND role_id = $2")
            .bind(account_id)
            .bind(role_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(storage)?
        else {
            return Ok(sources);
        };
        let role_name: String = role.try_get(0).map_err(storage)?;
        let tags: String = role.try_get(1).map_err(storage)?;
        sources.tags = serde_json::from_str(&tags).map_err(storage)?;
        sources.boundary = role.try_get(2).map_err(storage)?;
        self.push_own_policies(&mut sources, "role", role_id, &role_name)
            .await?;
        for mut r in self
            .strings(
                "SELECT mp.arn, pv.document FROM managed_policies mp JOIN policy_versions pv ON pv.policy_id = mp.policy_id AND pv.version_id = mp.default_version WHERE mp.account_id = $1 AND (mp.arn IN (SELECT policy_arn FROM policy_attachments WHERE entity_kind = 'role' AND entity_id = $2) OR mp.arn IN (SELECT permissions_boundary FROM roles WHERE role_id = $2))",
                &[account_id, role_id],
            )
            .await?
        {
            let document = r.pop().unwrap_or_default();
            sources.documents.push((r.pop().unwrap_or_default(), document));
        }
        Ok(sources)
    }
}

impl SqlStore {
    /// Attaches `attach` to a new entity in `tx`, each with its own change
    /// number and audit event.
    pub(crate) async fn attach_all_in_tx(
        &self,
        tx: &mut Transaction<'static, Any>,
        entity: &Entity,
        attach: &Attachments,
    ) -> Result<()> {
        for (policy, audit) in &attach.policies {
            let seq = Self::next_seq(tx, &entity.account_id).await?;
            self.attach_in_tx(tx, seq, entity, policy, attach.max_attached)
                .await?;
            Self::write_audit(tx, seq, audit).await?;
        }
        Ok(())
    }

    /// Attaches a managed policy in `tx`; false when it was attached already.
    pub(crate) async fn attach_in_tx(
        &self,
        tx: &mut Transaction<'static, Any>,
        seq: i64,
        entity: &Entity,
        policy: &AttachedPolicy,
        max_attached: usize,
    ) -> Result<bool> {
        if !Self::entity_exists(tx, entity).await? {
            return Err(entity.kind.not_found(&entity.name));
        }
        Self::check_policy_exists(tx, &entity.account_id, &policy.policy_arn).await?;
        let rows = sqlx::query(
            "SELECT policy_arn FROM policy_attachments WHERE entity_kind = $1 AND entity_id = $2",
        )
        .bind(entity.kind.as_str())
        .bind(&entity.id)
        .fetch_all(&mut **tx)
        .await
        .map_err(storage)?;
        let arns: Vec<String> = rows
            .iter()
            .map(|r| r.try_get::<String, _>(0))
            .collect::<Result<_, _>>()
            .map_err(storage)?;
        if arns.contains(&policy.policy_arn) {
            return Ok(false);
        }
        if arns.len() >= max_attached {
            return Err(Error::LimitExceeded(format!(
                "Cannot exceed quota for {}: {max_attached}",
                entity.kind.attached_quota_name()
            )));
        }
        sqlx::query("INSERT INTO policy_attachments (account_id, entity_kind, entity_id, policy_arn, policy_name, attached_seq) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(&entity.account_id)
            .bind(entity.kind.as_str())
            .bind(&entity.id)
            .bind(&policy.policy_arn)
            .bind(&policy.policy_name)
            .bind(seq)
            .execute(&mut **tx)
            .await
            .map_err(storage)?;
        self.notify_entity(tx, entity, seq).await?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use keyward_core::caller::{Caller, Principal};
    use keyward_core::clock::SystemClock;
    use keyward_core::crypto::{Kek, Secret};
    use keyward_core::policies::EntityKind;
    use keyward_core::random::OsRandom;
    use keyward_core::service::Keyward;

    use crate::test_support::fresh_sqlite_store;

    const DENY_LIST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:ListUsers","Resource":"*"}]}"#;
    const ALLOW_LIST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}"#;

    /// The policies of a user's groups, attached and inline, decide its
    /// requests, and every change is enforced on the next one.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn group_policies_apply_to_members_at_once() {
        let (store, path) = fresh_sqlite_store("policies").await;
        let pool = store.pool.clone();
        let kw = Keyward::new(
            Arc::new(store),
            Arc::new(SystemClock),
            Arc::new(OsRandom),
            Kek::from_bytes([7; 32]),
        );
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
        let user = kw
            .create_user(&root, "gail", None, None, Vec::new())
            .await
            .expect("user");
        // A group and a membership, as the groups code writes them.
        sqlx::query("INSERT INTO iam_groups (group_id, account_id, name, name_lower, path, created) VALUES ('AGPATESTGROUP0000000', $1, 'Readers', 'readers', '/', 0)")
            .bind(&acct)
            .execute(&pool)
            .await
            .expect("group");
        sqlx::query("INSERT INTO group_members (group_id, user_id, added_seq) VALUES ('AGPATESTGROUP0000000', $1, 1)")
            .bind(&user.user_id)
            .execute(&pool)
            .await
            .expect("member");
        let gail = Caller {
            account_id: acct.clone(),
            principal: Principal::User {
                user_id: user.user_id.clone(),
                name: "gail".into(),
                path: "/".into(),
            },
            access_key_id: "AKIATEST".into(),
            partition: "aws",
            region: "us-east-1".into(),
            service: "iam".into(),
            source_ip: None,
            secure_transport: true,
            session: None,
        };
        let users = format!("arn:aws:iam::{acct}:user/");
        let no_keys = keyward_core::authz::RequestKeys::default();
        let list = || kw.authorize(&gail, "iam:ListUsers", &users, &no_keys);
        assert!(list().await.is_err(), "no policy yet");

        let read_only = "arn:aws:iam::aws:policy/IAMReadOnlyAccess";
        kw.attach_policy(&root, EntityKind::Group, "readers", read_only)
            .await
            .expect("attach to group");
        assert!(list().await.is_ok(), "group's managed policy applies");
        let listed = kw
            .attached_policies(&root, EntityKind::Group, "READERS", None)
            .await
            .expect("list attached");
        assert_eq!(listed.len(), 1);

        kw.put_inline_policy(&root, EntityKind::Group, "readers", "deny-list", DENY_LIST)
            .await
            .expect("inline");
        let denied = list().await.expect_err("group's inline deny");
        assert!(
            denied
                .to_string()
                .ends_with("with an explicit deny in an identity-based policy"),
            "{denied}"
        );
        kw.delete_inline_policy(&root, EntityKind::Group, "readers", "deny-list")
            .await
            .expect("delete inline");
        assert!(list().await.is_ok());

        kw.detach_policy(&root, EntityKind::Group, "readers", read_only)
            .await
            .expect("detach");
        assert!(list().await.is_err(), "detached at once");

        // A customer policy attached to the group; a new default version applies at once.
        let policy = kw
            .create_policy(&root, "ListOnly", None, ALLOW_LIST, None, Vec::new())
            .await
            .expect("policy");
        kw.attach_policy(&root, EntityKind::Group, "readers", &policy.arn)
            .await
            .expect("attach customer policy");
        assert!(list().await.is_ok());
        kw.create_policy_version(&root, &policy.arn, DENY_LIST, true)
            .await
            .expect("v2");
        assert!(list().await.is_err(), "new default version at once");
        let entities = kw
            .entities_for_policy(&root, &policy.arn, None, None, None)
            .await
            .expect("entities");
        assert_eq!(entities.len(), 1);
        assert_eq!(entities[0].kind, EntityKind::Group);
        assert_eq!(entities[0].name, "Readers");
        drop(pool);
        let _ = std::fs::remove_file(&path);
    }
}
