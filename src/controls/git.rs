//! `--git-base REV`: the files changed between REV (its merge base with HEAD) and HEAD in the
//! current git repository, and their contents on both sides, read with the `git` command.
