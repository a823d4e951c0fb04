//! Extraction shapes: what each resource type of a provider states about principals (who is
//! named where, which attribute holds a document or the key of one, which lists hold members),
//! read from `rulesets/<provider>/shapes.toml` and validated.

use rustc_hash::FxHashMap as HashMap;
use serde::Deserialize;
use std::collections::BTreeMap;

/// One resource type's table as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawShape {
    #[serde(default)]
    principal: Option<RawDefines>,
    #[serde(default)]
    trust: Option<String>,
    #[serde(default)]
    own: Option<RawOwn>,
    #[serde(default)]
    holders: Vec<RawRef>,
    #[serde(default)]
    document: Option<OneOrMany<String>>,
    #[serde(default)]
    attaches: Option<OneOrMany<String>>,
    #[serde(default)]
    definition: Option<RawDefinition>,
    #[serde(default)]
    group: Option<RawRef>,
    #[serde(default)]
    member: Option<OneOrMany<RawRef>>,
    #[serde(default)]
    through: Option<String>,
    #[serde(default)]
    boundary: Vec<String>,
    #[serde(default)]
    resource_policy: Option<RawResourcePolicy>,
    #[serde(default)]
    grant: Option<RawGrant>,
    #[serde(default)]
    names: Vec<RawRef>,
    #[serde(default)]
    source: Option<RawSource>,
    #[serde(default)]
    credential: Option<RawCredential>,
    #[serde(default)]
    whole_membership: bool,
    #[serde(default)]
    conditional: Option<String>,
    #[serde(default)]
    assumes: Option<RawAssumes>,
    #[serde(default)]
    authoritative: Option<RawAuthoritative>,
    #[serde(default)]
    bindings: Option<RawBindings>,
    #[serde(default)]
    admits: Option<RawAdmits>,
    #[serde(default)]
    scope: Option<RawScope>,
    #[serde(default)]
    keys: Vec<String>,
}

/// Trust granted by another resource: `trusted` may act as `principal`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAdmits {
    principal: RawRef,
    trusted: RawRef,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAssumes {
    attribute: String,
    kind: String,
    actions: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAuthoritative {
    on: String,
    #[serde(default)]
    per_key: bool,
    over: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBindings {
    document: String,
    kind: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScope {
    attribute: String,
    #[serde(default)]
    broad: Option<bool>,
    #[serde(default)]
    actions: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCredential {
    attribute: String,
    kind: String,
    what: String,
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    active: Option<RawActive>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawActive {
    attribute: String,
    value: String,
}

/// One table, or a list of them.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<T> OneOrMany<T> {
    fn as_slice(&self) -> &[T] {
        match self {
            OneOrMany::One(one) => std::slice::from_ref(one),
            OneOrMany::Many(many) => many,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawResourcePolicy {
    document: String,
    on: String,
    #[serde(default)]
    only_configured: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGrant {
    principal: String,
    action: String,
    on: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWhen {
    attribute: String,
    equals: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDefines {
    kind: String,
    name: String,
    #[serde(default)]
    id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOwn {
    #[serde(default)]
    inline: Option<String>,
    #[serde(default)]
    document: Option<String>,
    #[serde(default)]
    attached: Option<String>,
    #[serde(default)]
    only_configured: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRef {
    attribute: String,
    kind: String,
    #[serde(default)]
    kind_in_value: bool,
    #[serde(default)]
    list: bool,
    #[serde(default)]
    when: Option<RawWhen>,
    #[serde(default)]
    blocks: Option<String>,
    #[serde(default)]
    qualifier: Option<String>,
    #[serde(default)]
    key: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDefinition {
    key: String,
    document: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    computed_when: Option<String>,
    #[serde(default)]
    selects: Option<RawSelects>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSelects {
    selectors: String,
    labels: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    text: String,
    #[serde(default)]
    blocks: Option<String>,
    #[serde(default)]
    members: Option<String>,
}

/// The principal a resource is: `aws_iam_role` is an `aws:role/NAME`.
#[derive(Debug, Clone)]
pub(crate) struct Defines {
    /// The KIND of `PROVIDER:KIND/NAME`.
    pub(crate) kind: String,
    /// The attribute that holds its name.
    pub(crate) name: String,
    /// An attribute whose value other resources may name it by instead of its name (a GitHub
    /// team's numeric `id`, which `team_id` holds): the principal still goes by its name.
    pub(crate) id: Option<String>,
}

/// An attribute that names principals of one kind.
#[derive(Debug, Clone)]
pub(crate) struct Ref {
    pub(crate) attribute: String,
    pub(crate) kind: String,
    /// A list of names rather than one.
    pub(crate) list: bool,
    /// The kind is in the value (`serviceAccount:x@p.iam.gserviceaccount.com`): the provider
    /// reads it from the name (`Provider::principal` receives `kind` as written here), and a
    /// name known only after apply is followed to whatever principal the reference names.
    pub(crate) kind_in_value: bool,
    /// The resource type that defines principals of this kind: where a name known only after
    /// apply is looked for (empty when the kind is in the value).
    pub(crate) defined_by: String,
    /// The attribute of that type that holds the name.
    pub(crate) name: String,
    /// It names a principal only where another attribute has this value (an assignment's
    /// `principal_type` says whether `principal_id` is a user or a group).
    pub(crate) when: Option<(String, String)>,
    /// The principals are named in blocks of this attribute, one each (a Kubernetes binding's
    /// `subject` blocks, a vault's `access_policy` blocks): `attribute` and `when` are then
    /// read in each block.
    pub(crate) blocks: Option<String>,
    /// Another attribute that qualifies the name: the provider receives `QUALIFIER[NAME]` (a
    /// federated credential's `issuer` and `subject`).
    pub(crate) qualifier: Option<String>,
    /// The value is this attribute of the defining resource, not its name (a federated
    /// credential names its identity by resource `id`): the defining resource of the change
    /// set with that value is the principal.
    pub(crate) key: Option<String>,
}

/// The documents a principal holds by its own attributes (a role's `inline_policy` blocks and
/// `managed_policy_arns`).
#[derive(Debug, Clone)]
pub(crate) struct Own {
    /// A list of blocks, each with its document under `document`.
    pub(crate) inline: Option<String>,
    pub(crate) document: String,
    /// A list of keys of documents (ARNs of policies).
    pub(crate) attached: Option<String>,
    /// Read only where the configuration sets them: the provider mirrors into them what is
    /// attached separately.
    pub(crate) only_configured: bool,
}

/// A document others attach by key (a customer-managed policy, attached by ARN): a change to
/// it changes what every holder holds.
#[derive(Debug, Clone)]
pub(crate) struct Definition {
    /// The attribute others attach it by.
    pub(crate) key: String,
    /// The attribute that holds the document.
    pub(crate) document: String,
    /// The attribute others attach it by name, where they may (a permission set names a
    /// customer-managed policy of its target account by name).
    pub(crate) name: Option<String>,
    /// Where this attribute is set, the platform computes the document (an aggregated
    /// Kubernetes cluster role's rules): it is known only after apply.
    pub(crate) computed_when: Option<String>,
    /// How the platform computes it: the union of the definitions whose labels match one of
    /// its label selectors (an aggregated cluster role's `cluster_role_selectors`).
    pub(crate) selects: Option<Selects>,
}

/// Label selectors that choose other definitions by their labels.
#[derive(Debug, Clone)]
pub(crate) struct Selects {
    /// The list of selectors, each `{ match_labels, match_expressions }`.
    pub(crate) selectors: String,
    /// Where a definition's labels are (a map).
    pub(crate) labels: String,
}

/// A data source that renders a document (`aws_iam_policy_document`), followed from a document
/// known only after apply.
#[derive(Debug, Clone)]
pub(crate) struct Source {
    /// The rendered document.
    pub(crate) text: String,
    /// The blocks it is rendered from, read while the text is unknown.
    pub(crate) blocks: Option<String>,
    /// The attribute of each block that names its members (a binding's `members`): followed
    /// through the configuration to the principals it references while they are unknown.
    pub(crate) members: Option<String>,
}

/// A long-lived credential of a principal (an access key, a console password): issuing or
/// rotating one gives whoever holds it everything the principal holds.
#[derive(Debug, Clone)]
pub(crate) struct Credential {
    /// Who it belongs to.
    pub(crate) holder: Ref,
    /// What it is, as a sentence names it: "an access key".
    pub(crate) what: String,
    /// The attribute and value that say it is in use (`status = "Active"`): turning it to that
    /// value re-issues it.
    pub(crate) active: Option<(String, String)>,
}

/// Group membership: every `member` belongs to every `group`, and holds what it holds.
#[derive(Debug, Clone)]
pub(crate) struct Membership {
    pub(crate) group: Ref,
    pub(crate) member: Ref,
    /// How a member's grants say they reach it: `{group}`, `{address}` and `{ATTRIBUTE}` are
    /// replaced (`member of {group} ({address})`).
    pub(crate) through: String,
}

/// The default of [`Membership::through`].
pub(crate) const MEMBER_OF: &str = "member of {group} ({address})";

/// A resource policy: its statements grant the principals they name, on the resource.
#[derive(Debug, Clone)]
pub(crate) struct ResourcePolicy {
    /// The attribute that holds the document.
    pub(crate) document: String,
    /// The attribute that names the resource it governs: the scope of statements that name
    /// no other (a key policy's `Resource: "*"` is the key).
    pub(crate) on: String,
    /// Read only where the configuration sets it: the provider fills a default otherwise.
    pub(crate) only_configured: bool,
}

/// One permission given to one principal, named by value (`aws_lambda_permission`).
#[derive(Debug, Clone)]
pub(crate) struct OneGrant {
    /// The attribute that names the principal, as the provider's resource policies do.
    pub(crate) principal: String,
    pub(crate) action: String,
    /// The attribute that names the resource.
    pub(crate) on: String,
}

/// Trust granted by another resource: the holders may act as the principal an attribute names
/// (and hold what it holds) when what they are given allows one of `actions`
/// (`google_service_account_iam_member` granting `iam.serviceAccounts.getAccessToken`).
#[derive(Debug, Clone)]
pub(crate) struct Assumes {
    pub(crate) principal: Ref,
    /// Action patterns, any of which lets the holders act as the principal.
    pub(crate) actions: Vec<String>,
}

/// An authoritative resource: where it is in place, it replaces what resources of the `over`
/// types give on the same resource (the same value of `on`): all of it, or with `per_key`
/// only what they give by the same key (a binding replaces the members of one role).
#[derive(Debug, Clone)]
pub(crate) struct Authoritative {
    /// The attribute that names the resource whose grants it replaces, the same in `over`.
    pub(crate) on: String,
    pub(crate) per_key: bool,
    pub(crate) over: Vec<String>,
}

/// A document of bindings (Google's `policy_data`): each binding gives the bundle or
/// definition of its key to its members, read by [`crate::privilege::Provider::bindings`].
#[derive(Debug, Clone)]
pub(crate) struct Bindings {
    pub(crate) document: String,
    /// The kind its members are named as (their kind may be in the value).
    pub(crate) member: Ref,
}

/// Where the grants a resource gives its holders apply: the value of an attribute (a Google
/// binding's `project`, an Azure assignment's `scope`), instead of what the document says.
#[derive(Debug, Clone)]
pub(crate) struct Scope {
    pub(crate) attribute: String,
    /// Whether that scope is broad (a project, a subscription); unset: the provider says, by
    /// the value (`Provider::broad_scope`).
    pub(crate) broad: Option<bool>,
    /// The only actions a grant on such a resource can give (a role given on a BigQuery
    /// dataset gives its `bigquery.*` permissions there, nothing else); empty: all.
    pub(crate) actions: Vec<String>,
}

/// How to read one resource type: what it states about principals.
#[derive(Debug, Clone, Default)]
pub(crate) struct Shape {
    /// The resource is a principal.
    pub(crate) principal: Option<Defines>,
    /// The principal's trust document: whoever it admits may assume the principal and holds
    /// what it holds.
    pub(crate) trust: Option<String>,
    /// The principal's own documents.
    pub(crate) own: Option<Own>,
    /// The principals the resource gives a document to (in this order).
    pub(crate) holders: Vec<Ref>,
    /// The attribute that holds the document given to the holders.
    pub(crate) document: Option<String>,
    /// The attribute that holds the key of the document given to the holders: a bundle the
    /// provider defines (an AWS-managed policy) or a definition of the change set.
    pub(crate) attaches: Option<String>,
    pub(crate) definition: Option<Definition>,
    pub(crate) membership: Vec<Membership>,
    /// Where the key of a permissions boundary is (the first path present): the principal's
    /// own, or the holders'. Paths go into blocks (`permissions_boundary.0.managed_policy_arn`).
    pub(crate) boundary: Vec<String>,
    pub(crate) resource_policy: Option<ResourcePolicy>,
    pub(crate) grant: Option<OneGrant>,
    /// Attributes that name principals without giving them anything (an access key's user):
    /// read when the resource changes, to know whether those names are sensitive.
    pub(crate) names: Vec<Ref>,
    pub(crate) source: Option<Source>,
    pub(crate) credential: Option<Credential>,
    /// Its membership is the whole of its groups' (`github_team_members`): applying it removes
    /// every member it does not list, however they were added.
    pub(crate) whole_membership: bool,
    /// Where this attribute is set, the grants the resource gives its holders are conditional
    /// (an IAM condition block, an Azure role assignment's `condition`): shown, not evaluated.
    pub(crate) conditional: Option<String>,
    pub(crate) assumes: Option<Assumes>,
    pub(crate) authoritative: Option<Authoritative>,
    pub(crate) bindings: Option<Bindings>,
    /// Where an authoritative resource replaces what this type gives: the attribute that names
    /// the resource (set from the authoritative types' `over`).
    pub(crate) replaced_on: Option<String>,
    /// Further attributes of the document given to the holders, read together with
    /// `document` as values (`Provider::document_value`): a Key Vault access policy's key,
    /// secret and certificate permission lists.
    pub(crate) document_with: Vec<String>,
    /// Further paths of the key of the document given to the holders, after `attaches`: the
    /// first that is set is read (a role assignment names its role by id or by name).
    pub(crate) attaches_else: Vec<String>,
    /// Trust granted by this resource: the `trusted` principals may act as `principal` and
    /// hold what it holds (a federated identity credential of a managed identity).
    pub(crate) admits: Option<Admits>,
    /// Where the grants given to the holders apply.
    pub(crate) scope: Option<Scope>,
    /// Other attributes that name this principal (`keys = [...]`: the client id a provider
    /// block authenticates with), and those references of other types name it by (`key`): read
    /// even when the resource does not change.
    pub(crate) keys: Vec<String>,
}

/// Trust granted by a resource other than the principal itself.
#[derive(Debug, Clone)]
pub(crate) struct Admits {
    /// Who may be acted as.
    pub(crate) principal: Ref,
    /// Who may act as it.
    pub(crate) trusted: Ref,
}

impl Shape {
    /// Every path that holds the key of the document given to the holders, in order.
    pub(crate) fn attaches_paths(&self) -> impl Iterator<Item = &String> {
        self.attaches.iter().chain(&self.attaches_else)
    }

    /// Whether the resource states grants of the principal it is (a role's trust and own
    /// policies), not only its name (a user).
    pub(crate) fn grants_itself(&self) -> bool {
        self.principal.is_some()
            && (self.trust.is_some() || self.own.is_some() || !self.boundary.is_empty())
    }

    /// Every attribute that names principals: holders, then membership, then mentions.
    pub(crate) fn naming(&self) -> impl Iterator<Item = &Ref> {
        let membership = self
            .membership
            .iter()
            .flat_map(|m| [&m.group, &m.member].into_iter());
        let admits = self
            .admits
            .iter()
            .flat_map(|a| [&a.principal, &a.trusted].into_iter());
        self.holders
            .iter()
            .chain(membership)
            .chain(&self.names)
            .chain(self.credential.iter().map(|c| &c.holder))
            .chain(admits)
    }

    /// The attributes read of a changed resource (or a data source): all it names.
    pub(crate) fn changed_attributes(&self) -> Vec<&str> {
        let mut out = self.unchanged_attributes();
        out.extend(self.own.iter().filter_map(|o| o.inline.as_deref()));
        out.extend(self.document.as_deref());
        out.extend(self.document_with.iter().map(String::as_str));
        out.extend(self.definition.iter().map(|d| d.document.as_str()));
        out.extend(self.names.iter().map(Ref::read));
        if let Some(c) = &self.credential {
            out.push(&c.holder.attribute);
            out.extend(c.active.as_ref().map(|(a, _)| a.as_str()));
        }
        if let Some(s) = &self.source {
            out.push(&s.text);
            out.extend(s.blocks.as_deref());
        }
        out.extend(self.resource_policy.iter().map(|r| r.document.as_str()));
        out.extend(self.conditional.as_deref());
        let mut out: Vec<&str> = out.into_iter().flat_map(fields).map(top).collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The attributes read first of an unchanged resource: those that say whom it concerns,
    /// not the documents (read later, only for the principals the change touches).
    pub(crate) fn unchanged_attributes(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        out.extend(self.principal.iter().map(|p| p.name.as_str()));
        out.extend(self.principal.iter().filter_map(|p| p.id.as_deref()));
        out.extend(self.trust.as_deref());
        out.extend(self.own.iter().filter_map(|o| o.attached.as_deref()));
        out.extend(self.holders.iter().map(Ref::read));
        out.extend(self.attaches_paths().map(String::as_str));
        out.extend(self.conditional.as_deref());
        if let Some(a) = &self.admits {
            for r in [&a.principal, &a.trusted] {
                out.push(r.read());
                out.extend(r.qualifier.as_deref());
            }
        }
        out.extend(self.scope.iter().map(|s| s.attribute.as_str()));
        out.extend(self.keys.iter().map(String::as_str));
        out.extend(self.definition.iter().map(|d| d.key.as_str()));
        for m in &self.membership {
            out.push(m.group.read());
            out.push(m.member.read());
            out.extend(placeholders(&m.through));
        }
        let refs = self.holders.iter().chain(&self.names);
        let refs = refs.chain(self.membership.iter().flat_map(|m| [&m.group, &m.member]));
        out.extend(
            refs.filter(|r| r.blocks.is_none())
                .filter_map(|r| r.when.as_ref().map(|w| w.0.as_str())),
        );
        out.extend(self.boundary.iter().map(String::as_str));
        out.extend(self.definition.iter().filter_map(|d| d.name.as_deref()));
        out.extend(
            self.definition
                .iter()
                .filter_map(|d| d.computed_when.as_deref())
                .chain(
                    self.definition
                        .iter()
                        .filter_map(|d| d.selects.as_ref())
                        .flat_map(|s| [s.selectors.as_str(), s.labels.as_str()]),
                ),
        );
        if let Some(r) = &self.resource_policy {
            // NOTE: whom a resource policy concerns is in its document.
            out.push(&r.document);
            out.push(&r.on);
        }
        if let Some(g) = &self.grant {
            out.extend([g.principal.as_str(), g.action.as_str(), g.on.as_str()]);
        }
        out.extend(self.assumes.iter().map(|a| a.principal.attribute.as_str()));
        out.extend(self.authoritative.iter().map(|a| a.on.as_str()));
        out.extend(self.replaced_on.as_deref());
        // NOTE: whom a document of bindings concerns is in the document.
        out.extend(self.bindings.iter().map(|b| b.document.as_str()));
        let mut out: Vec<&str> = out.into_iter().flat_map(fields).map(top).collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The attributes that hold documents a reviewer reads as a diff when they change.
    pub(crate) fn documents(&self) -> impl Iterator<Item = &str> {
        self.document
            .as_deref()
            .into_iter()
            .chain(self.definition.iter().map(|d| d.document.as_str()))
            .chain(self.trust.as_deref())
            .chain(self.resource_policy.iter().map(|r| r.document.as_str()))
            .chain(self.bindings.iter().map(|b| b.document.as_str()))
    }
}

impl Ref {
    /// The top-level attribute it reads: its blocks, or its attribute.
    pub(crate) fn read(&self) -> &str {
        self.blocks.as_deref().unwrap_or(&self.attribute)
    }
}

/// Whether a name or key is a template of attributes (`{metadata.0.namespace}/{metadata.0.name}`)
/// rather than one attribute.
pub(crate) fn is_template(spec: &str) -> bool {
    spec.contains('{')
}

/// The attributes (or paths into blocks) a name or key reads: the placeholders of a template,
/// or the attribute itself.
pub(crate) fn fields(spec: &str) -> Vec<&str> {
    if !is_template(spec) {
        return vec![spec];
    }
    spec.split('{')
        .skip(1)
        .filter_map(|part| part.split_once('}').map(|(name, _)| name))
        .collect()
}

/// The top-level attribute of a path into blocks (`permissions_boundary.0.managed_policy_arn`).
fn top(path: &str) -> &str {
    path.split('.').next().unwrap_or(path)
}

/// The attributes a `through` text names: `{ATTRIBUTE}`, other than `{group}` and `{address}`.
pub(crate) fn placeholders(text: &str) -> impl Iterator<Item = &str> {
    text.split('{')
        .skip(1)
        .filter_map(|part| part.split_once('}').map(|(name, _)| name))
        .filter(|name| !matches!(*name, "group" | "address"))
}

/// A provider's shapes: resource types and data sources, by type.
///
/// NOTE: hashed, not a tree: every change of a big plan is looked up several times.
#[derive(Debug, Default)]
pub(crate) struct Shapes {
    pub(crate) resources: HashMap<String, Shape>,
    /// Data sources, by their type without `data.`.
    pub(crate) data: HashMap<String, Shape>,
}

impl Shapes {
    /// The shape of a change's type, if the provider reads it.
    pub(crate) fn get(&self, data: bool, kind: &str) -> Option<&Shape> {
        if data {
            self.data.get(kind)
        } else {
            self.resources.get(kind)
        }
    }

    /// Every type read, `data.` prefixed for data sources, with its shape, sorted by type.
    pub(crate) fn all(&self) -> Vec<(String, &Shape)> {
        let resources = self.resources.iter().map(|(k, s)| (k.clone(), s));
        let data = self.data.iter().map(|(k, s)| (format!("data.{k}"), s));
        let mut out: Vec<(String, &Shape)> = resources.chain(data).collect();
        out.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        out
    }
}

/// Read and validate a provider's shapes file; problems are added to `problems`, each naming
/// the file and the table.
pub(crate) fn load(name: &str, text: &str, problems: &mut Vec<String>) -> Shapes {
    let tables: BTreeMap<String, toml::Value> = match toml::from_str(text) {
        Ok(t) => t,
        Err(e) => {
            problems.push(format!("{name}: {}", super::one_line(&e.to_string())));
            return Shapes::default();
        }
    };
    let mut raw: Vec<(String, RawShape)> = Vec::new();
    for (kind, value) in tables {
        match RawShape::deserialize(value) {
            Ok(shape) => raw.push((kind, shape)),
            Err(e) => problems.push(format!(
                "{name}: [{kind}]: {}",
                super::one_line(&e.to_string())
            )),
        }
    }
    // Which type defines each kind of principal: references are followed to it.
    let mut definers: BTreeMap<&str, (&str, &str)> = BTreeMap::new();
    for (kind, shape) in &raw {
        if let Some(p) = &shape.principal {
            // NOTE: a resource and its `_v1` twin (Kubernetes) may define one kind by the same
            // name; the first defines it for references that are followed by type.
            let twin = |other: &str, named: &str| {
                named == p.name
                    && (other.strip_suffix("_v1") == Some(kind)
                        || kind.strip_suffix("_v1") == Some(other))
            };
            if let Some(&(other, named)) = definers.get(p.kind.as_str()) {
                if twin(other, named) {
                    continue;
                }
            }
            if let Some((other, _)) = definers.insert(&p.kind, (kind, &p.name)) {
                problems.push(format!(
                    "{name}: [{kind}]: principal kind \"{}\" is defined by [{other}] already",
                    p.kind
                ));
            }
        }
    }
    let mut out = Shapes::default();
    for (kind, shape) in &raw {
        let table = format!("{name}: [{kind}]");
        match validate(shape, &definers, kind.starts_with("data.")) {
            Ok(valid) => {
                match kind.strip_prefix("data.") {
                    Some(bare) => out.data.insert(bare.to_string(), valid),
                    None => out.resources.insert(kind.clone(), valid),
                };
            }
            Err(errors) => problems.extend(errors.into_iter().map(|e| format!("{table}: {e}"))),
        }
    }
    // What authoritative types replace: those types learn where (the attribute that names the
    // resource), so that they are read even when unchanged.
    let mut over: Vec<(String, String, String)> = Vec::new();
    for (kind, shape) in &out.resources {
        if let Some(a) = &shape.authoritative {
            over.extend(
                a.over
                    .iter()
                    .map(|t| (kind.clone(), t.clone(), a.on.clone())),
            );
        }
    }
    over.sort();
    for (kind, t, on) in over {
        match out.resources.get_mut(&t) {
            Some(s) if !s.holders.is_empty() => s.replaced_on = Some(on),
            _ => problems.push(format!(
                "{name}: [{kind}]: authoritative over [{t}], which is not a type with holders"
            )),
        }
    }
    // The attributes other types name principals by (`key`) are read of the defining type.
    let mut keys: Vec<(String, String)> = Vec::new();
    for shape in out.resources.values() {
        for r in shape.naming() {
            if let Some(key) = &r.key {
                keys.push((r.defined_by.clone(), key.clone()));
            }
        }
    }
    for (defined_by, key) in keys {
        if let Some(shape) = out.resources.get_mut(&defined_by) {
            if !shape.keys.contains(&key) {
                shape.keys.push(key);
            }
        }
    }
    out
}

/// Check one shape against the kinds the file defines.
fn validate(
    raw: &RawShape,
    definers: &BTreeMap<&str, (&str, &str)>,
    data: bool,
) -> Result<Shape, Vec<String>> {
    let mut errors = Vec::new();
    let mut reference = |r: &RawRef, field: &str| -> Option<Ref> {
        if r.attribute.is_empty() {
            errors.push(format!("{field}: the attribute is empty"));
        }
        if r.kind_in_value && r.key.is_some() {
            errors.push(format!(
                "{field}: key names the principal by an attribute of the type that defines its \
                 kind: not with kind_in_value"
            ));
        }
        match definers.get(r.kind.as_str()) {
            _ if r.kind_in_value => Some(Ref {
                attribute: r.attribute.clone(),
                kind: r.kind.clone(),
                list: r.list,
                kind_in_value: true,
                defined_by: String::new(),
                name: String::new(),
                when: None,
                blocks: r.blocks.clone(),
                qualifier: r.qualifier.clone(),
                key: None,
            }),
            Some((defined_by, name)) => Some(Ref {
                attribute: r.attribute.clone(),
                kind: r.kind.clone(),
                list: r.list,
                kind_in_value: false,
                defined_by: (*defined_by).to_string(),
                name: (*name).to_string(),
                when: None,
                blocks: r.blocks.clone(),
                qualifier: r.qualifier.clone(),
                key: r.key.clone(),
            }),
            None => {
                errors.push(format!(
                    "{field}: principal kind \"{}\" is defined by no resource type (a table \
                     with principal = {{ kind = \"{}\", name = ... }})",
                    r.kind, r.kind
                ));
                None
            }
        }
        .map(|mut reference| {
            reference.when = r
                .when
                .as_ref()
                .map(|w| (w.attribute.clone(), w.equals.clone()));
            reference.blocks = r.blocks.clone();
            reference
        })
    };
    let holders: Vec<Ref> = raw
        .holders
        .iter()
        .filter_map(|r| reference(r, "holders"))
        .collect();
    let names: Vec<Ref> = raw
        .names
        .iter()
        .filter_map(|r| reference(r, "names"))
        .collect();
    let credential = raw.credential.as_ref().and_then(|c| {
        let holder = reference(
            &RawRef {
                attribute: c.attribute.clone(),
                kind: c.kind.clone(),
                kind_in_value: false,
                list: false,
                when: None,
                blocks: None,
                qualifier: None,
                key: c.key.clone(),
            },
            "credential",
        )?;
        Some(Credential {
            holder,
            what: c.what.clone(),
            active: c
                .active
                .as_ref()
                .map(|a| (a.attribute.clone(), a.value.clone())),
        })
    });
    let assumes = raw.assumes.as_ref().and_then(|a| {
        let principal = reference(
            &RawRef {
                attribute: a.attribute.clone(),
                kind: a.kind.clone(),
                list: false,
                when: None,
                kind_in_value: false,
                blocks: None,
                qualifier: None,
                key: None,
            },
            "assumes",
        )?;
        Some(Assumes {
            principal,
            actions: a.actions.clone(),
        })
    });
    let bindings = raw.bindings.as_ref().and_then(|b| {
        let member = reference(
            &RawRef {
                attribute: b.document.clone(),
                kind: b.kind.clone(),
                list: true,
                when: None,
                kind_in_value: true,
                blocks: None,
                qualifier: None,
                key: None,
            },
            "bindings",
        )?;
        Some(Bindings {
            document: b.document.clone(),
            member,
        })
    });
    let admits = raw.admits.as_ref().and_then(|a| {
        let principal = reference(&a.principal, "admits");
        let trusted = reference(&a.trusted, "admits");
        Some(Admits {
            principal: principal?,
            trusted: trusted?,
        })
    });
    let group = raw.group.as_ref().and_then(|r| reference(r, "group"));
    let members: Vec<Ref> = raw
        .member
        .iter()
        .flat_map(OneOrMany::as_slice)
        .filter_map(|r| reference(r, "member"))
        .collect();
    if raw.group.is_some() != raw.member.is_some() {
        errors.push("group and member go together: one is missing".to_string());
    }
    if raw.through.is_some() && raw.group.is_none() {
        errors.push("through says how members hold what groups hold: group is missing".into());
    }
    let through = raw.through.clone().unwrap_or_else(|| MEMBER_OF.to_string());
    let membership: Vec<Membership> = group
        .into_iter()
        .flat_map(|group| {
            let through = through.clone();
            members.iter().map(move |member| Membership {
                group: group.clone(),
                member: member.clone(),
                through: through.clone(),
            })
        })
        .collect();
    let own = raw.own.as_ref().map(|o| Own {
        inline: o.inline.clone(),
        document: o.document.clone().unwrap_or_default(),
        attached: o.attached.clone(),
        only_configured: o.only_configured,
    });
    if let Some(o) = &raw.own {
        if o.inline.is_none() && o.attached.is_none() {
            errors.push("own: needs inline or attached".to_string());
        }
        if o.inline.is_some() != o.document.is_some() {
            errors.push("own: inline and document go together".to_string());
        }
    }
    if raw.principal.is_none() && (raw.trust.is_some() || raw.own.is_some()) {
        errors.push("trust and own belong to a principal: principal is missing".to_string());
    }
    if !raw.boundary.is_empty() && raw.principal.is_none() == raw.holders.is_empty() {
        errors.push("boundary belongs to a principal or to holders: one of them".to_string());
    }
    let documents = usize::from(raw.document.is_some())
        + usize::from(raw.attaches.is_some())
        + usize::from(!raw.boundary.is_empty() && raw.principal.is_none());
    match (raw.holders.is_empty(), documents) {
        (false, 1) | (true, 0) => {}
        (false, _) => {
            errors.push("holders need one of document, attaches or boundary".to_string());
        }
        (true, _) => errors.push("document and attaches need holders".to_string()),
    }
    let gives = !raw.holders.is_empty() || raw.bindings.is_some();
    if raw.assumes.is_some() && !gives {
        errors.push("assumes says what holders may act as: holders or bindings are missing".into());
    }
    if raw.conditional.is_some() && raw.holders.is_empty() {
        errors.push("conditional belongs to holders: holders are missing".into());
    }
    if raw.authoritative.is_some() && !gives {
        errors.push("authoritative replaces grants: holders or bindings are missing".into());
    }
    if raw.bindings.is_some() && !raw.holders.is_empty() {
        errors.push("bindings name their own members: holders go without them".into());
    }
    if raw.scope.is_some() && !gives {
        errors.push("scope says where what holders are given applies: holders are missing".into());
    }
    if data != raw.source.is_some() {
        errors.push(if data {
            "a data source is read only as a source = { text, blocks }".to_string()
        } else {
            "source is for data sources (\"data.TYPE\") only".to_string()
        });
    }
    let shape = Shape {
        principal: raw.principal.as_ref().map(|p| Defines {
            kind: p.kind.clone(),
            name: p.name.clone(),
            id: p.id.clone(),
        }),
        trust: raw.trust.clone(),
        own,
        holders,
        document: raw
            .document
            .as_ref()
            .and_then(|d| d.as_slice().first().cloned()),
        attaches: raw
            .attaches
            .as_ref()
            .and_then(|a| a.as_slice().first().cloned()),
        definition: raw.definition.as_ref().map(|d| Definition {
            key: d.key.clone(),
            document: d.document.clone(),
            name: d.name.clone(),
            computed_when: d.computed_when.clone(),
            selects: d.selects.as_ref().map(|s| Selects {
                selectors: s.selectors.clone(),
                labels: s.labels.clone(),
            }),
        }),
        membership,
        boundary: raw.boundary.clone(),
        resource_policy: raw.resource_policy.as_ref().map(|r| ResourcePolicy {
            document: r.document.clone(),
            on: r.on.clone(),
            only_configured: r.only_configured,
        }),
        grant: raw.grant.as_ref().map(|g| OneGrant {
            principal: g.principal.clone(),
            action: g.action.clone(),
            on: g.on.clone(),
        }),
        names,
        source: raw.source.as_ref().map(|s| Source {
            text: s.text.clone(),
            blocks: s.blocks.clone(),
            members: s.members.clone(),
        }),
        credential,
        whole_membership: raw.whole_membership,
        conditional: raw.conditional.clone(),
        assumes,
        authoritative: raw.authoritative.as_ref().map(|a| Authoritative {
            on: a.on.clone(),
            per_key: a.per_key,
            over: a.over.clone(),
        }),
        bindings,
        replaced_on: None,
        document_with: raw
            .document
            .iter()
            .flat_map(|d| d.as_slice().iter().skip(1).cloned())
            .collect(),
        attaches_else: raw
            .attaches
            .iter()
            .flat_map(|a| a.as_slice().iter().skip(1).cloned())
            .collect(),
        admits,
        scope: raw.scope.as_ref().map(|s| Scope {
            attribute: s.attribute.clone(),
            broad: s.broad,
            actions: s.actions.clone(),
        }),
        keys: raw.keys.clone(),
    };
    if !raw.keys.is_empty() && raw.principal.is_none() {
        errors.push("keys are other names of a principal: principal is missing".into());
    }
    if raw.conditional.is_some() && raw.holders.is_empty() {
        errors.push(
            "conditional says which grants of holders are conditional: holders is missing".into(),
        );
    }
    if shape.changed_attributes().is_empty() {
        errors.push("says nothing: name what the resource states".to_string());
    }
    if errors.is_empty() {
        Ok(shape)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        let mut problems = Vec::new();
        load("rulesets/x/shapes.toml", text, &mut problems);
        problems
    }

    #[test]
    fn errors_name_the_file_and_the_table() {
        let p =
            problems("[x_role]\nprincipal = { kind = \"role\", name = \"name\" }\nholderz = []\n");
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].starts_with("rulesets/x/shapes.toml: [x_role]: "),
            "{p:?}"
        );
        assert!(p[0].contains("holderz"), "{p:?}");

        let p = problems(
            "[x_role_policy]\nholders = [{ attribute = \"role\", kind = \"rol\" }]\ndocument = \"policy\"\n",
        );
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].starts_with(
                "rulesets/x/shapes.toml: [x_role_policy]: holders: principal kind \"rol\""
            ),
            "{p:?}"
        );

        let p = problems(
            "[x_role]\nprincipal = { kind = \"role\", name = \"name\" }\n\
             [x_attachment]\nholders = [{ attribute = \"role\", kind = \"role\" }]\n",
        );
        assert_eq!(
            p,
            ["rulesets/x/shapes.toml: [x_attachment]: holders need one of document, attaches or boundary"]
        );

        let p = problems("[\"data.x_document\"]\ndocument = \"json\"\n");
        assert!(
            p.iter()
                .any(|e| e.contains("[data.x_document]: a data source is read only as a source")),
            "{p:?}"
        );
        assert!(problems("not toml [")
            .iter()
            .all(|e| e.starts_with("rulesets/x/shapes.toml: ")));
    }

    /// A kind in the value needs no type to define it; a scope needs holders to scope.
    #[test]
    fn kinds_in_the_value_and_scopes() {
        let mut p = Vec::new();
        let shapes = load(
            "s.toml",
            "[x_account]\nprincipal = { kind = \"serviceAccount\", name = \"email\" }\n\
             [x_member]\nholders = [{ attribute = \"member\", kind = \"member\", kind_in_value = true }]\n\
             attaches = \"role\"\nscope = { attribute = \"project\", broad = true }\n\
             [x_bucket_member]\nholders = [{ attribute = \"member\", kind = \"member\", kind_in_value = true }]\n\
             attaches = \"role\"\nscope = { attribute = \"bucket\" }\n",
            &mut p,
        );
        assert!(p.is_empty(), "{p:?}");
        let member = &shapes.resources["x_member"];
        assert!(member.holders[0].kind_in_value);
        assert_eq!(member.holders[0].defined_by, "");
        let scope = member.scope.as_ref().expect("scoped");
        assert_eq!(
            (scope.attribute.as_str(), scope.broad),
            ("project", Some(true))
        );
        assert_eq!(
            shapes.resources["x_bucket_member"]
                .scope
                .as_ref()
                .expect("scoped")
                .broad,
            None
        );
        assert!(member.unchanged_attributes().contains(&"project"));

        let p = problems("[x_key]\nscope = { attribute = \"project\" }\nprincipal = { kind = \"k\", name = \"n\" }\n");
        assert!(p.iter().any(|e| e.contains("holders are missing")), "{p:?}");
    }

    /// Principals in blocks, documents of several attributes, keys tried in order, conditional
    /// grants, trust granted by another resource, and the other attributes a principal is
    /// named by (`key`, `keys`), which are then read of the defining type.
    #[test]
    fn blocks_lists_conditions_and_trust_from_another_resource() {
        let mut p = Vec::new();
        let shapes = load(
            "s.toml",
            "[x_identity]\nprincipal = { kind = \"identity\", name = \"principal_id\" }\n\
             keys = [\"client_id\"]\n\
             [x_vault]\nholders = [{ blocks = \"policy\", attribute = \"object_id\", kind = \"p\", kind_in_value = true }]\n\
             document = [\"secrets\", \"keys\"]\nscope = { attribute = \"id\", broad = false }\n\
             [x_assignment]\nholders = [{ attribute = \"principal_id\", kind = \"p\", kind_in_value = true }]\n\
             attaches = [\"role_id\", \"role_name\"]\nconditional = \"condition\"\n\
             [x_credential]\nadmits = { principal = { attribute = \"parent_id\", kind = \"identity\", key = \"id\" }, \
             trusted = { attribute = \"subject\", kind = \"federated\", kind_in_value = true, qualifier = \"issuer\" } }\n",
            &mut p,
        );
        assert!(p.is_empty(), "{p:?}");
        let vault = &shapes.resources["x_vault"];
        assert_eq!(vault.holders[0].blocks.as_deref(), Some("policy"));
        assert_eq!(vault.document.as_deref(), Some("secrets"));
        assert_eq!(vault.document_with, ["keys"]);
        assert_eq!(vault.unchanged_attributes(), ["id", "policy"]);
        let a = &shapes.resources["x_assignment"];
        assert_eq!(
            a.attaches_paths().collect::<Vec<_>>(),
            ["role_id", "role_name"]
        );
        assert_eq!(
            a.unchanged_attributes(),
            ["condition", "principal_id", "role_id", "role_name"]
        );
        let c = &shapes.resources["x_credential"];
        let admits = c.admits.as_ref().expect("admits");
        assert_eq!(admits.principal.defined_by, "x_identity");
        assert_eq!(admits.trusted.qualifier.as_deref(), Some("issuer"));
        assert_eq!(c.unchanged_attributes(), ["issuer", "parent_id", "subject"]);
        // The identity is read by the attribute the credential names it by, and its own key.
        assert_eq!(
            shapes.resources["x_identity"].unchanged_attributes(),
            ["client_id", "id", "principal_id"]
        );
        let p = problems("[x_thing]\nkeys = [\"id\"]\nnames = []\n");
        assert!(
            p.iter().any(|e| e.contains("principal is missing")),
            "{p:?}"
        );
        let p = problems(
            "[x_role]\nprincipal = { kind = \"role\", name = \"name\" }\n[x_a]\nconditional = \"c\"\n\
             names = [{ attribute = \"role\", kind = \"role\" }]\n",
        );
        assert!(p.iter().any(|e| e.contains("holders is missing")), "{p:?}");
    }

    /// An assignment names a user or a group by one attribute, told apart by another; its
    /// `through` text names the attributes it reads.
    #[test]
    fn members_may_be_told_apart_by_another_attribute() {
        let mut p = Vec::new();
        let shapes = load(
            "s.toml",
            "[x_set]\nprincipal = { kind = \"set\", name = \"arn\" }\n\
             [x_user]\nprincipal = { kind = \"user\", name = \"id\" }\n\
             [x_group]\nprincipal = { kind = \"group\", name = \"id\" }\n\
             [x_assignment]\ngroup = { attribute = \"set\", kind = \"set\" }\n\
             member = [\n\
               { attribute = \"who\", kind = \"group\", when = { attribute = \"type\", equals = \"GROUP\" } },\n\
               { attribute = \"who\", kind = \"user\", when = { attribute = \"type\", equals = \"USER\" } },\n\
             ]\nthrough = \"assigned {group} in {account} ({address})\"\n",
            &mut p,
        );
        assert!(p.is_empty(), "{p:?}");
        let a = &shapes.resources["x_assignment"];
        assert_eq!(a.membership.len(), 2);
        assert_eq!(a.membership[1].member.kind, "user");
        assert_eq!(
            a.membership[1].member.when,
            Some(("type".to_string(), "USER".to_string()))
        );
        assert_eq!(a.unchanged_attributes(), ["account", "set", "type", "who"]);
    }

    #[test]
    fn boundaries_resource_policies_and_one_grant() {
        let mut p = Vec::new();
        let shapes = load(
            "s.toml",
            "[x_role]\nprincipal = { kind = \"role\", name = \"name\" }\nboundary = [\"pb\"]\n\
             [x_boundary]\nholders = [{ attribute = \"role\", kind = \"role\" }]\n\
             boundary = [\"pb.0.arn\", \"pb.0.ref.0.name\"]\n\
             [x_bucket_policy]\nresource_policy = { document = \"policy\", on = \"bucket\" }\n\
             [x_permission]\ngrant = { principal = \"who\", action = \"action\", on = \"fn\" }\n",
            &mut p,
        );
        assert!(p.is_empty(), "{p:?}");
        assert!(shapes.resources["x_role"].grants_itself());
        assert_eq!(
            shapes.resources["x_boundary"].unchanged_attributes(),
            ["pb", "role"]
        );
        let policy = &shapes.resources["x_bucket_policy"];
        // Whom a resource policy concerns is in its document: read even when unchanged.
        assert_eq!(policy.unchanged_attributes(), ["bucket", "policy"]);
        assert_eq!(policy.documents().collect::<Vec<_>>(), ["policy"]);
        assert_eq!(
            shapes.resources["x_permission"].unchanged_attributes(),
            ["action", "fn", "who"]
        );

        let p = problems("[x_thing]\nboundary = [\"pb\"]\n");
        assert!(
            p.iter()
                .any(|e| e.contains("boundary belongs to a principal or to holders")),
            "{p:?}"
        );
        let p = problems(
            "[x_role]\nprincipal = { kind = \"role\", name = \"name\" }\n\
             [x_a]\nthrough = \"x\"\nnames = [{ attribute = \"role\", kind = \"role\" }]\n",
        );
        assert!(
            p.iter().any(|e| e.contains("through says how members")),
            "{p:?}"
        );
    }

    #[test]
    fn a_kind_is_defined_once() {
        let p = problems(
            "[x_role]\nprincipal = { kind = \"role\", name = \"name\" }\n\
             [x_other_role]\nprincipal = { kind = \"role\", name = \"id\" }\n",
        );
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].contains("is defined by [x_other_role] already"),
            "{p:?}"
        );
    }

    /// What a shape reads: all it names when the resource changes; when it does not, only
    /// whom it concerns (documents are read later, for the principals the change touches).
    #[test]
    fn unchanged_resources_read_whom_they_concern() {
        let mut p = Vec::new();
        let shapes = load(
            "s.toml",
            "[x_role]\nprincipal = { kind = \"role\", name = \"name\" }\ntrust = \"trust\"\n\
             own = { inline = \"inline\", document = \"policy\", attached = \"arns\" }\n\
             [x_role_policy]\nholders = [{ attribute = \"role\", kind = \"role\" }]\ndocument = \"policy\"\n\
             [x_key]\nnames = [{ attribute = \"role\", kind = \"role\" }]\n",
            &mut p,
        );
        assert!(p.is_empty(), "{p:?}");
        let role = &shapes.resources["x_role"];
        assert_eq!(
            role.changed_attributes(),
            ["arns", "inline", "name", "trust"]
        );
        assert_eq!(role.unchanged_attributes(), ["arns", "name", "trust"]);
        let policy = &shapes.resources["x_role_policy"];
        assert_eq!(policy.changed_attributes(), ["policy", "role"]);
        assert_eq!(policy.unchanged_attributes(), ["role"]);
        assert_eq!(policy.holders[0].defined_by, "x_role");
        let key = &shapes.resources["x_key"];
        assert!(key.unchanged_attributes().is_empty());
    }

    /// Google's IAM vocabulary: trust granted by another resource, authoritative resources
    /// (the types they replace learn where, and are read for it when unchanged), documents of
    /// bindings and conditions.
    #[test]
    fn trust_from_another_resource_authoritative_bindings_and_conditions() {
        let mut p = Vec::new();
        let shapes = load(
            "s.toml",
            "[x_account]\nprincipal = { kind = \"account\", name = \"email\" }\n\
             [x_member]\nholders = [{ attribute = \"member\", kind = \"member\", kind_in_value = true }]\n\
             attaches = \"role\"\nscope = { attribute = \"account\", actions = [\"iam.*\"] }\n\
             conditional = \"condition\"\n\
             assumes = { attribute = \"account\", kind = \"account\", actions = [\"iam.actAs\"] }\n\
             [x_policy]\nbindings = { document = \"policy_data\", kind = \"member\" }\n\
             scope = { attribute = \"account\" }\n\
             authoritative = { on = \"account\", over = [\"x_member\"] }\n",
            &mut p,
        );
        assert!(p.is_empty(), "{p:?}");
        let member = &shapes.resources["x_member"];
        assert_eq!(member.replaced_on.as_deref(), Some("account"));
        assert_eq!(member.conditional.as_deref(), Some("condition"));
        assert_eq!(
            member
                .assumes
                .as_ref()
                .map(|a| a.principal.defined_by.as_str()),
            Some("x_account")
        );
        assert_eq!(
            member.scope.as_ref().map(|s| s.actions.clone()),
            Some(vec!["iam.*".to_string()])
        );
        let policy = &shapes.resources["x_policy"];
        assert_eq!(policy.unchanged_attributes(), ["account", "policy_data"]);
        assert_eq!(policy.documents().collect::<Vec<_>>(), ["policy_data"]);

        let p = problems(
            "[x_policy]\nbindings = { document = \"d\", kind = \"member\" }\n\
             authoritative = { on = \"project\", over = [\"x_nothing\"] }\n",
        );
        assert!(
            p.iter()
                .any(|e| e.contains("authoritative over [x_nothing]")),
            "{p:?}"
        );
        let p = problems("[x_thing]\nconditional = \"condition\"\nnames = []\n");
        assert!(
            p.iter()
                .any(|e| e.contains("conditional belongs to holders")),
            "{p:?}"
        );
    }
}
