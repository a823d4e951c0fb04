//! Render: the report in each output format. One renderer per format, each a pure function of
//! the report.

pub(crate) mod json;
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
}

/// Render a report.
pub(crate) fn render(report: &Report, format: Format, ruleset: &Ruleset, color: bool) -> String {
    match format {
        Format::Text => text::render(report, ruleset, color),
        Format::Json => json::render(report),
    }
}
