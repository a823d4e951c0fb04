//! Load: an input (a file, stdin, a directory) → its first bytes, to recognise its format by,
//! and the rest, to be read once by that format's reader; and the tools those readers share to
//! read JSON with errors that name the file, the place and what was expected.
//!
//! Plans can be 100 MB and more. Nothing here holds an input whole: the first bytes
//! ([`PREFIX`]) are read ahead, and the reader then gets them followed by the rest, unread.
//! JSON is streamed by [`Scanner`], which validates what it skips without building anything.

mod scan;
mod tree;

pub(crate) use scan::{Parsed, Pos, Scanner};
pub(crate) use tree::{Tree, LONGEST_FILE};

use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// One input: a file, a directory, or stdin.
#[derive(Debug)]
pub(crate) struct Source {
    /// The name users know the input by: the path as given, or `<stdin>`.
    pub(crate) name: String,
    data: Data,
}

enum Data {
    File(PathBuf),
    Directory(PathBuf),
    /// Read as it comes (stdin), so it can be read once only: [`Source::open`] takes it.
    Stream(Mutex<Option<Box<dyn Read + Send>>>),
    /// Two trees of files held in memory, compared: the base and the head of a change.
    Trees(Box<(Tree, Tree)>),
    #[cfg(test)]
    Bytes(Vec<u8>),
}

impl std::fmt::Debug for Data {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Data::File(path) => f.debug_tuple("File").field(path).finish(),
            Data::Directory(path) => f.debug_tuple("Directory").field(path).finish(),
            Data::Stream(_) => f.write_str("Stream"),
            Data::Trees(trees) => write!(f, "Trees({}, {})", trees.0.name, trees.1.name),
            #[cfg(test)]
            Data::Bytes(bytes) => write!(f, "Bytes({})", bytes.len()),
        }
    }
}

impl Source {
    /// An input held in memory (tests).
    #[cfg(test)]
    pub(crate) fn from_bytes(name: &str, bytes: Vec<u8>) -> Source {
        Source {
            name: name.to_string(),
            data: Data::Bytes(bytes),
        }
    }

    /// An input read as it comes, as stdin is: it can be opened once only (tests).
    #[cfg(test)]
    pub(crate) fn from_reader(name: &str, reader: impl Read + Send + 'static) -> Source {
        Source {
            name: name.to_string(),
            data: Data::Stream(Mutex::new(Some(Box::new(reader)))),
        }
    }

    /// Two trees of files compared as one input: what changes from `base` to `head`. Named
    /// after the head.
    pub(crate) fn trees(base: Tree, head: Tree) -> Source {
        Source {
            name: head.name.clone(),
            data: Data::Trees(Box::new((base, head))),
        }
    }

    /// Open the input: read its first bytes (up to [`PREFIX`]) and see what they are. The
    /// rest is left for the reader of its format.
    pub(crate) fn open(&self) -> Result<Opened<'_>, LoadError> {
        let name = self.name.as_str();
        let io = |source| LoadError::Io {
            name: name.to_string(),
            source,
        };
        let mut rest: Box<dyn Read + '_> = match &self.data {
            Data::Directory(path) => {
                return Ok(Opened {
                    name,
                    what: What::Directory(path),
                })
            }
            Data::Trees(trees) => {
                return Ok(Opened {
                    name,
                    what: What::Trees(&trees.0, &trees.1),
                })
            }
            Data::File(path) => Box::new(std::fs::File::open(path).map_err(io)?),
            Data::Stream(stream) => {
                // NOTE: a poisoned lock only means another thread panicked while taking the
                // stream; the stream is as good (or as gone) as it was.
                let taken = stream
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .take();
                match taken {
                    Some(reader) => reader,
                    None => {
                        return Err(LoadError::Invalid {
                            name: name.to_string(),
                            message: "was read already: it can be read only once".to_string(),
                        })
                    }
                }
            }
            #[cfg(test)]
            Data::Bytes(bytes) => Box::new(bytes.as_slice()),
        };
        let mut head = Vec::with_capacity(PREFIX);
        (&mut rest)
            .take(PREFIX as u64)
            .read_to_end(&mut head)
            .map_err(io)?;
        let object = opens_object(&head).then(|| TopLevel::of(&head));
        Ok(Opened {
            name,
            what: What::Bytes { head, rest, object },
        })
    }
}

/// How much of an input is read to recognise its format: enough for the top-level keys a
/// plan or a preview starts with, little enough to cost nothing.
pub(crate) const PREFIX: usize = 64 << 10;

/// Why an input could not be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LoadError {
    #[error("{name}: cannot read: {source}")]
    Io {
        name: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{name}: {message}")]
    Invalid { name: String, message: String },
    #[error("{name}:{line}:{column}: {message}")]
    At {
        name: String,
        line: usize,
        column: usize,
        message: String,
    },
}

/// An input being read: its first bytes, read to recognise its format, and the rest, not read
/// yet. Whoever reads it gets all of it, from its first byte, once.
pub(crate) struct Opened<'s> {
    /// The name users know the input by.
    pub(crate) name: &'s str,
    what: What<'s>,
}

enum What<'s> {
    Directory(&'s Path),
    Trees(&'s Tree, &'s Tree),
    Bytes {
        /// The first [`PREFIX`] bytes, or all of a shorter input.
        head: Vec<u8>,
        rest: Box<dyn Read + 's>,
        /// Where the input opens a JSON object: its top-level keys in `head`.
        object: Option<TopLevel>,
    },
}

/// What the first bytes of an input show: all that a format's sniff sees.
#[derive(Debug, Clone, Copy)]
pub(crate) enum First<'a> {
    /// A directory (its path).
    Directory(#[allow(dead_code, reason = "no format reads a single directory")] &'a Path),
    /// Two trees of files compared (their files are read by [`Opened::trees`]).
    Trees,
    Bytes {
        /// The first bytes as they are (a byte-order mark included): [`PREFIX`] of them, or
        /// all of a shorter input.
        #[allow(dead_code, reason = "for formats that are not JSON")]
        bytes: &'a [u8],
        /// Where the input opens a JSON object: the top-level keys seen in `bytes`.
        object: Option<&'a TopLevel>,
    },
}

/// The top-level keys of a JSON object, as far as the first bytes of its input go.
#[derive(Debug, Default)]
pub(crate) struct TopLevel {
    keys: Vec<String>,
    whole: bool,
}

impl TopLevel {
    /// The keys of the object that starts `head` (after a byte-order mark), in order, as far
    /// as `head` goes or until something that is not JSON.
    fn of(head: &[u8]) -> TopLevel {
        let bytes = head.strip_prefix(&BOM[..]).unwrap_or(head);
        let mut s = Scanner::new("", bytes);
        let mut top = TopLevel::default();
        // NOTE: an error only ends what the first bytes say; the reader reports it in place.
        top.whole = members_of(&mut s, |s, key| {
            top.keys.push(key.to_string());
            s.skip()
        })
        .is_ok();
        top
    }

    /// Whether `key` is among the keys.
    pub(crate) fn has(&self, key: &str) -> bool {
        self.keys.iter().any(|k| k == key)
    }

    /// Whether any of `keys` is among the keys.
    pub(crate) fn has_any(&self, keys: &[&str]) -> bool {
        keys.iter().any(|k| self.has(k))
    }

    /// Whether the object ends within the first bytes: then these are all its keys.
    pub(crate) fn whole(&self) -> bool {
        self.whole
    }
}

/// UTF-8's byte-order mark, as Windows tools write it.
const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// How much of the input the checks of what it is look at (as they always have).
const HEAD: usize = 512;

/// Whether an input's first bytes open a JSON object: after a byte-order mark and whitespace
/// within the first [`HEAD`] bytes, a `{`. What is not is refused by [`Opened::refused`].
fn opens_object(head: &[u8]) -> bool {
    let head = &head[..head.len().min(HEAD)];
    let bytes = head.strip_prefix(&BOM[..]).unwrap_or(head);
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return false;
    }
    bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

impl<'s> Opened<'s> {
    /// What the first bytes show.
    pub(crate) fn first(&self) -> First<'_> {
        match &self.what {
            What::Directory(path) => First::Directory(path),
            What::Trees(..) => First::Trees,
            What::Bytes { head, object, .. } => First::Bytes {
                bytes: head,
                object: object.as_ref(),
            },
        }
    }

    /// The two trees of an input that compares trees (base, head).
    pub(crate) fn trees(&self) -> Option<(&'s Tree, &'s Tree)> {
        match self.what {
            What::Trees(base, head) => Some((base, head)),
            _ => None,
        }
    }

    /// The input as JSON, from its first byte (a byte-order mark skipped), streamed.
    pub(crate) fn json(self) -> Result<Scanner<'s, impl Read + 's>, LoadError> {
        let What::Bytes { head, rest, .. } = self.what else {
            return Err(LoadError::Invalid {
                name: self.name.to_string(),
                message: "is a directory: expected JSON".to_string(),
            });
        };
        let bom = head.starts_with(&BOM);
        let mut s = Scanner::new(self.name, std::io::Cursor::new(head).chain(rest));
        if bom {
            s.prefix(BOM.len())?;
            s.skip_bytes(BOM.len());
        }
        Ok(s)
    }

    /// Why no format reads an input whose first bytes open no JSON object: it is UTF-16,
    /// empty, binary, the output of a wrapper, a JSON array, or text.
    // NOTE: these messages are a contract (tests, the README): they name the Terraform plan,
    // the format most inputs are meant to be, whatever format is expected.
    pub(crate) fn refused(self) -> LoadError {
        let name = self.name;
        let What::Bytes { head, rest, .. } = self.what else {
            return LoadError::Invalid {
                name: name.to_string(),
                message: "is a directory".to_string(),
            };
        };
        let invalid = |message: &str| LoadError::Invalid {
            name: name.to_string(),
            message: message.to_string(),
        };
        let mut s = Scanner::new(name, std::io::Cursor::new(head).chain(rest));
        let head = match s.prefix(HEAD) {
            Ok(head) => head.to_vec(),
            Err(e) => return e,
        };
        let mut bytes = head.as_slice();
        if bytes.starts_with(&BOM) {
            bytes = &bytes[BOM.len()..];
            s.skip_bytes(BOM.len());
        }
        if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
            return invalid(
                "the file is UTF-16 (as PowerShell's `>` writes it): expected UTF-8 JSON; \
                 write the plan with `terraform show -json tfplan | Out-File -Encoding utf8 plan.json`",
            );
        }
        match s.at_end() {
            Ok(true) => return invalid(
                "the file is empty: expected a Terraform plan as written by `terraform show -json`",
            ),
            Ok(false) => {}
            Err(e) => return e,
        }
        let at = s.here();
        let first = bytes
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .unwrap_or(0);
        let text = &bytes[first..];
        // NOTE: what Pulumi prints without `--json` (`Previewing update (prod)`, a permalink
        // first when the stack is in Pulumi Cloud), and what a failed command prints instead of
        // JSON (`error: ...`, Pulumi's and Go tools' way), each get an answer of their own.
        let pulumi_text = [&b"Previewing "[..], b"View Live: ", b"View in Browser"]
            .iter()
            .any(|p| text.starts_with(p));
        if pulumi_text || text.starts_with(b"error: ") {
            let message = if pulumi_text {
                "found the text output of `pulumi preview`: expected its JSON, as \
                 `pulumi preview --json > preview.json` writes it"
            } else {
                "found an error message (`error: ...`) where JSON was expected: the command \
                 that wrote this file failed; fix what it says and write the file again"
            };
            return LoadError::At {
                name: name.to_string(),
                line: at.line,
                column: at.column,
                message: message.to_string(),
            };
        }
        let what = if std::str::from_utf8(bytes).is_err() || bytes.contains(&0) {
            "binary data, not JSON"
        } else if bytes[first..].starts_with(b"[command]") {
            "the output of the setup-terraform wrapper (`[command]...`), not the plan; \
             set `terraform_wrapper: false` or write the plan with `terraform show -json` to a file"
        } else if bytes.get(first) == Some(&b'[') && !head.starts_with(&BOM) && s.rest_is_json() {
            "a JSON array"
        } else {
            "text that is not JSON (is there a wrapper's output around the plan?)"
        };
        LoadError::At {
            name: name.to_string(),
            line: at.line,
            column: at.column,
            message: format!(
                "found {what}: expected a JSON object, a Terraform plan as written by `terraform show -json`"
            ),
        }
    }
}

/// Open an input: a path, or `-` for stdin. A file is opened now, to fail before any work if
/// it cannot be; stdin is read when the review reads it.
pub(crate) fn read(input: &Path) -> Result<Source, LoadError> {
    if input.as_os_str() == "-" {
        return Ok(Source {
            name: "<stdin>".to_string(),
            data: Data::Stream(Mutex::new(Some(Box::new(std::io::stdin())))),
        });
    }
    let name = input.display().to_string();
    match std::fs::File::open(input).and_then(|f| f.metadata()) {
        Ok(m) if m.is_dir() => Ok(Source {
            name,
            data: Data::Directory(input.to_path_buf()),
        }),
        Ok(_) => Ok(Source {
            name,
            data: Data::File(input.to_path_buf()),
        }),
        Err(source) => Err(LoadError::Io { name, source }),
    }
}

/// Read the members of a JSON object one by one: `each` gets each key and reads or skips its
/// value. A key given twice is refused (JSON readers disagree on which of the two counts), and
/// so is anything after the object. Returns the keys, in order.
pub(crate) fn members<'n, R: Read>(
    s: &mut Scanner<'n, R>,
    each: impl FnMut(&mut Scanner<'n, R>, &str) -> Result<(), LoadError>,
) -> Result<Vec<String>, LoadError> {
    let seen = members_of(s, each)?;
    if !s.at_end()? {
        return Err(s.error("invalid JSON: trailing characters after the plan"));
    }
    Ok(seen)
}

/// [`members`], without looking past the object's end: for objects inside the document.
pub(crate) fn members_of<'n, R: Read>(
    s: &mut Scanner<'n, R>,
    mut each: impl FnMut(&mut Scanner<'n, R>, &str) -> Result<(), LoadError>,
) -> Result<Vec<String>, LoadError> {
    let mut seen: Vec<String> = Vec::new();
    s.expect(b'{', "`{`")?;
    if !s.eat(b'}')? {
        loop {
            let key = s.key()?;
            if seen.contains(&key) {
                return Err(s.error(format!(
                    "invalid plan: the key `{}` appears twice",
                    crate::escape::terminal(&key)
                )));
            }
            each(s, &key)?;
            seen.push(key);
            if s.eat(b'}')? {
                break;
            }
            s.expect(b',', "`,` or `}`")?;
        }
    }
    Ok(seen)
}

/// A piece of an input: its bytes and where they start, to report errors in place.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Place<'a> {
    pub(crate) name: &'a str,
    pub(crate) bytes: &'a [u8],
    pub(crate) at: Pos,
}

impl Place<'_> {
    /// An error at a serde_json error's position inside this piece.
    pub(crate) fn error(&self, e: &serde_json::Error, message: String) -> LoadError {
        let at = self.at.offset(e.line(), e.column());
        LoadError::At {
            name: self.name.to_string(),
            line: at.line,
            column: at.column,
            message,
        }
    }

    /// An error at a byte offset inside this piece.
    pub(crate) fn error_at(&self, offset: usize, message: String) -> LoadError {
        let (line, column) = line_column(self.bytes, offset);
        let at = self.at.offset(line, column);
        LoadError::At {
            name: self.name.to_string(),
            line: at.line,
            column: at.column,
            message,
        }
    }
}

/// serde_json appends " at line L column C"; the position is reported separately.
/// The message is escaped: serde quotes what it read (an unknown variant, a string of the
/// wrong type), and that is plan text.
pub(crate) fn strip_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let text = match text.rfind(" at line ") {
        Some(i) => &text[..i],
        None => &text,
    };
    crate::escape::terminal(text).into_owned()
}

/// 1-based line and column of a byte offset.
pub(crate) fn line_column(bytes: &[u8], offset: usize) -> (usize, usize) {
    let offset = offset.min(bytes.len());
    let before = &bytes[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = offset
        - before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1)
        + 1;
    (line, column)
}

/// Parse a raw value from within a place into a [`serde_json::Value`], keeping of an object
/// only the given keys (sorted) and skipping the rest unparsed. Errors are reported where the
/// value is in its file.
pub(crate) fn parse_picked(
    place: &Place<'_>,
    raw: &RawValue,
    keys: &[String],
) -> Result<serde_json::Value, LoadError> {
    use serde::de::DeserializeSeed;
    let mut de = serde_json::Deserializer::from_str(raw.get());
    Pick(Some(keys))
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v))
        .map_err(|e| {
            let offset =
                (raw.get().as_ptr() as usize).saturating_sub(place.bytes.as_ptr() as usize);
            place.error_at(
                offset,
                format!("cannot read this value: {}", strip_position(&e)),
            )
        })
}

/// Deserializes a JSON value, keeping of an object only some keys (all of them when `None`,
/// as for every nested value). A key that appears twice in one object is refused: JSON readers
/// disagree on which of the two counts, and a plan that says two things must not pass as one.
struct Pick<'k>(Option<&'k [String]>);

impl<'de> serde::de::DeserializeSeed<'de> for Pick<'_> {
    type Value = serde_json::Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Pick<'_> {
    type Value = serde_json::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some(key) = map.next_key_seed(Key)? {
            let wanted = match self.0 {
                None => true,
                Some(keys) => keys.binary_search_by(|k| k.as_str().cmp(&key)).is_ok(),
            };
            if !wanted {
                map.next_value::<IgnoredAny>()?;
                // NOTE: keys that are not read are not kept, so their duplicates go unseen;
                // what is read is never ambiguous.
                continue;
            }
            if out.contains_key(key.as_ref()) {
                return Err(serde::de::Error::custom(format!(
                    "the key `{}` appears twice in one object",
                    crate::escape::terminal(&key)
                )));
            }
            let v = map.next_value_seed(Pick(None))?;
            out.insert(key.into_owned(), v);
        }
        Ok(serde_json::Value::Object(out))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(v) = seq.next_element_seed(Pick(None))? {
            out.push(v);
        }
        Ok(serde_json::Value::Array(out))
    }

    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(bounded(v).into_owned().into())
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(match bounded(&v) {
            Cow::Borrowed(_) => v,
            Cow::Owned(short) => short,
        }
        .into())
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }
}

/// The longest string value foureyes reads (1 MiB). No IAM name, ARN or policy comes near it
/// (AWS caps policies at tens of kilobytes); a longer one would only cost memory in every
/// place it is copied to.
pub(crate) const LONGEST: usize = 1 << 20;

/// A string as the review reads it: itself, or, when longer than [`LONGEST`], a stand-in that
/// says so and stays distinct for distinct values (its start, its length and a digest). A
/// stand-in for a policy is not JSON, so the policy is unreadable: a possible privilege, never
/// a harmless one.
pub(crate) fn bounded(text: &str) -> Cow<'_, str> {
    if text.len() <= LONGEST {
        return Cow::Borrowed(text);
    }
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(text.as_bytes());
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    let start: String = text.chars().take(64).collect();
    Cow::Owned(format!(
        "{start}… [{} bytes, too long to read; sha256:{hex}]",
        text.len()
    ))
}

/// A JSON value whose strings are [`bounded`], and in which a key given twice is refused (for
/// `#[serde(deserialize_with)]`).
pub(crate) fn bounded_value<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<serde_json::Value>, D::Error> {
    use serde::de::DeserializeSeed;
    Pick(None).deserialize(d).map(Some)
}

/// A raw JSON value, left out when longer than [`LONGEST`] (for `#[serde(deserialize_with)]`).
pub(crate) fn bounded_raw<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Box<RawValue>>, D::Error> {
    let raw: &RawValue = Deserialize::deserialize(d)?;
    Ok((raw.get().len() <= LONGEST).then(|| raw.to_owned()))
}

/// An object key, borrowed from the input where it has no escapes.
struct Key;

impl<'de> serde::de::DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Key {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an object key")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What an input's first bytes show: its top-level keys when it opens a JSON object.
    fn keys(text: &[u8]) -> Option<(Vec<String>, bool)> {
        let source = Source::from_bytes("in.json", text.to_vec());
        let opened = source.open().expect("opens");
        match opened.first() {
            First::Bytes { object, .. } => object.map(|t| (t.keys.clone(), t.whole())),
            First::Directory(_) | First::Trees => panic!("not a file"),
        }
    }

    /// The error for an input that opens no JSON object.
    fn refused(text: &[u8]) -> String {
        let source = Source::from_bytes("in.json", text.to_vec());
        let opened = source.open().expect("opens");
        assert!(
            matches!(opened.first(), First::Bytes { object: None, .. }),
            "{:?}",
            String::from_utf8_lossy(text)
        );
        opened.refused().to_string()
    }

    #[test]
    fn the_first_bytes_show_the_top_level_keys() {
        let (k, whole) =
            keys(br#" {"format_version": "1.2", "resource_changes": []}"#).expect("an object");
        assert_eq!(k, ["format_version", "resource_changes"]);
        assert!(whole);
        // Keys mean what JSON says they mean; a byte-order mark is no hindrance.
        let (k, _) = keys(b"\xEF\xBB\xBF{\"st\\u0065ps\": []}").expect("an object");
        assert_eq!(k, ["steps"]);
        // A value longer than the first bytes: its key is seen, what follows is not.
        let mut text = br#"{"planned_values": {"pad": ""#.to_vec();
        text.extend(std::iter::repeat_n(b'x', PREFIX));
        text.extend(br#""}, "format_version": "1.2"}"#);
        let (k, whole) = keys(&text).expect("an object");
        assert_eq!(k, ["planned_values"]);
        assert!(!whole);
        // What is not JSON ends what the first bytes say, not the opening.
        let (k, whole) = keys(br#"{"config": {}, "steps": [}"#).expect("an object");
        assert_eq!(k, ["config", "steps"]);
        assert!(!whole);
    }

    #[test]
    fn what_opens_no_json_object_is_refused_as_it_always_was() {
        for (text, says) in [
            (&b"\xFF\xFE{\0}\0"[..], "the file is UTF-16"),
            (b"\xEF\xBB\xBF\xFF\xFE{\0", "the file is UTF-16"),
            (b"", "the file is empty"),
            (b"  \n\t ", "the file is empty"),
            (b"\xEF\xBB\xBF", "the file is empty"),
            (b"\x1f\x8b\x08\x00\xff\xfe", "found binary data, not JSON"),
            (b"\0{}", "found binary data"),
            (
                b"[command]terraform show -json\n{}",
                "setup-terraform wrapper",
            ),
            (b"\n  [1, {\"a\": 2}]\n", "in.json:2:3: found a JSON array"),
            (b"[1, 2", "found text that is not JSON"),
            (b"\xEF\xBB\xBF[1]", "found text that is not JSON"),
            (b"hello", "in.json:1:1: found text that is not JSON"),
            (
                b"\nPreviewing update (prod)\n\n     Type  Name\n",
                "in.json:2:1: found the text output of `pulumi preview`: expected its JSON, as \
                 `pulumi preview --json > preview.json` writes it",
            ),
            (
                b"View Live: https://app.pulumi.com/acme/p/prod/previews/1\n",
                "found the text output of `pulumi preview`",
            ),
            (
                b"error: no stack named 'prod' found\n",
                "in.json:1:1: found an error message (`error: ...`) where JSON was expected",
            ),
        ] {
            let err = refused(text);
            assert!(err.starts_with("in.json"), "{err}");
            assert!(
                err.contains(says),
                "{:?}: {err}",
                String::from_utf8_lossy(text)
            );
        }
        // Only the first 512 bytes are looked at, as always: a plan after more whitespace
        // than that is text.
        let mut text = vec![b' '; 600];
        text.extend(br#"{"format_version": "1.2"}"#);
        assert!(refused(&text).contains("in.json:1:601: found text that is not JSON"));
    }

    #[test]
    fn a_stream_is_read_once() {
        let source = Source::from_reader("<stdin>", &br#"{"steps": []}"#[..]);
        let opened = source.open().expect("opens");
        assert!(matches!(
            opened.first(),
            First::Bytes { object: Some(t), .. } if t.has("steps")
        ));
        drop(opened);
        let again = source.open().err().expect("read already").to_string();
        assert_eq!(again, "<stdin>: was read already: it can be read only once");
    }

    #[test]
    fn a_directory_is_an_input_with_no_bytes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let source = read(dir.path()).expect("a directory is an input");
        let opened = source.open().expect("opens");
        assert!(matches!(opened.first(), First::Directory(_)));
        let missing = read(&dir.path().join("missing.json")).expect_err("no such file");
        assert!(missing.to_string().contains("cannot read"), "{missing}");
    }

    #[test]
    fn the_reader_gets_the_input_from_its_first_byte() {
        let mut text = b"\xEF\xBB\xBF{\"k\": \"".to_vec();
        text.extend(std::iter::repeat_n(b'x', 3 * PREFIX));
        text.extend(b"\"}");
        let source = Source::from_bytes("in.json", text.clone());
        let mut s = source.open().expect("opens").json().expect("JSON");
        let mut len = 0;
        members(&mut s, |s, key| {
            assert_eq!(key, "k");
            len = s.capture(|b, at| {
                assert_eq!((at.line, at.column), (1, 10));
                Ok(b.len())
            })?;
            Ok(())
        })
        .expect("read");
        assert_eq!(len, 3 * PREFIX + 2);
    }

    #[test]
    fn picking_keeps_only_the_wanted_keys() {
        let bytes = br#"{"a": 1, "b": {"deep": [1, 2]}, "c": "x"}"#;
        let place = Place {
            name: "plan.json",
            bytes,
            at: Pos { line: 1, column: 1 },
        };
        let raw: &RawValue = serde_json::from_slice(bytes).expect("json");
        let v = parse_picked(&place, raw, &["b".to_string(), "c".to_string()]).expect("parsed");
        assert_eq!(v, serde_json::json!({"b": {"deep": [1, 2]}, "c": "x"}));
        let raw: &RawValue = serde_json::from_str("true").expect("json");
        assert_eq!(
            parse_picked(&place, raw, &[]).expect("parsed"),
            serde_json::json!(true)
        );
    }

    #[test]
    fn line_column_counts_from_one() {
        assert_eq!(line_column(b"ab\ncd", 0), (1, 1));
        assert_eq!(line_column(b"ab\ncd", 4), (2, 2));
    }
}
