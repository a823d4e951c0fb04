//! Control tampering in the files a change touches: this tool's configuration and rulesets,
//! CI workflow files, CODEOWNERS, `action.yml`, `.pre-commit-config.yaml` and the files the
//! configuration adds. Each is compared by its parsed content on both sides of the change
//! (reformatting is not a change), and what weakens the review becomes a [`Tampering`], a
//! source of `control-tampering` beside the plan's control resources.
//!
//! Reading is the caller's: `--git-base` reads a git repository ([`git`]), a forge reads its
//! API. Both list the changed files, then read what [`Files::wanted`] asks for until it asks
//! for nothing more (at most [`ROUNDS`] times), then call [`tamperings`]. A file that exists but
//! cannot be judged (binary, over [`MAX_FILE_BYTES`]) is recorded with
//! [`Files::insert_unreadable`]: a control that cannot be read is a possible weakening, and
//! one that was never read is never taken as deleted.

mod ci;
mod codeowners;
pub(crate) mod git;
mod tool;
mod yaml;

use crate::classify::Tampering;
use crate::ruleset::Severity;
use std::collections::{BTreeMap, BTreeSet};

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

/// The most bytes of one file that are judged; a longer control file cannot be read, which is
/// a possible weakening.
pub(crate) const MAX_FILE_BYTES: usize = 1 << 20;

/// The most files the judgment reads in all (both sides), whatever the change.
const MAX_READ: usize = 512;

/// The most bytes of text the judgment holds in all.
const MAX_TOTAL_BYTES: usize = 32 << 20;

/// What has been read of one file on one side.
#[derive(Debug, Clone)]
enum Content {
    Absent,
    Text(String),
    /// It exists but is not judged: binary, too large, not text.
    Unreadable(String),
}

/// The files a change touches and what has been read of their contents on either side.
#[derive(Debug, Clone, Default)]
pub(crate) struct Files {
    pub(crate) changed: Vec<ChangedFile>,
    /// Contents read so far.
    contents: BTreeMap<(Side, String), Content>,
    /// The bytes of text held.
    bytes: usize,
}

/// How many rounds of reading [`Files::wanted`] may ask for (an include of an include ...).
pub(crate) const ROUNDS: usize = 8;

impl Files {
    pub(crate) fn new(changed: Vec<ChangedFile>) -> Files {
        Files {
            changed,
            contents: BTreeMap::new(),
            bytes: 0,
        }
    }

    /// The files whose contents the judgment still needs, on which side; empty when it has
    /// all it needs. A change that touches no control asks for nothing.
    pub(crate) fn wanted(&self, controls: &Controls) -> Vec<(Side, String)> {
        let room = MAX_READ.saturating_sub(self.contents.len());
        Judgment::new(self, controls)
            .wanted
            .into_iter()
            .filter(|k| !self.contents.contains_key(k))
            .take(room)
            .collect()
    }

    /// Record a file's contents on one side (`None`: it does not exist there). Text longer
    /// than [`MAX_FILE_BYTES`] is recorded as unreadable.
    pub(crate) fn insert(&mut self, side: Side, path: String, contents: Option<String>) {
        let content = match contents {
            None => Content::Absent,
            Some(text) if text.len() > MAX_FILE_BYTES => {
                Content::Unreadable(format!("larger than {} KiB", MAX_FILE_BYTES / 1024))
            }
            Some(text) if self.bytes + text.len() > MAX_TOTAL_BYTES => {
                Content::Unreadable(format!(
                    "past the {} MiB foureyes reads in all",
                    MAX_TOTAL_BYTES >> 20
                ))
            }
            Some(text) => {
                self.bytes += text.len();
                Content::Text(text)
            }
        };
        self.contents.insert((side, path), content);
    }

    /// Record that a file exists on one side but cannot be judged, and why ("binary",
    /// "larger than 1024 KiB").
    pub(crate) fn insert_unreadable(&mut self, side: Side, path: String, why: String) {
        self.contents.insert((side, path), Content::Unreadable(why));
    }

    /// A file's text on one side: `Ok(None)` when it is absent (or was not read).
    fn text(&self, side: Side, path: &str) -> Result<Option<&str>, String> {
        match self.contents.get(&(side, path.to_string())) {
            None | Some(Content::Absent) => Ok(None),
            Some(Content::Text(t)) => Ok(Some(t)),
            Some(Content::Unreadable(why)) => Err(why.clone()),
        }
    }
}

impl ChangedFile {
    /// Its path before the change, if it existed.
    pub(crate) fn base(&self) -> Option<&str> {
        match &self.status {
            Status::Added => None,
            Status::Modified | Status::Deleted => Some(&self.path),
            Status::Renamed { from } => Some(from),
        }
    }

    /// Its path after the change, if it exists.
    pub(crate) fn head(&self) -> Option<&str> {
        match self.status {
            Status::Deleted => None,
            _ => Some(&self.path),
        }
    }

    /// Its path on one side.
    fn on(&self, side: Side) -> Option<&str> {
        match side {
            Side::Base => self.base(),
            Side::Head => self.head(),
        }
    }
}

/// The file name of a path.
fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Whether a path names a YAML file.
fn is_yaml(path: &str) -> bool {
    path.ends_with(".yml") || path.ends_with(".yaml")
}

/// The directory of a path (`""` at the root).
fn dir_of(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..i])
}

/// A path relative to `dir`, normalised from the repository root; `None` when it is absolute
/// or leaves the repository.
fn normalize(dir: &str, relative: &str) -> Option<String> {
    let relative = relative.replace('\\', "/");
    if relative.starts_with('/') || relative.contains(':') {
        return None;
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// The three places GitHub reads CODEOWNERS from, in the order it looks.
const CODEOWNERS: [&str; 3] = [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"];

/// GitLab's CI file at the repository root.
const GITLAB_CI: &str = ".gitlab-ci.yml";

/// What a control file is, by its path alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Config,
    CodeOwners,
    Ci(ci::Kind),
    /// Listed in `control_files`.
    Pattern,
}

impl Controls {
    /// What a path is by itself (rulesets and GitLab includes depend on other files).
    fn kind(&self, path: &str) -> Option<Kind> {
        let name = file_name(path);
        if name == ".foureyes.toml" || self.config.as_deref() == Some(path) {
            return Some(Kind::Config);
        }
        if CODEOWNERS.contains(&path) {
            return Some(Kind::CodeOwners);
        }
        if let Some(rest) = path.strip_prefix(".github/workflows/") {
            if !rest.contains('/') && (rest.ends_with(".yml") || rest.ends_with(".yaml")) {
                return Some(Kind::Ci(ci::Kind::Workflow));
            }
        }
        if path == GITLAB_CI {
            return Some(Kind::Ci(ci::Kind::GitLab));
        }
        if path == ".pre-commit-config.yaml" {
            return Some(Kind::Ci(ci::Kind::PreCommit));
        }
        if name == "action.yml" || name == "action.yaml" {
            return Some(Kind::Ci(ci::Kind::Action));
        }
        if self.patterns.iter().any(|p| pattern_matches(p, path)) {
            return Some(Kind::Pattern);
        }
        None
    }
}

/// Whether a `control_files` pattern names a path: a glob of the whole path, or a directory
/// (`deploy/`) that holds it.
fn pattern_matches(pattern: &str, path: &str) -> bool {
    let pattern = pattern.trim_start_matches('/');
    if let Some(dir) = pattern.strip_suffix('/') {
        return path.starts_with(&format!("{dir}/"));
    }
    crate::glob::matches_exactly(pattern, path)
}

/// Both sides.
const SIDES: [Side; 2] = [Side::Base, Side::Head];

/// What the files read so far say: which files are controls, and what else is needed.
struct Judgment<'a> {
    files: &'a Files,
    controls: &'a Controls,
    /// Configuration files read for what they name: changed ones, and those that may name a
    /// changed ruleset.
    configs: BTreeSet<String>,
    /// Per side, the rulesets the configurations name (from the repository root).
    rulesets: [BTreeSet<String>; 2],
    /// Per side, `.gitlab-ci.yml` and the local files it includes, when GitLab CI may be
    /// touched.
    gitlab: [BTreeSet<String>; 2],
    wanted: BTreeSet<(Side, String)>,
}

fn index(side: Side) -> usize {
    match side {
        Side::Base => 0,
        Side::Head => 1,
    }
}

impl<'a> Judgment<'a> {
    fn new(files: &'a Files, controls: &'a Controls) -> Judgment<'a> {
        let mut j = Judgment {
            files,
            controls,
            configs: BTreeSet::new(),
            rulesets: [BTreeSet::new(), BTreeSet::new()],
            gitlab: [BTreeSet::new(), BTreeSet::new()],
            wanted: BTreeSet::new(),
        };
        let mut codeowners = false;
        let mut gitlab = false;
        let mut yaml_docs: Vec<(Side, String)> = Vec::new();
        for c in &files.changed {
            for side in SIDES {
                let Some(path) = c.on(side) else { continue };
                match controls.kind(path) {
                    Some(kind) => {
                        j.want_both(c);
                        match kind {
                            Kind::Config => {
                                j.configs.insert(path.to_string());
                            }
                            Kind::CodeOwners => codeowners = true,
                            Kind::Ci(ci::Kind::GitLab) => gitlab = true,
                            Kind::Ci(_) => {
                                for s in SIDES {
                                    if let Some(p) = c.on(s) {
                                        yaml_docs.push((s, p.to_string()));
                                    }
                                }
                            }
                            Kind::Pattern => {}
                        }
                    }
                    None => {
                        if path.ends_with(".toml") {
                            // A ruleset is named by a configuration: those of its directory
                            // and above, and the one given with --config.
                            let mut dir = dir_of(path);
                            loop {
                                let config = if dir.is_empty() {
                                    ".foureyes.toml".to_string()
                                } else {
                                    format!("{dir}/.foureyes.toml")
                                };
                                j.configs.insert(config);
                                if dir.is_empty() {
                                    break;
                                }
                                dir = dir_of(dir);
                            }
                            if let Some(config) = &controls.config {
                                j.configs.insert(config.clone());
                            }
                        }
                        if path.ends_with(".yml") || path.ends_with(".yaml") {
                            gitlab = true;
                        }
                    }
                }
            }
        }
        if codeowners {
            for side in SIDES {
                for place in CODEOWNERS {
                    j.wanted.insert((side, place.to_string()));
                }
            }
        }
        // Configurations, and the rulesets they name.
        let configs: Vec<String> = j.configs.iter().cloned().collect();
        for config in &configs {
            let mut named: [BTreeSet<String>; 2] = [BTreeSet::new(), BTreeSet::new()];
            for side in SIDES {
                j.wanted.insert((side, config.clone()));
                if let Some(d) = j.declared(side, config) {
                    for r in &d.rulesets {
                        if let Some(p) = normalize(dir_of(config), &r.to_string_lossy()) {
                            named[index(side)].insert(p);
                        }
                    }
                }
            }
            // A ruleset newly named is judged against nothing.
            for r in named[1].difference(&named[0]) {
                j.wanted.insert((Side::Head, r.clone()));
            }
            for side in SIDES {
                j.rulesets[index(side)].extend(named[index(side)].iter().cloned());
            }
        }
        for c in &files.changed {
            let ruleset = SIDES
                .iter()
                .any(|&s| c.on(s).is_some_and(|p| j.rulesets[index(s)].contains(p)));
            if ruleset {
                j.want_both(c);
            }
        }
        // GitLab CI and its local includes, one level per round of reading.
        if gitlab {
            for side in SIDES {
                let mut queue = vec![GITLAB_CI.to_string()];
                let mut depth = 0;
                while !queue.is_empty() && depth <= ROUNDS {
                    let mut next = Vec::new();
                    for path in queue {
                        if !j.gitlab[index(side)].insert(path.clone()) {
                            continue;
                        }
                        j.wanted.insert((side, path.clone()));
                        if let Some(doc) = j.yaml(side, &path) {
                            next.extend(ci::gitlab_includes(&doc));
                        }
                    }
                    queue = next;
                    depth += 1;
                }
            }
            for c in &files.changed {
                let included = SIDES
                    .iter()
                    .any(|&s| c.on(s).is_some_and(|p| j.gitlab[index(s)].contains(p)));
                if included {
                    j.want_both(c);
                }
            }
        }
        // Local actions the changed workflows and actions use, and theirs.
        let mut seen = BTreeSet::new();
        let mut depth = 0;
        while !yaml_docs.is_empty() && depth <= ROUNDS {
            let mut next = Vec::new();
            for (side, path) in yaml_docs {
                if !seen.insert((side, path.clone())) {
                    continue;
                }
                let Some(doc) = j.yaml(side, &path) else {
                    continue;
                };
                for dir in ci::local_actions(&doc) {
                    if is_yaml(&dir) {
                        if let Some(p) = normalize("", &dir) {
                            j.wanted.insert((side, p.clone()));
                            next.push((side, p));
                        }
                        continue;
                    }
                    for name in ["action.yml", "action.yaml"] {
                        if let Some(p) = normalize(&dir, name) {
                            j.wanted.insert((side, p.clone()));
                            next.push((side, p));
                        }
                    }
                }
            }
            yaml_docs = next;
            depth += 1;
        }
        j
    }

    /// Ask for a changed file on both sides (where it exists).
    fn want_both(&mut self, c: &ChangedFile) {
        for side in SIDES {
            if let Some(p) = c.on(side) {
                self.wanted.insert((side, p.to_string()));
            }
        }
    }

    /// A configuration as declared on one side, if it was read and parses.
    fn declared(&self, side: Side, path: &str) -> Option<crate::config::Declared> {
        let text = self.files.text(side, path).ok()??;
        crate::config::parse(path, text, None).ok()
    }

    /// A YAML file on one side, if it was read and parses.
    fn yaml(&self, side: Side, path: &str) -> Option<yaml::Node> {
        let text = self.files.text(side, path).ok()??;
        yaml::parse(text).ok()
    }

    /// Whether the local action in `dir` runs foureyes on one side (its own local actions
    /// followed a few levels).
    fn local_runs(&self, side: Side, dir: &str, depth: usize) -> bool {
        if depth > 4 {
            return false;
        }
        if is_yaml(dir) {
            // A reusable workflow of the repository.
            return normalize("", dir)
                .and_then(|p| self.yaml(side, &p))
                .is_some_and(|doc| {
                    ci::runs_foureyes(ci::Kind::Workflow, &doc, &|d| {
                        self.local_runs(side, d, depth + 1)
                    })
                });
        }
        ["action.yml", "action.yaml"].iter().any(|name| {
            normalize(dir, name)
                .and_then(|p| self.yaml(side, &p))
                .is_some_and(|doc| {
                    ci::runs_foureyes(ci::Kind::Action, &doc, &|d| {
                        self.local_runs(side, d, depth + 1)
                    })
                })
        })
    }

    /// What a path is on one side, rulesets and GitLab includes included.
    fn kind(&self, side: Side, path: &str) -> Option<Kind> {
        match self.controls.kind(path) {
            Some(k) => Some(k),
            None if self.gitlab[index(side)].contains(path) => Some(Kind::Ci(ci::Kind::GitLab)),
            None => None,
        }
    }

    fn is_ruleset(&self, side: Side, path: &str) -> bool {
        self.rulesets[index(side)].contains(path)
    }
}

/// What weakens the review among the files a change touches, in path order.
pub(crate) fn tamperings(files: &Files, controls: &Controls) -> Vec<Tampering> {
    let j = Judgment::new(files, controls);
    let mut out: Vec<Tampering> = Vec::new();
    let mut push = |path: &str, how: String, possible: bool, severity: Option<Severity>| {
        out.push(Tampering {
            control: path.into(),
            how: how.into(),
            possible,
            severity,
        });
    };
    let mut codeowners = false;
    for c in &files.changed {
        let (bp, hp) = (c.base(), c.head());
        let shown = hp.or(bp).unwrap_or(&c.path);
        let kb = bp.and_then(|p| j.kind(Side::Base, p));
        let kh = hp.and_then(|p| j.kind(Side::Head, p));
        let rb = bp.is_some_and(|p| j.is_ruleset(Side::Base, p));
        let rh = hp.is_some_and(|p| j.is_ruleset(Side::Head, p));
        if kb == Some(Kind::CodeOwners) || kh == Some(Kind::CodeOwners) {
            codeowners = true;
        }
        if kb.is_none() && kh.is_none() && !rb && !rh {
            continue;
        }
        // A control that cannot be read on either side cannot be judged: towards asking.
        let unreadable = [(Side::Base, bp), (Side::Head, hp)]
            .into_iter()
            .find_map(|(side, p)| {
                let p = p?;
                if !files.contents.contains_key(&(side, p.to_string())) {
                    return Some(format!("past the {MAX_READ} files foureyes reads in all"));
                }
                files.text(side, p).err()
            });
        if let Some(why) = unreadable {
            if kb != Some(Kind::CodeOwners) && kh != Some(Kind::CodeOwners) {
                push(shown, format!("cannot be read ({why})"), true, None);
            }
            continue;
        }
        if kb == Some(Kind::Config) || kh == Some(Kind::Config) {
            let in_place = kh == Some(Kind::Config);
            let place = if in_place { shown } else { bp.unwrap_or(shown) };
            let (found, severity) = config(&j, c, kb == Some(Kind::Config), in_place);
            for (how, possible) in found {
                push(place, how, possible, severity);
            }
        } else if rh {
            // A ruleset no longer named is reported by its configuration.
            let base = if rb { bp } else { None };
            for (how, possible) in ruleset(files, base, hp) {
                push(shown, how, possible, None);
            }
        } else if let Some(Kind::Ci(kind)) = kb.or(kh) {
            let in_place = |k: Option<Kind>| k == Some(Kind::Ci(kind));
            let base = bp.filter(|_| in_place(kb));
            let head = hp.filter(|_| in_place(kh));
            // Why the file no longer acts, when it does not on the head side.
            let gone = match (&c.status, head) {
                (_, Some(_)) => None,
                (Status::Deleted, None) => Some("is deleted".to_string()),
                (Status::Renamed { .. }, None) => {
                    Some(format!("is moved to {}, where it does not run", c.path))
                }
                (_, None) => Some(format!("is no longer included by {GITLAB_CI}")),
            };
            let place = if head.is_none() {
                bp.unwrap_or(shown)
            } else {
                shown
            };
            for (how, possible, severity) in yaml_file(&j, kind, base, head, gone.as_deref()) {
                push(place, how, possible, severity);
            }
        } else if kb == Some(Kind::Pattern) || kh == Some(Kind::Pattern) {
            let base = bp.filter(|_| kb == Some(Kind::Pattern));
            let head = hp.filter(|_| kh == Some(Kind::Pattern));
            let read = |side, p: Option<&str>| p.map(|p| files.text(side, p));
            let trimmed = |t: &str| {
                t.lines()
                    .map(str::trim_end)
                    .collect::<Vec<_>>()
                    .join("\n")
                    .trim_end()
                    .to_string()
            };
            let how = match (read(Side::Base, base), read(Side::Head, head)) {
                (Some(_), None | Some(Ok(None))) => Some("is deleted".to_string()),
                (Some(Ok(Some(b))), Some(Ok(Some(h)))) if trimmed(b) == trimmed(h) => None,
                (_, Some(Err(why))) => Some(format!("cannot be read ({why})")),
                (Some(_), Some(_)) => Some("is changed".to_string()),
                (None, _) => None,
            };
            if let Some(how) = how {
                push(
                    place_of(base, head, shown),
                    format!("{how} (a file listed in control_files)"),
                    true,
                    None,
                );
            }
        }
    }
    if codeowners {
        for (path, how) in codeowners_change(files) {
            push(&path, how, false, None);
        }
    }
    // The root of GitLab CI governs the jobs of the files it includes.
    let root_changed = files
        .changed
        .iter()
        .any(|c| c.base() == Some(GITLAB_CI) && c.head() == Some(GITLAB_CI));
    if root_changed {
        if let (Some(base), Some(head)) =
            (j.yaml(Side::Base, GITLAB_CI), j.yaml(Side::Head, GITLAB_CI))
        {
            let runs = |p: &String| {
                j.yaml(Side::Base, p)
                    .is_some_and(|d| ci::runs_foureyes(ci::Kind::GitLab, &d, &|_| false))
            };
            let root_runs = ci::runs_foureyes(ci::Kind::GitLab, &base, &|_| false);
            if !root_runs && j.gitlab[0].iter().any(runs) {
                for (how, severity) in ci::governing_changes(ci::Kind::GitLab, &base, &head) {
                    push(GITLAB_CI, how, false, severity);
                }
            }
        }
    }
    // GitLab files that ran foureyes and are no longer included.
    for path in j.gitlab[0].difference(&j.gitlab[1]) {
        let changed = files
            .changed
            .iter()
            .any(|c| c.base() == Some(path.as_str()));
        if changed {
            continue;
        }
        if let Some(doc) = j.yaml(Side::Base, path) {
            if ci::runs_foureyes(ci::Kind::GitLab, &doc, &|_| false) {
                push(
                    path,
                    "is no longer included by .gitlab-ci.yml; it ran foureyes".to_string(),
                    false,
                    Some(Severity::Critical),
                );
            }
        }
    }
    // NOTE: by path only: what one file does stays in the order it was found.
    out.sort_by(|a, b| a.control.cmp(&b.control));
    out.dedup_by(|a, b| a.control == b.control && a.how == b.how);
    out
}

/// Where a finding on a file is reported: its path after the change, or before.
fn place_of<'p>(base: Option<&'p str>, head: Option<&'p str>, shown: &'p str) -> &'p str {
    head.or(base).unwrap_or(shown)
}

/// A configuration file that changed: its settings compared, and the rulesets it newly names
/// judged against nothing.
///
/// Raising the approval threshold is reported at the new threshold: it silences every finding
/// below it. (The review of this very change reads the new configuration; `control-tampering`
/// needs an approver whatever the threshold, so its own weakening cannot pass below it.)
fn config(
    j: &Judgment<'_>,
    c: &ChangedFile,
    on_base: bool,
    on_head: bool,
) -> (Vec<(String, bool)>, Option<Severity>) {
    use crate::config::Declared;
    let mut out = Vec::new();
    let base = c
        .base()
        .filter(|_| on_base)
        .and_then(|p| j.declared(Side::Base, p))
        .unwrap_or_default();
    let head_path = c.head().filter(|_| on_head);
    let head = match head_path.map(|p| (p, j.files.text(Side::Head, p))) {
        None | Some((_, Ok(None))) => Declared::default(),
        Some((_, Err(why))) => {
            out.push((format!("cannot be read ({why})"), true));
            return (out, None);
        }
        Some((p, Ok(Some(text)))) => match crate::config::parse(p, text, None) {
            Ok(d) => d,
            Err(e) => {
                let first = e.0.first().cloned().unwrap_or_default();
                out.push((
                    format!("cannot be read: {}", crate::escape::terminal(&first)),
                    true,
                ));
                return (out, None);
            }
        },
    };
    let severity =
        (head.approval_severity > base.approval_severity).then_some(head.approval_severity);
    out.extend(
        tool::compare_config(&base, &head)
            .into_iter()
            .map(|h| (h, false)),
    );
    // Rulesets newly named by this configuration, which are not themselves changed files.
    if let Some(hp) = head_path {
        let named = |d: &Declared, at: &str| -> BTreeSet<String> {
            d.rulesets
                .iter()
                .filter_map(|r| normalize(dir_of(at), &r.to_string_lossy()))
                .collect()
        };
        let before = c.base().map(|bp| named(&base, bp)).unwrap_or_default();
        for r in named(&head, hp).difference(&before) {
            let changed = j.files.changed.iter().any(|f| f.head() == Some(r.as_str()));
            if changed || j.rulesets[0].contains(r) {
                continue;
            }
            for (how, possible) in ruleset(j.files, None, Some(r)) {
                out.push((format!("reads the ruleset `{r}`, which {how}"), possible));
            }
        }
    }
    (out, severity)
}

/// A ruleset file compared with its base (`None`: judged against nothing).
fn ruleset(files: &Files, base: Option<&str>, head: Option<&str>) -> Vec<(String, bool)> {
    let empty = toml::Value::Table(toml::value::Table::new());
    let value = |side, p: Option<&str>| -> Result<toml::Value, String> {
        match p.map(|p| files.text(side, p)) {
            None | Some(Ok(None)) => Ok(empty.clone()),
            Some(Err(why)) => Err(format!("cannot be read ({why})")),
            Some(Ok(Some(text))) => toml::from_str(text).map_err(|e| {
                format!(
                    "cannot be read: {}",
                    crate::escape::terminal(e.message().trim_end())
                )
            }),
        }
    };
    let base = value(Side::Base, base).unwrap_or(empty.clone());
    match value(Side::Head, head) {
        Err(how) => vec![(how, true)],
        Ok(head) => tool::compare_ruleset(&base, &head)
            .into_iter()
            .map(|h| (h, false))
            .collect(),
    }
}

/// A CI file compared where it runs foureyes; `gone`: why it no longer acts on the head side
/// ("is deleted").
fn yaml_file(
    j: &Judgment<'_>,
    kind: ci::Kind,
    base: Option<&str>,
    head: Option<&str>,
    gone: Option<&str>,
) -> Vec<(String, bool, Option<Severity>)> {
    let Some(base_doc) = base.and_then(|p| j.yaml(Side::Base, p)) else {
        return Vec::new();
    };
    let local_base = |d: &str| j.local_runs(Side::Base, d, 0);
    let local_head = |d: &str| j.local_runs(Side::Head, d, 0);
    if !ci::runs_foureyes(kind, &base_doc, &local_base) {
        return Vec::new();
    }
    let head_doc = match head.map(|p| j.files.text(Side::Head, p)) {
        None | Some(Ok(None)) => None,
        Some(Err(why)) => return vec![(format!("cannot be read ({why})"), true, None)],
        Some(Ok(Some(text))) => match yaml::parse(text) {
            Ok(doc) => Some(doc),
            Err(e) => return vec![(format!("cannot be read: {e}"), true, None)],
        },
    };
    let mut found = ci::compare(
        kind,
        Some(&base_doc),
        head_doc.as_ref(),
        &local_base,
        &local_head,
    );
    if let Some(gone) = gone {
        for (how, _) in &mut found {
            *how = format!("{gone} and {how}");
        }
    }
    found.into_iter().map(|(h, s)| (h, false, s)).collect()
}

/// The CODEOWNERS GitHub reads on each side (the first of its three places that exists),
/// compared: reported at the head's file, or the base's when none is left.
fn codeowners_change(files: &Files) -> Vec<(String, String)> {
    let effective = |side| {
        CODEOWNERS.iter().find_map(|p| match files.text(side, p) {
            Ok(None) => None,
            Ok(Some(t)) => Some((*p, Ok(t))),
            Err(why) => Some((*p, Err(why))),
        })
    };
    let (base, head) = (effective(Side::Base), effective(Side::Head));
    let mut out = Vec::new();
    let Some((bp, bt)) = base else { return out };
    let Ok(bt) = bt else { return out };
    let base_rules = codeowners::parse(bt);
    if base_rules.is_empty() {
        return out;
    }
    let Some((hp, ht)) = head else {
        out.push((
            bp.to_string(),
            "is deleted: no code owner is asked to review".to_string(),
        ));
        return out;
    };
    let ht = match ht {
        Ok(t) => t,
        Err(why) => {
            out.push((hp.to_string(), format!("cannot be read ({why})")));
            return out;
        }
    };
    let found = codeowners::compare(&base_rules, &codeowners::parse(ht));
    if found.is_empty() {
        return out;
    }
    let mut how = found.join(", ");
    if hp != bp {
        how = format!("replaces {bp} as the CODEOWNERS GitHub reads, and {how}");
    }
    out.push((hp.to_string(), how));
    out
}

#[cfg(test)]
mod tests;
