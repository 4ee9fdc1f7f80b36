//! `praxis mcp`: a Model Context Protocol server on stdin/stdout (rmcp, the official SDK) for AI
//! coding agents. Its tools list and explain the project's practices, check a file or code that
//! is not written yet, and compile a practice written in YAML and run its examples. This file is
//! the protocol's side: the tool table and how a call is run; `tools.rs` does the work,
//! `in_force.rs` loads the practices for each call and `paths.rs` keeps the paths an agent names
//! inside the project. Stdout carries only the protocol; logs go to stderr.

mod in_force;
mod paths;
mod tools;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{Implementation, ServerCapabilities, ServerConfig};
use rmcp::{ServerHandler, ServiceExt, tool, tool_handler, tool_router};

use crate::cli::PracticeArgs;
use in_force::{InForce, Loader};
use tools::{CheckCodeArgs, CheckFileArgs, ExplainArgs, ListArgs, TestArgs};

/// What the agent is told the server is for, once, when it connects.
const INSTRUCTIONS: &str = "\
Praxis checks code against this project's coding practices: the team's rules, each with a \
reason and good and bad examples. Call `check_code` with code you are about to write (and the \
path it will have) to fix violations before writing it, and `check_file` on a file after \
changing it. Findings name a practice: `explain_practice` gives its reasoning, its examples \
and its fix. `list_practices` (with a `path`, those that apply to that file) shows what the \
project expects before you start. To write a new practice, draft its YAML and call \
`test_practice`: it compiles the rule and runs the examples, with located errors, until it \
passes; then save it under .praxis/practices/. Practice files are reread at every call.";

/// Runs the server on stdin/stdout until the client closes it. The project is found from `dir`,
/// else from the current directory, where agents start their servers.
pub fn run(dir: Option<PathBuf>, practices: PracticeArgs) -> anyhow::Result<()> {
    // `--practices` folders are named from where the command was typed, not from `dir`.
    let dirs = practices.dirs.iter().map(std::path::absolute).collect::<Result<_, _>>()?;
    let practices = PracticeArgs { dirs };
    if let Some(dir) = dir {
        // Every path the tools take and show is relative to the project, as if started there.
        std::env::set_current_dir(&dir).with_context(|| format!("cannot use {} as the project", dir.display()))?;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let served = runtime.block_on(async {
        let server = Praxis::new(Loader::new(practices));
        let running = server.serve(rmcp::transport::stdio()).await.context("the client did not start a session")?;
        running.waiting().await.context("the session failed")?;
        anyhow::Ok(())
    });
    // A stdin read still pending when the client leaves is not waited for.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    served
}

/// The server: its tools and the practices they answer with.
#[derive(Clone)]
struct Praxis {
    loader: Arc<Loader>,
    tool_router: ToolRouter<Praxis>,
}

#[tool_router]
impl Praxis {
    fn new(loader: Loader) -> Praxis {
        Praxis { loader: Arc::new(loader), tool_router: Praxis::tool_router() }
    }

    /// The project's practices: `[{id, name, severity, languages, description, hasFix}]`, the
    /// description's first paragraph only. With `path`, only the practices that apply to that
    /// file (its language, the practices' files/ignores globs).
    #[tool(annotations(read_only_hint = true, open_world_hint = false))]
    async fn list_practices(&self, Parameters(args): Parameters<ListArgs>) -> Result<String, String> {
        self.with_practices(move |in_force| tools::list_practices(in_force, args)).await
    }

    /// One practice in full: `{id, name, severity, languages, description, url, examples: {bad,
    /// good}, fix}`: why it matters, code that violates it and code that follows it. Use it for
    /// a finding's `practice` id.
    #[tool(annotations(read_only_hint = true, open_world_hint = false))]
    async fn explain_practice(&self, Parameters(args): Parameters<ExplainArgs>) -> Result<String, String> {
        self.with_practices(move |in_force| tools::explain_practice(in_force, args)).await
    }

    /// Checks a file of the project as it is on disk: `{findings: [{practice, severity, message,
    /// line, column, endLine, endColumn, fix}], errors}`, positions 1-based; `fix` (when the
    /// practice has one) replaces the range. `errors` are broken practices, not findings.
    #[tool(annotations(read_only_hint = true, open_world_hint = false))]
    async fn check_file(&self, Parameters(args): Parameters<CheckFileArgs>) -> Result<String, String> {
        self.with_practices(move |in_force| tools::check_file(in_force, args)).await
    }

    /// Checks code before it is written: the same answer as `check_file`, for `code` in
    /// `language` (or the language of `path`'s extension). Give `path` too when you know where
    /// the code goes: practices that apply only to some files are matched against it.
    #[tool(annotations(read_only_hint = true, open_world_hint = false))]
    async fn check_code(&self, Parameters(args): Parameters<CheckCodeArgs>) -> Result<String, String> {
        self.with_practices(move |in_force| tools::check_code(in_force, args)).await
    }

    /// Verifies a practice being written: compiles the YAML and runs its examples (each bad one
    /// must be found, no good one may be). `{ok, errors: [{line, column, message}], examples:
    /// [{kind, index, passed, message, line}]}`, lines and columns in the YAML.
    #[tool(annotations(read_only_hint = true, open_world_hint = false))]
    async fn test_practice(&self, Parameters(args): Parameters<TestArgs>) -> Result<String, String> {
        blocking(move || tools::test_practice(args)).await
    }

    /// Runs `tool` with the practices in force, loaded for this call.
    async fn with_practices(
        &self,
        tool: impl FnOnce(&InForce) -> Result<String, String> + Send + 'static,
    ) -> Result<String, String> {
        let loader = self.loader.clone();
        blocking(move || tool(&loader.load()?)).await
    }
}

/// Runs a tool's work (reading, parsing, matching) on a blocking thread. A panic in it is the
/// tool's error, never the end of the session.
async fn blocking(work: impl FnOnce() -> Result<String, String> + Send + 'static) -> Result<String, String> {
    match tokio::task::spawn_blocking(work).await {
        Ok(answer) => answer,
        Err(err) if err.is_panic() => {
            let message = crate::panic_message(err.into_panic().as_ref());
            tracing::error!("a tool failed: {message}");
            Err(format!("internal error: {message}"))
        }
        Err(_) => Err("the call was cancelled".into()),
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Praxis {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("praxis", env!("CARGO_PKG_VERSION")))
            .with_instructions(INSTRUCTIONS)
    }
}
