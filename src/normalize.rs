//! Normalize: loaded documents → one [`ChangeSet`] of [`ResourceChange`]s in Terraform's
//! vocabulary. Several inputs in one run are one change set.

mod pulumi;

use crate::load::{
    self, HeadChange, LoadError, Loaded, Place, Pos, RawChange, RawResourceChange, Section, Source,
};
use crate::model::{Action, Actions, Extra, Head, ResourceChange, Text, Values};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

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
    /// How many resource changes it has (unchanged ones the review does not read are not
    /// kept in the change set).
    pub(crate) resource_changes: usize,
    /// The root module's variables, by name: values Terraform writes in plaintext, sensitive or
    /// not. Read only where the configuration sets the provider's identity from one.
    pub(crate) variables: BTreeMap<String, Value>,
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
    #[serde(default, deserialize_with = "load::bounded_value")]
    pub(crate) expressions: Option<Value>,
}

/// A module in the configuration.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ConfigModule {
    #[serde(default)]
    pub(crate) resources: Vec<ConfigResource>,
    #[serde(default)]
    pub(crate) module_calls: BTreeMap<String, ModuleCall>,
    /// The module's variable declarations.
    #[serde(default)]
    pub(crate) variables: BTreeMap<String, ConfigVariable>,
}

/// A `variable` block: whether its value is sensitive (its default is not read).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ConfigVariable {
    #[serde(default)]
    pub(crate) sensitive: bool,
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
    /// Left out when longer than foureyes reads ([`load::LONGEST`]): what it would resolve
    /// then stays unknown.
    #[serde(default, deserialize_with = "load::bounded_raw")]
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
    /// Per resource type, the attributes read when the resource is deleted: only those that
    /// say what privilege goes with it (a deleted trail is weakened evidence whatever its
    /// values were).
    pub(crate) deleted: HashMap<String, Vec<String>>,
}

impl Wanted {
    /// The attributes read of a change of this type (`data.` prefixed for data sources) that
    /// does this, if any.
    fn attributes<S: AsRef<str>>(&self, key: &str, actions: &[S]) -> Option<&Vec<String>> {
        match Action::from_terraform(actions) {
            Action::NoOp => self.unchanged.get(key),
            Action::Delete => self.deleted.get(key),
            _ => self.changed.get(key),
        }
    }
}

/// An unchanged resource's values, kept unparsed until the review needs them.
#[derive(Debug, Clone, Default)]
pub(crate) struct Deferred {
    before: Option<Box<RawValue>>,
    before_sensitive: Option<Box<RawValue>>,
    /// Where `before` starts in its input.
    at: Option<Pos>,
}

/// Load every input and build the change set. `wanted` says which attributes of which
/// resource types are read; the rest is only skipped, which keeps big plans cheap.
pub(crate) fn normalize(sources: &[Source], wanted: &Wanted) -> Result<ChangeSet, LoadError> {
    let mut set = ChangeSet::default();
    for (i, source) in sources.iter().enumerate() {
        let (loaded, mut worked, count) = load_one(source, i, wanted)?;
        match loaded {
            Loaded::Terraform(plan) => {
                set.inputs.push(Input {
                    name: source.name.clone(),
                    format_version: plan.format_version,
                    terraform_version: plan.terraform_version,
                    configuration: worked.configuration,
                    resource_changes: count,
                    variables: plan.variables,
                });
                set.changes.append(&mut worked.changes);
                set.drift.append(&mut worked.drift);
            }
            Loaded::Pulumi(preview) => {
                let changes = pulumi::changes(i, &preview, wanted);
                set.inputs.push(Input {
                    name: source.name.clone(),
                    format_version: "pulumi-preview".to_string(),
                    terraform_version: None,
                    configuration: Configuration::default(),
                    resource_changes: changes.len(),
                    variables: BTreeMap::new(),
                });
                set.changes.extend(changes);
            }
        }
    }
    Ok(set)
}

/// A resource change longer than this (in bytes) is parsed where it is read, not copied to the
/// worker: memory then holds it once.
const BIG: usize = 4 << 20;

/// A resource change whose values the review reads, on its way to the worker.
type Element = (Section, Pos, Vec<u8>);

/// Work for the second thread.
enum Work {
    Changes(Vec<Element>),
    Configuration(Pos, Vec<u8>),
}

/// What the second thread makes of its work.
#[derive(Default)]
struct Worked {
    changes: Vec<ResourceChange>,
    drift: Vec<ResourceChange>,
    configuration: Configuration,
}

/// An input as loaded: what it is, its changes and drift, its configuration, and how many
/// resource changes it has.
type Loaded1 = (Loaded, Worked, usize);

/// Load one input. This thread reads the input and keeps what it needs of most resource
/// changes (their action); the ones whose values the review reads go to a second thread,
/// which parses them while the reading goes on.
fn load_one(source: &Source, input: usize, wanted: &Wanted) -> Result<Loaded1, LoadError> {
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::channel::<Work>();
        let worker = scope.spawn(move || {
            let mut worked = Worked::default();
            let mut shared = Interner::default();
            // The first error; the rest is still drained so that the reader can finish and
            // report what it finds first (an unsupported format explains more).
            let mut error = None;
            for work in rx {
                if error.is_some() {
                    continue;
                }
                let batch = match work {
                    Work::Changes(batch) => batch,
                    Work::Configuration(at, bytes) => {
                        let place = Place {
                            name: &source.name,
                            bytes: &bytes,
                            at,
                        };
                        match load::configuration(place) {
                            Ok(c) => worked.configuration = c,
                            Err(e) => error = Some(e),
                        }
                        continue;
                    }
                };
                for (section, at, bytes) in batch {
                    let place = Place {
                        name: &source.name,
                        bytes: &bytes,
                        at,
                    };
                    match load::resource_change(section, place)
                        .and_then(|raw| change(&place, input, &raw, wanted, &mut shared))
                    {
                        Ok(c) if section == Section::Changes => worked.changes.push(c),
                        Ok(c) => worked.drift.push(c),
                        Err(e) => {
                            error = Some(e);
                            break;
                        }
                    }
                }
            }
            match error {
                Some(e) => Err(e),
                None => Ok(worked),
            }
        });
        let mut changes = Vec::new();
        let mut shared = Interner::default();
        let mut drift = Vec::new();
        let mut count = 0;
        let mut batch: Vec<Element> = Vec::with_capacity(64);
        let mut stopped = false;
        let sender = tx.clone();
        let mut big_configuration = None;
        let loaded = load::load(
            source,
            &mut |place| {
                if place.bytes.len() > BIG {
                    // NOTE: parsed here rather than copied to the worker, as a big change is.
                    big_configuration = Some(load::configuration(place)?);
                    return Ok(());
                }
                // NOTE: a send fails only when the worker has stopped; the worker then has
                // the error to report.
                let _ = sender.send(Work::Configuration(place.at, place.bytes.to_vec()));
                Ok(())
            },
            &mut |section, place, raw| {
                if section == Section::Changes {
                    count += 1;
                }
                let data = raw.mode.as_deref() == Some("data");
                let key: Cow<'_, str> = if data {
                    Cow::Owned(format!("data.{}", raw.kind))
                } else {
                    Cow::Borrowed(&raw.kind)
                };
                let noop = raw.change.actions.len() == 1 && raw.change.actions[0] == "no-op";
                let read = wanted.attributes(&key, &raw.change.actions).is_some();
                if read && place.bytes.len() > BIG {
                    // NOTE: a big change is parsed here rather than copied to the worker.
                    let c = load::resource_change(section, place)
                        .and_then(|raw| change(&place, input, &raw, wanted, &mut shared))?;
                    match section {
                        Section::Changes => changes.push(c),
                        Section::Drift => drift.push(c),
                    }
                    return Ok(());
                }
                if read {
                    batch.push((section, place.at, place.bytes.to_vec()));
                    if batch.len() == batch.capacity() && !stopped {
                        let full = std::mem::replace(&mut batch, Vec::with_capacity(64));
                        stopped = tx.send(Work::Changes(full)).is_err();
                    }
                    return Ok(());
                }
                // NOTE: an unchanged resource that the review does not read says nothing: it is
                // counted, not kept.
                if noop && section == Section::Changes {
                    return Ok(());
                }
                let c = head(input, &raw, &mut shared);
                match section {
                    Section::Changes => changes.push(c),
                    Section::Drift => drift.push(c),
                }
                Ok(())
            },
        );
        if !batch.is_empty() && !stopped {
            let _ = tx.send(Work::Changes(batch));
        }
        drop(tx);
        drop(sender);
        let parsed = match worker.join() {
            Ok(parsed) => parsed,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        let loaded = loaded?;
        let mut worked = parsed?;
        if let Some(c) = big_configuration {
            worked.configuration = c;
        }
        // NOTE: the longer list takes the shorter one, so a million changes are not copied.
        if changes.len() > worked.changes.len() {
            changes.append(&mut worked.changes);
            worked.changes = changes;
        } else {
            worked.changes.append(&mut changes);
        }
        drift.append(&mut worked.drift);
        worked.drift = drift;
        Ok((loaded, worked, count))
    })
}

/// A resource change whose values the review does not read: what it does, to whom.
fn head(
    input: usize,
    raw: &RawResourceChange<'_, HeadChange<'_>>,
    shared: &mut Interner,
) -> ResourceChange {
    base(
        input,
        raw,
        &raw.change.actions,
        raw.change.importing.is_some(),
        shared,
    )
}

/// The texts many changes repeat (types, lists of actions, module addresses), held once.
#[derive(Default)]
pub(crate) struct Interner {
    texts: HashMap<Box<str>, Text>,
    /// By the actions, each after its length, so that no two lists share a key.
    actions: HashMap<String, Actions>,
    key: String,
}

impl Interner {
    pub(crate) fn text(&mut self, s: &str) -> Text {
        if let Some(t) = self.texts.get(s) {
            return t.clone();
        }
        let t: Text = s.into();
        self.texts.insert(s.into(), t.clone());
        t
    }

    pub(crate) fn actions<S: AsRef<str>>(&mut self, list: &[S]) -> Actions {
        self.key.clear();
        for a in list {
            let a = a.as_ref();
            self.key.push_str(&a.len().to_string());
            self.key.push(':');
            self.key.push_str(a);
        }
        if let Some(a) = self.actions.get(&self.key) {
            return a.clone();
        }
        let a: Actions = list.iter().map(|a| self.text(a.as_ref())).collect();
        self.actions.insert(self.key.clone(), a.clone());
        a
    }
}

/// The parts of a resource change that do not depend on its values.
fn base<C>(
    input: usize,
    raw: &RawResourceChange<'_, C>,
    actions: &[Cow<'_, str>],
    importing: bool,
    shared: &mut Interner,
) -> ResourceChange {
    let address = raw.address();
    let address = match load::bounded(&address) {
        Cow::Borrowed(_) => address,
        Cow::Owned(short) => Cow::Owned(short),
    };
    let data = raw.mode.as_deref() == Some("data") || address.starts_with("data.");
    ResourceChange {
        head: Arc::new(Head {
            address: Text::from(address.as_ref()),
            kind: shared.text(&raw.kind),
            actions: shared.actions(actions),
            data,
            importing,
            extra: Extra {
                previous_address: raw.previous_address.as_deref().map(Text::from),
                module_address: raw.module_address.as_deref().map(|m| shared.text(m)),
                deposed: raw.deposed.as_deref().map(Text::from),
                action_reason: raw.action_reason.as_deref().map(|r| shared.text(r)),
            }
            .boxed(),
        }),
        input,
        action: Action::from_terraform(actions),
        values: None,
        deferred: None,
    }
}

/// A resource change read whole: its values are parsed as far as the review needs them.
fn change(
    place: &Place<'_>,
    input: usize,
    raw: &RawResourceChange<'_, RawChange<'_>>,
    wants_values: &Wanted,
    shared: &mut Interner,
) -> Result<ResourceChange, LoadError> {
    let mut c = base(
        input,
        raw,
        &raw.change.actions,
        raw.change.importing.is_some(),
        shared,
    );
    let action = c.action;
    let key = if c.data {
        format!("data.{}", raw.kind)
    } else {
        raw.kind.to_string()
    };
    let attributes = wants_values.attributes(&key, &raw.change.actions);
    let values = match attributes {
        Some(attributes) => {
            let parse = |v: Option<&RawValue>| -> Result<Value, LoadError> {
                match v {
                    Some(raw) => load::parse_picked(place, raw, attributes),
                    None => Ok(Value::Null),
                }
            };
            if action == Action::NoOp {
                // Unchanged: `after` is `before`; read it once.
                let before = parse(raw.change.before)?;
                let before_sensitive = parse(raw.change.before_sensitive)?;
                Some(Box::new(Values {
                    before,
                    before_sensitive,
                    unchanged: true,
                    ..Values::default()
                }))
            } else {
                Some(Box::new(Values {
                    before: parse(raw.change.before)?,
                    after: parse(raw.change.after)?,
                    after_unknown: parse(raw.change.after_unknown)?,
                    before_sensitive: parse(raw.change.before_sensitive)?,
                    after_sensitive: parse(raw.change.after_sensitive)?,
                    unchanged: false,
                }))
            }
        }
        None => None,
    };
    let deferred = (action == Action::NoOp && values.is_some()).then(|| Deferred {
        before: raw.change.before.map(RawValue::to_owned),
        before_sensitive: raw.change.before_sensitive.map(RawValue::to_owned),
        at: raw.change.before.map(|v| {
            let offset = (v.get().as_ptr() as usize).saturating_sub(place.bytes.as_ptr() as usize);
            let (line, column) = load::line_column(place.bytes, offset);
            place.at.offset(line, column)
        }),
    });
    c.values = values;
    c.deferred = deferred.map(Box::new);
    Ok(c)
}

/// Parse the rest of the values of unchanged resources, now that the review needs them.
pub(crate) fn complete(
    set: &mut ChangeSet,
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
        let (Some(input), Some(attributes)) = (
            set.inputs.get(change.input),
            wanted.changed.get(change.kind.as_ref()),
        ) else {
            continue;
        };
        let parse = |raw: Option<&RawValue>| -> Result<Value, LoadError> {
            let Some(raw) = raw else {
                return Ok(Value::Null);
            };
            let place = Place {
                name: &input.name,
                bytes: raw.get().as_bytes(),
                at: deferred.at.unwrap_or(Pos { line: 1, column: 1 }),
            };
            load::parse_picked(&place, raw, attributes)
        };
        // Deferred changes are unchanged: `after` is `before`.
        let before = parse(deferred.before.as_deref())?;
        let before_sensitive = parse(deferred.before_sensitive.as_deref())?;
        change.values = Some(Box::new(Values {
            before,
            before_sensitive,
            unchanged: true,
            ..Values::default()
        }));
    }
    Ok(())
}
