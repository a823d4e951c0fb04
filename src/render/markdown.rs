//! The Markdown report: the body of a review comment on a pull or merge request.
//!
//! Everything that comes from a plan is untrusted: resource addresses (a `for_each` key can
//! hold any string), names, policy contents. The views handed to the template hold only
//! [`Md`], which is made by the escaping module, so plan text stays text: no HTML, no links, no
//! `@mentions`, no table breakage, no fake markers. Policy documents go into fenced code blocks
//! whose fence is longer than any run of backticks inside them.
//!
//! A comment has a size limit (GitHub: 65,536 characters). The report is built to fit it, in
//! time linear in the report: the verdict, the summary and the counts by rule and severity
//! always stay; findings are taken most severe first, then the picture, the privilege delta and
//! the details, each as far as the room allows; what is left out is counted and said.

use crate::escape::{self, Md};
use crate::judge::{in_days, ExceptionUse, Report, Verdict};
use crate::model::{DocumentText, Effect, Grant, Permission, PolicyChange};
use crate::rules::{short_permission, Finding};
use crate::ruleset::{Ruleset, Severity};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};

/// The template, kept in `templates/` and embedded in the binary.
const TEMPLATE: &str = include_str!("../../templates/comment.md.tera");

/// What one GitHub comment may hold. Counted here in bytes of UTF-8, which is never less than
/// the characters GitHub counts.
pub(crate) const LIMIT: usize = 65_536;

/// At most this many principals in the Mermaid picture, to keep it readable.
const PICTURE_PRINCIPALS: usize = 8;

/// At most this many characters of one value (a message, a name) in the comment.
const VALUE_CHARS: usize = 2_000;

/// At most this many characters of one policy diff.
const DIFF_CHARS: usize = 20_000;

/// Room kept for the template's own scaffolding (headings, table heads, `<details>`), beyond
/// what each item is measured at.
const SCAFFOLDING: usize = 2_048;

/// What the template is given. Every text is [`Md`].
#[derive(Serialize, Default)]
struct Context {
    verdict: Md,
    summary: Md,
    threshold: Md,
    /// Findings by rule and severity, when not every finding is shown.
    counts: Vec<CountRow>,
    findings: Vec<FindingView>,
    findings_left: usize,
    mermaid: Md,
    principals: Vec<PrincipalView>,
    principals_left: usize,
    weakened: Section<Md>,
    unknowns: Section<Md>,
    documents: Section<DocumentView>,
    changes: Section<ChangeView>,
    drift: Section<Md>,
    not_reviewed: Section<Md>,
    exceptions: Section<Md>,
    trimmed: Md,
    approval: bool,
    version: Md,
    changed: usize,
}

/// A list shown in part: the items shown, and how many there are in all.
#[derive(Serialize)]
struct Section<T> {
    items: Vec<T>,
    total: usize,
    /// How many are not shown.
    left: usize,
}

impl<T> Default for Section<T> {
    fn default() -> Self {
        Section {
            items: Vec::new(),
            total: 0,
            left: 0,
        }
    }
}

#[derive(Serialize)]
struct CountRow {
    rule: Md,
    critical: usize,
    high: usize,
    medium: usize,
    low: usize,
}

#[derive(Serialize)]
struct FindingView {
    severity: Md,
    rule: Md,
    title: Md,
    message: Md,
    principals: Md,
    resources: Md,
    rationale: Md,
    references: Md,
    below: bool,
    /// The exception that covers it; empty when none does.
    excepted: Md,
}

#[derive(Serialize)]
struct PrincipalView {
    id: Md,
    gained: Md,
    lost: Md,
    duties: Md,
}

#[derive(Serialize)]
struct DocumentView {
    title: Md,
    fence: Md,
    diff: Md,
}

#[derive(Serialize)]
struct ChangeView {
    actions: Md,
    address: Md,
    duties: Md,
}

/// Render the report as Markdown that fits one GitHub comment.
pub(crate) fn render(report: &Report, ruleset: &Ruleset) -> String {
    render_within(report, ruleset, LIMIT)
}

/// Render the report in at most `limit` bytes (for any `limit` of a few kilobytes or more:
/// below that, the verdict, summary and counts alone may not fit).
pub(crate) fn render_within(report: &Report, ruleset: &Ruleset, limit: usize) -> String {
    let mut room = limit;
    let mut text = String::new();
    // NOTE: items are measured, and the template adds a little around them; if the measure
    // fell short, the same selection is made for less room. Each pass is linear, and the
    // second one is short by construction.
    for _ in 0..4 {
        text = render_context(&context(report, ruleset, room.saturating_sub(SCAFFOLDING)));
        if text.len() <= limit {
            return text;
        }
        room = room.saturating_sub(text.len() - limit + SCAFFOLDING);
    }
    text
}

fn render_context(context: &Context) -> String {
    let mut tera = tera::Tera::default();
    // NOTE: the template is part of the binary and tested; it cannot fail to parse or render
    // for a context of this shape.
    tera.add_raw_template("comment.md", TEMPLATE)
        .expect("the embedded template parses");
    let context = tera::Context::from_serialize(context).expect("the context serializes");
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

/// Takes items while they fit in the room left.
struct Budget {
    left: usize,
    /// Something was left out for want of room.
    short: bool,
}

impl Budget {
    /// Take an item of this size (plus `extra` for what the template puts around it).
    fn take(&mut self, size: usize, extra: usize) -> bool {
        match self.left.checked_sub(size + extra) {
            Some(left) => {
                self.left = left;
                true
            }
            None => {
                self.short = true;
                false
            }
        }
    }

    /// Take items from a list, in order, while they fit; returns those taken.
    fn take_all<T>(
        &mut self,
        items: impl IntoIterator<Item = T>,
        size: impl Fn(&T) -> usize,
        extra: usize,
    ) -> Vec<T> {
        let mut out = Vec::new();
        for item in items {
            if !self.take(size(&item), extra) {
                break;
            }
            out.push(item);
        }
        out
    }
}

fn context(report: &Report, ruleset: &Ruleset, room: usize) -> Context {
    let needing = report
        .findings
        .iter()
        .filter(|f| f.requires_approval)
        .count();
    let mut c = Context {
        verdict: verdict(report.verdict, needing, report.coverage.partial()),
        summary: summary(report),
        threshold: Md::ours(report.approval_severity.as_str()),
        approval: report.verdict == Verdict::ApprovalRequired,
        version: Md::ours(env!("CARGO_PKG_VERSION")),
        changed: report.changed,
        ..Context::default()
    };
    // The note on what was left out is measured at its longest.
    let mut budget = Budget {
        left: room.saturating_sub(c.verdict.len() + c.summary.len() + trimmed(&["x"; 6]).len()),
        short: false,
    };
    // Findings, most severe first (the judge sorted them so).
    c.findings = budget.take_all(
        report.findings.iter().map(finding),
        |f| {
            f.severity.len()
                + f.rule.len()
                + f.title.len()
                + f.message.len()
                + f.principals.len()
                + f.resources.len()
                + f.rationale.len()
                + f.references.len()
                + f.excepted.len()
                + if f.below { 80 } else { 0 }
        },
        // The template's words around a finding: bold, separators, list labels.
        100,
    );
    c.findings_left = report.findings.len() - c.findings.len();
    if c.findings_left > 0 {
        c.counts = counts(&report.findings);
    }
    c.exceptions = section(
        &mut budget,
        report.exceptions.iter().map(exception),
        report.exceptions.len(),
        Md::len,
        4,
    );
    let mermaid = picture(report, ruleset);
    if budget.take(mermaid.len(), 32) {
        c.mermaid = mermaid;
    }
    c.principals = budget.take_all(
        report.principals.iter().map(principal),
        |p| p.id.len() + p.gained.len() + p.lost.len() + p.duties.len(),
        16,
    );
    c.principals_left = report.principals.len() - c.principals.len();
    c.weakened = section(
        &mut budget,
        report.weakenings.iter().map(|w| {
            Md::ours(format!(
                "{} {}{}",
                Md::clipped(&w.address, VALUE_CHARS),
                Md::clipped(&w.how, VALUE_CHARS),
                if w.possible {
                    " (possibly: known only after apply)"
                } else {
                    ""
                }
            ))
        }),
        report.weakenings.len(),
        Md::len,
        4,
    );
    c.unknowns = section(
        &mut budget,
        report.unknowns.iter().map(|u| {
            Md::ours(format!(
                "{}: {}",
                Md::clipped(&format!("{}.{}", u.address, u.attribute), VALUE_CHARS),
                Md::clipped(&u.detail, VALUE_CHARS)
            ))
        }),
        report.unknowns.len(),
        Md::len,
        4,
    );
    c.documents = section(
        &mut budget,
        report.documents.iter().map(document),
        report.documents_total,
        |d| d.title.len() + 2 * d.fence.len() + d.diff.len(),
        16,
    );
    c.changes = section(
        &mut budget,
        report.changes.iter().map(|ch| ChangeView {
            actions: Md::text(&ch.actions.join(", ")),
            address: Md::clipped(&ch.address, VALUE_CHARS),
            duties: Md::text(&ch.duties.join(", ")),
        }),
        report.changes.len(),
        |v| v.actions.len() + v.address.len() + v.duties.len(),
        12,
    );
    c.drift = section(
        &mut budget,
        report.drift.iter().map(|d| {
            let mut line = format!(
                "{} {}",
                Md::text(&d.actions.join(", ")),
                Md::clipped(&d.address, VALUE_CHARS)
            );
            if !d.weakenings.is_empty() {
                line.push_str(&format!(
                    ": {}",
                    Md::clipped(&d.weakenings.join("; "), VALUE_CHARS)
                ));
            }
            Md::ours(line)
        }),
        report.drift.len(),
        Md::len,
        4,
    );
    c.not_reviewed = section(
        &mut budget,
        report.coverage.not_reviewed.iter().map(|n| {
            Md::ours(format!(
                "{}: {}{}",
                Md::clipped(&n.kind, 200),
                plural(n.count, "change", "changes"),
                if n.identity() {
                    " (identity, access, logging or audit)"
                } else {
                    ""
                }
            ))
        }),
        report.coverage.not_reviewed.len(),
        Md::len,
        4,
    );
    if budget.short {
        let mut left = Vec::new();
        if c.findings_left > 0 {
            left.push(plural(c.findings_left, "finding", "findings"));
        }
        if c.mermaid.is_empty() && !picture(report, ruleset).is_empty() {
            left.push("the picture".to_owned());
        }
        if c.principals_left > 0 {
            left.push(format!(
                "{} of the privilege delta",
                plural(c.principals_left, "principal", "principals")
            ));
        }
        for (name, s) in [
            ("weakening", (c.weakened.items.len(), c.weakened.total)),
            ("unknown value", (c.unknowns.items.len(), c.unknowns.total)),
            ("policy diff", (c.documents.items.len(), c.documents.total)),
            ("change", (c.changes.items.len(), c.changes.total)),
            ("drifted resource", (c.drift.items.len(), c.drift.total)),
            (
                "type not reviewed",
                (c.not_reviewed.items.len(), c.not_reviewed.total),
            ),
        ] {
            if s.0 < s.1 {
                left.push(plural(s.1 - s.0, name, &format!("{name}s")));
            }
        }
        let left: Vec<&str> = left.iter().map(String::as_str).collect();
        c.trimmed = trimmed(&left);
    }
    c
}

/// A section's items that fit, and its total.
fn section<T>(
    budget: &mut Budget,
    items: impl Iterator<Item = T>,
    total: usize,
    size: impl Fn(&T) -> usize,
    extra: usize,
) -> Section<T> {
    let items = budget.take_all(items, size, extra);
    Section {
        left: total - items.len(),
        items,
        total,
    }
}

/// The note on what a huge change left out of the comment, and where to see it all.
fn trimmed(left: &[&str]) -> Md {
    Md::ours(format!(
        "**This change is too big for one comment:** left out here are {}. The job summary of \
         this run has the full report (up to 1 MiB), and `foureyes review --format json` or \
         `--format sarif` has everything.",
        left.join(", ")
    ))
}

fn verdict(verdict: Verdict, needing: usize, partial: bool) -> Md {
    Md::ours(match verdict {
        Verdict::ApprovalRequired => format!(
            ":no_entry: Independent approval required: {} {}",
            needing,
            if needing == 1 {
                "finding needs an approver who is not the author, a committer or the pipeline"
            } else {
                "findings need an approver who is not the author, a committer or the pipeline"
            }
        ),
        // NOTE: a pass over identity or audit changes foureyes could not judge is partial.
        Verdict::Pass if partial => {
            ":warning: Partial pass: no independent approval required for what foureyes reviewed"
                .to_owned()
        }
        Verdict::Pass => ":white_check_mark: No independent approval required".to_owned(),
    })
}

/// The summary under the verdict: counts, rules fired, unknowns, the pipeline identity.
fn summary(report: &Report) -> Md {
    let gaining = report.gaining();
    let mut rules: Vec<&str> = report.findings.iter().map(|f| f.rule).collect();
    rules.sort_unstable();
    rules.dedup();
    let mut summary = format!(
        "{} gaining privilege · {} weakening audit or evidence configuration · {}",
        plural(gaining, "principal", "principals"),
        plural(report.weakenings.len(), "change", "changes"),
        if rules.is_empty() {
            "no rule fired".to_owned()
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
    if report.static_analysis() {
        summary.push_str(&format!(
            "\n\n:mag: **{}:** {}.",
            crate::normalize::hcl::STATIC_ANALYSIS
                .0
                .replacen("static", "Static", 1),
            crate::normalize::hcl::STATIC_ANALYSIS.1
        ));
    }
    if !report.unknowns.is_empty() {
        summary.push_str(&format!(
            " · {} known only after apply, treated as possibly privileged",
            plural(report.unknowns.len(), "value", "values")
        ));
    }
    if report.coverage.partial() {
        const TYPES: usize = 10;
        let identity: Vec<String> = report
            .coverage
            .identity()
            .take(TYPES)
            .map(|n| format!("{} ({})", Md::clipped(&n.kind, 200), n.count))
            .collect();
        let more = report.coverage.identity().count().saturating_sub(TYPES);
        summary.push_str(&format!(
            "\n\n:warning: **Not reviewed:** {} to identity, access, logging or audit resources of \
             types foureyes does not model: {}{}. Review them by hand.",
            plural(report.coverage.identity_changes(), "change", "changes"),
            identity.join(", "),
            if more > 0 {
                format!(" and {more} more types")
            } else {
                String::new()
            }
        ));
    }
    let excepted = report.excepted();
    if excepted > 0 {
        summary.push_str(&format!(
            " · {} covered by exceptions, needing no approver",
            plural(excepted, "finding", "findings")
        ));
        if !report.files_checked {
            summary.push_str(
                "\n\n:warning: The change's files were not checked for control tampering: an \
                 exception this change adds would go unnoticed.",
            );
        }
    }
    // NOTE: the configuration is the change's own text: escaped, and a few at most.
    const ANNOUNCED: usize = 5;
    for u in report
        .exceptions
        .iter()
        .filter(|u| u.expiring())
        .take(ANNOUNCED)
    {
        summary.push_str(&format!(
            "\n\n:hourglass: {} expires {} ({}).",
            Md::clipped(&u.exception.name(), 500),
            in_days(u.days_left),
            u.exception.expires
        ));
    }
    // A few pipeline identities, each cut short: they are named in full in the full report.
    const PIPELINES: usize = 5;
    for p in report.pipeline.iter().take(PIPELINES) {
        summary.push_str(&format!(
            "\n\nPipeline identity: {} ({})",
            Md::clipped(&p.id.0, 200),
            Md::clipped(&p.source, 200)
        ));
    }
    if report.pipeline.len() > PIPELINES {
        summary.push_str(&format!(
            " and {} more pipeline identities",
            report.pipeline.len() - PIPELINES
        ));
    }
    Md::ours(summary)
}

/// Findings by rule and severity, rules in their documented order.
fn counts(findings: &[Finding]) -> Vec<CountRow> {
    let mut by_rule: BTreeMap<&str, [usize; 4]> = BTreeMap::new();
    for f in findings {
        let slot = match f.severity {
            Severity::Critical => 0,
            Severity::High => 1,
            Severity::Medium => 2,
            Severity::Low => 3,
        };
        by_rule.entry(f.rule).or_default()[slot] += 1;
    }
    by_rule
        .into_iter()
        .map(|(rule, [critical, high, medium, low])| CountRow {
            rule: Md::ours(format!("`{rule}`")),
            critical,
            high,
            medium,
            low,
        })
        .collect()
}

fn finding(f: &Finding) -> FindingView {
    FindingView {
        severity: severity_badge(f.severity),
        rule: Md::ours(f.rule),
        title: Md::clipped(&f.title, VALUE_CHARS),
        message: Md::clipped(&f.message, VALUE_CHARS),
        principals: list(&f.principals),
        resources: list(&f.resources),
        rationale: Md::clipped(&f.rationale, VALUE_CHARS),
        references: Md::ours(
            f.references
                .iter()
                .map(|r| Md::clipped(r, 200).to_string())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        below: !f.requires_approval && f.excepted.is_none(),
        excepted: f.excepted.as_ref().map_or_else(
            || Md::ours(""),
            |e| Md::ours(format!("by {}", Md::clipped(&e.waiver(), VALUE_CHARS))),
        ),
    }
}

/// An exception and what became of it, on one line.
fn exception(u: &ExceptionUse) -> Md {
    Md::ours(format!(
        "**{}** · {} · {} · {}",
        u.state.as_str(),
        Md::clipped(&u.exception.name(), VALUE_CHARS),
        Md::text(&u.what()),
        Md::clipped(&u.exception.decision(), VALUE_CHARS)
    ))
}

fn principal(p: &crate::classify::Principal) -> PrincipalView {
    PrincipalView {
        id: Md::clipped(&p.id.0, VALUE_CHARS),
        gained: grants(&p.gained),
        lost: grants(&p.lost),
        duties: {
            let d: Vec<String> = p.duties_gained().into_iter().collect();
            if d.is_empty() {
                Md::ours("none")
            } else {
                Md::text(&d.join(", "))
            }
        },
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn severity_badge(s: Severity) -> Md {
    Md::ours(match s {
        Severity::Critical => ":red_circle: CRITICAL",
        Severity::High => ":orange_circle: HIGH",
        Severity::Medium => ":yellow_circle: MEDIUM",
        Severity::Low => ":white_circle: LOW",
    })
}

/// A list of names: a few, each cut short, and how many more.
fn list(items: &[String]) -> Md {
    const SHOWN: usize = 10;
    if items.is_empty() {
        return Md::ours("none");
    }
    let mut parts: Vec<String> = items
        .iter()
        .take(SHOWN)
        .map(|i| Md::clipped(i, 500).to_string())
        .collect();
    if items.len() > SHOWN {
        parts.push(format!("and {} more", items.len() - SHOWN));
    }
    Md::ours(parts.join(", "))
}

/// A cell of grants: `iam:PutRolePolicy on * via aws_iam_role_policy.x`, at most a few.
fn grants(list: &[Grant]) -> Md {
    if list.is_empty() {
        return Md::ours("none");
    }
    const SHOWN: usize = 6;
    let mut parts: Vec<String> = list
        .iter()
        .take(SHOWN)
        .map(|g| {
            if g.sensitive {
                return format!("(sensitive) via {}", Md::clipped(&g.via, 500));
            }
            let permission = match &g.permission {
                Permission::Assume(role) => format!("may assume {role}"),
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
            Md::clipped(&s, 1_000).to_string()
        })
        .collect();
    if list.len() > SHOWN {
        parts.push(format!("and {} more", list.len() - SHOWN));
    }
    Md::ours(parts.join("<br>"))
}

/// A policy document's diff: unified, on pretty-printed key-sorted JSON.
fn document(d: &PolicyChange) -> DocumentView {
    let side = |t: &DocumentText| match t {
        DocumentText::Text(s) => format!("{}\n", s.trim_end()),
        DocumentText::Unknown => "(known only after apply)\n".to_owned(),
        DocumentText::Sensitive => "(sensitive: not shown)\n".to_owned(),
        DocumentText::Absent => String::new(),
    };
    let (before, after) = (side(&d.before), side(&d.after));
    let diff = similar::TextDiff::from_lines(&before, &after)
        .unified_diff()
        .context_radius(3)
        .header("before", "after")
        .to_string();
    let mut diff = diff.trim_end();
    let mut cut = String::new();
    if let Some((at, _)) = diff.char_indices().nth(DIFF_CHARS) {
        let at = diff[..at].rfind('\n').unwrap_or(at);
        cut = format!(
            "\n… ({} more lines in the full report)",
            diff[at..].lines().count()
        );
        diff = &diff[..at];
    }
    // Hidden characters from the plan are shown escaped, even in a code block.
    let diff = format!("{}{cut}", escape::markdown_code(diff));
    DocumentView {
        title: Md::ours(format!(
            "{} ({})",
            Md::clipped(&d.address, 500),
            Md::clipped(&d.attribute, 200)
        )),
        fence: Md::ours(escape::fence(&diff)),
        diff: Md::ours(diff),
    }
}

/// A Mermaid flowchart from each principal that gains a duty to the duties it gains, with the
/// principals that complete a forbidden combination highlighted. Empty when there is nothing
/// to draw.
fn picture(report: &Report, ruleset: &Ruleset) -> Md {
    let flagged: HashSet<&str> = report
        .findings
        .iter()
        .flat_map(|f| f.principals.iter().map(String::as_str))
        .collect();
    let mut gaining: Vec<_> = report
        .principals
        .iter()
        .filter(|p| !p.duties_gained().is_empty())
        .map(|p| (!flagged.contains(p.id.0.as_ref()), p))
        .collect();
    if gaining.is_empty() {
        return Md::default();
    }
    // Those with findings first, then by id: the picture stays small on big changes.
    let shown = PICTURE_PRINCIPALS.min(gaining.len());
    if gaining.len() > shown {
        gaining.select_nth_unstable_by(shown - 1, |a, b| (a.0, &a.1.id).cmp(&(b.0, &b.1.id)));
    }
    let left = gaining.len() - shown;
    gaining.truncate(shown);
    gaining.sort_by(|a, b| (a.0, &a.1.id).cmp(&(b.0, &b.1.id)));
    let mut out = String::from("flowchart LR\n");
    let mut duties: Vec<String> = Vec::new();
    for (i, (_, p)) in gaining.iter().enumerate() {
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
    for (i, (_, p)) in gaining.iter().enumerate() {
        for d in p.duties_gained() {
            out.push_str(&format!("  p{i} --> d_{}\n", label(&d)));
        }
    }
    if left > 0 {
        out.push_str(&format!("  more[\"and {left} more principals\"]\n"));
    }
    out.push_str("  classDef hazard fill:#fdd,stroke:#c00,stroke-width:2px\n");
    for (i, (unflagged, _)) in gaining.iter().enumerate() {
        if !unflagged {
            out.push_str(&format!("  class p{i} hazard\n"));
        }
    }
    Md::ours(out.trim_end())
}

/// Text safe in a Mermaid label: letters, digits and a few separators only, at most 80.
fn label(text: &str) -> String {
    let mut out: String = text
        .chars()
        .take(80)
        .map(|c| {
            if c.is_ascii_alphanumeric() || " :/._-+".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if text.chars().nth(80).is_some() {
        out.push_str("...");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mermaid_labels_are_plain() {
        assert_eq!(label("aws:role/x\"]; click x"), "aws:role/x___ click x");
        assert_eq!(label(&"a".repeat(100)).len(), 83);
    }

    #[test]
    fn a_budget_takes_in_order_until_one_does_not_fit() {
        let mut b = Budget {
            left: 10,
            short: false,
        };
        // What is shown of a list is a prefix of it: the most severe first.
        assert_eq!(b.take_all([3, 4, 5, 1], |n| *n, 0), vec![3, 4]);
        assert!(b.short);
        // A later, smaller item still fits.
        assert!(b.take(1, 0));
        assert!(!b.take(3, 0));
    }
}
