//! The change request's own files, judged for control tampering before the review, through
//! the forge's API (no checkout needed): the files it lists, then what the judgment asks to
//! read of them at the merge base and at the head, round after round, then
//! [`controls::tamperings`]. Forge-neutral: a forge only lists and reads
//! ([`Forge::changed_files`], [`Forge::file_at`]).

use crate::classify::Tampering;
use crate::controls::{self, Controls, Files, Side, MAX_FILE_BYTES, ROUNDS};
use crate::publish::{ChangeRequest, FileAt, Forge, ForgeError};
use crate::ruleset::Severity;
use std::collections::BTreeSet;
use std::path::Path;

/// How the files the change request changes weaken the review, in path order; a list the
/// forge cut short adds a possible tampering that says so (never a silent pass). `request`
/// is what the forge calls a change request (`pull request`).
pub(crate) async fn tamperings<F: Forge>(
    forge: &F,
    change: &ChangeRequest,
    controls: &Controls,
    request: &str,
) -> Result<Vec<Tampering>, ForgeError> {
    let listed = forge.changed_files(change).await?;
    let mut files = Files::new(listed.files);
    let mut read = BTreeSet::new();
    for _ in 0..ROUNDS {
        let wanted: Vec<(Side, String)> = files
            .wanted(controls)
            .into_iter()
            .filter(|w| !read.contains(w))
            .collect();
        if wanted.is_empty() {
            break;
        }
        for (side, path) in wanted {
            let commit = match side {
                Side::Base => listed.base.as_str(),
                Side::Head => change.head.as_str(),
            };
            // NOTE: no more than the judgment reads: a change may add a huge file under a
            // control's name.
            match forge.file_at(commit, &path, MAX_FILE_BYTES).await? {
                FileAt::Text(text) => files.insert(side, path.clone(), Some(text)),
                FileAt::Absent => files.insert(side, path.clone(), None),
                FileAt::Unreadable(why) => files.insert_unreadable(side, path.clone(), why),
            }
            read.insert((side, path));
        }
    }
    let mut out = controls::tamperings(&files, controls);
    if let Some(why) = listed.unlisted {
        out.push(unchecked(request, &why));
    }
    Ok(out)
}

/// A possible tampering for the files that were not checked: the gate leans towards asking.
///
/// NOTE: critical, as removing foureyes from the CI is, which the files not checked may do:
/// the approval is asked for whatever the configured threshold.
pub(crate) fn unchecked(request: &str, why: &str) -> Tampering {
    Tampering {
        control: format!("the {request}'s files").into(),
        how: format!("were not all checked for control tampering: {why}").into(),
        possible: true,
        severity: Some(Severity::Critical),
    }
}

/// What the review treats as controls: `control_files` of the configuration, and the
/// configuration file given with `--config`, from the repository's root (`root`, or the
/// current directory). A configuration outside the repository is no file a change request
/// can touch.
pub(crate) fn controls(
    config: Option<&Path>,
    root: Option<&Path>,
    patterns: Vec<String>,
) -> Controls {
    let cwd = std::env::current_dir().unwrap_or_default();
    let config = config.and_then(|config| {
        let config = std::fs::canonicalize(cwd.join(config)).ok()?;
        let root = std::fs::canonicalize(cwd.join(root.unwrap_or(&cwd))).ok()?;
        let relative = config.strip_prefix(root).ok()?;
        let parts: Vec<String> = relative
            .components()
            .map(|c| c.as_os_str().to_str().map(str::to_owned))
            .collect::<Option<_>>()?;
        Some(parts.join("/"))
    });
    Controls { config, patterns }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configuration_is_named_from_the_repository_root() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().join("repo");
        std::fs::create_dir_all(root.join("ci")).expect("created");
        std::fs::write(root.join("ci/review.toml"), "").expect("written");
        std::fs::write(dir.path().join("outside.toml"), "").expect("written");
        let c = controls(
            Some(&root.join("ci/review.toml")),
            Some(&root),
            vec!["deploy/*.yml".into()],
        );
        assert_eq!(c.config.as_deref(), Some("ci/review.toml"));
        assert_eq!(c.patterns, ["deploy/*.yml"]);
        let c = controls(Some(&dir.path().join("outside.toml")), Some(&root), vec![]);
        assert_eq!(c.config, None, "outside the repository");
        assert_eq!(controls(None, Some(&root), vec![]).config, None);
    }

    #[test]
    fn files_that_were_not_checked_lean_towards_asking() {
        let t = unchecked("pull request", "GitHub lists only the first 3000 of 3512");
        assert!(t.possible);
        assert_eq!(t.control.as_str(), "the pull request's files");
    }
}
