"""Scenarios of testdata/providers/aws/identity/ (issue 10). Registered in gen.py by one line.

Privilege that does not look like IAM: IAM Identity Center (permission sets, account
assignments, identity-store groups and memberships), permissions boundaries, and resource
policies that grant other principals.

Shared helpers of gen.py (trail_stack, role_policy, ...) are imported inside the functions that
use them (`gen = _gen()`): gen.py imports this module, so a top-level import would be circular.

Attribute sets follow the hashicorp/aws 5.x schemas; which attributes a new object leaves unknown
was checked against `terraform show -json` of real plans (Terraform 1.11, hashicorp/aws 5.100).
"""

import json

from tfplan import (ACCOUNT, AWS, REGION, SAME, U, C, E, R, Output, Plan, Res, dumps,  # noqa: F401
                    hexid, jsonencode, policy, rfc3339, statement)
import aws  # noqa: F401
from aws import ADMIN, READ_ONLY, role_arn


def _gen():
    import gen
    return gen


# --- IAM Identity Center ------------------------------------------------------------------
INSTANCE = "arn:aws:sso:::instance/ssoins-7223a1b2c3d4e5f6"
STORE = "d-9367a1b2c3"
VENDOR_ACCOUNT = "444455556666"


def ps_arn(name):
    return "arn:aws:sso:::permissionSet/ssoins-7223a1b2c3d4e5f6/ps-" + hexid("ps:" + name, 16)


def store_id(seed):
    """An identity-store id (a UUID, as Identity Center gives users and groups)."""
    h = hexid("store:" + seed, 32)
    return "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])


def permission_set(name, *, description="", session="PT4H", new=False):
    if new:
        return {"arn": U, "created_date": U, "description": description or None, "id": U,
                "instance_arn": INSTANCE, "name": name, "relay_state": None,
                "session_duration": session, "tags": None, "tags_all": aws.tags_all(None),
                "timeouts": None}
    arn = ps_arn(name)
    return {"arn": arn, "created_date": rfc3339("ps:" + name), "description": description,
            "id": "%s,%s" % (arn, INSTANCE), "instance_arn": INSTANCE, "name": name,
            "relay_state": "", "session_duration": session, "tags": None,
            "tags_all": aws.tags_all(None), "timeouts": None}


def ps_inline_policy(ps, doc, *, new=False):
    return {"id": U if new else "%s,%s" % (ps, INSTANCE), "inline_policy": doc,
            "instance_arn": INSTANCE, "permission_set_arn": ps, "timeouts": None}


def ps_managed_attachment(ps, policy_arn, *, new=False):
    return {"id": U if new else "%s,%s,%s" % (policy_arn, ps, INSTANCE),
            "instance_arn": INSTANCE, "managed_policy_arn": policy_arn,
            "managed_policy_name": U if new else policy_arn.rsplit("/", 1)[1],
            "permission_set_arn": ps, "timeouts": None}


def ps_customer_attachment(ps, name, *, new=False):
    return {"customer_managed_policy_reference": [{"name": name, "path": "/"}],
            "id": U if new else "%s,/,%s,%s" % (name, ps, INSTANCE),
            "instance_arn": INSTANCE, "permission_set_arn": ps, "timeouts": None}


def ps_boundary_attachment(ps, policy_arn, *, new=False):
    return {"id": U if new else "%s,%s" % (ps, INSTANCE), "instance_arn": INSTANCE,
            "permission_set_arn": ps,
            "permissions_boundary": [{"customer_managed_policy_reference": [],
                                      "managed_policy_arn": policy_arn}],
            "timeouts": None}


def account_assignment(ps, principal_id, principal_type, *, target=ACCOUNT, new=False):
    return {"id": U if new else ",".join([principal_id, principal_type, target, "AWS_ACCOUNT",
                                          ps, INSTANCE]),
            "instance_arn": INSTANCE, "permission_set_arn": ps, "principal_id": principal_id,
            "principal_type": principal_type, "target_id": target,
            "target_type": "AWS_ACCOUNT", "timeouts": None}


def store_group(display_name, *, description="", new=False):
    if new:
        return {"description": description or None, "display_name": display_name,
                "external_ids": U, "group_id": U, "id": U, "identity_store_id": STORE}
    gid = store_id("group:" + display_name)
    return {"description": description, "display_name": display_name, "external_ids": [],
            "group_id": gid, "id": "%s/%s" % (STORE, gid), "identity_store_id": STORE}


def store_user(user_name, given, family, *, new=False):
    email = "%s@acme.example" % user_name
    out = {
        "addresses": [], "display_name": "%s %s" % (given, family),
        "emails": [{"primary": True, "type": None if new else "", "value": email}],
        "identity_store_id": STORE, "locale": None, "name": [{
            "family_name": family, "formatted": None, "given_name": given,
            "honorific_prefix": None, "honorific_suffix": None, "middle_name": None}],
        "nickname": None, "phone_numbers": [], "preferred_language": None, "profile_url": None,
        "timezone": None, "title": None, "user_name": user_name, "user_type": None,
    }
    if new:
        out.update({"external_ids": U, "id": U, "user_id": U})
    else:
        uid = store_id("user:" + user_name)
        out.update({"external_ids": [], "id": "%s/%s" % (STORE, uid), "user_id": uid})
    return out


def store_membership(group_id, member_id, *, new=False):
    if new:
        return {"group_id": group_id, "id": U, "identity_store_id": STORE,
                "member_id": member_id, "membership_id": U}
    mid = store_id("membership:%s:%s" % (group_id, member_id))
    return {"group_id": group_id, "id": "%s/%s" % (STORE, mid), "identity_store_id": STORE,
            "member_id": member_id, "membership_id": mid}


def _ps_res(tf_name, name, description):
    return Res("aws_ssoadmin_permission_set", tf_name,
               before=permission_set(name, description=description), after=SAME,
               config={"description": C(description), "instance_arn": C(INSTANCE),
                       "name": C(name), "session_duration": C("PT4H")})


def _ps_ref(tf_name):
    return R("aws_ssoadmin_permission_set.%s.arn" % tf_name,
             "aws_ssoadmin_permission_set.%s" % tf_name)


def _group_res(tf_name, display_name, description):
    return Res("aws_identitystore_group", tf_name,
               before=store_group(display_name, description=description), after=SAME,
               config={"description": C(description), "display_name": C(display_name),
                       "identity_store_id": C(STORE)})


def _group_ref(tf_name):
    return R("aws_identitystore_group.%s.group_id" % tf_name,
             "aws_identitystore_group.%s" % tf_name)


def _assignment(tf_name, ps_tf, ps, group_tf, gid, *, new):
    before = None if new else account_assignment(ps, gid, "GROUP")
    after = account_assignment(ps, gid, "GROUP", new=True) if new else SAME
    return Res("aws_ssoadmin_account_assignment", tf_name, before=before, after=after,
               config={"instance_arn": C(INSTANCE), "permission_set_arn": _ps_ref(ps_tf),
                       "principal_id": _group_ref(group_tf), "principal_type": C("GROUP"),
                       "target_id": C(ACCOUNT), "target_type": C("AWS_ACCOUNT")})


def _managed(tf_name, ps_tf, ps, policy_arn, *, new=False):
    before = None if new else ps_managed_attachment(ps, policy_arn)
    after = ps_managed_attachment(ps, policy_arn, new=True) if new else SAME
    return Res("aws_ssoadmin_managed_policy_attachment", tf_name, before=before, after=after,
               config={"instance_arn": C(INSTANCE), "managed_policy_arn": C(policy_arn),
                       "permission_set_arn": _ps_ref(ps_tf)})


ADMIN_PS_DESC = "Full administration of the platform accounts"


def _platform_admin(*, new_assignment):
    """The permission set `PlatformAdmin` (AdministratorAccess) assigned to the identity-store
    group `platform-ops` in the account: by this change, or already."""
    ps = ps_arn("PlatformAdmin")
    return [
        _ps_res("admin", "PlatformAdmin", ADMIN_PS_DESC),
        _managed("admin", "admin", ps, ADMIN),
        _group_res("platform_ops", "platform-ops", "Platform operations"),
        _assignment("platform_ops_admin", "admin", ps, "platform_ops",
                    store_id("group:platform-ops"), new=new_assignment),
    ]


def sso_admin_assigned_audit_weakened():
    """A new account assignment gives the identity-store group `platform-ops` the permission
    set `PlatformAdmin` (AdministratorAccess) in the account, in the same change that stops
    the organisation trail."""
    gen = _gen()
    res = _platform_admin(new_assignment=True)
    trail = aws.cloudtrail("org-trail", gen.TRAIL_BUCKET, tags=gen.TRAIL_TAGS)
    res += gen.trail_stack(trail_before=trail, trail_after=dict(trail, enable_logging=False),
                           trail_config=gen.trail_cfg(enable_logging=False))
    return Plan(res, timestamp="2024-10-02T08:11:40Z", provider_config=gen.provider())


def sso_user_added_to_admin_group():
    """A new identity-store user (`dana`, her id known only after apply) is added to the group
    `platform-ops`, which holds `PlatformAdmin` (AdministratorAccess) in the account already."""
    gen = _gen()
    gid = store_id("group:platform-ops")
    res = _platform_admin(new_assignment=False) + [
        Res("aws_identitystore_user", "dana", before=None,
            after=store_user("dana", "Dana", "Smith", new=True),
            config={"display_name": C("Dana Smith"), "emails": [{
                "primary": C(True), "value": C("dana@acme.example")}],
                "identity_store_id": C(STORE),
                "name": [{"family_name": C("Smith"), "given_name": C("Dana")}],
                "user_name": C("dana")}),
        Res("aws_identitystore_group_membership", "dana_platform_ops", before=None,
            after=store_membership(gid, U, new=True),
            config={"group_id": _group_ref("platform_ops"), "identity_store_id": C(STORE),
                    "member_id": R("aws_identitystore_user.dana.user_id",
                                   "aws_identitystore_user.dana")}),
    ]
    return Plan(res, timestamp="2024-10-02T09:27:05Z", provider_config=gen.provider())


AUDIT_OPS = statement(["cloudtrail:*", "logs:*"], "*", sid="AuditOperations")


def sso_inline_policy_adds_iam():
    """The inline policy of the permission set `AuditOps` (assigned to the group `auditors`)
    gains `iam:*`: the permission set, and the group through its assignment, now hold
    privilege administration beside the audit powers they held."""
    gen = _gen()
    ps = ps_arn("AuditOps")
    gid = store_id("group:auditors")
    before_doc = policy(AUDIT_OPS)
    after_doc = policy(AUDIT_OPS, statement(["iam:*"], "*", sid="IdentityAdministration"))
    res = [
        _ps_res("audit_ops", "AuditOps", "Operate the audit trail and its logs"),
        Res("aws_ssoadmin_permission_set_inline_policy", "audit_ops",
            before=ps_inline_policy(ps, before_doc),
            after=ps_inline_policy(ps, after_doc),
            config={"inline_policy": E(), "instance_arn": C(INSTANCE),
                    "permission_set_arn": _ps_ref("audit_ops")}),
        _group_res("auditors", "auditors", "Audit operations"),
        _assignment("auditors_audit_ops", "audit_ops", ps, "auditors", gid, new=False),
    ]
    return Plan(res, timestamp="2024-10-02T10:03:51Z", provider_config=gen.provider())


APP_READ = policy(statement(["s3:GetObject", "s3:ListBucket"],
                            ["arn:aws:s3:::acme-app-data-%s" % ACCOUNT,
                             "arn:aws:s3:::acme-app-data-%s/*" % ACCOUNT], sid="AppData"))


def sso_read_only_assigned():
    """A new permission set `ReadOnly` (ReadOnlyAccess, the customer-managed policy `app-read`
    of this change set by name, `org-baseline` of the account, not in the change set, and a
    ReadOnlyAccess boundary) assigned to the group `developers`: ordinary access that must
    pass; what `org-baseline` grants is shown as unknown."""
    gen = _gen()
    ps_new = "aws_ssoadmin_permission_set.read_only"
    ref = R(ps_new + ".arn", ps_new)
    gid = store_id("group:developers")
    res = [
        Res("aws_ssoadmin_permission_set", "read_only", before=None,
            after=permission_set("ReadOnly", description="Read-only access", new=True),
            config={"description": C("Read-only access"), "instance_arn": C(INSTANCE),
                    "name": C("ReadOnly"), "session_duration": C("PT4H")}),
        Res("aws_ssoadmin_managed_policy_attachment", "read_only", before=None,
            after=dict(ps_managed_attachment("", READ_ONLY, new=True), permission_set_arn=U),
            config={"instance_arn": C(INSTANCE), "managed_policy_arn": C(READ_ONLY),
                    "permission_set_arn": ref}),
        Res("aws_iam_policy", "app_read", before=None,
            after=aws.iam_policy("app-read", APP_READ, new=True),
            config={"name": C("app-read"), "policy": E()}),
        Res("aws_ssoadmin_customer_managed_policy_attachment", "app_read", before=None,
            after=dict(ps_customer_attachment("", "app-read", new=True), permission_set_arn=U),
            config={"customer_managed_policy_reference": [{
                "name": R("aws_iam_policy.app_read.name", "aws_iam_policy.app_read"),
                "path": C("/")}],
                "instance_arn": C(INSTANCE), "permission_set_arn": ref}),
        # A policy every account has, managed outside this change set: unknown here.
        Res("aws_ssoadmin_customer_managed_policy_attachment", "org_baseline", before=None,
            after=dict(ps_customer_attachment("", "org-baseline", new=True),
                       permission_set_arn=U),
            config={"customer_managed_policy_reference": [{"name": C("org-baseline"),
                                                           "path": C("/")}],
                    "instance_arn": C(INSTANCE), "permission_set_arn": ref}),
        Res("aws_ssoadmin_permissions_boundary_attachment", "read_only", before=None,
            after=dict(ps_boundary_attachment("", READ_ONLY, new=True), permission_set_arn=U),
            config={"instance_arn": C(INSTANCE), "permission_set_arn": ref,
                    "permissions_boundary": [{"managed_policy_arn": C(READ_ONLY)}]}),
        _group_res("developers", "developers", "Application developers"),
        Res("aws_ssoadmin_account_assignment", "developers_read_only", before=None,
            after=dict(account_assignment("", gid, "GROUP", new=True), permission_set_arn=U),
            config={"instance_arn": C(INSTANCE), "permission_set_arn": ref,
                    "principal_id": _group_ref("developers"), "principal_type": C("GROUP"),
                    "target_id": C(ACCOUNT), "target_type": C("AWS_ACCOUNT")}),
    ]
    return Plan(res, timestamp="2024-10-02T11:45:19Z", provider_config=gen.provider())


# --- permissions boundaries ----------------------------------------------------------------
S3_ONLY = policy(statement(["s3:*"], "*", sid="StorageOnly"))
S3_ONLY_ARN = "arn:aws:iam::%s:policy/s3-only-boundary" % ACCOUNT


def _boundary_policy():
    return Res("aws_iam_policy", "s3_only_boundary",
               before=aws.iam_policy("s3-only-boundary", S3_ONLY,
                                     description="Boundary: storage only"),
               after=SAME,
               config={"description": C("Boundary: storage only"),
                       "name": C("s3-only-boundary"), "policy": E()})


def _bounded_ops_admin(before_boundary, after_boundary):
    gen = _gen()
    before = aws.iam_role("ops-admin", aws.trust_service("ec2.amazonaws.com"), managed=[ADMIN],
                          description=gen.OPS_ADMIN_DESC, tags=gen.TEAM)
    before["permissions_boundary"] = before_boundary
    after = dict(before, permissions_boundary=after_boundary)
    cfg = {"assume_role_policy": E(), "description": C(gen.OPS_ADMIN_DESC),
           "name": C("ops-admin"), "tags": C(gen.TEAM)}
    if after_boundary == S3_ONLY_ARN:
        cfg["permissions_boundary"] = R("aws_iam_policy.s3_only_boundary.arn",
                                        "aws_iam_policy.s3_only_boundary")
    elif after_boundary:
        cfg["permissions_boundary"] = C(after_boundary)
    return Res("aws_iam_role", "ops_admin", before=before, after=after, config=cfg)


def boundary_removed():
    """The role `ops-admin` holds AdministratorAccess under a boundary that allows only
    `s3:*`; the change removes the boundary: the role gains everything else."""
    gen = _gen()
    res = [
        _bounded_ops_admin(S3_ONLY_ARN, ""),
        gen.role_attachment("ops_admin", "ops-admin", ADMIN, new=False),
        _boundary_policy(),
    ]
    return Plan(res, timestamp="2024-10-03T08:20:14Z", provider_config=gen.provider())


def boundary_widened():
    """The boundary of `ops-admin` (AdministratorAccess), a customer-managed policy of the
    change set, is widened from `s3:*` to `s3:*` and `iam:*`: the role gains privilege
    administration through its unchanged attachment."""
    gen = _gen()
    wider = policy(statement(["s3:*"], "*", sid="StorageOnly"),
                   statement(["iam:*"], "*", sid="IdentityAdministration"))
    before = aws.iam_policy("s3-only-boundary", S3_ONLY, description="Boundary: storage only")
    res = [
        _bounded_ops_admin(S3_ONLY_ARN, S3_ONLY_ARN),
        gen.role_attachment("ops_admin", "ops-admin", ADMIN, new=False),
        Res("aws_iam_policy", "s3_only_boundary", before=before,
            after=dict(before, policy=wider),
            config={"description": C("Boundary: storage only"),
                    "name": C("s3-only-boundary"), "policy": E()}),
    ]
    return Plan(res, timestamp="2024-10-03T08:33:09Z", provider_config=gen.provider())


ORG_BOUNDARY_ARN = "arn:aws:iam::%s:policy/org/workload-boundary" % ACCOUNT


def boundary_removed_unreadable():
    """The role `ops-admin` (AdministratorAccess) loses a boundary managed outside this change
    set: what it blocked cannot be known, so the role is taken to gain everything it holds."""
    gen = _gen()
    res = [
        _bounded_ops_admin(ORG_BOUNDARY_ARN, ""),
        gen.role_attachment("ops_admin", "ops-admin", ADMIN, new=False),
    ]
    return Plan(res, timestamp="2024-10-03T08:47:52Z", provider_config=gen.provider())


def boundary_changed_unreadable():
    """The boundary of `ops-admin` (AdministratorAccess) changes from `s3-only-boundary`
    (`s3:*`, in the change set) to a policy managed outside it: what the new one allows is
    unknown, so the role is taken to lose the old limit."""
    gen = _gen()
    res = [
        _bounded_ops_admin(S3_ONLY_ARN, ORG_BOUNDARY_ARN),
        gen.role_attachment("ops_admin", "ops-admin", ADMIN, new=False),
        _boundary_policy(),
    ]
    return Plan(res, timestamp="2024-10-03T08:55:31Z", provider_config=gen.provider())


def boundary_added():
    """The role `ops-admin` (AdministratorAccess) is given a boundary that allows only
    `s3:*`: it loses everything else, and must pass."""
    gen = _gen()
    res = [
        _bounded_ops_admin("", S3_ONLY_ARN),
        gen.role_attachment("ops_admin", "ops-admin", ADMIN, new=False),
        _boundary_policy(),
    ]
    return Plan(res, timestamp="2024-10-03T09:02:36Z", provider_config=gen.provider())


# --- resource policies ---------------------------------------------------------------------
VENDOR_ROLE = "arn:aws:iam::%s:role/vendor-ops" % VENDOR_ACCOUNT
TRAIL_KEY_ID = "6f1c2a4e-93b7-4d0a-8c55-1e2f3a4b5c6d"
TRAIL_KEY_ARN = "arn:aws:kms:%s:%s:key/%s" % (REGION, ACCOUNT, TRAIL_KEY_ID)


def _key_policy(*extra):
    root = statement(["kms:*"], "*", sid="EnableIamPolicies",
                     principal={"AWS": "arn:aws:iam::%s:root" % ACCOUNT})
    trail = statement(["kms:GenerateDataKey*", "kms:DescribeKey"], "*", sid="CloudTrailEncrypt",
                      principal={"Service": "cloudtrail.amazonaws.com"})
    return policy(root, trail, *extra)


def resource_policy_cross_account():
    """The trail's key policy and the trail bucket's policy grant the role `vendor-ops` of
    another account `kms:*` on the key and `s3:DeleteBucket` on the bucket: the grants show
    on `aws:role/vendor-ops`, scoped to the key and the bucket."""
    gen = _gen()
    vendor_kms = statement(["kms:*"], "*", sid="VendorOperations",
                           principal={"AWS": VENDOR_ROLE})
    bucket_arn = "arn:aws:s3:::" + gen.TRAIL_BUCKET
    before_bucket = aws.cloudtrail_bucket_policy(gen.TRAIL_BUCKET, "org-trail")
    statements = json.loads(before_bucket)["Statement"]
    statements.append(statement(["s3:DeleteBucket", "s3:PutBucketPolicy"], bucket_arn,
                                sid="VendorCleanup", principal={"AWS": VENDOR_ROLE}))
    after_bucket = jsonencode({"Version": "2012-10-17", "Statement": statements})
    res = [
        Res("aws_kms_key_policy", "trail",
            before={"bypass_policy_lockout_safety_check": False, "id": TRAIL_KEY_ID,
                    "key_id": TRAIL_KEY_ID, "policy": _key_policy()},
            after={"bypass_policy_lockout_safety_check": False, "id": TRAIL_KEY_ID,
                   "key_id": TRAIL_KEY_ID, "policy": _key_policy(vendor_kms)},
            config={"key_id": C(TRAIL_KEY_ID), "policy": E()}),
        Res("aws_s3_bucket", "cloudtrail",
            before=aws.s3_bucket(gen.TRAIL_BUCKET, tags=gen.TRAIL_TAGS, policy_doc=before_bucket,
                                 versioning=True),
            after=SAME, config={"bucket": C(gen.TRAIL_BUCKET), "tags": C(gen.TRAIL_TAGS)}),
        Res("aws_s3_bucket_policy", "cloudtrail",
            before=aws.s3_bucket_policy(gen.TRAIL_BUCKET, before_bucket),
            after=aws.s3_bucket_policy(gen.TRAIL_BUCKET, after_bucket),
            config={"bucket": R("aws_s3_bucket.cloudtrail.id", "aws_s3_bucket.cloudtrail"),
                    "policy": E()}),
    ]
    return Plan(res, timestamp="2024-10-03T10:40:02Z", provider_config=gen.provider())


APP_BUCKET = "acme-app-data-%s" % ACCOUNT
APP_ROLE = "app-lambda"


def resource_policy_ordinary():
    """Ordinary resource policies that must pass: an application bucket readable by its
    application role, the bucket policy of a new trail for the CloudTrail service, a new
    application key with the default key policy, a secret readable by the application role, a
    queue the application's topic may send to, a topic the account may publish to, a
    repository another account of the organisation may pull from, and S3 invoking a
    function."""
    gen = _gen()
    app_role = role_arn(APP_ROLE)
    bucket_arn = "arn:aws:s3:::" + APP_BUCKET
    app_bucket_policy = policy(statement(["s3:GetObject"], bucket_arn + "/*", sid="AppRead",
                                         principal={"AWS": app_role}))
    trail_bucket = "acme-cloudtrail-secondary-%s" % ACCOUNT
    trail_policy = aws.cloudtrail_bucket_policy(trail_bucket, "secondary-trail")
    key_policy = policy(statement(["kms:*"], "*", sid="EnableIamPolicies",
                                  principal={"AWS": "arn:aws:iam::%s:root" % ACCOUNT}))
    secret_arn = "arn:aws:secretsmanager:%s:%s:secret:app/db-AbCdEf" % (REGION, ACCOUNT)
    secret_policy = policy(statement(["secretsmanager:GetSecretValue"], "*", sid="AppRead",
                                     principal={"AWS": app_role}))
    queue_url = "https://sqs.%s.amazonaws.com/%s/app-events" % (REGION, ACCOUNT)
    queue_arn = "arn:aws:sqs:%s:%s:app-events" % (REGION, ACCOUNT)
    topic_arn = "arn:aws:sns:%s:%s:app-events" % (REGION, ACCOUNT)
    queue_policy = policy(statement(["sqs:SendMessage"], queue_arn, sid="FromTopic",
                                    principal={"Service": "sns.amazonaws.com"},
                                    condition={"ArnEquals": {"aws:SourceArn": topic_arn}}))
    topic_policy = policy(statement(["SNS:Publish", "SNS:Subscribe"], topic_arn,
                                    sid="AccountPublish",
                                    principal={"AWS": "arn:aws:iam::%s:root" % ACCOUNT}))
    repo_policy = policy(statement(["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], None,
                                   sid="StagingPull",
                                   principal={"AWS": "arn:aws:iam::%s:root" % VENDOR_ACCOUNT}))
    res = [
        Res("aws_s3_bucket_policy", "app_data", before=None,
            after=aws.s3_bucket_policy(APP_BUCKET, app_bucket_policy, new=True),
            config={"bucket": C(APP_BUCKET), "policy": E()}),
        Res("aws_s3_bucket_policy", "secondary_trail", before=None,
            after=aws.s3_bucket_policy(trail_bucket, trail_policy, new=True),
            config={"bucket": C(trail_bucket), "policy": E()}),
        Res("aws_kms_key", "app", before=None,
            after=kms_key_new("Application data", key_policy),
            config={"deletion_window_in_days": C(30), "description": C("Application data"),
                    "enable_key_rotation": C(True), "policy": E()}),
        Res("aws_secretsmanager_secret_policy", "app_db", before=None,
            after={"block_public_policy": True, "id": U, "policy": secret_policy,
                   "secret_arn": secret_arn},
            config={"block_public_policy": C(True), "policy": E(),
                    "secret_arn": C(secret_arn)}),
        Res("aws_sqs_queue_policy", "app_events", before=None,
            after={"id": U, "policy": queue_policy, "queue_url": queue_url},
            config={"policy": E(), "queue_url": C(queue_url)}),
        Res("aws_sns_topic_policy", "app_events", before=None,
            after={"arn": topic_arn, "id": U, "owner": U, "policy": topic_policy},
            config={"arn": C(topic_arn), "policy": E()}),
        Res("aws_ecr_repository_policy", "app", before=None,
            after={"id": U, "policy": repo_policy, "registry_id": U, "repository": "app"},
            config={"policy": E(), "repository": C("app")}),
        Res("aws_lambda_permission", "thumbnailer_s3", before=None,
            after={"action": "lambda:InvokeFunction", "event_source_token": None,
                   "function_name": "thumbnailer", "id": U, "principal": "s3.amazonaws.com",
                   "principal_org_id": None, "qualifier": None, "source_account": ACCOUNT,
                   "source_arn": "arn:aws:s3:::acme-uploads-%s" % ACCOUNT,
                   "statement_id": "AllowS3Invoke", "statement_id_prefix": U},
            config={"action": C("lambda:InvokeFunction"), "function_name": C("thumbnailer"),
                    "principal": C("s3.amazonaws.com"), "source_account": C(ACCOUNT),
                    "source_arn": C("arn:aws:s3:::acme-uploads-%s" % ACCOUNT),
                    "statement_id": C("AllowS3Invoke")}),
    ]
    return Plan(res, timestamp="2024-10-03T11:18:45Z", provider_config=gen.provider())


def resource_policy_public():
    """A Lambda permission lets anyone (`*`) invoke a function, and a queue policy lets anyone
    send to a queue: the grants show on `aws:anyone`."""
    gen = _gen()
    queue_url = "https://sqs.%s.amazonaws.com/%s/intake" % (REGION, ACCOUNT)
    queue_arn = "arn:aws:sqs:%s:%s:intake" % (REGION, ACCOUNT)
    queue_policy = policy(statement(["sqs:SendMessage"], queue_arn, sid="Anyone",
                                    principal="*"))
    res = [
        Res("aws_lambda_permission", "webhook_public", before=None,
            after={"action": "lambda:InvokeFunctionUrl", "event_source_token": None,
                   "function_name": "webhook", "function_url_auth_type": "NONE", "id": U,
                   "principal": "*", "principal_org_id": None, "qualifier": None,
                   "source_account": None, "source_arn": None,
                   "statement_id": "AllowPublicUrl", "statement_id_prefix": U},
            config={"action": C("lambda:InvokeFunctionUrl"), "function_name": C("webhook"),
                    "function_url_auth_type": C("NONE"), "principal": C("*"),
                    "statement_id": C("AllowPublicUrl")}),
        Res("aws_sqs_queue_policy", "intake", before=None,
            after={"id": U, "policy": queue_policy, "queue_url": queue_url},
            config={"policy": E(), "queue_url": C(queue_url)}),
    ]
    return Plan(res, timestamp="2024-10-03T12:02:09Z", provider_config=gen.provider())


def _secret_policy(tf_name, secret, statement_):
    secret_arn = "arn:aws:secretsmanager:%s:%s:secret:%s" % (REGION, ACCOUNT, secret)
    doc = policy(statement_)
    return Res("aws_secretsmanager_secret_policy", tf_name, before=None,
               after={"block_public_policy": False, "id": U, "policy": doc,
                      "secret_arn": secret_arn},
               config={"block_public_policy": C(False), "policy": E(),
                       "secret_arn": C(secret_arn)})


def resource_policy_public_secret():
    """A secret's policy lets anyone (`"AWS": "*"`) read it: `aws:anyone` gains
    `secretsmanager:GetSecretValue`, which confers secrets_admin (`public-privilege`)."""
    gen = _gen()
    read = statement(["secretsmanager:GetSecretValue"], "*", sid="Anyone",
                     principal={"AWS": "*"})
    res = [_secret_policy("db_public", "prod/db-AbCdEf", read)]
    return Plan(res, timestamp="2024-10-03T12:20:41Z", provider_config=gen.provider())


def resource_policy_organization_secret():
    """A secret's policy lets every principal of the organization read it (`"AWS": "*"` with
    `aws:PrincipalOrgID`): the grant shows on `aws:anyone` as conditional, and is not a
    finding (conditions narrow, and are kept rather than evaluated)."""
    gen = _gen()
    read = statement(["secretsmanager:GetSecretValue"], "*", sid="Organization",
                     principal={"AWS": "*"},
                     condition={"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}})
    res = [_secret_policy("shared_config", "shared/config-AbCdEf", read)]
    return Plan(res, timestamp="2024-10-03T12:24:03Z", provider_config=gen.provider())


def kms_key_new(description, key_policy):
    return {"arn": U, "bypass_policy_lockout_safety_check": False,
            "custom_key_store_id": None, "customer_master_key_spec": "SYMMETRIC_DEFAULT",
            "deletion_window_in_days": 30, "description": description,
            "enable_key_rotation": True, "id": U, "is_enabled": True, "key_id": U,
            "key_usage": "ENCRYPT_DECRYPT", "multi_region": U, "policy": key_policy,
            "rotation_period_in_days": U, "tags": None, "tags_all": aws.tags_all(None),
            "timeouts": None, "xks_key_id": None}


# "providers/aws/identity/NAME.json": function returning a Plan
SCENARIOS = {
    "providers/aws/identity/sso-admin-assigned-audit-weakened.json":
        sso_admin_assigned_audit_weakened,
    "providers/aws/identity/sso-user-added-to-admin-group.json": sso_user_added_to_admin_group,
    "providers/aws/identity/sso-inline-policy-adds-iam.json": sso_inline_policy_adds_iam,
    "providers/aws/identity/sso-read-only-assigned.json": sso_read_only_assigned,
    "providers/aws/identity/boundary-removed.json": boundary_removed,
    "providers/aws/identity/boundary-removed-unreadable.json": boundary_removed_unreadable,
    "providers/aws/identity/boundary-widened.json": boundary_widened,
    "providers/aws/identity/boundary-changed-unreadable.json": boundary_changed_unreadable,
    "providers/aws/identity/boundary-added.json": boundary_added,
    "providers/aws/identity/resource-policy-cross-account.json": resource_policy_cross_account,
    "providers/aws/identity/resource-policy-ordinary.json": resource_policy_ordinary,
    "providers/aws/identity/resource-policy-public.json": resource_policy_public,
    "providers/aws/identity/resource-policy-public-secret.json": resource_policy_public_secret,
    "providers/aws/identity/resource-policy-organization-secret.json":
        resource_policy_organization_secret,
}
