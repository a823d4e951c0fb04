//! The decision record (`--record FILE`) of `foureyes github` and `foureyes gitlab`: what an
//! auditor reads — the plan's digest, the head, the findings, every reviewer and why they count
//! or not, the gate — valid against `schemas/record.schema.json`, and the same bytes for the
//! same decision.

mod common;
#[path = "common/github.rs"]
mod github;
#[path = "common/gitlab.rs"]
mod gitlab;

use common::root;
use serde_json::Value;

/// A plan that needs an independent approval.
const RISKY: &str = "testdata/example/plan.json";
/// After the fakes' clock (08:00): approvals given once the comment is there.
const LATER: &str = "2026-11-22T09:00:00Z";
const GITHUB_TOKEN: &str = "ghs_canaryTOKEN0123456789abcdefghijklmnop";

fn validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("schemas/record.schema.json")).expect("the schema"),
    )
    .expect("the schema is JSON");
    jsonschema::validator_for(&schema).expect("the schema compiles")
}

#[track_caller]
fn valid(record: &str) -> Value {
    let v: Value = serde_json::from_str(record).expect("the record is JSON");
    let errors: Vec<String> = validator()
        .iter_errors(&v)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{record}");
    v
}

/// The SHA-256 of a file of the repository, in hex.
fn sha256(path: &str) -> String {
    use sha2::Digest as _;
    let bytes = std::fs::read(root().join(path)).expect("readable");
    sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn github_records_who_approved_and_why_they_count() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("record.json");
    let record = path.to_str().expect("UTF-8");
    let fake = github::Fake::start().await;
    let first = github::run(
        &fake,
        "pull_request",
        &[RISKY, "--record", record],
        GITHUB_TOKEN,
    )
    .await;
    assert_eq!(first.code, 1, "{}{}", first.stdout, first.stderr);
    let v = valid(&std::fs::read_to_string(&path).expect("written"));
    assert_eq!(v["forge"], "GitHub");
    assert_eq!(v["run"], "plan");
    assert_eq!(v["change_request"]["head"], github::HEAD);
    assert_eq!(v["inputs"][0]["name"], RISKY);
    assert_eq!(v["inputs"][0]["sha256"], sha256(RISKY));
    assert_eq!(v["verdict"], "approval_required");
    assert_eq!(v["gate"]["open"], false);
    assert_eq!(v["gate"]["status"], "failure");
    assert_eq!(v["time"], "2026-11-22T08:00:00Z", "the forge's clock");
    let findings = v["findings"].as_array().expect("findings");
    assert!(findings.iter().any(|f| f["requires_approval"] == true));
    // An approval by a commit's author, and an independent one.
    fake.with(|s| {
        s.review("bob", "User", "APPROVED", github::HEAD, LATER);
        s.review("ivan", "User", "APPROVED", github::HEAD, LATER);
    });
    let gate = github::run(
        &fake,
        "pull_request_review",
        &["--record", record],
        GITHUB_TOKEN,
    )
    .await;
    assert_eq!(gate.code, 0, "{}{}", gate.stdout, gate.stderr);
    let text = std::fs::read_to_string(&path).expect("written");
    let v = valid(&text);
    assert_eq!(v["run"], "review");
    assert_eq!(v["inputs"], serde_json::json!([]));
    assert_eq!(v["approved_by"], serde_json::json!(["ivan"]));
    assert_eq!(v["gate"]["open"], true);
    let reviewers = v["reviewers"].as_array().expect("reviewers");
    let bob = reviewers.iter().find(|r| r["login"] == "bob").expect("bob");
    assert_eq!(bob["counted"], false);
    assert!(
        bob["reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("author of")),
        "{bob}"
    );
    let ivan = reviewers
        .iter()
        .find(|r| r["login"] == "ivan")
        .expect("ivan");
    assert_eq!(ivan["counted"], true);
    assert_eq!(ivan["commit"], github::HEAD);
    // The same decision, the same bytes.
    let again = github::run(
        &fake,
        "pull_request_review",
        &["--record", record],
        GITHUB_TOKEN,
    )
    .await;
    assert_eq!(again.code, 0);
    assert_eq!(std::fs::read_to_string(&path).expect("written"), text);
}

#[tokio::test(flavor = "multi_thread")]
async fn gitlab_records_the_decision_too() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("record.json");
    let record = path.to_str().expect("UTF-8");
    let fake = gitlab::Fake::start().await;
    let first = gitlab::run(&fake, &[RISKY, "--record", record], gitlab::TOKEN).await;
    assert_eq!(first.code, 1, "{}{}", first.stdout, first.stderr);
    fake.with(|s| s.approve("ivan", Some(LATER)));
    let gate = gitlab::run(&fake, &[RISKY, "--record", record], gitlab::TOKEN).await;
    assert_eq!(gate.code, 0, "{}{}", gate.stdout, gate.stderr);
    let text = std::fs::read_to_string(&path).expect("written");
    let v = valid(&text);
    assert_eq!(v["forge"], "GitLab");
    assert_eq!(v["change_request"]["name"], "merge request !7");
    assert_eq!(v["inputs"][0]["sha256"], sha256(RISKY));
    assert_eq!(v["approved_by"], serde_json::json!(["ivan"]));
    assert_eq!(v["gate"]["status"], "success");
    // Neither token is in it (the run helper checks stdout and the files it knows).
    for secret in [gitlab::TOKEN, gitlab::JOB_TOKEN] {
        assert!(!text.contains(secret));
    }
}
