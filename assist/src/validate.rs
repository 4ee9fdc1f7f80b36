//! Judging an answer with the engine: the YAML taken out of it, read as a practice (with the
//! line and column of each mistake), its id set, its examples replaced by the user's snippets,
//! compiled, and its examples run. The errors are exact strings, sent back to the model as
//! they are.

use praxis_engine::model::{Example, Examples};
use praxis_engine::{Practice, PracticeError};
use praxis_sync::wire::Snippet;

use crate::prompt::Checked;

/// The most errors sent back for one answer, and the longest one.
const MAX_ERRORS: usize = 20;
const MAX_ERROR_CHARS: usize = 500;

/// An answer, judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judged {
    /// The practice with the user's snippets as its examples, serialised from the model; or,
    /// when the answer does not read as a practice, the YAML as the model wrote it.
    pub yaml: String,
    /// What is wrong with it; empty when it passed.
    pub errors: Vec<String>,
}

/// The YAML of an answer: the first ```yaml (or ```yml) fenced block, else the whole text.
pub fn extract_yaml(answer: &str) -> &str {
    let mut lines = answer.split_inclusive('\n');
    let mut offset = 0;
    for line in lines.by_ref() {
        offset += line.len();
        let trimmed = line.trim();
        let Some(rest) = trimmed.strip_prefix("```") else { continue };
        let fence_len = 3 + rest.len() - rest.trim_start_matches('`').len();
        let info = rest.trim_start_matches('`').trim().to_ascii_lowercase();
        if info != "yaml" && info != "yml" {
            continue;
        }
        let start = offset;
        let mut end = answer.len();
        let mut at = start;
        for line in answer[start..].split_inclusive('\n') {
            let trimmed = line.trim();
            if trimmed.len() >= fence_len && trimmed.bytes().all(|b| b == b'`') {
                end = at;
                break;
            }
            at += line.len();
        }
        return &answer[start..end];
    }
    answer
}

/// Judges the model's answer against the checked request.
pub fn judge(answer: &str, request: &Checked) -> Judged {
    let text = extract_yaml(answer);
    if text.trim().is_empty() {
        return Judged { yaml: text.to_owned(), errors: vec!["the answer holds no YAML practice".into()] };
    }
    let practice = match Practice::from_yaml(text, None) {
        Ok(practice) => practice,
        Err(errors) => return Judged { yaml: text.to_owned(), errors: located(&errors) },
    };
    let mut doc = practice.doc;
    if let Some(id) = &request.id {
        doc.id = id.clone();
    }
    doc.examples = Examples { bad: examples(&request.bad), good: examples(&request.good) };
    let yaml = match serde_yaml_ng::to_string(&doc) {
        Ok(yaml) => yaml,
        Err(err) => return Judged { yaml: text.to_owned(), errors: vec![format!("cannot write the practice: {err}")] },
    };
    let errors = match Practice::from_doc(doc) {
        Err(errors) => located(&errors),
        Ok(practice) => bounded(practice.run_examples().failures.iter().map(ToString::to_string)),
    };
    Judged { yaml, errors }
}

fn examples(snippets: &[Snippet]) -> Vec<Example> {
    snippets
        .iter()
        .map(|snippet| Example { code: snippet.code.clone(), language: Some(snippet.language.clone()) })
        .collect()
}

/// Practice errors with their line and column in the answer's YAML, when they have one.
fn located(errors: &[PracticeError]) -> Vec<String> {
    bounded(errors.iter().map(|error| match error.position {
        Some(position) => format!("line {}, column {}: {}", position.line, position.column, error.message),
        None => error.message.clone(),
    }))
}

fn bounded(errors: impl Iterator<Item = String>) -> Vec<String> {
    errors
        .take(MAX_ERRORS)
        .map(|error| {
            if error.chars().count() > MAX_ERROR_CHARS { error.chars().take(MAX_ERROR_CHARS).collect() } else { error }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prompt::check_request;
    use praxis_sync::wire::DraftRequest;

    fn request(id: Option<&str>) -> Checked {
        check_request(&DraftRequest {
            describe: "Do not print; use the logger.".into(),
            bad: vec![Snippet { code: "print(\"total\", total)\n".into(), language: "python".into() }],
            good: vec![Snippet { code: "log.info(\"total\")\n".into(), language: "python".into() }],
            id: id.map(str::to_owned),
        })
        .unwrap()
    }

    const GOOD: &str = "id: no-print\nname: Log instead of print\nlanguages: [python]\nrule:\n  pattern: print($$$A)\n";

    #[test]
    fn yaml_comes_from_the_fence_or_the_whole_text() {
        assert_eq!(extract_yaml("Here:\n```yaml\nid: a\n```\nDone."), "id: a\n");
        assert_eq!(extract_yaml("```YML\nid: a\n"), "id: a\n");
        assert_eq!(extract_yaml("````yaml\ncode: |\n  ```\n````\n"), "code: |\n  ```\n");
        assert_eq!(extract_yaml("```python\nx\n```\n```yaml\nid: b\n```"), "id: b\n");
        assert_eq!(extract_yaml("id: c\nname: d\n"), "id: c\nname: d\n");
    }

    #[test]
    fn a_passing_practice_gets_the_snippets_as_examples_and_the_chosen_id() {
        let judged = judge(&format!("```yaml\n{GOOD}```\n"), &request(Some("use-the-logger")));
        assert_eq!(judged.errors, Vec::<String>::new());
        let practice = Practice::from_yaml(&judged.yaml, None).unwrap();
        assert_eq!(practice.id(), "use-the-logger");
        assert_eq!(practice.doc.examples.bad[0].code, "print(\"total\", total)\n");
        assert_eq!(practice.doc.examples.good[0].language.as_deref(), Some("python"));
        assert!(practice.run_examples().failures.is_empty());
    }

    #[test]
    fn errors_are_exact_and_located() {
        let request = request(None);
        let misses = judge(&GOOD.replace("print($$$A)", "echo($$$A)"), &request);
        assert_eq!(misses.errors, vec!["no-print: bad example 1 (python) produced no finding"]);
        assert!(misses.yaml.contains("examples:"), "{}", misses.yaml);

        let too_wide = judge(&GOOD.replace("pattern: print($$$A)", "kind: call"), &request);
        assert_eq!(
            too_wide.errors,
            vec!["no-print: good example 1 (python) produced 1 finding(s), first at `log.info(\"total\")`"]
        );

        let unknown = judge(&format!("{GOOD}severty: error\n"), &request);
        assert_eq!(unknown.errors.len(), 1);
        assert!(unknown.errors[0].starts_with("line 6, column 1: unknown field `severty`"), "{:?}", unknown.errors);
        assert_eq!(unknown.yaml, format!("{GOOD}severty: error\n"));

        let not_yaml = judge("Sure! I would flag print calls.", &request);
        assert_eq!(not_yaml.errors.len(), 1);
        assert!(not_yaml.errors[0].starts_with("line 1, column 1: "), "{:?}", not_yaml.errors);

        let bad_kind = judge(&GOOD.replace("pattern: print($$$A)", "kind: print_call"), &request);
        assert_eq!(bad_kind.errors, vec!["line 5, column 9: unknown node kind `print_call` in python"]);

        let other_language = judge(&GOOD.replace("[python]", "[javascript]"), &request);
        assert!(
            other_language.errors[0].contains("`python` is not one of this practice's languages"),
            "{:?}",
            other_language.errors
        );

        assert_eq!(judge("```yaml\n```", &request).errors, vec!["the answer holds no YAML practice"]);
    }
}
