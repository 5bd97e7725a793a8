//! The JSON API: the same metrics as the pages, under `/api/v1/...`, for the user's audience.

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use queries::Request;
use serde_json::{Value as J, json};

use crate::error::{ApiError, Error};
use crate::extractor::ApiUser;
use crate::pages::{Params, evaluate, model_date};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/metrics", get(list))
        .route("/api/v1/metrics/{name}", get(metric))
        .route("/api/v1/{*rest}", get(not_found))
}

async fn not_found() -> ApiError {
    ApiError(Error::NotFound)
}

/// Every metric the user may see, with its groupings and parameters.
async fn list(ApiUser(user): ApiUser) -> Json<J> {
    let metrics: Vec<J> = queries::catalog()
        .into_iter()
        .filter(|m| m.audiences.contains(&user.audience()))
        .map(|m| {
            json!({
                "name": m.name,
                "group": m.group.en(),
                "title": { "ja": m.title_ja, "en": m.title_en },
                "summary": m.summary,
                "summary_ja": m.summary_ja,
                "definition": { "ja": m.definition_ja, "en": m.definition },
                "caveats": { "ja": m.caveats_ja, "en": m.caveats },
                "unit": m.unit,
                "by": m.by,
                "params": m.params.iter().map(|p| json!({ "name": p.name, "default": p.default, "doc": p.doc, "doc_ja": p.doc_ja })).collect::<Vec<_>>(),
            })
        })
        .collect();
    Json(json!({ "audience": user.audience().name(), "metrics": metrics }))
}

/// One metric: `?as_of=YYYY-MM-DD&by=...&<param>=...`.
async fn metric(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(name): Path<String>,
    Query(params): Query<Params>,
) -> Result<Json<J>, ApiError> {
    let def = queries::find(&name)?;
    let mut req = Request::new(def.name, user.audience());
    for (k, v) in &params {
        match k.as_str() {
            "as_of" => req = req.as_of(model_date(v.trim())?),
            "by" => req = req.by(v.trim()),
            _ => req = req.param(k, v.trim()),
        }
    }
    let result = evaluate(&state, &user, req).await?;
    let mut j = queries::render::json(&result);
    j["attribution"] = json!(model::ATTRIBUTION);
    Ok(Json(j))
}
