//! `foureyes github`: inside GitHub Actions, publish the review as one sticky comment, judge
//! the pull request's approvals for independence, and set the merge gate's commit status.
//!
//! It never approves anything: it only reads reviews, and writes a comment, a status and
//! review requests. What it reads back from its comment is used only when GitHub says that
//! foureyes' own identity wrote it and nobody else edited it, and even then it can only
//! narrow what a later run does: a run without the plan opens the gate on nothing but an
//! independent approval of the head commit that it counted itself.
//!
//! Everything it prints, writes or sends passes one [`Redactor`] (in [`Edges`] and in the API
//! client), so the token never shows, even when the API echoes it back.

mod api;

use super::redact::Redactor;
use super::{
    approval_section, co_authors, conflict, cut_bytes, decisive, is_bot, is_commit, is_sticky,
    judge, link_co_authors, noreply_login, read_state, report_room, short, sticky_body,
    with_approval, Approvers, Change, Judged, Membership, Part, Person, Profile, Review,
    ReviewState, Standing, State,
};
use crate::exit::Exit;
use crate::judge::{Report, Verdict};
use crate::render::markdown;
use crate::ruleset::Ruleset;
pub(crate) use api::Deadlines;
use api::{Api, ApiError};
use serde::Deserialize;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::time::Duration;

/// The longest comment GitHub accepts, in characters.
const COMMENT_LIMIT: usize = 65_536;
/// The most a step's job summary may hold, in bytes (GitHub's limit is 1 MiB).
const SUMMARY_LIMIT: usize = 1024 * 1024;
/// The most room the gate note under the report may take, in bytes.
const NOTE_ROOM: usize = 2_000;
/// The longest commit status description GitHub accepts.
const DESCRIPTION_LIMIT: usize = 140;
/// Sticky-comment candidates whose authorship is checked at most.
const CANDIDATES: usize = 20;
/// The default deadline of one request.
pub(crate) const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The default time limit of the whole run.
pub(crate) const RUN_TIMEOUT: Duration = Duration::from_secs(600);

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
    /// How long to wait for GitHub.
    pub(crate) deadlines: Deadlines,
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
    /// `GITHUB_GRAPHQL_URL`; derived from the API's URL when unset.
    pub(crate) graphql_url: Option<String>,
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
            graphql_url: var("GITHUB_GRAPHQL_URL"),
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

    /// The GraphQL endpoint: `GITHUB_GRAPHQL_URL`, or the one beside the REST API
    /// (`https://api.github.com/graphql`; `https://HOST/api/graphql` on GitHub Enterprise
    /// Server, whose REST API is at `https://HOST/api/v3`).
    pub(crate) fn graphql(&self) -> String {
        if let Some(url) = &self.graphql_url {
            return url.clone();
        }
        let base = self.api_url.trim_end_matches('/');
        match base.strip_suffix("/api/v3") {
            Some(host) => format!("{host}/api/graphql"),
            None => format!("{base}/graphql"),
        }
    }

    /// The redactor for this job's token.
    pub(crate) fn redactor(&self) -> Redactor {
        Redactor::new(self.token.as_deref())
    }

    /// The page of this workflow run, where its job summary is, when the environment says.
    fn run_page(&self) -> Option<String> {
        let url = format!(
            "{}/{}/actions/runs/{}",
            self.server_url.as_deref()?.trim_end_matches('/'),
            self.repository,
            self.run_id.as_deref()?
        );
        // NOTE: it goes into a Markdown link: only characters a URL needs.
        url.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b":/._-".contains(&b))
            .then_some(url)
    }
}

/// The line `foureyes github` prints for an error it stops on: escaped for the CI log, and
/// with the token masked in every encoding.
pub(crate) fn error_line(error: &anyhow::Error) -> String {
    let line = crate::escape::ci_log(&format!("error: {error:#}"));
    Env::from_process().redactor().redact(&line)
}

/// Where the run's text leaves the process: stdout, stderr, the job summary and the outputs.
/// Everything passes the redactor here, as the last step.
struct Edges<'a> {
    env: &'a Env,
    redactor: Redactor,
}

impl Edges<'_> {
    fn stdout(&self, text: &str) -> std::io::Result<()> {
        let mut out = std::io::stdout().lock();
        out.write_all(self.redactor.redact(text).as_bytes())?;
        out.flush()
    }

    fn stderr(&self, text: &str) {
        eprintln!("{}", self.redactor.redact(&crate::escape::ci_log(text)));
    }

    /// Append to the job summary; a summary that cannot be written is only a warning.
    fn summary(&self, text: &str) {
        let Some(path) = &self.env.step_summary else {
            return;
        };
        let text = self.redactor.redact(text);
        let result = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .and_then(|mut f| f.write_all(text.as_bytes()));
        if let Err(e) = result {
            self.stderr(&format!(
                "warning: {}: cannot write the job summary: {e}",
                path.display()
            ));
        }
    }

    /// Write the outputs to `GITHUB_OUTPUT`, one line each.
    fn outputs(&self, values: &[(&str, String)]) -> anyhow::Result<()> {
        let Some(path) = &self.env.output else {
            return Ok(());
        };
        let mut text = String::new();
        for (name, value) in values {
            // NOTE: one line each; a line break would let a value set other outputs.
            let value: String = value.chars().filter(|c| !c.is_control()).collect();
            let _ = writeln!(text, "{name}={}", self.redactor.redact(&value));
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
}

/// A mistake in how the command is run, or GitHub failing: exit 2.
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
    /// The comment's GraphQL id, to ask who wrote and edited it.
    #[serde(default)]
    node_id: String,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    user: Option<User>,
    #[serde(default)]
    html_url: String,
}

/// Who wrote and who last edited a comment, and its body, as GitHub's GraphQL API tells.
const AUTHORSHIP_QUERY: &str = "query($ids: [ID!]!) { nodes(ids: $ids) { ... on IssueComment { \
    id viewerDidAuthor author { login } editor { login } lastEditedAt body } } }";

#[derive(Debug, Deserialize)]
struct GraphAnswer<T> {
    #[serde(default = "Option::default")]
    data: Option<T>,
    #[serde(default)]
    errors: Vec<GraphError>,
}

#[derive(Debug, Deserialize)]
struct GraphError {
    #[serde(default)]
    message: String,
}

#[derive(Debug, Deserialize)]
struct Nodes {
    nodes: Vec<Option<Authorship>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Authorship {
    id: String,
    /// The token's own identity wrote the comment.
    viewer_did_author: bool,
    #[serde(default)]
    author: Option<Actor>,
    /// Who last edited it, if anyone did.
    #[serde(default)]
    editor: Option<Actor>,
    #[serde(default)]
    last_edited_at: Option<String>,
    body: String,
}

#[derive(Debug, Clone, Deserialize)]
struct Actor {
    login: String,
}

impl Authorship {
    /// Why foureyes may not trust what the comment holds, if it may not: written by someone
    /// else, or last edited by anyone but its author.
    fn distrust(&self) -> Option<String> {
        let author = self.author.as_ref().map(|a| a.login.as_str());
        if !self.viewer_did_author {
            return Some(format!(
                "it was written by {}, not by the identity of this job's token",
                author.unwrap_or("an account GitHub no longer names")
            ));
        }
        let at = self
            .last_edited_at
            .as_deref()
            .map(|t| format!(" at {t}"))
            .unwrap_or_default();
        match (&self.editor, &self.last_edited_at) {
            (None, None) => None,
            (Some(e), _) if author.is_some_and(|a| a.eq_ignore_ascii_case(&e.login)) => None,
            (Some(e), _) => Some(format!("it was edited by {}{at}", e.login)),
            (None, Some(_)) => Some(format!(
                "it was edited{at} by an account GitHub no longer names"
            )),
        }
    }
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

/// Which run this is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Mode {
    /// With the plan: this run made the review, and decides the gate from it.
    #[default]
    Plan,
    /// A review event, without the plan: this run can only count approvals.
    Review,
}

/// foureyes' own comment, as found on the pull request.
struct Found<'a> {
    comment: &'a Comment,
    /// The body, when GitHub says foureyes wrote it and nobody else edited it.
    trusted: Option<String>,
}

/// What the run found and did, for the log, the job summary and the outputs.
#[derive(Debug, Default)]
struct Outcome {
    mode: Mode,
    /// The state the gate was decided on.
    state: Option<State>,
    /// The head commit of the pull request now.
    head: String,
    /// The body of the sticky comment as this run wrote (or would write) it.
    body: Option<String>,
    /// The report as the job summary shows it: whole, or as much as the summary holds.
    report: Option<String>,
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

    /// Whether the change may merge. A run with the plan opens on its own review (nothing
    /// needs approval) or on a counted approval; a run without it only on a counted approval.
    fn open(&self) -> bool {
        if self.undecided.is_some() {
            return false;
        }
        let approved = !self.approved_by().is_empty();
        match self.mode {
            Mode::Plan => !self.required() || approved,
            Mode::Review => approved,
        }
    }
}

/// Run the command: publish, judge, gate.
pub(crate) fn run(
    reviewed: Option<Reviewed<'_>>,
    options: &Options,
    env: &Env,
) -> anyhow::Result<Exit> {
    let edges = Edges {
        env,
        redactor: env.redactor(),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let outcome = runtime.block_on(publish(reviewed.as_ref(), options, env, &edges.redactor));
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) => {
            // Nothing was decided: say so where the user looks, then fail as an error.
            if let Some(r) = &reviewed {
                edges.summary(&format!(
                    "{}\n\n> **Error:** {}\n",
                    summary_report(r),
                    cut_bytes(&crate::escape::markdown(&e.to_string()), 4_096)
                ));
            }
            return Err(anyhow::anyhow!(edges.redactor.redact(&e.to_string())));
        }
    };
    log(reviewed.as_ref(), &outcome, options, &edges)?;
    edges.summary(&summary(reviewed.as_ref(), &outcome));
    let state = outcome.state.as_ref();
    edges.outputs(&[
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
        ("status", outcome.status.unwrap_or("none").to_owned()),
    ])?;
    Ok(Exit::of_gate(outcome.open(), options.exit_zero))
}

async fn publish(
    reviewed: Option<&Reviewed<'_>>,
    options: &Options,
    env: &Env,
    redactor: &Redactor,
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
    let api = Api::new(
        &env.api_url,
        env.token.clone(),
        redactor.clone(),
        options.deadlines,
    )
    .map_err(SetupError::Env)?;
    let pull: Pull = api
        .get(
            &format!("/repos/{repo}/pulls/{number}"),
            &format!("reading pull request #{number} of {repo}"),
        )
        .await?;
    // NOTE: the head goes into the status's URL and is compared with the state's.
    if !is_commit(&pull.head.sha) {
        return Err(ApiError::Shape {
            what: format!("reading pull request #{number} of {repo}"),
            error: format!(
                "the head `{}` is not a commit id",
                crate::escape::terminal(&pull.head.sha)
            ),
        }
        .into());
    }
    let mut outcome = Outcome {
        mode: if reviewed.is_some() {
            Mode::Plan
        } else {
            Mode::Review
        },
        head: pull.head.sha.clone(),
        ..Outcome::default()
    };
    let ctx = Ctx {
        api: &api,
        env,
        options,
        repo,
        number,
        pull: &pull,
    };
    let result = decide(&ctx, reviewed, &mut outcome).await;
    if let (Err(e), Some(r)) = (&result, reviewed) {
        // NOTE: a status set by an earlier review of this head must not stand for a review
        // that needs an approval this run could not look for.
        if r.report.verdict == Verdict::ApprovalRequired
            && outcome.status.is_none()
            && !e.is_out_of_time()
        {
            let state = State::new(r.report, &options.key, &pull.head.sha, "");
            outcome.state = Some(state);
            outcome.judged.clear();
            let _ = set_status(&ctx, &mut outcome).await;
        }
    }
    result?;
    Ok(outcome)
}

/// Find foureyes' comment, read its state when it can be trusted, and run the plan or the
/// review run.
async fn decide(
    ctx: &Ctx<'_>,
    reviewed: Option<&Reviewed<'_>>,
    outcome: &mut Outcome,
) -> Result<(), ApiError> {
    let (repo, number, options) = (ctx.repo, ctx.number, ctx.options);
    let comments: Vec<Comment> = ctx
        .api
        .list(
            &format!("/repos/{repo}/issues/{number}/comments"),
            &format!("reading the comments of pull request #{number}"),
        )
        .await?;
    let found = find_ours(ctx.api, ctx.env, options, &comments, outcome).await?;
    let prior = found.as_ref().and_then(|f| {
        let body = f.trusted.as_deref()?;
        match read_state(body, &options.key) {
            Ok(s) => Some(s),
            Err(e) => {
                outcome
                    .warnings
                    .push(format!("the foureyes comment's state is ignored: {e}"));
                None
            }
        }
    });
    outcome.comment_url = found.as_ref().map(|f| f.comment.html_url.clone());
    let found = found.as_ref();
    match reviewed {
        Some(r) => plan_run(ctx, r, found, prior, outcome).await,
        None => review_run(ctx, found, prior, outcome).await,
    }
}

/// What every step of a run works with.
struct Ctx<'a> {
    api: &'a Api,
    env: &'a Env,
    options: &'a Options,
    repo: &'a str,
    number: u64,
    pull: &'a Pull,
}

/// A run with the plan: it decides the gate from its own review, sets the status, then writes
/// the comment (or a short one, or says it could not).
async fn plan_run(
    ctx: &Ctx<'_>,
    r: &Reviewed<'_>,
    found: Option<&Found<'_>>,
    prior: Option<State>,
    outcome: &mut Outcome,
) -> Result<(), ApiError> {
    let head = ctx.pull.head.sha.as_str();
    let fresh = State::new(r.report, &ctx.options.key, head, "");
    // NOTE: only a trusted state may carry the time of publication over: moved back, it would
    // let an older approval count.
    let since = match &prior {
        Some(p) if p.fingerprint == fresh.fingerprint => p.since.clone(),
        _ => ctx.api.server_time().unwrap_or_else(super::time::now),
    };
    let state = State { since, ..fresh };
    outcome.state = Some(state.clone());
    if state.approval_required() {
        judge_all(ctx, &state, outcome).await?;
    }
    set_status(ctx, outcome).await?;
    let section = approval_section(&approval_lines(outcome).0, &outcome.judged, head);
    let (body, minimal) = compose(r, &state, ctx, &section, outcome);
    write_comment(ctx, found.map(|f| f.comment), &body, &minimal, outcome).await?;
    if state.approval_required() && outcome.approved_by().is_empty() {
        ask_for_reviews(ctx, outcome).await?;
    }
    Ok(())
}

/// A review-event run, without the plan: it can only count approvals. It opens the gate on an
/// independent approval of the head that it counted itself, and on nothing else.
async fn review_run(
    ctx: &Ctx<'_>,
    found: Option<&Found<'_>>,
    prior: Option<State>,
    outcome: &mut Outcome,
) -> Result<(), ApiError> {
    let head = ctx.pull.head.sha.as_str();
    let Some(state) = prior else {
        outcome.undecided = Some(match found {
            None => format!(
                "no foureyes comment with the key `{}` on pull request #{} to re-evaluate; the \
                 run with the plan posts it",
                ctx.options.key, ctx.number
            ),
            Some(_) => "the foureyes comment's state cannot be trusted (see the warnings); the \
                        next run with the plan rewrites it"
                .into(),
        });
        return Ok(());
    };
    outcome.state = Some(state.clone());
    let trusted = found.and_then(|f| Some((f.comment, f.trusted.as_deref()?)));
    let section = if state.head != head {
        outcome.undecided = Some(format!(
            "the foureyes comment is for commit {}, and the head is now {}; the run with the \
             plan for the new head decides",
            short(&state.head),
            short(head)
        ));
        approval_section(
            &format!(
                "New commits were pushed: the head is now {}, and this review is of {}. \
                 Approvals of {} no longer count; the run with the plan for the new head decides.",
                short(head),
                short(&state.head),
                short(&state.head)
            ),
            &[],
            head,
        )
    } else {
        judge_all(ctx, &state, outcome).await?;
        if outcome.approved_by().is_empty() && !state.approval_required() {
            // NOTE: only the run that made the review may open the gate without an approval:
            // what a comment says cannot.
            outcome.undecided = Some(
                "the run with the plan decided there was nothing to approve, and set the \
                 status; this run can only count approvals, and no independent approval of the \
                 head counts, so it leaves the status as it is"
                    .into(),
            );
        } else {
            set_status(ctx, outcome).await?;
            if outcome.approved_by().is_empty() {
                ask_for_reviews(ctx, outcome).await?;
            }
        }
        approval_section(&approval_lines(outcome).0, &outcome.judged, head)
    };
    if let Some((comment, body)) = trusted {
        update_section(ctx, comment, body, &section, outcome).await?;
    }
    Ok(())
}

/// Find foureyes' own sticky comment among those with its marker, and whether its body can be
/// trusted: GitHub must say that this job's identity wrote it and that nobody else edited it.
/// When GitHub cannot say, nothing is trusted, and the oldest marked comment by a bot is the
/// one updated.
async fn find_ours<'c>(
    api: &Api,
    env: &Env,
    options: &Options,
    comments: &'c [Comment],
    outcome: &mut Outcome,
) -> Result<Option<Found<'c>>, ApiError> {
    let candidates: Vec<&Comment> = comments
        .iter()
        .filter(|c| {
            c.body
                .as_deref()
                .is_some_and(|b| is_sticky(b, &options.key))
        })
        .take(CANDIDATES)
        .collect();
    if candidates.is_empty() {
        return Ok(None);
    }
    let ids: Vec<String> = candidates.iter().map(|c| c.node_id.clone()).collect();
    match authorship(api, env, &ids).await {
        Ok(nodes) => {
            let mut ours = candidates.iter().zip(&nodes).filter_map(|(c, n)| {
                let n = n.as_ref()?;
                (n.viewer_did_author && n.id == c.node_id).then_some((*c, n))
            });
            let Some((comment, node)) = ours.next() else {
                outcome.warnings.push(format!(
                    "{} comment{} with the foureyes marker for the key `{}` {} not written by \
                     this job's identity, and {} ignored",
                    candidates.len(),
                    if candidates.len() == 1 { "" } else { "s" },
                    options.key,
                    if candidates.len() == 1 { "is" } else { "are" },
                    if candidates.len() == 1 { "is" } else { "are" },
                ));
                return Ok(None);
            };
            if ours.next().is_some() {
                outcome.warnings.push(format!(
                    "more than one foureyes comment has the key `{}`; the oldest is used",
                    options.key
                ));
            }
            let trusted = match node.distrust() {
                None => Some(node.body.clone()),
                Some(why) => {
                    outcome.warnings.push(format!(
                        "the foureyes comment's state is ignored: {why}; the next run with the \
                         plan rewrites it"
                    ));
                    None
                }
            };
            Ok(Some(Found { comment, trusted }))
        }
        Err(AuthorshipError::Api(e)) if e.is_timeout() => Err(e),
        Err(e) => {
            outcome.warnings.push(format!(
                "cannot tell who wrote or edited the foureyes comment, so its state is ignored: \
                 {e}"
            ));
            // NOTE: anyone can post the marker; only a bot's comment may be foureyes'.
            let comment = candidates.into_iter().find(|c| {
                c.user
                    .as_ref()
                    .is_some_and(|u| is_bot(&u.login, u.kind == "Bot"))
            });
            Ok(comment.map(|comment| Found {
                comment,
                trusted: None,
            }))
        }
    }
}

/// Why GitHub's GraphQL API did not tell who wrote a comment.
#[derive(Debug, thiserror::Error)]
enum AuthorshipError {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error("{0}")]
    Other(String),
}

/// Ask GitHub's GraphQL API who wrote and last edited these comments, by their node ids.
async fn authorship(
    api: &Api,
    env: &Env,
    ids: &[String],
) -> Result<Vec<Option<Authorship>>, AuthorshipError> {
    let url = env.graphql();
    // NOTE: the token goes with the query: only to the API's own host.
    if !api.same_origin(&url) {
        return Err(AuthorshipError::Other(format!(
            "the GraphQL API at {} is not on the host of GITHUB_API_URL",
            crate::escape::terminal(&url)
        )));
    }
    if ids.iter().any(String::is_empty) {
        return Err(AuthorshipError::Other(
            "GitHub did not give the comment's node id".into(),
        ));
    }
    let query = serde_json::json!({ "query": AUTHORSHIP_QUERY, "variables": { "ids": ids } });
    let what = "asking GitHub's GraphQL API who wrote and edited the foureyes comment";
    let answer = api
        .send(http::Method::POST, &url, Some(&query), what)
        .await?;
    let answer: GraphAnswer<Nodes> = serde_json::from_str(&answer.body)
        .map_err(|e| AuthorshipError::Other(format!("{what}: unexpected answer: {e}")))?;
    if let Some(first) = answer.errors.first() {
        return Err(AuthorshipError::Other(format!(
            "{what}: GitHub answered: {}",
            crate::escape::terminal(&first.message)
        )));
    }
    let nodes = answer
        .data
        .ok_or_else(|| AuthorshipError::Other(format!("{what}: the answer has no data")))?
        .nodes;
    if nodes.len() != ids.len() {
        return Err(AuthorshipError::Other(format!(
            "{what}: asked about {} comments, told about {}",
            ids.len(),
            nodes.len()
        )));
    }
    Ok(nodes)
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

/// The comment for a review made in this run, and the short one posted instead when GitHub
/// refuses it. The report gets the room the marker, the note, the approval section and the
/// state leave; what does not fit is summarized, with a pointer to the job summary.
fn compose(
    r: &Reviewed<'_>,
    state: &State,
    ctx: &Ctx<'_>,
    section: &str,
    outcome: &mut Outcome,
) -> (String, String) {
    let note = cut_bytes(&gate_note(state, ctx.options), NOTE_ROOM);
    let pointer = pointer(ctx.env);
    let minimal = minimal_body(state, &note, &pointer, section);
    let room = report_room(state, COMMENT_LIMIT).saturating_sub(note.len() + pointer.len() + 8);
    let report = markdown::render_within(r.report, r.ruleset, room);
    let whole = summary_report(r);
    let text = if report == whole {
        format!("{report}\n\n{note}")
    } else {
        format!("{report}\n\n{note}\n\n{pointer}")
    };
    outcome.report = Some(whole);
    let body = sticky_body(state, &text, section);
    if body.chars().count() > COMMENT_LIMIT {
        outcome.warnings.push(format!(
            "the report did not fit in one comment ({} characters of {COMMENT_LIMIT}); the \
             comment has the verdict and the counts, and the job summary the report",
            body.chars().count()
        ));
        return (minimal.clone(), minimal);
    }
    (body, minimal)
}

/// Where the whole report is: the job summary of this run, and the JSON and SARIF reports.
fn pointer(env: &Env) -> String {
    let summary = match env.run_page() {
        Some(url) => format!("the [job summary]({url}) of this workflow run"),
        None => "the job summary of this workflow run".to_owned(),
    };
    format!(
        "The full report is in {summary}; `foureyes review --format json` or `--format sarif` \
         on the plan lists every finding."
    )
}

/// The short comment: the verdict, the counts, where the report is, and the state.
fn minimal_body(state: &State, note: &str, pointer: &str, section: &str) -> String {
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
    } else {
        format!(
            "### :white_check_mark: No independent approval required: nothing at or above {}",
            state.approval_severity
        )
    };
    let list = |map: &std::collections::BTreeMap<String, usize>| {
        map.iter()
            .map(|(k, n)| format!("{n} `{}`", crate::escape::markdown(k)))
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

/// The report for the job summary, in the room it has there. Should the renderer not keep to
/// that room, a note says where the report is instead: a summary over GitHub's limit would not
/// show at all.
fn summary_report(r: &Reviewed<'_>) -> String {
    let room = summary_room();
    let report = markdown::render_within(r.report, r.ruleset, room);
    if report.len() <= room {
        return report;
    }
    format!(
        "The report is too big for the job summary ({} bytes of {room}): \
         `foureyes review --format text`, `--format json` or `--format sarif` on the plan shows \
         every finding.",
        report.len()
    )
}

/// The room for the report in the job summary, with room kept for the rest of it.
fn summary_room() -> usize {
    // NOTE: the approval part and the warnings are cut to fit in what is kept.
    SUMMARY_LIMIT - SUMMARY_TAIL - 1_024
}

/// The most the approval part and the warnings of the job summary take, in bytes.
const SUMMARY_TAIL: usize = 64 * 1024;

/// Set the commit status from what the run decided. A status GitHub refuses is a warning (the
/// exit code keeps the verdict); GitHub not answering in time is an error.
async fn set_status(ctx: &Ctx<'_>, outcome: &mut Outcome) -> Result<(), ApiError> {
    let (api, options, repo) = (ctx.api, ctx.options, ctx.repo);
    let state = outcome
        .state
        .clone()
        .expect("the state is set before the status");
    let head = outcome.head.clone();
    let (status, description) = if let Some(first) = outcome.approved_by().first() {
        (
            "success",
            format!(
                "Independently approved by {}",
                crate::escape::terminal(first)
            ),
        )
    } else if !state.approval_required() && outcome.mode == Mode::Plan {
        ("success", "No independent approval required".to_owned())
    } else {
        ("failure", missing_description(&state))
    };
    let mut body = serde_json::json!({
        "state": status,
        "context": options.status_context,
        "description": cut(&description, DESCRIPTION_LIMIT),
    });
    if let Some(page) = ctx.env.run_page() {
        body["target_url"] = page.into();
    }
    if options.dry_run {
        outcome.would.push(format!(
            "set the status `{}` on {} to {status}: {description}",
            options.status_context,
            short(&head)
        ));
        return Ok(());
    }
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
        Err(e) if e.is_timeout() => return Err(e),
        Err(e) => outcome.warnings.push(e.to_string()),
    }
    Ok(())
}

/// Create the sticky comment, or update it when its body changed. When GitHub refuses the
/// body, the short one is posted instead, so that the state is there for the next run; the
/// gate was set before, from this run's review, whatever happens here.
async fn write_comment(
    ctx: &Ctx<'_>,
    existing: Option<&Comment>,
    body: &str,
    minimal: &str,
    outcome: &mut Outcome,
) -> Result<(), ApiError> {
    let (api, options, repo, number) = (ctx.api, ctx.options, ctx.repo, ctx.number);
    outcome.body = Some(body.to_owned());
    let (method, path, verb) = match existing {
        Some(c) if c.body.as_deref() == Some(body) => return Ok(()),
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
        return Ok(());
    }
    let what = format!("{verb} the foureyes comment");
    let send = |text: &str| {
        let payload = serde_json::json!({ "body": text });
        let (method, path, what) = (method.clone(), path.clone(), what.clone());
        async move { api.send(method, &path, Some(&payload), &what).await }
    };
    let first = match send(body).await {
        Ok(answer) => {
            note_url(outcome, &answer.body);
            return Ok(());
        }
        Err(e) if e.is_out_of_time() => return Err(e),
        Err(e) => e,
    };
    // NOTE: a request that timed out may still have been carried out; posting again could
    // leave two comments.
    if first.is_timeout() || body == minimal {
        outcome.warnings.push(format!(
            "{first}; the status was set from this run's review regardless"
        ));
        return Ok(());
    }
    match send(minimal).await {
        Ok(answer) => {
            note_url(outcome, &answer.body);
            outcome.body = Some(minimal.to_owned());
            outcome.warnings.push(format!(
                "{first}; a short comment with the verdict, the counts and the state was posted \
                 instead, and the report is in the job summary"
            ));
        }
        Err(e) if e.is_out_of_time() => return Err(e),
        Err(second) => outcome.warnings.push(format!(
            "{first}; the short comment was refused too ({second}); the status was set from this \
             run's review regardless"
        )),
    }
    Ok(())
}

fn note_url(outcome: &mut Outcome, answer: &str) {
    if let Ok(c) = serde_json::from_str::<Comment>(answer) {
        outcome.comment_url = Some(c.html_url);
    }
}

/// Rewrite the approval section of foureyes' own, trusted comment, and nothing else. Just
/// before writing, GitHub is asked again: when the comment changed meanwhile (a run with the
/// plan rewrote it, or someone edited it), it is left alone.
async fn update_section(
    ctx: &Ctx<'_>,
    comment: &Comment,
    trusted: &str,
    section: &str,
    outcome: &mut Outcome,
) -> Result<(), ApiError> {
    let (api, env, options, repo) = (ctx.api, ctx.env, ctx.options, ctx.repo);
    let Some(body) = with_approval(trusted, section) else {
        return Ok(());
    };
    if body == trusted {
        return Ok(());
    }
    outcome.body = Some(body.clone());
    if body.chars().count() > COMMENT_LIMIT {
        outcome.warnings.push(
            "the approval section would make the foureyes comment too long; it is left as it is"
                .into(),
        );
        return Ok(());
    }
    if options.dry_run {
        outcome
            .would
            .push("update the approval section of the comment".into());
        return Ok(());
    }
    let unchanged = match authorship(api, env, std::slice::from_ref(&comment.node_id)).await {
        Ok(nodes) => nodes
            .first()
            .and_then(Option::as_ref)
            .is_some_and(|n| n.viewer_did_author && n.distrust().is_none() && n.body == trusted),
        Err(AuthorshipError::Api(e)) if e.is_timeout() => return Err(e),
        Err(_) => false,
    };
    if !unchanged {
        outcome.warnings.push(
            "the foureyes comment changed while this run read it; its approval section is left \
             for the next run"
                .into(),
        );
        return Ok(());
    }
    let payload = serde_json::json!({ "body": body });
    match api
        .send(
            http::Method::PATCH,
            &format!("/repos/{repo}/issues/comments/{}", comment.id),
            Some(&payload),
            "update the approval section of the foureyes comment",
        )
        .await
    {
        Ok(answer) => note_url(outcome, &answer.body),
        Err(e) if e.is_out_of_time() => return Err(e),
        Err(e) => outcome.warnings.push(e.to_string()),
    }
    Ok(())
}

/// Judge every reviewer's decisive review, into the outcome.
async fn judge_all(ctx: &Ctx<'_>, state: &State, outcome: &mut Outcome) -> Result<(), ApiError> {
    if ctx.pull.state != "open" {
        outcome.warnings.push(format!(
            "pull request #{} is {}",
            ctx.number, ctx.pull.state
        ));
    }
    outcome.judged = approvals(ctx, state).await?;
    Ok(())
}

/// Judge every reviewer's decisive review.
async fn approvals(ctx: &Ctx<'_>, state: &State) -> Result<Vec<Judged>, ApiError> {
    let (api, repo, number, pull, options) = (ctx.api, ctx.repo, ctx.number, ctx.pull, ctx.options);
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
            profile = match api
                .get::<ApiProfile>(
                    &format!("/users/{}", review.login),
                    &format!("reading the profile of {}", review.login),
                )
                .await
            {
                Ok(p) => Some(Profile {
                    name: p.name,
                    email: p.email,
                }),
                Err(e) if e.is_timeout() => return Err(e),
                Err(_) => None,
            };
        }
        let membership = if review.state == ReviewState::Approved
            && conflict(review, &change, profile.as_ref()).is_none()
        {
            membership(api, &options.approvers, &review.login).await?
        } else {
            Membership::NotMember
        };
        let approved_before = reviews.iter().any(|r| {
            r.login.eq_ignore_ascii_case(&review.login) && r.state == ReviewState::Approved
        });
        out.push(judge(
            review,
            approved_before,
            &change,
            profile.as_ref(),
            &membership,
        ));
    }
    Ok(out)
}

/// Everyone who wrote, committed or co-authored one of the commits, co-authors linked to the
/// accounts whose commits use their address.
fn people(commits: &[ApiCommit]) -> Vec<Person> {
    let mut out = Vec::new();
    for c in commits {
        for (user, actor, part, role) in [
            (&c.author, &c.commit.author, Part::Author, "author of"),
            (
                &c.committer,
                &c.commit.committer,
                Part::Committer,
                "committer of",
            ),
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
                part,
                role: format!("{role} {}", short(&c.sha)),
            });
        }
        out.extend(co_authors(&c.commit.message, &c.sha));
    }
    link_co_authors(&mut out);
    out
}

/// Whether a reviewer is one of the configured approvers. GitHub not answering in time is an
/// error; any other failure leaves membership unknown, so the approval does not count.
async fn membership(api: &Api, approvers: &Approvers, login: &str) -> Result<Membership, ApiError> {
    if approvers.is_empty() {
        return Ok(Membership::Member(
            "any independent reviewer may approve".into(),
        ));
    }
    if approvers
        .users
        .iter()
        .any(|u| u.eq_ignore_ascii_case(login))
    {
        return Ok(Membership::Member("a listed approver".into()));
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
                return Ok(Membership::Member(format!("a member of {org}/{team}")))
            }
            Ok(_) => {}
            Err(e) if e.status() == Some(404) => {}
            Err(e) if e.is_timeout() => return Err(e),
            Err(e) => {
                return Ok(Membership::Unknown(format!(
                    "membership of {org}/{team} could not be read ({}); team approvers need a \
                     token that may read the organization's members",
                    e.status()
                        .map_or_else(|| "no answer".into(), |s| s.to_string())
                )))
            }
        }
    }
    Ok(Membership::NotMember)
}

/// Ask the configured approvers for a review; a refused request is a warning.
async fn ask_for_reviews(ctx: &Ctx<'_>, outcome: &mut Outcome) -> Result<(), ApiError> {
    match request_reviews(ctx, &outcome.judged).await {
        Ok(Some(would)) => outcome.would.push(would),
        Ok(None) => {}
        Err(e) if e.is_out_of_time() => return Err(e),
        Err(e) => outcome.warnings.push(e.to_string()),
    }
    Ok(())
}

/// Ask the configured approvers for a review, except those already asked or not independent.
/// A dry run says what it would ask.
async fn request_reviews(ctx: &Ctx<'_>, judged: &[Judged]) -> Result<Option<String>, ApiError> {
    let (api, options, repo, number, pull) = (ctx.api, ctx.options, ctx.repo, ctx.number, ctx.pull);
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
}

/// The status description while approval is missing.
fn missing_description(state: &State) -> String {
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

/// The job summary: the whole report (run with the plan), then who approved and why others
/// did not count, then the warnings; within GitHub's limit for a step.
fn summary(reviewed: Option<&Reviewed<'_>>, outcome: &Outcome) -> String {
    let (headline, reviewers) = approval_lines(outcome);
    let mut tail = String::from("\n## Independent approval\n\n");
    tail.push_str(&crate::escape::markdown(&headline));
    tail.push_str("\n\n");
    for (login, standing) in &reviewers {
        let _ = writeln!(
            tail,
            "- **{}**: {}",
            crate::escape::markdown(login),
            crate::escape::markdown(standing)
        );
    }
    if let Some(url) = &outcome.comment_url {
        let _ = writeln!(tail, "\nThe comment: {}", crate::escape::markdown(url));
    }
    for w in &outcome.warnings {
        let _ = writeln!(tail, "\n> **Warning:** {}", crate::escape::markdown(w));
    }
    let tail = cut_bytes(&tail, SUMMARY_TAIL);
    match (&outcome.report, reviewed) {
        (Some(report), _) => format!("{report}\n{tail}"),
        (None, Some(r)) => format!("{}\n{tail}", summary_report(r)),
        (None, None) => tail,
    }
}

/// The decision in one line, then each reviewer and whether their review counts.
fn approval_lines(outcome: &Outcome) -> (String, Vec<(String, String)>) {
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

/// Print the report and the decision to the job log.
fn log(
    reviewed: Option<&Reviewed<'_>>,
    outcome: &Outcome,
    options: &Options,
    edges: &Edges<'_>,
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
            let _ = writeln!(text, "  {}", crate::escape::terminal(w));
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
    let mut out = String::new();
    // NOTE: text from the plan must not run as workflow commands (`::add-mask::`, ...).
    let stop = edges.env.actions.then(stop_token);
    if let Some(t) = &stop {
        let _ = writeln!(out, "::stop-commands::{t}");
    }
    out.push_str(&text);
    if let Some(t) = &stop {
        let _ = writeln!(out, "::{t}::");
    }
    for w in &outcome.warnings {
        if edges.env.actions {
            let _ = writeln!(
                out,
                "::warning title=foureyes::{}",
                crate::escape::command_data(w)
            );
        } else {
            edges.stderr(&format!("warning: {w}"));
        }
    }
    edges.stdout(&out)?;
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

/// Cut text to `limit` characters, with an ellipsis.
fn cut(text: &str, limit: usize) -> String {
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

    #[test]
    fn graphql_is_beside_the_rest_api_unless_set() {
        let env = |api: &str, graphql: Option<&str>| Env {
            api_url: api.into(),
            graphql_url: graphql.map(str::to_owned),
            ..Env::default()
        };
        assert_eq!(
            env("https://api.github.com", None).graphql(),
            "https://api.github.com/graphql"
        );
        assert_eq!(
            env("https://ghe.example/api/v3/", None).graphql(),
            "https://ghe.example/api/graphql"
        );
        assert_eq!(
            env(
                "https://api.github.com",
                Some("https://api.github.com/graphql2")
            )
            .graphql(),
            "https://api.github.com/graphql2"
        );
    }

    fn node(viewer: bool, author: &str, editor: Option<&str>, at: Option<&str>) -> Authorship {
        Authorship {
            id: "IC_1".into(),
            viewer_did_author: viewer,
            author: Some(Actor {
                login: author.into(),
            }),
            editor: editor.map(|e| Actor { login: e.into() }),
            last_edited_at: at.map(str::to_owned),
            body: String::new(),
        }
    }

    #[test]
    fn only_a_comment_by_the_token_edited_by_nobody_else_is_trusted() {
        let at = Some("2026-11-22T08:00:00Z");
        assert_eq!(node(true, "github-actions", None, None).distrust(), None);
        assert_eq!(
            node(true, "github-actions", Some("GitHub-Actions"), at).distrust(),
            None
        );
        assert_eq!(
            node(true, "github-actions", Some("mallory"), at)
                .distrust()
                .as_deref(),
            Some("it was edited by mallory at 2026-11-22T08:00:00Z")
        );
        assert!(node(true, "github-actions", None, at)
            .distrust()
            .is_some_and(|w| w.contains("no longer names")));
        assert!(node(false, "other-app", None, None)
            .distrust()
            .is_some_and(|w| w.contains("written by other-app")));
    }
}
