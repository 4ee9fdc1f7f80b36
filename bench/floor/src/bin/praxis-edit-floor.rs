//! The incremental-parse floor of `praxis lsp`: the work no language server that keeps a
//! tree-sitter tree can skip on an edit. It parses a file once, then applies a list of edits one
//! after the other, each as `Tree::edit` then an incremental `Parser::parse` with the edited old
//! tree, the minimum of what `praxis_engine::Document::edit` does, and times only those two
//! calls. `bench/lsp/latency.py` feeds it the edits it sends the servers and reports the figures
//! beside theirs.
//!
//!   praxis-edit-floor --language typescript FILE EDITS.json
//!
//! EDITS.json is a list of `{"offset": BYTE, "old_len": BYTES, "text": "new text"}`, each in
//! the text as the edits before it left it. Prints one JSON object:
//! `{"language": …, "bytes": …, "edits": …, "reparse_us": [..], "has_error": [..]}`: the
//! microseconds of each edit and whether the tree after it has a syntax error.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Parser as _;
use tree_sitter::{InputEdit, Parser, Point, Tree};

#[derive(clap::Parser)]
#[command(about = "Time tree-sitter's incremental reparse for a list of edits")]
struct Args {
    /// Praxis's name of the file's language: typescript, python, rust, go, …
    #[arg(long)]
    language: String,
    /// The file to parse.
    file: PathBuf,
    /// The edits, as JSON.
    edits: PathBuf,
}

struct Edit {
    offset: usize,
    old_len: usize,
    text: String,
}

/// The edits of an EDITS.json document.
fn edits(value: &serde_json::Value) -> Option<Vec<Edit>> {
    let field = |edit: &serde_json::Value, key: &str| edit.get(key).and_then(serde_json::Value::as_u64);
    value
        .as_array()?
        .iter()
        .map(|edit| {
            Some(Edit {
                offset: usize::try_from(field(edit, "offset")?).ok()?,
                old_len: usize::try_from(field(edit, "old_len")?).ok()?,
                text: edit.get("text")?.as_str()?.to_owned(),
            })
        })
        .collect()
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let language = praxis_grammars::by_name(&args.language)
        .ok_or_else(|| anyhow::anyhow!("unknown language `{}`", args.language))?;
    let mut text =
        std::fs::read_to_string(&args.file).with_context(|| format!("cannot read {}", args.file.display()))?;
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&args.edits).with_context(|| format!("cannot read {}", args.edits.display()))?,
    )
    .with_context(|| format!("{}: not JSON", args.edits.display()))?;
    let edits = edits(&json).with_context(|| {
        format!("{}: not a list of {{\"offset\", \"old_len\", \"text\"}} edits", args.edits.display())
    })?;
    let mut parser = Parser::new();
    parser.set_language(language.tree_sitter()).context("the grammar does not load")?;
    let mut tree = parse(&mut parser, &text, None)?;
    let mut reparse_us = Vec::with_capacity(edits.len());
    let mut has_error = Vec::with_capacity(edits.len());
    for (n, edit) in edits.iter().enumerate() {
        let end = edit.offset + edit.old_len;
        anyhow::ensure!(
            end <= text.len() && text.is_char_boundary(edit.offset) && text.is_char_boundary(end),
            "edit {n}: {}..{end} is not a range of the text ({} bytes)",
            edit.offset,
            text.len()
        );
        // Positions are computed outside the timed part: a server can keep a line index.
        let start_position = point_at(&text, edit.offset);
        let old_end_position = point_at(&text, end);
        text.replace_range(edit.offset..end, &edit.text);
        let new_end = edit.offset + edit.text.len();
        let input = InputEdit {
            start_byte: edit.offset,
            old_end_byte: end,
            new_end_byte: new_end,
            start_position,
            old_end_position,
            new_end_position: point_at(&text, new_end),
        };
        let started = Instant::now();
        tree.edit(&input);
        let new_tree = parse(&mut parser, &text, Some(&tree))?;
        reparse_us.push(started.elapsed().as_secs_f64() * 1e6);
        has_error.push(new_tree.root_node().has_error());
        tree = new_tree;
    }
    let round = |values: Vec<f64>| values.into_iter().map(|us| (us * 10.0).round() / 10.0).collect::<Vec<_>>();
    let line = serde_json::json!({
        "language": language.name,
        "bytes": text.len(),
        "edits": edits.len(),
        "reparse_us": round(reparse_us),
        "has_error": has_error,
    });
    writeln!(std::io::stdout().lock(), "{line}")?;
    Ok(())
}

fn parse(parser: &mut Parser, text: &str, old: Option<&Tree>) -> anyhow::Result<Tree> {
    parser.parse(text, old).context("tree-sitter returned no tree")
}

/// The tree-sitter point (row, byte column) of a byte offset.
fn point_at(text: &str, offset: usize) -> Point {
    let before = &text[..offset];
    let row = before.matches('\n').count();
    let column = offset - before.rfind('\n').map_or(0, |newline| newline + 1);
    Point { row, column }
}
