//! The practices a tool call is answered with, loaded as `praxis check` loads them: the
//! project's practice folders (found from the server's current directory) and the team
//! server's practices as the last pull cached them, with the project's config (disabled ids,
//! severities) applied to both.
//!
//! They are loaded afresh for every call that needs them, rather than kept and reloaded when a
//! stat of their files says they changed. Practice files, the config and the cache change under
//! a running server (the agent writes a practice, `praxis sync` pulls in another terminal), and a
//! fresh load sees every such change with nothing to watch and no input to forget, at a cost an
//! agent does not notice: loading the demo's 18 practices takes 15 to 25 ms in a release build
//! (about 1 ms a practice; 150 to 200 ms in a debug build), against the seconds an agent spends
//! between calls.

use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

use crate::cli::PracticeArgs;
use crate::practices::{self, Loaded};
use crate::report;

use super::paths::Root;

/// The practices in force for one call, and the project they belong to.
pub struct InForce {
    pub loaded: Loaded,
    /// Paths the agent names must be inside it.
    pub root: Root,
}

/// Loads the practices for each call, and says on stderr (the client's log) what is wrong with
/// them when that changes, not at every call.
pub struct Loader {
    args: PracticeArgs,
    told: Mutex<Told>,
}

/// What was said about a load.
#[derive(Default, PartialEq, Eq)]
struct Told {
    errors: Vec<String>,
    warnings: Vec<String>,
    notes: Vec<String>,
}

impl Loader {
    pub fn new(args: PracticeArgs) -> Loader {
        Loader { args, told: Mutex::default() }
    }

    /// The practices in force now, or why there are none (no project, a broken config): one
    /// line, which the agent gets as the tool's error.
    pub fn load(&self) -> Result<InForce, String> {
        let started = Instant::now();
        let here = Path::new(".");
        // The cached set of the server followed, if any: a call never waits on the network.
        let (server, _) = crate::cli::follow_run(here, false).map_err(|err| format!("{err:#}"))?;
        let loaded = practices::load(&self.args, here, server.as_ref()).map_err(|err| format!("{err:#}"))?;
        let root = Root::new(&loaded.root().map_err(|err| format!("{err:#}"))?);
        tracing::debug!(elapsed = ?started.elapsed(), practices = loaded.set.practices().len(), "practices loaded");
        self.tell(&loaded);
        Ok(InForce { loaded, root })
    }

    fn tell(&self, loaded: &Loaded) {
        let now = Told {
            errors: loaded.errors.iter().map(ToString::to_string).collect(),
            warnings: loaded.warnings.clone(),
            notes: loaded.notes.clone(),
        };
        let mut told = self.told.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if *told != now {
            now.errors.iter().for_each(|error| report::error_line(error));
            now.warnings.iter().for_each(|warning| report::warning_line(warning));
            now.notes.iter().for_each(|note| report::note_line(note));
            *told = now;
        }
    }
}
