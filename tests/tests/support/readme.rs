//! The `sh` blocks of a Markdown text, as one script: how the READMEs' walk-throughs are run by
//! the tests. Shared by the workspace tests and the sync server's own (`#[path]`).

#![allow(dead_code)]

/// The lines of every ```` ```sh ```` block in `markdown`, in order, and how many blocks there
/// were.
pub fn sh_blocks(markdown: &str) -> (String, usize) {
    let mut script = String::new();
    let mut blocks = 0;
    let mut lines = markdown.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "```sh" {
            blocks += 1;
            for line in lines.by_ref().take_while(|line| line.trim() != "```") {
                script.push_str(line);
                script.push('\n');
            }
        }
    }
    (script, blocks)
}
