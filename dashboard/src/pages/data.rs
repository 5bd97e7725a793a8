//! データ: what the numbers are made of — the load history (file, hash, encoding, rows
//! accepted and rejected, with each load's reject report as CSV), whether data are sample,
//! the attribution of public data, and where the exports are.

use arrow::array::{Array, AsArray};
use arrow::datatypes::{DataType, Int64Type};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use maud::html;
use store::Warehouse;

use super::page;
use crate::error::{Error, Result};
use crate::export::csv_text;
use crate::extractor::User;
use crate::html::{Page, int};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/data", get(data)).route("/data/rejects/{file}", get(rejects))
}

/// The columns of a reject report, as stored in `load_rejects` and as headed in the CSV.
const REJECT_COLUMNS: [(&str, &str); 6] = [
    ("file_name", "ファイル file"),
    ("row_no", "行 row"),
    ("column_name", "列 column"),
    ("raw_value", "値 value"),
    ("reason_ja", "理由"),
    ("reason_en", "reason"),
];

/// `GET /data/rejects/{load_id}.csv`: the rows a load with `--accept-partial` left out,
/// with file, row, column, value and reason (UTF-8 with BOM). The values are raw input
/// (before pseudonymisation), so only the committee's audience may download them; every
/// download is audited.
async fn rejects(State(state): State<AppState>, user: User, Path(file): Path<String>) -> Result<Response> {
    if !user.role().sees_rejects() {
        return Err(Error::Forbidden);
    }
    let load_id: i64 = file.strip_suffix(".csv").and_then(|s| s.parse().ok()).ok_or(Error::NotFound)?;
    if state.snapshot().loads.iter().all(|l| l.load_id != load_id) {
        return Err(Error::NotFound);
    }
    let (wh_path, lake) = (state.config.warehouse.clone(), state.config.lake.clone());
    let cols = REJECT_COLUMNS.map(|c| c.0).join(", ");
    let sql = format!("SELECT {cols} FROM load_rejects WHERE load_id = {load_id} ORDER BY row_no NULLS FIRST");
    let batches = tokio::task::spawn_blocking(move || Warehouse::open(&wh_path, &lake)?.query_arrow(&sql))
        .await
        .map_err(|e| Error::Internal(format!("blocking task: {e}")))??;
    let mut out = String::from("\u{feff}");
    out.push_str(&REJECT_COLUMNS.map(|c| c.1).join(","));
    out.push_str("\r\n");
    let mut n = 0;
    for b in &batches {
        for r in 0..b.num_rows() {
            let cells: Vec<String> = (0..b.num_columns())
                .map(|c| {
                    let a = b.column(c);
                    if a.is_null(r) {
                        String::new()
                    } else if a.data_type() == &DataType::Int64 {
                        a.as_primitive::<Int64Type>().value(r).to_string()
                    } else {
                        a.as_string_opt::<i32>().map(|s| csv_text(s.value(r))).unwrap_or_default()
                    }
                })
                .collect();
            out.push_str(&cells.join(","));
            out.push_str("\r\n");
            n += 1;
        }
    }
    state
        .audit(Some(user.name()), "export", "load_rejects", &format!("load_id={load_id} rows={n}"), &user.addr)
        .await?;
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"load_{load_id}_rejects.csv\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        out,
    )
        .into_response())
}

async fn data(State(state): State<AppState>, user: User) -> Result<Html<String>> {
    let snapshot = state.snapshot();
    let may_download = user.role().sees_rejects();
    let body = html! {
        h1 { "データ" }
        h2 { "出典" }
        ul {
            @for a in model::ATTRIBUTION { li { (a) } }
        }
        p.muted { "会員・アンケート・専門医のデータは学会の提供による（会員番号は取り込み時に仮名化）。" }
        h2 { "エクスポート" }
        p {
            "各ページの表の下から CSV（UTF-8 BOM 付き / Shift_JIS）・Excel・Parquet・JSON・ZIP（マニフェストと SHA-256 付き）でダウンロードできます。"
            "すべての指標は " a href="/metrics" { "指標一覧" } " から条件を指定して取り出せます（API: " code { "/api/v1/metrics" } "、"
            a href="/api/openapi.json" { "OpenAPI" } "）。ダウンロードは監査ログに記録されます。"
        }
        h2 { "読み込み履歴" }
        @if may_download {
            p.muted { "除外行の数をクリックすると、その読み込みで除外した行（ファイル・行・列・値・理由）を CSV で取得できます（" code { "--accept-partial" } " で読み込んだ場合）。" }
        }
        p.muted { "表示中のスナップショット: ロード " (snapshot.at_load) " まで。" }
        div.table-wrap tabindex="0" role="region" aria-label="表（横にスクロールできます）" {
            table {
                thead { tr {
                    th { "ロード" } th { "データ" } th { "ファイル" } th { "SHA-256" } th { "文字コード" }
                    th { "基準日" } th { "取り込み行" } th { "除外行" } th { "サンプル" } th { "完了" }
                } }
                tbody {
                    @for l in snapshot.loads.iter().rev() {
                        tr {
                            td.num { (l.load_id) }
                            td { (queries::labels::dataset(&l.dataset)) }
                            td { code { (l.file_name) } }
                            td { code title=(l.file_sha256) { (l.file_sha256.get(..12).unwrap_or(&l.file_sha256)) } }
                            td { code { (l.encoding) } }
                            td { (l.as_of.map(|d| d.to_string()).unwrap_or_default()) }
                            td.num { (int(l.rows_accepted)) }
                            td.num {
                                @if l.rows_rejected > 0 && may_download {
                                    a href=(format!("/data/rejects/{}.csv", l.load_id)) title="除外した行の一覧（CSV）" { (int(l.rows_rejected)) }
                                } @else { (int(l.rows_rejected)) }
                            }
                            td { @if l.is_sample { (model::SAMPLE_LABEL) } }
                            td { (l.finished_at) }
                        }
                    }
                }
            }
        }
    };
    Ok(Html(page(&state, &user, Page::new("データ", "data"), body)))
}
