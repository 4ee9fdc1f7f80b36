//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 document, generated from [`ENDPOINTS`], the
//! table the router is checked against (`tests/api.rs` calls every endpoint listed here, so an
//! endpoint cannot be documented without existing).

use axum::Json;
use praxis_engine::schema::practice_schema;
use serde_json::{Map, Value, json};

/// One documented endpoint.
pub struct Endpoint {
    pub method: &'static str,
    /// Relative to `/api/v1`.
    pub path: &'static str,
    pub summary: &'static str,
    /// Who may call it.
    pub who: &'static str,
    pub success: u16,
    /// The request body's JSON schema, when it takes one.
    pub body: Option<fn() -> Value>,
}

pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        method: "post",
        path: "/users",
        summary: "Create a user; returns {id, token} once",
        who: "owner",
        success: 201,
        body: Some(new_user),
    },
    Endpoint {
        method: "post",
        path: "/tokens",
        summary: "Mint a new token for the caller",
        who: "any user",
        success: 201,
        body: None,
    },
    Endpoint {
        method: "delete",
        path: "/tokens/current",
        summary: "Log out: revoke the token used",
        who: "any user",
        success: 204,
        body: None,
    },
    Endpoint {
        method: "post",
        path: "/spaces",
        summary: "Create a space; the creator is its admin",
        who: "owner",
        success: 201,
        body: Some(new_space),
    },
    Endpoint {
        method: "get",
        path: "/spaces",
        summary: "The caller's spaces and roles",
        who: "any user",
        success: 200,
        body: None,
    },
    Endpoint {
        method: "put",
        path: "/spaces/{space}/members/{user}",
        summary: "Set a member's role",
        who: "space admin",
        success: 200,
        body: Some(membership),
    },
    Endpoint {
        method: "delete",
        path: "/spaces/{space}/members/{user}",
        summary: "Remove a member",
        who: "space admin",
        success: 204,
        body: None,
    },
    Endpoint {
        method: "get",
        path: "/spaces/{space}/practices",
        summary: "{revision, practices}; strong ETag, If-None-Match gives 304 without a body",
        who: "member",
        success: 200,
        body: None,
    },
    Endpoint {
        method: "put",
        path: "/spaces/{space}/practices/{id}",
        summary: "Create or replace a practice, validated by the engine (422 with the reason)",
        who: "admin; members: drafts only",
        success: 200,
        body: Some(practice),
    },
    Endpoint {
        method: "delete",
        path: "/spaces/{space}/practices/{id}",
        summary: "Delete a practice; bumps the revision",
        who: "space admin",
        success: 200,
        body: None,
    },
    Endpoint {
        method: "post",
        path: "/spaces/{space}/practices/{id}/examples",
        summary: "Attach an example snippet and the file it came from",
        who: "member",
        success: 201,
        body: Some(example),
    },
    Endpoint {
        method: "get",
        path: "/spaces/{space}/events",
        summary: "Server-sent `revision` events when the practices change",
        who: "member",
        success: 200,
        body: None,
    },
    Endpoint {
        method: "post",
        path: "/spaces/{space}/stats",
        summary: "Anonymous counters for one day",
        who: "member",
        success: 202,
        body: Some(stats),
    },
    Endpoint {
        method: "get",
        path: "/spaces/{space}/stats",
        summary: "Aggregates per practice, language and day; ?from=YYYY-MM-DD&to=YYYY-MM-DD[&offset=N&limit=N], pages of 1,000 rows with `next`; the first page's `llm` holds the tokens drafting spent per day",
        who: "space admin",
        success: 200,
        body: None,
    },
    Endpoint {
        method: "put",
        path: "/spaces/{space}/integrations/llm",
        summary: "Set the space's LLM provider and key (the key is sealed and never answered); answers the settings",
        who: "space admin",
        success: 200,
        body: Some(llm_settings),
    },
    Endpoint {
        method: "get",
        path: "/spaces/{space}/integrations/llm",
        summary: "The space's LLM provider settings, without the key; 404 when there are none",
        who: "space admin",
        success: 200,
        body: None,
    },
    Endpoint {
        method: "delete",
        path: "/spaces/{space}/integrations/llm",
        summary: "Remove the space's LLM integration and its key",
        who: "space admin",
        success: 204,
        body: None,
    },
    Endpoint {
        method: "post",
        path: "/spaces/{space}/assist/draft",
        summary: "Draft a practice with the space's LLM, validated by the engine; answers {practice, passed, attempts, tokens}; nothing stored but the day's token counts; 409 without an integration, 502 when the provider fails, 429 past 2 drafts at once",
        who: "member",
        success: 200,
        body: Some(draft_request),
    },
];

fn object(required: &[&str], properties: Value) -> Value {
    json!({"type": "object", "additionalProperties": false, "required": required, "properties": properties})
}

fn new_user() -> Value {
    object(&["email"], json!({"email": {"type": "string", "format": "email"}, "owner": {"type": "boolean"}}))
}

fn new_space() -> Value {
    object(&["name"], json!({"name": {"type": "string", "pattern": praxis_sync::wire::SPACE_NAME_PATTERN}}))
}

fn membership() -> Value {
    object(&["role"], json!({"role": {"enum": ["admin", "member"]}}))
}

/// Where the engine's schemas put their shared definitions: the document's components.
const COMPONENTS: &str = "/components/schemas";

/// The JSON form of a practice's YAML, from the engine's model, plus an optional status. Its
/// definitions (the rule object, …) are the document's components ([`practice_components`]).
fn practice() -> Value {
    let mut schema = practice_schema(COMPONENTS);
    if let Some(root) = schema.as_object_mut() {
        root.remove("$schema");
        root.remove("components");
    }
    schema["description"] = json!("The JSON form of a practice's YAML, plus an optional status");
    schema["properties"]["status"] = json!({"enum": ["draft", "active"], "description": "Default: active for admins"});
    schema
}

fn practice_components() -> Map<String, Value> {
    match practice_schema(COMPONENTS)["components"]["schemas"].take() {
        Value::Object(schemas) => schemas,
        _ => Map::new(),
    }
}

fn example() -> Value {
    object(
        &["kind", "language", "code", "file"],
        json!({
            "kind": {"enum": ["good", "bad"]}, "language": {"type": "string"}, "code": {"type": "string"}, "file": {"type": "string"},
        }),
    )
}

fn stats() -> Value {
    let count = json!({"type": "integer", "minimum": 0});
    object(
        &["day", "counters"],
        json!({
            "batch": {"type": "string", "pattern": "^[0-9A-Za-z-]{16,64}$", "description": "A random id per batch: a batch sent again is counted once"},
            "day": {"type": "string", "format": "date"},
            "counters": {"type": "array", "maxItems": 1000, "items": object(&["practice", "language"], json!({
                "practice": {"type": "string"}, "language": {"type": "string"},
                "findings": count, "suppressions": count, "fixes": count, "files": count, "millis": count,
            }))},
        }),
    )
}

fn llm_settings() -> Value {
    let text = json!({"type": "string", "minLength": 1});
    object(
        &["provider", "base_url", "model", "key"],
        json!({
            "provider": {"enum": ["openai", "azure"]},
            "base_url": {"type": "string", "format": "uri", "description": "https://, or http:// to loopback only"},
            "model": text, "deployment": text, "api_version": text,
            "key": {"type": "string", "minLength": 1, "description": "Sealed at rest; never answered"},
        }),
    )
}

fn draft_request() -> Value {
    let snippet = object(&["code", "language"], json!({"code": {"type": "string"}, "language": {"type": "string"}}));
    object(
        &["describe", "bad"],
        json!({
            "describe": {"type": "string", "description": "What is wrong, and what to do instead"},
            "bad": {"type": "array", "minItems": 1, "items": snippet},
            "good": {"type": "array", "items": snippet},
            "id": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"},
        }),
    )
}

pub fn spec() -> Value {
    let mut paths = Map::new();
    for endpoint in ENDPOINTS {
        let parameters: Vec<Value> = endpoint
            .path
            .split('/')
            .filter_map(|part| part.strip_prefix('{')?.strip_suffix('}'))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        let mut operation = json!({
            "summary": endpoint.summary,
            "description": format!("Who: {}.", endpoint.who),
            "security": [{"bearer": []}],
            "parameters": parameters,
            "responses": {
                endpoint.success.to_string(): {"description": "success"},
                "default": {"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            },
        });
        if let Some(body) = endpoint.body {
            operation["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": body()}}});
        }
        let item = paths.entry(endpoint.path).or_insert_with(|| json!({}));
        item[endpoint.method] = operation;
    }
    let mut schemas = practice_components();
    schemas.insert(
        "Error".into(),
        json!({"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}}),
    );
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Praxis sync server", "version": env!("CARGO_PKG_VERSION")},
        "servers": [{"url": "/api/v1"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": schemas,
        },
        "paths": paths,
    })
}

pub async fn document() -> Json<Value> {
    Json(spec())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The body of `PUT /spaces/{space}/practices/{id}` is the engine's practice schema: a real
    /// practice (with a status) passes, a misspelt rule key does not, and every `$ref` resolves
    /// within the document.
    #[test]
    fn the_practice_body_is_the_engines_schema() {
        let mut root = spec();
        root["$ref"] = json!(
            "#/paths/~1spaces~1%7Bspace%7D~1practices~1%7Bid%7D/put/requestBody/content/application~1json/schema"
        );
        let validator = jsonschema::validator_for(&root).expect("the practice body's schema compiles");
        let practice = json!({
            "id": "no-console-log", "name": "Log through the logger", "languages": ["typescript"],
            "rule": {"pattern": "console.log($$$A)", "not": {"inside": {"kind": "catch_clause", "stopBy": "end"}}},
            "examples": {"bad": [{"code": "console.log(1)"}]}, "status": "draft",
        });
        let problems: Vec<String> = validator.iter_errors(&practice).map(|err| err.to_string()).collect();
        assert!(problems.is_empty(), "{problems:?}");
        let mut misspelt = practice.clone();
        misspelt["rule"] = json!({"patern": "console.log($$$A)"});
        assert!(!validator.is_valid(&misspelt));
    }

    /// The LLM bodies' schemas take what the wire types take, and refuse what they refuse.
    #[test]
    fn the_llm_bodies_match_the_wire_types() {
        use praxis_sync::wire::{DraftRequest, PutLlmSettings};
        let schema = |pointer: &str| {
            let mut root = spec();
            root["$ref"] = json!(pointer);
            jsonschema::validator_for(&root).expect("the schema compiles")
        };
        let settings =
            schema("#/paths/~1spaces~1%7Bspace%7D~1integrations~1llm/put/requestBody/content/application~1json/schema");
        let put = json!({"provider": "azure", "base_url": "https://team.openai.azure.com", "model": "gpt-4o",
                         "deployment": "rules", "api_version": "2024-10-21", "key": "k"});
        assert!(settings.is_valid(&put));
        serde_json::from_value::<PutLlmSettings>(put.clone()).unwrap();
        let mut keyless = put.clone();
        keyless.as_object_mut().unwrap().remove("key");
        assert!(!settings.is_valid(&keyless) && serde_json::from_value::<PutLlmSettings>(keyless).is_err());

        let draft =
            schema("#/paths/~1spaces~1%7Bspace%7D~1assist~1draft/post/requestBody/content/application~1json/schema");
        let request = json!({"describe": "Log, do not print", "bad": [{"code": "print(1)", "language": "python"}],
                             "good": [{"code": "log(1)", "language": "python"}], "id": "no-print"});
        assert!(draft.is_valid(&request));
        serde_json::from_value::<DraftRequest>(request.clone()).unwrap();
        let mut extra = request.clone();
        extra["path"] = json!("src/app.py");
        assert!(!draft.is_valid(&extra) && serde_json::from_value::<DraftRequest>(extra).is_err());
    }
}
