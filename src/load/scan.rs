//! A streaming reader of the top level of a JSON document: it validates everything it reads,
//! skips what the review does not need without building anything, and hands over the raw bytes
//! of the values it is asked for. Plans of 100 MB and more are read in chunks, so neither a
//! copy of the file nor a parsed tree of it is ever held in memory.

use super::LoadError;
use std::io::Read;

/// How much is read at a time.
const CHUNK: usize = 1 << 20;

/// Where a piece of the input starts: 1-based line and column (in bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pos {
    pub(crate) line: usize,
    pub(crate) column: usize,
}

impl Pos {
    /// The position of a place given relative to this one (both 1-based).
    pub(crate) fn offset(self, line: usize, column: usize) -> Pos {
        if line <= 1 {
            Pos {
                line: self.line,
                column: self.column + column.saturating_sub(1),
            }
        } else {
            Pos {
                line: self.line + line - 1,
                column,
            }
        }
    }
}

/// The bytes that matter when skipping the inside of an object or array.
const STRUCTURE: [bool; 256] = {
    let mut table = [false; 256];
    table[b'"' as usize] = true;
    table[b'{' as usize] = true;
    table[b'}' as usize] = true;
    table[b'[' as usize] = true;
    table[b']' as usize] = true;
    table[b'\n' as usize] = true;
    table
};

/// What a parser given to [`Scanner::parse`] made of the input it saw.
pub(crate) enum Parsed<T> {
    /// A value, and how many bytes it took.
    Done(T, usize),
    /// The value goes on past the input read so far.
    NeedMore,
    Failed(LoadError),
}

/// Reads JSON from a reader in chunks.
pub(crate) struct Scanner<'n, R> {
    name: &'n str,
    reader: R,
    buf: Vec<u8>,
    pos: usize,
    /// Where `buf` must be kept from (a value being captured), if anywhere.
    mark: Option<usize>,
    eof: bool,
    line: usize,
    /// Absolute offset of the start of the current line, and of `buf[0]`.
    line_start: u64,
    base: u64,
}

impl<'n, R: Read> Scanner<'n, R> {
    pub(crate) fn new(name: &'n str, reader: R) -> Scanner<'n, R> {
        Scanner {
            name,
            reader,
            buf: Vec::with_capacity(CHUNK),
            pos: 0,
            mark: None,
            eof: false,
            line: 1,
            line_start: 0,
            base: 0,
        }
    }

    /// The first bytes of the input (up to `n`), without consuming them.
    pub(crate) fn prefix(&mut self, n: usize) -> Result<&[u8], LoadError> {
        while self.buf.len() - self.pos < n && self.fill()? {}
        let end = (self.pos + n).min(self.buf.len());
        Ok(&self.buf[self.pos..end])
    }

    /// Skip `n` bytes already seen with [`Scanner::prefix`].
    pub(crate) fn skip_bytes(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.buf.len());
    }

    /// The current position.
    pub(crate) fn here(&self) -> Pos {
        let absolute = self.base + self.pos as u64;
        Pos {
            line: self.line,
            column: (absolute - self.line_start) as usize + 1,
        }
    }

    /// An error at the current position.
    pub(crate) fn error(&self, message: impl Into<String>) -> LoadError {
        let at = self.here();
        LoadError::At {
            name: self.name.to_string(),
            line: at.line,
            column: at.column,
            message: message.into(),
        }
    }

    fn truncated(&self) -> LoadError {
        self.error("the file ends too early: the plan is truncated")
    }

    /// Read more input. Returns false at the end of the input.
    fn fill(&mut self) -> Result<bool, LoadError> {
        if self.eof {
            return Ok(false);
        }
        let keep = self.mark.unwrap_or(self.pos);
        if keep > 0 {
            self.buf.drain(..keep);
            self.base += keep as u64;
            self.pos -= keep;
            if let Some(m) = &mut self.mark {
                *m -= keep;
            }
        }
        let n = (&mut self.reader)
            .take(CHUNK as u64)
            .read_to_end(&mut self.buf)
            .map_err(|source| LoadError::Io {
                name: self.name.to_string(),
                source,
            })?;
        if n == 0 {
            self.eof = true;
        }
        Ok(n > 0)
    }

    /// The next byte, without consuming it; `None` at the end.
    fn peek(&mut self) -> Result<Option<u8>, LoadError> {
        if self.pos >= self.buf.len() && !self.fill()? {
            return Ok(None);
        }
        Ok(self.buf.get(self.pos).copied())
    }

    /// Skip whitespace, counting lines.
    pub(crate) fn ws(&mut self) -> Result<(), LoadError> {
        loop {
            while let Some(&b) = self.buf.get(self.pos) {
                match b {
                    b' ' | b'\t' | b'\r' => self.pos += 1,
                    b'\n' => {
                        self.pos += 1;
                        self.line += 1;
                        self.line_start = self.base + self.pos as u64;
                    }
                    _ => return Ok(()),
                }
            }
            if !self.fill()? {
                return Ok(());
            }
        }
    }

    /// Whether the input is at its end (after whitespace).
    pub(crate) fn at_end(&mut self) -> Result<bool, LoadError> {
        self.ws()?;
        Ok(self.peek()?.is_none())
    }

    /// Consume `byte` (after whitespace) or fail saying what was expected.
    pub(crate) fn expect(&mut self, byte: u8, what: &str) -> Result<(), LoadError> {
        self.ws()?;
        match self.peek()? {
            Some(b) if b == byte => {
                self.pos += 1;
                Ok(())
            }
            Some(_) => Err(self.error(format!("invalid JSON: expected {what}"))),
            None => Err(self.truncated()),
        }
    }

    /// After whitespace: the next byte, without consuming it; `None` at the end.
    pub(crate) fn next_byte(&mut self) -> Result<Option<u8>, LoadError> {
        self.ws()?;
        self.peek()
    }

    /// After whitespace: consume `byte` if it is next.
    pub(crate) fn eat(&mut self, byte: u8) -> Result<bool, LoadError> {
        self.ws()?;
        if self.peek()? == Some(byte) {
            self.pos += 1;
            return Ok(true);
        }
        Ok(false)
    }

    /// Read an object key (the string and the colon after it).
    pub(crate) fn key(&mut self) -> Result<String, LoadError> {
        self.ws()?;
        if self.peek()? != Some(b'"') {
            return Err(match self.peek()? {
                None => self.truncated(),
                Some(_) => self.error("invalid JSON: expected a key (a string in double quotes)"),
            });
        }
        self.mark = Some(self.pos);
        let result = self.string();
        let start = self.mark.take().unwrap_or(self.pos);
        result?;
        // NOTE: a key means what JSON says it means: `"resource\u005fchanges"` is
        // `resource_changes`, as to any other JSON reader.
        let key = serde_json::from_slice::<String>(&self.buf[start..self.pos]).map_err(|e| {
            self.error(format!(
                "invalid JSON: a key that is not a valid string: {}",
                super::strip_position(&e)
            ))
        })?;
        self.expect(b':', "`:` after a key")?;
        Ok(key)
    }

    /// Skip one value, validating it, and hand its raw bytes and position to `f`.
    pub(crate) fn capture<T>(
        &mut self,
        f: impl FnOnce(&[u8], Pos) -> Result<T, LoadError>,
    ) -> Result<T, LoadError> {
        self.ws()?;
        let at = self.here();
        self.mark = Some(self.pos);
        let result = self.value();
        let start = self.mark.take().unwrap_or(self.pos);
        result?;
        f(&self.buf[start..self.pos], at)
    }

    /// Parse one value in place with `f`, which sees the buffered input from the value on and
    /// says how many bytes it used, or that it needs more input. A value longer than what is
    /// buffered is first skipped to find its end (reading on as needed), then parsed once:
    /// the buffer then holds that value and no more, however long it is.
    pub(crate) fn parse<T>(
        &mut self,
        mut f: impl FnMut(&[u8], Pos) -> Parsed<T>,
    ) -> Result<T, LoadError> {
        self.ws()?;
        let at = self.here();
        self.mark = Some(self.pos);
        match f(&self.buf[self.pos..], at) {
            Parsed::Done(value, used) => {
                self.mark = None;
                let end = (self.pos + used).min(self.buf.len());
                self.count_lines(self.pos, end);
                self.pos = end;
                Ok(value)
            }
            Parsed::Failed(e) => {
                self.mark = None;
                Err(e)
            }
            Parsed::NeedMore => {
                let result = self.value();
                let start = self.mark.take().unwrap_or(self.pos);
                result?;
                match f(&self.buf[start..self.pos], at) {
                    Parsed::Done(value, _) => Ok(value),
                    Parsed::Failed(e) => Err(e),
                    // NOTE: the skip found the value's end, so it is all there; a parser that
                    // still wants more read something else.
                    Parsed::NeedMore => Err(self.truncated()),
                }
            }
        }
    }

    /// Count the lines in `buf[from..to]`, which is being consumed.
    fn count_lines(&mut self, from: usize, to: usize) {
        let slice = &self.buf[from..to];
        let n = memchr::memchr_iter(b'\n', slice).count();
        if n > 0 {
            self.line += n;
            if let Some(last) = memchr::memrchr(b'\n', slice) {
                self.line_start = self.base + (from + last + 1) as u64;
            }
        }
    }

    /// Whether the rest of the input, from here, is one JSON value with nothing after it but
    /// whitespace. Reads the input to its end.
    pub(crate) fn rest_is_json(&mut self) -> bool {
        let rest = std::io::Cursor::new(&self.buf[self.pos..]).chain(&mut self.reader);
        serde_json::from_reader::<_, serde::de::IgnoredAny>(rest).is_ok()
    }

    /// Skip one value, validating it.
    pub(crate) fn skip(&mut self) -> Result<(), LoadError> {
        self.value()
    }

    /// Skip one JSON value, iteratively (no recursion, whatever the nesting). Scalars are
    /// validated; inside objects and arrays only the structure is: strings, and brackets that
    /// match and close.
    // NOTE: the parts of a plan that the review skips (`planned_values`, `prior_state`, ...)
    // are most of its bytes; checking them token by token would take longer than the whole
    // review. What is read is parsed by serde_json, which checks everything.
    fn value(&mut self) -> Result<(), LoadError> {
        self.ws()?;
        match self.peek()? {
            None => Err(self.truncated()),
            Some(b'{' | b'[') => self.container(),
            Some(b'"') => self.string(),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't') => self.literal(b"true"),
            Some(b'f') => self.literal(b"false"),
            Some(b'n') => self.literal(b"null"),
            Some(_) => Err(self.error("invalid JSON: expected a value")),
        }
    }

    /// Skip an object or array: find its end, honouring strings and nested brackets.
    fn container(&mut self) -> Result<(), LoadError> {
        let mut open: Vec<u8> = Vec::new();
        loop {
            // Move to the next byte that matters.
            let rest = &self.buf[self.pos..];
            let i = rest
                .iter()
                .position(|&b| STRUCTURE[b as usize])
                .unwrap_or(rest.len());
            self.pos += i;
            let Some(b) = self.peek()? else {
                return Err(self.truncated());
            };
            match b {
                b'"' => self.string()?,
                b'{' | b'[' => {
                    open.push(b);
                    self.pos += 1;
                }
                b'}' | b']' => {
                    let want = if b == b'}' { b'{' } else { b'[' };
                    if open.pop() != Some(want) {
                        return Err(self.error(format!(
                            "invalid JSON: `{}` does not close what is open",
                            b as char
                        )));
                    }
                    self.pos += 1;
                    if open.is_empty() {
                        return Ok(());
                    }
                }
                b'\n' => {
                    self.pos += 1;
                    self.line += 1;
                    self.line_start = self.base + self.pos as u64;
                }
                // An ordinary byte after a refill: scan on.
                _ => {}
            }
        }
    }

    /// Skip a string, validating its escapes.
    // NOTE: control characters inside skipped strings are not refused (serde_json refuses them
    // in the parts that are read); finding quotes and backslashes with memchr is what keeps
    // skipping 100 MB fast.
    fn string(&mut self) -> Result<(), LoadError> {
        self.pos += 1; // the opening quote
        loop {
            match memchr::memchr2(b'"', b'\\', &self.buf[self.pos..]) {
                Some(i) => self.pos += i,
                None => {
                    self.pos = self.buf.len();
                    if !self.fill()? {
                        return Err(self.truncated());
                    }
                    continue;
                }
            }
            if self.buf[self.pos] == b'"' {
                self.pos += 1;
                return Ok(());
            }
            self.pos += 1; // the backslash
            match self.peek()? {
                Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => self.pos += 1,
                Some(b'u') => {
                    self.pos += 1;
                    for _ in 0..4 {
                        match self.peek()? {
                            Some(h) if h.is_ascii_hexdigit() => self.pos += 1,
                            Some(_) => {
                                return Err(
                                    self.error("invalid JSON: expected four hex digits after \\u")
                                )
                            }
                            None => return Err(self.truncated()),
                        }
                    }
                }
                Some(_) => return Err(self.error("invalid JSON: invalid escape")),
                None => return Err(self.truncated()),
            }
        }
    }

    /// Skip a number: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    fn number(&mut self) -> Result<(), LoadError> {
        if self.peek()? == Some(b'-') {
            self.pos += 1;
        }
        match self.peek()? {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.digits()?,
            Some(_) => return Err(self.error("invalid JSON: expected a digit")),
            None => return Err(self.truncated()),
        }
        if self.peek()? == Some(b'.') {
            self.pos += 1;
            if !matches!(self.peek()?, Some(b'0'..=b'9')) {
                return Err(self.error("invalid JSON: expected a digit after `.`"));
            }
            self.digits()?;
        }
        if matches!(self.peek()?, Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek()?, Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !matches!(self.peek()?, Some(b'0'..=b'9')) {
                return Err(self.error("invalid JSON: expected a digit in the exponent"));
            }
            self.digits()?;
        }
        Ok(())
    }

    fn digits(&mut self) -> Result<(), LoadError> {
        while matches!(self.peek()?, Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        Ok(())
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), LoadError> {
        for &w in word {
            match self.peek()? {
                Some(b) if b == w => self.pos += 1,
                Some(_) => return Err(self.error("invalid JSON: expected a value")),
                None => return Err(self.truncated()),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skip_all(text: &str) -> Result<(), LoadError> {
        let mut s = Scanner::new("t.json", text.as_bytes());
        s.skip()?;
        if !s.at_end()? {
            return Err(s.error("trailing characters"));
        }
        Ok(())
    }

    #[test]
    fn valid_json_is_skipped() {
        for text in [
            r#"{"a": [1, -2.5e+3, 0, true, false, null, "x\"y\\z\u00e9"], "b": {}, "c": []}"#,
            "  \"plain\"  ",
            "[[[[]]]]",
            "0",
            r#"{"long": "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnop"}"#,
        ] {
            assert!(skip_all(text).is_ok(), "{text}");
        }
    }

    #[test]
    fn invalid_json_is_refused_with_a_place() {
        for (text, says) in [
            ("trux", "expected a value"),
            (r#"{"a": [1, 2}"#, "does not close"),
            (r#"{"a": "x"#, "truncated"),
            (r#"{"a": "\x"}"#, "invalid escape"),
            ("-x", "expected a digit"),
            ("1.", "after `.`"),
            ("[1, 2", "truncated"),
        ] {
            let err = skip_all(text).expect_err(text).to_string();
            assert!(err.starts_with("t.json:1:"), "{text}: {err}");
            assert!(err.contains(says), "{text}: {err}");
        }
        let err = skip_all("{\n  \"a\":\n    [}")
            .expect_err("bad")
            .to_string();
        assert!(err.starts_with("t.json:3:6:"), "{err}");
    }

    #[test]
    fn deep_nesting_does_not_recurse() {
        let text = format!("{}{}", "[".repeat(200_000), "]".repeat(200_000));
        assert!(skip_all(&text).is_ok());
    }

    #[test]
    fn values_across_chunks_are_captured_whole() {
        let big = "x".repeat(3 * CHUNK);
        let text = format!(r#"{{"k": "{big}", "n": 7}}"#);
        let mut s = Scanner::new("t.json", text.as_bytes());
        s.expect(b'{', "{").expect("object");
        assert_eq!(s.key().expect("key"), "k");
        let len = s.capture(|b, _| Ok(b.len())).expect("captured");
        assert_eq!(len, big.len() + 2);
        s.expect(b',', ",").expect("comma");
        assert_eq!(s.key().expect("key"), "n");
        let v = s.capture(|b, at| Ok((b.to_vec(), at))).expect("captured");
        assert_eq!(v.0, b"7");
        assert_eq!(v.1.column, big.len() + 16);
    }
}
