//! The decision record (`--record FILE`): what an auditor asks of a privilege change, in one
//! deterministic JSON document — which plan was reviewed (its files' SHA-256), which commit,
//! what was found (each finding and the fingerprint an approval binds to), who reviewed and
//! why each one counted as independent or not, which exceptions applied, what the gate
//! decided, and when (the forge's clock). `schemas/record.schema.json` describes it.
//!
//! Everything here is pure: the gate hands over what it decided, and this module only shapes it.

use super::approval::{Judged, Standing};
use super::gate::{Mode, Outcome};
use super::state::Counts;
use super::StatusState;
use crate::judge::{ExceptionState, Report};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The version of the record's format.
pub(crate) const RECORD_VERSION: u32 = 1;

/// One reviewed file, as the command line read it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct InputDigest {
    /// The file as given.
    pub(crate) name: String,
    /// The SHA-256 of its bytes, in hex; `None` for stdin, which cannot be read twice.
    pub(crate) sha256: Option<String>,
}

/// What the command line asks of the record: where it goes and what was reviewed.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) path: PathBuf,
    pub(crate) inputs: Vec<InputDigest>,
}

/// The SHA-256 of each input file, read in blocks (a plan can be hundreds of megabytes).
pub(crate) fn digests(inputs: &[PathBuf]) -> anyhow::Result<Vec<InputDigest>> {
    use sha2::Digest as _;
    use std::io::Read as _;
    let mut out = Vec::with_capacity(inputs.len());
    for input in inputs {
        let name = input.display().to_string();
        if input.as_os_str() == "-" {
            out.push(InputDigest { name, sha256: None });
            continue;
        }
        let mut file =
            std::fs::File::open(input).map_err(|e| anyhow::anyhow!("{name}: cannot read: {e}"))?;
        let mut hash = sha2::Sha256::new();
        let mut block = vec![0u8; 1 << 16];
        loop {
            let n = file
                .read(&mut block)
                .map_err(|e| anyhow::anyhow!("{name}: cannot read: {e}"))?;
            if n == 0 {
                break;
            }
            hash.update(&block[..n]);
        }
        let hex = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
        out.push(InputDigest {
            name,
            sha256: Some(hex),
        });
    }
    Ok(out)
}

#[derive(Debug, Serialize)]
struct Record<'a> {
    record_version: u32,
    tool: Tool,
    /// When the decision was made: the forge's clock at its last answer, else this machine's.
    time: String,
    forge: &'static str,
    change_request: ChangeRequest<'a>,
    /// `plan`: this run reviewed the plan; `review`: it re-evaluated approvals from the state
    /// sealed in its comment, without the plan.
    run: &'static str,
    inputs: &'a [InputDigest],
    verdict: Option<&'a str>,
    approval_severity: Option<&'a str>,
    /// The fingerprint of the findings that need approval: an approval binds to it.
    fingerprint: Option<&'a str>,
    /// When these findings were first published: approvals before it do not count.
    findings_published: Option<&'a str>,
    counts: Option<&'a Counts>,
    /// Every finding, in the report's order (a run with the plan only).
    findings: Vec<FindingRecord<'a>>,
    exceptions: Vec<ExceptionRecord<'a>>,
    reviewers: Vec<Reviewer<'a>>,
    approved_by: Vec<&'a str>,
    gate: Gate<'a>,
}

#[derive(Debug, Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Debug, Serialize)]
struct ChangeRequest<'a> {
    name: &'a str,
    /// The head commit the decision is about.
    head: &'a str,
    author: &'a str,
}

#[derive(Debug, Serialize)]
struct FindingRecord<'a> {
    rule: &'a str,
    severity: &'static str,
    title: &'a str,
    message: &'a str,
    principals: &'a [String],
    resources: &'a [String],
    /// SARIF's fingerprint of the finding: rule, principals and resources.
    fingerprint: String,
    requires_approval: bool,
    /// The finding rests on values known only after apply.
    possible: bool,
    /// The exception that covers it (its place in the configuration), when one does.
    excepted_by: Option<String>,
}

#[derive(Debug, Serialize)]
struct ExceptionRecord<'a> {
    place: String,
    rule: &'a str,
    principals: &'a [String],
    resources: &'a [String],
    reason: &'a str,
    approved_by: &'a str,
    expires: String,
    ticket: Option<&'a str>,
    state: &'static str,
    findings: usize,
}

#[derive(Debug, Serialize)]
struct Reviewer<'a> {
    login: &'a str,
    counted: bool,
    /// Why the review counts (who the reviewer is as an approver), or why it does not.
    reason: &'a str,
    /// The commit the review was given on, and when.
    commit: &'a str,
    submitted: &'a str,
}

#[derive(Debug, Serialize)]
struct Gate<'a> {
    /// Whether the change may merge.
    open: bool,
    /// The commit status set on the head, if any.
    status: Option<&'static str>,
    /// Why this run could not decide, when it could not.
    undecided: Option<&'a str>,
}

/// Everything the record is made of.
pub(crate) struct Parts<'a> {
    pub(crate) forge: &'static str,
    pub(crate) request: &'a super::ChangeRequest,
    pub(crate) report: Option<&'a Report>,
    pub(crate) outcome: &'a Outcome,
    pub(crate) inputs: &'a [InputDigest],
    /// The forge's clock, or this machine's.
    pub(crate) time: String,
}

/// The record as JSON text: two-space indented, with a final line break; the same parts give
/// the same bytes.
pub(crate) fn render(parts: &Parts<'_>) -> String {
    let Parts {
        forge,
        request,
        report,
        outcome,
        inputs,
        time,
    } = parts;
    let state = outcome.state.as_ref();
    let findings = report
        .map(|r| {
            r.findings
                .iter()
                .map(|f| FindingRecord {
                    rule: f.rule,
                    severity: f.severity.as_str(),
                    title: &f.title,
                    message: &f.message,
                    principals: &f.principals,
                    resources: &f.resources,
                    fingerprint: crate::render::sarif::fingerprint(f),
                    requires_approval: f.requires_approval,
                    possible: f.possible,
                    excepted_by: f.excepted.as_ref().map(|e| e.name()),
                })
                .collect()
        })
        .unwrap_or_default();
    let exceptions = report
        .map(|r| {
            r.exceptions
                .iter()
                .map(|u| ExceptionRecord {
                    place: u.exception.name(),
                    rule: &u.exception.rule,
                    principals: &u.exception.principals,
                    resources: &u.exception.resources,
                    reason: &u.exception.reason,
                    approved_by: &u.exception.approved_by,
                    expires: u.exception.expires.to_string(),
                    ticket: u.exception.ticket.as_deref(),
                    state: match u.state {
                        ExceptionState::Used => "used",
                        ExceptionState::Unused => "unused",
                        ExceptionState::Expired => "expired",
                    },
                    findings: u.findings,
                })
                .collect()
        })
        .unwrap_or_default();
    let record = Record {
        record_version: RECORD_VERSION,
        tool: Tool {
            name: "foureyes",
            version: env!("CARGO_PKG_VERSION"),
        },
        time: time.clone(),
        forge,
        change_request: ChangeRequest {
            name: &request.name,
            head: &request.head,
            author: &request.author,
        },
        run: match outcome.mode {
            Mode::Plan => "plan",
            Mode::Review => "review",
        },
        inputs,
        verdict: state.map(|s| s.verdict.as_str()),
        approval_severity: state.map(|s| s.approval_severity.as_str()),
        fingerprint: state.map(|s| s.fingerprint.as_str()),
        findings_published: state.map(|s| s.since.as_str()).filter(|s| !s.is_empty()),
        counts: state.map(|s| &s.counts),
        findings,
        exceptions,
        reviewers: outcome.judged.iter().map(reviewer).collect(),
        approved_by: outcome.approved_by(),
        gate: Gate {
            open: outcome.open(),
            status: outcome.status.map(StatusState::as_str),
            undecided: outcome.undecided.as_deref(),
        },
    };
    // NOTE: the record's types serialize without failing (strings, numbers, lists).
    let mut text = serde_json::to_string_pretty(&record).unwrap_or_default();
    text.push('\n');
    text
}

fn reviewer(j: &Judged) -> Reviewer<'_> {
    let (counted, reason) = match &j.standing {
        Standing::Counted(how) => (true, how.as_str()),
        Standing::NotCounted(why) => (false, why.as_str()),
    };
    Reviewer {
        login: &j.login,
        counted,
        reason,
        commit: &j.commit,
        submitted: &j.submitted,
    }
}

/// Write the record, whole or not at all: to a file beside it, then renamed over it.
pub(crate) fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "record".into());
    let part = path.with_file_name(format!(".{name}.part"));
    std::fs::write(&part, text)
        .and_then(|()| std::fs::rename(&part, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&part);
            anyhow::anyhow!("{}: cannot write the decision record: {e}", path.display())
        })
}
