//! `privilege-and-evidence`: one change set both grants privilege administration and weakens
//! audit or evidence configuration, so whoever applies it could grant and hide in one step.

use super::{describe_grants, join_ids, passed_on_from, sorted, Check, Context, Finding, Rule};
use crate::model::Grant;
use crate::ruleset::{Severity, AUDIT_EVIDENCE, PRIVILEGE_ADMIN};

pub(crate) const RULE: Rule = Rule {
    id: "privilege-and-evidence",
    title: "privilege granted while evidence is weakened",
    severity: Some(Severity::Critical),
    always_requires_approval: false,
    unwaivable: None,
    summary: "some principal gains privilege administration and, in the same change set, existing \
              audit or evidence configuration is disabled, deleted, replaced, narrowed, shortened \
              or redirected",
    docs: r#"**Why it matters.** Segregation of duties fails when one identity can both change who
holds privilege and change the evidence that would show it. A change set that does both lets
whoever applies it (an author, a pipeline, a service account) grant access and hide it in one
step: the audit trail that would record the grant is stopped, shortened or redirected by the
same hand. Nobody else would see either.

**Example.** A pull request adds `iam:PutRolePolicy` to the CI role's policy and, in another
file, sets `enable_logging = false` on the organisation trail. Each edit looks small; together
the pipeline can give itself any permission and no CloudTrail record would show it.

**How to fix it.** Split the change: land the privilege change and the audit or evidence change
in separate pull requests, reviewed and applied separately, so that the second is reviewed with
the first already visible in the logs. If the audit change is a mistake (a trail renamed, so
replaced), make it in place instead (`moved` blocks, `lifecycle { prevent_destroy = true }`).

**Justified exceptions.** Some changes need both (decommissioning an account, say). Have someone
independent of the change (not its author, committers or pipeline) approve it, and record the
justification and the date to revisit it in that approving review. foureyes never approves on
anyone's behalf."#,
};

/// The rule, for the registry.
pub(crate) struct PrivilegeAndEvidence;

impl Check for PrivilegeAndEvidence {
    fn rule(&self) -> &'static Rule {
        &RULE
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        check(ctx)
    }
}

fn check(ctx: &Context<'_>) -> Vec<Finding> {
    if ctx.weakenings.is_empty() {
        return Vec::new();
    }
    // Each principal that gains privilege administration (or permissions known only after
    // apply, which may include it), with the grants that do it.
    let mut candidates: Vec<(String, Vec<&Grant>, bool)> = Vec::new();
    for p in ctx.principals {
        if let Some(list) = p.gained_by_duty.get(PRIVILEGE_ADMIN) {
            candidates.push((p.id.to_string(), list.iter().collect(), false));
        } else if !p.gained_unknown.is_empty() && !p.duties_before.contains(PRIVILEGE_ADMIN) {
            candidates.push((p.id.to_string(), p.gained_unknown.iter().collect(), true));
        }
    }
    let ids: std::collections::HashSet<String> = candidates.iter().map(|c| c.0.clone()).collect();
    let mut gainers = Vec::new();
    let mut grants: Vec<&Grant> = Vec::new();
    let mut possible_gain = true;
    for (id, list, possible) in candidates {
        if let Some(from) = passed_on_from(&list) {
            if from.iter().all(|f| ids.contains(&*f.0)) {
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
    resources.extend(ctx.weakenings.iter().map(|w| w.address.to_string()));
    let pair = ctx.ruleset.forbidden.iter().find(|f| {
        f.duties.iter().any(|d| d == PRIVILEGE_ADMIN)
            && f.duties.iter().any(|d| d == AUDIT_EVIDENCE)
    });
    let references = pair.map(|f| f.references.clone()).unwrap_or_default();
    let rationale = pair.map_or_else(
        || "One identity that can both change privilege and the evidence of it needs nobody else to abuse either.".to_string(),
        |f| f.rationale.clone(),
    );
    vec![Finding {
        duties: vec![AUDIT_EVIDENCE.to_string(), PRIVILEGE_ADMIN.to_string()],
        principals: sorted(gainers),
        resources: sorted(resources),
        references,
        rationale,
        possible,
        ..RULE.finding(message)
    }]
}
