//! Files under `editors/` that are generated from the models, checked in so that editors and
//! users can take them as they are: the JSON Schemas of practice files and
//! `.praxis/config.toml` (`editors/schemas/`; the VS Code extension ships them, other editors'
//! YAML and TOML servers can point at them) and the LSP4IJ template for JetBrains IDEs
//! (`editors/jetbrains/lsp4ij/template.json`, its file mappings from the language registry). A
//! test fails when a checked-in file is not what the models generate;
//! `PRAXIS_UPDATE_EDITOR_FILES=1 cargo test -p praxis editor_files` rewrites them.

use praxis_engine::schema::{DEFINITIONS, practice_schema, root_schema};
use serde_json::{Value, json};

use crate::project::Config;

/// Each generated file, relative to `editors/`, with its content.
pub fn files() -> [(&'static str, Value); 3] {
    [
        ("schemas/practice.schema.json", practice_schema(DEFINITIONS)),
        ("schemas/config.schema.json", root_schema::<Config>(DEFINITIONS)),
        ("jetbrains/lsp4ij/template.json", lsp4ij_template()),
    ]
}

/// LSP4IJ's user-defined server template (its `template.json` format): the command, and one
/// file-name-pattern mapping per language Praxis checks, with the LSP language id it expects.
fn lsp4ij_template() -> Value {
    let mappings: Vec<Value> = praxis_grammars::all()
        .map(|language| {
            let patterns: Vec<String> = language.file_patterns("*.", "").collect();
            json!({"fileType": {"name": language.name, "patterns": patterns}, "languageId": language.language_ids[0]})
        })
        .collect();
    json!({
        "id": "praxis",
        "name": "Praxis",
        // `sh -c` gives the server the login shell's PATH (where `cargo install` puts praxis).
        "programArgs": {"default": "sh -c \"praxis lsp\"", "windows": "cmd /c praxis lsp"},
        "fileTypeMappings": mappings,
    })
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;

    fn editors_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../editors")
    }

    fn validator(name: &str) -> jsonschema::Validator {
        let (_, schema) = files().into_iter().find(|(file, _)| file.ends_with(name)).unwrap();
        jsonschema::validator_for(&schema).unwrap_or_else(|err| panic!("{name} is a valid JSON Schema: {err}"))
    }

    fn problems(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
        validator.iter_errors(instance).map(|err| format!("{err} at {}", err.instance_path())).collect()
    }

    #[test]
    fn checked_in_files_are_up_to_date() {
        let update = std::env::var_os("PRAXIS_UPDATE_EDITOR_FILES").is_some();
        let mut stale = Vec::new();
        for (name, content) in files() {
            let path = editors_dir().join(name);
            let text = serde_json::to_string_pretty(&content).unwrap() + "\n";
            if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                if update {
                    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                    std::fs::write(&path, text).unwrap();
                } else {
                    stale.push(path.display().to_string());
                }
            }
        }
        assert!(
            stale.is_empty(),
            "out of date: {}; run `PRAXIS_UPDATE_EDITOR_FILES=1 cargo test -p praxis editor_files` and commit the result",
            stale.join(", ")
        );
    }

    /// Every practice the project ships (starter set, demo, fixtures) is valid under the schema:
    /// the schema never flags what the engine accepts.
    #[test]
    fn every_shipped_practice_is_valid_under_the_schema() {
        let validator = validator("practice.schema.json");
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        for dir in ["examples", "tests/fixtures"] {
            let walk = ignore::WalkBuilder::new(root.join(dir)).hidden(false).build();
            files.extend(
                walk.filter_map(Result::ok)
                    .map(|entry| entry.into_path())
                    .filter(|path| path.extension().is_some_and(|ext| ext == "yaml" || ext == "yml")),
            );
        }
        let mut checked = 0;
        let mut invalid = Vec::new();
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap();
            // Documents the engine rejects (fixtures of practice errors) and other YAML files say
            // nothing about the schema.
            let Ok(doc) = serde_yaml_ng::from_str::<praxis_engine::PracticeDoc>(&text) else { continue };
            if praxis_engine::Practice::from_doc(doc).is_err() {
                continue;
            }
            let value: Value = serde_yaml_ng::from_str(&text).unwrap();
            checked += 1;
            let found = problems(&validator, &value);
            if !found.is_empty() {
                invalid.push(format!("{}: {}", path.display(), found.join("; ")));
            }
        }
        for (_, yaml) in crate::starter::PRACTICES {
            let value: Value = serde_yaml_ng::from_str(yaml).unwrap();
            checked += 1;
            let found = problems(&validator, &value);
            assert!(found.is_empty(), "a starter practice is invalid: {}", found.join("; "));
        }
        // The ast-grep catalog's rules port by copy and paste: their rule objects are valid too.
        let catalog = root.join("tests/fixtures/ast-grep-catalog");
        for dir in [catalog.join("rules"), catalog.join("praxis-only/rules")] {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                let rule: Value = serde_yaml_ng::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
                let mut practice = json!({
                    "id": rule["id"], "name": rule["id"],
                    "languages": [rule["language"].as_str().unwrap().to_lowercase()],
                    "rule": rule["rule"],
                });
                for key in ["utils", "constraints", "message"] {
                    if let Some(value) = rule.get(key) {
                        practice[key] = value.clone();
                    }
                }
                checked += 1;
                let found = problems(&validator, &practice);
                if !found.is_empty() {
                    invalid.push(format!("{}: {}", path.display(), found.join("; ")));
                }
            }
        }
        assert!(invalid.is_empty(), "{}", invalid.join("\n"));
        assert!(checked > 80, "only {checked} practices were checked");
    }

    #[test]
    fn the_practice_schema_flags_typical_mistakes() {
        let validator = validator("practice.schema.json");
        let good = json!({"id": "no-x", "name": "No x", "languages": ["ts"], "rule": {"pattern": "x()"}});
        assert!(problems(&validator, &good).is_empty());
        let mistakes = [
            json!({"id": "no-x", "name": "No x", "languages": ["ts"]}),
            json!({"id": "no-x", "name": "No x", "languages": ["cobol"], "rule": {"pattern": "x()"}}),
            json!({"id": "no-x", "name": "No x", "languages": ["ts"], "rule": {"patern": "x()"}}),
            json!({"id": "no-x", "name": "No x", "languages": ["ts"], "rule": {"pattern": "x()"}, "severity": "fatal"}),
            json!({"id": "no-x", "name": "No x", "languages": ["ts"], "rule": {"inside": {"stopBy": "forever"}}}),
            json!({"id": "no-x", "name": "No x", "languages": ["ts"], "rule": {"nthChild": 0}}),
            json!({"id": "no-x", "name": "No x", "languages": ["ts"], "rule": {"kind": "a"}, "examples": {"bad": ["x()"]}}),
        ];
        for mistake in mistakes {
            assert!(!problems(&validator, &mistake).is_empty(), "the schema flags {mistake}");
        }
    }

    #[test]
    fn the_config_schema_takes_the_starter_config_and_flags_mistakes() {
        let validator = validator("config.schema.json");
        let starter: Value = toml::from_str(crate::starter::CONFIG).unwrap();
        assert!(problems(&validator, &starter).is_empty(), "{:?}", problems(&validator, &starter));
        let full: Value = toml::from_str(
            "stats = false\n[server]\nurl = \"https://praxis.example.com\"\nspace = \"web\"\n\
             [practices]\npaths = [\"lint\"]\ndisable = [\"a\"]\n[severity]\nb = \"error\"\n",
        )
        .unwrap();
        assert!(problems(&validator, &full).is_empty(), "{:?}", problems(&validator, &full));
        // The README's example config: every key, as users copy it.
        let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md")).unwrap();
        let section = readme.split("## Project configuration").nth(1).unwrap();
        let example = section.split("```toml\n").nth(1).and_then(|rest| rest.split("```").next()).unwrap();
        toml::from_str::<Config>(example).expect("the README's config is a config");
        let example: Value = toml::from_str(example).unwrap();
        assert!(problems(&validator, &example).is_empty(), "{:?}", problems(&validator, &example));
        for mistake in ["[severity]\nb = \"fatal\"\n", "[server]\nurl = \"https://x\"\n", "[practice]\npaths = []\n"] {
            let value: Value = toml::from_str(mistake).unwrap();
            assert!(!problems(&validator, &value).is_empty(), "the schema flags {mistake:?}");
        }
    }

    /// The template users import maps every file Praxis checks, each to a language id the
    /// server takes for that file's language, and starts `praxis lsp`.
    #[test]
    fn the_lsp4ij_template_maps_every_language_to_its_language_id() {
        let path = editors_dir().join("jetbrains/lsp4ij/template.json");
        let template: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        assert!(template["programArgs"]["default"].as_str().unwrap().contains("praxis lsp"));
        let mappings = template["fileTypeMappings"].as_array().unwrap();
        let mut mapped = Vec::new();
        for mapping in mappings {
            let language_id = mapping["languageId"].as_str().unwrap();
            let language = praxis_grammars::by_language_id(language_id)
                .unwrap_or_else(|| panic!("`{language_id}` is a language id the server knows"));
            for pattern in mapping["fileType"]["patterns"].as_array().unwrap() {
                let pattern = pattern.as_str().unwrap();
                let file = pattern.replace('*', "file");
                let by_path = praxis_grammars::by_path(Path::new(&file)).map(|language| language.name);
                assert_eq!(by_path, Some(language.name), "{pattern} is mapped to {language_id}");
                mapped.push(file);
            }
        }
        for language in praxis_grammars::all() {
            for extension in language.extensions {
                assert!(mapped.contains(&format!("file.{extension}")), "*.{extension} ({}) is mapped", language.name);
            }
            for name in language.file_names {
                assert!(mapped.iter().any(|file| file == name), "{name} ({}) is mapped", language.name);
            }
        }
    }
}
