//! `keyward bench` against a running server: every scenario's requests
//! answered, whichever runtime the client runs on, and its fixtures removed.

use std::process::Command;

use crate::harness::{Backend, Server, StoreLocation, bin, create_account};

pub async fn bench_runs_every_scenario_and_cleans_up(store: StoreLocation, _b: Backend) {
    let account = create_account(&store, "admin");
    let server = Server::start(&store, &[]).await;
    let (id, secret) = &account.admin_key;
    for threads in ["1", "2"] {
        let out = Command::new(bin())
            .args(["bench", "--endpoint", &server.url, "--scenario", "all"])
            .args([
                "--requests",
                "120",
                "--concurrency",
                "4",
                "--warmup",
                "100ms",
            ])
            .args(["--threads", threads, "--output", "json"])
            .env("AWS_ACCESS_KEY_ID", id)
            .env("AWS_SECRET_ACCESS_KEY", secret)
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_ENDPOINT_URL")
            .output()
            .expect("run keyward bench");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "threads {threads}: {stderr}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json output");
        let reports = v["reports"].as_array().expect("reports");
        let names: Vec<&str> = reports
            .iter()
            .map(|r| r["scenario"].as_str().expect("scenario"))
            .collect();
        assert_eq!(
            names,
            [
                "get-caller-identity",
                "list-users",
                "authorized-action",
                "assume-role"
            ]
        );
        for r in reports {
            assert_eq!(r["requests"], 120, "threads {threads}: {r}");
            assert_eq!(r["ok"], 120, "threads {threads}: {r}");
            assert_eq!(r["errors"], serde_json::json!({}), "threads {threads}: {r}");
            assert!(r.get("cleanup_error").is_none(), "threads {threads}: {r}");
        }
    }
    // The scenario users, their policies and the role are gone again.
    let iam = server.iam(&account.admin_key);
    let users = iam.list_users().send().await.expect("list users");
    let names: Vec<&str> = users.users().iter().map(|u| u.user_name()).collect();
    assert_eq!(names, ["admin"]);
    let roles = iam.list_roles().send().await.expect("list roles");
    assert!(roles.roles().is_empty(), "{:?}", roles.roles());
}
