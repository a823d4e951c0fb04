//! Configuration: `.foureyes.toml` (or `--config FILE`), strict: an unknown key is an error
//! that names the key and its line. Parsing and validating the text ([`parse`]) reads no file
//! and no clock, so the same code judges a configuration of another revision (control
//! tampering compares the parsed configuration of both sides of a change).

use crate::ruleset::Severity;
use chrono::NaiveDate;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// How far out an exception may expire, in days from today, unless configured.
pub(crate) const MAX_EXCEPTION_DAYS: u32 = 90;
/// The furthest `max_exception_days` may be set.
const MAX_EXCEPTION_DAYS_LIMIT: u32 = 3650;
/// An exception expiring within this many days is announced in the report.
pub(crate) const EXPIRING_DAYS: i64 = 14;

/// The file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    /// Identities that apply the change: role names, ARNs or principal ids.
    #[serde(default)]
    pipeline_principals: Vec<String>,
    /// Findings at or above this severity require an independent approver.
    #[serde(default)]
    approval_severity: Option<Spanned<String>>,
    /// Extra ruleset files, relative to the configuration file.
    #[serde(default)]
    rulesets: Vec<PathBuf>,
    /// What a change to an identity or audit type that foureyes does not model does: `warn`
    /// (the default) or `require_approval`.
    #[serde(default)]
    unmodelled_identity: Option<Spanned<String>>,
    /// How far out an exception may expire, in days from today.
    #[serde(default)]
    max_exception_days: Option<Spanned<i64>>,
    /// More files that configure the review (glob patterns, relative to the repository root).
    #[serde(default)]
    control_files: Vec<Spanned<String>>,
    /// Documented, expiring exceptions.
    #[serde(default)]
    exception: Vec<Spanned<RawException>>,
}

/// One `[[exception]]` as written: every field optional here, so that validation can name all
/// that are missing, with the line.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawException {
    rule: Option<Spanned<String>>,
    principal: Option<Spanned<OneOrMany>>,
    resource: Option<Spanned<OneOrMany>>,
    reason: Option<Spanned<String>>,
    approved_by: Option<Spanned<String>>,
    expires: Option<Spanned<toml::Value>>,
    ticket: Option<Spanned<String>>,
}

/// A pattern, or a list of them.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

/// A configuration as declared, validated, with nothing read from disk: what two revisions of
/// the file are compared by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Declared {
    pub(crate) pipeline_principals: Vec<String>,
    pub(crate) approval_severity: Severity,
    /// Extra ruleset files, relative to the configuration file, as written.
    pub(crate) rulesets: Vec<PathBuf>,
    /// Changes to identity or audit types that foureyes does not model require approval.
    pub(crate) unmodelled_identity_requires_approval: bool,
    /// How far out an exception may expire, in days from today.
    pub(crate) max_exception_days: u32,
    /// More files that configure the review: glob patterns relative to the repository root.
    pub(crate) control_files: Vec<String>,
    pub(crate) exceptions: Vec<Exception>,
}

impl Default for Declared {
    fn default() -> Declared {
        Declared {
            pipeline_principals: Vec::new(),
            approval_severity: Severity::Medium,
            rulesets: Vec::new(),
            unmodelled_identity_requires_approval: false,
            max_exception_days: MAX_EXCEPTION_DAYS,
            control_files: Vec::new(),
            exceptions: Vec::new(),
        }
    }
}

/// A documented exception: findings of `rule` about these principals and resources are
/// reported as excepted and need no approver, until `expires` (inclusive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Exception {
    /// Where it is written: `.foureyes.toml:12` (its `[[exception]]` line).
    pub(crate) place: String,
    /// Its number among the file's exceptions, from 1.
    pub(crate) number: usize,
    pub(crate) rule: String,
    /// Principal ids or patterns (`*`, `?`); empty: any principal.
    pub(crate) principals: Vec<String>,
    /// Resource address patterns (`*`, `?`); empty: any resource.
    pub(crate) resources: Vec<String>,
    pub(crate) reason: String,
    pub(crate) approved_by: String,
    /// The last day it covers anything, in UTC.
    pub(crate) expires: NaiveDate,
    pub(crate) ticket: Option<String>,
}

impl Exception {
    /// How it reads in a report: `exception #2 (.foureyes.toml:14, toxic-combination for
    /// aws:role/break-glass)`.
    pub(crate) fn name(&self) -> String {
        let mut what = vec![self.rule.clone()];
        if !self.principals.is_empty() {
            what.push(format!("for {}", self.principals.join(", ")));
        }
        if !self.resources.is_empty() {
            what.push(format!("on {}", self.resources.join(", ")));
        }
        format!(
            "exception #{} ({}, {})",
            self.number,
            self.place,
            what.join(" ")
        )
    }

    /// Who decided it and why: "approved by alice (ticket SEC-1): account migration".
    pub(crate) fn decision(&self) -> String {
        format!(
            "approved by {}{}: {}",
            self.approved_by,
            self.ticket
                .as_ref()
                .map(|t| format!(" (ticket {t})"))
                .unwrap_or_default(),
            self.reason
        )
    }

    /// What an excepted finding says of it: "exception #1 (.foureyes.toml:2) until
    /// 2026-12-31, approved by alice (ticket SEC-1): account migration".
    pub(crate) fn waiver(&self) -> String {
        format!(
            "exception #{} ({}) until {}, {}",
            self.number,
            self.place,
            self.expires,
            self.decision()
        )
    }

    /// Whether it covers a finding of `rule` about these principals and resources: the same
    /// rule, and every principal and every resource the finding names matched by one of its
    /// patterns (a finding that names none is not covered by a pattern).
    pub(crate) fn covers(&self, rule: &str, principals: &[String], resources: &[String]) -> bool {
        let all = |patterns: &[String], names: &[String]| {
            patterns.is_empty()
                || (!names.is_empty()
                    && names
                        .iter()
                        .all(|n| patterns.iter().any(|p| crate::glob::matches_exactly(p, n))))
        };
        self.rule == rule && all(&self.principals, principals) && all(&self.resources, resources)
    }
}

/// The configuration a review runs with.
#[derive(Debug, Default)]
pub(crate) struct Config {
    pub(crate) declared: Declared,
    /// Extra ruleset files: (name as shown, contents).
    pub(crate) rulesets: Vec<(String, String)>,
    /// Where it was read from, when it was.
    pub(crate) path: Option<PathBuf>,
}

/// Every problem with a configuration file.
#[derive(Debug, thiserror::Error)]
#[error("{}", .0.join("\n"))]
pub(crate) struct ConfigError(pub(crate) Vec<String>);

/// The configuration file read when none is given, in the current directory.
pub(crate) const DEFAULT_FILE: &str = ".foureyes.toml";

/// Today's date in UTC, from this machine's clock.
pub(crate) fn today() -> NaiveDate {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    i64::try_from(secs)
        .ok()
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
        .unwrap_or(chrono::DateTime::UNIX_EPOCH)
        .date_naive()
}

/// The `.foureyes.toml` that applies in `dir`: the one in `dir`, or else in the nearest parent
/// up to the root of the git repository `dir` is in (the directory with `.git`), and its name
/// from `dir` (`.foureyes.toml`, `../../.foureyes.toml`). Outside a repository, only `dir`'s.
pub(crate) fn discover(dir: &Path) -> Option<(PathBuf, String)> {
    let mut up = String::new();
    for at in dir.ancestors() {
        let candidate = at.join(DEFAULT_FILE);
        if candidate.is_file() {
            return Some((candidate, format!("{up}{DEFAULT_FILE}")));
        }
        // NOTE: `.git` is a directory in a clone and a file in a worktree or submodule.
        if at.join(".git").exists() {
            return None;
        }
        up.push_str("../");
    }
    None
}

/// Read the configuration: the given file, or the `.foureyes.toml` that applies in `dir`
/// ([`discover`]), and the ruleset files it names; exceptions are validated as of `today`.
pub(crate) fn load(
    explicit: Option<&Path>,
    dir: &Path,
    today: NaiveDate,
) -> Result<Config, ConfigError> {
    // NOTE: the discovered file by its name from `dir`, as users know it (and reports stay the
    // same in any checkout).
    let (path, name) = match explicit {
        Some(p) => (p.to_path_buf(), p.display().to_string()),
        None => {
            // NOTE: only inside a repository: a `.foureyes.toml` in a home directory must not
            // configure every review below it.
            let inside = dir.ancestors().any(|a| a.join(".git").exists());
            let found = if inside {
                discover(dir)
            } else {
                let here = dir.join(DEFAULT_FILE);
                here.is_file().then(|| (here, DEFAULT_FILE.to_owned()))
            };
            match found {
                Some(found) => found,
                None => return Ok(Config::default()),
            }
        }
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| ConfigError(vec![format!("{name}: cannot read: {e}")]))?;
    let declared = parse(&name, &text, Some(today))?;
    let base = path.parent().unwrap_or(Path::new("."));
    let mut rulesets = Vec::new();
    let mut problems = Vec::new();
    for r in &declared.rulesets {
        let path = base.join(r);
        match std::fs::read_to_string(&path) {
            Ok(text) => rulesets.push((path.display().to_string(), text)),
            Err(e) => problems.push(format!(
                "{name}: rulesets: cannot read {}: {e}",
                path.display()
            )),
        }
    }
    if !problems.is_empty() {
        return Err(ConfigError(problems));
    }
    Ok(Config {
        declared,
        rulesets,
        path: Some(path),
    })
}

/// Parse and validate a configuration file's text, reporting every problem with its line.
/// With `today`, an exception expiring further out than `max_exception_days` from it is a
/// problem; without (another revision's configuration), it is not checked.
pub(crate) fn parse(
    name: &str,
    text: &str,
    today: Option<NaiveDate>,
) -> Result<Declared, ConfigError> {
    let at = |span: std::ops::Range<usize>| {
        let (line, column) = crate::load::line_column(text.as_bytes(), span.start);
        format!("{name}:{line}:{column}")
    };
    let raw: RawConfig = toml::from_str(text).map_err(|e| {
        let message = e.message().trim_end().to_string();
        let place = e.span().map(&at).unwrap_or_else(|| name.to_string());
        ConfigError(vec![format!(
            "{place}: {}",
            crate::escape::terminal(&message)
        )])
    })?;
    let mut problems = Vec::new();
    let approval_severity = match &raw.approval_severity {
        None => Severity::Medium,
        Some(s) => Severity::parse(s.get_ref()).unwrap_or_else(|| {
            problems.push(format!(
                "{}: approval_severity = \"{}\" is not one of low, medium, high, critical",
                at(s.span()),
                crate::escape::terminal(s.get_ref())
            ));
            Severity::Medium
        }),
    };
    let unmodelled_identity_requires_approval = match &raw.unmodelled_identity {
        None => false,
        Some(s) => match s.get_ref().as_str() {
            "warn" => false,
            "require_approval" => true,
            other => {
                problems.push(format!(
                    "{}: unmodelled_identity = \"{}\" is not one of warn, require_approval",
                    at(s.span()),
                    crate::escape::terminal(other)
                ));
                false
            }
        },
    };
    let max_exception_days = match &raw.max_exception_days {
        None => MAX_EXCEPTION_DAYS,
        Some(d) => match u32::try_from(*d.get_ref()) {
            Ok(days) if (1..=MAX_EXCEPTION_DAYS_LIMIT).contains(&days) => days,
            _ => {
                problems.push(format!(
                    "{}: max_exception_days = {} is not a number of days from 1 to \
                     {MAX_EXCEPTION_DAYS_LIMIT}",
                    at(d.span()),
                    d.get_ref()
                ));
                MAX_EXCEPTION_DAYS
            }
        },
    };
    for p in &raw.pipeline_principals {
        if p.trim().is_empty() {
            problems.push(format!("{name}: pipeline_principals: an entry is empty"));
        }
    }
    let mut control_files = Vec::new();
    for f in &raw.control_files {
        let pattern = f.get_ref().trim();
        if pattern.is_empty() || pattern.chars().any(char::is_control) {
            problems.push(format!(
                "{}: control_files: expected a path or glob pattern on one line",
                at(f.span())
            ));
        } else {
            control_files.push(pattern.trim_start_matches("./").to_string());
        }
    }
    let mut exceptions = Vec::new();
    for (i, e) in raw.exception.into_iter().enumerate() {
        let (line, _) = crate::load::line_column(text.as_bytes(), e.span().start);
        let mut check = ExceptionCheck {
            at: &at,
            here: at(e.span()),
            number: i + 1,
            problems: Vec::new(),
            missing: Vec::new(),
        };
        let e = e.into_inner();
        let rule = check.text(e.rule, "rule");
        let reason = check.text(e.reason, "reason");
        let approved_by = check.text(e.approved_by, "approved_by");
        let ticket = e.ticket.and_then(|t| check.text(Some(t), "ticket"));
        let expires = match e.expires {
            None => {
                check.missing.push("expires");
                None
            }
            Some(v) => {
                let span = v.span();
                let date = date(v.get_ref());
                if date.is_none() {
                    check.problem(
                        Some(span.clone()),
                        format!(
                            "`expires` = {} is not a date; expected one like 2026-12-31",
                            crate::escape::terminal(&v.get_ref().to_string())
                        ),
                    );
                }
                date.map(|d| (d, span))
            }
        };
        if !check.missing.is_empty() {
            let missing = check
                .missing
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ");
            check.problem(
                None,
                format!(
                    "missing {missing} (every exception says which rule it waives, why, who \
                     approved it and when it expires)"
                ),
            );
        }
        if let Some(rule) = &rule {
            match crate::rules::find(rule) {
                None => check.problem(
                    None,
                    format!(
                        "there is no rule `{}`; the rules are: {}",
                        crate::escape::terminal(rule),
                        crate::rules::all()
                            .map(|r| r.id)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ),
                Some(r) => {
                    if let Some(why) = r.unwaivable {
                        check.problem(
                            None,
                            format!("`{}` findings cannot be excepted: {why}", r.id),
                        );
                    }
                }
            }
        }
        let principals: Vec<String> = check
            .patterns(e.principal, "principal")
            .into_iter()
            .map(|p| {
                if crate::glob::is_pattern(&p) {
                    p
                } else {
                    // An ARN or a bare name, as pipeline principals are written.
                    crate::privilege::principal_id(&p).to_string()
                }
            })
            .collect();
        let resources = check.patterns(e.resource, "resource");
        if principals.is_empty() && resources.is_empty() && check.problems.is_empty() {
            check.problem(
                None,
                "says neither `principal` nor `resource`: an exception covers the findings of \
                 one rule about named principals, resources or both, never the whole rule"
                    .to_string(),
            );
        }
        if let (Some(today), Some((expires, span))) = (today, &expires) {
            let furthest = today + chrono::Days::new(u64::from(max_exception_days));
            if *expires > furthest {
                check.problem(
                    Some(span.clone()),
                    format!(
                        "`expires` = {expires} is more than {max_exception_days} days from today \
                         ({today}); the furthest allowed is {furthest} (max_exception_days)"
                    ),
                );
            }
        }
        let ok = check.problems.is_empty();
        problems.extend(check.problems);
        if let (true, Some(rule), Some(reason), Some(approved_by), Some((expires, _))) =
            (ok, rule, reason, approved_by, expires)
        {
            exceptions.push(Exception {
                place: format!("{name}:{line}"),
                number: i + 1,
                rule,
                principals,
                resources,
                reason,
                approved_by,
                expires,
                ticket,
            });
        }
    }
    if !problems.is_empty() {
        return Err(ConfigError(problems));
    }
    Ok(Declared {
        pipeline_principals: raw.pipeline_principals,
        approval_severity,
        rulesets: raw.rulesets,
        unmodelled_identity_requires_approval,
        max_exception_days,
        control_files,
        exceptions,
    })
}

/// A TOML local date (`2026-12-31`) or a string holding one.
fn date(value: &toml::Value) -> Option<NaiveDate> {
    match value {
        toml::Value::Datetime(d) if d.time.is_none() && d.offset.is_none() => {
            let d = d.date?;
            NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
        }
        toml::Value::String(s) => {
            let s = s.trim();
            // NOTE: exactly YYYY-MM-DD: chrono alone would take `2026-1-5`.
            let b = s.as_bytes();
            if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
                return None;
            }
            NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
        }
        _ => None,
    }
}

/// The problems of one `[[exception]]`, each with its place.
struct ExceptionCheck<'a> {
    at: &'a dyn Fn(std::ops::Range<usize>) -> String,
    /// Where the `[[exception]]` table starts.
    here: String,
    number: usize,
    problems: Vec<String>,
    /// Mandatory keys it lacks.
    missing: Vec<&'static str>,
}

impl ExceptionCheck<'_> {
    fn problem(&mut self, span: Option<std::ops::Range<usize>>, what: String) {
        let place = span.map_or_else(|| self.here.clone(), self.at);
        self.problems
            .push(format!("{place}: [[exception]] #{}: {what}", self.number));
    }

    /// A text field, trimmed; missing or empty is a problem.
    fn text(&mut self, field: Option<Spanned<String>>, key: &'static str) -> Option<String> {
        let Some(v) = field else {
            self.missing.push(key);
            return None;
        };
        let span = v.span();
        let value = v.into_inner();
        let value = value.trim();
        if value.is_empty() {
            self.problem(Some(span), format!("`{key}` is empty"));
            return None;
        }
        Some(value.to_string())
    }

    /// Patterns: none is fine, an empty entry or one that matches everything is not.
    fn patterns(&mut self, field: Option<Spanned<OneOrMany>>, key: &str) -> Vec<String> {
        let Some(v) = field else { return Vec::new() };
        let span = v.span();
        let list = v.into_inner().into_vec();
        if list.is_empty() {
            self.problem(Some(span.clone()), format!("`{key}` is an empty list"));
        }
        let mut out = Vec::new();
        for p in list {
            let p = p.trim();
            if p.is_empty() || p.chars().any(char::is_control) {
                self.problem(
                    Some(span.clone()),
                    format!("`{key}` has an empty entry or one of several lines"),
                );
            } else if p.chars().all(|c| c == '*' || c == '?') {
                self.problem(
                    Some(span.clone()),
                    format!("`{key}` = \"{p}\" would cover everything; name what it is for"),
                );
            } else {
                out.push(p.to_string());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_name_the_key_and_line() {
        let err = parse(
            ".foureyes.toml",
            "approval_severity = \"high\"\npipeline_principal = [\"ci\"]\n",
            None,
        )
        .expect_err("unknown key");
        let text = err.to_string();
        assert!(text.contains(".foureyes.toml:2:1"), "{text}");
        assert!(text.contains("pipeline_principal"), "{text}");
    }

    #[test]
    fn unmodelled_identity_is_warn_or_require_approval() {
        let c = parse(
            "c.toml",
            "unmodelled_identity = \"require_approval\"\n",
            None,
        )
        .expect("parses");
        assert!(c.unmodelled_identity_requires_approval);
        let c = parse("c.toml", "unmodelled_identity = \"warn\"\n", None).expect("parses");
        assert!(!c.unmodelled_identity_requires_approval);
        let err =
            parse("c.toml", "unmodelled_identity = \"ignore\"\n", None).expect_err("not a choice");
        assert!(
            err.to_string()
                .contains("not one of warn, require_approval"),
            "{err}"
        );
    }

    #[test]
    fn bad_severity_is_reported() {
        let err =
            parse("c.toml", "approval_severity = \"urgent\"\n", None).expect_err("bad severity");
        assert!(err.to_string().contains("urgent"));
    }
}
