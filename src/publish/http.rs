//! A forge's REST API as foureyes uses it, for every forge: octocrab's HTTP client (hyper and
//! rustls, with the token as a bearer token, which GitHub and GitLab both take) and the base
//! URL (so GitHub Enterprise Server and self-managed GitLab under a path prefix work), plus
//! retries with backoff, rate limits (`Retry-After`), pagination (`Link`, and GitLab's
//! `X-Next-Page`), deadlines and errors that say what to do. What differs between forges is a
//! [`Dialect`]. Every request body and path goes through the redactor, so the token is never
//! sent anywhere but in the `Authorization` header.

use crate::publish::redact::Redactor;
use crate::publish::{Deadlines, ForgeError};
use http_body_util::BodyExt as _;
use serde::de::DeserializeOwned;
use std::cell::RefCell;
use std::time::{Duration, Instant};

/// Attempts per request, the first one included.
const ATTEMPTS: u32 = 5;
/// The first pause after a server error; each next one doubles.
const BACKOFF: Duration = Duration::from_millis(500);
/// Pages read of one list at most (100 items each).
const PAGES: usize = 100;

/// A failed request, worded for the person reading the job log.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ApiError {
    #[error("{what}: {forge} answered {status}{}: {hint}", detail(.message))]
    Status {
        forge: &'static str,
        what: String,
        status: u16,
        message: String,
        hint: String,
    },
    #[error("{what}: cannot reach {forge} at {base}: {error}")]
    Transport {
        forge: &'static str,
        what: String,
        base: String,
        error: String,
    },
    #[error("{what}: unexpected answer from {forge}: {error}")]
    Shape {
        forge: &'static str,
        what: String,
        error: String,
    },
    #[error("{what}: the next page is at {url}, which is not {forge}'s API at {base}")]
    ForeignLink {
        forge: &'static str,
        what: String,
        url: String,
        base: String,
    },
    #[error("{what}: {forge} did not answer within {} (--request-timeout)", secs(*.after))]
    Timeout {
        forge: &'static str,
        what: String,
        after: Duration,
    },
    #[error("{what}: {why} (the run's time limit is {}, --timeout)", secs(*.limit))]
    OutOfTime {
        what: String,
        why: String,
        limit: Duration,
    },
}

/// A duration as people read it in a message: `30 s`, `1.5 s`.
pub(crate) fn secs(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

fn detail(m: &str) -> String {
    if m.is_empty() {
        String::new()
    } else {
        format!(" ({m})")
    }
}

impl ApiError {
    /// The HTTP status, when the forge answered.
    pub(crate) fn status(&self) -> Option<u16> {
        match self {
            ApiError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether the forge was too slow: a request past its deadline, or the run out of time.
    pub(crate) fn is_timeout(&self) -> bool {
        matches!(self, ApiError::Timeout { .. } | ApiError::OutOfTime { .. })
    }

    /// Whether the run is out of time: nothing more can be asked of the forge.
    pub(crate) fn is_out_of_time(&self) -> bool {
        matches!(self, ApiError::OutOfTime { .. })
    }
}

impl From<ApiError> for ForgeError {
    fn from(e: ApiError) -> ForgeError {
        let message = e.to_string();
        if e.is_out_of_time() {
            ForgeError::out_of_time(message)
        } else if e.is_timeout() {
            ForgeError::timeout(message)
        } else {
            ForgeError::new(message, e.status())
        }
    }
}

/// How one forge's API speaks: its name in messages, the media types and headers it wants,
/// how it says a request was rate limited, and what to do about each refusal.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dialect {
    /// The forge's name in messages: `GitHub`.
    pub(crate) forge: &'static str,
    /// The variable that gives the API's URL: `GITHUB_API_URL`.
    pub(crate) url_variable: &'static str,
    /// The media type of JSON answers.
    pub(crate) json: &'static str,
    /// The media type of a file's bytes.
    pub(crate) raw: &'static str,
    /// More headers sent with every request.
    pub(crate) headers: &'static [(&'static str, &'static str)],
    /// The header that says when a rate limit resets (epoch seconds).
    pub(crate) reset: &'static str,
    /// Whether a 403 is a rate limit (GitHub's secondary limits): given the headers.
    pub(crate) limited_403: bool,
    /// What to do about a status: `(status, write)`; `attempts` for server errors.
    pub(crate) hint: fn(u16, bool) -> String,
}

/// What GitHub's refusals mean.
pub(crate) fn github_hint(status: u16, write: bool) -> String {
    match status {
        401 => "the token was refused; check that GITHUB_TOKEN is set to a valid token".into(),
        403 if write => "the token may not write here; on a pull request from a fork, GitHub gives a read-only token".into(),
        403 => "the token may not read this; check the workflow's `permissions:`".into(),
        404 if write => "not found, or the token may not write here (GitHub answers 404 to hide what a token cannot see)".into(),
        404 => "not found, or the token cannot see it; check GITHUB_REPOSITORY and the workflow's `permissions:`".into(),
        422 => "GitHub refused the request as invalid".into(),
        429 => "rate limited".into(),
        s if s >= 500 => format!("GitHub kept failing after {ATTEMPTS} attempts"),
        _ => "unexpected".into(),
    }
}

/// What GitLab's refusals mean.
pub(crate) fn gitlab_hint(status: u16, write: bool) -> String {
    match status {
        401 => "the token was refused; check that GITLAB_TOKEN is set to a valid project access token that has not expired".into(),
        403 if write => "the token may not write here; it needs the `api` scope and the Developer role (or higher) in the project".into(),
        403 => "the token may not read this; it needs the `api` scope (or `read_api`) and a role in the project".into(),
        404 if write => "not found, or the token may not write here (GitLab answers 404 to hide what a token cannot see)".into(),
        404 => "not found, or the token cannot see it; check CI_API_V4_URL, CI_PROJECT_ID and the token's role".into(),
        400 | 422 => "GitLab refused the request as invalid".into(),
        429 => "rate limited".into(),
        s if s >= 500 => format!("GitLab kept failing after {ATTEMPTS} attempts"),
        _ => "unexpected".into(),
    }
}

/// Where a request is in its attempts, and the next pause after a failure.
struct Retry {
    attempt: u32,
    pause: Duration,
}

impl Retry {
    /// Wait before the next attempt; the next pause is twice as long.
    async fn wait(&mut self, wait: Duration) {
        tokio::time::sleep(wait).await;
        self.pause *= 2;
        self.attempt += 1;
    }
}

/// What one attempt got: the status, the headers, the body (as much of it as was read).
type Got = (u16, http::HeaderMap, Body);

/// A response body, or as much of it as a limit lets in.
struct Body {
    bytes: Vec<u8>,
    /// The body is longer than the limit: `bytes` holds only what was read before.
    over: bool,
}

/// A response: status, the headers foureyes reads, and the body.
pub(crate) struct Answer {
    pub(crate) body: String,
    next: Option<String>,
}

/// What to ask the forge for, and how much of it to read.
#[derive(Debug, Clone, Copy)]
enum Read {
    /// JSON, read whole.
    Json,
    /// A file's bytes, read up to this many.
    Raw(usize),
}

/// A file read at a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Raw {
    /// Its bytes.
    Found(Vec<u8>),
    /// The forge answered 404: no such file at that commit.
    Absent,
    /// Longer than the limit: not read.
    TooBig,
}

impl Raw {
    /// The file as the gate reads it: text, absent, or why it was not read. `limit`: the limit
    /// it was read with.
    pub(crate) fn into_file(self, limit: usize) -> crate::publish::FileAt {
        use crate::publish::FileAt;
        match self {
            Raw::Absent => FileAt::Absent,
            Raw::TooBig => FileAt::Unreadable(format!("larger than {} KiB", limit / 1024)),
            Raw::Found(bytes) => match String::from_utf8(bytes) {
                Ok(text) => FileAt::Text(text),
                Err(_) => FileAt::Unreadable("not UTF-8 text".into()),
            },
        }
    }
}

/// The client.
pub(crate) struct Api {
    dialect: Dialect,
    client: octocrab::Octocrab,
    /// `scheme://authority` of the API, to check links against.
    origin: String,
    /// The base URL as configured, for messages.
    base: String,
    /// The server's clock, from the `Date` header of the last answer (RFC 3339).
    clock: RefCell<Option<String>>,
    /// Masks the token in everything sent.
    redactor: Redactor,
    deadlines: Deadlines,
    /// When the run's time is up.
    end: Instant,
}

impl Api {
    /// A client for `base` (the dialect's URL variable), authenticated with the token if there
    /// is one. The run's time starts now.
    pub(crate) fn new(
        dialect: Dialect,
        base: &str,
        token: Option<String>,
        redactor: Redactor,
        deadlines: Deadlines,
    ) -> Result<Api, String> {
        let uri: http::Uri = base
            .parse()
            .map_err(|_| format!("{} `{base}` is not a URL", dialect.url_variable))?;
        let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
            return Err(format!(
                "{} `{base}` is not an absolute URL",
                dialect.url_variable
            ));
        };
        let origin = format!("{scheme}://{authority}");
        // NOTE: these bound one read; what bounds a request whole is the deadline in `send`.
        let mut builder = octocrab::Octocrab::builder()
            .set_connect_timeout(Some(deadlines.request))
            .set_read_timeout(Some(deadlines.request))
            .base_uri(base.trim_end_matches('/'))
            .map_err(|_| format!("{} `{base}` is not a URL", dialect.url_variable))?;
        if let Some(token) = token {
            builder = builder.personal_token(token);
        }
        let client = builder
            .build()
            .map_err(|e| format!("cannot make an HTTP client: {e}"))?;
        Ok(Api {
            dialect,
            client,
            origin,
            base: base.to_owned(),
            clock: RefCell::new(None),
            redactor,
            deadlines,
            end: Instant::now() + deadlines.run,
        })
    }

    /// Whether a URL is on the API's host, where the token may go.
    pub(crate) fn same_origin(&self, url: &str) -> bool {
        url.strip_prefix(&self.origin)
            .is_some_and(|rest| rest.starts_with('/'))
    }

    /// The run's time left.
    fn left(&self) -> Duration {
        self.end.saturating_duration_since(Instant::now())
    }

    /// Sleep before another attempt, unless that would pass the run's time limit.
    async fn pause(
        &self,
        retry: &mut Retry,
        wait: Duration,
        what: &str,
        why: &str,
    ) -> Result<(), ApiError> {
        if wait >= self.left() {
            return Err(ApiError::OutOfTime {
                what: what.into(),
                why: format!(
                    "{why}, and waiting {} more would take longer than the run has left",
                    secs(wait)
                ),
                limit: self.deadlines.run,
            });
        }
        retry.wait(wait).await;
        Ok(())
    }

    /// One attempt, from connecting to the last byte of the answer, within the request's
    /// deadline and the run's time left.
    async fn attempt(
        &self,
        request: http::Request<octocrab::OctoBody>,
        what: &str,
        limit: Option<usize>,
    ) -> Result<Result<Got, octocrab::Error>, ApiError> {
        let left = self.left();
        if left.is_zero() {
            return Err(ApiError::OutOfTime {
                what: what.into(),
                why: format!("no time was left to ask {}", self.dialect.forge),
                limit: self.deadlines.run,
            });
        }
        let deadline = self.deadlines.request.min(left);
        let exchange = async {
            let response = self.client.execute(request).await?;
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            // NOTE: a file is read only up to its limit: a pull request may add a huge one.
            let limit = limit.unwrap_or(usize::MAX);
            let length = headers
                .get(http::header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok()?.trim().parse::<u64>().ok());
            if length.is_some_and(|n| n > limit as u64) {
                let body = Body {
                    bytes: Vec::new(),
                    over: true,
                };
                return Ok((status, headers, body));
            }
            let mut stream = response.into_body();
            let mut bytes = Vec::new();
            while let Some(frame) = stream.frame().await {
                let Ok(data) = frame?.into_data() else {
                    continue;
                };
                if data.len() > limit - bytes.len() {
                    return Ok((status, headers, Body { bytes, over: true }));
                }
                bytes.extend_from_slice(&data);
            }
            Ok((status, headers, Body { bytes, over: false }))
        };
        match tokio::time::timeout(deadline, exchange).await {
            Ok(got) => Ok(got),
            Err(_) if deadline < self.deadlines.request => Err(ApiError::OutOfTime {
                what: what.into(),
                why: format!(
                    "{} had not answered when the run's time ran out",
                    self.dialect.forge
                ),
                limit: self.deadlines.run,
            }),
            Err(_) => Err(ApiError::Timeout {
                forge: self.dialect.forge,
                what: what.into(),
                after: deadline,
            }),
        }
    }

    /// The server's time at the last answer, if it said.
    pub(crate) fn server_time(&self) -> Option<String> {
        self.clock.borrow().clone()
    }

    /// One request, retried on server errors, rate limits and broken connections, within the
    /// deadlines. A request that passes its own deadline is not tried again: a forge that
    /// does not answer in time is not waited for twice.
    pub(crate) async fn send(
        &self,
        method: http::Method,
        path: &str,
        body: Option<&serde_json::Value>,
        what: &str,
    ) -> Result<Answer, ApiError> {
        let (body, next) = self.exchange(method, path, body, what, Read::Json).await?;
        let body = String::from_utf8(body.bytes).map_err(|_| ApiError::Shape {
            forge: self.dialect.forge,
            what: what.into(),
            error: "the answer is not UTF-8".into(),
        })?;
        Ok(Answer { body, next })
    }

    /// A file's bytes at a commit, by its `contents` path, when they are no longer than
    /// `limit`: 404 is a file that is not there.
    pub(crate) async fn raw(&self, path: &str, what: &str, limit: usize) -> Result<Raw, ApiError> {
        match self
            .exchange(http::Method::GET, path, None, what, Read::Raw(limit))
            .await
        {
            Ok((body, _)) if body.over => Ok(Raw::TooBig),
            Ok((body, _)) => Ok(Raw::Found(body.bytes)),
            Err(e) if e.status() == Some(404) => Ok(Raw::Absent),
            Err(e) => Err(e),
        }
    }

    /// One request, as [`Api::send`] describes, reading the answer as `read` says: its body
    /// and the link to the next page.
    async fn exchange(
        &self,
        method: http::Method,
        path: &str,
        body: Option<&serde_json::Value>,
        what: &str,
        read: Read,
    ) -> Result<(Body, Option<String>), ApiError> {
        let (accept, limit) = match read {
            Read::Json => (self.dialect.json, None),
            Read::Raw(limit) => (self.dialect.raw, Some(limit)),
        };
        let write = method != http::Method::GET;
        let path = self.redactor.redact(path);
        let body = body.map(|b| {
            let mut b = b.clone();
            self.redactor.redact_json(&mut b);
            b
        });
        let mut retry = Retry {
            attempt: 1,
            pause: BACKOFF,
        };
        loop {
            let mut request = http::Request::builder()
                .method(method.clone())
                .uri(path.as_str())
                .header(http::header::ACCEPT, accept);
            for (name, value) in self.dialect.headers {
                request = request.header(*name, *value);
            }
            let request = self
                .client
                .build_request(request, body.as_ref())
                .map_err(|e| ApiError::Shape {
                    forge: self.dialect.forge,
                    what: what.into(),
                    error: format!("cannot build the request: {e}"),
                })?;
            let (status, headers, body) = match self.attempt(request, what, limit).await? {
                Ok(got) => got,
                Err(e) => {
                    if retry.attempt < ATTEMPTS {
                        let why =
                            format!("cannot reach {} ({})", self.dialect.forge, transport(&e));
                        let wait = retry.pause;
                        self.pause(&mut retry, wait, what, &why).await?;
                        continue;
                    }
                    return Err(ApiError::Transport {
                        forge: self.dialect.forge,
                        what: what.into(),
                        base: self.base.clone(),
                        error: transport(&e),
                    });
                }
            };
            let header = |name: &str| {
                headers
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::trim)
                    .map(str::to_owned)
            };
            if let Some(date) = header("date")
                .as_deref()
                .and_then(crate::publish::time::http_date)
            {
                *self.clock.borrow_mut() = Some(date);
            }
            if (200..300).contains(&status) {
                // NOTE: `Link` serves offset and keyset pagination alike; GitLab's `X-Next-Page`
                // is the fallback where a proxy drops `Link`.
                // A `Link` to another host (a proxy that names the server by another name) is
                // not followed where `X-Next-Page` says the same from the API's own URL.
                let offset = header("x-next-page")
                    .filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                    .map(|page| with_page(&path, &page));
                let next = match header("link").and_then(|l| next_link(&l)) {
                    Some(link) if self.same_origin(&link) => Some(link),
                    link => offset.or(link),
                };
                return Ok((body, next));
            }
            let limited = status == 429
                || (status == 403
                    && self.dialect.limited_403
                    && (header("retry-after").is_some()
                        || header("x-ratelimit-remaining").as_deref() == Some("0")));
            if retry.attempt < ATTEMPTS && (limited || matches!(status, 500 | 502 | 503 | 504)) {
                let (wait, why) = if limited {
                    let wait = rate_limit_wait(
                        header("retry-after").as_deref(),
                        header(self.dialect.reset).as_deref(),
                    )
                    .unwrap_or(retry.pause);
                    let forge = self.dialect.forge;
                    (wait, format!("{forge} rate-limited the request ({status})"))
                } else {
                    (
                        retry.pause,
                        format!("{} answered {status}", self.dialect.forge),
                    )
                };
                // NOTE: a rate limit is waited out only within the run's time left.
                self.pause(&mut retry, wait, what, &why).await?;
                continue;
            }
            let message = serde_json::from_slice::<serde_json::Value>(&body.bytes)
                .ok()
                .map(|v| refusal(&v))
                .unwrap_or_default();
            let hint = self.dialect.hint;
            return Err(ApiError::Status {
                forge: self.dialect.forge,
                what: what.into(),
                status,
                message: crate::escape::terminal(&message).into_owned(),
                hint: if limited {
                    hint(429, write)
                } else {
                    hint(status, write)
                },
            });
        }
    }

    /// GET one object.
    pub(crate) async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        what: &str,
    ) -> Result<T, ApiError> {
        let answer = self.send(http::Method::GET, path, None, what).await?;
        self.parse(&answer.body, what)
    }

    /// GET every page of a list.
    pub(crate) async fn list<T: DeserializeOwned>(
        &self,
        path: &str,
        what: &str,
    ) -> Result<Vec<T>, ApiError> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut url = format!("{path}{sep}per_page=100");
        let mut out = Vec::new();
        for _ in 0..PAGES {
            let answer = self.send(http::Method::GET, &url, None, what).await?;
            let page: Vec<T> = self.parse(&answer.body, what)?;
            out.extend(page);
            match answer.next {
                None => return Ok(out),
                Some(next) => {
                    // NOTE: the token goes with every request; a link elsewhere would leak it.
                    // A path (from `X-Next-Page`) is under the API's own URL.
                    let path = next.starts_with('/') && !next.starts_with("//");
                    if !path && !self.same_origin(&next) {
                        return Err(ApiError::ForeignLink {
                            forge: self.dialect.forge,
                            what: what.into(),
                            url: crate::escape::terminal(&next).into_owned(),
                            base: self.base.clone(),
                        });
                    }
                    url = next;
                }
            }
        }
        Err(ApiError::Shape {
            forge: self.dialect.forge,
            what: what.into(),
            error: format!("more than {PAGES} pages"),
        })
    }

    /// An answer read as `T`, or an error that says where it differs.
    pub(crate) fn parse<T: DeserializeOwned>(&self, body: &str, what: &str) -> Result<T, ApiError> {
        let de = &mut serde_json::Deserializer::from_str(body);
        serde_path_to_error::deserialize(de).map_err(|e| ApiError::Shape {
            forge: self.dialect.forge,
            what: what.into(),
            error: format!("at `{}`: {}", e.path(), e.inner()),
        })
    }

    /// `value` when it is a commit id (it goes into URLs and is compared with the sealed
    /// state); otherwise an answer of the wrong shape that says which `label` it was.
    pub(crate) fn commit<'v>(
        &self,
        value: &'v str,
        label: &str,
        what: &str,
    ) -> Result<&'v str, ApiError> {
        if crate::publish::state::is_commit(value) {
            return Ok(value);
        }
        Err(self.shape(
            what.to_owned(),
            format!(
                "the {label} `{}` is not a commit id",
                crate::escape::terminal(value)
            ),
        ))
    }

    /// An answer of the wrong shape, in this forge's words.
    pub(crate) fn shape(&self, what: String, error: String) -> ApiError {
        ApiError::Shape {
            forge: self.dialect.forge,
            what,
            error,
        }
    }
}

/// What a refusal's body says: GitHub's `message`; GitLab's `message`, which may be a string,
/// a list or an object of fields and their errors; or OAuth's `error_description` / `error`.
fn refusal(body: &serde_json::Value) -> String {
    fn flat(v: &serde_json::Value, out: &mut Vec<String>, prefix: &str) {
        match v {
            serde_json::Value::String(s) if prefix.is_empty() => out.push(s.clone()),
            serde_json::Value::String(s) => out.push(format!("{prefix} {s}")),
            serde_json::Value::Array(items) => {
                for item in items.iter().take(8) {
                    flat(item, out, prefix);
                }
            }
            serde_json::Value::Object(fields) => {
                for (key, value) in fields.iter().take(8) {
                    flat(value, out, key);
                }
            }
            serde_json::Value::Null => {}
            other => out.push(format!("{prefix} {other}").trim().to_owned()),
        }
    }
    let mut out = Vec::new();
    match body.get("message") {
        Some(m) => flat(m, &mut out, ""),
        None => {
            for key in ["error_description", "error"] {
                if let Some(serde_json::Value::String(s)) = body.get(key) {
                    out.push(s.clone());
                    break;
                }
            }
        }
    }
    let text = out.join("; ");
    // NOTE: a refusal is one line of a message; an API could answer anything.
    match text.char_indices().nth(500) {
        Some((at, _)) => format!("{}...", &text[..at]),
        None => text,
    }
}

/// A list's URL with its `page` parameter set: how GitLab's `X-Next-Page` names the next page.
fn with_page(url: &str, page: &str) -> String {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut params: Vec<String> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("page="))
        .map(str::to_owned)
        .collect();
    params.push(format!("page={page}"));
    format!("{base}?{}", params.join("&"))
}

/// A transport error without anything that could carry a secret.
fn transport(e: &octocrab::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text = format!("{text}: {more}");
        }
        source = s.source();
    }
    crate::escape::terminal(&text).into_owned()
}

/// The URL of `rel="next"` in a `Link` header.
fn next_link(link: &str) -> Option<String> {
    link.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        let next = params
            .split(';')
            .any(|p| p.trim().replace(' ', "") == "rel=\"next\"");
        let url = url.trim().strip_prefix('<')?.strip_suffix('>')?;
        next.then(|| url.to_owned())
    })
}

/// How long a rate limit asks to wait: `Retry-After` seconds, or until `X-RateLimit-Reset`.
fn rate_limit_wait(retry_after: Option<&str>, reset: Option<&str>) -> Option<Duration> {
    if let Some(secs) = retry_after.and_then(|s| s.parse::<u64>().ok()) {
        return Some(Duration::from_secs(secs));
    }
    let reset: u64 = reset?.parse().ok()?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs();
    Some(Duration::from_secs(reset.saturating_sub(now) + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_link_is_found_among_others() {
        let link = r#"<https://api.github.com/repositories/1/pulls/2/reviews?page=1>; rel="prev", <https://api.github.com/repositories/1/pulls/2/reviews?page=3>; rel="next", <https://api.github.com/repositories/1/pulls/2/reviews?page=5>; rel="last""#;
        assert_eq!(
            next_link(link).as_deref(),
            Some("https://api.github.com/repositories/1/pulls/2/reviews?page=3")
        );
        assert_eq!(next_link(r#"<https://x/a>; rel="last""#), None);
    }

    #[test]
    fn the_next_page_of_an_offset_list() {
        assert_eq!(
            with_page(
                "/projects/1/merge_requests/7/notes?sort=asc&per_page=100",
                "2"
            ),
            "/projects/1/merge_requests/7/notes?sort=asc&per_page=100&page=2"
        );
        assert_eq!(
            with_page("/x?page=2&per_page=100", "3"),
            "/x?per_page=100&page=3"
        );
    }

    #[test]
    fn refusals_in_every_shape_the_forges_give() {
        use serde_json::json;
        assert_eq!(refusal(&json!({ "message": "Not Found" })), "Not Found");
        assert_eq!(
            refusal(
                &json!({ "message": { "note": ["is too long (maximum is 1000000 characters)"] } })
            ),
            "note is too long (maximum is 1000000 characters)"
        );
        assert_eq!(
            refusal(
                &json!({ "error": "insufficient_scope", "error_description": "The request requires higher privileges" })
            ),
            "The request requires higher privileges"
        );
        assert_eq!(refusal(&json!({ "message": ["a", "b"] })), "a; b");
        assert_eq!(refusal(&json!({})), "");
        assert!(refusal(&json!({ "message": "x".repeat(10_000) })).len() < 600);
    }

    #[test]
    fn retry_after_wins_over_the_reset_time() {
        assert_eq!(
            rate_limit_wait(Some("7"), Some("0")),
            Some(Duration::from_secs(7))
        );
        assert_eq!(rate_limit_wait(None, None), None);
        assert_eq!(
            rate_limit_wait(None, Some("0")),
            Some(Duration::from_secs(1))
        );
    }
}
