//! The code blocks of a Markdown text: how the READMEs' walk-throughs and the editor pages'
//! configurations are run by the tests. Shared by the workspace tests and the sync server's
//! own (`#[path]`).

#![allow(dead_code)]

/// The text of every ```` ```lang ```` block in `markdown`, in order.
pub fn blocks(markdown: &str, lang: &str) -> Vec<String> {
    let fence = format!("```{lang}");
    let mut blocks = Vec::new();
    let mut lines = markdown.lines();
    while let Some(line) = lines.next() {
        if line.trim() == fence {
            let mut block = String::new();
            for line in lines.by_ref().take_while(|line| line.trim() != "```") {
                block.push_str(line);
                block.push('\n');
            }
            blocks.push(block);
        }
    }
    blocks
}

/// The lines of every ```` ```sh ```` block in `markdown`, in order, and how many blocks there
/// were.
pub fn sh_blocks(markdown: &str) -> (String, usize) {
    let blocks = blocks(markdown, "sh");
    (blocks.concat(), blocks.len())
}

/// The part of `markdown` under the heading `heading` (a whole line, such as `## Eglot`), up to
/// the next heading of the same or a higher level outside code blocks.
pub fn section<'a>(markdown: &'a str, heading: &str) -> &'a str {
    let level = heading.chars().take_while(|&c| c == '#').count();
    let mut start = None;
    let mut offset = 0;
    let mut in_fence = false;
    for line in markdown.split_inclusive('\n') {
        let text = line.trim_end();
        if text.trim_start().starts_with("```") {
            in_fence = !in_fence;
        } else if !in_fence {
            let hashes = text.chars().take_while(|&c| c == '#').count();
            let is_heading = hashes > 0 && text[hashes..].starts_with(' ');
            match start {
                None if text == heading => start = Some(offset + line.len()),
                Some(start) if is_heading && hashes <= level => return &markdown[start..offset],
                _ => {}
            }
        }
        offset += line.len();
    }
    &markdown[start.unwrap_or_else(|| panic!("no heading {heading:?}"))..]
}
