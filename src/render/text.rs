//! The text report, for a person at a terminal: the verdict and summary first, then findings,
//! the privilege delta, and the details. Colour only when asked (a terminal without NO_COLOR).
//!
//! It is written as it is made, line by line, so a report of a million changes never sits in
//! memory whole. Every text from a plan goes through the terminal escaper ([`t`]): nothing a
//! plan holds can move the cursor, clear the screen, start a line or hide characters.

use crate::escape;
use crate::judge::{in_days, ExceptionState, Report, Verdict};
use crate::model::{Duties, Effect, Grant};
use crate::rules::short_permission;
use crate::ruleset::Severity;
use std::borrow::Cow;
use std::io::{self, Write};

struct Style {
    color: bool,
    /// The width to wrap sentences to.
    width: usize,
}

/// The width of a report that is not written to a terminal.
pub(crate) const WIDTH: usize = 100;
/// Rows shown of one section (the privilege delta, the changes, ...) before the rest is
/// summarized: a plan of 50,000 changes must not print 15,000 lines.
const ROWS: usize = 200;
/// A report longer than this many lines repeats its verdict at the end.
const LONG: usize = 60;

/// Counts the lines written through it.
struct Counting<'a> {
    inner: &'a mut dyn Write,
    lines: usize,
}

impl Write for Counting<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.lines += buf[..n].iter().filter(|b| **b == b'\n').count();
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Words wrapped to `width`, the first line after `first`, the others after `indent`
/// (`first` may carry colour; `lead` is its visible width).
fn wrapped(first: &str, lead: usize, indent: usize, text: &str, width: usize) -> String {
    let mut out = String::from(first);
    let mut used = lead;
    let mut fresh = true;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let n = word.chars().count();
        if !fresh && used + 1 + n > width {
            out.push('\n');
            out.push_str(&" ".repeat(indent));
            used = indent;
            fresh = true;
        }
        if !fresh {
            out.push(' ');
            used += 1;
        }
        out.push_str(word);
        used += n;
        fresh = false;
    }
    out
}

/// The line that says how many rows a section left out, and where they are.
fn more(out: &mut dyn Write, s: &Style, n: usize, what: &str) -> io::Result<()> {
    if n > 0 {
        writeln!(
            out,
            "  {}",
            s.dim(&format!(
                "... and {n} more {what}: the JSON report has them all (--format json or \
                 --output-json FILE)"
            ))
        )?;
    }
    Ok(())
}

impl Style {
    fn paint<'a>(&self, code: &str, text: &'a str) -> Cow<'a, str> {
        if self.color {
            Cow::Owned(format!("\x1b[{code}m{text}\x1b[0m"))
        } else {
            Cow::Borrowed(text)
        }
    }
    fn bold<'a>(&self, text: &'a str) -> Cow<'a, str> {
        self.paint("1", text)
    }
    fn red<'a>(&self, text: &'a str) -> Cow<'a, str> {
        self.paint("1;31", text)
    }
    /// Critical: white on red, so that it stands apart from high (red) at a glance.
    fn alarm<'a>(&self, text: &'a str) -> Cow<'a, str> {
        self.paint("1;97;41", text)
    }
    fn green<'a>(&self, text: &'a str) -> Cow<'a, str> {
        self.paint("1;32", text)
    }
    fn yellow<'a>(&self, text: &'a str) -> Cow<'a, str> {
        self.paint("33", text)
    }
    fn dim<'a>(&self, text: &'a str) -> Cow<'a, str> {
        self.paint("2", text)
    }
}

/// Text from a plan, a ruleset or an API, made safe for the terminal.
fn t(text: &str) -> Cow<'_, str> {
    escape::terminal(text)
}

/// Pad to a width counted in characters.
fn pad(text: &str, width: usize) -> String {
    let n = text.chars().count();
    format!("{text}{}", " ".repeat(width.saturating_sub(n)))
}

/// The width of the widest of these texts, once escaped.
fn widest<'a>(texts: impl Iterator<Item = Cow<'a, str>>) -> usize {
    texts.map(|s| s.chars().count()).max().unwrap_or(0)
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn duties(d: &Duties) -> String {
    if d.is_empty() {
        "none".to_owned()
    } else {
        t(&d.iter().cloned().collect::<Vec<_>>().join(", ")).into_owned()
    }
}

/// Write the verdict line alone: what `--quiet` prints.
pub(crate) fn verdict(report: &Report, color: bool, out: &mut dyn Write) -> io::Result<()> {
    verdict_line(
        report,
        &Style {
            color,
            width: WIDTH,
        },
        out,
    )
}

/// Write the report as text, sentences wrapped to `width`; a long report ends with its verdict
/// again, where the reader is.
pub(crate) fn write(
    report: &Report,
    color: bool,
    width: usize,
    out: &mut dyn Write,
) -> io::Result<()> {
    let s = Style {
        color,
        width: width.max(40),
    };
    let mut counted = Counting {
        inner: out,
        lines: 0,
    };
    verdict_line(report, &s, &mut counted)?;
    rest(report, &s, &mut counted)?;
    if counted.lines > LONG {
        writeln!(counted)?;
        verdict_line(report, &s, &mut counted)?;
    }
    Ok(())
}

/// The verdict line: the first of the report.
fn verdict_line(report: &Report, s: &Style, out: &mut dyn Write) -> io::Result<()> {
    let needing = report
        .findings
        .iter()
        .filter(|f| f.requires_approval)
        .count();
    match report.verdict {
        Verdict::ApprovalRequired => writeln!(
            out,
            "{} {}",
            s.red("APPROVAL REQUIRED"),
            s.bold(&format!(
                "— {} {} an independent approver",
                plural(needing, "finding", "findings"),
                if needing == 1 { "needs" } else { "need" }
            ))
        )?,
        // NOTE: a pass over identity or audit changes foureyes could not judge is a partial
        // pass, never a clean one.
        Verdict::Pass if report.coverage.partial() => writeln!(
            out,
            "{} {}",
            s.yellow("PARTIAL PASS"),
            s.bold("— no independent approval required for what foureyes reviewed")
        )?,
        Verdict::Pass => writeln!(
            out,
            "{} {}",
            s.green("PASS"),
            s.bold("— no independent approval required")
        )?,
    }
    Ok(())
}

/// Everything after the verdict line.
fn rest(report: &Report, s: &Style, out: &mut dyn Write) -> io::Result<()> {
    if report.coverage.partial() {
        let n = report.coverage.identity_changes();
        let text = format!(
            "{} to identity, access, logging or audit resources of types foureyes does not \
             model: {}",
            plural(n, "change", "changes"),
            t(&report.coverage.identity_summary())
        );
        let first = format!("  {} ", s.yellow("not reviewed:"));
        writeln!(out, "{}", wrapped(&first, 16, 4, &text, s.width))?;
    }
    if report.static_analysis() {
        writeln!(
            out,
            "  {}: {}",
            s.yellow(crate::normalize::hcl::STATIC_ANALYSIS.0),
            crate::normalize::hcl::STATIC_ANALYSIS.1
        )?;
    }
    writeln!(
        out,
        "  {} gaining privilege · {} weakening evidence · {} reviewed",
        plural(report.gaining(), "principal", "principals"),
        plural(report.weakenings.len(), "change", "changes"),
        plural(report.changed, "resource change", "resource changes"),
    )?;
    if !report.findings.is_empty() {
        let mut rules: Vec<&str> = report.findings.iter().map(|f| f.rule).collect();
        rules.sort_unstable();
        rules.dedup();
        writeln!(out, "  rules fired: {}", rules.join(", "))?;
    }
    let excepted = report.excepted();
    if excepted > 0 {
        writeln!(
            out,
            "  {} covered by exceptions, reported below, needing no approver",
            plural(excepted, "finding", "findings")
        )?;
        if !report.files_checked {
            writeln!(
                out,
                "  {} the change's files were not checked (--git-base): an exception it adds \
                 would go unnoticed",
                s.yellow("note:")
            )?;
        }
    }
    for u in report.exceptions.iter().filter(|u| u.expiring()) {
        writeln!(
            out,
            "  {} {} expires {} ({})",
            s.yellow("expiring:"),
            t(&u.exception.name()),
            in_days(u.days_left),
            u.exception.expires
        )?;
    }
    if !report.unknowns.is_empty() {
        writeln!(
            out,
            "  {} known only after apply, treated as possibly privileged",
            plural(report.unknowns.len(), "value", "values")
        )?;
    }
    for p in &report.pipeline {
        writeln!(
            out,
            "  pipeline identity: {} ({})",
            t(&p.id.0),
            t(&p.source)
        )?;
    }

    if !report.findings.is_empty() {
        writeln!(out, "\n{}", s.bold("Findings"))?;
        for f in &report.findings {
            let sev = pad(&f.severity.as_str().to_uppercase(), 8);
            let sev = match f.severity {
                Severity::Critical => s.alarm(&sev),
                Severity::High => s.red(&sev),
                Severity::Medium => s.yellow(&sev),
                Severity::Low => s.dim(&sev),
            };
            writeln!(out, "  {sev}  {}  {}", s.bold(f.rule), t(&f.title))?;
            let indent = "            ";
            writeln!(out, "{}", wrapped(indent, 12, 12, &t(&f.message), s.width))?;
            if !f.resources.is_empty() {
                let first = format!("{indent}{} ", s.dim("resources:"));
                let text = t(&f.resources.join(", ")).into_owned();
                writeln!(out, "{}", wrapped(&first, 23, 14, &text, s.width))?;
            }
            if !f.references.is_empty() {
                let first = format!("{indent}{} ", s.dim("references:"));
                let text = t(&f.references.join(", ")).into_owned();
                writeln!(out, "{}", wrapped(&first, 24, 14, &text, s.width))?;
            }
            if let Some(e) = &f.excepted {
                writeln!(
                    out,
                    "            {} {}",
                    s.yellow("excepted:"),
                    t(&format!("by {}", e.waiver()))
                )?;
            } else if !f.requires_approval {
                writeln!(
                    out,
                    "            {}",
                    s.dim(&format!(
                        "below the approval threshold ({})",
                        report.approval_severity.as_str()
                    ))
                )?;
            }
        }
    }

    if !report.exceptions.is_empty() {
        writeln!(out, "\n{}", s.bold("Exceptions"))?;
        for u in &report.exceptions {
            let e = &u.exception;
            let state = match u.state {
                ExceptionState::Used => s.green("used   "),
                ExceptionState::Unused => s.dim("unused "),
                ExceptionState::Expired => s.red("expired"),
            };
            writeln!(out, "  {state}  {}", t(&e.name()))?;
            writeln!(out, "           {}", u.what())?;
            writeln!(out, "           {}", s.dim(&t(&e.decision())))?;
        }
    }

    if !report.principals.is_empty() {
        writeln!(out, "\n{}", s.bold("Privilege delta"))?;
        let mut rows_left = ROWS;
        let mut shown = 0;
        for p in &report.principals {
            let rows = p.gained.len() + p.lost.len() + 2;
            // NOTE: the first principal always, however many grants it has.
            if shown > 0 && rows > rows_left {
                break;
            }
            rows_left = rows_left.saturating_sub(rows);
            shown += 1;
            writeln!(out, "  {}", s.bold(&t(&p.id.0)))?;
            let rows: Vec<(bool, String, String, String)> = p
                .gained
                .iter()
                .map(|g| (true, g))
                .chain(p.lost.iter().map(|g| (false, g)))
                .map(|(gained, g)| grant_row(gained, g))
                .collect();
            if rows.is_empty() {
                writeln!(
                    out,
                    "    {}",
                    s.dim("no grant of its own changes: a role it may assume does")
                )?;
            }
            let w1 = widest(rows.iter().map(|r| Cow::Borrowed(r.1.as_str())));
            let w2 = widest(rows.iter().map(|r| Cow::Borrowed(r.2.as_str())));
            for (gained, permission, scope, via) in rows.iter().take(ROWS) {
                let sign = if *gained { s.green("+") } else { s.red("-") };
                // NOTE: a row too wide for the width gives how the grant is held its own line.
                let wide = 6 + w1 + 2 + w2 + 2 + via.chars().count() > s.width;
                writeln!(
                    out,
                    "    {sign} {}  {}{}{}",
                    pad(permission, w1),
                    if wide { scope.as_str() } else { "" },
                    if wide {
                        String::new()
                    } else {
                        format!("{}  ", pad(scope, w2))
                    },
                    if wide {
                        format!("\n        {}", s.dim(via))
                    } else {
                        s.dim(via).into_owned()
                    }
                )?;
            }
            more(out, s, rows.len().saturating_sub(ROWS), "grants")?;
            let gained = p.duties_gained();
            writeln!(
                out,
                "    duties: {} → {}{}",
                duties(&p.duties_before),
                duties(&p.duties_after),
                if gained.is_empty() {
                    String::new()
                } else {
                    format!("  ({})", s.yellow(&format!("gains {}", duties(&gained))))
                }
            )?;
        }
        more(out, s, report.principals.len() - shown, "principals")?;
    }

    if !report.weakenings.is_empty() {
        writeln!(out, "\n{}", s.bold("Evidence weakened"))?;
        let shown = &report.weakenings[..report.weakenings.len().min(ROWS)];
        let w = widest(shown.iter().map(|x| t(&x.address)));
        for x in shown {
            writeln!(out, "  {}  {}", pad(&t(&x.address), w), t(&x.how))?;
        }
        more(out, s, report.weakenings.len() - shown.len(), "weakenings")?;
    }

    if !report.changes.is_empty() {
        writeln!(out, "\n{}", s.bold("Changes touching duties"))?;
        let shown = &report.changes[..report.changes.len().min(ROWS)];
        let wa = widest(
            shown
                .iter()
                .map(|c| Cow::Owned(t(&c.actions.join(",")).into_owned())),
        );
        let wb = widest(shown.iter().map(|c| t(&c.address)));
        for c in shown {
            let mut notes = Vec::new();
            if let Some(p) = c.previous_address() {
                notes.push(format!("moved from {}", t(p)));
            }
            if c.importing {
                notes.push("imported".to_owned());
            }
            let notes = if notes.is_empty() {
                String::new()
            } else {
                format!("  ({})", notes.join(", "))
            };
            writeln!(
                out,
                "  {}  {}  {}{notes}",
                pad(&t(&c.actions.join(",")), wa),
                pad(&t(&c.address), wb),
                s.dim(&t(&c.duties.join(", ")))
            )?;
        }
        more(out, s, report.changes.len() - shown.len(), "changes")?;
    }

    if !report.unknowns.is_empty() {
        writeln!(out, "\n{}", s.bold("Known only after apply"))?;
        for u in report.unknowns.iter().take(ROWS) {
            writeln!(
                out,
                "  {}.{}: {}",
                t(&u.address),
                t(&u.attribute),
                t(&u.detail)
            )?;
        }
        more(
            out,
            s,
            report.unknowns.len().saturating_sub(ROWS),
            "values known only after apply",
        )?;
    }

    if !report.drift.is_empty() {
        writeln!(
            out,
            "\n{}",
            s.bold("Drift (changed outside Terraform or Pulumi, not by this change)")
        )?;
        for d in report.drift.iter().take(ROWS) {
            let weak = if d.weakenings.is_empty() {
                String::new()
            } else {
                format!("  {}", s.yellow(&t(&d.weakenings.join("; "))))
            };
            writeln!(
                out,
                "  {}  {}{weak}",
                t(&d.actions.join(",")),
                t(&d.address)
            )?;
        }
        more(
            out,
            s,
            report.drift.len().saturating_sub(ROWS),
            "drifted resources",
        )?;
    }

    if !report.coverage.not_reviewed.is_empty() {
        writeln!(
            out,
            "\n{}",
            s.bold("Not reviewed (types foureyes does not model)")
        )?;
        let w = widest(report.coverage.not_reviewed.iter().map(|n| t(&n.kind)));
        for n in &report.coverage.not_reviewed {
            writeln!(
                out,
                "  {}  {}{}",
                pad(&t(&n.kind), w),
                plural(n.count, "change", "changes"),
                if n.identity() {
                    format!("  {}", s.yellow("identity, access, logging or audit"))
                } else {
                    String::new()
                }
            )?;
        }
    }

    if report.verdict == Verdict::ApprovalRequired {
        let text = "Someone independent of this change (not its author, committers or pipeline) \
                    must approve it.";
        writeln!(out, "\n{}", wrapped("", 0, 0, text, s.width))?;
    }
    Ok(())
}

/// One row of the privilege delta: gained or lost, permission, scope, and how it is held; all
/// of it escaped.
fn grant_row(gained: bool, g: &Grant) -> (bool, String, String, String) {
    let (permission, scope) = if g.sensitive {
        ("(sensitive)".to_owned(), "(sensitive)".to_owned())
    } else {
        let mut p = t(&short_permission(g)).into_owned();
        if g.effect == Effect::Deny {
            p = format!("deny {p}");
        }
        if g.conditional {
            p.push_str(" (conditional)");
        }
        (p, format!("on {}", t(&g.scope)))
    };
    let mut via = format!("via {}", t(&g.via));
    if let Some(through) = &g.through {
        via.push_str(&format!(", {}", t(through)));
    }
    (gained, permission, scope, via)
}
