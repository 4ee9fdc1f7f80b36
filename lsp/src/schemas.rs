//! The JSON Schemas editors use for Praxis's own files, generated from the models that read
//! them and checked in under `editors/schemas/` (the VS Code extension ships them; other
//! editors' YAML and TOML servers can point at them). A test fails when a checked-in file is
//! not what the models generate; `PRAXIS_UPDATE_SCHEMAS=1 cargo test -p praxis schemas`
//! rewrites them.

use praxis_engine::schema::{DEFINITIONS, practice_schema, root_schema};

use crate::project::Config;

/// Each schema file under `editors/schemas/`, with its content.
pub fn files() -> [(&'static str, serde_json::Value); 2] {
    [("practice.schema.json", practice_schema(DEFINITIONS)), ("config.schema.json", root_schema::<Config>(DEFINITIONS))]
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use serde_json::{Value, json};

    use super::*;

    fn schemas_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../editors/schemas")
    }

    fn validator(name: &str) -> jsonschema::Validator {
        let (_, schema) = files().into_iter().find(|(file, _)| *file == name).unwrap();
        jsonschema::validator_for(&schema).unwrap_or_else(|err| panic!("{name} is a valid JSON Schema: {err}"))
    }

    fn problems(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
        validator.iter_errors(instance).map(|err| format!("{err} at {}", err.instance_path())).collect()
    }

    #[test]
    fn checked_in_schemas_are_up_to_date() {
        let update = std::env::var_os("PRAXIS_UPDATE_SCHEMAS").is_some();
        let mut stale = Vec::new();
        for (name, schema) in files() {
            let path = schemas_dir().join(name);
            let text = serde_json::to_string_pretty(&schema).unwrap() + "\n";
            if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                if update {
                    std::fs::write(&path, text).unwrap();
                } else {
                    stale.push(path.display().to_string());
                }
            }
        }
        assert!(
            stale.is_empty(),
            "out of date: {}; run `PRAXIS_UPDATE_SCHEMAS=1 cargo test -p praxis schemas` and commit the result",
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
        for mistake in ["[severity]\nb = \"fatal\"\n", "[server]\nurl = \"https://x\"\n", "[practice]\npaths = []\n"] {
            let value: Value = toml::from_str(mistake).unwrap();
            assert!(!problems(&validator, &value).is_empty(), "the schema flags {mistake:?}");
        }
    }
}
