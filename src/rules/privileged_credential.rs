//! `privileged-credential`: a long-lived credential (an access key, a console password, a
//! service-specific credential, a signing certificate) is issued or rotated for a principal that
//! holds privilege administration, or both duties of a forbidden pair, after the change. One
//! finding per credential.

use super::{sorted, Check, Context, Finding, Rule};
use crate::ruleset::{Forbidden, Severity, PRIVILEGE_ADMIN};

pub(crate) const RULE: Rule = Rule {
    id: "privileged-credential",
    title: "long-lived credential for a privileged principal",
    severity: Some(Severity::High),
    always_requires_approval: false,
    unwaivable: None,
    summary: "a long-lived credential (access key, console password, service-specific \
              credential, signing certificate) is issued, rotated or made active again for a \
              principal that holds privilege administration or both duties of a forbidden pair \
              after the change, or permissions known only after apply",
    docs: r#"**Why it matters.** Service accounts and keys are where segregation of duties fails
quietly. A credential carries everything its principal holds, for as long as it lives, to
whoever has a copy: a CI secret store, a laptop, a log that echoed it. A new access key for a
user that can both administer IAM and delete logs is one secret that can grant access and hide
it, usable by anyone who reads it, with no session, no MFA and no expiry.

**Example.** The user `deploy-bot` holds `AdministratorAccess`; the change adds
`aws_iam_access_key.deploy_bot`. Whoever can read the key's secret (the Terraform state holds
it) can act as an administrator. The same holds when the key is replaced (a rotation), when a
deactivated key is made `Active` again, and for a console password
(`aws_iam_user_login_profile`), a service-specific credential or a signing certificate.
Removing a credential, or issuing one for a principal that holds no such duties, does not fire.

**How to fix it.** Prefer short-lived credentials: a role assumed through OIDC federation (for
CI) or IAM Identity Center (for people) instead of a user with keys. If a key is unavoidable,
give its user only what the job needs, so that it holds no privilege administration and no
forbidden pair of duties.

**Justified exceptions.** A legacy integration that cannot assume roles may need a key. Have
the change approved by someone independent of it, record why in that review, and plan the
key's rotation and retirement."#,
};

/// The rule, for the registry.
pub(crate) struct PrivilegedCredential;

impl Check for PrivilegedCredential {
    fn rule(&self) -> &'static Rule {
        &RULE
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        check(ctx)
    }
}

fn check(ctx: &Context<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in ctx.credentials {
        let holds = |d: &String| c.duties.contains(d);
        let pairs: Vec<&Forbidden> = ctx
            .ruleset
            .forbidden
            .iter()
            .filter(|f| f.duties.iter().all(holds))
            .collect();
        let admin = c.duties.contains(PRIVILEGE_ADMIN);
        // What is known only after apply may be privilege administration: lean towards asking.
        let possible = !admin && pairs.is_empty();
        if possible && !c.unknown {
            continue;
        }
        let title = |d: &String| {
            ctx.ruleset
                .duties
                .get(d)
                .map_or(d.clone(), |def| def.title.clone())
        };
        let what_it_holds = match pairs.iter().max_by_key(|f| f.severity) {
            _ if possible => "permissions known only after apply, which may include privilege \
                              administration"
                .to_string(),
            Some(f) => format!(
                "{} after the change (a forbidden pair: it could {})",
                f.duties.iter().map(title).collect::<Vec<_>>().join(" + "),
                f.title
            ),
            None => format!("{} after the change", title(&PRIVILEGE_ADMIN.to_string())),
        };
        let message = format!(
            "{} issues {} for {}, which holds {}: whoever has the secret holds all of it, with \
             no session and no expiry.",
            c.issued.via, c.issued.what, c.issued.holder, what_it_holds
        );
        let mut duties: Vec<String> = pairs
            .iter()
            .flat_map(|f| f.duties.iter().cloned())
            .collect();
        if admin {
            duties.push(PRIVILEGE_ADMIN.to_string());
        }
        let mut references: Vec<String> = pairs
            .iter()
            .flat_map(|f| f.references.iter().cloned())
            .collect();
        references.push("OWASP NHI7:2025".to_string());
        references.push("NIST SP 800-53 IA-5".to_string());
        out.push(Finding {
            duties: sorted(duties),
            principals: vec![c.issued.holder.to_string()],
            resources: vec![c.issued.via.to_string()],
            references: sorted(references),
            possible,
            rationale: "A long-lived credential carries everything its principal holds to whoever \
                        has a copy; for a principal that can change privilege or both act and \
                        hide the evidence, one leaked secret undoes the segregation of duties."
                .to_string(),
            ..RULE.finding(message)
        });
    }
    out
}
