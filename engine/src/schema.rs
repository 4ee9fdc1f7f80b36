//! The JSON Schema of a practice document, derived from the model ([`crate::model`]) so that it
//! cannot drift from what the engine reads. Editors use it to complete and check practice files
//! (`editors/schemas/practice.schema.json`); the sync server's OpenAPI document uses it for the
//! practice a request carries.
//!
//! The schema says what a practice looks like; whether it makes sense (its rule compiles, its
//! examples pass) only the engine can tell, and `praxis test` and the language server do.
//!
//! It is written for JSON Schema draft 7, the newest draft that every editor's YAML and TOML
//! support reads.

use std::borrow::Cow;

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use crate::PracticeDoc;
use crate::model::{NthChildConfig, NthPosition, PatternConfig, StopByConfig};

/// Where definitions go in a standalone schema file.
pub const DEFINITIONS: &str = "/definitions";

/// The settings every Praxis schema is generated with; `definitions_path` is where shared
/// definitions go (`/definitions` in a schema file, `/components/schemas` in OpenAPI).
pub fn settings(definitions_path: &str) -> SchemaSettings {
    let mut settings = SchemaSettings::draft07();
    settings.definitions_path = definitions_path.to_owned().into();
    settings
}

/// The schema of a practice document, with its definitions at `definitions_path`.
pub fn practice_schema(definitions_path: &str) -> serde_json::Value {
    root_schema::<PracticeDoc>(definitions_path)
}

/// The schema of `T` as a standalone document, with its definitions at `definitions_path`.
///
/// An `Option` field is one that may be left out; YAML's `~` and TOML (which has no null) never
/// need a null there, so the schema offers none.
pub fn root_schema<T: JsonSchema>(definitions_path: &str) -> serde_json::Value {
    let mut schema = settings(definitions_path).into_generator().into_root_schema_for::<T>().to_value();
    drop_nulls(&mut schema);
    schema
}

/// Removes `null` from every `type` list and `anyOf`, and every `"default": null`.
fn drop_nulls(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            if map.get("default") == Some(&Value::Null) {
                map.remove("default");
            }
            if let Some(Value::Array(types)) = map.get_mut("type") {
                types.retain(|kind| kind != "null");
                if let [single] = types.as_slice() {
                    let single = single.clone();
                    map.insert("type".into(), single);
                }
            }
            if let Some(Value::Array(alternatives)) = map.get_mut("anyOf") {
                alternatives.retain(|alternative| alternative.get("type").is_none_or(|kind| kind != "null"));
                if alternatives.len() == 1 {
                    // `{anyOf: [{$ref}], description}`: draft 7 ignores a `$ref`'s siblings, so
                    // the reference stays wrapped, in an `allOf`.
                    let only = alternatives.clone();
                    map.remove("anyOf");
                    map.insert("allOf".into(), Value::Array(only));
                }
            }
            map.values_mut().for_each(drop_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

/// The names and aliases a practice may use for a language, as the registry has them.
fn language_names() -> Vec<&'static str> {
    praxis_grammars::all()
        .flat_map(|language| std::iter::once(language.name).chain(language.aliases.iter().copied()))
        .collect()
}

/// `languages:` — a non-empty list of known language names.
pub(crate) fn language_list(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "array",
        "minItems": 1,
        "uniqueItems": true,
        "items": {"enum": language_names()},
    })
}

/// An example's `language:` — one known language name.
pub(crate) fn language_name(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"enum": language_names()})
}

impl JsonSchema for PatternConfig {
    fn schema_name() -> Cow<'static, str> {
        "Pattern".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "Code with metavariables, or, for code that does not parse alone, \
                            the code around it (`context`) and the kind of the node to match in it \
                            (`selector`).",
            "oneOf": [
                {"type": "string"},
                {
                    "type": "object",
                    "required": ["context", "selector"],
                    "properties": {
                        "context": {"type": "string", "description": "Code that parses, holding the pattern."},
                        "selector": {"type": "string", "description": "The kind of the node in `context` to match."},
                    },
                    "additionalProperties": false,
                },
            ],
        })
    }
}

impl JsonSchema for StopByConfig {
    fn schema_name() -> Cow<'static, str> {
        "StopBy".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "How far a relational rule searches: `neighbor` (the next node only, \
                            the default), `end` (all the way), or until a node that matches a rule.",
            "anyOf": [{"enum": ["neighbor", "end"]}, generator.subschema_for::<crate::model::RuleConfig>()],
        })
    }
}

impl JsonSchema for NthPosition {
    fn schema_name() -> Cow<'static, str> {
        "NthPosition".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A 1-based position, or a formula `An+B` (also `odd`, `even`).",
            "oneOf": [
                {"type": "integer", "minimum": 1},
                {"type": "string", "pattern": r"^\s*(odd|even|[+-]?\d*\s*[nN]\s*([+-]\s*\d+)?|\d+)\s*$"},
            ],
        })
    }
}

impl JsonSchema for NthChildConfig {
    fn schema_name() -> Cow<'static, str> {
        "NthChild".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let position = generator.subschema_for::<NthPosition>();
        json_schema!({
            "description": "The node's position among its named siblings: a position, or \
                            `{position, reverse, ofRule}`.",
            "anyOf": [
                position.clone(),
                {
                    "type": "object",
                    "required": ["position"],
                    "properties": {
                        "position": position,
                        "reverse": {"type": "boolean", "description": "Count from the last sibling.", "default": false},
                        "ofRule": generator.subschema_for::<crate::model::RuleConfig>(),
                    },
                    "additionalProperties": false,
                },
            ],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_names_every_language_and_the_rule_keys() {
        let schema = practice_schema(DEFINITIONS);
        let languages = &schema["properties"]["languages"]["items"]["enum"];
        assert!(languages.as_array().unwrap().iter().any(|name| name == "typescript"));
        assert!(languages.as_array().unwrap().iter().any(|name| name == "ts"), "aliases too");
        let rule = &schema["definitions"]["Rule"]["properties"];
        for key in ["pattern", "kind", "regex", "inside", "has", "nthChild", "stopBy", "field"] {
            assert!(rule.get(key).is_some(), "the rule schema has `{key}`: {rule}");
        }
        assert_eq!(schema["additionalProperties"], false, "unknown keys are mistakes");
        assert!(!schema.to_string().contains("null"), "no nulls: an optional key is left out");
    }
}
