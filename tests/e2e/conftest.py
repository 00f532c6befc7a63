"""Fixtures: real keyward servers (strict and dev mode), accounts made with the
keyward CLI, IAM users made through the API, and a fresh PostgreSQL database
when a server answers."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import urllib.parse
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

import kw

kw.sanitize_process_env()


@pytest.fixture(scope="session", autouse=True)
def keyward_bin() -> Path:
    try:
        return kw.require_binary()
    except FileNotFoundError as e:
        pytest.exit(str(e), returncode=2)


@dataclass
class StrictEnv:
    server: kw.Server
    account: kw.Account

    @property
    def endpoint(self) -> str:
        return self.server.endpoint

    @property
    def admin(self) -> kw.Creds:
        assert self.account.admin
        return self.account.admin

    @property
    def account_id(self) -> str:
        return self.account.account_id

    @property
    def data_dir(self) -> Path:
        return self.server.data_dir


class ServerPool:
    def __init__(self, base: Path):
        self.base = base
        self.servers: list[kw.Server] = []

    def start(self, mode: str = "strict", args=(), data_dir: Path | None = None,
              database_url: str | None = None) -> kw.Server:
        d = data_dir or self.base / f"data-{uuid.uuid4().hex[:8]}"
        s = kw.Server(d, mode=mode, extra_args=args, database_url=database_url)
        self.servers.append(s)
        return s.start()

    def stop_all(self) -> None:
        for s in self.servers:
            s.stop()


@pytest.fixture(scope="session")
def session_pool(tmp_path_factory):
    pool = ServerPool(tmp_path_factory.mktemp("servers"))
    yield pool
    pool.stop_all()


@pytest.fixture
def start_server(tmp_path):
    """A factory for servers that live as long as one test."""
    pool = ServerPool(tmp_path)
    yield pool.start
    pool.stop_all()


@pytest.fixture(scope="session")
def strict(session_pool, tmp_path_factory) -> StrictEnv:
    """A strict-mode server with one account (root + IAM user `admin` with AdministratorAccess)."""
    data = tmp_path_factory.mktemp("strict") / "data"
    data.mkdir()
    account = kw.create_account(data, admin_user="admin")
    server = session_pool.start("strict", data_dir=data)
    return StrictEnv(server, account)


@pytest.fixture(scope="session")
def dev(session_pool) -> kw.Server:
    """A dev-mode server (default account 123456789012)."""
    return session_pool.start("dev")


@pytest.fixture
def fresh_account(strict) -> kw.Account:
    """A new account created with the CLI while the strict server runs on the same data dir."""
    return kw.create_account(strict.data_dir, admin_user="admin")


@pytest.fixture
def admin_iam(strict):
    return strict.server.iam(strict.admin)


@pytest.fixture
def make_user(strict):
    """make_user(policies=[...], key=True) -> (name, Creds|None): an IAM user in the strict account."""
    iam = strict.server.iam(strict.admin)

    def make(policies=(), key: bool = True, prefix: str = "e2e"):
        name = kw.unique(prefix)
        iam.create_user(UserName=name)
        for arn in policies:
            iam.attach_user_policy(UserName=name, PolicyArn=arn)
        creds = None
        if key:
            k = iam.create_access_key(UserName=name)["AccessKey"]
            creds = kw.Creds(k["AccessKeyId"], k["SecretAccessKey"])
        return name, creds

    return make


# --------------------------------------------------------------------------
# PostgreSQL
# --------------------------------------------------------------------------

def _pg_base() -> str:
    return os.environ.get("KEYWARD_TEST_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")


def _pg_answers(base: str) -> bool:
    u = urllib.parse.urlsplit(base)
    try:
        with socket.create_connection((u.hostname or "127.0.0.1", u.port or 5432), timeout=1):
            pass
    except OSError:
        return False
    if not shutil.which("psql"):
        return False
    p = subprocess.run(["psql", f"{base}/postgres", "-XAtqc", "SELECT 1"], capture_output=True, text=True,
                       timeout=15)
    return p.returncode == 0


def _psql(base: str, sql: str) -> None:
    p = subprocess.run(["psql", f"{base}/postgres", "-Xqc", sql], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, f"psql {sql!r}: {p.stderr}"


@pytest.fixture
def pg_database_url():
    """A fresh, empty PostgreSQL database; dropped after the test."""
    base = _pg_base()
    if not _pg_answers(base):
        reason = (f"!!! PostgreSQL at {base} does not answer (trust auth, user postgres): "
                  f"the PostgreSQL end-to-end flow is NOT being tested !!!")
        if os.environ.get("KEYWARD_REQUIRE_PG"):
            pytest.fail(reason + " (KEYWARD_REQUIRE_PG is set)")
        pytest.skip(reason)
    name = f"keyward_e2e_{uuid.uuid4().hex[:12]}"
    _psql(base, f"CREATE DATABASE {name}")
    try:
        yield f"{base}/{name}"
    finally:
        _drop_database(base, name)


def _drop_database(base: str, name: str) -> None:
    """Best effort: DROP DATABASE waits for a checkpoint, which a busy machine
    can hold up for minutes. A database left behind is named after the test
    run and harmless, so clean-up never fails the test it follows."""
    for sql in (f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"DROP DATABASE IF EXISTS {name}"):
        try:
            p = subprocess.run(["psql", f"{base}/postgres", "-Xqc", sql],
                               capture_output=True, text=True, timeout=180)
        except subprocess.TimeoutExpired:
            continue
        if p.returncode == 0:
            return
    print(f"warning: could not drop the test database {name}; drop it by hand", file=sys.stderr)


@pytest.fixture(params=["sqlite", "postgres"])
def backend_env(request, tmp_path) -> StrictEnv:
    """A strict server + account on a fresh store of each backend (PostgreSQL skipped loudly if absent)."""
    url = request.getfixturevalue("pg_database_url") if request.param == "postgres" else None
    data = tmp_path / "data"
    data.mkdir()
    account = kw.create_account(data, admin_user="admin", database_url=url)
    pool = ServerPool(tmp_path)
    try:
        server = pool.start("strict", data_dir=data, database_url=url)
        yield StrictEnv(server, account)
    finally:
        pool.stop_all()


# --------------------------------------------------------------------------
# The console in a browser (tests/e2e/test_console*.py)
# --------------------------------------------------------------------------

@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium driven by Playwright, one for the whole run."""
    import playwright.sync_api as playwright_api

    import browser as br

    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=br.chromium_path(), args=br.CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(chromium):
    ctx = chromium.new_context(accept_downloads=True, viewport={"width": 1100, "height": 800})
    pg = ctx.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    ctx.close()
