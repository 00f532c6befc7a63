//! STS GetSessionToken and session credentials (`ASIA…` + session token),
//! through aws-sdk-sts and aws-sdk-iam. Expiry is tested in core with a
//! manual clock (`keyward_core::session`), since the server runs on the
//! system clock.

use std::time::{SystemTime, UNIX_EPOCH};

use aws_credential_types::Credentials;
use aws_sdk_iam::config::{BehaviorVersion, Region};

use crate::harness::{Backend, Server, StoreLocation, create_account, create_root_key, error_of};

const INVALID_TOKEN: &str = "The security token included in the request is invalid";

/// Session credentials: id, secret, token.
type Session = (String, String, String);

fn creds(s: &Session, token: Option<&str>) -> Credentials {
    Credentials::new(&s.0, &s.1, token.map(str::to_owned), None, "test")
}

fn sts_as(server: &Server, s: &Session, token: Option<&str>) -> aws_sdk_sts::Client {
    let conf = aws_sdk_sts::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(&server.url)
        .credentials_provider(creds(s, token))
        .retry_config(aws_sdk_sts::config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_sts::Client::from_conf(conf)
}

fn iam_as(server: &Server, s: &Session) -> aws_sdk_iam::Client {
    let conf = aws_sdk_iam::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(&server.url)
        .credentials_provider(creds(s, Some(&s.2)))
        .retry_config(aws_sdk_iam::config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_iam::Client::from_conf(conf)
}

fn now_secs() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock")
            .as_secs(),
    )
    .expect("secs")
}

/// Calls GetSessionToken and checks the credentials' shape and lifetime.
async fn session_of(
    sts: &aws_sdk_sts::Client,
    duration: Option<i32>,
    expected_secs: i64,
) -> Session {
    let before = now_secs();
    let out = sts
        .get_session_token()
        .set_duration_seconds(duration)
        .send()
        .await
        .expect("GetSessionToken");
    let c = out.credentials().expect("credentials");
    let id = c.access_key_id();
    assert!(id.starts_with("ASIA") && id.len() == 20, "{id}");
    assert!(
        id.bytes()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b)),
        "{id}"
    );
    assert_eq!(c.secret_access_key().len(), 40);
    assert!(!c.session_token().is_empty());
    let expires = c.expiration().secs();
    assert!(
        (before + expected_secs - 5..=now_secs() + expected_secs + 5).contains(&expires),
        "expires {expires}, wanted about now + {expected_secs}"
    );
    (
        id.to_owned(),
        c.secret_access_key().to_owned(),
        c.session_token().to_owned(),
    )
}

pub async fn get_session_token_and_use_it(store: StoreLocation, _b: Backend) {
    let account = create_account(&store, "admin");
    let root_key = create_root_key(&store);
    let server = Server::start(&store, &[]).await;
    let acct = &account.account_id;
    let admin_sts = server.sts(&account.admin_key);
    let root_sts = server.sts(&root_key);

    // Durations: users 900–129600, default 12 h; root default 1 h, clamped to 1 h.
    let session = session_of(&admin_sts, None, 43_200).await;
    session_of(&admin_sts, Some(900), 900).await;
    session_of(&admin_sts, Some(129_600), 129_600).await;
    let root_session = session_of(&root_sts, None, 3_600).await;
    session_of(&root_sts, Some(7_200), 3_600).await;
    session_of(&root_sts, Some(900), 900).await;
    for (sts, bad) in [
        (&admin_sts, 899),
        (&admin_sts, 129_601),
        (&root_sts, 899),
        (&root_sts, 129_601),
    ] {
        let err = sts
            .get_session_token()
            .duration_seconds(bad)
            .send()
            .await
            .expect_err("bad duration");
        let (code, message) = error_of(&err);
        assert_eq!(code, "ValidationError", "{bad}: {message}");
        assert!(
            message.contains(&format!("Value '{bad}' at 'durationSeconds'")),
            "{message}"
        );
    }

    // The session acts as its parent: same UserId and Arn.
    let parent = admin_sts
        .get_caller_identity()
        .send()
        .await
        .expect("parent identity");
    let me = sts_as(&server, &session, Some(&session.2))
        .get_caller_identity()
        .send()
        .await
        .expect("session identity");
    assert_eq!(me.user_id(), parent.user_id());
    assert_eq!(
        me.arn(),
        Some(format!("arn:aws:iam::{acct}:user/admin").as_str())
    );
    assert_eq!(me.account(), Some(acct.as_str()));
    let root_me = sts_as(&server, &root_session, Some(&root_session.2))
        .get_caller_identity()
        .send()
        .await
        .expect("root session identity");
    assert_eq!(
        root_me.arn(),
        Some(format!("arn:aws:iam::{acct}:root").as_str())
    );
    assert_eq!(root_me.user_id(), Some(acct.as_str()));

    // Without the token, with a tampered one, or with another session's: invalid.
    let tampered = {
        let mut t = session.2.clone();
        let i = t.len() - 6;
        let c = if &t[i..=i] == "A" { "B" } else { "A" };
        t.replace_range(i..=i, c);
        t
    };
    for token in [None, Some(tampered.as_str()), Some(root_session.2.as_str())] {
        let err = sts_as(&server, &session, token)
            .get_caller_identity()
            .send()
            .await
            .expect_err("bad token");
        assert_eq!(
            error_of(&err),
            ("InvalidClientTokenId".into(), INVALID_TOKEN.into()),
            "{token:?}"
        );
        assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(403));
    }
    // A long-term key with a session token is refused too.
    let err = sts_as(
        &server,
        &(
            account.admin_key.0.clone(),
            account.admin_key.1.clone(),
            session.2.clone(),
        ),
        Some(&session.2),
    )
    .get_caller_identity()
    .send()
    .await
    .expect_err("long-term key with a token");
    assert_eq!(error_of(&err).0, "InvalidClientTokenId");

    // Non-MFA sessions may not call IAM, even as an administrator or root.
    for s in [&session, &root_session] {
        let err = iam_as(&server, s)
            .list_users()
            .send()
            .await
            .expect_err("IAM with a non-MFA session");
        let (code, message) = error_of(&err);
        assert_eq!(code, "AccessDenied");
        assert!(message.contains("iam:ListUsers"), "{message}");
        assert!(message.contains("without MFA"), "{message}");
        assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(403));
    }

    // No GetSessionToken from session credentials.
    let err = sts_as(&server, &session, Some(&session.2))
        .get_session_token()
        .send()
        .await
        .expect_err("GetSessionToken with session credentials");
    assert_eq!(
        error_of(&err),
        (
            "AccessDenied".into(),
            "Cannot call GetSessionToken with session credentials".into()
        )
    );

    // MFA devices do not exist yet: SerialNumber/TokenCode cannot be verified.
    let err = admin_sts
        .get_session_token()
        .serial_number(format!("arn:aws:iam::{acct}:mfa/admin"))
        .token_code("123456")
        .send()
        .await
        .expect_err("MFA");
    assert_eq!(
        error_of(&err),
        (
            "AccessDenied".into(),
            "MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user.".into()
        )
    );
    let err = admin_sts
        .get_session_token()
        .serial_number(format!("arn:aws:iam::{acct}:mfa/admin"))
        .token_code("12345")
        .send()
        .await
        .expect_err("short code");
    assert_eq!(error_of(&err).0, "ValidationError");

    // Sessions are self-contained: a restarted server still honours them.
    drop(server);
    let server = Server::start(&store, &[]).await;
    sts_as(&server, &session, Some(&session.2))
        .get_caller_identity()
        .send()
        .await
        .expect("session after restart");
}

/// As at AWS: deleting or deactivating the access key that called
/// GetSessionToken leaves the session working; deleting the user ends it.
pub async fn sessions_follow_their_user_not_their_key(store: StoreLocation, _b: Backend) {
    let account = create_account(&store, "admin");
    let server = Server::start(&store, &[]).await;
    let admin = server.iam(&account.admin_key);
    admin
        .create_user()
        .user_name("sam")
        .send()
        .await
        .expect("create sam");
    let key = admin
        .create_access_key()
        .user_name("sam")
        .send()
        .await
        .expect("key");
    let key = key.access_key().expect("key");
    let sam_key = (
        key.access_key_id().to_owned(),
        key.secret_access_key().to_owned(),
    );
    let session = session_of(&server.sts(&sam_key), Some(900), 900).await;
    let sam = sts_as(&server, &session, Some(&session.2));
    sam.get_caller_identity().send().await.expect("session");

    admin
        .update_access_key()
        .user_name("sam")
        .access_key_id(&sam_key.0)
        .status(aws_sdk_iam::types::StatusType::Inactive)
        .send()
        .await
        .expect("deactivate");
    sam.get_caller_identity()
        .send()
        .await
        .expect("session survives key deactivation");
    admin
        .delete_access_key()
        .user_name("sam")
        .access_key_id(&sam_key.0)
        .send()
        .await
        .expect("delete key");
    sam.get_caller_identity()
        .send()
        .await
        .expect("session survives key deletion");

    // A rename shows at once in the session's identity.
    admin
        .update_user()
        .user_name("sam")
        .new_user_name("samuel")
        .send()
        .await
        .expect("rename");
    let me = sam.get_caller_identity().send().await.expect("renamed");
    assert!(
        me.arn().is_some_and(|a| a.ends_with(":user/samuel")),
        "{me:?}"
    );

    admin
        .delete_user()
        .user_name("samuel")
        .send()
        .await
        .expect("delete user");
    let err = sam
        .get_caller_identity()
        .send()
        .await
        .expect_err("deleted user's session");
    assert_eq!(
        error_of(&err),
        ("InvalidClientTokenId".into(), INVALID_TOKEN.into())
    );
}
