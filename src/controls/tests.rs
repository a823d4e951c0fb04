//! The judgment of control files: what is read, and what weakens.

use super::*;

fn modified(path: &str) -> ChangedFile {
    ChangedFile {
        path: path.to_string(),
        status: Status::Modified,
    }
}

/// Read everything the judgment asks for from two maps of (path, text).
fn judge(
    changed: Vec<ChangedFile>,
    base: &[(&str, &str)],
    head: &[(&str, &str)],
    controls: &Controls,
) -> (Vec<(Side, String)>, Vec<String>) {
    let mut files = Files::new(changed);
    let mut asked = Vec::new();
    for _ in 0..ROUNDS {
        let wanted = files.wanted(controls);
        if wanted.is_empty() {
            break;
        }
        for (side, path) in wanted {
            let from = if side == Side::Base { base } else { head };
            let text = from
                .iter()
                .find(|(p, _)| *p == path)
                .map(|(_, t)| t.to_string());
            asked.push((side, path.clone()));
            files.insert(side, path, text);
        }
    }
    let found = tamperings(&files, controls)
        .into_iter()
        .map(|t| {
            let sev = t
                .severity
                .map_or(String::new(), |s| format!(" [{}]", s.as_str()));
            let possible = if t.possible { " (possible)" } else { "" };
            format!("{} {}{possible}{sev}", t.control.as_ref(), t.how.as_ref())
        })
        .collect();
    (asked, found)
}

#[test]
fn a_change_that_touches_no_control_reads_nothing() {
    let (asked, found) = judge(
        vec![modified("main.tf"), modified("src/lib.rs")],
        &[],
        &[],
        &Controls::default(),
    );
    assert!(asked.is_empty(), "{asked:?}");
    assert!(found.is_empty());
}

#[test]
fn paths_that_are_controls() {
    let c = Controls {
        config: Some("ci/foureyes.toml".into()),
        patterns: vec!["deploy/*.sh".into(), "policies/".into()],
    };
    assert_eq!(c.kind("a/b/.foureyes.toml"), Some(Kind::Config));
    assert_eq!(c.kind("ci/foureyes.toml"), Some(Kind::Config));
    assert_eq!(
        c.kind(".github/workflows/x.yaml"),
        Some(Kind::Ci(ci::Kind::Workflow))
    );
    assert_eq!(c.kind(".github/workflows/old/x.yml"), None);
    assert_eq!(c.kind("docs/CODEOWNERS"), Some(Kind::CodeOwners));
    assert_eq!(c.kind("src/CODEOWNERS"), None);
    assert_eq!(
        c.kind("tools/review/action.yaml"),
        Some(Kind::Ci(ci::Kind::Action))
    );
    assert_eq!(c.kind("deploy/run.sh"), Some(Kind::Pattern));
    assert_eq!(c.kind("policies/a/b.rego"), Some(Kind::Pattern));
    assert_eq!(c.kind("deploy/run.py"), None);
    assert_eq!(normalize("a/b", "../r.toml").as_deref(), Some("a/r.toml"));
    assert_eq!(normalize("", "../r.toml"), None);
    assert_eq!(normalize("", "/etc/r.toml"), None);
}

#[test]
fn a_ruleset_is_a_control_when_a_configuration_names_it() {
    let config = (
        "infra/.foureyes.toml",
        "rulesets = [\"../rules/extra.toml\"]\n",
    );
    let base_rules = "[[forbidden]]\nduties = [\"deploy\", \"secrets_admin\"]\nseverity = \"high\"\ntitle = \"t\"\nrationale = \"r\"\n";
    let head_rules = base_rules.replace("high", "low");
    let (_, found) = judge(
        vec![modified("rules/extra.toml")],
        &[config, ("rules/extra.toml", base_rules)],
        &[config, ("rules/extra.toml", &head_rules)],
        &Controls::default(),
    );
    // `rules/` is not below `infra/`: no configuration in its directories names it.
    assert!(found.is_empty(), "{found:?}");
    let config = (".foureyes.toml", "rulesets = [\"rules/extra.toml\"]\n");
    let (_, found) = judge(
        vec![modified("rules/extra.toml")],
        &[config, ("rules/extra.toml", base_rules)],
        &[config, ("rules/extra.toml", &head_rules)],
        &Controls::default(),
    );
    assert_eq!(
        found,
        vec!["rules/extra.toml lowers the severity of [[forbidden]] (deploy, secrets_admin) from high to low"]
    );
}

#[test]
fn a_newly_named_ruleset_is_judged_against_nothing() {
    let rules = "[[control]]\nprovider = \"github\"\ntype = \"github_branch_protection\"\nonly_when = { attribute = \"pattern\", values = [\"none\"] }\n";
    let (_, found) = judge(
        vec![modified(".foureyes.toml")],
        &[(".foureyes.toml", ""), ("r.toml", rules)],
        &[
            (".foureyes.toml", "rulesets = [\"r.toml\"]\n"),
            ("r.toml", rules),
        ],
        &Controls::default(),
    );
    assert_eq!(
        found,
        vec![".foureyes.toml reads the ruleset `r.toml`, which narrows where github_branch_protection is a control (only_when of an added [[control]])"]
    );
}

#[test]
fn an_unreadable_configuration_is_a_possible_weakening() {
    let (_, found) = judge(
        vec![modified(".foureyes.toml")],
        &[(".foureyes.toml", "approval_severity = \"high\"\n")],
        &[(".foureyes.toml", "approval_severity = \"\\u001b[2J\"\n")],
        &Controls::default(),
    );
    assert_eq!(found.len(), 1);
    assert!(
        found[0].contains("cannot be read: .foureyes.toml:1:21"),
        "{found:?}"
    );
    assert!(found[0].contains("\\u{1b}"), "escaped: {found:?}");
    assert!(found[0].ends_with("(possible)"));
}

const WORKFLOW: &str =
    "on: pull_request\njobs:\n  review:\n    steps:\n      - uses: ./.github/actions/sod\n";
const ACTION: &str = "runs:\n  using: composite\n  steps:\n    - run: foureyes github plan.json\n      shell: bash\n";

#[test]
fn a_workflow_that_runs_foureyes_through_a_local_action() {
    let head = WORKFLOW.replace("on: pull_request", "on: push");
    let (asked, found) = judge(
        vec![modified(".github/workflows/sod.yml")],
        &[
            (".github/workflows/sod.yml", WORKFLOW),
            (".github/actions/sod/action.yml", ACTION),
        ],
        &[
            (".github/workflows/sod.yml", &head),
            (".github/actions/sod/action.yml", ACTION),
        ],
        &Controls::default(),
    );
    assert!(asked.contains(&(Side::Base, ".github/actions/sod/action.yml".to_string())));
    assert_eq!(
        found,
        vec![".github/workflows/sod.yml changes on, which governs what runs foureyes"]
    );
}

#[test]
fn a_workflow_renamed_out_of_place_is_deleted() {
    let workflow =
        "on: pull_request\njobs:\n  review:\n    steps:\n      - run: foureyes review p.json\n";
    let (_, found) = judge(
        vec![ChangedFile {
            path: ".github/workflows/disabled/sod.yml".into(),
            status: Status::Renamed {
                from: ".github/workflows/sod.yml".into(),
            },
        }],
        &[(".github/workflows/sod.yml", workflow)],
        &[(".github/workflows/disabled/sod.yml", workflow)],
        &Controls::default(),
    );
    assert_eq!(
        found,
        vec![".github/workflows/sod.yml is moved to .github/workflows/disabled/sod.yml, where it does not run, and no longer runs foureyes (jobs.review ran it) [critical]"]
    );
}

#[test]
fn codeowners_shadowed_by_a_new_file() {
    let (asked, found) = judge(
        vec![ChangedFile {
            path: ".github/CODEOWNERS".into(),
            status: Status::Added,
        }],
        &[("CODEOWNERS", "*.tf @org/platform\n")],
        &[
            ("CODEOWNERS", "*.tf @org/platform\n"),
            (".github/CODEOWNERS", "*.md @docs\n"),
        ],
        &Controls::default(),
    );
    assert_eq!(asked.len(), 6);
    assert_eq!(
        found,
        vec![".github/CODEOWNERS replaces CODEOWNERS as the CODEOWNERS GitHub reads, and removes the rule for `*.tf` (@org/platform)"]
    );
}

#[test]
fn control_files_compare_bytes_without_trailing_whitespace() {
    let controls = Controls {
        config: None,
        patterns: vec!["deploy/*.sh".into()],
    };
    let (_, found) = judge(
        vec![modified("deploy/gate.sh")],
        &[("deploy/gate.sh", "exit 1\n")],
        &[("deploy/gate.sh", "exit 1   \n\n")],
        &controls,
    );
    assert!(found.is_empty());
    let (_, found) = judge(
        vec![modified("deploy/gate.sh")],
        &[("deploy/gate.sh", "exit 1\n")],
        &[("deploy/gate.sh", "exit 0\n")],
        &controls,
    );
    assert_eq!(
        found,
        vec!["deploy/gate.sh is changed (a file listed in control_files) (possible)"]
    );
}

#[test]
fn gitlab_includes_are_followed() {
    let root = "include:\n  - local: ci/a.yml\n";
    let a = "include: ci/b.yml\n";
    let b = "sod:\n  script:\n    - foureyes gitlab plan.json\n";
    let (_, found) = judge(
        vec![modified("ci/b.yml")],
        &[(".gitlab-ci.yml", root), ("ci/a.yml", a), ("ci/b.yml", b)],
        &[
            (".gitlab-ci.yml", root),
            ("ci/a.yml", a),
            ("ci/b.yml", &b.replace("plan.json", "plan.json --exit-zero")),
        ],
        &Controls::default(),
    );
    assert_eq!(
        found,
        vec!["ci/b.yml adds --exit-zero to sod.script, so the review never fails"]
    );
}

#[test]
fn a_job_that_calls_a_reusable_workflow_of_the_repository() {
    let caller = "on: pull_request\njobs:\n  sod:\n    uses: ./.github/workflows/review.yml\n";
    let callee =
        "on: workflow_call\njobs:\n  review:\n    steps:\n      - run: foureyes github plan.json\n";
    let (_, found) = judge(
        vec![modified(".github/workflows/pr.yml")],
        &[
            (".github/workflows/pr.yml", caller),
            (".github/workflows/review.yml", callee),
        ],
        &[
            (".github/workflows/pr.yml", "on: pull_request\njobs: {}\n"),
            (".github/workflows/review.yml", callee),
        ],
        &Controls::default(),
    );
    assert_eq!(
        found,
        vec![".github/workflows/pr.yml removes jobs.sod, which ran foureyes [critical]"]
    );
}

#[test]
fn an_unreadable_control_is_a_possible_weakening() {
    let mut files = Files::new(vec![modified(".github/workflows/sod.yml")]);
    files.insert(
        Side::Base,
        ".github/workflows/sod.yml".into(),
        Some("on: push\n".into()),
    );
    files.insert_unreadable(
        Side::Head,
        ".github/workflows/sod.yml".into(),
        "binary".into(),
    );
    let found = tamperings(&files, &Controls::default());
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].how.as_ref(), "cannot be read (binary)");
    assert!(found[0].possible);
    let mut big = Files::new(vec![modified(".foureyes.toml")]);
    big.insert(Side::Base, ".foureyes.toml".into(), Some(String::new()));
    big.insert(
        Side::Head,
        ".foureyes.toml".into(),
        Some("#".repeat(MAX_FILE_BYTES + 1)),
    );
    let found = tamperings(&big, &Controls::default());
    assert_eq!(
        found[0].how.as_ref(),
        "cannot be read (larger than 1024 KiB)"
    );
}

#[test]
fn a_control_renamed_within_its_place_is_compared_with_its_old_self() {
    let workflow =
        "on: pull_request\njobs:\n  review:\n    steps:\n      - run: foureyes review p.json\n";
    let renamed = ChangedFile {
        path: ".github/workflows/sod.yaml".into(),
        status: Status::Renamed {
            from: ".github/workflows/review.yml".into(),
        },
    };
    let (_, found) = judge(
        vec![renamed.clone()],
        &[(".github/workflows/review.yml", workflow)],
        &[(".github/workflows/sod.yaml", workflow)],
        &Controls::default(),
    );
    assert!(found.is_empty(), "{found:?}");
    let (_, found) = judge(
        vec![renamed],
        &[(".github/workflows/review.yml", workflow)],
        &[(
            ".github/workflows/sod.yaml",
            &workflow.replace("p.json", "p.json --exit-zero"),
        )],
        &Controls::default(),
    );
    assert_eq!(
        found,
        vec![".github/workflows/sod.yaml adds --exit-zero to jobs.review.steps[0].run, so the review never fails"]
    );
}

#[test]
fn codeowners_deleted() {
    let (_, found) = judge(
        vec![ChangedFile {
            path: "docs/CODEOWNERS".into(),
            status: Status::Deleted,
        }],
        &[("docs/CODEOWNERS", "* @acme/platform\n")],
        &[],
        &Controls::default(),
    );
    assert_eq!(
        found,
        vec!["docs/CODEOWNERS is deleted: no code owner is asked to review"]
    );
}

#[test]
fn a_configuration_renamed_away_is_reported_at_its_old_place() {
    let (_, found) = judge(
        vec![ChangedFile {
            path: "old/foureyes.toml.bak".into(),
            status: Status::Renamed {
                from: ".foureyes.toml".into(),
            },
        }],
        &[(".foureyes.toml", "pipeline_principals = [\"ci\"]\n")],
        &[("old/foureyes.toml.bak", "pipeline_principals = [\"ci\"]\n")],
        &Controls::default(),
    );
    assert_eq!(
        found,
        vec![".foureyes.toml removes the pipeline principal `ci`"]
    );
}
