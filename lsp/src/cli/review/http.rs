//! The HTTP client `praxis review` speaks to a Git host with: one request at a time, rate limits
//! waited out within bounds, pagination followed within bounds and only on the host's own
//! origin, answers read with a size limit, no redirects, and every message cleaned of the token
//! before anyone sees it.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use serde_json::Value;

use praxis_sync::http::{BodyError, is_loopback, read_limited, retry_after};

use crate::report;

/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one request may take, answer included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// The longest a rate limit is waited out, each time; a host that asks for more is an error.
const MAX_WAIT: Duration = Duration::from_secs(60);
/// How many times a rate-limited request is tried again.
const MAX_RETRIES: u32 = 5;
/// How many pages of one listing are read.
pub const MAX_PAGES: usize = 100;
/// The largest JSON answer (one page of a listing) read.
const MAX_JSON_BYTES: usize = 8 * 1024 * 1024;
/// The largest error answer read, for its message.
const MAX_ERROR_BYTES: usize = 64 * 1024;
/// How much of a host's error message is shown.
const MAX_MESSAGE_CHARS: usize = 200;

/// A failed call: one line, cleaned of the token, and the status when the host answered.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub status: Option<u16>,
    pub message: String,
}

/// A client for one host's API.
pub struct Api {
    http: reqwest::Client,
    /// The API's root, without a trailing `/` (`https://gitlab.example.com/api/v4`).
    base: String,
    /// `gitlab` or `github`: how messages begin.
    host: &'static str,
    /// Sent with every request: the token (marked sensitive) and the host's own headers.
    headers: HeaderMap,
    /// The token, to clean out of anything shown.
    secret: Option<String>,
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api").field("host", &self.host).field("base", &self.base).finish_non_exhaustive()
    }
}

/// A successful answer.
pub struct Answer {
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Api {
    /// A client for the API at `base`; `headers` go with every request, `secret` is the token
    /// they carry (never shown).
    pub fn new(host: &'static str, base: &str, headers: HeaderMap, secret: Option<String>) -> anyhow::Result<Api> {
        // reqwest is built without a default crypto provider; ring is the one the workspace uses.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let base = base.trim_end_matches('/').to_owned();
        check_address(host, &base)?;
        let http = reqwest::Client::builder()
            .user_agent(concat!("praxis/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            // A redirect could take the token to another host.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|err| anyhow::anyhow!("{host}: cannot set up HTTPS: {err}"))?;
        Ok(Api { http, base, host, headers, secret: secret.filter(|secret| !secret.is_empty()) })
    }

    /// `text` without the token.
    pub fn scrub(&self, text: &str) -> String {
        scrub(text, self.secret.as_deref())
    }

    /// The URL of `path` (which starts with `/` and may carry a query) under the API's root.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// GETs `path` and reads its JSON.
    pub async fn get_json(&self, path: &str) -> Result<Value, ApiError> {
        let answer = self.send(Method::GET, &self.url(path), None, None, MAX_JSON_BYTES).await?;
        self.json(&Method::GET, &self.url(path), &answer.body)
    }

    /// GETs every page of the listing at `path` (each page a JSON array), following `Link:
    /// rel="next"` or GitLab's `X-Next-Page`, at most [`MAX_PAGES`] pages.
    pub async fn get_all(&self, path: &str) -> Result<Vec<Value>, ApiError> {
        let mut items = Vec::new();
        let mut url = self.url(path);
        for _ in 0..MAX_PAGES {
            let answer = self.send(Method::GET, &url, None, None, MAX_JSON_BYTES).await?;
            match self.json(&Method::GET, &url, &answer.body)? {
                Value::Array(page) => items.extend(page),
                _ => return Err(self.error(None, &Method::GET, &url, "the answer is not a JSON list")),
            }
            match next_page(&url, &answer.headers) {
                Some(next) if self.same_origin(&next) => url = next,
                Some(next) => {
                    return Err(self.error(
                        None,
                        &Method::GET,
                        &url,
                        &format!("the next page is on another host ({}); not followed", origin_of(&next)),
                    ));
                }
                None => return Ok(items),
            }
        }
        Err(self.error(None, &Method::GET, &url, &format!("the listing has more than {MAX_PAGES} pages")))
    }

    /// GETs the raw bytes at `path`, at most `limit` of them; `accept` is the media type asked
    /// for. `Ok(None)` when the host answers 404.
    pub async fn get_raw(&self, path: &str, accept: Option<&str>, limit: usize) -> Result<Option<Vec<u8>>, ApiError> {
        match self.send(Method::GET, &self.url(path), None, accept, limit).await {
            Ok(answer) => Ok(Some(answer.body)),
            Err(err) if err.status == Some(404) => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// Sends `body` as JSON with `method` to `url` (a path under the root, or a whole URL such
    /// as GitHub's GraphQL endpoint) and reads the JSON answer (`null` when it is empty).
    pub async fn send_json(&self, method: Method, url: &str, body: Option<&Value>) -> Result<Value, ApiError> {
        let url = if url.starts_with('/') { self.url(url) } else { url.to_owned() };
        let answer = self.send(method.clone(), &url, body, None, MAX_JSON_BYTES).await?;
        if answer.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        self.json(&method, &url, &answer.body)
    }

    fn json(&self, method: &Method, url: &str, body: &[u8]) -> Result<Value, ApiError> {
        serde_json::from_slice(body).map_err(|err| {
            self.error(None, method, url, &format!("the answer is not JSON this client can read: {err}"))
        })
    }

    /// Sends one request, waiting out rate limits; any answer but 2xx is an error.
    async fn send(
        &self,
        method: Method,
        url: &str,
        body: Option<&Value>,
        accept: Option<&str>,
        limit: usize,
    ) -> Result<Answer, ApiError> {
        let body = body.map(|body| serde_json::to_vec(body).unwrap_or_default());
        let mut retries = 0;
        loop {
            let mut request = self.http.request(method.clone(), url).headers(self.headers.clone());
            if let Some(accept) = accept {
                request = request.header(header::ACCEPT, accept);
            }
            if let Some(body) = &body {
                request = request.header(header::CONTENT_TYPE, "application/json").body(body.clone());
            }
            let response = request.send().await.map_err(|err| self.transport(&method, url, &err))?;
            let status = response.status();
            if status.is_success() {
                let headers = response.headers().clone();
                let body = read_limited(response, limit).await.map_err(|err| match err {
                    BodyError::TooLarge => {
                        self.error(None, &method, url, &format!("the answer is larger than {}", size(limit)))
                    }
                    BodyError::Transport(err) => self.transport(&method, url, &err),
                })?;
                return Ok(Answer { headers, body });
            }
            if let Some(wait) = rate_limit_wait(status, response.headers(), SystemTime::now()) {
                if retries >= MAX_RETRIES {
                    return Err(self.error(
                        Some(status),
                        &method,
                        url,
                        &format!("still rate limited after {MAX_RETRIES} retries"),
                    ));
                }
                if wait > MAX_WAIT {
                    return Err(self.error(
                        Some(status),
                        &method,
                        url,
                        &format!(
                            "rate limited for {} s more, longer than the {} s this waits",
                            wait.as_secs(),
                            MAX_WAIT.as_secs()
                        ),
                    ));
                }
                retries += 1;
                report::note_line(&format!(
                    "{}: rate limited; waiting {} s before trying again",
                    self.host,
                    wait.as_secs_f64().ceil()
                ));
                tokio::time::sleep(wait).await;
                continue;
            }
            // A host that is briefly overloaded: a read is tried again; a post is not, since it
            // may have been done.
            let transient = matches!(status.as_u16(), 502..=504);
            if transient && method == Method::GET && retries < MAX_RETRIES {
                let wait = Duration::from_secs(1 << retries.min(4));
                retries += 1;
                report::note_line(&format!(
                    "{}: {method} {} answered {}; trying again in {} s",
                    self.host,
                    self.shown(url),
                    status.as_u16(),
                    wait.as_secs()
                ));
                tokio::time::sleep(wait).await;
                continue;
            }
            let body = read_limited(response, MAX_ERROR_BYTES).await.unwrap_or_default();
            return Err(self.error(Some(status), &method, url, &host_message(&body)));
        }
    }

    /// `gitlab: GET /projects/42 answered 404 Not Found: 404 Project Not Found`, cleaned.
    fn error(&self, status: Option<StatusCode>, method: &Method, url: &str, detail: &str) -> ApiError {
        let shown = self.shown(url);
        let message = match status {
            Some(status) => {
                let reason = status.canonical_reason().unwrap_or("");
                let code = format!("{} {reason}", status.as_u16());
                let code = code.trim_end();
                if detail.is_empty() {
                    format!("{}: {method} {shown} answered {code}", self.host)
                } else {
                    format!("{}: {method} {shown} answered {code}: {detail}", self.host)
                }
            }
            None => format!("{}: {method} {shown}: {detail}", self.host),
        };
        ApiError { status: status.map(|status| status.as_u16()), message: one_line(&self.scrub(&message)) }
    }

    fn transport(&self, method: &Method, url: &str, err: &reqwest::Error) -> ApiError {
        // reqwest wraps the cause in layers; the innermost says what happened.
        let mut innermost: &dyn std::error::Error = err;
        while let Some(source) = std::error::Error::source(innermost) {
            innermost = source;
        }
        let reason = if err.is_timeout() { "timed out".to_owned() } else { innermost.to_string() };
        self.error(None, method, url, &format!("failed: {}", lower_first(&reason)))
    }

    /// The path of `url` under the root, without its query: what messages show.
    fn shown(&self, url: &str) -> String {
        let path = url.strip_prefix(&self.base).unwrap_or(url);
        let path = path.split_once('?').map_or(path, |(path, _)| path);
        if path.is_empty() { "/".to_owned() } else { path.to_owned() }
    }

    fn same_origin(&self, url: &str) -> bool {
        origin_of(url) == origin_of(&self.base) && !origin_of(url).is_empty()
    }
}

/// Percent-encodes `text` for a URL path or query: everything but ASCII letters, digits and
/// `-_.~` (and `/` when `keep_slash`).
pub fn encode(text: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') || (keep_slash && byte == b'/') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Refuses an API address the token must not go to: not a URL, not http(s), or plain `http://`
/// to another machine (the token travels in a header).
pub fn check_address(host: &str, address: &str) -> anyhow::Result<()> {
    let parsed =
        Url::parse(address).map_err(|err| anyhow::anyhow!("{host}: the API address {address} is not a URL: {err}"))?;
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(&parsed) => Ok(()),
        "http" => anyhow::bail!("{host}: the API address {address} is plain http; the token goes only over https"),
        _ => anyhow::bail!("{host}: the API address {address} is not http or https"),
    }
}

/// The string at `key` of a host's JSON object, or empty.
pub fn text(value: &Value, key: &str) -> String {
    value.get(key).and_then(Value::as_str).unwrap_or_default().to_owned()
}

/// `text` with every occurrence of `secret` replaced.
pub fn scrub(text: &str, secret: Option<&str>) -> String {
    match secret {
        Some(secret) if !secret.is_empty() => text.replace(secret, "[token]"),
        _ => text.to_owned(),
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn size(bytes: usize) -> String {
    if bytes >= 1024 * 1024 { format!("{} MiB", bytes / 1024 / 1024) } else { format!("{} KiB", bytes / 1024) }
}

/// `scheme://host:port` of a URL, or empty when it is not one.
fn origin_of(url: &str) -> String {
    Url::parse(url).map(|url| url.origin().ascii_serialization()).unwrap_or_default()
}

/// What a host said in an error answer: GitLab's and GitHub's `message` (GitLab's may be an
/// object of field errors), an `error`, else the first line of the text.
fn host_message(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let message = match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(object)) => match object.get("message").or_else(|| object.get("error")) {
            Some(Value::String(message)) => message.clone(),
            Some(other) => other.to_string(),
            None => Value::Object(object).to_string(),
        },
        _ => text.lines().find(|line| !line.trim().is_empty()).unwrap_or("").trim().to_owned(),
    };
    let message = one_line(&message);
    if message.chars().count() > MAX_MESSAGE_CHARS {
        format!("{}…", message.chars().take(MAX_MESSAGE_CHARS).collect::<String>())
    } else {
        message
    }
}

/// The next page's URL: `Link: <url>; rel="next"`, else GitLab's `X-Next-Page: N` applied to
/// the current URL's `page` parameter.
pub fn next_page(current: &str, headers: &HeaderMap) -> Option<String> {
    for link in headers.get_all(header::LINK) {
        if let Some(next) = link.to_str().ok().and_then(link_next) {
            return Some(next);
        }
    }
    let page = headers.get("x-next-page")?.to_str().ok()?.trim();
    if page.is_empty() || !page.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let mut url = Url::parse(current).ok()?;
    let pairs: Vec<(String, String)> =
        url.query_pairs().filter(|(name, _)| name != "page").map(|(name, value)| (name.into(), value.into())).collect();
    url.query_pairs_mut().clear().extend_pairs(pairs).append_pair("page", page);
    Some(url.to_string())
}

/// The `rel="next"` target of a `Link` header value.
pub fn link_next(value: &str) -> Option<String> {
    for part in value.split(',') {
        let part = part.trim();
        let Some(rest) = part.strip_prefix('<') else { continue };
        let Some((target, params)) = rest.split_once('>') else { continue };
        let is_next = params.split(';').any(|param| {
            let Some((name, value)) = param.split_once('=') else { return false };
            name.trim().eq_ignore_ascii_case("rel")
                && value.trim().trim_matches('"').split_whitespace().any(|rel| rel.eq_ignore_ascii_case("next"))
        });
        if is_next {
            return Some(target.trim().to_owned());
        }
    }
    None
}

/// How long to wait before trying again, when the answer is a rate limit: a 429, or a 403 or
/// 429 with `x-ratelimit-remaining: 0` (GitHub's primary limit) or with `Retry-After`
/// (GitHub's secondary limits).
pub fn rate_limit_wait(status: StatusCode, headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let text = |name: &str| headers.get(name).and_then(|value| value.to_str().ok()).map(str::trim);
    let retry_after = text("retry-after").and_then(|value| retry_after(value, now));
    let exhausted = text("x-ratelimit-remaining") == Some("0");
    let limited = status == StatusCode::TOO_MANY_REQUESTS
        || (status == StatusCode::FORBIDDEN && (exhausted || retry_after.is_some()));
    if !limited {
        return None;
    }
    if let Some(wait) = retry_after {
        return Some(wait);
    }
    if exhausted && let Some(reset) = text("x-ratelimit-reset").and_then(|value| value.parse::<u64>().ok()) {
        let now = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        // One second more: the reset time is rounded down.
        return Some(Duration::from_secs(reset.saturating_sub(now) + 1));
    }
    // A 429 that says nothing: a short pause.
    Some(Duration::from_secs(1))
}

/// A header value that carries a secret: never shown by `Debug`.
pub fn secret_header(value: &str) -> anyhow::Result<HeaderValue> {
    let mut value = HeaderValue::from_str(value)
        .map_err(|_| anyhow::anyhow!("the token holds characters a header cannot carry"))?;
    value.set_sensitive(true);
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn link_headers_give_the_next_page_whatever_the_order_of_relations() {
        let value = r#"<https://api.github.com/repos/o/r/pulls/1/files?page=1>; rel="prev", <https://api.github.com/repos/o/r/pulls/1/files?page=3>; rel="next", <https://api.github.com/x?page=9>; rel="last""#;
        assert_eq!(link_next(value).as_deref(), Some("https://api.github.com/repos/o/r/pulls/1/files?page=3"));
        assert_eq!(link_next(r#"<http://h/a?page=2>; rel="next last""#).as_deref(), Some("http://h/a?page=2"));
        assert_eq!(link_next(r#"<http://h/a?page=1>; rel="first""#), None);
        assert_eq!(link_next("garbage, <unterminated; rel=next"), None);
    }

    #[test]
    fn gitlab_next_page_headers_set_the_page_parameter() {
        let current = "http://h/api/v4/projects/1/merge_requests/2/diffs?per_page=100&page=1";
        let next = next_page(current, &headers(&[("x-next-page", "2")])).unwrap();
        assert_eq!(next, "http://h/api/v4/projects/1/merge_requests/2/diffs?per_page=100&page=2");
        assert_eq!(next_page(current, &headers(&[("x-next-page", "")])), None);
        assert_eq!(next_page(current, &headers(&[("x-next-page", "two")])), None);
        // Link wins when both are there.
        let both = headers(&[("x-next-page", "2"), ("link", r#"<http://h/api/v4/l?page=7>; rel="next""#)]);
        assert_eq!(next_page(current, &both).as_deref(), Some("http://h/api/v4/l?page=7"));
    }

    #[test]
    fn rate_limits_are_recognised_from_status_and_headers() {
        let now = UNIX_EPOCH + Duration::from_secs(1000);
        let wait = |status: u16, pairs: &[(&'static str, &str)]| {
            rate_limit_wait(StatusCode::from_u16(status).unwrap(), &headers(pairs), now)
        };
        assert_eq!(wait(429, &[("retry-after", "3")]), Some(Duration::from_secs(3)));
        assert_eq!(wait(429, &[]), Some(Duration::from_secs(1)));
        assert_eq!(
            wait(403, &[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", "1030")]),
            Some(Duration::from_secs(31))
        );
        assert_eq!(wait(403, &[("retry-after", "5")]), Some(Duration::from_secs(5)));
        assert_eq!(wait(403, &[("x-ratelimit-remaining", "12")]), None, "a plain 403 is a refusal");
        assert_eq!(wait(500, &[("retry-after", "5")]), None);
    }

    #[test]
    fn tokens_are_scrubbed_and_paths_encoded() {
        assert_eq!(scrub("bad token glpat-123 in glpat-123", Some("glpat-123")), "bad token [token] in [token]");
        assert_eq!(scrub("nothing", None), "nothing");
        assert_eq!(encode("src/a b/é.ts", false), "src%2Fa%20b%2F%C3%A9.ts");
        assert_eq!(encode("src/a b.ts", true), "src/a%20b.ts");
    }

    #[test]
    fn host_messages_are_one_short_line() {
        assert_eq!(host_message(br#"{"message": "404 Project Not Found"}"#), "404 Project Not Found");
        assert_eq!(host_message(br#"{"message": {"note": ["is too long"]}}"#), r#"{"note":["is too long"]}"#);
        assert_eq!(host_message(br#"{"error": "invalid_token"}"#), "invalid_token");
        assert_eq!(host_message(b"\n<html>\n  <h1>Bad gateway</h1>\n"), "<html>");
        assert_eq!(host_message(&[b'x'; 500]).chars().count(), MAX_MESSAGE_CHARS + 1);
    }

    #[test]
    fn errors_name_the_host_method_and_path_and_never_the_token() {
        let api = Api::new("gitlab", "http://127.0.0.1:1/api/v4/", HeaderMap::new(), Some("s3cret".into())).unwrap();
        let err = api.error(
            Some(StatusCode::NOT_FOUND),
            &Method::GET,
            "http://127.0.0.1:1/api/v4/projects/42/merge_requests/7?x=1",
            "404 Project Not Found s3cret\nsecond line",
        );
        assert_eq!(
            err.message,
            "gitlab: GET /projects/42/merge_requests/7 answered 404 Not Found: 404 Project Not Found [token] second line"
        );
        assert!(api.same_origin("http://127.0.0.1:1/api/v4/other?page=2"));
        assert!(!api.same_origin("http://127.0.0.2:1/api/v4/other?page=2"));
        // The token goes in clear text only to this machine.
        let plain = Api::new("gitlab", "http://gitlab.example.com/api/v4", HeaderMap::new(), None).err().unwrap();
        assert!(plain.to_string().ends_with("is plain http; the token goes only over https"), "{plain}");
        assert!(Api::new("gitlab", "https://gitlab.example.com/api/v4", HeaderMap::new(), None).is_ok());
    }
}
