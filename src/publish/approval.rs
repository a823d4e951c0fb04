//! Who counts as an independent approver: each reviewer's decisive review, judged against
//! everyone who wrote, committed or co-authored the change, the pipeline, bots, the head commit
//! and the time the findings were published.
//!
//! Everything here is pure and forge-neutral; the forge lists the reviews and commits
//! ([`crate::publish::Forge`]) and the gate asks for profiles and memberships as needed.

use crate::publish::time;

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

/// A reviewer's profile, to compare with commit identities linked to no account.
#[derive(Debug, Clone, Default)]
pub(crate) struct Profile {
    pub(crate) name: Option<String>,
    /// Every address the forge shows for the account: the public one, and the commit address
    /// where the API shows it.
    pub(crate) emails: Vec<String>,
}

/// Who may approve: users, and teams or groups.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Approvers {
    pub(crate) users: Vec<String>,
    /// `(org, team)`: a GitHub team's organization and slug; a GitLab group's top-level group
    /// and the rest of its path (`platform/security`), empty for the top-level group itself.
    pub(crate) teams: Vec<(String, String)>,
}

/// A team or group as people name it: `acme/security`, or `acme` for a top-level group.
pub(crate) fn team_name(org: &str, team: &str) -> String {
    if team.is_empty() {
        org.to_owned()
    } else {
        format!("{org}/{team}")
    }
}

impl Approvers {
    /// Parse `login`, `org/team` (GitLab: `group/subgroup/...`) and `group:PATH` (any GitLab
    /// group, a top-level one included) entries.
    pub(crate) fn parse(entries: &[String]) -> Result<Approvers, String> {
        let mut out = Approvers::default();
        for entry in entries {
            let entry = entry.trim().trim_start_matches('@');
            let ok = |s: &str| {
                !s.is_empty()
                    && s != "."
                    && s != ".."
                    && s.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
            };
            let path = |p: &str| p.split('/').all(ok);
            let group = entry.strip_prefix("group:");
            let (whole, named) = match group {
                Some(p) => (p, true),
                None => (entry, false),
            };
            match whole.split_once('/') {
                Some((org, team)) if ok(org) && path(team) => {
                    out.teams.push((org.to_owned(), team.to_owned()));
                }
                None if named && ok(whole) => out.teams.push((whole.to_owned(), String::new())),
                None if ok(whole) => out.users.push(whole.to_owned()),
                _ => {
                    return Err(format!(
                        "approver `{entry}` is neither a login, `org/team` nor `group:PATH`"
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
            .chain(self.teams.iter().map(|(o, t)| team_name(o, t)))
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
    /// What the forge calls a change request: `pull request`, `merge request`.
    pub(crate) noun: &'static str,
    /// The change request's author.
    pub(crate) author: String,
    /// The head commit now.
    pub(crate) head: String,
    /// When the findings now shown were first published (RFC 3339).
    pub(crate) since: String,
    /// Everyone who wrote, committed or co-authored a commit.
    pub(crate) people: Vec<Person>,
    /// Accounts that apply the change (the forge's accounts among the pipeline principals).
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
        return Some(format!("the {}'s author", change.noun));
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
    if review.commit.is_empty() {
        return Some("which commit they approved is not known: the forge did not say when".into());
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

/// Whether a commit identity linked to no account is this reviewer: an address the forge
/// shows for the account, or a name that is the reviewer's login or profile name.
fn unlinked_match(person: &Person, login: &str, profile: &Profile) -> bool {
    let name = person.name.trim();
    let email = person.email.trim();
    (!email.is_empty()
        && profile
            .emails
            .iter()
            .any(|e| e.trim().eq_ignore_ascii_case(email)))
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

/// Who wrote or committed a commit: the account the forge links to it, if any, and the name
/// and email git recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Identity {
    pub(crate) login: Option<String>,
    pub(crate) name: String,
    pub(crate) email: String,
}

/// A commit of the change request, as the forge lists it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Commit {
    pub(crate) sha: String,
    pub(crate) message: String,
    pub(crate) author: Identity,
    pub(crate) committer: Identity,
}

/// Everyone who wrote, committed or co-authored one of the commits, co-authors linked to the
/// accounts whose commits use their address. `account_of` is the forge's convention for
/// addresses that name an account (a no-reply address).
pub(crate) fn people(
    commits: &[Commit],
    account_of: &dyn Fn(&str) -> Option<String>,
) -> Vec<Person> {
    let mut out = Vec::new();
    for c in commits {
        for (who, part, role) in [
            (&c.author, Part::Author, "author of"),
            (&c.committer, Part::Committer, "committer of"),
        ] {
            let login = who.login.clone().or_else(|| account_of(&who.email));
            if login.is_none() && who.name.is_empty() && who.email.is_empty() {
                continue;
            }
            out.push(Person {
                login,
                name: who.name.clone(),
                email: who.email.clone(),
                part,
                role: format!("{role} {}", short(&c.sha)),
            });
        }
        out.extend(co_authors(&c.message, &c.sha, account_of));
    }
    link_co_authors(&mut out);
    out
}

/// The people in `Co-authored-by:` trailers of a commit message. `account_of` names the account
/// an address stands for by the forge's convention (a no-reply address), if any.
pub(crate) fn co_authors(
    message: &str,
    commit: &str,
    account_of: &dyn Fn(&str) -> Option<String>,
) -> Vec<Person> {
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
            login: account_of(email),
            name: name.to_owned(),
            email: email.to_owned(),
            part: Part::CoAuthor,
            role: format!("co-author of {}", short(commit)),
        });
    }
    out
}

/// A commit id cut to the length people read.
pub(crate) fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}

#[cfg(test)]
mod tests {
    use super::*;

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
            noun: "pull request",
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
            emails: Vec::new(),
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
    fn co_author_trailers() {
        let noreply = |email: &str| email.strip_suffix("@noreply.example").map(str::to_owned);
        let msg = "Fix\n\nCo-authored-by: Eve <eve-x@noreply.example>\nco-authored-by: Mallory <m@example.com>\n";
        let people = co_authors(msg, "abcdef0123456789", &noreply);
        assert_eq!(people.len(), 2);
        assert_eq!(people[0].login.as_deref(), Some("eve-x"));
        assert_eq!(people[1].login, None);
        assert_eq!(people[1].email, "m@example.com");
        assert_eq!(people[1].role, "co-author of abcdef012345");
    }

    #[test]
    fn every_author_committer_and_co_author_of_the_commits() {
        let noreply = |email: &str| email.strip_suffix("@noreply.example").map(str::to_owned);
        let who = |login: Option<&str>, name: &str, email: &str| Identity {
            login: login.map(str::to_owned),
            name: name.into(),
            email: email.into(),
        };
        let commits = [
            Commit {
                sha: "c".repeat(40),
                message: "Fix\n\nCo-authored-by: Bob <bob@example.com>".into(),
                author: who(Some("bob"), "Bob", "bob@example.com"),
                committer: who(None, "Zed", "zed@noreply.example"),
            },
            Commit {
                sha: "d".repeat(40),
                message: String::new(),
                author: who(None, "", ""),
                committer: who(None, "Carol", "carol@example.com"),
            },
        ];
        let people = people(&commits, &noreply);
        let seen: Vec<(Option<&str>, &str)> = people
            .iter()
            .map(|p| (p.login.as_deref(), p.role.as_str()))
            .collect();
        assert_eq!(
            seen,
            [
                (Some("bob"), "author of cccccccccccc"),
                (Some("zed"), "committer of cccccccccccc"),
                (Some("bob"), "co-author of cccccccccccc"),
                (None, "committer of dddddddddddd"),
            ]
        );
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
        // GitLab's subgroups, and top-level groups by `group:`.
        let g = Approvers::parse(&["a/b/c".into(), "group:sec".into(), "group:x/y".into()])
            .expect("parses");
        assert_eq!(
            g.teams,
            [
                ("a".into(), "b/c".into()),
                ("sec".into(), String::new()),
                ("x".into(), "y".into())
            ]
        );
        assert_eq!(g.describe(), ["a/b/c", "sec", "x/y"]);
        assert!(Approvers::parse(&["a//c".into()]).is_err());
        assert!(Approvers::parse(&["a/../c".into()]).is_err());
        assert!(Approvers::parse(&["group:".into()]).is_err());
        assert!(Approvers::parse(&["$(id)".into()]).is_err());
    }
}
