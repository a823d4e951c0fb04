//! The Markdown report as reviewers see it: snapshots for every fixture, and proof (with
//! comrak, a CommonMark + GFM parser) that text from a plan only ever becomes text.

mod common;

use common::{json_files, relative, report, root};

use comrak::nodes::NodeValue;

fn markdown(args: &[&str]) -> String {
    report("markdown", args)
}

/// HTML that the report itself writes; anything else is a leak.
fn ours(html: &str) -> bool {
    let html = html.trim();
    html == "<br>"
        || html == "</details>"
        || (html.starts_with("<details><summary>") && html.ends_with("</summary>"))
}

struct Parsed {
    headings: Vec<String>,
    code_blocks: Vec<(String, String)>,
    texts: String,
    problems: Vec<String>,
    table_rows: Vec<usize>,
}

fn parse(md: &str) -> Parsed {
    let arena = comrak::Arena::new();
    let mut options = comrak::Options::default();
    options.extension.table = true;
    options.extension.autolink = true;
    options.extension.strikethrough = true;
    options.extension.tasklist = true;
    let root = comrak::parse_document(&arena, md, &options);
    let mut parsed = Parsed {
        headings: Vec::new(),
        code_blocks: Vec::new(),
        texts: String::new(),
        problems: Vec::new(),
        table_rows: Vec::new(),
    };
    for node in root.descendants() {
        match &node.data.borrow().value {
            NodeValue::Text(t) => {
                parsed.texts.push_str(t);
                parsed.texts.push('\n');
            }
            NodeValue::HtmlInline(h) if !ours(h) => {
                parsed.problems.push(format!("inline HTML: {h}"));
            }
            NodeValue::HtmlBlock(b) if !b.literal.lines().all(ours) => {
                parsed.problems.push(format!("HTML block: {}", b.literal));
            }
            NodeValue::Link(l) => parsed.problems.push(format!("link: {}", l.url)),
            NodeValue::Image(l) => parsed.problems.push(format!("image: {}", l.url)),
            NodeValue::Heading(_) => {
                let mut text = String::new();
                for d in node.descendants() {
                    if let NodeValue::Text(t) = &d.data.borrow().value {
                        text.push_str(t);
                    }
                }
                parsed.headings.push(text);
            }
            NodeValue::CodeBlock(c) => parsed.code_blocks.push((c.info.clone(), c.literal.clone())),
            NodeValue::TableRow(_) => parsed.table_rows.push(node.children().count()),
            _ => {}
        }
    }
    // Mentions, references and bare links live in text nodes: GitHub and GitLab look for them
    // after parsing. A zero-width space after `@`, `#` or `://` keeps them plain.
    for (i, _) in parsed.texts.match_indices('@') {
        let next = parsed.texts[i + 1..].chars().next().unwrap_or(' ');
        if next.is_alphanumeric() {
            parsed
                .problems
                .push(format!("a mention: {}", &parsed.texts[i..]));
        }
    }
    for needle in ["http://", "https://", "www."] {
        for (i, _) in parsed.texts.match_indices(needle) {
            if !parsed.texts[i + needle.len()..].starts_with('\u{200B}') {
                parsed
                    .problems
                    .push(format!("a bare link: {}", &parsed.texts[i..]));
            }
        }
    }
    parsed
}

#[test]
fn snapshots_of_every_fixture() {
    insta::glob!(
        "../testdata",
        "{plans/**/*.json,example/*.json,hostile/*.json}",
        |path| {
            let rel = relative(path);
            insta::assert_snapshot!("markdown", markdown(&[&rel]));
        }
    );
}

#[test]
fn plan_text_only_ever_becomes_text() {
    let md = markdown(&["testdata/hostile/plan.json"]);
    let parsed = parse(&md);
    assert!(parsed.problems.is_empty(), "{:#?}\n{md}", parsed.problems);
    // The report's own headings only: a "## Fake heading" in a name stays text.
    for h in &parsed.headings {
        assert!(
            h.starts_with(":no_entry:")
                || h.starts_with(":white_check_mark:")
                || h == "Findings"
                || h == "Privilege delta",
            "unexpected heading {h:?}\n{md}"
        );
    }
    // The hostile strings are there, as text.
    for s in [
        "<img src=x onerror=alert(1)>",
        "<script>",
        "foureyes:approved",
        "| col |",
    ] {
        assert!(parsed.texts.contains(s), "{s} is not shown as text\n{md}");
    }
    // Backticks in a policy cannot close the code block around it.
    let diffs: Vec<&(String, String)> = parsed
        .code_blocks
        .iter()
        .filter(|(info, _)| info == "diff")
        .collect();
    assert_eq!(diffs.len(), 1, "{md}");
    assert!(diffs[0].1.contains("```"), "{md}");
    assert!(diffs[0].1.contains("</details>"), "{md}");
    // Every row of a table has its columns: pipes in names do not add cells.
    assert!(
        parsed.table_rows.iter().all(|&n| n == 4 || n == 3),
        "{:?}",
        parsed.table_rows
    );
}

#[test]
fn every_fixture_renders_inert_markdown() {
    let mut files = Vec::new();
    for dir in ["testdata/plans", "testdata/example"] {
        files.extend(json_files(&root().join(dir)));
    }
    for f in files {
        let rel = relative(&f);
        let md = markdown(&[&rel]);
        let parsed = parse(&md);
        assert!(parsed.problems.is_empty(), "{rel}: {:#?}", parsed.problems);
        assert!(!md.contains("SENSITIVE-CANARY"), "{rel}");
    }
}

#[test]
fn the_first_screen_answers_whether_an_approver_is_needed() {
    let md = markdown(&["testdata/example/plan.json"]);
    let first = md.trim_start().lines().next().expect("a first line");
    assert!(first.contains("Independent approval required"), "{first}");
    let md = markdown(&["testdata/plans/precision/new-service.json"]);
    let first = md.trim_start().lines().next().expect("a first line");
    assert!(
        first.contains("No independent approval required"),
        "{first}"
    );
    assert!(!md.contains("```mermaid"), "nothing to draw: {md}");
}

#[test]
fn a_picture_of_who_gains_which_duty() {
    let md = markdown(&["testdata/plans/toxic-combination/gains-second-duty.json"]);
    let parsed = parse(&md);
    let (_, picture) = parsed
        .code_blocks
        .iter()
        .find(|(info, _)| info == "mermaid")
        .expect("a Mermaid picture");
    assert!(picture.starts_with("flowchart LR"), "{picture}");
    assert!(picture.contains("aws:role/auditor"), "{picture}");
    assert!(picture.contains("privilege administration"), "{picture}");
    assert!(picture.contains("class p0 hazard"), "{picture}");
}

#[test]
fn policy_diffs_ignore_key_order() {
    let md = markdown(&["testdata/plans/privilege-and-evidence/trail-stopped.json"]);
    let parsed = parse(&md);
    let (_, diff) = parsed
        .code_blocks
        .iter()
        .find(|(info, _)| info == "diff")
        .expect("a policy diff");
    assert!(diff.contains("+        \"iam:PutRolePolicy\""), "{diff}");
    assert!(!diff.contains("-  \"Version\""), "{diff}");
}

/// A change too big for one comment keeps its verdict, summary and findings, and says what
/// was left out and where to see it.
#[test]
fn a_huge_change_fits_one_comment() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = common::huge_plan(dir.path());
    let md = markdown(&[path.to_str().expect("utf-8")]);
    assert!(
        md.chars().count() <= 65_536,
        "{} characters",
        md.chars().count()
    );
    assert!(md.contains("Independent approval required"));
    assert!(md.contains("`privilege-and-evidence`"));
    assert!(md.contains("too big for one comment"), "{}", &md[..2000]);
    assert!(md.contains("--format json"));
    assert!(parse(&md).problems.is_empty());
}

/// 1,000 changed roles, each completing a forbidden pair: one finding each. The comment was
/// 125,062 characters, which GitHub refuses; it must fit, keep the verdict and the counts by
/// rule and severity, show the most severe findings, and say where the rest is.
#[test]
fn a_thousand_findings_fit_one_comment_with_their_counts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = common::many_findings_plan(dir.path(), 1000);
    let md = markdown(&[path.to_str().expect("utf-8")]);
    assert!(md.len() <= 65_536, "{} bytes", md.len());
    assert!(
        md.starts_with("### :no_entry: Independent approval required: 1000 findings"),
        "{}",
        &md[..300]
    );
    // The counts by rule and severity.
    assert!(
        md.contains("| Rule | Critical | High | Medium | Low |\n| --- | --- | --- | --- | --- |\n| `toxic-combination` | 1000 | 0 | 0 | 0 |"),
        "{}",
        &md[..2000]
    );
    let shown = md.matches("· `toxic-combination` ·").count();
    assert!(shown > 10 && shown < 1000, "{shown} findings shown");
    assert!(
        md.contains(&format!("_{} more findings", 1000 - shown)),
        "{}",
        &md[md.len() - 3000..]
    );
    assert!(md.contains("too big for one comment"));
    assert!(md.contains("job summary"));
    assert!(md.contains("--format json"));
    assert!(
        md.trim_end().ends_with("how to fix it_"),
        "the footer stays"
    );
    assert!(parse(&md).problems.is_empty());
}
