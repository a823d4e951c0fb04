//! Delta: per principal, the grants after the change minus those before (gained) and the
//! reverse (lost).

use crate::model::{Grant, PrincipalId};
use crate::privilege::Extraction;
use rustc_hash::FxHashSet as HashSet;
use std::collections::BTreeMap;

/// One principal's grants before and after the change.
#[derive(Debug)]
pub(crate) struct Delta {
    pub(crate) principal: PrincipalId,
    /// Whether the change may alter this principal's privileges (the others are only needed to
    /// compute them: the roles a reported principal may assume).
    pub(crate) reported: bool,
    /// Everything the principal holds before the change, as far as the change set shows.
    pub(crate) before: Vec<Grant>,
    /// Everything it holds after.
    pub(crate) after: Vec<Grant>,
    pub(crate) gained: Vec<Grant>,
    pub(crate) lost: Vec<Grant>,
}

/// Compute the delta of every principal, sorted by principal.
pub(crate) fn delta(extraction: Extraction) -> Vec<Delta> {
    let reported = extraction.reported;
    let mut by_principal: BTreeMap<PrincipalId, (Vec<Grant>, Vec<Grant>)> = BTreeMap::new();
    for g in extraction.before {
        by_principal
            .entry(g.principal.clone())
            .or_default()
            .0
            .push(g);
    }
    for g in extraction.after {
        by_principal
            .entry(g.principal.clone())
            .or_default()
            .1
            .push(g);
    }
    let mut out = Vec::new();
    for (principal, (before, after)) in by_principal {
        let gained = difference(&after, &before);
        let lost = difference(&before, &after);
        out.push(Delta {
            reported: reported.contains(&principal),
            principal,
            before,
            after,
            gained,
            lost,
        });
    }
    out
}

/// The grants of `a` whose permission is not in `b`, one per permission (the first by via).
fn difference(a: &[Grant], b: &[Grant]) -> Vec<Grant> {
    let in_b: HashSet<_> = b.iter().map(Grant::key).collect();
    let mut seen = HashSet::default();
    let mut out: Vec<Grant> = a
        .iter()
        .filter(|g| !in_b.contains(&g.key()) && seen.insert(g.key()))
        .cloned()
        .collect();
    out.sort_by(|x, y| {
        (&x.permission, &x.scope, &x.via, x.effect).cmp(&(
            &y.permission,
            &y.scope,
            &y.via,
            y.effect,
        ))
    });
    out.shrink_to_fit();
    out
}
