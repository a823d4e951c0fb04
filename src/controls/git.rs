//! `--git-base REV`: the files changed between REV (its merge base with HEAD) and HEAD in the
//! current git repository, and their contents on both sides, read with the `git` command.
//!
//! Commits are compared, not the working tree: uncommitted changes are not seen. Nothing from
//! the command line or the repository reaches git where it could be read as an option (REV
//! after `--end-of-options`, paths only inside `COMMIT:PATH` object names).

use super::{ChangedFile, Controls, Files, Side, Status, MAX_FILE_BYTES, ROUNDS};
use crate::classify::Tampering;
use crate::escape::terminal;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Why the files of a change could not be read from git.
#[derive(Debug, thiserror::Error)]
pub(crate) enum GitError {
    #[error("--git-base: cannot run git ({0}); is git installed?")]
    NotInstalled(String),
    #[error("--git-base: {0} is not inside a git repository ({1})")]
    NotARepository(String, String),
    #[error("--git-base: the repository has no commits yet (HEAD names none)")]
    NoCommits,
    #[error("--git-base: `{0}` is not a commit of this repository: expected a branch, tag or commit id (in a shallow clone, fetch it first)")]
    UnknownRevision(String),
    #[error("--git-base: `{0}` and HEAD have no common ancestor (no merge base; in a shallow clone, fetch more history)")]
    NoMergeBase(String),
    #[error("--git-base: git {0} failed: {1}")]
    Failed(&'static str, String),
}

/// A git repository, by its root.
struct Repository {
    root: PathBuf,
}

/// Run git with these arguments in `dir`: its output, whatever its exit status.
fn git(dir: &Path, args: &[&str]) -> Result<Output, GitError> {
    Command::new("git")
        // NOTE: no hook, pager, prompt or file-system monitor is needed to read commits.
        .args(["-c", "core.fsmonitor=false", "--literal-pathspecs"])
        .args(args)
        .current_dir(dir)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_OPTIONAL_LOCKS", "0")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| GitError::NotInstalled(e.to_string()))
}

/// The first line of git's error output, escaped.
fn first_line(output: &Output) -> String {
    let text = String::from_utf8_lossy(&output.stderr);
    terminal(text.lines().next().unwrap_or("").trim()).into_owned()
}

/// Standard output as one trimmed line.
fn line(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

impl Repository {
    /// The repository that holds `dir`.
    fn open(dir: &Path) -> Result<Repository, GitError> {
        let out = git(dir, &["rev-parse", "--show-toplevel"])?;
        let root = PathBuf::from(line(&out));
        if !out.status.success() || root.as_os_str().is_empty() {
            // NOTE: git says why (no repository, or one it does not trust: `safe.directory`).
            return Err(GitError::NotARepository(
                terminal(&dir.display().to_string()).into_owned(),
                first_line(&out),
            ));
        }
        Ok(Repository { root })
    }

    fn git(&self, args: &[&str]) -> Result<Output, GitError> {
        git(&self.root, args)
    }

    /// The commit a revision names, or `None`.
    fn commit(&self, rev: &str) -> Result<Option<String>, GitError> {
        let spec = format!("{rev}^{{commit}}");
        let out = self.git(&[
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &spec,
        ])?;
        let sha = line(&out);
        Ok((out.status.success() && !sha.is_empty()).then_some(sha))
    }

    /// The files changed from `base` to `head`, renames followed.
    fn changed(&self, base: &str, head: &str) -> Result<Vec<ChangedFile>, GitError> {
        let out = self.git(&[
            "diff",
            "--name-status",
            "-z",
            "-M",
            "--no-ext-diff",
            "--no-textconv",
            base,
            head,
            "--",
        ])?;
        if !out.status.success() {
            return Err(GitError::Failed("diff", first_line(&out)));
        }
        Ok(parse_name_status(&out.stdout))
    }

    /// A file's contents at a commit: `Ok(None)` when it is not there; unreadable (too large,
    /// binary, not a file) as `Err(why)`.
    fn read(&self, commit: &str, path: &str) -> Result<Option<Result<String, String>>, GitError> {
        let object = format!("{commit}:{path}");
        let kind = self.git(&["cat-file", "-t", &object])?;
        if !kind.status.success() {
            return Ok(None);
        }
        if line(&kind) != "blob" {
            return Ok(Some(Err(format!("a {}, not a file", line(&kind)))));
        }
        let size = self.git(&["cat-file", "-s", &object])?;
        let size: usize = line(&size).parse().unwrap_or(usize::MAX);
        if size > MAX_FILE_BYTES {
            return Ok(Some(Err(format!(
                "larger than {} KiB",
                MAX_FILE_BYTES / 1024
            ))));
        }
        let out = self.git(&["cat-file", "blob", &object])?;
        if !out.status.success() {
            return Err(GitError::Failed("cat-file", first_line(&out)));
        }
        if out.stdout.contains(&0) {
            return Ok(Some(Err("binary".to_string())));
        }
        Ok(Some(
            String::from_utf8(out.stdout).map_err(|_| "not UTF-8 text".to_string()),
        ))
    }

    /// A path of this machine as a path from the repository root, when it is inside.
    fn relative(&self, path: &Path) -> Option<String> {
        let absolute = std::fs::canonicalize(path).ok()?;
        let root = std::fs::canonicalize(&self.root).ok()?;
        let rel = absolute.strip_prefix(root).ok()?;
        let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
        Some(parts?.join("/")).filter(|p| !p.is_empty())
    }
}

/// `git diff --name-status -z` output: a status, then one path (two for renames and copies),
/// each ended by NUL.
fn parse_name_status(bytes: &[u8]) -> Vec<ChangedFile> {
    let mut fields = bytes
        .split(|&b| b == 0)
        .map(|f| String::from_utf8_lossy(f).into_owned());
    let mut out = Vec::new();
    while let Some(status) = fields.next() {
        let Some(letter) = status.chars().next() else {
            continue;
        };
        let Some(first) = fields.next() else { break };
        let (path, status) = match letter {
            'R' => {
                let Some(to) = fields.next() else { break };
                (to, Status::Renamed { from: first })
            }
            // A copy leaves its source as it was: the copy is a new file.
            'C' => {
                let Some(to) = fields.next() else { break };
                (to, Status::Added)
            }
            'A' => (first, Status::Added),
            'D' => (first, Status::Deleted),
            // Modified, type changed, unmerged.
            _ => (first, Status::Modified),
        };
        out.push(ChangedFile { path, status });
    }
    out
}

/// How the files changed since `rev` (its merge base with HEAD) weaken the review, in the git
/// repository that holds `dir`. `config` is the configuration file the review reads (a
/// control wherever it is), `patterns` the configuration's `control_files`.
pub(crate) fn tamperings(
    dir: &Path,
    rev: &str,
    config: Option<&Path>,
    patterns: Vec<String>,
) -> Result<Vec<Tampering>, GitError> {
    let repo = Repository::open(dir)?;
    let head = repo.commit("HEAD")?.ok_or(GitError::NoCommits)?;
    let shown = terminal(rev).into_owned();
    let base = repo
        .commit(rev)?
        .ok_or_else(|| GitError::UnknownRevision(shown.clone()))?;
    let merge = repo.git(&["merge-base", &base, &head])?;
    let merge_base = line(&merge);
    if !merge.status.success() || merge_base.is_empty() {
        return match merge.status.code() {
            Some(1) => Err(GitError::NoMergeBase(shown)),
            _ => Err(GitError::Failed("merge-base", first_line(&merge))),
        };
    }
    let controls = Controls {
        config: config.and_then(|c| repo.relative(c)),
        patterns,
    };
    let mut files = Files::new(repo.changed(&merge_base, &head)?);
    for _ in 0..ROUNDS {
        let wanted = files.wanted(&controls);
        if wanted.is_empty() {
            break;
        }
        for (side, path) in wanted {
            let commit = match side {
                Side::Base => &merge_base,
                Side::Head => &head,
            };
            match repo.read(commit, &path)? {
                None => files.insert(side, path, None),
                Some(Ok(text)) => files.insert(side, path, Some(text)),
                Some(Err(why)) => files.insert_unreadable(side, path, why),
            }
        }
    }
    Ok(super::tamperings(&files, &controls))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_status_with_renames_copies_and_hostile_names() {
        let out = b"M\0a.txt\0R087\0old.yml\0new.yml\0C100\0x\0y\0D\0-rf\0A\0a\nb\0T\0link\0";
        let files = parse_name_status(out);
        let got: Vec<(&str, &Status)> =
            files.iter().map(|f| (f.path.as_str(), &f.status)).collect();
        assert_eq!(
            got,
            vec![
                ("a.txt", &Status::Modified),
                (
                    "new.yml",
                    &Status::Renamed {
                        from: "old.yml".into()
                    }
                ),
                ("y", &Status::Added),
                ("-rf", &Status::Deleted),
                ("a\nb", &Status::Added),
                ("link", &Status::Modified),
            ]
        );
    }
}
