//! The Praxis sync server as a library: encryption at rest ([`crypto`]), the master key
//! ([`key`]) and storage ([`store`]). The binary in `main.rs` adds the command line and the
//! HTTP API on top, so integration tests can drive the store without a socket.

pub mod crypto;
pub mod key;
pub mod store;
