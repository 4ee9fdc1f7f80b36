//! Serving the router over TCP, plain or TLS, with bounds on what a connection may hold: the TLS
//! handshake and the request headers each get a deadline (which also closes an idle keep-alive
//! connection), and a failing `accept` (out of file descriptors) backs off instead of spinning.
//! On shutdown new connections stop, event streams end, and the requests in flight get a grace
//! period to finish.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// How long a connection may take for what.
#[derive(Debug, Clone, Copy)]
pub struct Deadlines {
    /// To send a request's headers, and between requests on a kept-alive connection.
    pub headers: Duration,
    /// To finish the TLS handshake.
    pub handshake: Duration,
    /// For requests in flight to finish after shutdown begins.
    pub grace: Duration,
}

/// How long a failed `accept` waits before the next: long enough not to spin on EMFILE.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Serves `app` on `listener` (over TLS with `tls`) until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    tls: Option<Arc<rustls::ServerConfig>>,
    deadlines: Deadlines,
    shutdown: impl Future<Output = ()>,
) {
    let acceptor = tls.map(TlsAcceptor::from);
    let mut builder = Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(deadlines.headers);
    builder.http2().timer(TokioTimer::new()).keep_alive_interval(Some(Duration::from_secs(30)));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(err) => {
                    tracing::warn!("cannot accept a connection: {err}");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
        };
        let (acceptor, builder, watcher) = (acceptor.clone(), builder.clone(), graceful.watcher());
        let service = TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let result = match acceptor {
                None => {
                    watcher
                        .watch(builder.serve_connection_with_upgrades(TokioIo::new(stream), service).into_owned())
                        .await
                }
                Some(acceptor) => {
                    let Ok(Ok(tls)) = tokio::time::timeout(deadlines.handshake, acceptor.accept(stream)).await else {
                        return;
                    };
                    watcher.watch(builder.serve_connection_with_upgrades(TokioIo::new(tls), service).into_owned()).await
                }
            };
            if let Err(err) = result {
                tracing::debug!("connection ended: {err}");
            }
        });
    }
    if tokio::time::timeout(deadlines.grace, graceful.shutdown()).await.is_err() {
        tracing::warn!("requests still in flight after {:?} were cut off", deadlines.grace);
    }
}
