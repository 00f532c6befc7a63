"""`keyward bench` against a running keyward: every scenario runs briefly with
zero errors and a well-formed report; failures are counted by AWS error code.
No timing is asserted: performance lives in BENCHMARKS.md."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

import kw

SCENARIOS = ["get-caller-identity", "list-users", "authorized-action", "assume-role"]


def bench(endpoint: str, creds: kw.Creds, *args: str) -> dict:
    p = kw.run_keyward([
        "bench", "--endpoint", endpoint,
        "--access-key-id", creds.access_key_id, "--secret-access-key", creds.secret_access_key,
        "--concurrency", "2", "--output", "json", *args,
    ], timeout=120)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_each_scenario_runs_without_errors(strict, fresh_account, scenario):
    out = bench(strict.endpoint, fresh_account.admin, "--scenario", scenario, "--duration", "1s")
    [report] = out["reports"]
    assert report["scenario"] == scenario
    assert report["errors"] == {}, report["error_samples"]
    assert report["requests"] > 0 and report["ok"] == report["requests"]
    assert report["concurrency"] == 2 and report["seconds"] >= 1.0
    lat = report["latency_ms"]
    assert 0 < lat["p50"] <= lat["p90"] <= lat["p99"] <= lat["p999"] <= lat["max"]
    assert "cleanup_error" not in report


def test_the_scenario_user_policies_and_role_are_removed(strict, fresh_account):
    iam = strict.server.iam(fresh_account.admin)
    out = bench(strict.endpoint, fresh_account.admin,
                "--scenario", "authorized-action,assume-role", "--requests", "20")
    assert [r["requests"] for r in out["reports"]] == [20, 20]
    assert [u["UserName"] for u in iam.list_users()["Users"]] == ["admin"]
    assert iam.list_policies(Scope="Local")["Policies"] == []
    assert iam.list_roles()["Roles"] == []


def test_failures_are_counted_by_error_code(strict, fresh_account):
    out = bench(strict.endpoint, fresh_account.admin.wrong_secret(),
                "--scenario", "get-caller-identity", "--requests", "10")
    [report] = out["reports"]
    assert report["ok"] == 0
    assert report["errors"] == {"SignatureDoesNotMatch": 10}
    assert report["error_samples"]["SignatureDoesNotMatch"].startswith(kw.MSG_SIG_MISMATCH_PREFIX)


def test_a_paced_run_in_text_with_credentials_from_the_environment(dev):
    env_creds = {"AWS_ACCESS_KEY_ID": "AKIADEVBENCH", "AWS_SECRET_ACCESS_KEY": "dev-secret"}
    p = subprocess.run(
        [str(kw.require_binary()), "bench", "--endpoint", dev.endpoint, "--scenario", "get-caller-identity",
         "--duration", "1s", "--rate", "50", "--concurrency", "2"],
        capture_output=True, text=True, timeout=60, env={**os.environ, **env_creds})
    assert p.returncode == 0, p.stderr
    assert "get-caller-identity against" in p.stdout and "paced at 50 req/s" in p.stdout
    assert " 0 errors)" in p.stdout, p.stdout
