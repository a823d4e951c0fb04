//! `pulumi preview --json` → resource changes in Terraform's vocabulary: type tokens become
//! Terraform resource types and camelCase attributes become snake_case, so that extractors are
//! written once.

use super::{Configuration, Format, Input, Pieces, Wanted};
use crate::load::{self, strip_position, First, LoadError, Opened, Place};
use crate::model::{Action, Head, ResourceChange, Text, Values};
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::{Map, Value};
use types::{snake, terraform_type};

mod types;

/// `pulumi preview --json`.
pub(crate) struct Preview;

/// Top-level keys of a preview that say it is one (Pulumi's `PreviewDigest`).
const KEYS: &[&str] = &["steps", "changeSummary"];

/// Top-level keys a preview may begin with, which say so only while the object goes on past
/// the first bytes: a whole object with neither `steps` nor `changeSummary` is no preview.
const FIRST_KEYS: &[&str] = &["config", "diagnostics", "duration", "maybeCorrupt"];

impl Format for Preview {
    fn name(&self) -> &'static str {
        "a Pulumi preview (`pulumi preview --json`)"
    }

    fn sniff(&self, first: &First<'_>) -> bool {
        matches!(first, First::Bytes { object: Some(top), .. }
            if top.has_any(KEYS) || (!top.whole() && top.has_any(FIRST_KEYS)))
    }

    fn read(&self, opened: Opened<'_>, index: usize, wanted: &Wanted) -> Result<Pieces, LoadError> {
        let name = opened.name;
        let steps = read_steps(opened)?;
        let changes = changes(index, &steps, wanted);
        Ok(Pieces {
            input: Input {
                name: name.to_string(),
                format_version: "pulumi-preview".to_string(),
                terraform_version: None,
                configuration: Configuration::default(),
                resource_changes: changes.len(),
                variables: Default::default(),
            },
            changes,
            drift: Vec::new(),
            prior: Vec::new(),
            unknowns: Vec::new(),
        })
    }
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

/// Read a preview's `steps`. Every top-level value is streamed and checked; only `steps` is
/// kept.
fn read_steps(opened: Opened<'_>) -> Result<Vec<RawStep>, LoadError> {
    let name = opened.name;
    let mut s = opened.json()?;
    let mut steps = None;
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
            } else {
                // NOTE: what is skipped is checked as strictly as what is read: a preview is
                // small, and one that is not JSON is refused whole.
                serde_json::from_slice::<IgnoredAny>(bytes).map_err(error)?;
            }
            Ok(())
        })
    })?;
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
                let key = snake(k);
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
fn properties(state: &RawState) -> &Value {
    match (&state.outputs, &state.inputs) {
        (Some(o @ Value::Object(m)), _) if !m.is_empty() => o,
        (_, Some(i)) => i,
        _ => &Value::Null,
    }
}

/// The resource changes of a preview.
fn changes(input: usize, steps: &[RawStep], wants_values: &Wanted) -> Vec<ResourceChange> {
    steps
        .iter()
        .filter_map(|step| change(input, step, wants_values))
        .collect()
}

fn change(input: usize, step: &RawStep, wants_values: &Wanted) -> Option<ResourceChange> {
    let (action, actions): (Action, &[&str]) = match step.op.as_str() {
        "same" | "refresh" => (Action::NoOp, &["no-op"]),
        "create" | "import" => (Action::Create, &["create"]),
        "update" => (Action::Update, &["update"]),
        "delete" => (Action::Delete, &["delete"]),
        "replace" | "import-replacement" => (
            Action::Replace { create_first: true },
            &["create", "delete"],
        ),
        "read" | "read-replacement" => (Action::Read, &["read"]),
        "discard" | "discard-replaced" => (Action::Forget, &["forget"]),
        // The halves of a replacement are reported by its `replace` step.
        _ => return None,
    };
    let state = step.new_state.as_ref().or(step.old_state.as_ref());
    let token = state
        .and_then(|s| s.kind.clone())
        .or_else(|| step.urn.rsplit("::").nth(1).map(str::to_string))?;
    let token = token.rsplit('$').next().unwrap_or(&token);
    let kind = terraform_type(token)?;
    let name = step.urn.rsplit("::").next().unwrap_or(&step.urn);
    let data = action == Action::Read;
    let key = if data {
        format!("data.{kind}")
    } else {
        kind.clone()
    };
    let values = wants_values.changed.get(&key).map(|_| {
        let mut v = Values::default();
        let mut ignored_unknown = Value::Null;
        if let Some(old) = step.old_state.as_ref().filter(|_| action.has_before()) {
            v.before = convert(
                properties(old),
                &mut ignored_unknown,
                &mut v.before_sensitive,
            );
        }
        if let Some(new) = step.new_state.as_ref().filter(|_| action.has_after()) {
            v.after = convert(
                properties(new),
                &mut v.after_unknown,
                &mut v.after_sensitive,
            );
        }
        types::reshape(token, &mut v);
        v
    });
    Some(ResourceChange {
        head: std::sync::Arc::new(Head {
            address: format!("{}{kind}.{name}", if data { "data." } else { "" }).into(),
            kind: kind.into(),
            actions: actions.iter().map(|a| Text::from(*a)).collect(),
            data,
            importing: step.op.starts_with("import"),
            extra: None,
        }),
        input,
        action,
        values: values.map(Box::new),
        deferred: None,
    })
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
}
