//! The Praxis sync protocol. [`wire`] holds the bodies of the sync server's HTTP API, used by
//! the server and the client alike; behind the default `client` feature, the rest is the sync
//! client that `praxis` uses.

pub mod wire;
