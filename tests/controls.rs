//! `foureyes review --git-base main` in throw-away git repositories: what the files a branch
//! changes do to the controls that review it (this tool's configuration and rulesets, CI
//! workflows, CODEOWNERS, pre-commit), and the errors of `--git-base`.

mod common;

use common::repo::Repo;
use common::{foureyes, root};
use std::path::PathBuf;

/// A plan that passes on its own: every finding below comes from the files.
fn plan() -> PathBuf {
    root().join("testdata/plans/precision/retention-lengthened.json")
}

/// A repository whose `main` has these files, checked out on a new branch `change`.
fn repository(files: &[(&str, &str)]) -> Repo {
    let repo = Repo::with_files(files);
    repo.git(&["checkout", "-q", "-b", "change"]);
    repo
}

/// `foureyes review PLAN --git-base REV` in a repository.
trait Review {
    /// Exit code, stdout, stderr.
    fn review(&self, rev: &str) -> (i32, String, String) {
        self.review_with(rev, &[])
    }

    /// The same, with more options.
    fn review_with(&self, rev: &str, options: &[&str]) -> (i32, String, String);
}

impl Review for Repo {
    fn review_with(&self, rev: &str, options: &[&str]) -> (i32, String, String) {
        let plan = plan();
        let out = self
            .foureyes()
            .args(["review", "--today", "2026-12-01"])
            .arg(&plan)
            .arg(format!("--git-base={rev}"))
            .args(options)
            .output()
            .expect("foureyes runs");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

/// The change made on the branch, committed, then reviewed against `main`: the exit code must
/// be `code`, each of `says` must be in the report, and the report is snapshotted as `name`.
fn case(name: &str, base: &[(&str, &str)], change: impl FnOnce(&Repo), code: i32, says: &[&str]) {
    let repo = repository(base);
    change(&repo);
    repo.commit("change");
    let (got, stdout, stderr) = repo.review("main");
    assert_eq!(got, code, "{name}: {stdout}{stderr}");
    // NOTE: sentences are wrapped to the report's width: read them as one line.
    let read: String = stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    for s in says {
        assert!(read.contains(s), "{name}: expected {s:?} in:\n{stdout}");
    }
    insta::assert_snapshot!(name, stdout);
}

const CONFIG: &str = "approval_severity = \"medium\"\npipeline_principals = [\"ci-deployer\"]\n";

const EXCEPTION: &str = "\n[[exception]]\nrule = \"toxic-combination\"\nprincipal = \"aws:role/break-glass\"\nreason = \"incident response\"\napproved_by = \"security\"\nexpires = 2026-12-31\n";

const WORKFLOW: &str = "name: sod\non: pull_request\npermissions:\n  contents: read\njobs:\n  review:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: terraform show -json plan > plan.json\n      - run: foureyes review plan.json --fail-on high\n";

const BUILD: &str = "name: build\non: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v3\n      - run: cargo build\n";

#[test]
fn config_exception_added() {
    case(
        "config_exception_added",
        &[(".foureyes.toml", CONFIG)],
        |r| r.write(".foureyes.toml", &format!("{CONFIG}{EXCEPTION}")),
        1,
        &[".foureyes.toml adds exception #1 (toxic-combination for aws:role/break-glass) until 2026-12-31"],
    );
}

#[test]
fn config_approval_severity_raised() {
    case(
        "config_approval_severity_raised",
        &[(".foureyes.toml", CONFIG)],
        |r| r.write(".foureyes.toml", &CONFIG.replace("medium", "high")),
        1,
        &[".foureyes.toml raises approval_severity from medium to high"],
    );
}

#[test]
fn config_pipeline_principal_removed() {
    case(
        "config_pipeline_principal_removed",
        &[(".foureyes.toml", CONFIG)],
        |r| r.write(".foureyes.toml", "approval_severity = \"medium\"\n"),
        1,
        &[".foureyes.toml removes the pipeline principal `ci-deployer`"],
    );
}

#[test]
fn config_reformatted_only() {
    case(
        "config_reformatted_only",
        &[(".foureyes.toml", CONFIG)],
        |r| {
            r.write(
                ".foureyes.toml",
                "# who applies the change\npipeline_principals = [ 'ci-deployer' ]\n\napproval_severity   = 'medium'\n",
            )
        },
        0,
        &["PASS"],
    );
}

#[test]
fn ruleset_lowers_a_severity() {
    let rules = "[[forbidden]]\nduties = [\"deploy\", \"secrets_admin\"]\nseverity = \"critical\"\ntitle = \"deploy and read secrets\"\nrationale = \"r\"\n";
    case(
        "ruleset_lowers_a_severity",
        &[
            (".foureyes.toml", "rulesets = [\"rulesets/sod.toml\"]\n"),
            ("rulesets/sod.toml", rules),
        ],
        |r| r.write("rulesets/sod.toml", &rules.replace("critical", "low")),
        1,
        &["rulesets/sod.toml lowers the severity of [[forbidden]] (deploy, secrets_admin) from critical to low"],
    );
}

#[test]
fn workflow_step_given_exit_zero() {
    case(
        "workflow_step_given_exit_zero",
        &[(".github/workflows/sod.yml", WORKFLOW)],
        |r| {
            r.write(
                ".github/workflows/sod.yml",
                &WORKFLOW.replace("--fail-on high", "--fail-on high --exit-zero"),
            )
        },
        1,
        &[".github/workflows/sod.yml adds --exit-zero to jobs.review.steps[2].run, so the review never fails"],
    );
}

#[test]
fn workflow_renamed_out_of_place() {
    case(
        "workflow_renamed_out_of_place",
        &[(".github/workflows/sod.yml", WORKFLOW)],
        |r| {
            r.git(&["mv", ".github/workflows/sod.yml", ".github/sod.yml"]);
        },
        1,
        &[
            "CRITICAL",
            ".github/workflows/sod.yml is moved to .github/sod.yml, where it does not run and no longer runs foureyes (jobs.review ran it)",
        ],
    );
}

#[test]
fn workflow_deleted() {
    case(
        "workflow_deleted",
        &[(".github/workflows/sod.yml", WORKFLOW)],
        |r| {
            r.git(&["rm", "-q", ".github/workflows/sod.yml"]);
        },
        1,
        &[
            "CRITICAL",
            ".github/workflows/sod.yml is deleted and no longer runs foureyes",
        ],
    );
}

#[test]
fn unrelated_workflow_action_bumped() {
    case(
        "unrelated_workflow_action_bumped",
        &[
            (".github/workflows/sod.yml", WORKFLOW),
            (".github/workflows/build.yml", BUILD),
        ],
        |r| r.write(".github/workflows/build.yml", &BUILD.replace("@v3", "@v4")),
        0,
        &["PASS"],
    );
}

#[test]
fn gitlab_local_include_edited() {
    let review = "sod:\n  stage: test\n  script:\n    - foureyes gitlab plan.json\n";
    case(
        "gitlab_local_include_edited",
        &[
            (
                ".gitlab-ci.yml",
                "stages: [test]\ninclude:\n  - local: ci/review.yml\n",
            ),
            ("ci/review.yml", review),
        ],
        |r| {
            r.write(
                "ci/review.yml",
                &review.replace("  stage: test\n", "  stage: test\n  allow_failure: true\n"),
            )
        },
        1,
        &["ci/review.yml sets allow_failure: true on sod, so a failing review passes"],
    );
}

#[test]
fn codeowners_rule_removed() {
    let owners = "# who reviews what\n*.tf @acme/platform\n/.github/ @acme/security\n";
    case(
        "codeowners_rule_removed",
        &[("CODEOWNERS", owners)],
        |r| r.write("CODEOWNERS", "# who reviews what\n*.tf @acme/platform\n"),
        1,
        &["CODEOWNERS removes the rule for `/.github/` (@acme/security)"],
    );
}

#[test]
fn codeowners_shadowed() {
    case(
        "codeowners_shadowed",
        &[("CODEOWNERS", "*.tf @acme/platform\n")],
        |r| r.write(".github/CODEOWNERS", "*.md @acme/docs\n"),
        1,
        &[".github/CODEOWNERS replaces CODEOWNERS as the CODEOWNERS GitHub reads, and removes the rule for `*.tf` (@acme/platform)"],
    );
}

#[test]
fn codeowners_reformatted_only() {
    case(
        "codeowners_reformatted_only",
        &[(
            "CODEOWNERS",
            "*.tf @acme/platform\n/.github/ @acme/security\n",
        )],
        |r| {
            r.write(
                "CODEOWNERS",
                "# Terraform\n*.tf      @ACME/platform\n\n# CI\n/.github/ @acme/security  # who guards CI\n",
            )
        },
        0,
        &["PASS"],
    );
}

#[test]
fn pre_commit_hook_removed() {
    let config = "repos:\n  - repo: https://github.com/acme/foureyes\n    rev: v1.0.0\n    hooks:\n      - id: foureyes\n  - repo: https://github.com/pre-commit/pre-commit-hooks\n    rev: v4.6.0\n    hooks:\n      - id: trailing-whitespace\n";
    case(
        "pre_commit_hook_removed",
        &[(".pre-commit-config.yaml", config)],
        |r| {
            r.write(
                ".pre-commit-config.yaml",
                &config.replace("    hooks:\n      - id: foureyes\n", "    hooks: []\n"),
            )
        },
        1,
        &[
            "CRITICAL",
            ".pre-commit-config.yaml removes the foureyes hook",
        ],
    );
}

#[test]
fn hostile_file_names_are_escaped() {
    let evil = ".github/workflows/a\u{1b}[2Jb\nc.yml";
    let repo = repository(&[(evil, WORKFLOW), ("-rf/action.yml", "runs:\n  using: composite\n  steps:\n    - run: foureyes review plan.json\n      shell: bash\n")]);
    repo.git(&["rm", "-q", "--", evil, "-rf/action.yml"]);
    repo.commit("change");
    let (code, stdout, stderr) = repo.review("main");
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        !stdout.contains('\u{1b}'),
        "an escape reached the terminal: {stdout}"
    );
    assert!(
        stdout.contains(
            ".github/workflows/a\\u{1b}[2Jb\\nc.yml is deleted and no longer runs foureyes"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("-rf/action.yml is deleted and no longer runs foureyes"),
        "{stdout}"
    );
}

#[test]
fn a_change_that_touches_no_control_passes() {
    case(
        "no_control_touched",
        &[(".foureyes.toml", CONFIG), ("main.tf", "# nothing\n")],
        |r| r.write("main.tf", "# something\n"),
        0,
        &["PASS"],
    );
}

#[test]
fn unknown_revision_is_an_error() {
    let repo = repository(&[("README", "hello\n")]);
    for rev in ["no-such-branch", "--all", "-h"] {
        let (code, stdout, stderr) = repo.review(rev);
        assert_eq!(code, 2, "{rev}: {stdout}{stderr}");
        assert!(stdout.is_empty(), "{stdout}");
        assert!(
            stderr.contains(&format!(
                "--git-base: `{rev}` is not a commit of this repository"
            )),
            "{stderr}"
        );
    }
    let (code, _, stderr) = repo.review("\u{1b}[2Jmain");
    assert_eq!(code, 2, "{stderr}");
    assert!(
        !stderr.contains('\u{1b}'),
        "an escape reached the terminal: {stderr}"
    );
    assert!(
        stderr.contains("`\\u{1b}[2Jmain` is not a commit"),
        "{stderr}"
    );
}

#[test]
fn outside_a_repository_is_an_error() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let out = foureyes()
        .current_dir(dir.path())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env(
            "GIT_CEILING_DIRECTORIES",
            dir.path().parent().unwrap_or(dir.path()),
        )
        .env("HOME", dir.path())
        .args(["review"])
        .arg(plan())
        .args(["--git-base", "main"])
        .output()
        .expect("foureyes runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("is not inside a git repository"),
        "{stderr}"
    );
}

#[test]
fn a_repository_without_commits_is_an_error() {
    let repo = Repo::empty();
    let out = repo
        .foureyes()
        .args(["review"])
        .arg(plan())
        .args(["--git-base", "main"])
        .output()
        .expect("foureyes runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("the repository has no commits yet"),
        "{stderr}"
    );
}

#[test]
fn unrelated_histories_have_no_merge_base() {
    let repo = repository(&[("README", "hello\n")]);
    repo.git(&["checkout", "-q", "--orphan", "other"]);
    repo.commit("unrelated");
    let (code, _, stderr) = repo.review("main");
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("`main` and HEAD have no common ancestor"),
        "{stderr}"
    );
}

#[test]
fn the_config_file_given_with_config_and_its_control_files() {
    let config = "approval_severity = \"medium\"\ncontrol_files = [\"deploy/gate.sh\"]\n";
    let repo = repository(&[("ci/sod.toml", config), ("deploy/gate.sh", "exit 1\n")]);
    repo.write("ci/sod.toml", &config.replace("medium", "critical"));
    repo.write("deploy/gate.sh", "exit 0\n");
    repo.commit("change");
    let (code, stdout, stderr) = repo.review_with("main", &["--config", "ci/sod.toml"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stdout.contains("ci/sod.toml raises approval_severity from medium to critical"),
        "{stdout}"
    );
    assert!(
        stdout.contains("deploy/gate.sh is changed (a file listed in control_files)"),
        "{stdout}"
    );
    insta::assert_snapshot!("config_file_and_control_files", stdout);
    // Without --config, ci/sod.toml is not the configuration: only .foureyes.toml files are.
    let (code, stdout, _) = repo.review("main");
    assert_eq!(code, 0, "{stdout}");
}
