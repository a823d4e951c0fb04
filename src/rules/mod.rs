//! The rules: each finds one hazard in the classified change set. Rule ids are a public
//! contract (users write them in config and exceptions) and never change meaning.

pub(crate) mod control_tampering;
pub(crate) mod expired_exception;
pub(crate) mod privilege_and_evidence;
pub(crate) mod privileged_credential;
pub(crate) mod public_privilege;
pub(crate) mod self_escalation;
pub(crate) mod toxic_combination;
pub(crate) mod unmodelled_identity_change;

use crate::classify::Principal;
use crate::model::{Grant, PrincipalId, Weakening};
use crate::ruleset::{Ruleset, Severity};

/// A rule's metadata and documentation: the one source for `rules`, findings and the README.
#[derive(Debug)]
pub(crate) struct Rule {
    pub(crate) id: &'static str,
    pub(crate) title: &'static str,
    /// The rule's severity; `None` when it comes from the SoD matrix entry that fired.
    pub(crate) severity: Option<Severity>,
    /// Its findings need an independent approver whatever the approval threshold: a change
    /// that weakens the review must not pass by the threshold the change itself sets.
    pub(crate) always_requires_approval: bool,
    /// Why no `[[exception]]` may cover its findings; `None` when one may.
    pub(crate) unwaivable: Option<&'static str>,
    /// What it finds, in one sentence.
    pub(crate) summary: &'static str,
    /// The rule's documentation, in Markdown: why it matters, an example, how to fix the
    /// change, how to record a justified exception. The one source for `foureyes explain`, the
    /// SARIF help and the README's rule reference.
    pub(crate) docs: &'static str,
}

impl Rule {
    /// The severity as shown: the rule's own, or "from the SoD matrix".
    pub(crate) fn severity_text(&self) -> &'static str {
        self.severity.map_or("matrix", Severity::as_str)
    }

    /// The full explanation, as `foureyes explain` prints it: the rule's documentation, then
    /// how an exception may (or may not) waive it.
    pub(crate) fn explain(&self) -> String {
        let waiver = match self.unwaivable {
            Some(why) => format!("**No exception covers it**: {why}."),
            None => format!(
                "**Waiving it for a while.** A case the team accepts for a limited time is an \
                 `[[exception]]` in `.foureyes.toml` (see the README's *Exceptions*): the \
                 finding stays reported, marked excepted, and needs no approver until the \
                 exception expires (at most `max_exception_days`, 90 by default, ahead). An \
                 exception covers a finding only when it names every principal or resource the \
                 finding is about, and adding or extending one is itself a change to the \
                 controls, which someone independent approves.\n\n```toml\n[[exception]]\n\
                 rule = \"{}\"\nprincipal = \"aws:role/break-glass\"\n\
                 reason = \"why the hazard is accepted, and until when\"\n\
                 approved_by = \"security@acme.example\"\nexpires = 2027-01-31\n\
                 ticket = \"SEC-1234\"\n```",
                self.id
            ),
        };
        format!(
            "### `{}`: {}\n\nSeverity: {}{}.\n\n**What it finds.** {}.\n\n{}\n\n{waiver}\n",
            self.id,
            self.title,
            match self.severity {
                Some(s) => s.as_str().to_string(),
                None => "that of the SoD matrix entry it completes (critical for privilege_admin + audit_evidence)".to_string(),
            },
            if self.always_requires_approval {
                "; its findings need an independent approver whatever `approval_severity` or \
                 `--fail-on` say"
            } else {
                ""
            },
            capitalize(self.summary),
            self.docs.trim()
        )
    }
}

fn capitalize(text: &str) -> String {
    let mut c = text.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// The rule with this id.
pub(crate) fn find(id: &str) -> Option<&'static Rule> {
    all().find(|r| r.id == id)
}

/// The rule reference, as the README carries it: the rules, the duties they speak of, and
/// each rule's documentation.
pub(crate) fn reference(ruleset: &Ruleset) -> String {
    let mut out = String::from("| rule | severity | title |\n| --- | --- | --- |\n");
    for r in all() {
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            r.id,
            r.severity_text(),
            r.title
        ));
    }
    out.push_str("\n| duty | what it means |\n| --- | --- |\n");
    for (id, d) in &ruleset.duties {
        out.push_str(&format!("| `{id}` | {}: {} |\n", d.title, d.description));
    }
    for r in all() {
        out.push('\n');
        out.push_str(&r.explain());
    }
    out
}

/// What every rule is: its metadata (the one source of its documentation and of its findings'
/// id and title) and its check over the classified change set.
pub(crate) trait Check: Sync {
    fn rule(&self) -> &'static Rule;
    fn check(&self, ctx: &Context<'_>) -> Vec<Finding>;
}

/// Every rule, in the order they are documented: the one registry. A rule is one file in
/// `src/rules/` and one line here.
pub(crate) const RULES: &[&dyn Check] = &[
    &privilege_and_evidence::PrivilegeAndEvidence,
    &toxic_combination::ToxicCombination,
    &self_escalation::SelfEscalation,
    &privileged_credential::PrivilegedCredential,
    &control_tampering::ControlTampering,
    &public_privilege::PublicPrivilege,
    &unmodelled_identity_change::UnmodelledIdentityChange,
    &expired_exception::ExpiredException,
];

/// Every rule's metadata, in the registry's order.
pub(crate) fn all() -> impl Iterator<Item = &'static Rule> {
    RULES.iter().map(|r| r.rule())
}

/// What the rules look at.
pub(crate) struct Context<'a> {
    pub(crate) principals: &'a [Principal],
    /// Audit and evidence configuration that the change itself weakens (not drift).
    pub(crate) weakenings: &'a [Weakening],
    /// The identities that apply the change.
    pub(crate) pipeline: &'a [PrincipalId],
    pub(crate) ruleset: &'a Ruleset,
    /// What the review could not judge.
    pub(crate) coverage: &'a crate::coverage::Coverage,
    /// The configuration asks for an approver for unmodelled identity and audit changes.
    pub(crate) unmodelled_identity_requires_approval: bool,
    /// Long-lived credentials the change issues, with what their holders hold after it.
    pub(crate) credentials: &'a [crate::classify::Credential],
    /// Changes that weaken the controls that review changes (from plan resources).
    pub(crate) tamperings: &'a [crate::classify::Tampering],
}

/// One hazard found, built from its rule's metadata ([`Rule::finding`]), so it cannot lose the
/// rule's id or title.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Finding {
    pub(crate) rule: &'static str,
    pub(crate) severity: Severity,
    pub(crate) title: String,
    /// What could happen and who could do it, in one sentence.
    pub(crate) message: String,
    pub(crate) duties: Vec<String>,
    pub(crate) principals: Vec<String>,
    pub(crate) resources: Vec<String>,
    pub(crate) references: Vec<String>,
    /// Why it matters: the SoD reasoning.
    pub(crate) rationale: String,
    /// Whether the finding rests on values known only after apply.
    pub(crate) possible: bool,
    /// Whether it needs an independent approver: decided by `judge` alone (the approval
    /// threshold and the exceptions); renderers and publishers read it, never recompute it.
    pub(crate) requires_approval: bool,
    /// The valid exception that covers it, if one does (set by `judge`): it is reported, and
    /// needs no approver on its own account.
    pub(crate) excepted: Option<crate::config::Exception>,
}

impl Rule {
    /// A finding of this rule, with its id, title and severity (the rule's own, or `High` for
    /// the rules whose severity comes from the SoD matrix, which then set it).
    pub(crate) fn finding(&'static self, message: String) -> Finding {
        Finding {
            rule: self.id,
            severity: self.severity.unwrap_or(Severity::High),
            title: self.title.to_owned(),
            message,
            duties: Vec::new(),
            principals: Vec::new(),
            resources: Vec::new(),
            references: Vec::new(),
            rationale: String::new(),
            possible: false,
            requires_approval: false,
            excepted: None,
        }
    }
}

/// Run every rule.
pub(crate) fn check(ctx: &Context<'_>) -> Vec<Finding> {
    RULES.iter().flat_map(|r| r.check(ctx)).collect()
}

/// "iam:PutRolePolicy via aws_iam_role_policy.x" for up to three grants, then "and N more".
pub(crate) fn describe_grants(grants: &[&Grant]) -> String {
    // The first three distinct descriptions, and how many distinct ones there are.
    const SHOWN: usize = 3;
    let mut parts: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for g in grants {
        let text = if let crate::model::Permission::Assume(role) = &g.permission {
            match &g.through {
                Some(_) => format!("what {role} now holds, which it may assume ({})", g.via),
                None => format!("the right to assume {role} ({})", g.via),
            }
        } else if g.sensitive {
            format!("(sensitive) via {}", g.via)
        } else {
            format!("{} via {}", short_permission(g), g.via)
        };
        if seen.insert(text.clone()) && parts.len() < SHOWN {
            parts.push(text);
        }
    }
    let more = seen.len().saturating_sub(SHOWN);
    let mut text = parts.join(", ");
    if more > 0 {
        text.push_str(&format!(" and {more} more"));
    }
    text
}

/// A permission as people read it: managed policies by name.
pub(crate) fn short_permission(g: &Grant) -> String {
    match &g.permission {
        // An ARN by its last part; a role by its name (`roles/owner`).
        crate::model::Permission::Managed(arn) if arn.starts_with("arn:") => {
            arn.rsplit('/').next().unwrap_or(arn).to_string()
        }
        p => p.to_string(),
    }
}

/// A list of principal ids as a sentence's subject: the first few, then how many more (the
/// finding's `principals` list has them all).
pub(crate) fn join_ids(ids: &[String]) -> String {
    const SHOWN: usize = 5;
    match ids {
        [] => String::new(),
        [one] => one.clone(),
        _ if ids.len() > SHOWN => format!(
            "{} and {} more principals",
            ids[..SHOWN].join(", "),
            ids.len() - SHOWN
        ),
        [first @ .., last] => format!("{} and {last}", first.join(", ")),
    }
}

/// The principals that all these grants are passed on from (a role to those who may assume it,
/// a group to its members), or `None` when some grant is the principal's own. A finding about a
/// principal that holds something only through another principal with the same finding says
/// nothing new.
pub(crate) fn passed_on_from(grants: &[&Grant]) -> Option<Vec<PrincipalId>> {
    let mut from = Vec::new();
    for g in grants {
        from.push(g.from.clone()?);
    }
    from.sort();
    from.dedup();
    (!from.is_empty()).then_some(from)
}

/// Sort and deduplicate.
pub(crate) fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

#[cfg(test)]
mod tests {
    use super::{all, RULES};

    #[test]
    fn rule_ids_are_unique_kebab_case_and_documented() {
        let mut ids: Vec<&str> = all().map(|r| r.id).collect();
        for r in all() {
            assert!(
                r.id.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{}",
                r.id
            );
            assert!(!r.title.is_empty() && !r.summary.is_empty(), "{}", r.id);
        }
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
    }
}
