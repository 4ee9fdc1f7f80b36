//! `--format github`: GitHub Actions workflow commands, one annotation per finding.

use std::io::Write;

use praxis_engine::Severity;

use super::CheckReport;

pub fn write(report: &CheckReport<'_>, out: &mut impl Write) -> std::io::Result<()> {
    for error in report.errors {
        let mut properties = String::new();
        if let Some(file) = &error.file {
            properties = format!(
                " file={}",
                property(&crate::files::relative(file, &std::env::current_dir().unwrap_or_default()))
            );
            if let Some(position) = error.position {
                properties.push_str(&format!(",line={},col={}", position.line, position.column));
            }
        }
        writeln!(out, "::error{properties}::{}", data(&error.message))?;
    }
    for finding in report.findings {
        let level = match finding.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info | Severity::Hint => "notice",
        };
        writeln!(
            out,
            "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            property(&finding.path),
            finding.start.line,
            finding.start.column,
            finding.end.line,
            finding.end.column,
            property(&finding.practice),
            data(&finding.message),
        )?;
    }
    Ok(())
}

/// Escapes a workflow command's message.
fn data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes() {
        assert_eq!(super::data("50% done\nnext"), "50%25 done%0Anext");
        assert_eq!(super::property("a:b,c"), "a%3Ab%2Cc");
    }
}
