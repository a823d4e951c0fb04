//! `foureyes github` against a local stand-in for the GitHub API: the sticky comment, the
//! independent-approval check, the commit status, retries and degraded tokens.

mod common;
#[path = "common/github.rs"]
mod fake;

use common::foureyes;
use fake::{Fake, HEAD, NUMBER, OLD, REPO};
use std::path::{Path, PathBuf};

/// A token no output may contain.
const TOKEN: &str = "ghs_canaryTOKEN0123456789abcdefghijklmnop";
/// A plan that needs an independent approval.
const RISKY: &str = "testdata/example/plan.json";
/// Another, with other findings.
const RISKY_TOO: &str = "testdata/plans/privilege-and-evidence/trail-stopped.json";
/// A plan that needs none.
const ORDINARY: &str = "testdata/plans/precision/new-service.json";
/// After the fake's clock (08:00): reviews given once the comment is there.
const LATER: &str = "2026-11-22T09:00:00Z";
/// Before it: reviews given before foureyes published anything.
const EARLIER: &str = "2026-11-22T07:00:00Z";

/// What one run left behind.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    summary: String,
    outputs: String,
}

impl Run {
    fn output(&self, name: &str) -> &str {
        self.outputs
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}=")))
            .unwrap_or_else(|| panic!("no output {name} in:\n{}", self.outputs))
    }
}

/// Run `foureyes github ARGS` as GitHub Actions would, against the fake.
async fn run(fake: &Fake, event: &str, args: &[&str]) -> Run {
    let dir = tempfile::tempdir().expect("temp dir");
    let event_path = dir.path().join("event.json");
    std::fs::write(
        &event_path,
        format!(r#"{{"action":"submitted","pull_request":{{"number":{NUMBER}}}}}"#),
    )
    .expect("event written");
    let summary = dir.path().join("summary.md");
    let outputs = dir.path().join("outputs.txt");
    let mut cmd = foureyes();
    cmd.arg("github")
        .args(args)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_API_URL", fake.uri())
        .env("GITHUB_SERVER_URL", "https://github.example")
        .env("GITHUB_RUN_ID", "42")
        .env("GITHUB_REPOSITORY", REPO)
        .env("GITHUB_EVENT_NAME", event)
        .env("GITHUB_EVENT_PATH", &event_path)
        .env("GITHUB_SHA", "2222222222222222222222222222222222222222")
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &outputs);
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("runs"))
        .await
        .expect("joins");
    let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        summary: read(&summary),
        outputs: read(&outputs),
    };
    // The token is used, and never shown, in any of the shapes an API may echo it in.
    for shape in fake::echoes(TOKEN) {
        for (what, text) in [
            ("stdout", &run.stdout),
            ("stderr", &run.stderr),
            ("summary", &run.summary),
            ("outputs", &run.outputs),
        ] {
            assert!(!text.contains(&shape), "the token ({shape}) is in {what}:\n{text}");
        }
        fake.with(|s| {
            for seen in &s.seen {
                for (what, text) in [("body", &seen.body), ("path", &seen.path), ("query", &seen.query)] {
                    assert!(!text.contains(&shape), "the token ({shape}) was sent in the {what}: {seen:?}");
                }
            }
        });
    }
    if std::env::var_os("FOUREYES_TEST_SHOW").is_some() {
        eprintln!(
            "STDOUT:\n{}\nSTDERR:\n{}\nSUMMARY:\n{}\nOUTPUTS:\n{}",
            run.stdout, run.stderr, run.summary, run.outputs
        );
    }
    let _keep: PathBuf = dir.keep();
    run
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

fn comment_bodies(fake: &Fake) -> Vec<String> {
    fake.with(|s| {
        s.comments
            .iter()
            .map(|c| c["body"].as_str().unwrap_or_default().to_owned())
            .collect()
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn first_run_creates_one_comment_and_the_next_updates_it() {
    let fake = Fake::start().await;
    let first = run(&fake, "pull_request", &[RISKY]).await;
    assert_eq!(first.code, 1, "{}{}", first.stdout, first.stderr);
    let bodies = comment_bodies(&fake);
    assert_eq!(bodies.len(), 1);
    assert!(bodies[0].starts_with("<!-- foureyes:comment key=\"default\" schema=2 seal="));
    assert!(
        bodies[0].contains("Independent approval required"),
        "{}",
        bodies[0]
    );
    assert!(bodies[0].contains("foureyes/independent-approval"));
    assert_eq!(statuses(&fake)[0].0, "failure");
    assert!(statuses(&fake)[0]
        .1
        .starts_with("Needs an independent approval"));
    assert_eq!(first.output("verdict"), "approval_required");
    assert_eq!(first.output("approved"), "false");
    assert_eq!(first.output("status"), "failure");
    assert!(first.summary.contains("## Independent approval"));
    assert!(first
        .summary
        .contains("Waiting for an independent approval"));
    // The token went to GitHub as the credentials, and only there.
    fake.with(|s| assert!(s.seen.iter().all(|r| r.authorization.contains(TOKEN))));

    // The same plan again: the comment is left alone.
    let again = run(&fake, "pull_request", &[RISKY]).await;
    assert_eq!(again.code, 1);
    assert_eq!(comment_bodies(&fake), bodies);
    fake.with(|s| {
        assert_eq!(s.writes().iter().filter(|w| w.method == "PATCH").count(), 0);
    });

    // Another plan: the same comment is updated in place.
    let second = run(&fake, "pull_request", &[ORDINARY]).await;
    assert_eq!(second.code, 0, "{}{}", second.stdout, second.stderr);
    let after = comment_bodies(&fake);
    assert_eq!(after.len(), 1, "never a second comment");
    assert_ne!(after[0], bodies[0]);
    assert!(
        after[0].contains("No independent approval required"),
        "{}",
        after[0]
    );
    assert_eq!(statuses(&fake).last().expect("a status").0, "success");
    assert_eq!(second.output("verdict"), "pass");
    fake.with(|s| {
        assert_eq!(s.writes().iter().filter(|w| w.method == "PATCH").count(), 1);
        assert_eq!(
            s.writes()
                .iter()
                .filter(|w| w.path.ends_with("/comments"))
                .count(),
            1,
            "one comment created in all"
        );
    });
}

#[tokio::test(flavor = "multi_thread")]
async fn a_key_gives_each_plan_its_own_comment_and_status_and_a_human_marker_is_ignored() {
    let fake = Fake::start().await;
    // Someone pastes a marker that claims a pass.
    fake.with(|s| {
        s.comment(
            "mallory",
            "User",
            "<!-- foureyes:comment key=\"default\" schema=1 fingerprint=x -->\nall fine",
        )
    });
    let r = run(
        &fake,
        "pull_request",
        &["--comment-key", "prod/eu", RISKY_TOO],
    )
    .await;
    assert_eq!(r.code, 1);
    // The other plan passes: its status must not overwrite the first one's.
    assert_eq!(run(&fake, "pull_request", &[ORDINARY]).await.code, 0);
    let contexts: Vec<(String, String)> = fake.with(|s| {
        s.statuses
            .iter()
            .map(|v| (v["context"].to_string(), v["state"].to_string()))
            .collect()
    });
    assert_eq!(
        contexts,
        [
            (
                "\"foureyes/independent-approval/prod/eu\"".to_owned(),
                "\"failure\"".to_owned()
            ),
            (
                "\"foureyes/independent-approval\"".to_owned(),
                "\"success\"".to_owned()
            ),
        ]
    );
    let bodies = comment_bodies(&fake);
    assert_eq!(bodies.len(), 3, "mallory's, and one per key");
    assert_eq!(
        bodies[0],
        "<!-- foureyes:comment key=\"default\" schema=1 fingerprint=x -->\nall fine"
    );
    assert!(bodies[1].starts_with("<!-- foureyes:comment key=\"prod/eu\""));
    assert!(bodies[2].starts_with("<!-- foureyes:comment key=\"default\""));
    // A review event for one key reads its own comment.
    let gate = run(&fake, "pull_request_review", &["--comment-key", "prod/eu"]).await;
    assert_eq!(gate.code, 1, "{}{}", gate.stdout, gate.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn approvals_by_the_author_a_co_author_a_committer_a_bot_or_of_a_stale_commit_do_not_count() {
    let fake = Fake::start().await;
    assert_eq!(run(&fake, "pull_request", &[RISKY]).await.code, 1);
    fake.with(|s| {
        s.review("alice", "User", "APPROVED", HEAD, LATER); // the author
        s.review("bob", "User", "APPROVED", HEAD, LATER); // a commit's author
        s.review("carol", "User", "APPROVED", HEAD, LATER); // a committer
        s.review("dave", "User", "APPROVED", HEAD, LATER); // a co-author
        s.review("renovate[bot]", "Bot", "APPROVED", HEAD, LATER);
        s.review("helper", "Bot", "APPROVED", HEAD, LATER);
        s.review("erin", "User", "APPROVED", OLD, LATER); // an older commit
        s.review("frank", "User", "APPROVED", HEAD, EARLIER); // before the findings
        s.review("grace", "User", "APPROVED", HEAD, LATER);
        s.review("grace", "User", "CHANGES_REQUESTED", HEAD, LATER); // changed her mind
        s.review("heidi", "User", "APPROVED", HEAD, LATER);
        s.review("heidi", "User", "DISMISSED", HEAD, LATER);
        s.review("ci-deploy", "User", "APPROVED", HEAD, LATER); // the pipeline
    });
    let r = run(
        &fake,
        "pull_request_review",
        &["--pipeline-principal", "github:user/ci-deploy"],
    )
    .await;
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    for line in [
        "alice: does not count: the pull request's author",
        "bob: does not count: author of 000000000000",
        "carol: does not count: committer of 000000000000",
        "dave: does not count: co-author of 111111111111",
        "renovate[bot]: does not count: a bot",
        "helper: does not count: a bot",
        "erin: does not count: approved an older commit (000000000000)",
        "frank: does not count: approved before the current findings were published",
        "grace: does not count: requested changes",
        "heidi: does not count: their approval was dismissed",
        "ci-deploy: does not count: the pipeline identity",
    ] {
        assert!(
            r.stdout.contains(line),
            "missing `{line}` in:\n{}",
            r.stdout
        );
    }
    assert_eq!(r.output("approved"), "false");
    assert_eq!(r.output("approved-by"), "");
    assert_eq!(statuses(&fake).last().expect("a status").0, "failure");
    // Not counted, and the summary says why.
    assert!(r.summary.contains("the pull request"), "{}", r.summary);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_independent_approval_on_the_second_page_opens_the_gate_without_the_plan() {
    let fake = Fake::start().await;
    assert_eq!(run(&fake, "pull_request", &[RISKY]).await.code, 1);
    let before = comment_bodies(&fake)[0].clone();
    fake.with(|s| {
        for i in 0..fake::PAGE + 1 {
            s.review(&format!("watcher{i}"), "User", "COMMENTED", HEAD, LATER);
        }
        s.review("ivan", "User", "APPROVED", HEAD, LATER);
    });
    let r = run(&fake, "pull_request_review", &[]).await;
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("ivan: counts"), "{}", r.stdout);
    // The comment says who approved which commit; its marker, report and state are as the
    // plan run wrote them.
    let after = comment_bodies(&fake)[0].clone();
    assert!(
        after.contains("**ivan** approved commit `111111111111` (the head)"),
        "{after}"
    );
    assert_eq!(after.lines().next(), before.lines().next());
    assert_eq!(after.lines().last(), before.lines().last());
    let report = |b: &str| b[..b.find("<!-- foureyes:approval -->").expect("a section")].to_owned();
    assert_eq!(report(&after), report(&before));
    assert_eq!(r.output("approved"), "true");
    assert_eq!(r.output("approved-by"), "ivan");
    assert_eq!(r.output("status"), "success");
    let last = statuses(&fake).last().cloned().expect("a status");
    assert_eq!(
        last,
        ("success".into(), "Independently approved by ivan".into())
    );
    fake.with(|s| {
        assert!(
            s.seen
                .iter()
                .any(|r| r.path.ends_with("/reviews") && r.query.contains("page=2")),
            "the second page was read"
        );
        // The status went on the head commit, under its stable name.
        assert!(s.statuses.iter().all(|v| v["sha"] == HEAD
            && v["context"] == "foureyes/independent-approval"
            && v["target_url"] == format!("https://github.example/{REPO}/actions/runs/42")));
        // It never approves; the review event only rewrote the approval section.
        assert!(s.writes().iter().all(|w| !w.path.contains("/reviews")));
        assert_eq!(s.writes().iter().filter(|w| w.method == "PATCH").count(), 1);
    });

    // New findings, published later, need a new approval.
    fake.with(|s| s.clock = "Sun, 22 Nov 2026 10:00:00 GMT".into());
    let r = run(&fake, "pull_request", &[RISKY_TOO]).await;
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("ivan: does not count: approved before the current findings"),
        "{}",
        r.stdout
    );
    assert_eq!(statuses(&fake).last().expect("a status").0, "failure");
}

#[tokio::test(flavor = "multi_thread")]
async fn only_configured_approvers_count_and_review_is_requested_from_them() {
    let fake = Fake::start().await;
    fake.with(|s| {
        s.members.push(("acme/security".into(), "judy".into()));
        s.review("ivan", "User", "APPROVED", HEAD, LATER);
    });
    let args = ["--approver", "acme/security", "--approver", "kim", RISKY];
    let r = run(&fake, "pull_request", &args).await;
    assert_eq!(r.code, 1);
    assert!(r
        .stdout
        .contains("ivan: does not count: not one of the configured approvers"));
    fake.with(|s| {
        let asked: Vec<&fake::Seen> = s
            .writes()
            .into_iter()
            .filter(|w| w.path.ends_with("/requested_reviewers"))
            .collect();
        assert_eq!(asked.len(), 1);
        assert!(asked[0].body.contains("\"kim\"") && asked[0].body.contains("\"security\""));
    });
    assert!(
        comment_bodies(&fake)[0].contains("`acme/security`, `kim`")
            || comment_bodies(&fake)[0].contains("`kim`, `acme/security`")
    );
    fake.with(|s| s.review("judy", "User", "APPROVED", HEAD, LATER));
    let r = run(
        &fake,
        "pull_request_review",
        &["--approver", "acme/security"],
    )
    .await;
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("judy: counts (a member of acme/security)"),
        "{}",
        r.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_502_is_retried() {
    let fake = Fake::start().await;
    fake.with(|s| {
        s.fail("GET", format!("/repos/{REPO}/pulls/{NUMBER}"), 502, vec![]);
        s.fail(
            "POST",
            format!("/repos/{REPO}/statuses/"),
            403,
            vec![("retry-after", "1"), ("x-ratelimit-remaining", "0")],
        );
    });
    let r = run(&fake, "pull_request", &[RISKY]).await;
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(comment_bodies(&fake).len(), 1);
    assert_eq!(
        statuses(&fake).len(),
        1,
        "the rate-limited status was sent again"
    );
    fake.with(|s| {
        let pulls = s
            .seen
            .iter()
            .filter(|r| r.path == format!("/repos/{REPO}/pulls/{NUMBER}"))
            .count();
        assert_eq!(pulls, 2);
    });
}

#[tokio::test(flavor = "multi_thread")]
async fn a_read_only_token_degrades_to_the_summary_and_keeps_the_verdict() {
    let fake = Fake::start().await;
    fake.with(|s| {
        // The full comment, the short one tried instead, and the status.
        for path in [
            format!("/repos/{REPO}/issues/{NUMBER}/comments"),
            format!("/repos/{REPO}/issues/{NUMBER}/comments"),
            format!("/repos/{REPO}/statuses/"),
        ] {
            s.fail("POST", path, 403, vec![]);
        }
    });
    let r = run(&fake, "pull_request", &[RISKY]).await;
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("::warning title=foureyes::create the foureyes comment: GitHub answered 403"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("read-only token"));
    assert!(
        r.summary.contains("Independent approval required"),
        "{}",
        r.summary
    );
    assert!(r.summary.contains("**Warning:**"));
    assert_eq!(r.output("verdict"), "approval_required");
    assert_eq!(r.output("status"), "none");
    assert!(comment_bodies(&fake).is_empty());
    assert!(statuses(&fake).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_token_is_an_error_that_says_so() {
    let fake = Fake::start().await;
    fake.with(|s| s.fail("GET", format!("/repos/{REPO}/pulls/{NUMBER}"), 401, vec![]));
    let r = run(&fake, "pull_request", &[RISKY]).await;
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("reading pull request #7 of acme/infra: GitHub answered 401"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("GITHUB_TOKEN"));
    // The review itself still reached the job summary.
    assert!(r.summary.contains("Independent approval required"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_writes_nothing_and_says_what_it_would_do() {
    let fake = Fake::start().await;
    fake.with(|s| s.review("ivan", "User", "APPROVED", HEAD, EARLIER));
    let r = run(
        &fake,
        "pull_request",
        &["--dry-run", "--approver", "kim", RISKY],
    )
    .await;
    assert_eq!(r.code, 1);
    fake.with(|s| assert!(s.writes().is_empty(), "{:?}", s.writes()));
    for text in [
        "Dry run: nothing was written",
        "create the comment",
        "request a review from kim",
        "set the status `foureyes/independent-approval` on 111111111111 to failure",
        "ivan: does not count",
        "<!-- foureyes:comment key=\"default\"",
    ] {
        assert!(
            r.stdout.contains(text),
            "missing `{text}` in:\n{}",
            r.stdout
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_log_cannot_run_workflow_commands_from_the_plan() {
    let fake = Fake::start().await;
    let r = run(&fake, "pull_request", &["testdata/hostile/plan.json"]).await;
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    let mut lines = r.stdout.lines();
    let first = lines.next().expect("output");
    let token = first
        .strip_prefix("::stop-commands::")
        .expect("commands stopped first");
    assert!(token.len() >= 32);
    assert!(r.stdout.contains(&format!("\n::{token}::\n")));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_review_event_for_an_older_head_or_without_a_comment_decides_nothing() {
    let fake = Fake::start().await;
    let r = run(&fake, "pull_request_review", &[]).await;
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .contains("no foureyes comment with the key `default`"),
        "{}",
        r.stdout
    );
    assert!(statuses(&fake).is_empty());
}

#[test]
fn outside_a_pull_request_it_refuses_with_exit_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    let event = dir.path().join("event.json");
    std::fs::write(&event, "{}").expect("written");
    let out = foureyes()
        .args(["github", RISKY])
        .env("GITHUB_REPOSITORY", REPO)
        .env("GITHUB_EVENT_NAME", "push")
        .env("GITHUB_EVENT_PATH", &event)
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_API_URL", "http://127.0.0.1:9")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not on `push`"), "{stderr}");
    let out = foureyes()
        .args(["github", "--comment-key", "a b", RISKY])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_huge_change_still_fits_one_comment_with_its_state() {
    let fake = Fake::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let plan = common::huge_plan(dir.path());
    let r = run(&fake, "pull_request", &[plan.to_str().expect("utf-8")]).await;
    assert_eq!(r.code, 1, "{}", r.stderr);
    let body = &comment_bodies(&fake)[0];
    assert!(body.chars().count() <= 65_536, "{}", body.chars().count());
    assert!(body.contains("too big for one comment"));
    assert!(body.contains("<!-- foureyes:state "));
    // The gate can still be decided from it.
    fake.with(|s| s.review("ivan", "User", "APPROVED", HEAD, LATER));
    let gate = run(&fake, "pull_request_review", &[]).await;
    assert_eq!(gate.code, 0, "{}{}", gate.stdout, gate.stderr);
}

/// The README's workflow is the example file, which CI lints.
#[test]
fn the_readme_shows_the_example_workflow() {
    let file = std::fs::read_to_string(common::root().join("examples/github/foureyes.yml"))
        .expect("the example workflow");
    assert_eq!(
        common::readme_block("workflow"),
        format!("```yaml\n{file}```\n"),
        "copy examples/github/foureyes.yml into the README"
    );
}

/// Every input and output of the action is documented in the README's table.
#[test]
fn every_input_and_output_of_the_action_is_documented() {
    let action = std::fs::read_to_string(common::root().join("action.yml")).expect("action.yml");
    let readme = std::fs::read_to_string(common::root().join("README.md")).expect("README.md");
    let mut section = "";
    let mut names = Vec::new();
    for line in action.lines() {
        if !line.starts_with(' ') && line.ends_with(':') {
            section = line.trim_end_matches(':');
        } else if matches!(section, "inputs" | "outputs")
            && line.starts_with("  ")
            && !line.starts_with("   ")
            && line.trim_end().ends_with(':')
        {
            names.push((section, line.trim().trim_end_matches(':').to_owned()));
        }
    }
    assert!(names.len() >= 15, "{names:?}");
    for (section, name) in names {
        let documented = match section {
            "inputs" => readme.contains(&format!("| `{name}` |")),
            _ => readme.contains(&format!("`{name}`")),
        };
        assert!(
            documented,
            "the README does not document {section} `{name}`"
        );
    }
}

/// GitHub Enterprise Server serves the API under `/api/v3`; `GITHUB_API_URL` says so.
#[tokio::test(flavor = "multi_thread")]
async fn github_enterprise_server_is_reached_through_its_api_url() {
    let fake = Fake::start().await;
    fake.with(|s| s.prefix = "/api/v3".into());
    assert_eq!(run(&fake, "pull_request", &[RISKY]).await.code, 1);
    fake.with(|s| {
        for i in 0..fake::PAGE + 1 {
            s.review(&format!("watcher{i}"), "User", "COMMENTED", HEAD, LATER);
        }
        s.review("ivan", "User", "APPROVED", HEAD, LATER);
    });
    let r = run(&fake, "pull_request_review", &[]).await;
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    fake.with(|s| {
        assert!(
            s.seen
                .iter()
                .all(|r| r.path.starts_with("/api/v3/") || r.path == "/api/graphql"),
            "{:?}",
            s.seen
        );
        assert!(!s.queries().is_empty(), "GraphQL is asked at /api/graphql");
        assert!(s.seen.iter().any(|r| r.query.contains("page=2")));
    });
}
