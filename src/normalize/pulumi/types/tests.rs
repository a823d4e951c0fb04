//! The tables of `rulesets/pulumi/`: they read, they map what the extractors read, and
//! reshaping keeps the marks with their values.

use super::*;
use serde_json::json;

#[test]
fn every_table_loads() {
    let packages = load(FILES).unwrap_or_else(|e| panic!("{e}"));
    for name in [
        "pulumi",
        "aws",
        "gcp",
        "azure",
        "azure-native",
        "azuread",
        "kubernetes",
        "github",
    ] {
        assert!(packages.contains_key(name), "no table for {name}");
    }
    // Every file of the folder is shipped: a table nobody embeds maps nothing.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rulesets/pulumi");
    let shipped: BTreeSet<String> = FILES.iter().map(|(f, _)| f.to_string()).collect();
    for entry in std::fs::read_dir(&dir).expect("rulesets/pulumi/ reads") {
        let name = entry.expect("an entry").file_name();
        let name = name.to_string_lossy();
        if name.ends_with(".toml") {
            let file = format!("rulesets/pulumi/{name}");
            assert!(shipped.contains(&file), "{file} is not in FILES");
        }
    }
}

/// Every resource type a provider's shapes read has a token in some table (the providers'
/// own resource types that Pulumi does not have are named here, with why).
#[test]
fn every_modelled_type_with_a_pulumi_equivalent_has_a_token() {
    let mapped: BTreeSet<&str> = packages()
        .values()
        .flat_map(|p| p.types.values().map(|m| m.terraform.as_str()))
        .collect();
    // Terraform types that no Pulumi token needs: the v0 names of the kubernetes provider
    // (Pulumi's objects map onto the `_v1` names), and data sources (functions in Pulumi,
    // which a preview does not show).
    let none = |t: &str| {
        t.starts_with("data.")
            || matches!(
                t,
                "kubernetes_role"
                    | "kubernetes_cluster_role"
                    | "kubernetes_role_binding"
                    | "kubernetes_cluster_role_binding"
                    | "kubernetes_service_account"
                    | "kubernetes_secret"
                    | "kubernetes_validating_webhook_configuration"
                    | "kubernetes_mutating_webhook_configuration"
            )
    };
    let mut missing = Vec::new();
    for provider in crate::privilege::PROVIDERS {
        let (file, text) = provider.shapes();
        let value: toml::Value = toml::from_str(text).expect("shapes parse");
        for kind in value.as_table().into_iter().flat_map(|t| t.keys()) {
            if !mapped.contains(kind.as_str()) && !none(kind) {
                missing.push(format!("{file}: {kind}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "no Pulumi token maps onto: {missing:#?}"
    );
}

#[test]
fn tokens_become_terraform_types() {
    for (token, want) in [
        ("aws:iam/rolePolicy:RolePolicy", Some("aws_iam_role_policy")),
        ("aws:cloudtrail/trail:Trail", Some("aws_cloudtrail")),
        ("aws:guardduty/iPSet:IPSet", Some("aws_guardduty_ipset")),
        // The bridged rule for a token no table lists.
        (
            "aws:iam/serviceLinkedRole:ServiceLinkedRole",
            Some("aws_iam_service_linked_role"),
        ),
        // The general rule gives nonsense for Google's IAM tokens: the table knows them.
        (
            "gcp:projects/iAMMember:IAMMember",
            Some("google_project_iam_member"),
        ),
        (
            "gcp:serviceaccount/iAMBinding:IAMBinding",
            Some("google_service_account_iam_binding"),
        ),
        ("gcp:someNew/thing:Thing", Some("google_some_new_thing")),
        (
            "gcp:projects/iAMNewThing:IAMNewThing",
            Some("google_projects_iam_new_thing"),
        ),
        (
            "azure:authorization/assignment:Assignment",
            Some("azurerm_role_assignment"),
        ),
        (
            "azure:role/assignment:Assignment",
            Some("azurerm_role_assignment"),
        ),
        ("azuread:index/group:Group", Some("azuread_group")),
        (
            "github:index/branchProtection:BranchProtection",
            Some("github_branch_protection"),
        ),
        (
            "azure-native:authorization:RoleAssignment",
            Some("azurerm_role_assignment"),
        ),
        // An API version in the module is left out.
        (
            "azure-native:authorization/v20220401:RoleAssignment",
            Some("azurerm_role_assignment"),
        ),
        // Not bridged, not listed: the token itself, for the coverage to name.
        (
            "azure-native:authorization:RoleManagementPolicy",
            Some("azure-native:authorization:RoleManagementPolicy"),
        ),
        (
            "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
            Some("kubernetes_cluster_role_binding_v1"),
        ),
        (
            "kubernetes:example.com/v1:Widget",
            Some("kubernetes:example.com/v1:Widget"),
        ),
        // A package no table knows: the bridged rule.
        ("oci:Identity/policy:Policy", Some("oci_identity_policy")),
        // Pulumi's own resources and components: skipped on purpose.
        ("pulumi:pulumi:Stack", None),
        ("pulumi:providers:aws", None),
        ("aws:s3:BucketEventSubscription", None),
        ("kubernetes:yaml/v2:ConfigGroup", None),
        ("kubernetes:helm.sh/v3:Chart", None),
    ] {
        assert_eq!(terraform_type(token).as_deref(), want, "{token}");
    }
}

#[test]
fn unlisted_identity_tokens_are_named_by_the_coverage() {
    for token in [
        "gcp:projects/iAMNewThing:IAMNewThing",
        "azure-native:authorization:RoleManagementPolicy",
        "azure-native:managedidentity:FederatedIdentityCredential",
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBindingPatch",
        "kubernetes:core/v1:ServiceAccountPatch",
        "azuread:index/somethingNew:SomethingNew",
        "oci:Identity/policy:Policy",
    ] {
        let kind = terraform_type(token).expect("a type");
        assert!(crate::coverage::is_identity(&kind), "{token} -> {kind}");
    }
    for token in [
        "kubernetes:example.com/v1:Widget",
        "gcp:compute/instance:Instance",
    ] {
        let kind = terraform_type(token).expect("a type");
        assert!(!crate::coverage::is_identity(&kind), "{token} -> {kind}");
    }
}

#[test]
fn words_join_runs_of_capitals() {
    for (text, want) in [
        ("IAMMember", "iam_member"),
        ("iAMMember", "iam_member"),
        ("iPSet", "ip_set"),
        ("rolePolicy", "role_policy"),
        ("bucketV2", "bucket_v2"),
        ("S3Bucket", "s3_bucket"),
        ("someNew", "some_new"),
    ] {
        assert_eq!(words(text), want, "{text}");
    }
}

fn values(before: Value, after: Value, unknown: Value, sensitive: Value) -> Values {
    Values {
        before,
        after,
        after_unknown: unknown,
        before_sensitive: Value::Null,
        after_sensitive: sensitive,
        unchanged: false,
    }
}

#[test]
fn kubernetes_objects_take_the_terraform_provider_s_names() {
    let mut v = values(
        Value::Null,
        json!({
            "metadata": {"name": "ci"},
            "role_ref": {"kind": "ClusterRole", "name": "cluster-admin"},
            "subjects": [{"kind": "ServiceAccount", "name": "deployer", "namespace": "ci"}],
        }),
        json!({"subjects": [{"name": true}]}),
        json!({"subjects": [{"namespace": true}]}),
    );
    reshape(
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
        &mut v,
    );
    assert_eq!(v.after["subject"][0]["name"], "deployer");
    assert!(v.after.get("subjects").is_none());
    // The marks move with their values.
    assert_eq!(v.after_unknown, json!({"subject": [{"name": true}]}));
    assert_eq!(v.after_sensitive, json!({"subject": [{"namespace": true}]}));

    let mut v = values(
        json!({"rules": [{"verbs": ["get"], "non_resource_u_r_ls": ["/metrics"]}]}),
        Value::Null,
        Value::Null,
        Value::Null,
    );
    reshape(
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
        &mut v,
    );
    assert_eq!(
        v.before,
        json!({"rule": [{"verbs": ["get"], "non_resource_urls": ["/metrics"]}]})
    );
}

#[test]
fn arm_properties_are_flattened_and_renamed() {
    let mut v = values(
        Value::Null,
        json!({
            "vault_name": "audit-kv",
            "policy": {
                "object_id": "1111",
                "tenant_id": "t",
                "permissions": {"secrets": ["get", "list"], "keys": null},
            },
        }),
        json!({"policy": {"permissions": {"keys": true}}}),
        json!({"policy": {"object_id": true}}),
    );
    reshape("azure-native:keyvault:AccessPolicy", &mut v);
    assert_eq!(
        v.after,
        json!({
            "key_vault_id": "audit-kv",
            "object_id": "1111",
            "tenant_id": "t",
            "secret_permissions": ["get", "list"],
            "key_permissions": null,
        })
    );
    assert_eq!(v.after_unknown, json!({"key_permissions": true}));
    assert_eq!(v.after_sensitive, json!({"object_id": true}));
}

#[test]
fn a_whole_unknown_object_keeps_its_mark() {
    // NOTE: which properties an object unknown until apply holds is not known: it stays a mark
    // on its own name rather than vanish.
    let mut v = values(
        Value::Null,
        json!({"policy": null}),
        json!({"policy": true}),
        Value::Null,
    );
    reshape("azure-native:keyvault:AccessPolicy", &mut v);
    assert_eq!(v.after_unknown, json!({"policy": true}));
}

#[test]
fn a_name_the_object_has_wins_over_a_renamed_one() {
    let m = Mapping {
        terraform: "x".into(),
        rename: [("logs".to_string(), "log".to_string())].into(),
        flatten: BTreeSet::new(),
    };
    assert_eq!(
        m.tree(json!({"log": [1], "logs": [2]}), ""),
        json!({"log": [1]})
    );
}

#[test]
fn a_malformed_table_is_a_clear_error() {
    for (text, says) in [
        (
            "[package]\nname = \"gcp\"\n",
            "t.toml:1:1: missing field `others`",
        ),
        (
            "[package]\nname = \"gcp\"\nothers = \"bridged\"\n",
            "t.toml: [package] others = \"bridged\" needs `terraform`",
        ),
        (
            "[package]\nname = \"gcp\"\nothers = \"sometimes\"\n",
            "t.toml:3:10: unknown variant `sometimes`",
        ),
        (
            "[package]\nname = \"gcp\"\nothers = \"token\"\n[types]\n\"aws:iam/role:Role\" = \"aws_iam_role\"\n",
            "t.toml: [types] `aws:iam/role:Role`: expected a type token `gcp:MODULE:Type`",
        ),
        (
            "[package]\nname = \"gcp\"\nothers = \"token\"\n[types]\n\"gcp:a/b:B\" = \"Google-B\"\n",
            "t.toml: [types] `gcp:a/b:B`: `Google-B` is not a Terraform resource type",
        ),
        (
            "[package]\nname = \"gcp\"\nothers = \"token\"\n[types]\n\"gcp:a/b:B\" = { terraform = \"google_b\", rename = { \"x..y\" = \"z.w\" } }\n",
            "t.toml: [types] `gcp:a/b:B` rename: `x..y` is not a property path",
        ),
        (
            "[package]\nname = \"gcp\"\nothers = \"token\"\n[types]\n\"gcp:a/b:B\" = { terraform = \"google_b\", renames = {} }\n",
            "t.toml:5:",
        ),
    ] {
        let err = parse("t.toml", text).expect_err(text).to_string();
        assert!(err.starts_with(says), "{text}\n{err}");
    }
    // Every problem is reported, not the first only.
    let err = parse(
        "t.toml",
        "[package]\nname = \"gcp\"\nothers = \"token\"\n[types]\n\"x\" = \"A\"\n\"gcp:a/b:B\" = \"B\"\n",
    )
    .expect_err("two problems")
    .to_string();
    assert_eq!(err.lines().count(), 3, "{err}");
    // Two tables of one package.
    let one = "[package]\nname = \"gcp\"\nothers = \"token\"\n";
    let err = load(&[("a.toml", one), ("b.toml", one)])
        .expect_err("two tables")
        .to_string();
    assert!(
        err.contains("b.toml: package `gcp` has another table"),
        "{err}"
    );
}
