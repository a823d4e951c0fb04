//! `foureyes github` reads the pull request's own files through the API (no checkout) and
//! judges them for control tampering before the review: the paged list, the contents at the
//! merge base and at the head, GitHub's 3,000-file limit, and refusals.

mod common;
#[path = "common/github.rs"]
mod fake;

use fake::{Fake, Run, HEAD, MERGE_BASE, NUMBER, REPO};

/// A token no output may contain.
const TOKEN: &str = "ghs_filesCANARY0123456789abcdefghijklmnop";
/// A plan that needs no approval on its own.
const ORDINARY: &str = "testdata/plans/precision/new-service.json";

async fn run(fake: &Fake, args: &[&str]) -> Run {
    fake::run(fake, "pull_request", args, TOKEN).await
}

fn statuses(fake: &Fake) -> Vec<(String, String)> {
    fake.with(|s| {
        s.statuses
            .iter()
            .map(|v| {
                (
                    v["state"].as_str().unwrap_or_default().to_owned(),
                    v["description"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    })
}

/// The last comment posted, its Markdown escapes dropped.
fn comment(fake: &Fake) -> String {
    fake.with(|s| {
        s.comments
            .last()
            .and_then(|c| c["body"].as_str())
            .unwrap_or_default()
            .replace('\\', "")
    })
}

/// The paths of the requests the fake saw that start with `prefix`, with their queries.
fn asked(fake: &Fake, prefix: &str) -> Vec<String> {
    fake.with(|s| {
        s.seen
            .iter()
            .filter(|r| r.path.starts_with(prefix))
            .map(|r| format!("{}?{}", r.path, r.query))
            .collect()
    })
}

/// The configuration at the merge base.
const CONFIG: &str = "approval_severity = \"high\"\npipeline_principals = [\"ci\"]\n";
/// The same, with an exception added by the change.
const CONFIG_EXCEPTED: &str = "approval_severity = \"high\"\npipeline_principals = [\"ci\"]\n\n\
    [[exception]]\nrule = \"toxic-combination\"\nprincipal = \"aws:role/ci\"\nreason = \"r\"\n\
    approved_by = \"a\"\nexpires = 2026-12-31\n";
/// A workflow, as it is on both sides of a rename.
const WORKFLOW: &str = "on: pull_request\njobs:\n  review:\n    runs-on: ubuntu-latest\n    steps:\n      - run: foureyes github plan.json\n";

/// A pull request whose files take two pages, with a renamed and a removed file: the list is
/// read page by page, the controls among them at the merge base and at the head, and a
/// configuration whose head adds an exception is a `control-tampering` finding.
#[tokio::test(flavor = "multi_thread")]
async fn the_files_are_read_page_by_page_at_the_merge_base_and_the_head() {
    let fake = Fake::start().await;
    fake.with(|s| {
        // The API echoes the token in every error and comment: `run` checks that no output
        // and no request shows it.
        s.echo = true;
        s.files_page = Some(3);
        s.file("main.tf", "modified", None);
        s.file(".foureyes.toml", "modified", None);
        s.file("docs/old.md", "removed", None);
        s.file(
            ".github/workflows/deploy.yml",
            "renamed",
            Some(".github/workflows/old-deploy.yml"),
        );
        s.file("modules/app/main.tf", "added", None);
        s.content(MERGE_BASE, ".foureyes.toml", CONFIG);
        s.content(HEAD, ".foureyes.toml", CONFIG_EXCEPTED);
        s.content(MERGE_BASE, ".github/workflows/old-deploy.yml", WORKFLOW);
        s.content(HEAD, ".github/workflows/deploy.yml", WORKFLOW);
    });
    let r = run(&fake, &[ORDINARY]).await;
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let files = asked(&fake, &format!("/repos/{REPO}/pulls/{NUMBER}/files"));
    assert_eq!(files.len(), 2, "two pages: {files:?}");
    assert!(files[0].ends_with("?per_page=100"), "{files:?}");
    assert!(files[1].ends_with("page=2"), "{files:?}");
    // The merge base is asked for once, listing one commit.
    assert_eq!(
        asked(&fake, &format!("/repos/{REPO}/compare/")),
        [format!(
            "/repos/{REPO}/compare/{}...{HEAD}?per_page=1",
            fake::BASE
        )]
    );
    // Only the controls are read: each at the merge base and at the head, a renamed one by
    // its old name at the merge base.
    let mut read = asked(&fake, &format!("/repos/{REPO}/contents/"));
    read.sort();
    assert_eq!(
        read,
        [
            format!("/repos/{REPO}/contents/.foureyes.toml?ref={HEAD}"),
            format!("/repos/{REPO}/contents/.foureyes.toml?ref={MERGE_BASE}"),
            format!("/repos/{REPO}/contents/.github/workflows/deploy.yml?ref={HEAD}"),
            format!("/repos/{REPO}/contents/.github/workflows/old-deploy.yml?ref={MERGE_BASE}"),
        ]
    );
    let body = comment(&fake);
    assert!(body.contains("control-tampering"), "{body}");
    // (`#1` is kept from linking an issue by a zero-width space.)
    assert!(
        body.contains(
            ".foureyes.toml adds exception #\u{200b}1 (toxic-combination for aws:role/ci)"
        ),
        "{body}"
    );
    assert!(!body.contains("deploy.yml"), "renamed, not changed: {body}");
    assert_eq!(
        statuses(&fake).last().map(|s| s.0.as_str()),
        Some("failure")
    );
    // Without the exception, nothing to approve.
    fake.with(|s| s.content(HEAD, ".foureyes.toml", CONFIG));
    fake.with(|s| {
        s.contents
            .retain(|((c, p), t)| !(c == HEAD && p == ".foureyes.toml" && t == CONFIG_EXCEPTED))
    });
    let r = run(&fake, &[ORDINARY]).await;
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(
        statuses(&fake).last().cloned(),
        Some(("success".into(), "No independent approval required".into()))
    );
}

/// GitHub lists 3,000 files of a pull request at most: the others were not checked, and the
/// gate asks for an approval that says why, even on a plan that needs none. A dry run reads
/// the files too, and writes nothing.
#[tokio::test(flavor = "multi_thread")]
async fn past_github_s_3000_files_the_check_is_incomplete_and_approval_is_required() {
    let fake = Fake::start().await;
    fake.with(|s| {
        for i in 0..3000 {
            s.file(&format!("modules/m{i}/main.tf"), "modified", None);
        }
        s.changed_files = Some(3512);
    });
    let dry = run(&fake, &["--dry-run", ORDINARY]).await;
    assert_eq!(dry.code, 1, "{}{}", dry.stdout, dry.stderr);
    assert_eq!(
        asked(&fake, &format!("/repos/{REPO}/pulls/{NUMBER}/files")).len(),
        30
    );
    fake.with(|s| assert!(s.writes().is_empty(), "{:?}", s.writes()));
    let r = run(&fake, &[ORDINARY]).await;
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let body = comment(&fake);
    for text in [
        "the pull request's files",
        "were not all checked for control tampering",
        "GitHub lists only the first 3000 files of a pull request, and this one changes 3512",
    ] {
        assert!(body.contains(text), "missing `{text}` in:\n{body}");
        // NOTE: the log's sentences are wrapped: read them as one line.
        let log = r.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(log.contains(text), "missing `{text}` in:\n{}", r.stdout);
    }
    assert_eq!(
        statuses(&fake).last().map(|s| s.0.as_str()),
        Some("failure")
    );
    // Whatever the threshold: the files not checked could remove the gate itself.
    let r = run(&fake, &["--fail-on", "critical", ORDINARY]).await;
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    // Exactly 3,000, as the pull request says: all of them were listed.
    fake.with(|s| s.changed_files = Some(3000));
    let r = run(&fake, &[ORDINARY]).await;
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

/// A token that may not read the pull request's files stops the run with the permissions it
/// needs; the review still reaches the job summary, leaning towards asking, and the status
/// fails.
#[tokio::test(flavor = "multi_thread")]
async fn a_refused_file_list_names_the_permissions_and_exits_2() {
    for status in [403, 404] {
        let fake = Fake::start().await;
        fake.with(|s| {
            s.echo = true;
            s.fail(
                "GET",
                format!("/repos/{REPO}/pulls/{NUMBER}/files"),
                status,
                vec![],
            );
        });
        let r = run(&fake, &[ORDINARY]).await;
        assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
        assert!(
            r.stderr.contains(&format!(
                "error: reading the files of pull request #7: GitHub answered {status}"
            )),
            "{}",
            r.stderr
        );
        assert!(
            r.stderr
                .contains("`contents: read` and `pull-requests: read`"),
            "{}",
            r.stderr
        );
        // The echoed token is masked (`run` checks every output for it).
        assert!(r.stderr.contains("***"), "{}", r.stderr);
        assert!(
            r.summary
                .replace('\\', "")
                .contains("the run stopped before reading them (see the error)"),
            "{}",
            r.summary
        );
        // No comment; the status fails, so that no earlier success stands for this head.
        assert!(fake.with(|s| s.comments.is_empty()));
        assert_eq!(
            statuses(&fake).last().map(|s| s.0.as_str()),
            Some("failure")
        );
    }
}

/// The merge base and the contents are read with the same token and its errors: a refused
/// compare is an error too.
#[tokio::test(flavor = "multi_thread")]
async fn a_refused_merge_base_is_an_error_that_names_the_permissions() {
    let fake = Fake::start().await;
    fake.with(|s| {
        s.file("main.tf", "modified", None);
        s.fail("GET", format!("/repos/{REPO}/compare/"), 403, vec![]);
    });
    let r = run(&fake, &[ORDINARY]).await;
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr
            .contains("error: finding the merge base of pull request #7: GitHub answered 403")
            && r.stderr.contains("`contents: read`"),
        "{}",
        r.stderr
    );
    let _ = MERGE_BASE;
}

/// A control file over 1 MiB is not downloaded: it is judged as one that cannot be read.
#[tokio::test(flavor = "multi_thread")]
async fn a_huge_control_file_is_not_read_and_counts_as_possibly_weakened() {
    let fake = Fake::start().await;
    let huge = format!("{WORKFLOW}{}", "# padding\n".repeat(120_000));
    fake.with(|s| {
        s.file(".github/workflows/ci.yml", "modified", None);
        s.content(MERGE_BASE, ".github/workflows/ci.yml", WORKFLOW);
        s.content(HEAD, ".github/workflows/ci.yml", &huge);
    });
    let r = run(&fake, &[ORDINARY]).await;
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let body = comment(&fake);
    assert!(
        body.contains(".github/workflows/ci.yml cannot be read (larger than 1024 KiB)"),
        "{body}"
    );
}
