//! Providers as users meet them: the fixtures of `testdata/providers/<provider>/`, which
//! exercise the resource types no other fixture uses, reach their verdicts, and what users see
//! of them is snapshotted. (That every registered provider has such fixtures, and that every
//! resource type of its shapes appears in one, is checked in `src/privilege/tests.rs`.)

mod common;

use common::{expectations, gained, json_files, principal, relative, root, run, strings};

use serde_json::Value;

fn json(path: &str) -> (i32, Value) {
    common::review_json(path)
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
            common::snapshot_reports!(&rel);
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
    let (_, report) = json("testdata/providers/k8s/rolebinding-of-cluster-role.json");
    let admins = principal(&report, "k8s:Group/team-a-admins");
    let grant = &admins["gained"][0];
    assert_eq!(grant["permission"], "ClusterRole:admin");
    assert_eq!(grant["scope"], "team-a");
    let (_, report) = json("testdata/providers/k8s/cluster-admin-binding.json");
    let deployer = principal(&report, "k8s:ServiceAccount/ci/deployer");
    assert_eq!(deployer["gained"][0]["scope"], "*");
}

/// (permission, via) of a principal's lost grants.
fn lost(principal: &Value) -> Vec<(&str, &str)> {
    principal["lost"]
        .as_array()
        .expect("lost")
        .iter()
        .map(|g| {
            (
                g["permission"].as_str().expect("permission"),
                g["via"].as_str().expect("via"),
            )
        })
        .collect()
}

/// Google's authoritative resources: a new binding takes its role from the members other
/// resources give it, a new IAM policy takes every role given on the project, and a member
/// dropped from a binding loses the role.
#[test]
fn google_authoritative_resources_take_grants_away() {
    let (_, report) = json("testdata/providers/gcp/lost/binding-created-replaces-members.json");
    let frank = principal(&report, "gcp:user/frank@acme.example");
    assert_eq!(
        lost(frank),
        [("roles/editor", "google_project_iam_member.frank_editor")]
    );
    let (_, report) = json("testdata/providers/gcp/lost/policy-drops-members.json");
    let carol = principal(&report, "gcp:user/carol@acme.example");
    assert_eq!(
        lost(carol),
        [("roles/editor", "google_project_iam_member.carol_editor")]
    );
    let builder = principal(
        &report,
        "gcp:serviceAccount/builder@acme-prod.iam.gserviceaccount.com",
    );
    assert_eq!(
        lost(builder),
        [(
            "roles/cloudbuild.builds.editor",
            "google_project_iam_binding.builders"
        )]
    );
    let (_, report) = json("testdata/providers/gcp/lost/binding-member-removed.json");
    let bob = principal(&report, "gcp:user/bob@acme.example");
    assert_eq!(
        lost(bob),
        [("roles/editor", "google_project_iam_binding.editors")]
    );
    assert!(report["principals"]
        .as_array()
        .expect("principals")
        .iter()
        .all(|p| p["id"] != "gcp:user/alice@acme.example"));
}

/// Impersonation is trust: a member given a role that lets it mint a service account's tokens
/// acts as the account, and holds its duties; a custom role is read by its permissions; a
/// conditional grant stays conditional.
#[test]
fn google_impersonation_custom_roles_and_conditions() {
    let (_, report) = json("testdata/providers/gcp/impersonation/token-creator-on-owner.json");
    let eve = principal(&report, "gcp:user/eve@acme.example");
    assert_eq!(
        gained(eve),
        [
            (
                "roles/iam.serviceAccountTokenCreator",
                "google_service_account_iam_member.eve_token_creator"
            ),
            (
                "act as",
                "google_service_account_iam_member.eve_token_creator"
            ),
        ]
    );
    assert!(strings(&eve["duties_gained"]).contains(&"privilege_admin"));

    let (_, report) = json("testdata/providers/gcp/custom-role.json");
    let bot = principal(
        &report,
        "gcp:serviceAccount/ops-bot@acme-prod.iam.gserviceaccount.com",
    );
    let permissions: Vec<&str> = gained(bot).into_iter().map(|(p, _)| p).collect();
    assert!(permissions.contains(&"resourcemanager.projects.setIamPolicy"));
    assert!(permissions.contains(&"logging.sinks.delete"));

    let (_, report) = json("testdata/providers/gcp/conditional-grant.json");
    let oncall = principal(&report, "gcp:group/oncall@acme.example");
    assert_eq!(oncall["gained"][0]["conditional"], true);
}

/// A member named by a sensitive value goes by the place that names it, and its value shows in
/// no format.
#[test]
fn google_sensitive_member_never_shows() {
    let file = "testdata/providers/gcp/sensitive-member.json";
    let text = std::fs::read_to_string(root().join(file)).expect("the fixture");
    assert!(
        text.to_lowercase().contains("canary-7f3a"),
        "the fixture holds its canary"
    );
    for format in ["text", "json", "markdown", "sarif"] {
        let r = run(&["review", "--exit-zero", "--format", format, file]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        for out in [&r.stdout, &r.stderr] {
            assert!(
                !out.to_lowercase().contains("canary-7f3a"),
                "{format} shows the sensitive member:\n{out}"
            );
        }
    }
    let (_, report) = json(file);
    principal(
        &report,
        "gcp:serviceAccount/google_project_iam_member.breakglass.member",
    );
}

/// Azure: a principal id from a sensitive variable goes by the place that names it, is judged,
/// and its object id shows in no format.
#[test]
fn azure_sensitive_principal_ids_are_judged_and_not_shown() {
    const SECRET: &str = "CANARY-7f3a-c0de-4a11-a7f3-7f3a7f3a0001";
    let file = "testdata/providers/azure/sensitive/principal-id.json";
    for format in ["text", "json", "markdown", "sarif"] {
        let r = run(&["review", "--exit-zero", "--format", format, file]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(!r.stdout.contains(SECRET), "{format} shows the object id");
        assert!(
            !r.stderr.contains(SECRET),
            "{format}: stderr shows the object id"
        );
    }
    let (_, report) = json(file);
    let p = principal(
        &report,
        "azure:principal/azurerm_role_assignment.breakglass_owner.principal_id",
    );
    assert_eq!(
        gained(p),
        [("Owner", "azurerm_role_assignment.breakglass_owner")]
    );
}

/// Azure: one principal per Entra ID object, however it is named. A group's authoritative
/// members list drops alice (who loses Owner through the group) and adds mallory; a service
/// principal joins by azuread_group_member: each holds the group's role, passed on by the
/// group.
#[test]
fn azure_group_members_hold_the_groups_roles() {
    let (_, report) = json("testdata/providers/azure/entra/group-members.json");
    let mallory = principal(
        &report,
        "azure:principal/9e5e6a23-83db-4ad8-afca-073d16f038f7",
    );
    assert_eq!(
        gained(mallory),
        [("Owner", "azurerm_role_assignment.platform_admins_owner")]
    );
    let alice = principal(
        &report,
        "azure:principal/d79582cd-2d81-43cc-a15d-f5aac67a62fc",
    );
    assert_eq!(strings(&alice["duties_after"]), Vec::<&str>::new());
    assert!(strings(&alice["duties_before"]).contains(&"privilege_admin"));
}

/// Azure: a federated identity credential lets a GitHub subject act as the identity its
/// `parent_id` names (by resource id, found in the change set), and so hold what it holds.
#[test]
fn azure_federated_subjects_hold_what_their_identity_holds() {
    let (_, report) = json("testdata/providers/azure/identity/federated-github.json");
    let subject = principal(
        &report,
        "azure:federated/token.actions.githubusercontent.com[repo:acme/infra:pull_request]",
    );
    assert_eq!(
        gained(subject),
        [(
            "act as",
            "azurerm_federated_identity_credential.github_pull_requests"
        )]
    );
    assert!(strings(&subject["duties_after"]).contains(&"privilege_admin"));
    assert!(report["unknown"]
        .as_array()
        .is_none_or(|u| u.iter().all(|u| u["attribute"] != "parent_id")));
}
