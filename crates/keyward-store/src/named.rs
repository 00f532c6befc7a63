//! Tables of named IAM entities — users, groups, roles, instance profiles —
//! share one shape: a name unique per account ignoring case (`name_lower`)
//! and a path. Looking one up by name and listing them by path prefix with a
//! name marker are written once, here.

use keyward_core::Result;
use keyward_core::store::Page;
use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Executor};

use crate::storage;

/// One named-entity table: its name, the columns its rows are read with,
/// and how a row becomes a record.
pub(crate) struct Named<T> {
    pub table: &'static str,
    pub columns: &'static str,
    pub from_row: fn(&AnyRow) -> Result<T>,
    /// The record's name, whose lower case is the listing order and marker.
    pub name: fn(&T) -> &str,
}

impl<T> Named<T> {
    /// The entity named `name` (any letter case), through a pool or a transaction.
    pub async fn by_name<'c, E>(&self, ex: E, account_id: &str, name: &str) -> Result<Option<T>>
    where
        E: Executor<'c, Database = Any>,
    {
        let sql = format!(
            "SELECT {} FROM {} WHERE account_id = $1 AND name_lower = $2",
            self.columns, self.table
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(account_id)
            .bind(name.to_lowercase())
            .fetch_optional(ex)
            .await
            .map_err(storage)?;
        row.map(|r| (self.from_row)(&r)).transpose()
    }

    /// Entities whose path starts with `path_prefix`, ordered by lower-case
    /// name, after `marker`; at most `max`, with the next marker when more follow.
    pub async fn list<'c, E>(
        &self,
        ex: E,
        account_id: &str,
        path_prefix: &str,
        marker: Option<&str>,
        max: usize,
    ) -> Result<Page<T>>
    where
        E: Executor<'c, Database = Any>,
    {
        let sql = format!(
            "SELECT {} FROM {} WHERE account_id = $1 AND name_lower > $2 \
             AND substr(path, 1, length($3)) = $3 ORDER BY name_lower LIMIT $4",
            self.columns, self.table
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(account_id)
            .bind(marker.unwrap_or(""))
            .bind(path_prefix)
            .bind(i64::try_from(max).unwrap_or(1000) + 1)
            .fetch_all(ex)
            .await
            .map_err(storage)?;
        let items = rows.iter().map(self.from_row).collect::<Result<Vec<_>>>()?;
        Ok(page(items, max, |t| (self.name)(t).to_lowercase()))
    }
}

/// Cuts a `max + 1` fetch to a page; the marker is the last item's sort key.
pub(crate) fn page<T>(mut items: Vec<T>, max: usize, key: impl Fn(&T) -> String) -> Page<T> {
    let next_marker = if items.len() > max {
        items.truncate(max);
        items.last().map(key)
    } else {
        None
    };
    Page { items, next_marker }
}
