//! `praxis llm login | logout`: the provider's key in the OS keyring, by base URL. Where the
//! settings and the key are found is `crate::provider`'s.

use std::io::{IsTerminal, Read, Write};

use anyhow::{Context, bail};
use praxis_assist::ApiKey;
use praxis_sync::keyring::{KeyringEntry, keyring_possible};

use super::Exit;
use crate::provider::{KEY_ENV, SERVICE, entry_name};
pub use crate::provider::{key, settings};

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
