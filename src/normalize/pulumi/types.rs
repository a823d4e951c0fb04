//! Pulumi's type tokens and property names in Terraform's vocabulary: a token becomes the
//! Terraform resource type whose extractors read it, and its properties take that type's
//! attribute names and shapes, by the tables of `rulesets/pulumi/` (one per package).
//!
//! A token a table lists maps as it says; one it does not follow its package's rule for the
//! rest (bridged packages name it as their Terraform provider would, the others keep the
//! token, so that the coverage names it as users know it). Pulumi's own resources (the stack,
//! providers) and component resources are skipped on purpose: they hold nothing to review.

use crate::model::Values;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

/// The tables, one per Pulumi package, as shipped: (file, text).
const FILES: &[(&str, &str)] = &[
    (
        "rulesets/pulumi/pulumi.toml",
        include_str!("../../../rulesets/pulumi/pulumi.toml"),
    ),
    (
        "rulesets/pulumi/aws.toml",
        include_str!("../../../rulesets/pulumi/aws.toml"),
    ),
    (
        "rulesets/pulumi/gcp.toml",
        include_str!("../../../rulesets/pulumi/gcp.toml"),
    ),
    (
        "rulesets/pulumi/azure.toml",
        include_str!("../../../rulesets/pulumi/azure.toml"),
    ),
    (
        "rulesets/pulumi/azure-native.toml",
        include_str!("../../../rulesets/pulumi/azure-native.toml"),
    ),
    (
        "rulesets/pulumi/azuread.toml",
        include_str!("../../../rulesets/pulumi/azuread.toml"),
    ),
    (
        "rulesets/pulumi/kubernetes.toml",
        include_str!("../../../rulesets/pulumi/kubernetes.toml"),
    ),
    (
        "rulesets/pulumi/github.toml",
        include_str!("../../../rulesets/pulumi/github.toml"),
    ),
];

/// A table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    package: RawPackage,
    #[serde(default)]
    types: BTreeMap<String, RawType>,
}

/// What a table says of its package.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPackage {
    /// The package: the first part of its tokens.
    name: String,
    /// How tokens the table does not list are named.
    others: Others,
    /// The Terraform provider's prefix of resource types, for `others = "bridged"`.
    #[serde(default)]
    terraform: Option<String>,
    /// Whether a token's module may carry an API version (`authorization/v20220401`) that the
    /// table leaves out (`authorization`).
    #[serde(default)]
    versioned_modules: bool,
    /// Tokens of component resources, which hold nothing of their own.
    #[serde(default)]
    components: Vec<String>,
}

/// How the tokens a table does not list are named.
#[derive(Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
enum Others {
    /// As a bridged provider names them: `PREFIX_MODULE_TYPE` (`oci:Identity/policy:Policy`
    /// → `oci_identity_policy`); a token whose module has no `/` is a component.
    Bridged,
    /// Kept as the token, for packages whose Terraform names cannot be derived.
    Token,
    /// Skipped: Pulumi's own resources.
    Skip,
}

/// One token's line: its Terraform type, or the type and how its properties are reshaped.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawType {
    Type(String),
    Mapped(RawMapped),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMapped {
    terraform: String,
    /// Pulumi property path (camelCase, `.` into objects and lists) → Terraform attribute name.
    #[serde(default)]
    rename: BTreeMap<String, String>,
    /// Pulumi property paths of objects whose properties belong to the object around them
    /// (ARM's `properties`).
    #[serde(default)]
    flatten: Vec<String>,
}

/// One package's validated table.
#[derive(Debug)]
pub(crate) struct Package {
    name: String,
    others: Others,
    terraform: Option<String>,
    versioned_modules: bool,
    components: BTreeSet<String>,
    types: BTreeMap<String, Mapping>,
}

/// How one token maps.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Mapping {
    /// The Terraform resource type.
    pub(crate) terraform: String,
    /// Property path, snake_case as the normalizer writes it → Terraform attribute name.
    rename: BTreeMap<String, String>,
    /// Property paths, snake_case, of objects to flatten into their parent.
    flatten: BTreeSet<String>,
}

/// A table that does not read: every problem, with the file and the place.
#[derive(Debug, thiserror::Error)]
#[error("{}", problems.join("\n"))]
pub(crate) struct TableError {
    problems: Vec<String>,
}

/// Read and validate one table.
pub(crate) fn parse(file: &str, text: &str) -> Result<Package, TableError> {
    let raw: RawTable = toml::from_str(text).map_err(|e| {
        let place = e
            .span()
            .map(|s| {
                let (line, column) = line_column(text, s.start);
                format!(":{line}:{column}")
            })
            .unwrap_or_default();
        TableError {
            problems: vec![format!(
                "{file}{place}: {} (expected `[package]` with `name` and `others`, and \
                 `[types]` of \"TOKEN\" = \"terraform_type\" or {{ terraform, rename, flatten }})",
                e.message().trim_end()
            )],
        }
    })?;
    let mut problems = Vec::new();
    let p = &raw.package;
    let name = p.name.trim();
    if name.is_empty() || name.contains(':') {
        problems.push(format!(
            "{file}: [package] name: expected a package such as `aws`"
        ));
    }
    match (p.others, &p.terraform) {
        (Others::Bridged, None) => problems.push(format!(
            "{file}: [package] others = \"bridged\" needs `terraform`, the provider's prefix of \
             resource types"
        )),
        (_, Some(prefix)) if !snake_name(prefix) => problems.push(format!(
            "{file}: [package] terraform: `{prefix}` is not a prefix of Terraform types \
             (expected lowercase letters, digits and `_`)"
        )),
        _ => {}
    }
    let token_ok = |token: &str, what: &str, problems: &mut Vec<String>| {
        let parts: Vec<&str> = token.split(':').collect();
        if parts.len() != 3 || parts.iter().any(|s| s.is_empty()) || parts[0] != name {
            problems.push(format!(
                "{file}: {what} `{token}`: expected a type token `{name}:MODULE:Type`"
            ));
        }
    };
    for c in &p.components {
        token_ok(c, "components", &mut problems);
    }
    let mut types = BTreeMap::new();
    for (token, line) in raw.types {
        token_ok(&token, "[types]", &mut problems);
        let mapped = match line {
            RawType::Type(terraform) => RawMapped {
                terraform,
                rename: BTreeMap::new(),
                flatten: Vec::new(),
            },
            RawType::Mapped(m) => m,
        };
        if !snake_name(&mapped.terraform) {
            problems.push(format!(
                "{file}: [types] `{token}`: `{}` is not a Terraform resource type (expected \
                 lowercase letters, digits and `_`)",
                mapped.terraform
            ));
        }
        let mut mapping = Mapping {
            terraform: mapped.terraform,
            ..Mapping::default()
        };
        for (from, to) in mapped.rename {
            if !property_path(&from) {
                problems.push(format!(
                    "{file}: [types] `{token}` rename: `{from}` is not a property path \
                     (expected names joined by `.`)"
                ));
            }
            if !snake_name(&to) {
                problems.push(format!(
                    "{file}: [types] `{token}` rename `{from}`: `{to}` is not an attribute name \
                     (expected lowercase letters, digits and `_`, one name, no `.`)"
                ));
            }
            mapping.rename.insert(snake_path(&from), to);
        }
        for path in mapped.flatten {
            if !property_path(&path) {
                problems.push(format!(
                    "{file}: [types] `{token}` flatten: `{path}` is not a property path \
                     (expected names joined by `.`)"
                ));
            }
            mapping.flatten.insert(snake_path(&path));
        }
        types.insert(token, mapping);
    }
    if !problems.is_empty() {
        return Err(TableError { problems });
    }
    Ok(Package {
        name: name.to_string(),
        others: p.others,
        terraform: p.terraform.clone(),
        versioned_modules: p.versioned_modules,
        components: p.components.iter().cloned().collect(),
        types,
    })
}

/// Read every shipped table; two tables of one package are an error too.
fn load(files: &[(&str, &str)]) -> Result<BTreeMap<String, Package>, TableError> {
    let mut problems = Vec::new();
    let mut packages = BTreeMap::new();
    for (file, text) in files {
        match parse(file, text) {
            Ok(p) => {
                if packages.contains_key(&p.name) {
                    problems.push(format!(
                        "{file}: package `{}` has another table already",
                        p.name
                    ));
                }
                packages.insert(p.name.clone(), p);
            }
            Err(e) => problems.extend(e.problems),
        }
    }
    if problems.is_empty() {
        Ok(packages)
    } else {
        Err(TableError { problems })
    }
}

/// The shipped tables, read once.
fn packages() -> &'static BTreeMap<String, Package> {
    static TABLES: OnceLock<BTreeMap<String, Package>> = OnceLock::new();
    TABLES.get_or_init(|| {
        // NOTE: the tables are part of the binary and `every_table_loads` reads them all; a
        // table that does not read is a build that must not ship, never an empty table.
        load(FILES).unwrap_or_else(|e| panic!("the tables of rulesets/pulumi/ read:\n{e}"))
    })
}

/// What a token is to the review.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Known<'t> {
    /// A token of a table.
    Listed(&'t Mapping),
    /// A token no table lists, named by its package's rule.
    Unlisted(String),
    /// Pulumi's own resources and components: nothing to review.
    Skipped,
}

/// What a token is, by the shipped tables.
pub(crate) fn lookup(token: &str) -> Known<'static> {
    lookup_in(packages(), token)
}

fn lookup_in<'t>(packages: &'t BTreeMap<String, Package>, token: &str) -> Known<'t> {
    let mut parts = token.splitn(3, ':');
    let (Some(package), Some(module), Some(name)) = (parts.next(), parts.next(), parts.next())
    else {
        // NOTE: not a token at all: named as it is, so that the coverage shows it.
        return Known::Unlisted(token.to_string());
    };
    let Some(table) = packages.get(package) else {
        return Known::Unlisted(bridged(package, module, name));
    };
    if table.components.contains(token) {
        return Known::Skipped;
    }
    if let Some(m) = table.types.get(token) {
        return Known::Listed(m);
    }
    if table.versioned_modules {
        if let Some((bare, _version)) = module.split_once('/') {
            if let Some(m) = table.types.get(&format!("{package}:{bare}:{name}")) {
                return Known::Listed(m);
            }
        }
    }
    match table.others {
        Others::Skip => Known::Skipped,
        Others::Token => Known::Unlisted(token.to_string()),
        Others::Bridged if !module.contains('/') => Known::Skipped,
        Others::Bridged => Known::Unlisted(bridged(
            table.terraform.as_deref().unwrap_or(package),
            module,
            name,
        )),
    }
}

/// A bridged provider's name of a type: `PREFIX_MODULE_TYPE`, acronyms as one word.
fn bridged(prefix: &str, module: &str, name: &str) -> String {
    let module = module.split('/').next().unwrap_or(module);
    format!("{prefix}_{}_{}", words(module), words(name))
}

/// The Terraform resource type of a Pulumi type token (`aws:iam/rolePolicy:RolePolicy` →
/// `aws_iam_role_policy`). `None` for Pulumi's own resources and components.
pub(crate) fn terraform_type(token: &str) -> Option<String> {
    match lookup(token) {
        Known::Listed(m) => Some(m.terraform.clone()),
        Known::Unlisted(kind) => Some(kind),
        Known::Skipped => None,
    }
}

/// Give a listed token's properties their Terraform names and shapes, values and their marks
/// (unknown, sensitive) alike, so that the marks stay with the values they mark.
pub(crate) fn reshape(token: &str, values: &mut Values) {
    if let Known::Listed(m) = lookup(token) {
        m.reshape(values);
    }
}

/// The name a listed token gives a top-level property (already snake_case): its rename, or
/// the name itself.
pub(crate) fn renamed(token: &str, name: &str) -> String {
    match lookup(token) {
        Known::Listed(m) => m
            .rename
            .get(name)
            .cloned()
            .unwrap_or_else(|| name.to_owned()),
        _ => name.to_owned(),
    }
}

impl Mapping {
    fn reshape(&self, values: &mut Values) {
        if self.rename.is_empty() && self.flatten.is_empty() {
            return;
        }
        for tree in [
            &mut values.before,
            &mut values.after,
            &mut values.after_unknown,
            &mut values.before_sensitive,
            &mut values.after_sensitive,
        ] {
            let v = std::mem::take(tree);
            *tree = self.tree(v, "");
        }
    }

    /// One tree reshaped. Marks mirror their values (objects by key, lists by index, `true`
    /// for all below), so the same steps on each keep them together.
    fn tree(&self, v: Value, path: &str) -> Value {
        match v {
            Value::Object(map) => {
                // NOTE: a name the object already has wins over a renamed or flattened one,
                // and a renamed one over a flattened one: nothing is overwritten silently.
                let mut kept = Map::new();
                let mut renamed = Vec::new();
                let mut hoisted = Vec::new();
                for (k, x) in map {
                    let here = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    let x = self.tree(x, &here);
                    if self.flatten.contains(&here) {
                        if let Value::Object(inner) = x {
                            hoisted.extend(inner);
                            continue;
                        }
                        // NOTE: a whole object unknown or sensitive stays a mark on its own
                        // name: which of its properties it holds is not known.
                        kept.insert(k, x);
                    } else if let Some(to) = self.rename.get(&here) {
                        renamed.push((to.clone(), x));
                    } else {
                        kept.insert(k, x);
                    }
                }
                for (k, x) in renamed.into_iter().chain(hoisted) {
                    kept.entry(k).or_insert(x);
                }
                Value::Object(kept)
            }
            Value::Array(items) => {
                Value::Array(items.into_iter().map(|x| self.tree(x, path)).collect())
            }
            other => other,
        }
    }
}

/// Whether a name is a Terraform type or attribute name.
fn snake_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Whether a path names Pulumi properties: names joined by `.`.
fn property_path(s: &str) -> bool {
    s.split('.').all(|p| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    })
}

/// A property path as the normalizer spells its names.
fn snake_path(s: &str) -> String {
    s.split('.').map(snake).collect::<Vec<_>>().join(".")
}

/// The 1-based line and column of a byte offset.
fn line_column(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// camelCase → snake_case, as the normalizer spells properties.
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

/// camelCase → snake_case with a run of capitals as one word (`IAMMember` → `iam_member`,
/// `iPSet` → `ip_set`): how type names read as Terraform's.
fn words(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev = i.checked_sub(1).map(|j| chars[j]);
            let next = chars.get(i + 1);
            // NOTE: a capital after a lone lowercase first letter continues the word: Pulumi
            // lowercases the first letter of an acronym (`iAMMember`, `iPSet`).
            let starts_word = match prev {
                None => false,
                Some(p) if p.is_ascii_lowercase() => i != 1,
                Some(p) if p.is_ascii_digit() => true,
                Some(p) if p.is_ascii_uppercase() => {
                    next.is_some_and(|n| n.is_ascii_lowercase()) && i > 1
                }
                Some(_) => false,
            };
            if starts_word && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c == '-' || c == '.' {
            out.push('_');
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests;
