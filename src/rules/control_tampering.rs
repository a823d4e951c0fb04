//! `control-tampering`: the change weakens the controls that review changes (branch
//! protection, rulesets, required reviewers, CODEOWNERS), so the next change, or this one, can
//! pass with less review than the team asked for.

use super::{join_ids, sorted, Check, Context, Finding, Rule};
use crate::ruleset::Severity;
use std::collections::BTreeMap;

/// The duty whose controls this rule guards.
const APPROVAL_CONTROL: &str = "approval_control";

pub(crate) const RULE: Rule = Rule {
    id: "control-tampering",
    title: "the controls that review changes are weakened",
    severity: Some(Severity::High),
    always_requires_approval: true,
    unwaivable: Some(
        "a change that weakens the review must always be approved by someone independent of it",
    ),
    summary: "the change weakens the controls that review it: branch protection, rulesets, \
              required reviewers, CODEOWNERS or deployment approvals in the plan, or the files \
              that configure the review (this tool's configuration, rulesets and exceptions, CI \
              workflows, CODEOWNERS, `action.yml`, `.pre-commit-config.yaml`) among those the \
              change touches, are deleted, disabled, lowered or given new ways around them",
    docs: r#"**Why it matters.** Segregation of duties rests on review: nobody ships a change that
nobody else has approved. The controls that enforce it (branch protection, repository and
organization rulesets, CODEOWNERS, the reviewers of a deployment environment, and foureyes' own
required check) are configuration like any other, often managed by the same Terraform as the
rest. A change that lowers them lets its author, or whoever applies it, merge or deploy the next
change without the review the team asked for, and it is easy to miss among ordinary edits.

**What counts.** Each resource type that configures a review control says, as data
(`[[control]]` tables of `rulesets/<provider>/grants.toml`), how a change weakens it: the
protection deleted; fewer required approvals; code-owner review, stale-review dismissal,
last-push approval or enforcement on administrators turned off; a bypass actor or pull-request
bypasser added; a ruleset's enforcement moved from `active` to `evaluate` or `disabled`; a
required status check removed (critical when it is foureyes itself); a CODEOWNERS file rewritten
or deleted; an environment's required reviewers removed or self-review allowed. New protection,
a stricter review count or a new required check are not findings. A value known only after apply
that may weaken a control is reported as possible.

The finding names the identities that apply the change (when known) and any principal that gains
approval control in the same change set: together with a weakened review, that is who could merge
unreviewed work.

**Among the files a change touches** (`foureyes review --git-base REV`: the commits of the branch
since its merge base with REV; `foureyes github`: the pull request's files), each control is
compared by its parsed content on both sides, so reformatting is never a finding:

- this tool's configuration (every `.foureyes.toml`, the `--config` file): a pipeline principal
  removed, `approval_severity` raised, `unmodelled_identity` lowered to `warn`,
  `max_exception_days` raised, a `control_files` entry or a ruleset removed, an exception added,
  widened or extended (a new `reason`, `approved_by` or `ticket` alone is not); a configuration
  that no longer parses is a possible weakening;
- the rulesets a configuration names: an entry removed or a value changed (a severity lowered,
  an action dropped), or an added `[[control]]` that narrows a built-in one; a stricter severity
  or a pure addition is not;
- CI files that run foureyes (`.github/workflows/*.yml`, `.gitlab-ci.yml` and its local includes,
  `action.yml` at any depth, `.pre-commit-config.yaml`): the file deleted or moved where the CI
  does not read it, the step, job or hook removed (**critical**: the gate itself), or anything in
  the job or step that runs foureyes changed, named by its path: `--exit-zero` added, `--fail-on`
  raised, `continue-on-error` or `allow_failure` set, a condition (`if:`, `rules:`) added or
  changed, `--pipeline-principal` removed, the approvers, comment key or status context changed,
  the hook's `files`, `exclude` or `stages` narrowed, and the keys that govern the job (`on`,
  `permissions`, `env`, GitLab's `workflow`, `variables`, ...). CI files that run foureyes on
  neither side are not controls: bumping an unrelated action is not a finding;
- CODEOWNERS, the file GitHub reads (the first of `.github/CODEOWNERS`, `CODEOWNERS`,
  `docs/CODEOWNERS`): deleted or shadowed by a new one, a rule removed, owners removed or a rule
  made ownerless, a new later rule that overrides an earlier one with other owners;
- the files listed in the configuration's `control_files`: deleted or changed (a possible
  weakening: foureyes cannot read their meaning).

**Example.** A pull request sets `required_approving_review_count` from 2 to 0 and
`enforce_admins = false` on the default branch's protection, next to a change that makes a
contractor an admin of the repository.

**How to fix it.** Land changes to review controls on their own, reviewed by the people who own
them (a security or platform team in CODEOWNERS of the Terraform that manages them), and never
together with changes of who holds access. Where the weakening is a mistake (a protection
renamed, so replaced), make the change in place.

**Justified exceptions.** Some changes need it (retiring a repository, moving protection to an
organization ruleset). Have someone independent of the change approve it, and record the
justification and the date to revisit it in that approving review. Exceptions in `.foureyes.toml`
never cover this rule (a configuration that tries is refused), and a change that adds, widens or
extends an exception is itself a change to the controls. foureyes never approves on anyone's
behalf."#,
};

/// The rule, for the registry.
pub(crate) struct ControlTampering;

impl Check for ControlTampering {
    fn rule(&self) -> &'static Rule {
        &RULE
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        check(ctx)
    }
}

fn check(ctx: &Context<'_>) -> Vec<Finding> {
    if ctx.tamperings.is_empty() {
        return Vec::new();
    }
    // Who could use the weakened review: the identities that apply the change, and whoever
    // gains approval control in the same change set.
    let mut who: Vec<String> = ctx.pipeline.iter().map(|p| p.to_string()).collect();
    let mut gainers = Vec::new();
    for p in ctx.principals {
        if p.gained_by_duty.contains_key(APPROVAL_CONTROL) {
            gainers.push(p.id.to_string());
        }
    }
    who.extend(gainers.iter().cloned());
    let who = sorted(who);
    // One finding per control, with everything that weakens it.
    let mut by_control: BTreeMap<&str, Vec<&crate::classify::Tampering>> = BTreeMap::new();
    for t in ctx.tamperings {
        by_control.entry(t.control.as_str()).or_default().push(t);
    }
    let mut out = Vec::new();
    for (address, list) in by_control {
        let how: Vec<&str> = list.iter().map(|t| t.how.as_str()).collect();
        let possible = list.iter().all(|t| t.possible);
        let severity = list
            .iter()
            .filter_map(|t| t.severity)
            .chain(RULE.severity)
            .max()
            .unwrap_or(Severity::High);
        let also = if gainers.is_empty() {
            String::new()
        } else {
            let verb = if gainers.len() == 1 { "gains" } else { "gain" };
            format!(
                ", while {} {verb} approval control in the same change",
                join_ids(&gainers)
            )
        };
        let message = format!(
            "{address} {}{also}: changes could then be merged or deployed with less review than \
             the team asked for.",
            how.join("; ")
        );
        let mut resources = vec![address.to_string()];
        for p in ctx.principals {
            if let Some(grants) = p.gained_by_duty.get(APPROVAL_CONTROL) {
                resources.extend(grants.iter().map(|g| g.via.to_string()));
            }
        }
        out.push(Finding {
            severity,
            duties: vec![APPROVAL_CONTROL.to_string()],
            principals: who.clone(),
            resources: sorted(resources),
            references: vec![
                "NIST SP 800-53 CM-5".to_string(),
                "NIST SP 800-53 AC-5".to_string(),
                "OWASP CICD-SEC-1".to_string(),
            ],
            rationale: "The controls that review changes are what make one person's change need \
                        another's approval; weakening them removes that check for every later \
                        change."
                .to_string(),
            possible,
            ..RULE.finding(message)
        });
    }
    out
}
