//! `praxis.checkWorkspace`: every file of every workspace folder, with `$/progress`, published
//! as it goes, and cancellable from the client's progress UI.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tower_lsp_server::Client;
use tower_lsp_server::ls_types::{NumberOrString, WorkDoneProgressCreateParams, request::WorkDoneProgressCreate};

use super::state::State;

pub struct Job {
    pub client: Client,
    pub state: Arc<Mutex<State>>,
    pub cancel: Arc<AtomicBool>,
}

static NEXT_TOKEN: AtomicU64 = AtomicU64::new(1);

impl Job {
    pub async fn run(self) {
        let token = NumberOrString::String(format!("praxis-check-{}", NEXT_TOKEN.fetch_add(1, Ordering::Relaxed)));
        let created = self
            .client
            .send_request::<WorkDoneProgressCreate>(WorkDoneProgressCreateParams { token: token.clone() })
            .await;
        if let Err(err) = created {
            tracing::debug!("client refused a progress token: {err}");
        }
        let progress = self
            .client
            .progress(token, "Praxis: checking the workspace")
            .with_percentage(0)
            .with_cancel_button()
            .begin()
            .await;

        let files = {
            let state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let folders = state.folders.clone();
            let (files, _) = crate::files::collect(&folders, |_| true);
            files.into_iter().map(|file| file.path).collect::<Vec<PathBuf>>()
        };
        let total = files.len().max(1);
        let (mut checked, mut findings) = (0usize, 0usize);
        let mut cancelled = false;
        for (index, path) in files.iter().enumerate() {
            if self.cancel.load(Ordering::SeqCst) {
                cancelled = true;
                break;
            }
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
            if index % 20 == 0 {
                let percentage = (index * 100 / total) as u32;
                progress.report_with_message(format!("{index}/{total} files"), percentage, None).await;
            }
        }
        let summary = if cancelled {
            format!("cancelled after {checked} files, {findings} findings")
        } else {
            format!("{checked} files, {findings} findings")
        };
        progress.finish_with_message(summary).await;
    }
}
