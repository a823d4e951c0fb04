//! Judge: run the rules over the classified change set, sort the findings and decide the
//! verdict. The one place that applies the approval threshold.

use crate::classify::{Principal, TouchedChange};
use crate::config::{self, Exception};
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
    /// The input's path from the root of the git repository it is in, when the command line
    /// knows it (SARIF names files from there, as code scanning reads them).
    pub(crate) repository_path: Option<String>,
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
    /// What became of each configured exception, in the configuration's order.
    pub(crate) exceptions: Vec<ExceptionUse>,
    /// Whether the files the change touches were checked for control tampering (without,
    /// an exception the change itself adds would go unnoticed).
    pub(crate) files_checked: bool,
}

/// What became of one exception in this review.
#[derive(Debug, Clone)]
pub(crate) struct ExceptionUse {
    pub(crate) exception: Exception,
    pub(crate) state: ExceptionState,
    /// How many findings it covers (used) or would cover (expired).
    pub(crate) findings: usize,
    /// Days from the review's day to its expiry: 0 on its last day, negative once expired.
    pub(crate) days_left: i64,
}

impl ExceptionUse {
    /// It expires within [`config::EXPIRING_DAYS`] days: the report announces it.
    pub(crate) fn expiring(&self) -> bool {
        self.state != ExceptionState::Expired && self.days_left <= config::EXPIRING_DAYS
    }

    /// What became of it, in words of foureyes' own (dates and counts): "covers 1 finding
    /// until 2026-12-31 (in 31 days)".
    pub(crate) fn what(&self) -> String {
        let expires = self.exception.expires;
        let findings = match self.findings {
            1 => "1 finding".to_owned(),
            n => format!("{n} findings"),
        };
        match self.state {
            ExceptionState::Used => {
                format!(
                    "covers {findings} until {expires} ({})",
                    in_days(self.days_left)
                )
            }
            ExceptionState::Unused => format!(
                "covers nothing in this change; until {expires} ({}): remove it once it is no \
                 longer needed",
                in_days(self.days_left)
            ),
            ExceptionState::Expired if self.findings == 0 => {
                format!("expired on {expires} and covers nothing in this change: remove it")
            }
            ExceptionState::Expired => {
                format!("expired on {expires}; would cover {findings}: renew it or remove it")
            }
        }
    }
}

/// "in 5 days", "tomorrow", "2 days ago": how far a day is from the review's.
pub(crate) fn in_days(days: i64) -> String {
    match days {
        0 => "today, its last day".to_owned(),
        1 => "tomorrow".to_owned(),
        d if d > 1 => format!("in {d} days"),
        -1 => "yesterday".to_owned(),
        d => format!("{} days ago", -d),
    }
}

/// Whether an exception covered anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExceptionState {
    /// It covers findings of this change.
    Used,
    /// It covers nothing in this change: perhaps stale.
    Unused,
    /// Past its expiry: it covers nothing.
    Expired,
}

impl ExceptionState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ExceptionState::Used => "used",
            ExceptionState::Unused => "unused",
            ExceptionState::Expired => "expired",
        }
    }
}

impl Report {
    /// How many findings a valid exception covers.
    pub(crate) fn excepted(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.excepted.is_some())
            .count()
    }

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
    let exceptions = except(&mut findings, &settings.exceptions, settings.today);
    // NOTE: the one place that decides which findings need an independent approver; every
    // format and the gate read `requires_approval`.
    for f in &mut findings {
        let always = rules::find(f.rule).is_some_and(|r| r.always_requires_approval);
        f.requires_approval = f.excepted.is_none() && (always || f.severity >= approval_severity);
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
        exceptions,
        files_checked: settings.file_tamperings.is_some(),
    }
}

/// Apply the exceptions: a finding covered by one that has not expired is marked excepted
/// (the first such, in the configuration's order); an expired one that would cover findings
/// adds an `expired-exception` finding naming it. What became of each exception is returned.
fn except(
    findings: &mut Vec<Finding>,
    exceptions: &[Exception],
    today: chrono::NaiveDate,
) -> Vec<ExceptionUse> {
    if exceptions.is_empty() {
        return Vec::new();
    }
    let live = |e: &Exception| e.expires >= today;
    let mut counts = vec![0usize; exceptions.len()];
    for f in findings.iter_mut() {
        let covering = exceptions
            .iter()
            .position(|e| live(e) && e.covers(f.rule, &f.principals, &f.resources));
        if let Some(i) = covering {
            counts[i] += 1;
            f.excepted = Some(exceptions[i].clone());
        }
    }
    let mut expired = Vec::new();
    for (i, e) in exceptions.iter().enumerate() {
        if live(e) {
            continue;
        }
        let covered: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.excepted.is_none() && e.covers(f.rule, &f.principals, &f.resources))
            .collect();
        counts[i] = covered.len();
        if !covered.is_empty() {
            expired.push(rules::expired_exception::finding(e, &covered));
        }
    }
    findings.extend(expired);
    exceptions
        .iter()
        .zip(counts)
        .map(|(e, n)| ExceptionUse {
            exception: e.clone(),
            state: if !live(e) {
                ExceptionState::Expired
            } else if n > 0 {
                ExceptionState::Used
            } else {
                ExceptionState::Unused
            },
            findings: n,
            days_left: (e.expires - today).num_days(),
        })
        .collect()
}
