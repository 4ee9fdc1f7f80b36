//! A practice made ready to run: its document validated, its rule compiled for each of its
//! languages, its globs built. Every mistake is reported with its position and the others go on.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use globset::{GlobSet, GlobSetBuilder};
use praxis_grammars::Language;
use regex::Regex;
use std::sync::LazyLock;

use crate::model::{PracticeDoc, Severity};
use crate::rule::{self, CompiledRule};
use crate::yaml::{self, Position, SpanMap, join_index, join_key};

/// A mistake in a practice: where it is and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PracticeError {
    /// The practice file, when the practice came from one.
    pub file: Option<PathBuf>,
    /// Line and column in that file (1-based), when known.
    pub position: Option<Position>,
    /// The practice id, when it could be read.
    pub practice: Option<String>,
    pub message: String,
}

impl fmt::Display for PracticeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_location(f, self.file.as_deref(), self.position)?;
        f.write_str(&self.message)
    }
}

/// Writes `file:line:column: ` (or as much of it as is known) before a message.
pub(crate) fn write_location(
    f: &mut fmt::Formatter<'_>,
    file: Option<&Path>,
    position: Option<Position>,
) -> fmt::Result {
    let Some(file) = file else { return Ok(()) };
    write!(f, "{}", file.display())?;
    if let Some(Position { line, column }) = position {
        write!(f, ":{line}:{column}")?;
    }
    f.write_str(": ")
}

impl std::error::Error for PracticeError {}

/// Where the examples of a practice are written, for reporting their failures.
#[derive(Debug, Clone, Default)]
struct ExamplePositions {
    bad: Vec<Position>,
    good: Vec<Position>,
}

/// A validated, compiled practice.
#[derive(Debug)]
pub struct Practice {
    pub doc: PracticeDoc,
    /// The effective severity: the document's, unless configuration overrides it.
    pub severity: Severity,
    pub file: Option<PathBuf>,
    pub(crate) rules: Vec<(&'static Language, CompiledRule)>,
    files: Option<GlobSet>,
    ignores: Option<GlobSet>,
    example_positions: ExamplePositions,
    pub(crate) id: Arc<str>,
}

static ID: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[a-z0-9]+(-[a-z0-9]+)*$").expect("valid regex"));

impl Practice {
    /// Reads a practice from YAML (or JSON) text. `file` is only used in error messages.
    pub fn from_yaml(text: &str, file: Option<&Path>) -> Result<Practice, Vec<PracticeError>> {
        let error = |position: Position, practice: Option<String>, message: String| PracticeError {
            file: file.map(Path::to_path_buf),
            position: Some(position),
            practice,
            message,
        };
        let (value, spans) = yaml::parse(text).map_err(|err| vec![error(err.position, None, err.message)])?;
        let id = value.get("id").and_then(|id| id.as_str()).map(str::to_owned);
        if !value.is_object() {
            return Err(vec![error(
                Position::START,
                None,
                "a practice is a map with id, name, languages and rule".into(),
            )]);
        }
        if let Some((path, message)) = misplaced_list(&value) {
            return Err(vec![error(spans.value(&path), id, format!("{path}: {message}"))]);
        }
        let doc: PracticeDoc = serde_path_to_error::deserialize(&value).map_err(|err| {
            let path = segments(err.path());
            let inner = err.into_inner().to_string();
            let (message, position) = describe_serde_error(&inner, &path, &spans);
            vec![error(position, id.clone(), message)]
        })?;
        Practice::compile(doc, file, Some(&spans))
    }

    /// Validates and compiles a practice document (from YAML or from the sync server's JSON).
    pub fn from_doc(doc: PracticeDoc) -> Result<Practice, Vec<PracticeError>> {
        Practice::compile(doc, None, None)
    }

    fn compile(doc: PracticeDoc, file: Option<&Path>, spans: Option<&SpanMap>) -> Result<Practice, Vec<PracticeError>> {
        let mut errors = Vec::new();
        let mut error = |path: &str, at_key: bool, message: String| {
            let position = spans.map(|spans| if at_key { spans.key(path) } else { spans.value(path) });
            let message = if spans.is_some() || path.is_empty() { message } else { format!("{path}: {message}") };
            errors.push(PracticeError {
                file: file.map(Path::to_path_buf),
                position,
                practice: Some(doc.id.clone()),
                message,
            });
        };

        if !ID.is_match(&doc.id) {
            error(
                "id",
                false,
                format!("id `{}` must be kebab-case: lower-case letters and digits joined by `-`", doc.id),
            );
        }
        if doc.name.trim().is_empty() || doc.name.contains('\n') {
            error("name", false, "name must be one non-empty line".into());
        }
        if doc.languages.is_empty() {
            error("languages", false, "languages must name at least one language".into());
        }
        let mut languages = Vec::new();
        for (index, name) in doc.languages.iter().enumerate() {
            match praxis_grammars::by_name(name) {
                Some(language) if !languages.contains(&language) => languages.push(language),
                Some(_) => {}
                None => error(&join_index("languages", index), false, unknown_language(name)),
            }
        }
        for (kind, examples) in [("bad", &doc.examples.bad), ("good", &doc.examples.good)] {
            for (index, example) in examples.iter().enumerate() {
                let Some(name) = &example.language else { continue };
                let path = join_key(&join_index(&join_key("examples", kind), index), "language");
                match praxis_grammars::by_name(name) {
                    None => error(&path, false, unknown_language(name)),
                    Some(language) if !languages.contains(&language) => {
                        error(&path, false, format!("`{name}` is not one of this practice's languages"))
                    }
                    Some(_) => {}
                }
            }
        }
        let files = build_globs(&doc.files, "files", &mut error);
        let ignores = build_globs(&doc.ignores, "ignores", &mut error);

        let mut rules = Vec::new();
        for language in &languages {
            match rule::compile(&doc.rule, &doc.utils, &doc.constraints, language, &languages) {
                Ok(compiled) => rules.push((*language, compiled)),
                Err(rule_errors) => {
                    for rule_error in rule_errors {
                        let message = if languages.len() > 1 && rule_error.message.contains(language.name) {
                            rule_error.message
                        } else if languages.len() > 1 {
                            format!("{} (in {})", rule_error.message, language.name)
                        } else {
                            rule_error.message
                        };
                        error(&rule_error.path, false, message);
                    }
                }
            }
        }
        if !errors.is_empty() {
            errors.dedup_by(|a, b| a.message == b.message && a.position == b.position);
            return Err(errors);
        }
        let example_positions = spans.map_or_else(ExamplePositions::default, |spans| ExamplePositions {
            bad: (0..doc.examples.bad.len())
                .map(|i| spans.value(&join_key(&join_index("examples.bad", i), "code")))
                .collect(),
            good: (0..doc.examples.good.len())
                .map(|i| spans.value(&join_key(&join_index("examples.good", i), "code")))
                .collect(),
        });
        Ok(Practice {
            id: doc.id.as_str().into(),
            severity: doc.severity,
            file: file.map(Path::to_path_buf),
            rules,
            files,
            ignores,
            example_positions,
            doc,
        })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// The message shown for a finding before metavariables are filled in.
    pub fn message_template(&self) -> &str {
        self.doc.message.as_deref().unwrap_or(&self.doc.name)
    }

    /// The languages the practice checks, in the order the document names them.
    pub fn languages(&self) -> impl Iterator<Item = &'static Language> + '_ {
        self.rules.iter().map(|(language, _)| *language)
    }

    pub(crate) fn rule_for(&self, language: &Language) -> Option<&CompiledRule> {
        self.rules.iter().find(|(lang, _)| *lang == language).map(|(_, rule)| rule)
    }

    /// Whether the practice's `files` and `ignores` globs let it check `path` (relative to the
    /// project root, `/`-separated). Without a path every practice applies.
    pub fn applies_to(&self, path: Option<&str>) -> bool {
        let Some(path) = path else { return true };
        self.files.as_ref().is_none_or(|files| files.is_match(path))
            && !self.ignores.as_ref().is_some_and(|ignores| ignores.is_match(path))
    }

    /// Whether the practice checks a document in `language` at `path` (relative to the project
    /// root): the language is one of the practice's and its globs let it check the path.
    pub fn checks(&self, language: &Language, path: Option<&str>) -> bool {
        self.rule_for(language).is_some() && self.applies_to(path)
    }

    /// Where an example's code starts in the practice file.
    pub(crate) fn example_position(&self, bad: bool, index: usize) -> Option<Position> {
        let positions = if bad { &self.example_positions.bad } else { &self.example_positions.good };
        positions.get(index).copied()
    }
}

fn unknown_language(name: &str) -> String {
    let known: Vec<&str> = praxis_grammars::all().map(|language| language.name).collect();
    format!("unknown language `{name}`; known languages: {}", known.join(", "))
}

fn build_globs(patterns: &[String], key: &str, error: &mut impl FnMut(&str, bool, String)) -> Option<GlobSet> {
    if patterns.is_empty() {
        return None;
    }
    let mut builder = GlobSetBuilder::new();
    for (index, pattern) in patterns.iter().enumerate() {
        // `*` stays within one folder and `**` crosses folders, as in .gitignore.
        match globset::GlobBuilder::new(pattern.trim_start_matches("./")).literal_separator(true).build() {
            Ok(glob) => {
                builder.add(glob);
            }
            Err(err) => error(&join_index(key, index), false, format!("invalid glob: {}", err.kind())),
        }
    }
    builder.build().ok()
}

/// Finds a list where a rule or an example must be a map. serde would read a list into a struct
/// field by field, turning `rule: [kind, call]` into a pattern `kind`.
fn misplaced_list(doc: &serde_json::Value) -> Option<(String, String)> {
    use serde_json::Value;
    fn rule(value: &Value, path: String) -> Option<(String, String)> {
        let map = match value {
            Value::Object(map) => map,
            Value::Array(_) => return Some((path, "a rule is a map, not a list".into())),
            _ => return None,
        };
        let nested = ["inside", "has", "follows", "precedes", "not", "stopBy"]
            .into_iter()
            .filter_map(|key| map.get(key).map(|value| (value, join_key(&path, key))));
        let of_rule = map
            .get("nthChild")
            .and_then(|nth| nth.get("ofRule"))
            .map(|value| (value, join_key(&path, "nthChild.ofRule")));
        let listed = ["all", "any"].into_iter().flat_map(|key| {
            let list = join_key(&path, key);
            map.get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
                .map(move |(i, item)| (item, join_index(&list, i)))
        });
        nested.chain(of_rule).chain(listed).find_map(|(value, path)| rule(value, path))
    }
    if let Some(found) = doc.get("rule").and_then(|value| rule(value, "rule".into())) {
        return Some(found);
    }
    for table in ["utils", "constraints"] {
        if let Some(Value::Object(entries)) = doc.get(table)
            && let Some(found) = entries.iter().find_map(|(name, value)| rule(value, join_key(table, name)))
        {
            return Some(found);
        }
    }
    for kind in ["bad", "good"] {
        if let Some(Value::Array(items)) = doc.get("examples").and_then(|examples| examples.get(kind)) {
            let list = join_key("examples", kind);
            if let Some(index) = items.iter().position(|item| !item.is_object()) {
                return Some((join_index(&list, index), "an example is a map with `code` (and `language`)".into()));
            }
        }
    }
    None
}

/// serde_path_to_error's path in the form [`SpanMap`] uses.
fn segments(path: &serde_path_to_error::Path) -> String {
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            serde_path_to_error::Segment::Seq { index } => out = join_index(&out, *index),
            serde_path_to_error::Segment::Map { key } => out = join_key(&out, key),
            serde_path_to_error::Segment::Enum { variant } => out = join_key(&out, variant),
            serde_path_to_error::Segment::Unknown => {}
        }
    }
    out
}

static UNKNOWN_FIELD: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^unknown field `([^`]*)`").expect("valid regex"));
static MISSING_FIELD: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^missing field `([^`]*)`").expect("valid regex"));

/// Turns serde's message into ours, and finds where it points.
fn describe_serde_error(message: &str, path: &str, spans: &SpanMap) -> (String, Position) {
    if let Some(caps) = UNKNOWN_FIELD.captures(message) {
        // serde_path_to_error's path already ends with the unknown key.
        let field = &caps[1];
        let expected =
            message.split_once(", expected ").map(|(_, rest)| format!("; expected {rest}")).unwrap_or_default();
        return (format!("unknown field `{field}`{expected}"), spans.key(path));
    }
    if let Some(caps) = MISSING_FIELD.captures(message) {
        if path.is_empty() {
            return (format!("missing field `{}`", &caps[1]), Position::START);
        }
        return (format!("missing field `{}` in `{path}`", &caps[1]), spans.value(path));
    }
    let place = if path.is_empty() { String::new() } else { format!("{path}: ") };
    (format!("{place}{message}"), spans.value(path))
}
