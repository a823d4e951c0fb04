//! The command line: parse arguments, run the review, write the report, choose the exit code.

use crate::config;
use crate::exit::Exit;
use crate::load;
use crate::publish::{self, Registered};
use crate::render::{self, Format};
use crate::review::{self, Settings};
use crate::rules;
use crate::ruleset::{Ruleset, Severity};
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// Reviews infrastructure changes for segregation of duties: who gains which privilege, and
/// whether one identity could both change privilege and hide the evidence.
#[derive(Debug, Parser)]
#[command(name = "foureyes", version, about, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The commands other than the forges'; those come from [`publish::FORGES`] ([`command`]), and
/// are listed after `review`.
#[derive(Debug, Subcommand)]
enum Command {
    /// Review one or more Terraform plans (`terraform show -json`) or Pulumi previews
    /// (`pulumi preview --json`) as one change set, or two trees of `.tf` files without a plan
    /// (`--hcl-base`, `--hcl-head`).
    ///
    /// Exit codes: 0 no independent approval required, 1 required, 2 usage, configuration or
    /// input error.
    #[command(display_order = 0)]
    Review(Box<ReviewArgs>),
    /// The pre-commit hook: review the staged `.tf` files and control files of the git
    /// repository of the current directory (the index git is committing) against HEAD.
    ///
    /// Says in a few lines what needs an independent approver. Exit codes: 0 the staged
    /// change needs no independent approval (or stages no `.tf`, `.tfvars` or control file),
    /// 1 it does, 2 usage, configuration, input or git error.
    #[command(display_order = 1)]
    Hook(Box<HookArgs>),
    /// List the rules: id, severity and title.
    #[command(display_order = 100)]
    Rules(RulesArgs),
    /// Explain a rule: what it finds, why it matters, an example, how to fix the change and how
    /// to record a justified exception.
    #[command(display_order = 101)]
    Explain {
        /// A rule id, as `foureyes rules` lists them.
        rule: String,
        /// `text` for a terminal (wrapped to its width, or COLUMNS, or 100); `markdown` as is.
        #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
        format: RulesFormat,
    },
    /// Print the shell completion script for bash, zsh, fish or powershell.
    ///
    /// bash: `foureyes completions bash > ~/.local/share/bash-completion/completions/foureyes`;
    /// zsh: into a directory of `$fpath` as `_foureyes`; fish:
    /// `~/.config/fish/completions/foureyes.fish`; powershell: add it to `$PROFILE`.
    #[command(display_order = 102)]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page, foureyes(1), in roff (`foureyes man > foureyes.1`), or write it and
    /// one page per command (foureyes-review(1), ...) into a directory.
    #[command(display_order = 103)]
    Man {
        /// Write foureyes.1 and foureyes-COMMAND.1 here instead of printing foureyes.1.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

#[derive(Debug, clap::Args)]
struct HookArgs {
    #[command(flatten)]
    options: ReviewOptions,
}

#[derive(Debug, clap::Args)]
struct RulesArgs {
    /// `text` for a terminal; `markdown` for the full reference (as in the README).
    #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
    format: RulesFormat,
}

/// When to colour the text report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum RulesFormat {
    Text,
    Markdown,
}

#[derive(Debug, clap::Args)]
struct ReviewArgs {
    /// Plan or preview JSON files, or `-` for stdin; the format is recognised from the content.
    /// Several inputs are reviewed as one change set.
    #[arg(required_unless_present = "hcl_head", value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    /// Review the difference between two trees of `.tf` files, without a plan (static
    /// analysis): this one is the tree before the change.
    #[arg(long, value_name = "DIR", requires = "hcl_head")]
    hcl_base: Option<PathBuf>,
    /// The tree of `.tf` files after the change (with `--hcl-base`).
    #[arg(long, value_name = "DIR", requires = "hcl_base")]
    hcl_head: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Write the report to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Also write the JSON report to this file (the same review: CI runs it once).
    #[arg(long, value_name = "FILE")]
    output_json: Option<PathBuf>,
    /// Also write the SARIF report to this file.
    #[arg(long, value_name = "FILE")]
    output_sarif: Option<PathBuf>,
    /// Also write the Markdown review comment to this file.
    #[arg(long, value_name = "FILE")]
    output_markdown: Option<PathBuf>,
    /// Also write the GitLab Code Quality report to this file.
    #[arg(long, value_name = "FILE")]
    output_codequality: Option<PathBuf>,
    /// Print only the verdict line (the exit code says the same); the reports still go to the
    /// files of `--output` and `--output-*`.
    #[arg(long, short, conflicts_with = "format")]
    quiet: bool,
    /// Colour the text report: `auto` on a terminal unless NO_COLOR is set, `always`, `never`.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = Color::Auto)]
    color: Color,
    /// Also check the files changed on this branch for control tampering: those changed
    /// between REV's merge base with HEAD and HEAD (commits, not the working tree), in the
    /// git repository of the current directory.
    #[arg(long, value_name = "REV")]
    git_base: Option<String>,
    #[command(flatten)]
    options: ReviewOptions,
}

/// How to review: shared by `review`, `hook` and the forge commands.
#[derive(Debug, Clone, clap::Args)]
struct ReviewOptions {
    /// Configuration file [default: .foureyes.toml in the current directory, or in the nearest
    /// parent up to the git repository's root].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// An identity that applies the change (role name, ARN or principal id); repeatable.
    /// Replaces the identities in the configuration and those detected in the plan.
    /// `github:user/LOGIN` (`gitlab:user/USERNAME`) names a GitHub (GitLab) account, such as a
    /// machine user, whose approvals never count; it replaces nothing.
    #[arg(long = "pipeline-principal", value_name = "ID")]
    pipeline_principals: Vec<String>,
    /// An extra ruleset file (TOML, the format of the built-in rulesets); repeatable.
    #[arg(long = "ruleset", value_name = "FILE")]
    rulesets: Vec<PathBuf>,
    /// Findings at or above this severity require an independent approver [default: the
    /// configuration's `approval_severity`, or medium].
    #[arg(long, value_name = "SEVERITY", value_parser = ["low", "medium", "high", "critical"])]
    fail_on: Option<String>,
    /// Report, but exit 0 even when approval is required.
    #[arg(long)]
    exit_zero: bool,
    /// Judge the exceptions' expiry as of this day (YYYY-MM-DD, UTC), to reproduce a past
    /// review [default: today].
    #[arg(long, value_name = "DATE", value_parser = parse_day)]
    today: Option<chrono::NaiveDate>,
}

/// A day as `--today` takes it.
fn parse_day(text: &str) -> Result<chrono::NaiveDate, String> {
    let b = text.as_bytes();
    if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        if let Ok(day) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            return Ok(day);
        }
    }
    Err("expected a date like 2026-12-31".to_string())
}

/// The options of every forge command (`foureyes github`); a forge words some of their help
/// its own way ([`Registered::help`]).
#[derive(Debug, clap::Args)]
struct ForgeArgs {
    /// Plan JSON files. Optional on review events: the verdict is then read back from
    /// foureyes' own comment, and the run can only count approvals, so the job needs no cloud
    /// credentials.
    #[arg(value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    #[command(flatten)]
    options: ReviewOptions,
    /// One sticky comment per key: give each plan of a monorepo its own.
    #[arg(long, value_name = "KEY", default_value = "default")]
    comment_key: String,
    /// Only these count as independent approvers: a login, or a team `org/team` (GitLab: a
    /// group `group/subgroup`, or `group:PATH` for any group, a top-level one included);
    /// repeatable. Review is requested from the users while approval is missing.
    #[arg(long = "approver", value_name = "LOGIN|ORG/TEAM")]
    approvers: Vec<String>,
    /// The name of the commit status that gates the merge [default:
    /// foureyes/independent-approval, and foureyes/independent-approval/KEY for a comment key
    /// other than `default`, so that each plan gates on its own].
    #[arg(long, value_name = "NAME")]
    status_context: Option<String>,
    /// Print the comment, the status and the approvals that would count; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Write the decision record here: the plan files' SHA-256, the head commit, the findings
    /// and their fingerprint, every reviewer and why they counted or not, the exceptions used,
    /// the gate's decision and its time (JSON, schemas/record.schema.json).
    #[arg(long, value_name = "FILE")]
    record: Option<PathBuf>,
    /// Give up on a request to the forge that has not answered in full within this many
    /// seconds (connecting, the headers and the whole body).
    #[arg(long, value_name = "SECS", default_value_t = publish::REQUEST_TIMEOUT.as_secs(), value_parser = clap::value_parser!(u64).range(1..=3600))]
    request_timeout: u64,
    /// Give up when talking to the forge takes longer than this many seconds in all, retries
    /// and rate-limit waits included.
    #[arg(long, value_name = "SECS", default_value_t = publish::RUN_TIMEOUT.as_secs(), value_parser = clap::value_parser!(u64).range(1..=21600))]
    timeout: u64,
}

/// The command line: the commands of [`Cli`], and one per forge of [`publish::FORGES`], with
/// the forge's help.
fn command() -> clap::Command {
    let mut cli = Cli::command();
    for (i, forge) in publish::FORGES.iter().enumerate() {
        let mut sub = ForgeArgs::augment_args(clap::Command::new(forge.name))
            .about(forge.about)
            .long_about(forge.long_about)
            .display_order(10 + i);
        for (id, help) in forge.help {
            sub = sub.mut_arg(*id, |arg| arg.help(*help));
        }
        cli = cli.subcommand(sub);
    }
    cli
}

/// Run the command line and return the exit code.
pub fn main() -> u8 {
    run().code()
}

/// Run the command line.
fn run() -> Exit {
    let parsed = command().try_get_matches().and_then(|matches| {
        let forge = matches
            .subcommand()
            .and_then(|(name, sub)| Some((publish::find(name)?, sub)));
        Ok(match forge {
            Some((forge, sub)) => Parsed::Forge(forge, Box::new(ForgeArgs::from_arg_matches(sub)?)),
            None => Parsed::Cli(Cli::from_arg_matches(&matches)?),
        })
    });
    let cli = match parsed {
        Ok(Parsed::Cli(cli)) => cli,
        Ok(Parsed::Forge(forge, args)) => {
            return match forge_command(forge, &args) {
                Ok(code) => code,
                Err(e) => {
                    // NOTE: an API can echo the token back, into any error.
                    eprintln!("{}", (forge.error_line)(&e));
                    Exit::Error
                }
            };
        }
        Err(e) => {
            let code = if e.use_stderr() {
                Exit::Error
            } else {
                Exit::Pass
            };
            let _ = e.print();
            return code;
        }
    };
    match cli.command {
        Command::Review(args) => match review_command(&args) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("{}", crate::escape::ci_log(&format!("error: {e:#}")));
                Exit::Error
            }
        },
        Command::Hook(args) => match hook_command(&args) {
            Ok(code) => code,
            Err(e) => {
                eprintln!(
                    "{}",
                    crate::escape::ci_log(&format!("foureyes: error: {e:#}"))
                );
                Exit::Error
            }
        },
        Command::Rules(args) => {
            // NOTE: the built-in rulesets are part of the binary and tested; they load.
            let ruleset = Ruleset::load(&[]).unwrap_or_default();
            let text = match args.format {
                RulesFormat::Text => rules_text(&ruleset),
                RulesFormat::Markdown => rules::reference(&ruleset),
            };
            print(&text)
        }
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut command(), "foureyes", &mut out);
            print(&String::from_utf8_lossy(&out))
        }
        Command::Man { dir } => match man_pages(dir.as_deref()) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("{}", crate::escape::ci_log(&format!("error: {e:#}")));
                Exit::Error
            }
        },
        Command::Explain { rule, format } => match rules::find(&rule) {
            Some(r) => match format {
                RulesFormat::Markdown => print(&r.explain()),
                RulesFormat::Text => {
                    let color = std::io::stdout().is_terminal()
                        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
                    print(&render::terminal::markdown(
                        &r.explain(),
                        render::terminal::width(),
                        color,
                    ))
                }
            },
            None => {
                eprintln!(
                    "error: there is no rule `{}`; the rules are: {}",
                    crate::escape::terminal(&rule),
                    rules::all().map(|r| r.id).collect::<Vec<_>>().join(", ")
                );
                Exit::Error
            }
        },
    }
}

/// `foureyes man`: foureyes(1) on stdout, or every page into `dir`.
fn man_pages(dir: Option<&std::path::Path>) -> anyhow::Result<Exit> {
    let top = command();
    let render = |cmd: clap::Command| -> anyhow::Result<Vec<u8>> {
        let mut out = Vec::new();
        clap_mangen::Man::new(cmd).render(&mut out)?;
        Ok(out)
    };
    let Some(dir) = dir else {
        return Ok(print(&String::from_utf8_lossy(&render(top)?)));
    };
    std::fs::create_dir_all(dir)
        .map_err(|e| anyhow::anyhow!("{}: cannot create: {e}", dir.display()))?;
    let mut pages = vec![("foureyes".to_owned(), top.clone())];
    for sub in top.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = format!("foureyes-{}", sub.get_name());
        pages.push((name.clone(), sub.clone().name(name)));
    }
    for (name, cmd) in pages {
        let path = dir.join(format!("{name}.1"));
        std::fs::write(&path, render(cmd)?)
            .map_err(|e| anyhow::anyhow!("{}: cannot write: {e}", path.display()))?;
    }
    Ok(Exit::Pass)
}

/// What the command line asked for.
enum Parsed {
    Cli(Cli),
    /// A forge's command.
    Forge(&'static Registered, Box<ForgeArgs>),
}

/// The rules, aligned: id, severity, title; then the duties.
fn rules_text(ruleset: &Ruleset) -> String {
    let w = rules::all().map(|r| r.id.len()).max().unwrap_or(0);
    let mut out = String::new();
    for r in rules::all() {
        out.push_str(&format!(
            "{:w$}  {:8}  {}\n",
            r.id,
            r.severity_text(),
            r.title
        ));
    }
    out.push_str("\nDuties:\n");
    let w = ruleset.duties.keys().map(String::len).max().unwrap_or(0);
    for (id, d) in &ruleset.duties {
        out.push_str(&format!("  {id:w$}  {}\n", d.description));
    }
    out.push_str("\nRun `foureyes explain RULE` for what a rule finds, why, and how to fix it.\n");
    out
}

/// Write to stdout; a closed pipe is not an error.
fn print(text: &str) -> Exit {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            eprintln!("error: cannot write: {e}");
            Exit::Error
        }
        _ => Exit::Pass,
    }
}

/// The ruleset and settings the options ask for, the accounts of `forge` among the pipeline
/// principals (`github:user/LOGIN` for GitHub), and the configuration's `control_files`.
fn prepare(
    options: &ReviewOptions,
    forge: Option<&Registered>,
) -> anyhow::Result<(Ruleset, Settings, Vec<String>, Vec<String>)> {
    let cwd = std::env::current_dir()?;
    let today = options.today.unwrap_or_else(config::today);
    let config = config::load(options.config.as_deref(), &cwd, today)?;
    let mut extra = config.rulesets.clone();
    for path in &options.rulesets {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("{}: cannot read: {e}", path.display()))?;
        extra.push((path.display().to_string(), text));
    }
    let ruleset = Ruleset::load(&extra)?;
    // NOTE: forge accounts are not cloud identities: naming one must not replace the cloud
    // identities of the configuration or those detected in the plan.
    let split = |list: &[String]| -> (Vec<String>, Vec<String>) {
        let (mut logins, mut cloud) = (Vec::new(), Vec::new());
        for principal in list {
            let account = publish::FORGES.iter().find_map(|f| {
                let login = principal.trim().strip_prefix(f.account_prefix)?;
                Some((f.name, login))
            });
            match account {
                Some((name, login)) if forge.is_some_and(|f| f.name == name) => {
                    logins.push(login.to_owned());
                }
                Some(_) => {}
                None => cloud.push(principal.clone()),
            }
        }
        (logins, cloud)
    };
    let (mut accounts, cloud) = split(&options.pipeline_principals);
    let declared = &config.declared;
    let (configured_accounts, configured_cloud) = split(&declared.pipeline_principals);
    accounts.extend(configured_accounts);
    let settings = Settings {
        pipeline_principals: if cloud.is_empty() {
            configured_cloud
        } else {
            cloud
        },
        approval_severity: options
            .fail_on
            .as_deref()
            .and_then(Severity::parse)
            .unwrap_or(declared.approval_severity),
        unmodelled_identity_requires_approval: declared.unmodelled_identity_requires_approval,
        exceptions: declared.exceptions.clone(),
        today,
        file_tamperings: None,
    };
    Ok((ruleset, settings, accounts, declared.control_files.clone()))
}

/// Open every input (stdin is read by the review, once); `-` at most once.
fn read_inputs(inputs: &[PathBuf]) -> anyhow::Result<Vec<load::Source>> {
    let mut stdin_used = false;
    let mut sources = Vec::new();
    for input in inputs {
        if input.as_os_str() == "-" {
            if stdin_used {
                anyhow::bail!("`-` (stdin) can be given only once");
            }
            stdin_used = true;
        }
        sources.push(load::read(input)?);
    }
    Ok(sources)
}

/// A forge's command: review the plan if there is one, then publish and gate on the forge.
fn forge_command(forge: &Registered, args: &ForgeArgs) -> anyhow::Result<Exit> {
    if !publish::state::valid_key(&args.comment_key) {
        anyhow::bail!(
            "--comment-key `{}` must be 1 to 64 letters, digits, `.`, `_`, `/` or `-`",
            crate::escape::terminal(&args.comment_key)
        );
    }
    // NOTE: two plans must not share a status: the second would overwrite the first's verdict.
    let status_context = args.status_context.clone().unwrap_or_else(|| {
        if args.comment_key == "default" {
            "foureyes/independent-approval".to_owned()
        } else {
            format!("foureyes/independent-approval/{}", args.comment_key)
        }
    });
    if status_context.trim().is_empty() || status_context.chars().any(char::is_control) {
        anyhow::bail!("--status-context must be a name on one line");
    }
    let approvers =
        publish::approval::Approvers::parse(&args.approvers).map_err(anyhow::Error::msg)?;
    let (ruleset, settings, accounts, control_files) = prepare(&args.options, Some(forge))?;
    let options = publish::Options {
        key: args.comment_key.clone(),
        approvers,
        status_context,
        dry_run: args.dry_run,
        exit_zero: args.options.exit_zero,
        pipeline: accounts,
        deadlines: publish::Deadlines {
            request: std::time::Duration::from_secs(args.request_timeout),
            run: std::time::Duration::from_secs(args.timeout),
        },
        record: match &args.record {
            Some(path) => Some(publish::record::Request {
                path: path.clone(),
                inputs: publish::record::digests(&args.inputs)?,
            }),
            None => None,
        },
    };
    if args.inputs.is_empty() {
        return (forge.run)(None, &options);
    }
    let sources = read_inputs(&args.inputs)?;
    // NOTE: the forge reads the change request's own files first; the review then judges
    // them with the plan.
    let review = |file_tamperings| {
        let settings = Settings {
            file_tamperings: Some(file_tamperings),
            ..settings
        };
        let report = review::review(&sources, &settings, &ruleset)?;
        drop(sources);
        Ok(report)
    };
    let planned = publish::Planned {
        ruleset: &ruleset,
        config: args.options.config.clone(),
        control_files,
        review: Box::new(review),
    };
    (forge.run)(Some(planned), &options)
}

/// How the files changed since `rev` weaken the review (`--git-base`): the configuration
/// the review reads is a control wherever it is, and its `control_files` are too.
fn git_tamperings(
    options: &ReviewOptions,
    rev: &str,
) -> anyhow::Result<Vec<crate::classify::Tampering>> {
    let cwd = std::env::current_dir()?;
    let today = options.today.unwrap_or_else(config::today);
    let config = config::load(options.config.as_deref(), &cwd, today)?;
    let patterns = config.declared.control_files.clone();
    Ok(crate::controls::git::tamperings(
        &cwd,
        rev,
        config.path.as_deref(),
        patterns,
    )?)
}

/// `foureyes hook`: the staged change against HEAD, and a short message on stderr.
fn hook_command(args: &HookArgs) -> anyhow::Result<Exit> {
    let cwd = std::env::current_dir()?;
    let options = args.options.clone();
    // NOTE: the configuration first, the rulesets only once something is staged: a commit
    // without `.tf` or control files must not wait for them.
    let today = options.today.unwrap_or_else(config::today);
    let config = config::load(options.config.as_deref(), &cwd, today)?;
    let index = std::env::var_os("GIT_INDEX_FILE")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    let staged = crate::hook::staged(
        &cwd,
        index.as_deref(),
        config.path.as_deref(),
        config.declared.control_files.clone(),
    )?;
    let Some(staged) = staged else {
        return Ok(Exit::Pass);
    };
    let (ruleset, mut settings, _, _) = prepare(&options, None)?;
    settings.file_tamperings = Some(staged.tamperings);
    let report = review::review(&staged.sources, &settings, &ruleset)?;
    drop(staged.sources);
    eprint!("{}", crate::hook::message(&report));
    Ok(Exit::of_verdict(report.verdict, options.exit_zero))
}

fn review_command(args: &ReviewArgs) -> anyhow::Result<Exit> {
    let (ruleset, mut settings, _, _) = prepare(&args.options, None)?;
    if let Some(rev) = &args.git_base {
        settings.file_tamperings = Some(
            git_tamperings(&args.options, rev).map_err(|e| anyhow::anyhow!("--git-base: {e:#}"))?,
        );
    }
    let mut sources = read_inputs(&args.inputs)?;
    if let (Some(base), Some(head)) = (&args.hcl_base, &args.hcl_head) {
        let base = load::Tree::read_directory(base)?;
        let head = load::Tree::read_directory(head)?;
        sources.extend(crate::normalize::hcl::sources(base, head)?);
    }
    let files = report_files(args)?;
    let mut report = review::review(&sources, &settings, &ruleset)?;
    drop(sources);
    let cwd = std::env::current_dir()?;
    for input in &mut report.inputs {
        input.repository_path = repository_path(&cwd, &input.name);
    }
    let terminal = std::io::stdout().is_terminal();
    let color = |to_stdout: bool| match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            to_stdout && terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    for (format, path) in &files {
        std::fs::File::create(path)
            .and_then(|file| {
                let mut out = std::io::BufWriter::with_capacity(1 << 16, file);
                render::write(&report, *format, &ruleset, color(false), &mut out)?;
                out.flush()
            })
            .map_err(|e| anyhow::anyhow!("{}: cannot write the report: {e}", path.display()))?;
    }
    if args.quiet || args.output.is_none() {
        let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
        let written = if args.quiet {
            render::text::verdict(&report, color(true), &mut out)
        } else if args.format == Format::Text {
            render::text::write(&report, color(true), render::terminal::width(), &mut out)
        } else {
            render::write(&report, args.format, &ruleset, color(true), &mut out)
        };
        match written.and_then(|()| out.flush()) {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                anyhow::bail!("cannot write the report: {e}")
            }
            _ => {}
        }
    }
    Ok(Exit::of_verdict(report.verdict, args.options.exit_zero))
}

/// An input's path from the root of the git repository it is in (the nearest directory above
/// it with `.git`), with `/` between names: `infra/plan.json`. `None` for stdin, and for a file
/// in no repository.
fn repository_path(cwd: &std::path::Path, name: &str) -> Option<String> {
    use std::path::Component;
    if name == "<stdin>" || name == "-" {
        return None;
    }
    // NOTE: lexically, without following links: the path as the user and the repository name it.
    let mut absolute = PathBuf::new();
    for part in cwd.join(name).components() {
        match part {
            Component::ParentDir => {
                absolute.pop();
            }
            Component::CurDir => {}
            other => absolute.push(other),
        }
    }
    let root = absolute
        .ancestors()
        .skip(1)
        .find(|a| a.join(".git").exists())?;
    let relative = absolute.strip_prefix(root).ok()?;
    let parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// The files the reports go to, each with its format: `--output` (in `--format`) and every
/// `--output-*`; two reports to one file is a usage error.
fn report_files(args: &ReviewArgs) -> anyhow::Result<Vec<(Format, PathBuf)>> {
    let named = [
        ("--output", args.format, &args.output),
        ("--output-json", Format::Json, &args.output_json),
        ("--output-sarif", Format::Sarif, &args.output_sarif),
        ("--output-markdown", Format::Markdown, &args.output_markdown),
        (
            "--output-codequality",
            Format::Codequality,
            &args.output_codequality,
        ),
    ];
    let mut files: Vec<(&str, Format, PathBuf)> = Vec::new();
    for (option, format, path) in named {
        let Some(path) = path else { continue };
        if let Some((other, _, _)) = files.iter().find(|(_, _, p)| p == path) {
            anyhow::bail!(
                "{option} and {other} name the same file, {}: give each report its own",
                path.display()
            );
        }
        files.push((option, format, path.clone()));
    }
    Ok(files.into_iter().map(|(_, f, p)| (f, p)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every forge the command line offers is in the registry: any command that takes the
    /// forge options (`--comment-key`) is a registered forge, and each registered forge is a
    /// command with its own help.
    #[test]
    fn every_forge_the_cli_offers_is_registered() {
        let cli = command();
        // NOTE: clap checks here that each forge's help names an option that exists.
        cli.clone().debug_assert();
        let mut offered: Vec<&str> = cli
            .get_subcommands()
            .filter(|c| c.get_arguments().any(|a| a.get_id() == "comment_key"))
            .map(clap::Command::get_name)
            .collect();
        offered.sort_unstable();
        let mut registered: Vec<&str> = publish::FORGES.iter().map(|f| f.name).collect();
        registered.sort_unstable();
        assert_eq!(offered, registered);
        for forge in publish::FORGES {
            let sub = cli
                .find_subcommand(forge.name)
                .expect("each forge is a command");
            assert_eq!(
                sub.get_about().map(ToString::to_string).as_deref(),
                Some(forge.about)
            );
        }
        // The commands of `Cli` itself are not forges.
        assert!(Cli::command()
            .get_subcommands()
            .all(|c| publish::find(c.get_name()).is_none()));
    }
}
