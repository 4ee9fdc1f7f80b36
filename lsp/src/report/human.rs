//! The default output: each finding as `path:line:col: severity[id] message`, then the source
//! line with the finding underlined, like rustc and ruff; a summary at the end.

use std::io::{IsTerminal, Write};

use praxis_engine::Severity;

use super::{CheckReport, Located};

pub fn write(report: &CheckReport<'_>, out: &mut impl Write) -> std::io::Result<()> {
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let paint = |code: &str, text: &str| if color { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_owned() };
    for finding in report.findings {
        let (code, label) = match finding.severity {
            Severity::Error => ("1;31", "error"),
            Severity::Warning => ("1;33", "warning"),
            Severity::Info => ("1;36", "info"),
            Severity::Hint => ("1;32", "hint"),
        };
        writeln!(
            out,
            "{}:{}:{}: {}{} {}",
            paint("1", &finding.path),
            finding.start.line,
            finding.start.column,
            paint(code, label),
            paint(code, &format!("[{}]", finding.practice)),
            finding.message
        )?;
        let number = finding.start.line.to_string();
        let gutter = " ".repeat(number.len());
        writeln!(out, "{gutter} |")?;
        writeln!(out, "{number} | {}", finding.line_text)?;
        writeln!(out, "{gutter} | {}", paint(code, &underline(finding)))?;
        if let Some(fix) = finding.fix.as_ref().map(|fix| &fix.replacement) {
            let shown = fix.lines().next().unwrap_or("");
            let more = if fix.contains('\n') { " …" } else { "" };
            writeln!(out, "{gutter} = fix: replace with `{shown}{more}`")?;
        }
        writeln!(out)?;
    }
    let files = super::plural(report.files, "file", "files");
    if report.findings.is_empty() {
        writeln!(out, "No findings in {files}.")?;
    } else {
        let mut counts = Vec::new();
        for severity in Severity::ALL {
            let count = report.findings.iter().filter(|finding| finding.severity == severity).count();
            if count > 0 {
                counts.push(super::plural(count, severity.as_str(), &format!("{}s", severity.as_str())));
            }
        }
        writeln!(
            out,
            "Found {} ({}) in {files}.",
            super::plural(report.findings.len(), "finding", "findings"),
            counts.join(", ")
        )?;
    }
    Ok(())
}

/// Spaces up to the finding's column (tabs kept, so they line up) and carets under it, to the
/// end of its first line.
fn underline(finding: &Located) -> String {
    let chars: Vec<char> = finding.line_text.chars().collect();
    let start = (finding.start.column - 1).min(chars.len());
    let end =
        if finding.end.line == finding.start.line { (finding.end.column - 1).min(chars.len()) } else { chars.len() };
    let lead: String = chars[..start].iter().map(|c| if *c == '\t' { '\t' } else { ' ' }).collect();
    format!("{lead}{}", "^".repeat(end.saturating_sub(start).max(1)))
}
