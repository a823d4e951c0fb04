//! The domain types that flow between the pipeline stages.

use std::collections::BTreeSet;
use std::fmt;

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
    pub(crate) fn from_terraform(actions: &[String]) -> Action {
        let a: Vec<&str> = actions.iter().map(String::as_str).collect();
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

/// Shared text: grants repeat the same principals, scopes and addresses many times over.
pub(crate) type Text = std::rc::Rc<str>;

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
    /// Everything an AWS-managed policy grants, by ARN (`arn:aws:iam::aws:policy/...`). Kept
    /// whole rather than one grant per action: the delta then reads "gains AdministratorAccess".
    Managed(Text),
    /// `sts:AssumeRole` of a role whose trust policy admits the principal: it holds what the
    /// role holds, without the role's grants being copied to it.
    Assume(PrincipalId),
    /// The permission cannot be known from the plan; the text says what is unknown.
    Unknown(String),
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Permission::Action(a) => f.write_str(a),
            Permission::NotAction(list) => write!(f, "all actions except {}", list.join(", ")),
            Permission::Managed(arn) => f.write_str(arn),
            Permission::Assume(_) => f.write_str("sts:AssumeRole"),
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

/// A set of duties, sorted for deterministic output.
pub(crate) type Duties = BTreeSet<Duty>;

/// One resource instance's change, normalized from any source.
#[derive(Debug, Clone)]
pub(crate) struct ResourceChange {
    /// Index of the input this change came from.
    pub(crate) input: usize,
    pub(crate) address: String,
    pub(crate) previous_address: Option<String>,
    pub(crate) module_address: Option<String>,
    pub(crate) data: bool,
    pub(crate) kind: String,
    pub(crate) action: Action,
    /// Terraform's own `actions`, for the report.
    pub(crate) actions: Vec<String>,
    pub(crate) importing: bool,
    pub(crate) deposed: Option<String>,
    pub(crate) action_reason: Option<String>,
    /// Values, parsed only for resource types that the review looks into.
    pub(crate) values: Option<Values>,
    /// For an unchanged resource whose values are only partly parsed: where the rest is.
    pub(crate) deferred: Option<crate::normalize::Deferred>,
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

    /// Whether the value at this attribute is unknown until apply (only ever after).
    pub(crate) fn is_unknown(&self, side: Side, attribute: &str) -> bool {
        side == Side::After && marked(&self.after_unknown, attribute)
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

/// Audit or evidence configuration made weaker by a change (or by drift).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Weakening {
    pub(crate) address: String,
    pub(crate) kind: String,
    /// What happens, in a few words: "stops logging", "shortens retention from 365 to 7 days".
    pub(crate) how: String,
    /// True when the weakening is only possible: the value is known only after apply.
    pub(crate) possible: bool,
}
