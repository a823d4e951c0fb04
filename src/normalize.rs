//! Normalize: loaded documents → one [`ChangeSet`] of [`ResourceChange`]s in Terraform's
//! vocabulary. Several inputs in one run are one change set.

mod pulumi;

use crate::load::{self, Content, Document, LoadError, RawPlan, RawResourceChange, Source};
use crate::model::{Action, ResourceChange, Values};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// Everything one review covers.
#[derive(Debug, Default)]
pub(crate) struct ChangeSet {
    pub(crate) inputs: Vec<Input>,
    pub(crate) changes: Vec<ResourceChange>,
    /// Changes made outside Terraform, found when the plan refreshed state.
    pub(crate) drift: Vec<ResourceChange>,
}

/// What is known of one input besides its changes.
#[derive(Debug, Default)]
pub(crate) struct Input {
    pub(crate) name: String,
    pub(crate) format_version: String,
    pub(crate) terraform_version: Option<String>,
    pub(crate) configuration: Configuration,
}

/// The plan's `configuration`: unevaluated expressions, used to resolve unknown values.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Configuration {
    #[serde(default)]
    pub(crate) provider_config: BTreeMap<String, ProviderConfig>,
    #[serde(default)]
    pub(crate) root_module: ConfigModule,
}

/// One provider configuration block.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ProviderConfig {
    #[serde(default)]
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) expressions: Option<Value>,
}

/// A module in the configuration.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ConfigModule {
    #[serde(default)]
    pub(crate) resources: Vec<ConfigResource>,
    #[serde(default)]
    pub(crate) module_calls: BTreeMap<String, ModuleCall>,
}

/// A `module` block: its configuration.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ModuleCall {
    #[serde(default)]
    pub(crate) module: ConfigModule,
}

/// A resource block in the configuration. Its expressions are kept as text and parsed only
/// when a value is unknown.
#[derive(Debug, Deserialize)]
pub(crate) struct ConfigResource {
    pub(crate) address: String,
    #[serde(default)]
    pub(crate) expressions: Option<Box<RawValue>>,
}

/// Which values the review reads, so that big plans stay cheap: the values of other types are
/// only skipped, never parsed.
#[derive(Debug, Default)]
pub(crate) struct Wanted {
    /// Per resource type (`data.` prefixed for data sources), the sorted top-level attributes
    /// read when the resource changes.
    pub(crate) changed: HashMap<String, Vec<String>>,
    /// Per resource type, the attributes read first when the resource does not change (`no-op`):
    /// those that say whom it concerns. The rest is parsed later, only if that principal's
    /// privileges change ([`complete`]). Types not listed here are not read when unchanged.
    pub(crate) unchanged: HashMap<String, Vec<String>>,
}

/// Where an unchanged resource's values are in its source, to parse them later.
#[derive(Debug, Clone, Default)]
pub(crate) struct Deferred {
    before: Option<(usize, usize)>,
    before_sensitive: Option<(usize, usize)>,
}

/// Build the change set. `wants_values` says for which resource types which attributes are
/// needed; the rest is skipped, which keeps big plans cheap.
pub(crate) fn normalize(
    documents: &[Document<'_>],
    wants_values: &Wanted,
) -> Result<ChangeSet, LoadError> {
    let mut set = ChangeSet::default();
    for (i, doc) in documents.iter().enumerate() {
        let plan = match &doc.content {
            Content::Terraform(plan) => plan,
            Content::Pulumi(preview) => {
                set.inputs.push(Input {
                    name: doc.source.name.clone(),
                    format_version: "pulumi-preview".to_string(),
                    terraform_version: None,
                    configuration: Configuration::default(),
                });
                set.changes
                    .extend(pulumi::changes(i, preview, wants_values));
                continue;
            }
        };
        let configuration = match plan.configuration {
            Some(raw) => serde_json::from_str(raw.get()).map_err(|e| {
                let base = (raw.get().as_ptr() as usize)
                    .saturating_sub(doc.source.bytes.as_ptr() as usize);
                let (line, column) = load::line_column(&doc.source.bytes, base);
                LoadError::At {
                    name: doc.source.name.clone(),
                    line,
                    column,
                    message: format!("`configuration` is not as Terraform writes it: {e}"),
                }
            })?,
            None => Configuration::default(),
        };
        set.inputs.push(Input {
            name: doc.source.name.clone(),
            format_version: plan.format_version.clone().unwrap_or_default(),
            terraform_version: plan.terraform_version.clone(),
            configuration,
        });
        terraform(doc, plan, i, &mut set, wants_values)?;
    }
    Ok(set)
}

fn terraform(
    doc: &Document<'_>,
    plan: &RawPlan<'_>,
    i: usize,
    set: &mut ChangeSet,
    wants_values: &Wanted,
) -> Result<(), LoadError> {
    for raw in plan.resource_changes.iter().flatten() {
        set.changes.push(change(doc, i, raw, wants_values)?);
    }
    for raw in plan.resource_drift.iter().flatten() {
        set.drift.push(change(doc, i, raw, wants_values)?);
    }
    Ok(())
}

fn change(
    doc: &Document<'_>,
    input: usize,
    raw: &RawResourceChange<'_>,
    wants_values: &Wanted,
) -> Result<ResourceChange, LoadError> {
    let actions: Vec<String> = raw.change.actions.iter().map(|a| a.to_string()).collect();
    let action = Action::from_terraform(&actions);
    let address = raw.address();
    let data = raw.mode.as_deref() == Some("data") || address.starts_with("data.");
    let key = if data {
        format!("data.{}", raw.kind)
    } else {
        raw.kind.to_string()
    };
    let attributes = if action == Action::NoOp {
        wants_values.unchanged.get(&key)
    } else {
        wants_values.changed.get(&key)
    };
    let values = match attributes {
        Some(attributes) => {
            let parse = |v: Option<&RawValue>| -> Result<Value, LoadError> {
                match v {
                    Some(raw) => load::parse_picked(doc.source, raw, attributes),
                    None => Ok(Value::Null),
                }
            };
            if action == Action::NoOp {
                // Unchanged: `after` is `before`; read it once.
                let before = parse(raw.change.before)?;
                let before_sensitive = parse(raw.change.before_sensitive)?;
                Some(Values {
                    after: before.clone(),
                    before,
                    after_unknown: Value::Null,
                    after_sensitive: before_sensitive.clone(),
                    before_sensitive,
                })
            } else {
                Some(Values {
                    before: parse(raw.change.before)?,
                    after: parse(raw.change.after)?,
                    after_unknown: parse(raw.change.after_unknown)?,
                    before_sensitive: parse(raw.change.before_sensitive)?,
                    after_sensitive: parse(raw.change.after_sensitive)?,
                })
            }
        }
        None => None,
    };
    let deferred = (action == Action::NoOp && values.is_some()).then(|| {
        let span = |v: Option<&RawValue>| {
            v.map(|raw| {
                let start = (raw.get().as_ptr() as usize)
                    .saturating_sub(doc.source.bytes.as_ptr() as usize);
                (start, start + raw.get().len())
            })
        };
        Deferred {
            before: span(raw.change.before),
            before_sensitive: span(raw.change.before_sensitive),
        }
    });
    Ok(ResourceChange {
        input,
        address,
        previous_address: raw.previous_address.as_deref().map(str::to_string),
        module_address: raw.module_address.as_deref().map(str::to_string),
        data,
        kind: raw.kind.to_string(),
        action,
        actions,
        importing: raw.change.importing.is_some(),
        deposed: raw.deposed.as_deref().map(str::to_string),
        action_reason: raw.action_reason.as_deref().map(str::to_string),
        values,
        deferred,
    })
}

/// Parse the rest of the values of unchanged resources, now that the review needs them.
pub(crate) fn complete(
    set: &mut ChangeSet,
    sources: &[Source],
    indices: &[usize],
    wanted: &Wanted,
) -> Result<(), LoadError> {
    for &i in indices {
        let Some(change) = set.changes.get_mut(i) else {
            continue;
        };
        let Some(deferred) = change.deferred.take() else {
            continue;
        };
        let (Some(source), Some(attributes)) =
            (sources.get(change.input), wanted.changed.get(&change.kind))
        else {
            continue;
        };
        let parse = |span: Option<(usize, usize)>| -> Result<Value, LoadError> {
            let Some((start, end)) = span else {
                return Ok(Value::Null);
            };
            let text =
                std::str::from_utf8(&source.bytes[start..end]).map_err(|e| LoadError::Invalid {
                    name: source.name.clone(),
                    message: format!("not UTF-8: {e}"),
                })?;
            let raw: &RawValue = serde_json::from_str(text).map_err(|e| LoadError::Invalid {
                name: source.name.clone(),
                message: e.to_string(),
            })?;
            load::parse_picked(source, raw, attributes)
        };
        // Deferred changes are unchanged: `after` is `before`.
        let before = parse(deferred.before)?;
        let before_sensitive = parse(deferred.before_sensitive)?;
        change.values = Some(Values {
            after: before.clone(),
            before,
            after_unknown: Value::Null,
            after_sensitive: before_sensitive.clone(),
            before_sensitive,
        });
    }
    Ok(())
}
