//! Redaction of the API token: the one filter between what foureyes learns (API answers,
//! events, comments, its own messages) and everything it prints, writes or sends.
//!
//! An API can echo a token back in many shapes: as it is, in Basic credentials
//! (`x-access-token:TOKEN`, base64), inside some other base64 text, percent-encoded in a URL,
//! escaped in JSON. The [`Redactor`] knows each shape, and the same shapes after foureyes' own
//! escaping for the terminal, Markdown and workflow commands, and replaces them with `***`.

use base64::Engine as _;

/// What a redacted token reads as.
pub(crate) const MASK: &str = "***";

/// Derived forms shorter than this are not redacted: they would match ordinary text, and
/// carry too little of the token to matter.
const SHORTEST: usize = 8;

/// Replaces every known encoding of a secret with [`MASK`].
#[derive(Debug, Clone, Default)]
pub(crate) struct Redactor {
    /// Longest first, so that a longer form is masked before a shorter one inside it.
    needles: Vec<String>,
}

impl Redactor {
    /// A redactor for this token; with none, it changes nothing.
    pub(crate) fn new(token: Option<&str>) -> Redactor {
        let Some(token) = token.filter(|t| !t.is_empty()) else {
            return Redactor::default();
        };
        let mut forms: Vec<String> = vec![token.to_owned()];
        let basic = format!("x-access-token:{token}");
        for secret in [token, basic.as_str()] {
            forms.extend(base64_forms(secret.as_bytes()));
        }
        forms.extend(percent_forms(token));
        forms.extend(json_forms(token));
        // The same forms as foureyes' own escaping would show them.
        let mut all = Vec::new();
        for f in &forms {
            all.push(f.clone());
            all.push(crate::escape::terminal(f).into_owned());
            all.push(crate::escape::markdown(f));
            all.push(crate::escape::command_data(f));
            if f.contains('/') {
                // JSON may escape the slash of base64.
                all.push(f.replace('/', "\\/"));
            }
            all.push(
                f.replace('%', "%25")
                    .replace('+', "%2B")
                    .replace('/', "%2F")
                    .replace('=', "%3D"),
            );
        }
        // The raw token is masked whatever its length; derived forms only when long enough.
        all.retain(|n| n == token || n.chars().count() >= SHORTEST);
        all.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        all.dedup();
        Redactor { needles: all }
    }

    /// A redactor of this one's secrets and the other's.
    pub(crate) fn and(mut self, other: Redactor) -> Redactor {
        self.needles.extend(other.needles);
        self.needles
            .sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        self.needles.dedup();
        self
    }

    /// Whether there is anything to redact.
    pub(crate) fn is_empty(&self) -> bool {
        self.needles.is_empty()
    }

    /// The text with every form of the token masked.
    pub(crate) fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for n in &self.needles {
            if out.contains(n.as_str()) {
                out = out.replace(n.as_str(), MASK);
            }
        }
        out
    }

    /// Every string of a JSON value (keys too) redacted.
    pub(crate) fn redact_json(&self, value: &mut serde_json::Value) {
        use serde_json::Value;
        if self.is_empty() {
            return;
        }
        match value {
            Value::String(s) => *s = self.redact(s),
            Value::Array(items) => items.iter_mut().for_each(|v| self.redact_json(v)),
            Value::Object(map) => {
                let entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
                for (k, mut v) in entries {
                    self.redact_json(&mut v);
                    map.insert(self.redact(&k), v);
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }
}

/// Base64 of the secret, standard and URL-safe, padded and not; and, since the secret may sit
/// anywhere inside longer base64 text, the characters that depend on the secret's bytes alone
/// at each of the three alignments.
fn base64_forms(secret: &[u8]) -> Vec<String> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let mut out = Vec::new();
    for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
        out.push(engine.encode(secret));
    }
    for offset in 0..3 {
        let mut bytes = vec![0u8; offset];
        bytes.extend_from_slice(secret);
        // Groups of three bytes that hold only bytes of the secret.
        let first = usize::from(offset > 0);
        let last = bytes.len() / 3;
        if last <= first {
            continue;
        }
        for engine in [&STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
            let encoded = engine.encode(&bytes);
            out.push(encoded[first * 4..last * 4].to_owned());
        }
    }
    out
}

/// The token percent-encoded: only where needed (upper- and lower-case hex), and every byte.
fn percent_forms(token: &str) -> Vec<String> {
    let unreserved = |b: u8| b.is_ascii_alphanumeric() || b"-._~".contains(&b);
    let mut needed_upper = String::new();
    let mut needed_lower = String::new();
    let mut every_upper = String::new();
    let mut every_lower = String::new();
    for b in token.bytes() {
        if unreserved(b) {
            needed_upper.push(char::from(b));
            needed_lower.push(char::from(b));
        } else {
            needed_upper.push_str(&format!("%{b:02X}"));
            needed_lower.push_str(&format!("%{b:02x}"));
        }
        every_upper.push_str(&format!("%{b:02X}"));
        every_lower.push_str(&format!("%{b:02x}"));
    }
    vec![needed_upper, needed_lower, every_upper, every_lower]
}

/// The token inside a JSON string: as serde writes it, and with every character as `\uXXXX`.
fn json_forms(token: &str) -> Vec<String> {
    let quoted = serde_json::to_string(token).unwrap_or_default();
    let plain = quoted
        .strip_prefix('"')
        .and_then(|q| q.strip_suffix('"'))
        .unwrap_or_default()
        .to_owned();
    let mut upper = String::new();
    let mut lower = String::new();
    for unit in token.encode_utf16() {
        upper.push_str(&format!("\\u{unit:04X}"));
        lower.push_str(&format!("\\u{unit:04x}"));
    }
    vec![plain, upper, lower]
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};

    const TOKEN: &str = "ghs_canaryTOKEN0123456789abcdefghijklmnop";

    #[test]
    fn every_encoding_of_the_token_is_masked() {
        let r = Redactor::new(Some(TOKEN));
        let basic = format!("x-access-token:{TOKEN}");
        let mut shapes = vec![
            TOKEN.to_owned(),
            urlencode_every_byte(TOKEN),
            urlencode_every_byte(TOKEN).to_lowercase(),
            TOKEN
                .chars()
                .map(|c| format!("\\u{:04x}", c as u32))
                .collect(),
            crate::escape::markdown(TOKEN),
        ];
        for secret in [TOKEN, basic.as_str()] {
            for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
                shapes.push(engine.encode(secret));
            }
        }
        for shape in shapes {
            let text = format!("before {shape} after");
            let out = r.redact(&text);
            assert_eq!(out, "before *** after", "{shape}");
        }
    }

    #[test]
    fn the_token_inside_longer_base64_is_masked_at_every_alignment() {
        let r = Redactor::new(Some(TOKEN));
        for prefix in ["", "a", "ab", "abc", "{\"token\":\""] {
            let text = format!("{prefix}{TOKEN}\"}}");
            for engine in [&STANDARD, &URL_SAFE_NO_PAD] {
                let encoded = engine.encode(&text);
                let out = r.redact(&encoded);
                assert!(out.contains(MASK), "{prefix:?}: {out}");
                // What is left is the text around the token, and at most two of its bytes at
                // each end.
                let left = out.replace(MASK, "").len();
                let around = (prefix.len() + 2 + 4).div_ceil(3) * 4 + 4;
                assert!(left <= around, "{prefix:?}: {out}");
            }
        }
    }

    #[test]
    fn json_values_are_redacted_in_place() {
        let r = Redactor::new(Some(TOKEN));
        let mut v = serde_json::json!({
            "body": format!("x {TOKEN} y"),
            "list": [TOKEN, 3, null],
            TOKEN: true,
        });
        r.redact_json(&mut v);
        let text = v.to_string();
        assert!(!text.contains(TOKEN), "{text}");
        assert_eq!(v["body"], "x *** y");
        assert_eq!(v["list"][0], "***");
        assert_eq!(v["***"], true);
    }

    #[test]
    fn without_a_token_nothing_changes() {
        let r = Redactor::new(None);
        assert!(r.is_empty());
        assert_eq!(r.redact("ghs_x"), "ghs_x");
        let r = Redactor::new(Some(""));
        assert_eq!(r.redact("anything"), "anything");
    }

    fn urlencode_every_byte(s: &str) -> String {
        s.bytes().map(|b| format!("%{b:02X}")).collect()
    }
}
