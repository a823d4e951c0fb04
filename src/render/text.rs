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
    verdict_line(report, &Style { color }, out)
}

/// Write the report as text.
pub(crate) fn write(report: &Report, color: bool, out: &mut dyn Write) -> io::Result<()> {
    let s = Style { color };
    verdict_line(report, &s, out)?;
    rest(report, &s, out)
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
        writeln!(
            out,
            "  {} {} to identity, access, logging or audit resources of types foureyes does not \
             model: {}",
            s.yellow("not reviewed:"),
            plural(n, "change", "changes"),
            t(&report.coverage.identity_summary())
        )?;
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
            writeln!(out, "            {}", t(&f.message))?;
            if !f.resources.is_empty() {
                writeln!(
                    out,
                    "            {} {}",
                    s.dim("resources:"),
                    t(&f.resources.join(", "))
                )?;
            }
            if !f.references.is_empty() {
                writeln!(
                    out,
                    "            {} {}",
                    s.dim("references:"),
                    t(&f.references.join(", "))
                )?;
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
        for p in &report.principals {
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
            for (gained, permission, scope, via) in &rows {
                let sign = if *gained { s.green("+") } else { s.red("-") };
                writeln!(
                    out,
                    "    {sign} {}  {}  {}",
                    pad(permission, w1),
                    pad(scope, w2),
                    s.dim(via)
                )?;
            }
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
    }

    if !report.weakenings.is_empty() {
        writeln!(out, "\n{}", s.bold("Evidence weakened"))?;
        let w = widest(report.weakenings.iter().map(|x| t(&x.address)));
        for x in &report.weakenings {
            writeln!(out, "  {}  {}", pad(&t(&x.address), w), t(&x.how))?;
        }
    }

    if !report.changes.is_empty() {
        writeln!(out, "\n{}", s.bold("Changes touching duties"))?;
        let wa = widest(
            report
                .changes
                .iter()
                .map(|c| Cow::Owned(t(&c.actions.join(",")).into_owned())),
        );
        let wb = widest(report.changes.iter().map(|c| t(&c.address)));
        for c in &report.changes {
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
    }

    if !report.unknowns.is_empty() {
        writeln!(out, "\n{}", s.bold("Known only after apply"))?;
        for u in &report.unknowns {
            writeln!(
                out,
                "  {}.{}: {}",
                t(&u.address),
                t(&u.attribute),
                t(&u.detail)
            )?;
        }
    }

    if !report.drift.is_empty() {
        writeln!(
            out,
            "\n{}",
            s.bold("Drift (changed outside Terraform, not by this change)")
        )?;
        for d in &report.drift {
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
        writeln!(
            out,
            "\nSomeone independent of this change (not its author, committers or pipeline) must \
             approve it."
        )?;
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
