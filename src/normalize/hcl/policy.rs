//! `data "aws_iam_policy_document"` rendered as the AWS provider renders its `json`: what a
//! plan would show once the data source is read.

use serde_json::{json, Map, Value};

/// The policy text of a data source's evaluated blocks, when every value in them is known.
/// Sources and overrides of other documents are not merged: the text is then unknown.
pub(super) fn render(values: &Map<String, Value>) -> Option<String> {
    for merged in [
        "source_policy_documents",
        "override_policy_documents",
        "source_json",
        "override_json",
    ] {
        if values.get(merged).is_some_and(|v| !v.is_null()) {
            return None;
        }
    }
    let mut document = Map::new();
    document.insert(
        "Version".to_string(),
        values
            .get("version")
            .filter(|v| v.is_string())
            .cloned()
            .unwrap_or_else(|| json!("2012-10-17")),
    );
    if let Some(id) = values.get("policy_id").filter(|v| v.is_string()) {
        document.insert("Id".to_string(), id.clone());
    }
    let mut statements = Vec::new();
    for s in values
        .get("statement")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let s = s.as_object()?;
        let mut out = Map::new();
        if let Some(sid) = s
            .get("sid")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
        {
            out.insert("Sid".to_string(), json!(sid));
        }
        out.insert(
            "Effect".to_string(),
            s.get("effect")
                .filter(|v| v.is_string())
                .cloned()
                .unwrap_or_else(|| json!("Allow")),
        );
        for (from, to) in [
            ("actions", "Action"),
            ("not_actions", "NotAction"),
            ("resources", "Resource"),
            ("not_resources", "NotResource"),
        ] {
            if let Some(list) = strings(s.get(from))? {
                out.insert(to.to_string(), list);
            }
        }
        for (from, to) in [
            ("principals", "Principal"),
            ("not_principals", "NotPrincipal"),
        ] {
            if let Some(p) = principals(s.get(from))? {
                out.insert(to.to_string(), p);
            }
        }
        if let Some(c) = conditions(s.get("condition"))? {
            out.insert("Condition".to_string(), c);
        }
        statements.push(Value::Object(out));
    }
    document.insert("Statement".to_string(), Value::Array(statements));
    serde_json::to_string_pretty(&Value::Object(document)).ok()
}

/// A list of strings as the provider writes it: one string alone, several in a list (sorted,
/// as a set), none left out. `Err`-like `None` when it is not a list of strings.
fn strings(v: Option<&Value>) -> Option<Option<Value>> {
    let list = match v {
        None | Some(Value::Null) => return Some(None),
        Some(Value::Array(items)) => items,
        Some(Value::String(s)) => return Some(Some(json!(s))),
        Some(_) => return None,
    };
    let mut items: Vec<&str> = list.iter().map(Value::as_str).collect::<Option<_>>()?;
    items.sort_unstable();
    items.dedup();
    Some(match items.as_slice() {
        [] => None,
        [one] => Some(json!(one)),
        _ => Some(json!(items)),
    })
}

fn principals(v: Option<&Value>) -> Option<Option<Value>> {
    let blocks = match v {
        None | Some(Value::Null) => return Some(None),
        Some(Value::Array(blocks)) if blocks.is_empty() => return Some(None),
        Some(Value::Array(blocks)) => blocks,
        Some(_) => return None,
    };
    let mut by_type: std::collections::BTreeMap<String, Vec<Value>> = Default::default();
    for b in blocks {
        let kind = b.get("type")?.as_str()?;
        let Some(ids) = strings(b.get("identifiers"))? else {
            continue;
        };
        let entry = by_type.entry(kind.to_string()).or_default();
        match ids {
            Value::Array(a) => entry.extend(a),
            one => entry.push(one),
        }
    }
    if by_type.len() == 1 {
        if let Some(ids) = by_type.get("*") {
            if ids.iter().all(|i| i == "*") {
                return Some(Some(json!("*")));
            }
        }
    }
    let mut out = Map::new();
    for (kind, ids) in by_type {
        let v = strings(Some(&Value::Array(ids)))?.unwrap_or(json!([]));
        out.insert(kind, v);
    }
    Some(Some(Value::Object(out)))
}

fn conditions(v: Option<&Value>) -> Option<Option<Value>> {
    let blocks = match v {
        None | Some(Value::Null) => return Some(None),
        Some(Value::Array(blocks)) if blocks.is_empty() => return Some(None),
        Some(Value::Array(blocks)) => blocks,
        Some(_) => return None,
    };
    let mut out: Map<String, Value> = Map::new();
    for b in blocks {
        let test = b.get("test")?.as_str()?;
        let variable = b.get("variable")?.as_str()?;
        let values = strings(b.get("values"))?.unwrap_or(json!([]));
        let entry = out
            .entry(test.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(m) = entry {
            m.insert(variable.to_string(), values);
        }
    }
    Some(Some(Value::Object(out)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_renders_as_the_provider_renders_it() {
        let values = json!({
            "statement": [{
                "sid": "Admin",
                "actions": ["iam:PutRolePolicy"],
                "resources": ["*", "*"],
                "principals": [{"type": "AWS", "identifiers": ["arn:aws:iam::1:root"]}],
                "condition": [{"test": "Bool", "variable": "aws:MultiFactorAuthPresent", "values": ["true"]}]
            }, {
                "effect": "Deny",
                "not_actions": ["s3:GetObject", "s3:PutObject"],
                "principals": [{"type": "*", "identifiers": ["*"]}]
            }]
        });
        let text = render(values.as_object().expect("an object")).expect("renders");
        let v: Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(
            v,
            json!({
                "Version": "2012-10-17",
                "Statement": [{
                    "Sid": "Admin", "Effect": "Allow", "Action": "iam:PutRolePolicy",
                    "Resource": "*",
                    "Principal": {"AWS": "arn:aws:iam::1:root"},
                    "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
                }, {
                    "Effect": "Deny", "NotAction": ["s3:GetObject", "s3:PutObject"],
                    "Principal": "*"
                }]
            })
        );
        let merged = json!({"source_policy_documents": ["{}"], "statement": []});
        assert_eq!(render(merged.as_object().expect("an object")), None);
    }
}
