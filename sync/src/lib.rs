//! The Praxis sync protocol. [`wire`] holds the bodies of the sync server's HTTP API, used by
//! the server and the client alike. Behind the default `client` feature, the rest is the sync
//! client `praxis` uses: [`client`] (HTTP), [`token`] (where tokens are kept), [`keyring`] (the OS keyring, for tokens and LLM keys), [`cache`] (the
//! offline cache and the stats queue), [`remote`] (pulling a space's practices, sending stats)
//! and [`stats`] (counting usage). [`http`] (the `http` feature) is what every Praxis HTTP
//! client shares. It knows neither LSP nor the terminal: its callers decide
//! what to show.

pub mod wire;

#[cfg(feature = "http")]
pub mod http;

#[cfg(feature = "client")]
pub mod cache;
#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "client")]
mod dirs;
#[cfg(feature = "client")]
mod error;
#[cfg(feature = "client")]
pub mod keyring;
#[cfg(feature = "client")]
pub mod remote;
#[cfg(feature = "client")]
mod server_url;
#[cfg(feature = "client")]
mod sse;
#[cfg(feature = "client")]
pub mod stats;
#[cfg(feature = "client")]
pub mod token;

#[cfg(feature = "client")]
pub use self::dirs::Dirs;
#[cfg(feature = "client")]
pub use self::error::{Result, SyncError};
#[cfg(feature = "client")]
pub use self::server_url::ServerUrl;
