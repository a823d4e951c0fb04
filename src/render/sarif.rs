//! SARIF 2.1.0: one result per finding, for GitHub code scanning and GitLab.
//!
//! The types below mirror the parts of the OASIS schema that foureyes fills, so the shape of
//! the log is readable here; `tests/sarif.rs` validates every fixture's log against the schema.

use crate::judge::Report;
use crate::rules::{self, Finding, Rule};
use crate::ruleset::Severity;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Where editors and GitHub find the schema of the log.
const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The SARIF version this renderer writes.
const SARIF_VERSION: &str = "2.1.0";

// NOTE: a placeholder project URL until foureyes has its public home; change it there.
const INFORMATION_URI: &str = "https://github.com/foureyes/foureyes";

/// GitHub files results of rules tagged `security` as security alerts.
const TAGS: &[&str] = &["security", "segregation-of-duties"];

/// The severity of rules whose severity comes from the SoD matrix entry that fired.
const MATRIX_DEFAULT: Severity = Severity::High;

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool,
    invocations: [Invocation; 1],
    results: Vec<SarifResult<'a>>,
    properties: RunProperties,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    information_uri: &'static str,
    /// Every rule, fired or not, so code scanning can show what a clean run checked.
    rules: Vec<Descriptor>,
}

/// A rule (`reportingDescriptor`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor {
    id: &'static str,
    /// The id in CamelCase, as SARIF viewers expect of a rule's name.
    name: String,
    short_description: Text,
    full_description: Text,
    help: Help,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: &'static [&'static str],
    /// GitHub's numeric severity (0.0 to 10.0, as a string), which it maps to
    /// critical/high/medium/low.
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    /// What foureyes could not judge: identity and audit changes of types it does not model.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

/// A `notification`: something about the run, not a result.
#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Text,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RunProperties {
    verdict: &'static str,
    /// Findings at or above this severity require approval.
    approval_severity: &'static str,
    /// The review read `.tf` files without a plan.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    static_analysis: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'static str,
    /// Index of the rule in `tool.driver.rules`; absent only for a rule missing from `RULES`.
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Text,
    locations: [Location<'a>; 1],
    partial_fingerprints: Fingerprints,
    properties: ResultProperties<'a>,
    /// The documented exception that covers the finding, as SARIF records a waiver: code
    /// scanning shows it as suppressed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression>,
}

#[derive(Serialize)]
struct Suppression {
    /// `external`: recorded outside the analysed file (in foureyes' configuration).
    kind: &'static str,
    /// `accepted`: approved, as the exception says.
    status: &'static str,
    justification: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    /// The plan file. GitHub refuses results without a physical location; a plan has no
    /// meaningful line, so the region is its first line.
    #[serde(skip_serializing_if = "Option::is_none")]
    physical_location: Option<PhysicalLocation>,
    /// The resources and principals the finding is about: where the hazard really is.
    logical_locations: Vec<LogicalLocation<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    /// `%SRCROOT%` when the URI is relative to the repository's root.
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
}

#[derive(Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation<'a> {
    fully_qualified_name: &'a str,
    /// `resource` (a Terraform address) or `principal` (a foureyes principal id).
    kind: &'static str,
}

#[derive(Serialize)]
struct Fingerprints {
    /// Our own fingerprint. Bump the version if what it hashes changes, so code scanning does
    /// not match old alerts to new results by accident.
    #[serde(rename = "foureyesFinding/v2")]
    finding: String,
}

#[derive(Serialize)]
struct ResultProperties<'a> {
    severity: &'static str,
    duties: &'a [String],
    principals: &'a [String],
    references: &'a [String],
    /// The finding rests on values known only after apply.
    possible: bool,
    /// The finding needs an independent approver.
    requires_approval: bool,
}

/// A note when the review is static analysis of `.tf` files; a warning when identity or audit
/// changes went unjudged: a pass over them is partial.
fn notifications(report: &Report) -> Vec<Notification> {
    let mut out = Vec::new();
    if report.static_analysis() {
        out.push(Notification {
            level: "note",
            message: Text {
                text: format!(
                    "{}: {}.",
                    capitalized(crate::normalize::hcl::STATIC_ANALYSIS.0),
                    crate::normalize::hcl::STATIC_ANALYSIS.1
                ),
            },
        });
    }
    if !report.coverage.partial() {
        return out;
    }
    out.push(Notification {
        level: "warning",
        message: Text {
            text: crate::escape::terminal(&format!(
                "Not reviewed: {} change(s) to identity, access, logging or audit resources of \
                 types foureyes does not model: {}. A pass is only partial; review them by hand.",
                report.coverage.identity_changes(),
                report.coverage.identity_summary()
            ))
            .into_owned(),
        },
    });
    out
}

/// Write the report as SARIF 2.1.0: pretty-printed JSON with a trailing newline.
pub(crate) fn write(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    // NOTE: from the repository's root where the command line knows it, as code scanning
    // reads paths; else as given.
    let artifact = report.inputs.first().map(|i| match &i.repository_path {
        Some(path) => (artifact_uri(path), Some(SOURCE_ROOT)),
        None => (artifact_uri(&i.name), None),
    });
    let log = Log {
        schema: SCHEMA_URI,
        version: SARIF_VERSION,
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "foureyes",
                    version: env!("CARGO_PKG_VERSION"),
                    information_uri: INFORMATION_URI,
                    rules: rules::all().map(descriptor).collect(),
                },
            },
            invocations: [Invocation {
                execution_successful: true,
                tool_execution_notifications: notifications(report),
            }],
            results: report
                .findings
                .iter()
                .map(|f| result(f, artifact.as_ref().map(|(u, b)| (u.as_str(), *b))))
                .collect(),
            properties: RunProperties {
                verdict: report.verdict.as_str(),
                approval_severity: report.approval_severity.as_str(),
                static_analysis: report.static_analysis(),
            },
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    out.write_all(b"\n")
}

fn descriptor(rule: &Rule) -> Descriptor {
    let severity = rule.severity.unwrap_or(MATRIX_DEFAULT);
    let explain = format!(
        "Run `foureyes explain {}` for what it finds, why it matters and how to fix it.",
        rule.id
    );
    Descriptor {
        id: rule.id,
        name: camel_case(rule.id),
        short_description: Text {
            text: capitalized(rule.title),
        },
        full_description: Text {
            text: sentence(rule.summary),
        },
        help: Help {
            text: format!("{}\n\n{explain}", sentence(rule.summary)),
            markdown: format!("{}\n\n{explain}", escape_markdown(&sentence(rule.summary))),
        },
        default_configuration: Configuration {
            level: level(severity),
        },
        properties: RuleProperties {
            tags: TAGS,
            security_severity: security_severity(severity),
        },
    }
}

fn result<'a>(f: &'a Finding, artifact: Option<(&str, Option<&'static str>)>) -> SarifResult<'a> {
    let mut logical: Vec<LogicalLocation<'a>> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let named = f
        .resources
        .iter()
        .map(|r| (r, "resource"))
        .chain(f.principals.iter().map(|p| (p, "principal")));
    for (name, kind) in named {
        let location = LogicalLocation {
            fully_qualified_name: name,
            kind,
        };
        // The schema wants the entries unique.
        if seen.insert((name, kind)) {
            logical.push(location);
        }
    }
    SarifResult {
        rule_id: f.rule,
        rule_index: rules::all().position(|r| r.id == f.rule),
        level: level(f.severity),
        // NOTE: code scanning shows the message to people: hidden characters from the plan
        // (direction marks, controls) are shown escaped. The data fields keep the raw values.
        message: Text {
            text: crate::escape::terminal(&f.message).into_owned(),
        },
        locations: [Location {
            physical_location: artifact.map(|(uri, base)| PhysicalLocation {
                artifact_location: ArtifactLocation {
                    uri: uri.to_string(),
                    uri_base_id: base,
                },
                region: Region { start_line: 1 },
            }),
            logical_locations: logical,
        }],
        partial_fingerprints: Fingerprints {
            finding: fingerprint(f),
        },
        properties: ResultProperties {
            severity: f.severity.as_str(),
            duties: &f.duties,
            principals: &f.principals,
            references: &f.references,
            possible: f.possible,
            requires_approval: f.requires_approval,
        },
        suppressions: f
            .excepted
            .iter()
            .map(|e| Suppression {
                kind: "external",
                status: "accepted",
                justification: crate::escape::terminal(&e.waiver()).into_owned(),
            })
            .collect(),
    }
}

/// SARIF's level: code scanning shows errors and warnings, and blocks on errors by default.
fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

/// GitHub's `security-severity`: above 9.0 is critical, 7.0 to 8.9 high, 4.0 to 6.9 medium.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
    }
}

/// A stable identity for a finding across runs, so code scanning tracks one alert rather than
/// opening a new one each time: SHA-256 (the hash foureyes uses everywhere) over the rule id,
/// principals and resources. Each string is preceded by its length and each list by its count,
/// so no two different findings feed the same bytes.
pub(crate) fn fingerprint(f: &Finding) -> String {
    fn string(hash: &mut Sha256, s: &str) {
        hash.update((s.len() as u64).to_le_bytes());
        hash.update(s.as_bytes());
    }
    let mut hash = Sha256::new();
    string(&mut hash, f.rule);
    for list in [&f.principals, &f.resources] {
        hash.update((list.len() as u64).to_le_bytes());
        for item in list {
            string(&mut hash, item);
        }
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The base that code scanning resolves relative artifact URIs against: the repository's root.
const SOURCE_ROOT: &str = "%SRCROOT%";

/// The input's name as a relative URI reference, as code scanning expects: `./` dropped,
/// backslashes made slashes, stdin given a file name, and anything a URI cannot hold
/// percent-encoded.
fn artifact_uri(name: &str) -> String {
    if name == "<stdin>" {
        return "stdin.json".to_string();
    }
    let mut path = name.replace('\\', "/");
    while let Some(rest) = path.strip_prefix("./") {
        path = rest.to_string();
    }
    // A Windows drive path (`C:/x.json`) would read as a URI with the scheme `C`.
    let bytes = path.as_bytes();
    let drive =
        bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'/';
    let mut uri = String::new();
    if drive {
        uri.push_str("file:///");
        uri.push_str(&path[..2]);
        path = path[2..].to_string();
    }
    for b in path.bytes() {
        // Unreserved characters, `/` and the sub-delimiters that paths commonly hold. `:` is
        // encoded: in a relative reference's first segment it would start a scheme.
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=@".contains(&b) {
            uri.push(char::from(b));
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri
}

/// `privilege-and-evidence` → `PrivilegeAndEvidence`.
fn camel_case(id: &str) -> String {
    id.split('-').map(capitalized).collect()
}

/// The text with its first letter in upper case.
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A rule's summary (a lower-case clause) as a sentence.
fn sentence(text: &str) -> String {
    let mut s = capitalized(text.trim());
    if !s.ends_with(['.', '!', '?']) {
        s.push('.');
    }
    s
}

/// Plain text made safe to embed in Markdown: the characters that start emphasis, code, links,
/// HTML or tables are escaped.
fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(principals: &[&str], resources: &[&str]) -> Finding {
        let list = |items: &[&str]| items.iter().map(|s| (*s).to_owned()).collect();
        Finding {
            principals: list(principals),
            resources: list(resources),
            ..crate::rules::toxic_combination::RULE.finding(String::new())
        }
    }

    #[test]
    fn the_fingerprint_is_sha256_over_length_prefixed_fields() {
        // SHA-256 of le64(17) "toxic-combination" le64(1) le64(10) "aws:role/a" le64(1)
        // le64(14) "aws_iam_role.a": change what is hashed, and this and the key's version change.
        assert_eq!(
            fingerprint(&finding(&["aws:role/a"], &["aws_iam_role.a"])),
            "a9a3da10b0b0b751d4c98e239423ea9949e0db160e1e3d26ecaa8cc10707c3f9"
        );
        // The same strings in other lists are another finding.
        assert_ne!(
            fingerprint(&finding(&["aws:role/a", "aws_iam_role.a"], &[])),
            fingerprint(&finding(&["aws:role/a"], &["aws_iam_role.a"]))
        );
    }

    #[test]
    fn input_names_become_relative_uri_references() {
        assert_eq!(artifact_uri("./plan.json"), "plan.json");
        assert_eq!(artifact_uri("././infra/plan.json"), "infra/plan.json");
        assert_eq!(artifact_uri("<stdin>"), "stdin.json");
        assert_eq!(artifact_uri("infra\\my plan.json"), "infra/my%20plan.json");
        assert_eq!(
            artifact_uri("C:\\work\\plan.json"),
            "file:///C:/work/plan.json"
        );
        assert_eq!(artifact_uri("a:b/plan.json"), "a%3Ab/plan.json");
        assert_eq!(artifact_uri("plän.json"), "pl%C3%A4n.json");
    }

    #[test]
    fn names_and_sentences() {
        assert_eq!(camel_case("privilege-and-evidence"), "PrivilegeAndEvidence");
        assert_eq!(sentence("a principal gains"), "A principal gains.");
        assert_eq!(sentence("done."), "Done.");
        assert_eq!(
            escape_markdown("privilege_admin *"),
            "privilege\\_admin \\*"
        );
    }
}
