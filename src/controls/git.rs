//! Reading a git repository with the `git` command: for `--git-base REV`, the files changed
//! between REV (its merge base with HEAD) and HEAD and their contents on both sides; for the
//! pre-commit hook (`crate::hook`), the staged changes, the files of HEAD and of the index,
//! and their contents from one `git cat-file --batch`.
//!
//! Nothing from the command line or the repository reaches git where it could be read as an
//! option (REV after `--end-of-options`, paths only inside `COMMIT:PATH` object names, objects
//! by id on `cat-file`'s standard input).

use super::{ChangedFile, Controls, Files, Side, Status, MAX_FILE_BYTES, ROUNDS};
use crate::classify::Tampering;
use crate::escape::terminal;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Why the files of a change could not be read from git.
#[derive(Debug, thiserror::Error)]
pub(crate) enum GitError {
    #[error("cannot run git ({0}); is git installed?")]
    NotInstalled(String),
    #[error("{0} is not inside a git repository ({1})")]
    NotARepository(String, String),
    #[error("the repository has no commits yet (HEAD names none)")]
    NoCommits,
    #[error("`{0}` is not a commit of this repository: expected a branch, tag or commit id (in a shallow clone, fetch it first)")]
    UnknownRevision(String),
    #[error("`{0}` and HEAD have no common ancestor (no merge base; in a shallow clone, fetch more history)")]
    NoMergeBase(String),
    #[error("git {0} failed: {1}")]
    Failed(&'static str, String),
}

/// A git repository, by its root.
pub(crate) struct Repository {
    pub(crate) root: PathBuf,
    /// The index git reads instead of `.git/index` (`GIT_INDEX_FILE`), absolute.
    index: Option<PathBuf>,
}

/// Run git with these arguments in `dir`: its output, whatever its exit status.
fn git(dir: &Path, args: &[&str]) -> Result<Output, GitError> {
    command(dir, None, args)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| GitError::NotInstalled(e.to_string()))
}

/// The git command with these arguments in `dir`, reading `index` as its index if given.
fn command(dir: &Path, index: Option<&Path>, args: &[&str]) -> Command {
    let mut command = Command::new("git");
    command
        // NOTE: no hook, pager, prompt or file-system monitor is needed to read commits.
        .args(["-c", "core.fsmonitor=false", "--literal-pathspecs"])
        .args(args)
        .current_dir(dir)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_OPTIONAL_LOCKS", "0")
        // NOTE: the repository is the one of the directory (a hook's GIT_DIR may name another).
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_OBJECT_DIRECTORY")
        .env_remove("GIT_COMMON_DIR");
    if let Some(index) = index {
        command.env("GIT_INDEX_FILE", index);
    }
    command
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
    pub(crate) fn open(dir: &Path) -> Result<Repository, GitError> {
        let out = git(dir, &["rev-parse", "--show-toplevel"])?;
        let root = PathBuf::from(line(&out));
        if !out.status.success() || root.as_os_str().is_empty() {
            // NOTE: git says why (no repository, or one it does not trust: `safe.directory`).
            return Err(GitError::NotARepository(
                terminal(&dir.display().to_string()).into_owned(),
                first_line(&out),
            ));
        }
        Ok(Repository { root, index: None })
    }

    /// The same repository, reading this index file instead of its own (`GIT_INDEX_FILE`).
    pub(crate) fn with_index(self, index: PathBuf) -> Repository {
        Repository {
            index: Some(index),
            ..self
        }
    }

    fn git(&self, args: &[&str]) -> Result<Output, GitError> {
        command(&self.root, self.index.as_deref(), args)
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(|e| GitError::NotInstalled(e.to_string()))
    }

    /// The commit a revision names, or `None`.
    pub(crate) fn commit(&self, rev: &str) -> Result<Option<String>, GitError> {
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
    pub(crate) fn relative(&self, path: &Path) -> Option<String> {
        let absolute = std::fs::canonicalize(path).ok()?;
        let root = std::fs::canonicalize(&self.root).ok()?;
        let rel = absolute.strip_prefix(root).ok()?;
        let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
        Some(parts?.join("/")).filter(|p| !p.is_empty())
    }
}

/// A file of a commit's tree or of the index: its path from the repository root, its mode
/// (`100644`, `120000` a symbolic link, `160000` a submodule) and its object id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) path: String,
    pub(crate) mode: String,
    pub(crate) id: String,
}

impl Entry {
    /// Whether it is a regular file (not a symbolic link nor a submodule).
    pub(crate) fn is_file(&self) -> bool {
        self.mode.starts_with("100")
    }
}

/// A file's contents as read from git: text, or why it cannot be judged (too large, binary,
/// not text).
pub(crate) type Blob = Result<String, String>;

impl Repository {
    /// The staged changes: the index against HEAD (against nothing before the first commit),
    /// renames followed; and, apart, the paths with unresolved conflicts.
    pub(crate) fn staged(&self) -> Result<(Vec<ChangedFile>, Vec<String>), GitError> {
        // NOTE: without a commit, `--cached` compares the index with the empty tree.
        let out = self.git(&[
            "diff",
            "--cached",
            "--name-status",
            "-z",
            "-M",
            "--no-ext-diff",
            "--no-textconv",
            "--",
        ])?;
        if !out.status.success() {
            return Err(GitError::Failed("diff", first_line(&out)));
        }
        Ok((parse_name_status(&out.stdout), unmerged(&out.stdout)))
    }

    /// The files of a commit, every directory down.
    pub(crate) fn tree_files(&self, commit: &str) -> Result<Vec<Entry>, GitError> {
        let out = self.git(&["ls-tree", "-r", "-z", "--full-tree", commit])?;
        if !out.status.success() {
            return Err(GitError::Failed("ls-tree", first_line(&out)));
        }
        Ok(parse_entries(&out.stdout, Listing::Tree))
    }

    /// The files of the index (merged entries: stage 0).
    pub(crate) fn index_files(&self) -> Result<Vec<Entry>, GitError> {
        let out = self.git(&["ls-files", "-s", "-z", "--full-name"])?;
        if !out.status.success() {
            return Err(GitError::Failed("ls-files", first_line(&out)));
        }
        Ok(parse_entries(&out.stdout, Listing::Index))
    }

    /// The contents of these objects, by id, from one `git cat-file --batch`: those larger
    /// than `limit` bytes, binary (a NUL byte) or not UTF-8 as why they are not read. Ids that
    /// are not object ids are left out.
    pub(crate) fn blobs(
        &self,
        ids: &[&str],
        limit: usize,
    ) -> Result<BTreeMap<String, Blob>, GitError> {
        let mut ids: Vec<&str> = ids
            .iter()
            .copied()
            .filter(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_hexdigit()))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let mut blobs = BTreeMap::new();
        if ids.is_empty() {
            return Ok(blobs);
        }
        let mut child = command(&self.root, self.index.as_deref(), &["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| GitError::NotInstalled(e.to_string()))?;
        let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(GitError::Failed("cat-file", "no pipe".to_string()));
        };
        let input: String = ids.iter().map(|id| format!("{id}\n")).collect();
        let read = std::thread::scope(|scope| {
            // NOTE: written from a thread: git answers while it reads, and a full pipe each
            // way would stop both processes.
            scope.spawn(move || {
                let _ = stdin.write_all(input.as_bytes());
            });
            let mut reader = BufReader::new(stdout);
            for id in &ids {
                let blob = read_batch_entry(&mut reader, limit)?;
                if let Some(blob) = blob {
                    blobs.insert((*id).to_string(), blob);
                }
            }
            Ok::<(), std::io::Error>(())
        });
        let status = child.wait();
        read.map_err(|e| GitError::Failed("cat-file", e.to_string()))?;
        match status {
            Ok(s) if s.success() => Ok(blobs),
            Ok(s) => Err(GitError::Failed("cat-file", s.to_string())),
            Err(e) => Err(GitError::Failed("cat-file", e.to_string())),
        }
    }
}

/// One answer of `git cat-file --batch`: `ID TYPE SIZE`, the contents and a newline; or `ID
/// missing`. `None` for a missing object.
fn read_batch_entry(reader: &mut impl BufRead, limit: usize) -> std::io::Result<Option<Blob>> {
    let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string());
    let mut header = Vec::new();
    reader.take(512).read_until(b'\n', &mut header)?;
    let header = String::from_utf8_lossy(&header);
    let fields: Vec<&str> = header.split_whitespace().collect();
    let (kind, size) = match fields.as_slice() {
        [_, "missing"] | [_, "ambiguous"] => return Ok(None),
        [_, kind, size] => (*kind, size.parse::<u64>().map_err(|_| bad("a bad header"))?),
        _ => return Err(bad("a bad header")),
    };
    if kind != "blob" {
        std::io::copy(&mut reader.take(size + 1), &mut std::io::sink())?;
        return Ok(Some(Err(format!("a {kind}, not a file"))));
    }
    if usize::try_from(size).map_or(true, |s| s > limit) {
        std::io::copy(&mut reader.take(size + 1), &mut std::io::sink())?;
        return Ok(Some(Err(format!("larger than {} KiB", limit / 1024))));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    reader.take(size).read_to_end(&mut bytes)?;
    let mut newline = [0u8; 1];
    reader.read_exact(&mut newline)?;
    if bytes.len() as u64 != size {
        return Err(bad("a short answer"));
    }
    if bytes.contains(&0) {
        return Ok(Some(Err("binary".to_string())));
    }
    Ok(Some(
        String::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_string()),
    ))
}

/// What lists the entries: `git ls-tree` or `git ls-files -s`.
#[derive(Clone, Copy)]
enum Listing {
    /// `MODE TYPE ID\tPATH`
    Tree,
    /// `MODE ID STAGE\tPATH`: only stage 0 is kept (the others are conflicts).
    Index,
}

/// Entries of `git ls-tree -r -z` or `git ls-files -s -z`, each ended by NUL.
fn parse_entries(bytes: &[u8], listing: Listing) -> Vec<Entry> {
    let mut out = Vec::new();
    for record in bytes.split(|&b| b == 0) {
        let Some(tab) = record.iter().position(|&b| b == b'\t') else {
            continue;
        };
        let meta = String::from_utf8_lossy(&record[..tab]);
        let path = String::from_utf8_lossy(&record[tab + 1..]).into_owned();
        let fields: Vec<&str> = meta.split(' ').collect();
        let entry = match (listing, fields.as_slice()) {
            (Listing::Tree, [mode, _, id]) => Entry {
                path,
                mode: (*mode).to_string(),
                id: (*id).to_string(),
            },
            (Listing::Index, [mode, id, "0"]) => Entry {
                path,
                mode: (*mode).to_string(),
                id: (*id).to_string(),
            },
            _ => continue,
        };
        out.push(entry);
    }
    out
}

/// The paths `git diff --name-status -z` reports as unmerged (`U`): conflicts.
fn unmerged(bytes: &[u8]) -> Vec<String> {
    let mut fields = bytes.split(|&b| b == 0);
    let mut out = Vec::new();
    while let Some(status) = fields.next() {
        let Some(&letter) = status.first() else {
            continue;
        };
        let paths = if matches!(letter, b'R' | b'C') { 2 } else { 1 };
        for _ in 0..paths {
            if let Some(path) = fields.next() {
                if letter == b'U' {
                    out.push(String::from_utf8_lossy(path).into_owned());
                }
            }
        }
    }
    out.dedup();
    out
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
    fn entries_of_trees_and_the_index_and_conflicts() {
        let tree =
            b"100644 blob aaaa\tmain.tf\x00120000 blob bbbb\t-link.tf\x00160000 commit cccc\tsub\x00";
        let got = parse_entries(tree, Listing::Tree);
        assert_eq!(got.len(), 3);
        assert_eq!(got[1].path, "-link.tf");
        assert!(got[0].is_file() && !got[1].is_file() && !got[2].is_file());
        let index = b"100644 aaaa 0\ta b.tf\x00100644 bbbb 1\tc.tf\x00100644 cccc 2\tc.tf\x00";
        let got = parse_entries(index, Listing::Index);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].path, "a b.tf");
        let diff = b"U\0c.tf\0M\0d.tf\0R100\0x\0U\0U\0e\nf.tf\0";
        assert_eq!(
            unmerged(diff),
            vec!["c.tf".to_string(), "e\nf.tf".to_string()]
        );
    }

    #[test]
    fn batch_answers_bounded_and_checked() {
        let answers =
            b"aa blob 3\nabc\nbb missing\ncc blob 5\n12345\ndd blob 2\na\0\nee tree 1\nx\n";
        let mut r = &answers[..];
        assert_eq!(
            read_batch_entry(&mut r, 4).expect("readable"),
            Some(Ok("abc".into()))
        );
        assert_eq!(read_batch_entry(&mut r, 4).expect("readable"), None);
        assert!(read_batch_entry(&mut r, 4)
            .expect("readable")
            .expect("readable")
            .is_err());
        assert_eq!(
            read_batch_entry(&mut r, 4).expect("readable"),
            Some(Err("binary".into()))
        );
        assert!(read_batch_entry(&mut r, 4)
            .expect("readable")
            .expect("readable")
            .is_err());
        assert!(read_batch_entry(&mut r, 4).is_err());
    }

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
