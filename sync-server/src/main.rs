//! `praxis-server`: the sync server (`serve`), and the admin commands that work on its data
//! folder directly (`admin create-user`, `rotate-key`, `backup`).

mod api;
mod serve;
mod tls;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use praxis_server::store::sqlite::SqliteStore;
use praxis_server::{crypto, key, store};

#[derive(Debug, Parser)]
#[command(
    name = "praxis-server",
    version,
    about = "The Praxis sync server: a team's practices and anonymous statistics"
)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Args)]
struct DataArgs {
    /// The data folder: `praxis.db` and, when created here, `master.key`.
    #[arg(long, default_value = "./praxis-data")]
    data: PathBuf,
    /// A file holding the master key (base64 of 32 bytes); else `PRAXIS_SERVER_KEY`, else
    /// `DATA/master.key` (created on first start).
    #[arg(long)]
    key_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the HTTP API.
    Serve {
        #[command(flatten)]
        data: DataArgs,
        #[arg(long, default_value = "127.0.0.1:8787")]
        listen: SocketAddr,
        /// Serve HTTPS with this certificate chain (PEM); needs --tls-key.
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The certificate's private key (PEM); needs --tls-cert.
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// Seconds a client has to send a request's headers, and to send the next request on
        /// a kept-alive connection.
        #[arg(long, value_name = "SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
        header_timeout: u64,
    },
    /// Administration on the data folder.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Re-encrypt everything under a new master key, in one transaction.
    RotateKey {
        #[command(flatten)]
        data: DataArgs,
        /// The new key (base64 of 32 bytes).
        #[arg(long)]
        new_key_file: PathBuf,
    },
    /// A consistent copy of the database, taken with SQLite's online backup.
    Backup {
        #[command(flatten)]
        data: DataArgs,
        /// Where to write the copy.
        dest: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Create a user and print their token (shown once).
    CreateUser {
        #[command(flatten)]
        data: DataArgs,
        #[arg(long)]
        email: String,
        /// Owners create spaces and users.
        #[arg(long)]
        owner: bool,
    },
}

fn main() -> ExitCode {
    let args = Args::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_env("PRAXIS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Plain text when the logs go to a file or a journal, colour only on a terminal.
    use std::io::IsTerminal;
    let ansi = std::io::stderr().is_terminal();
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .with_target(false)
        .init();
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!("{err:#}");
            #[allow(clippy::print_stderr)]
            {
                eprintln!("error: {err:#}");
            }
            ExitCode::from(2)
        }
    }
}

fn open(data: &DataArgs) -> anyhow::Result<SqliteStore> {
    std::fs::create_dir_all(&data.data).with_context(|| format!("cannot create {}", data.data.display()))?;
    let loaded = key::load(&data.data, data.key_file.as_deref())?;
    if let key::KeySource::Created(path) = &loaded.source {
        tracing::warn!(
            "created a new master key in {}: back it up apart from the database; without it the data cannot be read",
            path.display()
        );
    }
    // The store's errors name the database file already.
    SqliteStore::open(&data.data, loaded.key).map_err(|err| anyhow::anyhow!("{err}"))
}

fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        Command::Serve { data, listen, tls_cert, tls_key, header_timeout } => {
            let tls = match (tls_cert, tls_key) {
                (Some(cert), Some(key)) => Some(tls::config(&cert, &key)?),
                _ => None,
            };
            let deadlines = serve::Deadlines {
                headers: Duration::from_secs(header_timeout),
                handshake: Duration::from_secs(10),
                grace: Duration::from_secs(10),
            };
            run_server(&data, listen, tls, deadlines)
        }
        Command::Admin { command: AdminCommand::CreateUser { data, email, owner } } => {
            if !store::is_email(email.trim()) {
                anyhow::bail!("`{}` is not an e-mail address", email.trim());
            }
            let store = open(&data)?;
            let token = crypto::new_token();
            let id = store::Store::create_user(&store, email.trim(), owner, &crypto::token_hash(&token))
                .map_err(|err| anyhow::anyhow!("cannot create the user: {err}"))?;
            print_line(&format!("user {id} created; token (shown once): {token}"));
            Ok(())
        }
        Command::RotateKey { data, new_key_file } => {
            let old = key::load(&data.data, data.key_file.as_deref())?.key;
            let new = key::read_key_file(&new_key_file)?;
            SqliteStore::rotate_key(&data.data, old, new).map_err(|err| anyhow::anyhow!("{err}"))?;
            print_line("re-encrypted everything under the new key; start the server with it from now on");
            Ok(())
        }
        Command::Backup { data, dest } => {
            let store = open(&data)?;
            store.backup(&dest).map_err(|err| anyhow::anyhow!("{err}"))?;
            print_line(&format!("backed up to {}", dest.display()));
            Ok(())
        }
    }
}

#[allow(clippy::print_stdout)]
fn print_line(line: &str) {
    println!("{line}");
}

fn run_server(
    data: &DataArgs,
    listen: SocketAddr,
    tls: Option<Arc<rustls::ServerConfig>>,
    deadlines: serve::Deadlines,
) -> anyhow::Result<()> {
    let store = Arc::new(open(data)?);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let listener =
            tokio::net::TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
        let address = listener.local_addr()?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        tracing::info!("listening on {scheme}://{address}");
        // Tests and scripts read the address from this line.
        print_line(&format!("listening on {scheme}://{address}"));
        let state = api::AppState::new(store);
        let app = api::router(state.clone());
        // Event streams never end on their own: they end when shutdown begins.
        let stopping = async move {
            shutdown().await;
            state.close_streams();
        };
        serve::serve(listener, app, tls, deadlines, stopping).await;
        tracing::info!("stopped");
        anyhow::Ok(())
    })
}

/// Resolves on SIGTERM or SIGINT; in-flight requests then finish before the server stops.
async fn shutdown() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(_) => return interrupt.await.unwrap_or(()),
        };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}
