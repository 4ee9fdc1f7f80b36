//! Turning findings into what people and tools read: the one place where byte ranges become
//! lines and columns for the command line, and the four output formats.

mod github;
mod human;
mod json;
mod sarif;

use std::io::Write;

use praxis_engine::{Finding, LineIndex, PracticeError, PracticeSet, Severity};

use crate::cli::Format;

/// A 1-based line and column; columns count Unicode scalar values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

/// A finding placed in a file.
#[derive(Debug, Clone)]
pub struct Located {
    pub path: String,
    pub start: LineCol,
    pub end: LineCol,
    pub practice: String,
    pub severity: Severity,
    pub message: String,
    pub fix: Option<PlacedFix>,
    /// The text of the finding's first line, for snippets (human output only).
    pub line_text: String,
    /// A hash of the matched text without its whitespace: what a baseline and a review
    /// recognise a finding by when the lines around it move.
    pub text_hash: u64,
}

/// A finding's fix: its replacement and the range it replaces (not always the finding's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedFix {
    pub start: LineCol,
    pub end: LineCol,
    pub replacement: String,
}

impl Located {
    /// Places `finding`; `snippet` keeps the text of its line for human output.
    pub fn new(path: &str, text: &str, lines: &LineIndex, finding: Finding, snippet: bool) -> Located {
        let place = |offset: usize| {
            let (line, start) = lines.line_of(offset);
            LineCol { line: line + 1, column: text[start..offset].chars().count() + 1 }
        };
        let (line, line_start) = lines.line_of(finding.range.start);
        let line_end = lines.line_start(line + 1).unwrap_or(text.len());
        Located {
            path: path.to_owned(),
            start: place(finding.range.start),
            end: place(finding.range.end),
            practice: finding.practice.to_string(),
            severity: finding.severity,
            message: finding.message,
            fix: finding.fix.map(|fix| PlacedFix {
                start: place(fix.range.start),
                end: place(fix.range.end),
                replacement: fix.replacement,
            }),
            text_hash: text_hash(&text[finding.range.clone()]),
            line_text: if snippet {
                text[line_start..line_end].trim_end_matches(['\n', '\r']).to_owned()
            } else {
                String::new()
            },
        }
    }

    /// The order DESIGN.md fixes: path, position, practice.
    pub fn sort_key(&self) -> (&str, LineCol, LineCol, &str) {
        (&self.path, self.start, self.end, &self.practice)
    }
}

/// The first 64 bits of the SHA-256 of `text` without its whitespace, so that reformatting
/// does not change it. Stored in baselines and review comments: it must never change.
pub fn text_hash(text: &str) -> u64 {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for word in text.split_whitespace() {
        hasher.update(word.as_bytes());
    }
    let digest = hasher.finalize();
    u64::from_be_bytes(digest[..8].try_into().unwrap_or_default())
}

/// `1 file`, `2 files`.
pub fn plural(count: usize, one: &str, many: &str) -> String {
    if count == 1 { format!("1 {one}") } else { format!("{count} {many}") }
}

/// Everything one `praxis check` produced.
pub struct CheckReport<'a> {
    pub findings: &'a [Located],
    pub errors: &'a [PracticeError],
    pub files: usize,
    pub practices: &'a PracticeSet,
}

pub fn write(format: Format, report: &CheckReport<'_>, out: &mut impl Write) -> std::io::Result<()> {
    match format {
        Format::Human => human::write(report, out),
        Format::Json => json::write(report, out),
        Format::Sarif => sarif::write(report, out),
        Format::Github => github::write(report, out),
    }
}

/// A practice error as DESIGN.md's JSON `errors` entries and SARIF notifications show it.
pub fn error_json(error: &PracticeError) -> serde_json::Value {
    let mut value = serde_json::json!({ "message": error.message });
    if let Some(file) = &error.file {
        value["path"] = crate::files::relative(file, &std::env::current_dir().unwrap_or_default()).into();
    }
    if let Some(position) = error.position {
        value["start"] = serde_json::json!({"line": position.line, "column": position.column});
    }
    if let Some(practice) = &error.practice {
        value["practice"] = practice.as_str().into();
    }
    value
}

/// Writes one error line to stderr: `error: message`.
#[allow(clippy::print_stderr)]
pub fn error_line(message: &str) {
    eprintln!("error: {message}");
}

/// Writes one warning line to stderr: `warning: message`.
#[allow(clippy::print_stderr)]
pub fn warning_line(message: &str) {
    eprintln!("warning: {message}");
}

/// Writes one informational line to stderr: `note: message`.
#[allow(clippy::print_stderr)]
pub fn note_line(message: &str) {
    eprintln!("note: {message}");
}
