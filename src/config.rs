//! Configuration: `.foureyes.toml` (or `--config FILE`), strict: an unknown key is an error
//! that names the key and its line.

use crate::ruleset::Severity;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    /// Identities that apply the change: role names, ARNs or principal ids.
    #[serde(default)]
    pipeline_principals: Vec<String>,
    /// Findings at or above this severity require an independent approver.
    #[serde(default)]
    approval_severity: Option<String>,
    /// Extra ruleset files, relative to the configuration file.
    #[serde(default)]
    rulesets: Vec<PathBuf>,
    /// What a change to an identity or audit type that foureyes does not model does: `warn`
    /// (the default) or `require_approval`.
    #[serde(default)]
    unmodelled_identity: Option<String>,
}

/// The validated configuration.
#[derive(Debug)]
pub(crate) struct Config {
    pub(crate) pipeline_principals: Vec<String>,
    pub(crate) approval_severity: Severity,
    /// Extra ruleset files: (name as shown, contents).
    pub(crate) rulesets: Vec<(String, String)>,
    /// Changes to identity or audit types that foureyes does not model require approval.
    pub(crate) unmodelled_identity_requires_approval: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            pipeline_principals: Vec::new(),
            approval_severity: Severity::Medium,
            rulesets: Vec::new(),
            unmodelled_identity_requires_approval: false,
        }
    }
}

/// Every problem with a configuration file.
#[derive(Debug, thiserror::Error)]
#[error("{}", .0.join("\n"))]
pub(crate) struct ConfigError(pub(crate) Vec<String>);

/// Read the configuration: the given file, or `.foureyes.toml` in `dir` if it exists.
pub(crate) fn load(explicit: Option<&Path>, dir: &Path) -> Result<Config, ConfigError> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => {
            let default = dir.join(".foureyes.toml");
            if !default.exists() {
                return Ok(Config::default());
            }
            default
        }
    };
    let name = path.display().to_string();
    let text = std::fs::read_to_string(&path)
        .map_err(|e| ConfigError(vec![format!("{name}: cannot read: {e}")]))?;
    parse(&name, &text, path.parent().unwrap_or(Path::new(".")))
}

/// Parse and validate a configuration file's text; ruleset paths are relative to `base`.
pub(crate) fn parse(name: &str, text: &str, base: &Path) -> Result<Config, ConfigError> {
    let raw: RawConfig = toml::from_str(text).map_err(|e| {
        let message = e.message().to_string();
        let place = e
            .span()
            .map(|s| {
                let (line, column) = crate::load::line_column(text.as_bytes(), s.start);
                format!("{line}:{column}: ")
            })
            .unwrap_or_default();
        ConfigError(vec![format!("{name}:{place}{message}")])
    })?;
    let mut problems = Vec::new();
    let approval_severity = match raw.approval_severity.as_deref() {
        None => Severity::Medium,
        Some(s) => Severity::parse(s).unwrap_or_else(|| {
            problems.push(format!(
                "{name}: approval_severity = \"{s}\" is not one of low, medium, high, critical"
            ));
            Severity::Medium
        }),
    };
    let unmodelled_identity_requires_approval = match raw.unmodelled_identity.as_deref() {
        None | Some("warn") => false,
        Some("require_approval") => true,
        Some(other) => {
            problems.push(format!(
                "{name}: unmodelled_identity = \"{}\" is not one of warn, require_approval",
                crate::escape::terminal(other)
            ));
            false
        }
    };
    let mut rulesets = Vec::new();
    for r in &raw.rulesets {
        let path = base.join(r);
        match std::fs::read_to_string(&path) {
            Ok(text) => rulesets.push((path.display().to_string(), text)),
            Err(e) => problems.push(format!(
                "{name}: rulesets: cannot read {}: {e}",
                path.display()
            )),
        }
    }
    for p in &raw.pipeline_principals {
        if p.trim().is_empty() {
            problems.push(format!("{name}: pipeline_principals: an entry is empty"));
        }
    }
    if !problems.is_empty() {
        return Err(ConfigError(problems));
    }
    Ok(Config {
        pipeline_principals: raw.pipeline_principals,
        approval_severity,
        rulesets,
        unmodelled_identity_requires_approval,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_name_the_key_and_line() {
        let err = parse(
            ".foureyes.toml",
            "approval_severity = \"high\"\npipeline_principal = [\"ci\"]\n",
            Path::new("."),
        )
        .expect_err("unknown key");
        let text = err.to_string();
        assert!(text.contains(".foureyes.toml:2:1"), "{text}");
        assert!(text.contains("pipeline_principal"), "{text}");
    }

    #[test]
    fn unmodelled_identity_is_warn_or_require_approval() {
        let c = parse(
            "c.toml",
            "unmodelled_identity = \"require_approval\"\n",
            Path::new("."),
        )
        .expect("parses");
        assert!(c.unmodelled_identity_requires_approval);
        let c =
            parse("c.toml", "unmodelled_identity = \"warn\"\n", Path::new(".")).expect("parses");
        assert!(!c.unmodelled_identity_requires_approval);
        let err = parse(
            "c.toml",
            "unmodelled_identity = \"ignore\"\n",
            Path::new("."),
        )
        .expect_err("not a choice");
        assert!(
            err.to_string()
                .contains("not one of warn, require_approval"),
            "{err}"
        );
    }

    #[test]
    fn bad_severity_is_reported() {
        let err = parse("c.toml", "approval_severity = \"urgent\"\n", Path::new("."))
            .expect_err("bad severity");
        assert!(err.to_string().contains("urgent"));
    }
}
