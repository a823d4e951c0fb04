"""Full attribute maps for the AWS resource types the fixtures use, shaped like the
hashicorp/aws provider 5.6x schemas (the provider current with Terraform 1.9.5).

Each factory returns the state of an existing object (`new=False`, everything known, as the
provider's Read leaves it) or the planned value of a new one (`new=True`: attributes the
provider computes are Unknown, so they are absent from `after` and `true` in `after_unknown`).
"""

import json
import zlib

from tfplan import (ACCOUNT, REGION, U, UL, aws_unique_id, hexid, jsonencode,
                    policy_document_json, rfc3339, tf_unique_id)

DEFAULT_TAGS = {"ManagedBy": "terraform", "Repository": "acme/platform-infra"}
S3_HOSTED_ZONE = "Z1BKCTXD74EZPE"  # S3 website/alias hosted zone of eu-west-1
CANONICAL_OWNER = hexid("canonical-owner", 64)

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
IAM_FULL = "arn:aws:iam::aws:policy/IAMFullAccess"
POWER_USER = "arn:aws:iam::aws:policy/PowerUserAccess"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
LAMBDA_BASIC = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


def tags_all(tags, default_tags=None):
    t = dict(DEFAULT_TAGS if default_tags is None else default_tags)
    t.update(tags or {})
    return t


def role_arn(name):
    return "arn:aws:iam::%s:role/%s" % (ACCOUNT, name)


def user_arn(name):
    return "arn:aws:iam::%s:user/%s" % (ACCOUNT, name)


def trust(principal, action="sts:AssumeRole", condition=None):
    st = {"Action": action, "Effect": "Allow", "Principal": principal}
    if condition:
        st["Condition"] = condition
    return jsonencode({"Version": "2012-10-17", "Statement": [st]})


def trust_service(service):
    return trust({"Service": service})


GITHUB_OIDC = "arn:aws:iam::%s:oidc-provider/token.actions.githubusercontent.com" % ACCOUNT


def trust_github(repo="acme/platform-infra"):
    return trust({"Federated": GITHUB_OIDC}, "sts:AssumeRoleWithWebIdentity", {
        "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
        "StringLike": {"token.actions.githubusercontent.com:sub": "repo:%s:*" % repo}})


# --- IAM ---------------------------------------------------------------------------------
def iam_role(name, assume_role_policy, *, inline=(), managed=(), description="", tags=None,
             new=False, max_session_duration=3600):
    if new:
        return {
            "arn": U, "assume_role_policy": assume_role_policy, "create_date": U,
            "description": description or None, "force_detach_policies": False, "id": U,
            "inline_policy": UL, "managed_policy_arns": UL,
            "max_session_duration": max_session_duration, "name": name, "name_prefix": U,
            "path": "/", "permissions_boundary": None, "tags": tags,
            "tags_all": tags_all(tags), "unique_id": U,
        }
    return {
        "arn": role_arn(name), "assume_role_policy": assume_role_policy,
        "create_date": rfc3339("role:" + name), "description": description,
        "force_detach_policies": False, "id": name,
        "inline_policy": [{"name": n, "policy": p} for n, p in sorted(inline)],
        "managed_policy_arns": sorted(managed), "max_session_duration": max_session_duration,
        "name": name, "name_prefix": "", "path": "/", "permissions_boundary": "",
        "tags": tags, "tags_all": tags_all(tags), "unique_id": aws_unique_id("AROA", name),
    }


def iam_role_policy(role, name, policy_doc, *, new=False):
    if new:
        return {"id": U, "name": name, "name_prefix": U, "policy": policy_doc, "role": role}
    return {"id": "%s:%s" % (role, name), "name": name, "name_prefix": "",
            "policy": policy_doc, "role": role}


def iam_user_policy(user, name, policy_doc, *, new=False):
    if new:
        return {"id": U, "name": name, "name_prefix": U, "policy": policy_doc, "user": user}
    return {"id": "%s:%s" % (user, name), "name": name, "name_prefix": "",
            "policy": policy_doc, "user": user}


def iam_group_policy(group, name, policy_doc, *, new=False):
    if new:
        return {"group": group, "id": U, "name": name, "name_prefix": U, "policy": policy_doc}
    return {"group": group, "id": "%s:%s" % (group, name), "name": name, "name_prefix": "",
            "policy": policy_doc}


def iam_role_policy_attachment(role, policy_arn, *, new=False):
    if new:
        return {"id": U, "policy_arn": policy_arn, "role": role}
    return {"id": "%s-%s" % (role, tf_unique_id(role + policy_arn)), "policy_arn": policy_arn,
            "role": role}


def iam_user_policy_attachment(user, policy_arn, *, new=False):
    if new:
        return {"id": U, "policy_arn": policy_arn, "user": user}
    return {"id": "%s-%s" % (user, tf_unique_id(user + policy_arn)), "policy_arn": policy_arn,
            "user": user}


def iam_group_policy_attachment(group, policy_arn, *, new=False):
    if new:
        return {"group": group, "id": U, "policy_arn": policy_arn}
    return {"group": group, "id": "%s-%s" % (group, tf_unique_id(group + policy_arn)),
            "policy_arn": policy_arn}


def iam_user(name, *, tags=None, new=False):
    if new:
        return {"arn": U, "force_destroy": False, "id": U, "name": name, "path": "/",
                "permissions_boundary": None, "tags": tags, "tags_all": tags_all(tags),
                "unique_id": U}
    return {"arn": user_arn(name), "force_destroy": False, "id": name, "name": name,
            "path": "/", "permissions_boundary": "", "tags": tags, "tags_all": tags_all(tags),
            "unique_id": aws_unique_id("AIDA", name)}


def iam_group(name):
    return {"arn": "arn:aws:iam::%s:group/%s" % (ACCOUNT, name), "id": name, "name": name,
            "path": "/", "unique_id": aws_unique_id("AGPA", name)}


def iam_group_membership(name, group, users):
    return {"group": group, "id": name, "name": name, "users": sorted(users)}


def iam_access_key(user):
    """A new access key (only creation is used). `secret` and `ses_smtp_password_v4` are
    sensitive in the provider schema."""
    return {"create_date": U, "encrypted_secret": U, "encrypted_ses_smtp_password_v4": U,
            "id": U, "key_fingerprint": U, "pgp_key": None, "secret": U,
            "ses_smtp_password_v4": U, "status": "Active", "user": user}


def iam_policy(name, policy_doc, *, description="", tags=None, new=False, attachments=1):
    arn = "arn:aws:iam::%s:policy/%s" % (ACCOUNT, name)
    if new:
        return {"arn": U, "attachment_count": U, "description": description or None, "id": U,
                "name": name, "name_prefix": U, "path": "/", "policy": policy_doc,
                "policy_id": U, "tags": tags, "tags_all": tags_all(tags)}
    return {"arn": arn, "attachment_count": attachments, "description": description,
            "id": arn, "name": name, "name_prefix": "", "path": "/", "policy": policy_doc,
            "policy_id": aws_unique_id("ANPA", name), "tags": tags,
            "tags_all": tags_all(tags)}


# --- CloudTrail, CloudWatch Logs -----------------------------------------------------------
def trail_arn(name):
    return "arn:aws:cloudtrail:%s:%s:trail/%s" % (REGION, ACCOUNT, name)


def cloudtrail(name, bucket, *, enable_logging=True, organization=True, multi_region=True,
               log_file_validation=True, s3_key_prefix=None, tags=None, new=False):
    if new:
        return {
            "advanced_event_selector": [], "arn": U, "cloud_watch_logs_group_arn": None,
            "cloud_watch_logs_role_arn": None,
            "enable_log_file_validation": log_file_validation,
            "enable_logging": enable_logging, "event_selector": [], "home_region": U, "id": U,
            "include_global_service_events": True, "insight_selector": [],
            "is_multi_region_trail": multi_region, "is_organization_trail": organization,
            "kms_key_id": None, "name": name, "s3_bucket_name": bucket,
            "s3_key_prefix": s3_key_prefix, "sns_topic_arn": U, "sns_topic_name": None,
            "tags": tags, "tags_all": tags_all(tags),
        }
    return {
        "advanced_event_selector": [], "arn": trail_arn(name), "cloud_watch_logs_group_arn": "",
        "cloud_watch_logs_role_arn": "", "enable_log_file_validation": log_file_validation,
        "enable_logging": enable_logging, "event_selector": [], "home_region": REGION,
        "id": trail_arn(name), "include_global_service_events": True, "insight_selector": [],
        "is_multi_region_trail": multi_region, "is_organization_trail": organization,
        "kms_key_id": "", "name": name, "s3_bucket_name": bucket,
        "s3_key_prefix": s3_key_prefix or "", "sns_topic_arn": "", "sns_topic_name": "",
        "tags": tags, "tags_all": tags_all(tags),
    }


def log_group_arn(name):
    return "arn:aws:logs:%s:%s:log-group:%s" % (REGION, ACCOUNT, name)


def log_group(name, retention, *, tags=None, new=False):
    if new:
        return {"arn": U, "id": U, "kms_key_id": None, "log_group_class": U, "name": name,
                "name_prefix": U, "retention_in_days": retention, "skip_destroy": False,
                "tags": tags, "tags_all": tags_all(tags)}
    return {"arn": log_group_arn(name), "id": name, "kms_key_id": "",
            "log_group_class": "STANDARD", "name": name, "name_prefix": "",
            "retention_in_days": retention, "skip_destroy": False, "tags": tags,
            "tags_all": tags_all(tags)}


# --- S3 ------------------------------------------------------------------------------------
def s3_bucket(name, *, tags=None, new=False, force_destroy=False, logging=None, policy_doc="",
              versioning=False):
    if new:
        return {
            "acceleration_status": U, "acl": U, "arn": U, "bucket": name,
            "bucket_domain_name": U, "bucket_prefix": U, "bucket_regional_domain_name": U,
            "cors_rule": UL, "force_destroy": force_destroy, "grant": UL, "hosted_zone_id": U,
            "id": U, "lifecycle_rule": UL, "logging": UL, "object_lock_configuration": UL,
            "object_lock_enabled": U, "policy": U, "region": U,
            "replication_configuration": UL, "request_payer": U,
            "server_side_encryption_configuration": UL, "tags": tags,
            "tags_all": tags_all(tags), "timeouts": None, "versioning": UL, "website": UL,
            "website_domain": U, "website_endpoint": U,
        }
    return {
        "acceleration_status": "", "acl": None, "arn": "arn:aws:s3:::" + name, "bucket": name,
        "bucket_domain_name": name + ".s3.amazonaws.com", "bucket_prefix": "",
        "bucket_regional_domain_name": "%s.s3.%s.amazonaws.com" % (name, REGION),
        "cors_rule": [], "force_destroy": force_destroy,
        "grant": [{"id": CANONICAL_OWNER, "permissions": ["FULL_CONTROL"],
                   "type": "CanonicalUser", "uri": ""}],
        "hosted_zone_id": S3_HOSTED_ZONE, "id": name, "lifecycle_rule": [],
        "logging": [logging] if logging else [], "object_lock_configuration": [],
        "object_lock_enabled": False, "policy": policy_doc, "region": REGION,
        "replication_configuration": [], "request_payer": "BucketOwner",
        "server_side_encryption_configuration": [{"rule": [{
            "apply_server_side_encryption_by_default": [
                {"kms_master_key_id": "", "sse_algorithm": "AES256"}],
            "bucket_key_enabled": False}]}],
        "tags": tags, "tags_all": tags_all(tags), "timeouts": None,
        "versioning": [{"enabled": versioning, "mfa_delete": False}], "website": [],
        "website_domain": None, "website_endpoint": None,
    }


def s3_bucket_policy(bucket, policy_doc, *, new=False):
    return {"bucket": bucket, "id": U if new else bucket, "policy": policy_doc}


def s3_bucket_logging(bucket, target_bucket, target_prefix):
    return {"bucket": bucket, "expected_bucket_owner": "", "id": bucket,
            "target_bucket": target_bucket, "target_grant": [], "target_object_key_format": [],
            "target_prefix": target_prefix}


def s3_bucket_versioning(bucket, status="Enabled"):
    return {"bucket": bucket, "expected_bucket_owner": "", "id": bucket, "mfa": None,
            "versioning_configuration": [{"mfa_delete": "", "status": status}]}


def cloudtrail_bucket_policy(bucket, trail_name):
    arn = "arn:aws:s3:::" + bucket
    src = {"StringEquals": {"aws:SourceArn": trail_arn(trail_name)}}
    return jsonencode({"Version": "2012-10-17", "Statement": [
        {"Sid": "AWSCloudTrailAclCheck", "Effect": "Allow",
         "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:GetBucketAcl",
         "Resource": arn, "Condition": src},
        {"Sid": "AWSCloudTrailWrite", "Effect": "Allow",
         "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject",
         "Resource": "%s/AWSLogs/*" % arn,
         "Condition": {"StringEquals": {"aws:SourceArn": trail_arn(trail_name),
                                        "s3:x-amz-acl": "bucket-owner-full-control"}}},
    ]})


# --- Lambda, DynamoDB, Secrets Manager, STS --------------------------------------------------
def lambda_function_new(name, *, handler, runtime, s3_bucket, s3_key, env=None, memory=256,
                        timeout=10, tags=None, architectures=("arm64",)):
    return {
        "architectures": list(architectures), "arn": U, "code_signing_config_arn": None,
        "dead_letter_config": [], "description": None,
        "environment": [{"variables": env}] if env else [], "ephemeral_storage": UL,
        "file_system_config": [], "filename": None, "function_name": name,
        "handler": handler, "id": U, "image_config": [], "image_uri": None, "invoke_arn": U,
        "kms_key_arn": None, "last_modified": U, "layers": None, "logging_config": UL,
        "memory_size": memory, "package_type": "Zip", "publish": False, "qualified_arn": U,
        "qualified_invoke_arn": U, "replace_security_groups_on_destroy": None,
        "replacement_security_group_ids": None, "reserved_concurrent_executions": -1,
        "role": U, "runtime": runtime, "s3_bucket": s3_bucket, "s3_key": s3_key,
        "s3_object_version": None, "signing_job_arn": U, "signing_profile_version_arn": U,
        "skip_destroy": False, "snap_start": [], "source_code_hash": U,
        "source_code_size": U, "tags": tags, "tags_all": tags_all(tags), "timeout": timeout,
        "timeouts": None, "tracing_config": UL, "version": U, "vpc_config": [],
    }


def dynamodb_table(name, hash_key, *, tags=None):
    return {
        "arn": "arn:aws:dynamodb:%s:%s:table/%s" % (REGION, ACCOUNT, name),
        "attribute": [{"name": hash_key, "type": "S"}], "billing_mode": "PAY_PER_REQUEST",
        "deletion_protection_enabled": True, "global_secondary_index": [],
        "hash_key": hash_key, "id": name, "import_table": [], "local_secondary_index": [],
        "name": name, "point_in_time_recovery": [{"enabled": True}], "range_key": None,
        "read_capacity": 0, "replica": [], "restore_date_time": None,
        "restore_source_name": None, "restore_source_table_arn": None,
        "restore_to_latest_time": None, "server_side_encryption": [],
        "stream_arn": "", "stream_enabled": False, "stream_label": "", "stream_view_type": "",
        "table_class": "STANDARD", "tags": tags, "tags_all": tags_all(tags),
        "timeouts": None, "ttl": [{"attribute_name": "", "enabled": False}],
        "write_capacity": 0,
    }


def secretsmanager_secret(name, *, tags=None):
    arn = "arn:aws:secretsmanager:%s:%s:secret:%s-%s" % (REGION, ACCOUNT, name,
                                                          hexid("secret:" + name, 6))
    return {"arn": arn, "description": "", "force_overwrite_replica_secret": False,
            "id": arn, "kms_key_id": "", "name": name, "name_prefix": "", "policy": "",
            "recovery_window_in_days": 30, "replica": [], "tags": tags,
            "tags_all": tags_all(tags)}


def secretsmanager_secret_version_new(secret_id, secret_string):
    return {"arn": U, "id": U, "secret_binary": None, "secret_id": secret_id,
            "secret_string": secret_string, "version_id": U, "version_stages": UL}


def caller_identity(role_name, session):
    return {"account_id": ACCOUNT,
            "arn": "arn:aws:sts::%s:assumed-role/%s/%s" % (ACCOUNT, role_name, session),
            "id": ACCOUNT, "user_id": "%s:%s" % (aws_unique_id("AROA", role_name), session)}


def region_data():
    return {"description": "Europe (Ireland)", "endpoint": "ec2.%s.amazonaws.com" % REGION,
            "id": REGION, "name": REGION}


def policy_document_data(statements, *, json_doc=None):
    """data.aws_iam_policy_document; `statements` are dicts of the block's attributes."""
    full = []
    for s in statements:
        full.append({"actions": s.get("actions"), "condition": s.get("condition", []),
                     "effect": s.get("effect", "Allow"), "not_actions": s.get("not_actions"),
                     "not_principals": s.get("not_principals", []),
                     "not_resources": s.get("not_resources"),
                     "principals": s.get("principals", []),
                     "resources": s.get("resources"), "sid": s.get("sid")})
    v = {"id": U, "json": U, "minified_json": U, "override_policy_documents": None,
         "policy_id": None, "source_policy_documents": None, "statement": full,
         "version": None}
    if json_doc is not None:
        v["json"] = json_doc
    return v


def policy_document_state(blocks, statements):
    """data.aws_iam_policy_document read while planning (all known). `blocks` are the
    statement blocks' attributes, `statements` the same as IAM statements for the JSON.
    The provider sets id to the CRC-32 (schema.HashString) of the JSON."""
    doc = policy_document_json(statements)
    minified = json.dumps(json.loads(doc), separators=(",", ":"))
    full = []
    for s in blocks:
        full.append({"actions": s.get("actions", []), "condition": s.get("condition", []),
                     "effect": s.get("effect", "Allow"), "not_actions": s.get("not_actions", []),
                     "not_principals": s.get("not_principals", []),
                     "not_resources": s.get("not_resources", []),
                     "principals": s.get("principals", []),
                     "resources": s.get("resources", []), "sid": s.get("sid", "")})
    return {"id": str(zlib.crc32(doc.encode("utf-8"))), "json": doc, "minified_json": minified,
            "override_policy_documents": None, "policy_id": None,
            "source_policy_documents": None, "statement": full, "version": None}
