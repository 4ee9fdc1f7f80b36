//! What is counted for the team's server, the same way by `praxis check` and the language
//! server: per server practice and language, files checked, findings, suppressions, fixes
//! applied and engine time. Local-only practices are not counted: their ids are the project's
//! business. Nothing about the file itself (its path, name or text) is kept.

use std::sync::Arc;
use std::time::Duration;

use praxis_engine::Finding;
use praxis_grammars::Language;
use praxis_sync::stats::Tally;

use crate::practices::Loaded;

/// Counts one checked document: `findings` and `suppressed` are what the check gave (findings
/// after suppressions, and the practice of each suppressed one); `path` is the document's path
/// for the practices' globs; `elapsed` is the engine time, shared equally among the server
/// practices that ran on it.
pub fn count_check(
    tally: &mut Tally,
    loaded: &Loaded,
    language: &Language,
    path: Option<&str>,
    findings: &[Finding],
    suppressed: &[Arc<str>],
    elapsed: Duration,
) {
    let ran = ran(loaded, language, path);
    let share = elapsed / u32::try_from(ran.len().max(1)).unwrap_or(u32::MAX);
    for id in &ran {
        tally.entry(id, language.name).files += 1;
        tally.add_time(id, language.name, share);
    }
    for finding in findings.iter().filter(|finding| ran.contains(&&*finding.practice)) {
        tally.entry(&finding.practice, language.name).findings += 1;
    }
    for id in suppressed.iter().filter(|id| ran.contains(&&***id)) {
        tally.entry(id, language.name).suppressions += 1;
    }
}

/// Counts the engine time of a re-check after an edit, shared equally among the server
/// practices that ran.
pub fn count_time(tally: &mut Tally, loaded: &Loaded, language: &Language, path: Option<&str>, elapsed: Duration) {
    let ran = ran(loaded, language, path);
    let share = elapsed / u32::try_from(ran.len().max(1)).unwrap_or(u32::MAX);
    for id in &ran {
        tally.add_time(id, language.name, share);
    }
}

/// The server practices that run on a document in `language` at `path`.
fn ran<'a>(loaded: &'a Loaded, language: &Language, path: Option<&str>) -> Vec<&'a str> {
    if loaded.server_ids.is_empty() {
        return Vec::new();
    }
    loaded
        .set
        .practices()
        .iter()
        .filter(|practice| loaded.server_ids.contains(practice.id()))
        .filter(|practice| practice.checks(language, path))
        .map(|practice| practice.id())
        .collect()
}

/// Counts a fix applied in the editor.
pub fn count_fix(tally: &mut Tally, loaded: &Loaded, practice: &str, language: &Language) {
    if loaded.server_ids.contains(practice) {
        tally.entry(practice, language.name).fixes += 1;
    }
}
