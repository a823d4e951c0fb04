//! The sticky comment and the state sealed in it: what a later run reads back, how it is
//! found again, and when it may be trusted.
//!
//! Everything here is pure: the forge says who wrote and edited a comment ([`Authorship`]),
//! and these functions decide what that means.

use crate::judge::{Report, Verdict};
use crate::publish::time;
use crate::ruleset::Severity;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The version of the state hidden in the sticky comment. 2: bounded counts instead of the
/// findings, and a seal over the whole state in the marker.
pub(crate) const STATE_SCHEMA: u32 = 2;

/// How many findings of each kind a review found: what the comment keeps of them, bounded
/// whatever the size of the change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Counts {
    /// Every finding.
    pub(crate) findings: usize,
    /// The findings at or above the approval severity.
    pub(crate) gating: usize,
    /// The worst severity among the gating findings.
    pub(crate) worst: Option<String>,
    /// Findings per rule id.
    pub(crate) by_rule: BTreeMap<String, usize>,
    /// Findings per severity.
    pub(crate) by_severity: BTreeMap<String, usize>,
    /// Changes to identity or audit resources of types foureyes does not model: a pass over
    /// them is only partial.
    #[serde(default)]
    pub(crate) unreviewed_identity: usize,
}

/// What the sticky comment remembers of the review it shows: everything a later run decides
/// on, and nothing that grows with the change. Sealed as a whole ([`seal`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct State {
    /// Always `foureyes`.
    pub(crate) tool: String,
    /// The version of foureyes that wrote it.
    pub(crate) version: String,
    /// [`STATE_SCHEMA`].
    pub(crate) schema: u32,
    /// The comment key: one sticky comment per key and pull request.
    pub(crate) key: String,
    /// The head commit the plan was made for.
    pub(crate) head: String,
    /// `pass` or `approval_required`.
    pub(crate) verdict: String,
    /// Findings at or above this severity require approval.
    pub(crate) approval_severity: String,
    /// [`fingerprint`] of the findings that require approval.
    pub(crate) fingerprint: String,
    /// When these findings were first published (the forge's clock, RFC 3339, UTC): an
    /// approval given earlier approved other findings.
    pub(crate) since: String,
    pub(crate) counts: Counts,
}

/// What identifies a finding for approval: its rule, severity, duties, principals and
/// resources. Wording is left out, so a new version of foureyes that words a finding better
/// does not void the approvals given for it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Gist<'a> {
    pub(crate) rule: &'a str,
    pub(crate) severity: Severity,
    /// As the judge decided: the finding needs an independent approver.
    pub(crate) requires_approval: bool,
    pub(crate) duties: &'a [String],
    pub(crate) principals: &'a [String],
    pub(crate) resources: &'a [String],
}

impl State {
    /// The state of a fresh review.
    pub(crate) fn new(report: &Report, key: &str, head: &str, since: &str) -> State {
        let gists: Vec<Gist<'_>> = report
            .findings
            .iter()
            .map(|f| Gist {
                rule: f.rule,
                severity: f.severity,
                requires_approval: f.requires_approval,
                duties: &f.duties,
                principals: &f.principals,
                resources: &f.resources,
            })
            .collect();
        State {
            tool: "foureyes".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            schema: STATE_SCHEMA,
            key: key.to_owned(),
            head: head.to_owned(),
            verdict: report.verdict.as_str().to_owned(),
            approval_severity: report.approval_severity.as_str().to_owned(),
            fingerprint: fingerprint(&gists),
            since: since.to_owned(),
            counts: Counts {
                unreviewed_identity: report.coverage.identity_changes(),
                ..counts(&gists)
            },
        }
    }

    /// Whether the review asked for an independent approval.
    pub(crate) fn approval_required(&self) -> bool {
        self.verdict == Verdict::ApprovalRequired.as_str()
    }
}

/// Count the findings by rule and severity, and those that require approval (as the judge
/// decided: the threshold is applied there, once).
pub(crate) fn counts(findings: &[Gist<'_>]) -> Counts {
    let mut out = Counts {
        findings: findings.len(),
        ..Counts::default()
    };
    let mut worst: Option<Severity> = None;
    for f in findings {
        *out.by_rule.entry(f.rule.to_owned()).or_default() += 1;
        *out.by_severity
            .entry(f.severity.as_str().to_owned())
            .or_default() += 1;
        if f.requires_approval {
            out.gating += 1;
            worst = worst.max(Some(f.severity));
        }
    }
    out.worst = worst.map(|w| w.as_str().to_owned());
    out
}

/// A fingerprint of the findings that require approval, in any order.
pub(crate) fn fingerprint(findings: &[Gist<'_>]) -> String {
    let mut lines: Vec<String> = findings
        .iter()
        .filter(|f| f.requires_approval)
        .map(|f| {
            [
                f.rule,
                f.severity.as_str(),
                &f.duties.join("\u{1f}"),
                &f.principals.join("\u{1f}"),
                &f.resources.join("\u{1f}"),
            ]
            .join("\u{1e}")
        })
        .collect();
    lines.sort();
    let mut hash = Sha256::new();
    for line in &lines {
        hash.update(line.as_bytes());
        hash.update(b"\n");
    }
    hex(&hash.finalize())
}

/// The seal of a state: SHA-256 over its canonical JSON (fields in declaration order, maps
/// sorted), so that a change to any field the gate reads is seen.
///
/// NOTE: a seal is not a signature: anyone who can edit the comment can compute it. It makes
/// a state that was changed in part unreadable; what makes a state trusted is that foureyes'
/// own identity wrote it and nobody else edited it, which the forge tells.
pub(crate) fn seal(state: &State) -> String {
    let json = serde_json::to_vec(state).expect("the state serializes");
    let mut hash = Sha256::new();
    hash.update(b"foureyes state\n");
    hash.update(&json);
    hex(&hash.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether a comment key is usable: it goes into an HTML comment and a status name.
pub(crate) fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 64
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._/-".contains(&b))
}

/// The start of the first line of a sticky comment, whatever its schema: found again by
/// [`is_sticky`], so that a comment of an older foureyes is updated rather than duplicated.
fn marker(key: &str) -> String {
    format!("<!-- foureyes:comment key=\"{key}\" schema=")
}

/// Whether a comment body is the sticky comment for this key.
pub(crate) fn is_sticky(body: &str, key: &str) -> bool {
    body.strip_prefix(&marker(key))
        .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
}

/// The line before the approval section of a sticky comment.
const APPROVAL_START: &str = "<!-- foureyes:approval -->";
/// The line after it.
const APPROVAL_END: &str = "<!-- foureyes:approval:end -->";
/// The most room, in bytes, the approval section may take: each run writes it into this room,
/// so that a later run can rewrite it without the comment outgrowing the forge's limit.
pub(crate) const APPROVAL_ROOM: usize = 6_000;

/// The sticky comment: a marker with the seal, the report, the approval section and the state.
/// The approval section is cut to [`APPROVAL_ROOM`].
pub(crate) fn sticky_body(state: &State, report: &str, approval: &str) -> String {
    // NOTE: the state is base64 so that nothing from the plan can end the HTML comment.
    let json = serde_json::to_string(state).expect("the state serializes");
    let encoded = base64::engine::general_purpose::STANDARD.encode(json);
    format!(
        "{}{} seal={} -->\n\n{}\n\n{APPROVAL_START}\n{}\n{APPROVAL_END}\n\n<!-- foureyes:state {} -->\n",
        marker(&state.key),
        state.schema,
        seal(state),
        report.trim_end(),
        cut_bytes(approval.trim_end(), APPROVAL_ROOM),
        encoded
    )
}

/// The room, in bytes, that a report has in a sticky comment of at most `limit` characters
/// (bytes are never fewer than characters), with room kept for the approval section.
pub(crate) fn report_room(state: &State, limit: usize) -> usize {
    limit
        .saturating_sub(sticky_body(state, "", "").len())
        .saturating_sub(APPROVAL_ROOM)
}

/// The body with its approval section replaced, and nothing else changed; `None` when the
/// body has no approval section.
pub(crate) fn with_approval(body: &str, approval: &str) -> Option<String> {
    // NOTE: the last section start is foureyes': plan text in a code block of the report,
    // which comes first, could hold the same line.
    let open = format!("\n{APPROVAL_START}\n");
    let start = body.rfind(&open)? + open.len();
    let close = format!("\n{APPROVAL_END}\n");
    let end = body[start - 1..].find(&close)? + start - 1;
    Some(format!(
        "{}{}{}",
        &body[..start],
        cut_bytes(approval.trim_end(), APPROVAL_ROOM),
        &body[end..]
    ))
}

/// Text cut to at most `limit` bytes, at a line break where it can be, with an ellipsis.
pub(crate) fn cut_bytes(text: &str, limit: usize) -> String {
    if text.len() <= limit {
        return text.to_owned();
    }
    let mut end = limit.saturating_sub('…'.len_utf8());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let cut = &text[..end];
    let cut = cut.rfind('\n').map_or(cut, |i| &cut[..i]);
    format!("{cut}…")
}

/// Why the state of a sticky comment cannot be used.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StateError {
    #[error("the comment has no state line")]
    Missing,
    #[error("the comment's state is not valid: {0}")]
    Invalid(String),
    #[error(
        "the comment's state has schema {0}; this foureyes reads schema {STATE_SCHEMA} (it is \
         rewritten by the next run with the plan)"
    )]
    Schema(u32),
    #[error("the comment's state does not match its seal: it was edited")]
    Seal,
}

/// Read the state back from a sticky comment, checking it against its seal and its shape.
pub(crate) fn read_state(body: &str, key: &str) -> Result<State, StateError> {
    let first = body.lines().next().unwrap_or_default();
    let rest = first
        .strip_prefix(&marker(key))
        .ok_or(StateError::Missing)?;
    let schema: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let schema: u32 = schema.parse().unwrap_or(0);
    if schema != STATE_SCHEMA {
        return Err(StateError::Schema(schema));
    }
    let marked_seal = rest
        .split(" seal=")
        .nth(1)
        .and_then(|r| r.strip_suffix(" -->"))
        .ok_or_else(|| StateError::Invalid("the marker has no seal".into()))?;
    let line = body
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .and_then(|l| l.strip_prefix("<!-- foureyes:state "))
        .ok_or(StateError::Missing)?;
    let encoded = line
        .strip_suffix(" -->")
        .ok_or_else(|| StateError::Invalid("the state line is not closed".into()))?;
    let json = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|e| StateError::Invalid(e.to_string()))?;
    let state: State =
        serde_json::from_slice(&json).map_err(|e| StateError::Invalid(e.to_string()))?;
    if state.schema != STATE_SCHEMA {
        return Err(StateError::Schema(state.schema));
    }
    if seal(&state) != marked_seal || state.key != key {
        return Err(StateError::Seal);
    }
    check_state(&state).map_err(StateError::Invalid)?;
    Ok(state)
}

/// Every field a decision reads has the shape it must have.
fn check_state(state: &State) -> Result<(), String> {
    let is_hex = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit());
    if state.tool != "foureyes" {
        return Err(format!("tool \"{}\" is not foureyes", state.tool));
    }
    if ![Verdict::Pass.as_str(), Verdict::ApprovalRequired.as_str()]
        .contains(&state.verdict.as_str())
    {
        return Err(format!("verdict \"{}\" is not a verdict", state.verdict));
    }
    if Severity::parse(&state.approval_severity).is_none() {
        return Err(format!(
            "approval_severity \"{}\" is not a severity",
            state.approval_severity
        ));
    }
    if !is_commit(&state.head) {
        return Err("head is not a commit id".into());
    }
    if state.fingerprint.len() != 64 || !is_hex(&state.fingerprint) {
        return Err("fingerprint is not a SHA-256".into());
    }
    if time::parse(&state.since).is_none() {
        return Err(format!(
            "since \"{}\" is not an RFC 3339 UTC time",
            state.since
        ));
    }
    let c = &state.counts;
    if c.worst
        .as_deref()
        .is_some_and(|w| Severity::parse(w).is_none())
        || c.by_severity.keys().any(|s| Severity::parse(s).is_none())
        || c.gating > c.findings
        || c.by_rule.values().sum::<usize>() != c.findings
        || c.by_severity.values().sum::<usize>() != c.findings
    {
        return Err("the counts do not add up".into());
    }
    Ok(())
}

/// Whether text is a commit id: 40 (SHA-1) or 64 (SHA-256) hexadecimal digits.
pub(crate) fn is_commit(text: &str) -> bool {
    matches!(text.len(), 40 | 64) && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Who wrote and who last edited a comment, and its body now, as the forge tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Authorship {
    /// The identity of this job's token wrote the comment.
    pub(crate) viewer_did_author: bool,
    /// Who wrote it, when the forge still names the account.
    pub(crate) author: Option<String>,
    /// Who last edited it, if anyone did and the forge still names the account.
    pub(crate) editor: Option<String>,
    /// When it was last edited, if it was.
    pub(crate) last_edited_at: Option<String>,
    pub(crate) body: String,
}

impl Authorship {
    /// Why foureyes may not trust what the comment holds, if it may not: written by someone
    /// else, or last edited by anyone but its author. `forge` names the forge in the reason.
    pub(crate) fn distrust(&self, forge: &str) -> Option<String> {
        let author = self.author.as_deref();
        if !self.viewer_did_author {
            return Some(format!(
                "it was written by {}, not by the identity of this job's token",
                author.map_or_else(
                    || format!("an account {forge} no longer names"),
                    str::to_owned
                )
            ));
        }
        let at = self
            .last_edited_at
            .as_deref()
            .map(|t| format!(" at {t}"))
            .unwrap_or_default();
        match (&self.editor, &self.last_edited_at) {
            (None, None) => None,
            (Some(e), _) if author.is_some_and(|a| a.eq_ignore_ascii_case(e)) => None,
            (Some(e), _) => Some(format!("it was edited by {e}{at}")),
            (None, Some(_)) => Some(format!(
                "it was edited{at} by an account {forge} no longer names"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A finding as the judge leaves it at the default threshold (medium).
    fn gist<'a>(rule: &'a str, severity: Severity, principals: &'a [String]) -> Gist<'a> {
        Gist {
            rule,
            severity,
            requires_approval: severity >= Severity::Medium,
            duties: &[],
            principals,
            resources: &[],
        }
    }

    fn state() -> State {
        let a = ["aws:role/a".to_owned()];
        let b = ["--> <b>".to_owned()];
        let gists = [
            gist("toxic-combination", Severity::Critical, &a),
            gist("self-escalation", Severity::High, &b),
            gist("toxic-combination", Severity::Low, &b),
        ];
        State {
            tool: "foureyes".into(),
            version: "0".into(),
            schema: STATE_SCHEMA,
            key: "infra/prod".into(),
            head: "a".repeat(40),
            verdict: "approval_required".into(),
            approval_severity: "medium".into(),
            fingerprint: fingerprint(&gists),
            since: "2026-11-22T07:50:57Z".into(),
            counts: counts(&gists),
        }
    }

    #[test]
    fn fingerprint_ignores_order_and_findings_below_the_threshold() {
        let (a, b, c) = (
            ["aws:role/a".to_owned()],
            ["aws:role/b".to_owned()],
            ["aws:role/c".to_owned()],
        );
        let fa = gist("toxic-combination", Severity::Critical, &a);
        let fb = gist("self-escalation", Severity::High, &b);
        let low = gist("toxic-combination", Severity::Low, &c);
        let fp = fingerprint(&[fa, fb]);
        assert_eq!(fp.len(), 64);
        assert_eq!(fp, fingerprint(&[fb, fa]));
        assert_eq!(fp, fingerprint(&[fa, fb, low]));
        assert_ne!(fp, fingerprint(&[fa]));
        assert_ne!(fp, fingerprint(&[]));
    }

    #[test]
    fn counts_say_what_needs_approval_without_the_findings() {
        let c = state().counts;
        assert_eq!(c.findings, 3);
        assert_eq!(c.gating, 2);
        assert_eq!(c.worst.as_deref(), Some("critical"));
        assert_eq!(c.by_rule["toxic-combination"], 2);
        assert_eq!(c.by_severity["low"], 1);
    }

    #[test]
    fn state_round_trips_through_the_comment_body() {
        let s = state();
        let body = sticky_body(&s, "# report\n", "nobody yet");
        assert!(is_sticky(&body, "infra/prod"));
        assert!(!is_sticky(&body, "infra"));
        assert!(body.starts_with(&format!(
            "<!-- foureyes:comment key=\"infra/prod\" schema=2 seal={} -->\n",
            seal(&s)
        )));
        assert!(!body.contains("<b>"), "plan text stays encoded");
        assert_eq!(read_state(&body, "infra/prod").expect("reads"), s);
        assert!(matches!(
            read_state(&body, "infra"),
            Err(StateError::Missing)
        ));
    }

    /// Each field a decision reads, changed with the seal kept, is refused.
    #[test]
    fn a_state_changed_in_any_field_is_refused() {
        let s = state();
        let original_seal = seal(&s);
        type Edit = Box<dyn Fn(&mut State)>;
        let edits: Vec<(&str, Edit)> = vec![
            ("verdict", Box::new(|s| s.verdict = "pass".into())),
            ("head", Box::new(|s| s.head = "b".repeat(40))),
            ("key", Box::new(|s| s.key = "other".into())),
            (
                "approval_severity",
                Box::new(|s| s.approval_severity = "critical".into()),
            ),
            ("fingerprint", Box::new(|s| s.fingerprint = "0".repeat(64))),
            (
                "since",
                Box::new(|s| s.since = "2020-01-01T00:00:00Z".into()),
            ),
            ("gating", Box::new(|s| s.counts.gating = 0)),
            ("worst", Box::new(|s| s.counts.worst = None)),
            (
                "by_rule",
                Box::new(|s| {
                    s.counts.by_rule.insert("self-escalation".into(), 2);
                }),
            ),
            ("tool", Box::new(|s| s.tool = "other".into())),
        ];
        let encode = |s: &State| {
            base64::engine::general_purpose::STANDARD
                .encode(serde_json::to_string(s).expect("serializes"))
        };
        let original = sticky_body(&s, "x", "");
        for (what, edit) in edits {
            let mut edited = s.clone();
            edit(&mut edited);
            assert_ne!(seal(&edited), original_seal, "{what} is sealed");
            // The state line is rewritten; the marker keeps the original seal.
            let body = original.replace(&encode(&s), &encode(&edited));
            assert_ne!(body, original);
            assert!(
                matches!(read_state(&body, "infra/prod"), Err(StateError::Seal)),
                "{what}: {:?}",
                read_state(&body, "infra/prod")
            );
        }
        // A field the state does not have is refused too, not ignored.
        let json = serde_json::to_string(&s).expect("serializes");
        let extra = json.replacen('{', "{\"approved\":true,", 1);
        let body = sticky_body(&s, "x", "").replace(
            &base64::engine::general_purpose::STANDARD.encode(&json),
            &base64::engine::general_purpose::STANDARD.encode(&extra),
        );
        assert!(matches!(
            read_state(&body, "infra/prod"),
            Err(StateError::Invalid(_))
        ));
    }

    #[test]
    fn a_resealed_state_must_still_make_sense() {
        let mut s = state();
        s.verdict = "fine".into();
        let body = sticky_body(&s, "x", "");
        assert!(matches!(
            read_state(&body, "infra/prod"),
            Err(StateError::Invalid(_))
        ));
        let mut s = state();
        s.head = "HEAD~1".into();
        assert!(matches!(
            read_state(&sticky_body(&s, "x", ""), "infra/prod"),
            Err(StateError::Invalid(_))
        ));
    }

    #[test]
    fn an_older_schema_is_recognized_and_refused() {
        let old = "<!-- foureyes:comment key=\"infra/prod\" schema=1 fingerprint=abc -->\n\nx\n\n<!-- foureyes:state e30= -->\n";
        assert!(is_sticky(old, "infra/prod"), "found, so that it is updated");
        assert!(matches!(
            read_state(old, "infra/prod"),
            Err(StateError::Schema(1))
        ));
    }

    #[test]
    fn the_approval_section_is_replaced_and_nothing_else() {
        let s = state();
        let report = format!("# report\n\n```\n\n{APPROVAL_START}\nplan text\n{APPROVAL_END}\n```");
        let body = sticky_body(&s, &report, "waiting");
        let updated = with_approval(&body, "- **ivan** approved").expect("has a section");
        assert!(
            updated.contains("plan text"),
            "the report's lookalike is kept"
        );
        assert!(updated.contains("\n- **ivan** approved\n"));
        assert!(!updated.contains("waiting"));
        assert_eq!(
            updated.lines().next(),
            body.lines().next(),
            "the marker and its seal are kept"
        );
        assert_eq!(
            updated.lines().last(),
            body.lines().last(),
            "the state is kept"
        );
        assert_eq!(read_state(&updated, "infra/prod").expect("reads"), s);
        // However long, the section stays in its room.
        let long = "x\n".repeat(APPROVAL_ROOM);
        let updated = with_approval(&body, &long).expect("has a section");
        assert!(updated.len() <= sticky_body(&s, &report, "").len() + APPROVAL_ROOM);
        assert_eq!(with_approval("no section", "x"), None);
    }

    #[test]
    fn report_room_leaves_room_for_everything_else() {
        let s = state();
        let room = report_room(&s, 65_536);
        let report = "é".repeat(room / 2);
        let approval = "x".repeat(APPROVAL_ROOM);
        let body = sticky_body(&s, &report, &approval);
        assert!(body.len() <= 65_536, "{}", body.len());
    }

    fn node(viewer: bool, author: &str, editor: Option<&str>, at: Option<&str>) -> Authorship {
        Authorship {
            viewer_did_author: viewer,
            author: Some(author.into()),
            editor: editor.map(str::to_owned),
            last_edited_at: at.map(str::to_owned),
            body: String::new(),
        }
    }

    #[test]
    fn only_a_comment_by_the_token_edited_by_nobody_else_is_trusted() {
        let at = Some("2026-11-22T08:00:00Z");
        let distrust = |n: Authorship| n.distrust("GitHub");
        assert_eq!(distrust(node(true, "github-actions", None, None)), None);
        assert_eq!(
            distrust(node(true, "github-actions", Some("GitHub-Actions"), at)),
            None
        );
        assert_eq!(
            distrust(node(true, "github-actions", Some("mallory"), at)).as_deref(),
            Some("it was edited by mallory at 2026-11-22T08:00:00Z")
        );
        assert!(distrust(node(true, "github-actions", None, at))
            .is_some_and(|w| w.contains("no longer names")));
        assert!(distrust(node(false, "other-app", None, None))
            .is_some_and(|w| w.contains("written by other-app")));
    }
}
