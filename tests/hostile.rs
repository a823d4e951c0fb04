//! A hostile author wrote the plan: keys spelled with escapes, keys given twice, text that
//! tries to drive the terminal, the CI log or the review comment. Each test says what broke.

mod common;
#[path = "common/github.rs"]
mod fake;
#[path = "common/gitlab.rs"]
mod gitlab;

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

include!("common/payload.rs");

fn h(field: &str) -> String {
    format!("H-{field}-{PAYLOAD}")
}

/// A plan with the payload in every text field foureyes reads: addresses (a `for_each` key),
/// module addresses, names, actions, reasons, previous addresses, values, policies, drift, the
/// format and Terraform versions, and the pipeline identity in the provider configuration.
fn hostile_plan() -> String {
    let key = |field: &str| format!("[{}]", serde_json::to_string(&h(field)).expect("json"));
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Sid": h("sid"), "Effect": "Allow", "Action": "iam:*", "Resource": "*"}]
    })
    .to_string();
    let module = format!("module.m{}", key("module"));
    serde_json::json!({
        "format_version": format!("1.2{}", h("format_version")),
        "terraform_version": h("terraform_version"),
        "resource_changes": [
            {
                "address": format!("{module}.aws_iam_role_policy.p{}", key("address")),
                "module_address": module,
                "previous_address": format!("aws_iam_role_policy.old{}", key("previous_address")),
                "type": "aws_iam_role_policy",
                "name": "p",
                "index": h("address"),
                "action_reason": h("action_reason"),
                "change": {
                    "actions": ["create"],
                    "before": null,
                    "after": {"role": h("role"), "policy": policy},
                    "after_unknown": {},
                }
            },
            {
                "address": format!("aws_cloudtrail.t{}", key("trail")),
                "type": "aws_cloudtrail",
                "name": "t",
                "change": {
                    "actions": ["update", h("action")],
                    "before": {"name": h("trail.name"), "enable_logging": true},
                    "after": {"name": h("trail.name"), "enable_logging": false},
                    "after_unknown": {},
                }
            },
            {
                "address": format!("aws_iam_role.r{}", key("role.address")),
                "type": "aws_iam_role",
                "name": "r",
                "change": {
                    "actions": ["create"],
                    "before": null,
                    "after": {
                        "name": h("role.name"),
                        "assume_role_policy": serde_json::json!({
                            "Statement": [{
                                "Effect": "Allow",
                                "Action": "sts:AssumeRole",
                                "Principal": {"AWS": format!("arn:aws:iam::111122223333:role/{}", h("trusted"))}
                            }]
                        }).to_string(),
                    },
                    "after_unknown": {"policy": true},
                }
            },
            {
                "address": format!("x_{}.y", h("type")),
                "type": h("type"),
                "name": "y",
                "change": {"actions": ["create"], "before": null, "after": {}, "after_unknown": {}}
            }
        ],
        "resource_drift": [{
            "address": format!("aws_cloudtrail.d{}", key("drift")),
            "type": "aws_cloudtrail",
            "name": "d",
            "change": {
                "actions": ["delete", h("drift.action")],
                "before": {"enable_logging": true},
                "after": {"enable_logging": false},
            }
        }],
        "configuration": {
            "provider_config": {"aws": {"name": "aws", "expressions": {"assume_role": [
                {"role_arn": {"constant_value": format!("arn:aws:iam::111122223333:role/{}", h("pipeline"))}}
            ]}}},
            "root_module": {}
        }
    })
    .to_string()
}

/// Text a person reads (a terminal, a CI log): no hidden character, and no line that starts a
/// workflow command, except foureyes' own.
fn assert_safe_log(what: &str, text: &str) {
    for c in HIDDEN {
        assert!(!text.contains(*c), "{what}: {c:?} reached it raw:\n{text}");
    }
    for line in text.lines() {
        let line = line.trim_start();
        let ours = line.starts_with("::stop-commands::")
            || line.starts_with("::warning title=foureyes::")
            || line.starts_with("::error title=foureyes::")
            || (line.starts_with("::")
                && line.ends_with("::")
                && line[2..line.len() - 2]
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit()));
        assert!(
            ours || !line.starts_with("::"),
            "{what}: a workflow command from the plan: {line}"
        );
    }
}

/// A Markdown report or comment: plan text only ever becomes text, and no character of the
/// payload is hidden in it.
/// Everything a run of `foureyes github` printed or wrote for the job is safe for the log, and
/// its job summary for Markdown.
fn assert_safe_run(r: &fake::Run) {
    assert_safe_log("stdout", &r.stdout);
    assert_safe_log("stderr", &r.stderr);
    assert_safe_log("outputs", &r.outputs);
    assert_safe_markdown("job summary", &r.summary);
}

/// The bodies of the comments posted to the stand-in.
fn posted(fake: &fake::Fake) -> Vec<String> {
    fake.with(|s| {
        s.comments
            .iter()
            .map(|c| c["body"].as_str().unwrap_or_default().to_owned())
            .collect()
    })
}

fn assert_safe_markdown(what: &str, md: &str) {
    for c in HIDDEN {
        assert!(!md.contains(*c), "{what}: {c:?} reached it raw:\n{md}");
    }
    let parsed = common::parse(md);
    assert!(
        parsed.problems.is_empty(),
        "{what}: {:#?}\n{md}",
        parsed.problems
    );
    for heading in &parsed.headings {
        assert!(!heading.contains("Fake heading"), "{what}: {heading}");
    }
    assert!(
        !parsed.texts.contains("@mallory") && !parsed.texts.contains("#123"),
        "{what}: a live mention or reference"
    );
}

/// The text of every plan field reached every format, and did nothing there but show itself:
/// `change.actions` came out raw in the changes table and the drift list, and in the terminal.
#[test]
fn plan_text_in_every_field_is_only_ever_text_in_every_format() {
    let plan = hostile_plan();
    let (code, text, err) = review_text(&plan, "text");
    assert_eq!(code, 1, "{err}");
    assert_safe_log("text", &text);
    // The pipeline identity is the last part of the role ARN's path: what follows the
    // payload's last `/`, escaped all the same.
    assert!(
        text.contains("  pipeline identity: aws:role/details> <!-- foureyes:comment"),
        "{text}"
    );
    for field in [
        "address",
        "action",
        "trail",
        "drift",
        "drift.action",
        "role",
    ] {
        assert!(
            text.contains(&format!("H-{field}-\\n::error::pwned")),
            "text: {field} is not shown escaped:\n{text}"
        );
    }
    let (code, md, err) = review_text(&plan, "markdown");
    assert_eq!(code, 1, "{err}");
    assert_safe_markdown("markdown", &md);
    for field in ["address", "action", "drift.action", "role"] {
        let escaped = format!("H\\-{}\\-", field.replace('.', "\\."));
        assert!(md.contains(&escaped), "markdown: no {field}:\n{md}");
    }
    let (code, json, err) = review_text(&plan, "json");
    assert_eq!(code, 1, "{err}");
    let v: Value = serde_json::from_str(&json).expect("the JSON report parses");
    assert_eq!(
        v["changes"][0]["actions"][1],
        h("action"),
        "JSON keeps the data"
    );
    let (code, sarif, err) = review_text(&plan, "sarif");
    assert_eq!(code, 1, "{err}");
    let v: Value = serde_json::from_str(&sarif).expect("the SARIF log parses");
    for r in v["runs"][0]["results"].as_array().expect("results") {
        let m = r["message"]["text"].as_str().expect("a message");
        assert!(!m.contains(HIDDEN), "SARIF: {m:?}");
    }
}

/// The same plan through `foureyes github`: the job log, the job summary, the outputs and the
/// comment it posts.
#[tokio::test(flavor = "multi_thread")]
async fn plan_text_is_only_ever_text_on_github() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("plan.json");
    std::fs::write(&path, hostile_plan()).expect("write");
    let path = path.to_str().expect("utf-8");
    for dry in [true, false] {
        let fake = fake::Fake::start().await;
        let args: Vec<&str> = if dry {
            vec!["--dry-run", path]
        } else {
            vec![path]
        };
        let r = fake::run(
            &fake,
            "pull_request",
            &args,
            "ghs_hostileTestToken0123456789abcdef",
        )
        .await;
        assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
        assert_safe_run(&r);
        let posted = posted(&fake);
        assert_eq!(posted.len(), usize::from(!dry));
        for body in posted {
            // foureyes' own hidden lines only: the marker first, the state last.
            let markers: Vec<&str> = body.lines().filter(|l| l.starts_with("<!--")).collect();
            let report: String = body
                .lines()
                .filter(|l| !l.starts_with("<!-- foureyes:"))
                .collect::<Vec<_>>()
                .join("\n");
            assert_safe_markdown("comment", &report);
            assert!(markers[0].starts_with("<!-- foureyes:comment key=\"default\""));
            assert!(markers
                .last()
                .is_some_and(|l| l.starts_with("<!-- foureyes:state ")));
            assert!(
                markers.iter().all(|l| l.starts_with("<!-- foureyes:")),
                "{markers:?}"
            );
            assert_eq!(
                markers.len(),
                4,
                "marker, approval section, its end, state: {markers:?}"
            );
        }
    }
}

/// The pull request's file names are the author's text too: a workflow removed under a name
/// that holds the payload is named in the finding, and only ever as text.
#[tokio::test(flavor = "multi_thread")]
async fn file_names_are_only_ever_text_on_github() {
    // NOTE: a `/` would make the payload's links directories of their own.
    let name = format!(".github/workflows/{}.yml", h("file").replace('/', "|"));
    let workflow = "on: pull_request\njobs:\n  review:\n    runs-on: ubuntu-latest\n    \
                    steps:\n      - run: foureyes github plan.json\n";
    for dry in [true, false] {
        let fake = fake::Fake::start().await;
        fake.with(|s| {
            s.file(&name, "removed", None);
            s.content(fake::MERGE_BASE, &name, workflow);
        });
        let mut args = vec!["testdata/plans/precision/new-service.json"];
        if dry {
            args.insert(0, "--dry-run");
        }
        let r = fake::run(
            &fake,
            "pull_request",
            &args,
            "ghs_hostileTestToken0123456789abcdef",
        )
        .await;
        assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
        assert!(
            r.stdout.contains("H-file-"),
            "the file is named: {}",
            r.stdout
        );
        assert_safe_run(&r);
        let posted = posted(&fake);
        assert_eq!(posted.len(), usize::from(!dry));
        for body in posted {
            assert!(body.contains("H\\-file\\-"), "the file is named: {body}");
            let report: String = body
                .lines()
                .filter(|l| !l.starts_with("<!-- foureyes:"))
                .collect::<Vec<_>>()
                .join("\n");
            assert_safe_markdown("comment", &report);
        }
    }
}

/// Plan text in an error message reached the CI log raw: a key or a `format_version` holding
/// a line break and `::error::` started a workflow command on stderr.
#[test]
fn errors_quote_plan_text_escaped_on_one_line() {
    let cases = [
        // A key given twice, with a workflow command in it.
        r#"{"format_version":"1.2","a\n::error::pwned":1,"a\n::error::pwned":2}"#.to_owned(),
        // A format this foureyes does not read, with a workflow command in its version.
        r#"{"format_version":"2.0\n::add-mask::x\r\n::stop-commands::y\u001b[2J","resource_changes":[]}"#
            .to_owned(),
        // A resource change that is not as Terraform writes it: serde quotes the bad value.
        r#"{"format_version":"1.2","resource_changes":[{"address":"a","type":"t","change":{"actions":"\n::error::pwned\u202e"}}]}"#
            .to_owned(),
        // A key that is not valid, and text after the plan.
        "{\"format_version\":\"1.2\",\"\\u202e\\n::error::x\":[}".to_owned(),
    ];
    for plan in cases {
        let (code, out, err) = review_text(&plan, "text");
        assert_eq!(code, 2, "{plan}: {out}");
        assert!(out.is_empty(), "no partial report: {out}");
        assert!(err.starts_with("error: "), "{err}");
        assert_eq!(err.lines().count(), 1, "{plan}: one line: {err}");
        assert_safe_log("stderr", &err);
    }
}

/// GitLab runs quick actions (`/approve`, `/merge`, ...) from the lines of a note that start
/// with one: the payload, with quick actions on lines of their own, in every string of a plan
/// (and of the JSON documents held in its strings).
fn with_quick_actions(value: &mut Value) {
    const ACTIONS: &str = "\n/approve\n/merge\n/assign_reviewer @mallory\n  /close\n";
    match value {
        Value::String(text) => {
            if let Ok(mut inner) = serde_json::from_str::<Value>(text) {
                if inner.is_object() {
                    with_quick_actions(&mut inner);
                    *text = inner.to_string();
                    return;
                }
            }
            *text = text.replace("::error::pwned", &format!("::error::pwned{ACTIONS}"));
        }
        Value::Array(items) => items.iter_mut().for_each(with_quick_actions),
        Value::Object(map) => map.values_mut().for_each(with_quick_actions),
        _ => {}
    }
}

/// Everything a run of `foureyes gitlab` printed or wrote for the job is safe for the log,
/// and its report for Markdown; `gitlab::run` checks that no quick action ran.
fn assert_safe_gitlab_run(r: &gitlab::Run) {
    assert_safe_log("stdout", &r.stdout);
    assert_safe_log("stderr", &r.stderr);
    assert_safe_log("dotenv", &r.dotenv);
    assert_safe_markdown("report", &r.report);
}

/// The notes foureyes posted: plan text only ever text, and foureyes' own hidden lines only,
/// the marker first, then the state, and the note's seal last.
fn assert_safe_notes(fake: &gitlab::Fake) {
    let bodies: Vec<String> = fake.with(|s| {
        s.own_notes()
            .iter()
            .map(|n| n["body"].as_str().unwrap_or_default().to_owned())
            .collect()
    });
    for body in bodies {
        let markers: Vec<&str> = body.lines().filter(|l| l.starts_with("<!--")).collect();
        let report: String = body
            .lines()
            .filter(|l| !l.starts_with("<!-- foureyes:"))
            .collect::<Vec<_>>()
            .join("\n");
        assert_safe_markdown("note", &report);
        assert!(markers[0].starts_with("<!-- foureyes:comment key=\"default\""));
        assert!(markers
            .last()
            .is_some_and(|l| l.starts_with("<!-- foureyes:note-seal ")));
        assert!(markers
            .iter()
            .rev()
            .nth(1)
            .is_some_and(|l| l.starts_with("<!-- foureyes:state ")));
        assert!(
            markers.iter().all(|l| l.starts_with("<!-- foureyes:")),
            "{markers:?}"
        );
    }
}

/// The hostile plan through `foureyes gitlab`, with quick actions on lines of their own: the
/// job log, the report, the dotenv report and the note it posts; no quick action ever runs.
#[tokio::test(flavor = "multi_thread")]
async fn plan_text_is_only_ever_text_on_gitlab() {
    let mut plan: Value = serde_json::from_str(&hostile_plan()).expect("the plan is JSON");
    with_quick_actions(&mut plan);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("plan.json");
    std::fs::write(&path, plan.to_string()).expect("write");
    let path = path.to_str().expect("utf-8");
    for dry in [true, false] {
        let fake = gitlab::Fake::start().await;
        let args: Vec<&str> = if dry {
            vec!["--dry-run", path]
        } else {
            vec![path]
        };
        let r = gitlab::run(&fake, &args, gitlab::TOKEN).await;
        assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
        assert_safe_gitlab_run(&r);
        assert_eq!(
            fake.with(|s| s.own_notes().len()),
            usize::from(!dry),
            "{}",
            r.stdout
        );
        assert_safe_notes(&fake);
    }
}

/// What others write on the merge request is inert too: notes with the payload, a fake marker
/// and quick actions, a commit whose author and co-author are the payload, and an approver
/// whose name is.
#[tokio::test(flavor = "multi_thread")]
async fn note_commit_and_profile_text_is_only_ever_text_on_gitlab() {
    let fake = gitlab::Fake::start().await;
    let quick = "\n/approve\n/merge\n";
    fake.with(|s| {
        s.note("heidi", &format!("{PAYLOAD}{quick}"));
        s.note(
            "heidi",
            &format!("<!-- foureyes:comment key=\"default\" schema=2 seal=x -->\n{PAYLOAD}"),
        );
        s.commits[1]["author_name"] = h("author").into();
        s.commits[1]["author_email"] = format!("{}@example.com", h("email")).into();
        s.commits[1]["message"] = format!(
            "Stop the trail\n\nCo-authored-by: {} <x@example.com>",
            h("co-author")
        )
        .into();
        s.set_user(66, "mallory", &h("name"), &h("public_email"), false);
    });
    let r = gitlab::run(&fake, &["testdata/example/plan.json"], gitlab::TOKEN).await;
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_safe_gitlab_run(&r);
    fake.with(|s| s.approve("mallory", Some("2026-11-22T09:00:00.000Z")));
    let r = gitlab::run(&fake, &[], gitlab::TOKEN).await;
    assert!(r.code == 0 || r.code == 1, "{}{}", r.stdout, r.stderr);
    assert_safe_gitlab_run(&r);
    assert_safe_notes(&fake);
    // The human notes are left as they were.
    let bodies = fake.with(|s| s.bodies());
    assert_eq!(bodies[0], format!("{PAYLOAD}{quick}"));
}
