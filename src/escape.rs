//! Escaping: the one place where text from a plan, a preview, an API answer or an event is
//! made safe for where it is shown. One function per target:
//!
//! - [`terminal`]: a terminal or a log: control characters, Unicode format characters
//!   (invisible and direction marks) and line separators are shown escaped, so that no text
//!   can move the cursor, clear the screen, start a new line or reorder what is printed;
//! - [`markdown`]: inline Markdown of a pull- or merge-request comment: renders as itself and
//!   only as text (no HTML, links, images, mentions, references, headings or table breaks);
//!   [`markdown_code`] for the inside of a fenced code block;
//! - [`ci_log`]: what foureyes prints to the CI log (stderr, annotations): terminal-safe, and
//!   no line begins with `::`, which GitHub Actions would run as a workflow command;
//!   [`command_data`] for the data of a workflow command foureyes means to run.
//!
//! Escaping is idempotent for [`terminal`] and [`ci_log`]: escaped text holds no character
//! that they escape, so text escaped twice reads the same as text escaped once.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether a character must never reach output as itself: control characters, Unicode format
/// characters (general category Cf: zero-width and direction marks, the soft hyphen, tags), the
/// line and paragraph separators, and other characters that print as nothing (fillers,
/// variation selectors).
pub(crate) fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            // Unicode format characters (Cf), and U+E0000 beside the tags.
            '\u{00AD}'
                | '\u{0600}'..='\u{0605}'
                | '\u{061C}'
                | '\u{06DD}'
                | '\u{070F}'
                | '\u{0890}'..='\u{0891}'
                | '\u{08E2}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206F}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
                | '\u{110BD}'
                | '\u{110CD}'
                | '\u{13430}'..='\u{1343F}'
                | '\u{1BCA0}'..='\u{1BCA3}'
                | '\u{1D173}'..='\u{1D17A}'
                | '\u{E0000}'..='\u{E007F}'
                // Line and paragraph separators: a new line to some renderers.
                | '\u{2028}'
                | '\u{2029}'
                // Characters that print as nothing: the combining grapheme joiner, Hangul and
                // Khmer fillers, variation selectors.
                | '\u{034F}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{3164}'
                | '\u{FFA0}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{E0100}'..='\u{E01EF}'
        )
}

/// A hidden character as readable text: `\n`, `\t`, `\u{1b}`, `\u{200b}`.
fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

/// Text for a terminal or a log line: every hidden character shown escaped, so the text stays
/// on one line and shows every character it holds.
pub(crate) fn terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_hidden(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Text for the CI log, which may span lines that foureyes itself breaks: each line is made
/// terminal-safe, and a line that would begin with `::` (a workflow command to GitHub Actions,
/// also after leading blanks) gets a visible mark in front.
pub(crate) fn ci_log(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let line = terminal(line);
        if line.trim_start().starts_with("::") {
            out.push_str("| ");
        }
        out.push_str(&line);
    }
    out
}

/// The data of a workflow command that foureyes means to run (`::warning::DATA`): on one line,
/// encoded as the runner decodes it.
pub(crate) fn command_data(text: &str) -> String {
    terminal(text)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Untrusted text made inert in inline Markdown (GitHub and GitLab flavours): it renders as
/// itself and only as text.
pub(crate) fn markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 4 + 8);
    let mut chars = text.chars().peekable();
    // The last three characters written as themselves, to spot `www.`.
    let mut recent = ['\0'; 3];
    while let Some(c) = chars.next() {
        match c {
            // One line: a line break would end a table row or a list item.
            '\n' | '\r' | '\t' => out.push(' '),
            c if is_hidden(c) => push_escaped(&mut out, c),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            // A zero-width space keeps GitHub and GitLab from turning `@name`, `#12`, `!12`,
            // `http://...` and `www....` into mentions, references and links.
            '@' | '#' | '!' => {
                out.push('\\');
                out.push(c);
                out.push('\u{200B}');
            }
            ':' if chars.clone().take(2).eq(['/', '/']) => out.push_str("\\:\u{200B}"),
            '.' if recent.iter().all(|w| w.eq_ignore_ascii_case(&'w')) => {
                out.push_str("\\.\u{200B}");
            }
            c if c.is_ascii_punctuation() => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
        recent = [recent[1], recent[2], c];
    }
    out
}

/// Markdown that is safe to lay out: made from untrusted text by [`Md::text`], or foureyes'
/// own words by [`Md::ours`]. The Markdown renderer's views hold only `Md`, so a field that
/// comes from a plan cannot reach the comment unescaped.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub(crate) struct Md(String);

impl Md {
    /// Untrusted text, escaped for inline Markdown.
    pub(crate) fn text(untrusted: &str) -> Md {
        Md(markdown(untrusted))
    }

    /// Untrusted text cut to at most `max` characters before it is escaped, saying how much was
    /// left out: one value must not crowd out the rest of a comment.
    pub(crate) fn clipped(untrusted: &str, max: usize) -> Md {
        match untrusted.char_indices().nth(max) {
            None => Md::text(untrusted),
            Some((at, _)) => Md(format!(
                "{}… ({} more characters in the full report)",
                markdown(&untrusted[..at]),
                untrusted[at..].chars().count()
            )),
        }
    }

    /// foureyes' own Markdown: its words, numbers, rule ids, and other `Md`. Never text from a
    /// plan, an API answer or an event.
    pub(crate) fn ours(markdown: impl Into<String>) -> Md {
        Md(markdown.into())
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Display for Md {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Untrusted text for the inside of a fenced code block: line breaks kept, every other hidden
/// character shown escaped. The fence around it must be longer than any run of backticks in
/// it ([`fence`]).
pub(crate) fn markdown_code(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c != '\n' && is_hidden(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    out
}

/// A code fence longer than any run of backticks in `code` (at least three).
pub(crate) fn fence(code: &str) -> String {
    let longest = code.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat((longest + 1).max(3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_text_stays_on_one_line_and_shows_every_character() {
        assert_eq!(terminal("plain"), "plain");
        assert!(matches!(terminal("plain"), Cow::Borrowed(_)));
        assert_eq!(
            terminal("a\nb\x1b[2Jc\u{7f}"),
            "a\\nb\\u{1b}[2Jc\\u{7f}".to_string()
        );
        for c in [
            '\u{061C}',
            '\u{200B}',
            '\u{200F}',
            '\u{2060}',
            '\u{2064}',
            '\u{180E}',
            '\u{00AD}',
            '\u{202A}',
            '\u{202E}',
            '\u{2066}',
            '\u{2069}',
            '\u{FEFF}',
            '\u{E0000}',
            '\u{E0041}',
            '\u{E007F}',
            '\u{2028}',
            '\u{85}',
        ] {
            let t = terminal(&format!("x{c}y")).into_owned();
            assert!(!t.contains(c), "{:?} passes: {t}", c);
            assert!(t.starts_with("x\\u{") && t.ends_with("}y"), "{t}");
        }
        // Idempotent: escaped text has nothing left to escape.
        let once = terminal("\u{202E}evil\n").into_owned();
        assert_eq!(terminal(&once), once);
    }

    #[test]
    fn no_ci_log_line_starts_a_workflow_command() {
        let t = ci_log("error: x\n::error::fake\n  ::add-mask::y\nz\u{2028}::stop-commands::w");
        for line in t.lines() {
            assert!(!line.trim_start().starts_with("::"), "{line}");
        }
        assert_eq!(t.lines().count(), 4, "{t}");
        assert_eq!(command_data("50%\nx"), "50%25\\nx");
    }

    #[test]
    fn hostile_markdown_is_escaped() {
        let t = markdown("<b>@alice</b> | `x` [l](http://e.com) www.e.com #1 <!-- foureyes -->");
        assert!(!t.contains('<'), "{t}");
        assert!(!t.contains("@a"), "{t}");
        assert!(!t.contains("http://"), "{t}");
        assert!(!t.contains("www."), "{t}");
        assert!(t.contains("\\|"), "{t}");
        assert!(t.contains("\\`x\\`"), "{t}");
        let t = markdown("a\u{202E}b\u{E0041}\nc");
        assert_eq!(t, "a\\u{202e}b\\u{e0041} c");
    }

    #[test]
    fn code_keeps_lines_and_fences_outgrow_backticks() {
        assert_eq!(markdown_code("a\n\u{200B}b"), "a\n\\u{200b}b");
        assert_eq!(fence("no ticks"), "```");
        assert_eq!(fence("````x"), "`````");
    }
}
