//! `privilege-and-evidence`: one change set both grants privilege administration and weakens
//! audit or evidence configuration, so whoever applies it could grant and hide in one step.

use super::{describe_grants, join_ids, passed_on_from, sorted, Context, Finding, Rule};
use crate::model::Grant;
use crate::ruleset::Severity;

pub(crate) const RULE: Rule = Rule {
    id: "privilege-and-evidence",
    title: "privilege granted while evidence is weakened",
    severity: Some(Severity::Critical),
    summary: "some principal gains privilege administration and, in the same change set, existing \
              audit or evidence configuration is disabled, deleted, replaced, narrowed, shortened \
              or redirected",
};

pub(crate) fn check(ctx: &Context<'_>) -> Vec<Finding> {
    if ctx.weakenings.is_empty() {
        return Vec::new();
    }
    // Each principal that gains privilege administration (or permissions known only after
    // apply, which may include it), with the grants that do it.
    let mut candidates: Vec<(String, Vec<&Grant>, bool)> = Vec::new();
    for p in ctx.principals {
        if let Some(list) = p.gained_by_duty.get("privilege_admin") {
            candidates.push((p.id.to_string(), list.iter().collect(), false));
        } else if !p.gained_unknown.is_empty() && !p.duties_before.contains("privilege_admin") {
            candidates.push((p.id.to_string(), p.gained_unknown.iter().collect(), true));
        }
    }
    let ids: Vec<String> = candidates.iter().map(|c| c.0.clone()).collect();
    let mut gainers = Vec::new();
    let mut grants: Vec<&Grant> = Vec::new();
    let mut possible_gain = true;
    for (id, list, possible) in candidates {
        if let Some(from) = passed_on_from(&list) {
            if from.iter().all(|f| ids.iter().any(|i| **i == *f.0)) {
                continue;
            }
        }
        gainers.push(id);
        grants.extend(list);
        possible_gain &= possible;
    }
    if gainers.is_empty() {
        return Vec::new();
    }
    let possible_weakening = ctx.weakenings.iter().all(|w| w.possible);
    let possible = possible_gain || possible_weakening;
    let weakened: Vec<String> = ctx
        .weakenings
        .iter()
        .map(|w| format!("{} {}", w.address, w.how))
        .collect();
    let weakened_text = match weakened.len() {
        0..=2 => weakened.join(" and "),
        n => format!("{} and {} more", weakened[..2].join(", "), n - 2),
    };
    let verb = if gainers.len() == 1 { "gains" } else { "gain" };
    let what = if possible_gain {
        "permissions known only after apply, which may include privilege administration"
    } else {
        "privilege administration"
    };
    let message = format!(
        "{} {verb} {what} ({}) while {weakened_text}: whoever applies this change could grant \
         access and hide the evidence in one step.",
        join_ids(&gainers),
        describe_grants(&grants),
    );
    let mut resources: Vec<String> = grants.iter().map(|g| g.via.to_string()).collect();
    resources.extend(ctx.weakenings.iter().map(|w| w.address.clone()));
    let pair = ctx.ruleset.forbidden.iter().find(|f| {
        f.duties.iter().any(|d| d == "privilege_admin")
            && f.duties.iter().any(|d| d == "audit_evidence")
    });
    let references = pair.map(|f| f.references.clone()).unwrap_or_default();
    let rationale = pair.map_or_else(
        || "One identity that can both change privilege and the evidence of it needs nobody else to abuse either.".to_string(),
        |f| f.rationale.clone(),
    );
    vec![Finding {
        rule: RULE.id,
        severity: RULE.severity.unwrap_or(Severity::Critical),
        title: RULE.title.to_string(),
        message,
        duties: vec!["audit_evidence".to_string(), "privilege_admin".to_string()],
        principals: sorted(gainers),
        resources: sorted(resources),
        references,
        rationale,
        possible,
    }]
}
