"""Helpers for the keyward end-to-end suite: run the real binary, the real
`aws` CLI and boto3, and send hand-signed SigV4 requests.

Nothing here builds keyward: the binary comes from $KEYWARD_BIN (default
<repo>/target/debug/keyward).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable
from unittest import mock

import boto3
import botocore.auth
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

REPO = Path(__file__).resolve().parents[2]
KEYWARD_BIN = Path(os.environ.get("KEYWARD_BIN") or REPO / "target" / "debug" / "keyward")
REGION = "us-east-1"
IAM_VERSION = "2010-05-08"
STS_VERSION = "2011-06-15"

ROOT_PASSWORD = "Sup3r-Secret-Root!"

# What AWS answers, verbatim.
MSG_INVALID_TOKEN = "The security token included in the request is invalid."
MSG_MISSING_AUTH = "Request is missing Authentication Token"
MSG_DELETE_CONFLICT = "Cannot delete entity, must remove referenced objects first."
MSG_KEY_QUOTA = "Cannot exceed quota for AccessKeysPerUser: 2"
MSG_SIG_MISMATCH_PREFIX = "The request signature we calculated does not match the signature you provided."
BAD_NAME_MSG = (
    "1 validation error detected: Value '{v}' at 'userName' failed to satisfy constraint: "
    "Member must satisfy regular expression pattern: [\\w+=,.@-]+"
)
MAX_ITEMS_ZERO_MSG = (
    "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: "
    "Member must have value greater than or equal to 1"
)


def no_such_user(name: str) -> str:
    return f"The user with name {name} cannot be found."


def access_denied(account: str, user: str, action: str, resource: str) -> str:
    return (
        f"User: arn:aws:iam::{account}:user/{user} is not authorized to perform: {action} "
        f"on resource: {resource} because no identity-based policy allows the {action} action"
    )


def unique(prefix: str = "e2e") -> str:
    """A user name no other test (or earlier run) uses."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


# --------------------------------------------------------------------------
# The environment: nothing from the machine's AWS configuration may leak in.
# --------------------------------------------------------------------------

_SANDBOX = Path(tempfile.mkdtemp(prefix="keyward-e2e-aws-"))
_LEAKY = (
    "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_IAM",
    "AWS_ENDPOINT_URL_STS", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_CA_BUNDLE",
    "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_STS_REGIONAL_ENDPOINTS", "AWS_USE_FIPS_ENDPOINT",
    "AWS_USE_DUALSTACK_ENDPOINT", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
)


def sanitize_process_env() -> None:
    """Make this (pytest) process's boto3 blind to the machine's AWS setup."""
    for k in _LEAKY:
        os.environ.pop(k, None)
    os.environ["AWS_CONFIG_FILE"] = str(_SANDBOX / "no-config")
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = str(_SANDBOX / "no-credentials")
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    os.environ["AWS_RETRY_MODE"] = "standard"
    os.environ["AWS_MAX_ATTEMPTS"] = "1"
    for k in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        os.environ.pop(k, None)
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"


# --------------------------------------------------------------------------
# Credentials
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Creds:
    access_key_id: str
    secret_access_key: str

    def wrong_secret(self) -> "Creds":
        s = self.secret_access_key
        return Creds(self.access_key_id, ("A" if s[0] != "A" else "B") + s[1:])


@dataclass
class Account:
    account_id: str
    email: str
    password: str
    admin: Creds | None
    admin_user: str | None
    raw: dict


# --------------------------------------------------------------------------
# The keyward binary
# --------------------------------------------------------------------------

def require_binary() -> Path:
    if not KEYWARD_BIN.is_file() or not os.access(KEYWARD_BIN, os.X_OK):
        raise FileNotFoundError(
            f"keyward binary not found at {KEYWARD_BIN}: run `cargo build -p keyward` "
            f"or point KEYWARD_BIN at it"
        )
    return KEYWARD_BIN


def run_keyward(args: Iterable[str], stdin: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.setdefault("RUST_LOG", "warn")
    return subprocess.run(
        [str(require_binary()), *args],
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def store_args(data_dir: Path | str, database_url: str | None = None) -> list[str]:
    a = ["--data-dir", str(data_dir)]
    if database_url:
        a += ["--database-url", database_url]
    return a


def create_account(
    data_dir: Path | str,
    email: str | None = None,
    password: str = ROOT_PASSWORD,
    admin_user: str | None = "admin",
    account_id: str | None = None,
    database_url: str | None = None,
) -> Account:
    email = email or f"{unique('root')}@example.com"
    args = ["account", "create", "--email", email, "--password-stdin", "--output", "json",
            *store_args(data_dir, database_url)]
    if admin_user:
        args += ["--admin-user", admin_user]
    if account_id:
        args += ["--account-id", account_id]
    p = run_keyward(args, stdin=password + "\n")
    assert p.returncode == 0, f"account create failed ({p.returncode}): {p.stderr}"
    out = json.loads(p.stdout)
    admin = Creds(out["AccessKeyId"], out["SecretAccessKey"]) if admin_user else None
    return Account(out["AccountId"], email, password, admin, out.get("UserName"), out)


def root_create_access_key(
    data_dir: Path | str, email: str, password: str = ROOT_PASSWORD,
    csv: Path | None = None, database_url: str | None = None,
) -> subprocess.CompletedProcess:
    args = ["root", "create-access-key", "--email", email, "--password-stdin", "--output", "json",
            *store_args(data_dir, database_url)]
    if csv is not None:
        args += ["--csv", str(csv)]
    return run_keyward(args, stdin=password + "\n")


_LISTEN_RE = re.compile(r"keyward listening on (https?://\S+) \(mode: ([^;]+); store: ([^)]*)\)")


class Server:
    """One `keyward serve` process on a free port."""

    def __init__(self, data_dir: Path, mode: str = "strict", extra_args: Iterable[str] = (),
                 database_url: str | None = None):
        self.data_dir = Path(data_dir)
        self.mode = mode
        self.extra_args = list(extra_args)
        self.database_url = database_url
        self.proc: subprocess.Popen | None = None
        self.endpoint = ""
        self.banner = ""
        self.log_path = self.data_dir.parent / f"{self.data_dir.name}-server.log"
        self._stdout_tail: list[str] = []

    def start(self, timeout: float = 60) -> "Server":
        self.data_dir.mkdir(parents=True, exist_ok=True)
        args = [str(require_binary()), "serve", "--listen", "127.0.0.1:0", "--mode", self.mode,
                *store_args(self.data_dir, self.database_url), *self.extra_args]
        env = dict(os.environ)
        env.setdefault("RUST_LOG", "info")
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self._log, stdin=subprocess.DEVNULL,
                                     text=True, env=env)
        line_box: list[str] = []
        got = threading.Event()

        def pump() -> None:
            assert self.proc and self.proc.stdout
            for line in self.proc.stdout:
                if not got.is_set():
                    line_box.append(line)
                    if _LISTEN_RE.search(line):
                        got.set()
                else:
                    self._stdout_tail.append(line)
            got.set()

        threading.Thread(target=pump, daemon=True).start()
        got.wait(timeout)
        text = "".join(line_box)
        m = _LISTEN_RE.search(text)
        if not m:
            self.stop()
            raise RuntimeError(
                f"keyward serve did not announce its address (args {args[1:]}); stdout: {text!r}; "
                f"log: {self.log_tail()}"
            )
        self.banner = m.group(0)
        self.endpoint = m.group(1).rstrip("/")
        self.announced_mode = m.group(2).strip()
        self.store = m.group(3).strip()
        return self

    def log_tail(self, n: int = 4000) -> str:
        with contextlib.suppress(OSError):
            return self.log_path.read_text(errors="replace")[-n:]
        return ""

    def stop(self) -> None:
        p = self.proc
        if p is None:
            return
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=10)
        with contextlib.suppress(Exception):
            self._log.close()
        self.proc = None

    # convenient clients -------------------------------------------------
    def iam(self, creds: Creds, **kw: Any):
        return client("iam", self.endpoint, creds, **kw)

    def sts(self, creds: Creds, **kw: Any):
        return client("sts", self.endpoint, creds, **kw)


# --------------------------------------------------------------------------
# boto3
# --------------------------------------------------------------------------

def client(service: str, endpoint: str, creds: Creds, region: str = REGION, validate: bool = True):
    session = boto3.session.Session(
        aws_access_key_id=creds.access_key_id,
        aws_secret_access_key=creds.secret_access_key,
        region_name=region,
    )
    cfg = Config(
        retries={"max_attempts": 1, "mode": "standard"},
        parameter_validation=validate,
        connect_timeout=5,
        read_timeout=30,
    )
    return session.client(service, endpoint_url=endpoint, config=cfg)


def err(exc) -> tuple[str, str, int]:
    """(code, message, HTTP status) of a botocore ClientError."""
    r = exc.response
    return r["Error"].get("Code", ""), r["Error"].get("Message", ""), r["ResponseMetadata"]["HTTPStatusCode"]


# --------------------------------------------------------------------------
# The aws CLI
# --------------------------------------------------------------------------

@dataclass
class CliResult:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    _json: Any = field(default=None, repr=False)

    @property
    def json(self) -> Any:
        if self._json is None:
            self._json = json.loads(self.stdout) if self.stdout.strip() else {}
        return self._json

    def ok(self) -> "CliResult":
        assert self.returncode == 0, f"aws {' '.join(self.args)} failed ({self.returncode}): {self.stderr}"
        return self

    def error(self, code: str, operation: str, message: str | None = None) -> str:
        """Assert an AWS service error; returns the message."""
        assert self.returncode in (254, 255), (
            f"aws {' '.join(self.args)}: expected a service error, got rc {self.returncode}, "
            f"stdout {self.stdout!r}, stderr {self.stderr!r}"
        )
        # botocore may add " (reached max retries: N)" after the operation name
        pat = re.compile(rf"An error occurred \({re.escape(code)}\) when calling the {re.escape(operation)} "
                         rf"operation(?: \(reached max retries: \d+\))?: (.*)$")
        line = next((ln for ln in self.stderr.splitlines() if ln.startswith("An error occurred")), "")
        m = pat.match(line)
        assert m, (f"aws {' '.join(self.args)}: expected error {code} from {operation}, "
                   f"stderr {self.stderr!r}")
        got = m.group(1)
        if message is not None:
            assert got == message, f"aws {' '.join(self.args)}: message {got!r} != {message!r}"
        return got


def cli_env(endpoint: str | None, creds: Creds | None, region: str = REGION) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({
        "AWS_DEFAULT_REGION": region,
        "AWS_CONFIG_FILE": str(_SANDBOX / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(_SANDBOX / "no-credentials"),
        "AWS_RETRY_MODE": "standard",
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_PAGER": "",
    })
    if endpoint:
        env["AWS_ENDPOINT_URL"] = endpoint
    if creds:
        env["AWS_ACCESS_KEY_ID"] = creds.access_key_id
        env["AWS_SECRET_ACCESS_KEY"] = creds.secret_access_key
    return env


def aws(endpoint: str, creds: Creds | None, *args: str, region: str = REGION, timeout: float = 60) -> CliResult:
    exe = shutil.which("aws") or "aws"
    argv = [*args, "--output", "json"]
    p = subprocess.run([exe, *argv], capture_output=True, text=True, timeout=timeout,
                       env=cli_env(endpoint, creds, region), stdin=subprocess.DEVNULL)
    return CliResult(argv, p.returncode, p.stdout, p.stderr)


# --------------------------------------------------------------------------
# Raw HTTP and hand-signed requests
# --------------------------------------------------------------------------

@dataclass
class Raw:
    status: int
    headers: dict  # lower-case names
    body: str

    @property
    def error(self) -> tuple[str, str]:
        return parse_error(self.body)

    def find(self, tag: str) -> str | None:
        root = ET.fromstring(self.body)
        for el in root.iter():
            if el.tag.rsplit("}", 1)[-1] == tag:
                return el.text
        return None


def parse_error(body: str) -> tuple[str, str]:
    try:
        root = ET.fromstring(body)
    except ET.ParseError as e:
        raise AssertionError(f"not an XML error envelope: {body!r}") from e
    code = msg = None
    for el in root.iter():
        t = el.tag.rsplit("}", 1)[-1]
        if t == "Code" and code is None:
            code = el.text or ""
        elif t == "Message" and msg is None:
            msg = el.text or ""
    assert code is not None, f"no <Code> in {body!r}"
    return code, msg or ""


def http(url: str, method: str = "GET", data: bytes | None = None, headers: dict | None = None) -> Raw:
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=30) as r:
            return Raw(r.status, {k.lower(): v for k, v in r.headers.items()}, r.read().decode("utf-8", "replace"))
    except urllib.error.HTTPError as e:
        return Raw(e.code, {k.lower(): v for k, v in e.headers.items()}, e.read().decode("utf-8", "replace"))


def _frozen_clock(at: _dt.datetime | None):
    if at is None:
        return contextlib.nullcontext()
    naive = at.astimezone(_dt.timezone.utc).replace(tzinfo=None) if at.tzinfo else at
    return mock.patch.object(botocore.auth, "get_current_datetime", lambda remove_tzinfo=True: naive)


def signed(
    endpoint: str,
    creds: Creds | None,
    params: dict[str, str],
    service: str = "iam",
    region: str = REGION,
    at: _dt.datetime | None = None,
) -> Raw:
    """POST a form signed with botocore's own SigV4 signer (optionally at a fixed time)."""
    body = urllib.parse.urlencode(params)
    req = AWSRequest(method="POST", url=endpoint + "/", data=body,
                     headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    if creds is not None:
        with _frozen_clock(at):
            SigV4Auth(Credentials(creds.access_key_id, creds.secret_access_key), service, region).add_auth(req)
    p = req.prepare()
    data = p.body if isinstance(p.body, bytes) else (p.body or "").encode()
    return http(p.url, "POST", data, dict(p.headers.items()))


def iam_params(action: str, **kw: str) -> dict[str, str]:
    return {"Action": action, "Version": IAM_VERSION, **kw}


def sts_params(action: str = "GetCallerIdentity", **kw: str) -> dict[str, str]:
    return {"Action": action, "Version": STS_VERSION, **kw}


def utcnow() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc)


def wait_until(pred, timeout: float = 5.0, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(interval)


# --------------------------------------------------------------------------
# Assertions shared by the IAM feature tests
# --------------------------------------------------------------------------

def expect_error(fn, code: str, status: int, message: str | None = None, **kwargs) -> str:
    """Call a boto3 operation that must fail; assert (code, HTTP status[, message])."""
    from botocore.exceptions import ClientError
    try:
        fn(**kwargs)
    except ClientError as e:
        got_code, got_msg, got_status = err(e)
        assert (got_code, got_status) == (code, status), (
            f"{getattr(fn, '__name__', fn)}({kwargs}): expected {code}/{status}, got {e.response['Error']} "
            f"status {got_status}")
        if message is not None:
            assert got_msg == message, f"{getattr(fn, '__name__', fn)}({kwargs}): {got_msg!r} != {message!r}"
        return got_msg
    raise AssertionError(f"{getattr(fn, '__name__', fn)}({kwargs}) succeeded; expected {code}")


def policy_doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action, resource="*") -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def deny(action, resource="*") -> dict:
    return {"Effect": "Deny", "Action": action, "Resource": resource}


def explicit_deny(account: str, user: str, action: str, resource: str, where: str = "an identity-based policy") -> str:
    return (f"User: arn:aws:iam::{account}:user/{user} is not authorized to perform: {action} "
            f"on resource: {resource} with an explicit deny in {where}")


def boundary_denied(account: str, user: str, action: str, resource: str) -> str:
    return (f"User: arn:aws:iam::{account}:user/{user} is not authorized to perform: {action} "
            f"on resource: {resource} because no permissions boundary allows the {action} action")
