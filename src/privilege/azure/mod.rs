//! Azure and Entra ID (`hashicorp/azurerm` and `hashicorp/azuread`): one principal namespace
//! (role assignments name Entra ID objects by object id), built-in roles as bundles, role
//! definitions' permission blocks and Key Vault permission lists as documents, and the
//! identity the providers authenticate as. What each resource type states is data:
//! `rulesets/azure/shapes.toml`; the built-in roles are `rulesets/azure/roles.json` (where they
//! come from: `rulesets/azure/README.md`).

use super::{Actions, Assumed, Provider, Statement};
use crate::model::{Effect, PrincipalId, Side};
use crate::normalize::ChangeSet;
use crate::resolve::{attr, Tri};
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::OnceLock;

/// The built-in roles, Entra ID roles and Microsoft Graph app roles foureyes knows.
const ROLES: &str = include_str!("../../../rulesets/azure/roles.json");

/// The Azure and Entra ID provider.
pub(crate) struct Azure;

/// The kinds of principal that are Entra ID objects, named by object id: one namespace, so that
/// a role assignment's `principal_id`, a group's `members` and the object's own resource name
/// one principal.
const OBJECTS: &[&str] = &[
    "principal",
    "user",
    "group",
    "service-principal",
    "managed-identity",
];

impl Provider for Azure {
    fn name(&self) -> &'static str {
        "azure"
    }

    fn rulesets(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ruleset_file!("azure/grants.toml"),
            ruleset_file!("azure/stores.toml"),
        ]
    }

    fn shapes(&self) -> (&'static str, &'static str) {
        ruleset_file!("azure/shapes.toml")
    }

    /// `azure:principal/OBJECT-ID` for every Entra ID object (an azuread id such as
    /// `/servicePrincipals/OBJECT-ID` reads as its object id); `azure:application/CLIENT-ID` for
    /// an application registration (which acts through its service principal);
    /// `azure:federated/HOST[SUBJECT]` for a federated subject (named `ISSUER[SUBJECT]`).
    fn principal(&self, kind: &str, name: &str) -> PrincipalId {
        if OBJECTS.contains(&kind) {
            return PrincipalId::new(format!("azure:principal/{}", object_id(name)));
        }
        if kind == "application" {
            let id = name.trim().trim_start_matches("/applications/");
            return PrincipalId::new(format!("azure:application/{}", object_id(id)));
        }
        if kind == "federated" {
            return PrincipalId::new(format!("azure:federated/{}", federated(name)));
        }
        PrincipalId::new(format!("azure:{kind}/{name}"))
    }

    /// An object id (a GUID) is an Entra ID object.
    fn parse_principal(&self, text: &str) -> Option<PrincipalId> {
        is_guid(text).then(|| PrincipalId::new(format!("azure:principal/{}", object_id(text))))
    }

    fn pipeline(&self, set: &ChangeSet) -> Vec<Assumed> {
        pipeline_principals(set)
    }

    /// A role definition's permissions as JSON (`[{"actions": [...], "not_actions": [...]}]`,
    /// or one such object); Azure has no policy documents of its own.
    ///
    /// An activated Entra ID role's `template_id` is what the role grants, too.
    fn document(&self, text: &str) -> Result<Vec<Statement>, String> {
        if is_guid(text.trim()) {
            return self
                .bundle(text)
                .and_then(|name| self.bundle_statements(&name))
                .ok_or_else(|| format!("{} is not a role foureyes knows", text.trim()));
        }
        let value: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        Ok(permissions(&value))
    }

    /// Role definitions' `permissions` blocks, and Key Vault access policies' permission lists
    /// (`secret_permissions = ["Get", "List"]`), keyed by attribute.
    fn document_value(&self, value: &Value) -> Option<Vec<Statement>> {
        let object = value.as_object()?;
        let mut out = Vec::new();
        for (attribute, v) in object {
            match attribute.as_str() {
                "permissions" => out.extend(permissions(v)),
                list => {
                    let Some(kind) = list.strip_suffix("_permissions") else {
                        continue;
                    };
                    let actions: Vec<String> = v
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .map(|p| vault_action(kind, p))
                        .collect();
                    if !actions.is_empty() {
                        out.push(allow(Actions::Action(actions)));
                    }
                }
            }
        }
        Some(out)
    }

    /// A built-in role by name (`Owner`) or definition id (`.../roleDefinitions/GUID`), an
    /// Entra ID role by template id, a Microsoft Graph app role by id.
    fn bundle(&self, key: &str) -> Option<String> {
        let roles = roles();
        let key = key.trim();
        if let Some(name) = roles.by_name.get(&key.to_ascii_lowercase()) {
            return Some(name.clone());
        }
        let guid = key.rsplit('/').next().unwrap_or(key).to_ascii_lowercase();
        roles.by_id.get(&guid).cloned()
    }

    fn bundle_statements(&self, name: &str) -> Option<Vec<Statement>> {
        roles().statements.get(name).cloned()
    }

    fn missing(&self, key: &str, sensitive: bool) -> String {
        if sensitive {
            return "a role whose name or id is sensitive is neither a built-in role foureyes knows \
                    nor defined in this change set"
                .to_string();
        }
        format!(
            "the role {key} is neither a built-in role foureyes knows nor defined in this change set"
        )
    }

    /// A management group, a subscription or a resource group (or the root, `/`, which is also
    /// an Entra ID role's whole tenant) holds many resources; a single resource, or an
    /// administrative unit, does not.
    fn broad_scope(&self, scope: &str) -> bool {
        broad(scope)
    }
}

/// Whether a scope covers many resources: `/`, a management group, a subscription or a resource
/// group.
fn broad(scope: &str) -> bool {
    let parts: Vec<&str> = scope.trim_matches('/').split('/').collect();
    match parts.as_slice() {
        [""] => true,
        [p, "Microsoft.Management", mg, _] => {
            p.eq_ignore_ascii_case("providers") && mg.eq_ignore_ascii_case("managementGroups")
        }
        [s, _] => s.eq_ignore_ascii_case("subscriptions"),
        [s, _, rg, _] => {
            s.eq_ignore_ascii_case("subscriptions") && rg.eq_ignore_ascii_case("resourceGroups")
        }
        _ => false,
    }
}

/// An object id as the principal id shows it: the last part of an azuread id
/// (`/servicePrincipals/ID`), lowercased when it is a GUID.
fn object_id(name: &str) -> String {
    let name = name.trim();
    let last = name.rsplit('/').next().unwrap_or(name);
    if is_guid(last) {
        last.to_ascii_lowercase()
    } else {
        name.to_string()
    }
}

/// `ISSUER[SUBJECT]` → `HOST[SUBJECT]` (`token.actions.githubusercontent.com[repo:acme/x:...]`).
fn federated(name: &str) -> String {
    let Some((issuer, subject)) = name.split_once('[') else {
        return name.to_string();
    };
    let host = issuer
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/');
    format!("{host}[{subject}")
}

fn is_guid(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && parts
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn allow(actions: Actions) -> Statement {
    Statement {
        effect: Effect::Allow,
        actions,
        scope: "*".to_string(),
        broad: true,
        conditional: false,
    }
}

/// What a role's actions less its not-actions allow: `*` less some is every action but those;
/// other patterns are kept unless a not-action covers them whole (a not-action narrower than a
/// wildcard is not subtracted: the role is read as holding it, towards asking).
fn subtract(actions: &[String], not: &[String]) -> Vec<Statement> {
    let mut out = Vec::new();
    if actions.iter().any(|a| a == "*") {
        out.push(allow(if not.is_empty() {
            Actions::Action(vec!["*".to_string()])
        } else {
            Actions::NotAction(not.to_vec())
        }));
        return out;
    }
    let kept: Vec<String> = actions
        .iter()
        .filter(|a| !not.iter().any(|n| crate::glob::matches(n, a)))
        .cloned()
        .collect();
    if !kept.is_empty() {
        out.push(allow(Actions::Action(kept)));
    }
    out
}

/// Role definition permissions: a list of blocks (or one) of `actions`, `not_actions`,
/// `data_actions` and `not_data_actions` (camelCase too, as the REST API writes them).
fn permissions(value: &Value) -> Vec<Statement> {
    let blocks: Vec<&Value> = match value {
        Value::Array(list) => list.iter().collect(),
        Value::Object(_) => vec![value],
        _ => Vec::new(),
    };
    let list = |b: &Value, keys: [&str; 2]| -> Vec<String> {
        keys.iter()
            .filter_map(|k| b.get(*k))
            .flat_map(|v| v.as_array().into_iter().flatten())
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect()
    };
    let mut out = Vec::new();
    for b in blocks {
        out.extend(subtract(
            &list(b, ["actions", "actions"]),
            &list(b, ["not_actions", "notActions"]),
        ));
        out.extend(subtract(
            &list(b, ["data_actions", "dataActions"]),
            &list(b, ["not_data_actions", "notDataActions"]),
        ));
    }
    out
}

/// The data action a Key Vault access policy permission gives (`secret`, `Get` →
/// `Microsoft.KeyVault/vaults/secrets/getSecret/action`), as the RBAC roles name them.
fn vault_action(kind: &str, permission: &str) -> String {
    let p = permission.trim().to_ascii_lowercase();
    let known = match (kind, p.as_str()) {
        ("secret", "get") => Some("secrets/getSecret/action"),
        ("secret", "set") => Some("secrets/setSecret/action"),
        ("secret", "list") => Some("secrets/readMetadata/action"),
        ("secret", "delete") => Some("secrets/delete"),
        ("key", "get" | "list") => Some("keys/read"),
        ("key", "decrypt") => Some("keys/decrypt/action"),
        ("key", "encrypt") => Some("keys/encrypt/action"),
        ("key", "unwrapkey") => Some("keys/unwrap/action"),
        ("key", "wrapkey") => Some("keys/wrap/action"),
        ("key", "sign") => Some("keys/sign/action"),
        ("key", "verify") => Some("keys/verify/action"),
        ("key", "delete") => Some("keys/delete"),
        ("certificate", "get" | "list") => Some("certificates/read"),
        ("certificate", "create") => Some("certificates/create/action"),
        ("certificate", "delete") => Some("certificates/delete"),
        _ => None,
    };
    match known {
        Some(action) => format!("Microsoft.KeyVault/vaults/{action}"),
        None => {
            let plural = match kind {
                "storage" => "storage".to_string(),
                other => format!("{other}s"),
            };
            format!("Microsoft.KeyVault/vaults/{plural}/{p}/action")
        }
    }
}

/// The roles file as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRoles {
    #[serde(default)]
    role: Vec<RawRole>,
    #[serde(default)]
    entra_role: Vec<RawRole>,
    #[serde(default)]
    app_role: Vec<RawRole>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRole {
    name: String,
    id: String,
    #[serde(default)]
    actions: Vec<String>,
    #[serde(default)]
    not_actions: Vec<String>,
    #[serde(default)]
    data_actions: Vec<String>,
    #[serde(default)]
    not_data_actions: Vec<String>,
}

/// The roles, by the keys that attach them, and what each grants by the name grants show.
struct Roles {
    /// Azure built-in roles by lowercase name.
    by_name: HashMap<String, String>,
    /// Every role by lowercase id.
    by_id: HashMap<String, String>,
    statements: HashMap<String, Vec<Statement>>,
}

/// The name grants show for an Entra ID role and a Graph app role.
fn entra_name(name: &str) -> String {
    format!("{name} (Entra ID role)")
}

fn graph_name(name: &str) -> String {
    format!("Microsoft Graph {name} (application permission)")
}

fn roles() -> &'static Roles {
    static ROLES_TABLE: OnceLock<Roles> = OnceLock::new();
    ROLES_TABLE.get_or_init(|| {
        // NOTE: the embedded file is checked by a test; an unreadable one is an empty table.
        let raw: RawRoles = serde_json::from_str(ROLES).unwrap_or(RawRoles {
            role: Vec::new(),
            entra_role: Vec::new(),
            app_role: Vec::new(),
        });
        let mut roles = Roles {
            by_name: HashMap::new(),
            by_id: HashMap::new(),
            statements: HashMap::new(),
        };
        for r in &raw.role {
            roles
                .by_name
                .insert(r.name.to_ascii_lowercase(), r.name.clone());
            roles
                .by_id
                .insert(r.id.to_ascii_lowercase(), r.name.clone());
            let mut s = subtract(&r.actions, &r.not_actions);
            s.extend(subtract(&r.data_actions, &r.not_data_actions));
            roles.statements.insert(r.name.clone(), s);
        }
        for r in &raw.entra_role {
            let name = entra_name(&r.name);
            roles.by_id.insert(r.id.to_ascii_lowercase(), name.clone());
            roles.statements.insert(name, subtract(&r.actions, &[]));
        }
        for r in &raw.app_role {
            let name = graph_name(&r.name);
            roles.by_id.insert(r.id.to_ascii_lowercase(), name.clone());
            let action = format!("Microsoft.Graph/{}", r.name);
            roles
                .statements
                .insert(name, vec![allow(Actions::Action(vec![action]))]);
        }
        roles
    })
}

/// The identities the `azurerm` and `azuread` providers authenticate as: their `client_id` (a
/// literal, or a root variable whose value the plan holds). The client id is an application's
/// or a managed identity's; where the change set holds its service principal
/// (`azuread_service_principal` or `azurerm_user_assigned_identity` with that `client_id`), the
/// principal is that object, which role assignments name; else `azure:client/CLIENT-ID`.
fn pipeline_principals(set: &ChangeSet) -> Vec<Assumed> {
    let mut objects: HashMap<String, String> = HashMap::new();
    // A service principal's object id, or a managed identity's (`principal_id`).
    let objects_of = [
        ("azuread_service_principal", "object_id"),
        ("azurerm_user_assigned_identity", "principal_id"),
    ];
    for c in set.changes.iter().filter(|c| !c.data) {
        let Some(&(_, object)) = objects_of.iter().find(|(t, _)| *t == c.kind.as_str()) else {
            continue;
        };
        for side in [Side::Before, Side::After] {
            let client =
                ["client_id", "application_id"]
                    .iter()
                    .find_map(|a| match attr(c, side, a) {
                        Tri::Known(Value::String(v)) => Some(v.to_ascii_lowercase()),
                        _ => None,
                    });
            if let (Some(client), Tri::Known(Value::String(object))) =
                (client, attr(c, side, object))
            {
                objects.insert(client, object.clone());
            }
        }
    }
    let mut out: Vec<Assumed> = Vec::new();
    for input in &set.inputs {
        for (key, provider) in &input.configuration.provider_config {
            let name = provider.name.as_str();
            if name != "azurerm" && name != "azuread" {
                continue;
            }
            let Some(expressions) = &provider.expressions else {
                continue;
            };
            let Some(expression) = expressions.get("client_id") else {
                continue;
            };
            let oidc = matches!(
                expressions
                    .get("use_oidc")
                    .and_then(|e| e.get("constant_value")),
                Some(Value::Bool(true))
            );
            let how = if oidc { ", OIDC" } else { "" };
            let source = format!("{}: provider \"{key}\" client_id", input.name);
            let Some((client, from, sensitive)) = super::configured_text(input, key, expression)
            else {
                continue;
            };
            let source = match from {
                Some(from) => format!("{source} ({from}{how})"),
                None => format!("{source}{how}"),
            };
            let id = match objects.get(&client.to_ascii_lowercase()) {
                Some(object) => Azure.principal("service-principal", object),
                None => PrincipalId::new(format!("azure:client/{}", client.trim())),
            };
            if !out.iter().any(|a| a.id == id) {
                out.push(Assumed {
                    id,
                    source,
                    sensitive,
                    place: format!("provider.{key}.client_id"),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_roles_file_reads_and_every_id_is_a_guid() {
        let raw: RawRoles = serde_json::from_str(ROLES).expect("rulesets/azure/roles.json parses");
        let all = raw.role.iter().chain(&raw.entra_role).chain(&raw.app_role);
        let mut ids = std::collections::HashSet::new();
        for r in all {
            assert!(is_guid(&r.id), "{}: {}", r.name, r.id);
            assert!(ids.insert(r.id.to_ascii_lowercase()), "{} twice", r.id);
        }
        assert!(raw.role.len() >= 25);
    }

    #[test]
    fn roles_are_known_by_name_and_by_definition_id() {
        assert_eq!(Azure.bundle("Owner").as_deref(), Some("Owner"));
        assert_eq!(
            Azure.bundle("user access administrator").as_deref(),
            Some("User Access Administrator")
        );
        assert_eq!(
            Azure
                .bundle("/subscriptions/0000/providers/Microsoft.Authorization/roleDefinitions/8E3AF657-A8FF-443C-A75C-2FE8C4BCB635")
                .as_deref(),
            Some("Owner")
        );
        assert_eq!(
            Azure
                .bundle("62e90394-69f5-4237-9190-012177145e10")
                .as_deref(),
            Some("Global Administrator (Entra ID role)")
        );
        assert_eq!(Azure.bundle("My Custom Role"), None);
        let contributor = Azure.bundle_statements("Contributor").expect("known");
        assert!(
            matches!(&contributor[0].actions, Actions::NotAction(n) if n.iter().any(|a| a == "Microsoft.Authorization/*/Write"))
        );
    }

    #[test]
    fn one_namespace_for_entra_objects() {
        let id = "11111111-2222-3333-4444-555555555555";
        let want = format!("azure:principal/{id}");
        for kind in OBJECTS {
            assert_eq!(Azure.principal(kind, id).0.as_ref(), want);
        }
        assert_eq!(
            Azure
                .principal("service-principal", &format!("/servicePrincipals/{id}"))
                .0
                .as_ref(),
            want
        );
        assert_eq!(
            Azure
                .principal(
                    "federated",
                    "https://token.actions.githubusercontent.com[repo:acme/infra:ref:refs/heads/main]"
                )
                .0
                .as_ref(),
            "azure:federated/token.actions.githubusercontent.com[repo:acme/infra:ref:refs/heads/main]"
        );
    }

    /// `--pipeline-principal` takes an object id (asked before AWS takes bare names) or a
    /// principal id as written.
    #[test]
    fn pipeline_principals_are_object_ids_or_principal_ids() {
        let id = |t: &str| crate::privilege::principal_id(t).0.to_string();
        assert_eq!(
            id("4CB207E2-76EC-4AE7-A816-AEE01C6BC210"),
            "azure:principal/4cb207e2-76ec-4ae7-a816-aee01c6bc210"
        );
        assert_eq!(id("azure:client/abc"), "azure:client/abc");
        assert_eq!(id("deployer"), "aws:role/deployer");
    }

    #[test]
    fn broad_scopes_hold_many_resources() {
        assert!(broad("/"));
        assert!(broad("/subscriptions/0000"));
        assert!(broad("/subscriptions/0000/resourceGroups/rg"));
        assert!(broad(
            "/providers/Microsoft.Management/managementGroups/root"
        ));
        assert!(!broad(
            "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv"
        ));
    }

    #[test]
    fn vault_permissions_become_data_actions() {
        let doc = serde_json::json!({"secret_permissions": ["Get", "List"], "key_permissions": []});
        let s = Azure.document_value(&doc).expect("a document");
        assert_eq!(s.len(), 1);
        assert!(matches!(&s[0].actions, Actions::Action(a) if a == &[
            "Microsoft.KeyVault/vaults/secrets/getSecret/action".to_string(),
            "Microsoft.KeyVault/vaults/secrets/readMetadata/action".to_string(),
        ]));
    }
}
