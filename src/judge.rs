//! Judge: run the rules over the classified change set, sort the findings and decide the
//! verdict. The one place that applies the approval threshold.

use crate::classify::{Principal, TouchedChange};
use crate::coverage::Coverage;
use crate::model::{Head, PolicyChange, PrincipalId, Text, Unknown, Weakening};
use crate::review::Settings;
use crate::rules::{self, Context, Finding};
use crate::ruleset::{Ruleset, Severity};

/// Whether an independent approver is needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    Pass,
    ApprovalRequired,
}

impl Verdict {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::ApprovalRequired => "approval_required",
        }
    }
}

/// An identity that applies the change, and how foureyes knows.
#[derive(Debug, Clone)]
pub(crate) struct Pipeline {
    pub(crate) id: PrincipalId,
    /// `configured` or where in the plan it was found.
    pub(crate) source: String,
}

/// What one input was.
#[derive(Debug, Clone)]
pub(crate) struct InputSummary {
    pub(crate) name: String,
    pub(crate) format_version: String,
    pub(crate) terraform_version: Option<String>,
    pub(crate) resource_changes: usize,
}

/// A change made outside Terraform, found in `resource_drift`.
#[derive(Debug, Clone)]
pub(crate) struct Drift {
    pub(crate) head: std::sync::Arc<Head>,
    pub(crate) weakenings: Vec<Text>,
}

impl std::ops::Deref for Drift {
    type Target = Head;

    fn deref(&self) -> &Head {
        &self.head
    }
}

/// Everything the renderers show. Built once; every format is a pure function of it.
#[derive(Debug)]
pub(crate) struct Report {
    pub(crate) inputs: Vec<InputSummary>,
    pub(crate) verdict: Verdict,
    pub(crate) approval_severity: Severity,
    pub(crate) findings: Vec<Finding>,
    pub(crate) principals: Vec<Principal>,
    pub(crate) changes: Vec<TouchedChange>,
    pub(crate) weakenings: Vec<Weakening>,
    pub(crate) drift: Vec<Drift>,
    pub(crate) unknowns: Vec<Unknown>,
    pub(crate) pipeline: Vec<Pipeline>,
    /// Policy documents the change alters, in address order, as far as foureyes keeps their
    /// text (a few megabytes: more than any comment shows).
    pub(crate) documents: Vec<PolicyChange>,
    /// How many policy documents the change alters in all.
    pub(crate) documents_total: usize,
    /// Resource changes that change something (not no-op or read).
    pub(crate) changed: usize,
    /// What the review could not judge.
    pub(crate) coverage: Coverage,
}

impl Report {
    /// How many principals gain privilege: an allowed permission, or a duty through a role
    /// they may assume.
    pub(crate) fn gaining(&self) -> usize {
        self.principals
            .iter()
            .filter(|p| {
                p.gained
                    .iter()
                    .any(|g| g.effect == crate::model::Effect::Allow)
                    || !p.duties_gained().is_empty()
            })
            .count()
    }
}

/// What the judge needs besides the classified change set.
pub(crate) struct Judged {
    pub(crate) principals: Vec<Principal>,
    pub(crate) changes: Vec<TouchedChange>,
    pub(crate) weakenings: Vec<Weakening>,
    pub(crate) drift: Vec<Drift>,
    pub(crate) unknowns: Vec<Unknown>,
    pub(crate) pipeline: Vec<Pipeline>,
    pub(crate) inputs: Vec<InputSummary>,
    pub(crate) documents: Vec<PolicyChange>,
    pub(crate) documents_total: usize,
    /// Resource changes that change something (not no-op or read).
    pub(crate) changed: usize,
    pub(crate) coverage: Coverage,
    /// Long-lived credentials the change issues, with what their holders hold.
    pub(crate) credentials: Vec<crate::classify::Credential>,
    /// Changes that weaken the controls that review changes.
    pub(crate) tamperings: Vec<crate::classify::Tampering>,
}

/// Run the rules and decide.
pub(crate) fn judge(input: Judged, ruleset: &Ruleset, settings: &Settings) -> Report {
    let approval_severity = settings.approval_severity;
    let pipeline_ids: Vec<PrincipalId> = input.pipeline.iter().map(|p| p.id.clone()).collect();
    let ctx = Context {
        principals: &input.principals,
        weakenings: &input.weakenings,
        pipeline: &pipeline_ids,
        ruleset,
        coverage: &input.coverage,
        unmodelled_identity_requires_approval: settings.unmodelled_identity_requires_approval,
        credentials: &input.credentials,
        tamperings: &input.tamperings,
    };
    let mut findings = rules::check(&ctx);
    // NOTE: the one place that decides which findings need an independent approver; every
    // format and the gate read `requires_approval`.
    for f in &mut findings {
        f.requires_approval = f.severity >= approval_severity;
    }
    findings.sort_by(|a, b| {
        (b.severity, a.rule, &a.principals, &a.resources, &a.message).cmp(&(
            a.severity,
            b.rule,
            &b.principals,
            &b.resources,
            &b.message,
        ))
    });
    let verdict = if findings.iter().any(|f| f.requires_approval) {
        Verdict::ApprovalRequired
    } else {
        Verdict::Pass
    };
    Report {
        inputs: input.inputs,
        verdict,
        approval_severity,
        findings,
        principals: input.principals,
        changes: input.changes,
        weakenings: input.weakenings,
        drift: input.drift,
        unknowns: input.unknowns,
        pipeline: input.pipeline,
        documents: input.documents,
        documents_total: input.documents_total,
        coverage: input.coverage,
        changed: input.changed,
    }
}
