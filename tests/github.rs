//! `foureyes github` against a local stand-in for the GitHub API: the sticky comment, the
//! independent-approval check, the commit status, retries and degraded tokens.

mod common;
#[path = "common/github.rs"]
mod fake;

use common::foureyes;
use fake::{Fake, Run, HEAD, NUMBER, OLD, REPO};

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

/// Run `foureyes github ARGS` as GitHub Actions would, against the fake.
async fn run(fake: &Fake, event: &str, args: &[&str]) -> Run {
    fake::run(fake, event, args, TOKEN).await
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
    for shape in fake::echoes(TOKEN) {
        assert!(!stderr.contains(&shape) && !String::from_utf8_lossy(&out.stdout).contains(&shape));
    }
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

/// Regression (issue 8): a collaborator edited the comment's state to "pass" and sealed it
/// again; the review-event run opened the gate.
#[tokio::test(flavor = "multi_thread")]
async fn a_state_edited_by_a_collaborator_cannot_open_the_gate() {
    let fake = Fake::start().await;
    assert_eq!(run(&fake, "pull_request", &[RISKY]).await.code, 1);
    let body = comment_bodies(&fake)[0].clone();
    fake.with(|s| {
        s.edit_comment(
            0,
            "mallory",
            &common::http::forge_state(&body, common::http::to_pass),
        )
    });
    let statuses_before = statuses(&fake).len();
    let r = run(&fake, "pull_request_review", &[]).await;
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.output("approved"), "false");
    assert_eq!(r.output("status"), "none");
    assert!(
        !r.stdout.contains("No independent approval is required"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("::warning title=foureyes::the foureyes comment's state is ignored: it was edited by mallory"),
        "{}",
        r.stdout
    );
    assert_eq!(
        statuses(&fake).len(),
        statuses_before,
        "the status is left alone"
    );
    fake.with(|s| {
        assert_eq!(
            s.writes().iter().filter(|w| w.method == "PATCH").count(),
            0,
            "an edited comment is not written by a review-event run"
        );
    });
    // Even an independent approval does not open the gate on a state nobody can vouch for.
    fake.with(|s| s.review("ivan", "User", "APPROVED", HEAD, LATER));
    let r = run(&fake, "pull_request_review", &[]).await;
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(statuses(&fake).len(), statuses_before);
    // The next run with the plan rewrites the comment, which is then trusted again; it
    // publishes the findings anew, as it cannot vouch for the time they were first published.
    fake.with(|s| s.clock = "Sun, 22 Nov 2026 10:00:00 GMT".into());
    assert_eq!(run(&fake, "pull_request", &[RISKY]).await.code, 1);
    let r = run(&fake, "pull_request_review", &[]).await;
    assert!(
        r.stdout.contains("ivan: does not count: approved before"),
        "{}",
        r.stdout
    );
}

/// Regression (issue 8): another bot's comment with the marker and a sealed "pass" state
/// opened the gate.
#[tokio::test(flavor = "multi_thread")]
async fn a_state_written_by_another_identity_is_ignored() {
    let fake = Fake::start().await;
    assert_eq!(run(&fake, "pull_request", &[RISKY]).await.code, 1);
    let forged = common::http::forge_state(&comment_bodies(&fake)[0], common::http::to_pass);
    // A fresh pull request where only the forged comment is there.
    let fake = Fake::start().await;
    fake.with(|s| s.comment("helpful-app[bot]", "Bot", &forged));
    let r = run(&fake, "pull_request_review", &[]).await;
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.output("approved"), "false");
    assert!(
        r.stdout.contains("not written by this job's identity"),
        "{}",
        r.stdout
    );
    assert!(statuses(&fake).is_empty());
    // A run with the plan does not take it over either: it posts its own.
    assert_eq!(run(&fake, "pull_request", &[RISKY]).await.code, 1);
    let bodies = comment_bodies(&fake);
    assert_eq!(bodies.len(), 2);
    assert_eq!(
        bodies[0], forged,
        "the other identity's comment is left alone"
    );
}

/// Regression (issue 8): in a review-event run, a state saying "pass" gave exit 0,
/// `approved=true` and "No independent approval is required".
#[tokio::test(flavor = "multi_thread")]
async fn a_review_event_opens_the_gate_only_on_a_counted_approval() {
    let fake = Fake::start().await;
    let plan = run(&fake, "pull_request", &[ORDINARY]).await;
    assert_eq!(plan.code, 0);
    assert_eq!(
        plan.output("approved"),
        "true",
        "the run with the plan decides a pass"
    );
    assert_eq!(statuses(&fake).len(), 1);
    let r = run(&fake, "pull_request_review", &[]).await;
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.output("approved"), "false");
    assert_eq!(r.output("verdict"), "pass");
    assert_eq!(r.output("status"), "none");
    assert!(
        r.stdout
            .contains("the run with the plan decided there was nothing to approve")
            && r.stdout.contains("this run can only count approvals"),
        "{}",
        r.stdout
    );
    assert!(
        r.summary.contains("this run can only count approvals"),
        "{}",
        r.summary
    );
    assert_eq!(
        statuses(&fake).len(),
        1,
        "the plan run's status is left alone"
    );
    // An independent approval of the head, counted in this run, opens it.
    fake.with(|s| s.review("ivan", "User", "APPROVED", HEAD, LATER));
    let r = run(&fake, "pull_request_review", &[]).await;
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.output("approved"), "true");
    assert_eq!(
        statuses(&fake).last().cloned(),
        Some(("success".into(), "Independently approved by ivan".into()))
    );
}

/// When GitHub cannot say who wrote or edited the comment, its state is not used: review runs
/// decide nothing, and plan runs publish the findings as new.
#[tokio::test(flavor = "multi_thread")]
async fn when_graphql_fails_the_state_is_not_trusted() {
    let fake = Fake::start().await;
    assert_eq!(run(&fake, "pull_request", &[RISKY]).await.code, 1);
    fake.with(|s| {
        s.review("ivan", "User", "APPROVED", HEAD, LATER);
        s.graphql_errors = true;
        s.echo = true;
    });
    let before = statuses(&fake).len();
    let r = run(&fake, "pull_request_review", &[]).await;
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("cannot tell who wrote or edited the foureyes comment"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("***"),
        "the echoed token is masked: {}",
        r.stdout
    );
    assert_eq!(statuses(&fake).len(), before);
    // The run with the plan does not carry the time of publication over from it.
    fake.with(|s| s.clock = "Sun, 22 Nov 2026 10:00:00 GMT".into());
    let r = run(&fake, "pull_request", &[RISKY]).await;
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("ivan: does not count: approved before"),
        "{}",
        r.stdout
    );
    // With GitHub answering again, the same plan keeps the time, and ivan's approval counts.
    fake.with(|s| s.graphql_errors = false);
    let r = run(&fake, "pull_request", &[RISKY]).await;
    assert_eq!(r.code, 1, "published at 10:00 by the run before");
    fake.with(|s| {
        s.clock = "Sun, 22 Nov 2026 12:00:00 GMT".into();
        s.review("ivan", "User", "APPROVED", HEAD, "2026-11-22T11:00:00Z");
    });
    let r = run(&fake, "pull_request", &[RISKY]).await;
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

/// A comment of an older foureyes is found and rewritten, and its state is not used.
#[tokio::test(flavor = "multi_thread")]
async fn a_state_of_an_older_schema_is_ignored_and_rewritten() {
    let fake = Fake::start().await;
    fake.with(|s| {
        s.comment(
            fake::VIEWER,
            "Bot",
            "<!-- foureyes:comment key=\"default\" schema=1 fingerprint=abc -->\n\nold\n\n<!-- foureyes:state e30= -->\n",
        )
    });
    let r = run(&fake, "pull_request_review", &[]).await;
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("has schema 1"), "{}", r.stdout);
    assert!(statuses(&fake).is_empty());
    assert_eq!(run(&fake, "pull_request", &[RISKY]).await.code, 1);
    let bodies = comment_bodies(&fake);
    assert_eq!(bodies.len(), 1, "updated in place");
    assert!(bodies[0].starts_with("<!-- foureyes:comment key=\"default\" schema=2 seal="));
}

/// Regression (issue 8): 1,000 findings made a comment over 65,536 characters; GitHub
/// refused it, and the gate could never open.
#[tokio::test(flavor = "multi_thread")]
async fn a_thousand_findings_fit_one_comment_and_the_gate_still_opens() {
    let fake = Fake::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let plan = common::many_findings_plan(dir.path(), 1000);
    let r = run(&fake, "pull_request", &[plan.to_str().expect("utf-8")]).await;
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.output("findings"), "1000");
    let bodies = comment_bodies(&fake);
    assert_eq!(bodies.len(), 1, "{}", r.stdout);
    let body = &bodies[0];
    assert!(
        body.chars().count() <= fake::COMMENT_LIMIT,
        "{}",
        body.chars().count()
    );
    assert!(body.contains("Independent approval required"), "{body}");
    assert!(body.contains("1000"), "the counts: {body}");
    assert!(body.contains("The full report is in the [job summary](https://github.example/acme/infra/actions/runs/42)"), "{body}");
    assert!(body
        .lines()
        .last()
        .is_some_and(|l| l.starts_with("<!-- foureyes:state ")));
    // The job summary has the whole report, within GitHub's limit.
    assert!(r.summary.len() <= 1024 * 1024, "{}", r.summary.len());
    assert!(
        r.summary.contains("role\\-999"),
        "every finding is in the summary"
    );
    assert_eq!(
        statuses(&fake)[0],
        (
            "failure".into(),
            "Needs an independent approval: 1000 findings, worst critical".into()
        )
    );
    fake.with(|s| s.review("ivan", "User", "APPROVED", HEAD, LATER));
    let gate = run(&fake, "pull_request_review", &[]).await;
    assert_eq!(gate.code, 0, "{}{}", gate.stdout, gate.stderr);
}

/// When GitHub refuses the comment, a short one with the state is posted instead; when it
/// refuses that too, the gate is set from the run's own review all the same.
#[tokio::test(flavor = "multi_thread")]
async fn a_refused_comment_falls_back_to_a_short_one_and_never_holds_the_gate() {
    let fake = Fake::start().await;
    let comments = format!("/repos/{REPO}/issues/{NUMBER}/comments");
    fake.with(|s| s.fail("POST", comments.clone(), 422, vec![]));
    let r = run(&fake, "pull_request", &[RISKY]).await;
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let bodies = comment_bodies(&fake);
    assert_eq!(bodies.len(), 1);
    assert!(
        bodies[0].contains("Independent approval required"),
        "{}",
        bodies[0]
    );
    assert!(bodies[0].contains("The full report is in"), "{}", bodies[0]);
    assert!(bodies[0].contains("<!-- foureyes:state "));
    assert!(
        r.stdout.contains(
            "a short comment with the verdict, the counts and the state was posted instead"
        ),
        "{}",
        r.stdout
    );
    assert_eq!(statuses(&fake)[0].0, "failure");
    // The short comment is enough to count an approval.
    fake.with(|s| s.review("ivan", "User", "APPROVED", HEAD, LATER));
    assert_eq!(run(&fake, "pull_request_review", &[]).await.code, 0);

    // Nothing can be posted: a run that needs no approval still opens the gate, and says so.
    let fake = Fake::start().await;
    fake.with(|s| {
        s.fail("POST", comments.clone(), 422, vec![]);
        s.fail("POST", comments.clone(), 500, vec![]);
        for _ in 0..4 {
            s.fail("POST", comments.clone(), 502, vec![]);
        }
    });
    let r = run(&fake, "pull_request", &[ORDINARY]).await;
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(comment_bodies(&fake).is_empty());
    assert_eq!(
        statuses(&fake),
        [("success".into(), "No independent approval required".into())]
    );
    assert!(
        r.stdout.contains("the short comment was refused too")
            && r.stdout
                .contains("the status was set from this run's review regardless"),
        "{}",
        r.stdout
    );
}

/// Regression (issue 8): an API that echoed the token put it in the log, the warnings and
/// the job summary. `run` checks every output and request; here the API echoes it everywhere
/// it can.
#[tokio::test(flavor = "multi_thread")]
async fn the_token_is_masked_wherever_the_api_echoes_it() {
    let fake = Fake::start().await;
    fake.with(|s| {
        s.echo = true;
        // Refused writes, whose messages echo the token.
        s.fail(
            "POST",
            format!("/repos/{REPO}/issues/{NUMBER}/comments"),
            403,
            vec![],
        );
        s.fail(
            "POST",
            format!("/repos/{REPO}/issues/{NUMBER}/comments"),
            403,
            vec![],
        );
        // An account whose login is the token approves, independently.
        s.review(TOKEN, "User", "APPROVED", HEAD, LATER);
    });
    let r = run(
        &fake,
        "pull_request",
        &["--approver", "acme/security", RISKY],
    )
    .await;
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("GitHub answered 403"), "{}", r.stdout);
    assert!(
        r.stdout.contains("*** ***"),
        "echoed and masked: {}",
        r.stdout
    );
    assert!(r.summary.contains("***"), "{}", r.summary);
    // Without the approver list, the token-named account counts: in the status and outputs.
    let r = run(&fake, "pull_request", &[RISKY]).await;
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.output("approved-by"), "***");
    assert!(r.output("comment-url").contains("***"), "{}", r.outputs);
    assert_eq!(
        statuses(&fake).last().cloned(),
        Some(("success".into(), "Independently approved by ***".into()))
    );
    // An error that stops the run is masked too, in the final `error:` line.
    fake.with(|s| s.fail("GET", format!("/repos/{REPO}/pulls/{NUMBER}"), 401, vec![]));
    let r = run(&fake, "pull_request_review", &[]).await;
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .starts_with("error: reading pull request #7 of acme/infra: GitHub answered 401"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("***"), "{}", r.stderr);
}

/// Regression (issue 8): an API that never answered held the job for 308 s.
#[tokio::test(flavor = "multi_thread")]
async fn a_github_that_never_answers_is_given_up_on_at_the_request_timeout() {
    let mut fake = Fake::start().await;
    // An earlier review of the same head found nothing to approve.
    assert_eq!(run(&fake, "pull_request", &[ORDINARY]).await.code, 0);
    assert_eq!(statuses(&fake)[0].0, "success");
    fake.slow(
        &format!("/repos/{REPO}/pulls/{NUMBER}/reviews"),
        fake::Slow::Never,
    )
    .await;
    let r = run(&fake, "pull_request", &["--request-timeout", "1", RISKY]).await;
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert_eq!(
        r.stderr.trim_end(),
        "error: reading the reviews of pull request #7: GitHub did not answer within 1 s \
         (--request-timeout)"
    );
    // The gate does not go on saying what the earlier review decided.
    assert_eq!(
        statuses(&fake).last().cloned(),
        Some((
            "failure".into(),
            "Needs an independent approval: 1 finding, worst critical".into()
        ))
    );
    fake.with(|s| {
        let asked = s
            .seen
            .iter()
            .filter(|r| r.path.ends_with("/reviews"))
            .count();
        assert_eq!(
            asked, 0,
            "the request never reached the API behind the proxy"
        );
    });
}

/// Regression (issue 8): an API that sent one byte every 20 s held the job past 600 s.
#[tokio::test(flavor = "multi_thread")]
async fn a_drip_fed_answer_hits_the_request_deadline() {
    let mut fake = Fake::start().await;
    fake.with(|s| {
        for i in 0..5 {
            s.review(&format!("watcher{i}"), "User", "COMMENTED", HEAD, LATER);
        }
    });
    // Some 500 bytes at one per 100 ms: 50 s, against a deadline of 2 s.
    fake.slow(
        &format!("/repos/{REPO}/pulls/{NUMBER}/reviews"),
        fake::Slow::Drip(std::time::Duration::from_millis(100)),
    )
    .await;
    let r = run(&fake, "pull_request", &["--request-timeout", "2", RISKY]).await;
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains(
            "error: reading the reviews of pull request #7: GitHub did not answer within 2 s"
        ),
        "{}",
        r.stderr
    );
    fake.with(|s| {
        let asked = s
            .seen
            .iter()
            .filter(|r| r.path.ends_with("/reviews"))
            .count();
        assert_eq!(asked, 1, "answered by the API, and not asked again");
    });
}

/// The whole run has a time limit, and rate-limit waits and retries count against it.
#[tokio::test(flavor = "multi_thread")]
async fn the_run_gives_up_at_its_time_limit() {
    let fake = Fake::start().await;
    fake.with(|s| {
        s.fail(
            "GET",
            format!("/repos/{REPO}/pulls/{NUMBER}/reviews"),
            429,
            vec![("retry-after", "3600")],
        )
    });
    let r = run(&fake, "pull_request", &["--timeout", "5", RISKY]).await;
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("error: reading the reviews of pull request #7: GitHub rate-limited the request (429), and waiting 3600 s more would take longer than the run has left (the run's time limit is 5 s, --timeout)"),
        "{}",
        r.stderr
    );
    // A request that does not answer is cut at the run's limit, before its own.
    let mut fake = Fake::start().await;
    fake.slow(
        &format!("/repos/{REPO}/pulls/{NUMBER}/reviews"),
        fake::Slow::Never,
    )
    .await;
    let r = run(&fake, "pull_request", &["--timeout", "2", RISKY]).await;
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("error: reading the reviews of pull request #7: GitHub had not answered when the run's time ran out (the run's time limit is 2 s, --timeout)"),
        "{}",
        r.stderr
    );
}

/// The sticky comment says who approved which commit and why they count, and when an
/// approval is withdrawn, dismissed or goes stale; the review-event run changes nothing else.
#[tokio::test(flavor = "multi_thread")]
async fn the_comment_shows_approvals_as_they_come_and_go() {
    let fake = Fake::start().await;
    assert_eq!(run(&fake, "pull_request", &[RISKY]).await.code, 1);
    let original = common::plain(&comment_bodies(&fake)[0]);
    assert!(
        original.contains("Waiting for an independent approval"),
        "{original}"
    );
    let state = |b: &str| {
        (
            b.lines().next().map(str::to_owned),
            b.lines().last().map(str::to_owned),
        )
    };

    fake.with(|s| s.review("ivan", "User", "APPROVED", HEAD, LATER));
    assert_eq!(run(&fake, "pull_request_review", &[]).await.code, 0);
    let body = common::plain(&comment_bodies(&fake)[0]);
    assert!(body.contains("Approved by ivan"), "{body}");
    assert!(
        body.contains("**ivan** approved commit `111111111111` (the head) at 2026-11-22T09:00:00Z: counts, as any independent reviewer may approve: not the pull request's author, nor an author, committer or co-author of its commits, a bot or the pipeline"),
        "{body}"
    );
    assert_eq!(state(&body), state(&original));

    // Withdrawn.
    fake.with(|s| s.review("ivan", "User", "CHANGES_REQUESTED", HEAD, LATER));
    assert_eq!(run(&fake, "pull_request_review", &[]).await.code, 1);
    let body = common::plain(&comment_bodies(&fake)[0]);
    assert!(
        body.contains("**ivan** does not count: requested changes, withdrawing their approval"),
        "{body}"
    );
    assert_eq!(statuses(&fake).last().expect("a status").0, "failure");

    // Dismissed.
    fake.with(|s| {
        s.review("judy", "User", "APPROVED", HEAD, LATER);
        s.review("judy", "User", "DISMISSED", HEAD, LATER);
    });
    assert_eq!(run(&fake, "pull_request_review", &[]).await.code, 1);
    let body = common::plain(&comment_bodies(&fake)[0]);
    assert!(
        body.contains("**judy** does not count: their approval was dismissed"),
        "{body}"
    );
    assert_eq!(state(&body), state(&original));

    // Stale: new commits were pushed, and the plan run for them has not finished.
    fake.with(|s| s.head = "3333333333333333333333333333333333333333".into());
    let r = run(&fake, "pull_request_review", &[]).await;
    assert_eq!(r.code, 1);
    let body = common::plain(&comment_bodies(&fake)[0]);
    assert!(
        body.contains("New commits were pushed: the head is now 333333333333"),
        "{body}"
    );
    assert!(
        body.contains("Approvals of 111111111111 no longer count"),
        "{body}"
    );
    assert_eq!(state(&body), state(&original));
    fake.with(|s| {
        assert_eq!(s.writes().iter().filter(|w| w.method == "PATCH").count(), 4);
    });
}

/// Regression (issue 8): a `Co-authored-by:` address used by a linked commit author was not
/// linked to that account, so other reviewers' approvals hung on profile lookups.
#[tokio::test(flavor = "multi_thread")]
async fn a_co_author_address_of_a_linked_commit_author_is_that_account() {
    let fake = Fake::start().await;
    fake.with(|s| {
        s.commits[1]["commit"]["message"] =
            "Stop the trail\n\nCo-authored-by: Erin <erin@corp.example>".into();
        s.commits.push(serde_json::json!({
            "sha": "4444444444444444444444444444444444444444",
            "commit": {
                "message": "Fix a typo",
                "author": { "name": "erin", "email": "Erin@corp.example" },
                "committer": { "name": "erin", "email": "Erin@corp.example" },
            },
            "author": { "login": "erin-work", "type": "User" },
            "committer": { "login": "erin-work", "type": "User" },
        }));
    });
    assert_eq!(
        run(&fake, "pull_request", &[RISKY]).await.code,
        1,
        "published first"
    );
    fake.with(|s| {
        s.review("erin-work", "User", "APPROVED", HEAD, LATER);
        s.review("ivan", "User", "APPROVED", HEAD, LATER);
        // Profiles cannot be read: nobody's approval may hang on them.
        s.fail("GET", "/users/".into(), 403, vec![]);
        s.fail("GET", "/users/".into(), 403, vec![]);
    });
    let r = run(&fake, "pull_request_review", &[]).await;
    assert!(
        r.stdout
            .contains("erin-work: does not count: co-author of 111111111111"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("ivan: counts"), "{}", r.stdout);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

/// A pass over identity changes foureyes does not model is a partial pass in the comment and
/// the status too, never a clean one (issue 9).
#[tokio::test(flavor = "multi_thread")]
async fn a_partial_pass_says_so_in_the_comment_and_the_status() {
    let fake = Fake::start().await;
    let r = run(&fake, "pull_request", &["testdata/coverage/gcp-iam.json"]).await;
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let body = &comment_bodies(&fake)[0];
    assert!(body.contains("### :warning: Partial pass"), "{body}");
    assert!(
        body.contains("google\\_spanner\\_database\\_iam\\_member"),
        "{body}"
    );
    assert_eq!(
        statuses(&fake)[0],
        (
            "success".into(),
            "Partial pass: 3 identity or audit changes foureyes does not model".into()
        )
    );
}
