//! A stand-in for the GitLab REST API (v4), served by wiremock on localhost: the endpoints
//! `foureyes gitlab` uses, with state (notes and who wrote them, approvals and the system notes
//! GitLab writes for them, pushes as merge request versions, commit statuses and GitLab's
//! refusal of some transitions, users, group members, the changed files and their contents),
//! offset pagination (`X-Next-Page`, and a `Link` header that can be switched off), GitLab's
//! limit on note length, quick actions in note bodies (recorded: a note must never run one),
//! and failures to inject: error answers, an API that echoes the tokens back, and (through the
//! proxy of `common::http`) one that never answers or drips its answer one byte at a time.
//!
//! It answers under `/api/v4` and under `/gitlab/api/v4` (self-managed under a path prefix);
//! [`Fake::uri`] is what `CI_API_V4_URL` says, with [`State::prefix`].

#![allow(dead_code)] // shared by several test files, each using its own part
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Arc, Mutex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub use super::common::http::Slow;

/// The token the fake accepts by default (`GITLAB_TOKEN`): no output may contain it.
pub const TOKEN: &str = "glpat-canaryTOKEN0123456789abcdefghij";
/// The job's own token (`CI_JOB_TOKEN`): GitLab issued it, so GitLab can echo it too; it may
/// never be shown, nor sent anywhere.
pub const JOB_TOKEN: &str = "glcbt-64_jobCANARY0123456789abcdefghijk";

/// The project the fake serves (`CI_PROJECT_ID`); also reachable as `acme%2Finfra`.
pub const PROJECT_ID: u64 = 1234;
/// The project's path (`CI_PROJECT_PATH`).
pub const PROJECT_PATH: &str = "acme/infra";
/// The merge request's iid (`CI_MERGE_REQUEST_IID`).
pub const IID: u64 = 7;
/// The merge request's global id.
pub const MR_ID: u64 = 87_007;
/// The server as people reach it (`CI_SERVER_URL`).
pub const SERVER: &str = "https://gitlab.example";
/// The merge request's page.
pub const WEB_URL: &str = "https://gitlab.example/acme/infra/-/merge_requests/7";
/// The job's page (`CI_JOB_URL`): the status links to it.
pub const JOB_URL: &str = "https://gitlab.example/acme/infra/-/jobs/42";

/// The pipeline the job runs in (`CI_PIPELINE_ID`).
pub const PIPELINE_ID: u64 = 4242;

/// The head commit of the merge request.
pub const HEAD: &str = "1111111111111111111111111111111111111111";
/// An older commit of the merge request (its first push).
pub const OLD: &str = "0000000000000000000000000000000000000000";
/// The target branch's commit when the head was pushed (`diff_refs.start_sha`).
pub const BASE: &str = "3333333333333333333333333333333333333333";
/// The merge base of the target branch and the head (`diff_refs.base_sha`): where the files
/// are read "before".
pub const MERGE_BASE: &str = "4444444444444444444444444444444444444444";
/// When OLD was pushed (version 1).
pub const PUSHED_OLD: &str = "2026-11-22T06:00:00.000Z";
/// When HEAD was pushed (version 2).
pub const PUSHED_HEAD: &str = "2026-11-22T07:30:00.000Z";

/// The identity of the token (`GET /user`): a project access token's bot user, which writes
/// foureyes' notes.
pub const VIEWER_ID: u64 = 900;
pub const VIEWER: &str = "project_1234_bot_5e1f";
/// The longest note GitLab accepts, in characters.
pub const NOTE_LIMIT: usize = 1_000_000;
/// Items per page at most: small, so that lists need several pages.
pub const PAGE: usize = 3;
/// How many files GitLab keeps in a merge request's diff by default (`diff_max_files`): past
/// it, `changes_count` reads `1000+` and the list stops.
pub const DIFF_LIMIT: usize = 1000;
/// The default size limit of a dotenv report (`dotenv_size`), in bytes.
pub const DOTENV_SIZE: usize = 5 * 1024;
/// The least number of variables a dotenv report may hold on any plan (`dotenv_variables`).
pub const DOTENV_VARIABLES: usize = 20;

/// A request the fake received.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    /// The whole path, with any prefix (`/gitlab/api/v4/...`).
    pub path: String,
    pub query: String,
    pub body: String,
    pub authorization: String,
    pub private_token: String,
    /// Every header, as (lowercase name, value).
    pub headers: Vec<(String, String)>,
}

impl Seen {
    /// The path below `/api/v4`.
    pub fn api_path(&self) -> &str {
        let path = self.path.strip_prefix("/gitlab").unwrap_or(&self.path);
        path.strip_prefix("/api/v4").unwrap_or(path)
    }
}

/// A failure to answer instead of the real thing.
#[derive(Debug, Clone)]
pub struct Failure {
    pub method: &'static str,
    /// The path below `/api/v4` must start with this.
    pub path: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// The body; GitLab's own for the status when `None`.
    pub body: Option<Value>,
}

/// Which repeated commit statuses GitLab refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Transitions {
    /// Any state posted again for the same commit and name while it is the current one:
    /// `Cannot transition status via :success from :success` (stricter than GitLab; a forge
    /// that copes with it copes with GitLab).
    #[default]
    Strict,
    /// As GitLab does: only `pending` and `running` again, while the current status of that
    /// commit and name is still pending or running (`:enqueue from :pending`).
    GitLab,
    /// Everything accepted.
    Off,
}

/// An approval of the merge request.
#[derive(Debug, Clone)]
pub struct Approval {
    pub user: u64,
    /// When, as `approved_at` says it (RFC 3339); `None`: GitLab did not say.
    pub at: Option<String>,
}

/// What the fake holds.
#[derive(Debug, Default)]
pub struct State {
    /// The token the API accepts; another one is answered 401.
    pub token: String,
    /// The user the token authenticates as.
    pub viewer: u64,
    /// Every user: `{id, username, name, public_email, bot, state}`.
    pub users: Vec<Value>,
    /// The merge request's author (a user id).
    pub author: u64,
    /// `opened`, `closed`, `merged`, `locked`.
    pub mr_state: String,
    /// The head commit of the merge request now (`sha`, `diff_refs.head_sha`).
    pub head: String,
    /// The merge request's reviewers (user ids).
    pub reviewers: Vec<u64>,
    /// Every `reviewer_ids` a `PUT` of the merge request set, in order.
    pub reviewer_updates: Vec<Vec<u64>>,
    /// Notes, in the order they were written (`_editor` is the fake's: who last edited it).
    pub notes: Vec<Value>,
    pub approvals: Vec<Approval>,
    /// Give `approved_at` in the approvals (newer GitLab); older versions do not.
    pub approved_at: bool,
    /// Pushing drops every approval (the project's "Remove all approvals when commits are
    /// added to the source branch").
    pub reset_approvals_on_push: bool,
    /// The merge request's versions (one per push), oldest first; listed newest first.
    pub versions: Vec<Value>,
    /// The merge request's commits, oldest first; listed newest first, as GitLab does.
    pub commits: Vec<Value>,
    /// Every status set: `{sha, state, name, description, target_url, ref, pipeline_id}` (the
    /// last two as sent, `null` when not).
    pub statuses: Vec<Value>,
    pub transitions: Transitions,
    /// Group memberships: (group full path, username, access level). `members/all` also
    /// finds members of the group's ancestors, as GitLab does.
    pub members: Vec<(String, String, u64)>,
    /// The merge request's changed files, as `/diffs` lists them.
    pub diffs: Vec<Value>,
    /// Files GitLab keeps in the merge request's diff.
    pub diff_limit: usize,
    /// What `changes_count` says; from `diffs` (and `1000+` past the limit) when unset.
    pub changes_count: Option<String>,
    /// Files of the repository by (commit, path), served raw.
    pub contents: Vec<((String, String), Vec<u8>)>,
    pub failures: VecDeque<Failure>,
    pub seen: Vec<Seen>,
    /// Quick actions GitLab ran from note bodies (the lines): foureyes must never run one.
    pub quick_actions: Vec<String>,
    /// Where the API is served, before `/api/v4`: empty, or `/gitlab` for a self-managed
    /// server under a path prefix (the fake answers at both).
    pub prefix: String,
    /// The server's clock, as the `Date` header says it; notes and statuses are written then.
    pub clock: String,
    /// Echo the tokens back (the request's, and the job token, which GitLab issued): in every
    /// error message (as they are, in base64 Basic credentials, base64url, percent-encoded
    /// and JSON-escaped), in created and edited notes, and in the merge request's `web_url`.
    pub echo: bool,
    /// Items per page at most.
    pub page: usize,
    /// Send `Link` headers; without them only `X-Next-Page` says what comes next.
    pub link_header: bool,
    /// The base of the URLs in `Link` headers (GitLab's configured external URL); the
    /// request's `Host` when unset.
    pub link_base: Option<String>,
    next_note: u64,
    next_status: u64,
}

/// A user as the users table holds it.
pub fn user(id: u64, username: &str, name: &str, public_email: &str, bot: bool) -> Value {
    json!({
        "id": id,
        "username": username,
        "name": name,
        "public_email": public_email,
        "bot": bot,
        "state": "active",
        "locked": false,
        "avatar_url": format!("{SERVER}/uploads/-/system/user/avatar/{id}/avatar.png"),
        "web_url": format!("{SERVER}/{username}"),
    })
}

/// A user as other answers embed it (an author, an approver): no `bot`, no email.
fn brief(user: &Value) -> Value {
    let mut out = serde_json::Map::new();
    for key in [
        "id",
        "username",
        "name",
        "state",
        "locked",
        "avatar_url",
        "web_url",
    ] {
        out.insert(key.into(), user[key].clone());
    }
    Value::Object(out)
}

/// An HTTP date (`Sun, 22 Nov 2026 08:00:00 GMT`) as GitLab writes times:
/// `2026-11-22T08:00:00.000Z`.
pub fn gitlab_time(http_date: &str) -> String {
    chrono::DateTime::parse_from_rfc2822(http_date)
        .expect("the fake's clock is an HTTP date")
        .with_timezone(&chrono::Utc)
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

impl State {
    /// The clock now, as GitLab writes times.
    pub fn now(&self) -> String {
        gitlab_time(&self.clock)
    }

    /// A user by username (case-insensitive, as GitLab matches them).
    pub fn user(&self, username: &str) -> &Value {
        self.users
            .iter()
            .find(|u| {
                u["username"]
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case(username))
            })
            .unwrap_or_else(|| panic!("the fake has no user {username}"))
    }

    /// A user's id by username.
    pub fn id(&self, username: &str) -> u64 {
        self.user(username)["id"].as_u64().expect("an id")
    }

    fn by_id(&self, id: u64) -> Option<&Value> {
        self.users.iter().find(|u| u["id"] == id)
    }

    /// Add a user, or replace the one with the same id.
    pub fn set_user(&mut self, id: u64, username: &str, name: &str, public_email: &str, bot: bool) {
        self.users.retain(|u| u["id"] != id);
        self.users.push(user(id, username, name, public_email, bot));
    }

    /// Add a note by `username` now; its id.
    pub fn note(&mut self, username: &str, body: &str) -> u64 {
        let at = self.now();
        self.note_at(username, body, false, &at)
    }

    /// Add a system note by `username` at `at` (what GitLab writes for approvals, pushes).
    pub fn system_note(&mut self, username: &str, body: &str, at: &str) -> u64 {
        self.note_at(username, body, true, at)
    }

    fn note_at(&mut self, username: &str, body: &str, system: bool, at: &str) -> u64 {
        let id = self.user(username)["id"].as_u64().expect("an id");
        self.note_by(id, body, system, at)
    }

    fn note_by(&mut self, author: u64, body: &str, system: bool, at: &str) -> u64 {
        self.next_note += 1;
        let id = 5000 + self.next_note;
        let author = brief(self.by_id(author).expect("a known author"));
        self.notes.push(json!({
            "id": id,
            "type": null,
            "body": body,
            "attachment": null,
            "author": author,
            "created_at": at,
            "updated_at": at,
            "system": system,
            "noteable_id": MR_ID,
            "noteable_type": "MergeRequest",
            "project_id": PROJECT_ID,
            "noteable_iid": IID,
            "resolvable": false,
            "confidential": false,
            "internal": false,
            "_editor": null,
        }));
        id
    }

    /// Edit note `id` as `username` now: what only an administrator can do to someone
    /// else's note (GitLab lets only the author edit a note otherwise).
    pub fn edit_note(&mut self, id: u64, username: &str, body: &str) {
        let now = self.now();
        let editor = self.id(username);
        let note = self
            .notes
            .iter_mut()
            .find(|n| n["id"] == id)
            .expect("a note with that id");
        note["body"] = body.into();
        note["updated_at"] = now.into();
        note["_editor"] = editor.into();
    }

    /// The notes' bodies that are not system notes, oldest first.
    pub fn bodies(&self) -> Vec<String> {
        self.notes
            .iter()
            .filter(|n| n["system"] == false)
            .map(|n| n["body"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// The notes written by the token's identity, oldest first.
    pub fn own_notes(&self) -> Vec<&Value> {
        self.notes
            .iter()
            .filter(|n| n["author"]["id"] == self.viewer && n["system"] == false)
            .collect()
    }

    /// `username` approves the merge request at `at`, and GitLab writes the system note
    /// `approved this merge request` by them then. `None`: an approval whose time GitLab
    /// gives nowhere (no `approved_at`, no system note).
    pub fn approve(&mut self, username: &str, at: Option<&str>) {
        let user = self.id(username);
        self.approvals.retain(|a| a.user != user);
        self.approvals.push(Approval {
            user,
            at: at.map(str::to_owned),
        });
        if let Some(at) = at {
            self.note_by(user, "approved this merge request", true, at);
        }
    }

    /// `username` withdraws their approval now, with GitLab's system note.
    pub fn unapprove(&mut self, username: &str) {
        let user = self.id(username);
        self.approvals.retain(|a| a.user != user);
        let now = self.now();
        self.note_by(user, "unapproved this merge request", true, &now);
    }

    /// The merge request's author pushes `sha` at `at`: a new version, the head moves, the
    /// commit is listed (by bob, committed by carol, like the others), and GitLab writes the
    /// system note `added 1 commit`.
    pub fn push(&mut self, sha: &str, at: &str) {
        let id = 100 + self.versions.len() as u64 + 1;
        self.versions.push(version(id, sha, at));
        self.head = sha.to_owned();
        if !self.commits.iter().any(|c| c["id"] == sha) {
            self.commits.push(commit(
                sha,
                ("Bob", "bob@example.com"),
                ("Carol", "carol@example.com"),
                "Fix the review",
                at,
            ));
        }
        if self.reset_approvals_on_push {
            self.approvals.clear();
        }
        let title = self
            .commits
            .iter()
            .find(|c| c["id"] == sha)
            .and_then(|c| c["title"].as_str())
            .unwrap_or_default()
            .to_owned();
        let author = self.author;
        self.note_by(
            author,
            &format!(
                "added 1 commit\n\n<ul><li>{} - {title}</li></ul>",
                &sha[..8]
            ),
            true,
            at,
        );
    }

    /// Add a changed file: `how` is `modified`, `new`, `deleted` or `renamed` (with the old
    /// path).
    pub fn diff(&mut self, path: &str, how: &str, old: Option<&str>) {
        self.diffs.push(json!({
            "old_path": old.unwrap_or(path),
            "new_path": path,
            "a_mode": if how == "new" { "0" } else { "100644" },
            "b_mode": if how == "deleted" { "0" } else { "100644" },
            "new_file": how == "new",
            "renamed_file": how == "renamed",
            "deleted_file": how == "deleted",
            "generated_file": false,
            "diff": "",
        }));
    }

    /// A file's contents at a commit.
    pub fn content(&mut self, commit: &str, path: &str, text: &str) {
        self.content_bytes(commit, path, text.as_bytes());
    }

    /// A file's contents at a commit, as bytes.
    pub fn content_bytes(&mut self, commit: &str, path: &str, bytes: &[u8]) {
        self.contents
            .retain(|((c, p), _)| !(c == commit && p == path));
        self.contents
            .push(((commit.to_owned(), path.to_owned()), bytes.to_vec()));
    }

    /// `username` is a member of the group `group` (its full path) with Developer access.
    pub fn member(&mut self, group: &str, username: &str) {
        self.members
            .push((group.to_owned(), username.to_owned(), 30));
    }

    /// Answer the next request of `method` to a path (below `/api/v4`) starting with `path`
    /// with `status`, GitLab's body for it, and these headers.
    pub fn fail(
        &mut self,
        method: &'static str,
        path: String,
        status: u16,
        headers: &[(&str, &str)],
    ) {
        self.fail_with(method, path, status, headers, None);
    }

    /// The same, with this body.
    pub fn fail_with(
        &mut self,
        method: &'static str,
        path: String,
        status: u16,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) {
        self.failures.push_back(Failure {
            method,
            path,
            status,
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            body,
        });
    }

    /// The writes the fake received: every request but GET.
    pub fn writes(&self) -> Vec<&Seen> {
        self.seen.iter().filter(|s| s.method != "GET").collect()
    }

    /// The requests to paths (below `/api/v4`) that start with `prefix`.
    pub fn asked(&self, prefix: &str) -> Vec<&Seen> {
        self.seen
            .iter()
            .filter(|s| s.api_path().starts_with(prefix))
            .collect()
    }
}

/// The path of the merge request, below `/api/v4`.
pub fn mr_path() -> String {
    format!("/projects/{PROJECT_ID}/merge_requests/{IID}")
}

fn version(id: u64, sha: &str, at: &str) -> Value {
    json!({
        "id": id,
        "head_commit_sha": sha,
        "base_commit_sha": MERGE_BASE,
        "start_commit_sha": BASE,
        "created_at": at,
        "merge_request_id": MR_ID,
        "state": "collected",
        "real_size": "1",
        "patch_id_sha": format!("{id:040x}"),
    })
}

/// A commit as GitLab lists it: no account, only the names and emails git recorded.
pub fn commit(
    sha: &str,
    author: (&str, &str),
    committer: (&str, &str),
    message: &str,
    at: &str,
) -> Value {
    json!({
        "id": sha,
        "short_id": &sha[..8],
        "created_at": at,
        "parent_ids": [],
        "title": message.lines().next().unwrap_or_default(),
        "message": message,
        "author_name": author.0,
        "author_email": author.1,
        "authored_date": at,
        "committer_name": committer.0,
        "committer_email": committer.1,
        "committed_date": at,
        "trailers": {},
        "extended_trailers": {},
        "web_url": format!("{SERVER}/{PROJECT_PATH}/-/commit/{sha}"),
    })
}

/// The default users: people, bots, access-token users and the pipeline's account.
fn users() -> Vec<Value> {
    vec![
        user(1, "alice", "Alice A", "", false),
        user(2, "bob", "Bob", "", false),
        user(3, "carol", "Carol", "", false),
        // NOTE: id 42, as the co-author's no-reply address `42-dave@...` says.
        user(42, "dave", "Dave D", "", false),
        user(5, "erin", "Erin", "", false),
        user(6, "frank", "Frank", "", false),
        user(7, "grace", "Grace", "grace@example.com", false),
        user(8, "heidi", "Heidi", "", false),
        user(9, "ivan", "Ivan", "", false),
        user(10, "judy", "Judy", "", false),
        user(11, "kim", "Kim", "", false),
        user(20, "renovate-bot", "Renovate Bot", "", true),
        user(21, "project_1234_bot_77aa", "deploy token", "", true),
        user(22, "group_55_bot_1234", "group token", "", true),
        user(23, "ci-deploy", "CI Deploy", "", false),
        user(VIEWER_ID, VIEWER, "foureyes", "", true),
    ]
}

/// The token in the shapes an API may echo it in.
pub fn echoes(token: &str) -> Vec<String> {
    super::common::http::echoes(token, &["oauth2", "gitlab-ci-token"])
}

/// A running fake and its state.
pub struct Fake {
    pub server: MockServer,
    pub state: Arc<Mutex<State>>,
    /// The proxy in front of the server, when requests are slowed.
    proxy: Option<String>,
}

impl Fake {
    /// A fake merge request `!7` of `acme/infra` by alice, with two pushes (OLD at 06:00, HEAD
    /// at 07:30), whose commits are by Bob and committed by Carol, the head co-authored by
    /// Dave through his no-reply address; one changed file (`main.tf`); the token is [`TOKEN`].
    pub async fn start() -> Fake {
        let server = MockServer::start().await;
        let mut state = State {
            token: TOKEN.into(),
            viewer: VIEWER_ID,
            users: users(),
            author: 1,
            mr_state: "opened".into(),
            approved_at: true,
            diff_limit: DIFF_LIMIT,
            clock: "Sun, 22 Nov 2026 08:00:00 GMT".into(),
            page: PAGE,
            link_header: true,
            ..State::default()
        };
        state.commits = vec![commit(
            OLD,
            ("Bob", "bob@example.com"),
            ("Carol", "carol@example.com"),
            "Add the deployer role",
            "2026-11-22T05:55:00.000Z",
        )];
        state.versions = vec![version(101, OLD, PUSHED_OLD)];
        state.head = OLD.into();
        state.commits.push(commit(
            HEAD,
            ("Bob", "bob@example.com"),
            ("Carol", "carol@example.com"),
            "Stop the trail\n\nCo-authored-by: Dave D <42-dave@users.noreply.gitlab.example>",
            "2026-11-22T07:25:00.000Z",
        ));
        state.push(HEAD, PUSHED_HEAD);
        state.diff("main.tf", "modified", None);
        let state = Arc::new(Mutex::new(state));
        Mock::given(wiremock::matchers::any())
            .respond_with(Handler {
                state: state.clone(),
            })
            .mount(&server)
            .await;
        Fake {
            server,
            state,
            proxy: None,
        }
    }

    /// The API's URL, as `CI_API_V4_URL` gives it.
    pub fn uri(&self) -> String {
        let base = self.proxy.clone().unwrap_or_else(|| self.server.uri());
        format!("{base}{}/api/v4", self.with(|s| s.prefix.clone()))
    }

    /// From now on, requests to paths (the whole path, with `/api/v4`) that start with `path`
    /// are slow in this way; the others are answered as before.
    pub async fn slow(&mut self, path: &str, how: Slow) {
        let proxy = super::common::http::start(*self.server.address(), path, how).await;
        self.proxy = Some(proxy);
    }

    pub fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        f(&mut self.state.lock().expect("not poisoned"))
    }
}

/// The quick actions GitLab runs from a note (those that change the merge request or its
/// people; GitLab knows more).
const QUICK_ACTIONS: &[&str] = &[
    "approve",
    "unapprove",
    "merge",
    "close",
    "reopen",
    "draft",
    "ready",
    "wip",
    "assign",
    "unassign",
    "assign_reviewer",
    "reviewer",
    "request_review",
    "unassign_reviewer",
    "remove_reviewer",
    "label",
    "unlabel",
    "relabel",
    "title",
    "target_branch",
    "rebase",
    "submit_review",
    "lock",
    "unlock",
    "milestone",
    "copy_metadata",
    "react",
    "award",
];

/// The quick actions a note body runs, and the body left once GitLab removed them: lines
/// that start with `/COMMAND` (leading blanks allowed here, to be safe), outside fenced code
/// and quotes.
pub fn quick_actions(body: &str) -> (Vec<String>, String) {
    let mut ran = Vec::new();
    let mut kept = Vec::new();
    let mut fence: Option<&str> = None;
    for line in body.split('\n') {
        let trimmed = line.trim_start_matches([' ', '\t']);
        if let Some(f) = fence {
            if trimmed.starts_with(f) {
                fence = None;
            }
            kept.push(line);
            continue;
        }
        if trimmed.starts_with("```") {
            fence = Some("```");
        } else if trimmed.starts_with("~~~") {
            fence = Some("~~~");
        }
        let command = trimmed.strip_prefix('/').and_then(|rest| {
            let name = rest
                .split(|c: char| c.is_whitespace())
                .next()
                .unwrap_or_default();
            QUICK_ACTIONS.iter().find(|q| q.eq_ignore_ascii_case(name))
        });
        if fence.is_none() && !trimmed.starts_with('>') && command.is_some() {
            ran.push(line.trim().to_owned());
        } else {
            kept.push(line);
        }
    }
    (ran, kept.join("\n"))
}

/// The parameters of a request: its query, then its body (JSON, or a form), which wins.
fn params(req: &Request) -> Value {
    let mut out = serde_json::Map::new();
    let form = |text: &str, out: &mut serde_json::Map<String, Value>| {
        for pair in text.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let k = super::common::http::decode(&k.replace('+', " "));
            let v = super::common::http::decode(&v.replace('+', " "));
            if let Some(k) = k.strip_suffix("[]") {
                let list = out.entry(k.to_owned()).or_insert_with(|| json!([]));
                if let Some(a) = list.as_array_mut() {
                    a.push(v.into());
                }
            } else {
                out.insert(k, v.into());
            }
        }
    };
    form(req.url.query().unwrap_or_default(), &mut out);
    match serde_json::from_slice::<Value>(&req.body) {
        Ok(Value::Object(body)) => out.extend(body),
        _ => form(&String::from_utf8_lossy(&req.body), &mut out),
    }
    Value::Object(out)
}

/// A parameter given as text.
fn text(args: &Value, key: &str) -> Option<String> {
    match &args[key] {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// A parameter that is a list of ids: `[1, 2]`, `["1"]`, or `"1,2"`.
fn ids(v: &Value) -> Vec<u64> {
    match v {
        Value::Array(a) => a
            .iter()
            .filter_map(|x| x.as_u64().or_else(|| x.as_str()?.trim().parse().ok()))
            .collect(),
        Value::String(s) => s.split(',').filter_map(|x| x.trim().parse().ok()).collect(),
        Value::Number(n) => n.as_u64().into_iter().collect(),
        _ => Vec::new(),
    }
}

/// GitLab's event for a status state, and the state it leads to.
fn event(state: &str) -> &'static str {
    match state {
        "pending" => "enqueue",
        "running" => "run",
        "success" => "success",
        "failed" => "drop",
        "canceled" => "cancel",
        "skipped" => "skip",
        _ => "unknown",
    }
}

struct Handler {
    state: Arc<Mutex<State>>,
}

impl Respond for Handler {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let clock = self.state.lock().expect("not poisoned").clock.clone();
        self.answer(req).insert_header("date", clock.as_str())
    }
}

fn header(req: &Request, name: &str) -> String {
    req.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

impl Handler {
    fn answer(&self, req: &Request) -> ResponseTemplate {
        let mut s = self.state.lock().expect("not poisoned");
        let method = req.method.to_string();
        let full = req.url.path().to_owned();
        let query = req.url.query().unwrap_or_default().to_owned();
        let authorization = header(req, "authorization");
        let private_token = header(req, "private-token");
        s.seen.push(Seen {
            method: method.clone(),
            path: full.clone(),
            query: query.clone(),
            body: String::from_utf8_lossy(&req.body).into_owned(),
            authorization: authorization.clone(),
            private_token: private_token.clone(),
            headers: req
                .headers
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_ascii_lowercase(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
        });
        // The token: `PRIVATE-TOKEN`, or `Authorization: Bearer`.
        let token = if private_token.is_empty() {
            authorization
                .strip_prefix("Bearer ")
                .or_else(|| authorization.strip_prefix("bearer "))
                .unwrap_or_default()
                .trim()
                .to_owned()
        } else {
            private_token.trim().to_owned()
        };
        let echo = |s: &State| -> String {
            if s.echo {
                let mut all = echoes(&token);
                all.extend(echoes(JOB_TOKEN));
                format!(": {}", all.join(" "))
            } else {
                String::new()
            }
        };
        let message = |s: &State, status: u16, text: &str| -> ResponseTemplate {
            ResponseTemplate::new(status)
                .set_body_json(json!({ "message": format!("{text}{}", echo(s)) }))
        };
        // A self-managed server under a path prefix, and the API's version.
        let under = full.strip_prefix("/gitlab").unwrap_or(&full);
        let Some(api) = under.strip_prefix("/api/v4") else {
            return message(&s, 404, "404 Not Found");
        };
        // The project by id or by its URL-encoded path.
        let lower = api.to_ascii_lowercase();
        let encoded = format!("/projects/{}/", PROJECT_PATH.replace('/', "%2f"));
        let path = if lower.starts_with(&encoded) || lower == encoded.trim_end_matches('/') {
            format!("/projects/{PROJECT_ID}{}", &api[encoded.len() - 1..])
        } else {
            api.to_owned()
        };
        if token.is_empty() || token != s.token {
            return message(&s, 401, "401 Unauthorized");
        }
        if let Some(i) = s
            .failures
            .iter()
            .position(|f| f.method == method && path.starts_with(&f.path))
        {
            // Each failure is answered once; then the fake answers normally.
            let f = s.failures.remove(i).expect("found above");
            let mut t = match (&f.body, f.status) {
                (Some(body), status) => {
                    let mut body = body.clone();
                    if s.echo {
                        body["echo"] = echo(&s).into();
                    }
                    ResponseTemplate::new(status).set_body_json(body)
                }
                // Rack::Attack's answer.
                (None, 429) => ResponseTemplate::new(429)
                    .set_body_raw(format!("Retry later{}\n", echo(&s)), "text/plain"),
                // Workhorse's page when Rails does not answer.
                (None, 502) => ResponseTemplate::new(502).set_body_raw(
                    format!(
                        "<!DOCTYPE html>\n<html><head><title>GitLab is not responding (502)</title></head>\
                         <body><h1>502</h1><p>Whoops, GitLab is taking too much time to respond.{}</p></body></html>\n",
                        echo(&s)
                    ),
                    "text/html",
                ),
                (None, status) => {
                    let text = match status {
                        400 => "400 Bad request",
                        401 => "401 Unauthorized",
                        403 => "403 Forbidden",
                        404 => "404 Not Found",
                        409 => "409 Conflict",
                        422 => "422 Unprocessable Entity",
                        500 => "500 Internal Server Error",
                        503 => "503 Service Unavailable",
                        _ => "Error",
                    };
                    message(&s, status, text)
                }
            };
            for (k, v) in &f.headers {
                t = t.insert_header(k.as_str(), v.as_str());
            }
            return t;
        }
        let args = params(req);
        let page: usize = args["page"]
            .as_str()
            .and_then(|v| v.parse().ok())
            .filter(|n| *n >= 1)
            .unwrap_or(1);
        let per_page: usize = args["per_page"]
            .as_str()
            .and_then(|v| v.parse().ok())
            .filter(|n| *n >= 1)
            .unwrap_or(20)
            .min(100)
            .min(s.page);
        let host = header(req, "host");
        let link_base = s
            .link_base
            .clone()
            .unwrap_or_else(|| format!("http://{host}"));
        let link_header = s.link_header;
        // A page of a list, with GitLab's offset pagination headers.
        let list = |items: &[Value]| -> ResponseTemplate {
            let total = items.len();
            let pages = total.div_ceil(per_page).max(1);
            let start = (page - 1) * per_page;
            let chunk: Vec<Value> = items.iter().skip(start).take(per_page).cloned().collect();
            let next = (page < pages).then(|| (page + 1).to_string());
            let prev = (page > 1).then(|| (page - 1).to_string());
            let mut t = ResponseTemplate::new(200)
                .set_body_json(chunk)
                .insert_header("x-page", page.to_string().as_str())
                .insert_header("x-per-page", per_page.to_string().as_str())
                .insert_header("x-next-page", next.clone().unwrap_or_default().as_str())
                .insert_header("x-prev-page", prev.clone().unwrap_or_default().as_str())
                .insert_header("x-total", total.to_string().as_str())
                .insert_header("x-total-pages", pages.to_string().as_str());
            if link_header {
                let url = |n: usize| {
                    let mut q: Vec<String> = query
                        .split('&')
                        .filter(|q| !q.is_empty() && !q.starts_with("page="))
                        .map(str::to_owned)
                        .collect();
                    q.push(format!("page={n}"));
                    format!("<{link_base}{full}?{}>", q.join("&"))
                };
                let mut links = Vec::new();
                if let Some(prev) = &prev {
                    links.push(format!("{}; rel=\"prev\"", url(prev.parse().unwrap_or(1))));
                }
                if let Some(next) = &next {
                    links.push(format!("{}; rel=\"next\"", url(next.parse().unwrap_or(1))));
                }
                links.push(format!("{}; rel=\"first\"", url(1)));
                links.push(format!("{}; rel=\"last\"", url(pages)));
                t = t.insert_header("link", links.join(", ").as_str());
            }
            t
        };
        let public = |v: &Value| -> Value {
            let mut v = v.clone();
            if let Some(o) = v.as_object_mut() {
                o.retain(|k, _| !k.starts_with('_'));
            }
            v
        };
        let mr = mr_path();
        let notes = format!("{mr}/notes");
        let note_prefix = format!("{mr}/notes/");
        let statuses = format!("/projects/{PROJECT_ID}/statuses/");
        let files = format!("/projects/{PROJECT_ID}/repository/files/");
        let commit_statuses = format!("/projects/{PROJECT_ID}/repository/commits/");
        let too_long = |text: &str| {
            (text.chars().count() > NOTE_LIMIT).then(|| {
                ResponseTemplate::new(400).set_body_json(json!({
                    "message": { "note": ["is too long (maximum is 1000000 characters)"] }
                }))
            })
        };
        let mr_json = |s: &State| -> Value {
            let reviewers: Vec<Value> = s
                .reviewers
                .iter()
                .filter_map(|id| s.by_id(*id).map(brief))
                .collect();
            let listed = s.diffs.len().min(s.diff_limit);
            let changes = s.changes_count.clone().unwrap_or_else(|| {
                if s.diffs.len() > s.diff_limit {
                    format!("{}+", s.diff_limit)
                } else {
                    listed.to_string()
                }
            });
            let mut web_url = WEB_URL.to_owned();
            if s.echo {
                web_url = format!(
                    "{web_url}?echo={}",
                    echo(s).trim_start_matches(": ").replace(' ', "/")
                );
            }
            json!({
                "id": MR_ID,
                "iid": IID,
                "project_id": PROJECT_ID,
                "title": "Stop the trail",
                "description": "",
                "state": s.mr_state,
                "created_at": PUSHED_OLD,
                "updated_at": s.now(),
                "target_branch": "main",
                "source_branch": "change",
                "source_project_id": PROJECT_ID,
                "target_project_id": PROJECT_ID,
                "author": s.by_id(s.author).map(brief),
                "assignees": [],
                "reviewers": reviewers,
                "draft": false,
                "work_in_progress": false,
                "merge_status": "can_be_merged",
                "detailed_merge_status": "mergeable",
                "sha": s.head,
                "merge_commit_sha": null,
                "diff_refs": { "base_sha": MERGE_BASE, "head_sha": s.head, "start_sha": BASE },
                "changes_count": changes,
                "user_notes_count": s.notes.iter().filter(|n| n["system"] == false).count(),
                "references": { "short": "!7", "full": format!("{PROJECT_PATH}!{IID}") },
                "web_url": web_url,
            })
        };
        match (method.as_str(), path.as_str()) {
            ("GET", "/user") => {
                let viewer = s.viewer;
                match s.by_id(viewer) {
                    Some(u) => ResponseTemplate::new(200).set_body_json(u.clone()),
                    None => message(&s, 401, "401 Unauthorized"),
                }
            }
            ("GET", "/users") => {
                let wanted = args["username"].as_str().unwrap_or_default().to_owned();
                let found: Vec<Value> = s
                    .users
                    .iter()
                    .filter(|u| {
                        u["username"]
                            .as_str()
                            .is_some_and(|n| n.eq_ignore_ascii_case(&wanted))
                    })
                    .cloned()
                    .collect();
                list(&found)
            }
            ("GET", p) if p.starts_with("/users/") => {
                let id: u64 = p["/users/".len()..].parse().unwrap_or(0);
                match s.by_id(id) {
                    Some(u) => ResponseTemplate::new(200).set_body_json(u.clone()),
                    None => message(&s, 404, "404 User Not Found"),
                }
            }
            ("GET", p) if p.starts_with("/groups/") => {
                // /groups/:path/members[/all]/:user_id
                let rest = &p["/groups/".len()..];
                let (group, all, user) = match rest.split('/').collect::<Vec<_>>()[..] {
                    [g, "members", "all", u] => (g, true, u),
                    [g, "members", u] => (g, false, u),
                    _ => return message(&s, 404, "404 Not Found"),
                };
                let group = super::common::http::decode(group);
                let user: u64 = user.parse().unwrap_or(0);
                let Some(u) = s.by_id(user).cloned() else {
                    return message(&s, 404, "404 Not found");
                };
                let username = u["username"].as_str().unwrap_or_default();
                // `members/all` also lists those who inherit membership from an ancestor.
                let found = s.members.iter().find(|(g, name, _)| {
                    name.eq_ignore_ascii_case(username)
                        && (g.eq_ignore_ascii_case(&group)
                            || (all
                                && group
                                    .to_ascii_lowercase()
                                    .starts_with(&format!("{}/", g.to_ascii_lowercase()))))
                });
                match found {
                    Some((_, _, level)) => ResponseTemplate::new(200).set_body_json(json!({
                        "id": user,
                        "username": username,
                        "name": u["name"],
                        "state": "active",
                        "access_level": level,
                        "membership_state": "active",
                    })),
                    None => message(&s, 404, "404 Not found"),
                }
            }
            ("GET", p) if p == mr => ResponseTemplate::new(200).set_body_json(mr_json(&s)),
            ("PUT", p) if p == mr => {
                if !args["reviewer_ids"].is_null() {
                    let reviewers = ids(&args["reviewer_ids"]);
                    if let Some(unknown) = reviewers.iter().find(|id| s.by_id(**id).is_none()) {
                        return ResponseTemplate::new(400).set_body_json(
                            json!({ "message": { "reviewers": [format!("user {unknown} not found")] } }),
                        );
                    }
                    s.reviewers = reviewers.clone();
                    s.reviewer_updates.push(reviewers);
                }
                ResponseTemplate::new(200).set_body_json(mr_json(&s))
            }
            ("GET", p) if p == notes => {
                let order_by = text(&args, "order_by").unwrap_or("created_at".into());
                let asc = text(&args, "sort").as_deref() == Some("asc");
                let key = if order_by == "updated_at" {
                    "updated_at"
                } else {
                    "created_at"
                };
                let mut all: Vec<Value> = s.notes.iter().map(public).collect();
                // GitLab sorts by the time, then the id; newest first unless asked.
                all.sort_by(|a, b| {
                    let ta = a[key].as_str().unwrap_or_default();
                    let tb = b[key].as_str().unwrap_or_default();
                    ta.cmp(tb).then(a["id"].as_u64().cmp(&b["id"].as_u64()))
                });
                if !asc {
                    all.reverse();
                }
                list(&all)
            }
            ("POST", p) if p == notes => {
                let Some(text) = args["body"].as_str().map(str::to_owned) else {
                    return ResponseTemplate::new(400)
                        .set_body_json(json!({ "error": "body is missing" }));
                };
                if let Some(refused) = too_long(&text) {
                    return refused;
                }
                let (ran, text) = quick_actions(&text);
                let ran_any = !ran.is_empty();
                run_quick_actions(&mut s, &ran);
                if ran_any && text.trim().is_empty() {
                    return ResponseTemplate::new(202).set_body_json(json!({
                        "commands_changes": { "quick_actions": ran },
                        "summary": ["Ran the quick actions."],
                    }));
                }
                let now = s.now();
                let viewer = s.viewer;
                let id = s.note_by(viewer, &text, false, &now);
                let mut answer = public(s.notes.iter().find(|n| n["id"] == id).expect("added"));
                if s.echo {
                    answer["body"] = format!("{text}\n{}", echo(&s)).into();
                }
                ResponseTemplate::new(201).set_body_json(answer)
            }
            (m, p) if p.starts_with(&note_prefix) => {
                let id: u64 = p[note_prefix.len()..].parse().unwrap_or(0);
                let Some(i) = s.notes.iter().position(|n| n["id"] == id) else {
                    return message(&s, 404, "404 Not found");
                };
                match m {
                    "GET" => ResponseTemplate::new(200).set_body_json(public(&s.notes[i])),
                    "PUT" => {
                        // Only a note's author may edit it.
                        if s.notes[i]["author"]["id"] != s.viewer || s.notes[i]["system"] == true {
                            return message(&s, 403, "403 Forbidden");
                        }
                        let Some(text) = args["body"].as_str().map(str::to_owned) else {
                            return ResponseTemplate::new(400)
                                .set_body_json(json!({ "error": "body is missing" }));
                        };
                        if let Some(refused) = too_long(&text) {
                            return refused;
                        }
                        let (ran, text) = quick_actions(&text);
                        run_quick_actions(&mut s, &ran);
                        let now = s.now();
                        let viewer = s.viewer;
                        s.notes[i]["body"] = text.clone().into();
                        s.notes[i]["updated_at"] = now.into();
                        s.notes[i]["_editor"] = viewer.into();
                        let mut answer = public(&s.notes[i]);
                        if s.echo {
                            answer["body"] = format!("{text}\n{}", echo(&s)).into();
                        }
                        ResponseTemplate::new(200).set_body_json(answer)
                    }
                    "DELETE" => {
                        if s.notes[i]["author"]["id"] != s.viewer {
                            return message(&s, 403, "403 Forbidden");
                        }
                        s.notes.remove(i);
                        ResponseTemplate::new(204)
                    }
                    _ => message(&s, 405, "405 Method Not Allowed"),
                }
            }
            ("GET", p) if p == format!("{mr}/approvals") => {
                let approved_by: Vec<Value> = s
                    .approvals
                    .iter()
                    .filter_map(|a| {
                        let mut entry = json!({ "user": brief(s.by_id(a.user)?) });
                        if s.approved_at {
                            if let Some(at) = &a.at {
                                entry["approved_at"] = at.clone().into();
                            }
                        }
                        Some(entry)
                    })
                    .collect();
                let viewer = s.viewer;
                ResponseTemplate::new(200).set_body_json(json!({
                    "id": MR_ID,
                    "iid": IID,
                    "project_id": PROJECT_ID,
                    "title": "Stop the trail",
                    "state": s.mr_state,
                    "merge_status": "can_be_merged",
                    "approved": !approved_by.is_empty(),
                    "approvals_required": 0,
                    "approvals_left": 0,
                    "require_password_to_approve": false,
                    "approved_by": approved_by,
                    "suggested_approvers": [],
                    "approvers": [],
                    "approver_groups": [],
                    "user_has_approved": s.approvals.iter().any(|a| a.user == viewer),
                    "user_can_approve": true,
                    "approval_rules_left": [],
                    "has_approval_rules": false,
                }))
            }
            // GitLab would approve, or merge, as the token's identity: recorded (the request
            // is in `seen`), and answered as GitLab would.
            ("POST", p) if p == format!("{mr}/approve") => {
                let (viewer, now) = (s.viewer, s.now());
                let username = s
                    .by_id(viewer)
                    .map(|u| u["username"].as_str().unwrap_or_default().to_owned());
                if let Some(u) = username {
                    s.approve(&u, Some(&now));
                }
                ResponseTemplate::new(201).set_body_json(json!({ "approved": true }))
            }
            ("POST", p) if p == format!("{mr}/unapprove") => {
                let viewer = s.viewer;
                s.approvals.retain(|a| a.user != viewer);
                ResponseTemplate::new(201).set_body_json(json!({}))
            }
            ("PUT", p) if p == format!("{mr}/merge") => {
                s.mr_state = "merged".into();
                ResponseTemplate::new(200).set_body_json(mr_json(&s))
            }
            ("GET", p) if p == format!("{mr}/versions") => {
                let mut versions = s.versions.clone();
                versions.reverse();
                list(&versions)
            }
            ("GET", p) if p == format!("{mr}/commits") => {
                let mut commits = s.commits.clone();
                commits.reverse();
                list(&commits)
            }
            ("GET", p) if p == format!("{mr}/diffs") => {
                let diffs: Vec<Value> = s.diffs.iter().take(s.diff_limit).cloned().collect();
                list(&diffs)
            }
            ("POST", p) if p.starts_with(&statuses) => {
                let sha = p[statuses.len()..].to_owned();
                let state = text(&args, "state").unwrap_or_default();
                if event(&state) == "unknown" {
                    return ResponseTemplate::new(400)
                        .set_body_json(json!({ "error": "state does not have a valid value" }));
                }
                let name = text(&args, "name")
                    .or_else(|| text(&args, "context"))
                    .unwrap_or_else(|| "default".into());
                if let Some(url) = text(&args, "target_url") {
                    if !(url.starts_with("https://") || url.starts_with("http://")) {
                        return ResponseTemplate::new(400).set_body_json(json!({
                            "message": { "target_url": ["is blocked: Only allowed schemes are http, https"] }
                        }));
                    }
                }
                if !s.commits.iter().any(|c| c["id"] == sha.as_str()) {
                    return message(&s, 404, "404 References for commit Not Found");
                }
                let current = s
                    .statuses
                    .iter()
                    .rev()
                    .find(|v| v["sha"] == sha.as_str() && v["name"] == name.as_str())
                    .and_then(|v| v["state"].as_str())
                    .map(str::to_owned);
                let refused = match (s.transitions, current.as_deref()) {
                    (Transitions::Strict, Some(c)) => c == state,
                    (Transitions::GitLab, Some(c)) => {
                        c == state && matches!(c, "pending" | "running")
                    }
                    _ => false,
                };
                if refused {
                    let ev = event(&state);
                    let from = current.unwrap_or_default();
                    return ResponseTemplate::new(400).set_body_json(json!({
                        "message": format!(
                            "Cannot transition status via :{ev} from :{from} (Reason(s): Status cannot transition via \"{ev}\")"
                        )
                    }));
                }
                s.next_status += 1;
                let id = 7000 + s.next_status;
                let status = json!({
                    "sha": sha,
                    "state": state,
                    "name": name,
                    "description": args["description"],
                    "target_url": args["target_url"],
                    "ref": args["ref"],
                    "pipeline_id": args["pipeline_id"],
                });
                s.statuses.push(status.clone());
                let author = s.by_id(s.viewer).map(brief);
                ResponseTemplate::new(201).set_body_json(json!({
                    "id": id,
                    "sha": sha,
                    "ref": "change",
                    "status": state,
                    "name": name,
                    "description": args["description"],
                    "target_url": args["target_url"],
                    "created_at": s.now(),
                    "allow_failure": false,
                    "author": author,
                }))
            }
            ("GET", p) if p.starts_with(&commit_statuses) && p.ends_with("/statuses") => {
                let sha = &p[commit_statuses.len()..p.len() - "/statuses".len()];
                let every = text(&args, "all").as_deref() == Some("true");
                let mut found: Vec<Value> = Vec::new();
                for v in s.statuses.iter().rev().filter(|v| v["sha"] == sha) {
                    if every || !found.iter().any(|f| f["name"] == v["name"]) {
                        let mut v = v.clone();
                        v["status"] = v["state"].clone();
                        found.push(v);
                    }
                }
                list(&found)
            }
            ("GET", p) if p.starts_with(&files) && p.ends_with("/raw") => {
                // The path is one segment: GitLab needs its `/` encoded as `%2F`.
                let encoded = &p[files.len()..p.len() - "/raw".len()];
                let wanted = text(&args, "ref").unwrap_or_default();
                let found = (!encoded.contains('/'))
                    .then(|| super::common::http::decode(encoded))
                    .and_then(|path| {
                        s.contents
                            .iter()
                            .find(|((c, f), _)| *c == wanted && *f == path)
                    });
                match found {
                    Some(((_, path), bytes)) => ResponseTemplate::new(200)
                        .insert_header("x-gitlab-file-path", path.as_str())
                        .insert_header("x-gitlab-size", bytes.len().to_string().as_str())
                        .insert_header("x-gitlab-ref", wanted.as_str())
                        .set_body_raw(bytes.clone(), "text/plain; charset=utf-8"),
                    None => message(&s, 404, "404 File Not Found"),
                }
            }
            _ => message(&s, 404, "404 Not Found"),
        }
    }
}

/// Run the quick actions of a note, as the token's identity.
fn run_quick_actions(s: &mut State, ran: &[String]) {
    for line in ran {
        s.quick_actions.push(line.clone());
        let name = line
            .trim_start_matches('/')
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let viewer = s.viewer;
        let now = s.now();
        match name.as_str() {
            "approve" => {
                let username = s
                    .by_id(viewer)
                    .and_then(|u| u["username"].as_str())
                    .map(str::to_owned);
                if let Some(u) = username {
                    s.approve(&u, Some(&now));
                }
            }
            "unapprove" => s.approvals.retain(|a| a.user != viewer),
            "merge" => s.mr_state = "merged".into(),
            "close" => s.mr_state = "closed".into(),
            "reopen" => s.mr_state = "opened".into(),
            _ => {}
        }
    }
}

/// What one run left behind.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// The Markdown report (`FOUREYES_REPORT`).
    pub report: String,
    /// The dotenv report (`FOUREYES_DOTENV`).
    pub dotenv: String,
}

impl Run {
    /// An output of the dotenv report: `approved` or `approved-by` is `FOUREYES_APPROVED`,
    /// `FOUREYES_APPROVED_BY`.
    pub fn output(&self, name: &str) -> &str {
        let name = name.to_ascii_uppercase().replace('-', "_");
        let name = if name.starts_with("FOUREYES_") {
            name
        } else {
            format!("FOUREYES_{name}")
        };
        self.dotenv
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}=")))
            .unwrap_or_else(|| panic!("no output {name} in:\n{}", self.dotenv))
    }
}

/// Run `foureyes gitlab ARGS` as a GitLab merge-request pipeline would, against the fake,
/// with this token; checks that no shape of the token or of the job token is shown or sent
/// anywhere but where it belongs, that the dotenv report is one GitLab accepts, and that
/// nothing approved or merged on anyone's behalf.
pub async fn run(fake: &Fake, args: &[&str], token: &str) -> Run {
    run_with(fake, args, token, &[]).await
}

/// The same, with the environment changed: `(NAME, Some(value))` sets a variable, `(NAME,
/// None)` removes it.
pub async fn run_with(
    fake: &Fake,
    args: &[&str],
    token: &str,
    env: &[(&str, Option<&str>)],
) -> Run {
    let dir = tempfile::tempdir().expect("temp dir");
    let report = dir.path().join("foureyes-report.md");
    let dotenv = dir.path().join("foureyes.env");
    let head = fake.with(|s| s.head.clone());
    let mut cmd = super::common::foureyes();
    cmd.arg("gitlab")
        .args(args)
        .env("GITLAB_CI", "true")
        .env("CI", "true")
        .env("CI_API_V4_URL", fake.uri())
        .env("CI_SERVER_URL", SERVER)
        .env("CI_PROJECT_ID", PROJECT_ID.to_string())
        .env("CI_PROJECT_PATH", PROJECT_PATH)
        .env("CI_MERGE_REQUEST_IID", IID.to_string())
        .env("CI_PIPELINE_SOURCE", "merge_request_event")
        .env("CI_COMMIT_SHA", head)
        .env("CI_JOB_URL", JOB_URL)
        // NOTE: set by GitLab in every merge-request pipeline too, beside what the forge is
        // documented to read: a status can name its pipeline and ref.
        .env("CI_JOB_ID", "42")
        .env("CI_PIPELINE_ID", PIPELINE_ID.to_string())
        .env("CI_COMMIT_REF_NAME", "change")
        .env("CI_MERGE_REQUEST_PROJECT_ID", PROJECT_ID.to_string())
        .env("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "change")
        .env("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main")
        .env("CI_PROJECT_DIR", dir.path())
        .env("GITLAB_TOKEN", token)
        .env("CI_JOB_TOKEN", JOB_TOKEN)
        .env("FOUREYES_REPORT", &report)
        .env("FOUREYES_DOTENV", &dotenv);
    for (name, value) in env {
        match value {
            Some(v) => cmd.env(name, v),
            None => cmd.env_remove(name),
        };
    }
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("runs"))
        .await
        .expect("joins");
    let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        report: read(&report),
        dotenv: read(&dotenv),
    };
    if std::env::var_os("FOUREYES_TEST_SHOW").is_some() {
        eprintln!(
            "STDOUT:\n{}\nSTDERR:\n{}\nREPORT:\n{}\nDOTENV:\n{}",
            run.stdout, run.stderr, run.report, run.dotenv
        );
    }
    // Neither token is shown, in any of the shapes an API may echo it in.
    for secret in [token, JOB_TOKEN] {
        for shape in echoes(secret) {
            for (what, text) in [
                ("stdout", &run.stdout),
                ("stderr", &run.stderr),
                ("report", &run.report),
                ("dotenv", &run.dotenv),
            ] {
                assert!(
                    !text.contains(&shape),
                    "a token ({shape}) is in {what}:\n{text}"
                );
            }
        }
    }
    fake.with(|s| {
        for seen in &s.seen {
            // The token goes in its header and nowhere else; the job token goes nowhere.
            for (secret, headers) in [
                (token, &["authorization", "private-token"][..]),
                (JOB_TOKEN, &[][..]),
            ] {
                for shape in echoes(secret) {
                    for (what, text) in [
                        ("body", &seen.body),
                        ("path", &seen.path),
                        ("query", &seen.query),
                    ] {
                        assert!(
                            !text.contains(&shape),
                            "a token ({shape}) was sent in the {what}: {seen:?}"
                        );
                    }
                    for (name, value) in &seen.headers {
                        assert!(
                            headers.contains(&name.as_str()) || !value.contains(&shape),
                            "a token ({shape}) was sent in the header {name}: {seen:?}"
                        );
                    }
                }
            }
            // foureyes never approves, unapproves or merges.
            let path = seen.api_path();
            assert!(
                !(path.ends_with("/approve")
                    || path.ends_with("/unapprove")
                    || path.ends_with("/merge")),
                "foureyes asked GitLab to {} {}",
                seen.method,
                seen.path
            );
        }
        assert!(
            s.quick_actions.is_empty(),
            "a note ran GitLab quick actions: {:?}",
            s.quick_actions
        );
    });
    // A dotenv report GitLab accepts: within its size and count limits, one `NAME=value` per
    // line, each name once.
    assert!(
        run.dotenv.len() <= DOTENV_SIZE,
        "the dotenv report is {} bytes:\n{}",
        run.dotenv.len(),
        run.dotenv
    );
    let mut names = Vec::new();
    for line in run.dotenv.lines() {
        let (name, _) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("not a dotenv line: {line:?} in:\n{}", run.dotenv));
        assert!(
            name.starts_with("FOUREYES_")
                && name
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'),
            "not a variable of foureyes: {line:?}"
        );
        assert!(!names.contains(&name), "{name} twice in:\n{}", run.dotenv);
        names.push(name);
    }
    assert!(
        names.len() <= DOTENV_VARIABLES,
        "{} variables in the dotenv report",
        names.len()
    );
    run
}

/// An answer of the fake, read with plain HTTP/1.1 (the stand-in's own tests).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    /// As (lowercase name, value).
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// Send one request to the fake (not through a slow proxy) and read its answer: `target` is
/// the path and query, `headers` are added as given, `body` is sent as JSON when there is one.
pub async fn request(
    fake: &Fake,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> Answer {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let addr = *fake.server.address();
    let mut conn = tokio::net::TcpStream::connect(addr)
        .await
        .expect("the fake listens");
    let body = body.map(Value::to_string).unwrap_or_default();
    let mut head = format!(
        "{method} {target} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    if !body.is_empty() {
        head.push_str("content-type: application/json\r\n");
    }
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    conn.write_all(head.as_bytes()).await.expect("sent");
    conn.write_all(body.as_bytes()).await.expect("sent");
    let mut raw = Vec::new();
    conn.read_to_end(&mut raw).await.expect("an answer");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP answer");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .expect("a status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"))
    {
        body = unchunk(&body);
    }
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

/// A chunked body, joined.
fn unchunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = raw.windows(2).position(|w| w == b"\r\n") {
        let size = String::from_utf8_lossy(&raw[..eol]);
        let size =
            usize::from_str_radix(size.split(';').next().unwrap_or("0").trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = eol + 2;
        out.extend_from_slice(&raw[start..(start + size).min(raw.len())]);
        raw = &raw[(start + size + 2).min(raw.len())..];
    }
    out
}
