//! `unmodelled-identity-change`: the change touches identity, access, logging or audit
//! resources of a type foureyes does not model, and the configuration says such a change needs
//! an independent approver (`unmodelled_identity = "require_approval"`).

use super::{Check, Context, Finding, Rule};
use crate::ruleset::Severity;

pub(crate) const RULE: Rule = Rule {
    id: "unmodelled-identity-change",
    title: "identity or audit change foureyes cannot judge",
    severity: Some(Severity::High),
    always_requires_approval: false,
    unwaivable: None,
    summary: "the change touches identity, access, logging or audit resources of a type no \
              provider of foureyes models, and the configuration sets `unmodelled_identity = \
              \"require_approval\"`",
    docs: r#"**Why it matters.** A gate that passes what it cannot read is worse than none: a
change to an OCI policy, an Azure Policy assignment or Spanner IAM may grant privilege or switch off
an audit log, and foureyes would not know. By default foureyes names such changes next to the
verdict (a *partial pass*) and leaves the decision to the reviewer; with
`unmodelled_identity = "require_approval"` in `.foureyes.toml` they need an independent approver,
like any finding. Which types count is data (`rulesets/coverage.toml`, per provider family).

**Example.** A pull request adds `google_project_iam_member` with `roles/owner` for a CI service
account. foureyes does not model Google Cloud yet, so it cannot say whether that account also
holds the audit-log configuration.

**How to fix it.** Review the named resources by hand, or split them into their own change so
that the reviewer of it knows what to look at.

**Justified exceptions.** Keep the default (`warn`) where another control reviews those
providers; the types stay named next to the verdict in every report."#,
};

/// The rule, for the registry.
pub(crate) struct UnmodelledIdentityChange;

impl Check for UnmodelledIdentityChange {
    fn rule(&self) -> &'static Rule {
        &RULE
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        if !ctx.unmodelled_identity_requires_approval || !ctx.coverage.partial() {
            return Vec::new();
        }
        let message = format!(
            "{} {} to identity, access, logging or audit resources of types foureyes does not \
             model: {}. foureyes cannot say who gains what through them, or whether evidence is \
             weakened; the configuration asks for an independent approver.",
            ctx.coverage.identity_changes(),
            if ctx.coverage.identity_changes() == 1 {
                "change"
            } else {
                "changes"
            },
            ctx.coverage.identity_summary()
        );
        let resources = ctx
            .coverage
            .identity()
            .flat_map(|n| n.addresses.iter().map(|a| a.to_string()))
            .collect();
        vec![Finding {
            resources,
            references: vec![
                "NIST SP 800-53 CA-7".to_owned(),
                "NIST CSF 2.0 ID.AM-08".to_owned(),
            ],
            rationale: "What is not reviewed cannot be vouched for: an independent approver looks \
                        at what the tool could not."
                .to_owned(),
            possible: true,
            ..RULE.finding(message)
        }]
    }
}
