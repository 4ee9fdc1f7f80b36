//! `praxis.checkWorkspace`: every file of every workspace folder, published as it goes, with
//! `$/progress` when the client shows it, and cancellable from the client's progress UI.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use tower_lsp_server::ls_types::request::WorkDoneProgressCreate;
use tower_lsp_server::ls_types::{NumberOrString, WorkDoneProgressCreateParams};
use tower_lsp_server::{Bounded, Cancellable, OngoingProgress};

use super::Shared;

/// Walks the folders and checks each file on blocking threads, holding no lock while it reads,
/// parses or matches: the editor's documents go on being checked meanwhile.
pub struct Job {
    pub shared: Shared,
    pub cancel: Arc<AtomicBool>,
    /// Whether the client takes `$/progress` (it said `window.workDoneProgress`).
    pub progress: bool,
}

static NEXT_TOKEN: AtomicU64 = AtomicU64::new(1);

impl Job {
    pub async fn run(self) {
        let progress = if self.progress { self.begin_progress().await } else { None };
        let files: Vec<PathBuf> = self
            .shared
            .blocking("listing the workspace", |state| {
                let (files, _) = crate::files::collect(&state.config().folders, |_| true);
                files.into_iter().map(|file| file.path).collect()
            })
            .await
            .unwrap_or_default();
        let total = files.len().max(1);
        let (mut checked, mut findings) = (0usize, 0usize);
        let mut cancelled = false;
        for (index, path) in files.into_iter().enumerate() {
            if self.cancel.load(Ordering::SeqCst) {
                cancelled = true;
                break;
            }
            let publish = self.shared.blocking("checking a file", move |state| state.check_file(&path)).await.flatten();
            // Published under the publishing lock, unless the editor opened the file meanwhile:
            // then what it shows is checked and published by the document's worker.
            let publishing = self.shared.publishing.lock().await;
            if let Some((uri, version, diagnostics)) = publish
                && !self.shared.state.documents().contains(&uri)
            {
                checked += 1;
                findings += diagnostics.len();
                if !diagnostics.is_empty() {
                    self.shared.client.publish_diagnostics(uri, diagnostics, version).await;
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
        self.shared.blocking("trimming the result cache", |state| state.trim_results()).await;
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
        if let Err(err) = self.shared.client.send_request::<WorkDoneProgressCreate>(params).await {
            tracing::debug!("client refused a progress token: {err}");
            return None;
        }
        let progress = self.shared.client.progress(token, "Praxis: checking the workspace").with_percentage(0);
        Some(progress.with_cancel_button().begin().await)
    }
}
