//! The review: every pipeline stage from loaded inputs to the report, as pure functions.

use crate::classify;
use crate::coverage;
use crate::delta;
use crate::extract;
use crate::judge::{self, Drift, InputSummary, Judged, Pipeline, Report};
use crate::load::{LoadError, Source};
use crate::model::{PrincipalId, Text};
use crate::normalize;
use crate::privilege::{self, engine, Hidden};
use crate::ruleset::{Ruleset, Severity};
use crate::stores::Stores;
use rustc_hash::FxHashMap as HashMap;

/// What a review needs besides its inputs.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// Identities that apply the change, as users wrote them.
    pub(crate) pipeline_principals: Vec<String>,
    /// Findings at or above this severity require an independent approver.
    pub(crate) approval_severity: Severity,
    /// Changes to identity or audit types that foureyes does not model require approval.
    pub(crate) unmodelled_identity_requires_approval: bool,
    /// Documented exceptions, valid or expired.
    pub(crate) exceptions: Vec<crate::config::Exception>,
    /// The day exceptions are judged on (UTC).
    pub(crate) today: chrono::NaiveDate,
    /// How the files the change touches weaken the review (`--git-base`, a pull request's
    /// files), judged before the review: `None` when they were not checked.
    pub(crate) file_tamperings: Option<Vec<crate::classify::Tampering>>,
}

/// Review sources as one change set.
pub(crate) fn review(
    sources: &[Source],
    settings: &Settings,
    ruleset: &Ruleset,
) -> Result<Report, LoadError> {
    let wanted = extract::wanted_attributes(ruleset);
    let mut set = normalize::normalize(sources, &wanted)?;
    let inputs = set
        .inputs
        .iter()
        .map(|input| InputSummary {
            name: input.name.clone(),
            format_version: input.format_version.clone(),
            terraform_version: input.terraform_version.clone(),
            resource_changes: input.resource_changes,
            repository_path: None,
        })
        .collect();
    let mut extraction = extract::extract(&mut set, &wanted, ruleset)?;
    let pipeline = pipeline(
        settings,
        std::mem::take(&mut extraction.pipeline),
        &extraction.hidden,
    );
    let mut unknowns = std::mem::take(&mut extraction.unknowns);
    if !set.unknowns.is_empty() {
        unknowns.append(&mut set.unknowns);
        unknowns.sort();
        unknowns.dedup();
    }
    // What needs the change set's values, first: then the values go, before the principals
    // are classified (the peak of a big review).
    let (documents, documents_total) = engine::documents(&set, ruleset);
    let stores = Stores::find(&set, &ruleset.stores);
    let weakenings = classify::weakenings(&set.changes, ruleset, &stores);
    let mut tamperings = classify::tamperings(&set.changes, ruleset);
    tamperings.extend(settings.file_tamperings.iter().flatten().cloned());
    let changes = classify::touched(&set.changes, &weakenings, ruleset);
    let drift = drift(&set.drift, ruleset, &stores);
    let changed = set.changes.iter().filter(|c| c.action.is_change()).count();
    // NOTE: the types that configure evidence stores (a bucket, its lifecycle) are reviewed;
    // those among them that also grant access (a bucket policy admits principals) are not
    // reviewed for that, and stay in the coverage unless a provider's shapes read them.
    let shaped = extract::shaped_attributes(ruleset);
    let modelled = |kind: &str| {
        shaped.changed.contains_key(kind)
            || shaped.unchanged.contains_key(kind)
            || (ruleset.stores.stores.contains_key(kind) && !coverage::is_identity(kind))
            || ruleset.evidence.contains_key(kind)
            || !ruleset.configured_duties(kind).is_empty()
    };
    let coverage = coverage::coverage(&set.changes, &modelled);
    // NOTE: freeing a big change set takes a while; another thread does it meanwhile. What
    // the report keeps of the changes (their heads) is shared, not freed.
    drop(set);
    let issued = std::mem::take(&mut extraction.issued);
    let (principals, credentials) =
        classify::principals(delta::delta(extraction), issued, ruleset, &stores);
    let report = judge::judge(
        Judged {
            principals,
            changes,
            weakenings,
            drift,
            unknowns,
            pipeline,
            inputs,
            documents,
            documents_total,
            changed,
            coverage,
            credentials,
            tamperings,
        },
        ruleset,
        settings,
    );
    Ok(report)
}

/// The pipeline identities: the configured ones, or else those the provider assumes. One whose
/// name is sensitive in the change set goes by the id the change set gives it.
fn pipeline(
    settings: &Settings,
    detected: Vec<(PrincipalId, String)>,
    hidden: &Hidden,
) -> Vec<Pipeline> {
    if settings.pipeline_principals.is_empty() {
        return detected
            .into_iter()
            .map(|(id, source)| Pipeline { id, source })
            .collect();
    }
    let mut out: Vec<Pipeline> = settings
        .pipeline_principals
        .iter()
        .map(|p| Pipeline {
            id: hidden.show(privilege::principal_id(p)),
            source: "configured".to_string(),
        })
        .collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out.dedup_by(|a, b| a.id == b.id);
    out
}

fn drift(
    changes: &[crate::model::ResourceChange],
    ruleset: &Ruleset,
    stores: &Stores,
) -> Vec<Drift> {
    let mut weakened: HashMap<Text, Vec<Text>> = HashMap::default();
    for w in classify::weakenings(changes, ruleset, stores) {
        weakened.entry(w.address.clone()).or_default().push(w.how);
    }
    let mut out: Vec<Drift> = changes
        .iter()
        .filter(|c| c.action.is_change())
        .map(|c| Drift {
            head: c.head.clone(),
            weakenings: weakened.remove(c.address.as_str()).unwrap_or_default(),
        })
        .collect();
    out.sort_by(|a, b| a.address.cmp(&b.address));
    out
}
