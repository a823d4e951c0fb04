//! Resolve: values unknown until apply, followed through the plan's `configuration` references
//! to the resources of the change set that will provide them.

use crate::model::{ResourceChange, Side};
use crate::normalize::{ChangeSet, ConfigModule};
use rustc_hash::FxHashMap as HashMap;
use serde_json::Value;
use std::cell::OnceCell;

/// An attribute's value on one side of a change, in three states.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Tri<'v> {
    Known(&'v Value),
    /// Known only after apply.
    Unknown,
    /// Null or not set.
    Absent,
}

/// Read an attribute of a change on one side.
pub(crate) fn attr<'v>(change: &'v ResourceChange, side: Side, name: &str) -> Tri<'v> {
    let Some(values) = &change.values else {
        return Tri::Absent;
    };
    match values.side(side).get(name) {
        Some(Value::Null) | None if values.is_unknown(side, name) => Tri::Unknown,
        Some(Value::Null) | None => Tri::Absent,
        Some(v) => Tri::Known(v),
    }
}

/// A reference found in the configuration, resolved to a change of the change set.
#[derive(Debug)]
pub(crate) struct Target<'a> {
    pub(crate) change: &'a ResourceChange,
}

/// Looks up changes by address and configuration expressions by resource.
pub(crate) struct Resolver<'a> {
    set: &'a ChangeSet,
    /// Built on first use: most plans have nothing unknown to follow.
    index: OnceCell<Index<'a>>,
    blocks: OnceCell<Blocks<'a>>,
}

/// Changes by address.
struct Index<'a> {
    by_address: HashMap<(usize, &'a str), usize>,
    /// Instances of one resource, by their address without the final index.
    by_base: HashMap<(usize, &'a str), Vec<usize>>,
}

/// Resource blocks of the configuration by input, module calls (`a.b`) and address: a lookup
/// per change, not a walk of its module.
type Blocks<'a> = HashMap<(usize, String, &'a str), &'a crate::normalize::ConfigResource>;

impl<'a> Resolver<'a> {
    pub(crate) fn new(set: &'a ChangeSet) -> Resolver<'a> {
        Resolver {
            set,
            index: OnceCell::new(),
            blocks: OnceCell::new(),
        }
    }

    fn index(&self) -> &Index<'a> {
        self.index.get_or_init(|| {
            let mut by_address = HashMap::default();
            let mut by_base: HashMap<(usize, &str), Vec<usize>> = HashMap::default();
            for (i, c) in self.set.changes.iter().enumerate() {
                if c.deposed().is_some() {
                    continue;
                }
                by_address.insert((c.input, c.address.as_str()), i);
                by_base
                    .entry((c.input, strip_index(&c.address)))
                    .or_default()
                    .push(i);
            }
            Index {
                by_address,
                by_base,
            }
        })
    }

    /// The change at an address in the same input, if any.
    pub(crate) fn change(&self, input: usize, address: &str) -> Option<&'a ResourceChange> {
        let set = self.set;
        self.index()
            .by_address
            .get(&(input, address))
            .map(|&i| &set.changes[i])
    }

    /// Whether an input carries a configuration: Terraform plans do, and Pulumi previews whose
    /// steps hold inputs (their dependencies make one); a `.tf` tree's is its own.
    pub(crate) fn has_configuration(&self, input: usize) -> bool {
        self.set.inputs.get(input).is_some_and(|i| {
            let m = &i.configuration.root_module;
            !m.resources.is_empty() || !m.module_calls.is_empty()
        })
    }

    /// The configuration expressions of the resource block a change comes from.
    pub(crate) fn expressions(&self, change: &ResourceChange) -> Option<Value> {
        let path = split_address(&change.address);
        let (resource_parts, module_parts) = split_module(&path);
        let wanted = resource_parts
            .iter()
            .map(|p| strip_index(p))
            .collect::<Vec<_>>()
            .join(".");
        let blocks = self.blocks.get_or_init(|| {
            let mut out = Blocks::default();
            fn walk<'a>(input: usize, calls: String, m: &'a ConfigModule, out: &mut Blocks<'a>) {
                for r in &m.resources {
                    out.entry((input, calls.clone(), r.address.as_str()))
                        .or_insert(r);
                }
                for (name, call) in &m.module_calls {
                    let inner = if calls.is_empty() {
                        name.clone()
                    } else {
                        format!("{calls}.{name}")
                    };
                    walk(input, inner, &call.module, out);
                }
            }
            for (i, input) in self.set.inputs.iter().enumerate() {
                walk(i, String::new(), &input.configuration.root_module, &mut out);
            }
            out
        });
        let resource = blocks.get(&(change.input, module_parts.join("."), wanted.as_str()))?;
        serde_json::from_str(resource.expressions.as_ref()?.get()).ok()
    }

    /// The references of an attribute's expression (`["aws_iam_role.x.name", "aws_iam_role.x"]`).
    pub(crate) fn references(&self, change: &ResourceChange, attribute: &str) -> Vec<String> {
        let Some(expressions) = self.expressions(change) else {
            return Vec::new();
        };
        references_in(expressions.get(attribute))
    }

    /// Follow a change's attribute references to the first change of the change set they name.
    pub(crate) fn follow(&self, change: &ResourceChange, attribute: &str) -> Option<Target<'a>> {
        self.references(change, attribute)
            .iter()
            .find_map(|r| self.resolve(change, r))
    }

    /// The address of the resource a reference names, relative to the module of the change
    /// that holds it (`aws_iam_role.x.name` in `module.m` → `module.m.aws_iam_role.x`); `None`
    /// for references to anything but a resource.
    pub(crate) fn address(&self, from: &ResourceChange, reference: &str) -> Option<String> {
        let parts = split_address(reference);
        let first = parts.first()?;
        let take = match *first {
            "data" => 3,
            "var" | "local" | "module" | "each" | "count" | "path" | "terraform" | "self" => {
                return None
            }
            _ => 2,
        };
        if parts.len() < take {
            return None;
        }
        let resource = parts[..take].join(".");
        let prefix = match from.module_address() {
            Some(m) if !m.is_empty() => format!("{m}."),
            _ => String::new(),
        };
        Some(format!("{prefix}{resource}"))
    }

    /// Resolve one reference, relative to the module of the change that holds it.
    pub(crate) fn resolve(&self, from: &ResourceChange, reference: &str) -> Option<Target<'a>> {
        let address = self.address(from, reference)?;
        if let Some(change) = self.change(from.input, &address) {
            return Some(Target { change });
        }
        // A reference without an index to a resource with count or for_each: prefer the
        // instance with the same index as the referring resource (count.index, each.key).
        let instances = self
            .index()
            .by_base
            .get(&(from.input, strip_index(&address)))?;
        let own_index = index_of(&from.address);
        let pick = instances
            .iter()
            .map(|&i| &self.set.changes[i])
            .find(|c| own_index.is_some() && index_of(&c.address) == own_index)
            .or_else(|| instances.first().map(|&i| &self.set.changes[i]))?;
        Some(Target { change: pick })
    }
}

/// The `references` of an expression, also inside nested blocks.
pub(crate) fn references_in(expression: Option<&Value>) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                if let Some(Value::Array(refs)) = map.get("references") {
                    out.extend(refs.iter().filter_map(|r| r.as_str().map(str::to_string)));
                }
                for (k, v) in map {
                    if k != "references" && k != "constant_value" {
                        walk(v, out);
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            _ => {}
        }
    }
    if let Some(e) = expression {
        walk(e, &mut out);
    }
    out
}

/// Split an address on the dots that are not inside an index (`["a.b"]`).
pub(crate) fn split_address(address: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut start = 0;
    for (i, c) in address.char_indices() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            '.' if depth == 0 => {
                parts.push(&address[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&address[start..]);
    parts
}

/// Split address parts into the resource's parts and the names of the module calls.
fn split_module<'p>(parts: &'p [&'p str]) -> (&'p [&'p str], Vec<&'p str>) {
    let mut calls = Vec::new();
    let mut i = 0;
    while i + 1 < parts.len() && parts[i] == "module" {
        calls.push(strip_index(parts[i + 1]));
        i += 2;
    }
    (&parts[i..], calls)
}

/// An address part without its trailing `[index]`.
pub(crate) fn strip_index(part: &str) -> &str {
    if part.ends_with(']') {
        if let Some(i) = find_index_start(part) {
            return &part[..i];
        }
    }
    part
}

/// The trailing `[index]` of an address, if any.
fn index_of(address: &str) -> Option<&str> {
    let last = *split_address(address).last()?;
    find_index_start(last).map(|i| &last[i..])
}

/// Where the trailing `[...]` of an address part starts, honouring quoted keys.
fn find_index_start(part: &str) -> Option<usize> {
    if !part.ends_with(']') {
        return None;
    }
    let mut in_string = false;
    let mut escaped = false;
    let mut depth = 0usize;
    let mut start = None;
    for (i, c) in part.char_indices() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '[' => {
                if depth == 0 {
                    start = Some(i);
                }
                depth += 1;
            }
            ']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    start
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_split_outside_keys() {
        assert_eq!(
            split_address(r#"module.a["x.y"].aws_iam_role.r[0]"#),
            vec!["module", r#"a["x.y"]"#, "aws_iam_role", "r[0]"]
        );
        assert_eq!(strip_index(r#"a["x.y"]"#), "a");
        assert_eq!(
            strip_index(r#"module.m.aws_iam_role.r["k]"]"#),
            "module.m.aws_iam_role.r"
        );
        assert_eq!(index_of("aws_iam_role.r[3]"), Some("[3]"));
    }
}
