//! `expired-exception`: a documented exception that would cover a finding has passed its
//! expiry date, so the finding it waived is back and needs an independent approver.
//!
//! Its findings come from `judge`, which applies the exceptions after every other rule has
//! run: only then is it known which findings an expired exception would have covered.

use super::{sorted, Check, Context, Finding, Rule};
use crate::config::Exception;
use crate::ruleset::Severity;

pub(crate) const RULE: Rule = Rule {
    id: "expired-exception",
    title: "an exception that would cover a finding has expired",
    severity: Some(Severity::Medium),
    always_requires_approval: false,
    unwaivable: Some("renew the expired exception instead, with a new approval and expiry"),
    summary: "a documented exception (`[[exception]]` in `.foureyes.toml`) that would cover a \
              finding of this change has passed its expiry date: it covers nothing, and the \
              finding needs an independent approver again",
    docs: r#"**Why it matters.** An exception is a decision that a known hazard is acceptable for
a while: break-glass automation, a small team that cannot split every duty, a migration. Left
open, it becomes a permanent hole that nobody remembers deciding. foureyes' exceptions expire
(at most `max_exception_days`, 90 by default, from the day they are checked), and an expired
one covers nothing: the finding it waived is reported and needs an independent approver as if
the exception were not there. This finding names the exception, so the team can decide again
rather than wonder why a change that passed last month is blocked today.

An expired exception that would cover nothing in this change fires nothing; the report lists it
as expired, to be removed.

**Example.** `[[exception]]` #2 waived `toxic-combination` for `aws:role/break-glass` until
2026-11-01; on 2026-11-02 a change that again gives that role `iam:PutRolePolicy` beside its
CloudTrail administration fires `toxic-combination` (needing approval) and `expired-exception`
naming #2.

**How to fix it.** Decide again. If the hazard is still acceptable, renew the exception: a new
`expires` no further out than `max_exception_days`, the `approved_by` of whoever decided and,
ideally, a `ticket`. The renewal is itself a change to the controls (`control-tampering` when the
change's files are checked), so someone independent approves it. If it is no longer needed,
remove it."#,
};

/// The rule, for the registry: its findings are made by `judge` ([`finding`]).
pub(crate) struct ExpiredException;

impl Check for ExpiredException {
    fn rule(&self) -> &'static Rule {
        &RULE
    }

    fn check(&self, _ctx: &Context<'_>) -> Vec<Finding> {
        Vec::new()
    }
}

/// The finding for an exception that expired but would cover these findings.
pub(crate) fn finding(exception: &Exception, covered: &[&Finding]) -> Finding {
    let mut principals = Vec::new();
    let mut resources = Vec::new();
    for f in covered {
        principals.extend(f.principals.iter().cloned());
        resources.extend(f.resources.iter().cloned());
    }
    let n = covered.len();
    let message = format!(
        "{} expired on {} (approved by {}: {}); it no longer covers {} of {}, which {} an \
         independent approver again: renew it with a new approval and expiry, or remove it.",
        exception.name(),
        exception.expires,
        exception.approved_by,
        exception.reason,
        if n == 1 {
            "1 finding".to_string()
        } else {
            format!("{n} findings")
        },
        exception.rule,
        if n == 1 { "needs" } else { "need" },
    );
    Finding {
        principals: sorted(principals),
        resources: sorted(resources),
        references: vec![
            "NIST SP 800-53 CA-5".to_string(),
            "NIST SP 800-53 RA-7".to_string(),
        ],
        rationale: "An exception is a decision with an end date; once it has passed, the hazard \
                    it accepted must be decided again by someone independent of the change."
            .to_string(),
        ..RULE.finding(message)
    }
}
