//! Render: the report in each output format. One renderer per format, each a pure function of
//! the report.

pub(crate) mod codequality;
pub(crate) mod json;
pub(crate) mod markdown;
pub(crate) mod sarif;
pub(crate) mod terminal;
pub(crate) mod text;

use crate::judge::Report;
use crate::ruleset::Ruleset;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// For a person at a terminal: summary first.
    Text,
    /// The versioned JSON contract (schema_version 1).
    Json,
    /// A review comment for a pull or merge request (GitHub and GitLab Markdown).
    Markdown,
    /// SARIF 2.1.0, for GitHub code scanning and GitLab.
    Sarif,
    /// GitLab Code Quality (the Code Climate subset GitLab reads from a `codequality` report).
    Codequality,
}

/// Write a report as it is made: big reports are never held whole in memory (the Markdown
/// comment is bounded by its size limit).
pub(crate) fn write(
    report: &Report,
    format: Format,
    ruleset: &Ruleset,
    color: bool,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        Format::Text => text::write(report, color, text::WIDTH, out),
        Format::Json => json::write(report, out),
        Format::Markdown => out.write_all(markdown::render(report, ruleset).as_bytes()),
        Format::Sarif => sarif::write(report, out),
        Format::Codequality => codequality::write(report, out),
    }
}

/// A report as a string.
pub(crate) fn render(report: &Report, format: Format, ruleset: &Ruleset, color: bool) -> String {
    let mut out = Vec::new();
    // NOTE: writing to memory cannot fail, and every renderer writes UTF-8.
    write(report, format, ruleset, color, &mut out).expect("a report renders to memory");
    String::from_utf8(out).expect("reports are UTF-8")
}

#[cfg(test)]
mod hostile_tests;
