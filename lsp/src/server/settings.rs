//! What the client configured: its settings, workspace folders and position encoding. Read as
//! a snapshot ([`Config`]), replaced whole when the client changes it.

use std::path::{Path, PathBuf};

use super::convert::Encoding;

/// Settings from `initializationOptions` and `workspace/didChangeConfiguration`.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Practice folders (absolute, or relative to each workspace folder); replace the project's.
    pub practices: Vec<PathBuf>,
    pub server: Option<String>,
    pub space: Option<String>,
    pub stats: Option<bool>,
    /// Which findings are published.
    pub scope: Scope,
}

/// Which findings of a document the server publishes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Scope {
    /// Every finding.
    #[default]
    All,
    /// Only findings on lines that differ from the file at Git `HEAD` (all of a file that is new
    /// or not in a Git repository).
    Changed,
}

impl Settings {
    /// Reads settings from a JSON value: the keys themselves, or under `praxis`.
    pub fn from_json(value: &serde_json::Value) -> Option<Settings> {
        let mut settings = Settings::default();
        settings.update(value).then_some(settings)
    }

    /// Takes the keys `value` has (directly or under `praxis`) and keeps the others: clients
    /// send `{}` or unrelated sections in `didChangeConfiguration`. Returns whether any key was
    /// taken.
    pub fn update(&mut self, value: &serde_json::Value) -> bool {
        let value = value.get("praxis").unwrap_or(value);
        let Some(map) = value.as_object() else { return false };
        let mut changed = false;
        if let Some(practices) = map.get("practices").and_then(|value| serde_json::from_value(value.clone()).ok()) {
            self.practices = practices;
            changed = true;
        }
        // Editors' settings UIs send an empty string for a setting left blank: that is unset.
        for (key, slot) in [("server", &mut self.server), ("space", &mut self.space)] {
            if let Some(value) = map.get(key) {
                *slot = value.as_str().filter(|text| !text.trim().is_empty()).map(str::to_owned);
                changed = true;
            }
        }
        if let Some(stats) = map.get("stats") {
            self.stats = stats.as_bool();
            changed = true;
        }
        if let Some(scope) = map.get("scope") {
            // Anything but "changed" (a typo, null) is the default: every finding shows.
            self.scope = if scope.as_str() == Some("changed") { Scope::Changed } else { Scope::All };
            changed = true;
        }
        changed
    }
}

/// One snapshot of what the client configured.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub encoding: Encoding,
    /// Whether hovers are plain text: the client lists the formats it takes and Markdown is not
    /// among them (Eglot without `markdown-mode`, say).
    pub plain_hover: bool,
    pub settings: Settings,
    /// The workspace folders.
    pub folders: Vec<PathBuf>,
}

impl Config {
    /// The innermost workspace folder holding `path`.
    pub fn folder_of(&self, path: &Path) -> Option<&PathBuf> {
        self.folders.iter().filter(|folder| path.starts_with(folder)).max_by_key(|folder| folder.as_os_str().len())
    }
}
