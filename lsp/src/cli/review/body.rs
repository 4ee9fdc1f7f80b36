//! What a review comment says and where it sits: the body (message, why, the fix as a
//! suggestion the host can apply, a hidden marker that recognises the finding on the next run),
//! and the line it is placed on.

use crate::diff::Changed;
use crate::report::{LineCol, Located};

/// How the marker begins; the finding's fingerprint key and ` -->` follow.
const MARKER: &str = "<!-- praxis:finding ";

/// The hidden line that recognises a finding in a comment.
pub fn marker(key: &str) -> String {
    format!("{MARKER}{key} -->")
}

/// The fingerprint key in a comment's body, when Praxis wrote it.
pub fn key_in(body: &str) -> Option<&str> {
    let start = body.find(MARKER)? + MARKER.len();
    let (key, _) = body[start..].split_once(" -->")?;
    let valid = !key.is_empty() && key.len() <= 64 && key.bytes().all(|byte| byte.is_ascii_hexdigit());
    valid.then_some(key)
}

/// How a host writes a suggestion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// ```` ```suggestion:-A+B ````: lines above and below the commented line.
    GitLab,
    /// ```` ```suggestion ````: the comment's own lines, `start_line` to `line`.
    GitHub,
}

/// Where a comment sits and what it suggests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// An added line of the finding's range: GitLab's `new_line`, and GitHub's `line` when
    /// there is no suggestion.
    pub anchor: usize,
    pub suggestion: Option<Suggestion>,
    /// The fix's resulting lines when they cannot be a suggestion (they reach outside the
    /// change), shown as plain code.
    pub plain_fix: Option<Suggestion>,
}

/// Whole lines `first..=last` of the new file, and what they read after the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub first: usize,
    pub last: usize,
    pub lines: String,
}

impl Placement {
    /// The line the host shows the comment on (GitHub: the last of a suggestion's lines).
    pub fn line(&self, flavour: Flavour) -> usize {
        match (flavour, &self.suggestion) {
            (Flavour::GitHub, Some(suggestion)) => suggestion.last,
            _ => self.anchor,
        }
    }
}

/// The last line a range really covers: a range that ends at the start of a line ends on the
/// line before.
fn last_line(start: LineCol, end: LineCol) -> usize {
    if end.column == 1 && end.line > start.line { end.line - 1 } else { end.line }
}

/// Where `finding` (in `text`) is commented on, or `None` when none of its lines was added.
/// `hunks` are the new-side line ranges the host's diff shows (added and context lines): a
/// suggestion must stay inside one of them.
pub fn place(finding: &Located, text: &str, added: &Changed, hunks: &[(usize, usize)]) -> Option<Placement> {
    let first = finding.start.line;
    let last = last_line(finding.start, finding.end).max(first);
    let added_in = |from: usize, to: usize| (from..=to).find(|line| added.contains(*line));
    let anchor = added_in(first, last)?;
    let Some(fix) = &finding.fix else { return Some(Placement { anchor, suggestion: None, plain_fix: None }) };
    let Some(resulting) = fixed_lines(text, fix.start, fix.end, &fix.replacement) else {
        return Some(Placement { anchor, suggestion: None, plain_fix: None });
    };
    let in_one_hunk = hunks.iter().any(|&(start, end)| start <= resulting.first && resulting.last <= end);
    let inside = added_in(first.max(resulting.first), last.min(resulting.last));
    match inside {
        Some(anchor) if in_one_hunk => Some(Placement { anchor, suggestion: Some(resulting), plain_fix: None }),
        _ => Some(Placement { anchor, suggestion: None, plain_fix: Some(resulting) }),
    }
}

/// The whole lines a fix touches, as they read after it; `None` when its positions are not in
/// `text`.
pub fn fixed_lines(text: &str, start: LineCol, end: LineCol, replacement: &str) -> Option<Suggestion> {
    let starts: Vec<usize> = std::iter::once(0).chain(text.match_indices('\n').map(|(index, _)| index + 1)).collect();
    let offset = |at: LineCol| -> Option<usize> {
        let line_start = *starts.get(at.line.checked_sub(1)?)?;
        let rest = &text[line_start..];
        let line = rest.find('\n').map_or(rest, |end| &rest[..=end]);
        let within = match line.char_indices().nth(at.column.checked_sub(1)?) {
            Some((index, _)) => index,
            // Just past the last character of the text.
            None if !line.ends_with('\n') && line.chars().count() == at.column - 1 => line.len(),
            None => return None,
        };
        Some(line_start + within)
    };
    let (from, to) = (offset(start)?, offset(end)?);
    if from > to {
        return None;
    }
    let first = start.line;
    let ends_at_line_start = end.column == 1 && end.line > start.line;
    let last = if ends_at_line_start { end.line - 1 } else { end.line };
    let region_start = starts[first - 1];
    let region_end = if ends_at_line_start { to } else { text[to..].find('\n').map_or(text.len(), |index| to + index) };
    let mut lines = format!("{}{}{}", &text[region_start..from], replacement, &text[to..region_end]);
    if ends_at_line_start {
        // The fix took the line break; the lines read as suggested only if it gives one back.
        lines = lines.strip_suffix('\n')?.to_owned();
    }
    let lines = lines.replace("\r\n", "\n");
    Some(Suggestion { first, last, lines: lines.strip_suffix('\r').unwrap_or(&lines).to_owned() })
}

/// What a comment says about `finding`: its severity and message, the practice's name and
/// description (why), its fix, and the marker.
pub struct Body<'a> {
    pub finding: &'a Located,
    /// The practice's name and description; `None` for findings the engine makes itself
    /// (`unused-ignore`).
    pub name: Option<&'a str>,
    pub description: Option<&'a str>,
    pub url: Option<&'a str>,
    pub placement: &'a Placement,
    pub key: &'a str,
}

impl Body<'_> {
    /// The Markdown body in `flavour`.
    pub fn render(&self, flavour: Flavour) -> String {
        let Body { finding, name, description, url, placement, key } = self;
        let mut out = format!("**{}** {}", finding.severity, finding.message.trim());
        match name {
            Some(name) if name.trim() != finding.message.trim() => {
                out.push_str(&format!(" · {} (`{}`)", name.trim(), finding.practice));
            }
            _ => out.push_str(&format!(" (`{}`)", finding.practice)),
        }
        out.push('\n');
        if let Some(description) = description.map(str::trim).filter(|text| !text.is_empty()) {
            out.push_str(&format!("\n{description}\n"));
        }
        if let Some(suggestion) = &placement.suggestion {
            let info = match flavour {
                Flavour::GitLab => format!(
                    "suggestion:-{}+{}",
                    placement.anchor - suggestion.first,
                    suggestion.last - placement.anchor
                ),
                Flavour::GitHub => "suggestion".to_owned(),
            };
            out.push('\n');
            out.push_str(&fenced(&info, &suggestion.lines));
        } else if let Some(fix) = &placement.plain_fix {
            let lines = if fix.first == fix.last {
                format!("line {}", fix.first)
            } else {
                format!("lines {}–{}", fix.first, fix.last)
            };
            out.push_str(&format!("\nFix ({lines} become):\n\n"));
            out.push_str(&fenced("", &fix.lines));
        }
        if let Some(url) = url {
            out.push_str(&format!("\n[More about `{}`]({url})\n", finding.practice));
        }
        out.push('\n');
        out.push_str(&marker(key));
        out
    }
}

/// A fenced code block around `code` whose fence no line of `code` can close.
fn fenced(info: &str, code: &str) -> String {
    let longest =
        code.lines().map(|line| line.trim_start().chars().take_while(|&c| c == '`').count()).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}{info}\n{code}\n{fence}\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::PlacedFix;
    use praxis_engine::Severity;

    fn at(line: usize, column: usize) -> LineCol {
        LineCol { line, column }
    }

    fn finding(start: LineCol, end: LineCol, fix: Option<(LineCol, LineCol, &str)>) -> Located {
        Located {
            path: "src/app.ts".into(),
            start,
            end,
            practice: "no-console-log".into(),
            severity: Severity::Warning,
            message: "Use logger.info instead of console.log".into(),
            fix: fix.map(|(start, end, replacement)| PlacedFix { start, end, replacement: replacement.into() }),
            line_text: String::new(),
            text_hash: 0,
        }
    }

    const TEXT: &str = "const a = 1;\n  console.log(\"x\",\n    a); // done\nlet é = console.log(é);\n";

    #[test]
    fn a_fix_gives_the_whole_lines_it_touches_as_they_read_after_it() {
        let one = fixed_lines(TEXT, at(4, 9), at(4, 23), "logger.info(é)").unwrap();
        assert_eq!(one, Suggestion { first: 4, last: 4, lines: "let é = logger.info(é);".into() });
        let two = fixed_lines(TEXT, at(2, 3), at(3, 7), "logger.info(\"x\", a)").unwrap();
        assert_eq!(two, Suggestion { first: 2, last: 3, lines: "  logger.info(\"x\", a); // done".into() });
        // A fix that takes whole lines with their line break.
        let whole = fixed_lines(TEXT, at(2, 1), at(4, 1), "  log();\n").unwrap();
        assert_eq!(whole, Suggestion { first: 2, last: 3, lines: "  log();".into() });
        assert_eq!(fixed_lines(TEXT, at(9, 1), at(9, 2), "x"), None);
        assert_eq!(fixed_lines(TEXT, at(1, 40), at(1, 41), "x"), None);
    }

    #[test]
    fn comments_sit_on_an_added_line_and_suggest_only_inside_the_diff() {
        let added = Changed::Lines(vec![(3, 4)]);
        let fix = (at(2, 3), at(3, 7), "logger.info(\"x\", a)");
        let located = finding(at(2, 3), at(3, 7), Some(fix));
        let placed = place(&located, TEXT, &added, &[(1, 4)]).unwrap();
        assert_eq!(placed.anchor, 3);
        assert_eq!(placed.suggestion.as_ref().map(|s| (s.first, s.last)), Some((2, 3)));
        assert_eq!(placed.line(Flavour::GitLab), 3);
        assert_eq!(placed.line(Flavour::GitHub), 3);
        // Line 2 is outside the diff's hunks: the fix is shown, not suggested.
        let outside = place(&located, TEXT, &added, &[(3, 4)]).unwrap();
        assert_eq!((outside.anchor, outside.suggestion.is_none(), outside.plain_fix.is_some()), (3, true, true));
        // No added line in the finding's range: no comment.
        assert_eq!(place(&located, TEXT, &Changed::Lines(vec![(4, 4)]), &[(1, 4)]), None);
        let plain = finding(at(4, 9), at(4, 24), None);
        assert_eq!(
            place(&plain, TEXT, &added, &[(1, 4)]),
            Some(Placement { anchor: 4, suggestion: None, plain_fix: None })
        );
    }

    #[test]
    fn bodies_say_what_why_and_how_and_carry_the_marker() {
        let located = finding(at(2, 3), at(3, 7), Some((at(2, 3), at(3, 7), "logger.info(\"x\", a)")));
        let placement = place(&located, TEXT, &Changed::Lines(vec![(3, 3)]), &[(1, 4)]).unwrap();
        let body = Body {
            finding: &located,
            name: Some("Log through the logger"),
            description: Some("Console output is lost in production.\n"),
            url: Some("https://wiki.example.com/logging"),
            placement: &placement,
            key: "0123456789abcdef01234567",
        };
        let gitlab = body.render(Flavour::GitLab);
        assert_eq!(
            gitlab,
            "**warning** Use logger.info instead of console.log · Log through the logger (`no-console-log`)\n\
             \nConsole output is lost in production.\n\
             \n```suggestion:-1+0\n  logger.info(\"x\", a); // done\n```\n\
             \n[More about `no-console-log`](https://wiki.example.com/logging)\n\
             \n<!-- praxis:finding 0123456789abcdef01234567 -->"
        );
        assert!(body.render(Flavour::GitHub).contains("\n```suggestion\n  logger.info(\"x\", a); // done\n```\n"));
        assert_eq!(key_in(&gitlab), Some("0123456789abcdef01234567"));
        assert_eq!(key_in("no marker"), None);
        assert_eq!(key_in("<!-- praxis:finding not-hex -->"), None);
    }

    #[test]
    fn fences_outgrow_the_backticks_in_the_code() {
        assert_eq!(fenced("suggestion", "a"), "```suggestion\na\n```\n");
        assert_eq!(fenced("", "s = \"\"\"\n```\nx"), "````\ns = \"\"\"\n```\nx\n````\n");
    }
}
