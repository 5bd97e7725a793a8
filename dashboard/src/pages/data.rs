//! データ: what the numbers are made of — the load history (file, hash, encoding, rows
//! accepted and rejected), whether data are sample, and the attribution of public data.

use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;
use maud::html;

use crate::auth::User;
use crate::error::Result;
use crate::html::{Page, int, page};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/data", get(data))
}

async fn data(State(state): State<AppState>, user: User) -> Result<Html<String>> {
    let snapshot = state.snapshot();
    let body = html! {
        h1 { "データ" }
        h2 { "出典" }
        ul {
            @for a in model::ATTRIBUTION { li { (a) } }
        }
        p.muted { "会員・アンケート・専門医のデータは学会の提供による（会員番号は取り込み時に仮名化）。" }
        h2 { "読み込み履歴" }
        p.muted { "表示中のスナップショット: ロード " (snapshot.at_load) " まで。" }
        div.table-wrap {
            table {
                thead { tr {
                    th { "ロード" } th { "データ" } th { "ファイル" } th { "SHA-256" } th { "文字コード" }
                    th { "基準日" } th { "取り込み行" } th { "除外行" } th { "サンプル" } th { "完了" }
                } }
                tbody {
                    @for l in snapshot.loads.iter().rev() {
                        tr {
                            td.num { (l.load_id) }
                            td { (l.dataset) }
                            td { (l.file_name) }
                            td { code title=(l.file_sha256) { (l.file_sha256.get(..12).unwrap_or(&l.file_sha256)) } }
                            td { (l.encoding) }
                            td { (l.as_of.map(|d| d.to_string()).unwrap_or_default()) }
                            td.num { (int(l.rows_accepted)) }
                            td.num { (int(l.rows_rejected)) }
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
