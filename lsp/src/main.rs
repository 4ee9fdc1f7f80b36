//! `praxis`: the command line (`check`, `test`, `explain`, `init`, the sync commands, …) and the
//! language server (`praxis lsp`). Logging goes to stderr only: stdout belongs to reports and,
//! for `praxis lsp`, to the protocol.

use std::process::ExitCode;

use clap::Parser;
use praxis::{cli, report};

fn main() -> ExitCode {
    let args = match cli::Args::try_parse() {
        Ok(args) => args,
        Err(err) if !err.use_stderr() => {
            // --help and --version.
            let _ = err.print();
            return ExitCode::SUCCESS;
        }
        Err(err) => {
            report::error_line(&usage_error(&err));
            return cli::Exit::Usage.into();
        }
    };
    init_logging();
    match cli::run(args) {
        Ok(code) => code.into(),
        // `praxis check | head` closes the pipe early: that is not an error.
        Err(err)
            if err.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::SUCCESS
        }
        Err(err) => {
            report::error_line(&format!("{err:#}"));
            cli::Exit::Usage.into()
        }
    }
}

/// clap's message on one line, as every praxis error is.
fn usage_error(err: &clap::Error) -> String {
    let text = err.render().to_string();
    let parts: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("For more information") && !line.starts_with("Usage:"))
        .collect();
    let joined = parts.join("; ");
    format!("{}; see `praxis --help`", joined.strip_prefix("error: ").unwrap_or(&joined))
}

/// `PRAXIS_LOG=debug` (any `tracing` filter) turns on logs, written to stderr. By default only
/// Praxis's own warnings show: the libraries' (the TLS verifier logs every failed handshake)
/// would repeat what Praxis says in its own words.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PRAXIS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("off,praxis=warn,praxis_sync=warn,praxis_engine=warn"));
    use std::io::IsTerminal;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .init();
}
