//! Input formats as users meet them: the format of an input is recognised from its first bytes,
//! whatever the order of its keys; each input is read once, stdin included; and what no format
//! reads (a directory, for now) is refused with exit 2.

mod common;

use common::{foureyes, root, run};
use serde_json::Value;

const PREVIEW: &str = "testdata/previews/sensitive-secrets.json";
const PLAN: &str = "testdata/example/plan.json";

/// The JSON report of `input` (a path, or `-` with `stdin`), its input names blanked so that
/// copies of one input compare equal. The exit code must be 0 or 1.
fn reviewed(input: &str, stdin: Option<Vec<u8>>) -> (i32, Value) {
    let mut cmd = foureyes();
    cmd.args(["review", "--format", "json", input]);
    if let Some(bytes) = stdin {
        cmd.write_stdin(bytes);
    }
    let out = cmd.output().expect("foureyes runs");
    let code = out.status.code().unwrap_or(-1);
    assert!(
        code == 0 || code == 1,
        "{input}: exit {code}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut report: Value = serde_json::from_slice(&out.stdout).expect("the report is JSON");
    for i in report["inputs"].as_array_mut().expect("inputs") {
        i["name"] = Value::from("INPUT");
    }
    (code, report)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).expect("the fixture")
}

/// A JSON object written with its members in the given order (and each value pretty).
fn object(members: &[(&str, &Value)]) -> String {
    let body: Vec<String> = members
        .iter()
        .map(|(k, v)| format!("  {}: {v:#}", Value::from(*k)))
        .collect();
    format!("{{\n{}\n}}\n", body.join(",\n"))
}

#[test]
fn a_directory_is_refused_naming_it() {
    let r = run(&["review", "testdata/plans"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert_eq!(
        r.stderr,
        "error: testdata/plans: is a directory that no input format reads: expected a pair of \
         `.tf` trees (`--hcl-base DIR --hcl-head DIR`)\n"
    );
    // Among other inputs too: nothing is reported.
    let r = run(&["review", PLAN, "testdata/previews"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert!(r
        .stderr
        .starts_with("error: testdata/previews: is a directory"));
}

/// Stdin is streamed, not held: a preview read twice (as it once was, first as a plan) would
/// find it empty the second time.
#[test]
fn a_preview_from_stdin_is_read_once_and_reviews_as_from_its_file() {
    let from_file = reviewed(PREVIEW, None);
    assert_eq!(from_file.0, 1);
    let from_stdin = reviewed("-", Some(read(PREVIEW).into_bytes()));
    assert_eq!(from_stdin, from_file);
    let plan = reviewed(PLAN, None);
    assert_eq!(reviewed("-", Some(read(PLAN).into_bytes())), plan);
}

#[test]
fn a_preview_reviews_the_same_whatever_the_order_of_its_keys() {
    let want = reviewed(PREVIEW, None);
    let preview: Value = serde_json::from_str(&read(PREVIEW)).expect("JSON");
    let get = |k: &str| &preview[k];
    let padding = Value::from(vec![
        serde_json::json!({"severity": "info", "message": "x".repeat(80)});
        1000
    ]);
    let dir = tempfile::tempdir().expect("temp dir");
    for (i, text) in [
        // As `jq -S` writes it: `changeSummary` first.
        serde_json::to_string_pretty(&preview).expect("JSON"),
        // `steps` last, after everything else.
        object(&[
            ("duration", get("duration")),
            ("changeSummary", get("changeSummary")),
            ("config", get("config")),
            ("steps", get("steps")),
        ]),
        // `steps` after more than the first 64 KiB, the preview said by `diagnostics`.
        object(&[
            ("config", get("config")),
            ("diagnostics", &padding),
            ("changeSummary", get("changeSummary")),
            ("steps", get("steps")),
        ]),
    ]
    .into_iter()
    .enumerate()
    {
        let path = dir.path().join(format!("preview-{i}.json"));
        std::fs::write(&path, &text).expect("write");
        let got = reviewed(path.to_str().expect("utf-8"), None);
        assert_eq!(got, want, "variant {i}");
    }
}

#[test]
fn a_plan_whose_first_64_kib_hold_only_planned_values_is_a_plan() {
    let want = reviewed(PLAN, None);
    let text = read(PLAN);
    assert_eq!(text.matches("\"planned_values\":").count(), 1);
    // The plan's own `planned_values` under another name (skipped, as unknown keys are), and
    // a `planned_values` longer than the first bytes in front of everything.
    let text = text.replacen("\"planned_values\":", "\"planned_values_before\":", 1);
    let text = format!(
        "{{\"planned_values\": {{\"pad\": \"{}\"}},{}",
        "x".repeat(70 << 10),
        text.trim_start().strip_prefix('{').expect("an object")
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("plan.json");
    std::fs::write(&path, text).expect("write");
    assert_eq!(reviewed(path.to_str().expect("utf-8"), None), want);
}

/// Windows tools write a byte-order mark; a plan with one was always read, and a preview with
/// one is now too.
#[test]
fn a_byte_order_mark_is_skipped() {
    for fixture in [PLAN, PREVIEW] {
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend(read(fixture).into_bytes());
        assert_eq!(
            reviewed("-", Some(bytes)),
            reviewed(fixture, None),
            "{fixture}"
        );
    }
}

/// JSON objects that are neither a plan nor a preview are refused in the words they always had:
/// one that no format recognises by the plan reader's checks, which say what it is not.
#[test]
fn objects_that_are_neither_plan_nor_preview_are_refused_as_before() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (text, says) in [
        (
            r#"{"config": {"a": "b"}}"#,
            "not a Terraform plan: there is no `format_version`",
        ),
        (
            r#"{"changeSummary": {"create": 1}, "config": {}}"#,
            "this looks like `pulumi preview --json` output without `steps`",
        ),
        (
            r#"{"plan_format_version": "1.2", "resource_changes": []}"#,
            "this is an HCP Terraform redacted JSON plan",
        ),
    ] {
        let path = dir.path().join("input.json");
        std::fs::write(&path, text).expect("write");
        let name = path.to_str().expect("utf-8");
        let r = run(&["review", name]);
        assert_eq!(r.code, 2, "{text}: {}", r.stderr);
        assert!(
            r.stderr.starts_with(&format!("error: {name}: {says}")),
            "{text}: {}",
            r.stderr
        );
    }
}
