//! The JSON report, `schema_version` 1: frozen, versioned types of its own, so that refactors
//! never break consumers. Fields may be added; none is removed or renamed.

use crate::judge::Report;
use crate::model::{Effect, Grant, Permission, Text};
use serde::{Serialize, Serializer};
use std::io::{self, Write};

/// The version of this JSON contract.
pub(crate) const SCHEMA_VERSION: u32 = 1;

/// A list written as it is made: a report of a million changes is never held twice.
struct Lazy<F>(F);

impl<F, I> Serialize for Lazy<F>
where
    F: Fn() -> I,
    I: Iterator,
    I::Item: Serialize,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq((self.0)())
    }
}

#[derive(Serialize)]
#[serde(bound(
    serialize = "Lazy<F1>: Serialize, Lazy<F2>: Serialize, Lazy<F3>: Serialize, \
    Lazy<F4>: Serialize, Lazy<F5>: Serialize, Lazy<F6>: Serialize, Lazy<F7>: Serialize, \
    Lazy<F8>: Serialize"
))]
struct JsonReport<'a, F1, F2, F3, F4, F5, F6, F7, F8> {
    schema_version: u32,
    verdict: &'a str,
    findings: Lazy<F1>,
    principals: Lazy<F2>,
    changes: Lazy<F3>,
    // Additions to the contract of DESIGN.md:
    /// Findings at or above this severity require approval.
    approval_severity: &'a str,
    /// Audit and evidence configuration that the change weakens.
    evidence_weakened: Lazy<F4>,
    /// Changes made outside Terraform (`resource_drift`), reported apart from the change.
    drift: Lazy<F5>,
    /// What could not be known until apply.
    unknown: Lazy<F6>,
    /// The identities that apply the change and how foureyes knows.
    pipeline_principals: Lazy<F7>,
    inputs: Lazy<F8>,
    /// What the review could not judge.
    coverage: JsonCoverage<'a>,
    /// The configured exceptions and what became of each; absent when there are none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    exceptions: Vec<JsonException<'a>>,
    /// The files the change touches were checked for control tampering; absent when not.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    files_checked: bool,
}

/// An exception as the report shows it.
#[derive(Serialize)]
struct JsonExceptionRef<'a> {
    /// Its number among the configuration's exceptions, from 1.
    number: usize,
    /// Where it is written: `FILE:LINE`.
    place: &'a str,
    rule: &'a str,
    principals: &'a [String],
    resources: &'a [String],
    reason: &'a str,
    approved_by: &'a str,
    /// The last day it covers anything (UTC), `YYYY-MM-DD`.
    expires: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    ticket: Option<&'a str>,
}

impl<'a> JsonExceptionRef<'a> {
    fn of(e: &'a crate::config::Exception) -> Self {
        JsonExceptionRef {
            number: e.number,
            place: &e.place,
            rule: &e.rule,
            principals: &e.principals,
            resources: &e.resources,
            reason: &e.reason,
            approved_by: &e.approved_by,
            expires: e.expires.to_string(),
            ticket: e.ticket.as_deref(),
        }
    }
}

/// An exception and what became of it.
#[derive(Serialize)]
struct JsonException<'a> {
    #[serde(flatten)]
    exception: JsonExceptionRef<'a>,
    /// `used`, `unused` or `expired`.
    state: &'static str,
    /// Findings it covers (used) or would cover (expired).
    findings: usize,
    /// Days from the review's day to its expiry; negative once expired.
    days_left: i64,
    /// It expires within 14 days.
    expiring: bool,
}

#[derive(Serialize)]
struct JsonCoverage<'a> {
    /// Identity, access, logging or audit changes went unjudged: a pass is only partial.
    partial: bool,
    not_reviewed: Vec<JsonNotReviewed<'a>>,
}

#[derive(Serialize)]
struct JsonNotReviewed<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    count: usize,
    /// The type concerns identity, access, logging or audit.
    identity: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    family: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    severity: &'a str,
    title: &'a str,
    message: &'a str,
    duties: &'a [String],
    principals: &'a [String],
    resources: &'a [String],
    references: &'a [String],
    rationale: &'a str,
    /// The finding rests on values known only after apply.
    possible: bool,
    /// The finding needs an independent approver (its severity is at or above the threshold,
    /// and no exception covers it).
    requires_approval: bool,
    /// The exception that covers it; absent when none does.
    #[serde(skip_serializing_if = "Option::is_none")]
    excepted: Option<JsonExceptionRef<'a>>,
}

#[derive(Serialize)]
struct JsonPrincipal<'a> {
    id: &'a str,
    gained: Vec<JsonGrant<'a>>,
    lost: Vec<JsonGrant<'a>>,
    duties_before: Vec<&'a str>,
    duties_after: Vec<&'a str>,
    duties_gained: Vec<String>,
}

#[derive(Serialize)]
struct JsonGrant<'a> {
    permission: String,
    scope: &'a str,
    via: &'a str,
    effect: &'a str,
    conditional: bool,
    /// The permission is known only after apply.
    unknown: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    through: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonChange<'a> {
    address: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    actions: &'a [Text],
    duties: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    previous_address: Option<&'a str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    importing: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    action_reason: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonWeakening<'a> {
    address: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    how: &'a str,
    possible: bool,
}

#[derive(Serialize)]
struct JsonDrift<'a> {
    address: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    actions: &'a [Text],
    weakens: &'a [Text],
}

#[derive(Serialize)]
struct JsonUnknown<'a> {
    address: &'a str,
    attribute: &'a str,
    detail: &'a str,
}

#[derive(Serialize)]
struct JsonPipeline<'a> {
    id: &'a str,
    source: &'a str,
}

#[derive(Serialize)]
struct JsonInput<'a> {
    name: &'a str,
    format_version: &'a str,
    terraform_version: Option<&'a str>,
    resource_changes: usize,
    /// `.tf` files read without a plan: the review is static analysis.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    static_analysis: bool,
}

/// A grant as the contract shows it; sensitive grants never show their permission or scope.
fn grant(g: &Grant) -> JsonGrant<'_> {
    JsonGrant {
        permission: if g.sensitive {
            "(sensitive)".to_string()
        } else {
            g.permission.to_string()
        },
        scope: if g.sensitive { "(sensitive)" } else { &g.scope },
        via: &g.via,
        effect: match g.effect {
            Effect::Allow => "allow",
            Effect::Deny => "deny",
        },
        conditional: g.conditional,
        unknown: matches!(g.permission, Permission::Unknown(_)),
        through: g.through.as_deref(),
    }
}

/// Write the report as pretty-printed JSON with a trailing newline.
pub(crate) fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let doc = JsonReport {
        schema_version: SCHEMA_VERSION,
        verdict: report.verdict.as_str(),
        findings: Lazy(|| {
            report.findings.iter().map(|f| JsonFinding {
                rule: f.rule,
                severity: f.severity.as_str(),
                title: &f.title,
                message: &f.message,
                duties: &f.duties,
                principals: &f.principals,
                resources: &f.resources,
                references: &f.references,
                rationale: &f.rationale,
                possible: f.possible,
                requires_approval: f.requires_approval,
                excepted: f.excepted.as_ref().map(JsonExceptionRef::of),
            })
        }),
        principals: Lazy(|| {
            report.principals.iter().map(|p| JsonPrincipal {
                id: &p.id.0,
                gained: p.gained.iter().map(grant).collect(),
                lost: p.lost.iter().map(grant).collect(),
                duties_before: p.duties_before.iter().map(String::as_str).collect(),
                duties_after: p.duties_after.iter().map(String::as_str).collect(),
                duties_gained: p.duties_gained().into_iter().collect(),
            })
        }),
        changes: Lazy(|| {
            report.changes.iter().map(|c| JsonChange {
                address: &c.address,
                kind: &c.kind,
                actions: &c.actions,
                duties: &c.duties,
                previous_address: c.previous_address(),
                importing: c.importing,
                action_reason: c.action_reason(),
            })
        }),
        approval_severity: report.approval_severity.as_str(),
        evidence_weakened: Lazy(|| {
            report.weakenings.iter().map(|w| JsonWeakening {
                address: &w.address,
                kind: &w.kind,
                how: &w.how,
                possible: w.possible,
            })
        }),
        drift: Lazy(|| {
            report.drift.iter().map(|d| JsonDrift {
                address: &d.address,
                kind: &d.kind,
                actions: &d.actions,
                weakens: &d.weakenings,
            })
        }),
        unknown: Lazy(|| {
            report.unknowns.iter().map(|u| JsonUnknown {
                address: &u.address,
                attribute: &u.attribute,
                detail: &u.detail,
            })
        }),
        pipeline_principals: Lazy(|| {
            report.pipeline.iter().map(|p| JsonPipeline {
                id: &p.id.0,
                source: &p.source,
            })
        }),
        inputs: Lazy(|| {
            report.inputs.iter().map(|i| JsonInput {
                name: &i.name,
                format_version: &i.format_version,
                terraform_version: i.terraform_version.as_deref(),
                resource_changes: i.resource_changes,
                static_analysis: i.format_version == crate::normalize::hcl::FORMAT_VERSION,
            })
        }),
        coverage: JsonCoverage {
            partial: report.coverage.partial(),
            not_reviewed: report
                .coverage
                .not_reviewed
                .iter()
                .map(|n| JsonNotReviewed {
                    kind: &n.kind,
                    count: n.count,
                    identity: n.identity(),
                    family: n.family,
                })
                .collect(),
        },
        exceptions: report
            .exceptions
            .iter()
            .map(|u| JsonException {
                exception: JsonExceptionRef::of(&u.exception),
                state: u.state.as_str(),
                findings: u.findings,
                days_left: u.days_left,
                expiring: u.expiring(),
            })
            .collect(),
        files_checked: report.files_checked,
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    out.write_all(b"\n")
}
