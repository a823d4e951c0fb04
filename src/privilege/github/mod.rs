//! GitHub: users (`github:user/LOGIN`) and teams (`github:team/SLUG`), and the built-in
//! repository and organization roles as bundles of powers (`rulesets/github/roles.txt`). What
//! each resource type of `integrations/github` states is data: `rulesets/github/shapes.toml`;
//! how the controls that review changes are weakened is in `rulesets/github/grants.toml`.

use super::{Actions, Provider, Statement};
use crate::model::Effect;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The built-in roles, one a line: `KEY: POWER ...`.
const ROLES: &str = include_str!("../../../rulesets/github/roles.txt");

/// The GitHub provider (`integrations/github`).
pub(crate) struct Github;

/// Each role's powers, with the roles it includes expanded.
fn roles() -> &'static BTreeMap<String, Vec<String>> {
    static ROLES_BY_KEY: OnceLock<BTreeMap<String, Vec<String>>> = OnceLock::new();
    ROLES_BY_KEY.get_or_init(|| parse_roles(ROLES))
}

fn parse_roles(text: &str) -> BTreeMap<String, Vec<String>> {
    let mut written: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        // NOTE: keys have a colon of their own (`repository:admin`): the role ends at ": ".
        let (key, powers) = match line.split_once(": ") {
            Some((k, p)) => (k, p),
            None => (line.trim_end_matches(':'), ""),
        };
        written.insert(
            key.to_string(),
            powers.split_whitespace().map(str::to_string).collect(),
        );
    }
    let mut out = BTreeMap::new();
    for key in written.keys() {
        let mut powers = Vec::new();
        let mut todo = vec![key.clone()];
        let mut seen = Vec::new();
        while let Some(k) = todo.pop() {
            if seen.contains(&k) {
                continue;
            }
            for p in written.get(&k).into_iter().flatten() {
                if written.contains_key(p) {
                    todo.push(p.clone());
                } else if !powers.contains(p) {
                    powers.push(p.clone());
                }
            }
            seen.push(k);
        }
        powers.sort();
        out.insert(key.clone(), powers);
    }
    out
}

impl Provider for Github {
    fn name(&self) -> &'static str {
        "github"
    }

    fn rulesets(&self) -> &'static [(&'static str, &'static str)] {
        &[ruleset_file!("github/grants.toml")]
    }

    fn shapes(&self) -> (&'static str, &'static str) {
        ruleset_file!("github/shapes.toml")
    }

    /// GitHub has no policy language: what principals hold comes from roles.
    fn document(&self, _text: &str) -> Result<Vec<Statement>, String> {
        Err("GitHub has no policy documents".to_string())
    }

    /// A built-in role by its key (`repository:admin`); GitHub compares role names without
    /// regard to case.
    fn bundle(&self, key: &str) -> Option<String> {
        let key = key.to_ascii_lowercase();
        roles().contains_key(&key).then_some(key)
    }

    fn bundle_statements(&self, name: &str) -> Option<Vec<Statement>> {
        let powers = roles().get(name)?;
        Some(vec![Statement {
            effect: Effect::Allow,
            actions: Actions::Action(powers.clone()),
            scope: "*".to_string(),
            broad: true,
            conditional: false,
        }])
    }

    fn missing(&self, key: &str, sensitive: bool) -> String {
        if sensitive {
            "a role whose name is sensitive is not one of GitHub's built-in roles".to_string()
        } else {
            format!("{key} is not one of GitHub's built-in roles (a custom repository role?): what it grants is unknown")
        }
    }

    #[cfg(test)]
    fn knows_action(&self, action: &str) -> bool {
        roles().values().flatten().any(|p| p == action)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_hold_what_the_roles_below_them_hold() {
        let admin = &roles()["repository:admin"];
        assert!(admin.contains(&"contents:write".to_string()));
        assert!(admin.contains(&"branch_protection:write".to_string()));
        let maintain = &roles()["repository:maintain"];
        assert!(maintain.contains(&"contents:write".to_string()));
        assert!(!maintain.contains(&"branch_protection:write".to_string()));
        assert_eq!(roles()["repository:write"], roles()["repository:push"]);
        assert!(roles()["organization:member"].is_empty());
        assert!(roles()["organization:admin"].contains(&"members:write".to_string()));
    }

    #[test]
    fn bundles_are_found_by_key_whatever_the_case() {
        assert_eq!(
            Github.bundle("repository:Admin").as_deref(),
            Some("repository:admin")
        );
        assert_eq!(Github.bundle("repository:custom-reviewer"), None);
        assert_eq!(
            Github.principal("team", "platform").0.as_str(),
            "github:team/platform"
        );
    }
}
