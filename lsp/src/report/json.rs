//! `--format json`: one object with findings, errors and a summary (DESIGN.md).

use std::io::Write;

use serde::Serialize;

use super::{CheckReport, LineCol, Located, error_json};

#[derive(Serialize)]
struct Output<'a> {
    version: u32,
    findings: Vec<Finding<'a>>,
    errors: Vec<serde_json::Value>,
    summary: Summary,
}

#[derive(Serialize)]
struct Finding<'a> {
    practice: &'a str,
    severity: &'static str,
    message: &'a str,
    path: &'a str,
    start: Position,
    end: Position,
    fix: Option<&'a str>,
}

#[derive(Serialize)]
struct Position {
    line: usize,
    column: usize,
}

impl From<LineCol> for Position {
    fn from(place: LineCol) -> Self {
        Position { line: place.line, column: place.column }
    }
}

#[derive(Serialize)]
struct Summary {
    files: usize,
    findings: usize,
}

pub fn write(report: &CheckReport<'_>, out: &mut impl Write) -> std::io::Result<()> {
    let output = Output {
        version: 1,
        findings: report.findings.iter().map(finding).collect(),
        errors: report.errors.iter().map(error_json).collect(),
        summary: Summary { files: report.files, findings: report.findings.len() },
    };
    serde_json::to_writer_pretty(&mut *out, &output)?;
    writeln!(out)
}

fn finding(located: &Located) -> Finding<'_> {
    Finding {
        practice: &located.practice,
        severity: located.severity.as_str(),
        message: &located.message,
        path: &located.path,
        start: located.start.into(),
        end: located.end.into(),
        fix: located.fix.as_ref().map(|fix| fix.replacement.as_str()),
    }
}
