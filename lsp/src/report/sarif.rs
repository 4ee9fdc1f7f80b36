//! `--format sarif`: SARIF 2.1.0, one `rule` per practice, columns in Unicode code points.

use std::io::Write;

use praxis_engine::{Severity, UNUSED_IGNORE};
use serde_json::{Value, json};

use super::{CheckReport, Located, error_json};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

pub fn write(report: &CheckReport<'_>, out: &mut impl Write) -> std::io::Result<()> {
    let mut rules: Vec<Value> = report
        .practices
        .practices()
        .iter()
        .map(|practice| {
            let doc = &practice.doc;
            let mut rule = json!({
                "id": doc.id,
                "name": doc.name,
                "shortDescription": {"text": doc.name},
                "fullDescription": {"text": if doc.description.is_empty() { &doc.name } else { &doc.description }},
                "defaultConfiguration": {"level": level(practice.severity)},
                "properties": {"tags": doc.tags, "languages": doc.languages},
            });
            if let Some(url) = &doc.url {
                rule["helpUri"] = url.as_str().into();
            }
            if !doc.description.is_empty() {
                rule["help"] = json!({"text": doc.description, "markdown": doc.description});
            }
            rule
        })
        .collect();
    rules.push(json!({
        "id": UNUSED_IGNORE,
        "name": "Unused suppression",
        "shortDescription": {"text": "A praxis-ignore comment that suppresses nothing"},
        "defaultConfiguration": {"level": "note"},
    }));
    let rule_index = |id: &str| rules.iter().position(|rule| rule["id"] == id);
    let results: Vec<Value> =
        report.findings.iter().map(|finding| result(finding, rule_index(&finding.practice))).collect();
    let notifications: Vec<Value> = report
        .errors
        .iter()
        .map(|error| {
            let detail = error_json(error);
            let mut notification = json!({"level": "error", "message": {"text": error.to_string()}});
            if let Some(path) = detail.get("path") {
                let mut location = json!({"physicalLocation": {"artifactLocation": {"uri": path}}});
                if let Some(start) = detail.get("start") {
                    location["physicalLocation"]["region"] =
                        json!({"startLine": start["line"], "startColumn": start["column"]});
                }
                notification["locations"] = json!([location]);
            }
            notification
        })
        .collect();
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "praxis",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
            "invocations": [{
                "executionSuccessful": report.errors.is_empty(),
                "toolConfigurationNotifications": notifications,
            }],
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Hint => "note",
    }
}

fn result(finding: &Located, rule_index: Option<usize>) -> Value {
    let region = json!({
        "startLine": finding.start.line,
        "startColumn": finding.start.column,
        "endLine": finding.end.line,
        "endColumn": finding.end.column,
    });
    let mut result = json!({
        "ruleId": finding.practice,
        "level": level(finding.severity),
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": finding.path},
            "region": region,
        }}],
    });
    if let Some(index) = rule_index {
        result["ruleIndex"] = index.into();
    }
    if let Some(fix) = &finding.fix {
        let deleted = json!({
            "startLine": fix.start.line,
            "startColumn": fix.start.column,
            "endLine": fix.end.line,
            "endColumn": fix.end.column,
        });
        result["fixes"] = json!([{
            "description": {"text": format!("Replace with `{}`", fix.replacement)},
            "artifactChanges": [{
                "artifactLocation": {"uri": finding.path},
                "replacements": [{"deletedRegion": deleted, "insertedContent": {"text": fix.replacement}}],
            }],
        }]);
    }
    result
}
