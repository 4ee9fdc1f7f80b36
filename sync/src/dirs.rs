//! Where the sync client keeps its files: the user's config folder (the token file, when the OS
//! keyring is not there) and cache folder (the offline cache). `PRAXIS_CONFIG_DIR` and
//! `PRAXIS_CACHE_DIR` move them, for tests and for people who keep such things elsewhere.

use std::path::PathBuf;

use crate::error::{Result, SyncError};

/// The client's folders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dirs {
    pub config: PathBuf,
    pub cache: PathBuf,
}

impl Dirs {
    /// The folders from the environment: `PRAXIS_CONFIG_DIR` / `PRAXIS_CACHE_DIR`, else the
    /// platform's (`~/.config/praxis` and `~/.cache/praxis` on Linux).
    pub fn from_env() -> Result<Dirs> {
        let pick = |variable: &str, base: Option<PathBuf>, what: &str| match std::env::var_os(variable)
            .filter(|value| !value.is_empty())
        {
            Some(dir) => Ok(PathBuf::from(dir)),
            None => base
                .map(|base| base.join("praxis"))
                .ok_or_else(|| SyncError::Config(format!("no {what} folder: set HOME, or {variable} to a folder"))),
        };
        Ok(Dirs {
            config: pick("PRAXIS_CONFIG_DIR", dirs::config_dir(), "config")?,
            cache: pick("PRAXIS_CACHE_DIR", dirs::cache_dir(), "cache")?,
        })
    }
}
