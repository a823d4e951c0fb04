//! The `review` command as users run it: verdicts and findings for every fixture, exit codes,
//! bad input, configuration, rulesets, and snapshots of what users see.

mod common;

use common::{fired, foureyes, json_files, principal, relative, root, run, strings};

use serde_json::Value;
use std::collections::BTreeSet;

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
    let v = serde_json::from_str(&r.stdout).expect("the report is JSON");
    (r.code, v)
}

/// A fixture under testdata/plans, its exit code and the (rule, principal) pairs that fire.
type Expectation = (&'static str, i32, &'static [(&'static str, &'static str)]);

/// What each fixture must conclude.
const EXPECTED: &[Expectation] = &[
    (
        "privilege-and-evidence/trail-stopped.json",
        1,
        &[("privilege-and-evidence", "aws:role/ci-deployer")],
    ),
    (
        "privilege-and-evidence/log-group-deleted.json",
        1,
        &[
            ("privilege-and-evidence", "aws:role/ops-admin"),
            ("toxic-combination", "aws:role/ops-admin"),
        ],
    ),
    (
        "privilege-and-evidence/trail-replaced.json",
        1,
        &[("privilege-and-evidence", "aws:role/ci-deployer")],
    ),
    (
        "privilege-and-evidence/retention-shortened-unknown-policy.json",
        1,
        &[("privilege-and-evidence", "aws:role/ci-deployer")],
    ),
    (
        "unknown/policy-from-data-source.json",
        1,
        &[("privilege-and-evidence", "aws:role/ci-deployer")],
    ),
    (
        "toxic-combination/gains-second-duty.json",
        1,
        &[("toxic-combination", "aws:role/auditor")],
    ),
    ("toxic-combination/already-held.json", 0, &[]),
    (
        "toxic-combination/group-membership.json",
        1,
        &[("toxic-combination", "aws:user/mallory")],
    ),
    (
        "toxic-combination/trust-widened.json",
        1,
        &[
            ("privilege-and-evidence", "aws:user/mallory"),
            ("toxic-combination", "aws:user/mallory"),
        ],
    ),
    (
        "self-escalation/provider-role.json",
        1,
        &[("self-escalation", "aws:role/terraform-ci")],
    ),
    ("self-escalation/other-role.json", 0, &[]),
    ("precision/new-service.json", 0, &[]),
    ("precision/retention-lengthened.json", 0, &[]),
    ("precision/removed-grant.json", 0, &[]),
    ("precision/privilege-without-weakening.json", 0, &[]),
    ("drift/trail-stopped-outside.json", 0, &[]),
    (
        "modules/for-each-moved-import.json",
        1,
        &[("privilege-and-evidence", "aws:role/ci-deployer")],
    ),
    ("sensitive/sensitive-policy.json", 0, &[]),
    // Sensitive values (tests/sensitive.rs): principals whose names are sensitive go by the
    // address that defines them, or by the place that names them.
    (
        "sensitive/role-names.json",
        1,
        &[
            ("privilege-and-evidence", "aws:role/aws_iam_role.admin"),
            ("toxic-combination", "aws:role/aws_iam_role.admin"),
        ],
    ),
    (
        "sensitive/users-groups.json",
        1,
        &[("toxic-combination", "aws:user/aws_iam_user.breakglass")],
    ),
    (
        "sensitive/policy-arns.json",
        1,
        &[
            ("privilege-and-evidence", "aws:role/ops-admin"),
            ("toxic-combination", "aws:role/ops-admin"),
        ],
    ),
    (
        "sensitive/trust.json",
        1,
        &[
            (
                "privilege-and-evidence",
                "aws:federated/aws_iam_role.deployer.assume_role_policy#1",
            ),
            (
                "privilege-and-evidence",
                "aws:user/aws_iam_role.auditor.assume_role_policy#1",
            ),
            (
                "toxic-combination",
                "aws:federated/aws_iam_role.deployer.assume_role_policy#1",
            ),
            (
                "toxic-combination",
                "aws:user/aws_iam_role.auditor.assume_role_policy#1",
            ),
        ],
    ),
    (
        "sensitive/whole-objects.json",
        1,
        &[
            ("privilege-and-evidence", "aws:role/aws_iam_role.vault"),
            (
                "privilege-and-evidence",
                "aws:user/aws_iam_policy_attachment.breakglass.users#1",
            ),
            (
                "privilege-and-evidence",
                "aws:user/aws_iam_user_group_membership.vault_admin.user",
            ),
            (
                "toxic-combination",
                "aws:user/aws_iam_user_group_membership.vault_admin.user",
            ),
        ],
    ),
    (
        "sensitive/unparsable-policies.json",
        1,
        &[
            ("privilege-and-evidence", "aws:role/ci-deployer"),
            ("privilege-and-evidence", "aws:role/inline-opaque"),
        ],
    ),
    (
        "sensitive/pipeline.json",
        1,
        &[(
            "self-escalation",
            "aws:role/aws_iam_role_policy_attachment.ci_iam.role",
        )],
    ),
    ("multi/part-a.json", 0, &[]),
    ("multi/part-b.json", 0, &[]),
    ("format/v0-1.json", 0, &[]),
    // PowerUserAccess already holds privilege administration (IAM Identity Center's sso:*
    // actions are not excluded by its NotAction) and audit powers: adding IAMFullAccess
    // completes no new combination, but it is more power inside a forbidden pair.
    (
        "powers/poweruser-plus-iam.json",
        1,
        &[("toxic-combination", "aws:role/ops-admin")],
    ),
    // Allow * with the audit services denied: no audit duty, but privilege administration
    // and deployment next to approval control.
    (
        "powers/deny-overrides.json",
        1,
        &[("toxic-combination", "aws:role/ci-deployer")],
    ),
];

#[test]
fn every_fixture_reaches_its_verdict() {
    for (file, code, findings) in EXPECTED {
        let path = format!("testdata/plans/{file}");
        let (got, report) = json(&[&path]);
        assert_eq!(got, *code, "{file}: exit code\n{report:#}");
        common::assert_fired(&report, findings, file);
        let verdict = if *code == 1 {
            "approval_required"
        } else {
            "pass"
        };
        assert_eq!(report["verdict"], verdict, "{file}");
    }
}

#[test]
fn every_fixture_is_in_the_table_and_every_rule_fires_and_stays_quiet() {
    let mut files = Vec::new();
    files.extend(json_files(&root().join("testdata/plans")));
    for f in &files {
        let rel = f
            .strip_prefix(root().join("testdata/plans"))
            .expect("under testdata/plans")
            .to_string_lossy()
            .replace('\\', "/");
        assert!(
            EXPECTED.iter().any(|(name, _, _)| *name == rel),
            "{rel} belongs to no expectation"
        );
    }
    // Every rule of the registry, as `foureyes rules` lists them.
    let listed = run(&["rules"]).stdout;
    let rules: Vec<&str> = listed
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(rules.len() >= 4, "{listed}");
    // Every fixture with its expected rules: those of testdata/plans (this table) and of
    // testdata/providers (the expect.toml files beside them).
    let mut fixtures: Vec<(String, Vec<String>)> = EXPECTED
        .iter()
        .map(|(name, _, fs)| {
            (
                format!("testdata/plans/{name}"),
                fs.iter().map(|(r, _)| r.to_string()).collect(),
            )
        })
        .collect();
    fixtures.extend(common::expectations().into_iter().map(|(name, f)| {
        let rules = f.findings.into_iter().map(|(r, _)| r).collect();
        (name, rules)
    }));
    let dir_of = |name: &str| {
        name.rsplit_once('/')
            .map_or(String::new(), |(d, _)| d.to_owned())
    };
    for rule in rules {
        let fires = |fs: &Vec<String>| fs.iter().any(|r| r == rule);
        let configured_fires = CONFIGURED.iter().any(|(_, _, fs)| fs.contains(&rule));
        let configured_quiet = CONFIGURED.iter().any(|(_, _, fs)| !fs.contains(&rule));
        assert!(
            configured_fires || fixtures.iter().any(|(_, fs)| fires(fs)),
            "{rule} has no fixture that fires it"
        );
        // A fixture that must not fire it: beside one that does (the same area of work), in
        // the rule's own directory, or among the precision fixtures.
        let firing_dirs: BTreeSet<String> = fixtures
            .iter()
            .filter(|(_, fs)| fires(fs))
            .map(|(name, _)| dir_of(name))
            .collect();
        assert!(
            configured_quiet
                || fixtures.iter().any(|(name, fs)| {
                    let dir = dir_of(name);
                    !fires(fs)
                        && (firing_dirs.contains(&dir)
                            || dir.ends_with(&format!("/{rule}"))
                            || dir.ends_with("/precision"))
                }),
            "{rule} has no fixture that must not fire it"
        );
    }
    for (args, code, rules) in CONFIGURED {
        let (got, report) = json(args);
        assert_eq!(got, *code, "{args:?}");
        let mut fired: Vec<&str> = report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter_map(|f| f["rule"].as_str())
            .collect();
        fired.dedup();
        assert_eq!(&fired, rules, "{args:?}");
    }
}

/// Fixtures reviewed with options (a configuration): the arguments, the exit code and the rules
/// that fire.
const CONFIGURED: &[(&[&str], i32, &[&str])] = &[
    // An expired exception: the finding it covered is back, and the exception is named.
    (
        &[
            "--config",
            "testdata/exceptions/expired.toml",
            "--today",
            "2026-11-30",
            "testdata/example/plan.json",
        ],
        1,
        &["privilege-and-evidence", "expired-exception"],
    ),
    // The same exception before it expires: the finding is reported, excepted.
    (
        &[
            "--config",
            "testdata/exceptions/expired.toml",
            "--today",
            "2026-10-31",
            "testdata/example/plan.json",
        ],
        0,
        &["privilege-and-evidence"],
    ),
    (
        &[
            "--config",
            "testdata/coverage/require-approval.toml",
            "testdata/coverage/gcp-iam.json",
        ],
        1,
        &["unmodelled-identity-change"],
    ),
    (
        &[
            "--config",
            "testdata/coverage/require-approval.toml",
            "testdata/plans/precision/new-service.json",
        ],
        0,
        &[],
    ),
    (&["testdata/coverage/oci-identity.json"], 0, &[]),
];

#[test]
fn privilege_delta_says_who_gains_what_and_via_which_resource() {
    let (_, report) = json(&["testdata/plans/privilege-and-evidence/trail-stopped.json"]);
    let p = principal(&report, "aws:role/ci-deployer");
    let gained: Vec<(&str, &str, &str)> = p["gained"]
        .as_array()
        .expect("gained")
        .iter()
        .map(|g| {
            (
                g["permission"].as_str().expect("permission"),
                g["scope"].as_str().expect("scope"),
                g["via"].as_str().expect("via"),
            )
        })
        .collect();
    assert!(gained.contains(&("iam:PutRolePolicy", "*", "aws_iam_role_policy.deployer")));
    assert!(gained.contains(&("iam:AttachRolePolicy", "*", "aws_iam_role_policy.deployer")));
    assert_eq!(strings(&p["duties_gained"]), vec!["privilege_admin"]);
    assert!(!strings(&p["duties_before"]).contains(&"privilege_admin"));
    let change = report["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .find(|c| c["address"] == "aws_cloudtrail.org")
        .expect("the trail is a change touching a duty");
    assert_eq!(strings(&change["duties"]), vec!["audit_evidence"]);
    assert_eq!(strings(&change["actions"]), vec!["update"]);
    let f = &report["findings"][0];
    assert_eq!(f["severity"], "critical");
    assert_eq!(
        strings(&f["duties"]),
        vec!["audit_evidence", "privilege_admin"]
    );
    assert!(strings(&f["resources"]).contains(&"aws_cloudtrail.org"));
    let message = f["message"].as_str().expect("message");
    assert!(message.contains("aws:role/ci-deployer"), "{message}");
    assert!(message.contains("stops logging"), "{message}");
}

#[test]
fn lost_grants_are_reported_and_do_not_ask_for_approval() {
    let (code, report) = json(&["testdata/plans/precision/removed-grant.json"]);
    assert_eq!(code, 0);
    let p = principal(&report, "aws:role/ci-deployer");
    assert!(p["gained"].as_array().expect("gained").is_empty());
    assert!(p["lost"]
        .as_array()
        .expect("lost")
        .iter()
        .any(|g| g["permission"] == "iam:*"));
    assert!(strings(&p["duties_before"]).contains(&"privilege_admin"));
    assert!(!strings(&p["duties_after"]).contains(&"privilege_admin"));
}

#[test]
fn a_group_member_gains_what_the_group_holds() {
    let (_, report) = json(&["testdata/plans/toxic-combination/group-membership.json"]);
    let p = principal(&report, "aws:user/mallory");
    let g = &p["gained"][0];
    assert_eq!(
        g["permission"],
        "arn:aws:iam::aws:policy/AdministratorAccess"
    );
    assert!(g["through"]
        .as_str()
        .expect("through")
        .contains("aws:group/admins"));
    assert!(report["principals"]
        .as_array()
        .expect("principals")
        .iter()
        .all(|p| p["id"] != "aws:user/alice"));
}

#[test]
fn unknown_policies_are_resolved_or_said_to_be_unknown() {
    let (_, report) = json(&["testdata/plans/unknown/policy-from-data-source.json"]);
    let p = principal(&report, "aws:role/ci-deployer");
    let permissions: Vec<&str> = p["gained"]
        .as_array()
        .expect("gained")
        .iter()
        .map(|g| g["permission"].as_str().expect("permission"))
        .collect();
    assert!(
        permissions.contains(&"iam:PutRolePolicy"),
        "{permissions:?}"
    );
    assert!(permissions.contains(&"iam:PassRole"), "{permissions:?}");

    let (_, report) =
        json(&["testdata/plans/privilege-and-evidence/retention-shortened-unknown-policy.json"]);
    let unknown = report["unknown"].as_array().expect("unknown");
    assert!(
        unknown
            .iter()
            .any(|u| u["address"] == "aws_iam_role_policy.dynamic" && u["attribute"] == "policy"),
        "{unknown:?}"
    );
    let f = &report["findings"][0];
    assert_eq!(f["possible"], true);
    assert!(f["message"]
        .as_str()
        .expect("message")
        .contains("known only after apply"));
}

#[test]
fn self_escalation_names_where_the_pipeline_identity_came_from() {
    let (_, report) = json(&["testdata/plans/self-escalation/provider-role.json"]);
    let pipeline = &report["pipeline_principals"][0];
    assert_eq!(pipeline["id"], "aws:role/terraform-ci");
    assert!(pipeline["source"]
        .as_str()
        .expect("source")
        .contains("assume_role.role_arn"));
    let text = run(&[
        "review",
        "testdata/plans/self-escalation/provider-role.json",
    ])
    .stdout;
    assert!(
        text.contains("pipeline identity: aws:role/terraform-ci"),
        "{text}"
    );
}

#[test]
fn fail_on_raises_or_lowers_the_approval_threshold() {
    let plan = "testdata/plans/powers/deny-overrides.json";
    assert_eq!(
        json(&[plan]).0,
        1,
        "a high finding needs approval by default"
    );
    let (code, report) = json(&["--fail-on", "critical", plan]);
    assert_eq!(code, 0);
    assert_eq!(report["verdict"], "pass");
    assert_eq!(report["approval_severity"], "critical");
    assert_eq!(
        report["findings"].as_array().map(Vec::len),
        Some(1),
        "still reported"
    );
    assert_eq!(json(&["--fail-on", "low", plan]).0, 1);
    assert_eq!(run(&["review", "--fail-on", "severe", plan]).code, 2);
}

/// A GitHub account among the pipeline principals is for the approval check: it must not
/// replace the cloud identity detected in the plan.
#[test]
fn a_github_account_does_not_replace_the_detected_pipeline_identity() {
    let (code, report) = json(&[
        "--pipeline-principal",
        "github:user/ci-bot",
        "testdata/plans/self-escalation/provider-role.json",
    ]);
    assert_eq!(code, 1);
    assert_eq!(
        report["pipeline_principals"][0]["id"],
        "aws:role/terraform-ci"
    );
    assert!(fired(&report)
        .iter()
        .any(|(rule, _)| rule == "self-escalation"));
}

#[test]
fn configured_pipeline_principals_replace_the_detected_one() {
    for id in [
        "app-lambda",
        "aws:role/app-lambda",
        "arn:aws:iam::111122223333:role/app-lambda",
    ] {
        let (code, report) = json(&[
            "--pipeline-principal",
            id,
            "testdata/plans/self-escalation/other-role.json",
        ]);
        assert_eq!(code, 1, "{id}");
        assert_eq!(
            fired(&report),
            BTreeSet::from([(
                "self-escalation".to_string(),
                "aws:role/app-lambda".to_string()
            )]),
            "{id}"
        );
        assert_eq!(report["pipeline_principals"][0]["source"], "configured");
    }
}

#[test]
fn several_plans_are_one_change_set() {
    let (code, report) = json(&[
        "testdata/plans/multi/part-a.json",
        "testdata/plans/multi/part-b.json",
    ]);
    assert_eq!(code, 1);
    assert!(fired(&report).contains(&(
        "privilege-and-evidence".to_string(),
        "aws:role/ci-deployer".to_string()
    )));
    assert_eq!(report["inputs"].as_array().expect("inputs").len(), 2);
}

#[test]
fn drift_is_reported_apart_from_the_change() {
    let (code, report) = json(&["testdata/plans/drift/trail-stopped-outside.json"]);
    assert_eq!(code, 0);
    let drift = report["drift"].as_array().expect("drift");
    let trail = drift
        .iter()
        .find(|d| d["address"] == "aws_cloudtrail.org")
        .expect("the trail's drift");
    assert!(strings(&trail["weakens"])[0].contains("stops logging"));
    assert!(report["evidence_weakened"]
        .as_array()
        .expect("evidence_weakened")
        .is_empty());
}

#[test]
fn sensitive_values_are_never_printed() {
    for format in ["text", "json"] {
        let r = run(&[
            "review",
            "--format",
            format,
            "testdata/plans/sensitive/sensitive-policy.json",
        ]);
        assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
        assert!(
            !r.stdout.contains("SENSITIVE-CANARY"),
            "{format}: {}",
            r.stdout
        );
        assert!(
            !r.stderr.contains("SENSITIVE-CANARY"),
            "{format}: {}",
            r.stderr
        );
        assert!(r.stdout.contains("(sensitive)"), "{format}: {}", r.stdout);
    }
}

#[test]
fn exit_codes() {
    assert_eq!(
        run(&["review", "testdata/plans/precision/new-service.json"]).code,
        0
    );
    assert_eq!(run(&["review", "testdata/example/plan.json"]).code, 1);
    assert_eq!(
        run(&["review", "--exit-zero", "testdata/example/plan.json"]).code,
        0
    );
    assert_eq!(run(&["review"]).code, 2, "no input is a usage error");
    assert_eq!(run(&["review", "--format", "yaml", "x.json"]).code, 2);
    assert_eq!(run(&["frobnicate"]).code, 2);
    assert_eq!(run(&["--version"]).code, 0);
    let missing = run(&["review", "testdata/no-such-plan.json"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("testdata/no-such-plan.json"),
        "{}",
        missing.stderr
    );
}

#[test]
fn bad_input_is_a_clear_error_naming_file_and_place() {
    let cases: &[(&str, &str)] = &[
        ("testdata/bad/truncated.json", "truncated"),
        ("testdata/bad/not-a-plan.json", "format_version"),
        ("testdata/bad/format-2.json", "\"2.0\""),
        ("testdata/bad/empty.json", "empty"),
        ("testdata/bad/binary.bin", "binary"),
        ("testdata/bad/utf16.json", "UTF-16"),
        ("testdata/bad/array.json", "array"),
        ("testdata/bad/wrong-type.json", "resource_changes"),
    ];
    for (file, says) in cases {
        for format in ["text", "json"] {
            let r = run(&["review", "--format", format, file]);
            assert_eq!(r.code, 2, "{file}: {}", r.stderr);
            assert!(
                r.stdout.is_empty(),
                "{file}: no partial report: {}",
                r.stdout
            );
            assert!(
                r.stderr.starts_with(&format!("error: {file}")),
                "{file}: {}",
                r.stderr
            );
            assert!(r.stderr.contains(says), "{file}: {}", r.stderr);
            assert!(!r.stderr.contains("panicked"), "{file}: {}", r.stderr);
        }
    }
    let r = run(&["review", "testdata/bad/truncated.json"]);
    assert!(
        r.stderr
            .split(':')
            .nth(2)
            .is_some_and(|l| l.parse::<usize>().is_ok()),
        "a line number: {}",
        r.stderr
    );
    // One bad input among good ones fails the whole review: no partial report.
    let r = run(&[
        "review",
        "testdata/example/plan.json",
        "testdata/bad/truncated.json",
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stdout.is_empty());
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("deep.json");
    let mut text = String::from(
        r#"{"format_version":"1.2","resource_changes":[{"address":"aws_iam_role.x","type":"aws_iam_role","change":{"actions":["create"],"after":"#,
    );
    text.push_str(&"[".repeat(100_000));
    std::fs::write(&path, text).expect("write");
    let r = run(&["review", path.to_str().expect("utf-8 path")]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(!r.stderr.contains("overflow"), "{}", r.stderr);

    let mut text = String::from(
        r#"{"format_version":"1.2","resource_changes":[{"address":"aws_iam_role.x","type":"aws_iam_role","change":{"actions":["create"],"after":"#,
    );
    text.push_str(&"[".repeat(1000));
    text.push_str(&"]".repeat(1000));
    text.push_str("}}]}");
    std::fs::write(&path, text).expect("write");
    let r = run(&["review", path.to_str().expect("utf-8 path")]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("recursion limit"), "{}", r.stderr);
}

#[test]
fn stdin_is_read_with_a_dash() {
    let plan = std::fs::read(root().join("testdata/example/plan.json")).expect("example");
    let out = foureyes()
        .args(["review", "--format", "json", "-"])
        .write_stdin(plan)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["inputs"][0]["name"], "<stdin>");
    let out = foureyes()
        .args(["review", "-"])
        .write_stdin("{\"format_version\": ")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("<stdin>:1:"));
}

#[test]
fn output_is_deterministic_and_uncoloured_off_a_terminal() {
    for format in ["text", "json"] {
        let a = run(&["review", "--format", format, "testdata/example/plan.json"]).stdout;
        let b = run(&["review", "--format", format, "testdata/example/plan.json"]).stdout;
        assert_eq!(a, b);
        assert!(
            !a.contains('\u{1b}'),
            "no colour when stdout is not a terminal"
        );
    }
}

#[test]
fn output_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("report.json");
    let r = run(&[
        "review",
        "--format",
        "json",
        "--output",
        path.to_str().expect("utf-8"),
        "testdata/example/plan.json",
    ]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.is_empty());
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("written")).expect("json");
    assert_eq!(report["schema_version"], 1);
}

#[test]
fn configuration_file_is_strict_and_used() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("foureyes.toml");
    std::fs::write(
        &config,
        "approval_severity = \"high\"\npipeline_principal = [\"x\"]\n",
    )
    .expect("write");
    let r = run(&[
        "review",
        "--config",
        config.to_str().expect("utf-8"),
        "testdata/example/plan.json",
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("pipeline_principal"), "{}", r.stderr);
    assert!(r.stderr.contains(":2:"), "names the line: {}", r.stderr);

    std::fs::write(
        &config,
        "pipeline_principals = [\"arn:aws:iam::111122223333:role/app-lambda\"]\n",
    )
    .expect("write");
    let (code, report) = json(&[
        "--config",
        config.to_str().expect("utf-8"),
        "testdata/plans/self-escalation/other-role.json",
    ]);
    assert_eq!(code, 1);
    assert!(fired(&report).contains(&(
        "self-escalation".to_string(),
        "aws:role/app-lambda".to_string()
    )));

    // Below the approval threshold, findings are reported but need no approval.
    std::fs::write(
        &config,
        "approval_severity = \"critical\"\npipeline_principals = [\"app-lambda\"]\n",
    )
    .expect("write");
    let (code, report) = json(&[
        "--config",
        config.to_str().expect("utf-8"),
        "testdata/plans/self-escalation/other-role.json",
    ]);
    assert_eq!(code, 0);
    assert_eq!(report["verdict"], "pass");
    assert_eq!(report["findings"].as_array().expect("findings").len(), 1);
}

#[test]
fn a_users_ruleset_extends_the_built_in_one_without_code() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ruleset = dir.path().join("mine.toml");
    // Treat a log group's tags as evidence configuration (say, they drive log routing).
    std::fs::write(
        &ruleset,
        r#"
[[evidence]]
provider = "aws"
type = "aws_cloudwatch_log_group"
weakened_when = [{ attribute = "tags", change = "changed", says = "changes the tags that route the logs" }]
"#,
    )
    .expect("write");
    let plan = "testdata/plans/precision/privilege-without-weakening.json";
    assert_eq!(json(&[plan]).0, 0);
    let (code, report) = json(&["--ruleset", ruleset.to_str().expect("utf-8"), plan]);
    assert_eq!(code, 1);
    assert!(fired(&report)
        .iter()
        .any(|(r, _)| r == "privilege-and-evidence"));

    // A new duty action: reading DynamoDB items is now "secrets_admin".
    std::fs::write(
        &ruleset,
        "[[grants]]\nprovider = \"aws\"\nduty = \"secrets_admin\"\nactions = [\"dynamodb:GetItem\"]\n",
    )
    .expect("write");
    let (_, report) = json(&[
        "--ruleset",
        ruleset.to_str().expect("utf-8"),
        "testdata/plans/precision/new-service.json",
    ]);
    assert!(report["principals"]
        .as_array()
        .expect("principals")
        .iter()
        .any(|p| strings(&p["duties_gained"]).contains(&"secrets_admin")));

    std::fs::write(
        &ruleset,
        "[[grants]]\nprovider = \"aws\"\nduty = \"nope\"\nactions = [\"iam:PassRole\"]\n",
    )
    .expect("write");
    let r = run(&[
        "review",
        "--ruleset",
        ruleset.to_str().expect("utf-8"),
        "testdata/example/plan.json",
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("mine.toml"), "{}", r.stderr);
    assert!(r.stderr.contains("unknown duty \"nope\""), "{}", r.stderr);
}

#[test]
fn snapshots_of_every_fixture() {
    insta::glob!(
        "../testdata",
        "{plans/**/*.json,example/*.json,coverage/*.json}",
        |path| {
            let rel = relative(path);
            common::snapshot_reports!(&rel);
        }
    );
}

/// Every real plan and preview of the shared corpus is reviewed without error; the files
/// that are broken or of another format are refused with exit 2.
#[test]
fn the_shared_corpus_reviews_without_error() {
    let corpus = root().join("../shared/corpus");
    if !corpus.exists() {
        eprintln!("../shared/corpus is not here: skipped");
        return;
    }
    let mut files = Vec::new();
    files.extend(json_files(&corpus.join("plans")));
    files.extend(json_files(&corpus.join("pulumi")));
    files.sort();
    assert!(files.len() > 500, "the corpus has its plans");
    let mut failures = Vec::new();
    for f in &files {
        let name = f.to_string_lossy();
        let broken = name.contains("/invalid-json/") || name.contains("/non-show-json-formats/");
        let r = run(&["review", "--format", "json", &name]);
        let ok = if broken {
            r.code == 2 && r.stderr.starts_with("error: ")
        } else {
            (r.code == 0 || r.code == 1) && serde_json::from_str::<Value>(&r.stdout).is_ok()
        };
        if !ok || r.stderr.contains("panicked") {
            failures.push(format!("{name}: exit {}: {}", r.code, r.stderr));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn an_unconditional_deny_takes_duties_away() {
    let (_, report) = json(&["testdata/plans/powers/deny-overrides.json"]);
    let p = principal(&report, "aws:role/ci-deployer");
    let after = strings(&p["duties_after"]);
    assert!(after.contains(&"privilege_admin"), "{after:?}");
    assert!(!after.contains(&"audit_evidence"), "{after:?}");
    for f in report["findings"].as_array().expect("findings") {
        assert!(!strings(&f["duties"]).contains(&"audit_evidence"), "{f:#}");
    }
}

/// Regression: an unchanged attachment of a customer policy whose document the change edits
/// was read once for both sides, so the principal seemed to gain nothing.
#[test]
fn unchanged_attachment_of_a_changed_policy_gains_what_the_policy_gains() {
    let (code, report) = json(&["testdata/example/plan.json"]);
    assert_eq!(code, 1);
    let p = principal(&report, "aws:role/ci-deployer");
    let gained = common::gained(p);
    assert!(
        gained.contains(&("iam:PutRolePolicy", "aws_iam_policy.ci_deploy")),
        "{gained:?}"
    );
    assert!(
        gained.contains(&("iam:AttachRolePolicy", "aws_iam_policy.ci_deploy")),
        "{gained:?}"
    );
}

#[test]
fn a_large_generated_plan_streams_through() {
    // A plan with a big `planned_values` and many resource changes, spread over many read
    // chunks: the streaming reader must hand over every resource change intact.
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("big.json");
    let mut text =
        String::from(r#"{"format_version":"1.2","planned_values":{"root_module":{"resources":["#);
    for i in 0..20_000 {
        if i > 0 {
            text.push(',');
        }
        text.push_str(&format!(
            r#"{{"address":"aws_s3_bucket.b{i}","values":{{"bucket":"b-{i}","tags":{{"k":"v \" \\ {{ ["}}}}}}"#
        ));
    }
    text.push_str(r#"]}},"resource_changes":["#);
    for i in 0..20_000 {
        if i > 0 {
            text.push(',');
        }
        text.push_str(&format!(
            r#"{{"address":"aws_iam_role_policy.p{i}","type":"aws_iam_role_policy","name":"p{i}","change":{{"actions":["create"],"before":null,"after":{{"role":"r{i}","policy":"{{\"Statement\":[{{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}}]}}"}},"after_unknown":{{}}}}}}"#
        ));
    }
    text.push_str(r#"],"configuration":{"root_module":{}}}"#);
    std::fs::write(&path, &text).expect("write");
    let (code, report) = json(&[path.to_str().expect("utf-8")]);
    assert_eq!(code, 0);
    assert_eq!(
        report["principals"].as_array().expect("principals").len(),
        20_000
    );
    assert_eq!(report["inputs"][0]["resource_changes"], 20_000);
    // Cut anywhere, the same plan is refused as truncated, never half-reviewed.
    std::fs::write(&path, &text[..text.len() * 2 / 3]).expect("write");
    let r = run(&["review", path.to_str().expect("utf-8")]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("truncated"), "{}", r.stderr);
    assert!(r.stdout.is_empty());
}

#[test]
fn the_readme_shows_the_real_output_of_its_example() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let start = readme
        .find("```text\nAPPROVAL REQUIRED")
        .expect("the example in the README")
        + 8;
    let end = start + readme[start..].find("```").expect("the end of the example");
    let r = run(&["review", "testdata/example/plan.json"]);
    assert_eq!(readme[start..end], r.stdout, "update the README's example");
}

/// An attachment whose `policy_arn` and `role` are known only after apply is followed through
/// the configuration to the new policy and role of the same plan.
#[test]
fn unknown_arns_and_names_are_followed_to_the_resources_that_define_them() {
    let plan = r#"{
  "format_version": "1.2",
  "resource_changes": [
    {"address": "aws_iam_role.ops", "mode": "managed", "type": "aws_iam_role", "name": "ops",
     "change": {"actions": ["create"], "before": null,
       "after": {"assume_role_policy": "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"ec2.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}", "name_prefix": "ops-"},
       "after_unknown": {"name": true, "arn": true, "id": true}}},
    {"address": "aws_iam_policy.admin", "mode": "managed", "type": "aws_iam_policy", "name": "admin",
     "change": {"actions": ["create"], "before": null,
       "after": {"name": "admin", "policy": "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"iam:*\",\"Resource\":\"*\"}]}"},
       "after_unknown": {"arn": true, "id": true}}},
    {"address": "aws_iam_role_policy_attachment.ops_admin", "mode": "managed",
     "type": "aws_iam_role_policy_attachment", "name": "ops_admin",
     "change": {"actions": ["create"], "before": null, "after": {},
       "after_unknown": {"role": true, "policy_arn": true, "id": true}}},
    {"address": "aws_cloudtrail.org", "mode": "managed", "type": "aws_cloudtrail", "name": "org",
     "change": {"actions": ["delete"], "before": {"name": "org", "enable_logging": true}, "after": null}}
  ],
  "configuration": {"root_module": {"resources": [
    {"address": "aws_iam_role_policy_attachment.ops_admin", "mode": "managed",
     "type": "aws_iam_role_policy_attachment", "name": "ops_admin",
     "expressions": {"role": {"references": ["aws_iam_role.ops.name", "aws_iam_role.ops"]},
                     "policy_arn": {"references": ["aws_iam_policy.admin.arn", "aws_iam_policy.admin"]}}}
  ]}}
}"#;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("plan.json");
    std::fs::write(&path, plan).expect("write");
    let (code, report) = json(&[path.to_str().expect("utf-8")]);
    assert_eq!(code, 1);
    // The role's name is known only after apply: its id is the address that defines it.
    let p = principal(&report, "aws:role/aws_iam_role.ops");
    let g = &p["gained"][0];
    assert_eq!(g["permission"], "iam:*");
    assert_eq!(g["via"], "aws_iam_policy.admin");
    assert!(strings(&p["duties_gained"]).contains(&"privilege_admin"));
    assert!(fired(&report).contains(&(
        "privilege-and-evidence".to_string(),
        "aws:role/aws_iam_role.ops".to_string()
    )));
}

/// Colour on a terminal, never with NO_COLOR. A terminal is made with `script` (util-linux)
/// where it is installed; elsewhere the test says so and checks nothing more.
#[test]
fn colour_only_on_a_terminal_and_never_with_no_color() {
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("`script` is not installed: no terminal to test colour on");
        return;
    }
    let bin = assert_cmd::cargo::cargo_bin("foureyes");
    let line = format!("{} review testdata/example/plan.json", bin.display());
    let on_terminal = |no_color: bool| {
        let mut cmd = std::process::Command::new("script");
        cmd.args(["-qec", &line, "/dev/null"]).current_dir(root());
        cmd.env_remove("NO_COLOR");
        if no_color {
            cmd.env("NO_COLOR", "1");
        }
        String::from_utf8_lossy(&cmd.output().expect("script runs").stdout).into_owned()
    };
    let coloured = on_terminal(false);
    assert!(
        coloured.contains("\u{1b}[1;31mAPPROVAL REQUIRED"),
        "{coloured}"
    );
    let plain = on_terminal(true);
    assert!(plain.contains("APPROVAL REQUIRED"), "{plain}");
    assert!(!plain.contains('\u{1b}'), "{plain}");
}

/// Regression guard: addresses come from the plan (`for_each` keys can hold anything); terminal
/// escapes in them must not reach the terminal.
#[test]
fn control_characters_from_the_plan_are_escaped_in_text() {
    let plan = r#"{"format_version": "1.2", "resource_changes": [
      {"address": "aws_iam_role_policy.p[\"\u001b[2J\u001b]0;pwned\u0007\"]", "mode": "managed",
       "type": "aws_iam_role_policy", "name": "p",
       "change": {"actions": ["create"], "before": null,
         "after": {"role": "ci\u001b[31m", "policy": "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"iam:PassRole\",\"Resource\":\"*\"}]}"},
         "after_unknown": {}}}]}"#;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("plan.json");
    std::fs::write(&path, plan).expect("write");
    let r = run(&["review", path.to_str().expect("utf-8")]);
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    assert!(!r.stdout.contains('\u{1b}'), "{}", r.stdout);
    assert!(!r.stdout.contains('\u{7}'), "{}", r.stdout);
    assert!(r.stdout.contains("\\u{1b}[2J"), "{}", r.stdout);
}

#[test]
fn rules_and_explain() {
    let r = run(&["rules"]);
    assert_eq!(r.code, 0);
    for (id, severity) in [
        ("privilege-and-evidence", "critical"),
        ("toxic-combination", "matrix"),
        ("self-escalation", "high"),
    ] {
        let line = r
            .stdout
            .lines()
            .find(|l| l.starts_with(id))
            .unwrap_or_else(|| panic!("{id} in {}", r.stdout));
        assert!(line.contains(severity), "{line}");
    }
    // For a terminal: the Markdown read as text, wrapped to COLUMNS.
    let out = common::foureyes()
        .args(["explain", "privilege-and-evidence"])
        .env("COLUMNS", "72")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    for section in [
        "What it finds.",
        "Why it matters.",
        "Example.",
        "How to fix it.",
        "Justified exceptions.",
    ] {
        assert!(text.contains(section), "{section}: {text}");
    }
    assert!(!text.contains("**") && !text.contains("###"), "{text}");
    assert!(text.lines().all(|l| l.chars().count() <= 72), "{text}");
    // As Markdown, as it is.
    let r = run(&["explain", "privilege-and-evidence", "--format", "markdown"]);
    assert_eq!(r.code, 0);
    for section in [
        "**What it finds.**",
        "**Why it matters.**",
        "**Example.**",
        "**How to fix it.**",
        "**Justified exceptions.**",
    ] {
        assert!(r.stdout.contains(section), "{section}: {}", r.stdout);
    }
    let r = run(&["explain", "no-such-rule"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no-such-rule"), "{}", r.stderr);
    assert!(r.stderr.contains("toxic-combination"), "{}", r.stderr);
}

/// The README's rule reference is generated from the rules' own documentation.
#[test]
fn the_readme_rule_reference_is_the_rules_own_documentation() {
    let generated = run(&["rules", "--format", "markdown"]).stdout;
    assert_eq!(
        common::readme_block("rules"),
        generated,
        "regenerate it with `foureyes rules --format markdown`"
    );
}

/// The README shows the real review comment of its example.
#[test]
fn the_readme_shows_the_real_comment_of_its_example() {
    let r = run(&[
        "review",
        "--format",
        "markdown",
        "testdata/example/plan.json",
    ]);
    assert_eq!(
        common::readme_block("comment"),
        r.stdout,
        "update the README's example comment"
    );
}
