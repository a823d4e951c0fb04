//! GitLab Code Quality (`--format codequality`): the findings as the subset of the Code Climate
//! format that GitLab reads from a `codequality` report artifact, so that they show in the
//! merge request's widget and diff.
//!
//! One issue per finding: `description` (the finding's message), `check_name` (the rule id),
//! `fingerprint` (the SARIF one: rule, principals and resources, so an issue keeps its identity
//! across pipelines), `severity` and `location` (`path`, `lines.begin`). A plan has no line to
//! point at: the issue points at the first line of the first reviewed input.

use crate::judge::Report;
use crate::rules::Finding;
use crate::ruleset::Severity;
use serde::Serialize;

#[derive(Serialize)]
struct Issue<'a> {
    description: String,
    check_name: &'a str,
    fingerprint: String,
    severity: &'static str,
    location: Location,
}

#[derive(Serialize)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: u32,
}

/// Code Climate's severities, from GitLab's list: a finding that needs an approver is at least
/// `major`; one an exception covers is `info`, with the exception in its description.
fn severity(f: &Finding) -> &'static str {
    if f.excepted.is_some() {
        return "info";
    }
    match f.severity {
        Severity::Critical => "blocker",
        Severity::High => "critical",
        Severity::Medium => "major",
        Severity::Low => "minor",
    }
}

/// An input's name as a path from the job's directory: `./` dropped, backslashes made slashes,
/// stdin given a file name.
fn path(name: &str) -> String {
    if name == "<stdin>" {
        return "stdin.json".to_string();
    }
    let mut path = name.replace('\\', "/");
    while let Some(rest) = path.strip_prefix("./") {
        path = rest.to_string();
    }
    crate::escape::terminal(&path).into_owned()
}

/// Write the report's findings as a Code Quality report: a JSON array, pretty-printed, with a
/// trailing newline.
pub(crate) fn write(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let input = report
        .inputs
        .first()
        .map_or_else(|| "plan.json".to_string(), |i| path(&i.name));
    let issues: Vec<Issue<'_>> = report
        .findings
        .iter()
        .map(|f| {
            let mut description = format!("{}: {}", f.title, f.message);
            if let Some(e) = &f.excepted {
                description.push_str(&format!(" (excepted by {})", e.waiver()));
            }
            Issue {
                // NOTE: GitLab renders it as text; hidden characters are shown escaped, as
                // everywhere a person reads.
                description: crate::escape::terminal(&description).into_owned(),
                check_name: f.rule,
                fingerprint: super::sarif::fingerprint(f),
                severity: severity(f),
                location: Location {
                    path: input.clone(),
                    lines: Lines { begin: 1 },
                },
            }
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &issues)?;
    out.write_all(b"\n")
}
