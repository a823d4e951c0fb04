//! Load: bytes → a parsed document, with errors that name the file, the place and what was expected.
//!
//! Plans can be 100 MB and more, so the plan is read once into memory and parsed into borrowed
//! [`RawValue`]s: the parts the review needs are parsed again later, the rest is only skipped.

use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::io::Read;
use std::path::Path;

/// One input as read from disk or stdin.
#[derive(Debug)]
pub(crate) struct Source {
    /// The name users know the input by: the path as given, or `<stdin>`.
    pub(crate) name: String,
    pub(crate) bytes: Vec<u8>,
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

/// A Terraform plan as written by `terraform show -json`, with the heavy parts left unparsed.
#[derive(Debug, Deserialize)]
pub(crate) struct RawPlan<'a> {
    pub(crate) format_version: Option<String>,
    pub(crate) terraform_version: Option<String>,
    #[serde(borrow, default)]
    pub(crate) resource_changes: Option<Vec<RawResourceChange<'a>>>,
    #[serde(borrow, default)]
    pub(crate) resource_drift: Option<Vec<RawResourceChange<'a>>>,
    #[serde(borrow, default)]
    pub(crate) configuration: Option<&'a RawValue>,
    #[serde(default)]
    planned_values: Option<IgnoredAny>,
    #[serde(default)]
    prior_state: Option<IgnoredAny>,
    /// Present in `terraform show -json` of a *state*, not of a plan.
    #[serde(default)]
    values: Option<IgnoredAny>,
    /// Present in HCP Terraform's redacted JSON plan, which has another shape.
    #[serde(default)]
    plan_format_version: Option<IgnoredAny>,
    /// Present in `pulumi preview --json`.
    #[serde(default)]
    steps: Option<IgnoredAny>,
    #[serde(default, rename = "changeSummary")]
    change_summary: Option<IgnoredAny>,
}

/// One element of `resource_changes` or `resource_drift`.
#[derive(Debug, Deserialize)]
pub(crate) struct RawResourceChange<'a> {
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
    #[serde(borrow)]
    pub(crate) change: RawChange<'a>,
    #[serde(borrow, default)]
    pub(crate) action_reason: Option<Cow<'a, str>>,
}

impl RawResourceChange<'_> {
    /// The instance address, built from module address, type, name and index when absent.
    pub(crate) fn address(&self) -> String {
        if let Some(a) = &self.address {
            return a.to_string();
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
        a
    }
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

/// What a loaded document is.
#[derive(Debug)]
pub(crate) enum Content<'a> {
    Terraform(RawPlan<'a>),
    Pulumi(RawPreview),
}

/// A loaded document.
#[derive(Debug)]
pub(crate) struct Document<'a> {
    pub(crate) source: &'a Source,
    pub(crate) content: Content<'a>,
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
            bytes,
        });
    }
    let name = input.display().to_string();
    match std::fs::read(input) {
        Ok(bytes) => Ok(Source { name, bytes }),
        Err(source) => Err(LoadError::Io { name, source }),
    }
}

/// Parse a source as a Terraform plan, checking that it is one.
pub(crate) fn load(source: &Source) -> Result<Document<'_>, LoadError> {
    let invalid = |message: String| LoadError::Invalid {
        name: source.name.clone(),
        message,
    };
    let mut bytes = source.bytes.as_slice();
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes = &bytes[3..];
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(invalid(
            "the file is empty: expected a Terraform plan as written by `terraform show -json`"
                .to_string(),
        ));
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(invalid(
            "the file is UTF-16 (as PowerShell's `>` writes it): expected UTF-8 JSON; \
             write the plan with `terraform show -json tfplan | Out-File -Encoding utf8 plan.json`"
                .to_string(),
        ));
    }
    let first = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(0);
    if bytes[first] != b'{' {
        let (line, column) = line_column(bytes, first);
        let what = if std::str::from_utf8(&bytes[..bytes.len().min(512)]).is_err()
            || bytes[..bytes.len().min(512)].contains(&0)
        {
            "binary data, not JSON"
        } else if bytes[first..].starts_with(b"[command]") {
            "the output of the setup-terraform wrapper (`[command]...`), not the plan; \
             set `terraform_wrapper: false` or write the plan with `terraform show -json` to a file"
        } else if bytes[first] == b'[' && serde_json::from_slice::<IgnoredAny>(bytes).is_ok() {
            "a JSON array"
        } else {
            "text that is not JSON (is there a wrapper's output around the plan?)"
        };
        return Err(LoadError::At {
            name: source.name.clone(),
            line,
            column,
            message: format!(
                "found {what}: expected a JSON object, a Terraform plan as written by `terraform show -json`"
            ),
        });
    }
    let plan: RawPlan<'_> = serde_json::from_slice(bytes).map_err(|e| {
        let mut err = json_error(source, &e);
        // A value of the wrong type: parse again, tracking the path, to say which one.
        if e.classify() == serde_json::error::Category::Data {
            let mut de = serde_json::Deserializer::from_slice(bytes);
            if let Err(e) = serde_path_to_error::deserialize::<_, RawPlan<'_>>(&mut de) {
                if let LoadError::At { message, .. } = &mut err {
                    *message = format!("at `{}`: {message}", e.path());
                }
            }
        }
        err
    })?;
    if plan.steps.is_some() && plan.format_version.is_none() {
        let preview: RawPreview = serde_json::from_slice(bytes).map_err(|e| {
            let mut err = json_error(source, &e);
            if let LoadError::At { message, .. } = &mut err {
                *message = message.replace(
                    "expected the output of `terraform show -json PLANFILE`",
                    "expected the output of `pulumi preview --json`",
                );
            }
            err
        })?;
        return Ok(Document {
            source,
            content: Content::Pulumi(preview),
        });
    }
    check_plan(&plan).map_err(invalid)?;
    Ok(Document {
        source,
        content: Content::Terraform(plan),
    })
}

/// Check that a parsed object is a Terraform plan this version can read.
fn check_plan(plan: &RawPlan<'_>) -> Result<(), String> {
    if plan.plan_format_version.is_some() {
        return Err(
            "this is an HCP Terraform redacted JSON plan (`plan_format_version`), which \
             foureyes does not read: expected the output of `terraform show -json PLANFILE`"
                .to_string(),
        );
    }
    if plan.change_summary.is_some() && plan.format_version.is_none() {
        return Err(
            "this looks like `pulumi preview --json` output without `steps`: expected \
             the output of `pulumi preview --json` or `terraform show -json PLANFILE`"
                .to_string(),
        );
    }
    let Some(version) = &plan.format_version else {
        return Err(
            "not a Terraform plan: there is no `format_version`; expected the output of \
             `terraform show -json PLANFILE`"
                .to_string(),
        );
    };
    let major = version.split('.').next().unwrap_or("");
    // NOTE: a version that is not a number (hand-written test plans say "test_format_version")
    // is read as the current format; a known other major version is refused.
    if major.parse::<u64>().is_ok_and(|m| m > 1) {
        return Err(format!(
            "unsupported plan format_version \"{version}\": foureyes reads format versions 0.x and 1.x"
        ));
    }
    if plan.resource_changes.is_none()
        && plan.values.is_some()
        && plan.planned_values.is_none()
        && plan.prior_state.is_none()
    {
        return Err(
            "this is Terraform state (`terraform show -json` without a plan file), not a \
             plan: expected `terraform show -json PLANFILE`"
                .to_string(),
        );
    }
    Ok(())
}

/// Turn a serde_json error into one that says where and what was expected.
fn json_error(source: &Source, e: &serde_json::Error) -> LoadError {
    use serde_json::error::Category;
    let message = match e.classify() {
        Category::Eof => "the file ends too early: the plan is truncated".to_string(),
        Category::Syntax => format!("invalid JSON: {}", strip_position(e)),
        Category::Data => format!(
            "not a Terraform plan: {} (expected the output of `terraform show -json PLANFILE`)",
            strip_position(e)
        ),
        Category::Io => format!("cannot read: {e}"),
    };
    LoadError::At {
        name: source.name.clone(),
        line: e.line(),
        column: e.column(),
        message,
    }
}

/// serde_json appends " at line L column C"; the position is reported separately.
fn strip_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
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

/// Parse a borrowed raw value into a [`serde_json::Value`], keeping of an object only the
/// given keys (sorted) and skipping the rest unparsed. Errors are reported at the raw value's
/// place in its source file.
pub(crate) fn parse_picked(
    source: &Source,
    raw: &RawValue,
    keys: &[String],
) -> Result<serde_json::Value, LoadError> {
    use serde::de::DeserializeSeed;
    let mut de = serde_json::Deserializer::from_str(raw.get());
    Pick(keys)
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v))
        .map_err(|e| {
            let base = (raw.get().as_ptr() as usize).saturating_sub(source.bytes.as_ptr() as usize);
            let (line, column) = line_column(&source.bytes, base);
            LoadError::At {
                name: source.name.clone(),
                line,
                column,
                message: format!("cannot read this value: {}", strip_position(&e)),
            }
        })
}

/// Deserializes a JSON value, keeping of an object only some keys.
struct Pick<'k>(&'k [String]);

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
        while let Some(key) = map.next_key_seed(KeyIndex(self.0))? {
            match key {
                Some(i) => {
                    let v: serde_json::Value = map.next_value()?;
                    out.insert(self.0[i].clone(), v);
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(serde_json::Value::Object(out))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        serde::Deserialize::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))
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
        Ok(v.into())
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }
}

/// Deserializes an object key into its index among the wanted keys, without allocating.
struct KeyIndex<'k>(&'k [String]);

impl<'de> serde::de::DeserializeSeed<'de> for KeyIndex<'_> {
    type Value = Option<usize>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> serde::de::Visitor<'de> for KeyIndex<'_> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(self.0.binary_search_by(|k| k.as_str().cmp(v)).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(text: &[u8]) -> Source {
        Source {
            name: "plan.json".to_string(),
            bytes: text.to_vec(),
        }
    }

    #[test]
    fn picking_keeps_only_the_wanted_keys() {
        let src = source(br#"{"a": 1, "b": {"deep": [1, 2]}, "c": "x"}"#);
        let raw: &RawValue = serde_json::from_slice(&src.bytes).expect("json");
        let v = parse_picked(&src, raw, &["b".to_string(), "c".to_string()]).expect("parsed");
        assert_eq!(v, serde_json::json!({"b": {"deep": [1, 2]}, "c": "x"}));
        let raw: &RawValue = serde_json::from_str("true").expect("json");
        assert_eq!(
            parse_picked(&src, raw, &[]).expect("parsed"),
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
        let err = load(&source(&text)).expect_err("deep nesting must fail");
        assert!(err.to_string().starts_with("plan.json:1:"), "{err}");
    }

    #[test]
    fn a_state_file_is_not_a_plan() {
        let err = load(&source(br#"{"format_version":"1.0","values":{}}"#))
            .expect_err("state is not a plan");
        assert!(err.to_string().contains("Terraform state"), "{err}");
    }
}
