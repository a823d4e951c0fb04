//! `pulumi preview --json` → resource changes in Terraform's vocabulary: type tokens become
//! Terraform resource types and camelCase attributes become snake_case, so that extractors are
//! written once.
//!
//! Each step of the preview becomes at most one change per resource (a replacement's steps are
//! one change), with its old and new state; what one property takes from another resource
//! (`propertyDependencies`) becomes a configuration whose expressions reference that
//! resource's address, so that the review follows values known only after apply to the resource
//! that will provide them, as it does through a Terraform plan's `configuration`.

use super::{ConfigModule, ConfigResource, Configuration, Format, Input, Pieces, Wanted};
use crate::load::{self, strip_position, First, LoadError, Opened, Place};
use crate::model::{Action, Head, ResourceChange, Text, Values};
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};
use types::{snake, terraform_type};
use urn::Urn;

mod types;
mod urn;

/// `pulumi preview --json`.
pub(crate) struct Preview;

/// Top-level keys of a preview that say it is one (Pulumi's `PreviewDigest`).
const KEYS: &[&str] = &["steps", "changeSummary"];

/// Top-level keys a preview may begin with, which say so only while the object goes on past
/// the first bytes: a whole object with neither `steps` nor `changeSummary` is no preview.
const FIRST_KEYS: &[&str] = &["config", "diagnostics", "duration", "maybeCorrupt"];

/// Top-level keys of a stack's state as `pulumi stack export` writes it (`deployment`), or as
/// a self-managed backend keeps it (`checkpoint`), next to `version`.
const EXPORT_KEYS: &[&str] = &["deployment", "checkpoint"];

/// Keys of one of Pulumi's engine events, next to `sequence` and `timestamp`: the lines of
/// `pulumi preview --event-log FILE`, and of `--json` output that streams events.
const EVENT_KEYS: &[&str] = &[
    "cancelEvent",
    "stdoutEvent",
    "diagnosticEvent",
    "preludeEvent",
    "summaryEvent",
    "resourcePreEvent",
    "resOutputsEvent",
    "resOpFailedEvent",
    "policyEvent",
    "policyLoadEvent",
    "policyRemediationEvent",
    "policyAnalyzeSummaryEvent",
    "policyRemediateSummaryEvent",
    "policyAnalyzeStackSummaryEvent",
    "startDebuggingEvent",
    "progressEvent",
    "errorEvent",
];

/// What Pulumi writes that is not a preview, and what to run instead: recognised here so
/// that the error says so in Pulumi's words rather than a Terraform plan's.
fn not_a_preview(first: &First<'_>) -> Option<&'static str> {
    let First::Bytes {
        object: Some(top), ..
    } = first
    else {
        return None;
    };
    if top.has_any(KEYS) {
        return None;
    }
    if top.has("version") && top.has_any(EXPORT_KEYS) {
        return Some(
            "this is a Pulumi stack's state (`pulumi stack export`), not a change to it: \
             expected the output of `pulumi preview --json`",
        );
    }
    if top.has("sequence") && top.has("timestamp") && top.has_any(EVENT_KEYS) {
        return Some(
            "this is a log of Pulumi engine events (`pulumi preview --event-log FILE`, or \
             `--json` output that streams events), which foureyes does not read: expected \
             the output of `pulumi preview --json`, written whole (without \
             PULUMI_ENABLE_STREAMING_JSON_PREVIEW)",
        );
    }
    None
}

impl Format for Preview {
    fn name(&self) -> &'static str {
        "a Pulumi preview (`pulumi preview --json`)"
    }

    fn sniff(&self, first: &First<'_>) -> bool {
        not_a_preview(first).is_some()
            || matches!(first, First::Bytes { object: Some(top), .. }
            if top.has_any(KEYS) || (!top.whole() && top.has_any(FIRST_KEYS)))
    }

    fn read(&self, opened: Opened<'_>, index: usize, wanted: &Wanted) -> Result<Pieces, LoadError> {
        let name = opened.name;
        if let Some(message) = not_a_preview(&opened.first()) {
            return Err(LoadError::Invalid {
                name: name.to_string(),
                message: message.to_string(),
            });
        }
        let steps = read_steps(opened)?;
        let read = changes(index, &steps, wanted);
        Ok(Pieces {
            input: Input {
                name: name.to_string(),
                format_version: "pulumi-preview".to_string(),
                terraform_version: None,
                configuration: read.configuration,
                resource_changes: read.changes.len(),
                variables: Default::default(),
            },
            changes: read.changes,
            drift: read.drift,
            prior: Vec::new(),
            unknowns: Vec::new(),
        })
    }
}

/// One step of a Pulumi preview (Pulumi's `PreviewStep`).
#[derive(Debug, Deserialize)]
pub(crate) struct RawStep {
    pub(crate) op: String,
    pub(crate) urn: String,
    #[serde(default, rename = "oldState")]
    pub(crate) old_state: Option<RawState>,
    #[serde(default, rename = "newState")]
    pub(crate) new_state: Option<RawState>,
    /// The top-level properties that differ (updates).
    #[serde(default, rename = "diffReasons")]
    pub(crate) diff_reasons: Option<Vec<String>>,
    /// The top-level properties that force a replacement.
    #[serde(default, rename = "replaceReasons")]
    pub(crate) replace_reasons: Option<Vec<String>>,
    /// Per property path (`tags.Team`, `inlinePolicies[0].policy`), how it changes.
    #[serde(default, rename = "detailedDiff")]
    pub(crate) detailed_diff: Option<BTreeMap<String, RawDiff>>,
}

/// How one property changes: `add`, `add-replace`, `delete`, `delete-replace`, `update`,
/// `update-replace`.
#[derive(Debug, Deserialize)]
pub(crate) struct RawDiff {
    #[serde(default)]
    pub(crate) kind: String,
}

/// A resource's state in a Pulumi step (Pulumi's `ResourceV3`).
#[derive(Debug, Deserialize)]
pub(crate) struct RawState {
    #[serde(default, rename = "type")]
    pub(crate) kind: Option<String>,
    /// `false` for a component (and the stack): a resource of the program, not of the cloud.
    #[serde(default)]
    pub(crate) custom: Option<bool>,
    #[serde(default)]
    pub(crate) inputs: Option<serde_json::Value>,
    #[serde(default)]
    pub(crate) outputs: Option<serde_json::Value>,
    /// The URNs of the resources each input property takes a value from.
    #[serde(default, rename = "propertyDependencies")]
    pub(crate) property_dependencies: Option<BTreeMap<String, Vec<String>>>,
    /// The URNs of the resources it depends on.
    #[serde(default)]
    pub(crate) dependencies: Option<Vec<String>>,
}

/// A warning or error of the preview (Pulumi's `PreviewDiagnostic`).
#[derive(Debug, Deserialize)]
struct RawDiagnostic {
    #[serde(default)]
    message: String,
    #[serde(default)]
    severity: String,
}

/// The longest part of Pulumi's own error that an error of foureyes quotes.
const QUOTED: usize = 200;

/// Read a preview's `steps`. Every top-level value is streamed and checked; only `steps` and
/// `diagnostics` are kept. A preview that Pulumi says failed is refused: its steps, if any,
/// are not all of the change.
fn read_steps(opened: Opened<'_>) -> Result<Vec<RawStep>, LoadError> {
    let name = opened.name;
    let mut s = opened.json()?;
    let mut steps = None;
    let mut diagnostics: Vec<RawDiagnostic> = Vec::new();
    load::members(&mut s, |s, key| {
        s.capture(|bytes, at| {
            let place = Place { name, bytes, at };
            let error = |e: serde_json::Error| {
                let message = match e.classify() {
                    serde_json::error::Category::Data => format!(
                        "not a Pulumi preview: {} (expected the output of `pulumi preview --json`)",
                        strip_position(&e)
                    ),
                    _ => format!("invalid JSON: {}", strip_position(&e)),
                };
                place.error(&e, message)
            };
            if key == "steps" {
                steps = Some(serde_json::from_slice::<Vec<RawStep>>(bytes).map_err(error)?);
            } else if key == "diagnostics" {
                diagnostics = serde_json::from_slice(bytes).map_err(error)?;
            } else {
                // NOTE: what is skipped is checked as strictly as what is read: a preview is
                // small, and one that is not JSON is refused whole.
                serde_json::from_slice::<IgnoredAny>(bytes).map_err(error)?;
            }
            Ok(())
        })
    })?;
    if let Some(failed) = diagnostics.iter().find(|d| d.severity == "error") {
        let said: String = failed
            .message
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let mut quoted: String = said.chars().take(QUOTED).collect();
        if quoted.len() < said.len() {
            quoted.push('…');
        }
        return Err(LoadError::Invalid {
            name: name.to_string(),
            message: format!(
                "this is the output of a `pulumi preview --json` that failed (\"{}\"){}: expected \
                 the output of a preview that succeeded",
                crate::escape::terminal(&quoted),
                if steps.as_ref().is_some_and(|s| !s.is_empty()) {
                    ", and its steps are not all of the change"
                } else {
                    ""
                }
            ),
        });
    }
    steps.ok_or_else(|| LoadError::Invalid {
        name: name.to_string(),
        message: "this looks like `pulumi preview --json` output without `steps`: expected \
                  the output of `pulumi preview --json` or `terraform show -json PLANFILE`"
            .to_string(),
    })
}

/// What Pulumi writes for a value known only after apply.
const UNKNOWN: &str = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
/// What Pulumi writes in place of a secret.
const SECRET: &str = "[secret]";
/// The key of Pulumi's special values (secrets, assets, archives) in a property map.
const SIGNATURE: &str = "4dabf18193072939515e22adb298388d";
/// The signature of a secret: `{SIGNATURE: SECRET_SIGNATURE, "value" | "plaintext" |
/// "ciphertext": ...}`.
const SECRET_SIGNATURE: &str = "1b47061264138c4ac30d75fd1eb44270";

/// Convert a Pulumi property map: keys to snake_case, unknowns and secrets to marks.
fn convert(v: &Value, unknown: &mut Value, sensitive: &mut Value) -> Value {
    match v {
        Value::Object(map)
            if map.get(SIGNATURE).and_then(Value::as_str) == Some(SECRET_SIGNATURE) =>
        {
            // NOTE: a secret whose value is here (`value` as the engine passes it, `plaintext`
            // as JSON text in state shown with secrets) is judged like any value and marked
            // sensitive, whole; one that is encrypted or left out is unknown too.
            let inner = map.get("value").cloned().or_else(|| {
                map.get("plaintext")
                    .and_then(Value::as_str)
                    .and_then(|text| serde_json::from_str(text).ok())
            });
            *sensitive = Value::Bool(true);
            match inner {
                Some(inner) => {
                    let mut ignored = Value::Null;
                    convert(&inner, unknown, &mut ignored)
                }
                None => {
                    *unknown = Value::Bool(true);
                    Value::Null
                }
            }
        }
        Value::Object(map) => {
            let mut out = Map::new();
            let mut u = Map::new();
            let mut s = Map::new();
            for (k, x) in map {
                if k == "__defaults" {
                    continue;
                }
                let key = property_name(k);
                let mut uk = Value::Null;
                let mut sk = Value::Null;
                out.insert(key.clone(), convert(x, &mut uk, &mut sk));
                if uk != Value::Null {
                    u.insert(key.clone(), uk);
                }
                if sk != Value::Null {
                    s.insert(key, sk);
                }
            }
            if !u.is_empty() {
                *unknown = Value::Object(u);
            }
            if !s.is_empty() {
                *sensitive = Value::Object(s);
            }
            Value::Object(out)
        }
        Value::Array(items) => {
            let mut us = Vec::new();
            let mut ss = Vec::new();
            let out = items
                .iter()
                .map(|x| {
                    let mut uk = Value::Null;
                    let mut sk = Value::Null;
                    let y = convert(x, &mut uk, &mut sk);
                    us.push(uk);
                    ss.push(sk);
                    y
                })
                .collect();
            if us.iter().any(crate::model::any_true) {
                *unknown = Value::Array(us);
            }
            if ss.iter().any(crate::model::any_true) {
                *sensitive = Value::Array(ss);
            }
            Value::Array(out)
        }
        Value::String(s) if s == UNKNOWN => {
            *unknown = Value::Bool(true);
            Value::Null
        }
        Value::String(s) if s == SECRET => {
            // NOTE: a secret's value is not in the preview at all: unknown to the review, and
            // marked sensitive so that nothing about it is printed.
            *unknown = Value::Bool(true);
            *sensitive = Value::Bool(true);
            Value::Null
        }
        other => other.clone(),
    }
}

/// The properties of a state: outputs when the provider has reported them, else inputs.
/// (During a preview, the provider has reported the outputs of the old state only: a new
/// state holds the program's inputs.)
fn properties(state: &RawState) -> &Value {
    match (&state.outputs, &state.inputs) {
        (Some(o @ Value::Object(m)), _) if !m.is_empty() => o,
        (_, Some(i)) => i,
        _ => &Value::Null,
    }
}

/// Whether a state holds outputs the provider has reported.
fn has_outputs(state: &RawState) -> bool {
    matches!(&state.outputs, Some(Value::Object(m)) if !m.is_empty())
}

/// The name of a property in Terraform's vocabulary: values and the configuration's
/// expressions are named through this one function.
fn property_name(name: &str) -> String {
    snake(name)
}

/// The top-level property a property path starts with (`tags.Team` → `tags`,
/// `inlinePolicies[0].policy` → `inlinePolicies`, `["a.b"].c` → `a.b`).
fn top_property(path: &str) -> String {
    if let Some(quoted) = path.strip_prefix('[') {
        if let Ok(Value::String(key)) = serde_json::Deserializer::from_str(quoted)
            .into_iter::<Value>()
            .next()
            .unwrap_or(Ok(Value::Null))
        {
            return key;
        }
    }
    path.split(['.', '[']).next().unwrap_or(path).to_string()
}

/// The properties a change leaves a resource with, as far as the preview knows them. An
/// update keeps the old state, without the inputs the program no longer sets and the
/// properties the diff deletes, and takes the new inputs; a replacement is its new inputs.
/// A property the diff says changes (`detailedDiff`, `diffReasons`, `replaceReasons`) and
/// whose new value the preview does not hold is unknown.
fn after_change(step: &RawStep, old: Option<&RawState>, new: &RawState) -> Value {
    let Value::Object(inputs) = properties(new) else {
        return properties(new).clone();
    };
    let mut after = match old.map(properties) {
        Some(Value::Object(before)) => before.clone(),
        _ => Map::new(),
    };
    if let Some(Value::Object(old_inputs)) = old.and_then(|o| o.inputs.as_ref()) {
        for key in old_inputs.keys() {
            if !inputs.contains_key(key) {
                after.remove(key);
            }
        }
    }
    let mut deleted = std::collections::HashSet::new();
    let mut changing: Vec<String> = Vec::new();
    for (path, diff) in step.detailed_diff.iter().flatten() {
        let key = top_property(path);
        if diff.kind.starts_with("delete") {
            after.remove(&key);
            deleted.insert(key);
        } else {
            changing.push(key);
        }
    }
    changing.extend(
        step.diff_reasons
            .iter()
            .chain(&step.replace_reasons)
            .flatten()
            .cloned(),
    );
    let set_before = |key: &str| {
        matches!(old.and_then(|o| o.inputs.as_ref()),
            Some(Value::Object(i)) if i.contains_key(key))
    };
    for key in changing {
        // NOTE: what the program no longer sets, or the diff deletes, is gone, not unknown.
        if !inputs.contains_key(&key) && !deleted.contains(&key) && !set_before(&key) {
            after.insert(key, Value::from(UNKNOWN));
        }
    }
    for (key, value) in inputs {
        after.insert(key.clone(), value.clone());
    }
    Value::Object(after)
}

/// What a preview says of its resources: their changes, the changes found outside Pulumi, and
/// the configuration that says where values known only after apply come from.
struct Read {
    changes: Vec<ResourceChange>,
    drift: Vec<ResourceChange>,
    configuration: Configuration,
}

/// What one resource's steps amount to: one change.
struct Planned<'s> {
    urn: &'s str,
    action: Action,
    /// The report's `actions`, in Terraform's words.
    actions: &'static [&'static str],
    data: bool,
    importing: bool,
    old: Option<&'s RawState>,
    new: Option<&'s RawState>,
    /// The step whose diff says what changes.
    step: &'s RawStep,
}

/// The ops that replace a resource: the logical `replace` and the steps it is made of, which
/// Pulumi shows only with `--show-replacement-steps`.
const REPLACING: &[&str] = &[
    "replace",
    "create-replacement",
    "import-replacement",
    "delete-replaced",
];

/// The ops of a resource that is read (`get`), not managed.
const READING: &[&str] = &["read", "read-replacement", "discard", "discard-replaced"];

/// One step on its own: which change it is.
fn single(step: &RawStep) -> Option<Planned<'_>> {
    let (action, actions, data, importing): (Action, &'static [&'static str], bool, bool) =
        match step.op.as_str() {
            "same" | "diff" => (Action::NoOp, &["no-op"], false, false),
            // NOTE: an import adopts what exists: nothing changes in the cloud, as in a
            // Terraform plan that imports (`importing`, no-op).
            "import" => (Action::NoOp, &["no-op"], false, true),
            "create" => (Action::Create, &["create"], false, false),
            "update" => (Action::Update, &["update"], false, false),
            "delete" => (Action::Delete, &["delete"], false, false),
            "read" | "read-replacement" => (Action::Read, &["read"], true, false),
            "discard" | "discard-replaced" => (Action::Forget, &["forget"], true, false),
            // A resource whose replacement failed half-way leaves the state; the cloud keeps
            // what it has.
            "remove-pending-replace" => (Action::Forget, &["forget"], false, false),
            // A provider's parameterization changes no resource.
            "extend-parameterize" => return None,
            // NOTE: an op this version does not know may change anything: judged as an update.
            _ => (Action::Update, &["update"], false, false),
        };
    Some(Planned {
        urn: &step.urn,
        action,
        actions,
        data,
        importing,
        old: step.old_state.as_ref(),
        new: step.new_state.as_ref(),
        step,
    })
}

/// One resource's steps, in order: its change, and what changed outside Pulumi.
///
/// A replacement is one change whichever of its steps the preview shows; the old state is the
/// first any of them holds, the new state likewise. Other steps before the last are what a
/// refresh found (Pulumi rewrites a refresh that found a difference into an `update` or a
/// `delete` of the same URN, before the step of the program), and are drift.
fn plan<'s>(steps: &[&'s RawStep]) -> (Option<Planned<'s>>, Vec<Planned<'s>>) {
    let Some(&last) = steps.last() else {
        return (None, Vec::new());
    };
    let is = |ops: &[&str], s: &RawStep| ops.contains(&s.op.as_str());
    if let Some(first) = steps.iter().position(|s| is(REPLACING, s)) {
        let replacing: Vec<&RawStep> = steps.iter().copied().filter(|s| is(REPLACING, s)).collect();
        let by_op = |op: &str| replacing.iter().copied().find(|s| s.op == op);
        let order = [
            "replace",
            "create-replacement",
            "import-replacement",
            "delete-replaced",
        ];
        let old = order
            .iter()
            .filter_map(|op| by_op(op).and_then(|s| s.old_state.as_ref()))
            .next();
        let new = order[..3]
            .iter()
            .filter_map(|op| by_op(op).and_then(|s| s.new_state.as_ref()))
            .next();
        let created = steps
            .iter()
            .position(|s| matches!(s.op.as_str(), "create-replacement" | "import-replacement"));
        let deleted = steps.iter().position(|s| s.op == "delete-replaced");
        let create_first = match (created, deleted) {
            (Some(c), Some(d)) => c < d,
            _ => true,
        };
        let step = by_op("replace").unwrap_or(replacing[0]);
        let drift = steps[..first].iter().filter_map(|s| drifted(s)).collect();
        return (
            Some(Planned {
                urn: &step.urn,
                action: Action::Replace { create_first },
                actions: if create_first {
                    &["create", "delete"]
                } else {
                    &["delete", "create"]
                },
                data: false,
                importing: by_op("import-replacement").is_some(),
                old,
                new,
                step,
            }),
            drift,
        );
    }
    let reads: Vec<&RawStep> = steps.iter().copied().filter(|s| is(READING, s)).collect();
    if let Some(read) = reads
        .iter()
        .find(|s| s.op != "discard" && s.op != "discard-replaced")
    {
        return (single(read), Vec::new());
    }
    let drift = steps[..steps.len() - 1]
        .iter()
        .filter_map(|s| drifted(s))
        .collect();
    if last.op == "refresh" {
        // A refresh that found nothing different: the resource as it is.
        let mut same = single(last);
        if let Some(p) = same.as_mut() {
            p.action = Action::NoOp;
            p.actions = &["no-op"];
            p.old = last.new_state.as_ref().or(last.old_state.as_ref());
        }
        let drift = steps.iter().filter_map(|s| drifted(s)).collect();
        return (same, drift);
    }
    (single(last), drift)
}

/// A step that says what changed outside Pulumi: a refresh's `update` or `delete` before the
/// program's step, or a `refresh` whose new state differs from its old one.
fn drifted(step: &RawStep) -> Option<Planned<'_>> {
    let (old, new) = (step.old_state.as_ref()?, step.new_state.as_ref());
    let action = match step.op.as_str() {
        "update" => Action::Update,
        "delete" => Action::Delete,
        "refresh" if new.is_some_and(|n| has_outputs(n) && properties(n) != properties(old)) => {
            Action::Update
        }
        _ => return None,
    };
    Some(Planned {
        urn: &step.urn,
        action,
        actions: if action == Action::Delete {
            &["delete"]
        } else {
            &["update"]
        },
        data: false,
        importing: false,
        old: Some(old),
        new,
        step,
    })
}

/// The Terraform type of a planned change, or `None` for Pulumi's own resources (the stack,
/// providers).
fn kind_of(p: &Planned<'_>) -> Option<String> {
    let state = p.new.or(p.old);
    if state.and_then(|s| s.custom) == Some(false) {
        // NOTE: a component groups resources of its own; it changes nothing in the cloud.
        return None;
    }
    terraform_type(&token_of(p)?)
}

/// The type token of a planned change (`aws:iam/role:Role`), its parents' types left out.
fn token_of(p: &Planned<'_>) -> Option<String> {
    let token = p
        .new
        .or(p.old)
        .and_then(|s| s.kind.clone())
        .or_else(|| Urn::parse(p.urn).map(|u| u.token().to_string()))?;
    Some(token.rsplit('$').next().unwrap_or(&token).to_owned())
}

/// The resource changes of a preview, and the configuration its dependencies make.
fn changes(input: usize, steps: &[RawStep], wanted: &Wanted) -> Read {
    // The steps of each resource, in the order of their first step.
    let mut groups: Vec<Vec<&RawStep>> = Vec::new();
    let mut by_urn: HashMap<&str, usize> = HashMap::new();
    for step in steps {
        let i = *by_urn.entry(step.urn.as_str()).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[i].push(step);
    }
    let mut planned = Vec::new();
    let mut drifted = Vec::new();
    for group in &groups {
        let (p, d) = plan(group);
        planned.extend(p.and_then(|p| Some((kind_of(&p)?, p))));
        drifted.extend(d.into_iter().filter_map(|p| Some((kind_of(&p)?, p))));
    }
    // Every resource a change is, or a property takes a value from, named once.
    let mut named = Vec::new();
    for (kind, p) in &planned {
        named.push(urn::Named {
            urn: p.urn,
            kind,
            data: p.data,
        });
    }
    let mut referenced: Vec<(&str, String)> = Vec::new();
    for (_, p) in &planned {
        for state in [p.new, p.old].into_iter().flatten() {
            let by_property = state.property_dependencies.iter().flatten();
            for urn in by_property
                .flat_map(|(_, u)| u)
                .chain(state.dependencies.iter().flatten())
            {
                if !by_urn.contains_key(urn.as_str()) {
                    if let Some(kind) = Urn::parse(urn).and_then(|u| terraform_type(u.token())) {
                        referenced.push((urn, kind));
                    }
                }
            }
        }
    }
    named.extend(referenced.iter().map(|(urn, kind)| urn::Named {
        urn,
        kind,
        data: false,
    }));
    let addresses = urn::addresses(&named);
    let address = |urn: &str| addresses.get(urn).cloned();
    let mut resources = Vec::new();
    let mut changes = Vec::new();
    for (kind, p) in &planned {
        let Some(at) = address(p.urn) else { continue };
        if let Some(state) = p.new.or(p.old) {
            resources.extend(configured(&at, state, token_of(p).as_deref(), &address));
        }
        changes.push(change(input, p, kind, at, wanted));
    }
    let drift = drifted
        .iter()
        .filter_map(|(kind, p)| Some(change(input, p, kind, address(p.urn)?, wanted)))
        .collect();
    Read {
        changes,
        drift,
        configuration: Configuration {
            provider_config: Default::default(),
            root_module: ConfigModule {
                resources,
                ..ConfigModule::default()
            },
        },
    }
}

/// The configuration of one resource: an expression per input the program sets (not those the
/// provider defaults, `__defaults`), referencing the addresses of the resources it takes a
/// value from. Without `propertyDependencies` (older engines), an input known only after apply
/// may come from any resource the resource depends on.
fn configured(
    at: &str,
    state: &RawState,
    token: Option<&str>,
    address: &dyn Fn(&str) -> Option<String>,
) -> Option<ConfigResource> {
    let Some(Value::Object(inputs)) = &state.inputs else {
        return None;
    };
    let defaults: Vec<&str> = match inputs.get("__defaults") {
        Some(Value::Array(keys)) => keys.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let mut expressions = Map::new();
    for (key, value) in inputs {
        if key == "__defaults" || defaults.contains(&key.as_str()) {
            continue;
        }
        let urns: Vec<&String> = match &state.property_dependencies {
            Some(by_property) => by_property.get(key).into_iter().flatten().collect(),
            None if holds_unknown(value) => state.dependencies.iter().flatten().collect(),
            None => Vec::new(),
        };
        let mut seen = std::collections::HashSet::new();
        let mut references: Vec<Value> = Vec::new();
        for urn in urns {
            if let Some(a) = address(urn) {
                if seen.insert(a.clone()) {
                    references.push(Value::from(a));
                }
            }
        }
        let mut expression = Map::new();
        if !references.is_empty() {
            expression.insert("references".to_string(), Value::Array(references));
        }
        // NOTE: named as the values are, after the token's renames (`subjects` → `subject`).
        let name = property_name(key);
        let name = token.map_or_else(|| name.clone(), |t| types::renamed(t, &name));
        expressions.insert(name, Value::Object(expression));
    }
    let expressions = serde_json::value::to_raw_value(&Value::Object(expressions)).ok()?;
    Some(ConfigResource {
        address: at.to_string(),
        expressions: Some(expressions),
    })
}

/// Whether a value is, or holds, Pulumi's unknown.
fn holds_unknown(v: &Value) -> bool {
    match v {
        Value::String(s) => s == UNKNOWN,
        Value::Array(items) => items.iter().any(holds_unknown),
        Value::Object(map) => map.values().any(holds_unknown),
        _ => false,
    }
}

/// One planned change in Terraform's vocabulary, with its values where the review reads its
/// type.
fn change(
    input: usize,
    p: &Planned<'_>,
    kind: &str,
    address: String,
    wanted: &Wanted,
) -> ResourceChange {
    let action = p.action;
    let key = if p.data {
        format!("data.{kind}")
    } else {
        kind.to_string()
    };
    let wants = [&wanted.changed, &wanted.unchanged, &wanted.deleted]
        .iter()
        .any(|w| w.contains_key(&key));
    let values = wants.then(|| {
        let mut v = Values::default();
        let mut ignored_unknown = Value::Null;
        if action == Action::NoOp {
            // Unchanged: `after` reads as `before`.
            if let Some(state) = p.old.or(p.new) {
                v.before = convert(
                    properties(state),
                    &mut ignored_unknown,
                    &mut v.before_sensitive,
                );
            }
            v.unchanged = true;
            return v;
        }
        if let Some(old) = p.old.filter(|_| action.has_before()) {
            v.before = convert(
                properties(old),
                &mut ignored_unknown,
                &mut v.before_sensitive,
            );
        }
        if action.has_after() {
            let after = match (p.old, p.new) {
                (old, Some(new)) if !has_outputs(new) => {
                    // A replacement's new object starts from its inputs alone.
                    let old = old.filter(|_| action == Action::Update);
                    after_change(p.step, old, new)
                }
                (_, Some(new)) => properties(new).clone(),
                (_, None) => {
                    // A replacement whose new state the preview does not show: all of it is
                    // known only after apply.
                    v.after_unknown = Value::Bool(true);
                    Value::Null
                }
            };
            if !after.is_null() {
                v.after = convert(&after, &mut v.after_unknown, &mut v.after_sensitive);
            }
        }
        // The provider's attribute names and shapes, the marks moved with their values.
        if let Some(token) = token_of(p) {
            types::reshape(&token, &mut v);
        }
        v
    });
    ResourceChange {
        head: std::sync::Arc::new(Head {
            address: address.into(),
            kind: kind.into(),
            actions: p.actions.iter().map(|a| Text::from(*a)).collect(),
            data: p.data,
            importing: p.importing,
            extra: None,
        }),
        input,
        action,
        values: values.map(Box::new),
        deferred: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Source;

    const FIXTURE: &str = include_str!("../../../testdata/previews/sensitive-secrets.json");

    /// Whether the preview reader recognises an input from its first bytes.
    fn sniffed(text: &str) -> bool {
        let source = Source::from_bytes("in.json", text.as_bytes().to_vec());
        let opened = source.open().expect("opens");
        Preview.sniff(&opened.first())
    }

    /// The fixture's top-level members in another order (`rank` of each key).
    fn reordered(rank: impl Fn(&str) -> usize) -> String {
        let v: Value = serde_json::from_str(FIXTURE).expect("the fixture is JSON");
        let mut members: Vec<(String, Value)> = v
            .as_object()
            .expect("an object")
            .clone()
            .into_iter()
            .collect();
        members.sort_by_key(|(k, _)| rank(k));
        let body: Vec<String> = members
            .iter()
            .map(|(k, v)| format!("{}: {v:#}", Value::from(k.as_str())))
            .collect();
        format!("{{\n{}\n}}\n", body.join(",\n"))
    }

    fn steps(text: &str) -> Result<String, LoadError> {
        let source = Source::from_bytes("in.json", text.as_bytes().to_vec());
        let steps = read_steps(source.open()?)?;
        Ok(format!("{steps:?}"))
    }

    #[test]
    fn a_preview_is_recognised_whatever_the_order_of_its_keys() {
        let order = ["changeSummary", "duration", "steps", "config"];
        let rank = |k: &str| order.iter().position(|o| *o == k).unwrap_or(9);
        let big = format!(
            r#"{{"diagnostics": [{{"message": "{}"}}], "steps": []}}"#,
            "x".repeat(crate::load::PREFIX)
        );
        for text in [FIXTURE, &reordered(rank), &reordered(|k| 9 - rank(k)), &big] {
            assert!(sniffed(text), "{}", &text[..80]);
        }
        assert!(sniffed(
            r#"{"duration": 1, "changeSummary": {"create": 1}}"#
        ));
        // `config` alone says "preview" only while the object goes on past the first bytes.
        assert!(!sniffed(r#"{"config": {"a": "b"}}"#));
        let big = format!(
            r#"{{"config": {{"a": "{}"}}}}"#,
            "x".repeat(crate::load::PREFIX)
        );
        assert!(sniffed(&big));
        assert!(!sniffed(
            r#"{"format_version": "1.2", "resource_changes": []}"#
        ));
        assert!(!sniffed("[]"));
    }

    #[test]
    fn the_steps_are_the_same_whatever_the_order_of_the_keys() {
        let order = ["changeSummary", "duration", "steps", "config"];
        let rank = |k: &str| order.iter().position(|o| *o == k).unwrap_or(9);
        let want = steps(FIXTURE).expect("the fixture reads");
        assert!(want.contains("aws:iam/role:Role"), "{want}");
        assert_eq!(steps(&reordered(rank)).expect("reads"), want);
        assert_eq!(steps(&reordered(|k| 9 - rank(k))).expect("reads"), want);
    }

    #[test]
    fn a_preview_that_is_not_as_pulumi_writes_it_is_refused_in_place() {
        for (text, says) in [
            (
                r#"{"changeSummary": {"create": 1}}"#,
                "in.json: this looks like `pulumi preview --json` output without `steps`",
            ),
            (
                "{\"steps\": [\n  {\"op\": \"create\"}\n]}",
                "in.json:2:18: not a Pulumi preview: missing field `urn`",
            ),
            (
                r#"{"steps": 3}"#,
                "in.json:1:11: not a Pulumi preview: invalid type: integer `3`, expected a sequence",
            ),
            (
                r#"{"config": {"a": tru}, "steps": []}"#,
                "in.json:1:21: invalid JSON: expected ident",
            ),
            (
                r#"{"steps": [], "steps": []}"#,
                "in.json:1:23: invalid plan: the key `steps` appears twice",
            ),
            (r#"{"steps": [] "#, "in.json:1:14: the file ends too early"),
        ] {
            let err = steps(text).expect_err(text).to_string();
            assert!(err.starts_with(says), "{text}: {err}");
        }
    }

    #[test]
    fn unknowns_and_secrets_become_marks() {
        let mut u = Value::Null;
        let mut s = Value::Null;
        let v = convert(
            &serde_json::json!({"roleName": UNKNOWN, "policy": SECRET, "retentionInDays": 7}),
            &mut u,
            &mut s,
        );
        assert_eq!(v["retention_in_days"], 7);
        assert_eq!(u["role_name"], true);
        assert_eq!(s["policy"], true);
    }

    #[test]
    fn signed_secrets_are_read_and_marked_or_unknown() {
        let secret = |k: &str, v: Value| {
            let mut m = serde_json::Map::new();
            m.insert(SIGNATURE.to_string(), Value::from(SECRET_SIGNATURE));
            m.insert(k.to_string(), v);
            Value::Object(m)
        };
        let mut u = Value::Null;
        let mut s = Value::Null;
        let v = convert(
            &serde_json::json!({
                "roleName": secret("value", Value::from("ops")),
                "policyArn": secret("plaintext", Value::from("\"arn:aws:iam::aws:policy/X\"")),
                "policy": secret("ciphertext", Value::from("v1:abc")),
                "tags": secret("value", serde_json::json!({"Team": UNKNOWN})),
            }),
            &mut u,
            &mut s,
        );
        assert_eq!(v["role_name"], "ops");
        assert_eq!(v["policy_arn"], "arn:aws:iam::aws:policy/X");
        assert_eq!(v["policy"], Value::Null);
        assert_eq!(v["tags"]["team"], Value::Null);
        for key in ["role_name", "policy_arn", "policy", "tags"] {
            assert_eq!(s[key], true, "{key}");
        }
        assert_eq!(u["policy"], true);
        assert_eq!(u["tags"]["team"], true);
        assert!(u.get("role_name").is_none());
    }

    /// The changes a preview's steps make: `(address, actions, before, after)` of each, with
    /// `before`/`after` the value of `attribute` on each side (`?` unknown, `-` absent).
    fn planned(steps: Value, attribute: &str) -> (Vec<String>, Vec<String>) {
        let steps: Vec<RawStep> = serde_json::from_value(steps).expect("steps");
        let mut wanted = Wanted::default();
        wanted
            .changed
            .insert("aws_iam_role_policy".to_string(), Vec::new());
        wanted
            .changed
            .insert("aws_cloudtrail".to_string(), Vec::new());
        wanted
            .changed
            .insert("data.aws_iam_role_policy".to_string(), Vec::new());
        let read = changes(0, &steps, &wanted);
        let show = |c: &ResourceChange| {
            let v = c.values.as_ref().expect("values");
            let side = |value: &Value, unknown: bool| match value.get(attribute) {
                _ if unknown => "?".to_string(),
                Some(x) => x.to_string(),
                None => "-".to_string(),
            };
            let before = side(&v.before, false);
            let after = if v.unchanged {
                "=".to_string()
            } else {
                side(&v.after, v.is_unknown(crate::model::Side::After, attribute))
            };
            let actions: Vec<&str> = c.actions.iter().map(|a| a.as_ref()).collect();
            format!("{} {} {before} {after}", c.address, actions.join(","))
        };
        (
            read.changes.iter().map(show).collect(),
            read.drift.iter().map(show).collect(),
        )
    }

    const POLICY: &str = "urn:pulumi:prod::p::aws:iam/rolePolicy:RolePolicy::ci";

    fn state(policy: &str, outputs: bool) -> Value {
        let props = serde_json::json!({"name": "ci", "role": "ci-deployer", "policy": policy});
        let mut s = serde_json::json!({"type": "aws:iam/rolePolicy:RolePolicy", "inputs": props});
        if outputs {
            s["outputs"] = serde_json::json!({"name": "ci", "role": "ci-deployer",
                "policy": policy, "id": "ci-deployer:ci"});
        }
        s
    }

    fn step(op: &str, old: Option<&str>, new: Option<&str>) -> Value {
        let mut s = serde_json::json!({"op": op, "urn": POLICY, "detailedDiff": null});
        if let Some(p) = old {
            s["oldState"] = state(p, true);
        }
        if let Some(p) = new {
            s["newState"] = state(p, false);
        }
        s
    }

    #[test]
    fn each_op_is_one_change() {
        let at = "aws_iam_role_policy.ci";
        for (steps, want) in [
            (
                vec![step("create", None, Some("B"))],
                format!(r#"{at} create - "B""#),
            ),
            (
                vec![step("update", Some("A"), Some("B"))],
                format!(r#"{at} update "A" "B""#),
            ),
            (
                vec![step("delete", Some("A"), None)],
                format!(r#"{at} delete "A" -"#),
            ),
            (
                vec![step("same", Some("A"), Some("A"))],
                format!(r#"{at} no-op "A" ="#),
            ),
            (
                vec![step("import", None, Some("A"))],
                format!(r#"{at} no-op "A" ="#),
            ),
            (
                vec![step("replace", Some("A"), Some("B"))],
                format!(r#"{at} create,delete "A" "B""#),
            ),
            (
                vec![
                    step("create-replacement", Some("A"), Some("B")),
                    step("replace", Some("A"), Some("B")),
                    step("delete-replaced", Some("A"), None),
                ],
                format!(r#"{at} create,delete "A" "B""#),
            ),
            (
                vec![
                    step("delete-replaced", Some("A"), None),
                    step("create-replacement", Some("A"), Some("B")),
                ],
                format!(r#"{at} delete,create "A" "B""#),
            ),
            (
                vec![step("delete-replaced", Some("A"), None)],
                format!(r#"{at} create,delete "A" ?"#),
            ),
            (
                vec![step("remove-pending-replace", Some("A"), None)],
                format!(r#"{at} forget "A" -"#),
            ),
            (
                vec![step("read", None, Some("A"))],
                format!(r#"data.{at} read - "A""#),
            ),
            (
                vec![
                    step("read-replacement", None, Some("A")),
                    step("discard-replaced", Some("A"), None),
                ],
                format!(r#"data.{at} read - "A""#),
            ),
            (
                vec![step("discard", Some("A"), None)],
                format!(r#"data.{at} forget "A" -"#),
            ),
            (
                vec![step("refresh", Some("A"), Some("A"))],
                format!(r#"{at} no-op "A" ="#),
            ),
            // An op this version does not know may change anything.
            (
                vec![step("transmogrify", Some("A"), Some("B"))],
                format!(r#"{at} update "A" "B""#),
            ),
        ] {
            let ops: Vec<String> = steps.iter().map(|s| s["op"].to_string()).collect();
            let (got, drift) = planned(Value::Array(steps), "policy");
            assert_eq!(got, [want], "{ops:?}");
            assert!(drift.is_empty(), "{ops:?}: {drift:?}");
        }
    }

    #[test]
    fn a_refresh_that_found_a_difference_is_drift() {
        let mut refreshed = step("update", Some("A"), None);
        refreshed["newState"] = state("X", true);
        let (got, drift) = planned(
            serde_json::json!([refreshed, step("update", Some("X"), Some("B"))]),
            "policy",
        );
        assert_eq!(got, [r#"aws_iam_role_policy.ci update "X" "B""#]);
        assert_eq!(drift, [r#"aws_iam_role_policy.ci update "A" "X""#]);
        let mut refresh = step("refresh", Some("A"), None);
        refresh["newState"] = state("X", true);
        let (got, drift) = planned(serde_json::json!([refresh]), "policy");
        assert_eq!(got, [r#"aws_iam_role_policy.ci no-op "X" ="#]);
        assert_eq!(drift, [r#"aws_iam_role_policy.ci update "A" "X""#]);
    }

    #[test]
    fn an_update_keeps_what_it_does_not_change_and_the_diff_says_what_is_unknown() {
        let trail = "urn:pulumi:prod::p::aws:cloudtrail/trail:Trail::org";
        let step = serde_json::json!({
            "op": "update", "urn": trail,
            "oldState": {"type": "aws:cloudtrail/trail:Trail",
                "inputs": {"name": "org", "enableLogging": true, "kmsKeyId": "k"},
                "outputs": {"name": "org", "enableLogging": true, "kmsKeyId": "k",
                    "arn": "arn:t", "homeRegion": "eu-west-1"}},
            "newState": {"type": "aws:cloudtrail/trail:Trail",
                "inputs": {"name": "org", "enableLogging": false}},
            "diffReasons": ["enableLogging", "kmsKeyId"],
            "detailedDiff": {"enableLogging": {"kind": "update"}, "kmsKeyId": {"kind": "delete"},
                "homeRegion": {"kind": "update"}}
        });
        for (attribute, want) in [
            ("enable_logging", "true false"),
            // An output the program does not set, and the diff does not name, stays.
            ("arn", r#""arn:t" "arn:t""#),
            // An input the program no longer sets is gone.
            ("kms_key_id", r#""k" -"#),
            // The diff says it changes; the preview does not say to what.
            ("home_region", r#""eu-west-1" ?"#),
        ] {
            let (got, _) = planned(serde_json::json!([step.clone()]), attribute);
            assert_eq!(
                got,
                [format!("aws_cloudtrail.org update {want}")],
                "{attribute}"
            );
        }
    }

    #[test]
    fn property_dependencies_become_references_to_addresses() {
        let role = "urn:pulumi:prod::p::acme:ci:Pipeline$aws:iam/role:Role::deployer";
        let steps: Vec<RawStep> = serde_json::from_value(serde_json::json!([
            {"op": "create", "urn": "urn:pulumi:prod::p::acme:ci:Pipeline::ci",
             "newState": {"type": "acme:ci:Pipeline", "custom": false}},
            {"op": "create", "urn": role, "newState": {"type": "aws:iam/role:Role", "custom": true,
                "inputs": {"__defaults": ["name"], "name": "deployer-1a2b3c4", "path": "/"}}},
            {"op": "create", "urn": POLICY, "newState": {"type": "aws:iam/rolePolicy:RolePolicy",
                "inputs": {"__defaults": [], "role": UNKNOWN, "policyDocument": "{}"},
                "propertyDependencies": {"role": [role], "policyDocument": []}}},
            {"op": "create", "urn": "urn:pulumi:prod::p::aws:iam/rolePolicyAttachment:RolePolicyAttachment::a",
             "newState": {"type": "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                "inputs": {"role": UNKNOWN, "policyArn": "arn:p"},
                "dependencies": [role]}},
        ]))
        .expect("steps");
        let read = changes(0, &steps, &Wanted::default());
        let addresses: Vec<&str> = read.changes.iter().map(|c| c.address.as_str()).collect();
        // The component is no change of the cloud.
        assert_eq!(
            addresses,
            [
                "aws_iam_role.deployer",
                "aws_iam_role_policy.ci",
                "aws_iam_role_policy_attachment.a"
            ]
        );
        let expressions: Vec<(String, Value)> = read
            .configuration
            .root_module
            .resources
            .iter()
            .map(|r| {
                let e = r.expressions.as_ref().expect("expressions").get();
                (r.address.clone(), serde_json::from_str(e).expect("JSON"))
            })
            .collect();
        assert_eq!(
            expressions,
            [
                // A default the provider filled is not what the program sets.
                (
                    "aws_iam_role.deployer".to_string(),
                    serde_json::json!({"path": {}})
                ),
                (
                    "aws_iam_role_policy.ci".to_string(),
                    serde_json::json!({"policy_document": {},
                        "role": {"references": ["aws_iam_role.deployer"]}})
                ),
                // Without `propertyDependencies`, what is unknown may come from any dependency.
                (
                    "aws_iam_role_policy_attachment.a".to_string(),
                    serde_json::json!({"policy_arn": {},
                        "role": {"references": ["aws_iam_role.deployer"]}})
                ),
            ]
        );
    }

    #[test]
    fn property_paths_start_with_their_property() {
        assert_eq!(top_property("tags.Team"), "tags");
        assert_eq!(top_property("inlinePolicies[0].policy"), "inlinePolicies");
        assert_eq!(top_property(r#"["a.b"].c"#), "a.b");
        assert_eq!(top_property("policy"), "policy");
    }

    /// What Pulumi writes that is not a preview is claimed, to be refused in Pulumi's words.
    #[test]
    fn exports_and_event_logs_are_recognised_and_refused() {
        for (text, says) in [
            (
                r#"{"version": 3, "deployment": {"manifest": {}, "resources": []}}"#,
                "in.json: this is a Pulumi stack's state (`pulumi stack export`)",
            ),
            (
                r#"{"version": 3, "checkpoint": {"stack": "prod"}}"#,
                "in.json: this is a Pulumi stack's state",
            ),
            (
                "{\"sequence\":0,\"timestamp\":1,\"preludeEvent\":{\"config\":{}}}\n{\"sequence\":1}\n",
                "in.json: this is a log of Pulumi engine events",
            ),
        ] {
            assert!(sniffed(text), "{text}");
            let source = Source::from_bytes("in.json", text.as_bytes().to_vec());
            let err = Preview
                .read(source.open().expect("opens"), 0, &Wanted::default())
                .expect_err(text)
                .to_string();
            assert!(err.starts_with(says), "{err}");
        }
        assert!(!sniffed(r#"{"version": 3, "name": "x"}"#));
    }

    #[test]
    fn a_failed_preview_is_refused_with_what_pulumi_said() {
        let text = r#"{"diagnostics": [{"message": "warning: deprecated", "severity": "warning"},
            {"message": "error: boom\n  at line 3\u001b[0m", "severity": "error"}],
            "changeSummary": {}}"#;
        let err = steps(text).expect_err("failed").to_string();
        assert_eq!(
            err,
            "in.json: this is the output of a `pulumi preview --json` that failed (\"error: boom at \
             line 3\\u{1b}[0m\"): expected the output of a preview that succeeded"
        );
    }
}
