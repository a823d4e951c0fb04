//! Control tampering in the files a change touches: this tool's configuration and rulesets,
//! CI workflow files, CODEOWNERS, `action.yml`, `.pre-commit-config.yaml` and the files the
//! configuration adds. Each is compared by its parsed content on both sides of the change
//! (reformatting is not a change), and what weakens the review becomes a [`Tampering`], a
//! source of `control-tampering` beside the plan's control resources.
//!
//! Reading is the caller's: `--git-base` reads a git repository ([`git`]), a forge reads its
//! API. Both list the changed files, then read what [`Files::wanted`] asks for until it asks
//! for nothing more, then call [`tamperings`].

pub(crate) mod git;

use crate::classify::Tampering;
use std::collections::BTreeMap;

/// How a file changed between the two sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Status {
    Added,
    Modified,
    Deleted,
    /// Moved from another path (with or without edits).
    Renamed {
        from: String,
    },
}

/// A file the change touches, by its path from the repository root (`/`-separated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ChangedFile {
    pub(crate) path: String,
    pub(crate) status: Status,
}

/// Which side of the change a file's contents come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Side {
    /// Before the change (the merge base).
    Base,
    /// After the change (the head commit).
    Head,
}

/// What the review treats as controls, besides the built-in list.
#[derive(Debug, Clone, Default)]
pub(crate) struct Controls {
    /// The configuration file the review reads, from the repository root, when it is not a
    /// `.foureyes.toml` (those always are controls).
    pub(crate) config: Option<String>,
    /// More files that configure the review: glob patterns from the repository root
    /// (`control_files` in the configuration).
    pub(crate) patterns: Vec<String>,
}

/// The files a change touches and what has been read of their contents on either side.
#[derive(Debug, Clone, Default)]
pub(crate) struct Files {
    pub(crate) changed: Vec<ChangedFile>,
    /// Contents read so far: `None` when the file does not exist on that side.
    contents: BTreeMap<(Side, String), Option<String>>,
}

/// How many rounds of reading [`Files::wanted`] may ask for (an include of an include ...).
pub(crate) const ROUNDS: usize = 8;

impl Files {
    pub(crate) fn new(changed: Vec<ChangedFile>) -> Files {
        Files {
            changed,
            contents: BTreeMap::new(),
        }
    }

    /// The files whose contents the judgment still needs, on which side; empty when it has
    /// all it needs.
    pub(crate) fn wanted(&self, _controls: &Controls) -> Vec<(Side, String)> {
        Vec::new()
    }

    /// Record a file's contents on one side (`None`: it does not exist there).
    pub(crate) fn insert(&mut self, side: Side, path: String, contents: Option<String>) {
        self.contents.insert((side, path), contents);
    }
}

/// What weakens the review among the files a change touches, in path order.
pub(crate) fn tamperings(_files: &Files, _controls: &Controls) -> Vec<Tampering> {
    Vec::new()
}
