//! `praxis languages`: what can be checked, and how files and editors name it.

use std::io::Write;

use super::Exit;

pub fn run() -> anyhow::Result<Exit> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{:<12} {:<22} {:<36} languageIds", "language", "aliases", "extensions")?;
    for language in praxis_grammars::all() {
        let extensions: Vec<String> = language
            .extensions
            .iter()
            .map(|ext| format!(".{ext}"))
            .chain(language.file_names.iter().map(|name| (*name).to_owned()))
            .collect();
        writeln!(
            out,
            "{:<12} {:<22} {:<36} {}",
            language.name,
            language.aliases.join(", "),
            extensions.join(" "),
            language.language_ids.join(", ")
        )?;
    }
    Ok(Exit::Clean)
}
