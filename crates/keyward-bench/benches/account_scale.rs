//! An account at AWS's default quotas and beyond: 5,000 users (each with an
//! access key), 1,000 roles, 1,500 customer managed policies, and one user in
//! 100 groups (AWS allows 10; the quota is raised here) each with its own
//! managed policy. Seeds it through the domain service (validation and one
//! transaction per write, as the API does), then measures what a freshly
//! started process pays to serve that account: opening the store, the first
//! request of the 100-group user (credential and authorization loaded and
//! compiled), and the warm authorization latency.
//!
//! `cargo bench -p keyward-bench --bench account_scale` (SQLite in a temp
//! dir); with `KEYWARD_SCALE_PG=postgres://postgres@127.0.0.1:5432` it uses a
//! new database on that server instead.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use keyward_core::authz::RequestKeys;
use keyward_core::caller::{Caller, Principal};
use keyward_core::clock::SystemClock;
use keyward_core::crypto::{Kek, Secret};
use keyward_core::policies::EntityKind;
use keyward_core::random::OsRandom;
use keyward_core::service::{Keyward, NewRole, Quotas};
use keyward_store::SqlStore;

const USERS: usize = 5_000;
const ROLES: usize = 1_000;
const POLICIES: usize = 1_500;
const GROUPS: usize = 100;
const WARM_ITERATIONS: usize = 20_000;

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

fn policy_doc(i: usize) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"arn:aws:iam::*:user/team{i}/*"}},{{"Effect":"Deny","Action":"iam:Delete*","Resource":"*","Condition":{{"StringEquals":{{"aws:PrincipalTag/team":"t{i}"}}}}}}]}}"#
    )
}

fn keyward(store: SqlStore, kek: &Kek) -> Keyward {
    let quotas = Quotas {
        groups_per_user: GROUPS,
        ..Quotas::default()
    };
    Keyward::new(
        Arc::new(store),
        Arc::new(SystemClock),
        Arc::new(OsRandom),
        Kek::from_bytes(*kek.as_bytes()),
    )
    .with_quotas(quotas)
}

async fn database_url(dir: &std::path::Path) -> String {
    let Ok(base) = std::env::var("KEYWARD_SCALE_PG") else {
        return SqlStore::sqlite_url(dir);
    };
    let name = format!("keyward_scale_{}", std::process::id());
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&format!("{base}/postgres"))
        .await
        .unwrap();
    sqlx::Executor::execute(
        &mut conn,
        sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")),
    )
    .await
    .unwrap();
    format!("{base}/{name}")
}

fn timed<T>(what: &str, start: Instant, n: usize, value: T) -> T {
    let took = start.elapsed();
    println!(
        "seed {what:<38} {n:>6} in {:>8.2?} ({:.2?} each)",
        took,
        took / u32::try_from(n.max(1)).unwrap()
    );
    value
}

/// Seeds the account; returns (account id, big user's id, its key id).
async fn seed(kw: &Keyward) -> (String, String, String) {
    let account = kw
        .create_account(
            "scale@example.com",
            &Secret::new("Scale-Test-Passw0rd"),
            None,
            None,
        )
        .await
        .unwrap();
    let root = kw.root_caller(&account.account_id);

    let t = Instant::now();
    let mut arns = Vec::with_capacity(POLICIES);
    for i in 0..POLICIES {
        let p = kw
            .create_policy(
                &root,
                &format!("p{i}"),
                None,
                &policy_doc(i),
                None,
                Vec::new(),
            )
            .await
            .unwrap();
        arns.push(p.arn);
    }
    timed("customer managed policies", t, POLICIES, ());

    let t = Instant::now();
    for i in 0..ROLES {
        let input = NewRole {
            name: &format!("role{i}"),
            trust_policy: TRUST,
            ..NewRole::default()
        };
        kw.create_role(&root, input).await.unwrap();
    }
    timed("roles", t, ROLES, ());

    let t = Instant::now();
    let mut big = None;
    for i in 0..USERS {
        let name = format!("user{i}");
        let user = kw
            .create_user(
                &root,
                &name,
                Some(&format!("/team{}/", i % GROUPS)),
                None,
                Vec::new(),
            )
            .await
            .unwrap();
        let key = kw.create_access_key(&root, Some(&name)).await.unwrap();
        if i == 0 {
            big = Some((user.user_id, key.key.access_key_id));
        }
    }
    timed("users with an access key each", t, USERS, ());

    let t = Instant::now();
    for (i, arn) in arns.iter().enumerate().take(GROUPS) {
        let group = format!("group{i}");
        kw.create_group(&root, &group, None).await.unwrap();
        kw.attach_policy(&root, EntityKind::Group, &group, arn)
            .await
            .unwrap();
        kw.add_user_to_group(&root, &group, "user0").await.unwrap();
    }
    timed("groups (+ policy, + user0)", t, GROUPS, ());
    let (user_id, key_id) = big.unwrap();
    (account.account_id, user_id, key_id)
}

fn caller(account_id: &str, user_id: &str, key_id: &str) -> Caller {
    Caller {
        account_id: account_id.to_owned(),
        principal: Principal::User {
            user_id: user_id.to_owned(),
            name: "user0".into(),
            path: "/team0/".into(),
        },
        access_key_id: key_id.to_owned(),
        partition: "aws",
        region: "us-east-1".into(),
        service: "iam".into(),
        source_ip: None,
        secure_transport: true,
        session: None,
    }
}

/// One request's in-memory work: the credential look-up and the decision.
async fn request(kw: &Keyward, caller: &Caller, resource: &str) {
    kw.credential(&caller.access_key_id).await.unwrap().unwrap();
    kw.authorize(caller, "iam:GetUser", resource, &RequestKeys::default())
        .await
        .unwrap();
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    sorted[((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // `cargo bench` passes `--bench`; a `cargo test --benches` run passes
    // nothing and must not spend a minute seeding.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let url = database_url(dir.path()).await;
    let backend = if url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!("account_scale on {backend}");
    let kek = Kek::generate(&OsRandom);

    let seeded = Instant::now();
    let kw = keyward(SqlStore::connect(&url).await.unwrap(), &kek);
    let (account_id, user_id, key_id) = seed(&kw).await;
    println!("seeded in {:.1?}", seeded.elapsed());
    drop(kw);

    // A freshly started process: open the store, build the service.
    let t = Instant::now();
    let kw = keyward(SqlStore::connect(&url).await.unwrap(), &kek);
    let open = t.elapsed();
    let caller = caller(&account_id, &user_id, &key_id);
    let resource = format!("arn:aws:iam::{account_id}:user/team0/user1");
    // Its first request by the 100-group user loads everything it needs.
    let t = Instant::now();
    request(&kw, &caller, &resource).await;
    let first = t.elapsed();
    let authz = kw.user_authz(&account_id, &user_id).await.unwrap();
    assert_eq!(authz.groups.len(), GROUPS);

    let mut samples = Vec::with_capacity(WARM_ITERATIONS);
    for _ in 0..WARM_ITERATIONS {
        let t = Instant::now();
        request(&kw, &caller, &resource).await;
        samples.push(t.elapsed());
    }
    samples.sort();

    // A cold authorization of another user (one store read, no groups).
    let other = kw
        .store()
        .user(&account_id, "user4999")
        .await
        .unwrap()
        .unwrap();
    let t = Instant::now();
    kw.user_authz(&account_id, &other.user_id).await.unwrap();
    let cold_plain = t.elapsed();

    println!("\n| measurement ({backend}) | time |\n|---|---|");
    println!("| open store + build service (fresh process) | {open:.2?} |");
    println!(
        "| first request of the 100-group user (credential + {} policies loaded and compiled) | {first:.2?} |",
        authz.policies.len()
    );
    println!("| first authorization of a user without groups | {cold_plain:.2?} |");
    for (name, q) in [("p50", 0.5), ("p99", 0.99), ("max", 1.0)] {
        println!(
            "| warm credential look-up + authorization, 100-group user, {name} (n={WARM_ITERATIONS}) | {:.2?} |",
            percentile(&samples, q)
        );
    }
    drop(kw);
    if let (Ok(base), Some(name)) = (std::env::var("KEYWARD_SCALE_PG"), url.rsplit('/').next()) {
        let mut conn =
            <sqlx::PgConnection as sqlx::Connection>::connect(&format!("{base}/postgres"))
                .await
                .unwrap();
        sqlx::Executor::execute(
            &mut conn,
            sqlx::AssertSqlSafe(format!("DROP DATABASE {name} WITH (FORCE)")),
        )
        .await
        .unwrap();
    }
}
