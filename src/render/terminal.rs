//! Markdown of our own (a rule's explanation) for a terminal: headings and `**bold**` in bold,
//! `` `code` `` without its backticks (in colour: cyan), lists with bullets, paragraphs wrapped
//! to the width, code blocks indented and never wrapped. The text is foureyes' own, from its
//! rule definitions; it still passes the terminal escaper.

use crate::escape;

/// The width to wrap text to: the terminal's, else `COLUMNS`, else 100.
pub(crate) fn width() -> usize {
    use std::io::IsTerminal as _;
    let terminal = std::io::stdout()
        .is_terminal()
        .then(|| terminal_size::terminal_size().map(|(w, _)| usize::from(w.0)))
        .flatten();
    terminal
        .or_else(|| std::env::var("COLUMNS").ok()?.trim().parse().ok())
        .filter(|w| (20..=1000).contains(w))
        .unwrap_or(100)
}

/// Render Markdown for a terminal `width` columns wide, in colour or not.
pub(crate) fn markdown(text: &str, width: usize, color: bool) -> String {
    let mut out = String::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let mut fence = false;
    let flush = |paragraph: &mut Vec<&str>, out: &mut String| {
        if paragraph.is_empty() {
            return;
        }
        let joined = paragraph.join(" ");
        paragraph.clear();
        let (first, rest, body) = match joined.strip_prefix("- ") {
            Some(item) => ("  • ", "    ", item),
            None => ("", "", joined.as_str()),
        };
        wrap(&inline(body, color), width, first, rest, out);
    };
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            flush(&mut paragraph, &mut out);
            fence = !fence;
            continue;
        }
        if fence {
            out.push_str("    ");
            out.push_str(&escape::terminal(line));
            out.push('\n');
            continue;
        }
        if let Some(heading) = line.trim_start_matches('#').strip_prefix(' ') {
            if line.starts_with('#') {
                flush(&mut paragraph, &mut out);
                let plain = strip(heading);
                out.push_str(&paint(&plain, "1;4", color));
                out.push('\n');
                continue;
            }
        }
        if line.trim().is_empty() {
            flush(&mut paragraph, &mut out);
            out.push('\n');
            continue;
        }
        // A list item starts its own paragraph.
        if line.starts_with("- ") {
            flush(&mut paragraph, &mut out);
        }
        paragraph.push(line.trim());
    }
    flush(&mut paragraph, &mut out);
    // NOTE: one blank line at most between blocks.
    while out.contains("\n\n\n") {
        out = out.replace("\n\n\n", "\n\n");
    }
    out
}

/// Text wrapped in an escape sequence, in colour.
fn paint(text: &str, code: &str, color: bool) -> String {
    if color {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_owned()
    }
}

/// A span of text and how to show it.
struct Span {
    text: String,
    style: Option<&'static str>,
}

/// Inline Markdown as spans: `**bold**`, `*emphasis*` and `` `code` `` without their marks.
fn inline(text: &str, color: bool) -> Vec<Span> {
    let text = escape::terminal(text);
    let mut spans = Vec::new();
    let mut rest: &str = &text;
    while !rest.is_empty() {
        let next = [("**", "1"), ("`", "36"), ("*", "3")]
            .iter()
            .filter_map(|(mark, code)| {
                let (at, end) = if *mark == "*" {
                    emphasis(rest)?
                } else {
                    let at = rest.find(mark)?;
                    (at, rest[at + mark.len()..].find(mark)? + at + mark.len())
                };
                Some((at, end, *mark, *code))
            })
            .min_by_key(|(at, _, mark, _)| (*at, std::cmp::Reverse(mark.len())));
        match next {
            Some((at, end, mark, code)) => {
                if at > 0 {
                    spans.push(Span {
                        text: rest[..at].to_owned(),
                        style: None,
                    });
                }
                spans.push(Span {
                    text: rest[at + mark.len()..end].to_owned(),
                    style: color.then_some(code),
                });
                rest = &rest[end + mark.len()..];
            }
            None => {
                spans.push(Span {
                    text: rest.to_owned(),
                    style: None,
                });
                rest = "";
            }
        }
    }
    spans
}

/// Where `*emphasis*` opens and closes: a lone `*` before a letter, and one after a letter, so
/// that `iam:*` and `s3:*` stay as they are.
fn emphasis(text: &str) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let lone = |i: usize| {
        bytes[i] == b'*'
            && (i == 0 || bytes[i - 1] != b'*')
            && bytes.get(i + 1).is_none_or(|b| *b != b'*')
    };
    let at = (0..bytes.len()).find(|&i| {
        lone(i)
            && bytes.get(i + 1).is_some_and(u8::is_ascii_alphabetic)
            && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric())
    })?;
    let end = (at + 2..bytes.len()).find(|&i| {
        lone(i)
            && bytes[i - 1].is_ascii_alphanumeric()
            && bytes.get(i + 1).is_none_or(|b| !b.is_ascii_alphanumeric())
    })?;
    Some((at, end))
}

/// Heading text without its inline marks.
fn strip(text: &str) -> String {
    inline(text, false).into_iter().map(|s| s.text).collect()
}

/// Wrap spans to `width`, the first line after `first`, the others after `rest`; a word longer
/// than a line stands alone on its line. A word may be made of several spans (`` `code`, ``).
fn wrap(spans: &[Span], width: usize, first: &str, rest: &str, out: &mut String) {
    // Words, each a list of styled pieces, split at spaces.
    let mut words: Vec<Vec<(String, Option<&'static str>)>> = Vec::new();
    let mut open = false;
    for span in spans {
        for (i, piece) in span.text.split(' ').enumerate() {
            if i > 0 {
                open = false;
            }
            if piece.is_empty() {
                continue;
            }
            if !open {
                words.push(Vec::new());
                open = true;
            }
            if let Some(word) = words.last_mut() {
                word.push((piece.to_owned(), span.style));
            }
        }
    }
    let mut line = String::from(first);
    let mut used = first.chars().count();
    let mut fresh = true;
    for word in words {
        let n: usize = word.iter().map(|(t, _)| t.chars().count()).sum();
        if !fresh && used + 1 + n > width {
            out.push_str(&line);
            out.push('\n');
            line = String::from(rest);
            used = rest.chars().count();
            fresh = true;
        }
        if !fresh {
            line.push(' ');
            used += 1;
        }
        for (text, style) in word {
            match style {
                Some(code) => line.push_str(&paint(&text, code, true)),
                None => line.push_str(&text),
            }
        }
        used += n;
        fresh = false;
    }
    if !fresh {
        out.push_str(&line);
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_reads_as_text() {
        let md = "### `self-escalation`: title\n\nSeverity: high.\n\n**What it finds.** A \
                  principal gains `iam:*` in the change, which is a long sentence that wraps.\n\n\
                  - one item\n- two\n\n```toml\n[[exception]]\nrule = \"x\"\n```\n";
        let text = markdown(md, 40, false);
        assert_eq!(
            text,
            "self-escalation: title\n\nSeverity: high.\n\nWhat it finds. A principal gains iam:*\n\
             in the change, which is a long sentence\nthat wraps.\n\n  • one item\n  • two\n\n    \
             [[exception]]\n    rule = \"x\"\n"
        );
        assert!(text.lines().all(|l| l.chars().count() <= 40), "{text}");
    }

    #[test]
    fn colour_marks_bold_and_code() {
        let text = markdown("**Bold.** and `code`, then text.", 80, true);
        assert_eq!(
            text,
            "\u{1b}[1mBold.\u{1b}[0m and \u{1b}[36mcode\u{1b}[0m, then text.\n"
        );
    }

    #[test]
    fn only_real_emphasis_loses_its_stars() {
        assert_eq!(
            markdown("grants iam:* and s3:* here, see *Exceptions*.", 80, false),
            "grants iam:* and s3:* here, see Exceptions.\n"
        );
    }

    #[test]
    fn a_word_longer_than_the_line_stands_alone() {
        let long = "x".repeat(30);
        let text = markdown(&format!("a {long} b"), 20, false);
        assert_eq!(text, format!("a\n{long}\nb\n"));
    }
}
