//! Fake GitLab and GitHub APIs on loopback for `praxis review`: a small threaded HTTP/1.1
//! server (one request per connection, `Connection: close`) that records every request, checks
//! the token, pages its listings a few items at a time, serves file contents, keeps what is
//! posted so that the next run sees it, and can answer 429 once or fail on chosen paths.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

/// One request as the fake received it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// Path and query, as sent (still percent-encoded).
    pub target: String,
    /// Header names in lower case.
    pub headers: HashMap<String, String>,
    pub body: String,
}

impl Request {
    /// The path without the query.
    pub fn path(&self) -> &str {
        self.target.split_once('?').map_or(&self.target, |(path, _)| path)
    }

    /// A query parameter.
    pub fn query(&self, name: &str) -> Option<String> {
        let (_, query) = self.target.split_once('?')?;
        query.split('&').find_map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (key == name).then(|| decode(value))
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// An answer.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(status: u16, value: &Value) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: value.to_string().into_bytes(),
        }
    }

    pub fn raw(text: &str) -> Reply {
        Reply { status: 200, headers: vec![("Content-Type".into(), "text/plain".into())], body: text.as_bytes().into() }
    }

    pub fn message(status: u16, message: &str) -> Reply {
        Reply::json(status, &json!({ "message": message }))
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// Percent-decoding of a path segment or query value.
pub fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%'
            && let Some(hex) = text.get(index + 1..index + 3)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            index += 3;
            continue;
        }
        out.push(if bytes[index] == b'+' { b' ' } else { bytes[index] });
        index += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

type Handler = Arc<dyn Fn(&Request) -> Reply + Send + Sync>;

/// A running fake: its address and every request it received.
pub struct Server {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl Server {
    /// Serves `handler` on 127.0.0.1, a thread per connection, until the test ends.
    pub fn start(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler: Handler = Arc::new(handler);
        let recorded = Arc::clone(&requests);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let handler = Arc::clone(&handler);
                let recorded = Arc::clone(&recorded);
                std::thread::spawn(move || serve(stream, &handler, &recorded));
            }
        });
        Server { addr, requests }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }

    pub fn clear(&self) {
        self.requests.lock().unwrap().clear();
    }
}

fn serve(stream: TcpStream, handler: &Handler, recorded: &Mutex<Vec<Request>>) {
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok();
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else { return };
    let (method, target) = (method.to_owned(), target.to_owned());
    let mut headers = HashMap::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).is_err() {
            return;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
        }
    }
    let length: usize = headers.get("content-length").and_then(|length| length.parse().ok()).unwrap_or(0);
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let request = Request { method, target, headers, body: String::from_utf8_lossy(&body).into_owned() };
    recorded.lock().unwrap().push(request.clone());
    let reply = handler(&request);
    let reason = match reply.status {
        200 => "OK",
        201 => "Created",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        _ => "Other",
    };
    let mut head =
        format!("HTTP/1.1 {} {reason}\r\nConnection: close\r\nContent-Length: {}\r\n", reply.status, reply.body.len());
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut stream = reader.into_inner();
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&reply.body);
    let _ = stream.flush();
}

/// Paging of a listing: the items of `page` (1-based), and the next page number if any.
fn page_of(items: &[Value], page: usize, size: usize) -> (Vec<Value>, Option<usize>) {
    let start = (page.max(1) - 1) * size;
    let slice: Vec<Value> = items.iter().skip(start).take(size).cloned().collect();
    let next = (start + size < items.len()).then_some(page.max(1) + 1);
    (slice, next)
}

/// A changed file of a fake merge request or pull request.
#[derive(Debug, Clone)]
pub struct FakeFile {
    pub path: String,
    pub old_path: String,
    /// The unified diff (hunks only); `None` when the host leaves it out (too large).
    pub diff: Option<String>,
    pub added: bool,
    pub deleted: bool,
}

impl FakeFile {
    pub fn modified(path: &str, diff: &str) -> FakeFile {
        FakeFile { path: path.into(), old_path: path.into(), diff: Some(diff.into()), added: false, deleted: false }
    }

    pub fn added(path: &str, diff: &str) -> FakeFile {
        FakeFile { added: true, ..FakeFile::modified(path, diff) }
    }

    pub fn deleted(path: &str, diff: &str) -> FakeFile {
        FakeFile { deleted: true, ..FakeFile::modified(path, diff) }
    }

    pub fn renamed(old: &str, path: &str, diff: &str) -> FakeFile {
        FakeFile { old_path: old.into(), ..FakeFile::modified(path, diff) }
    }

    pub fn without_diff(path: &str) -> FakeFile {
        FakeFile { diff: None, ..FakeFile::modified(path, "") }
    }
}

/// What a fake host holds: the change, the file contents per commit, and what was posted.
#[derive(Debug, Default)]
pub struct State {
    pub token: String,
    pub base_sha: String,
    pub head_sha: String,
    pub files: Vec<FakeFile>,
    /// `(sha, path)` → content.
    pub contents: HashMap<(String, String), String>,
    /// GitLab discussions, or GitHub review comments.
    pub discussions: Vec<Value>,
    /// GitHub review threads: `{id, isResolved, comment}`.
    pub threads: Vec<Value>,
    pub reviews: Vec<Value>,
    pub statuses: Vec<Value>,
    pub page_size: usize,
    /// A path (without query) answered 429 with `Retry-After: 1` once.
    pub throttle_once: Option<String>,
    /// A path (without query) answered 503 once.
    pub unavailable_once: Option<String>,
    /// Paths (without query) containing this answer with the status and message, forever.
    pub fail: Option<(String, u16, String)>,
    /// GETs without a token are answered.
    pub anonymous_reads: bool,
    /// GitHub's GraphQL endpoint answers 502.
    pub graphql_down: bool,
}

impl State {
    pub fn new(token: &str) -> State {
        State {
            token: token.into(),
            base_sha: "b".repeat(40),
            head_sha: "1".repeat(40),
            page_size: 1,
            ..State::default()
        }
    }

    pub fn set_content(&mut self, sha: &str, path: &str, text: &str) {
        self.contents.insert((sha.into(), path.into()), text.into());
    }

    /// The answer the fake gives before looking at the endpoint, if any: a 429, a failure, an
    /// authentication error.
    fn gate(&mut self, request: &Request, token_ok: Option<bool>) -> Option<Reply> {
        if self.throttle_once.as_deref() == Some(request.path()) {
            self.throttle_once = None;
            return Some(Reply::message(429, "Too many requests").header("Retry-After", "1"));
        }
        if self.unavailable_once.as_deref() == Some(request.path()) {
            self.unavailable_once = None;
            return Some(Reply::message(503, "Service Unavailable"));
        }
        if let Some((part, status, message)) = &self.fail
            && request.path().contains(part.as_str())
        {
            return Some(Reply::message(*status, message));
        }
        match token_ok {
            Some(true) => None,
            None if self.anonymous_reads && request.method == "GET" => None,
            _ => Some(Reply::message(401, "401 Unauthorized")),
        }
    }
}

/// A fake GitLab: project `42`, merge request `7`, under `/api/v4`.
pub struct FakeGitLab {
    pub server: Server,
    pub state: Arc<Mutex<State>>,
}

impl FakeGitLab {
    pub fn start(state: State) -> FakeGitLab {
        let state = Arc::new(Mutex::new(state));
        let shared = Arc::clone(&state);
        let server = Server::start(move |request| gitlab(&mut shared.lock().unwrap(), request));
        FakeGitLab { server, state }
    }

    pub fn api_url(&self) -> String {
        format!("{}/api/v4", self.server.url())
    }
}

fn gitlab(state: &mut State, request: &Request) -> Reply {
    let token_ok = request.header("private-token").map(|token| token == state.token);
    if let Some(reply) = state.gate(request, token_ok) {
        return reply;
    }
    let page: usize = request.query("page").and_then(|page| page.parse().ok()).unwrap_or(1);
    let Some(rest) = request.path().strip_prefix("/api/v4/projects/42") else {
        return Reply::message(404, "404 Project Not Found");
    };
    let segments: Vec<&str> = rest.split('/').skip(1).collect();
    match (request.method.as_str(), segments.as_slice()) {
        ("GET", ["merge_requests", "7"]) => Reply::json(
            200,
            &json!({"iid": 7, "diff_refs": {
                "base_sha": state.base_sha, "head_sha": state.head_sha, "start_sha": state.base_sha,
            }}),
        ),
        ("GET", ["merge_requests", "7", "diffs"]) => {
            let diffs: Vec<Value> = state
                .files
                .iter()
                .map(|file| {
                    json!({
                        "old_path": file.old_path, "new_path": file.path,
                        "diff": file.diff.clone().unwrap_or_default(),
                        "new_file": file.added, "deleted_file": file.deleted,
                        "renamed_file": file.old_path != file.path,
                        "too_large": file.diff.is_none(), "collapsed": false,
                    })
                })
                .collect();
            let (items, next) = page_of(&diffs, page, state.page_size);
            // Diffs are paged by X-Next-Page alone, discussions by Link and X-Next-Page.
            Reply::json(200, &Value::Array(items))
                .header("X-Page", &page.to_string())
                .header("X-Next-Page", &next.map(|next| next.to_string()).unwrap_or_default())
        }
        ("GET", ["repository", "files", path, "raw"]) => {
            let path = decode(path);
            let sha = request.query("ref").unwrap_or_default();
            match state.contents.get(&(sha, path)) {
                Some(text) => Reply::raw(text),
                None => Reply::message(404, "404 File Not Found"),
            }
        }
        ("GET", ["merge_requests", "7", "discussions"]) => {
            let (items, next) = page_of(&state.discussions, page, state.page_size);
            let mut reply = Reply::json(200, &Value::Array(items))
                .header("X-Next-Page", &next.map(|next| next.to_string()).unwrap_or_default());
            if let Some(next) = next {
                let host = request.header("host").unwrap_or("127.0.0.1");
                let link = format!(
                    "<http://{host}/api/v4/projects/42/merge_requests/7/discussions?page={next}&per_page=100>; rel=\"next\""
                );
                reply = reply.header("Link", &link);
            }
            reply
        }
        ("POST", ["merge_requests", "7", "discussions"]) => {
            let body = request.json();
            let position = &body["position"];
            let complete = ["base_sha", "start_sha", "head_sha", "old_path", "new_path", "new_line"]
                .iter()
                .all(|key| !position[key].is_null())
                && position["position_type"] == "text"
                && body["body"].is_string();
            if !complete {
                return Reply::message(400, "400 Bad request - position is incomplete");
            }
            let id = format!("{:040x}", state.discussions.len() + 1);
            let discussion = json!({"id": id, "notes": [{
                "id": state.discussions.len() + 100, "body": body["body"], "resolvable": true, "resolved": false,
                "position": position,
            }]});
            state.discussions.push(discussion.clone());
            Reply::json(201, &discussion)
        }
        ("PUT", ["merge_requests", "7", "discussions", id]) => {
            if request.query("resolved").as_deref() != Some("true") {
                return Reply::message(400, "400 resolved is missing");
            }
            match state.discussions.iter_mut().find(|discussion| discussion["id"] == *id) {
                Some(discussion) => {
                    discussion["notes"][0]["resolved"] = true.into();
                    Reply::json(200, discussion)
                }
                None => Reply::message(404, "404 Discussion Not Found"),
            }
        }
        ("POST", ["statuses", sha]) => {
            let body = request.json();
            let mut status = body.clone();
            status["sha"] = (*sha).into();
            state.statuses.push(status.clone());
            Reply::json(201, &status)
        }
        _ => Reply::message(404, "404 Not Found"),
    }
}

/// A fake GitHub: repository `acme/shop`, pull request `5`, at the root, GraphQL at `/graphql`.
pub struct FakeGitHub {
    pub server: Server,
    pub state: Arc<Mutex<State>>,
}

impl FakeGitHub {
    pub fn start(state: State) -> FakeGitHub {
        let state = Arc::new(Mutex::new(state));
        let shared = Arc::clone(&state);
        let server = Server::start(move |request| github(&mut shared.lock().unwrap(), request));
        FakeGitHub { server, state }
    }
}

fn github(state: &mut State, request: &Request) -> Reply {
    let token_ok = request.header("authorization").map(|value| *value == format!("Bearer {}", state.token));
    if let Some(reply) = state.gate(request, token_ok) {
        return reply;
    }
    let raw = request.header("accept") == Some("application/vnd.github.raw+json");
    let versioned = request.header("x-github-api-version") == Some("2022-11-28")
        && request.header("user-agent").is_some_and(|agent| agent.starts_with("praxis/"));
    if !versioned || !(raw || request.header("accept") == Some("application/vnd.github+json")) {
        return Reply::message(400, "missing GitHub API headers");
    }
    let page: usize = request.query("page").and_then(|page| page.parse().ok()).unwrap_or(1);
    let host = request.header("host").unwrap_or("127.0.0.1").to_owned();
    let paged = |items: &[Value], path: &str, size: usize| {
        let (slice, next) = page_of(items, page, size);
        let mut reply = Reply::json(200, &Value::Array(slice));
        if let Some(next) = next {
            let link = format!(
                "<http://{host}{path}?per_page=100&page={next}>; rel=\"next\", <http://{host}{path}?page=1>; rel=\"first\""
            );
            reply = reply.header("Link", &link);
        }
        reply
    };
    if request.path() == "/graphql" && request.method == "POST" {
        return graphql(state, request);
    }
    let Some(rest) = request.path().strip_prefix("/repos/acme/shop/") else {
        return Reply::message(404, "Not Found");
    };
    let segments: Vec<&str> = rest.split('/').collect();
    match (request.method.as_str(), segments.as_slice()) {
        ("GET", ["pulls", "5"]) => {
            Reply::json(200, &json!({"number": 5, "head": {"sha": state.head_sha}, "base": {"sha": state.base_sha}}))
        }
        ("GET", ["pulls", "5", "files"]) => {
            let files: Vec<Value> = state
                .files
                .iter()
                .map(|file| {
                    let status = if file.added {
                        "added"
                    } else if file.deleted {
                        "removed"
                    } else if file.old_path != file.path {
                        "renamed"
                    } else {
                        "modified"
                    };
                    let mut value = json!({"filename": file.path, "status": status});
                    if let Some(diff) = &file.diff {
                        value["patch"] = diff.as_str().into();
                    }
                    if file.old_path != file.path {
                        value["previous_filename"] = file.old_path.as_str().into();
                    }
                    value
                })
                .collect();
            paged(&files, request.path(), state.page_size)
        }
        ("GET", ["contents", path @ ..]) if raw => {
            let path = decode(&path.join("/"));
            let sha = request.query("ref").unwrap_or_default();
            match state.contents.get(&(sha, path)) {
                Some(text) => Reply::raw(text),
                None => Reply::message(404, "Not Found"),
            }
        }
        ("GET", ["pulls", "5", "comments"]) => paged(&state.discussions, request.path(), state.page_size),
        ("POST", ["pulls", "5", "reviews"]) => {
            let body = request.json();
            let comments = body["comments"].as_array().cloned().unwrap_or_default();
            if body["event"] != "COMMENT" || body["commit_id"] != state.head_sha.as_str() || comments.is_empty() {
                return Reply::message(422, "Unprocessable Entity");
            }
            for comment in &comments {
                if !comment["line"].is_u64() || comment["side"] != "RIGHT" || !comment["path"].is_string() {
                    return Reply::message(422, "line comments need path, line and side");
                }
            }
            for comment in comments {
                let id = 1000 + state.discussions.len();
                let mut stored = comment.clone();
                stored["id"] = id.into();
                state.discussions.push(stored.clone());
                let thread = format!("PRRT_{id}");
                state.threads.push(json!({"id": thread, "isResolved": false, "comment": stored}));
            }
            state.reviews.push(body.clone());
            Reply::json(200, &json!({"id": state.reviews.len(), "state": "COMMENTED"}))
        }
        ("POST", ["statuses", sha]) => {
            let mut status = request.json();
            status["sha"] = (*sha).into();
            state.statuses.push(status.clone());
            Reply::json(201, &status)
        }
        _ => Reply::message(404, "Not Found"),
    }
}

fn graphql(state: &mut State, request: &Request) -> Reply {
    if state.graphql_down {
        return Reply::message(502, "Bad Gateway");
    }
    let body = request.json();
    let query = body["query"].as_str().unwrap_or_default();
    let variables = &body["variables"];
    if query.contains("resolveReviewThread") {
        let id = variables["id"].as_str().unwrap_or_default();
        return match state.threads.iter_mut().find(|thread| thread["id"] == id) {
            Some(thread) => {
                thread["isResolved"] = true.into();
                Reply::json(200, &json!({"data": {"resolveReviewThread": {"thread": {"id": id, "isResolved": true}}}}))
            }
            None => Reply::json(200, &json!({"errors": [{"message": "Could not resolve to a node"}]})),
        };
    }
    if !query.contains("reviewThreads") || variables["number"] != 5 || variables["owner"] != "acme" {
        return Reply::json(200, &json!({"errors": [{"message": "unexpected query"}]}));
    }
    // One thread a page, to make the client follow the cursor.
    let after: usize = variables["after"].as_str().and_then(|cursor| cursor.parse().ok()).unwrap_or(0);
    let nodes: Vec<Value> = state
        .threads
        .iter()
        .skip(after)
        .take(1)
        .map(|thread| {
            json!({"id": thread["id"], "isResolved": thread["isResolved"],
                   "comments": {"nodes": [{"body": thread["comment"]["body"]}]}})
        })
        .collect();
    let more = after + 1 < state.threads.len();
    Reply::json(
        200,
        &json!({"data": {"repository": {"pullRequest": {"reviewThreads": {
            "pageInfo": {"hasNextPage": more, "endCursor": (after + 1).to_string()},
            "nodes": nodes,
        }}}}}),
    )
}
