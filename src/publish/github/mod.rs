//! GitHub: the first forge. Its API for one pull request ([`GitHub`], a [`Forge`]), and its
//! Actions job ([`Actions`], a [`Job`]): the event that names the pull request, the token, the
//! log with workflow commands stopped, the step summary and `GITHUB_OUTPUT`.
//!
//! What is GitHub's alone stays here: who wrote and edited a comment comes from its GraphQL
//! API (the REST API only names the author), no-reply addresses name accounts, teams of the
//! repository's organization can be asked for a review, and the status carries the run's page.
//! Everything it prints, writes or sends passes one [`Redactor`] (in [`Actions`] and in the
//! API client), so the token never shows, even when the API echoes it back.

use super::approval::{Commit, Identity, Profile, Review, ReviewState};
use super::gate;
use super::http::{Api, ApiError, Dialect};
use super::redact::Redactor;
use super::state::Authorship;
use super::{
    Account, ChangeRequest, ChangedFiles, Comment, FileAt, Forge, ForgeError, Job, Options,
    Planned, Registered, Status, Terms,
};
use crate::controls::{ChangedFile, Status as FileStatus};
use crate::exit::Exit;
use serde::Deserialize;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

/// `foureyes github`.
pub(crate) const FORGE: Registered = Registered {
    name: "github",
    about: "In GitHub Actions on a pull request: review, keep one sticky comment up to date, and \
            set a commit status that passes only once someone independent of the change approves",
    long_about: "In GitHub Actions on a pull request: review, keep one sticky comment up to date, \
                 and set a commit status that passes only once someone independent of the change \
                 approves.\n\n\
                 Reads GITHUB_TOKEN, GITHUB_API_URL, GITHUB_REPOSITORY, GITHUB_EVENT_NAME, \
                 GITHUB_EVENT_PATH, GITHUB_WORKSPACE, GITHUB_STEP_SUMMARY and GITHUB_OUTPUT. \
                 The pull request's own files are read through the API and checked for control \
                 tampering (the token needs contents: read and pull-requests: read). Exit codes: 0 no \
                 approval required or independently approved, 1 approval missing, 2 usage, \
                 configuration, input or GitHub API error.",
    help: &[
        (
            "inputs",
            "Plan JSON files. Optional on `pull_request_review` events: the verdict is then read \
             back from foureyes' own comment, and the run can only count approvals, so the job \
             needs no cloud credentials",
        ),
        (
            "request_timeout",
            "Give up on a request to GitHub that has not answered in full within this many \
             seconds (connecting, the headers and the whole body)",
        ),
        (
            "timeout",
            "Give up when talking to GitHub takes longer than this many seconds in all, retries \
             and rate-limit waits included",
        ),
    ],
    account_prefix: "github:user/",
    run,
    error_line,
};

/// How GitHub's REST API speaks.
const DIALECT: Dialect = Dialect {
    forge: "GitHub",
    url_variable: "GITHUB_API_URL",
    json: "application/vnd.github+json",
    raw: "application/vnd.github.raw+json",
    headers: &[("X-GitHub-Api-Version", "2022-11-28")],
    reset: "x-ratelimit-reset",
    limited_403: true,
    hint: super::http::github_hint,
};

/// The longest comment GitHub accepts, in characters.
const COMMENT_LIMIT: usize = 65_536;
/// The most a step's job summary may hold, in bytes (GitHub's limit is 1 MiB).
const SUMMARY_LIMIT: usize = 1024 * 1024;
/// The longest commit status description GitHub accepts.
const DESCRIPTION_LIMIT: usize = 140;

/// `foureyes github`: publish, judge, gate, in the GitHub Actions job of this process.
fn run(planned: Option<Planned<'_>>, options: &Options) -> anyhow::Result<Exit> {
    let env = Env::from_process();
    if planned.is_none() && env.event_name != "pull_request_review" {
        anyhow::bail!(
            "no plan given: foureyes github needs the plan, except on pull_request_review \
             events, where it reads the verdict back from its own comment and counts approvals"
        );
    }
    gate::run(&Actions::new(env), planned, options)
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
    /// `GITHUB_WORKSPACE`: the repository's checkout, when there is one.
    pub(crate) workspace: Option<PathBuf>,
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
            workspace: var("GITHUB_WORKSPACE").map(PathBuf::from),
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
fn error_line(error: &anyhow::Error) -> String {
    let line = crate::escape::ci_log(&format!("error: {error:#}"));
    Env::from_process().redactor().redact(&line)
}

/// A mistake in how the job is set up: the message says what to fix.
fn setup(message: String) -> ForgeError {
    ForgeError::new(message, None)
}

/// The GitHub Actions job this process runs in: where the run's text leaves the process
/// (stdout, stderr, the job summary and the outputs). Everything passes the redactor here, as
/// the last step.
pub(crate) struct Actions {
    env: Env,
    redactor: Redactor,
}

impl Actions {
    fn new(env: Env) -> Actions {
        let redactor = env.redactor();
        Actions { env, redactor }
    }

    fn stdout(&self, text: &str) -> std::io::Result<()> {
        let mut out = std::io::stdout().lock();
        out.write_all(self.redactor.redact(text).as_bytes())?;
        out.flush()
    }

    fn stderr(&self, text: &str) {
        eprintln!("{}", self.redactor.redact(&crate::escape::ci_log(text)));
    }
}

impl Job for Actions {
    type Forge = GitHub;
    const TERMS: Terms = Terms {
        forge: "GitHub",
        request: "pull request",
        summary: "the job summary",
        team_access: "team approvers need a token that may read the organization's members",
    };
    const SUMMARY_LIMIT: usize = SUMMARY_LIMIT;

    fn connect(&self, options: &Options) -> Result<GitHub, ForgeError> {
        let env = &self.env;
        let repo = env.repository.as_str();
        if repo.split('/').count() != 2 || repo.split('/').any(str::is_empty) {
            return Err(setup(format!(
                "GITHUB_REPOSITORY must be `owner/name`, not `{}`",
                crate::escape::terminal(repo)
            )));
        }
        let number = pull_number(env)?;
        if env.token.is_none() && !options.dry_run {
            return Err(setup(
                "GITHUB_TOKEN is not set: pass the action's `token` input or set GITHUB_TOKEN \
                 (a dry run can do without)"
                    .into(),
            ));
        }
        let api = Api::new(
            DIALECT,
            &env.api_url,
            env.token.clone(),
            self.redactor.clone(),
            options.deadlines,
        )
        .map_err(setup)?;
        Ok(GitHub {
            api,
            repo: repo.to_owned(),
            number,
            graphql: env.graphql(),
            run_page: env.run_page(),
        })
    }

    fn report_place(&self) -> String {
        match self.env.run_page() {
            Some(url) => format!("the [job summary]({url}) of this workflow run"),
            None => "the job summary of this workflow run".to_owned(),
        }
    }

    fn log(&self, text: &str, warnings: &[String]) -> anyhow::Result<()> {
        let mut out = String::new();
        // NOTE: text from the plan must not run as workflow commands (`::add-mask::`, ...).
        let stop = self.env.actions.then(stop_token);
        if let Some(t) = &stop {
            let _ = writeln!(out, "::stop-commands::{t}");
        }
        out.push_str(text);
        if let Some(t) = &stop {
            let _ = writeln!(out, "::{t}::");
        }
        for w in warnings {
            if self.env.actions {
                let _ = writeln!(
                    out,
                    "::warning title=foureyes::{}",
                    crate::escape::command_data(w)
                );
            } else {
                self.stderr(&format!("warning: {w}"));
            }
        }
        self.stdout(&out)?;
        Ok(())
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

    fn redact(&self, text: &str) -> String {
        self.redactor.redact(text)
    }

    fn root(&self) -> Option<PathBuf> {
        self.env.workspace.clone()
    }
}

/// GitHub's API, for one pull request.
pub(crate) struct GitHub {
    api: Api,
    /// `owner/name`.
    repo: String,
    /// The pull request's number.
    number: u64,
    /// The GraphQL endpoint.
    graphql: String,
    /// The page of this workflow run, for the status to link to.
    run_page: Option<String>,
}

/// How GitHub identifies a comment: by number for REST, by node id for GraphQL.
#[derive(Debug, Clone)]
pub(crate) struct CommentId {
    id: u64,
    /// The comment's GraphQL id, to ask who wrote and edited it.
    node: String,
}

impl Forge for GitHub {
    type CommentId = CommentId;
    const COMMENT_LIMIT: usize = COMMENT_LIMIT;
    const DESCRIPTION_LIMIT: usize = DESCRIPTION_LIMIT;

    async fn change_request(&self) -> Result<ChangeRequest, ForgeError> {
        let (repo, number) = (&self.repo, self.number);
        let what = format!("reading pull request #{number} of {repo}");
        let pull: Pull = self
            .api
            .get(&format!("/repos/{repo}/pulls/{number}"), &what)
            .await?;
        // NOTE: the head goes into the status's URL and is compared with the state's.
        self.api.commit(&pull.head.sha, "head", &what)?;
        Ok(ChangeRequest {
            name: format!("pull request #{number}"),
            head: pull.head.sha,
            author: pull.user.login,
            open: pull.state == "open",
            state: pull.state,
            commits: pull.commits,
            base: pull.base.map(|b| b.sha),
            changed_files: pull.changed_files,
            requested_users: pull
                .requested_reviewers
                .into_iter()
                .map(|u| u.login)
                .collect(),
            requested_teams: pull.requested_teams.into_iter().map(|t| t.slug).collect(),
            // NOTE: GitHub asks only teams of the repository's organization for a review.
            team_owner: repo.split('/').next().map(str::to_owned),
        })
    }

    async fn comments(&self) -> Result<Vec<Comment<CommentId>>, ForgeError> {
        let (repo, number) = (&self.repo, self.number);
        let comments: Vec<ApiComment> = self
            .api
            .list(
                &format!("/repos/{repo}/issues/{number}/comments"),
                &format!("reading the comments of pull request #{number}"),
            )
            .await?;
        Ok(comments
            .into_iter()
            .map(|c| Comment {
                id: CommentId {
                    id: c.id,
                    node: c.node_id,
                },
                body: c.body,
                author: c.user.map(|u| Account {
                    bot: u.kind == "Bot",
                    login: u.login,
                }),
                url: c.html_url,
            })
            .collect())
    }

    /// Ask GitHub's GraphQL API who wrote and last edited these comments, by their node ids:
    /// the REST API only names the author.
    async fn authorship(
        &self,
        comments: &[&Comment<CommentId>],
    ) -> Result<Vec<Option<Authorship>>, ForgeError> {
        let url = &self.graphql;
        // NOTE: the token goes with the query: only to the API's own host.
        if !self.api.same_origin(url) {
            return Err(ForgeError::new(
                format!(
                    "the GraphQL API at {} is not on the host of GITHUB_API_URL",
                    crate::escape::terminal(url)
                ),
                None,
            ));
        }
        let ids: Vec<&str> = comments.iter().map(|c| c.id.node.as_str()).collect();
        if ids.iter().any(|id| id.is_empty()) {
            return Err(ForgeError::new(
                "GitHub did not give the comment's node id".into(),
                None,
            ));
        }
        let query = serde_json::json!({ "query": AUTHORSHIP_QUERY, "variables": { "ids": ids } });
        let what = "asking GitHub's GraphQL API who wrote and edited the foureyes comment";
        let answer = self
            .api
            .send(http::Method::POST, url, Some(&query), what)
            .await?;
        let other = |message: String| ForgeError::new(message, None);
        let answer: GraphAnswer<Nodes> = serde_json::from_str(&answer.body)
            .map_err(|e| other(format!("{what}: unexpected answer: {e}")))?;
        if let Some(first) = answer.errors.first() {
            return Err(other(format!(
                "{what}: GitHub answered: {}",
                crate::escape::terminal(&first.message)
            )));
        }
        let nodes = answer
            .data
            .ok_or_else(|| other(format!("{what}: the answer has no data")))?
            .nodes;
        if nodes.len() != ids.len() {
            return Err(other(format!(
                "{what}: asked about {} comments, told about {}",
                ids.len(),
                nodes.len()
            )));
        }
        Ok(nodes
            .into_iter()
            .zip(ids)
            .map(|(node, id)| {
                // NOTE: an answer about another comment says nothing about this one.
                let node = node.filter(|n| n.id == id)?;
                Some(Authorship {
                    viewer_did_author: node.viewer_did_author,
                    author: node.author.map(|a| a.login),
                    editor: node.editor.map(|e| e.login),
                    last_edited_at: node.last_edited_at,
                    body: node.body,
                })
            })
            .collect())
    }

    async fn create_comment(&self, body: &str, what: &str) -> Result<Option<String>, ForgeError> {
        let path = format!("/repos/{}/issues/{}/comments", self.repo, self.number);
        self.write_comment(http::Method::POST, &path, body, what)
            .await
    }

    async fn update_comment(
        &self,
        id: &CommentId,
        body: &str,
        what: &str,
    ) -> Result<Option<String>, ForgeError> {
        let path = format!("/repos/{}/issues/comments/{}", self.repo, id.id);
        self.write_comment(http::Method::PATCH, &path, body, what)
            .await
    }

    async fn reviews(&self) -> Result<Vec<Review>, ForgeError> {
        let (repo, number) = (&self.repo, self.number);
        let raw: Vec<ApiReview> = self
            .api
            .list(
                &format!("/repos/{repo}/pulls/{number}/reviews"),
                &format!("reading the reviews of pull request #{number}"),
            )
            .await?;
        Ok(raw
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
            .collect())
    }

    async fn commits(&self) -> Result<Vec<Commit>, ForgeError> {
        let (repo, number) = (&self.repo, self.number);
        let commits: Vec<ApiCommit> = self
            .api
            .list(
                &format!("/repos/{repo}/pulls/{number}/commits"),
                &format!("reading the commits of pull request #{number}"),
            )
            .await?;
        let identity = |user: Option<User>, actor: Option<GitActor>| {
            let actor = actor.unwrap_or_default();
            Identity {
                login: user.map(|u| u.login),
                name: actor.name,
                email: actor.email,
            }
        };
        Ok(commits
            .into_iter()
            .map(|c| Commit {
                author: identity(c.author, c.commit.author),
                committer: identity(c.committer, c.commit.committer),
                sha: c.sha,
                message: c.commit.message,
            })
            .collect())
    }

    async fn profile(&self, login: &str) -> Result<Profile, ForgeError> {
        let p: ApiProfile = self
            .api
            .get(
                &format!("/users/{login}"),
                &format!("reading the profile of {login}"),
            )
            .await?;
        Ok(Profile {
            name: p.name,
            emails: p.email.into_iter().collect(),
        })
    }

    async fn team_member(&self, org: &str, team: &str, login: &str) -> Result<bool, ForgeError> {
        if team.is_empty() || team.contains('/') {
            return Err(ForgeError::new(
                format!(
                    "GitHub teams are named `org/team`, not `{}`",
                    super::approval::team_name(org, team)
                ),
                None,
            ));
        }
        let answer = self
            .api
            .get::<ApiMembership>(
                &format!("/orgs/{org}/teams/{team}/memberships/{login}"),
                &format!("reading whether {login} is in {org}/{team}"),
            )
            .await;
        match answer {
            Ok(m) => Ok(m.state == "active"),
            // NOTE: GitHub answers 404 for a team it hides as well as for a non-member.
            Err(e) if e.status() == Some(404) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    async fn request_reviews(
        &self,
        users: &[&str],
        teams: &[&str],
        what: &str,
    ) -> Result<(), ForgeError> {
        let body = serde_json::json!({ "reviewers": users, "team_reviewers": teams });
        self.api
            .send(
                http::Method::POST,
                &format!(
                    "/repos/{}/pulls/{}/requested_reviewers",
                    self.repo, self.number
                ),
                Some(&body),
                what,
            )
            .await?;
        Ok(())
    }

    async fn set_status(&self, status: &Status<'_>) -> Result<(), ForgeError> {
        let mut body = serde_json::json!({
            "state": status.state.as_str(),
            "context": status.context,
            "description": status.description,
        });
        if let Some(page) = &self.run_page {
            body["target_url"] = page.as_str().into();
        }
        self.api
            .send(
                http::Method::POST,
                &format!("/repos/{}/statuses/{}", self.repo, status.commit),
                Some(&body),
                &format!("setting the status `{}`", status.context),
            )
            .await?;
        Ok(())
    }

    /// `GET /pulls/{n}/files`, paged; the merge base from `GET /compare/{base}...{head}`.
    ///
    /// NOTE: the list is of the three-dot diff, from the merge base of the base branch and the
    /// head: the compare endpoint is the one REST answer that names that commit, and with
    /// `per_page=1` it lists one commit, not the change's history.
    async fn changed_files(&self, request: &ChangeRequest) -> Result<ChangedFiles, ForgeError> {
        let (repo, number) = (&self.repo, self.number);
        let what = format!("reading the files of pull request #{number}");
        let raw: Vec<ApiFile> = self
            .api
            .list(&format!("/repos/{repo}/pulls/{number}/files"), &what)
            .await
            .map_err(|e| needs_read_access(e, &what))?;
        let listed = raw.len();
        let mut files = Vec::new();
        for f in raw {
            let status = match f.status.as_str() {
                "added" | "copied" => FileStatus::Added,
                "removed" => FileStatus::Deleted,
                "renamed" => match f.previous_filename {
                    Some(from) => FileStatus::Renamed { from },
                    None => FileStatus::Added,
                },
                "unchanged" => continue,
                // `modified`, `changed`, and whatever GitHub adds: the file is there and may
                // differ.
                _ => FileStatus::Modified,
            };
            files.push(ChangedFile {
                path: f.filename,
                status,
            });
        }
        // NOTE: GitHub stops listing at 3000 without saying so; the pull request's count of
        // changed files says whether it did.
        let unlisted = match request.changed_files {
            Some(total) if total > listed => Some(format!(
                "GitHub lists only the first {FILES_LISTED} files of a pull request, and this \
                 one changes {total}"
            )),
            None if listed >= FILES_LISTED => Some(format!(
                "GitHub lists only the first {FILES_LISTED} files of a pull request, and this \
                 one changes at least {listed}"
            )),
            _ => None,
        };
        let base = request.base.as_deref().unwrap_or_default();
        let what = format!("finding the merge base of pull request #{number}");
        self.api.commit(base, "base", &what)?;
        let compare: ApiCompare = self
            .api
            .get(
                &format!("/repos/{repo}/compare/{base}...{}?per_page=1", request.head),
                &what,
            )
            .await
            .map_err(|e| needs_read_access(e, &what))?;
        let base = compare.merge_base_commit.sha;
        self.api.commit(&base, "merge base", &what)?;
        Ok(ChangedFiles {
            base,
            files,
            unlisted,
        })
    }

    /// `GET /contents/{path}?ref={commit}`, raw.
    async fn file_at(&self, commit: &str, path: &str, limit: usize) -> Result<FileAt, ForgeError> {
        let what = format!(
            "reading {} at {}",
            crate::escape::terminal(path),
            super::approval::short(commit)
        );
        let url = format!(
            "/repos/{}/contents/{}?ref={commit}",
            self.repo,
            encode_path(path)
        );
        // NOTE: 404 is a file that is not there: the compare that found the merge base needs
        // the same `contents: read`, so a token that may not read contents stopped before.
        let raw = self
            .api
            .raw(&url, &what, limit)
            .await
            .map_err(|e| needs_read_access(e, &what))?;
        Ok(raw.into_file(limit))
    }

    fn clock(&self) -> Option<String> {
        self.api.server_time()
    }

    fn account_of_address(&self, email: &str) -> Option<String> {
        noreply_login(email)
    }
}

impl GitHub {
    /// Create or update a comment; the comment's address, when the answer gives it.
    async fn write_comment(
        &self,
        method: http::Method,
        path: &str,
        body: &str,
        what: &str,
    ) -> Result<Option<String>, ForgeError> {
        let payload = serde_json::json!({ "body": body });
        let answer = self.api.send(method, path, Some(&payload), what).await?;
        Ok(serde_json::from_str::<ApiComment>(&answer.body)
            .ok()
            .map(|c| c.html_url))
    }
}

/// The most files GitHub lists of a pull request.
const FILES_LISTED: usize = 3000;

/// A refusal to read the pull request's files, with the permissions it takes.
fn needs_read_access(e: ApiError, what: &str) -> ApiError {
    match e {
        ApiError::Status {
            status: status @ (403 | 404),
            message,
            ..
        } => ApiError::Status {
            forge: DIALECT.forge,
            what: what.to_owned(),
            status,
            message,
            hint: "the token may not read the pull request's files; give the workflow \
                   `permissions:` `contents: read` and `pull-requests: read`"
                .into(),
        },
        e => e,
    }
}

/// A path of the repository as a URL path: each segment percent-encoded, the `/` kept.
fn encode_path(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            segment
                .bytes()
                .map(|b| match b {
                    // NOTE: `.` only inside a name: a segment `..` must not climb the URL.
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'~' => {
                        (b as char).to_string()
                    }
                    b'.' if segment != "." && segment != ".." => ".".to_owned(),
                    _ => format!("%{b:02X}"),
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The login a GitHub no-reply address names: `ID+login@users.noreply.github.com`, also on
/// GitHub Enterprise Server hosts.
fn noreply_login(email: &str) -> Option<String> {
    let (local, domain) = email.rsplit_once('@')?;
    let domain = domain.to_ascii_lowercase();
    if !(domain.starts_with("users.noreply.") || domain.starts_with("noreply.")) {
        return None;
    }
    let login = local.rsplit_once('+').map_or(local, |(_, l)| l);
    (!login.is_empty()).then(|| login.to_owned())
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
    #[serde(default)]
    base: Option<Head>,
    #[serde(default)]
    changed_files: Option<usize>,
    user: User,
    #[serde(default)]
    commits: Option<usize>,
    #[serde(default)]
    requested_reviewers: Vec<User>,
    #[serde(default)]
    requested_teams: Vec<Team>,
}

#[derive(Debug, Deserialize)]
struct ApiComment {
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
    nodes: Vec<Option<Node>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Node {
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

#[derive(Debug, Default, Deserialize)]
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
struct ApiFile {
    filename: String,
    status: String,
    #[serde(default)]
    previous_filename: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ApiCompare {
    merge_base_commit: ApiCommitRef,
}

#[derive(Debug, Deserialize)]
struct ApiCommitRef {
    sha: String,
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

/// The pull request's number, from the event that started the workflow.
fn pull_number(env: &Env) -> Result<u64, ForgeError> {
    const EVENTS: [&str; 3] = ["pull_request", "pull_request_target", "pull_request_review"];
    if !EVENTS.contains(&env.event_name.as_str()) {
        return Err(setup(format!(
            "foureyes github runs on pull_request and pull_request_review events, not on `{}` \
             (GITHUB_EVENT_NAME); use `foureyes review` elsewhere",
            crate::escape::terminal(&env.event_name)
        )));
    }
    let path = env
        .event_path
        .as_ref()
        .ok_or_else(|| setup("GITHUB_EVENT_PATH is not set".into()))?;
    let text = std::fs::read_to_string(path)
        .map_err(|e| setup(format!("{}: cannot read the event: {e}", path.display())))?;
    let event: Event = serde_json::from_str(&text).map_err(|e| {
        setup(format!(
            "{}:{}:{}: the event is not valid: {e}",
            path.display(),
            e.line(),
            e.column()
        ))
    })?;
    event.pull_request.map(|p| p.number).ok_or_else(|| {
        setup(format!(
            "{}: the event has no `pull_request`",
            path.display()
        ))
    })
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

    #[test]
    fn paths_are_encoded_segment_by_segment() {
        assert_eq!(
            encode_path(".github/workflows/ci.yml"),
            ".github/workflows/ci.yml"
        );
        assert_eq!(
            encode_path("a b/@x?y#z&ref=main/%2e/../."),
            "a%20b/%40x%3Fy%23z%26ref%3Dmain/%252e/%2E%2E/%2E"
        );
        assert_eq!(encode_path("d\u{e9}j\u{e0}"), "d%C3%A9j%C3%A0");
    }

    #[test]
    fn co_author_trailers_and_noreply_addresses() {
        use crate::publish::approval::co_authors;
        let msg = "Fix\n\nCo-authored-by: Eve <123+eve-x@users.noreply.github.com>\nco-authored-by: Mallory <m@example.com>\n";
        let people = co_authors(msg, "abcdef0123456789", &noreply_login);
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
}
