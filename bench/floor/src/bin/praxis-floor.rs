//! The parse floor of `praxis check`: the work no checker can skip. It walks the given paths
//! with the walk `praxis check` uses (the same `.gitignore` rules and skipped files), reads each
//! file of the given languages as `check` reads it, and parses it on the same pool of threads,
//! and does nothing else. `bench/run.sh` reports every figure as a ratio to this one.
//!
//!   praxis-floor [--jobs N] [--walk] --language python [--language NAME…] PATH…
//!
//! Prints one JSON line: `{"files": …, "bytes": …, "nodes": …, "skipped": …}`, and with
//! `--walk` `"visited": …`. `--walk` adds the least a checker of trees does after parsing: one
//! pre-order walk of each tree with a tree-sitter cursor, reading every node's kind, as
//! `praxis check` (and `ast-grep scan`) walk it; `bench/instructions.sh` counts both floors.

use std::io::Write;
use std::num::NonZeroUsize;
use std::path::PathBuf;

use clap::Parser;
use praxis::files;
use praxis_engine::Document;

#[derive(Parser)]
#[command(about = "Read and parse every file `praxis check` would, and nothing else")]
struct Args {
    /// Threads, like `praxis check --jobs` (default: one per core).
    #[arg(long)]
    jobs: Option<NonZeroUsize>,
    /// A language to read (Praxis's name: python, typescript, rust, go, …); repeatable.
    #[arg(long = "language", required = true)]
    languages: Vec<String>,
    /// Also visit every node of each tree once with a cursor, reading its kind.
    #[arg(long)]
    walk: bool,
    /// Files and folders to walk.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
}

#[derive(Default)]
struct Totals {
    files: usize,
    bytes: usize,
    nodes: usize,
    visited: usize,
    skipped: usize,
}

/// Visits every node of `tree` in pre-order, as the engine's walk does; returns how many, and
/// the sum of their kinds, which the caller keeps so that the compiler cannot drop the walk.
fn walk(tree: &tree_sitter::Tree) -> (usize, usize) {
    let mut cursor = tree.walk();
    let (mut visited, mut kinds) = (0, 0);
    loop {
        visited += 1;
        kinds += usize::from(cursor.node().kind_id());
        if cursor.goto_first_child() {
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                return (visited, kinds);
            }
        }
    }
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let mut languages = Vec::new();
    for name in &args.languages {
        let language = praxis_grammars::by_name(name).ok_or_else(|| anyhow::anyhow!("unknown language `{name}`"))?;
        languages.push(language);
    }
    let (sources, problems) = files::collect(&args.paths, |language| languages.contains(&language));
    anyhow::ensure!(problems.is_empty(), "cannot walk: {}", problems.join("; "));
    let jobs = args.jobs.map_or_else(|| std::thread::available_parallelism().map_or(1, usize::from), usize::from);
    let parse = |source: &files::SourceFile, totals: &mut Totals| match files::read(&source.path) {
        Ok(text) => {
            totals.files += 1;
            totals.bytes += text.len();
            let doc = Document::new(source.language, text);
            totals.nodes += doc.tree().root_node().descendant_count();
            if args.walk {
                let (visited, kinds) = walk(doc.tree());
                totals.visited += visited;
                std::hint::black_box(kinds);
            }
        }
        Err(_) => totals.skipped += 1,
    };
    let merge = |all: &mut Totals, one: Totals| {
        all.files += one.files;
        all.bytes += one.bytes;
        all.nodes += one.nodes;
        all.visited += one.visited;
        all.skipped += one.skipped;
    };
    let (totals, failed) = files::parallel(&sources, jobs, parse, merge);
    anyhow::ensure!(failed == 0, "a parsing thread failed");
    let mut line = serde_json::json!({
        "files": totals.files,
        "bytes": totals.bytes,
        "nodes": totals.nodes,
        "skipped": totals.skipped,
    });
    if args.walk {
        line["visited"] = totals.visited.into();
    }
    writeln!(std::io::stdout().lock(), "{line}")?;
    Ok(())
}
