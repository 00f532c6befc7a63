//! Row ↔ record conversions.

use keyward_core::model::{AccessKey, KeyLastUsed, KeyOwner, KeyStatus, User};
use keyward_core::{Error, Result};
use sqlx::Row;
use sqlx::any::AnyRow;
use time::OffsetDateTime;

use crate::storage;

pub(crate) fn from_unix(secs: i64) -> Result<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(secs).map_err(storage)
}

/// The `owner_user_id` column: the user's id, or '' for root.
pub(crate) fn owner_column(owner: &KeyOwner) -> &str {
    match owner {
        KeyOwner::Root => "",
        KeyOwner::User(id) => id,
    }
}

pub(crate) fn user_from_row(r: &AnyRow) -> Result<User> {
    let tags: String = r.try_get("tags").map_err(storage)?;
    let last: Option<i64> = r.try_get("password_last_used").map_err(storage)?;
    Ok(User {
        user_id: r.try_get("user_id").map_err(storage)?,
        account_id: r.try_get("account_id").map_err(storage)?,
        name: r.try_get("name").map_err(storage)?,
        path: r.try_get("path").map_err(storage)?,
        created: from_unix(r.try_get("created").map_err(storage)?)?,
        password_last_used: last.map(from_unix).transpose()?,
        permissions_boundary: r.try_get("permissions_boundary").map_err(storage)?,
        tags: serde_json::from_str(&tags).map_err(storage)?,
    })
}

pub(crate) fn key_from_row(r: &AnyRow) -> Result<AccessKey> {
    let owner: String = r.try_get("owner_user_id").map_err(storage)?;
    let status: String = r.try_get("status").map_err(storage)?;
    let last_at: Option<i64> = r.try_get("last_used_at").map_err(storage)?;
    let last_used = match last_at {
        Some(at) => Some(KeyLastUsed {
            at: from_unix(at)?,
            service: r
                .try_get::<Option<String>, _>("last_used_service")
                .map_err(storage)?
                .unwrap_or_default(),
            region: r
                .try_get::<Option<String>, _>("last_used_region")
                .map_err(storage)?
                .unwrap_or_default(),
        }),
        None => None,
    };
    Ok(AccessKey {
        access_key_id: r.try_get("access_key_id").map_err(storage)?,
        account_id: r.try_get("account_id").map_err(storage)?,
        owner: if owner.is_empty() {
            KeyOwner::Root
        } else {
            KeyOwner::User(owner)
        },
        sealed_secret: r.try_get("sealed_secret").map_err(storage)?,
        status: KeyStatus::parse(&status)
            .ok_or_else(|| Error::Storage(format!("unknown key status {status}")))?,
        created: from_unix(r.try_get("created").map_err(storage)?)?,
        last_used,
    })
}
