//! Every string field of the report filled with hostile text, rendered in every format.
//!
//! The report is built field by field with struct literals and no `..Default::default()`: a
//! field added to the report (or to anything in it) does not compile here until it is given
//! hostile text too, so a new field cannot miss the escaping.

use super::{render, Format};
use crate::classify::{ByDuty, Principal, TouchedChange};
use crate::coverage::{Coverage, NotReviewed};
use crate::judge::{Drift, ExceptionState, ExceptionUse, InputSummary, Pipeline, Report, Verdict};
use crate::model::{
    DocumentText, Duties, Effect, Extra, Grant, Head, Permission, PolicyChange, PrincipalId, Text,
    Unknown, Weakening,
};
use crate::rules::Finding;
use crate::ruleset::{Ruleset, Severity};
use std::sync::Arc;

include!("../../tests/common/payload.rs");

/// A hostile string that says which field it is in.
fn h(field: &str) -> String {
    format!("F-{field}-{PAYLOAD}")
}

fn t(field: &str) -> Text {
    h(field).into()
}

fn grant(field: &str, permission: Permission, sensitive: bool) -> Grant {
    Grant {
        principal: PrincipalId::new(h(&format!("{field}.principal"))),
        effect: Effect::Allow,
        permission,
        scope: t(&format!("{field}.scope")),
        broad: true,
        conditional: true,
        via: t(&format!("{field}.via")),
        through: Some(t(&format!("{field}.through"))),
        from: Some(PrincipalId::new(h(&format!("{field}.from")))),
        sensitive,
    }
}

fn head(field: &str) -> Arc<Head> {
    Arc::new(Head {
        address: t(&format!("{field}.address")),
        kind: t(&format!("{field}.kind")),
        actions: vec![t(&format!("{field}.action")), "update".into()].into(),
        data: false,
        importing: true,
        extra: Some(Box::new(Extra {
            previous_address: Some(t(&format!("{field}.previous_address"))),
            module_address: Some(t(&format!("{field}.module_address"))),
            deposed: Some(t(&format!("{field}.deposed"))),
            action_reason: Some(t(&format!("{field}.action_reason"))),
        })),
    })
}

fn duties(field: &str) -> Duties {
    [h(&format!("{field}.duty")), "privilege_admin".to_owned()]
        .into_iter()
        .collect()
}

fn hostile_report() -> Report {
    let gained = vec![
        grant(
            "gained.action",
            Permission::Action(t("gained.action.permission")),
            false,
        ),
        grant(
            "gained.notaction",
            Permission::NotAction(vec![h("gained.notaction.permission")]),
            false,
        ),
        grant(
            "gained.managed",
            Permission::Managed(t("gained.managed.permission")),
            false,
        ),
        grant(
            "gained.assume",
            Permission::Assume(PrincipalId::new(h("gained.assume.permission"))),
            false,
        ),
        grant(
            "gained.unknown",
            Permission::Unknown(h("gained.unknown.permission")),
            false,
        ),
        grant(
            "gained.sensitive",
            Permission::Action(t("gained.sensitive.permission")),
            true,
        ),
    ];
    let lost = vec![grant(
        "lost",
        Permission::Action(t("lost.permission")),
        false,
    )];
    let mut by_duty = ByDuty::default();
    for g in &gained {
        by_duty.push(&h("gained_by_duty.duty"), g.clone());
    }
    Report {
        inputs: vec![InputSummary {
            name: h("input.name"),
            format_version: h("input.format_version"),
            terraform_version: Some(h("input.terraform_version")),
            resource_changes: 3,
            repository_path: Some(h("input.repository_path")),
        }],
        verdict: Verdict::ApprovalRequired,
        approval_severity: Severity::Medium,
        findings: vec![
            Finding {
                rule: "privilege-and-evidence",
                severity: Severity::Critical,
                title: h("finding.title"),
                message: h("finding.message"),
                duties: vec![h("finding.duty")],
                principals: vec![h("finding.principal")],
                resources: vec![h("finding.resource")],
                references: vec![h("finding.reference")],
                rationale: h("finding.rationale"),
                possible: true,
                requires_approval: true,
                excepted: None,
            },
            Finding {
                rule: "toxic-combination",
                severity: Severity::Low,
                title: h("low.title"),
                message: h("low.message"),
                duties: vec![h("low.duty")],
                principals: vec![h("low.principal")],
                resources: vec![h("low.resource")],
                references: vec![h("low.reference")],
                rationale: h("low.rationale"),
                possible: false,
                requires_approval: false,
                excepted: Some(exception()),
            },
        ],
        principals: vec![Principal {
            id: PrincipalId::new(h("principal.id")),
            gained: gained.clone(),
            lost,
            duties_before: duties("before"),
            duties_after: duties("after"),
            gained_by_duty: by_duty,
            gained_unknown: gained,
            widened: duties("widened"),
        }],
        changes: vec![TouchedChange {
            head: head("change"),
            duties: vec![h("change.duty")].into(),
        }],
        weakenings: vec![Weakening {
            head: head("weakening"),
            how: t("weakening.how"),
            possible: true,
        }],
        drift: vec![Drift {
            head: head("drift"),
            weakenings: vec![t("drift.weakening")],
        }],
        unknowns: vec![Unknown {
            address: h("unknown.address"),
            attribute: h("unknown.attribute"),
            detail: h("unknown.detail"),
        }],
        pipeline: vec![Pipeline {
            id: PrincipalId::new(h("pipeline.id")),
            source: h("pipeline.source"),
        }],
        documents: vec![PolicyChange {
            address: h("document.address"),
            attribute: h("document.attribute"),
            before: DocumentText::Text(h("document.before")),
            after: DocumentText::Text(h("document.after")),
        }],
        documents_total: 1,
        coverage: Coverage {
            not_reviewed: vec![NotReviewed {
                kind: t("coverage.kind"),
                count: 2,
                family: Some("google"),
                addresses: vec![t("coverage.address")],
            }],
        },
        changed: 3,
        exceptions: vec![ExceptionUse {
            exception: exception(),
            state: ExceptionState::Used,
            findings: 1,
            days_left: 3,
        }],
        files_checked: false,
    }
}

/// An exception whose every text is hostile (the configuration is the change's own file).
fn exception() -> crate::config::Exception {
    crate::config::Exception {
        place: h("exception.place"),
        number: 1,
        rule: h("exception.rule"),
        principals: vec![h("exception.principal")],
        resources: vec![h("exception.resource")],
        reason: h("exception.reason"),
        approved_by: h("exception.approved_by"),
        expires: chrono::NaiveDate::default(),
        ticket: Some(h("exception.ticket")),
    }
}

/// The fields a human-facing format must show (escaped): those that carry the meaning.
const SHOWN: &[&str] = &[
    "finding.title",
    "finding.message",
    "principal.id",
    "gained.action.permission",
    "gained.action.scope",
    "gained.action.via",
    "weakening.address",
    "weakening.how",
    "change.address",
    "change.action",
    "drift.address",
    "drift.action",
    "drift.weakening",
    "unknown.detail",
    "pipeline.id",
    "coverage.kind",
    "exception.place",
    "exception.principal",
    "exception.resource",
    "exception.reason",
    "exception.approved_by",
    "exception.ticket",
];

#[test]
fn text_shows_hostile_fields_escaped_and_on_their_own_lines() {
    let report = hostile_report();
    let ruleset = Ruleset::default();
    for color in [false, true] {
        let out = render(&report, Format::Text, &ruleset, color);
        // Colour codes are foureyes' own: every escape starts one of its SGR sequences.
        let mut rest = out.as_str();
        while let Some(i) = rest.find('\u{1b}') {
            rest = &rest[i + 1..];
            let code: String = rest.chars().take_while(|&c| c != 'm').collect();
            assert!(
                color
                    && code.starts_with('[')
                    && code[1..].chars().all(|c| c.is_ascii_digit() || c == ';'),
                "an escape sequence foureyes did not write: {code:?}"
            );
        }
        for c in HIDDEN.iter().filter(|&&c| c != '\u{1b}') {
            assert!(!out.contains(*c), "{c:?} reached the terminal raw:\n{out}");
        }
        for line in out.lines() {
            assert!(
                !line.trim_start().starts_with("::"),
                "a workflow command line: {line}"
            );
            assert!(!line.starts_with("##"), "{line}");
            assert!(!line.starts_with("PASS"), "{line}");
        }
        for field in SHOWN {
            assert!(
                out.contains(&format!("F-{field}-\\n::error::pwned")),
                "{field} is not shown escaped:\n{out}"
            );
        }
        assert!(
            !out.contains("F-gained.sensitive.permission"),
            "sensitive shown"
        );
        assert!(!out.contains("F-gained.sensitive.scope"), "sensitive shown");
    }
}

#[test]
fn markdown_shows_hostile_fields_as_text_only() {
    let report = hostile_report();
    let md = render(&report, Format::Markdown, &Ruleset::default(), false);
    for c in HIDDEN {
        assert!(!md.contains(*c), "{c:?} reached the comment raw:\n{md}");
    }
    let arena = comrak::Arena::new();
    let mut options = comrak::Options::default();
    options.extension.table = true;
    options.extension.autolink = true;
    options.extension.strikethrough = true;
    let root = comrak::parse_document(&arena, &md, &options);
    let mut texts = String::new();
    for node in root.descendants() {
        use comrak::nodes::NodeValue;
        match &node.data.borrow().value {
            NodeValue::Text(s) => {
                texts.push_str(s);
                texts.push('\n');
            }
            NodeValue::Code(c) => {
                texts.push_str(&c.literal);
                texts.push('\n');
            }
            NodeValue::HtmlInline(html) => {
                assert!(html == "<br>", "inline HTML from a field: {html}\n{md}")
            }
            NodeValue::HtmlBlock(b) => assert!(
                b.literal.lines().all(|l| {
                    let l = l.trim();
                    l == "</details>"
                        || (l.starts_with("<details><summary>") && l.ends_with("</summary>"))
                }),
                "an HTML block from a field: {}\n{md}",
                b.literal
            ),
            NodeValue::Link(l) => panic!("a link: {}\n{md}", l.url),
            NodeValue::Image(l) => panic!("an image: {}\n{md}", l.url),
            NodeValue::Heading(_) => {
                let mut text = String::new();
                for d in node.descendants() {
                    if let NodeValue::Text(s) = &d.data.borrow().value {
                        text.push_str(s);
                    }
                }
                assert!(
                    ["Findings", "Privilege delta"].contains(&text.as_str())
                        || text.starts_with(":no_entry:"),
                    "a heading from a field: {text}"
                );
            }
            NodeValue::Table(t) => {
                let columns = t.num_columns;
                for row in node.children() {
                    assert_eq!(row.children().count(), columns, "a broken table row\n{md}");
                }
            }
            _ => {}
        }
    }
    // Mentions, references and bare links stay plain: a zero-width space follows each.
    for needle in ["@mallory", "#123", "https://", "http://", "www.evil"] {
        assert!(!texts.contains(needle), "{needle} is live:\n{texts}");
    }
    // The fields are there, as text.
    for field in SHOWN {
        assert!(
            texts.contains(&format!("F-{field}-")),
            "{field} is not shown:\n{md}"
        );
    }
    assert!(texts.contains("<img src=x onerror=alert(1)>"), "{texts}");
    assert!(texts.contains("foureyes:comment"), "{texts}");
    assert!(!md.contains("<!-- foureyes"), "a fake marker:\n{md}");
    assert!(
        !texts.contains("F-gained.sensitive.scope"),
        "sensitive shown"
    );
}

#[test]
fn json_and_sarif_keep_the_data_and_parse() {
    let report = hostile_report();
    let json = render(&report, Format::Json, &Ruleset::default(), false);
    let v: serde_json::Value = serde_json::from_str(&json).expect("the JSON report parses");
    // Data keeps its value exactly: consumers match addresses and ids.
    assert_eq!(v["findings"][0]["message"], h("finding.message"));
    assert_eq!(v["changes"][0]["address"], h("change.address"));
    assert_eq!(v["changes"][0]["actions"][0], h("change.action"));
    assert_eq!(v["drift"][0]["actions"][0], h("drift.action"));
    assert_eq!(v["inputs"][0]["format_version"], h("input.format_version"));
    assert!(
        !json.contains("F-gained.sensitive.permission"),
        "sensitive shown"
    );
    assert!(
        !json.contains("F-gained.sensitive.scope"),
        "sensitive shown"
    );

    let sarif = render(&report, Format::Sarif, &Ruleset::default(), false);
    let v: serde_json::Value = serde_json::from_str(&sarif).expect("the SARIF log parses");
    let message = v["runs"][0]["results"][0]["message"]["text"]
        .as_str()
        .expect("a message");
    for c in HIDDEN {
        assert!(
            !message.contains(*c),
            "{c:?} in a SARIF message: {message:?}"
        );
    }
    assert!(
        message.contains("F-finding.message-\\n::error::pwned"),
        "{message}"
    );
}

/// The Code Quality report: GitLab shows its descriptions and paths to people, so they carry
/// hidden characters escaped; the finding's text and the exception are there.
#[test]
fn code_quality_shows_hostile_text_escaped() {
    let report = hostile_report();
    let out = render(&report, Format::Codequality, &Ruleset::default(), false);
    let v: serde_json::Value = serde_json::from_str(&out).expect("the report parses");
    let issues = v.as_array().expect("an array");
    assert_eq!(issues.len(), report.findings.len());
    for issue in issues {
        for field in [&issue["description"], &issue["location"]["path"]] {
            let text = field.as_str().expect("text");
            for c in HIDDEN {
                assert!(!text.contains(*c), "{c:?} in Code Quality: {text:?}");
            }
        }
    }
    let description = issues[0]["description"].as_str().expect("text");
    assert!(
        description.contains("F-finding.message-\\n::error::pwned"),
        "{description}"
    );
    let excepted = issues[1]["description"].as_str().expect("text");
    assert!(excepted.contains("F-exception.reason-"), "{excepted}");
    assert_eq!(issues[1]["severity"], "info");
}
