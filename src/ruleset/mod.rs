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
const PLANNED_PROVIDERS: &[&str] = &["azure", "github", "k8s"];

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
    #[serde(default)]
    control: Vec<RawControl>,
    #[serde(default)]
    kind: Vec<RawStoreKind>,
    #[serde(default)]
    source: Vec<RawSource>,
    #[serde(default)]
    store: Vec<RawStore>,
}

/// A kind of evidence store (`rulesets/aws/stores.toml`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStoreKind {
    provider: String,
    id: String,
    noun: String,
    service: String,
    resource_prefixes: Vec<String>,
    #[serde(default)]
    name_ends_at: String,
    #[serde(default)]
    written: Option<(String, String)>,
    /// Actions that confer `audit_evidence` on a store of this kind, and only there.
    #[serde(default)]
    actions: Vec<String>,
    #[serde(default)]
    prefixes: Vec<String>,
    #[serde(default)]
    bare_names: bool,
}

/// An audit source: which of its attributes name the stores it writes to.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    provider: String,
    #[serde(rename = "type")]
    kind: String,
    writes: Vec<RawWrites>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWrites {
    attribute: String,
    store: String,
}

/// A resource type that configures a store.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStore {
    provider: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(rename = "kind")]
    store: String,
    named_by: Vec<String>,
    #[serde(default)]
    is_store: bool,
    #[serde(default)]
    links: bool,
    #[serde(default = "yes")]
    deletion: bool,
    #[serde(default)]
    deleted: Option<String>,
    #[serde(default)]
    weakened_when: Vec<RawCondition>,
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

/// A control that reviews changes (branch protection, a ruleset, CODEOWNERS): how changes to
/// it weaken the review, as `[[evidence]]` says how evidence is weakened.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawControl {
    provider: String,
    #[serde(rename = "type")]
    kind: String,
    /// Whether deleting (or replacing) the resource weakens the review. Default true.
    #[serde(default = "yes")]
    deletion: bool,
    /// The resource is a control only where this attribute holds one of these values, on
    /// either side (a repository file is one when it is `CODEOWNERS`).
    #[serde(default)]
    only_when: Option<RawOnlyWhen>,
    #[serde(default)]
    weakened_when: Vec<RawCondition>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOnlyWhen {
    attribute: String,
    values: Vec<toml::Value>,
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
    /// For `drops_principal` and `allows`: what to look for; for `lost_items` and
    /// `gained_items`, the items whose loss or gain counts (any, when neither this nor `value`
    /// is given).
    #[serde(default)]
    values: Vec<toml::Value>,
    /// What an absent (null) value means: the provider's default.
    #[serde(default)]
    default: Option<toml::Value>,
    #[serde(default)]
    zero_means_unlimited: bool,
    #[serde(default)]
    on_create: bool,
    /// `stops_denying` and `detaches_guardrail`: the actions a guardrail's Deny protects.
    #[serde(default)]
    actions: Vec<String>,
    /// `[[control]]` only: the severity of a finding on this condition (default: the rule's).
    #[serde(default)]
    severity: Option<String>,
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
    /// Counts only on a scope that names an evidence store (`[[kind]] actions` of
    /// stores.toml): deleting objects of the trail's bucket.
    pub(crate) store_only: bool,
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
    /// Elements of a list or set were removed (of these, when any are given).
    LostItems(Vec<serde_json::Value>),
    /// One of these elements was added to a list or set.
    GainedItems(Vec<serde_json::Value>),
    /// A policy document no longer admits one of these principals (service principals, in
    /// an Allow statement) that it admitted before.
    DropsPrincipal(Vec<String>),
    /// A policy document newly allows one of these actions to a principal that is not a
    /// service (an account, a role, anyone).
    Allows(Vec<String>),
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
    pub(crate) says: String,
    /// What an absent (null) value means: the provider's default.
    pub(crate) default: Option<serde_json::Value>,
    /// `[[control]]` only: the severity of what it finds, above the rule's own.
    pub(crate) severity: Option<Severity>,
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

/// A control that reviews changes, of one resource type: how its changes weaken the review.
#[derive(Debug, Clone)]
pub(crate) struct Control {
    pub(crate) deletion: bool,
    /// It is a control only where this attribute holds one of these values (either side).
    pub(crate) only_when: Option<(String, Vec<serde_json::Value>)>,
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
    /// Resource type → how its changes weaken the controls that review changes
    /// (`control-tampering`).
    pub(crate) controls: BTreeMap<String, Control>,
    /// Per provider, how its resource types are read.
    pub(crate) shapes: BTreeMap<String, Shapes>,
    /// Evidence stores: what writes to them, and how they are weakened.
    pub(crate) stores: StoreRules,
}

/// A kind of evidence store (a bucket, a key, a log group) and how an ARN names one.
#[derive(Debug, Clone)]
pub(crate) struct StoreKind {
    pub(crate) id: String,
    /// "the bucket", in "the bucket aws_cloudtrail.org writes to".
    pub(crate) noun: String,
    /// The ARN's service (`s3`).
    pub(crate) service: String,
    /// The name is the ARN's resource part less the first of these it starts with...
    pub(crate) resource_prefixes: Vec<String>,
    /// ... cut at the first of this (empty: not cut).
    pub(crate) name_ends_at: String,
    /// How one source, and several, use it: "writes to", "write to".
    pub(crate) written: (String, String),
    /// Values that start with one of these name a store of this kind, by the rest (a Google
    /// sink's destination `storage.googleapis.com/BUCKET`), cut at `name_ends_at`.
    pub(crate) prefixes: Vec<String>,
    /// A grant scoped by a bare name (a Google bucket's IAM, scoped to the bucket's name, less
    /// the first of `resource_prefixes` it starts with) may be scoped to a store of this kind.
    pub(crate) bare_names: bool,
}

/// Which store an attribute of an audit source names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Writes {
    /// A store of this kind (an index into [`StoreRules::kinds`]).
    Kind(usize),
    /// Whatever kind of store the ARN's service says.
    Arn,
}

/// A resource type that configures a store.
#[derive(Debug, Clone)]
pub(crate) struct StoreType {
    /// The kind of store (an index into [`StoreRules::kinds`]).
    pub(crate) kind: usize,
    /// The attributes that name the store (its name, ARN or id).
    pub(crate) named_by: Vec<String>,
    /// The resource is the store itself: its address names the store too.
    pub(crate) is_store: bool,
    /// The resource ties names of one store together (an alias and its key): read even when
    /// it does not change.
    pub(crate) links: bool,
    /// Whether deleting (or replacing) the resource weakens the store, and what it says then.
    pub(crate) deleted: Option<String>,
    pub(crate) conditions: Vec<Condition>,
}

/// Evidence stores, from `[[kind]]`, `[[source]]` and `[[store]]` tables.
#[derive(Debug, Default)]
pub(crate) struct StoreRules {
    pub(crate) kinds: Vec<StoreKind>,
    /// Audit source type → (attribute, what it names).
    pub(crate) sources: BTreeMap<String, Vec<(String, Writes)>>,
    /// Resource type → how it configures a store.
    pub(crate) stores: BTreeMap<String, StoreType>,
}

impl StoreRules {
    /// The kind of store an ARN's service holds.
    pub(crate) fn kind_of_service(&self, service: &str) -> Option<usize> {
        self.kinds.iter().position(|k| k.service == service)
    }

    /// The kind a value names by one of its kinds' `prefixes`, and the rest of the value.
    pub(crate) fn kind_of_prefix<'v>(&self, value: &'v str) -> Option<(usize, &'v str)> {
        self.kinds.iter().enumerate().find_map(|(i, k)| {
            k.prefixes
                .iter()
                .find_map(|p| value.strip_prefix(p.as_str()))
                .map(|rest| (i, rest))
        })
    }
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
        // Kinds first: sources and stores refer to them.
        for (name, raw) in &files {
            set.add_kinds(name, raw, &mut problems);
        }
        for (name, raw) in &files {
            set.add_stores(name, raw, &mut problems);
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
                    let how = DutyAction {
                        action: String::new(),
                        duty: g.duty.clone(),
                        broad_only,
                        store_only: false,
                    };
                    add_actions(
                        &mut self.actions,
                        name,
                        &place,
                        &g.provider,
                        pattern,
                        how,
                        problems,
                    );
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
                if c.says.contains("{store}") {
                    problems.push(format!(
                        "{name}: {place}: says \"{}\": {{store}} is for [[store]] tables only",
                        c.says
                    ));
                }
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
        for (i, e) in raw.control.iter().enumerate() {
            let place = format!("[[control]] #{} ({})", i + 1, e.kind);
            provider(&e.provider, &place, problems);
            let mut conditions = Vec::new();
            for c in &e.weakened_when {
                match condition(c) {
                    Ok(c) => conditions.push(c),
                    Err(msg) => problems.push(format!("{name}: {place}: {msg}")),
                }
            }
            let only_when = match &e.only_when {
                Some(w) => {
                    let values: Result<Vec<serde_json::Value>, _> =
                        w.values.iter().map(serde_json::to_value).collect();
                    match values {
                        Ok(values) => Some((w.attribute.clone(), values)),
                        Err(err) => {
                            problems.push(format!("{name}: {place}: only_when: {err}"));
                            None
                        }
                    }
                }
                None => None,
            };
            let entry = self.controls.entry(e.kind.clone()).or_insert(Control {
                deletion: e.deletion,
                only_when: None,
                conditions: Vec::new(),
            });
            entry.deletion |= e.deletion;
            if only_when.is_some() {
                entry.only_when = only_when;
            }
            entry.conditions.extend(conditions);
        }
        for (i, e) in raw.evidence.iter().enumerate() {
            if e.weakened_when.iter().any(|c| c.severity.is_some()) {
                problems.push(format!(
                    "{name}: [[evidence]] #{} ({}): severity is for [[control]] tables only",
                    i + 1,
                    e.kind
                ));
            }
        }
    }

    fn add_kinds(&mut self, name: &str, raw: &RawRuleset, problems: &mut Vec<String>) {
        let providers = known_providers();
        for (i, k) in raw.kind.iter().enumerate() {
            let place = format!("[[kind]] #{} ({})", i + 1, k.id);
            if !providers.contains(&k.provider.as_str()) {
                problems.push(format!(
                    "{name}: {place}: provider \"{}\" is not one of {}",
                    k.provider,
                    providers.join(", ")
                ));
            }
            if !is_id(&k.id) || k.id == "arn" {
                problems.push(format!(
                    "{name}: {place}: id must be lowercase letters, digits and underscores, \
                     and not \"arn\""
                ));
            }
            if self.stores.kinds.iter().any(|x| x.id == k.id) {
                problems.push(format!(
                    "{name}: {place}: the kind \"{}\" is defined twice",
                    k.id
                ));
                continue;
            }
            if k.resource_prefixes.is_empty() {
                problems.push(format!("{name}: {place}: resource_prefixes is empty"));
            }
            for pattern in &k.actions {
                let how = DutyAction {
                    action: String::new(),
                    duty: AUDIT_EVIDENCE.to_string(),
                    broad_only: false,
                    store_only: true,
                };
                add_actions(
                    &mut self.actions,
                    name,
                    &place,
                    &k.provider,
                    pattern,
                    how,
                    problems,
                );
            }
            self.stores.kinds.push(StoreKind {
                id: k.id.clone(),
                noun: k.noun.clone(),
                service: k.service.clone(),
                resource_prefixes: k.resource_prefixes.clone(),
                name_ends_at: k.name_ends_at.clone(),
                written: k
                    .written
                    .clone()
                    .unwrap_or_else(|| ("writes to".to_string(), "write to".to_string())),
                prefixes: k.prefixes.clone(),
                bare_names: k.bare_names,
            });
        }
    }

    fn add_stores(&mut self, name: &str, raw: &RawRuleset, problems: &mut Vec<String>) {
        let providers = known_providers();
        let provider = |p: &str, place: &str, problems: &mut Vec<String>| {
            if !providers.contains(&p) {
                problems.push(format!(
                    "{name}: {place}: provider \"{p}\" is not one of {}",
                    providers.join(", ")
                ));
            }
        };
        let kinds = |s: &StoreRules| {
            s.kinds
                .iter()
                .map(|k| k.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        for (i, s) in raw.source.iter().enumerate() {
            let place = format!("[[source]] #{} ({})", i + 1, s.kind);
            provider(&s.provider, &place, problems);
            for w in &s.writes {
                let writes = if w.store == "arn" {
                    Writes::Arn
                } else if let Some(k) = self.stores.kinds.iter().position(|k| k.id == w.store) {
                    Writes::Kind(k)
                } else {
                    problems.push(format!(
                        "{name}: {place}: \"{}\" writes to store \"{}\", which is not arn nor \
                         one of the kinds ({})",
                        w.attribute,
                        w.store,
                        kinds(&self.stores)
                    ));
                    continue;
                };
                self.stores
                    .sources
                    .entry(s.kind.clone())
                    .or_default()
                    .push((w.attribute.clone(), writes));
            }
        }
        for (i, s) in raw.store.iter().enumerate() {
            let place = format!("[[store]] #{} ({})", i + 1, s.kind);
            provider(&s.provider, &place, problems);
            let Some(kind) = self.stores.kinds.iter().position(|k| k.id == s.store) else {
                problems.push(format!(
                    "{name}: {place}: kind \"{}\" is not one of {}",
                    s.store,
                    kinds(&self.stores)
                ));
                continue;
            };
            if s.named_by.is_empty() {
                problems.push(format!("{name}: {place}: named_by is empty"));
            }
            if self.evidence.contains_key(&s.kind) {
                problems.push(format!(
                    "{name}: {place}: {} is evidence whatever it configures ([[evidence]]): \
                     its conditions would be said twice",
                    s.kind
                ));
            }
            if self.stores.stores.contains_key(&s.kind) {
                problems.push(format!("{name}: {place}: {} is a store type twice", s.kind));
            }
            let mut conditions = Vec::new();
            for c in &s.weakened_when {
                match condition(c) {
                    Ok(c) => conditions.push(c),
                    Err(msg) => problems.push(format!("{name}: {place}: {msg}")),
                }
            }
            let deleted = s.deletion.then(|| {
                s.deleted
                    .clone()
                    .unwrap_or_else(|| "is deleted ({store})".to_string())
            });
            self.stores.stores.insert(
                s.kind.clone(),
                StoreType {
                    kind,
                    named_by: s.named_by.clone(),
                    is_store: s.is_store,
                    links: s.links,
                    deleted,
                    conditions,
                },
            );
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
        "lost_items" => Change::LostItems(json_values(c)?),
        "gained_items" => Change::GainedItems(json_values(c)?),
        "drops_principal" | "allows" => {
            let strings: Option<Vec<String>> = c
                .values
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect();
            let Some(strings) = strings.filter(|s| !s.is_empty()) else {
                return Err(format!(
                    "weakened_when on \"{}\": change = \"{}\" needs values, a list of strings",
                    c.attribute, c.change
                ));
            };
            if c.change == "allows" {
                Change::Allows(strings)
            } else {
                Change::DropsPrincipal(strings)
            }
        }
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
                 decreased, changed, removed, lost_items, gained_items, present, equals, \
                 drops_principal, allows, stops_denying, detaches_guardrail",
                c.attribute
            ))
        }
    };
    let default = match &c.default {
        Some(v) => Some(serde_json::to_value(v).map_err(|e| e.to_string())?),
        None => None,
    };
    let severity = match &c.severity {
        Some(text) => Some(Severity::parse(text).ok_or_else(|| {
            format!(
                "weakened_when on \"{}\": severity \"{text}\" is not one of low, medium, high, \
                 critical",
                c.attribute
            )
        })?),
        None => None,
    };
    Ok(Condition {
        attribute: c.attribute.clone(),
        change,
        on_create: c.on_create,
        says: c.says.clone(),
        default,
        severity,
    })
}

/// The actions an action pattern of a provider names, each conferring a duty as `how` says
/// (its `action` is filled in); a pattern that matches none is a problem at `place`.
fn add_actions(
    actions: &mut BTreeMap<String, Vec<DutyAction>>,
    name: &str,
    place: &str,
    provider: &str,
    pattern: &str,
    how: DutyAction,
    problems: &mut Vec<String>,
) {
    let expanded = expand(provider, pattern);
    if expanded.is_empty() {
        problems.push(format!(
            "{name}: {place}: \"{pattern}\" matches no {provider} action"
        ));
    }
    let list = actions.entry(provider.to_string()).or_default();
    for action in expanded {
        list.push(DutyAction {
            action,
            ..how.clone()
        });
    }
}

/// A condition's `value` and `values`, as JSON.
fn json_values(c: &RawCondition) -> Result<Vec<serde_json::Value>, String> {
    c.value
        .iter()
        .chain(&c.values)
        .map(|v| serde_json::to_value(v).map_err(|e| e.to_string()))
        .collect()
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
            for k in &raw.kind {
                let Some(provider) = privilege::provider(&k.provider) else {
                    continue;
                };
                for a in &k.actions {
                    if !crate::glob::is_pattern(a) && !provider.knows_action(a) {
                        unknown.push(format!("{name}: {a}"));
                    }
                }
            }
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
    fn store_table_errors_name_file_and_place() {
        let err = Ruleset::load(&[(
            "stores.toml".to_string(),
            r#"
[[source]]
provider = "aws"
type = "aws_example_source"
writes = [{ attribute = "bucket", store = "drawer" }]

[[store]]
provider = "aws"
type = "aws_cloudtrail"
kind = "bucket"
named_by = ["name"]

[[store]]
provider = "aws"
type = "aws_example_thing"
kind = "cupboard"
named_by = ["name"]

[[evidence]]
provider = "aws"
type = "aws_example_evidence"
weakened_when = [{ attribute = "x", change = "turned_off", says = "weakens {store}" }]
"#
            .to_string(),
        )])
        .expect_err("bad store tables");
        let err = err.to_string();
        for expected in [
            "stores.toml: [[source]] #1 (aws_example_source): \"bucket\" writes to store \"drawer\"",
            "stores.toml: [[store]] #1 (aws_cloudtrail): aws_cloudtrail is evidence whatever it configures",
            "stores.toml: [[store]] #2 (aws_example_thing): kind \"cupboard\" is not one of bucket, key, log_group",
            "stores.toml: [[evidence]] #1 (aws_example_evidence): says \"weakens {store}\"",
        ] {
            assert!(err.contains(expected), "{expected}\n{err}");
        }
    }

    #[test]
    fn a_provider_without_an_extractor_yet_keeps_its_patterns() {
        assert_eq!(
            expand("oci", "iam.roles.*"),
            vec!["iam.roles.*".to_string()]
        );
        assert_eq!(
            expand("aws", "IAM:passrole"),
            vec!["iam:PassRole".to_string()]
        );
    }
}
