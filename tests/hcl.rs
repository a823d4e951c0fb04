//! Reviewing `.tf` files without a plan (`--hcl-base DIR --hcl-head DIR`): each pair of trees
//! under `testdata/hcl/` reaches its verdict with the findings it must have (and none other),
//! what users see of it is snapshotted, bad trees are exit 2 naming the place, and every module
//! of the shared corpus reads without error.

mod common;

use common::{relative, root, run};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A pair of trees: its case, exit code, extra arguments, and the (rule, principal) pairs that
/// must fire.
type Case = (
    &'static str,
    i32,
    &'static [&'static str],
    &'static [(&'static str, &'static str)],
);

/// Every pair of trees. Pairs that must pass are the precision cases.
const EXPECTED: &[Case] = &[
    (
        "privilege-and-evidence",
        1,
        &[],
        &[("privilege-and-evidence", "aws:role/ci-deployer")],
    ),
    (
        "toxic-combination",
        1,
        &[],
        &[("toxic-combination", "aws:role/ops-automation")],
    ),
    (
        "self-escalation",
        1,
        &["--pipeline-principal", "terraform-ci"],
        &[("self-escalation", "aws:role/terraform-ci")],
    ),
    (
        "privileged-credential",
        1,
        &[],
        &[("privileged-credential", "aws:user/break-glass")],
    ),
    (
        "for-each-map",
        1,
        &[],
        &[("toxic-combination", "aws:user/carol")],
    ),
    (
        "module-call",
        1,
        &[],
        &[("privilege-and-evidence", "aws:role/ops-prod")],
    ),
    (
        "unresolvable-variable",
        1,
        &[],
        &[("toxic-combination", "aws:role/logs-janitor")],
    ),
    (
        "pipeline-from-provider",
        1,
        &[],
        &[("self-escalation", "aws:role/terraform-deploy")],
    ),
    ("control-tampering", 1, &[], &[("control-tampering", "")]),
    (
        "public-privilege",
        1,
        &[],
        &[("public-privilege", "aws:anyone")],
    ),
    (
        "unmodelled-identity",
        1,
        &["--config", "testdata/coverage/require-approval.toml"],
        &[("unmodelled-identity-change", "")],
    ),
    ("new-service", 0, &[], &[]),
    ("longer-retention", 0, &[], &[]),
    ("removed-grant", 0, &[], &[]),
    ("registry-module", 0, &[], &[]),
];

fn pair(case: &str) -> (String, String) {
    (
        format!("testdata/hcl/{case}/base"),
        format!("testdata/hcl/{case}/head"),
    )
}

fn review(case: &str, format: &str, extra: &[&str]) -> common::Run {
    let (base, head) = pair(case);
    let mut args = vec![
        "review",
        "--format",
        format,
        "--hcl-base",
        &base,
        "--hcl-head",
        &head,
    ];
    args.extend_from_slice(extra);
    run(&args)
}

fn json(case: &str, extra: &[&str]) -> (i32, Value) {
    let r = review(case, "json", extra);
    assert!(
        r.code == 0 || r.code == 1,
        "{case}: exit {}: {}",
        r.code,
        r.stderr
    );
    (
        r.code,
        serde_json::from_str(&r.stdout).expect("the report is JSON"),
    )
}

#[test]
fn every_pair_of_trees_reaches_its_verdict() {
    for (case, exit, extra, want) in EXPECTED {
        let (code, report) = json(case, extra);
        assert_eq!(code, *exit, "{case}: exit code\n{report:#}");
        common::assert_fired(&report, want, case);
        let input = &report["inputs"][0];
        assert_eq!(input["format_version"], "hcl", "{case}");
        assert_eq!(input["static_analysis"], true, "{case}");
    }
}

#[test]
fn every_pair_of_trees_is_in_the_table() {
    for entry in std::fs::read_dir(root().join("testdata/hcl")).expect("testdata/hcl") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        assert!(
            EXPECTED.iter().any(|(case, ..)| *case == name),
            "{}: add it to EXPECTED",
            relative(&path)
        );
        assert!(
            path.join("base").is_dir() && path.join("head").is_dir(),
            "{name}"
        );
    }
}

#[test]
fn snapshots_of_every_pair_of_trees() {
    for (case, _, extra, _) in EXPECTED {
        let text = review(case, "text", extra);
        insta::assert_snapshot!(format!("text@{case}"), text.stdout);
        let json = review(case, "json", extra);
        insta::assert_snapshot!(format!("json@{case}"), json.stdout);
    }
}

/// Every format says that the review is static analysis; a plan's report never does.
#[test]
fn every_format_says_it_is_static_analysis() {
    for format in ["text", "markdown", "sarif"] {
        let r = review("module-call", format, &[]);
        assert_eq!(r.code, 1, "{format}: {}", r.stderr);
        assert!(
            r.stdout
                .to_lowercase()
                .contains("static analysis of .tf files"),
            "{format}:\n{}",
            r.stdout
        );
        let plan = run(&["review", "--format", format, "testdata/example/plan.json"]);
        assert!(
            !plan.stdout.to_lowercase().contains("static analysis"),
            "{format}"
        );
    }
    let sarif: Value =
        serde_json::from_str(&review("module-call", "sarif", &[]).stdout).expect("SARIF");
    assert_eq!(sarif["runs"][0]["properties"]["staticAnalysis"], true);
}

/// The same tree on both sides is no change: the review passes with nothing reviewed.
#[test]
fn the_same_tree_on_both_sides_passes_with_nothing_reviewed() {
    let head = "testdata/hcl/module-call/head";
    let r = run(&[
        "review",
        "--format",
        "json",
        "--hcl-base",
        head,
        "--hcl-head",
        head,
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(report["verdict"], "pass");
    assert_eq!(report["changes"], serde_json::json!([]));
    assert_eq!(report["findings"], serde_json::json!([]));
}

#[test]
fn both_trees_are_needed_and_must_be_directories() {
    let r = run(&["review", "--hcl-base", "testdata/hcl/module-call/base"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--hcl-head"), "{}", r.stderr);
    let r = run(&[
        "review",
        "--hcl-base",
        "testdata/hcl/nope",
        "--hcl-head",
        "testdata/hcl/module-call/head",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .starts_with("error: testdata/hcl/nope: cannot read:"),
        "{}",
        r.stderr
    );
    let r = run(&[
        "review",
        "--hcl-base",
        "testdata/hcl/module-call/base/main.tf",
        "--hcl-head",
        "testdata/hcl/module-call/head",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        "error: testdata/hcl/module-call/base/main.tf: is not a directory: expected a directory \
         of `.tf` files\n"
    );
}

/// A syntax error is exit 2 naming the file, the line and the column, and what was expected;
/// what the file says reaches the terminal escaped.
#[test]
fn a_syntax_error_names_the_file_line_and_column() {
    let dir = tempfile::tempdir().expect("temp dir");
    let base = dir.path().join("base");
    let head = dir.path().join("head");
    std::fs::create_dir_all(head.join("modules/x")).expect("mkdir");
    std::fs::create_dir_all(&base).expect("mkdir");
    std::fs::write(
        head.join("modules/x/main.tf"),
        "resource \"aws_iam_role\" \"r\" {\n  name = \"ok\"\n  policy = \u{1b}[31m\n}\n",
    )
    .expect("write");
    let r = run(&[
        "review",
        "--hcl-base",
        base.to_str().expect("utf-8"),
        "--hcl-head",
        head.to_str().expect("utf-8"),
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stdout.is_empty());
    let want = format!(
        "error: {}/modules/x/main.tf:3:12: invalid HCL: ",
        head.display()
    );
    assert!(r.stderr.starts_with(&want), "{}", r.stderr);
    assert!(r.stderr.contains("expected"), "{}", r.stderr);
    assert!(!r.stderr.contains('\u{1b}'), "{:?}", r.stderr);
}

/// A hostile tree (brackets nested 100,000 deep) is refused in place, not a crash.
#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("main.tf"),
        format!(
            "locals {{\n  x = {}1{}\n}}\n",
            "[".repeat(100_000),
            "]".repeat(100_000)
        ),
    )
    .expect("write");
    let d = dir.path().to_str().expect("utf-8");
    let r = run(&["review", "--hcl-base", d, "--hcl-head", d]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("/main.tf:2:") && r.stderr.contains("nest deeper"),
        "{}",
        r.stderr
    );
}

/// The modules of the shared corpus (when there is one): each directory of `.tf` files reviews
/// as the head against an empty base, without error.
#[test]
fn every_module_of_the_corpus_reads_and_reviews() {
    let corpus = root().join("../shared/corpus/hcl");
    if !corpus.is_dir() {
        eprintln!("no corpus at {}: nothing to check", corpus.display());
        return;
    }
    fn modules(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        entries.sort();
        if entries
            .iter()
            .any(|p| p.extension().is_some_and(|e| e == "tf") && p.is_file())
        {
            out.push(dir.to_path_buf());
        }
        for p in entries {
            let hidden = p
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'));
            if p.is_dir() && !hidden {
                modules(&p, out);
            }
        }
    }
    let mut found = Vec::new();
    modules(&corpus, &mut found);
    let empty = tempfile::tempdir().expect("temp dir");
    let empty = empty.path().to_str().expect("utf-8").to_string();
    for module in &found {
        let head = module.to_str().expect("utf-8");
        let r = run(&[
            "review",
            "--exit-zero",
            "--format",
            "json",
            "--hcl-base",
            &empty,
            "--hcl-head",
            head,
        ]);
        assert_eq!(r.code, 0, "{head}: {}", r.stderr);
        let report: Value = serde_json::from_str(&r.stdout).expect("the report is JSON");
        assert_eq!(report["inputs"][0]["format_version"], "hcl", "{head}");
    }
    eprintln!("{} modules of the corpus reviewed", found.len());
}

/// A value from a variable declared `sensitive` is judged and never printed, in any format.
#[test]
fn a_sensitive_variable_is_judged_and_never_printed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let base = dir.path().join("base");
    let head = dir.path().join("head");
    std::fs::create_dir_all(&base).expect("mkdir");
    std::fs::create_dir_all(&head).expect("mkdir");
    let user = r#"
variable "operator" {
  type      = string
  sensitive = true
  default   = "zz-secret-operator"
}

resource "aws_iam_user" "operator" {
  name = var.operator
}

resource "aws_iam_user_policy_attachment" "operator" {
  user       = aws_iam_user.operator.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}

module "keys" {
  source = "./modules/keys"
  owner  = aws_iam_user.operator.name
}
"#;
    std::fs::write(base.join("main.tf"), user).expect("write");
    // The value goes through a module's argument and a resource's attribute into a policy.
    for side in [&base, &head] {
        std::fs::create_dir_all(side.join("modules/keys")).expect("mkdir");
        std::fs::write(
            side.join("modules/keys/main.tf"),
            r#"
variable "owner" {}

resource "aws_iam_role" "keys" {
  name = "keys-${var.owner}"
}

resource "aws_iam_role_policy" "keys" {
  role = aws_iam_role.keys.name
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Action = "kms:Decrypt", Resource = "arn:aws:kms:*:*:key/${var.owner}" }]
  })
}
"#,
        )
        .expect("write");
    }
    std::fs::write(
        head.join("main.tf"),
        format!("{user}\nresource \"aws_iam_access_key\" \"operator\" {{\n  user = aws_iam_user.operator.name\n}}\n"),
    )
    .expect("write");
    let (b, h) = (base.to_str().expect("utf-8"), head.to_str().expect("utf-8"));
    for format in ["text", "json", "markdown", "sarif"] {
        let r = run(&[
            "review",
            "--format",
            format,
            "--hcl-base",
            b,
            "--hcl-head",
            h,
        ]);
        assert_eq!(r.code, 1, "{format}: {}{}", r.stdout, r.stderr);
        assert!(
            !r.stdout.contains("zz-secret-operator") && !r.stderr.contains("zz-secret-operator"),
            "{format}:\n{}",
            r.stdout
        );
    }
}

/// Every report of a pair of trees follows `schemas/report.schema.json` (JSON) and the SARIF
/// 2.1.0 schema.
#[test]
fn every_report_of_trees_follows_its_schema() {
    let read = |path: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(root().join(path)).expect("the schema"))
            .expect("the schema is JSON")
    };
    let report = jsonschema::validator_for(&read("schemas/report.schema.json"))
        .expect("the schema compiles");
    let sarif = jsonschema::validator_for(&read("tests/schemas/sarif-schema-2.1.0.json"))
        .expect("the SARIF schema compiles");
    let mut failures = Vec::new();
    for (case, _, extra, _) in EXPECTED {
        for (format, validator) in [("json", &report), ("sarif", &sarif)] {
            let r = review(case, format, extra);
            let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
            for e in validator.iter_errors(&v) {
                failures.push(format!("{case} ({format}): at {}: {e}", e.instance_path()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Exceptions apply to findings from `.tf` files as to a plan's: valid, the finding is reported
/// and excepted; expired, it needs an approver again and `expired-exception` names it.
#[test]
fn exceptions_apply_to_findings_from_tf_files() {
    let config = ["--config", "testdata/exceptions/expired.toml"];
    let (code, report) = json(
        "privilege-and-evidence",
        &[config[0], config[1], "--today", "2026-10-31"],
    );
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["findings"][0]["rule"], "privilege-and-evidence");
    assert_eq!(report["findings"][0]["excepted"]["number"], 1);
    let (code, report) = json(
        "privilege-and-evidence",
        &[config[0], config[1], "--today", "2026-11-30"],
    );
    assert_eq!(code, 1, "{report:#}");
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert_eq!(rules, ["privilege-and-evidence", "expired-exception"]);
}

/// The review comment of a finding from `.tf` files, as a pull request would show it.
#[test]
fn the_comment_of_a_review_of_tf_files() {
    let r = review("module-call", "markdown", &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    insta::assert_snapshot!("markdown@module-call", r.stdout);
}
