//! Following the team's server from the command line: the part of every run that pulls the
//! space's practices on start (or reads the cache), says once on stderr when the server is out
//! of reach, and queues and sends usage statistics at the end; and the commands `login`,
//! `logout`, `sync`, `status` and `stats --preview`.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use praxis_sync::cache::{Cache, CachedSet, now};
use praxis_sync::client::Client;
use praxis_sync::remote::{self, Binding, SyncState};
use praxis_sync::stats::{Tally, today};
use praxis_sync::token::{Token, TokenSource};
use praxis_sync::wire::Status;

use super::Exit;
use crate::project::{Project, ServerConfig};
use crate::remote::{Follow, ServerSet, Sync, age, block_on, fallback_line};
use crate::report;

/// A run that follows a server: what it needs at the end to send usage statistics.
pub struct Session {
    sync: Sync,
    follow: Follow,
    cache: Cache,
    /// Whether the pull reached the server; statistics are only sent when it did.
    reached: bool,
}

impl Session {
    /// Whether usage is counted for the server.
    pub fn counts(&self) -> bool {
        self.follow.stats
    }

    /// Queues the run's counters and sends what is queued, when the server was reachable.
    pub fn finish(self, tally: Tally) {
        if !self.follow.stats {
            return;
        }
        let binding = &self.follow.binding;
        if let Err(err) = self.cache.queue_stats(binding, &today(), &tally.counters()) {
            report::warning_line(&format!("usage statistics were not kept: {err}"));
        }
        if !self.reached {
            return;
        }
        let sent = match binding.client(&self.sync.tokens) {
            Ok(client) => block_on(remote::flush_stats(binding, &client, &self.cache)).and_then(|sent| Ok(sent?)),
            Err(err) => Err(err.into()),
        };
        if let Err(err) = sent {
            report::warning_line(&format!("usage statistics stay queued: {err:#}"));
        }
    }
}

/// For a run starting at `start`: the server's practices in force, pulled first when `pull`,
/// and the session that sends statistics at the end. `(None, None)` when no server is followed.
pub fn follow_run(start: &Path, pull: bool) -> anyhow::Result<(Option<ServerSet>, Option<Session>)> {
    let project = Project::discover(start)?;
    let sync = match Sync::from_env() {
        Ok(sync) => sync,
        Err(err) => {
            // Without user folders (no HOME), only a project that names a server misses one; a
            // broken user config is worth a word either way.
            let names_server = project.as_ref().is_some_and(|project| project.config.server.is_some());
            if names_server || praxis_sync::Dirs::from_env().is_ok() {
                report::warning_line(&format!("{err:#}; no team server's practices are used"));
            }
            return Ok((None, None));
        }
    };
    let follow = match sync.follow(project.as_ref(), None, None) {
        Ok(Some(follow)) => follow,
        Ok(None) => return Ok((None, None)),
        Err(err) => bail!("{}: [server]: {err:#}", config_source(project.as_ref(), &sync).display()),
    };
    let (cache, warning) = sync.open_cache()?;
    if let Some(warning) = warning {
        report::warning_line(&warning);
    }
    let binding = &follow.binding;
    let (set, reached) = if pull {
        let client = binding.client(&sync.tokens);
        let pulled = block_on(remote::pull(binding, client.as_ref(), &cache))?;
        if let Some(err) = &pulled.error {
            report::warning_line(&fallback_line(binding, err, pulled.set.as_ref()));
        }
        (pulled.set, pulled.state == SyncState::Ok)
    } else {
        (cache.practice_set(binding).unwrap_or_default(), false)
    };
    let server = ServerSet::new(binding, set.as_ref());
    Ok((Some(server), Some(Session { sync, follow, cache, reached })))
}

/// The config file a `[server]` came from, for error messages.
fn config_source(project: Option<&Project>, sync: &Sync) -> PathBuf {
    match project.filter(|project| project.config.server.is_some()) {
        Some(project) => project.root.join(crate::project::PRAXIS_DIR).join(crate::project::CONFIG_FILE),
        None => sync.dirs.config.join(crate::project::CONFIG_FILE),
    }
}

/// What a sync command works with: the client's parts, the space followed from the current
/// folder, and the cache (a warning on stderr when it had to be rebuilt).
pub(super) fn open_followed() -> anyhow::Result<(Sync, Follow, Cache)> {
    let sync = Sync::from_env()?;
    let follow = followed(&sync)?;
    let (cache, warning) = sync.open_cache()?;
    if let Some(warning) = warning {
        report::warning_line(&warning);
    }
    Ok((sync, follow, cache))
}

/// The server and space a command acts on: the current project's, else the login's.
fn followed(sync: &Sync) -> anyhow::Result<Follow> {
    let project = Project::discover(Path::new("."))?;
    match sync.follow(project.as_ref(), None, None) {
        Ok(Some(follow)) => Ok(follow),
        Ok(None) => bail!(
            "no server: this project's .praxis/config.toml has no [server], and no `praxis login` was done; \
             run `praxis login --server URL --space NAME`"
        ),
        Err(err) => bail!("{}: [server]: {err:#}", config_source(project.as_ref(), sync).display()),
    }
}

#[derive(Debug, clap::Args)]
pub struct LoginArgs {
    /// The server's URL (https://, or http:// to this machine).
    #[arg(long)]
    pub server: String,
    /// The space to follow.
    #[arg(long)]
    pub space: String,
    /// Read the token from stdin instead of asking for it.
    #[arg(long)]
    pub token_stdin: bool,
    /// A PEM file of CA certificates to trust besides the system's (a private CA).
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
}

pub fn login(args: &LoginArgs) -> anyhow::Result<Exit> {
    let sync = Sync::from_env()?;
    let ca_cert = args.ca_cert.as_deref().map(std::path::absolute).transpose().context("cannot resolve --ca-cert")?;
    let binding = Binding::new(&args.server, &args.space, ca_cert.clone())?;
    let token = read_token(&binding, args.token_stdin)?;
    let client = Client::new(&binding.server, &token, binding.ca_cert.as_deref())?;
    let role = block_on(remote::verify(&binding, &client))??;
    let source = sync.tokens.save(&binding.server, &token)?;
    let mut user = sync.user.clone();
    user.server = Some(ServerConfig { url: binding.server.to_string(), space: binding.space.clone(), ca_cert });
    user.save(&sync.dirs.config)?;
    if let TokenSource::File(path) = &source {
        report::warning_line(&format!(
            "no OS keyring here; the token is kept in {}, readable only by you",
            path.display()
        ));
    }
    let role = match role {
        praxis_sync::wire::Role::Admin => "admin",
        praxis_sync::wire::Role::Member => "member",
    };
    let (cache, warning) = sync.open_cache()?;
    if let Some(warning) = warning {
        report::warning_line(&warning);
    }
    let pulled = block_on(remote::pull(&binding, Ok(&client), &cache))?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "Logged in to {binding} as {role}; the token is in {source}.")?;
    match (&pulled.set, &pulled.error) {
        (Some(set), None) => writeln!(out, "{}", describe_set(set))?,
        (_, Some(err)) => report::warning_line(&format!("the first pull failed: {err}")),
        (None, None) => {}
    }
    Ok(Exit::Clean)
}

/// The token: from stdin with `--token-stdin`, else typed at a prompt that does not echo it.
fn read_token(binding: &Binding, from_stdin: bool) -> anyhow::Result<Token> {
    let text = if from_stdin {
        let mut text = String::new();
        // A token is short; a larger input is not one.
        std::io::stdin().take(64 * 1024).read_to_string(&mut text).context("cannot read the token from stdin")?;
        text
    } else if std::io::stdin().is_terminal() {
        rpassword::prompt_password(format!("Token for {}: ", binding.server)).context("cannot read the token")?
    } else {
        bail!("stdin is not a terminal to type the token in; pass it on stdin with --token-stdin");
    };
    Token::new(&text).context("the token is empty")
}

#[derive(Debug, clap::Args)]
pub struct LogoutArgs {
    /// The server to log out of (default: the current project's, else the one logged in to).
    #[arg(long)]
    pub server: Option<String>,
}

pub fn logout(args: &LogoutArgs) -> anyhow::Result<Exit> {
    let sync = Sync::from_env()?;
    let server = match &args.server {
        Some(url) => praxis_sync::ServerUrl::parse(url)?,
        None => followed(&sync)?.binding.server,
    };
    let found = sync.tokens.get(&server)?;
    let Some((token, source)) = found else {
        bail!("not logged in to {server}");
    };
    let ca_cert = sync.user.server.as_ref().and_then(|user| user.ca_cert.clone());
    let revoked = match Client::new(&server, &token, ca_cert.as_deref()) {
        Ok(client) => block_on(client.logout()).and_then(|revoked| Ok(revoked?)),
        Err(err) => Err(err.into()),
    };
    sync.tokens.remove(&server)?;
    let mut user = sync.user.clone();
    if user
        .server
        .as_ref()
        .is_some_and(|login| praxis_sync::ServerUrl::parse(&login.url).ok().as_ref() == Some(&server))
    {
        user.server = None;
        user.save(&sync.dirs.config)?;
    }
    if source == TokenSource::Env {
        report::warning_line("the token came from PRAXIS_TOKEN, which stays set in the environment");
    }
    if let Err(err) = revoked {
        bail!("the token was removed here but not revoked on the server: {err:#}; revoke it there");
    }
    writeln!(std::io::stdout().lock(), "Logged out of {server}; the token is revoked.")?;
    Ok(Exit::Clean)
}

/// `praxis sync`: pulls now and sends the queued statistics.
pub fn sync_now() -> anyhow::Result<Exit> {
    let (sync, follow, cache) = open_followed()?;
    let binding = &follow.binding;
    let before = cache.practice_set(binding).unwrap_or_default().map(|set| set.revision);
    let client = binding.client(&sync.tokens);
    let pulled = block_on(remote::pull(binding, client.as_ref(), &cache))?;
    if let Some(err) = pulled.error {
        bail!("{}", fallback_line(binding, &err, pulled.set.as_ref()));
    }
    let mut out = std::io::stdout().lock();
    if let Some(set) = &pulled.set {
        let change = match before {
            Some(before) if before == set.revision => "unchanged",
            Some(_) => "updated",
            None => "new",
        };
        writeln!(out, "{binding}: revision {} ({change}), {}", set.revision, count_practices(set))?;
    }
    if follow.stats
        && let Ok(client) = &client
    {
        let sent = block_on(remote::flush_stats(binding, client, &cache))??;
        if sent > 0 {
            writeln!(out, "sent {sent} batch{} of usage statistics", if sent == 1 { "" } else { "es" })?;
        }
    }
    Ok(Exit::Clean)
}

fn count_practices(set: &CachedSet) -> String {
    let active = set.active().count();
    let drafts = set.practices.len() - active;
    let plural = if active == 1 { "" } else { "s" };
    if drafts > 0 {
        format!("{active} practice{plural} and {drafts} draft{}", if drafts == 1 { "" } else { "s" })
    } else {
        format!("{active} practice{plural}")
    }
}

fn describe_set(set: &CachedSet) -> String {
    format!("Revision {}: {}.", set.revision, count_practices(set))
}

/// `praxis status`: the server, space, revision and its age, token store, queued statistics and
/// the last error.
pub fn status() -> anyhow::Result<Exit> {
    let (sync, follow, cache) = open_followed()?;
    let binding = &follow.binding;
    let set = cache.practice_set(binding)?;
    let contact = cache.contact(binding)?;
    let token = sync.tokens.get(&binding.server)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "server:     {}", binding.server)?;
    writeln!(out, "space:      {}", binding.space)?;
    match &set {
        Some(set) => {
            writeln!(out, "revision:   {} (confirmed by the server {})", set.revision, ago(set.confirmed))?;
            writeln!(out, "practices:  {}", count_practices(set))?;
        }
        None => writeln!(out, "revision:   none cached yet (run `praxis sync`)")?,
    }
    match &token {
        Some((_, source)) => writeln!(out, "token:      in {source}")?,
        None => writeln!(
            out,
            "token:      none (run `praxis login --server {} --space {}`)",
            binding.server, binding.space
        )?,
    }
    if follow.stats {
        let queued = cache.queued_stats(binding)?;
        writeln!(out, "stats:      on, {queued} batch{} queued", if queued == 1 { "" } else { "es" })?;
    } else {
        writeln!(out, "stats:      off")?;
    }
    match (&contact.error, contact.attempted) {
        (Some(error), Some(at)) => writeln!(out, "last error: {error} ({})", ago(at))?,
        (None, Some(at)) => writeln!(out, "last error: none (last contact {})", ago(at))?,
        _ => writeln!(out, "last error: none (never contacted)")?,
    }
    Ok(Exit::Clean)
}

fn ago(at: i64) -> String {
    let age = age(now() - at);
    if age == "just now" { age } else { age.replace(" old", " ago") }
}

/// `praxis stats --preview`: exactly the bodies the next send would post, one JSON document a
/// line; nothing is sent.
pub fn stats_preview() -> anyhow::Result<Exit> {
    let (_, follow, cache) = open_followed()?;
    if !follow.stats {
        report::warning_line("usage statistics are off (`stats = false`); nothing is counted or sent");
    }
    let pending = cache.pending_stats(&follow.binding)?;
    if pending.is_empty() {
        report::warning_line(&format!("nothing is queued for {}", follow.binding));
    }
    let mut out = std::io::stdout().lock();
    for batch in &pending {
        writeln!(out, "{}", serde_json::to_string(batch)?)?;
    }
    Ok(Exit::Clean)
}

/// The status word of a listed practice.
pub fn status_word(status: Status) -> &'static str {
    match status {
        Status::Active => "active",
        Status::Draft => "draft",
    }
}
