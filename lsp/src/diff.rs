//! Which lines of a file a change added or modified: from a unified diff (`git diff`, a GitLab
//! merge request's diffs, a GitHub pull request's patches) or by diffing two texts (an editor
//! buffer against Git `HEAD`). One answer for `check --diff`, `review` and the language server's
//! `scope: changed`.

use std::time::Duration;

use similar::{DiffOp, TextDiff};

/// The lines of a file's new version that a change added or modified, 1-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Changed {
    /// A new file: every line is new.
    All,
    /// Sorted, disjoint, non-adjacent inclusive ranges.
    Lines(Vec<(usize, usize)>),
}

impl Changed {
    /// No line changed (a pure rename, a file whose lines were only deleted).
    #[cfg(test)]
    pub fn none() -> Changed {
        Changed::Lines(Vec::new())
    }

    /// Whether any line from `first` to `last` (1-based, inclusive) changed.
    pub fn touches(&self, first: usize, last: usize) -> bool {
        match self {
            Changed::All => true,
            Changed::Lines(ranges) => {
                // The first range that does not end before `first`.
                let index = ranges.partition_point(|&(_, end)| end < first);
                ranges.get(index).is_some_and(|&(start, _)| start <= last)
            }
        }
    }

    /// Whether `line` changed.
    pub fn contains(&self, line: usize) -> bool {
        self.touches(line, line)
    }

    pub fn is_empty(&self) -> bool {
        matches!(self, Changed::Lines(ranges) if ranges.is_empty())
    }

    /// Builds from ranges in any order, merging overlapping and adjacent ones.
    fn from_ranges(mut ranges: Vec<(usize, usize)>) -> Changed {
        ranges.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
        for (start, end) in ranges {
            match merged.last_mut() {
                Some(last) if start <= last.1 + 1 => last.1 = last.1.max(end),
                _ => merged.push((start, end)),
            }
        }
        Changed::Lines(merged)
    }
}

/// A unified diff that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("diff line {line}: {reason}")]
pub struct DiffError {
    pub line: usize,
    pub reason: String,
}

/// The added lines of one file's hunks (`@@ -a,b +c,d @@` and their lines), as GitLab's
/// `diff` and GitHub's `patch` fields carry them. Lines before the first hunk are ignored.
pub fn hunk_lines(patch: &str) -> Result<Changed, DiffError> {
    let mut ranges = Vec::new();
    let mut hunk: Option<Hunk> = None;
    for (index, line) in patch.lines().enumerate() {
        if line.starts_with("@@") {
            if let Some(open) = &hunk {
                open.finished(index)?;
            }
            hunk = Some(Hunk::parse(line).ok_or_else(|| DiffError {
                line: index + 1,
                reason: format!("not a hunk header: {}", shorten(line)),
            })?);
            continue;
        }
        let Some(open) = &mut hunk else { continue };
        match line.as_bytes().first() {
            Some(b'+') => {
                if open.new_left == 0 {
                    return Err(DiffError {
                        line: index + 1,
                        reason: "more added lines than the hunk header says".into(),
                    });
                }
                push_line(&mut ranges, open.new_line);
                open.new_line += 1;
                open.new_left -= 1;
            }
            Some(b'-') => open.old_left = open.old_left.saturating_sub(1),
            // A context line; an empty line is a context line whose space was stripped.
            Some(b' ') | None => {
                open.new_line += 1;
                open.new_left = open.new_left.saturating_sub(1);
                open.old_left = open.old_left.saturating_sub(1);
            }
            // `\ No newline at end of file`.
            Some(b'\\') => {}
            Some(_) => {
                return Err(DiffError { line: index + 1, reason: format!("not a diff line: {}", shorten(line)) });
            }
        }
    }
    Ok(Changed::from_ranges(ranges))
}

/// The new-side line ranges of a diff's hunks, context lines included: the lines a Git host
/// lets a review comment sit on. Hunks that add no line of the new side have none.
pub fn hunk_spans(patch: &str) -> Vec<(usize, usize)> {
    patch
        .lines()
        .filter(|line| line.starts_with("@@"))
        .filter_map(Hunk::parse)
        .filter(|hunk| hunk.new_left > 0)
        .map(|hunk| (hunk.new_line, hunk.new_line + hunk.new_left - 1))
        .collect()
}

/// One hunk being read: the next new-side line and how many lines of each side are left.
struct Hunk {
    new_line: usize,
    new_left: usize,
    old_left: usize,
}

impl Hunk {
    /// `@@ -a[,b] +c[,d] @@ …`.
    fn parse(header: &str) -> Option<Hunk> {
        let rest = header.strip_prefix("@@ -")?;
        let (old, rest) = rest.split_once(" +")?;
        let (new, _) = rest.split_once(" @@")?;
        let count = |range: &str| -> Option<(usize, usize)> {
            match range.split_once(',') {
                Some((start, len)) => Some((start.parse().ok()?, len.parse().ok()?)),
                None => Some((range.parse().ok()?, 1)),
            }
        };
        let (_, old_len) = count(old)?;
        let (new_start, new_len) = count(new)?;
        Some(Hunk { new_line: new_start, new_left: new_len, old_left: old_len })
    }

    fn finished(&self, index: usize) -> Result<(), DiffError> {
        if self.new_left > 0 {
            return Err(DiffError { line: index, reason: "a hunk ends before the lines its header counts".into() });
        }
        Ok(())
    }
}

fn push_line(ranges: &mut Vec<(usize, usize)>, line: usize) {
    match ranges.last_mut() {
        Some(last) if last.1 + 1 == line => last.1 = line,
        _ => ranges.push((line, line)),
    }
}

fn shorten(line: &str) -> String {
    line.chars().take(60).collect()
}

/// One file of a multi-file `git diff`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDiff {
    /// The file's path in the new version, relative to the repository's top; `None` when the
    /// change deletes it.
    pub path: Option<String>,
    pub changed: Changed,
}

/// Reads the output of `git diff --no-color --no-ext-diff -U0 --src-prefix=a/ --dst-prefix=b/`:
/// every file whose new version has added lines, with its path in the new version. Files that
/// only lost lines, pure renames and binary files have no added line and are left out.
pub fn git_files(output: &str) -> Result<Vec<FileDiff>, DiffError> {
    let mut files = Vec::new();
    // (path, where its hunks start) of the file being read.
    let mut current: Option<(Option<String>, usize)> = None;
    let lines: Vec<&str> = output.split('\n').collect();
    let mut index = 0;
    let mut finish = |current: &mut Option<(Option<String>, usize)>, end: usize| -> Result<(), DiffError> {
        if let Some((path, start)) = current.take() {
            let hunks = lines[start..end].join("\n");
            let changed = hunk_lines(&hunks).map_err(|err| DiffError { line: err.line + start, ..err })?;
            if path.is_some() && !changed.is_empty() {
                files.push(FileDiff { path, changed });
            }
        }
        Ok(())
    };
    while index < lines.len() {
        let line = lines[index];
        if line.starts_with("diff --git ") {
            finish(&mut current, index)?;
        } else if let Some(target) = line.strip_prefix("+++ ") {
            // The first `+++` after a file's header opens its hunks; later ones are added lines
            // that begin with `++`.
            if current.is_none() {
                let path = new_path(target).map_err(|reason| DiffError { line: index + 1, reason })?;
                current = Some((path, index + 1));
            }
        }
        index += 1;
    }
    finish(&mut current, lines.len())?;
    Ok(files)
}

/// The path of a `+++` line: `b/path`, `"b/quoted\tpath"` or `/dev/null`.
fn new_path(target: &str) -> Result<Option<String>, String> {
    let target = target.trim_end_matches('\r');
    // Git ends the name with a tab when it contains spaces, in some versions.
    let target = target.strip_suffix('\t').unwrap_or(target);
    if target == "/dev/null" {
        return Ok(None);
    }
    let unquoted = if target.starts_with('"') { unquote(target)? } else { target.to_owned() };
    match unquoted.strip_prefix("b/") {
        Some(path) => Ok(Some(path.to_owned())),
        None => Err(format!("unexpected file name in the diff: {}", shorten(target))),
    }
}

/// Git's C-style quoting of unusual file names: `"a\tb\303\251"`.
fn unquote(quoted: &str) -> Result<String, String> {
    let inner = quoted
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
        .ok_or_else(|| format!("badly quoted file name: {}", shorten(quoted)))?;
    let mut bytes = Vec::with_capacity(inner.len());
    let mut chars = inner.bytes().peekable();
    while let Some(byte) = chars.next() {
        if byte != b'\\' {
            bytes.push(byte);
            continue;
        }
        let escaped = chars.next().ok_or_else(|| format!("badly quoted file name: {}", shorten(quoted)))?;
        bytes.push(match escaped {
            b'a' => 7,
            b'b' => 8,
            b't' => b'\t',
            b'n' => b'\n',
            b'v' => 11,
            b'f' => 12,
            b'r' => b'\r',
            b'0'..=b'3' => {
                let mut value = u32::from(escaped - b'0');
                for _ in 0..2 {
                    match chars.next() {
                        Some(digit @ b'0'..=b'7') => value = value * 8 + u32::from(digit - b'0'),
                        _ => return Err(format!("badly quoted file name: {}", shorten(quoted))),
                    }
                }
                u8::try_from(value).map_err(|_| format!("badly quoted file name: {}", shorten(quoted)))?
            }
            other => other,
        });
    }
    String::from_utf8(bytes).map_err(|_| format!("file name is not UTF-8: {}", shorten(quoted)))
}

/// How long a diff of two texts may take before it settles for a coarser answer (still
/// covering every change): an editor buffer is diffed on every keystroke.
const DIFF_TIMEOUT: Duration = Duration::from_millis(100);

/// The lines of `new` that differ from `old`: inserted or replaced, not deleted.
pub fn text_lines(old: &str, new: &str) -> Changed {
    let diff = TextDiff::configure().timeout(DIFF_TIMEOUT).diff_lines(old, new);
    let mut ranges = Vec::new();
    for op in diff.ops() {
        match *op {
            DiffOp::Insert { new_index, new_len, .. } | DiffOp::Replace { new_index, new_len, .. } if new_len > 0 => {
                ranges.push((new_index + 1, new_index + new_len));
            }
            _ => {}
        }
    }
    Changed::from_ranges(ranges)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(changed: &Changed) -> Vec<usize> {
        (1..=40).filter(|line| changed.contains(*line)).collect()
    }

    #[test]
    fn hunks_give_the_added_lines_of_the_new_side() {
        let patch = "@@ -1,3 +1,4 @@\n a\n-b\n+B\n+B2\n c\n@@ -10 +11,0 @@\n-gone\n@@ -20,2 +20,3 @@ fn x() {\n x\n+y\n\n\\ No newline at end of file\n";
        let changed = hunk_lines(patch).unwrap();
        assert_eq!(lines(&changed), [2, 3, 21]);
        assert_eq!(changed, Changed::Lines(vec![(2, 3), (21, 21)]));
        assert!(changed.touches(1, 2) && changed.touches(3, 30) && !changed.touches(4, 20));
    }

    #[test]
    fn hunk_spans_include_context_lines() {
        let patch = "@@ -1,3 +1,4 @@\n a\n+b\n c\n d\n@@ -10,0 +12,0 @@\n@@ -20 +21 @@\n-x\n+y\n";
        assert_eq!(hunk_spans(patch), [(1, 4), (21, 21)]);
    }

    #[test]
    fn broken_hunks_are_errors_not_guesses() {
        assert_eq!(
            hunk_lines("@@ -1 +1 @@\n+a\n+b\n").unwrap_err().reason,
            "more added lines than the hunk header says"
        );
        assert!(hunk_lines("@@ nonsense @@\n+a\n").unwrap_err().reason.starts_with("not a hunk header"));
        assert!(hunk_lines("@@ -1 +1 @@\n*a\n").unwrap_err().reason.starts_with("not a diff line"));
        assert!(hunk_lines("@@ -1,2 +1,2 @@\n a\n@@ -5 +5 @@\n+b\n").is_err());
        assert_eq!(hunk_lines("").unwrap(), Changed::none());
    }

    #[test]
    fn a_git_diff_gives_each_file_with_added_lines_under_its_new_name() {
        let output = "\
diff --git a/src/a.py b/src/a.py
index 1..2 100644
--- a/src/a.py
+++ b/src/a.py
@@ -2 +2 @@
-x = 1
+x = 2
@@ -9,0 +10,2 @@ def f():
++++ not a header
+++++ neither
diff --git a/old.py b/new.py
similarity index 100%
rename from old.py
rename to new.py
diff --git a/moved.py b/moved2.py
similarity index 80%
rename from moved.py
rename to moved2.py
index 1..2 100644
--- a/moved.py
+++ b/moved2.py
@@ -1 +1 @@
-a
+b
diff --git a/gone.py b/gone.py
deleted file mode 100644
--- a/gone.py
+++ /dev/null
@@ -1 +0,0 @@
-bye
diff --git a/img.png b/img.png
Binary files a/img.png and b/img.png differ
diff --git \"a/sp ace\\303\\251.py\" \"b/sp ace\\303\\251.py\"
--- \"a/sp ace\\303\\251.py\"
+++ \"b/sp ace\\303\\251.py\"
@@ -0,0 +1 @@
+new
";
        let files = git_files(output).unwrap();
        let shown: Vec<(Option<&str>, Vec<usize>)> =
            files.iter().map(|file| (file.path.as_deref(), lines(&file.changed))).collect();
        assert_eq!(
            shown,
            [(Some("src/a.py"), vec![2, 10, 11]), (Some("moved2.py"), vec![1]), (Some("sp aceé.py"), vec![1])]
        );
    }

    #[test]
    fn texts_are_diffed_by_line() {
        let old = "a\nb\nc\nd\n";
        assert_eq!(text_lines(old, old), Changed::none());
        assert_eq!(lines(&text_lines(old, "a\nB\nc\nd\n")), [2]);
        assert_eq!(lines(&text_lines(old, "new\na\nb\nc\nd\n")), [1]);
        assert_eq!(lines(&text_lines(old, "a\nd\n")), Vec::<usize>::new());
        assert_eq!(lines(&text_lines(old, "a\nb\nc\nd\ne")), [5]);
        assert_eq!(lines(&text_lines("", "x\ny\n")), [1, 2]);
    }
}
