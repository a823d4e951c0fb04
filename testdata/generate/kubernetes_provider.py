"""Scenarios of testdata/providers/k8s/ (issue 11): Kubernetes (hashicorp/kubernetes). Registered in gen.py by one line.

Shared helpers of gen.py are imported inside the functions that use them (`gen = _gen()`):
gen.py imports this module, so a top-level import would be circular. Attribute sets follow the
provider's own resource schema (hashicorp/terraform-provider-kubernetes v2,
`kubernetes/resource_kubernetes_*_v1.go`, `schema_rbac.go`, `schema_metadata.go`): the
older resources without `_v1` share their schema. Computed metadata (`generation`,
`resource_version`, `uid`) is known on the before side and unknown (`U`) on create.
"""

from tfplan import SAME, U, C, R, Plan, Res, hexid

KUBERNETES = "registry.terraform.io/hashicorp/kubernetes"
RBAC = "rbac.authorization.k8s.io"


def _gen():
    import gen
    return gen


def provider():
    return {"kubernetes": {"name": "kubernetes", "full_name": KUBERNETES,
                           "version_constraint": "~> 2.31",
                           "expressions": {"config_path": C("~/.kube/config"),
                                           "config_context": C("prod")}}}


def k8s(type_, name, **kw):
    return Res(type_, name, provider=KUBERNETES, **kw)


def ref(address, attribute):
    return [address + "." + attribute, address]


# --- attribute sets -------------------------------------------------------------------------

def metadata(name, namespace=None, *, new=False, labels=None):
    m = {"annotations": None, "generate_name": None,
         "generation": U if new else 0, "labels": labels, "name": name,
         "resource_version": U if new else str(int(hexid("rv" + name, 5), 16)),
         "uid": U if new else "%s-%s-%s-%s-%s" % (
             hexid("uid" + name, 8), hexid("uid1" + name, 4), hexid("uid2" + name, 4),
             hexid("uid3" + name, 4), hexid("uid4" + name, 12))}
    if namespace is not None:
        m["namespace"] = namespace
    return [m]


def rule(resources, verbs, *, groups=("",), names=(), urls=None):
    r = {"api_groups": sorted(groups), "resource_names": sorted(names),
         "resources": sorted(resources), "verbs": sorted(verbs)}
    if urls is not None:
        r["non_resource_urls"] = sorted(urls)
    return r


def cluster_rule(resources, verbs, *, groups=("",), names=(), urls=()):
    return rule(resources, verbs, groups=groups, names=names, urls=urls)


def role(name, namespace, rules, *, new=False):
    return {"id": U if new else "%s/%s" % (namespace, name),
            "metadata": metadata(name, namespace, new=new), "rule": rules}


def cluster_role(name, rules, *, new=False, aggregate=None, labels=None):
    return {"aggregation_rule": ([{"cluster_role_selectors": [
                {"match_expressions": [], "match_labels": aggregate}]}] if aggregate else []),
            "id": U if new else name,
            "metadata": metadata(name, new=new, labels=labels),
            "rule": U if aggregate and new else rules}


def subject(kind, name, namespace="default"):
    return {"api_group": "" if kind == "ServiceAccount" else RBAC, "kind": kind,
            "name": name, "namespace": namespace}


def role_ref(kind, name):
    return [{"api_group": RBAC, "kind": kind, "name": name}]


def role_binding(name, namespace, ref_kind, ref_name, subjects, *, new=False):
    return {"id": U if new else "%s/%s" % (namespace, name),
            "metadata": metadata(name, namespace, new=new),
            "role_ref": role_ref(ref_kind, ref_name), "subject": list(subjects)}


def cluster_role_binding(name, ref_name, subjects, *, new=False):
    return {"id": U if new else name, "metadata": metadata(name, new=new),
            "role_ref": role_ref("ClusterRole", ref_name), "subject": list(subjects)}


def service_account(name, namespace, *, new=False):
    return {"automount_service_account_token": True,
            "default_secret_name": U if new else "", "id": U if new else "%s/%s" % (
                namespace, name),
            "image_pull_secret": [], "metadata": metadata(name, namespace, new=new),
            "secret": [], "timeouts": None}


# --- configuration --------------------------------------------------------------------------

def meta_cfg(name, namespace=None):
    m = {"name": C(name)}
    if namespace is not None:
        m["namespace"] = C(namespace)
    return [m]


def rules_cfg(rules):
    out = []
    for r in rules:
        c = {"api_groups": C(r["api_groups"]), "resources": C(r["resources"]),
             "verbs": C(r["verbs"])}
        if r["resource_names"]:
            c["resource_names"] = C(r["resource_names"])
        if r.get("non_resource_urls"):
            c["non_resource_urls"] = C(r["non_resource_urls"])
        out.append(c)
    return out


def binding_cfg(name, namespace, ref_kind, ref_name, subjects, ref_name_expr=None):
    cfg = {"metadata": meta_cfg(name, namespace),
           "role_ref": [{"api_group": C(RBAC), "kind": C(ref_kind),
                         "name": ref_name_expr or C(ref_name)}],
           "subject": []}
    for s in subjects:
        sc = {"kind": C(s["kind"]), "name": C(s["name"])}
        if s["kind"] == "ServiceAccount":
            sc["namespace"] = C(s["namespace"])
        else:
            sc["api_group"] = C(RBAC)
        cfg["subject"].append(sc)
    return cfg


# --- scenarios --------------------------------------------------------------------------------

def cluster_admin_binding():
    """A new ClusterRoleBinding gives cluster-admin to the service account `ci/deployer`, which no
    resource of the change set defines: it appears through the binding only."""
    subjects = [subject("ServiceAccount", "deployer", "ci")]
    res = [
        k8s("kubernetes_cluster_role_binding_v1", "ci_admin", before=None,
            after=cluster_role_binding("ci-deployer-admin", "cluster-admin", subjects, new=True),
            config=binding_cfg("ci-deployer-admin", None, "ClusterRole", "cluster-admin",
                               subjects)),
    ]
    return Plan(res, timestamp="2024-11-04T09:10:11Z", provider_config=provider())


WEBHOOK_RULES = [cluster_rule(["validatingwebhookconfigurations", "mutatingwebhookconfigurations"],
                              ["create", "delete", "get", "list", "patch", "update", "watch"],
                              groups=["admissionregistration.k8s.io"])]
ESCALATE_RULES = [rule(["roles", "rolebindings"], ["bind", "escalate", "get", "list"],
                       groups=[RBAC])]


def escalate_bind():
    """The policy engine's service account `policy/gatekeeper` already manages the admission
    webhooks (a ClusterRole bound cluster-wide, unchanged); a new Role lets it `escalate` and
    `bind` roles in its namespace: it may now change who holds access and the controls that
    review changes."""
    sa = [subject("ServiceAccount", "gatekeeper", "policy")]
    res = [
        k8s("kubernetes_service_account_v1", "gatekeeper",
            before=service_account("gatekeeper", "policy"), after=SAME,
            config={"metadata": meta_cfg("gatekeeper", "policy")}),
        k8s("kubernetes_cluster_role_v1", "webhooks",
            before=cluster_role("policy-webhooks", WEBHOOK_RULES), after=SAME,
            config={"metadata": meta_cfg("policy-webhooks"), "rule": rules_cfg(WEBHOOK_RULES)}),
        k8s("kubernetes_cluster_role_binding_v1", "webhooks",
            before=cluster_role_binding("policy-webhooks", "policy-webhooks", sa), after=SAME,
            config=binding_cfg("policy-webhooks", None, "ClusterRole", "policy-webhooks", sa,
                               R(*ref("kubernetes_cluster_role_v1.webhooks", "metadata[0].name")))),
        k8s("kubernetes_role_v1", "role_manager", before=None,
            after=role("role-manager", "policy", ESCALATE_RULES, new=True),
            config={"metadata": meta_cfg("role-manager", "policy"),
                    "rule": rules_cfg(ESCALATE_RULES)}),
        k8s("kubernetes_role_binding_v1", "role_manager", before=None,
            after=role_binding("role-manager", "policy", "Role", "role-manager", sa, new=True),
            config=binding_cfg("role-manager", "policy", "Role", "role-manager", sa,
                               R(*ref("kubernetes_role_v1.role_manager", "metadata[0].name")))),
    ]
    return Plan(res, timestamp="2024-11-04T10:20:30Z", provider_config=provider())


DEBUG_RULES = [rule(["secrets"], ["get", "list"]), rule(["pods/exec"], ["create"]),
               rule(["pods", "pods/log"], ["get", "list"])]


def secrets_exec():
    """A new Role `payments/debug` reads secrets and execs into pods, bound to the group `oncall`
    and the user `alice@acme.example`: secrets administration and deployment in one namespace.
    Reported, but no forbidden pair: Kubernetes alone holds no audit duty."""
    subjects = [subject("Group", "oncall"), subject("User", "alice@acme.example")]
    res = [
        k8s("kubernetes_role_v1", "debug", before=None,
            after=role("debug", "payments", DEBUG_RULES, new=True),
            config={"metadata": meta_cfg("debug", "payments"), "rule": rules_cfg(DEBUG_RULES)}),
        k8s("kubernetes_role_binding_v1", "debug", before=None,
            after=role_binding("oncall-debug", "payments", "Role", "debug", subjects, new=True),
            config=binding_cfg("oncall-debug", "payments", "Role", "debug", subjects,
                               R(*ref("kubernetes_role_v1.debug", "metadata[0].name")))),
    ]
    return Plan(res, timestamp="2024-11-05T08:00:01Z", provider_config=provider())


def binding_removed():
    """The ClusterRoleBinding that gave cluster-admin to the group `ops` is deleted: a grant
    lost, no finding."""
    subjects = [subject("Group", "ops")]
    res = [
        k8s("kubernetes_cluster_role_binding", "ops_admin",
            before=cluster_role_binding("ops-admin", "cluster-admin", subjects), after=None,
            reason="delete_because_no_resource_config"),
    ]
    return Plan(res, timestamp="2024-11-05T09:30:00Z", provider_config=provider())


POD_READER = [cluster_rule(["pods", "pods/log"], ["get", "list", "watch"])]


def rolebinding_of_cluster_role():
    """A RoleBinding gives the default ClusterRole `admin` to the group `team-a-admins` in
    namespace `team-a` only; another gives a new ClusterRole `pod-reader` to the service account
    `team-b/app` in `team-b`. Both grant in their namespace, not cluster-wide."""
    admins = [subject("Group", "team-a-admins")]
    app = [subject("ServiceAccount", "app", "team-b")]
    res = [
        k8s("kubernetes_role_binding_v1", "team_a_admins", before=None,
            after=role_binding("team-a-admins", "team-a", "ClusterRole", "admin", admins,
                               new=True),
            config=binding_cfg("team-a-admins", "team-a", "ClusterRole", "admin", admins)),
        k8s("kubernetes_cluster_role", "pod_reader", before=None,
            after=cluster_role("pod-reader", POD_READER, new=True),
            config={"metadata": meta_cfg("pod-reader"), "rule": rules_cfg(POD_READER)}),
        k8s("kubernetes_role_binding", "team_b_app", before=None,
            after=role_binding("app-pod-reader", "team-b", "ClusterRole", "pod-reader", app,
                               new=True),
            config=binding_cfg("app-pod-reader", "team-b", "ClusterRole", "pod-reader", app,
                               R(*ref("kubernetes_cluster_role.pod_reader", "metadata[0].name")))),
    ]
    return Plan(res, timestamp="2024-11-06T11:11:11Z", provider_config=provider())


MONITORING_PODS = [cluster_rule(["pods", "nodes", "nodes/metrics", "services", "endpoints"],
                                 ["get", "list", "watch"])]
MONITORING_SECRETS = [cluster_rule(["secrets"], ["get", "list", "watch"])]


def aggregated_cluster_role():
    """A new aggregated ClusterRole `monitoring` takes its rules from every cluster role labelled
    `rbac.acme.example/aggregate-to-monitoring`, and is bound cluster-wide to the service account
    `monitoring/prometheus`. The change set shows two such roles (one reads secrets, so the
    service account gains secrets administration); whatever else matches in the cluster is known
    only after apply. A role with another label is not part of it."""
    sa = [subject("ServiceAccount", "prometheus", "monitoring")]
    selector = {"rbac.acme.example/aggregate-to-monitoring": "true"}
    other = {"rbac.acme.example/aggregate-to-logging": "true"}
    res = [
        k8s("kubernetes_cluster_role_v1", "monitoring_pods", before=None,
            after=cluster_role("monitoring-pods", MONITORING_PODS, new=True, labels=selector),
            config={"metadata": [{"labels": C(selector), "name": C("monitoring-pods")}],
                    "rule": rules_cfg(MONITORING_PODS)}),
        k8s("kubernetes_cluster_role_v1", "monitoring_secrets", before=None,
            after=cluster_role("monitoring-secrets", MONITORING_SECRETS, new=True,
                               labels=selector),
            config={"metadata": [{"labels": C(selector), "name": C("monitoring-secrets")}],
                    "rule": rules_cfg(MONITORING_SECRETS)}),
        k8s("kubernetes_cluster_role_v1", "logging_admin", before=None,
            after=cluster_role("logging-admin", WEBHOOK_RULES, new=True, labels=other),
            config={"metadata": [{"labels": C(other), "name": C("logging-admin")}],
                    "rule": rules_cfg(WEBHOOK_RULES)}),
        k8s("kubernetes_cluster_role_v1", "monitoring", before=None,
            after=cluster_role("monitoring", None, new=True, aggregate=selector),
            config={"aggregation_rule": [{"cluster_role_selectors": [
                        {"match_labels": C(selector)}]}],
                    "metadata": meta_cfg("monitoring")}),
        k8s("kubernetes_cluster_role_binding_v1", "monitoring", before=None,
            after=cluster_role_binding("prometheus-monitoring", "monitoring", sa, new=True),
            config=binding_cfg("prometheus-monitoring", None, "ClusterRole", "monitoring", sa,
                               R(*ref("kubernetes_cluster_role_v1.monitoring",
                                      "metadata[0].name")))),
    ]
    return Plan(res, timestamp="2024-11-06T12:12:12Z", provider_config=provider())


APP_RULES = [rule(["configmaps"], ["get", "list", "watch"], names=["storefront-config"])]
WORKER_RULES = [rule(["configmaps"], ["get"], names=["worker-config"]),
                rule(["events"], ["create", "patch"])]


def ordinary_app():
    """Ordinary work: the app `shop/storefront` gets its service account and a Role reading its
    own configmap, bound to that service account; a worker does the same with the older
    resource types. No finding."""
    app = [subject("ServiceAccount", "storefront", "shop")]
    worker = [subject("ServiceAccount", "worker", "shop")]
    res = [
        k8s("kubernetes_service_account_v1", "storefront", before=None,
            after=service_account("storefront", "shop", new=True),
            config={"metadata": meta_cfg("storefront", "shop")}),
        k8s("kubernetes_role_v1", "storefront", before=None,
            after=role("storefront-config", "shop", APP_RULES, new=True),
            config={"metadata": meta_cfg("storefront-config", "shop"),
                    "rule": rules_cfg(APP_RULES)}),
        k8s("kubernetes_role_binding_v1", "storefront", before=None,
            after=role_binding("storefront-config", "shop", "Role", "storefront-config", app,
                               new=True),
            config=binding_cfg("storefront-config", "shop", "Role", "storefront-config", app,
                               R(*ref("kubernetes_role_v1.storefront", "metadata[0].name")))),
        k8s("kubernetes_service_account", "worker", before=None,
            after=service_account("worker", "shop", new=True),
            config={"metadata": meta_cfg("worker", "shop")}),
        k8s("kubernetes_role", "worker", before=None,
            after=role("worker-config", "shop", WORKER_RULES, new=True),
            config={"metadata": meta_cfg("worker-config", "shop"),
                    "rule": rules_cfg(WORKER_RULES)}),
        k8s("kubernetes_role_binding", "worker", before=None,
            after=role_binding("worker-config", "shop", "Role", "worker-config", worker,
                               new=True),
            config=binding_cfg("worker-config", "shop", "Role", "worker-config", worker,
                               R(*ref("kubernetes_role.worker", "metadata[0].name")))),
    ]
    return Plan(res, timestamp="2024-11-07T07:30:00Z", provider_config=provider())


def sensitive_subject():
    """A ClusterRoleBinding of cluster-admin whose user comes from a sensitive variable: the user
    goes by the binding's address, and the name (CANARY-7f3a-…) never shows."""
    subjects = [subject("User", "CANARY-7f3a-k8s-breakglass")]
    cfg = binding_cfg("breakglass", None, "ClusterRole", "cluster-admin", subjects)
    cfg["subject"][0]["name"] = R("var.breakglass_user")
    res = [
        k8s("kubernetes_cluster_role_binding_v1", "breakglass", before=None,
            after=cluster_role_binding("breakglass", "cluster-admin", subjects, new=True),
            config=cfg, sensitive=[("subject", 0, "name")]),
    ]
    return Plan(res, timestamp="2024-11-08T08:08:08Z", provider_config=provider(),
                variables={"breakglass_user": "CANARY-7f3a-k8s-breakglass"},
                variable_decls={"breakglass_user": {"sensitive": True}})


SCENARIOS = {
    "providers/k8s/cluster-admin-binding.json": cluster_admin_binding,
    "providers/k8s/escalate-bind.json": escalate_bind,
    "providers/k8s/secrets-exec.json": secrets_exec,
    "providers/k8s/binding-removed.json": binding_removed,
    "providers/k8s/rolebinding-of-cluster-role.json": rolebinding_of_cluster_role,
    "providers/k8s/aggregated-cluster-role.json": aggregated_cluster_role,
    "providers/k8s/ordinary-app.json": ordinary_app,
    "providers/k8s/sensitive/subject.json": sensitive_subject,
}


def webhook(name, *, failure_policy="Fail", operations=("CREATE", "UPDATE")):
    return {"admission_review_versions": ["v1"],
            "client_config": [{"ca_bundle": None, "service": [{
                "name": "gatekeeper-webhook-service", "namespace": "policy",
                "path": "/v1/admit", "port": 443}], "url": None}],
            "failure_policy": failure_policy, "match_policy": "Equivalent", "name": name,
            "namespace_selector": [{"match_expressions": [{
                "key": "admission.gatekeeper.sh/ignore", "operator": "DoesNotExist",
                "values": []}], "match_labels": None}],
            "object_selector": [], "rule": [{
                "api_groups": ["*"], "api_versions": ["*"], "operations": list(operations),
                "resources": ["*"], "scope": "*"}],
            "side_effects": "None", "timeout_seconds": 3}


def webhook_configuration(name, webhooks, *, new=False):
    return {"id": U if new else name, "metadata": metadata(name, new=new),
            "webhook": webhooks}


def webhook_cfg(name, w):
    return {"metadata": meta_cfg(name),
            "webhook": [{"admission_review_versions": C(w["admission_review_versions"]),
                         "failure_policy": C(w["failure_policy"]), "name": C(w["name"]),
                         "side_effects": C(w["side_effects"]),
                         "client_config": [{"service": [{"name": C("gatekeeper-webhook-service"),
                                                         "namespace": C("policy"),
                                                         "path": C("/v1/admit")}]}],
                         "rule": [{"api_groups": C(["*"]), "api_versions": C(["*"]),
                                   "operations": C(w["rule"][0]["operations"]),
                                   "resources": C(["*"])}]}]}


def admission_webhook_weakened():
    """The policy engine's validating webhook lets requests through when it fails and stops
    reviewing updates: control-tampering. A new mutating webhook that adds labels is ordinary."""
    before = webhook("validation.gatekeeper.sh")
    after = webhook("validation.gatekeeper.sh", failure_policy="Ignore", operations=("CREATE",))
    labels = webhook("labels.acme.example", operations=("CREATE",))
    res = [
        k8s("kubernetes_validating_webhook_configuration_v1", "gatekeeper",
            before=webhook_configuration("gatekeeper-validating", [before]),
            after=webhook_configuration("gatekeeper-validating", [after]),
            config=webhook_cfg("gatekeeper-validating", after)),
        k8s("kubernetes_mutating_webhook_configuration_v1", "labels", before=None,
            after=webhook_configuration("acme-labels", [dict(labels, reinvocation_policy="Never")],
                                        new=True),
            config=webhook_cfg("acme-labels", labels)),
    ]
    return Plan(res, timestamp="2024-11-09T09:09:09Z", provider_config=provider())


SCENARIOS["providers/k8s/admission-webhook-weakened.json"] = admission_webhook_weakened
