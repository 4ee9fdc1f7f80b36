//! `praxis practice list | pull DIR | push ID|PATH`: the team's practices on the server, as a
//! list, as YAML files for review in Git, and a local practice sent up to the server; and
//! `practice draft` (in `draft.rs`), which needs a server only with `--server`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use praxis_engine::{Practice, PracticeDoc};
use praxis_sync::SyncError;
use praxis_sync::cache::{Cache, CachedSet};
use praxis_sync::remote::{self, SyncState};
use praxis_sync::wire::{PracticeBody, Status};

use super::sync::status_word;
use super::{Exit, PracticeArgs};
use crate::remote::{Follow, Sync, block_on, fallback_line};
use crate::report;

#[derive(Debug, clap::Subcommand)]
pub enum PracticeCommand {
    /// List the server's practices: id, status, severity and name.
    List,
    /// Write the server's practices as YAML files into a folder.
    Pull {
        /// The folder to write into (created if missing).
        dir: PathBuf,
        /// Write drafts too, not only active practices.
        #[arg(long)]
        drafts: bool,
    },
    /// Send a local practice (its id, or its file) to the server: active for admins, a draft
    /// for members.
    Push {
        /// A practice id from the project's practice folders, or the path of a practice file.
        practice: String,
        #[command(flatten)]
        practices: PracticeArgs,
    },
    /// Draft a practice with an LLM from a description and chosen snippets; written only when
    /// the engine finds every bad snippet and no good one.
    Draft(super::draft::DraftArgs),
}

pub fn run(command: &PracticeCommand) -> anyhow::Result<Exit> {
    // Drafting asks the configured LLM provider: it works with no server at all. With
    // `--server` it asks the followed space's server, which `draft.rs` opens itself.
    if let PracticeCommand::Draft(args) = command {
        return super::draft::run(args);
    }
    let (sync, follow, cache) = super::sync::open_followed()?;
    match command {
        PracticeCommand::Draft(_) => unreachable!("dispatched above"),
        PracticeCommand::List => list(&sync, &follow, &cache),
        PracticeCommand::Pull { dir, drafts } => pull(&sync, &follow, &cache, dir, *drafts),
        PracticeCommand::Push { practice, practices } => push(&sync, &follow, practice, practices),
    }
}

/// The space's practices: pulled now, or the cached set (said once) when the server is out of
/// reach.
fn current(sync: &Sync, follow: &Follow, cache: &Cache) -> anyhow::Result<CachedSet> {
    let binding = &follow.binding;
    let client = binding.client(&sync.tokens);
    let pulled = block_on(remote::pull(binding, client.as_ref(), cache))?;
    match (pulled.state, pulled.set, pulled.error) {
        (SyncState::Ok, Some(set), _) => Ok(set),
        (SyncState::Ok, None, _) => bail!("{binding} sent no practices"),
        (_, set, Some(err)) => {
            let line = fallback_line(binding, &err, set.as_ref());
            match set {
                Some(set) => {
                    report::warning_line(&line);
                    Ok(set)
                }
                None => bail!("{line}"),
            }
        }
        (_, _, None) => bail!("{binding} could not be pulled"),
    }
}

fn list(sync: &Sync, follow: &Follow, cache: &Cache) -> anyhow::Result<Exit> {
    let set = current(sync, follow, cache)?;
    let mut out = std::io::stdout().lock();
    let width = set.practices.iter().map(|practice| practice.doc.id.len()).max().unwrap_or(0);
    for practice in &set.practices {
        let doc = &practice.doc;
        writeln!(out, "{:width$}  {:6}  {:7}  {}", doc.id, status_word(practice.status), doc.severity, doc.name)?;
    }
    writeln!(out, "\n{}: revision {}, {} practices", follow.binding, set.revision, set.practices.len())?;
    Ok(Exit::Clean)
}

fn pull(sync: &Sync, follow: &Follow, cache: &Cache, dir: &Path, drafts: bool) -> anyhow::Result<Exit> {
    let set = current(sync, follow, cache)?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut written = 0;
    for practice in set.practices.iter().filter(|practice| drafts || practice.status == Status::Active) {
        let path = dir.join(format!("{}.yaml", practice.doc.id));
        let yaml = serde_yaml_ng::to_string(&practice.doc).context("cannot write a practice as YAML")?;
        std::fs::write(&path, yaml).with_context(|| format!("cannot write {}", path.display()))?;
        written += 1;
    }
    writeln!(
        std::io::stdout().lock(),
        "Wrote {written} practice{} of {} (revision {}) to {}.",
        if written == 1 { "" } else { "s" },
        follow.binding,
        set.revision,
        dir.display()
    )?;
    Ok(Exit::Clean)
}

/// The document of a practice named by its file or by its id among the project's practices.
fn local_practice(name: &str, args: &PracticeArgs) -> anyhow::Result<PracticeDoc> {
    let path = Path::new(name);
    if path.is_file() {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        let practice = Practice::from_yaml(&text, Some(path))
            .map_err(|errors| anyhow::anyhow!(errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")))?;
        return Ok(practice.doc);
    }
    // Local practices only: pushing one from the server back to it would change nothing.
    let loaded = crate::practices::load(args, Path::new("."), None)?;
    if let Some(practice) = loaded.set.get(name) {
        return Ok(practice.doc.clone());
    }
    if let Some(error) = loaded.errors.iter().find(|error| error.practice.as_deref() == Some(name)) {
        bail!("practice `{name}` has errors: {error}");
    }
    bail!("no practice `{name}`: give a practice id from the project's practice folders or a practice file")
}

fn push(sync: &Sync, follow: &Follow, name: &str, args: &PracticeArgs) -> anyhow::Result<Exit> {
    let doc = local_practice(name, args)?;
    let binding = &follow.binding;
    let client = binding.client(&sync.tokens)?;
    let id = doc.id.clone();
    let body = PracticeBody { doc, status: None };
    match block_on(client.put_practice(&binding.space, &body))? {
        Ok(put) => {
            let note = match put.status {
                Status::Active => "active: it applies to everyone following the space",
                Status::Draft => "a draft: an admin of the space publishes it",
            };
            writeln!(
                std::io::stdout().lock(),
                "Pushed `{id}` to {binding} (revision {}); it is {note}.",
                put.revision
            )?;
            Ok(Exit::Clean)
        }
        Err(SyncError::Http { status: 422, message, .. }) => bail!("{} refused `{id}`: {message}", binding.server),
        Err(err) => Err(err.into()),
    }
}
