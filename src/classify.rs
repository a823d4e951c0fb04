//! Classify: grants and resource changes → duties, and audit/evidence changes → weakenings,
//! using the rulesets.

use crate::delta::Delta;
use crate::glob;
use crate::model::{
    Action, Duties, Effect, Grant, Head, Permission, PrincipalId, ResourceChange, Side, Text,
    Weakening,
};
use crate::privilege::{self, Actions, Issued, PROVIDERS};
use crate::ruleset::{
    Change, Condition, DutyAction, Evidence, Ruleset, Severity, StoreRules, AUDIT_EVIDENCE,
};
use crate::stores::{self, Found, Stores};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use serde_json::Value;
use std::collections::BTreeSet;

mod guardrails;

/// A principal's delta with the duties it holds before and after.
#[derive(Debug)]
pub(crate) struct Principal {
    pub(crate) id: PrincipalId,
    pub(crate) gained: Vec<Grant>,
    pub(crate) lost: Vec<Grant>,
    pub(crate) duties_before: Duties,
    pub(crate) duties_after: Duties,
    /// For each duty held after the change, the gained grants that confer it.
    pub(crate) gained_by_duty: ByDuty,
    /// Gained grants whose permissions are unknown until apply.
    pub(crate) gained_unknown: Vec<Grant>,
    /// The duties held after the change whose powers it widens: newly held, or held before
    /// and given actions beyond those held then (an administrator given `s3:*` widens none).
    pub(crate) widened: Duties,
}

/// A long-lived credential the change issues, with what its holder holds after the change.
#[derive(Debug)]
pub(crate) struct Credential {
    pub(crate) issued: Issued,
    pub(crate) duties: Duties,
    /// Some of what the holder holds after the change is known only after apply.
    pub(crate) unknown: bool,
}

/// Grants by the duty they confer: a short list in duty order (most principals gain one or two
/// duties, and a tree would spend hundreds of bytes on each).
#[derive(Debug, Default)]
pub(crate) struct ByDuty(Vec<(String, Vec<Grant>)>);

impl ByDuty {
    pub(crate) fn get(&self, duty: &str) -> Option<&Vec<Grant>> {
        self.find(duty).ok().map(|i| &self.0[i].1)
    }

    /// The duties, in order.
    pub(crate) fn duties(&self) -> impl Iterator<Item = &String> {
        self.0.iter().map(|(duty, _)| duty)
    }

    pub(crate) fn contains_key(&self, duty: &str) -> bool {
        self.find(duty).is_ok()
    }

    /// Add a grant that confers this duty.
    pub(crate) fn push(&mut self, duty: &str, grant: Grant) {
        match self.find(duty) {
            Ok(i) => self.0[i].1.push(grant),
            Err(i) => self.0.insert(i, (duty.to_owned(), vec![grant])),
        }
    }

    fn find(&self, duty: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(d, _)| d.as_str().cmp(duty))
    }
}

impl Principal {
    pub(crate) fn duties_gained(&self) -> Duties {
        self.duties_after
            .difference(&self.duties_before)
            .cloned()
            .collect()
    }
}

/// A resource change that touches a duty's configuration: the change's [`Head`] (it reads as
/// its fields, `c.address`) and the duties.
#[derive(Debug)]
pub(crate) struct TouchedChange {
    pub(crate) head: std::sync::Arc<Head>,
    /// Shared by every change of the same type (one pointer: there may be a million).
    pub(crate) duties: std::sync::Arc<Vec<String>>,
}

impl std::ops::Deref for TouchedChange {
    type Target = Head;

    fn deref(&self) -> &Head {
        &self.head
    }
}

/// Decides which duties grants confer, caching by permission: big plans repeat the same
/// patterns thousands of times. Each provider's grants are classified with its own actions
/// (the rulesets' `[[grants]] provider = ...`); a principal's provider is the prefix of its id.
pub(crate) struct Classifier<'r> {
    /// The actions that confer duties, per provider of [`PROVIDERS`] (same order).
    tables: Vec<&'r [DutyAction]>,
    /// The evidence stores of the change set: a grant scoped to one counts as broad for the
    /// actions of `audit_evidence`.
    stores: &'r Stores,
    store_rules: &'r StoreRules,
    cache: HashMap<(usize, Permission, Scope), Vec<u32>>,
}

/// What a grant's scope is, for the actions that count only on some scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Scope {
    /// `*` or a wildcard over many resources.
    Broad,
    /// An evidence store that an audit source writes to (its bucket, key or log group).
    Store,
    Narrow,
}

impl<'r> Classifier<'r> {
    pub(crate) fn new(ruleset: &'r Ruleset, stores: &'r Stores) -> Classifier<'r> {
        Classifier {
            tables: PROVIDERS
                .iter()
                .map(|p| ruleset.actions.get(p.name()).map_or(&[][..], Vec::as_slice))
                .collect(),
            stores,
            store_rules: &ruleset.stores,
            cache: HashMap::default(),
        }
    }

    /// The scope of a grant, for the actions that count only on some scopes.
    fn scope(&self, g: &Grant) -> Scope {
        if counts_as_broad(g) {
            Scope::Broad
        } else if !g.conditional && self.stores.in_scope(&g.scope, self.store_rules) {
            Scope::Store
        } else {
            Scope::Narrow
        }
    }

    /// The duty actions (indices into the provider's table) a permission covers on a scope.
    fn covered(&mut self, provider: usize, permission: &Permission, scope: Scope) -> &[u32] {
        let key = (provider, permission.clone(), scope);
        if !self.cache.contains_key(&key) {
            let covered = match permission {
                Permission::Action(pattern) => {
                    self.by_pattern(provider, |a| glob::matches(pattern, a), scope)
                }
                Permission::NotAction(list) => self.by_pattern(
                    provider,
                    |a| !list.iter().any(|p| glob::matches(p, a)),
                    scope,
                ),
                Permission::Managed(name) => self.bundle(provider, name, scope),
                // What an assumable role holds is added by `principals`.
                Permission::Assume(_) | Permission::Unknown(_) => Vec::new(),
            };
            self.cache.insert(key.clone(), covered);
        }
        self.cache.get(&key).map_or(&[], Vec::as_slice)
    }

    fn by_pattern(&self, provider: usize, hit: impl Fn(&str) -> bool, scope: Scope) -> Vec<u32> {
        // NOTE: on a store, only the audit actions count as on `*`: passing a role or
        // decrypting with the trail's key is not about its evidence.
        let counts = |d: &DutyAction| match scope {
            Scope::Broad => !d.store_only,
            Scope::Store => !d.broad_only || d.duty == AUDIT_EVIDENCE,
            Scope::Narrow => !d.broad_only && !d.store_only,
        };
        self.tables[provider]
            .iter()
            .enumerate()
            .filter(|(_, d)| counts(d) && hit(&d.action))
            .map(|(i, _)| i as u32)
            .collect()
    }

    /// What a bundle the provider defines (an AWS-managed policy, a Google role) covers: its
    /// Allow statements less its unconditional Denies, on no wider a scope than the grant's
    /// (a role given on one bucket covers that bucket only).
    fn bundle(&mut self, provider: usize, name: &str, within: Scope) -> Vec<u32> {
        let Some(statements) = PROVIDERS[provider].bundle_statements(name) else {
            return Vec::new();
        };
        let mut allowed = BTreeSet::new();
        let mut denied = BTreeSet::new();
        for s in &statements {
            let scope = match (s.broad && !s.conditional, within) {
                (true, within) => within,
                (false, _) => Scope::Narrow,
            };
            let permissions: Vec<Permission> = match &s.actions {
                Actions::Action(list) => list
                    .iter()
                    .map(|a| Permission::Action(a.as_str().into()))
                    .collect(),
                Actions::NotAction(list) => vec![Permission::NotAction(list.clone())],
                Actions::Unknown => Vec::new(),
            };
            for p in permissions {
                match s.effect {
                    Effect::Allow => {
                        allowed.extend(self.covered(provider, &p, scope).iter().copied())
                    }
                    Effect::Deny if !s.conditional && scope == Scope::Broad => {
                        denied.extend(self.covered(provider, &p, Scope::Broad).iter().copied());
                    }
                    Effect::Deny => {}
                }
            }
        }
        allowed.difference(&denied).copied().collect()
    }

    /// The duties a principal's grants confer together: allowed less unconditionally denied.
    /// `provider`: the principal's ([`privilege::provider_of`]).
    pub(crate) fn duties(&mut self, provider: Option<usize>, grants: &[Grant]) -> Duties {
        let Some(provider) = provider else {
            return Duties::new();
        };
        let table = self.tables[provider];
        self.actions(provider, grants)
            .iter()
            .map(|&i| table[i as usize].duty.clone())
            .collect()
    }

    /// The duty actions (indices into the provider's table) grants allow together, less those
    /// unconditionally denied.
    fn actions(&mut self, provider: usize, grants: &[Grant]) -> BTreeSet<u32> {
        let mut allowed = BTreeSet::new();
        let mut denied = BTreeSet::new();
        for g in grants {
            match g.effect {
                Effect::Allow => {
                    let scope = self.scope(g);
                    allowed.extend(self.covered(provider, &g.permission, scope).iter().copied())
                }
                Effect::Deny if !g.conditional && g.broad => {
                    denied.extend(
                        self.covered(provider, &g.permission, Scope::Broad)
                            .iter()
                            .copied(),
                    );
                }
                Effect::Deny => {}
            }
        }
        allowed.difference(&denied).copied().collect()
    }

    /// The duties whose actions the grants of `after` allow beyond those of `before`.
    fn widened(&mut self, provider: Option<usize>, before: &[Grant], after: &[Grant]) -> Duties {
        let Some(provider) = provider else {
            return Duties::new();
        };
        let was = self.actions(provider, before);
        let table = self.tables[provider];
        self.actions(provider, after)
            .difference(&was)
            .map(|&i| table[i as usize].duty.clone())
            .collect()
    }

    /// The duties one Allow grant of a principal of `provider` confers on its own.
    pub(crate) fn grant_duties(&mut self, provider: Option<usize>, grant: &Grant) -> Duties {
        let Some(provider) = provider else {
            return Duties::new();
        };
        if grant.effect == Effect::Deny {
            return Duties::new();
        }
        let scope = self.scope(grant);
        let table = self.tables[provider];
        self.covered(provider, &grant.permission, scope)
            .iter()
            .map(|&i| table[i as usize].duty.clone())
            .collect()
    }
}

/// Whether a grant counts for the actions that confer a duty only on a broad scope: a
/// condition (such as `iam:PassedToService`) narrows it, so it does not.
fn counts_as_broad(g: &Grant) -> bool {
    !g.conditional && g.broad
}

/// Classify each reported principal's delta: the duties it holds on its own and through the
/// roles it may assume. Principals whose grants and duties do not change are left out.
pub(crate) fn principals(
    deltas: Vec<Delta>,
    issued: Vec<Issued>,
    ruleset: &Ruleset,
    stores: &Stores,
) -> (Vec<Principal>, Vec<Credential>) {
    let mut classifier = Classifier::new(ruleset, stores);
    // The duties each principal holds through its own grants, before and after.
    let own: HashMap<PrincipalId, [Duties; 2]> = deltas
        .iter()
        .map(|d| {
            let provider = privilege::provider_of(&d.principal);
            (
                d.principal.clone(),
                [
                    classifier.duties(provider, &d.before),
                    classifier.duties(provider, &d.after),
                ],
            )
        })
        .collect();
    let assumed = |grants: &[Grant], side: usize| -> Duties {
        grants
            .iter()
            .filter_map(|g| match &g.permission {
                Permission::Assume(role) => own.get(role).map(|d| d[side].clone()),
                _ => None,
            })
            .flatten()
            .collect()
    };
    // What each holder of a new credential holds after the change, whether or not it changes.
    let holders: HashSet<&PrincipalId> = issued.iter().map(|k| &k.holder).collect();
    let mut held: HashMap<PrincipalId, (Duties, bool)> = HashMap::default();
    for d in deltas.iter().filter(|d| holders.contains(&d.principal)) {
        let none = Duties::new();
        let own_after = own.get(&d.principal).map_or(&none, |o| &o[1]);
        let duties: Duties = own_after.union(&assumed(&d.after, 1)).cloned().collect();
        let unknown = d
            .after
            .iter()
            .any(|g| g.effect == Effect::Allow && matches!(g.permission, Permission::Unknown(_)));
        held.insert(d.principal.clone(), (duties, unknown));
    }
    let credentials = issued
        .into_iter()
        .map(|issued| {
            let (duties, unknown) = held.get(&issued.holder).cloned().unwrap_or_default();
            Credential {
                duties,
                unknown,
                issued,
            }
        })
        .collect();
    let mut out = Vec::new();
    for d in deltas.into_iter().filter(|d| d.reported) {
        let none = Duties::new();
        let (own_before, own_after) = own
            .get(&d.principal)
            .map_or((&none, &none), |o| (&o[0], &o[1]));
        let duties_before: Duties = own_before.union(&assumed(&d.before, 0)).cloned().collect();
        let duties_after: Duties = own_after.union(&assumed(&d.after, 1)).cloned().collect();
        if d.gained.is_empty() && d.lost.is_empty() && duties_before == duties_after {
            continue;
        }
        let provider = privilege::provider_of(&d.principal);
        let mut gained_by_duty = ByDuty::default();
        let mut gained_unknown = Vec::new();
        for g in &d.gained {
            if matches!(g.permission, Permission::Unknown(_)) {
                gained_unknown.push(g.clone());
            }
            let duties = match &g.permission {
                Permission::Assume(role) => own.get(role).map(|d| d[1].clone()).unwrap_or_default(),
                _ => classifier.grant_duties(provider, g),
            };
            for duty in duties {
                if duties_after.contains(&duty) {
                    gained_by_duty.push(&duty, g.clone());
                }
            }
        }
        // A duty newly held through a role it could already assume: that role changed.
        for duty in duties_after.difference(&duties_before) {
            if gained_by_duty.contains_key(duty) {
                continue;
            }
            for g in &d.after {
                if let Permission::Assume(role) = &g.permission {
                    if own.get(role).is_some_and(|r| r[1].contains(duty)) {
                        let g = Grant {
                            through: Some(format!("{role} gains it").into()),
                            ..g.clone()
                        };
                        gained_by_duty.push(duty, g);
                    }
                }
            }
        }
        // What the principal's own grants allow beyond what they allowed before, by duty:
        // needed when a deny is lifted or a duty held before is given more.
        let lifted: Vec<&Grant> = d.lost.iter().filter(|g| g.effect == Effect::Deny).collect();
        let again = gained_by_duty
            .duties()
            .any(|duty| duties_before.contains(duty));
        let own_widened = if lifted.is_empty() && !again {
            Duties::new()
        } else {
            classifier.widened(provider, &d.before, &d.after)
        };
        // A duty newly held, or held before and widened, because a deny was lifted (a
        // permissions boundary removed or widened): the grants that confer it are what the
        // principal gains.
        if let Some(&lifted) = lifted.first() {
            let newly = duties_after.difference(&duties_before).cloned();
            let more = own_widened
                .iter()
                .filter(|duty| duties_before.contains(duty))
                .cloned();
            let duties: Vec<String> = newly.chain(more).collect();
            for duty in &duties {
                if gained_by_duty.contains_key(duty) {
                    continue;
                }
                for g in d.after.iter().filter(|g| g.effect == Effect::Allow) {
                    if classifier.grant_duties(provider, g).contains(duty) {
                        // Shown as coming from the change that lifted the deny.
                        let what = lifted.through.as_deref().unwrap_or(&lifted.via);
                        let g = Grant {
                            via: lifted.via.clone(),
                            through: Some(
                                format!("held via {}, no longer denied by {what}", g.via).into(),
                            ),
                            ..g.clone()
                        };
                        gained_by_duty.push(duty, g);
                    }
                }
            }
        }
        // Which duties the change widens: newly held ones, and, for those held before, new
        // actions of its own grants; what comes through a group, an assumed role or a lifted
        // deny counts as widening.
        let mut widened: Vec<String> = duties_after.difference(&duties_before).cloned().collect();
        for duty in gained_by_duty.duties() {
            if !duties_before.contains(duty) {
                continue;
            }
            let through = gained_by_duty.get(duty).is_some_and(|list| {
                list.iter()
                    .any(|g| matches!(g.permission, Permission::Assume(_)) || g.through.is_some())
            });
            if through || own_widened.contains(duty) {
                widened.push(duty.clone());
            }
        }
        out.push(Principal {
            id: d.principal,
            gained: d.gained,
            lost: d.lost,
            duties_before,
            duties_after,
            gained_by_duty,
            gained_unknown,
            widened: widened.into_iter().collect(),
        });
    }
    (out, credentials)
}

/// The changes that touch a duty's configuration (or weaken evidence), in address order.
pub(crate) fn touched(
    changes: &[ResourceChange],
    weakenings: &[Weakening],
    ruleset: &Ruleset,
) -> Vec<TouchedChange> {
    // NOTE: evidence types are audit configuration already (a meta-test of the rulesets sees
    // to it); only a weakened change of another type needs telling apart, so only those are
    // kept here, not one entry per weakening.
    let weakened: HashSet<&str> = weakenings
        .iter()
        .filter(|w| {
            !ruleset
                .configured_duties(&w.kind)
                .iter()
                .any(|d| d == AUDIT_EVIDENCE)
        })
        .map(|w| w.address.as_ref())
        .collect();
    // The duties of each type, with audit_evidence added for a weakened change: one list per
    // type and case, shared by all its changes.
    let mut lists: HashMap<(&str, bool), std::sync::Arc<Vec<String>>> = HashMap::default();
    let mut out: Vec<TouchedChange> = changes
        .iter()
        .filter(|c| c.action.is_change() && !c.data)
        .filter_map(|c| {
            let weak = weakened.contains(c.address.as_ref());
            let duties = lists
                .entry((c.kind.as_ref(), weak))
                .or_insert_with(|| {
                    let mut duties = ruleset.configured_duties(&c.kind).to_vec();
                    if weak && !duties.iter().any(|d| d == AUDIT_EVIDENCE) {
                        duties.push(AUDIT_EVIDENCE.to_owned());
                        duties.sort();
                    }
                    std::sync::Arc::new(duties)
                })
                .clone();
            (!duties.is_empty()).then(|| TouchedChange {
                head: c.head.clone(),
                duties,
            })
        })
        .collect();
    out.sort_unstable_by(|a, b| a.address.cmp(&b.address));
    out.shrink_to_fit();
    out
}

/// How the given changes weaken audit and evidence configuration, and the evidence stores
/// that audit sources write to, in address order.
pub(crate) fn weakenings(
    changes: &[ResourceChange],
    ruleset: &Ruleset,
    stores: &Stores,
) -> Vec<Weakening> {
    let evidence = |c: &ResourceChange| {
        (!c.data && c.action.is_change())
            .then(|| ruleset.evidence.get(c.kind.as_ref()))
            .flatten()
    };
    // NOTE: room for one weakening per changed evidence resource, the common case: a million
    // deleted trails then take no more than they need.
    let mut out = Vec::with_capacity(changes.iter().filter(|c| evidence(c).is_some()).count());
    for c in changes {
        if let Some(e) = evidence(c) {
            weaken(c, e, &mut out);
        } else if !c.data && c.action.is_change() {
            if let Some(found) = stores.configured_by(c, &ruleset.stores) {
                weaken_store(c, found, &ruleset.stores, &mut out);
            }
        }
    }
    guardrails::weakenings(changes, ruleset, &mut out);
    // NOTE: unstable: a stable sort would take half as much memory again, and equal
    // weakenings are removed next.
    out.sort_unstable();
    out.dedup();
    out.shrink_to_fit();
    out
}

thread_local! {
    // NOTE: what most weakenings say, held once however many changes say it.
    static DELETED: Text = Text::from("is deleted");
    static REPLACED: Text = Text::from("is deleted and created again");
}

fn weaken(c: &ResourceChange, evidence: &Evidence, out: &mut Vec<Weakening>) {
    let mut push = |how: Text, possible: bool| {
        out.push(Weakening {
            head: c.head.clone(),
            how,
            possible,
        })
    };
    match c.action {
        Action::Delete if evidence.deletion => {
            push(DELETED.with(Text::clone), false);
            return;
        }
        Action::Replace { .. } if evidence.deletion => {
            push(REPLACED.with(Text::clone), false);
        }
        Action::NoOp | Action::Read | Action::Forget | Action::Delete => return,
        _ => {}
    }
    let Some(values) = &c.values else { return };
    let created = matches!(c.action, Action::Create | Action::CreateForget);
    for cond in &evidence.conditions {
        if created && !cond.on_create {
            continue;
        }
        if let Some((how, possible)) = check(cond, values, created) {
            push(how.into(), possible);
        }
    }
}

/// How a change weakens the evidence store it configures: each `{store}` of what the ruleset
/// says reads "the bucket aws_cloudtrail.org writes to".
fn weaken_store(
    c: &ResourceChange,
    found: Found<'_>,
    rules: &StoreRules,
    out: &mut Vec<Weakening>,
) {
    let Some(t) = rules.stores.get(c.kind.as_str()) else {
        return;
    };
    let (store, possible) = match found {
        Found::Store(kind, sources) => (stores::phrase(&rules.kinds[kind], sources), false),
        Found::Unknown(kind) => (
            format!(
                "{} an audit source writes to, if it is one (its name is known only after apply)",
                rules.kinds[kind].noun.replacen("the ", "a ", 1)
            ),
            true,
        ),
    };
    let mut push = |how: String, maybe: bool| {
        out.push(Weakening {
            head: c.head.clone(),
            how: how.replace("{store}", &store).into(),
            possible: possible || maybe,
        })
    };
    match (c.action, &t.deleted) {
        (Action::Delete, Some(deleted)) => {
            push(deleted.clone(), false);
            return;
        }
        (Action::Replace { .. }, Some(_)) => {
            push("is deleted and created again ({store})".to_string(), false);
        }
        (Action::NoOp | Action::Read | Action::Forget | Action::Delete, _) => return,
        _ => {}
    }
    let Some(values) = &c.values else { return };
    let created = matches!(c.action, Action::Create | Action::CreateForget);
    for cond in &t.conditions {
        if created && !cond.on_create {
            continue;
        }
        if let Some((how, maybe)) = check(cond, values, created) {
            push(how, maybe);
        }
    }
}

/// Whether a condition holds for a change's values: `Some((what happens, only possibly))`.
fn check(cond: &Condition, values: &crate::model::Values, created: bool) -> Option<(String, bool)> {
    if guardrails::reads(&cond.change) {
        return None;
    }
    let before = if created {
        Vec::new()
    } else {
        at_path(values.side(Side::Before), &cond.attribute)
    };
    let after = at_path(values.side(Side::After), &cond.attribute);
    let top = cond.attribute.split('.').next().unwrap_or(&cond.attribute);
    let unknown = values.is_unknown(Side::After, top) && after.iter().all(|v| v.is_null());
    let sensitive = values.is_sensitive(Side::Before, top) || values.is_sensitive(Side::After, top);
    // An absent value is the provider's default, where the condition says what that is: a
    // change from it is a change.
    let absent = cond.default.clone().unwrap_or(Value::Null);
    let first = |list: &[&Value]| match list.first() {
        Some(v) if !v.is_null() => (*v).clone(),
        _ => absent.clone(),
    };
    let (mut b, mut a) = (first(&before), first(&after));
    // NOTE: a switch in a list of blocks (one `log` block per category, each `enabled`): one
    // block more switched off (or on) is the change, whatever the order of the blocks.
    let many = before.len() > 1 || after.len() > 1;
    if many && matches!(cond.change, Change::TurnedOff | Change::TurnedOn) {
        let count =
            |list: &[&Value], x: bool| list.iter().filter(|v| ***v == Value::Bool(x)).count();
        let (from, to) = match cond.change {
            Change::TurnedOff => (true, false),
            _ => (false, true),
        };
        let switched = count(&after, to) > count(&before, to) && (to || count(&before, from) > 0);
        // NOTE: otherwise nothing was switched: the blocks' order says nothing.
        (b, a) = if switched {
            (Value::Bool(from), Value::Bool(to))
        } else {
            (Value::Null, Value::Null)
        };
    }
    let set = |v: &Value| {
        !(v.is_null()
            || v == &Value::String(String::new())
            || v.as_array().is_some_and(Vec::is_empty))
    };
    if unknown {
        let relevant = match &cond.change {
            Change::TurnedOn | Change::Equals(_) | Change::GainedItems(_) | Change::Allows(_) => {
                true
            }
            Change::Present => !set(&b),
            // Only what is on now can be turned off.
            Change::TurnedOff => b == Value::Bool(true),
            _ => set(&b),
        };
        return relevant.then(|| {
            (
                format!(
                    "may {} ({} is known only after apply)",
                    bare(&cond.says),
                    cond.attribute
                ),
                true,
            )
        });
    }
    let shown = |v: &Value| {
        if sensitive {
            "(sensitive)".to_string()
        } else {
            v.to_string()
        }
    };
    let items = |list: &[&Value]| -> Vec<Value> {
        let mut out = Vec::new();
        for v in list {
            match v {
                Value::Array(a) => out.extend(a.iter().filter(|x| !x.is_null()).cloned()),
                Value::Null => {}
                v => out.push((*v).clone()),
            }
        }
        out
    };
    let items_or_default = |list: &[&Value]| -> Vec<Value> {
        let found = items(list);
        if found.is_empty() {
            items(&[&absent])
        } else {
            found
        }
    };
    let mut possible = false;
    let holds = match &cond.change {
        Change::TurnedOff => b == Value::Bool(true) && a == Value::Bool(false),
        Change::TurnedOn => b != Value::Bool(true) && a == Value::Bool(true),
        Change::Decreased {
            zero_means_unlimited,
        } => {
            let n = |v: &Value| -> Option<f64> {
                match v.as_f64() {
                    Some(x) if *zero_means_unlimited && x == 0.0 => Some(f64::INFINITY),
                    Some(x) => Some(x),
                    None if *zero_means_unlimited && v.is_null() => Some(f64::INFINITY),
                    None => None,
                }
            };
            // The shortest of several (lifecycle rules), or the value when absent.
            let least = |list: &[&Value]| -> Option<f64> {
                if list.is_empty() {
                    return n(&absent);
                }
                list.iter().filter_map(|v| n(v)).reduce(f64::min)
            };
            matches!((least(&before), least(&after)), (Some(x), Some(y)) if y < x)
        }
        Change::Changed => (set(&b) || cond.default.is_some()) && b != a,
        Change::Removed => set(&b) && !set(&a),
        Change::LostItems(which) => {
            let after_items = items_or_default(&after);
            items_or_default(&before)
                .iter()
                .any(|x| !after_items.contains(x) && (which.is_empty() || listed(which, x)))
        }
        Change::GainedItems(which) => {
            let before_items = items_or_default(&before);
            items_or_default(&after)
                .iter()
                .any(|x| !before_items.contains(x) && (which.is_empty() || listed(which, x)))
        }
        Change::DropsPrincipal(services) => {
            let before = b.as_str().and_then(policy_principals).unwrap_or_default();
            let dropped = |after: &[String]| {
                services
                    .iter()
                    .any(|s| before.contains(s) && !after.contains(s))
            };
            match a.as_str().map(policy_principals) {
                Some(Some(after)) => dropped(&after),
                // An unreadable policy may drop it: lean towards asking.
                Some(None) => {
                    possible = true;
                    dropped(&[])
                }
                None => dropped(&[]),
            }
        }
        Change::Allows(actions) => {
            let before = b.as_str().and_then(|p| policy_allows(p, actions));
            match a.as_str().map(|p| policy_allows(p, actions)) {
                Some(Some(after)) => after
                    .iter()
                    .any(|p| !before.as_ref().is_some_and(|b| b.contains(p))),
                Some(None) => {
                    possible = true;
                    true
                }
                None => false,
            }
        }
        Change::Present => !set(&b) && set(&a),
        Change::StopsDenying(_) | Change::DetachesGuardrail(_) => false,
        Change::Equals(v) => &a == v && (created || &b != v),
    };
    if !holds {
        return None;
    }
    let detail = match &cond.change {
        // NOTE: an absent number (no expiration before) reads "none", not "null".
        Change::Decreased { .. } if b.is_null() && !sensitive => {
            format!("{}: none → {}", cond.attribute, shown(&a))
        }
        Change::TurnedOff | Change::TurnedOn | Change::Decreased { .. } => {
            format!("{}: {} → {}", cond.attribute, shown(&b), shown(&a))
        }
        Change::Equals(_) | Change::Present if created => {
            format!("{} = {}", cond.attribute, shown(&a))
        }
        Change::Equals(_) => format!("{}: {} → {}", cond.attribute, shown(&b), shown(&a)),
        Change::LostItems(which) if !which.is_empty() && !sensitive => {
            let after = a.as_array().cloned().unwrap_or_default();
            let lost: Vec<String> = b
                .as_array()
                .into_iter()
                .flatten()
                .filter(|x| listed(which, x) && !after.contains(x))
                .map(Value::to_string)
                .collect();
            format!("{} loses {}", cond.attribute, lost.join(", "))
        }
        // Any item lost or gained: which ones.
        Change::LostItems(which) | Change::GainedItems(which) if which.is_empty() && !sensitive => {
            let (from, to, verb) = match &cond.change {
                Change::LostItems(_) => (&before, &after, "loses"),
                _ => (&after, &before, "gains"),
            };
            let others = items_or_default(to);
            let changed: Vec<String> = items_or_default(from)
                .iter()
                .filter(|x| !others.contains(x))
                .map(Value::to_string)
                .collect();
            format!("{} {verb} {}", cond.attribute, changed.join(", "))
        }
        Change::Changed if !set(&b) && !sensitive => {
            format!("{}: none → {}", cond.attribute, shown(&a))
        }
        _ => format!("{} changed", cond.attribute),
    };
    if possible {
        return Some((
            format!(
                "may {} ({} could not be read)",
                bare(&cond.says),
                cond.attribute
            ),
            true,
        ));
    }
    Some((format!("{} ({detail})", cond.says), false))
}

/// Whether an item is one of a condition's values: equal to one, or a text matching one that
/// has wildcards (`foureyes*`).
fn listed(which: &[Value], x: &Value) -> bool {
    which.iter().any(|w| match (w, x) {
        (Value::String(pattern), Value::String(text)) if glob::is_pattern(pattern) => {
            glob::matches(pattern, text)
        }
        _ => w == x,
    })
}

/// How the given changes weaken the controls that review changes (`[[control]]` of the
/// rulesets: branch protection, rulesets, CODEOWNERS, required reviewers), in address order.
/// Each is one source of `control-tampering`; the files a change touches are another.
pub(crate) fn tamperings(changes: &[ResourceChange], ruleset: &Ruleset) -> Vec<Tampering> {
    let mut out = Vec::new();
    for c in changes {
        if c.data || !c.action.is_change() {
            continue;
        }
        let Some(control) = ruleset.controls.get(c.kind.as_ref()) else {
            continue;
        };
        if let Some((attribute, values)) = &control.only_when {
            let Some(v) = &c.values else { continue };
            let is = |side| {
                at_path(v.side(side), attribute)
                    .iter()
                    .any(|x| values.contains(x))
            };
            if !is(Side::Before) && !is(Side::After) {
                continue;
            }
        }
        let mut push = |how: String, possible: bool, severity: Option<Severity>| {
            out.push(Tampering {
                control: c.head.address.clone(),
                how: how.into(),
                possible,
                severity,
            })
        };
        match c.action {
            Action::Delete if control.deletion => {
                push("is deleted".to_string(), false, None);
                continue;
            }
            Action::Replace { .. } if control.deletion => {
                push("is deleted and created again".to_string(), false, None);
            }
            Action::NoOp | Action::Read | Action::Forget | Action::Delete => continue,
            _ => {}
        }
        let Some(values) = &c.values else { continue };
        let created = matches!(c.action, Action::Create | Action::CreateForget);
        for cond in &control.conditions {
            if created && !cond.on_create {
                continue;
            }
            if let Some((how, possible)) = check(cond, values, created) {
                push(how, possible, cond.severity);
            }
        }
    }
    out.sort_by(|a, b| (&a.control, &a.how).cmp(&(&b.control, &b.how)));
    out.dedup_by(|a, b| a.control == b.control && a.how == b.how);
    out
}

/// A change that weakens a control that reviews changes.
#[derive(Debug, Clone)]
pub(crate) struct Tampering {
    /// The control: a resource's address, or the path of a file the change touches.
    pub(crate) control: Text,
    /// What happens, in a few words: "lowers the required approvals (… 2 → 1)".
    pub(crate) how: Text,
    /// Only possibly: a value is known only after apply.
    pub(crate) possible: bool,
    /// The severity its condition asks for, above the rule's own (removing the gate itself).
    pub(crate) severity: Option<Severity>,
}

/// The principals a policy document's Allow statements admit (service principals, account
/// and role ARNs, `*`); `None` when the text is not a policy.
fn policy_principals(text: &str) -> Option<Vec<String>> {
    let doc: Value = serde_json::from_str(text).ok()?;
    let mut out = Vec::new();
    for s in statements(&doc) {
        if s.get("Effect").and_then(Value::as_str) != Some("Allow") {
            continue;
        }
        principal_values(s.get("Principal"), false, &mut out);
    }
    Some(out)
}

/// The principals other than services that a policy document's Allow statements let take one
/// of these actions; `None` when the text is not a policy.
fn policy_allows(text: &str, actions: &[String]) -> Option<Vec<String>> {
    let doc: Value = serde_json::from_str(text).ok()?;
    let mut out = Vec::new();
    for s in statements(&doc) {
        if s.get("Effect").and_then(Value::as_str) != Some("Allow") {
            continue;
        }
        let patterns: Vec<String> = match s.get("Action") {
            Some(Value::String(a)) => vec![a.to_ascii_lowercase()],
            Some(Value::Array(list)) => list
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_ascii_lowercase)
                .collect(),
            _ => Vec::new(),
        };
        let hit = actions.iter().any(|action| {
            let action = action.to_ascii_lowercase();
            patterns.iter().any(|p| glob::matches(p, &action))
        });
        if hit {
            principal_values(s.get("Principal"), true, &mut out);
        }
    }
    Some(out)
}

/// A statement's principals: every value, or (`skip_services`) all but services'.
fn principal_values(principal: Option<&Value>, skip_services: bool, out: &mut Vec<String>) {
    match principal {
        Some(Value::String(p)) => out.push(p.clone()),
        Some(Value::Object(map)) => {
            for (kind, v) in map {
                if skip_services && kind == "Service" {
                    continue;
                }
                match v {
                    Value::String(p) => out.push(p.clone()),
                    Value::Array(list) => {
                        out.extend(list.iter().filter_map(Value::as_str).map(str::to_string))
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
}

/// A policy document's statements (one or a list).
fn statements(doc: &Value) -> Vec<&Value> {
    match doc.get("Statement") {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(s @ Value::Object(_)) => vec![s],
        _ => Vec::new(),
    }
}

/// "stops logging" → "stop logging", for "may stop logging".
fn bare(says: &str) -> String {
    let (verb, rest) = says.split_once(' ').unwrap_or((says, ""));
    let verb = if let Some(v) = verb.strip_suffix("ies") {
        format!("{v}y")
    } else if let Some(v) = verb
        .strip_suffix("shes")
        .or_else(|| verb.strip_suffix("ches"))
    {
        format!("{v}{}", &verb[v.len()..v.len() + 2])
    } else if let Some(v) = verb.strip_suffix('s') {
        v.to_string()
    } else {
        verb.to_string()
    };
    if rest.is_empty() {
        verb
    } else {
        format!("{verb} {rest}")
    }
}

/// The values at a dotted path, descending into every element of lists (nested blocks).
fn at_path<'v>(v: &'v Value, path: &str) -> Vec<&'v Value> {
    let mut current = vec![v];
    for step in path.split('.') {
        let mut next = Vec::new();
        for c in current {
            match c {
                Value::Object(m) => {
                    if let Some(x) = m.get(step) {
                        next.push(x);
                    }
                }
                Value::Array(items) => {
                    for i in items {
                        if let Some(x) = i.get(step) {
                            next.push(x);
                        }
                    }
                }
                _ => {}
            }
        }
        current = next;
    }
    current
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cond(attribute: &str, change: Change, default: Option<Value>) -> Condition {
        Condition {
            attribute: attribute.to_string(),
            change,
            on_create: false,
            says: "weakens".to_string(),
            default,
            severity: None,
        }
    }

    /// Items may be wildcards (`foureyes*`), and `gained_items` without values is any new item.
    #[test]
    fn lost_and_gained_items_take_wildcards_and_any() {
        let lost = cond(
            "contexts",
            Change::LostItems(vec![json!("foureyes*")]),
            None,
        );
        let gone = update(
            json!({"contexts": ["ci", "foureyes / review"]}),
            json!({"contexts": ["ci"]}),
        );
        assert!(check(&lost, &gone, false).is_some());
        let other = update(
            json!({"contexts": ["ci", "lint"]}),
            json!({"contexts": ["ci"]}),
        );
        assert!(check(&lost, &other, false).is_none());
        let gained = cond("bypassers", Change::GainedItems(Vec::new()), None);
        let added = update(json!({"bypassers": []}), json!({"bypassers": ["octocat"]}));
        assert!(check(&gained, &added, false).is_some());
        let same = update(json!({"bypassers": ["a"]}), json!({"bypassers": ["a"]}));
        assert!(check(&gained, &same, false).is_none());
    }

    fn update(before: Value, after: Value) -> crate::model::Values {
        crate::model::Values {
            before,
            after,
            ..Default::default()
        }
    }

    /// An absent value is the provider's default, where the condition says what it is: absent
    /// → false turns off what defaults to true, and nothing that defaults to false.
    /// In a list of blocks, one block switched off is a switch turned off, whatever the order
    /// of the blocks; reordering them, or removing one, is not.
    #[test]
    fn a_switch_in_a_list_of_blocks() {
        use serde_json::json;
        let off = cond("log.enabled", Change::TurnedOff, None);
        let blocks = |a: bool, b: bool| {
            json!({"log": [
                {"category": "AuditEvent", "enabled": a},
                {"category": "Policy", "enabled": b},
            ]})
        };
        let turned = update(blocks(true, true), blocks(true, false));
        assert_eq!(
            check(&off, &turned, false),
            Some(("weakens (log.enabled: true → false)".to_string(), false))
        );
        let reordered = update(
            blocks(true, false),
            json!({"log": [
                {"category": "Policy", "enabled": false},
                {"category": "AuditEvent", "enabled": true},
            ]}),
        );
        assert_eq!(check(&off, &reordered, false), None);
        let removed = update(
            blocks(true, true),
            json!({"log": [{"category": "AuditEvent", "enabled": true}]}),
        );
        assert_eq!(check(&off, &removed, false), None);
        let on = cond("log.enabled", Change::TurnedOn, None);
        assert!(check(
            &on,
            &update(blocks(false, false), blocks(false, true)),
            false
        )
        .is_some());
    }

    #[test]
    fn a_change_from_an_absent_value_is_a_change() {
        let v = update(
            serde_json::json!({}),
            serde_json::json!({"include_global_service_events": false, "is_organization_trail": false, "s3_key_prefix": "quiet/"}),
        );
        let global = cond(
            "include_global_service_events",
            Change::TurnedOff,
            Some(Value::Bool(true)),
        );
        assert_eq!(
            check(&global, &v, false),
            Some((
                "weakens (include_global_service_events: true → false)".to_string(),
                false
            ))
        );
        let org = cond("is_organization_trail", Change::TurnedOff, None);
        assert_eq!(check(&org, &v, false), None);
        let prefix = cond("s3_key_prefix", Change::Changed, Some(Value::from("")));
        assert_eq!(
            check(&prefix, &v, false),
            Some((
                "weakens (s3_key_prefix: none → \"quiet/\")".to_string(),
                false
            ))
        );
        let unset = update(serde_json::json!({}), serde_json::json!({}));
        assert_eq!(check(&prefix, &unset, false), None);
        assert_eq!(check(&global, &unset, false), None);
    }

    /// Advanced event selectors added where there were none narrow the trail to what they
    /// select; removed, the trail records management events again.
    #[test]
    fn selectors_without_management_events_are_a_narrowing() {
        let selector = cond(
            "advanced_event_selector.field_selector.equals",
            Change::LostItems(vec![Value::from("Management")]),
            Some(serde_json::json!(["Management"])),
        );
        let data_only = serde_json::json!({"advanced_event_selector": [{"field_selector": [
            {"field": "eventCategory", "equals": ["Data"]},
            {"field": "resources.type", "equals": ["AWS::S3::Object"]}]}]});
        let none = serde_json::json!({"advanced_event_selector": []});
        assert!(check(&selector, &update(none.clone(), data_only.clone()), false).is_some());
        assert!(check(&selector, &update(data_only, none.clone()), false).is_none());
        let management = serde_json::json!({"advanced_event_selector": [{"field_selector": [
            {"field": "eventCategory", "equals": ["Management"]}]}]});
        assert!(check(&selector, &update(none, management), false).is_none());
    }

    #[test]
    fn policies_that_drop_the_log_service_or_let_others_delete() {
        let service = |s: &str| {
            serde_json::json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": s},
                "Action": "s3:PutObject", "Resource": "*"}]})
            .to_string()
        };
        let drops = cond(
            "policy",
            Change::DropsPrincipal(vec!["cloudtrail.amazonaws.com".to_string()]),
            None,
        );
        let v = |b: String, a: String| {
            update(
                serde_json::json!({"policy": b}),
                serde_json::json!({"policy": a}),
            )
        };
        assert!(check(
            &drops,
            &v(
                service("cloudtrail.amazonaws.com"),
                service("config.amazonaws.com")
            ),
            false
        )
        .is_some());
        assert!(check(
            &drops,
            &v(
                service("cloudtrail.amazonaws.com"),
                service("cloudtrail.amazonaws.com")
            ),
            false
        )
        .is_none());
        assert_eq!(
            check(
                &drops,
                &v(service("cloudtrail.amazonaws.com"), "{not json".to_string()),
                false
            ),
            Some(("may weaken (policy could not be read)".to_string(), true))
        );
        let allows = cond(
            "policy",
            Change::Allows(vec!["s3:DeleteObject".to_string()]),
            None,
        );
        let anyone = serde_json::json!({"Statement": {"Effect": "Allow", "Principal": "*",
            "Action": "s3:Delete*", "Resource": "*"}})
        .to_string();
        assert!(check(
            &allows,
            &v(service("cloudtrail.amazonaws.com"), anyone.clone()),
            false
        )
        .is_some());
        assert!(check(&allows, &v(anyone.clone(), anyone), false).is_none());
        let service_delete = serde_json::json!({"Statement": {"Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:*", "Resource": "*"}})
        .to_string();
        assert!(check(&allows, &v(service("x"), service_delete), false).is_none());
    }

    #[test]
    fn verbs_lose_their_s() {
        assert_eq!(bare("stops logging"), "stop logging");
        assert_eq!(bare("shortens retention"), "shorten retention");
        assert_eq!(bare("redirects the logs"), "redirect the logs");
        assert_eq!(bare("pushes code"), "push code");
    }
}
