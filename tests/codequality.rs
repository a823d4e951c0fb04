//! `review --format codequality` as GitLab's merge-request widget reads it: every fixture's
//! report follows the Code Quality format (`schemas/codequality.schema.json`), fingerprints are
//! unique within a report and stable, severities follow the findings, and excepted findings
//! are `info`.

mod common;

use common::{foureyes, json_files, relative, report, root};
use serde_json::Value;

fn schema() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("schemas/codequality.schema.json"))
            .expect("the schema"),
    )
    .expect("the schema is JSON");
    jsonschema::validator_for(&schema).expect("the schema compiles")
}

#[test]
fn every_fixture_follows_the_code_quality_format() {
    let validator = schema();
    let mut files = json_files(&root().join("testdata/plans"));
    files.extend(json_files(&root().join("testdata/providers")));
    files.push(root().join("testdata/example/plan.json"));
    assert!(files.len() > 30);
    let mut issues_seen = 0;
    for f in files {
        let rel = relative(&f);
        let text = report("codequality", &[&rel]);
        let issues: Value = serde_json::from_str(&text).expect("JSON");
        let errors: Vec<String> = validator
            .iter_errors(&issues)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{rel}: {errors:#?}");
        let list = issues.as_array().expect("an array");
        let mut prints: Vec<&str> = list
            .iter()
            .map(|i| i["fingerprint"].as_str().expect("fingerprint"))
            .collect();
        prints.sort_unstable();
        prints.dedup();
        assert_eq!(prints.len(), list.len(), "{rel}: fingerprints are unique");
        // One issue per finding, with the finding's rule.
        let json: Value = serde_json::from_str(&report("json", &[&rel])).expect("JSON");
        let rules: Vec<&str> = json["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| f["rule"].as_str().expect("rule"))
            .collect();
        let checks: Vec<&str> = list
            .iter()
            .map(|i| i["check_name"].as_str().expect("check"))
            .collect();
        assert_eq!(checks, rules, "{rel}");
        issues_seen += list.len();
    }
    assert!(
        issues_seen > 20,
        "the fixtures have findings: {issues_seen}"
    );
}

#[test]
fn severities_and_exceptions() {
    let issues: Value =
        serde_json::from_str(&report("codequality", &["testdata/example/plan.json"]))
            .expect("JSON");
    assert_eq!(issues[0]["severity"], "blocker", "critical is a blocker");
    assert_eq!(issues[0]["location"]["path"], "testdata/example/plan.json");
    let out = foureyes()
        .args([
            "review",
            "testdata/example/plan.json",
            "--format",
            "codequality",
            "--today",
            "2026-11-30",
            "--config",
            "testdata/exceptions/valid.toml",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let excepted: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(excepted[0]["severity"], "info");
    let description = excepted[0]["description"].as_str().expect("text");
    assert!(
        description.contains("excepted by exception #1") && description.contains("SEC-1234"),
        "{description}"
    );
    // The same finding keeps its fingerprint, excepted or not.
    assert_eq!(excepted[0]["fingerprint"], issues[0]["fingerprint"]);
    // A review without findings is an empty report.
    let empty: Value = serde_json::from_str(&report(
        "codequality",
        &["testdata/plans/precision/new-service.json"],
    ))
    .expect("JSON");
    assert_eq!(empty, serde_json::json!([]));
}
