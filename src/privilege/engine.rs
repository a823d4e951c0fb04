//! The provider-neutral engine: each resource of the change set, read as its provider's shape
//! says, → grants per principal, before and after the change.
//!
//! Direct grants come from documents given to principals (inline, or attached by key) and from
//! resource policies that name them (on that resource only); a permissions boundary denies what
//! it does not allow. Members then receive their groups' grants (a group may be a member of
//! another: an identity-store group assigned a permission set), and the principals a trust
//! document admits receive what its principal holds (one level: chains of trust are not
//! followed). Only the principals whose
//! privileges the change can alter are read in full: they are found first ([`touched`]).

use super::{Actions, Extraction, Hidden, Issued, Provider, Statement, PROVIDERS};
use crate::model::{
    any_true, Action, Effect, Grant, Permission, PrincipalId, ResourceChange, Side, Text, Unknown,
    Values,
};
use crate::normalize::ChangeSet;
use crate::resolve::{attr, Resolver, Tri};
use crate::ruleset::shapes::{
    fields, is_template, Assumes, Bindings, Credential, Defines, Definition, Membership as Members,
    OneGrant, Ref, ResourcePolicy, Scope, Selects, Shape, Shapes, Source,
};
use crate::ruleset::Ruleset;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use serde_json::Value;
use std::cell::{Cell, RefCell};

/// The principals a change set can alter for one provider, found before any document is read.
#[derive(Default)]
pub(crate) struct Touched {
    /// Principals whose grants may differ before and after: the ones the report covers.
    report: HashSet<PrincipalId>,
    /// Principals whose grants must be read to compute those: the reported ones, their groups
    /// and the principals they may assume.
    needed: HashSet<PrincipalId>,
    /// Unchanged resources whose values must be read in full.
    pub(crate) complete: Vec<usize>,
    /// The trust documents read on the way, by resource and side, with what could not be
    /// known of them.
    trusts: HashMap<(usize, Side), (Vec<Trust>, Vec<Unknown>)>,
    /// Principals whose names are sensitive.
    hidden: Hidden,
    /// Credentials the change issues, with their holders.
    issued: Vec<Issued>,
    /// Their holders.
    holders: HashSet<PrincipalId>,
}

/// A key for a resource change of the change set while it is not moved: its address in memory.
fn key(c: &ResourceChange) -> usize {
    c as *const ResourceChange as usize
}

/// A document, or why it cannot be known.
enum Doc {
    Statements {
        statements: Vec<Statement>,
        sensitive: bool,
        /// The definition of the change set the document comes from, if any.
        origin: Option<String>,
    },
    /// A bundle the provider defines, by name; `sensitive` when its key is.
    Bundle {
        name: String,
        sensitive: bool,
    },
    Unknown(String),
}

/// A member of a group, on one side.
#[derive(Clone)]
struct Membership {
    user: PrincipalId,
    group: PrincipalId,
    /// How the group's grants reach the member, as the shape says it.
    through: String,
    /// It comes from a resource that states the group's whole membership.
    whole_membership: bool,
}

/// A principal allowed to assume another (a role), on one side.
#[derive(Clone)]
struct Trust {
    trusted: PrincipalId,
    role: PrincipalId,
    via: String,
    conditional: bool,
}

/// Looks resource types up in a provider's shapes by the address of their name: the changes of
/// a change set share one text per type, so a big plan's hundreds of thousands of lookups are
/// a few comparisons of addresses (most changes come in runs of one type), not of names.
struct Lookup<'r> {
    shapes: &'r Shapes,
    /// The last type looked up, by address and length, and its shape.
    last: Cell<(*const u8, usize, Option<&'r Shape>)>,
    /// Every type looked up, the same way.
    seen: RefCell<HashMap<(usize, usize), Option<&'r Shape>>>,
}

impl<'r> Lookup<'r> {
    fn new(shapes: &'r Shapes) -> Lookup<'r> {
        Lookup {
            shapes,
            last: Cell::new((std::ptr::null(), 0, None)),
            seen: RefCell::new(HashMap::default()),
        }
    }

    /// The shape of a resource type.
    ///
    /// NOTE: the names looked up are those of the change set, which outlives the lookup: an
    /// address cannot be reused for another name meanwhile.
    fn resource(&self, kind: &str) -> Option<&'r Shape> {
        let (at, len, shape) = self.last.get();
        if at == kind.as_ptr() && len == kind.len() {
            return shape;
        }
        let shape = *self
            .seen
            .borrow_mut()
            .entry((kind.as_ptr() as usize, kind.len()))
            .or_insert_with(|| self.shapes.get(false, kind));
        self.last.set((kind.as_ptr(), kind.len(), shape));
        shape
    }

    /// The shape of a data source.
    fn data(&self, kind: &str) -> Option<&'r Shape> {
        self.shapes.get(true, kind)
    }
}

struct Extractor<'r, 'a> {
    provider: &'r dyn Provider,
    shapes: Lookup<'r>,
    set: &'a ChangeSet,
    resolver: &'r Resolver<'a>,
    /// Principals whose names are sensitive, and the ids they go by.
    hidden: &'r Hidden,
    /// Definitions of the change set (customer-managed policies) by key.
    definitions: HashMap<String, (&'a ResourceChange, &'r Definition)>,
    unknowns: Vec<Unknown>,
    /// Which principals to report and to read; `None` while finding them out.
    touched: Option<&'a Touched>,
    texts: HashSet<Text>,
    actions: HashMap<String, Text>,
    /// The holders of the change being read.
    holders: Vec<PrincipalId>,
    /// Principals the change set defines, by the id others may name them by (a team's
    /// numeric id): `(kind, id)` → the principal.
    ids: HashMap<(&'r str, &'a str), PrincipalId>,
    /// What authoritative resources replace, before and after the change: (type replaced,
    /// the resource it names, the key or "" for every key).
    claims: [Claims; 2],
    /// Definitions by one of their labels (`(key, value)`), built when a label selector is
    /// first read.
    labelled: Option<LabelIndex<'r, 'a>>,
    /// Defining resources by the value of another of their attributes than their name, for
    /// references that name them so (`key`): (defining type, attribute, value) → resource.
    keyed: HashMap<(&'r str, &'r str, &'a str), &'a ResourceChange>,
}

/// What authoritative resources replace on one side (see [`Shape::authoritative`]).
type Claims = HashSet<(String, String, String)>;

/// Bindings read from the data source that renders a document, with that data source and its
/// shape's source where they were read from blocks.
type FollowedBindings<'r, 'a> = (
    Vec<super::Binding>,
    Option<(&'a ResourceChange, &'r Source)>,
);

/// Definitions of the change set by one of their labels.
type LabelIndex<'r, 'a> = HashMap<(String, String), Vec<(&'a ResourceChange, &'r Definition)>>;

/// Find the principals a change set can alter, from the changed resources and the parts of the
/// unchanged ones already read.
pub(crate) fn touched<'a>(
    provider: &dyn Provider,
    shapes: &Shapes,
    set: &'a ChangeSet,
    resolver: &Resolver<'a>,
) -> Touched {
    let hidden = hidden(provider, shapes, set);
    let mut touched = Extractor::new(provider, shapes, set, resolver, None, &hidden).touched();
    touched.hidden = hidden;
    touched
}

/// Extract the grants of the touched principals into `out`.
pub(crate) fn extract<'a>(
    provider: &dyn Provider,
    shapes: &Shapes,
    set: &'a ChangeSet,
    resolver: &Resolver<'a>,
    touched: &'a Touched,
    out: &mut Extraction,
) {
    let mut x = Extractor::new(
        provider,
        shapes,
        set,
        resolver,
        Some(touched),
        &touched.hidden,
    );
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
    out.issued.extend(touched.issued.iter().cloned());
    out.unknowns.append(&mut x.unknowns);
    out.pipeline.extend(
        provider
            .pipeline(set)
            .into_iter()
            .map(|p| (touched.hidden.show(p.id), p.source)),
    );
    out.hidden.extend(touched.hidden.clone());
}

/// What a provider that reads no type of the change set gives: only the identities its
/// configuration applies the change as (hidden where their names are sensitive, as
/// [`hidden`] does).
pub(crate) fn pipeline_only(provider: &dyn Provider, set: &ChangeSet, out: &mut Extraction) {
    let mut hidden = Hidden::default();
    for assumed in provider.pipeline(set) {
        if assumed.sensitive {
            let kind = assumed
                .id
                .0
                .split_once('/')
                .map_or(&*assumed.id.0, |(k, _)| k);
            let shown = PrincipalId::new(format!("{kind}/{}", assumed.place));
            hidden.hide(assumed.id.clone(), || shown);
        }
        out.pipeline.push((hidden.show(assumed.id), assumed.source));
    }
    out.hidden.extend(hidden);
}

/// Whether a change issues the credential it is: creates it, replaces it (a rotation), or turns
/// it active again.
fn issues(c: &ResourceChange, credential: &Credential) -> bool {
    match c.action {
        Action::Create | Action::CreateForget | Action::Replace { .. } => true,
        Action::Update => credential.active.as_ref().is_some_and(|(attribute, value)| {
            let is = |side| matches!(attr(c, side, attribute), Tri::Known(Value::String(v)) if v == value);
            is(Side::After) && !is(Side::Before)
        }),
        _ => false,
    }
}

/// Whether an object exists on one side of its change.
fn exists(c: &ResourceChange, side: Side) -> bool {
    match side {
        Side::Before => c.action.has_before(),
        Side::After => c.action.has_after(),
    }
}

impl<'r, 'a> Extractor<'r, 'a> {
    fn new(
        provider: &'r dyn Provider,
        shapes: &'r Shapes,
        set: &'a ChangeSet,
        resolver: &'r Resolver<'a>,
        touched: Option<&'a Touched>,
        hidden: &'r Hidden,
    ) -> Extractor<'r, 'a> {
        let shapes = Lookup::new(shapes);
        let mut definitions = HashMap::default();
        for c in set.changes.iter().filter(|c| !c.data && c.values.is_some()) {
            let Some(d) = shapes.resource(&c.kind).and_then(|s| s.definition.as_ref()) else {
                continue;
            };
            for side in [Side::Before, Side::After] {
                for k in std::iter::once(&d.key).chain(&d.name) {
                    if let Said::Text(key) = said(c, side, k) {
                        definitions.insert(provider.key(key), (c, d));
                    }
                }
            }
        }
        let mut ids = HashMap::default();
        for c in set.changes.iter().filter(|c| !c.data && c.values.is_some()) {
            let Some(defines) = shapes.resource(&c.kind).and_then(|s| s.principal.as_ref()) else {
                continue;
            };
            let Some(id) = &defines.id else { continue };
            for side in [Side::Before, Side::After] {
                if let (Tri::Known(Value::String(value)), Said::Text(name)) =
                    (attr(c, side, id), said(c, side, &defines.name))
                {
                    let principal = hidden.show(provider.principal(&defines.kind, &name));
                    ids.insert((defines.kind.as_str(), value.as_str()), principal);
                }
            }
        }
        let mut claims: [Claims; 2] = Default::default();
        for c in set.changes.iter().filter(|c| !c.data && c.values.is_some()) {
            let Some(shape) = shapes.resource(&c.kind) else {
                continue;
            };
            if shape.authoritative.is_some() && c.deposed().is_none() {
                for (i, side) in [Side::Before, Side::After].into_iter().enumerate() {
                    if exists(c, side) {
                        claims[i].extend(claimed(c, shape, side));
                    }
                }
            }
        }
        let keyed = keyed(&shapes, set);
        Extractor {
            labelled: None,
            ids,
            provider,
            shapes,
            set,
            resolver,
            hidden,
            definitions,
            unknowns: Vec::new(),
            touched,
            texts: HashSet::default(),
            actions: HashMap::default(),
            holders: Vec::new(),
            claims,
            keyed,
        }
    }

    /// Whether a principal's grants must be read.
    fn needed(&self, p: &PrincipalId) -> bool {
        self.touched.is_none_or(|t| t.needed.contains(p))
    }

    /// Whether what a principal holds through groups and roles is followed: it is reported,
    /// or holds a credential the change issues.
    fn followed(&self, p: &PrincipalId) -> bool {
        self.touched
            .is_none_or(|t| t.report.contains(p) || t.holders.contains(p))
    }

    /// The shape of a resource change the engine reads, if any.
    fn shape(&self, c: &ResourceChange) -> Option<&'r Shape> {
        if c.data || c.values.is_none() || c.deposed().is_some() {
            return None;
        }
        self.shapes.resource(&c.kind)
    }

    /// The principals whose grants the change set can alter.
    fn touched(&mut self) -> Touched {
        let set = self.set;
        let mut report: HashSet<PrincipalId> = HashSet::default();
        // For each resource, the principals it concerns (either side), and the edges along
        // which grants pass: member → group, trusted principal → role.
        let mut owners: Vec<(usize, Vec<PrincipalId>)> = Vec::new();
        let mut members: Vec<(PrincipalId, PrincipalId)> = Vec::new();
        let mut trusts: Vec<(PrincipalId, PrincipalId)> = Vec::new();
        let mut changed_definitions: HashSet<String> = HashSet::default();
        // Definitions computed from what their selectors match, and whether a labelled one
        // changes.
        let mut aggregated: Vec<String> = Vec::new();
        let mut labelled_changed = false;
        let mut attachments: Vec<(Vec<PrincipalId>, String)> = Vec::new();
        let mut trust_cache: HashMap<(usize, Side), (Vec<Trust>, Vec<Unknown>)> =
            HashMap::default();
        let mut issued: Vec<Issued> = Vec::new();
        // Groups whose whole membership a changed resource states: every member may change.
        let mut governed: HashSet<PrincipalId> = HashSet::default();
        let mut changed_claims: Claims = HashSet::default();
        for (i, c) in set.changes.iter().enumerate() {
            let Some(shape) = self.shape(c) else {
                continue;
            };
            let changed = c.action.is_change();
            if changed && shape.authoritative.is_some() {
                for side in [Side::Before, Side::After] {
                    if exists(c, side) {
                        changed_claims.extend(claimed(c, shape, side));
                    }
                }
            }
            let mut mine: Vec<PrincipalId> = Vec::new();
            for side in [Side::Before, Side::After] {
                if !exists(c, side) {
                    continue;
                }
                if let Some(defines) = shape.principal.as_ref().filter(|_| shape.grants_itself()) {
                    let me = self.principal_id(c, side, defines);
                    if let Some(trust) = &shape.trust {
                        let noted = self.unknowns.len();
                        let found = self.trusts(c, side, &me, trust, &defines.kind);
                        let notes = self.unknowns[noted..].to_vec();
                        trust_cache.insert((key(c), side), (found.clone(), notes));
                        for t in found {
                            if changed {
                                report.insert(t.trusted.clone());
                            }
                            trusts.push((t.trusted, t.role));
                        }
                    }
                    if let Some(attached) = shape.own.as_ref().and_then(|o| o.attached.as_ref()) {
                        if let Tri::Known(Value::Array(keys)) = attr(c, side, attached) {
                            for k in keys.iter().filter_map(Value::as_str) {
                                attachments.push((vec![me.clone()], k.to_string()));
                            }
                        }
                    }
                    if let Some((_, Tri::Known(Value::String(key)))) =
                        boundary_key(c, side, &shape.boundary)
                    {
                        attachments.push((vec![me.clone()], key.clone()));
                    }
                    mine.push(me);
                }
                let first = mine.len();
                for r in &shape.holders {
                    self.named(c, side, r, &mut mine);
                }
                if let Some(b) = &shape.bindings {
                    for (binding, ids) in self.bindings_of(c, side, b) {
                        attachments.push((ids.clone(), binding.key));
                        for id in ids {
                            if !mine.contains(&id) {
                                mine.push(id);
                            }
                        }
                    }
                }
                // Whom the holders may act as: any grant of the resource may be one that lets
                // them (which grants do is read later, for the principals it concerns).
                if let Some(a) = &shape.assumes {
                    if let Some(target) = self.one(c, side, &a.principal) {
                        for h in &mine[first..] {
                            trusts.push((h.clone(), target.clone()));
                        }
                    }
                }
                for m in &shape.membership {
                    if shape.whole_membership && changed {
                        let mut groups = Vec::new();
                        self.named(c, side, &m.group, &mut groups);
                        governed.extend(groups);
                    }
                    for (user, group) in self.memberships(c, side, m) {
                        if changed {
                            report.insert(user.clone());
                        }
                        members.push((user, group));
                    }
                }
                if let Some(d) = &shape.definition {
                    for k in std::iter::once(&d.key).chain(&d.name) {
                        if let Said::Text(key) = said(c, side, k) {
                            if changed {
                                changed_definitions.insert(self.provider.key(key));
                            }
                        }
                    }
                    // A labelled definition that changes may change what a selector matches.
                    if let Some(selects) = &d.selects {
                        let set = |path: &str| match read(c, side, path) {
                            Tri::Known(Value::Array(items)) => !items.is_empty(),
                            Tri::Known(Value::Object(map)) => !map.is_empty(),
                            Tri::Known(Value::Null) | Tri::Absent => false,
                            Tri::Known(_) | Tri::Unknown => true,
                        };
                        if d.computed_when.as_deref().is_some_and(set) {
                            if let Said::Text(key) = said(c, side, &d.key) {
                                aggregated.push(self.provider.key(key));
                            }
                        }
                        labelled_changed |= changed && set(&selects.labels);
                    }
                }
                let key = match (&shape.attaches, shape.principal.is_none()) {
                    (Some(_), _) => match attached_key(c, side, shape).1 {
                        Said::Text(key) => Some(self.provider.key(key)),
                        _ => None,
                    },
                    (None, true) => match boundary_key(c, side, &shape.boundary) {
                        Some((_, Tri::Known(Value::String(key)))) => Some(key.clone()),
                        _ => None,
                    },
                    (None, false) => None,
                };
                if let Some(key) = key {
                    attachments.push((mine.clone(), key));
                }
                if let Some(rp) = &shape.resource_policy {
                    for (p, _) in self.granted(c, side, rp) {
                        if !mine.contains(&p) {
                            mine.push(p);
                        }
                    }
                }
                if let Some(g) = &shape.grant {
                    mine.extend(self.one_grant(c, side, g).map(|(p, _)| p));
                }
                for (trusted, role) in self.admitted(c, side, shape) {
                    if changed {
                        report.insert(trusted.clone());
                    }
                    trusts.push((trusted, role));
                }
            }
            if let Some(credential) = shape.credential.as_ref().filter(|k| issues(c, k)) {
                if let Some(holder) = self.one(c, Side::After, &credential.holder) {
                    issued.push(Issued {
                        holder,
                        via: c.address.clone(),
                        what: credential.what.clone(),
                    });
                }
            }
            if changed {
                report.extend(mine.iter().cloned());
            }
            if !mine.is_empty() {
                owners.push((i, mine));
            }
        }
        // Whoever an authoritative change may take a grant from.
        if !changed_claims.is_empty() {
            for (i, principals) in &owners {
                let c = &set.changes[*i];
                let Some(shape) = self.shape(c) else { continue };
                let hit = [Side::Before, Side::After]
                    .into_iter()
                    .any(|side| exists(c, side) && replaced_by(c, shape, side, &changed_claims));
                if hit {
                    report.extend(principals.iter().cloned());
                }
            }
        }
        if labelled_changed {
            changed_definitions.extend(aggregated);
        }
        // Whoever holds a changed definition.
        for (principals, key) in &attachments {
            if changed_definitions.contains(key) {
                report.extend(principals.iter().cloned());
            }
        }
        for (user, group) in &members {
            if governed.contains(group) {
                report.insert(user.clone());
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
        // What holders of new credentials hold is read too: a key carries all of it. The
        // groups of needed members are needed (groups may be members of others: an
        // identity-store group is assigned a permission set).
        let mut needed = report.clone();
        needed.extend(issued.iter().map(|k| k.holder.clone()));
        let holders: HashSet<PrincipalId> = issued.iter().map(|k| k.holder.clone()).collect();
        let read = |p: &PrincipalId| report.contains(p) || holders.contains(p);
        loop {
            let more: Vec<PrincipalId> = members
                .iter()
                .filter(|(u, g)| needed.contains(u) && !needed.contains(g))
                .map(|(_, g)| g.clone())
                .collect();
            if more.is_empty() {
                break;
            }
            needed.extend(more);
        }
        needed.extend(
            trusts
                .iter()
                .filter(|(t, _)| read(t))
                .map(|(_, r)| r.clone()),
        );
        // Unchanged resources to read in full: those of needed principals, and the definitions
        // they have attached.
        let wanted_keys: HashSet<&str> = attachments
            .iter()
            .filter(|(ps, _)| ps.iter().any(|p| needed.contains(p)))
            .map(|(_, key)| key.as_str())
            .collect();
        let mut complete: Vec<usize> = owners
            .iter()
            .filter(|(_, ps)| ps.iter().any(|p| needed.contains(p)))
            .map(|(i, _)| *i)
            .collect();
        for (i, c) in set.changes.iter().enumerate() {
            if c.deferred.is_none() || c.data {
                continue;
            }
            let Some(d) = self
                .shapes
                .resource(&c.kind)
                .and_then(|s| s.definition.as_ref())
            else {
                continue;
            };
            for k in std::iter::once(&d.key).chain(&d.name) {
                if let Said::Text(key) = said(c, Side::Before, k) {
                    if wanted_keys.contains(self.provider.key(key).as_str()) {
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
            issued,
            holders,
        }
    }

    /// The grants before and after the change.
    fn sides(&mut self) -> [Vec<Grant>; 2] {
        let mut found: [Found; 2] = Default::default();
        let set = self.set;
        for c in &set.changes {
            let Some(shape) = self.shape(c) else {
                continue;
            };
            if c.action == crate::model::Action::NoOp && self.self_contained(c, shape) {
                // Unchanged: the same grants on both sides, read once.
                let [before, after] = &mut found;
                let mark = (
                    before.grants.len(),
                    before.members.len(),
                    before.trusts.len(),
                );
                self.change(c, shape, Side::Before, before);
                after.grants.extend_from_slice(&before.grants[mark.0..]);
                after.members.extend_from_slice(&before.members[mark.1..]);
                after.trusts.extend_from_slice(&before.trusts[mark.2..]);
                continue;
            }
            if c.action.has_before() {
                self.change(c, shape, Side::Before, &mut found[0]);
            }
            if c.action.has_after() {
                self.change(c, shape, Side::After, &mut found[1]);
            }
        }
        let [before, mut after] = found;
        // What a resource that states a group's whole membership leaves out is removed.
        let mut governed: HashSet<PrincipalId> = HashSet::default();
        for c in &set.changes {
            let Some(shape) = self.shape(c).filter(|s| s.whole_membership) else {
                continue;
            };
            if !c.action.has_after() {
                continue;
            }
            for m in &shape.membership {
                let mut groups = Vec::new();
                self.named(c, Side::After, &m.group, &mut groups);
                if c.action.is_change() {
                    for g in &groups {
                        self.note(
                            c,
                            m.group.read(),
                            &format!(
                                "states the whole membership of {g}: members it does not list, \
                                 including any added outside Terraform, are removed"
                            ),
                        );
                    }
                }
                governed.extend(groups);
            }
        }
        if !governed.is_empty() {
            after
                .members
                .retain(|m| m.whole_membership || !governed.contains(&m.group));
        }
        [derive(before), derive(after)]
    }

    /// Whether an unchanged resource states the same grants on both sides: not when it
    /// attaches a definition, which the change may alter.
    fn self_contained(&self, c: &ResourceChange, shape: &Shape) -> bool {
        // An authoritative resource of the change set may replace it on one side only.
        if shape.replaced_on.is_some() && self.claims.iter().any(|c| !c.is_empty()) {
            return false;
        }
        let definition = |key: &Value| key.as_str().is_some_and(|k| !self.provider.is_bundle(k));
        if shape.attaches.is_some() {
            if let Said::Text(key) = attached_key(c, Side::Before, shape).1 {
                if !self.provider.is_bundle(&self.provider.key(key)) {
                    return false;
                }
            }
        }
        if let Some((_, Tri::Known(key))) = boundary_key(c, Side::Before, &shape.boundary) {
            if definition(key) {
                return false;
            }
        }
        match shape.own.as_ref().and_then(|o| o.attached.as_ref()) {
            Some(attached) => match attr(c, Side::Before, attached) {
                Tri::Known(Value::Array(keys)) => !keys.iter().any(definition),
                _ => true,
            },
            None => true,
        }
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
    // Members hold what their groups hold.
    let mut by_principal: HashMap<PrincipalId, Vec<usize>> = HashMap::default();
    for (i, g) in grants.iter().enumerate() {
        by_principal.entry(g.principal.clone()).or_default().push(i);
    }
    // Groups may be members of others (an identity-store group is assigned a permission set):
    // what a member receives passes on, a few levels at most.
    const LEVELS: usize = 4;
    let mut fresh = 0..grants.len();
    for level in 0..LEVELS {
        let mut derived = Vec::new();
        for m in &members {
            for &i in by_principal.get(&m.group).map_or(&[][..], Vec::as_slice) {
                if !fresh.contains(&i) {
                    continue;
                }
                let g = &grants[i];
                let through = match (&g.through, level) {
                    (Some(before), 1..) => format!("{}, {before}", m.through),
                    _ => m.through.clone(),
                };
                derived.push(Grant {
                    principal: m.user.clone(),
                    through: Some(through.into()),
                    from: Some(m.group.clone()),
                    ..g.clone()
                });
            }
        }
        if derived.is_empty() {
            break;
        }
        let start = grants.len();
        for (i, g) in derived.iter().enumerate() {
            by_principal
                .entry(g.principal.clone())
                .or_default()
                .push(start + i);
        }
        grants.append(&mut derived);
        fresh = start..grants.len();
    }
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

impl<'r, 'a> Extractor<'r, 'a> {
    fn change(&mut self, c: &'a ResourceChange, shape: &'r Shape, side: Side, found: &mut Found) {
        let Found {
            grants,
            members,
            trusts,
        } = found;
        if let Some(defines) = shape.principal.as_ref().filter(|_| shape.grants_itself()) {
            self.principal(c, shape, defines, side, grants, trusts);
        }
        let mark = grants.len();
        if !shape.holders.is_empty() {
            // NOTE: one list, reused: most changes of a big plan give one principal a policy.
            let mut principals = std::mem::take(&mut self.holders);
            for r in &shape.holders {
                if r.blocks.is_some() && shape.document.is_some() {
                    // Each block names its principal and holds its own document.
                    self.block_holders(c, side, shape, r, grants);
                    continue;
                }
                self.named(c, side, r, &mut principals);
            }
            // An authoritative resource replaces what this one gives. NOTE: not what a change
            // gives after it (a grant created beside a policy that overwrites it): which one
            // wins is up to the order of apply, so the grant is taken as held.
            let unchanged = side == Side::Before || c.action == Action::NoOp;
            if unchanged && replaced_by(c, shape, side, &self.claims[side_index(side)]) {
                principals.clear();
            }
            principals.retain(|p| self.needed(p));
            let conditional = shape
                .conditional
                .as_ref()
                .is_some_and(|a| is_set(c, side, a));
            if !principals.is_empty() {
                let doc = match (&shape.document, &shape.attaches) {
                    (Some(_), _) if !shape.document_with.is_empty() => {
                        self.values_doc(c, side, shape, None)
                    }
                    (Some(document), _) => self.inline_doc(c, side, document),
                    (None, Some(_)) => self.attached_doc(c, side, shape),
                    (None, None) => {
                        // A shape's holders come with one of document, attaches or boundary
                        // (checked when it is loaded).
                        self.boundary(c, side, &shape.boundary, &principals, grants);
                        Doc::Statements {
                            statements: Vec::new(),
                            sensitive: false,
                            origin: None,
                        }
                    }
                };
                let (doc, through) = self.within(doc, shape.scope.as_ref());
                let start = grants.len();
                for p in &principals {
                    self.push(grants, &doc, p, c, through.clone());
                }
                if let Some(scope) = &shape.scope {
                    self.scoped(c, side, scope, &mut grants[start..]);
                }
                if let Some(a) = &shape.assumes {
                    self.assume(c, side, a, &doc, &principals, conditional, trusts);
                }
            }
            for g in &mut grants[mark..] {
                g.conditional |= conditional;
            }
            principals.clear();
            self.holders = principals;
        }
        if let Some(b) = &shape.bindings {
            self.give_bindings(c, shape, b, side, grants, trusts);
        }
        for (trusted, role) in self.admitted(c, side, shape) {
            if self.followed(&trusted) {
                trusts.push(Trust {
                    trusted,
                    role,
                    via: c.address.to_string(),
                    conditional: false,
                });
            }
        }
        for m in &shape.membership {
            for (user, group) in self.memberships(c, side, m) {
                if self.needed(&user) {
                    let through = through(c, side, &m.through, &group);
                    members.push(Membership {
                        user,
                        group,
                        through,
                        whole_membership: shape.whole_membership,
                    });
                }
            }
        }
        // What a resource's own policy, or a single grant, gives the principals it names.
        let mut given = Vec::new();
        if let Some(rp) = &shape.resource_policy {
            given = self.granted(c, side, rp);
        }
        if let Some(g) = &shape.grant {
            given.extend(self.one_grant(c, side, g));
        }
        for (p, statement) in given {
            if self.needed(&p) {
                let doc = Doc::Statements {
                    statements: vec![statement],
                    sensitive: false,
                    origin: None,
                };
                self.push(grants, &doc, &p, c, None);
            }
        }
    }

    /// Scope the grants a resource gives its holders to where the resource says they apply
    /// (a binding's project): a scope known only after apply is broad, since it may be any.
    fn scoped(&mut self, c: &ResourceChange, side: Side, scope: &Scope, grants: &mut [Grant]) {
        if grants.is_empty() {
            return;
        }
        let (text, broad) = match read(c, side, &scope.attribute) {
            Tri::Known(Value::String(value)) => {
                let broad = scope
                    .broad
                    .unwrap_or_else(|| self.provider.broad_scope(value));
                (self.text(value), broad)
            }
            Tri::Known(_) | Tri::Absent => return,
            // The value its reference names, where that is known (a new bucket's name).
            Tri::Unknown if self.followed_value(c, &scope.attribute).is_some() => {
                let value = self
                    .followed_value(c, &scope.attribute)
                    .expect("checked just above");
                let broad = scope
                    .broad
                    .unwrap_or_else(|| self.provider.broad_scope(&value));
                (self.text(&value), broad)
            }
            // NOTE: a scope the shape says is never broad (one vault) is one resource, whichever.
            Tri::Unknown if scope.broad == Some(false) => (self.text("(known after apply)"), false),
            Tri::Unknown => {
                self.note(
                    c,
                    &scope.attribute,
                    "where the grant applies is known only after apply: taken as anywhere",
                );
                (self.text("(known after apply)"), true)
            }
        };
        for g in grants {
            if matches!(g.permission, Permission::Unknown(_)) {
                continue;
            }
            g.scope = text.clone();
            g.broad = g.broad && broad;
        }
    }

    /// The value an attribute known only after apply will take, where its configuration
    /// references an attribute of another resource that is known (`bucket =
    /// google_storage_bucket.orders.name`, a name the configuration sets).
    fn followed_value(&self, c: &ResourceChange, attribute: &str) -> Option<String> {
        self.resolver
            .references(c, top(attribute))
            .iter()
            .find_map(|reference| {
                let target = self.resolver.resolve(c, reference)?;
                let path = reference.splitn(3, '.').nth(2)?;
                match read(target.change, Side::After, path) {
                    Tri::Known(Value::String(value)) if !value.is_empty() => Some(value.clone()),
                    _ => None,
                }
            })
    }

    /// A resource that is a principal: whoever its trust document admits, and its own
    /// documents.
    fn principal(
        &mut self,
        c: &'a ResourceChange,
        shape: &Shape,
        defines: &Defines,
        side: Side,
        grants: &mut Vec<Grant>,
        trusts: &mut Vec<Trust>,
    ) {
        let me = self.principal_id(c, side, defines);
        if let Some(trust) = &shape.trust {
            let mut found = match self.touched.and_then(|t| t.trusts.get(&(key(c), side))) {
                Some((known, notes)) => {
                    // What could not be known of the trust document was found on the first
                    // pass.
                    if c.action.is_change() || self.needed(&me) {
                        for u in notes {
                            self.note(c, &u.attribute, &u.detail);
                        }
                    }
                    known.clone()
                }
                None => self.trusts(c, side, &me, trust, &defines.kind),
            };
            found.retain(|t| self.followed(&t.trusted));
            trusts.append(&mut found);
        }
        if !self.needed(&me) {
            return;
        }
        if !shape.boundary.is_empty() {
            self.boundary(c, side, &shape.boundary, std::slice::from_ref(&me), grants);
        }
        let Some(own) = &shape.own else {
            return;
        };
        let values = c
            .values
            .as_ref()
            .expect("only changes with values are extracted");
        // Only a principal that has some would say whether the configuration sets them.
        let has = |name: &Option<String>| {
            name.as_ref().is_some_and(|name| match attr(c, side, name) {
                Tri::Known(Value::Array(items)) => !items.is_empty(),
                Tri::Known(_) | Tri::Absent => false,
                Tri::Unknown => true,
            })
        };
        let [inline_configured, attached_configured] = if !own.only_configured {
            [true, true]
        } else if has(&own.inline) || has(&own.attached) {
            self.configured(c, [&own.inline, &own.attached])
        } else {
            [false, false]
        };
        let kind = &defines.kind;
        if let Some(inline) = own.inline.as_deref().filter(|_| inline_configured) {
            match attr(c, side, inline) {
                Tri::Known(Value::Array(blocks)) => {
                    let sensitive = values.is_sensitive(side, inline);
                    for b in blocks {
                        match b.get(&own.document) {
                            Some(Value::String(text)) => {
                                let doc = match self.provider.document(text) {
                                    Ok(statements) => Doc::Statements {
                                        statements,
                                        sensitive,
                                        origin: None,
                                    },
                                    Err(_) if sensitive => self.unreadable(c, inline),
                                    Err(e) => Doc::Unknown(format!(
                                        "an inline policy cannot be read: {e}"
                                    )),
                                };
                                self.push(grants, &doc, &me, c, None);
                            }
                            _ if side == Side::After && values.is_unknown(side, inline) => {
                                let doc = Doc::Unknown(
                                    "an inline policy is known only after apply".into(),
                                );
                                self.push(grants, &doc, &me, c, None);
                            }
                            _ => {}
                        }
                    }
                }
                Tri::Unknown => {
                    let what = format!("the {kind}'s inline policies are known only after apply");
                    self.note(c, inline, &what);
                    self.push(grants, &Doc::Unknown(what), &me, c, None);
                }
                _ => {}
            }
        }
        if let Some(attached) = own.attached.as_deref().filter(|_| attached_configured) {
            match attr(c, side, attached) {
                Tri::Known(Value::Array(keys)) => {
                    for (i, key) in keys.iter().enumerate() {
                        let Some(key) = key.as_str() else { continue };
                        let sensitive = sensitive_at(values, side, attached, Some(i));
                        let doc = self.doc_for_key(key, side, sensitive);
                        self.push(grants, &doc, &me, c, None);
                    }
                }
                Tri::Unknown => {
                    let what = format!("the {kind}'s managed policies are known only after apply");
                    self.note(c, attached, &what);
                    self.push(grants, &Doc::Unknown(what), &me, c, None);
                }
                _ => {}
            }
        }
    }

    /// Who a principal's trust document lets assume it.
    fn trusts(
        &mut self,
        c: &ResourceChange,
        side: Side,
        me: &PrincipalId,
        attribute: &str,
        kind: &str,
    ) -> Vec<Trust> {
        let mut out = Vec::new();
        match attr(c, side, attribute) {
            Tri::Known(Value::String(text)) => match self.provider.trusted(text) {
                Ok(trusted) => {
                    for (trusted, conditional) in trusted {
                        out.push(Trust {
                            trusted: self.hidden.show(trusted),
                            role: me.clone(),
                            via: c.address.to_string(),
                            conditional,
                        });
                    }
                }
                // NOTE: the parser's message can quote the document: never for a sensitive one.
                Err(_) if is_sensitive(c, side, attribute) => self.note(
                    c,
                    attribute,
                    &format!(
                        "the trust policy is sensitive and could not be read: who may assume the \
                         {kind} is unknown"
                    ),
                ),
                Err(e) => self.note(
                    c,
                    attribute,
                    &format!("the trust policy cannot be read: {e}"),
                ),
            },
            Tri::Unknown => {
                self.note(
                    c,
                    attribute,
                    &format!(
                        "the trust policy (who can assume the {kind}) is known only after apply"
                    ),
                );
            }
            _ => {}
        }
        out
    }

    /// The (member, group) pairs a membership resource states. The attribute that names one
    /// principal is read first: when it names no one, the list is not read.
    fn memberships(
        &mut self,
        c: &ResourceChange,
        side: Side,
        m: &Members,
    ) -> Vec<(PrincipalId, PrincipalId)> {
        let group_first = !m.group.list || m.member.list;
        let (first, second) = if group_first {
            (&m.group, &m.member)
        } else {
            (&m.member, &m.group)
        };
        let mut firsts = Vec::new();
        self.named(c, side, first, &mut firsts);
        if firsts.is_empty() {
            return Vec::new();
        }
        let mut seconds = Vec::new();
        self.named(c, side, second, &mut seconds);
        let mut out = Vec::new();
        for f in &firsts {
            for s in &seconds {
                out.push(if group_first {
                    (s.clone(), f.clone())
                } else {
                    (f.clone(), s.clone())
                });
            }
        }
        out
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
            Doc::Bundle { name, sensitive } => grants.push(Grant {
                principal: principal.clone(),
                effect: Effect::Allow,
                permission: Permission::Managed(self.text(name)),
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
                // A document defined in the change set is shown as the source of its grants,
                // with the attachment that gives it to the principal.
                let (via_address, through) = match origin {
                    Some(definition) if definition.as_str() != via.address.as_str() => (
                        self.text(definition),
                        through.or_else(|| Some(format!("attached by {}", via.address).into())),
                    ),
                    _ => (address, through),
                };
                for s in statements {
                    let scope = self.text(&s.scope);
                    let permissions = match &s.actions {
                        Actions::Action(list) => list
                            .iter()
                            .map(|a| Permission::Action(self.action(a)))
                            .collect(),
                        Actions::NotAction(list) => {
                            let mut list: Vec<String> =
                                list.iter().map(|a| self.provider.spell(a)).collect();
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
                            broad: s.broad,
                            conditional: s.conditional,
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

    /// An action as the provider spells it, shared.
    fn action(&mut self, action: &str) -> Text {
        if let Some(t) = self.actions.get(action) {
            return t.clone();
        }
        let t: Text = self.provider.spell(action).into();
        self.actions.insert(action.to_string(), t.clone());
        t
    }

    /// Add the principals an attribute names (one, or a list, or one per block) to `out`.
    fn named(&mut self, c: &ResourceChange, side: Side, r: &Ref, out: &mut Vec<PrincipalId>) {
        if let Some(blocks) = &r.blocks {
            out.extend(
                self.in_blocks(c, side, r, blocks)
                    .into_iter()
                    .map(|(p, _)| p),
            );
            return;
        }
        if let Some((attribute, value)) = &r.when {
            match attr(c, side, attribute) {
                Tri::Known(Value::String(v)) if v == value => {}
                _ => return,
            }
        }
        if r.list {
            out.append(&mut self.principals(c, side, r));
        } else {
            out.extend(self.one(c, side, r));
        }
    }

    /// The principals named one per block (a binding's `subject` blocks, a vault's
    /// `access_policy` blocks), each with its block: `attribute` (or a template of the block's
    /// attributes) and `when` are read in each block. A name known only after apply is followed
    /// through the block's configuration, or else goes by the block's place:
    /// `KIND/ADDRESS.BLOCKS#N`.
    fn in_blocks<'v>(
        &mut self,
        c: &'v ResourceChange,
        side: Side,
        r: &Ref,
        blocks: &str,
    ) -> Vec<(PrincipalId, &'v Value)> {
        let list = match attr(c, side, blocks) {
            Tri::Known(Value::Array(list)) => list,
            Tri::Unknown => {
                self.note(
                    c,
                    blocks,
                    &format!(
                        "the {}s named in {blocks} are known only after apply",
                        r.kind
                    ),
                );
                return Vec::new();
            }
            _ => return Vec::new(),
        };
        let unknown = c
            .values
            .as_ref()
            .filter(|_| side == Side::After)
            .and_then(|v| v.after_unknown.get(blocks));
        let mut out = Vec::new();
        for (i, block) in list.iter().enumerate() {
            if let Some((attribute, value)) = &r.when {
                match block.get(attribute.as_str()) {
                    Some(Value::String(v)) if v == value => {}
                    _ => continue,
                }
            }
            let marks = unknown.and_then(|u| u.get(i));
            let id = match said_in(block, marks, &r.attribute) {
                Said::Text(name) if !name.is_empty() => {
                    self.hidden.show(self.provider.principal(&r.kind, &name))
                }
                Said::Text(_) | Said::Absent => continue,
                Said::Unknown => {
                    // Follow the block's configuration (the i-th block as configured) to the
                    // resource it names.
                    let followed = {
                        let configured = self.resolver.expressions(c);
                        let expression = configured
                            .as_ref()
                            .and_then(|e| e.get(blocks))
                            .and_then(|b| b.get(i))
                            .and_then(|b| b.get(&r.attribute));
                        crate::resolve::references_in(expression)
                            .iter()
                            .filter_map(|reference| self.resolver.resolve(c, reference))
                            .find_map(|t| self.referenced(r, t.change))
                    };
                    match followed {
                        Some(id) => id,
                        None => {
                            self.note(
                                c,
                                blocks,
                                &format!("a {} it names is known only after apply", r.kind),
                            );
                            self.by_address(&r.kind, &format!("{}.{blocks}#{}", c.address, i + 1))
                        }
                    }
                }
            };
            out.push((id, block));
        }
        out
    }

    /// Holders named inside blocks, each given the document its own block states.
    fn block_holders(
        &mut self,
        c: &ResourceChange,
        side: Side,
        shape: &Shape,
        r: &Ref,
        grants: &mut Vec<Grant>,
    ) {
        let Some(blocks) = &r.blocks else { return };
        let start = grants.len();
        for (p, block) in self.in_blocks(c, side, r, blocks) {
            if !self.needed(&p) {
                continue;
            }
            let doc = self.values_doc(c, side, shape, Some((blocks, block)));
            self.push(grants, &doc, &p, c, None);
        }
        if let Some(scope) = &shape.scope {
            self.scoped(c, side, scope, &mut grants[start..]);
        }
    }

    /// A document given as values of several attributes (of the resource, or of one of its
    /// blocks: `(blocks attribute, block)`), read by the provider
    /// ([`Provider::document_value`]).
    fn values_doc(
        &mut self,
        c: &ResourceChange,
        side: Side,
        shape: &Shape,
        block: Option<(&str, &Value)>,
    ) -> Doc {
        let attributes = shape.document.iter().chain(&shape.document_with);
        let mut object = serde_json::Map::new();
        let mut sensitive = false;
        for a in attributes {
            let value = match block {
                Some((_, b)) => b.get(a).filter(|v| !v.is_null()),
                None => match attr(c, side, a) {
                    Tri::Known(v) => Some(v),
                    Tri::Absent => None,
                    Tri::Unknown => {
                        let what = format!(
                            "the permissions of {} ({a}) are known only after apply",
                            c.address
                        );
                        self.note(c, a, &what);
                        return Doc::Unknown(what);
                    }
                },
            };
            // NOTE: a block's values are marked with the blocks they are in.
            sensitive |= is_sensitive(c, side, block.map_or(a.as_str(), |(blocks, _)| blocks));
            if let Some(v) = value {
                object.insert(a.clone(), v.clone());
            }
        }
        let statements = self
            .provider
            .document_value(&Value::Object(object))
            .unwrap_or_default();
        Doc::Statements {
            statements,
            sensitive,
            origin: None,
        }
    }

    /// Trust this resource grants (`admits`): (trusted, principal it may act as).
    fn admitted(
        &mut self,
        c: &ResourceChange,
        side: Side,
        shape: &Shape,
    ) -> Vec<(PrincipalId, PrincipalId)> {
        let Some(a) = &shape.admits else {
            return Vec::new();
        };
        let mut roles = Vec::new();
        self.named(c, side, &a.principal, &mut roles);
        if roles.is_empty() {
            return Vec::new();
        }
        let mut trusted = Vec::new();
        self.named(c, side, &a.trusted, &mut trusted);
        let mut out = Vec::new();
        for t in &trusted {
            for r in &roles {
                out.push((t.clone(), r.clone()));
            }
        }
        out
    }
    /// The principal named by an attribute (`role`, `user`, `group`).
    fn one(&mut self, c: &ResourceChange, side: Side, r: &Ref) -> Option<PrincipalId> {
        match attr(c, side, &r.attribute) {
            Tri::Known(Value::String(name)) if r.key.is_some() || r.qualifier.is_some() => {
                Some(self.keyed_or_qualified(c, side, r, name))
            }
            Tri::Known(Value::String(name)) => {
                if let Some(id) = self.ids.get(&(r.kind.as_str(), name.as_str())) {
                    return Some(id.clone());
                }
                Some(self.hidden.show(self.provider.principal(&r.kind, name)))
            }
            Tri::Known(_) | Tri::Absent => None,
            Tri::Unknown => Some(self.principal_from_reference(c, r)),
        }
    }

    /// A principal named by another attribute of its defining resource (`key`), or by a name
    /// that another attribute qualifies (`qualifier`).
    fn keyed_or_qualified(
        &mut self,
        c: &ResourceChange,
        side: Side,
        r: &Ref,
        name: &str,
    ) -> PrincipalId {
        if let Some(key) = &r.key {
            let target = self
                .keyed
                .get(&(r.defined_by.as_str(), key.as_str(), name))
                .copied();
            if let Some(target) = target {
                let side = if exists(target, Side::After) {
                    Side::After
                } else {
                    Side::Before
                };
                return match attr(target, side, &r.name) {
                    Tri::Known(Value::String(n)) => {
                        self.hidden.show(self.provider.principal(&r.kind, n))
                    }
                    _ => self.by_address(&r.kind, &target.address),
                };
            }
            let what = format!(
                "the {} {} is not in this change set: who it is, and what it holds, is unknown",
                r.kind,
                if is_sensitive(c, side, &r.attribute) {
                    "(sensitive)"
                } else {
                    name
                }
            );
            self.note(c, &r.attribute, &what);
        }
        let name = qualified(c, side, r, name);
        self.hidden.show(self.provider.principal(&r.kind, &name))
    }

    /// The principals named by a list attribute (`users`, `roles`, `groups`).
    fn principals(&mut self, c: &ResourceChange, side: Side, r: &Ref) -> Vec<PrincipalId> {
        let values = c
            .values
            .as_ref()
            .expect("only changes with values are extracted");
        match attr(c, side, &r.attribute) {
            Tri::Known(Value::Array(items)) => {
                let unknown_items = values
                    .after_unknown
                    .get(&r.attribute)
                    .and_then(Value::as_array)
                    .filter(|_| side == Side::After);
                let mut out: Vec<PrincipalId> = items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|n| self.hidden.show(self.provider.principal(&r.kind, n)))
                    .collect();
                if unknown_items.is_some_and(|u| u.iter().any(any_true)) {
                    out.extend(self.principals_from_references(c, r));
                }
                out
            }
            Tri::Unknown => self.principals_from_references(c, r),
            _ => Vec::new(),
        }
    }

    /// A principal's id by the address of the resource that defines or names it, for when its
    /// name is known only after apply.
    fn by_address(&self, kind: &str, address: &str) -> PrincipalId {
        PrincipalId::new(format!("{}:{kind}/{address}", self.provider.name()))
    }

    fn principal_from_reference(&mut self, c: &ResourceChange, r: &Ref) -> PrincipalId {
        // A reference to the resource's own name (a group's `object_id` as the group of its
        // members) names the resource itself.
        if r.defined_by == c.kind.as_str() && r.name == r.attribute {
            return self.hidden.show(self.by_address(&r.kind, &c.address));
        }
        let references = self.resolver.references(c, &r.attribute);
        let followed = references.iter().find_map(|reference| {
            let target = self.resolver.resolve(c, reference)?;
            self.referenced(r, target.change)
        });
        if let Some(id) = followed {
            return id;
        }
        if let Some(id) = self.unlisted(c, r, &references) {
            return id;
        }
        let kind = &r.kind;
        let detail = if is_sensitive(c, Side::After, &r.attribute) {
            // A Pulumi secret, not in the preview at all.
            format!("the {kind} is secret and its reference could not be followed")
        } else {
            format!("the {kind} is known only after apply and its reference could not be followed")
        };
        self.note(c, &r.attribute, &detail);
        self.by_address(kind, &c.address)
    }

    /// The principal a reference names, if it names one: a resource of the type that defines
    /// the kind, or, when the kind is in the value, any resource that is a principal. By its
    /// name, or by its address while the name is known only after apply.
    fn referenced(&self, r: &Ref, target: &ResourceChange) -> Option<PrincipalId> {
        let (kind, name) = if r.kind_in_value {
            let defines = self.shapes.resource(&target.kind)?.principal.as_ref()?;
            (defines.kind.as_str(), defines.name.as_str())
        } else if target.kind == r.defined_by.as_str() {
            (r.kind.as_str(), r.name.as_str())
        } else {
            return None;
        };
        Some(match said(target, Side::After, name) {
            Said::Text(name) => self.hidden.show(self.provider.principal(kind, &name)),
            _ => self.by_address(kind, &target.address),
        })
    }

    /// The principal a reference names when the resource it names is not in the change set (a
    /// Pulumi preview shows unchanged resources only with `--show-sames`): by that resource's
    /// address, the same for every resource that names it, never by the address of each.
    fn unlisted(
        &mut self,
        c: &ResourceChange,
        r: &Ref,
        references: &[String],
    ) -> Option<PrincipalId> {
        if r.kind_in_value {
            return None;
        }
        let address = references.iter().find_map(|reference| {
            let address = self.resolver.address(c, reference)?;
            let named = self.resolver.change(c.input, &address).is_none()
                && crate::resolve::split_address(&address).first() == Some(&r.defined_by.as_str());
            named.then_some(address)
        })?;
        let detail = format!(
            "the {} is known only after apply and {address} is not in this change set",
            r.kind
        );
        self.note(c, &r.attribute, &detail);
        Some(self.hidden.show(self.by_address(&r.kind, &address)))
    }

    fn principals_from_references(&mut self, c: &ResourceChange, r: &Ref) -> Vec<PrincipalId> {
        let mut out = Vec::new();
        let references = self.resolver.references(c, &r.attribute);
        for reference in &references {
            let id = match self.resolver.resolve(c, reference) {
                Some(t) => self.referenced(r, t.change),
                None => self.unlisted(c, r, std::slice::from_ref(reference)),
            };
            if let Some(id) = id {
                if !out.contains(&id) {
                    out.push(id);
                }
            }
        }
        if out.is_empty() {
            self.note(
                c,
                &r.attribute,
                &format!(
                    "some {}s are known only after apply and could not be followed",
                    r.kind
                ),
            );
        }
        out
    }

    /// A document given inline as a text attribute.
    fn inline_doc(&mut self, c: &ResourceChange, side: Side, attribute: &str) -> Doc {
        let values = c
            .values
            .as_ref()
            .expect("only changes with values are extracted");
        let sensitive = values.is_sensitive(side, attribute);
        match attr(c, side, attribute) {
            Tri::Known(Value::String(text)) => match self.provider.document(text) {
                Ok(statements) => Doc::Statements {
                    statements,
                    sensitive,
                    origin: None,
                },
                Err(_) if sensitive => self.unreadable(c, attribute),
                Err(e) => Doc::Unknown(format!("the policy of {} cannot be read: {e}", c.address)),
            },
            // A document given as a list of actions: what it allows, on whatever the holders
            // are given it on (a custom role's `permissions`).
            Tri::Known(Value::Array(items)) if items.iter().all(Value::is_string) => {
                Doc::Statements {
                    statements: vec![Statement {
                        effect: Effect::Allow,
                        actions: Actions::Action(
                            items
                                .iter()
                                .filter_map(|v| v.as_str().map(str::to_string))
                                .collect(),
                        ),
                        scope: "*".into(),
                        broad: true,
                        conditional: false,
                    }],
                    sensitive,
                    origin: None,
                }
            }
            // A document given as structured values (an Azure role definition's `permissions`
            // blocks) or written as blocks (a Kubernetes role's `rule` blocks).
            Tri::Known(blocks @ (Value::Array(_) | Value::Object(_))) => {
                let unknown = values
                    .after_unknown
                    .get(attribute)
                    .filter(|_| side == Side::After)
                    .unwrap_or(&Value::Null);
                let mut object = serde_json::Map::new();
                object.insert(attribute.to_string(), blocks.clone());
                let read = self
                    .provider
                    .document_value(&Value::Object(object))
                    .or_else(|| self.provider.document_from_blocks(blocks, unknown));
                match read {
                    Some(statements) => Doc::Statements {
                        statements,
                        sensitive,
                        origin: None,
                    },
                    None => {
                        let detail = format!(
                            "the rules of {} are known only after apply or cannot be read",
                            c.address
                        );
                        self.note(c, attribute, &detail);
                        Doc::Unknown(detail)
                    }
                }
            }
            Tri::Known(_) | Tri::Absent => Doc::Statements {
                statements: Vec::new(),
                sensitive,
                origin: None,
            },
            Tri::Unknown => self.resolve_document(c, attribute, sensitive),
        }
    }

    /// A sensitive document that cannot be read: possibly anything. The parser's message is
    /// left out, for it can quote the document.
    fn unreadable(&mut self, c: &ResourceChange, attribute: &str) -> Doc {
        self.note(
            c,
            attribute,
            "the policy is sensitive and could not be read: it may grant anything",
        );
        Doc::Unknown(format!(
            "the policy of {} is sensitive and could not be read",
            c.address
        ))
    }

    /// The document of a definition of the change set, marked as coming from it.
    fn definition_doc(&mut self, definition: &ResourceChange, d: &Definition, side: Side) -> Doc {
        if let Some(computed) = &d.computed_when {
            let set = match read(definition, side, computed) {
                Tri::Known(Value::Array(items)) => !items.is_empty(),
                Tri::Known(Value::Null) | Tri::Absent => false,
                Tri::Known(_) | Tri::Unknown => true,
            };
            if set {
                if let Some(selects) = &d.selects {
                    if let Some(doc) = self.selected_doc(definition, selects, side) {
                        return doc;
                    }
                }
                let detail = format!(
                    "the document of {} is computed from its {computed} and known only after apply",
                    definition.address
                );
                self.note(definition, computed, &detail);
                return Doc::Unknown(detail);
            }
        }
        match self.inline_doc(definition, side, &d.document) {
            Doc::Statements {
                statements,
                sensitive,
                origin: _,
            } => Doc::Statements {
                statements,
                sensitive,
                origin: Some(definition.address.to_string()),
            },
            other => other,
        }
    }

    /// A document the platform computes from the definitions its label selectors match (an
    /// aggregated cluster role): theirs, as far as the change set shows them, and whatever other
    /// definitions outside it match, known only after apply. `None` when the selectors cannot be
    /// read (known only after apply, or with expressions foureyes does not evaluate).
    fn selected_doc(
        &mut self,
        aggregate: &ResourceChange,
        selects: &Selects,
        side: Side,
    ) -> Option<Doc> {
        let Tri::Known(Value::Array(selectors)) = read(aggregate, side, &selects.selectors) else {
            return None;
        };
        let mut wanted = Vec::new();
        for s in selectors {
            let expressions = s.get("match_expressions").and_then(Value::as_array);
            if expressions.is_some_and(|e| !e.is_empty()) {
                return None;
            }
            match s.get("match_labels") {
                Some(Value::Object(labels)) if !labels.is_empty() => wanted.push(labels.clone()),
                // An empty selector matches every definition: not worth listing.
                _ => return None,
            }
        }
        // Definitions by one of their labels, built once.
        if self.labelled.is_none() {
            let mut index: LabelIndex<'r, 'a> = HashMap::default();
            let mut seen = HashSet::default();
            for &(c, d) in self.definitions.values() {
                if !seen.insert(key(c)) {
                    continue;
                }
                for side in [Side::Before, Side::After] {
                    if let Tri::Known(Value::Object(labels)) = read(c, side, &selects.labels) {
                        for (k, v) in labels {
                            if let Some(v) = v.as_str() {
                                let list = index.entry((k.clone(), v.to_string())).or_default();
                                if !list.iter().any(|(x, _)| key(x) == key(c)) {
                                    list.push((c, d));
                                }
                            }
                        }
                    }
                }
            }
            self.labelled = Some(index);
        }
        let mut matched: Vec<(&'a ResourceChange, &'r Definition)> = Vec::new();
        for labels in &wanted {
            let Some((k, v)) = labels.iter().next() else {
                continue;
            };
            let Some(v) = v.as_str() else { continue };
            let candidates = self
                .labelled
                .as_ref()
                .and_then(|index| index.get(&(k.clone(), v.to_string())))
                .cloned()
                .unwrap_or_default();
            for (c, d) in candidates {
                // NOTE: one level: a matched definition that is itself computed is left out.
                let computed = d.computed_when.as_deref().is_some_and(|w| {
                    matches!(read(c, side, w), Tri::Known(Value::Array(items)) if !items.is_empty())
                });
                let matches = exists(c, side)
                    && !computed
                    && matches!(read(c, side, &selects.labels), Tri::Known(Value::Object(have))
                        if labels.iter().all(|(k, v)| have.get(k) == Some(v)));
                if matches && !matched.iter().any(|(x, _)| key(x) == key(c)) {
                    matched.push((c, d));
                }
            }
        }
        matched.sort_by(|a, b| a.0.address.cmp(&b.0.address));
        let mut statements = Vec::new();
        let mut sensitive = false;
        for (c, d) in &matched {
            match self.inline_doc(c, side, &d.document) {
                Doc::Statements {
                    statements: found,
                    sensitive: s,
                    ..
                } => {
                    statements.extend(found);
                    sensitive |= s;
                }
                _ => statements.push(unknown_statement()),
            }
        }
        // What other definitions outside the change set add is known only after apply.
        statements.push(unknown_statement());
        let names: Vec<&str> = matched.iter().map(|(c, _)| c.address.as_str()).collect();
        let shown = if names.is_empty() {
            "none in this change set".to_string()
        } else {
            names.join(", ")
        };
        self.note(
            aggregate,
            &selects.selectors,
            &format!(
                "the document of {} is computed from what its selectors match: {shown}, and \
                 any match outside this change set, known only after apply",
                aggregate.address
            ),
        );
        Some(Doc::Statements {
            statements,
            sensitive,
            origin: Some(aggregate.address.to_string()),
        })
    }

    /// The definition a change of the change set is, if it is one.
    fn definition(&self, c: &ResourceChange) -> Option<&'r Definition> {
        if c.data {
            return None;
        }
        self.shapes
            .resource(&c.kind)
            .and_then(|s| s.definition.as_ref())
    }

    /// A document known only after apply: follow the configuration to where it comes from.
    /// `sensitive` when the value is marked sensitive where it is used.
    fn resolve_document(&mut self, c: &ResourceChange, attribute: &str, sensitive: bool) -> Doc {
        if let Some(t) = self.resolver.follow(c, attribute) {
            let target = t.change;
            let source = (target.data)
                .then(|| self.shapes.data(&target.kind))
                .flatten()
                .and_then(|s| s.source.as_ref());
            if let Some(source) = source {
                if let Some(values) = &target.values {
                    let sensitive = sensitive
                        || values.is_sensitive(Side::After, &source.text)
                        || source
                            .blocks
                            .as_ref()
                            .is_some_and(|b| values.is_sensitive(Side::After, b));
                    if let Tri::Known(Value::String(text)) = attr(target, Side::After, &source.text)
                    {
                        if let Ok(statements) = self.provider.document(text) {
                            return Doc::Statements {
                                statements,
                                sensitive,
                                origin: None,
                            };
                        }
                    }
                    let from_blocks = source.blocks.as_ref().and_then(|b| {
                        let blocks = values.side(Side::After).get(b)?;
                        let unknown = values.after_unknown.get(b).unwrap_or(&Value::Null);
                        self.provider.document_from_blocks(blocks, unknown)
                    });
                    if let Some(statements) = from_blocks {
                        self.note(
                            c,
                            attribute,
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
                let from_configuration = source.blocks.as_ref().and_then(|b| {
                    let expressions = self.resolver.expressions(target)?;
                    self.provider
                        .document_from_configuration(expressions.get(b)?)
                });
                if let Some(statements) = from_configuration {
                    self.note(
                        c,
                        attribute,
                        &format!("the policy is known only after apply; read from the configuration of {}", target.address),
                    );
                    return Doc::Statements {
                        statements,
                        sensitive,
                        origin: None,
                    };
                }
            }
            if let Some(d) = self.definition(target) {
                return self.definition_doc(target, d, Side::After);
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
        self.note(c, attribute, &detail);
        Doc::Unknown(detail)
    }

    /// A document given by key (a policy ARN, a role's name or id), at the first of the shape's
    /// `attaches` paths that holds one.
    fn attached_doc(&mut self, c: &ResourceChange, side: Side, shape: &Shape) -> Doc {
        let (attribute, key) = attached_key(c, side, shape);
        let sensitive = fields(attribute)
            .into_iter()
            .any(|f| is_sensitive(c, side, top(f)));
        match key {
            Said::Text(key) => {
                let key = self.provider.key(key);
                self.doc_for_key(&key, side, sensitive)
            }
            Said::Absent => Doc::Statements {
                statements: Vec::new(),
                sensitive: false,
                origin: None,
            },
            Said::Unknown => {
                let first = fields(attribute).into_iter().next().unwrap_or(attribute);
                if let Some(t) = self.resolver.follow(c, top(first)) {
                    if let Some(d) = self.definition(t.change) {
                        return self.definition_doc(t.change, d, Side::After);
                    }
                }
                let detail = if sensitive {
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
                self.note(c, attribute, &detail);
                Doc::Unknown(detail)
            }
        }
    }

    /// The document attached by a key: a bundle, or a definition of the change set.
    /// `sensitive` when the key is, which then shows nowhere, not even in what cannot be known.
    fn doc_for_key(&mut self, key: &str, side: Side, sensitive: bool) -> Doc {
        if let Some(name) = self.provider.bundle(key) {
            return Doc::Bundle { name, sensitive };
        }
        if let Some(&(definition, d)) = self.definitions.get(key) {
            if exists(definition, side) {
                return self.definition_doc(definition, d, side);
            }
        }
        Doc::Unknown(self.provider.missing(key, sensitive))
    }

    /// Whether the configuration sets attributes. Optional and computed attributes (a role's
    /// `inline_policy`) are unknown on create even when nothing sets them: then they stay
    /// empty. Without a configuration (a Pulumi preview whose steps hold no inputs), assume
    /// they are set. A preview's configuration names the inputs its program sets.
    fn configured<const N: usize>(
        &self,
        c: &ResourceChange,
        attributes: [&Option<String>; N],
    ) -> [bool; N] {
        match self.resolver.expressions(c) {
            Some(e) => attributes.map(|a| a.as_ref().is_some_and(|a| e.get(a).is_some())),
            None => [!self.resolver.has_configuration(c.input); N],
        }
    }

    /// The id of the principal a resource is, as it is shown: by name, or by address while the
    /// name is known only after apply.
    fn principal_id(&self, c: &ResourceChange, side: Side, defines: &Defines) -> PrincipalId {
        let id = match said(c, side, &defines.name) {
            Said::Text(name) => self.provider.principal(&defines.kind, &name),
            _ => self.by_address(&defines.kind, &c.address),
        };
        self.hidden.show(id)
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

/// An attribute, or a path into its blocks (`permissions_boundary.0.managed_policy_arn`).
fn read<'v>(c: &'v ResourceChange, side: Side, path: &str) -> Tri<'v> {
    let Some((first, rest)) = path.split_once('.') else {
        return attr(c, side, path);
    };
    let mut value = match attr(c, side, first) {
        Tri::Known(v) => v,
        other => return other,
    };
    let step_into = |v: &'v Value, step: &str| -> Option<&'v Value> {
        match (v, step.parse::<usize>()) {
            (Value::Array(items), Ok(i)) => items.get(i),
            // A block of at most one is a list of one in Terraform, an object in Pulumi.
            (Value::Object(_), Ok(0)) => Some(v),
            (Value::Object(map), _) => map.get(step),
            (Value::Bool(true), _) => Some(v),
            _ => None,
        }
    };
    let mut unknown = c
        .values
        .as_ref()
        .filter(|_| side == Side::After)
        .and_then(|v| v.after_unknown.get(first));
    for step in rest.split('.') {
        unknown = unknown.and_then(|u| step_into(u, step));
        match step_into(value, step) {
            Some(Value::Null) | None | Some(Value::Bool(true)) if unknown.is_some_and(any_true) => {
                return Tri::Unknown
            }
            Some(Value::Null) | None => return Tri::Absent,
            Some(next) => value = next,
        }
    }
    Tri::Known(value)
}

/// A statement whose actions are known only after apply.
fn unknown_statement() -> Statement {
    Statement {
        effect: Effect::Allow,
        actions: Actions::Unknown,
        scope: "*".to_string(),
        broad: true,
        conditional: false,
    }
}

/// A name or key as a shape writes it, read from one side of a change.
enum Said {
    Text(String),
    Unknown,
    Absent,
}

/// A name or key as a shape writes it: an attribute, a path into blocks, or a template of them
/// (`Role:{metadata.0.namespace}/{metadata.0.name}`), each part text or a number.
fn said(c: &ResourceChange, side: Side, spec: &str) -> Said {
    template(spec, |path| match read(c, side, path) {
        Tri::Known(v) => part(v),
        Tri::Unknown => Said::Unknown,
        Tri::Absent => Said::Absent,
    })
}

/// The same, read in one block: `unknown` is the block's `after_unknown` marks.
fn said_in(block: &Value, unknown: Option<&Value>, spec: &str) -> Said {
    template(spec, |path| {
        let mut value = Some(block);
        let mut marks = unknown;
        for step in path.split('.') {
            value = value.and_then(|v| step_into(v, step));
            marks = marks.and_then(|m| step_into(m, step));
        }
        match value {
            Some(Value::Null) | None if marks.is_some_and(any_true) => Said::Unknown,
            Some(Value::Null) | None => Said::Absent,
            Some(v) => part(v),
        }
    })
}

/// One step of a path into a block: an item of a list, or a key of an object.
fn step_into<'v>(v: &'v Value, step: &str) -> Option<&'v Value> {
    match (v, step.parse::<usize>()) {
        (Value::Array(items), Ok(i)) => items.get(i),
        (Value::Object(map), _) => map.get(step),
        _ => None,
    }
}

fn part(v: &Value) -> Said {
    match v {
        Value::String(s) => Said::Text(s.clone()),
        Value::Number(n) => Said::Text(n.to_string()),
        _ => Said::Absent,
    }
}

/// Fill a template's placeholders (or read the one attribute it is): unknown if any part is.
fn template(spec: &str, mut read: impl FnMut(&str) -> Said) -> Said {
    if !is_template(spec) {
        return read(spec);
    }
    let mut out = String::with_capacity(spec.len() + 32);
    let mut rest = spec;
    let mut absent = false;
    while let Some((before, after)) = rest.split_once('{') {
        out.push_str(before);
        let Some((path, after)) = after.split_once('}') else {
            out.push('{');
            rest = after;
            continue;
        };
        match read(path) {
            Said::Text(t) => out.push_str(&t),
            Said::Unknown => return Said::Unknown,
            Said::Absent => absent = true,
        }
        rest = after;
    }
    out.push_str(rest);
    if absent {
        Said::Absent
    } else {
        Said::Text(out)
    }
}

/// The top-level attribute of a path into blocks.
fn top(path: &str) -> &str {
    path.split('.').next().unwrap_or(path)
}

/// The key of the document a shape gives its holders: the first of its `attaches` paths that
/// is set, else the first known only after apply, with the path.
fn attached_key<'s>(c: &ResourceChange, side: Side, shape: &'s Shape) -> (&'s str, Said) {
    let mut unknown = None;
    let mut first = None;
    for path in shape.attaches_paths() {
        first.get_or_insert(path.as_str());
        match said(c, side, path) {
            Said::Text(s) if s.is_empty() => {}
            Said::Absent => {}
            Said::Unknown => {
                unknown.get_or_insert(path.as_str());
            }
            found => return (path.as_str(), found),
        }
    }
    match (unknown, first) {
        (Some(path), _) => (path, Said::Unknown),
        (None, first) => (first.unwrap_or(""), Said::Absent),
    }
}

/// A name as the provider receives it: `QUALIFIER[NAME]` where the reference names a
/// qualifier (a federated credential's issuer; `(known after apply)` while it is unknown),
/// else the name.
fn qualified<'n>(
    c: &ResourceChange,
    side: Side,
    r: &Ref,
    name: &'n str,
) -> std::borrow::Cow<'n, str> {
    match r.qualifier.as_ref().map(|q| attr(c, side, q)) {
        Some(Tri::Known(Value::String(q))) => format!("{q}[{name}]").into(),
        Some(Tri::Unknown) => format!("(known after apply)[{name}]").into(),
        _ => name.into(),
    }
}

/// The defining resources that references with a `key` name by that attribute: (defining
/// type, attribute, value) → resource, built once.
fn keyed<'r, 'a>(
    shapes: &Lookup<'r>,
    set: &'a ChangeSet,
) -> HashMap<(&'r str, &'r str, &'a str), &'a ResourceChange> {
    let mut wanted: Vec<(&'r str, &'r str)> = Vec::new();
    for shape in shapes.shapes.resources.values() {
        for r in shape.naming() {
            if let Some(key) = &r.key {
                if !wanted.contains(&(r.defined_by.as_str(), key.as_str())) {
                    wanted.push((r.defined_by.as_str(), key.as_str()));
                }
            }
        }
    }
    let mut out = HashMap::default();
    if wanted.is_empty() {
        return out;
    }
    for c in set.changes.iter().filter(|c| !c.data && c.values.is_some()) {
        for &(kind, key) in wanted.iter().filter(|(k, _)| *k == c.kind.as_str()) {
            for side in [Side::Before, Side::After] {
                if let Tri::Known(Value::String(v)) = attr(c, side, key) {
                    out.insert((kind, key, v.as_str()), c);
                }
            }
        }
    }
    out
}

/// The key of a permissions boundary: the first of the paths that holds one, with the path.
fn boundary_key<'v, 'p>(
    c: &'v ResourceChange,
    side: Side,
    paths: &'p [String],
) -> Option<(&'p str, Tri<'v>)> {
    paths.iter().find_map(|p| match read(c, side, p) {
        Tri::Absent => None,
        Tri::Known(Value::String(s)) if s.is_empty() => None,
        Tri::Known(Value::Null) => None,
        found => Some((p.as_str(), found)),
    })
}

/// How a group's grants reach a member, from a shape's `through` text: `{group}`, `{address}`
/// and `{ATTRIBUTE}` are replaced.
fn through(c: &ResourceChange, side: Side, text: &str, group: &PrincipalId) -> String {
    let mut out = String::with_capacity(text.len() + 40);
    let mut rest = text;
    while let Some((before, after)) = rest.split_once('{') {
        out.push_str(before);
        let Some((name, after)) = after.split_once('}') else {
            out.push('{');
            rest = after;
            continue;
        };
        match name {
            "group" => out.push_str(&group.0),
            "address" => out.push_str(&c.address),
            attribute if is_sensitive(c, side, attribute) => out.push_str("(sensitive)"),
            attribute => match attr(c, side, attribute) {
                Tri::Known(Value::String(v)) => out.push_str(v),
                Tri::Known(_) | Tri::Absent => out.push_str("(not set)"),
                Tri::Unknown => out.push_str("(known after apply)"),
            },
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

impl<'r, 'a> Extractor<'r, 'a> {
    /// A permissions boundary given to principals: effective permissions are what they hold
    /// and the boundary allows, so it shows as a deny of all the boundary does not allow
    /// (removing or widening it gains what it blocked; adding one loses). A boundary that
    /// cannot be read shows as a grant that says it is unknown, and is taken to allow nothing
    /// where it was in place before the change (its removal then gains everything the
    /// principal holds) and everything where the change puts it in place.
    fn boundary(
        &mut self,
        c: &ResourceChange,
        side: Side,
        paths: &[String],
        principals: &[PrincipalId],
        grants: &mut Vec<Grant>,
    ) {
        let Some((path, key)) = boundary_key(c, side, paths) else {
            return;
        };
        let sensitive = is_sensitive(c, side, top(path));
        let (doc, named) = match key {
            Tri::Known(Value::String(key)) => {
                let named = if sensitive {
                    "a permissions boundary whose key is sensitive".to_string()
                } else {
                    format!("permissions boundary {key}")
                };
                (self.doc_for_key(key, side, sensitive), named)
            }
            Tri::Unknown => {
                let followed = self
                    .resolver
                    .follow(c, top(path))
                    .and_then(|t| Some((t.change, self.definition(t.change)?)));
                let doc = match followed {
                    Some((definition, d)) => self.definition_doc(definition, d, Side::After),
                    None => Doc::Unknown(format!(
                        "the permissions boundary of {} is known only after apply",
                        c.address
                    )),
                };
                (
                    doc,
                    "a permissions boundary known only after apply".to_string(),
                )
            }
            _ => return,
        };
        let mut why = None;
        // The definition of the change set the boundary comes from, if any.
        let mut origin = None;
        let statements = match doc {
            Doc::Statements {
                statements,
                origin: from,
                ..
            } => {
                origin = from;
                Some(statements)
            }
            Doc::Bundle { name, .. } => self.provider.bundle_statements(&name),
            Doc::Unknown(reason) => {
                why = Some(reason);
                None
            }
        };
        let mut denies: Vec<(Permission, String, bool)> = Vec::new();
        let mut through = named.clone();
        match statements.as_ref().and_then(|s| allowed_by(s)) {
            Some(Allowed::Everything) => {}
            Some(Allowed::Only(mut list)) => {
                list.iter_mut().for_each(|a| *a = self.provider.spell(a));
                list.sort();
                list.dedup();
                let permission = if list.is_empty() {
                    Permission::Action(self.action("*"))
                } else {
                    Permission::NotAction(list)
                };
                denies.push((permission, "*".to_string(), true));
            }
            Some(Allowed::AllBut(list)) => {
                for a in list {
                    denies.push((Permission::Action(self.action(&a)), "*".to_string(), true));
                }
            }
            None => {
                let reason = why.unwrap_or_else(|| "its actions are known only after apply".into());
                let what = format!(
                    "what the {named} of {} allows is unknown: {reason}",
                    c.address
                );
                if matches!(key, Tri::Unknown) {
                    self.note(c, top(path), &what);
                }
                // NOTE: an unreadable boundary is taken to allow nothing where it was already
                // in place (so its removal gains everything), and to allow everything where the
                // change puts it in place (so a new one hides nothing): either way, towards
                // asking. The same boundary on both sides reads the same.
                let key_text = |k: Tri| match k {
                    Tri::Known(Value::String(k)) => Some(k.clone()),
                    _ => None,
                };
                let in_place = side == Side::Before
                    || (exists(c, Side::Before)
                        && key_text(key).is_some()
                        && boundary_key(c, Side::Before, paths).and_then(|(_, k)| key_text(k))
                            == key_text(key));
                if in_place {
                    through = format!("{named} (not readable: taken to allow nothing)");
                    denies.push((Permission::Action(self.action("*")), "*".to_string(), true));
                }
                for p in principals {
                    self.push(grants, &Doc::Unknown(what.clone()), p, c, None);
                }
            }
        }
        // The boundary's own denies deny too.
        for s in statements.iter().flatten() {
            if s.effect != Effect::Deny || s.conditional {
                continue;
            }
            if let Actions::Action(list) = &s.actions {
                for a in list {
                    denies.push((Permission::Action(self.action(a)), s.scope.clone(), s.broad));
                }
            }
        }
        // NOTE: shown via the resource that gives the boundary (the principal), which is what
        // a removal changes; a boundary defined in the change set is named beside it.
        let via = self.text(&c.address);
        let through = match origin {
            Some(definition) => format!("{through} ({definition})"),
            None => through,
        };
        let through: Text = through.into();
        for p in principals {
            for (permission, scope, broad) in &denies {
                let scope = self.text(scope);
                grants.push(Grant {
                    principal: p.clone(),
                    effect: Effect::Deny,
                    permission: permission.clone(),
                    scope,
                    broad: *broad,
                    conditional: false,
                    via: via.clone(),
                    through: Some(through.clone()),
                    from: None,
                    sensitive,
                });
            }
        }
    }

    /// Whom a resource policy grants, and what: each principal its statements name, with the
    /// statement scoped to the resource. Service principals are left out (the provider's
    /// [`Provider::granted`]); a policy that cannot be known says so.
    fn granted(
        &mut self,
        c: &ResourceChange,
        side: Side,
        rp: &ResourcePolicy,
    ) -> Vec<(PrincipalId, Statement)> {
        if rp.only_configured {
            let document = Some(rp.document.clone());
            if !self.configured(c, [&document])[0] {
                return Vec::new();
            }
        }
        let sensitive = is_sensitive(c, side, &rp.document);
        let text = match attr(c, side, &rp.document) {
            Tri::Known(Value::String(text)) => Some(text.as_str()),
            Tri::Unknown => self.followed_text(c, &rp.document),
            _ => return Vec::new(),
        };
        let Some(text) = text.filter(|_| !sensitive) else {
            let detail = if sensitive {
                format!(
                    "the policy of {} is sensitive: whom it grants is not shown",
                    c.address
                )
            } else {
                format!(
                    "the policy of {} is known only after apply: whom it grants is unknown",
                    c.address
                )
            };
            self.note(c, &rp.document, &detail);
            return Vec::new();
        };
        let found = match self.provider.granted(text) {
            Ok(found) => found,
            Err(e) => {
                self.note(
                    c,
                    &rp.document,
                    &format!("the policy cannot be read: {e}: whom it grants is unknown"),
                );
                return Vec::new();
            }
        };
        let on = match attr(c, side, &rp.on) {
            Tri::Known(Value::String(on)) if !is_sensitive(c, side, &rp.on) => on.clone(),
            _ => c.address.to_string(),
        };
        found
            .into_iter()
            .map(|(p, mut s)| {
                // A resource policy governs its resource only: `*` is the resource.
                if s.broad {
                    s.scope = on.clone();
                }
                s.broad = false;
                (self.hidden.show(p), s)
            })
            .collect()
    }

    /// The text a document known only after apply comes from, where the configuration says
    /// (a data source that renders it).
    fn followed_text(&self, c: &ResourceChange, attribute: &str) -> Option<&'a str> {
        let target = self.resolver.follow(c, attribute)?.change;
        let source = self.shapes.data(&target.kind)?.source.as_ref()?;
        match attr(target, Side::After, &source.text) {
            Tri::Known(Value::String(text)) => Some(text.as_str()),
            _ => None,
        }
    }

    /// The one permission a resource gives one principal named by value.
    fn one_grant(
        &mut self,
        c: &ResourceChange,
        side: Side,
        g: &OneGrant,
    ) -> Option<(PrincipalId, Statement)> {
        let known = |attribute: &str| match attr(c, side, attribute) {
            Tri::Known(Value::String(v)) if !is_sensitive(c, side, attribute) => Some(v.clone()),
            _ => None,
        };
        let Some(principal) = known(&g.principal) else {
            if matches!(attr(c, side, &g.principal), Tri::Unknown) {
                self.note(
                    c,
                    &g.principal,
                    "the principal is known only after apply: who is granted is unknown",
                );
            }
            return None;
        };
        let id = self.provider.grantee(&principal)?;
        let actions = match known(&g.action) {
            Some(action) => Actions::Action(vec![action]),
            None => Actions::Unknown,
        };
        let scope = known(&g.on).unwrap_or_else(|| c.address.to_string());
        Some((
            self.hidden.show(id),
            Statement {
                effect: Effect::Allow,
                actions,
                scope,
                broad: false,
                conditional: false,
            },
        ))
    }
}

/// What an authoritative resource replaces on one side: for each type it is authoritative
/// over, the resource it names and its key ("" for every key).
fn claimed(c: &ResourceChange, shape: &Shape, side: Side) -> Vec<(String, String, String)> {
    let Some(a) = &shape.authoritative else {
        return Vec::new();
    };
    let Tri::Known(Value::String(on)) = attr(c, side, &a.on) else {
        return Vec::new();
    };
    let key = if a.per_key {
        match shape.attaches.as_deref().map(|k| read(c, side, k)) {
            Some(Tri::Known(Value::String(k))) => k.clone(),
            _ => return Vec::new(),
        }
    } else {
        String::new()
    };
    a.over
        .iter()
        .map(|t| (t.clone(), on.clone(), key.clone()))
        .collect()
}

/// Whether an authoritative resource replaces what a resource gives on one side.
fn replaced_by(c: &ResourceChange, shape: &Shape, side: Side, claims: &Claims) -> bool {
    let Some(on) = &shape.replaced_on else {
        return false;
    };
    if claims.is_empty() {
        return false;
    }
    let Tri::Known(Value::String(v)) = attr(c, side, on) else {
        return false;
    };
    let kind = c.kind.to_string();
    if claims.contains(&(kind.clone(), v.clone(), String::new())) {
        return true;
    }
    match shape.attaches.as_deref().map(|k| read(c, side, k)) {
        Some(Tri::Known(Value::String(k))) => claims.contains(&(kind, v.clone(), k.clone())),
        _ => false,
    }
}

/// The index of a side in pairs `[before, after]`.
fn side_index(side: Side) -> usize {
    match side {
        Side::Before => 0,
        Side::After => 1,
    }
}

/// Whether an attribute holds something (an IAM condition block, a non-empty text, `true`).
/// Known only after apply, it is taken as unset: a grant is never taken as narrowed by a
/// condition that may not be there.
fn is_set(c: &ResourceChange, side: Side, attribute: &str) -> bool {
    match attr(c, side, attribute) {
        Tri::Known(Value::Array(items)) => !items.is_empty(),
        Tri::Known(Value::Object(map)) => !map.is_empty(),
        Tri::Known(Value::String(text)) => !text.trim().is_empty(),
        Tri::Known(Value::Bool(b)) => *b,
        Tri::Known(Value::Null) | Tri::Absent | Tri::Unknown => false,
        Tri::Known(_) => true,
    }
}

/// Whether a document allows one of some action patterns (with `*` patterns on both sides).
fn allows_any(statements: &[Statement], actions: &[String]) -> bool {
    statements
        .iter()
        .filter(|s| s.effect == Effect::Allow)
        .any(|s| match &s.actions {
            Actions::Action(list) => list.iter().any(|a| {
                actions
                    .iter()
                    .any(|x| crate::glob::matches(a, x) || crate::glob::matches(x, a))
            }),
            Actions::NotAction(list) => actions
                .iter()
                .any(|x| !list.iter().any(|a| crate::glob::matches(a, x))),
            Actions::Unknown => false,
        })
}

impl<'r, 'a> Extractor<'r, 'a> {
    /// The bindings of a document of bindings on one side, each with its members' ids; what
    /// cannot be read is noted.
    fn bindings_of(
        &mut self,
        c: &ResourceChange,
        side: Side,
        b: &Bindings,
    ) -> Vec<(super::Binding, Vec<PrincipalId>)> {
        let sensitive = is_sensitive(c, side, &b.document);
        let list = match attr(c, side, &b.document) {
            Tri::Known(Value::String(text)) => match self.provider.bindings(text) {
                Ok(list) => list,
                // NOTE: the parser's message can quote the document: never for a sensitive one.
                Err(_) if sensitive => {
                    self.note(
                        c,
                        &b.document,
                        "the policy is sensitive and could not be read: whom it grants is unknown",
                    );
                    return Vec::new();
                }
                Err(e) => {
                    self.note(
                        c,
                        &b.document,
                        &format!("the policy cannot be read: {e}: whom it grants is unknown"),
                    );
                    return Vec::new();
                }
            },
            Tri::Unknown if self.followed_bindings(c, &b.document).is_some() => {
                let (list, source) = self
                    .followed_bindings(c, &b.document)
                    .expect("checked just above");
                let mut out = Vec::new();
                for (i, binding) in list.into_iter().enumerate() {
                    let mut ids: Vec<PrincipalId> = binding
                        .members
                        .iter()
                        .map(|m| self.hidden.show(self.provider.principal(&b.member.kind, m)))
                        .collect();
                    // Members known only after apply: the principals the data source's
                    // configuration references (a service account the change creates).
                    let followed = source
                        .map(|(target, source)| self.block_references(target, source, i, &b.member))
                        .unwrap_or_default();
                    let unknown = binding.unknown_members && followed.is_empty();
                    for id in followed {
                        if !ids.contains(&id) {
                            ids.push(id);
                        }
                    }
                    if unknown {
                        let what = format!(
                            "some members given {} by {} are known only after apply",
                            binding.key, c.address
                        );
                        self.note(c, &b.document, &what);
                        // NOTE: whoever they are goes by the place that names them.
                        ids.push(self.by_address(
                            &b.member.kind,
                            &format!("{}.{}[{}]", c.address, b.document, binding.key),
                        ));
                    }
                    out.push((binding, ids));
                }
                return out;
            }
            Tri::Unknown => {
                let what = format!(
                    "the policy of {} is known only after apply: whom it grants is unknown",
                    c.address
                );
                self.note(c, &b.document, &what);
                // NOTE: never harmless: whoever it names goes by its place, holding what cannot
                // be known (an empty key), so that the review leans towards asking.
                let someone =
                    self.by_address(&b.member.kind, &format!("{}.{}", c.address, b.document));
                let binding = super::Binding {
                    key: String::new(),
                    members: Vec::new(),
                    conditional: false,
                    unknown_members: false,
                };
                return vec![(binding, vec![someone])];
            }
            _ => return Vec::new(),
        };
        list.into_iter()
            .map(|binding| {
                let ids = binding
                    .members
                    .iter()
                    .map(|m| self.hidden.show(self.provider.principal(&b.member.kind, m)))
                    .collect();
                (binding, ids)
            })
            .collect()
    }

    /// The bindings of a document known only after apply, read from the data source that
    /// renders it (`data.google_iam_policy`): its text if that is known, else its blocks.
    ///
    /// With the bindings read from blocks: the data source and its blocks' attribute, where the
    /// members of each block are configured.
    fn followed_bindings(
        &self,
        c: &ResourceChange,
        document: &str,
    ) -> Option<FollowedBindings<'r, 'a>> {
        let target = self.resolver.follow(c, document)?.change;
        if !target.data {
            return None;
        }
        let source = self.shapes.data(&target.kind)?.source.as_ref()?;
        let blocks = source.blocks.as_ref()?;
        // NOTE: members named by sensitive values are not read here: whoever the document names
        // then goes by its place, and no name shows.
        if [&source.text, blocks]
            .iter()
            .any(|a| is_sensitive(target, Side::After, a))
        {
            return None;
        }
        if let Tri::Known(Value::String(text)) = attr(target, Side::After, &source.text) {
            return Some((self.provider.bindings(text).ok()?, None));
        }
        let Tri::Known(value) = attr(target, Side::After, blocks) else {
            return None;
        };
        let unknown = target
            .values
            .as_ref()
            .and_then(|v| v.after_unknown.get(blocks))
            .unwrap_or(&Value::Null);
        let list = self.provider.bindings_from_blocks(value, unknown)?;
        Some((list, Some((target, source))))
    }

    /// The principals the configuration of one block of a data source references in its
    /// members (`source.members` of the `i`-th `binding` block of a `data.google_iam_policy`).
    fn block_references(
        &self,
        target: &ResourceChange,
        source: &Source,
        i: usize,
        member: &Ref,
    ) -> Vec<PrincipalId> {
        let (Some(blocks), Some(members)) = (&source.blocks, &source.members) else {
            return Vec::new();
        };
        let configured = self.resolver.expressions(target);
        let expression = configured
            .as_ref()
            .and_then(|e| e.get(blocks))
            .and_then(|b| b.get(i))
            .and_then(|b| b.get(members));
        let mut out = Vec::new();
        for reference in crate::resolve::references_in(expression) {
            if let Some(t) = self.resolver.resolve(target, &reference) {
                if let Some(id) = self.referenced(member, t.change) {
                    if !out.contains(&id) {
                        out.push(id);
                    }
                }
            }
        }
        out
    }

    /// The grants of a document of bindings: each binding's role to its members.
    fn give_bindings(
        &mut self,
        c: &'a ResourceChange,
        shape: &Shape,
        b: &Bindings,
        side: Side,
        grants: &mut Vec<Grant>,
        trusts: &mut Vec<Trust>,
    ) {
        let sensitive = is_sensitive(c, side, &b.document);
        for (binding, mut ids) in self.bindings_of(c, side, b) {
            ids.retain(|p| self.needed(p));
            if ids.is_empty() {
                continue;
            }
            let doc = if binding.key.is_empty() {
                Doc::Unknown(format!(
                    "the policy of {} is known only after apply",
                    c.address
                ))
            } else {
                self.doc_for_key(&binding.key, side, sensitive)
            };
            let (doc, through) = self.within(doc, shape.scope.as_ref());
            let mark = grants.len();
            for p in &ids {
                self.push(grants, &doc, p, c, through.clone());
            }
            if let Some(scope) = &shape.scope {
                self.scoped(c, side, scope, &mut grants[mark..]);
            }
            for g in &mut grants[mark..] {
                g.conditional |= binding.conditional;
            }
            if let Some(a) = &shape.assumes {
                self.assume(c, side, a, &doc, &ids, binding.conditional, trusts);
            }
        }
    }

    /// A document given on a kind of resource that admits only some actions (`scope.actions`):
    /// only those of its actions, with the bundle it came from named as how they are held.
    fn within(&mut self, doc: Doc, scope: Option<&Scope>) -> (Doc, Option<Text>) {
        let Some(only) = scope.map(|s| &s.actions).filter(|a| !a.is_empty()) else {
            return (doc, None);
        };
        let fits = |statements: &[Statement]| {
            statements.iter().all(|s| match &s.actions {
                Actions::Action(list) => list
                    .iter()
                    .all(|a| only.iter().any(|o| crate::glob::matches(o, a))),
                Actions::NotAction(_) | Actions::Unknown => false,
            })
        };
        let (statements, sensitive, origin, through) = match doc {
            // A role whose permissions all apply there is shown as it is.
            Doc::Bundle { name, sensitive } => match self.provider.bundle_statements(&name) {
                Some(statements) if fits(&statements) => {
                    return (Doc::Bundle { name, sensitive }, None)
                }
                Some(statements) => {
                    let through = (!sensitive).then(|| format!("of {name}").into());
                    (statements, sensitive, None, through)
                }
                None => return (Doc::Bundle { name, sensitive }, None),
            },
            Doc::Statements {
                statements,
                sensitive,
                origin,
            } => (statements, sensitive, origin, None),
            unknown @ Doc::Unknown(_) => return (unknown, None),
        };
        let narrowed = statements
            .into_iter()
            .filter_map(|mut s| {
                if let Actions::Action(list) = &s.actions {
                    let kept: Vec<String> = list
                        .iter()
                        .flat_map(|a| {
                            only.iter().filter_map(move |o| {
                                if crate::glob::matches(o, a) {
                                    Some(a.clone())
                                } else if crate::glob::matches(a, o) {
                                    // `*` (roles/owner) on a bucket: its storage permissions.
                                    Some(o.clone())
                                } else {
                                    None
                                }
                            })
                        })
                        .collect();
                    if kept.is_empty() {
                        return None;
                    }
                    let mut kept = kept;
                    kept.dedup();
                    s.actions = Actions::Action(kept);
                }
                Some(s)
            })
            .collect();
        (
            Doc::Statements {
                statements: narrowed,
                sensitive,
                origin,
            },
            through,
        )
    }

    /// Trust granted by another resource: the holders may act as the principal it names
    /// when their document allows one of the shape's actions.
    #[allow(clippy::too_many_arguments)]
    fn assume(
        &mut self,
        c: &ResourceChange,
        side: Side,
        a: &Assumes,
        doc: &Doc,
        holders: &[PrincipalId],
        conditional: bool,
        trusts: &mut Vec<Trust>,
    ) {
        let allows = match doc {
            Doc::Statements { statements, .. } => allows_any(statements, &a.actions),
            Doc::Bundle { name, .. } => self
                .provider
                .bundle_statements(name)
                .is_some_and(|s| allows_any(&s, &a.actions)),
            Doc::Unknown(_) => false,
        };
        if !allows {
            return;
        }
        let Some(target) = self.one(c, side, &a.principal) else {
            return;
        };
        for p in holders.iter().filter(|p| self.followed(p)) {
            trusts.push(Trust {
                trusted: p.clone(),
                role: target.clone(),
                via: c.address.to_string(),
                conditional,
            });
        }
    }
}

/// What a boundary's statements allow.
enum Allowed {
    Everything,
    /// Only actions matching these patterns.
    Only(Vec<String>),
    /// Everything but actions matching these patterns.
    AllBut(Vec<String>),
}

/// What a boundary allows, whatever resource its statements name (a boundary scoped to some
/// resources is read as allowing its actions: the report errs towards more power); `None`
/// when some statement's actions are unknown.
fn allowed_by(statements: &[Statement]) -> Option<Allowed> {
    let mut only = Vec::new();
    let mut all_but: Option<Vec<String>> = None;
    for s in statements.iter().filter(|s| s.effect == Effect::Allow) {
        match &s.actions {
            Actions::Action(list) => {
                if list.iter().any(|a| a == "*" || a == "*:*") {
                    return Some(Allowed::Everything);
                }
                only.extend(list.iter().cloned());
            }
            Actions::NotAction(list) => {
                // Several `NotAction` statements together allow all but what every one of
                // them leaves out; one is the common case.
                all_but = Some(match all_but {
                    None => list.clone(),
                    Some(before) => before.into_iter().filter(|a| list.contains(a)).collect(),
                });
            }
            Actions::Unknown => return None,
        }
    }
    Some(match all_but {
        Some(list) => {
            let list: Vec<String> = list
                .into_iter()
                .filter(|a| !only.iter().any(|o| crate::glob::matches(o, a)))
                .collect();
            if list.is_empty() {
                Allowed::Everything
            } else {
                Allowed::AllBut(list)
            }
        }
        None => Allowed::Only(only),
    })
}

/// The documents a change set alters, in address order: each changed resource's document
/// attributes before and after, for reviewers to read as a diff (of every provider).
pub(crate) fn documents(
    set: &ChangeSet,
    ruleset: &Ruleset,
) -> (Vec<crate::model::PolicyChange>, usize) {
    use crate::model::{DocumentText, PolicyChange};
    /// The most document text kept (the comment and the job summary show less): the rest is
    /// only counted.
    const ROOM: usize = 2 << 20;
    let lookups: Vec<Lookup> = PROVIDERS
        .iter()
        .map(|p| Lookup::new(ruleset.shapes(p.name())))
        .collect();
    let mut candidates: Vec<(&str, &str, &ResourceChange)> = Vec::new();
    for c in set
        .changes
        .iter()
        .filter(|c| c.action.is_change() && !c.data && c.values.is_some())
    {
        let shape = lookups.iter().find_map(|l| l.resource(&c.kind));
        let Some(shape) = shape else {
            continue;
        };
        candidates.extend(shape.documents().map(|a| (c.address.as_str(), a, c)));
    }
    candidates.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    let mut out = Vec::new();
    let mut total = 0;
    let mut room = ROOM;
    for (_, attribute, c) in candidates {
        let Some(values) = &c.values else { continue };
        // NOTE: a document marked sensitive on one side hides the other too: what it says
        // there (the principals it names) may be what is hidden everywhere else.
        let hidden = [Side::Before, Side::After]
            .into_iter()
            .any(|side| exists(c, side) && values.is_sensitive(side, attribute));
        let side = |side: Side| {
            if !exists(c, side) {
                return DocumentText::Absent;
            }
            if hidden {
                return DocumentText::Sensitive;
            }
            match attr(c, side, attribute) {
                Tri::Known(Value::String(text)) => DocumentText::Text(pretty(text)),
                // A document written as blocks (a Kubernetes role's rules).
                Tri::Known(blocks @ (Value::Array(_) | Value::Object(_))) => {
                    DocumentText::Text(serde_json::to_string_pretty(blocks).unwrap_or_default())
                }
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

/// A document pretty-printed with sorted keys (as it is, when it is not JSON).
fn pretty(text: &str) -> String {
    match serde_json::from_str::<Value>(text) {
        Ok(v) => serde_json::to_string_pretty(&v).unwrap_or_else(|_| text.to_string()),
        Err(_) => text.to_string(),
    }
}

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

/// The principals whose names are sensitive somewhere in the change set, and the ids they go
/// by: the address of the resource of the change set that defines them (`aws:role/ADDRESS`),
/// or else the place that names them (`aws:role/ADDRESS.role`, `aws:user/ADDRESS.users#2`,
/// `aws:user/ROLE-ADDRESS.assume_role_policy#1`, `aws:role/provider.aws.assume_role`).
fn hidden(provider: &dyn Provider, shapes: &Shapes, set: &ChangeSet) -> Hidden {
    let mut hidden = Hidden::default();
    let shapes = Lookup::new(shapes);
    let changes = || {
        set.changes
            .iter()
            .filter(|c| !c.data && c.deposed().is_none() && c.values.is_some())
            .filter_map(|c| Some((c, shapes.resource(&c.kind)?)))
    };
    let sides = |c: &ResourceChange| -> Vec<Side> {
        [Side::Before, Side::After]
            .into_iter()
            .filter(|&side| exists(c, side))
            .collect()
    };
    let by_address = |kind: &str, address: &str| {
        PrincipalId::new(format!("{}:{kind}/{address}", provider.name()))
    };
    // The principals the change set defines, by the id their name gives; hidden when their
    // name is sensitive on either side.
    let mut defined: HashMap<PrincipalId, PrincipalId> = HashMap::default();
    for (c, shape) in changes() {
        let Some(defines) = &shape.principal else {
            continue;
        };
        let by_address = by_address(&defines.kind, &c.address);
        let sensitive = sides(c).into_iter().any(|side| {
            fields(&defines.name)
                .into_iter()
                .any(|f| is_sensitive(c, side, top(f)))
        });
        for side in sides(c) {
            if let Said::Text(name) = said(c, side, &defines.name) {
                let id = provider.principal(&defines.kind, &name);
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
    for (c, shape) in changes() {
        let values = c.values.as_ref().expect("filtered on values");
        for r in shape.naming() {
            if let Some(blocks) = r.blocks.as_deref() {
                // One principal per block: hidden when its block (or all of them) is sensitive.
                for side in sides(c) {
                    let Tri::Known(Value::Array(list)) = attr(c, side, blocks) else {
                        continue;
                    };
                    for (i, block) in list.iter().enumerate() {
                        if !sensitive_at(values, side, blocks, Some(i)) {
                            continue;
                        }
                        if let Some((attribute, value)) = &r.when {
                            if block.get(attribute.as_str()).and_then(Value::as_str)
                                != Some(value.as_str())
                            {
                                continue;
                            }
                        }
                        if let Said::Text(name) = said_in(block, None, &r.attribute) {
                            let id = provider.principal(&r.kind, &name);
                            let shown = place(&id, format!("{}.{blocks}#{}", c.address, i + 1));
                            hidden.hide(id, || shown);
                        }
                    }
                }
                continue;
            }
            let attribute = r.attribute.as_str();
            for side in sides(c) {
                match attr(c, side, attribute) {
                    Tri::Known(Value::String(name))
                        if sensitive_at(values, side, attribute, None) =>
                    {
                        let id = provider.principal(&r.kind, &qualified(c, side, r, name));
                        let shown = place(&id, format!("{}.{attribute}", c.address));
                        hidden.hide(id, || shown);
                    }
                    Tri::Known(Value::Array(items)) => {
                        for (i, name) in items.iter().enumerate() {
                            let Some(name) = name.as_str() else { continue };
                            if sensitive_at(values, side, attribute, Some(i)) {
                                let id = provider.principal(&r.kind, name);
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
    // Members a sensitive document of bindings names, numbered in order of appearance.
    for (c, shape) in changes() {
        let Some(b) = &shape.bindings else {
            continue;
        };
        let mut n = 0;
        for side in sides(c) {
            if !is_sensitive(c, side, &b.document) {
                continue;
            }
            let Tri::Known(Value::String(text)) = attr(c, side, &b.document) else {
                continue;
            };
            let Ok(bindings) = provider.bindings(text) else {
                continue;
            };
            for m in bindings.iter().flat_map(|b| &b.members) {
                let id = provider.principal(&b.member.kind, m);
                if hidden.contains(&id) || !id.0.contains('/') {
                    continue;
                }
                n += 1;
                let shown = place(&id, format!("{}.{}#{n}", c.address, b.document));
                hidden.hide(id, || shown);
            }
        }
    }
    // Principals a sensitive trust document admits, numbered per principal in order of
    // appearance.
    for (c, shape) in changes() {
        let Some(trust) = &shape.trust else {
            continue;
        };
        let mut n = 0;
        for side in sides(c) {
            if !is_sensitive(c, side, trust) {
                continue;
            }
            let Tri::Known(Value::String(text)) = attr(c, side, trust) else {
                continue;
            };
            let Ok(trusted) = provider.trusted(text) else {
                continue;
            };
            for (id, _) in trusted {
                // `aws:anyone` names no one: there is nothing to hide.
                if hidden.contains(&id) || !id.0.contains('/') {
                    continue;
                }
                n += 1;
                let shown = place(&id, format!("{}.{trust}#{n}", c.address));
                hidden.hide(id, || shown);
            }
        }
    }
    // The pipeline identity, when the provider's configuration names it by a sensitive value.
    for assumed in provider.pipeline(set).into_iter().filter(|a| a.sensitive) {
        let shown = place(&assumed.id, assumed.place);
        hidden.hide(assumed.id, || shown);
    }
    hidden
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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

    fn change(after: Value, after_unknown: Value) -> ResourceChange {
        ResourceChange {
            head: std::sync::Arc::new(crate::model::Head {
                address: "aws_ssoadmin_x.y".into(),
                kind: "aws_ssoadmin_x".into(),
                actions: std::sync::Arc::from(vec![Text::from("create")]),
                data: false,
                importing: false,
                extra: None,
            }),
            input: 0,
            action: crate::model::Action::Create,
            values: Some(Box::new(Values {
                after,
                after_unknown,
                ..Values::default()
            })),
            deferred: None,
        }
    }

    /// Keys inside blocks (a permission set's boundary, a customer-managed policy's name) are
    /// read by path, unknown where Terraform marks them so.
    #[test]
    fn paths_read_into_blocks() {
        let c = change(
            serde_json::json!({
                "permissions_boundary": [{"managed_policy_arn": "arn:x", "customer_managed_policy_reference": []}],
                "customer_managed_policy_reference": [{"path": "/"}],
            }),
            serde_json::json!({"customer_managed_policy_reference": [{"name": true}]}),
        );
        let arn = "permissions_boundary.0.managed_policy_arn";
        assert!(matches!(read(&c, Side::After, arn), Tri::Known(Value::String(s)) if s == "arn:x"));
        let name = "permissions_boundary.0.customer_managed_policy_reference.0.name";
        assert!(matches!(read(&c, Side::After, name), Tri::Absent));
        let unknown = "customer_managed_policy_reference.0.name";
        assert!(matches!(read(&c, Side::After, unknown), Tri::Unknown));
        // Pulumi gives a block of at most one as an object.
        let pulumi = change(
            serde_json::json!({"permissions_boundary": {"managed_policy_arn": "arn:y"}}),
            Value::Null,
        );
        assert!(
            matches!(read(&pulumi, Side::After, arn), Tri::Known(Value::String(s)) if s == "arn:y")
        );
        let paths = [name.to_string(), arn.to_string()];
        assert_eq!(
            boundary_key(&c, Side::After, &paths).map(|(p, _)| p),
            Some(arn)
        );
    }

    fn text(said: Said) -> Option<String> {
        match said {
            Said::Text(t) => Some(t),
            Said::Unknown => Some("(unknown)".into()),
            Said::Absent => None,
        }
    }

    /// A name or key may join attributes and paths into blocks; it is unknown when any part is,
    /// absent when any part is missing.
    #[test]
    fn templates_join_attributes_and_paths() {
        let c = change(
            json!({"metadata": [{"name": "app", "namespace": "shop"}], "role_ref": [{"kind": "Role"}]}),
            json!({"metadata": [{"uid": true}]}),
        );
        let key = "{role_ref.0.kind}:{metadata.0.namespace}/{metadata.0.name}";
        assert_eq!(
            text(said(&c, Side::After, key)).as_deref(),
            Some("Role:shop/app")
        );
        assert_eq!(
            text(said(&c, Side::After, "metadata.0.name")).as_deref(),
            Some("app")
        );
        assert_eq!(
            text(said(&c, Side::After, "{metadata.0.uid}/x")).as_deref(),
            Some("(unknown)")
        );
        assert_eq!(text(said(&c, Side::After, "{metadata.0.labels}/x")), None);
        let block = json!({"kind": "ServiceAccount", "name": "deployer", "namespace": "ci"});
        assert_eq!(
            text(said_in(&block, None, "{namespace}/{name}")).as_deref(),
            Some("ci/deployer")
        );
        let unknown = json!({"name": true});
        assert_eq!(
            text(said_in(&json!({"name": null}), Some(&unknown), "name")).as_deref(),
            Some("(unknown)")
        );
    }

    #[test]
    fn through_fills_the_group_the_address_and_attributes() {
        let c = change(
            serde_json::json!({"target_id": "111122223333"}),
            serde_json::json!({"principal_id": true}),
        );
        let group = PrincipalId::new("aws:permission-set/ps-1");
        assert_eq!(
            through(
                &c,
                Side::After,
                "assigned {group} in account {target_id} ({address})",
                &group
            ),
            "assigned aws:permission-set/ps-1 in account 111122223333 (aws_ssoadmin_x.y)"
        );
        assert_eq!(
            through(&c, Side::After, "{principal_id} {nothing} {", &group),
            "(known after apply) (not set) {"
        );
    }

    /// A boundary allows what its Allow statements name: all of it with `*`, all but what
    /// every `NotAction` statement leaves out, or only the listed actions.
    #[test]
    fn what_a_boundary_allows() {
        let allow = |actions: Actions| Statement {
            effect: Effect::Allow,
            actions,
            scope: "*".into(),
            broad: true,
            conditional: false,
        };
        let list = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let only = allowed_by(&[allow(Actions::Action(list(&["s3:*", "logs:Get*"])))]);
        assert!(matches!(only, Some(Allowed::Only(l)) if l == list(&["s3:*", "logs:Get*"])));
        let all = allowed_by(&[
            allow(Actions::Action(list(&["s3:*"]))),
            allow(Actions::Action(list(&["*"]))),
        ]);
        assert!(matches!(all, Some(Allowed::Everything)));
        let all_but = allowed_by(&[
            allow(Actions::NotAction(list(&["iam:*", "organizations:*"]))),
            allow(Actions::Action(list(&["iam:*"]))),
        ]);
        assert!(matches!(all_but, Some(Allowed::AllBut(l)) if l == list(&["organizations:*"])));
        assert!(allowed_by(&[allow(Actions::Unknown)]).is_none());
        assert!(matches!(allowed_by(&[]), Some(Allowed::Only(l)) if l.is_empty()));
    }
}
