//! Following the team's servers from the language server. Per server and space, one task pulls
//! on start, on every new `revision` of a long-lived event stream (reconnected with backoff),
//! every 5 minutes, and when `praxis.sync` wakes it; a new set re-checks the open documents.
//! Usage statistics are sent every 10 minutes, when a server is back, and at shutdown. The
//! network work happens here, outside the state's lock, through `praxis-sync`; results reach
//! the state through `Following`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use praxis_sync::cache::Cache;
use praxis_sync::client::Client;
use praxis_sync::remote::{self, Binding, SyncState};
use praxis_sync::token::TokenStore;
use praxis_sync::wire::{PracticeBody, Status};
use tokio::sync::Notify;
use tokio::time::Instant;
use tower_lsp_server::ls_types::{MessageActionItem, MessageType};

use super::Shared;
use super::create::Offer;

/// How often a followed space is pulled besides its events.
const PULL_EVERY: Duration = Duration::from_secs(5 * 60);
/// How often usage statistics are sent.
const STATS_EVERY: Duration = Duration::from_secs(10 * 60);
/// The first wait before reconnecting the event stream, doubled up to [`BACKOFF_MAX`].
const BACKOFF_START: Duration = Duration::from_secs(1);
const BACKOFF_MAX: Duration = Duration::from_secs(120);
/// How long sending statistics may hold up the end of a session.
const EXIT_SEND: Duration = Duration::from_secs(3);

/// The followers, by binding: each one's wake-up.
#[derive(Clone, Default)]
pub struct Syncer {
    followers: Arc<Mutex<HashMap<Binding, Arc<Notify>>>>,
}

impl Syncer {
    /// Starts a follower for each binding the state has newly met.
    pub fn start_wanted(&self, shared: &Shared) {
        let wanted = shared.state.following().take_wanted();
        let mut followers = self.followers.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        for binding in wanted {
            if followers.contains_key(&binding) {
                continue;
            }
            let wake = Arc::new(Notify::new());
            followers.insert(binding.clone(), wake.clone());
            tokio::spawn(follow(shared.clone(), binding, wake));
        }
    }

    /// Wakes every follower to pull now.
    pub fn sync_now(&self) {
        let followers = self.followers.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        for wake in followers.values() {
            wake.notify_one();
        }
    }

    /// Sends usage statistics every [`STATS_EVERY`].
    pub fn start_stats_timer(&self, shared: &Shared) {
        let shared = shared.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval_at(Instant::now() + STATS_EVERY, STATS_EVERY);
            loop {
                every.tick().await;
                send_stats(&shared, None, true).await;
            }
        });
    }
}

/// Sends what is queued, for `only` one binding or all; with `take`, every tally is queued first
/// (the 10-minute flush and the end of a session; a server back sends only what was queued).
pub async fn send_stats(shared: &Shared, only: Option<&Binding>, take: bool) {
    let _sending = shared.sending_stats.lock().await;
    // Queueing writes to the cache: off the async workers.
    let queued = shared
        .blocking("queueing statistics", move |state| {
            let mut following = state.following();
            if take {
                following.queue_tallies();
            }
            (following.bindings(), following.pull_parts())
        })
        .await
        .unwrap_or_default();
    let (bindings, Some((tokens, cache))) = queued else { return };
    for binding in bindings.iter().filter(|binding| only.is_none_or(|only| only == *binding)) {
        let Some(client) = client(binding, &tokens).await else { continue };
        match remote::flush_stats(binding, &client, &cache).await {
            Ok(sent) if sent > 0 => tracing::info!("sent {sent} statistics batches to {binding}"),
            Ok(_) => {}
            Err(err) => tracing::info!("statistics for {binding} stay queued: {err}"),
        }
    }
}

/// At the end of a session: queue every tally, and send for a few seconds at most.
pub async fn send_stats_at_exit(shared: &Shared) {
    if tokio::time::timeout(EXIT_SEND, send_stats(shared, None, true)).await.is_err() {
        tracing::info!("statistics not sent in time stay queued for the next session");
    }
}

/// A client for `binding`, looked up off the async workers: the keyring may take a while.
async fn client(binding: &Binding, tokens: &TokenStore) -> Option<Client> {
    let (binding, tokens) = (binding.clone(), tokens.clone());
    let outcome = tokio::task::spawn_blocking(move || binding.client(&tokens)).await.ok()?;
    outcome.map_err(|err| tracing::debug!("no client: {err}")).ok()
}

/// Follows one space until the session ends.
async fn follow(shared: Shared, binding: Binding, wake: Arc<Notify>) {
    let mut backoff = BACKOFF_START;
    loop {
        pull(&shared, &binding).await;
        let mut next_pull = Instant::now() + PULL_EVERY;
        if let Some(mut events) = events(&shared, &binding).await {
            loop {
                tokio::select! {
                    event = events.next() => match event {
                        Ok(Some(revision)) => {
                            backoff = BACKOFF_START;
                            if current_revision(&shared, &binding) != Some(revision) {
                                pull(&shared, &binding).await;
                            }
                        }
                        Ok(None) => break,
                        Err(err) => {
                            tracing::debug!("event stream of {binding} ended: {err}");
                            break;
                        }
                    },
                    () = tokio::time::sleep_until(next_pull) => {
                        pull(&shared, &binding).await;
                        next_pull = Instant::now() + PULL_EVERY;
                    }
                    () = wake.notified() => pull(&shared, &binding).await,
                }
            }
        }
        // Out of reach, or the stream ended: wait, unless woken, then pull and reconnect.
        tokio::select! {
            () = tokio::time::sleep(backoff) => {}
            () = wake.notified() => {}
        }
        backoff = (backoff * 2).min(BACKOFF_MAX);
    }
}

fn current_revision(shared: &Shared, binding: &Binding) -> Option<u64> {
    shared.state.following().revision(binding)
}

fn parts(shared: &Shared) -> Option<(TokenStore, Arc<Cache>)> {
    shared.state.following().pull_parts()
}

/// Opens the space's event stream; `None` when it cannot be opened now.
async fn events(shared: &Shared, binding: &Binding) -> Option<praxis_sync::client::Events> {
    let (tokens, _) = parts(shared)?;
    let client = client(binding, &tokens).await?;
    client.events(&binding.space).await.map_err(|err| tracing::debug!("no event stream for {binding}: {err}")).ok()
}

/// Pulls the space once and applies the result: a new set re-checks the open documents, a
/// failure is told once, a server back after a failure gets the queued statistics.
async fn pull(shared: &Shared, binding: &Binding) {
    let Some((tokens, cache)) = parts(shared) else { return };
    let client = {
        let (binding, tokens) = (binding.clone(), tokens.clone());
        tokio::task::spawn_blocking(move || binding.client(&tokens)).await
    };
    let report = match client {
        Ok(client) => remote::pull(binding, client.as_ref(), &cache).await,
        Err(_) => return,
    };
    let reached = report.state == SyncState::Ok;
    let (applied, was_ok) = {
        let mut following = shared.state.following();
        let was_ok = following.state(binding) == Some(SyncState::Ok);
        (following.apply(binding, report), was_ok)
    };
    if let Some((offline, notice)) = applied.notice {
        shared.state.tell(if offline { MessageType::WARNING } else { MessageType::ERROR }, notice);
    }
    if applied.changed {
        // A new set: every open document is checked again, each published by its worker.
        shared.reload();
    }
    shared.publish(Vec::new()).await;
    if reached && !was_ok {
        send_stats(shared, Some(binding), false).await;
    }
}

/// Offers a new practice to the team's server (`answer` given: no question) and sends it: the
/// practice, then its example with the file it came from. The outcome is told to the user.
pub async fn offer_practice(shared: Shared, offer: Offer, answer: Option<bool>) {
    let Offer { binding, doc, example } = offer;
    let id = doc.id.clone();
    let send = match answer {
        Some(answer) => answer,
        None => {
            let question =
                format!("Praxis: send practice `{id}` to {binding}? Its example and the file it came from go with it.");
            let actions = vec![
                MessageActionItem { title: "Send".into(), properties: HashMap::new() },
                MessageActionItem { title: "Keep local".into(), properties: HashMap::new() },
            ];
            let chosen = shared.client.show_message_request(MessageType::INFO, question, Some(actions)).await;
            matches!(chosen, Ok(Some(item)) if item.title == "Send")
        }
    };
    if !send {
        return;
    }
    let outcome = async {
        let (tokens, _) = parts(&shared).ok_or_else(|| "no user folders to find a token in".to_owned())?;
        let tokens_for = tokens.clone();
        let binding_for = binding.clone();
        let client = tokio::task::spawn_blocking(move || binding_for.client(&tokens_for))
            .await
            .map_err(|err| err.to_string())?
            .map_err(|err| err.to_string())?;
        let put = client
            .put_practice(&binding.space, &PracticeBody { doc, status: None })
            .await
            .map_err(|err| err.to_string())?;
        client.add_example(&binding.space, &id, &example).await.map_err(|err| err.to_string())?;
        Ok::<_, String>(put.status)
    }
    .await;
    let (kind, message) = match outcome {
        Ok(Status::Active) => (MessageType::INFO, format!("Praxis: practice `{id}` is now active in {binding}")),
        Ok(Status::Draft) => {
            (MessageType::INFO, format!("Praxis: practice `{id}` was proposed to {binding} as a draft"))
        }
        Err(err) => (MessageType::ERROR, format!("Praxis: practice `{id}` was not sent to {binding}: {err}")),
    };
    shared.client.show_message(kind, message).await;
    shared.syncer.sync_now();
}
