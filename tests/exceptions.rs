//! Exceptions as users write them in `.foureyes.toml`: valid, expiring, expired, unused,
//! partial and malformed ones, on the example plan, as of a fixed day (`--today`).

mod common;

use common::foureyes;
use serde_json::Value;

/// The day every test reviews on.
const TODAY: &str = "2026-11-30";
const PLAN: &str = "testdata/example/plan.json";

/// `foureyes review PLAN --config testdata/exceptions/NAME.toml --today TODAY`: exit code,
/// stdout and stderr.
fn review(name: &str, format: &str) -> (i32, String, String) {
    let out = foureyes()
        .args([
            "review", PLAN, "--format", format, "--today", TODAY, "--config",
        ])
        .arg(format!("testdata/exceptions/{name}.toml"))
        .output()
        .expect("runs");
    (
        out.status.code().expect("exit code"),
        String::from_utf8(out.stdout).expect("utf-8"),
        String::from_utf8(out.stderr).expect("utf-8"),
    )
}

fn json(name: &str) -> (i32, Value) {
    let (code, out, err) = review(name, "json");
    assert!(err.is_empty(), "{name}: {err}");
    (code, serde_json::from_str(&out).expect("a JSON report"))
}

/// What became of each exception: (number, state, findings, expiring).
fn states(report: &Value) -> Vec<(u64, String, u64, bool)> {
    report["exceptions"]
        .as_array()
        .expect("exceptions")
        .iter()
        .map(|e| {
            (
                e["number"].as_u64().expect("number"),
                e["state"].as_str().expect("state").to_string(),
                e["findings"].as_u64().expect("findings"),
                e["expiring"].as_bool().expect("expiring"),
            )
        })
        .collect()
}

#[test]
fn a_valid_exception_reports_the_finding_and_needs_no_approver() {
    let (code, report) = json("valid");
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["verdict"], "pass");
    let f = &report["findings"][0];
    assert_eq!(f["rule"], "privilege-and-evidence");
    assert_eq!(f["requires_approval"], false);
    assert_eq!(f["excepted"]["approved_by"], "security@acme.example");
    assert_eq!(f["excepted"]["expires"], "2026-12-31");
    assert_eq!(f["excepted"]["ticket"], "SEC-1234");
    assert_eq!(states(&report), [(1, "used".into(), 1, false)]);
    let (_, text, _) = review("valid", "text");
    insta::assert_snapshot!("valid", text);
}

#[test]
fn an_exception_expiring_within_14_days_is_announced() {
    let (code, report) = json("expiring");
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(states(&report), [(1, "used".into(), 1, true)]);
    assert_eq!(report["exceptions"][0]["days_left"], 5);
    let (_, text, _) = review("expiring", "text");
    assert!(
        text.lines().take(8).any(|l| l.contains("expiring:")
            && l.contains("exception #1")
            && l.contains("expires in 5 days (2026-12-05)")),
        "{text}"
    );
    let (_, markdown, _) = review("expiring", "markdown");
    assert!(markdown.contains(":hourglass:"), "{markdown}");
    insta::assert_snapshot!("expiring", text);
}

#[test]
fn an_expired_exception_covers_nothing_and_is_named() {
    let (code, report) = json("expired");
    assert_eq!(code, 1, "{report:#}");
    let rules: Vec<(&str, bool)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().expect("rule"),
                f["requires_approval"].as_bool().expect("bool"),
            )
        })
        .collect();
    assert_eq!(
        rules,
        [
            ("privilege-and-evidence", true),
            ("expired-exception", true)
        ]
    );
    let expired = &report["findings"][1];
    assert!(
        expired["message"].as_str().expect("message").starts_with(
            "exception #1 (testdata/exceptions/expired.toml:1, privilege-and-evidence"
        ),
        "{expired:#}"
    );
    assert!(report["findings"][0].get("excepted").is_none());
    // The second expired one would cover nothing: listed, fires nothing.
    assert_eq!(
        states(&report),
        [
            (1, "expired".into(), 1, false),
            (2, "expired".into(), 0, false)
        ]
    );
    let (_, text, _) = review("expired", "text");
    insta::assert_snapshot!("expired", text);
}

#[test]
fn an_exception_that_covers_nothing_is_listed_as_unused() {
    let (code, report) = json("unused");
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(
        states(&report),
        [(1, "used".into(), 1, false), (2, "unused".into(), 0, false)]
    );
    let (_, text, _) = review("unused", "text");
    assert!(
        text.contains("unused   exception #2") && text.contains("covers nothing in this change"),
        "{text}"
    );
    let (_, markdown, _) = review("unused", "markdown");
    insta::assert_snapshot!("unused-markdown", markdown);
}

/// An exception must match every resource the finding names: one on the trail alone does not
/// waive a finding that is also about a policy.
#[test]
fn an_exception_covering_part_of_a_finding_covers_nothing() {
    let (code, report) = json("partial");
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["findings"][0]["requires_approval"], true);
    assert_eq!(states(&report), [(1, "unused".into(), 0, false)]);
}

#[test]
fn malformed_exceptions_are_configuration_errors_with_their_lines() {
    let (code, out, err) = review("malformed", "text");
    assert_eq!(code, 2);
    assert!(out.is_empty(), "{out}");
    insta::assert_snapshot!("malformed", err);
    for expected in [
        "malformed.toml:1:1: [[exception]] #1: missing `reason`, `expires`",
        "malformed.toml:11:11: [[exception]] #2: `expires` = \"31/12/2026\" is not a date",
        "malformed.toml:15:12: [[exception]] #3: `resource` = \"*\" would cover everything",
        "malformed.toml:18:11: [[exception]] #3: `expires` = 2027-06-01 is more than 90 days",
        "malformed.toml:20:1: [[exception]] #4: there is no rule `self-escalaton`",
    ] {
        assert!(err.contains(expected), "{expected}\n{err}");
    }
    let (code, _, err) = review("unknown-key", "text");
    assert_eq!(code, 2);
    assert!(
        err.contains("unknown-key.toml:7:1: unknown field `approver`"),
        "{err}"
    );
}

#[test]
fn exceptions_never_cover_control_tampering() {
    let (code, out, err) = review("control", "text");
    assert_eq!(code, 2, "{out}");
    assert!(
        err.contains(
            "control.toml:1:1: [[exception]] #1: `control-tampering` findings cannot be excepted"
        ),
        "{err}"
    );
}

/// The maximum is configurable: a team may allow a longer exception, never an endless one.
#[test]
fn the_maximum_expiry_is_configurable() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let config = dir.path().join("c.toml");
    let exception = "[[exception]]\nrule = \"toxic-combination\"\nprincipal = \"aws:role/x\"\n\
                     reason = \"r\"\napproved_by = \"a\"\nexpires = 2027-03-30\n";
    let run = |text: &str| {
        std::fs::write(&config, text).expect("written");
        foureyes()
            .args(["review", PLAN, "--today", TODAY, "--config"])
            .arg(&config)
            .output()
            .expect("runs")
    };
    // 120 days out: refused by default, accepted with max_exception_days = 120.
    let out = run(exception);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("more than 90 days"));
    let out = run(&format!("max_exception_days = 120\n{exception}"));
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&format!("max_exception_days = 100000\n{exception}"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("max_exception_days = 100000"));
}

#[test]
fn a_bad_today_is_a_usage_error() {
    let out = foureyes()
        .args(["review", PLAN, "--today", "30/11/2026"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected a date like 2026-12-31"));
}

/// Reports with exceptions follow `schemas/report.schema.json` too.
#[test]
fn reports_with_exceptions_follow_the_schema() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(common::root().join("schemas/report.schema.json"))
            .expect("the schema"),
    )
    .expect("the schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    for name in ["valid", "expiring", "expired", "unused", "partial"] {
        let (_, report) = json(name);
        let errors: Vec<String> = validator
            .iter_errors(&report)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
    }
    // And the schema is strict: a field it does not name is refused.
    let (_, mut report) = json("valid");
    report["exceptions"][0]["surprise"] = Value::Bool(true);
    assert!(!validator.is_valid(&report));
    let (_, mut report) = json("valid");
    report["findings"][0]["excepted"]["surprise"] = Value::Bool(true);
    assert!(!validator.is_valid(&report));
}

include!("common/payload.rs");

/// The configuration is the change's own text: an exception's reason, approver and ticket
/// written by a hostile author reach the terminal and the comment escaped, on their own lines.
#[test]
fn hostile_exception_texts_are_escaped() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let config = dir.path().join("c.toml");
    let quoted = toml::Value::String(PAYLOAD.to_string()).to_string();
    std::fs::write(
        &config,
        format!(
            "[[exception]]\nrule = \"privilege-and-evidence\"\nprincipal = \"aws:role/ci-deployer\"\n\
             reason = {quoted}\napproved_by = {quoted}\nticket = {quoted}\nexpires = 2026-12-02\n"
        ),
    )
    .expect("written");
    for format in ["text", "markdown"] {
        let out = foureyes()
            .args([
                "review", PLAN, "--today", TODAY, "--format", format, "--config",
            ])
            .arg(&config)
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(0), "{format}");
        let text = String::from_utf8(out.stdout).expect("utf-8");
        for c in HIDDEN {
            assert!(!text.contains(*c), "{format}: {c:?} reached the output raw");
        }
        for line in text.lines() {
            assert!(!line.trim_start().starts_with("::"), "{format}: {line}");
            assert!(!line.starts_with("## Fake"), "{format}: {line}");
        }
        if format == "markdown" {
            assert!(!text.contains("<img"), "{text}");
            assert!(!text.contains("@mallory"), "{text}");
        }
    }
}
