"""Scenarios of testdata/providers/aws/powers/ (issue 10). Registered in gen.py by one line.

Powers that do not look like IAM (resource-policy writers, taking over compute that runs as a
role), Organizations guardrails, silencing detection, and the ordinary platform work that must
still pass. testdata/providers/aws/powers/expect.toml says what each fixture must give.

Shared helpers of gen.py (trail_stack, role_policy, ...) are imported inside the functions that
use them (`gen = _gen()`): gen.py imports this module, so a top-level import would be circular.
Attribute sets follow `terraform providers schema -json` of hashicorp/aws 5.100: on creation
computed attributes are unknown, optional ones not set are null and blocks not written empty.
"""

from tfplan import (ACCOUNT, AWS, REGION, SAME, U, UL, C, E, R, Output, Plan, Res, dumps,  # noqa: F401
                    hexid, jsonencode, policy, statement)
import aws  # noqa: F401
from aws import role_arn


def _gen():
    import gen
    return gen


ORG_ID = "o-a1b2c3d4e5"
ROOT_ID = "r-a1b2"
SECURITY_OU = "ou-a1b2-5ecur1ty"
WORKLOADS_OU = "ou-a1b2-w0rk10ad"
SANDBOX_OU = "ou-a1b2-5andb0x1"
MGMT_ACCOUNT = "999988887777"
SECURITY_ACCOUNT = "444455556666"
LOG_ACCOUNT = "555566667777"
PLATFORM = {"Team": "platform"}
SECURITY = {"Team": "security"}


def new_role(tf_name, name, trust_doc, *, description, tags, managed=(), config_extra=None):
    cfg = {"assume_role_policy": E(), "description": C(description), "name": C(name),
           "tags": C(tags)}
    cfg.update(config_extra or {})
    return Res("aws_iam_role", tf_name, before=None,
               after=aws.iam_role(name, trust_doc, description=description, tags=tags,
                                  new=True),
               config=cfg)


def new_attachment(tf_name, role_tf, role, policy_arn):
    return Res("aws_iam_role_policy_attachment", tf_name, before=None,
               after=aws.iam_role_policy_attachment(role, policy_arn, new=True),
               config={"policy_arn": C(policy_arn),
                       "role": R("aws_iam_role.%s.name" % role_tf, "aws_iam_role.%s" % role_tf)})


def new_inline(tf_name, role_tf, role, name, doc):
    return Res("aws_iam_role_policy", tf_name, before=None,
               after=aws.iam_role_policy(role, name, doc, new=True),
               config={"name": C(name), "policy": E(),
                       "role": R("aws_iam_role.%s.name" % role_tf, "aws_iam_role.%s" % role_tf)})


def existing_role(tf_name, name, trust_doc, *, description, tags, inline=(), managed=(),
                  after=SAME):
    before = aws.iam_role(name, trust_doc, inline=inline, managed=managed,
                          description=description, tags=tags)
    if after is not SAME:
        after = dict(before, **after)
    return Res("aws_iam_role", tf_name, before=before, after=after,
               config={"assume_role_policy": E(), "description": C(description),
                       "name": C(name), "tags": C(after["tags"] if after is not SAME
                                                  else tags)})


def existing_inline(tf_name, role_tf, role, name, doc):
    return Res("aws_iam_role_policy", tf_name, before=aws.iam_role_policy(role, name, doc),
               after=SAME,
               config={"name": C(name), "policy": E(),
                       "role": R("aws_iam_role.%s.name" % role_tf, "aws_iam_role.%s" % role_tf)})


# ---------------------------------------------------------------------------------------
# Firing: powers that do not look like IAM
PLATFORM_AUTOMATION = "Platform automation (GitHub Actions)"


def platform_automation(inline=()):
    return existing_role("platform_automation", "platform-automation", aws.trust_github(),
                         description=PLATFORM_AUTOMATION, tags=PLATFORM, inline=inline)


def resource_policy_writer():
    """platform-automation gains the writers of resource-based policies on any resource (any
    function's invoke policy, any queue's or topic's policy, any share): it can give anyone,
    in any account, access. In the same change the audit log group's retention drops."""
    gen = _gen()
    doc = policy(statement(["lambda:AddPermission", "sqs:SetQueueAttributes",
                            "sns:SetTopicAttributes", "ecr:SetRepositoryPolicy",
                            "secretsmanager:PutResourcePolicy", "ram:CreateResourceShare"],
                           "*", sid="ShareAnything"))
    res = [
        platform_automation(),
        new_inline("platform_automation_share", "platform_automation", "platform-automation",
                   "share-resources", doc),
        gen.audit_log_group(365, 3),
    ]
    return Plan(res, timestamp="2024-10-02T09:14:05Z", provider_config=gen.provider())


OPS_RUNNER = "Runs operational jobs on instances and containers"


def compute_takeover():
    """ops-runner, which may already stop the trail (an old break-glass grant), gains what
    takes over compute that runs as a role: commands on any instance, any function's code,
    a shell in any container, any CodeBuild project's buildspec. It then holds both duties
    of the forbidden pair, with no iam: action in sight."""
    gen = _gen()
    held = policy(statement(["cloudtrail:StopLogging", "cloudtrail:StartLogging"], "*",
                            sid="TrailBreakGlass"))
    doc = policy(
        statement(["ssm:SendCommand", "ssm:StartSession"], "*", sid="RunOnInstances"),
        statement(["lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration"],
                  "arn:aws:lambda:%s:%s:function:*" % (REGION, ACCOUNT), sid="PatchFunctions"),
        statement(["ecs:ExecuteCommand"], "*", sid="ShellInTasks"),
        statement(["codebuild:StartBuild"], "*", sid="RunBuilds"))
    trust = aws.trust_service("ec2.amazonaws.com")
    res = [
        existing_role("ops_runner", "ops-runner", trust, description=OPS_RUNNER, tags=PLATFORM,
                      inline=[("trail-break-glass", held)]),
        existing_inline("ops_runner_trail", "ops_runner", "ops-runner", "trail-break-glass",
                        held),
        new_inline("ops_runner_jobs", "ops_runner", "ops-runner", "run-jobs", doc),
    ]
    return Plan(res, timestamp="2024-10-02T10:01:44Z", provider_config=gen.provider())


def organizations_actions():
    """org-operator gains organizations:DetachPolicy and MoveAccount: it can take an
    account out from under the guardrails that keep its trail running (audit evidence) and
    change what every account may do (privilege administration)."""
    gen = _gen()
    doc = policy(statement(["organizations:DetachPolicy", "organizations:MoveAccount",
                            "organizations:List*", "organizations:Describe*"], "*",
                           sid="ArrangeAccounts"))
    trust = aws.trust({"AWS": "arn:aws:iam::%s:root" % MGMT_ACCOUNT})
    res = [
        existing_role("org_operator", "org-operator", trust,
                      description="Arranges accounts in organizational units", tags=PLATFORM),
        new_inline("org_operator_accounts", "org_operator", "org-operator", "arrange-accounts",
                   doc),
    ]
    return Plan(res, timestamp="2024-10-02T10:22:09Z", provider_config=gen.provider())


# ---------------------------------------------------------------------------------------
# Organizations guardrails
AUDIT_GUARDRAIL = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "ProtectCloudTrail", "Effect": "Deny",
         "Action": ["cloudtrail:StopLogging", "cloudtrail:DeleteTrail",
                    "cloudtrail:UpdateTrail", "cloudtrail:PutEventSelectors"],
         "Resource": "*",
         "Condition": {"ArnNotLike": {
             "aws:PrincipalArn": "arn:aws:iam::*:role/OrganizationAccountAccessRole"}}},
        {"Sid": "ProtectConfig", "Effect": "Deny",
         "Action": ["config:Stop*", "config:Delete*"], "Resource": "*"},
        {"Sid": "ProtectGuardDuty", "Effect": "Deny",
         "Action": ["guardduty:DeleteDetector", "guardduty:UpdateDetector",
                    "guardduty:Disassociate*", "guardduty:CreateFilter"],
         "Resource": "*"},
    ],
}
REGION_GUARDRAIL = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "DenyOtherRegions", "Effect": "Deny", "NotAction": [
        "iam:*", "organizations:*", "sts:*", "support:*", "cloudfront:*", "route53:*"],
        "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:RequestedRegion": [REGION, "eu-central-1"]}}}],
}


def org_policy(tf_name, name, content, *, pid, description, after=SAME):
    before = {"arn": "arn:aws:organizations::%s:policy/%s/service_control_policy/%s"
              % (MGMT_ACCOUNT, ORG_ID, pid),
              "content": jsonencode(content), "description": description, "id": pid,
              "name": name, "skip_destroy": False, "tags": SECURITY,
              "tags_all": aws.tags_all(SECURITY), "type": "SERVICE_CONTROL_POLICY"}
    cfg = {"content": E(), "description": C(description), "name": C(name),
           "tags": C(SECURITY), "type": C("SERVICE_CONTROL_POLICY")}
    kw = {}
    if after is None:
        cfg = None
        kw["reason"] = "delete_because_no_resource_config"
    elif after is not SAME:
        after = dict(before, content=jsonencode(after))
    return Res("aws_organizations_policy", tf_name, before=before, after=after, config=cfg,
               **kw)


def org_attachment(tf_name, policy_tf, pid, target, *, delete=False):
    before = {"id": "%s:%s" % (target, pid), "policy_id": pid, "skip_destroy": False,
              "target_id": target}
    if delete:
        return Res("aws_organizations_policy_attachment", tf_name, before=before, after=None,
                   reason="delete_because_no_resource_config")
    return Res("aws_organizations_policy_attachment", tf_name, before=before, after=SAME,
               config={"policy_id": R("aws_organizations_policy.%s.id" % policy_tf,
                                      "aws_organizations_policy.%s" % policy_tf),
                       "target_id": C(target)})


ORG_ADMIN = "Administers the organization's accounts and policies"


def org_admin_gains(actions=("iam:PutRolePolicy", "iam:AttachRolePolicy")):
    """org-admin (trusted by the management account) gains role administration on any role."""
    doc = policy(statement(list(actions), "*", sid="ManageRoles"))
    trust = aws.trust({"AWS": "arn:aws:iam::%s:root" % MGMT_ACCOUNT})
    return [
        existing_role("org_admin", "org-admin", trust, description=ORG_ADMIN, tags=SECURITY),
        new_inline("org_admin_roles", "org_admin", "org-admin", "manage-roles", doc),
    ]


def scp_loosened():
    """The guardrail SCP `protect-audit` is rewritten: its CloudTrail and Config denies are
    gone, only GuardDuty's remain. In the same change org-admin gains role administration."""
    gen = _gen()
    loosened = {"Version": "2012-10-17", "Statement": [AUDIT_GUARDRAIL["Statement"][2]]}
    res = org_admin_gains() + [
        org_policy("protect_audit", "protect-audit", AUDIT_GUARDRAIL, pid="p-aud1tgrd",
                   description="Deny stopping CloudTrail, Config and GuardDuty",
                   after=loosened),
        org_attachment("protect_audit_workloads", "protect_audit", "p-aud1tgrd", WORKLOADS_OU),
    ]
    return Plan(res, timestamp="2024-10-03T08:11:52Z", provider_config=gen.provider())


def scp_detached():
    """The guardrail SCP `protect-audit` and its attachment to the workloads OU are removed
    from the configuration (deleted), and so is the attachment of the region guardrail, which
    guards no audit service. org-admin gains role administration."""
    gen = _gen()
    res = org_admin_gains() + [
        org_policy("protect_audit", "protect-audit", AUDIT_GUARDRAIL, pid="p-aud1tgrd",
                   description="Deny stopping CloudTrail, Config and GuardDuty", after=None),
        org_attachment("protect_audit_workloads", "protect_audit", "p-aud1tgrd", WORKLOADS_OU,
                       delete=True),
        org_policy("regions", "allowed-regions", REGION_GUARDRAIL, pid="p-reg10n5x",
                   description="Only the EU regions", after=None),
        org_attachment("regions_workloads", "regions", "p-reg10n5x", WORKLOADS_OU,
                       delete=True),
    ]
    return Plan(res, timestamp="2024-10-03T08:40:17Z", provider_config=gen.provider())


def scp_attachment_unread():
    """Only the attachment of `protect-audit` to the workloads OU is deleted; the policy is
    unchanged, so its content is not read: the weakening is possible, and says why."""
    gen = _gen()
    res = org_admin_gains() + [
        org_policy("protect_audit", "protect-audit", AUDIT_GUARDRAIL, pid="p-aud1tgrd",
                   description="Deny stopping CloudTrail, Config and GuardDuty"),
        org_attachment("protect_audit_workloads", "protect_audit", "p-aud1tgrd", WORKLOADS_OU,
                       delete=True),
    ]
    return Plan(res, timestamp="2024-10-03T09:02:40Z", provider_config=gen.provider())


SERVICE_PRINCIPALS = ["cloudtrail.amazonaws.com", "config.amazonaws.com",
                      "guardduty.amazonaws.com", "securityhub.amazonaws.com",
                      "sso.amazonaws.com", "ram.amazonaws.com"]


def organization(principals, policy_types=("SERVICE_CONTROL_POLICY",)):
    return {
        "accounts": [], "arn": "arn:aws:organizations::%s:organization/%s" % (MGMT_ACCOUNT, ORG_ID),
        "aws_service_access_principals": sorted(principals),
        "enabled_policy_types": sorted(policy_types), "feature_set": "ALL", "id": ORG_ID,
        "master_account_arn": "arn:aws:organizations::%s:account/%s/%s"
                              % (MGMT_ACCOUNT, ORG_ID, MGMT_ACCOUNT),
        "master_account_email": "aws-root@acme.example", "master_account_id": MGMT_ACCOUNT,
        "master_account_name": "acme-management", "non_master_accounts": [],
        "roots": [{"arn": "arn:aws:organizations::%s:root/%s/%s" % (MGMT_ACCOUNT, ORG_ID, ROOT_ID),
                   "id": ROOT_ID, "name": "Root",
                   "policy_types": [{"status": "ENABLED", "type": t} for t in policy_types]}],
    }


def account(name, acct, parent, email):
    return {"arn": "arn:aws:organizations::%s:account/%s/%s" % (MGMT_ACCOUNT, ORG_ID, acct),
            "close_on_deletion": False, "create_govcloud": False, "email": email,
            "govcloud_id": "", "iam_user_access_to_billing": "ALLOW", "id": acct,
            "joined_method": "CREATED", "joined_timestamp": "2022-03-14T10:21:07Z",
            "name": name, "parent_id": parent, "role_name": None, "status": "ACTIVE",
            "tags": PLATFORM, "tags_all": aws.tags_all(PLATFORM), "timeouts": None}


def trusted_access_removed():
    """The organization stops trusting CloudTrail and Config (their organization trail and
    aggregator stop), keeping GuardDuty, Security Hub, SSO and RAM; the `payments` account
    moves from the workloads OU (where the audit guardrail is attached) to the sandbox OU.
    org-admin gains role administration."""
    gen = _gen()
    before = organization(SERVICE_PRINCIPALS)
    after = dict(before, aws_service_access_principals=sorted(
        p for p in SERVICE_PRINCIPALS if p not in ("cloudtrail.amazonaws.com",
                                                   "config.amazonaws.com")))
    acct_before = account("payments", "210987654321", WORKLOADS_OU, "aws-payments@acme.example")
    res = org_admin_gains() + [
        Res("aws_organizations_organization", "org", before=before, after=after,
            config={"aws_service_access_principals": C(after["aws_service_access_principals"]),
                    "enabled_policy_types": C(["SERVICE_CONTROL_POLICY"]),
                    "feature_set": C("ALL")}),
        Res("aws_organizations_account", "payments", before=acct_before,
            after=dict(acct_before, parent_id=SANDBOX_OU),
            config={"email": C("aws-payments@acme.example"), "name": C("payments"),
                    "parent_id": C(SANDBOX_OU), "tags": C(PLATFORM)}),
    ]
    return Plan(res, timestamp="2024-10-03T09:30:26Z", provider_config=gen.provider())


# ---------------------------------------------------------------------------------------
# Silencing detection
def automation_rule(name, status):
    return {
        "actions": [{"finding_fields_update": [{
            "confidence": None, "criticality": None, "note": [],
            "related_findings": [], "severity": [], "types": None, "user_defined_fields": None,
            "verification_state": None, "workflow": [{"status": status}]}],
            "type": "FINDING_FIELDS_UPDATE"}],
        "arn": U,
        "criteria": [{"aws_account_id": [], "aws_account_name": [], "company_name": [],
                      "compliance_associated_standards_id": [],
                      "compliance_security_control_id": [], "compliance_status": [],
                      "confidence": [], "created_at": [], "criticality": [], "description": [],
                      "first_observed_at": [], "generator_id": [], "id": [],
                      "last_observed_at": [], "note_text": [], "note_updated_at": [],
                      "note_updated_by": [], "product_arn": [],
                      "product_name": [{"comparison": "EQUALS", "value": "GuardDuty"}],
                      "record_state": [], "related_findings_id": [],
                      "related_findings_product_arn": [], "resource_application_arn": [],
                      "resource_application_name": [], "resource_details_other": [],
                      "resource_id": [], "resource_partition": [], "resource_region": [],
                      "resource_tags": [], "resource_type": [], "severity_label": [],
                      "source_url": [], "title": [], "type": [], "updated_at": [],
                      "user_defined_fields": [],
                      "verification_state": [], "workflow_status": []}],
        "description": "Accepted GuardDuty findings", "id": U, "is_terminal": False,
        "rule_name": name, "rule_order": 1, "rule_status": U, "tags": SECURITY,
        "tags_all": aws.tags_all(SECURITY),
    }


def silencing_detection():
    """Detection keeps running, but nobody sees what it finds: a Security Hub automation rule
    suppresses GuardDuty findings, an Access Analyzer archive rule archives external-access
    findings, a Macie filter archives sensitive-data findings, a Config rule and a
    conformance pack are deleted, and the Security Lake subscriber the SIEM reads is deleted.
    secops-automation gains iam:PassRole on any role in the same change."""
    gen = _gen()
    analyzer = "org-analyzer"
    macie = {"action": "ARCHIVE", "arn": U, "description": "Known test data",
             "finding_criteria": [{"criterion": [{"eq": ["test-data"], "eq_exact_match": [],
                                                  "field": "resourcesAffected.s3Bucket.tags.key",
                                                  "gt": "", "gte": "", "lt": "", "lte": "",
                                                  "neq": []}]}],
             "id": U, "name": "archive-test-data", "name_prefix": U, "position": U,
             "tags": SECURITY, "tags_all": aws.tags_all(SECURITY), "timeouts": None}
    config_rule = {
        "arn": "arn:aws:config:%s:%s:config-rule/config-rule-a1b2c3" % (REGION, ACCOUNT),
        "description": "CloudTrail is enabled", "evaluation_mode": [{"mode": "DETECTIVE"}],
        "id": "cloudtrail-enabled", "input_parameters": "", "maximum_execution_frequency":
        "TwentyFour_Hours", "name": "cloudtrail-enabled", "rule_id": "config-rule-a1b2c3",
        "scope": [], "source": [{"custom_policy_details": [], "owner": "AWS",
                                 "source_detail": [], "source_identifier": "CLOUD_TRAIL_ENABLED"}],
        "tags": SECURITY, "tags_all": aws.tags_all(SECURITY)}
    pack = {"arn": "arn:aws:config:%s:%s:conformance-pack/cis-benchmark/conformance-pack-x1y2z3"
                   % (REGION, ACCOUNT),
            "delivery_s3_bucket": "", "delivery_s3_key_prefix": "", "id": "cis-benchmark",
            "input_parameter": [], "name": "cis-benchmark", "template_body": "Resources: {}",
            "template_s3_uri": ""}
    subscriber = {
        "access_type": "S3", "arn": "arn:aws:securitylake:%s:%s:subscriber/%s"
                                    % (REGION, ACCOUNT, hexid("siem", 36)),
        "id": hexid("siem", 36), "resource_share_arn": "", "resource_share_name": "",
        "role_arn": role_arn("AmazonSecurityLake-siem"),
        "s3_bucket_arn": "arn:aws:s3:::aws-security-data-lake-%s-%s" % (REGION, hexid("lake", 12)),
        "source": [{"aws_log_source_resource": [{"source_name": "CLOUD_TRAIL_MGMT",
                                                 "source_version": "2.0"}],
                    "custom_log_source_resource": []}],
        "subscriber_description": "SIEM", "subscriber_endpoint": "", "subscriber_identity": [
            {"external_id": "siem-ext-1", "principal": SECURITY_ACCOUNT}],
        "subscriber_name": "siem", "subscriber_status": "ACTIVE", "tags": SECURITY,
        "tags_all": aws.tags_all(SECURITY), "timeouts": None}
    doc = policy(statement(["iam:PassRole"], "*", sid="PassAnyRole"))
    trust = aws.trust_service("lambda.amazonaws.com")
    res = [
        existing_role("secops_automation", "secops-automation", trust,
                      description="Security operations automation", tags=SECURITY),
        new_inline("secops_automation_pass", "secops_automation", "secops-automation",
                   "pass-roles", doc),
        Res("aws_securityhub_automation_rule", "accepted_guardduty", before=None,
            after=automation_rule("accepted-guardduty", "SUPPRESSED"),
            config={"actions": [{"finding_fields_update": [{"workflow": [
                {"status": C("SUPPRESSED")}]}], "type": C("FINDING_FIELDS_UPDATE")}],
                "description": C("Accepted GuardDuty findings"),
                "rule_name": C("accepted-guardduty"), "rule_order": C(1)}),
        Res("aws_accessanalyzer_archive_rule", "partner_access", before=None,
            after={"analyzer_name": analyzer, "filter": [
                {"contains": UL, "criteria": "principal.AWS", "eq": ["999900001111"],
                 "exists": U, "neq": UL}], "id": U, "rule_name": "partner-access"},
            config={"analyzer_name": C(analyzer), "rule_name": C("partner-access"),
                    "filter": [{"criteria": C("principal.AWS"), "eq": C(["999900001111"])}]}),
        Res("aws_macie2_findings_filter", "test_data", before=None, after=macie,
            config={"action": C("ARCHIVE"), "description": C("Known test data"),
                    "finding_criteria": [{"criterion": [{
                        "eq": C(["test-data"]),
                        "field": C("resourcesAffected.s3Bucket.tags.key")}]}],
                    "name": C("archive-test-data"), "tags": C(SECURITY)}),
        Res("aws_config_config_rule", "cloudtrail_enabled", before=config_rule, after=None,
            reason="delete_because_no_resource_config"),
        Res("aws_config_conformance_pack", "cis", before=pack, after=None,
            reason="delete_because_no_resource_config"),
        Res("aws_securitylake_subscriber", "siem", before=subscriber, after=None,
            reason="delete_because_no_resource_config"),
    ]
    return Plan(res, timestamp="2024-10-04T07:45:12Z", provider_config=gen.provider())


# ---------------------------------------------------------------------------------------
# Precision: ordinary platform work that must pass
ECS_EXEC = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
SECURITY_AUDIT = "arn:aws:iam::aws:policy/SecurityAudit"
SUPPORT = "arn:aws:iam::aws:policy/AWSSupportAccess"
APP = {"Service": "payments"}


def log_group_new(tf_name, name, retention, tags):
    return Res("aws_cloudwatch_log_group", tf_name, before=None,
               after=aws.log_group(name, retention, tags=tags, new=True),
               config={"name": C(name), "retention_in_days": C(retention), "tags": C(tags)})


def new_ecs_service():
    """A new ECS service: its task execution role (AWS-managed policy), its task role
    (its own table), its log group, task definition and service; the deployer may update
    this one service and pass these two roles."""
    gen = _gen()
    fam = "payments-api"
    cluster = "arn:aws:ecs:%s:%s:cluster/apps" % (REGION, ACCOUNT)
    lg = "/ecs/" + fam
    table = "arn:aws:dynamodb:%s:%s:table/payments" % (REGION, ACCOUNT)
    task_doc = policy(statement(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"],
                                table, sid="PaymentsTable"))
    deploy_doc = policy(
        statement(["ecs:UpdateService", "ecs:DescribeServices"],
                  "arn:aws:ecs:%s:%s:service/apps/%s" % (REGION, ACCOUNT, fam), sid="Service"),
        statement(["ecs:RegisterTaskDefinition", "ecs:DescribeTaskDefinition"], "*",
                  sid="TaskDefinitions"),
        statement(["iam:PassRole"], [role_arn(fam + "-exec"), role_arn(fam + "-task")],
                  sid="PassServiceRoles",
                  condition={"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}))
    containers = jsonencode([{"name": "api", "image": "%s.dkr.ecr.%s.amazonaws.com/%s:1.4.2"
                              % (ACCOUNT, REGION, fam), "essential": True,
                              "portMappings": [{"containerPort": 8080, "protocol": "tcp"}],
                              "logConfiguration": {"logDriver": "awslogs", "options": {
                                  "awslogs-group": lg, "awslogs-region": REGION,
                                  "awslogs-stream-prefix": "api"}}}])
    ecs_trust = aws.trust_service("ecs-tasks.amazonaws.com")
    res = [
        new_role("exec", fam + "-exec", ecs_trust, description="ECS task execution role",
                 tags=APP),
        new_attachment("exec_policy", "exec", fam + "-exec", ECS_EXEC),
        new_role("task", fam + "-task", ecs_trust, description="payments-api task role",
                 tags=APP),
        new_inline("task_table", "task", fam + "-task", "payments-table", task_doc),
        log_group_new("api", lg, 30, APP),
        Res("aws_ecs_task_definition", "api", before=None, after={
            "arn": U, "arn_without_revision": U, "container_definitions": containers,
            "cpu": "512", "enable_fault_injection": U, "ephemeral_storage": [],
            "execution_role_arn": U, "family": fam, "id": U, "inference_accelerator": [],
            "ipc_mode": None, "memory": "1024", "network_mode": "awsvpc", "pid_mode": None,
            "placement_constraints": [], "proxy_configuration": [],
            "requires_compatibilities": ["FARGATE"], "revision": U,
            "runtime_platform": [], "skip_destroy": False, "tags": APP,
            "tags_all": aws.tags_all(APP), "task_role_arn": U, "track_latest": False,
            "volume": []},
            config={"container_definitions": R("local.containers"), "cpu": C("512"),
                    "execution_role_arn": R("aws_iam_role.exec.arn", "aws_iam_role.exec"),
                    "family": C(fam), "memory": C("1024"), "network_mode": C("awsvpc"),
                    "requires_compatibilities": C(["FARGATE"]), "tags": C(APP),
                    "task_role_arn": R("aws_iam_role.task.arn", "aws_iam_role.task")}),
        Res("aws_ecs_service", "api", before=None, after={
            "alarms": [], "availability_zone_rebalancing": None,
            "capacity_provider_strategy": [], "cluster": cluster,
            "deployment_circuit_breaker": [{"enable": True, "rollback": True}],
            "deployment_controller": [], "deployment_maximum_percent": 200,
            "deployment_minimum_healthy_percent": 100, "desired_count": 2,
            "enable_ecs_managed_tags": False, "enable_execute_command": False,
            "force_delete": None, "force_new_deployment": None,
            "health_check_grace_period_seconds": None, "iam_role": U, "id": U,
            "launch_type": "FARGATE", "load_balancer": [], "name": fam,
            "network_configuration": [{"assign_public_ip": False,
                                       "security_groups": ["sg-0a1b2c3d4e5f60718"],
                                       "subnets": ["subnet-0123456789abcdef0"]}],
            "ordered_placement_strategy": [], "placement_constraints": [],
            "platform_version": U, "propagate_tags": None, "scheduling_strategy": "REPLICA",
            "service_connect_configuration": [], "service_registries": [], "tags": APP,
            "tags_all": aws.tags_all(APP), "task_definition": U, "timeouts": None,
            "triggers": U, "volume_configuration": [], "vpc_lattice_configurations": [],
            "wait_for_steady_state": False},
            config={"cluster": C(cluster), "desired_count": C(2), "launch_type": C("FARGATE"),
                    "name": C(fam), "tags": C(APP),
                    "task_definition": R("aws_ecs_task_definition.api.arn",
                                         "aws_ecs_task_definition.api")}),
        gen.ci_deployer_role(),
        Res("aws_iam_role_policy", "ci_deploy_payments", before=None,
            after=aws.iam_role_policy("ci-deployer", "deploy-payments-api", deploy_doc,
                                      new=True),
            config={"name": C("deploy-payments-api"), "policy": E(),
                    "role": R("aws_iam_role.ci_deployer.name", "aws_iam_role.ci_deployer")}),
    ]
    return Plan(res, timestamp="2024-10-05T08:12:40Z", provider_config=gen.provider())


def function_arn(name):
    return "arn:aws:lambda:%s:%s:function:%s" % (REGION, ACCOUNT, name)


def deploy_one_function():
    """orders-deployer may update the code and configuration of one function, by its ARN:
    that is deployment, not taking over every function's role. In the same plan someone
    shortens the audit log group's retention: were the scoped grant privilege
    administration, privilege-and-evidence would fire."""
    gen = _gen()
    doc = policy(statement(["lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration",
                            "lambda:PublishVersion", "lambda:UpdateAlias", "lambda:GetFunction"],
                           [function_arn("orders-api"), function_arn("orders-api") + ":*"],
                           sid="DeployOrdersApi"))
    res = [
        existing_role("orders_deployer", "orders-deployer", aws.trust_github("acme/orders-api"),
                      description="Deploys orders-api", tags=APP),
        new_inline("orders_deployer_deploy", "orders_deployer", "orders-deployer",
                   "deploy-orders-api", doc),
        gen.audit_log_group(365, 180),
    ]
    return Plan(res, timestamp="2024-10-05T08:40:02Z", provider_config=gen.provider())


def deploy_role_broad_lambda():
    """A deployer of every function of the account (lambda:UpdateFunctionCode on `*`) that
    writes its own logs: it now counts as privilege administration (it can take over any
    function's role) besides deployment, but no forbidden pair holds those two, and writing
    logs is not an audit duty. Nothing is weakened."""
    gen = _gen()
    doc = policy(
        statement(["lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration",
                   "lambda:PublishVersion", "lambda:UpdateAlias", "lambda:GetFunction"], "*",
                  sid="DeployFunctions"),
        statement(["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                  "arn:aws:logs:%s:%s:log-group:/ci/*" % (REGION, ACCOUNT), sid="OwnLogs"))
    res = [
        gen.ci_deployer_role(),
        Res("aws_iam_role_policy", "ci_deploy_functions", before=None,
            after=aws.iam_role_policy("ci-deployer", "deploy-functions", doc, new=True),
            config={"name": C("deploy-functions"), "policy": E(),
                    "role": R("aws_iam_role.ci_deployer.name", "aws_iam_role.ci_deployer")}),
    ]
    return Plan(res, timestamp="2024-10-05T09:03:27Z", provider_config=gen.provider())


def application_kms_key():
    """An application's own KMS key (rotation on, a key policy for the account and the
    application role) with its alias; the role may use that one key."""
    gen = _gen()
    key_policy = policy(
        statement(["kms:*"], "*", sid="AccountAdmin",
                  principal={"AWS": "arn:aws:iam::%s:root" % ACCOUNT}),
        statement(["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"], "*", sid="AppUse",
                  principal={"AWS": role_arn("payments-api-task")}))
    use = policy(statement(["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"],
                           "arn:aws:kms:%s:%s:key/*" % (REGION, ACCOUNT), sid="UseAppKey",
                           condition={"ForAnyValue:StringEquals": {
                               "kms:ResourceAliases": "alias/payments"}}))
    res = [
        Res("aws_kms_key", "payments", before=None, after={
            "arn": U, "bypass_policy_lockout_safety_check": False, "custom_key_store_id": None,
            "customer_master_key_spec": "SYMMETRIC_DEFAULT", "deletion_window_in_days": 30,
            "description": "payments data", "enable_key_rotation": True, "id": U,
            "is_enabled": True, "key_id": U, "key_usage": "ENCRYPT_DECRYPT",
            "multi_region": U, "policy": key_policy, "rotation_period_in_days": U,
            "tags": APP, "tags_all": aws.tags_all(APP), "timeouts": None, "xks_key_id": None},
            config={"deletion_window_in_days": C(30), "description": C("payments data"),
                    "enable_key_rotation": C(True), "policy": E(), "tags": C(APP)}),
        Res("aws_kms_alias", "payments", before=None,
            after={"arn": U, "id": U, "name": "alias/payments", "name_prefix": U,
                   "target_key_arn": U, "target_key_id": U},
            config={"name": C("alias/payments"),
                    "target_key_id": R("aws_kms_key.payments.key_id", "aws_kms_key.payments")}),
        existing_role("payments_task", "payments-api-task",
                      aws.trust_service("ecs-tasks.amazonaws.com"),
                      description="payments-api task role", tags=APP),
        new_inline("payments_task_kms", "payments_task", "payments-api-task", "use-app-key",
                   use),
    ]
    return Plan(res, timestamp="2024-10-05T09:30:51Z", provider_config=gen.provider())


def app_bucket_lifecycle():
    """Lifecycle rules on the application's artifacts bucket: old builds expire after 90
    days, incomplete uploads after 7."""
    gen = _gen()
    rules = [{"abort_incomplete_multipart_upload": [{"days_after_initiation": 7}],
              "expiration": [], "filter": [{"and": [], "object_size_greater_than": None,
                                            "object_size_less_than": None, "prefix": "",
                                            "tag": []}],
              "id": "abort-uploads", "noncurrent_version_expiration": [],
              "noncurrent_version_transition": [], "prefix": "", "status": "Enabled",
              "transition": []},
             {"abort_incomplete_multipart_upload": [],
              "expiration": [{"date": None, "days": 90, "expired_object_delete_marker": U}],
              "filter": [{"and": [], "object_size_greater_than": None,
                          "object_size_less_than": None, "prefix": "builds/", "tag": []}],
              "id": "expire-builds", "noncurrent_version_expiration": [
                  {"newer_noncurrent_versions": None, "noncurrent_days": 30}],
              "noncurrent_version_transition": [], "prefix": "", "status": "Enabled",
              "transition": []}]
    res = [
        gen.artifacts_bucket(),
        Res("aws_s3_bucket_lifecycle_configuration", "artifacts", before=None,
            after={"bucket": gen.ARTIFACTS, "expected_bucket_owner": U, "id": U, "rule": rules,
                   "timeouts": None, "transition_default_minimum_object_size": U},
            config={"bucket": R("aws_s3_bucket.artifacts.id", "aws_s3_bucket.artifacts"),
                    "rule": [{"id": C("abort-uploads"), "status": C("Enabled")},
                             {"id": C("expire-builds"), "status": C("Enabled")}]}),
    ]
    return Plan(res, timestamp="2024-10-05T10:02:13Z", provider_config=gen.provider())


def security_auditor_role():
    """A security auditor role for the security account: SecurityAudit (AWS-managed: reads
    configuration and logs across services) and ReadOnlyAccess."""
    gen = _gen()
    trust = aws.trust({"AWS": "arn:aws:iam::%s:root" % SECURITY_ACCOUNT})
    res = [
        new_role("auditor", "security-auditor", trust,
                 description="Read-only audit from the security account", tags=SECURITY),
        new_attachment("auditor_security_audit", "auditor", "security-auditor", SECURITY_AUDIT),
        new_attachment("auditor_read_only", "auditor", "security-auditor", aws.READ_ONLY),
    ]
    return Plan(res, timestamp="2024-10-05T10:20:44Z", provider_config=gen.provider())


def read_only_support_role():
    """A support role: ReadOnlyAccess and AWSSupportAccess (open and answer support cases)."""
    gen = _gen()
    trust = aws.trust({"AWS": "arn:aws:iam::%s:root" % ACCOUNT})
    res = [
        new_role("support", "support", trust, description="Opens support cases, reads all",
                 tags=PLATFORM),
        new_attachment("support_read_only", "support", "support", aws.READ_ONLY),
        new_attachment("support_cases", "support", "support", SUPPORT),
    ]
    return Plan(res, timestamp="2024-10-05T10:41:09Z", provider_config=gen.provider())


def second_trail():
    """A second trail, for S3 data events of the payments bucket, in its own bucket; the
    organization trail is untouched."""
    gen = _gen()
    bucket = "acme-data-events-%s" % ACCOUNT
    bpol = aws.cloudtrail_bucket_policy(bucket, "data-events")
    trail = aws.cloudtrail("data-events", U, organization=False, tags=gen.TRAIL_TAGS, new=True)
    trail["event_selector"] = [{"data_resource": [{"type": "AWS::S3::Object",
                                                   "values": ["arn:aws:s3:::acme-payments/"]}],
                                "exclude_management_event_sources": None,
                                "include_management_events": False,
                                "read_write_type": "WriteOnly"}]
    res = gen.trail_stack() + [
        Res("aws_s3_bucket", "data_events", before=None,
            after=aws.s3_bucket(bucket, tags=gen.TRAIL_TAGS, new=True),
            config={"bucket": C(bucket), "tags": C(gen.TRAIL_TAGS)}),
        Res("aws_s3_bucket_policy", "data_events", before=None,
            after={"bucket": U, "id": U, "policy": bpol},
            config={"bucket": R("aws_s3_bucket.data_events.id", "aws_s3_bucket.data_events"),
                    "policy": R("aws_s3_bucket.data_events.arn", "aws_s3_bucket.data_events")}),
        Res("aws_cloudtrail", "data_events", before=None, after=trail,
            config={"event_selector": [{"include_management_events": C(False),
                                        "read_write_type": C("WriteOnly")}],
                    "name": C("data-events"),
                    "s3_bucket_name": R("aws_s3_bucket.data_events.id",
                                        "aws_s3_bucket.data_events"),
                    "tags": C(gen.TRAIL_TAGS)},
            depends_on=["aws_s3_bucket_policy.data_events"]),
    ]
    return Plan(res, timestamp="2024-10-05T11:02:35Z", provider_config=gen.provider())


def eventbridge_schedules():
    """A nightly EventBridge Scheduler schedule that invokes a report function (with the
    role the scheduler assumes, allowed to invoke that one function), and an EventBridge rule
    with a target."""
    gen = _gen()
    fn = function_arn("nightly-report")
    invoke = policy(statement(["lambda:InvokeFunction"], [fn, fn + ":*"], sid="InvokeReport"))
    res = [
        new_role("scheduler", "nightly-report-scheduler",
                 aws.trust_service("scheduler.amazonaws.com"),
                 description="EventBridge Scheduler invokes nightly-report", tags=APP),
        new_inline("scheduler_invoke", "scheduler", "nightly-report-scheduler",
                   "invoke-report", invoke),
        Res("aws_scheduler_schedule", "nightly", before=None, after={
            "arn": U, "description": "Nightly report", "end_date": None,
            "flexible_time_window": [{"maximum_window_in_minutes": 15, "mode": "FLEXIBLE"}],
            "group_name": "default", "id": U, "kms_key_arn": None, "name": "nightly-report",
            "name_prefix": U, "schedule_expression": "cron(0 2 * * ? *)",
            "schedule_expression_timezone": "Europe/Dublin", "start_date": None,
            "state": "ENABLED", "target": [{
                "arn": fn, "dead_letter_config": [], "ecs_parameters": [],
                "eventbridge_parameters": [], "input": "{}", "kinesis_parameters": [],
                "retry_policy": UL, "role_arn": U, "sagemaker_pipeline_parameters": [],
                "sqs_parameters": []}]},
            config={"name": C("nightly-report"), "schedule_expression": C("cron(0 2 * * ? *)"),
                    "schedule_expression_timezone": C("Europe/Dublin"),
                    "flexible_time_window": [{"maximum_window_in_minutes": C(15),
                                              "mode": C("FLEXIBLE")}],
                    "target": [{"arn": C(fn), "input": C("{}"),
                                "role_arn": R("aws_iam_role.scheduler.arn",
                                              "aws_iam_role.scheduler")}]}),
        Res("aws_cloudwatch_event_rule", "deploys", before=None, after={
            "arn": U, "description": "ECS deployments", "event_bus_name": "default",
            "event_pattern": jsonencode({"source": ["aws.ecs"],
                                         "detail-type": ["ECS Deployment State Change"]}),
            "force_destroy": False, "id": U, "is_enabled": None, "name": "ecs-deployments",
            "name_prefix": U, "role_arn": None, "schedule_expression": None,
            "state": "ENABLED", "tags": APP, "tags_all": aws.tags_all(APP)},
            config={"description": C("ECS deployments"), "event_pattern": E(),
                    "name": C("ecs-deployments"), "tags": C(APP)}),
        Res("aws_cloudwatch_event_target", "deploys_chat", before=None, after={
            "appsync_target": [], "arn": "arn:aws:sns:%s:%s:deploy-notices" % (REGION, ACCOUNT),
            "batch_target": [], "dead_letter_config": [], "ecs_target": [],
            "event_bus_name": "default", "force_destroy": False, "http_target": [], "id": U,
            "input": None, "input_path": None, "input_transformer": [], "kinesis_target": [],
            "redshift_target": [], "retry_policy": [], "role_arn": None,
            "rule": "ecs-deployments", "run_command_targets": [],
            "sagemaker_pipeline_target": [], "sqs_target": [], "target_id": U},
            config={"arn": C("arn:aws:sns:%s:%s:deploy-notices" % (REGION, ACCOUNT)),
                    "rule": R("aws_cloudwatch_event_rule.deploys.name",
                              "aws_cloudwatch_event_rule.deploys")}),
    ]
    return Plan(res, timestamp="2024-10-05T11:20:18Z", provider_config=gen.provider())


def log_subscription_central():
    """The application log group gets a subscription filter that forwards everything to the
    central logging account's destination."""
    gen = _gen()
    lg = "/ecs/payments-api"
    dest = "arn:aws:logs:%s:%s:destination:central-logs" % (REGION, LOG_ACCOUNT)
    res = [
        Res("aws_cloudwatch_log_group", "api", before=aws.log_group(lg, 30, tags=APP),
            after=SAME, config={"name": C(lg), "retention_in_days": C(30), "tags": C(APP)}),
        Res("aws_cloudwatch_log_subscription_filter", "central", before=None,
            after={"destination_arn": dest, "distribution": "ByLogStream", "filter_pattern": "",
                   "id": U, "log_group_name": lg, "name": "to-central-logs", "role_arn": U},
            config={"destination_arn": C(dest), "filter_pattern": C(""),
                    "log_group_name": R("aws_cloudwatch_log_group.api.name",
                                        "aws_cloudwatch_log_group.api"),
                    "name": C("to-central-logs")}),
    ]
    return Plan(res, timestamp="2024-10-05T11:41:55Z", provider_config=gen.provider())


def policy_reordered():
    """ci-deployer's inline policy is rewritten: the same permissions, its statements in
    another order, two of them merged into one and one split in two. Nothing is gained."""
    gen = _gen()
    fn = "arn:aws:lambda:%s:%s:function:orders-*" % (REGION, ACCOUNT)
    art = "arn:aws:s3:::%s/*" % gen.ARTIFACTS
    before = policy(
        statement(["s3:PutObject"], art, sid="UploadArtifacts"),
        statement(["s3:GetObject"], art, sid="ReadArtifacts"),
        statement(["lambda:UpdateFunctionCode", "lambda:GetFunction"], fn, sid="Functions"),
        statement(["iam:PassRole"], role_arn("orders-api"), sid="PassOrdersRole"))
    after = policy(
        statement(["iam:PassRole"], role_arn("orders-api"), sid="PassRole"),
        statement(["lambda:GetFunction"], fn, sid="ReadFunctions"),
        statement(["lambda:UpdateFunctionCode"], fn, sid="DeployFunctions"),
        statement(["s3:GetObject", "s3:PutObject"], art, sid="Artifacts"))
    res = [
        gen.ci_deployer_role(inline=[("deployer", before)]),
        gen.role_policy("deployer", "ci-deployer", "deployer", before, after,
                        policy_cfg=gen.ARTIFACTS_POLICY_CFG),
        gen.artifacts_bucket(),
    ]
    return Plan(res, timestamp="2024-10-05T12:03:31Z", provider_config=gen.provider())


def tags_sweep():
    """A tags-only sweep (a new CostCenter tag) over the trail, its bucket, the audit log
    group, two roles and the artifacts bucket."""
    gen = _gen()
    cc = {"CostCenter": "cc-1001"}
    trail_tags = dict(gen.TRAIL_TAGS, **cc)
    trail_before = aws.cloudtrail("org-trail", gen.TRAIL_BUCKET, tags=gen.TRAIL_TAGS)
    trail_after = dict(trail_before, tags=trail_tags, tags_all=aws.tags_all(trail_tags))
    stack = gen.trail_stack(trail_after=trail_after)
    lg = gen.audit_log_group(365)
    lg.after = dict(lg.before, tags=trail_tags, tags_all=aws.tags_all(trail_tags))
    lg.config["tags"] = C(trail_tags)
    app_tags = dict(APP, **cc)
    res = stack + [
        lg,
        existing_role("payments_task", "payments-api-task",
                      aws.trust_service("ecs-tasks.amazonaws.com"),
                      description="payments-api task role", tags=APP,
                      after={"tags": app_tags, "tags_all": aws.tags_all(app_tags)}),
        existing_role("org_admin", "org-admin",
                      aws.trust({"AWS": "arn:aws:iam::%s:root" % MGMT_ACCOUNT}),
                      description=ORG_ADMIN, tags=SECURITY,
                      after={"tags": dict(SECURITY, **cc),
                             "tags_all": aws.tags_all(dict(SECURITY, **cc))}),
        gen.artifacts_bucket(after_tags={"Purpose": "build-artifacts", "CostCenter": "cc-1001"}),
    ]
    return Plan(res, timestamp="2024-10-05T12:25:47Z", provider_config=gen.provider())


def scp_tightened():
    """The guardrail SCP `protect-audit` gains a Security Hub deny and the region guardrail
    allows one more region: neither takes a guardrail over audit services away. org-admin
    gains role administration in the same change."""
    gen = _gen()
    tightened = dict(AUDIT_GUARDRAIL, Statement=AUDIT_GUARDRAIL["Statement"] + [
        {"Sid": "ProtectSecurityHub", "Effect": "Deny",
         "Action": ["securityhub:DisableSecurityHub", "securityhub:BatchDisableStandards"],
         "Resource": "*"}])
    regions = json_copy(REGION_GUARDRAIL)
    regions["Statement"][0]["Condition"]["StringNotEquals"]["aws:RequestedRegion"].append(
        "eu-north-1")
    res = org_admin_gains() + [
        org_policy("protect_audit", "protect-audit", AUDIT_GUARDRAIL, pid="p-aud1tgrd",
                   description="Deny stopping CloudTrail, Config and GuardDuty",
                   after=tightened),
        org_policy("regions", "allowed-regions", REGION_GUARDRAIL, pid="p-reg10n5x",
                   description="Only the EU regions", after=regions),
    ]
    return Plan(res, timestamp="2024-10-05T12:48:03Z", provider_config=gen.provider())


def json_copy(v):
    import json
    return json.loads(json.dumps(v))


DETECTOR = hexid("detector", 32)


def detection_tuned_quietly():
    """GuardDuty keeps running, but a filter that only tagged findings now archives them, a
    new trusted IP list silences findings from a /16, and a Security Hub automation rule that
    only added a note now suppresses what it matches. ops-runner gains ssm:SendCommand on any
    instance (compute takeover) in the same change."""
    gen = _gen()
    fil_before = {
        "action": "NOOP", "arn": "arn:aws:guardduty:%s:%s:detector/%s/filter/scanners"
                                 % (REGION, ACCOUNT, DETECTOR),
        "description": "Known vulnerability scanners", "detector_id": DETECTOR,
        "finding_criteria": [{"criterion": [
            {"equals": ["Recon:EC2/PortProbeUnprotectedPort"], "field": "type",
             "greater_than": "", "greater_than_or_equal": "", "less_than": "",
             "less_than_or_equal": "", "not_equals": []}]}],
        "id": "%s:scanners" % DETECTOR, "name": "scanners", "rank": 1, "tags": SECURITY,
        "tags_all": aws.tags_all(SECURITY)}
    rule_before = automation_rule("accepted-guardduty", "NOTIFIED")
    rule_before.update(arn="arn:aws:securityhub:%s:%s:automation-rule/%s"
                       % (REGION, ACCOUNT, hexid("rule", 36)),
                       id="arn:aws:securityhub:%s:%s:automation-rule/%s"
                       % (REGION, ACCOUNT, hexid("rule", 36)), rule_status="ENABLED")
    rule_after = json_copy(rule_before)
    rule_after["actions"][0]["finding_fields_update"][0]["workflow"] = [{"status": "SUPPRESSED"}]
    doc = policy(statement(["ssm:SendCommand", "ssm:ListCommandInvocations"], "*",
                           sid="RunOnInstances"))
    res = [
        existing_role("ops_runner", "ops-runner", aws.trust_service("ec2.amazonaws.com"),
                      description=OPS_RUNNER, tags=PLATFORM),
        new_inline("ops_runner_ssm", "ops_runner", "ops-runner", "run-commands", doc),
        Res("aws_guardduty_filter", "scanners", before=fil_before,
            after=dict(fil_before, action="ARCHIVE"),
            config={"action": C("ARCHIVE"), "description": C("Known vulnerability scanners"),
                    "detector_id": C(DETECTOR), "name": C("scanners"), "rank": C(1),
                    "finding_criteria": [{"criterion": [{
                        "equals": C(["Recon:EC2/PortProbeUnprotectedPort"]),
                        "field": C("type")}]}],
                    "tags": C(SECURITY)}),
        Res("aws_guardduty_ipset", "office", before=None, after={
            "activate": True, "arn": U, "detector_id": DETECTOR, "format": "TXT", "id": U,
            "location": "https://s3.amazonaws.com/acme-security-lists/trusted.txt",
            "name": "office", "tags": SECURITY, "tags_all": aws.tags_all(SECURITY)},
            config={"activate": C(True), "detector_id": C(DETECTOR), "format": C("TXT"),
                    "location": C("https://s3.amazonaws.com/acme-security-lists/trusted.txt"),
                    "name": C("office"), "tags": C(SECURITY)}),
        Res("aws_securityhub_automation_rule", "accepted_guardduty", before=rule_before,
            after=rule_after,
            config={"actions": [{"finding_fields_update": [{"workflow": [
                {"status": C("SUPPRESSED")}]}], "type": C("FINDING_FIELDS_UPDATE")}],
                "description": C("Accepted GuardDuty findings"),
                "rule_name": C("accepted-guardduty"), "rule_order": C(1)}),
    ]
    return Plan(res, timestamp="2024-10-04T08:20:33Z", provider_config=gen.provider())


SCENARIOS = {
    "providers/aws/powers/resource-policy-writer.json": resource_policy_writer,
    "providers/aws/powers/compute-takeover.json": compute_takeover,
    "providers/aws/powers/organizations-actions.json": organizations_actions,
    "providers/aws/powers/scp-loosened.json": scp_loosened,
    "providers/aws/powers/scp-detached.json": scp_detached,
    "providers/aws/powers/scp-attachment-unread.json": scp_attachment_unread,
    "providers/aws/powers/trusted-access-removed.json": trusted_access_removed,
    "providers/aws/powers/silencing-detection.json": silencing_detection,
    "providers/aws/powers/detection-tuned-quietly.json": detection_tuned_quietly,
    "providers/aws/powers/new-ecs-service.json": new_ecs_service,
    "providers/aws/powers/deploy-one-function.json": deploy_one_function,
    "providers/aws/powers/deploy-role-broad-lambda.json": deploy_role_broad_lambda,
    "providers/aws/powers/application-kms-key.json": application_kms_key,
    "providers/aws/powers/app-bucket-lifecycle.json": app_bucket_lifecycle,
    "providers/aws/powers/security-auditor-role.json": security_auditor_role,
    "providers/aws/powers/read-only-support-role.json": read_only_support_role,
    "providers/aws/powers/second-trail.json": second_trail,
    "providers/aws/powers/eventbridge-schedules.json": eventbridge_schedules,
    "providers/aws/powers/log-subscription-central.json": log_subscription_central,
    "providers/aws/powers/policy-reordered.json": policy_reordered,
    "providers/aws/powers/tags-sweep.json": tags_sweep,
    "providers/aws/powers/scp-tightened.json": scp_tightened,
}
