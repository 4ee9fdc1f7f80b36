//! A practice's examples are its tests: every `bad` example must produce a finding and every
//! `good` one none.

use std::fmt;
use std::path::PathBuf;

use crate::document::Document;
use crate::practice::Practice;
use crate::yaml::Position;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExampleKind {
    Bad,
    Good,
}

impl fmt::Display for ExampleKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ExampleKind::Bad => "bad",
            ExampleKind::Good => "good",
        })
    }
}

/// An example that did not do what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleFailure {
    pub practice: String,
    pub kind: ExampleKind,
    /// 1-based, in the order the document lists them.
    pub number: usize,
    pub language: &'static str,
    pub file: Option<PathBuf>,
    /// Where the example's code is in the practice file.
    pub position: Option<Position>,
    pub reason: String,
}

impl fmt::Display for ExampleFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        crate::practice::write_location(f, self.file.as_deref(), self.position)?;
        write!(f, "{}: {} example {} ({}) {}", self.practice, self.kind, self.number, self.language, self.reason)
    }
}

/// How a practice's examples went.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExampleResults {
    pub passed: usize,
    pub failures: Vec<ExampleFailure>,
}

impl Practice {
    /// Runs every example and says which failed and why.
    pub fn run_examples(&self) -> ExampleResults {
        let mut results = ExampleResults::default();
        let default_language = self.languages().next();
        for (kind, examples) in
            [(ExampleKind::Bad, &self.doc.examples.bad), (ExampleKind::Good, &self.doc.examples.good)]
        {
            for (index, example) in examples.iter().enumerate() {
                let language = example.language.as_deref().and_then(praxis_grammars::by_name).or(default_language);
                let Some(language) = language else { continue };
                let doc = Document::new(language, example.code.as_str());
                let reason = match (kind, self.check_alone(&doc)) {
                    (_, Err(panic)) => Some(format!("made the rule fail: {panic}")),
                    (ExampleKind::Bad, Ok(findings)) if findings.is_empty() => Some("produced no finding".to_owned()),
                    (ExampleKind::Good, Ok(findings)) if !findings.is_empty() => {
                        let first = &findings[0];
                        let text: String = example.code[first.range.clone()].chars().take(60).collect();
                        Some(format!("produced {} finding(s), first at `{}`", findings.len(), text.trim()))
                    }
                    _ => None,
                };
                match reason {
                    None => results.passed += 1,
                    Some(reason) => results.failures.push(ExampleFailure {
                        practice: self.id().to_owned(),
                        kind,
                        number: index + 1,
                        language: language.name,
                        file: self.file.clone(),
                        position: self.example_position(kind == ExampleKind::Bad, index),
                        reason,
                    }),
                }
            }
        }
        results
    }
}
