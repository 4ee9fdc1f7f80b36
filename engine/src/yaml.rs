//! Reading practice documents (YAML, and JSON as its subset) into a JSON value while remembering
//! where every key and value came from, so that each later mistake can name a line and column.
//!
//! Plain scalars stay strings (only `null`, `~` and empty become null): practices are mostly
//! code and prose, and `code: 42` or `name: yes` must not turn into a number or a boolean. The
//! few numeric fields accept numbers written either way.
//!
//! Any repository can ship a practice file, so reading one is bounded: its size, how deep it
//! nests, and how many values it holds once aliases are expanded (a few hundred bytes of
//! anchors can otherwise stand for billions of values). Events are pulled one at a time, so
//! depth costs no stack.

use std::collections::HashMap;

use serde_json::{Map, Value};
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// A 1-based line and column (columns count characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

impl Position {
    pub(crate) const START: Position = Position { line: 1, column: 1 };

    fn from_marker(marker: &Marker) -> Position {
        Position { line: marker.line() as u32, column: marker.col() as u32 + 1 }
    }
}

/// Where a value sits in its document: the value itself, and the key that introduced it.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Span {
    pub key: Option<Position>,
    pub value: Position,
    /// A list or a map: mistakes in it as a whole are shown at its key.
    pub container: bool,
}

/// The positions of every value, by its path (`rule.all[1].pattern`).
#[derive(Debug, Default)]
pub(crate) struct SpanMap {
    spans: HashMap<String, Span>,
}

impl SpanMap {
    /// The position of the value at `path`, or of its nearest ancestor that has one. A list
    /// or map that is a key's value is shown at its key.
    pub fn value(&self, path: &str) -> Position {
        self.lookup(path).map_or(Position::START, |span| match span.key {
            Some(key) if span.container => key,
            _ => span.value,
        })
    }

    /// The position of the key that introduced `path`, else of its value.
    pub fn key(&self, path: &str) -> Position {
        self.lookup(path).map_or(Position::START, |span| span.key.unwrap_or(span.value))
    }

    fn lookup(&self, mut path: &str) -> Option<&Span> {
        loop {
            if let Some(span) = self.spans.get(path) {
                return Some(span);
            }
            let cut = path.rfind(['.', '['])?;
            path = &path[..cut];
        }
    }
}

/// Joins a path and a map key the way [`SpanMap`] expects.
pub(crate) fn join_key(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") }
}

/// Joins a path and a sequence index the way [`SpanMap`] expects.
pub(crate) fn join_index(path: &str, index: usize) -> String {
    format!("{path}[{index}]")
}

/// A document that could not be read as YAML.
#[derive(Debug)]
pub(crate) struct SyntaxError {
    pub position: Position,
    pub message: String,
}

/// The largest practice document read, in bytes.
pub const MAX_BYTES: usize = 1024 * 1024;
/// The deepest nesting of lists and maps read.
pub const MAX_DEPTH: usize = 64;
/// The most values a document may hold, aliases expanded.
pub const MAX_VALUES: usize = 100_000;

/// Parses one YAML document into a JSON value and the position of each of its parts.
pub(crate) fn parse(text: &str) -> Result<(Value, SpanMap), SyntaxError> {
    if text.len() > MAX_BYTES {
        return Err(SyntaxError {
            position: Position::START,
            message: format!("the document is larger than {} KiB", MAX_BYTES / 1024),
        });
    }
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(text);
    loop {
        let (event, marker) = parser.next_token().map_err(|err| {
            // The scanner has a nesting limit of its own for `[` and `{`, reached while it looks
            // ahead, before the depth of the events is.
            let message = match err.info() {
                "recursion limit exceeded" => too_deep(),
                info => info.to_owned(),
            };
            SyntaxError { position: Position::from_marker(err.marker()), message }
        })?;
        if event == Event::StreamEnd {
            break;
        }
        builder.on_event(event, marker);
        if builder.error.is_some() {
            break;
        }
    }
    if let Some(error) = builder.error {
        return Err(error);
    }
    match builder.documents.len() {
        0 => Err(SyntaxError { position: Position::START, message: "the file is empty".into() }),
        1 => Ok((builder.documents.pop().unwrap_or(Value::Null), builder.spans)),
        _ => Err(SyntaxError {
            position: builder.second_document.unwrap_or(Position::START),
            message: "one practice per file: found a second YAML document".into(),
        }),
    }
}

/// A container being built, with the path it will be stored at.
enum Frame {
    Sequence { path: String, items: Vec<Value>, anchor: usize },
    Mapping { path: String, map: Map<String, Value>, pending_key: Option<(String, Position)>, anchor: usize },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    documents: Vec<Value>,
    /// Anchored values, with how many values each holds.
    anchors: HashMap<usize, (Value, usize)>,
    spans: SpanMap,
    error: Option<SyntaxError>,
    second_document: Option<Position>,
    /// Values read so far, aliases expanded, and where each open container's count started.
    values: usize,
    starts: Vec<usize>,
}

impl Builder {
    /// The path of the next value, and the key position if it is a map value.
    fn next_path(&self) -> (String, Option<Position>) {
        match self.stack.last() {
            None => (String::new(), None),
            Some(Frame::Sequence { path, items, .. }) => (join_index(path, items.len()), None),
            Some(Frame::Mapping { path, pending_key: Some((key, at)), .. }) => (join_key(path, key), Some(*at)),
            // A key is being read; its path does not matter.
            Some(Frame::Mapping { path, .. }) => (path.clone(), None),
        }
    }

    fn fail(&mut self, position: Position, message: String) {
        if self.error.is_none() {
            self.error = Some(SyntaxError { position, message });
        }
    }

    /// Stores a finished value in its parent, or as a document.
    fn push_value(&mut self, value: Value, position: Position) {
        match self.stack.last_mut() {
            None => self.documents.push(value),
            Some(Frame::Sequence { items, .. }) => items.push(value),
            Some(Frame::Mapping { map, pending_key, .. }) => match pending_key.take() {
                Some((key, _)) => {
                    map.insert(key, value);
                }
                None => {
                    let key = match value {
                        Value::String(key) => key,
                        Value::Null => String::new(),
                        other => other.to_string(),
                    };
                    if map.contains_key(&key) {
                        self.fail(position, format!("duplicate key `{key}`"));
                    }
                    if let Some(Frame::Mapping { path, pending_key, .. }) = self.stack.last_mut() {
                        *pending_key = Some((key, position));
                        // A block map's start mark sits after its first key; the key is where
                        // the map really starts.
                        if let Some(span) = self.spans.spans.get_mut(path.as_str()) {
                            span.value = span.value.min(position);
                        }
                    }
                }
            },
        }
    }

    fn is_reading_key(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Mapping { pending_key: None, .. }))
    }

    /// Counts `count` more values; false (with the error set) past [`MAX_VALUES`].
    fn count(&mut self, count: usize, position: Position, alias: bool) -> bool {
        self.values = self.values.saturating_add(count);
        if self.values <= MAX_VALUES {
            return true;
        }
        let why = if alias { ", counting what its aliases repeat" } else { "" };
        self.fail(position, format!("the document holds more than {MAX_VALUES} values{why}"));
        false
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, event: Event, marker: Marker) {
        let position = Position::from_marker(&marker);
        match event {
            Event::DocumentStart if !self.documents.is_empty() => {
                self.second_document.get_or_insert(position);
            }
            Event::Scalar(text, style, anchor, _tag) => {
                if !self.count(1, position, false) {
                    return;
                }
                let value =
                    if style == TScalarStyle::Plain && is_null(&text) { Value::Null } else { Value::String(text) };
                if !self.is_reading_key() {
                    let (path, key) = self.next_path();
                    self.spans.spans.insert(path, Span { key, value: position, container: false });
                }
                if anchor > 0 {
                    self.anchors.insert(anchor, (value.clone(), 1));
                }
                self.push_value(value, position);
            }
            Event::Alias(anchor) => {
                let (value, count) = self.anchors.get(&anchor).cloned().unwrap_or((Value::Null, 1));
                // Counted before the value is used: a billion laughs stops at its first
                // expensive alias, not after building it.
                if !self.count(count, position, true) {
                    return;
                }
                if !self.is_reading_key() {
                    let (path, key) = self.next_path();
                    self.spans.spans.insert(path, Span { key, value: position, container: false });
                }
                self.push_value(value, position);
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if self.is_reading_key() {
                    self.fail(position, "a key must be a plain value, not a list or a map".into());
                }
                if self.stack.len() >= MAX_DEPTH {
                    self.fail(position, too_deep());
                    return;
                }
                if !self.count(1, position, false) {
                    return;
                }
                self.starts.push(self.values);
                let (path, key) = self.next_path();
                self.spans.spans.insert(path.clone(), Span { key, value: position, container: true });
                self.stack.push(if matches!(event, Event::SequenceStart(..)) {
                    Frame::Sequence { path, items: Vec::new(), anchor }
                } else {
                    Frame::Mapping { path, map: Map::new(), pending_key: None, anchor }
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (value, anchor) = match self.stack.pop() {
                    Some(Frame::Sequence { items, anchor, .. }) => (Value::Array(items), anchor),
                    Some(Frame::Mapping { map, anchor, .. }) => (Value::Object(map), anchor),
                    None => return,
                };
                let start = self.starts.pop().unwrap_or(self.values);
                if anchor > 0 {
                    self.anchors.insert(anchor, (value.clone(), self.values - start + 1));
                }
                self.push_value(value, position);
            }
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentStart | Event::DocumentEnd => {}
        }
    }
}

fn too_deep() -> String {
    format!("lists and maps nest deeper than {MAX_DEPTH} levels")
}

fn is_null(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_positions() {
        let text = "id: a\nrule:\n  all:\n    - pattern: foo($A)\n    - kind: call\ncount: 3\nnone: ~\n";
        let (value, spans) = parse(text).unwrap();
        assert_eq!(value["rule"]["all"][1]["kind"], "call");
        assert_eq!(value["count"], "3", "plain scalars stay strings");
        assert_eq!(value["none"], Value::Null);
        assert_eq!(spans.value("rule.all[0].pattern"), Position { line: 4, column: 16 });
        assert_eq!(spans.key("rule.all[1].kind"), Position { line: 5, column: 7 });
        assert_eq!(spans.value("rule.all[1]"), Position { line: 5, column: 7 });
        assert_eq!(spans.value("rule"), Position { line: 2, column: 1 });
        // Unknown paths fall back to the nearest ancestor.
        assert_eq!(spans.value("rule.all[0].pattern.selector"), Position { line: 4, column: 16 });
    }

    #[test]
    fn syntax_errors_have_positions() {
        let err = parse("id: a\nrule: [unclosed\n").unwrap_err();
        assert_eq!(err.position.line, 3);
        let err = parse("id: a\nid: b\n").unwrap_err();
        assert_eq!((err.position, err.message.as_str()), (Position { line: 2, column: 1 }, "duplicate key `id`"));
        let err = parse("id: a\n---\nid: b\n").unwrap_err();
        assert!(err.message.contains("one practice per file"), "{}", err.message);
        assert!(parse("").is_err());
    }

    #[test]
    fn json_is_yaml() {
        let (value, spans) = parse("{\"id\": \"a\",\n \"tags\": [\"x\"]}").unwrap();
        assert_eq!(value["tags"][0], "x");
        assert_eq!(spans.value("tags[0]").line, 2);
    }

    #[test]
    fn hostile_documents_are_refused_with_a_position() {
        // Billion laughs: nine levels of nine aliases, 555 bytes.
        let mut bomb = String::from("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (name, previous) in
            ["b", "c", "d", "e", "f", "g", "h", "i"].iter().zip(["a", "b", "c", "d", "e", "f", "g", "h"])
        {
            bomb.push_str(&format!("{name}: &{name} [{}]\n", vec![format!("*{previous}"); 9].join(", ")));
        }
        assert!(bomb.len() < 600, "{}", bomb.len());
        let err = parse(&bomb).unwrap_err();
        assert!(err.message.contains("aliases repeat"), "{}", err.message);
        assert_eq!(err.position.line, 6, "at the first alias past the limit");

        for deep in ["- ".repeat(40_000) + "x", "[".repeat(40_000), "{a: ".repeat(40_000)] {
            let err = parse(&deep).unwrap_err();
            assert!(err.message.contains("nest deeper than 64"), "{}", err.message);
            assert_eq!(err.position.line, 1);
        }
        let wide = format!("rule: [{}]", vec!["x"; MAX_VALUES + 1].join(", "));
        assert!(parse(&wide).unwrap_err().message.contains("more than 100000 values"));
        let big = format!("name: '{}'", "x".repeat(MAX_BYTES));
        assert!(parse(&big).unwrap_err().message.contains("larger than 1024 KiB"));
        // Below every limit, anchors still work.
        let (value, _) = parse(&("- ".repeat(MAX_DEPTH - 1) + "x")).unwrap();
        assert!(value.is_array());
    }

    #[test]
    fn anchors_and_aliases() {
        let (value, _) = parse("a: &x {kind: call}\nb: *x\n").unwrap();
        assert_eq!(value["b"]["kind"], "call");
    }
}
