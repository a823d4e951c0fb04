//! A tree of `.tf` files → its resource instances, with the values that can be known without a
//! plan, what cannot (the paths of `after_unknown`), and the references of each attribute (as a
//! plan's `configuration` gives them, so that the resolver can follow an unknown value).
//!
//! Every named thing of a module (a variable, a local, a resource, a module call) is evaluated
//! once, when first needed: an expression is evaluated by `hcl-rs` in a context that declares
//! only what it refers to and is known. What fails to evaluate is unknown, never an error. Work
//! is bounded: module depth, chains of references, instances, nesting and the size of what a
//! `for` expression may walk.

use super::{funcs, policy};
use crate::load::{LoadError, Tree};
use crate::model::Unknown;
use hcl::eval::{Context, Evaluate};
use hcl::{Expression, ObjectKey, Structure, Value};
use serde_json::{Map as JsonMap, Value as Json};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::rc::Rc;

/// How deep module calls are followed.
const DEEPEST_MODULE: usize = 16;
/// The most instances one resource or module call expands to (`count`, `for_each`).
const MOST_INSTANCES: usize = 1_000;
/// The most resource instances of a tree.
const MOST_RESOURCES: usize = 100_000;
/// The longest chain of references followed (a local that names a local that names ...).
const LONGEST_CHAIN: usize = 128;
/// How deep blocks and literal collections are read.
const DEEPEST: usize = 32;
/// How deep brackets may nest in a file: deeper is refused before parsing.
pub(super) const DEEPEST_NESTING: usize = 200;
/// The most expressions evaluated in a tree: beyond, everything is unknown (module calls that
/// fan out, thousands of instances of each).
const MOST_EVALUATIONS: usize = 1_000_000;
/// The most text of expressions evaluated in a tree (an expression is read again for each
/// instance of its resource).
const MOST_TEXT: usize = 256 << 20;
/// The most work an expression with `for` may do (elements in context, to the power of its
/// `for`s).
const MOST_WORK: f64 = 1e7;

/// Attributes the provider computes as a copy of a configured one (`rulesets/hcl.toml`).
const COMPUTED: &str = include_str!("../../../rulesets/hcl.toml");

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawComputed {
    computed: Vec<Computed>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Computed {
    #[serde(rename = "type")]
    kind: String,
    attribute: String,
    from: String,
}

/// The computed copies, parsed once. The file is part of the binary and checked by a test.
fn computed() -> &'static [Computed] {
    static PARSED: std::sync::OnceLock<Vec<Computed>> = std::sync::OnceLock::new();
    PARSED.get_or_init(|| {
        // NOTE: the embedded file is tested to parse (`the_computed_copies_parse`).
        toml::from_str::<RawComputed>(COMPUTED)
            .map(|raw| raw.computed)
            .unwrap_or_default()
    })
}

/// One resource instance of a tree: a managed resource, a data source whose value a plan would
/// read only at apply, or a module call that is not read (`kind` = `module`).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Instance {
    pub(super) address: String,
    /// `module.a["k"]` for a resource of a module instance; empty in the root module.
    pub(super) module_address: String,
    /// The names of the module calls from the root (for the configuration).
    pub(super) calls: Vec<String>,
    /// The resource block's address in its module (`aws_iam_role.x`, `data.T.N`).
    pub(super) config_address: String,
    pub(super) kind: String,
    pub(super) data: bool,
    pub(super) values: JsonMap<String, Json>,
    /// `after_unknown`: `true` where a value is not known without a plan.
    pub(super) unknown: JsonMap<String, Json>,
    /// `true` where a value comes from a sensitive variable.
    pub(super) sensitive: JsonMap<String, Json>,
    /// Per attribute, the resources its expression refers to (`aws_iam_role.x.arn`,
    /// `aws_iam_role.x`), through locals too.
    pub(super) references: BTreeMap<String, Vec<String>>,
}

/// What a tree gives the change set.
#[derive(Debug, Default)]
pub(super) struct Evaluated {
    pub(super) instances: Vec<Instance>,
    /// What could not be known, said plainly (a module not read, an expansion not known).
    pub(super) notes: Vec<Unknown>,
    /// The root module's provider blocks (`aws`, `aws.ALIAS`): their `assume_role` blocks'
    /// `role_arn` as a plan's configuration gives it (`constant_value`, or `references` to a
    /// root variable), for the pipeline identity.
    pub(super) providers: Vec<(String, String, Json)>,
    /// The values of the root variables that a provider's `role_arn` is, and which of them are
    /// sensitive.
    pub(super) variables: BTreeMap<String, (Json, bool)>,
    /// What `moved` blocks moved: full addresses (a resource, a module call, or an instance of
    /// one), from and to.
    pub(super) moves: Vec<(String, String)>,
}

/// A module: the blocks of the `.tf` files of one directory.
#[derive(Debug, Default)]
pub(super) struct ModuleDef {
    dir: String,
    variables: Vec<(String, Option<Expression>, bool)>,
    locals: Vec<(String, Expression)>,
    local_index: HashMap<String, usize>,
    resources: Vec<ResourceDef>,
    resource_index: HashMap<(bool, String, String), usize>,
    kinds: HashSet<String>,
    modules: Vec<(String, hcl::Body)>,
    module_index: HashMap<String, usize>,
    outputs: Vec<(String, Expression)>,
    providers: Vec<(String, hcl::Body)>,
    /// `moved` blocks: the addresses (in the module) of what moved, and where to.
    moved: Vec<(String, String)>,
}

#[derive(Debug)]
struct ResourceDef {
    data: bool,
    kind: String,
    name: String,
    body: hcl::Body,
}

/// The directory a local module `source` names from a module's directory, if it stays within
/// the tree.
fn local_path(dir: &str, source: &str) -> Option<String> {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for p in source.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// Directories of `.tf` files, each with the directories its `module` blocks call.
pub(super) type Calls = BTreeMap<String, Vec<String>>;

/// The local module calls of a tree: each directory of `.tf` files, and the directories its
/// `module` blocks call (`source = "./x"`, `"../x"`). With `strict`, a file that does not
/// parse is an error; without, it is left out (the pre-commit hook finds what a change
/// touches before it reviews, and the review reports the syntax errors of what it reads).
pub(super) fn calls(tree: &Tree, strict: bool) -> Result<BTreeMap<String, Vec<String>>, LoadError> {
    let mut calls: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (path, text) in &tree.files {
        if !path.ends_with(".tf") {
            continue;
        }
        let dir = parent(path).to_string();
        let called = calls.entry(dir.clone()).or_default();
        let body = match parse_file(tree, path, text) {
            Ok(body) => body,
            Err(e) if strict => return Err(e),
            Err(_) => continue,
        };
        for b in body.blocks().filter(|b| b.identifier.as_str() == "module") {
            if let Some(Expression::String(source)) = attribute(&b.body, "source") {
                if source.starts_with("./") || source.starts_with("../") {
                    if let Some(to) = local_path(&dir, source).filter(|to| *to != dir) {
                        called.push(to);
                    }
                }
            }
        }
    }
    Ok(calls)
}

/// The root modules of a tree, from its calls: the directories of `.tf` files that no other
/// one calls as a local module (and, so that nothing is left out, any that no root reaches).
pub(super) fn roots(calls: &Calls) -> Vec<String> {
    let called: HashSet<&String> = calls.values().flatten().collect();
    let mut roots: Vec<String> = calls
        .keys()
        .filter(|d| !called.contains(d))
        .cloned()
        .collect();
    let mut reached: HashSet<String> = HashSet::new();
    let reach = |from: &String, reached: &mut HashSet<String>| {
        let mut todo = vec![from.clone()];
        while let Some(d) = todo.pop() {
            if reached.insert(d.clone()) {
                todo.extend(calls.get(&d).into_iter().flatten().cloned());
            }
        }
    };
    for r in &roots {
        reach(r, &mut reached);
    }
    for d in calls.keys() {
        if !reached.contains(d) {
            roots.push(d.clone());
            reach(d, &mut reached);
        }
    }
    roots.sort();
    roots
}

/// The directories a module reaches through local module calls, itself included.
pub(super) fn reach(calls: &Calls, from: &str) -> std::collections::BTreeSet<String> {
    let mut reached = std::collections::BTreeSet::new();
    let mut todo = vec![from.to_string()];
    while let Some(d) = todo.pop() {
        if !reached.contains(&d) {
            todo.extend(calls.get(&d).into_iter().flatten().cloned());
            reached.insert(d);
        }
    }
    reached
}

/// The directory of a path in a tree (`""` for the root).
fn parent(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..i])
}

/// The modules of a tree by directory, and the root module's variable values.
type Parsed = (HashMap<String, Rc<ModuleDef>>, HashMap<String, Value>);

/// Parse every `.tf` file of a tree, by directory; and the root module's variable values
/// (`terraform.tfvars`, then `*.auto.tfvars` in name order).
pub(super) fn parse(tree: &Tree) -> Result<Parsed, LoadError> {
    let mut defs: HashMap<String, ModuleDef> = HashMap::new();
    let mut tfvars: Vec<(&String, hcl::Body)> = Vec::new();
    for (path, text) in &tree.files {
        let name = path.rsplit('/').next().unwrap_or(path);
        let is_tf = name.ends_with(".tf");
        let is_vars = parent(path) == tree.root
            && (name == "terraform.tfvars" || name.ends_with(".auto.tfvars"));
        if !is_tf && !is_vars {
            continue;
        }
        let body = parse_file(tree, path, text)?;
        if is_vars {
            tfvars.push((path, body));
            continue;
        }
        let def = defs
            .entry(parent(path).to_string())
            .or_insert_with(|| ModuleDef {
                dir: parent(path).to_string(),
                ..ModuleDef::default()
            });
        def.add(body);
    }
    // NOTE: Terraform reads terraform.tfvars first, then the .auto.tfvars in lexical order.
    tfvars.sort_by_key(|(p, _)| (p.as_str() != "terraform.tfvars", p.to_string()));
    let ctx = funcs::context();
    let mut values = HashMap::new();
    for (_, body) in tfvars {
        for s in body.0 {
            if let Structure::Attribute(a) = s {
                if let Ok(v) = a.expr.evaluate(&ctx) {
                    values.insert(a.key.to_string(), v);
                }
            }
        }
    }
    Ok((
        defs.into_iter().map(|(k, v)| (k, Rc::new(v))).collect(),
        values,
    ))
}

/// Parse one file; a syntax error names the file, the line and column, and what was expected.
fn parse_file(tree: &Tree, path: &str, text: &str) -> Result<hcl::Body, LoadError> {
    // NOTE: editors on Windows may start a file with a byte-order mark; Terraform reads it.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if let Some((line, column)) = too_deep(text) {
        return Err(LoadError::At {
            name: tree.place(path),
            line,
            column,
            message: format!(
                "brackets nest deeper than foureyes reads ({DEEPEST_NESTING}): expected HCL"
            ),
        });
    }
    hcl::parse(text).map_err(|e| match e {
        hcl::Error::Parse(p) => LoadError::At {
            name: tree.place(path),
            line: p.location().line(),
            column: p.location().column(),
            message: format!(
                "invalid HCL: {}",
                crate::escape::terminal(p.message()).replace('\n', " ")
            ),
        },
        other => LoadError::Invalid {
            name: tree.place(path),
            message: format!(
                "invalid HCL: {}",
                crate::escape::terminal(&other.to_string())
            ),
        },
    })
}

/// Where brackets first nest deeper than [`DEEPEST_NESTING`], if they do (the parser recurses).
fn too_deep(text: &str) -> Option<(usize, usize)> {
    let mut depth = 0usize;
    for (i, b) in text.bytes().enumerate() {
        match b {
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > DEEPEST_NESTING {
                    return Some(crate::load::line_column(text.as_bytes(), i));
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

fn label(block: &hcl::Block, i: usize) -> Option<String> {
    block.labels.get(i).map(|l| l.as_str().to_string())
}

fn attribute<'b>(body: &'b hcl::Body, key: &str) -> Option<&'b Expression> {
    body.attributes()
        .find(|a| a.key.as_str() == key)
        .map(|a| &a.expr)
}

impl ModuleDef {
    fn add(&mut self, body: hcl::Body) {
        for s in body.0 {
            let Structure::Block(b) = s else {
                continue;
            };
            match b.identifier.as_str() {
                "variable" => {
                    if let Some(name) = label(&b, 0) {
                        let default = attribute(&b.body, "default").cloned();
                        let sensitive = matches!(
                            attribute(&b.body, "sensitive"),
                            Some(Expression::Bool(true))
                        );
                        self.variables.push((name, default, sensitive));
                    }
                }
                "locals" => {
                    for a in b.body.attributes() {
                        let name = a.key.to_string();
                        if !self.local_index.contains_key(&name) {
                            self.local_index.insert(name.clone(), self.locals.len());
                            self.locals.push((name, a.expr.clone()));
                        }
                    }
                }
                "resource" | "data" => {
                    let data = b.identifier.as_str() == "data";
                    let (Some(kind), Some(name)) = (label(&b, 0), label(&b, 1)) else {
                        continue;
                    };
                    let key = (data, kind.clone(), name.clone());
                    if self.resource_index.contains_key(&key) {
                        continue;
                    }
                    if !data {
                        self.kinds.insert(kind.clone());
                    }
                    self.resource_index.insert(key, self.resources.len());
                    self.resources.push(ResourceDef {
                        data,
                        kind,
                        name,
                        body: b.body,
                    });
                }
                "module" => {
                    if let Some(name) = label(&b, 0) {
                        if !self.module_index.contains_key(&name) {
                            self.module_index.insert(name.clone(), self.modules.len());
                            self.modules.push((name, b.body));
                        }
                    }
                }
                "moved" => {
                    let text =
                        |key| attribute(&b.body, key).and_then(|e| hcl::format::to_string(e).ok());
                    if let (Some(from), Some(to)) = (text("from"), text("to")) {
                        self.moved.push((from, to));
                    }
                }
                "provider" => {
                    if let Some(name) = label(&b, 0) {
                        self.providers.push((name, b.body));
                    }
                }
                "output" => {
                    if let (Some(name), Some(value)) = (label(&b, 0), attribute(&b.body, "value")) {
                        self.outputs.push((name, value.clone()));
                    }
                }
                _ => {}
            }
        }
    }
}

/// A named thing of a module an expression refers to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Root {
    Var(String),
    Local(usize),
    Resource(usize),
    Module(usize),
}

#[derive(Debug, Clone)]
enum Slot {
    Todo,
    Busy,
    Done(Option<Value>),
}

/// One module instance being evaluated.
struct Scope {
    def: Rc<ModuleDef>,
    /// `module.a["k"].` before the addresses of its resources; empty in the root.
    prefix: String,
    calls: Vec<String>,
    /// The directories of the modules being evaluated, to refuse a module that calls itself.
    stack: Vec<String>,
    vars: HashMap<String, Option<Value>>,
    /// The variables whose values are sensitive: declared so, or given one that is.
    sensitive_vars: HashSet<String>,
    /// The attributes of resources (by index) whose values are sensitive.
    sensitive_attributes: HashSet<(usize, String)>,
    locals: Vec<Slot>,
    resources: Vec<Slot>,
    modules: Vec<Slot>,
}

impl Scope {
    fn new(def: Rc<ModuleDef>, prefix: String, calls: Vec<String>, stack: Vec<String>) -> Scope {
        let sensitive_vars = def
            .variables
            .iter()
            .filter(|(_, _, sensitive)| *sensitive)
            .map(|(name, _, _)| name.clone())
            .collect();
        let mut scope = Scope {
            locals: vec![Slot::Todo; def.locals.len()],
            resources: vec![Slot::Todo; def.resources.len()],
            modules: vec![Slot::Todo; def.modules.len()],
            def,
            prefix,
            calls,
            stack,
            vars: HashMap::new(),
            sensitive_vars: HashSet::new(),
            sensitive_attributes: HashSet::new(),
        };
        scope.sensitive_vars = sensitive_vars;
        scope
    }

    fn slot(&mut self, root: &Root) -> Option<&mut Slot> {
        match root {
            Root::Var(_) => None,
            Root::Local(i) => self.locals.get_mut(*i),
            Root::Resource(i) => self.resources.get_mut(*i),
            Root::Module(i) => self.modules.get_mut(*i),
        }
    }
}

/// Names bound by iteration: `each`, `count`, a dynamic block's iterator.
type Iter = Vec<(String, Value)>;

/// How a resource or module call expands.
enum Expansion {
    One,
    Count(usize),
    Each(Vec<(String, Value)>),
    Unknown(&'static str),
}

/// An evaluated body: values, what is unknown or sensitive in them, and the references of each
/// attribute.
#[derive(Default)]
struct Evaluation {
    values: JsonMap<String, Json>,
    unknown: JsonMap<String, Json>,
    sensitive: JsonMap<String, Json>,
    references: BTreeMap<String, Vec<String>>,
}

struct Evaluator<'a> {
    defs: &'a HashMap<String, Rc<ModuleDef>>,
    funcs: Context<'static>,
    out: Vec<Instance>,
    notes: Vec<Unknown>,
    /// Root variables already said to be unknown.
    noted: HashSet<String>,
    moves: Vec<(String, String)>,
    /// Expressions evaluated so far ([`MOST_EVALUATIONS`]), and their text ([`MOST_TEXT`]).
    evaluations: usize,
    text: usize,
}

/// Evaluate a tree: the root module and the local modules it calls.
pub(super) fn evaluate(tree: &Tree) -> Result<Evaluated, LoadError> {
    let (defs, tfvars) = parse(tree)?;
    let Some(root) = defs.get(&tree.root).cloned() else {
        return Ok(Evaluated::default());
    };
    let mut ev = Evaluator {
        defs: &defs,
        funcs: funcs::context(),
        out: Vec::new(),
        notes: Vec::new(),
        noted: HashSet::new(),
        moves: Vec::new(),
        evaluations: 0,
        text: 0,
    };
    let mut scope = Scope::new(
        root.clone(),
        String::new(),
        Vec::new(),
        vec![tree.root.clone()],
    );
    for (name, default, _) in &root.variables {
        let value = match tfvars.get(name) {
            Some(v) => Some(v.clone()),
            None => default.as_ref().and_then(|d| d.evaluate(&ev.funcs).ok()),
        };
        scope.vars.insert(name.clone(), value);
    }
    ev.run(&mut scope);
    let (providers, variables) = ev.providers(&mut scope);
    let mut instances = ev.out;
    instances.sort_by(|a, b| a.address.cmp(&b.address));
    instances.dedup_by(|a, b| a.address == b.address);
    let mut notes = ev.notes;
    notes.sort();
    notes.dedup();
    let mut moves = ev.moves;
    moves.sort();
    moves.dedup();
    Ok(Evaluated {
        instances,
        notes,
        providers,
        variables,
        moves,
    })
}

/// The references an expression's text makes: chains of names (`aws_iam_role.x[0].arn` as
/// `["aws_iam_role", "x[0]", "arn"]`), with literal indexes kept on their part. Names inside
/// strings are found too, which only ever adds a reference that leads nowhere.
pub(super) fn scan(text: &str) -> Vec<Vec<String>> {
    let b = text.as_bytes();
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'-';
    let start = |c: u8| c.is_ascii_alphabetic() || c == b'_';
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !start(b[i]) || (i > 0 && (ident(b[i - 1]) || b[i - 1] == b'.')) {
            i += 1;
            continue;
        }
        let mut parts = Vec::new();
        let mut j = i;
        loop {
            let from = j;
            while j < b.len() && ident(b[j]) {
                j += 1;
            }
            let mut part = text[from..j].to_string();
            while j < b.len() && b[j] == b'[' {
                match index_end(b, j) {
                    Some(end) => {
                        part.push_str(&text[j..=end]);
                        j = end + 1;
                    }
                    None => break,
                }
            }
            parts.push(part);
            if j + 1 < b.len() && b[j] == b'.' && start(b[j + 1]) {
                j += 1;
                continue;
            }
            break;
        }
        if parts.len() >= 2 {
            out.push(parts);
        }
        i = j.max(i + 1);
    }
    out
}

/// The end of a literal index (`[0]`, `["k"]`, `[*]`) starting at `open`.
fn index_end(b: &[u8], open: usize) -> Option<usize> {
    let mut j = open + 1;
    if b.get(j) == Some(&b'"') {
        j += 1;
        while j < b.len() && b[j] != b'"' {
            if b[j] == b'\\' || b[j] == b'$' || b[j] == b'%' {
                return None;
            }
            j += 1;
        }
        j += 1;
    } else {
        let from = j;
        while j < b.len() && (b[j].is_ascii_digit() || b[j] == b'*') {
            j += 1;
        }
        if j == from {
            return None;
        }
    }
    (b.get(j) == Some(&b']')).then_some(j)
}

/// The address of an instance key, as Terraform writes it.
fn key_suffix(key: &str) -> String {
    format!("[{}]", serde_json::to_string(key).unwrap_or_default())
}

/// The number of values in a value, up to a bound.
fn size(v: &Value, bound: usize) -> usize {
    let mut n = 1;
    match v {
        Value::Array(a) => {
            for x in a {
                n += size(x, bound);
                if n >= bound {
                    break;
                }
            }
        }
        Value::Object(m) => {
            for x in m.values() {
                n += size(x, bound);
                if n >= bound {
                    break;
                }
            }
        }
        _ => {}
    }
    n.min(bound)
}

/// Whether a mark says something is unknown.
fn marked(mark: &Json) -> bool {
    crate::model::any_true(mark)
}

/// The marks of a collection from those of its items: `false` when none is set.
fn collect_marks(marks: Vec<Json>) -> Json {
    if marks.iter().any(marked) {
        Json::Array(marks)
    } else {
        Json::Bool(false)
    }
}

impl Evaluator<'_> {
    /// Evaluate everything of a module instance; its outputs.
    fn run(&mut self, s: &mut Scope) -> Value {
        let def = s.def.clone();
        for i in 0..def.locals.len() {
            self.node(s, &Root::Local(i), 0);
        }
        for i in 0..def.resources.len() {
            self.node(s, &Root::Resource(i), 0);
        }
        for i in 0..def.modules.len() {
            self.node(s, &Root::Module(i), 0);
        }
        for (from, to) in &def.moved {
            if self.moves.len() < MOST_RESOURCES {
                self.moves
                    .push((format!("{}{from}", s.prefix), format!("{}{to}", s.prefix)));
            }
        }
        let mut outputs = hcl::Map::new();
        for (name, expr) in &def.outputs {
            if let Ok(v) = self.value(s, expr, &Iter::new(), 0) {
                outputs.insert(name.clone(), v);
            }
        }
        Value::Object(outputs)
    }

    /// The root module's provider configurations, as far as the pipeline identity goes: the
    /// `role_arn` of their `assume_role` blocks. One from a root variable is given as a
    /// reference to it, with the variable's value (judged, and never shown when sensitive).
    #[allow(clippy::type_complexity)]
    fn providers(
        &mut self,
        s: &mut Scope,
    ) -> (Vec<(String, String, Json)>, BTreeMap<String, (Json, bool)>) {
        let def = s.def.clone();
        let mut providers = Vec::new();
        let mut variables = BTreeMap::new();
        for (name, body) in &def.providers {
            let key = match attribute(body, "alias").map(|a| self.value(s, a, &Iter::new(), 0)) {
                Some(Ok(Value::String(alias))) => format!("{name}.{alias}"),
                _ => name.clone(),
            };
            let mut expressions = JsonMap::new();
            for block in ["assume_role", "assume_role_with_web_identity"] {
                let mut list = Vec::new();
                for b in body.blocks().filter(|b| b.identifier.as_str() == block) {
                    let Some(expr) = attribute(&b.body, "role_arn") else {
                        continue;
                    };
                    let text = hcl::format::to_string(expr).unwrap_or_default();
                    let variable = text.strip_prefix("var.").filter(|v| {
                        v.bytes()
                            .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
                    });
                    let value = self.value(s, expr, &Iter::new(), 0);
                    match (variable, value) {
                        (Some(var), Ok(Value::String(arn))) => {
                            variables.insert(
                                var.to_string(),
                                (Json::String(arn), s.sensitive_vars.contains(var)),
                            );
                            list.push(serde_json::json!({
                                "role_arn": { "references": [format!("var.{var}")] }
                            }));
                        }
                        (None, Ok(Value::String(arn))) => {
                            let mut sensitive = false;
                            Self::references(
                                s,
                                &text,
                                &mut HashSet::new(),
                                &mut Vec::new(),
                                &mut sensitive,
                            );
                            if !sensitive {
                                list.push(
                                    serde_json::json!({ "role_arn": { "constant_value": arn } }),
                                );
                            }
                        }
                        _ => {}
                    }
                }
                if !list.is_empty() {
                    expressions.insert(block.to_string(), Json::Array(list));
                }
            }
            providers.push((key, name.clone(), Json::Object(expressions)));
        }
        (providers, variables)
    }

    /// What a module's name refers to: a variable, a local, a resource, a module call.
    fn root(def: &ModuleDef, parts: &[String]) -> Option<Root> {
        let name = |i: usize| {
            parts
                .get(i)
                .map(|p| crate::resolve::strip_index(p).to_string())
        };
        match parts.first()?.as_str() {
            "var" => Some(Root::Var(name(1)?)),
            "local" => def.local_index.get(&name(1)?).map(|&i| Root::Local(i)),
            "module" => def.module_index.get(&name(1)?).map(|&i| Root::Module(i)),
            "data" => def
                .resource_index
                .get(&(true, name(1)?, name(2)?))
                .map(|&i| Root::Resource(i)),
            kind if def.kinds.contains(kind) => def
                .resource_index
                .get(&(false, kind.to_string(), name(1)?))
                .map(|&i| Root::Resource(i)),
            _ => None,
        }
    }

    /// The value of a named thing, evaluated once; `None` when unknown.
    fn node(&mut self, s: &mut Scope, root: &Root, chain: usize) -> Option<Value> {
        if let Root::Var(name) = root {
            let value = s.vars.get(name).cloned().flatten();
            if value.is_none() && s.prefix.is_empty() && self.noted.insert(name.clone()) {
                let detail = if s.def.variables.iter().any(|(n, _, _)| n == name) {
                    "no default, and no value in terraform.tfvars or *.auto.tfvars: unknown \
                     without a plan"
                } else {
                    "not declared: unknown"
                };
                self.notes.push(Unknown {
                    address: format!("var.{name}"),
                    attribute: "value".to_string(),
                    detail: detail.to_string(),
                });
            }
            return value;
        }
        if chain > LONGEST_CHAIN {
            return None;
        }
        match s.slot(root)? {
            Slot::Done(v) => return v.clone(),
            Slot::Busy => return None,
            slot @ Slot::Todo => *slot = Slot::Busy,
        }
        let def = s.def.clone();
        let value = match root {
            Root::Var(_) => None,
            Root::Local(i) => self
                .value(s, &def.locals[*i].1, &Iter::new(), chain + 1)
                .ok(),
            Root::Resource(i) => self.resource(s, *i, chain + 1),
            Root::Module(i) => self.module(s, *i, chain + 1),
        };
        if let Some(slot) = s.slot(root) {
            *slot = Slot::Done(value.clone());
        }
        value
    }

    /// Evaluate an expression whole: `Err` when it cannot be known.
    fn value(
        &mut self,
        s: &mut Scope,
        expr: &Expression,
        iter: &Iter,
        chain: usize,
    ) -> Result<Value, ()> {
        self.evaluations = self.evaluations.saturating_add(1);
        if self.evaluations > MOST_EVALUATIONS || self.text > MOST_TEXT {
            if self.evaluations != usize::MAX {
                self.evaluations = usize::MAX;
                let module = s.prefix.trim_end_matches('.');
                self.notes.push(Unknown {
                    address: if module.is_empty() {
                        "(root module)".to_string()
                    } else {
                        module.to_string()
                    },
                    attribute: "*".to_string(),
                    detail: format!(
                        "the tree needs more than {MOST_EVALUATIONS} evaluations or {} MiB of \
                         expressions: what remains is unknown",
                        MOST_TEXT >> 20
                    ),
                });
            }
            return Err(());
        }
        match expr {
            Expression::Null => return Ok(Value::Null),
            Expression::Bool(b) => return Ok(Value::Bool(*b)),
            Expression::Number(n) => return Ok(Value::Number(*n)),
            Expression::String(t) => return Ok(Value::String(t.clone())),
            _ => {}
        }
        let text = hcl::format::to_string(expr).map_err(|_| ())?;
        self.text = self.text.saturating_add(text.len());
        let def = s.def.clone();
        let mut roots: Vec<Root> = Vec::new();
        for parts in scan(&text) {
            if let Some(root) = Self::root(&def, &parts) {
                if !roots.contains(&root) {
                    roots.push(root);
                }
            }
        }
        let mut ctx = self.funcs.clone();
        let mut vars = hcl::Map::new();
        let mut locals = hcl::Map::new();
        let mut modules = hcl::Map::new();
        let mut data: hcl::Map<String, Value> = hcl::Map::new();
        let mut managed: hcl::Map<String, hcl::Map<String, Value>> = hcl::Map::new();
        let mut work = 1usize;
        for root in &roots {
            let Some(v) = self.node(s, root, chain) else {
                continue;
            };
            work = work.saturating_add(size(&v, 1 << 24));
            match root {
                Root::Var(name) => {
                    vars.insert(name.clone(), v);
                }
                Root::Local(i) => {
                    locals.insert(def.locals[*i].0.clone(), v);
                }
                Root::Module(i) => {
                    modules.insert(def.modules[*i].0.clone(), v);
                }
                Root::Resource(i) => {
                    let r = &def.resources[*i];
                    if r.data {
                        let by_kind = data
                            .entry(r.kind.clone())
                            .or_insert_with(|| Value::Object(hcl::Map::new()));
                        if let Value::Object(m) = by_kind {
                            m.insert(r.name.clone(), v);
                        }
                    } else {
                        managed
                            .entry(r.kind.clone())
                            .or_default()
                            .insert(r.name.clone(), v);
                    }
                }
            }
        }
        for (name, v) in iter {
            work = work.saturating_add(size(v, 1 << 24));
            ctx.declare_var(name.as_str(), v.clone());
        }
        // NOTE: `for` expressions multiply: bound what they could walk before hcl-rs does.
        let fors = text.matches("for ").count();
        work = work.saturating_add(text.matches("range(").count() * (1 << 12));
        if fors > 0 && (work as f64).powi(i32::try_from(fors).unwrap_or(i32::MAX)) > MOST_WORK {
            return Err(());
        }
        ctx.declare_var("var", Value::Object(vars));
        ctx.declare_var("local", Value::Object(locals));
        ctx.declare_var("module", Value::Object(modules));
        ctx.declare_var("data", Value::Object(data));
        for (kind, m) in managed {
            ctx.declare_var(kind.as_str(), Value::Object(m));
        }
        let dir = if def.dir.is_empty() {
            ".".to_string()
        } else {
            format!("./{}", def.dir)
        };
        ctx.declare_var(
            "path",
            Value::Object(hcl::Map::from_iter([
                ("module".to_string(), Value::from(dir)),
                ("root".to_string(), Value::from(".")),
                ("cwd".to_string(), Value::from(".")),
            ])),
        );
        expr.evaluate(&ctx).map_err(|_| ())
    }

    /// Evaluate an attribute's expression as far as it can be known: collections item by item,
    /// so that one unknown item leaves the others known. The value, and its `after_unknown` mark.
    fn attribute(
        &mut self,
        s: &mut Scope,
        expr: &Expression,
        iter: &Iter,
        chain: usize,
        depth: usize,
    ) -> (Json, Json) {
        match expr {
            Expression::Parenthesis(inner) => return self.attribute(s, inner, iter, chain, depth),
            Expression::Array(items) if depth < DEEPEST => {
                let mut values = Vec::new();
                let mut marks = Vec::new();
                for item in items {
                    let (v, m) = self.attribute(s, item, iter, chain, depth + 1);
                    values.push(v);
                    marks.push(m);
                }
                return (Json::Array(values), collect_marks(marks));
            }
            Expression::Object(entries) if depth < DEEPEST => {
                let mut values = JsonMap::new();
                let mut marks = JsonMap::new();
                for (k, v) in entries {
                    let key = match k {
                        ObjectKey::Identifier(i) => i.to_string(),
                        ObjectKey::Expression(e) => match self.value(s, e, iter, chain) {
                            Ok(Value::String(k)) => k,
                            Ok(Value::Number(n)) => n.to_string(),
                            Ok(Value::Bool(b)) => b.to_string(),
                            _ => return (Json::Null, Json::Bool(true)),
                        },
                        _ => return (Json::Null, Json::Bool(true)),
                    };
                    let (value, mark) = self.attribute(s, v, iter, chain, depth + 1);
                    if marked(&mark) {
                        marks.insert(key.clone(), mark);
                    }
                    values.insert(key, value);
                }
                let mark = if marks.is_empty() {
                    Json::Bool(false)
                } else {
                    Json::Object(marks)
                };
                return (Json::Object(values), mark);
            }
            _ => {}
        }
        match self.value(s, expr, iter, chain) {
            Ok(v) => (funcs::to_json(&v), Json::Bool(false)),
            Err(()) => (Json::Null, Json::Bool(true)),
        }
    }

    /// The resources an expression refers to, through locals too, and whether it uses a
    /// sensitive value (a variable, or an attribute of a resource, that is).
    fn references(
        s: &Scope,
        text: &str,
        seen: &mut HashSet<usize>,
        out: &mut Vec<String>,
        sensitive: &mut bool,
    ) {
        let def = &s.def;
        for parts in scan(text) {
            match Self::root(def, &parts) {
                Some(Root::Var(name)) => *sensitive |= s.sensitive_vars.contains(&name),
                Some(Root::Local(i)) if seen.len() < LONGEST_CHAIN && seen.insert(i) => {
                    if let Ok(t) = hcl::format::to_string(&def.locals[i].1) {
                        Self::references(s, &t, seen, out, sensitive);
                    }
                }
                Some(Root::Resource(i)) => {
                    let take = if parts[0] == "data" { 3 } else { 2 };
                    if let Some(attribute) = parts.get(take) {
                        let attribute = crate::resolve::strip_index(attribute).to_string();
                        *sensitive |= s.sensitive_attributes.contains(&(i, attribute));
                    }
                    let full = parts.join(".");
                    let resource = parts[..take.min(parts.len())].join(".");
                    for r in [full, resource] {
                        if !out.contains(&r) {
                            out.push(r);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// Evaluate a block's body: its attributes, and its nested blocks as lists of objects (as a
    /// plan shows them), `dynamic` blocks expanded.
    fn body(
        &mut self,
        s: &mut Scope,
        body: &hcl::Body,
        iter: &Iter,
        chain: usize,
        depth: usize,
        top: bool,
    ) -> Evaluation {
        let mut out = Evaluation::default();
        for structure in &body.0 {
            match structure {
                Structure::Attribute(a) => {
                    let key = a.key.as_str();
                    if top && matches!(key, "count" | "for_each" | "depends_on" | "provider") {
                        continue;
                    }
                    let (value, mark) = self.attribute(s, &a.expr, iter, chain, 0);
                    if marked(&mark) {
                        out.unknown.insert(key.to_string(), mark);
                    }
                    out.values.insert(key.to_string(), value);
                    let mut refs = Vec::new();
                    let mut sensitive = false;
                    if let Ok(text) = hcl::format::to_string(&a.expr) {
                        Self::references(s, &text, &mut HashSet::new(), &mut refs, &mut sensitive);
                    }
                    if sensitive {
                        out.sensitive.insert(key.to_string(), Json::Bool(true));
                    }
                    if !refs.is_empty() {
                        out.references.insert(key.to_string(), refs);
                    }
                }
                Structure::Block(b) => {
                    let ident = b.identifier.as_str();
                    if top && matches!(ident, "lifecycle" | "provisioner" | "connection") {
                        continue;
                    }
                    let (name, items) = if ident == "dynamic" {
                        let Some(name) = label(b, 0) else {
                            continue;
                        };
                        let items = self.dynamic(s, b, iter, chain, depth);
                        (name, items)
                    } else if depth >= DEEPEST {
                        (ident.to_string(), None)
                    } else {
                        let inner = self.body(s, &b.body, iter, chain, depth + 1, false);
                        (ident.to_string(), Some(vec![inner]))
                    };
                    let mut refs = Vec::new();
                    let mut sensitive = false;
                    if let Ok(text) = hcl::format::to_string(&b.body) {
                        Self::references(s, &text, &mut HashSet::new(), &mut refs, &mut sensitive);
                    }
                    let entry_refs = out.references.entry(name.clone()).or_default();
                    for r in refs {
                        if !entry_refs.contains(&r) {
                            entry_refs.push(r);
                        }
                    }
                    if entry_refs.is_empty() {
                        out.references.remove(&name);
                    }
                    if sensitive {
                        out.sensitive.insert(name.clone(), Json::Bool(true));
                    }
                    let Some(items) = items else {
                        out.unknown.insert(name.clone(), Json::Bool(true));
                        out.values.entry(name).or_insert(Json::Null);
                        continue;
                    };
                    let values = out
                        .values
                        .entry(name.clone())
                        .or_insert_with(|| Json::Array(Vec::new()));
                    if !values.is_array() {
                        *values = Json::Array(Vec::new());
                    }
                    let mut marks = match out.unknown.remove(&name) {
                        Some(Json::Array(m)) => m,
                        Some(Json::Bool(true)) => {
                            out.unknown.insert(name, Json::Bool(true));
                            continue;
                        }
                        _ => vec![Json::Bool(false); values.as_array().map_or(0, Vec::len)],
                    };
                    for item in items {
                        if let Json::Array(list) = values {
                            list.push(Json::Object(item.values));
                        }
                        marks.push(if item.unknown.is_empty() {
                            Json::Bool(false)
                        } else {
                            Json::Object(item.unknown)
                        });
                    }
                    let mark = collect_marks(marks);
                    if marked(&mark) {
                        out.unknown.insert(name, mark);
                    }
                }
            }
        }
        out
    }

    /// The blocks a `dynamic` block makes, or `None` when its collection is unknown.
    fn dynamic(
        &mut self,
        s: &mut Scope,
        b: &hcl::Block,
        iter: &Iter,
        chain: usize,
        depth: usize,
    ) -> Option<Vec<Evaluation>> {
        let name = label(b, 0)?;
        let for_each = attribute(&b.body, "for_each")?;
        let iterator = match attribute(&b.body, "iterator") {
            Some(Expression::Variable(v)) => v.to_string(),
            Some(_) => return None,
            None => name,
        };
        let content = b
            .body
            .blocks()
            .find(|c| c.identifier.as_str() == "content")?;
        if depth >= DEEPEST {
            return None;
        }
        let items: Vec<(Value, Value)> = match self.value(s, for_each, iter, chain).ok()? {
            Value::Array(a) => a
                .into_iter()
                .enumerate()
                .map(|(i, v)| (Value::from(i as u64), v))
                .collect(),
            Value::Object(m) => m.into_iter().map(|(k, v)| (Value::String(k), v)).collect(),
            Value::Null => Vec::new(),
            _ => return None,
        };
        if items.len() > MOST_INSTANCES {
            return None;
        }
        let mut out = Vec::new();
        for (key, value) in items {
            let mut inner = iter.clone();
            inner.retain(|(n, _)| *n != iterator);
            inner.push((
                iterator.clone(),
                Value::Object(hcl::Map::from_iter([
                    ("key".to_string(), key),
                    ("value".to_string(), value),
                ])),
            ));
            out.push(self.body(s, &content.body, &inner, chain, depth + 1, false));
        }
        Some(out)
    }

    /// How a resource or module call expands, from its `count` or `for_each`.
    fn expansion(&mut self, s: &mut Scope, body: &hcl::Body, chain: usize) -> Expansion {
        let room = MOST_RESOURCES
            .saturating_sub(self.out.len())
            .min(MOST_INSTANCES);
        if let Some(count) = attribute(body, "count") {
            return match self.value(s, count, &Iter::new(), chain) {
                Ok(Value::Number(n)) => match n.as_u64().and_then(|n| usize::try_from(n).ok()) {
                    Some(n) if n <= room => Expansion::Count(n),
                    _ => Expansion::Unknown("count"),
                },
                _ => Expansion::Unknown("count"),
            };
        }
        if let Some(for_each) = attribute(body, "for_each") {
            let items: Vec<(String, Value)> = match self.value(s, for_each, &Iter::new(), chain) {
                Ok(Value::Object(m)) => m.into_iter().collect(),
                Ok(Value::Array(a)) => {
                    let mut keys = Vec::new();
                    for v in a {
                        match v {
                            Value::String(k) => keys.push((k.clone(), Value::String(k))),
                            _ => return Expansion::Unknown("for_each"),
                        }
                    }
                    keys
                }
                _ => return Expansion::Unknown("for_each"),
            };
            if items.len() > room {
                return Expansion::Unknown("for_each");
            }
            let mut items = items;
            items.sort_by(|a, b| a.0.cmp(&b.0));
            items.dedup_by(|a, b| a.0 == b.0);
            return Expansion::Each(items);
        }
        Expansion::One
    }

    /// The instances of an expansion: address suffix and the names they bind.
    fn instances(expansion: &Expansion) -> Vec<(String, Iter)> {
        match expansion {
            Expansion::One | Expansion::Unknown(_) => vec![(String::new(), Iter::new())],
            Expansion::Count(n) => (0..*n)
                .map(|i| {
                    (
                        format!("[{i}]"),
                        vec![(
                            "count".to_string(),
                            Value::Object(hcl::Map::from_iter([(
                                "index".to_string(),
                                Value::from(i as u64),
                            )])),
                        )],
                    )
                })
                .collect(),
            Expansion::Each(items) => items
                .iter()
                .map(|(k, v)| {
                    (
                        key_suffix(k),
                        vec![(
                            "each".to_string(),
                            Value::Object(hcl::Map::from_iter([
                                ("key".to_string(), Value::String(k.clone())),
                                ("value".to_string(), v.clone()),
                            ])),
                        )],
                    )
                })
                .collect(),
        }
    }

    /// What an expansion's instances make as one value: one, a list, or a map by key.
    fn combine(expansion: &Expansion, values: Vec<Value>) -> Option<Value> {
        match expansion {
            Expansion::Unknown(_) => None,
            Expansion::One => values.into_iter().next(),
            Expansion::Count(_) => Some(Value::Array(values)),
            Expansion::Each(items) => Some(Value::Object(
                items.iter().map(|(k, _)| k.clone()).zip(values).collect(),
            )),
        }
    }

    fn note_expansion(&mut self, address: String, expansion: &Expansion) {
        if let Expansion::Unknown(attribute) = expansion {
            self.notes.push(Unknown {
                address,
                attribute: (*attribute).to_string(),
                detail: "not known without a plan (or more instances than foureyes expands): \
                         reviewed as one instance, whatever depends on the instance unknown"
                    .to_string(),
            });
        }
    }

    /// Evaluate a resource or data source: its instances go to the change set; its value (what
    /// other expressions may read of it) is what is known of each.
    fn resource(&mut self, s: &mut Scope, i: usize, chain: usize) -> Option<Value> {
        let def = s.def.clone();
        let r = &def.resources[i];
        let expansion = self.expansion(s, &r.body, chain);
        let base = if r.data {
            format!("data.{}.{}", r.kind, r.name)
        } else {
            format!("{}.{}", r.kind, r.name)
        };
        self.note_expansion(format!("{}{base}", s.prefix), &expansion);
        let mut values = Vec::new();
        for (suffix, iter) in Self::instances(&expansion) {
            let mut e = self.body(s, &r.body, &iter, chain, 0, true);
            let emit = if r.data {
                if r.kind == "aws_iam_policy_document" {
                    let json = if e.unknown.is_empty() {
                        policy::render(&e.values)
                    } else {
                        None
                    };
                    match json {
                        Some(text) => {
                            e.values.insert("json".to_string(), Json::String(text));
                            false
                        }
                        None => {
                            e.unknown.insert("json".to_string(), Json::Bool(true));
                            true
                        }
                    }
                } else {
                    false
                }
            } else {
                true
            };
            let mut known = hcl::Map::new();
            for (k, v) in &e.values {
                if !e.unknown.contains_key(k) {
                    known.insert(k.clone(), funcs::from_json(v));
                }
            }
            for c in computed().iter().filter(|c| !r.data && c.kind == r.kind) {
                if let Some(v) = known.get(&c.from).filter(|v| v.is_string()).cloned() {
                    known.entry(c.attribute.clone()).or_insert(v);
                }
            }
            values.push(Value::Object(known));
            for key in e.sensitive.keys() {
                s.sensitive_attributes.insert((i, key.clone()));
            }
            if emit && self.out.len() < MOST_RESOURCES {
                self.out.push(Instance {
                    address: format!("{}{base}{suffix}", s.prefix),
                    module_address: s.prefix.trim_end_matches('.').to_string(),
                    calls: s.calls.clone(),
                    config_address: base.clone(),
                    kind: r.kind.clone(),
                    data: r.data,
                    values: e.values,
                    unknown: e.unknown,
                    sensitive: e.sensitive,
                    references: e.references,
                });
            }
        }
        Self::combine(&expansion, values)
    }

    /// Evaluate a module call: a local module is evaluated with its arguments; any other is
    /// not read, and is a change of type `module` in the change set, said to be not reviewed.
    fn module(&mut self, s: &mut Scope, i: usize, chain: usize) -> Option<Value> {
        let def = s.def.clone();
        let (name, body) = &def.modules[i];
        let address = format!("{}module.{name}", s.prefix);
        let source = match attribute(body, "source").map(|e| self.value(s, e, &Iter::new(), chain))
        {
            Some(Ok(Value::String(source))) => source,
            _ => String::new(),
        };
        let child = self.local_module(&def.dir, &source, s);
        let Ok(child) = child else {
            let why = child.err().unwrap_or_default();
            let e = self.body(s, body, &Iter::new(), chain, 0, true);
            self.notes.push(Unknown {
                address: address.clone(),
                attribute: "source".to_string(),
                detail: format!("{why}: its resources are not in the change set, not reviewed"),
            });
            if self.out.len() < MOST_RESOURCES {
                self.out.push(Instance {
                    address,
                    module_address: s.prefix.trim_end_matches('.').to_string(),
                    calls: s.calls.clone(),
                    config_address: format!("module.{name}"),
                    kind: "module".to_string(),
                    data: false,
                    values: e.values,
                    unknown: e.unknown,
                    sensitive: e.sensitive,
                    references: e.references,
                });
            }
            return None;
        };
        let expansion = self.expansion(s, body, chain);
        self.note_expansion(address.clone(), &expansion);
        let mut outputs = Vec::new();
        for (suffix, iter) in Self::instances(&expansion) {
            let mut vars = HashMap::new();
            let mut sensitive_vars = HashSet::new();
            for a in body.attributes() {
                let key = a.key.as_str();
                if matches!(
                    key,
                    "source" | "version" | "count" | "for_each" | "providers" | "depends_on"
                ) {
                    continue;
                }
                vars.insert(key.to_string(), self.value(s, &a.expr, &iter, chain).ok());
                let mut sensitive = false;
                if let Ok(text) = hcl::format::to_string(&a.expr) {
                    Self::references(
                        s,
                        &text,
                        &mut HashSet::new(),
                        &mut Vec::new(),
                        &mut sensitive,
                    );
                }
                if sensitive {
                    sensitive_vars.insert(key.to_string());
                }
            }
            let mut calls = s.calls.clone();
            calls.push(name.clone());
            let mut stack = s.stack.clone();
            stack.push(child.dir.clone());
            let mut inner = Scope::new(child.clone(), format!("{address}{suffix}."), calls, stack);
            inner.sensitive_vars.extend(sensitive_vars);
            for (var, default, _) in &child.variables {
                let value = match vars.remove(var) {
                    Some(v) => v,
                    None => default.as_ref().and_then(|d| d.evaluate(&self.funcs).ok()),
                };
                inner.vars.insert(var.clone(), value);
            }
            outputs.push(self.run(&mut inner));
        }
        Self::combine(&expansion, outputs)
    }

    /// The module a `source` names, when it is a local directory of the tree within bounds; or
    /// why it is not read.
    fn local_module(&self, dir: &str, source: &str, s: &Scope) -> Result<Rc<ModuleDef>, String> {
        let quoted = crate::escape::terminal(source).into_owned();
        if !(source.starts_with("./") || source.starts_with("../")) {
            return Err(if source.is_empty() {
                "a module whose source is not known".to_string()
            } else {
                format!("a module from `{quoted}`, not a local directory")
            });
        }
        let Some(path) = local_path(dir, source) else {
            return Err(format!("a module from `{quoted}`, outside the tree"));
        };
        if s.stack.contains(&path) {
            return Err(format!("a module from `{quoted}` that calls itself"));
        }
        if s.stack.len() > DEEPEST_MODULE {
            return Err(format!(
                "a module from `{quoted}`, nested deeper than foureyes follows ({DEEPEST_MODULE})"
            ));
        }
        self.defs
            .get(&path)
            .cloned()
            .ok_or_else(|| format!("a module from `{quoted}`, which has no .tf files in the tree"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[(&str, &str)]) -> Tree {
        let mut t = Tree::new("t");
        for (p, text) in files {
            t.insert(p, (*text).to_string()).expect("fits");
        }
        t
    }

    fn instance<'e>(e: &'e Evaluated, address: &str) -> &'e Instance {
        e.instances
            .iter()
            .find(|i| i.address == address)
            .unwrap_or_else(|| panic!("{address} in {:?}", e.instances))
    }

    #[test]
    fn the_computed_copies_parse() {
        let raw: RawComputed = toml::from_str(COMPUTED).expect("rulesets/hcl.toml parses");
        assert!(raw.computed.len() >= 3);
        assert_eq!(computed().len(), raw.computed.len());
    }

    #[test]
    fn references_are_scanned_from_text() {
        assert_eq!(
            scan(r#"aws_iam_role.x[0].arn, "${local.a}", data.t.n["k"].json, f(x)"#),
            vec![
                vec!["aws_iam_role", "x[0]", "arn"],
                vec!["local", "a"],
                vec!["data", "t", r#"n["k"]"#, "json"],
            ]
        );
        assert_eq!(scan("a[count.index].b"), vec![vec!["count", "index"]]);
    }

    #[test]
    fn values_locals_expansion_and_references() {
        let e = evaluate(&tree(&[(
            "main.tf",
            r#"
variable "env" { default = "prod" }
variable "secret" { sensitive = true }
locals {
  users = { alice = "admin", bob = "dev" }
  name  = "ci-${var.env}"
}
resource "aws_iam_role" "ci" {
  name = local.name
  assume_role_policy = jsonencode({ Statement = [{ Action = "sts:AssumeRole" }] })
}
resource "aws_iam_user" "u" {
  for_each = local.users
  name     = each.key
  tags     = { role = each.value, arn = aws_iam_role.ci.arn }
}
resource "aws_iam_role_policy_attachment" "a" {
  count      = 2
  role       = aws_iam_role.ci.name
  policy_arn = aws_iam_policy.p.arn
}
resource "aws_iam_policy" "p" {
  name   = "p-${count.index}"
  policy = var.secret
}
"#,
        )]))
        .expect("evaluates");
        let ci = instance(&e, "aws_iam_role.ci");
        assert_eq!(ci.values["name"], "ci-prod");
        assert_eq!(
            ci.values["assume_role_policy"],
            r#"{"Statement":[{"Action":"sts:AssumeRole"}]}"#
        );
        let alice = instance(&e, r#"aws_iam_user.u["alice"]"#);
        assert_eq!(alice.values["name"], "alice");
        assert_eq!(alice.values["tags"]["role"], "admin");
        assert_eq!(alice.unknown["tags"], serde_json::json!({"arn": true}));
        let a = instance(&e, "aws_iam_role_policy_attachment.a[1]");
        assert_eq!(a.values["role"], "ci-prod");
        assert_eq!(a.unknown["policy_arn"], true);
        assert_eq!(
            a.references["policy_arn"],
            ["aws_iam_policy.p.arn", "aws_iam_policy.p"]
        );
        let p = instance(&e, "aws_iam_policy.p");
        assert_eq!(p.unknown["name"], true, "count.index outside count");
        assert_eq!(p.sensitive["policy"], true);
        assert!(e
            .notes
            .iter()
            .any(|n| n.address == "var.secret" && n.detail.starts_with("no default")));
    }

    #[test]
    fn modules_are_followed_within_the_tree_only() {
        let e = evaluate(&tree(&[
            (
                "main.tf",
                r#"
module "app" {
  source = "./modules/app"
  for_each = toset(["a", "b"])
  name = "svc-${each.key}"
}
module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.0.0"
}
module "up" { source = "../outside" }
module "me" { source = "./" }
output "role" { value = module.app["a"].role }
"#,
            ),
            (
                "modules/app/main.tf",
                r#"
variable "name" {}
resource "aws_iam_role" "r" { name = var.name }
output "role" { value = aws_iam_role.r.name }
"#,
            ),
        ]))
        .expect("evaluates");
        let r = instance(&e, r#"module.app["b"].aws_iam_role.r"#);
        assert_eq!(r.values["name"], "svc-b");
        assert_eq!(r.module_address, r#"module.app["b"]"#);
        assert_eq!(r.calls, ["app"]);
        assert_eq!(instance(&e, "module.vpc").kind, "module");
        let sources: Vec<&str> = e
            .notes
            .iter()
            .filter(|n| n.attribute == "source")
            .map(|n| n.address.as_str())
            .collect();
        assert_eq!(sources, ["module.me", "module.up", "module.vpc"]);
    }

    #[test]
    fn policy_documents_and_dynamic_blocks_evaluate() {
        let e = evaluate(&tree(&[(
            "main.tf",
            r#"
locals { admins = ["iam:*", "cloudtrail:StopLogging"] }
data "aws_iam_policy_document" "d" {
  dynamic "statement" {
    for_each = { a = local.admins }
    content {
      sid       = statement.key
      actions   = statement.value
      resources = ["*"]
    }
  }
}
data "aws_iam_policy_document" "u" {
  statement {
    actions   = ["s3:GetObject"]
    resources = [aws_s3_bucket.b.arn]
  }
}
resource "aws_s3_bucket" "b" { bucket = "b" }
resource "aws_iam_role_policy" "p" {
  role   = "ci"
  policy = data.aws_iam_policy_document.d.json
}
resource "aws_iam_role_policy" "q" {
  role   = "ci"
  policy = data.aws_iam_policy_document.u.json
}
"#,
        )]))
        .expect("evaluates");
        let p = instance(&e, "aws_iam_role_policy.p");
        let doc: Json =
            serde_json::from_str(p.values["policy"].as_str().expect("text")).expect("json");
        assert_eq!(
            doc["Statement"][0]["Action"],
            serde_json::json!(["cloudtrail:StopLogging", "iam:*"])
        );
        assert_eq!(doc["Statement"][0]["Sid"], "a");
        let q = instance(&e, "aws_iam_role_policy.q");
        assert_eq!(q.unknown["policy"], true);
        assert_eq!(q.references["policy"][1], "data.aws_iam_policy_document.u");
        let u = instance(&e, "data.aws_iam_policy_document.u");
        assert!(u.data);
        assert_eq!(
            u.unknown["statement"],
            serde_json::json!([{"resources": [true]}])
        );
    }

    #[test]
    fn hostile_trees_are_bounded() {
        let mut locals = String::from("locals {\n a0 = 1\n");
        for i in 1..2000 {
            locals.push_str(&format!(" a{i} = local.a{}\n", i - 1));
        }
        locals.push_str(" x = local.x\n y = [for a in range(1000) : [for b in range(1000) : [for c in range(1000) : c]]]\n}\n");
        let e = evaluate(&tree(&[
            ("main.tf", &locals),
            ("big.tf", "resource \"aws_iam_user\" \"u\" {\n count = 1000000000\n name = \"u\"\n}\nmodule \"m\" { source = \"./m\" }\n"),
            ("m/main.tf", "module \"back\" { source = \"../m\" }\n"),
        ]))
        .expect("evaluates");
        assert!(e.notes.iter().any(|n| n.attribute == "count"));
        assert!(e.notes.iter().any(|n| n.detail.contains("calls itself")));
        let deep = format!("x = {}1{}\n", "[".repeat(10_000), "]".repeat(10_000));
        let err = evaluate(&tree(&[("main.tf", &deep)])).expect_err("too deep");
        assert!(err.to_string().starts_with("t/main.tf:1:"), "{err}");
    }

    #[test]
    fn module_fan_out_is_bounded() {
        let mut files = vec![(
            "main.tf".to_string(),
            "module \"m\" {\n source = \"./m0\"\n count = 1000\n}\n".to_string(),
        )];
        for i in 0..4 {
            files.push((
                format!("m{i}/main.tf"),
                format!(
                    "module \"m\" {{\n source = \"../m{}\"\n count = 1000\n}}\nresource \"aws_iam_role\" \"r\" {{\n name = \"r\"\n}}\n",
                    i + 1
                ),
            ));
        }
        files.push((
            "m4/main.tf".to_string(),
            "resource \"aws_iam_role\" \"r\" { name = \"r\" }\n".to_string(),
        ));
        let files: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        let started = std::time::Instant::now();
        let e = evaluate(&tree(&files)).expect("evaluates");
        assert!(e.notes.iter().any(|n| n.attribute == "count"));
        assert!(e.instances.len() <= MOST_RESOURCES);
        assert!(started.elapsed().as_secs() < 120, "{:?}", started.elapsed());
    }

    #[test]
    fn syntax_errors_name_the_file_line_and_column() {
        let err = evaluate(&tree(&[(
            "sub/x.tf",
            "resource \"a\" \"b\" {\n  name = \n}\n",
        )]))
        .expect_err("invalid")
        .to_string();
        assert!(
            err.starts_with("t/sub/x.tf:2:10: invalid HCL: invalid expression; expected `\"`"),
            "{err}"
        );
    }
}
