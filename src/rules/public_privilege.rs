//! `public-privilege`: anyone at all (the public, or every authenticated account of the
//! provider) gains a grant that confers a duty.

use super::{describe_grants, sorted, Check, Context, Finding, Rule};
use crate::model::{Effect, Grant};
use crate::privilege::{provider_of, PROVIDERS};
use crate::ruleset::Severity;

pub(crate) const RULE: Rule = Rule {
    id: "public-privilege",
    title: "anyone gains a duty",
    severity: Some(Severity::Critical),
    always_requires_approval: false,
    unwaivable: None,
    summary: "a principal that stands for anyone (AWS's `*`, Google's `allUsers` and \
              `allAuthenticatedUsers`, ...) gains a grant that confers a duty, with no condition \
              narrowing it",
    docs: r#"**Why it matters.** Segregation of duties assumes that a duty sits with someone: a role,
a person, a pipeline. A grant to anyone gives the duty to every identity there is, so nobody is
kept apart from anything: whoever finds the resource can administer who holds access, read the
secret or rewrite the evidence, and no review of theirs ever happens.

**Example.** A secret's resource policy allows `secretsmanager:GetSecretValue` to `"AWS": "*"`;
a Google project binding gives `roles/resourcemanager.projectIamAdmin` to `allUsers`.

**What it does not find.** A grant to anyone that confers no duty (a public website bucket's
`s3:GetObject`, a function URL anyone may invoke) is shown in the privilege delta and is not a
finding. A grant narrowed by a condition (an organization id, a source account) is shown as
conditional and is not a finding either: conditions are kept, not evaluated.

**How to fix it.** Name the principals that need the access, or narrow the grant with a
condition that limits it to your organization.

**Justified exceptions.** There are few: public read of published artifacts confers no duty and
does not fire this rule. Anything else should be approved by someone independent, with the
reason recorded in the review."#,
};

/// The rule, for the registry.
pub(crate) struct PublicPrivilege;

impl Check for PublicPrivilege {
    fn rule(&self) -> &'static Rule {
        &RULE
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let mut out = Vec::new();
        for p in ctx.principals {
            let public = provider_of(&p.id).is_some_and(|i| PROVIDERS[i].is_public(&p.id));
            if !public {
                continue;
            }
            let mut duties: Vec<String> = Vec::new();
            let mut gained: Vec<&Grant> = Vec::new();
            for duty in p.gained_by_duty.duties() {
                let grants = p.gained_by_duty.get(duty).into_iter().flatten();
                let grants: Vec<&Grant> = grants
                    .filter(|g| g.effect == Effect::Allow && !g.conditional)
                    .collect();
                if !grants.is_empty() {
                    duties.push(duty.clone());
                    gained.extend(grants);
                }
            }
            let unknown: Vec<&Grant> = p.gained_unknown.iter().filter(|g| !g.conditional).collect();
            let possible = gained.is_empty();
            if possible {
                if unknown.is_empty() {
                    continue;
                }
                gained = unknown;
            }
            let message = if possible {
                format!(
                    "{} stands for anyone and gains {}, known only after apply: it may confer a \
                     duty on everyone.",
                    p.id,
                    describe_grants(&gained)
                )
            } else {
                format!(
                    "{} stands for anyone and gains {}, conferring {}: every identity there is \
                     would hold it.",
                    p.id,
                    describe_grants(&gained),
                    duties.join(" and ")
                )
            };
            let resources = sorted(gained.iter().map(|g| g.via.to_string()).collect());
            out.push(Finding {
                duties,
                principals: vec![p.id.to_string()],
                resources,
                references: vec![
                    "NIST SP 800-53 AC-5".to_string(),
                    "NIST SP 800-53 AC-6".to_string(),
                    "NIST SP 800-53 AC-22".to_string(),
                ],
                rationale: "A duty given to anyone is segregated from no one: whoever finds the \
                            resource holds it, and no review of theirs ever happens."
                    .to_string(),
                possible,
                ..RULE.finding(message)
            });
        }
        out
    }
}
