//! Fingerprints that recognise a finding when the lines around it move, and the baseline file
//! made of them: `praxis baseline write` records the findings a project accepts for now,
//! `praxis check --baseline` reports only the others.
//!
//! A fingerprint is the practice id, the file's path from the project root, a hash of the
//! matched text without its whitespace, and which occurrence of that text in the file it
//! is. No line numbers: an edit above a finding does not make it new.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

use crate::report::Located;

/// What a finding is recognised by.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fingerprint {
    /// The file, relative to the project root, with `/` separators.
    pub path: String,
    pub practice: String,
    /// [`crate::report::text_hash`] of the matched text, as 16 hex digits.
    pub text: String,
    /// 0 for the first finding of this practice on this text in the file, 1 for the next, …
    pub occurrence: usize,
}

impl Fingerprint {
    /// One string for the fingerprint, for markers in review comments.
    pub fn key(&self) -> String {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(format!("{}\n{}\n{}\n{}", self.path, self.practice, self.text, self.occurrence));
        digest[..12].iter().map(|byte| format!("{byte:02x}")).collect()
    }
}

/// The fingerprint of every finding in `findings` (sorted as DESIGN.md sorts them), in the same
/// order. `path_of` turns a finding's shown path into its path from the project root.
pub fn fingerprints(findings: &[Located], path_of: impl Fn(&str) -> String) -> Vec<Fingerprint> {
    let mut seen: HashMap<(String, &str, u64), usize> = HashMap::new();
    findings
        .iter()
        .map(|finding| {
            let path = path_of(&finding.path);
            let count = seen.entry((path.clone(), &finding.practice, finding.text_hash)).or_default();
            let occurrence = *count;
            *count += 1;
            Fingerprint {
                path,
                practice: finding.practice.clone(),
                text: format!("{:016x}", finding.text_hash),
                occurrence,
            }
        })
        .collect()
}

/// Where the baseline is, from the project root, unless a command names another file.
pub const DEFAULT_FILE: &str = ".praxis/baseline.json";

/// The baseline file's version.
const VERSION: u32 = 1;

/// Baselines larger than this are refused: a file of millions of accepted findings is a
/// mistake, not a baseline.
const MAX_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: u32,
    findings: Vec<Fingerprint>,
}

/// Accepted findings.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Baseline {
    pub entries: BTreeSet<Fingerprint>,
}

impl Baseline {
    pub fn new(entries: impl IntoIterator<Item = Fingerprint>) -> Baseline {
        Baseline { entries: entries.into_iter().collect() }
    }

    /// Reads a baseline file; errors name the file (and the line and column of bad JSON).
    pub fn read(path: &Path) -> anyhow::Result<Baseline> {
        let shown = path.display();
        let meta = std::fs::metadata(path).map_err(|err| match err.kind() {
            std::io::ErrorKind::NotFound => {
                anyhow::anyhow!("{shown}: no baseline here; `praxis baseline write` creates it")
            }
            _ => anyhow::anyhow!("{shown}: {}", crate::files::io_reason(&err)),
        })?;
        if meta.len() > MAX_BYTES {
            bail!("{shown}: the baseline is larger than {} MiB", MAX_BYTES / 1024 / 1024);
        }
        let text = std::fs::read_to_string(path).with_context(|| format!("{shown}: cannot read"))?;
        let file: File = serde_json::from_str(&text)
            .map_err(|err| anyhow::anyhow!("{shown}:{}:{}: not a Praxis baseline: {err}", err.line(), err.column()))?;
        if file.version != VERSION {
            bail!("{shown}: baseline version {} is not one this Praxis reads (it reads {VERSION})", file.version);
        }
        Ok(Baseline::new(file.findings))
    }

    /// The file's text: sorted, one entry a line, so that it diffs well in Git.
    pub fn to_text(&self) -> String {
        let mut text = format!("{{\n  \"version\": {VERSION},\n  \"findings\": [");
        for (index, entry) in self.entries.iter().enumerate() {
            text.push_str(if index == 0 { "\n    " } else { ",\n    " });
            text.push_str(&serde_json::to_string(entry).unwrap_or_default());
        }
        text.push_str(if self.entries.is_empty() { "]\n}\n" } else { "\n  ]\n}\n" });
        text
    }

    /// Writes the file whole or not at all: a temporary file beside it, renamed over it.
    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        crate::files::write_whole(path, &self.to_text())
    }
}

/// Which findings a baseline accepts.
#[derive(Debug, Default)]
pub struct Matched {
    /// For each finding, whether the baseline holds it.
    pub accepted: Vec<bool>,
    /// Entries for the files that were checked that no finding matched.
    pub stale: usize,
}

/// Matches `prints` (one per finding) against `baseline`. Entries whose file `in_scope` denies
/// (the run did not look there) are neither matched nor stale.
pub fn apply(baseline: &Baseline, prints: &[Fingerprint], in_scope: impl Fn(&str) -> bool) -> Matched {
    let accepted: Vec<bool> = prints.iter().map(|print| baseline.entries.contains(print)).collect();
    let found: BTreeSet<&Fingerprint> = prints.iter().collect();
    let stale = baseline.entries.iter().filter(|entry| in_scope(&entry.path) && !found.contains(entry)).count();
    Matched { accepted, stale }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{LineCol, text_hash};

    fn finding(path: &str, line: usize, practice: &str, text: &str) -> Located {
        Located {
            path: path.into(),
            start: LineCol { line, column: 1 },
            end: LineCol { line, column: 5 },
            practice: practice.into(),
            severity: praxis_engine::Severity::Warning,
            message: String::new(),
            fix: None,
            line_text: String::new(),
            text_hash: text_hash(text),
        }
    }

    #[test]
    fn fingerprints_count_occurrences_of_the_same_text_and_ignore_whitespace() {
        let findings = [
            finding("src/a.py", 3, "no-print", "print(x)"),
            finding("src/a.py", 7, "no-print", "print( x )"),
            finding("src/a.py", 9, "no-print", "print(y)"),
            finding("src/a.py", 12, "no-print", "print(\n  x)"),
            finding("src/b.py", 1, "no-print", "print(x)"),
        ];
        let prints = fingerprints(&findings, |path| format!("app/{path}"));
        let shown: Vec<(&str, usize)> = prints.iter().map(|print| (print.path.as_str(), print.occurrence)).collect();
        assert_eq!(
            shown,
            [("app/src/a.py", 0), ("app/src/a.py", 1), ("app/src/a.py", 0), ("app/src/a.py", 2), ("app/src/b.py", 0)]
        );
        // Whitespace does not count: `print(x)`, `print( x )` and `print(\n  x)` are one text.
        assert_eq!(prints[0].text, prints[1].text);
        assert_eq!(prints[0].text, prints[3].text);
        assert_ne!(prints[0].text, prints[2].text);
        // The hash is fixed forever (`printf "print(x)" | sha256sum`): baselines in users' repositories depend on it.
        assert_eq!(prints[0].text, format!("{:016x}", text_hash("  print(x)\n")));
        assert_eq!(text_hash("a  b\n"), text_hash("ab"));
        assert_eq!(format!("{:016x}", text_hash("print(x)")), "a6794f6e727657a3");
    }

    #[test]
    fn the_file_is_sorted_one_entry_a_line_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/baseline.json");
        let prints = fingerprints(
            &[finding("b.py", 1, "z", "x"), finding("a.py", 1, "z", "x"), finding("a.py", 2, "a", "y")],
            str::to_owned,
        );
        let baseline = Baseline::new(prints);
        baseline.write(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 8, "{text}");
        assert!(lines[3].starts_with(r#"    {"path":"a.py","practice":"a","#), "{text}");
        assert!(lines[5].starts_with(r#"    {"path":"b.py""#), "{text}");
        assert_eq!(lines[6], "  ]");
        assert_eq!(Baseline::read(&path).unwrap(), baseline);
        assert_eq!(Baseline::new([]).to_text(), "{\n  \"version\": 1,\n  \"findings\": []\n}\n");
        assert_eq!(std::fs::read_dir(path.parent().unwrap()).unwrap().count(), 1, "no temporary file is left");

        std::fs::write(&path, "{\"version\": 1, \"findings\": [{\"path\": 3}]}").unwrap();
        let err = Baseline::read(&path).unwrap_err().to_string();
        assert!(err.contains(":1:") && err.contains("not a Praxis baseline"), "{err}");
        std::fs::write(&path, "{\"version\": 9, \"findings\": []}").unwrap();
        assert!(Baseline::read(&path).unwrap_err().to_string().contains("baseline version 9"));
        let missing = Baseline::read(&dir.path().join("none.json")).unwrap_err().to_string();
        assert!(missing.ends_with("no baseline here; `praxis baseline write` creates it"), "{missing}");
    }

    #[test]
    fn applying_a_baseline_accepts_known_findings_and_counts_stale_entries_in_scope() {
        let old = fingerprints(
            &[finding("a.py", 1, "p", "x"), finding("a.py", 5, "p", "y"), finding("other.py", 1, "p", "x")],
            str::to_owned,
        );
        let baseline = Baseline::new(old);
        // `y` was fixed, `x` moved down and a second `x` appeared below it.
        let now = fingerprints(&[finding("a.py", 4, "p", "x"), finding("a.py", 9, "p", "x")], str::to_owned);
        let matched = apply(&baseline, &now, |path| path == "a.py");
        assert_eq!(matched.accepted, [true, false]);
        assert_eq!(matched.stale, 1);
        assert_eq!(apply(&baseline, &now, |_| true).stale, 2);
    }
}
