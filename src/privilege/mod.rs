//! Per-provider extraction of grants: each resource's before and after state → who holds what.

pub(crate) mod aws;

use crate::model::{Grant, PrincipalId, Unknown};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

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
}
