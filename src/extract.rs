//! Extract: the change set's resources → grants per principal, for every provider.

use crate::load::LoadError;
use crate::normalize::{self, ChangeSet, Wanted};
use crate::privilege::{aws, Extraction};
use crate::resolve::Resolver;
use crate::ruleset::Ruleset;
use std::collections::HashMap;

/// For each resource type whose values the review needs (`data.` prefixed for data sources),
/// the top-level attributes it reads. Big plans stay cheap: everything else is only skipped.
pub(crate) fn wanted_attributes(ruleset: &Ruleset) -> Wanted {
    let mut changed: HashMap<String, Vec<String>> = HashMap::new();
    for (kind, attributes) in aws::ATTRIBUTES {
        changed
            .entry((*kind).to_string())
            .or_default()
            .extend(attributes.iter().map(|a| (*a).to_string()));
    }
    // A deletion loses what privilege a resource gave; it weakens evidence whatever the values.
    let mut deleted = changed.clone();
    for (kind, evidence) in &ruleset.evidence {
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
    let mut unchanged: HashMap<String, Vec<String>> = HashMap::new();
    for (kind, attributes) in aws::WHOM {
        unchanged
            .entry((*kind).to_string())
            .or_default()
            .extend(attributes.iter().map(|a| (*a).to_string()));
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
    }
}

/// Extract the grants of every provider. Unchanged resources are read in full only for the
/// principals whose privileges the change can alter.
pub(crate) fn extract(set: &mut ChangeSet, wanted: &Wanted) -> Result<Extraction, LoadError> {
    let touched = aws::touched(set, &Resolver::new(set));
    normalize::complete(set, &touched.complete, wanted)?;
    let resolver = Resolver::new(set);
    let mut out = Extraction::default();
    aws::extract(set, &resolver, &touched, &mut out);
    out.unknowns.sort();
    out.unknowns.dedup();
    Ok(out)
}
