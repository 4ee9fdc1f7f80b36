//! `praxis.checkWorkspace`: every file of every workspace folder, published as it goes, with
//! `$/progress` when the client shows it, and cancellable from the client's progress UI.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tower_lsp_server::ls_types::request::WorkDoneProgressCreate;
use tower_lsp_server::ls_types::{NumberOrString, WorkDoneProgressCreateParams};
use tower_lsp_server::{Bounded, Cancellable, Client, OngoingProgress};

use super::state::State;

pub struct Job {
    pub client: Client,
    pub state: Arc<Mutex<State>>,
    pub cancel: Arc<AtomicBool>,
    /// See `Backend::publishing`.
    pub publishing: Arc<tokio::sync::Mutex<()>>,
    /// Whether the client takes `$/progress` (it said `window.workDoneProgress`).
    pub progress: bool,
}

static NEXT_TOKEN: AtomicU64 = AtomicU64::new(1);

impl Job {
    pub async fn run(self) {
        let progress = if self.progress { self.begin_progress().await } else { None };
        let files: Vec<PathBuf> = {
            let state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let (files, _) = crate::files::collect(&state.folders, |_| true);
            files.into_iter().map(|file| file.path).collect()
        };
        let total = files.len().max(1);
        let (mut checked, mut findings) = (0usize, 0usize);
        let mut cancelled = false;
        for (index, path) in files.iter().enumerate() {
            if self.cancel.load(Ordering::SeqCst) {
                cancelled = true;
                break;
            }
            // Checked and published under the publishing lock: a document the editor opens
            // meanwhile is either seen as open (and skipped) or published after this.
            let publishing = self.publishing.lock().await;
            let publish = {
                let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| state.check_file(path))).ok().flatten()
            };
            if let Some((uri, version, diagnostics)) = publish {
                checked += 1;
                findings += diagnostics.len();
                if !diagnostics.is_empty() {
                    self.client.publish_diagnostics(uri, diagnostics, version).await;
                }
            }
            drop(publishing);
            if let Some(progress) = &progress
                && index % 20 == 0
            {
                let percentage = (index * 100 / total) as u32;
                progress.report_with_message(format!("{index}/{total} files"), percentage, None).await;
            }
        }
        let summary = if cancelled {
            format!("cancelled after {checked} files, {findings} findings")
        } else {
            format!("{checked} files, {findings} findings")
        };
        match progress {
            Some(progress) => progress.finish_with_message(summary).await,
            None => tracing::info!("workspace check: {summary}"),
        }
    }

    /// Asks the client for a progress token and begins a cancellable progress; `None` when the
    /// client refuses.
    async fn begin_progress(&self) -> Option<OngoingProgress<Bounded, Cancellable>> {
        let token = NumberOrString::String(format!("praxis-check-{}", NEXT_TOKEN.fetch_add(1, Ordering::Relaxed)));
        let params = WorkDoneProgressCreateParams { token: token.clone() };
        if let Err(err) = self.client.send_request::<WorkDoneProgressCreate>(params).await {
            tracing::debug!("client refused a progress token: {err}");
            return None;
        }
        let progress = self.client.progress(token, "Praxis: checking the workspace").with_percentage(0);
        Some(progress.with_cancel_button().begin().await)
    }
}
