//! The conventions of the command line: several reports from one review, `--quiet`,
//! `--color`, and the configuration found in a parent directory of the repository.

mod common;

use common::{foureyes, root};
use serde_json::Value;

/// A plan that needs an independent approval.
const RISKY: &str = "testdata/example/plan.json";
/// A plan that needs none.
const ORDINARY: &str = "testdata/plans/precision/new-service.json";

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("UTF-8")
}

/// One review, every report: the text on stdout, and JSON, SARIF, Markdown and Code Quality
/// in files, each the same as the review would write with `--format`.
#[test]
fn one_review_writes_every_report_asked_for() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = |name: &str| dir.path().join(name);
    let out = foureyes()
        .args(["review", RISKY, "--output-json"])
        .arg(file("r.json"))
        .arg("--output-sarif")
        .arg(file("r.sarif"))
        .arg("--output-markdown")
        .arg(file("r.md"))
        .arg("--output-codequality")
        .arg(file("r.cq.json"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).starts_with("APPROVAL REQUIRED"),
        "{}",
        stdout(&out)
    );
    for (name, format) in [
        ("r.json", "json"),
        ("r.sarif", "sarif"),
        ("r.md", "markdown"),
        ("r.cq.json", "codequality"),
    ] {
        let written = std::fs::read_to_string(file(name)).expect("written");
        assert_eq!(written, common::report(format, &[RISKY]), "{name}");
    }
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(file("r.json")).expect("written"))
            .expect("JSON");
    assert_eq!(json["verdict"], "approval_required");
}

#[test]
fn two_reports_to_one_file_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("r.json");
    let out = foureyes()
        .args(["review", RISKY, "--output"])
        .arg(&path)
        .arg("--output-sarif")
        .arg(&path)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--output-sarif and --output name the same file"),
        "{err}"
    );
    assert!(!path.exists(), "nothing is written");
}

/// `--quiet`: the verdict line alone, and the exit code; the files still get their reports.
#[test]
fn quiet_prints_the_verdict_line_alone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let json = dir.path().join("r.json");
    let out = foureyes()
        .args(["review", "--quiet", RISKY, "--output-json"])
        .arg(&json)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.starts_with("APPROVAL REQUIRED — 1 finding needs an independent approver"));
    assert!(json.is_file());
    let out = foureyes()
        .args(["review", "-q", ORDINARY])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "PASS — no independent approval required\n");
    // The verdict line is text: another format on stdout makes no sense with it.
    let out = foureyes()
        .args(["review", "--quiet", "--format", "json", ORDINARY])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
}

/// Colour only on a terminal without NO_COLOR, unless asked for; never in a file unless asked.
#[test]
fn colour_is_asked_for_or_automatic() {
    let has_escape = |args: &[&str], no_color: bool| {
        let mut cmd = foureyes();
        cmd.arg("review").args(args).arg(RISKY);
        if no_color {
            cmd.env("NO_COLOR", "1");
        }
        stdout(&cmd.output().expect("runs")).contains('\u{1b}')
    };
    // Not a terminal: no colour unless asked for.
    assert!(!has_escape(&[], false));
    assert!(!has_escape(&["--color", "auto"], false));
    assert!(has_escape(&["--color", "always"], false));
    assert!(
        has_escape(&["--color=always"], true),
        "the flag wins over NO_COLOR"
    );
    assert!(!has_escape(&["--color", "never"], false));
    // Critical and high read differently.
    let out = foureyes()
        .args(["review", "--color", "always", RISKY])
        .output()
        .expect("runs");
    assert!(
        stdout(&out).contains("\u{1b}[1;97;41mCRITICAL"),
        "{}",
        stdout(&out)
    );
}

/// `.foureyes.toml` is read from the current directory or its nearest parent up to the
/// repository's root, and never from above the root.
#[test]
fn the_configuration_is_found_up_to_the_repository_root() {
    let top = tempfile::tempdir().expect("temp dir");
    // Above the repository: must not apply.
    std::fs::write(
        top.path().join(".foureyes.toml"),
        "approval_severity = \"low\"\nthis is not valid = toml\n",
    )
    .expect("write");
    let repo = top.path().join("repo");
    let deep = repo.join("infra/prod");
    std::fs::create_dir_all(&deep).expect("dirs");
    std::fs::create_dir(repo.join(".git")).expect(".git");
    let plan = root().join(RISKY);
    let run = |dir: &std::path::Path| {
        foureyes()
            .current_dir(dir)
            .args(["review", "--format", "json"])
            .arg(&plan)
            .output()
            .expect("runs")
    };
    // No configuration in the repository: the defaults (the one above the root is not read).
    let out = run(&deep);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // At the root: read from two levels down, and named from there.
    std::fs::write(
        repo.join(".foureyes.toml"),
        "approval_severity = \"critical\"\nmax_exception_days = 0\n",
    )
    .expect("write");
    let out = run(&deep);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("../../.foureyes.toml"), "{err}");
    std::fs::write(
        repo.join(".foureyes.toml"),
        "approval_severity = \"critical\"\n",
    )
    .expect("write");
    let out = run(&deep);
    let json: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json["approval_severity"], "critical", "{json}");
    // The nearest wins.
    std::fs::write(deep.join(".foureyes.toml"), "approval_severity = \"low\"\n").expect("write");
    let json: Value = serde_json::from_slice(&run(&deep).stdout).expect("JSON");
    assert_eq!(json["approval_severity"], "low");
}

/// Completions for every shell, from the same definition as `--help`: every command and
/// option is there, and the bash script is valid bash.
#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = foureyes()
            .args(["completions", shell])
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let script = stdout(&out);
        // NOTE: fish names long options without their dashes (`-l output-sarif`).
        for word in ["review", "gitlab", "output-sarif", "comment-key"] {
            assert!(script.contains(word), "{shell} completes {word}");
        }
        if shell == "bash" {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = dir.path().join("foureyes.bash");
            std::fs::write(&path, &script).expect("write");
            let check = std::process::Command::new("bash")
                .arg("-n")
                .arg(&path)
                .output()
                .expect("bash runs");
            assert!(
                check.status.success(),
                "{}",
                String::from_utf8_lossy(&check.stderr)
            );
        }
    }
    let out = foureyes()
        .args(["completions", "tcsh"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
}

/// The man page: foureyes(1) on stdout, or a page per command in a directory.
#[test]
fn man_pages_for_the_tool_and_each_command() {
    let out = foureyes().arg("man").output().expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let page = stdout(&out);
    assert!(page.contains(".TH foureyes 1"), "{page}");
    assert!(page.contains("foureyes\\-review(1)"), "{page}");
    let dir = tempfile::tempdir().expect("temp dir");
    let out = foureyes()
        .args(["man", "--dir"])
        .arg(dir.path())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    for name in [
        "foureyes",
        "foureyes-review",
        "foureyes-gitlab",
        "foureyes-hook",
    ] {
        let page = std::fs::read_to_string(dir.path().join(format!("{name}.1"))).expect(name);
        assert!(page.contains(&format!(".TH {name} 1")), "{name}");
    }
    let review = std::fs::read_to_string(dir.path().join("foureyes-review.1")).expect("page");
    assert!(review.contains("\\-\\-output\\-json"), "{review}");
}

/// SARIF names the plan from the repository's root, with `%SRCROOT%`, as GitHub code scanning
/// reads it, whatever directory the review runs in; outside a repository, as given.
#[test]
fn sarif_names_the_input_from_the_repository_root() {
    let top = tempfile::tempdir().expect("temp dir");
    let repo = top.path().join("repo");
    let infra = repo.join("infra/prod");
    std::fs::create_dir_all(&infra).expect("dirs");
    std::fs::create_dir(repo.join(".git")).expect(".git");
    std::fs::copy(root().join(RISKY), infra.join("plan.json")).expect("copy");
    std::fs::copy(root().join(RISKY), top.path().join("loose.json")).expect("copy");
    let location = |dir: &std::path::Path, input: &str| -> Value {
        let out = foureyes()
            .current_dir(dir)
            .args(["review", "--exit-zero", "--format", "sarif", input])
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(0));
        let sarif: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
            .clone()
    };
    let want = serde_json::json!({ "uri": "infra/prod/plan.json", "uriBaseId": "%SRCROOT%" });
    assert_eq!(location(&infra, "plan.json"), want);
    assert_eq!(location(&repo, "./infra/prod/plan.json"), want);
    assert_eq!(
        location(&repo.join("infra"), "../infra/prod/plan.json"),
        want
    );
    assert_eq!(
        location(top.path(), "loose.json"),
        serde_json::json!({ "uri": "loose.json" })
    );
}

/// The text report fits its width (COLUMNS, or 100), summarizes sections longer than a screen
/// can take, and ends a long report with its verdict again.
#[test]
fn a_long_text_report_fits_its_width_and_ends_with_its_verdict() {
    let dir = tempfile::tempdir().expect("temp dir");
    let plan = common::huge_plan(dir.path());
    let out = foureyes()
        .args(["review"])
        .arg(&plan)
        .env("COLUMNS", "80")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("APPROVAL REQUIRED"), "{}", lines[0]);
    assert_eq!(lines.last(), lines.first(), "the verdict again at the end");
    assert!(
        text.contains("... and ") && text.contains("more changes: the JSON report has them all"),
        "{text}"
    );
    assert!(lines.len() < 700, "{} lines for 3,001 changes", lines.len());
    // Sentences are wrapped; only table rows and long single words may run over.
    let findings: Vec<&&str> = lines
        .iter()
        .skip_while(|l| **l != "Findings")
        .take_while(|l| !l.is_empty())
        .collect();
    assert!(findings.len() > 2);
    assert!(
        findings.iter().all(|l| l.chars().count() <= 80),
        "{findings:#?}"
    );
    // A short report says its verdict once.
    let out = foureyes()
        .args(["review", ORDINARY])
        .output()
        .expect("runs");
    let text = stdout(&out);
    assert_eq!(text.matches("PASS").count(), 1, "{text}");
}

/// `--help` is wrapped to the terminal, or to COLUMNS.
#[test]
fn help_is_wrapped_to_the_width() {
    for (columns, width) in [("60", 60), ("120", 120)] {
        let out = foureyes()
            .args(["review", "--help"])
            .env("COLUMNS", columns)
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(0));
        let text = stdout(&out);
        assert!(text.lines().count() > 20, "{text}");
        assert!(
            text.lines().all(|l| l.chars().count() <= width),
            "{columns}: {text}"
        );
    }
}
