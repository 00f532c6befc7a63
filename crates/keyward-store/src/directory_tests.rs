//! The in-memory user directory and role cache against a real store: every
//! write through `Keyward` is visible to the very next read of the same
//! process; a second process (a fresh `Keyward` on the same store) sees
//! another's writes once the change feed delivers them (`apply_change`).

use std::sync::Arc;

use keyward_core::caller::Caller;
use keyward_core::clock::SystemClock;
use keyward_core::crypto::Kek;
use keyward_core::feed::Change;
use keyward_core::model::Tag;
use keyward_core::policies::EntityKind;
use keyward_core::random::OsRandom;
use keyward_core::service::{AssumeRoleInput, Keyward, NewRole};

use crate::SqlStore;

async fn two_processes() -> (Keyward, Keyward, String, std::path::PathBuf) {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let path = std::env::temp_dir().join(format!(
        "keyward-directory-{}-{nanos}.db",
        std::process::id()
    ));
    let store = Arc::new(
        SqlStore::connect(&format!("sqlite://{}?mode=rwc", path.display()))
            .await
            .expect("store"),
    );
    let process = || {
        Keyward::new(
            store.clone(),
            Arc::new(SystemClock),
            Arc::new(OsRandom),
            Kek::from_bytes([5; 32]),
        )
    };
    let (a, b) = (process(), process());
    let acct = crate::test_support::new_account(&a, "directory@example.com").await;
    (a, b, acct, path)
}

async fn names(kw: &Keyward, root: &Caller, prefix: Option<&str>) -> Vec<String> {
    kw.list_users(root, prefix, None, None)
        .await
        .expect("list")
        .items
        .into_iter()
        .map(|u| u.name)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_writes_are_read_back_at_once_here_and_after_the_feed_elsewhere() {
    let (a, b, acct, path) = two_processes().await;
    let root = a.root_caller(&acct);
    assert!(names(&a, &root, None).await.is_empty());
    assert!(names(&b, &root, None).await.is_empty());

    // Writes through A: A reads them back at once, whatever it held.
    let ana = a
        .create_user(&root, "ana", None, None, Vec::new())
        .await
        .expect("user");
    a.create_user(&root, "Bo", Some("/ops/"), None, Vec::new())
        .await
        .expect("user");
    assert_eq!(names(&a, &root, None).await, ["ana", "Bo"]);
    assert_eq!(names(&a, &root, Some("/ops/")).await, ["Bo"]);
    a.update_user(&root, "bo", Some("cy"), Some("/dev/"))
        .await
        .expect("rename");
    assert_eq!(names(&a, &root, Some("/dev/")).await, ["cy"]);
    assert!(a.read_user(&acct, "bo").await.is_err());
    a.tag_user(
        &root,
        "ana",
        vec![Tag {
            key: "team".into(),
            value: "blue".into(),
        }],
    )
    .await
    .expect("tag");
    assert_eq!(a.read_user(&acct, "ANA").await.expect("ana").tags.len(), 1);
    let boundary = "arn:aws:iam::aws:policy/ReadOnlyAccess";
    a.put_permissions_boundary(&root, EntityKind::User, "ana", boundary)
        .await
        .expect("boundary");
    assert_eq!(
        a.find_user(&acct, "ana")
            .await
            .expect("read")
            .and_then(|u| u.permissions_boundary)
            .as_deref(),
        Some(boundary)
    );

    // B held the account's users from before: it is behind until the feed
    // tells it, then reads exactly what the store holds.
    assert!(names(&b, &root, None).await.is_empty());
    b.apply_change(&acct, &Change::User(ana.user_id.clone()));
    assert_eq!(names(&b, &root, None).await, ["ana", "cy"]);
    let stored = a.store().user(&acct, "ana").await.expect("read");
    assert_eq!(b.find_user(&acct, "ana").await.expect("read"), stored);

    a.delete_permissions_boundary(&root, EntityKind::User, "ana")
        .await
        .expect("no boundary");
    a.untag_user(&root, "ana", &["team".to_owned()])
        .await
        .expect("untag");
    a.delete_user(&root, "cy").await.expect("delete");
    let ana_now = a.read_user(&acct, "ana").await.expect("ana");
    assert!(ana_now.tags.is_empty() && ana_now.permissions_boundary.is_none());
    assert_eq!(names(&a, &root, None).await, ["ana"]);
    b.apply_change(&acct, &Change::Account(acct.clone()));
    assert_eq!(names(&b, &root, None).await, ["ana"]);
    let _ = std::fs::remove_file(&path);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assume_role_follows_role_changes() {
    let (a, b, acct, path) = two_processes().await;
    let root = a.root_caller(&acct);
    let user = a
        .create_user(&root, "ana", None, None, Vec::new())
        .await
        .expect("user");
    let ana = Caller {
        principal: keyward_core::caller::Principal::User {
            user_id: user.user_id.clone(),
            name: "ana".into(),
            path: "/".into(),
        },
        access_key_id: "AKIATEST".into(),
        ..root.clone()
    };
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{acct}:user/ana"}},"Action":"sts:AssumeRole"}}]}}"#
    );
    let role = a
        .create_role(
            &root,
            NewRole {
                name: "ops",
                trust_policy: &trust,
                ..NewRole::default()
            },
        )
        .await
        .expect("role");
    let arn = format!("arn:aws:iam::{acct}:role/ops");
    let assume = |kw: &Keyward, secs: Option<i64>| {
        let kw = kw.clone();
        let (ana, arn) = (ana.clone(), arn.clone());
        async move {
            kw.assume_role(
                &ana,
                AssumeRoleInput {
                    role_arn: &arn,
                    role_session_name: "s1",
                    duration_seconds: secs,
                    ..AssumeRoleInput::default()
                },
            )
            .await
        }
    };
    let over = |r: keyward_core::Result<_>| matches!(r, Err(keyward_core::Error::Validation(m)) if m.contains("MaxSessionDuration"));
    let denied =
        |r: keyward_core::Result<_>| matches!(r, Err(keyward_core::Error::AccessDenied(_)));
    assert!(over(assume(&a, Some(7200)).await), "over the maximum");
    assume(&b, None).await.expect("B holds the role now");

    // UpdateRole raises the maximum: A honours it at once, B after the feed.
    a.update_role(&root, "ops", None, Some(7200))
        .await
        .expect("update");
    assume(&a, Some(7200)).await.expect("raised");
    assert!(over(assume(&b, Some(7200)).await), "B is behind");
    b.apply_change(&acct, &Change::Role(role.role_id.clone()));
    assume(&b, Some(7200)).await.expect("B follows");

    // A trust policy that no longer names the user, then the role deleted.
    let nobody = trust.replace(":user/ana", ":user/nobody");
    a.update_assume_role_policy(&root, "ops", &nobody)
        .await
        .expect("trust");
    assert!(denied(assume(&a, None).await), "no longer trusted");
    a.delete_role(&root, "ops").await.expect("delete");
    assert!(denied(assume(&a, None).await), "gone");
    b.apply_change(&acct, &Change::Role(role.role_id.clone()));
    assert!(denied(assume(&b, None).await), "gone on B too");
    let _ = std::fs::remove_file(&path);
}
