//! What the CLI tests share: where the repository is, the binary as users run it, the fixtures.

#![allow(dead_code)] // each test file uses its own part of this module

pub mod http;
pub mod repo;

use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The binary, run from the repository root with forge and colour variables scrubbed.
pub fn foureyes() -> Command {
    let mut cmd = Command::cargo_bin("foureyes").expect("the binary is built");
    cmd.current_dir(root());
    for (var, _) in std::env::vars_os() {
        let name = var.to_string_lossy();
        if name.starts_with("GITHUB_") || name.starts_with("GITLAB_") || name.starts_with("CI_") {
            cmd.env_remove(&var);
        }
    }
    // NOTE: reports are wrapped to COLUMNS when it is set: the tests' reports are 100 wide.
    for var in ["NO_COLOR", "FORCE_COLOR", "COLUMNS"] {
        cmd.env_remove(var);
    }
    cmd
}

/// Every `.json` file below a folder, sorted.
pub fn json_files(dir: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("readable dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "json") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, &mut out);
    out.sort();
    out
}

/// A path as the tests pass it to the binary: relative to the repository, with `/`.
pub fn relative(path: &Path) -> String {
    path.strip_prefix(root())
        .expect("under the repository")
        .to_string_lossy()
        .replace('\\', "/")
}

/// `foureyes review --exit-zero --format FORMAT ARGS...`: its report, which must come with exit 0.
pub fn report(format: &str, args: &[&str]) -> String {
    let out = foureyes()
        .args(["review", "--exit-zero", "--format", format])
        .args(args)
        .output()
        .expect("foureyes runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("the report is UTF-8")
}

/// A plan too big for one comment: 3,000 ordinary new policies, and one change that needs an
/// independent approval (a new `iam:*` grant while the trail is deleted). Written into `dir`.
pub fn huge_plan(dir: &Path) -> PathBuf {
    let path = dir.join("big.json");
    let mut changes = Vec::new();
    for i in 0..3000 {
        changes.push(format!(
            r#"{{"address":"aws_iam_role_policy.p{i}","type":"aws_iam_role_policy","name":"p{i}","change":{{"actions":["create"],"before":null,"after":{{"role":"role-{i}","policy":"{{\"Statement\":[{{\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\",\"s3:PutObject\",\"dynamodb:GetItem\"],\"Resource\":\"arn:aws:s3:::bucket-{i}/*\"}}]}}"}},"after_unknown":{{}}}}}}"#
        ));
    }
    changes.push(r#"{"address":"aws_iam_role_policy.admin","type":"aws_iam_role_policy","name":"admin","change":{"actions":["create"],"before":null,"after":{"role":"ci","policy":"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"iam:*\",\"Resource\":\"*\"}]}"},"after_unknown":{}}}"#.to_string());
    changes.push(r#"{"address":"aws_cloudtrail.org","type":"aws_cloudtrail","name":"org","change":{"actions":["delete"],"before":{"name":"org"},"after":null}}"#.to_string());
    let plan = format!(
        r#"{{"format_version":"1.2","resource_changes":[{}]}}"#,
        changes.join(",")
    );
    std::fs::write(&path, plan).expect("write");
    path
}

/// A plan with `n` findings: `n` roles, each given both `iam:*` and `cloudtrail:*` (a forbidden
/// pair of duties). Written into `dir`.
pub fn many_findings_plan(dir: &Path, n: usize) -> PathBuf {
    let path = dir.join(format!("many-{n}.json"));
    let changes: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"address":"aws_iam_role_policy.admin{i}","type":"aws_iam_role_policy","name":"admin{i}","change":{{"actions":["create"],"before":null,"after":{{"role":"role-{i}","policy":"{{\"Statement\":[{{\"Effect\":\"Allow\",\"Action\":[\"iam:*\",\"cloudtrail:*\"],\"Resource\":\"*\"}}]}}"}},"after_unknown":{{}}}}}}"#
            )
        })
        .collect();
    let plan = format!(
        r#"{{"format_version":"1.2","resource_changes":[{}]}}"#,
        changes.join(",")
    );
    std::fs::write(&path, plan).expect("write");
    path
}

/// The README's text between `<!-- NAME:start -->` and `<!-- NAME:end -->`.
pub fn readme_block(name: &str) -> String {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let open = format!("<!-- {name}:start -->\n");
    let start = readme
        .find(&open)
        .unwrap_or_else(|| panic!("the README has no {open}"))
        + open.len();
    let end = readme[start..]
        .find(&format!("<!-- {name}:end -->"))
        .unwrap_or_else(|| panic!("the README's {name} block has no end"))
        + start;
    readme[start..end].to_owned()
}

/// HTML that the Markdown report itself writes; anything else is a leak.
pub fn ours(html: &str) -> bool {
    let html = html.trim();
    html == "<br>"
        || html == "</details>"
        || (html.starts_with("<details><summary>") && html.ends_with("</summary>"))
}

pub struct Parsed {
    pub headings: Vec<String>,
    pub code_blocks: Vec<(String, String)>,
    pub texts: String,
    pub problems: Vec<String>,
    pub table_rows: Vec<usize>,
}

/// A Markdown report as GitHub and GitLab read it (comrak: CommonMark + GFM), with what in it
/// is not plain text.
pub fn parse(md: &str) -> Parsed {
    let arena = comrak::Arena::new();
    let mut options = comrak::Options::default();
    options.extension.table = true;
    options.extension.autolink = true;
    options.extension.strikethrough = true;
    options.extension.tasklist = true;
    let root = comrak::parse_document(&arena, md, &options);
    let mut parsed = Parsed {
        headings: Vec::new(),
        code_blocks: Vec::new(),
        texts: String::new(),
        problems: Vec::new(),
        table_rows: Vec::new(),
    };
    for node in root.descendants() {
        match &node.data.borrow().value {
            comrak::nodes::NodeValue::Text(t) => {
                parsed.texts.push_str(t);
                parsed.texts.push('\n');
            }
            comrak::nodes::NodeValue::HtmlInline(h) if !ours(h) => {
                parsed.problems.push(format!("inline HTML: {h}"));
            }
            comrak::nodes::NodeValue::HtmlBlock(b) if !b.literal.lines().all(ours) => {
                parsed.problems.push(format!("HTML block: {}", b.literal));
            }
            comrak::nodes::NodeValue::Link(l) => parsed.problems.push(format!("link: {}", l.url)),
            comrak::nodes::NodeValue::Image(l) => parsed.problems.push(format!("image: {}", l.url)),
            comrak::nodes::NodeValue::Heading(_) => {
                let mut text = String::new();
                for d in node.descendants() {
                    if let comrak::nodes::NodeValue::Text(t) = &d.data.borrow().value {
                        text.push_str(t);
                    }
                }
                parsed.headings.push(text);
            }
            comrak::nodes::NodeValue::CodeBlock(c) => {
                parsed.code_blocks.push((c.info.clone(), c.literal.clone()))
            }
            comrak::nodes::NodeValue::TableRow(_) => {
                parsed.table_rows.push(node.children().count())
            }
            _ => {}
        }
    }
    // Mentions, references and bare links live in text nodes: GitHub and GitLab look for them
    // after parsing. A zero-width space after `@`, `#` or `://` keeps them plain.
    for (i, _) in parsed.texts.match_indices('@') {
        let next = parsed.texts[i + 1..].chars().next().unwrap_or(' ');
        if next.is_alphanumeric() {
            parsed
                .problems
                .push(format!("a mention: {}", &parsed.texts[i..]));
        }
    }
    for needle in ["http://", "https://", "www."] {
        for (i, _) in parsed.texts.match_indices(needle) {
            if !parsed.texts[i + needle.len()..].starts_with('\u{200B}') {
                parsed
                    .problems
                    .push(format!("a bare link: {}", &parsed.texts[i..]));
            }
        }
    }
    parsed
}

/// What one run of the binary left behind.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// `foureyes ARGS`, from the repository root.
pub fn run(args: &[&str]) -> Run {
    let out = foureyes().args(args).output().expect("foureyes runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// (rule, principal) pairs of a JSON report's findings.
pub fn fired(report: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for f in report["findings"].as_array().expect("findings") {
        // A finding that names no principal (a control weakened by whoever applies the
        // change, when nobody is known to) is `(rule, "")`.
        if f["principals"].as_array().is_some_and(Vec::is_empty) {
            out.insert((f["rule"].as_str().expect("rule").to_string(), String::new()));
        }
        for p in f["principals"].as_array().expect("principals") {
            out.insert((
                f["rule"].as_str().expect("rule").to_string(),
                p.as_str().expect("principal").to_string(),
            ));
        }
    }
    out
}

/// The findings of a JSON report are exactly these `(rule, principal)` pairs.
#[track_caller]
pub fn assert_fired(report: &Value, want: &[(&str, &str)], file: &str) {
    let want: BTreeSet<(String, String)> = want
        .iter()
        .map(|(r, p)| (r.to_string(), p.to_string()))
        .collect();
    assert_eq!(fired(report), want, "{file}: findings");
}

/// A principal of a JSON report, by id.
pub fn principal<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["principals"]
        .as_array()
        .expect("principals")
        .iter()
        .find(|p| p["id"] == id)
        .unwrap_or_else(|| panic!("principal {id} in {report:#}"))
}

/// What a principal of a JSON report gained: `(permission, via)` in report order.
pub fn gained(principal: &Value) -> Vec<(&str, &str)> {
    principal["gained"]
        .as_array()
        .expect("gained")
        .iter()
        .map(|g| {
            (
                g["permission"].as_str().expect("permission"),
                g["via"].as_str().expect("via"),
            )
        })
        .collect()
}

/// A JSON array of strings.
pub fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_str().expect("string"))
        .collect()
}

/// What a fixture must give: read from the `expect.toml` beside it, one `[[fixture]]` per
/// fixture of the directory, so that fixtures and their expectations are added together (and
/// areas of work do not meet in one table):
///
/// ```toml
/// [[fixture]]
/// file = "user-and-group-policies.json"   # beside this file
/// exit = 1                                 # 0 pass, 1 approval required
/// findings = [["toxic-combination", "aws:user/bob"]]   # (rule, principal), exactly these
/// why = "..."                              # what the fixture shows
/// ```
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    pub fixture: Vec<Fixture>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixture {
    pub file: String,
    pub exit: i32,
    #[serde(default)]
    pub findings: Vec<(String, String)>,
    pub why: String,
}

/// Every expectation under testdata/providers: (path from the repository root, expectation).
pub fn expectations() -> Vec<(String, Fixture)> {
    let mut out = Vec::new();
    let mut dirs = vec![root().join("testdata/providers")];
    while let Some(dir) = dirs.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .expect("readable directory")
            .map(|e| e.expect("entry").path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                dirs.push(path);
            } else if path.file_name().is_some_and(|n| n == "expect.toml") {
                let text = std::fs::read_to_string(&path).expect("readable expect.toml");
                let expect: Expect =
                    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", relative(&path)));
                for f in expect.fixture {
                    out.push((relative(&dir.join(&f.file)), f));
                }
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Comment text as a reader sees it: Markdown's escapes of punctuation removed.
pub fn plain(markdown: &str) -> String {
    let mut out = String::new();
    let mut chars = markdown.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && chars.peek().is_some_and(|n| n.is_ascii_punctuation()) {
            continue;
        }
        if c != '\u{200B}' {
            out.push(c);
        }
    }
    out
}

/// Snapshot the text and the JSON report of a review of `path` as `text` and `json`, in the
/// current `insta` settings (a macro, so that the snapshots are named after the calling test
/// file, as `insta` names them from where it is called).
#[allow(unused_macros)] // each test file uses its own part of this module
macro_rules! snapshot_reports {
    ($path:expr) => {{
        let path: &str = $path;
        let text = crate::common::run(&["review", "--exit-zero", path]);
        assert_eq!(text.code, 0, "{}", text.stderr);
        insta::assert_snapshot!("text", text.stdout);
        let json = crate::common::run(&["review", "--exit-zero", "--format", "json", path]);
        insta::assert_snapshot!("json", json.stdout);
    }};
}
#[allow(unused_imports)] // each test file uses its own part of this module
pub(crate) use snapshot_reports;

/// `foureyes review --format json PATH`: its exit code (0 or 1, nothing else) and its report.
pub fn review_json(path: &str) -> (i32, Value) {
    let r = run(&["review", "--format", "json", path]);
    assert!(
        r.code == 0 || r.code == 1,
        "{path}: exit {}: {}",
        r.code,
        r.stderr
    );
    (
        r.code,
        serde_json::from_str(&r.stdout).expect("the report is JSON"),
    )
}
