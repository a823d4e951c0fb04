//! Publishing a report to a forge: the sticky comment and the state hidden in it, the
//! fingerprint of the findings, and who counts as an independent approver.
//!
//! Everything here is pure; the forge's API lives in one file per forge (`github.rs`).

pub(crate) mod github;

use crate::judge::{Report, Verdict};
use crate::ruleset::Severity;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The version of the state hidden in the sticky comment.
pub(crate) const STATE_SCHEMA: u32 = 1;

/// A finding as the sticky comment keeps it: enough to decide the gate again without the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct KeptFinding {
    pub(crate) rule: String,
    pub(crate) severity: String,
    pub(crate) title: String,
    pub(crate) duties: Vec<String>,
    pub(crate) principals: Vec<String>,
    pub(crate) resources: Vec<String>,
}

/// What the sticky comment remembers of the review it shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    pub(crate) findings: Vec<KeptFinding>,
}

impl State {
    /// The state of a fresh review.
    pub(crate) fn new(report: &Report, key: &str, head: &str, since: &str) -> State {
        let findings: Vec<KeptFinding> = report
            .findings
            .iter()
            .map(|f| KeptFinding {
                rule: f.rule.to_owned(),
                severity: f.severity.as_str().to_owned(),
                title: f.title.clone(),
                duties: f.duties.clone(),
                principals: f.principals.clone(),
                resources: f.resources.clone(),
            })
            .collect();
        let approval_severity = report.approval_severity.as_str().to_owned();
        State {
            tool: "foureyes".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            schema: STATE_SCHEMA,
            key: key.to_owned(),
            head: head.to_owned(),
            verdict: report.verdict.as_str().to_owned(),
            fingerprint: fingerprint(&findings, report.approval_severity),
            approval_severity,
            since: since.to_owned(),
            findings,
        }
    }

    /// Whether the review asked for an independent approval.
    pub(crate) fn approval_required(&self) -> bool {
        self.verdict == Verdict::ApprovalRequired.as_str()
    }

    /// The findings that require approval.
    pub(crate) fn gating(&self) -> impl Iterator<Item = &KeptFinding> {
        let threshold = Severity::parse(&self.approval_severity).unwrap_or(Severity::Low);
        self.findings
            .iter()
            .filter(move |f| Severity::parse(&f.severity).is_none_or(|s| s >= threshold))
    }
}

/// A fingerprint of the findings that require approval: their rules, severities, duties,
/// principals and resources, in order. Wording is left out, so a new version of foureyes that
/// words a finding better does not void the approvals given for it.
pub(crate) fn fingerprint(findings: &[KeptFinding], approval_severity: Severity) -> String {
    let mut lines: Vec<String> = findings
        .iter()
        .filter(|f| Severity::parse(&f.severity).is_none_or(|s| s >= approval_severity))
        .map(|f| {
            [
                f.rule.as_str(),
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
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether a comment key is usable: it goes into an HTML comment and a status name.
pub(crate) fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 64
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._/-".contains(&b))
}

/// The first line of a sticky comment: found again by [`is_sticky`].
fn marker(key: &str) -> String {
    format!("<!-- foureyes:comment key=\"{key}\" schema={STATE_SCHEMA}")
}

/// Whether a comment body is the sticky comment for this key.
pub(crate) fn is_sticky(body: &str, key: &str) -> bool {
    let marker = marker(key);
    body.starts_with(&marker) && body[marker.len()..].starts_with([' ', '-'])
}

/// The hidden lines a sticky comment begins and ends with, around the report.
pub(crate) fn sticky_body(state: &State, report: &str) -> String {
    // NOTE: the state is base64 so that nothing from the plan can end the HTML comment.
    let json = serde_json::to_string(state).expect("the state serializes");
    let encoded = base64::engine::general_purpose::STANDARD.encode(json);
    format!(
        "{} fingerprint={} -->\n\n{}\n\n<!-- foureyes:state {} -->\n",
        marker(&state.key),
        state.fingerprint,
        report.trim_end(),
        encoded
    )
}

/// The room a report has in a sticky comment of at most `limit` characters.
pub(crate) fn report_room(state: &State, limit: usize) -> usize {
    limit.saturating_sub(sticky_body(state, "").chars().count())
}

/// Why the state of a sticky comment cannot be used.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StateError {
    #[error("the comment has no state line")]
    Missing,
    #[error("the comment's state is not valid: {0}")]
    Invalid(String),
    #[error("the comment's state has schema {0}; this foureyes reads schema {STATE_SCHEMA}")]
    Schema(u32),
    #[error("the comment's state does not match its fingerprint: it was edited")]
    Fingerprint,
}

/// Read the state back from a sticky comment, checking it against its own fingerprint.
pub(crate) fn read_state(body: &str, key: &str) -> Result<State, StateError> {
    let marker_fp = body
        .lines()
        .next()
        .and_then(|l| l.split(" fingerprint=").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_default();
    let line = body
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("<!-- foureyes:state "))
        .ok_or(StateError::Missing)?;
    let encoded = line
        .strip_suffix(" -->")
        .ok_or_else(|| StateError::Invalid("the state line is not closed".into()))?;
    let json = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|e| StateError::Invalid(e.to_string()))?;
    let value: serde_json::Value =
        serde_json::from_slice(&json).map_err(|e| StateError::Invalid(e.to_string()))?;
    let schema = value.get("schema").and_then(serde_json::Value::as_u64);
    if schema != Some(u64::from(STATE_SCHEMA)) {
        return Err(StateError::Schema(
            schema.and_then(|s| u32::try_from(s).ok()).unwrap_or(0),
        ));
    }
    let state: State =
        serde_json::from_value(value).map_err(|e| StateError::Invalid(e.to_string()))?;
    let threshold = Severity::parse(&state.approval_severity).ok_or_else(|| {
        StateError::Invalid(format!(
            "approval_severity \"{}\" is not a severity",
            state.approval_severity
        ))
    })?;
    if state.key != key
        || state.fingerprint != marker_fp
        || fingerprint(&state.findings, threshold) != state.fingerprint
    {
        return Err(StateError::Fingerprint);
    }
    Ok(state)
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

/// Someone who wrote, committed or co-authored a commit of the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Person {
    /// The account the forge links to the commit, or that a no-reply address names.
    pub(crate) login: Option<String>,
    pub(crate) name: String,
    pub(crate) email: String,
    /// How they took part: "author of", "committer of" or "co-author of", and the commit.
    pub(crate) role: String,
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
    if !after(&review.submitted, &change.since) {
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

/// Judge one reviewer's decisive review.
pub(crate) fn judge(
    review: &Review,
    change: &Change,
    profile: Option<&Profile>,
    membership: &Membership,
) -> Judged {
    let not = |reason: String| Judged {
        login: review.login.clone(),
        standing: Standing::NotCounted(reason),
    };
    match review.state {
        ReviewState::ChangesRequested => return not("requested changes".into()),
        ReviewState::Dismissed => return not("their approval was dismissed".into()),
        ReviewState::Other | ReviewState::Approved => {}
    }
    if let Some(reason) = conflict(review, change, profile) {
        return not(reason);
    }
    match membership {
        Membership::Member(how) => Judged {
            login: review.login.clone(),
            standing: Standing::Counted(how.clone()),
        },
        Membership::NotMember => not("not one of the configured approvers".into()),
        Membership::Unknown(why) => not(why.clone()),
    }
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

/// Whether timestamp `a` is after `b`, both RFC 3339 in UTC (`2026-11-22T07:50:57Z`), to the
/// second. A timestamp in another shape is not trusted to be after anything.
pub(crate) fn after(a: &str, b: &str) -> bool {
    match (utc(a), utc(b)) {
        (Some(a), Some(b)) => a > b,
        _ => false,
    }
}

/// `YYYY-MM-DDTHH:MM:SS` of an RFC 3339 UTC timestamp, fractions dropped.
fn utc(t: &str) -> Option<&str> {
    let t = t.strip_suffix('Z')?;
    let whole = t.split('.').next()?;
    let ok = whole.len() == 19
        && whole.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            10 => b == b'T',
            13 | 16 => b == b':',
            _ => b.is_ascii_digit(),
        });
    ok.then_some(whole)
}

/// An HTTP date (`Sun, 22 Nov 2026 07:50:57 GMT`) as RFC 3339 UTC.
pub(crate) fn http_date(text: &str) -> Option<String> {
    let mut parts = text.split_whitespace().skip(1);
    let day: u32 = parts.next()?.parse().ok()?;
    let month = match parts.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year: u32 = parts.next()?.parse().ok()?;
    let time = parts.next()?;
    (parts.next()? == "GMT").then_some(())?;
    let out = format!("{year:04}-{month:02}-{day:02}T{time}Z");
    utc(&out).is_some().then_some(out)
}

/// Seconds since the Unix epoch as RFC 3339 UTC.
pub(crate) fn rfc3339(secs: u64) -> String {
    let days = secs / 86_400;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(rule: &str, severity: &str, principal: &str) -> KeptFinding {
        KeptFinding {
            rule: rule.into(),
            severity: severity.into(),
            title: format!("{rule} title"),
            duties: vec!["privilege_admin".into()],
            principals: vec![principal.into()],
            resources: vec!["aws_iam_role_policy.x".into()],
        }
    }

    fn state(findings: Vec<KeptFinding>) -> State {
        State {
            tool: "foureyes".into(),
            version: "0".into(),
            schema: STATE_SCHEMA,
            key: "infra/prod".into(),
            head: "a".repeat(40),
            verdict: "approval_required".into(),
            approval_severity: "medium".into(),
            fingerprint: fingerprint(&findings, Severity::Medium),
            since: "2026-11-22T07:50:57Z".into(),
            findings,
        }
    }

    #[test]
    fn fingerprint_ignores_wording_order_and_findings_below_the_threshold() {
        let a = finding("toxic-combination", "critical", "aws:role/a");
        let b = finding("self-escalation", "high", "aws:role/b");
        let mut reworded = a.clone();
        reworded.title = "better words".into();
        let low = finding("toxic-combination", "low", "aws:role/c");
        let fp = fingerprint(&[a.clone(), b.clone()], Severity::Medium);
        assert_eq!(fp.len(), 64);
        assert_eq!(fp, fingerprint(&[b.clone(), reworded], Severity::Medium));
        assert_eq!(
            fp,
            fingerprint(&[a.clone(), b.clone(), low], Severity::Medium)
        );
        assert_ne!(fp, fingerprint(&[a], Severity::Medium));
        assert_ne!(fp, fingerprint(&[], Severity::Medium));
    }

    #[test]
    fn state_round_trips_through_the_comment_body() {
        let s = state(vec![finding("toxic-combination", "critical", "--> <b>")]);
        let body = sticky_body(&s, "# report\n");
        assert!(is_sticky(&body, "infra/prod"));
        assert!(!is_sticky(&body, "infra"));
        assert!(!body.contains("<b>"), "plan text stays encoded");
        assert_eq!(read_state(&body, "infra/prod").expect("reads"), s);
    }

    #[test]
    fn an_edited_state_is_refused() {
        let s = state(vec![finding("toxic-combination", "critical", "aws:role/a")]);
        let mut edited = s.clone();
        edited.findings.clear();
        // The attacker keeps the old fingerprint, or writes the new one in only one place.
        let body = sticky_body(&edited, "x").replace(&edited.fingerprint, &s.fingerprint);
        assert!(matches!(
            read_state(&body, "infra/prod"),
            Err(StateError::Fingerprint)
        ));
        let body = sticky_body(&s, "x")
            .replace(&format!("fingerprint={}", s.fingerprint), "fingerprint=0");
        assert!(matches!(
            read_state(&body, "infra/prod"),
            Err(StateError::Fingerprint)
        ));
        assert!(matches!(
            read_state(
                "<!-- foureyes:comment key=\"infra/prod\" schema=1 -->",
                "infra/prod"
            ),
            Err(StateError::Missing)
        ));
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
                    role: "author of cccccccccccc".into(),
                },
                Person {
                    login: None,
                    name: "Carol Jones".into(),
                    email: "carol@example.com".into(),
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
    fn approvers_parse_users_and_teams() {
        let a = Approvers::parse(&["@alice".into(), "acme/security".into()]).expect("parses");
        assert_eq!(a.users, ["alice"]);
        assert_eq!(a.teams, [("acme".into(), "security".into())]);
        assert!(Approvers::parse(&["a/b/c".into()]).is_err());
        assert!(Approvers::parse(&["$(id)".into()]).is_err());
    }

    #[test]
    fn timestamps() {
        assert_eq!(
            http_date("Sun, 22 Nov 2026 07:50:57 GMT").as_deref(),
            Some("2026-11-22T07:50:57Z")
        );
        assert_eq!(http_date("yesterday"), None);
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_795_333_857), "2026-11-22T07:50:57Z");
        assert!(after("2026-11-22T07:50:58.123Z", "2026-11-22T07:50:57Z"));
        assert!(!after("2026-11-22T07:50:57.999Z", "2026-11-22T07:50:57Z"));
        assert!(!after("2026-11-22T07:50:56Z", "2026-11-22T07:50:57Z"));
        assert!(!after("2026-11-22 08:00", "2026-11-22T07:50:57Z"));
    }
}
