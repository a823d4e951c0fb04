//! Normalize: inputs of every format → one [`ChangeSet`] of [`ResourceChange`]s in
//! Terraform's vocabulary. Several inputs in one run are one change set.
//!
//! Each input format is a [`Format`] in [`FORMATS`]: a name, a sniff that recognises an input
//! from its first bytes, and a reader that turns the input into the change set's pieces. Which
//! format reads an input is decided before anything parses it, and that format reads it once.

pub(crate) mod hcl;
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

    /// Whether its inputs are directories, not files (for the error on a directory that no
    /// format recognises).
    fn reads_directories(&self) -> bool {
        false
    }
}

/// The input formats, in the order they are asked: the first whose sniff recognises an input
/// reads it. Adding a format is adding its file and one line here.
pub(crate) static FORMATS: &[&dyn Format] = &[&terraform::Plan, &pulumi::Preview, &hcl::Trees];

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
    /// Resources of the state before the change that `Wanted::prior` names, as unchanged
    /// resources: what a plan limited with `-target` leaves out of its changes.
    pub(crate) prior: Vec<ResourceChange>,
    /// What the format itself could not know (a `.tf` tree's module that is not read).
    pub(crate) unknowns: Vec<crate::model::Unknown>,
}

/// The format that reads an input, from its first bytes; or why none does.
fn format_of(opened: Opened<'_>) -> Result<(&'static dyn Format, Opened<'_>), LoadError> {
    let first = opened.first();
    if let Some(format) = FORMATS.iter().find(|f| f.sniff(&first)) {
        return Ok((*format, opened));
    }
    match first {
        First::Directory(_) => {
            let (directories, files): (Vec<&dyn Format>, Vec<&dyn Format>) =
                FORMATS.iter().partition(|f| f.reads_directories());
            let names = |formats: Vec<&dyn Format>| {
                formats
                    .iter()
                    .map(|f| f.name())
                    .collect::<Vec<_>>()
                    .join(" or ")
            };
            let message = if directories.is_empty() {
                format!(
                    "is a directory, and no input format reads directories yet: expected a file, {}",
                    names(files)
                )
            } else {
                format!(
                    "is a directory that no input format reads: expected {}",
                    names(directories)
                )
            };
            Err(LoadError::Invalid {
                name: opened.name.to_string(),
                message,
            })
        }
        First::Bytes {
            object: Some(_), ..
        } => Ok((FALLBACK, opened)),
        First::Bytes { .. } => Err(opened.refused()),
        First::Trees => Err(LoadError::Invalid {
            name: opened.name.to_string(),
            message: "no input format reads trees of files".to_string(),
        }),
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
        set.prior.append(&mut pieces.prior);
        set.unknowns.append(&mut pieces.unknowns);
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
    /// Resources of the state before the change of the types `Wanted::prior` names (Terraform's
    /// `prior_state`), as unchanged resources; also those that are among the changes.
    pub(crate) prior: Vec<ResourceChange>,
    /// What the inputs' formats could not know, besides unknown values.
    pub(crate) unknowns: Vec<crate::model::Unknown>,
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
    /// Per resource type, the attributes read of the resources of the state before the change
    /// (`prior_state`), which a plan limited with `-target` does not list among its changes:
    /// the audit sources that say which stores are evidence.
    pub(crate) prior: HashMap<String, Vec<String>>,
    /// The types of `unchanged` whose other attributes may be read later ([`complete`]):
    /// only for these is the rest of an unchanged resource kept. (Types read only to find
    /// evidence stores need no more than their names.)
    pub(crate) completed: std::collections::HashSet<String>,
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    /// Everything under `testdata/` that could be an input: `.json` files and folders, not in
    /// `bad/` (broken on purpose) nor in the generator's folder.
    fn candidates() -> Vec<PathBuf> {
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
                .expect("a readable folder")
                .map(|e| e.expect("an entry").path())
                .collect();
            entries.sort();
            for path in entries {
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
                if path.is_dir() && name != "bad" && name != "generate" {
                    out.push(path.clone());
                    walk(&path, out);
                } else if path.is_file() && name.ends_with(".json") {
                    out.push(path);
                }
            }
        }
        let mut out = Vec::new();
        walk(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata"),
            &mut out,
        );
        out
    }

    /// Registry completeness: every fixture file is recognised by exactly one format (a folder
    /// by at most one), every format in `FORMATS` recognises fixtures of its own, and each of
    /// them reviews without error.
    #[test]
    fn every_format_has_fixtures_that_review() {
        let ruleset = crate::ruleset::Ruleset::load(&[]).expect("the built-in rulesets load");
        let settings = crate::review::Settings {
            pipeline_principals: Vec::new(),
            approval_severity: crate::ruleset::Severity::Medium,
            unmodelled_identity_requires_approval: false,
            exceptions: Vec::new(),
            today: chrono::NaiveDate::default(),
            file_tamperings: None,
        };
        let mut fixtures: Vec<(&str, usize)> = FORMATS.iter().map(|f| (f.name(), 0)).collect();
        for path in candidates() {
            // A folder with `base/` and `head/` is a pair of `.tf` trees.
            let source = if path.join("base").is_dir() && path.join("head").is_dir() {
                load::Source::trees(
                    load::Tree::read_directory(&path.join("base")).expect("the base reads"),
                    load::Tree::read_directory(&path.join("head")).expect("the head reads"),
                )
            } else {
                load::read(&path).expect("the fixture opens")
            };
            let opened = source.open().expect("the fixture opens");
            let first = opened.first();
            let claims: Vec<usize> = (0..FORMATS.len())
                .filter(|&i| FORMATS[i].sniff(&first))
                .collect();
            drop(opened);
            match claims.as_slice() {
                [] if path.is_dir() => continue,
                [i] => fixtures[*i].1 += 1,
                _ => panic!(
                    "{}: recognised by {} formats, not one",
                    path.display(),
                    claims.len()
                ),
            }
            if let Err(e) = crate::review::review(&[source], &settings, &ruleset) {
                panic!("{}: {e}", path.display());
            }
        }
        assert!(
            fixtures.iter().map(|(_, n)| n).sum::<usize>() >= 30,
            "{fixtures:?}"
        );
        for (name, n) in fixtures {
            assert!(n > 0, "no fixture under testdata/ is {name}");
        }
    }

    #[test]
    fn formats_have_distinct_names() {
        let mut names: Vec<&str> = FORMATS.iter().map(|f| f.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), FORMATS.len());
    }

    #[test]
    fn a_directory_is_refused_by_the_registry() {
        let dir = tempfile::tempdir().expect("temp dir");
        let source = load::read(dir.path()).expect("a directory is an input");
        let err = normalize(&[source], &Wanted::default())
            .expect_err("no format reads a single directory")
            .to_string();
        let name = dir.path().display().to_string();
        assert!(
            err.starts_with(&format!(
                "{name}: is a directory that no input format reads: expected "
            )),
            "{err}"
        );
        for format in FORMATS.iter().filter(|f| f.reads_directories()) {
            assert!(err.contains(format.name()), "{err}");
        }
    }

    /// Counts what is read of it, and hands it over in small pieces as a pipe would.
    struct Counted {
        text: &'static [u8],
        read: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    }

    impl std::io::Read for Counted {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(self.text.len()).min(4096);
            buf[..n].copy_from_slice(&self.text[..n]);
            self.text = &self.text[n..];
            self.read.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
            Ok(n)
        }
    }

    /// A preview used to be read twice (as a plan, then as a preview): read as it comes, as
    /// stdin is, it is read once and reads the same as from memory.
    #[test]
    fn a_preview_is_read_once() {
        let text = include_bytes!("../../testdata/previews/sensitive-secrets.json");
        let wanted = crate::extract::wanted_attributes(
            &crate::ruleset::Ruleset::load(&[]).expect("the built-in rulesets load"),
        );
        let read = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let stream = Source::from_reader(
            "<stdin>",
            Counted {
                text,
                read: read.clone(),
            },
        );
        let streamed = normalize(std::slice::from_ref(&stream), &wanted).expect("reads");
        assert_eq!(read.load(std::sync::atomic::Ordering::Relaxed), text.len());
        assert!(stream.open().is_err(), "a stream can be read once only");
        let held =
            normalize(&[Source::from_bytes("<stdin>", text.to_vec())], &wanted).expect("reads");
        assert_eq!(streamed.inputs[0].format_version, "pulumi-preview");
        assert!(streamed.changes.len() >= 5);
        assert_eq!(format!("{streamed:?}"), format!("{held:?}"));
    }

    /// A plan's keys decide, wherever a preview's are: the registry asks the plan first.
    #[test]
    fn a_plan_key_wins_over_a_preview_key() {
        let source = Source::from_bytes(
            "in.json",
            br#"{"steps": [], "format_version": "1.2", "resource_changes": []}"#.to_vec(),
        );
        let set = normalize(&[source], &Wanted::default()).expect("a plan");
        assert_eq!(set.inputs[0].format_version, "1.2");
    }
}
