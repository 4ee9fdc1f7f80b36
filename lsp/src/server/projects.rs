//! The practices of each project, loaded once on first use and shared by every document and the
//! workspace check. Loading reads and compiles files: it happens on blocking threads, and two
//! documents of one project wait for the same load rather than loading twice.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use praxis_engine::{ExampleFailure, PracticeSet};

use super::draft::Via;
use super::lock;
use crate::practices::Loaded;
use crate::remote::Follow;

/// The practices of one project (or of the configured folders), with what is wrong with them.
pub struct Project {
    pub loaded: Loaded,
    pub failures: Vec<ExampleFailure>,
    /// The practice files it was loaded from.
    pub files: Vec<PathBuf>,
    /// The team's server and space it follows, if any.
    pub follow: Option<Follow>,
    /// Who drafts practices for it, decided on first use (it may ask the OS keyring).
    pub drafting: OnceLock<Option<Via>>,
}

impl Project {
    pub fn set(&self) -> &PracticeSet {
        &self.loaded.set
    }

    /// Who drafts practices with an LLM here, if anyone: decided the first time it is asked
    /// (reading the config and maybe the keyring), on a blocking thread.
    pub fn drafting(&self, key: &Path) -> Option<&Via> {
        self.drafting.get_or_init(|| Via::find(&self.root_or(key), self.follow.as_ref())).as_ref()
    }

    /// The folder globs are relative to: the project root, else `key`.
    pub fn root_or(&self, key: &Path) -> PathBuf {
        self.loaded.project.as_ref().map_or_else(|| key.to_path_buf(), |project| project.root.clone())
    }
}

/// One project's load: done once, by whichever thread asks first.
type Cell = Arc<OnceLock<Option<Arc<Project>>>>;

/// Projects by key: the project root, or the workspace folder when settings name the practice
/// folders. `None` in a cell: the project has no practices (or they could not be read).
#[derive(Default)]
pub struct Projects {
    cells: Mutex<HashMap<PathBuf, Cell>>,
}

impl Projects {
    /// The project for `key`, loaded with `load` on first use. Blocks while another thread loads
    /// the same project.
    pub fn get(&self, key: &Path, load: impl FnOnce() -> Option<Project>) -> Option<Arc<Project>> {
        let cell = {
            let mut cells = lock(&self.cells);
            // Looked up first: this runs on every keystroke, and the key is only copied once.
            match cells.get(key) {
                Some(cell) => cell.clone(),
                None => cells.entry(key.to_path_buf()).or_default().clone(),
            }
        };
        cell.get_or_init(|| load().map(Arc::new)).clone()
    }

    /// The projects loaded so far, with their keys.
    pub fn loaded(&self) -> Vec<(PathBuf, Arc<Project>)> {
        let cells = lock(&self.cells);
        cells.iter().filter_map(|(key, cell)| Some((key.clone(), cell.get()?.clone()?))).collect()
    }

    /// Forgets every project; they load again on next use.
    pub fn forget(&self) {
        lock(&self.cells).clear();
    }

    /// Whether a loaded project reads its practices from `path`.
    pub fn has_file(&self, path: &Path) -> bool {
        self.loaded().iter().any(|(_, project)| project.files.iter().any(|file| file == path))
    }
}
