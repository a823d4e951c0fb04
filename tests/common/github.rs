//! A stand-in for the GitHub REST and GraphQL APIs, served by wiremock on localhost: the
//! endpoints `foureyes github` uses, with state (comments and who edited them, reviews,
//! statuses), pagination by `Link` header, GitHub's limit on comment length, and failures to
//! inject: error answers, an API that echoes the token back, and (through the small TCP proxy
//! of `common::http` in front of wiremock) one that never answers or drips its answer one byte
//! at a time.

#![allow(dead_code)] // shared by several test files, each using its own part
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Arc, Mutex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The identity of the job's token: it writes foureyes' comments.
pub const VIEWER: &str = "github-actions[bot]";
/// The longest comment GitHub accepts, in characters.
pub const COMMENT_LIMIT: usize = 65_536;

/// The repository the fake serves.
pub const REPO: &str = "acme/infra";
/// The pull request the fake serves.
pub const NUMBER: u64 = 7;
/// The head commit of the pull request.
pub const HEAD: &str = "1111111111111111111111111111111111111111";
/// An older commit of the pull request.
pub const OLD: &str = "0000000000000000000000000000000000000000";
/// The base branch's commit the pull request names (`base.sha`).
pub const BASE: &str = "3333333333333333333333333333333333333333";
/// The merge base of the base branch and the head: where the files are read "before".
pub const MERGE_BASE: &str = "4444444444444444444444444444444444444444";
/// Items per page: small, so that lists need several pages.
pub const PAGE: usize = 3;

/// A request the fake received.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: String,
    pub body: String,
    pub authorization: String,
}

/// A failure to answer instead of the real thing.
#[derive(Debug, Clone)]
pub struct Failure {
    pub method: &'static str,
    /// The path must start with this.
    pub path: String,
    pub status: u16,
    pub headers: Vec<(&'static str, &'static str)>,
}

pub use super::common::http::Slow;

/// What the fake holds.
#[derive(Debug, Default)]
pub struct State {
    pub author: String,
    pub comments: Vec<Value>,
    pub reviews: Vec<Value>,
    pub commits: Vec<Value>,
    pub statuses: Vec<Value>,
    pub requested: Vec<Value>,
    pub profiles: Vec<(String, Value)>,
    pub members: Vec<(String, String)>,
    pub failures: VecDeque<Failure>,
    pub seen: Vec<Seen>,
    /// Where the API is served: empty for api.github.com, `/api/v3` for GitHub Enterprise
    /// Server (the fake answers at both).
    pub prefix: String,
    /// The server's clock, as the `Date` header says it.
    pub clock: String,
    /// Echo the token of each request back: in error messages (as it is, in base64 Basic
    /// credentials, base64url, percent-encoded and JSON-escaped) and in created comments.
    pub echo: bool,
    /// Answer GraphQL queries with an error.
    pub graphql_errors: bool,
    /// The head commit of the pull request now.
    pub head: String,
    /// The pull request's files, as `GET /pulls/{n}/files` lists them (paged).
    pub files: Vec<Value>,
    /// Files per page of that list: GitHub's 100 unless a test wants more pages.
    pub files_page: Option<usize>,
    /// How many files the pull request says it changes; the length of `files` when unset.
    pub changed_files: Option<usize>,
    /// Files of the repository by (commit, path), served by `GET /contents/{path}?ref=`.
    pub contents: Vec<((String, String), String)>,
    next_id: u64,
}

impl State {
    /// Add a review.
    pub fn review(&mut self, login: &str, kind: &str, state: &str, commit: &str, at: &str) {
        self.reviews.push(json!({
            "id": self.reviews.len() + 1,
            "user": { "login": login, "type": kind },
            "state": state,
            "commit_id": commit,
            "submitted_at": at,
            "body": "",
        }));
    }

    /// Add a comment by someone.
    pub fn comment(&mut self, login: &str, kind: &str, body: &str) {
        self.next_id += 1;
        let id = 9000 + self.next_id;
        self.comments.push(json!({
            "id": id,
            "node_id": format!("IC_kwDO{id}"),
            "body": body,
            "user": { "login": login, "type": kind },
            "html_url": format!("https://github.example/{REPO}/pull/{NUMBER}#issuecomment-{id}"),
            // Kept by the fake for its GraphQL answers, as GitHub keeps them.
            "_editor": null,
            "_edited_at": null,
        }));
    }

    /// Edit comment `index` as `login` (who must be allowed to, as a collaborator is).
    pub fn edit_comment(&mut self, index: usize, login: &str, body: &str) {
        let clock = self.clock.clone();
        let c = &mut self.comments[index];
        c["body"] = body.into();
        c["_editor"] = login.into();
        c["_edited_at"] = clock.into();
    }

    /// Answer the next request of `method` to a path starting with `path` with `status`.
    pub fn fail(
        &mut self,
        method: &'static str,
        path: String,
        status: u16,
        headers: Vec<(&'static str, &'static str)>,
    ) {
        self.failures.push_back(Failure {
            method,
            path,
            status,
            headers,
        });
    }

    /// Add a file to the pull request's list: `status` as GitHub says it (`renamed` takes the
    /// previous name).
    pub fn file(&mut self, path: &str, status: &str, previous: Option<&str>) {
        let mut f = json!({ "filename": path, "status": status, "additions": 1, "deletions": 0 });
        if let Some(p) = previous {
            f["previous_filename"] = p.into();
        }
        self.files.push(f);
    }

    /// A file's contents at a commit.
    pub fn content(&mut self, commit: &str, path: &str, text: &str) {
        self.contents
            .push(((commit.to_owned(), path.to_owned()), text.to_owned()));
    }

    /// The writes the fake received: every request but GET and GraphQL queries.
    pub fn writes(&self) -> Vec<&Seen> {
        self.seen
            .iter()
            .filter(|s| s.method != "GET" && !s.path.ends_with("/graphql"))
            .collect()
    }

    /// The GraphQL queries the fake received.
    pub fn queries(&self) -> Vec<&Seen> {
        self.seen
            .iter()
            .filter(|s| s.path.ends_with("/graphql"))
            .collect()
    }
}

/// The login GraphQL gives an account: a bot's without `[bot]`.
fn graph_login(login: &str) -> String {
    login.strip_suffix("[bot]").unwrap_or(login).to_owned()
}

/// The token of a request, from its `Authorization` header.
fn token_of(authorization: &str) -> String {
    authorization
        .split_whitespace()
        .last()
        .unwrap_or_default()
        .to_owned()
}

/// The token in the shapes an API may echo it in.
pub fn echoes(token: &str) -> Vec<String> {
    super::common::http::echoes(token, &["x-access-token"])
}

/// A running fake and its state.
pub struct Fake {
    pub server: MockServer,
    pub state: Arc<Mutex<State>>,
    /// The proxy in front of the server, when requests are slowed.
    proxy: Option<String>,
}

impl Fake {
    /// A fake with a pull request by `alice`, whose commits are by `bob` (author) and committed
    /// by `carol`, one co-authored by `dave` through a no-reply address.
    pub async fn start() -> Fake {
        let server = MockServer::start().await;
        let mut state = State {
            author: "alice".into(),
            clock: "Sun, 22 Nov 2026 08:00:00 GMT".into(),
            head: HEAD.into(),
            ..State::default()
        };
        state.commits = vec![
            commit(OLD, "bob", "carol", "Add the deployer role"),
            commit(
                HEAD,
                "bob",
                "carol",
                "Stop the trail\n\nCo-authored-by: Dave D <4242+dave@users.noreply.github.com>",
            ),
        ];
        let state = Arc::new(Mutex::new(state));
        Mock::given(wiremock::matchers::any())
            .respond_with(Handler {
                state: state.clone(),
                base: server.uri(),
            })
            .mount(&server)
            .await;
        Fake {
            server,
            state,
            proxy: None,
        }
    }

    /// The API's URL, as `GITHUB_API_URL` gives it.
    pub fn uri(&self) -> String {
        let base = self.proxy.clone().unwrap_or_else(|| self.server.uri());
        format!("{base}{}", self.with(|s| s.prefix.clone()))
    }

    /// From now on, requests to paths that start with `path` are slow in this way; the others
    /// are answered as before.
    pub async fn slow(&mut self, path: &str, how: Slow) {
        let proxy = super::common::http::start(*self.server.address(), path, how).await;
        self.proxy = Some(proxy);
    }

    pub fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        f(&mut self.state.lock().expect("not poisoned"))
    }
}

fn commit(sha: &str, author: &str, committer: &str, message: &str) -> Value {
    json!({
        "sha": sha,
        "commit": {
            "message": message,
            "author": { "name": author, "email": format!("{author}@example.com") },
            "committer": { "name": committer, "email": format!("{committer}@example.com") },
        },
        "author": { "login": author, "type": "User" },
        "committer": { "login": committer, "type": "User" },
    })
}

struct Handler {
    state: Arc<Mutex<State>>,
    base: String,
}

impl Respond for Handler {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let clock = self.state.lock().expect("not poisoned").clock.clone();
        self.answer(req).insert_header("date", clock.as_str())
    }
}

impl Handler {
    fn answer(&self, req: &Request) -> ResponseTemplate {
        let mut s = self.state.lock().expect("not poisoned");
        let method = req.method.to_string();
        // GitHub Enterprise Server serves the API under /api/v3.
        let full = req.url.path().to_owned();
        let path = full.strip_prefix("/api/v3").unwrap_or(&full).to_owned();
        let query = req.url.query().unwrap_or_default().to_owned();
        let token = token_of(
            req.headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default(),
        );
        s.seen.push(Seen {
            method: method.clone(),
            path: full.clone(),
            query: query.clone(),
            body: String::from_utf8_lossy(&req.body).into_owned(),
            authorization: req
                .headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned(),
        });
        if let Some(i) = s
            .failures
            .iter()
            .position(|f| f.method == method && path.starts_with(&f.path))
        {
            // Each failure is answered once; then the fake answers normally.
            let f = s.failures.remove(i).expect("found above");
            let mut message = "Resource not accessible by integration".to_owned();
            if s.echo {
                message = format!("{message}: {}", echoes(&token).join(" "));
            }
            let mut t = ResponseTemplate::new(f.status).set_body_json(json!({
                "message": message,
                "documentation_url": "https://docs.github.com/rest",
            }));
            for (k, v) in f.headers {
                t = t.insert_header(k, v);
            }
            return t;
        }
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        let page: usize = query
            .split('&')
            .find_map(|p| p.strip_prefix("page="))
            .and_then(|p| p.parse().ok())
            .unwrap_or(1);
        let list_by = |items: &[Value], per_page: usize| -> ResponseTemplate {
            let start = (page - 1) * per_page;
            let chunk: Vec<Value> = items.iter().skip(start).take(per_page).cloned().collect();
            let mut t = ResponseTemplate::new(200).set_body_json(chunk);
            if start + per_page < items.len() {
                t = t.insert_header(
                    "link",
                    format!(
                        "<{}{}?per_page=100&page={}>; rel=\"next\", <{}{}?page=99>; rel=\"last\"",
                        self.base,
                        full,
                        page + 1,
                        self.base,
                        full
                    )
                    .as_str(),
                );
            }
            t
        };
        let list = |items: &[Value]| list_by(items, PAGE);
        let pulls = format!("/repos/{REPO}/pulls/{NUMBER}");
        let issue_comments = format!("/repos/{REPO}/issues/{NUMBER}/comments");
        let comment_prefix = format!("/repos/{REPO}/issues/comments/");
        let too_long = |text: &str| {
            (text.chars().count() > COMMENT_LIMIT).then(|| {
                ResponseTemplate::new(422).set_body_json(json!({
                    "message": "Validation Failed",
                    "errors": [{ "resource": "IssueComment", "code": "custom", "field": "body",
                                 "message": "body is too long (maximum is 65536 characters)" }],
                }))
            })
        };
        let public = |c: &Value| -> Value {
            let mut c = c.clone();
            if let Some(o) = c.as_object_mut() {
                o.retain(|k, _| !k.starts_with('_'));
            }
            c
        };
        match (method.as_str(), path.as_str()) {
            ("POST", "/graphql") | ("POST", "/api/graphql") => {
                if s.graphql_errors {
                    let mut message = "Something went wrong".to_owned();
                    if s.echo {
                        message = format!("{message}: {}", echoes(&token).join(" "));
                    }
                    return ResponseTemplate::new(200).set_body_json(
                        json!({ "data": null, "errors": [{ "message": message }] }),
                    );
                }
                let ids: Vec<String> = body["variables"]["ids"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .iter()
                    .map(|v| v.as_str().unwrap_or_default().to_owned())
                    .collect();
                let nodes: Vec<Value> = ids
                    .iter()
                    .map(|id| {
                        let Some(c) = s.comments.iter().find(|c| c["node_id"] == id.as_str())
                        else {
                            return Value::Null;
                        };
                        let author = c["user"]["login"].as_str().unwrap_or_default();
                        json!({
                            "id": id,
                            "viewerDidAuthor": author == VIEWER,
                            "author": { "login": graph_login(author) },
                            "editor": c["_editor"].as_str().map(|e| json!({ "login": graph_login(e) })),
                            "lastEditedAt": c["_edited_at"],
                            "body": c["body"],
                        })
                    })
                    .collect();
                ResponseTemplate::new(200).set_body_json(json!({ "data": { "nodes": nodes } }))
            }
            ("GET", p) if p == pulls => ResponseTemplate::new(200).set_body_json(json!({
                "number": NUMBER,
                "state": "open",
                "head": { "sha": s.head, "ref": "change" },
                "base": { "sha": BASE, "ref": "main" },
                "changed_files": s.changed_files.unwrap_or(s.files.len()),
                "user": { "login": s.author, "type": "User" },
                "commits": s.commits.len(),
                "requested_reviewers": s.requested.clone(),
                "requested_teams": [],
            })),
            ("GET", p) if p == issue_comments => {
                let comments: Vec<Value> = s.comments.iter().map(public).collect();
                list(&comments)
            }
            ("POST", p) if p == issue_comments => {
                let text = body["body"].as_str().unwrap_or_default().to_owned();
                if let Some(refused) = too_long(&text) {
                    return refused;
                }
                s.comment(VIEWER, "Bot", &text);
                let mut answer = public(s.comments.last().expect("just added"));
                if s.echo {
                    answer["body"] = format!("{text}\n{}", echoes(&token).join(" ")).into();
                    answer["html_url"] = format!(
                        "{}?echo={}",
                        answer["html_url"].as_str().unwrap_or_default(),
                        echoes(&token).join("/")
                    )
                    .into();
                }
                ResponseTemplate::new(201).set_body_json(answer)
            }
            ("PATCH", p) if p.starts_with(&comment_prefix) => {
                let id: u64 = p[comment_prefix.len()..].parse().unwrap_or(0);
                let text = body["body"].as_str().unwrap_or_default().to_owned();
                if let Some(refused) = too_long(&text) {
                    return refused;
                }
                let clock = s.clock.clone();
                let Some(c) = s.comments.iter_mut().find(|c| c["id"] == id) else {
                    return ResponseTemplate::new(404);
                };
                c["body"] = text.into();
                c["_editor"] = VIEWER.into();
                c["_edited_at"] = clock.into();
                ResponseTemplate::new(200).set_body_json(public(c))
            }
            ("GET", p) if p == format!("{pulls}/reviews") => list(&s.reviews),
            // GitHub lists 3000 files of a pull request at most.
            ("GET", p) if p == format!("{pulls}/files") => {
                let files: Vec<Value> = s.files.iter().take(3000).cloned().collect();
                list_by(&files, s.files_page.unwrap_or(100))
            }
            ("GET", p) if p == format!("/repos/{REPO}/compare/{BASE}...{}", s.head) => {
                ResponseTemplate::new(200).set_body_json(json!({
                    "status": "ahead",
                    "merge_base_commit": { "sha": MERGE_BASE },
                    "commits": [],
                }))
            }
            ("GET", p) if p.starts_with(&format!("/repos/{REPO}/contents/")) => {
                let path =
                    super::common::http::decode(&p[format!("/repos/{REPO}/contents/").len()..]);
                let commit = query
                    .split('&')
                    .find_map(|q| q.strip_prefix("ref="))
                    .unwrap_or_default()
                    .to_owned();
                let raw = req
                    .headers
                    .get("accept")
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|a| a.contains("raw"));
                match s
                    .contents
                    .iter()
                    .find(|(k, _)| *k == (commit.clone(), path.clone()))
                {
                    Some(_) if !raw => ResponseTemplate::new(415)
                        .set_body_json(json!({ "message": "ask for the raw media type" })),
                    Some((_, text)) => ResponseTemplate::new(200)
                        .insert_header("content-type", "application/vnd.github.raw")
                        .set_body_raw(text.clone().into_bytes(), "application/vnd.github.raw"),
                    None => {
                        let mut message = "Not Found".to_owned();
                        if s.echo {
                            message = format!("{message}: {}", echoes(&token).join(" "));
                        }
                        ResponseTemplate::new(404).set_body_json(json!({ "message": message }))
                    }
                }
            }
            ("GET", p) if p == format!("{pulls}/commits") => list(&s.commits),
            ("POST", p) if p == format!("{pulls}/requested_reviewers") => {
                for r in body["reviewers"].as_array().cloned().unwrap_or_default() {
                    s.requested.push(json!({ "login": r, "type": "User" }));
                }
                ResponseTemplate::new(201).set_body_json(json!({}))
            }
            ("POST", p) if p.starts_with(&format!("/repos/{REPO}/statuses/")) => {
                let mut status = body.clone();
                status["sha"] = p.rsplit('/').next().unwrap_or_default().into();
                s.statuses.push(status.clone());
                ResponseTemplate::new(201).set_body_json(status)
            }
            ("GET", p) if p.starts_with("/users/") => {
                let login = &p["/users/".len()..];
                match s.profiles.iter().find(|(l, _)| l == login) {
                    Some((_, v)) => ResponseTemplate::new(200).set_body_json(v.clone()),
                    None => ResponseTemplate::new(200)
                        .set_body_json(json!({ "login": login, "name": null, "email": null })),
                }
            }
            ("GET", p) if p.starts_with("/orgs/") => {
                // /orgs/{org}/teams/{team}/memberships/{login}
                let parts: Vec<&str> = p.split('/').collect();
                let (team, login) = (
                    format!(
                        "{}/{}",
                        parts.get(2).unwrap_or(&""),
                        parts.get(4).unwrap_or(&"")
                    ),
                    parts.get(6).unwrap_or(&"").to_string(),
                );
                if s.members.contains(&(team, login)) {
                    ResponseTemplate::new(200)
                        .set_body_json(json!({ "state": "active", "role": "member" }))
                } else {
                    ResponseTemplate::new(404).set_body_json(json!({ "message": "Not Found" }))
                }
            }
            _ => {
                let mut message = "Not Found".to_owned();
                if s.echo {
                    message = format!("{message}: {}", echoes(&token).join(" "));
                }
                ResponseTemplate::new(404).set_body_json(json!({ "message": message }))
            }
        }
    }
}

/// What one run left behind.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub summary: String,
    pub outputs: String,
}

impl Run {
    pub fn output(&self, name: &str) -> &str {
        self.outputs
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}=")))
            .unwrap_or_else(|| panic!("no output {name} in:\n{}", self.outputs))
    }
}

/// Run `foureyes github ARGS` as GitHub Actions would, against the fake, with this token;
/// checks that no shape of the token is shown or sent anywhere but where it belongs.
pub async fn run(fake: &Fake, event: &str, args: &[&str], token: &str) -> Run {
    let dir = tempfile::tempdir().expect("temp dir");
    let event_path = dir.path().join("event.json");
    std::fs::write(
        &event_path,
        format!(r#"{{"action":"submitted","pull_request":{{"number":{NUMBER}}}}}"#),
    )
    .expect("event written");
    let summary = dir.path().join("summary.md");
    let outputs = dir.path().join("outputs.txt");
    let mut cmd = super::common::foureyes();
    cmd.arg("github")
        .args(args)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_API_URL", fake.uri())
        .env("GITHUB_SERVER_URL", "https://github.example")
        .env("GITHUB_RUN_ID", "42")
        .env("GITHUB_REPOSITORY", REPO)
        .env("GITHUB_EVENT_NAME", event)
        .env("GITHUB_EVENT_PATH", &event_path)
        .env("GITHUB_SHA", "2222222222222222222222222222222222222222")
        .env("GITHUB_TOKEN", token)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &outputs);
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("runs"))
        .await
        .expect("joins");
    let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        summary: read(&summary),
        outputs: read(&outputs),
    };
    // The token is used, and never shown, in any of the shapes an API may echo it in.
    for shape in echoes(token) {
        for (what, text) in [
            ("stdout", &run.stdout),
            ("stderr", &run.stderr),
            ("summary", &run.summary),
            ("outputs", &run.outputs),
        ] {
            assert!(
                !text.contains(&shape),
                "the token ({shape}) is in {what}:\n{text}"
            );
        }
        fake.with(|s| {
            for seen in &s.seen {
                for (what, text) in [
                    ("body", &seen.body),
                    ("path", &seen.path),
                    ("query", &seen.query),
                ] {
                    assert!(
                        !text.contains(&shape),
                        "the token ({shape}) was sent in the {what}: {seen:?}"
                    );
                }
            }
        });
    }
    if std::env::var_os("FOUREYES_TEST_SHOW").is_some() {
        eprintln!(
            "STDOUT:\n{}\nSTDERR:\n{}\nSUMMARY:\n{}\nOUTPUTS:\n{}",
            run.stdout, run.stderr, run.summary, run.outputs
        );
    }
    run
}
