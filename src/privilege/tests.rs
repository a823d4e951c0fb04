//! Meta-tests of the provider registry: it is complete (every provider the rulesets name has an
//! extractor, every ruleset file belongs to one), and every provider is exercised by fixtures
//! (every resource type of its shapes appears in one, and some fixture reports its principals).

use super::{engine, provider, PROVIDERS};
use crate::normalize;
use crate::ruleset::{self, Ruleset};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every file below a folder whose name ends so, sorted.
fn files(dir: &Path, ending: &str) -> Vec<PathBuf> {
    fn walk(dir: &Path, ending: &str, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, ending, out);
            } else if path.to_string_lossy().ends_with(ending) {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, ending, &mut out);
    out.sort();
    out
}

fn relative(path: &Path) -> String {
    path.strip_prefix(root())
        .expect("under the repository")
        .to_string_lossy()
        .replace('\\', "/")
}

#[test]
fn provider_names_are_unique_and_ids_prefixes() {
    let names: BTreeSet<&str> = PROVIDERS.iter().map(|p| p.name()).collect();
    assert_eq!(
        names.len(),
        PROVIDERS.len(),
        "a provider is registered twice"
    );
    for p in PROVIDERS {
        assert!(
            p.name()
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
            "{}: a provider's name is the prefix of its principal ids",
            p.name()
        );
        let (path, _) = p.shapes();
        assert_eq!(path, format!("rulesets/{}/shapes.toml", p.name()));
        assert_eq!(provider(p.name()).map(|q| q.name()), Some(p.name()));
    }
}

/// Every ruleset file under `rulesets/` is built in (the duties, or a registered provider's
/// rulesets or shapes), and every provider a built-in file names (`[[grants]] provider = ...`,
/// `[[configures]]`, `[[evidence]]`, a shapes file) has an extractor in [`PROVIDERS`]: data for
/// a provider nothing reads would silently do nothing.
#[test]
fn every_provider_the_rulesets_name_has_an_extractor() {
    let mut embedded: BTreeSet<String> = ruleset::builtin()
        .into_iter()
        .map(|(name, _)| name.to_string())
        .collect();
    embedded.extend(PROVIDERS.iter().map(|p| p.shapes().0.to_string()));
    let mut named: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for path in files(&root().join("rulesets"), ".toml") {
        let rel = relative(&path);
        // Pulumi's type tokens and the attributes `.tf` trees compute are the normalizers'
        // data and the identity families are the coverage's (src/coverage.rs): none is a
        // ruleset.
        if rel.starts_with("rulesets/pulumi/")
            || rel == "rulesets/coverage.toml"
            || rel == "rulesets/hcl.toml"
        {
            continue;
        }
        assert!(
            embedded.contains(&rel),
            "{rel} is under rulesets/ but no provider embeds it: register its provider in \
             PROVIDERS (src/privilege/mod.rs)"
        );
        let text = std::fs::read_to_string(&path).expect("readable ruleset");
        let value: toml::Value = toml::from_str(&text).expect("ruleset parses");
        for table in ["grants", "configures", "evidence"] {
            for entry in value
                .get(table)
                .and_then(|t| t.as_array())
                .into_iter()
                .flatten()
            {
                if let Some(p) = entry.get("provider").and_then(|p| p.as_str()) {
                    named.entry(p.to_string()).or_default().insert(rel.clone());
                }
            }
        }
        if let Some(p) = rel
            .strip_prefix("rulesets/")
            .and_then(|r| r.strip_suffix("/shapes.toml"))
        {
            named.entry(p.to_string()).or_default().insert(rel.clone());
        }
    }
    for (p, files) in &named {
        assert!(
            provider(p).is_some(),
            "{files:?} name provider \"{p}\", which has no extractor in PROVIDERS"
        );
    }
    for p in PROVIDERS {
        assert!(
            named.contains_key(p.name()),
            "{} is registered but no ruleset names it",
            p.name()
        );
    }
}

/// What reviewing every fixture shows of the providers: the resource types of their changes,
/// and the principals extraction reports.
struct Seen {
    kinds: BTreeSet<String>,
    principals: BTreeSet<String>,
}

fn review_fixtures(paths: &[PathBuf], ruleset: &Ruleset) -> Seen {
    let wanted = crate::extract::wanted_attributes(ruleset);
    let mut seen = Seen {
        kinds: BTreeSet::new(),
        principals: BTreeSet::new(),
    };
    for path in paths {
        let source = crate::load::read(path).expect("a fixture loads");
        let Ok(mut set) = normalize::normalize(&[source], &wanted) else {
            continue;
        };
        for c in &set.changes {
            let kind = if c.data {
                format!("data.{}", c.kind)
            } else {
                c.kind.to_string()
            };
            seen.kinds.insert(kind);
        }
        let extraction =
            crate::extract::extract(&mut set, &wanted, ruleset).expect("a fixture extracts");
        seen.principals
            .extend(extraction.reported.iter().map(|p| p.0.to_string()));
    }
    seen
}

/// Every registered provider has fixtures of its own (`testdata/providers/<name>/`), every
/// resource type its shapes read appears in some fixture the tests review, and some fixture
/// reports principals of it: a shape no fixture uses is untested data.
#[test]
fn every_provider_has_fixtures_that_exercise_it() {
    let ruleset = Ruleset::load(&[]).expect("built-in rulesets are valid");
    let testdata = root().join("testdata");
    let mut paths = Vec::new();
    for dir in ["plans", "previews", "example", "providers"] {
        paths.extend(files(&testdata.join(dir), ".json"));
    }
    let seen = review_fixtures(&paths, &ruleset);
    for p in PROVIDERS {
        let own = files(&testdata.join("providers").join(p.name()), ".json");
        assert!(
            !own.is_empty(),
            "{}: no fixture under testdata/providers/{}/",
            p.name(),
            p.name()
        );
        let prefix = format!("{}:", p.name());
        assert!(
            seen.principals.iter().any(|id| id.starts_with(&prefix)),
            "{}: no fixture reports a principal of it",
            p.name()
        );
        let unused: Vec<String> = ruleset
            .shapes(p.name())
            .all()
            .into_iter()
            .map(|(kind, _)| kind)
            .filter(|kind| !seen.kinds.contains(kind))
            .collect();
        assert!(
            unused.is_empty(),
            "{}: no fixture has a change of {unused:?} (rulesets/{}/shapes.toml)",
            p.name(),
            p.name()
        );
    }
}

/// The engine on a change set with nothing any provider reads: nothing is touched, nothing
/// extracted.
#[test]
fn a_change_set_without_principals_extracts_nothing() {
    let ruleset = Ruleset::load(&[]).expect("built-in rulesets are valid");
    let set = normalize::ChangeSet::default();
    let resolver = crate::resolve::Resolver::new(&set);
    for p in PROVIDERS {
        let touched = engine::touched(*p, ruleset.shapes(p.name()), &set, &resolver);
        assert!(touched.complete.is_empty());
    }
}

/// What foureyes reads each resource type for, one line per type: the table of the README's
/// "Every resource type it reads", generated from the data (shapes, evidence, stores, the types
/// that configure a duty).
fn type_table(ruleset: &Ruleset) -> String {
    let mut uses: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut add = |kind: &str, what: String| {
        let list = uses.entry(kind.to_string()).or_default();
        if !list.contains(&what) {
            list.push(what);
        }
    };
    for p in PROVIDERS {
        for (kind, shape) in ruleset.shapes(p.name()).all() {
            if let Some(defines) = &shape.principal {
                add(
                    &kind,
                    format!("principal `{}:{}/…`", p.name(), defines.kind),
                );
            }
            if shape.trust.is_some() {
                add(&kind, "trust".into());
            }
            if shape.own.is_some() || !shape.holders.is_empty() || shape.bindings.is_some() {
                add(&kind, "grants".into());
            }
            if shape.assumes.is_some() {
                add(&kind, "trust (who may act as a principal)".into());
            }
            if shape.authoritative.is_some() {
                add(&kind, "authoritative (replaces other grants)".into());
            }
            if !shape.boundary.is_empty() {
                add(&kind, "boundary".into());
            }
            if shape.definition.is_some() {
                add(&kind, "definition others attach".into());
            }
            if !shape.membership.is_empty() {
                add(&kind, "membership".into());
            }
            if shape.resource_policy.is_some() || shape.grant.is_some() {
                add(&kind, "resource policy".into());
            }
            if shape.credential.is_some() {
                add(&kind, "credential (`privileged-credential`)".into());
            }
            if shape.admits.is_some() {
                add(&kind, "trust (who may act as a principal)".into());
            }
            if shape.source.is_some() {
                add(&kind, "document source".into());
            }
        }
    }
    for kind in ruleset.evidence.keys() {
        add(kind, "audit and evidence configuration".into());
    }
    for kind in ruleset.stores.stores.keys() {
        add(kind, "evidence store".into());
    }
    for kind in ruleset.controls.keys() {
        add(kind, "review control (`control-tampering`)".into());
    }
    for (kind, duties) in &ruleset.configures {
        // Audit and evidence configuration configures audit_evidence, as said above.
        let evidence = ruleset.evidence.contains_key(kind);
        for duty in duties
            .iter()
            .filter(|d| !(evidence && *d == ruleset::AUDIT_EVIDENCE))
        {
            add(kind, format!("configures `{duty}`"));
        }
    }
    let mut out = String::from("| resource type | read for |\n| --- | --- |\n");
    for (kind, what) in uses {
        out.push_str(&format!("| `{kind}` | {} |\n", what.join(", ")));
    }
    out
}

/// The README lists every resource type some provider models (a type added to the data without
/// a line for users fails here). `FOUREYES_UPDATE_README=1` rewrites the table.
#[test]
fn the_readme_lists_every_modelled_type() {
    const BEGIN: &str = "<!-- types:begin -->\n";
    const END: &str = "<!-- types:end -->";
    let path = root().join("README.md");
    let readme = std::fs::read_to_string(&path).expect("README.md");
    let start = readme.find(BEGIN).expect("the README's types block") + BEGIN.len();
    let end = start
        + readme[start..]
            .find(END)
            .expect("the end of the types block");
    let ruleset = Ruleset::load(&[]).expect("built-in rulesets are valid");
    let table = type_table(&ruleset);
    if std::env::var_os("FOUREYES_UPDATE_README").is_some() {
        let updated = format!("{}{table}{}", &readme[..start], &readme[end..]);
        std::fs::write(&path, updated).expect("write README.md");
        return;
    }
    assert!(
        readme[start..end] == table,
        "the README's list of resource types is out of date: run \
         `FOUREYES_UPDATE_README=1 cargo test --lib the_readme_lists_every_modelled_type`"
    );
}

/// `--pipeline-principal` as users write it: a provider's own form first, then a principal id
/// as written, then a bare name (an AWS role name).
#[test]
fn pipeline_principals_as_users_write_them() {
    let id = |text: &str| super::principal_id(text).0.to_string();
    assert_eq!(
        id("arn:aws:iam::111122223333:role/ci/deployer"),
        "aws:role/deployer"
    );
    assert_eq!(id(" deployer "), "aws:role/deployer");
    assert_eq!(id("aws:user/alice"), "aws:user/alice");
    // Not a form any provider knows, and not bare: kept as written.
    assert_eq!(id("example:thing/x"), "example:thing/x");
}

/// A provider that reads no type of a change set still names the identities its configuration
/// applies the change as, hidden as a full extraction hides them when their names are
/// sensitive.
#[test]
fn a_provider_with_nothing_to_read_still_names_its_pipeline() {
    let ruleset = Ruleset::load(&[]).expect("built-in rulesets are valid");
    let wanted = crate::extract::wanted_attributes(&ruleset);
    let path = root().join("testdata/plans/sensitive/pipeline.json");
    let source = crate::load::read(&path).expect("the fixture loads");
    let mut set = normalize::normalize(&[source], &wanted).expect("the fixture normalizes");
    let full = crate::extract::extract(&mut set, &wanted, &ruleset).expect("it extracts");
    let aws = provider("aws").expect("aws is registered");
    let mut only = super::Extraction::default();
    engine::pipeline_only(aws, &set, &mut only);
    // The full extraction hides the name behind the first resource that names it; with nothing
    // read, the provider's configuration is the only place that does.
    assert_eq!(
        only.pipeline
            .iter()
            .map(|(id, _)| id.0.as_str())
            .collect::<Vec<_>>(),
        ["aws:role/provider.aws.assume_role"]
    );
    assert_eq!(only.pipeline[0].1, full.pipeline[0].1);
    for (id, _) in &only.pipeline {
        assert!(!id.0.contains("CANARY"), "{id:?} shows a sensitive name");
    }
}

/// A provider's configuration follows a variable only when the expression is that one root
/// variable and nothing else.
#[test]
fn only_a_lone_root_variable_is_followed() {
    let e = |refs: serde_json::Value| serde_json::json!({ "references": refs });
    assert_eq!(
        super::root_variable(&e(serde_json::json!(["var.ci"]))),
        Some("ci")
    );
    assert_eq!(
        super::root_variable(&e(serde_json::json!(["var.ci", "var.x"]))),
        None
    );
    assert_eq!(
        super::root_variable(&e(serde_json::json!(["var.roles.ci"]))),
        None
    );
    assert_eq!(
        super::root_variable(&e(serde_json::json!(["local.ci"]))),
        None
    );
    assert_eq!(
        super::root_variable(&serde_json::json!({"constant_value": "x"})),
        None
    );
}
