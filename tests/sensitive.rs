//! Values marked sensitive are judged, never printed: canary strings in sensitive names, policy
//! ARNs, trust policies, whole objects, unreadable policies, the pipeline identity and Pulumi
//! secrets reach no output of any format, no error and no message to GitHub, while the findings
//! that rest on them are still there.

mod common;
#[path = "common/github.rs"]
mod fake;

use common::{fired, json_files, principal, root, run, strings};
use fake::Fake;
use serde_json::Value;
use std::collections::BTreeSet;

/// Held by every sensitive value of the fixtures below (testdata/README.md, "sensitive").
const CANARY: &str = "CANARY-7f3a";
/// The older fixture's canaries (`plans/sensitive/sensitive-policy.json`).
const OLD_CANARY: &str = "SENSITIVE-CANARY";

const FORMATS: [&str; 4] = ["text", "json", "markdown", "sarif"];

/// The sensitive fixtures: every plan under `plans/sensitive` and the Pulumi preview.
fn fixtures() -> Vec<String> {
    let mut out: Vec<String> = json_files(&root().join("testdata/plans/sensitive"))
        .iter()
        .map(|p| common::relative(p))
        .collect();
    out.push("testdata/previews/sensitive-secrets.json".to_string());
    // And the providers' own: `testdata/providers/<provider>/sensitive/`.
    out.extend(
        json_files(&root().join("testdata/providers"))
            .iter()
            .map(|p| common::relative(p))
            .filter(|p| p.contains("/sensitive/")),
    );
    assert!(out.len() >= 9, "the sensitive fixtures are there: {out:?}");
    out
}

/// Panics when `text` holds anything of a sensitive value.
fn assert_hidden(what: &str, text: &str, secrets: &[&str]) {
    for secret in [CANARY, OLD_CANARY].iter().chain(secrets) {
        assert!(!text.contains(secret), "{what} shows `{secret}`:\n{text}");
    }
}

/// The JSON report of a fixture, which must need an approval (exit 1).
fn judged(args: &[&str]) -> Value {
    let mut all = vec!["review", "--format", "json"];
    all.extend_from_slice(args);
    let r = run(&all);
    assert_eq!(r.code, 1, "{args:?}: {}", r.stderr);
    assert_hidden("the JSON report", &r.stdout, &[]);
    serde_json::from_str(&r.stdout).expect("the report is JSON")
}

fn pairs(list: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    list.iter()
        .map(|(r, p)| (r.to_string(), p.to_string()))
        .collect()
}

/// (permission, scope, via) of a principal's gained grants.
fn gained(p: &Value) -> Vec<(&str, &str, &str)> {
    p["gained"]
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
        .collect()
}

#[test]
fn no_format_shows_a_sensitive_value() {
    let dir = tempfile::tempdir().expect("temp dir");
    for fixture in fixtures() {
        for format in FORMATS {
            let r = run(&["review", "--format", format, &fixture]);
            assert!(r.code == 0 || r.code == 1, "{fixture}: {}", r.stderr);
            assert!(!r.stdout.is_empty(), "{fixture} {format}: a report");
            assert_hidden(&format!("{fixture} --format {format}"), &r.stdout, &[]);
            assert_hidden(
                &format!("{fixture} --format {format}: stderr"),
                &r.stderr,
                &[],
            );
            // The same through --output; where the plan's pipeline identity is sensitive, also
            // with that identity given by its name.
            let file = dir.path().join(format!("report.{format}"));
            let mut args = vec!["review", "--exit-zero", "--format", format];
            if fixture.ends_with("/pipeline.json") {
                args.extend(["--pipeline-principal", "CANARY-7f3a-pipeline"]);
            }
            args.extend(["--output", file.to_str().expect("utf-8"), &fixture]);
            let r = run(&args);
            assert_eq!(r.code, 0, "{fixture}: {}", r.stderr);
            let written = std::fs::read_to_string(&file).expect("the report was written");
            assert_hidden(&format!("{fixture} --output ({format})"), &written, &[]);
            assert_hidden(&format!("{fixture} --output: stdout"), &r.stdout, &[]);
            assert_hidden(&format!("{fixture} --output: stderr"), &r.stderr, &[]);
        }
    }
}

/// A plan that cannot be read is refused (exit 2) with a message that names the place, never
/// the sensitive value found there.
#[test]
fn no_error_quotes_a_sensitive_value() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut refused = 0;
    for fixture in fixtures() {
        let text = std::fs::read_to_string(root().join(&fixture)).expect("fixture");
        // The first sensitive value (in `variables`, for a plan) and the first of the changes.
        let first = text.find(CANARY).expect("the fixture holds its canary");
        let changes = text.find("\"resource_changes\"").unwrap_or(0);
        let in_changes = changes + text[changes..].find(CANARY).expect("a changed canary");
        let mut variants = Vec::new();
        for at in [first, in_changes] {
            // Cut off inside a sensitive value.
            variants.push(text[..at + CANARY.len() + 2].to_string());
            // A raw control character inside a sensitive value.
            variants.push(format!("{}\u{1}{}", &text[..at + 4], &text[at + 4..]));
            // An invalid escape inside a sensitive value.
            variants.push(format!("{}\\q{}", &text[..at + 4], &text[at + 4..]));
        }
        for (i, variant) in variants.iter().enumerate() {
            let path = dir.path().join(format!("broken-{i}.json"));
            std::fs::write(&path, variant).expect("write");
            let r = run(&["review", path.to_str().expect("utf-8")]);
            assert_eq!(r.code, 2, "{fixture} variant {i}: {}", r.stdout);
            assert!(r.stderr.starts_with("error: "), "{}", r.stderr);
            assert_hidden(&format!("{fixture} variant {i}: stderr"), &r.stderr, &[]);
            assert!(r.stdout.is_empty());
            refused += 1;
        }
    }
    assert!(refused >= 54);
    // `variables` holds plaintext values, sensitive ones too: not as Terraform writes it, it
    // is refused without being quoted.
    let text = std::fs::read_to_string(root().join("testdata/plans/sensitive/pipeline.json"))
        .expect("fixture");
    let mut plan: Value = serde_json::from_str(&text).expect("JSON");
    plan["variables"] = Value::from(format!("{CANARY}-in-variables"));
    let path = dir.path().join("variables.json");
    std::fs::write(&path, plan.to_string()).expect("write");
    let r = run(&["review", path.to_str().expect("utf-8")]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stderr.contains("`variables`"), "{}", r.stderr);
    assert_hidden("the error on `variables`", &r.stderr, &[]);
}

/// Two roles whose names are sensitive are two principals, each named by the address that
/// defines it, and every reference to one (by its sensitive name, or by its unmarked `id`)
/// lands on it; AdministratorAccess still makes the new one an administrator.
#[test]
fn sensitive_names_become_addresses_and_are_still_judged() {
    let report = judged(&["testdata/plans/sensitive/role-names.json"]);
    assert_eq!(
        fired(&report),
        pairs(&[
            ("privilege-and-evidence", "aws:role/aws_iam_role.admin"),
            ("toxic-combination", "aws:role/aws_iam_role.admin"),
        ])
    );
    let admin = principal(&report, "aws:role/aws_iam_role.admin");
    assert_eq!(
        gained(admin),
        vec![(
            "arn:aws:iam::aws:policy/AdministratorAccess",
            "*",
            "aws_iam_role_policy_attachment.admin"
        )]
    );
    assert!(strings(&admin["duties_gained"]).contains(&"privilege_admin"));
    let reader = principal(&report, "aws:role/aws_iam_role.reader");
    let vias: Vec<&str> = gained(reader).iter().map(|g| g.2).collect();
    assert_eq!(
        vias,
        vec![
            "aws_iam_role_policy.reader_pause",
            "aws_iam_role_policy.reader_read"
        ]
    );
    assert_eq!(strings(&reader["duties_after"]), vec!["audit_evidence"]);
    assert_eq!(report["principals"].as_array().map(Vec::len), Some(2));

    let report = judged(&["testdata/plans/sensitive/users-groups.json"]);
    assert_eq!(
        fired(&report),
        pairs(&[("toxic-combination", "aws:user/aws_iam_user.breakglass")])
    );
    let user = principal(&report, "aws:user/aws_iam_user.breakglass");
    let through = user["gained"][0]["through"].as_str().expect("through");
    assert!(through.contains("aws:group/aws_iam_group.ops"), "{through}");
    assert!(strings(&user["duties_gained"]).contains(&"audit_evidence"));
}

/// A sensitive `policy_arn` shows as "(sensitive)" and still confers what the policy grants;
/// one that foureyes cannot know is an unknown grant that does not quote it.
#[test]
fn a_sensitive_policy_arn_is_judged_and_not_shown() {
    let admin_arn = "arn:aws:iam::aws:policy/AdministratorAccess";
    for format in FORMATS {
        let r = run(&[
            "review",
            "--format",
            format,
            "testdata/plans/sensitive/policy-arns.json",
        ]);
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert_hidden(format, &r.stdout, &[admin_arn]);
        if format != "sarif" {
            // SARIF carries the rules' documentation, which names the policy as an example.
            assert_hidden(format, &r.stdout, &["AdministratorAccess"]);
        }
    }
    let report = judged(&["testdata/plans/sensitive/policy-arns.json"]);
    assert_eq!(
        fired(&report),
        pairs(&[
            ("privilege-and-evidence", "aws:role/ops-admin"),
            ("toxic-combination", "aws:role/ops-admin"),
        ])
    );
    let ops = principal(&report, "aws:role/ops-admin");
    let duties = strings(&ops["duties_gained"]);
    assert!(duties.contains(&"privilege_admin"), "{duties:?}");
    assert!(duties.contains(&"audit_evidence"), "{duties:?}");
    let grants = gained(ops);
    assert!(grants.contains(&(
        "(sensitive)",
        "(sensitive)",
        "aws_iam_role_policy_attachment.ops_admin"
    )));
    for via in [
        "aws_iam_role_policy_attachment.ops_custom",
        "aws_iam_role_policy_attachment.ops_vendor",
    ] {
        let g = ops["gained"]
            .as_array()
            .expect("gained")
            .iter()
            .find(|g| g["via"] == via)
            .unwrap_or_else(|| panic!("{via} in {ops:#}"));
        assert_eq!(g["unknown"], true);
        assert!(
            g["permission"]
                .as_str()
                .expect("permission")
                .contains("ARN is sensitive"),
            "{g}"
        );
    }
}

/// Whoever a sensitive trust policy admits still gains the role's duties, under an id that
/// says where it is first named and nothing of who it is. The user is named by the trust
/// policy of `auditor` (first in the plan), which was not sensitive before: that side is not
/// shown either.
#[test]
fn principals_of_a_sensitive_trust_policy_are_judged_and_not_shown() {
    let report = judged(&["testdata/plans/sensitive/trust.json"]);
    let user = "aws:user/aws_iam_role.auditor.assume_role_policy#1";
    let github = "aws:federated/aws_iam_role.deployer.assume_role_policy#1";
    assert_eq!(
        fired(&report),
        pairs(&[
            ("privilege-and-evidence", user),
            ("privilege-and-evidence", github),
            ("toxic-combination", user),
            ("toxic-combination", github),
        ])
    );
    for id in [user, github] {
        let p = principal(&report, id);
        assert_eq!(p["gained"][0]["permission"], "sts:AssumeRole");
        assert_eq!(p["gained"][0]["scope"], "aws:role/deployer");
        assert!(strings(&p["duties_gained"]).contains(&"privilege_admin"));
    }
    // Nothing of the trusted identities: their account, the OIDC provider, the subject.
    for format in FORMATS {
        let r = run(&[
            "review",
            "--format",
            format,
            "testdata/plans/sensitive/trust.json",
        ]);
        assert_hidden(
            format,
            &r.stdout,
            &["444455556666", "githubusercontent", "repo:acme"],
        );
    }
}

/// Objects marked sensitive as a whole, and a list marked as a whole.
#[test]
fn whole_sensitive_objects_are_judged_and_not_shown() {
    let report = judged(&["testdata/plans/sensitive/whole-objects.json"]);
    let vault = "aws:role/aws_iam_role.vault";
    let listed = "aws:user/aws_iam_policy_attachment.breakglass.users#1";
    let member = "aws:user/aws_iam_user_group_membership.vault_admin.user";
    assert_eq!(
        fired(&report),
        pairs(&[
            ("privilege-and-evidence", vault),
            ("privilege-and-evidence", listed),
            ("privilege-and-evidence", member),
            ("toxic-combination", member),
        ])
    );
    assert_eq!(
        gained(principal(&report, vault)),
        vec![("(sensitive)", "(sensitive)", "aws_iam_role.vault")]
    );
    assert_eq!(
        gained(principal(&report, listed))[0].0,
        "arn:aws:iam::aws:policy/IAMFullAccess"
    );
    let trusted = principal(&report, "aws:user/aws_iam_role.vault.assume_role_policy#1");
    assert_eq!(trusted["gained"][0]["scope"], vault);
    let weakened = &report["evidence_weakened"][0];
    assert_eq!(weakened["address"], "aws_cloudwatch_log_group.vault_audit");
    assert_eq!(
        weakened["how"],
        "shortens retention (retention_in_days: (sensitive) → (sensitive))"
    );
    let drift = &report["drift"][0];
    assert_eq!(drift["address"], "aws_cloudtrail.vault");
    assert_eq!(
        strings(&drift["weakens"]),
        vec!["stops logging (enable_logging: (sensitive) → (sensitive))"]
    );
}

/// A sensitive policy that is not a policy document is a possible grant of anything, said to
/// be sensitive and unreadable, and the parser's message (which quotes it) is left out.
#[test]
fn an_unreadable_sensitive_policy_is_unknown_and_not_quoted() {
    let report = judged(&["testdata/plans/sensitive/unparsable-policies.json"]);
    assert_eq!(
        fired(&report),
        pairs(&[
            ("privilege-and-evidence", "aws:role/ci-deployer"),
            ("privilege-and-evidence", "aws:role/inline-opaque"),
        ])
    );
    assert_eq!(report["findings"][0]["possible"], true);
    let unknown: BTreeSet<(&str, &str)> = report["unknown"]
        .as_array()
        .expect("unknown")
        .iter()
        .map(|u| {
            let detail = u["detail"].as_str().expect("detail");
            assert!(
                detail.contains("sensitive and could not be read"),
                "{detail}"
            );
            (
                u["address"].as_str().expect("address"),
                u["attribute"].as_str().expect("attribute"),
            )
        })
        .collect();
    assert_eq!(
        unknown,
        BTreeSet::from([
            ("aws_iam_policy.opaque", "policy"),
            ("aws_iam_role.inline_opaque", "inline_policy"),
            ("aws_iam_role.trust_opaque", "assume_role_policy"),
            ("aws_iam_role_policy.bad_effect", "policy"),
            ("aws_iam_role_policy.garbled", "policy"),
            ("aws_iam_role_policy.statement_text", "policy"),
        ])
    );
    let ci = principal(&report, "aws:role/ci-deployer");
    assert_eq!(ci["gained"].as_array().map(Vec::len), Some(4));
    for g in ci["gained"].as_array().expect("gained") {
        assert_eq!(g["unknown"], true, "{g}");
    }
    // What the parser would have said names the value: none of it.
    let text = run(&[
        "review",
        "testdata/plans/sensitive/unparsable-policies.json",
    ]);
    assert_hidden(
        "the text report",
        &text.stdout,
        &["invalid type", "expected", "Effect"],
    );
}

/// The provider assumes a role whose ARN comes from a sensitive variable: the pipeline
/// identity is found, judged and named by where the change set names the role.
#[test]
fn a_sensitive_pipeline_identity_is_judged_and_not_shown() {
    let plan = "testdata/plans/sensitive/pipeline.json";
    let id = "aws:role/aws_iam_role_policy_attachment.ci_iam.role";
    let detected = judged(&[plan]);
    assert_eq!(fired(&detected), pairs(&[("self-escalation", id)]));
    assert_eq!(detected["pipeline_principals"][0]["id"], id);
    let source = detected["pipeline_principals"][0]["source"]
        .as_str()
        .expect("source");
    assert!(
        source
            .ends_with("provider \"aws\" assume_role.role_arn (var.pipeline_role_arn, sensitive)"),
        "{source}"
    );
    // Given by its name or ARN on the command line, it is the same principal, still hidden.
    for given in [
        "CANARY-7f3a-pipeline",
        "arn:aws:iam::111122223333:role/CANARY-7f3a-pipeline",
    ] {
        let configured = judged(&["--pipeline-principal", given, plan]);
        assert_eq!(fired(&configured), pairs(&[("self-escalation", id)]));
        assert_eq!(configured["pipeline_principals"][0]["id"], id);
    }
}

/// Pulumi secrets, in each form Pulumi writes them, are judged where their value is there and
/// unknown where it is not.
#[test]
fn pulumi_secrets_are_judged_and_not_shown() {
    let report = judged(&["testdata/previews/sensitive-secrets.json"]);
    let admin = "aws:role/aws_iam_role.admin";
    assert_eq!(
        fired(&report),
        pairs(&[
            ("privilege-and-evidence", admin),
            ("toxic-combination", admin),
        ])
    );
    let p = principal(&report, admin);
    assert!(gained(p).contains(&(
        "(sensitive)",
        "(sensitive)",
        "aws_iam_role_policy_attachment.admin"
    )));
    let unknown: Vec<&str> = report["unknown"]
        .as_array()
        .expect("unknown")
        .iter()
        .map(|u| u["address"].as_str().expect("address"))
        .collect();
    assert_eq!(
        unknown,
        vec![
            "aws_iam_role_policy.opaque",
            "aws_iam_role_policy_attachment.vendor"
        ]
    );
    for format in FORMATS {
        let r = run(&[
            "review",
            "--format",
            format,
            "testdata/previews/sensitive-secrets.json",
        ]);
        assert_hidden(format, &r.stdout, &["4dabf18193072939515e22adb298388d"]);
    }
}

/// `foureyes github`, dry or not: what it prints, writes to the job summary and outputs, and
/// posts to GitHub holds no sensitive value.
#[tokio::test(flavor = "multi_thread")]
async fn nothing_sent_to_github_shows_a_sensitive_value() {
    for fixture in fixtures() {
        for dry in [true, false] {
            let fake = Fake::start().await;
            let mut args = vec![fixture.as_str()];
            if dry {
                args.insert(0, "--dry-run");
            }
            let r = fake::run(
                &fake,
                "pull_request",
                &args,
                "ghs_sensitiveTestToken0123456789abcdef",
            )
            .await;
            let what = format!("{fixture} (dry run: {dry})");
            assert!(
                r.code == 0 || r.code == 1,
                "{what}: exit {}: {}",
                r.code,
                r.stderr
            );
            if dry {
                assert!(r.stdout.contains("Dry run"), "{what}: {}", r.stdout);
            }
            assert_hidden(&format!("{what}: stdout"), &r.stdout, &[]);
            assert_hidden(&format!("{what}: stderr"), &r.stderr, &[]);
            assert_hidden(&format!("{what}: job summary"), &r.summary, &[]);
            assert_hidden(&format!("{what}: outputs"), &r.outputs, &[]);
            let sent: Vec<String> = fake.with(|s| s.seen.iter().map(|x| x.body.clone()).collect());
            if !dry {
                assert!(!sent.is_empty(), "{what}: something was posted");
            }
            for body in sent {
                assert_hidden(&format!("{what}: posted"), &body, &[]);
            }
        }
    }
}
