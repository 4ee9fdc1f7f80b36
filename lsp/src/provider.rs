//! Where drafting finds its LLM provider, for the command line and the language server alike:
//! the `[llm]` settings (the project's keys first, then the user's) and the key, from
//! `PRAXIS_LLM_KEY` or the OS keyring (`praxis llm login`), never from a file.

use std::path::Path;

use anyhow::{Context, bail};
use praxis_assist::{ApiKey, LlmSettings};
use praxis_sync::Dirs;
use praxis_sync::keyring::KeyringEntry;

use crate::project::{LlmConfig, Project, UserConfig};

/// The environment variable that holds the key; it wins over the keyring.
pub const KEY_ENV: &str = "PRAXIS_LLM_KEY";
/// The keyring's service for LLM keys; each base URL is an entry's user name.
pub const SERVICE: &str = "praxis-llm";

/// The `[llm]` settings in force in the current folder.
pub fn settings() -> anyhow::Result<LlmSettings> {
    settings_at(Path::new("."))
}

/// The `[llm]` settings in force at `start`: the project's keys, then the user's.
pub fn settings_at(start: &Path) -> anyhow::Result<LlmSettings> {
    let project = Project::discover(start)?;
    let user = UserConfig::load(&Dirs::from_env()?.config)?;
    let project_llm = project.as_ref().and_then(|project| project.config.llm.as_ref());
    LlmConfig::merged(project_llm, user.llm.as_ref()).settings()
}

/// The key for `settings`: `PRAXIS_LLM_KEY`, else the keyring's entry for its base URL.
pub fn key(settings: &LlmSettings) -> anyhow::Result<ApiKey> {
    if let Some(key) = std::env::var(KEY_ENV).ok().as_deref().and_then(ApiKey::new) {
        return Ok(key);
    }
    let user = entry_name(&settings.base_url);
    match KeyringEntry::new(SERVICE, &user).get() {
        Some(Ok(Some(text))) => ApiKey::new(&text).context("the key in the OS keyring is empty"),
        Some(Err(err)) => bail!("cannot read the LLM key from the OS keyring: {err}"),
        Some(Ok(None)) | None => {
            bail!("no key for {user}: set {KEY_ENV}, or run `praxis llm login` to keep it in the OS keyring")
        }
    }
}

/// The keyring entry's name for a base URL: one spelling with or without a trailing slash.
pub fn entry_name(base_url: &str) -> String {
    base_url.trim().trim_end_matches('/').to_owned()
}
