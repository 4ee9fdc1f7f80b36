//! `praxis languages`: what can be checked, and how files and editors name it.

use std::io::Write;

use serde::Serialize;

use super::{Exit, ListFormat};

/// One language, as `--format json` prints it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Listed {
    name: &'static str,
    aliases: &'static [&'static str],
    /// Without the dot.
    extensions: &'static [&'static str],
    file_names: &'static [&'static str],
    language_ids: &'static [&'static str],
}

pub fn run(format: ListFormat) -> anyhow::Result<Exit> {
    let mut out = std::io::stdout().lock();
    match format {
        ListFormat::Json => {
            let languages: Vec<Listed> = praxis_grammars::all()
                .map(|language| Listed {
                    name: language.name,
                    aliases: language.aliases,
                    extensions: language.extensions,
                    file_names: language.file_names,
                    language_ids: language.language_ids,
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &serde_json::json!({"version": 1, "languages": languages}))?;
            writeln!(out)?;
        }
        ListFormat::Human => {
            writeln!(out, "{:<12} {:<22} {:<36} languageIds", "language", "aliases", "extensions")?;
            for language in praxis_grammars::all() {
                let extensions: Vec<String> = language.file_patterns(".", "").collect();
                writeln!(
                    out,
                    "{:<12} {:<22} {:<36} {}",
                    language.name,
                    language.aliases.join(", "),
                    extensions.join(" "),
                    language.language_ids.join(", ")
                )?;
            }
        }
    }
    Ok(Exit::Clean)
}
