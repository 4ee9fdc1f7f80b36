//! `praxis init`: a `.praxis/` folder with a commented config and the starter practices.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};

use super::Exit;
use crate::project::{CONFIG_FILE, PRAXIS_DIR};
use crate::starter;

pub fn run(dir: Option<PathBuf>) -> anyhow::Result<Exit> {
    let dir = dir.unwrap_or_else(|| PathBuf::from("."));
    if !dir.is_dir() {
        bail!("{} is not a folder", dir.display());
    }
    let praxis = dir.join(PRAXIS_DIR);
    if praxis.exists() {
        bail!("{} already exists; remove it first to start over", praxis.display());
    }
    let practices = praxis.join("practices");
    std::fs::create_dir_all(&practices).with_context(|| format!("cannot create {}", practices.display()))?;
    let mut written = vec![(praxis.join(CONFIG_FILE), starter::CONFIG)];
    written.extend(starter::PRACTICES.iter().map(|(name, text)| (practices.join(name), *text)));
    for (path, text) in &written {
        std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "Created {} with a config and {} starter practices:", praxis.display(), starter::PRACTICES.len())?;
    for (name, _) in starter::PRACTICES {
        writeln!(out, "  {}", practices.join(name).display())?;
    }
    writeln!(out, "\nNext: `praxis test` runs their examples, `praxis check` checks your code.")?;
    Ok(Exit::Clean)
}
