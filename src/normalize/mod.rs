//! Normalize: inputs of every format → one [`ChangeSet`] of [`ResourceChange`]s in
//! Terraform's vocabulary. Several inputs in one run are one change set.
//!
//! Each input format is a [`Format`] in [`FORMATS`]: a name, a sniff that recognises an input
//! from its first bytes, and a reader that turns the input into the change set's pieces. Which
//! format reads an input is decided before anything parses it, and that format reads it once.

mod pulumi;
mod terraform;

use crate::load::{self, First, LoadError, Opened, Place, Pos, Source};
use crate::model::{Action, ResourceChange, Values};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// An input format: how an input of it is recognised, and how it is read.
pub(crate) trait Format: Sync {
    /// What users know the format as, with the command that writes it (in errors).
    fn name(&self) -> &'static str;

    /// Whether this format reads an input that starts as `first` shows. Sees only the first
    /// bytes ([`load::PREFIX`]), or that the input is a directory; parses nothing further.
    fn sniff(&self, first: &First<'_>) -> bool;

    /// Read the whole input, once, into the change set's pieces. `index` is the input's place
    /// among the inputs; `wanted` says which values the review reads (the rest is skipped).
    fn read(&self, opened: Opened<'_>, index: usize, wanted: &Wanted) -> Result<Pieces, LoadError>;
}

/// The input formats, in the order they are asked: the first whose sniff recognises an input
/// reads it. Adding a format is adding its file and one line here.
pub(crate) static FORMATS: &[&dyn Format] = &[&terraform::Plan, &pulumi::Preview];

/// Reads a JSON object that no format recognises: the Terraform plan reader, whose checks say
/// what the object is instead (state, an HCP Terraform redacted plan, a preview without
/// `steps`, or no plan at all), in the words users have always seen.
static FALLBACK: &dyn Format = &terraform::Plan;

/// What reading one input gives the change set.
#[derive(Debug, Default)]
pub(crate) struct Pieces {
    /// What is known of the input besides its changes: its configuration and summary.
    pub(crate) input: Input,
    pub(crate) changes: Vec<ResourceChange>,
    /// Changes made outside the tool, found when the input was made.
    pub(crate) drift: Vec<ResourceChange>,
}

/// The format that reads an input, from its first bytes; or why none does.
fn format_of(opened: Opened<'_>) -> Result<(&'static dyn Format, Opened<'_>), LoadError> {
    let first = opened.first();
    if let Some(format) = FORMATS.iter().find(|f| f.sniff(&first)) {
        return Ok((*format, opened));
    }
    match first {
        First::Directory(_) => Err(LoadError::Invalid {
            name: opened.name.to_string(),
            message: format!(
                "is a directory, and no input format reads directories yet: expected a file, {}",
                FORMATS
                    .iter()
                    .map(|f| f.name())
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        }),
        First::Bytes {
            object: Some(_), ..
        } => Ok((FALLBACK, opened)),
        First::Bytes { .. } => Err(opened.refused()),
    }
}

/// Read every input, each by its format, and build the change set. `wanted` says which
/// attributes of which resource types are read; the rest is only skipped, which keeps big
/// plans cheap.
pub(crate) fn normalize(sources: &[Source], wanted: &Wanted) -> Result<ChangeSet, LoadError> {
    let mut set = ChangeSet::default();
    for (i, source) in sources.iter().enumerate() {
        let (format, opened) = format_of(source.open()?)?;
        let mut pieces = format.read(opened, i, wanted)?;
        set.inputs.push(pieces.input);
        set.changes.append(&mut pieces.changes);
        set.drift.append(&mut pieces.drift);
    }
    Ok(set)
}

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
