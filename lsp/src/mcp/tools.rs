//! What each tool does, apart from the protocol: its arguments (their doc comments are the JSON
//! Schema descriptions the agent reads) and its answer, compact JSON with stable keys. A tool
//! that cannot do what it was asked returns one line saying why, which the agent gets as a tool
//! error.

use std::path::Path;

use praxis_engine::{Document, ExampleKind, LineIndex, Practice, Report};
use praxis_grammars::Language;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::in_force::InForce;
use crate::report::Located;

/// The most code `check_code` takes: more is a file, which `check_file` reads.
pub const MAX_CODE_BYTES: usize = 1024 * 1024;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListArgs {
    /// A file (relative to the project root, or absolute inside it; it need not exist): only the
    /// practices that check it are listed, by its language and the practices' `files` and
    /// `ignores` globs.
    #[serde(default)]
    pub path: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExplainArgs {
    /// The practice id, as `list_practices` and every finding give it.
    pub id: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckFileArgs {
    /// The file, relative to the project root or absolute inside it.
    pub path: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckCodeArgs {
    /// The code to check (at most 1 MiB).
    pub code: String,
    /// Its language: a name or alias such as `typescript`, `ts`, `python` or `go`. Without it,
    /// the extension of `path` decides.
    #[serde(default)]
    pub language: Option<String>,
    /// Where the code is or will be, relative to the project root: the practices' `files` and
    /// `ignores` globs are matched against it, and its extension gives the language when
    /// `language` is not given. The file need not exist.
    #[serde(default)]
    pub path: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestArgs {
    /// A whole practice file in YAML (or JSON): id, name, languages, rule, examples, … as in
    /// `.praxis/practices/*.yaml`.
    pub yaml: String,
}

/// A practice in a listing.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Listed<'a> {
    id: &'a str,
    name: &'a str,
    severity: &'static str,
    languages: Vec<&'static str>,
    /// The description's first paragraph.
    description: String,
    has_fix: bool,
}

/// `list_practices`: the practices in force, or those that check `path`.
pub fn list_practices(in_force: &InForce, args: ListArgs) -> Result<String, String> {
    let practices = in_force.loaded.set.practices();
    let listed: Vec<Listed<'_>> = match args.path {
        None => practices.iter().map(listed).collect(),
        Some(path) => {
            let relative = in_force.root.relative(&path)?;
            match praxis_grammars::by_path(Path::new(&relative)) {
                Some(language) => {
                    practices.iter().filter(|practice| practice.checks(language, Some(&relative))).map(listed).collect()
                }
                None => Vec::new(),
            }
        }
    };
    json(&listed)
}

fn listed(practice: &Practice) -> Listed<'_> {
    let doc = &practice.doc;
    Listed {
        id: practice.id(),
        name: &doc.name,
        severity: practice.severity.as_str(),
        languages: practice.languages().map(|language| language.name).collect(),
        description: first_paragraph(&doc.description),
        has_fix: doc.fix.is_some(),
    }
}

/// The text up to the first blank line, on one line.
fn first_paragraph(text: &str) -> String {
    let lines = text.trim_start().lines().take_while(|line| !line.trim().is_empty());
    lines.map(str::trim).collect::<Vec<_>>().join(" ")
}

/// A practice explained.
#[derive(Serialize)]
struct Explained<'a> {
    id: &'a str,
    name: &'a str,
    severity: &'static str,
    languages: Vec<&'static str>,
    description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    examples: ExplainedExamples<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<&'a str>,
}

#[derive(Serialize)]
struct ExplainedExamples<'a> {
    bad: Vec<ExplainedExample<'a>>,
    good: Vec<ExplainedExample<'a>>,
}

#[derive(Serialize)]
struct ExplainedExample<'a> {
    language: &'static str,
    code: &'a str,
}

/// `explain_practice`: everything an agent needs to follow one practice.
pub fn explain_practice(in_force: &InForce, args: ExplainArgs) -> Result<String, String> {
    let loaded = &in_force.loaded;
    let id = args.id.trim();
    let Some(practice) = loaded.set.get(id) else {
        if let Some(error) = loaded.errors.iter().find(|error| error.practice.as_deref() == Some(id)) {
            return Err(format!("practice `{id}` has errors: {error}"));
        }
        let known: Vec<&str> = loaded.set.practices().iter().map(Practice::id).collect();
        return Err(format!("unknown practice `{id}`; known practices: {}", known.join(", ")));
    };
    let doc = &practice.doc;
    let first_language = practice.languages().next().map_or("", |language| language.name);
    let examples = |list| explained_examples(list, first_language);
    json(&Explained {
        id: practice.id(),
        name: &doc.name,
        severity: practice.severity.as_str(),
        languages: practice.languages().map(|language| language.name).collect(),
        description: doc.description.trim_end(),
        url: doc.url.as_deref(),
        examples: ExplainedExamples { bad: examples(&doc.examples.bad), good: examples(&doc.examples.good) },
        fix: doc.fix.as_deref(),
    })
}

/// Examples with their language: their own, else the practice's first.
fn explained_examples<'a>(
    examples: &'a [praxis_engine::model::Example],
    first_language: &'static str,
) -> Vec<ExplainedExample<'a>> {
    examples
        .iter()
        .map(|example| ExplainedExample {
            language: (example.language.as_deref().and_then(praxis_grammars::by_name))
                .map_or(first_language, |language| language.name),
            code: &example.code,
        })
        .collect()
}

/// What checking one text produced.
#[derive(Serialize)]
struct Checked<'a> {
    findings: Vec<CheckedFinding<'a>>,
    /// Practice errors (as in `praxis check --format json`), and practices that failed on this
    /// text.
    errors: Vec<serde_json::Value>,
}

/// A finding, 1-based, columns in Unicode scalar values, as `praxis check --format json` has it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CheckedFinding<'a> {
    practice: &'a str,
    severity: &'static str,
    message: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<&'a str>,
}

/// `check_file`: the findings of a file of the project as it is on disk.
pub fn check_file(in_force: &InForce, args: CheckFileArgs) -> Result<String, String> {
    let file = in_force.root.existing_file(&args.path)?;
    let Some(language) = praxis_grammars::by_path(Path::new(&file.relative)) else {
        return Err(format!("`{}`: no supported language for this file", args.path));
    };
    let text = crate::files::read(&file.real).map_err(|reason| format!("`{}`: {reason}", args.path))?;
    check(in_force, language, text, Some(&file.relative))
}

/// `check_code`: the findings of code that is not on disk (yet).
pub fn check_code(in_force: &InForce, args: CheckCodeArgs) -> Result<String, String> {
    if args.code.len() > MAX_CODE_BYTES {
        return Err(format!(
            "`code` is {} KiB, more than the {} KiB this tool takes; write the file and use check_file",
            args.code.len() / 1024,
            MAX_CODE_BYTES / 1024
        ));
    }
    let relative = args.path.as_deref().map(|path| in_force.root.relative(path)).transpose()?;
    let language = match (&args.language, &relative) {
        (Some(name), _) => praxis_grammars::by_name(name.trim()).ok_or_else(|| {
            let known: Vec<&str> = praxis_grammars::all().map(|language| language.name).collect();
            format!("unknown language `{name}`; known languages: {}", known.join(", "))
        })?,
        (None, Some(relative)) => praxis_grammars::by_path(Path::new(&relative))
            .ok_or_else(|| format!("no supported language for `{relative}`; give `language`"))?,
        (None, None) => return Err("give `language` (a name or alias) or `path` (its extension decides)".into()),
    };
    check(in_force, language, args.code, relative.as_deref())
}

/// Checks `text` as a file at `path` (relative to the project root) would be checked.
fn check(in_force: &InForce, language: &'static Language, text: String, path: Option<&str>) -> Result<String, String> {
    let loaded = &in_force.loaded;
    let doc = Document::new(language, text);
    let Report { mut findings, failures, .. } = loaded.set.check(&doc, path);
    loaded.adjust_unused_ignore(&mut findings);
    let lines = LineIndex::new(doc.text());
    let located: Vec<Located> = findings
        .into_iter()
        .map(|finding| Located::new(path.unwrap_or_default(), doc.text(), &lines, finding, false))
        .collect();
    let mut errors: Vec<serde_json::Value> = loaded.errors.iter().map(crate::report::error_json).collect();
    errors.extend(failures.iter().map(|failure| {
        serde_json::json!({
            "practice": &*failure.practice,
            "message": format!("practice `{}` failed and was skipped: {}", failure.practice, failure.message),
        })
    }));
    json(&Checked {
        findings: located
            .iter()
            .map(|finding| CheckedFinding {
                practice: &finding.practice,
                severity: finding.severity.as_str(),
                message: &finding.message,
                line: finding.start.line,
                column: finding.start.column,
                end_line: finding.end.line,
                end_column: finding.end.column,
                fix: finding.fix.as_ref().map(|fix| fix.replacement.as_str()),
            })
            .collect(),
        errors,
    })
}

/// A practice compiled and its examples run.
#[derive(Serialize)]
struct Tested {
    /// It compiles and every example does what it says.
    ok: bool,
    errors: Vec<TestError>,
    examples: Vec<TestedExample>,
}

/// A mistake in the practice, where the YAML has it (1-based; columns in characters).
#[derive(Serialize)]
struct TestError {
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<u32>,
    message: String,
}

#[derive(Serialize)]
struct TestedExample {
    kind: &'static str,
    /// Its place in `examples.bad` or `examples.good`, from 0.
    index: usize,
    passed: bool,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    /// Where its code starts in the YAML, when it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<u32>,
}

/// `test_practice`: compiles a practice written in YAML and runs its examples. It needs no
/// project: the practice is judged alone, as `praxis test` judges each one.
pub fn test_practice(args: TestArgs) -> Result<String, String> {
    let practice = match Practice::from_yaml(&args.yaml, None) {
        Ok(practice) => practice,
        Err(errors) => {
            let errors = errors
                .into_iter()
                .map(|error| TestError {
                    line: error.position.map(|position| position.line),
                    column: error.position.map(|position| position.column),
                    message: error.message,
                })
                .collect();
            return json(&Tested { ok: false, errors, examples: Vec::new() });
        }
    };
    let results = practice.run_examples();
    let examples = &practice.doc.examples;
    let tested: Vec<TestedExample> = [(ExampleKind::Bad, examples.bad.len()), (ExampleKind::Good, examples.good.len())]
        .into_iter()
        .flat_map(|(kind, count)| (0..count).map(move |index| (kind, index)))
        .map(|(kind, index)| {
            let failure = results.failures.iter().find(|failure| failure.kind == kind && failure.number == index + 1);
            TestedExample {
                kind: match kind {
                    ExampleKind::Bad => "bad",
                    ExampleKind::Good => "good",
                },
                index,
                passed: failure.is_none(),
                message: failure.map(|failure| failure.reason.clone()),
                line: failure.and_then(|failure| failure.position).map(|position| position.line),
            }
        })
        .collect();
    json(&Tested { ok: results.failures.is_empty(), errors: Vec::new(), examples: tested })
}

fn json(value: &impl Serialize) -> Result<String, String> {
    serde_json::to_string(value).map_err(|err| format!("cannot write the answer: {err}"))
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::mcp::paths::Root;

    /// A project with one practice, and the practices in force in it.
    fn project() -> (tempfile::TempDir, InForce) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".praxis/practices")).unwrap();
        std::fs::write(
            dir.path().join(".praxis/practices/no-eval.yaml"),
            "id: no-eval\nname: Do not eval\ndescription: |\n  Eval runs\n  any code.\n\n  Parse instead.\n\
             languages: [python]\nrule: {pattern: eval($X)}\nfix: ast.literal_eval($X)\nfiles: ['src/**']\n",
        )
        .unwrap();
        let loaded = crate::practices::load_with(&[], dir.path(), &|path| std::fs::read_to_string(path), None).unwrap();
        let in_force = InForce { root: Root::new(&loaded.root().unwrap()), loaded };
        (dir, in_force)
    }

    fn parsed(answer: Result<String, String>) -> Value {
        serde_json::from_str(&answer.unwrap()).unwrap()
    }

    #[test]
    fn a_listing_gives_the_first_paragraph_on_one_line() {
        let (_dir, in_force) = project();
        let listed = parsed(list_practices(&in_force, ListArgs { path: None }));
        assert_eq!(listed[0]["description"], "Eval runs any code.");
        assert_eq!(listed[0]["hasFix"], true);
        let elsewhere = parsed(list_practices(&in_force, ListArgs { path: Some("lib/a.py".into()) }));
        assert_eq!(elsewhere, json!([]), "the practice's `files` glob leaves lib/ out");
    }

    #[test]
    fn code_is_checked_as_a_file_at_its_path_would_be() {
        let (_dir, in_force) = project();
        let args = |path: &str| CheckCodeArgs { code: "x = eval(s)\n".into(), language: None, path: Some(path.into()) };
        let checked = parsed(check_code(&in_force, args("src/a.py")));
        assert_eq!(
            checked,
            json!({"findings": [{"practice": "no-eval", "severity": "warning", "message": "Do not eval",
                "line": 1, "column": 5, "endLine": 1, "endColumn": 12, "fix": "ast.literal_eval(s)"}], "errors": []})
        );
        assert_eq!(parsed(check_code(&in_force, args("lib/a.py")))["findings"], json!([]));
    }

    #[test]
    fn a_practice_that_does_not_compile_is_located_and_examples_are_reported_in_order() {
        let broken = parsed(test_practice(TestArgs {
            yaml: "id: x\nname: X\nlanguages: [python]\nrule: {kind: nope}\n".into(),
        }));
        assert_eq!(broken["ok"], false);
        assert_eq!((broken["errors"][0]["line"].as_u64(), broken["errors"][0]["column"].as_u64()), (Some(4), Some(14)));
        let yaml = "id: x\nname: X\nlanguages: [python]\nrule: {pattern: eval($X)}\nexamples:\n  bad:\n    - code: int(a)\n    - code: eval(a)\n";
        let tested = parsed(test_practice(TestArgs { yaml: yaml.into() }));
        assert_eq!(
            tested["examples"],
            json!([{"kind": "bad", "index": 0, "passed": false, "message": "produced no finding", "line": 7},
                   {"kind": "bad", "index": 1, "passed": true}])
        );
    }
}
