//! Reading practice documents (YAML, and JSON as its subset) into a JSON value while remembering
//! where every key and value came from, so that each later mistake can name a line and column.
//!
//! Plain scalars stay strings (only `null`, `~` and empty become null): practices are mostly
//! code and prose, and `code: 42` or `name: yes` must not turn into a number or a boolean. The
//! few numeric fields accept numbers written either way.

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

/// Parses one YAML document into a JSON value and the position of each of its parts.
pub(crate) fn parse(text: &str) -> Result<(Value, SpanMap), SyntaxError> {
    let mut builder = Builder::default();
    Parser::new_from_str(text)
        .load(&mut builder, true)
        .map_err(|err| SyntaxError { position: Position::from_marker(err.marker()), message: err.info().to_owned() })?;
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
    anchors: HashMap<usize, Value>,
    spans: SpanMap,
    error: Option<SyntaxError>,
    second_document: Option<Position>,
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
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, event: Event, marker: Marker) {
        let position = Position::from_marker(&marker);
        match event {
            Event::DocumentStart if !self.documents.is_empty() => {
                self.second_document.get_or_insert(position);
            }
            Event::Scalar(text, style, anchor, _tag) => {
                let value =
                    if style == TScalarStyle::Plain && is_null(&text) { Value::Null } else { Value::String(text) };
                if !self.is_reading_key() {
                    let (path, key) = self.next_path();
                    self.spans.spans.insert(path, Span { key, value: position, container: false });
                }
                if anchor > 0 {
                    self.anchors.insert(anchor, value.clone());
                }
                self.push_value(value, position);
            }
            Event::Alias(anchor) => {
                let value = self.anchors.get(&anchor).cloned().unwrap_or(Value::Null);
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
                if anchor > 0 {
                    self.anchors.insert(anchor, value.clone());
                }
                self.push_value(value, position);
            }
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentStart | Event::DocumentEnd => {}
        }
    }
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
    fn anchors_and_aliases() {
        let (value, _) = parse("a: &x {kind: call}\nb: *x\n").unwrap();
        assert_eq!(value["b"]["kind"], "call");
    }
}
