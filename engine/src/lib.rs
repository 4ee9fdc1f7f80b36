//! The Praxis detection engine: what a practice is, how its rule matches a syntax tree, how
//! suppressions and fixes work, and how a practice's examples are run.
//!
//! The engine takes text and practices and returns findings with byte ranges. It does no I/O,
//! no async and no logging, and knows nothing of LSP: positions for editors and terminals are
//! computed by its callers (see [`LineIndex`]).

mod check;
mod document;
mod draft;
mod env;
mod examples;
mod grammar;
pub mod model;
mod pattern;
mod practice;
mod rule;
pub mod schema;
mod suppress;
mod yaml;

pub use check::{
    Finding, Fix, PracticeFailure, PracticeSet, Report, Suppressed, UNUSED_IGNORE, apply_suppressions, suppression_edit,
};
pub use document::{Document, LineIndex};
pub use draft::{Draft, draft_pattern};
pub use examples::{ExampleFailure, ExampleKind, ExampleResults};
pub use model::{PracticeDoc, Severity};
pub use practice::{Practice, PracticeError};
pub use yaml::Position;
