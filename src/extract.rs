//! Extract: the change set's resources → grants per principal, for every provider.

use crate::normalize::ChangeSet;
use crate::privilege::{aws, Extraction};
use crate::resolve::Resolver;

/// Whether the review needs the values of a resource type (`data.` prefixed for data sources).
pub(crate) fn wants_values(kind: &str, ruleset: &crate::ruleset::Ruleset) -> bool {
    aws::TYPES.contains(&kind) || ruleset.evidence.contains_key(kind)
}

/// Extract the grants of every provider.
pub(crate) fn extract(set: &ChangeSet) -> Extraction {
    let resolver = Resolver::new(set);
    let mut out = Extraction::default();
    aws::extract(set, &resolver, &mut out);
    out.unknowns.sort();
    out.unknowns.dedup();
    out
}
