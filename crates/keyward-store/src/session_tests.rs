//! GetSessionToken sessions against a real store, on a manual clock: expiry,
//! the parent user's deletion, root clamping, and a second process (a fresh
//! `Keyward` on the same store and KEK) honouring a token it did not issue.

use std::sync::Arc;

use keyward_core::caller::{Caller, Principal};
use keyward_core::clock::ManualClock;
use keyward_core::crypto::{Kek, Secret};
use keyward_core::random::OsRandom;
use keyward_core::service::{Keyward, MFA_UNKNOWN_DEVICE};
use keyward_core::session::SessionError;
use time::OffsetDateTime;

use crate::test_support::fresh_sqlite_store;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_expire_and_end_with_their_user() {
    let (store, path) = fresh_sqlite_store("sessions").await;
    let store = Arc::new(store);
    let start = OffsetDateTime::from_unix_timestamp(1_800_000_000).expect("time");
    let clock = Arc::new(ManualClock::new(start));
    let kw = Keyward::new(
        store.clone(),
        clock.clone(),
        Arc::new(OsRandom),
        Kek::from_bytes([9; 32]),
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
        .create_user(&root, "sid", None, None, Vec::new())
        .await
        .expect("user");
    let sid = Caller {
        principal: Principal::User {
            user_id: user.user_id.clone(),
            name: "sid".into(),
            path: "/".into(),
        },
        access_key_id: "AKIATEST".into(),
        ..root.clone()
    };

    // Expiry follows the injected clock, to the millisecond.
    let creds = kw
        .get_session_token(&sid, Some(900), None, None)
        .await
        .expect("session");
    assert_eq!(creds.expires, start + time::Duration::seconds(900));
    let token = creds.token.expose();
    let entry = kw
        .session(&creds.access_key_id, token)
        .await
        .expect("store")
        .expect("valid");
    assert_eq!(entry.principal, sid.principal);
    assert_eq!(entry.context.issued, start);
    assert!(!entry.context.mfa_present());
    assert_eq!(entry.secret(), &creds.secret);
    clock.advance(time::Duration::seconds(899));
    assert!(
        kw.session(&creds.access_key_id, token)
            .await
            .expect("store")
            .is_ok()
    );
    clock.advance(time::Duration::seconds(1));
    assert_eq!(
        kw.session(&creds.access_key_id, token)
            .await
            .expect("store")
            .map(|_| ())
            .expect_err("expired"),
        SessionError::Expired
    );

    // Another process with the same KEK honours the token; another KEK does not.
    let other = Keyward::new(
        store.clone(),
        clock.clone(),
        Arc::new(OsRandom),
        Kek::from_bytes([9; 32]),
    );
    let live = kw
        .get_session_token(&sid, None, None, None)
        .await
        .expect("session");
    assert_eq!(
        live.expires,
        clock_now(&clock) + time::Duration::seconds(43_200)
    );
    assert!(
        other
            .session(&live.access_key_id, live.token.expose())
            .await
            .expect("store")
            .is_ok()
    );
    let stranger = Keyward::new(
        store.clone(),
        clock.clone(),
        Arc::new(OsRandom),
        Kek::from_bytes([8; 32]),
    );
    assert_eq!(
        stranger
            .session(&live.access_key_id, live.token.expose())
            .await
            .expect("store")
            .map(|_| ())
            .expect_err("other KEK"),
        SessionError::Invalid
    );

    // Session credentials cannot make sessions; MFA cannot be verified yet.
    let session_caller = Caller {
        session: Some(entry.context.clone()),
        ..sid.clone()
    };
    let err = kw
        .get_session_token(&session_caller, None, None, None)
        .await
        .expect_err("from a session");
    assert_eq!(
        err.to_string(),
        "Cannot call GetSessionToken with session credentials"
    );
    let err = kw
        .get_session_token(&sid, None, Some("arn:aws:iam::1:mfa/sid"), Some("123456"))
        .await
        .expect_err("MFA");
    assert_eq!(err.to_string(), MFA_UNKNOWN_DEVICE);

    // Root: default and maximum one hour.
    let r = kw
        .get_session_token(&root, Some(129_600), None, None)
        .await
        .expect("root session");
    assert_eq!(
        r.expires,
        clock_now(&clock) + time::Duration::seconds(3_600)
    );

    // Deleting the user ends its sessions in this process, and in any process
    // that had not cached the session yet. (A process that had cached it
    // keeps it, exactly as its credential index keeps a long-term key deleted
    // elsewhere: the index is coherent for its own process only.)
    kw.delete_user(&root, "sid").await.expect("delete");
    let fresh = Keyward::new(
        store.clone(),
        clock.clone(),
        Arc::new(OsRandom),
        Kek::from_bytes([9; 32]),
    );
    for k in [&kw, &fresh] {
        assert_eq!(
            k.session(&live.access_key_id, live.token.expose())
                .await
                .expect("store")
                .map(|_| ())
                .expect_err("deleted user"),
            SessionError::Invalid
        );
    }
    drop(std::fs::remove_file(&path));
}

fn clock_now(clock: &ManualClock) -> OffsetDateTime {
    use keyward_core::clock::Clock as _;
    clock.now()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_issued_are_audited_without_their_secrets() {
    sessions_audited(false).await;
}

/// The same through the audit queue and its background writer, emptied by
/// closing the queue (as a graceful shutdown does).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_session_audit_events_are_written_by_the_writer() {
    sessions_audited(true).await;
}

async fn sessions_audited(queued: bool) {
    use keyward_core::service::AssumeRoleInput;
    use keyward_core::store::AuditStore as _;

    let (store, path) = fresh_sqlite_store("audit").await;
    let store = Arc::new(store);
    let start = OffsetDateTime::from_unix_timestamp(1_800_000_000).expect("time");
    let kw = Keyward::new(
        store.clone(),
        Arc::new(ManualClock::new(start)),
        Arc::new(OsRandom),
        Kek::from_bytes([7; 32]),
    );
    let writer = queued.then(|| tokio::spawn(kw.audit_writer().run()));
    let acct = crate::test_support::new_account(&kw, "audit@example.com").await;
    let root = kw.root_caller(&acct);
    let user = kw
        .create_user(&root, "ana", None, None, Vec::new())
        .await
        .expect("user");
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{acct}:user/ana"}},"Action":"sts:AssumeRole"}}]}}"#
    );
    kw.create_role(
        &root,
        keyward_core::service::NewRole {
            name: "ops",
            trust_policy: &trust,
            ..keyward_core::service::NewRole::default()
        },
    )
    .await
    .expect("role");
    let ana = Caller {
        principal: Principal::User {
            user_id: user.user_id.clone(),
            name: "ana".into(),
            path: "/".into(),
        },
        access_key_id: "AKIATEST".into(),
        ..root.clone()
    };
    let session = kw
        .get_session_token(&ana, Some(900), None, None)
        .await
        .expect("session");
    let assumed = kw
        .assume_role(
            &ana,
            AssumeRoleInput {
                role_arn: &format!("arn:aws:iam::{acct}:role/ops"),
                role_session_name: "s1",
                ..AssumeRoleInput::default()
            },
        )
        .await
        .expect("assume");
    if let Some(writer) = writer {
        kw.close_audit_queue();
        writer.await.expect("writer");
    }
    let events = store.audit_events(&acct, start).await.expect("events");
    let gst = events
        .iter()
        .find(|e| e.action == "sts:GetSessionToken")
        .expect("GetSessionToken audited");
    assert_eq!(gst.actor, format!("arn:aws:iam::{acct}:user/ana"));
    assert!(gst.detail.contains(&session.access_key_id));
    let ar = events
        .iter()
        .find(|e| e.action == "sts:AssumeRole")
        .expect("AssumeRole audited");
    assert_eq!(ar.resource, format!("arn:aws:iam::{acct}:role/ops"));
    assert!(ar.detail.contains(&assumed.credentials.access_key_id));
    let detail: serde_json::Value = serde_json::from_str(&ar.detail).expect("JSON detail");
    assert_eq!(detail["roleArn"], format!("arn:aws:iam::{acct}:role/ops"));
    assert_eq!(detail["roleSessionName"], "s1");
    assert_eq!(
        detail["accessKeyId"],
        assumed.credentials.access_key_id.as_str()
    );
    assert_eq!(detail["durationSeconds"], 3600);
    assert_eq!(detail["externalIdPresent"], false);
    assert_eq!(detail["policyArns"], serde_json::json!([]));
    for e in [gst, ar] {
        for secret in [
            session.secret.expose(),
            session.token.expose(),
            assumed.credentials.secret.expose(),
            assumed.credentials.token.expose(),
        ] {
            assert!(!e.detail.contains(secret), "a secret in the audit trail");
        }
    }
    let _ = std::fs::remove_file(&path);
}
