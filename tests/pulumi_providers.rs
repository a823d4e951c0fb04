//! Pulumi previews of every provider family (`testdata/previews/providers/`): Pulumi's type
//! tokens and properties mapped by `rulesets/pulumi/` reach the same extractors as Terraform's
//! types, so that the same scenario gives the same findings; what no table maps is named by
//! the coverage; secrets inside reshaped properties stay secret.

mod common;

use common::{fired, gained, json_files, principal, relative, root, run, strings};
use serde_json::Value;
use std::collections::BTreeSet;

/// One preview: its exit code, exactly the (rule, principal) pairs that fire (`""` for a
/// finding that names no principal), and the Terraform fixture of the same scenario, if any,
/// with the rules the twin may fire that a preview cannot (a Terraform provider block names
/// the pipeline's identity; a preview holds no provider configuration).
struct Expected {
    file: &'static str,
    exit: i32,
    findings: &'static [(&'static str, &'static str)],
    twin: Option<(&'static str, &'static [&'static str])>,
}

const DIR: &str = "testdata/previews/providers";

const EXPECTED: &[Expected] = &[
    Expected {
        file: "aws/trail-stopped.json",
        exit: 1,
        findings: &[("privilege-and-evidence", "aws:role/ci-deployer")],
        twin: Some((
            "testdata/plans/privilege-and-evidence/trail-stopped.json",
            &[],
        )),
    },
    Expected {
        file: "aws/new-service.json",
        exit: 0,
        findings: &[],
        twin: None,
    },
    Expected {
        file: "gcp/admin-and-sink-disabled.json",
        exit: 1,
        findings: &[(
            "privilege-and-evidence",
            "gcp:serviceAccount/ci-deployer@acme-prod.iam.gserviceaccount.com",
        )],
        twin: Some((
            "testdata/providers/gcp/privilege-and-evidence/admin-and-sink-disabled.json",
            &[],
        )),
    },
    Expected {
        file: "gcp/ordinary.json",
        exit: 0,
        findings: &[],
        twin: None,
    },
    Expected {
        file: "azure-native/owner-and-diagnostics.json",
        exit: 1,
        findings: &[
            (
                "privilege-and-evidence",
                "azure:principal/4cb207e2-76ec-4ae7-a816-aee01c6bc210",
            ),
            (
                "toxic-combination",
                "azure:principal/4cb207e2-76ec-4ae7-a816-aee01c6bc210",
            ),
        ],
        twin: Some((
            "testdata/providers/azure/rbac/owner-and-diagnostics-weakened.json",
            &["self-escalation"],
        )),
    },
    Expected {
        file: "azure-native/ordinary.json",
        exit: 0,
        findings: &[],
        twin: None,
    },
    Expected {
        file: "azuread/global-admin.json",
        exit: 1,
        findings: &[
            (
                "privilege-and-evidence",
                "azure:principal/83bc0de2-1185-4893-aaab-d4b766cd7915",
            ),
            (
                "privilege-and-evidence",
                "azure:principal/8cf0baec-d4af-477a-a656-141b2a25eb2c",
            ),
            (
                "privilege-and-evidence",
                "azure:principal/9e5e6a23-83db-4ad8-afca-073d16f038f7",
            ),
            (
                "toxic-combination",
                "azure:principal/9e5e6a23-83db-4ad8-afca-073d16f038f7",
            ),
        ],
        twin: Some(("testdata/providers/azure/entra/global-admin.json", &[])),
    },
    Expected {
        file: "azuread/ordinary.json",
        exit: 0,
        findings: &[],
        twin: None,
    },
    Expected {
        file: "kubernetes/cluster-admin-binding.json",
        exit: 1,
        findings: &[("toxic-combination", "k8s:ServiceAccount/ci/deployer")],
        twin: Some(("testdata/providers/k8s/cluster-admin-binding.json", &[])),
    },
    Expected {
        file: "kubernetes/secret-subject.json",
        exit: 1,
        findings: &[(
            "toxic-combination",
            "k8s:User/kubernetes_cluster_role_binding_v1.breakglass.subject#1",
        )],
        twin: None,
    },
    Expected {
        file: "kubernetes/ordinary-app.json",
        exit: 0,
        findings: &[],
        twin: Some(("testdata/providers/k8s/ordinary-app.json", &[])),
    },
    Expected {
        file: "github/protection-weakened.json",
        exit: 1,
        findings: &[("control-tampering", "")],
        twin: Some(("testdata/providers/github/protection-weakened.json", &[])),
    },
    Expected {
        file: "github/ordinary.json",
        exit: 0,
        findings: &[],
        twin: None,
    },
    Expected {
        file: "coverage/unknown-tokens.json",
        exit: 0,
        findings: &[],
        twin: None,
    },
];

fn path(file: &str) -> String {
    format!("{DIR}/{file}")
}

fn json(path: &str) -> (i32, Value) {
    common::review_json(path)
}

#[test]
fn every_preview_reaches_its_verdict() {
    for e in EXPECTED {
        let file = path(e.file);
        let (code, report) = json(&file);
        assert_eq!(code, e.exit, "{file}: exit code\n{report:#}");
        common::assert_fired(&report, e.findings, &file);
    }
}

#[test]
fn every_preview_has_an_expectation() {
    let listed: BTreeSet<String> = EXPECTED.iter().map(|e| path(e.file)).collect();
    for f in json_files(&root().join(DIR)) {
        let rel = relative(&f);
        assert!(listed.contains(&rel), "{rel} is in no row of EXPECTED");
    }
    for file in &listed {
        assert!(
            root().join(file).is_file(),
            "{file} is expected but missing"
        );
    }
}

/// The strongest check of the mapping: the scenario of a Terraform fixture, written as Pulumi
/// writes it, gives the same findings.
#[test]
fn the_same_scenario_gives_the_same_findings_through_pulumi() {
    for e in EXPECTED {
        let Some((twin, only_terraform)) = e.twin else {
            continue;
        };
        let (pulumi_code, pulumi) = json(&path(e.file));
        let (terraform_code, terraform) = json(twin);
        let keep = |set: BTreeSet<(String, String)>| -> BTreeSet<(String, String)> {
            set.into_iter()
                .filter(|(rule, _)| !only_terraform.contains(&rule.as_str()))
                .collect()
        };
        assert_eq!(
            keep(fired(&pulumi)),
            keep(fired(&terraform)),
            "{} and its twin {twin}",
            e.file
        );
        assert_eq!(pulumi_code, terraform_code, "{} and {twin}: exit", e.file);
    }
}

/// Each provider family has a preview that needs approval and one that must pass.
#[test]
fn every_provider_family_needs_approval_once_and_passes_once() {
    for family in [
        "aws",
        "gcp",
        "azure-native",
        "azuread",
        "kubernetes",
        "github",
    ] {
        let exits: BTreeSet<i32> = EXPECTED
            .iter()
            .filter(|e| e.file.starts_with(&format!("{family}/")))
            .map(|e| e.exit)
            .collect();
        assert_eq!(exits, BTreeSet::from([0, 1]), "{family}");
    }
}

/// What the reshaped properties say reaches the deltas: Google's IAM member by its token, a
/// Kubernetes binding's `subjects`, ARM's `roleDefinitionId` and `logs`.
#[test]
fn grants_and_weakenings_come_through_the_reshaped_properties() {
    let (_, report) = json(&path("gcp/admin-and-sink-disabled.json"));
    let sa = principal(
        &report,
        "gcp:serviceAccount/ci-deployer@acme-prod.iam.gserviceaccount.com",
    );
    assert_eq!(
        gained(sa)[0],
        (
            "roles/resourcemanager.projectIamAdmin",
            "google_project_iam_member.ci-iam-admin"
        )
    );

    let (_, report) = json(&path("kubernetes/cluster-admin-binding.json"));
    let deployer = principal(&report, "k8s:ServiceAccount/ci/deployer");
    assert!(
        gained(deployer)
            .iter()
            .all(|(_, via)| *via == "kubernetes_cluster_role_binding_v1.ci-admin"),
        "{deployer:#}"
    );

    let (_, report) = json(&path("azure-native/owner-and-diagnostics.json"));
    let id = principal(
        &report,
        "azure:principal/4cb207e2-76ec-4ae7-a816-aee01c6bc210",
    );
    assert_eq!(
        gained(id),
        [("Owner", "azurerm_role_assignment.deployer-owner")]
    );
    let text = run(&["review", &path("azure-native/owner-and-diagnostics.json")]).stdout;
    assert!(
        text.contains("stops sending a log category (log.category loses \"Administrative\")"),
        "{text}"
    );

    // The versioned token of a role assignment maps as the unversioned one: the new identity
    // reads blobs on one account.
    let (_, report) = json(&path("azure-native/ordinary.json"));
    let reader = principal(
        &report,
        "azure:principal/azurerm_role_assignment.thumbnails-blob-reader",
    );
    assert_eq!(strings(&reader["duties_gained"]), Vec::<&str>::new());
}

/// A type no table maps is named by the coverage, never dropped: identity ones next to the
/// verdict (a partial pass); Pulumi's own resources and components are skipped on purpose.
#[test]
fn unmapped_tokens_are_named_and_pulumi_s_own_are_skipped() {
    let file = path("coverage/unknown-tokens.json");
    let (_, report) = json(&file);
    let not_reviewed: Vec<(&str, bool)> = report["coverage"]["not_reviewed"]
        .as_array()
        .expect("not_reviewed")
        .iter()
        .map(|n| {
            (
                n["type"].as_str().expect("type"),
                n["identity"].as_bool().expect("identity"),
            )
        })
        .collect();
    assert_eq!(
        not_reviewed,
        [
            ("azure-native:authorization:RoleManagementPolicy", true),
            ("google_projects_iam_new_thing", true),
            ("kubernetes:example.com/v1:Widget", false),
            (
                "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBindingPatch",
                true
            ),
        ]
    );
    assert_eq!(report["coverage"]["partial"], true);
    let text = run(&["review", &file]).stdout;
    assert!(text.starts_with("PARTIAL PASS"), "{text}");
    for own in [
        "pulumi",
        "BucketEventSubscription",
        "bucket_event_subscription",
    ] {
        assert!(!text.contains(own), "{own} in\n{text}");
    }
    // Teams that want approval over what was not reviewed get it.
    let dir = tempfile::tempdir().expect("a temporary directory");
    let config = dir.path().join("foureyes.toml");
    std::fs::write(&config, "unmodelled_identity = \"require_approval\"\n").expect("written");
    let strict = run(&["review", "--config", config.to_str().expect("utf-8"), &file]);
    assert_eq!(strict.code, 1, "{}{}", strict.stdout, strict.stderr);
}

/// A secret inside a list that the table renames (`subjects` → `subject`) stays marked: the
/// principal goes by its address and the name appears in no format.
#[test]
fn a_secret_inside_reshaped_properties_is_judged_never_printed() {
    let file = path("kubernetes/secret-subject.json");
    for format in ["text", "json", "markdown", "sarif"] {
        let r = run(&["review", "--format", format, &file]);
        assert_eq!(r.code, 1, "{format}: {}", r.stderr);
        assert!(
            !r.stdout.contains("CANARY") && !r.stderr.contains("CANARY"),
            "{format} prints the secret:\n{}",
            r.stdout
        );
    }
}

/// Named after the preview (`pulumi_providers__json@aws__trail-stopped.json.snap`).
#[test]
fn snapshots_of_every_preview() {
    for e in EXPECTED {
        let file = path(e.file);
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_suffix(e.file.replace('/', "__"));
        settings.set_input_file(root().join(&file));
        settings.bind(|| {
            common::snapshot_reports!(&file);
        });
    }
}
