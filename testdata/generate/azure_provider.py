"""Scenarios of testdata/providers/azure/ (issue 11): Azure (hashicorp/azurerm) and Entra ID (hashicorp/azuread). Registered in gen.py by one line.

Shared helpers of gen.py are imported inside the functions that use them (`gen = _gen()`):
gen.py imports this module, so a top-level import would be circular. Attribute sets follow the
provider's own resource schema: hashicorp/azurerm 4.x and hashicorp/azuread 3.x
(website/docs/r/*.html.markdown of each provider), as the real plans of the corpus show them.
"""

from tfplan import SAME, U, UL, C, R, Plan, Res

AZURERM = "registry.terraform.io/hashicorp/azurerm"
AZUREAD = "registry.terraform.io/hashicorp/azuread"

TENANT = "4f8e2b1c-6a3d-4c9e-9b7a-2d5f8e1c0a34"
SUB_ID = "0b1f6471-1bf0-4dda-aec3-cb9272f09590"
SUB = "/subscriptions/" + SUB_ID
RG_NAME = "rg-platform"
RG = SUB + "/resourceGroups/" + RG_NAME
LOCATION = "westeurope"
WORKSPACE = RG + "/providers/Microsoft.OperationalInsights/workspaces/law-audit"
GITHUB = "https://token.actions.githubusercontent.com"
AUDIENCE = ["api://AzureADTokenExchange"]

# Role definition ids (rulesets/azure/roles.json).
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
UAA = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"
GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10"
PRIVILEGED_ROLE_ADMIN = "e8611ab8-c189-46e8-94e1-60213ab1f814"
USER_ADMIN = "fe930be7-5e62-47db-91af-98c3a49a38b1"
ROLE_MANAGEMENT_RW = "9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8"
USER_READ_ALL = "df021288-bdef-4463-88db-98f22de89214"
GRAPH_SP = "6d1c3a0e-3b7f-4a51-8e4c-9d2b7a6f1e05"  # Microsoft Graph's service principal here


def _gen():
    import gen
    return gen


def guid(seed):
    """A deterministic GUID from a seed."""
    import hashlib
    h = hashlib.sha256(seed.encode()).hexdigest()
    return "%s-%s-4%s-a%s-%s" % (h[:8], h[8:12], h[13:16], h[17:20], h[20:32])


def role_definition_id(role):
    return SUB + "/providers/Microsoft.Authorization/roleDefinitions/" + role


def ref(addr, attr):
    return R(addr + "." + attr, addr)


class AzurePlan(Plan):
    """A plan whose resources name their own provider in the configuration."""

    def _config_resources(self, module_path):
        out = super()._config_resources(module_path)
        by = {r.rel_address: r for r in self.resources}
        for o in out:
            r = by.get(o["address"])
            if r is not None and r.provider in (AZURERM, AZUREAD):
                o["provider_config_key"] = "azuread" if r.provider == AZUREAD else "azurerm"
        return out


def providers(client_id=None, client_var=None):
    """The azurerm and azuread provider blocks (OIDC from GitHub Actions), with the client id a
    literal or a root variable."""
    def block(name, full):
        exprs = {"tenant_id": C(TENANT), "use_oidc": C(True)}
        if name == "azurerm":
            exprs["features"] = [{}]
            exprs["subscription_id"] = C(SUB_ID)
        if client_id:
            exprs["client_id"] = C(client_id)
        if client_var:
            exprs["client_id"] = R("var." + client_var)
        return {"name": name, "full_name": full, "version_constraint": "~> 4.0"
                if name == "azurerm" else "~> 3.0", "expressions": exprs}
    return {"azurerm": block("azurerm", AZURERM), "azuread": block("azuread", AZUREAD)}


def plan(res, timestamp, **kw):
    kw.setdefault("provider_config", providers())
    return AzurePlan(res, timestamp=timestamp, **kw)


# --- resources ---------------------------------------------------------------------------
def identity(tf, name, *, new=False, rg=RG_NAME):
    pid = guid("mi-principal-" + name)
    after = {
        "client_id": U if new else guid("mi-client-" + name),
        "id": U if new else "%s/resourceGroups/%s/providers/Microsoft.ManagedIdentity/"
        "userAssignedIdentities/%s" % (SUB, rg, name),
        "location": LOCATION, "name": name,
        "principal_id": U if new else pid, "resource_group_name": rg, "tags": None,
        "tenant_id": U if new else TENANT, "timeouts": None,
    }
    cfg = {"location": C(LOCATION), "name": C(name), "resource_group_name": C(rg)}
    if new:
        return Res("azurerm_user_assigned_identity", tf, before=None, after=after, config=cfg,
                   provider=AZURERM)
    return Res("azurerm_user_assigned_identity", tf, before=after, after=SAME, config=cfg,
               provider=AZURERM)


def identity_id(name, rg=RG_NAME):
    return ("%s/resourceGroups/%s/providers/Microsoft.ManagedIdentity/userAssignedIdentities/%s"
            % (SUB, rg, name))


def assignment(tf, *, scope, principal, role_name=None, role_id=None, principal_type=None,
               new=True, delete=False, principal_cfg=None, role_cfg=None, scope_cfg=None,
               condition=None, sensitive=()):
    """An azurerm_role_assignment; `principal` may be U (known after apply)."""
    name = guid("ra-" + tf)
    known = {
        "condition": condition, "condition_version": "2.0" if condition else None,
        "delegated_managed_identity_resource_id": None, "description": None,
        "id": "%s/providers/Microsoft.Authorization/roleAssignments/%s" % (scope, name),
        "name": name, "principal_id": principal,
        "principal_type": principal_type or "ServicePrincipal",
        "role_definition_id": role_definition_id(role_id) if role_id else None,
        "role_definition_name": role_name, "scope": scope,
        "skip_service_principal_aad_check": False, "timeouts": None,
    }
    cfg = {"scope": scope_cfg or C(scope),
           "principal_id": principal_cfg or C(principal)}
    if role_name:
        cfg["role_definition_name"] = C(role_name)
    if role_cfg is not None:
        cfg["role_definition_id"] = role_cfg
    elif role_id:
        cfg["role_definition_id"] = C(role_definition_id(role_id))
    if condition:
        cfg["condition"] = C(condition)
        cfg["condition_version"] = C("2.0")
    if not new:
        return Res("azurerm_role_assignment", tf, before=known,
                   after=None if delete else SAME, config=None if delete else cfg,
                   provider=AZURERM, sensitive=sensitive,
                   reason="delete_because_no_resource_config" if delete else None)
    after = dict(known, id=U, name=U, principal_type=principal_type or U,
                 skip_service_principal_aad_check=U)
    if role_name and role_cfg is None:
        after["role_definition_id"] = U
    if role_cfg is not None:
        after["role_definition_id"] = U
        after["role_definition_name"] = U
    elif role_id:
        after["role_definition_name"] = U
    return Res("azurerm_role_assignment", tf, before=None, after=after, config=cfg,
               provider=AZURERM, sensitive=sensitive)


def activity_log_alert(tf, name, *, enabled):
    v = {"action": [{"action_group_id": RG + "/providers/Microsoft.Insights/actionGroups/"
                     "ag-security", "webhook_properties": {}}],
         "criteria": [{"category": "Administrative",
                       "operation_name": "Microsoft.Authorization/roleAssignments/write",
                       "caller": "", "level": "", "levels": [], "resource_group": "",
                       "resource_groups": [], "resource_health": [], "resource_id": "",
                       "resource_ids": [], "resource_provider": "", "resource_providers": [],
                       "resource_type": "", "resource_types": [], "service_health": [],
                       "status": "", "statuses": [], "sub_status": "", "sub_statuses": [],
                       "recommendation_category": "", "recommendation_impact": "",
                       "recommendation_type": ""}],
         "description": "Role assignments written", "enabled": True,
         "id": RG + "/providers/Microsoft.Insights/activityLogAlerts/" + name,
         "location": "global", "name": name, "resource_group_name": RG_NAME, "scopes": [SUB],
         "tags": None, "timeouts": None}
    return Res("azurerm_monitor_activity_log_alert", tf, before=v,
               after=dict(v, enabled=enabled),
               config={"name": C(name), "resource_group_name": C(RG_NAME),
                       "location": C("global"), "scopes": C([SUB]), "enabled": C(enabled)},
               provider=AZURERM)


def log_profile():
    sa = RG + "/providers/Microsoft.Storage/storageAccounts/stactivity"
    v = {"categories": ["Action", "Delete", "Write"], "id": SUB + "/providers/"
         "Microsoft.Insights/logprofiles/default", "locations": ["global", LOCATION],
         "name": "default", "retention_policy": [{"days": 365, "enabled": True}],
         "servicebus_rule_id": None, "storage_account_id": sa, "timeouts": None}
    return Res("azurerm_monitor_log_profile", "default", before=v,
               after=dict(v, categories=["Action"]),
               config={"name": C("default"), "categories": C(["Action"]),
                       "locations": C(["global", LOCATION]), "storage_account_id": C(sa)},
               provider=AZURERM)


def diagnostic_setting(tf, name, target, *, before_groups, after_groups, workspace=WORKSPACE,
                       storage=None, delete=False):
    def value(groups):
        return {
            "enabled_log": [{"category": "", "category_group": g} for g in groups],
            "enabled_metric": [], "eventhub_authorization_rule_id": None,
            "eventhub_name": None, "id": target + "|" + name,
            "log_analytics_destination_type": None, "log_analytics_workspace_id": workspace,
            "metric": [{"category": "AllMetrics", "enabled": True}], "name": name,
            "partner_solution_id": None, "storage_account_id": storage,
            "target_resource_id": target, "timeouts": None,
        }
    cfg = {"name": C(name), "target_resource_id": C(target),
           "log_analytics_workspace_id": C(workspace),
           "enabled_log": [{"category_group": C(g)} for g in after_groups]}
    before = value(before_groups)
    if delete:
        return Res("azurerm_monitor_diagnostic_setting", tf, before=before, after=None,
                   config=None, provider=AZURERM, reason="delete_because_no_resource_config")
    after = value(after_groups)
    return Res("azurerm_monitor_diagnostic_setting", tf, before=before,
               after=SAME if after == before else after, config=cfg, provider=AZURERM)


def workspace(tf, name, *, before_days=None, after_days=None, new=False, delete=False):
    def value(days, created=False):
        rid = RG + "/providers/Microsoft.OperationalInsights/workspaces/" + name
        return {
            "allow_resource_only_permissions": True, "cmk_for_query_forced": False,
            "daily_quota_gb": -1, "data_collection_rule_id": None, "id": U if created else rid,
            "identity": [], "immediate_data_purge_on_30_days_enabled": False,
            "internet_ingestion_enabled": True, "internet_query_enabled": True,
            "local_authentication_disabled": False, "location": LOCATION, "name": name,
            "primary_shared_key": U if created else "(stored)",
            "reservation_capacity_in_gb_per_day": None, "resource_group_name": RG_NAME,
            "retention_in_days": days, "secondary_shared_key": U if created else "(stored)",
            "sku": "PerGB2018", "tags": None, "timeouts": None,
            "workspace_id": U if created else guid("workspace-" + name),
        }
    cfg = {"location": C(LOCATION), "name": C(name), "resource_group_name": C(RG_NAME),
           "sku": C("PerGB2018"), "retention_in_days": C(after_days)}
    keys = ["primary_shared_key", "secondary_shared_key"]
    if new:
        return Res("azurerm_log_analytics_workspace", tf, before=None,
                   after=value(after_days, True), config=cfg, provider=AZURERM, sensitive=keys)
    if delete:
        return Res("azurerm_log_analytics_workspace", tf, before=value(before_days), after=None,
                   config=None, provider=AZURERM, sensitive=keys,
                   reason="delete_because_no_resource_config")
    return Res("azurerm_log_analytics_workspace", tf, before=value(before_days),
               after=value(after_days), config=cfg, provider=AZURERM, sensitive=keys)


def service_principal(tf, name, *, new=False):
    client = guid("app-client-" + name)
    oid = guid("sp-object-" + name)
    v = {
        "account_enabled": True, "alternative_names": [], "app_role_assignment_required": False,
        "app_role_ids": {}, "app_roles": [], "application_tenant_id": TENANT,
        "client_id": client, "description": "", "display_name": name,
        "id": "/servicePrincipals/" + oid, "login_url": "", "notes": "",
        "notification_email_addresses": [], "object_id": oid, "owners": [],
        "preferred_single_sign_on_mode": "", "service_principal_names": [client],
        "tags": [], "timeouts": None, "type": "Application", "use_existing": None,
    }
    cfg = {"client_id": C(client)}
    if new:
        after = dict(v, id=U, object_id=U, display_name=U, application_tenant_id=U)
        return Res("azuread_service_principal", tf, before=None, after=after, config=cfg,
                   provider=AZUREAD)
    return Res("azuread_service_principal", tf, before=v, after=SAME, config=cfg,
               provider=AZUREAD)


def user(tf, upn):
    oid = guid("user-" + upn)
    v = {"account_enabled": True, "display_name": upn.split("@")[0], "id": "/users/" + oid,
         "mail": upn, "object_id": oid, "user_principal_name": upn, "user_type": "Member",
         "timeouts": None}
    return Res("azuread_user", tf, before=v, after=SAME,
               config={"user_principal_name": C(upn), "display_name": C(v["display_name"])},
               provider=AZUREAD)


def sp_oid(name):
    return guid("sp-object-" + name)


def user_oid(upn):
    return guid("user-" + upn)


def mi_oid(name):
    return guid("mi-principal-" + name)


# --- scenarios ---------------------------------------------------------------------------
def owner_and_diagnostics_weakened():
    """The deployment identity gets Owner on the subscription, and the subscription's activity
    log diagnostic setting stops sending the `Administrative` and `Security` categories."""
    sub_diag = Res(
        "azurerm_monitor_diagnostic_setting", "activity_log",
        before={"enabled_log": [{"category": c, "category_group": ""} for c in
                                ("Administrative", "Policy", "Security")],
                "enabled_metric": [], "eventhub_authorization_rule_id": None,
                "eventhub_name": None, "id": SUB + "|activity-to-law",
                "log_analytics_destination_type": None,
                "log_analytics_workspace_id": WORKSPACE, "metric": [],
                "name": "activity-to-law", "partner_solution_id": None,
                "storage_account_id": None, "target_resource_id": SUB, "timeouts": None},
        after={"enabled_log": [{"category": "Policy", "category_group": ""}],
               "enabled_metric": [], "eventhub_authorization_rule_id": None,
               "eventhub_name": None, "id": SUB + "|activity-to-law",
               "log_analytics_destination_type": None,
               "log_analytics_workspace_id": WORKSPACE, "metric": [],
               "name": "activity-to-law", "partner_solution_id": None,
               "storage_account_id": None, "target_resource_id": SUB, "timeouts": None},
        config={"name": C("activity-to-law"), "target_resource_id": C(SUB),
                "log_analytics_workspace_id": C(WORKSPACE),
                "enabled_log": [{"category": C("Policy")}]},
        provider=AZURERM)
    res = [
        identity("deployer", "id-deployer"),
        assignment("deployer_owner", scope=SUB, principal=mi_oid("id-deployer"),
                   role_name="Owner",
                   principal_cfg=ref("azurerm_user_assigned_identity.deployer", "principal_id")),
        sub_diag,
    ]
    return plan(res, "2024-11-04T09:12:41Z",
                provider_config=providers(client_id=guid("mi-client-id-deployer")))


def toxic_identity():
    """A new automation identity gets Role Based Access Control Administrator and Log
    Analytics Contributor on the platform resource group: both duties of a forbidden pair."""
    mi = "azurerm_user_assigned_identity.ops"
    res = [
        identity("ops", "id-ops-automation", new=True),
        assignment("ops_rbac_admin", scope=RG, principal=U,
                   role_name="Role Based Access Control Administrator",
                   principal_cfg=ref(mi, "principal_id")),
        assignment("ops_log_analytics", scope=RG, principal=U,
                   role_name="Log Analytics Contributor",
                   principal_cfg=ref(mi, "principal_id")),
    ]
    return plan(res, "2024-11-04T10:03:17Z")


def assignment_removed():
    """A group loses User Access Administrator on the subscription: a grant lost. Another gets
    Role Based Access Control Administrator on a resource group, with a condition that lets it
    assign Storage Blob Data Reader only (the delegation Microsoft recommends): conditional
    privilege administration, and nothing weakened."""
    group = guid("group-former-admins")
    constrained = ("((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR "
                   "(@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] "
                   "ForAnyOfAnyValues:GuidEquals {2a2b9908-6ea1-4ae2-8e65-a410df84e7d1}))")
    res = [
        assignment("former_admins_uaa", scope=SUB, principal=group, role_id=UAA,
                   principal_type="Group", new=False, delete=True),
        assignment("data_stewards_rbac", scope=RG, principal=guid("group-data-stewards"),
                   role_name="Role Based Access Control Administrator",
                   principal_type="Group", condition=constrained),
    ]
    return plan(res, "2024-11-04T10:40:02Z")


def custom_role():
    """A custom role that may write role assignments and delete diagnostic settings, assigned
    on the subscription to an existing service principal by the role's resource id."""
    perms = [{"actions": ["Microsoft.Authorization/roleAssignments/write",
                          "Microsoft.Authorization/roleAssignments/read",
                          "Microsoft.Insights/diagnosticSettings/*"],
              "data_actions": [], "not_actions": [], "not_data_actions": []}]
    definition = Res(
        "azurerm_role_definition", "platform_operator", before=None,
        after={"assignable_scopes": [SUB], "description": "Platform operations",
               "id": U, "name": "platform-operator", "permissions": perms,
               "role_definition_id": U, "role_definition_resource_id": U, "scope": SUB,
               "timeouts": None},
        config={"name": C("platform-operator"), "scope": C(SUB),
                "description": C("Platform operations"), "assignable_scopes": C([SUB]),
                "permissions": [{"actions": C(perms[0]["actions"])}]},
        provider=AZURERM)
    sp = "azuread_service_principal.platform_bot"
    res = [
        service_principal("platform_bot", "platform-bot"),
        definition,
        assignment("platform_bot_operator", scope=SUB, principal=sp_oid("platform-bot"),
                   principal_cfg=ref(sp, "object_id"),
                   role_cfg=ref("azurerm_role_definition.platform_operator",
                                "role_definition_resource_id")),
    ]
    return plan(res, "2024-11-04T11:15:30Z")


def assignment_only_principal():
    """A group named only by the role assignment's `principal_id` gets User Access
    Administrator on the resource group, the audit workspace's retention is cut, and the alert
    on role assignment writes is disabled."""
    res = [
        assignment("breakglass_uaa", scope=RG, principal=guid("group-breakglass"),
                   role_name="User Access Administrator", principal_type="Group"),
        workspace("audit", "law-audit", before_days=365, after_days=30),
        activity_log_alert("role_assignments", "alert-role-assignments", enabled=False),
    ]
    return plan(res, "2024-11-04T11:48:09Z")


def federated_github():
    """The deployer identity holds Owner on the subscription (unchanged); new federated
    credentials let GitHub Actions act as it from any pull request of acme/infra, and let the
    orders service's Kubernetes service account act as the orders identity (which may only read
    its own storage)."""
    orders_sa = RG + "/providers/Microsoft.Storage/storageAccounts/stordersdata"
    deployer = identity_id("id-deployer")
    orders = identity_id("id-orders")

    def fic(tf, parent, subject, issuer, parent_tf):
        return Res("azurerm_federated_identity_credential", tf, before=None, after={
            "audience": AUDIENCE, "id": U, "issuer": issuer, "name": tf.replace("_", "-"),
            "parent_id": parent, "resource_group_name": RG_NAME, "subject": subject,
            "timeouts": None},
            config={"name": C(tf.replace("_", "-")), "audience": C(AUDIENCE),
                    "issuer": C(issuer), "subject": C(subject),
                    "resource_group_name": C(RG_NAME),
                    "parent_id": ref(parent_tf, "id")},
            provider=AZURERM)
    res = [
        identity("deployer", "id-deployer"),
        assignment("deployer_owner", scope=SUB, principal=mi_oid("id-deployer"),
                   role_name="Owner", new=False,
                   principal_cfg=ref("azurerm_user_assigned_identity.deployer", "principal_id")),
        fic("github_pull_requests", deployer, "repo:acme/infra:pull_request", GITHUB,
            "azurerm_user_assigned_identity.deployer"),
        identity("orders", "id-orders"),
        assignment("orders_blob_reader", scope=orders_sa, principal=mi_oid("id-orders"),
                   role_name="Storage Blob Data Reader", new=False,
                   principal_cfg=ref("azurerm_user_assigned_identity.orders", "principal_id")),
        fic("orders_workload", orders, "system:serviceaccount:orders:orders-api",
            "https://westeurope.oic.prod-aks.azure.com/%s/%s/" % (TENANT, guid("aks-issuer")),
            "azurerm_user_assigned_identity.orders"),
    ]
    return plan(res, "2024-11-04T13:22:51Z")


def key_vault_access_policy_writer():
    """The secrets pipeline's identity gets Key Vault Contributor on the resource group (it may
    write any vault's access policies, and so give itself their secrets), and the vault's
    diagnostic setting that sends its AuditEvent logs to the audit workspace is deleted. An
    ordinary access policy lets the app identity read the vault's secrets."""
    vault_id = RG + "/providers/Microsoft.KeyVault/vaults/kv-platform"
    res = [
        identity("secrets_ci", "id-secrets-ci"),
        assignment("secrets_ci_kv", scope=RG, principal=mi_oid("id-secrets-ci"),
                   role_name="Key Vault Contributor",
                   principal_cfg=ref("azurerm_user_assigned_identity.secrets_ci",
                                     "principal_id")),
        diagnostic_setting("kv_audit", "kv-audit", vault_id, before_groups=["audit"],
                           after_groups=[], delete=True),
        identity("app", "id-orders-api"),
        Res("azurerm_key_vault_access_policy", "app_read", before=None, after={
            "application_id": None, "certificate_permissions": None, "id": U,
            "key_permissions": None, "key_vault_id": vault_id,
            "object_id": mi_oid("id-orders-api"), "secret_permissions": ["Get", "List"],
            "storage_permissions": None, "tenant_id": TENANT, "timeouts": None},
            config={"key_vault_id": C(vault_id), "tenant_id": C(TENANT),
                    "object_id": ref("azurerm_user_assigned_identity.app", "principal_id"),
                    "secret_permissions": C(["Get", "List"])},
            provider=AZURERM),
    ]
    return plan(res, "2024-11-05T08:41:12Z")


def entra_global_admin():
    """A user becomes Global Administrator and the automation service principal Privileged
    Role Administrator; bob joins the activated User Administrator role as a member. Entra ID's
    diagnostic setting stops sending the AuditLogs category and Defender for Cloud's plan for
    servers is turned to Free."""
    def aad_diag(categories):
        return {"enabled_log": [{"category": c} for c in categories],
                "eventhub_authorization_rule_id": None, "eventhub_name": None,
                "id": "/providers/Microsoft.AADIAM/diagnosticSettings/entra-to-law",
                "log_analytics_workspace_id": WORKSPACE, "name": "entra-to-law",
                "storage_account_id": None, "timeouts": None}
    pricing = {"extension": [], "id": SUB + "/providers/Microsoft.Security/pricings/"
               "VirtualMachines", "resource_type": "VirtualMachines", "subplan": "P2",
               "tier": "Standard", "timeouts": None}

    def role(tf, role_id, principal_tf, principal_oid):
        return Res("azuread_directory_role_assignment", tf, before=None, after={
            "app_scope_id": None, "directory_scope_id": "/", "id": U,
            "principal_object_id": principal_oid, "role_id": role_id, "timeouts": None},
            config={"role_id": C(role_id),
                    "principal_object_id": ref(principal_tf, "object_id")},
            provider=AZUREAD)
    user_admins = guid("directory-role-user-admin")
    res = [
        user("mallory", "mallory@acme.example"),
        user("bob", "bob@acme.example"),
        Res("azuread_directory_role", "user_admin", before={
            "description": "Can manage all aspects of users and groups",
            "display_name": "User Administrator", "id": "/directoryRoles/" + user_admins,
            "object_id": user_admins, "template_id": USER_ADMIN, "timeouts": None},
            after=SAME, config={"template_id": C(USER_ADMIN)}, provider=AZUREAD),
        Res("azuread_directory_role_member", "bob_user_admin", before=None, after={
            "id": U, "member_object_id": user_oid("bob@acme.example"),
            "role_object_id": user_admins, "timeouts": None},
            config={"role_object_id": ref("azuread_directory_role.user_admin", "object_id"),
                    "member_object_id": ref("azuread_user.bob", "object_id")},
            provider=AZUREAD),
        service_principal("automation", "platform-automation"),
        role("mallory_global_admin", GLOBAL_ADMIN, "azuread_user.mallory",
             user_oid("mallory@acme.example")),
        role("automation_pra", PRIVILEGED_ROLE_ADMIN, "azuread_service_principal.automation",
             sp_oid("platform-automation")),
        Res("azurerm_monitor_aad_diagnostic_setting", "entra", before=aad_diag(
            ["AuditLogs", "SignInLogs"]), after=aad_diag(["SignInLogs"]),
            config={"name": C("entra-to-law"), "log_analytics_workspace_id": C(WORKSPACE),
                    "enabled_log": [{"category": C("SignInLogs")}]},
            provider=AZURERM),
        Res("azurerm_security_center_subscription_pricing", "servers", before=pricing,
            after=dict(pricing, tier="Free", subplan=None),
            config={"tier": C("Free"), "resource_type": C("VirtualMachines")},
            provider=AZURERM),
    ]
    return plan(res, "2024-11-05T09:30:44Z")


def _app_role(tf, role_id, principal_tf, principal_oid, *, new=True):
    v = {"app_role_id": role_id, "id": "/servicePrincipals/%s/appRoleAssignedTo/%s"
         % (GRAPH_SP, guid("ara-" + tf)), "principal_display_name": principal_tf.split(".")[1],
         "principal_object_id": principal_oid, "principal_type": "ServicePrincipal",
         "resource_display_name": "Microsoft Graph", "resource_object_id": GRAPH_SP,
         "timeouts": None}
    cfg = {"app_role_id": C(role_id), "resource_object_id": C(GRAPH_SP),
           "principal_object_id": ref(principal_tf, "object_id")}
    if new:
        after = dict(v, id=U, principal_display_name=U, principal_type=U,
                     resource_display_name=U)
        return Res("azuread_app_role_assignment", tf, before=None, after=after, config=cfg,
                   provider=AZUREAD)
    return Res("azuread_app_role_assignment", tf, before=v, after=SAME, config=cfg,
               provider=AZUREAD)


def graph_role_management():
    """The automation service principal is granted Microsoft Graph's
    RoleManagement.ReadWrite.Directory (it may assign any Entra ID role, Global Administrator
    included), the audit workspace is deleted, and the activity log's export stops sending the
    Write and Delete categories."""
    res = [
        service_principal("automation", "platform-automation"),
        _app_role("automation_role_management", ROLE_MANAGEMENT_RW,
                  "azuread_service_principal.automation", sp_oid("platform-automation")),
        workspace("audit", "law-audit", before_days=365, delete=True),
        log_profile(),
    ]
    return plan(res, "2024-11-05T10:02:19Z")


def _password(tf, sp_tf, sp_name):
    return Res("azuread_service_principal_password", tf, before=None, after={
        "display_name": U, "end_date": U, "end_date_relative": None, "id": U, "key_id": U,
        "rotate_when_changed": None, "service_principal_id": "/servicePrincipals/"
        + sp_oid(sp_name), "start_date": U, "timeouts": None, "value": U},
        config={"service_principal_id": ref(sp_tf, "id")}, provider=AZUREAD,
        sensitive=["value"])


def secret_for_privileged_sp():
    """The automation service principal holds RoleManagement.ReadWrite.Directory (unchanged);
    the change issues it a client secret and a certificate."""
    res = [
        service_principal("automation", "platform-automation"),
        _app_role("automation_role_management", ROLE_MANAGEMENT_RW,
                  "azuread_service_principal.automation", sp_oid("platform-automation"),
                  new=False),
        _password("automation", "azuread_service_principal.automation", "platform-automation"),
        Res("azuread_service_principal_certificate", "automation", before=None, after={
            "encoding": "pem", "end_date": "2026-11-05T00:00:00Z", "end_date_relative": None,
            "id": U, "key_id": U, "service_principal_id": "/servicePrincipals/"
            + sp_oid("platform-automation"), "start_date": U, "timeouts": None, "type": U,
            "value": "-----BEGIN CERTIFICATE-----\nMIIB...\n-----END CERTIFICATE-----\n"},
            config={"service_principal_id": ref("azuread_service_principal.automation", "id"),
                    "encoding": C("pem"), "end_date": C("2026-11-05T00:00:00Z")},
            provider=AZUREAD, sensitive=["value"]),
    ]
    return plan(res, "2024-11-05T10:35:57Z")


def secret_for_ordinary_sp():
    """The reports exporter may read one storage account's blobs and Graph's User.Read.All: a
    client secret for it is ordinary work."""
    sa = RG + "/providers/Microsoft.Storage/storageAccounts/streports"
    sp = "azuread_service_principal.reports"
    res = [
        service_principal("reports", "reports-exporter"),
        assignment("reports_blob_reader", scope=sa, principal=sp_oid("reports-exporter"),
                   role_name="Storage Blob Data Reader", new=False,
                   principal_cfg=ref(sp, "object_id")),
        _app_role("reports_users", USER_READ_ALL, sp, sp_oid("reports-exporter"), new=False),
        _password("reports", sp, "reports-exporter"),
    ]
    return plan(res, "2024-11-05T11:04:26Z")


def group_members():
    """The `platform-admins` group holds Owner on the subscription (unchanged). Its members
    list, authoritative, drops alice and adds mallory; the deployer's service principal joins
    it through azuread_group_member."""
    gid = guid("group-platform-admins")
    alice, mallory = user_oid("alice@acme.example"), user_oid("mallory@acme.example")
    group = {"administrative_unit_ids": [], "assignable_to_role": False,
             "description": "Platform administrators", "display_name": "platform-admins",
             "id": "/groups/" + gid, "mail_enabled": False, "members": [alice],
             "object_id": gid, "owners": [user_oid("owner@acme.example")],
             "security_enabled": True, "timeouts": None, "types": []}
    res = [
        user("alice", "alice@acme.example"),
        user("mallory", "mallory@acme.example"),
        Res("azuread_group", "platform_admins", before=group,
            after=dict(group, members=[mallory]),
            config={"display_name": C("platform-admins"), "security_enabled": C(True),
                    "members": R("azuread_user.mallory.object_id", "azuread_user.mallory")},
            provider=AZUREAD),
        assignment("platform_admins_owner", scope=SUB, principal=gid, role_name="Owner",
                   principal_type="Group", new=False,
                   principal_cfg=ref("azuread_group.platform_admins", "object_id")),
        service_principal("deployer", "deployer"),
        Res("azuread_group_member", "deployer", before=None, after={
            "group_object_id": gid, "id": U, "member_object_id": sp_oid("deployer"),
            "timeouts": None},
            config={"group_object_id": ref("azuread_group.platform_admins", "object_id"),
                    "member_object_id": ref("azuread_service_principal.deployer",
                                            "object_id")},
            provider=AZUREAD),
    ]
    return plan(res, "2024-11-05T11:50:03Z")


def new_app_identity():
    """Ordinary work: a new orders service with its identity, Storage Blob Data Reader on its
    own new storage account, a lifecycle rule there, its own key vault whose access policy lets
    the identity read secrets, a new workspace (90 days) and longer retention on another."""
    mi = "azurerm_user_assigned_identity.orders"
    sa = "azurerm_storage_account.orders"
    sa_after = {
        "access_tier": "Hot", "account_kind": "StorageV2", "account_replication_type": "ZRS",
        "account_tier": "Standard", "allow_nested_items_to_be_public": False,
        "blob_properties": UL, "id": U, "location": LOCATION, "min_tls_version": "TLS1_2",
        "name": "stordersdata", "primary_access_key": U, "resource_group_name": RG_NAME,
        "shared_access_key_enabled": False, "tags": None, "timeouts": None,
    }
    vault_after = {
        "access_policy": [{"application_id": "", "certificate_permissions": [],
                           "key_permissions": [], "object_id": U,
                           "secret_permissions": ["Get", "List"], "storage_permissions": [],
                           "tenant_id": TENANT}],
        "enable_rbac_authorization": False, "id": U, "location": LOCATION,
        "name": "kv-orders", "purge_protection_enabled": True, "resource_group_name": RG_NAME,
        "sku_name": "standard", "soft_delete_retention_days": 90, "tags": None,
        "tenant_id": TENANT, "timeouts": None, "vault_uri": U,
    }
    res = [
        identity("orders", "id-orders", new=True),
        Res("azurerm_storage_account", "orders", before=None, after=sa_after, config={
            "name": C("stordersdata"), "resource_group_name": C(RG_NAME),
            "location": C(LOCATION), "account_tier": C("Standard"),
            "account_replication_type": C("ZRS")}, provider=AZURERM,
            sensitive=["primary_access_key"]),
        assignment("orders_blob_reader", scope=U, principal=U,
                   role_name="Storage Blob Data Reader",
                   principal_cfg=ref(mi, "principal_id"), scope_cfg=ref(sa, "id")),
        Res("azurerm_storage_management_policy", "orders", before=None, after={
            "id": U, "storage_account_id": U, "timeouts": None, "rule": [{
                "name": "expire-exports", "enabled": True,
                "filters": [{"blob_types": ["blockBlob"], "prefix_match": ["exports/"]}],
                "actions": [{"base_blob": [{
                    "delete_after_days_since_modification_greater_than": 30}]}]}]},
            config={"storage_account_id": ref(sa, "id")}, provider=AZURERM),
        Res("azurerm_key_vault", "orders", before=None, after=vault_after, config={
            "name": C("kv-orders"), "resource_group_name": C(RG_NAME), "location": C(LOCATION),
            "sku_name": C("standard"), "tenant_id": C(TENANT),
            "access_policy": [{"tenant_id": C(TENANT), "object_id": ref(mi, "principal_id"),
                               "secret_permissions": C(["Get", "List"])}]},
            provider=AZURERM),
        workspace("orders", "law-orders", after_days=90, new=True),
        workspace("audit", "law-audit", before_days=365, after_days=730),
    ]
    return plan(res, "2024-11-05T13:14:40Z")


def unknown_role_and_principal():
    """A new identity (its object id known after apply) gets a role that is neither built in
    nor in the change set, on the subscription; the activity log diagnostic setting stops
    sending the `audit` category group."""
    mi = "azurerm_user_assigned_identity.batch"
    res = [
        identity("batch", "id-batch", new=True),
        assignment("batch_operator", scope=SUB, principal=U, role_name="Platform Operator",
                   principal_cfg=ref(mi, "principal_id")),
        diagnostic_setting("activity_log", "activity-to-law", SUB,
                           before_groups=["audit", "allLogs"], after_groups=["allLogs"]),
    ]
    return plan(res, "2024-11-05T14:01:33Z")


def sensitive_principal():
    """A principal id from a sensitive variable gets Owner on the subscription, and the audit
    workspace's retention is cut: the object id never shows."""
    gen = _gen()  # noqa: F841
    secret = "CANARY-7f3a-c0de-4a11-a7f3-7f3a7f3a0001"
    res = [
        assignment("breakglass_owner", scope=SUB, principal=secret, role_name="Owner",
                   principal_type="User", principal_cfg=R("var.breakglass_object_id"),
                   sensitive=["principal_id"]),
        workspace("audit", "law-audit", before_days=365, after_days=30),
    ]
    return plan(res, "2024-11-05T14:44:08Z",
                variables={"breakglass_object_id": secret},
                variable_decls={"breakglass_object_id": {"sensitive": True}})


def pim_eligible_owner():
    """Privileged Identity Management: a user becomes eligible for Owner on the subscription
    (for a year, activated on demand), and the on-call group gets an active User Access
    Administrator assignment on the resource group for eight hours."""
    def pim(kind, tf, role, principal, scope, principal_type, schedule):
        after = {"condition": None, "condition_version": None, "id": U,
                 "justification": "Quarterly platform rotation", "principal_id": principal,
                 "principal_type": U, "role_definition_id": role_definition_id(role),
                 "schedule": [schedule], "scope": scope, "ticket": [{
                     "number": "CHG-2231", "system": "ServiceNow"}], "timeouts": None}
        if kind == "azurerm_pim_active_role_assignment":
            del after["condition"], after["condition_version"]
        return Res(kind, tf, before=None, after=after, config={
            "scope": C(scope), "role_definition_id": C(role_definition_id(role)),
            "principal_id": C(principal), "justification": C(after["justification"])},
            provider=AZURERM)
    year = {"expiration": [{"duration_days": 365, "duration_hours": 0, "end_date_time": U}],
            "start_date_time": U}
    hours = {"expiration": [{"duration_days": 0, "duration_hours": 8, "end_date_time": U}],
             "start_date_time": U}
    res = [
        user("erin", "erin@acme.example"),
        pim("azurerm_pim_eligible_role_assignment", "erin_owner", OWNER,
            user_oid("erin@acme.example"), SUB, "User", year),
        pim("azurerm_pim_active_role_assignment", "oncall_uaa", UAA,
            guid("group-oncall"), RG, "Group", hours),
    ]
    return plan(res, "2024-11-05T15:20:12Z")


def application(tf, name):
    oid = guid("app-object-" + name)
    v = {"client_id": guid("app-client-" + name), "display_name": name,
         "id": "/applications/" + oid, "object_id": oid, "owners": [],
         "sign_in_audience": "AzureADMyOrg", "tags": [], "timeouts": None}
    return Res("azuread_application", tf, before=v, after=SAME,
               config={"display_name": C(name)}, provider=AZUREAD)


def application_credentials():
    """The release application's service principal holds Graph's
    RoleManagement.ReadWrite.Directory and Log Analytics Contributor on the resource group
    (unchanged). The change adds a client secret and a certificate to the application, and a
    federated credential that lets the production environment of acme/release act as it."""
    app = "azuread_application.release"
    app_id = "/applications/" + guid("app-object-release")
    sp = "azuread_service_principal.release"
    sp_res = service_principal("release", "release")
    sp_res.config = {"client_id": ref(app, "client_id")}
    res = [
        application("release", "release"),
        sp_res,
        _app_role("release_role_management", ROLE_MANAGEMENT_RW, sp, sp_oid("release"),
                  new=False),
        assignment("release_log_analytics", scope=RG, principal=sp_oid("release"),
                   role_name="Log Analytics Contributor", new=False,
                   principal_cfg=ref(sp, "object_id")),
        Res("azuread_application_password", "release", before=None, after={
            "application_id": app_id, "display_name": "release-pipeline", "end_date": U,
            "end_date_relative": None, "id": U, "key_id": U, "rotate_when_changed": None,
            "start_date": U, "timeouts": None, "value": U},
            config={"application_id": ref(app, "id"), "display_name": C("release-pipeline")},
            provider=AZUREAD, sensitive=["value"]),
        Res("azuread_application_certificate", "release", before=None, after={
            "application_id": app_id, "encoding": "pem", "end_date": "2026-11-06T00:00:00Z",
            "end_date_relative": None, "id": U, "key_id": U, "start_date": U,
            "timeouts": None, "type": U,
            "value": "-----BEGIN CERTIFICATE-----\nMIIC...\n-----END CERTIFICATE-----\n"},
            config={"application_id": ref(app, "id"), "encoding": C("pem"),
                    "end_date": C("2026-11-06T00:00:00Z")},
            provider=AZUREAD, sensitive=["value"]),
        Res("azuread_application_federated_identity_credential", "release_production",
            before=None, after={
                "application_id": app_id, "audiences": AUDIENCE,
                "credential_id": U, "description": None, "display_name": "release-production",
                "id": U, "issuer": GITHUB, "subject": "repo:acme/release:environment:production",
                "timeouts": None},
            config={"application_id": ref(app, "id"), "audiences": C(AUDIENCE),
                    "display_name": C("release-production"), "issuer": C(GITHUB),
                    "subject": C("repo:acme/release:environment:production")},
            provider=AZUREAD),
    ]
    return plan(res, "2024-11-06T08:12:55Z")


def storage_store_weakened():
    """The activity log's diagnostic setting (unchanged) archives to the `staudit` storage
    account; the change makes that account's lifecycle rule delete logs after 7 days instead of
    365, and gives the platform bot Role Based Access Control Administrator on the
    subscription."""
    sa_id = RG + "/providers/Microsoft.Storage/storageAccounts/staudit"
    diag = {"enabled_log": [{"category": "", "category_group": "audit"}],
            "enabled_metric": [], "eventhub_authorization_rule_id": None,
            "eventhub_name": None, "id": SUB + "|activity-archive",
            "log_analytics_destination_type": None, "log_analytics_workspace_id": None,
            "metric": [], "name": "activity-archive", "partner_solution_id": None,
            "storage_account_id": sa_id, "target_resource_id": SUB, "timeouts": None}

    def policy(days):
        return {"id": sa_id + "/managementPolicies/default", "storage_account_id": sa_id,
                "timeouts": None, "rule": [{
                    "name": "expire-logs", "enabled": True,
                    "filters": [{"blob_types": ["appendBlob"],
                                 "prefix_match": ["insights-activity-logs/"]}],
                    "actions": [{"base_blob": [{
                        "delete_after_days_since_modification_greater_than": days}]}]}]}
    sp = "azuread_service_principal.platform_bot"
    res = [
        Res("azurerm_monitor_diagnostic_setting", "activity_archive", before=diag, after=SAME,
            config={"name": C("activity-archive"), "target_resource_id": C(SUB),
                    "storage_account_id": C(sa_id),
                    "enabled_log": [{"category_group": C("audit")}]},
            provider=AZURERM),
        Res("azurerm_storage_management_policy", "audit", before=policy(365),
            after=policy(7), config={"storage_account_id": C(sa_id)}, provider=AZURERM),
        service_principal("platform_bot", "platform-bot"),
        assignment("platform_bot_rbac", scope=SUB, principal=sp_oid("platform-bot"),
                   role_name="Role Based Access Control Administrator",
                   principal_cfg=ref(sp, "object_id")),
    ]
    return plan(res, "2024-11-06T09:40:18Z")


def _store_contributor(sa_name, *, archived):
    """The platform bot already administers role assignments on the subscription (unchanged);
    the change makes it Storage Account Contributor of one storage account, which the activity
    log's diagnostic setting archives to or not."""
    sa_id = RG + "/providers/Microsoft.Storage/storageAccounts/" + sa_name
    sp = "azuread_service_principal.platform_bot"
    res = [
        service_principal("platform_bot", "platform-bot"),
        assignment("platform_bot_rbac", scope=SUB, principal=sp_oid("platform-bot"),
                   role_name="Role Based Access Control Administrator", new=False,
                   principal_cfg=ref(sp, "object_id")),
        assignment("platform_bot_storage", scope=sa_id, principal=sp_oid("platform-bot"),
                   role_name="Storage Account Contributor",
                   principal_cfg=ref(sp, "object_id")),
    ]
    if archived:
        diag = {"enabled_log": [{"category": "", "category_group": "audit"}],
                "enabled_metric": [], "eventhub_authorization_rule_id": None,
                "eventhub_name": None, "id": SUB + "|activity-archive",
                "log_analytics_destination_type": None, "log_analytics_workspace_id": None,
                "metric": [], "name": "activity-archive", "partner_solution_id": None,
                "storage_account_id": sa_id, "target_resource_id": SUB, "timeouts": None}
        res.append(Res("azurerm_monitor_diagnostic_setting", "activity_archive", before=diag,
                       after=SAME,
                       config={"name": C("activity-archive"), "target_resource_id": C(SUB),
                               "storage_account_id": C(sa_id),
                               "enabled_log": [{"category_group": C("audit")}]},
                       provider=AZURERM))
    return res


def store_contributor():
    """Storage Account Contributor on the account the activity log archives to (an evidence
    store: it can delete the logs) completes privilege_admin + audit_evidence for the bot."""
    return plan(_store_contributor("staudit", archived=True), "2024-11-06T10:02:41Z")


def app_store_contributor():
    """The same role on an application's storage account, which no audit source writes to:
    ordinary work."""
    return plan(_store_contributor("stappdata", archived=False), "2024-11-06T10:05:12Z")


def ordinary_entra_and_custom_role():
    """Ordinary work: a user becomes Security Reader (Entra ID), the support group (Reader on the
    resource group) gets a new member, a custom role that may read and restart virtual machines
    is assigned to the operations group, and an analyst becomes eligible for Reader."""
    SECURITY_READER = "5d6b6bb7-de71-4623-b4af-96380a352509"
    gid = guid("group-support")
    ops = guid("group-operations")
    perms = [{"actions": ["Microsoft.Compute/virtualMachines/read",
                          "Microsoft.Compute/virtualMachines/restart/action"],
              "data_actions": [], "not_actions": [], "not_data_actions": []}]
    group = {"administrative_unit_ids": [], "assignable_to_role": False,
             "description": "Support engineers", "display_name": "support",
             "id": "/groups/" + gid, "mail_enabled": False,
             "members": [user_oid("carol@acme.example")], "object_id": gid, "owners": [],
             "security_enabled": True, "timeouts": None, "types": []}
    res = [
        user("carol", "carol@acme.example"),
        user("dave", "dave@acme.example"),
        Res("azuread_directory_role_assignment", "dave_security_reader", before=None, after={
            "app_scope_id": None, "directory_scope_id": "/", "id": U,
            "principal_object_id": user_oid("dave@acme.example"), "role_id": SECURITY_READER,
            "timeouts": None},
            config={"role_id": C(SECURITY_READER),
                    "principal_object_id": ref("azuread_user.dave", "object_id")},
            provider=AZUREAD),
        Res("azuread_group", "support", before=group,
            after=dict(group, members=[user_oid("carol@acme.example"),
                                       user_oid("dave@acme.example")]),
            config={"display_name": C("support"), "security_enabled": C(True),
                    "members": R("azuread_user.carol.object_id", "azuread_user.carol",
                                 "azuread_user.dave.object_id", "azuread_user.dave")},
            provider=AZUREAD),
        assignment("support_reader", scope=RG, principal=gid, role_name="Reader",
                   principal_type="Group", new=False,
                   principal_cfg=ref("azuread_group.support", "object_id")),
        Res("azurerm_role_definition", "vm_restarter", before=None, after={
            "assignable_scopes": [RG], "description": "Restart virtual machines", "id": U,
            "name": "vm-restarter", "permissions": perms, "role_definition_id": U,
            "role_definition_resource_id": U, "scope": RG, "timeouts": None},
            config={"name": C("vm-restarter"), "scope": C(RG),
                    "assignable_scopes": C([RG]),
                    "permissions": [{"actions": C(perms[0]["actions"])}]},
            provider=AZURERM),
        assignment("operations_vm_restarter", scope=RG, principal=ops, principal_type="Group",
                   role_cfg=ref("azurerm_role_definition.vm_restarter",
                                "role_definition_resource_id")),
        Res("azurerm_pim_eligible_role_assignment", "analyst_reader", before=None, after={
            "condition": None, "condition_version": None, "id": U,
            "justification": "Incident reviews", "principal_id": guid("user-analyst"),
            "principal_type": U, "role_definition_id": role_definition_id(
                "acdd72a7-3385-48ef-bd42-f606fba81ae7"),
            "schedule": [{"expiration": [{"duration_days": 30, "duration_hours": 0,
                                          "end_date_time": U}], "start_date_time": U}],
            "scope": SUB, "ticket": [], "timeouts": None},
            config={"scope": C(SUB), "principal_id": C(guid("user-analyst")),
                    "role_definition_id": C(role_definition_id(
                        "acdd72a7-3385-48ef-bd42-f606fba81ae7"))},
            provider=AZURERM),
    ]
    return plan(res, "2024-11-06T10:22:37Z")


class Preview:
    """A `pulumi preview --json` document (written as Pulumi writes it, two-space indented)."""

    def __init__(self, doc):
        self.doc = doc

    def document(self):
        return self.doc


def pulumi_owner_and_diagnostics():
    """`pulumi preview --json` with the bridged azure package: a new identity gets Owner on the
    subscription (its principal id known only after apply, and a preview holds no references to
    follow) while the activity log's diagnostic setting stops sending the `audit` category group
    (Pulumi's `enabledLogs`) and the audit workspace's retention is cut."""
    stack = "urn:pulumi:prod::platform::"

    def step(op, token, name, old=None, new=None):
        urn = stack + token + "::" + name
        out = {"op": op, "urn": urn}
        for key, props in (("oldState", old), ("newState", new)):
            if props is not None:
                out[key] = {"urn": urn, "custom": True, "type": token, "inputs": props,
                            "outputs": props if op == "same" or key == "oldState" else {},
                            "parent": stack + "pulumi:pulumi:Stack::platform-prod",
                            "provider": stack + "pulumi:providers:azure::default_6_10_0"}
        return out
    diag = {"name": "activity-to-law", "targetResourceId": SUB,
            "logAnalyticsWorkspaceId": WORKSPACE,
            "enabledLogs": [{"categoryGroup": "audit"}, {"categoryGroup": "allLogs"}]}
    law = {"name": "law-audit", "resourceGroupName": RG_NAME, "location": LOCATION,
           "sku": "PerGB2018", "retentionInDays": 365}
    steps = [
        step("create", "azure:authorization/userAssignedIdentity:UserAssignedIdentity", "ops",
             new={"name": "id-ops", "resourceGroupName": RG_NAME, "location": LOCATION}),
        step("create", "azure:authorization/assignment:Assignment", "ops-owner", new={
            "scope": SUB, "roleDefinitionName": "Owner",
            # Pulumi's sentinel for a value known only after apply.
            "principalId": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"}),
        step("update", "azure:monitoring/diagnosticSetting:DiagnosticSetting", "activity",
             old=diag, new=dict(diag, enabledLogs=[{"categoryGroup": "allLogs"}])),
        step("update", "azure:operationalinsights/analyticsWorkspace:AnalyticsWorkspace",
             "audit", old=law, new=dict(law, retentionInDays=30)),
    ]
    return Preview({"config": {"azure:location": LOCATION}, "steps": steps,
                    "duration": 1873000000, "changeSummary": {"create": 2, "update": 2}})


SCENARIOS = {
    "providers/azure/pulumi/owner-and-diagnostics.json": pulumi_owner_and_diagnostics,
    "providers/azure/precision/ordinary-entra-and-custom-role.json":
        ordinary_entra_and_custom_role,
    "providers/azure/evidence/storage-store-weakened.json": storage_store_weakened,
    "providers/azure/credentials/application-credentials.json": application_credentials,
    "providers/azure/rbac/pim-eligible-owner.json": pim_eligible_owner,
    "providers/azure/rbac/owner-and-diagnostics-weakened.json": owner_and_diagnostics_weakened,
    "providers/azure/rbac/toxic-identity.json": toxic_identity,
    "providers/azure/rbac/assignment-removed.json": assignment_removed,
    "providers/azure/rbac/custom-role.json": custom_role,
    "providers/azure/rbac/assignment-only-principal.json": assignment_only_principal,
    "providers/azure/rbac/unknown-role-and-principal.json": unknown_role_and_principal,
    "providers/azure/identity/federated-github.json": federated_github,
    "providers/azure/identity/key-vault-access-policy-writer.json":
        key_vault_access_policy_writer,
    "providers/azure/entra/global-admin.json": entra_global_admin,
    "providers/azure/entra/graph-role-management.json": graph_role_management,
    "providers/azure/entra/group-members.json": group_members,
    "providers/azure/credentials/secret-for-privileged-sp.json": secret_for_privileged_sp,
    "providers/azure/credentials/secret-for-ordinary-sp.json": secret_for_ordinary_sp,
    "providers/azure/precision/new-app-identity.json": new_app_identity,
    "providers/azure/sensitive/principal-id.json": sensitive_principal,
    "providers/azure/evidence/store-contributor.json": store_contributor,
    "providers/azure/precision/app-store-contributor.json": app_store_contributor,
}
