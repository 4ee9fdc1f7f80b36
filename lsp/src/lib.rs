//! The library behind the `praxis` binary: the command line, the language server, project
//! discovery and the file walk. The binary (`main.rs`) only parses arguments and sets up
//! logging; the benchmarks' parse floor (`bench/floor`) walks and reads files through
//! [`files`] and [`files::parallel`], exactly as `praxis check` does.

mod agents;
mod baseline;
mod cache;
pub mod cli;
mod diff;
#[cfg(test)]
mod editor_files;
pub mod files;
mod git;
mod mcp;
mod practices;
mod project;
mod provider;
mod remote;
pub mod report;
mod server;
mod starter;
mod usage;

/// The message a caught panic carried.
pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    let text = panic.downcast_ref::<&str>().map(|text| (*text).to_owned());
    text.or_else(|| panic.downcast_ref::<String>().cloned()).unwrap_or_else(|| "unknown panic".into())
}
