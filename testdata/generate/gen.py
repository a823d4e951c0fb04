#!/usr/bin/env python3
"""Writes foureyes' Terraform plan fixtures (testdata/plans, testdata/example, testdata/bad).

    python3 testdata/generate/gen.py          # regenerate everything
    python3 testdata/generate/gen.py --check  # exit 1 if any file on disk differs

Standard library only; the output is deterministic. Each scenario below is a function that
returns a Plan; testdata/README.md says what foureyes must conclude from each file.
The plans imitate `terraform show -json` of Terraform 1.9.5 with hashicorp/aws 5.6x
(format_version 1.2), pretty-printed; see tfplan.py for how the derived parts are built.
"""

import json
import os
import sys
from pathlib import Path

sys.dont_write_bytecode = True  # keep __pycache__ out of the repository
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from tfplan import (ACCOUNT, AWS, REGION, SAME, U, C, E, R, Output, Plan, Res, dumps,  # noqa: E402
                    jsonencode, policy, statement)
import aws  # noqa: E402
from aws import (ADMIN, IAM_FULL, LAMBDA_BASIC, POWER_USER, role_arn, user_arn)  # noqa: E402

TESTDATA = Path(__file__).resolve().parent.parent

ARTIFACTS = "acme-artifacts-%s" % ACCOUNT
TRAIL_BUCKET = "acme-cloudtrail-%s" % ACCOUNT
ACCESS_LOGS = "acme-s3-access-logs-%s" % ACCOUNT
AUDIT_LOG_GROUP = "/audit/cloudtrail"
TEAM = {"Team": "platform"}


# ---------------------------------------------------------------------------------------
# Shared building blocks
def provider(assume_role_arn=None):
    exprs = {"default_tags": [{"tags": C(aws.DEFAULT_TAGS)}], "region": C(REGION)}
    if assume_role_arn:
        exprs["assume_role"] = [{"role_arn": C(assume_role_arn),
                                 "session_name": C("terraform-plan")}]
    return {"aws": {"name": "aws", "full_name": AWS, "version_constraint": "~> 5.60",
                    "expressions": exprs}}


def ref(addr, attr):
    return [addr + "." + attr, addr]


ARTIFACTS_POLICY = policy(statement(["s3:PutObject", "s3:GetObject"],
                                    "arn:aws:s3:::%s/*" % ARTIFACTS, sid="Artifacts"))
ARTIFACTS_POLICY_CFG = R(*ref("aws_s3_bucket.artifacts", "arn"))
CI_DEPLOYER_DESC = "Deploys application artifacts from GitHub Actions"


def ci_deployer_role(inline=(), managed=(), module=(), name="ci_deployer", config=True):
    before = aws.iam_role("ci-deployer", aws.trust_github(), inline=inline, managed=managed,
                          description=CI_DEPLOYER_DESC, tags=TEAM)
    cfg = None
    if config:
        cfg = {"assume_role_policy": E(), "description": C(CI_DEPLOYER_DESC),
               "name": C("ci-deployer"), "tags": C(TEAM)}
    return Res("aws_iam_role", name, before=before, after=SAME, module=module, config=cfg)


ROLE_REF = {"ci-deployer": "aws_iam_role.ci_deployer", "ops-admin": "aws_iam_role.ops_admin",
            "auditor": "aws_iam_role.auditor", "app-lambda": "aws_iam_role.app_lambda"}


def role_policy(tf_name, role, name, before_doc=None, after_doc=None, *, policy_cfg=None,
                role_cfg=None, **kw):
    """aws_iam_role_policy: before_doc None = create, after_doc None = delete,
    after_doc SAME = no-op."""
    before = aws.iam_role_policy(role, name, before_doc) if before_doc is not None else None
    if after_doc is SAME:
        after = SAME
    elif after_doc is None:
        after = None
    else:
        after = aws.iam_role_policy(role, name, after_doc, new=before is None)
        if before is not None:
            after["id"] = before["id"]
            after["name_prefix"] = before["name_prefix"]
    cfg = None
    if after is not None:
        cfg = {"name": C(name), "policy": policy_cfg if policy_cfg is not None else E(),
               "role": role_cfg or R(*ref(ROLE_REF[role], "name"))}
    if after is None:
        kw.setdefault("reason", "delete_because_no_resource_config")
    return Res("aws_iam_role_policy", tf_name, before=before, after=after, config=cfg, **kw)


def role_attachment(tf_name, role, policy_arn, *, new, role_cfg=None, **kw):
    before = None if new else aws.iam_role_policy_attachment(role, policy_arn)
    after = aws.iam_role_policy_attachment(role, policy_arn, new=True) if new else SAME
    cfg = {"policy_arn": C(policy_arn), "role": role_cfg or R(*ref(ROLE_REF[role], "name"))}
    return Res("aws_iam_role_policy_attachment", tf_name, before=before, after=after,
               config=cfg, **kw)


OPS_ADMIN_DESC = "Operations administrators (EC2 instance role and break-glass)"


def ops_admin_role(managed=(), inline=(), after_trust=None):
    before = aws.iam_role("ops-admin", aws.trust_service("ec2.amazonaws.com"),
                          managed=managed, inline=inline, description=OPS_ADMIN_DESC,
                          tags=TEAM)
    after = SAME
    trust_cfg = E()
    if after_trust is not None:
        after = dict(before, assume_role_policy=after_trust)
        trust_cfg = R(*ref("aws_iam_user.mallory", "arn"))
    return Res("aws_iam_role", "ops_admin", before=before, after=after,
               config={"assume_role_policy": trust_cfg, "description": C(OPS_ADMIN_DESC),
                       "name": C("ops-admin"), "tags": C(TEAM)})


def user_res(name, tf_name=None):
    return Res("aws_iam_user", tf_name or name, before=aws.iam_user(name), after=SAME,
               config={"name": C(name)})


def artifacts_bucket(after_tags=None):
    before = aws.s3_bucket(ARTIFACTS, tags={"Purpose": "build-artifacts"}, versioning=True)
    after = SAME
    tags = {"Purpose": "build-artifacts"}
    if after_tags is not None:
        tags = after_tags
        after = dict(before, tags=after_tags, tags_all=aws.tags_all(after_tags))
    return Res("aws_s3_bucket", "artifacts", before=before, after=after,
               config={"bucket": C(ARTIFACTS), "tags": C(tags)})


TRAIL_TAGS = {"Purpose": "audit"}


def trail_stack(*, trail_before=None, trail_after=SAME, trail_config=None, with_policy=True,
                trail_name="org-trail", bucket_logging=None, trail_kw=None):
    """The organisation trail (aws_cloudtrail.org), its bucket and the bucket policy."""
    out = []
    bpol = aws.cloudtrail_bucket_policy(TRAIL_BUCKET, trail_name)
    logging = None
    if bucket_logging:
        logging = {"target_bucket": ACCESS_LOGS, "target_prefix": "cloudtrail/"}
    out.append(Res("aws_s3_bucket", "cloudtrail",
                   before=aws.s3_bucket(TRAIL_BUCKET, tags=TRAIL_TAGS, logging=logging,
                                        policy_doc=bpol if with_policy else "",
                                        versioning=True),
                   after=SAME, config={"bucket": C(TRAIL_BUCKET), "tags": C(TRAIL_TAGS)}))
    if with_policy:
        out.append(Res("aws_s3_bucket_policy", "cloudtrail",
                       before=aws.s3_bucket_policy(TRAIL_BUCKET, bpol), after=SAME,
                       config={"bucket": R(*ref("aws_s3_bucket.cloudtrail", "id")),
                               "policy": R(*ref("aws_s3_bucket.cloudtrail", "arn"))}))
    if trail_before is None:
        trail_before = aws.cloudtrail(trail_name, TRAIL_BUCKET, tags=TRAIL_TAGS)
    after = trail_after
    cfg = trail_config
    if cfg is None and after is not None:
        cfg = trail_cfg(enable_logging=True)
    kw = dict(trail_kw or {})
    if after is None:
        kw.setdefault("reason", "delete_because_no_resource_config")
        cfg = None
    out.append(Res("aws_cloudtrail", "org", before=trail_before, after=after, config=cfg,
                   depends_on=["aws_s3_bucket_policy.cloudtrail"] if (with_policy and cfg)
                   else None, **kw))
    return out


def trail_cfg(enable_logging=True, name="org-trail", set_logging=True):
    cfg = {"enable_log_file_validation": C(True), "include_global_service_events": C(True),
           "is_multi_region_trail": C(True), "is_organization_trail": C(True),
           "name": C(name), "s3_bucket_name": R(*ref("aws_s3_bucket.cloudtrail", "id")),
           "tags": C(TRAIL_TAGS)}
    if set_logging:
        cfg["enable_logging"] = C(enable_logging)
    return cfg


def audit_log_group(before_retention, after_retention=None, *, delete=False, module=(),
                    tf_name="audit"):
    before = aws.log_group(AUDIT_LOG_GROUP, before_retention, tags=TRAIL_TAGS)
    if delete:
        return Res("aws_cloudwatch_log_group", tf_name, before=before, after=None,
                   module=module, reason="delete_because_no_resource_config")
    after = SAME if after_retention in (None, before_retention) else dict(
        before, retention_in_days=after_retention)
    return Res("aws_cloudwatch_log_group", tf_name, before=before, after=after, module=module,
               config={"name": C(AUDIT_LOG_GROUP),
                       "retention_in_days": C(after_retention or before_retention),
                       "tags": C(TRAIL_TAGS)})


# ---------------------------------------------------------------------------------------
# privilege-and-evidence
IAM_ROLE_ADMIN_STMT = statement(["iam:PutRolePolicy", "iam:AttachRolePolicy"], "*",
                                sid="ManageRoles")


def pe_trail_stopped():
    after_policy = policy(statement(["s3:PutObject", "s3:GetObject"],
                                    "arn:aws:s3:::%s/*" % ARTIFACTS, sid="Artifacts"),
                          IAM_ROLE_ADMIN_STMT)
    res = [
        ci_deployer_role(inline=[("deployer", ARTIFACTS_POLICY)]),
        role_policy("deployer", "ci-deployer", "deployer", ARTIFACTS_POLICY, after_policy,
                    policy_cfg=ARTIFACTS_POLICY_CFG),
        artifacts_bucket(),
    ]
    trail = aws.cloudtrail("org-trail", TRAIL_BUCKET, tags=TRAIL_TAGS)
    res += trail_stack(trail_before=trail, trail_after=dict(trail, enable_logging=False),
                       trail_config=trail_cfg(enable_logging=False))
    return Plan(res, timestamp="2024-09-16T08:14:03Z", provider_config=provider())


def pe_log_group_deleted():
    res = [
        ops_admin_role(),
        role_attachment("ops_admin", "ops-admin", ADMIN, new=True),
        audit_log_group(365, delete=True),
        user_res("alice"),
    ]
    return Plan(res, timestamp="2024-09-16T09:02:47Z", provider_config=provider())


def pe_trail_replaced():
    iam_all = policy(statement(["iam:*"], "*", sid="IamAdministration"))
    old = aws.cloudtrail("org-trail", TRAIL_BUCKET, tags=TRAIL_TAGS)
    new = aws.cloudtrail("org-audit-trail", TRAIL_BUCKET, tags=TRAIL_TAGS, new=True)
    res = [
        ci_deployer_role(inline=[("deployer", ARTIFACTS_POLICY)]),
        role_policy("deployer", "ci-deployer", "deployer", ARTIFACTS_POLICY, SAME,
                    policy_cfg=ARTIFACTS_POLICY_CFG),
        role_policy("iam_admin", "ci-deployer", "iam-admin", None, iam_all),
        artifacts_bucket(),
    ]
    res += trail_stack(trail_before=old, trail_after=new, with_policy=False,
                       trail_config=trail_cfg(name="org-audit-trail"),
                       trail_kw=dict(replace="delete_first", replace_paths=[["name"]],
                                     reason="replace_because_cannot_update"))
    return Plan(res, timestamp="2024-09-16T10:31:12Z", provider_config=provider())


def pe_retention_unknown_policy():
    data_bucket = "acme-data-exports-%s" % ACCOUNT
    res = [
        ci_deployer_role(inline=[("deployer", ARTIFACTS_POLICY)]),
        role_policy("deployer", "ci-deployer", "deployer", ARTIFACTS_POLICY, SAME,
                    policy_cfg=ARTIFACTS_POLICY_CFG),
        artifacts_bucket(),
        audit_log_group(365, 7),
        Res("aws_s3_bucket", "data", before=None,
            after=aws.s3_bucket(data_bucket, tags={"Purpose": "data-exports"}, new=True),
            config={"bucket": C(data_bucket), "tags": C({"Purpose": "data-exports"})}),
        Res("aws_iam_role_policy", "dynamic", before=None,
            after={"id": U, "name": "data-pipeline", "name_prefix": U, "policy": U,
                   "role": "ci-deployer"},
            config={"name": C("data-pipeline"),
                    "policy": R(*ref("aws_s3_bucket.data", "arn")),
                    "role": R(*ref("aws_iam_role.ci_deployer", "name"))}),
    ]
    return Plan(res, timestamp="2024-09-16T11:45:30Z", provider_config=provider())


# ---------------------------------------------------------------------------------------
# unknown
def unknown_policy_from_data_source():
    app_role = Res("aws_iam_role", "app_lambda", before=None,
                   after=aws.iam_role("app-lambda", aws.trust_service("lambda.amazonaws.com"),
                                      description="Execution role of the app Lambda",
                                      tags={"Service": "app"}, new=True),
                   config={"assume_role_policy": E(),
                           "description": C("Execution role of the app Lambda"),
                           "name": C("app-lambda"), "tags": C({"Service": "app"})})
    doc = Res("aws_iam_policy_document", "deployer", mode="data", before=None,
              after=aws.policy_document_data([{
                  "sid": "ManageAppRole",
                  "actions": ["iam:PassRole", "iam:PutRolePolicy"],  # a set: sorted
                  "resources": [U]}]),
              # Terraform writes read_because_config_unknown (not ..._dependency_pending)
              # when the data source's own configuration holds an unknown value, as here.
              reason="read_because_config_unknown",
              config={"statement": [{
                  "actions": C(["iam:PutRolePolicy", "iam:PassRole"]),
                  "effect": C("Allow"),
                  "resources": R(*ref("aws_iam_role.app_lambda", "arn")),
                  "sid": C("ManageAppRole")}]})
    res = [
        app_role,
        ci_deployer_role(),
        doc,
        Res("aws_iam_role_policy", "deployer", before=None,
            after={"id": U, "name": "deployer", "name_prefix": U, "policy": U,
                   "role": "ci-deployer"},
            config={"name": C("deployer"),
                    "policy": R(*ref("data.aws_iam_policy_document.deployer", "json")),
                    "role": R(*ref("aws_iam_role.ci_deployer", "name"))}),
    ]
    res += trail_stack(trail_after=None)
    return Plan(res, timestamp="2024-09-17T07:20:55Z", provider_config=provider())


# ---------------------------------------------------------------------------------------
# toxic-combination
AUDITOR_DESC = "Security audit operations"
AUDIT_OPS_ACTIONS = ["cloudtrail:StopLogging", "cloudtrail:UpdateTrail", "logs:DeleteLogGroup"]
# Rendered by data.aws_iam_policy_document.audit_ops (pretty JSON, as the data source writes it).
AUDIT_OPS_DOC = aws.policy_document_state(
    [{"actions": AUDIT_OPS_ACTIONS, "resources": ["*"], "sid": "AuditOperations"}],
    [statement(AUDIT_OPS_ACTIONS, ["*"], sid="AuditOperations")])
AUDIT_OPS_POLICY = AUDIT_OPS_DOC["json"]


def toxic_gains_second_duty():
    auditor_trust = aws.trust({"AWS": "arn:aws:iam::%s:root" % ACCOUNT})
    res = [
        Res("aws_iam_role", "auditor",
            before=aws.iam_role("auditor", auditor_trust,
                                inline=[("audit-ops", AUDIT_OPS_POLICY)],
                                description=AUDITOR_DESC, tags={"Team": "security"}),
            after=SAME,
            config={"assume_role_policy": E(), "description": C(AUDITOR_DESC),
                    "name": C("auditor"), "tags": C({"Team": "security"})}),
        Res("aws_iam_policy_document", "audit_ops", mode="data", read_at_plan=True,
            before=AUDIT_OPS_DOC,
            config={"statement": [{"actions": C(AUDIT_OPS_ACTIONS), "resources": C(["*"]),
                                   "sid": C("AuditOperations")}]}),
        role_policy("audit_ops", "auditor", "audit-ops", AUDIT_OPS_POLICY, SAME,
                    policy_cfg=R(*ref("data.aws_iam_policy_document.audit_ops", "json"))),
        role_attachment("auditor_iam", "auditor", IAM_FULL, new=True),
    ]
    return Plan(res, timestamp="2024-09-17T08:03:19Z", provider_config=provider())


def toxic_already_held():
    read = policy(statement(["s3:GetObject"], "arn:aws:s3:::%s/*" % ARTIFACTS,
                            sid="ReadArtifacts"))
    res = [
        ops_admin_role(managed=[ADMIN]),
        role_attachment("ops_admin", "ops-admin", ADMIN, new=False),
        role_policy("ops_admin_read", "ops-admin", "read-artifacts", None, read,
                    policy_cfg=R(*ref("aws_s3_bucket.artifacts", "arn"))),
        artifacts_bucket(),
    ]
    return Plan(res, timestamp="2024-09-17T08:40:02Z", provider_config=provider())


def toxic_group_membership():
    before = aws.iam_group_membership("admins-membership", "admins", ["alice"])
    after = aws.iam_group_membership("admins-membership", "admins", ["alice", "mallory"])
    res = [
        Res("aws_iam_group", "admins", before=aws.iam_group("admins"), after=SAME,
            config={"name": C("admins")}),
        Res("aws_iam_group_policy_attachment", "admins_admin",
            before=aws.iam_group_policy_attachment("admins", ADMIN), after=SAME,
            config={"group": R(*ref("aws_iam_group.admins", "name")),
                    "policy_arn": C(ADMIN)}),
        Res("aws_iam_group_membership", "admins", before=before, after=after,
            config={"group": R(*ref("aws_iam_group.admins", "name")),
                    "name": C("admins-membership"),
                    "users": R(*(ref("aws_iam_user.alice", "name") +
                                 ref("aws_iam_user.mallory", "name")))}),
        user_res("alice"),
        user_res("mallory"),
    ]
    return Plan(res, timestamp="2024-09-17T09:12:44Z", provider_config=provider())


def toxic_trust_widened():
    after_trust = jsonencode({"Version": "2012-10-17", "Statement": [
        {"Action": "sts:AssumeRole", "Effect": "Allow",
         "Principal": {"Service": "ec2.amazonaws.com"}},
        {"Action": "sts:AssumeRole", "Effect": "Allow", "Sid": "BreakGlass",
         "Principal": {"AWS": user_arn("mallory")}},
    ]})
    logging = aws.s3_bucket_logging(TRAIL_BUCKET, ACCESS_LOGS, "cloudtrail/")
    res = [
        ops_admin_role(managed=[ADMIN], after_trust=after_trust),
        role_attachment("ops_admin", "ops-admin", ADMIN, new=False),
        user_res("mallory"),
        Res("aws_s3_bucket_logging", "trail_bucket", before=logging, after=None,
            reason="delete_because_no_resource_config"),
        Res("aws_s3_bucket", "access_logs",
            before=aws.s3_bucket(ACCESS_LOGS, tags={"Purpose": "s3-access-logs"}),
            after=SAME,
            config={"bucket": C(ACCESS_LOGS), "tags": C({"Purpose": "s3-access-logs"})}),
    ]
    res += trail_stack(bucket_logging=True)
    return Plan(res, timestamp="2024-09-17T10:26:08Z", provider_config=provider())


# ---------------------------------------------------------------------------------------
# providers/aws: resource types no other scenario uses (tests/providers.rs)
def providers_aws_user_and_group_policies():
    """bob, a member of group `ops`, gains through the group's new inline policy what
    administers privilege, and through his own new inline policy what stops the trail."""
    iam = policy(statement(["iam:AttachUserPolicy", "iam:PutUserPolicy"], "*",
                           sid="ManageUsers"))
    trail = policy(statement(["cloudtrail:StopLogging"], "*", sid="PauseTrail"))
    res = [
        Res("aws_iam_group", "ops", before=aws.iam_group("ops"), after=SAME,
            config={"name": C("ops")}),
        user_res("bob"),
        Res("aws_iam_group_membership", "ops",
            before=aws.iam_group_membership("ops-membership", "ops", ["bob"]), after=SAME,
            config={"group": R(*ref("aws_iam_group.ops", "name")),
                    "name": C("ops-membership"),
                    "users": R(*ref("aws_iam_user.bob", "name"))}),
        Res("aws_iam_group_policy", "ops_iam", before=None,
            after=aws.iam_group_policy("ops", "manage-users", iam, new=True),
            config={"group": R(*ref("aws_iam_group.ops", "name")),
                    "name": C("manage-users"), "policy": E()}),
        Res("aws_iam_user_policy", "bob_trail", before=None,
            after=aws.iam_user_policy("bob", "pause-trail", trail, new=True),
            config={"name": C("pause-trail"), "policy": E(),
                    "user": R(*ref("aws_iam_user.bob", "name"))}),
    ]
    return Plan(res, timestamp="2024-09-19T08:02:31Z", provider_config=provider())


# ---------------------------------------------------------------------------------------
# self-escalation
PIPELINE_ROLE = role_arn("terraform-ci")


def self_provider_role():
    res = [
        role_attachment("ci_iam", "terraform-ci", IAM_FULL, new=True,
                        role_cfg=C("terraform-ci")),
        artifacts_bucket(),
    ]
    return Plan(res, timestamp="2024-09-18T06:55:31Z",
                provider_config=provider(assume_role_arn=PIPELINE_ROLE))


APP_LAMBDA_DESC = "Execution role of the app Lambda"


def app_lambda_role():
    return Res("aws_iam_role", "app_lambda",
               before=aws.iam_role("app-lambda", aws.trust_service("lambda.amazonaws.com"),
                                   managed=[LAMBDA_BASIC], description=APP_LAMBDA_DESC,
                                   tags={"Service": "app"}),
               after=SAME,
               config={"assume_role_policy": E(), "description": C(APP_LAMBDA_DESC),
                       "name": C("app-lambda"), "tags": C({"Service": "app"})})


def self_other_role():
    read = policy(statement(["s3:GetObject"], "arn:aws:s3:::%s/app/*" % ARTIFACTS,
                            sid="ReadAppArtifacts"))
    res = [
        app_lambda_role(),
        role_attachment("app_lambda_basic", "app-lambda", LAMBDA_BASIC, new=False),
        role_policy("app_lambda_read", "app-lambda", "read-artifacts", None, read,
                    policy_cfg=R(*ref("aws_s3_bucket.artifacts", "arn"))),
        artifacts_bucket(),
    ]
    return Plan(res, timestamp="2024-09-18T07:10:14Z",
                provider_config=provider(assume_role_arn=PIPELINE_ROLE))


# ---------------------------------------------------------------------------------------
# precision
def precision_new_service():
    fn_name = "app-orders"
    lg_name = "/aws/lambda/" + fn_name
    table_arn = "arn:aws:dynamodb:%s:%s:table/orders" % (REGION, ACCOUNT)
    inline = policy(
        statement(["logs:CreateLogStream", "logs:PutLogEvents"],
                  aws.log_group_arn(lg_name) + ":*", sid="WriteOwnLogs"),
        statement(["dynamodb:GetItem", "dynamodb:PutItem"], table_arn, sid="OrdersTable"))
    fn = aws.lambda_function_new(fn_name, handler="app.handler", runtime="python3.12",
                                 s3_bucket=ARTIFACTS, s3_key="app-orders/1.0.0.zip",
                                 env={"TABLE_NAME": "orders"}, tags={"Service": "app"})
    res = [
        Res("aws_iam_role", "app_lambda", before=None,
            after=aws.iam_role("app-lambda", aws.trust_service("lambda.amazonaws.com"),
                               description=APP_LAMBDA_DESC, tags={"Service": "app"},
                               new=True),
            config={"assume_role_policy": E(), "description": C(APP_LAMBDA_DESC),
                    "name": C("app-lambda"), "tags": C({"Service": "app"})}),
        role_attachment("app_lambda_basic", "app-lambda", LAMBDA_BASIC, new=True),
        Res("aws_iam_role_policy", "app_lambda", before=None,
            after=aws.iam_role_policy("app-lambda", "app-orders", inline, new=True),
            config={"name": C("app-orders"),
                    "policy": R("local.log_group_arn", "local.orders_table_arn"),
                    "role": R(*ref("aws_iam_role.app_lambda", "name"))}),
        Res("aws_cloudwatch_log_group", "app", before=None,
            after=aws.log_group(lg_name, 14, tags={"Service": "app"}, new=True),
            config={"name": R("local.function_name"), "retention_in_days": C(14),
                    "tags": C({"Service": "app"})}),
        Res("aws_lambda_function", "app", before=None, after=fn,
            config={"architectures": C(["arm64"]),
                    "environment": [{"variables": C({"TABLE_NAME": "orders"})}],
                    "function_name": R("local.function_name"), "handler": C("app.handler"),
                    "memory_size": C(256), "role": R(*ref("aws_iam_role.app_lambda", "arn")),
                    "runtime": C("python3.12"), "s3_bucket": C(ARTIFACTS),
                    "s3_key": C("app-orders/1.0.0.zip"), "tags": C({"Service": "app"}),
                    "timeout": C(10)},
            depends_on=["aws_cloudwatch_log_group.app",
                        "aws_iam_role_policy_attachment.app_lambda_basic"]),
    ]
    return Plan(res, timestamp="2024-09-18T08:33:27Z", provider_config=provider())


def precision_retention_lengthened():
    bucket = "acme-cloudtrail-secondary-%s" % ACCOUNT
    bpol = aws.cloudtrail_bucket_policy(bucket, "secondary-trail")
    tags = {"Purpose": "audit"}
    res = [
        audit_log_group(30, 365),
        Res("aws_s3_bucket", "secondary_trail", before=None,
            after=aws.s3_bucket(bucket, tags=tags, new=True),
            config={"bucket": C(bucket), "tags": C(tags)}),
        Res("aws_s3_bucket_policy", "secondary_trail", before=None,
            after={"bucket": U, "id": U, "policy": bpol},
            config={"bucket": R(*ref("aws_s3_bucket.secondary_trail", "id")),
                    "policy": R("local.secondary_trail_arn", "local.secondary_bucket_arn")}),
        Res("aws_cloudtrail", "secondary", before=None,
            after=aws.cloudtrail("secondary-trail", U, organization=False, tags=tags,
                                 new=True),
            config={"enable_log_file_validation": C(True), "is_multi_region_trail": C(True),
                    "name": C("secondary-trail"),
                    "s3_bucket_name": R(*ref("aws_s3_bucket.secondary_trail", "id")),
                    "tags": C(tags)},
            depends_on=["aws_s3_bucket_policy.secondary_trail"]),
    ]
    return Plan(res, timestamp="2024-09-18T09:05:50Z", provider_config=provider())


LEGACY_ADMIN_POLICY = policy(statement(["iam:*"], "*", sid="LegacyIamAdmin"))


def precision_removed_grant():
    res = [
        ci_deployer_role(inline=[("deployer", ARTIFACTS_POLICY),
                                 ("legacy-admin", LEGACY_ADMIN_POLICY)]),
        role_policy("deployer", "ci-deployer", "deployer", ARTIFACTS_POLICY, SAME,
                    policy_cfg=ARTIFACTS_POLICY_CFG),
        role_policy("legacy_admin", "ci-deployer", "legacy-admin", LEGACY_ADMIN_POLICY, None),
        artifacts_bucket(),
        user_res("alice"),
        Res("aws_iam_user_policy_attachment", "alice_admin",
            before=aws.iam_user_policy_attachment("alice", ADMIN), after=None,
            reason="delete_because_no_resource_config"),
    ]
    return Plan(res, timestamp="2024-09-18T10:17:36Z", provider_config=provider())


def precision_privilege_without_weakening():
    lg = aws.log_group("/aws/lambda/app-orders", 14, tags={"Service": "app"})
    new_tags = {"CostCenter": "cc-2041", "Service": "app"}
    pr = policy(statement(["iam:PassRole", "iam:PutRolePolicy"],
                          role_arn("app-lambda"), sid="ManageAppRole"))
    res = [
        ci_deployer_role(inline=[("deployer", ARTIFACTS_POLICY)]),
        role_policy("deployer", "ci-deployer", "deployer", ARTIFACTS_POLICY, SAME,
                    policy_cfg=ARTIFACTS_POLICY_CFG),
        role_policy("manage_app_role", "ci-deployer", "manage-app-role", None, pr),
        artifacts_bucket(),
        Res("aws_cloudwatch_log_group", "app", before=lg,
            after=dict(lg, tags=new_tags, tags_all=aws.tags_all(new_tags)),
            config={"name": C("/aws/lambda/app-orders"), "retention_in_days": C(14),
                    "tags": C(new_tags)}),
    ]
    return Plan(res, timestamp="2024-09-18T11:48:09Z", provider_config=provider())


# ---------------------------------------------------------------------------------------
# drift
def drift_trail_stopped_outside():
    refreshed = aws.cloudtrail("org-trail", TRAIL_BUCKET, tags=TRAIL_TAGS,
                               enable_logging=False)
    saved = dict(refreshed, enable_logging=True)
    # The trail's configuration has lifecycle { ignore_changes = [enable_logging] }, so the
    # plan does not turn logging back on; the trail itself is a no-op.
    res = trail_stack(trail_before=refreshed, trail_after=SAME,
                      trail_config=trail_cfg(set_logging=False))
    res.append(artifacts_bucket(after_tags={"CostCenter": "cc-2041",
                                            "Purpose": "build-artifacts"}))
    drift = [Res("aws_cloudtrail", "org", before=saved, after=refreshed)]
    out = Output("cloudtrail_logging_enabled", True, False,
                 R(*ref("aws_cloudtrail.org", "enable_logging")), "bool",
                 description="Whether the organisation trail is logging")
    return Plan(res, timestamp="2024-09-19T06:41:22Z", provider_config=provider(),
                drift=drift, outputs=[out])


# ---------------------------------------------------------------------------------------
# modules
def modules_for_each_moved_import():
    ci = (("ci", None),)
    roles = (("ci", None), ("roles", "deployer"))
    iam_policy = policy(statement(["iam:PutRolePolicy"], "*"))
    role_state = aws.iam_role("ci-deployer", aws.trust_github(), description=CI_DEPLOYER_DESC,
                              tags=TEAM)
    alice = aws.iam_user("alice", tags={"Team": "ops"})
    res = [
        Res("aws_iam_role", "this", module=roles, before=role_state, after=SAME,
            previous_address="module.ci.aws_iam_role.deployer",
            config={"assume_role_policy": R("var.trust_policy"),
                    "description": R("var.description"), "name": R("var.name"),
                    "tags": R("var.tags")}),
        Res("aws_iam_role_policy", "this", module=ci, index="deployer", before=None,
            after=aws.iam_role_policy("ci-deployer", "deployer-iam", iam_policy, new=True),
            for_each=R("var.roles"),
            config={"name": R("each.key"), "policy": R("each.value.iam_actions", "each.value"),
                    "role": R("module.roles", "each.key")}),
        Res("aws_iam_user", "ops", module=ci, index=0, before=alice, after=SAME,
            importing={"id": "alice"}, count=R("var.ops_users"),
            config={"name": R("var.ops_users", "count.index"), "tags": C({"Team": "ops"})}),
        audit_log_group(365, delete=True, module=ci),
    ]
    module_calls = {"ci": {
        "source": "./modules/ci",
        "expressions": {
            "ops_users": C(["alice"]),
            "roles": C({"deployer": {"description": CI_DEPLOYER_DESC,
                                     "iam_actions": ["iam:PutRolePolicy"],
                                     "name": "ci-deployer"}}),
        },
        "module": {
            "module_calls": {"roles": {
                "source": "./modules/role",
                "expressions": {"description": R("each.value.description", "each.value"),
                                "name": R("each.value.name", "each.value"),
                                "tags": R("var.tags"),
                                "trust_policy": R("local.github_trust")},
                "for_each_expression": R("var.roles"),
                "module": {
                    "outputs": {"name": {"expression": R(*ref("aws_iam_role.this", "name"))},
                                "arn": {"expression": R(*ref("aws_iam_role.this", "arn"))}},
                    "variables": {"description": {}, "name": {}, "tags": {"default": {}},
                                  "trust_policy": {"description": "Trust policy (JSON)"}},
                },
            }},
            "variables": {"ops_users": {"description": "Names of the operations users"},
                          "roles": {"description": "CI roles to manage, by key"},
                          "tags": {"default": {"Team": "platform"}}},
        },
    }}
    # role = module.roles[each.key].name: Terraform follows the module call's outputs.
    role_this = 'module.ci.module.roles["deployer"].aws_iam_role.this'
    return Plan(res, timestamp="2024-09-19T08:15:40Z", provider_config=provider(),
                module_calls=module_calls,
                extra_relevant=[(role_this, "arn"), (role_this, "name")])


# ---------------------------------------------------------------------------------------
# sensitive
SECRET_CANARY = "SENSITIVE-CANARY-7f3a"
VAR_CANARY = "SENSITIVE-CANARY-VAR-9b1c"


def sensitive_policy():
    scoped = policy(statement(["iam:PassRole"], role_arn(SECRET_CANARY), sid="PassRunnerRole"))
    secret = aws.secretsmanager_secret("prod/app/db-password", tags={"Service": "app"})
    res = [
        app_lambda_role(),
        role_attachment("app_lambda_basic", "app-lambda", LAMBDA_BASIC, new=False),
        Res("aws_iam_role_policy", "secret_scoped", before=None,
            after=aws.iam_role_policy("app-lambda", "pass-runner-role", scoped, new=True),
            sensitive=["policy"],
            config={"name": C("pass-runner-role"), "policy": R("var.runner_role_name"),
                    "role": R(*ref("aws_iam_role.app_lambda", "name"))}),
        user_res("alice"),
        Res("aws_iam_access_key", "ci", before=None, after=aws.iam_access_key("alice"),
            sensitive=["secret", "ses_smtp_password_v4"],
            config={"user": R(*ref("aws_iam_user.alice", "name"))}),
        Res("aws_secretsmanager_secret", "db", before=secret, after=SAME,
            config={"name": C("prod/app/db-password"), "tags": C({"Service": "app"})}),
        Res("aws_secretsmanager_secret_version", "db", before=None,
            after=aws.secretsmanager_secret_version_new(secret["id"], VAR_CANARY),
            sensitive=["secret_string", "secret_binary"],
            config={"secret_id": R(*ref("aws_secretsmanager_secret.db", "id")),
                    "secret_string": R("var.db_password")}),
    ]
    return Plan(res, timestamp="2024-09-19T09:58:13Z", provider_config=provider(),
                variables={"db_password": VAR_CANARY, "runner_role_name": SECRET_CANARY},
                variable_decls={
                    "db_password": {"description": "Password of the app database",
                                    "sensitive": True},
                    "runner_role_name": {"description": "Role the app may pass to runners",
                                         "sensitive": True}})


# ---------------------------------------------------------------------------------------
# sensitive: values marked sensitive are judged, never printed. Every value below that holds
# CANARY must appear in no output, error or warning; testdata/README.md says what each plan
# must still conclude.
CANARY = "CANARY-7f3a"


def sensitive_vars(**values):
    """Root variables declared sensitive: their values (plaintext in `variables`, as
    Terraform writes them) and their declarations."""
    decls = {k: {"description": "Set by the pipeline", "sensitive": True} for k in values}
    return {"variables": dict(values), "variable_decls": decls}


def trail_stopped():
    trail = aws.cloudtrail("org-trail", TRAIL_BUCKET, tags=TRAIL_TAGS)
    return trail_stack(trail_before=trail, trail_after=dict(trail, enable_logging=False),
                       trail_config=trail_cfg(enable_logging=False))


def sensitive_role_names():
    """Two roles whose names come from sensitive variables: one created, one existing. The
    created one gains AdministratorAccess while the trail stops; references to both reach
    them by a sensitive value (`.name`) and by an unmarked one (`.id`, which the provider
    computes, so it carries no mark but holds the name)."""
    admin, reader = CANARY + "-admin-role", CANARY + "-reader-role"
    read = policy(statement(["s3:GetObject"], "arn:aws:s3:::%s/*" % ARTIFACTS,
                            sid="ReadArtifacts"))
    stop = policy(statement(["cloudtrail:StopLogging"], "*", sid="PauseTrail"))
    res = [
        Res("aws_iam_role", "admin", before=None,
            after=aws.iam_role(admin, aws.trust_service("ec2.amazonaws.com"),
                               description="Break-glass administration", tags=TEAM,
                               new=True),
            sensitive=["name"],
            config={"assume_role_policy": E(), "description": C("Break-glass administration"),
                    "name": R("var.admin_role_name"), "tags": C(TEAM)}),
        Res("aws_iam_role_policy_attachment", "admin", before=None,
            after=aws.iam_role_policy_attachment(admin, ADMIN, new=True), sensitive=["role"],
            config={"policy_arn": C(ADMIN), "role": R(*ref("aws_iam_role.admin", "name"))}),
        Res("aws_iam_role", "reader",
            before=aws.iam_role(reader, aws.trust_service("lambda.amazonaws.com"),
                                description="Reads build artifacts", tags=TEAM),
            after=SAME, sensitive=["name"],
            config={"assume_role_policy": E(), "description": C("Reads build artifacts"),
                    "name": R("var.reader_role_name"), "tags": C(TEAM)}),
        Res("aws_iam_role_policy", "reader_read", before=None,
            after=aws.iam_role_policy(reader, "read-artifacts", read, new=True),
            sensitive=["role"],
            config={"name": C("read-artifacts"), "policy": E(),
                    "role": R(*ref("aws_iam_role.reader", "name"))}),
        Res("aws_iam_role_policy", "reader_pause", before=None,
            after=aws.iam_role_policy(reader, "pause-trail", stop, new=True),
            config={"name": C("pause-trail"), "policy": E(),
                    "role": R(*ref("aws_iam_role.reader", "id"))}),
        artifacts_bucket(),
    ]
    res += trail_stopped()
    return Plan(res, timestamp="2024-09-21T08:02:11Z", provider_config=provider(),
                **sensitive_vars(admin_role_name=admin, reader_role_name=reader))


def sensitive_users_groups():
    """A group and a user whose names are sensitive: the user joins the group, which holds
    AdministratorAccess. The membership's `users` becomes sensitive with the new member."""
    group, user = CANARY + "-ops-group", CANARY + "-breakglass-user"
    res = [
        Res("aws_iam_group", "ops", before=aws.iam_group(group), after=SAME, sensitive=["name"],
            config={"name": R("var.ops_group_name")}),
        Res("aws_iam_group_policy_attachment", "ops_admin",
            before=aws.iam_group_policy_attachment(group, ADMIN), after=SAME,
            sensitive=["group"],
            config={"group": R(*ref("aws_iam_group.ops", "name")), "policy_arn": C(ADMIN)}),
        Res("aws_iam_user", "breakglass", before=None,
            after=aws.iam_user(user, tags={"Team": "ops"}, new=True), sensitive=["name"],
            config={"name": R("var.breakglass_user_name"), "tags": C({"Team": "ops"})}),
        user_res("alice"),
        Res("aws_iam_group_membership", "ops",
            before=aws.iam_group_membership("ops-membership", group, ["alice"]),
            after=aws.iam_group_membership("ops-membership", group, ["alice", user]),
            before_sensitive=["group"], sensitive=["group", "users"],
            config={"group": R(*ref("aws_iam_group.ops", "name")),
                    "name": C("ops-membership"),
                    "users": R(*(ref("aws_iam_user.alice", "name") +
                                 ref("aws_iam_user.breakglass", "name")))}),
    ]
    return Plan(res, timestamp="2024-09-21T08:20:45Z", provider_config=provider(),
                **sensitive_vars(ops_group_name=group, breakglass_user_name=user))


def sensitive_policy_arns():
    """Policies attached by a sensitive `policy_arn`: AdministratorAccess (still judged), a
    customer policy outside the change set and an AWS-managed name the table does not know."""
    custom = "arn:aws:iam::%s:policy/%s-custom-policy" % (ACCOUNT, CANARY)
    vendor = "arn:aws:iam::aws:policy/%s-vendor-policy" % CANARY

    def attach(tf_name, arn, var):
        return Res("aws_iam_role_policy_attachment", tf_name, before=None,
                   after=aws.iam_role_policy_attachment("ops-admin", arn, new=True),
                   sensitive=["policy_arn"],
                   config={"policy_arn": R("var." + var),
                           "role": R(*ref("aws_iam_role.ops_admin", "name"))})

    res = [
        ops_admin_role(),
        attach("ops_admin", ADMIN, "admin_policy_arn"),
        attach("ops_custom", custom, "custom_policy_arn"),
        attach("ops_vendor", vendor, "vendor_policy_arn"),
        audit_log_group(365, delete=True),
    ]
    return Plan(res, timestamp="2024-09-21T08:41:30Z", provider_config=provider(),
                **sensitive_vars(admin_policy_arn=ADMIN, custom_policy_arn=custom,
                                 vendor_policy_arn=vendor))


def sensitive_trust():
    """The trust policy of an administrator role is sensitive on both sides and comes to
    admit a user of another account and a GitHub Actions subject, while the trail stops. The
    trust policy of another role becomes sensitive without changing otherwise: what it said
    before (unmarked) names the same user, who must not show either."""
    user = "arn:aws:iam::444455556666:user/%s-trusted-user" % CANARY
    subject = "repo:acme/%s-repo:*" % CANARY
    before_trust = aws.trust_service("ec2.amazonaws.com")
    after_trust = jsonencode({"Version": "2012-10-17", "Statement": [
        {"Action": "sts:AssumeRole", "Effect": "Allow",
         "Principal": {"Service": "ec2.amazonaws.com"}},
        {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"AWS": user}},
        {"Action": "sts:AssumeRoleWithWebIdentity", "Effect": "Allow",
         "Principal": {"Federated": aws.GITHUB_OIDC},
         "Condition": {"StringEquals": {
             "token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
             "StringLike": {"token.actions.githubusercontent.com:sub": subject}}},
    ]})
    before = aws.iam_role("deployer", before_trust, managed=[ADMIN],
                          description="Deploys everything", tags=TEAM)
    auditor_trust = aws.trust({"AWS": user})
    auditor = aws.iam_role("auditor", auditor_trust, description="Reads the audit trail",
                           tags={"Team": "security"})
    res = [
        Res("aws_iam_role", "deployer", before=before,
            after=dict(before, assume_role_policy=after_trust),
            sensitive=["assume_role_policy"],
            config={"assume_role_policy": R("local.deployer_trust"),
                    "description": C("Deploys everything"), "name": C("deployer"),
                    "tags": C(TEAM)}),
        Res("aws_iam_role_policy_attachment", "deployer_admin",
            before=aws.iam_role_policy_attachment("deployer", ADMIN), after=SAME,
            config={"policy_arn": C(ADMIN), "role": R(*ref("aws_iam_role.deployer", "name"))}),
        Res("aws_iam_role", "auditor", before=auditor, after=dict(auditor, tags=TEAM,
                                                                   tags_all=aws.tags_all(TEAM)),
            before_sensitive=[], sensitive=["assume_role_policy"],
            config={"assume_role_policy": R("var.auditor_trust"),
                    "description": C("Reads the audit trail"), "name": C("auditor"),
                    "tags": C(TEAM)}),
    ]
    res += trail_stopped()
    return Plan(res, timestamp="2024-09-21T09:03:52Z", provider_config=provider(),
                **sensitive_vars(trusted_user_arn=user, github_subject=subject,
                                 auditor_trust=auditor_trust))


def sensitive_whole_objects():
    """Whole objects marked sensitive (`after_sensitive: true`): a role with its name, trust
    and inline policy; a user's group membership; an audit log group whose retention drops;
    a trail stopped outside Terraform (drift). And a list attribute marked as a whole
    (`users: true`)."""
    role = CANARY + "-vault-role"
    vault_admin = "arn:aws:iam::%s:user/%s-vault-admin" % (ACCOUNT, CANARY)
    member, listed = CANARY + "-member-user", CANARY + "-list-user"
    logs = "/audit/%s-vault" % CANARY
    inline = policy(statement(["iam:*"], "*", sid="VaultAdministration"))
    vault = aws.iam_role(role, aws.trust({"AWS": vault_admin}), description="Vault operators",
                         tags=TEAM, new=True)
    vault["inline_policy"] = [{"name": "vault-admin", "policy": inline}]
    lg = aws.log_group(logs, 365, tags=TRAIL_TAGS)
    trail_name = CANARY + "-vault-trail"
    stopped = aws.cloudtrail(trail_name, TRAIL_BUCKET, organization=False, tags=TRAIL_TAGS,
                             enable_logging=False)
    res = [
        Res("aws_iam_role", "vault", before=None, after=vault, sensitive=[()],
            config={"assume_role_policy": R("var.vault_trust"),
                    "description": C("Vault operators"),
                    "inline_policy": [{"name": C("vault-admin"), "policy": E()}],
                    "name": R("var.vault_role_name"), "tags": C(TEAM)}),
        Res("aws_iam_group", "admins", before=aws.iam_group("admins"), after=SAME,
            config={"name": C("admins")}),
        Res("aws_iam_group_policy_attachment", "admins_admin",
            before=aws.iam_group_policy_attachment("admins", ADMIN), after=SAME,
            config={"group": R(*ref("aws_iam_group.admins", "name")), "policy_arn": C(ADMIN)}),
        Res("aws_iam_user_group_membership", "vault_admin", before=None,
            after={"groups": ["admins"], "id": U, "user": member}, sensitive=[()],
            config={"groups": R(*ref("aws_iam_group.admins", "name")),
                    "user": R("var.member_user_name")}),
        Res("aws_iam_policy_attachment", "breakglass", before=None,
            after={"groups": None, "id": U, "name": "breakglass", "policy_arn": IAM_FULL,
                   "roles": None, "users": [listed]},
            sensitive=["users"],
            config={"name": C("breakglass"), "policy_arn": C(IAM_FULL),
                    "users": R("var.breakglass_users")}),
        Res("aws_cloudwatch_log_group", "vault_audit", before=lg,
            after=dict(lg, retention_in_days=1), sensitive=[()],
            config={"name": R("var.vault_log_group"), "retention_in_days": R("var.retention"),
                    "tags": C(TRAIL_TAGS)}),
        # lifecycle { ignore_changes = [enable_logging] }: the plan leaves the trail stopped.
        Res("aws_cloudtrail", "vault", before=stopped, after=SAME, sensitive=[()],
            config={"is_multi_region_trail": C(True), "name": R("var.vault_trail"),
                    "s3_bucket_name": C(TRAIL_BUCKET), "tags": C(TRAIL_TAGS)}),
    ]
    drift = [Res("aws_cloudtrail", "vault", before=dict(stopped, enable_logging=True),
                 after=stopped, sensitive=[()])]
    return Plan(res, timestamp="2024-09-21T09:30:07Z", provider_config=provider(), drift=drift,
                **sensitive_vars(vault_role_name=role, member_user_name=member,
                                 breakglass_users=[listed], vault_log_group=logs,
                                 vault_trail=trail_name))


def sensitive_unparsable():
    """Sensitive policies that are not IAM policy documents: a role policy whose `Statement`
    is a string, one that is not JSON, one with an unknown `Effect`, a customer policy with
    an unknown `Effect`, an inline policy block and a trust policy that cannot be read. The
    audit log group's retention shortens."""
    statement_text = jsonencode({"Statement": CANARY + "-statement", "Version": "2012-10-17"})
    garbled = CANARY + '-garbled {"Effect": '
    bad_effect = jsonencode({"Statement": [{"Action": "iam:PassRole",
                                            "Effect": CANARY + "-effect", "Resource": "*"}],
                             "Version": "2012-10-17"})
    customer = jsonencode({"Statement": [{"Action": "iam:*",
                                          "Effect": CANARY + "-policy-effect",
                                          "Resource": "*"}], "Version": "2012-10-17"})
    trust_text = jsonencode({"Statement": [{"Action": "sts:AssumeRole",
                                            "Effect": CANARY + "-trust-effect",
                                            "Principal": {"AWS": "*"}}],
                             "Version": "2012-10-17"})

    def opaque(tf_name, name, doc):
        return Res("aws_iam_role_policy", tf_name, before=None,
                   after=aws.iam_role_policy("ci-deployer", name, doc, new=True),
                   sensitive=["policy"],
                   config={"name": C(name), "policy": R("var." + tf_name),
                           "role": R(*ref("aws_iam_role.ci_deployer", "name"))})

    inline_role = aws.iam_role("inline-opaque", aws.trust_service("lambda.amazonaws.com"),
                               description="Runs reports", tags=TEAM, new=True)
    inline_role["inline_policy"] = [{"name": "reports", "policy": CANARY + "-inline ["}]
    res = [
        ci_deployer_role(),
        opaque("statement_text", "statement-text", statement_text),
        opaque("garbled", "garbled", garbled),
        opaque("bad_effect", "bad-effect", bad_effect),
        Res("aws_iam_policy", "opaque", before=None,
            after=aws.iam_policy("opaque", customer, new=True), sensitive=["policy"],
            config={"name": C("opaque"), "policy": R("var.opaque_policy")}),
        Res("aws_iam_role_policy_attachment", "opaque", before=None,
            after={"id": U, "policy_arn": U, "role": "ci-deployer"},
            config={"policy_arn": R(*ref("aws_iam_policy.opaque", "arn")),
                    "role": R(*ref("aws_iam_role.ci_deployer", "name"))}),
        Res("aws_iam_role", "inline_opaque", before=None, after=inline_role,
            sensitive=["inline_policy"],
            config={"assume_role_policy": E(), "description": C("Runs reports"),
                    "inline_policy": [{"name": C("reports"), "policy": R("var.reports")}],
                    "name": C("inline-opaque"), "tags": C(TEAM)}),
        Res("aws_iam_role", "trust_opaque", before=None,
            after=aws.iam_role("trust-opaque", trust_text, description="Opaque trust",
                               tags=TEAM, new=True),
            sensitive=["assume_role_policy"],
            config={"assume_role_policy": R("var.trust"), "description": C("Opaque trust"),
                    "name": C("trust-opaque"), "tags": C(TEAM)}),
        audit_log_group(365, 7),
    ]
    return Plan(res, timestamp="2024-09-21T09:55:40Z", provider_config=provider(),
                **sensitive_vars(statement_text=statement_text, garbled=garbled,
                                 bad_effect=bad_effect, opaque_policy=customer,
                                 reports=CANARY + "-inline [", trust=trust_text))


def sensitive_pipeline():
    """The provider assumes a role whose ARN comes from a sensitive variable; the change
    attaches IAMFullAccess to that role, named by another sensitive variable."""
    name = CANARY + "-pipeline"
    exprs = {"default_tags": [{"tags": C(aws.DEFAULT_TAGS)}], "region": C(REGION),
             "assume_role": [{"role_arn": R("var.pipeline_role_arn"),
                              "session_name": C("terraform-plan")}]}
    providers = {"aws": {"name": "aws", "full_name": AWS, "version_constraint": "~> 5.60",
                         "expressions": exprs}}
    res = [
        Res("aws_iam_role_policy_attachment", "ci_iam", before=None,
            after=aws.iam_role_policy_attachment(name, IAM_FULL, new=True), sensitive=["role"],
            config={"policy_arn": C(IAM_FULL), "role": R("var.pipeline_role_name")}),
        artifacts_bucket(),
    ]
    return Plan(res, timestamp="2024-09-21T10:12:26Z", provider_config=providers,
                **sensitive_vars(pipeline_role_arn=role_arn(name), pipeline_role_name=name))


def pulumi_secrets():
    """`pulumi preview --json` with secrets in the three forms Pulumi writes: "[secret]", the
    signature with the `value` (as the engine passes it), with `plaintext` (as `--show-secrets`
    state has it) and with `ciphertext`. The admin role's name is secret; it gains
    AdministratorAccess while the trail stops logging."""
    sig = "4dabf18193072939515e22adb298388d"
    secret_sig = "1b47061264138c4ac30d75fd1eb44270"
    role = CANARY + "-pulumi-role"
    stack = "urn:pulumi:prod::platform::"

    def value(v):
        return {sig: secret_sig, "value": v}

    def plaintext(v):
        return {sig: secret_sig, "plaintext": json.dumps(v)}

    def step(op, token, name, old=None, new=None):
        urn = stack + token + "::" + name
        out = {"op": op, "urn": urn}
        for key, props in (("oldState", old), ("newState", new)):
            if props is not None:
                out[key] = {"urn": urn, "custom": True, "type": token, "inputs": props,
                            "outputs": props if op == "same" or key == "oldState" else {},
                            "parent": stack + "pulumi:pulumi:Stack::platform-prod",
                            "provider": stack + "pulumi:providers:aws::default_6_52_0"}
        return out

    trail = {"name": "org-trail", "s3BucketName": TRAIL_BUCKET, "enableLogging": True,
             "isMultiRegionTrail": True, "isOrganizationTrail": True}
    steps = [
        step("create", "aws:iam/role:Role", "admin", new={
            "name": value(role), "assumeRolePolicy": aws.trust_service("ec2.amazonaws.com")}),
        step("create", "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "admin", new={
            "role": plaintext(role), "policyArn": value(ADMIN)}),
        step("create", "aws:iam/rolePolicy:RolePolicy", "opaque", new={
            "role": value(role), "policy": "[secret]"}),
        step("create", "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "vendor", new={
            "role": value(role),
            "policyArn": {sig: secret_sig, "ciphertext": "v1:%s-ciphertext" % CANARY}}),
        step("update", "aws:cloudtrail/trail:Trail", "org", old=trail,
             new=dict(trail, enableLogging=False)),
    ]
    return {"config": {"aws:region": REGION},
            "steps": steps,
            "duration": 2214000000,
            "changeSummary": {"create": 4, "update": 1}}


# ---------------------------------------------------------------------------------------
# multi
def multi_part_a():
    attach = policy(statement(["iam:AttachRolePolicy"], role_arn("app-*"),
                              sid="AttachToAppRoles"))
    res = [
        ci_deployer_role(inline=[("deployer", ARTIFACTS_POLICY)]),
        role_policy("deployer", "ci-deployer", "deployer", ARTIFACTS_POLICY, SAME,
                    policy_cfg=ARTIFACTS_POLICY_CFG),
        role_policy("attach_app_roles", "ci-deployer", "attach-app-roles", None, attach),
        artifacts_bucket(),
    ]
    return Plan(res, timestamp="2024-09-19T11:20:01Z", provider_config=provider())


def multi_part_b():
    trail = aws.cloudtrail("org-trail", TRAIL_BUCKET, tags=TRAIL_TAGS)
    res = trail_stack(trail_before=trail, trail_after=dict(trail, enable_logging=False),
                      trail_config=trail_cfg(enable_logging=False))
    return Plan(res, timestamp="2024-09-19T11:21:37Z", provider_config=provider())


# ---------------------------------------------------------------------------------------
# format
def format_v0_1():
    """Terraform 0.12: format 0.1, provider names not fully qualified, no *_sensitive,
    no action_reason, references without attribute paths, no timestamp/applyable/…"""
    # The configuration has a heredoc; the state holds the document as IAM returns it.
    trust_heredoc = ('{\n  "Version": "2012-10-17",\n  "Statement": [\n    {\n'
                     '      "Effect": "Allow",\n      "Principal": {\n'
                     '        "Service": "lambda.amazonaws.com"\n      },\n'
                     '      "Action": "sts:AssumeRole"\n    }\n  ]\n}\n')
    trust_iam = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":'
                 '{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}')
    role = {"arn": role_arn("app-lambda"), "assume_role_policy": trust_iam,
            "create_date": "2020-07-14T09:12:55Z", "description": "",
            "force_detach_policies": False, "id": "app-lambda", "max_session_duration": 3600,
            "name": "app-lambda", "name_prefix": None, "path": "/",
            "permissions_boundary": None, "tags": {}, "unique_id": aws.aws_unique_id(
                "AROA", "app-lambda-legacy")}
    read = ('{\n  "Version": "2012-10-17",\n  "Statement": [\n    {\n      "Effect": "Allow",'
            '\n      "Action": [\n        "s3:GetObject",\n        "s3:ListBucket"\n      ],'
            '\n      "Resource": [\n        "arn:aws:s3:::%s",\n        "arn:aws:s3:::%s/*"'
            '\n      ]\n    }\n  ]\n}\n' % (ARTIFACTS, ARTIFACTS))
    res = [
        Res("aws_iam_role", "app_lambda", before=role, after=SAME,
            config={"assume_role_policy": C(trust_heredoc), "name": C("app-lambda")}),
        Res("aws_iam_role_policy", "app_read", before=None,
            after={"id": U, "name": "read-artifacts", "name_prefix": None, "policy": read,
                   "role": "app-lambda"},
            config={"name": C("read-artifacts"), "policy": C(read),
                    "role": R(*ref("aws_iam_role.app_lambda", "name"))}),
    ]
    return Plan(res, timestamp=None, format_version="0.1", terraform_version="0.12.29",
                legacy=True,
                provider_config={"aws": {"name": "aws", "version_constraint": "~> 2.70",
                                         "expressions": {"region": C(REGION)}}})


# ---------------------------------------------------------------------------------------
# powers
def powers_poweruser_plus_iam():
    res = [
        ops_admin_role(managed=[POWER_USER]),
        role_attachment("ops_admin_poweruser", "ops-admin", POWER_USER, new=False),
        role_attachment("ops_admin_iam", "ops-admin", IAM_FULL, new=True),
    ]
    return Plan(res, timestamp="2024-09-20T07:30:18Z", provider_config=provider())


AUDIT_SERVICES = ["cloudtrail:*", "cloudtrail-data:*", "logs:*", "config:*", "guardduty:*",
                  "securityhub:*", "s3:*", "kms:*", "ec2:*", "events:*", "cloudwatch:*",
                  "sns:*", "backup:*", "organizations:*", "access-analyzer:*",
                  "auditmanager:*", "macie2:*", "inspector2:*", "detective:*", "firehose:*",
                  "wafv2:*", "route53resolver:*", "securitylake:*"]


def powers_deny_overrides():
    doc = policy(statement(["*"], "*", sid="Everything"),
                 statement(AUDIT_SERVICES, "*", effect="Deny", sid="NoAuditOrEvidence"))
    res = [
        ci_deployer_role(inline=[("deployer", ARTIFACTS_POLICY)]),
        role_policy("deployer", "ci-deployer", "deployer", ARTIFACTS_POLICY, SAME,
                    policy_cfg=ARTIFACTS_POLICY_CFG),
        role_policy("broad", "ci-deployer", "broad-except-audit", None, doc),
        artifacts_bucket(),
    ]
    return Plan(res, timestamp="2024-09-20T08:02:45Z", provider_config=provider())


# ---------------------------------------------------------------------------------------
# the README example: a mid-size plan with the hazard in it
def example_plan():
    fn_name = "orders-api"
    lg_name = "/aws/lambda/" + fn_name
    table = aws.dynamodb_table("orders", "order_id", tags={"Service": "orders"})
    deploy_before = policy(
        statement(["s3:PutObject", "s3:GetObject"], "arn:aws:s3:::%s/*" % ARTIFACTS,
                  sid="Artifacts"),
        statement(["lambda:UpdateFunctionCode", "lambda:GetFunction"],
                  "arn:aws:lambda:%s:%s:function:%s" % (REGION, ACCOUNT, fn_name),
                  sid="Functions"))
    deploy_after = policy(
        statement(["s3:PutObject", "s3:GetObject"], "arn:aws:s3:::%s/*" % ARTIFACTS,
                  sid="Artifacts"),
        statement(["lambda:UpdateFunctionCode", "lambda:GetFunction"],
                  "arn:aws:lambda:%s:%s:function:%s" % (REGION, ACCOUNT, fn_name),
                  sid="Functions"),
        statement(["iam:PutRolePolicy", "iam:AttachRolePolicy"],
                  "arn:aws:iam::%s:role/*" % ACCOUNT, sid="ManageServiceRoles"))
    pol_before = aws.iam_policy("ci-deploy", deploy_before,
                                description="What the CI deployer may do", tags=TEAM)
    pol_after = dict(pol_before, policy=deploy_after)
    pol_arn = pol_before["arn"]
    trail = aws.cloudtrail("org-trail", TRAIL_BUCKET, tags=TRAIL_TAGS)
    orders_inline = policy(
        statement(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"], table["arn"],
                  sid="OrdersTable"))
    fn = aws.lambda_function_new(fn_name, handler="orders.handler", runtime="python3.12",
                                 s3_bucket=ARTIFACTS, s3_key="orders-api/1.4.2.zip",
                                 env={"TABLE_NAME": "orders"}, memory=512, timeout=15,
                                 tags={"Service": "orders"})
    res = [
        Res("aws_caller_identity", "current", mode="data", read_at_plan=True,
            before=aws.caller_identity("terraform-ci", "terraform-plan"), config={}),
        ci_deployer_role(managed=[pol_arn]),
        Res("aws_iam_policy", "ci_deploy", before=pol_before, after=pol_after,
            config={"description": C("What the CI deployer may do"), "name": C("ci-deploy"),
                    "policy": R(*(ref("data.aws_caller_identity.current", "account_id") +
                                  ref("aws_s3_bucket.artifacts", "arn"))),
                    "tags": C(TEAM)}),
        Res("aws_iam_role_policy_attachment", "ci_deploy",
            before=aws.iam_role_policy_attachment("ci-deployer", pol_arn), after=SAME,
            config={"policy_arn": R(*ref("aws_iam_policy.ci_deploy", "arn")),
                    "role": R(*ref("aws_iam_role.ci_deployer", "name"))}),
        artifacts_bucket(),
        Res("aws_s3_bucket_versioning", "artifacts",
            before=aws.s3_bucket_versioning(ARTIFACTS), after=SAME,
            config={"bucket": R(*ref("aws_s3_bucket.artifacts", "id")),
                    "versioning_configuration": [{"status": C("Enabled")}]}),
        audit_log_group(365, 1),
        Res("aws_dynamodb_table", "orders", before=table, after=SAME, schema_version=1,
            config={"attribute": [{"name": C("order_id"), "type": C("S")}],
                    "billing_mode": C("PAY_PER_REQUEST"),
                    "deletion_protection_enabled": C(True), "hash_key": C("order_id"),
                    "name": C("orders"), "point_in_time_recovery": [{"enabled": C(True)}],
                    "tags": C({"Service": "orders"})}),
        Res("aws_iam_role", "orders_api", before=None,
            after=aws.iam_role("orders-api", aws.trust_service("lambda.amazonaws.com"),
                               description="Execution role of orders-api",
                               tags={"Service": "orders"}, new=True),
            config={"assume_role_policy": E(), "description": C("Execution role of orders-api"),
                    "name": C("orders-api"), "tags": C({"Service": "orders"})}),
        role_attachment("orders_api_basic", "orders-api", LAMBDA_BASIC, new=True,
                        role_cfg=R(*ref("aws_iam_role.orders_api", "name"))),
        Res("aws_iam_role_policy", "orders_api", before=None,
            after=aws.iam_role_policy("orders-api", "orders-table", orders_inline, new=True),
            config={"name": C("orders-table"),
                    "policy": R(*ref("aws_dynamodb_table.orders", "arn")),
                    "role": R(*ref("aws_iam_role.orders_api", "name"))}),
        Res("aws_cloudwatch_log_group", "orders_api", before=None,
            after=aws.log_group(lg_name, 30, tags={"Service": "orders"}, new=True),
            config={"name": C(lg_name), "retention_in_days": C(30),
                    "tags": C({"Service": "orders"})}),
        Res("aws_lambda_function", "orders_api", before=None, after=fn,
            config={"architectures": C(["arm64"]),
                    "environment": [{"variables": {"references": ref(
                        "aws_dynamodb_table.orders", "name")}}],
                    "function_name": C(fn_name), "handler": C("orders.handler"),
                    "memory_size": C(512), "role": R(*ref("aws_iam_role.orders_api", "arn")),
                    "runtime": C("python3.12"), "s3_bucket": R(*ref("aws_s3_bucket.artifacts",
                                                                      "id")),
                    "s3_key": C("orders-api/1.4.2.zip"), "tags": C({"Service": "orders"}),
                    "timeout": C(15)},
            depends_on=["aws_cloudwatch_log_group.orders_api"]),
    ]
    res += trail_stack(trail_before=trail, trail_after=dict(trail, enable_logging=False),
                       trail_config=trail_cfg(enable_logging=False))
    return Plan(res, timestamp="2024-09-20T14:07:52Z", provider_config=provider())


# ---------------------------------------------------------------------------------------
# bad inputs
def bad_files():
    files = {}
    full = dumps(example_plan().document())
    cut = int(len(full) * 0.58)
    files["truncated.json"] = full[:cut].encode("utf-8")
    files["not-a-plan.json"] = b'{"name": "x", "version": 3}\n'
    doc = self_other_role().document()
    doc["format_version"] = "2.0"
    doc["terraform_version"] = "2.0.0"
    files["format-2.json"] = dumps(doc).encode("utf-8")
    files["empty.json"] = b""
    # A gzip member header (as if a .tfplan.gz were passed) followed by deterministic
    # pseudo-random bytes; not valid UTF-8.
    import hashlib
    body = b""
    block = b"foureyes-binary-fixture"
    while len(body) < 400:
        block = hashlib.sha256(block).digest()
        body += block
    header = bytes([0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF])
    files["binary.bin"] = header + body[:390] + b"\xff\xfe\xc3\x28"
    # What `terraform show -json plan > plan.json` writes in Windows PowerShell 5.1:
    # UTF-16LE with a byte order mark, the one-line JSON, CRLF.
    compact = json.dumps(self_other_role().document(), separators=(",", ":"))
    files["utf16.json"] = b"\xff\xfe" + (compact + "\r\n").encode("utf-16-le")
    files["array.json"] = b"[1,2,3]\n"
    wrong = self_other_role().document()
    wrong["resource_changes"] = {rc["address"]: rc for rc in wrong["resource_changes"]}
    files["wrong-type.json"] = dumps(wrong).encode("utf-8")
    return files


# ---------------------------------------------------------------------------------------
SCENARIOS = {
    "plans/privilege-and-evidence/trail-stopped.json": pe_trail_stopped,
    "plans/privilege-and-evidence/log-group-deleted.json": pe_log_group_deleted,
    "plans/privilege-and-evidence/trail-replaced.json": pe_trail_replaced,
    "plans/privilege-and-evidence/retention-shortened-unknown-policy.json":
        pe_retention_unknown_policy,
    "plans/unknown/policy-from-data-source.json": unknown_policy_from_data_source,
    "plans/toxic-combination/gains-second-duty.json": toxic_gains_second_duty,
    "plans/toxic-combination/already-held.json": toxic_already_held,
    "plans/toxic-combination/group-membership.json": toxic_group_membership,
    "plans/toxic-combination/trust-widened.json": toxic_trust_widened,
    "plans/self-escalation/provider-role.json": self_provider_role,
    "plans/self-escalation/other-role.json": self_other_role,
    "plans/precision/new-service.json": precision_new_service,
    "plans/precision/retention-lengthened.json": precision_retention_lengthened,
    "plans/precision/removed-grant.json": precision_removed_grant,
    "plans/precision/privilege-without-weakening.json": precision_privilege_without_weakening,
    "plans/drift/trail-stopped-outside.json": drift_trail_stopped_outside,
    "plans/modules/for-each-moved-import.json": modules_for_each_moved_import,
    "plans/sensitive/sensitive-policy.json": sensitive_policy,
    "plans/sensitive/role-names.json": sensitive_role_names,
    "plans/sensitive/users-groups.json": sensitive_users_groups,
    "plans/sensitive/policy-arns.json": sensitive_policy_arns,
    "plans/sensitive/trust.json": sensitive_trust,
    "plans/sensitive/whole-objects.json": sensitive_whole_objects,
    "plans/sensitive/unparsable-policies.json": sensitive_unparsable,
    "plans/sensitive/pipeline.json": sensitive_pipeline,
    "plans/multi/part-a.json": multi_part_a,
    "plans/multi/part-b.json": multi_part_b,
    "plans/format/v0-1.json": format_v0_1,
    "plans/powers/poweruser-plus-iam.json": powers_poweruser_plus_iam,
    "plans/powers/deny-overrides.json": powers_deny_overrides,
    "example/plan.json": example_plan,
    "providers/aws/user-and-group-policies.json": providers_aws_user_and_group_policies,
}

# The areas of issue 10, each a module of its own with its SCENARIOS.
import credentials  # noqa: E402
import evidence_stores  # noqa: E402
import identity  # noqa: E402
import powers  # noqa: E402
# The providers of issue 11.
import azure_provider  # noqa: E402
import github_provider  # noqa: E402
import google_provider  # noqa: E402
import kubernetes_provider  # noqa: E402
import multi_provider  # noqa: E402
# Pulumi previews of every provider family (issue 15).
import pulumi_providers  # noqa: E402
# The Pulumi previews of issue 15: steps and identity.
import pulumi_ops  # noqa: E402

for _area in (credentials, evidence_stores, identity, powers,
              google_provider, azure_provider, kubernetes_provider, github_provider,
              multi_provider):
    SCENARIOS.update(_area.SCENARIOS)


def render_all():
    out = {}
    for rel, fn in SCENARIOS.items():
        out[rel] = dumps(fn().document()).encode("utf-8")
    for name, data in bad_files().items():
        out["bad/" + name] = data
    # A Pulumi preview: `pulumi preview --json` writes two-space indented JSON.
    out["previews/sensitive-secrets.json"] = (
        json.dumps(pulumi_secrets(), indent=2) + "\n").encode("utf-8")
    for rel, fn in pulumi_providers.PREVIEWS.items():
        out[rel] = (json.dumps(fn().document(), indent=2) + "\n").encode("utf-8")
    out.update(pulumi_ops.render())
    return out


def main(argv):
    check = "--check" in argv
    files = render_all()
    stale = []
    for rel, data in sorted(files.items()):
        path = TESTDATA / rel
        if check:
            if not path.exists() or path.read_bytes() != data:
                stale.append(rel)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    if check:
        if stale:
            print("out of date: " + ", ".join(stale), file=sys.stderr)
            return 1
        print("%d fixture files up to date" % len(files))
        return 0
    print("wrote %d fixture files under %s" % (len(files), TESTDATA))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
