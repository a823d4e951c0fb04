//! A stand-in for the GitHub REST API, served by wiremock on localhost: the endpoints
//! `foureyes github` uses, with state (comments, reviews, statuses), pagination by `Link`
//! header, and failures to inject.

use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The repository the fake serves.
pub const REPO: &str = "acme/infra";
/// The pull request the fake serves.
pub const NUMBER: u64 = 7;
/// The head commit of the pull request.
pub const HEAD: &str = "1111111111111111111111111111111111111111";
/// An older commit of the pull request.
pub const OLD: &str = "0000000000000000000000000000000000000000";
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
            "body": body,
            "user": { "login": login, "type": kind },
            "html_url": format!("https://github.example/{REPO}/pull/{NUMBER}#issuecomment-{id}"),
        }));
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

    /// The writes the fake received: every request but GET.
    pub fn writes(&self) -> Vec<&Seen> {
        self.seen.iter().filter(|s| s.method != "GET").collect()
    }
}

/// A running fake and its state.
pub struct Fake {
    pub server: MockServer,
    pub state: Arc<Mutex<State>>,
}

impl Fake {
    /// A fake with a pull request by `alice`, whose commits are by `bob` (author) and committed
    /// by `carol`, one co-authored by `dave` through a no-reply address.
    pub async fn start() -> Fake {
        let server = MockServer::start().await;
        let mut state = State {
            author: "alice".into(),
            clock: "Sun, 22 Nov 2026 08:00:00 GMT".into(),
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
        Fake { server, state }
    }

    /// The API's URL, as `GITHUB_API_URL` gives it.
    pub fn uri(&self) -> String {
        format!("{}{}", self.server.uri(), self.with(|s| s.prefix.clone()))
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
            let mut t = ResponseTemplate::new(f.status).set_body_json(json!({
                "message": "Resource not accessible by integration",
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
        let list = |items: &[Value]| -> ResponseTemplate {
            let start = (page - 1) * PAGE;
            let chunk: Vec<Value> = items.iter().skip(start).take(PAGE).cloned().collect();
            let mut t = ResponseTemplate::new(200).set_body_json(chunk);
            if start + PAGE < items.len() {
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
        let pulls = format!("/repos/{REPO}/pulls/{NUMBER}");
        let issue_comments = format!("/repos/{REPO}/issues/{NUMBER}/comments");
        let comment_prefix = format!("/repos/{REPO}/issues/comments/");
        match (method.as_str(), path.as_str()) {
            ("GET", p) if p == pulls => ResponseTemplate::new(200).set_body_json(json!({
                "number": NUMBER,
                "state": "open",
                "head": { "sha": HEAD, "ref": "change" },
                "user": { "login": s.author, "type": "User" },
                "commits": s.commits.len(),
                "requested_reviewers": s.requested.clone(),
                "requested_teams": [],
            })),
            ("GET", p) if p == issue_comments => list(&s.comments),
            ("POST", p) if p == issue_comments => {
                let text = body["body"].as_str().unwrap_or_default().to_owned();
                s.comment("github-actions[bot]", "Bot", &text);
                ResponseTemplate::new(201).set_body_json(s.comments.last().cloned())
            }
            ("PATCH", p) if p.starts_with(&comment_prefix) => {
                let id: u64 = p[comment_prefix.len()..].parse().unwrap_or(0);
                let Some(c) = s.comments.iter_mut().find(|c| c["id"] == id) else {
                    return ResponseTemplate::new(404);
                };
                c["body"] = body["body"].clone();
                ResponseTemplate::new(200).set_body_json(c.clone())
            }
            ("GET", p) if p == format!("{pulls}/reviews") => list(&s.reviews),
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
            _ => ResponseTemplate::new(404).set_body_json(json!({ "message": "Not Found" })),
        }
    }
}
