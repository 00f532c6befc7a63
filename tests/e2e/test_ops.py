"""Running keyward like production: configuration, TLS, health and metrics,
structured logs, graceful shutdown, backup and restore, KEK rotation."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import threading
import time
import urllib.parse
from pathlib import Path

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

import kw

READ_ONLY = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"


def port_of(endpoint: str) -> int:
    return urllib.parse.urlsplit(endpoint).port or 0


# --------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------

def test_config_file_then_env_then_flags_with_secrets_redacted(tmp_path):
    cfg = tmp_path / "keyward.toml"
    cfg.write_text(
        'mode = "dev"\n'
        "max_clock_skew = 5\n"
        'dev_account_id = "000000000042"\n'
        'database_url = "postgres://kw:file-db-pass@db.example:5432/keyward"\n'
        'root_access_key = "AKIDEVROOT:dev-root-secret-1"\n'
        'trusted_proxies = ["10.0.0.0/8"]\n'
    )
    env = {**os.environ, "KEYWARD_CONFIG": str(cfg), "KEYWARD_MAX_CLOCK_SKEW": "60",
           "KEYWARD_TRUSTED_PROXIES": "10.1.0.1,10.2.0.0/16"}
    p = subprocess.run([str(kw.require_binary()), "config", "print", "--max-clock-skew", "7",
                        "--listen", "127.0.0.1:9999"], capture_output=True, text=True, env=env,
                       timeout=30)
    assert p.returncode == 0, p.stderr
    out = p.stdout
    assert 'mode = "dev"' in out                      # file
    assert 'dev_account_id = "000000000042"' in out   # file, leading zeros kept
    assert "max_clock_skew = 7" in out                # flag beats env beats file
    assert 'listen = "127.0.0.1:9999"' in out
    assert 'trusted_proxies = ["10.1.0.1", "10.2.0.0/16"]' in out  # env beats file
    assert "file-db-pass" not in out and "dev-root-secret-1" not in out, out
    assert 'database_url = "postgres://kw:***@db.example:5432/keyward"' in out
    assert 'root_access_key = "AKIDEVROOT:***"' in out

    # The printed configuration is itself a valid configuration file.
    printed = tmp_path / "printed.toml"
    printed.write_text(out)
    again = subprocess.run([str(kw.require_binary()), "config", "print", "--config", str(printed)],
                           capture_output=True, text=True, timeout=30,
                           env={k: v for k, v in os.environ.items() if not k.startswith("KEYWARD_")})
    assert again.returncode == 0, again.stderr
    assert again.stdout == out

    bad = tmp_path / "bad.toml"
    bad.write_text("no_such_setting = 1\n")
    p = kw.run_keyward(["config", "print", "--config", str(bad)])
    assert p.returncode != 0 and "no_such_setting" in p.stderr


def test_serve_prints_effective_configuration_without_secrets(start_server, tmp_path):
    cfg = tmp_path / "serve.toml"
    cfg.write_text('enforcement = "audit"\nroot_access_key = "AKIDEVFIXED:fixed-dev-secret-77"\n')
    s = start_server("dev", args=["--config", str(cfg)])
    assert "enforcement audit" in s.announced_mode       # the file's setting is in force
    creds = kw.Creds("AKIDEVFIXED", "fixed-dev-secret-77")
    assert s.sts(creds).get_caller_identity()["Account"] == "123456789012"
    log = s.log_tail(100_000)
    assert "effective configuration" in log
    assert 'root_access_key = "AKIDEVFIXED:***"' in log
    assert "fixed-dev-secret-77" not in log


# --------------------------------------------------------------------------
# TLS
# --------------------------------------------------------------------------

def make_cert(d: Path) -> tuple[Path, Path]:
    cert, key = d / "cert.pem", d / "key.pem"
    p = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "2", "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert),
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return cert, key


def test_tls_with_aws_cli_and_boto3(start_server, tmp_path):
    cert, key = make_cert(tmp_path)
    data = tmp_path / "data"
    acct = kw.create_account(data, admin_user="admin")
    s = start_server("strict", args=["--tls-cert", str(cert), "--tls-key", str(key)], data_dir=data)
    assert s.endpoint.startswith("https://127.0.0.1:")

    # The aws CLI, verifying the server against the test's CA bundle.
    r = kw.aws(s.endpoint, acct.admin, "sts", "get-caller-identity", "--ca-bundle", str(cert)).ok()
    assert r.json["Account"] == acct.account_id
    # Without the CA bundle the CLI refuses the self-signed certificate.
    bad = kw.aws(s.endpoint, acct.admin, "sts", "get-caller-identity")
    assert bad.returncode != 0 and "SSL" in bad.stderr.upper()

    # boto3 with verify=<path>; aws:SecureTransport is true over keyward's own TLS.
    def tls_client(service, creds):
        return boto3.session.Session(
            aws_access_key_id=creds.access_key_id, aws_secret_access_key=creds.secret_access_key,
            region_name=kw.REGION,
        ).client(service, endpoint_url=s.endpoint, verify=str(cert),
                 config=Config(retries={"max_attempts": 1, "mode": "standard"}))

    iam = tls_client("iam", acct.admin)
    name = kw.unique("tls")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="https-only", PolicyDocument=kw.policy_doc({
        "Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*",
        "Condition": {"Bool": {"aws:SecureTransport": "true"}},
    }))
    k = iam.create_access_key(UserName=name)["AccessKey"]
    user = kw.Creds(k["AccessKeyId"], k["SecretAccessKey"])
    names = [u["UserName"] for u in tls_client("iam", user).list_users()["Users"]]
    assert name in names


def test_tls_misconfiguration_is_refused_clearly(tmp_path):
    cert, key = make_cert(tmp_path)
    (tmp_path / "other").mkdir()
    other_cert, _ = make_cert(tmp_path / "other")
    base = ["serve", "--listen", "127.0.0.1:0", *kw.store_args(tmp_path / "data")]
    p = kw.run_keyward([*base, "--tls-cert", str(cert)])
    assert p.returncode != 0 and "tls_cert and tls_key must be given together" in p.stderr
    p = kw.run_keyward([*base, "--tls-cert", str(other_cert), "--tls-key", str(key)])
    assert p.returncode != 0 and "do not fit" in p.stderr, p.stderr
    p = kw.run_keyward([*base, "--tls-cert", str(tmp_path / "missing.pem"), "--tls-key", str(key)])
    assert p.returncode != 0 and "cannot read the TLS certificate" in p.stderr


# --------------------------------------------------------------------------
# Health, readiness, metrics
# --------------------------------------------------------------------------

def metric(text: str, name: str, **labels: str) -> float:
    want = ",".join(f'{k}="{v}"' for k, v in labels.items())
    prefix = f"{name}{{{want}}} " if labels else f"{name} "
    for line in text.splitlines():
        if line.startswith(prefix):
            return float(line.split()[-1])
    return 0.0


def test_health_readiness_and_metrics(strict):
    ep = strict.endpoint
    h = kw.http(ep + "/healthz")
    assert h.status == 200 and json.loads(h.body) == {"status": "ok", "mode": "strict",
                                                      "enforcement": "enforce"}
    r = kw.http(ep + "/readyz")
    body = json.loads(r.body)
    assert r.status == 200 and body["status"] == "ready" and body["mode"] == "strict"
    assert body["checks"] == {"index": "loaded", "store": "ok"}

    before = kw.http(ep + "/metrics").body
    ok = strict.server.sts(strict.admin).get_caller_identity()
    assert ok["Account"] == strict.account_id
    bad_sig = kw.signed(ep, strict.admin.wrong_secret(), kw.sts_params(), service="sts")
    assert bad_sig.status == 403 and bad_sig.error[0] == "SignatureDoesNotMatch"
    unknown = kw.signed(ep, kw.Creds("AKIAIOSFODNN7EXAMPLE", "x" * 40), kw.sts_params(), service="sts")
    assert unknown.error[0] == "InvalidClientTokenId"
    # The AWS Query endpoint at / is untouched by the operations routes.
    assert kw.signed(ep, strict.admin, kw.iam_params("ListUsers")).status == 200

    m = kw.http(ep + "/metrics")
    assert m.status == 200 and "openmetrics" in m.headers["content-type"]
    after = m.body

    def delta(name, **labels):
        return metric(after, name, **labels) - metric(before, name, **labels)

    assert delta("keyward_requests_total", action="GetCallerIdentity", outcome="ok") >= 1
    assert delta("keyward_requests_total", action="GetCallerIdentity",
                 outcome="SignatureDoesNotMatch") >= 1
    assert delta("keyward_auth_failures_total", reason="SignatureDoesNotMatch") >= 1
    assert delta("keyward_auth_failures_total", reason="InvalidClientTokenId") >= 1
    assert delta("keyward_request_duration_seconds_count", action="ListUsers", outcome="ok") >= 1
    assert 'keyward_request_duration_seconds_bucket{le="0.0001",action="ListUsers",outcome="ok"}' in after \
        or 'keyward_request_duration_seconds_bucket{action="ListUsers",outcome="ok",le="0.0001"}' in after
    assert "keyward_index_staleness_seconds 0.0" in after
    assert metric(after, "process_resident_memory_bytes") > 0


def test_readyz_turns_503_when_the_store_goes_away(start_server, tmp_path, pg_database_url):
    data = tmp_path / "data"
    s = start_server("strict", data_dir=data, database_url=pg_database_url)
    assert kw.http(s.endpoint + "/readyz").status == 200
    base, name = pg_database_url.rsplit("/", 1)
    p = subprocess.run(["psql", f"{base}/postgres", "-Xqc", f"DROP DATABASE {name} WITH (FORCE)"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    r = kw.wait_until(lambda: (x := kw.http(s.endpoint + "/readyz")).status == 503 and x, timeout=10)
    assert r, "readyz did not turn 503 after the database was dropped"
    body = json.loads(r.body)
    assert body["status"] == "not ready" and body["checks"]["store"] != "ok"
    assert kw.http(s.endpoint + "/healthz").status == 200   # alive, not ready


# --------------------------------------------------------------------------
# Structured logs
# --------------------------------------------------------------------------

def test_json_logs_carry_request_ids_and_never_a_secret(start_server, tmp_path):
    data = tmp_path / "data"
    acct = kw.create_account(data, admin_user="admin")
    s = start_server("strict", args=["--log-format", "json"], data_dir=data)
    iam = s.iam(acct.admin)
    name = kw.unique("log")
    iam.create_user(UserName=name)
    iam.attach_user_policy(UserName=name, PolicyArn=READ_ONLY)
    k = iam.create_access_key(UserName=name)["AccessKey"]
    new = kw.Creds(k["AccessKeyId"], k["SecretAccessKey"])
    kw.wait_until(lambda: s.iam(new).list_users() is not None)
    wrong = new.wrong_secret()
    denied = kw.signed(s.endpoint, wrong, kw.iam_params("ListUsers"))
    assert denied.error[0] == "SignatureDoesNotMatch"
    token = s.sts(new).get_session_token()["Credentials"]
    ok = kw.signed(s.endpoint, new, kw.iam_params("ListUsers"))
    assert ok.status == 200
    rid = ok.headers["x-amzn-requestid"]
    assert ok.find("RequestId") == rid

    time.sleep(0.3)
    log = s.log_path.read_text()
    secrets = [acct.admin.secret_access_key, new.secret_access_key, wrong.secret_access_key,
               token["SecretAccessKey"], token["SessionToken"]]
    for secret in secrets:
        assert secret not in log, "a secret reached the log"
    lines = [json.loads(line) for line in log.splitlines() if line.strip()]
    mine = [e for e in lines if e.get("span", {}).get("request_id") == rid]
    assert mine, f"no log line for request {rid}"
    assert mine[-1]["fields"]["action"] == "ListUsers" and mine[-1]["fields"]["status"] == 200
    rejected = [e for e in lines if e.get("fields", {}).get("outcome") == "SignatureDoesNotMatch"]
    assert rejected and rejected[0]["span"]["request_id"] == denied.headers["x-amzn-requestid"]


# --------------------------------------------------------------------------
# Graceful shutdown
# --------------------------------------------------------------------------

def signed_raw(endpoint: str, creds: kw.Creds, params: dict, service: str = "sts") -> bytes:
    body = urllib.parse.urlencode(params)
    req = AWSRequest(method="POST", url=endpoint + "/", data=body,
                     headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(Credentials(creds.access_key_id, creds.secret_access_key), service, kw.REGION).add_auth(req)
    p = req.prepare()
    host = urllib.parse.urlsplit(endpoint).netloc
    head = f"POST / HTTP/1.1\r\nHost: {host}\r\nContent-Length: {len(p.body)}\r\nConnection: close\r\n"
    for k, v in p.headers.items():
        if k.lower() not in ("host", "content-length"):
            head += f"{k}: {v}\r\n"
    data = p.body if isinstance(p.body, bytes) else p.body.encode()
    return head.encode() + b"\r\n" + data


def test_sigterm_drains_an_in_flight_request_then_exits_zero(start_server, tmp_path):
    data = tmp_path / "data"
    acct = kw.create_account(data, admin_user="admin")
    s = start_server("strict", args=["--shutdown-timeout", "20"], data_dir=data)
    raw = signed_raw(s.endpoint, acct.admin, kw.sts_params())
    cut = len(raw) - 10
    conn = socket.create_connection(("127.0.0.1", port_of(s.endpoint)), timeout=30)
    conn.sendall(raw[:cut])            # the request is in flight: its body is not all there
    time.sleep(0.5)
    assert s.proc is not None
    s.proc.send_signal(signal.SIGTERM)
    time.sleep(1.0)
    assert s.proc.poll() is None, "the server exited with a request in flight"
    # New connections are refused while draining.
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port_of(s.endpoint)), timeout=2).close()
    conn.sendall(raw[cut:])
    reply = b""
    while chunk := conn.recv(65536):
        reply += chunk
    conn.close()
    assert reply.startswith(b"HTTP/1.1 200"), reply[:200]
    assert acct.account_id.encode() in reply
    assert s.proc.wait(timeout=20) == 0


def test_shutdown_timeout_bounds_the_drain(start_server, tmp_path):
    data = tmp_path / "data"
    kw.create_account(data, admin_user="admin")
    s = start_server("strict", args=["--shutdown-timeout", "1"], data_dir=data)
    conn = socket.create_connection(("127.0.0.1", port_of(s.endpoint)), timeout=30)
    conn.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nAction=")  # never finished
    time.sleep(0.3)
    started = time.monotonic()
    assert s.proc is not None
    s.proc.send_signal(signal.SIGTERM)
    assert s.proc.wait(timeout=15) == 0
    assert time.monotonic() - started < 10
    conn.close()


# --------------------------------------------------------------------------
# Backup and restore (SQLite)
# --------------------------------------------------------------------------

def test_backup_under_load_and_restore(start_server, tmp_path):
    data = tmp_path / "data"
    acct = kw.create_account(data, admin_user="admin")
    s = start_server("strict", data_dir=data)
    iam = s.iam(acct.admin)
    keep = kw.unique("keep")
    iam.create_user(UserName=keep)
    iam.attach_user_policy(UserName=keep, PolicyArn=READ_ONLY)
    k = iam.create_access_key(UserName=keep)["AccessKey"]
    keep_creds = kw.Creds(k["AccessKeyId"], k["SecretAccessKey"])

    stop = threading.Event()
    made: list[str] = []
    errors: list[Exception] = []

    def writer():
        c = s.iam(acct.admin)
        while not stop.is_set():
            n = kw.unique("load")
            try:
                c.create_user(UserName=n)
                made.append(n)
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)
                return

    t = threading.Thread(target=writer)
    t.start()
    try:
        kw.wait_until(lambda: len(made) >= 5, timeout=30)
        backup = tmp_path / "backup.db"
        p = kw.run_keyward(["backup", "--to", str(backup), *kw.store_args(data)])
        assert p.returncode == 0, p.stderr
        assert "kek.key" in p.stderr
        during = len(made)
        kw.wait_until(lambda: len(made) >= during + 3, timeout=30)
        # The server holds the data directory: restore is refused and changes nothing.
        p = kw.run_keyward(["restore", "--from", str(backup), *kw.store_args(data)])
        assert p.returncode != 0 and "in use" in p.stderr
    finally:
        stop.set()
        t.join(timeout=30)
    assert not errors, errors
    # PostgreSQL has its own tools.
    p = kw.run_keyward(["backup", "--to", str(tmp_path / "pg.db"), "--database-url",
                        "postgres://nobody@127.0.0.1:1/none"])
    assert p.returncode != 0 and "pg_dump" in p.stderr
    # A second backup to an existing file is refused.
    p = kw.run_keyward(["backup", "--to", str(backup), *kw.store_args(data)])
    assert p.returncode != 0 and "exists" in p.stderr

    with sqlite3.connect(backup) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        backed_up = {r[0] for r in db.execute("SELECT name FROM users")}
    assert keep in backed_up and set(made[:5]) <= backed_up
    assert len(backed_up) < len(made) + 2, "the backup must be as of one moment, not the end"
    s.stop()

    # Restore into a fresh data directory with the same KEK, and serve it.
    restored = tmp_path / "restored"
    restored.mkdir()
    (restored / "kek.key").write_bytes((data / "kek.key").read_bytes())
    p = kw.run_keyward(["restore", "--from", str(backup), *kw.store_args(restored)])
    assert p.returncode == 0, p.stderr
    s2 = start_server("strict", data_dir=restored)
    users = {u["UserName"] for u in s2.iam(acct.admin).get_paginator("list_users").paginate()
             .build_full_result()["Users"]}
    assert users == backed_up
    assert s2.sts(keep_creds).get_caller_identity()["Arn"].endswith(f":user/{keep}")
    assert keep in {u["UserName"] for u in s2.iam(keep_creds).list_users(MaxItems=1000)["Users"]}


# --------------------------------------------------------------------------
# KEK rotation
# --------------------------------------------------------------------------

SEALED_SQL = ("SELECT access_key_id, sealed_secret FROM access_keys UNION ALL "
              "SELECT serial_number, sealed_seed FROM mfa_devices")


def sealed_values(data: Path, database_url: str | None = None) -> dict[str, str]:
    if database_url:
        p = subprocess.run(["psql", database_url, "-XAtF", "\t", "-c", SEALED_SQL],
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        return dict(line.split("\t", 1) for line in p.stdout.splitlines() if line)
    with sqlite3.connect(data / "keyward.db") as db:
        return dict(db.execute(SEALED_SQL))


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request):
    return request.getfixturevalue("pg_database_url") if request.param == "postgres" else None


def test_kek_rotation_while_serving(start_server, tmp_path, db_url):
    from test_mfa_sessions import totp

    data = tmp_path / "data"
    acct = kw.create_account(data, admin_user="admin", database_url=db_url)
    s = start_server("strict", data_dir=data, database_url=db_url)
    store = kw.store_args(data, db_url)
    sealed = lambda: sealed_values(data, db_url)  # noqa: E731
    iam = s.iam(acct.admin)
    name = kw.unique("rot")
    iam.create_user(UserName=name)
    iam.attach_user_policy(UserName=name, PolicyArn=READ_ONLY)
    k = iam.create_access_key(UserName=name)["AccessKey"]
    user = kw.Creds(k["AccessKeyId"], k["SecretAccessKey"])
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]
    seed = device["Base32StringSeed"].decode()
    session = s.sts(user).get_session_token()["Credentials"]
    kek_before = (data / "kek.key").read_text()
    before = sealed()
    assert len(before) == 3 and all(v.startswith("v1:") for v in before.values())

    stop = threading.Event()
    failures: list[str] = []
    calls = [0]

    def load():
        clients = [s.sts(acct.admin), s.sts(user)]
        while not stop.is_set():
            for c in clients:
                try:
                    c.get_caller_identity()
                    calls[0] += 1
                except Exception as e:  # noqa: BLE001 - reported below
                    failures.append(repr(e))

    t = threading.Thread(target=load)
    t.start()
    try:
        kw.wait_until(lambda: calls[0] >= 10, timeout=30)
        p = kw.run_keyward(["kek", "rotate", *store])
        assert p.returncode == 0, p.stderr
        assert "Key 2 now seals" in p.stdout and "re-sealed 3 secrets" in p.stdout, p.stdout
        at_rotation = calls[0]
        kw.wait_until(lambda: calls[0] >= at_rotation + 10, timeout=30)
    finally:
        stop.set()
        t.join(timeout=30)
    assert not failures, failures[:3]

    # The key file now holds keys 1 and 2; every stored secret is sealed under 2.
    kek_after = (data / "kek.key").read_text()
    assert kek_after != kek_before
    ids = [line.split()[0] for line in kek_after.splitlines() if line and not line.startswith("#")]
    assert ids == ["1", "2"]
    after = sealed()
    assert after.keys() == before.keys()
    assert all(v.startswith("v2:2:") for v in after.values()), after
    assert stat_mode(data / "kek.key") == 0o600

    # The running server: old keys verify, the re-sealed MFA seed opens, the
    # session sealed before rotation still works, new secrets use key 2.
    assert s.sts(user).get_caller_identity()["Arn"].endswith(f":user/{name}")
    now = time.time()
    iam.enable_mfa_device(UserName=name, SerialNumber=device["SerialNumber"],
                          AuthenticationCode1=totp(seed, now - 30), AuthenticationCode2=totp(seed, now))
    old_session = boto3.session.Session(
        aws_access_key_id=session["AccessKeyId"], aws_secret_access_key=session["SecretAccessKey"],
        aws_session_token=session["SessionToken"], region_name=kw.REGION,
    ).client("sts", endpoint_url=s.endpoint)
    assert old_session.get_caller_identity()["Arn"].endswith(f":user/{name}")
    k2 = iam.create_access_key(UserName=name)["AccessKey"]
    assert sealed()[k2["AccessKeyId"]].startswith("v2:2:")
    fresh = kw.Creds(k2["AccessKeyId"], k2["SecretAccessKey"])
    assert s.sts(fresh).get_caller_identity()["Account"] == acct.account_id

    # A restarted server reads the ring; retiring key 1 (server stopped) keeps
    # every stored secret working and ends the sessions sealed under key 1.
    s.stop()
    p = kw.run_keyward(["kek", "retire", *store])
    assert p.returncode == 0, p.stderr
    ids = [line.split()[0] for line in (data / "kek.key").read_text().splitlines()
           if line and not line.startswith("#")]
    assert ids == ["2"]
    s2 = start_server("strict", data_dir=data, database_url=db_url)
    for creds in (acct.admin, user, fresh):
        assert s2.sts(creds).get_caller_identity()["Account"] == acct.account_id
    gone = boto3.session.Session(
        aws_access_key_id=session["AccessKeyId"], aws_secret_access_key=session["SecretAccessKey"],
        aws_session_token=session["SessionToken"], region_name=kw.REGION,
    ).client("sts", endpoint_url=s2.endpoint,
             config=Config(retries={"max_attempts": 1, "mode": "standard"}))
    kw.expect_error(gone.get_caller_identity, "InvalidClientTokenId", 403)


def stat_mode(path: Path) -> int:
    import stat
    return stat.S_IMODE(path.stat().st_mode)
