//! Following a team's server, for the command line and the language server alike: which server
//! and space a run follows, the sync client's parts (token store, cache) set up from the user's
//! folders, and the sentences that tell the user how it went. HTTP, the keyring and SQLite are
//! `praxis-sync`'s; this module decides and reports.

use std::future::Future;

use anyhow::Context;
use praxis_engine::PracticeDoc;
use praxis_sync::cache::{Cache, CachedSet, now};
use praxis_sync::remote::Binding;
use praxis_sync::token::TokenStore;
use praxis_sync::{Dirs, SyncError};

use crate::project::{Project, ServerConfig, UserConfig};

/// The sync client's parts for one process.
pub struct Sync {
    pub dirs: Dirs,
    pub tokens: TokenStore,
    /// The user's config (`praxis login` writes its `[server]`).
    pub user: UserConfig,
}

/// What a run follows: a space on a server, and whether usage statistics go there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Follow {
    pub binding: Binding,
    pub stats: bool,
}

/// A server's practices in force, merged with the local ones by the loader.
#[derive(Debug, Clone)]
pub struct ServerSet {
    pub binding: Binding,
    /// The active practices.
    pub docs: Vec<PracticeDoc>,
}

impl ServerSet {
    /// The active practices of `set`. Following a space whose practices were never pulled is an
    /// empty set, not a missing one: the project needs no practice folder of its own.
    pub fn new(binding: &Binding, set: Option<&CachedSet>) -> ServerSet {
        ServerSet { binding: binding.clone(), docs: set.map(|set| set.active().cloned().collect()).unwrap_or_default() }
    }
}

impl Sync {
    /// The parts, from the user's folders (`PRAXIS_CONFIG_DIR`, `PRAXIS_CACHE_DIR` move them).
    pub fn from_env() -> anyhow::Result<Sync> {
        let dirs = Dirs::from_env()?;
        let user = UserConfig::load(&dirs.config)?;
        Ok(Sync { tokens: TokenStore::new(&dirs), dirs, user })
    }

    /// What a run in `project` follows: `chosen` (the editor's settings), else the project's
    /// `[server]`, else the one `praxis login` recorded, if any. `stats` overrides the
    /// configured choice (the editor's setting).
    pub fn follow(
        &self,
        project: Option<&Project>,
        chosen: Option<&ServerConfig>,
        stats: Option<bool>,
    ) -> anyhow::Result<Option<Follow>> {
        let config = project.map(|project| &project.config);
        let server = chosen.or(config.and_then(|config| config.server.as_ref())).or(self.user.server.as_ref());
        let Some(server) = server else { return Ok(None) };
        let mut binding = binding(server)?;
        if binding.ca_cert.is_none() {
            binding.ca_cert = self.login_ca_cert(&binding.server);
        }
        let stats = stats.or(config.and_then(|config| config.stats)).or(self.user.stats).unwrap_or(true);
        Ok(Some(Follow { binding, stats }))
    }

    /// The CA file given at `praxis login` to `server`: a private CA belongs to the server, so
    /// a project that names the same server without one uses it too.
    pub fn login_ca_cert(&self, server: &praxis_sync::ServerUrl) -> Option<std::path::PathBuf> {
        let login = self.user.server.as_ref()?;
        let same = praxis_sync::ServerUrl::parse(&login.url).is_ok_and(|url| &url == server);
        if same { login.ca_cert.clone() } else { None }
    }

    /// The offline cache, and a warning when it had to be rebuilt. Without a usable cache
    /// folder work goes on with one in memory, and the warning says why.
    pub fn open_cache(&self) -> anyhow::Result<(Cache, Option<String>)> {
        match Cache::open(&self.dirs.cache) {
            Ok(opened) => Ok(opened),
            Err(err) => Ok((Cache::in_memory()?, Some(format!("{err}; nothing is cached for later runs")))),
        }
    }
}

/// The binding a `[server]` table names.
pub fn binding(server: &ServerConfig) -> anyhow::Result<Binding> {
    Ok(Binding::new(&server.url, &server.space, server.ca_cert.clone())?)
}

/// The sentence for a pull that could not reach or use the server: what went wrong, and which
/// practices are in force instead.
pub fn fallback_line(binding: &Binding, error: &SyncError, set: Option<&CachedSet>) -> String {
    match set {
        Some(set) => format!(
            "{error}; using the practices of {binding} cached at revision {} ({})",
            set.revision,
            age(now() - set.confirmed)
        ),
        None => format!("{error}; no practices of {binding} are cached yet, so only local practices apply"),
    }
}

/// How old something `seconds` old is, in words.
pub fn age(seconds: i64) -> String {
    let seconds = seconds.max(0);
    let (count, unit) = match seconds {
        0..60 => return "just now".into(),
        60..3600 => (seconds / 60, "minute"),
        3600..86_400 => (seconds / 3600, "hour"),
        _ => (seconds / 86_400, "day"),
    };
    format!("{count} {unit}{} old", if count == 1 { "" } else { "s" })
}

/// Runs the command line's few network calls to completion on a small runtime of their own.
pub fn block_on<F: Future>(future: F) -> anyhow::Result<F::Output> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().context("cannot start I/O")?;
    Ok(runtime.block_on(future))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_as_words() {
        assert_eq!(age(5), "just now");
        assert_eq!(age(60), "1 minute old");
        assert_eq!(age(7200), "2 hours old");
        assert_eq!(age(3 * 86_400 + 5), "3 days old");
    }

    #[test]
    fn a_project_server_wins_over_the_login() {
        let dir = tempfile::tempdir().unwrap();
        let dirs = Dirs { config: dir.path().join("config"), cache: dir.path().join("cache") };
        let login = ServerConfig { url: "http://127.0.0.1:1".into(), space: "mine".into(), ca_cert: None };
        let sync = Sync {
            tokens: TokenStore::new(&dirs),
            dirs,
            user: UserConfig { stats: Some(false), server: Some(login), llm: None },
        };
        let followed = sync.follow(None, None, None).unwrap().unwrap();
        assert_eq!((followed.binding.space.as_str(), followed.stats), ("mine", false));
        let server = ServerConfig { url: "https://team.example.com".into(), space: "team".into(), ca_cert: None };
        let config = crate::project::Config { server: Some(server), stats: Some(true), ..Default::default() };
        let project = Project { root: dir.path().to_path_buf(), config };
        let followed = sync.follow(Some(&project), None, None).unwrap().unwrap();
        assert_eq!((followed.binding.server.as_str(), followed.stats), ("https://team.example.com", true));
        assert!(!sync.follow(Some(&project), None, Some(false)).unwrap().unwrap().stats);
        let server = ServerConfig { url: "http://team.example.com".into(), space: "team".into(), ca_cert: None };
        let config = crate::project::Config { server: Some(server), ..Default::default() };
        let project = Project { root: dir.path().to_path_buf(), config };
        assert!(sync.follow(Some(&project), None, None).unwrap_err().to_string().contains("plain http://"));
    }
}
