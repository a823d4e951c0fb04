//! No silent pass: what foureyes does not model is counted in every report, and identity,
//! access, logging or audit changes it could not judge are named next to the verdict in every
//! format; the configuration can make them require approval. The JSON report follows its
//! schema.

mod common;

use common::{fired, json_files, relative, root, run};
use serde_json::Value;

/// The Google Cloud fixture: IAM of a type the Google provider does not read (Spanner), an
/// organization policy and an alert policy changed (Google's project IAM, keys and sinks are
/// modelled since issue 11).
const GCP: &str = "testdata/coverage/gcp-iam.json";
/// The OCI fixture: a policy, a group membership and the audit retention changed.
const OCI: &str = "testdata/coverage/oci-identity.json";
/// `unmodelled_identity = "require_approval"`.
const STRICT: &str = "testdata/coverage/require-approval.toml";

const GCP_TYPES: [&str; 3] = [
    "google_monitoring_alert_policy",
    "google_org_policy_policy",
    "google_spanner_database_iam_member",
];
const OCI_TYPES: [&str; 3] = [
    "oci_audit_configuration",
    "oci_identity_policy",
    "oci_identity_user_group_membership",
];

/// Regression (issue 9): every non-AWS plan printed "PASS … N resource changes reviewed",
/// Google Cloud and OCI IAM changes among them.
#[test]
fn unmodelled_identity_changes_are_named_next_to_the_verdict_in_every_format() {
    for (plan, types, other) in [
        (GCP, GCP_TYPES, "google_compute_network"),
        (OCI, OCI_TYPES, "oci_core_instance"),
    ] {
        let text = run(&["review", plan]);
        assert_eq!(text.code, 0, "{}", text.stderr);
        let mut lines = text.stdout.lines();
        let verdict = lines.next().expect("a verdict");
        assert!(verdict.starts_with("PARTIAL PASS"), "{plan}: {verdict}");
        // The second line, and the lines it wraps onto.
        let mut next = lines.next().expect("a second line").to_owned();
        for more in lines.take_while(|l| l.starts_with("    ")) {
            next.push(' ');
            next.push_str(more.trim());
        }
        assert!(next.contains("not reviewed: 3 changes"), "{plan}: {next}");
        for t in types {
            assert!(next.contains(&format!("{t} (1)")), "{plan}: {t} in {next}");
        }
        assert!(
            !next.contains(other),
            "{plan}: {other} is not identity: {next}"
        );

        let md = run(&["review", "--format", "markdown", plan]);
        assert_eq!(md.code, 0, "{}", md.stderr);
        assert!(
            md.stdout.starts_with("### :warning: Partial pass"),
            "{}",
            md.stdout
        );
        let summary = md
            .stdout
            .lines()
            .find(|l| l.contains("**Not reviewed:**"))
            .expect("the not-reviewed line");
        for t in types {
            assert!(
                summary.contains(&t.replace('_', "\\_")),
                "{plan}: {t} in {summary}"
            );
        }
        assert!(common::parse(&md.stdout).problems.is_empty());

        let json = run(&["review", "--format", "json", plan]);
        let v: Value = serde_json::from_str(&json.stdout).expect("json");
        assert_eq!(v["verdict"], "pass");
        assert_eq!(v["coverage"]["partial"], true);
        let listed: Vec<(&str, bool)> = v["coverage"]["not_reviewed"]
            .as_array()
            .expect("not_reviewed")
            .iter()
            .map(|n| (n["type"].as_str().expect("type"), n["identity"] == true))
            .collect();
        let mut want: Vec<(&str, bool)> = types.iter().map(|t| (*t, true)).collect();
        want.push((other, false));
        want.sort();
        assert_eq!(listed, want, "{plan}");

        let sarif = run(&["review", "--format", "sarif", plan]);
        let v: Value = serde_json::from_str(&sarif.stdout).expect("sarif");
        let note = &v["runs"][0]["invocations"][0]["toolExecutionNotifications"][0];
        assert_eq!(note["level"], "warning", "{sarif:?}", sarif = sarif.stdout);
        let text = note["message"]["text"].as_str().expect("a message");
        for t in types {
            assert!(text.contains(t), "{plan}: {t} in {text}");
        }
    }
}

/// With `unmodelled_identity = "require_approval"`, the same changes need an independent
/// approver, through a finding of their own that names each resource.
#[test]
fn the_configuration_can_make_them_require_approval() {
    for (plan, types) in [(GCP, GCP_TYPES), (OCI, OCI_TYPES)] {
        let r = run(&["review", "--format", "json", "--config", STRICT, plan]);
        assert_eq!(r.code, 1, "{}", r.stderr);
        let v: Value = serde_json::from_str(&r.stdout).expect("json");
        assert_eq!(v["verdict"], "approval_required");
        let f = &v["findings"][0];
        assert_eq!(f["rule"], "unmodelled-identity-change");
        assert_eq!(f["requires_approval"], true);
        assert_eq!(f["resources"].as_array().expect("resources").len(), 3);
        for t in types {
            assert!(
                f["resources"]
                    .as_array()
                    .expect("resources")
                    .iter()
                    .any(|a| a.as_str().is_some_and(|a| a.starts_with(&format!("{t}.")))),
                "{t} in {f}"
            );
        }
    }
    // Nothing unmodelled about identity: nothing to approve, even so configured.
    let r = run(&[
        "review",
        "--format",
        "json",
        "--config",
        STRICT,
        "testdata/plans/precision/new-service.json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(fired(&serde_json::from_str(&r.stdout).expect("json")).is_empty());
}

/// Ordinary AWS changes foureyes does not model (a Lambda function) are counted, and leave a
/// pass a clean pass.
#[test]
fn ordinary_unmodelled_changes_are_counted_not_flagged() {
    let r = run(&["review", "testdata/plans/precision/new-service.json"]);
    assert_eq!(r.code, 0);
    assert!(
        r.stdout
            .starts_with("PASS — no independent approval required"),
        "{}",
        r.stdout
    );
    assert!(r
        .stdout
        .contains("Not reviewed (types foureyes does not model)"));
    let r = run(&[
        "review",
        "--format",
        "json",
        "testdata/plans/precision/new-service.json",
    ]);
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v["coverage"]["partial"], false);
    assert!(v["coverage"]["not_reviewed"]
        .as_array()
        .expect("not_reviewed")
        .iter()
        .all(|n| n["identity"] == false));
}

/// The configuration refuses a value it does not know, naming the file.
#[test]
fn a_bad_unmodelled_identity_setting_is_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("c.toml");
    std::fs::write(&config, "unmodelled_identity = \"ignore\"\n").expect("write");
    let r = run(&["review", "--config", config.to_str().expect("utf-8"), GCP]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("not one of warn, require_approval"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty());
}

/// Every JSON report of every fixture follows `schemas/report.schema.json`, which documents
/// every field (no field it does not name).
#[test]
fn every_json_report_follows_the_schema() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("schemas/report.schema.json")).expect("the schema"),
    )
    .expect("the schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let mut files = Vec::new();
    for dir in [
        "testdata/plans",
        "testdata/example",
        "testdata/coverage",
        "testdata/hostile",
        "testdata/providers",
        "testdata/previews/ops",
        "testdata/previews/identity",
        "testdata/previews/providers",
    ] {
        files.extend(json_files(&root().join(dir)));
    }
    assert!(files.len() > 30);
    for f in files {
        let rel = relative(&f);
        let r = run(&["review", "--format", "json", "--exit-zero", &rel]);
        assert_eq!(r.code, 0, "{rel}: {}", r.stderr);
        let report: Value = serde_json::from_str(&r.stdout).expect("json");
        let errors: Vec<String> = validator
            .iter_errors(&report)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{rel}: {errors:#?}");
    }
}
