//! Two replicas on one PostgreSQL database: a revocation made through
//! replica A is enforced by replica B, whose index and policy cache held the
//! revoked grant, within one second (p99), through the change feed.

use std::future::Future;
use std::time::{Duration, Instant};

use aws_credential_types::Credentials;
use aws_sdk_iam::config::{BehaviorVersion, Region};
use aws_sdk_iam::types::StatusType;

use crate::harness::{Backend, Server, create_account, fresh_store};

/// Revocations measured per kind.
const ROUNDS: usize = 50;
/// A probe that still succeeds after this long fails the test outright.
const GIVE_UP: Duration = Duration::from_secs(5);

const ALLOW_LIST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}"#;
const DENY_LIST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:ListUsers","Resource":"*"}]}"#;

/// Calls `probe` until it returns `want`; panics after [`GIVE_UP`].
async fn until<F, Fut>(what: &str, want: bool, mut probe: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = Instant::now();
    while probe().await != want {
        assert!(
            start.elapsed() < GIVE_UP,
            "{what}: replica B still answers {} after {GIVE_UP:?}",
            !want
        );
    }
}

/// Prints the distribution and checks p99 < 1 s.
fn report(kind: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let pick =
        |q: f64| samples[((samples.len() as f64 * q).ceil() as usize).clamp(1, samples.len()) - 1];
    let (p50, p90, p99, max) = (pick(0.50), pick(0.90), pick(0.99), pick(1.0));
    eprintln!(
        "revocation on B after {kind} on A, n={}: min {:?} p50 {p50:?} p90 {p90:?} p99 {p99:?} max {max:?}",
        samples.len(),
        samples[0]
    );
    assert!(
        p99 < Duration::from_secs(1),
        "{kind}: p99 {p99:?} is not under 1 s"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocations_reach_the_other_replica_within_a_second() {
    let Some(store) = fresh_store(Backend::Postgres).await else {
        return;
    };
    let account = create_account(&store, "admin");
    let a = Server::start(&store, &[]).await;
    let b = Server::start(&store, &[]).await;
    let admin = a.iam(&account.admin_key);

    // --- An access key made inactive.
    admin.create_user().user_name("keyed").send().await.unwrap();
    let k = admin
        .create_access_key()
        .user_name("keyed")
        .send()
        .await
        .unwrap();
    let k = k.access_key().unwrap();
    let key = (
        k.access_key_id().to_owned(),
        k.secret_access_key().to_owned(),
    );
    let sts_b = b.sts(&key);
    let mut samples = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        set_key_status(&admin, &key.0, StatusType::Active).await;
        until("key made active", true, || async {
            sts_b.get_caller_identity().send().await.is_ok()
        })
        .await;
        let t0 = Instant::now();
        set_key_status(&admin, &key.0, StatusType::Inactive).await;
        until("key made inactive", false, || async {
            sts_b.get_caller_identity().send().await.is_ok()
        })
        .await;
        samples.push(t0.elapsed());
    }
    report("UpdateAccessKey Inactive", samples);

    // --- A managed policy detached from the user.
    let reader = user_with_key(&admin, "reader").await;
    let iam_b = b.iam(&reader);
    let lists = || async { iam_b.list_users().send().await.is_ok() };
    let mut samples = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        admin
            .attach_user_policy()
            .user_name("reader")
            .policy_arn("arn:aws:iam::aws:policy/IAMReadOnlyAccess")
            .send()
            .await
            .unwrap();
        until("policy attached", true, lists).await;
        let t0 = Instant::now();
        admin
            .detach_user_policy()
            .user_name("reader")
            .policy_arn("arn:aws:iam::aws:policy/IAMReadOnlyAccess")
            .send()
            .await
            .unwrap();
        until("policy detached", false, lists).await;
        samples.push(t0.elapsed());
    }
    report("DetachUserPolicy", samples);

    // --- A customer policy's default version changed to a denial; the user
    // gets it through a group.
    let member = user_with_key(&admin, "member").await;
    admin
        .create_group()
        .group_name("team")
        .send()
        .await
        .unwrap();
    admin
        .add_user_to_group()
        .group_name("team")
        .user_name("member")
        .send()
        .await
        .unwrap();
    let policy = admin
        .create_policy()
        .policy_name("lister")
        .policy_document(ALLOW_LIST)
        .send()
        .await
        .unwrap();
    let arn = policy.policy().unwrap().arn().unwrap().to_owned();
    admin
        .create_policy_version()
        .policy_arn(&arn)
        .policy_document(DENY_LIST)
        .send()
        .await
        .unwrap();
    admin
        .attach_group_policy()
        .group_name("team")
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    let iam_b = b.iam(&member);
    let lists = || async { iam_b.list_users().send().await.is_ok() };
    let mut samples = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        set_default(&admin, &arn, "v1").await;
        until("allowing version", true, lists).await;
        let t0 = Instant::now();
        set_default(&admin, &arn, "v2").await;
        until("denying version", false, lists).await;
        samples.push(t0.elapsed());
    }
    report("SetDefaultPolicyVersion (via a group)", samples);

    // --- A user deleted: its session credentials, verified and held by B,
    // stop working.
    let mut samples = Vec::new();
    for i in 0..ROUNDS / 2 {
        let name = format!("leaver{i}");
        let key = user_with_key(&admin, &name).await;
        let session = b
            .sts(&key)
            .get_session_token()
            .send()
            .await
            .unwrap()
            .credentials()
            .cloned()
            .unwrap();
        let sts_b = sts_session(&b, &session);
        until("session made", true, || async {
            sts_b.get_caller_identity().send().await.is_ok()
        })
        .await;
        admin
            .delete_access_key()
            .user_name(&name)
            .access_key_id(&key.0)
            .send()
            .await
            .unwrap();
        let t0 = Instant::now();
        admin.delete_user().user_name(&name).send().await.unwrap();
        until("user deleted", false, || async {
            sts_b.get_caller_identity().send().await.is_ok()
        })
        .await;
        samples.push(t0.elapsed());
    }
    report("DeleteUser (its session held by B)", samples);
}

/// Users listed and read through replica B follow writes made through A
/// (B serves them from memory): a created user appears, a renamed and
/// retagged one changes, a deleted one goes, each within the feed's delay;
/// a write through B itself is read back by B at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_read_through_another_replica_follow_its_writes() {
    let Some(store) = fresh_store(Backend::Postgres).await else {
        return;
    };
    let account = create_account(&store, "admin");
    let a = Server::start(&store, &[]).await;
    let b = Server::start(&store, &[]).await;
    let (iam_a, iam_b) = (a.iam(&account.admin_key), b.iam(&account.admin_key));
    let names = || async {
        let page = iam_b.list_users().send().await.unwrap();
        let mut names: Vec<String> = page
            .users()
            .iter()
            .map(|u| u.user_name().to_owned())
            .collect();
        names.sort();
        names
    };
    // B holds the account's users before A writes.
    assert_eq!(names().await, ["admin"]);

    iam_a.create_user().user_name("ana").send().await.unwrap();
    until("user created on A listed by B", true, || async {
        names().await == ["admin", "ana"]
    })
    .await;
    iam_a
        .update_user()
        .user_name("ana")
        .new_user_name("bea")
        .new_path("/ops/")
        .send()
        .await
        .unwrap();
    until("user renamed on A read by B", true, || async {
        iam_b
            .get_user()
            .user_name("bea")
            .send()
            .await
            .is_ok_and(|r| r.user().is_some_and(|u| u.path() == "/ops/"))
    })
    .await;
    assert!(iam_b.get_user().user_name("ana").send().await.is_err());
    iam_a
        .tag_user()
        .user_name("bea")
        .tags(
            aws_sdk_iam::types::Tag::builder()
                .key("team")
                .value("blue")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    until("user tagged on A read by B", true, || async {
        iam_b
            .get_user()
            .user_name("bea")
            .send()
            .await
            .is_ok_and(|r| r.user().is_some_and(|u| u.tags().len() == 1))
    })
    .await;
    iam_a.delete_user().user_name("bea").send().await.unwrap();
    until("user deleted on A gone from B", true, || async {
        names().await == ["admin"]
    })
    .await;

    // B's own writes: read back by B at once, no feed involved.
    iam_b.create_user().user_name("cy").send().await.unwrap();
    assert_eq!(names().await, ["admin", "cy"]);
    iam_b.delete_user().user_name("cy").send().await.unwrap();
    assert_eq!(names().await, ["admin"]);
}

async fn set_key_status(admin: &aws_sdk_iam::Client, key_id: &str, status: StatusType) {
    admin
        .update_access_key()
        .user_name("keyed")
        .access_key_id(key_id)
        .status(status)
        .send()
        .await
        .unwrap();
}

async fn set_default(admin: &aws_sdk_iam::Client, arn: &str, version: &str) {
    admin
        .set_default_policy_version()
        .policy_arn(arn)
        .version_id(version)
        .send()
        .await
        .unwrap();
}

async fn user_with_key(admin: &aws_sdk_iam::Client, name: &str) -> (String, String) {
    admin.create_user().user_name(name).send().await.unwrap();
    let k = admin
        .create_access_key()
        .user_name(name)
        .send()
        .await
        .unwrap();
    let k = k.access_key().unwrap();
    (
        k.access_key_id().to_owned(),
        k.secret_access_key().to_owned(),
    )
}

pub(crate) fn sts_session(
    server: &Server,
    c: &aws_sdk_sts::types::Credentials,
) -> aws_sdk_sts::Client {
    let creds = Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_owned()),
        None,
        "test",
    );
    let conf = aws_sdk_sts::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(&server.url)
        .credentials_provider(creds)
        .retry_config(aws_sdk_sts::config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_sts::Client::from_conf(conf)
}
