//! Where the master key comes from: `PRAXIS_SERVER_KEY`, a `--key-file`, or a key file created
//! in the data folder on first start. Key files hold the key as standard base64.

use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::crypto::MasterKey;
use crate::store::sqlite::DB_FILE;

/// The environment variable that may hold the master key in base64.
pub const ENV_VAR: &str = "PRAXIS_SERVER_KEY";
/// The key file created in the data folder when no key is given.
pub const DEFAULT_FILE: &str = "master.key";

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("both {ENV_VAR} and --key-file are set; give the master key one way only")]
    TwoSources,
    #[error("{ENV_VAR}: {0}")]
    Env(String),
    #[error("{}: {reason}", path.display())]
    Invalid { path: PathBuf, reason: String },
    #[error(
        "no master key: {} exists but {} does not; restore the key file, or give the key with \
         {ENV_VAR} or --key-file",
        database.display(),
        path.display()
    )]
    Missing { database: PathBuf, path: PathBuf },
    #[error("cannot read key file {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("cannot create key file {}: {source}", path.display())]
    Create { path: PathBuf, source: io::Error },
}

/// Where the key was found; `Created` means the caller should warn the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    Env,
    File(PathBuf),
    /// A new key was written here: it must be backed up apart from the database, since
    /// without it the database cannot be read.
    Created(PathBuf),
}

#[derive(Debug)]
pub struct LoadedKey {
    pub key: MasterKey,
    pub source: KeySource,
}

impl LoadedKey {
    /// True when a new key file was just created, so the caller logs a warning to back it up
    /// apart from the database.
    pub fn created(&self) -> bool {
        matches!(self.source, KeySource::Created(_))
    }
}

/// Loads the master key for the server whose data folder is `data_dir`: from
/// `PRAXIS_SERVER_KEY`, else from `key_file`, else from `data_dir/master.key`, which is created
/// (mode 0600) if neither it nor the database exists yet. A database without its key is an
/// error rather than a reason to make a new key, which could only fail to open it and would
/// sit where the real key file is to be restored.
pub fn load(data_dir: &Path, key_file: Option<&Path>) -> Result<LoadedKey, KeyError> {
    let env = std::env::var(ENV_VAR).ok();
    load_from(env.as_deref(), data_dir, key_file)
}

/// [`load`] with the environment variable's value passed in, so tests need not change the
/// process environment.
pub fn load_from(env: Option<&str>, data_dir: &Path, key_file: Option<&Path>) -> Result<LoadedKey, KeyError> {
    match (env, key_file) {
        (Some(_), Some(_)) => Err(KeyError::TwoSources),
        (Some(text), None) => {
            let key = parse(text).map_err(KeyError::Env)?;
            Ok(LoadedKey { key, source: KeySource::Env })
        }
        (None, Some(path)) => {
            let key = read_key_file(path)?;
            Ok(LoadedKey { key, source: KeySource::File(path.to_path_buf()) })
        }
        (None, None) => {
            let path = data_dir.join(DEFAULT_FILE);
            match read_key_file(&path) {
                Ok(key) => Ok(LoadedKey { key, source: KeySource::File(path) }),
                Err(KeyError::Read { source, .. }) if source.kind() == io::ErrorKind::NotFound => {
                    let database = data_dir.join(DB_FILE);
                    if database.exists() {
                        return Err(KeyError::Missing { database, path });
                    }
                    fs::create_dir_all(data_dir).map_err(|source| KeyError::Create { path: path.clone(), source })?;
                    let key = create_key_file(&path)?;
                    Ok(LoadedKey { key, source: KeySource::Created(path) })
                }
                Err(e) => Err(e),
            }
        }
    }
}

/// Reads a key file holding the base64 of 32 bytes (surrounding white space allowed).
pub fn read_key_file(path: &Path) -> Result<MasterKey, KeyError> {
    let text = fs::read_to_string(path).map_err(|source| KeyError::Read { path: path.to_path_buf(), source })?;
    parse(&text).map_err(|reason| KeyError::Invalid { path: path.to_path_buf(), reason })
}

/// Creates `path` with a fresh key, readable only by its owner. Fails if the file exists, so a
/// key in use is never overwritten.
pub fn create_key_file(path: &Path) -> Result<MasterKey, KeyError> {
    let key = MasterKey::generate();
    let create = |source| KeyError::Create { path: path.to_path_buf(), source };
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(create)?;
    let mut text = STANDARD.encode(key.expose());
    text.push('\n');
    // The key must be on disk before any data sealed with it is, or a crash could leave a
    // database nobody can open.
    file.write_all(text.as_bytes()).and_then(|()| file.sync_all()).map_err(create)?;
    Ok(key)
}

/// Parses the base64 of a 32-byte key; the error says what is wrong without echoing the input.
pub fn parse(text: &str) -> Result<MasterKey, String> {
    let bytes = STANDARD
        .decode(text.trim())
        .map_err(|_| "not valid base64 (expected the standard base64 of 32 bytes)".to_string())?;
    let len = bytes.len();
    let bytes: [u8; MasterKey::LEN] = bytes
        .try_into()
        .map_err(|_| format!("the key is {len} bytes long, a master key is {} bytes", MasterKey::LEN))?;
    Ok(MasterKey::from_bytes(bytes))
}

/// The base64 form written to key files, for tools that make a new key file.
pub fn encode(key: &MasterKey) -> String {
    STANDARD.encode(key.expose())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_B64: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    #[test]
    fn env_key_is_used() {
        let dir = tempfile::tempdir().unwrap();
        let loaded = load_from(Some(KEY_B64), dir.path(), None).unwrap();
        assert_eq!(loaded.source, KeySource::Env);
        assert_eq!(loaded.key.expose()[31], 31);
        assert!(!dir.path().join(DEFAULT_FILE).exists());
    }

    #[test]
    fn both_sources_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("k");
        assert!(matches!(load_from(Some(KEY_B64), dir.path(), Some(&file)), Err(KeyError::TwoSources)));
    }

    #[test]
    fn key_file_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("k");
        fs::write(&file, format!("  {KEY_B64}\n")).unwrap();
        let loaded = load_from(None, dir.path(), Some(&file)).unwrap();
        assert_eq!(loaded.source, KeySource::File(file));
        assert_eq!(loaded.key.expose()[1], 1);
    }

    #[test]
    fn default_file_is_created_once_with_mode_0600() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let first = load_from(None, &data, None).unwrap();
        assert!(first.created());
        let path = data.join(DEFAULT_FILE);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let second = load_from(None, &data, None).unwrap();
        assert!(!second.created());
        assert_eq!(first.key.expose(), second.key.expose());
        assert_eq!(encode(&second.key), fs::read_to_string(&path).unwrap().trim());
    }

    #[test]
    fn no_key_is_made_for_an_existing_database() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(DB_FILE), "").unwrap();
        let message = load_from(None, dir.path(), None).unwrap_err().to_string();
        assert!(message.starts_with("no master key: ") && message.contains(DEFAULT_FILE), "{message}");
        assert!(!dir.path().join(DEFAULT_FILE).exists());
    }

    #[test]
    fn bad_keys_get_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("k");
        fs::write(&file, "not base64!").unwrap();
        let message = read_key_file(&file).unwrap_err().to_string();
        assert!(message.contains("not valid base64") && message.contains("/k:"), "{message}");

        fs::write(&file, STANDARD.encode([1u8; 16])).unwrap();
        let message = read_key_file(&file).unwrap_err().to_string();
        assert!(message.contains("16 bytes long"), "{message}");

        let message = read_key_file(&dir.path().join("missing")).unwrap_err().to_string();
        assert!(message.starts_with("cannot read key file") && message.contains("missing"));

        let message = load_from(Some("short"), dir.path(), None).unwrap_err().to_string();
        assert!(message.starts_with("PRAXIS_SERVER_KEY: "), "{message}");
    }
}
