//! `toxic-combination`: a principal gains a grant after which it holds duties that the SoD
//! matrix forbids together.

use super::{describe_grants, sorted, Context, Finding, Rule};
use crate::model::Grant;
use crate::ruleset::Severity;

pub(crate) const RULE: Rule = Rule {
    id: "toxic-combination",
    title: "principal gains a forbidden combination of duties",
    severity: None,
    summary: "a principal gains a grant after which it holds two duties that the SoD matrix \
              forbids together (e.g. privilege_admin and audit_evidence)",
};

pub(crate) fn check(ctx: &Context<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for p in ctx.principals {
        for f in &ctx.ruleset.forbidden {
            let held_before = f.duties.iter().all(|d| p.duties_before.contains(d));
            if held_before {
                continue;
            }
            let held_after = f.duties.iter().all(|d| p.duties_after.contains(d));
            // Permissions unknown until apply may complete the most dangerous pairs.
            let possible = !held_after
                && f.severity == Severity::Critical
                && !p.gained_unknown.is_empty()
                && f.duties.iter().any(|d| p.duties_after.contains(d));
            if !held_after && !possible {
                continue;
            }
            let mut grants: Vec<&Grant> = f
                .duties
                .iter()
                .filter(|d| !p.duties_before.contains(*d))
                .filter_map(|d| p.gained_by_duty.get(d))
                .flatten()
                .collect();
            if possible {
                grants.extend(&p.gained_unknown);
            }
            let titles: Vec<String> = f
                .duties
                .iter()
                .map(|d| {
                    ctx.ruleset
                        .duties
                        .get(d)
                        .map_or(d.clone(), |def| def.title.clone())
                })
                .collect();
            let message = if possible {
                format!(
                    "{} already holds {} and gains permissions known only after apply ({}); \
                     if they include the rest, it could {}.",
                    p.id,
                    f.duties
                        .iter()
                        .filter(|d| p.duties_after.contains(*d))
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(" and "),
                    describe_grants(&grants),
                    f.title
                )
            } else {
                format!(
                    "{} gains {} and so holds both {}: it could {}.",
                    p.id,
                    describe_grants(&grants),
                    titles.join(" and "),
                    f.title
                )
            };
            out.push(Finding {
                rule: RULE.id,
                severity: f.severity,
                title: format!("{}: {}", RULE.title, f.title),
                message,
                duties: sorted(f.duties.clone()),
                principals: vec![p.id.to_string()],
                resources: sorted(grants.iter().map(|g| g.via.clone()).collect()),
                references: f.references.clone(),
                possible,
            });
        }
    }
    out
}
