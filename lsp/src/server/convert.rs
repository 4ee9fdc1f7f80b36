//! The one place where the engine's byte offsets meet LSP positions (UTF-8 or UTF-16 columns)
//! and findings become diagnostics.

use std::borrow::Cow;
use std::ops::Range;

use praxis_engine::{Document, Finding, LineIndex, Practice, Severity, UNUSED_IGNORE};
use tower_lsp_server::ls_types::{
    CodeDescription, Diagnostic, DiagnosticSeverity, DiagnosticTag, NumberOrString, Position, Range as LspRange, Uri,
};

/// How the client counts columns, as negotiated in `initialize`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    Utf8,
    #[default]
    Utf16,
}

/// A text and its line starts, for converting positions both ways.
pub struct Positions<'a> {
    text: &'a str,
    lines: Cow<'a, LineIndex>,
    encoding: Encoding,
}

impl<'a> Positions<'a> {
    /// For a text without a document: its lines are counted here.
    pub fn new(text: &'a str, encoding: Encoding) -> Self {
        Positions { text, lines: Cow::Owned(LineIndex::new(text)), encoding }
    }

    /// For a document, whose line index is kept up to date by its edits: nothing is counted.
    pub fn of(doc: &'a Document, encoding: Encoding) -> Self {
        Positions { text: doc.text(), lines: Cow::Borrowed(doc.lines()), encoding }
    }

    /// The LSP position of a byte offset.
    pub fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        let (line, start) = self.lines.line_of(offset);
        let prefix = &self.text[start..offset];
        let character = match self.encoding {
            Encoding::Utf8 => prefix.len(),
            Encoding::Utf16 => prefix.encode_utf16().count(),
        };
        Position::new(line as u32, character as u32)
    }

    /// The 1-based line of a byte offset.
    pub fn line(&self, offset: usize) -> usize {
        self.lines.line_of(offset.min(self.text.len())).0 + 1
    }

    pub fn range(&self, range: &Range<usize>) -> LspRange {
        LspRange::new(self.position(range.start), self.position(range.end))
    }

    /// The byte offset of an LSP position, clamped to the text: past the end of a line is its
    /// end, past the last line is the end of the text, inside a character is its start.
    pub fn offset(&self, position: Position) -> usize {
        let Some(start) = self.lines.line_start(position.line as usize) else { return self.text.len() };
        let end = self.lines.line_start(position.line as usize + 1).unwrap_or(self.text.len());
        let line = &self.text[start..end];
        let line = line.strip_suffix('\n').unwrap_or(line);
        let line = line.strip_suffix('\r').unwrap_or(line);
        let wanted = position.character as usize;
        let mut units = 0;
        for (at, c) in line.char_indices() {
            if units >= wanted {
                return start + at;
            }
            units += match self.encoding {
                Encoding::Utf8 => c.len_utf8(),
                Encoding::Utf16 => c.len_utf16(),
            };
            if units > wanted {
                return start + at;
            }
        }
        start + line.len()
    }

    pub fn byte_range(&self, range: LspRange) -> Range<usize> {
        let start = self.offset(range.start);
        start..self.offset(range.end).max(start)
    }
}

fn severity(severity: Severity) -> DiagnosticSeverity {
    match severity {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
        Severity::Hint => DiagnosticSeverity::HINT,
    }
}

/// A finding as a diagnostic. `practice` gives the link, when the finding has one.
pub fn diagnostic(finding: &Finding, practice: Option<&Practice>, positions: &Positions<'_>) -> Diagnostic {
    let href = practice.and_then(|practice| practice.doc.url.as_deref()).and_then(|url| url.parse::<Uri>().ok());
    let mut diagnostic = Diagnostic {
        range: positions.range(&finding.range),
        severity: Some(severity(finding.severity)),
        code: Some(NumberOrString::String(finding.practice.to_string())),
        code_description: href.map(|href| CodeDescription { href }),
        source: Some("praxis".into()),
        message: finding.message.clone(),
        ..Diagnostic::default()
    };
    if &*finding.practice == UNUSED_IGNORE {
        diagnostic.tags = Some(vec![DiagnosticTag::UNNECESSARY]);
    }
    if let Some(fix) = &finding.fix {
        diagnostic.data = Some(serde_json::json!({"fix": fix.replacement}));
    }
    diagnostic
}

/// A message at a 1-based line and column of a practice file, as a diagnostic.
pub fn practice_diagnostic(
    line: u32,
    column: u32,
    message: String,
    severity_level: DiagnosticSeverity,
    positions: &Positions<'_>,
) -> Diagnostic {
    // Columns in practice errors count characters; find the byte offset of that character.
    let line_index = line.saturating_sub(1) as usize;
    let start = positions.lines.line_start(line_index).unwrap_or(positions.text.len());
    let rest = &positions.text[start..];
    let line_text = rest.split('\n').next().unwrap_or("");
    let at = line_text.char_indices().nth(column.saturating_sub(1) as usize).map_or(line_text.len(), |(at, _)| at);
    let end = line_text[at..].find(char::is_whitespace).map_or(line_text.len(), |len| at + len).max(at + 1);
    let range = start + at..(start + end).min(start + line_text.len()).max(start + at);
    Diagnostic {
        range: positions.range(&range),
        severity: Some(severity_level),
        source: Some("praxis".into()),
        message,
        ..Diagnostic::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_and_utf8_columns() {
        let text = "a😀b\nсв x\n";
        let utf16 = Positions::new(text, Encoding::Utf16);
        let b = text.find('b').unwrap();
        assert_eq!(utf16.position(b), Position::new(0, 3));
        assert_eq!(utf16.offset(Position::new(0, 3)), b);
        // Inside the surrogate pair: the start of the emoji.
        assert_eq!(utf16.offset(Position::new(0, 2)), 1);
        let utf8 = Positions::new(text, Encoding::Utf8);
        assert_eq!(utf8.position(b), Position::new(0, 5));
        let x = text.find('x').unwrap();
        assert_eq!(utf8.position(x), Position::new(1, 5));
        assert_eq!(utf16.position(x), Position::new(1, 3));
        // Past the end of a line, and past the last line.
        assert_eq!(utf16.offset(Position::new(0, 99)), b + 1);
        assert_eq!(utf16.offset(Position::new(9, 0)), text.len());
    }
}
