"""The credential report, read with a CSV reader and checked column by column
against the state this test created."""

from __future__ import annotations

import csv
import io

import pytest
from botocore.exceptions import ClientError

import kw

COLUMNS = ("user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
           "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
           "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
           "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
           "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,"
           "cert_2_active,cert_2_last_rotated").split(",")


def test_credential_report_columns(strict, fresh_account):
    iam = strict.server.iam(fresh_account.admin)
    acct = fresh_account.account_id
    with pytest.raises(ClientError) as e:
        iam.get_credential_report()
    code, _, status = kw.err(e.value)
    assert (code, status) == ("ReportNotPresent", 410)

    # State: a user with a password and two keys (one used via STS, one inactive).
    name = kw.unique("rep")
    iam.create_user(UserName=name)
    iam.update_account_password_policy(MinimumPasswordLength=8, MaxPasswordAge=90)
    iam.create_login_profile(UserName=name, Password="Report-Pa55word")
    k1 = iam.create_access_key(UserName=name)["AccessKey"]
    k2 = iam.create_access_key(UserName=name)["AccessKey"]
    iam.update_access_key(UserName=name, AccessKeyId=k2["AccessKeyId"], Status="Inactive")
    strict.server.sts(kw.Creds(k1["AccessKeyId"], k1["SecretAccessKey"]), region="eu-west-1").get_caller_identity()

    first = iam.generate_credential_report()
    assert first["State"] == "STARTED"
    assert first["Description"] == "No report exists. Starting a new report generation task"
    assert iam.generate_credential_report()["State"] == "COMPLETE", "a fresh report is reused"
    report = iam.get_credential_report()
    assert report["ReportFormat"] == "text/csv" and "GeneratedTime" in report
    rows = list(csv.DictReader(io.StringIO(report["Content"].decode())))
    assert list(rows[0].keys()) == COLUMNS

    root = rows[0]
    assert root["user"] == "<root_account>" and root["arn"] == f"arn:aws:iam::{acct}:root"
    assert (root["password_enabled"], root["password_last_changed"], root["password_next_rotation"]) == \
        ("not_supported", "not_supported", "not_supported")
    assert root["mfa_active"] == "false" and root["access_key_1_active"] == "false"
    assert root["access_key_1_last_rotated"] == "N/A"

    row = next(r for r in rows if r["user"] == name)
    user = iam.get_user(UserName=name)["User"]
    assert row["arn"] == user["Arn"]
    assert row["user_creation_time"].endswith("+00:00")
    assert row["password_enabled"] == "true" and row["password_last_used"] == "no_information"
    assert row["password_next_rotation"] != "N/A", "MaxPasswordAge is set"
    assert row["mfa_active"] == "false"
    # Keys 1 and 2 are ordered by creation; both were made within one second,
    # so find each by its state rather than by its slot.
    slots = [{c.removeprefix(f"access_key_{n}_"): row[c] for c in COLUMNS if c.startswith(f"access_key_{n}_")}
             for n in (1, 2)]
    used = next(sl for sl in slots if sl["active"] == "true")
    idle = next(sl for sl in slots if sl["active"] == "false")
    assert used["last_used_service"] == "sts" and used["last_used_region"] == "eu-west-1"
    assert used["last_used_date"].endswith("+00:00") and used["last_rotated"].endswith("+00:00")
    assert idle["last_used_date"] == "N/A" and idle["last_used_region"] == "N/A"
    assert (row["cert_1_active"], row["cert_1_last_rotated"]) == ("false", "N/A")
    admin = next(r for r in rows if r["user"] == "admin")
    assert admin["password_enabled"] == "false" and admin["password_last_used"] == "N/A"

    # A user without permission cannot read it.
    plain = kw.unique("noperm")
    iam.create_user(UserName=plain)
    pk = iam.create_access_key(UserName=plain)["AccessKey"]
    with pytest.raises(ClientError) as e:
        strict.server.iam(kw.Creds(pk["AccessKeyId"], pk["SecretAccessKey"])).get_credential_report()
    assert kw.err(e.value)[0] == "AccessDenied"
