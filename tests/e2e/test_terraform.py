"""Terraform's hashicorp/aws provider manages IAM resources against keyward:
apply, an empty re-plan, an update, another empty re-plan, destroy — then the
account is as it was. The provider comes from the machine's plugin mirror."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

import kw

HERE = Path(__file__).parent / "terraform"


def _provider_mirror() -> Path | None:
    found = os.environ.get("KEYWARD_TF_PROVIDER")
    candidates = [Path(found)] if found else list(Path("/opt").glob("**/terraform-provider-aws_*"))
    for c in candidates:
        # …/registry.terraform.io/hashicorp/aws/<version>/<os_arch>/terraform-provider-aws_…
        parts = c.parts
        if "registry.terraform.io" in parts:
            return Path(*parts[: parts.index("registry.terraform.io")])
    return None


MIRROR = _provider_mirror()
TERRAFORM = shutil.which("terraform")
if TERRAFORM is None or MIRROR is None:
    print("\n!!! SKIPPING the Terraform tests: terraform or the hashicorp/aws provider mirror is missing !!!\n")
pytestmark = pytest.mark.skipif(
    TERRAFORM is None or MIRROR is None,
    reason="!!! terraform or the hashicorp/aws provider mirror is missing: Terraform tests NOT run !!!",
)


def _tf(workdir: Path, env: dict, *args: str, ok_codes=(0,)) -> subprocess.CompletedProcess:
    p = subprocess.run([TERRAFORM, *args], cwd=workdir, env=env, capture_output=True, text=True, timeout=600)
    assert p.returncode in ok_codes, f"terraform {' '.join(args)} exited {p.returncode}\n{p.stdout[-6000:]}\n{p.stderr[-6000:]}"
    return p


@pytest.fixture
def tf_env(tmp_path):
    rc = tmp_path / "terraformrc"
    rc.write_text(
        'provider_installation {\n'
        f'  filesystem_mirror {{\n    path = "{MIRROR}"\n    include = ["registry.terraform.io/hashicorp/aws"]\n  }}\n'
        '}\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_"))}
    env.update({
        "TF_CLI_CONFIG_FILE": str(rc),
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "CHECKPOINT_DISABLE": "1",
        "TF_DATA_DIR": str(tmp_path / ".terraform"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
    })
    return env


def test_terraform_lifecycle(strict, fresh_account, tf_env, tmp_path):
    work = tmp_path / "work"
    shutil.copytree(HERE, work)
    prefix = kw.unique("tf")
    creds = fresh_account.admin
    common = [f"-var=endpoint={strict.endpoint}", f"-var=access_key={creds.access_key_id}",
              f"-var=secret_key={creds.secret_access_key}", f"-var=prefix={prefix}"]
    iam = strict.server.iam(creds)
    users_before = {u["UserName"] for u in iam.list_users()["Users"]}

    _tf(work, tf_env, "init", "-no-color")
    _tf(work, tf_env, "apply", "-auto-approve", "-no-color", *common)
    out = json.loads(_tf(work, tf_env, "output", "-json").stdout)
    assert out["account_id"]["value"] == fresh_account.account_id
    assert out["user_arn"]["value"] == f"arn:aws:iam::{fresh_account.account_id}:user/engineering/{prefix}-dev"

    # What Terraform made is real: the user is in the group, the policies apply.
    user = f"{prefix}-dev"
    groups = [g["GroupName"] for g in iam.list_groups_for_user(UserName=user)["Groups"]]
    assert groups == [f"{prefix}-devs"]
    assert iam.get_login_profile(UserName=user)["LoginProfile"]["PasswordResetRequired"] is True
    dev = strict.server.iam(kw.Creds(out["access_key_id"]["value"], out["access_key_secret"]["value"]))
    dev.list_users()  # allowed by the customer policy attached to the group
    with pytest.raises(Exception):
        dev.create_user(UserName=kw.unique("nope"))

    # Nothing drifts: a second plan has no changes (exit code 0, not 2).
    _tf(work, tf_env, "plan", "-detailed-exitcode", "-no-color", *common)

    # An update in place, then again no drift.
    _tf(work, tf_env, "apply", "-auto-approve", "-no-color", *common, "-var=generation=2")
    assert iam.get_role(RoleName=f"{prefix}-app")["Role"]["MaxSessionDuration"] == 7200
    assert iam.get_account_password_policy()["PasswordPolicy"]["MinimumPasswordLength"] == 14
    _tf(work, tf_env, "plan", "-detailed-exitcode", "-no-color", *common, "-var=generation=2")

    _tf(work, tf_env, "destroy", "-auto-approve", "-no-color", *common, "-var=generation=2")
    assert {u["UserName"] for u in iam.list_users()["Users"]} == users_before
    assert iam.list_roles(PathPrefix="/service/")["Roles"] == []
    assert [p for p in iam.list_policies(Scope="Local")["Policies"] if p["PolicyName"].startswith(prefix)] == []
