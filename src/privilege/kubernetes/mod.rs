//! Kubernetes: RBAC subjects as principals (`k8s:User/NAME`, `k8s:Group/NAME`,
//! `k8s:ServiceAccount/NAMESPACE/NAME`), a role's `rule` blocks as its document
//! (`RESOURCE:VERB` permissions), and the default cluster roles as bundles
//! (`rulesets/k8s/cluster-roles.txt`). What each RBAC resource type states is data:
//! `rulesets/k8s/shapes.toml`.

use super::{Actions, Provider, Statement};
use crate::model::{Effect, PrincipalId};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The default cluster roles, one a line: `NAME: RULE ...`.
const CLUSTER_ROLES: &str = include_str!("../../../rulesets/k8s/cluster-roles.txt");

/// The prefix of the key that attaches a cluster role (`ClusterRole:NAME`).
const CLUSTER_ROLE: &str = "ClusterRole:";

/// The Kubernetes provider (`hashicorp/kubernetes`).
pub(crate) struct Kubernetes;

/// Each default cluster role's permissions, with the roles it includes expanded.
fn cluster_roles() -> &'static BTreeMap<String, Vec<String>> {
    static ROLES: OnceLock<BTreeMap<String, Vec<String>>> = OnceLock::new();
    ROLES.get_or_init(|| parse_roles(CLUSTER_ROLES))
}

/// `RESOURCES:VERBS` (each comma-separated) or `url:PATHS:VERBS` → `RESOURCE:VERB` permissions.
fn expand_rule(rule: &str) -> Vec<String> {
    let (prefix, rest) = match rule.strip_prefix("url:") {
        Some(rest) => ("url:", rest),
        None => ("", rule),
    };
    let Some((things, verbs)) = rest.rsplit_once(':') else {
        return vec![rule.to_string()];
    };
    let mut out = Vec::new();
    for thing in things.split(',') {
        for verb in verbs.split(',') {
            out.push(format!("{prefix}{thing}:{verb}"));
        }
    }
    out
}

fn parse_roles(text: &str) -> BTreeMap<String, Vec<String>> {
    let mut written: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        // NOTE: names and rules have colons of their own: the name ends at the first ": ".
        let (name, rules) = line.split_once(": ").unwrap_or((line, ""));
        written.insert(
            name.to_string(),
            rules.split_whitespace().map(str::to_string).collect(),
        );
    }
    let mut out = BTreeMap::new();
    for name in written.keys() {
        let mut permissions = Vec::new();
        let mut todo = vec![name.clone()];
        let mut seen = Vec::new();
        while let Some(n) = todo.pop() {
            if seen.contains(&n) {
                continue;
            }
            for rule in written.get(&n).into_iter().flatten() {
                if written.contains_key(rule) {
                    todo.push(rule.clone());
                } else {
                    permissions.extend(expand_rule(rule));
                }
            }
            seen.push(n);
        }
        permissions.sort();
        permissions.dedup();
        out.insert(name.clone(), permissions);
    }
    out
}

/// The texts of a list attribute of a rule block; `None` when it is known only after apply.
fn texts(rule: &Value, unknown: &Value, name: &str) -> Option<Vec<String>> {
    if unknown.get(name).is_some_and(crate::model::any_true) {
        return None;
    }
    Some(
        rule.get(name)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
    )
}

impl Provider for Kubernetes {
    fn name(&self) -> &'static str {
        "k8s"
    }

    fn rulesets(&self) -> &'static [(&'static str, &'static str)] {
        &[ruleset_file!("k8s/grants.toml")]
    }

    fn shapes(&self) -> (&'static str, &'static str) {
        ruleset_file!("k8s/shapes.toml")
    }

    /// Roles are written as blocks, never as text.
    fn document(&self, _text: &str) -> Result<Vec<Statement>, String> {
        Err("Kubernetes roles are rule blocks, not text".to_string())
    }

    /// A role's `rule` blocks: each grants its verbs on its resources (`RESOURCE:VERB`) and
    /// non-resource URLs (`url:PATH:VERB`); on the named resources only when it names some
    /// (`resource_names`), else on all of them (broad). A rule known only after apply grants
    /// actions known only after apply.
    fn document_from_blocks(&self, blocks: &Value, unknown: &Value) -> Option<Vec<Statement>> {
        let rules = blocks.as_array()?;
        let mut out = Vec::new();
        for (i, rule) in rules.iter().enumerate() {
            let unknown = match unknown {
                Value::Array(items) => items.get(i).unwrap_or(&Value::Null),
                Value::Bool(true) => &Value::Bool(true),
                _ => &Value::Null,
            };
            let all_unknown = unknown == &Value::Bool(true);
            let lists = ["resources", "verbs", "resource_names", "non_resource_urls"]
                .map(|name| (!all_unknown).then(|| texts(rule, unknown, name)).flatten());
            let [Some(resources), Some(verbs), Some(names), Some(urls)] = lists else {
                out.push(Statement {
                    effect: Effect::Allow,
                    actions: Actions::Unknown,
                    scope: "(known after apply)".to_string(),
                    broad: true,
                    conditional: false,
                });
                continue;
            };
            let mut actions: Vec<String> = Vec::new();
            for r in &resources {
                for v in &verbs {
                    actions.push(format!(
                        "{}:{}",
                        r.to_ascii_lowercase(),
                        v.to_ascii_lowercase()
                    ));
                }
            }
            for u in &urls {
                for v in &verbs {
                    actions.push(format!("url:{u}:{}", v.to_ascii_lowercase()));
                }
            }
            if actions.is_empty() {
                continue;
            }
            let (scope, broad) = if names.is_empty() {
                ("*".to_string(), true)
            } else {
                (format!("named {}", names.join(", ")), false)
            };
            out.push(Statement {
                effect: Effect::Allow,
                actions: Actions::Action(actions),
                scope,
                broad,
                conditional: false,
            });
        }
        Some(out)
    }

    /// A RoleBinding names a ClusterRole in its namespace's terms (`ClusterRole:NAMESPACE/NAME`):
    /// it is the cluster role, granted in that namespace (the binding's scope says so).
    fn key(&self, key: String) -> String {
        match key.strip_prefix(CLUSTER_ROLE) {
            Some(rest) if rest.contains('/') => {
                let name = rest.split_once('/').map_or(rest, |(_, name)| name);
                format!("{CLUSTER_ROLE}{name}")
            }
            _ => key,
        }
    }

    /// A default cluster role, by its key (`ClusterRole:cluster-admin`).
    fn bundle(&self, key: &str) -> Option<String> {
        let name = key.strip_prefix(CLUSTER_ROLE)?;
        cluster_roles().contains_key(name).then(|| key.to_string())
    }

    fn bundle_statements(&self, name: &str) -> Option<Vec<Statement>> {
        let permissions = cluster_roles().get(name.strip_prefix(CLUSTER_ROLE)?)?;
        Some(vec![Statement {
            effect: Effect::Allow,
            actions: Actions::Action(permissions.clone()),
            scope: "*".to_string(),
            broad: true,
            conditional: false,
        }])
    }

    fn missing(&self, key: &str, sensitive: bool) -> String {
        if sensitive {
            "a role whose name is sensitive is not in this change set".to_string()
        } else {
            format!("the role {key} is not in this change set nor a default cluster role: what it grants is unknown")
        }
    }

    /// Anonymous requests are the user `system:anonymous` in the group `system:unauthenticated`;
    /// every authenticated identity is in `system:authenticated` (Kubernetes docs,
    /// "Authenticating": anonymous requests).
    fn is_public(&self, id: &PrincipalId) -> bool {
        matches!(
            id.0.as_str(),
            "k8s:User/system:anonymous"
                | "k8s:Group/system:unauthenticated"
                | "k8s:Group/system:authenticated"
        )
    }

    /// A namespace is one namespace: not broad.
    fn broad_scope(&self, _scope: &str) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn default_cluster_roles_hold_what_they_include() {
        let admin = &cluster_roles()["admin"];
        assert!(admin.contains(&"roles:create".to_string()));
        assert!(admin.contains(&"secrets:get".to_string()));
        assert!(admin.contains(&"configmaps:get".to_string()));
        let view = &cluster_roles()["view"];
        assert!(!view.iter().any(|p| p.starts_with("secrets:")));
        assert_eq!(cluster_roles()["cluster-admin"], ["*:*", "url:*:*"]);
        assert!(cluster_roles()["system:discovery"].contains(&"url:/api:get".to_string()));
    }

    #[test]
    fn rule_blocks_are_resource_verb_permissions() {
        let rules = json!([
            {"api_groups": [""], "resources": ["configmaps"], "resource_names": ["app-config"],
             "verbs": ["get", "watch"], "non_resource_urls": []},
            {"api_groups": ["rbac.authorization.k8s.io"], "resources": ["roles"],
             "resource_names": [], "verbs": ["escalate"], "non_resource_urls": []},
        ]);
        let s = Kubernetes
            .document_from_blocks(&rules, &Value::Null)
            .expect("read");
        assert_eq!(
            s[0].actions,
            Actions::Action(vec!["configmaps:get".into(), "configmaps:watch".into()])
        );
        assert_eq!(
            (s[0].scope.as_str(), s[0].broad),
            ("named app-config", false)
        );
        assert_eq!((s[1].scope.as_str(), s[1].broad), ("*", true));
        let unknown = Kubernetes
            .document_from_blocks(&json!([{"resources": null}]), &json!([{"resources": true}]))
            .expect("read");
        assert_eq!(unknown[0].actions, Actions::Unknown);
    }

    #[test]
    fn a_rolebinding_names_a_cluster_role_in_its_namespace() {
        let k = Kubernetes;
        assert_eq!(
            k.key("ClusterRole:team-a/admin".into()),
            "ClusterRole:admin"
        );
        assert_eq!(k.key("Role:team-a/app".into()), "Role:team-a/app");
        assert_eq!(k.key("ClusterRole:edit".into()), "ClusterRole:edit");
        assert_eq!(
            k.bundle("ClusterRole:cluster-admin").as_deref(),
            Some("ClusterRole:cluster-admin")
        );
        assert_eq!(k.bundle("Role:x/cluster-admin"), None);
        assert_eq!(
            k.principal("ServiceAccount", "ci/deployer").0.as_str(),
            "k8s:ServiceAccount/ci/deployer"
        );
        assert!(k.is_public(&k.principal("Group", "system:authenticated")));
        assert!(k.is_public(&k.principal("User", "system:anonymous")));
        assert!(!k.is_public(&k.principal("Group", "system:masters")));
    }
}
