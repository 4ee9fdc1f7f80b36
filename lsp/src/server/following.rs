//! The language server's view of the team's servers it follows: per server and space, the set
//! in force, how the last pull went, and the usage counted for it. Synchronous like the rest of
//! the state (behind its own lock); the network work is in `sync.rs`, which hands its results to [`Following::apply`].

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use praxis_sync::cache::{Cache, CachedSet};
use praxis_sync::remote::{Binding, PullReport, SyncState};
use praxis_sync::stats::{Tally, today};
use praxis_sync::token::TokenStore;
use praxis_sync::wire::StatsBatch;
use serde_json::{Value, json};

use super::settings::Settings;
use crate::project::{Project, ServerConfig};
use crate::remote::{Follow, ServerSet, Sync, fallback_line};

/// One followed space.
#[derive(Default)]
struct Space {
    /// The set in force: the last good one, from the cache or a pull.
    set: Option<CachedSet>,
    /// How the last pull of this session went; `None` before the first.
    state: Option<SyncState>,
    error: Option<String>,
    /// Whether usage is counted for it.
    stats: bool,
    tally: Tally,
}

/// What a pull changed, for the protocol layer to act on.
pub struct Applied {
    /// A new set is in force: open documents must be checked again.
    pub changed: bool,
    /// A message for the user, said once per failure until a pull succeeds again, and whether
    /// it is about being offline (a warning) rather than an error.
    pub notice: Option<(bool, String)>,
}

#[derive(Default)]
pub struct Following {
    /// `None` when the user's folders are unknown (no HOME): no server is followed.
    sync: Option<Sync>,
    cache: Option<Arc<Cache>>,
    spaces: HashMap<Binding, Space>,
    /// Bindings seen for the first time, for the protocol layer to start following.
    wanted: Vec<Binding>,
    /// Bindings whose current failure the user was told about.
    told: HashSet<Binding>,
}

impl Following {
    /// Sets up the sync client's parts from the user's folders; the warnings are for the user.
    pub fn from_env() -> (Following, Vec<String>) {
        let mut warnings = Vec::new();
        let sync = match Sync::from_env() {
            Ok(sync) => Some(sync),
            Err(err) => {
                warnings.push(format!("Praxis: {err:#}; no team server is followed"));
                None
            }
        };
        let cache = sync.as_ref().and_then(|sync| match sync.open_cache() {
            Ok((cache, warning)) => {
                warnings.extend(warning.map(|warning| format!("Praxis: {warning}")));
                Some(Arc::new(cache))
            }
            Err(err) => {
                warnings.push(format!("Praxis: {err:#}"));
                None
            }
        });
        (Following { sync, cache, ..Following::default() }, warnings)
    }

    /// What documents of `project` follow: the editor's `server` and `space` settings, else the
    /// project's `[server]`, else the login's. Errors (a plain http:// URL to another machine)
    /// come back as the message to show.
    pub fn follow(&self, project: Option<&Project>, settings: &Settings) -> Result<Option<Follow>, String> {
        let Some(sync) = &self.sync else { return Ok(None) };
        let chosen = match (&settings.server, &settings.space) {
            (Some(url), Some(space)) => Some(ServerConfig { url: url.clone(), space: space.clone(), ca_cert: None }),
            _ => None,
        };
        let outcome = sync.follow(project, chosen.as_ref(), settings.stats);
        outcome.map_err(|err| format!("Praxis: {err:#}"))
    }

    /// Whether documents outside any `.praxis/` project follow a server (the editor's settings
    /// or a login name one).
    pub fn follows_without_project(&self, settings: &Settings) -> bool {
        (settings.server.is_some() && settings.space.is_some())
            || self.sync.as_ref().is_some_and(|sync| sync.user.server.is_some())
    }

    /// The server's practices for `follow`: the set in force, read from the cache the first
    /// time a binding is seen (and then followed). Empty until a set is known.
    pub fn server_set(&mut self, follow: &Follow) -> ServerSet {
        let binding = &follow.binding;
        if !self.spaces.contains_key(binding) {
            let set = self.cache.as_ref().and_then(|cache| cache.practice_set(binding).ok().flatten());
            self.spaces.insert(binding.clone(), Space { set, ..Space::default() });
            self.wanted.push(binding.clone());
        }
        let space = self.spaces.get_mut(binding).unwrap_or_else(|| unreachable!("inserted above"));
        space.stats = follow.stats;
        ServerSet::new(binding, space.set.as_ref())
    }

    /// Bindings to start following.
    pub fn take_wanted(&mut self) -> Vec<Binding> {
        std::mem::take(&mut self.wanted)
    }

    /// What a pull needs: the token store and the cache.
    pub fn pull_parts(&self) -> Option<(TokenStore, Arc<Cache>)> {
        Some((self.sync.as_ref()?.tokens.clone(), self.cache.clone()?))
    }

    /// Takes a pull's result: the set it leaves in force, its state, and whether to tell the
    /// user (once per failure; again after a success).
    pub fn apply(&mut self, binding: &Binding, report: PullReport) -> Applied {
        let space = self.spaces.entry(binding.clone()).or_default();
        let before = space.set.as_ref().map(|set| (set.revision, set.etag.clone()));
        let after = report.set.as_ref().map(|set| (set.revision, set.etag.clone()));
        let changed = before != after;
        space.set = report.set;
        space.state = Some(report.state);
        space.error = report.error.as_ref().map(ToString::to_string);
        let notice = match &report.error {
            None => {
                self.told.remove(binding);
                None
            }
            Some(_) if self.told.contains(binding) => None,
            Some(err) => {
                self.told.insert(binding.clone());
                let line = fallback_line(binding, err, space.set.as_ref());
                Some((report.state == SyncState::Offline, format!("Praxis: {line}")))
            }
        };
        Applied { changed, notice }
    }

    /// The usage tally of `binding`'s space, when usage is counted for it.
    pub fn tally(&mut self, binding: &Binding) -> Option<&mut Tally> {
        self.spaces.get_mut(binding).filter(|space| space.stats).map(|space| &mut space.tally)
    }

    /// Moves every tally into the cache's queue, under today's date.
    pub fn queue_tallies(&mut self) {
        let Some(cache) = &self.cache else { return };
        let day = today();
        for (binding, space) in &mut self.spaces {
            let counters = space.tally.take();
            if let Err(err) = cache.queue_stats(binding, &day, &counters) {
                tracing::warn!("usage statistics were not kept: {err}");
            }
        }
    }

    /// The bindings whose statistics are sent: the followed spaces that count usage.
    pub fn bindings(&self) -> Vec<Binding> {
        self.spaces.iter().filter(|(_, space)| space.stats).map(|(binding, _)| binding.clone()).collect()
    }

    /// Exactly what the next send would post, per space: the queued batches, after moving the
    /// tallies into the queue.
    pub fn preview(&mut self) -> Value {
        self.queue_tallies();
        let Some(cache) = &self.cache else { return json!([]) };
        let mut bindings: Vec<&Binding> =
            self.spaces.iter().filter(|(_, space)| space.stats).map(|(binding, _)| binding).collect();
        bindings.sort_by(|a, b| (a.server.as_str(), &a.space).cmp(&(b.server.as_str(), &b.space)));
        let sends: Vec<Value> = bindings
            .into_iter()
            .map(|binding| {
                let batches: Vec<StatsBatch> = cache.pending_stats(binding).unwrap_or_default();
                json!({"server": binding.server.as_str(), "space": binding.space, "batches": batches})
            })
            .collect();
        json!(sends)
    }

    /// The `praxis/status` of each followed space; `practices` is filled in by the caller.
    pub fn statuses(&self) -> Vec<(Binding, Value)> {
        let mut statuses: Vec<(Binding, Value)> = self
            .spaces
            .iter()
            .map(|(binding, space)| {
                let state = match space.state {
                    Some(state) => json!(state),
                    None => json!("syncing"),
                };
                let value = json!({
                    "server": binding.server.as_str(),
                    "space": binding.space,
                    "revision": space.set.as_ref().map(|set| set.revision),
                    "state": state,
                    "message": space.error,
                });
                (binding.clone(), value)
            })
            .collect();
        statuses.sort_by(|a, b| (a.0.server.as_str(), &a.0.space).cmp(&(b.0.server.as_str(), &b.0.space)));
        statuses
    }

    /// How the last pull of `binding` went this session.
    pub fn state(&self, binding: &Binding) -> Option<SyncState> {
        self.spaces.get(binding)?.state
    }

    /// The revision of `binding`'s set in force.
    pub fn revision(&self, binding: &Binding) -> Option<u64> {
        Some(self.spaces.get(binding)?.set.as_ref()?.revision)
    }
}
