"""Scenarios of testdata/providers/aws/credentials/ and testdata/providers/aws/toxic/ (issue 10):
long-lived credentials issued for privileged principals (`privileged-credential`), and more
power inside a forbidden pair already held (`toxic-combination`). Registered in gen.py by one
line.

Shared helpers of gen.py (role_policy, user_res, ...) are imported inside the functions that
use them (`gen = _gen()`): gen.py imports this module, so a top-level import would be circular.
Attribute sets follow the schema of hashicorp/aws 5.100 (`terraform providers schema -json`).
"""

from tfplan import (ACCOUNT, AWS, REGION, SAME, U, C, E, R, Output, Plan, Res, dumps,  # noqa: F401
                    policy, statement)
import aws  # noqa: F401
from aws import ADMIN, IAM_FULL


def _gen():
    import gen
    return gen


def _ref(addr, attr):
    return R(addr + "." + attr, addr)


def _user(name, tf_name, *, new=False):
    if new:
        return Res("aws_iam_user", tf_name, before=None, after=aws.iam_user(name, new=True),
                   config={"name": C(name)})
    return Res("aws_iam_user", tf_name, before=aws.iam_user(name), after=SAME,
               config={"name": C(name)})


def _user_attachment(tf_name, user, user_tf, policy_arn, *, new=False):
    before = None if new else aws.iam_user_policy_attachment(user, policy_arn)
    after = aws.iam_user_policy_attachment(user, policy_arn, new=True) if new else SAME
    return Res("aws_iam_user_policy_attachment", tf_name, before=before, after=after,
               config={"policy_arn": C(policy_arn),
                       "user": _ref("aws_iam_user." + user_tf, "name")})


def _user_policy(tf_name, user, user_tf, name, doc):
    return Res("aws_iam_user_policy", tf_name, before=aws.iam_user_policy(user, name, doc),
               after=SAME,
               config={"name": C(name), "policy": E(),
                       "user": _ref("aws_iam_user." + user_tf, "name")})


def _key_id(user):
    return "AKIA" + aws.aws_unique_id("", user)[:16].upper()


def _access_key_existing(user, status="Active"):
    return {"create_date": "2023-03-14T09:12:44Z", "encrypted_secret": None,
            "encrypted_ses_smtp_password_v4": None, "id": _key_id(user),
            "key_fingerprint": None, "pgp_key": None, "secret": "(stored)",
            "ses_smtp_password_v4": "(stored)", "status": status, "user": user}


KEY_SENSITIVE = ["secret", "ses_smtp_password_v4"]


def _access_key(tf_name, user, user_tf, *, before=None, after=None, **kw):
    cfg = {"user": _ref("aws_iam_user." + user_tf, "name")}
    if after is not None and after is not SAME and after.get("status") != "Active":
        cfg["status"] = C(after["status"])
    if after is None and before is not None:
        cfg = None
        kw.setdefault("reason", "delete_because_no_resource_config")
    return Res("aws_iam_access_key", tf_name, before=before, after=after, config=cfg,
               sensitive=KEY_SENSITIVE, **kw)


def credentials_access_key_for_admin():
    """deploy-bot holds AdministratorAccess (unchanged); the change issues it an access key."""
    res = [
        _user("deploy-bot", "deploy_bot"),
        _user_attachment("deploy_bot_admin", "deploy-bot", "deploy_bot", ADMIN),
        _access_key("deploy_bot", "deploy-bot", "deploy_bot",
                    after=aws.iam_access_key("deploy-bot")),
    ]
    return Plan(res, timestamp="2024-10-02T10:14:08Z", provider_config=_gen().provider())


def credentials_access_key_for_app_user():
    """report-reader may only read one bucket's reports: a key for it is ordinary work."""
    read = policy(statement(["s3:GetObject", "s3:ListBucket"],
                            ["arn:aws:s3:::acme-reports-%s" % ACCOUNT,
                             "arn:aws:s3:::acme-reports-%s/*" % ACCOUNT], sid="ReadReports"))
    res = [
        _user("report-reader", "report_reader"),
        _user_policy("report_reader_read", "report-reader", "report_reader", "read-reports",
                     read),
        _access_key("report_reader", "report-reader", "report_reader",
                    after=aws.iam_access_key("report-reader")),
    ]
    return Plan(res, timestamp="2024-10-02T10:20:41Z", provider_config=_gen().provider())


def credentials_access_key_rotated():
    """legacy-sync is a member of `admins` (AdministratorAccess); its key is replaced
    (create_before_destroy, a rotation forced by a new `pgp_key`)."""
    before = dict(_access_key_existing("legacy-sync"))
    after = aws.iam_access_key("legacy-sync")
    after["pgp_key"] = "keybase:acme_security"
    res = [
        _user("legacy-sync", "legacy_sync"),
        Res("aws_iam_group", "admins", before=aws.iam_group("admins"), after=SAME,
            config={"name": C("admins")}),
        Res("aws_iam_group_policy_attachment", "admins_admin",
            before=aws.iam_group_policy_attachment("admins", ADMIN), after=SAME,
            config={"group": _ref("aws_iam_group.admins", "name"), "policy_arn": C(ADMIN)}),
        Res("aws_iam_group_membership", "admins",
            before=aws.iam_group_membership("admins-membership", "admins", ["legacy-sync"]),
            after=SAME,
            config={"group": _ref("aws_iam_group.admins", "name"),
                    "name": C("admins-membership"),
                    "users": _ref("aws_iam_user.legacy_sync", "name")}),
        _access_key("legacy_sync", "legacy-sync", "legacy_sync", before=before, after=after,
                    replace="create_first", replace_paths=[["pgp_key"]]),
    ]
    return Plan(res, timestamp="2024-10-02T11:02:17Z", provider_config=_gen().provider())


def credentials_access_key_reactivated():
    """break-glass holds AdministratorAccess; its inactive key is made Active again."""
    before = _access_key_existing("break-glass", status="Inactive")
    after = dict(before, status="Active")
    res = [
        _user("break-glass", "break_glass"),
        _user_attachment("break_glass_admin", "break-glass", "break_glass", ADMIN),
        _access_key("break_glass", "break-glass", "break_glass", before=before, after=after),
    ]
    return Plan(res, timestamp="2024-10-02T11:40:55Z", provider_config=_gen().provider())


def credentials_access_keys_retired():
    """An administrator's keys are retired: one deactivated, one deleted. Nothing is issued."""
    first = _access_key_existing("ops-oncall")
    second = dict(_access_key_existing("ops-oncall-2"), user="ops-oncall")
    res = [
        _user("ops-oncall", "ops_oncall"),
        _user_attachment("ops_oncall_admin", "ops-oncall", "ops_oncall", ADMIN),
        _access_key("ops_oncall", "ops-oncall", "ops_oncall", before=first,
                    after=dict(first, status="Inactive")),
        _access_key("ops_oncall_old", "ops-oncall", "ops_oncall", before=second, after=None),
    ]
    return Plan(res, timestamp="2024-10-02T12:05:09Z", provider_config=_gen().provider())


def _login_profile_new(user):
    return {"encrypted_password": U, "id": U, "key_fingerprint": U, "password": U,
            "password_length": 24, "password_reset_required": True, "pgp_key": None,
            "user": user}


def credentials_login_profile_for_new_admin():
    """A new user `mallory` gets IAMFullAccess and a console password in one change."""
    res = [
        _user("mallory", "mallory", new=True),
        _user_attachment("mallory_iam", "mallory", "mallory", IAM_FULL, new=True),
        Res("aws_iam_user_login_profile", "mallory", before=None,
            after=_login_profile_new("mallory"),
            config={"password_length": C(24), "password_reset_required": C(True),
                    "user": _ref("aws_iam_user.mallory", "name")},
            sensitive=["password"]),
    ]
    return Plan(res, timestamp="2024-10-02T13:31:46Z", provider_config=_gen().provider())


CERT_BODY = ("-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2VydGlmaWNhdGUtZm9yLWF1ZGl0LWJvdDAKBggq"
             "\n-----END CERTIFICATE-----\n")


def credentials_service_credential_and_certificate():
    """audit-bot can both rewrite user policies and stop the trail (unchanged); it gets a
    CodeCommit credential and a signing certificate."""
    both = policy(statement(["iam:PutUserPolicy", "cloudtrail:StopLogging"], "*",
                            sid="AuditAndIam"))
    res = [
        _user("audit-bot", "audit_bot"),
        _user_policy("audit_bot_ops", "audit-bot", "audit_bot", "audit-ops", both),
        Res("aws_iam_service_specific_credential", "audit_bot_git", before=None,
            after={"id": U, "service_name": "codecommit.amazonaws.com",
                   "service_password": U, "service_specific_credential_id": U,
                   "service_user_name": U, "status": "Active", "user_name": "audit-bot"},
            config={"service_name": C("codecommit.amazonaws.com"),
                    "user_name": _ref("aws_iam_user.audit_bot", "name")},
            sensitive=["service_password"]),
        Res("aws_iam_signing_certificate", "audit_bot", before=None,
            after={"certificate_body": CERT_BODY, "certificate_id": U, "id": U,
                   "status": "Active", "user_name": "audit-bot"},
            config={"certificate_body": C(CERT_BODY),
                    "user_name": _ref("aws_iam_user.audit_bot", "name")}),
    ]
    return Plan(res, timestamp="2024-10-02T14:12:30Z", provider_config=_gen().provider())


def credentials_access_key_unknown_policy():
    """etl-loader gets a new inline policy whose document is known only after apply (it names
    a bucket the change creates) and an access key: what the key carries is unknown."""
    gen = _gen()
    res = [
        _user("etl-loader", "etl_loader"),
        Res("aws_iam_user_policy", "etl_loader_data", before=None,
            after=aws.iam_user_policy("etl-loader", "load-data", U, new=True),
            config={"name": C("load-data"), "policy": R("aws_s3_bucket.data.arn",
                                                        "aws_s3_bucket.data"),
                    "user": _ref("aws_iam_user.etl_loader", "name")}),
        Res("aws_s3_bucket", "data", before=None,
            after=aws.s3_bucket("acme-etl-data-%s" % ACCOUNT, new=True),
            config={"bucket": C("acme-etl-data-%s" % ACCOUNT)}),
        _access_key("etl_loader", "etl-loader", "etl_loader",
                    after=aws.iam_access_key("etl-loader")),
    ]
    return Plan(res, timestamp="2024-10-02T14:40:51Z", provider_config=gen.provider())


def toxic_admin_gains_s3_star():
    """ops-admin holds AdministratorAccess (unchanged) and gains `s3:*` on `*`: inside the
    forbidden pair's duties, but nothing it did not hold already."""
    gen = _gen()
    s3 = policy(statement(["s3:*"], "*", sid="AllBuckets"))
    res = [
        gen.ops_admin_role(managed=[ADMIN]),
        gen.role_attachment("ops_admin", "ops-admin", ADMIN, new=False),
        gen.role_policy("ops_admin_s3", "ops-admin", "all-buckets", None, s3),
    ]
    return Plan(res, timestamp="2024-10-02T15:03:12Z", provider_config=gen.provider())


SCENARIOS = {
    "providers/aws/credentials/access-key-for-admin.json": credentials_access_key_for_admin,
    "providers/aws/credentials/access-key-for-app-user.json":
        credentials_access_key_for_app_user,
    "providers/aws/credentials/access-key-rotated.json": credentials_access_key_rotated,
    "providers/aws/credentials/access-key-reactivated.json": credentials_access_key_reactivated,
    "providers/aws/credentials/access-keys-retired.json": credentials_access_keys_retired,
    "providers/aws/credentials/login-profile-for-new-admin.json":
        credentials_login_profile_for_new_admin,
    "providers/aws/credentials/service-credential-and-certificate.json":
        credentials_service_credential_and_certificate,
    "providers/aws/credentials/access-key-unknown-policy.json":
        credentials_access_key_unknown_policy,
    "providers/aws/toxic/admin-gains-s3-star.json": toxic_admin_gains_s3_star,
}
