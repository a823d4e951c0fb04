//! The Markdown report as reviewers see it: snapshots for every fixture, and proof (with
//! comrak, a CommonMark + GFM parser) that text from a plan only ever becomes text.

mod common;

use common::{json_files, parse, relative, report, root};

fn markdown(args: &[&str]) -> String {
    report("markdown", args)
}

#[test]
fn snapshots_of_every_fixture() {
    insta::glob!(
        "../testdata",
        "{plans/**/*.json,example/*.json,hostile/*.json,coverage/*.json}",
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
    for dir in ["testdata/plans", "testdata/example", "testdata/providers"] {
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
