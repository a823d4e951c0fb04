//! IAM policy documents, AWS's policy language: JSON policies, `aws_iam_policy_document` data
//! sources and their configuration, read into statements.

use crate::model::Effect;
pub(crate) use crate::privilege::Actions;
use serde::Deserialize;
use serde_json::Value;

/// What a statement's resources are.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Resources {
    Resource(Vec<String>),
    NotResource(Vec<String>),
    /// Known only after apply: a reference to a resource that does not exist yet.
    Unknown,
}

impl Resources {
    /// The scope as shown to people.
    pub(crate) fn display(&self) -> String {
        match self {
            Resources::Resource(list) if list.is_empty() => "*".to_string(),
            Resources::Resource(list) => list.join(", "),
            Resources::NotResource(list) => format!("all except {}", list.join(", ")),
            Resources::Unknown => "(known after apply)".to_string(),
        }
    }

    /// Whether the scope is broad: `*`, a wildcard pattern, or everything but some resources.
    pub(crate) fn is_broad(&self) -> bool {
        match self {
            Resources::Resource(list) => {
                list.is_empty() || list.iter().any(|r| resource_is_broad(r))
            }
            Resources::NotResource(_) => true,
            Resources::Unknown => false,
        }
    }
}

/// Whether one resource pattern covers many resources of its kind: `*`, `arn:aws:iam::*:role/*`,
/// `arn:aws:logs:*:*:log-group:*`. A wildcard only in the region or account, or one that names
/// the objects of one bucket (`arn:aws:s3:::b/*`) or the streams of one log group
/// (`...:log-group:/app:*`), is not broad.
pub(crate) fn resource_is_broad(resource: &str) -> bool {
    if resource == "*" {
        return true;
    }
    let parts: Vec<&str> = resource.splitn(6, ':').collect();
    let [_, _, service, _, _, rest] = parts.as_slice() else {
        return resource.contains('*');
    };
    let (stripped, was_stripped) = match rest.strip_suffix("/*").or_else(|| rest.strip_suffix(":*"))
    {
        Some(s) => (s, true),
        None => (*rest, false),
    };
    if stripped.contains('*') || stripped.is_empty() {
        return true;
    }
    // `role/*` or `log-group:*`: every resource of a type.
    *service != "s3" && was_stripped && !stripped.contains(['/', ':'])
}

/// One principal named in a statement's `Principal`: (`AWS`, `arn:...`), (`Service`, ...).
pub(crate) type PrincipalRef = (String, String);

/// One statement of a policy.
#[derive(Debug, Clone)]
pub(crate) struct Statement {
    pub(crate) effect: Effect,
    pub(crate) actions: Actions,
    pub(crate) resources: Resources,
    pub(crate) principals: Vec<PrincipalRef>,
    /// The `Condition` block, kept and shown, not evaluated.
    pub(crate) condition: Option<Value>,
}

impl Statement {
    /// The statement as the provider-neutral engine reads it.
    pub(crate) fn into_neutral(self) -> crate::privilege::Statement {
        neutral(
            self.effect,
            self.actions,
            &self.resources,
            self.condition.is_some(),
        )
    }
}

fn neutral(
    effect: Effect,
    actions: Actions,
    resources: &Resources,
    conditional: bool,
) -> crate::privilege::Statement {
    crate::privilege::Statement {
        effect,
        actions,
        scope: resources.display(),
        broad: resources.is_broad(),
        conditional,
    }
}

/// Parse a policy document given as a JSON string (as Terraform renders `policy` attributes).
pub(crate) fn parse_text(text: &str) -> Result<Vec<Statement>, String> {
    parse_raw(text)?
        .into_iter()
        .map(RawStatement::into_statement)
        .collect()
}

/// Parse a policy document into the statements the engine reads: the same as [`parse_text`],
/// without the principals (only trust policies name them).
pub(crate) fn parse_neutral(text: &str) -> Result<Vec<crate::privilege::Statement>, String> {
    parse_raw(text)?
        .into_iter()
        .map(|s| {
            let conditional = s.conditional();
            let (effect, actions, resources) = s.parts()?;
            Ok(neutral(effect, actions, &resources, conditional))
        })
        .collect()
}

fn parse_raw(text: &str) -> Result<Vec<RawStatement>, String> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    // NOTE: read straight into typed statements: big plans hold tens of thousands of policies.
    let doc: RawDocument = serde_json::from_str(text).map_err(|e| {
        if e.is_data() {
            format!("the policy is not an IAM policy document: {e}")
        } else {
            format!("the policy is not valid JSON: {e}")
        }
    })?;
    Ok(doc.statement.0)
}

/// A policy document as written.
#[derive(Deserialize)]
struct RawDocument {
    #[serde(rename = "Statement", default)]
    statement: OneOrMany<RawStatement>,
}

/// A statement as written.
#[derive(Deserialize)]
struct RawStatement {
    #[serde(rename = "Effect", default)]
    effect: Option<String>,
    #[serde(rename = "Action", default)]
    action: Option<OneOrMany<String>>,
    #[serde(rename = "NotAction", default)]
    not_action: Option<OneOrMany<String>>,
    #[serde(rename = "Resource", default)]
    resource: Option<OneOrMany<String>>,
    #[serde(rename = "NotResource", default)]
    not_resource: Option<OneOrMany<String>>,
    #[serde(rename = "Principal", default)]
    principal: Option<Value>,
    #[serde(rename = "Condition", default)]
    condition: Option<Value>,
}

impl RawStatement {
    /// Whether the statement has conditions (an empty `Condition` has none).
    fn conditional(&self) -> bool {
        self.condition
            .as_ref()
            .is_some_and(|c| c.as_object().is_some_and(|m| !m.is_empty()))
    }

    /// Its effect, actions and resources.
    fn parts(self) -> Result<(Effect, Actions, Resources), String> {
        let effect = match self.effect.as_deref() {
            Some(e) if e.eq_ignore_ascii_case("allow") => Effect::Allow,
            Some(e) if e.eq_ignore_ascii_case("deny") => Effect::Deny,
            other => {
                return Err(format!(
                    "a statement's `Effect` is {}, expected \"Allow\" or \"Deny\"",
                    other.map_or("missing".to_string(), |e| format!("\"{e}\""))
                ))
            }
        };
        let actions = match (self.action, self.not_action) {
            (Some(a), _) => Actions::Action(a.0),
            (None, Some(n)) => Actions::NotAction(n.0),
            (None, None) => Actions::Action(Vec::new()),
        };
        let resources = match (self.resource, self.not_resource) {
            (Some(r), _) => Resources::Resource(r.0),
            (None, Some(n)) => Resources::NotResource(n.0),
            // Trust policies have no Resource: the role itself is the resource.
            (None, None) => Resources::Resource(Vec::new()),
        };
        Ok((effect, actions, resources))
    }

    fn into_statement(mut self) -> Result<Statement, String> {
        let principal = self.principal.take();
        let condition = self
            .condition
            .take()
            .filter(|c| c.as_object().is_some_and(|m| !m.is_empty()));
        let (effect, actions, resources) = self.parts()?;
        let principals = match principal {
            Some(Value::String(star)) => vec![("AWS".to_string(), star)],
            Some(Value::Object(map)) => map
                .iter()
                .flat_map(|(kind, ids)| strings(ids).into_iter().map(|id| (kind.clone(), id)))
                .collect(),
            _ => Vec::new(),
        };
        Ok(Statement {
            effect,
            actions,
            resources,
            principals,
            condition,
        })
    }
}

/// A string or a list of strings (IAM allows either); a list or an object (for `Statement`).
struct OneOrMany<T>(Vec<T>);

impl<T> Default for OneOrMany<T> {
    fn default() -> Self {
        OneOrMany(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Visit<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("one value or a list")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(x) = seq.next_element()? {
                    out.push(x);
                }
                Ok(OneOrMany(out))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                T::deserialize(serde::de::value::StrDeserializer::new(v))
                    .map(|x| OneOrMany(vec![x]))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Self::Value, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(|x| OneOrMany(vec![x]))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(OneOrMany(Vec::new()))
            }
        }
        d.deserialize_any(Visit(std::marker::PhantomData))
    }
}

/// A string or a list of strings.
fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

/// Statements of an `aws_iam_policy_document` data source from the planned value of its
/// `statement` blocks, where the `json` is unknown but the blocks are (partly) known. `unknown`
/// is their `after_unknown` shape.
pub(crate) fn from_blocks(blocks: &Value, unknown: &Value) -> Option<Vec<Statement>> {
    let blocks = blocks.as_array()?;
    let unknown_blocks = unknown.as_array();
    let mut out = Vec::new();
    for (i, b) in blocks.iter().enumerate() {
        let u = unknown_blocks
            .and_then(|l| l.get(i))
            .unwrap_or(&Value::Null);
        let is_unknown = |k: &str| u.get(k).is_some_and(crate::model::any_true);
        let effect = match b.get("effect").and_then(Value::as_str) {
            Some("Deny") => Effect::Deny,
            _ => Effect::Allow,
        };
        let list = |k: &str| b.get(k).map(strings).unwrap_or_default();
        let actions = if is_unknown("actions") || is_unknown("not_actions") {
            Actions::Unknown
        } else if !list("not_actions").is_empty() {
            Actions::NotAction(list("not_actions"))
        } else {
            Actions::Action(list("actions"))
        };
        let resources = if is_unknown("resources") || is_unknown("not_resources") {
            Resources::Unknown
        } else if !list("not_resources").is_empty() {
            Resources::NotResource(list("not_resources"))
        } else {
            Resources::Resource(list("resources"))
        };
        let principals = principals_from_blocks(b.get("principals"));
        let condition = b
            .get("condition")
            .filter(|c| c.as_array().is_some_and(|l| !l.is_empty()))
            .cloned();
        out.push(Statement {
            effect,
            actions,
            resources,
            principals,
            condition,
        });
    }
    Some(out)
}

/// Statements of an `aws_iam_policy_document` from the configuration expressions of its
/// `statement` blocks, for when the data source is not in the change set. Only
/// `constant_value`s are known.
pub(crate) fn from_configuration(blocks: &Value) -> Option<Vec<Statement>> {
    let blocks = blocks.as_array()?;
    let mut out = Vec::new();
    for b in blocks {
        let constant = |k: &str| -> Option<Option<Vec<String>>> {
            let e = b.get(k)?;
            Some(e.get("constant_value").map(strings))
        };
        let effect = match b
            .get("effect")
            .and_then(|e| e.get("constant_value"))
            .and_then(Value::as_str)
        {
            Some("Deny") => Effect::Deny,
            _ => Effect::Allow,
        };
        let actions = match (constant("actions"), constant("not_actions")) {
            (_, Some(Some(not))) => Actions::NotAction(not),
            (Some(Some(a)), _) => Actions::Action(a),
            (None, None) => Actions::Action(Vec::new()),
            _ => Actions::Unknown,
        };
        let resources = match (constant("resources"), constant("not_resources")) {
            (_, Some(Some(not))) => Resources::NotResource(not),
            (Some(Some(r)), _) => Resources::Resource(r),
            (None, None) => Resources::Resource(Vec::new()),
            _ => Resources::Unknown,
        };
        out.push(Statement {
            effect,
            actions,
            resources,
            principals: Vec::new(),
            condition: b.get("condition").cloned(),
        });
    }
    Some(out)
}

fn principals_from_blocks(v: Option<&Value>) -> Vec<PrincipalRef> {
    let Some(Value::Array(blocks)) = v else {
        return Vec::new();
    };
    blocks
        .iter()
        .flat_map(|b| {
            let kind = b
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("AWS")
                .to_string();
            b.get("identifiers")
                .map(strings)
                .unwrap_or_default()
                .into_iter()
                .map(move |id| (kind.clone(), id))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_string_and_list_forms() {
        let s = parse_text(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:*","Resource":"*"}}"#,
        )
        .expect("valid policy");
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].actions, Actions::Action(vec!["iam:*".to_string()]));
        assert!(s[0].resources.is_broad());
        let s = parse_text(
            r#"{"Statement":[{"Effect":"Deny","NotAction":["iam:*"],"NotResource":["arn:aws:s3:::x"],"Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}}]}"#,
        )
        .expect("valid policy");
        assert_eq!(s[0].effect, Effect::Deny);
        assert!(matches!(s[0].actions, Actions::NotAction(_)));
        assert!(s[0].condition.is_some());
    }

    #[test]
    fn bad_effect_is_an_error() {
        assert!(parse_text(r#"{"Statement":[{"Effect":"Maybe","Action":"*"}]}"#).is_err());
        assert!(parse_text("{not json").is_err());
    }

    #[test]
    fn broad_resources() {
        assert!(resource_is_broad("*"));
        assert!(resource_is_broad("arn:aws:iam::111122223333:role/*"));
        assert!(resource_is_broad("arn:aws:iam::111122223333:role/app-*"));
        assert!(resource_is_broad("arn:aws:logs:*:*:log-group:*"));
        assert!(resource_is_broad("arn:aws:logs:*:*:*"));
        assert!(resource_is_broad("arn:aws:s3:::*"));
        assert!(!resource_is_broad(
            "arn:aws:iam::*:role/AWS_Events_Invoke_Targets"
        ));
        assert!(!resource_is_broad(
            "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/lambda/app:*"
        ));
        assert!(!resource_is_broad("arn:aws:s3:::artifacts/*"));
        assert!(!resource_is_broad("arn:aws:s3:::artifacts"));
    }

    #[test]
    fn resources_scope() {
        assert!(Resources::Resource(vec!["*".into()]).is_broad());
        assert!(!Resources::Unknown.is_broad());
        assert!(Resources::Resource(vec![
            "arn:aws:s3:::a".into(),
            "arn:aws:logs:*:*:log-group:*".into()
        ])
        .is_broad());
        assert!(!Resources::Resource(vec![
            "arn:aws:logs:eu-west-1:111122223333:log-group:/app".into()
        ])
        .is_broad());
    }
}
