//! CODEOWNERS: rules (a pattern and its owners) and how a change to them weakens review.

/// One rule: a pattern and the owners whose review it asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rule {
    pub(crate) pattern: String,
    /// Lowercased: GitHub compares logins and teams without regard to case.
    pub(crate) owners: Vec<String>,
}

/// The rules of a CODEOWNERS file, in order: comments and blank lines skipped, `\#` and `\ `
/// read as the characters they escape.
pub(crate) fn parse(text: &str) -> Vec<Rule> {
    let mut rules = Vec::new();
    for line in text.lines() {
        let mut words: Vec<String> = Vec::new();
        let mut word = String::new();
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    if let Some(n) = chars.next() {
                        word.push(n);
                    }
                }
                '#' if word.is_empty() => break,
                c if c.is_whitespace() => {
                    if !word.is_empty() {
                        words.push(std::mem::take(&mut word));
                    }
                }
                c => word.push(c),
            }
        }
        if !word.is_empty() {
            words.push(word);
        }
        let mut words = words.into_iter();
        let Some(pattern) = words.next() else {
            continue;
        };
        let mut owners: Vec<String> = words.map(|w| w.to_lowercase()).collect();
        owners.dedup();
        rules.push(Rule { pattern, owners });
    }
    rules
}

/// How the rules `head` weaken those of `base`: rules removed, owners removed, rules made
/// ownerless, and new later rules that override earlier ones with other owners.
pub(crate) fn compare(base: &[Rule], head: &[Rule]) -> Vec<String> {
    let mut groups: Vec<Vec<String>> = Vec::new();
    // The last rule of a pattern is the one that counts.
    let last = |rules: &[Rule], pattern: &str| rules.iter().rposition(|r| r.pattern == pattern);
    let mut seen = std::collections::BTreeSet::new();
    for b in base.iter().rev() {
        if !seen.insert(b.pattern.as_str()) {
            continue;
        }
        groups.push(Vec::new());
        let Some(out) = groups.last_mut() else {
            continue;
        };
        let owners = |o: &[String]| {
            if o.is_empty() {
                "no owners".to_string()
            } else {
                o.join(" ")
            }
        };
        let Some(hi) = last(head, &b.pattern) else {
            out.push(format!(
                "removes the rule for `{}` ({})",
                b.pattern,
                owners(&b.owners)
            ));
            continue;
        };
        let h = &head[hi];
        if h.owners.is_empty() && !b.owners.is_empty() {
            out.push(format!(
                "makes `{}` ownerless (was {})",
                b.pattern,
                owners(&b.owners)
            ));
            continue;
        }
        let removed: Vec<&str> = b
            .owners
            .iter()
            .filter(|o| !h.owners.contains(o))
            .map(String::as_str)
            .collect();
        if !removed.is_empty() {
            out.push(format!(
                "removes {} from `{}`",
                removed.join(" "),
                b.pattern
            ));
        }
        // A later rule of the head that is new and covers this pattern overrides it.
        for later in &head[hi + 1..] {
            let new = !base
                .iter()
                .any(|x| x.pattern == later.pattern && x.owners == later.owners);
            let others = b.owners.iter().any(|o| !later.owners.contains(o));
            if new && others && covers(&later.pattern, &b.pattern) {
                out.push(format!(
                    "overrides the rule for `{}` ({}) with a later `{}` ({})",
                    b.pattern,
                    owners(&b.owners),
                    later.pattern,
                    owners(&later.owners)
                ));
                break;
            }
        }
    }
    groups.reverse();
    groups.concat()
}

/// Whether a CODEOWNERS pattern matches everything another one does (its text, or broader):
/// `*`, `/`, `**`, a directory that holds it, or a wildcard pattern matching its text.
fn covers(pattern: &str, other: &str) -> bool {
    let p = pattern.trim_start_matches('/');
    let o = other.trim_start_matches('/');
    if p.is_empty() || p == "*" || p == "**" || p == "**/*" || p == o {
        return true;
    }
    if p.ends_with('/') && o.starts_with(p) {
        return true;
    }
    if !p.contains('/') && !p.contains('*') && o.split('/').any(|part| part == p) {
        // `docs` matches a directory or file named so at any depth.
        return true;
    }
    crate::glob::matches_exactly(p, o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_blank_lines_and_escapes() {
        let rules = parse("# owners\n\n*.tf @Org/Platform # infra\n\\#notes @a\ndocs/ \n");
        assert_eq!(
            rules,
            vec![
                Rule {
                    pattern: "*.tf".into(),
                    owners: vec!["@org/platform".into()]
                },
                Rule {
                    pattern: "#notes".into(),
                    owners: vec!["@a".into()]
                },
                Rule {
                    pattern: "docs/".into(),
                    owners: vec![]
                },
            ]
        );
    }

    #[test]
    fn reformatting_and_added_owners_are_not_weakening() {
        let base = parse("*.tf @org/platform\n/infra/ @org/sec\n");
        let head =
            parse("# comment\n*.tf    @org/platform   @alice\n\n/infra/ @ORG/sec\n/new/ @bob\n");
        assert!(compare(&base, &head).is_empty());
    }

    #[test]
    fn removals_ownerless_and_overrides() {
        let base = parse("*.tf @org/platform @org/sec\n/infra/ @org/sec\nci/ @ops\n");
        let head = parse("*.tf @org/platform\n/infra/\n* @mallory\n");
        let found = compare(&base, &head);
        assert_eq!(
            found,
            vec![
                "removes @org/sec from `*.tf`".to_string(),
                "overrides the rule for `*.tf` (@org/platform @org/sec) with a later `*` (@mallory)"
                    .to_string(),
                "makes `/infra/` ownerless (was @org/sec)".to_string(),
                "removes the rule for `ci/` (@ops)".to_string(),
            ]
        );
    }
}
