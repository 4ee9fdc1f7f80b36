//! The Helix setup (`editors/helix/languages.toml`, and the snippet on `docs/editors/helix.md`)
//! against the languages `praxis languages` knows and the languages Helix has
//! (`tests/fixtures/helix/languages.tsv`: each Helix language with its default servers).
//! Helix itself is not in Debian's stable release, so it is not run here; what can go wrong in
//! the file is checked: a language Praxis does not know, a shared language left out, a default
//! server dropped from a list that replaces Helix's own.

mod support;

use std::collections::BTreeMap;

use serde_json::Value;
use support::{praxis_command, workspace};

/// Every name and alias of every language Praxis checks, from `praxis languages --format json`.
fn praxis_language_names() -> Vec<String> {
    let output = praxis_command().args(["languages", "--format", "json"]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let listing: Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut names = Vec::new();
    for language in listing["languages"].as_array().unwrap() {
        names.push(language["name"].as_str().unwrap().to_owned());
        names.extend(language["aliases"].as_array().unwrap().iter().map(|alias| alias.as_str().unwrap().to_owned()));
    }
    names
}

/// Helix's languages and their default language servers.
fn helix_languages() -> BTreeMap<String, Vec<String>> {
    let text = std::fs::read_to_string(support::fixture("helix/languages.tsv")).unwrap();
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .map(|line| {
            let (name, servers) = line.split_once('\t').unwrap();
            (name.to_owned(), servers.split_whitespace().map(str::to_owned).collect())
        })
        .collect()
}

/// The `[[language]]` entries of a Helix languages.toml: name and servers.
fn languages_of(config: &toml::Table) -> Vec<(String, Vec<String>)> {
    config["language"]
        .as_array()
        .unwrap()
        .iter()
        .map(|language| {
            let servers = language["language-servers"].as_array().unwrap();
            let servers = servers.iter().map(|server| server.as_str().unwrap().to_owned()).collect();
            (language["name"].as_str().unwrap().to_owned(), servers)
        })
        .collect()
}

/// Checks one Helix config: the `praxis` server starts `praxis lsp`, every language is one
/// Praxis knows and Helix has, and each list keeps Helix's default servers before `praxis`.
fn check_config(what: &str, config: &toml::Table, praxis: &[String], helix: &BTreeMap<String, Vec<String>>) {
    let server = &config["language-server"]["praxis"];
    assert_eq!(server["command"].as_str(), Some("praxis"), "{what}");
    assert_eq!(server["args"].as_array().map(Vec::as_slice), Some(&[toml::Value::from("lsp")][..]), "{what}");
    for (name, servers) in languages_of(config) {
        assert!(praxis.contains(&name), "{what}: `{name}` is not a language `praxis languages` knows");
        let defaults = helix.get(&name).unwrap_or_else(|| panic!("{what}: Helix has no language `{name}`"));
        let mut expected = defaults.clone();
        expected.push("praxis".to_owned());
        assert_eq!(servers, expected, "{what}: `{name}` keeps Helix's default servers, then praxis");
    }
}

#[test]
fn the_helix_config_covers_every_shared_language_and_keeps_helixs_servers() {
    let praxis = praxis_language_names();
    let helix = helix_languages();
    assert!(helix.len() > 300, "the Helix table is whole: {} languages", helix.len());
    let path = workspace().join("editors/helix/languages.toml");
    let config: toml::Table = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    check_config("editors/helix/languages.toml", &config, &praxis, &helix);
    let configured: Vec<String> = languages_of(&config).into_iter().map(|(name, _)| name).collect();
    let shared: Vec<&String> = helix.keys().filter(|name| praxis.contains(name)).collect();
    let missing: Vec<&&String> = shared.iter().filter(|name| !configured.contains(name)).collect();
    assert!(missing.is_empty(), "languages Helix and Praxis share but the config leaves out: {missing:?}");
    assert!(shared.len() >= 20, "{shared:?}");
}

/// The snippet the page gives to paste is a valid config of its own.
#[test]
fn the_helix_page_snippet_is_a_valid_config() {
    let page = std::fs::read_to_string(workspace().join("docs/editors/helix.md")).unwrap();
    let snippet = page.split("```toml\n").nth(1).and_then(|rest| rest.split("```").next()).expect("a toml block");
    let config: toml::Table = toml::from_str(snippet).unwrap();
    check_config("docs/editors/helix.md", &config, &praxis_language_names(), &helix_languages());
}
