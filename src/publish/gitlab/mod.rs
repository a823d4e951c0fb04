//! GitLab: the second forge. Its REST API for one merge request ([`GitLab`], a [`Forge`]), and
//! its CI job ([`Pipeline`], a [`Job`]): the predefined variables that name the merge request,
//! the token, the log, the report file and the dotenv outputs.
//!
//! What is GitLab's alone stays here:
//! - approvals say who approved, and (on newer GitLab) when, but not which commit: the head at
//!   the time of the approval is read from the merge request's versions (one per push), and the
//!   time from the approval or, on older GitLab, from the system note GitLab writes for it;
//! - commits name their authors and committers by name and email only: every approver is
//!   compared with them through the addresses and the name of their GitLab account;
//! - the REST API does not say who last edited a note, and a maintainer may edit anyone's:
//!   the note carries a keyed seal ([`seal`]) that only a holder of the job's token can
//!   write, and a note whose seal does not verify is not trusted.
//!
//! Everything it prints, writes or sends passes one [`Redactor`] of both the API token and
//! the job token, so neither shows, even when the API echoes one back.

mod seal;

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
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

/// `foureyes gitlab`.
pub(crate) const FORGE: Registered = Registered {
    name: "gitlab",
    about: "In a GitLab merge-request pipeline: review, keep one sticky note up to date, set a \
            commit status, and fail the job until someone independent of the change approves",
    long_about: "In a GitLab merge-request pipeline: review, keep one sticky note up to date, set \
                 a commit status, and fail the job until someone independent of the change \
                 approves.\n\n\
                 Reads GITLAB_TOKEN (a project access token with the `api` scope and the \
                 Developer role: CI_JOB_TOKEN cannot write notes or statuses) and GitLab's \
                 predefined CI_API_V4_URL, CI_PROJECT_ID, CI_MERGE_REQUEST_IID, \
                 CI_PIPELINE_SOURCE, CI_JOB_URL and CI_PROJECT_DIR; FOUREYES_REPORT names a file \
                 for the whole Markdown report, FOUREYES_DOTENV one for the outputs (a dotenv \
                 report). The merge request's own files are read through the API and checked for \
                 control tampering. Exit codes: 0 no approval required or independently \
                 approved, 1 approval missing, 2 usage, configuration, input or GitLab API error.",
    help: &[
        (
            "inputs",
            "Plan JSON files. Without them, the verdict is read back from foureyes' own note \
             and the run only counts approvals (a re-run of the job once someone approved), so \
             the job needs no cloud credentials",
        ),
        (
            "request_timeout",
            "Give up on a request to GitLab that has not answered in full within this many \
             seconds (connecting, the headers and the whole body)",
        ),
        (
            "timeout",
            "Give up when talking to GitLab takes longer than this many seconds in all, retries \
             and rate-limit waits included",
        ),
    ],
    account_prefix: "gitlab:user/",
    run,
    error_line,
};

/// How GitLab's REST API speaks.
const DIALECT: Dialect = Dialect {
    forge: "GitLab",
    url_variable: "CI_API_V4_URL",
    json: "application/json",
    raw: "*/*",
    headers: &[],
    reset: "ratelimit-reset",
    limited_403: false,
    hint: super::http::gitlab_hint,
};

/// The longest note GitLab accepts, in characters, less the room of the seal's line.
const COMMENT_LIMIT: usize = 1_000_000 - seal::LINE_ROOM;
/// The longest commit status description GitLab keeps.
const DESCRIPTION_LIMIT: usize = 255;
/// The most the report file may hold, in bytes.
const SUMMARY_LIMIT: usize = 4 * 1024 * 1024;

/// `foureyes gitlab`: publish, judge, gate, in the GitLab CI job of this process. Without a
/// plan, the run re-evaluates the approvals from the note's sealed state.
fn run(planned: Option<Planned<'_>>, options: &Options) -> anyhow::Result<Exit> {
    gate::run(&Pipeline::new(Env::from_process()), planned, options)
}

/// The predefined environment of a GitLab CI job, and foureyes' own variables.
#[derive(Debug, Clone, Default)]
pub(crate) struct Env {
    /// `CI_API_V4_URL`, or `CI_SERVER_URL` + `/api/v4`.
    pub(crate) api_url: Option<String>,
    pub(crate) project_id: String,
    pub(crate) merge_request: Option<String>,
    pub(crate) pipeline_source: String,
    pub(crate) token: Option<String>,
    /// `CI_JOB_TOKEN`: never used, always masked.
    pub(crate) job_token: Option<String>,
    pub(crate) job_url: Option<String>,
    pub(crate) project_dir: Option<PathBuf>,
    /// `FOUREYES_REPORT`: where the whole report goes.
    pub(crate) report: Option<PathBuf>,
    /// `FOUREYES_DOTENV`: where the outputs go.
    pub(crate) dotenv: Option<PathBuf>,
}

impl Env {
    /// Read the environment of this process.
    pub(crate) fn from_process() -> Env {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let api_url = var("CI_API_V4_URL").or_else(|| {
            var("CI_SERVER_URL").map(|s| format!("{}/api/v4", s.trim_end_matches('/')))
        });
        Env {
            api_url,
            project_id: var("CI_PROJECT_ID").unwrap_or_default(),
            merge_request: var("CI_MERGE_REQUEST_IID"),
            pipeline_source: var("CI_PIPELINE_SOURCE").unwrap_or_default(),
            // NOTE: a token read from a file often ends in a line break.
            token: var("GITLAB_TOKEN").map(|t| t.trim().to_owned()),
            job_token: var("CI_JOB_TOKEN").map(|t| t.trim().to_owned()),
            job_url: var("CI_JOB_URL"),
            project_dir: var("CI_PROJECT_DIR").map(PathBuf::from),
            report: var("FOUREYES_REPORT").map(PathBuf::from),
            dotenv: var("FOUREYES_DOTENV").map(PathBuf::from),
        }
    }

    /// The redactor for this job's secrets: the API token and the job token.
    pub(crate) fn redactor(&self) -> Redactor {
        Redactor::new(self.token.as_deref()).and(Redactor::new(self.job_token.as_deref()))
    }

    /// The job's page, when the environment names one a link may point at.
    fn job_page(&self) -> Option<String> {
        let url = self.job_url.as_deref()?;
        // NOTE: it goes into a Markdown link and a status: only characters a URL needs.
        (url.starts_with("https://") || url.starts_with("http://"))
            .then_some(url)
            .filter(|u| {
                u.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b":/._-~".contains(&b))
            })
            .map(str::to_owned)
    }
}

/// The line `foureyes gitlab` prints for an error it stops on: escaped for the CI log, and
/// with the tokens masked in every encoding.
fn error_line(error: &anyhow::Error) -> String {
    let line = crate::escape::ci_log(&format!("error: {error:#}"));
    Env::from_process().redactor().redact(&line)
}

/// A mistake in how the job is set up: the message says what to fix.
fn setup(message: String) -> ForgeError {
    ForgeError::new(message, None)
}

/// The GitLab CI job this process runs in: where the run's text leaves the process (stdout,
/// stderr, the report file and the dotenv file). Everything passes the redactor here.
pub(crate) struct Pipeline {
    env: Env,
    redactor: Redactor,
    /// The report file was started by this run: later parts are appended.
    report_started: Cell<bool>,
}

impl Pipeline {
    fn new(env: Env) -> Pipeline {
        let redactor = env.redactor();
        Pipeline {
            env,
            redactor,
            report_started: Cell::new(false),
        }
    }
}

impl Job for Pipeline {
    type Forge = GitLab;
    const TERMS: Terms = Terms {
        forge: "GitLab",
        request: "merge request",
        summary: "the job's report artifact",
        team_access: "group approvers need a token that may read the group's members (the `api` \
                      or `read_api` scope, and a role in the group or a public group)",
    };
    const SUMMARY_LIMIT: usize = SUMMARY_LIMIT;

    fn connect(&self, options: &Options) -> Result<GitLab, ForgeError> {
        let env = &self.env;
        let iid = merge_request(env)?;
        if env.project_id.is_empty() || !env.project_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(setup(format!(
                "CI_PROJECT_ID must be the project's numeric id, not `{}`",
                crate::escape::terminal(&env.project_id)
            )));
        }
        let Some(api_url) = &env.api_url else {
            return Err(setup(
                "CI_API_V4_URL is not set (nor CI_SERVER_URL): run in GitLab CI, or set it to \
                 the API's URL, such as https://gitlab.example.com/api/v4"
                    .into(),
            ));
        };
        if env.token.is_none() && !options.dry_run {
            return Err(setup(
                "GITLAB_TOKEN is not set: create a project access token (role Developer, scope \
                 `api`) and store it as the masked CI/CD variable GITLAB_TOKEN; CI_JOB_TOKEN \
                 cannot write notes or commit statuses (a dry run can do without)"
                    .into(),
            ));
        }
        let api = Api::new(
            DIALECT,
            api_url,
            env.token.clone(),
            self.redactor.clone(),
            options.deadlines,
        )
        .map_err(setup)?;
        Ok(GitLab {
            api,
            project: env.project_id.clone(),
            iid,
            job_page: env.job_page(),
            key: env
                .token
                .as_deref()
                .map(|t| seal::Key::new(t, &env.project_id, iid)),
            web_url: RefCell::new(String::new()),
            reviewer_ids: RefCell::new(Vec::new()),
            viewer: RefCell::new(None),
            users: RefCell::new(BTreeMap::new()),
            notes: RefCell::new(None),
            versions: RefCell::new(None),
        })
    }

    fn report_place(&self) -> String {
        match self.env.job_page() {
            Some(url) => format!("the report artifact of [this job]({url})"),
            None => "the report artifact of this job".to_owned(),
        }
    }

    fn log(&self, text: &str, warnings: &[String]) -> anyhow::Result<()> {
        let mut out = String::from(text);
        for w in warnings {
            let _ = writeln!(out, "warning: {}", crate::escape::ci_log(w));
        }
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(self.redactor.redact(&out).as_bytes())?;
        stdout.flush()?;
        Ok(())
    }

    /// Write the report file; a file that cannot be written is only a warning.
    fn summary(&self, text: &str) {
        let Some(path) = &self.env.report else {
            return;
        };
        let text = self.redactor.redact(text);
        let append = self.report_started.replace(true);
        let result = std::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .append(append)
            .truncate(!append)
            .open(path)
            .and_then(|mut f| f.write_all(text.as_bytes()));
        if let Err(e) = result {
            eprintln!(
                "{}",
                self.redactor.redact(&crate::escape::ci_log(&format!(
                    "warning: {}: cannot write the report (FOUREYES_REPORT): {e}",
                    path.display()
                )))
            );
        }
    }

    /// Write the outputs as a dotenv report: `FOUREYES_VERDICT=...`, one line each.
    fn outputs(&self, values: &[(&str, String)]) -> anyhow::Result<()> {
        let Some(path) = &self.env.dotenv else {
            return Ok(());
        };
        let mut text = String::new();
        for (name, value) in values {
            let _ = writeln!(
                text,
                "{}={}",
                dotenv_name(name),
                self.redactor.redact(&dotenv_value(name, value))
            );
        }
        std::fs::write(path, text).map_err(|e| {
            anyhow::anyhow!(
                "{}: cannot write the outputs (FOUREYES_DOTENV): {e}",
                path.display()
            )
        })?;
        Ok(())
    }

    fn redact(&self, text: &str) -> String {
        self.redactor.redact(text)
    }

    fn root(&self) -> Option<PathBuf> {
        self.env.project_dir.clone()
    }
}

/// An output's name in the dotenv report: `approved-by` is `FOUREYES_APPROVED_BY`, and the
/// comment is what GitLab calls a note.
fn dotenv_name(name: &str) -> String {
    match name {
        "comment-url" => "FOUREYES_NOTE_URL".to_owned(),
        _ => format!("FOUREYES_{}", name.to_ascii_uppercase().replace('-', "_")),
    }
}

/// An output's value in the dotenv report: one line of plain characters (GitLab reads the
/// file as `KEY=VALUE` lines, and a line break would set another variable), and the status in
/// GitLab's word.
fn dotenv_value(name: &str, value: &str) -> String {
    let value: String = value
        .chars()
        .filter(|c| !c.is_control() && !crate::escape::is_hidden(*c))
        .collect();
    match (name, value.as_str()) {
        ("status", "failure") => "failed".to_owned(),
        _ => value,
    }
}

/// The merge request's iid, from a merge-request pipeline's variables.
fn merge_request(env: &Env) -> Result<u64, ForgeError> {
    let Some(iid) = &env.merge_request else {
        return Err(setup(format!(
            "foureyes gitlab runs in merge request pipelines, where GitLab sets \
             CI_MERGE_REQUEST_IID; this pipeline's source is `{}` (CI_PIPELINE_SOURCE). Give \
             the job `rules: [{{if: $CI_PIPELINE_SOURCE == \"merge_request_event\"}}]`, or use \
             `foureyes review` elsewhere",
            crate::escape::terminal(&env.pipeline_source)
        )));
    };
    iid.trim().parse().map_err(|_| {
        setup(format!(
            "CI_MERGE_REQUEST_IID must be a number, not `{}`",
            crate::escape::terminal(iid)
        ))
    })
}

/// GitLab's REST API, for one merge request.
pub(crate) struct GitLab {
    api: Api,
    /// The project's numeric id.
    project: String,
    /// The merge request's iid.
    iid: u64,
    /// The job's page, for the status to link to.
    job_page: Option<String>,
    /// Seals the notes foureyes writes; none without a token.
    key: Option<seal::Key>,
    /// The merge request's page, for the notes' addresses.
    web_url: RefCell<String>,
    /// The ids of the users already asked for a review.
    reviewer_ids: RefCell<Vec<u64>>,
    /// The token's own account.
    viewer: RefCell<Option<ApiUser>>,
    /// Accounts read so far, by lowercase username.
    users: RefCell<BTreeMap<String, ApiUser>>,
    /// Every note of the merge request, system notes too, once read.
    notes: RefCell<Option<Vec<ApiNote>>>,
    /// The merge request's versions (one per push), newest first, once read.
    versions: RefCell<Option<Vec<ApiVersion>>>,
}

impl Forge for GitLab {
    type CommentId = u64;
    const COMMENT_LIMIT: usize = COMMENT_LIMIT;
    const DESCRIPTION_LIMIT: usize = DESCRIPTION_LIMIT;

    async fn change_request(&self) -> Result<ChangeRequest, ForgeError> {
        let what = format!("reading merge request !{}", self.iid);
        let mr: ApiMergeRequest = self.api.get(&self.mr_path(""), &what).await?;
        // NOTE: the head goes into the status's URL and is compared with the state's.
        self.api.commit(&mr.sha, "head", &what)?;
        *self.web_url.borrow_mut() = mr.web_url.clone();
        *self.reviewer_ids.borrow_mut() = mr.reviewers.iter().map(|u| u.id).collect();
        // NOTE: GitLab stops counting changes at its diff limits and says so with a `+`.
        let changed_files = mr.changes_count.as_deref().and_then(|c| {
            let c = c.trim();
            match c.strip_suffix('+') {
                Some(n) => n.trim().parse::<usize>().ok().map(|n| n + 1),
                None => c.parse().ok(),
            }
        });
        Ok(ChangeRequest {
            name: format!("merge request !{}", self.iid),
            head: mr.sha,
            author: mr.author.username,
            open: mr.state == "opened",
            state: mr.state,
            // NOTE: GitLab lists every commit of a merge request, page after page.
            commits: None,
            base: mr.diff_refs.and_then(|d| d.base_sha),
            changed_files,
            requested_users: mr.reviewers.into_iter().map(|u| u.username).collect(),
            requested_teams: Vec::new(),
            // NOTE: GitLab asks users, not groups, for a review.
            team_owner: None,
        })
    }

    async fn comments(&self) -> Result<Vec<Comment<u64>>, ForgeError> {
        let notes = self.notes().await?;
        let page = self.web_url.borrow().clone();
        Ok(notes
            .into_iter()
            .filter(|n| !n.system)
            .map(|n| Comment {
                id: n.id,
                body: n.body.map(|b| seal::split(&b).0.to_owned()),
                author: n.author.map(|a| Account {
                    bot: a.bot,
                    login: a.username,
                }),
                url: format!("{page}#note_{}", n.id),
            })
            .collect())
    }

    /// Who wrote each note (`GET /notes/:id`), and whether its seal verifies. GitLab's REST API
    /// does not name who last edited a note; a note whose seal does not verify was written or
    /// edited by someone without the job's token.
    async fn authorship(
        &self,
        comments: &[&Comment<u64>],
    ) -> Result<Vec<Option<Authorship>>, ForgeError> {
        let viewer = self.viewer().await?;
        let mut out = Vec::with_capacity(comments.len());
        for comment in comments {
            let what = format!("reading note {} of merge request !{}", comment.id, self.iid);
            let answer = self
                .api
                .get::<ApiNote>(&self.mr_path(&format!("/notes/{}", comment.id)), &what)
                .await;
            let note = match answer {
                Ok(n) => n,
                Err(e) if e.status() == Some(404) => {
                    out.push(None);
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            let body = note.body.unwrap_or_default();
            let (text, sealed) = seal::split(&body);
            let verified = match (&self.key, sealed) {
                (Some(key), Some(mac)) => key.verifies(text, mac),
                _ => false,
            };
            let author = note.author.as_ref();
            out.push(Some(Authorship {
                viewer_did_author: author.is_some_and(|a| a.id == viewer.id),
                author: author.map(|a| a.username.clone()),
                // NOTE: a seal that does not verify is an edit by someone without the token;
                // GitLab does not say whose.
                editor: (!verified).then(|| {
                    "someone without this job's token (its seal does not verify)".to_owned()
                }),
                last_edited_at: (!verified).then(|| note.updated_at.clone()).flatten(),
                body: text.to_owned(),
            }));
        }
        Ok(out)
    }

    async fn create_comment(&self, body: &str, what: &str) -> Result<Option<String>, ForgeError> {
        let body = self.sealed(body);
        let answer = self
            .api
            .send(
                http::Method::POST,
                &self.mr_path("/notes"),
                Some(&serde_json::json!({ "body": body })),
                what,
            )
            .await?;
        Ok(self.note_url(&answer.body))
    }

    async fn update_comment(
        &self,
        id: &u64,
        body: &str,
        what: &str,
    ) -> Result<Option<String>, ForgeError> {
        let body = self.sealed(body);
        let answer = self
            .api
            .send(
                http::Method::PUT,
                &self.mr_path(&format!("/notes/{id}")),
                Some(&serde_json::json!({ "body": body })),
                what,
            )
            .await?;
        Ok(self.note_url(&answer.body))
    }

    /// The merge request's approvals, each with when it was given and the head at that time.
    async fn reviews(&self) -> Result<Vec<Review>, ForgeError> {
        let what = format!("reading the approvals of merge request !{}", self.iid);
        let approvals: ApiApprovals = self.api.get(&self.mr_path("/approvals"), &what).await?;
        let mut out = Vec::new();
        for approval in approvals.approved_by {
            let Some(user) = approval.user else { continue };
            let account = self.user(&user.username, Some(user.id)).await?;
            let at = match approval.approved_at {
                Some(at) => Some(at),
                None => self.approval_note(&user).await?,
            };
            let commit = match &at {
                Some(at) => self.head_at(at).await?.unwrap_or_default(),
                None => String::new(),
            };
            out.push(Review {
                bot: account.as_ref().is_some_and(is_bot_account) || is_token_user(&user.username),
                login: user.username,
                state: ReviewState::Approved,
                commit,
                submitted: at.unwrap_or_default(),
            });
        }
        Ok(out)
    }

    async fn commits(&self) -> Result<Vec<Commit>, ForgeError> {
        let what = format!("reading the commits of merge request !{}", self.iid);
        let commits: Vec<ApiCommit> = self.api.list(&self.mr_path("/commits"), &what).await?;
        Ok(commits
            .into_iter()
            .map(|c| Commit {
                sha: c.id,
                message: c.message,
                author: Identity {
                    login: None,
                    name: c.author_name,
                    email: c.author_email,
                },
                committer: Identity {
                    login: None,
                    name: c.committer_name,
                    email: c.committer_email,
                },
            })
            .collect())
    }

    /// The account's name and every address GitLab shows for it: the public one, and the
    /// commit and primary ones where the token may see them.
    async fn profile(&self, login: &str) -> Result<Profile, ForgeError> {
        let user = self.user(login, None).await?.ok_or_else(|| {
            ForgeError::new(
                format!("GitLab knows no user `{}`", crate::escape::terminal(login)),
                Some(404),
            )
        })?;
        let emails = [user.public_email, user.commit_email, user.email]
            .into_iter()
            .flatten()
            .filter(|e| !e.trim().is_empty())
            .collect();
        Ok(Profile {
            name: user.name,
            emails,
        })
    }

    /// Whether the user is an active member of the group `org/team` (or of `org` itself for a
    /// top-level group), inherited membership included.
    async fn team_member(&self, org: &str, team: &str, login: &str) -> Result<bool, ForgeError> {
        let group = super::approval::team_name(org, team);
        let Some(user) = self.user(login, None).await? else {
            return Ok(false);
        };
        let what = format!("reading whether {login} is in the group {group}");
        let answer = self
            .api
            .get::<ApiMember>(
                &format!("/groups/{}/members/all/{}", encode_all(&group), user.id),
                &what,
            )
            .await;
        match answer {
            Ok(m) => Ok(m.state.as_deref().is_none_or(|s| s == "active")),
            // NOTE: GitLab answers 404 for a group it hides as well as for a non-member.
            Err(e) if e.status() == Some(404) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Add the users to the merge request's reviewers, keeping those already there.
    async fn request_reviews(
        &self,
        users: &[&str],
        _teams: &[&str],
        what: &str,
    ) -> Result<(), ForgeError> {
        let mut ids = self.reviewer_ids.borrow().clone();
        for login in users {
            if let Some(user) = self.user(login, None).await? {
                if !ids.contains(&user.id) {
                    ids.push(user.id);
                }
            }
        }
        if ids == *self.reviewer_ids.borrow() {
            return Ok(());
        }
        self.api
            .send(
                http::Method::PUT,
                &self.mr_path(""),
                Some(&serde_json::json!({ "reviewer_ids": ids })),
                what,
            )
            .await?;
        *self.reviewer_ids.borrow_mut() = ids;
        Ok(())
    }

    async fn set_status(&self, status: &Status<'_>) -> Result<(), ForgeError> {
        let state = match status.state {
            super::StatusState::Success => "success",
            super::StatusState::Failure => "failed",
        };
        let mut body = serde_json::json!({
            "state": state,
            "name": status.context,
            "description": status.description,
        });
        if let Some(page) = &self.job_page {
            body["target_url"] = page.as_str().into();
        }
        let path = format!("/projects/{}/statuses/{}", self.project, status.commit);
        let what = format!("setting the status `{}`", status.context);
        match self
            .api
            .send(http::Method::POST, &path, Some(&body), &what)
            .await
        {
            Ok(_) => Ok(()),
            // NOTE: GitLab refuses to set a status to the state it already has.
            Err(ApiError::Status {
                status: 400,
                message,
                ..
            }) if message.starts_with("Cannot transition status")
                && (message.ends_with(&format!("from :{state}"))
                    || message.contains(&format!("from :{state} "))) =>
            {
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// `GET /merge_requests/:iid/diffs`, paged (GitLab 15.7 and later; `/changes` before); the
    /// merge base is the merge request's `diff_refs.base_sha`.
    async fn changed_files(&self, request: &ChangeRequest) -> Result<ChangedFiles, ForgeError> {
        let what = format!("reading the files of merge request !{}", self.iid);
        let (raw, overflow) = match self
            .api
            .list::<ApiDiff>(&self.mr_path("/diffs"), &what)
            .await
        {
            Ok(raw) => (raw, false),
            Err(e) if e.status() == Some(404) => {
                let changes: ApiChanges = self.api.get(&self.mr_path("/changes"), &what).await?;
                (changes.changes, changes.overflow)
            }
            Err(e) => return Err(e.into()),
        };
        let listed = raw.len();
        let files = raw
            .into_iter()
            .map(|d| {
                if d.deleted_file {
                    return ChangedFile {
                        status: FileStatus::Deleted,
                        path: d.old_path_or_new(),
                    };
                }
                let status = if d.new_file {
                    FileStatus::Added
                } else if d.renamed_file && d.old_path != d.new_path {
                    FileStatus::Renamed { from: d.old_path }
                } else {
                    FileStatus::Modified
                };
                ChangedFile {
                    status,
                    path: d.new_path,
                }
            })
            .collect();
        let unlisted = match request.changed_files {
            _ if overflow => Some(
                "GitLab stopped listing the merge request's files at its diff limits".to_owned(),
            ),
            Some(total) if total > listed => Some(format!(
                "GitLab listed {listed} of the merge request's files, and it changes {}",
                if total == listed + 1 {
                    format!("more than {listed}")
                } else {
                    total.to_string()
                }
            )),
            _ => None,
        };
        let base = request.base.clone().unwrap_or_default();
        let what = format!("finding the merge base of merge request !{}", self.iid);
        self.api.commit(&base, "base", &what)?;
        Ok(ChangedFiles {
            base,
            files,
            unlisted,
        })
    }

    /// `GET /repository/files/:path/raw?ref=:commit`.
    async fn file_at(&self, commit: &str, path: &str, limit: usize) -> Result<FileAt, ForgeError> {
        let what = format!(
            "reading {} at {}",
            crate::escape::terminal(path),
            super::approval::short(commit)
        );
        let url = format!(
            "/projects/{}/repository/files/{}/raw?ref={commit}",
            self.project,
            encode_all(path)
        );
        // NOTE: 404 is a file that is not there: listing the files took the same access.
        Ok(self.api.raw(&url, &what, limit).await?.into_file(limit))
    }

    fn clock(&self) -> Option<String> {
        self.api.server_time()
    }

    fn account_of_address(&self, email: &str) -> Option<String> {
        noreply_username(email)
    }
}

impl GitLab {
    /// A path under the merge request.
    fn mr_path(&self, rest: &str) -> String {
        format!(
            "/projects/{}/merge_requests/{}{rest}",
            self.project, self.iid
        )
    }

    /// The body as foureyes writes it: no line a quick action, and with its seal when there
    /// is a key.
    fn sealed(&self, body: &str) -> String {
        let body = inert(body);
        match &self.key {
            Some(key) => seal::append(&body, key),
            None => body,
        }
    }

    /// A written note's address, from GitLab's answer.
    fn note_url(&self, answer: &str) -> Option<String> {
        let note: ApiNote = serde_json::from_str(answer).ok()?;
        Some(format!("{}#note_{}", self.web_url.borrow(), note.id))
    }

    /// Every note of the merge request, oldest first, system notes too: read once.
    async fn notes(&self) -> Result<Vec<ApiNote>, ForgeError> {
        if let Some(notes) = self.notes.borrow().as_ref() {
            return Ok(notes.clone());
        }
        let what = format!("reading the notes of merge request !{}", self.iid);
        let notes: Vec<ApiNote> = self
            .api
            .list(&self.mr_path("/notes?sort=asc&order_by=created_at"), &what)
            .await?;
        *self.notes.borrow_mut() = Some(notes.clone());
        Ok(notes)
    }

    /// The token's own account.
    async fn viewer(&self) -> Result<ApiUser, ForgeError> {
        if let Some(v) = self.viewer.borrow().as_ref() {
            return Ok(v.clone());
        }
        let v: ApiUser = self
            .api
            .get("/user", "reading the account of GITLAB_TOKEN")
            .await?;
        *self.viewer.borrow_mut() = Some(v.clone());
        Ok(v)
    }

    /// An account by username (or id, when known), read once: `None` when GitLab knows no
    /// such user.
    async fn user(&self, username: &str, id: Option<u64>) -> Result<Option<ApiUser>, ForgeError> {
        let key = username.to_lowercase();
        if let Some(u) = self.users.borrow().get(&key) {
            return Ok(Some(u.clone()));
        }
        let what = format!(
            "reading the account of {}",
            crate::escape::terminal(username)
        );
        let id = match id {
            Some(id) => id,
            None => {
                let found: Vec<ApiUser> = self
                    .api
                    .get(&format!("/users?username={}", encode_all(username)), &what)
                    .await?;
                match found
                    .into_iter()
                    .find(|u| u.username.eq_ignore_ascii_case(username))
                {
                    Some(u) => u.id,
                    None => return Ok(None),
                }
            }
        };
        let user: ApiUser = match self.api.get(&format!("/users/{id}"), &what).await {
            Ok(u) => u,
            Err(e) if e.status() == Some(404) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        self.users.borrow_mut().insert(key, user.clone());
        Ok(Some(user))
    }

    /// When GitLab recorded the user's last approval, from its system notes (older GitLab
    /// does not give the time with the approval).
    async fn approval_note(&self, user: &ApiUserRef) -> Result<Option<String>, ForgeError> {
        let notes = self.notes().await?;
        Ok(notes
            .iter()
            .filter(|n| n.system)
            .filter(|n| n.author.as_ref().is_some_and(|a| a.id == user.id))
            .filter(|n| {
                n.body
                    .as_deref()
                    .is_some_and(|b| b.trim() == "approved this merge request")
            })
            .filter_map(|n| n.created_at.clone())
            .max_by(|a, b| super::time::parse(a).cmp(&super::time::parse(b))))
    }

    /// The merge request's head just before `at`: the newest version pushed strictly before
    /// it. `None` when no version was.
    async fn head_at(&self, at: &str) -> Result<Option<String>, ForgeError> {
        if self.versions.borrow().is_none() {
            let what = format!("reading the pushes of merge request !{}", self.iid);
            let versions: Vec<ApiVersion> =
                self.api.list(&self.mr_path("/versions"), &what).await?;
            *self.versions.borrow_mut() = Some(versions);
        }
        let Some(at) = super::time::parse(at) else {
            return Ok(None);
        };
        let versions = self.versions.borrow();
        Ok(versions
            .iter()
            .flatten()
            .filter_map(|v| Some((super::time::parse(v.created_at.as_deref()?)?, v)))
            // NOTE: strictly before: an approval in the second of a push may be of the
            // commit before it.
            .filter(|(pushed, _)| *pushed < at)
            .max_by_key(|(pushed, v)| (*pushed, v.id))
            .map(|(_, v)| v.head_commit_sha.clone()))
    }
}

/// A note's text with no line GitLab would run as a quick action (`/approve`, `/merge`, ...):
/// GitLab runs them from the lines of a note that start with `/`, as the token's account.
/// Text from the plan and the forge is escaped for Markdown before it gets here (its `/` are
/// `\/`); this is the last guard, for any line that still starts with `/`, whose slash becomes
/// the HTML entity that Markdown shows as `/`.
fn inert(body: &str) -> String {
    let risky = |line: &str| line.trim_start().starts_with('/');
    if !body.lines().any(risky) {
        return body.to_owned();
    }
    body.split('\n')
        .map(|line| {
            if risky(line) {
                line.replacen('/', "&#47;", 1)
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether GitLab says the account is a bot (project, group and service-account tokens' users
/// are).
fn is_bot_account(user: &ApiUser) -> bool {
    user.bot
}

/// Whether a username is that of a project or group access token's user:
/// `project_123_bot_...`, `group_45_bot_...`.
fn is_token_user(username: &str) -> bool {
    let lower = username.to_ascii_lowercase();
    ["project_", "group_"].iter().any(|prefix| {
        lower.strip_prefix(prefix).is_some_and(|rest| {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            digits > 0 && rest[digits..].starts_with("_bot")
        })
    })
}

/// The username a GitLab no-reply address names: `ID-username@users.noreply.HOST`.
fn noreply_username(email: &str) -> Option<String> {
    let (local, domain) = email.trim().rsplit_once('@')?;
    if !domain.to_ascii_lowercase().starts_with("users.noreply.") {
        return None;
    }
    let username = match local.split_once('-') {
        Some((id, name)) if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => local,
    };
    (!username.is_empty()).then(|| username.to_owned())
}

/// Text as one URL path segment: everything but unreserved characters percent-encoded, `/`
/// included (GitLab's file paths and group paths are one segment each).
fn encode_all(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'~' => (b as char).to_string(),
            b'.' if text != "." && text != ".." => ".".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

// The parts of GitLab's answers that foureyes reads. Own types with only these fields, so that
// older self-managed versions without newer fields work too.

#[derive(Debug, Clone, Deserialize)]
struct ApiUserRef {
    id: u64,
    username: String,
    #[serde(default)]
    bot: bool,
}

#[derive(Debug, Clone, Deserialize)]
struct ApiUser {
    id: u64,
    username: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    bot: bool,
    #[serde(default)]
    public_email: Option<String>,
    /// Shown to the user themself and to administrators.
    #[serde(default)]
    commit_email: Option<String>,
    /// Shown to the user themself and to administrators.
    #[serde(default)]
    email: Option<String>,
}

#[derive(Debug, Deserialize)]
struct DiffRefs {
    #[serde(default)]
    base_sha: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ApiMergeRequest {
    state: String,
    sha: String,
    author: ApiUserRef,
    #[serde(default)]
    diff_refs: Option<DiffRefs>,
    #[serde(default)]
    changes_count: Option<String>,
    #[serde(default)]
    reviewers: Vec<ApiUserRef>,
    #[serde(default)]
    web_url: String,
}

#[derive(Debug, Clone, Deserialize)]
struct ApiNote {
    id: u64,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    author: Option<ApiUserRef>,
    #[serde(default)]
    system: bool,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default)]
    updated_at: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ApiApproval {
    #[serde(default)]
    user: Option<ApiUserRef>,
    #[serde(default)]
    approved_at: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ApiApprovals {
    #[serde(default)]
    approved_by: Vec<ApiApproval>,
}

#[derive(Debug, Clone, Deserialize)]
struct ApiVersion {
    id: u64,
    head_commit_sha: String,
    #[serde(default)]
    created_at: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ApiCommit {
    id: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    author_name: String,
    #[serde(default)]
    author_email: String,
    #[serde(default)]
    committer_name: String,
    #[serde(default)]
    committer_email: String,
}

#[derive(Debug, Deserialize)]
struct ApiMember {
    #[serde(default)]
    state: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ApiDiff {
    #[serde(default)]
    old_path: String,
    new_path: String,
    #[serde(default)]
    new_file: bool,
    #[serde(default)]
    renamed_file: bool,
    #[serde(default)]
    deleted_file: bool,
}

impl ApiDiff {
    /// The path of a deleted file: its old one.
    fn old_path_or_new(self) -> String {
        if self.old_path.is_empty() {
            self.new_path
        } else {
            self.old_path
        }
    }
}

#[derive(Debug, Deserialize)]
struct ApiChanges {
    #[serde(default)]
    changes: Vec<ApiDiff>,
    #[serde(default)]
    overflow: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_users_and_noreply_addresses() {
        assert!(is_token_user("project_1234_bot_5e1f"));
        assert!(is_token_user("group_55_bot"));
        assert!(!is_token_user("project_manager"));
        assert!(!is_token_user("projectx_1_bot"));
        assert_eq!(
            noreply_username("42-dave@users.noreply.gitlab.com").as_deref(),
            Some("dave")
        );
        assert_eq!(
            noreply_username("dave@users.noreply.gitlab.example").as_deref(),
            Some("dave")
        );
        assert_eq!(
            noreply_username("42-dave-x@users.noreply.gitlab.example").as_deref(),
            Some("dave-x")
        );
        assert_eq!(noreply_username("dave@example.com"), None);
    }

    #[test]
    fn no_line_of_a_note_is_a_quick_action() {
        assert_eq!(
            inert("a\n/approve\n  /merge x\nb/c"),
            "a\n&#47;approve\n  &#47;merge x\nb/c"
        );
        assert_eq!(inert("plain\n"), "plain\n");
    }

    #[test]
    fn paths_are_one_segment() {
        assert_eq!(encode_all(".gitlab-ci.yml"), ".gitlab-ci.yml");
        assert_eq!(encode_all("ci/a b.yml"), "ci%2Fa%20b.yml");
        assert_eq!(encode_all(".."), "%2E%2E");
        assert_eq!(encode_all("acme/security"), "acme%2Fsecurity");
        assert_eq!(encode_all("x?ref=main#y"), "x%3Fref%3Dmain%23y");
    }

    #[test]
    fn outputs_are_dotenv_lines() {
        assert_eq!(dotenv_name("approved-by"), "FOUREYES_APPROVED_BY");
        assert_eq!(dotenv_name("comment-url"), "FOUREYES_NOTE_URL");
        assert_eq!(dotenv_value("status", "failure"), "failed");
        assert_eq!(
            dotenv_value("approved-by", "a\nFOUREYES_APPROVED=true"),
            "aFOUREYES_APPROVED=true"
        );
    }

    #[test]
    fn outside_a_merge_request_pipeline_the_error_says_what_to_do() {
        let env = Env {
            pipeline_source: "push".into(),
            ..Env::default()
        };
        let e = merge_request(&env).expect_err("no merge request");
        assert!(e.to_string().contains("CI_MERGE_REQUEST_IID"), "{e}");
        assert!(e.to_string().contains("`push`"), "{e}");
    }
}
