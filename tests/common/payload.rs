// What a hostile author writes into text fields, shared by the unit test of the renderers
// (`src/render/hostile_tests.rs`) and the CLI tests (`tests/hostile.rs`), which include it.

/// What a hostile author writes into every text field of a plan: terminal escapes (clear the
/// screen, a fake PASS), a workflow command on a new line, direction and invisible
/// characters, HTML, a mention, a reference, links, an image, a heading, a fake foureyes
/// marker, a table break and a code fence.
pub const PAYLOAD: &str = "\n::error::pwned\r\n::add-mask::x\n::stop-commands::y\u{1b}[2J\u{1b}[1;32mPASS\u{7}\u{202e}gnp.exe\u{2066}\u{200b}\u{ad}\u{e0041}\u{feff}\u{2028}\u{61c}\u{180e}\
<img src=x onerror=alert(1)> @mallory #123 | cell | [link](https://evil.example/a) \
![i](http://evil.example/i.png) www.evil.example\n## Fake heading\n</details> \
<!-- foureyes:comment key=\"default\" schema=2 --> ```x``` ";

/// The characters of [`PAYLOAD`] that must never reach a person as themselves.
pub const HIDDEN: &[char] = &[
    '\u{1b}',
    '\u{7}',
    '\r',
    '\u{202e}',
    '\u{2066}',
    '\u{ad}',
    '\u{e0041}',
    '\u{feff}',
    '\u{2028}',
    '\u{61c}',
    '\u{180e}',
];
