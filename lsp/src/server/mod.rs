//! `praxis lsp`: the language server over stdio, on tower-lsp-server.
//!
//! Handlers do no long work themselves: a notification about a document queues it in that
//! document's inbox, in the order messages arrive (tower-lsp-server polls each handler first in
//! arrival order, and a notification handler queues before it awaits anything), and the
//! document's one worker applies its messages in that order on a blocking thread, then publishes
//! the result. So edits apply in order, a document's results are published in order, and a
//! request waits only for its own document (see `documents.rs`): never for another document's
//! parse or check, a practice load, or the workspace check. Long work of other kinds (the
//! workspace check, following the team's servers, sending a new practice to one) runs on tasks
//! of its own; everything is published under one publishing lock, after checking that it is not
//! stale.

mod actions;
mod convert;
mod create;
mod documents;
mod draft;
mod following;
mod hover;
mod projects;
mod settings;
mod state;
mod sync;
#[cfg(test)]
mod tests;
mod transport;
mod workspace_check;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer, LspService, Server};

use self::convert::Encoding;
use self::documents::{Message, Slot};
use self::settings::{Config, Settings};
use self::state::{Publish, State};

pub const COMMAND_CREATE_PRACTICE: &str = "praxis.createPractice";
/// Drafts a practice with an LLM from the selection: `{uri, range, kind: "bad", describe?}`.
pub const COMMAND_DRAFT_PRACTICE: &str = "praxis.draftPractice";
pub const COMMAND_RELOAD: &str = "praxis.reload";
pub const COMMAND_CHECK_WORKSPACE: &str = "praxis.checkWorkspace";
pub const COMMAND_SYNC: &str = "praxis.sync";
pub const COMMAND_PREVIEW_STATS: &str = "praxis.previewStats";
/// Run by the client after it applied a fix (the code action's command): counts the fix.
pub const COMMAND_FIX_APPLIED: &str = "praxis.fixApplied";

/// How many messages are handled at once. Requests about one document wait for it; up to this
/// many can wait while the others go on.
const CONCURRENCY: usize = 8;

/// `praxis/status`: the practices in force and how following the team's servers goes, for a
/// status bar.
enum StatusNotification {}

impl notification::Notification for StatusNotification {
    type Params = Value;
    const METHOD: &'static str = "praxis/status";
}

/// Locks a mutex of the state. A panic while it was held (reported where it happened) does not
/// make the state unusable.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Runs the server on stdin/stdout until the client says `exit`.
pub fn run() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let state: Arc<State> = Arc::default();
    let shared_state = state.clone();
    runtime.block_on(async {
        let (service, socket) = LspService::build(move |client| Backend::new(client, shared_state))
            .custom_method("window/workDoneProgress/cancel", Backend::cancel_progress)
            .finish();
        // Frames are checked on the way in: a bad one is answered, not the end of the session.
        let (input, output, pumps) = transport::connect(tokio::io::stdin(), tokio::io::stdout());
        Server::new(input, output, socket).concurrency_level(CONCURRENCY).serve(service).await;
        pumps.finish().await;
    });
    // Tasks still running (a follower waiting on the network) are not waited for.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    // A client that went away without `shutdown`: what was counted waits in the queue.
    state.following().queue_tallies();
    Ok(())
}

/// What the handlers and the background tasks share: the client, the state, and the lock held
/// while diagnostics are published, so that no background publication overtakes an editor's
/// newer result.
#[derive(Clone)]
pub struct Shared {
    client: Client,
    state: Arc<State>,
    publishing: Arc<tokio::sync::Mutex<()>>,
    /// Held while statistics are sent, and while a preview queues and reads them: a send that
    /// ran between a preview's queueing and its reading took the batches the preview was about
    /// to show.
    sending_stats: Arc<tokio::sync::Mutex<()>>,
    /// Counts reloads begun, so that a reload's practice-file diagnostics are not published over
    /// a newer reload's.
    reloads: Arc<AtomicU64>,
    /// The last reload whose projects are loaded again: until it catches up with `reloads`, no
    /// status is sent (it would count the practices of projects not loaded yet).
    reloaded: Arc<AtomicU64>,
    syncer: sync::Syncer,
}

pub struct Backend {
    shared: Shared,
    /// Set to stop a running workspace check.
    cancel: Arc<AtomicBool>,
    /// Whether the client can register file watchers dynamically.
    watch: AtomicBool,
    /// Whether the client shows `$/progress` (it said `window.workDoneProgress`).
    progress: AtomicBool,
}

impl Shared {
    /// Runs `work` on a blocking thread (it may parse, match or read the disk). A panic is
    /// logged and the server goes on.
    async fn blocking<R: Send + 'static>(
        &self,
        what: &'static str,
        work: impl FnOnce(&State) -> R + Send + 'static,
    ) -> Option<R> {
        let state = self.state.clone();
        match tokio::task::spawn_blocking(move || work(&state)).await {
            Ok(result) => Some(result),
            Err(err) => {
                let message = match err.try_into_panic() {
                    Ok(panic) => crate::panic_message(panic.as_ref()),
                    Err(err) => err.to_string(),
                };
                tracing::error!("{what} failed: {message}");
                None
            }
        }
    }

    /// Queues `message` for the document at `uri`, and starts its worker when none runs.
    fn queue(&self, uri: &Uri, slot: Arc<Slot>, message: Message) {
        if slot.push(message) {
            tokio::spawn(self.clone().work(uri.clone(), slot));
        }
    }

    /// A document's worker: applies its messages one by one, in order, each on a blocking
    /// thread, and publishes each result unless the document was closed meanwhile.
    async fn work(self, uri: Uri, slot: Arc<Slot>) {
        while let Some((message, number)) = slot.next() {
            let applied = {
                let (uri, slot) = (uri.clone(), slot.clone());
                self.blocking("checking a document", move |state| state.apply(&uri, &slot, message)).await
            };
            tracing::debug!("applied message {number} to {}", uri.as_str());
            let publishing = self.publishing.lock().await;
            if let Some(publish) = applied.flatten()
                && self.state.documents().is_current(&uri, &slot)
            {
                self.send(vec![publish]).await;
            }
            drop(publishing);
            slot.done(number);
            self.after_publish().await;
        }
    }

    /// The practices may have changed: every project loads again, every open document is
    /// checked again (each published by its worker), and the practice files' diagnostics are
    /// published once the projects are loaded.
    fn reload(&self) {
        self.state.forget_projects();
        for (uri, slot) in self.state.documents().all() {
            if !slot.practice_file {
                self.queue(&uri, slot, Message::Recheck);
            }
        }
        let reload = self.reloads.fetch_add(1, Ordering::SeqCst) + 1;
        let shared = self.clone();
        tokio::spawn(async move {
            let publish = shared.blocking("reloading", State::reload_projects).await.unwrap_or_default();
            let publishing = shared.publishing.lock().await;
            if shared.reloads.load(Ordering::SeqCst) == reload {
                shared.send(publish).await;
                shared.reloaded.store(reload, Ordering::SeqCst);
            }
            drop(publishing);
            shared.after_publish().await;
        });
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

    /// Sends the messages the state has for the user, and the status when it changed; starts
    /// following the servers that projects loaded meanwhile follow.
    async fn after_publish(&self) {
        self.syncer.start_wanted(self);
        let messages = self.state.take_messages();
        for (kind, message) in messages {
            self.client.show_message(kind, message).await;
        }
        let reloading = self.reloaded.load(Ordering::SeqCst) != self.reloads.load(Ordering::SeqCst);
        if !reloading && let Some(status) = self.state.changed_status() {
            self.client.send_notification::<StatusNotification>(status).await;
        }
    }

    /// The open document at `uri` once every message queued before this call is applied.
    async fn settled(&self, uri: &Uri) -> Option<Arc<Slot>> {
        let slot = self.state.documents().get(uri)?;
        slot.settled().await;
        Some(slot)
    }
}

impl Backend {
    fn new(client: Client, state: Arc<State>) -> Backend {
        Backend {
            shared: Shared {
                client,
                state,
                publishing: Arc::default(),
                sending_stats: Arc::default(),
                reloads: Arc::default(),
                reloaded: Arc::default(),
                syncer: sync::Syncer::default(),
            },
            cancel: Arc::default(),
            watch: AtomicBool::new(false),
            progress: AtomicBool::new(false),
        }
    }

    fn state(&self) -> &State {
        &self.shared.state
    }

    /// Reloads the practices.
    fn reload(&self) {
        self.shared.reload();
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
        let plain_hover = params
            .capabilities
            .text_document
            .as_ref()
            .and_then(|text| text.hover.as_ref())
            .and_then(|hover| hover.content_format.as_ref())
            .is_some_and(|formats| !formats.contains(&MarkupKind::Markdown));
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
        let state = &self.shared.state;
        state.configure(|config| *config = Config { encoding, plain_hover, settings, folders });
        *state.following() = following;
        for warning in warnings {
            state.tell(MessageType::WARNING, warning);
        }
        Ok(InitializeResult {
            capabilities: ServerCapabilities {
                position_encoding: Some(if utf8 { PositionEncodingKind::UTF8 } else { PositionEncodingKind::UTF16 }),
                text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
                    open_close: Some(true),
                    change: Some(TextDocumentSyncKind::INCREMENTAL),
                    // With `scope: changed`, a save may follow a commit: the text at HEAD is read again.
                    save: Some(TextDocumentSyncSaveOptions::Supported(true)),
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
                        COMMAND_DRAFT_PRACTICE.into(),
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
        self.shared.blocking("loading the workspace folders", State::load_folders).await;
        self.shared.publish(Vec::new()).await;
        self.shared.syncer.start_stats_timer(&self.shared);
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

    // The notifications below change the state before they await anything: that is what keeps
    // them in arrival order (see the module's documentation).

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let doc = params.text_document;
        let slot = self.state().open(doc.uri.clone(), &doc.language_id, doc.version, doc.text);
        if slot.practice_file {
            self.reload();
        } else {
            tokio::spawn(self.shared.clone().work(doc.uri, slot));
        }
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let doc = params.text_document;
        let Some(slot) = self.state().documents().get(&doc.uri) else {
            tracing::warn!("change to a document that is not open: {}", doc.uri.as_str());
            return;
        };
        if slot.practice_file {
            self.state().edit_practice_file(&slot, doc.version, params.content_changes);
            self.reload();
            return;
        }
        let message = Message::Change { version: doc.version, changes: params.content_changes };
        self.shared.queue(&doc.uri, slot, message);
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        let uri = params.text_document.uri;
        let Some(slot) = self.state().documents().get(&uri) else { return };
        if !slot.practice_file {
            self.shared.queue(&uri, slot, Message::Saved);
        }
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        let Some(slot) = self.state().documents().remove(&uri) else { return };
        if slot.practice_file {
            // The file on disk is what counts again.
            self.reload();
        }
        self.shared.publish(vec![(uri, None, Vec::new())]).await;
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        if self.state().configure(|config| config.settings.update(&params.settings)) {
            self.reload();
        }
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        let path = |folder: &WorkspaceFolder| folder.uri.to_file_path().map(|path| path.into_owned());
        let removed: Vec<PathBuf> = params.event.removed.iter().filter_map(path).collect();
        self.state().configure(|config| {
            config.folders.retain(|folder| !removed.contains(folder));
            config.folders.extend(params.event.added.iter().filter_map(path));
        });
        self.reload();
    }

    async fn did_change_watched_files(&self, _: DidChangeWatchedFilesParams) {
        self.reload();
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let at = params.text_document_position_params;
        let Some(slot) = self.shared.settled(&at.text_document.uri).await else { return Ok(None) };
        Ok(self.shared.blocking("hover", move |state| hover::hover(state, &slot, at.position)).await.flatten())
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let uri = params.text_document.uri;
        let Some(slot) = self.shared.settled(&uri).await else { return Ok(None) };
        let actions = self
            .shared
            .blocking("codeAction", move |state| actions::code_actions(state, &slot, &uri, params.range))
            .await
            .unwrap_or_default();
        Ok(if actions.is_empty() { None } else { Some(actions) })
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<LSPAny>> {
        match params.command.as_str() {
            COMMAND_RELOAD => {
                self.reload();
                Ok(None)
            }
            COMMAND_CREATE_PRACTICE => {
                let args: create::CreateArgs =
                    argument(&params, "praxis.createPractice takes {uri, range, kind, id?, name?, publish?}")?;
                let slot = self
                    .shared
                    .settled(&args.uri)
                    .await
                    .ok_or_else(|| Error::invalid_params("the document is not open".to_owned()))?;
                let (created, args) = self
                    .shared
                    .blocking("createPractice", move |state| (create::create_practice(state, &slot, &args), args))
                    .await
                    .ok_or_else(Error::internal_error)?;
                let created = created.map_err(|err| Error::invalid_params(format!("{err:#}")))?;
                if let Some(uri) = Uri::from_file_path(&created.path) {
                    let show =
                        ShowDocumentParams { uri, external: Some(false), take_focus: Some(true), selection: None };
                    if let Err(err) = self.shared.client.show_document(show).await {
                        tracing::debug!("client did not show the new practice: {err}");
                    }
                }
                self.reload();
                let offered = created.offer.is_some() && args.publish != Some(false);
                if let Some(offer) = created.offer {
                    // Asking and sending wait on the user and the network: not on this handler.
                    tokio::spawn(sync::offer_practice(self.shared.clone(), offer, args.publish));
                }
                Ok(Some(serde_json::json!({"path": created.path, "id": created.id, "offered": offered})))
            }
            COMMAND_DRAFT_PRACTICE => {
                let args: draft::DraftArgs =
                    argument(&params, "praxis.draftPractice takes {uri, range, kind, describe?}")?;
                let slot = self
                    .shared
                    .settled(&args.uri)
                    .await
                    .ok_or_else(|| Error::invalid_params("the document is not open".to_owned()))?;
                let prepared = self
                    .shared
                    .blocking("draftPractice", move |state| draft::prepare(state, &slot, &args))
                    .await
                    .ok_or_else(Error::internal_error)?;
                match prepared {
                    Ok(job) => {
                        // Drafting waits on the network, for minutes maybe: not on this handler.
                        tokio::spawn(draft::run(self.shared.clone(), job, self.progress.load(Ordering::SeqCst)));
                        Ok(Some(serde_json::json!({"started": true})))
                    }
                    Err(message) => {
                        self.shared.client.show_message(MessageType::WARNING, message.clone()).await;
                        Ok(Some(serde_json::json!({"started": false, "message": message})))
                    }
                }
            }
            COMMAND_SYNC => {
                self.shared.blocking("sync", State::load_folders).await;
                self.shared.publish(Vec::new()).await;
                self.shared.syncer.sync_now();
                Ok(Some(self.state().status()))
            }
            COMMAND_PREVIEW_STATS => {
                let _sending = self.shared.sending_stats.lock().await;
                Ok(self.shared.blocking("previewStats", |state| state.following().preview()).await)
            }
            COMMAND_FIX_APPLIED => {
                let args: actions::FixApplied = argument(&params, "praxis.fixApplied takes {uri, practice}")?;
                let Some(slot) = self.shared.settled(&args.uri).await else { return Ok(None) };
                self.shared.blocking("fixApplied", move |state| actions::fix_applied(state, &slot, &args)).await;
                Ok(None)
            }
            COMMAND_CHECK_WORKSPACE => {
                self.cancel.store(false, Ordering::SeqCst);
                let job = workspace_check::Job {
                    shared: self.shared.clone(),
                    cancel: self.cancel.clone(),
                    progress: self.progress.load(Ordering::SeqCst),
                };
                tokio::spawn(job.run());
                Ok(Some(Value::Null))
            }
            other => Err(Error::invalid_params(format!("unknown command `{other}`"))),
        }
    }
}
