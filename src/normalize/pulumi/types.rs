//! Pulumi's type tokens and property names in Terraform's vocabulary: a token becomes the
//! Terraform resource type whose extractors read it, by a general rule and the exceptions in
//! `rulesets/pulumi.toml`.

/// Type tokens whose Terraform type does not follow the general rule: data, in
/// `rulesets/pulumi.toml`.
const TYPES: &str = include_str!("../../../rulesets/pulumi.toml");

/// The exceptions of `rulesets/pulumi.toml`, by token.
fn exceptions() -> &'static std::collections::BTreeMap<String, String> {
    #[derive(serde::Deserialize)]
    struct File {
        types: std::collections::BTreeMap<String, String>,
    }
    static TABLE: std::sync::OnceLock<std::collections::BTreeMap<String, String>> =
        std::sync::OnceLock::new();
    // NOTE: the embedded file is checked by a test; an unreadable one maps nothing.
    TABLE.get_or_init(|| {
        toml::from_str::<File>(TYPES)
            .map(|f| f.types)
            .unwrap_or_default()
    })
}

/// The Terraform resource type of a Pulumi type token (`aws:iam/rolePolicy:RolePolicy` →
/// `aws_iam_role_policy`). `None` for Pulumi's own resources (stacks, providers).
pub(crate) fn terraform_type(token: &str) -> Option<String> {
    if let Some(t) = exceptions().get(token) {
        return Some(t.clone());
    }
    let mut parts = token.splitn(3, ':');
    let (package, module, name) = (parts.next()?, parts.next()?, parts.next()?);
    if package == "pulumi" {
        return None;
    }
    let module = module.split('/').next().unwrap_or(module);
    Some(format!("{package}_{}_{}", snake(module), snake(name)))
}

/// camelCase → snake_case.
pub(super) fn snake(text: &str) -> String {
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exceptions_table_reads() {
        assert!(exceptions().len() >= 10);
    }

    #[test]
    fn tokens_become_terraform_types() {
        assert_eq!(
            terraform_type("aws:iam/rolePolicy:RolePolicy").as_deref(),
            Some("aws_iam_role_policy")
        );
        assert_eq!(
            terraform_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment").as_deref(),
            Some("aws_iam_role_policy_attachment")
        );
        assert_eq!(
            terraform_type("aws:cloudwatch/logGroup:LogGroup").as_deref(),
            Some("aws_cloudwatch_log_group")
        );
        assert_eq!(
            terraform_type("aws:cloudtrail/trail:Trail").as_deref(),
            Some("aws_cloudtrail")
        );
        assert_eq!(terraform_type("pulumi:pulumi:Stack"), None);
    }
}
