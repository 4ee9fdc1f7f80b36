//! The OS keyring (Secret Service on Linux, Keychain on macOS, Credential Manager on Windows),
//! for every secret the command line keeps: server tokens (`token.rs`) and LLM provider keys.
//! Machines without a keyring (CI, containers, SSH) must not wait for one: the keyring is
//! skipped when no session bus is there, and every call to it is given a few seconds at most.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

/// How long one keyring call may take before the keyring counts as absent.
const KEYRING_TIMEOUT: Duration = Duration::from_secs(3);

/// Set once the keyring failed to answer in time: later calls in this process go straight on.
static KEYRING_GONE: AtomicBool = AtomicBool::new(false);

/// One entry of the keyring: a service and a user name under it. Every method answers `None`
/// when there is no keyring to ask (none on this machine, `PRAXIS_NO_KEYRING=1`, or it did not
/// answer in time), and otherwise the keyring's own outcome, its error said in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyringEntry {
    service: &'static str,
    user: String,
}

impl KeyringEntry {
    pub fn new(service: &'static str, user: &str) -> KeyringEntry {
        KeyringEntry { service, user: user.to_owned() }
    }

    /// The secret stored in the entry, if any.
    pub fn get(&self) -> Option<Result<Option<String>, String>> {
        self.call(|entry| match entry.get_password() {
            Ok(text) => Ok(Some(text)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(err) => Err(err),
        })
    }

    /// Stores `secret` in the entry, replacing what was there.
    pub fn set(&self, secret: &str) -> Option<Result<(), String>> {
        let secret = secret.to_owned();
        self.call(move |entry| entry.set_password(&secret))
    }

    /// Removes the entry; `true` when there was one.
    pub fn delete(&self) -> Option<Result<bool, String>> {
        self.call(|entry| match entry.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(err) => Err(err),
        })
    }

    /// Runs `work` on the entry, on a thread of its own, so that a keyring that hangs (a
    /// session bus whose Secret Service never answers) costs a few seconds once, not the
    /// command.
    fn call<T: Send + 'static>(
        &self,
        work: impl FnOnce(&keyring::Entry) -> keyring::Result<T> + Send + 'static,
    ) -> Option<Result<T, String>> {
        if !keyring_possible() || KEYRING_GONE.load(Ordering::Relaxed) {
            return None;
        }
        let (service, user) = (self.service, self.user.clone());
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let outcome = keyring::Entry::new(service, &user).and_then(|entry| work(&entry));
            let _ = tx.send(outcome);
        });
        match rx.recv_timeout(KEYRING_TIMEOUT) {
            Ok(Err(
                keyring::Error::NoStorageAccess(_)
                | keyring::Error::PlatformFailure(_)
                | keyring::Error::NoDefaultStore,
            ))
            | Err(_) => {
                KEYRING_GONE.store(true, Ordering::Relaxed);
                None
            }
            Ok(outcome) => Some(outcome.map_err(|err| err.to_string())),
        }
    }
}

/// Whether a keyring could be there at all. `PRAXIS_NO_KEYRING=1` turns it off; on Linux and
/// the BSDs the Secret Service needs a session bus, which CI, containers and SSH sessions
/// usually lack.
pub fn keyring_possible() -> bool {
    if std::env::var_os("PRAXIS_NO_KEYRING").is_some_and(|value| !value.is_empty() && value != "0") {
        return false;
    }
    if cfg!(any(target_os = "macos", target_os = "windows")) {
        return true;
    }
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|value| !value.is_empty()) {
        return true;
    }
    std::env::var_os("XDG_RUNTIME_DIR").is_some_and(|dir| Path::new(&dir).join("bus").exists())
}
