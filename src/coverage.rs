//! Coverage: what the review could not judge, said plainly, never a silent pass.
//!
//! Resource changes of types that no provider models are counted per type. Those of types that
//! concern identity, access, logging or audit (a list of patterns per provider family, data in
//! `rulesets/coverage.toml`) are named next to the verdict in every format, and can be made to
//! require approval (`unmodelled_identity = "require_approval"`).

use crate::glob;
use crate::model::{ResourceChange, Text};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The families of identity, access, logging and audit types, as shipped.
const FAMILIES: &str = include_str!("../rulesets/coverage.toml");

/// What the review did not judge.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Coverage {
    /// Per type no provider models, in type order: the changes of that type.
    pub(crate) not_reviewed: Vec<NotReviewed>,
}

/// The changes of one type that no provider models.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NotReviewed {
    pub(crate) kind: Text,
    pub(crate) count: usize,
    /// The provider family whose identity, access, logging or audit types this is one of.
    pub(crate) family: Option<&'static str>,
    /// For an identity type: the addresses of its changes, in order.
    pub(crate) addresses: Vec<Text>,
}

impl NotReviewed {
    /// Whether the type concerns identity, access, logging or audit.
    pub(crate) fn identity(&self) -> bool {
        self.family.is_some()
    }
}

impl Coverage {
    /// The unmodelled types that concern identity, access, logging or audit.
    pub(crate) fn identity(&self) -> impl Iterator<Item = &NotReviewed> {
        self.not_reviewed.iter().filter(|n| n.identity())
    }

    /// Whether a pass is only a partial one: identity or audit changes went unjudged.
    pub(crate) fn partial(&self) -> bool {
        self.identity().next().is_some()
    }

    /// "google_project_iam_member (2), oci_identity_policy (1)": the unmodelled identity types.
    pub(crate) fn identity_summary(&self) -> String {
        self.identity()
            .map(|n| format!("{} ({})", n.kind, n.count))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// How many changes of identity types went unjudged.
    pub(crate) fn identity_changes(&self) -> usize {
        self.identity().map(|n| n.count).sum()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFamilies {
    family: Vec<RawFamily>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFamily {
    name: String,
    identity: Vec<String>,
}

/// The families, parsed once. The file is part of the binary and checked by a test.
fn families() -> &'static [RawFamily] {
    static PARSED: OnceLock<Vec<RawFamily>> = OnceLock::new();
    PARSED.get_or_init(|| {
        // NOTE: the embedded file is tested to parse (`the_families_parse`).
        toml::from_str::<RawFamilies>(FAMILIES)
            .map(|raw| raw.family)
            .unwrap_or_default()
    })
}

/// The family whose identity, access, logging or audit types include this type.
fn family(kind: &str) -> Option<&'static str> {
    families()
        .iter()
        .find(|f| f.identity.iter().any(|p| glob::matches(p, kind)))
        .map(|f| f.name.as_str())
}

/// Whether a type concerns identity, access, logging or audit for some provider family.
pub(crate) fn is_identity(kind: &str) -> bool {
    family(kind).is_some()
}

/// What the review could not judge of these changes: the changed resources (not data sources)
/// of types that `modelled` does not know.
pub(crate) fn coverage(changes: &[ResourceChange], modelled: &dyn Fn(&str) -> bool) -> Coverage {
    let mut by_kind: BTreeMap<&Text, NotReviewed> = BTreeMap::new();
    // NOTE: one decision per type, however many changes it has.
    let mut known: std::collections::HashMap<&str, bool> = std::collections::HashMap::new();
    for c in changes.iter().filter(|c| c.action.is_change() && !c.data) {
        if *known
            .entry(c.kind.as_str())
            .or_insert_with(|| modelled(c.kind.as_str()))
        {
            continue;
        }
        let entry = by_kind.entry(&c.kind).or_insert_with(|| NotReviewed {
            kind: c.kind.clone(),
            count: 0,
            family: family(&c.kind),
            addresses: Vec::new(),
        });
        entry.count += 1;
        if entry.family.is_some() {
            entry.addresses.push(c.address.clone());
        }
    }
    let mut not_reviewed: Vec<NotReviewed> = by_kind.into_values().collect();
    for n in &mut not_reviewed {
        n.addresses.sort();
    }
    Coverage { not_reviewed }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_families_parse() {
        let raw: RawFamilies = toml::from_str(FAMILIES).expect("rulesets/coverage.toml parses");
        assert!(raw.family.len() >= 6);
        for f in &raw.family {
            assert!(!f.identity.is_empty(), "{}", f.name);
        }
        assert_eq!(families().len(), raw.family.len());
    }

    #[test]
    fn identity_types_are_told_apart() {
        assert_eq!(family("google_project_iam_member"), Some("google"));
        assert_eq!(family("google_storage_bucket_iam_binding"), Some("google"));
        assert_eq!(family("oci_identity_policy"), Some("oci"));
        assert_eq!(family("azurerm_role_assignment"), Some("azure"));
        assert_eq!(family("azuread_group_member"), Some("entra"));
        assert_eq!(
            family("kubernetes_cluster_role_binding"),
            Some("kubernetes")
        );
        assert_eq!(family("github_branch_protection"), Some("github"));
        assert_eq!(family("aws_iam_saml_provider"), Some("aws"));
        assert_eq!(family("google_compute_instance"), None);
        assert_eq!(family("aws_autoscaling_policy"), None);
        assert_eq!(family("aws_instance"), None);
    }
}
