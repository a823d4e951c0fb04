//! `foureyes hook`, the pre-commit entry: the staged change (the index git is committing)
//! against HEAD, read from git as the review reads two `.tf` trees, with the staged control
//! files judged for tampering, and the short message a blocked commit shows.

use crate::classify::Tampering;
use crate::controls::git::{Entry, GitError, Repository};
use crate::controls::{self, Controls, Files, Side, MAX_FILE_BYTES, ROUNDS};
use crate::escape::terminal;
use crate::judge::{Report, Verdict};
use crate::load::{LoadError, Source, Tree, LONGEST_FILE};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Why the staged change could not be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum HookError {
    #[error("{0}")]
    Git(#[from] GitError),
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("the index has unresolved conflicts ({0}): resolve them and `git add` the files, then commit")]
    Unmerged(String),
}

/// What the staged change gives the review.
pub(crate) struct Staged {
    /// The `.tf` inputs: one per root module the staged change can alter (none when no `.tf`
    /// or `.tfvars` file is staged).
    pub(crate) sources: Vec<Source>,
    /// How the staged control files weaken the review.
    pub(crate) tamperings: Vec<Tampering>,
}

/// The staged change of the git repository that holds `cwd`, against HEAD (against nothing
/// before the first commit): `None` when it stages no `.tf` or `.tfvars` file and no control
/// file, found from the list of staged paths alone. `index` is `GIT_INDEX_FILE`, the index
/// git is committing (relative to `cwd`); `config` the configuration the review reads and
/// `patterns` its `control_files`.
pub(crate) fn staged(
    cwd: &Path,
    index: Option<&Path>,
    config: Option<&Path>,
    patterns: Vec<String>,
) -> Result<Option<Staged>, HookError> {
    let mut repo = Repository::open(cwd)?;
    if let Some(index) = index {
        // NOTE: `git commit FILE` and `git commit -a` build a temporary index, name it in
        // GIT_INDEX_FILE for the hooks, and commit that one: `.git/index` is not what is
        // committed then. Relative, it is relative to the directory git runs the hook in (the
        // top of the work tree), which is the hook's current directory.
        repo = repo.with_index(cwd.join(index));
    }
    let (changed, conflicts) = repo.staged()?;
    if !conflicts.is_empty() {
        return Err(HookError::Unmerged(list(&conflicts)));
    }
    let controls = Controls {
        config: config.and_then(|c| repo.relative(c)),
        patterns,
    };
    let mut files = Files::new(changed);
    let touched: Vec<String> = files
        .changed
        .iter()
        .flat_map(|f| [f.base(), f.head()])
        .flatten()
        .filter(|p| Tree::reads(p))
        .map(|p| dir_of(p).to_string())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if touched.is_empty() && files.wanted(&controls).is_empty() {
        return Ok(None);
    }
    let base_entries = match repo.commit("HEAD")? {
        Some(head) => repo.tree_files(&head)?,
        None => Vec::new(),
    };
    let index_entries = repo.index_files()?;
    let sources = if touched.is_empty() {
        Vec::new()
    } else {
        trees(&repo, &base_entries, &index_entries, &touched)?
    };
    let by_path = |entries: &[Entry]| -> BTreeMap<String, Entry> {
        entries
            .iter()
            .map(|e| (e.path.clone(), e.clone()))
            .collect()
    };
    let (base_files, index_files) = (by_path(&base_entries), by_path(&index_entries));
    for _ in 0..ROUNDS {
        let wanted = files.wanted(&controls);
        if wanted.is_empty() {
            break;
        }
        let on = |side: Side| match side {
            Side::Base => &base_files,
            Side::Head => &index_files,
        };
        let ids: Vec<&str> = wanted
            .iter()
            .filter_map(|(side, path)| on(*side).get(path))
            .map(|e| e.id.as_str())
            .collect();
        let blobs = repo.blobs(&ids, MAX_FILE_BYTES)?;
        for (side, path) in wanted {
            match on(side).get(&path) {
                None => files.insert(side, path, None),
                Some(e) if e.mode == "160000" => {
                    files.insert_unreadable(side, path, "a submodule, not a file".to_string());
                }
                Some(e) => match blobs.get(&e.id) {
                    Some(Ok(text)) => files.insert(side, path, Some(text.clone())),
                    Some(Err(why)) => files.insert_unreadable(side, path, why.clone()),
                    None => files.insert_unreadable(side, path, "not in git's objects".into()),
                },
            }
        }
    }
    Ok(Some(Staged {
        sources,
        tamperings: controls::tamperings(&files, &controls),
    }))
}

/// The `.tf` inputs of the staged change: HEAD's tree and the index's, each holding the files
/// of the directories the change touches and of those linked to them by local module calls
/// (callers and called), reviewed by root module as `--hcl-base`/`--hcl-head` review them.
fn trees(
    repo: &Repository,
    base_entries: &[Entry],
    index_entries: &[Entry],
    touched: &[String],
) -> Result<Vec<Source>, HookError> {
    // NOTE: symbolic links and submodules are left out, as a directory's reader leaves them.
    let tf = |entries: &'_ [Entry]| -> Vec<Entry> {
        entries
            .iter()
            .filter(|e| e.is_file() && Tree::reads(&e.path))
            .cloned()
            .collect()
    };
    let (base_tf, index_tf) = (tf(base_entries), tf(index_entries));
    let ids: Vec<&str> = base_tf
        .iter()
        .chain(&index_tf)
        .map(|e| e.id.as_str())
        .collect();
    let blobs = repo.blobs(&ids, LONGEST_FILE)?;
    // Every `.tf` file first, to find what the change is linked to; a file that cannot be read
    // matters only if it is.
    let fill = |name: &str, entries: &[Entry]| -> (Tree, Vec<(String, String)>) {
        let mut texts = BTreeMap::new();
        let mut unreadable = Vec::new();
        for e in entries {
            match blobs.get(&e.id) {
                Some(Ok(text)) => {
                    texts.insert(e.path.clone(), text.clone());
                }
                Some(Err(why)) => unreadable.push((e.path.clone(), why.clone())),
                None => unreadable.push((e.path.clone(), "not in git's objects".to_string())),
            }
        }
        let mut tree = Tree::new(name);
        tree.files = texts;
        (tree, unreadable)
    };
    let (base_all, base_unreadable) = fill("HEAD", &base_tf);
    let (head_all, head_unreadable) = fill("the index", &index_tf);
    let linked = crate::normalize::hcl::linked(&base_all, &head_all, touched);
    let select = |all: Tree, unreadable: Vec<(String, String)>| -> Result<Tree, LoadError> {
        if let Some((path, why)) = unreadable
            .into_iter()
            .find(|(p, _)| linked.contains(dir_of(p)))
        {
            return Err(LoadError::Invalid {
                name: terminal(&all.place(&path)).into_owned(),
                message: format!("cannot be read: {why}"),
            });
        }
        all.only(|dir| linked.contains(dir))
    };
    let base = select(base_all, base_unreadable)?;
    let head = select(head_all, head_unreadable)?;
    Ok(crate::normalize::hcl::sources(base, head)?)
}

/// The directory of a path from the repository root (`""` at the root).
fn dir_of(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..i])
}

/// Paths for a message: escaped, the first few.
fn list(paths: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut out: Vec<String> = paths
        .iter()
        .take(SHOWN)
        .map(|p| format!("`{}`", terminal(p)))
        .collect();
    if paths.len() > SHOWN {
        out.push(format!("and {} more", paths.len() - SHOWN));
    }
    out.join(", ")
}

/// What the hook says: on a verdict that requires approval, the verdict, one line per finding
/// that needs an approver and what to do; otherwise one line. Text from the repository is
/// escaped.
pub(crate) fn message(report: &Report) -> String {
    let needing: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.requires_approval)
        .collect();
    let how = if report.static_analysis() {
        " (static analysis of the staged .tf files, without a plan)"
    } else {
        ""
    };
    if report.verdict == Verdict::Pass {
        let partial = if report.coverage.partial() {
            "PARTIAL PASS — some identity or audit changes are of types foureyes does not model"
        } else {
            "PASS"
        };
        return format!(
            "foureyes: {partial}: the staged change needs no independent approver{how}\n"
        );
    }
    let mut out = format!(
        "foureyes: APPROVAL REQUIRED — the staged change needs an independent approver: {} {}{how}\n",
        needing.len(),
        if needing.len() == 1 { "finding" } else { "findings" }
    );
    for f in needing {
        out.push_str(&format!(
            "  {} ({}): {}\n",
            f.rule,
            f.severity.as_str(),
            terminal(&f.message)
        ));
    }
    out.push_str(
        "The whole report: `git worktree add ../foureyes-base HEAD`, then `foureyes review \
         --hcl-base ../foureyes-base/DIR --hcl-head DIR` (DIR: the stack's directory).\n\
         Commit anyway only if someone independent will approve the pull request: \
         `git commit --no-verify`.\n",
    );
    out
}
