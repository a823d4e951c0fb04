//! Privilege: who holds what before and after the change, for every provider. The
//! provider-neutral engine ([`engine`]) reads each resource type as its extraction shape says
//! (`rulesets/<provider>/shapes.toml`); a [`Provider`] supplies the rest: its policy language,
//! how it names principals, its bundles of permissions and its pipeline identities.

/// A file of `rulesets/`, embedded: `(its path as errors name it, its contents)`.
macro_rules! ruleset_file {
    ($path:literal) => {
        (
            concat!("rulesets/", $path),
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/rulesets/", $path)),
        )
    };
}

pub(crate) mod aws;
pub(crate) mod azure;
pub(crate) mod engine;
pub(crate) mod github;
pub(crate) mod google;
pub(crate) mod kubernetes;

#[cfg(test)]
mod tests;

use crate::model::{Effect, Grant, PrincipalId, Unknown};
use crate::normalize::ChangeSet;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use serde_json::Value;

/// Every provider foureyes extracts grants for, in the order they are extracted. Adding one is
/// its module, its files under `rulesets/` and one line here (CONTRIBUTING.md, "Adding a
/// provider"); the meta-tests in `privilege/tests.rs` check that the rulesets name no other and
/// that fixtures exercise each.
pub(crate) static PROVIDERS: &[&dyn Provider] = &[
    &aws::Aws,
    &google::Google,
    &azure::Azure,
    &kubernetes::Kubernetes,
    &github::Github,
];

/// What is particular to one provider. What its resource types state (who is named where,
/// which attribute holds a document) is data, its shapes; this is the logic that data cannot
/// say.
pub(crate) trait Provider: Sync {
    /// The prefix of its principal ids (`aws:role/NAME`) and the `provider` of its rulesets.
    fn name(&self) -> &'static str;

    /// Its built-in ruleset files (grants, configuration, evidence): `(path, contents)`.
    fn rulesets(&self) -> &'static [(&'static str, &'static str)];

    /// Its extraction shapes: `(path, contents)` of `rulesets/<name>/shapes.toml`.
    fn shapes(&self) -> (&'static str, &'static str);

    /// The id of a principal of a kind, from its name as a resource names it.
    fn principal(&self, kind: &str, name: &str) -> PrincipalId {
        PrincipalId::new(format!("{}:{kind}/{name}", self.name()))
    }

    /// A principal as users write it (`--pipeline-principal`), if the provider recognises it
    /// as its own by its form (an ARN, a service-account email).
    fn parse_principal(&self, _text: &str) -> Option<PrincipalId> {
        None
    }

    /// A bare name no provider recognised by its form, if the provider takes such names (AWS
    /// takes them as role names). Asked only after every provider's [`Provider::parse_principal`].
    fn bare_principal(&self, _text: &str) -> Option<PrincipalId> {
        None
    }

    /// The identities the provider's configuration applies the change as.
    fn pipeline(&self, _set: &ChangeSet) -> Vec<Assumed> {
        Vec::new()
    }

    /// Read a document (a policy) given as text.
    fn document(&self, text: &str) -> Result<Vec<Statement>, String>;

    /// A data source's document read from its blocks, while its text is known only after
    /// apply: `blocks` is the planned value, `unknown` its `after_unknown` marks.
    fn document_from_blocks(&self, _blocks: &Value, _unknown: &Value) -> Option<Vec<Statement>> {
        None
    }

    /// A document given as structured values rather than text, keyed by attribute (a role
    /// definition's `permissions` blocks; a Key Vault access policy's permission lists), where
    /// the provider reads them.
    fn document_value(&self, _value: &Value) -> Option<Vec<Statement>> {
        None
    }

    /// A data source's document read from the expressions of its blocks in the configuration.
    fn document_from_configuration(&self, _blocks: &Value) -> Option<Vec<Statement>> {
        None
    }

    /// Who a trust document admits (without the hiding of sensitive names), each with whether
    /// a condition narrows it.
    fn trusted(&self, _text: &str) -> Result<Vec<(PrincipalId, bool)>, String> {
        Ok(Vec::new())
    }

    /// Whom a resource policy grants (given as text): each principal its Allow statements
    /// name, with the statement. Principals that are not identities a person controls (AWS
    /// service principals) are left out; denies only narrow, and are left out too.
    fn granted(&self, _text: &str) -> Result<Vec<(PrincipalId, Statement)>, String> {
        Ok(Vec::new())
    }

    /// The bindings of a document of bindings (Google's `policy_data`): each key (a role) with
    /// the members given it, as written (their kind may be in the value).
    fn bindings(&self, _text: &str) -> Result<Vec<Binding>, String> {
        Err("this provider has no documents of bindings".into())
    }

    /// A data source's document of bindings read from its blocks, while its text is known
    /// only after apply (`data.google_iam_policy`'s `binding` blocks): `blocks` is the planned
    /// value, `unknown` its `after_unknown` marks. `None` when a key is unknown.
    fn bindings_from_blocks(&self, _blocks: &Value, _unknown: &Value) -> Option<Vec<Binding>> {
        None
    }

    /// The principal a resource names by value as a grantee (`aws_lambda_permission`'s
    /// `principal`), if it is an identity (not a service).
    fn grantee(&self, _text: &str) -> Option<PrincipalId> {
        None
    }

    /// A bundle of permissions the provider defines (an AWS-managed policy, a predefined role),
    /// by the key that attaches it: its name as grants show it.
    fn bundle(&self, _key: &str) -> Option<String> {
        None
    }

    /// Whether a key attaches a bundle: [`Provider::bundle`] without naming it.
    fn is_bundle(&self, key: &str) -> bool {
        self.bundle(key).is_some()
    }

    /// What a bundle grants, by the name [`Provider::bundle`] gave it.
    fn bundle_statements(&self, _name: &str) -> Option<Vec<Statement>> {
        None
    }

    /// A key that attaches a document (a bundle, or a definition of the change set) as the
    /// provider compares keys: a key built from a template may name the same document in
    /// several ways (a Kubernetes RoleBinding names a ClusterRole in its namespace's terms).
    fn key(&self, key: String) -> String {
        key
    }

    /// Whether a principal of this provider stands for anyone: the public, or every
    /// authenticated identity (`aws:anyone`, Google's `allUsers`).
    fn is_public(&self, _id: &PrincipalId) -> bool {
        false
    }

    /// Whether a scope a resource names by value (`scope = { attribute }` in its shape, without
    /// `broad`) covers more than one resource: a project, a subscription, a namespace.
    fn broad_scope(&self, _scope: &str) -> bool {
        false
    }

    /// What to say of a document attached by a key that is neither a bundle nor defined in the
    /// change set; `sensitive` when the key is, which must then not show.
    fn missing(&self, key: &str, sensitive: bool) -> String {
        if sensitive {
            "a document whose key is sensitive is not in this change set".to_string()
        } else {
            format!("the document {key} is not in this change set")
        }
    }

    /// An action as the provider spells it, shown in grants.
    fn spell(&self, action: &str) -> String {
        action.trim().to_string()
    }

    /// Expand an action pattern of a ruleset against the provider's actions. Exact actions it
    /// does not know are kept as written (they may be newer).
    fn expand(&self, pattern: &str) -> Vec<String> {
        vec![pattern.to_string()]
    }

    /// Whether an exact action is one the provider knows: built-in rulesets that name another
    /// have a typo (checked by a meta-test; users' rulesets may name newer actions).
    #[cfg(test)]
    fn knows_action(&self, _action: &str) -> bool {
        true
    }
}

/// A text value of a provider's configuration, as the plan's configuration writes it: a
/// constant, or a root variable with the value the plan gives it (only the providers of the
/// root module, `key` without `:`, see root variables). With where it came from, to add to the
/// report's source (`var.NAME` or `var.NAME, sensitive`), and whether it is sensitive.
pub(crate) fn configured_text<'a>(
    input: &'a crate::normalize::Input,
    key: &str,
    expression: &'a Value,
) -> Option<(&'a str, Option<String>, bool)> {
    match expression.get("constant_value") {
        Some(Value::String(text)) => Some((text.as_str(), None, false)),
        Some(_) => None,
        None => {
            let var = root_variable(expression).filter(|_| !key.contains(':'))?;
            let Some(Value::String(text)) = input.variables.get(var) else {
                return None;
            };
            let sensitive = input
                .configuration
                .root_module
                .variables
                .get(var)
                .is_some_and(|v| v.sensitive);
            let from = if sensitive {
                format!("var.{var}, sensitive")
            } else {
                format!("var.{var}")
            };
            Some((text.as_str(), Some(from), sensitive))
        }
    }
}

/// The root variable an expression is, if it is one and nothing else (`var.role_arn`).
fn root_variable(expression: &Value) -> Option<&str> {
    let refs = expression.get("references")?.as_array()?;
    let [only] = refs.as_slice() else {
        return None;
    };
    let name = only.as_str()?.strip_prefix("var.")?;
    (!name.contains(['.', '['])).then_some(name)
}

/// The provider of this name, if one is registered.
pub(crate) fn provider(name: &str) -> Option<&'static dyn Provider> {
    PROVIDERS.iter().copied().find(|p| p.name() == name)
}

/// The index in [`PROVIDERS`] of the provider a principal belongs to (`aws:role/x` → AWS).
pub(crate) fn provider_of(id: &PrincipalId) -> Option<usize> {
    let id = id.0.as_str();
    PROVIDERS.iter().position(|p| {
        id.strip_prefix(p.name())
            .is_some_and(|rest| rest.starts_with(':'))
    })
}

/// A pipeline principal as users write it: a provider's own form (an ARN, a service-account
/// email), a principal id, or a bare name (an AWS role name).
pub(crate) fn principal_id(text: &str) -> PrincipalId {
    let text = text.trim();
    if let Some(id) = PROVIDERS.iter().find_map(|p| p.parse_principal(text)) {
        return id;
    }
    // A principal id (`gcp:serviceAccount/…`) is taken as written.
    if provider_of(&PrincipalId::new(text)).is_some() {
        return PrincipalId::new(text);
    }
    PROVIDERS
        .iter()
        .find_map(|p| p.bare_principal(text))
        .unwrap_or_else(|| PrincipalId::new(text))
}

/// What a statement's actions are.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Actions {
    Action(Vec<String>),
    /// Every action except those matching these patterns.
    NotAction(Vec<String>),
    /// Known only after apply.
    Unknown,
}

/// One statement of a document, whatever the provider's policy language.
#[derive(Debug, Clone)]
pub(crate) struct Statement {
    pub(crate) effect: Effect,
    pub(crate) actions: Actions,
    /// The resources it applies to, as shown.
    pub(crate) scope: String,
    /// Whether the scope is broad: every resource, or every resource of a kind.
    pub(crate) broad: bool,
    /// Conditions narrow it: kept and shown, not evaluated.
    pub(crate) conditional: bool,
}

/// One binding of a document of bindings: a key (a role) given to members.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Binding {
    pub(crate) key: String,
    /// The members as the document names them.
    pub(crate) members: Vec<String>,
    /// A condition narrows it (kept and shown, not evaluated).
    pub(crate) conditional: bool,
    /// Some of its members are known only after apply (read from a data source's blocks).
    pub(crate) unknown_members: bool,
}

/// An identity a provider's configuration applies the change as.
#[derive(Debug, Clone)]
pub(crate) struct Assumed {
    pub(crate) id: PrincipalId,
    /// Where it was found, as the report says it.
    pub(crate) source: String,
    /// Its name is sensitive (it comes from a variable declared sensitive).
    pub(crate) sensitive: bool,
    /// Where it is set, as a principal name when its own is hidden: `provider.aws.assume_role`.
    pub(crate) place: String,
}

/// The grants of a change set before and after the change, and what could not be known.
#[derive(Debug, Default)]
pub(crate) struct Extraction {
    pub(crate) before: Vec<Grant>,
    pub(crate) after: Vec<Grant>,
    pub(crate) unknowns: Vec<Unknown>,
    /// Identities the change set is applied as, as found in provider configuration, with where
    /// they were found.
    pub(crate) pipeline: Vec<(PrincipalId, String)>,
    /// The principals whose privileges the change may alter: the ones to report. The grants
    /// above also cover principals needed to compute theirs (the roles they may assume).
    pub(crate) reported: HashSet<PrincipalId>,
    /// Principals whose names are sensitive, and the ids they go by instead.
    pub(crate) hidden: Hidden,
    /// Long-lived credentials the change issues or re-activates, each with its holder: the
    /// holders' grants are read (see [`Extraction::before`]) even when they do not change.
    pub(crate) issued: Vec<Issued>,
}

/// A long-lived credential a change issues, rotates or re-activates for a principal.
#[derive(Debug, Clone)]
pub(crate) struct Issued {
    pub(crate) holder: PrincipalId,
    /// The resource that issues it.
    pub(crate) via: crate::model::Text,
    /// What it is: "an access key".
    pub(crate) what: String,
}

/// Principals named somewhere in the change set by a value marked sensitive: for the id their
/// name would give, the id they go by instead, which holds none of the sensitive text (the
/// address of the resource that defines them, or of the place that names them).
///
/// NOTE: it is keyed by the name, not by where the name was read, so that every mention of
/// such a principal (sensitive or not, before or after the change) lands on the same id: the
/// principal is judged as one, and its name never shows.
#[derive(Debug, Default, Clone)]
pub(crate) struct Hidden(HashMap<PrincipalId, PrincipalId>);

impl Hidden {
    /// The id a principal goes by: its own, unless its name is sensitive.
    pub(crate) fn show(&self, id: PrincipalId) -> PrincipalId {
        match self.0.get(&id) {
            Some(shown) => shown.clone(),
            None => id,
        }
    }

    /// Hide a principal behind `shown`, unless it is hidden already (the first place wins).
    pub(crate) fn hide(&mut self, id: PrincipalId, shown: impl FnOnce() -> PrincipalId) {
        self.0.entry(id).or_insert_with(shown);
    }

    /// Whether a principal's name is sensitive.
    pub(crate) fn contains(&self, id: &PrincipalId) -> bool {
        self.0.contains_key(id)
    }

    /// Add another provider's hidden principals (ids of different providers never meet).
    pub(crate) fn extend(&mut self, other: Hidden) {
        for (id, shown) in other.0 {
            self.0.entry(id).or_insert(shown);
        }
    }
}
