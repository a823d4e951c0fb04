//! Pulumi previews as users feed them in: every step op is one change judged once, the
//! attachments and inline policies of one role land on one principal whether its name is known
//! or not, addresses read `TYPE.NAME`, and what Pulumi writes that is not a preview is refused
//! with an error that says what to run instead.

mod common;

use common::{fired, root, run, strings};
use serde_json::Value;
use std::fmt::Write as _;

/// The JSON report of a preview, and the exit code.
fn json(args: &[&str]) -> (i32, Value) {
    let mut all = vec!["review", "--format", "json"];
    all.extend_from_slice(args);
    let r = run(&all);
    assert!(
        r.code == 0 || r.code == 1,
        "{args:?}: exit {}: {}",
        r.code,
        r.stderr
    );
    (
        r.code,
        serde_json::from_str(&r.stdout).expect("the report is JSON"),
    )
}

/// The changes a report lists, as `ADDRESS ACTIONS`.
fn changes(report: &Value) -> Vec<String> {
    report["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            format!(
                "{} {}",
                c["address"].as_str().expect("address"),
                strings(&c["actions"]).join(",")
            )
        })
        .collect()
}

const PE: &str = "privilege-and-evidence";

/// Each op's preview: its exit code, what the report says of `ci-iam` (the role policy the op
/// applies to; `None` where it is no change), and the findings.
///
/// The trail stops logging in every preview but `delete` (which deletes it) and the refreshes
/// (where it was stopped outside Pulumi): whether approval is needed says whether the op gave
/// `ci-deployer` IAM administration.
type Op = (
    &'static str,
    i32,
    Option<&'static str>,
    &'static [(&'static str, &'static str)],
);

const OPS: &[Op] = &[
    (
        "create",
        1,
        Some("aws_iam_role_policy.ci-iam create"),
        &[(PE, "aws:role/ci-deployer")],
    ),
    (
        "update",
        1,
        Some("aws_iam_role_policy.ci-iam update"),
        &[(PE, "aws:role/ci-deployer")],
    ),
    // The new policy is unknown: it may grant anything.
    (
        "update-unknown",
        1,
        Some("aws_iam_role_policy.ci-iam update"),
        &[(PE, "aws:role/ci-deployer")],
    ),
    // Removing a grant and a trail gives nobody anything.
    ("delete", 0, Some("aws_iam_role_policy.ci-iam delete"), &[]),
    // IAM administration held before and after is no gain.
    ("same", 0, None, &[]),
    (
        "replace",
        1,
        Some("aws_iam_role_policy.ci-iam create,delete"),
        &[(PE, "aws:role/ci-deployer")],
    ),
    // `--show-replacement-steps`: three steps, one change.
    (
        "replace-steps",
        1,
        Some("aws_iam_role_policy.ci-iam create,delete"),
        &[(PE, "aws:role/ci-deployer")],
    ),
    // The halves without the logical step, the old deleted first (`deleteBeforeReplace`).
    (
        "replace-halves",
        1,
        Some("aws_iam_role_policy.ci-iam delete,create"),
        &[(PE, "aws:role/ci-deployer")],
    ),
    // The old object goes and nothing says what replaces it: all of the new one is unknown,
    // its role too, so it goes by its own address and may be granted anything.
    (
        "delete-replaced",
        1,
        Some("aws_iam_role_policy.ci-iam create,delete"),
        &[(PE, "aws:role/aws_iam_role_policy.ci-iam")],
    ),
    // An import adopts what exists: nothing is gained.
    ("import", 0, None, &[]),
    (
        "import-replacement",
        1,
        Some("aws_iam_role_policy.ci-iam create,delete"),
        &[(PE, "aws:role/ci-deployer")],
    ),
    ("read", 0, None, &[]),
    ("read-replacement", 0, None, &[]),
    ("discard", 0, None, &[]),
    ("discard-replaced", 0, None, &[]),
    // `pulumi preview --refresh`: the trail was stopped outside Pulumi. Drift, as in a
    // Terraform plan: reported, not done by this change.
    ("refresh", 0, Some("aws_iam_role_policy.ci-iam create"), &[]),
    (
        "refresh-then-update",
        0,
        Some("aws_iam_role_policy.ci-iam create"),
        &[],
    ),
    // The object was deleted when its replacement began; the state forgets it.
    (
        "remove-pending-replace",
        0,
        Some("aws_iam_role_policy.ci-iam forget"),
        &[],
    ),
];

#[test]
fn every_op_is_one_change_judged_once() {
    let dir = root().join("testdata/previews/ops");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .expect("testdata/previews/ops")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut listed: Vec<String> = OPS.iter().map(|(f, ..)| format!("{f}.json")).collect();
    listed.sort();
    assert_eq!(files, listed, "every op fixture has its row, and no more");
    let mut summary = String::new();
    for (name, code, policy, want) in OPS {
        let file = format!("testdata/previews/ops/{name}.json");
        let (got, report) = json(&[&file]);
        assert_eq!(got, *code, "{name}: exit code\n{report:#}");
        let want: std::collections::BTreeSet<(String, String)> = want
            .iter()
            .map(|(r, p)| (r.to_string(), p.to_string()))
            .collect();
        assert_eq!(fired(&report), want, "{name}: findings");
        let listed = changes(&report);
        let of_policy: Vec<&String> = listed
            .iter()
            .filter(|c| c.starts_with("aws_iam_role_policy."))
            .collect();
        match policy {
            Some(p) => assert_eq!(of_policy, [p], "{name}: {listed:?}"),
            None => assert!(of_policy.is_empty(), "{name}: {listed:?}"),
        }
        let _ = writeln!(summary, "{name}: exit {got}");
        for c in &listed {
            let _ = writeln!(summary, "  {c}");
        }
        for (rule, principal) in fired(&report) {
            let _ = writeln!(summary, "  ! {rule} {principal}");
        }
        for d in report["drift"].as_array().expect("drift") {
            let _ = writeln!(
                summary,
                "  drift: {} {} ({})",
                d["address"].as_str().expect("address"),
                strings(&d["actions"]).join(","),
                strings(&d["weakens"]).join("; ")
            );
        }
        if name.starts_with("refresh") {
            assert_eq!(
                report["drift"][0]["address"], "aws_cloudtrail.org",
                "{name}: the trail stopped outside Pulumi is drift"
            );
        }
    }
    insta::assert_snapshot!("ops", summary);
}

/// Every attachment and inline policy of one role is one principal: by the role's name when
/// the preview knows it (Pulumi's autonamed `name`), by the role's address otherwise, and by
/// the address of a role the preview does not show. Never one per attachment.
#[test]
fn one_role_is_one_principal_across_its_attachments() {
    for (file, id) in [
        ("role-attachments", "aws:role/deployer-5f2c1e9"),
        ("role-unknown-name", "aws:role/aws_iam_role.deployer"),
        ("role-not-shown", "aws:role/aws_iam_role.deployer"),
    ] {
        let (code, report) = json(&[&format!("testdata/previews/identity/{file}.json")]);
        assert_eq!(code, 1, "{file}");
        let ids: Vec<&str> = report["principals"]
            .as_array()
            .expect("principals")
            .iter()
            .map(|p| p["id"].as_str().expect("id"))
            .collect();
        assert_eq!(ids, [id], "{file}: one principal");
        let principal = &report["principals"][0];
        let mut via: Vec<&str> = principal["gained"]
            .as_array()
            .expect("gained")
            .iter()
            .map(|g| g["via"].as_str().expect("via"))
            .collect();
        via.sort_unstable();
        via.dedup();
        assert_eq!(
            via,
            [
                "aws_iam_role_policy.deployer-iam",
                "aws_iam_role_policy_attachment.deployer-0",
                "aws_iam_role_policy_attachment.deployer-1",
                "aws_iam_role_policy_attachment.deployer-2",
            ],
            "{file}: every attachment and the inline policy"
        );
        assert_eq!(
            fired(&report),
            [(PE.to_string(), id.to_string())].into_iter().collect(),
            "{file}"
        );
    }
}

/// A literal role name is used as it is; a user whose autonamed `name` the membership takes
/// holds what its group holds.
#[test]
fn literal_names_and_memberships_name_their_principals() {
    let (code, report) = json(&["testdata/previews/identity/literal-and-membership.json"]);
    assert_eq!(code, 1);
    let got = fired(&report);
    assert!(
        got.contains(&(PE.to_string(), "aws:role/ci-deployer".to_string())),
        "{got:?}"
    );
    let ids: Vec<&str> = report["principals"]
        .as_array()
        .expect("principals")
        .iter()
        .map(|p| p["id"].as_str().expect("id"))
        .collect();
    assert_eq!(
        ids,
        [
            "aws:group/admins",
            "aws:role/ci-deployer",
            "aws:user/alice-9d3e2f1"
        ]
    );
    let alice = common::principal(&report, "aws:user/alice-9d3e2f1");
    assert_eq!(
        common::gained(alice),
        [(
            "arn:aws:iam::aws:policy/AdministratorAccess",
            "aws_iam_group_policy_attachment.admins-admin"
        )]
    );
}

/// The text and JSON reports of the identity previews.
#[test]
fn snapshots_of_the_identity_previews() {
    for file in [
        "role-attachments",
        "role-unknown-name",
        "role-not-shown",
        "literal-and-membership",
    ] {
        let path = format!("testdata/previews/identity/{file}.json");
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_suffix(file);
        settings.bind(|| {
            common::snapshot_reports!(&path);
        });
    }
}

/// Addresses are the same run after run.
#[test]
fn addresses_are_stable() {
    let a = run(&[
        "review",
        "--format",
        "json",
        "testdata/previews/ops/replace-steps.json",
    ]);
    let b = run(&[
        "review",
        "--format",
        "json",
        "testdata/previews/ops/replace-steps.json",
    ]);
    assert_eq!(a.stdout, b.stdout);
}

/// What Pulumi writes that is not a successful preview: exit 2, the file named, what it is and
/// what to run instead; nothing on stdout.
#[test]
fn what_is_not_a_preview_is_refused_with_what_to_run() {
    for (file, says) in [
        (
            "failed.json",
            "this is the output of a `pulumi preview --json` that failed (\"error: Running program '/home/ci/platform' failed with an unhandled exception: TypeError: Cannot read properties of undefined (reading 'arn')\"): expected the output of a preview that succeeded",
        ),
        (
            "failed-partial.json",
            "failed with an unhandled exception: TypeError: Cannot read properties of undefined (reading 'arn')\"), and its steps are not all of the change",
        ),
        (
            "stack-export.json",
            "this is a Pulumi stack's state (`pulumi stack export`), not a change to it: expected the output of `pulumi preview --json`",
        ),
        (
            "event-log.json",
            "this is a log of Pulumi engine events (`pulumi preview --event-log FILE`",
        ),
        (
            "preview.txt",
            "1:1: found the text output of `pulumi preview`: expected its JSON, as `pulumi preview --json > preview.json` writes it",
        ),
        (
            "error.txt",
            "1:1: found an error message (`error: ...`) where JSON was expected",
        ),
    ] {
        let path = format!("testdata/previews/bad/{file}");
        let r = run(&["review", &path]);
        assert_eq!(r.code, 2, "{file}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "{file}: {}", r.stdout);
        assert!(
            r.stderr.contains(&format!("error: {path}")) && r.stderr.contains(says),
            "{file}: {}",
            r.stderr
        );
    }
}

/// The corpus preview that made nine principals of one role (nine attachments whose `role` is
/// unknown): one principal, by the role's autonamed name.
#[test]
fn the_corpus_role_with_nine_attachments_is_one_principal() {
    let path =
        root().join("../shared/corpus/pulumi/dundalek__stratify/sample-preview-creates.json");
    if !path.exists() {
        eprintln!("{} is not here: skipped", path.display());
        return;
    }
    let (_, report) = json(&[path.to_str().expect("a UTF-8 path")]);
    let ids: Vec<&str> = report["principals"]
        .as_array()
        .expect("principals")
        .iter()
        .map(|p| p["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, ["aws:role/docsHandler-ae85f73"], "{report:#}");
    let via: std::collections::BTreeSet<&str> = report["principals"][0]["gained"]
        .as_array()
        .expect("gained")
        .iter()
        .map(|g| g["via"].as_str().expect("via"))
        .collect();
    assert_eq!(via.len(), 9, "{via:?}");
}

/// Piped as users pipe it (`pulumi preview --json | foureyes review -`): the same review; and
/// `pulumi preview` without `--json` piped in is refused in place, naming stdin.
#[test]
fn a_preview_from_stdin_reads_as_from_a_file() {
    let file = "testdata/previews/identity/role-attachments.json";
    let bytes = std::fs::read(root().join(file)).expect("the fixture");
    let piped = common::foureyes()
        .args(["review", "--format", "json", "-"])
        .write_stdin(bytes)
        .output()
        .expect("runs");
    assert_eq!(piped.status.code(), Some(1));
    let from_file = run(&["review", "--format", "json", file]);
    let name = |text: &str| text.replace(file, "<stdin>");
    assert_eq!(
        String::from_utf8_lossy(&piped.stdout),
        name(&from_file.stdout)
    );
    let text = std::fs::read(root().join("testdata/previews/bad/preview.txt")).expect("text");
    let refused = common::foureyes()
        .args(["review", "-"])
        .write_stdin(text)
        .output()
        .expect("runs");
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("<stdin>:1:1: found the text output of `pulumi preview`"),
        "{stderr}"
    );
}
