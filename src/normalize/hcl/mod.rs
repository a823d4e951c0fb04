//! `.tf` trees: two trees of Terraform files (a base and a head), read without a plan, as the
//! change set a plan would give: resources added, removed and changed, by address.
//!
//! Each tree is parsed and evaluated statically ([`eval`]): what needs a plan (computed
//! attributes, data sources, files) is unknown, marked as a plan marks it (`after_unknown`),
//! and its references are kept in the input's configuration as a plan keeps them, so that the
//! resolver follows an unknown `role` or `policy_arn` to the resource that defines it. A pass
//! or a finding from `.tf` files is static analysis: the report says so ([`FORMAT_VERSION`]).
//!
//! The pre-commit hook builds its [`Tree`]s from git objects (`Tree::new`, then `Tree::insert`
//! of each path that `Tree::reads`) and reviews the inputs [`sources`] makes of them, as
//! `--hcl-base`/`--hcl-head` do.

mod eval;
mod funcs;
mod policy;

use super::{
    ConfigModule, ConfigResource, ConfigVariable, Configuration, Format, Input, ModuleCall, Pieces,
    ProviderConfig, Wanted,
};
use crate::load::{First, LoadError, Opened, Source, Tree};
use crate::model::{Action, Extra, Head, ResourceChange, Text, Values};
use eval::Instance;
use serde_json::{json, Map as JsonMap, Value as Json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The `format_version` of an input read from `.tf` files: the renderers say from it that the
/// review is static analysis.
pub(crate) const FORMAT_VERSION: &str = "hcl";

/// What every format says of a review of `.tf` files: findings (and a pass) from static
/// analysis are weaker evidence than a plan's.
pub(crate) const STATIC_ANALYSIS: (&str, &str) = (
    "static analysis of .tf files, without a plan",
    "values only a plan knows are unknown, and a plan is the stronger evidence",
);

impl crate::judge::Report {
    /// Whether the review read `.tf` trees without a plan ([`STATIC_ANALYSIS`]).
    pub(crate) fn static_analysis(&self) -> bool {
        self.inputs
            .iter()
            .any(|i| i.format_version == FORMAT_VERSION)
    }
}

/// The inputs that compare two trees: one per root module (a directory of `.tf` files that no
/// other calls as a module), each named after its directory in the head, so that stacks
/// (`envs/prod`, `envs/dev`) are reviewed each as Terraform would apply it, and their
/// addresses are not confused. This is what `--hcl-base`/`--hcl-head` and the pre-commit hook
/// review.
pub(crate) fn sources(base: Tree, head: Tree) -> Result<Vec<Source>, LoadError> {
    // NOTE: every file is parsed here once, so that a syntax error anywhere is an error.
    let base_calls = eval::calls(&base, true)?;
    let head_calls = eval::calls(&head, true)?;
    let mut roots = eval::roots(&base_calls);
    roots.extend(eval::roots(&head_calls));
    roots.sort();
    roots.dedup();
    if roots.len() <= 1 {
        let root = roots.pop().unwrap_or_default();
        let (mut base, mut head) = (base, head);
        base.root.clone_from(&root);
        head.root = root;
        return Ok(vec![Source::trees(base, head)]);
    }
    // NOTE: each root's trees hold only what it reaches: evaluating a root parses every file
    // of its trees, and fifty stacks sharing modules would otherwise parse the whole
    // repository fifty times.
    roots
        .into_iter()
        .map(|root| {
            let (b_dirs, h_dirs) = (
                eval::reach(&base_calls, &root),
                eval::reach(&head_calls, &root),
            );
            let mut b = base.only(|dir| b_dirs.contains(dir))?;
            let mut h = head.only(|dir| h_dirs.contains(dir))?;
            b.root.clone_from(&root);
            h.name = head.place(&root);
            h.root = root;
            Ok(Source::trees(b, h))
        })
        .collect()
}

/// What a change to the `.tf` files of `dirs` can alter when Terraform applies it: the
/// directories that call them through local module calls (up to the root modules, in either
/// tree), and everything those call, `dirs` included. The pre-commit hook reviews only these,
/// so that an unrelated directory (a fixture, a stack that calls none of them) costs nothing
/// and its errors do not stop the commit. Files that do not parse are skipped here; the
/// review reports those it reads.
pub(crate) fn linked(base: &Tree, head: &Tree, dirs: &[String]) -> BTreeSet<String> {
    let mut forward = eval::Calls::new();
    let mut callers = eval::Calls::new();
    for tree in [base, head] {
        // NOTE: not strict: this never fails.
        for (from, called) in eval::calls(tree, false).unwrap_or_default() {
            for to in called {
                forward.entry(from.clone()).or_default().push(to.clone());
                callers.entry(to).or_default().push(from.clone());
            }
        }
    }
    let mut linked = BTreeSet::new();
    for dir in dirs {
        for caller in eval::reach(&callers, dir) {
            linked.extend(eval::reach(&forward, &caller));
        }
    }
    linked
}

/// The stack the reader runs on: parsing and evaluation recurse as deep as the (bounded)
/// nesting of a file.
const STACK: usize = 256 << 20;

/// A pair of `.tf` trees.
pub(crate) struct Trees;

impl Format for Trees {
    fn name(&self) -> &'static str {
        "a pair of `.tf` trees (`--hcl-base DIR --hcl-head DIR`)"
    }

    fn sniff(&self, first: &First<'_>) -> bool {
        matches!(first, First::Trees)
    }

    fn read(&self, opened: Opened<'_>, index: usize, wanted: &Wanted) -> Result<Pieces, LoadError> {
        let Some((base, head)) = opened.trees() else {
            return Err(LoadError::Invalid {
                name: opened.name.to_string(),
                message: "is not a pair of `.tf` trees".to_string(),
            });
        };
        let name = opened.name.to_string();
        let read = || -> Result<Pieces, LoadError> {
            let base = eval::evaluate(base)?;
            let head = eval::evaluate(head)?;
            Ok(pieces(name.clone(), base, head, index, wanted))
        };
        std::thread::scope(|scope| {
            std::thread::Builder::new()
                .name("hcl".to_string())
                .stack_size(STACK)
                .spawn_scoped(scope, read)
                .map_err(|e| LoadError::Invalid {
                    name: name.clone(),
                    message: format!("cannot start reading: {e}"),
                })?
                .join()
                .unwrap_or_else(|_| {
                    Err(LoadError::Invalid {
                        name: name.clone(),
                        message: "could not be read: the `.tf` reader failed".to_string(),
                    })
                })
        })
    }

    fn reads_directories(&self) -> bool {
        true
    }
}

/// The actions Terraform writes for an action.
fn actions(action: Action) -> &'static [&'static str] {
    match action {
        Action::Create => &["create"],
        Action::Delete => &["delete"],
        Action::Update => &["update"],
        Action::Read => &["read"],
        _ => &["no-op"],
    }
}

/// The attributes of an object that the review reads.
fn pick(values: &JsonMap<String, Json>, attributes: &[String]) -> Json {
    Json::Object(
        attributes
            .iter()
            .filter_map(|a| values.get(a).map(|v| (a.clone(), v.clone())))
            .collect(),
    )
}

/// Whether two instances configure the same thing: the same values, the same unknowns, and
/// unknown values that refer to the same resources.
fn same(a: &Instance, b: &Instance) -> bool {
    a.kind == b.kind
        && a.values == b.values
        && a.unknown == b.unknown
        && a.sensitive == b.sensitive
        && a.references == b.references
}

/// Where a `moved` block moves an address of the base: `from` itself, or an instance or
/// resource of it (`from[0]`, `from.aws_iam_role.r`), takes `to`'s place.
fn moved(address: &str, moves: &Moves<'_>) -> Option<String> {
    // NOTE: each prefix of the address that ends at a step (`.`, `[` or its end) is looked up
    // once, so many `moved` blocks cost no more per address than few; the first block in the
    // file's order wins, as a scan would have it.
    let ends = address
        .char_indices()
        .filter(|(_, c)| *c == '.' || *c == '[')
        .map(|(i, _)| i)
        .chain(std::iter::once(address.len()));
    ends.filter_map(|end| {
        let (order, to) = moves.get(&address[..end])?;
        Some((*order, format!("{to}{}", &address[end..])))
    })
    .min_by_key(|(order, _)| *order)
    .map(|(_, to)| to)
}

/// The `moved` blocks of a tree by their `from`: their place in the tree and their `to`.
type Moves<'m> = std::collections::HashMap<&'m str, (usize, &'m str)>;

/// The `moved` blocks, looked up by their `from` (the first of several with one `from`).
fn moves(list: &[(String, String)]) -> Moves<'_> {
    let mut out = Moves::with_capacity(list.len());
    for (order, (from, to)) in list.iter().enumerate() {
        out.entry(from.as_str()).or_insert((order, to.as_str()));
    }
    out
}

/// The change of one address, from what each tree has there (`previous`: the base's address,
/// when a `moved` block moved it).
fn change(
    base: Option<&Instance>,
    head: Option<&Instance>,
    previous: Option<&str>,
    input: usize,
    wanted: &Wanted,
) -> Option<ResourceChange> {
    let either = head.or(base)?;
    let action = match (base, head) {
        (_, Some(h)) if h.data => Action::Read,
        (Some(b), None) if b.data => return None,
        (Some(_), None) => Action::Delete,
        (None, Some(_)) => Action::Create,
        (Some(b), Some(h)) if same(b, h) => Action::NoOp,
        _ => Action::Update,
    };
    let key = if either.data {
        format!("data.{}", either.kind)
    } else {
        either.kind.clone()
    };
    let attributes: Option<Vec<String>> = match action {
        Action::NoOp => wanted.unchanged.get(&key).map(|unchanged| {
            let mut all = unchanged.clone();
            all.extend(wanted.changed.get(&key).into_iter().flatten().cloned());
            all.sort();
            all.dedup();
            all
        }),
        Action::Delete => wanted.deleted.get(&key).cloned(),
        _ => wanted.changed.get(&key).cloned(),
    };
    let empty = JsonMap::new();
    let values = attributes.map(|attributes| {
        let side = |i: Option<&Instance>, f: fn(&Instance) -> &JsonMap<String, Json>| match i {
            Some(i) => pick(f(i), &attributes),
            None => Json::Null,
        };
        let mut v = Values {
            before: side(base, |i| &i.values),
            after: side(head, |i| &i.values),
            after_unknown: pick(head.map_or(&empty, |i| &i.unknown), &attributes),
            before_sensitive: side(base, |i| &i.sensitive),
            after_sensitive: side(head, |i| &i.sensitive),
            unchanged: false,
        };
        // NOTE: an unchanged object's unknowns are the same on both sides (`Values::is_unknown`),
        // and so are the references that follow them.
        if action == Action::NoOp {
            v.after = Json::Null;
            v.after_sensitive = Json::Null;
            v.unchanged = true;
        }
        Box::new(v)
    });
    let actions: Arc<[Text]> = actions(action).iter().map(|a| Text::from(*a)).collect();
    Some(ResourceChange {
        head: Arc::new(Head {
            address: Text::from(either.address.as_str()),
            kind: Text::from(either.kind.as_str()),
            actions,
            data: either.data,
            importing: false,
            extra: Extra {
                module_address: (!either.module_address.is_empty())
                    .then(|| Text::from(either.module_address.as_str())),
                previous_address: previous.map(Text::from),
                ..Extra::default()
            }
            .boxed(),
        }),
        input,
        action,
        values,
        deferred: None,
    })
}

/// Put an instance's references where a plan's configuration has them: its resource block,
/// in the module calls it is under.
fn configure<'i>(
    root: &mut ConfigModule,
    instance: &'i Instance,
    seen: &mut std::collections::HashSet<(&'i [String], &'i str)>,
) {
    // NOTE: one configuration per resource block, however many instances it has: a set, not a
    // scan of the module's resources (which made a tree of many resources quadratic).
    if instance.kind == "module" || !seen.insert((&instance.calls, &instance.config_address)) {
        return;
    }
    let mut module = root;
    for call in &instance.calls {
        module = &mut module
            .module_calls
            .entry(call.clone())
            .or_insert_with(|| ModuleCall {
                module: ConfigModule::default(),
            })
            .module;
    }
    let expressions: JsonMap<String, Json> = instance
        .references
        .iter()
        .map(|(k, refs)| (k.clone(), json!({ "references": refs })))
        .collect();
    module.resources.push(ConfigResource {
        address: instance.config_address.clone(),
        expressions: serde_json::value::to_raw_value(&Json::Object(expressions)).ok(),
    });
}

/// What each tree has at one address of the head, and where the base had it when it moved.
type Pair<'i> = (Option<&'i Instance>, Option<&'i Instance>, Option<String>);

/// The change set's pieces of two evaluated trees.
fn pieces(
    name: String,
    base: eval::Evaluated,
    head: eval::Evaluated,
    input: usize,
    wanted: &Wanted,
) -> Pieces {
    let mut configuration = Configuration::default();
    let mut seen = std::collections::HashSet::new();
    for i in head.instances.iter().chain(&base.instances) {
        configure(&mut configuration.root_module, i, &mut seen);
    }
    // NOTE: the identity that applies the change is the head's: the change is applied with it.
    for (key, name, expressions) in &head.providers {
        configuration.provider_config.insert(
            key.clone(),
            ProviderConfig {
                name: name.clone(),
                expressions: Some(expressions.clone()),
            },
        );
    }
    let mut variables = BTreeMap::new();
    for (var, (value, sensitive)) in &head.variables {
        variables.insert(var.clone(), value.clone());
        configuration.root_module.variables.insert(
            var.clone(),
            ConfigVariable {
                sensitive: *sensitive,
            },
        );
    }
    // NOTE: what a `moved` block moved is the same object at its new address, as Terraform
    // plans it: compared with what it was, never deleted and created anew.
    let in_head: std::collections::HashSet<&str> =
        head.instances.iter().map(|h| h.address.as_str()).collect();
    let moves = moves(&head.moves);
    let mut by_address: BTreeMap<String, Pair<'_>> = BTreeMap::new();
    for b in &base.instances {
        let to = moved(&b.address, &moves)
            .filter(|to| in_head.contains(to.as_str()) && !in_head.contains(b.address.as_str()));
        let entry = by_address
            .entry(to.clone().unwrap_or_else(|| b.address.clone()))
            .or_default();
        if entry.0.is_none() {
            entry.0 = Some(b);
            entry.2 = to.map(|_| b.address.clone());
        }
    }
    for h in &head.instances {
        by_address.entry(h.address.clone()).or_default().1 = Some(h);
    }
    let changes: Vec<ResourceChange> = by_address
        .values()
        .filter_map(|(b, h, previous)| change(*b, *h, previous.as_deref(), input, wanted))
        .collect();
    Pieces {
        input: Input {
            name,
            format_version: FORMAT_VERSION.to_string(),
            terraform_version: None,
            configuration,
            resource_changes: changes.len(),
            variables,
        },
        changes,
        unknowns: head.notes,
        ..Pieces::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(name: &str, files: &[(&str, &str)]) -> Tree {
        let mut t = Tree::new(name);
        for (p, text) in files {
            t.insert(p, (*text).to_string()).expect("fits");
        }
        t
    }

    fn read(base: Tree, head: Tree) -> Pieces {
        let source = crate::load::Source::trees(base, head);
        let wanted = crate::extract::wanted_attributes(
            &crate::ruleset::Ruleset::load(&[]).expect("the built-in rulesets load"),
        );
        let opened = source.open().expect("opens");
        Trees.read(opened, 0, &wanted).expect("reads")
    }

    #[test]
    fn linked_reaches_the_roots_that_call_a_directory_and_what_they_call() {
        let call = |to: &str| format!("module \"m\" {{\n  source = \"../../{to}\"\n}}\n");
        let (one, two) = (call("modules/a"), call("modules/b"));
        let files = [
            ("envs/one/main.tf", one.as_str()),
            (
                "envs/one/more.tf",
                "module \"c\" {\n  source = \"../../modules/c\"\n}\n",
            ),
            ("envs/two/main.tf", two.as_str()),
            ("modules/a/main.tf", "resource \"x\" \"a\" {}\n"),
            ("modules/b/main.tf", "resource \"x\" \"b\" {}\n"),
            ("modules/c/main.tf", "resource \"x\" \"c\" {}\n"),
            ("broken/main.tf", "resource \"x\" {\n"),
        ];
        let base = tree("HEAD", &files);
        let head = tree("the index", &files);
        let got = linked(&base, &head, &["modules/a".to_string()]);
        let want: BTreeSet<String> = ["envs/one", "modules/a", "modules/c"]
            .into_iter()
            .map(String::from)
            .collect();
        assert_eq!(got, want);
        // A directory nothing calls is its own root.
        let got = linked(&base, &head, &["broken".to_string()]);
        assert_eq!(
            got.into_iter().collect::<Vec<_>>(),
            vec!["broken".to_string()]
        );
    }

    #[test]
    fn each_root_reads_only_what_it_reaches() {
        let files = [
            (
                "envs/one/main.tf",
                "module \"m\" {\n  source = \"../../modules/a\"\n}\n",
            ),
            ("envs/two/main.tf", "resource \"x\" \"two\" {}\n"),
            ("modules/a/main.tf", "resource \"x\" \"a\" {}\n"),
        ];
        let sources = sources(tree("b", &files), tree("h", &files)).expect("reads");
        assert_eq!(sources.len(), 2);
        let held: Vec<Vec<String>> = sources
            .iter()
            .map(|s| {
                let opened = s.open().expect("opens");
                let (_, head) = opened.trees().expect("trees");
                head.files.keys().cloned().collect()
            })
            .collect();
        assert_eq!(
            held,
            vec![
                vec![
                    "envs/one/main.tf".to_string(),
                    "modules/a/main.tf".to_string()
                ],
                vec!["envs/two/main.tf".to_string()],
            ]
        );
    }

    #[test]
    fn changes_pair_instances_by_address() {
        let base = tree(
            "base",
            &[(
                "main.tf",
                r#"
resource "aws_iam_role" "keep" { name = "keep" }
resource "aws_iam_role" "gone" { name = "gone" }
resource "aws_cloudtrail" "t" {
  name = "t"
  enable_logging = true
}
"#,
            )],
        );
        let head = tree(
            "head",
            &[(
                "main.tf",
                r#"
resource "aws_iam_role" "keep" { name = "keep" }
resource "aws_iam_role" "new" { name = "new" }
resource "aws_cloudtrail" "t" {
  name = "t"
  enable_logging = false
}
"#,
            )],
        );
        let p = read(base, head);
        let got: Vec<(String, Action)> = p
            .changes
            .iter()
            .map(|c| (c.address.to_string(), c.action))
            .collect();
        assert_eq!(
            got,
            [
                ("aws_cloudtrail.t".to_string(), Action::Update),
                ("aws_iam_role.gone".to_string(), Action::Delete),
                ("aws_iam_role.keep".to_string(), Action::NoOp),
                ("aws_iam_role.new".to_string(), Action::Create),
            ]
        );
        assert_eq!(p.input.format_version, FORMAT_VERSION);
        let trail = p.changes[0].values.as_ref().expect("values");
        assert_eq!(trail.before["enable_logging"], true);
        assert_eq!(trail.after["enable_logging"], false);
    }

    /// A pair of trees is read by this format and by no other; a directory alone, or bytes,
    /// are not claimed.
    #[test]
    fn only_pairs_of_trees_are_claimed() {
        assert!(Trees.sniff(&First::Trees));
        assert!(!Trees.sniff(&First::Directory(std::path::Path::new("."))));
        assert!(!Trees.sniff(&First::Bytes {
            bytes: b"resource \"a\" \"b\" {}",
            object: None
        }));
        for format in super::super::FORMATS {
            let is_trees = format.name() == Trees.name();
            assert_eq!(format.sniff(&First::Trees), is_trees, "{}", format.name());
        }
    }

    #[test]
    fn every_root_module_is_an_input_of_its_own() {
        let files = [
            (
                "envs/prod/main.tf",
                "module \"r\" { source = \"../../modules/role\" }\n",
            ),
            (
                "envs/dev/main.tf",
                "module \"r\" { source = \"../../modules/role\" }\n",
            ),
            (
                "modules/role/main.tf",
                "resource \"aws_iam_role\" \"r\" { name = \"r\" }\n",
            ),
            ("a/main.tf", "module \"b\" { source = \"../b\" }\n"),
            ("b/main.tf", "module \"a\" { source = \"../a\" }\n"),
        ];
        let sources = sources(Tree::new("base"), tree("repo", &files)).expect("reads");
        let names: Vec<&str> = sources.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["repo/a", "repo/envs/dev", "repo/envs/prod"]);
        let wanted = Wanted::default();
        let opened = sources[2].open().expect("opens");
        let p = Trees.read(opened, 0, &wanted).expect("reads");
        let got: Vec<&str> = p.changes.iter().map(|c| c.address.as_str()).collect();
        assert_eq!(got, ["module.r.aws_iam_role.r"]);
        let one = super::sources(Tree::new("b"), tree("h", &files[2..3])).expect("reads");
        assert_eq!(one.len(), 1);
    }

    /// A resource that a `moved` block moves is the same object: compared, not deleted (a
    /// trail moved into a module is not a trail deleted).
    #[test]
    fn moved_blocks_pair_the_old_address_with_the_new() {
        let trail = "resource \"aws_cloudtrail\" \"t\" {\n  name = \"org\"\n}\n";
        let base = tree("base", &[("main.tf", trail)]);
        let head = tree(
            "head",
            &[
                (
                    "main.tf",
                    "module \"audit\" { source = \"./audit\" }\nmoved {\n  from = aws_cloudtrail.t\n  to   = module.audit.aws_cloudtrail.t\n}\n",
                ),
                ("audit/main.tf", trail),
            ],
        );
        let p = read(base, head);
        let got: Vec<(&str, Action, Option<&str>)> = p
            .changes
            .iter()
            .map(|c| (c.address.as_str(), c.action, c.previous_address()))
            .collect();
        assert_eq!(
            got,
            [(
                "module.audit.aws_cloudtrail.t",
                Action::NoOp,
                Some("aws_cloudtrail.t")
            )]
        );
        assert_eq!(
            moved("a.b[0]", &moves(&[("a.b".into(), "c.d".into())])),
            Some("c.d[0]".into())
        );
        assert_eq!(moved("a.bc", &moves(&[("a.b".into(), "c.d".into())])), None);
        // The first block in the file's order wins, whichever prefix it names.
        let list = [
            ("a".to_string(), "x".to_string()),
            ("a.b".to_string(), "y".to_string()),
        ];
        assert_eq!(moved("a.b[0]", &moves(&list)), Some("x.b[0]".into()));
    }

    #[test]
    fn an_unknown_attribute_keeps_its_references_in_the_configuration() {
        let head = tree(
            "head",
            &[
                (
                    "modules/m/main.tf",
                    r#"
resource "aws_iam_role" "r" { name_prefix = "x" }
resource "aws_iam_role_policy_attachment" "a" {
  role       = aws_iam_role.r.id
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}
"#,
                ),
                ("main.tf", "module \"m\" { source = \"./modules/m\" }\n"),
            ],
        );
        let p = read(Tree::new("base"), head);
        let m = &p.input.configuration.root_module.module_calls["m"].module;
        let a = m
            .resources
            .iter()
            .find(|r| r.address == "aws_iam_role_policy_attachment.a")
            .expect("configured");
        let e: Json =
            serde_json::from_str(a.expressions.as_ref().expect("expressions").get()).expect("json");
        assert_eq!(
            e["role"]["references"],
            json!(["aws_iam_role.r.id", "aws_iam_role.r"])
        );
        let c = p
            .changes
            .iter()
            .find(|c| c.address == "module.m.aws_iam_role_policy_attachment.a")
            .expect("a change");
        assert_eq!(c.module_address(), Some("module.m"));
    }
}
