//! A small synchronous LSP client over the pipes of a real `praxis lsp` process.
//!
//! A reader thread parses the server's `Content-Length` framed messages and sends them down a
//! channel. Every wait has a deadline; nothing sleeps without one. Requests from the server
//! (`client/registerCapability`, `window/workDoneProgress/create`, `window/showDocument`, …)
//! are answered as soon as they are read, and recorded. The server's stderr goes to a temporary
//! file that is printed when a test fails, and the process is killed when the client is dropped.

#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// How long any single wait may take by default.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// The `file://` URI of a path (percent-encoding what is not a plain path character).
pub fn uri(path: &Path) -> String {
    let path = std::path::absolute(path).expect("an absolute path");
    let mut out = String::from("file://");
    for byte in path.to_str().expect("a UTF-8 path").bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The byte offset of an LSP position in `text` (columns in UTF-8 bytes or UTF-16 units).
pub fn offset(text: &str, position: &Value, utf8: bool) -> usize {
    let line = position["line"].as_u64().expect("position.line") as usize;
    let character = position["character"].as_u64().expect("position.character") as usize;
    let mut start = 0;
    for _ in 0..line {
        match text[start..].find('\n') {
            Some(at) => start += at + 1,
            None => return text.len(),
        }
    }
    let end = text[start..].find('\n').map_or(text.len(), |at| start + at);
    let mut units = 0;
    for (at, c) in text[start..end].char_indices() {
        if units >= character {
            return start + at;
        }
        units += if utf8 { c.len_utf8() } else { c.len_utf16() };
    }
    end
}

/// The LSP position of a byte offset in `text`.
pub fn position(text: &str, offset: usize, utf8: bool) -> Value {
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |at| at + 1);
    let prefix = &text[line_start..offset];
    let character = if utf8 { prefix.len() } else { prefix.encode_utf16().count() };
    json!({"line": line, "character": character})
}

/// The 1-based Unicode-scalar column (as `praxis check` counts) of an LSP position.
pub fn cli_column(text: &str, position: &Value, utf8: bool) -> u64 {
    let at = offset(text, position, utf8);
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    text[line_start..at].chars().count() as u64 + 1
}

/// Applies LSP text edits (all relative to the original text, as in a `WorkspaceEdit`).
pub fn apply_edits(text: &str, edits: &[Value], utf8: bool) -> String {
    let mut resolved: Vec<(usize, usize, String)> = edits
        .iter()
        .map(|edit| {
            let start = offset(text, &edit["range"]["start"], utf8);
            let end = offset(text, &edit["range"]["end"], utf8);
            (start, end, edit["newText"].as_str().expect("newText").to_owned())
        })
        .collect();
    resolved.sort_by_key(|(start, end, _)| std::cmp::Reverse((*start, *end)));
    let mut out = text.to_owned();
    for (start, end, new_text) in resolved {
        out.replace_range(start..end, &new_text);
    }
    out
}

/// An open document as the client sees it.
#[derive(Debug, Clone)]
pub struct Doc {
    pub uri: String,
    pub text: String,
    pub version: i64,
}

/// The server process and the client's view of the conversation.
pub struct Lsp {
    child: Child,
    stdin: Option<ChildStdin>,
    incoming: Receiver<Value>,
    next_id: i64,
    /// Notifications from the server not yet consumed by a wait, oldest first.
    pending: VecDeque<Value>,
    /// Responses read while waiting for another one, by id.
    responses: HashMap<String, Value>,
    /// Every message the server sent, in order.
    pub log: Vec<Value>,
    /// Every request the server sent, in order (each already answered).
    pub server_requests: Vec<Value>,
    /// The `initialize` result.
    pub init: Value,
    /// Whether positions are in UTF-8 (as negotiated).
    pub utf8: bool,
    stderr: tempfile::NamedTempFile,
    disconnected: bool,
    exited: bool,
}

impl Lsp {
    /// Starts `praxis lsp` in `cwd` without initializing it. Its log level is `info`, or
    /// `PRAXIS_TEST_LOG` when set.
    pub fn spawn(cwd: &Path) -> Lsp {
        Lsp::spawn_command(super::praxis_command(), cwd)
    }

    /// Starts `praxis lsp` from `command` (a [`super::praxis_command_in`], say) in `cwd`.
    pub fn spawn_command(mut command: Command, cwd: &Path) -> Lsp {
        let stderr = tempfile::NamedTempFile::new().expect("a temporary file for stderr");
        let mut child = command
            .args(["lsp", "--stdio"])
            .current_dir(cwd)
            .env("PRAXIS_LOG", std::env::var("PRAXIS_TEST_LOG").unwrap_or_else(|_| "info".into()))
            .env("NO_COLOR", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(stderr.reopen().expect("stderr file")))
            .spawn()
            .expect("praxis lsp starts");
        let stdout = child.stdout.take().expect("stdout");
        let stdin = child.stdin.take();
        let (tx, incoming) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if tx.send(message).is_err() {
                    break;
                }
            }
        });
        Lsp {
            child,
            stdin,
            incoming,
            next_id: 0,
            pending: VecDeque::new(),
            responses: HashMap::new(),
            log: Vec::new(),
            server_requests: Vec::new(),
            init: Value::Null,
            utf8: false,
            stderr,
            disconnected: false,
            exited: false,
        }
    }

    /// Starts the server on one workspace folder and initializes it.
    pub fn start(dir: &Path, init_options: Value, utf8: bool, extra_capabilities: Value) -> Lsp {
        Lsp::start_folders(&[dir], init_options, utf8, extra_capabilities)
    }

    /// Starts the server on several workspace folders (the first is its working directory).
    pub fn start_folders(folders: &[&Path], init_options: Value, utf8: bool, extra_capabilities: Value) -> Lsp {
        let mut lsp = Lsp::spawn(folders[0]);
        lsp.initialize(folders, init_options, utf8, extra_capabilities);
        lsp
    }

    /// The `initialize` parameters this client sends.
    pub fn initialize_params(folders: &[&Path], init_options: Value, utf8: bool, extra_capabilities: Value) -> Value {
        let encodings = if utf8 { json!(["utf-8", "utf-16"]) } else { json!(["utf-16"]) };
        let mut capabilities = json!({
            "general": {"positionEncodings": encodings},
            "textDocument": {
                "synchronization": {"dynamicRegistration": false, "didSave": true},
                "publishDiagnostics": {"relatedInformation": true, "tagSupport": {"valueSet": [1, 2]},
                                       "versionSupport": true, "codeDescriptionSupport": true, "dataSupport": true},
                "hover": {"contentFormat": ["markdown", "plaintext"]},
                "codeAction": {"codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["quickfix", "refactor"]}}}
            },
            "workspace": {"workspaceFolders": true, "configuration": false, "applyEdit": true},
            "window": {"showDocument": {"support": true}}
        });
        merge(&mut capabilities, extra_capabilities);
        let workspace_folders: Vec<Value> = folders
            .iter()
            .map(|folder| {
                let name = folder.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
                json!({"uri": uri(folder), "name": name})
            })
            .collect();
        let mut params = json!({
            "processId": std::process::id(),
            "clientInfo": {"name": "praxis-e2e"},
            "rootUri": uri(folders[0]),
            "capabilities": capabilities,
            "workspaceFolders": workspace_folders,
        });
        if !init_options.is_null() {
            params["initializationOptions"] = init_options;
        }
        params
    }

    /// Sends `initialize` and `initialized`.
    pub fn initialize(&mut self, folders: &[&Path], init_options: Value, utf8: bool, extra_capabilities: Value) {
        let params = Lsp::initialize_params(folders, init_options, utf8, extra_capabilities);
        self.init = self.request("initialize", params);
        let encoding = self.init["capabilities"]["positionEncoding"].as_str().unwrap_or("utf-16");
        self.utf8 = encoding == "utf-8";
        self.notify("initialized", json!({}));
    }

    fn send(&mut self, message: &Value) {
        let body = serde_json::to_vec(message).expect("JSON");
        let stdin = self.stdin.as_mut().expect("stdin is open");
        let header = format!("Content-Length: {}\r\n\r\n", body.len());
        stdin
            .write_all(header.as_bytes())
            .and_then(|()| stdin.write_all(&body))
            .and_then(|()| stdin.flush())
            .unwrap_or_else(|err| {
                panic!("cannot write to the server ({err}); it may have died\n{}", self.stderr_text())
            });
    }

    /// Writes raw bytes to the server's stdin: malformed frames, say.
    pub fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin is open");
        stdin.write_all(bytes).and_then(|()| stdin.flush()).expect("the server reads its stdin");
    }

    /// Sends a notification.
    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request without waiting; returns its id.
    pub fn send_request(&mut self, method: &str, params: Value) -> i64 {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        id
    }

    /// Sends a request and waits for its response: `Ok(result)` or `Err(error)`.
    pub fn request_raw(&mut self, method: &str, params: Value) -> Result<Value, Value> {
        self.request_raw_within(method, params, DEADLINE)
    }

    pub fn request_raw_within(&mut self, method: &str, params: Value, timeout: Duration) -> Result<Value, Value> {
        let id = self.send_request(method, params);
        let response = self.wait_response(id, timeout, method);
        match response.get("error") {
            Some(error) => Err(error.clone()),
            None => Ok(response.get("result").cloned().unwrap_or(Value::Null)),
        }
    }

    /// Sends a request and returns its result; an error response fails the test.
    #[track_caller]
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        self.request_within(method, params, DEADLINE)
    }

    #[track_caller]
    pub fn request_within(&mut self, method: &str, params: Value, timeout: Duration) -> Value {
        match self.request_raw_within(method, params, timeout) {
            Ok(result) => result,
            Err(error) => panic!("{method} failed: {error}"),
        }
    }

    /// Waits for the response with `id`.
    pub fn wait_response(&mut self, id: i64, timeout: Duration, what: &str) -> Value {
        let key = id.to_string();
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(response) = self.responses.remove(&key) {
                return response;
            }
            if !self.pump(deadline) {
                panic!("no response to {what} (id {id}) within {timeout:?}\n{}", self.stderr_text());
            }
        }
    }

    /// Reads one message (answering it when it is a server request). False at the deadline.
    fn pump(&mut self, deadline: Instant) -> bool {
        let now = Instant::now();
        if now >= deadline {
            return false;
        }
        if self.disconnected {
            panic!("the server closed its output (it exited?)\n{}", self.stderr_text());
        }
        let message = match self.incoming.recv_timeout(deadline - now) {
            Ok(message) => message,
            Err(RecvTimeoutError::Timeout) => return false,
            Err(RecvTimeoutError::Disconnected) => {
                self.disconnected = true;
                panic!("the server closed its output (it exited?)\n{}", self.stderr_text());
            }
        };
        self.log.push(message.clone());
        let method = message.get("method").and_then(Value::as_str).map(str::to_owned);
        match (method, message.get("id")) {
            (Some(method), Some(id)) => {
                let result = match method.as_str() {
                    "window/showDocument" => json!({"success": true}),
                    "workspace/configuration" => {
                        let items = message["params"]["items"].as_array().map_or(0, Vec::len);
                        Value::Array(vec![Value::Null; items])
                    }
                    _ => Value::Null,
                };
                let id = id.clone();
                self.server_requests.push(message);
                self.send(&json!({"jsonrpc": "2.0", "id": id, "result": result}));
            }
            (Some(_), None) => self.pending.push_back(message),
            (None, Some(id)) => {
                let key = match id {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                };
                self.responses.insert(key, message);
            }
            (None, None) => panic!("a message that is neither request, response nor notification: {message}"),
        }
        true
    }

    /// Waits for the next notification `method` whose params satisfy `accept`, and consumes it
    /// (and the earlier notifications of that method that did not satisfy it).
    #[track_caller]
    pub fn wait_notification(&mut self, method: &str, accept: impl Fn(&Value) -> bool) -> Value {
        self.wait_notification_within(method, DEADLINE, accept)
    }

    #[track_caller]
    pub fn wait_notification_within(
        &mut self,
        method: &str,
        timeout: Duration,
        accept: impl Fn(&Value) -> bool,
    ) -> Value {
        let message = self.wait_matching(
            timeout,
            &format!("a {method} notification"),
            |message| message["method"] == method && accept(&message["params"]),
            |message| message["method"] == method,
        );
        message["params"].clone()
    }

    /// Waits for a `publishDiagnostics` for `uri` whose params (`{uri, version, diagnostics}`)
    /// satisfy `accept`; consumes it and the earlier ones for that uri.
    #[track_caller]
    pub fn wait_published(&mut self, uri: &str, timeout: Duration, accept: impl Fn(&Value) -> bool) -> Value {
        let is_for_uri =
            |message: &Value| message["method"] == "textDocument/publishDiagnostics" && message["params"]["uri"] == uri;
        let message = self.wait_matching(
            timeout,
            &format!("diagnostics for {uri}"),
            |message| is_for_uri(message) && accept(&message["params"]),
            is_for_uri,
        );
        message["params"].clone()
    }

    /// Waits (10 s) for diagnostics for `uri` that satisfy `accept`, and returns them.
    #[track_caller]
    pub fn wait_diagnostics(&mut self, uri: &str, accept: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        self.wait_diagnostics_within(uri, DEADLINE, accept)
    }

    #[track_caller]
    pub fn wait_diagnostics_within(
        &mut self,
        uri: &str,
        timeout: Duration,
        accept: impl Fn(&[Value]) -> bool,
    ) -> Vec<Value> {
        let params = self.wait_published(uri, timeout, |params| {
            params["diagnostics"].as_array().is_some_and(|diagnostics| accept(diagnostics))
        });
        params["diagnostics"].as_array().cloned().unwrap_or_default()
    }

    /// Waits for the diagnostics published for `uri` at `version`.
    #[track_caller]
    pub fn wait_version(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let params = self.wait_published(uri, DEADLINE, |params| params["version"] == version);
        params["diagnostics"].as_array().cloned().unwrap_or_default()
    }

    #[track_caller]
    fn wait_matching(
        &mut self,
        timeout: Duration,
        what: &str,
        accept: impl Fn(&Value) -> bool,
        same_kind: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + timeout;
        let mut scanned = 0;
        loop {
            if let Some(found) = self.pending.iter().skip(scanned).position(&accept) {
                let index = scanned + found;
                let message = self.pending.remove(index).expect("in range");
                // The earlier ones of the same kind are superseded.
                let mut kept = VecDeque::new();
                for (at, other) in self.pending.drain(..).enumerate() {
                    if at >= index || !same_kind(&other) {
                        kept.push_back(other);
                    }
                }
                self.pending = kept;
                return message;
            }
            scanned = self.pending.len();
            if !self.pump(deadline) {
                let seen: Vec<&Value> = self.pending.iter().filter(|message| same_kind(message)).collect();
                panic!(
                    "no {what} as expected within {timeout:?}; unconsumed of that kind:\n{}\n--- server stderr\n{}",
                    serde_json::to_string_pretty(&seen).unwrap_or_default(),
                    self.stderr_text()
                );
            }
        }
    }

    /// Waits until the server has sent a request `method` (answered already); returns it.
    #[track_caller]
    pub fn wait_server_request(&mut self, method: &str) -> Value {
        let deadline = Instant::now() + DEADLINE;
        loop {
            if let Some(request) = self.server_requests.iter().find(|request| request["method"] == method) {
                return request.clone();
            }
            if !self.pump(deadline) {
                panic!("the server sent no {method} request within {DEADLINE:?}\n{}", self.stderr_text());
            }
        }
    }

    /// A round trip: every notification the server sent for the messages before it has been
    /// read when this returns (the server handles messages one at a time, in order).
    pub fn barrier(&mut self) {
        for _ in 0..2 {
            let result = self.request(
                "textDocument/hover",
                json!({"textDocument": {"uri": "file:///praxis-e2e-barrier.ts"},
                       "position": {"line": 0, "character": 0}}),
            );
            assert!(result.is_null(), "hover on a document that is not open: {result}");
        }
    }

    /// Every `publishDiagnostics` for `uri` received so far (consumed or not), oldest first.
    pub fn published(&self, uri: &str) -> Vec<Value> {
        self.log
            .iter()
            .filter(|message| message["method"] == "textDocument/publishDiagnostics" && message["params"]["uri"] == uri)
            .map(|message| message["params"].clone())
            .collect()
    }

    /// Every notification `method` received so far (consumed or not), oldest first.
    pub fn notifications(&self, method: &str) -> Vec<Value> {
        self.log
            .iter()
            .filter(|message| message["method"] == method && message.get("id").is_none())
            .map(|message| message["params"].clone())
            .collect()
    }

    /// Opens a file with `text` (version 1).
    pub fn open(&mut self, path: &Path, language_id: &str, text: &str) -> Doc {
        let doc = Doc { uri: uri(path), text: text.to_owned(), version: 1 };
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": doc.uri, "languageId": language_id, "version": 1, "text": text}}),
        );
        doc
    }

    /// Sends a `didChange` with raw content changes.
    pub fn change(&mut self, uri: &str, version: i64, changes: Value) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": changes}),
        );
    }

    /// Edits `doc` to `new_text` with one incremental change (the span between the common
    /// prefix and suffix); returns the new version.
    pub fn edit(&mut self, doc: &mut Doc, new_text: &str) -> i64 {
        let old = doc.text.as_str();
        let mut prefix = old.bytes().zip(new_text.bytes()).take_while(|(a, b)| a == b).count();
        while !old.is_char_boundary(prefix) || !new_text.is_char_boundary(prefix) {
            prefix -= 1;
        }
        let max_suffix = old.len().min(new_text.len()) - prefix;
        let mut suffix =
            old.bytes().rev().zip(new_text.bytes().rev()).take(max_suffix).take_while(|(a, b)| a == b).count();
        while !old.is_char_boundary(old.len() - suffix) || !new_text.is_char_boundary(new_text.len() - suffix) {
            suffix -= 1;
        }
        let change = json!({
            "range": {"start": position(old, prefix, self.utf8), "end": position(old, old.len() - suffix, self.utf8)},
            "text": &new_text[prefix..new_text.len() - suffix],
        });
        doc.version += 1;
        doc.text = new_text.to_owned();
        self.change(&doc.uri.clone(), doc.version, json!([change]));
        doc.version
    }

    /// Applies the text edits of a `WorkspaceEdit` for `doc` to it and sends them as one
    /// `didChange` (edits sorted from the end, so each applies to the text as it then is).
    pub fn apply_workspace_edit(&mut self, doc: &mut Doc, edit: &Value) -> i64 {
        let edits = edit["changes"][&doc.uri].as_array().cloned().unwrap_or_else(|| {
            // documentChanges form.
            edit["documentChanges"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|change| change["textDocument"]["uri"] == doc.uri.as_str())
                .flat_map(|change| change["edits"].as_array().cloned().unwrap_or_default())
                .collect()
        });
        assert!(!edits.is_empty(), "the edit has no change for {}: {edit}", doc.uri);
        let new_text = apply_edits(&doc.text, &edits, self.utf8);
        let mut sorted = edits.clone();
        let key = |edit: &Value| {
            let start = &edit["range"]["start"];
            (start["line"].as_u64().unwrap_or(0), start["character"].as_u64().unwrap_or(0))
        };
        sorted.sort_by_key(|edit| std::cmp::Reverse(key(edit)));
        let changes: Vec<Value> =
            sorted.iter().map(|edit| json!({"range": edit["range"], "text": edit["newText"]})).collect();
        doc.version += 1;
        doc.text = new_text;
        self.change(&doc.uri.clone(), doc.version, Value::Array(changes));
        doc.version
    }

    pub fn close(&mut self, uri: &str) {
        self.notify("textDocument/didClose", json!({"textDocument": {"uri": uri}}));
    }

    /// `workspace/executeCommand`.
    #[track_caller]
    pub fn execute(&mut self, command: &str, arguments: Value) -> Value {
        self.request("workspace/executeCommand", json!({"command": command, "arguments": arguments}))
    }

    /// `textDocument/hover` at a position.
    #[track_caller]
    pub fn hover(&mut self, uri: &str, position: Value) -> Value {
        self.request("textDocument/hover", json!({"textDocument": {"uri": uri}, "position": position}))
    }

    /// `textDocument/codeAction` for a range, with the given diagnostics as context.
    #[track_caller]
    pub fn code_actions(&mut self, uri: &str, range: Value, diagnostics: Value) -> Vec<Value> {
        let result = self.request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": range, "context": {"diagnostics": diagnostics}}),
        );
        result.as_array().cloned().unwrap_or_default()
    }

    /// `shutdown`, then `exit`; the process must end, successfully.
    #[track_caller]
    pub fn shutdown(mut self) {
        let result = self.request("shutdown", Value::Null);
        assert!(result.is_null(), "shutdown result: {result}");
        self.notify("exit", Value::Null);
        self.stdin = None;
        let deadline = Instant::now() + DEADLINE;
        // Read to the end of the server's output, then wait for the process.
        while !self.disconnected {
            let now = Instant::now();
            assert!(now < deadline, "the server did not close its output after exit\n{}", self.stderr_text());
            match self.incoming.recv_timeout(deadline - now) {
                Ok(message) => self.log.push(message),
                Err(RecvTimeoutError::Disconnected) => self.disconnected = true,
                Err(RecvTimeoutError::Timeout) => {}
            }
        }
        loop {
            match self.child.try_wait().expect("wait for the server") {
                Some(status) => {
                    self.exited = true;
                    assert!(status.success(), "the server exited with {status} after exit\n{}", self.stderr_text());
                    return;
                }
                None if Instant::now() >= deadline => {
                    panic!("the server did not exit within {DEADLINE:?} after exit\n{}", self.stderr_text())
                }
                None => std::thread::sleep(Duration::from_millis(10)),
            }
        }
    }

    /// Whether the process is still running.
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// The server's stderr so far (its last 20,000 characters).
    pub fn stderr_text(&self) -> String {
        let text = std::fs::read_to_string(self.stderr.path()).unwrap_or_default();
        let chars = text.chars().count();
        if chars > 20_000 { text.chars().skip(chars - 20_000).collect() } else { text }
    }
}

impl Drop for Lsp {
    fn drop(&mut self) {
        if std::thread::panicking() {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("--- praxis lsp stderr\n{}\n---", self.stderr_text());
            }
        }
        if !self.exited {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Merges `extra` into `base`, object by object.
fn merge(base: &mut Value, extra: Value) {
    match (base, extra) {
        (Value::Object(base), Value::Object(extra)) => {
            for (key, value) in extra {
                match base.get_mut(&key) {
                    Some(existing) => merge(existing, value),
                    None => {
                        base.insert(key, value);
                    }
                }
            }
        }
        (base, extra) if !extra.is_null() => *base = extra,
        _ => {}
    }
}

/// Reads one `Content-Length` framed JSON message; `None` at the end of the stream.
fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.trim().eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse::<usize>().ok();
        }
    }
    let length = length.expect("a Content-Length header from the server");
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(
        serde_json::from_slice(&body)
            .unwrap_or_else(|err| panic!("the server sent invalid JSON ({err}): {}", String::from_utf8_lossy(&body))),
    )
}
