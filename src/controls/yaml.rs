//! YAML of CI files, read into plain values with bounded cost: the input's size is capped by
//! the caller, the nesting depth here, and aliases are expanded only while the whole document
//! stays under [`MAX_NODES`] nodes (an alias bomb is refused, not expanded).

use std::collections::BTreeMap;
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::TScalarStyle;
use yaml_rust2::Yaml;

/// The most nodes a document may have, aliases expanded.
pub(crate) const MAX_NODES: usize = 200_000;
/// The deepest nesting of sequences and mappings.
const MAX_DEPTH: usize = 128;

/// A YAML value, as compared: scalars resolved as YAML 1.2's core schema does (plain `true`
/// is a boolean, `"true"` a string), mappings by key.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Null,
    Bool(bool),
    Int(i64),
    /// A floating-point number as written.
    Real(String),
    Str(String),
    Seq(Vec<Node>),
    /// Keys as text (a key that is not a scalar is rare in CI files: its debug form).
    Map(BTreeMap<String, Node>),
}

impl Node {
    /// The value of a key, when this is a mapping that has it.
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(m) => m.get(key),
            _ => None,
        }
    }

    /// The text of a scalar (`true`, `3`, a string); `None` for null, a list or a mapping.
    pub(crate) fn text(&self) -> Option<String> {
        match self {
            Node::Bool(b) => Some(b.to_string()),
            Node::Int(i) => Some(i.to_string()),
            Node::Real(r) | Node::Str(r) => Some(r.clone()),
            _ => None,
        }
    }

    /// The items of a sequence (a scalar or mapping is one item; null none).
    pub(crate) fn items(&self) -> Vec<&Node> {
        match self {
            Node::Seq(v) => v.iter().collect(),
            Node::Null => Vec::new(),
            other => vec![other],
        }
    }

    /// Whether it is "truthy" as a CI runner reads a flag: `true`, or an expression that may
    /// be (`${{ ... }}`).
    pub(crate) fn may_be_true(&self) -> bool {
        match self {
            Node::Bool(b) => *b,
            Node::Str(s) => {
                let s = s.trim();
                s.eq_ignore_ascii_case("true") || s.contains("${{")
            }
            _ => false,
        }
    }
}

/// Why a file is not read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum YamlError {
    #[error("line {line}: {info}")]
    Syntax { line: usize, info: String },
    #[error("more than {MAX_NODES} nodes with aliases expanded")]
    TooManyNodes,
    #[error("nested more than {MAX_DEPTH} deep")]
    TooDeep,
    #[error("an alias to an anchor not defined before it")]
    UnknownAlias,
}

/// A container being built.
enum Frame {
    Seq(Vec<Node>, usize),
    Map(BTreeMap<String, Node>, Option<String>, usize),
}

/// The first document of the text (none: null).
pub(crate) fn parse(text: &str) -> Result<Node, YamlError> {
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    // Anchor id → (its node, how many nodes it holds).
    let mut anchors: BTreeMap<usize, (Node, usize)> = BTreeMap::new();
    // Sizes of the containers being built, to record anchors' sizes.
    let mut sizes: Vec<usize> = Vec::new();
    let mut total = 0usize;
    let mut root: Option<Node> = None;
    loop {
        let (event, mark) = parser.next_token().map_err(|e| YamlError::Syntax {
            line: e.marker().line(),
            info: crate::escape::terminal(e.info()).into_owned(),
        })?;
        let (node, anchor, size) = match event {
            Event::StreamEnd | Event::DocumentEnd => break,
            Event::Nothing | Event::StreamStart | Event::DocumentStart => continue,
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(YamlError::TooDeep);
                }
                total += 1;
                if total > MAX_NODES {
                    return Err(YamlError::TooManyNodes);
                }
                stack.push(if matches!(event, Event::SequenceStart(..)) {
                    Frame::Seq(Vec::new(), anchor)
                } else {
                    Frame::Map(BTreeMap::new(), None, anchor)
                });
                sizes.push(1);
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let size = sizes.pop().unwrap_or(1);
                match stack.pop() {
                    Some(Frame::Seq(v, anchor)) => (Node::Seq(v), anchor, size),
                    Some(Frame::Map(m, _, anchor)) => (Node::Map(m), anchor, size),
                    None => {
                        return Err(YamlError::Syntax {
                            line: mark.line(),
                            info: "unbalanced document".to_string(),
                        })
                    }
                }
            }
            Event::Scalar(value, style, anchor, _) => {
                total += 1;
                if total > MAX_NODES {
                    return Err(YamlError::TooManyNodes);
                }
                let node = if style == TScalarStyle::Plain {
                    match Yaml::from_str(&value) {
                        Yaml::Null => Node::Null,
                        Yaml::Boolean(b) => Node::Bool(b),
                        Yaml::Integer(i) => Node::Int(i),
                        Yaml::Real(r) => Node::Real(r),
                        _ => Node::Str(value),
                    }
                } else {
                    Node::Str(value)
                };
                (node, anchor, 1)
            }
            Event::Alias(id) => {
                let Some((node, size)) = anchors.get(&id) else {
                    return Err(YamlError::UnknownAlias);
                };
                total += size;
                if total > MAX_NODES {
                    return Err(YamlError::TooManyNodes);
                }
                (node.clone(), 0, *size)
            }
        };
        if anchor > 0 {
            anchors.insert(anchor, (node.clone(), size));
        }
        if let Some(s) = sizes.last_mut() {
            *s += size;
        }
        match stack.last_mut() {
            None => {
                root = Some(node);
            }
            Some(Frame::Seq(v, _)) => v.push(node),
            Some(Frame::Map(m, key, _)) => match key.take() {
                None => {
                    *key = Some(node.text().unwrap_or_else(|| match node {
                        Node::Null => String::new(),
                        other => format!("{other:?}"),
                    }));
                }
                Some(k) => {
                    // GitLab's and GitHub's `<<: *defaults` merge keys: the anchor's keys,
                    // then the mapping's own.
                    if k == "<<" {
                        for item in node.items() {
                            if let Node::Map(merged) = item {
                                for (mk, mv) in merged {
                                    m.entry(mk.clone()).or_insert_with(|| mv.clone());
                                }
                            }
                        }
                    } else {
                        m.insert(k, node);
                    }
                }
            },
        }
    }
    Ok(root.unwrap_or(Node::Null))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_are_resolved_and_mappings_compared_by_key() {
        let a = parse("on: push\njobs:\n  a: {x: true, n: 3}\n").expect("parses");
        let b = parse("jobs:\n  a:\n    n: 3\n    x: true\non: 'push'\n").expect("parses");
        assert_eq!(a, b);
        assert_eq!(
            a.get("jobs")
                .and_then(|j| j.get("a"))
                .and_then(|a| a.get("x")),
            Some(&Node::Bool(true))
        );
        let quoted = parse("x: 'true'\n").expect("parses");
        assert_eq!(quoted.get("x"), Some(&Node::Str("true".into())));
    }

    #[test]
    fn anchors_and_merge_keys_are_expanded() {
        let doc = parse("d: &d {a: 1}\ne:\n  <<: *d\n  b: 2\nf: *d\n").expect("parses");
        assert_eq!(doc.get("e").and_then(|e| e.get("a")), Some(&Node::Int(1)));
        assert_eq!(doc.get("f"), doc.get("d"));
    }

    #[test]
    fn an_alias_bomb_is_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        assert_eq!(parse(&text), Err(YamlError::TooManyNodes));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = "[".repeat(1000);
        assert!(parse(&text).is_err());
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let err = parse("a: b\n  c: [\n").expect_err("bad");
        assert!(err.to_string().starts_with("line "), "{err}");
    }
}
