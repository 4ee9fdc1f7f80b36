//! `praxis practice draft`: a practice drafted by an LLM from a description and chosen
//! snippets, judged by the engine, written only when it passes. The provider is the one `[llm]`
//! configures, or with `--server` the followed space's, through the team's server (which runs
//! the same loop). Only the description and the chosen lines leave the machine: never the rest
//! of a file, its name or its path.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use praxis_assist::{ChatClient, Draft, DraftAnswer, DraftRequest, Snippet};
use praxis_engine::Practice;

use super::Exit;
use super::llm;
use crate::project::Project;
use crate::remote::block_on;

/// The largest file a snippet is read from.
const MAX_FILE: u64 = 10 * 1024 * 1024;

#[derive(Debug, clap::Args)]
pub struct DraftArgs {
    /// What is wrong, and what to do instead.
    #[arg(long, value_name = "TEXT")]
    pub describe: String,
    /// Code the practice must flag: a file, or some of its lines (1-based, inclusive).
    /// Repeatable.
    #[arg(long, value_name = "FILE[:START-END]", required = true)]
    pub bad: Vec<String>,
    /// Code the practice must not flag. Repeatable.
    #[arg(long, value_name = "FILE[:START-END]")]
    pub good: Vec<String>,
    /// The snippets' language (default: from each file's extension).
    #[arg(long, value_name = "L")]
    pub language: Option<String>,
    /// The practice's id (default: the model's choice).
    #[arg(long)]
    pub id: Option<String>,
    /// Where to write the practice (default: `<id>.yaml` in the project's first practice
    /// folder).
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// How many answers to ask for before giving up [default: 4].
    #[arg(long, value_name = "N", conflicts_with = "server",
          value_parser = clap::value_parser!(u32).range(1..=i64::from(praxis_assist::MAX_ATTEMPTS)))]
    pub attempts: Option<u32>,
    /// Draft through the followed space's server, with the provider and key its admins set
    /// (the server decides the attempts). Only the description and the snippets are sent.
    #[arg(long)]
    pub server: bool,
    /// Replace the file at the output path if there is one.
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: &DraftArgs) -> anyhow::Result<Exit> {
    let request = DraftRequest {
        describe: args.describe.clone(),
        bad: snippets(&args.bad, args.language.as_deref())?,
        good: snippets(&args.good, args.language.as_deref())?,
        id: args.id.clone(),
    };
    let folder = match &args.out {
        Some(_) => None,
        None => Some(practice_folder()?),
    };
    if let (Some(id), Some(folder)) = (&args.id, &folder) {
        refuse_existing(&folder.join(format!("{id}.yaml")), args.force)?;
    }
    if let Some(out) = &args.out {
        refuse_existing(out, args.force)?;
    }
    let draft = if args.server {
        through_server(&request)?
    } else {
        let settings = llm::settings()?;
        let client = ChatClient::new(&settings, llm::key(&settings)?)?;
        let attempts = args.attempts.unwrap_or(praxis_assist::DEFAULT_ATTEMPTS);
        block_on(praxis_assist::draft(&client, &request, attempts))??
    };
    report(&draft)?;
    if !draft.passed {
        crate::report::error_line(&format!(
            "no attempt passed in {}; the last draft is above, nothing was written",
            crate::report::plural(draft.attempts.len(), "attempt", "attempts")
        ));
        return Ok(Exit::Findings);
    }
    let path = match (&args.out, folder) {
        (Some(out), _) => out.clone(),
        (None, Some(folder)) => {
            let practice = Practice::from_yaml(&draft.yaml, None)
                .map_err(|_| anyhow::anyhow!("the passing practice does not read back"))?;
            folder.join(format!("{}.yaml", practice.id()))
        }
        (None, None) => unreachable!("a folder is found when no --out is given"),
    };
    write_new(&path, &draft.yaml, args.force)?;
    writeln!(std::io::stderr().lock(), "wrote {}", path.display())?;
    Ok(Exit::Clean)
}

/// Drafts through the followed space's server: the request (description and snippets) is all
/// that goes.
fn through_server(request: &DraftRequest) -> anyhow::Result<Draft> {
    let (sync, follow, _) = super::sync::open_followed()?;
    let binding = &follow.binding;
    let client = binding.client(&sync.tokens)?;
    let answer = block_on(client.draft(&binding.space, request))??;
    let DraftAnswer { practice, passed, attempts, tokens } = answer;
    Ok(Draft { yaml: practice, passed, attempts, tokens })
}

/// Prints the practice (stdout), what each attempt got wrong and the tokens spent (stderr).
fn report(draft: &Draft) -> anyhow::Result<()> {
    let mut err = std::io::stderr().lock();
    for (index, attempt) in draft.attempts.iter().enumerate() {
        if attempt.errors.is_empty() {
            writeln!(err, "attempt {}: passed", index + 1)?;
        } else {
            writeln!(err, "attempt {}: {}", index + 1, crate::report::plural(attempt.errors.len(), "error", "errors"))?;
            for error in &attempt.errors {
                writeln!(err, "  {error}")?;
            }
        }
    }
    writeln!(err, "tokens: {} sent, {} received", draft.tokens.sent, draft.tokens.received)?;
    let mut out = std::io::stdout().lock();
    out.write_all(draft.yaml.as_bytes())?;
    if !draft.yaml.ends_with('\n') {
        writeln!(out)?;
    }
    out.flush()?;
    Ok(())
}

/// The project's first practice folder.
fn practice_folder() -> anyhow::Result<PathBuf> {
    let project = Project::discover(Path::new("."))?
        .context("no project here (no .praxis/ folder above): pass --out PATH, or run `praxis init` first")?;
    project.practice_dirs().into_iter().next().context("the project's config lists no practice folder: pass --out PATH")
}

fn refuse_existing(path: &Path, force: bool) -> anyhow::Result<()> {
    if !force && path.exists() {
        bail!("{} exists; pass --force to replace it", path.display());
    }
    Ok(())
}

/// Writes the file whole: a temporary file beside it, renamed into place.
fn write_new(path: &Path, text: &str, force: bool) -> anyhow::Result<()> {
    refuse_existing(path, force)?;
    path.file_name().context("--out names no file")?;
    crate::files::write_whole(path, text)
}

/// The snippets the arguments name, each with its language.
fn snippets(selections: &[String], language: Option<&str>) -> anyhow::Result<Vec<Snippet>> {
    let chosen = language
        .map(|name| {
            praxis_grammars::by_name(name)
                .with_context(|| format!("unknown language `{name}`; `praxis languages` lists them"))
        })
        .transpose()?;
    selections
        .iter()
        .map(|selection| {
            let (file, lines) = parse_selection(selection)?;
            let language = match chosen {
                Some(language) => language,
                None => praxis_grammars::by_path(&file).with_context(|| {
                    format!("cannot tell the language of {} from its name: pass --language", file.display())
                })?,
            };
            let code = read_lines(&file, lines)?;
            Ok(Snippet { code, language: language.name.to_owned() })
        })
        .collect()
}

/// `FILE`, `FILE:N` or `FILE:START-END` (lines 1-based, inclusive). A file whose own name ends
/// in `:N` is still read whole when no such line range was meant: the suffix must be digits.
fn parse_selection(text: &str) -> anyhow::Result<(PathBuf, Option<(usize, usize)>)> {
    if let Some((file, range)) = text.rsplit_once(':')
        && !file.is_empty()
        && !range.is_empty()
        && range.bytes().all(|b| b.is_ascii_digit() || b == b'-')
    {
        let (start, end) = range.split_once('-').unwrap_or((range, range));
        let bad = || anyhow::anyhow!("`{text}`: lines are START-END, 1-based, START at most END");
        let start: usize = start.parse().map_err(|_| bad())?;
        let end: usize = end.parse().map_err(|_| bad())?;
        if start == 0 || end < start {
            return Err(bad());
        }
        return Ok((PathBuf::from(file), Some((start, end))));
    }
    Ok((PathBuf::from(text), None))
}

/// The file's text, or the chosen lines of it.
fn read_lines(file: &Path, lines: Option<(usize, usize)>) -> anyhow::Result<String> {
    let size = std::fs::metadata(file).with_context(|| format!("cannot read {}", file.display()))?.len();
    if size > MAX_FILE {
        bail!("{} is larger than {} MiB", file.display(), MAX_FILE / 1024 / 1024);
    }
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {} as UTF-8 text", file.display()))?;
    let Some((start, end)) = lines else { return Ok(text) };
    let count = text.lines().count();
    if end > count {
        bail!("{} has {count} lines; lines {start}-{end} were asked for", file.display());
    }
    let chosen: Vec<&str> = text.split_inclusive('\n').skip(start - 1).take(end - start + 1).collect();
    Ok(chosen.concat())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selections() {
        assert_eq!(parse_selection("src/a.py").unwrap(), (PathBuf::from("src/a.py"), None));
        assert_eq!(parse_selection("src/a.py:3-5").unwrap(), (PathBuf::from("src/a.py"), Some((3, 5))));
        assert_eq!(parse_selection("a.py:7").unwrap(), (PathBuf::from("a.py"), Some((7, 7))));
        assert_eq!(parse_selection(r"C:\src\a.py").unwrap(), (PathBuf::from(r"C:\src\a.py"), None));
        for bad in ["a.py:0-1", "a.py:5-3", "a.py:1-2-3", "a.py:-"] {
            assert!(parse_selection(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn chosen_lines_only() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.py");
        std::fs::write(&file, "one\ntwo\nthree\n").unwrap();
        assert_eq!(read_lines(&file, Some((2, 3))).unwrap(), "two\nthree\n");
        assert_eq!(read_lines(&file, None).unwrap(), "one\ntwo\nthree\n");
        assert!(read_lines(&file, Some((3, 4))).unwrap_err().to_string().contains("has 3 lines"));
    }
}
