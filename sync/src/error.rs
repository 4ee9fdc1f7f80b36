//! What can go wrong while syncing, said so that a person knows what to do next.

use std::path::PathBuf;

#[derive(Debug, Clone, thiserror::Error)]
pub enum SyncError {
    /// A setting is wrong: a server URL, a space name, a CA file.
    #[error("{0}")]
    Config(String),
    /// The server could not be reached (connection refused, DNS, timeout, TLS).
    #[error("cannot reach {server}: {reason}")]
    Offline { server: String, reason: String },
    /// No token for the server anywhere in the chain.
    #[error("not logged in to {server}: run `praxis login --server {server} --space SPACE`")]
    NoToken { server: String },
    /// The server does not know the token (revoked, or another server's).
    #[error("{server} refused the token (401): log in again with `praxis login --server {server}`")]
    Unauthorized { server: String },
    /// Any other error answer, with the server's own reason.
    #[error("{server} answered {status}: {message}")]
    Http { server: String, status: u16, message: String },
    /// An answer that is not what the API promises, or a practice set that fails validation.
    #[error("{0}")]
    Invalid(String),
    /// The offline cache could not be used.
    #[error("cache {}: {message}", path.display())]
    Cache { path: PathBuf, message: String },
    /// The token could not be stored, read or removed.
    #[error("token store: {0}")]
    Token(String),
}

impl SyncError {
    /// Whether the server was simply out of reach: work goes on from the cache.
    pub fn is_offline(&self) -> bool {
        matches!(self, SyncError::Offline { .. })
    }

    /// The HTTP status of an error answer, if this is one.
    pub fn status(&self) -> Option<u16> {
        match self {
            SyncError::Http { status, .. } => Some(*status),
            SyncError::Unauthorized { .. } => Some(401),
            _ => None,
        }
    }
}

pub type Result<T, E = SyncError> = std::result::Result<T, E>;
