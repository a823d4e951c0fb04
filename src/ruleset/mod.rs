//! Rulesets: duties, the actions and resource types that make them up, evidence configuration
//! and the SoD matrix, read from TOML (the built-in files under `rulesets/` and users' own); and
//! the providers' extraction shapes (`rulesets/<provider>/shapes.toml`).

pub(crate) mod shapes;

use crate::privilege::{self, PROVIDERS};
use serde::Deserialize;
use std::collections::BTreeMap;

use self::shapes::Shapes;

/// The duties and the SoD matrix, embedded in the binary: (name, contents). Each provider
/// brings its own files besides ([`privilege::Provider::rulesets`]).
const DUTIES: (&str, &str) = (
    "rulesets/duties.toml",
    include_str!("../../rulesets/duties.toml"),
);

/// The duty that changes who holds access: the rules that ask whether a principal gains
/// privilege compare with it. Duties are data; the few the code names are named once, here,
/// and a meta-test checks that `rulesets/duties.toml` defines each ([`NAMED_DUTIES`]).
pub(crate) const PRIVILEGE_ADMIN: &str = "privilege_admin";

/// The duty that changes audit logging and evidence: a change that weakens evidence touches
/// it, whatever its type configures (`classify::touched`).
pub(crate) const AUDIT_EVIDENCE: &str = "audit_evidence";

/// Every duty the code names: each must be defined by the built-in rulesets.
#[cfg(test)]
pub(crate) const NAMED_DUTIES: &[&str] = &[PRIVILEGE_ADMIN, AUDIT_EVIDENCE];

/// Providers that rulesets may name before they have an extractor, so that users' rulesets can
/// be written ahead (issue 11 adds them). The registered ones ([`PROVIDERS`]) are accepted too.
const PLANNED_PROVIDERS: &[&str] = &["azure", "gcp", "github", "k8s"];

/// The built-in ruleset files: the duties, then each provider's, in registry order.
pub(crate) fn builtin() -> Vec<(&'static str, &'static str)> {
    let mut out = vec![DUTIES];
    for p in PROVIDERS {
        out.extend_from_slice(p.rulesets());
    }
    out
}

/// The provider names rulesets may use, sorted.
fn known_providers() -> Vec<&'static str> {
    let mut out: Vec<&str> = PROVIDERS.iter().map(|p| p.name()).collect();
    out.extend_from_slice(PLANNED_PROVIDERS);
    out.sort_unstable();
    out.dedup();
    out
}

/// One ruleset file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRuleset {
    #[serde(default)]
    duty: Vec<RawDuty>,
    #[serde(default)]
    forbidden: Vec<RawForbidden>,
    #[serde(default)]
    grants: Vec<RawGrants>,
    #[serde(default)]
    configures: Vec<RawConfigures>,
    #[serde(default)]
    evidence: Vec<RawEvidence>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDuty {
    id: String,
    title: String,
    description: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawForbidden {
    duties: Vec<String>,
    severity: String,
    title: String,
    rationale: String,
    #[serde(default)]
    references: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGrants {
    provider: String,
    duty: String,
    /// Action patterns that confer the duty whatever resource they apply to.
    #[serde(default)]
    actions: Vec<String>,
    /// Action patterns that confer the duty only on a broad scope (`*` or a wildcard ARN):
    /// `s3:DeleteBucket` on the service's own bucket is not an audit power.
    #[serde(default)]
    broad_scope_actions: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfigures {
    provider: String,
    duty: String,
    resource_types: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvidence {
    provider: String,
    #[serde(rename = "type")]
    kind: String,
    /// Whether deleting (or replacing) the resource weakens evidence. Default true.
    #[serde(default = "yes")]
    deletion: bool,
    #[serde(default)]
    weakened_when: Vec<RawCondition>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCondition {
    attribute: String,
    change: String,
    #[serde(default)]
    value: Option<toml::Value>,
    #[serde(default)]
    zero_means_unlimited: bool,
    #[serde(default)]
    on_create: bool,
    /// `lost_items`: only these items count (all, when absent).
    #[serde(default)]
    items: Option<Vec<toml::Value>>,
    /// `stops_denying` and `detaches_guardrail`: the actions a guardrail's Deny protects.
    #[serde(default)]
    actions: Vec<String>,
    says: String,
}

/// Severity of a finding, ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub(crate) fn parse(text: &str) -> Option<Severity> {
        match text {
            "low" => Some(Severity::Low),
            "medium" => Some(Severity::Medium),
            "high" => Some(Severity::High),
            "critical" => Some(Severity::Critical),
            _ => None,
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// A duty as defined in a ruleset.
#[derive(Debug, Clone)]
pub(crate) struct DutyDef {
    pub(crate) title: String,
    pub(crate) description: String,
}

/// A pair (or set) of duties that must never sit with one principal.
#[derive(Debug, Clone)]
pub(crate) struct Forbidden {
    pub(crate) duties: Vec<String>,
    pub(crate) severity: Severity,
    pub(crate) title: String,
    pub(crate) rationale: String,
    pub(crate) references: Vec<String>,
}

/// One concrete action that confers a duty.
#[derive(Debug, Clone)]
pub(crate) struct DutyAction {
    /// `service:Action` as AWS spells it (or as the ruleset wrote it, when not in the universe).
    pub(crate) action: String,
    pub(crate) duty: String,
    pub(crate) broad_only: bool,
}

/// How an attribute change weakens evidence.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Change {
    /// true → false (or true → removed).
    TurnedOff,
    /// false/absent → true.
    TurnedOn,
    /// A number got smaller.
    Decreased { zero_means_unlimited: bool },
    /// Any change of value.
    Changed,
    /// A value that was set is now empty or absent.
    Removed,
    /// Elements of a list or set were removed.
    LostItems,
    /// A value that was empty or absent is set (or the resource is created with it set).
    Present,
    /// A policy document (a service control policy) no longer denies some of these actions:
    /// a guardrail over audit services loosened, or deleted with the resource.
    StopsDenying(Vec<String>),
    /// An attachment of a policy whose id is this attribute is deleted, and the policy is (or
    /// may be) a guardrail: a `stops_denying` policy of the change set denying these actions.
    DetachesGuardrail(Vec<String>),
    /// The new value equals this one.
    Equals(serde_json::Value),
}

/// A condition under which a change of an evidence resource weakens evidence.
#[derive(Debug, Clone)]
pub(crate) struct Condition {
    /// A dotted path into the resource's attributes (`versioning_configuration.status`).
    pub(crate) attribute: String,
    pub(crate) change: Change,
    pub(crate) on_create: bool,
    /// `lost_items`: only these items count (all, when `None`).
    pub(crate) items: Option<Vec<serde_json::Value>>,
    pub(crate) says: String,
}

/// Audit or evidence configuration of one resource type.
#[derive(Debug, Clone)]
pub(crate) struct Evidence {
    /// The provider of the ruleset that first defined it (whose policy language its documents
    /// are written in).
    pub(crate) provider: String,
    pub(crate) deletion: bool,
    pub(crate) conditions: Vec<Condition>,
}

/// A validated, merged ruleset.
#[derive(Debug, Default)]
pub(crate) struct Ruleset {
    pub(crate) duties: BTreeMap<String, DutyDef>,
    pub(crate) forbidden: Vec<Forbidden>,
    /// Per provider, the concrete actions that confer duties.
    pub(crate) actions: BTreeMap<String, Vec<DutyAction>>,
    /// Resource type → the duties whose configuration it is.
    pub(crate) configures: BTreeMap<String, Vec<String>>,
    /// Resource type → how its changes weaken evidence.
    pub(crate) evidence: BTreeMap<String, Evidence>,
    /// Per provider, how its resource types are read.
    pub(crate) shapes: BTreeMap<String, Shapes>,
}

/// Problems found in ruleset files, all of them, each with its file and place.
#[derive(Debug, thiserror::Error)]
#[error("{}", .problems.join("\n"))]
pub(crate) struct RulesetError {
    pub(crate) problems: Vec<String>,
}

impl Ruleset {
    /// The built-in rulesets plus users' files `(name, contents)`.
    pub(crate) fn load(extra: &[(String, String)]) -> Result<Ruleset, RulesetError> {
        let mut files: Vec<(String, RawRuleset)> = Vec::new();
        let mut problems = Vec::new();
        let all = builtin()
            .into_iter()
            .map(|(n, c)| (n.to_string(), c.to_string()))
            .chain(extra.iter().cloned());
        for (name, text) in all {
            match toml::from_str::<RawRuleset>(&text) {
                Ok(raw) => files.push((name, raw)),
                Err(e) => problems.push(format!("{name}: {}", one_line(&e.to_string()))),
            }
        }
        let mut set = Ruleset::default();
        // Duties first: every other table refers to them.
        for (name, raw) in &files {
            for d in &raw.duty {
                if !is_id(&d.id) {
                    problems.push(format!(
                        "{name}: duty id \"{}\" must be lowercase letters, digits and underscores",
                        d.id
                    ));
                }
                set.duties.insert(
                    d.id.clone(),
                    DutyDef {
                        title: d.title.clone(),
                        description: d.description.clone(),
                    },
                );
            }
        }
        for (name, raw) in &files {
            set.add(name, raw, &mut problems);
        }
        for p in PROVIDERS {
            let (name, text) = p.shapes();
            let shapes = shapes::load(name, text, &mut problems);
            set.shapes.insert(p.name().to_string(), shapes);
        }
        if problems.is_empty() {
            Ok(set)
        } else {
            Err(RulesetError { problems })
        }
    }

    fn add(&mut self, name: &str, raw: &RawRuleset, problems: &mut Vec<String>) {
        let providers = known_providers();
        let provider = |p: &str, place: &str, problems: &mut Vec<String>| {
            if !providers.contains(&p) {
                problems.push(format!(
                    "{name}: {place}: provider \"{p}\" is not one of {}",
                    providers.join(", ")
                ));
            }
        };
        let known = |duty: &str, place: &str, problems: &mut Vec<String>| {
            if !self.duties.contains_key(duty) {
                problems.push(format!(
                    "{name}: {place}: unknown duty \"{duty}\" (known: {})",
                    self.duties.keys().cloned().collect::<Vec<_>>().join(", ")
                ));
            }
        };
        for (i, f) in raw.forbidden.iter().enumerate() {
            let place = format!("[[forbidden]] #{}", i + 1);
            if f.duties.len() < 2 {
                problems.push(format!("{name}: {place}: needs at least two duties"));
            }
            for d in &f.duties {
                known(d, &place, problems);
            }
            let Some(severity) = Severity::parse(&f.severity) else {
                problems.push(format!(
                    "{name}: {place}: severity \"{}\" is not one of low, medium, high, critical",
                    f.severity
                ));
                continue;
            };
            self.forbidden.push(Forbidden {
                duties: f.duties.clone(),
                severity,
                title: f.title.clone(),
                rationale: f.rationale.clone(),
                references: f.references.clone(),
            });
        }
        for (i, g) in raw.grants.iter().enumerate() {
            let place = format!("[[grants]] #{} ({})", i + 1, g.duty);
            known(&g.duty, &place, problems);
            provider(&g.provider, &place, problems);
            for (patterns, broad_only) in [(&g.actions, false), (&g.broad_scope_actions, true)] {
                for pattern in patterns {
                    let expanded = expand(&g.provider, pattern);
                    if expanded.is_empty() {
                        problems.push(format!(
                            "{name}: {place}: \"{pattern}\" matches no {} action",
                            g.provider
                        ));
                    }
                    let list = self.actions.entry(g.provider.clone()).or_default();
                    for action in expanded {
                        list.push(DutyAction {
                            action,
                            duty: g.duty.clone(),
                            broad_only,
                        });
                    }
                }
            }
        }
        for (i, c) in raw.configures.iter().enumerate() {
            let place = format!("[[configures]] #{} ({})", i + 1, c.duty);
            known(&c.duty, &place, problems);
            provider(&c.provider, &place, problems);
            for t in &c.resource_types {
                let duties = self.configures.entry(t.clone()).or_default();
                if !duties.contains(&c.duty) {
                    duties.push(c.duty.clone());
                    duties.sort();
                }
            }
        }
        for (i, e) in raw.evidence.iter().enumerate() {
            let place = format!("[[evidence]] #{} ({})", i + 1, e.kind);
            provider(&e.provider, &place, problems);
            let mut conditions = Vec::new();
            for c in &e.weakened_when {
                match condition(c) {
                    Ok(c) => conditions.push(c),
                    Err(msg) => problems.push(format!("{name}: {place}: {msg}")),
                }
            }
            let entry = self.evidence.entry(e.kind.clone()).or_insert(Evidence {
                provider: e.provider.clone(),
                deletion: e.deletion,
                conditions: Vec::new(),
            });
            entry.deletion |= e.deletion;
            entry.conditions.extend(conditions);
        }
    }

    /// The duties whose configuration a resource type is.
    pub(crate) fn configured_duties(&self, kind: &str) -> &[String] {
        self.configures.get(kind).map_or(&[], Vec::as_slice)
    }

    /// How a provider's resource types are read (none for a provider without shapes).
    pub(crate) fn shapes(&self, provider: &str) -> &Shapes {
        static NONE: std::sync::OnceLock<Shapes> = std::sync::OnceLock::new();
        self.shapes
            .get(provider)
            .unwrap_or_else(|| NONE.get_or_init(Shapes::default))
    }
}

fn condition(c: &RawCondition) -> Result<Condition, String> {
    let change = match c.change.as_str() {
        "turned_off" => Change::TurnedOff,
        "turned_on" => Change::TurnedOn,
        "decreased" => Change::Decreased {
            zero_means_unlimited: c.zero_means_unlimited,
        },
        "changed" => Change::Changed,
        "removed" => Change::Removed,
        "lost_items" => Change::LostItems,
        "present" => Change::Present,
        "stops_denying" | "detaches_guardrail" if c.actions.is_empty() => {
            return Err(format!(
                "weakened_when on \"{}\": change = \"{}\" needs actions",
                c.attribute, c.change
            ))
        }
        "stops_denying" => Change::StopsDenying(c.actions.clone()),
        "detaches_guardrail" => Change::DetachesGuardrail(c.actions.clone()),
        "equals" => {
            let Some(v) = &c.value else {
                return Err(format!(
                    "weakened_when on \"{}\": change = \"equals\" needs a value",
                    c.attribute
                ));
            };
            Change::Equals(serde_json::to_value(v).map_err(|e| e.to_string())?)
        }
        other => {
            return Err(format!(
                "weakened_when on \"{}\": change \"{other}\" is not one of turned_off, turned_on, \
                 decreased, changed, removed, lost_items, present, equals, stops_denying, \
                 detaches_guardrail",
                c.attribute
            ))
        }
    };
    let items = match &c.items {
        Some(list) => Some(
            list.iter()
                .map(serde_json::to_value)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| e.to_string())?,
        ),
        None => None,
    };
    Ok(Condition {
        attribute: c.attribute.clone(),
        change,
        on_create: c.on_create,
        items,
        says: c.says.clone(),
    })
}

fn is_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn one_line(text: &str) -> String {
    text.trim_end()
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n  ")
}

/// Expand an action pattern against a provider's actions, as the provider spells them. A
/// provider without an extractor yet keeps the pattern as written.
pub(crate) fn expand(provider: &str, pattern: &str) -> Vec<String> {
    match privilege::provider(provider) {
        Some(p) => p.expand(pattern),
        None => vec![pattern.to_string()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rulesets_load() {
        let set = Ruleset::load(&[]).expect("built-in rulesets are valid");
        for duty in [
            "privilege_admin",
            "audit_evidence",
            "secrets_admin",
            "deploy",
            "approval_control",
        ] {
            assert!(set.duties.contains_key(duty), "{duty}");
        }
        assert!(!set.forbidden.is_empty());
        for p in PROVIDERS {
            assert!(!set.shapes(p.name()).resources.is_empty(), "{}", p.name());
        }
    }

    /// Meta-test: every duty the code names (rather than reads from the rulesets) is defined
    /// by the built-in rulesets, so that renaming one in `duties.toml` cannot silently turn a
    /// comparison off.
    #[test]
    fn every_duty_the_code_names_is_defined() {
        let set = Ruleset::load(&[]).expect("built-in rulesets are valid");
        for duty in NAMED_DUTIES {
            assert!(
                set.duties.contains_key(*duty),
                "{duty} is not in duties.toml"
            );
        }
    }

    /// Meta-test: the built-in rulesets name only real actions of their provider (a typo would
    /// silently match nothing), every evidence type is audit_evidence configuration, and every
    /// duty has actions that confer it.
    #[test]
    fn builtin_rulesets_are_consistent() {
        let mut unknown = Vec::new();
        for (name, text) in builtin() {
            let raw: RawRuleset = toml::from_str(text).expect("built-in ruleset parses");
            for g in &raw.grants {
                let Some(provider) = privilege::provider(&g.provider) else {
                    continue;
                };
                for a in g.actions.iter().chain(&g.broad_scope_actions) {
                    if !crate::glob::is_pattern(a) && !provider.knows_action(a) {
                        unknown.push(format!("{name}: {a}"));
                    }
                }
            }
            // The actions a guardrail condition protects, too.
            for e in &raw.evidence {
                let Some(provider) = privilege::provider(&e.provider) else {
                    continue;
                };
                for a in e.weakened_when.iter().flat_map(|c| &c.actions) {
                    if !crate::glob::is_pattern(a) && !provider.knows_action(a) {
                        unknown.push(format!("{name}: {} {a}", e.kind));
                    }
                }
            }
        }
        assert!(
            unknown.is_empty(),
            "actions their provider does not know (rulesets/aws/actions.txt for AWS): {unknown:?}"
        );
        let set = Ruleset::load(&[]).expect("built-in rulesets are valid");
        for kind in set.evidence.keys() {
            let deletion = set.evidence[kind].deletion;
            if deletion {
                assert!(
                    set.configured_duties(kind)
                        .iter()
                        .any(|d| d == AUDIT_EVIDENCE),
                    "{kind} is evidence but not {AUDIT_EVIDENCE} configuration"
                );
            }
        }
        for duty in set.duties.keys() {
            assert!(
                set.actions.values().flatten().any(|a| &a.duty == duty),
                "no action confers {duty}"
            );
        }
        for f in &set.forbidden {
            assert!(f.references.iter().any(|r| r.starts_with("NIST")), "{f:?}");
        }
    }

    /// A guardrail condition without the actions it guards would silently guard nothing.
    #[test]
    fn a_guardrail_condition_needs_the_actions_it_guards() {
        let err = Ruleset::load(&[(
            "mine.toml".to_string(),
            "[[evidence]]\nprovider = \"aws\"\ntype = \"aws_organizations_policy\"\n\
             weakened_when = [{ attribute = \"content\", change = \"stops_denying\", says = \"x\" }]\n"
                .to_string(),
        )])
        .expect_err("no actions");
        assert!(
            err.to_string()
                .contains("mine.toml: [[evidence]] #1 (aws_organizations_policy)"),
            "{err}"
        );
        assert!(err.to_string().contains("needs actions"), "{err}");
    }

    #[test]
    fn user_ruleset_errors_name_file_and_place() {
        let err = Ruleset::load(&[(
            "mine.toml".to_string(),
            "[[grants]]\nprovider = \"aws\"\nduty = \"no_such_duty\"\nactions = [\"iam:PassRole\"]\n"
                .to_string(),
        )])
        .expect_err("unknown duty");
        assert!(
            err.to_string().contains("mine.toml: [[grants]] #1"),
            "{err}"
        );
        let err = Ruleset::load(&[("bad.toml".to_string(), "[[grants]]\nfoo = 1\n".to_string())])
            .expect_err("unknown key");
        assert!(err.to_string().contains("bad.toml"), "{err}");
        assert!(err.to_string().contains("foo"), "{err}");
        let err = Ruleset::load(&[(
            "ahead.toml".to_string(),
            "[[grants]]\nprovider = \"oci\"\nduty = \"deploy\"\nactions = [\"x\"]\n".to_string(),
        )])
        .expect_err("unknown provider");
        assert!(
            err.to_string()
                .contains("provider \"oci\" is not one of aws, azure, gcp, github, k8s"),
            "{err}"
        );
    }

    #[test]
    fn a_provider_without_an_extractor_yet_keeps_its_patterns() {
        assert_eq!(
            expand("gcp", "iam.roles.*"),
            vec!["iam.roles.*".to_string()]
        );
        assert_eq!(
            expand("aws", "IAM:passrole"),
            vec!["iam:PassRole".to_string()]
        );
    }
}
