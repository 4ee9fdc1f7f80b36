//! Tokens and where they are kept. The chain, first hit wins: `PRAXIS_TOKEN`; the OS keyring
//! (`keyring.rs`: skipped when absent, never waited on for long); a file readable only by the
//! user in their config folder.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::dirs::Dirs;
use crate::error::{Result, SyncError};
use crate::keyring::KeyringEntry;
use crate::server_url::ServerUrl;

/// The keyring's service name; each server's URL is the entry's user name.
const SERVICE: &str = "praxis";
/// The token file inside the config folder.
pub const TOKEN_FILE: &str = "credentials.json";

/// A bearer token. It is never shown: `Debug` prints a placeholder and there is no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// A token as typed or read; surrounding white space is dropped. `None` when empty.
    pub fn new(text: &str) -> Option<Token> {
        let text = text.trim();
        (!text.is_empty()).then(|| Token(text.to_owned()))
    }

    /// The token itself, for the `Authorization` header and the store.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// Where a token came from, or went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    Env,
    Keyring,
    File(PathBuf),
}

impl fmt::Display for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenSource::Env => f.write_str("PRAXIS_TOKEN"),
            TokenSource::Keyring => f.write_str("the OS keyring"),
            TokenSource::File(path) => write!(f, "the file {}", path.display()),
        }
    }
}

/// The token file's content.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenFile {
    /// Tokens by server URL.
    tokens: BTreeMap<String, String>,
}

/// Reads, saves and removes tokens along the chain.
#[derive(Debug, Clone)]
pub struct TokenStore {
    file: PathBuf,
}

impl TokenStore {
    pub fn new(dirs: &Dirs) -> TokenStore {
        TokenStore { file: dirs.config.join(TOKEN_FILE) }
    }

    /// The token file, used when there is no keyring.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// The token for `server`, and where it was found.
    pub fn get(&self, server: &ServerUrl) -> Result<Option<(Token, TokenSource)>> {
        if let Some(token) = std::env::var("PRAXIS_TOKEN").ok().as_deref().and_then(Token::new) {
            return Ok(Some((token, TokenSource::Env)));
        }
        if let Some(Ok(Some(token))) =
            entry(server).get().map(|got| got.map(|text| text.as_deref().and_then(Token::new)))
        {
            return Ok(Some((token, TokenSource::Keyring)));
        }
        let file = self.read_file()?;
        Ok(file.tokens.get(server.as_str()).and_then(|text| Token::new(text)).map(|token| (token, self.source())))
    }

    /// Saves the token for `server`: in the keyring when there is one, else in the file.
    pub fn save(&self, server: &ServerUrl, token: &Token) -> Result<TokenSource> {
        if let Some(Ok(())) = entry(server).set(token.expose()) {
            // A token left in the file from before would shadow nothing, but it is stale.
            self.edit_file(|file| file.tokens.remove(server.as_str()).is_some())?;
            return Ok(TokenSource::Keyring);
        }
        self.edit_file(|file| {
            file.tokens.insert(server.as_str().to_owned(), token.expose().to_owned());
            true
        })?;
        Ok(self.source())
    }

    /// Removes the token for `server` from the keyring and the file. `PRAXIS_TOKEN` is the
    /// environment's to change.
    pub fn remove(&self, server: &ServerUrl) -> Result<()> {
        let _ = entry(server).delete();
        self.edit_file(|file| file.tokens.remove(server.as_str()).is_some())
    }

    fn source(&self) -> TokenSource {
        TokenSource::File(self.file.clone())
    }

    fn read_file(&self) -> Result<TokenFile> {
        match std::fs::read_to_string(&self.file) {
            Ok(text) => serde_json::from_str(&text)
                .map_err(|err| SyncError::Token(format!("{} is not a token file: {err}", self.file.display()))),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(TokenFile::default()),
            Err(err) => Err(SyncError::Token(format!("cannot read {}: {err}", self.file.display()))),
        }
    }

    /// Changes the token file; `change` says whether it changed anything. The file is written
    /// whole, readable only by the user, and moved into place, so it is never half written.
    fn edit_file(&self, change: impl FnOnce(&mut TokenFile) -> bool) -> Result<()> {
        let mut file = self.read_file()?;
        if !change(&mut file) {
            return Ok(());
        }
        let fail = |err: std::io::Error| SyncError::Token(format!("cannot write {}: {err}", self.file.display()));
        let dir = self.file.parent().unwrap_or(Path::new("."));
        create_private_dir(dir).map_err(fail)?;
        let text = serde_json::to_string_pretty(&file).map_err(|err| SyncError::Token(err.to_string()))?;
        let temporary = self.file.with_extension("json.tmp");
        let _ = std::fs::remove_file(&temporary);
        write_private(&temporary, text.as_bytes()).map_err(fail)?;
        std::fs::rename(&temporary, &self.file).map_err(fail)
    }
}

/// The keyring entry of `server`'s token.
fn entry(server: &ServerUrl) -> KeyringEntry {
    KeyringEntry::new(SERVICE, server.as_str())
}

/// Creates `dir` (and its parents); a new folder is private to the user.
pub(crate) fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Writes a new file that only the user may read or write.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_never_shown() {
        let token = Token::new("  s3cret-value \n").unwrap();
        assert_eq!(token.expose(), "s3cret-value");
        assert!(!format!("{token:?}").contains("s3cret"));
        assert!(Token::new("  ").is_none());
    }

    #[test]
    fn the_file_is_private_and_keeps_other_servers() {
        let dir = tempfile::tempdir().unwrap();
        let dirs = Dirs { config: dir.path().join("config"), cache: dir.path().join("cache") };
        let store = TokenStore::new(&dirs);
        let a = ServerUrl::parse("https://a.example.com").unwrap();
        let b = ServerUrl::parse("http://127.0.0.1:1").unwrap();
        // The file, not the keyring: there is none in this test's environment.
        let write = |server: &ServerUrl, token: &str| {
            store
                .edit_file(|file| {
                    file.tokens.insert(server.as_str().to_owned(), token.to_owned());
                    true
                })
                .unwrap();
        };
        write(&a, "token-a");
        write(&b, "token-b");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(store.file()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            let mode = std::fs::metadata(&dirs.config).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700);
        }
        let file = store.read_file().unwrap();
        assert_eq!(file.tokens.len(), 2);
        store.edit_file(|file| file.tokens.remove(a.as_str()).is_some()).unwrap();
        assert_eq!(store.read_file().unwrap().tokens.keys().collect::<Vec<_>>(), vec![b.as_str()]);
        std::fs::write(store.file(), "{not json").unwrap();
        assert!(store.read_file().unwrap_err().to_string().contains("is not a token file"));
    }
}
