//! Evidence stores: the buckets, keys and log groups that audit sources write to, found
//! through the sources' values and configuration references (`[[source]]`, `[[store]]` and
//! `[[kind]]` of the rulesets), once per review.
//!
//! A store is known by keys: its names (a bucket's name, a key's id or alias, a log group's
//! name; ARNs read as names) and, for a resource that is the store itself, its address. The
//! keys of one resource name one store, so they are joined (union-find): an alias and its
//! target key, a bucket's name and its address. An audit source's keys then say which stores
//! it writes to, and a resource that configures a store finds its store by any of its keys.

use crate::glob;
use crate::model::{Action, ResourceChange, Side, Text};
use crate::normalize::ChangeSet;
use crate::resolve::Resolver;
use crate::ruleset::{StoreKind, StoreRules, Writes};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use serde_json::Value;
use std::collections::BTreeSet;

/// A store's key: its kind and a name, or `@` and the address of the resource that is it.
type Key = (usize, String);

/// The stores of one review.
#[derive(Debug, Default)]
pub(crate) struct Stores {
    /// Key → index into `parent`.
    keys: HashMap<Key, usize>,
    /// Union-find over the keys; after [`Stores::find`], each entry points at its root.
    parent: Vec<usize>,
    /// Per root: what is known of the store.
    store: HashMap<usize, Store>,
    /// Per (input, address) of a change that configures a store: one of its keys.
    configured: HashMap<(usize, Text), usize>,
    /// Per kind, the names of the stores some audit source writes to (for scoped grants).
    names: Vec<HashSet<String>>,
    /// The same, sorted, to match names with wildcards by their literal prefix.
    sorted: Vec<BTreeSet<String>>,
    /// Per kind, whether an audit source that exists before the change writes to a store of it.
    existing_kind: Vec<bool>,
}

/// What is known of one store.
#[derive(Debug, Default)]
struct Store {
    /// The audit sources that exist before the change and write to it, by address.
    sources: BTreeSet<Text>,
    /// Whether any audit source (new ones too) writes to it.
    named: bool,
    /// Resources that are the store itself, and how many of them the change creates.
    itself: usize,
    created: usize,
}

/// The store a change configures, as the review judges it.
pub(crate) enum Found<'s> {
    /// A store that existing audit sources write to: its kind and the sources.
    Store(usize, &'s BTreeSet<Text>),
    /// The change names its store by a value known only after apply, and some audit source
    /// writes to a store of its kind.
    Unknown(usize),
}

impl Stores {
    /// The stores of a change set.
    pub(crate) fn find(set: &ChangeSet, rules: &StoreRules) -> Stores {
        let mut stores = Stores {
            names: vec![HashSet::default(); rules.kinds.len()],
            sorted: vec![BTreeSet::new(); rules.kinds.len()],
            existing_kind: vec![false; rules.kinds.len()],
            ..Stores::default()
        };
        if rules.sources.is_empty() {
            return stores;
        }
        let resolver = Resolver::new(set);
        // The resources that configure stores: their keys are one store.
        let mut itself: Vec<(usize, bool)> = Vec::new();
        for c in set.changes.iter().filter(|c| !c.data) {
            let Some(t) = rules.stores.get(c.kind.as_str()) else {
                continue;
            };
            let mut keys = Vec::new();
            for attribute in &t.named_by {
                names_in(c, attribute, Some(t.kind), rules, &resolver, &mut keys);
            }
            if t.is_store {
                keys.push((t.kind, format!("@{}", c.address)));
            }
            let Some(first) = stores.join(keys) else {
                continue;
            };
            stores
                .configured
                .insert((c.input, c.address.clone()), first);
            if t.is_store {
                itself.push((
                    first,
                    matches!(c.action, Action::Create | Action::CreateForget),
                ));
            }
        }
        // The audit sources: what they write to. Those of the state before the change that
        // are not among the changes too (a plan limited with `-target`).
        // NOTE: built only when the state adds resources: a million deleted trails need no
        // set of their addresses otherwise.
        let listed: HashSet<(usize, &str)> = if set.prior.is_empty() {
            HashSet::default()
        } else {
            set.changes
                .iter()
                .filter(|c| rules.sources.contains_key(c.kind.as_str()))
                .map(|c| (c.input, c.address.as_str()))
                .collect()
        };
        let prior = set
            .prior
            .iter()
            .filter(|c| !listed.contains(&(c.input, c.address.as_str())));
        let mut written: Vec<(usize, Option<Text>)> = Vec::new();
        for c in set.changes.iter().chain(prior).filter(|c| !c.data) {
            let Some(writes) = rules.sources.get(c.kind.as_str()) else {
                continue;
            };
            let existing =
                c.action.has_before() && !matches!(c.action, Action::Create | Action::CreateForget);
            let mut keys = Vec::new();
            for (attribute, w) in writes {
                let kind = match w {
                    Writes::Kind(k) => Some(*k),
                    Writes::Arn => None,
                };
                names_in(c, attribute, kind, rules, &resolver, &mut keys);
            }
            for key in keys {
                if existing {
                    stores.existing_kind[key.0] = true;
                }
                let i = stores.key(key);
                written.push((i, existing.then(|| c.address.clone())));
            }
        }
        let n = stores.parent.len();
        for i in 0..n {
            let root = stores.root(i);
            stores.parent[i] = root;
        }
        for (i, created) in itself {
            let s = stores.store.entry(stores.parent[i]).or_default();
            s.itself += 1;
            s.created += usize::from(created);
        }
        for (i, source) in written {
            let s = stores.store.entry(stores.parent[i]).or_default();
            s.named = true;
            if let Some(a) = source {
                s.sources.insert(a);
            }
        }
        for ((kind, name), &i) in &stores.keys {
            if name.starts_with('@') {
                continue;
            }
            if stores.store.get(&stores.parent[i]).is_some_and(|s| s.named) {
                stores.names[*kind].insert(name.clone());
                stores.sorted[*kind].insert(name.clone());
            }
        }
        stores
    }

    fn key(&mut self, key: Key) -> usize {
        let next = self.parent.len();
        let i = *self.keys.entry(key).or_insert(next);
        if i == next {
            self.parent.push(next);
        }
        i
    }

    fn root(&mut self, mut i: usize) -> usize {
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        i
    }

    /// Join keys as one store; the index of the first, if any.
    fn join(&mut self, keys: Vec<Key>) -> Option<usize> {
        let mut first = None;
        for key in keys {
            let i = self.key(key);
            match first {
                None => first = Some(i),
                Some(f) => {
                    let (a, b) = (self.root(f), self.root(i));
                    if a != b {
                        self.parent[b] = a;
                    }
                }
            }
        }
        first
    }

    /// The store a change of a store type configures, if audit sources that exist before the
    /// change write to it and the change does not create it. `change` is of `set.changes` or
    /// of the drift (found by its values only).
    pub(crate) fn configured_by(
        &self,
        c: &ResourceChange,
        rules: &StoreRules,
    ) -> Option<Found<'_>> {
        let t = rules.stores.get(c.kind.as_str())?;
        let index = self
            .configured
            .get(&(c.input, c.address.clone()))
            .copied()
            .or_else(|| {
                let mut keys = Vec::new();
                for attribute in &t.named_by {
                    values_in(c, attribute, Some(t.kind), rules, &mut keys);
                }
                if t.is_store {
                    keys.push((t.kind, format!("@{}", c.address)));
                }
                keys.iter().find_map(|k| self.keys.get(k).copied())
            });
        // NOTE: a resource created on a store known only after apply is, in a plan, on a new
        // bucket or key (an existing one's name is known): a new store, not a weakened one.
        let Some(index) = index else {
            let created = matches!(c.action, Action::Create | Action::CreateForget);
            return (!created && self.existing_kind[t.kind] && unknown_name(c, &t.named_by))
                .then_some(Found::Unknown(t.kind));
        };
        let s = self.store.get(&self.parent[index])?;
        if s.sources.is_empty() || (s.itself > 0 && s.created == s.itself) {
            return None;
        }
        Some(Found::Store(t.kind, &s.sources))
    }

    /// Whether a grant's scope (resources joined by `, `) names a store an audit source writes
    /// to: exactly, or by a pattern (`arn:aws:s3:::acme-cloudtrail-*`).
    pub(crate) fn in_scope(&self, scope: &str, rules: &StoreRules) -> bool {
        if self.names.iter().all(HashSet::is_empty) {
            return false;
        }
        scope.split(", ").any(|resource| {
            let Some((kind, name)) = name_of(resource, None, rules) else {
                return self.bare_name_in_scope(resource, rules);
            };
            let Some(at) = name.find(['*', '?']) else {
                return self.names[kind].contains(&name);
            };
            let prefix = &name[..at];
            self.sorted[kind]
                .range::<str, _>((
                    std::ops::Bound::Included(prefix),
                    std::ops::Bound::Unbounded,
                ))
                .take_while(|n| n.starts_with(prefix))
                .any(|n| glob::matches(&name, n))
        })
    }
}

impl Stores {
    /// Whether a bare name (a grant scoped to a Google bucket by its name) names a store of a
    /// kind whose grants are scoped so (`bare_names`).
    fn bare_name_in_scope(&self, resource: &str, rules: &StoreRules) -> bool {
        if resource.contains(':') {
            return false;
        }
        rules
            .kinds
            .iter()
            .enumerate()
            .filter(|(_, k)| k.bare_names)
            .any(|(i, k)| {
                let name = k
                    .resource_prefixes
                    .iter()
                    .find_map(|p| resource.strip_prefix(p.as_str()))
                    .unwrap_or(resource);
                self.names[i].contains(name)
            })
    }
}

/// "the bucket aws_cloudtrail.org writes to".
pub(crate) fn phrase(kind: &StoreKind, sources: &BTreeSet<Text>) -> String {
    let list: Vec<&str> = sources.iter().map(Text::as_str).collect();
    let (one, many) = (&kind.written.0, &kind.written.1);
    let (who, verb) = match list.as_slice() {
        [one_source] => (one_source.to_string(), one),
        [a, b] => (format!("{a} and {b}"), many),
        [a, b, rest @ ..] => (format!("{a}, {b} and {} more", rest.len()), many),
        [] => ("an audit source".to_string(), one),
    };
    format!("{} {who} {verb}", kind.noun)
}

/// Whether a change names its store only by values known after apply.
fn unknown_name(c: &ResourceChange, named_by: &[String]) -> bool {
    c.values
        .as_ref()
        .is_some_and(|v| named_by.iter().any(|a| v.is_unknown(Side::After, a)))
}

/// The keys an attribute of a change names, on both sides: its values, and where a value is
/// known only after apply, the addresses its configuration references.
fn names_in(
    c: &ResourceChange,
    attribute: &str,
    kind: Option<usize>,
    rules: &StoreRules,
    resolver: &Resolver<'_>,
    out: &mut Vec<Key>,
) {
    values_in(c, attribute, kind, rules, out);
    let unknown = c
        .values
        .as_ref()
        .is_some_and(|v| v.is_unknown(Side::After, attribute));
    if !unknown {
        return;
    }
    for r in resolver.references(c, attribute) {
        if let Some(target) = resolver.resolve(c, &r) {
            let kind = kind.or_else(|| {
                rules
                    .stores
                    .get(target.change.kind.as_str())
                    .map(|t| t.kind)
            });
            if let Some(kind) = kind {
                out.push((kind, format!("@{}", target.change.address)));
            }
        }
    }
}

/// The keys an attribute's known values name, before and after.
fn values_in(
    c: &ResourceChange,
    attribute: &str,
    kind: Option<usize>,
    rules: &StoreRules,
    out: &mut Vec<Key>,
) {
    let Some(values) = &c.values else { return };
    for side in [Side::Before, Side::After] {
        let mut add = |v: &Value| {
            if let Some(key) = v.as_str().and_then(|s| name_of(s, kind, rules)) {
                out.push(key);
            }
        };
        match values.side(side).get(attribute) {
            Some(Value::Array(items)) => items.iter().for_each(&mut add),
            Some(v) => add(v),
            None => {}
        }
    }
}

/// The store a value names: an ARN read by its service, or a name of the given kind.
fn name_of(value: &str, kind: Option<usize>, rules: &StoreRules) -> Option<Key> {
    if !value.starts_with("arn:") {
        // A value that says its kind by a prefix (`storage.googleapis.com/BUCKET`).
        if let Some((k, rest)) = rules.kind_of_prefix(value) {
            if kind.is_some_and(|want| want != k) {
                return None;
            }
            let name = match rules.kinds[k].name_ends_at.as_str() {
                "" => rest,
                end => rest.split(end).next().unwrap_or(rest),
            };
            return (!name.is_empty()).then(|| (k, name.to_string()));
        }
        return kind
            .filter(|_| !value.is_empty())
            .map(|k| (k, value.to_string()));
    }
    let parts: Vec<&str> = value.splitn(6, ':').collect();
    let [_, _, service, _, _, resource] = parts.as_slice() else {
        return None;
    };
    let k = match kind {
        Some(k) if rules.kinds[k].service == *service => k,
        Some(_) => return None,
        None => rules.kind_of_service(service)?,
    };
    let spec = &rules.kinds[k];
    let rest = spec
        .resource_prefixes
        .iter()
        .find_map(|p| resource.strip_prefix(p.as_str()))?;
    let name = match spec.name_ends_at.as_str() {
        "" => rest,
        end => rest.split(end).next().unwrap_or(rest),
    };
    (!name.is_empty()).then(|| (k, name.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ruleset::Ruleset;

    fn rules() -> Ruleset {
        Ruleset::load(&[]).expect("the built-in rulesets load")
    }

    fn kind(r: &Ruleset, id: &str) -> usize {
        r.stores.kinds.iter().position(|k| k.id == id).expect(id)
    }

    #[test]
    fn arns_name_stores_of_their_service() {
        let r = rules();
        let s = &r.stores;
        let (bucket, key, group) = (kind(&r, "bucket"), kind(&r, "key"), kind(&r, "log_group"));
        let name = |v: &str, k: Option<usize>| name_of(v, k, s);
        assert_eq!(
            name("arn:aws:s3:::trail", None),
            Some((bucket, "trail".into()))
        );
        assert_eq!(
            name("arn:aws:s3:::trail/AWSLogs/*", None),
            Some((bucket, "trail".into()))
        );
        assert_eq!(name("trail", Some(bucket)), Some((bucket, "trail".into())));
        assert_eq!(
            name(
                "arn:aws:logs:eu-west-1:111122223333:log-group:/audit/trail:*",
                None
            ),
            Some((group, "/audit/trail".into()))
        );
        assert_eq!(
            name("arn:aws:logs:*:*:log-group:/audit/trail", Some(group)),
            Some((group, "/audit/trail".into()))
        );
        assert_eq!(
            name("arn:aws:kms:eu-west-1:111122223333:key/1234abcd", Some(key)),
            Some((key, "1234abcd".into()))
        );
        assert_eq!(
            name("arn:aws:kms:eu-west-1:111122223333:alias/trail", None),
            Some((key, "alias/trail".into()))
        );
        assert_eq!(
            name("arn:aws:firehose:eu-west-1:1:deliverystream/x", None),
            None
        );
        assert_eq!(name("arn:aws:s3:::trail", Some(key)), None);
        assert_eq!(name("not-an-arn", None), None);
    }

    /// A hostile plan's worth of stores and scoped grants stays linear: each scope is a hash
    /// lookup, or a walk of the names sharing its literal prefix.
    #[test]
    fn many_stores_and_scopes_stay_cheap() {
        let r = rules();
        let bucket = kind(&r, "bucket");
        let mut stores = Stores {
            names: vec![HashSet::default(); r.stores.kinds.len()],
            sorted: vec![BTreeSet::new(); r.stores.kinds.len()],
            existing_kind: vec![false; r.stores.kinds.len()],
            ..Stores::default()
        };
        for i in 0..100_000 {
            stores.names[bucket].insert(format!("trail-{i}"));
            stores.sorted[bucket].insert(format!("trail-{i}"));
        }
        let hits = (0..100_000)
            .filter(|i| stores.in_scope(&format!("arn:aws:s3:::trail-{i}/*"), &r.stores))
            .count();
        assert_eq!(hits, 100_000);
        assert!(stores.in_scope("arn:aws:s3:::trail-9999?", &r.stores));
        assert!(!stores.in_scope("arn:aws:s3:::app-*", &r.stores));
        assert!(!stores.in_scope("arn:aws:s3:::app", &r.stores));
    }
}
