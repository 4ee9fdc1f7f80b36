//! The parse floor of `praxis check`: the work no checker can skip. It walks the given paths
//! with the walk `praxis check` uses (the same `.gitignore` rules and skipped files), reads each
//! file of the given languages as `check` reads it, and parses it on the same pool of threads,
//! and does nothing else. `bench/run.sh` reports every figure as a ratio to this one.
//!
//!   praxis-floor [--jobs N] --language python [--language NAME…] PATH…
//!
//! Prints one JSON line: `{"files": …, "bytes": …, "nodes": …, "skipped": …}`.

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
    /// Files and folders to walk.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
}

#[derive(Default)]
struct Totals {
    files: usize,
    bytes: usize,
    nodes: usize,
    skipped: usize,
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
        }
        Err(_) => totals.skipped += 1,
    };
    let merge = |all: &mut Totals, one: Totals| {
        all.files += one.files;
        all.bytes += one.bytes;
        all.nodes += one.nodes;
        all.skipped += one.skipped;
    };
    let (totals, failed) = files::parallel(&sources, jobs, parse, merge);
    anyhow::ensure!(failed == 0, "a parsing thread failed");
    let line = serde_json::json!({
        "files": totals.files,
        "bytes": totals.bytes,
        "nodes": totals.nodes,
        "skipped": totals.skipped,
    });
    writeln!(std::io::stdout().lock(), "{line}")?;
    Ok(())
}
