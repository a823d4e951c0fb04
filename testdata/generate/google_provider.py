"""Scenarios of testdata/providers/gcp/ (issue 11): Google Cloud (hashicorp/google, google-beta). Registered in gen.py by one line.

Shared helpers of gen.py are imported inside the functions that use them (`gen = _gen()`):
gen.py imports this module, so a top-level import would be circular. Attribute sets follow the
provider's own resource schema (hashicorp/terraform-provider-google 6.x, the `website/docs/r`
pages of each type and `terraform providers schema -json`): IAM resources hold `member` or
`members`, `role`, `condition` blocks (`description`, `expression`, `title`), `etag` and `id`
(known after apply); `*_iam_policy` holds `policy_data` (the JSON of `data.google_iam_policy`:
`{"bindings":[{"members":[...],"role":...}]}`, compact, keys sorted).

Project `acme-prod` (number 123456789012), organization 111111111111, folder 222222222222.
"""

from tfplan import SAME, U, UL, C, R, Plan, Res, jsonencode

GOOGLE = "registry.terraform.io/hashicorp/google"
PROJECT = "acme-prod"
ORG = "111111111111"
FOLDER = "folders/222222222222"
SA_DOMAIN = "%s.iam.gserviceaccount.com" % PROJECT


def _gen():
    import gen
    return gen


def sa_email(account_id):
    return "%s@%s" % (account_id, SA_DOMAIN)


def provider(impersonate=None):
    exprs = {"project": C(PROJECT), "region": C("europe-west1")}
    if impersonate:
        exprs["impersonate_service_account"] = C(impersonate)
    return {"google": {"name": "google", "full_name": GOOGLE, "version_constraint": "~> 6.0",
                       "expressions": exprs}}


def _ref(addr, attr):
    return R(addr + "." + attr, addr)


def G(type_, name, **kw):
    """A resource of the google provider."""
    kw.setdefault("provider", GOOGLE)
    return Res(type_, name, **kw)


# --- attribute sets ------------------------------------------------------------------------
def service_account(account_id, *, new=False, display_name=None):
    email = sa_email(account_id)
    name = "projects/%s/serviceAccounts/%s" % (PROJECT, email)
    known = {"account_id": account_id, "create_ignore_already_exists": None,
             "description": "", "disabled": False,
             "display_name": display_name or account_id, "project": PROJECT, "timeouts": None}
    if new:
        return dict(known, email=U, id=U, member=U, name=U, unique_id=U)
    return dict(known, email=email, id=name, member="serviceAccount:" + email, name=name,
                unique_id=str(100000000000000000000 + sum(map(ord, account_id))))


def sa_res(account_id, tf_name=None, *, new=False):
    tf_name = tf_name or account_id.replace("-", "_")
    before = None if new else service_account(account_id)
    after = service_account(account_id, new=True) if new else SAME
    return G("google_service_account", tf_name, before=before, after=after,
             config={"account_id": C(account_id), "display_name": C(account_id)})


def condition_block(title, expression, description=""):
    return [{"description": description, "expression": expression, "title": title}]


def iam_member(level_attr, level_value, role, member, *, new=False, condition=None):
    v = {level_attr: level_value, "condition": condition or [], "member": member, "role": role}
    if new:
        return dict(v, etag=U, id=U)
    ident = "%s/%s/%s" % (level_value, role, member)
    return dict(v, etag="BwYf3x2Q1oE=", id=ident)


def iam_binding(level_attr, level_value, role, members, *, new=False, condition=None):
    v = {level_attr: level_value, "condition": condition or [], "members": sorted(members),
         "role": role}
    if new:
        return dict(v, etag=U, id=U)
    return dict(v, etag="BwYf3x2Q1oE=", id="%s/%s" % (level_value, role))


def policy_data(bindings):
    """`data.google_iam_policy`'s policy_data: bindings sorted by role, members sorted."""
    out = []
    for role, members, *cond in sorted(bindings, key=lambda b: b[0]):
        b = {"members": sorted(members), "role": role}
        if cond:
            b["condition"] = cond[0]
        out.append(b)
    return jsonencode({"bindings": out})


def iam_policy(level_attr, level_value, data, *, new=False):
    v = {level_attr: level_value, "policy_data": data}
    if new:
        return dict(v, etag=U, id=U)
    return dict(v, etag="BwYf3x2Q1oE=", id=level_value)


def member_res(tf_name, role, member, *, level=("project", PROJECT), kind="project",
               new=True, gone=False, condition=None, member_cfg=None, role_cfg=None, **kw):
    """A `google_<kind>_iam_member`: new, unchanged, or deleted (`gone`)."""
    attr, value = level
    type_ = "google_%s_iam_member" % kind
    cfg = {attr: C(value), "member": member_cfg or C(member), "role": role_cfg or C(role)}
    if condition:
        cfg["condition"] = [{k: C(v) for k, v in condition[0].items()}]
    if gone:
        return G(type_, tf_name, before=iam_member(attr, value, role, member,
                                                   condition=condition),
                 after=None, config=None, reason="delete_because_no_resource_config", **kw)
    if new:
        after = iam_member(attr, value, role, member, new=True, condition=condition)
        if member is U:
            after["member"] = U
        if role is U:
            after["role"] = U
        return G(type_, tf_name, before=None, after=after, config=cfg, **kw)
    return G(type_, tf_name, before=iam_member(attr, value, role, member, condition=condition),
             after=SAME, config=cfg, **kw)


def project_sink(name, destination, *, disabled=False, filter_="", exclusions=()):
    return {"bigquery_options": [], "custom_writer_identity": None, "description": "",
            "destination": destination, "disabled": disabled, "exclusions": list(exclusions),
            "filter": filter_, "id": "projects/%s/sinks/%s" % (PROJECT, name), "name": name,
            "project": PROJECT, "unique_writer_identity": True,
            "writer_identity": "serviceAccount:service-123456789012@gcp-sa-logging.iam.gserviceaccount.com"}


AUDIT_FILTER = 'logName:"cloudaudit.googleapis.com"'
AUDIT_DEST = "storage.googleapis.com/acme-audit-logs"


def audit_sink(*, disabled_after=False, gone=False):
    before = project_sink("audit-to-gcs", AUDIT_DEST, filter_=AUDIT_FILTER)
    cfg = {"destination": C(AUDIT_DEST), "filter": C(AUDIT_FILTER), "name": C("audit-to-gcs"),
           "unique_writer_identity": C(True)}
    if gone:
        return G("google_logging_project_sink", "audit", before=before, after=None,
                 config=None, reason="delete_because_no_resource_config")
    after = SAME if not disabled_after else dict(before, disabled=True)
    if disabled_after:
        cfg["disabled"] = C(True)
    return G("google_logging_project_sink", "audit", before=before, after=after, config=cfg)


def log_bucket(bucket_id, retention, *, new=False, locked=False):
    v = {"bucket_id": bucket_id, "cmek_settings": [], "description": "", "enable_analytics": False,
         "index_configs": [], "location": "global", "locked": locked,
         "project": PROJECT, "retention_days": retention}
    if new:
        return dict(v, id=U, lifecycle_state=U, name=U)
    name = "projects/%s/locations/global/buckets/%s" % (PROJECT, bucket_id)
    return dict(v, id=name, lifecycle_state="ACTIVE", name=name)


def log_bucket_res(tf_name, bucket_id, before_retention, after_retention, *, new=False):
    cfg = {"bucket_id": C(bucket_id), "location": C("global"), "project": C(PROJECT),
           "retention_days": C(after_retention)}
    if new:
        return G("google_logging_project_bucket_config", tf_name, before=None,
                 after=log_bucket(bucket_id, after_retention, new=True), config=cfg)
    before = log_bucket(bucket_id, before_retention)
    return G("google_logging_project_bucket_config", tf_name, before=before,
             after=dict(before, retention_days=after_retention), config=cfg)


def storage_bucket(name, *, new=False):
    v = {"autoclass": [], "cors": [], "custom_placement_config": [], "default_event_based_hold": None,
         "enable_object_retention": None, "encryption": [], "force_destroy": False,
         "hierarchical_namespace": [], "labels": None, "lifecycle_rule": [], "location": "EU",
         "logging": [], "name": name, "project": PROJECT, "requester_pays": None,
         "retention_policy": [], "soft_delete_policy": [{"effective_time": None,
                                                          "retention_duration_seconds": 604800}],
         "storage_class": "STANDARD", "timeouts": None, "uniform_bucket_level_access": True,
         "versioning": [], "website": []}
    if new:
        v["soft_delete_policy"] = UL
        return dict(v, effective_labels=U, id=U, project_number=U, public_access_prevention=U,
                    rpo=U, self_link=U, terraform_labels=U, url=U)
    return dict(v, effective_labels={"goog-terraform-provisioned": "true"}, id=name,
                project_number=123456789012, public_access_prevention="enforced",
                rpo=None, self_link="https://www.googleapis.com/storage/v1/b/" + name,
                terraform_labels={"goog-terraform-provisioned": "true"},
                url="gs://" + name)


def sa_key(service_account_id):
    return {"id": U, "keepers": None, "key_algorithm": "KEY_ALG_RSA_2048", "name": U,
            "private_key": U, "private_key_type": "TYPE_GOOGLE_CREDENTIALS_FILE",
            "public_key": U, "public_key_data": None, "public_key_type": "TYPE_X509_PEM_FILE",
            "service_account_id": service_account_id, "valid_after": U, "valid_before": U}


def key_res(tf_name, account_id, account_tf):
    email = sa_email(account_id)
    after = sa_key("projects/%s/serviceAccounts/%s" % (PROJECT, email))
    return G("google_service_account_key", tf_name, before=None, after=after,
             config={"service_account_id": _ref("google_service_account." + account_tf, "name")},
             sensitive=["private_key"])


def plan(res, ts, **kw):
    kw.setdefault("provider_config", provider())
    return Plan(res, timestamp=ts, **kw)


def sa_member(account_id):
    return "serviceAccount:" + sa_email(account_id)


# --- scenarios -----------------------------------------------------------------------------
def pe_admin_and_sink_disabled():
    """ci-deployer gains roles/resourcemanager.projectIamAdmin on the project while the audit
    sink is disabled in the same change."""
    res = [
        sa_res("ci-deployer"),
        member_res("ci_iam_admin", "roles/resourcemanager.projectIamAdmin",
                   sa_member("ci-deployer"),
                   member_cfg=R("google_service_account.ci_deployer.member",
                                "google_service_account.ci_deployer")),
        audit_sink(disabled_after=True),
    ]
    return plan(res, "2025-03-04T09:12:40Z")


def toxic_logging_and_iam_admin():
    """ops-automation already holds roles/logging.admin; the change adds projectIamAdmin."""
    m = sa_member("ops-automation")
    res = [
        sa_res("ops-automation"),
        member_res("ops_logging", "roles/logging.admin", m, new=False),
        member_res("ops_iam", "roles/resourcemanager.projectIamAdmin", m),
    ]
    return plan(res, "2025-03-04T09:20:02Z")


def binding_member_removed():
    """The project's roles/editor binding drops bob; alice keeps it. Nothing is gained."""
    before = iam_binding("project", PROJECT, "roles/editor",
                         ["user:alice@acme.example", "user:bob@acme.example"])
    after = dict(before, members=["user:alice@acme.example"])
    res = [G("google_project_iam_binding", "editors", before=before, after=after,
             config={"members": C(["user:alice@acme.example"]), "project": C(PROJECT),
                     "role": C("roles/editor")})]
    return plan(res, "2025-03-04T09:31:17Z")


def binding_created_replaces_members():
    """A new authoritative roles/editor binding for alice: frank, given roles/editor by an
    unchanged google_project_iam_member, silently loses it."""
    res = [
        member_res("frank_editor", "roles/editor", "user:frank@acme.example", new=False),
        G("google_project_iam_binding", "editors", before=None,
          after=iam_binding("project", PROJECT, "roles/editor", ["user:alice@acme.example"],
                            new=True),
          config={"members": C(["user:alice@acme.example"]), "project": C(PROJECT),
                  "role": C("roles/editor")}),
    ]
    return plan(res, "2025-03-04T09:33:51Z")


def policy_drops_member():
    """A new authoritative google_project_iam_policy gives roles/viewer to the auditors'
    group; carol's roles/editor (an unchanged google_project_iam_member) and the build
    account's roles/cloudbuild.builds.editor binding are overwritten: both lose them."""
    data = policy_data([("roles/viewer", ["group:auditors@acme.example"])])
    res = [
        sa_res("builder"),
        member_res("carol_editor", "roles/editor", "user:carol@acme.example", new=False),
        G("google_project_iam_binding", "builders",
          before=iam_binding("project", PROJECT, "roles/cloudbuild.builds.editor",
                             [sa_member("builder")]),
          after=SAME,
          config={"members": R("google_service_account.builder.member",
                               "google_service_account.builder"),
                  "project": C(PROJECT), "role": C("roles/cloudbuild.builds.editor")}),
        G("google_project_iam_policy", "project", before=None,
          after=iam_policy("project", PROJECT, data, new=True),
          config={"policy_data": R("data.google_iam_policy.project.policy_data",
                                   "data.google_iam_policy.project"),
                  "project": C(PROJECT)}),
    ]
    return plan(res, "2025-03-04T09:40:26Z")


def bindings_only_principal():
    """A new folder binding of roles/resourcemanager.folderIamAdmin names a group nothing else
    defines; a new project exclusion drops the Data Access audit logs."""
    res = [
        G("google_folder_iam_binding", "folder_admins", before=None,
          after=iam_binding("folder", FOLDER, "roles/resourcemanager.folderIamAdmin",
                            ["group:folder-admins@acme.example"], new=True),
          config={"folder": C(FOLDER), "members": C(["group:folder-admins@acme.example"]),
                  "role": C("roles/resourcemanager.folderIamAdmin")}),
        G("google_logging_project_exclusion", "drop_data_access", before=None,
          after={"description": "too noisy", "disabled": False,
                 "filter": 'logName:"cloudaudit.googleapis.com%2Fdata_access"', "id": U,
                 "name": "drop-data-access", "project": PROJECT},
          config={"description": C("too noisy"),
                  "filter": C('logName:"cloudaudit.googleapis.com%2Fdata_access"'),
                  "name": C("drop-data-access")}),
    ]
    return plan(res, "2025-03-04T09:52:11Z")


def exclusion_alone():
    """Only an exclusion is added: evidence is weakened, nobody gains privilege."""
    res = [
        G("google_logging_project_exclusion", "drop_lb_logs", before=None,
          after={"description": "", "disabled": False,
                 "filter": 'resource.type="http_load_balancer"', "id": U,
                 "name": "drop-lb-logs", "project": PROJECT},
          config={"filter": C('resource.type="http_load_balancer"'), "name": C("drop-lb-logs")}),
    ]
    return plan(res, "2025-03-04T09:55:40Z")


def log_bucket_retention_shortened():
    """The audit log bucket's retention goes from 400 to 1 day and its lock is lifted, while
    the pipeline account gains roles/logging.configWriter and roles/iam.securityAdmin."""
    before = log_bucket("audit", 400, locked=True)
    res = [
        sa_res("log-admin"),
        member_res("log_admin_writer", "roles/logging.configWriter", sa_member("log-admin")),
        member_res("log_admin_security", "roles/iam.securityAdmin", sa_member("log-admin")),
        G("google_logging_project_bucket_config", "audit", before=before,
          after=dict(before, retention_days=1, locked=False),
          config={"bucket_id": C("audit"), "location": C("global"), "locked": C(False),
                  "project": C(PROJECT), "retention_days": C(1)}),
    ]
    return plan(res, "2025-03-04T10:02:09Z")


def audit_config_weakened():
    """Data Access logs of all services: DATA_READ is turned off and a member exempted from
    ADMIN_READ; nobody gains privilege."""
    def cfg(log_types):
        return [{"exempted_members": ex, "log_type": t} for t, ex in log_types]
    before = {"audit_log_config": cfg([("ADMIN_READ", []), ("DATA_READ", []),
                                       ("DATA_WRITE", [])]),
              "etag": "BwYf3x2Q1oE=", "id": "acme-prod/audit_config/allServices",
              "project": PROJECT, "service": "allServices"}
    after = dict(before, audit_log_config=cfg([("ADMIN_READ", [sa_member("etl")]),
                                               ("DATA_WRITE", [])]))
    res = [G("google_project_iam_audit_config", "all", before=before, after=after,
             config={"audit_log_config": [
                 {"exempted_members": C([sa_member("etl")]), "log_type": C("ADMIN_READ")},
                 {"log_type": C("DATA_WRITE")}],
                 "project": C(PROJECT), "service": C("allServices")})]
    return plan(res, "2025-03-04T10:05:33Z")


def impersonation_token_creator():
    """terraform@ holds roles/owner (unchanged); eve is given roles/iam.serviceAccountTokenCreator
    on it: she can mint its tokens and holds what it holds."""
    res = [
        sa_res("terraform"),
        member_res("terraform_owner", "roles/owner", sa_member("terraform"), new=False),
        G("google_service_account_iam_member", "eve_token_creator", before=None,
          after=iam_member("service_account_id",
                           "projects/%s/serviceAccounts/%s" % (PROJECT, sa_email("terraform")),
                           "roles/iam.serviceAccountTokenCreator", "user:eve@acme.example",
                           new=True),
          config={"member": C("user:eve@acme.example"),
                  "role": C("roles/iam.serviceAccountTokenCreator"),
                  "service_account_id": _ref("google_service_account.terraform", "name")}),
    ]
    return plan(res, "2025-03-04T10:11:45Z")


GH_SET = ("principalSet://iam.googleapis.com/projects/123456789012/locations/global/"
          "workloadIdentityPools/github/attribute.repository/acme/infra")


def impersonation_workload_identity():
    """GitHub Actions of acme/infra may become deployer@ (roles/iam.workloadIdentityUser, an
    authoritative binding on the account); deployer@ is created with roles/editor."""
    res = [
        sa_res("deployer", new=True),
        member_res("deployer_editor", "roles/editor", U,
                   member_cfg=R("google_service_account.deployer.email",
                                "google_service_account.deployer")),
        G("google_service_account_iam_binding", "deployer_wif", before=None,
          after={"condition": [], "etag": U, "id": U, "members": [GH_SET],
                 "role": "roles/iam.workloadIdentityUser", "service_account_id": U},
          config={"members": C([GH_SET]), "role": C("roles/iam.workloadIdentityUser"),
                  "service_account_id": _ref("google_service_account.deployer", "name")}),
    ]
    # The member is "serviceAccount:${email}": known only after apply.
    res[1].after["member"] = U
    return plan(res, "2025-03-04T10:15:02Z")


def custom_role():
    """A new custom role holds setIamPolicy and logging.sinks.delete; a new binding gives it
    to ops-bot (by reference: the role's id is known only after apply)."""
    perms = ["logging.sinks.delete", "logging.sinks.get", "resourcemanager.projects.getIamPolicy",
             "resourcemanager.projects.setIamPolicy"]
    res = [
        sa_res("ops-bot"),
        G("google_project_iam_custom_role", "sec_ops", before=None,
          after={"deleted": U, "description": "Security operations", "id": U, "name": U,
                 "permissions": perms, "project": PROJECT, "role_id": "secOps",
                 "stage": "GA", "title": "Security operations"},
          config={"description": C("Security operations"), "permissions": C(perms),
                  "role_id": C("secOps"), "title": C("Security operations")}),
        G("google_project_iam_member", "ops_bot_sec_ops", before=None,
          after={"condition": [], "etag": U, "id": U, "member": sa_member("ops-bot"),
                 "project": PROJECT, "role": U},
          config={"member": C(sa_member("ops-bot")), "project": C(PROJECT),
                  "role": _ref("google_project_iam_custom_role.sec_ops", "id")}),
    ]
    return plan(res, "2025-03-04T10:21:38Z")


def conditional_grant():
    """On-call engineers may read secrets until the end of the incident (an IAM condition)."""
    cond = condition_block("incident-4711", 'request.time < timestamp("2025-03-05T00:00:00Z")',
                           "break-glass for incident 4711")
    res = [member_res("oncall_secrets", "roles/secretmanager.secretAccessor",
                      "group:oncall@acme.example", condition=cond)]
    return plan(res, "2025-03-04T10:25:19Z")


def public_editor():
    """allUsers is made roles/editor of the project (a typo for a public bucket reader)."""
    res = [member_res("public", "roles/editor", "allUsers")]
    return plan(res, "2025-03-04T10:29:55Z")


def key_for_privileged_sa():
    """terraform@ holds roles/owner; the change issues it a key."""
    res = [
        sa_res("terraform"),
        member_res("terraform_owner", "roles/owner", sa_member("terraform"), new=False),
        key_res("terraform", "terraform", "terraform"),
    ]
    return plan(res, "2025-03-04T10:33:07Z")


def key_for_app_sa():
    """report-reader may only read one bucket's objects; a key for it is ordinary work."""
    res = [
        sa_res("report-reader"),
        member_res("reader_objects", "roles/storage.objectViewer", sa_member("report-reader"),
                   level=("bucket", "acme-reports"), kind="storage_bucket", new=False),
        key_res("report_reader", "report-reader", "report_reader"),
    ]
    return plan(res, "2025-03-04T10:36:44Z")


def precision_new_service():
    """A new service: its account, its bucket, roles/storage.objectViewer on that bucket for
    the account, and a new log bucket keeping 400 days; the default bucket's retention grows
    from 30 to 90 days."""
    sa = "google_service_account.orders_api"
    res = [
        sa_res("orders-api", new=True),
        G("google_storage_bucket", "orders", before=None,
          after=storage_bucket("acme-orders", new=True),
          config={"location": C("EU"), "name": C("acme-orders"),
                  "uniform_bucket_level_access": C(True)}),
        G("google_storage_bucket_iam_member", "orders_reader", before=None,
          after={"bucket": U, "condition": [], "etag": U, "id": U, "member": U,
                 "role": "roles/storage.objectViewer"},
          config={"bucket": _ref("google_storage_bucket.orders", "name"),
                  "member": R(sa + ".member", sa), "role": C("roles/storage.objectViewer")}),
        log_bucket_res("orders_logs", "orders", None, 400, new=True),
        log_bucket_res("default", "_Default", 30, 90),
    ]
    return plan(res, "2025-03-04T10:40:12Z")


def unknown_role_and_member():
    """A grant whose role and member come from a module output known only after apply, and
    the audit sink is deleted."""
    res = [
        G("google_project_iam_member", "from_module", before=None,
          after={"condition": [], "etag": U, "id": U, "member": U, "project": PROJECT,
                 "role": U},
          config={"member": R("terraform_data.access.output", "terraform_data.access"),
                  "project": C(PROJECT),
                  "role": R("terraform_data.access.output", "terraform_data.access")}),
        Res("terraform_data", "access", before=None,
            after={"id": U, "input": {"member": "user:x", "role": "roles/x"}, "output": U,
                   "triggers_replace": None},
            config={"input": C({"member": "user:x", "role": "roles/x"})},
            provider="terraform.io/builtin/terraform"),
        audit_sink(gone=True),
    ]
    return plan(res, "2025-03-04T10:44:29Z")


CANARY = "CANARY-7f3a"


def sensitive_member():
    """The member is a sensitive variable (a break-glass account); it gains roles/owner while
    the audit sink is deleted. Its email never shows; it goes by its place."""
    member = "serviceAccount:%s-breakglass@%s" % (CANARY.lower(), SA_DOMAIN)
    res = [
        G("google_project_iam_member", "breakglass", before=None,
          after=iam_member("project", PROJECT, "roles/owner", member, new=True),
          config={"member": R("var.breakglass_member"), "project": C(PROJECT),
                  "role": C("roles/owner")},
          sensitive=["member"]),
        audit_sink(gone=True),
    ]
    return plan(res, "2025-03-04T10:48:50Z",
                variables={"breakglass_member": {"value": member}},
                variable_decls={"breakglass_member": {"sensitive": True}})


def pipeline_gains():
    """The provider impersonates terraform@; the change makes it project IAM admin."""
    res = [member_res("terraform_iam", "roles/resourcemanager.projectIamAdmin",
                      sa_member("terraform"))]
    return plan(res, "2025-03-04T10:52:36Z",
                provider_config=provider(impersonate=sa_email("terraform")))


def _bucket_res(tf_name, name, *, after=SAME, before=None, cfg=None):
    before = before or storage_bucket(name)
    return G("google_storage_bucket", tf_name, before=before, after=after,
             config=cfg or {"location": C("EU"), "name": C(name),
                            "uniform_bucket_level_access": C(True)})


def sink_bucket_admin():
    """data-eng already administers the project's IAM; the change makes it roles/storage.admin
    on the bucket the audit sink routes logs to: it could delete the logs."""
    m = sa_member("data-eng")
    res = [
        sa_res("data-eng"),
        member_res("data_eng_iam", "roles/resourcemanager.projectIamAdmin", m, new=False),
        audit_sink(),
        _bucket_res("audit_logs", "acme-audit-logs"),
        member_res("data_eng_audit_bucket", "roles/storage.admin", m,
                   level=("bucket", "acme-audit-logs"), kind="storage_bucket"),
    ]
    return plan(res, "2025-03-04T11:10:21Z")


def app_bucket_admin():
    """The same account is made roles/storage.admin of the application's own bucket: no store,
    no audit duty."""
    m = sa_member("data-eng")
    res = [
        sa_res("data-eng"),
        member_res("data_eng_iam", "roles/resourcemanager.projectIamAdmin", m, new=False),
        audit_sink(),
        _bucket_res("audit_logs", "acme-audit-logs"),
        _bucket_res("exports", "acme-exports"),
        member_res("data_eng_exports", "roles/storage.admin", m,
                   level=("bucket", "acme-exports"), kind="storage_bucket"),
    ]
    return plan(res, "2025-03-04T11:13:45Z")


def sink_bucket_expiry():
    """The audit sink's bucket gets a lifecycle rule deleting objects after 7 days while
    ci-deployer gains roles/iam.securityAdmin."""
    before = storage_bucket("acme-audit-logs")
    rule = [{"action": [{"storage_class": "", "type": "Delete"}],
             "condition": [{"age": 7, "created_before": "", "custom_time_before": "",
                            "days_since_custom_time": 0, "days_since_noncurrent_time": 0,
                            "matches_prefix": [], "matches_storage_class": [],
                            "matches_suffix": [], "noncurrent_time_before": "",
                            "num_newer_versions": 0, "send_age_if_zero": False,
                            "send_days_since_custom_time_if_zero": False,
                            "send_days_since_noncurrent_time_if_zero": False,
                            "send_num_newer_versions_if_zero": False,
                            "with_state": "ANY"}]}]
    res = [
        sa_res("ci-deployer"),
        member_res("ci_security_admin", "roles/iam.securityAdmin", sa_member("ci-deployer")),
        audit_sink(),
        _bucket_res("audit_logs", "acme-audit-logs", before=before,
                    after=dict(before, lifecycle_rule=rule),
                    cfg={"lifecycle_rule": [{"action": [{"type": C("Delete")}],
                                             "condition": [{"age": C(7)}]}],
                         "location": C("EU"), "name": C("acme-audit-logs"),
                         "uniform_bucket_level_access": C(True)}),
    ]
    return plan(res, "2025-03-04T11:17:02Z")


def editor_on_one_dataset():
    """roles/editor given on one BigQuery dataset gives its bigquery.* permissions there, not
    the project-wide powers of the role (sinks, service accounts, secrets)."""
    res = [
        G("google_bigquery_dataset_iam_member", "analyst_editor", before=None,
          after=iam_member("dataset_id", "orders_analytics", "roles/editor",
                           sa_member("analyst"), new=True),
          config={"dataset_id": C("orders_analytics"), "member": C(sa_member("analyst")),
                  "role": C("roles/editor")}),
    ]
    return plan(res, "2025-03-04T11:20:48Z")


def unknown_policy_data():
    """A new authoritative project IAM policy whose policy_data is known only after apply (the
    data source names a service account the change creates), while the audit sink is deleted:
    whom it grants is unknown, and the review asks. carol's unchanged roles/editor is
    overwritten."""
    sa = "google_service_account.etl"
    data = G("google_iam_policy", "project", mode="data", before=None,
             after={"audit_config": [], "binding": [{"condition": [], "members": [U],
                                                     "role": "roles/editor"}],
                    "id": U, "policy_data": U},
             reason="read_because_config_unknown",
             config={"binding": [{"members": R(sa + ".member", sa),
                                  "role": C("roles/editor")}]})
    res = [
        sa_res("etl", new=True),
        data,
        member_res("carol_editor", "roles/editor", "user:carol@acme.example", new=False),
        G("google_project_iam_policy", "project", before=None,
          after={"etag": U, "id": U, "policy_data": U, "project": PROJECT},
          config={"policy_data": R("data.google_iam_policy.project.policy_data",
                                   "data.google_iam_policy.project"),
                  "project": C(PROJECT)}),
        audit_sink(gone=True),
    ]
    return plan(res, "2025-03-04T11:24:37Z")


def sensitive_policy_data_source():
    """The same authoritative policy, rendered by a data source whose binding blocks are
    sensitive (a member named by a sensitive value): its bindings are not read, whoever it names
    goes by the policy's place, and the member's name shows nowhere."""
    data = G("google_iam_policy", "project", mode="data", before=None,
             after={"audit_config": [], "binding": [{"condition": [],
                                                     "members": ["user:" + CANARY + "@acme.example"],
                                                     "role": "roles/owner"}],
                    "id": U, "policy_data": U},
             reason="read_because_config_unknown", sensitive=["binding"],
             config={"binding": [{"members": R("var.breakglass_members"),
                                  "role": C("roles/owner")}]})
    res = [
        data,
        G("google_project_iam_policy", "project", before=None,
          after={"etag": U, "id": U, "policy_data": U, "project": PROJECT},
          config={"policy_data": R("data.google_iam_policy.project.policy_data",
                                   "data.google_iam_policy.project"),
                  "project": C(PROJECT)}),
        audit_sink(gone=True),
    ]
    return plan(res, "2025-03-04T11:31:02Z")


# Every IAM resource type, each giving an ordinary role to the auditors' group.
LEVELS = [
    ("organization", "org_id", ORG),
    ("folder", "folder", FOLDER),
    ("project", "project", PROJECT),
    ("billing_account", "billing_account_id", "01ABCD-2345EF-6789AB"),
    ("service_account", "service_account_id",
     "projects/%s/serviceAccounts/%s" % (PROJECT, sa_email("reporting"))),
    ("storage_bucket", "bucket", "acme-reports"),
    ("bigquery_dataset", "dataset_id", "reporting"),
    ("pubsub_topic", "topic", "projects/%s/topics/orders" % PROJECT),
    ("secret_manager_secret", "secret_id", "projects/%s/secrets/reporting-token" % PROJECT),
    ("kms_key_ring", "key_ring_id", "%s/europe-west1/reporting" % PROJECT),
    ("kms_crypto_key", "crypto_key_id", "%s/europe-west1/reporting/reports" % PROJECT),
    ("cloud_run_service", "service", "reports"),
    ("cloud_run_v2_service", "name", "reports-v2"),
    ("cloudfunctions_function", "cloud_function", "export"),
    ("cloudfunctions2_function", "cloud_function", "export-v2"),
    ("compute_instance", "instance_name", "bastion"),
    ("artifact_registry_repository", "repository", "images"),
    ("pubsub_subscription", "subscription", "projects/%s/subscriptions/orders-audit" % PROJECT),
    ("bigquery_table", "table_id", "projects/%s/datasets/reporting/tables/daily" % PROJECT),
    ("cloud_run_v2_job", "name", "nightly-export"),
    ("spanner_instance", "instance", "orders"),
    ("compute_subnetwork", "subnetwork", "private"),
    ("sourcerepo_repository", "repository", "infra"),
]

VIEWER = {
    "organization": "roles/resourcemanager.organizationViewer", "folder": "roles/browser",
    "project": "roles/viewer", "billing_account": "roles/billing.viewer",
    "service_account": "roles/iam.serviceAccountOpenIdTokenCreator",
    "storage_bucket": "roles/storage.objectViewer", "bigquery_dataset": "roles/bigquery.dataViewer",
    "pubsub_topic": "roles/pubsub.viewer", "secret_manager_secret": "roles/secretmanager.viewer",
    "kms_key_ring": "roles/cloudkms.viewer", "kms_crypto_key": "roles/cloudkms.viewer",
    "cloud_run_service": "roles/run.invoker", "cloud_run_v2_service": "roles/run.invoker",
    "cloudfunctions_function": "roles/cloudfunctions.invoker",
    "cloudfunctions2_function": "roles/cloudfunctions.invoker",
    "compute_instance": "roles/compute.osLogin",
    "artifact_registry_repository": "roles/artifactregistry.reader",
    "pubsub_subscription": "roles/pubsub.subscriber", "bigquery_table": "roles/bigquery.dataViewer",
    "cloud_run_v2_job": "roles/run.invoker", "spanner_instance": "roles/spanner.viewer",
    "compute_subnetwork": "roles/compute.networkUser", "sourcerepo_repository": "roles/source.reader",
}


def every_iam_type():
    """Ordinary grants of every modelled IAM resource type (member, binding and policy at each
    level, custom roles of both kinds): read-only and invoker roles for the auditors. The
    billing viewer role is not in foureyes' table: it is reported as unknown, and nothing
    fires (nothing is weakened)."""
    group = "group:auditors@acme.example"
    res = []
    for kind, attr, value in LEVELS:
        role = VIEWER[kind]
        res.append(G("google_%s_iam_member" % kind, "auditors", before=None,
                     after=iam_member(attr, value, role, group, new=True),
                     config={attr: C(value), "member": C(group), "role": C(role)}))
        res.append(G("google_%s_iam_binding" % kind, "auditors", before=None,
                     after=iam_binding(attr, value, role, ["user:dora@acme.example"], new=True),
                     config={attr: C(value), "members": C(["user:dora@acme.example"]),
                             "role": C(role)}))
        data = policy_data([("roles/browser" if kind == "project" else role,
                             ["user:ivan@acme.example"])])
        res.append(G("google_%s_iam_policy" % kind, "auditors", before=None,
                     after=iam_policy(attr, value, data, new=True),
                     config={attr: C(value), "policy_data": C(data)}))
    perms = ["logging.logEntries.list", "resourcemanager.projects.get"]
    res.append(G("google_organization_iam_custom_role", "log_reader", before=None,
                 after={"deleted": U, "description": "", "id": U, "name": U, "org_id": ORG,
                        "permissions": perms, "role_id": "logReader", "stage": "GA",
                        "title": "Log reader"},
                 config={"org_id": C(ORG), "permissions": C(perms), "role_id": C("logReader"),
                         "title": C("Log reader")}))
    return plan(res, "2025-03-04T11:01:15Z")


SCENARIOS = {
    "providers/gcp/unknown/sensitive-policy-data-source.json": sensitive_policy_data_source,
    "providers/gcp/privilege-and-evidence/admin-and-sink-disabled.json": pe_admin_and_sink_disabled,
    "providers/gcp/toxic/logging-admin-and-iam-admin.json": toxic_logging_and_iam_admin,
    "providers/gcp/lost/binding-member-removed.json": binding_member_removed,
    "providers/gcp/lost/binding-created-replaces-members.json": binding_created_replaces_members,
    "providers/gcp/lost/policy-drops-members.json": policy_drops_member,
    "providers/gcp/bindings-only-principal.json": bindings_only_principal,
    "providers/gcp/evidence/exclusion-alone.json": exclusion_alone,
    "providers/gcp/evidence/log-bucket-retention-shortened.json": log_bucket_retention_shortened,
    "providers/gcp/evidence/audit-config-weakened.json": audit_config_weakened,
    "providers/gcp/impersonation/token-creator-on-owner.json": impersonation_token_creator,
    "providers/gcp/impersonation/workload-identity-github.json": impersonation_workload_identity,
    "providers/gcp/custom-role.json": custom_role,
    "providers/gcp/conditional-grant.json": conditional_grant,
    "providers/gcp/public-editor.json": public_editor,
    "providers/gcp/credentials/key-for-owner.json": key_for_privileged_sa,
    "providers/gcp/credentials/key-for-app-account.json": key_for_app_sa,
    "providers/gcp/precision/new-service.json": precision_new_service,
    "providers/gcp/unknown-role-and-member.json": unknown_role_and_member,
    "providers/gcp/sensitive-member.json": sensitive_member,
    "providers/gcp/pipeline-gains.json": pipeline_gains,
    "providers/gcp/every-iam-type.json": every_iam_type,
    "providers/gcp/stores/sink-bucket-admin.json": sink_bucket_admin,
    "providers/gcp/stores/precision-app-bucket-admin.json": app_bucket_admin,
    "providers/gcp/stores/sink-bucket-expiry.json": sink_bucket_expiry,
    "providers/gcp/precision/editor-on-one-dataset.json": editor_on_one_dataset,
    "providers/gcp/unknown-policy-data.json": unknown_policy_data,
}
