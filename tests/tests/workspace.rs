//! The workspace's own settings.

mod support;

/// Every tree-sitter crate the workspace depends on is built optimised in debug builds: a
/// grammar added without its profile entry would make every test that parses it slow.
#[test]
fn every_grammar_is_optimised_in_debug_builds() {
    let manifest = std::fs::read_to_string(support::workspace().join("Cargo.toml")).unwrap();
    let dependencies = manifest.split("[workspace.dependencies]").nth(1).unwrap().split("\n[").next().unwrap();
    let crates: Vec<&str> = dependencies
        .lines()
        .filter_map(|line| line.split_once(" = ").map(|(name, _)| name.trim()))
        .filter(|name| name.starts_with("tree-sitter") && *name != "tree-sitter-language")
        .collect();
    assert!(crates.len() >= 20, "{crates:?}");
    for name in crates {
        let entry = format!("[profile.dev.package.{name}]\nopt-level = 2\n");
        assert!(manifest.contains(&entry), "Cargo.toml lacks\n{entry}");
    }
}
