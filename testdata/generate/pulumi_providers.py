"""Pulumi previews of every provider family (issue 15): `pulumi preview --json` of the
packages foureyes maps (rulesets/pulumi/), each with a change that needs approval and one that
must pass, written in Pulumi's own shapes (camelCase properties, blocks of one as objects,
plural lists, ARM's flat properties, Kubernetes objects). Where a scenario is that of a
Terraform fixture (its `twin` in tests/pulumi_providers.rs), the names and values are the
twin's, so that both must give the same findings. Registered in gen.py by one line.
"""

import json

STACK = "urn:pulumi:prod::platform::"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
SIG = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
CANARY = "CANARY-7f3a"

ACCOUNT = "111122223333"
TRAIL_BUCKET = "acme-cloudtrail-%s" % ACCOUNT
ARTIFACTS = "arn:aws:s3:::acme-artifacts-%s/*" % ACCOUNT
GITHUB_TRUST = (
    '{"Statement":[{"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":'
    '{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"},"StringLike":'
    '{"token.actions.githubusercontent.com:sub":"repo:acme/platform-infra:*"}},"Effect":'
    '"Allow","Principal":{"Federated":"arn:aws:iam::%s:oidc-provider/'
    'token.actions.githubusercontent.com"}}],"Version":"2012-10-17"}' % ACCOUNT)

PROJECT = "acme-prod"
SUB = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590"
RG = SUB + "/resourceGroups/rg-platform"
WORKSPACE = RG + "/providers/Microsoft.OperationalInsights/workspaces/law-audit"
TENANT = "4f8e2b1c-6a3d-4c9e-9b7a-2d5f8e1c0a34"
OWNER = SUB + "/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
BLOB_READER = (SUB + "/providers/Microsoft.Authorization/roleDefinitions/"
               "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1")


class Preview:
    """A `pulumi preview --json` document, as Pulumi writes it (two-space indented)."""

    def __init__(self, steps, config):
        self.steps = steps
        self.config = config

    def document(self):
        summary = {}
        for s in self.steps:
            summary[s["op"]] = summary.get(s["op"], 0) + 1
        return {"config": self.config, "steps": self.steps, "duration": 2480000000,
                "changeSummary": summary}


def step(op, token, name, old=None, new=None, provider="aws", diff=None):
    """One step: inputs as the program gives them; outputs as the provider reported them for
    the old state and for `same`, and none yet for what is planned."""
    urn = STACK + token + "::" + name
    out = {"op": op, "urn": urn,
           "provider": STACK + "pulumi:providers:%s::default::%s" % (provider, UNKNOWN)}
    for key, props in (("oldState", old), ("newState", new)):
        if props is not None:
            out[key] = {"urn": urn, "custom": True, "type": token, "inputs": props,
                        "outputs": props if op == "same" or key == "oldState" else {},
                        "parent": STACK + "pulumi:pulumi:Stack::platform-prod",
                        "provider": out["provider"]}
    if diff:
        out["diffReasons"] = diff
        out["detailedDiff"] = {k: {"kind": "update", "inputDiff": True} for k in diff}
    return out


def stack_step():
    return {"op": "same", "urn": STACK + "pulumi:pulumi:Stack::platform-prod",
            "oldState": {"urn": STACK + "pulumi:pulumi:Stack::platform-prod", "custom": False,
                         "type": "pulumi:pulumi:Stack", "inputs": {}, "outputs": {}},
            "newState": {"urn": STACK + "pulumi:pulumi:Stack::platform-prod", "custom": False,
                         "type": "pulumi:pulumi:Stack", "inputs": {}, "outputs": {}}}


def policy(*statements):
    return json.dumps({"Statement": list(statements), "Version": "2012-10-17"},
                      sort_keys=True, separators=(",", ":"))


def statement(actions, resource, sid):
    return {"Action": actions, "Effect": "Allow", "Resource": resource, "Sid": sid}


# ---------------------------------------------------------------------------------------
# AWS
def aws_trail_stopped():
    """The twin of plans/privilege-and-evidence/trail-stopped.json: ci-deployer's inline policy
    gains iam:PutRolePolicy and iam:AttachRolePolicy while the organisation trail stops
    logging."""
    role = {"name": "ci-deployer", "assumeRolePolicy": GITHUB_TRUST, "path": "/",
            "description": "Deploys application artifacts from GitHub Actions",
            "arn": "arn:aws:iam::%s:role/ci-deployer" % ACCOUNT}
    artifacts = statement(["s3:PutObject", "s3:GetObject"], ARTIFACTS, "Artifacts")
    before = {"name": "deployer", "role": "ci-deployer", "policy": policy(artifacts)}
    after = dict(before, policy=policy(artifacts, statement(
        ["iam:PutRolePolicy", "iam:AttachRolePolicy"], "*", "ManageRoles")))
    trail = {"name": "org-trail", "s3BucketName": TRAIL_BUCKET, "enableLogging": True,
             "isMultiRegionTrail": True, "isOrganizationTrail": True,
             "includeGlobalServiceEvents": True, "enableLogFileValidation": True,
             "eventSelectors": [], "advancedEventSelectors": []}
    return Preview([
        stack_step(),
        step("same", "aws:iam/role:Role", "ci-deployer", old=role, new=role),
        step("update", "aws:iam/rolePolicy:RolePolicy", "deployer", old=before, new=after,
             diff=["policy"]),
        step("update", "aws:cloudtrail/trail:Trail", "org", old=trail,
             new=dict(trail, enableLogging=False), diff=["enableLogging"]),
    ], {"aws:region": "eu-west-1"})


def aws_new_service():
    """Precision: a new service's execution role with the Lambda basic execution policy (by the
    role's name, known: Pulumi names it from the program) and its log group, 30 days."""
    role = {"name": "orders-api", "path": "/", "assumeRolePolicy": json.dumps(
        {"Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"}}],
         "Version": "2012-10-17"}, separators=(",", ":"))}
    return Preview([
        stack_step(),
        step("create", "aws:iam/role:Role", "orders-api", new=role),
        step("create", "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "orders-api-basic",
             new={"role": "orders-api", "policyArn":
                  "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}),
        step("create", "aws:cloudwatch/logGroup:LogGroup", "orders-api",
             new={"name": "/aws/lambda/orders-api", "retentionInDays": 30}),
    ], {"aws:region": "eu-west-1"})


# ---------------------------------------------------------------------------------------
# Google Cloud
def gcp_admin_and_sink_disabled():
    """The twin of providers/gcp/privilege-and-evidence/admin-and-sink-disabled.json: the
    ci-deployer service account gains roles/resourcemanager.projectIamAdmin
    (`gcp:projects/iAMMember:IAMMember`) while the audit sink is disabled."""
    email = "ci-deployer@%s.iam.gserviceaccount.com" % PROJECT
    sa = {"accountId": "ci-deployer", "displayName": "ci-deployer", "project": PROJECT,
          "email": email, "member": "serviceAccount:" + email,
          "name": "projects/%s/serviceAccounts/%s" % (PROJECT, email)}
    sink = {"name": "audit-to-gcs", "project": PROJECT, "disabled": False,
            "destination": "storage.googleapis.com/acme-audit-logs",
            "filter": 'logName:"cloudaudit.googleapis.com"', "uniqueWriterIdentity": True,
            "exclusions": []}
    return Preview([
        stack_step(),
        step("same", "gcp:serviceaccount/account:Account", "ci-deployer", old=sa, new=sa,
             provider="gcp"),
        step("create", "gcp:projects/iAMMember:IAMMember", "ci-iam-admin", provider="gcp",
             new={"project": PROJECT, "role": "roles/resourcemanager.projectIamAdmin",
                  "member": "serviceAccount:" + email}),
        step("update", "gcp:logging/projectSink:ProjectSink", "audit", old=sink,
             new=dict(sink, disabled=True), provider="gcp", diff=["disabled"]),
    ], {"gcp:project": PROJECT})


def gcp_ordinary():
    """Precision: a new service account that writes logs (writing logs is not an audit duty),
    and a log bucket's retention lengthened."""
    email = "thumbnails@%s.iam.gserviceaccount.com" % PROJECT
    bucket = {"project": PROJECT, "location": "global", "bucketId": "app-logs",
              "retentionDays": 30}
    steps = [stack_step(),
             step("create", "gcp:serviceaccount/account:Account", "thumbnails", provider="gcp",
                  new={"accountId": "thumbnails", "project": PROJECT,
                       "email": UNKNOWN, "member": UNKNOWN})]
    steps.append(step("create", "gcp:projects/iAMMember:IAMMember", "thumbnails-log-writer",
                      provider="gcp",
                      new={"project": PROJECT, "role": "roles/logging.logWriter",
                           "member": "serviceAccount:" + email}))
    steps.append(step("update", "gcp:logging/projectBucketConfig:ProjectBucketConfig", "app",
                      old=bucket, new=dict(bucket, retentionDays=90), provider="gcp",
                      diff=["retentionDays"]))
    return Preview(steps, {"gcp:project": PROJECT})


# ---------------------------------------------------------------------------------------
# Azure (azure-native: ARM's resource types and properties)
def azure_native_owner_and_diagnostics():
    """The twin of providers/azure/rbac/owner-and-diagnostics-weakened.json with azure-native:
    the deployer identity gets Owner on the subscription (by the role definition's ARM id)
    while the activity log's diagnostic setting stops sending Administrative (ARM's `logs` are
    azurerm's `log` blocks) and turns Security off (`enabled: false`, which the azure ruleset's
    `log.enabled` condition does not catch today: the removal is what is reported). The
    twin's self-escalation comes from its provider block, which a preview does not hold."""
    principal = "4cb207e2-76ec-4ae7-a816-aee01c6bc210"
    identity = {"resourceName": "id-deployer", "resourceGroupName": "rg-platform",
                "location": "westeurope", "principalId": principal,
                "clientId": "8b19447e-db74-4bef-a6cc-9228d093d3e4", "tenantId": TENANT,
                "id": RG + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-deployer"}
    diag = {"name": "activity-to-law", "resourceUri": SUB, "workspaceId": WORKSPACE,
            "logs": [{"category": "Administrative", "enabled": True},
                     {"category": "Policy", "enabled": True},
                     {"category": "Security", "enabled": True}]}
    return Preview([
        stack_step(),
        step("same", "azure-native:managedidentity:UserAssignedIdentity", "deployer",
             old=identity, new=identity, provider="azure-native"),
        step("create", "azure-native:authorization:RoleAssignment", "deployer-owner",
             provider="azure-native",
             new={"principalId": principal, "principalType": "ServicePrincipal",
                  "roleDefinitionId": OWNER, "scope": SUB}),
        step("update", "azure-native:insights:DiagnosticSetting", "activity-log", old=diag,
             new=dict(diag, logs=[{"category": "Policy", "enabled": True},
                                  {"category": "Security", "enabled": False}]),
             provider="azure-native", diff=["logs"]),
    ], {"azure-native:location": "westeurope"})


def azure_native_ordinary():
    """Precision: a new identity reads blobs of its own storage account (Storage Blob Data
    Reader, by the ARM id of the built-in role, on one account; versioned token), and the
    audit workspace keeps its logs longer."""
    account = RG + "/providers/Microsoft.Storage/storageAccounts/stthumbnails"
    law = {"workspaceName": "law-audit", "resourceGroupName": "rg-platform",
           "retentionInDays": 90, "sku": {"name": "PerGB2018"},
           "workspaceCapping": {"dailyQuotaGb": -1}}
    return Preview([
        stack_step(),
        step("create", "azure-native:managedidentity:UserAssignedIdentity", "thumbnails",
             provider="azure-native",
             new={"resourceName": "id-thumbnails", "resourceGroupName": "rg-platform",
                  "location": "westeurope", "principalId": UNKNOWN, "clientId": UNKNOWN}),
        step("create", "azure-native:authorization/v20220401:RoleAssignment",
             "thumbnails-blob-reader", provider="azure-native",
             new={"principalId": UNKNOWN, "principalType": "ServicePrincipal",
                  "roleDefinitionId": BLOB_READER, "scope": account}),
        step("update", "azure-native:operationalinsights:Workspace", "audit", old=law,
             new=dict(law, retentionInDays=365), provider="azure-native",
             diff=["retentionInDays"]),
    ], {"azure-native:location": "westeurope"})


# ---------------------------------------------------------------------------------------
# Entra ID (azuread), with the bridged azure package's Entra diagnostic setting
def azuread_global_admin():
    """The twin of providers/azure/entra/global-admin.json: Global Administrator for mallory,
    Privileged Role Administrator for an automation service principal, User Administrator
    (an activated directory role) for bob, while Entra ID's diagnostic setting stops sending
    AuditLogs and Defender for Servers drops to Free."""
    users = {
        "mallory": "9e5e6a23-83db-4ad8-afca-073d16f038f7",
        "bob": "8cf0baec-d4af-477a-a656-141b2a25eb2c",
    }
    steps = [stack_step()]
    for name, oid in sorted(users.items()):
        u = {"displayName": name, "userPrincipalName": "%s@acme.example" % name,
             "mail": "%s@acme.example" % name, "objectId": oid, "accountEnabled": True}
        steps.append(step("same", "azuread:index/user:User", name, old=u, new=u,
                          provider="azuread"))
    sp = {"clientId": "b70fd526-bb2a-449d-a1d6-907945b584af", "displayName": "platform-automation",
          "objectId": "83bc0de2-1185-4893-aaab-d4b766cd7915", "owners": [],
          "appRoleAssignmentRequired": False}
    role = {"displayName": "User Administrator",
            "objectId": "c521b1c2-17d7-4299-a640-0d45a0eedf9e",
            "templateId": "fe930be7-5e62-47db-91af-98c3a49a38b1",
            "description": "Can manage all aspects of users and groups"}
    diag = {"name": "entra-to-law", "logAnalyticsWorkspaceId": WORKSPACE,
            "enabledLogs": [{"category": "AuditLogs"}, {"category": "SignInLogs"}]}
    pricing = {"resourceType": "VirtualMachines", "tier": "Standard", "subplan": "P2"}
    steps += [
        step("same", "azuread:index/servicePrincipal:ServicePrincipal", "automation", old=sp,
             new=sp, provider="azuread"),
        step("same", "azuread:index/directoryRole:DirectoryRole", "user-admin", old=role,
             new=role, provider="azuread"),
        step("create", "azuread:index/directoryRoleAssignment:DirectoryRoleAssignment",
             "automation-pra", provider="azuread",
             new={"principalObjectId": sp["objectId"], "directoryScopeId": "/",
                  "roleId": "e8611ab8-c189-46e8-94e1-60213ab1f814"}),
        step("create", "azuread:index/directoryRoleAssignment:DirectoryRoleAssignment",
             "mallory-global-admin", provider="azuread",
             new={"principalObjectId": users["mallory"], "directoryScopeId": "/",
                  "roleId": "62e90394-69f5-4237-9190-012177145e10"}),
        step("create", "azuread:index/directoryRoleMember:DirectoryRoleMember",
             "bob-user-admin", provider="azuread",
             new={"memberObjectId": users["bob"], "roleObjectId": role["objectId"]}),
        step("update", "azure:monitoring/aadDiagnosticSetting:AadDiagnosticSetting", "entra",
             old=diag, new=dict(diag, enabledLogs=[{"category": "SignInLogs"}]),
             provider="azure", diff=["enabledLogs"]),
        step("update", "azure:securitycenter/subscriptionPricing:SubscriptionPricing",
             "servers", old=pricing, new=dict(pricing, tier="Free", subplan=None),
             provider="azure", diff=["tier", "subplan"]),
    ]
    return Preview(steps, {"azuread:tenantId": TENANT})


def azuread_ordinary():
    """Precision: a new group of two engineers and an application with a client secret that
    holds no directory role: nothing needs approval."""
    return Preview([
        stack_step(),
        step("create", "azuread:index/group:Group", "payments-engineers", provider="azuread",
             new={"displayName": "payments-engineers", "securityEnabled": True,
                  "members": ["1d3c51a6-2f2b-4c43-9d7e-0c1b5f0e2a11",
                              "6a9f2f7e-8b7d-4a55-b1d4-3e8f5c2d9b22"],
                  "objectId": UNKNOWN}),
        step("create", "azuread:index/application:Application", "payments-api",
             provider="azuread", new={"displayName": "payments-api", "clientId": UNKNOWN}),
        step("create", "azuread:index/applicationPassword:ApplicationPassword",
             "payments-api-secret", provider="azuread",
             new={"applicationId": UNKNOWN, "displayName": "ci", "value": "[secret]"}),
    ], {"azuread:tenantId": TENANT})


# ---------------------------------------------------------------------------------------
# Kubernetes
def k8s_meta(name, namespace=None):
    m = {"name": name}
    if namespace:
        m["namespace"] = namespace
    return m


def kubernetes_cluster_admin_binding():
    """The twin of providers/k8s/cluster-admin-binding.json: a ClusterRoleBinding of
    cluster-admin to `ci/deployer` (Pulumi's `roleRef` object and `subjects` list)."""
    return Preview([
        stack_step(),
        step("create", "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
             "ci-admin", provider="kubernetes",
             new={"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                  "metadata": k8s_meta("ci-deployer-admin"),
                  "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                              "name": "cluster-admin"},
                  "subjects": [{"kind": "ServiceAccount", "name": "deployer",
                                "namespace": "ci"}]}),
    ], {"kubernetes:context": "prod"})


def kubernetes_secret_subject():
    """Secrets inside a reshaped list stay marked: cluster-admin bound to a user whose name is
    a Pulumi secret (`subjects[0].name`): the principal goes by its address and the name is
    never printed."""
    return Preview([
        stack_step(),
        step("create", "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
             "breakglass", provider="kubernetes",
             new={"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                  "metadata": k8s_meta("breakglass"),
                  "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                              "name": "cluster-admin"},
                  "subjects": [{"kind": "User", "apiGroup": "rbac.authorization.k8s.io",
                                "name": {SIG: SECRET_SIG, "value": CANARY + "-k8s-user"}}]}),
    ], {"kubernetes:context": "prod"})


def kubernetes_ordinary_app():
    """The twin (in part) of providers/k8s/ordinary-app.json: an app's service account, a Role
    reading its own configmap, bound to it."""
    return Preview([
        stack_step(),
        step("create", "kubernetes:core/v1:ServiceAccount", "storefront", provider="kubernetes",
             new={"apiVersion": "v1", "kind": "ServiceAccount",
                  "metadata": k8s_meta("storefront", "shop")}),
        step("create", "kubernetes:rbac.authorization.k8s.io/v1:Role", "storefront",
             provider="kubernetes",
             new={"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                  "metadata": k8s_meta("storefront-config", "shop"),
                  "rules": [{"apiGroups": [""], "resources": ["configmaps"],
                             "resourceNames": ["storefront-config"],
                             "verbs": ["get", "list", "watch"]}]}),
        step("create", "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "storefront",
             provider="kubernetes",
             new={"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                  "metadata": k8s_meta("storefront-config", "shop"),
                  "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                              "name": "storefront-config"},
                  "subjects": [{"kind": "ServiceAccount", "name": "storefront",
                                "namespace": "shop"}]}),
    ], {"kubernetes:context": "prod"})


# ---------------------------------------------------------------------------------------
# GitHub
def github_protection(approvals, enforce_admins):
    return {"repositoryId": "R_kgDObe3bb7", "pattern": "main", "enforceAdmins": enforce_admins,
            "allowsDeletions": False, "allowsForcePushes": False,
            "requireConversationResolution": True, "requiredLinearHistory": True,
            "requiredPullRequestReviews": [{"requiredApprovingReviewCount": approvals,
                                            "dismissStaleReviews": True,
                                            "requireCodeOwnerReviews": True}],
            "requiredStatusChecks": [{"strict": True, "contexts": ["ci", "foureyes"]}]}


def github_protection_weakened():
    """The twin of providers/github/protection-weakened.json (its changed protection): the
    default branch of `api` needs one approval instead of two and administrators may bypass
    it."""
    before = github_protection(2, True)
    return Preview([
        stack_step(),
        step("update", "github:index/branchProtection:BranchProtection", "api-main",
             old=before, new=github_protection(1, False), provider="github",
             diff=["enforceAdmins", "requiredPullRequestReviews"]),
    ], {"github:owner": "acme"})


def github_ordinary():
    """Precision: the protection asks for two approvals instead of one."""
    return Preview([
        stack_step(),
        step("update", "github:index/branchProtection:BranchProtection", "api-main",
             old=github_protection(1, True), new=github_protection(2, True),
             provider="github", diff=["requiredPullRequestReviews"]),
    ], {"github:owner": "acme"})


# ---------------------------------------------------------------------------------------
# Coverage
def coverage_unknown_tokens():
    """What no table maps is named, never dropped: a Google type newer than the table, a
    server-side-applied patch of a ClusterRoleBinding, an ARM role management policy (identity,
    named next to the verdict), a custom resource of a CRD (counted); the stack, a provider and
    a component are Pulumi's own and skipped."""
    comp = STACK + "aws:s3:BucketEventSubscription::uploads"
    return Preview([
        stack_step(),
        {"op": "create", "urn": STACK + "pulumi:providers:aws::prod",
         "newState": {"urn": STACK + "pulumi:providers:aws::prod", "custom": True,
                      "type": "pulumi:providers:aws", "inputs": {"region": "eu-west-1"},
                      "outputs": {}}},
        {"op": "create", "urn": comp,
         "newState": {"urn": comp, "custom": False, "type": "aws:s3:BucketEventSubscription",
                      "inputs": {}, "outputs": {}}},
        step("create", "gcp:projects/iAMNewThing:IAMNewThing", "new-thing", provider="gcp",
             new={"project": PROJECT, "member": "user:alice@acme.example"}),
        step("create", "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBindingPatch",
             "ci-admin-patch", provider="kubernetes",
             new={"metadata": k8s_meta("ci-deployer-admin"),
                  "subjects": [{"kind": "ServiceAccount", "name": "deployer",
                                "namespace": "ci"}]}),
        step("update", "azure-native:authorization:RoleManagementPolicy", "owner-policy",
             old={"scope": SUB, "rules": [{"id": "Expiration_Admin_Eligibility",
                                           "isExpirationRequired": True}]},
             new={"scope": SUB, "rules": [{"id": "Expiration_Admin_Eligibility",
                                           "isExpirationRequired": False}]},
             provider="azure-native", diff=["rules"]),
        step("create", "kubernetes:example.com/v1:Widget", "widget", provider="kubernetes",
             new={"metadata": k8s_meta("widget", "shop"), "spec": {"size": 3}}),
    ], {"aws:region": "eu-west-1"})


PREVIEWS = {
    "previews/providers/aws/trail-stopped.json": aws_trail_stopped,
    "previews/providers/aws/new-service.json": aws_new_service,
    "previews/providers/gcp/admin-and-sink-disabled.json": gcp_admin_and_sink_disabled,
    "previews/providers/gcp/ordinary.json": gcp_ordinary,
    "previews/providers/azure-native/owner-and-diagnostics.json":
        azure_native_owner_and_diagnostics,
    "previews/providers/azure-native/ordinary.json": azure_native_ordinary,
    "previews/providers/azuread/global-admin.json": azuread_global_admin,
    "previews/providers/azuread/ordinary.json": azuread_ordinary,
    "previews/providers/kubernetes/cluster-admin-binding.json":
        kubernetes_cluster_admin_binding,
    "previews/providers/kubernetes/secret-subject.json": kubernetes_secret_subject,
    "previews/providers/kubernetes/ordinary-app.json": kubernetes_ordinary_app,
    "previews/providers/github/protection-weakened.json": github_protection_weakened,
    "previews/providers/github/ordinary.json": github_ordinary,
    "previews/providers/coverage/unknown-tokens.json": coverage_unknown_tokens,
}
