//! `--format json`: one object with findings, errors and a summary (DESIGN.md).

use std::io::Write;

use serde_json::json;

use super::{CheckReport, Located, error_json};

pub fn write(report: &CheckReport<'_>, out: &mut impl Write) -> std::io::Result<()> {
    let findings: Vec<_> = report.findings.iter().map(finding).collect();
    let errors: Vec<_> = report.errors.iter().map(error_json).collect();
    let value = json!({
        "version": 1,
        "findings": findings,
        "errors": errors,
        "summary": {"files": report.files, "findings": report.findings.len()},
    });
    serde_json::to_writer_pretty(&mut *out, &value)?;
    writeln!(out)
}

fn finding(located: &Located) -> serde_json::Value {
    json!({
        "practice": located.practice,
        "severity": located.severity.as_str(),
        "message": located.message,
        "path": located.path,
        "start": {"line": located.start.line, "column": located.start.column},
        "end": {"line": located.end.line, "column": located.end.column},
        "fix": located.fix,
    })
}
