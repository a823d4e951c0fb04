//! Providers as users meet them: the fixtures of `testdata/providers/<provider>/`, which
//! exercise the resource types no other fixture uses, reach their verdicts, and what users see
//! of them is snapshotted. (That every registered provider has such fixtures, and that every
//! resource type of its shapes appears in one, is checked in `src/privilege/tests.rs`.)

mod common;

use common::{expectations, gained, json_files, principal, relative, root, run, strings};

use serde_json::Value;

fn json(path: &str) -> (i32, Value) {
    let r = run(&["review", "--format", "json", path]);
    assert!(
        r.code == 0 || r.code == 1,
        "{path}: exit {}: {}",
        r.code,
        r.stderr
    );
    (
        r.code,
        serde_json::from_str(&r.stdout).expect("the report is JSON"),
    )
}

#[test]
fn every_provider_fixture_reaches_its_verdict() {
    let all = expectations();
    assert!(!all.is_empty());
    for (file, expect) in &all {
        let (got, report) = json(file);
        assert_eq!(got, expect.exit, "{file}: exit code\n{report:#}");
        let want: Vec<(&str, &str)> = expect
            .findings
            .iter()
            .map(|(r, p)| (r.as_str(), p.as_str()))
            .collect();
        common::assert_fired(&report, &want, file);
    }
}

#[test]
fn every_provider_fixture_has_an_expectation() {
    let all = expectations();
    for f in json_files(&root().join("testdata/providers")) {
        let rel = relative(&f);
        assert!(
            all.iter().any(|(name, _)| *name == rel),
            "{rel} belongs to no expectation: add it to the expect.toml beside it"
        );
    }
    for (name, _) in &all {
        assert!(
            root().join(name).is_file(),
            "{name} is expected but missing"
        );
    }
}

/// The inline policies of users and of groups: a member holds what the group's policy grants,
/// marked as passed on by the group; the group itself holds only that.
#[test]
fn user_and_group_policies_reach_the_user_and_through_the_group() {
    let (_, report) = json("testdata/providers/aws/user-and-group-policies.json");
    let bob = principal(&report, "aws:user/bob");
    assert_eq!(
        gained(bob),
        [
            ("cloudtrail:StopLogging", "aws_iam_user_policy.bob_trail"),
            ("iam:AttachUserPolicy", "aws_iam_group_policy.ops_iam"),
            ("iam:PutUserPolicy", "aws_iam_group_policy.ops_iam"),
        ]
    );
    assert_eq!(
        strings(&bob["duties_gained"]),
        ["audit_evidence", "privilege_admin"]
    );
    let ops = principal(&report, "aws:group/ops");
    assert_eq!(strings(&ops["duties_gained"]), ["privilege_admin"]);
}

/// Named after the fixture (`providers__json@aws__user-and-group-policies.json.snap`), so that
/// adding a fixture never renames another's snapshot.
#[test]
fn snapshots_of_every_provider_fixture() {
    let dir = root().join("testdata/providers");
    for path in json_files(&dir) {
        let rel = relative(&path);
        let name = rel
            .strip_prefix("testdata/providers/")
            .expect("under testdata/providers")
            .replace('/', "__");
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_suffix(name);
        settings.set_input_file(&path);
        settings.bind(|| {
            let text = run(&["review", "--exit-zero", &rel]);
            assert_eq!(text.code, 0, "{}", text.stderr);
            insta::assert_snapshot!("text", text.stdout);
            let json = run(&["review", "--exit-zero", "--format", "json", &rel]);
            insta::assert_snapshot!("json", json.stdout);
        });
    }
}

/// Removing foureyes' own required check is critical, above the rule's high; the new admin is
/// named as who could use the weakened review.
#[test]
fn removing_the_foureyes_check_is_critical_control_tampering() {
    let (_, report) = json("testdata/providers/github/admin-while-weakened.json");
    let finding = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "control-tampering")
        .expect("a control-tampering finding");
    assert_eq!(finding["severity"], "critical");
    assert_eq!(
        strings(&finding["principals"]),
        ["github:user/dev-contractor"]
    );
    assert!(finding["message"]
        .as_str()
        .expect("message")
        .contains("foureyes, the gate itself"));
}

/// `github_team_members` states the team's whole membership: a member added by another resource
/// loses what the team holds, with nothing of hers changed.
#[test]
fn an_authoritative_membership_removes_whom_it_does_not_list() {
    let (_, report) = json("testdata/providers/github/team-members-authoritative.json");
    let erin = principal(&report, "github:user/erin");
    assert!(gained(erin).is_empty());
    assert_eq!(erin["lost"].as_array().expect("lost").len(), 1);
    let dave = principal(&report, "github:user/dave");
    assert_eq!(
        gained(dave),
        [("repository:push", "github_team_repository.reviewers_api")]
    );
}

/// A RoleBinding of a ClusterRole grants in its namespace only; a ClusterRoleBinding grants
/// cluster-wide.
#[test]
fn a_rolebinding_scopes_a_cluster_role_to_its_namespace() {
    let (_, report) = json("testdata/providers/kubernetes/rolebinding-of-cluster-role.json");
    let admins = principal(&report, "kubernetes:group/team-a-admins");
    let grant = &admins["gained"][0];
    assert_eq!(grant["permission"], "ClusterRole:admin");
    assert_eq!(grant["scope"], "team-a");
    let (_, report) = json("testdata/providers/kubernetes/cluster-admin-binding.json");
    let deployer = principal(&report, "kubernetes:serviceaccount/ci/deployer");
    assert_eq!(deployer["gained"][0]["scope"], "*");
}
