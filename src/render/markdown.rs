//! The Markdown report: the body of a review comment on a pull or merge request.
//!
//! Everything that comes from a plan is untrusted: resource addresses (a `for_each` key can
//! hold any string), names, policy contents. It is escaped here, before it reaches the
//! template, so that it stays text: no HTML, no links, no `@mentions`, no table breakage, no
//! fake markers. Policy documents go into fenced code blocks whose fence is longer than any
//! run of backticks inside them.

use crate::judge::{Report, Verdict};
use crate::model::{DocumentText, Effect, Grant, Permission, PolicyChange};
use crate::rules::short_permission;
use crate::ruleset::{Ruleset, Severity};
use serde::Serialize;

/// The template, kept in `templates/` and embedded in the binary.
const TEMPLATE: &str = include_str!("../../templates/comment.md.tera");

/// What one GitHub comment may hold, in characters.
pub(crate) const LIMIT: usize = 65_536;

/// At most this many principals in the Mermaid picture, to keep it readable.
const PICTURE_PRINCIPALS: usize = 8;

#[derive(Serialize)]
struct Context {
    verdict: String,
    summary: String,
    threshold: &'static str,
    findings: Vec<FindingView>,
    mermaid: String,
    principals: Vec<PrincipalView>,
    principals_left: usize,
    unknowns: Vec<String>,
    documents: Vec<DocumentView>,
    changes: Vec<ChangeView>,
    drift: Vec<String>,
    trimmed: String,
    approval: bool,
    version: &'static str,
    changed: usize,
}

#[derive(Serialize)]
struct FindingView {
    severity: String,
    rule: &'static str,
    title: String,
    message: String,
    principals: String,
    resources: String,
    rationale: String,
    references: String,
    below: bool,
}

#[derive(Serialize)]
struct PrincipalView {
    id: String,
    gained: String,
    lost: String,
    duties: String,
}

#[derive(Serialize)]
struct DocumentView {
    title: String,
    fence: String,
    diff: String,
}

#[derive(Serialize)]
struct ChangeView {
    actions: String,
    address: String,
    duties: String,
}

/// How much of the details a rendering keeps, from everything down to the essentials.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Detail {
    All,
    NoDocuments,
    NoLists,
    Rows(usize),
}

/// Render the report as Markdown that fits one GitHub comment. The verdict, summary and
/// findings are never cut; the details are trimmed, saying so, when the change is huge.
pub(crate) fn render(report: &Report, ruleset: &Ruleset) -> String {
    render_within(report, ruleset, LIMIT)
}

/// Render the report in at most `limit` characters, as far as trimming the details allows.
pub(crate) fn render_within(report: &Report, ruleset: &Ruleset, limit: usize) -> String {
    let mut tries = vec![Detail::All, Detail::NoDocuments, Detail::NoLists];
    let mut rows = report.principals.len();
    while rows > 0 {
        rows /= 2;
        tries.push(Detail::Rows(rows));
    }
    let mut last = String::new();
    for detail in tries {
        last = render_with(report, ruleset, detail);
        if last.chars().count() <= limit {
            return last;
        }
    }
    last
}

fn render_with(report: &Report, ruleset: &Ruleset, detail: Detail) -> String {
    let context = context(report, ruleset, detail);
    let mut tera = tera::Tera::default();
    // NOTE: the template is part of the binary and tested; it cannot fail to parse or render
    // for a context of this shape.
    tera.add_raw_template("comment.md", TEMPLATE)
        .expect("the embedded template parses");
    let context = tera::Context::from_serialize(&context).expect("the context serializes");
    let raw = tera
        .render("comment.md", &context)
        .expect("the embedded template renders");
    tidy(&raw)
}

/// One blank line between blocks, and always one after an HTML block (`</details>`), which
/// would otherwise swallow the next line. Code blocks are kept as they are.
fn tidy(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut blank = false;
    let mut fence: Option<String> = None;
    for line in raw.trim().lines() {
        if let Some(f) = &fence {
            out.push_str(line);
            out.push('\n');
            if line.trim_end() == f {
                fence = None;
            }
            continue;
        }
        if line.trim().is_empty() {
            blank = true;
            continue;
        }
        if blank && !out.is_empty() {
            out.push('\n');
        }
        blank = line.trim_end() == "</details>";
        if line.starts_with("```") {
            fence = Some(line.chars().take_while(|&c| c == '`').collect());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn context(report: &Report, ruleset: &Ruleset, detail: Detail) -> Context {
    let needing = report
        .findings
        .iter()
        .filter(|f| f.severity >= report.approval_severity)
        .count();
    let verdict = match report.verdict {
        Verdict::ApprovalRequired => format!(
            ":no_entry: Independent approval required: {} {}",
            needing,
            if needing == 1 {
                "finding needs an approver who is not the author, a committer or the pipeline"
            } else {
                "findings need an approver who is not the author, a committer or the pipeline"
            }
        ),
        Verdict::Pass => ":white_check_mark: No independent approval required".to_string(),
    };
    let gaining = report.gaining();
    let mut rules: Vec<&str> = report.findings.iter().map(|f| f.rule).collect();
    rules.sort();
    rules.dedup();
    let mut summary = format!(
        "{} gaining privilege · {} weakening audit or evidence configuration · {}",
        plural(gaining, "principal", "principals"),
        plural(report.weakenings.len(), "change", "changes"),
        if rules.is_empty() {
            "no rule fired".to_string()
        } else {
            format!(
                "rules fired: {}",
                rules
                    .iter()
                    .map(|r| format!("`{r}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    );
    if !report.unknowns.is_empty() {
        summary.push_str(&format!(
            " · {} known only after apply, treated as possibly privileged",
            plural(report.unknowns.len(), "value", "values")
        ));
    }
    for p in &report.pipeline {
        summary.push_str(&format!(
            "\n\nPipeline identity: {} ({})",
            text(&p.id.0),
            text(&p.source)
        ));
    }
    let findings = report
        .findings
        .iter()
        .map(|f| FindingView {
            severity: severity_badge(f.severity),
            rule: f.rule,
            title: text(&f.title),
            message: text(&f.message),
            principals: list(&f.principals),
            resources: list(&f.resources),
            rationale: text(&f.rationale),
            references: f
                .references
                .iter()
                .map(|r| text(r))
                .collect::<Vec<_>>()
                .join(", "),
            below: f.severity < report.approval_severity,
        })
        .collect();
    let mut trimmed = Vec::new();
    let rows = match detail {
        Detail::Rows(n) => n,
        _ => report.principals.len(),
    };
    let principals = report
        .principals
        .iter()
        .take(rows)
        .map(|p| PrincipalView {
            id: text(&p.id.0),
            gained: grants(&p.gained),
            lost: grants(&p.lost),
            duties: {
                let d: Vec<String> = p.duties_gained().into_iter().collect();
                if d.is_empty() {
                    "none".to_string()
                } else {
                    d.join(", ")
                }
            },
        })
        .collect();
    let principals_left = report.principals.len().saturating_sub(rows);
    let lists = matches!(detail, Detail::All | Detail::NoDocuments);
    let documents = if detail == Detail::All {
        report.documents.iter().map(document).collect()
    } else {
        if !report.documents.is_empty() {
            trimmed.push("the policy document diffs");
        }
        Vec::new()
    };
    if !lists {
        if !report.changes.is_empty() || !report.unknowns.is_empty() || !report.drift.is_empty() {
            trimmed.push("the lists of changes, unknown values and drift");
        }
        if principals_left > 0 {
            trimmed.push("part of the privilege delta");
        }
    }
    let changes = if lists {
        report
            .changes
            .iter()
            .map(|c| ChangeView {
                actions: c.actions.join(", "),
                address: text(&c.address),
                duties: c.duties.join(", "),
            })
            .collect()
    } else {
        Vec::new()
    };
    let unknowns = if lists {
        report
            .unknowns
            .iter()
            .map(|u| {
                format!(
                    "{}: {}",
                    text(&format!("{}.{}", u.address, u.attribute)),
                    text(&u.detail)
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let drift = if lists {
        report
            .drift
            .iter()
            .map(|d| {
                let mut line = format!("{} {}", d.actions.join(", "), text(&d.address));
                if !d.weakenings.is_empty() {
                    line.push_str(&format!(": {}", text(&d.weakenings.join("; "))));
                }
                line
            })
            .collect()
    } else {
        Vec::new()
    };
    let trimmed = if trimmed.is_empty() {
        String::new()
    } else {
        format!(
            "This change is too big for one comment: {} are left out. `foureyes review --format text` \
             or the JSON report (`--format json`) has everything.",
            trimmed.join(", ")
        )
    };
    Context {
        verdict,
        summary,
        threshold: report.approval_severity.as_str(),
        findings,
        mermaid: picture(report, ruleset),
        principals,
        principals_left,
        unknowns,
        documents,
        changes,
        drift,
        trimmed,
        approval: report.verdict == Verdict::ApprovalRequired,
        version: env!("CARGO_PKG_VERSION"),
        changed: report.changed,
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn severity_badge(s: Severity) -> String {
    let mark = match s {
        Severity::Critical => ":red_circle:",
        Severity::High => ":orange_circle:",
        Severity::Medium => ":yellow_circle:",
        Severity::Low => ":white_circle:",
    };
    format!("{mark} {}", s.as_str().to_uppercase())
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        return "none".to_string();
    }
    items.iter().map(|i| text(i)).collect::<Vec<_>>().join(", ")
}

/// A cell of grants: `iam:PutRolePolicy on * (aws_iam_role_policy.x)`, at most a few.
fn grants(list: &[Grant]) -> String {
    if list.is_empty() {
        return "none".to_string();
    }
    const SHOWN: usize = 6;
    let mut parts: Vec<String> = list
        .iter()
        .take(SHOWN)
        .map(|g| {
            if g.sensitive {
                return format!("(sensitive) via {}", text(&g.via));
            }
            let permission = match &g.permission {
                Permission::Assume(role) => format!("may assume {}", role),
                _ => short_permission(g),
            };
            let mut s = format!(
                "{}{} on {} via {}",
                if g.effect == Effect::Deny {
                    "deny "
                } else {
                    ""
                },
                permission,
                g.scope,
                g.via
            );
            if g.conditional {
                s.push_str(" (conditional)");
            }
            text(&s)
        })
        .collect();
    if list.len() > SHOWN {
        parts.push(format!("and {} more", list.len() - SHOWN));
    }
    parts.join("<br>")
}

/// A policy document's diff: unified, on pretty-printed key-sorted JSON.
fn document(d: &PolicyChange) -> DocumentView {
    let side = |t: &DocumentText| match t {
        DocumentText::Text(s) => format!("{}\n", s.trim_end()),
        DocumentText::Unknown => "(known only after apply)\n".to_string(),
        DocumentText::Sensitive => "(sensitive: not shown)\n".to_string(),
        DocumentText::Absent => String::new(),
    };
    let (before, after) = (side(&d.before), side(&d.after));
    let diff = similar::TextDiff::from_lines(&before, &after)
        .unified_diff()
        .context_radius(3)
        .header("before", "after")
        .to_string();
    // Hidden characters from the plan are shown escaped, even in a code block.
    let diff = crate::escape::markdown_code(diff.trim_end());
    DocumentView {
        title: format!("{} ({})", text(&d.address), text(&d.attribute)),
        fence: crate::escape::fence(&diff),
        diff,
    }
}

/// A Mermaid flowchart from each principal that gains a duty to the duties it gains, with the
/// principals that complete a forbidden combination highlighted. Empty when there is nothing
/// to draw.
fn picture(report: &Report, ruleset: &Ruleset) -> String {
    let flagged: Vec<&str> = report
        .findings
        .iter()
        .flat_map(|f| f.principals.iter().map(String::as_str))
        .collect();
    let mut gaining: Vec<_> = report
        .principals
        .iter()
        .filter(|p| !p.duties_gained().is_empty())
        .collect();
    if gaining.is_empty() {
        return String::new();
    }
    // Those with findings first, then by id: the picture stays small on big changes.
    gaining.sort_by_key(|p| (!flagged.contains(&p.id.0.as_ref()), p.id.clone()));
    let left = gaining.len().saturating_sub(PICTURE_PRINCIPALS);
    gaining.truncate(PICTURE_PRINCIPALS);
    let mut out = String::from("flowchart LR\n");
    let mut duties: Vec<String> = Vec::new();
    for (i, p) in gaining.iter().enumerate() {
        out.push_str(&format!("  p{i}[\"{}\"]\n", label(&p.id.0)));
        for d in p.duties_gained() {
            if !duties.contains(&d) {
                duties.push(d.clone());
            }
        }
    }
    duties.sort();
    for d in &duties {
        let title = ruleset
            .duties
            .get(d)
            .map_or(d.as_str(), |t| t.title.as_str());
        out.push_str(&format!("  d_{}([\"{}\"])\n", label(d), label(title)));
    }
    for (i, p) in gaining.iter().enumerate() {
        for d in p.duties_gained() {
            out.push_str(&format!("  p{i} --> d_{}\n", label(&d)));
        }
    }
    if left > 0 {
        out.push_str(&format!("  more[\"and {left} more principals\"]\n"));
    }
    out.push_str("  classDef hazard fill:#fdd,stroke:#c00,stroke-width:2px\n");
    for (i, p) in gaining.iter().enumerate() {
        if flagged.contains(&p.id.0.as_ref()) {
            out.push_str(&format!("  class p{i} hazard\n"));
        }
    }
    out.trim_end().to_string()
}

/// Text safe in a Mermaid label: letters, digits and a few separators only.
fn label(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || " :/._-+".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Untrusted text made inert in Markdown.
pub(crate) fn text(s: &str) -> String {
    crate::escape::markdown(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mermaid_labels_are_plain() {
        assert_eq!(label("aws:role/x\"]; click x"), "aws:role/x___ click x");
    }
}
