//! Load: bytes → a parsed document, with errors that name the file, the place and what was
//! expected.
//!
//! Plans can be 100 MB and more. A Terraform plan is streamed: its top level is read in chunks
//! ([`scan`]), every part is validated, the parts the review does not need (`planned_values`,
//! `prior_state`, ...) are only skipped, and each resource change is handed over as raw bytes
//! to be parsed on its own. Neither the file nor a parsed tree of it is ever held whole.

mod scan;

pub(crate) use scan::Pos;

use crate::normalize::Configuration;
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::io::Read;
use std::path::{Path, PathBuf};

/// One input: a file, or what was read from stdin.
#[derive(Debug)]
pub(crate) struct Source {
    /// The name users know the input by: the path as given, or `<stdin>`.
    pub(crate) name: String,
    data: Data,
}

#[derive(Debug)]
enum Data {
    File(PathBuf),
    Bytes(Vec<u8>),
}

impl Source {
    /// An input held in memory (stdin, tests).
    #[cfg(test)]
    pub(crate) fn from_bytes(name: &str, bytes: Vec<u8>) -> Source {
        Source {
            name: name.to_string(),
            data: Data::Bytes(bytes),
        }
    }

    fn reader(&self) -> Result<Box<dyn Read + '_>, LoadError> {
        match &self.data {
            Data::File(path) => {
                let file = std::fs::File::open(path).map_err(|source| LoadError::Io {
                    name: self.name.clone(),
                    source,
                })?;
                Ok(Box::new(file))
            }
            Data::Bytes(bytes) => Ok(Box::new(bytes.as_slice())),
        }
    }

    fn all(&self) -> Result<Cow<'_, [u8]>, LoadError> {
        match &self.data {
            Data::File(path) => {
                std::fs::read(path)
                    .map(Cow::Owned)
                    .map_err(|source| LoadError::Io {
                        name: self.name.clone(),
                        source,
                    })
            }
            Data::Bytes(bytes) => Ok(Cow::Borrowed(bytes)),
        }
    }
}

/// Why an input could not be read as a plan.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LoadError {
    #[error("{name}: cannot read: {source}")]
    Io {
        name: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{name}: {message}")]
    Invalid { name: String, message: String },
    #[error("{name}:{line}:{column}: {message}")]
    At {
        name: String,
        line: usize,
        column: usize,
        message: String,
    },
}

/// One element of `resource_changes` or `resource_drift`; `C` is how much of its `change` is
/// read: all of it ([`RawChange`]) or only what it does ([`HeadChange`]).
#[derive(Debug, Deserialize)]
#[serde(bound(deserialize = "C: Deserialize<'de>"))]
pub(crate) struct RawResourceChange<'a, C = RawChange<'a>> {
    /// Missing in the drift entries of some early 1.x plans: then built from the other fields.
    #[serde(borrow, default)]
    pub(crate) address: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub(crate) previous_address: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub(crate) module_address: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub(crate) mode: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "type")]
    pub(crate) kind: Cow<'a, str>,
    #[serde(borrow, default)]
    pub(crate) name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub(crate) index: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub(crate) deposed: Option<Cow<'a, str>>,
    pub(crate) change: C,
    #[serde(borrow, default)]
    pub(crate) action_reason: Option<Cow<'a, str>>,
}

impl<C> RawResourceChange<'_, C> {
    /// The instance address, built from module address, type, name and index when absent.
    pub(crate) fn address(&self) -> Cow<'_, str> {
        if let Some(a) = &self.address {
            return Cow::Borrowed(a);
        }
        let mut a = String::new();
        if let Some(m) = self.module_address.as_deref().filter(|m| !m.is_empty()) {
            a.push_str(m);
            a.push('.');
        }
        if self.mode.as_deref() == Some("data") {
            a.push_str("data.");
        }
        a.push_str(&self.kind);
        a.push('.');
        a.push_str(self.name.as_deref().unwrap_or("?"));
        if let Some(index) = self.index.filter(|i| i.get() != "null") {
            a.push_str(&format!("[{}]", index.get()));
        }
        Cow::Owned(a)
    }
}

/// What a change does, without its values: enough to decide whether its values are read.
#[derive(Debug, Deserialize)]
pub(crate) struct HeadChange<'a> {
    #[serde(borrow)]
    pub(crate) actions: Vec<Cow<'a, str>>,
    #[serde(default)]
    pub(crate) importing: Option<IgnoredAny>,
}

/// The `change` object of a resource change.
#[derive(Debug, Deserialize)]
pub(crate) struct RawChange<'a> {
    #[serde(borrow)]
    pub(crate) actions: Vec<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub(crate) before: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub(crate) after: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub(crate) after_unknown: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub(crate) before_sensitive: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub(crate) after_sensitive: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub(crate) importing: Option<&'a RawValue>,
}

/// `pulumi preview --json` output: the steps of the preview.
#[derive(Debug, Deserialize)]
pub(crate) struct RawPreview {
    pub(crate) steps: Vec<RawStep>,
}

/// One step of a Pulumi preview.
#[derive(Debug, Deserialize)]
pub(crate) struct RawStep {
    pub(crate) op: String,
    pub(crate) urn: String,
    #[serde(default, rename = "oldState")]
    pub(crate) old_state: Option<RawState>,
    #[serde(default, rename = "newState")]
    pub(crate) new_state: Option<RawState>,
}

/// A resource's state in a Pulumi step.
#[derive(Debug, Deserialize)]
pub(crate) struct RawState {
    #[serde(default, rename = "type")]
    pub(crate) kind: Option<String>,
    #[serde(default)]
    pub(crate) inputs: Option<serde_json::Value>,
    #[serde(default)]
    pub(crate) outputs: Option<serde_json::Value>,
}

/// Which list a resource change comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    /// `resource_changes`: what the change does.
    Changes,
    /// `resource_drift`: what changed outside Terraform.
    Drift,
}

/// A piece of an input: its bytes and where they start, to report errors in place.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Place<'a> {
    pub(crate) name: &'a str,
    pub(crate) bytes: &'a [u8],
    pub(crate) at: Pos,
}

impl Place<'_> {
    /// An error at a serde_json error's position inside this piece.
    pub(crate) fn error(&self, e: &serde_json::Error, message: String) -> LoadError {
        let at = self.at.offset(e.line(), e.column());
        LoadError::At {
            name: self.name.to_string(),
            line: at.line,
            column: at.column,
            message,
        }
    }

    /// An error at a byte offset inside this piece.
    pub(crate) fn error_at(&self, offset: usize, message: String) -> LoadError {
        let (line, column) = line_column(self.bytes, offset);
        let at = self.at.offset(line, column);
        LoadError::At {
            name: self.name.to_string(),
            line: at.line,
            column: at.column,
            message,
        }
    }
}

/// What a Terraform plan says besides its resource changes and configuration.
#[derive(Debug, Default)]
pub(crate) struct PlanHead {
    pub(crate) format_version: String,
    pub(crate) terraform_version: Option<String>,
    /// The root module's variables: their values by name.
    pub(crate) variables: std::collections::BTreeMap<String, serde_json::Value>,
}

/// What a loaded input is.
#[derive(Debug)]
pub(crate) enum Loaded {
    /// A Terraform plan, whose resource changes went to the caller one by one.
    Terraform(PlanHead),
    Pulumi(RawPreview),
}

/// Read an input: a path, or `-` for stdin.
pub(crate) fn read(input: &Path) -> Result<Source, LoadError> {
    if input.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .map_err(|source| LoadError::Io {
                name: "<stdin>".to_string(),
                source,
            })?;
        return Ok(Source {
            name: "<stdin>".to_string(),
            data: Data::Bytes(bytes),
        });
    }
    let name = input.display().to_string();
    // Fail now, before any work, if the file cannot be opened.
    match std::fs::File::open(input).and_then(|f| f.metadata()) {
        Ok(m) if m.is_dir() => Err(LoadError::Invalid {
            name,
            message: "is a directory: expected a plan JSON file".to_string(),
        }),
        Ok(_) => Ok(Source {
            name,
            data: Data::File(input.to_path_buf()),
        }),
        Err(source) => Err(LoadError::Io { name, source }),
    }
}

/// Takes the plan's `configuration`, as raw bytes with their place.
pub(crate) type OnConfiguration<'f> = dyn FnMut(Place<'_>) -> Result<(), LoadError> + 'f;

/// Takes one resource change: what it does, and its raw bytes with their place.
pub(crate) type OnChange<'f> = dyn for<'b> FnMut(
        Section,
        Place<'b>,
        RawResourceChange<'b, HeadChange<'b>>,
    ) -> Result<(), LoadError>
    + 'f;

/// Load an input. A Terraform plan's configuration and resource changes are handed over as
/// they are read, one by one.
pub(crate) fn load(
    source: &Source,
    config: &mut OnConfiguration<'_>,
    each: &mut OnChange<'_>,
) -> Result<Loaded, LoadError> {
    let name = source.name.as_str();
    let invalid = |message: &str| LoadError::Invalid {
        name: name.to_string(),
        message: message.to_string(),
    };
    let mut s = scan::Scanner::new(name, source.reader()?);
    let head = s.prefix(512)?.to_vec();
    let mut bytes = head.as_slice();
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes = &bytes[3..];
        s.skip_bytes(3);
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(invalid(
            "the file is UTF-16 (as PowerShell's `>` writes it): expected UTF-8 JSON; \
             write the plan with `terraform show -json tfplan | Out-File -Encoding utf8 plan.json`",
        ));
    }
    if s.at_end()? {
        return Err(invalid(
            "the file is empty: expected a Terraform plan as written by `terraform show -json`",
        ));
    }
    let first = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(0);
    if bytes.get(first) != Some(&b'{') {
        let what = if std::str::from_utf8(bytes).is_err() || bytes.contains(&0) {
            "binary data, not JSON"
        } else if bytes[first..].starts_with(b"[command]") {
            "the output of the setup-terraform wrapper (`[command]...`), not the plan; \
             set `terraform_wrapper: false` or write the plan with `terraform show -json` to a file"
        } else if bytes.get(first) == Some(&b'[') && array(source) {
            "a JSON array"
        } else {
            "text that is not JSON (is there a wrapper's output around the plan?)"
        };
        return Err(s.error(format!(
            "found {what}: expected a JSON object, a Terraform plan as written by `terraform show -json`"
        )));
    }
    let mut plan = PlanHead::default();
    let mut seen: Vec<String> = Vec::new();
    // The first error in a resource change: reported after the checks of what the document
    // is, which explain more.
    let mut element_error: Option<LoadError> = None;
    s.expect(b'{', "`{`")?;
    if !s.eat(b'}')? {
        loop {
            let key = s.key()?;
            if seen.contains(&key) {
                return Err(s.error(format!(
                    "invalid plan: the key `{}` appears twice",
                    crate::escape::terminal(&key)
                )));
            }
            match key.as_str() {
                "format_version" | "terraform_version" => {
                    let value = s.capture(|b, at| {
                        serde_json::from_slice::<String>(b).map_err(|e| {
                            Place { name, bytes: b, at }
                                .error(&e, format!("`{key}` is not a string"))
                        })
                    })?;
                    if key == "format_version" {
                        plan.format_version = value;
                    } else {
                        plan.terraform_version = Some(value);
                    }
                }
                "resource_changes" | "resource_drift" => {
                    let section = if key == "resource_changes" {
                        Section::Changes
                    } else {
                        Section::Drift
                    };
                    s.ws()?;
                    if !s.eat(b'[')? {
                        if s.eat(b'n')? {
                            return Err(s.error(format!(
                                "at `{key}`: not a Terraform plan: expected an array"
                            )));
                        }
                        return Err(s.error(format!(
                            "at `{key}`: not a Terraform plan: invalid type, expected an array \
                             (expected the output of `terraform show -json PLANFILE`)"
                        )));
                    }
                    if !s.eat(b']')? {
                        loop {
                            // serde_json reads each resource change where it lies in the
                            // buffer; one that is not as Terraform writes it is reported after
                            // the checks of what the document is, and skipped.
                            s.parse(|avail, at| {
                                let mut stream = serde_json::Deserializer::from_slice(avail)
                                    .into_iter::<RawResourceChange<'_, HeadChange<'_>>>(
                                );
                                match stream.next() {
                                    Some(Ok(raw)) => {
                                        let used = stream.byte_offset();
                                        let bytes = &avail[..used];
                                        if element_error.is_none() {
                                            if let Err(e) =
                                                each(section, Place { name, bytes, at }, raw)
                                            {
                                                element_error = Some(e);
                                            }
                                        }
                                        scan::Parsed::Done((), used)
                                    }
                                    Some(Err(e)) if e.is_eof() => scan::Parsed::NeedMore,
                                    None => scan::Parsed::NeedMore,
                                    Some(Err(e)) if e.is_data() => {
                                        // Valid JSON, not a resource change: note it, skip it.
                                        let mut stream =
                                            serde_json::Deserializer::from_slice(avail)
                                                .into_iter::<IgnoredAny>();
                                        match stream.next() {
                                            Some(Ok(_)) => {
                                                if element_error.is_none() {
                                                    element_error = Some(resource_change_error(
                                                        section,
                                                        Place {
                                                            name,
                                                            bytes: avail,
                                                            at,
                                                        },
                                                        &e,
                                                    ));
                                                }
                                                scan::Parsed::Done((), stream.byte_offset())
                                            }
                                            Some(Err(e)) if e.is_eof() => scan::Parsed::NeedMore,
                                            _ => scan::Parsed::NeedMore,
                                        }
                                    }
                                    Some(Err(e)) => scan::Parsed::Failed(
                                        Place {
                                            name,
                                            bytes: avail,
                                            at,
                                        }
                                        .error(&e, format!("invalid JSON: {}", strip_position(&e))),
                                    ),
                                }
                            })?;
                            if s.eat(b']')? {
                                break;
                            }
                            s.expect(b',', "`,` or `]`")?;
                        }
                    }
                }
                "configuration" => {
                    // Handed over whole, to be parsed by the caller (on another thread).
                    s.capture(|bytes, at| config(Place { name, bytes, at }))?;
                }
                "variables" => {
                    plan.variables = s.capture(|bytes, at| variables(Place { name, bytes, at }))?;
                }
                _ => s.skip()?,
            }
            seen.push(key);
            if s.eat(b'}')? {
                break;
            }
            s.expect(b',', "`,` or `}`")?;
        }
    }
    if !s.at_end()? {
        return Err(s.error("invalid JSON: trailing characters after the plan"));
    }
    let has = |k: &str| seen.iter().any(|x| x == k);
    if has("steps") && !has("format_version") {
        let bytes = source.all()?;
        let preview: RawPreview = serde_json::from_slice(&bytes).map_err(|e| {
            let message = match e.classify() {
                serde_json::error::Category::Data => format!(
                    "not a Pulumi preview: {} (expected the output of `pulumi preview --json`)",
                    strip_position(&e)
                ),
                _ => format!("invalid JSON: {}", strip_position(&e)),
            };
            LoadError::At {
                name: name.to_string(),
                line: e.line(),
                column: e.column(),
                message,
            }
        })?;
        return Ok(Loaded::Pulumi(preview));
    }
    check_plan(&has, &plan.format_version).map_err(|m| invalid(&m))?;
    if let Some(e) = element_error {
        return Err(e);
    }
    Ok(Loaded::Terraform(plan))
}

/// Whether an input is a valid JSON array (to say so in the error).
fn array(source: &Source) -> bool {
    source
        .all()
        .is_ok_and(|b| serde_json::from_slice::<IgnoredAny>(&b).is_ok())
}

/// Check that a document is a Terraform plan this version can read, from its keys.
fn check_plan(has: &dyn Fn(&str) -> bool, version: &str) -> Result<(), String> {
    if has("plan_format_version") {
        return Err(
            "this is an HCP Terraform redacted JSON plan (`plan_format_version`), which \
             foureyes does not read: expected the output of `terraform show -json PLANFILE`"
                .to_string(),
        );
    }
    if has("changeSummary") && !has("format_version") {
        return Err(
            "this looks like `pulumi preview --json` output without `steps`: expected \
             the output of `pulumi preview --json` or `terraform show -json PLANFILE`"
                .to_string(),
        );
    }
    if !has("format_version") {
        return Err(
            "not a Terraform plan: there is no `format_version`; expected the output of \
             `terraform show -json PLANFILE`"
                .to_string(),
        );
    }
    let major = version.split('.').next().unwrap_or("");
    // NOTE: a version that is not a number (hand-written test plans say "test_format_version")
    // is read as the current format; a known other major version is refused.
    if major.parse::<u64>().is_ok_and(|m| m > 1) {
        return Err(format!(
            "unsupported plan format_version \"{}\": foureyes reads format versions 0.x and 1.x",
            crate::escape::terminal(version)
        ));
    }
    if !has("resource_changes") && has("values") && !has("planned_values") && !has("prior_state") {
        return Err(
            "this is Terraform state (`terraform show -json` without a plan file), not a \
             plan: expected `terraform show -json PLANFILE`"
                .to_string(),
        );
    }
    Ok(())
}

/// The values of a plan's `variables` (`{"NAME": {"value": ...}}`).
// NOTE: no parser message here: it could quote a value, and values can be sensitive.
fn variables(
    place: Place<'_>,
) -> Result<std::collections::BTreeMap<String, serde_json::Value>, LoadError> {
    let map: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(place.bytes)
        .map_err(|e| place.error(&e, "`variables` is not an object of variables".to_string()))?;
    Ok(map
        .into_iter()
        .filter_map(|(k, mut v)| Some((k, v.get_mut("value")?.take())))
        .collect())
}

/// Parse a plan's `configuration`.
pub(crate) fn configuration(place: Place<'_>) -> Result<Configuration, LoadError> {
    serde_json::from_slice(place.bytes).map_err(|e| {
        place.error(
            &e,
            format!(
                "`configuration` is not as Terraform writes it: {}",
                strip_position(&e)
            ),
        )
    })
}

/// Parse one resource change, saying where and what is wrong when it is not as Terraform
/// writes it.
pub(crate) fn resource_change<'a>(
    section: Section,
    place: Place<'a>,
) -> Result<RawResourceChange<'a>, LoadError> {
    serde_json::from_slice(place.bytes).map_err(|e| resource_change_error(section, place, &e))
}

/// Say where and what is wrong in a resource change that is not as Terraform writes it.
fn resource_change_error(section: Section, place: Place<'_>, e: &serde_json::Error) -> LoadError {
    let list = match section {
        Section::Changes => "resource_changes",
        Section::Drift => "resource_drift",
    };
    let mut de = serde_json::Deserializer::from_slice(place.bytes);
    let path = match serde_path_to_error::deserialize::<_, RawResourceChange<'_>>(&mut de) {
        Err(e) if e.path().to_string() != "." => format!("{list}[].{}", e.path()),
        _ => list.to_string(),
    };
    place.error(
        e,
        format!(
            "at `{path}`: not a Terraform plan: {} (expected the output of `terraform show -json PLANFILE`)",
            strip_position(e)
        ),
    )
}

/// serde_json appends " at line L column C"; the position is reported separately.
/// The message is escaped: serde quotes what it read (an unknown variant, a string of the
/// wrong type), and that is plan text.
pub(crate) fn strip_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let text = match text.rfind(" at line ") {
        Some(i) => &text[..i],
        None => &text,
    };
    crate::escape::terminal(text).into_owned()
}

/// 1-based line and column of a byte offset.
pub(crate) fn line_column(bytes: &[u8], offset: usize) -> (usize, usize) {
    let offset = offset.min(bytes.len());
    let before = &bytes[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = offset
        - before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1)
        + 1;
    (line, column)
}

/// Parse a raw value from within a place into a [`serde_json::Value`], keeping of an object
/// only the given keys (sorted) and skipping the rest unparsed. Errors are reported where the
/// value is in its file.
pub(crate) fn parse_picked(
    place: &Place<'_>,
    raw: &RawValue,
    keys: &[String],
) -> Result<serde_json::Value, LoadError> {
    use serde::de::DeserializeSeed;
    let mut de = serde_json::Deserializer::from_str(raw.get());
    Pick(Some(keys))
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v))
        .map_err(|e| {
            let offset =
                (raw.get().as_ptr() as usize).saturating_sub(place.bytes.as_ptr() as usize);
            place.error_at(
                offset,
                format!("cannot read this value: {}", strip_position(&e)),
            )
        })
}

/// Deserializes a JSON value, keeping of an object only some keys (all of them when `None`,
/// as for every nested value). A key that appears twice in one object is refused: JSON readers
/// disagree on which of the two counts, and a plan that says two things must not pass as one.
struct Pick<'k>(Option<&'k [String]>);

impl<'de> serde::de::DeserializeSeed<'de> for Pick<'_> {
    type Value = serde_json::Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Pick<'_> {
    type Value = serde_json::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some(key) = map.next_key_seed(Key)? {
            let wanted = match self.0 {
                None => true,
                Some(keys) => keys.binary_search_by(|k| k.as_str().cmp(&key)).is_ok(),
            };
            if !wanted {
                map.next_value::<IgnoredAny>()?;
                // NOTE: keys that are not read are not kept, so their duplicates go unseen;
                // what is read is never ambiguous.
                continue;
            }
            if out.contains_key(key.as_ref()) {
                return Err(serde::de::Error::custom(format!(
                    "the key `{}` appears twice in one object",
                    crate::escape::terminal(&key)
                )));
            }
            let v = map.next_value_seed(Pick(None))?;
            out.insert(key.into_owned(), v);
        }
        Ok(serde_json::Value::Object(out))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(v) = seq.next_element_seed(Pick(None))? {
            out.push(v);
        }
        Ok(serde_json::Value::Array(out))
    }

    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(bounded(v).into_owned().into())
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(match bounded(&v) {
            Cow::Borrowed(_) => v,
            Cow::Owned(short) => short,
        }
        .into())
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }
}

/// The longest string value foureyes reads (1 MiB). No IAM name, ARN or policy comes near it
/// (AWS caps policies at tens of kilobytes); a longer one would only cost memory in every
/// place it is copied to.
pub(crate) const LONGEST: usize = 1 << 20;

/// A string as the review reads it: itself, or, when longer than [`LONGEST`], a stand-in that
/// says so and stays distinct for distinct values (its start, its length and a digest). A
/// stand-in for a policy is not JSON, so the policy is unreadable: a possible privilege, never
/// a harmless one.
pub(crate) fn bounded(text: &str) -> Cow<'_, str> {
    if text.len() <= LONGEST {
        return Cow::Borrowed(text);
    }
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(text.as_bytes());
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    let start: String = text.chars().take(64).collect();
    Cow::Owned(format!(
        "{start}… [{} bytes, too long to read; sha256:{hex}]",
        text.len()
    ))
}

/// A JSON value whose strings are [`bounded`], and in which a key given twice is refused (for
/// `#[serde(deserialize_with)]`).
pub(crate) fn bounded_value<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<serde_json::Value>, D::Error> {
    use serde::de::DeserializeSeed;
    Pick(None).deserialize(d).map(Some)
}

/// A raw JSON value, left out when longer than [`LONGEST`] (for `#[serde(deserialize_with)]`).
pub(crate) fn bounded_raw<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Box<RawValue>>, D::Error> {
    let raw: &RawValue = Deserialize::deserialize(d)?;
    Ok((raw.get().len() <= LONGEST).then(|| raw.to_owned()))
}

/// An object key, borrowed from the input where it has no escapes.
struct Key;

impl<'de> serde::de::DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Key {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an object key")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(text: &[u8]) -> Source {
        Source::from_bytes("plan.json", text.to_vec())
    }

    fn load_all(text: &[u8]) -> Result<(Loaded, usize), LoadError> {
        let mut n = 0;
        let loaded = load(
            &source(text),
            &mut |p| configuration(p).map(|_| ()),
            &mut |_, _, _| {
                n += 1;
                Ok(())
            },
        )?;
        Ok((loaded, n))
    }

    #[test]
    fn picking_keeps_only_the_wanted_keys() {
        let bytes = br#"{"a": 1, "b": {"deep": [1, 2]}, "c": "x"}"#;
        let place = Place {
            name: "plan.json",
            bytes,
            at: Pos { line: 1, column: 1 },
        };
        let raw: &RawValue = serde_json::from_slice(bytes).expect("json");
        let v = parse_picked(&place, raw, &["b".to_string(), "c".to_string()]).expect("parsed");
        assert_eq!(v, serde_json::json!({"b": {"deep": [1, 2]}, "c": "x"}));
        let raw: &RawValue = serde_json::from_str("true").expect("json");
        assert_eq!(
            parse_picked(&place, raw, &[]).expect("parsed"),
            serde_json::json!(true)
        );
    }

    #[test]
    fn line_column_counts_from_one() {
        assert_eq!(line_column(b"ab\ncd", 0), (1, 1));
        assert_eq!(line_column(b"ab\ncd", 4), (2, 2));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let mut text = b"{\"format_version\":\"1.2\",\"resource_changes\":[{\"address\":\"a\",\"type\":\"t\",\"change\":{\"actions\":[\"create\"],\"after\":".to_vec();
        text.extend(std::iter::repeat_n(b'[', 200_000));
        let err = load_all(&text).expect_err("deep nesting must fail");
        assert!(err.to_string().starts_with("plan.json:1:"), "{err}");
    }

    #[test]
    fn a_state_file_is_not_a_plan() {
        let err =
            load_all(br#"{"format_version":"1.0","values":{}}"#).expect_err("state is not a plan");
        assert!(err.to_string().contains("Terraform state"), "{err}");
    }

    #[test]
    fn resource_changes_are_handed_over_one_by_one() {
        let text = br#"{"format_version":"1.2","planned_values":{"x":[1,2,{"y":null}]},
"resource_changes":[{"address":"a.b","type":"a","change":{"actions":["no-op"]}},
{"address":"a.c","type":"a","change":{"actions":["create"]}}],"configuration":{}}"#;
        let (loaded, n) = load_all(text).expect("loads");
        assert_eq!(n, 2);
        assert!(matches!(loaded, Loaded::Terraform(p) if p.format_version == "1.2"));
    }

    #[test]
    fn a_bad_resource_change_is_reported_in_place() {
        let text = b"{\"format_version\":\"1.2\",\n\"resource_changes\":[\n  {\"address\":\"a.b\",\"change\":{\"actions\":[]}}]}";
        let err = load_all(text).expect_err("no type").to_string();
        assert!(err.starts_with("plan.json:3:"), "{err}");
        assert!(err.contains("missing field `type`"), "{err}");
        assert!(err.contains("resource_changes"), "{err}");
    }
}
