//! A throw-away git repository for the tests that run foureyes on git (`--git-base`, `hook`):
//! in a temporary directory, with a home and configuration of its own, and none of git's
//! variables that could reach another repository.

use std::path::Path;
use std::process::{Command, Output};

/// Variables through which git could reach another repository than the temporary one (set
/// when the tests run inside a git hook, say).
pub const GIT_VARIABLES: &[&str] = &[
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_COMMON_DIR",
];

/// A git repository in a temporary directory.
pub struct Repo {
    dir: tempfile::TempDir,
}

impl Repo {
    /// An empty repository on `main`, without commits.
    pub fn empty() -> Repo {
        let repo = Repo {
            dir: tempfile::tempdir().expect("a temporary directory"),
        };
        repo.git(&["-c", "init.defaultBranch=main", "init", "-q", "."]);
        repo.git(&["config", "user.name", "Tester"]);
        repo.git(&["config", "user.email", "tester@example.com"]);
        repo
    }

    /// A repository whose first commit, on `main`, has these files.
    pub fn with_files(files: &[(&str, &str)]) -> Repo {
        let repo = Repo::empty();
        for (path, text) in files {
            repo.write(path, text);
        }
        repo.commit("base");
        repo
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `program` in the repository, with its home and configuration and none of git's
    /// variables.
    pub fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        for var in GIT_VARIABLES {
            command.env_remove(var);
        }
        command
            .current_dir(self.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", self.path());
        command
    }

    /// The binary as users run it ([`super::foureyes`]), in the repository, as [`Repo::command`]
    /// runs programs.
    pub fn foureyes(&self) -> assert_cmd::Command {
        let mut command = super::foureyes();
        for var in GIT_VARIABLES {
            command.env_remove(var);
        }
        command
            .current_dir(self.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", self.path());
        command
    }

    /// Run git; its output, whatever its status.
    pub fn try_git(&self, args: &[&str]) -> Output {
        self.command("git").args(args).output().expect("git runs")
    }

    /// Run git, which must succeed; its standard output, trimmed.
    pub fn git(&self, args: &[&str]) -> String {
        let out = self.try_git(args);
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    pub fn write(&self, path: &str, text: &str) {
        let full = self.path().join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(full, text).expect("write");
    }

    /// Stage everything and commit it (an empty commit too).
    pub fn commit(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
    }
}
