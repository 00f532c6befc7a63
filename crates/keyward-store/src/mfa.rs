//! MfaStore over SQL.

use async_trait::async_trait;
use keyward_core::model::{AuditEvent, KeyOwner, MfaDevice, MfaKind, Tag};
use keyward_core::store::MfaStore;
use keyward_core::{Error, Result};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::rows::{from_unix, owner_column};
use crate::{SqlStore, storage, unless_taken};

const MFA_COLUMNS: &str = "serial_number, kind, account_id, path, name, sealed_seed, created, enable_date, owner_user_id, tags, last_step, failures, failures_since";

fn mfa_from_row(r: &AnyRow) -> Result<MfaDevice> {
    let tags: String = r.try_get("tags").map_err(storage)?;
    let enabled: Option<i64> = r.try_get("enable_date").map_err(storage)?;
    let owner: Option<String> = r.try_get("owner_user_id").map_err(storage)?;
    let kind: String = r.try_get("kind").map_err(storage)?;
    Ok(MfaDevice {
        serial_number: r.try_get("serial_number").map_err(storage)?,
        kind: MfaKind::parse(&kind)
            .ok_or_else(|| storage(format!("unknown MFA device kind {kind}")))?,
        account_id: r.try_get("account_id").map_err(storage)?,
        path: r.try_get("path").map_err(storage)?,
        name: r.try_get("name").map_err(storage)?,
        sealed_seed: r.try_get("sealed_seed").map_err(storage)?,
        created: from_unix(r.try_get("created").map_err(storage)?)?,
        enable_date: enabled.map(from_unix).transpose()?,
        owner: owner.map(|o| {
            if o.is_empty() {
                KeyOwner::Root
            } else {
                KeyOwner::User(o)
            }
        }),
        tags: serde_json::from_str(&tags).map_err(storage)?,
        last_step: r.try_get("last_step").map_err(storage)?,
        failures: r.try_get("failures").map_err(storage)?,
        failures_since: r.try_get("failures_since").map_err(storage)?,
    })
}

#[async_trait]
impl MfaStore for SqlStore {
    async fn create_mfa_device(&self, d: &MfaDevice, audit: &AuditEvent) -> Result<()> {
        let (mut tx, seq) = self.write_tx(&d.account_id).await?;
        let tags = serde_json::to_string(&d.tags).map_err(storage)?;
        let res = sqlx::query("INSERT INTO mfa_devices (serial_number, account_id, path, name, name_lower, sealed_seed, created, enable_date, owner_user_id, tags, last_step, failures, failures_since, kind) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, NULL, $8, NULL, 0, NULL, $9)")
            .bind(&d.serial_number)
            .bind(&d.account_id)
            .bind(&d.path)
            .bind(&d.name)
            .bind(d.name.to_lowercase())
            .bind(&d.sealed_seed)
            .bind(d.created.unix_timestamp())
            .bind(tags)
            .bind(d.kind.as_str())
            .execute(&mut *tx)
            .await;
        unless_taken(res, || {
            "MFADevice entity at the same path and name already exists.".into()
        })?;
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await
    }

    async fn mfa_device(&self, account_id: &str, serial_number: &str) -> Result<Option<MfaDevice>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {MFA_COLUMNS} FROM mfa_devices WHERE account_id = $1 AND serial_number = $2"
        )))
        .bind(account_id)
        .bind(serial_number)
        .fetch_optional(&self.pool)
        .await
        .map_err(storage)?
        .map(|r| mfa_from_row(&r))
        .transpose()
    }

    async fn mfa_devices(&self, account_id: &str) -> Result<Vec<MfaDevice>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {MFA_COLUMNS} FROM mfa_devices WHERE account_id = $1 ORDER BY serial_number"
        )))
        .bind(account_id)
        .fetch_all(&self.pool)
        .await
        .map_err(storage)?;
        rows.iter().map(mfa_from_row).collect()
    }

    async fn enable_mfa_device(
        &self,
        account_id: &str,
        serial_number: &str,
        owner: &KeyOwner,
        first_step: i64,
        last_step: i64,
        max_per_owner: usize,
        audit: &AuditEvent,
    ) -> Result<()> {
        let (mut tx, seq) = self.write_tx(account_id).await?;
        let row = sqlx::query(
            "SELECT owner_user_id, last_step FROM mfa_devices WHERE account_id = $1 AND serial_number = $2",
        )
        .bind(account_id)
        .bind(serial_number)
        .fetch_optional(&mut *tx)
        .await
        .map_err(storage)?
        .ok_or_else(|| Error::no_such_mfa_device(serial_number))?;
        let assigned: Option<String> = row.try_get(0).map_err(storage)?;
        let used: Option<i64> = row.try_get(1).map_err(storage)?;
        if assigned.is_some() {
            return Err(Error::EntityAlreadyExists(
                "MFA Device is already in use.".into(),
            ));
        }
        if used.is_some_and(|u| u >= first_step) {
            return Err(Error::invalid_mfa_code());
        }
        let n: i64 = sqlx::query(
            "SELECT COUNT(*) FROM mfa_devices WHERE account_id = $1 AND owner_user_id = $2",
        )
        .bind(account_id)
        .bind(owner_column(owner))
        .fetch_one(&mut *tx)
        .await
        .map_err(storage)?
        .try_get(0)
        .map_err(storage)?;
        if usize::try_from(n).unwrap_or(usize::MAX) >= max_per_owner {
            return Err(Error::LimitExceeded(format!(
                "Cannot exceed quota for MFADevicesPerUser: {max_per_owner}"
            )));
        }
        sqlx::query("UPDATE mfa_devices SET owner_user_id = $1, enable_date = $2, last_step = $3, failures = 0, failures_since = NULL WHERE serial_number = $4")
            .bind(owner_column(owner))
            .bind(audit.at.unix_timestamp())
            .bind(last_step)
            .bind(serial_number)
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await
    }

    async fn resync_mfa_device(
        &self,
        account_id: &str,
        serial_number: &str,
        owner: &KeyOwner,
        first_step: i64,
        last_step: i64,
        audit: &AuditEvent,
    ) -> Result<bool> {
        let (mut tx, seq) = self.write_tx(account_id).await?;
        let done = sqlx::query("UPDATE mfa_devices SET last_step = $1, failures = 0, failures_since = NULL WHERE account_id = $2 AND serial_number = $3 AND owner_user_id = $4 AND (last_step IS NULL OR last_step < $5)")
            .bind(last_step)
            .bind(account_id)
            .bind(serial_number)
            .bind(owner_column(owner))
            .bind(first_step)
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await?;
        Ok(true)
    }

    async fn deactivate_mfa_device(
        &self,
        account_id: &str,
        serial_number: &str,
        owner: &KeyOwner,
        audit: &AuditEvent,
    ) -> Result<bool> {
        let (mut tx, seq) = self.write_tx(account_id).await?;
        let done = sqlx::query("UPDATE mfa_devices SET owner_user_id = NULL, enable_date = NULL WHERE account_id = $1 AND serial_number = $2 AND owner_user_id = $3")
            .bind(account_id)
            .bind(serial_number)
            .bind(owner_column(owner))
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await?;
        Ok(true)
    }

    async fn delete_mfa_device(
        &self,
        account_id: &str,
        serial_number: &str,
        audit: &AuditEvent,
    ) -> Result<bool> {
        let (mut tx, seq) = self.write_tx(account_id).await?;
        let row = sqlx::query(
            "SELECT owner_user_id FROM mfa_devices WHERE account_id = $1 AND serial_number = $2",
        )
        .bind(account_id)
        .bind(serial_number)
        .fetch_optional(&mut *tx)
        .await
        .map_err(storage)?;
        let Some(row) = row else {
            return Ok(false);
        };
        let assigned: Option<String> = row.try_get(0).map_err(storage)?;
        if assigned.is_some() {
            return Err(Error::DeleteConflict("MFA Device is still in use".into()));
        }
        sqlx::query("DELETE FROM mfa_devices WHERE serial_number = $1")
            .bind(serial_number)
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        Self::write_audit(&mut tx, seq, audit).await?;
        Self::commit(tx).await?;
        Ok(true)
    }

    async fn set_mfa_device_tags(
        &self,
        account_id: &str,
        serial_number: &str,
        tags: &[Tag],
        audit: &AuditEvent,
    ) -> Result<bool> {
        self.replace_tags(
            "mfa_devices",
            "serial_number",
            account_id,
            serial_number,
            tags,
            audit,
            None,
        )
        .await
    }

    async fn accept_mfa_step(&self, serial_number: &str, step: i64) -> Result<bool> {
        let done = sqlx::query("UPDATE mfa_devices SET last_step = $1, failures = 0, failures_since = NULL WHERE serial_number = $2 AND owner_user_id IS NOT NULL AND (last_step IS NULL OR last_step < $1)")
            .bind(step)
            .bind(serial_number)
            .execute(&self.pool)
            .await
            .map_err(storage)?;
        Ok(done.rows_affected() == 1)
    }

    async fn record_mfa_failure(
        &self,
        serial_number: &str,
        now: i64,
        window_secs: i64,
    ) -> Result<()> {
        sqlx::query("UPDATE mfa_devices SET \
                failures = CASE WHEN failures_since IS NULL OR failures_since <= $1 THEN 1 ELSE failures + 1 END, \
                failures_since = CASE WHEN failures_since IS NULL OR failures_since <= $1 THEN $2 ELSE failures_since END \
             WHERE serial_number = $3")
            .bind(now - window_secs)
            .bind(now)
            .bind(serial_number)
            .execute(&self.pool)
            .await
            .map_err(storage)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    //! The TOTP rules end to end through `Keyward` and SQLite, on a set
    //! clock: drift window, single use of a code, throttling, resync.

    use std::sync::Arc;

    use base64::Engine as _;
    use keyward_core::caller::{Caller, Principal};
    use keyward_core::clock::ManualClock;
    use keyward_core::crypto::Kek;
    use keyward_core::model::Account;
    use keyward_core::random::SeededRandom;
    use keyward_core::service::Keyward;
    use keyward_core::store::AccountStore;
    use time::OffsetDateTime;

    use super::*;

    const ACCT: &str = "123456789012";
    /// A step boundary: 1_800_000_000 is a multiple of 30.
    const T0: i64 = 1_800_000_000;

    struct Fixture {
        keyward: Keyward,
        clock: Arc<ManualClock>,
        root: Caller,
        path: std::path::PathBuf,
    }

    impl Fixture {
        async fn new() -> Self {
            let (store, path) = crate::test_support::fresh_sqlite_store("mfa-test").await;
            let at = OffsetDateTime::from_unix_timestamp(T0).expect("time");
            let account = Account {
                account_id: ACCT.into(),
                email: "root@example.com".into(),
                alias: None,
                root_password_hash: "x".into(),
                created: at,
                closed: None,
                root_password_last_used: None,
            };
            let audit = AuditEvent {
                at,
                account_id: ACCT.into(),
                actor: "test".into(),
                action: "test".into(),
                resource: "test".into(),
                detail: "{}".into(),
            };
            store
                .create_account(&account, &audit)
                .await
                .expect("account");
            let clock = Arc::new(ManualClock::new(at));
            let rng = Arc::new(SeededRandom::new(42));
            let kek = Kek::generate(rng.as_ref());
            let keyward = Keyward::new(Arc::new(store), clock.clone(), rng, kek);
            let root = Caller {
                account_id: ACCT.into(),
                principal: Principal::Root,
                access_key_id: "AKIATEST".into(),
                partition: "aws",
                region: "us-east-1".into(),
                service: "iam".into(),
                source_ip: None,
                secure_transport: true,
                session: None,
            };
            Self {
                keyward,
                clock,
                root,
                path,
            }
        }

        fn at_step(&self, step: i64) {
            self.clock
                .set(OffsetDateTime::from_unix_timestamp(step * 30 + 7).expect("time"));
        }
    }

    impl Drop for Fixture {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.path);
        }
    }

    fn code(totp: &totp_rs::Totp, step: i64) -> String {
        totp.generate(u64::try_from(step * 30).expect("step"))
            .to_string()
    }

    #[tokio::test]
    async fn codes_work_once_within_the_window_and_failures_lock() {
        let f = Fixture::new().await;
        let created = f
            .keyward
            .create_virtual_mfa_device(&f.root, "root-app", None, Vec::new())
            .await
            .expect("create");
        let serial = created.device.serial_number.clone();
        let b32 = base64::engine::general_purpose::STANDARD
            .decode(created.base32_string_seed.expose())
            .expect("base64");
        let secret = totp_rs::Secret::try_from_base32(String::from_utf8(b32).expect("utf-8"))
            .expect("base32");
        let totp = totp_rs::Builder::new()
            .with_secret(secret)
            .build()
            .expect("totp");
        let t = T0 / 30;
        let root = KeyOwner::Root;
        let verify = |step: i64| {
            let keyward = f.keyward.clone();
            let serial = serial.clone();
            let c = code(&totp, step);
            async move {
                keyward
                    .verify_mfa_code(ACCT, &KeyOwner::Root, &serial, &c)
                    .await
                    .expect("verify")
            }
        };

        // Unassigned devices verify nothing.
        f.at_step(t);
        assert!(!verify(t).await);
        f.keyward
            .enable_mfa_device(&f.root, None, &serial, &code(&totp, t), &code(&totp, t + 1))
            .await
            .expect("enable");
        // Steps t and t + 1 are used up.
        assert!(!verify(t + 1).await);
        f.at_step(t + 2);
        assert!(!verify(t + 4).await, "outside the ±1 window");
        assert!(verify(t + 3).await, "one step ahead");
        assert!(!verify(t + 3).await, "a code works once");
        assert!(!verify(t + 2).await, "earlier than the last accepted step");
        // Another owner, or a malformed code, never passes.
        f.at_step(t + 4);
        assert!(
            !f.keyward
                .verify_mfa_code(
                    ACCT,
                    &KeyOwner::User("AIDAOTHER".into()),
                    &serial,
                    &code(&totp, t + 4)
                )
                .await
                .expect("verify")
        );
        assert!(
            !f.keyward
                .verify_mfa_code(ACCT, &root, &serial, "12345")
                .await
                .expect("verify")
        );

        // Five wrong codes within five minutes lock the device, right codes
        // too (the malformed code above counted, but is out of the window).
        f.at_step(t + 30);
        for _ in 0..4 {
            assert!(!verify(t + 50).await);
        }
        assert!(verify(t + 30).await, "four failures do not lock");
        for _ in 0..5 {
            assert!(!verify(t + 50).await);
        }
        f.at_step(t + 31);
        assert!(!verify(t + 31).await, "locked");
        f.at_step(t + 30 + 10);
        assert!(verify(t + 40).await, "the window has passed");

        // Resync with the next two codes moves the last accepted step.
        f.at_step(t + 60);
        f.keyward
            .resync_mfa_device(
                &f.root,
                None,
                &serial,
                &code(&totp, t + 60),
                &code(&totp, t + 61),
            )
            .await
            .expect("resync");
        assert!(!verify(t + 61).await);
        let replay = f
            .keyward
            .resync_mfa_device(
                &f.root,
                None,
                &serial,
                &code(&totp, t + 60),
                &code(&totp, t + 61),
            )
            .await
            .expect_err("replayed resync");
        assert_eq!(replay, Error::invalid_mfa_code());

        // The seed is sealed, bound to the serial number.
        let stored = f
            .keyward
            .store()
            .mfa_device(ACCT, &serial)
            .await
            .expect("read")
            .expect("device");
        assert!(!stored.sealed_seed.contains(&totp.secret().to_base32()));
    }
}
