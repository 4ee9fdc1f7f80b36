//! The one helper engine tests use: a practice body, a language, and source code in which every
//! expected finding is wrapped in `«` and `»`.

// Each test file uses the part it needs.
#![allow(dead_code)]

use praxis_engine::{Document, Finding, Practice, PracticeSet};

/// Builds a practice from `body` (YAML: at least `rule:`), with id `t` unless `body` sets one.
pub fn practice(language: &str, body: &str) -> Practice {
    let mut yaml = String::new();
    if !body.contains("id:") {
        yaml.push_str("id: t\n");
    }
    if !body.contains("name:") {
        yaml.push_str("name: test practice\n");
    }
    if !body.contains("languages:") {
        yaml.push_str(&format!("languages: [{language}]\n"));
    }
    yaml.push_str(body);
    Practice::from_yaml(&yaml, None).unwrap_or_else(|errors| {
        panic!(
            "practice does not compile:\n{}\n---\n{yaml}",
            errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
        )
    })
}

/// Splits annotated source into plain source and the expected finding ranges.
pub fn annotations(annotated: &str) -> (String, Vec<std::ops::Range<usize>>) {
    let mut source = String::new();
    let mut open = Vec::new();
    let mut ranges = Vec::new();
    for c in annotated.chars() {
        match c {
            '«' => open.push(source.len()),
            '»' => ranges.push(open.pop().expect("unbalanced »")..source.len()),
            _ => source.push(c),
        }
    }
    assert!(open.is_empty(), "unbalanced «");
    ranges.sort_by_key(|range| (range.start, range.end));
    (source, ranges)
}

/// Checks `annotated` with the practice and asserts the findings are exactly the marked spans.
/// Returns the findings for further assertions.
#[track_caller]
pub fn check(language: &str, body: &str, annotated: &str) -> Vec<Finding> {
    let (source, expected) = annotations(annotated);
    let findings = run(language, body, &source);
    let actual: Vec<_> = findings.iter().filter(|f| &*f.practice != "unused-ignore").map(|f| f.range.clone()).collect();
    if actual != expected {
        let show = |ranges: &[std::ops::Range<usize>]| {
            ranges.iter().map(|r| format!("  {:?} `{}`", r, &source[r.clone()])).collect::<Vec<_>>().join("\n")
        };
        panic!("findings differ\nexpected:\n{}\nactual:\n{}\nsource:\n{source}", show(&expected), show(&actual));
    }
    findings
}

/// Runs one practice over `source` and returns every finding, hints included.
pub fn run(language: &str, body: &str, source: &str) -> Vec<Finding> {
    let practice = practice(language, body);
    let lang = praxis_grammars::by_name(language).expect("known language");
    let (set, errors) = PracticeSet::new([practice]);
    assert!(errors.is_empty());
    let report = set.check(&Document::new(lang, source), None);
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    report.findings
}
