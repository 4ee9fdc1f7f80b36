//! The HTTP client of the sync server's API: rustls with the system's roots (plus a private CA
//! when configured), no redirects (a redirect could leave https or the host), bounded answers,
//! and the token only ever in a header marked sensitive.

use std::path::Path;
use std::time::Duration;

use reqwest::header::{self, HeaderValue};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;

use crate::error::{Result, SyncError};
use crate::http::{BodyError, read_limited};
use crate::server_url::ServerUrl;
use crate::sse;
use crate::token::Token;
use crate::wire::{
    self, DraftAnswer, DraftRequest, ErrorBody, Example, LlmSettings, PracticeBody, PracticeList, PutLlmSettings,
    PutPractice, REVISION_EVENT, Revision, SpaceList, StatsAccepted, StatsBatch,
};

/// How long connecting may take before the server counts as unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long one request may take, answer included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
/// The event stream sends a keep-alive every 15 s; this long without a byte means it is dead.
const STREAM_READ_TIMEOUT: Duration = Duration::from_secs(45);
/// How long a draft through the server may take: the server asks the model up to 4 times, and
/// a model may take a minute or two an answer.
const DRAFT_TIMEOUT: Duration = Duration::from_secs(10 * 60);
/// The largest answer read. A space's practices are a few hundred kilobytes at most; more is
/// a broken or hostile server.
const MAX_ANSWER: usize = 32 * 1024 * 1024;

/// A client for one server, with one token.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    server: ServerUrl,
    authorization: HeaderValue,
    /// The private CA's certificates, for the client of long requests ([`Client::draft`]).
    certificates: Vec<reqwest::Certificate>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("server", &self.server).finish_non_exhaustive()
    }
}

/// The outcome of a conditional pull.
#[derive(Debug)]
pub enum Fetched {
    /// The set is the one with this ETag (304).
    NotModified,
    Changed {
        etag: Option<String>,
        list: PracticeList,
    },
}

impl Client {
    /// A client for `server` with `token`; `ca_cert` (PEM) is trusted besides the system's roots.
    pub fn new(server: &ServerUrl, token: &Token, ca_cert: Option<&Path>) -> Result<Client> {
        // reqwest is built without a default crypto provider; ring is the one the workspace uses.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let certificates = match ca_cert {
            Some(path) => {
                let pem = std::fs::read(path).map_err(|err| {
                    SyncError::Config(format!("cannot read the CA certificate {}: {err}", path.display()))
                })?;
                let certificates = reqwest::Certificate::from_pem_bundle(&pem)
                    .map_err(|err| SyncError::Config(format!("{} holds no PEM certificate: {err}", path.display())))?;
                if certificates.is_empty() {
                    return Err(SyncError::Config(format!("{} holds no PEM certificate", path.display())));
                }
                certificates
            }
            None => Vec::new(),
        };
        let http = http_client(server, &certificates, Some(STREAM_READ_TIMEOUT))?;
        let mut authorization = HeaderValue::from_str(&format!("Bearer {}", token.expose()))
            .map_err(|_| SyncError::Config("the token holds characters a header cannot carry".into()))?;
        authorization.set_sensitive(true);
        Ok(Client { http, server: server.clone(), authorization, certificates })
    }

    pub fn server(&self) -> &ServerUrl {
        &self.server
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http.request(method, self.server.api(path)).header(header::AUTHORIZATION, self.authorization.clone())
    }

    /// Sends a request and reads a JSON answer, any non-2xx becoming an error.
    async fn call<T: DeserializeOwned>(&self, request: RequestBuilder) -> Result<T> {
        let response = self.send(request.timeout(REQUEST_TIMEOUT)).await?;
        let response = self.check(response).await?;
        self.read_json(response).await
    }

    async fn send(&self, request: RequestBuilder) -> Result<Response> {
        request.send().await.map_err(|err| self.transport(&err))
    }

    /// Turns an error answer into an error that carries the server's reason.
    async fn check(&self, response: Response) -> Result<Response> {
        let status = response.status();
        if status.is_success() || status == StatusCode::NOT_MODIFIED {
            return Ok(response);
        }
        let server = self.server.to_string();
        if status == StatusCode::UNAUTHORIZED {
            return Err(SyncError::Unauthorized { server });
        }
        if status.is_redirection() {
            let to = response.headers().get(header::LOCATION).and_then(|value| value.to_str().ok()).unwrap_or("?");
            return Err(SyncError::Config(format!(
                "{server} redirects to {to}; configure the address it redirects to instead"
            )));
        }
        let body = read_limited(response, 64 * 1024).await.unwrap_or_default();
        let message = serde_json::from_slice::<ErrorBody>(&body).map(|body| body.error).unwrap_or_else(|_| {
            let text = String::from_utf8_lossy(&body);
            let line = text.lines().next().unwrap_or("").chars().take(200).collect::<String>();
            if line.is_empty() { status.canonical_reason().unwrap_or("error").to_lowercase() } else { line }
        });
        Err(SyncError::Http { server, status: status.as_u16(), message })
    }

    async fn read_json<T: DeserializeOwned>(&self, response: Response) -> Result<T> {
        let body = read_limited(response, MAX_ANSWER).await.map_err(|err| self.body_error(err))?;
        serde_json::from_slice(&body)
            .map_err(|err| SyncError::Invalid(format!("{} sent an answer this client cannot read: {err}", self.server)))
    }

    fn body_error(&self, err: BodyError) -> SyncError {
        match err {
            BodyError::TooLarge => {
                SyncError::Invalid(format!("{} sent an answer larger than {} MiB", self.server, MAX_ANSWER >> 20))
            }
            BodyError::Transport(err) => self.transport(&err),
        }
    }

    fn transport(&self, err: &reqwest::Error) -> SyncError {
        // reqwest wraps the cause in layers ("error sending request for url (…): client error
        // (Connect): tcp connect error: …"); the innermost says what happened. Its messages
        // name the URL at most, never headers, so the token cannot appear here.
        let mut innermost: &dyn std::error::Error = err;
        while let Some(source) = innermost.source() {
            innermost = source;
        }
        let reason = if err.is_timeout() { "timed out".to_owned() } else { lower_first(&innermost.to_string()) };
        SyncError::Offline { server: self.server.to_string(), reason }
    }

    /// The caller's spaces: also how a token is checked at login.
    pub async fn spaces(&self) -> Result<SpaceList> {
        self.call(self.request(Method::GET, "/spaces")).await
    }

    /// The space's practices, unless they still have `etag`.
    pub async fn practices(&self, space: &str, etag: Option<&str>) -> Result<Fetched> {
        let mut request = self.request(Method::GET, &wire::space_path(space, "/practices")).timeout(REQUEST_TIMEOUT);
        if let Some(etag) = etag {
            request = request.header(header::IF_NONE_MATCH, etag);
        }
        let response = self.check(self.send(request).await?).await?;
        if response.status() == StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified);
        }
        let etag = response.headers().get(header::ETAG).and_then(|value| value.to_str().ok()).map(str::to_owned);
        let list = self.read_json(response).await?;
        Ok(Fetched::Changed { etag, list })
    }

    pub async fn put_practice(&self, space: &str, body: &PracticeBody) -> Result<PutPractice> {
        let path = wire::space_path(space, &format!("/practices/{}", body.doc.id));
        self.call(self.request(Method::PUT, &path).json(body)).await
    }

    pub async fn add_example(&self, space: &str, practice: &str, example: &Example) -> Result<Revision> {
        let path = wire::space_path(space, &format!("/practices/{practice}/examples"));
        self.call(self.request(Method::POST, &path).json(example)).await
    }

    pub async fn post_stats(&self, space: &str, batch: &StatsBatch) -> Result<StatsAccepted> {
        self.call(self.request(Method::POST, &wire::space_path(space, "/stats")).json(batch)).await
    }

    /// The space's LLM settings (admins; never the key).
    pub async fn llm_settings(&self, space: &str) -> Result<LlmSettings> {
        self.call(self.request(Method::GET, &wire::space_path(space, "/integrations/llm"))).await
    }

    /// Sets the space's LLM provider and key (admins); the answer is the settings without it.
    pub async fn put_llm_settings(&self, space: &str, settings: &PutLlmSettings) -> Result<LlmSettings> {
        self.call(self.request(Method::PUT, &wire::space_path(space, "/integrations/llm")).json(settings)).await
    }

    /// Removes the space's LLM integration (admins).
    pub async fn delete_llm_settings(&self, space: &str) -> Result<()> {
        let request = self.request(Method::DELETE, &wire::space_path(space, "/integrations/llm"));
        let response = self.send(request.timeout(REQUEST_TIMEOUT)).await?;
        self.check(response).await.map(drop)
    }

    /// Drafts a practice with the space's LLM: the description and the snippets go, nothing
    /// else. The server may take minutes (it asks the model several times, waiting in silence),
    /// so this request has its own client, with no read timeout and [`DRAFT_TIMEOUT`] in all.
    pub async fn draft(&self, space: &str, request: &DraftRequest) -> Result<DraftAnswer> {
        let http = http_client(&self.server, &self.certificates, None)?;
        let url = self.server.api(&wire::space_path(space, "/assist/draft"));
        let request = http
            .post(url)
            .header(header::AUTHORIZATION, self.authorization.clone())
            .json(request)
            .timeout(DRAFT_TIMEOUT);
        let response = self.send(request).await?;
        let response = self.check(response).await?;
        self.read_json(response).await
    }

    /// Revokes the token this client holds.
    pub async fn logout(&self) -> Result<()> {
        let response = self.send(self.request(Method::DELETE, "/tokens/current").timeout(REQUEST_TIMEOUT)).await?;
        self.check(response).await.map(drop)
    }

    /// Opens the space's event stream.
    pub async fn events(&self, space: &str) -> Result<Events> {
        let request =
            self.request(Method::GET, &wire::space_path(space, "/events")).header(header::ACCEPT, "text/event-stream");
        let response = self.check(self.send(request).await?).await?;
        Ok(Events { response, parser: sse::Parser::default(), ready: Vec::new(), client: self.clone() })
    }
}

/// A space's event stream: the revisions the server announces.
pub struct Events {
    response: Response,
    parser: sse::Parser,
    ready: Vec<u64>,
    client: Client,
}

impl Events {
    /// The next revision announced; `None` when the server closed the stream.
    pub async fn next(&mut self) -> Result<Option<u64>> {
        loop {
            if !self.ready.is_empty() {
                return Ok(Some(self.ready.remove(0)));
            }
            let Some(chunk) = self.response.chunk().await.map_err(|err| self.client.transport(&err))? else {
                return Ok(None);
            };
            for event in self.parser.feed(&chunk) {
                if event.name == REVISION_EVENT
                    && let Ok(revision) = event.data.trim().parse()
                {
                    self.ready.push(revision);
                }
            }
        }
    }
}

/// An HTTP client for `server`: rustls with the system's roots and `certificates`, no
/// redirects, https only for an https server, and `read_timeout` between two reads if given.
fn http_client(
    server: &ServerUrl,
    certificates: &[reqwest::Certificate],
    read_timeout: Option<Duration>,
) -> Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .user_agent(concat!("praxis/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(CONNECT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .https_only(server.as_str().starts_with("https://"));
    if let Some(timeout) = read_timeout {
        builder = builder.read_timeout(timeout);
    }
    for certificate in certificates {
        builder = builder.add_root_certificate(certificate.clone());
    }
    builder.build().map_err(|err| SyncError::Config(format!("cannot set up HTTPS: {err}")))
}

fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_lowercase().chain(chars).collect()).unwrap_or_default()
}
