//! Per-provider extraction of grants: each resource's before and after state → who holds what.

pub(crate) mod aws;

use crate::model::{Grant, PrincipalId, Unknown};
use rustc_hash::FxHashSet as HashSet;

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
}
