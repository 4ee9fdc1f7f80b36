//! A parser for server-sent events (the `text/event-stream` format), fed whatever chunks the
//! network delivers. Only what the sync server sends matters here: `event:` and `data:` lines,
//! comments as keep-alives, a blank line ending each event.

/// One complete event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// `message` when the server named none.
    pub name: String,
    pub data: String,
}

/// The longest line kept; a longer one (a hostile or broken server) is cut, never buffered
/// without bound.
const MAX_LINE: usize = 64 * 1024;

#[derive(Debug, Default)]
pub struct Parser {
    line: Vec<u8>,
    name: Option<String>,
    data: Option<String>,
    /// The current line went past [`MAX_LINE`]; the rest of it is dropped.
    overlong: bool,
}

impl Parser {
    /// Takes the next chunk of the stream and returns the events it completed.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<Event> {
        let mut events = Vec::new();
        for &byte in chunk {
            if byte == b'\n' {
                let line = std::mem::take(&mut self.line);
                self.overlong = false;
                let line = line.strip_suffix(b"\r").unwrap_or(&line);
                events.extend(self.line_done(&String::from_utf8_lossy(line)));
            } else if self.line.len() < MAX_LINE {
                self.line.push(byte);
            } else {
                self.overlong = true;
            }
        }
        events
    }

    fn line_done(&mut self, line: &str) -> Option<Event> {
        if line.is_empty() {
            let data = self.data.take()?;
            let name = self.name.take().unwrap_or_else(|| "message".into());
            return Some(Event { name, data });
        }
        if line.starts_with(':') {
            return None;
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "event" => self.name = Some(value.to_owned()),
            "data" => {
                let data = self.data.get_or_insert_with(String::new);
                if !data.is_empty() {
                    data.push('\n');
                }
                if data.len() < MAX_LINE {
                    data.push_str(value);
                }
            }
            _ => {}
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_across_chunks_with_keep_alives() {
        let mut parser = Parser::default();
        assert!(parser.feed(b"event: revi").is_empty());
        assert!(parser.feed(b"sion\r\ndata: 4\r\n").is_empty());
        let events = parser.feed(b"\r\n:\n\ndata: 5\n\nevent: revision\ndata:6\n\n");
        assert_eq!(
            events,
            vec![
                Event { name: "revision".into(), data: "4".into() },
                Event { name: "message".into(), data: "5".into() },
                Event { name: "revision".into(), data: "6".into() },
            ]
        );
    }

    #[test]
    fn endless_lines_are_cut() {
        let mut parser = Parser::default();
        for _ in 0..100 {
            parser.feed(&[b'x'; 4096]);
        }
        assert!(parser.line.len() <= MAX_LINE);
        assert!(parser.feed(b"\n\ndata: 1\n\n").len() == 1);
    }
}
