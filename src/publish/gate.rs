//! The independent-approval gate, forge-neutral: find foureyes' own comment and decide whether
//! its state may be trusted, run with the plan or on a review event, judge the approvals, set
//! the status, write the comment, and end the run with the log, the job summary, the outputs
//! and the exit status.
//!
//! It never approves anything: it only reads reviews, and writes a comment, a status and
//! review requests. What it reads back from its comment is used only when the forge says that
//! foureyes' own identity wrote it and nobody else edited it, and even then it can only narrow
//! what a later run does: a run without the plan opens the gate on nothing but an independent
//! approval of the head commit that it counted itself.

use crate::classify::Tampering;
use crate::controls::Controls;
use crate::exit::Exit;
use crate::judge::Verdict;
use crate::publish::approval::{
    conflict, decisive, is_bot, judge, people, short, Change, Judged, Membership, ReviewState,
    Standing,
};
use crate::publish::state::{
    cut_bytes, is_commit, is_sticky, read_state, report_room, sticky_body, with_approval, State,
};
use crate::publish::text::{self, approval_section, NOTE_ROOM};
use crate::publish::{
    files, time, ChangeRequest, Comment, Forge, ForgeError, Job, Options, Planned, Reviewed,
    Status, StatusState,
};
use crate::render::markdown;

/// Sticky-comment candidates whose authorship is checked at most.
const CANDIDATES: usize = 20;

/// Which run this is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Mode {
    /// With the plan: this run made the review, and decides the gate from it.
    #[default]
    Plan,
    /// A review event, without the plan: this run can only count approvals.
    Review,
}

/// What the run found and did, for the log, the job summary and the outputs.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    pub(crate) mode: Mode,
    /// The state the gate was decided on.
    pub(crate) state: Option<State>,
    /// The head commit of the change request now.
    pub(crate) head: String,
    /// The body of the sticky comment as this run wrote (or would write) it.
    pub(crate) body: Option<String>,
    /// The report as the job summary shows it: whole, or as much as the summary holds.
    pub(crate) report: Option<String>,
    pub(crate) comment_url: Option<String>,
    /// Each reviewer's decision and whether it counts.
    pub(crate) judged: Vec<Judged>,
    /// The status set, or none when no status was set.
    pub(crate) status: Option<StatusState>,
    /// Why the gate could not be decided in this run.
    pub(crate) undecided: Option<String>,
    /// What could not be written, and other things the user must know.
    pub(crate) warnings: Vec<String>,
    /// What a dry run would have written.
    pub(crate) would: Vec<String>,
    /// The change request the run was about.
    pub(crate) request: ChangeRequest,
    /// The forge's clock at its last answer, when it said.
    pub(crate) clock: Option<String>,
}

impl Outcome {
    pub(crate) fn approved_by(&self) -> Vec<&str> {
        self.judged
            .iter()
            .filter(|j| matches!(j.standing, Standing::Counted(_)))
            .map(|j| j.login.as_str())
            .collect()
    }

    pub(crate) fn required(&self) -> bool {
        self.state.as_ref().is_none_or(State::approval_required)
    }

    /// The status to set, and its description: success on a counted approval, or when this
    /// run's own review needs none; failure otherwise.
    fn status(&self, state: &State) -> (StatusState, String) {
        if let Some(first) = self.approved_by().first() {
            (
                StatusState::Success,
                format!(
                    "Independently approved by {}",
                    crate::escape::terminal(first)
                ),
            )
        } else if !state.approval_required() && self.mode == Mode::Plan {
            let description = match state.counts.unreviewed_identity {
                0 => "No independent approval required".to_owned(),
                n => format!(
                    "Partial pass: {n} identity or audit change{} foureyes does not model",
                    if n == 1 { "" } else { "s" }
                ),
            };
            (StatusState::Success, description)
        } else {
            (StatusState::Failure, text::missing_description(state))
        }
    }

    /// Whether the change may merge. A run with the plan opens on its own review (nothing
    /// needs approval) or on a counted approval; a run without it only on a counted approval.
    pub(crate) fn open(&self) -> bool {
        if self.undecided.is_some() {
            return false;
        }
        let approved = !self.approved_by().is_empty();
        match self.mode {
            Mode::Plan => !self.required() || approved,
            Mode::Review => approved,
        }
    }
}

/// Run the gate in a forge's job: with the plan, judge the change request's own files and
/// review; then publish, judge, set the status; then the log, the job summary and the outputs.
pub(crate) fn run<J: Job>(
    job: &J,
    planned: Option<Planned<'_>>,
    options: &Options,
) -> anyhow::Result<Exit> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let planned = planned.map(|p| {
        let controls = files::controls(p.config.as_deref(), job.root().as_deref(), p.control_files);
        (p.ruleset, p.review, controls)
    });
    let controls = planned.as_ref().map(|(_, _, controls)| controls);
    let mut opened = runtime.block_on(open(job, controls, options));
    let (found, files_error) = match opened.as_mut().ok().and_then(|o| o.files.take()) {
        Some(Ok(found)) => (Some(found), None),
        Some(Err(e)) => (None, Some(e)),
        None => (None, None),
    };
    // NOTE: the review is made even when the forge fails, so that the job summary still shows
    // it; the files it could not check then lean it towards asking.
    let report = match planned {
        None => None,
        Some((ruleset, review, _)) => {
            let files = found.unwrap_or_else(|| {
                vec![files::unchecked(
                    J::TERMS.request,
                    "the run stopped before reading them (see the error)",
                )]
            });
            Some((review(files)?, ruleset))
        }
    };
    let reviewed = report.as_ref().map(|(report, ruleset)| Reviewed {
        report,
        ruleset,
        text: crate::render::render(report, crate::render::Format::Text, ruleset, false),
    });
    let outcome = match (opened, files_error) {
        (Ok(o), stopped) => runtime.block_on(publish(
            job,
            Opened { stopped, ..o },
            reviewed.as_ref(),
            options,
        )),
        (Err(e), _) => Err(e),
    };
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) => {
            // Nothing was decided: say so where the user looks, then fail as an error.
            if let Some(r) = &reviewed {
                job.summary(&text::error_summary(
                    r,
                    &e.to_string(),
                    J::SUMMARY_LIMIT,
                    &J::TERMS,
                ));
            }
            return Err(anyhow::anyhow!(job.redact(&e.to_string())));
        }
    };
    job.log(
        &text::log(reviewed.as_ref(), &outcome, options),
        &outcome.warnings,
    )?;
    job.summary(&text::summary(
        reviewed.as_ref(),
        &outcome,
        J::SUMMARY_LIMIT,
        &J::TERMS,
    ));
    job.outputs(&text::outputs(&outcome))?;
    if let Some(request) = &options.record {
        let text = super::record::render(&super::record::Parts {
            forge: J::TERMS.forge,
            request: &outcome.request,
            report: report.as_ref().map(|(r, _)| r),
            outcome: &outcome,
            inputs: &request.inputs,
            time: outcome.clock.clone().unwrap_or_else(time::now),
        });
        super::record::write(&request.path, &job.redact(&text))?;
    }
    Ok(Exit::of_gate(outcome.open(), options.exit_zero))
}

/// The forge reached and the change request read, before anything is decided.
struct Opened<F> {
    forge: F,
    request: ChangeRequest,
    /// How the change request's files weaken the review, when a review is to be made; or why
    /// they could not be read.
    files: Option<Result<Vec<Tampering>, ForgeError>>,
    /// The files could not be read: the run stops once the review is published where it can.
    stopped: Option<ForgeError>,
}

/// Reach the forge and read the change request; with the plan (`controls`), judge its files.
async fn open<J: Job>(
    job: &J,
    controls: Option<&Controls>,
    options: &Options,
) -> Result<Opened<J::Forge>, ForgeError> {
    let forge = job.connect(options)?;
    let request = forge.change_request().await?;
    // NOTE: the head goes into the status's URL, is compared with the state's, and is where
    // the files are read.
    if !is_commit(&request.head) {
        return Err(ForgeError::new(
            format!(
                "reading {}: the head `{}` is not a commit id",
                request.name,
                crate::escape::terminal(&request.head)
            ),
            None,
        ));
    }
    let files = match controls {
        Some(c) => Some(files::tamperings(&forge, &request, c, J::TERMS.request).await),
        None => None,
    };
    Ok(Opened {
        forge,
        request,
        files,
        stopped: None,
    })
}

/// What every step of a run works with.
struct Ctx<'a, J: Job> {
    job: &'a J,
    forge: &'a J::Forge,
    options: &'a Options,
    request: &'a ChangeRequest,
}

/// foureyes' own comment, as found on the change request.
struct Found<'a, Id> {
    comment: &'a Comment<Id>,
    /// The body, when the forge says foureyes wrote it and nobody else edited it.
    trusted: Option<String>,
}

/// Decide, on the forge reached. When deciding fails, a run whose review needs approval leaves
/// a failing status on the head, so that no earlier success stands for it.
async fn publish<J: Job>(
    job: &J,
    opened: Opened<J::Forge>,
    reviewed: Option<&Reviewed<'_>>,
    options: &Options,
) -> Result<Outcome, ForgeError> {
    let Opened {
        forge,
        request,
        stopped,
        ..
    } = opened;
    let mut outcome = Outcome {
        mode: if reviewed.is_some() {
            Mode::Plan
        } else {
            Mode::Review
        },
        head: request.head.clone(),
        request: request.clone(),
        ..Outcome::default()
    };
    let ctx = Ctx {
        job,
        forge: &forge,
        options,
        request: &request,
    };
    let result = match stopped {
        Some(e) => Err(e),
        None => decide(&ctx, reviewed, &mut outcome).await,
    };
    if let (Err(e), Some(r)) = (&result, reviewed) {
        // NOTE: a status set by an earlier review of this head must not stand for a review
        // that needs an approval this run could not look for.
        if r.report.verdict == Verdict::ApprovalRequired
            && outcome.status.is_none()
            && !e.is_out_of_time()
        {
            let state = State::new(r.report, &options.key, &request.head, "");
            outcome.state = Some(state);
            outcome.judged.clear();
            let _ = set_status(&ctx, &mut outcome).await;
        }
    }
    result?;
    outcome.clock = forge.clock();
    Ok(outcome)
}

/// Find foureyes' comment, read its state when it can be trusted, and run the plan or the
/// review run.
async fn decide<J: Job>(
    ctx: &Ctx<'_, J>,
    reviewed: Option<&Reviewed<'_>>,
    outcome: &mut Outcome,
) -> Result<(), ForgeError> {
    let options = ctx.options;
    let comments = ctx.forge.comments().await?;
    let found = find_ours::<J>(ctx.forge, options, &comments, outcome).await?;
    let prior = found.as_ref().and_then(|f| {
        let body = f.trusted.as_deref()?;
        match read_state(body, &options.key) {
            Ok(s) => Some(s),
            Err(e) => {
                outcome
                    .warnings
                    .push(format!("the foureyes comment's state is ignored: {e}"));
                None
            }
        }
    });
    outcome.comment_url = found.as_ref().map(|f| f.comment.url.clone());
    let found = found.as_ref();
    match reviewed {
        Some(r) => plan_run(ctx, r, found, prior, outcome).await,
        None => review_run(ctx, found, prior, outcome).await,
    }
}

/// A run with the plan: it decides the gate from its own review, sets the status, then writes
/// the comment (or a short one, or says it could not).
async fn plan_run<J: Job>(
    ctx: &Ctx<'_, J>,
    r: &Reviewed<'_>,
    found: Option<&Found<'_, CommentId<J>>>,
    prior: Option<State>,
    outcome: &mut Outcome,
) -> Result<(), ForgeError> {
    let head = ctx.request.head.as_str();
    let fresh = State::new(r.report, &ctx.options.key, head, "");
    // NOTE: only a trusted state may carry the time of publication over: moved back, it would
    // let an older approval count.
    let since = match &prior {
        Some(p) if p.fingerprint == fresh.fingerprint => p.since.clone(),
        _ => ctx.forge.clock().unwrap_or_else(time::now),
    };
    let state = State { since, ..fresh };
    outcome.state = Some(state.clone());
    if state.approval_required() {
        judge_all(ctx, &state, outcome).await?;
    }
    set_status(ctx, outcome).await?;
    let section = approval_section(
        &text::approval_lines(outcome).0,
        &outcome.judged,
        head,
        &J::TERMS,
    );
    let (body, minimal) = compose(ctx, r, &state, &section, outcome);
    write_comment(ctx, found.map(|f| f.comment), &body, &minimal, outcome).await?;
    if state.approval_required() && outcome.approved_by().is_empty() {
        ask_for_reviews(ctx, outcome).await?;
    }
    Ok(())
}

/// A review-event run, without the plan: it can only count approvals. It opens the gate on an
/// independent approval of the head that it counted itself, and on nothing else.
async fn review_run<J: Job>(
    ctx: &Ctx<'_, J>,
    found: Option<&Found<'_, CommentId<J>>>,
    prior: Option<State>,
    outcome: &mut Outcome,
) -> Result<(), ForgeError> {
    let head = ctx.request.head.as_str();
    let Some(state) = prior else {
        outcome.undecided = Some(match found {
            None => format!(
                "no foureyes comment with the key `{}` on {} to re-evaluate; the run with the \
                 plan posts it",
                ctx.options.key, ctx.request.name
            ),
            Some(_) => "the foureyes comment's state cannot be trusted (see the warnings); the \
                        next run with the plan rewrites it"
                .into(),
        });
        return Ok(());
    };
    outcome.state = Some(state.clone());
    let trusted = found.and_then(|f| Some((f.comment, f.trusted.as_deref()?)));
    let section = if state.head != head {
        outcome.undecided = Some(format!(
            "the foureyes comment is for commit {}, and the head is now {}; the run with the \
             plan for the new head decides",
            short(&state.head),
            short(head)
        ));
        approval_section(
            &format!(
                "New commits were pushed: the head is now {}, and this review is of {}. \
                 Approvals of {} no longer count; the run with the plan for the new head decides.",
                short(head),
                short(&state.head),
                short(&state.head)
            ),
            &[],
            head,
            &J::TERMS,
        )
    } else {
        judge_all(ctx, &state, outcome).await?;
        if outcome.approved_by().is_empty() && !state.approval_required() {
            // NOTE: only the run that made the review may open the gate without an approval:
            // what a comment says cannot.
            outcome.undecided = Some(
                "the run with the plan decided there was nothing to approve, and set the \
                 status; this run can only count approvals, and no independent approval of the \
                 head counts, so it leaves the status as it is"
                    .into(),
            );
        } else {
            set_status(ctx, outcome).await?;
            if outcome.approved_by().is_empty() {
                ask_for_reviews(ctx, outcome).await?;
            }
        }
        approval_section(
            &text::approval_lines(outcome).0,
            &outcome.judged,
            head,
            &J::TERMS,
        )
    };
    if let Some((comment, body)) = trusted {
        update_section(ctx, comment, body, &section, outcome).await?;
    }
    Ok(())
}

/// How the job's forge identifies a comment.
type CommentId<J> = <<J as Job>::Forge as Forge>::CommentId;

/// Find foureyes' own sticky comment among those with its marker, and whether its body can be
/// trusted: the forge must say that this job's identity wrote it and that nobody else edited
/// it. When the forge cannot say, nothing is trusted, and the oldest marked comment by a bot
/// is the one updated.
async fn find_ours<'c, J: Job>(
    forge: &J::Forge,
    options: &Options,
    comments: &'c [Comment<CommentId<J>>],
    outcome: &mut Outcome,
) -> Result<Option<Found<'c, CommentId<J>>>, ForgeError> {
    let candidates: Vec<&Comment<CommentId<J>>> = comments
        .iter()
        .filter(|c| {
            c.body
                .as_deref()
                .is_some_and(|b| is_sticky(b, &options.key))
        })
        .take(CANDIDATES)
        .collect();
    if candidates.is_empty() {
        return Ok(None);
    }
    let answer = forge.authorship(&candidates).await.and_then(|nodes| {
        if nodes.len() == candidates.len() {
            Ok(nodes)
        } else {
            Err(ForgeError::new(
                format!(
                    "asked about {} comments, told about {}",
                    candidates.len(),
                    nodes.len()
                ),
                None,
            ))
        }
    });
    match answer {
        Ok(nodes) => {
            let mut ours = candidates.iter().zip(&nodes).filter_map(|(c, n)| {
                let n = n.as_ref()?;
                n.viewer_did_author.then_some((*c, n))
            });
            let Some((comment, node)) = ours.next() else {
                outcome.warnings.push(format!(
                    "{} comment{} with the foureyes marker for the key `{}` {} not written by \
                     this job's identity, and {} ignored",
                    candidates.len(),
                    if candidates.len() == 1 { "" } else { "s" },
                    options.key,
                    if candidates.len() == 1 { "is" } else { "are" },
                    if candidates.len() == 1 { "is" } else { "are" },
                ));
                return Ok(None);
            };
            if ours.next().is_some() {
                outcome.warnings.push(format!(
                    "more than one foureyes comment has the key `{}`; the oldest is used",
                    options.key
                ));
            }
            let trusted = match node.distrust(J::TERMS.forge) {
                None => Some(node.body.clone()),
                Some(why) => {
                    outcome.warnings.push(format!(
                        "the foureyes comment's state is ignored: {why}; the next run with the \
                         plan rewrites it"
                    ));
                    None
                }
            };
            Ok(Some(Found { comment, trusted }))
        }
        Err(e) if e.is_timeout() => Err(e),
        Err(e) => {
            outcome.warnings.push(format!(
                "cannot tell who wrote or edited the foureyes comment, so its state is ignored: \
                 {e}"
            ));
            // NOTE: anyone can post the marker; only a bot's comment may be foureyes'.
            let comment = candidates
                .into_iter()
                .find(|c| c.author.as_ref().is_some_and(|a| is_bot(&a.login, a.bot)));
            Ok(comment.map(|comment| Found {
                comment,
                trusted: None,
            }))
        }
    }
}

/// The comment for a review made in this run, and the short one posted instead when the
/// forge refuses it. The report gets the room the marker, the note, the approval section and
/// the state leave; what does not fit is summarized, with a pointer to the job summary.
fn compose<J: Job>(
    ctx: &Ctx<'_, J>,
    r: &Reviewed<'_>,
    state: &State,
    section: &str,
    outcome: &mut Outcome,
) -> (String, String) {
    let limit = <J::Forge as Forge>::COMMENT_LIMIT;
    let note = cut_bytes(&text::gate_note(state, ctx.options), NOTE_ROOM);
    let pointer = text::pointer(&ctx.job.report_place());
    let minimal = text::minimal_body(state, &note, &pointer, section);
    let room = report_room(state, limit).saturating_sub(note.len() + pointer.len() + 8);
    let report = markdown::render_within(r.report, r.ruleset, room);
    let whole = text::summary_report(r, J::SUMMARY_LIMIT, &J::TERMS);
    let text = if report == whole {
        format!("{report}\n\n{note}")
    } else {
        format!("{report}\n\n{note}\n\n{pointer}")
    };
    outcome.report = Some(whole);
    let body = sticky_body(state, &text, section);
    if body.chars().count() > limit {
        outcome.warnings.push(format!(
            "the report did not fit in one comment ({} characters of {limit}); the comment has \
             the verdict and the counts, and {} the report",
            body.chars().count(),
            J::TERMS.summary
        ));
        return (minimal.clone(), minimal);
    }
    (body, minimal)
}

/// Set the status from what the run decided. A status the forge refuses is a warning (the
/// exit code keeps the verdict); the forge not answering in time is an error.
async fn set_status<J: Job>(ctx: &Ctx<'_, J>, outcome: &mut Outcome) -> Result<(), ForgeError> {
    let options = ctx.options;
    let state = outcome
        .state
        .clone()
        .expect("the state is set before the status");
    let head = outcome.head.clone();
    let (status, description) = outcome.status(&state);
    if options.dry_run {
        outcome.would.push(format!(
            "set the status `{}` on {} to {}: {description}",
            options.status_context,
            short(&head),
            status.as_str()
        ));
        return Ok(());
    }
    let description = text::cut(&description, <J::Forge as Forge>::DESCRIPTION_LIMIT);
    let answer = ctx
        .forge
        .set_status(&Status {
            commit: &head,
            state: status,
            context: &options.status_context,
            description: &description,
        })
        .await;
    match answer {
        Ok(()) => outcome.status = Some(status),
        Err(e) if e.is_timeout() => return Err(e),
        Err(e) => outcome.warnings.push(e.to_string()),
    }
    Ok(())
}

/// Create the sticky comment, or update it when its body changed. When the forge refuses the
/// body, the short one is posted instead, so that the state is there for the next run; the
/// gate was set before, from this run's review, whatever happens here.
async fn write_comment<J: Job>(
    ctx: &Ctx<'_, J>,
    existing: Option<&Comment<CommentId<J>>>,
    body: &str,
    minimal: &str,
    outcome: &mut Outcome,
) -> Result<(), ForgeError> {
    outcome.body = Some(body.to_owned());
    let verb = match existing {
        Some(c) if c.body.as_deref() == Some(body) => return Ok(()),
        Some(_) => "update",
        None => "create",
    };
    if ctx.options.dry_run {
        outcome.would.push(format!("{verb} the comment"));
        return Ok(());
    }
    let what = format!("{verb} the foureyes comment");
    let send = |text: &str| {
        let (forge, what, text) = (ctx.forge, what.clone(), text.to_owned());
        async move {
            match existing {
                Some(c) => forge.update_comment(&c.id, &text, &what).await,
                None => forge.create_comment(&text, &what).await,
            }
        }
    };
    let first = match send(body).await {
        Ok(url) => {
            note_url(outcome, url);
            return Ok(());
        }
        Err(e) if e.is_out_of_time() => return Err(e),
        Err(e) => e,
    };
    // NOTE: a request that timed out may still have been carried out; posting again could
    // leave two comments.
    if first.is_timeout() || body == minimal {
        outcome.warnings.push(format!(
            "{first}; the status was set from this run's review regardless"
        ));
        return Ok(());
    }
    match send(minimal).await {
        Ok(url) => {
            note_url(outcome, url);
            outcome.body = Some(minimal.to_owned());
            outcome.warnings.push(format!(
                "{first}; a short comment with the verdict, the counts and the state was posted \
                 instead, and the report is in {}",
                J::TERMS.summary
            ));
        }
        Err(e) if e.is_out_of_time() => return Err(e),
        Err(second) => outcome.warnings.push(format!(
            "{first}; the short comment was refused too ({second}); the status was set from this \
             run's review regardless"
        )),
    }
    Ok(())
}

/// Keep the comment's address the forge answered with, when it gave one.
fn note_url(outcome: &mut Outcome, url: Option<String>) {
    if let Some(url) = url {
        outcome.comment_url = Some(url);
    }
}

/// Rewrite the approval section of foureyes' own, trusted comment, and nothing else. Just
/// before writing, the forge is asked again: when the comment changed meanwhile (a run with
/// the plan rewrote it, or someone edited it), it is left alone.
async fn update_section<J: Job>(
    ctx: &Ctx<'_, J>,
    comment: &Comment<CommentId<J>>,
    trusted: &str,
    section: &str,
    outcome: &mut Outcome,
) -> Result<(), ForgeError> {
    let Some(body) = with_approval(trusted, section) else {
        return Ok(());
    };
    if body == trusted {
        return Ok(());
    }
    outcome.body = Some(body.clone());
    if body.chars().count() > <J::Forge as Forge>::COMMENT_LIMIT {
        outcome.warnings.push(
            "the approval section would make the foureyes comment too long; it is left as it is"
                .into(),
        );
        return Ok(());
    }
    if ctx.options.dry_run {
        outcome
            .would
            .push("update the approval section of the comment".into());
        return Ok(());
    }
    let unchanged = match ctx.forge.authorship(&[comment]).await {
        Ok(nodes) => nodes.first().and_then(Option::as_ref).is_some_and(|n| {
            n.viewer_did_author && n.distrust(J::TERMS.forge).is_none() && n.body == trusted
        }),
        Err(e) if e.is_timeout() => return Err(e),
        Err(_) => false,
    };
    if !unchanged {
        outcome.warnings.push(
            "the foureyes comment changed while this run read it; its approval section is left \
             for the next run"
                .into(),
        );
        return Ok(());
    }
    match ctx
        .forge
        .update_comment(
            &comment.id,
            &body,
            "update the approval section of the foureyes comment",
        )
        .await
    {
        Ok(url) => note_url(outcome, url),
        Err(e) if e.is_out_of_time() => return Err(e),
        Err(e) => outcome.warnings.push(e.to_string()),
    }
    Ok(())
}

/// Judge every reviewer's decisive review, into the outcome.
async fn judge_all<J: Job>(
    ctx: &Ctx<'_, J>,
    state: &State,
    outcome: &mut Outcome,
) -> Result<(), ForgeError> {
    if !ctx.request.open {
        outcome
            .warnings
            .push(format!("{} is {}", ctx.request.name, ctx.request.state));
    }
    outcome.judged = approvals(ctx, state).await?;
    Ok(())
}

/// Judge every reviewer's decisive review.
async fn approvals<J: Job>(ctx: &Ctx<'_, J>, state: &State) -> Result<Vec<Judged>, ForgeError> {
    let (forge, request) = (ctx.forge, ctx.request);
    let reviews = forge.reviews().await?;
    let deciding = decisive(&reviews);
    if deciding.is_empty() {
        return Ok(Vec::new());
    }
    let commits = forge.commits().await?;
    let change = Change {
        noun: J::TERMS.request,
        author: request.author.clone(),
        head: request.head.clone(),
        since: state.since.clone(),
        people: people(&commits, &|email| forge.account_of_address(email)),
        pipeline: ctx.options.pipeline.clone(),
        commits_missing: request
            .commits
            .filter(|total| *total > commits.len())
            .map(|total| (commits.len(), total)),
    };
    let unlinked = change.people.iter().any(|p| p.login.is_none());
    let mut out = Vec::new();
    for review in deciding {
        let mut profile = None;
        if review.state == ReviewState::Approved && unlinked {
            profile = match forge.profile(&review.login).await {
                Ok(p) => Some(p),
                Err(e) if e.is_timeout() => return Err(e),
                Err(_) => None,
            };
        }
        let membership = if review.state == ReviewState::Approved
            && conflict(review, &change, profile.as_ref()).is_none()
        {
            membership(ctx, &review.login).await?
        } else {
            Membership::NotMember
        };
        let approved_before = reviews.iter().any(|r| {
            r.login.eq_ignore_ascii_case(&review.login) && r.state == ReviewState::Approved
        });
        out.push(judge(
            review,
            approved_before,
            &change,
            profile.as_ref(),
            &membership,
        ));
    }
    Ok(out)
}

/// Whether a reviewer is one of the configured approvers. The forge not answering in time is
/// an error; any other failure leaves membership unknown, so the approval does not count.
async fn membership<J: Job>(ctx: &Ctx<'_, J>, login: &str) -> Result<Membership, ForgeError> {
    let approvers = &ctx.options.approvers;
    if approvers.is_empty() {
        return Ok(Membership::Member(
            "any independent reviewer may approve".into(),
        ));
    }
    if approvers
        .users
        .iter()
        .any(|u| u.eq_ignore_ascii_case(login))
    {
        return Ok(Membership::Member("a listed approver".into()));
    }
    for (org, team) in &approvers.teams {
        match ctx.forge.team_member(org, team, login).await {
            Ok(true) => {
                return Ok(Membership::Member(format!(
                    "a member of {}",
                    crate::publish::approval::team_name(org, team)
                )))
            }
            Ok(false) => {}
            Err(e) if e.is_timeout() => return Err(e),
            Err(e) => {
                return Ok(Membership::Unknown(format!(
                    "membership of {} could not be read ({}); {}",
                    crate::publish::approval::team_name(org, team),
                    e.status()
                        .map_or_else(|| "no answer".into(), |s| s.to_string()),
                    J::TERMS.team_access
                )))
            }
        }
    }
    Ok(Membership::NotMember)
}

/// Ask the configured approvers for a review; a refused request is a warning.
async fn ask_for_reviews<J: Job>(
    ctx: &Ctx<'_, J>,
    outcome: &mut Outcome,
) -> Result<(), ForgeError> {
    match request_reviews(ctx, &outcome.judged).await {
        Ok(Some(would)) => outcome.would.push(would),
        Ok(None) => {}
        Err(e) if e.is_out_of_time() => return Err(e),
        Err(e) => outcome.warnings.push(e.to_string()),
    }
    Ok(())
}

/// Ask the configured approvers for a review, except those already asked or not independent,
/// and teams the forge cannot ask. A dry run says what it would ask.
async fn request_reviews<J: Job>(
    ctx: &Ctx<'_, J>,
    judged: &[Judged],
) -> Result<Option<String>, ForgeError> {
    let (options, request) = (ctx.options, ctx.request);
    let taken = |login: &str| {
        login.eq_ignore_ascii_case(&request.author)
            || request
                .requested_users
                .iter()
                .any(|u| u.eq_ignore_ascii_case(login))
            || judged.iter().any(|j| j.login.eq_ignore_ascii_case(login))
    };
    let users: Vec<&str> = options
        .approvers
        .users
        .iter()
        .map(String::as_str)
        .filter(|u| !taken(u))
        .collect();
    let teams: Vec<&str> = options
        .approvers
        .teams
        .iter()
        .filter(|(o, t)| {
            request
                .team_owner
                .as_deref()
                .is_some_and(|owner| owner.eq_ignore_ascii_case(o))
                && !t.is_empty()
                && !t.contains('/')
                && !request
                    .requested_teams
                    .iter()
                    .any(|r| r.eq_ignore_ascii_case(t))
        })
        .map(|(_, t)| t.as_str())
        .collect();
    if users.is_empty() && teams.is_empty() {
        return Ok(None);
    }
    let names: Vec<String> = users
        .iter()
        .map(|u| (*u).to_owned())
        .chain(teams.iter().map(|t| format!("team {t}")))
        .collect();
    if options.dry_run {
        return Ok(Some(format!("request a review from {}", names.join(", "))));
    }
    ctx.forge
        .request_reviews(
            &users,
            &teams,
            &format!("requesting a review from {}", names.join(", ")),
        )
        .await
        .map(|()| None)
}

/// The gate on a forge that is not GitHub: an in-memory one, to show that the trait is all the
/// gate needs, and that what it decides does not depend on GitHub's words.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::publish::approval::{Approvers, Commit, Identity, Profile, Review};
    use crate::publish::state::{Authorship, Counts, STATE_SCHEMA};
    use crate::publish::{ChangedFiles, Deadlines, FileAt, Terms};
    use std::cell::RefCell;
    use std::rc::Rc;
    use std::time::Duration;

    const HEAD: &str = "1111111111111111111111111111111111111111";

    /// What the forge holds and what the job printed.
    #[derive(Default)]
    struct World {
        comments: Vec<(Comment<u64>, Authorship)>,
        reviews: Vec<Review>,
        statuses: Vec<(StatusState, String)>,
        /// Make `authorship` fail: a timeout, or the forge cannot say.
        authorship_fails: Option<bool>,
        log: String,
        warnings: Vec<String>,
        outputs: Vec<(String, String)>,
        /// The change request's files, and their contents by (commit, path).
        files: ChangedFiles,
        contents: std::collections::BTreeMap<(String, String), FileAt>,
        /// The files read, as (commit, path).
        read: Vec<(String, String)>,
    }

    struct Memory(Rc<RefCell<World>>);

    impl Forge for Memory {
        type CommentId = u64;
        const COMMENT_LIMIT: usize = 1_000_000;
        const DESCRIPTION_LIMIT: usize = 255;

        async fn change_request(&self) -> Result<ChangeRequest, ForgeError> {
            Ok(ChangeRequest {
                name: "merge request !7".into(),
                head: HEAD.into(),
                author: "alice".into(),
                open: true,
                state: "opened".into(),
                commits: Some(1),
                ..ChangeRequest::default()
            })
        }

        async fn comments(&self) -> Result<Vec<Comment<u64>>, ForgeError> {
            Ok(self
                .0
                .borrow()
                .comments
                .iter()
                .map(|(c, _)| c.clone())
                .collect())
        }

        async fn authorship(
            &self,
            comments: &[&Comment<u64>],
        ) -> Result<Vec<Option<Authorship>>, ForgeError> {
            let world = self.0.borrow();
            match world.authorship_fails {
                Some(true) => return Err(ForgeError::timeout("too slow".into())),
                Some(false) => return Err(ForgeError::new("cannot say".into(), None)),
                None => {}
            }
            Ok(comments
                .iter()
                .map(|c| {
                    let (_, a) = world.comments.iter().find(|(k, _)| k.id == c.id)?;
                    Some(a.clone())
                })
                .collect())
        }

        async fn create_comment(&self, _: &str, what: &str) -> Result<Option<String>, ForgeError> {
            Err(ForgeError::new(
                format!("{what}: not in a review run"),
                None,
            ))
        }

        async fn update_comment(
            &self,
            id: &u64,
            body: &str,
            _: &str,
        ) -> Result<Option<String>, ForgeError> {
            let mut world = self.0.borrow_mut();
            let (c, a) = world
                .comments
                .iter_mut()
                .find(|(c, _)| c.id == *id)
                .expect("the comment exists");
            c.body = Some(body.to_owned());
            a.body = body.to_owned();
            Ok(Some(c.url.clone()))
        }

        async fn reviews(&self) -> Result<Vec<Review>, ForgeError> {
            Ok(self.0.borrow().reviews.clone())
        }

        async fn commits(&self) -> Result<Vec<Commit>, ForgeError> {
            let bob = Identity {
                login: Some("bob".into()),
                name: "Bob".into(),
                email: "bob@example.com".into(),
            };
            Ok(vec![Commit {
                sha: HEAD.into(),
                message: "Stop the trail".into(),
                author: bob.clone(),
                committer: bob,
            }])
        }

        async fn profile(&self, _: &str) -> Result<Profile, ForgeError> {
            Ok(Profile::default())
        }

        async fn team_member(&self, _: &str, _: &str, _: &str) -> Result<bool, ForgeError> {
            Ok(false)
        }

        async fn request_reviews(&self, _: &[&str], _: &[&str], _: &str) -> Result<(), ForgeError> {
            Ok(())
        }

        async fn set_status(&self, status: &Status<'_>) -> Result<(), ForgeError> {
            assert_eq!(status.commit, HEAD);
            self.0
                .borrow_mut()
                .statuses
                .push((status.state, status.description.to_owned()));
            Ok(())
        }

        async fn changed_files(&self, _: &ChangeRequest) -> Result<ChangedFiles, ForgeError> {
            Ok(self.0.borrow().files.clone())
        }

        async fn file_at(&self, commit: &str, path: &str, _: usize) -> Result<FileAt, ForgeError> {
            let mut world = self.0.borrow_mut();
            world.read.push((commit.to_owned(), path.to_owned()));
            Ok(world
                .contents
                .get(&(commit.to_owned(), path.to_owned()))
                .cloned()
                .unwrap_or(FileAt::Absent))
        }

        fn clock(&self) -> Option<String> {
            None
        }

        fn account_of_address(&self, _: &str) -> Option<String> {
            None
        }
    }

    struct MemoryJob(Rc<RefCell<World>>);

    impl Job for MemoryJob {
        type Forge = Memory;
        const TERMS: Terms = Terms {
            forge: "Testforge",
            request: "merge request",
            summary: "the job's report artifact",
            team_access: "team approvers need a token that may read the group's members",
        };
        const SUMMARY_LIMIT: usize = 1 << 20;

        fn connect(&self, _: &Options) -> Result<Memory, ForgeError> {
            Ok(Memory(self.0.clone()))
        }

        fn report_place(&self) -> String {
            "the job's report artifact".into()
        }

        fn log(&self, text: &str, warnings: &[String]) -> anyhow::Result<()> {
            let mut world = self.0.borrow_mut();
            world.log.push_str(text);
            world.warnings.extend_from_slice(warnings);
            Ok(())
        }

        fn summary(&self, _: &str) {}

        fn outputs(&self, values: &[(&str, String)]) -> anyhow::Result<()> {
            let mut world = self.0.borrow_mut();
            world.outputs = values
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect();
            Ok(())
        }

        fn redact(&self, text: &str) -> String {
            text.to_owned()
        }

        fn root(&self) -> Option<std::path::PathBuf> {
            None
        }
    }

    fn options() -> Options {
        Options {
            key: "default".into(),
            approvers: Approvers::default(),
            status_context: "foureyes/independent-approval".into(),
            dry_run: false,
            exit_zero: false,
            pipeline: Vec::new(),
            deadlines: Deadlines {
                request: Duration::from_secs(1),
                run: Duration::from_secs(10),
            },
            record: None,
        }
    }

    /// A world with foureyes' own comment for a review that needs approval.
    fn world(editor: Option<&str>) -> Rc<RefCell<World>> {
        let state = State {
            tool: "foureyes".into(),
            version: "0".into(),
            schema: STATE_SCHEMA,
            key: "default".into(),
            head: HEAD.into(),
            verdict: "approval_required".into(),
            approval_severity: "medium".into(),
            fingerprint: "0".repeat(64),
            since: "2026-11-22T08:00:00Z".into(),
            counts: Counts {
                findings: 1,
                gating: 1,
                worst: Some("critical".into()),
                by_rule: [("toxic-combination".to_owned(), 1)].into(),
                by_severity: [("critical".to_owned(), 1)].into(),
                unreviewed_identity: 0,
            },
        };
        let body = sticky_body(&state, "# report", "waiting");
        let comment = Comment {
            id: 1,
            body: Some(body.clone()),
            author: Some(crate::publish::Account {
                login: "foureyes-bot".into(),
                bot: true,
            }),
            url: "https://forge.example/mr/7#note_1".into(),
        };
        let authorship = Authorship {
            viewer_did_author: true,
            author: Some("foureyes-bot".into()),
            editor: editor.map(str::to_owned),
            last_edited_at: editor.map(|_| "2026-11-22T08:30:00Z".to_owned()),
            body,
        };
        Rc::new(RefCell::new(World {
            comments: vec![(comment, authorship)],
            ..World::default()
        }))
    }

    fn approval(login: &str) -> Review {
        Review {
            login: login.into(),
            bot: false,
            state: ReviewState::Approved,
            commit: HEAD.into(),
            submitted: "2026-11-22T09:00:00Z".into(),
        }
    }

    fn gate(world: &Rc<RefCell<World>>) -> anyhow::Result<Exit> {
        run(&MemoryJob(world.clone()), None, &options())
    }

    /// The change request's files on a forge that is not GitHub: listed, then read round by
    /// round where the judgment asks (the merge base for the old side, the head for the new),
    /// an unreadable file judged as one, and a list the forge cut short never a silent pass.
    #[test]
    fn the_files_are_read_where_the_judgment_asks_and_a_short_list_leans_towards_asking() {
        use crate::controls::{ChangedFile, Controls, Status as FileStatus};
        const BASE: &str = "2222222222222222222222222222222222222222";
        let w = world(None);
        let file = |path: &str, status: FileStatus| ChangedFile {
            path: path.into(),
            status,
        };
        {
            let mut world = w.borrow_mut();
            world.files = ChangedFiles {
                base: BASE.into(),
                files: vec![
                    file(".foureyes.toml", FileStatus::Modified),
                    file("main.tf", FileStatus::Modified),
                    file(
                        "deploy/prod.yml",
                        FileStatus::Renamed {
                            from: "deploy/old.yml".into(),
                        },
                    ),
                ],
                unlisted: Some("the forge lists only the first 3 files".into()),
            };
            let mut put = |commit: &str, path: &str, at: FileAt| {
                world.contents.insert((commit.into(), path.into()), at);
            };
            put(
                BASE,
                ".foureyes.toml",
                FileAt::Text("approval_severity = \"high\"\n".into()),
            );
            put(
                HEAD,
                ".foureyes.toml",
                FileAt::Text("approval_severity = \"critical\"\n".into()),
            );
            put(BASE, "deploy/old.yml", FileAt::Text("a: 1\n".into()));
            put(
                HEAD,
                "deploy/prod.yml",
                FileAt::Unreadable("larger than 1024 KiB".into()),
            );
        }
        let forge = Memory(w.clone());
        let controls = Controls {
            config: None,
            patterns: vec!["deploy/*.yml".into()],
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let found = runtime
            .block_on(async {
                let request = forge.change_request().await?;
                files::tamperings(&forge, &request, &controls, "merge request").await
            })
            .expect("read");
        let mut read = w.borrow().read.clone();
        read.sort();
        assert_eq!(
            read,
            [
                (HEAD.to_owned(), ".foureyes.toml".to_owned()),
                (HEAD.to_owned(), "deploy/prod.yml".to_owned()),
                (BASE.to_owned(), ".foureyes.toml".to_owned()),
                (BASE.to_owned(), "deploy/old.yml".to_owned()),
            ],
            "main.tf is no control, and is not read"
        );
        let said: Vec<String> = found
            .iter()
            .map(|t| format!("{} {} ({})", t.control.as_str(), t.how.as_str(), t.possible))
            .collect();
        assert!(
            said.iter().any(|s| s.starts_with(".foureyes.toml ")),
            "{said:#?}"
        );
        assert!(
            said.iter()
                .any(|s| s.starts_with("deploy/prod.yml ") && s.contains("cannot be read")),
            "{said:#?}"
        );
        assert_eq!(
            said.last().map(String::as_str),
            Some(
                "the merge request's files were not all checked for control tampering: the \
                 forge lists only the first 3 files (true)"
            )
        );
    }

    #[test]
    fn on_another_forge_only_an_independent_approval_opens_the_gate() {
        let w = world(None);
        let original = w.borrow().comments[0].0.body.clone().unwrap_or_default();
        assert_eq!(gate(&w).expect("runs"), Exit::ApprovalRequired);
        assert_eq!(
            w.borrow().statuses,
            [(
                StatusState::Failure,
                "Needs an independent approval: 1 finding, worst critical".into()
            )]
        );
        w.borrow_mut().reviews = vec![approval("alice"), approval("bob")];
        assert_eq!(gate(&w).expect("runs"), Exit::ApprovalRequired);
        let log = w.borrow().log.clone();
        assert!(
            log.contains("alice: does not count: the merge request's author"),
            "{log}"
        );
        assert!(
            log.contains("bob: does not count: author of 111111111111"),
            "{log}"
        );
        w.borrow_mut().reviews.push(approval("ivan"));
        assert_eq!(gate(&w).expect("runs"), Exit::Pass);
        let world = w.borrow();
        assert_eq!(
            world.statuses.last(),
            Some(&(
                StatusState::Success,
                "Independently approved by ivan".into()
            ))
        );
        let body = world.comments[0].0.body.clone().unwrap_or_default();
        assert!(body.contains("not the merge request's author"), "{body}");
        // Only the approval section was rewritten: the marker and the state are as they were.
        assert_eq!(body.lines().next(), original.lines().next());
        assert_eq!(body.lines().last(), original.lines().last());
        assert!(world
            .outputs
            .contains(&("approved-by".to_owned(), "ivan".to_owned())));
    }

    #[test]
    fn on_another_forge_a_comment_it_cannot_vouch_for_decides_nothing() {
        // Edited by someone else.
        let w = world(Some("mallory"));
        w.borrow_mut().reviews = vec![approval("ivan")];
        assert_eq!(gate(&w).expect("runs"), Exit::ApprovalRequired);
        assert!(w.borrow().statuses.is_empty());
        assert!(
            w.borrow()
                .warnings
                .iter()
                .any(|x| x.contains("it was edited by mallory")),
            "{:?}",
            w.borrow().warnings
        );
        // The forge cannot say who wrote it.
        let w = world(None);
        w.borrow_mut().reviews = vec![approval("ivan")];
        w.borrow_mut().authorship_fails = Some(false);
        assert_eq!(gate(&w).expect("runs"), Exit::ApprovalRequired);
        assert!(w.borrow().statuses.is_empty());
        assert!(w
            .borrow()
            .warnings
            .iter()
            .any(|x| x.contains("cannot tell who wrote or edited the foureyes comment")));
        // The forge does not answer in time: an error, nothing decided.
        w.borrow_mut().authorship_fails = Some(true);
        assert!(gate(&w).is_err());
        assert!(w.borrow().statuses.is_empty());
    }
}
