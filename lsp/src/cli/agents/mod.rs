//! `praxis agents`: the project's practices for AI coding agents: instruction files (`write`),
//! edit hooks (`hook`) and their installation (`install`, `uninstall`).

mod hook;
mod install;

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Subcommand;

use super::{Exit, FailOn, PracticeArgs};
use crate::agents::{self, Disk, Target};
use crate::practices;
use crate::report;

#[derive(Debug, Subcommand)]
pub enum AgentsCommand {
    /// Write the practices into each agent's instruction files (AGENTS.md, Cursor, Copilot, …).
    Write {
        /// An agent to write for; repeatable. Default: `[agents] targets` in the config, else
        /// the agents whose files the project has, else agents-md.
        #[arg(long = "target", value_enum, value_name = "TARGET")]
        targets: Vec<Target>,
        /// Write nothing; exit 1 and list the files that are not what `write` would make.
        #[arg(long)]
        check: bool,
        #[command(flatten)]
        practices: PracticeArgs,
    },
    /// An agent's edit hook: reads the hook's JSON on stdin, checks the edited file (or the
    /// changed files at a stop) and hands the findings to the agent.
    Hook {
        #[arg(value_enum)]
        agent: hook::Agent,
        /// The lowest severity handed to the agent.
        #[arg(long, value_enum, default_value_t = FailOn::Warning)]
        fail_on: FailOn,
    },
    /// Add Praxis's hooks to the agent's project settings (.claude/settings.json,
    /// .cursor/hooks.json), keeping everything else in them.
    Install {
        #[arg(value_enum)]
        agent: hook::Agent,
    },
    /// Remove what `install` added, and nothing else.
    Uninstall {
        #[arg(value_enum)]
        agent: hook::Agent,
    },
}

pub fn run(command: AgentsCommand) -> anyhow::Result<Exit> {
    match command {
        AgentsCommand::Write { targets, check, practices } => write(targets, check, &practices),
        AgentsCommand::Hook { agent, fail_on } => hook::run(agent, fail_on),
        AgentsCommand::Install { agent } => install::install(agent),
        AgentsCommand::Uninstall { agent } => install::uninstall(agent),
    }
}

fn write(targets: Vec<Target>, check: bool, args: &PracticeArgs) -> anyhow::Result<Exit> {
    // The cached set of the server followed, if any: no network for this.
    let (server, _) = super::sync::follow_run(Path::new("."), false)?;
    let loaded = practices::load(args, Path::new("."), server.as_ref())?;
    for error in &loaded.errors {
        report::error_line(&error.to_string());
    }
    let root = loaded.root()?;
    let targets = if !targets.is_empty() {
        targets
    } else if let Some(configured) = loaded.project.as_ref().map(|project| &project.config.agents.targets)
        && !configured.is_empty()
    {
        configured.clone()
    } else {
        let in_use: Vec<Target> = Target::ALL.into_iter().filter(|target| target.in_use(&root)).collect();
        if in_use.is_empty() { vec![Target::AgentsMd] } else { in_use }
    };
    let mut targets = targets;
    targets.sort();
    targets.dedup();
    let practices: Vec<_> = loaded.set.practices().iter().collect();
    let changes = agents::plan(&targets, &practices, &Disk { root: &root })?;
    let mut out = std::io::stdout().lock();
    let shown = |path: &Path| -> PathBuf {
        PathBuf::from(crate::files::relative(&root.join(path), &std::env::current_dir().unwrap_or_default()))
    };
    if check {
        for change in &changes {
            let what = if change.content.is_some() { "stale" } else { "to remove" };
            writeln!(out, "{}: {what}", shown(&change.path).display())?;
        }
        if !changes.is_empty() {
            writeln!(out, "run `praxis agents write` to update {} file(s)", changes.len())?;
            return Ok(Exit::Findings);
        }
    } else {
        agents::apply(&root, &changes)?;
        for change in &changes {
            let what = if change.content.is_some() { "wrote" } else { "removed" };
            writeln!(out, "{what} {}", shown(&change.path).display())?;
        }
    }
    let names: Vec<&str> = targets.iter().map(|target| target.name()).collect();
    if changes.is_empty() {
        writeln!(out, "up to date for {}", names.join(", "))?;
    }
    Ok(if loaded.errors.is_empty() { Exit::Clean } else { Exit::Usage })
}
