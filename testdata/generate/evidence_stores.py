"""Scenarios of testdata/providers/aws/evidence-stores/ (issue 10). Registered in gen.py by one line.

Shared helpers of gen.py (trail_stack, role_policy, ...) are imported inside the functions that
use them (`gen = _gen()`): gen.py imports this module, so a top-level import would be circular.
"""

from tfplan import (ACCOUNT, AWS, REGION, SAME, U, C, E, R, Output, Plan, Res, dumps)  # noqa: F401
import aws  # noqa: F401


def _gen():
    import gen
    return gen


# "providers/aws/evidence-stores/NAME.json": function returning a Plan
SCENARIOS = {}


from tfplan import hexid, jsonencode, policy, statement  # noqa: E402

AREA = "providers/aws/evidence-stores/"
APP_BUCKET_TAGS = {"Purpose": "build-artifacts"}
KEY_ID = "6f0c8c1e-%s-4c1b-9a57-%s" % (hexid("trail-key", 4), hexid("trail-key-2", 12))
APP_KEY_ID = "0b7d2a44-%s-4e8f-8c11-%s" % (hexid("app-key", 4), hexid("app-key-2", 12))


def key_arn(key_id):
    return "arn:aws:kms:%s:%s:key/%s" % (REGION, ACCOUNT, key_id)


# --- attribute sets (hashicorp/aws 5.6x) -------------------------------------------------------
def lifecycle_rule(rule_id, *, days=None, noncurrent_days=None, prefix=""):
    """One `rule` block of aws_s3_bucket_lifecycle_configuration."""
    return {
        "abort_incomplete_multipart_upload": [],
        "expiration": ([{"date": "", "days": days, "expired_object_delete_marker": False}]
                       if days is not None else []),
        "filter": [{"and": [], "object_size_greater_than": "", "object_size_less_than": "",
                    "prefix": prefix, "tag": []}],
        "id": rule_id,
        "noncurrent_version_expiration": ([{"newer_noncurrent_versions": "",
                                            "noncurrent_days": noncurrent_days}]
                                          if noncurrent_days is not None else []),
        "noncurrent_version_transition": [], "prefix": "", "status": "Enabled",
        "transition": [],
    }


def lifecycle_configuration(bucket, rules, *, new=False):
    return {"bucket": bucket, "expected_bucket_owner": "", "id": U if new else bucket,
            "rule": list(rules), "timeouts": None,
            "transition_default_minimum_object_size": U if new else "all_storage_classes_128K"}


def kms_key(key_id, policy_doc, *, description, is_enabled=True, tags=None, new=False):
    if new:
        return {"arn": U, "bypass_policy_lockout_safety_check": False,
                "custom_key_store_id": U, "customer_master_key_spec": "SYMMETRIC_DEFAULT",
                "deletion_window_in_days": 30, "description": description,
                "enable_key_rotation": True, "id": U, "is_enabled": is_enabled, "key_id": U,
                "key_usage": "ENCRYPT_DECRYPT", "multi_region": U, "policy": U,
                "rotation_period_in_days": U, "tags": tags, "tags_all": aws.tags_all(tags),
                "timeouts": None, "xks_key_id": U}
    return {"arn": key_arn(key_id), "bypass_policy_lockout_safety_check": False,
            "custom_key_store_id": "", "customer_master_key_spec": "SYMMETRIC_DEFAULT",
            "deletion_window_in_days": 30, "description": description,
            "enable_key_rotation": True, "id": key_id, "is_enabled": is_enabled,
            "key_id": key_id, "key_usage": "ENCRYPT_DECRYPT", "multi_region": False,
            "policy": policy_doc, "rotation_period_in_days": 365, "tags": tags,
            "tags_all": aws.tags_all(tags), "timeouts": None, "xks_key_id": ""}


def trail_key_policy():
    """The key policy CloudTrail's documentation gives: the account administers the key, the
    CloudTrail service encrypts with it."""
    root = "arn:aws:iam::%s:root" % ACCOUNT
    return jsonencode({"Version": "2012-10-17", "Statement": [
        {"Sid": "EnableIAMUserPermissions", "Effect": "Allow", "Principal": {"AWS": root},
         "Action": "kms:*", "Resource": "*"},
        {"Sid": "AllowCloudTrailToEncryptLogs", "Effect": "Allow",
         "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "kms:GenerateDataKey*", "Resource": "*",
         "Condition": {"StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn":
                                      "arn:aws:cloudtrail:*:%s:trail/*" % ACCOUNT}}},
        {"Sid": "AllowCloudTrailToDescribeKey", "Effect": "Allow",
         "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "kms:DescribeKey", "Resource": "*"},
    ]})


def app_key_policy():
    root = "arn:aws:iam::%s:root" % ACCOUNT
    return jsonencode({"Version": "2012-10-17", "Statement": [
        {"Sid": "EnableIAMUserPermissions", "Effect": "Allow", "Principal": {"AWS": root},
         "Action": "kms:*", "Resource": "*"}]})


# --- building blocks ---------------------------------------------------------------------------
def plan(res, timestamp):
    gen = _gen()
    return Plan(res, timestamp=timestamp, provider_config=gen.provider())


def admin_gain():
    """ops-admin is given AdministratorAccess: it gains privilege administration."""
    gen = _gen()
    return [gen.ops_admin_role(), gen.role_attachment("ops_admin", "ops-admin", aws.ADMIN, new=True)]


def trail_lifecycle(before_rules, after_rules, *, bucket=None, bucket_ref=None,
                    tf_name="cloudtrail"):
    """aws_s3_bucket_lifecycle_configuration of the trail's bucket: before_rules None =
    created."""
    gen = _gen()
    bucket = bucket or gen.TRAIL_BUCKET
    bucket_ref = bucket_ref or "aws_s3_bucket.cloudtrail"
    new = before_rules is None
    before = None if new else lifecycle_configuration(bucket, before_rules)
    after = lifecycle_configuration(bucket, after_rules, new=new)
    if not new:
        after["id"] = before["id"]
        after["transition_default_minimum_object_size"] = before[
            "transition_default_minimum_object_size"]
    rule_cfg = []
    for r in after_rules:
        cfg = {"id": C(r["id"]), "status": C(r["status"]),
               "filter": [{"prefix": C(r["filter"][0]["prefix"])}]}
        if r["expiration"]:
            cfg["expiration"] = [{"days": C(r["expiration"][0]["days"])}]
        if r["noncurrent_version_expiration"]:
            cfg["noncurrent_version_expiration"] = [
                {"noncurrent_days": C(r["noncurrent_version_expiration"][0]["noncurrent_days"])}]
        rule_cfg.append(cfg)
    return Res("aws_s3_bucket_lifecycle_configuration", tf_name, before=before,
               after=SAME if before == after else after,
               config={"bucket": R(bucket_ref + ".id", bucket_ref), "rule": rule_cfg})


def deployer_gains_role_admin():
    """ci-deployer's inline policy gains iam:PutRolePolicy and iam:AttachRolePolicy on `*`."""
    gen = _gen()
    after = policy(statement(["s3:PutObject", "s3:GetObject"],
                             "arn:aws:s3:::%s/*" % gen.ARTIFACTS, sid="Artifacts"),
                   gen.IAM_ROLE_ADMIN_STMT)
    return [
        gen.ci_deployer_role(inline=[("deployer", gen.ARTIFACTS_POLICY)]),
        gen.role_policy("deployer", "ci-deployer", "deployer", gen.ARTIFACTS_POLICY, after,
                        policy_cfg=gen.ARTIFACTS_POLICY_CFG),
        gen.artifacts_bucket(),
    ]


def trail_with_key(key_after=SAME, *, key_delete=False):
    """The organisation trail encrypting its logs with aws_kms_key.cloudtrail."""
    gen = _gen()
    trail = dict(aws.cloudtrail("org-trail", gen.TRAIL_BUCKET, tags=gen.TRAIL_TAGS),
                 kms_key_id=key_arn(KEY_ID))
    cfg = gen.trail_cfg()
    cfg["kms_key_id"] = R("aws_kms_key.cloudtrail.arn", "aws_kms_key.cloudtrail")
    res = gen.trail_stack(trail_before=trail, trail_config=cfg)
    desc = "Encrypts the organisation trail's logs"
    before = kms_key(KEY_ID, trail_key_policy(), description=desc, tags=gen.TRAIL_TAGS)
    if key_delete:
        res.append(Res("aws_kms_key", "cloudtrail", before=before, after=None,
                       reason="delete_because_no_resource_config"))
        return res
    after = before if key_after is SAME else dict(before, **key_after)
    res.append(Res("aws_kms_key", "cloudtrail", before=before, after=after,
                   config={"description": C(desc), "enable_key_rotation": C(True),
                           "is_enabled": C(after["is_enabled"]), "policy": E(),
                           "tags": C(gen.TRAIL_TAGS)}))
    return res


# --- scenarios: stores weakened ------------------------------------------------------------------
def trail_bucket_expiry_with_admin():
    """A lifecycle rule expires the trail's logs after 7 days while ops-admin gets
    AdministratorAccess."""
    res = admin_gain() + _gen().trail_stack()
    res.append(trail_lifecycle(None, [lifecycle_rule("expire-logs", days=7)]))
    return plan(res, "2024-10-02T08:11:40Z")


def trail_bucket_expiry_alone():
    """The same lifecycle rule with nobody gaining privilege: a weakening, reported; no rule
    fires."""
    res = _gen().trail_stack()
    res.append(trail_lifecycle([lifecycle_rule("expire-logs", days=365)],
                               [lifecycle_rule("expire-logs", days=30)]))
    return plan(res, "2024-10-02T08:27:05Z")


def trail_bucket_policy_drops_cloudtrail():
    """The trail bucket's policy is rewritten without CloudTrail's statements, and ci-deployer
    gains role administration."""
    gen = _gen()
    res = deployer_gains_role_admin()
    stack = gen.trail_stack()
    new_doc = policy(statement(["s3:GetObject"], "arn:aws:s3:::%s/*" % gen.TRAIL_BUCKET,
                               principal={"AWS": "arn:aws:iam::%s:role/auditor" % ACCOUNT},
                               sid="AuditorRead"))
    for r in stack:
        if r.type == "aws_s3_bucket_policy":
            r.after = dict(r.before, policy=new_doc)
    return plan(res + stack, "2024-10-02T09:03:51Z")


def trail_key_deleted():
    """The key that encrypts the trail's logs is destroyed (scheduled for deletion) while
    ops-admin gets AdministratorAccess."""
    res = admin_gain() + trail_with_key(key_delete=True)
    return plan(res, "2024-10-02T09:40:12Z")


def trail_key_disabled():
    """The trail's key is disabled while ci-deployer gains role administration."""
    res = deployer_gains_role_admin() + trail_with_key({"is_enabled": False})
    return plan(res, "2024-10-02T10:05:33Z")


def store_by_reference():
    """The trail's bucket is replaced by one named from a prefix (its name known only after
    apply); the trail and a new lifecycle rule name it only through `aws_s3_bucket.cloudtrail`.
    ci-deployer gains role administration."""
    gen = _gen()
    res = deployer_gains_role_admin()
    stack = gen.trail_stack(with_policy=False)
    prefix = "acme-cloudtrail-"
    for r in stack:
        if r.type == "aws_s3_bucket":
            after = aws.s3_bucket(gen.TRAIL_BUCKET, tags=gen.TRAIL_TAGS, new=True)
            after["bucket"] = U
            after["bucket_prefix"] = prefix
            r.after = after
            r.replace = "delete_first"
            r.replace_paths = [["bucket_prefix"]]
            r.reason = "replace_because_cannot_update"
            r.config = {"bucket_prefix": C(prefix), "tags": C(gen.TRAIL_TAGS)}
        if r.type == "aws_cloudtrail":
            r.after = dict(r.before, s3_bucket_name=U)
    new_rules = [lifecycle_rule("expire-logs", days=1)]
    res += stack
    lc = trail_lifecycle(None, new_rules)
    lc.after["bucket"] = U
    res.append(lc)
    return plan(res, "2024-10-02T10:48:20Z")


def deployer_housekeeping(bucket, objects, sid):
    """ci-deployer gains role administration and, on one bucket, s3:PutLifecycleConfiguration,
    s3:DeleteBucket and s3:DeleteObject (on `objects` under it), beside the artifacts bucket."""
    gen = _gen()
    bucket_arn = "arn:aws:s3:::%s" % bucket
    doc = policy(gen.IAM_ROLE_ADMIN_STMT,
                 statement(["s3:PutLifecycleConfiguration", "s3:DeleteBucket"], bucket_arn,
                           sid=sid + "Housekeeping"),
                 statement(["s3:DeleteObject"], bucket_arn + objects, sid=sid + "Cleanup"))
    return [
        gen.ci_deployer_role(inline=[("deployer", gen.ARTIFACTS_POLICY)]),
        gen.role_policy("deployer", "ci-deployer", "deployer", gen.ARTIFACTS_POLICY, SAME,
                        policy_cfg=gen.ARTIFACTS_POLICY_CFG),
        gen.role_policy("housekeeping", "ci-deployer", "housekeeping", None, doc),
        gen.artifacts_bucket(),
    ]


def scoped_lifecycle_grant():
    """ci-deployer gains role administration and s3:PutLifecycleConfiguration,
    s3:DeleteBucket and s3:DeleteObject on the trail's bucket (not on `*`): both duties of a
    forbidden pair. The trail's log group is shortened in the same change."""
    gen = _gen()
    res = deployer_housekeeping(gen.TRAIL_BUCKET, "/AWSLogs/*", "TrailBucket")
    res.append(gen.audit_log_group(365, 30))
    trail = dict(aws.cloudtrail("org-trail", gen.TRAIL_BUCKET, tags=gen.TRAIL_TAGS),
                 cloud_watch_logs_group_arn=aws.log_group_arn(gen.AUDIT_LOG_GROUP) + ":*")
    res += gen.trail_stack(trail_before=trail)
    return plan(res, "2024-10-02T11:20:09Z")


def event_selector_added():
    """An event selector that records only S3 data events is added to the trail, which had
    none: it stops recording management events. ci-deployer gains role administration."""
    gen = _gen()
    trail = aws.cloudtrail("org-trail", gen.TRAIL_BUCKET, tags=gen.TRAIL_TAGS)
    selector = {"data_resource": [{"type": "AWS::S3::Object",
                                   "values": ["arn:aws:s3:::%s/" % gen.ARTIFACTS]}],
                "exclude_management_event_sources": [], "include_management_events": False,
                "read_write_type": "All"}
    cfg = gen.trail_cfg()
    cfg["event_selector"] = [{"data_resource": [{"type": C("AWS::S3::Object"),
                                                 "values": C(["arn:aws:s3:::%s/" % gen.ARTIFACTS])}],
                              "include_management_events": C(False),
                              "read_write_type": C("All")}]
    res = deployer_gains_role_admin() + gen.trail_stack(
        trail_before=trail, trail_after=dict(trail, event_selector=[selector]),
        trail_config=cfg)
    return plan(res, "2024-10-02T11:52:44Z")


def absent_values():
    """The trail's state has no include_global_service_events nor s3_key_prefix (an old
    provider wrote none): setting them to false and to a prefix is a change. ops-admin gets
    AdministratorAccess."""
    gen = _gen()
    trail = aws.cloudtrail("org-trail", gen.TRAIL_BUCKET, tags=gen.TRAIL_TAGS)
    before = dict(trail, include_global_service_events=None, s3_key_prefix=None)
    after = dict(trail, include_global_service_events=False, s3_key_prefix="quiet/")
    cfg = gen.trail_cfg()
    cfg["include_global_service_events"] = C(False)
    cfg["s3_key_prefix"] = C("quiet/")
    res = admin_gain() + gen.trail_stack(trail_before=before, trail_after=after,
                                         trail_config=cfg)
    return plan(res, "2024-10-02T12:30:17Z")


def targeted_plan():
    """`terraform plan -target=aws_s3_bucket_lifecycle_configuration.cloudtrail
    -target=aws_iam_role_policy_attachment.ops_admin`: the trail and its bucket are in the
    state (`prior_state`) and the configuration, not among the changes. The trail's bucket is
    still its store."""
    res = admin_gain()
    stack = _gen().trail_stack()
    for r in stack:
        # NOTE: tfplan leaves a resource without actions out of resource_changes and
        # planned_values, and keeps it in prior_state: as -target does.
        r.read_at_plan = True
    res += stack
    res.append(trail_lifecycle(None, [lifecycle_rule("expire-logs", days=1)]))
    return plan(res, "2024-10-02T12:58:41Z")


# --- scenarios: ordinary work that must pass ---------------------------------------------------
def app_bucket_lifecycle():
    """Build artifacts expire after 30 days: the artifacts bucket is no audit store. The trail
    stack is unchanged beside it."""
    gen = _gen()
    res = [gen.artifacts_bucket()] + gen.trail_stack()
    res.append(trail_lifecycle(None, [lifecycle_rule("expire-artifacts", days=30,
                                                      noncurrent_days=7)],
                               bucket=gen.ARTIFACTS, bucket_ref="aws_s3_bucket.artifacts",
                               tf_name="artifacts"))
    return plan(res, "2024-10-02T13:02:55Z")


def app_key_deleted():
    """An application's KMS key is destroyed; the trail (with its own key) is unchanged."""
    gen = _gen()
    res = trail_with_key()
    tags = {"Service": "orders"}
    res.append(Res("aws_kms_key", "orders", before=kms_key(
        APP_KEY_ID, app_key_policy(), description="Encrypts the orders table", tags=tags),
        after=None, reason="delete_because_no_resource_config"))
    return plan(res, "2024-10-02T13:31:48Z")


def second_trail():
    """A second trail, for S3 data events only, with its own new bucket, bucket policy and a
    one-year lifecycle rule: new evidence, nothing existing weakened."""
    gen = _gen()
    name = "data-events"
    bucket = "acme-data-events-%s" % ACCOUNT
    res = gen.trail_stack()
    bpol = aws.cloudtrail_bucket_policy(bucket, name)
    res.append(Res("aws_s3_bucket", "data_events", before=None,
                   after=aws.s3_bucket(bucket, tags=gen.TRAIL_TAGS, new=True),
                   config={"bucket": C(bucket), "tags": C(gen.TRAIL_TAGS)}))
    res.append(Res("aws_s3_bucket_policy", "data_events", before=None,
                   after=aws.s3_bucket_policy(bucket, bpol, new=True),
                   config={"bucket": R("aws_s3_bucket.data_events.id",
                                       "aws_s3_bucket.data_events"),
                           "policy": E()}))
    res.append(trail_lifecycle(None, [lifecycle_rule("expire-after-a-year", days=365)],
                               bucket=bucket, bucket_ref="aws_s3_bucket.data_events",
                               tf_name="data_events"))
    trail = aws.cloudtrail(name, bucket, organization=False, multi_region=False,
                           tags=gen.TRAIL_TAGS, new=True)
    trail["include_global_service_events"] = False
    trail["event_selector"] = [{"data_resource": [{"type": "AWS::S3::Object",
                                                   "values": ["arn:aws:s3"]}],
                                "exclude_management_event_sources": [],
                                "include_management_events": False,
                                "read_write_type": "All"}]
    res.append(Res("aws_cloudtrail", "data_events", before=None, after=trail,
                   config={"event_selector": [{"data_resource": [{
                               "type": C("AWS::S3::Object"), "values": C(["arn:aws:s3"])}],
                               "include_management_events": C(False)}],
                           "include_global_service_events": C(False), "name": C(name),
                           "s3_bucket_name": R("aws_s3_bucket.data_events.id",
                                               "aws_s3_bucket.data_events"),
                           "tags": C(gen.TRAIL_TAGS)},
                   depends_on=["aws_s3_bucket_policy.data_events"]))
    return plan(res, "2024-10-02T14:05:26Z")


def store_retention_lengthened():
    """The trail bucket's logs are kept longer: 365 → 730 days, old versions 30 → 90."""
    res = _gen().trail_stack()
    res.append(trail_lifecycle(
        [lifecycle_rule("expire-logs", days=365, noncurrent_days=30)],
        [lifecycle_rule("expire-logs", days=730, noncurrent_days=90)]))
    return plan(res, "2024-10-02T14:40:02Z")


def app_bucket_grant():
    """ci-deployer gains role administration and s3:PutLifecycleConfiguration on the
    artifacts bucket, which no audit source writes to: no forbidden pair."""
    gen = _gen()
    res = deployer_housekeeping(gen.ARTIFACTS, "/*", "Artifacts") + gen.trail_stack()
    return plan(res, "2024-10-02T15:12:37Z")


SCENARIOS.update({
    AREA + "trail-bucket-expiry-with-admin.json": trail_bucket_expiry_with_admin,
    AREA + "trail-bucket-expiry-alone.json": trail_bucket_expiry_alone,
    AREA + "trail-bucket-policy-drops-cloudtrail.json": trail_bucket_policy_drops_cloudtrail,
    AREA + "trail-key-deleted.json": trail_key_deleted,
    AREA + "trail-key-disabled.json": trail_key_disabled,
    AREA + "store-by-reference.json": store_by_reference,
    AREA + "scoped-lifecycle-grant.json": scoped_lifecycle_grant,
    AREA + "event-selector-added.json": event_selector_added,
    AREA + "absent-values.json": absent_values,
    AREA + "targeted-plan.json": targeted_plan,
    AREA + "precision-app-bucket-lifecycle.json": app_bucket_lifecycle,
    AREA + "precision-app-key-deleted.json": app_key_deleted,
    AREA + "precision-second-trail.json": second_trail,
    AREA + "precision-store-retention-lengthened.json": store_retention_lengthened,
    AREA + "precision-app-bucket-grant.json": app_bucket_grant,
})


# --- Config and flow logs: stores named by a delivery channel and by an ARN ----------------------
CONFIG_BUCKET = "acme-config-history-%s" % ACCOUNT
FLOW_BUCKET = "acme-vpc-flow-logs-%s" % ACCOUNT
VPC_ID = "vpc-0a1b2c3d4e5f60718"
FLOW_LOG_ID = "fl-0f1e2d3c4b5a69788"


def config_delivery_channel(bucket):
    return {"id": "default", "name": "default", "s3_bucket_name": bucket,
            "s3_key_prefix": "", "s3_kms_key_arn": "", "sns_topic_arn": "",
            "snapshot_delivery_properties": [{"delivery_frequency": "TwentyFour_Hours"}]}


def flow_log(destination):
    arn = "arn:aws:ec2:%s:%s:vpc-flow-log/%s" % (REGION, ACCOUNT, FLOW_LOG_ID)
    return {"arn": arn, "deliver_cross_account_role": "",
            "destination_options": [{"file_format": "parquet",
                                     "hive_compatible_partitions": False,
                                     "per_hour_partition": True}],
            "eni_id": None, "iam_role_arn": "", "id": FLOW_LOG_ID,
            "log_destination": destination, "log_destination_type": "s3",
            "log_format": "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} "
                          "${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} "
                          "${end} ${action} ${log-status}",
            "log_group_name": "", "max_aggregation_interval": 600, "subnet_id": None,
            "tags": {"Purpose": "audit"}, "tags_all": aws.tags_all({"Purpose": "audit"}),
            "traffic_type": "ALL", "transit_gateway_attachment_id": None,
            "transit_gateway_id": None, "vpc_id": VPC_ID}


def public_access_block(bucket):
    return {"block_public_acls": True, "block_public_policy": True, "bucket": bucket,
            "id": bucket, "ignore_public_acls": True, "restrict_public_buckets": True}


def replication_configuration(bucket, destination_bucket):
    return {"bucket": bucket, "id": bucket,
            "role": "arn:aws:iam::%s:role/s3-replication" % ACCOUNT,
            "rule": [{"delete_marker_replication": [{"status": "Disabled"}],
                      "destination": [{"access_control_translation": [], "account": "",
                                       "bucket": "arn:aws:s3:::" + destination_bucket,
                                       "encryption_configuration": [], "metrics": [],
                                       "replication_time": [],
                                       "storage_class": "GLACIER_IR"}],
                      "existing_object_replication": [],
                      "filter": [{"and": [], "prefix": "", "tag": []}], "id": "to-vault",
                      "prefix": "", "priority": 1, "source_selection_criteria": [],
                      "status": "Enabled"}],
            "token": None}


def config_and_flow_log_stores():
    """Config's delivery channel writes to its bucket, whose replication to a vault account is
    removed; the VPC flow log writes to its bucket by ARN (with a folder), whose public access
    block is loosened. ops-admin gets AdministratorAccess."""
    vault = "acme-log-vault-444455556666"
    res = admin_gain()
    res.append(Res("aws_config_delivery_channel", "default",
                   before=config_delivery_channel(CONFIG_BUCKET), after=SAME,
                   config={"name": C("default"),
                           "s3_bucket_name": R("aws_s3_bucket.config.id", "aws_s3_bucket.config")}))
    res.append(Res("aws_s3_bucket", "config",
                   before=aws.s3_bucket(CONFIG_BUCKET, tags={"Purpose": "audit"}), after=SAME,
                   config={"bucket": C(CONFIG_BUCKET), "tags": C({"Purpose": "audit"})}))
    res.append(Res("aws_s3_bucket_replication_configuration", "config",
                   before=replication_configuration(CONFIG_BUCKET, vault), after=None,
                   reason="delete_because_no_resource_config"))
    res.append(Res("aws_flow_log", "vpc",
                   before=flow_log("arn:aws:s3:::%s/vpc/" % FLOW_BUCKET), after=SAME,
                   config={"log_destination": C("arn:aws:s3:::%s/vpc/" % FLOW_BUCKET),
                           "log_destination_type": C("s3"), "traffic_type": C("ALL"),
                           "vpc_id": C(VPC_ID)}))
    before = public_access_block(FLOW_BUCKET)
    res.append(Res("aws_s3_bucket_public_access_block", "flow_logs", before=before,
                   after=dict(before, block_public_policy=False, restrict_public_buckets=False),
                   config={"block_public_acls": C(True), "block_public_policy": C(False),
                           "bucket": C(FLOW_BUCKET), "ignore_public_acls": C(True),
                           "restrict_public_buckets": C(False)}))
    return plan(res, "2024-10-02T15:44:10Z")


SCENARIOS.update({
    AREA + "config-and-flow-log-stores.json": config_and_flow_log_stores,
})


def scoped_key_and_log_group_grants():
    """ci-deployer gains role administration and, scoped to the trail's own key and log group
    (not to `*`), kms:ScheduleKeyDeletion, kms:DisableKey and logs:DeleteLogGroup: audit
    powers on stores, so both duties of a forbidden pair. Nothing is weakened."""
    gen = _gen()
    group_arn = aws.log_group_arn(gen.AUDIT_LOG_GROUP) + ":*"
    doc = policy(gen.IAM_ROLE_ADMIN_STMT,
                 statement(["kms:ScheduleKeyDeletion", "kms:DisableKey"], key_arn(KEY_ID),
                           sid="TrailKeyHousekeeping"),
                 statement(["logs:DeleteLogGroup"], group_arn, sid="TrailLogGroupHousekeeping"))
    res = [
        gen.ci_deployer_role(inline=[("deployer", gen.ARTIFACTS_POLICY)]),
        gen.role_policy("deployer", "ci-deployer", "deployer", gen.ARTIFACTS_POLICY, SAME,
                        policy_cfg=gen.ARTIFACTS_POLICY_CFG),
        gen.role_policy("housekeeping", "ci-deployer", "housekeeping", None, doc),
        gen.artifacts_bucket(),
        gen.audit_log_group(365),
    ]
    stack = trail_with_key()
    for r in stack:
        if r.type == "aws_cloudtrail":
            r.before = dict(r.before, cloud_watch_logs_group_arn=group_arn)
            r.after = r.before
    res += stack
    return plan(res, "2024-10-02T16:10:51Z")


SCENARIOS.update({
    AREA + "scoped-key-and-log-group-grants.json": scoped_key_and_log_group_grants,
})


# --- versioning: a store's, and an application's ----------------------------------------------
def _versioning(tf_name, bucket, bucket_ref, status_after):
    before = aws.s3_bucket_versioning(bucket)
    after = aws.s3_bucket_versioning(bucket, status=status_after)
    return Res("aws_s3_bucket_versioning", tf_name, before=before, after=after,
               config={"bucket": R(bucket_ref + ".id", bucket_ref),
                       "versioning_configuration": [{"status": C(status_after)}]})


def trail_bucket_versioning_suspended():
    """Versioning of the trail's bucket is suspended while ops-admin gets AdministratorAccess:
    overwritten logs would be lost."""
    gen = _gen()
    res = admin_gain() + gen.trail_stack()
    res.append(_versioning("cloudtrail", gen.TRAIL_BUCKET, "aws_s3_bucket.cloudtrail",
                           "Suspended"))
    return plan(res, "2024-10-02T16:04:12Z")


def app_bucket_versioning_suspended():
    """Versioning of the build-artifacts bucket is suspended while ci-deployer gains role
    administration: the artifacts bucket is no audit store, so nothing is weakened and
    privilege-and-evidence has nothing to pair the gain with."""
    gen = _gen()
    res = deployer_gains_role_admin() + gen.trail_stack()
    res.append(_versioning("artifacts", gen.ARTIFACTS, "aws_s3_bucket.artifacts", "Suspended"))
    return plan(res, "2024-10-02T16:18:37Z")


SCENARIOS.update({
    "providers/aws/evidence-stores/trail-bucket-versioning-suspended.json":
        trail_bucket_versioning_suspended,
    "providers/aws/evidence-stores/precision-app-bucket-versioning-suspended.json":
        app_bucket_versioning_suspended,
})
