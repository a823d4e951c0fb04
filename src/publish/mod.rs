//! Publishing a review to a forge: one sticky comment, the independent-approval gate, and the
//! commit status that holds the merge until someone independent of the change approves.
//!
//! Everything but the forge's API is shared: the sticky comment and its sealed state
//! ([`state`]), who counts as an independent approver ([`approval`]), and what a run decides
//! and writes ([`gate`], [`text`]). A forge is two implementations, in a module of its own:
//! [`Forge`] (its API, for one change request) and [`Job`] (its CI job: where the run's log,
//! summary and outputs go); then one line in [`FORGES`] offers it on the command line.

pub(crate) mod approval;
pub(crate) mod files;
pub(crate) mod gate;
pub(crate) mod github;
pub(crate) mod gitlab;
pub(crate) mod http;
pub(crate) mod record;
pub(crate) mod redact;
pub(crate) mod state;
pub(crate) mod text;
pub(crate) mod time;

use crate::classify::Tampering;
use crate::controls::ChangedFile;
use crate::exit::Exit;
use crate::judge::Report;
use crate::ruleset::Ruleset;
use approval::{Approvers, Commit, Profile, Review};
use state::Authorship;
use std::time::Duration;

/// Every forge foureyes publishes to, as `foureyes NAME`: adding one is its module and one
/// line here.
pub(crate) const FORGES: &[&Registered] = &[&github::FORGE, &gitlab::FORGE];

/// A forge as the command line offers it: the subcommand, its help, and how it runs.
pub(crate) struct Registered {
    /// The subcommand: `github`.
    pub(crate) name: &'static str,
    /// What the subcommand does, in one line (the list of commands, `-h`).
    pub(crate) about: &'static str,
    /// The same in full (`--help`): what it reads from its environment, and the exit codes.
    pub(crate) long_about: &'static str,
    /// The help of the options whose wording names the forge: option id and help.
    pub(crate) help: &'static [(&'static str, &'static str)],
    /// How a pipeline principal names an account of this forge (`github:user/`): its
    /// approvals never count, and it is not a cloud identity.
    pub(crate) account_prefix: &'static str,
    /// Review the plan once the change request's files are judged (or, without a plan, count
    /// approvals), publish, and set the gate.
    pub(crate) run: fn(Option<Planned<'_>>, &Options) -> anyhow::Result<Exit>,
    /// The line printed for an error the command stops on: escaped for the CI log, and with
    /// the job's secrets masked (an API can echo a token back, into any error).
    pub(crate) error_line: fn(&anyhow::Error) -> String,
}

/// The forge offered as `foureyes NAME`.
pub(crate) fn find(name: &str) -> Option<&'static Registered> {
    FORGES.iter().copied().find(|f| f.name == name)
}

/// The default deadline of one request.
pub(crate) const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The default time limit of the whole run.
pub(crate) const RUN_TIMEOUT: Duration = Duration::from_secs(600);

/// How long foureyes waits for the forge.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadlines {
    /// One request, from connecting to the last byte of the answer.
    pub(crate) request: Duration,
    /// Every request of the run, with retries and rate-limit waits.
    pub(crate) run: Duration,
}

/// How the command was asked to publish.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    /// One sticky comment per key and change request.
    pub(crate) key: String,
    /// Who may approve; empty: anyone independent of the change.
    pub(crate) approvers: Approvers,
    /// The commit status's name.
    pub(crate) status_context: String,
    /// Print what would be written instead of writing it.
    pub(crate) dry_run: bool,
    /// Exit 0 even when approval is missing.
    pub(crate) exit_zero: bool,
    /// Accounts that apply the change (the forge's accounts among the pipeline principals).
    pub(crate) pipeline: Vec<String>,
    /// How long to wait for the forge.
    pub(crate) deadlines: Deadlines,
    /// Write the decision record here (`--record`), with the digests of what was reviewed.
    pub(crate) record: Option<record::Request>,
}

/// The review a run with the plan makes, once it has judged the change request's own files:
/// the gate reads them through the forge's API (no checkout needed), then reviews.
pub(crate) struct Planned<'a> {
    pub(crate) ruleset: &'a Ruleset,
    /// The configuration file given with `--config`, as given (from the current directory).
    pub(crate) config: Option<std::path::PathBuf>,
    /// More files that configure the review (`control_files` of the configuration).
    pub(crate) control_files: Vec<String>,
    /// Review the plan, with how the change request's files weaken the review.
    pub(crate) review: Box<dyn FnOnce(Vec<Tampering>) -> anyhow::Result<Report> + 'a>,
}

/// A review made in this run, ready to publish.
pub(crate) struct Reviewed<'a> {
    pub(crate) report: &'a Report,
    pub(crate) ruleset: &'a Ruleset,
    /// The report as text, for the job log.
    pub(crate) text: String,
}

/// The words a forge and its CI use, for what foureyes writes about them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Terms {
    /// The forge's name: `GitHub`.
    pub(crate) forge: &'static str,
    /// What a change request is called: `pull request`.
    pub(crate) request: &'static str,
    /// Where the job's whole report is: `the job summary`.
    pub(crate) summary: &'static str,
    /// What it takes to read whether someone is in an approver team.
    pub(crate) team_access: &'static str,
}

/// A forge's API, for the one change request a run is about (a GitHub pull request, a GitLab
/// merge request): everything the gate reads and writes there.
///
/// An implementation turns the forge's answers into these types and its failures into
/// [`ForgeError`]s, and decides nothing: what counts, what is trusted, what a failure means
/// for the gate, and what a dry run skips are the gate's ([`gate`]).
///
/// NOTE: async methods of a crate-private trait: the gate is generic over the forge and runs
/// on one thread, so the futures need not be `Send`.
pub(crate) trait Forge {
    /// How the forge identifies a comment, to update it and to ask who wrote it.
    type CommentId;
    /// The longest comment the forge accepts, in characters.
    const COMMENT_LIMIT: usize;
    /// The longest status description the forge accepts, in characters.
    const DESCRIPTION_LIMIT: usize;

    /// The change request: its head commit, author, state and number of commits.
    async fn change_request(&self) -> Result<ChangeRequest, ForgeError>;
    /// Every comment on the change request, oldest first, as the forge lists them.
    async fn comments(&self) -> Result<Vec<Comment<Self::CommentId>>, ForgeError>;
    /// Who wrote and last edited each of these comments, and its body now, in the same order;
    /// `None` for one the forge does not know. An error that is not a timeout means the forge
    /// cannot say, and then nothing in these comments is trusted.
    async fn authorship(
        &self,
        comments: &[&Comment<Self::CommentId>],
    ) -> Result<Vec<Option<Authorship>>, ForgeError>;
    /// Post a comment; its address, when the forge's answer gives it. `what` says what the
    /// write is for, in the error.
    async fn create_comment(&self, body: &str, what: &str) -> Result<Option<String>, ForgeError>;
    /// Replace a comment's body; its address, when the forge's answer gives it.
    async fn update_comment(
        &self,
        id: &Self::CommentId,
        body: &str,
        what: &str,
    ) -> Result<Option<String>, ForgeError>;
    /// Every review of the change request, oldest first.
    async fn reviews(&self) -> Result<Vec<Review>, ForgeError>;
    /// The commits of the change request, as many as the forge lists (see
    /// [`ChangeRequest::commits`]).
    async fn commits(&self) -> Result<Vec<Commit>, ForgeError>;
    /// A user's public profile.
    async fn profile(&self, login: &str) -> Result<Profile, ForgeError>;
    /// Whether a user is an active member of the team `org/team`: `Ok(false)` when the forge
    /// says not (or hides the team as not found).
    async fn team_member(&self, org: &str, team: &str, login: &str) -> Result<bool, ForgeError>;
    /// Ask these users and teams (of [`ChangeRequest::team_owner`]) for a review.
    async fn request_reviews(
        &self,
        users: &[&str],
        teams: &[&str],
        what: &str,
    ) -> Result<(), ForgeError>;
    /// Set the gate's status on a commit.
    async fn set_status(&self, status: &Status<'_>) -> Result<(), ForgeError>;
    /// The files the change request changes, as the forge lists them, and the commit that
    /// list is relative to (the merge base of its target and its head). A forge that lists
    /// only so many says so in [`ChangedFiles::unlisted`].
    async fn changed_files(&self, request: &ChangeRequest) -> Result<ChangedFiles, ForgeError>;
    /// A file of the repository at a commit, read up to `limit` bytes.
    async fn file_at(&self, commit: &str, path: &str, limit: usize) -> Result<FileAt, ForgeError>;
    /// The forge's clock at its last answer (RFC 3339 UTC), when it said.
    fn clock(&self) -> Option<String>;
    /// The account an email address stands for by the forge's convention (a no-reply
    /// address), if any.
    fn account_of_address(&self, email: &str) -> Option<String>;
}

/// A forge's CI job: how the run reaches the forge, and where its text leaves the process.
/// Everything that leaves passes the job's redactor, as the last step.
pub(crate) trait Job {
    /// The forge the job runs on.
    type Forge: Forge;
    /// The words of the forge and its CI.
    const TERMS: Terms;
    /// The most the job's summary may hold, in bytes.
    const SUMMARY_LIMIT: usize;

    /// The forge's API for the change request the job runs on; a job set up wrong (no change
    /// request, no token) is an error that says what to fix.
    fn connect(&self, options: &Options) -> Result<Self::Forge, ForgeError>;
    /// Where the whole report of this run is, for the comment to point at: `the [job
    /// summary](URL) of this workflow run`.
    fn report_place(&self) -> String;
    /// Print the run's log (already escaped for the terminal) and its warnings, as the CI
    /// shows them.
    fn log(&self, text: &str, warnings: &[String]) -> anyhow::Result<()>;
    /// Append Markdown to the job's summary; a summary that cannot be written is a warning.
    fn summary(&self, markdown: &str);
    /// Set the job's outputs.
    fn outputs(&self, values: &[(&str, String)]) -> anyhow::Result<()>;
    /// Text with the job's secrets masked.
    fn redact(&self, text: &str) -> String;
    /// The repository's checkout on this machine, when the CI says where it is
    /// (`GITHUB_WORKSPACE`): `--config` is named from there among the changed files.
    fn root(&self) -> Option<std::path::PathBuf>;
}

/// The change request a run is about, as the forge describes it.
#[derive(Debug, Clone, Default)]
pub(crate) struct ChangeRequest {
    /// How people name it: `pull request #7`.
    pub(crate) name: String,
    /// The head commit now (checked to be a commit id before anything uses it).
    pub(crate) head: String,
    /// Who opened it.
    pub(crate) author: String,
    /// Whether it is open; approvals of a closed one are still judged, with a warning.
    pub(crate) open: bool,
    /// The forge's word for its state (`open`, `closed`), for that warning.
    pub(crate) state: String,
    /// How many commits it has, when the forge says: more than it lists, and the authors of
    /// the others cannot be ruled out.
    pub(crate) commits: Option<usize>,
    /// The target branch's commit the forge compares the head with, when it says (GitHub's
    /// `base.sha`): the files are listed from its merge base with the head.
    pub(crate) base: Option<String>,
    /// How many files it changes, when the forge says: more than it lists, and the others
    /// were not checked.
    pub(crate) changed_files: Option<usize>,
    /// Users already asked for a review.
    pub(crate) requested_users: Vec<String>,
    /// Teams already asked for a review.
    pub(crate) requested_teams: Vec<String>,
    /// The organization whose teams can be asked for a review, when teams can be.
    pub(crate) team_owner: Option<String>,
}

/// The files a change request changes, as the forge lists them.
#[derive(Debug, Clone, Default)]
pub(crate) struct ChangedFiles {
    /// The commit the files are compared with: the merge base of the target and the head.
    pub(crate) base: String,
    pub(crate) files: Vec<ChangedFile>,
    /// Why the list is not all of them, in the forge's words, when it is not: `lists only the
    /// first 3000 of 3512 files (GitHub's limit)`.
    pub(crate) unlisted: Option<String>,
}

/// A file at a commit, as the forge gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FileAt {
    Text(String),
    /// No such file at that commit.
    Absent,
    /// There, and not read as text: why (`larger than 1024 KiB`, `not UTF-8 text`).
    Unreadable(String),
}

/// An account as the forge lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Account {
    pub(crate) login: String,
    /// The forge says the account is a bot.
    pub(crate) bot: bool,
}

/// A comment on the change request, as the forge lists it.
#[derive(Debug, Clone)]
pub(crate) struct Comment<Id> {
    pub(crate) id: Id,
    pub(crate) body: Option<String>,
    /// Who the listing says wrote it: only a hint, never trusted on its own.
    pub(crate) author: Option<Account>,
    /// Where people read it.
    pub(crate) url: String,
}

/// What the gate's status says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StatusState {
    /// The change may merge.
    Success,
    /// It may not yet.
    Failure,
}

impl StatusState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            StatusState::Success => "success",
            StatusState::Failure => "failure",
        }
    }
}

/// The gate's status on a commit.
#[derive(Debug, Clone)]
pub(crate) struct Status<'a> {
    /// The commit it is set on: the head the run judged.
    pub(crate) commit: &'a str,
    pub(crate) state: StatusState,
    /// The status's name.
    pub(crate) context: &'a str,
    /// One line, within the forge's limit.
    pub(crate) description: &'a str,
}

/// The forge failing, or the job not set up to reach it: the message for the person reading
/// the log, and what the gate needs to know to decide whether the run can go on.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub(crate) struct ForgeError {
    message: String,
    /// The HTTP status, when the forge answered.
    status: Option<u16>,
    time: Time,
}

/// Whether a failure was the forge being too slow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Time {
    /// Not about time.
    Kept,
    /// One request passed its deadline.
    Request,
    /// The run's time is up: nothing more can be asked of the forge.
    Run,
}

impl ForgeError {
    /// A failure that is not about time: a refusal, an answer of the wrong shape, a job set up
    /// wrong. `status`: the HTTP status, when the forge answered.
    pub(crate) fn new(message: String, status: Option<u16>) -> ForgeError {
        ForgeError {
            message,
            status,
            time: Time::Kept,
        }
    }

    /// A request that passed its own deadline.
    pub(crate) fn timeout(message: String) -> ForgeError {
        ForgeError {
            message,
            status: None,
            time: Time::Request,
        }
    }

    /// A request that the run's time limit cut short, or that could not be made in time.
    pub(crate) fn out_of_time(message: String) -> ForgeError {
        ForgeError {
            message,
            status: None,
            time: Time::Run,
        }
    }

    /// The HTTP status, when the forge answered.
    pub(crate) fn status(&self) -> Option<u16> {
        self.status
    }

    /// Whether the forge was too slow: a request past its deadline, or the run out of time.
    pub(crate) fn is_timeout(&self) -> bool {
        self.time != Time::Kept
    }

    /// Whether the run is out of time: nothing more can be asked of the forge.
    pub(crate) fn is_out_of_time(&self) -> bool {
        self.time == Time::Run
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every forge module is registered, once: a forge whose files were added without its
    /// line in [`FORGES`] would never run.
    #[test]
    fn every_forge_module_is_registered() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/publish");
        let mut modules: Vec<String> = std::fs::read_dir(&dir)
            .expect("src/publish is readable")
            .map(|entry| entry.expect("a directory entry").path())
            .filter(|path| path.join("mod.rs").is_file())
            .map(|path| {
                path.file_name()
                    .expect("a directory name")
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        modules.sort();
        let mut registered: Vec<String> = FORGES.iter().map(|f| f.name.to_owned()).collect();
        registered.sort();
        registered.dedup();
        assert_eq!(registered.len(), FORGES.len(), "one line per forge");
        assert_eq!(
            modules, registered,
            "each forge module under src/publish/ has one line in publish::FORGES, named as its \
             directory"
        );
        for forge in FORGES {
            assert_eq!(find(forge.name).map(|f| f.name), Some(forge.name));
            assert!(
                !forge.about.ends_with('.'),
                "clap shows the about as a line"
            );
        }
    }
}
