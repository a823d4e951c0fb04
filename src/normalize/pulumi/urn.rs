//! Pulumi URNs and the addresses reports give them: `TYPE.NAME` in Terraform's vocabulary,
//! stable across runs and unique within a preview.
//!
//! A URN is `urn:pulumi:STACK::PROJECT::TYPE_CHAIN::NAME`, where the type chain is the types
//! of the resource's parents, then its own, joined by `$`. Stack and project are the same for
//! every resource of one preview, and the parents' types repeat what the resource's own name
//! usually says, so the address is the resource's own Terraform type and its name
//! (`aws_iam_role.docsHandler`; `data.` in front for a resource that is read). Only where two
//! resources of a preview would share that address (one type and name under different parents)
//! does each of them go by its whole type chain instead: `aws_iam_role."aws:s3/bucket:Bucket$aws:iam/role:Role::docsHandler"`.
//!
//! A name that holds anything but letters, digits, `_`, `-`, `:`, `/`, `@` and `+` is quoted
//! as a JSON string (`kubernetes_core_v1_config_map."app.config"`), so that every address
//! splits into exactly its type and its name (`resolve::split_address`): references to it
//! resolve, and no name reads as an index or a module.

use serde_json::Value;
use std::collections::HashMap;

/// The parts of a URN; `None` for text that is not one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Urn<'u> {
    /// The types of its parents, then its own, joined by `$`.
    pub(crate) chain: &'u str,
    pub(crate) name: &'u str,
}

impl<'u> Urn<'u> {
    pub(crate) fn parse(urn: &'u str) -> Option<Urn<'u>> {
        let rest = urn.strip_prefix("urn:pulumi:")?;
        // NOTE: a name may hold `::` itself: stack, project and type chain never do.
        let mut parts = rest.splitn(4, "::");
        let (_stack, _project, chain, name) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        Some(Urn { chain, name })
    }

    /// The resource's own type token: the last of its chain.
    pub(crate) fn token(&self) -> &'u str {
        self.chain.rsplit('$').next().unwrap_or(self.chain)
    }
}

/// Whether a part of an address may be written as it is.
fn plain(part: &str) -> bool {
    !part.is_empty()
        && part
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ':' | '/' | '@' | '+'))
}

/// A part of an address, quoted where it must be.
fn part(text: &str) -> String {
    if plain(text) {
        text.to_string()
    } else {
        Value::from(text).to_string()
    }
}

/// One resource to name: its URN, its Terraform type, and whether it is read (`data.`).
pub(crate) struct Named<'u> {
    pub(crate) urn: &'u str,
    pub(crate) kind: &'u str,
    pub(crate) data: bool,
}

/// The address of every resource of a preview, by URN: `TYPE.NAME`, or the whole type chain
/// in place of the name where two resources would share one (see the module's documentation).
pub(crate) fn addresses<'u>(resources: &[Named<'u>]) -> HashMap<&'u str, String> {
    let short = |n: &Named<'u>| {
        let name = Urn::parse(n.urn).map_or(n.urn, |u| u.name);
        let data = if n.data { "data." } else { "" };
        format!("{data}{}.{}", part(n.kind), part(name))
    };
    let mut uses: HashMap<String, usize> = HashMap::new();
    let mut seen = std::collections::HashSet::new();
    for n in resources {
        if seen.insert(n.urn) {
            *uses.entry(short(n)).or_default() += 1;
        }
    }
    let mut out = HashMap::new();
    for n in resources {
        if out.contains_key(n.urn) {
            continue;
        }
        let address = short(n);
        let address = if uses.get(&address).copied().unwrap_or(0) > 1 {
            let tail = Urn::parse(n.urn)
                .map_or_else(|| n.urn.to_string(), |u| format!("{}::{}", u.chain, u.name));
            let data = if n.data { "data." } else { "" };
            format!("{data}{}.{}", part(n.kind), Value::from(tail))
        } else {
            address
        };
        out.insert(n.urn, address);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolve::split_address;

    const ROLE: &str = "urn:pulumi:dev::sample::aws:s3/bucket:Bucket$aws:s3:BucketEventSubscription$aws:iam/role:Role::docsHandler";

    #[test]
    fn urns_split_into_their_chain_and_name() {
        let u = Urn::parse(ROLE).expect("a URN");
        assert_eq!(u.name, "docsHandler");
        assert_eq!(u.token(), "aws:iam/role:Role");
        let u = Urn::parse("urn:pulumi:dev::p::aws:iam/role:Role::a::b").expect("a URN");
        assert_eq!((u.chain, u.name), ("aws:iam/role:Role", "a::b"));
        assert_eq!(Urn::parse("aws_iam_role.x"), None);
    }

    #[test]
    fn addresses_are_type_and_name_and_split_in_two() {
        let named = |urn, kind, data| Named { urn, kind, data };
        let other = "urn:pulumi:dev::sample::aws:iam/role:Role::docsHandler";
        let dotted = "urn:pulumi:dev::sample::kubernetes:core/v1:ConfigMap::app.config[0]";
        let read = "urn:pulumi:dev::sample::aws:iam/role:Role::ro";
        let all = [
            named(ROLE, "aws_iam_role", false),
            named(other, "aws_iam_role", false),
            named(dotted, "kubernetes_config_map_v1", false),
            named(read, "aws_iam_role", true),
        ];
        let a = addresses(&all);
        assert_eq!(
            a[ROLE],
            r#"aws_iam_role."aws:s3/bucket:Bucket$aws:s3:BucketEventSubscription$aws:iam/role:Role::docsHandler""#
        );
        assert_eq!(a[other], r#"aws_iam_role."aws:iam/role:Role::docsHandler""#);
        assert_eq!(a[dotted], r#"kubernetes_config_map_v1."app.config[0]""#);
        assert_eq!(a[read], "data.aws_iam_role.ro");
        for address in a.values() {
            let parts = split_address(address);
            assert_eq!(parts.len(), 2 + usize::from(address.starts_with("data.")));
        }
        // Alone, the nested role is named by its type and name.
        let a = addresses(&all[..1]);
        assert_eq!(a[ROLE], "aws_iam_role.docsHandler");
    }
}
