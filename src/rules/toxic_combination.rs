//! `toxic-combination`: a principal gains a grant in a duty of a pair the SoD matrix forbids
//! together and holds both duties after the change, also when it held both before (more power
//! inside a forbidden pair). One finding per principal, naming every combination it completes
//! or adds to.

use super::{describe_grants, passed_on_from, sorted, Check, Context, Finding, Rule};
use crate::model::Grant;
use crate::model::PrincipalId;
use crate::ruleset::{Forbidden, Severity};

pub(crate) const RULE: Rule = Rule {
    id: "toxic-combination",
    title: "principal gains a forbidden combination of duties",
    severity: None,
    always_requires_approval: false,
    unwaivable: None,
    summary: "a principal gains a grant in a duty of a pair the SoD matrix forbids together \
              (e.g. privilege_admin and audit_evidence) and holds both duties after the change, \
              also when it held both before; gains outside the pair's duties do not fire it",
    docs: r#"**Why it matters.** The SoD matrix (`rulesets/duties.toml`) names duties that must never
sit with one identity: privilege administration with audit and evidence, secrets with audit and
evidence, privilege administration with approval control, deployment with approval control. A
principal that holds both sides of such a pair needs nobody else to abuse them: it can grant
itself access and erase the record, read secrets and hide the reading, or ship and approve its
own change. The finding names the grant that completes the combination. More power inside a
pair already held is a gain too: a role with `PowerUserAccess` (which already holds
`cloudtrail:*` and IAM Identity Center's `sso:*`) given `IAMFullAccess` fires. A gain outside
the pair's duties (the same role given `s3:GetObject`) does not.

**Example.** The `auditor` role may already stop trails (`cloudtrail:StopLogging`); the change
attaches `IAMFullAccess` to it. From then on the role can change anyone's privileges and stop
the trail that records it. Trust and groups count too: adding a user to a group, or to a role's
trust policy, gives it what the group or role holds.

**How to fix it.** Give the two duties to two identities: keep the audit powers on a role that
cannot change IAM, and the IAM powers on one that cannot touch logging (an explicit `Deny` on
the other duty's actions works too, and foureyes honours unconditional denies). Prefer narrow
actions and resources over `*` and managed policies such as `AdministratorAccess`.

**Justified exceptions.** Break-glass roles hold everything by design. Have such a change
approved by someone independent of it and record the justification in that review. A pair your
organisation accepts can be given a lower severity, below `approval_severity`, in your own
ruleset (`[[forbidden]]` with the same duties)."#,
};

/// The rule, for the registry.
pub(crate) struct ToxicCombination;

impl Check for ToxicCombination {
    fn rule(&self) -> &'static Rule {
        &RULE
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        check(ctx)
    }
}

fn check(ctx: &Context<'_>) -> Vec<Finding> {
    let mut out: Vec<(Finding, Option<Vec<PrincipalId>>)> = Vec::new();
    for p in ctx.principals {
        // Combinations completed for certain, and those that permissions known only after
        // apply may complete (only the most dangerous ones, to keep ordinary changes quiet).
        let mut certain: Vec<&Forbidden> = Vec::new();
        let mut possible: Vec<&Forbidden> = Vec::new();
        for f in &ctx.ruleset.forbidden {
            let held_after = f.duties.iter().all(|d| p.duties_after.contains(d));
            // A gain inside the pair: a grant that widens one of its duties. More power
            // inside a forbidden pair is a gain even when both were held before; a gain
            // outside the pair's duties, or one that adds nothing to what was held, is not.
            if held_after
                && f.duties
                    .iter()
                    .any(|d| p.gained_by_duty.contains_key(d) && p.widened.contains(d))
            {
                certain.push(f);
            } else if held_after {
                continue;
            } else if f.severity == Severity::Critical
                && !p.gained_unknown.is_empty()
                && f.duties.iter().any(|d| p.duties_after.contains(d))
            {
                possible.push(f);
            }
        }
        let is_possible = certain.is_empty();
        let fired = if is_possible { &possible } else { &certain };
        let Some(top) = fired.iter().max_by_key(|f| f.severity) else {
            continue;
        };
        // The grants that complete or add to the combinations: those of the duties newly
        // held, or, when every duty was held before, those that add to any of them.
        let newly = |d: &&String| !p.duties_before.contains(d);
        let fresh = fired
            .iter()
            .flat_map(|f| f.duties.iter())
            .any(|d| newly(&d));
        let mut grants: Vec<&Grant> = fired
            .iter()
            .flat_map(|f| f.duties.iter())
            .filter(|d| !fresh || newly(d))
            .filter_map(|d| p.gained_by_duty.get(d))
            .flatten()
            .collect();
        if is_possible {
            grants.extend(&p.gained_unknown);
        }
        let title = |f: &Forbidden| -> String {
            f.duties
                .iter()
                .map(|d| {
                    ctx.ruleset
                        .duties
                        .get(d)
                        .map_or(d.clone(), |def| def.title.clone())
                })
                .collect::<Vec<_>>()
                .join(" + ")
        };
        let combos: Vec<String> = fired
            .iter()
            .map(|f| format!("{} ({})", title(f), f.title))
            .collect();
        let message = if is_possible {
            format!(
                "{} gains permissions known only after apply ({}); if they complete {}, it could \
                 {}.",
                p.id,
                describe_grants(&grants),
                combos.join("; "),
                top.title
            )
        } else if fresh {
            format!(
                "{} gains {} and so holds {}: it could {}.",
                p.id,
                describe_grants(&grants),
                combos.join("; "),
                top.title
            )
        } else {
            format!(
                "{} already held {} and gains more within it ({}): it could {}.",
                p.id,
                combos.join("; "),
                describe_grants(&grants),
                top.title
            )
        };
        let mut references: Vec<String> = fired
            .iter()
            .flat_map(|f| f.references.iter().cloned())
            .collect();
        let mut seen = std::collections::HashSet::new();
        references.retain(|r| seen.insert(r.clone()));
        let from = passed_on_from(&grants);
        out.push((
            Finding {
                severity: top.severity,
                title: format!("{}: {}", RULE.title, top.title),
                duties: sorted(
                    fired
                        .iter()
                        .flat_map(|f| f.duties.iter().cloned())
                        .collect(),
                ),
                principals: vec![p.id.to_string()],
                resources: sorted(grants.iter().map(|g| g.via.to_string()).collect()),
                references,
                rationale: top.rationale.clone(),
                possible: is_possible,
                ..RULE.finding(message)
            },
            from,
        ));
    }
    // A principal that holds the combination only through another principal with the same
    // finding (whoever may assume a toxic role) is covered by that principal's finding.
    let flagged: std::collections::HashSet<String> = out
        .iter()
        .flat_map(|(f, _)| f.principals.iter().cloned())
        .collect();
    out.into_iter()
        .filter(|(_, from)| {
            !from
                .as_ref()
                .is_some_and(|from| from.iter().all(|p| flagged.contains(&*p.0)))
        })
        .map(|(f, _)| f)
        .collect()
}
