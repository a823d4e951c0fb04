//! AWS: IAM's policy language, principal names (`aws:role/NAME`, from names and ARNs), trust
//! policies, AWS-managed policies and the identity the provider assumes. What each IAM resource
//! type states is data: `rulesets/aws/shapes.toml`.

pub(crate) mod policy;

use self::policy::{Actions, Statement};
use super::{Assumed, Provider};
use crate::model::{Effect, PrincipalId};
use crate::normalize::ChangeSet;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

/// Every AWS action, one line per service (see `rulesets/aws/README.md`).
const ACTIONS: &str = include_str!("../../../rulesets/aws/actions.txt");

/// AWS-managed policies by ARN.
const MANAGED_POLICIES: &str = include_str!("../../../rulesets/aws/managed-policies.json");

/// The AWS provider (`hashicorp/aws`, and Pulumi's `aws` mapped onto it).
pub(crate) struct Aws;

impl Provider for Aws {
    fn name(&self) -> &'static str {
        "aws"
    }

    fn rulesets(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ruleset_file!("aws/grants.toml"),
            ruleset_file!("aws/stores.toml"),
        ]
    }

    fn shapes(&self) -> (&'static str, &'static str) {
        ruleset_file!("aws/shapes.toml")
    }

    /// `aws:KIND/NAME` from a name or an ARN (paths are dropped: IAM names are unique per
    /// account).
    fn principal(&self, kind: &str, name: &str) -> PrincipalId {
        let name = if name.starts_with("arn:") {
            name.rsplit('/').next().unwrap_or(name)
        } else {
            name
        };
        PrincipalId::new(format!("aws:{kind}/{name}"))
    }

    /// An IAM or STS ARN, or a bare name: a role's.
    fn parse_principal(&self, text: &str) -> Option<PrincipalId> {
        text.starts_with("arn:").then(|| from_arn(text)).flatten()
    }

    fn is_public(&self, id: &PrincipalId) -> bool {
        id.0.as_str() == "aws:anyone"
    }

    fn bare_principal(&self, text: &str) -> Option<PrincipalId> {
        (!text.contains(':')).then(|| PrincipalId::new(format!("aws:role/{text}")))
    }

    fn pipeline(&self, set: &ChangeSet) -> Vec<Assumed> {
        pipeline_principals(set)
    }

    fn document(&self, text: &str) -> Result<Vec<super::Statement>, String> {
        policy::parse_neutral(text)
    }

    fn document_from_blocks(
        &self,
        blocks: &Value,
        unknown: &Value,
    ) -> Option<Vec<super::Statement>> {
        policy::from_blocks(blocks, unknown).map(neutral)
    }

    fn document_from_configuration(&self, blocks: &Value) -> Option<Vec<super::Statement>> {
        policy::from_configuration(blocks).map(neutral)
    }

    fn trusted(&self, text: &str) -> Result<Vec<(PrincipalId, bool)>, String> {
        policy::parse_text(text).map(|statements| trusted_in(&statements))
    }

    /// Resource policies (bucket, key, secret, queue, topic, repository policies): `AWS`
    /// principals by ARN (`aws:role/NAME`, another account's root as `aws:account/ID`), `*` as
    /// `aws:anyone`. `Service` principals (`cloudtrail.amazonaws.com`) are AWS itself acting
    /// for the resource, and `Federated` ones only assume roles: both are left out.
    fn granted(&self, text: &str) -> Result<Vec<(PrincipalId, super::Statement)>, String> {
        let mut out = Vec::new();
        for s in policy::parse_text(text)? {
            if s.effect != Effect::Allow {
                continue;
            }
            let named: Vec<PrincipalId> = s
                .principals
                .iter()
                .filter(|(kind, _)| kind == "AWS")
                .filter_map(|(kind, id)| trusted_principal(kind, id, None))
                .collect();
            if named.is_empty() {
                continue;
            }
            let neutral = s.into_neutral();
            for id in named {
                out.push((id, neutral.clone()));
            }
        }
        Ok(out)
    }

    /// A Lambda permission's `principal`: an account id or ARN, or `*`; a service
    /// (`s3.amazonaws.com`) is left out.
    fn grantee(&self, text: &str) -> Option<PrincipalId> {
        let text = text.trim();
        if text.ends_with(".amazonaws.com") || text.ends_with(".amazonaws.com.cn") {
            return None;
        }
        trusted_principal("AWS", text, None)
    }

    /// An AWS-managed policy, by ARN in any partition: named by its ARN in the `aws` partition.
    fn bundle(&self, key: &str) -> Option<String> {
        managed_policy(key).map(|_| managed_arn(key))
    }

    fn is_bundle(&self, key: &str) -> bool {
        managed_policy(key).is_some()
    }

    /// What an AWS-managed policy states.
    fn bundle_statements(&self, name: &str) -> Option<Vec<super::Statement>> {
        managed_policy(name).and_then(|raw| policy::parse_neutral(raw.get()).ok())
    }

    fn missing(&self, arn: &str, sensitive: bool) -> String {
        match (arn.contains(":iam::aws:policy/"), sensitive) {
            (true, false) => format!("the AWS-managed policy {arn} is not in foureyes' table"),
            (true, true) => {
                "an AWS-managed policy whose ARN is sensitive is not in foureyes' table".into()
            }
            // A permission set names a customer-managed policy of its target account by name.
            (false, false) if !arn.starts_with("arn:") => format!(
                "the customer-managed policy named {arn} (in the target account) is not in this \
                 change set"
            ),
            (false, false) => format!("the policy {arn} is not in this change set"),
            (false, true) => "a policy whose ARN is sensitive is not in this change set".into(),
        }
    }

    fn spell(&self, action: &str) -> String {
        normalize_action(action)
    }

    fn expand(&self, pattern: &str) -> Vec<String> {
        expand(pattern)
    }

    #[cfg(test)]
    fn knows_action(&self, action: &str) -> bool {
        let Some((svc, name)) = action.split_once(':') else {
            return false;
        };
        actions()
            .get(&svc.to_ascii_lowercase())
            .is_some_and(|list| list.iter().any(|a| a.eq_ignore_ascii_case(name)))
    }
}

/// IAM statements as the engine reads them.
fn neutral(statements: Vec<Statement>) -> Vec<super::Statement> {
    statements
        .into_iter()
        .map(Statement::into_neutral)
        .collect()
}

/// The action universe of AWS: lowercase service prefix → action names.
fn actions() -> &'static BTreeMap<String, Vec<&'static str>> {
    static UNIVERSE: OnceLock<BTreeMap<String, Vec<&'static str>>> = OnceLock::new();
    UNIVERSE.get_or_init(|| {
        ACTIONS
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| l.split_once('\t'))
            .map(|(svc, actions)| (svc.to_ascii_lowercase(), actions.split(' ').collect()))
            .collect()
    })
}

/// Expand an action pattern against the universe, as `service:Action`. Exact actions that the
/// universe does not know are kept as written (they may be newer).
fn expand(pattern: &str) -> Vec<String> {
    let pattern = if pattern == "*:*" { "*" } else { pattern };
    let (svc, action) = pattern.split_once(':').unwrap_or((pattern, "*"));
    if !crate::glob::is_pattern(pattern) {
        if let Some(known) = actions()
            .get(&svc.to_ascii_lowercase())
            .and_then(|list| list.iter().find(|a| a.eq_ignore_ascii_case(action)))
        {
            return vec![format!("{}:{known}", svc.to_ascii_lowercase())];
        }
        return vec![pattern.to_string()];
    }
    let mut out = Vec::new();
    for (service, actions) in actions() {
        if !crate::glob::matches(svc, service) {
            continue;
        }
        for a in actions {
            if crate::glob::matches(action, a) {
                out.push(format!("{service}:{a}"));
            }
        }
    }
    out
}

/// The document of an AWS-managed policy, by ARN (any partition).
fn managed_policy(arn: &str) -> Option<&'static RawValue> {
    #[derive(Deserialize)]
    struct Entry<'a> {
        #[serde(borrow)]
        document: &'a RawValue,
    }
    static POLICIES: OnceLock<HashMap<&'static str, Entry<'static>>> = OnceLock::new();
    let policies = POLICIES.get_or_init(|| {
        // NOTE: the embedded file is checked by a test; an unreadable one is an empty table.
        serde_json::from_str(MANAGED_POLICIES).unwrap_or_default()
    });
    let rest = arn.strip_prefix("arn:")?;
    let (_partition, rest) = rest.split_once(':')?;
    let key = format!("arn:aws:{rest}");
    policies.get(key.as_str()).map(|e| e.document)
}

/// A managed policy's ARN in the `aws` partition, the form the table and the report use.
fn managed_arn(arn: &str) -> String {
    match arn.split_once(":iam::aws:policy/") {
        Some((_, name)) => format!("arn:aws:iam::aws:policy/{name}"),
        None => arn.to_string(),
    }
}

/// IAM action names are case-insensitive: show the service prefix in lowercase and the action
/// as AWS spells it, where it is known.
fn normalize_action(action: &str) -> String {
    let action = action.trim();
    if action == "*" || action == "*:*" {
        return "*".to_string();
    }
    if !crate::glob::is_pattern(action) {
        if let [one] = expand(action).as_slice() {
            return one.clone();
        }
    }
    match action.split_once(':') {
        Some((svc, rest)) => format!("{}:{rest}", svc.to_ascii_lowercase()),
        None => action.to_string(),
    }
}

/// The identities a trust policy lets assume its role, and whether a condition narrows it.
fn trusted_in(statements: &[Statement]) -> Vec<(PrincipalId, bool)> {
    let mut out = Vec::new();
    for s in statements
        .iter()
        .filter(|s| s.effect == Effect::Allow && assumes(s))
    {
        for (kind, id) in &s.principals {
            if let Some(trusted) = trusted_principal(kind, id, s.condition.as_ref()) {
                out.push((trusted, s.condition.is_some()));
            }
        }
    }
    out
}

/// Whether a trust statement lets principals assume the role.
fn assumes(s: &Statement) -> bool {
    match &s.actions {
        Actions::Action(list) => list.iter().any(|a| {
            [
                "sts:AssumeRole",
                "sts:AssumeRoleWithWebIdentity",
                "sts:AssumeRoleWithSAML",
            ]
            .iter()
            .any(|x| crate::glob::matches(a, x))
        }),
        Actions::NotAction(_) | Actions::Unknown => true,
    }
}

/// The principal id of an identity named in a trust policy. Service principals are left out:
/// a service assuming its own role is how AWS works, not an identity a person controls.
fn trusted_principal(kind: &str, id: &str, condition: Option<&Value>) -> Option<PrincipalId> {
    match kind {
        "AWS" => {
            if id == "*" {
                return Some(PrincipalId::new("aws:anyone"));
            }
            if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) {
                return Some(PrincipalId::new(format!("aws:account/{id}")));
            }
            Some(from_arn(id).unwrap_or_else(|| PrincipalId::new(format!("aws:principal/{id}"))))
        }
        "Federated" => {
            let name = id.rsplit_once(":oidc-provider/").map_or_else(
                || id.rsplit_once(":saml-provider/").map_or(id, |(_, n)| n),
                |(_, n)| n,
            );
            // Federated identities are told apart by the subjects the condition admits
            // (`repo:acme/infra:*` for GitHub Actions).
            let subjects = condition.map(subjects).unwrap_or_default();
            if subjects.is_empty() {
                Some(PrincipalId::new(format!("aws:federated/{name}")))
            } else {
                Some(PrincipalId::new(format!(
                    "aws:federated/{name}[{}]",
                    subjects.join("|")
                )))
            }
        }
        _ => None,
    }
}

/// The values a trust condition admits for a `...:sub` key (OIDC subjects).
fn subjects(condition: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for (op, keys) in condition.as_object().into_iter().flatten() {
        if !op.starts_with("String") {
            continue;
        }
        for (key, values) in keys.as_object().into_iter().flatten() {
            if !key.ends_with(":sub") {
                continue;
            }
            match values {
                Value::String(v) => out.push(v.clone()),
                Value::Array(list) => {
                    out.extend(list.iter().filter_map(|v| v.as_str().map(str::to_string)))
                }
                _ => {}
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The principal id of an IAM or STS ARN.
pub(crate) fn from_arn(arn: &str) -> Option<PrincipalId> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(_), Some(service), Some(_), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let (kind, rest) = resource.split_once('/').unwrap_or((resource, ""));
    match (service, kind) {
        ("iam", "root") => Some(PrincipalId::new(format!("aws:account/{account}"))),
        ("iam", "role" | "user" | "group") => {
            let name = rest.rsplit('/').next().unwrap_or(rest);
            Some(PrincipalId::new(format!("aws:{kind}/{name}")))
        }
        ("sts", "assumed-role") => {
            let name = rest.split('/').next().unwrap_or(rest);
            Some(PrincipalId::new(format!("aws:role/{name}")))
        }
        _ => None,
    }
}

/// The identities the AWS provider assumes (`assume_role.role_arn`): the pipeline identity when
/// none is configured. The ARN is a literal, or a root variable (whose value the plan holds).
fn pipeline_principals(set: &ChangeSet) -> Vec<Assumed> {
    let mut out: Vec<Assumed> = Vec::new();
    for input in &set.inputs {
        for (key, provider) in &input.configuration.provider_config {
            if provider.name != "aws" && !key.starts_with("aws") {
                continue;
            }
            let Some(expressions) = &provider.expressions else {
                continue;
            };
            for block in ["assume_role", "assume_role_with_web_identity"] {
                let blocks = match expressions.get(block) {
                    Some(Value::Array(list)) => list.iter().collect::<Vec<_>>(),
                    Some(obj @ Value::Object(_)) => vec![obj],
                    _ => continue,
                };
                for b in blocks {
                    let Some(expression) = b.get("role_arn") else {
                        continue;
                    };
                    let source = format!("{}: provider \"{key}\" {block}.role_arn", input.name);
                    let Some((arn, from, sensitive)) =
                        super::configured_text(input, key, expression)
                    else {
                        continue;
                    };
                    let source = match from {
                        Some(from) => format!("{source} ({from})"),
                        None => source,
                    };
                    if let Some(id) = from_arn(arn) {
                        if !out.iter().any(|a| a.id == id) {
                            out.push(Assumed {
                                id,
                                source,
                                sensitive,
                                place: format!("provider.{key}.{block}"),
                            });
                        }
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_become_principal_ids() {
        assert_eq!(
            from_arn("arn:aws:iam::111122223333:role/path/ci").map(|p| p.0.to_string()),
            Some("aws:role/ci".to_string())
        );
        assert_eq!(
            from_arn("arn:aws:sts::111122223333:assumed-role/ci/session").map(|p| p.0.to_string()),
            Some("aws:role/ci".to_string())
        );
        assert_eq!(
            from_arn("arn:aws:iam::111122223333:root").map(|p| p.0.to_string()),
            Some("aws:account/111122223333".to_string())
        );
        assert_eq!(from_arn("arn:aws:s3:::bucket"), None);
    }

    #[test]
    fn actions_take_aws_spelling() {
        assert_eq!(normalize_action("IAM:putrolepolicy"), "iam:PutRolePolicy");
        assert_eq!(normalize_action("IAM:Put*"), "iam:Put*");
        assert_eq!(normalize_action("*:*"), "*");
    }

    #[test]
    fn wildcards_expand_against_the_universe() {
        let put = expand("iam:Put*");
        assert!(put.contains(&"iam:PutRolePolicy".to_string()));
        assert!(put.contains(&"iam:PutUserPermissionsBoundary".to_string()));
        assert!(put.iter().all(|a| a.starts_with("iam:Put")));
        assert_eq!(expand("IAM:passrole"), vec!["iam:PassRole".to_string()]);
        assert!(expand("*").len() > 20_000);
    }

    #[test]
    fn every_managed_policy_document_is_read() {
        #[derive(Deserialize)]
        struct Entry {
            document: Box<RawValue>,
        }
        let map: HashMap<String, Entry> =
            serde_json::from_str(MANAGED_POLICIES).expect("embedded managed policies parse");
        let unreadable: Vec<String> = map
            .iter()
            .filter(|(_, e)| policy::parse_text(e.document.get()).is_err())
            .map(|(arn, _)| arn.clone())
            .collect();
        assert!(unreadable.is_empty(), "{unreadable:?}");
    }

    #[test]
    fn managed_policies_are_known_by_arn() {
        let map: HashMap<String, serde::de::IgnoredAny> =
            serde_json::from_str(MANAGED_POLICIES).expect("embedded managed policies parse");
        assert!(map.len() > 1000);
        assert!(managed_policy("arn:aws:iam::aws:policy/AdministratorAccess").is_some());
        assert!(managed_policy("arn:aws-us-gov:iam::aws:policy/AdministratorAccess").is_some());
        assert!(
            managed_policy("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
                .is_some()
        );
        assert!(managed_policy("arn:aws:iam::111122223333:policy/mine").is_none());
        assert_eq!(
            Aws.bundle("arn:aws-cn:iam::aws:policy/AdministratorAccess"),
            Some("arn:aws:iam::aws:policy/AdministratorAccess".to_string())
        );
    }

    /// Resource policies grant the identities they name; services act for the resource and
    /// denies only narrow, so neither becomes a grant.
    #[test]
    fn resource_policies_grant_identities_not_services() {
        let doc = r#"{"Statement":[
            {"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*"},
            {"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::444455556666:root","arn:aws:iam::444455556666:role/ops"]},"Action":"kms:*","Resource":"*"},
            {"Effect":"Allow","Principal":"*","Action":"sqs:SendMessage","Resource":"arn:aws:sqs:eu-west-1:1:q"},
            {"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}
        ]}"#;
        let granted: Vec<(String, String)> = Aws
            .granted(doc)
            .expect("a valid policy")
            .into_iter()
            .map(|(p, s)| (p.0.to_string(), s.scope))
            .collect();
        assert_eq!(
            granted,
            [
                ("aws:account/444455556666".to_string(), "*".to_string()),
                ("aws:role/ops".to_string(), "*".to_string()),
                (
                    "aws:anyone".to_string(),
                    "arn:aws:sqs:eu-west-1:1:q".to_string()
                ),
            ]
        );
        assert_eq!(Aws.grantee("s3.amazonaws.com"), None);
        assert_eq!(
            Aws.grantee("*").map(|p| p.0.to_string()),
            Some("aws:anyone".into())
        );
        assert_eq!(
            Aws.grantee("444455556666").map(|p| p.0.to_string()),
            Some("aws:account/444455556666".into())
        );
    }

    #[test]
    fn pipeline_principals_are_arns_names_or_ids() {
        let id = |t: &str| crate::privilege::principal_id(t).0.to_string();
        assert_eq!(id(" ci "), "aws:role/ci");
        assert_eq!(id("arn:aws:iam::111122223333:user/alice"), "aws:user/alice");
        assert_eq!(id("arn:aws:s3:::bucket"), "arn:aws:s3:::bucket");
        assert_eq!(id("github:user/octocat"), "github:user/octocat");
    }
}
