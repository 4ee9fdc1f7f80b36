//! `praxis llm login | logout`, and where `praxis practice draft` finds its provider: the
//! `[llm]` settings (the project's keys first, then the user's) and the key, from
//! `PRAXIS_LLM_KEY` or the OS keyring, never from a file.

use std::io::{IsTerminal, Read, Write};

use anyhow::{Context, bail};
use praxis_assist::{ApiKey, LlmSettings};
use praxis_sync::Dirs;
use praxis_sync::keyring::{KeyringEntry, keyring_possible};

use super::Exit;
use crate::project::{LlmConfig, Project, UserConfig};

/// The environment variable that holds the key; it wins over the keyring.
pub const KEY_ENV: &str = "PRAXIS_LLM_KEY";
/// The keyring's service for LLM keys; each base URL is an entry's user name.
const SERVICE: &str = "praxis-llm";

#[derive(Debug, clap::Subcommand)]
pub enum LlmCommand {
    /// Store the LLM provider's key in the OS keyring, for the configured base URL.
    Login {
        /// Read the key from stdin instead of asking for it.
        #[arg(long)]
        key_stdin: bool,
        /// The base URL the key is for (default: [llm] base_url from the config).
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
    },
    /// Remove the key from the OS keyring.
    Logout {
        /// The base URL the key is for (default: [llm] base_url from the config).
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
    },
}

pub fn run(command: &LlmCommand) -> anyhow::Result<Exit> {
    match command {
        LlmCommand::Login { key_stdin, base_url } => login(*key_stdin, base_url.as_deref()),
        LlmCommand::Logout { base_url } => logout(base_url.as_deref()),
    }
}

/// The `[llm]` settings in force here: the project's keys, then the user's.
pub fn settings() -> anyhow::Result<LlmSettings> {
    let project = Project::discover(std::path::Path::new("."))?;
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
fn entry_name(base_url: &str) -> String {
    base_url.trim().trim_end_matches('/').to_owned()
}

fn base_url(given: Option<&str>) -> anyhow::Result<String> {
    match given {
        Some(url) => Ok(entry_name(url)),
        None => Ok(entry_name(&settings()?.base_url)),
    }
}

fn no_keyring() -> anyhow::Error {
    anyhow::anyhow!(
        "no OS keyring here to keep the key in; set {KEY_ENV} in the environment instead (praxis never writes \
         keys to a file)"
    )
}

fn login(from_stdin: bool, given: Option<&str>) -> anyhow::Result<Exit> {
    let url = base_url(given)?;
    if !keyring_possible() {
        return Err(no_keyring());
    }
    let text = if from_stdin {
        let mut text = String::new();
        // A key is short; a larger input is not one.
        std::io::stdin().take(64 * 1024).read_to_string(&mut text).context("cannot read the key from stdin")?;
        text
    } else if std::io::stdin().is_terminal() {
        rpassword::prompt_password(format!("Key for {url}: ")).context("cannot read the key")?
    } else {
        bail!("stdin is not a terminal to type the key in; pass it on stdin with --key-stdin");
    };
    let key = ApiKey::new(&text).context("the key is empty")?;
    match KeyringEntry::new(SERVICE, &url).set(key.expose()) {
        Some(Ok(())) => {}
        Some(Err(err)) => bail!("cannot store the key in the OS keyring: {err}"),
        None => return Err(no_keyring()),
    }
    writeln!(std::io::stdout().lock(), "Stored the key for {url} in the OS keyring.")?;
    Ok(Exit::Clean)
}

fn logout(given: Option<&str>) -> anyhow::Result<Exit> {
    let url = base_url(given)?;
    let said = match KeyringEntry::new(SERVICE, &url).delete() {
        Some(Ok(true)) => format!("Removed the key for {url} from the OS keyring."),
        Some(Ok(false)) => format!("The OS keyring holds no key for {url}."),
        Some(Err(err)) => bail!("cannot remove the key from the OS keyring: {err}"),
        None => format!("No OS keyring here, so no key for {url} to remove."),
    };
    writeln!(std::io::stdout().lock(), "{said}")?;
    if std::env::var_os(KEY_ENV).is_some() {
        crate::report::note_line(&format!("{KEY_ENV} is still set in this environment"));
    }
    Ok(Exit::Clean)
}
