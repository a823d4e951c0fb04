//! `foureyes github`: inside GitHub Actions, publish the review as one sticky comment, judge
//! the pull request's approvals for independence, and set the merge gate's commit status.
//!
//! It never approves anything: it only reads reviews, and writes a comment, a status and
//! review requests.

mod api;

use super::{
    co_authors, conflict, decisive, is_bot, is_sticky, judge, noreply_login, read_state,
    report_room, short, sticky_body, Approvers, Change, Judged, Membership, Person, Profile,
    Review, ReviewState, Standing, State,
};
use crate::judge::Report;
use crate::render::markdown;
use crate::ruleset::{Ruleset, Severity};
use api::{Api, ApiError};
use serde::Deserialize;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

/// The longest comment GitHub accepts, in characters.
const COMMENT_LIMIT: usize = 65_536;
/// Room kept for the gate note under the report: its words, the status name, the approvers.
const GATE_NOTE_ROOM: usize = 1_000;
/// The longest commit status description GitHub accepts.
const DESCRIPTION_LIMIT: usize = 140;

/// How the command was asked to publish.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    /// One sticky comment per key and pull request.
    pub(crate) key: String,
    /// Who may approve; empty: anyone independent of the change.
    pub(crate) approvers: Approvers,
    /// The commit status's name.
    pub(crate) status_context: String,
    /// Print what would be written instead of writing it.
    pub(crate) dry_run: bool,
    /// Exit 0 even when approval is missing.
    pub(crate) exit_zero: bool,
    /// Accounts that apply the change (`github:user/NAME` pipeline principals).
    pub(crate) pipeline: Vec<String>,
}

/// A review made in this run, ready to publish.
pub(crate) struct Reviewed<'a> {
    pub(crate) report: &'a Report,
    pub(crate) ruleset: &'a Ruleset,
    /// The report as text, for the job log.
    pub(crate) text: String,
}

/// The standard environment of a GitHub Actions job.
#[derive(Debug, Clone, Default)]
pub(crate) struct Env {
    pub(crate) api_url: String,
    pub(crate) server_url: Option<String>,
    pub(crate) repository: String,
    pub(crate) event_name: String,
    pub(crate) event_path: Option<PathBuf>,
    pub(crate) token: Option<String>,
    pub(crate) step_summary: Option<PathBuf>,
    pub(crate) output: Option<PathBuf>,
    pub(crate) run_id: Option<String>,
    /// Running in GitHub Actions: warnings become workflow commands.
    pub(crate) actions: bool,
}

impl Env {
    /// Read the environment of this process.
    pub(crate) fn from_process() -> Env {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        Env {
            api_url: var("GITHUB_API_URL").unwrap_or_else(|| "https://api.github.com".into()),
            server_url: var("GITHUB_SERVER_URL"),
            repository: var("GITHUB_REPOSITORY").unwrap_or_default(),
            event_name: var("GITHUB_EVENT_NAME").unwrap_or_default(),
            event_path: var("GITHUB_EVENT_PATH").map(PathBuf::from),
            // NOTE: a token read from a file often ends in a line break.
            token: var("GITHUB_TOKEN").map(|t| t.trim().to_owned()),
            step_summary: var("GITHUB_STEP_SUMMARY").map(PathBuf::from),
            output: var("GITHUB_OUTPUT").map(PathBuf::from),
            run_id: var("GITHUB_RUN_ID"),
            actions: var("GITHUB_ACTIONS").as_deref() == Some("true"),
        }
    }
}

/// A mistake in how the command is run: exit 2.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SetupError {
    #[error("{0}")]
    Env(String),
    #[error(transparent)]
    Api(#[from] ApiError),
}

// The parts of GitHub's answers that foureyes reads. Own types with only these fields, so that
// GitHub Enterprise Server versions without newer fields work too.

#[derive(Debug, Deserialize)]
struct User {
    login: String,
    #[serde(rename = "type", default)]
    kind: String,
}

#[derive(Debug, Deserialize)]
struct Head {
    sha: String,
}

#[derive(Debug, Deserialize)]
struct Team {
    slug: String,
}

#[derive(Debug, Deserialize)]
struct Pull {
    state: String,
    head: Head,
    user: User,
    #[serde(default)]
    commits: Option<usize>,
    #[serde(default)]
    requested_reviewers: Vec<User>,
    #[serde(default)]
    requested_teams: Vec<Team>,
}

#[derive(Debug, Deserialize)]
struct Comment {
    id: u64,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    user: Option<User>,
    #[serde(default)]
    html_url: String,
}

#[derive(Debug, Deserialize)]
struct ApiReview {
    #[serde(default)]
    user: Option<User>,
    state: String,
    #[serde(default)]
    commit_id: Option<String>,
    #[serde(default)]
    submitted_at: Option<String>,
}

#[derive(Debug, Deserialize)]
struct GitActor {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
}

#[derive(Debug, Deserialize)]
struct GitCommit {
    #[serde(default)]
    message: String,
    #[serde(default)]
    author: Option<GitActor>,
    #[serde(default)]
    committer: Option<GitActor>,
}

#[derive(Debug, Deserialize)]
struct ApiCommit {
    sha: String,
    commit: GitCommit,
    #[serde(default)]
    author: Option<User>,
    #[serde(default)]
    committer: Option<User>,
}

#[derive(Debug, Deserialize)]
struct ApiProfile {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    email: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ApiMembership {
    state: String,
}

#[derive(Debug, Deserialize)]
struct Event {
    #[serde(default)]
    pull_request: Option<EventPull>,
}

#[derive(Debug, Deserialize)]
struct EventPull {
    number: u64,
}

/// What the run found and did, for the log, the job summary and the outputs.
#[derive(Debug, Default)]
struct Outcome {
    /// The state the gate was decided on.
    state: Option<State>,
    /// The body of the sticky comment as it is (or would be) now.
    body: Option<String>,
    comment_url: Option<String>,
    /// Each reviewer's decision and whether it counts.
    judged: Vec<Judged>,
    /// `success`, `failure`, or none when no status was set.
    status: Option<&'static str>,
    /// Why the gate could not be decided in this run.
    undecided: Option<String>,
    /// What could not be written, and other things the user must know.
    warnings: Vec<String>,
    /// What a dry run would have written.
    would: Vec<String>,
}

impl Outcome {
    fn approved_by(&self) -> Vec<&str> {
        self.judged
            .iter()
            .filter(|j| matches!(j.standing, Standing::Counted(_)))
            .map(|j| j.login.as_str())
            .collect()
    }

    fn required(&self) -> bool {
        self.state.as_ref().is_none_or(State::approval_required)
    }

    /// Whether the change may merge: no approval needed, or an independent one given.
    fn open(&self) -> bool {
        self.undecided.is_none() && (!self.required() || !self.approved_by().is_empty())
    }
}

/// Run the command: publish, judge, gate. Returns the exit code.
pub(crate) fn run(
    reviewed: Option<Reviewed<'_>>,
    options: &Options,
    env: &Env,
) -> anyhow::Result<u8> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let outcome = runtime.block_on(publish(reviewed.as_ref(), options, env));
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) => {
            // Nothing was decided: say so where the user looks, then fail as an error.
            if let Some(r) = &reviewed {
                append(
                    env.step_summary.as_ref(),
                    &markdown::render(r.report, r.ruleset),
                );
            }
            return Err(e.into());
        }
    };
    log(reviewed.as_ref(), &outcome, options, env)?;
    if let Some(body) = &outcome.body {
        append(env.step_summary.as_ref(), &summary(body, &outcome));
    }
    outputs(env, &outcome)?;
    Ok(if outcome.open() || options.exit_zero {
        crate::cli::EXIT_PASS
    } else {
        crate::cli::EXIT_APPROVAL
    })
}

async fn publish(
    reviewed: Option<&Reviewed<'_>>,
    options: &Options,
    env: &Env,
) -> Result<Outcome, SetupError> {
    let repo = env.repository.as_str();
    if repo.split('/').count() != 2 || repo.split('/').any(str::is_empty) {
        return Err(SetupError::Env(format!(
            "GITHUB_REPOSITORY must be `owner/name`, not `{}`",
            crate::escape::terminal(repo)
        )));
    }
    let number = pull_number(env)?;
    if env.token.is_none() && !options.dry_run {
        return Err(SetupError::Env(
            "GITHUB_TOKEN is not set: pass the action's `token` input or set GITHUB_TOKEN \
             (a dry run can do without)"
                .into(),
        ));
    }
    let api = Api::new(&env.api_url, env.token.clone()).map_err(SetupError::Env)?;
    let pull: Pull = api
        .get(
            &format!("/repos/{repo}/pulls/{number}"),
            &format!("reading pull request #{number} of {repo}"),
        )
        .await?;
    let comments: Vec<Comment> = api
        .list(
            &format!("/repos/{repo}/issues/{number}/comments"),
            &format!("reading the comments of pull request #{number}"),
        )
        .await?;
    // NOTE: only a bot's comment is ours; anyone can post a comment with the marker in it.
    let mut ours = comments.iter().filter(|c| {
        c.user
            .as_ref()
            .is_some_and(|u| is_bot(&u.login, u.kind == "Bot"))
            && c.body
                .as_deref()
                .is_some_and(|b| is_sticky(b, &options.key))
    });
    let existing = ours.next();
    let mut outcome = Outcome::default();
    if ours.next().is_some() {
        outcome.warnings.push(format!(
            "more than one foureyes comment has the key `{}`; the oldest is updated",
            options.key
        ));
    }
    let prior = existing.and_then(|c| {
        let body = c.body.as_deref()?;
        match read_state(body, &options.key) {
            Ok(s) => Some(s),
            Err(e) => {
                outcome
                    .warnings
                    .push(format!("the foureyes comment cannot be read back: {e}"));
                None
            }
        }
    });
    outcome.comment_url = existing.map(|c| c.html_url.clone());
    let head = pull.head.sha.clone();

    match reviewed {
        Some(r) => {
            let fresh = State::new(r.report, &options.key, &head, "");
            let since = match &prior {
                Some(p) if p.fingerprint == fresh.fingerprint => p.since.clone(),
                _ => api.server_time().unwrap_or_else(local_time),
            };
            let state = State { since, ..fresh };
            let report = markdown::render_within(
                r.report,
                r.ruleset,
                report_room(&state, COMMENT_LIMIT).saturating_sub(GATE_NOTE_ROOM),
            );
            let body = sticky_body(&state, &format!("{report}\n{}", gate_note(&state, options)));
            write_comment(&api, options, repo, number, existing, &body, &mut outcome).await;
            outcome.body = Some(body);
            outcome.state = Some(state);
        }
        None => {
            let Some(state) = prior else {
                outcome.undecided = Some(format!(
                    "no foureyes comment with the key `{}` on pull request #{number} to \
                     re-evaluate; the run with the plan posts it",
                    options.key
                ));
                return Ok(outcome);
            };
            outcome.body = existing.and_then(|c| c.body.clone());
            if state.head != head {
                outcome.undecided = Some(format!(
                    "the foureyes comment is for commit {}, and the head is now {}; the run \
                     with the plan for the new head decides",
                    short(&state.head),
                    short(&head)
                ));
                outcome.state = Some(state);
                return Ok(outcome);
            }
            if !state.approval_required() {
                // NOTE: only the run that made the review may open the gate without an
                // approval; a comment could have been edited.
                outcome.state = Some(state);
                return Ok(outcome);
            }
            outcome.state = Some(state);
        }
    }

    let state = outcome.state.clone().expect("set above");
    if state.approval_required() {
        if pull.state != "open" {
            outcome
                .warnings
                .push(format!("pull request #{number} is {}", pull.state));
        }
        outcome.judged = approvals(&api, repo, number, &pull, &state, options).await?;
        if outcome.approved_by().is_empty() {
            match request_reviews(&api, options, repo, number, &pull, &outcome.judged).await {
                Ok(Some(would)) => outcome.would.push(would),
                Ok(None) => {}
                Err(warning) => outcome.warnings.push(warning),
            }
        }
    }
    let (status, description) = if !state.approval_required() {
        ("success", "No independent approval required".to_owned())
    } else if let Some(first) = outcome.approved_by().first() {
        (
            "success",
            format!(
                "Independently approved by {}",
                crate::escape::terminal(first)
            ),
        )
    } else {
        ("failure", missing_description(&state))
    };
    let mut body = serde_json::json!({
        "state": status,
        "context": options.status_context,
        "description": cut(&description, DESCRIPTION_LIMIT),
    });
    if let (Some(server), Some(run)) = (&env.server_url, &env.run_id) {
        body["target_url"] =
            format!("{}/{repo}/actions/runs/{run}", server.trim_end_matches('/')).into();
    }
    if options.dry_run {
        outcome.would.push(format!(
            "set the status `{}` on {} to {status}: {description}",
            options.status_context,
            short(&head)
        ));
    } else {
        match api
            .send(
                http::Method::POST,
                &format!("/repos/{repo}/statuses/{head}"),
                Some(&body),
                &format!("setting the status `{}`", options.status_context),
            )
            .await
        {
            Ok(_) => outcome.status = Some(status),
            Err(e) => outcome.warnings.push(e.to_string()),
        }
    }
    Ok(outcome)
}

/// The pull request's number, from the event that started the workflow.
fn pull_number(env: &Env) -> Result<u64, SetupError> {
    const EVENTS: [&str; 3] = ["pull_request", "pull_request_target", "pull_request_review"];
    if !EVENTS.contains(&env.event_name.as_str()) {
        return Err(SetupError::Env(format!(
            "foureyes github runs on pull_request and pull_request_review events, not on `{}` \
             (GITHUB_EVENT_NAME); use `foureyes review` elsewhere",
            crate::escape::terminal(&env.event_name)
        )));
    }
    let path = env
        .event_path
        .as_ref()
        .ok_or_else(|| SetupError::Env("GITHUB_EVENT_PATH is not set".into()))?;
    let text = std::fs::read_to_string(path)
        .map_err(|e| SetupError::Env(format!("{}: cannot read the event: {e}", path.display())))?;
    let event: Event = serde_json::from_str(&text).map_err(|e| {
        SetupError::Env(format!(
            "{}:{}:{}: the event is not valid: {e}",
            path.display(),
            e.line(),
            e.column()
        ))
    })?;
    event.pull_request.map(|p| p.number).ok_or_else(|| {
        SetupError::Env(format!(
            "{}: the event has no `pull_request`",
            path.display()
        ))
    })
}

/// Create the sticky comment, or update it when its body changed.
async fn write_comment(
    api: &Api,
    options: &Options,
    repo: &str,
    number: u64,
    existing: Option<&Comment>,
    body: &str,
    outcome: &mut Outcome,
) {
    let (method, path, verb) = match existing {
        Some(c) if c.body.as_deref() == Some(body) => return,
        Some(c) => (
            http::Method::PATCH,
            format!("/repos/{repo}/issues/comments/{}", c.id),
            "update",
        ),
        None => (
            http::Method::POST,
            format!("/repos/{repo}/issues/{number}/comments"),
            "create",
        ),
    };
    if options.dry_run {
        outcome.would.push(format!("{verb} the comment"));
        return;
    }
    let payload = serde_json::json!({ "body": body });
    match api
        .send(
            method,
            &path,
            Some(&payload),
            &format!("{verb} the foureyes comment"),
        )
        .await
    {
        Ok(answer) => {
            if let Ok(c) = serde_json::from_str::<Comment>(&answer.body) {
                outcome.comment_url = Some(c.html_url);
            }
        }
        Err(e) => outcome.warnings.push(e.to_string()),
    }
}

/// Judge every reviewer's decisive review.
async fn approvals(
    api: &Api,
    repo: &str,
    number: u64,
    pull: &Pull,
    state: &State,
    options: &Options,
) -> Result<Vec<Judged>, ApiError> {
    let raw: Vec<ApiReview> = api
        .list(
            &format!("/repos/{repo}/pulls/{number}/reviews"),
            &format!("reading the reviews of pull request #{number}"),
        )
        .await?;
    let reviews: Vec<Review> = raw
        .into_iter()
        .filter_map(|r| {
            let user = r.user?;
            Some(Review {
                bot: user.kind == "Bot",
                login: user.login,
                state: match r.state.as_str() {
                    "APPROVED" => ReviewState::Approved,
                    "CHANGES_REQUESTED" => ReviewState::ChangesRequested,
                    "DISMISSED" => ReviewState::Dismissed,
                    _ => ReviewState::Other,
                },
                commit: r.commit_id.unwrap_or_default(),
                submitted: r.submitted_at.unwrap_or_default(),
            })
        })
        .collect();
    let deciding = decisive(&reviews);
    if deciding.is_empty() {
        return Ok(Vec::new());
    }
    let commits: Vec<ApiCommit> = api
        .list(
            &format!("/repos/{repo}/pulls/{number}/commits"),
            &format!("reading the commits of pull request #{number}"),
        )
        .await?;
    let change = Change {
        author: pull.user.login.clone(),
        head: pull.head.sha.clone(),
        since: state.since.clone(),
        people: people(&commits),
        pipeline: options.pipeline.clone(),
        commits_missing: pull
            .commits
            .filter(|total| *total > commits.len())
            .map(|total| (commits.len(), total)),
    };
    let unlinked = change.people.iter().any(|p| p.login.is_none());
    let mut out = Vec::new();
    for review in deciding {
        let mut profile = None;
        if review.state == ReviewState::Approved && unlinked {
            profile = api
                .get::<ApiProfile>(
                    &format!("/users/{}", review.login),
                    &format!("reading the profile of {}", review.login),
                )
                .await
                .ok()
                .map(|p| Profile {
                    name: p.name,
                    email: p.email,
                });
        }
        let membership = if review.state == ReviewState::Approved
            && conflict(review, &change, profile.as_ref()).is_none()
        {
            membership(api, &options.approvers, &review.login).await
        } else {
            Membership::NotMember
        };
        out.push(judge(review, &change, profile.as_ref(), &membership));
    }
    Ok(out)
}

/// Everyone who wrote, committed or co-authored one of the commits.
fn people(commits: &[ApiCommit]) -> Vec<Person> {
    let mut out = Vec::new();
    for c in commits {
        for (user, actor, role) in [
            (&c.author, &c.commit.author, "author of"),
            (&c.committer, &c.commit.committer, "committer of"),
        ] {
            let (name, email) = actor
                .as_ref()
                .map(|a| (a.name.clone(), a.email.clone()))
                .unwrap_or_default();
            let login = user
                .as_ref()
                .map(|u| u.login.clone())
                .or_else(|| noreply_login(&email));
            if login.is_none() && name.is_empty() && email.is_empty() {
                continue;
            }
            out.push(Person {
                login,
                name,
                email,
                role: format!("{role} {}", short(&c.sha)),
            });
        }
        out.extend(co_authors(&c.commit.message, &c.sha));
    }
    out
}

/// Whether a reviewer is one of the configured approvers.
async fn membership(api: &Api, approvers: &Approvers, login: &str) -> Membership {
    if approvers.is_empty() {
        return Membership::Member("independent of the change".into());
    }
    if approvers
        .users
        .iter()
        .any(|u| u.eq_ignore_ascii_case(login))
    {
        return Membership::Member("a listed approver".into());
    }
    for (org, team) in &approvers.teams {
        let answer = api
            .get::<ApiMembership>(
                &format!("/orgs/{org}/teams/{team}/memberships/{login}"),
                &format!("reading whether {login} is in {org}/{team}"),
            )
            .await;
        match answer {
            Ok(m) if m.state == "active" => {
                return Membership::Member(format!("a member of {org}/{team}"))
            }
            Ok(_) => {}
            Err(e) if e.status() == Some(404) => {}
            Err(e) => {
                return Membership::Unknown(format!(
                    "membership of {org}/{team} could not be read ({}); team approvers need a \
                     token that may read the organization's members",
                    e.status()
                        .map_or_else(|| "no answer".into(), |s| s.to_string())
                ))
            }
        }
    }
    Membership::NotMember
}

/// Ask the configured approvers for a review, except those already asked or not independent.
/// A dry run says what it would ask; a refused request is a warning.
async fn request_reviews(
    api: &Api,
    options: &Options,
    repo: &str,
    number: u64,
    pull: &Pull,
    judged: &[Judged],
) -> Result<Option<String>, String> {
    let taken = |login: &str| {
        login.eq_ignore_ascii_case(&pull.user.login)
            || pull
                .requested_reviewers
                .iter()
                .any(|u| u.login.eq_ignore_ascii_case(login))
            || judged.iter().any(|j| j.login.eq_ignore_ascii_case(login))
    };
    let users: Vec<&String> = options
        .approvers
        .users
        .iter()
        .filter(|u| !taken(u))
        .collect();
    let org = options.approvers.teams.iter().filter(|(o, t)| {
        repo.split('/')
            .next()
            .is_some_and(|owner| owner.eq_ignore_ascii_case(o))
            && !pull
                .requested_teams
                .iter()
                .any(|r| r.slug.eq_ignore_ascii_case(t))
    });
    let teams: Vec<&String> = org.map(|(_, t)| t).collect();
    if users.is_empty() && teams.is_empty() {
        return Ok(None);
    }
    let names: Vec<String> = users
        .iter()
        .map(|u| u.to_string())
        .chain(teams.iter().map(|t| format!("team {t}")))
        .collect();
    if options.dry_run {
        return Ok(Some(format!("request a review from {}", names.join(", "))));
    }
    let body = serde_json::json!({ "reviewers": users, "team_reviewers": teams });
    api.send(
        http::Method::POST,
        &format!("/repos/{repo}/pulls/{number}/requested_reviewers"),
        Some(&body),
        &format!("requesting a review from {}", names.join(", ")),
    )
    .await
    .map(|_| None)
    .map_err(|e| e.to_string())
}

/// The status description while approval is missing.
fn missing_description(state: &State) -> String {
    let gating: Vec<_> = state.gating().collect();
    let worst = gating
        .iter()
        .filter_map(|f| Severity::parse(&f.severity))
        .max()
        .map_or("", Severity::as_str);
    format!(
        "Needs an independent approval: {} finding{}{}",
        gating.len(),
        if gating.len() == 1 { "" } else { "s" },
        if worst.is_empty() {
            String::new()
        } else {
            format!(", worst {worst}")
        }
    )
}

/// The note under the report on how the gate opens.
fn gate_note(state: &State, options: &Options) -> String {
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

/// The job summary: the report, then who approved and why others did not count.
fn summary(body: &str, outcome: &Outcome) -> String {
    let (headline, reviewers) = approval_lines(outcome);
    let mut out = body.to_owned();
    out.push_str("\n## Independent approval\n\n");
    out.push_str(&markdown::text(&headline));
    out.push_str("\n\n");
    for (login, standing) in &reviewers {
        let _ = writeln!(
            out,
            "- **{}**: {}",
            markdown::text(login),
            markdown::text(standing)
        );
    }
    for w in &outcome.warnings {
        let _ = writeln!(out, "\n> **Warning:** {}", markdown::text(w));
    }
    out
}

/// The decision in one line, then each reviewer and whether their review counts.
fn approval_lines(outcome: &Outcome) -> (String, Vec<(String, String)>) {
    if let Some(why) = &outcome.undecided {
        return (format!("Not decided in this run: {why}."), Vec::new());
    }
    if !outcome.required() {
        return ("No independent approval is required.".into(), Vec::new());
    }
    let approved = outcome.approved_by();
    let headline = if approved.is_empty() {
        if outcome.judged.is_empty() {
            "Waiting for an independent approval: no reviews yet.".into()
        } else {
            "Waiting for an independent approval.".into()
        }
    } else {
        format!("Approved by {}.", approved.join(", "))
    };
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
    (headline, reviewers)
}

/// Print the report and the decision to the job log.
fn log(
    reviewed: Option<&Reviewed<'_>>,
    outcome: &Outcome,
    options: &Options,
    env: &Env,
) -> anyhow::Result<()> {
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
            let _ = writeln!(text, "  {w}");
        }
        if let Some(body) = &outcome.body {
            let _ = writeln!(text, "\nThe comment:\n\n{body}");
        }
    }
    let (headline, reviewers) = approval_lines(outcome);
    let _ = writeln!(
        text,
        "Independent approval: {}",
        crate::escape::terminal(&headline)
    );
    for (login, standing) in reviewers {
        let _ = writeln!(
            text,
            "  - {}: {}",
            crate::escape::terminal(&login),
            crate::escape::terminal(&standing)
        );
    }
    if let Some(url) = &outcome.comment_url {
        let _ = writeln!(text, "Comment: {}", crate::escape::terminal(url));
    }
    let mut out = std::io::stdout().lock();
    // NOTE: text from the plan must not run as workflow commands (`::add-mask::`, ...).
    let stop = env.actions.then(stop_token);
    if let Some(t) = &stop {
        writeln!(out, "::stop-commands::{t}")?;
    }
    out.write_all(text.as_bytes())?;
    if let Some(t) = &stop {
        writeln!(out, "::{t}::")?;
    }
    for w in &outcome.warnings {
        if env.actions {
            writeln!(
                out,
                "::warning title=foureyes::{}",
                crate::escape::command_data(w)
            )?;
        } else {
            eprintln!("{}", crate::escape::ci_log(&format!("warning: {w}")));
        }
    }
    out.flush()?;
    Ok(())
}

/// A token no plan can guess, to end `::stop-commands::`.
fn stop_token() -> String {
    use sha2::Digest as _;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let seed = format!(
        "{}:{}:{:?}",
        std::process::id(),
        now.as_nanos(),
        std::thread::current().id()
    );
    sha2::Sha256::digest(seed.as_bytes())
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Write the outputs to `GITHUB_OUTPUT`.
fn outputs(env: &Env, outcome: &Outcome) -> anyhow::Result<()> {
    let Some(path) = &env.output else {
        return Ok(());
    };
    let state = outcome.state.as_ref();
    let values = [
        (
            "verdict",
            state.map_or("", |s| s.verdict.as_str()).to_owned(),
        ),
        ("approved", outcome.open().to_string()),
        (
            "findings",
            state.map_or(0, |s| s.findings.len()).to_string(),
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
        ("status", outcome.status.unwrap_or("none").to_owned()),
    ];
    let mut text = String::new();
    for (name, value) in values {
        // NOTE: one line each; a line break would let a value set other outputs.
        let value: String = value.chars().filter(|c| !c.is_control()).collect();
        let _ = writeln!(text, "{name}={value}");
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| anyhow::anyhow!("{}: cannot write the outputs: {e}", path.display()))?;
    file.write_all(text.as_bytes())
        .map_err(|e| anyhow::anyhow!("{}: cannot write the outputs: {e}", path.display()))?;
    Ok(())
}

/// Append to the job summary; a summary that cannot be written is only a warning.
fn append(path: Option<&PathBuf>, text: &str) {
    let Some(path) = path else { return };
    let result = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()));
    if let Err(e) = result {
        eprintln!(
            "warning: {}: cannot write the job summary: {e}",
            path.display()
        );
    }
}

/// The time on this machine, when GitHub's is not known.
fn local_time() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    super::rfc3339(secs)
}

/// Cut text to `limit` characters, with an ellipsis.
fn cut(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(limit - 1).collect();
    out.push('…');
    out
}
