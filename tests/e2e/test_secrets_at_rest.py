"""Secrets at rest: secret access keys and passwords never appear in the
database files; the key-encryption key is readable by the owner only."""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path

import kw


def db_bytes(data_dir: Path) -> bytes:
    files = [p for p in data_dir.iterdir() if p.name.startswith("keyward.db")]
    assert any(p.name == "keyward.db" for p in files), f"no keyward.db in {sorted(os.listdir(data_dir))}"
    return b"".join(p.read_bytes() for p in sorted(files))


def forms(secret: str) -> list[bytes]:
    raw = secret.encode()
    return [raw, raw.hex().encode(), base64.b64encode(raw), secret.encode("utf-16-le")]


def test_no_secret_access_key_in_sqlite_files(strict, fresh_account, make_user):
    secrets = [strict.admin.secret_access_key, fresh_account.admin.secret_access_key]
    iam = strict.server.iam(strict.admin)
    for _ in range(2):
        _, c = make_user()
        secrets.append(c.secret_access_key)
    name = kw.unique("rest")
    iam.create_user(UserName=name)
    k = iam.create_access_key(UserName=name)["AccessKey"]
    secrets.append(k["SecretAccessKey"])
    # make sure the keys were used (signing-key caches, last-used writes)
    strict.server.sts(kw.Creds(k["AccessKeyId"], k["SecretAccessKey"])).get_caller_identity()
    p = kw.root_create_access_key(strict.data_dir, fresh_account.email)
    assert p.returncode == 0, p.stderr
    secrets.append(json.loads(p.stdout)["SecretAccessKey"])

    blob = db_bytes(strict.data_dir)
    assert k["AccessKeyId"].encode() in blob, "sanity: the access key id itself is stored"
    for s in secrets:
        for f in forms(s):
            assert f not in blob, f"a secret access key is stored in the clear ({f[:6]!r}…)"
    for f in forms(kw.ROOT_PASSWORD):
        assert f not in blob, "the root password is stored in the clear"

    # nothing else in the data dir holds them either (except the KEK, which holds no secrets of ours)
    for path in strict.data_dir.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for s in secrets:
                assert s.encode() not in data, f"{path.name} holds a secret access key in the clear"
    # nor does the server's log
    log = strict.server.log_tail(10_000_000)
    for s in secrets:
        assert s not in log, "a secret access key was written to the server log"


def test_kek_file_mode(strict):
    kek = strict.data_dir / "kek.key"
    assert kek.is_file(), sorted(os.listdir(strict.data_dir))
    assert stat.S_IMODE(kek.stat().st_mode) == 0o600
    assert kek.stat().st_size >= 32


def test_kek_created_0600_on_fresh_dir(tmp_path):
    data = tmp_path / "fresh"
    kw.create_account(data, admin_user="admin")
    kek = data / "kek.key"
    assert kek.is_file()
    assert stat.S_IMODE(kek.stat().st_mode) == 0o600


def test_restart_keeps_keys_usable(start_server, tmp_path):
    """Secrets are sealed, not lost: after a restart on the same data dir the key still verifies."""
    data = tmp_path / "restart"
    acct = kw.create_account(data, admin_user="admin")
    s1 = start_server("strict", data_dir=data)
    assert s1.sts(acct.admin).get_caller_identity()["Account"] == acct.account_id
    s1.stop()
    s2 = start_server("strict", data_dir=data)
    assert s2.sts(acct.admin).get_caller_identity()["Account"] == acct.account_id
    assert s2.endpoint and s2.banner.startswith("keyward listening on http://127.0.0.1:")
    assert "strict" in s2.announced_mode
