//! What the gate writes, forge-neutral: the approval section of the sticky comment, the note
//! on how the gate opens, the short comment posted when the forge refuses the whole one, the
//! status description, the job summary and the log. Every name from the forge is escaped here.

use crate::escape;
use crate::publish::approval::{short, Judged, Standing};
use crate::publish::gate::Outcome;
use crate::publish::state::{cut_bytes, is_commit, sticky_body, State, APPROVAL_ROOM};
use crate::publish::{Options, Reviewed, StatusState, Terms};
use crate::render::markdown;
use std::fmt::Write as _;

/// The most room the gate note under the report may take, in bytes.
pub(crate) const NOTE_ROOM: usize = 2_000;
/// The most the approval part and the warnings of the job summary take, in bytes.
const SUMMARY_TAIL: usize = 64 * 1024;

/// The approval section of the sticky comment, in at most [`APPROVAL_ROOM`] bytes: the
/// decision in one line, then who approved which commit and why they count, and why the other
/// reviews do not. Every name is escaped.
pub(crate) fn approval_section(
    headline: &str,
    judged: &[Judged],
    head: &str,
    terms: &Terms,
) -> String {
    use crate::escape::markdown;
    let mut out = format!("#### Independent approval\n\n{}\n", markdown(headline));
    let mut lines = Vec::new();
    for j in judged {
        let line = match &j.standing {
            Standing::Counted(how) => format!(
                "- **{}** approved commit {}{} at {}: counts, as {}: not the {}'s author, nor \
                 an author, committer or co-author of its commits, a bot or the pipeline\n",
                markdown(&j.login),
                if is_commit(&j.commit) {
                    format!("`{}`", short(&j.commit))
                } else {
                    markdown(&j.commit)
                },
                if j.commit == head { " (the head)" } else { "" },
                markdown(&j.submitted),
                markdown(how),
                terms.request
            ),
            Standing::NotCounted(why) => format!(
                "- **{}** does not count: {}\n",
                markdown(&j.login),
                markdown(why)
            ),
        };
        lines.push(line);
    }
    if !lines.is_empty() {
        out.push('\n');
    }
    // Room for the last line, which says how many more there are.
    let room = APPROVAL_ROOM - 200;
    for (i, line) in lines.iter().enumerate() {
        if out.len() + line.len() > room {
            let _ = std::fmt::Write::write_fmt(
                &mut out,
                format_args!(
                    "- and {} more reviewers: {} lists them all\n",
                    lines.len() - i,
                    terms.summary
                ),
            );
            break;
        }
        out.push_str(line);
    }
    out
}

/// The decision in one line, then each reviewer and whether their review counts.
pub(crate) fn approval_lines(outcome: &Outcome) -> (String, Vec<(String, String)>) {
    let reviewers = outcome
        .judged
        .iter()
        .map(|j| {
            let text = match &j.standing {
                Standing::Counted(how) => format!("counts ({how})"),
                Standing::NotCounted(why) => format!("does not count: {why}"),
            };
            (j.login.clone(), text)
        })
        .collect();
    if let Some(why) = &outcome.undecided {
        return (format!("Not decided in this run: {why}."), reviewers);
    }
    let approved = outcome.approved_by();
    if !approved.is_empty() {
        return (format!("Approved by {}.", approved.join(", ")), reviewers);
    }
    let headline = if !outcome.required() {
        "No independent approval is required.".into()
    } else if outcome.judged.is_empty() {
        "Waiting for an independent approval: no reviews yet.".into()
    } else {
        "Waiting for an independent approval.".into()
    };
    (headline, reviewers)
}

/// The status description while approval is missing.
pub(crate) fn missing_description(state: &State) -> String {
    let gating = state.counts.gating;
    format!(
        "Needs an independent approval: {gating} finding{}{}",
        if gating == 1 { "" } else { "s" },
        state
            .counts
            .worst
            .as_deref()
            .map(|w| format!(", worst {w}"))
            .unwrap_or_default()
    )
}

/// The note under the report on how the gate opens.
pub(crate) fn gate_note(state: &State, options: &Options) -> String {
    if !state.approval_required() {
        return String::new();
    }
    let who = if options.approvers.is_empty() {
        String::new()
    } else {
        format!(
            " from {}",
            options
                .approvers
                .describe()
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    format!(
        "**Merge gate:** the status `{}` fails until someone independent of this change \
         approves its head commit{who}: not its author, committers or co-authors, a bot, or \
         the pipeline. foureyes never approves anything itself.\n",
        options.status_context
    )
}

/// Where the whole report is: `place` (the job summary of this run), and the JSON and SARIF
/// reports.
pub(crate) fn pointer(place: &str) -> String {
    format!(
        "The full report is in {place}; `foureyes review --format json` or `--format sarif` \
         on the plan lists every finding."
    )
}

/// The short comment: the verdict, the counts, where the report is, and the state.
pub(crate) fn minimal_body(state: &State, note: &str, pointer: &str, section: &str) -> String {
    let c = &state.counts;
    let headline = if state.approval_required() {
        format!(
            "### :no_entry: Independent approval required: {} finding{} at or above {}{}",
            c.gating,
            if c.gating == 1 { "" } else { "s" },
            state.approval_severity,
            c.worst
                .as_deref()
                .map(|w| format!(", worst {w}"))
                .unwrap_or_default()
        )
    } else if c.unreviewed_identity > 0 {
        format!(
            "### :warning: Partial pass: nothing at or above {} in what foureyes reviewed; {} \
             identity or audit change{} of types it does not model not reviewed",
            state.approval_severity,
            c.unreviewed_identity,
            if c.unreviewed_identity == 1 { "" } else { "s" }
        )
    } else {
        format!(
            "### :white_check_mark: No independent approval required: nothing at or above {}",
            state.approval_severity
        )
    };
    let list = |map: &std::collections::BTreeMap<String, usize>| {
        map.iter()
            .map(|(k, n)| format!("{n} `{}`", escape::markdown(k)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut text = format!(
        "{headline}\n\n{} finding{} in all",
        c.findings,
        if c.findings == 1 { "" } else { "s" }
    );
    if c.findings > 0 {
        let _ = write!(
            text,
            ": by severity {}; by rule {}",
            list(&c.by_severity),
            list(&c.by_rule)
        );
    }
    let _ = write!(text, ".\n\n{pointer}\n\n{note}");
    sticky_body(state, &text, section)
}

/// The report for the job summary, in the room it has there (`limit`: the most the summary
/// holds). Should the renderer not keep to that room, a note says where the report is
/// instead: a summary over the limit would not show at all.
pub(crate) fn summary_report(r: &Reviewed<'_>, limit: usize, terms: &Terms) -> String {
    let room = summary_room(limit);
    let report = markdown::render_within(r.report, r.ruleset, room);
    if report.len() <= room {
        return report;
    }
    format!(
        "The report is too big for {} ({} bytes of {room}): \
         `foureyes review --format text`, `--format json` or `--format sarif` on the plan shows \
         every finding.",
        terms.summary,
        report.len()
    )
}

/// The room for the report in the job summary, with room kept for the rest of it.
fn summary_room(limit: usize) -> usize {
    // NOTE: the approval part and the warnings are cut to fit in what is kept.
    limit.saturating_sub(SUMMARY_TAIL + 1_024)
}

/// The job summary: the whole report (run with the plan), then who approved and why others
/// did not count, then the warnings; within `limit` bytes.
pub(crate) fn summary(
    reviewed: Option<&Reviewed<'_>>,
    outcome: &Outcome,
    limit: usize,
    terms: &Terms,
) -> String {
    let (headline, reviewers) = approval_lines(outcome);
    let mut tail = String::from("\n## Independent approval\n\n");
    tail.push_str(&escape::markdown(&headline));
    tail.push_str("\n\n");
    for (login, standing) in &reviewers {
        let _ = writeln!(
            tail,
            "- **{}**: {}",
            escape::markdown(login),
            escape::markdown(standing)
        );
    }
    if let Some(url) = &outcome.comment_url {
        let _ = writeln!(tail, "\nThe comment: {}", escape::markdown(url));
    }
    for w in &outcome.warnings {
        let _ = writeln!(tail, "\n> **Warning:** {}", escape::markdown(w));
    }
    let tail = cut_bytes(&tail, SUMMARY_TAIL);
    match (&outcome.report, reviewed) {
        (Some(report), _) => format!("{report}\n{tail}"),
        (None, Some(r)) => format!("{}\n{tail}", summary_report(r, limit, terms)),
        (None, None) => tail,
    }
}

/// The job summary of a run stopped by an error: the review, then the error.
pub(crate) fn error_summary(r: &Reviewed<'_>, error: &str, limit: usize, terms: &Terms) -> String {
    format!(
        "{}\n\n> **Error:** {}\n",
        summary_report(r, limit, terms),
        cut_bytes(&escape::markdown(error), 4_096)
    )
}

/// The log: the report, what a dry run would do, and the decision, escaped for the terminal.
/// The warnings are the job's to print, as its CI shows them.
pub(crate) fn log(reviewed: Option<&Reviewed<'_>>, outcome: &Outcome, options: &Options) -> String {
    let mut text = String::new();
    if let Some(r) = reviewed {
        text.push_str(&r.text);
        text.push('\n');
    }
    if options.dry_run {
        text.push_str("Dry run: nothing was written. foureyes would:\n");
        if outcome.would.is_empty() {
            text.push_str("  leave the comment as it is\n");
        }
        for w in &outcome.would {
            let _ = writeln!(text, "  {}", escape::terminal(w));
        }
        if let Some(body) = &outcome.body {
            let _ = writeln!(text, "\nThe comment:\n\n{body}");
        }
    }
    let (headline, reviewers) = approval_lines(outcome);
    let _ = writeln!(
        text,
        "Independent approval: {}",
        escape::terminal(&headline)
    );
    for (login, standing) in reviewers {
        let _ = writeln!(
            text,
            "  - {}: {}",
            escape::terminal(&login),
            escape::terminal(&standing)
        );
    }
    if let Some(url) = &outcome.comment_url {
        let _ = writeln!(text, "Comment: {}", escape::terminal(url));
    }
    text
}

/// The outputs of the run, by name.
pub(crate) fn outputs(outcome: &Outcome) -> Vec<(&'static str, String)> {
    let state = outcome.state.as_ref();
    vec![
        (
            "verdict",
            state.map_or("", |s| s.verdict.as_str()).to_owned(),
        ),
        ("approved", outcome.open().to_string()),
        (
            "findings",
            state.map_or(0, |s| s.counts.findings).to_string(),
        ),
        (
            "fingerprint",
            state.map_or("", |s| s.fingerprint.as_str()).to_owned(),
        ),
        ("approved-by", outcome.approved_by().join(",")),
        (
            "comment-url",
            outcome.comment_url.clone().unwrap_or_default(),
        ),
        (
            "status",
            outcome
                .status
                .map_or("none", StatusState::as_str)
                .to_owned(),
        ),
    ]
}

/// Cut text to `limit` characters, with an ellipsis.
pub(crate) fn cut(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(limit - 1).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TERMS: Terms = Terms {
        forge: "GitHub",
        request: "pull request",
        summary: "the job summary",
        team_access: "team approvers need a token that may read the organization's members",
    };

    #[test]
    fn the_approval_section_says_who_approved_what_and_stays_in_its_room() {
        let head = "1".repeat(40);
        let judged = vec![
            Judged {
                login: "ivan".into(),
                standing: Standing::Counted("a member of acme/security".into()),
                commit: head.clone(),
                submitted: "2026-11-22T09:00:00Z".into(),
            },
            Judged {
                login: "@erin".into(),
                standing: Standing::NotCounted("approved an older commit (000000000000)".into()),
                commit: "0".repeat(40),
                submitted: "2026-11-22T09:00:00Z".into(),
            },
        ];
        let text = approval_section("Approved by ivan.", &judged, &head, &TERMS);
        assert!(
            text.contains("**ivan** approved commit `111111111111` (the head)"),
            "{text}"
        );
        assert!(text.contains("a member of acme\\/security"), "{text}");
        assert!(!text.contains("@erin"), "names are escaped: {text}");
        let many: Vec<Judged> = (0..500)
            .map(|i| Judged {
                login: format!("reviewer-with-a-long-name-{i}"),
                ..judged[1].clone()
            })
            .collect();
        let text = approval_section("Waiting.", &many, &head, &TERMS);
        assert!(text.len() <= APPROVAL_ROOM, "{}", text.len());
        assert!(text.contains("more reviewers: the job summary lists them all"));
    }
}
