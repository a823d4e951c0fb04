//! Extract: the change set's resources → grants per principal, for every provider.

use crate::load::LoadError;
use crate::normalize::{self, ChangeSet, Wanted};
use crate::privilege::{engine, Extraction, PROVIDERS};
use crate::resolve::Resolver;
use crate::ruleset::{Change, Ruleset};
use std::collections::HashMap;

/// For each resource type whose values the review needs (`data.` prefixed for data sources),
/// the top-level attributes it reads. Big plans stay cheap: everything else is only skipped.
pub(crate) fn wanted_attributes(ruleset: &Ruleset) -> Wanted {
    let mut wanted = shaped_attributes(ruleset);
    wanted.completed = wanted.unchanged.keys().cloned().collect();
    // Evidence stores: what names them, on every audit source (unchanged ones too: an
    // untouched trail still says which bucket is evidence) and every resource that configures
    // one; and what weakens them.
    let stores = &ruleset.stores;
    let add = |map: &mut HashMap<String, Vec<String>>, kind: &str, attributes: &[&str]| {
        let list = map.entry(kind.to_string()).or_default();
        list.extend(attributes.iter().map(|a| a.to_string()));
        list.sort();
        list.dedup();
    };
    for (kind, writes) in &stores.sources {
        let attributes: Vec<&str> = writes.iter().map(|(a, _)| a.as_str()).collect();
        add(&mut wanted.changed, kind, &attributes);
        add(&mut wanted.unchanged, kind, &attributes);
        add(&mut wanted.deleted, kind, &attributes);
        add(&mut wanted.prior, kind, &attributes);
    }
    for (kind, t) in &stores.stores {
        let named: Vec<&str> = t.named_by.iter().map(String::as_str).collect();
        let mut changed = named.clone();
        changed.extend(
            t.conditions
                .iter()
                .map(|c| c.attribute.split('.').next().unwrap_or(&c.attribute)),
        );
        add(&mut wanted.changed, kind, &changed);
        add(&mut wanted.deleted, kind, &named);
        // What ties names of different stores together (an alias and its key) is read when
        // unchanged too. An unchanged bucket or key is not: its name is known, and so is
        // every reference to it.
        if t.links {
            add(&mut wanted.unchanged, kind, &named);
        }
    }
    wanted
}

/// The attributes the providers' extraction shapes and the evidence conditions read: what the
/// review judges, short of the evidence stores.
pub(crate) fn shaped_attributes(ruleset: &Ruleset) -> Wanted {
    let mut changed: HashMap<String, Vec<String>> = HashMap::new();
    let mut unchanged: HashMap<String, Vec<String>> = HashMap::new();
    for p in PROVIDERS {
        for (kind, shape) in ruleset.shapes(p.name()).all() {
            let unchanged_attributes = shape.unchanged_attributes();
            if !unchanged_attributes.is_empty() && !kind.starts_with("data.") {
                unchanged
                    .entry(kind.clone())
                    .or_default()
                    .extend(unchanged_attributes.into_iter().map(str::to_string));
            }
            changed
                .entry(kind)
                .or_default()
                .extend(shape.changed_attributes().into_iter().map(str::to_string));
        }
    }
    // A deletion loses what privilege a resource gave; it weakens evidence whatever the values.
    let mut deleted = changed.clone();
    for (kind, evidence) in &ruleset.evidence {
        // A guardrail's document and id (or an attachment's policy id) are read on deletion
        // too: deleting one weakens evidence only if it guarded (`classify::guardrails`).
        for c in &evidence.conditions {
            let attributes: &[&str] = match c.change {
                Change::StopsDenying(_) => &["id", &c.attribute],
                Change::DetachesGuardrail(_) => &[&c.attribute],
                _ => &[],
            };
            // NOTE: only where there is something to read: a deletion of other evidence needs
            // no values, and a million deleted trails must not be parsed for none.
            if attributes.is_empty() {
                continue;
            }
            for list in [
                changed.entry(kind.clone()).or_default(),
                deleted.entry(kind.clone()).or_default(),
            ] {
                list.extend(attributes.iter().map(|a| a.to_string()));
            }
        }
        let list = changed.entry(kind.clone()).or_default();
        for c in &evidence.conditions {
            list.push(
                c.attribute
                    .split('.')
                    .next()
                    .unwrap_or(&c.attribute)
                    .to_string(),
            );
        }
    }
    // The controls that review changes: what weakens them, and what says a resource is one
    // (a repository file's path), on deletion too.
    for (kind, control) in &ruleset.controls {
        let top = |a: &str| a.split('.').next().unwrap_or(a).to_string();
        let list = changed.entry(kind.clone()).or_default();
        list.extend(control.conditions.iter().map(|c| top(&c.attribute)));
        if let Some((attribute, _)) = &control.only_when {
            list.push(top(attribute));
            deleted
                .entry(kind.clone())
                .or_default()
                .push(top(attribute));
        }
    }
    for list in changed
        .values_mut()
        .chain(unchanged.values_mut())
        .chain(deleted.values_mut())
    {
        list.sort();
        list.dedup();
    }
    Wanted {
        changed,
        unchanged,
        deleted,
        prior: HashMap::new(),
        completed: Default::default(),
    }
}

/// Extract the grants of every provider. Unchanged resources are read in full only for the
/// principals whose privileges the change can alter.
pub(crate) fn extract(
    set: &mut ChangeSet,
    wanted: &Wanted,
    ruleset: &Ruleset,
) -> Result<Extraction, LoadError> {
    // The providers that read some type of the change set; the others have nothing to extract
    // (an AWS plan is not read five times over).
    let reads: Vec<bool> = {
        let kinds: std::collections::HashSet<(bool, &str)> = set
            .changes
            .iter()
            .map(|c| (c.data, c.kind.as_str()))
            .collect();
        PROVIDERS
            .iter()
            .map(|p| {
                let shapes = ruleset.shapes(p.name());
                kinds
                    .iter()
                    .any(|&(data, kind)| shapes.get(data, kind).is_some())
            })
            .collect()
    };
    let touched: Vec<engine::Touched> = {
        let resolver = Resolver::new(set);
        PROVIDERS
            .iter()
            .zip(&reads)
            .map(|(p, &reads)| match reads {
                true => engine::touched(*p, ruleset.shapes(p.name()), set, &resolver),
                false => engine::Touched::default(),
            })
            .collect()
    };
    let mut complete: Vec<usize> = touched
        .iter()
        .flat_map(|t| t.complete.iter().copied())
        .collect();
    complete.sort_unstable();
    complete.dedup();
    normalize::complete(set, &complete, wanted)?;
    let resolver = Resolver::new(set);
    let mut out = Extraction::default();
    for ((p, touched), &reads) in PROVIDERS.iter().zip(&touched).zip(&reads) {
        if !reads {
            engine::pipeline_only(*p, set, &mut out);
            continue;
        }
        engine::extract(
            *p,
            ruleset.shapes(p.name()),
            set,
            &resolver,
            touched,
            &mut out,
        );
    }
    out.unknowns.sort();
    out.unknowns.dedup();
    Ok(out)
}
