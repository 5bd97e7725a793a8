//! SQLコンソール: DataFusion SQL over the researcher-safe catalog (public reference data and
//! suppressed aggregates), one SELECT per request, with time, memory and row limits.
//! Every query is written to the audit log.

use axum::Router;
use axum::extract::{Form, State};
use axum::response::Html;
use axum::routing::get;
use maud::{Markup, html};
use queries::Value;
use queries::console::{Answer, Console, RefusalKind};
use serde::Deserialize;

use super::page;
use crate::error::{Error, Result};
use crate::extractor::User;
use crate::html::table::cell;
use crate::html::{Page, int};
use crate::state::AppState;

/// The longest query text accepted.
const MAX_SQL: usize = 20_000;
/// The largest request body (a query percent-encoded takes up to three bytes a byte).
pub const MAX_BODY: usize = 3 * MAX_SQL + 1024;
/// Rows shown on the page.
const SHOWN: usize = 1_000;

pub fn router() -> Router<AppState> {
    Router::new().route("/console", get(form).post(run))
}

const EXAMPLE: &str = "SELECT p.region, count(*) AS areas, sum(a.population_2020) AS population\nFROM areas a JOIN prefecture_regions p ON a.prefecture_code = p.prefecture_code\nWHERE a.area_set = 'R7'\nGROUP BY p.region ORDER BY population DESC";

async fn form(State(state): State<AppState>, user: User) -> Result<Html<String>> {
    let console = state.console().await?;
    Ok(Html(render(&state, &user, &console, EXAMPLE, None)))
}

#[derive(Debug, Deserialize)]
struct Query {
    #[serde(default)]
    csrf: String,
    sql: String,
}

async fn run(State(state): State<AppState>, user: User, Form(q): Form<Query>) -> Result<Html<String>> {
    user.check_csrf(&q.csrf)?;
    if q.sql.len() > MAX_SQL {
        return Err(Error::BadRequest(format!("SQL は {MAX_SQL} バイトまでです / the query is too long")));
    }
    let console = state.console().await?;
    let outcome = console.run(user.name(), &q.sql).await;
    let status = match &outcome {
        Ok(a) => format!("ok rows={}", a.rows.len()),
        Err(r) => format!("refused {:?}", r.kind),
    };
    // The whole query is kept (at most MAX_SQL bytes): a leading comment hides nothing.
    state.audit(Some(user.name()), "console", &status, &q.sql, &user.addr).await?;
    let outcome = match outcome {
        Err(r) if r.kind == RefusalKind::Busy => return Err(Error::Busy(r.message)),
        other => other.map_err(|r| r.message),
    };
    Ok(Html(render(&state, &user, &console, &q.sql, Some(outcome))))
}

fn render(
    state: &AppState,
    user: &User,
    console: &Console,
    sql: &str,
    outcome: Option<std::result::Result<Answer, String>>,
) -> String {
    let body = html! {
        h1 { "SQLコンソール" }
        p.muted {
            "DataFusion の SQL で、公開データと、研究者向けに秘匿処理した集計表だけを読めます（秘匿セルは " code { "NULL" } "。"
            code { "SUM" } " などは秘匿セルを含まないため過小になります）。1回に " code { "SELECT" } " 1文、"
            "10秒・256 MB・10,000行まで。実行した SQL は監査ログに記録されます。"
        }
        form.stack.wide method="post" action="/console" {
            input type="hidden" name="csrf" value=(user.session.csrf);
            textarea name="sql" rows="8" spellcheck="false" aria-label="SQL 文" { (sql) }
            button type="submit" { "実行" }
        }
        @match &outcome {
            Some(Ok(a)) => { (answer(a)) }
            Some(Err(msg)) => { p.error { "実行できません: " (msg) } }
            None => {}
        }
        h2 { "テーブル（基準日 " (console.as_of) "）" }
        @for t in &console.tables {
            details {
                summary { code { (t.name) } " — " (t.description) " · " (int(t.rows as i64)) " 行" }
                ul {
                    @for (c, ty) in &t.columns { li { code { (c) } " " code.muted { (ty) } } }
                }
            }
        }
    };
    page(state, user, Page::new("SQLコンソール", "console"), body)
}

fn answer(a: &Answer) -> Markup {
    html! {
        p.muted {
            (int(a.rows.len() as i64)) " 行 · " (format!("{:.0}", a.elapsed.as_secs_f64() * 1000.0)) " ms"
            @if a.truncated { " · 行数の上限で打ち切り" }
        }
        div.table-wrap tabindex="0" role="region" aria-label="表（横にスクロールできます）" {
            table {
                thead { tr { @for c in &a.columns { th { code { (c) } } } } }
                tbody {
                    @for row in a.rows.iter().take(SHOWN) {
                        tr {
                            @for v in row {
                                @if matches!(v, Value::Int(_) | Value::Num(_)) { td.num { (cell(v, "")) } }
                                @else if matches!(v, Value::Null) { td.muted { code { "NULL" } } }
                                @else { td { (cell(v, "")) } }
                            }
                        }
                    }
                }
            }
        }
        @if a.rows.len() > SHOWN { p.muted { "先頭 " (SHOWN) " 行を表示" } }
    }
}
