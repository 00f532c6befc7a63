//! IAM users through aws-sdk-iam.

use aws_sdk_iam::types::Tag;

use crate::harness::{Backend, Server, StoreLocation, create_account, error_of};

pub async fn user_lifecycle(store: StoreLocation, _b: Backend) {
    let account = create_account(&store, "admin");
    let server = Server::start(&store, &[]).await;
    let iam = server.iam(&account.admin_key);

    let created = iam
        .create_user()
        .user_name("alice")
        .path("/eng/")
        .tags(
            Tag::builder()
                .key("team")
                .value("core")
                .build()
                .expect("tag"),
        )
        .send()
        .await
        .expect("create user");
    let user = created.user().expect("user");
    assert_eq!(user.user_name(), "alice");
    assert_eq!(user.path(), "/eng/");
    assert!(user.user_id().starts_with("AIDA"), "{}", user.user_id());
    assert_eq!(
        user.arn(),
        format!("arn:aws:iam::{}:user/eng/alice", account.account_id)
    );
    assert_eq!(user.tags().len(), 1);

    // Names are unique ignoring case.
    let dup = iam
        .create_user()
        .user_name("ALICE")
        .send()
        .await
        .expect_err("duplicate");
    assert_eq!(error_of(&dup).0, "EntityAlreadyExists");
    assert_eq!(dup.raw_response().map(|r| r.status().as_u16()), Some(409));

    let got = iam
        .get_user()
        .user_name("Alice")
        .send()
        .await
        .expect("get user");
    assert_eq!(got.user().expect("user").user_name(), "alice");

    iam.update_user()
        .user_name("alice")
        .new_user_name("alice2")
        .new_path("/ops/")
        .send()
        .await
        .expect("update user");
    let got = iam
        .get_user()
        .user_name("alice2")
        .send()
        .await
        .expect("get renamed");
    assert_eq!(
        got.user().expect("user").arn(),
        format!("arn:aws:iam::{}:user/ops/alice2", account.account_id)
    );
    let gone = iam
        .get_user()
        .user_name("alice")
        .send()
        .await
        .expect_err("old name");
    assert_eq!(
        error_of(&gone),
        (
            "NoSuchEntity".into(),
            "The user with name alice cannot be found.".into()
        )
    );
    assert_eq!(gone.raw_response().map(|r| r.status().as_u16()), Some(404));

    iam.tag_user()
        .user_name("alice2")
        .tags(
            Tag::builder()
                .key("env")
                .value("prod")
                .build()
                .expect("tag"),
        )
        .send()
        .await
        .expect("tag");
    iam.tag_user()
        .user_name("alice2")
        .tags(
            Tag::builder()
                .key("TEAM")
                .value("infra")
                .build()
                .expect("tag"),
        )
        .send()
        .await
        .expect("retag");
    let tags = iam
        .list_user_tags()
        .user_name("alice2")
        .send()
        .await
        .expect("list tags");
    let pairs: Vec<(&str, &str)> = tags.tags().iter().map(|t| (t.key(), t.value())).collect();
    assert_eq!(pairs, vec![("TEAM", "infra"), ("env", "prod")]);
    iam.untag_user()
        .user_name("alice2")
        .tag_keys("team")
        .send()
        .await
        .expect("untag");
    let tags = iam
        .list_user_tags()
        .user_name("alice2")
        .send()
        .await
        .expect("list tags");
    assert_eq!(tags.tags().len(), 1);

    iam.delete_user()
        .user_name("alice2")
        .send()
        .await
        .expect("delete user");
    let gone = iam
        .delete_user()
        .user_name("alice2")
        .send()
        .await
        .expect_err("deleted twice");
    assert_eq!(error_of(&gone).0, "NoSuchEntity");
}

pub async fn list_users_paginates_and_filters(store: StoreLocation, _b: Backend) {
    let account = create_account(&store, "admin");
    let server = Server::start(&store, &[]).await;
    let iam = server.iam(&account.admin_key);
    for (name, path) in [("u1", "/a/"), ("u2", "/a/"), ("u3", "/b/"), ("u4", "/a/x/")] {
        iam.create_user()
            .user_name(name)
            .path(path)
            .send()
            .await
            .expect("create");
    }
    let first = iam
        .list_users()
        .path_prefix("/a/")
        .max_items(2)
        .send()
        .await
        .expect("page 1");
    assert!(first.is_truncated());
    let names: Vec<&str> = first.users().iter().map(|u| u.user_name()).collect();
    assert_eq!(names, vec!["u1", "u2"]);
    assert!(
        first.users().iter().all(|u| u.tags().is_empty()),
        "ListUsers never returns tags"
    );
    let second = iam
        .list_users()
        .path_prefix("/a/")
        .max_items(2)
        .marker(first.marker().expect("marker"))
        .send()
        .await
        .expect("page 2");
    assert!(!second.is_truncated());
    assert_eq!(
        second
            .users()
            .iter()
            .map(|u| u.user_name())
            .collect::<Vec<_>>(),
        vec!["u4"]
    );
    let all = iam.list_users().send().await.expect("all");
    assert_eq!(all.users().len(), 5, "admin plus four");
}

pub async fn bad_input_changes_nothing(store: StoreLocation, _b: Backend) {
    let account = create_account(&store, "admin");
    let server = Server::start(&store, &[]).await;
    let iam = server.iam(&account.admin_key);
    let err = iam
        .create_user()
        .user_name("bad name")
        .send()
        .await
        .expect_err("bad name");
    assert_eq!(
        error_of(&err),
        (
            "ValidationError".into(),
            r"1 validation error detected: Value 'bad name' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+".into()
        )
    );
    let err = iam
        .create_user()
        .user_name("ok")
        .path("no-slashes")
        .send()
        .await
        .expect_err("bad path");
    assert_eq!(error_of(&err).0, "ValidationError");
    let err = iam
        .list_users()
        .max_items(0)
        .send()
        .await
        .expect_err("bad max items");
    assert_eq!(error_of(&err).0, "ValidationError");
    let users = iam.list_users().send().await.expect("list");
    assert_eq!(
        users.users().len(),
        1,
        "nothing was created by the failed calls"
    );
}

pub async fn delete_conflicts_while_keys_or_policies_remain(store: StoreLocation, _b: Backend) {
    let account = create_account(&store, "admin");
    let server = Server::start(&store, &[]).await;
    let iam = server.iam(&account.admin_key);
    iam.create_user()
        .user_name("bob")
        .send()
        .await
        .expect("create");
    let key = iam
        .create_access_key()
        .user_name("bob")
        .send()
        .await
        .expect("key");
    let id = key.access_key().expect("key").access_key_id().to_owned();
    let err = iam
        .delete_user()
        .user_name("bob")
        .send()
        .await
        .expect_err("conflict");
    assert_eq!(
        error_of(&err),
        (
            "DeleteConflict".into(),
            "Cannot delete entity, must remove referenced objects first.".into()
        )
    );
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(409));
    iam.delete_access_key()
        .user_name("bob")
        .access_key_id(&id)
        .send()
        .await
        .expect("delete key");
    iam.attach_user_policy()
        .user_name("bob")
        .policy_arn("arn:aws:iam::aws:policy/IAMReadOnlyAccess")
        .send()
        .await
        .expect("attach");
    let err = iam
        .delete_user()
        .user_name("bob")
        .send()
        .await
        .expect_err("conflict");
    assert_eq!(error_of(&err).0, "DeleteConflict");
    iam.detach_user_policy()
        .user_name("bob")
        .policy_arn("arn:aws:iam::aws:policy/IAMReadOnlyAccess")
        .send()
        .await
        .expect("detach");
    iam.delete_user()
        .user_name("bob")
        .send()
        .await
        .expect("delete");
}
