//! `foureyes gitlab` against a local stand-in for the GitLab API (`tests/common/gitlab.rs`):
//! the sticky note, the independent-approval gate on approvals and the times GitLab gives
//! them, the commit status, the changed files, retries, deadlines and tokens; and, in
//! `standin`, the stand-in's own behaviour.
//!
//! NOTE(lead): wording. Where the words of a message are the GitLab forge's to choose, the
//! tests assert a stable fragment and say so.

mod common;
#[path = "common/gitlab.rs"]
mod fake;

use fake::{Fake, Run, HEAD, JOB_URL, MERGE_BASE, PAGE, PROJECT_ID, TOKEN};
use serde_json::json;

/// A plan that needs an independent approval.
const RISKY: &str = "testdata/example/plan.json";
/// Another, with other findings.
const RISKY_TOO: &str = "testdata/plans/privilege-and-evidence/trail-stopped.json";
/// A plan that needs none.
const ORDINARY: &str = "testdata/plans/precision/new-service.json";
/// After the fake's clock (08:00): approvals given once the note is there.
const LATER: &str = "2026-11-22T09:00:00.000Z";
/// After the head was pushed (07:30), before foureyes published anything (08:00).
const EARLIER: &str = "2026-11-22T07:45:00.000Z";
/// Before the head was pushed (07:30): an approval of the older commit.
const STALE: &str = "2026-11-22T07:15:00.000Z";
/// The status's name.
const STATUS: &str = "foureyes/independent-approval";

/// Run `foureyes gitlab ARGS` as a merge-request pipeline would, against the fake.
async fn run(fake: &Fake, args: &[&str]) -> Run {
    fake::run(fake, args, TOKEN).await
}

/// (state, description) of every status set, in order.
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

/// The bodies of the notes the token's identity wrote, oldest first.
/// The bodies of foureyes' own notes, without the seal on their last line (checked to be
/// there: every note foureyes writes is sealed).
fn own_bodies(fake: &Fake) -> Vec<String> {
    fake.with(|s| {
        s.own_notes()
            .iter()
            .map(|n| {
                let body = n["body"].as_str().unwrap_or_default();
                let (text, seal) = body.rsplit_once('\n').expect("a sealed note");
                assert!(
                    seal.starts_with("<!-- foureyes:note-seal ") && seal.ends_with(" -->"),
                    "the note ends with its seal: {seal}"
                );
                text.to_owned()
            })
            .collect()
    })
}

/// How many requests of `method` went to paths (below `/api/v4`) that start with `prefix`.
fn count(fake: &Fake, method: &str, prefix: &str) -> usize {
    fake.with(|s| {
        s.asked(prefix)
            .iter()
            .filter(|r| r.method == method)
            .count()
    })
}

fn mr() -> String {
    fake::mr_path()
}

#[track_caller]
fn assert_has(text: &str, want: &str) {
    assert!(text.contains(want), "missing `{want}` in:\n{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn first_run_creates_one_note_and_the_next_updates_it() {
    let fake = Fake::start().await;
    let first = run(&fake, &[RISKY]).await;
    assert_eq!(first.code, 1, "{}{}", first.stdout, first.stderr);
    let bodies = own_bodies(&fake);
    assert_eq!(bodies.len(), 1);
    assert!(
        bodies[0].starts_with("<!-- foureyes:comment key=\"default\""),
        "{}",
        bodies[0]
    );
    assert_has(&bodies[0], "Independent approval required");
    assert_has(&bodies[0], STATUS);
    assert!(bodies[0].chars().count() <= fake::NOTE_LIMIT);
    fake.with(|s| {
        assert_eq!(s.statuses.len(), 1);
        let status = &s.statuses[0];
        assert_eq!(status["sha"], HEAD);
        assert_eq!(status["state"], "failed");
        assert_eq!(status["name"], STATUS);
        assert_eq!(status["target_url"], JOB_URL);
        // The token went to GitLab as the credentials, and only there.
        assert!(s
            .seen
            .iter()
            .all(|r| r.authorization.contains(TOKEN) || r.private_token == TOKEN));
    });
    assert!(statuses(&fake)[0]
        .1
        .starts_with("Needs an independent approval"));
    assert_eq!(first.output("verdict"), "approval_required");
    assert_eq!(first.output("approved"), "false");
    // NOTE(lead): the shared outputs say `failure`; GitLab's word for the state is `failed`.
    assert!(
        matches!(first.output("status"), "failure" | "failed"),
        "{}",
        first.dotenv
    );
    assert_has(&first.report, "Independent approval required");

    // The same plan again: the note is left alone.
    let again = run(&fake, &[RISKY]).await;
    assert_eq!(again.code, 1, "{}{}", again.stdout, again.stderr);
    assert_eq!(own_bodies(&fake), bodies);
    assert_eq!(count(&fake, "PUT", &format!("{}/notes/", mr())), 0);

    // Another plan: the same note is updated in place.
    let second = run(&fake, &[ORDINARY]).await;
    assert_eq!(second.code, 0, "{}{}", second.stdout, second.stderr);
    let after = own_bodies(&fake);
    assert_eq!(after.len(), 1, "never a second note");
    assert_ne!(after[0], bodies[0]);
    assert_has(&after[0], "No independent approval required");
    assert_eq!(statuses(&fake).last().expect("a status").0, "success");
    assert_eq!(second.output("verdict"), "pass");
    assert_eq!(count(&fake, "PUT", &format!("{}/notes/", mr())), 1);
    assert_eq!(count(&fake, "POST", &format!("{}/notes", mr())), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_key_gives_each_plan_its_own_note_and_status_and_a_human_marker_is_ignored() {
    let fake = Fake::start().await;
    // Someone pastes a marker that claims a pass.
    let pasted = "<!-- foureyes:comment key=\"default\" schema=2 seal=x -->\nall fine";
    fake.with(|s| s.note("heidi", pasted));
    let r = run(&fake, &["--comment-key", "prod/eu", RISKY_TOO]).await;
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    // The other plan passes: its status must not overwrite the first one's.
    let r = run(&fake, &[ORDINARY]).await;
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let named: Vec<(String, String)> = fake.with(|s| {
        s.statuses
            .iter()
            .map(|v| (v["name"].to_string(), v["state"].to_string()))
            .collect()
    });
    assert_eq!(
        named,
        [
            (format!("\"{STATUS}/prod/eu\""), "\"failed\"".to_owned()),
            (format!("\"{STATUS}\""), "\"success\"".to_owned()),
        ]
    );
    let bodies = fake.with(|s| s.bodies());
    assert_eq!(bodies.len(), 3, "heidi's, and one per key: {bodies:#?}");
    assert_eq!(bodies[0], pasted, "heidi's note is left alone");
    assert!(bodies[1].starts_with("<!-- foureyes:comment key=\"prod/eu\""));
    assert!(bodies[2].starts_with("<!-- foureyes:comment key=\"default\""));
    // A run without the plan for one key reads its own note.
    let gate = run(&fake, &["--comment-key", "prod/eu"]).await;
    assert_eq!(gate.code, 1, "{}{}", gate.stdout, gate.stderr);
}

/// On GitLab, commits are not linked to accounts: an approver is compared with the names and
/// emails git recorded, through their profile (name, public email) and GitLab's no-reply
/// addresses. Approvals carry no commit: one given before the head was pushed approved an
/// older version.
#[tokio::test(flavor = "multi_thread")]
async fn approvals_by_the_author_the_change_s_people_bots_the_pipeline_or_too_early_do_not_count() {
    let fake = Fake::start().await;
    assert_eq!(run(&fake, &[RISKY]).await.code, 1);
    fake.with(|s| {
        // Bob by his profile's name only, and by his public email only.
        s.set_user(30, "robert", "Bob", "", false);
        s.set_user(31, "bobby", "Bobby Tables", "bob@example.com", false);
        for who in [
            "alice",
            "bob",
            "robert",
            "bobby",
            "carol",
            "dave",
            "renovate-bot",
            "project_1234_bot_77aa",
            "group_55_bot_1234",
            "ci-deploy",
        ] {
            s.approve(who, Some(LATER));
        }
        s.approve("erin", Some(STALE)); // before the head was pushed
        s.approve("frank", Some(EARLIER)); // before the findings
    });
    let r = run(&fake, &["--pipeline-principal", "gitlab:user/ci-deploy"]).await;
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    for line in [
        "alice: does not count: the merge request's author",
        // NOTE(lead): wording: which commit is named first depends on the order the forge
        // reads the commits in (GitLab lists them newest first).
        "bob: does not count: author of ",
        "robert: does not count: author of ",
        "bobby: does not count: author of ",
        "carol: does not count: committer of ",
        "dave: does not count: co-author of 111111111111",
        "renovate-bot: does not count: a bot",
        "project_1234_bot_77aa: does not count: a bot",
        "group_55_bot_1234: does not count: a bot",
        "ci-deploy: does not count: the pipeline identity",
        // NOTE(lead): wording: `approved an older commit (000000000000)` or `approved before
        // the head commit ... was pushed`.
        "erin: does not count: approved ",
        "frank: does not count: approved before the current findings were published",
    ] {
        assert_has(&r.stdout, line);
    }
    assert!(
        !r.stdout
            .contains("erin: does not count: approved before the current findings"),
        "erin's approval is stale because of the push, not the findings: {}",
        r.stdout
    );
    assert_eq!(r.output("approved"), "false");
    assert_eq!(r.output("approved-by"), "");
    assert_eq!(statuses(&fake).last().expect("a status").0, "failed");
}

/// A co-author is known by GitLab's no-reply address (`ID-USERNAME@users.noreply.HOST`), and
/// by the name on their profile when the address is another.
#[tokio::test(flavor = "multi_thread")]
async fn a_co_author_is_known_by_the_no_reply_address_and_by_name() {
    for trailer in [
        "Co-authored-by: Someone <42-dave@users.noreply.gitlab.example>",
        "Co-authored-by: Dave D <dave@corp.example>",
    ] {
        let fake = Fake::start().await;
        fake.with(|s| {
            s.commits[1]["message"] = format!("Stop the trail\n\n{trailer}").into();
        });
        assert_eq!(run(&fake, &[RISKY]).await.code, 1);
        fake.with(|s| {
            s.approve("dave", Some(LATER));
            s.approve("ivan", Some(LATER));
        });
        let r = run(&fake, &[]).await;
        assert_has(&r.stdout, "dave: does not count: co-author of 111111111111");
        assert_has(&r.stdout, "ivan: counts");
        assert_eq!(r.code, 0, "{trailer}: {}{}", r.stdout, r.stderr);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_independent_approval_opens_the_gate_without_the_plan() {
    let fake = Fake::start().await;
    assert_eq!(run(&fake, &[RISKY]).await.code, 1);
    let before = own_bodies(&fake)[0].clone();
    fake.with(|s| {
        for who in ["erin", "frank", "grace", "heidi"] {
            s.note(who, "looks fine to me");
        }
        s.approve("ivan", Some(LATER));
    });
    let r = run(&fake, &[]).await;
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_has(&r.stdout, "ivan: counts");
    // The note names the approver; its marker and state are as the plan run wrote them.
    let after = own_bodies(&fake)[0].clone();
    assert_ne!(after, before);
    let approval = &after[after
        .find("<!-- foureyes:approval -->")
        .expect("an approval section")..];
    assert_has(&common::plain(approval), "ivan");
    assert_eq!(after.lines().next(), before.lines().next());
    assert_eq!(after.lines().last(), before.lines().last());
    assert_eq!(r.output("approved"), "true");
    assert_eq!(r.output("approved-by"), "ivan");
    assert_eq!(r.output("status"), "success");
    assert_eq!(
        statuses(&fake).last().cloned(),
        Some(("success".into(), "Independently approved by ivan".into()))
    );
    fake.with(|s| {
        // Every note was read: there are more than a page of them.
        assert!(s.notes.len() > PAGE);
        assert!(
            s.asked(&format!("{}/notes", mr()))
                .iter()
                .any(|r| r.method == "GET" && r.query.contains("page=2")),
            "the second page of notes was read"
        );
        assert!(!s.asked(&format!("{}/approvals", mr())).is_empty());
        // The status went on the head commit, under its stable name, linking the job.
        assert!(s
            .statuses
            .iter()
            .all(|v| v["sha"] == HEAD && v["name"] == STATUS && v["target_url"] == JOB_URL));
        // Only the approval section was rewritten (`run` checks that nothing approved).
        assert_eq!(
            s.writes()
                .iter()
                .filter(|w| w.method == "PUT" && w.api_path().contains("/notes/"))
                .count(),
            1
        );
    });

    // New findings, published later, need a new approval.
    fake.with(|s| s.clock = "Sun, 22 Nov 2026 10:00:00 GMT".into());
    let r = run(&fake, &[RISKY_TOO]).await;
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_has(
        &r.stdout,
        "ivan: does not count: approved before the current findings",
    );
    assert_eq!(statuses(&fake).last().expect("a status").0, "failed");
}

/// GitLab gives `approved_at` only in newer versions; the time then comes from the system
/// note GitLab wrote for the approval, never from a note anyone could write.
#[tokio::test(flavor = "multi_thread")]
async fn without_approved_at_the_time_is_the_system_note_s_and_without_either_it_does_not_count() {
    let fake = Fake::start().await;
    fake.with(|s| s.approved_at = false);
    assert_eq!(run(&fake, &[RISKY]).await.code, 1);
    fake.with(|s| s.approve("ivan", Some(LATER)));
    let r = run(&fake, &[]).await;
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_has(&r.stdout, "ivan: counts");

    // No time anywhere: judy's approval cannot be placed after the findings.
    let fake = Fake::start().await;
    fake.with(|s| s.approved_at = false);
    assert_eq!(run(&fake, &[RISKY]).await.code, 1);
    fake.with(|s| {
        s.approve("judy", None);
        // A note that reads like GitLab's is not one of GitLab's.
        s.clock = "Sun, 22 Nov 2026 09:00:00 GMT".into();
        s.note("judy", "approved this merge request");
    });
    let r = run(&fake, &[]).await;
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    // NOTE(lead): wording of why.
    assert_has(&r.stdout, "judy: does not count");
    assert_eq!(r.output("approved"), "false");
}

/// An approval withdrawn in GitLab no longer counts; a push after it makes it stale.
#[tokio::test(flavor = "multi_thread")]
async fn a_withdrawn_approval_or_one_before_a_push_no_longer_counts() {
    let fake = Fake::start().await;
    assert_eq!(run(&fake, &[RISKY]).await.code, 1);
    fake.with(|s| s.approve("ivan", Some(LATER)));
    assert_eq!(run(&fake, &[]).await.code, 0);
    fake.with(|s| {
        s.clock = "Sun, 22 Nov 2026 09:10:00 GMT".into();
        s.unapprove("ivan");
    });
    let r = run(&fake, &[]).await;
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(statuses(&fake).last().expect("a status").0, "failed");

    fake.with(|s| s.approve("ivan", Some("2026-11-22T09:20:00.000Z")));
    assert_eq!(run(&fake, &[]).await.code, 0);
    // A new commit is pushed; ivan approved the one before.
    let newer = "5555555555555555555555555555555555555555";
    fake.with(|s| {
        s.clock = "Sun, 22 Nov 2026 10:00:00 GMT".into();
        s.push(newer, "2026-11-22T09:30:00.000Z");
    });
    let r = run(&fake, &[]).await;
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(!r.stdout.contains("ivan: counts"), "{}", r.stdout);
    let r = run(&fake, &[RISKY]).await;
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(!r.stdout.contains("ivan: counts"), "{}", r.stdout);
    fake.with(|s| {
        let last = s.statuses.last().expect("a status");
        assert_eq!(
            (last["sha"].as_str(), last["state"].as_str()),
            (Some(newer), Some("failed"))
        );
    });
}

#[tokio::test(flavor = "multi_thread")]
async fn only_configured_approvers_count_and_review_is_requested_from_them() {
    let fake = Fake::start().await;
    fake.with(|s| {
        s.member("acme/security", "judy");
        // heidi is a reviewer already, and stays one.
        s.reviewers = vec![s.id("heidi")];
        s.approve("ivan", Some(LATER));
    });
    let args = ["--approver", "acme/security", "--approver", "kim", RISKY];
    let r = run(&fake, &args).await;
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_has(
        &r.stdout,
        "ivan: does not count: not one of the configured approvers",
    );
    fake.with(|s| {
        assert_eq!(s.reviewer_updates.len(), 1, "{:?}", s.reviewer_updates);
        let mut set = s.reviewer_updates[0].clone();
        set.sort_unstable();
        assert_eq!(set, [s.id("heidi"), s.id("kim")], "kim added, heidi kept");
    });
    let body = common::plain(&own_bodies(&fake)[0]);
    assert!(
        body.contains("`acme/security`, `kim`") || body.contains("`kim`, `acme/security`"),
        "{body}"
    );
    fake.with(|s| s.approve("judy", Some(LATER)));
    let r = run(&fake, &["--approver", "acme/security"]).await;
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_has(&r.stdout, "judy: counts (a member of acme/security)");
    fake.with(|s| {
        let asked = s.asked("/groups/acme%2Fsecurity/members/");
        assert!(
            !asked.is_empty(),
            "the group's path is encoded: {:?}",
            s.seen
        );
    });
}

/// A top-level group is named `group:NAME`, which `--approver NAME` (a user) cannot say.
#[tokio::test(flavor = "multi_thread")]
async fn a_top_level_group_of_approvers() {
    let fake = Fake::start().await;
    fake.with(|s| {
        s.member("security", "grace");
        s.approve("ivan", Some(LATER));
    });
    assert_eq!(
        run(&fake, &["--approver", "group:security", RISKY])
            .await
            .code,
        1
    );
    fake.with(|s| s.approve("grace", Some(LATER)));
    let r = run(&fake, &["--approver", "group:security"]).await;
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_has(&r.stdout, "grace: counts (a member of security)");
    assert_has(
        &r.stdout,
        "ivan: does not count: not one of the configured approvers",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_502_and_a_429_are_retried() {
    let fake = Fake::start().await;
    fake.with(|s| {
        s.fail("GET", mr(), 502, &[]);
        s.fail(
            "POST",
            format!("/projects/{PROJECT_ID}/statuses/"),
            429,
            &[
                ("retry-after", "1"),
                ("ratelimit-limit", "600"),
                ("ratelimit-remaining", "0"),
                ("ratelimit-reset", "1795334401"),
                ("ratelimit-resettime", "Sun, 22 Nov 2026 08:00:01 GMT"),
            ],
        );
    });
    let r = run(&fake, &[RISKY]).await;
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(own_bodies(&fake).len(), 1);
    assert_eq!(
        statuses(&fake).len(),
        1,
        "the rate-limited status was sent again"
    );
    fake.with(|s| {
        let reads = s
            .seen
            .iter()
            .filter(|r| r.method == "GET" && r.api_path() == mr())
            .count();
        assert!(reads >= 2, "the merge request was read again after the 502");
    });
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_token_is_an_error_that_names_gitlab_token() {
    let fake = Fake::start().await;
    fake.with(|s| s.token = "glpat-anotherToken0123456789".into());
    let r = run(&fake, &[RISKY]).await;
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.starts_with("error: "), "{}", r.stderr);
    assert_has(&r.stderr, "401");
    assert_has(&r.stderr, "GITLAB_TOKEN");
    // NOTE(lead): the review itself still reached the report, as on GitHub the job summary.
    assert_has(&r.report, "Independent approval required");
}

/// A token that may not set statuses (a Guest or Reporter, or without the `api` scope) is
/// told what it needs.
#[tokio::test(flavor = "multi_thread")]
async fn a_refused_status_names_the_role_and_scope_the_token_needs() {
    let fake = Fake::start().await;
    fake.with(|s| {
        s.fail(
            "POST",
            format!("/projects/{PROJECT_ID}/statuses/"),
            403,
            &[],
        )
    });
    let r = run(&fake, &[RISKY]).await;
    let all = format!("{}{}", r.stdout, r.stderr);
    // NOTE(lead): wording, and whether the run stops (2) or keeps the verdict (1) as on
    // GitHub.
    assert!(r.code == 1 || r.code == 2, "{all}");
    assert_has(&all, "403");
    assert_has(&all, "Developer");
    assert_has(&all, "`api`");
    assert!(statuses(&fake).is_empty());
    // The same with GitLab's answer to a token without the scope.
    let fake = Fake::start().await;
    fake.with(|s| {
        s.fail_with(
            "POST",
            format!("/projects/{PROJECT_ID}/statuses/"),
            403,
            &[],
            Some(json!({
                "error": "insufficient_scope",
                "error_description": "The request requires higher privileges than provided by the access token.",
                "scope": "api",
            })),
        )
    });
    let r = run(&fake, &[RISKY]).await;
    let all = format!("{}{}", r.stdout, r.stderr);
    assert_has(&all, "`api`");
}

/// Regression (issue 8, on GitHub): an API that echoed the token put it in the log. `run`
/// checks every output and request for both tokens; here GitLab echoes them everywhere it
/// can.
#[tokio::test(flavor = "multi_thread")]
async fn the_tokens_are_masked_wherever_the_api_echoes_them() {
    let fake = Fake::start().await;
    fake.with(|s| {
        s.echo = true;
        // Refused writes, whose messages echo the tokens: the note, and the short one.
        for _ in 0..2 {
            s.fail("POST", format!("{}/notes", mr()), 403, &[]);
        }
        // An account whose username is the token approves, independently.
        s.set_user(77, TOKEN, TOKEN, "", false);
        s.approve(TOKEN, Some(LATER));
    });
    let r = run(&fake, &["--approver", "acme/security", RISKY]).await;
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_has(&r.stdout, "403");
    assert_has(&r.stdout, "***");
    // Without the approver list, the token-named account counts: in the status and outputs.
    let r = run(&fake, &[RISKY]).await;
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.output("approved-by"), "***");
    assert_eq!(
        statuses(&fake).last().cloned(),
        Some(("success".into(), "Independently approved by ***".into()))
    );
    // The merge request's `web_url` echoes the tokens too: the note's address, wherever it
    // is written (`run` checks every output), is masked.
    // An error that stops the run is masked too, in the final `error:` line.
    fake.with(|s| s.fail("GET", mr(), 401, &[]));
    let r = run(&fake, &[]).await;
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.starts_with("error: "), "{}", r.stderr);
    assert_has(&r.stderr, "401");
    assert_has(&r.stderr, "***");
}

/// A self-managed GitLab under a path prefix: `CI_API_V4_URL` is
/// `https://host/gitlab/api/v4`, and every request, pages included, stays under it.
#[tokio::test(flavor = "multi_thread")]
async fn a_self_managed_gitlab_under_a_path_prefix_is_reached_through_its_api_url() {
    let fake = Fake::start().await;
    fake.with(|s| s.prefix = "/gitlab".into());
    assert_eq!(run(&fake, &[RISKY]).await.code, 1);
    fake.with(|s| {
        for who in ["erin", "frank", "grace", "heidi"] {
            s.note(who, "a question");
        }
        s.approve("ivan", Some(LATER));
    });
    let r = run(&fake, &[]).await;
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    fake.with(|s| {
        assert!(
            s.seen.iter().all(|r| r.path.starts_with("/gitlab/api/v4/")),
            "{:?}",
            s.seen.iter().map(|r| &r.path).collect::<Vec<_>>()
        );
        assert!(s.seen.iter().any(|r| r.query.contains("page=2")));
    });
}

/// Without `Link` headers (some proxies drop them), `X-Next-Page` says what comes next.
#[tokio::test(flavor = "multi_thread")]
async fn x_next_page_alone_is_enough_to_read_every_page() {
    let fake = Fake::start().await;
    fake.with(|s| s.link_header = false);
    assert_eq!(run(&fake, &[RISKY]).await.code, 1);
    fake.with(|s| {
        for who in ["erin", "frank", "grace", "heidi", "judy"] {
            s.note(who, "a question");
        }
        s.approve("ivan", Some(LATER));
    });
    let r = run(&fake, &[]).await;
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    fake.with(|s| {
        let pages: Vec<&str> = s
            .asked(&format!("{}/notes", mr()))
            .iter()
            .filter(|r| r.method == "GET")
            .map(|r| r.query.as_str())
            .collect();
        assert!(pages.iter().any(|q| q.contains("page=3")), "{pages:?}");
    });
}

/// GitLab writes `Link` headers with its configured external URL, which need not be the
/// host the job reaches it at: the token never goes to another host.
#[tokio::test(flavor = "multi_thread")]
async fn page_links_to_another_host_never_get_the_token() {
    let stranger = wiremock::MockServer::start().await;
    let fake = Fake::start().await;
    fake.with(|s| s.link_base = Some(stranger.uri()));
    assert_eq!(run(&fake, &[RISKY]).await.code, 1);
    fake.with(|s| {
        for who in ["erin", "frank", "grace", "heidi"] {
            s.note(who, "a question");
        }
        s.approve("ivan", Some(LATER));
    });
    let r = run(&fake, &[]).await;
    let received = stranger.received_requests().await.unwrap_or_default();
    assert!(
        received.is_empty(),
        "requests went to the other host: {:?}",
        received
            .iter()
            .map(|r| r.url.to_string())
            .collect::<Vec<_>>()
    );
    // NOTE(lead): with `X-Next-Page` the pages can still all be read from the API's URL.
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn outside_a_merge_request_pipeline_or_without_a_token_it_refuses_with_exit_2() {
    let fake = Fake::start().await;
    let r = fake::run_with(
        &fake,
        &[RISKY],
        TOKEN,
        &[
            ("CI_PIPELINE_SOURCE", Some("push")),
            ("CI_MERGE_REQUEST_IID", None),
        ],
    )
    .await;
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    // NOTE(lead): wording.
    assert_has(&r.stderr, "merge request");
    assert_has(&r.stderr, "push");

    let r = fake::run_with(&fake, &[RISKY], TOKEN, &[("GITLAB_TOKEN", None)]).await;
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert_has(&r.stderr, "GITLAB_TOKEN");
    // NOTE(lead): wording: the job token cannot write notes.
    assert_has(&r.stderr, "CI_JOB_TOKEN");
    fake.with(|s| assert!(s.writes().is_empty(), "{:?}", s.writes()));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_writes_nothing_and_says_what_it_would_do() {
    let fake = Fake::start().await;
    fake.with(|s| s.approve("ivan", Some(EARLIER)));
    let r = run(&fake, &["--dry-run", "--approver", "kim", RISKY]).await;
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    fake.with(|s| assert!(s.writes().is_empty(), "{:?}", s.writes()));
    for text in [
        "Dry run: nothing was written",
        "kim",
        "ivan: does not count",
        "<!-- foureyes:comment key=\"default\"",
    ] {
        assert_has(&r.stdout, text);
    }
}

/// GitLab accepts notes of up to 1,000,000 characters: whatever the size of the change, the
/// note fits, with its state, and the gate can be decided from it.
#[tokio::test(flavor = "multi_thread")]
async fn a_huge_change_still_fits_one_note_with_its_state() {
    let fake = Fake::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let plan = common::many_findings_plan(dir.path(), 4000);
    let r = run(&fake, &[plan.to_str().expect("utf-8")]).await;
    assert_eq!(r.code, 1, "{}", r.stderr);
    let bodies = own_bodies(&fake);
    assert_eq!(bodies.len(), 1, "{}", r.stdout);
    let body = &bodies[0];
    assert!(
        body.chars().count() <= fake::NOTE_LIMIT,
        "{}",
        body.chars().count()
    );
    assert!(body.contains("Independent approval required"), "{body}");
    assert!(body
        .lines()
        .last()
        .is_some_and(|l| l.starts_with("<!-- foureyes:state ")));
    assert_eq!(r.output("findings"), "4000");
    fake.with(|s| s.approve("ivan", Some(LATER)));
    let gate = run(&fake, &[]).await;
    assert_eq!(gate.code, 0, "{}{}", gate.stdout, gate.stderr);
}

/// GitLab lets only a note's author edit it, but an administrator, or another bot, can write
/// a note with the marker and a sealed "pass" state: it is ignored, and a run with the plan
/// posts its own.
#[tokio::test(flavor = "multi_thread")]
async fn a_state_written_by_another_identity_is_ignored() {
    let fake = Fake::start().await;
    assert_eq!(run(&fake, &[RISKY]).await.code, 1);
    let forged = common::http::forge_state(&own_bodies(&fake)[0], common::http::to_pass);
    // A fresh merge request where only the forged note is there, by another token's bot.
    let fake = Fake::start().await;
    fake.with(|s| s.note("project_1234_bot_77aa", &forged));
    let r = run(&fake, &[]).await;
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.output("approved"), "false");
    assert!(statuses(&fake).is_empty());
    // A run with the plan does not take it over either: it posts its own.
    assert_eq!(run(&fake, &[RISKY]).await.code, 1);
    let bodies = fake.with(|s| s.bodies());
    assert_eq!(bodies.len(), 2);
    assert_eq!(bodies[0], forged, "the other identity's note is left alone");
    assert_eq!(own_bodies(&fake).len(), 1);
    fake.with(|s| {
        assert!(
            s.writes()
                .iter()
                .all(|w| !(w.method == "PUT" && w.api_path().contains("/notes/"))),
            "the other identity's note is not written to"
        );
    });
}

/// The CI configuration at the merge base ran foureyes.
const CI_BEFORE: &str = "stages: [test]\nfoureyes:\n  stage: test\n  script:\n    - foureyes gitlab plan.json\nbuild:\n  stage: test\n  script:\n    - make\n";
/// At the head, the foureyes job is gone.
const CI_AFTER: &str = "stages: [test]\nbuild:\n  stage: test\n  script:\n    - make\n";

/// The merge request's files are read through the API (no checkout): the paged `/diffs`, and
/// the controls among them raw at the merge base and at the head; removing the foureyes job
/// from `.gitlab-ci.yml` is control tampering.
#[tokio::test(flavor = "multi_thread")]
async fn the_changed_files_are_read_and_a_removed_foureyes_job_is_control_tampering() {
    let fake = Fake::start().await;
    fake.with(|s| {
        s.echo = true;
        s.diff("docs/old.md", "deleted", None);
        s.diff("modules/app/main.tf", "new", None);
        s.diff(".gitlab-ci.yml", "modified", None);
        s.diff("ci/deploy.yml", "renamed", Some("ci/old-deploy.yml"));
        s.content(MERGE_BASE, ".gitlab-ci.yml", CI_BEFORE);
        s.content(HEAD, ".gitlab-ci.yml", CI_AFTER);
        s.content(
            MERGE_BASE,
            "ci/old-deploy.yml",
            "deploy:\n  script: [make deploy]\n",
        );
        s.content(HEAD, "ci/deploy.yml", "deploy:\n  script: [make deploy]\n");
    });
    let r = run(&fake, &[ORDINARY]).await;
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    fake.with(|s| {
        let pages: Vec<&str> = s
            .asked(&format!("{}/diffs", mr()))
            .iter()
            .map(|r| r.query.as_str())
            .collect();
        assert_eq!(pages.len(), 2, "two pages: {pages:?}");
        // The CI file is read at the merge base and at the head.
        let raw = format!("/projects/{PROJECT_ID}/repository/files/");
        let read: Vec<String> = s
            .asked(&raw)
            .iter()
            .map(|r| format!("{}?{}", r.api_path(), r.query))
            .collect();
        for commit in [MERGE_BASE, HEAD] {
            assert!(
                read.iter()
                    .any(|r| r.contains(".gitlab-ci.yml/raw")
                        && r.contains(&format!("ref={commit}"))),
                "{read:?}"
            );
        }
        // Every path is one segment, its `/` encoded.
        for r in s.asked(&raw) {
            let inner = &r.api_path()[raw.len()..r.api_path().len() - "/raw".len()];
            assert!(!inner.contains('/'), "{}", r.path);
        }
    });
    let body = common::plain(&own_bodies(&fake)[0]);
    assert_has(&body, "control-tampering");
    assert_has(&body, ".gitlab-ci.yml");
    assert_eq!(statuses(&fake).last().map(|s| s.0.as_str()), Some("failed"));
    // With the job kept, nothing to approve.
    fake.with(|s| s.content(HEAD, ".gitlab-ci.yml", CI_BEFORE));
    let r = run(&fake, &[ORDINARY]).await;
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(
        statuses(&fake).last().cloned(),
        Some(("success".into(), "No independent approval required".into()))
    );
}

/// GitLab keeps 1,000 files of a merge request's diff by default and then says `1000+`: the
/// others were not checked, and the gate asks for an approval that says why.
#[tokio::test(flavor = "multi_thread")]
async fn past_gitlab_s_diff_limit_the_check_is_incomplete_and_approval_is_required() {
    let fake = Fake::start().await;
    fake.with(|s| {
        s.page = 100;
        s.diffs.clear();
        for i in 0..1200 {
            s.diff(&format!("modules/m{i}/main.tf"), "modified", None);
        }
    });
    let r = run(&fake, &[ORDINARY]).await;
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let body = common::plain(&own_bodies(&fake)[0]);
    // NOTE(lead): wording of GitLab's limit.
    assert_has(&body, "not all checked for control tampering");
    assert_has(&r.stdout, "not all checked for control tampering");
    assert_eq!(statuses(&fake).last().map(|s| s.0.as_str()), Some("failed"));
}

/// GitLab refuses some repeated statuses (`Cannot transition status via :enqueue from
/// :pending`; the fake, strictly, every repeated state): the run goes on with its verdict.
#[tokio::test(flavor = "multi_thread")]
async fn a_status_gitlab_already_has_is_not_an_error() {
    let fake = Fake::start().await;
    assert_eq!(run(&fake, &[RISKY]).await.code, 1);
    let r = run(&fake, &[RISKY]).await;
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(!r.stderr.contains("error"), "{}", r.stderr);
    assert_eq!(statuses(&fake).len(), 1);
    assert!(
        matches!(r.output("status"), "failure" | "failed"),
        "{}",
        r.dotenv
    );
    fake.with(|s| s.approve("ivan", Some(LATER)));
    assert_eq!(run(&fake, &[]).await.code, 0);
    assert_eq!(statuses(&fake).last().expect("a status").0, "success");
}

/// Regression (issue 8, on GitHub): an API that never answered held the job for 308 s.
#[tokio::test(flavor = "multi_thread")]
async fn a_gitlab_that_never_answers_is_given_up_on_at_the_request_timeout() {
    let mut fake = Fake::start().await;
    fake.slow(&format!("/api/v4{}/approvals", mr()), fake::Slow::Never)
        .await;
    let r = run(&fake, &["--request-timeout", "1", RISKY]).await;
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    // NOTE(lead): wording.
    assert_has(&r.stderr, "did not answer within 1 s (--request-timeout)");
    fake.with(|s| assert!(s.asked(&format!("{}/approvals", mr())).is_empty()));
}

/// Regression (issue 8, on GitHub): an API that sent one byte every 20 s held the job past
/// 600 s.
#[tokio::test(flavor = "multi_thread")]
async fn a_drip_fed_answer_hits_the_request_deadline() {
    let mut fake = Fake::start().await;
    fake.with(|s| {
        for who in ["erin", "frank", "grace", "heidi", "judy"] {
            s.note(who, "a question");
        }
    });
    // Some 1,500 bytes at one per 100 ms, against a deadline of 2 s.
    fake.slow(
        &format!("/api/v4{}/notes", mr()),
        fake::Slow::Drip(std::time::Duration::from_millis(100)),
    )
    .await;
    let r = run(&fake, &["--request-timeout", "2", RISKY]).await;
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert_has(&r.stderr, "did not answer within 2 s");
}

/// The whole run has a time limit, and rate-limit waits count against it.
#[tokio::test(flavor = "multi_thread")]
async fn the_run_gives_up_at_its_time_limit() {
    let fake = Fake::start().await;
    fake.with(|s| {
        s.fail(
            "GET",
            format!("{}/approvals", mr()),
            429,
            &[("retry-after", "3600")],
        )
    });
    let r = run(&fake, &["--timeout", "5", RISKY]).await;
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert_has(&r.stderr, "(429)");
    assert_has(&r.stderr, "--timeout");
}

/// The stand-in itself, through plain HTTP/1.1: these pass without `foureyes gitlab`.
mod standin {
    use super::fake::{self, request, Fake, Transitions, HEAD, JOB_TOKEN, OLD, TOKEN};
    use serde_json::json;

    const AUTH: (&str, &str) = (
        "authorization",
        "Bearer glpat-canaryTOKEN0123456789abcdefghij",
    );

    fn api(path: &str) -> String {
        format!("/api/v4{path}")
    }

    #[tokio::test]
    async fn the_default_token_is_the_one_the_tests_use() {
        assert_eq!(AUTH.1, format!("Bearer {TOKEN}"));
    }

    #[tokio::test]
    async fn notes_are_paged_with_x_next_page_and_link_headers() {
        let fake = Fake::start().await;
        fake.with(|s| {
            for i in 0..7 {
                s.note("erin", &format!("note {i}"));
            }
        });
        // Eight notes: the system note of the push, and seven.
        let target = |page: usize| {
            api(&format!(
                "{}/notes?sort=asc&order_by=created_at&per_page=100&page={page}",
                fake::mr_path()
            ))
        };
        let first = request(&fake, "GET", &target(1), &[AUTH], None).await;
        assert_eq!(first.status, 200, "{}", first.body);
        assert_eq!(first.json().as_array().map(Vec::len), Some(3));
        assert_eq!(first.json()[0]["system"], true, "oldest first");
        assert_eq!(first.json()[1]["body"], "note 0");
        assert_eq!(first.header("x-page"), Some("1"));
        assert_eq!(first.header("x-per-page"), Some("3"));
        assert_eq!(first.header("x-next-page"), Some("2"));
        assert_eq!(first.header("x-total"), Some("8"));
        assert_eq!(first.header("date"), Some("Sun, 22 Nov 2026 08:00:00 GMT"));
        let link = first.header("link").expect("a Link header");
        let next = format!(
            "<http://{}{}>; rel=\"next\"",
            fake.server.address(),
            target(2)
        );
        assert!(link.contains(&next), "{link}");
        let last = request(&fake, "GET", &target(3), &[AUTH], None).await;
        assert_eq!(last.json().as_array().map(Vec::len), Some(2));
        assert_eq!(last.header("x-next-page"), Some(""));
        assert!(!last
            .header("link")
            .unwrap_or_default()
            .contains("rel=\"next\""));
        // Newest first unless asked.
        let newest = request(
            &fake,
            "GET",
            &api(&format!("{}/notes", fake::mr_path())),
            &[AUTH],
            None,
        )
        .await;
        assert_eq!(newest.json()[0]["body"], "note 6");
        // Without Link headers, X-Next-Page alone.
        fake.with(|s| s.link_header = false);
        let first = request(&fake, "GET", &target(1), &[AUTH], None).await;
        assert_eq!(first.header("link"), None);
        assert_eq!(first.header("x-next-page"), Some("2"));
        // Under a path prefix too.
        let prefixed = request(
            &fake,
            "GET",
            &format!("/gitlab{}", target(1)),
            &[AUTH],
            None,
        )
        .await;
        assert_eq!(prefixed.status, 200);
        fake.with(|s| s.link_header = true);
        let prefixed = request(
            &fake,
            "GET",
            &format!("/gitlab{}", target(1)),
            &[AUTH],
            None,
        )
        .await;
        assert!(
            prefixed
                .header("link")
                .unwrap_or_default()
                .contains(&format!("/gitlab{}>; rel=\"next\"", target(2))),
            "{prefixed:?}"
        );
        let other = request(&fake, "GET", &target(1).replace("v4", "v3"), &[AUTH], None).await;
        assert_eq!(other.status, 404);
    }

    #[tokio::test]
    async fn a_note_over_a_million_characters_is_refused() {
        let fake = Fake::start().await;
        let notes = api(&format!("{}/notes", fake::mr_path()));
        let long = "x".repeat(fake::NOTE_LIMIT + 1);
        let refused = request(
            &fake,
            "POST",
            &notes,
            &[AUTH],
            Some(&json!({ "body": long })),
        )
        .await;
        assert_eq!(refused.status, 400);
        assert_eq!(
            refused.json(),
            json!({ "message": { "note": ["is too long (maximum is 1000000 characters)"] } })
        );
        let fits = "é".repeat(fake::NOTE_LIMIT);
        let created = request(
            &fake,
            "POST",
            &notes,
            &[AUTH],
            Some(&json!({ "body": fits })),
        )
        .await;
        assert_eq!(created.status, 201);
        assert_eq!(created.json()["author"]["id"], fake::VIEWER_ID);
        assert_eq!(created.json()["created_at"], "2026-11-22T08:00:00.000Z");
        let missing = request(&fake, "POST", &notes, &[AUTH], Some(&json!({}))).await;
        assert_eq!(missing.status, 400);
    }

    #[tokio::test]
    async fn the_token_is_checked_and_echoed_when_asked() {
        let fake = Fake::start().await;
        let target = api(fake::mr_path().as_str());
        let wrong = request(&fake, "GET", &target, &[("private-token", "nope")], None).await;
        assert_eq!(wrong.status, 401);
        assert_eq!(wrong.json(), json!({ "message": "401 Unauthorized" }));
        let none = request(&fake, "GET", &target, &[], None).await;
        assert_eq!(none.status, 401);
        let ok = request(&fake, "GET", &target, &[("private-token", TOKEN)], None).await;
        assert_eq!(ok.status, 200);
        assert_eq!(ok.json()["sha"], HEAD);
        assert_eq!(ok.json()["diff_refs"]["base_sha"], fake::MERGE_BASE);
        assert_eq!(ok.json()["changes_count"], "1");
        assert!(!ok.body.contains(TOKEN));
        fake.with(|s| s.echo = true);
        let missing = request(&fake, "GET", &api("/nothing"), &[AUTH], None).await;
        assert_eq!(missing.status, 404);
        for secret in [TOKEN, JOB_TOKEN] {
            let text = missing.json()["message"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            for shape in fake::echoes(secret) {
                assert!(text.contains(&shape), "{shape} in {text}");
            }
        }
        let notes = api(&format!("{}/notes", fake::mr_path()));
        let created = request(
            &fake,
            "POST",
            &notes,
            &[AUTH],
            Some(&json!({ "body": "hi" })),
        )
        .await;
        assert!(created.json()["body"]
            .as_str()
            .unwrap_or_default()
            .contains(TOKEN));
        assert_eq!(fake.with(|s| s.bodies()), ["hi"], "stored as sent");
        let mr = request(&fake, "GET", &target, &[AUTH], None).await;
        assert!(mr.json()["web_url"]
            .as_str()
            .unwrap_or_default()
            .contains(TOKEN));
        // Injected failures echo it too, once, then the real answer.
        fake.with(|s| s.fail("GET", fake::mr_path(), 502, &[]));
        let failed = request(&fake, "GET", &target, &[AUTH], None).await;
        assert_eq!(failed.status, 502);
        assert!(failed.body.contains(JOB_TOKEN));
        assert_eq!(
            request(&fake, "GET", &target, &[AUTH], None).await.status,
            200
        );
    }

    #[tokio::test]
    async fn only_a_note_s_author_may_edit_it() {
        let fake = Fake::start().await;
        let theirs = fake.with(|s| s.note("heidi", "mine"));
        let target = |id: u64| api(&format!("{}/notes/{id}", fake::mr_path()));
        let refused = request(
            &fake,
            "PUT",
            &target(theirs),
            &[AUTH],
            Some(&json!({ "body": "x" })),
        )
        .await;
        assert_eq!(refused.status, 403);
        let notes = api(&format!("{}/notes", fake::mr_path()));
        let ours = request(
            &fake,
            "POST",
            &notes,
            &[AUTH],
            Some(&json!({ "body": "a" })),
        )
        .await;
        let id = ours.json()["id"].as_u64().expect("an id");
        fake.with(|s| s.clock = "Sun, 22 Nov 2026 09:00:00 GMT".into());
        let edited = request(
            &fake,
            "PUT",
            &target(id),
            &[AUTH],
            Some(&json!({ "body": "b" })),
        )
        .await;
        assert_eq!(edited.status, 200);
        assert_eq!(edited.json()["body"], "b");
        assert_eq!(edited.json()["created_at"], "2026-11-22T08:00:00.000Z");
        assert_eq!(edited.json()["updated_at"], "2026-11-22T09:00:00.000Z");
        let read = request(&fake, "GET", &target(id), &[AUTH], None).await;
        assert_eq!(read.json()["body"], "b");
        assert!(read.json().get("_editor").is_none());
        assert_eq!(
            request(&fake, "GET", &target(1), &[AUTH], None)
                .await
                .status,
            404
        );
    }

    #[tokio::test]
    async fn quick_actions_in_a_note_run_and_are_recorded() {
        let fake = Fake::start().await;
        let notes = api(&format!("{}/notes", fake::mr_path()));
        let body = "text\n```\n/merge\n```\n> /close\n/approve\n";
        let created = request(
            &fake,
            "POST",
            &notes,
            &[AUTH],
            Some(&json!({ "body": body })),
        )
        .await;
        assert_eq!(created.status, 201);
        assert_eq!(created.json()["body"], "text\n```\n/merge\n```\n> /close\n");
        fake.with(|s| {
            assert_eq!(s.quick_actions, ["/approve"]);
            assert_eq!(s.approvals.last().map(|a| a.user), Some(fake::VIEWER_ID));
            assert_eq!(s.mr_state, "opened");
        });
        let only = request(
            &fake,
            "POST",
            &notes,
            &[AUTH],
            Some(&json!({ "body": "/merge" })),
        )
        .await;
        assert_eq!(only.status, 202);
        fake.with(|s| assert_eq!(s.mr_state, "merged"));
    }

    #[tokio::test]
    async fn approvals_versions_and_commits() {
        let fake = Fake::start().await;
        fake.with(|s| {
            s.approve("ivan", Some("2026-11-22T09:00:00.000Z"));
            s.approve("judy", None);
        });
        let approvals = api(&format!("{}/approvals", fake::mr_path()));
        let a = request(&fake, "GET", &approvals, &[AUTH], None)
            .await
            .json();
        assert_eq!(a["approved_by"][0]["user"]["username"], "ivan");
        assert_eq!(
            a["approved_by"][0]["approved_at"],
            "2026-11-22T09:00:00.000Z"
        );
        assert!(a["approved_by"][0]["user"].get("bot").is_none());
        assert!(a["approved_by"][1].get("approved_at").is_none());
        fake.with(|s| {
            let system: Vec<(&str, &str)> = s
                .notes
                .iter()
                .filter(|n| n["system"] == true)
                .map(|n| {
                    (
                        n["author"]["username"].as_str().unwrap_or_default(),
                        n["body"].as_str().unwrap_or_default(),
                    )
                })
                .collect();
            assert_eq!(system.len(), 2, "the push and ivan's approval: {system:?}");
            assert_eq!(system[1], ("ivan", "approved this merge request"));
            s.approved_at = false;
            s.unapprove("judy");
        });
        let a = request(&fake, "GET", &approvals, &[AUTH], None)
            .await
            .json();
        assert_eq!(a["approved_by"].as_array().map(Vec::len), Some(1));
        assert!(a["approved_by"][0].get("approved_at").is_none());

        let versions = api(&format!("{}/versions", fake::mr_path()));
        let v = request(&fake, "GET", &versions, &[AUTH], None).await.json();
        assert_eq!(v[0]["head_commit_sha"], HEAD, "newest first");
        assert_eq!(v[0]["created_at"], fake::PUSHED_HEAD);
        assert_eq!(v[1]["head_commit_sha"], OLD);
        let newer = "5555555555555555555555555555555555555555";
        fake.with(|s| s.push(newer, "2026-11-22T09:30:00.000Z"));
        let v = request(&fake, "GET", &versions, &[AUTH], None).await.json();
        assert_eq!(v[0]["head_commit_sha"], newer);
        let mr = request(&fake, "GET", &api(&fake::mr_path()), &[AUTH], None)
            .await
            .json();
        assert_eq!(mr["sha"], newer);
        let commits = api(&format!("{}/commits", fake::mr_path()));
        let c = request(&fake, "GET", &commits, &[AUTH], None).await.json();
        assert_eq!(c[0]["id"], newer, "newest first");
        assert_eq!(c[1]["author_name"], "Bob");
        assert!(c[1]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("42-dave@users.noreply.gitlab.example"));
    }

    #[tokio::test]
    async fn statuses_refuse_a_repeated_state() {
        let fake = Fake::start().await;
        let target = api(&format!("/projects/{}/statuses/{HEAD}", fake::PROJECT_ID));
        let post = |state: &str| json!({ "state": state, "name": "n", "description": "d", "target_url": fake::JOB_URL });
        assert_eq!(
            request(&fake, "POST", &target, &[AUTH], Some(&post("failed")))
                .await
                .status,
            201
        );
        let again = request(&fake, "POST", &target, &[AUTH], Some(&post("failed"))).await;
        assert_eq!(again.status, 400);
        assert!(again.json()["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with("Cannot transition status via :drop from :failed"));
        assert_eq!(
            request(&fake, "POST", &target, &[AUTH], Some(&post("success")))
                .await
                .status,
            201
        );
        fake.with(|s| s.transitions = Transitions::GitLab);
        assert_eq!(
            request(&fake, "POST", &target, &[AUTH], Some(&post("success")))
                .await
                .status,
            201
        );
        assert_eq!(
            request(&fake, "POST", &target, &[AUTH], Some(&post("pending")))
                .await
                .status,
            201
        );
        let pending = request(&fake, "POST", &target, &[AUTH], Some(&post("pending"))).await;
        assert_eq!(pending.status, 400, "{}", pending.body);
        fake.with(|s| assert_eq!(s.statuses.len(), 4));
        let unknown = api(&format!(
            "/projects/{}/statuses/{}",
            fake::PROJECT_ID,
            "9".repeat(40)
        ));
        assert_eq!(
            request(&fake, "POST", &unknown, &[AUTH], Some(&post("success")))
                .await
                .status,
            404
        );
    }

    #[tokio::test]
    async fn users_members_reviewers_and_files() {
        let fake = Fake::start().await;
        let user = request(&fake, "GET", &api("/user"), &[AUTH], None)
            .await
            .json();
        assert_eq!(
            (user["id"].as_u64(), user["bot"].as_bool()),
            (Some(900), Some(true))
        );
        let grace = request(&fake, "GET", &api("/users/7"), &[AUTH], None)
            .await
            .json();
        assert_eq!(grace["public_email"], "grace@example.com");
        assert_eq!(
            request(&fake, "GET", &api("/users/999"), &[AUTH], None)
                .await
                .status,
            404
        );
        let found = request(&fake, "GET", &api("/users?username=KIM"), &[AUTH], None)
            .await
            .json();
        assert_eq!(found[0]["id"], 11);
        let none = request(&fake, "GET", &api("/users?username=nobody"), &[AUTH], None)
            .await
            .json();
        assert_eq!(none, json!([]));

        fake.with(|s| {
            s.member("acme/security", "judy");
            s.member("acme", "kim");
        });
        let member = |group: &str, id: u64| api(&format!("/groups/{group}/members/all/{id}"));
        let judy = request(&fake, "GET", &member("acme%2Fsecurity", 10), &[AUTH], None).await;
        assert_eq!(judy.status, 200);
        assert_eq!(judy.json()["access_level"], 30);
        assert_eq!(
            request(&fake, "GET", &member("acme%2Fsecurity", 9), &[AUTH], None)
                .await
                .status,
            404
        );
        // Inherited from the parent group, as GitLab's `members/all` says.
        assert_eq!(
            request(&fake, "GET", &member("acme%2Fsecurity", 11), &[AUTH], None)
                .await
                .status,
            200
        );
        let direct = api("/groups/acme%2Fsecurity/members/11");
        assert_eq!(
            request(&fake, "GET", &direct, &[AUTH], None).await.status,
            404
        );

        fake.with(|s| s.reviewers = vec![8]);
        let mr = api(&fake::mr_path());
        let put = request(
            &fake,
            "PUT",
            &mr,
            &[AUTH],
            Some(&json!({ "reviewer_ids": [8, 11] })),
        )
        .await;
        assert_eq!(put.status, 200);
        assert_eq!(put.json()["reviewers"][1]["username"], "kim");
        fake.with(|s| assert_eq!(s.reviewer_updates, [vec![8, 11]]));

        fake.with(|s| s.content(HEAD, "ci/review.yml", "review: {}\n"));
        let raw = |path: &str, commit: &str| {
            api(&format!(
                "/projects/1234/repository/files/{path}/raw?ref={commit}"
            ))
        };
        let file = request(&fake, "GET", &raw("ci%2Freview.yml", HEAD), &[AUTH], None).await;
        assert_eq!((file.status, file.body.as_str()), (200, "review: {}\n"));
        let unencoded = request(&fake, "GET", &raw("ci/review.yml", HEAD), &[AUTH], None).await;
        assert_eq!(unencoded.status, 404);
        let elsewhere = request(&fake, "GET", &raw("ci%2Freview.yml", OLD), &[AUTH], None).await;
        assert_eq!(elsewhere.json(), json!({ "message": "404 File Not Found" }));
        // The project by its path works as by its id.
        let by_path = api(&format!(
            "/projects/acme%2Finfra/merge_requests/{}",
            fake::IID
        ));
        assert_eq!(
            request(&fake, "GET", &by_path, &[AUTH], None).await.status,
            200
        );
        let diffs = api(&format!("{}/diffs?per_page=100", fake::mr_path()));
        let d = request(&fake, "GET", &diffs, &[AUTH], None).await.json();
        assert_eq!(d[0]["new_path"], "main.tf");
    }

    #[tokio::test]
    async fn a_rate_limit_is_answered_once_with_its_headers() {
        let fake = Fake::start().await;
        fake.with(|s| s.fail("GET", "/user".into(), 429, &[("retry-after", "1")]));
        let limited = request(&fake, "GET", &api("/user"), &[AUTH], None).await;
        assert_eq!(limited.status, 429);
        assert_eq!(limited.header("retry-after"), Some("1"));
        assert_eq!(limited.body, "Retry later\n");
        assert_eq!(
            limited.header("date"),
            Some("Sun, 22 Nov 2026 08:00:00 GMT")
        );
        assert_eq!(
            request(&fake, "GET", &api("/user"), &[AUTH], None)
                .await
                .status,
            200
        );
    }

    #[test]
    fn quick_actions_are_found_as_gitlab_finds_them() {
        let (ran, kept) =
            fake::quick_actions("a\n/approve\n  /MERGE now\n~~~\n/close\n~~~\n\\/label x");
        assert_eq!(ran, ["/approve", "/MERGE now"]);
        assert_eq!(kept, "a\n~~~\n/close\n~~~\n\\/label x");
        let (ran, _) = fake::quick_actions("/approvers are listed here\n/mergeable");
        assert!(ran.is_empty(), "{ran:?}");
    }
}
