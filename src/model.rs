//! The domain types that flow between the pipeline stages.

use std::fmt;
use std::sync::Arc;

/// What a change does to one resource instance, in Terraform's vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Action {
    NoOp,
    Create,
    Read,
    Update,
    Delete,
    /// Delete and re-create; `create_first` for `create_before_destroy`.
    Replace {
        create_first: bool,
    },
    /// Removed from state without being destroyed (`removed` blocks with `destroy = false`).
    Forget,
    /// A new object is created and the old one forgotten (`["create","forget"]`).
    CreateForget,
}

impl Action {
    /// Map Terraform's `actions` array. Unknown combinations are treated like an update, so
    /// that both the old and the new object are looked at.
    pub(crate) fn from_terraform<S: AsRef<str>>(actions: &[S]) -> Action {
        let a: Vec<&str> = actions.iter().map(AsRef::as_ref).collect();
        match a.as_slice() {
            ["no-op"] | [] => Action::NoOp,
            ["create"] => Action::Create,
            ["read"] => Action::Read,
            ["update"] => Action::Update,
            ["delete"] => Action::Delete,
            ["delete", "create"] => Action::Replace {
                create_first: false,
            },
            ["create", "delete"] => Action::Replace { create_first: true },
            ["forget"] => Action::Forget,
            ["create", "forget"] => Action::CreateForget,
            _ => Action::Update,
        }
    }

    /// Whether an object exists before the change.
    pub(crate) fn has_before(self) -> bool {
        !matches!(self, Action::Create | Action::Read)
    }

    /// Whether an object exists after the change.
    pub(crate) fn has_after(self) -> bool {
        !matches!(self, Action::Delete | Action::Forget)
    }

    /// Whether this action changes anything at all.
    pub(crate) fn is_change(self) -> bool {
        !matches!(self, Action::NoOp | Action::Read)
    }
}

/// Before or after the change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Side {
    Before,
    After,
}

/// Shared text: grants repeat the same principals, scopes and addresses many times over, and a
/// change's address, type and actions are shared by everything said about it. Reads as a `str`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub(crate) struct Text(std::sync::Arc<str>);

impl Text {
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for Text {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text(s.into())
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        Text(s.into())
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

/// Terraform's `actions` of a change, as written (`["delete", "create"]`); the few lists that
/// exist are shared by every change.
pub(crate) type Actions = std::sync::Arc<[Text]>;

/// A principal id in the form `PROVIDER:KIND/NAME` (`aws:role/ci-deployer`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct PrincipalId(pub(crate) Text);

impl PrincipalId {
    pub(crate) fn new(id: impl Into<Text>) -> PrincipalId {
        PrincipalId(id.into())
    }
}

impl fmt::Display for PrincipalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Allow or Deny.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Effect {
    Allow,
    Deny,
}

/// What a grant permits: an action pattern, everything but some patterns, or something not
/// known until apply.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Permission {
    /// An action pattern such as `iam:PutRolePolicy`, `iam:Put*` or `*`.
    Action(Text),
    /// `NotAction`: every action except those matching these patterns.
    NotAction(Vec<String>),
    /// Everything a bundle the provider defines grants, by name: an AWS-managed policy by ARN
    /// (`arn:aws:iam::aws:policy/...`). Kept whole rather than one grant per action: the delta
    /// then reads "gains AdministratorAccess".
    Managed(Text),
    /// `sts:AssumeRole` of a role whose trust policy admits the principal: it holds what the
    /// role holds, without the role's grants being copied to it.
    Assume(PrincipalId),
    /// The permission cannot be known from the plan; the text says what is unknown.
    Unknown(String),
}

/// The most patterns a `NotAction` permission's text names.
const NOT_ACTION_SHOWN: usize = 8;

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Permission::Action(a) => f.write_str(a),
            // NOTE: a permissions boundary's allowed actions can run to hundreds (ReadOnlyAccess):
            // the grant keeps them all, its text names the first few.
            Permission::NotAction(list) if list.len() > NOT_ACTION_SHOWN => write!(
                f,
                "all actions except {} and {} more",
                list[..NOT_ACTION_SHOWN].join(", "),
                list.len() - NOT_ACTION_SHOWN
            ),
            Permission::NotAction(list) => write!(f, "all actions except {}", list.join(", ")),
            Permission::Managed(arn) => f.write_str(arn),
            Permission::Assume(role) if role.0.starts_with("aws:") => f.write_str("sts:AssumeRole"),
            // Another provider's trust: a service account's impersonation.
            Permission::Assume(_) => f.write_str("act as"),
            Permission::Unknown(what) => write!(f, "unknown: {what}"),
        }
    }
}

/// A principal holds a permission on a scope, via one resource of the change set.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Grant {
    pub(crate) principal: PrincipalId,
    pub(crate) effect: Effect,
    pub(crate) permission: Permission,
    /// The resources the permission applies to (`*`, ARNs, or a description when unknown).
    pub(crate) scope: Text,
    /// Whether the scope is broad (`*`, a wildcard over a resource type, `NotResource`).
    pub(crate) broad: bool,
    /// The statement has conditions: kept and shown, not evaluated.
    pub(crate) conditional: bool,
    /// The resource address that creates this grant.
    pub(crate) via: Text,
    /// How the grant reaches the principal when not directly (group membership, role trust,
    /// the attachment of a policy).
    pub(crate) through: Option<Text>,
    /// The principal this grant is passed on from (a group to its members, a role to whoever
    /// may assume it).
    pub(crate) from: Option<PrincipalId>,
    /// The grant comes from a value marked sensitive: never print its permission or scope.
    pub(crate) sensitive: bool,
}

impl Grant {
    /// What makes two grants the same permission for the privilege delta: the same grant
    /// reached through another resource is neither gained nor lost.
    pub(crate) fn key(&self) -> (Effect, &Permission, &str, bool) {
        (self.effect, &self.permission, &self.scope, self.conditional)
    }
}

/// A named class of power that must not be concentrated (`privilege_admin`, ...).
pub(crate) type Duty = String;

/// A set of duties, sorted for deterministic output. A sorted list: most principals hold one
/// or two duties, and a tree would spend hundreds of bytes on each of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Duties(Vec<Duty>);

impl Duties {
    pub(crate) fn new() -> Duties {
        Duties(Vec::new())
    }

    pub(crate) fn contains(&self, duty: &str) -> bool {
        self.0.binary_search_by(|d| d.as_str().cmp(duty)).is_ok()
    }

    pub(crate) fn iter(&self) -> std::slice::Iter<'_, Duty> {
        self.0.iter()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The duties in either set, in order.
    pub(crate) fn union<'a>(&'a self, other: &'a Duties) -> impl Iterator<Item = &'a Duty> {
        let mut all: Vec<&Duty> = self.0.iter().chain(&other.0).collect();
        all.sort();
        all.dedup();
        all.into_iter()
    }

    /// The duties in this set and not in the other, in order.
    pub(crate) fn difference<'a>(&'a self, other: &'a Duties) -> impl Iterator<Item = &'a Duty> {
        self.0.iter().filter(|d| !other.contains(d))
    }
}

impl FromIterator<Duty> for Duties {
    fn from_iter<I: IntoIterator<Item = Duty>>(items: I) -> Duties {
        let mut list: Vec<Duty> = items.into_iter().collect();
        list.sort();
        list.dedup();
        list.shrink_to_fit();
        Duties(list)
    }
}

impl IntoIterator for Duties {
    type Item = Duty;
    type IntoIter = std::vec::IntoIter<Duty>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Duties {
    type Item = &'a Duty;
    type IntoIter = std::slice::Iter<'a, Duty>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// One resource instance's change, normalized from any source. Kept small: a plan can hold a
/// million of them. What the report says of a change (its address, type and actions) is its
/// [`Head`], shared with every weakening and touched change that names it; it reads as fields
/// of the change (`c.address`).
#[derive(Debug, Clone)]
pub(crate) struct ResourceChange {
    pub(crate) head: Arc<Head>,
    /// Index of the input this change came from.
    pub(crate) input: usize,
    pub(crate) action: Action,
    /// Values, parsed only for resource types that the review looks into.
    pub(crate) values: Option<Box<Values>>,
    /// For an unchanged resource whose values are only partly parsed: where the rest is.
    pub(crate) deferred: Option<Box<crate::normalize::Deferred>>,
}

impl std::ops::Deref for ResourceChange {
    type Target = Head;

    fn deref(&self) -> &Head {
        &self.head
    }
}

/// Who a change is and what it does, as the report shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Head {
    pub(crate) address: Text,
    pub(crate) kind: Text,
    /// Terraform's own `actions`, for the report.
    pub(crate) actions: Actions,
    pub(crate) data: bool,
    pub(crate) importing: bool,
    /// What few changes have: a previous address, a module address, a deposed key, a reason.
    pub(crate) extra: Option<Box<Extra>>,
}

/// The rarer parts of a resource change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Extra {
    /// Where a `moved` block moved the resource from.
    pub(crate) previous_address: Option<Text>,
    pub(crate) module_address: Option<Text>,
    /// The deposed object's key, for a change to a deposed instance.
    pub(crate) deposed: Option<Text>,
    /// Terraform's reason for the action (`replace_because_cannot_update`, ...).
    pub(crate) action_reason: Option<Text>,
}

impl Extra {
    /// `None` when there is nothing to keep.
    pub(crate) fn boxed(self) -> Option<Box<Extra>> {
        (self != Extra::default()).then(|| Box::new(self))
    }
}

impl Head {
    /// Where a `moved` block moved the resource from.
    pub(crate) fn previous_address(&self) -> Option<&str> {
        self.extra.as_ref()?.previous_address.as_deref()
    }

    pub(crate) fn module_address(&self) -> Option<&str> {
        self.extra.as_ref()?.module_address.as_deref()
    }

    pub(crate) fn deposed(&self) -> Option<&str> {
        self.extra.as_ref()?.deposed.as_deref()
    }

    /// Terraform's reason for the action (`replace_because_cannot_update`, ...).
    pub(crate) fn action_reason(&self) -> Option<&str> {
        self.extra.as_ref()?.action_reason.as_deref()
    }
}

/// The before and after values of a change, with what is unknown and what is sensitive.
#[derive(Debug, Clone, Default)]
pub(crate) struct Values {
    pub(crate) before: serde_json::Value,
    pub(crate) after: serde_json::Value,
    pub(crate) after_unknown: serde_json::Value,
    pub(crate) before_sensitive: serde_json::Value,
    pub(crate) after_sensitive: serde_json::Value,
    /// The object does not change: `after` and `after_sensitive` are left empty and read as
    /// `before` and `before_sensitive`.
    pub(crate) unchanged: bool,
}

impl Values {
    pub(crate) fn side(&self, side: Side) -> &serde_json::Value {
        match side {
            Side::After if !self.unchanged => &self.after,
            _ => &self.before,
        }
    }

    pub(crate) fn sensitive(&self, side: Side) -> &serde_json::Value {
        match side {
            Side::After if !self.unchanged => &self.after_sensitive,
            _ => &self.before_sensitive,
        }
    }

    /// Whether the value at this attribute is unknown until apply: only ever after, or on both
    /// sides of an unchanged object (a `.tf` tree's value that only a plan would know).
    pub(crate) fn is_unknown(&self, side: Side, attribute: &str) -> bool {
        (side == Side::After || self.unchanged) && marked(&self.after_unknown, attribute)
    }

    /// Whether the value at this attribute, or anything inside it, is sensitive.
    pub(crate) fn is_sensitive(&self, side: Side, attribute: &str) -> bool {
        marked(self.sensitive(side), attribute)
    }
}

/// Whether a `*_unknown` / `*_sensitive` shape marks the attribute (or anything in it).
fn marked(marks: &serde_json::Value, attribute: &str) -> bool {
    match marks {
        serde_json::Value::Bool(b) => *b,
        serde_json::Value::Object(map) => map.get(attribute).is_some_and(any_true),
        _ => false,
    }
}

/// Whether a mark shape holds `true` anywhere.
pub(crate) fn any_true(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Bool(b) => *b,
        serde_json::Value::Array(a) => a.iter().any(any_true),
        serde_json::Value::Object(m) => m.values().any(any_true),
        _ => false,
    }
}

/// Something the review could not know, said plainly so that a reviewer can check it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Unknown {
    pub(crate) address: String,
    pub(crate) attribute: String,
    pub(crate) detail: String,
}

/// A policy document as it reads on one side of a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DocumentText {
    /// Pretty-printed with sorted keys, so that reordering is not a change.
    Text(String),
    /// Known only after apply.
    Unknown,
    /// Marked sensitive: never shown.
    Sensitive,
    /// No document on this side (created or deleted).
    Absent,
}

/// A policy document that the change alters.
#[derive(Debug, Clone)]
pub(crate) struct PolicyChange {
    pub(crate) address: String,
    pub(crate) attribute: String,
    pub(crate) before: DocumentText,
    pub(crate) after: DocumentText,
}

/// Audit or evidence configuration made weaker by a change (or by drift). Reads as the
/// change's [`Head`] (`w.address`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Weakening {
    pub(crate) head: Arc<Head>,
    /// What happens, in a few words: "stops logging", "shortens retention from 365 to 7 days".
    pub(crate) how: Text,
    /// True when the weakening is only possible: the value is known only after apply.
    pub(crate) possible: bool,
}

impl std::ops::Deref for Weakening {
    type Target = Head;

    fn deref(&self) -> &Head {
        &self.head
    }
}

impl Weakening {
    fn key(&self) -> (&Text, &Text, &Text, bool) {
        (
            &self.head.address,
            &self.head.kind,
            &self.how,
            self.possible,
        )
    }
}

impl PartialOrd for Weakening {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Weakening {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}
