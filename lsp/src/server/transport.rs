//! The language server's wire: LSP base-protocol frames, checked before the protocol layer sees
//! them. tower-lsp-server ends the session at the first frame it cannot decode; here a bad
//! header or a body that is not JSON is answered with -32700, JSON that is not a JSON-RPC
//! message with -32600, and the session goes on. Headers and bodies are bounded.
//!
//! The protocol layer reads and writes in-memory pipes: frames that pass go into one, and its
//! answers come out of the other, to be written to stdout frame by frame between the error
//! answers given here.

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader, DuplexStream};
use tokio::sync::mpsc;
use tower_lsp_server::jsonrpc::{Request, Response};

/// The largest message read from the client; a larger one is skipped unread, and answered.
pub const MAX_FRAME: usize = 64 * 1024 * 1024;
/// The longest header line, and the most header lines of one message.
const MAX_HEADER_LINE: usize = 8 * 1024;
const MAX_HEADERS: usize = 32;
/// The in-memory pipes' buffers.
const PIPE: usize = 256 * 1024;

/// JSON-RPC's error codes for what cannot be read.
const PARSE_ERROR: i64 = -32700;
const INVALID_REQUEST: i64 = -32600;

/// What one message of the input turned out to be.
#[derive(Debug, PartialEq)]
enum Read {
    /// A JSON-RPC message, as sent.
    Message(Vec<u8>),
    /// Something to answer with an error, and skip.
    Bad { code: i64, id: Value, message: String },
    /// The input ended.
    End,
}

/// The tasks that fill the protocol layer's input pipe and drain its output pipe.
pub struct Pumps {
    reading: tokio::task::JoinHandle<()>,
    writing: tokio::task::JoinHandle<()>,
}

impl Pumps {
    /// Once the protocol layer is done: waits until everything it wrote is on stdout, and stops
    /// reading (a client need not close its end after `exit`).
    pub async fn finish(self) {
        self.reading.abort();
        let _ = self.writing.await;
    }
}

/// Connects stdin and stdout to two pipes for the protocol layer: it reads checked frames from
/// the first and writes to the second.
pub fn connect<R, W>(stdin: R, stdout: W) -> (DuplexStream, DuplexStream, Pumps)
where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let (mut to_server, input) = tokio::io::duplex(PIPE);
    let (output, from_server) = tokio::io::duplex(PIPE);
    let (errors, answers) = mpsc::unbounded_channel::<Vec<u8>>();
    let reading = tokio::spawn(async move {
        let mut stdin = BufReader::new(stdin);
        loop {
            match read(&mut stdin, Side::Client).await {
                Read::Message(body) => {
                    if to_server.write_all(&frame(&body)).await.is_err() {
                        break;
                    }
                }
                Read::Bad { code, id, message } => {
                    tracing::warn!("bad message from the client ({code}): {message}");
                    let answer = json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}});
                    let _ = errors.send(frame(answer.to_string().as_bytes()));
                }
                Read::End => break,
            }
        }
        // The protocol layer sees the end of its input and finishes.
        let _ = to_server.shutdown().await;
    });
    let writing = tokio::spawn(write(BufReader::new(from_server), answers, stdout));
    (input, output, Pumps { reading, writing })
}

/// One frame around `body`.
fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

/// Writes the protocol layer's frames and the error answers to `stdout`, whole frames at a
/// time, until the protocol layer is done.
async fn write<R, W>(mut from_server: R, mut answers: mpsc::UnboundedReceiver<Vec<u8>>, mut stdout: W)
where
    R: tokio::io::AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin,
{
    // Open until the input ends; then only the protocol layer's frames remain.
    let mut answering = true;
    loop {
        let next = tokio::select! {
            biased;
            answer = answers.recv(), if answering => match answer {
                Some(answer) => answer,
                None => {
                    answering = false;
                    continue;
                }
            },
            message = read(&mut from_server, Side::Server) => match message {
                Read::Message(body) => frame(&body),
                Read::Bad { .. } | Read::End => break,
            },
        };
        if stdout.write_all(&next).await.is_err() || stdout.flush().await.is_err() {
            return;
        }
    }
    // Answers to the last bad frames still go out.
    while let Ok(answer) = answers.try_recv() {
        let _ = stdout.write_all(&answer).await;
    }
    let _ = stdout.flush().await;
}

/// Whose frames a reader reads.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Side {
    /// The client's, checked to be JSON-RPC messages before the protocol layer sees them.
    Client,
    /// The protocol layer's own, taken as they are: parsing them again would cost a keystroke
    /// as much as the answer (a publish of a thousand diagnostics is half a megabyte of JSON).
    Server,
}

/// Reads the next message: its headers, then its body, checked to be a JSON-RPC message when it
/// comes from the client. A line that is not a header is answered on its own, so that the
/// message after it is found again.
async fn read<R: tokio::io::AsyncBufRead + Unpin>(input: &mut R, side: Side) -> Read {
    let mut length: Option<usize> = None;
    let mut lines = 0;
    loop {
        let mut line = Vec::new();
        match input.take(MAX_HEADER_LINE as u64 + 1).read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return Read::End,
            Ok(_) => {}
        }
        if line.len() > MAX_HEADER_LINE {
            // Skip the rest of an endless line.
            loop {
                line.clear();
                match input.take(MAX_HEADER_LINE as u64).read_until(b'\n', &mut line).await {
                    Ok(0) | Err(_) => return Read::End,
                    Ok(_) if line.ends_with(b"\n") => break,
                    Ok(_) => {}
                }
            }
            return bad(PARSE_ERROR, Value::Null, "a header line is longer than 8 KiB".into());
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            match length {
                Some(length) => return body(input, length, side).await,
                // Blank lines between messages are tolerated.
                None if lines == 0 => continue,
                None => return bad(PARSE_ERROR, Value::Null, "a message without a Content-Length header".into()),
            }
        }
        lines += 1;
        if lines > MAX_HEADERS {
            return bad(PARSE_ERROR, Value::Null, format!("more than {MAX_HEADERS} header lines"));
        }
        match text.split_once(':') {
            Some((name, value)) if name.trim().eq_ignore_ascii_case("content-length") => {
                match value.trim().parse::<usize>() {
                    Ok(parsed) => length = Some(parsed),
                    Err(_) => {
                        return bad(
                            PARSE_ERROR,
                            Value::Null,
                            format!("Content-Length `{}` is not a length", value.trim()),
                        );
                    }
                }
            }
            Some((name, _)) if !name.trim().is_empty() && !name.contains(char::is_whitespace) => {}
            _ => {
                let shown: String = text.chars().take(60).collect();
                return bad(PARSE_ERROR, Value::Null, format!("`{shown}` is not a header"));
            }
        }
    }
}

fn bad(code: i64, id: Value, message: String) -> Read {
    Read::Bad { code, id, message }
}

/// Reads a body of `length` bytes and checks it, when it is the client's.
async fn body<R: AsyncRead + Unpin>(input: &mut R, length: usize, side: Side) -> Read {
    // The client's size is bounded; the protocol layer's own answers, whatever their size, go
    // out (a writer that stopped at one would leave the editor without answers).
    if side == Side::Client && length > MAX_FRAME {
        // Skipped unread, so that the next message is found again.
        let skipped = tokio::io::copy(&mut input.take(length as u64), &mut tokio::io::sink()).await;
        if skipped.map_or(true, |skipped| skipped < length as u64) {
            return Read::End;
        }
        return bad(INVALID_REQUEST, Value::Null, format!("the message is larger than {} MiB", MAX_FRAME >> 20));
    }
    let mut body = vec![0; length];
    if input.read_exact(&mut body).await.is_err() {
        return Read::End;
    }
    if side == Side::Server {
        return Read::Message(body);
    }
    // Exactly what the protocol layer accepts: a request, a notification or a response. Tried
    // first, so that a good message (a whole document, on open) is parsed here once.
    if serde_json::from_slice::<Request>(&body).is_ok() || serde_json::from_slice::<Response>(&body).is_ok() {
        return Read::Message(body);
    }
    match serde_json::from_slice::<Value>(&body) {
        Err(err) => bad(PARSE_ERROR, Value::Null, format!("the message is not JSON: {err}")),
        Ok(value) => {
            let id = match value.get("id") {
                Some(id @ (Value::Number(_) | Value::String(_))) => id.clone(),
                _ => Value::Null,
            };
            bad(INVALID_REQUEST, id, "the message is not a JSON-RPC 2.0 request, notification or response".into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn all(input: &[u8]) -> Vec<Read> {
        let mut reader = BufReader::new(input);
        let mut out = Vec::new();
        loop {
            let next = read(&mut reader, Side::Client).await;
            let end = next == Read::End;
            out.push(next);
            if end {
                return out;
            }
        }
    }

    fn code(read: &Read) -> Option<i64> {
        match read {
            Read::Bad { code, .. } => Some(*code),
            _ => None,
        }
    }

    #[tokio::test]
    async fn bad_frames_are_answered_and_skipped() {
        let good = br#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#;
        let mut input = Vec::new();
        input.extend_from_slice(b"garbage without a colon\r\n");
        input.extend_from_slice(&frame(good));
        input.extend_from_slice(b"Content-Length: ten\r\n\r\n");
        input.extend_from_slice(&frame(b"{not json"));
        input.extend_from_slice(&frame(br#"{"jsonrpc":"2.0","id":7,"method":5}"#));
        input.extend_from_slice(&frame(b"[1, 2]"));
        input.extend_from_slice(&frame(&vec![b'['; 10_000]));
        input.extend_from_slice(&frame(good));
        let reads = all(&input).await;
        let codes: Vec<Option<i64>> = reads.iter().map(code).collect();
        assert_eq!(
            codes,
            [Some(-32700), None, Some(-32700), Some(-32700), Some(-32600), Some(-32600), Some(-32700), None, None]
        );
        assert_eq!(reads[1], Read::Message(good.to_vec()));
        assert!(matches!(&reads[4], Read::Bad { id, .. } if *id == json!(7)), "{:?}", reads[4]);
        assert_eq!(reads.last(), Some(&Read::End));
    }

    #[tokio::test]
    async fn the_protocol_layers_frames_are_passed_on_unparsed() {
        // Its bodies are the protocol layer's own JSON: only the client's are checked.
        let body = br#"{"jsonrpc":"2.0","method":"textDocument/publishDiagnostics","params":{}}"#;
        let mut input = frame(body);
        input.extend_from_slice(&frame(b"{not json"));
        let mut reader = BufReader::new(&input[..]);
        assert_eq!(read(&mut reader, Side::Server).await, Read::Message(body.to_vec()));
        assert_eq!(read(&mut reader, Side::Server).await, Read::Message(b"{not json".to_vec()));
        assert_eq!(read(&mut reader, Side::Server).await, Read::End);

        let large = vec![b' '; MAX_FRAME + 1];
        let input = frame(&large);
        let mut reader = BufReader::new(&input[..]);
        assert!(matches!(read(&mut reader, Side::Server).await, Read::Message(body) if body.len() == MAX_FRAME + 1));
    }

    /// Fuzz target: random streams of frame pieces, for `FUZZ_SECONDS` (else 300 streams).
    /// Reading never panics, never hangs, and ends exactly at the end of the input.
    #[tokio::test]
    #[allow(clippy::print_stderr)]
    async fn random_streams_are_read_to_their_end() {
        const PIECES: &[&[u8]] = &[
            b"Content-Length: ",
            b"10",
            b"0",
            b"99999999999999999999",
            b"-1",
            b"\r\n",
            b"\n",
            b"\r\n\r\n",
            b"{",
            b"}",
            br#""jsonrpc":"2.0""#,
            br#""method":"x""#,
            br#""id":1"#,
            b",",
            b":",
            b"Content-Type: a",
            b"\xff\xfe",
            b"[",
            b"]",
            b"null",
            b" ",
            b"\x00",
            b"x",
        ];
        let seconds = std::env::var("FUZZ_SECONDS").ok().and_then(|seconds| seconds.parse::<u64>().ok());
        let deadline = seconds.map(|seconds| std::time::Instant::now() + std::time::Duration::from_secs(seconds));
        let mut seed = 0u64;
        while deadline.map_or(seed < 300, |deadline| std::time::Instant::now() < deadline) {
            seed += 1;
            let mut rng = crate::server::tests::Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
            let mut input = Vec::new();
            for _ in 0..rng.below(60) {
                if rng.below(4) == 0 {
                    let body = br#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;
                    input.extend_from_slice(&frame(body));
                } else {
                    input.extend_from_slice(PIECES[rng.below(PIECES.len())]);
                }
            }
            let reads = tokio::time::timeout(std::time::Duration::from_secs(5), all(&input))
                .await
                .unwrap_or_else(|_| panic!("seed {seed}: reading did not end"));
            assert_eq!(reads.last(), Some(&Read::End), "seed {seed}");
        }
        if seconds.is_some() {
            eprintln!("fuzz target `frames`: {seed} streams");
        }
    }

    #[tokio::test]
    async fn oversized_messages_and_headers_are_skipped() {
        let good = br#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;
        let mut input = format!("Content-Length: {}\r\n\r\n", MAX_FRAME + 1).into_bytes();
        input.extend(std::iter::repeat_n(b' ', MAX_FRAME + 1));
        input.extend_from_slice(&vec![b'x'; 20_000]);
        input.extend_from_slice(b"\r\n");
        input.extend_from_slice(&frame(good));
        let reads = all(&input).await;
        assert_eq!(reads.iter().map(code).collect::<Vec<_>>(), [Some(-32600), Some(-32700), None, None]);
        assert_eq!(reads[2], Read::Message(good.to_vec()));
    }
}
