//! This tool's own controls: the configuration (`.foureyes.toml`) and the ruleset files it
//! names, compared by their parsed values.

use crate::config::{Declared, Exception};
use crate::ruleset::Severity;
use std::collections::BTreeSet;

/// How the configuration `head` weakens `base` (each as [`crate::config::parse`] reads it,
/// without a clock): what it says follows the file's path in a finding.
pub(crate) fn compare_config(base: &Declared, head: &Declared) -> Vec<String> {
    let mut out = Vec::new();
    for p in &base.pipeline_principals {
        if !head.pipeline_principals.contains(p) {
            out.push(format!("removes the pipeline principal `{p}`"));
        }
    }
    if head.approval_severity > base.approval_severity {
        out.push(format!(
            "raises approval_severity from {} to {}",
            base.approval_severity.as_str(),
            head.approval_severity.as_str()
        ));
    }
    if base.unmodelled_identity_requires_approval && !head.unmodelled_identity_requires_approval {
        out.push("sets unmodelled_identity from require_approval to warn".to_string());
    }
    if head.max_exception_days > base.max_exception_days {
        out.push(format!(
            "raises max_exception_days from {} to {}",
            base.max_exception_days, head.max_exception_days
        ));
    }
    for f in &base.control_files {
        if !head.control_files.contains(f) {
            out.push(format!("removes `{f}` from control_files"));
        }
    }
    for r in &base.rulesets {
        if !head.rulesets.contains(r) {
            out.push(format!("stops reading the ruleset `{}`", r.display()));
        }
    }
    for h in &head.exceptions {
        if let Some(how) = exception(h, &base.exceptions) {
            out.push(how);
        }
    }
    out
}

/// An exception as a finding names it: `exception #2 (toxic-combination for aws:role/x)`.
fn label(e: &Exception) -> String {
    let mut what = vec![e.rule.clone()];
    if !e.principals.is_empty() {
        what.push(format!("for {}", e.principals.join(", ")));
    }
    if !e.resources.is_empty() {
        what.push(format!("on {}", e.resources.join(", ")));
    }
    format!("exception #{} ({})", e.number, what.join(" "))
}

/// Whether the patterns `head` are among `base`'s (an empty `base` covers anything; an empty
/// `head` is covered only by an empty `base`).
fn within(head: &[String], base: &[String]) -> bool {
    base.is_empty() || (!head.is_empty() && head.iter().all(|h| base.contains(h)))
}

/// What a head exception does that no base exception did: nothing when some base exception
/// of the same rule covers its principals and resources until as late.
fn exception(h: &Exception, base: &[Exception]) -> Option<String> {
    let same_scope = |b: &&Exception| {
        b.rule == h.rule
            && within(&h.principals, &b.principals)
            && within(&h.resources, &b.resources)
    };
    if base
        .iter()
        .filter(same_scope)
        .any(|b| h.expires <= b.expires)
    {
        return None;
    }
    let until = h.expires;
    if let Some(b) = base.iter().filter(same_scope).max_by_key(|b| b.expires) {
        return Some(format!(
            "extends {} from {} to {until}",
            label(h),
            b.expires
        ));
    }
    // The same exception (by number and rule) now covering more.
    if base
        .iter()
        .any(|b| b.rule == h.rule && b.number == h.number)
    {
        return Some(format!("widens {} until {until}", label(h)));
    }
    Some(format!("adds {} until {until}", label(h)))
}

/// A ruleset file's entries: what a table lists (`forbidden`, `grants`, ...) and each entry's
/// identity within it.
fn entries(value: &toml::Value) -> Vec<(String, String, &toml::value::Table)> {
    let mut out = Vec::new();
    let Some(table) = value.as_table() else {
        return out;
    };
    for (kind, list) in table {
        let Some(list) = list.as_array() else {
            continue;
        };
        for item in list {
            let Some(t) = item.as_table() else { continue };
            out.push((kind.clone(), identity(t), t));
        }
    }
    out
}

/// What an entry is about: its `id`, its `duties`, or its provider with its type or duty.
fn identity(t: &toml::value::Table) -> String {
    let s = |k: &str| t.get(k).and_then(toml::Value::as_str);
    if let Some(id) = s("id") {
        return id.to_string();
    }
    if let Some(duties) = t.get("duties").and_then(toml::Value::as_array) {
        let mut d: Vec<&str> = duties.iter().filter_map(toml::Value::as_str).collect();
        d.sort_unstable();
        return d.join(", ");
    }
    let what = s("type").or_else(|| s("duty")).unwrap_or("");
    match s("provider") {
        Some(p) if !what.is_empty() => format!("{p}, {what}"),
        _ => what.to_string(),
    }
}

/// The resource types the built-in rulesets treat as controls (`[[control]]`).
fn builtin_controls() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (_, text) in crate::ruleset::builtin() {
        if let Ok(v) = toml::from_str::<toml::Value>(text) {
            for (kind, _, t) in entries(&v) {
                if kind == "control" {
                    if let Some(ty) = t.get("type").and_then(toml::Value::as_str) {
                        out.insert(ty.to_string());
                    }
                }
            }
        }
    }
    out
}

/// How the ruleset `head` weakens `base` (absent: an empty table). Entries removed and values
/// changed weaken, but a severity raised does not; pure additions do not, except what the
/// loader lets override another file's entry (`only_when` on a `[[control]]` type narrows it).
///
/// NOTE: `[[forbidden]]` entries add up and the rules take the highest severity of those a
/// principal completes, so an added pair at a lower severity lowers nothing
/// (`an_added_forbidden_pair_at_a_lower_severity_lowers_nothing` keeps that so).
pub(crate) fn compare_ruleset(base: &toml::Value, head: &toml::Value) -> Vec<String> {
    let mut out = Vec::new();
    let head_entries = entries(head);
    let base_entries = entries(base);
    let mut controls: Option<BTreeSet<String>> = None;
    for (kind, id, b) in &base_entries {
        let Some((_, _, h)) = head_entries.iter().find(|(k, i, _)| k == kind && i == id) else {
            out.push(format!("removes [[{kind}]] ({id})"));
            continue;
        };
        for (key, bv) in b.iter() {
            match h.get(key) {
                None => out.push(format!("removes `{key}` of [[{kind}]] ({id})")),
                Some(hv) if hv == bv => {}
                Some(hv) => {
                    if key == "severity" {
                        let (bs, hs) = (
                            bv.as_str().and_then(Severity::parse),
                            hv.as_str().and_then(Severity::parse),
                        );
                        if let (Some(bs), Some(hs)) = (bs, hs) {
                            if hs < bs {
                                out.push(format!(
                                    "lowers the severity of [[{kind}]] ({id}) from {} to {}",
                                    bs.as_str(),
                                    hs.as_str()
                                ));
                            }
                            continue;
                        }
                    }
                    if let (Some(ba), Some(ha)) = (bv.as_array(), hv.as_array()) {
                        if ba.iter().all(|x| ha.contains(x)) {
                            // Only additions to a list.
                            continue;
                        }
                        out.push(format!("removes items of `{key}` of [[{kind}]] ({id})"));
                        continue;
                    }
                    out.push(format!("changes `{key}` of [[{kind}]] ({id})"));
                }
            }
        }
        for (key, hv) in h.iter() {
            if !b.contains_key(key) && hv.as_array().is_none() {
                out.push(format!("sets `{key}` of [[{kind}]] ({id})"));
            }
        }
    }
    for (kind, id, h) in &head_entries {
        if base_entries.iter().any(|(k, i, _)| k == kind && i == id) {
            continue;
        }
        if kind == "control" && h.contains_key("only_when") {
            let ty = h.get("type").and_then(toml::Value::as_str).unwrap_or("");
            let known = controls.get_or_insert_with(builtin_controls);
            if known.contains(ty) {
                out.push(format!(
                    "narrows where {ty} is a control (only_when of an added [[control]])"
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn declared(text: &str) -> Declared {
        crate::config::parse(".foureyes.toml", text, None).expect("parses")
    }

    const EXCEPTION: &str = "[[exception]]\nrule = \"toxic-combination\"\nprincipal = \
                             \"aws:role/break-glass\"\nreason = \"r\"\napproved_by = \"a\"\n";

    #[test]
    fn reformatting_and_stricter_settings_are_not_weakening() {
        let base = declared("approval_severity = \"high\"\npipeline_principals = [\"ci\"]\n");
        let head = declared(
            "# stricter\npipeline_principals = [ \"ci\", \"deployer\" ]\n\napproval_severity = 'medium'\n",
        );
        assert!(compare_config(&base, &head).is_empty());
    }

    #[test]
    fn weaker_settings_are_named() {
        let base = declared(
            "pipeline_principals = [\"ci\"]\nunmodelled_identity = \"require_approval\"\n\
             control_files = [\"deploy/*\"]\nrulesets = [\"r.toml\"]\n",
        );
        let head = declared("approval_severity = \"high\"\nmax_exception_days = 365\n");
        assert_eq!(
            compare_config(&base, &head),
            vec![
                "removes the pipeline principal `ci`",
                "raises approval_severity from medium to high",
                "sets unmodelled_identity from require_approval to warn",
                "raises max_exception_days from 90 to 365",
                "removes `deploy/*` from control_files",
                "stops reading the ruleset `r.toml`",
            ]
        );
    }

    #[test]
    fn exceptions_added_widened_extended_or_only_reworded() {
        let base = declared(&format!("{EXCEPTION}expires = 2026-12-31\n"));
        let reworded = declared(&format!(
            "{}expires = 2026-12-01\nticket = \"SEC-1\"\n",
            EXCEPTION.replace("reason = \"r\"", "reason = \"better\"")
        ));
        assert!(compare_config(&base, &reworded).is_empty());
        let extended = declared(&format!("{EXCEPTION}expires = 2027-01-31\n"));
        assert_eq!(
            compare_config(&base, &extended),
            vec!["extends exception #1 (toxic-combination for aws:role/break-glass) from 2026-12-31 to 2027-01-31"]
        );
        let widened = declared(&format!(
            "{}expires = 2026-12-31\n",
            EXCEPTION.replace(
                "\"aws:role/break-glass\"",
                "[\"aws:role/break-glass\", \"aws:role/ci\"]"
            )
        ));
        assert_eq!(
            compare_config(&base, &widened),
            vec!["widens exception #1 (toxic-combination for aws:role/break-glass, aws:role/ci) until 2026-12-31"]
        );
        let added = declared(&format!(
            "{EXCEPTION}expires = 2026-12-31\n{}expires = 2026-11-30\n",
            EXCEPTION.replace("toxic-combination", "self-escalation")
        ));
        assert_eq!(
            compare_config(&base, &added),
            vec!["adds exception #2 (self-escalation for aws:role/break-glass) until 2026-11-30"]
        );
    }

    fn toml(text: &str) -> toml::Value {
        toml::from_str(text).expect("toml")
    }

    #[test]
    fn ruleset_entries_removed_lowered_or_narrowed() {
        let base = toml(
            "[[forbidden]]\nduties = [\"deploy\", \"secrets_admin\"]\nseverity = \"high\"\n\
             title = \"t\"\nrationale = \"r\"\n\n[[grants]]\nprovider = \"aws\"\nduty = \"deploy\"\n\
             actions = [\"ecs:UpdateService\"]\n",
        );
        // Reformatted, a severity raised, an action added: nothing weakens.
        let stricter = toml(
            "[[grants]]\nactions = [\"ecs:UpdateService\", \"ecs:CreateService\"]\nduty = \"deploy\"\n\
             provider = \"aws\"\n[[forbidden]]\nseverity = \"critical\"\nduties = [\"secrets_admin\", \
             \"deploy\"]\ntitle = \"t\"\nrationale = \"r\"\n",
        );
        assert!(compare_ruleset(&base, &stricter).is_empty());
        let weaker = toml(
            "[[forbidden]]\nduties = [\"deploy\", \"secrets_admin\"]\nseverity = \"low\"\n\
             title = \"t\"\nrationale = \"r\"\n\n[[control]]\nprovider = \"github\"\n\
             type = \"github_branch_protection\"\nonly_when = { attribute = \"pattern\", values = [\"x\"] }\n",
        );
        assert_eq!(
            compare_ruleset(&base, &weaker),
            vec![
                "lowers the severity of [[forbidden]] (deploy, secrets_admin) from high to low",
                "removes [[grants]] (aws, deploy)",
                "narrows where github_branch_protection is a control (only_when of an added [[control]])",
            ]
        );
    }

    #[test]
    fn an_added_forbidden_pair_at_a_lower_severity_lowers_nothing() {
        let extra = "[[forbidden]]\nduties = [\"privilege_admin\", \"audit_evidence\"]\n\
                     severity = \"low\"\ntitle = \"t\"\nrationale = \"r\"\n";
        let ruleset =
            crate::ruleset::Ruleset::load(&[("x.toml".into(), extra.into())]).expect("loads");
        let pair = |f: &&crate::ruleset::Forbidden| {
            f.duties.contains(&"privilege_admin".to_string())
                && f.duties.contains(&"audit_evidence".to_string())
        };
        // Both are kept, the built-in one first: rules take the highest, or the first.
        let pairs: Vec<_> = ruleset.forbidden.iter().filter(pair).collect();
        assert_eq!(pairs.len(), 2);
        assert_eq!(pairs[0].severity, Severity::Critical);
        assert!(compare_ruleset(&toml(""), &toml(extra)).is_empty());
    }
}
