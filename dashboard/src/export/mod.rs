//! Downloads of any metric: CSV (UTF-8 with BOM by default so that Excel reads Japanese;
//! Shift_JIS/CP932 on request), JSON (with policy and provenance), XLSX, Parquet, and a
//! ZIP of CSV + XLSX + Parquet with `manifest.json` (see [`reports::export`]). Every export is
//! written to the audit log. Text cells that a spreadsheet would run as a formula are
//! escaped; numbers stay numbers.

pub mod packs;

pub use reports::export::{csv, csv_text, spreadsheet_safe};

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::error::{Error, Result};
use crate::extractor::User;
use crate::pages::{Params, as_of, evaluate, request_from};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/export/{file}", get(export))
}

/// CSV text as CP932, or a message naming the first character Shift_JIS cannot hold.
fn cp932(text: &str) -> Result<Vec<u8>> {
    reports::export::cp932(text).map_err(|bad| {
        Error::BadRequest(format!(
            "Shift_JIS で表せない文字 {bad:?} が含まれます。UTF-8 でダウンロードしてください / a character cannot be written in Shift_JIS"
        ))
    })
}

fn internal(e: reports::Error) -> Error {
    Error::Internal(e.to_string())
}

async fn export(
    State(state): State<AppState>,
    user: User,
    Path(file): Path<String>,
    Query(params): Query<Params>,
) -> Result<Response> {
    let (name, ext) = file.rsplit_once('.').ok_or(Error::NotFound)?;
    let def = queries::find(name)?;
    let d = as_of(&state, &params)?;
    let req = request_from(def, &user, d, &params);
    let result = evaluate(&state, &user, req).await?;
    let stem = format!("{}_{}", def.name, d);
    let (body, content_type, filename) = match ext {
        "csv" => {
            let text = csv(&result, params.get("header").is_some_and(|h| h == "names"));
            match params.get("encoding").map(String::as_str) {
                None | Some("utf-8") | Some("utf8") => {
                    (reports::export::utf8_bom(&text), "text/csv; charset=utf-8", format!("{stem}.csv"))
                }
                Some("cp932") | Some("shift_jis") | Some("sjis") => {
                    (cp932(&text)?, "text/csv; charset=Shift_JIS", format!("{stem}_sjis.csv"))
                }
                Some(other) => {
                    return Err(Error::BadRequest(format!(
                        "encoding {other:?}: utf-8 または cp932 を指定してください / use utf-8 or cp932"
                    )));
                }
            }
        }
        "xlsx" => (
            reports::export::xlsx(&result).map_err(internal)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            format!("{stem}.xlsx"),
        ),
        "parquet" => (
            reports::export::parquet(&result).map_err(internal)?,
            "application/vnd.apache.parquet",
            format!("{stem}.parquet"),
        ),
        "zip" => {
            let b = reports::export::utf8_bom(&csv(&result, false));
            (reports::export::zip(&result, &stem, b).map_err(internal)?, "application/zip", format!("{stem}.zip"))
        }
        "json" => {
            let mut j = queries::render::json(&result);
            j["attribution"] = serde_json::json!(model::ATTRIBUTION);
            let text = serde_json::to_string_pretty(&j).map_err(|e| Error::Internal(e.to_string()))?;
            (text.into_bytes(), "application/json", format!("{stem}.json"))
        }
        _ => return Err(Error::NotFound),
    };
    let detail =
        format!("{ext} {}", result.params.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&"));
    state.audit(Some(user.name()), "export", def.name, &detail, &user.addr).await?;
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    Ok((
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type)), (header::CONTENT_DISPOSITION, disposition)],
        body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cp932_refusal_names_the_character() {
        let e = cp932("𠮷野家").expect_err("not in Shift_JIS");
        assert!(e.public_message().contains("𠮷"), "{}", e.public_message());
    }
}
