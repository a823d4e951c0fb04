//! Rulesets: duties, the actions and resource types that make them up, evidence configuration
//! and the SoD matrix, read from TOML (the built-in files under `rulesets/` and users' own).

use crate::glob;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

/// The built-in ruleset files, embedded in the binary: (name, contents).
pub(crate) const BUILTIN: &[(&str, &str)] = &[
    (
        "rulesets/duties.toml",
        include_str!("../../rulesets/duties.toml"),
    ),
    ("rulesets/aws.toml", include_str!("../../rulesets/aws.toml")),
];

/// Every AWS action, one line per service (see `rulesets/aws/README.md`).
const AWS_ACTIONS: &str = include_str!("../../rulesets/aws/actions.txt");

/// AWS-managed policies by ARN.
const AWS_MANAGED_POLICIES: &str = include_str!("../../rulesets/aws/managed-policies.json");

/// The providers rulesets can speak of. Only AWS has an extractor so far; the others are
/// accepted so that users' rulesets can be written ahead.
const PROVIDERS: &[&str] = &["aws", "azure", "gcp", "github", "k8s"];

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
    pub(crate) says: String,
}

/// Audit or evidence configuration of one resource type.
#[derive(Debug, Clone)]
pub(crate) struct Evidence {
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
        let all = BUILTIN
            .iter()
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
        if problems.is_empty() {
            Ok(set)
        } else {
            Err(RulesetError { problems })
        }
    }

    fn add(&mut self, name: &str, raw: &RawRuleset, problems: &mut Vec<String>) {
        let provider = |p: &str, place: &str, problems: &mut Vec<String>| {
            if !PROVIDERS.contains(&p) {
                problems.push(format!(
                    "{name}: {place}: provider \"{p}\" is not one of {}",
                    PROVIDERS.join(", ")
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
                 decreased, changed, removed, lost_items, equals",
                c.attribute
            ))
        }
    };
    Ok(Condition {
        attribute: c.attribute.clone(),
        change,
        on_create: c.on_create,
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

/// The action universe of AWS: lowercase service prefix → action names.
pub(crate) fn aws_actions() -> &'static BTreeMap<String, Vec<&'static str>> {
    static UNIVERSE: OnceLock<BTreeMap<String, Vec<&'static str>>> = OnceLock::new();
    UNIVERSE.get_or_init(|| {
        AWS_ACTIONS
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| l.split_once('\t'))
            .map(|(svc, actions)| (svc.to_ascii_lowercase(), actions.split(' ').collect()))
            .collect()
    })
}

/// Expand an action pattern against a provider's universe of actions, as `service:Action`.
/// Exact actions that the universe does not know are kept as written (they may be newer).
pub(crate) fn expand(provider: &str, pattern: &str) -> Vec<String> {
    if provider != "aws" {
        return vec![pattern.to_string()];
    }
    let pattern = if pattern == "*:*" { "*" } else { pattern };
    let (svc, action) = pattern.split_once(':').unwrap_or((pattern, "*"));
    if !glob::is_pattern(pattern) {
        let universe = aws_actions();
        if let Some(known) = universe
            .get(&svc.to_ascii_lowercase())
            .and_then(|list| list.iter().find(|a| a.eq_ignore_ascii_case(action)))
        {
            return vec![format!("{}:{known}", svc.to_ascii_lowercase())];
        }
        return vec![pattern.to_string()];
    }
    let mut out = Vec::new();
    for (service, actions) in aws_actions() {
        if !glob::matches(svc, service) {
            continue;
        }
        for a in actions {
            if glob::matches(action, a) {
                out.push(format!("{service}:{a}"));
            }
        }
    }
    out
}

/// Whether an exact AWS action is in the universe.
#[cfg(test)]
pub(crate) fn aws_action_known(action: &str) -> bool {
    let Some((svc, name)) = action.split_once(':') else {
        return false;
    };
    aws_actions()
        .get(&svc.to_ascii_lowercase())
        .is_some_and(|list| list.iter().any(|a| a.eq_ignore_ascii_case(name)))
}

/// The document of an AWS-managed policy, by ARN (any partition).
pub(crate) fn aws_managed_policy(arn: &str) -> Option<&'static RawValue> {
    #[derive(Deserialize)]
    struct Entry<'a> {
        #[serde(borrow)]
        document: &'a RawValue,
    }
    static POLICIES: OnceLock<HashMap<&'static str, Entry<'static>>> = OnceLock::new();
    let policies = POLICIES.get_or_init(|| {
        // NOTE: the embedded file is checked by a test; an unreadable one is an empty table.
        serde_json::from_str(AWS_MANAGED_POLICIES).unwrap_or_default()
    });
    let rest = arn.strip_prefix("arn:")?;
    let (_partition, rest) = rest.split_once(':')?;
    let key = format!("arn:aws:{rest}");
    policies.get(key.as_str()).map(|e| e.document)
}

/// The number of AWS-managed policies known.
#[cfg(test)]
pub(crate) fn aws_managed_policy_count() -> usize {
    let map: HashMap<String, serde::de::IgnoredAny> =
        serde_json::from_str(AWS_MANAGED_POLICIES).expect("embedded managed policies parse");
    map.len()
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
    }

    /// Meta-test: the built-in rulesets name only real AWS actions (a typo would silently
    /// match nothing), every evidence type is audit_evidence configuration, and every duty
    /// has actions that confer it.
    #[test]
    fn builtin_rulesets_are_consistent() {
        let mut unknown = Vec::new();
        for (name, text) in BUILTIN {
            let raw: RawRuleset = toml::from_str(text).expect("built-in ruleset parses");
            for g in &raw.grants {
                for a in g.actions.iter().chain(&g.broad_scope_actions) {
                    if !glob::is_pattern(a) && !aws_action_known(a) {
                        unknown.push(format!("{name}: {a}"));
                    }
                }
            }
        }
        assert!(
            unknown.is_empty(),
            "actions not in rulesets/aws/actions.txt: {unknown:?}"
        );
        let set = Ruleset::load(&[]).expect("built-in rulesets are valid");
        for kind in set.evidence.keys() {
            let deletion = set.evidence[kind].deletion;
            if deletion {
                assert!(
                    set.configured_duties(kind)
                        .iter()
                        .any(|d| d == "audit_evidence"),
                    "{kind} is evidence but not audit_evidence configuration"
                );
            }
        }
        let aws = &set.actions["aws"];
        for duty in set.duties.keys() {
            assert!(
                aws.iter().any(|a| &a.duty == duty),
                "no AWS action confers {duty}"
            );
        }
        for f in &set.forbidden {
            assert!(f.references.iter().any(|r| r.starts_with("NIST")), "{f:?}");
        }
    }

    #[test]
    fn wildcards_expand_against_the_universe() {
        let put = expand("aws", "iam:Put*");
        assert!(put.contains(&"iam:PutRolePolicy".to_string()));
        assert!(put.contains(&"iam:PutUserPermissionsBoundary".to_string()));
        assert!(put.iter().all(|a| a.starts_with("iam:Put")));
        assert_eq!(
            expand("aws", "IAM:passrole"),
            vec!["iam:PassRole".to_string()]
        );
        assert!(expand("aws", "*").len() > 20_000);
    }

    #[test]
    fn every_managed_policy_document_is_read() {
        #[derive(Deserialize)]
        struct Entry {
            document: Box<RawValue>,
        }
        let map: HashMap<String, Entry> =
            serde_json::from_str(AWS_MANAGED_POLICIES).expect("embedded managed policies parse");
        let unreadable: Vec<String> = map
            .iter()
            .filter(|(_, e)| crate::privilege::aws::policy::parse_text(e.document.get()).is_err())
            .map(|(arn, _)| arn.clone())
            .collect();
        assert!(unreadable.is_empty(), "{unreadable:?}");
    }

    #[test]
    fn managed_policies_are_known_by_arn() {
        assert!(aws_managed_policy_count() > 1000);
        assert!(aws_managed_policy("arn:aws:iam::aws:policy/AdministratorAccess").is_some());
        assert!(aws_managed_policy("arn:aws-us-gov:iam::aws:policy/AdministratorAccess").is_some());
        assert!(aws_managed_policy(
            "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
        )
        .is_some());
        assert!(aws_managed_policy("arn:aws:iam::111122223333:policy/mine").is_none());
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
    }
}
