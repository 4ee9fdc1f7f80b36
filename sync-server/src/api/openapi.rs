//! `GET /api/v1/openapi.json`: the API described for tools (OpenAPI 3.1).

use axum::Json;
use serde_json::{Value, json};

pub async fn document() -> Json<Value> {
    let bearer = json!([{"bearer": []}]);
    let error = json!({"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let op = |summary: &str, ok: &str| json!({"summary": summary, "security": bearer, "responses": {ok: {"description": "ok"}, "default": error}});
    Json(json!({
        "openapi": "3.1.0",
        "info": {"title": "Praxis sync server", "version": env!("CARGO_PKG_VERSION")},
        "servers": [{"url": "/api/v1"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}}},
        },
        "paths": {
            "/users": {"post": op("Create a user (owner); returns {id, token} once", "201")},
            "/tokens": {"post": op("Mint a new token for the caller", "201")},
            "/tokens/current": {"delete": op("Log out: revoke the token used", "204")},
            "/spaces": {"post": op("Create a space (owner)", "201"), "get": op("The caller's spaces", "200")},
            "/spaces/{space}/members/{user}": {
                "put": op("Set a member's role (admin)", "200"),
                "delete": op("Remove a member (admin)", "204"),
            },
            "/spaces/{space}/practices": {"get": op("Revision and practices; ETag, If-None-Match → 304", "200")},
            "/spaces/{space}/practices/{id}": {
                "put": op("Create or replace a practice, validated by the engine (422 otherwise)", "200"),
                "delete": op("Delete a practice (admin)", "200"),
            },
            "/spaces/{space}/practices/{id}/examples": {"post": op("Attach an example {kind, language, code, file}", "201")},
            "/spaces/{space}/events": {"get": op("Server-sent `revision` events", "200")},
            "/spaces/{space}/stats": {
                "post": op("Post anonymous counters {day, counters}", "202"),
                "get": op("Per-day aggregates (admin), ?from=&to=", "200"),
            },
        },
    }))
}
