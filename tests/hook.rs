//! `foureyes hook` in throw-away git repositories: what it reads (the index git commits, not
//! the working tree), what it says, its exit codes; and the hook as users install it, through
//! the real pre-commit framework.

mod common;

use common::repo::{Repo, GIT_VARIABLES};
use common::root;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A fixture's `.tf` file.
fn fixture(name: &str, side: &str) -> String {
    std::fs::read_to_string(root().join(format!("testdata/hcl/{name}/{side}/main.tf")))
        .expect("the fixture exists")
}

/// A trail and a role: nothing to approve.
fn before() -> String {
    fixture("privilege-and-evidence", "base")
}

/// The role gains IAM write while the trail stops logging: an independent approver is needed.
fn risky() -> String {
    fixture("privilege-and-evidence", "head")
}

/// `foureyes hook` in a repository.
trait Hook {
    /// `foureyes hook ARGS` in `dir` (below the repository): exit code and stderr.
    fn hook_in(&self, dir: &str, args: &[&str], env: &[(&str, &str)]) -> (i32, String);

    fn hook(&self) -> (i32, String) {
        self.hook_in("", &[], &[])
    }
}

impl Hook for Repo {
    fn hook_in(&self, dir: &str, args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
        let out = self
            .foureyes()
            .current_dir(self.path().join(dir))
            .envs(env.iter().copied())
            .arg("hook")
            .args(args)
            .output()
            .expect("foureyes runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.is_empty(),
            "the hook writes to stderr only: {stdout}"
        );
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

/// What a blocked commit must say: the verdict, the rule, and what to do.
fn assert_blocked(code: i32, stderr: &str, rule: &str) {
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("APPROVAL REQUIRED"), "{stderr}");
    assert!(stderr.contains(rule), "{stderr}");
    assert!(stderr.contains("git commit --no-verify"), "{stderr}");
    assert!(stderr.contains("foureyes review --hcl-base"), "{stderr}");
}

#[test]
fn nothing_staged_passes_at_once_and_silently() {
    let repo = Repo::with_files(&[("infra/main.tf", &before())]);
    repo.write("README.md", "notes\n");
    repo.git(&["add", "README.md"]);
    assert_eq!(repo.hook(), (0, String::new()));
}

#[test]
fn a_staged_grant_while_the_trail_stops_is_blocked() {
    let repo = Repo::with_files(&[("infra/main.tf", &before())]);
    repo.write("infra/main.tf", &risky());
    repo.git(&["add", "infra/main.tf"]);
    let (code, stderr) = repo.hook();
    assert_blocked(code, &stderr, "privilege-and-evidence");
    assert!(stderr.contains("aws:role/ci-deployer"), "{stderr}");
    assert!(stderr.contains("static analysis"), "{stderr}");
    // Short: the verdict, one finding, the two lines of what to do.
    assert_eq!(stderr.lines().count(), 4, "{stderr}");
    // `--exit-zero` reports the same and exits 0; `--fail-on critical` still blocks.
    let (code, again) = repo.hook_in("", &["--exit-zero"], &[]);
    assert_eq!((code, again.as_str()), (0, stderr.as_str()));
    assert_eq!(repo.hook_in("", &["--fail-on", "critical"], &[]).0, 1);
}

#[test]
fn a_change_only_in_the_working_tree_is_not_reviewed() {
    let repo = Repo::with_files(&[("infra/main.tf", &before())]);
    repo.write("infra/main.tf", &risky());
    assert_eq!(repo.hook(), (0, String::new()));
}

#[test]
fn a_harmless_staged_change_passes_in_one_line() {
    let repo = Repo::with_files(&[("infra/main.tf", &before())]);
    repo.write(
        "infra/main.tf",
        &before().replace(
            "org-trail\"",
            "org-trail\"\n  include_global_service_events = true",
        ),
    );
    repo.git(&["add", "-A"]);
    let (code, stderr) = repo.hook();
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.starts_with("foureyes: PASS"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn a_repository_without_commits_is_compared_with_nothing() {
    let repo = Repo::empty();
    assert_eq!(repo.hook(), (0, String::new()));
    repo.write("main.tf", &before());
    repo.git(&["add", "-A"]);
    let (code, stderr) = repo.hook();
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("PASS"), "{stderr}");
}

#[test]
fn a_deleted_tf_file_is_reviewed() {
    // The trail in a file of its own: deleting the file deletes the trail.
    let text = before();
    let (role, trail) = text
        .split_once("resource \"aws_cloudtrail\"")
        .expect("the fixture has a trail");
    let repo = Repo::with_files(&[
        ("infra/iam.tf", role),
        (
            "infra/trail.tf",
            &format!("resource \"aws_cloudtrail\"{trail}"),
        ),
    ]);
    repo.write(
        "infra/iam.tf",
        &format!(
            "{role}\n{}",
            &risky()[risky()
                .find("resource \"aws_iam_role_policy\"")
                .expect("the fixture grants")..]
        ),
    );
    repo.git(&["rm", "-q", "infra/trail.tf"]);
    repo.git(&["add", "-A"]);
    let (code, stderr) = repo.hook();
    assert_blocked(code, &stderr, "privilege-and-evidence");
    assert!(stderr.contains("aws_cloudtrail.org"), "{stderr}");
}

#[test]
fn a_renamed_tf_file_is_the_same_configuration() {
    let repo = Repo::with_files(&[("infra/main.tf", &before())]);
    repo.git(&["mv", "infra/main.tf", "infra/audit.tf"]);
    let (code, stderr) = repo.hook();
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("PASS"), "{stderr}");
    // Renamed and edited.
    repo.write("infra/audit.tf", &risky());
    repo.git(&["add", "-A"]);
    let (code, stderr) = repo.hook();
    assert_blocked(code, &stderr, "privilege-and-evidence");
}

#[test]
fn run_from_a_subdirectory_it_reviews_the_whole_staged_change() {
    let repo = Repo::with_files(&[("infra/main.tf", &before()), ("docs/README.md", "docs\n")]);
    repo.write("infra/main.tf", &risky());
    repo.git(&["add", "-A"]);
    let (code, stderr) = repo.hook_in("docs", &[], &[]);
    assert_blocked(code, &stderr, "privilege-and-evidence");
}

#[test]
fn only_the_modules_the_change_touches_are_read() {
    // A broken fixture elsewhere in the repository does not stop a commit that does not touch
    // it, and a module the change touches is reviewed through the root that calls it.
    let repo = Repo::with_files(&[
        ("testdata/broken/main.tf", "resource \"x\" {\n"),
        (
            "envs/prod/main.tf",
            "module \"audit\" {\n  source = \"../../modules/audit\"\n}\n",
        ),
        ("modules/audit/main.tf", &before()),
    ]);
    repo.write("modules/audit/main.tf", &risky());
    repo.git(&["add", "-A"]);
    let (code, stderr) = repo.hook();
    assert_blocked(code, &stderr, "privilege-and-evidence");
    assert!(
        stderr.contains("module.audit.aws_cloudtrail.org"),
        "{stderr}"
    );
}

#[test]
fn a_merge_with_conflicts_is_an_error() {
    let repo = Repo::with_files(&[("infra/main.tf", &before())]);
    repo.git(&["checkout", "-q", "-b", "other"]);
    repo.write("infra/main.tf", &before().replace("org-trail", "trail-a"));
    repo.git(&["commit", "-q", "-am", "a"]);
    repo.git(&["checkout", "-q", "main"]);
    repo.write("infra/main.tf", &before().replace("org-trail", "trail-b"));
    repo.git(&["commit", "-q", "-am", "b"]);
    assert!(!repo.try_git(&["merge", "-q", "other"]).status.success());
    let (code, stderr) = repo.hook();
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("unresolved conflicts (`infra/main.tf`): resolve them"),
        "{stderr}"
    );
    // Resolved and staged: a merge in progress is reviewed as staged.
    repo.write("infra/main.tf", &risky());
    repo.git(&["add", "-A"]);
    let (code, stderr) = repo.hook();
    assert_blocked(code, &stderr, "privilege-and-evidence");
}

#[test]
fn a_staged_syntax_error_names_the_file_line_and_column() {
    let repo = Repo::with_files(&[("infra/main.tf", &before())]);
    repo.write(
        "infra/main.tf",
        "resource \"aws_iam_role\" \"x\" {\n  name = \n}\n",
    );
    repo.git(&["add", "-A"]);
    let (code, stderr) = repo.hook();
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("infra/main.tf:2:10: invalid HCL"),
        "{stderr}"
    );
}

#[test]
fn hostile_file_names_are_escaped_and_never_options() {
    let repo = Repo::with_files(&[("main.tf", &before())]);
    let name = "-x\u{1b}]0;pwned\u{7}.tf";
    repo.write(name, "resource \"aws_iam_role\" \"x\" {\n  name = \n}\n");
    repo.git(&["add", "--", name]);
    let (code, stderr) = repo.hook();
    assert_eq!(code, 2, "{stderr}");
    assert!(
        !stderr.contains('\u{1b}') && !stderr.contains('\u{7}'),
        "{stderr:?}"
    );
    assert!(stderr.contains("-x"), "{stderr}");
}

#[test]
fn a_staged_exception_is_control_tampering() {
    let config = "approval_severity = \"medium\"\n";
    let exception = "\n[[exception]]\nrule = \"privilege-and-evidence\"\nprincipal = \"aws:role/ci-deployer\"\nreason = \"migration\"\napproved_by = \"me\"\nexpires = 2026-12-31\n";
    let repo = Repo::with_files(&[(".foureyes.toml", config), ("infra/main.tf", &before())]);
    repo.write(".foureyes.toml", &format!("{config}{exception}"));
    repo.git(&["add", "-A"]);
    let (code, stderr) = repo.hook_in("", &["--today", "2026-12-01"], &[]);
    assert_blocked(code, &stderr, "control-tampering");
    assert!(
        stderr.contains(".foureyes.toml adds exception #1"),
        "{stderr}"
    );
}

#[test]
fn a_partial_commit_reads_the_index_git_commits() {
    let repo = Repo::with_files(&[("infra/main.tf", &before()), ("notes.txt", "a\n")]);
    let hook = repo.path().join(".git/hooks/pre-commit");
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_foureyes"));
    std::fs::write(
        &hook,
        format!("#!/bin/sh\nexec '{}' hook\n", binary.display()),
    )
    .expect("write the hook");
    make_executable(&hook);
    // Staged: the risky change. Committed: only notes.txt (a temporary index, HEAD + notes).
    repo.write("infra/main.tf", &risky());
    repo.git(&["add", "infra/main.tf"]);
    repo.write("notes.txt", "b\n");
    let out = repo.try_git(&["commit", "-q", "-m", "notes", "notes.txt"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Nothing staged in `.git/index` beyond what is left: `git commit FILE` of the risky file
    // builds its own index, which the hook must read.
    repo.git(&["reset", "-q"]);
    let out = repo.try_git(&["commit", "-q", "-m", "infra", "infra/main.tf"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("privilege-and-evidence"), "{stderr}");
    // The same with an index named by hand.
    let other = repo.path().join(".git/other-index");
    let other = other.to_str().expect("a UTF-8 path");
    let out = repo
        .command("git")
        .env("GIT_INDEX_FILE", other)
        .args(["add", "infra/main.tf"])
        .output()
        .expect("git runs");
    assert!(out.status.success());
    assert_eq!(repo.hook().0, 0);
    assert_eq!(
        repo.hook_in("", &[], &[("GIT_INDEX_FILE", other)]).0,
        1,
        "GIT_INDEX_FILE is the index"
    );
}

#[cfg(unix)]
fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

#[cfg(not(unix))]
fn make_executable(_: &Path) {}

/// The real pre-commit framework (`FOUREYES_PRE_COMMIT`, installed by `.ci/run`), or `None`
/// when it is not installed and this is not CI.
fn pre_commit() -> Option<PathBuf> {
    match std::env::var_os("FOUREYES_PRE_COMMIT").filter(|v| !v.is_empty()) {
        Some(path) => Some(PathBuf::from(path)),
        None if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true but FOUREYES_PRE_COMMIT is not set: .ci/run installs pre-commit")
        }
        None => {
            eprintln!("skipped: FOUREYES_PRE_COMMIT is not set (.ci/run installs pre-commit)");
            None
        }
    }
}

#[test]
fn the_manifest_is_valid_for_pre_commit() {
    let Some(pre_commit) = pre_commit() else {
        return;
    };
    let out = Command::new(pre_commit)
        .current_dir(root())
        .args(["validate-manifest", ".pre-commit-hooks.yaml"])
        .output()
        .expect("pre-commit runs");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// pre-commit installs the hook from this repository (its HEAD commit, as a clean clone has
/// it): a commit that needs an approver is blocked with the message, a harmless one is made.
#[test]
fn pre_commit_blocks_the_commit_then_allows_a_harmless_one() {
    let Some(pre_commit) = pre_commit() else {
        return;
    };
    let this = root();
    let mut git = Command::new("git");
    for var in GIT_VARIABLES {
        git.env_remove(var);
    }
    let rev = git
        .current_dir(&this)
        .args(["rev-parse", "HEAD"])
        .output()
        .expect("git runs");
    let rev = String::from_utf8_lossy(&rev.stdout).trim().to_string();
    let config = format!(
        "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: foureyes-system\n",
        this.display()
    );
    let repo = Repo::with_files(&[
        ("infra/main.tf", &before()),
        (".pre-commit-config.yaml", &config),
    ]);
    let cache = tempfile::tempdir().expect("a temporary directory");
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_foureyes"));
    let bin_dir = binary.parent().expect("the binary's directory");
    let path = std::env::join_paths(std::iter::once(bin_dir.to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .expect("a PATH");
    let run = |program: &Path, args: &[&str]| {
        repo.command(program.to_str().expect("a UTF-8 path"))
            .env("PATH", &path)
            .env("PRE_COMMIT_HOME", cache.path())
            .env_remove("PRE_COMMIT")
            .args(args)
            .output()
            .expect("it runs")
    };
    let out = run(&pre_commit, &["install"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let git = PathBuf::from("git");
    repo.write("infra/main.tf", &risky());
    repo.git(&["add", "-A"]);
    let out = run(&git, &["commit", "-m", "grant and hide"]);
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success(), "the commit was made: {said}");
    assert!(said.contains("APPROVAL REQUIRED"), "{said}");
    assert!(said.contains("privilege-and-evidence"), "{said}");
    assert_eq!(repo.git(&["rev-list", "--count", "HEAD"]), "1");
    // A harmless change instead.
    repo.git(&["reset", "-q", "--hard"]);
    repo.write(
        "infra/main.tf",
        &before().replace(
            "org-trail\"",
            "org-trail\"\n  include_global_service_events = true",
        ),
    );
    repo.git(&["add", "-A"]);
    let out = run(&git, &["commit", "-m", "harmless"]);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(repo.git(&["rev-list", "--count", "HEAD"]), "2");
}
