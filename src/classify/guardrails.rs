//! Guardrails over audit services: policies whose Deny statements keep anyone from silencing
//! them (AWS Organizations' service control policies), and the attachments that put them over
//! accounts. A policy is weakened when its document stops denying what the ruleset names
//! (`stops_denying`) or when it is deleted while denying it; an attachment when it is deleted
//! or replaced while its policy is such a guardrail (`detaches_guardrail`). Unlike the other
//! conditions these read a document, and an attachment reads the policy it names: they are
//! kept here, apart from the attribute conditions of `classify`.

use crate::glob;
use crate::model::{Action, Effect, ResourceChange, Side, Text, Weakening};
use crate::privilege::{self, Actions};
use crate::ruleset::{Change, Condition, Evidence, Ruleset};
use rustc_hash::FxHashMap as HashMap;
use serde_json::Value;

/// A guardrail policy of the change set, as its attachments read it.
struct Document<'a> {
    /// The provider whose policy language it is written in.
    provider: &'a str,
    /// Before the change (`None`: unknown or absent).
    text: Option<&'a str>,
    /// Marked sensitive: judged, but the actions it denies are not named.
    sensitive: bool,
}

/// Whether a condition is one this module reads (the attribute conditions skip it).
pub(super) fn reads(change: &Change) -> bool {
    matches!(
        change,
        Change::StopsDenying(_) | Change::DetachesGuardrail(_)
    )
}

/// What the guardrails of the change set lose, added to `out`. One pass over the changes reads
/// the policies (and keeps their documents by id) and sets the attachments aside, which are
/// read afterwards against those documents: linear, one lookup per change.
pub(super) fn weakenings(changes: &[ResourceChange], ruleset: &Ruleset, out: &mut Vec<Weakening>) {
    // Policy id → its document before the change.
    let mut documents: HashMap<&str, Document<'_>> = HashMap::default();
    let mut attachments: Vec<(&ResourceChange, &Condition)> = Vec::new();
    for c in changes {
        if c.data || !c.action.is_change() {
            continue;
        }
        let Some(e) = ruleset.evidence.get(c.kind.as_ref()) else {
            continue;
        };
        for cond in &e.conditions {
            match cond.change {
                Change::StopsDenying(_) => {
                    let Some(values) = &c.values else { continue };
                    if let Some(id) = values.before.get("id").and_then(Value::as_str) {
                        let text = values.before.get(&cond.attribute).and_then(Value::as_str);
                        let sensitive = values.is_sensitive(Side::Before, &cond.attribute);
                        documents.insert(
                            id,
                            Document {
                                provider: &e.provider,
                                text,
                                sensitive,
                            },
                        );
                    }
                    policy(c, e, cond, out);
                }
                Change::DetachesGuardrail(_) => attachments.push((c, cond)),
                _ => {}
            }
        }
    }
    for (c, cond) in attachments {
        attachment(c, cond, &documents, out);
    }
}

/// Which of `protected` a document's Deny statements name (conditional denies too: a guardrail
/// that spares a break-glass role is still a guardrail). `None`: the document could not be read.
fn denied(provider: &str, text: &str, protected: &[String]) -> Option<Vec<String>> {
    let statements = privilege::provider(provider)?.document(text).ok()?;
    Some(
        protected
            .iter()
            .filter(|a| {
                statements.iter().any(|s| {
                    s.effect == Effect::Deny
                        && match &s.actions {
                            Actions::Action(list) => list.iter().any(|p| glob::matches(p, a)),
                            // NOTE: "everything but these" (a region or service allow-list)
                            // is a guardrail over where and what, not over audit services.
                            Actions::NotAction(_) | Actions::Unknown => false,
                        }
                })
            })
            .cloned()
            .collect(),
    )
}

fn protected(cond: &Condition) -> &[String] {
    match &cond.change {
        Change::StopsDenying(a) | Change::DetachesGuardrail(a) => a,
        _ => &[],
    }
}

fn push(c: &ResourceChange, how: String, possible: bool, out: &mut Vec<Weakening>) {
    out.push(Weakening {
        head: c.head.clone(),
        how: Text::from(how.as_str()),
        possible,
    });
}

/// A list of actions as a weakening names them: the first few, then how many more.
fn named(actions: &[String]) -> String {
    const SHOWN: usize = 4;
    let mut text = actions
        .iter()
        .take(SHOWN)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if actions.len() > SHOWN {
        text.push_str(&format!(" and {} more", actions.len() - SHOWN));
    }
    text
}

fn policy(c: &ResourceChange, e: &Evidence, cond: &Condition, out: &mut Vec<Weakening>) {
    let Some(values) = &c.values else { return };
    let protected = protected(cond);
    let created = matches!(c.action, Action::Create | Action::CreateForget);
    if created {
        return;
    }
    let text = |side: Side| {
        values
            .side(side)
            .get(&cond.attribute)
            .and_then(Value::as_str)
    };
    let sensitive = values.is_sensitive(Side::Before, &cond.attribute)
        || values.is_sensitive(Side::After, &cond.attribute);
    let before = match text(Side::Before).map(|t| denied(&e.provider, t, protected)) {
        Some(Some(list)) if !list.is_empty() => list,
        // Nothing was denied before (or the document was never readable): nothing to lose.
        _ => return,
    };
    let deleted = matches!(c.action, Action::Delete);
    if deleted {
        let what = if sensitive {
            "what its document denied".to_string()
        } else {
            named(&before)
        };
        push(
            c,
            format!("{} (is deleted: no longer denies {what})", cond.says),
            false,
            out,
        );
        return;
    }
    if values.is_unknown(Side::After, &cond.attribute) && text(Side::After).is_none() {
        push(
            c,
            format!(
                "may {} ({} is known only after apply; it denied {})",
                super::bare(&cond.says),
                cond.attribute,
                if sensitive {
                    "some".to_string()
                } else {
                    named(&before)
                }
            ),
            true,
            out,
        );
        return;
    }
    let after = match text(Side::After).map(|t| denied(&e.provider, t, protected)) {
        Some(Some(list)) => list,
        // Unreadable now, readable before: lean towards asking.
        Some(None) => {
            push(
                c,
                format!(
                    "may {} ({} can no longer be read)",
                    super::bare(&cond.says),
                    cond.attribute
                ),
                true,
                out,
            );
            return;
        }
        None => Vec::new(),
    };
    let lost: Vec<String> = before.into_iter().filter(|a| !after.contains(a)).collect();
    if lost.is_empty() {
        return;
    }
    let what = if sensitive {
        "(sensitive)".to_string()
    } else {
        named(&lost)
    };
    push(
        c,
        format!("{} ({} no longer denies {what})", cond.says, cond.attribute),
        false,
        out,
    );
}

fn attachment(
    c: &ResourceChange,
    cond: &Condition,
    documents: &HashMap<&str, Document<'_>>,
    out: &mut Vec<Weakening>,
) {
    let Some(values) = &c.values else { return };
    // NOTE: the policy and the target of an attachment are replaced, never updated in place.
    if !matches!(c.action, Action::Delete | Action::Replace { .. }) {
        return;
    }
    let Some(id) = values.before.get(&cond.attribute).and_then(Value::as_str) else {
        return;
    };
    if values.is_sensitive(Side::Before, &cond.attribute) {
        push(
            c,
            format!(
                "may {} (the policy's id is sensitive)",
                super::bare(&cond.says)
            ),
            true,
            out,
        );
        return;
    }
    match documents.get(id) {
        Some(Document {
            provider,
            text: Some(text),
            sensitive,
        }) => {
            if let Some(list) = denied(provider, text, protected(cond)) {
                if !list.is_empty() {
                    let what = if *sensitive {
                        "what silences audit services".to_string()
                    } else {
                        named(&list)
                    };
                    push(
                        c,
                        format!("{} (policy {id} denies {what})", cond.says),
                        false,
                        out,
                    );
                }
                return;
            }
            push(
                c,
                format!(
                    "may {} (policy {id} could not be read)",
                    super::bare(&cond.says)
                ),
                true,
                out,
            );
        }
        _ => {
            push(
                c,
                format!(
                    "may {} (policy {id} is not changed here, so whether it denies silencing \
                     audit services was not read)",
                    super::bare(&cond.says)
                ),
                true,
                out,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn protected() -> Vec<String> {
        [
            "cloudtrail:StopLogging",
            "config:StopConfigurationRecorder",
            "guardduty:DeleteDetector",
        ]
        .map(String::from)
        .to_vec()
    }

    #[test]
    fn a_guardrail_is_what_its_deny_statements_name_conditions_and_wildcards_included() {
        let doc = r#"{"Statement":[
            {"Effect":"Deny","Action":["cloudtrail:StopLogging"],"Resource":"*",
             "Condition":{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/BreakGlass"}}},
            {"Effect":"Deny","Action":"config:Stop*","Resource":"*"},
            {"Effect":"Allow","Action":"guardduty:*","Resource":"*"}]}"#;
        assert_eq!(
            denied("aws", doc, &protected()),
            Some(vec![
                "cloudtrail:StopLogging".to_string(),
                "config:StopConfigurationRecorder".to_string()
            ])
        );
    }

    /// A region allow-list (Deny everything but ...) denies audit actions too, in other
    /// regions: it guards where, not audit services, and deleting it weakens no evidence.
    #[test]
    fn a_not_action_deny_is_no_guardrail_over_audit_services() {
        let doc = r#"{"Statement":[{"Effect":"Deny","NotAction":["iam:*","sts:*"],
            "Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":"eu-west-1"}}}]}"#;
        assert_eq!(denied("aws", doc, &protected()), Some(Vec::new()));
    }

    #[test]
    fn an_unreadable_document_is_not_read_as_no_guardrail() {
        assert_eq!(denied("aws", "not json", &protected()), None);
    }

    #[test]
    fn long_lists_of_actions_are_cut_with_a_count() {
        let list: Vec<String> = (1..=6).map(|i| format!("svc:A{i}")).collect();
        assert_eq!(named(&list), "svc:A1, svc:A2, svc:A3, svc:A4 and 2 more");
        assert_eq!(named(&list[..2]), "svc:A1, svc:A2");
    }
}
