//! The seal of foureyes' notes on GitLab: an HMAC-SHA256 of the note's text, keyed by a key
//! derived from the job's API token and bound to the project and merge request, on the note's
//! last line.
//!
//! GitLab lets the author of a note and anyone with the Maintainer role edit it, and its REST
//! API does not say who last did. A note whose seal verifies was written by a holder of the
//! token for this merge request, as it stands; an edit by anyone else, or a note copied from
//! another merge request, does not verify. The seal reveals nothing of the token. A rotated
//! token leaves the old notes unverified: the next run with the plan rewrites them.

use sha2::{Digest as _, Sha256};

/// What the seal's line starts with.
const PREFIX: &str = "<!-- foureyes:note-seal ";
/// What it ends with.
const SUFFIX: &str = " -->";
/// The room the seal's line takes in a note, in characters.
pub(super) const LINE_ROOM: usize = 128;

/// The key that seals the notes of one merge request.
pub(super) struct Key {
    key: [u8; 32],
    /// The project and merge request the notes are bound to.
    scope: String,
}

impl Key {
    /// The key of the notes written with this token on this project's merge request.
    pub(super) fn new(token: &str, project: &str, iid: u64) -> Key {
        let mut h = Sha256::new();
        h.update(b"foureyes:gitlab-note-seal:v1:");
        h.update(token.as_bytes());
        Key {
            key: h.finalize().into(),
            scope: format!("project {project} merge request {iid}\n"),
        }
    }

    /// The seal of a note's text, in hex.
    fn mac(&self, text: &str) -> String {
        let mut inner = Sha256::new();
        let mut outer = Sha256::new();
        let mut ipad = [0x36u8; 64];
        let mut opad = [0x5cu8; 64];
        for (i, b) in self.key.iter().enumerate() {
            ipad[i] ^= b;
            opad[i] ^= b;
        }
        inner.update(ipad);
        inner.update(self.scope.as_bytes());
        inner.update(text.as_bytes());
        outer.update(opad);
        outer.update(inner.finalize());
        outer
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Whether the seal is this text's, compared in constant time.
    pub(super) fn verifies(&self, text: &str, seal: &str) -> bool {
        let expected = self.mac(text);
        expected.len() == seal.len()
            && expected
                .bytes()
                .zip(seal.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }
}

/// The note as written: the text, then its seal's line.
pub(super) fn append(text: &str, key: &Key) -> String {
    format!("{text}\n{PREFIX}{}{SUFFIX}", key.mac(text))
}

/// A note's text and its seal, when its last line is one.
pub(super) fn split(body: &str) -> (&str, Option<&str>) {
    let Some((text, last)) = body.rsplit_once('\n') else {
        return (body, None);
    };
    match last
        .strip_prefix(PREFIX)
        .and_then(|rest| rest.strip_suffix(SUFFIX))
    {
        Some(seal) if seal.len() == 64 && seal.bytes().all(|b| b.is_ascii_hexdigit()) => {
            (text, Some(seal))
        }
        _ => (body, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_note_verifies_until_anything_changes() {
        let key = Key::new("glpat-secret", "1234", 7);
        let body = append("<!-- foureyes:comment key=\"default\" -->\nreport", &key);
        let (text, seal) = split(&body);
        let seal = seal.expect("sealed");
        assert!(key.verifies(text, seal));
        assert!(!key.verifies(&format!("{text} "), seal));
        // Another token, another merge request or another project: another seal.
        assert!(!Key::new("glpat-other", "1234", 7).verifies(text, seal));
        assert!(!Key::new("glpat-secret", "1234", 8).verifies(text, seal));
        assert!(!Key::new("glpat-secret", "1235", 7).verifies(text, seal));
        // The token is not in the note.
        assert!(!body.contains("glpat-secret"));
        assert!(body.lines().last().is_some_and(|l| l.len() < LINE_ROOM));
    }

    #[test]
    fn only_a_well_formed_last_line_is_a_seal() {
        assert_eq!(split("text"), ("text", None));
        let fake = format!("text\n{PREFIX}xyz{SUFFIX}");
        assert_eq!(split(&fake), (fake.as_str(), None));
        let mid = format!("text\n{PREFIX}{}{SUFFIX}\nmore", "a".repeat(64));
        assert_eq!(split(&mid), (mid.as_str(), None));
    }
}
