//! The Praxis sync server. The HTTP API, storage and encryption arrive with the sync-server
//! issue; until then the binary only explains that.

use std::process::ExitCode;

#[allow(clippy::print_stderr)]
fn main() -> ExitCode {
    eprintln!("praxis-server: not built yet; see the sync server issue");
    ExitCode::from(2)
}
