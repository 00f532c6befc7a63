"""The permission matrix: for every action in keyward's action table (read
from `keyward actions`), an IAM user without permission is denied; a user
allowed the action on one resource is allowed there and denied elsewhere; an
explicit Deny beats AdministratorAccess; a permissions boundary caps an admin.

"Allowed" means the request got past authorization: the answer may still be
an error of the operation itself (the targets need not exist), never
AccessDenied."""

from __future__ import annotations

import json

import pytest

import kw

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


def _actions() -> list[dict]:
    p = kw.run_keyward(["actions"])
    assert p.returncode == 0, p.stderr
    return [a for a in json.loads(p.stdout) if a["IamAction"]]


ACTIONS = _actions() if kw.KEYWARD_BIN.is_file() else []

# How each resource kind is aimed at a resource: (parameters, the ARN's resource part).
# `tag` distinguishes the allowed target from the other one.
NAMED = {
    "User": ("UserName", "user"), "UserOrSelf": ("UserName", "user"), "NewUser": ("UserName", "user"),
    "Group": ("GroupName", "group"), "NewGroup": ("GroupName", "group"),
    "Role": ("RoleName", "role"), "NewRole": ("RoleName", "role"),
    "InstanceProfile": ("InstanceProfileName", "instance-profile"),
    "NewInstanceProfile": ("InstanceProfileName", "instance-profile"),
    "NewPolicy": ("PolicyName", "policy"),
}
PREFIXED = {"Users": "user", "Groups": "group", "Roles": "role", "InstanceProfiles": "instance-profile",
            "Policies": "policy"}


def target(kind: str, acct: str, tag: str) -> tuple[dict[str, str], str] | None:
    if kind in NAMED:
        param, rtype = NAMED[kind]
        name = f"matrix-{tag}"
        return {param: name}, f"arn:aws:iam::{acct}:{rtype}/{name}"
    if kind in PREFIXED:
        return {"PathPrefix": f"/{tag}/"}, f"arn:aws:iam::{acct}:{PREFIXED[kind]}/{tag}/"
    if kind == "Policy":
        arn = f"arn:aws:iam::{acct}:policy/matrix-{tag}"
        return {"PolicyArn": arn}, arn
    return None  # Any, Caller, AccessKeyOwner: not aimed by parameters


def call(server: kw.Server, creds: kw.Creds, action: dict, params: dict[str, str]) -> kw.Raw:
    p = kw.iam_params(action["Action"], **params) if action["Service"] == "iam" else kw.sts_params(action["Action"], **params)
    return kw.signed(server.endpoint, creds, p, service=action["Service"])


def denied(r: kw.Raw) -> str | None:
    if r.status != 403:
        return None
    code, message = r.error
    return message if code == "AccessDenied" else None


@pytest.fixture(scope="module")
def matrix(session_pool, tmp_path_factory):
    data = tmp_path_factory.mktemp("matrix") / "data"
    data.mkdir()
    account = kw.create_account(data, admin_user="admin")
    server = session_pool.start("strict", data_dir=data)
    iam = server.iam(account.admin)

    def user(name: str, managed=(), boundary: str | None = None, inline: dict | None = None) -> kw.Creds:
        iam.create_user(UserName=name)
        for arn in managed:
            iam.attach_user_policy(UserName=name, PolicyArn=arn)
        if boundary:
            iam.put_user_permissions_boundary(UserName=name, PermissionsBoundary=boundary)
        if inline:
            iam.put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=json.dumps(inline))
        k = iam.create_access_key(UserName=name)["AccessKey"]
        return kw.Creds(k["AccessKeyId"], k["SecretAccessKey"])

    only_sts = iam.create_policy(PolicyName="matrix-boundary", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"}]}))["Policy"]["Arn"]
    users = {
        "none": user("matrix-none"),
        "scoped": user("matrix-scoped"),
        "deny": user("matrix-deny", managed=[ADMIN], inline={
            "Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": ["iam:*", "sts:*"], "Resource": "*"}]}),
        "bounded": user("matrix-bounded", managed=[ADMIN], boundary=only_sts),
    }
    return server, account, iam, users


@pytest.mark.parametrize("action", ACTIONS, ids=[a["Action"] for a in ACTIONS])
def test_action_is_authorized(matrix, action):
    server, account, iam, users = matrix
    acct = account.account_id
    name, iam_action = action["Action"], action["IamAction"]
    aimed = target(action["Resource"], acct, "allowed")
    params = aimed[0] if aimed else {}

    msg = denied(call(server, users["none"], action, params))
    assert msg and msg.endswith(f"because no identity-based policy allows the {iam_action} action"), msg

    msg = denied(call(server, users["deny"], action, params))
    assert msg and msg.endswith("with an explicit deny in an identity-based policy"), msg

    msg = denied(call(server, users["bounded"], action, params))
    assert msg and msg.endswith(f"because no permissions boundary allows the {iam_action} action"), msg

    # Allowed on exactly one resource (or on * when the action has no resource).
    resource = aimed[1] if aimed else "*"
    iam.put_user_policy(UserName="matrix-scoped", PolicyName="scoped", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": iam_action, "Resource": resource}]}))
    r = call(server, users["scoped"], action, params)
    assert denied(r) is None, f"{name} on {resource} should pass authorization: {r.status} {r.body}"
    other = target(action["Resource"], acct, "other")
    if other:
        msg = denied(call(server, users["scoped"], action, other[0]))
        assert msg and f"on resource: {other[1]} " in msg, msg
