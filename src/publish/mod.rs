//! Publishing a report to a forge: the sticky comment and the state hidden in it, the
//! fingerprint of the findings, and who counts as an independent approver.
//!
//! Everything here is pure; the forge's API lives in one file per forge (`github.rs`).

pub(crate) mod github;
pub(crate) mod redact;
pub(crate) mod time;

use crate::judge::{Report, Verdict};
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
            fingerprint: fingerprint(&gists, report.approval_severity),
            since: since.to_owned(),
            counts: counts(&gists, report.approval_severity),
        }
    }

    /// Whether the review asked for an independent approval.
    pub(crate) fn approval_required(&self) -> bool {
        self.verdict == Verdict::ApprovalRequired.as_str()
    }
}

/// Count the findings by rule and severity, and those that require approval.
pub(crate) fn counts(findings: &[Gist<'_>], approval_severity: Severity) -> Counts {
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
        if f.severity >= approval_severity {
            out.gating += 1;
            worst = worst.max(Some(f.severity));
        }
    }
    out.worst = worst.map(|w| w.as_str().to_owned());
    out
}

/// A fingerprint of the findings that require approval, in any order.
pub(crate) fn fingerprint(findings: &[Gist<'_>], approval_severity: Severity) -> String {
    let mut lines: Vec<String> = findings
        .iter()
        .filter(|f| f.severity >= approval_severity)
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

/// A review of the pull or merge request, in the order the forge lists them.
#[derive(Debug, Clone)]
pub(crate) struct Review {
    pub(crate) login: String,
    /// The forge says the account is a bot.
    pub(crate) bot: bool,
    pub(crate) state: ReviewState,
    /// The commit the review was given on.
    pub(crate) commit: String,
    /// When it was given (RFC 3339).
    pub(crate) submitted: String,
}

/// What a review decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReviewState {
    Approved,
    ChangesRequested,
    Dismissed,
    /// A comment, or a review still pending: decides nothing.
    Other,
}

/// How someone took part in a commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    Author,
    Committer,
    /// Named in a `Co-authored-by:` trailer.
    CoAuthor,
}

/// Someone who wrote, committed or co-authored a commit of the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Person {
    /// The account the forge links to the commit, or that a no-reply address names.
    pub(crate) login: Option<String>,
    pub(crate) name: String,
    pub(crate) email: String,
    pub(crate) part: Part,
    /// How they took part: "author of", "committer of" or "co-author of", and the commit.
    pub(crate) role: String,
}

/// Link co-authors to accounts through the commits of the same change: an address in a
/// `Co-authored-by:` trailer that is also the author or committer address of a commit the
/// forge links to an account belongs to that account (to each such account, if several).
pub(crate) fn link_co_authors(people: &mut Vec<Person>) {
    let linked: Vec<(String, String)> = people
        .iter()
        .filter(|p| p.part != Part::CoAuthor && !p.email.trim().is_empty())
        .filter_map(|p| Some((p.email.trim().to_lowercase(), p.login.clone()?)))
        .collect();
    let mut extra = Vec::new();
    for person in people.iter_mut() {
        if person.part != Part::CoAuthor || person.login.is_some() {
            continue;
        }
        let email = person.email.trim().to_lowercase();
        if email.is_empty() {
            continue;
        }
        let mut logins: Vec<&String> = linked
            .iter()
            .filter(|(e, _)| *e == email)
            .map(|(_, l)| l)
            .collect();
        logins.sort_by_key(|l| l.to_lowercase());
        logins.dedup_by_key(|l| l.to_lowercase());
        let mut logins = logins.into_iter();
        let Some(first) = logins.next() else { continue };
        for other in logins {
            extra.push(Person {
                login: Some(other.clone()),
                ..person.clone()
            });
        }
        person.login = Some(first.clone());
    }
    people.extend(extra);
}

/// A reviewer's public profile, to compare with commit identities linked to no account.
#[derive(Debug, Clone, Default)]
pub(crate) struct Profile {
    pub(crate) name: Option<String>,
    pub(crate) email: Option<String>,
}

/// Who may approve: users and `org/team`s.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Approvers {
    pub(crate) users: Vec<String>,
    /// `(org, team slug)`.
    pub(crate) teams: Vec<(String, String)>,
}

impl Approvers {
    /// Parse `login` and `org/team` entries.
    pub(crate) fn parse(entries: &[String]) -> Result<Approvers, String> {
        let mut out = Approvers::default();
        for entry in entries {
            let entry = entry.trim().trim_start_matches('@');
            let ok = |s: &str| {
                !s.is_empty()
                    && s.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
            };
            match entry.split_once('/') {
                Some((org, team)) if ok(org) && ok(team) => {
                    out.teams.push((org.to_owned(), team.to_owned()));
                }
                None if ok(entry) => out.users.push(entry.to_owned()),
                _ => {
                    return Err(format!(
                        "approver `{entry}` is neither a login nor `org/team`"
                    ))
                }
            }
        }
        Ok(out)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.users.is_empty() && self.teams.is_empty()
    }

    /// The approvers as users read them.
    pub(crate) fn describe(&self) -> Vec<String> {
        self.users
            .iter()
            .cloned()
            .chain(self.teams.iter().map(|(o, t)| format!("{o}/{t}")))
            .collect()
    }
}

/// Whether a reviewer belongs to a configured approver team, as far as the forge told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Membership {
    /// Listed by name, or an active member of this team.
    Member(String),
    NotMember,
    /// The forge would not say: the reason.
    Unknown(String),
}

/// Everything the independence check needs to know about the change.
#[derive(Debug, Clone, Default)]
pub(crate) struct Change {
    /// The pull request's author.
    pub(crate) author: String,
    /// The head commit now.
    pub(crate) head: String,
    /// When the findings now shown were first published (RFC 3339).
    pub(crate) since: String,
    /// Everyone who wrote, committed or co-authored a commit.
    pub(crate) people: Vec<Person>,
    /// Accounts that apply the change (`github:user/NAME` pipeline principals).
    pub(crate) pipeline: Vec<String>,
    /// Set when the forge did not list every commit: (listed, total).
    pub(crate) commits_missing: Option<(usize, usize)>,
}

/// Why an approval does not count, or that it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Standing {
    /// Counts, with who it is as an approver (`alice`, or `member of acme/security`).
    Counted(String),
    /// Does not count, and why.
    NotCounted(String),
}

/// One reviewer's last decision and whether it counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Judged {
    pub(crate) login: String,
    pub(crate) standing: Standing,
    /// The commit the decision was given on.
    pub(crate) commit: String,
    /// When it was given (RFC 3339).
    pub(crate) submitted: String,
}

/// The reviews that decide: each reviewer's last approval, request for changes or dismissal.
/// Comments decide nothing, and a later decision replaces an earlier one.
pub(crate) fn decisive(reviews: &[Review]) -> Vec<&Review> {
    let mut last: Vec<&Review> = Vec::new();
    for r in reviews {
        if r.state == ReviewState::Other {
            continue;
        }
        match last
            .iter_mut()
            .find(|l| l.login.eq_ignore_ascii_case(&r.login))
        {
            Some(slot) => *slot = r,
            None => last.push(r),
        }
    }
    last.sort_by_key(|r| r.login.to_lowercase());
    last
}

/// Whether an account is a bot by the forge's word or by its name.
pub(crate) fn is_bot(login: &str, bot: bool) -> bool {
    bot || login.to_ascii_lowercase().ends_with("[bot]")
}

/// The reason an approving reviewer is not independent of the change, if there is one. The
/// profile is needed only when some commit identity is linked to no account.
pub(crate) fn conflict(
    review: &Review,
    change: &Change,
    profile: Option<&Profile>,
) -> Option<String> {
    let login = review.login.as_str();
    let same = |other: &str| other.eq_ignore_ascii_case(login);
    if is_bot(login, review.bot) {
        return Some("a bot".into());
    }
    if change.pipeline.iter().any(|p| same(p)) {
        return Some("the pipeline identity".into());
    }
    if same(&change.author) {
        return Some("the pull request's author".into());
    }
    for person in &change.people {
        let matched = match &person.login {
            Some(l) => same(l),
            None => match profile {
                Some(p) => unlinked_match(person, login, p),
                None => {
                    return Some(format!(
                        "cannot be told apart from {} <{}>, {}, whom no account is linked to",
                        person.name, person.email, person.role
                    ))
                }
            },
        };
        if matched {
            return Some(person.role.clone());
        }
    }
    if let Some((listed, total)) = change.commits_missing {
        return Some(format!(
            "not comparable with every commit: the forge listed {listed} of {total}"
        ));
    }
    if review.commit != change.head {
        return Some(format!(
            "approved an older commit ({})",
            short(&review.commit)
        ));
    }
    // NOTE: strictly after: the clocks count whole seconds, and nobody reads a comment and
    // approves in the second it appears.
    if !time::after(&review.submitted, &change.since) {
        return Some(format!(
            "approved before the current findings were published ({})",
            change.since
        ));
    }
    None
}

/// Whether a commit identity linked to no account is this reviewer: the same public email,
/// or a name that is the reviewer's login or profile name.
fn unlinked_match(person: &Person, login: &str, profile: &Profile) -> bool {
    let name = person.name.trim();
    let email = person.email.trim();
    (!email.is_empty()
        && profile
            .email
            .as_deref()
            .is_some_and(|e| e.trim().eq_ignore_ascii_case(email)))
        || (!name.is_empty()
            && (name.eq_ignore_ascii_case(login)
                || profile
                    .name
                    .as_deref()
                    .is_some_and(|n| n.trim().eq_ignore_ascii_case(name))))
}

/// Judge one reviewer's decisive review. `approved_before`: the reviewer approved in an
/// earlier review, which this one withdraws when it requests changes.
pub(crate) fn judge(
    review: &Review,
    approved_before: bool,
    change: &Change,
    profile: Option<&Profile>,
    membership: &Membership,
) -> Judged {
    let judged = |standing: Standing| Judged {
        login: review.login.clone(),
        standing,
        commit: review.commit.clone(),
        submitted: review.submitted.clone(),
    };
    let not = |reason: String| judged(Standing::NotCounted(reason));
    match review.state {
        ReviewState::ChangesRequested if approved_before => {
            return not("requested changes, withdrawing their approval".into())
        }
        ReviewState::ChangesRequested => return not("requested changes".into()),
        ReviewState::Dismissed => return not("their approval was dismissed".into()),
        ReviewState::Other | ReviewState::Approved => {}
    }
    if let Some(reason) = conflict(review, change, profile) {
        return not(reason);
    }
    match membership {
        Membership::Member(how) => judged(Standing::Counted(how.clone())),
        Membership::NotMember => not("not one of the configured approvers".into()),
        Membership::Unknown(why) => not(why.clone()),
    }
}

/// The approval section of the sticky comment, in at most [`APPROVAL_ROOM`] bytes: the
/// decision in one line, then who approved which commit and why they count, and why the other
/// reviews do not. Every name is escaped.
pub(crate) fn approval_section(headline: &str, judged: &[Judged], head: &str) -> String {
    use crate::escape::markdown;
    let mut out = format!("#### Independent approval\n\n{}\n", markdown(headline));
    let mut lines = Vec::new();
    for j in judged {
        let line = match &j.standing {
            Standing::Counted(how) => format!(
                "- **{}** approved commit {}{} at {}: counts, as {}: not the pull request's \
                 author, nor an author, committer or co-author of its commits, a bot or the \
                 pipeline\n",
                markdown(&j.login),
                if is_commit(&j.commit) {
                    format!("`{}`", short(&j.commit))
                } else {
                    markdown(&j.commit)
                },
                if j.commit == head { " (the head)" } else { "" },
                markdown(&j.submitted),
                markdown(how)
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
                    "- and {} more reviewers: the job summary lists them all\n",
                    lines.len() - i
                ),
            );
            break;
        }
        out.push_str(line);
    }
    out
}

/// The people in `Co-authored-by:` trailers of a commit message.
pub(crate) fn co_authors(message: &str, commit: &str) -> Vec<Person> {
    let mut out = Vec::new();
    for line in message.lines() {
        let line = line.trim();
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        if !key.trim().eq_ignore_ascii_case("co-authored-by") {
            continue;
        }
        let value = value.trim();
        let (name, email) = match (value.find('<'), value.rfind('>')) {
            (Some(open), Some(close)) if open < close => {
                (value[..open].trim(), value[open + 1..close].trim())
            }
            _ => (value, ""),
        };
        out.push(Person {
            login: noreply_login(email),
            name: name.to_owned(),
            email: email.to_owned(),
            part: Part::CoAuthor,
            role: format!("co-author of {}", short(commit)),
        });
    }
    out
}

/// The login a GitHub no-reply address names: `ID+login@users.noreply.github.com`, also on
/// GitHub Enterprise Server hosts.
pub(crate) fn noreply_login(email: &str) -> Option<String> {
    let (local, domain) = email.rsplit_once('@')?;
    let domain = domain.to_ascii_lowercase();
    if !(domain.starts_with("users.noreply.") || domain.starts_with("noreply.")) {
        return None;
    }
    let login = local.rsplit_once('+').map_or(local, |(_, l)| l);
    (!login.is_empty()).then(|| login.to_owned())
}

/// A commit id cut to the length people read.
pub(crate) fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gist<'a>(rule: &'a str, severity: Severity, principals: &'a [String]) -> Gist<'a> {
        Gist {
            rule,
            severity,
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
            fingerprint: fingerprint(&gists, Severity::Medium),
            since: "2026-11-22T07:50:57Z".into(),
            counts: counts(&gists, Severity::Medium),
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
        let fp = fingerprint(&[fa, fb], Severity::Medium);
        assert_eq!(fp.len(), 64);
        assert_eq!(fp, fingerprint(&[fb, fa], Severity::Medium));
        assert_eq!(fp, fingerprint(&[fa, fb, low], Severity::Medium));
        assert_ne!(fp, fingerprint(&[fa], Severity::Medium));
        assert_ne!(fp, fingerprint(&[], Severity::Medium));
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
        let text = approval_section("Approved by ivan.", &judged, &head);
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
        let text = approval_section("Waiting.", &many, &head);
        assert!(text.len() <= APPROVAL_ROOM, "{}", text.len());
        assert!(text.contains("more reviewers: the job summary lists them all"));
    }

    fn review(login: &str, commit: &str) -> Review {
        Review {
            login: login.into(),
            bot: false,
            state: ReviewState::Approved,
            commit: commit.into(),
            submitted: "2026-11-22T08:00:00Z".into(),
        }
    }

    fn change() -> Change {
        Change {
            author: "alice".into(),
            head: "h".repeat(40),
            since: "2026-11-22T07:50:57Z".into(),
            people: vec![
                Person {
                    login: Some("bob".into()),
                    name: "Bob".into(),
                    email: "bob@example.com".into(),
                    part: Part::Author,
                    role: "author of cccccccccccc".into(),
                },
                Person {
                    login: None,
                    name: "Carol Jones".into(),
                    email: "carol@example.com".into(),
                    part: Part::CoAuthor,
                    role: "co-author of cccccccccccc".into(),
                },
            ],
            pipeline: vec!["deploy-bot".into()],
            commits_missing: None,
        }
    }

    #[test]
    fn only_an_independent_approval_of_the_head_after_the_findings_counts() {
        let c = change();
        let head = c.head.clone();
        let stranger = Profile::default();
        let reason =
            |login: &str, commit: &str| conflict(&review(login, commit), &c, Some(&stranger));
        assert_eq!(reason("dave", &head), None);
        assert_eq!(
            reason("Alice", &head).as_deref(),
            Some("the pull request's author")
        );
        assert_eq!(
            reason("bob", &head).as_deref(),
            Some("author of cccccccccccc")
        );
        assert_eq!(
            reason("deploy-bot", &head).as_deref(),
            Some("the pipeline identity")
        );
        assert_eq!(reason("renovate[bot]", &head).as_deref(), Some("a bot"));
        assert_eq!(
            reason("dave", "0123456789abcdef").as_deref(),
            Some("approved an older commit (0123456789ab)")
        );
        let mut early = review("dave", &head);
        early.submitted = "2026-11-22T07:00:00Z".into();
        assert!(
            conflict(&early, &c, Some(&stranger)).is_some_and(|r| r.starts_with("approved before"))
        );
        let carol = Profile {
            name: Some("carol jones".into()),
            email: None,
        };
        assert_eq!(
            conflict(&review("cj", &head), &c, Some(&carol)).as_deref(),
            Some("co-author of cccccccccccc")
        );
        // Without the profile, an unlinked identity cannot be ruled out.
        assert!(conflict(&review("dave", &head), &c, None).is_some());
        // Nor can the authors of commits GitHub did not list (it lists 250 at most).
        let mut long = c.clone();
        long.commits_missing = Some((250, 300));
        assert_eq!(
            conflict(&review("dave", &head), &long, Some(&stranger)).as_deref(),
            Some("not comparable with every commit: the forge listed 250 of 300")
        );
    }

    #[test]
    fn a_later_decision_replaces_an_earlier_one() {
        let mut r1 = review("dave", "h");
        r1.state = ReviewState::Approved;
        let mut r2 = review("Dave", "h");
        r2.state = ReviewState::ChangesRequested;
        let mut r3 = review("dave", "h");
        r3.state = ReviewState::Other;
        let reviews = [r1, r2, r3];
        let d = decisive(&reviews);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].state, ReviewState::ChangesRequested);
    }

    #[test]
    fn co_author_trailers_and_noreply_addresses() {
        let msg = "Fix\n\nCo-authored-by: Eve <123+eve-x@users.noreply.github.com>\nco-authored-by: Mallory <m@example.com>\n";
        let people = co_authors(msg, "abcdef0123456789");
        assert_eq!(people.len(), 2);
        assert_eq!(people[0].login.as_deref(), Some("eve-x"));
        assert_eq!(people[1].login, None);
        assert_eq!(people[1].email, "m@example.com");
        assert_eq!(people[1].role, "co-author of abcdef012345");
        assert_eq!(
            noreply_login("zed@users.noreply.github.example.com").as_deref(),
            Some("zed")
        );
        assert_eq!(noreply_login("zed@example.com"), None);
    }

    #[test]
    fn a_co_author_address_used_by_a_linked_commit_is_that_account() {
        let person = |login: Option<&str>, email: &str, part: Part| Person {
            login: login.map(str::to_owned),
            name: "Someone".into(),
            email: email.into(),
            part,
            role: "x".into(),
        };
        let mut people = vec![
            person(Some("bob"), "bob@example.com", Part::Author),
            person(Some("carol"), "shared@example.com", Part::Committer),
            person(Some("caro1"), "Shared@Example.com", Part::Author),
            // An address that only other co-authors use links to nobody.
            person(None, "mallory@example.com", Part::CoAuthor),
            person(None, "mallory@example.com", Part::CoAuthor),
            person(None, "BOB@example.com ", Part::CoAuthor),
            person(None, "shared@example.com", Part::CoAuthor),
            // A commit identity GitHub links to no account links nothing.
            person(None, "eve@example.com", Part::Author),
            person(None, "eve@example.com", Part::CoAuthor),
        ];
        link_co_authors(&mut people);
        let logins: Vec<Option<&str>> = people.iter().map(|p| p.login.as_deref()).collect();
        assert_eq!(
            logins,
            [
                Some("bob"),
                Some("carol"),
                Some("caro1"),
                None,
                None,
                Some("bob"),
                Some("caro1"),
                None,
                None,
                Some("carol"),
            ]
        );
        // So the linked account's approval does not count, and others' do.
        let c = Change {
            author: "alice".into(),
            head: "h".repeat(40),
            since: "2026-11-22T07:50:57Z".into(),
            people: people[..7].to_vec(),
            ..Change::default()
        };
        let mut linked = c.clone();
        link_co_authors(&mut linked.people);
        let stranger = Profile::default();
        assert!(conflict(&review("carol", &c.head), &linked, Some(&stranger)).is_some());
        assert_eq!(
            conflict(&review("dave", &c.head), &linked, Some(&stranger)),
            None
        );
    }

    #[test]
    fn approvers_parse_users_and_teams() {
        let a = Approvers::parse(&["@alice".into(), "acme/security".into()]).expect("parses");
        assert_eq!(a.users, ["alice"]);
        assert_eq!(a.teams, [("acme".into(), "security".into())]);
        assert!(Approvers::parse(&["a/b/c".into()]).is_err());
        assert!(Approvers::parse(&["$(id)".into()]).is_err());
    }
}
