//! A fake chat-completions server on 127.0.0.1 for the end-to-end tests of drafting (the
//! command line's and the sync server's): it records every request (headers and body, and every
//! raw byte) and answers from a script.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

/// One request as the fake server read it.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// `POST /v1/chat/completions`, query included.
    pub line: String,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|err| panic!("{err}: {}", self.body))
    }
}

/// An answer of the script.
pub struct Scripted {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: String,
}

/// A chat completion whose message is `text`.
pub fn answer(text: &str) -> Scripted {
    let body = json!({
        "id": "chatcmpl-1", "object": "chat.completion", "model": "test-model",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1200, "completion_tokens": 80, "total_tokens": 1280}
    });
    Scripted { status: 200, headers: Vec::new(), body: body.to_string() }
}

pub fn error(status: u16, headers: Vec<(&'static str, String)>, message: &str) -> Scripted {
    Scripted { status, headers, body: json!({"error": {"message": message, "type": "test"}}).to_string() }
}

/// The fake chat-completions server: a thread per connection, HTTP/1.1, `Connection: close`.
pub struct FakeModel {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<Recorded>>>,
    /// Every byte every client sent.
    raw: Arc<Mutex<Vec<u8>>>,
}

impl FakeModel {
    pub fn start(script: Vec<Scripted>) -> FakeModel {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(script.into_iter()));
        let (recorded, bytes) = (requests.clone(), raw.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (recorded, bytes, script) = (recorded.clone(), bytes.clone(), script.clone());
                std::thread::spawn(move || serve(stream, &recorded, &bytes, &script));
            }
        });
        FakeModel { addr, requests, raw }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    pub fn raw(&self) -> String {
        String::from_utf8_lossy(&self.raw.lock().unwrap()).into_owned()
    }
}

fn serve(
    stream: TcpStream,
    recorded: &Mutex<Vec<Recorded>>,
    raw: &Mutex<Vec<u8>>,
    script: &Mutex<std::vec::IntoIter<Scripted>>,
) {
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut head = line.clone();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).unwrap();
        head.push_str(&header);
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':').unwrap();
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let length: usize =
        headers.iter().find(|(name, _)| name == "content-length").map_or(0, |(_, value)| value.parse().unwrap());
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    {
        let mut raw = raw.lock().unwrap();
        raw.extend_from_slice(head.as_bytes());
        raw.extend_from_slice(&body);
    }
    let request_line = line.trim_end().trim_end_matches(" HTTP/1.1").to_owned();
    recorded.lock().unwrap().push(Recorded { line: request_line, headers, body: String::from_utf8(body).unwrap() });
    let next =
        script.lock().unwrap().next().unwrap_or_else(|| error(500, Vec::new(), "the script has no more answers"));
    let reason = match next.status {
        200 => "OK",
        401 => "Unauthorized",
        429 => "Too Many Requests",
        _ => "Internal Server Error",
    };
    let mut response = format!(
        "HTTP/1.1 {} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        next.status,
        next.body.len()
    );
    for (name, value) in &next.headers {
        response.push_str(&format!("{name}: {value}\r\n"));
    }
    response.push_str("\r\n");
    response.push_str(&next.body);
    let mut stream = stream;
    let _ = stream.write_all(response.as_bytes());
}
