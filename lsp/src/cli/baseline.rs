//! `praxis baseline write`: records the project's current findings as the ones it accepts for
//! now, so that `praxis check --baseline` fails only on new ones.

use std::path::PathBuf;

use anyhow::bail;
use clap::Subcommand;

use super::check::{default_path, findings_of, say_loaded};
use super::{Exit, PracticeArgs};
use crate::baseline::{self, Baseline};
use crate::{files, practices, report};

#[derive(Debug, Subcommand)]
pub enum BaselineCommand {
    /// Record every current finding of the project in FILE (default: .praxis/baseline.json).
    Write {
        /// The baseline file.
        file: Option<PathBuf>,
        #[command(flatten)]
        practices: PracticeArgs,
        /// Do not contact the team's server: use the practices cached by the last pull.
        #[arg(long)]
        offline: bool,
    },
}

pub fn run(command: BaselineCommand) -> anyhow::Result<Exit> {
    let BaselineCommand::Write { file, practices, offline } = command;
    let start = PathBuf::from(".");
    let (server, _session) = super::sync::follow_run(&start, !offline)?;
    let loaded = practices::load(&practices, &start, server.as_ref())?;
    say_loaded(&loaded);
    if !loaded.errors.is_empty() {
        // A broken practice finds nothing: its findings would all be new once it is fixed.
        bail!("the baseline is not written while practices have errors");
    }
    let root = loaded.root()?;
    let cwd = std::env::current_dir()?;
    let (sources, problems) = files::collect(&[default_path(&loaded)], |language| loaded.set.checks(language));
    for problem in &problems {
        report::warning_line(problem);
    }
    let (findings, problems) = findings_of(&sources, &loaded, &cwd)?;
    for problem in &problems {
        report::warning_line(problem);
    }
    let prints = baseline::fingerprints(&findings, |shown| files::relative(&cwd.join(shown), &root));
    let file = file.unwrap_or_else(|| root.join(baseline::DEFAULT_FILE));
    let baseline = Baseline::new(prints);
    baseline.write(&file)?;
    report::note_line(&format!(
        "wrote {} to {}",
        report::plural(baseline.entries.len(), "finding", "findings"),
        files::relative(&file, &cwd)
    ));
    Ok(Exit::Clean)
}
