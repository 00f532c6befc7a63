"""Root's own credentials are root's alone: no IAM policy, not even
AdministratorAccess, reaches them, and no IAM policy can restrict root."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

import kw


def _root_key(strict, account) -> kw.Creds:
    out = kw.root_create_access_key(strict.data_dir, account.email)
    assert out.returncode == 0, out.stderr
    made = json.loads(out.stdout)
    return kw.Creds(made["AccessKeyId"], made["SecretAccessKey"])


def test_administrator_cannot_touch_root_keys(strict, fresh_account):
    root = _root_key(strict, fresh_account)
    admin = strict.server.iam(fresh_account.admin)  # AdministratorAccess
    for call in (lambda: admin.update_access_key(AccessKeyId=root.access_key_id, Status="Inactive"),
                 lambda: admin.delete_access_key(AccessKeyId=root.access_key_id)):
        with pytest.raises(ClientError) as e:
            call()
        code, msg, status = kw.err(e.value)
        assert (code, status) == ("NoSuchEntity", 404)
        assert msg == f"The Access Key with id {root.access_key_id} cannot be found."
    # Listing without a user name lists the admin's own keys, never root's.
    listed = [k["AccessKeyId"] for k in admin.list_access_keys()["AccessKeyMetadata"]]
    assert root.access_key_id not in listed
    # Root's key still works, and root lists it.
    root_iam = strict.server.iam(root)
    assert [k["AccessKeyId"] for k in root_iam.list_access_keys()["AccessKeyMetadata"]] == [root.access_key_id]


def test_no_iam_policy_restricts_root(strict, fresh_account):
    root = strict.server.iam(_root_key(strict, fresh_account))
    # A Deny-everything policy exists in the account; it cannot be attached to root,
    # and root keeps doing everything.
    deny = root.create_policy(PolicyName=kw.unique("deny-all"), PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}))["Policy"]["Arn"]
    with pytest.raises(ClientError) as e:
        root.attach_user_policy(UserName="root", PolicyArn=deny)
    assert kw.err(e.value)[0] == "NoSuchEntity"
    name = kw.unique("made-by-root")
    root.create_user(UserName=name)
    root.delete_user(UserName=name)
    # ChangePassword is for IAM users: root's password is never changed through IAM.
    with pytest.raises(ClientError) as e:
        root.change_password(OldPassword="x", NewPassword="y")
    assert kw.err(e.value)[:1] == ("InvalidUserType",)
