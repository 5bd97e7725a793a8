//! The OpenAPI 3.0 description of `/api/v1`, generated from the metric catalog so that it
//! cannot drift from what the server does: one path per metric with its groupings and
//! parameters, served at `/api/openapi.json`.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::get;
use queries::Audience;
use queries::catalog::ParamKind;
use serde_json::{Value as J, json};

use crate::auth::session::COOKIE;
use crate::extractor::cookie;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/openapi.json", get(served))
}

/// The document for the caller: a logged-in user's role sees the metrics it may call; a
/// visitor who is not logged in sees only those open to every audience (the names of
/// committee-only metrics are not published).
async fn served(State(state): State<AppState>, headers: HeaderMap) -> Json<J> {
    let audience = cookie(&headers, COOKIE)
        .and_then(|t| state.sessions.touch(t).ok().flatten())
        .map_or(Audience::Researcher, |s| s.role.audience());
    Json(document_for(audience))
}

/// The whole document, every metric (for tests and tools).
pub fn document() -> J {
    document_for(Audience::Committee)
}

fn error_response(description: &str) -> J {
    json!({ "description": description, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
}

fn param_schema(kind: ParamKind) -> J {
    match kind {
        ParamKind::Date => json!({ "type": "string", "format": "date" }),
        ParamKind::Int { min, max } => json!({ "type": "integer", "format": "int64", "minimum": min, "maximum": max }),
        ParamKind::Text => json!({ "type": "string" }),
        ParamKind::Choice(options) => json!({ "type": "string", "enum": options }),
    }
}

/// The answer while the first-start sample load runs (see [`crate::warmup`]).
const LOADING: &str = "the data are still loading on the server's first start; retry after Retry-After seconds";

/// The document of what `audience` may call.
pub fn document_for(audience: Audience) -> J {
    let mut paths = serde_json::Map::new();
    paths.insert(
        "/api/v1/metrics".into(),
        json!({ "get": {
            "operationId": "listMetrics",
            "summary": "指標の一覧（ログイン中の役割が見られるもの）/ the metrics the caller may see",
            "responses": {
                "200": { "description": "metrics", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/MetricList" } } } },
                "401": error_response("not logged in"),
                "503": error_response(LOADING),
            }
        }}),
    );
    for def in queries::catalog().iter().filter(|d| d.audiences.contains(&audience)) {
        let mut parameters = vec![json!({
            "name": "as_of", "in": "query", "required": false,
            "description": "基準日 (default: the latest roster snapshot)",
            "schema": { "type": "string", "format": "date" }
        })];
        if !def.by.is_empty() {
            parameters.push(json!({
                "name": "by", "in": "query", "required": false,
                "description": "grouping",
                "schema": { "type": "string", "enum": def.by }
            }));
        }
        for p in def.params {
            parameters.push(json!({
                "name": p.name, "in": "query", "required": false,
                "description": p.doc,
                "schema": param_schema(p.kind),
            }));
        }
        let audiences: Vec<&str> = def.audiences.iter().map(|a| a.name()).collect();
        paths.insert(
            format!("/api/v1/metrics/{}", def.name),
            json!({ "get": {
                "operationId": def.name.replace('.', "_"),
                "summary": format!("{} / {}", def.title_ja, def.title_en),
                "description": format!("{} Audiences: {}.", def.summary, audiences.join(", ")),
                "tags": [def.group.en()],
                "parameters": parameters,
                "responses": {
                    "200": { "description": "the result", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/MetricResult" } } } },
                    "400": error_response("a parameter is invalid"),
                    "401": error_response("not logged in"),
                    "403": error_response("the caller's role may not see this metric"),
                    "503": error_response(LOADING),
                }
            }}),
        );
    }
    let cell = json!({
        "nullable": true,
        "anyOf": [
            { "type": "integer" }, { "type": "number" }, { "type": "string" }, { "type": "boolean" },
            { "type": "object", "required": ["suppressed"], "additionalProperties": false,
              "properties": { "suppressed": { "type": "boolean", "enum": [true] } } }
        ]
    });
    let text2 = json!({ "type": "object", "required": ["ja", "en"], "properties": { "ja": { "type": "string" }, "en": { "type": "string" } } });
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "oncometrics API",
            "version": "1",
            "description": "会員・アンケート・専門医・拠点病院の指標。結果は呼び出した役割の秘匿基準で返されます。Results carry the caller's audience's disclosure control; withheld cells are {\"suppressed\": true}.",
        },
        "servers": [{ "url": "/" }],
        "security": [{ "session": [] }],
        "paths": paths,
        "components": {
            "securitySchemes": { "session": { "type": "apiKey", "in": "cookie", "name": crate::auth::session::COOKIE } },
            "schemas": {
                "Error": {
                    "type": "object", "required": ["error"],
                    "properties": { "error": { "type": "object", "required": ["status", "message"],
                        "properties": { "status": { "type": "integer" }, "message": { "type": "string" } } } }
                },
                "Cell": cell,
                "Column": {
                    "type": "object", "required": ["name", "ja", "en", "unit", "role"],
                    "properties": {
                        "name": { "type": "string" }, "ja": { "type": "string" }, "en": { "type": "string" },
                        "unit": { "type": "string" },
                        "role": { "type": "string", "enum": queries::Role::ALL.map(queries::Role::json_name) }
                    }
                },
                "MetricResult": {
                    "type": "object",
                    "required": ["metric", "title", "params", "columns", "rows", "notes", "policy", "provenance", "attribution"],
                    "properties": {
                        "metric": { "type": "string" },
                        "title": text2,
                        "params": { "type": "object", "additionalProperties": { "type": "string" } },
                        "columns": { "type": "array", "items": { "$ref": "#/components/schemas/Column" } },
                        "rows": { "type": "array", "items": { "type": "array", "items": { "$ref": "#/components/schemas/Cell" } } },
                        "notes": { "type": "array", "items": text2 },
                        "policy": { "type": "object" },
                        "provenance": {
                            "type": "object", "required": ["at_load", "load_ids", "sample"],
                            "properties": {
                                "at_load": { "type": "integer" },
                                "load_ids": { "type": "array", "items": { "type": "integer" } },
                                "sample": { "type": "boolean" }
                            }
                        },
                        "attribution": { "type": "array", "items": { "type": "string" } }
                    }
                },
                "MetricList": {
                    "type": "object", "required": ["audience", "metrics"],
                    "properties": {
                        "audience": { "type": "string" },
                        "metrics": { "type": "array", "items": { "type": "object", "required": ["name", "title", "by", "params"] } }
                    }
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_has_a_path_with_its_parameters() {
        let doc = document();
        for def in queries::catalog() {
            let op = &doc["paths"][format!("/api/v1/metrics/{}", def.name)]["get"];
            let names: Vec<&str> =
                op["parameters"].as_array().expect("params").iter().filter_map(|p| p["name"].as_str()).collect();
            for p in def.params {
                assert!(names.contains(&p.name), "{} lacks {}", def.name, p.name);
            }
        }
    }

    #[test]
    fn the_public_document_names_no_committee_only_metric() {
        let doc = document_for(Audience::Researcher);
        let paths = doc["paths"].as_object().expect("paths");
        let hidden: Vec<&str> = queries::catalog()
            .iter()
            .filter(|d| !d.audiences.contains(&Audience::Researcher))
            .map(|d| d.name)
            .collect();
        assert!(!hidden.is_empty(), "the catalog has committee-only metrics");
        for name in hidden {
            assert!(!paths.contains_key(&format!("/api/v1/metrics/{name}")), "{name} is published");
            assert!(!doc.to_string().contains(name), "{name} is named");
        }
    }
}
