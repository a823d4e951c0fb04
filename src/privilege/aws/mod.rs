//! AWS: IAM resources of the change set → grants per principal, before and after the change.
//!
//! Direct grants come from inline policies and attachments; users then receive their groups'
//! grants, and the principals a role trusts receive the role's grants (one level: role chaining
//! is not followed).

pub(crate) mod policy;

use self::policy::{Actions, Statement};
use super::{Extraction, Hidden};
use crate::model::{
    any_true, Effect, Grant, Permission, PrincipalId, ResourceChange, Side, Text, Unknown, Values,
};
use crate::normalize::ChangeSet;
use crate::resolve::{attr, Resolver, Tri};
use crate::ruleset;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use serde_json::Value;

/// The resource types whose values the AWS extractor reads, and the attributes it reads.
pub(crate) const ATTRIBUTES: &[(&str, &[&str])] = &[
    (
        "aws_iam_role",
        &[
            "name",
            "arn",
            "inline_policy",
            "managed_policy_arns",
            "assume_role_policy",
        ],
    ),
    ("aws_iam_role_policy", &["role", "policy", "name"]),
    ("aws_iam_role_policy_attachment", &["role", "policy_arn"]),
    ("aws_iam_policy", &["arn", "name", "policy"]),
    (
        "aws_iam_policy_attachment",
        &["roles", "users", "groups", "policy_arn"],
    ),
    ("aws_iam_user", &["name", "arn"]),
    ("aws_iam_user_policy", &["user", "policy", "name"]),
    ("aws_iam_user_policy_attachment", &["user", "policy_arn"]),
    ("aws_iam_group", &["name", "arn"]),
    ("aws_iam_group_policy", &["group", "policy", "name"]),
    ("aws_iam_group_policy_attachment", &["group", "policy_arn"]),
    ("aws_iam_group_membership", &["group", "users"]),
    ("aws_iam_user_group_membership", &["user", "groups"]),
    ("aws_iam_access_key", &["user"]),
    ("data.aws_iam_policy_document", &["json", "statement"]),
];

/// For unchanged resources, the attributes that say whom they concern: enough to tell which
/// principals the change touches before reading any policy.
pub(crate) const WHOM: &[(&str, &[&str])] = &[
    (
        "aws_iam_role",
        &["name", "arn", "assume_role_policy", "managed_policy_arns"],
    ),
    ("aws_iam_role_policy", &["role"]),
    ("aws_iam_role_policy_attachment", &["role", "policy_arn"]),
    ("aws_iam_policy", &["arn", "name"]),
    (
        "aws_iam_policy_attachment",
        &["roles", "users", "groups", "policy_arn"],
    ),
    ("aws_iam_user_policy", &["user"]),
    ("aws_iam_user_policy_attachment", &["user", "policy_arn"]),
    ("aws_iam_group_policy", &["group"]),
    ("aws_iam_group_policy_attachment", &["group", "policy_arn"]),
    ("aws_iam_group_membership", &["group", "users"]),
    ("aws_iam_user_group_membership", &["user", "groups"]),
    // Only to know whether their names are sensitive.
    ("aws_iam_user", &["name"]),
    ("aws_iam_group", &["name"]),
];

/// The principals a change set can alter, found before any policy is read.
pub(crate) struct Touched {
    /// Principals whose grants may differ before and after: the ones the report covers.
    report: HashSet<PrincipalId>,
    /// Principals whose grants must be read to compute those: the reported ones, their groups
    /// and the roles they may assume.
    needed: HashSet<PrincipalId>,
    /// Unchanged resources whose values must be read in full.
    pub(crate) complete: Vec<usize>,
    /// The trust policies read on the way, by resource and side, with what could not be
    /// known of them.
    trusts: HashMap<(usize, Side), (Vec<Trust>, Vec<Unknown>)>,
    /// Principals whose names are sensitive.
    hidden: Hidden,
}

/// A key for a resource change of the change set while it is not moved: its address in memory.
fn key(c: &ResourceChange) -> usize {
    c as *const ResourceChange as usize
}

/// A policy document, or why it cannot be known.
enum Doc {
    Statements {
        statements: Vec<Statement>,
        sensitive: bool,
        /// The `aws_iam_policy` of the change set the document comes from, if any.
        origin: Option<String>,
    },
    /// An AWS-managed policy, by ARN in the `aws` partition; `sensitive` when the ARN is.
    Managed {
        arn: String,
        sensitive: bool,
    },
    Unknown(String),
}

/// A user's membership of a group, on one side.
#[derive(Clone)]
struct Membership {
    user: PrincipalId,
    group: PrincipalId,
    via: String,
}

/// A principal allowed to assume a role, on one side.
#[derive(Clone)]
struct Trust {
    trusted: PrincipalId,
    role: PrincipalId,
    via: String,
    conditional: bool,
}

struct Extractor<'r, 'a> {
    set: &'a ChangeSet,
    resolver: &'r Resolver<'a>,
    /// Principals whose names are sensitive, and the ids they go by.
    hidden: &'r Hidden,
    /// Customer-managed policies of the change set by ARN.
    policies_by_arn: HashMap<&'a str, &'a ResourceChange>,
    unknowns: Vec<Unknown>,
    /// Which principals to report and to read; `None` while finding them out.
    touched: Option<&'a Touched>,
    texts: HashSet<Text>,
    actions: HashMap<String, Text>,
}

/// Find the principals a change set can alter, from the changed resources and the parts of the
/// unchanged ones already read.
pub(crate) fn touched<'a>(set: &'a ChangeSet, resolver: &Resolver<'a>) -> Touched {
    let hidden = hidden(set);
    let mut touched = Extractor::new(set, resolver, None, &hidden).touched();
    touched.hidden = hidden;
    touched
}

/// Extract the grants of the touched principals into `out`.
pub(crate) fn extract<'a>(
    set: &'a ChangeSet,
    resolver: &Resolver<'a>,
    touched: &'a Touched,
    out: &mut Extraction,
) {
    let mut x = Extractor::new(set, resolver, Some(touched), &touched.hidden);
    // NOTE: kept in place, not copied: a big change set has hundreds of thousands of grants.
    let [mut before, mut after] = x.sides();
    for (list, into) in [(&mut before, &mut out.before), (&mut after, &mut out.after)] {
        list.retain(|g| touched.needed.contains(&g.principal));
        if into.is_empty() {
            std::mem::swap(list, into);
        } else {
            into.append(list);
        }
        into.shrink_to_fit();
    }
    out.reported.extend(touched.report.iter().cloned());
    out.unknowns.append(&mut x.unknowns);
    out.pipeline.extend(
        pipeline_principals(set)
            .into_iter()
            .map(|p| (touched.hidden.show(p.id), p.source)),
    );
    out.hidden = touched.hidden.clone();
}

impl<'r, 'a> Extractor<'r, 'a> {
    fn new(
        set: &'a ChangeSet,
        resolver: &'r Resolver<'a>,
        touched: Option<&'a Touched>,
        hidden: &'r Hidden,
    ) -> Extractor<'r, 'a> {
        let mut policies_by_arn = HashMap::default();
        for c in &set.changes {
            if c.kind == "aws_iam_policy" && !c.data {
                for side in [Side::Before, Side::After] {
                    if let Tri::Known(Value::String(arn)) = attr(c, side, "arn") {
                        policies_by_arn.insert(arn.as_str(), c);
                    }
                }
            }
        }
        Extractor {
            set,
            resolver,
            hidden,
            policies_by_arn,
            unknowns: Vec::new(),
            touched,
            texts: HashSet::default(),
            actions: HashMap::default(),
        }
    }

    /// Whether a principal's grants must be read.
    fn needed(&self, p: &PrincipalId) -> bool {
        self.touched.is_none_or(|t| t.needed.contains(p))
    }

    /// Whether a principal is reported.
    fn reported(&self, p: &PrincipalId) -> bool {
        self.touched.is_none_or(|t| t.report.contains(p))
    }

    /// The principals whose grants the change set can alter.
    fn touched(&mut self) -> Touched {
        let set = self.set;
        let mut report: HashSet<PrincipalId> = HashSet::default();
        // For each resource, the principals it concerns (either side), and the edges along
        // which grants pass: user → group, trusted principal → role.
        let mut owners: Vec<(usize, Vec<PrincipalId>)> = Vec::new();
        let mut members: Vec<(PrincipalId, PrincipalId)> = Vec::new();
        let mut trusts: Vec<(PrincipalId, PrincipalId)> = Vec::new();
        let mut changed_policies: HashSet<&str> = HashSet::default();
        let mut attachments: Vec<(Vec<PrincipalId>, String)> = Vec::new();
        let mut trust_cache: HashMap<(usize, Side), (Vec<Trust>, Vec<Unknown>)> =
            HashMap::default();
        for (i, c) in set.changes.iter().enumerate() {
            if c.data || c.values.is_none() || c.deposed().is_some() {
                continue;
            }
            let changed = c.action.is_change();
            let mut mine: Vec<PrincipalId> = Vec::new();
            for side in [Side::Before, Side::After] {
                let exists = match side {
                    Side::Before => c.action.has_before(),
                    Side::After => c.action.has_after(),
                };
                if !exists {
                    continue;
                }
                match c.kind.as_str() {
                    "aws_iam_role_policy"
                    | "aws_iam_user_policy"
                    | "aws_iam_group_policy"
                    | "aws_iam_role_policy_attachment"
                    | "aws_iam_user_policy_attachment"
                    | "aws_iam_group_policy_attachment" => {
                        let (attr_name, kind, target) = principal_attr(&c.kind);
                        mine.extend(self.principal(c, side, attr_name, kind, target));
                    }
                    "aws_iam_policy_attachment" => {
                        for (attr_name, kind, target) in LISTS {
                            mine.extend(self.principals(c, side, attr_name, kind, target));
                        }
                    }
                    "aws_iam_role" => {
                        let role = self.role_id(c, side);
                        let noted = self.unknowns.len();
                        let found = self.trusts(c, side, &role);
                        let notes = self.unknowns[noted..].to_vec();
                        trust_cache.insert((key(c), side), (found.clone(), notes));
                        for t in found {
                            if changed {
                                report.insert(t.trusted.clone());
                            }
                            trusts.push((t.trusted, t.role));
                        }
                        if let Tri::Known(Value::Array(arns)) = attr(c, side, "managed_policy_arns")
                        {
                            for arn in arns.iter().filter_map(Value::as_str) {
                                attachments.push((vec![role.clone()], arn.to_string()));
                            }
                        }
                        mine.push(role);
                    }
                    "aws_iam_group_membership" | "aws_iam_user_group_membership" => {
                        for (user, group) in self.memberships(c, side) {
                            if changed {
                                report.insert(user.clone());
                            }
                            members.push((user, group));
                        }
                    }
                    "aws_iam_policy" => {
                        if let Tri::Known(Value::String(arn)) = attr(c, side, "arn") {
                            if changed {
                                changed_policies.insert(arn.as_str());
                            }
                        }
                    }
                    _ => {}
                }
                if c.kind.ends_with("_attachment") {
                    if let Tri::Known(Value::String(arn)) = attr(c, side, "policy_arn") {
                        attachments.push((mine.clone(), arn.clone()));
                    }
                }
            }
            if changed {
                report.extend(mine.iter().cloned());
            }
            if !mine.is_empty() {
                owners.push((i, mine));
            }
        }
        // Whoever holds a changed policy.
        for (principals, arn) in &attachments {
            if changed_policies.contains(arn.as_str()) {
                report.extend(principals.iter().cloned());
            }
        }
        // Members of a touched group, and whoever may assume a touched role, are touched too.
        loop {
            let before = report.len();
            for (user, group) in &members {
                if report.contains(group) {
                    report.insert(user.clone());
                }
            }
            for (trusted, role) in &trusts {
                if report.contains(role) {
                    report.insert(trusted.clone());
                }
            }
            if report.len() == before {
                break;
            }
        }
        let mut needed = report.clone();
        needed.extend(
            members
                .iter()
                .filter(|(u, _)| report.contains(u))
                .map(|(_, g)| g.clone()),
        );
        needed.extend(
            trusts
                .iter()
                .filter(|(t, _)| report.contains(t))
                .map(|(_, r)| r.clone()),
        );
        // Unchanged resources to read in full: those of needed principals, and the customer
        // policies they have attached.
        let wanted_arns: HashSet<&str> = attachments
            .iter()
            .filter(|(ps, _)| ps.iter().any(|p| needed.contains(p)))
            .map(|(_, arn)| arn.as_str())
            .collect();
        let mut complete: Vec<usize> = owners
            .iter()
            .filter(|(_, ps)| ps.iter().any(|p| needed.contains(p)))
            .map(|(i, _)| *i)
            .collect();
        for (i, c) in set.changes.iter().enumerate() {
            if c.kind == "aws_iam_policy" && c.deferred.is_some() {
                if let Tri::Known(Value::String(arn)) = attr(c, Side::Before, "arn") {
                    if wanted_arns.contains(arn.as_str()) {
                        complete.push(i);
                    }
                }
            }
        }
        complete.retain(|&i| set.changes[i].deferred.is_some());
        complete.sort_unstable();
        complete.dedup();
        Touched {
            report,
            needed,
            complete,
            trusts: trust_cache,
            hidden: Hidden::default(),
        }
    }

    /// The grants before and after the change.
    fn sides(&mut self) -> [Vec<Grant>; 2] {
        let mut found: [Found; 2] = Default::default();
        let set = self.set;
        for c in &set.changes {
            if c.data || c.values.is_none() || c.deposed().is_some() {
                continue;
            }
            if c.action == crate::model::Action::NoOp && self_contained(c) {
                // Unchanged: the same grants on both sides, read once.
                let [before, after] = &mut found;
                let mark = (
                    before.grants.len(),
                    before.members.len(),
                    before.trusts.len(),
                );
                self.change(c, Side::Before, before);
                after.grants.extend_from_slice(&before.grants[mark.0..]);
                after.members.extend_from_slice(&before.members[mark.1..]);
                after.trusts.extend_from_slice(&before.trusts[mark.2..]);
                continue;
            }
            if c.action.has_before() {
                self.change(c, Side::Before, &mut found[0]);
            }
            if c.action.has_after() {
                self.change(c, Side::After, &mut found[1]);
            }
        }
        let [before, after] = found;
        [derive(before), derive(after)]
    }
}

/// Whether an unchanged resource states the same grants on both sides: not when it attaches a
/// customer policy, whose document the change may alter.
fn self_contained(c: &ResourceChange) -> bool {
    let customer = |arn: &Value| {
        arn.as_str()
            .is_some_and(|a| ruleset::aws_managed_policy(a).is_none())
    };
    match attr(c, Side::Before, "policy_arn") {
        Tri::Known(arn) if customer(arn) => return false,
        _ => {}
    }
    match attr(c, Side::Before, "managed_policy_arns") {
        Tri::Known(Value::Array(arns)) => !arns.iter().any(customer),
        _ => true,
    }
}

/// What one side of the change set states: direct grants and the edges grants pass along.
#[derive(Default)]
struct Found {
    grants: Vec<Grant>,
    members: Vec<Membership>,
    trusts: Vec<Trust>,
}

/// Add the grants that pass from groups to their members and from roles to whoever may
/// assume them.
fn derive(found: Found) -> Vec<Grant> {
    let Found {
        mut grants,
        members,
        trusts,
    } = found;
    {
        // Users hold what their groups hold.
        let mut by_principal: HashMap<PrincipalId, Vec<usize>> = HashMap::default();
        for (i, g) in grants.iter().enumerate() {
            by_principal.entry(g.principal.clone()).or_default().push(i);
        }
        let mut derived = Vec::new();
        for m in &members {
            for &i in by_principal.get(&m.group).map_or(&[][..], Vec::as_slice) {
                let g = &grants[i];
                derived.push(Grant {
                    principal: m.user.clone(),
                    through: Some(format!("member of {} ({})", m.group, m.via).into()),
                    from: Some(m.group.clone()),
                    ..g.clone()
                });
            }
        }
        grants.append(&mut derived);
        // Whoever may assume a role holds what the role holds.
        // NOTE: the role's grants are not copied: classification gives whoever may assume the
        // role the role's duties (a role can be trusted by many; copies would not scale).
        for t in &trusts {
            if t.trusted == t.role {
                continue;
            }
            grants.push(Grant {
                principal: t.trusted.clone(),
                effect: Effect::Allow,
                permission: Permission::Assume(t.role.clone()),
                scope: t.role.0.clone(),
                broad: false,
                conditional: t.conditional,
                via: t.via.as_str().into(),
                through: None,
                from: Some(t.role.clone()),
                sensitive: false,
            });
        }
        grants
    }
}

impl<'r, 'a> Extractor<'r, 'a> {
    fn change(&mut self, c: &'a ResourceChange, side: Side, found: &mut Found) {
        let Found {
            grants,
            members,
            trusts,
        } = found;
        match c.kind.as_str() {
            "aws_iam_role_policy" | "aws_iam_user_policy" | "aws_iam_group_policy" => {
                let (attr_name, kind, target) = principal_attr(&c.kind);
                let Some(p) = self.principal(c, side, attr_name, kind, target) else {
                    return;
                };
                if !self.needed(&p) {
                    return;
                }
                let doc = self.inline_doc(c, side, "policy");
                self.push(grants, &doc, &p, c, None);
            }
            "aws_iam_role_policy_attachment"
            | "aws_iam_user_policy_attachment"
            | "aws_iam_group_policy_attachment" => {
                let (attr_name, kind, target) = principal_attr(&c.kind);
                let Some(p) = self.principal(c, side, attr_name, kind, target) else {
                    return;
                };
                if !self.needed(&p) {
                    return;
                }
                let doc = self.arn_doc(c, side, "policy_arn");
                self.push(grants, &doc, &p, c, None);
            }
            "aws_iam_policy_attachment" => {
                let mut principals = Vec::new();
                for (attr_name, kind, target) in LISTS {
                    principals.extend(self.principals(c, side, attr_name, kind, target));
                }
                principals.retain(|p| self.needed(p));
                if principals.is_empty() {
                    return;
                }
                let doc = self.arn_doc(c, side, "policy_arn");
                for p in principals {
                    self.push(grants, &doc, &p, c, None);
                }
            }
            "aws_iam_role" => self.role(c, side, grants, trusts),
            "aws_iam_group_membership" | "aws_iam_user_group_membership" => {
                for (user, group) in self.memberships(c, side) {
                    if self.reported(&user) {
                        members.push(Membership {
                            user,
                            group,
                            via: c.address.to_string(),
                        });
                    }
                }
            }
            _ => {}
        }
    }

    /// An `aws_iam_role`: its inline policies, managed policies and trust policy.
    fn role(
        &mut self,
        c: &'a ResourceChange,
        side: Side,
        grants: &mut Vec<Grant>,
        trusts: &mut Vec<Trust>,
    ) {
        let role = self.role_id(c, side);
        let mut found = match self.touched.and_then(|t| t.trusts.get(&(key(c), side))) {
            Some((known, notes)) => {
                // What could not be known of the trust policy was found on the first pass.
                if c.action.is_change() || self.needed(&role) {
                    for u in notes {
                        self.note(c, &u.attribute, &u.detail);
                    }
                }
                known.clone()
            }
            None => self.trusts(c, side, &role),
        };
        found.retain(|t| self.reported(&t.trusted));
        trusts.append(&mut found);
        if !self.needed(&role) {
            return;
        }
        let values = c
            .values
            .as_ref()
            .expect("only changes with values are extracted");
        // NOTE: the provider fills `inline_policy` and `managed_policy_arns` from what is
        // attached when it refreshes, so they mirror the separate policy and attachment
        // resources (as they were before the change). They say something of their own only
        // when the configuration sets them.
        // Only a role that has some would say whether the configuration sets them.
        let has = |name: &str| match attr(c, side, name) {
            Tri::Known(Value::Array(items)) => !items.is_empty(),
            Tri::Known(_) | Tri::Absent => false,
            Tri::Unknown => true,
        };
        let [inline_configured, managed_configured] =
            if has("inline_policy") || has("managed_policy_arns") {
                self.configured(c, ["inline_policy", "managed_policy_arns"])
            } else {
                [false, false]
            };
        let inline = if inline_configured {
            attr(c, side, "inline_policy")
        } else {
            Tri::Absent
        };
        if let Tri::Known(Value::Array(blocks)) = inline {
            let sensitive = values.is_sensitive(side, "inline_policy");
            for b in blocks {
                match b.get("policy") {
                    Some(Value::String(text)) => {
                        let doc = match policy::parse_text(text) {
                            Ok(statements) => Doc::Statements {
                                statements,
                                sensitive,
                                origin: None,
                            },
                            Err(_) if sensitive => self.unreadable(c, "inline_policy"),
                            Err(e) => Doc::Unknown(format!("an inline policy cannot be read: {e}")),
                        };
                        self.push(grants, &doc, &role, c, None);
                    }
                    _ if side == Side::After && values.is_unknown(side, "inline_policy") => {
                        let doc = Doc::Unknown("an inline policy is known only after apply".into());
                        self.push(grants, &doc, &role, c, None);
                    }
                    _ => {}
                }
            }
        } else if let Tri::Unknown = inline {
            let doc = Doc::Unknown("the role's inline policies are known only after apply".into());
            self.note(
                c,
                "inline_policy",
                "the role's inline policies are known only after apply",
            );
            self.push(grants, &doc, &role, c, None);
        }
        let managed = if managed_configured {
            attr(c, side, "managed_policy_arns")
        } else {
            Tri::Absent
        };
        match managed {
            Tri::Known(Value::Array(arns)) => {
                for (i, arn) in arns.iter().enumerate() {
                    let Some(arn) = arn.as_str() else { continue };
                    let sensitive = sensitive_at(values, side, "managed_policy_arns", Some(i));
                    let doc = self.doc_for_arn(arn, side, sensitive);
                    self.push(grants, &doc, &role, c, None);
                }
            }
            Tri::Unknown => {
                self.note(
                    c,
                    "managed_policy_arns",
                    "the role's managed policies are known only after apply",
                );
                let doc =
                    Doc::Unknown("the role's managed policies are known only after apply".into());
                self.push(grants, &doc, &role, c, None);
            }
            _ => {}
        }
    }

    /// Who a role's trust policy lets assume it.
    fn trusts(&mut self, c: &ResourceChange, side: Side, role: &PrincipalId) -> Vec<Trust> {
        let mut out = Vec::new();
        match attr(c, side, "assume_role_policy") {
            Tri::Known(Value::String(text)) => match policy::parse_text(text) {
                Ok(statements) => {
                    for (trusted, conditional) in trusted_in(&statements) {
                        out.push(Trust {
                            trusted: self.hidden.show(trusted),
                            role: role.clone(),
                            via: c.address.to_string(),
                            conditional,
                        });
                    }
                }
                // NOTE: the parser's message can quote the policy: never for a sensitive one.
                Err(_) if is_sensitive(c, side, "assume_role_policy") => self.note(
                    c,
                    "assume_role_policy",
                    "the trust policy is sensitive and could not be read: who may assume the \
                     role is unknown",
                ),
                Err(e) => self.note(
                    c,
                    "assume_role_policy",
                    &format!("the trust policy cannot be read: {e}"),
                ),
            },
            Tri::Unknown => {
                self.note(
                    c,
                    "assume_role_policy",
                    "the trust policy (who can assume the role) is known only after apply",
                );
            }
            _ => {}
        }
        out
    }

    /// The (user, group) memberships a membership resource states.
    fn memberships(&mut self, c: &ResourceChange, side: Side) -> Vec<(PrincipalId, PrincipalId)> {
        if c.kind == "aws_iam_group_membership" {
            let Some(group) = self.principal(c, side, "group", "group", "aws_iam_group") else {
                return Vec::new();
            };
            self.principals(c, side, "users", "user", "aws_iam_user")
                .into_iter()
                .map(|u| (u, group.clone()))
                .collect()
        } else {
            let Some(user) = self.principal(c, side, "user", "user", "aws_iam_user") else {
                return Vec::new();
            };
            self.principals(c, side, "groups", "group", "aws_iam_group")
                .into_iter()
                .map(|g| (user.clone(), g))
                .collect()
        }
    }

    /// Add the grants of a document to a principal.
    fn push(
        &mut self,
        grants: &mut Vec<Grant>,
        doc: &Doc,
        principal: &PrincipalId,
        via: &ResourceChange,
        through: Option<Text>,
    ) {
        let address = self.text(&via.address);
        match doc {
            Doc::Managed { arn, sensitive } => grants.push(Grant {
                principal: principal.clone(),
                effect: Effect::Allow,
                permission: Permission::Managed(self.text(arn)),
                scope: self.text("*"),
                broad: true,
                conditional: false,
                via: address,
                through,
                from: None,
                sensitive: *sensitive,
            }),
            Doc::Unknown(what) => grants.push(Grant {
                principal: principal.clone(),
                effect: Effect::Allow,
                permission: Permission::Unknown(what.clone()),
                scope: self.text("(unknown)"),
                broad: false,
                conditional: false,
                via: address,
                through,
                from: None,
                sensitive: false,
            }),
            Doc::Statements {
                statements,
                sensitive,
                origin,
            } => {
                // A policy document of the change set is shown as the source of its grants,
                // with the attachment that gives it to the principal.
                let (via_address, through) = match origin {
                    Some(policy) if policy.as_str() != via.address.as_str() => (
                        self.text(policy),
                        through.or_else(|| Some(format!("attached by {}", via.address).into())),
                    ),
                    _ => (address, through),
                };
                for s in statements {
                    let scope = self.text(&s.resources.display());
                    let broad = s.resources.is_broad();
                    let conditional = s.condition.is_some();
                    let permissions = match &s.actions {
                        Actions::Action(list) => list
                            .iter()
                            .map(|a| Permission::Action(self.action(a)))
                            .collect(),
                        Actions::NotAction(list) => {
                            let mut list: Vec<String> =
                                list.iter().map(|a| normalize_action(a)).collect();
                            list.sort();
                            vec![Permission::NotAction(list)]
                        }
                        Actions::Unknown => vec![Permission::Unknown(format!(
                            "the actions of a statement in {} are known only after apply",
                            via.address
                        ))],
                    };
                    for permission in permissions {
                        grants.push(Grant {
                            principal: principal.clone(),
                            effect: s.effect,
                            permission,
                            scope: scope.clone(),
                            broad,
                            conditional,
                            via: via_address.clone(),
                            through: through.clone(),
                            from: None,
                            sensitive: *sensitive,
                        });
                    }
                }
            }
        }
    }

    /// Shared text: the same addresses, scopes and actions recur across a big plan.
    fn text(&mut self, s: &str) -> Text {
        if let Some(t) = self.texts.get(s) {
            return t.clone();
        }
        let t: Text = s.into();
        self.texts.insert(t.clone());
        t
    }

    /// An action as AWS spells it, shared.
    fn action(&mut self, action: &str) -> Text {
        if let Some(t) = self.actions.get(action) {
            return t.clone();
        }
        let t: Text = normalize_action(action).into();
        self.actions.insert(action.to_string(), t.clone());
        t
    }

    /// The principal named by an attribute (`role`, `user`, `group`).
    fn principal(
        &mut self,
        c: &ResourceChange,
        side: Side,
        attr_name: &str,
        kind: &str,
        target_type: &str,
    ) -> Option<PrincipalId> {
        match attr(c, side, attr_name) {
            Tri::Known(Value::String(name)) => Some(self.hidden.show(named(kind, name))),
            Tri::Known(_) | Tri::Absent => None,
            Tri::Unknown => Some(self.principal_from_reference(c, attr_name, kind, target_type)),
        }
    }

    /// The principals named by a list attribute (`users`, `roles`, `groups`).
    fn principals(
        &mut self,
        c: &ResourceChange,
        side: Side,
        attr_name: &str,
        kind: &str,
        target_type: &str,
    ) -> Vec<PrincipalId> {
        let values = c
            .values
            .as_ref()
            .expect("only changes with values are extracted");
        match attr(c, side, attr_name) {
            Tri::Known(Value::Array(items)) => {
                let unknown_items = values
                    .after_unknown
                    .get(attr_name)
                    .and_then(Value::as_array)
                    .filter(|_| side == Side::After);
                let mut out: Vec<PrincipalId> = items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|n| self.hidden.show(named(kind, n)))
                    .collect();
                if unknown_items.is_some_and(|u| u.iter().any(crate::model::any_true)) {
                    out.extend(self.principals_from_references(c, attr_name, kind, target_type));
                }
                out
            }
            Tri::Unknown => self.principals_from_references(c, attr_name, kind, target_type),
            _ => Vec::new(),
        }
    }

    fn principal_from_reference(
        &mut self,
        c: &ResourceChange,
        attr_name: &str,
        kind: &str,
        target_type: &str,
    ) -> PrincipalId {
        if let Some(target) = self.resolver.follow(c, attr_name) {
            if target.change.kind == target_type {
                if let Tri::Known(Value::String(name)) = attr(target.change, Side::After, "name") {
                    return self.hidden.show(named(kind, name));
                }
                return PrincipalId::new(format!("aws:{kind}/{}", target.change.address));
            }
        }
        let detail = if is_sensitive(c, Side::After, attr_name) {
            // A Pulumi secret, not in the preview at all.
            format!("the {kind} is secret and its reference could not be followed")
        } else {
            format!("the {kind} is known only after apply and its reference could not be followed")
        };
        self.note(c, attr_name, &detail);
        PrincipalId::new(format!("aws:{kind}/{}", c.address))
    }

    fn principals_from_references(
        &mut self,
        c: &ResourceChange,
        attr_name: &str,
        kind: &str,
        target_type: &str,
    ) -> Vec<PrincipalId> {
        let mut out = Vec::new();
        for r in self.resolver.references(c, attr_name) {
            if let Some(t) = self.resolver.resolve(c, &r) {
                if t.change.kind == target_type {
                    let id = match attr(t.change, Side::After, "name") {
                        Tri::Known(Value::String(name)) => self.hidden.show(named(kind, name)),
                        _ => PrincipalId::new(format!("aws:{kind}/{}", t.change.address)),
                    };
                    if !out.contains(&id) {
                        out.push(id);
                    }
                }
            }
        }
        if out.is_empty() {
            self.note(
                c,
                attr_name,
                &format!("some {kind}s are known only after apply and could not be followed"),
            );
        }
        out
    }

    /// A policy given inline as a JSON string attribute.
    fn inline_doc(&mut self, c: &ResourceChange, side: Side, attr_name: &str) -> Doc {
        let values = c
            .values
            .as_ref()
            .expect("only changes with values are extracted");
        let sensitive = values.is_sensitive(side, attr_name);
        match attr(c, side, attr_name) {
            Tri::Known(Value::String(text)) => match policy::parse_text(text) {
                Ok(statements) => Doc::Statements {
                    statements,
                    sensitive,
                    origin: None,
                },
                Err(_) if sensitive => self.unreadable(c, attr_name),
                Err(e) => Doc::Unknown(format!("the policy of {} cannot be read: {e}", c.address)),
            },
            Tri::Known(_) | Tri::Absent => Doc::Statements {
                statements: Vec::new(),
                sensitive,
                origin: None,
            },
            Tri::Unknown => self.resolve_document(c, attr_name, sensitive),
        }
    }

    /// A sensitive policy that is not a policy document: possibly anything. The parser's
    /// message is left out, for it can quote the policy.
    fn unreadable(&mut self, c: &ResourceChange, attr_name: &str) -> Doc {
        self.note(
            c,
            attr_name,
            "the policy is sensitive and could not be read: it may grant anything",
        );
        Doc::Unknown(format!(
            "the policy of {} is sensitive and could not be read",
            c.address
        ))
    }

    /// The document of an `aws_iam_policy` of the change set, marked as coming from it.
    fn policy_doc(&mut self, policy: &ResourceChange, side: Side) -> Doc {
        match self.inline_doc(policy, side, "policy") {
            Doc::Statements {
                statements,
                sensitive,
                origin: _,
            } => Doc::Statements {
                statements,
                sensitive,
                origin: Some(policy.address.to_string()),
            },
            other => other,
        }
    }

    /// A policy known only after apply: follow the configuration to where it comes from.
    /// `sensitive` when the value is marked sensitive where it is used.
    fn resolve_document(&mut self, c: &ResourceChange, attr_name: &str, sensitive: bool) -> Doc {
        if let Some(t) = self.resolver.follow(c, attr_name) {
            let target = t.change;
            if target.data && target.kind == "aws_iam_policy_document" {
                if let Some(values) = &target.values {
                    let sensitive = sensitive
                        || values.is_sensitive(Side::After, "json")
                        || values.is_sensitive(Side::After, "statement");
                    if let Tri::Known(Value::String(text)) = attr(target, Side::After, "json") {
                        if let Ok(statements) = policy::parse_text(text) {
                            return Doc::Statements {
                                statements,
                                sensitive,
                                origin: None,
                            };
                        }
                    }
                    if let Some(statements) =
                        policy::from_data_source(values.side(Side::After), &values.after_unknown)
                    {
                        self.note(
                            c,
                            attr_name,
                            &format!(
                                "the policy is known only after apply; read from the blocks of {}",
                                target.address
                            ),
                        );
                        return Doc::Statements {
                            statements,
                            sensitive,
                            origin: None,
                        };
                    }
                }
                if let Some(statements) = self
                    .resolver
                    .expressions(target)
                    .and_then(|e| policy::from_configuration(&e))
                {
                    self.note(
                        c,
                        attr_name,
                        &format!("the policy is known only after apply; read from the configuration of {}", target.address),
                    );
                    return Doc::Statements {
                        statements,
                        sensitive,
                        origin: None,
                    };
                }
            }
            if !target.data && target.kind == "aws_iam_policy" {
                return self.policy_doc(target, Side::After);
            }
        }
        // NOTE: a Pulumi secret is not in the preview at all; a Terraform one may be unknown.
        let detail = if sensitive {
            format!(
                "the policy of {} is secret or known only after apply",
                c.address
            )
        } else {
            format!("the policy of {} is known only after apply", c.address)
        };
        self.note(c, attr_name, &detail);
        Doc::Unknown(detail)
    }

    /// A policy given by ARN.
    fn arn_doc(&mut self, c: &ResourceChange, side: Side, attr_name: &str) -> Doc {
        match attr(c, side, attr_name) {
            Tri::Known(Value::String(arn)) => {
                self.doc_for_arn(arn, side, is_sensitive(c, side, attr_name))
            }
            Tri::Known(_) | Tri::Absent => Doc::Statements {
                statements: Vec::new(),
                sensitive: false,
                origin: None,
            },
            Tri::Unknown => {
                if let Some(t) = self.resolver.follow(c, attr_name) {
                    if !t.change.data && t.change.kind == "aws_iam_policy" {
                        return self.policy_doc(t.change, Side::After);
                    }
                }
                let detail = if is_sensitive(c, side, attr_name) {
                    format!(
                        "the policy attached by {} is secret or known only after apply",
                        c.address
                    )
                } else {
                    format!(
                        "the policy attached by {} is known only after apply",
                        c.address
                    )
                };
                self.note(c, attr_name, &detail);
                Doc::Unknown(detail)
            }
        }
    }

    /// The document of a policy given by ARN; `sensitive` when the ARN is, which then shows
    /// nowhere, not even in what cannot be known.
    fn doc_for_arn(&mut self, arn: &str, side: Side, sensitive: bool) -> Doc {
        if ruleset::aws_managed_policy(arn).is_some() {
            return Doc::Managed {
                arn: managed_arn(arn),
                sensitive,
            };
        }
        if let Some(&policy) = self.policies_by_arn.get(arn) {
            let exists = match side {
                Side::Before => policy.action.has_before(),
                Side::After => policy.action.has_after(),
            };
            if exists {
                return self.policy_doc(policy, side);
            }
        }
        match (arn.contains(":iam::aws:policy/"), sensitive) {
            (true, false) => Doc::Unknown(format!(
                "the AWS-managed policy {arn} is not in foureyes' table"
            )),
            (true, true) => Doc::Unknown(
                "an AWS-managed policy whose ARN is sensitive is not in foureyes' table".into(),
            ),
            (false, false) => Doc::Unknown(format!("the policy {arn} is not in this change set")),
            (false, true) => {
                Doc::Unknown("a policy whose ARN is sensitive is not in this change set".into())
            }
        }
    }

    /// Whether the configuration sets an attribute. Optional and computed attributes (a role's
    /// `inline_policy`) are unknown on create even when nothing sets them: then they stay
    /// empty. Without a configuration (Pulumi), assume they are set.
    fn configured<const N: usize>(&self, c: &ResourceChange, attributes: [&str; N]) -> [bool; N] {
        match self.resolver.expressions(c) {
            Some(e) => attributes.map(|a| e.get(a).is_some()),
            None => [!self.resolver.has_configuration(c.input); N],
        }
    }

    /// A role's principal id, as it is shown.
    fn role_id(&self, c: &ResourceChange, side: Side) -> PrincipalId {
        self.hidden.show(role_id(c, side))
    }

    fn note(&mut self, c: &ResourceChange, attribute: &str, detail: &str) {
        let u = Unknown {
            address: c.address.to_string(),
            attribute: attribute.to_string(),
            detail: detail.to_string(),
        };
        // NOTE: duplicates are removed once, after extraction (`extract::extract`).
        self.unknowns.push(u);
    }
}

/// The policy documents a change set alters, in address order: each changed resource's policy
/// attributes before and after, for reviewers to read as a diff.
pub(crate) fn documents(set: &ChangeSet) -> (Vec<crate::model::PolicyChange>, usize) {
    use crate::model::{DocumentText, PolicyChange};
    /// The most document text kept (the comment and the job summary show less): the rest is
    /// only counted.
    const ROOM: usize = 2 << 20;
    let mut candidates: Vec<(&str, &'static str, &ResourceChange)> = Vec::new();
    for c in set
        .changes
        .iter()
        .filter(|c| c.action.is_change() && !c.data && c.values.is_some())
    {
        let attributes: &[&'static str] = match c.kind.as_str() {
            "aws_iam_role_policy"
            | "aws_iam_user_policy"
            | "aws_iam_group_policy"
            | "aws_iam_policy" => &["policy"],
            "aws_iam_role" => &["assume_role_policy"],
            _ => continue,
        };
        candidates.extend(attributes.iter().map(|&a| (c.address.as_str(), a, c)));
    }
    candidates.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    let mut out = Vec::new();
    let mut total = 0;
    let mut room = ROOM;
    for (_, attribute, c) in candidates {
        let Some(values) = &c.values else { continue };
        let exists = |side: Side| match side {
            Side::Before => c.action.has_before(),
            Side::After => c.action.has_after(),
        };
        // NOTE: a document marked sensitive on one side hides the other too: what it says
        // there (the principals it names) may be what is hidden everywhere else.
        let hidden = [Side::Before, Side::After]
            .into_iter()
            .any(|side| exists(side) && values.is_sensitive(side, attribute));
        let side = |side: Side| {
            if !exists(side) {
                return DocumentText::Absent;
            }
            if hidden {
                return DocumentText::Sensitive;
            }
            match attr(c, side, attribute) {
                Tri::Known(Value::String(text)) => DocumentText::Text(pretty(text)),
                Tri::Known(_) | Tri::Absent => DocumentText::Absent,
                Tri::Unknown => DocumentText::Unknown,
            }
        };
        let (before, after) = (side(Side::Before), side(Side::After));
        if before == after {
            continue;
        }
        total += 1;
        let size = |d: &DocumentText| match d {
            DocumentText::Text(t) => t.len(),
            _ => 0,
        };
        match room.checked_sub(size(&before) + size(&after)) {
            Some(left) => room = left,
            None => {
                room = 0;
                continue;
            }
        }
        out.push(PolicyChange {
            address: c.address.to_string(),
            attribute: attribute.to_string(),
            before,
            after,
        });
    }
    (out, total)
}

/// A policy document pretty-printed with sorted keys (as it is, when it is not JSON).
fn pretty(text: &str) -> String {
    match serde_json::from_str::<Value>(text) {
        Ok(v) => serde_json::to_string_pretty(&v).unwrap_or_else(|_| text.to_string()),
        Err(_) => text.to_string(),
    }
}

/// The list attributes of `aws_iam_policy_attachment`: (attribute, principal kind, type).
const LISTS: [(&str, &str, &str); 3] = [
    ("roles", "role", "aws_iam_role"),
    ("users", "user", "aws_iam_user"),
    ("groups", "group", "aws_iam_group"),
];

/// Whether an attribute of a change, or anything in it, is marked sensitive on one side.
fn is_sensitive(c: &ResourceChange, side: Side, attribute: &str) -> bool {
    c.values
        .as_ref()
        .is_some_and(|v| v.is_sensitive(side, attribute))
}

/// Whether an attribute is marked sensitive on one side: with `item`, one item of a list (a set
/// is marked as a whole, a list item by item).
fn sensitive_at(values: &Values, side: Side, attribute: &str, item: Option<usize>) -> bool {
    match values.sensitive(side) {
        Value::Bool(b) => *b,
        Value::Object(marks) => match (marks.get(attribute), item) {
            (Some(Value::Array(items)), Some(i)) => items.get(i).is_some_and(any_true),
            (Some(mark), _) => any_true(mark),
            (None, _) => false,
        },
        _ => false,
    }
}

/// The attributes that name principals, per resource type: (attribute, principal kind).
const NAMING: &[(&str, &[(&str, &str)])] = &[
    ("aws_iam_role_policy", &[("role", "role")]),
    ("aws_iam_role_policy_attachment", &[("role", "role")]),
    ("aws_iam_user_policy", &[("user", "user")]),
    ("aws_iam_user_policy_attachment", &[("user", "user")]),
    ("aws_iam_group_policy", &[("group", "group")]),
    ("aws_iam_group_policy_attachment", &[("group", "group")]),
    (
        "aws_iam_policy_attachment",
        &[("roles", "role"), ("users", "user"), ("groups", "group")],
    ),
    (
        "aws_iam_group_membership",
        &[("group", "group"), ("users", "user")],
    ),
    (
        "aws_iam_user_group_membership",
        &[("user", "user"), ("groups", "group")],
    ),
    ("aws_iam_access_key", &[("user", "user")]),
];

/// The principals whose names are sensitive somewhere in the change set, and the ids they go
/// by: the address of the resource of the change set that defines them (`aws:role/ADDRESS`),
/// or else the place that names them (`aws:role/ADDRESS.role`, `aws:user/ADDRESS.users#2`,
/// `aws:user/ROLE-ADDRESS.assume_role_policy#1`, `aws:role/provider.aws.assume_role`).
fn hidden(set: &ChangeSet) -> Hidden {
    let mut hidden = Hidden::default();
    let changes = || {
        set.changes
            .iter()
            .filter(|c| !c.data && c.deposed().is_none() && c.values.is_some())
    };
    let sides = |c: &ResourceChange| -> Vec<Side> {
        [Side::Before, Side::After]
            .into_iter()
            .filter(|&side| match side {
                Side::Before => c.action.has_before(),
                Side::After => c.action.has_after(),
            })
            .collect()
    };
    // The principals the change set defines, by the id their name gives; hidden when their
    // name is sensitive on either side.
    let mut defined: HashMap<PrincipalId, PrincipalId> = HashMap::default();
    for c in changes() {
        let kind = match c.kind.as_str() {
            "aws_iam_role" => "role",
            "aws_iam_user" => "user",
            "aws_iam_group" => "group",
            _ => continue,
        };
        let by_address = PrincipalId::new(format!("aws:{kind}/{}", c.address));
        let sensitive = sides(c)
            .into_iter()
            .any(|side| is_sensitive(c, side, "name"));
        for side in sides(c) {
            if let Tri::Known(Value::String(name)) = attr(c, side, "name") {
                let id = named(kind, name);
                if sensitive {
                    hidden.hide(id.clone(), || by_address.clone());
                }
                defined.entry(id).or_insert_with(|| by_address.clone());
            }
        }
    }
    let place = |id: &PrincipalId, fallback: String| {
        defined.get(id).cloned().unwrap_or_else(|| {
            let kind = id.0.split_once('/').map_or(&*id.0, |(k, _)| k);
            PrincipalId::new(format!("{kind}/{fallback}"))
        })
    };
    // Principals named by a sensitive value.
    for c in changes() {
        let Some((_, attributes)) = NAMING.iter().find(|(kind, _)| c.kind == *kind) else {
            continue;
        };
        let values = c.values.as_ref().expect("filtered on values");
        for &(attribute, kind) in *attributes {
            for side in sides(c) {
                match attr(c, side, attribute) {
                    Tri::Known(Value::String(name))
                        if sensitive_at(values, side, attribute, None) =>
                    {
                        let id = named(kind, name);
                        let shown = place(&id, format!("{}.{attribute}", c.address));
                        hidden.hide(id, || shown);
                    }
                    Tri::Known(Value::Array(items)) => {
                        for (i, name) in items.iter().enumerate() {
                            let Some(name) = name.as_str() else { continue };
                            if sensitive_at(values, side, attribute, Some(i)) {
                                let id = named(kind, name);
                                let shown =
                                    place(&id, format!("{}.{attribute}#{}", c.address, i + 1));
                                hidden.hide(id, || shown);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    // Principals a sensitive trust policy admits, numbered per role in order of appearance.
    for c in changes().filter(|c| c.kind == "aws_iam_role") {
        let mut n = 0;
        for side in sides(c) {
            if !is_sensitive(c, side, "assume_role_policy") {
                continue;
            }
            let Tri::Known(Value::String(text)) = attr(c, side, "assume_role_policy") else {
                continue;
            };
            let Ok(statements) = policy::parse_text(text) else {
                continue;
            };
            for (id, _) in trusted_in(&statements) {
                // `aws:anyone` names no one: there is nothing to hide.
                if hidden.contains(&id) || !id.0.contains('/') {
                    continue;
                }
                n += 1;
                let shown = place(&id, format!("{}.assume_role_policy#{n}", c.address));
                hidden.hide(id, || shown);
            }
        }
    }
    // The pipeline identity, when the provider assumes it by a sensitive ARN.
    for assumed in pipeline_principals(set).into_iter().filter(|a| a.sensitive) {
        let shown = place(&assumed.id, assumed.place);
        hidden.hide(assumed.id, || shown);
    }
    hidden
}

/// A role's principal id: by name, or by address while the name is known only after apply.
fn role_id(c: &ResourceChange, side: Side) -> PrincipalId {
    match attr(c, side, "name") {
        Tri::Known(Value::String(name)) => PrincipalId::new(format!("aws:role/{name}")),
        _ => PrincipalId::new(format!("aws:role/{}", c.address)),
    }
}

/// For a policy or attachment type: the attribute naming its principal, the principal kind and
/// the resource type that defines such principals.
fn principal_attr(kind: &str) -> (&'static str, &'static str, &'static str) {
    if kind.starts_with("aws_iam_user") {
        ("user", "user", "aws_iam_user")
    } else if kind.starts_with("aws_iam_group") {
        ("group", "group", "aws_iam_group")
    } else {
        ("role", "role", "aws_iam_role")
    }
}

/// `aws:KIND/NAME` from a name or an ARN (paths are dropped: IAM names are unique per account).
fn named(kind: &str, name: &str) -> PrincipalId {
    let name = if name.starts_with("arn:") {
        name.rsplit('/').next().unwrap_or(name)
    } else {
        name
    };
    PrincipalId::new(format!("aws:{kind}/{name}"))
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
        if let [one] = ruleset::expand("aws", action).as_slice() {
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

/// An identity the AWS provider assumes.
struct Assumed {
    id: PrincipalId,
    /// Where it was found, as the report says it.
    source: String,
    /// The ARN is sensitive: it comes from a variable declared sensitive.
    sensitive: bool,
    /// Where it is set, as a principal name: `provider.aws.assume_role`.
    place: String,
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
                    let (arn, source, sensitive) = match expression.get("constant_value") {
                        Some(Value::String(arn)) => (arn.as_str(), source, false),
                        Some(_) => continue,
                        None => {
                            // Only root modules' providers see root variables.
                            let Some(var) =
                                root_variable(expression).filter(|_| !key.contains(':'))
                            else {
                                continue;
                            };
                            let Some(Value::String(arn)) = input.variables.get(var) else {
                                continue;
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
                            (arn.as_str(), format!("{source} ({from})"), sensitive)
                        }
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

/// The root variable an expression is, if it is one and nothing else (`var.role_arn`).
fn root_variable(expression: &Value) -> Option<&str> {
    let refs = expression.get("references")?.as_array()?;
    let [only] = refs.as_slice() else {
        return None;
    };
    let name = only.as_str()?.strip_prefix("var.")?;
    (!name.contains(['.', '['])).then_some(name)
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
    fn sensitive_marks_cover_a_value_a_list_item_or_the_whole_object() {
        let values = |marks: Value| Values {
            before_sensitive: marks,
            unchanged: true,
            ..Values::default()
        };
        let v = values(serde_json::json!({"users": [false, true], "groups": true}));
        assert!(!sensitive_at(&v, Side::After, "users", Some(0)));
        assert!(sensitive_at(&v, Side::After, "users", Some(1)));
        assert!(sensitive_at(&v, Side::After, "users", None));
        assert!(sensitive_at(&v, Side::Before, "groups", Some(3)));
        assert!(!sensitive_at(&v, Side::Before, "roles", None));
        let whole = values(Value::Bool(true));
        assert!(sensitive_at(&whole, Side::After, "name", None));
    }

    #[test]
    fn only_a_lone_root_variable_is_followed() {
        let e = |refs: Value| serde_json::json!({ "references": refs });
        assert_eq!(root_variable(&e(serde_json::json!(["var.ci"]))), Some("ci"));
        assert_eq!(
            root_variable(&e(serde_json::json!(["var.ci", "var.x"]))),
            None
        );
        assert_eq!(root_variable(&e(serde_json::json!(["var.roles.ci"]))), None);
        assert_eq!(root_variable(&e(serde_json::json!(["local.ci"]))), None);
        assert_eq!(
            root_variable(&serde_json::json!({"constant_value": "x"})),
            None
        );
    }

    #[test]
    fn actions_take_aws_spelling() {
        assert_eq!(normalize_action("IAM:putrolepolicy"), "iam:PutRolePolicy");
        assert_eq!(normalize_action("IAM:Put*"), "iam:Put*");
        assert_eq!(normalize_action("*:*"), "*");
    }
}
