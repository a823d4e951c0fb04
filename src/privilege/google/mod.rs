//! Google Cloud (`hashicorp/google`, `google-beta`): IAM members as principal ids
//! (`gcp:serviceAccount/EMAIL`, `gcp:user/EMAIL`, ...), predefined roles as bundles of
//! permissions (`rulesets/gcp/roles.txt`), and the service account the provider impersonates.
//! What each IAM resource type states is data: `rulesets/gcp/shapes.toml`.

use super::{Actions, Assumed, Binding, Provider, Statement};
use crate::model::{Effect, PrincipalId};
use crate::normalize::ChangeSet;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

/// Predefined and basic roles with the permissions foureyes judges (see its header).
const ROLES: &str = include_str!("../../../rulesets/gcp/roles.txt");

/// The Google Cloud provider (`hashicorp/google`, `hashicorp/google-beta`).
pub(crate) struct Google;

/// The kind a shape names for an IAM member whose kind is in its value (`user:alice@x`).
pub(crate) const MEMBER: &str = "member";

impl Provider for Google {
    fn name(&self) -> &'static str {
        "gcp"
    }

    fn rulesets(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ruleset_file!("gcp/grants.toml"),
            ruleset_file!("gcp/stores.toml"),
        ]
    }

    fn shapes(&self) -> (&'static str, &'static str) {
        ruleset_file!("gcp/shapes.toml")
    }

    /// `gcp:KIND/NAME`. An IAM member (`kind` "member") carries its kind in its value:
    /// `serviceAccount:ci@p.iam.gserviceaccount.com` is `gcp:serviceAccount/ci@p.iam...`;
    /// a service account named by its resource name (`projects/P/serviceAccounts/EMAIL`) goes
    /// by its email.
    fn principal(&self, kind: &str, name: &str) -> PrincipalId {
        let name = name.trim();
        if kind == MEMBER {
            return member(name);
        }
        if kind == "serviceAccount" {
            return PrincipalId::new(format!("gcp:serviceAccount/{}", account_email(name)));
        }
        PrincipalId::new(format!("gcp:{kind}/{name}"))
    }

    /// An IAM member as Google writes it (`serviceAccount:x@p.iam.gserviceaccount.com`,
    /// `user:alice@example.com`).
    fn parse_principal(&self, text: &str) -> Option<PrincipalId> {
        let prefixed = MEMBER_KINDS
            .iter()
            .any(|k| text.strip_prefix(k).is_some_and(|r| r.starts_with(':')))
            || text.starts_with("principal://")
            || text.starts_with("principalSet://");
        if prefixed {
            return Some(member(text));
        }
        // A service account's bare email.
        (text.contains('@') && !text.contains([':', '/']) && text.ends_with(".gserviceaccount.com"))
            .then(|| PrincipalId::new(format!("gcp:serviceAccount/{text}")))
    }

    /// `allUsers` (anyone on the internet) and `allAuthenticatedUsers` (anyone with a Google
    /// account).
    fn is_public(&self, id: &PrincipalId) -> bool {
        id.0.as_str() == "gcp:allUsers" || id.0.as_str() == "gcp:allAuthenticatedUsers"
    }

    fn pipeline(&self, set: &ChangeSet) -> Vec<Assumed> {
        pipeline_principals(set)
    }

    /// A custom role's permissions, written one per line or as a JSON list.
    fn document(&self, text: &str) -> Result<Vec<Statement>, String> {
        let list: Vec<String> = match serde_json::from_str::<Value>(text) {
            Ok(Value::Array(items)) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            Ok(_) => return Err("expected a list of permissions".into()),
            Err(_) => text.split_whitespace().map(str::to_string).collect(),
        };
        Ok(vec![allow(list)])
    }

    /// An IAM policy's `policy_data`: `{"bindings": [{"role", "members", "condition"}]}`.
    fn bindings(&self, text: &str) -> Result<Vec<Binding>, String> {
        let doc: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let Some(doc) = doc.as_object() else {
            return Err("expected an IAM policy (an object with bindings)".into());
        };
        let mut out = Vec::new();
        for b in doc
            .get("bindings")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(role) = b.get("role").and_then(Value::as_str) else {
                return Err("a binding has no role".into());
            };
            let members = members_of(b);
            let conditional = b
                .get("condition")
                .is_some_and(|c| !c.is_null() && c.as_object().is_none_or(|o| !o.is_empty()));
            out.push(Binding {
                key: role.to_string(),
                members,
                conditional,
                unknown_members: false,
            });
        }
        Ok(out)
    }

    /// `data.google_iam_policy`'s `binding` blocks (`role`, `members`, `condition`), while its
    /// `policy_data` is known only after apply.
    fn bindings_from_blocks(&self, blocks: &Value, unknown: &Value) -> Option<Vec<Binding>> {
        let mut out = Vec::new();
        for (i, b) in blocks.as_array()?.iter().enumerate() {
            let marks = unknown.get(i);
            let role = b.get("role").and_then(Value::as_str)?;
            let members = members_of(b);
            let unknown_members = marks.and_then(|m| m.get("members")).is_some_and(|m| {
                m == &Value::Bool(true)
                    || m.as_array().is_some_and(|a| a.contains(&Value::Bool(true)))
            });
            let conditional = b
                .get("condition")
                .and_then(Value::as_array)
                .is_some_and(|c| !c.is_empty());
            out.push(Binding {
                key: role.to_string(),
                members,
                conditional,
                unknown_members,
            });
        }
        Some(out)
    }

    /// A predefined or basic role, by its name (`roles/owner`).
    fn bundle(&self, key: &str) -> Option<String> {
        roles().contains_key(key).then(|| key.to_string())
    }

    fn bundle_statements(&self, name: &str) -> Option<Vec<Statement>> {
        roles().get(name).map(|p| vec![allow(p.clone())])
    }

    fn missing(&self, key: &str, sensitive: bool) -> String {
        match (key.starts_with("roles/"), sensitive) {
            (true, false) => {
                format!("the role {key} is not in foureyes' table of predefined roles")
            }
            (true, true) => {
                "a predefined role whose name is sensitive is not in foureyes' table".into()
            }
            (false, false) => format!("the custom role {key} is not in this change set"),
            (false, true) => "a role whose name is sensitive is not in this change set".into(),
        }
    }

    /// Expand a permission pattern (`logging.sinks.*`) against the permissions the roles'
    /// table knows; exact permissions are kept as written.
    fn expand(&self, pattern: &str) -> Vec<String> {
        if !crate::glob::is_pattern(pattern) {
            return vec![pattern.to_string()];
        }
        permissions()
            .iter()
            .filter(|p| crate::glob::matches(pattern, p))
            .map(|p| p.to_string())
            .collect()
    }

    #[cfg(test)]
    fn knows_action(&self, action: &str) -> bool {
        permissions().contains(action)
    }
}

/// The prefixes of IAM members that name one identity, group or domain.
const MEMBER_KINDS: &[&str] = &["user", "serviceAccount", "group", "domain", "deleted"];

/// The principal id of an IAM member.
fn member(value: &str) -> PrincipalId {
    let value = value.trim();
    if value == "allUsers" || value == "allAuthenticatedUsers" {
        return PrincipalId::new(format!("gcp:{value}"));
    }
    // Workload and workforce identity federation: one identity, or a set of them.
    for scheme in ["principal", "principalSet"] {
        if let Some(rest) = value.strip_prefix(&format!("{scheme}://")) {
            return PrincipalId::new(format!("gcp:{scheme}/{rest}"));
        }
    }
    match value.split_once(':') {
        Some(("serviceAccount", email)) => {
            PrincipalId::new(format!("gcp:serviceAccount/{}", account_email(email)))
        }
        // `deleted:user:alice@example.com?uid=123`: the member as it was, marked deleted.
        Some((kind, rest)) if !kind.is_empty() => PrincipalId::new(format!("gcp:{kind}/{rest}")),
        _ => PrincipalId::new(format!("gcp:member/{value}")),
    }
}

/// A service account's email from its email, its resource name
/// (`projects/P/serviceAccounts/EMAIL`) or its unique id (kept as it is).
fn account_email(name: &str) -> &str {
    match name.rsplit_once("/serviceAccounts/") {
        Some((_, email)) => email,
        None => name,
    }
}

/// One Allow statement of permissions, on whatever the grant's scope is.
fn allow(permissions: Vec<String>) -> Statement {
    Statement {
        effect: Effect::Allow,
        actions: Actions::Action(permissions),
        scope: "*".into(),
        broad: true,
        conditional: false,
    }
}

/// The roles' table: role → permissions.
fn roles() -> &'static BTreeMap<String, Vec<String>> {
    static ROLE_TABLE: OnceLock<BTreeMap<String, Vec<String>>> = OnceLock::new();
    ROLE_TABLE.get_or_init(|| parse_roles(ROLES).0)
}

/// Every exact permission the table names (roles and `@permissions`).
fn permissions() -> &'static BTreeSet<String> {
    static ALL: OnceLock<BTreeSet<String>> = OnceLock::new();
    ALL.get_or_init(|| parse_roles(ROLES).1)
}

/// Read the roles' table: the roles, and every exact permission named.
fn parse_roles(text: &str) -> (BTreeMap<String, Vec<String>>, BTreeSet<String>) {
    let mut roles: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut all = BTreeSet::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let content = line.split('#').next().unwrap_or("");
        if content.trim().is_empty() {
            continue;
        }
        let mut words = content.split_whitespace();
        if !line.starts_with(char::is_whitespace) {
            current = words.next().map(str::to_string);
        }
        let Some(role) = &current else { continue };
        let list = roles.entry(role.clone()).or_default();
        for w in words {
            if !crate::glob::is_pattern(w) {
                all.insert(w.to_string());
            }
            list.push(w.to_string());
        }
    }
    roles.remove("@permissions");
    (roles, all)
}

/// The service accounts the provider impersonates (`impersonate_service_account` of a
/// `google` or `google-beta` provider block): a literal, or a root variable.
fn pipeline_principals(set: &ChangeSet) -> Vec<Assumed> {
    let mut out: Vec<Assumed> = Vec::new();
    for input in &set.inputs {
        for (key, provider) in &input.configuration.provider_config {
            let name = if provider.name.is_empty() {
                key.split('.').next().unwrap_or(key)
            } else {
                provider.name.as_str()
            };
            if name != "google" && name != "google-beta" {
                continue;
            }
            let Some(expression) = provider
                .expressions
                .as_ref()
                .and_then(|e| e.get("impersonate_service_account"))
            else {
                continue;
            };
            let source = format!(
                "{}: provider \"{key}\" impersonate_service_account",
                input.name
            );
            let Some((email, from, sensitive)) = super::configured_text(input, key, expression)
            else {
                continue;
            };
            let source = match from {
                Some(from) => format!("{source} ({from})"),
                None => source,
            };
            let id = Google.principal("serviceAccount", email);
            if !out.iter().any(|a| a.id == id) {
                out.push(Assumed {
                    id,
                    source,
                    sensitive,
                    place: format!("provider.{key}.impersonate_service_account"),
                });
            }
        }
    }
    out
}

/// The members a binding (of a policy, or a data source's block) names, as written.
fn members_of(binding: &Value) -> Vec<String> {
    binding
        .get("members")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|m| m.as_str().map(str::to_string))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(kind: &str, name: &str) -> String {
        Google.principal(kind, name).0.to_string()
    }

    #[test]
    fn members_carry_their_kind() {
        assert_eq!(
            id(MEMBER, "serviceAccount:ci@p.iam.gserviceaccount.com"),
            "gcp:serviceAccount/ci@p.iam.gserviceaccount.com"
        );
        assert_eq!(
            id(MEMBER, "user:alice@example.com"),
            "gcp:user/alice@example.com"
        );
        assert_eq!(
            id(MEMBER, "group:ops@example.com"),
            "gcp:group/ops@example.com"
        );
        assert_eq!(id(MEMBER, "domain:example.com"), "gcp:domain/example.com");
        assert_eq!(id(MEMBER, "allUsers"), "gcp:allUsers");
        assert_eq!(
            id(MEMBER, "allAuthenticatedUsers"),
            "gcp:allAuthenticatedUsers"
        );
        assert_eq!(
            id(MEMBER, "principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/gh/attribute.repository/acme/infra"),
            "gcp:principalSet/iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/gh/attribute.repository/acme/infra"
        );
        assert_eq!(
            id(MEMBER, "deleted:user:bob@example.com?uid=123"),
            "gcp:deleted/user:bob@example.com?uid=123"
        );
        assert_eq!(
            id(MEMBER, "projectOwner:acme-prod"),
            "gcp:projectOwner/acme-prod"
        );
        assert_eq!(id(MEMBER, "nonsense"), "gcp:member/nonsense");
    }

    #[test]
    fn service_accounts_go_by_their_email() {
        assert_eq!(
            id(
                "serviceAccount",
                "projects/acme-prod/serviceAccounts/ci@acme-prod.iam.gserviceaccount.com"
            ),
            "gcp:serviceAccount/ci@acme-prod.iam.gserviceaccount.com"
        );
        assert_eq!(
            id(
                MEMBER,
                "serviceAccount:projects/-/serviceAccounts/ci@p.iam.gserviceaccount.com"
            ),
            "gcp:serviceAccount/ci@p.iam.gserviceaccount.com"
        );
    }

    #[test]
    fn pipeline_principals_as_google_writes_them() {
        let id = |t: &str| crate::privilege::principal_id(t).0.to_string();
        assert_eq!(
            id("serviceAccount:deployer@p.iam.gserviceaccount.com"),
            "gcp:serviceAccount/deployer@p.iam.gserviceaccount.com"
        );
        assert_eq!(id("user:alice@example.com"), "gcp:user/alice@example.com");
        assert_eq!(
            id("gcp:serviceAccount/x@p.iam.gserviceaccount.com"),
            "gcp:serviceAccount/x@p.iam.gserviceaccount.com"
        );
    }

    #[test]
    fn bare_service_account_emails_and_the_public() {
        let id = |t: &str| crate::privilege::principal_id(t).0.to_string();
        assert_eq!(
            id("deployer@p.iam.gserviceaccount.com"),
            "gcp:serviceAccount/deployer@p.iam.gserviceaccount.com"
        );
        assert!(Google.is_public(&Google.principal(MEMBER, "allUsers")));
        assert!(Google.is_public(&Google.principal(MEMBER, "allAuthenticatedUsers")));
        assert!(!Google.is_public(&Google.principal(MEMBER, "domain:example.com")));
    }

    #[test]
    fn roles_are_bundles_of_permissions() {
        assert_eq!(Google.bundle("roles/owner"), Some("roles/owner".into()));
        assert_eq!(Google.bundle("roles/not.a.role"), None);
        assert_eq!(Google.bundle("projects/p/roles/deployer"), None);
        let editor = Google
            .bundle_statements("roles/editor")
            .expect("editor is known");
        let Actions::Action(list) = &editor[0].actions else {
            panic!("a list of permissions")
        };
        assert!(list.contains(&"iam.serviceAccounts.actAs".to_string()));
        assert!(permissions().contains("resourcemanager.projects.setIamPolicy"));
        assert!(!permissions().contains("*"));
        assert!(Google
            .missing("roles/not.a.role", false)
            .contains("not in foureyes' table"));
        assert!(!Google.missing("roles/secret", true).contains("secret"));
        let expanded = Google.expand("logging.sinks.*");
        assert!(expanded.contains(&"logging.sinks.delete".to_string()));
        assert!(expanded.iter().all(|p| p.starts_with("logging.sinks.")));
    }

    #[test]
    fn custom_role_permissions_read_as_one_statement() {
        let s = Google
            .document(r#"["iam.serviceAccounts.actAs", "run.services.update"]"#)
            .expect("a list");
        assert!(matches!(&s[0].actions, Actions::Action(l) if l.len() == 2));
        assert!(Google.document(r#"{"x": 1}"#).is_err());
    }

    #[test]
    fn policy_data_reads_as_bindings() {
        let doc = r#"{"bindings":[{"members":["user:a@x","group:g@x"],"role":"roles/editor"},
            {"condition":{"expression":"true","title":"t"},"members":["allUsers"],"role":"roles/viewer"}]}"#;
        let b = Google.bindings(doc).expect("a policy");
        assert_eq!(b.len(), 2);
        assert_eq!(b[0].key, "roles/editor");
        assert_eq!(b[0].members, ["user:a@x", "group:g@x"]);
        assert!(!b[0].conditional);
        assert!(b[1].conditional);
        assert!(Google.bindings("{}").expect("no bindings").is_empty());
        assert!(Google.bindings("[1]").is_err());
        assert!(Google.bindings(r#"{"bindings":[{"members":[]}]}"#).is_err());
    }
}
