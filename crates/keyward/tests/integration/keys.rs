//! Access keys of users and of the root user.

use aws_sdk_iam::types::StatusType;

use crate::harness::{Backend, Server, StoreLocation, create_account, create_root_key, error_of};

pub async fn access_key_lifecycle(store: StoreLocation, _b: Backend) {
    let account = create_account(&store, "admin");
    let server = Server::start(&store, &[]).await;
    let iam = server.iam(&account.admin_key);
    iam.create_user()
        .user_name("carol")
        .send()
        .await
        .expect("create");
    iam.attach_user_policy()
        .user_name("carol")
        .policy_arn("arn:aws:iam::aws:policy/IAMReadOnlyAccess")
        .send()
        .await
        .expect("attach");

    let k1 = iam
        .create_access_key()
        .user_name("carol")
        .send()
        .await
        .expect("key 1");
    let k1 = k1.access_key().expect("key");
    assert_eq!(k1.user_name(), "carol");
    assert!(k1.access_key_id().starts_with("AKIA") && k1.access_key_id().len() == 20);
    assert_eq!(k1.secret_access_key().len(), 40);
    assert_eq!(k1.status(), &StatusType::Active);
    let carol = (
        k1.access_key_id().to_owned(),
        k1.secret_access_key().to_owned(),
    );
    iam.create_access_key()
        .user_name("carol")
        .send()
        .await
        .expect("key 2");
    let third = iam
        .create_access_key()
        .user_name("carol")
        .send()
        .await
        .expect_err("third key");
    assert_eq!(
        error_of(&third),
        (
            "LimitExceeded".into(),
            "Cannot exceed quota for AccessKeysPerUser: 2".into()
        )
    );

    let listed = iam
        .list_access_keys()
        .user_name("carol")
        .send()
        .await
        .expect("list");
    assert_eq!(listed.access_key_metadata().len(), 2);

    // Never used yet.
    let last = iam
        .get_access_key_last_used()
        .access_key_id(&carol.0)
        .send()
        .await
        .expect("last used");
    let lu = last.access_key_last_used().expect("last used");
    assert!(lu.last_used_date().is_none());
    assert_eq!((lu.service_name(), lu.region()), ("N/A", "N/A"));

    // Carol's own key works, and its use is recorded.
    let carol_iam = server.iam_in(&carol, "eu-west-1");
    carol_iam
        .list_users()
        .send()
        .await
        .expect("carol lists users");
    let last = iam
        .get_access_key_last_used()
        .access_key_id(&carol.0)
        .send()
        .await
        .expect("last used");
    let lu = last.access_key_last_used().expect("last used");
    assert!(lu.last_used_date().is_some());
    assert_eq!((lu.service_name(), lu.region()), ("iam", "eu-west-1"));
    assert_eq!(last.user_name(), Some("carol"));

    // Inactive: refused on the very next request; active again: accepted.
    iam.update_access_key()
        .user_name("carol")
        .access_key_id(&carol.0)
        .status(StatusType::Inactive)
        .send()
        .await
        .expect("deactivate");
    let refused = carol_iam
        .list_users()
        .send()
        .await
        .expect_err("inactive key");
    assert_eq!(
        error_of(&refused),
        (
            "InvalidClientTokenId".into(),
            "The security token included in the request is invalid.".into()
        )
    );
    assert_eq!(
        refused.raw_response().map(|r| r.status().as_u16()),
        Some(403)
    );
    iam.update_access_key()
        .user_name("carol")
        .access_key_id(&carol.0)
        .status(StatusType::Active)
        .send()
        .await
        .expect("activate");
    carol_iam.list_users().send().await.expect("active again");

    // A user lists its own keys without naming itself (IAMReadOnlyAccess grants iam:List*).
    let own = carol_iam.list_access_keys().send().await.expect("own keys");
    assert_eq!(own.access_key_metadata().len(), 2);
    assert!(
        own.access_key_metadata()
            .iter()
            .all(|k| k.user_name() == Some("carol"))
    );

    // Deleted: refused on the very next request.
    iam.delete_access_key()
        .user_name("carol")
        .access_key_id(&carol.0)
        .send()
        .await
        .expect("delete");
    let refused = carol_iam
        .list_users()
        .send()
        .await
        .expect_err("deleted key");
    assert_eq!(error_of(&refused).0, "InvalidClientTokenId");
}

pub async fn root_access_keys(store: StoreLocation, _b: Backend) {
    let account = create_account(&store, "admin");
    let root_key = create_root_key(&store);
    assert!(root_key.0.starts_with("AKIA"));
    let server = Server::start(&store, &[]).await;
    let iam = server.iam(&root_key);
    let listed = iam
        .list_access_keys()
        .send()
        .await
        .expect("root lists its keys");
    assert_eq!(listed.access_key_metadata().len(), 1);
    let second = iam
        .create_access_key()
        .send()
        .await
        .expect("second root key");
    let second_id = second.access_key().expect("key").access_key_id().to_owned();
    let third = iam
        .create_access_key()
        .send()
        .await
        .expect_err("third root key");
    assert_eq!(error_of(&third).0, "LimitExceeded");
    // Root's keys are not a user's: the admin user's own list is separate.
    let admin_keys = server
        .iam(&account.admin_key)
        .list_access_keys()
        .user_name("admin")
        .send()
        .await
        .expect("admin keys");
    assert_eq!(admin_keys.access_key_metadata().len(), 1);
    iam.update_access_key()
        .access_key_id(&second_id)
        .status(StatusType::Inactive)
        .send()
        .await
        .expect("deactivate root key");
    iam.delete_access_key()
        .access_key_id(&second_id)
        .send()
        .await
        .expect("delete root key");
    let missing = iam
        .delete_access_key()
        .access_key_id(&second_id)
        .send()
        .await
        .expect_err("deleted twice");
    assert_eq!(
        error_of(&missing),
        (
            "NoSuchEntity".into(),
            format!("The Access Key with id {second_id} cannot be found.")
        )
    );
    // Root can do anything, including what no policy grants it.
    iam.create_user()
        .user_name("made-by-root")
        .send()
        .await
        .expect("root creates a user");
}

pub async fn key_made_by_cli_while_serving_works_at_once(store: StoreLocation, _b: Backend) {
    create_account(&store, "admin");
    let server = Server::start(&store, &[]).await;
    let root_key = create_root_key(&store);
    let who = server
        .sts(&root_key)
        .get_caller_identity()
        .send()
        .await
        .expect("new key works at once");
    assert!(who.arn().expect("arn").ends_with(":root"));
}
