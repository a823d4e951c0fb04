//! Render: the report in each output format. One renderer per format, each a pure function of
//! the report.

pub(crate) mod json;
pub(crate) mod markdown;
pub(crate) mod sarif;
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
}

/// Render a report.
pub(crate) fn render(report: &Report, format: Format, ruleset: &Ruleset, color: bool) -> String {
    match format {
        Format::Text => text::render(report, ruleset, color),
        Format::Json => json::render(report),
        Format::Markdown => markdown::render(report, ruleset),
        Format::Sarif => sarif::render(report),
    }
}
