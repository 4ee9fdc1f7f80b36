//! `praxis lsp`: the language server over stdio, on tower-lsp-server.
//!
//! Messages are handled one at a time, in the order they arrive (concurrency level 1), and every
//! handler does its work synchronously on [`State`] before it awaits anything. So edits apply in
//! order and a result is published before the next edit is even read: stale work cannot be
//! published over a newer result. Long work (`praxis.checkWorkspace`, following the team's
//! servers, sending a new practice to one) runs on tasks of its own, and publishes under the
//! same publishing lock.

mod actions;
mod convert;
mod create;
mod following;
mod hover;
mod state;
mod sync;
#[cfg(test)]
mod tests;
mod transport;
mod workspace_check;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer, LspService, Server};

use self::convert::Encoding;
use self::state::{Publish, Settings, State};

pub const COMMAND_CREATE_PRACTICE: &str = "praxis.createPractice";
pub const COMMAND_RELOAD: &str = "praxis.reload";
pub const COMMAND_CHECK_WORKSPACE: &str = "praxis.checkWorkspace";
pub const COMMAND_SYNC: &str = "praxis.sync";
pub const COMMAND_PREVIEW_STATS: &str = "praxis.previewStats";
/// Run by the client after it applied a fix (the code action's command): counts the fix.
pub const COMMAND_FIX_APPLIED: &str = "praxis.fixApplied";

/// `praxis/status`: the practices in force and how following the team's servers goes, for a
/// status bar.
enum StatusNotification {}

impl notification::Notification for StatusNotification {
    type Params = Value;
    const METHOD: &'static str = "praxis/status";
}

/// Runs the server on stdin/stdout until the client says `exit`.
pub fn run() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let state: Arc<Mutex<State>> = Arc::default();
    let shared_state = state.clone();
    runtime.block_on(async {
        let (service, socket) = LspService::build(move |client| Backend::new(client, shared_state))
            .custom_method("window/workDoneProgress/cancel", Backend::cancel_progress)
            .finish();
        // Frames are checked on the way in: a bad one is answered, not the end of the session.
        let (input, output, pumps) = transport::connect(tokio::io::stdin(), tokio::io::stdout());
        Server::new(input, output, socket).concurrency_level(1).serve(service).await;
        pumps.finish().await;
    });
    // Tasks still running (a follower waiting on the network) are not waited for.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    // A client that went away without `shutdown`: what was counted waits in the queue.
    let mut state = state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    state.following.queue_tallies();
    Ok(())
}

/// What the handlers and the background tasks share: the client, the state, and the lock held
/// while diagnostics are published, so that no background publication overtakes an editor's
/// newer result.
#[derive(Clone)]
pub struct Shared {
    client: Client,
    state: Arc<Mutex<State>>,
    publishing: Arc<tokio::sync::Mutex<()>>,
}

pub struct Backend {
    shared: Shared,
    syncer: sync::Syncer,
    /// Set to stop a running workspace check.
    cancel: Arc<AtomicBool>,
    /// Whether the client can register file watchers dynamically.
    watch: AtomicBool,
    /// Whether the client shows `$/progress` (it said `window.workDoneProgress`).
    progress: AtomicBool,
}

impl Shared {
    /// Runs `work` on the state. A panic is logged and reported once, and the server goes on.
    fn with_state<R>(&self, what: &str, work: impl FnOnce(&mut State) -> R) -> Option<R> {
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match catch_unwind(AssertUnwindSafe(|| work(&mut state))) {
            Ok(result) => Some(result),
            Err(panic) => {
                tracing::error!("{what} failed: {}", crate::panic_message(panic.as_ref()));
                None
            }
        }
    }

    /// Publishes diagnostics, then what goes with them (messages, status).
    async fn publish(&self, publish: Vec<Publish>) {
        let publishing = self.publishing.lock().await;
        self.send(publish).await;
        drop(publishing);
        self.after_publish().await;
    }

    /// Sends diagnostics; the caller holds the publishing lock.
    async fn send(&self, publish: Vec<Publish>) {
        for (uri, version, diagnostics) in publish {
            self.client.publish_diagnostics(uri, diagnostics, version).await;
        }
    }

    /// Sends the messages the state has for the user, and the status when it changed.
    async fn after_publish(&self) {
        let (messages, status) = self
            .with_state("messages", |state| (std::mem::take(&mut state.messages), state.changed_status()))
            .unwrap_or_default();
        for (kind, message) in messages {
            self.client.show_message(kind, message).await;
        }
        if let Some(status) = status {
            self.client.send_notification::<StatusNotification>(status).await;
        }
    }
}

impl Backend {
    fn new(client: Client, state: Arc<Mutex<State>>) -> Backend {
        Backend {
            shared: Shared { client, state, publishing: Arc::default() },
            syncer: sync::Syncer::default(),
            cancel: Arc::default(),
            watch: AtomicBool::new(false),
            progress: AtomicBool::new(false),
        }
    }

    fn with_state<R>(&self, what: &str, work: impl FnOnce(&mut State) -> R) -> Option<R> {
        self.shared.with_state(what, work)
    }

    /// Publishes, and starts following any server the state newly met.
    async fn publish(&self, publish: Vec<Publish>) {
        self.shared.publish(publish).await;
        self.syncer.start_wanted(&self.shared);
    }

    async fn cancel_progress(&self, params: WorkDoneProgressCancelParams) {
        tracing::debug!("progress {:?} cancelled", params.token);
        self.cancel.store(true, Ordering::SeqCst);
    }
}

/// A command's one argument, or an invalid-params error that says what it takes.
fn argument<T: serde::de::DeserializeOwned>(params: &ExecuteCommandParams, usage: &str) -> Result<T> {
    let value = params.arguments.first().cloned();
    value.and_then(|value| serde_json::from_value(value).ok()).ok_or_else(|| Error::invalid_params(usage.to_owned()))
}

fn folders(params: &InitializeParams) -> Vec<PathBuf> {
    let mut folders: Vec<PathBuf> = params
        .workspace_folders
        .iter()
        .flatten()
        .filter_map(|folder| folder.uri.to_file_path().map(|path| path.into_owned()))
        .collect();
    #[allow(deprecated)]
    if folders.is_empty()
        && let Some(root) = params.root_uri.as_ref().and_then(|uri| uri.to_file_path())
    {
        folders.push(root.into_owned());
    }
    folders
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let utf8 = params
            .capabilities
            .general
            .as_ref()
            .and_then(|general| general.position_encodings.as_ref())
            .is_some_and(|encodings| encodings.contains(&PositionEncodingKind::UTF8));
        let encoding = if utf8 { Encoding::Utf8 } else { Encoding::Utf16 };
        let watch = params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|workspace| workspace.did_change_watched_files.as_ref())
            .and_then(|watched| watched.dynamic_registration)
            .unwrap_or(false);
        self.watch.store(watch, Ordering::SeqCst);
        let progress =
            params.capabilities.window.as_ref().and_then(|window| window.work_done_progress).unwrap_or(false);
        self.progress.store(progress, Ordering::SeqCst);
        let settings = params.initialization_options.as_ref().and_then(Settings::from_json).unwrap_or_default();
        let folders = folders(&params);
        let (following, warnings) = following::Following::from_env();
        self.with_state("initialize", |state| {
            state.encoding = encoding;
            state.settings = settings;
            state.folders = folders;
            state.following = following;
            state.messages.extend(warnings.into_iter().map(|warning| (MessageType::WARNING, warning)));
        });
        Ok(InitializeResult {
            capabilities: ServerCapabilities {
                position_encoding: Some(if utf8 { PositionEncodingKind::UTF8 } else { PositionEncodingKind::UTF16 }),
                text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
                    open_close: Some(true),
                    change: Some(TextDocumentSyncKind::INCREMENTAL),
                    ..TextDocumentSyncOptions::default()
                })),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
                    code_action_kinds: Some(vec![CodeActionKind::QUICKFIX, CodeActionKind::REFACTOR]),
                    ..CodeActionOptions::default()
                })),
                execute_command_provider: Some(ExecuteCommandOptions {
                    commands: vec![
                        COMMAND_CREATE_PRACTICE.into(),
                        COMMAND_RELOAD.into(),
                        COMMAND_CHECK_WORKSPACE.into(),
                        COMMAND_SYNC.into(),
                        COMMAND_PREVIEW_STATS.into(),
                        COMMAND_FIX_APPLIED.into(),
                    ],
                    ..ExecuteCommandOptions::default()
                }),
                workspace: Some(WorkspaceServerCapabilities {
                    workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                        supported: Some(true),
                        change_notifications: Some(OneOf::Left(true)),
                    }),
                    file_operations: None,
                }),
                ..ServerCapabilities::default()
            },
            server_info: Some(ServerInfo { name: "praxis".into(), version: Some(env!("CARGO_PKG_VERSION").into()) }),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        // Load the workspace folders' projects now, so that their servers are pulled on start
        // rather than at the first opened document.
        self.with_state("initialized", State::load_folders);
        self.publish(Vec::new()).await;
        self.syncer.start_stats_timer(&self.shared);
        if !self.watch.load(Ordering::SeqCst) {
            return;
        }
        let watchers = ["**/.praxis/**/*.yaml", "**/.praxis/**/*.yml", "**/.praxis/config.toml"]
            .into_iter()
            .map(|glob| FileSystemWatcher { glob_pattern: GlobPattern::String(glob.into()), kind: None })
            .collect();
        let options = DidChangeWatchedFilesRegistrationOptions { watchers };
        let registration = Registration {
            id: "praxis-practice-files".into(),
            method: "workspace/didChangeWatchedFiles".into(),
            register_options: serde_json::to_value(options).ok(),
        };
        if let Err(err) = self.shared.client.register_capability(vec![registration]).await {
            tracing::warn!("could not watch practice files: {err}");
        }
    }

    async fn shutdown(&self) -> Result<()> {
        self.cancel.store(true, Ordering::SeqCst);
        sync::send_stats_at_exit(&self.shared).await;
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let doc = params.text_document;
        let publish = self
            .with_state("didOpen", |state| state.open(doc.uri, &doc.language_id, doc.version, doc.text))
            .unwrap_or_default();
        self.publish(publish).await;
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let doc = params.text_document;
        let publish = self
            .with_state("didChange", |state| state.change(&doc.uri, doc.version, params.content_changes))
            .unwrap_or_default();
        self.publish(publish).await;
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let publish = self.with_state("didClose", |state| state.close(&params.text_document.uri)).unwrap_or_default();
        self.publish(publish).await;
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        let publish = self
            .with_state("didChangeConfiguration", |state| {
                if state.settings.update(&params.settings) { state.reload() } else { Vec::new() }
            })
            .unwrap_or_default();
        self.publish(publish).await;
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        let publish = self
            .with_state("didChangeWorkspaceFolders", |state| {
                let path = |folder: &WorkspaceFolder| folder.uri.to_file_path().map(|path| path.into_owned());
                let removed: Vec<PathBuf> = params.event.removed.iter().filter_map(path).collect();
                state.folders.retain(|folder| !removed.contains(folder));
                state.folders.extend(params.event.added.iter().filter_map(path));
                state.reload()
            })
            .unwrap_or_default();
        self.publish(publish).await;
    }

    async fn did_change_watched_files(&self, _: DidChangeWatchedFilesParams) {
        let publish = self.with_state("didChangeWatchedFiles", State::reload).unwrap_or_default();
        self.publish(publish).await;
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let at = params.text_document_position_params;
        Ok(self.with_state("hover", |state| hover::hover(state, &at.text_document.uri, at.position)).flatten())
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let actions = self
            .with_state("codeAction", |state| actions::code_actions(state, &params.text_document.uri, params.range))
            .unwrap_or_default();
        Ok(if actions.is_empty() { None } else { Some(actions) })
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<LSPAny>> {
        match params.command.as_str() {
            COMMAND_RELOAD => {
                let publish = self.with_state("reload", State::reload).unwrap_or_default();
                self.publish(publish).await;
                Ok(None)
            }
            COMMAND_CREATE_PRACTICE => {
                let args: create::CreateArgs =
                    argument(&params, "praxis.createPractice takes {uri, range, kind, id?, name?, publish?}")?;
                let created = self
                    .with_state("createPractice", |state| create::create_practice(state, &args))
                    .ok_or_else(Error::internal_error)?
                    .map_err(|err| Error::invalid_params(format!("{err:#}")))?;
                if let Some(uri) = Uri::from_file_path(&created.path) {
                    let show =
                        ShowDocumentParams { uri, external: Some(false), take_focus: Some(true), selection: None };
                    if let Err(err) = self.shared.client.show_document(show).await {
                        tracing::debug!("client did not show the new practice: {err}");
                    }
                }
                let publish = self.with_state("reload", State::reload).unwrap_or_default();
                self.publish(publish).await;
                let offered = created.offer.is_some() && args.publish != Some(false);
                if let Some(offer) = created.offer {
                    // Asking and sending wait on the user and the network: not on this handler.
                    tokio::spawn(sync::offer_practice(self.shared.clone(), self.syncer.clone(), offer, args.publish));
                }
                Ok(Some(serde_json::json!({"path": created.path, "id": created.id, "offered": offered})))
            }
            COMMAND_SYNC => {
                self.with_state("sync", State::load_folders);
                self.publish(Vec::new()).await;
                self.syncer.sync_now();
                Ok(self.with_state("sync", |state| state.status()))
            }
            COMMAND_PREVIEW_STATS => Ok(self.with_state("previewStats", |state| state.following.preview())),
            COMMAND_FIX_APPLIED => {
                let args: actions::FixApplied = argument(&params, "praxis.fixApplied takes {uri, practice}")?;
                self.with_state("fixApplied", |state| actions::fix_applied(state, &args));
                Ok(None)
            }
            COMMAND_CHECK_WORKSPACE => {
                self.cancel.store(false, Ordering::SeqCst);
                let job = workspace_check::Job {
                    client: self.shared.client.clone(),
                    state: self.shared.state.clone(),
                    cancel: self.cancel.clone(),
                    publishing: self.shared.publishing.clone(),
                    progress: self.progress.load(Ordering::SeqCst),
                };
                tokio::spawn(job.run());
                Ok(Some(Value::Null))
            }
            other => Err(Error::invalid_params(format!("unknown command `{other}`"))),
        }
    }
}
