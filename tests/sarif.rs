//! `review --format sarif` as code scanning receives it: every fixture's log validates against
//! the OASIS SARIF 2.1.0 schema, snapshots of each, and the content GitHub relies on.

mod common;

use common::{foureyes, json_files, relative, report, root};

use serde_json::Value;

/// The SARIF log of one input, as text.
fn sarif_text(path: &str) -> String {
    report("sarif", &[path])
}

fn log_of(path: &str) -> Value {
    serde_json::from_str(&sarif_text(path)).unwrap_or_else(|e| panic!("{path}: not JSON: {e}"))
}

/// The OASIS schema: the shared copy, or the one kept next to these tests when `../shared` is
/// not checked out.
fn schema() -> Value {
    let shared = root().join("../shared/schemas/sarif-schema-2.1.0.json");
    let path = if shared.exists() {
        shared
    } else {
        root().join("tests/schemas/sarif-schema-2.1.0.json")
    };
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("the schema is JSON")
}

/// Every fixture a review runs on, relative to the repository root.
fn fixtures() -> Vec<String> {
    let mut files = json_files(&root().join("testdata/plans"));
    files.extend(json_files(&root().join("testdata/providers")));
    files.push(root().join("testdata/example/plan.json"));
    files.sort();
    files.iter().map(|f| relative(f)).collect()
}

fn rule_ids(log: &Value) -> Vec<&str> {
    log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .map(|r| r["id"].as_str().expect("rule id"))
        .collect()
}

/// The rule ids `foureyes rules` lists (the first word of each line that starts one).
fn listed_rules() -> Vec<String> {
    let out = foureyes().arg("rules").output().expect("foureyes runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'))
        .filter(|w| w.contains('-'))
        .map(str::to_string)
        .collect()
}

#[test]
fn every_fixture_validates_against_the_sarif_schema() {
    let schema = schema();
    let validator = jsonschema::validator_for(&schema).expect("the SARIF schema compiles");
    let mut failures = Vec::new();
    let files = fixtures();
    assert!(files.len() > 20, "the fixtures are there: {files:?}");
    for path in &files {
        let log = log_of(path);
        for error in validator.iter_errors(&log) {
            failures.push(format!("{path}: at {}: {error}", error.instance_path()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The schema check is not vacuous: a log with a misspelt property, a bad level and a URI
/// that is no URI is refused, each error at its place.
#[test]
fn the_schema_check_refuses_a_broken_log() {
    let schema = schema();
    let validator = jsonschema::validator_for(&schema).expect("the SARIF schema compiles");
    let mut log = log_of("testdata/plans/privilege-and-evidence/trail-stopped.json");
    let result = &mut log["runs"][0]["results"][0];
    result["level"] = Value::from("fatal");
    result["ruleID"] = Value::from("privilege-and-evidence");
    log["$schema"] = Value::from("not a uri");
    let places: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| e.instance_path().to_string())
        .collect();
    for place in ["/runs/0/results/0/level", "/runs/0/results/0", "/$schema"] {
        assert!(places.iter().any(|p| p == place), "{place} in {places:?}");
    }
}

#[test]
fn sarif() {
    insta::glob!(
        "../testdata",
        "{plans/**/*.json,example/*.json,coverage/*.json}",
        |path| {
            let rel = relative(path);
            insta::assert_snapshot!(sarif_text(&rel));
        }
    );
}

#[test]
fn a_finding_is_one_result_pointing_at_its_rule_plan_and_resources() {
    let path = "testdata/plans/privilege-and-evidence/trail-stopped.json";
    let log = log_of(path);
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(
        log["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "foureyes");
    assert_eq!(run["tool"]["driver"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    assert_eq!(run["properties"]["verdict"], "approval_required");

    let rules = rule_ids(&log);
    for id in [
        "privilege-and-evidence",
        "toxic-combination",
        "self-escalation",
    ] {
        assert!(rules.contains(&id), "{id} in {rules:?}");
    }

    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), 1, "{results:#?}");
    let r = &results[0];
    assert_eq!(r["ruleId"], "privilege-and-evidence");
    assert_eq!(r["level"], "error");
    let index = usize::try_from(r["ruleIndex"].as_u64().expect("ruleIndex")).expect("an index");
    assert_eq!(rules[index], "privilege-and-evidence");
    let rule = &run["tool"]["driver"]["rules"][index];
    assert_eq!(rule["name"], "PrivilegeAndEvidence");
    assert_eq!(rule["defaultConfiguration"]["level"], "error");
    assert_eq!(rule["properties"]["security-severity"], "9.5");

    let location = &r["locations"][0];
    assert_eq!(
        location["physicalLocation"]["artifactLocation"]["uri"],
        path
    );
    assert_eq!(location["physicalLocation"]["region"]["startLine"], 1);
    let logical = location["logicalLocations"]
        .as_array()
        .expect("logicalLocations");
    assert!(
        logical
            .iter()
            .any(|l| l["fullyQualifiedName"] == "aws_cloudtrail.org" && l["kind"] == "resource"),
        "{logical:#?}"
    );
    assert!(
        logical
            .iter()
            .any(|l| l["fullyQualifiedName"] == "aws:role/ci-deployer" && l["kind"] == "principal"),
        "{logical:#?}"
    );
    let fingerprint = r["partialFingerprints"]["foureyesFinding/v2"]
        .as_str()
        .expect("our fingerprint");
    assert_eq!(fingerprint.len(), 64);
    assert!(fingerprint.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(r["properties"]["severity"], "critical");
    assert_eq!(r["properties"]["possible"], false);
}

#[test]
fn every_result_points_at_the_rule_it_names() {
    for path in fixtures() {
        let log = log_of(&path);
        let rules = rule_ids(&log);
        for r in log["runs"][0]["results"].as_array().expect("results") {
            let index = r["ruleIndex"].as_u64().expect("ruleIndex");
            let at = usize::try_from(index).expect("an index");
            assert_eq!(
                Some(&r["ruleId"].as_str().expect("ruleId")),
                rules.get(at),
                "{path}"
            );
        }
    }
}

#[test]
fn a_passing_plan_has_no_results_but_every_rule() {
    let log = log_of("testdata/plans/precision/new-service.json");
    let run = &log["runs"][0];
    assert!(run["results"].as_array().expect("results").is_empty());
    assert_eq!(run["properties"]["verdict"], "pass");
    let rules = rule_ids(&log);
    let listed = listed_rules();
    assert!(!listed.is_empty(), "`foureyes rules` lists rules");
    for id in &listed {
        assert!(rules.contains(&id.as_str()), "{id} in {rules:?}");
    }
    assert_eq!(rules.len(), listed.len(), "{rules:?} vs {listed:?}");
}

#[test]
fn the_same_plan_gives_byte_identical_logs() {
    for path in [
        "testdata/example/plan.json",
        "testdata/plans/privilege-and-evidence/log-group-deleted.json",
    ] {
        assert_eq!(sarif_text(path), sarif_text(path), "{path}");
    }
}

#[test]
fn stdin_and_dotted_paths_become_relative_uris() {
    let plan =
        std::fs::read(root().join("testdata/plans/privilege-and-evidence/trail-stopped.json"))
            .expect("the fixture");
    let out = foureyes()
        .args(["review", "--exit-zero", "--format", "sarif", "-"])
        .write_stdin(plan)
        .output()
        .expect("foureyes runs");
    let log: Value = serde_json::from_slice(&out.stdout).expect("the log is JSON");
    assert_eq!(
        log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "stdin.json"
    );
    let log = log_of("./testdata/plans/privilege-and-evidence/trail-stopped.json");
    assert_eq!(
        log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "testdata/plans/privilege-and-evidence/trail-stopped.json"
    );
}

/// A finding an exception covers is a result with a SARIF suppression (`external`, `accepted`)
/// that carries the exception, so code scanning shows it as suppressed rather than dropping it;
/// the log still validates.
#[test]
fn an_excepted_finding_is_a_suppressed_result() {
    let out = foureyes()
        .args([
            "review",
            "testdata/example/plan.json",
            "--format",
            "sarif",
            "--today",
            "2026-11-30",
            "--config",
            "testdata/exceptions/valid.toml",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let log: Value = serde_json::from_slice(&out.stdout).expect("SARIF is JSON");
    let validator = jsonschema::validator_for(&schema()).expect("the SARIF schema compiles");
    let errors: Vec<String> = validator.iter_errors(&log).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    let result = &log["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "privilege-and-evidence");
    let suppression = &result["suppressions"][0];
    assert_eq!(suppression["kind"], "external");
    assert_eq!(suppression["status"], "accepted");
    let justification = suppression["justification"].as_str().expect("text");
    for part in [
        "exception #1",
        "2026-12-31",
        "security@acme.example",
        "SEC-1234",
    ] {
        assert!(justification.contains(part), "{part}: {justification}");
    }
    // Without the exception, no suppression.
    let log = log_of("testdata/example/plan.json");
    assert!(log["runs"][0]["results"][0].get("suppressions").is_none());
}
