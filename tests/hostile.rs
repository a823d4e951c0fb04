//! A hostile author wrote the plan: keys spelled with escapes, keys given twice, text that
//! tries to drive the terminal, the CI log or the review comment. Each test says what broke.

mod common;

use common::{foureyes, root};
use serde_json::Value;

/// The example plan's text.
fn example() -> String {
    std::fs::read_to_string(root().join("testdata/example/plan.json")).expect("the example plan")
}

/// Review a plan given as text; returns exit code, stdout and stderr.
fn review_text(plan: &str, format: &str) -> (i32, String, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("plan.json");
    std::fs::write(&path, plan).expect("write");
    let out = foureyes()
        .args(["review", "--format", format])
        .arg(&path)
        .output()
        .expect("foureyes runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("UTF-8 stdout"),
        String::from_utf8(out.stderr).expect("UTF-8 stderr"),
    )
}

/// `"resource\u005fchanges"` was skipped as an unknown key, so the plan passed with 0 changes
/// where any JSON reader sees them all.
#[test]
fn an_escaped_key_means_what_json_says() {
    let plain = example();
    let (code, want, _) = review_text(&plain, "json");
    assert_eq!(code, 1);
    for (from, to) in [
        ("\"resource_changes\"", "\"resource\\u005fchanges\""),
        ("\"format_version\"", "\"\\u0066ormat_version\""),
        ("\"configuration\"", "\"configur\\u0061tion\""),
    ] {
        assert!(plain.contains(from), "{from}");
        let escaped = plain.replacen(from, to, 1);
        let (code, got, err) = review_text(&escaped, "json");
        assert_eq!(code, 1, "{to}: {err}");
        let (want, got): (Value, Value) = (
            serde_json::from_str(&want).expect("json"),
            serde_json::from_str(&got).expect("json"),
        );
        assert_eq!(want["findings"], got["findings"], "{to}");
        assert_eq!(want["changes"], got["changes"], "{to}");
        assert_eq!(want["principals"], got["principals"], "{to}");
    }
    // Inside a resource change and inside its values too.
    let escaped = plain
        .replace("\"actions\"", "\"\\u0061ctions\"")
        .replace("\"enable_logging\"", "\"enable\\u005flogging\"");
    let (code, got, err) = review_text(&escaped, "json");
    assert_eq!(code, 1, "{err}");
    let got: Value = serde_json::from_str(&got).expect("json");
    let want: Value = serde_json::from_str(&want).expect("json");
    assert_eq!(want["evidence_weakened"], got["evidence_weakened"]);
}

/// A key given twice (once spelled with an escape) slipped past the duplicate-key check.
#[test]
fn a_key_given_twice_is_refused_however_it_is_spelled() {
    let plain = example();
    let twice = plain.replacen(
        "\"format_version\"",
        "\"format\\u005fversion\": \"1.2\", \"format_version\"",
        1,
    );
    let (code, out, err) = review_text(&twice, "json");
    assert_eq!(code, 2, "{out}");
    assert!(err.contains("`format_version` appears twice"), "{err}");
    assert!(err.starts_with("error: "), "{err}");

    // Inside the values that are read: which of the two policies is the real one?
    let policy =
        r#"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"iam:*\",\"Resource\":\"*\"}]}"#;
    let plan = format!(
        r#"{{"format_version":"1.2","resource_changes":[{{"address":"aws_iam_role_policy.p","type":"aws_iam_role_policy","name":"p","change":{{"actions":["create"],"before":null,"after":{{"role":"ci","policy":"{policy}","p\u006flicy":"{{}}"}},"after_unknown":{{}}}}}}]}}"#
    );
    let (code, _, err) = review_text(&plan, "json");
    assert_eq!(code, 2);
    assert!(err.contains("`policy` appears twice"), "{err}");
    assert!(err.starts_with("error: "), "{err}");
}

/// A 100 MB role name took 2.25 GB: every copy of the name (the principal id, every grant,
/// every message) held all of it. A value longer than 1 MiB is now read as a short stand-in
/// that stays distinct, and a policy that long is unreadable, so a possible privilege.
#[test]
fn an_overlong_value_is_read_as_a_distinct_stand_in() {
    let long = |c: char| c.to_string().repeat(2 << 20);
    let admin =
        r#"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"iam:*\",\"Resource\":\"*\"}]}"#;
    let change = |name: &str, role: &str, policy: &str| {
        format!(
            r#"{{"address":"aws_iam_role_policy.{name}","type":"aws_iam_role_policy","name":"{name}","change":{{"actions":["create"],"before":null,"after":{{"role":"{role}","policy":"{policy}"}},"after_unknown":{{}}}}}}"#
        )
    };
    let plan = format!(
        r#"{{"format_version":"1.2","resource_changes":[{},{},{},{}]}}"#,
        change("a", &long('a'), admin),
        change("b", &long('b'), admin),
        change("c", "ci", &format!("{{{}}}", long(' '))),
        r#"{"address":"aws_cloudtrail.org","type":"aws_cloudtrail","name":"org","change":{"actions":["delete"],"before":{"name":"org"},"after":null}}"#,
    );
    let (code, out, err) = review_text(&plan, "json");
    assert_eq!(code, 1, "{err}");
    assert!(out.len() < 64 * 1024, "the report is {} bytes", out.len());
    let report: Value = serde_json::from_str(&out).expect("json");
    let ids: Vec<&str> = report["principals"]
        .as_array()
        .expect("principals")
        .iter()
        .filter_map(|p| p["id"].as_str())
        .collect();
    let stand_ins: Vec<&&str> = ids
        .iter()
        .filter(|id| id.contains("bytes, too long to read; sha256:"))
        .collect();
    assert_eq!(stand_ins.len(), 2, "two distinct long names: {ids:?}");
    assert!(stand_ins[0].starts_with("aws:role/aaaa"), "{ids:?}");
    assert!(stand_ins[1].starts_with("aws:role/bbbb"), "{ids:?}");
    // The policy too long to read is a possible privilege of `ci`, not nothing.
    let ci = report["principals"]
        .as_array()
        .expect("principals")
        .iter()
        .find(|p| p["id"] == "aws:role/ci")
        .expect("ci is reported");
    assert_eq!(ci["gained"][0]["unknown"], true, "{ci}");
}
