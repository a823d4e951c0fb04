//! The text report, for a person at a terminal: the verdict and summary first, then findings,
//! the privilege delta, and the details. Colour only when asked (a terminal without NO_COLOR).

use crate::judge::{Report, Verdict};
use crate::model::{Effect, Grant};
use crate::rules::short_permission;
use crate::ruleset::{Ruleset, Severity};
use std::fmt::Write;

struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }
    fn red(&self, text: &str) -> String {
        self.paint("1;31", text)
    }
    fn green(&self, text: &str) -> String {
        self.paint("1;32", text)
    }
    fn yellow(&self, text: &str) -> String {
        self.paint("33", text)
    }
    fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }
}

/// Text from a plan can hold anything: shown through the terminal escaper.
fn clean(text: &str) -> String {
    crate::escape::terminal(text).into_owned()
}

/// Pad to a width counted in characters.
fn pad(text: &str, width: usize) -> String {
    let n = text.chars().count();
    format!("{text}{}", " ".repeat(width.saturating_sub(n)))
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Render the report as text.
pub(crate) fn render(report: &Report, ruleset: &Ruleset, color: bool) -> String {
    let s = Style { color };
    let mut out = String::new();
    let needing = report
        .findings
        .iter()
        .filter(|f| f.severity >= report.approval_severity)
        .count();
    match report.verdict {
        Verdict::ApprovalRequired => {
            let _ = writeln!(
                out,
                "{} {}",
                s.red("APPROVAL REQUIRED"),
                s.bold(&format!(
                    "— {} {} an independent approver",
                    plural(needing, "finding", "findings"),
                    if needing == 1 { "needs" } else { "need" }
                ))
            );
        }
        Verdict::Pass => {
            let _ = writeln!(
                out,
                "{} {}",
                s.green("PASS"),
                s.bold("— no independent approval required")
            );
        }
    }
    let gaining = report.gaining();
    let _ = writeln!(
        out,
        "  {} gaining privilege · {} weakening evidence · {} reviewed",
        plural(gaining, "principal", "principals"),
        plural(report.weakenings.len(), "change", "changes"),
        plural(report.changed, "resource change", "resource changes"),
    );
    if !report.findings.is_empty() {
        let mut rules: Vec<&str> = report.findings.iter().map(|f| f.rule).collect();
        rules.sort();
        rules.dedup();
        let _ = writeln!(out, "  rules fired: {}", rules.join(", "));
    }
    if !report.unknowns.is_empty() {
        let _ = writeln!(
            out,
            "  {} known only after apply, treated as possibly privileged",
            plural(report.unknowns.len(), "value", "values")
        );
    }
    for p in &report.pipeline {
        let _ = writeln!(
            out,
            "  pipeline identity: {} ({})",
            clean(&p.id.0),
            clean(&p.source)
        );
    }

    if !report.findings.is_empty() {
        let _ = writeln!(out, "\n{}", s.bold("Findings"));
        for f in &report.findings {
            let sev = pad(&f.severity.as_str().to_uppercase(), 8);
            let sev = match f.severity {
                Severity::Critical | Severity::High => s.red(&sev),
                Severity::Medium => s.yellow(&sev),
                Severity::Low => s.dim(&sev),
            };
            let _ = writeln!(out, "  {sev}  {}  {}", s.bold(f.rule), clean(&f.title));
            let _ = writeln!(out, "            {}", clean(&f.message));
            if !f.resources.is_empty() {
                let _ = writeln!(
                    out,
                    "            {} {}",
                    s.dim("resources:"),
                    clean(&f.resources.join(", "))
                );
            }
            if !f.references.is_empty() {
                let _ = writeln!(
                    out,
                    "            {} {}",
                    s.dim("references:"),
                    f.references.join(", ")
                );
            }
            if f.severity < report.approval_severity {
                let _ = writeln!(
                    out,
                    "            {}",
                    s.dim(&format!(
                        "below the approval threshold ({})",
                        report.approval_severity.as_str()
                    ))
                );
            }
        }
    }

    if !report.principals.is_empty() {
        let _ = writeln!(out, "\n{}", s.bold("Privilege delta"));
        for p in &report.principals {
            let _ = writeln!(out, "  {}", s.bold(&clean(&p.id.0)));
            let rows: Vec<(String, String, String, String)> = p
                .gained
                .iter()
                .map(|g| ("+".to_string(), g))
                .chain(p.lost.iter().map(|g| ("-".to_string(), g)))
                .map(|(sign, g)| grant_row(&sign, g))
                .collect();
            if rows.is_empty() {
                let _ = writeln!(
                    out,
                    "    {}",
                    s.dim("no grant of its own changes: a role it may assume does")
                );
            }
            let w1 = rows.iter().map(|r| r.1.chars().count()).max().unwrap_or(0);
            let w2 = rows.iter().map(|r| r.2.chars().count()).max().unwrap_or(0);
            for (sign, permission, scope, via) in rows {
                let sign = if sign == "+" {
                    s.green("+")
                } else {
                    s.red("-")
                };
                let _ = writeln!(
                    out,
                    "    {sign} {}  {}  {}",
                    pad(&permission, w1),
                    pad(&scope, w2),
                    s.dim(&via)
                );
            }
            let list = |d: &crate::model::Duties| {
                if d.is_empty() {
                    "none".to_string()
                } else {
                    d.iter().cloned().collect::<Vec<_>>().join(", ")
                }
            };
            let gained = p.duties_gained();
            let _ = writeln!(
                out,
                "    duties: {} → {}{}",
                list(&p.duties_before),
                list(&p.duties_after),
                if gained.is_empty() {
                    String::new()
                } else {
                    format!("  ({})", s.yellow(&format!("gains {}", list(&gained))))
                }
            );
        }
    }

    if !report.weakenings.is_empty() {
        let _ = writeln!(out, "\n{}", s.bold("Evidence weakened"));
        let w = report
            .weakenings
            .iter()
            .map(|x| x.address.chars().count())
            .max()
            .unwrap_or(0);
        for x in &report.weakenings {
            let _ = writeln!(out, "  {}  {}", pad(&clean(&x.address), w), clean(&x.how));
        }
    }

    if !report.changes.is_empty() {
        let _ = writeln!(out, "\n{}", s.bold("Changes touching duties"));
        let wa = report
            .changes
            .iter()
            .map(|c| c.actions.join(",").chars().count())
            .max()
            .unwrap_or(0);
        let wb = report
            .changes
            .iter()
            .map(|c| clean(&c.address).chars().count())
            .max()
            .unwrap_or(0);
        for c in &report.changes {
            let mut notes = Vec::new();
            if let Some(p) = &c.previous_address {
                notes.push(format!("moved from {}", clean(p)));
            }
            if c.importing {
                notes.push("imported".to_string());
            }
            let notes = if notes.is_empty() {
                String::new()
            } else {
                format!("  ({})", notes.join(", "))
            };
            let _ = writeln!(
                out,
                "  {}  {}  {}{notes}",
                pad(&c.actions.join(","), wa),
                pad(&clean(&c.address), wb),
                s.dim(&c.duties.join(", "))
            );
        }
    }

    if !report.unknowns.is_empty() {
        let _ = writeln!(out, "\n{}", s.bold("Known only after apply"));
        for u in &report.unknowns {
            let _ = writeln!(
                out,
                "  {}.{}: {}",
                clean(&u.address),
                clean(&u.attribute),
                clean(&u.detail)
            );
        }
    }

    if !report.drift.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            s.bold("Drift (changed outside Terraform, not by this change)")
        );
        for d in &report.drift {
            let weak = if d.weakenings.is_empty() {
                String::new()
            } else {
                format!("  {}", s.yellow(&clean(&d.weakenings.join("; "))))
            };
            let _ = writeln!(
                out,
                "  {}  {}{weak}",
                d.actions.join(","),
                clean(&d.address)
            );
        }
    }

    if report.verdict == Verdict::ApprovalRequired {
        let _ = writeln!(
            out,
            "\nSomeone independent of this change (not its author, committers or pipeline) must \
             approve it."
        );
    }
    let _ = ruleset;
    out
}

fn grant_row(sign: &str, g: &Grant) -> (String, String, String, String) {
    let (permission, scope) = if g.sensitive {
        ("(sensitive)".to_string(), "(sensitive)".to_string())
    } else {
        let mut p = clean(&short_permission(g));
        if g.effect == Effect::Deny {
            p = format!("deny {p}");
        }
        if g.conditional {
            p.push_str(" (conditional)");
        }
        (p, format!("on {}", clean(&g.scope)))
    };
    let mut via = format!("via {}", clean(&g.via));
    if let Some(t) = &g.through {
        via.push_str(&format!(", {}", clean(t)));
    }
    (sign.to_string(), permission, scope, via)
}
