//! `praxis explain ID`: a practice's name, description and examples, as Markdown.

use std::io::Write;
use std::path::Path;

use anyhow::bail;

use super::{Exit, PracticeArgs};
use crate::practices;

pub fn run(id: &str, args: &PracticeArgs) -> anyhow::Result<Exit> {
    // The cached set of the server followed, if any: no network for this.
    let (server, _) = super::sync::follow_run(Path::new("."), false)?;
    let loaded = practices::load(args, Path::new("."), server.as_ref())?;
    let Some(practice) = loaded.set.get(id) else {
        if let Some(error) = loaded.errors.iter().find(|error| error.practice.as_deref() == Some(id)) {
            bail!("practice `{id}` has errors: {error}");
        }
        let known: Vec<&str> = loaded.set.practices().iter().map(|practice| practice.id()).collect();
        bail!("unknown practice `{id}`; known practices: {}", known.join(", "));
    };
    let doc = &practice.doc;
    let mut out = std::io::stdout().lock();
    writeln!(out, "# {}\n", doc.name)?;
    writeln!(out, "`{}` · {} · {}", doc.id, practice.severity, doc.languages.join(", "))?;
    if let Some(url) = &doc.url {
        writeln!(out, "\n{url}")?;
    }
    if !doc.description.is_empty() {
        writeln!(out, "\n{}", doc.description.trim_end())?;
    }
    let first_language = doc.languages.first().map_or("", String::as_str);
    for (title, examples) in [("Bad", &doc.examples.bad), ("Good", &doc.examples.good)] {
        if examples.is_empty() {
            continue;
        }
        writeln!(out, "\n## {title}")?;
        for example in examples {
            let language = example.language.as_deref().unwrap_or(first_language);
            writeln!(out, "\n```{language}\n{}\n```", example.code.trim_end())?;
        }
    }
    if let Some(fix) = &doc.fix {
        writeln!(out, "\n## Fix\n\n```{first_language}\n{}\n```", fix.trim_end())?;
    }
    Ok(Exit::Clean)
}
