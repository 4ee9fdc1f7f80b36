//! `praxis test`: every practice's examples, run as tests.

use std::io::Write;
use std::path::Path;

use super::{Exit, PracticeArgs};
use crate::practices;
use crate::report;

pub fn run(args: &PracticeArgs) -> anyhow::Result<Exit> {
    // The cached set of the server followed, if any: no network for this.
    let (server, _) = super::sync::follow_run(Path::new("."), false)?;
    let loaded = practices::load(args, Path::new("."), server.as_ref())?;
    for error in &loaded.errors {
        report::error_line(&error.to_string());
    }
    let mut out = std::io::stdout().lock();
    let (mut passed, mut failed) = (0, 0);
    for practice in loaded.set.practices() {
        let results = practice.run_examples();
        let (bad, good) = (practice.doc.examples.bad.len(), practice.doc.examples.good.len());
        if results.failures.is_empty() {
            passed += 1;
            let note = if bad + good == 0 { " — no examples" } else { "" };
            writeln!(out, "ok    {} ({bad} bad, {good} good){note}", practice.id())?;
        } else {
            failed += 1;
            writeln!(out, "FAIL  {} ({bad} bad, {good} good)", practice.id())?;
            for failure in &results.failures {
                writeln!(out, "      {failure}")?;
            }
        }
    }
    let broken_files: std::collections::BTreeSet<_> = loaded.errors.iter().map(|error| &error.file).collect();
    let errors = broken_files.len();
    let broken = if errors > 0 { format!(", {errors} with errors") } else { String::new() };
    writeln!(out, "\npractices: {passed} ok, {failed} failing{broken}")?;
    Ok(if errors > 0 {
        Exit::Usage
    } else if failed > 0 {
        Exit::Findings
    } else {
        Exit::Clean
    })
}
