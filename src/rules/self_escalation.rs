//! `self-escalation`: the identity that applies the change gains privilege in it.

use super::{describe_grants, sorted, Check, Context, Finding, Rule};
use crate::model::{Effect, Grant, Permission};
use crate::ruleset::{Severity, PRIVILEGE_ADMIN};

pub(crate) const RULE: Rule = Rule {
    id: "self-escalation",
    title: "pipeline identity grants itself privilege",
    severity: Some(Severity::High),
    always_requires_approval: false,
    unwaivable: None,
    summary:
        "a principal configured as (or detected to be) the pipeline or applier identity gains \
              privilege in the change",
    docs: r#"**Why it matters.** The pipeline identity (the role Terraform assumes to apply changes)
runs every change after review. If a change widens the pipeline's own privileges, the next change
can use them, and the identity that checks changes is the one that gained. foureyes takes the
pipeline identity from `--pipeline-principal`, `pipeline_principals` in `.foureyes.toml`, or the
AWS provider's `assume_role.role_arn` in the plan.

**Example.** The provider assumes `arn:aws:iam::111122223333:role/terraform-ci`, and the change
attaches `IAMFullAccess` to `terraform-ci`.

**How to fix it.** Change the pipeline's own permissions out of band: in a separate, separately
reviewed configuration applied by another identity (a bootstrap stack, an account-vending
pipeline). Keep the pipeline role's policy outside the configurations it applies.

**Justified exceptions.** When the pipeline really must gain a permission (a new service it will
deploy), have the change approved by someone independent of it and say in that review which
permission and why."#,
};

/// The rule, for the registry.
pub(crate) struct SelfEscalation;

impl Check for SelfEscalation {
    fn rule(&self) -> &'static Rule {
        &RULE
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        check(ctx)
    }
}

fn check(ctx: &Context<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for p in ctx.principals {
        if !ctx.pipeline.contains(&p.id) {
            continue;
        }
        let gained: Vec<&Grant> = p
            .gained
            .iter()
            .filter(|g| g.effect == Effect::Allow)
            .collect();
        if gained.is_empty() {
            continue;
        }
        let possible = gained
            .iter()
            .all(|g| matches!(g.permission, Permission::Unknown(_)));
        let mut duties: Vec<String> = p.duties_gained().into_iter().collect();
        if duties.is_empty() && p.gained_by_duty.contains_key(PRIVILEGE_ADMIN) {
            duties.push(PRIVILEGE_ADMIN.to_string());
        }
        let duty_text = if duties.is_empty() {
            String::new()
        } else {
            format!(", newly holding {}", duties.join(" and "))
        };
        let message = format!(
            "{} applies this change and gains {}{duty_text}: the pipeline would widen its own \
             privileges with nobody else involved.",
            p.id,
            describe_grants(&gained),
        );
        let resources = sorted(gained.iter().map(|g| g.via.to_string()).collect());
        out.push(Finding {
            duties,
            principals: vec![p.id.to_string()],
            resources,
            references: vec![
                "NIST CSF 2.0 PR.AA-05".to_string(),
                "NIST SP 800-53 AC-6(2)".to_string(),
                "OWASP NHI5:2025".to_string(),
            ],
            rationale:
                "The pipeline identity runs every change after review; if a change can widen \
                        its own privileges, the next change can use them with nobody else involved."
                    .to_string(),
            possible,
            ..RULE.finding(message)
        });
    }
    out
}
