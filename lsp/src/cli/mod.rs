//! Command-line arguments and the dispatch to each command.

mod agents;
mod baseline;
mod check;
mod draft;
mod explain;
mod init;
mod languages;
mod llm;
mod practice;
mod review;
mod sync;
mod test;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use praxis_engine::Severity;
pub use sync::follow_run;

#[derive(Debug, Parser)]
#[command(name = "praxis", version, about = "Your team's coding practices, checked in every editor and in CI")]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check files against the project's practices.
    Check(CheckArgs),
    /// Run every practice's good and bad examples.
    Test(PracticeArgs),
    /// List the supported languages, their file extensions and LSP languageIds.
    Languages {
        /// `json` is for editor setups and scripts.
        #[arg(long, value_enum, default_value = "human")]
        format: ListFormat,
    },
    /// Show a practice's description and examples.
    Explain {
        /// The practice id.
        id: String,
        #[command(flatten)]
        practices: PracticeArgs,
    },
    /// Run the language server on stdin/stdout.
    Lsp {
        /// Accepted for editors that pass it; stdio is the only transport.
        #[arg(long)]
        stdio: bool,
    },
    /// Create .praxis/ with a config and a starter set of practices.
    Init {
        /// Where to create it (default: the current directory).
        dir: Option<PathBuf>,
    },
    /// Log in to a team's server and follow one of its spaces.
    Login(sync::LoginArgs),
    /// Revoke the token on the server and forget it here.
    Logout(sync::LogoutArgs),
    /// Pull the space's practices now and send queued usage statistics.
    Sync,
    /// Show the server, space, revision, token store, queued statistics and last error.
    Status,
    /// Usage statistics.
    Stats {
        /// Print exactly what would be sent next, one JSON document a line; send nothing.
        #[arg(long, required = true)]
        preview: bool,
    },
    /// The team's practices on the server.
    Practice {
        #[command(subcommand)]
        command: practice::PracticeCommand,
    },
    /// The LLM provider's key, kept in the OS keyring, for `praxis practice draft`.
    Llm {
        #[command(subcommand)]
        command: llm::LlmCommand,
    },
    /// The findings a project accepts for now: `check --baseline` reports only the others.
    Baseline {
        #[command(subcommand)]
        command: baseline::BaselineCommand,
    },
    /// The practices for AI coding agents.
    Agents {
        #[command(subcommand)]
        command: agents::AgentsCommand,
    },
    /// Review a GitLab merge request or GitHub pull request through the host's API: comments
    /// on added lines, never duplicated, and a commit status.
    Review(review::ReviewArgs),
    /// Run the Model Context Protocol server on stdin/stdout, for AI coding agents.
    Mcp {
        /// The project (default: the current directory, where agents start their servers).
        dir: Option<PathBuf>,
        #[command(flatten)]
        practices: PracticeArgs,
    },
}

#[derive(Debug, Default, clap::Args)]
pub struct PracticeArgs {
    /// A folder of practice files; replaces the project's configured folders. Repeatable.
    #[arg(long = "practices", value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Files or folders to check (default: the project root, else the current directory).
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub practices: PracticeArgs,
    /// How to print findings.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// The lowest severity that makes the exit code 1.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// How many files to check at once (default: all cores).
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// Do not contact the team's server: use the practices cached by the last pull.
    #[arg(long)]
    pub offline: bool,
    /// Report only findings on lines added or changed since REF (default: the merge base with
    /// the upstream branch, else HEAD), uncommitted changes and untracked files included.
    #[arg(long, value_name = "REF", num_args = 0..=1, default_missing_value = "")]
    pub diff: Option<String>,
    /// Report only findings that are not in the baseline FILE (default:
    /// .praxis/baseline.json), and say how many of its entries no longer occur.
    #[arg(long, value_name = "FILE", num_args = 0..=1, default_missing_value = "")]
    pub baseline: Option<String>,
    /// Keep and reuse the findings of unchanged files in DIR (default: `results/` in the
    /// user's cache folder, which the language server shares).
    #[arg(long, value_name = "DIR", conflicts_with = "no_cache")]
    pub cache_dir: Option<PathBuf>,
    /// Check every file afresh, without reading or writing the result cache.
    #[arg(long)]
    pub no_cache: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Github,
}

/// How a listing is printed: a table for people, or JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Human,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Hint,
    Never,
}

impl FailOn {
    /// The lowest failing severity, if any fails.
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::Hint => Some(Severity::Hint),
            FailOn::Never => None,
        }
    }
}

/// Exit codes, as DESIGN.md fixes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Nothing at or above `--fail-on`, all examples pass.
    Clean,
    /// Findings at or above `--fail-on`, or failing examples.
    Findings,
    /// Usage, configuration or practice errors.
    Usage,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(match exit {
            Exit::Clean => 0,
            Exit::Findings => 1,
            Exit::Usage => 2,
        })
    }
}

pub fn run(args: Args) -> anyhow::Result<Exit> {
    match args.command {
        Command::Check(check) => check::run(check),
        Command::Test(practices) => test::run(&practices),
        Command::Languages { format } => languages::run(format),
        Command::Explain { id, practices } => explain::run(&id, &practices),
        Command::Init { dir } => init::run(dir),
        Command::Lsp { stdio: _ } => crate::server::run().map(|()| Exit::Clean),
        Command::Login(login) => sync::login(&login),
        Command::Logout(logout) => sync::logout(&logout),
        Command::Sync => sync::sync_now(),
        Command::Status => sync::status(),
        Command::Stats { preview: _ } => sync::stats_preview(),
        Command::Practice { command } => practice::run(&command),
        Command::Llm { command } => llm::run(&command),
        Command::Baseline { command } => baseline::run(command),
        Command::Agents { command } => agents::run(command),
        Command::Review(review) => review::run(&review),
        Command::Mcp { dir, practices } => crate::mcp::run(dir, practices).map(|()| Exit::Clean),
    }
}
