//! STS identity, authentication failures, implicit deny, secrets at rest.

use crate::harness::{Backend, Server, StoreLocation, create_account, create_root_key, error_of};

pub async fn caller_identity(store: StoreLocation, _b: Backend) {
    let account = create_account(&store, "admin");
    let root_key = create_root_key(&store);
    let server = Server::start(&store, &[]).await;

    let root = server
        .sts(&root_key)
        .get_caller_identity()
        .send()
        .await
        .expect("root identity");
    assert_eq!(root.account(), Some(account.account_id.as_str()));
    assert_eq!(root.user_id(), Some(account.account_id.as_str()));
    assert_eq!(
        root.arn(),
        Some(format!("arn:aws:iam::{}:root", account.account_id).as_str())
    );

    let admin = server
        .sts(&account.admin_key)
        .get_caller_identity()
        .send()
        .await
        .expect("user identity");
    assert!(admin.user_id().is_some_and(|u| u.starts_with("AIDA")));
    assert_eq!(
        admin.arn(),
        Some(format!("arn:aws:iam::{}:user/admin", account.account_id).as_str())
    );

    // The partition follows the signing region.
    let cn = server
        .sts_in(&account.admin_key, "cn-north-1")
        .get_caller_identity()
        .send()
        .await
        .expect("cn identity");
    assert_eq!(
        cn.arn(),
        Some(format!("arn:aws-cn:iam::{}:user/admin", account.account_id).as_str())
    );

    // GetUser without a name, as root: the account id and root ARN.
    let me = server
        .iam(&root_key)
        .get_user()
        .send()
        .await
        .expect("root get user");
    let u = me.user().expect("user");
    assert_eq!(u.user_id(), account.account_id);
    assert!(u.arn().ends_with(":root"));

    // A wrong secret.
    let wrong = (account.admin_key.0.clone(), "x".repeat(40));
    let err = server
        .sts(&wrong)
        .get_caller_identity()
        .send()
        .await
        .expect_err("wrong secret");
    let (code, message) = error_of(&err);
    assert_eq!(code, "SignatureDoesNotMatch");
    assert!(
        message.starts_with("The request signature we calculated does not match"),
        "{message}"
    );
    // An unknown key.
    let unknown = ("AKIAUNKNOWNUNKNOWN00".to_owned(), "x".repeat(40));
    let err = server
        .sts(&unknown)
        .get_caller_identity()
        .send()
        .await
        .expect_err("unknown key");
    assert_eq!(error_of(&err).0, "InvalidClientTokenId");
}

pub async fn user_without_policy_is_denied(store: StoreLocation, _b: Backend) {
    let account = create_account(&store, "admin");
    let server = Server::start(&store, &[]).await;
    let admin = server.iam(&account.admin_key);
    admin
        .create_user()
        .user_name("dave")
        .send()
        .await
        .expect("create");
    let key = admin
        .create_access_key()
        .user_name("dave")
        .send()
        .await
        .expect("key");
    let key = key.access_key().expect("key");
    let dave_key = (
        key.access_key_id().to_owned(),
        key.secret_access_key().to_owned(),
    );
    let dave = server.iam(&dave_key);

    // GetCallerIdentity is never denied.
    server
        .sts(&dave_key)
        .get_caller_identity()
        .send()
        .await
        .expect("identity");

    let err = dave.list_users().send().await.expect_err("implicit deny");
    let acct = &account.account_id;
    assert_eq!(
        error_of(&err),
        (
            "AccessDenied".into(),
            format!(
                "User: arn:aws:iam::{acct}:user/dave is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::{acct}:user/ because no identity-based policy allows the iam:ListUsers action"
            )
        )
    );
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(403));

    admin
        .attach_user_policy()
        .user_name("dave")
        .policy_arn("arn:aws:iam::aws:policy/IAMReadOnlyAccess")
        .send()
        .await
        .expect("attach");
    dave.list_users()
        .send()
        .await
        .expect("allowed after attach");
    let err = dave
        .create_user()
        .user_name("eve")
        .send()
        .await
        .expect_err("read-only");
    assert_eq!(error_of(&err).0, "AccessDenied");
    admin
        .detach_user_policy()
        .user_name("dave")
        .policy_arn("arn:aws:iam::aws:policy/IAMReadOnlyAccess")
        .send()
        .await
        .expect("detach");
    let err = dave
        .list_users()
        .send()
        .await
        .expect_err("denied at once after detach");
    assert_eq!(error_of(&err).0, "AccessDenied");
}

pub async fn secrets_are_not_stored_in_clear(store: StoreLocation, backend: Backend) {
    let account = create_account(&store, "admin");
    let root_key = create_root_key(&store);
    let server = Server::start(&store, &[]).await;
    let created = server
        .iam(&account.admin_key)
        .create_access_key()
        .user_name("admin")
        .send()
        .await
        .expect("key");
    let api_secret = created
        .access_key()
        .expect("key")
        .secret_access_key()
        .to_owned();
    drop(server);
    let secrets = [
        account.admin_key.1.as_str(),
        root_key.1.as_str(),
        api_secret.as_str(),
        crate::harness::ROOT_PASSWORD,
    ];
    match backend {
        Backend::Sqlite => {
            for entry in std::fs::read_dir(store.dir.path()).expect("data dir") {
                let path = entry.expect("entry").path();
                let bytes = std::fs::read(&path).expect("read file");
                for s in secrets {
                    assert!(
                        !contains(&bytes, s.as_bytes()),
                        "a secret appears in clear in {}",
                        path.display()
                    );
                }
            }
        }
        Backend::Postgres => {
            let url = store.database_url.as_deref().expect("url");
            let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(url)
                .await
                .expect("connect");
            for table in [
                "accounts",
                "users",
                "access_keys",
                "audit_events",
                "policy_attachments",
                "login_profiles",
                "password_history",
            ] {
                let rows: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT t::text FROM {table} t"
                )))
                .fetch_all(&mut conn)
                .await
                .expect("dump table");
                for (row,) in rows {
                    for s in secrets {
                        assert!(
                            !row.contains(s),
                            "a secret appears in clear in table {table}"
                        );
                    }
                }
            }
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
