//! CI files that run foureyes: GitHub workflows, GitLab CI files, actions (`action.yml`) and
//! `.pre-commit-config.yaml`. Only the part that runs foureyes matters: a file that runs it on
//! neither side is never a finding (bots bump action versions every week).

use super::yaml::Node;
use crate::ruleset::Severity;
use std::collections::BTreeMap;

/// What weakens, in words, and the severity it asks for (critical: foureyes removed).
pub(crate) type Found = (String, Option<Severity>);

/// The kinds of CI file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `.github/workflows/*.yml`.
    Workflow,
    /// `action.yml` (a composite or container action).
    Action,
    /// `.pre-commit-config.yaml`.
    PreCommit,
    /// `.gitlab-ci.yml` or a file it includes.
    GitLab,
}

/// The foureyes subcommands that review or gate.
const COMMANDS: &[&str] = &["review", "github", "gitlab", "hook"];

/// Whether a shell script runs foureyes: the command `foureyes` (or a path ending in it)
/// followed by one of its reviewing subcommands.
pub(crate) fn invokes(script: &str) -> bool {
    invocations(script).next().is_some()
}

/// The argument lists of each foureyes invocation in a script (up to the end of its command).
fn invocations(script: &str) -> impl Iterator<Item = Vec<String>> + '_ {
    let joined = script.replace("\\\n", " ");
    let lines: Vec<String> = joined
        .split(['\n', ';', '|', '&'])
        .map(str::to_string)
        .collect();
    lines.into_iter().filter_map(|line| {
        let words: Vec<String> = line
            .split(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | '`'))
            .map(|w| w.trim_matches(['"', '\'']).to_string())
            .filter(|w| !w.is_empty())
            .collect();
        let at = words.iter().position(|w| {
            let w = w.strip_suffix(".exe").unwrap_or(w);
            w == "foureyes" || w.ends_with("/foureyes")
        })?;
        let rest = words[at + 1..].to_vec();
        rest.first()
            .is_some_and(|c| COMMANDS.contains(&c.as_str()))
            .then_some(rest)
    })
}

/// Options of a foureyes command line that the gate depends on.
#[derive(Debug, Default, PartialEq)]
struct Options {
    exit_zero: bool,
    fail_on: Option<String>,
    pipeline: Vec<String>,
    approvers: Vec<String>,
    comment_key: Option<String>,
    status_context: Option<String>,
}

fn options(args: &[String]) -> Options {
    let mut o = Options::default();
    let mut i = 0;
    while i < args.len() {
        let (flag, inline) = match args[i].split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (args[i].clone(), None),
        };
        let mut value = || {
            inline.clone().or_else(|| {
                i += 1;
                args.get(i).cloned()
            })
        };
        match flag.as_str() {
            "--exit-zero" => o.exit_zero = true,
            "--fail-on" => o.fail_on = value(),
            "--pipeline-principal" => o.pipeline.extend(value()),
            "--approver" => o.approvers.extend(value()),
            "--comment-key" => o.comment_key = value(),
            "--status-context" => o.status_context = value(),
            _ => {}
        }
        i += 1;
    }
    o
}

/// How the options of a foureyes command weaken: `--exit-zero` added, `--fail-on` raised,
/// pipeline principals removed, who approves and which status gates changed.
fn compare_options(base: &Options, head: &Options, at: &str, out: &mut Vec<Found>) {
    if head.exit_zero && !base.exit_zero {
        out.push((
            format!("adds --exit-zero to {at}, so the review never fails"),
            None,
        ));
    }
    let level = |s: &Option<String>| s.as_deref().and_then(Severity::parse);
    match (level(&base.fail_on), level(&head.fail_on)) {
        (b, Some(h)) if b.is_none_or(|b| h > b) => out.push((
            format!(
                "raises --fail-on in {at} from {} to {}",
                b.map_or("the configured severity", Severity::as_str),
                h.as_str()
            ),
            // NOTE: at the new threshold, as it silences every finding below it.
            Some(h),
        )),
        _ => {}
    }
    for p in &base.pipeline {
        if !head.pipeline.contains(p) {
            out.push((format!("removes --pipeline-principal {p} from {at}"), None));
        }
    }
    if base.approvers != head.approvers {
        out.push((format!("changes --approver in {at}"), None));
    }
    if base.comment_key != head.comment_key {
        out.push((format!("changes --comment-key in {at}"), None));
    }
    if base.status_context != head.status_context {
        out.push((format!("changes --status-context in {at}"), None));
    }
}

/// Whether an action reference (`owner/foureyes@v1`, `owner/foureyes/sub@sha`,
/// `docker://.../foureyes:tag`) is foureyes' own.
fn foureyes_action(uses: &str) -> bool {
    if let Some(image) = uses.strip_prefix("docker://") {
        return image
            .rsplit('/')
            .next()
            .is_some_and(|name| name.split([':', '@']).next() == Some("foureyes"));
    }
    let path = uses.split('@').next().unwrap_or("");
    let mut parts = path.split('/');
    parts.next();
    parts
        .next()
        .is_some_and(|repo| repo.eq_ignore_ascii_case("foureyes"))
}

/// Whether a step (of a workflow job or a composite action) runs foureyes. `local` says
/// whether a local action (`uses: ./dir`) does.
fn step_runs(step: &Node, local: &dyn Fn(&str) -> bool) -> bool {
    if let Some(uses) = step.get("uses").and_then(Node::text) {
        if let Some(dir) = uses.strip_prefix("./") {
            return local(dir.trim_end_matches('/'));
        }
        return foureyes_action(&uses);
    }
    step.get("run")
        .and_then(Node::text)
        .is_some_and(|run| invokes(&run))
}

/// The local actions (`uses: ./dir`) a workflow or composite action uses (their directories),
/// and the reusable workflows of the repository its jobs call (their paths, `.yml`).
pub(crate) fn local_actions(doc: &Node) -> Vec<String> {
    let mut out = Vec::new();
    let mut steps: Vec<&Node> = Vec::new();
    if let Some(Node::Map(jobs)) = doc.get("jobs") {
        for job in jobs.values() {
            steps.extend(job.get("steps").map(Node::items).unwrap_or_default());
            // A reusable workflow of this repository: its path.
            if let Some(path) = job
                .get("uses")
                .and_then(Node::text)
                .and_then(|u| u.strip_prefix("./").map(str::to_string))
            {
                out.push(path.split('@').next().unwrap_or("").to_string());
            }
        }
    }
    if let Some(s) = doc.get("runs").and_then(|r| r.get("steps")) {
        steps.extend(s.items());
    }
    for step in steps {
        if let Some(dir) = step
            .get("uses")
            .and_then(Node::text)
            .and_then(|u| u.strip_prefix("./").map(str::to_string))
        {
            out.push(dir.trim_end_matches('/').to_string());
        }
    }
    out
}

/// The jobs of a GitLab CI file: top-level keys that are not global keywords.
const GITLAB_GLOBAL: &[&str] = &[
    "default",
    "include",
    "stages",
    "variables",
    "workflow",
    "image",
    "services",
    "cache",
    "before_script",
    "after_script",
    "spec",
    "pages",
];

/// Whether a GitLab job's scripts run foureyes, or those of a job of the same file it
/// `extends` (a hidden `.template`), a few levels deep.
fn gitlab_job_runs(doc: &Node, job: &Node, depth: usize) -> bool {
    let scripts = ["script", "before_script", "after_script"].iter().any(|k| {
        job.get(k)
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .filter_map(|n| n.text())
            .any(|s| invokes(&s))
    });
    scripts
        || (depth < 8
            && job
                .get("extends")
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .filter_map(|n| n.text())
                .filter_map(|name| doc.get(&name))
                .any(|parent| gitlab_job_runs(doc, parent, depth + 1)))
}

/// A GitLab include of a foureyes component, template or project.
fn gitlab_foureyes_include(doc: &Node) -> Option<String> {
    let include = doc.get("include")?;
    for item in include.items() {
        for key in ["component", "template", "project", "remote"] {
            if let Some(v) = item.get(key).and_then(Node::text) {
                if v.to_ascii_lowercase().contains("foureyes") {
                    return Some(v);
                }
            }
        }
    }
    None
}

/// The local files a GitLab CI file includes (`include: path`, a list of them, `local:`),
/// from the repository root.
pub(crate) fn gitlab_includes(doc: &Node) -> Vec<String> {
    let mut out = Vec::new();
    let Some(include) = doc.get("include") else {
        return out;
    };
    for item in include.items() {
        let path = match item {
            Node::Str(s) if !s.contains("://") => Some(s.clone()),
            other => other.get("local").and_then(Node::text),
        };
        if let Some(p) = path {
            let p = p.trim().trim_start_matches('/').to_string();
            if !p.is_empty() && !p.contains('*') {
                out.push(p);
            }
        }
    }
    out
}

/// The jobs (or hooks) of a file that run foureyes, by a stable name, with the node.
fn runners<'a>(kind: Kind, doc: &'a Node, local: &dyn Fn(&str) -> bool) -> Vec<(String, &'a Node)> {
    let mut out = Vec::new();
    match kind {
        Kind::Workflow => {
            if let Some(Node::Map(jobs)) = doc.get("jobs") {
                for (id, job) in jobs {
                    // A reusable workflow: foureyes' own, or one of this repository.
                    let uses = job.get("uses").and_then(Node::text).is_some_and(|u| {
                        match u.strip_prefix("./") {
                            Some(path) => local(path),
                            None => foureyes_action(&u),
                        }
                    });
                    let steps = job.get("steps").map(Node::items).unwrap_or_default();
                    if uses || steps.iter().any(|s| step_runs(s, local)) {
                        out.push((format!("jobs.{id}"), job));
                    }
                }
            }
        }
        Kind::Action => {
            if let Some(runs) = doc.get("runs") {
                let steps = runs.get("steps").map(Node::items).unwrap_or_default();
                let image = runs
                    .get("image")
                    .and_then(Node::text)
                    .is_some_and(|i| foureyes_action(&format!("docker://{i}")));
                if image || steps.iter().any(|s| step_runs(s, local)) {
                    out.push(("runs".to_string(), runs));
                }
            }
        }
        Kind::GitLab => {
            if let Node::Map(m) = doc {
                for (id, job) in m {
                    if !GITLAB_GLOBAL.contains(&id.as_str()) && gitlab_job_runs(doc, job, 0) {
                        out.push((id.clone(), job));
                    }
                }
            }
        }
        Kind::PreCommit => {
            for repo in doc.get("repos").map(Node::items).unwrap_or_default() {
                let hooks = repo.get("hooks").map(Node::items).unwrap_or_default();
                for hook in hooks {
                    if hook.get("id").and_then(Node::text).as_deref() == Some("foureyes") {
                        out.push(("hooks[id=foureyes]".to_string(), hook));
                    }
                }
            }
        }
    }
    out
}

/// Whether a file runs foureyes.
pub(crate) fn runs_foureyes(kind: Kind, doc: &Node, local: &dyn Fn(&str) -> bool) -> bool {
    !runners(kind, doc, local).is_empty()
        || (kind == Kind::GitLab && gitlab_foureyes_include(doc).is_some())
}

/// The keys of a file that govern the jobs in it.
fn governing(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Workflow => &["on", "permissions", "env", "defaults", "concurrency"],
        Kind::GitLab => &["workflow", "variables", "default", "stages"],
        Kind::PreCommit => &["files", "exclude", "default_stages", "fail_fast"],
        Kind::Action => &["inputs"],
    }
}

/// Where two values differ, as paths under `at` (`jobs.review.steps[2].with`), down to the
/// first level where they differ in shape; at most `limit` of them.
fn differences(at: &str, base: &Node, head: &Node, out: &mut Vec<String>, limit: usize) {
    if base == head || out.len() >= limit {
        return;
    }
    match (base, head) {
        (Node::Map(b), Node::Map(h)) => {
            let keys: std::collections::BTreeSet<&String> = b.keys().chain(h.keys()).collect();
            for k in keys {
                let path = if at.is_empty() {
                    k.clone()
                } else {
                    format!("{at}.{k}")
                };
                match (b.get(k), h.get(k)) {
                    (Some(x), Some(y)) => differences(&path, x, y, out, limit),
                    _ => {
                        if out.len() < limit {
                            out.push(path);
                        }
                    }
                }
            }
        }
        (Node::Seq(b), Node::Seq(h)) if b.len() == h.len() => {
            for (i, (x, y)) in b.iter().zip(h).enumerate() {
                differences(&format!("{at}[{i}]"), x, y, out, limit);
            }
        }
        _ => out.push(at.to_string()),
    }
}

/// How a step or job that runs foureyes changed, at `at`: the strong cases in words, then
/// whatever else changed by its path.
fn compare_runner(kind: Kind, at: &str, base: &Node, head: &Node, out: &mut Vec<Found>) {
    if base == head {
        return;
    }
    let (Node::Map(b), Node::Map(h)) = (base, head) else {
        out.push((format!("changes {at}"), None));
        return;
    };
    let flag = match kind {
        Kind::GitLab => "allow_failure",
        _ => "continue-on-error",
    };
    let keys: std::collections::BTreeSet<&String> = b.keys().chain(h.keys()).collect();
    for key in keys {
        let (bv, hv) = (b.get(key), h.get(key));
        if bv == hv {
            continue;
        }
        let path = format!("{at}.{key}");
        match key.as_str() {
            k if k == flag => {
                if hv.is_some_and(Node::may_be_true) && !bv.is_some_and(Node::may_be_true) {
                    out.push((
                        format!("sets {k}: true on {at}, so a failing review passes"),
                        None,
                    ));
                } else {
                    out.push((format!("changes {path}"), None));
                }
            }
            "if" | "rules" | "only" | "except" | "when" => {
                let verb = match (bv, hv) {
                    (None, _) => "adds",
                    (_, None) => "removes",
                    _ => "changes",
                };
                out.push((
                    format!("{verb} the condition {path} of what runs foureyes"),
                    None,
                ));
            }
            "run" | "script" | "entry" | "args" => {
                let text = |v: Option<&Node>| {
                    v.map(Node::items)
                        .unwrap_or_default()
                        .iter()
                        .filter_map(|n| n.text())
                        .collect::<Vec<_>>()
                        .join("\n")
                };
                let (bt, ht) = (text(bv), text(hv));
                let args = |t: &str, k: &str| -> Vec<String> {
                    if k == "args" || k == "entry" {
                        t.split_whitespace().map(str::to_string).collect()
                    } else {
                        invocations(t).flatten().collect()
                    }
                };
                let mut found = Vec::new();
                compare_options(
                    &options(&args(&bt, key)),
                    &options(&args(&ht, key)),
                    &path,
                    &mut found,
                );
                if found.is_empty() {
                    out.push((format!("changes {path}"), None));
                }
                out.extend(found);
            }
            "with" => {
                let input =
                    |v: Option<&Node>, k: &str| v.and_then(|w| w.get(k)).and_then(Node::text);
                let mut found = Vec::new();
                if input(hv, "exit-zero").is_some_and(|v| v.trim() == "true")
                    && input(bv, "exit-zero").is_none_or(|v| v.trim() != "true")
                {
                    found.push((
                        format!("sets exit-zero in {path}, so the review never fails"),
                        None,
                    ));
                }
                let lines = |v: Option<String>| -> Vec<String> {
                    v.unwrap_or_default()
                        .split(['\n', ','])
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect()
                };
                let to_options = |v: Option<&Node>| Options {
                    exit_zero: false,
                    fail_on: input(v, "fail-on").filter(|s| !s.trim().is_empty()),
                    pipeline: lines(input(v, "pipeline-principals")),
                    approvers: lines(input(v, "approvers")),
                    comment_key: input(v, "comment-key"),
                    status_context: input(v, "status-context"),
                };
                compare_options(&to_options(bv), &to_options(hv), &path, &mut found);
                let mut paths = Vec::new();
                differences(
                    &path,
                    bv.unwrap_or(&Node::Null),
                    hv.unwrap_or(&Node::Null),
                    &mut paths,
                    8,
                );
                if found.is_empty() {
                    out.push((format!("changes {}", paths.join(", ")), None));
                }
                out.extend(found);
            }
            "files" | "exclude" | "stages" | "types" | "types_or" | "exclude_types" => {
                out.push((
                    format!("changes {path}, which may narrow what the hook reviews"),
                    None,
                ));
            }
            _ => {
                let mut paths = Vec::new();
                differences(
                    &path,
                    bv.unwrap_or(&Node::Null),
                    hv.unwrap_or(&Node::Null),
                    &mut paths,
                    8,
                );
                out.push((format!("changes {}", paths.join(", ")), None));
            }
        }
    }
}

/// How the file `head` weakens `base` where it runs foureyes; `None` on a side: the file does
/// not act there (deleted, or moved where the CI does not read it). `local` says, per side,
/// whether a local action runs foureyes.
pub(crate) fn compare(
    kind: Kind,
    base: Option<&Node>,
    head: Option<&Node>,
    local_base: &dyn Fn(&str) -> bool,
    local_head: &dyn Fn(&str) -> bool,
) -> Vec<Found> {
    let mut out = Vec::new();
    let Some(base) = base else { return out };
    let base_runners = runners(kind, base, local_base);
    let base_include = if kind == Kind::GitLab {
        gitlab_foureyes_include(base)
    } else {
        None
    };
    if base_runners.is_empty() && base_include.is_none() {
        return out;
    }
    let Some(head) = head else {
        let what: Vec<String> = base_runners.iter().map(|(n, _)| n.clone()).collect();
        let what = if what.is_empty() {
            "its include of foureyes".to_string()
        } else if kind == Kind::Action {
            "its steps".to_string()
        } else {
            what.join(", ")
        };
        out.push((
            format!("no longer runs foureyes ({what} ran it)"),
            Some(Severity::Critical),
        ));
        return out;
    };
    if let Some(inc) = &base_include {
        if gitlab_foureyes_include(head).as_deref() != Some(inc) {
            match gitlab_foureyes_include(head) {
                None => out.push((
                    format!("no longer includes `{inc}`, which runs foureyes"),
                    Some(Severity::Critical),
                )),
                Some(_) => out.push(("changes its include of foureyes".to_string(), None)),
            }
        }
    }
    let head_runners = runners(kind, head, local_head);
    let head_map: BTreeMap<&str, &Node> =
        head_runners.iter().map(|(n, j)| (n.as_str(), *j)).collect();
    // Runners renamed: paired in order with head runners that base did not have.
    let mut unmatched_head: Vec<&(String, &Node)> = head_runners
        .iter()
        .filter(|(n, _)| !base_runners.iter().any(|(b, _)| b == n))
        .collect();
    for (name, job) in &base_runners {
        let (at, head_job) = match head_map.get(name.as_str()) {
            Some(h) => (name.clone(), *h),
            None if !unmatched_head.is_empty() => {
                let (n, h) = unmatched_head.remove(0);
                out.push((format!("renames {name} to {n}"), None));
                (n.clone(), *h)
            }
            None => {
                let gone = match kind {
                    Kind::PreCommit => "removes the foureyes hook".to_string(),
                    Kind::Action => "no longer runs foureyes (its steps did)".to_string(),
                    _ => {
                        if head_has(kind, head, name) {
                            format!("{name} no longer runs foureyes")
                        } else {
                            format!("removes {name}, which ran foureyes")
                        }
                    }
                };
                out.push((gone, Some(Severity::Critical)));
                continue;
            }
        };
        compare_job(kind, &at, job, head_job, local_base, local_head, &mut out);
    }
    if kind == Kind::PreCommit {
        // Where the hook comes from: another repository or revision is other code.
        let source = |doc: &Node, key: &str| {
            doc.get("repos")
                .map(Node::items)
                .unwrap_or_default()
                .into_iter()
                .find(|r| {
                    r.get("hooks")
                        .map(Node::items)
                        .unwrap_or_default()
                        .iter()
                        .any(|h| h.get("id").and_then(Node::text).as_deref() == Some("foureyes"))
                })
                .and_then(|r| r.get(key))
                .and_then(Node::text)
        };
        if !head_runners.is_empty() {
            for key in ["repo", "rev"] {
                let (b, h) = (source(base, key), source(head, key));
                if b != h {
                    out.push((
                        format!(
                            "changes the {key} of the foureyes hook from {} to {}",
                            b.as_deref().unwrap_or("none"),
                            h.as_deref().unwrap_or("none")
                        ),
                        None,
                    ));
                }
            }
        }
    }
    out.extend(governing_changes(kind, base, head));
    out
}

/// Changes to the keys of a file that govern the jobs that run foureyes (a workflow's `on`,
/// GitLab's `workflow`, which also govern the jobs of the files `.gitlab-ci.yml` includes).
pub(crate) fn governing_changes(kind: Kind, base: &Node, head: &Node) -> Vec<Found> {
    let mut out = Vec::new();
    for key in governing(kind) {
        if base.get(key) != head.get(key) {
            let mut paths = Vec::new();
            differences(
                key,
                base.get(key).unwrap_or(&Node::Null),
                head.get(key).unwrap_or(&Node::Null),
                &mut paths,
                8,
            );
            out.push((
                format!(
                    "changes {}, which governs what runs foureyes",
                    paths.join(", ")
                ),
                None,
            ));
        }
    }
    out
}

/// Whether the head file still has the job (by its path `jobs.ID` or GitLab id).
fn head_has(kind: Kind, head: &Node, name: &str) -> bool {
    match kind {
        Kind::Workflow => name
            .strip_prefix("jobs.")
            .is_some_and(|id| head.get("jobs").and_then(|j| j.get(id)).is_some()),
        _ => head.get(name).is_some(),
    }
}

/// Compare a job (or composite action's `runs`, or a hook) that runs foureyes on both sides:
/// its foureyes steps pairwise, its other steps, and its own keys.
fn compare_job(
    kind: Kind,
    at: &str,
    base: &Node,
    head: &Node,
    local_base: &dyn Fn(&str) -> bool,
    local_head: &dyn Fn(&str) -> bool,
    out: &mut Vec<Found>,
) {
    if base == head {
        return;
    }
    let has_steps = matches!(kind, Kind::Workflow | Kind::Action);
    let (Node::Map(b), Node::Map(h)) = (base, head) else {
        out.push((format!("changes {at}"), None));
        return;
    };
    if !has_steps {
        compare_runner(kind, at, base, head, out);
        return;
    }
    // The job's own keys, steps aside.
    let strip = |m: &BTreeMap<String, Node>| {
        let mut m = m.clone();
        m.remove("steps");
        Node::Map(m)
    };
    compare_runner(kind, at, &strip(b), &strip(h), out);
    let bs = base.get("steps").map(Node::items).unwrap_or_default();
    let hs = head.get("steps").map(Node::items).unwrap_or_default();
    let bf: Vec<usize> = (0..bs.len())
        .filter(|&i| step_runs(bs[i], local_base))
        .collect();
    let hf: Vec<usize> = (0..hs.len())
        .filter(|&i| step_runs(hs[i], local_head))
        .collect();
    for (k, &bi) in bf.iter().enumerate() {
        match hf.get(k) {
            Some(&hi) => compare_runner(kind, &format!("{at}.steps[{hi}]"), bs[bi], hs[hi], out),
            None => out.push((
                format!("removes the foureyes step {at}.steps[{bi}]"),
                Some(Severity::Critical),
            )),
        }
    }
    // The other steps of the job: before the review, they can change what it reads.
    let changed: Vec<String> = (0..hs.len())
        .filter(|i| !hf.contains(i))
        .filter(|&i| {
            !bs.iter()
                .enumerate()
                .any(|(j, s)| !bf.contains(&j) && *s == hs[i])
        })
        .map(|i| format!("{at}.steps[{i}]"))
        .collect();
    let removed = bs
        .iter()
        .enumerate()
        .filter(|(j, s)| !bf.contains(j) && !hs.contains(s))
        .count();
    if !changed.is_empty() {
        out.push((
            format!(
                "changes {} in the job that runs foureyes",
                changed.join(", ")
            ),
            None,
        ));
    } else if removed > 0 {
        out.push((
            format!("removes {removed} other step(s) of {at}, the job that runs foureyes"),
            None,
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controls::yaml::parse;

    fn none(_: &str) -> bool {
        false
    }

    fn cmp(kind: Kind, base: &str, head: Option<&str>) -> Vec<String> {
        let b = parse(base).expect("base");
        let h = head.map(|h| parse(h).expect("head"));
        compare(kind, Some(&b), h.as_ref(), &none, &none)
            .into_iter()
            .map(|(how, sev)| match sev {
                Some(s) => format!("{how} [{}]", s.as_str()),
                None => how,
            })
            .collect()
    }

    const WORKFLOW: &str = "on: pull_request\njobs:\n  review:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: foureyes review plan.json --fail-on high\n";

    #[test]
    fn scripts_that_run_foureyes() {
        assert!(invokes("set -e\n./bin/foureyes review plan.json"));
        assert!(invokes(
            "cargo install foureyes && foureyes github plan.json"
        ));
        assert!(!invokes("cargo install foureyes"));
        assert!(!invokes("echo foureyes is great"));
    }

    #[test]
    fn actions_by_reference() {
        assert!(foureyes_action("acme/foureyes@v1"));
        assert!(foureyes_action("acme/FourEyes/sub@abc"));
        assert!(foureyes_action("docker://ghcr.io/acme/foureyes:1"));
        assert!(!foureyes_action("actions/checkout@v4"));
    }

    #[test]
    fn reformatting_and_unrelated_workflows_are_nothing() {
        let reformatted = "jobs:\n  review:\n    steps: [{uses: 'actions/checkout@v4'}, {run: 'foureyes review plan.json --fail-on high'}]\n    runs-on: ubuntu-latest\non: [pull_request]\n";
        // `on` as a list is a change of value; the same value reformatted is not.
        assert_eq!(
            cmp(
                Kind::Workflow,
                WORKFLOW,
                Some(&WORKFLOW.replace("  review:", "  'review':"))
            ),
            Vec::<String>::new()
        );
        assert_eq!(cmp(Kind::Workflow, WORKFLOW, Some(reformatted)).len(), 1);
        let other = "on: push\njobs:\n  build:\n    steps:\n      - uses: actions/checkout@v3\n";
        assert!(cmp(Kind::Workflow, other, Some(&other.replace("v3", "v4"))).is_empty());
        assert!(cmp(Kind::Workflow, other, None).is_empty());
    }

    #[test]
    fn the_strong_cases_are_named() {
        let head = WORKFLOW
            .replace("--fail-on high", "--fail-on critical --exit-zero")
            .replace(
                "      - run:",
                "      - continue-on-error: true\n        if: false\n        run:",
            );
        assert_eq!(
            cmp(Kind::Workflow, WORKFLOW, Some(&head)),
            vec![
                "sets continue-on-error: true on jobs.review.steps[1], so a failing review passes",
                "adds the condition jobs.review.steps[1].if of what runs foureyes",
                "adds --exit-zero to jobs.review.steps[1].run, so the review never fails",
                "raises --fail-on in jobs.review.steps[1].run from high to critical [critical]",
            ]
        );
    }

    #[test]
    fn removing_foureyes_is_critical() {
        assert_eq!(
            cmp(Kind::Workflow, WORKFLOW, None),
            vec!["no longer runs foureyes (jobs.review ran it) [critical]"]
        );
        let gone = WORKFLOW.replace(
            "      - run: foureyes review plan.json --fail-on high\n",
            "",
        );
        assert_eq!(
            cmp(Kind::Workflow, WORKFLOW, Some(&gone)),
            vec!["jobs.review no longer runs foureyes [critical]"]
        );
    }

    #[test]
    fn gitlab_jobs_and_includes() {
        let base =
            "include:\n  - local: ci/review.yml\nsod:\n  script: [foureyes gitlab plan.json]\n";
        let head = "include: ci/review.yml\nsod:\n  allow_failure: true\n  script: [foureyes gitlab plan.json]\n";
        assert_eq!(
            cmp(Kind::GitLab, base, Some(head)),
            vec!["sets allow_failure: true on sod, so a failing review passes"]
        );
        assert_eq!(
            gitlab_includes(&parse(head).expect("yaml")),
            vec!["ci/review.yml"]
        );
        let component = "include:\n  - component: gitlab.com/acme/foureyes/review@1\n";
        assert_eq!(
            cmp(Kind::GitLab, component, Some("stages: [test]\n")),
            vec![
                "no longer includes `gitlab.com/acme/foureyes/review@1`, which runs foureyes [critical]",
                "changes stages, which governs what runs foureyes"
            ]
        );
    }

    #[test]
    fn pre_commit_hooks() {
        let base = "repos:\n  - repo: https://example.com/foureyes\n    rev: v1\n    hooks:\n      - id: foureyes\n      - id: fmt\n";
        let narrowed = base.replace("id: foureyes\n", "id: foureyes\n        files: ^none/\n");
        assert_eq!(
            cmp(Kind::PreCommit, base, Some(&narrowed)),
            vec!["changes hooks[id=foureyes].files, which may narrow what the hook reviews"]
        );
        let removed = base.replace("      - id: foureyes\n", "");
        assert_eq!(
            cmp(Kind::PreCommit, base, Some(&removed)),
            vec!["removes the foureyes hook [critical]"]
        );
        let bumped = base.replace("rev: v1", "rev: v2");
        assert_eq!(
            cmp(Kind::PreCommit, base, Some(&bumped)),
            vec!["changes the rev of the foureyes hook from v1 to v2"]
        );
    }
}
