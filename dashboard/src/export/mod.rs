//! Downloads of any metric: CSV (UTF-8 with BOM by default so that Excel reads Japanese;
//! Shift_JIS/CP932 on request), JSON (with policy and provenance), XLSX, Parquet, and a
//! ZIP of CSV + XLSX + Parquet with `manifest.json` (see [`formats`]). Every export is
//! written to the audit log. Text cells that a spreadsheet would run as a formula are
//! escaped; numbers stay numbers.

pub mod formats;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use queries::{MetricResult, Value};

use crate::auth::User;
use crate::error::{Error, Result};
use crate::pages::{Params, as_of, evaluate, request_from};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/export/{file}", get(export))
}

/// A text cell made safe for spreadsheets: a leading = + - @ tab or CR would start a
/// formula (CSV injection), so such cells get a leading apostrophe.
pub fn spreadsheet_safe(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}").into() } else { s.into() }
}

fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

/// A text cell for CSV: formula-escaped, then quoted where needed.
pub fn csv_text(s: &str) -> String {
    quote(&spreadsheet_safe(s))
}

/// CSV of a result: one header row (Japanese with units, or column names), then the rows.
/// Withheld cells are written as X, as in official statistics.
pub fn csv(r: &MetricResult, names: bool) -> String {
    let mut out = String::new();
    let header: Vec<String> = r
        .columns
        .iter()
        .map(|c| {
            if names {
                c.name.to_string()
            } else if c.unit.is_empty() {
                c.ja.to_string()
            } else {
                format!("{}（{}）", c.ja, c.unit)
            }
        })
        .collect();
    out.push_str(&header.iter().map(|h| quote(h)).collect::<Vec<_>>().join(","));
    out.push_str("\r\n");
    for row in &r.rows {
        let cells: Vec<String> = row
            .iter()
            .map(|v| match v {
                Value::Text(s) => csv_text(s),
                other => quote(&other.display()),
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

/// Encodes CSV text as CP932, naming the first character Shift_JIS cannot hold.
pub fn cp932(text: &str) -> Result<Vec<u8>> {
    let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(text);
    if unmappable {
        let bad = text.chars().find(|c| {
            let mut b = [0_u8; 4];
            encoding_rs::SHIFT_JIS.encode(c.encode_utf8(&mut b)).2
        });
        return Err(Error::BadRequest(format!(
            "Shift_JIS で表せない文字 {:?} が含まれます。UTF-8 でダウンロードしてください / a character cannot be written in Shift_JIS",
            bad.unwrap_or('?')
        )));
    }
    Ok(bytes.into_owned())
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
                    let mut b = "\u{feff}".as_bytes().to_vec();
                    b.extend(text.into_bytes());
                    (b, "text/csv; charset=utf-8", format!("{stem}.csv"))
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
            formats::xlsx(&result)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            format!("{stem}.xlsx"),
        ),
        "parquet" => (formats::parquet(&result)?, "application/vnd.apache.parquet", format!("{stem}.parquet")),
        "zip" => {
            let mut b = "\u{feff}".as_bytes().to_vec();
            b.extend(csv(&result, false).into_bytes());
            (formats::zip(&result, &stem, b)?, "application/zip", format!("{stem}.zip"))
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
    state.audit(Some(user.name()), "export", def.name, &detail, &user.addr).await;
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
    fn formula_starts_are_escaped_and_other_text_is_not() {
        for s in ["=1+1", "+81", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(spreadsheet_safe(s), format!("'{s}"));
        }
        assert_eq!(spreadsheet_safe("医師"), "医師");
        assert_eq!(spreadsheet_safe("a=b"), "a=b");
    }

    #[test]
    fn cp932_encodes_japanese_and_names_what_it_cannot() {
        assert_eq!(cp932("医師").expect("encodable"), vec![0x88, 0xe3, 0x8e, 0x74]);
        let e = cp932("𠮷野家").expect_err("not in Shift_JIS");
        assert!(e.public_message().contains("𠮷"), "{}", e.public_message());
    }
}
