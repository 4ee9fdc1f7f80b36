//! A real `praxis-server` for end-to-end tests: its own data folder, an owner, spaces and
//! practices made over its HTTP API, and stop and restart on the same address.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::http::{Response, request};

/// The master key (base64 of 32 bytes).
const KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

pub struct TeamServer {
    data: tempfile::TempDir,
    child: Option<Child>,
    /// Serving HTTPS (after [`TeamServer::restart_tls`]): the API calls here speak plain HTTP
    /// only, so set up what a test needs before.
    tls: bool,
    pub addr: SocketAddr,
    /// The owner's token; the owner is the admin of every space it creates.
    pub owner: String,
}

impl TeamServer {
    /// A server with an owner, on a free port.
    pub fn start() -> TeamServer {
        let data = tempfile::tempdir().unwrap();
        let owner = create_user(data.path(), "owner@example.com");
        let (child, addr) = serve(data.path(), "127.0.0.1:0", &[]);
        TeamServer { data, child: Some(child), tls: false, addr, owner }
    }

    pub fn url(&self) -> String {
        format!("{}://{}", if self.tls { "https" } else { "http" }, self.addr)
    }

    /// Calls the API (`path` under `/api/v1`) with `token`.
    pub fn call(&self, method: &str, path: &str, token: &str, body: Option<&Value>) -> Response {
        assert!(!self.tls, "the tests' HTTP client speaks plain HTTP only");
        let body = body.map(Value::to_string);
        request(self.addr, method, &format!("/api/v1{path}"), Some(token), body.as_deref().map(str::as_bytes), &[])
    }

    /// Calls the API as the owner and requires a 2xx answer.
    #[track_caller]
    pub fn owner_call(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let response = self.call(method, path, &self.owner, body);
        assert!((200..300).contains(&response.status), "{method} {path}: {} {}", response.status, response.body);
        if response.body.is_empty() { Value::Null } else { response.json() }
    }

    pub fn create_space(&self, name: &str) {
        self.owner_call("POST", "/spaces", Some(&json!({"name": name})));
    }

    /// A new user who is a `role` of `space`; returns their token.
    pub fn member(&self, space: &str, email: &str, role: &str) -> String {
        let created = self.owner_call("POST", "/users", Some(&json!({"email": email})));
        let id = created["id"].as_i64().unwrap();
        self.owner_call("PUT", &format!("/spaces/{space}/members/{id}"), Some(&json!({"role": role})));
        created["token"].as_str().unwrap().to_owned()
    }

    /// Creates or replaces a practice as the owner (active).
    pub fn put_practice(&self, space: &str, practice: &Value) -> Value {
        let id = practice["id"].as_str().unwrap();
        self.owner_call("PUT", &format!("/spaces/{space}/practices/{id}"), Some(practice))
    }

    /// The space's statistics for every day of 2000 to 2100, as the owner.
    pub fn stats(&self, space: &str) -> Vec<Value> {
        let stats = self.owner_call("GET", &format!("/spaces/{space}/stats?from=2000-01-01&to=2100-12-31"), None);
        stats["stats"].as_array().cloned().unwrap_or_default()
    }

    /// The space's practices, as the owner.
    pub fn practices(&self, space: &str) -> Value {
        self.owner_call("GET", &format!("/spaces/{space}/practices"), None)
    }

    /// Stops the server (killed: as if the machine went away).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same address and data.
    pub fn restart(&mut self) {
        self.stop();
        let (child, addr) = serve(self.data.path(), &self.addr.to_string(), &[]);
        assert_eq!(addr, self.addr);
        self.child = Some(child);
    }

    /// Starts it again on the same address and data, serving HTTPS with `cert` and `key`.
    pub fn restart_tls(&mut self, cert: &Path, key: &Path) {
        self.stop();
        let tls = ["--tls-cert".as_ref(), cert.as_os_str(), "--tls-key".as_ref(), key.as_os_str()];
        let (child, addr) = serve(self.data.path(), &self.addr.to_string(), &tls);
        assert_eq!(addr, self.addr);
        self.child = Some(child);
        self.tls = true;
    }
}

impl Drop for TeamServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn create_user(data: &Path, email: &str) -> String {
    let output = Command::new(super::binary("praxis-server"))
        .args(["admin", "create-user", "--owner", "--email", email, "--data"])
        .arg(data)
        .env("PRAXIS_SERVER_KEY", KEY)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).rsplit(": ").next().unwrap().trim().to_owned()
}

/// Starts `serve` on `listen` and reads the address it prints once it listens. The address of
/// a server just stopped may take a moment to be free again.
fn serve(data: &Path, listen: &str, extra: &[&std::ffi::OsStr]) -> (Child, SocketAddr) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mut child = Command::new(super::binary("praxis-server"))
            .args(["serve", "--listen", listen, "--data"])
            .arg(data)
            .args(extra)
            .env("PRAXIS_SERVER_KEY", KEY)
            // The tests' fake LLM provider listens on loopback.
            .env("PRAXIS_SERVER_ALLOW_LOCAL_LLM", "1")
            .env("PRAXIS_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let address = line.trim().strip_prefix("listening on ").and_then(|url| url.split_once("://"));
        if let Some((_, address)) = address {
            return (child, address.parse().unwrap());
        }
        let _ = child.wait();
        assert!(Instant::now() < deadline, "praxis-server did not start on {listen}");
        std::thread::sleep(Duration::from_millis(100));
    }
}
