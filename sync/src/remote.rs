//! Following a team's space: pulling its practices into the cache (conditionally, validated,
//! keeping the last good set), and sending the queued statistics.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use praxis_engine::{Practice, PracticeDoc};
use serde::Serialize;

use crate::cache::{Cache, CachedSet, now};
use crate::client::{Client, Fetched};
use crate::error::{Result, SyncError};
use crate::server_url::ServerUrl;
use crate::token::TokenStore;
use crate::wire::{PracticeList, Role, Status};

/// A server and a space on it: what a project or a login follows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Binding {
    pub server: ServerUrl,
    pub space: String,
    /// A PEM file of CA certificates trusted besides the system's, for private CAs.
    pub ca_cert: Option<PathBuf>,
}

impl Binding {
    pub fn new(server: &str, space: &str, ca_cert: Option<PathBuf>) -> Result<Binding> {
        let server = ServerUrl::parse(server)?;
        if !crate::wire::valid_space_name(space) {
            return Err(SyncError::Config(format!("space `{space}` is not a space name (1 to 64 of a-z, 0-9 and -)")));
        }
        Ok(Binding { server, space: space.to_owned(), ca_cert })
    }

    /// A client for this binding with the token the store holds for its server.
    pub fn client(&self, tokens: &TokenStore) -> Result<Client> {
        let (token, _) =
            tokens.get(&self.server)?.ok_or_else(|| SyncError::NoToken { server: self.server.to_string() })?;
        Client::new(&self.server, &token, self.ca_cert.as_deref())
    }
}

impl fmt::Display for Binding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "space `{}` on {}", self.space, self.server)
    }
}

/// How following a space goes, as editors show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SyncState {
    /// The last pull reached the server and its set is in force.
    Ok,
    /// The server is out of reach; the cached set is in force.
    Offline,
    /// The server answered with an error, or sent a set that fails validation.
    Error,
}

/// What a pull did.
#[derive(Debug)]
pub struct PullReport {
    pub state: SyncState,
    /// The set in force afterwards: the new one, or the last good one from the cache.
    pub set: Option<CachedSet>,
    /// Whether a new set was taken.
    pub changed: bool,
    /// Why the state is not `Ok`.
    pub error: Option<SyncError>,
}

impl CachedSet {
    /// The practices in force: the active ones.
    pub fn active(&self) -> impl Iterator<Item = &PracticeDoc> {
        self.practices.iter().filter(|practice| practice.status == Status::Active).map(|practice| &practice.doc)
    }
}

/// Checks a set the way `praxis test` would before it is put in force: every active practice
/// compiles for this engine and its examples pass. Each problem is one line naming its practice.
pub fn validate(list: &PracticeList) -> Result<(), Vec<String>> {
    let mut problems = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for listed in list.practices.iter().filter(|practice| practice.status == Status::Active) {
        let id = listed.doc.id.clone();
        if !seen.insert(id.clone()) {
            problems.push(format!("practice `{id}` comes twice"));
            continue;
        }
        match Practice::from_doc(listed.doc.clone()) {
            Ok(practice) => problems
                .extend(practice.run_examples().failures.iter().map(|failure| format!("practice `{id}`: {failure}"))),
            Err(errors) => problems.extend(errors.iter().map(|error| format!("practice `{id}`: {error}"))),
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(problems) }
}

/// Pulls the space's practices: a 304 when the cached set is current, else the new set, taken
/// only when it validates. Whatever happens, the report says which set is in force.
pub async fn pull(binding: &Binding, client: Result<&Client, &SyncError>, cache: &Cache) -> PullReport {
    let cached = cache.practice_set(binding).unwrap_or_else(|err| {
        tracing::warn!("{err}");
        None
    });
    let outcome = match client {
        Ok(client) => fetch(binding, client, cache, cached.as_ref()).await,
        Err(err) => Err(err.clone()),
    };
    let at = now();
    let report = match outcome {
        Ok(Some(set)) => PullReport { state: SyncState::Ok, set: Some(set), changed: true, error: None },
        Ok(None) => {
            let set = cached.map(|set| CachedSet { confirmed: at, ..set });
            PullReport { state: SyncState::Ok, set, changed: false, error: None }
        }
        Err(error) => {
            let state = if error.is_offline() { SyncState::Offline } else { SyncState::Error };
            PullReport { state, set: cached, changed: false, error: Some(error) }
        }
    };
    let message = report.error.as_ref().map(ToString::to_string);
    if let Err(err) = cache.record_contact(binding, at, message.as_deref()) {
        tracing::warn!("{err}");
    }
    report
}

/// `Some(set)` when a new set was taken, `None` when the cached one is current.
async fn fetch(
    binding: &Binding,
    client: &Client,
    cache: &Cache,
    cached: Option<&CachedSet>,
) -> Result<Option<CachedSet>> {
    let etag = cached.and_then(|set| set.etag.as_deref());
    match client.practices(&binding.space, etag).await? {
        Fetched::NotModified => {
            cache.confirm_set(binding, now())?;
            Ok(None)
        }
        Fetched::Changed { etag, list } => {
            if cached.is_some_and(|set| set.revision == list.revision && set.etag == etag) {
                cache.confirm_set(binding, now())?;
                return Ok(None);
            }
            validate(&list).map_err(|problems| {
                SyncError::Invalid(format!(
                    "revision {} of {binding} fails validation here and was not taken: {}",
                    list.revision,
                    problems.join("; ")
                ))
            })?;
            let set = CachedSet { revision: list.revision, etag, practices: list.practices, confirmed: now() };
            cache.store_set(binding, &set)?;
            Ok(Some(set))
        }
    }
}

/// How long a flush holds the batches it sends before another process may take them.
const STATS_LEASE: Duration = Duration::from_secs(120);

/// Sends every queued batch of the space; each leaves the queue once the server took it (or
/// had already taken it). Returns how many were sent; stops at the first failure.
pub async fn flush_stats(binding: &Binding, client: &Client, cache: &Cache) -> Result<usize> {
    let claimed = cache.claim_stats(binding, STATS_LEASE)?;
    let mut sent = 0;
    let mut pending = claimed.iter();
    for batch in pending.by_ref() {
        match client.post_stats(&binding.space, &batch.batch).await {
            Ok(_) => {
                cache.sent(batch.row)?;
                sent += 1;
            }
            // A batch the server refuses (422: a practice id it does not accept, say) would be
            // refused forever: it is dropped, not retried.
            Err(err @ SyncError::Http { status: 400..=499, .. }) if err.status() != Some(429) => {
                tracing::warn!("statistics batch refused and dropped: {err}");
                cache.sent(batch.row)?;
            }
            Err(err) => {
                cache.release(batch.row)?;
                for rest in pending {
                    cache.release(rest.row)?;
                }
                return Err(err);
            }
        }
    }
    Ok(sent)
}

/// Checks a token at login: it must be known to the server and a member of the space.
pub async fn verify(binding: &Binding, client: &Client) -> Result<Role> {
    let spaces = client.spaces().await?;
    spaces.spaces.iter().find(|space| space.name == binding.space).map(|space| space.role).ok_or_else(|| {
        let mine: Vec<&str> = spaces.spaces.iter().map(|space| space.name.as_str()).collect();
        SyncError::Config(format!(
            "the token is valid, but its user is not a member of space `{}` on {} (member of: {})",
            binding.space,
            binding.server,
            if mine.is_empty() { "none".to_owned() } else { mine.join(", ") }
        ))
    })
}
