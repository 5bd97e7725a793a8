//! 指標一覧 and one page per metric: its definition, a form with every grouping and
//! parameter, the result table and downloads.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Html;
use axum::routing::get;
use maud::html;
use queries::catalog::ParamKind;

use super::page;
use super::{Params, evaluate_or_note, page_as_of, request_from};
use crate::error::{Error, Result};
use crate::extractor::User;
use crate::html::{Page, table};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/metrics", get(list)).route("/metrics/{name}", get(show))
}

async fn list(State(state): State<AppState>, user: User) -> Result<Html<String>> {
    let all = queries::catalog();
    let body = html! {
        h1 { "指標一覧" }
        p.muted { "この画面・API・エクスポート・報告書の数値はすべて下記の指標から計算されます。" }
        @for group in queries::catalog::Group::ALL {
            h2 { (group.ja()) }
            ul.metrics {
                @for m in all.iter().filter(|m| m.group == group && m.audiences.contains(&user.audience())) {
                    li { a href=(format!("/metrics/{}", m.name)) { (m.title_ja) } " " span.muted { (m.summary_ja) } }
                }
            }
        }
    };
    Ok(Html(page(&state, &user, Page::new("指標一覧", "metrics"), body)))
}

async fn show(
    State(state): State<AppState>,
    user: User,
    Path(name): Path<String>,
    Query(params): Query<Params>,
) -> Result<Html<String>> {
    let def = queries::find(&name)?;
    if !def.audiences.contains(&user.audience()) {
        return Err(Error::Forbidden);
    }
    let dated = page_as_of(&state, &params)?;
    let d = dated.0;
    let req = request_from(def, &user, d, &params);
    let missing_required = def.params.iter().any(|p| p.required() && !req.params.contains_key(p.name));
    // A parameter the metric refuses (a date outside its range, a value out of bounds) is
    // said where the result would be; the form keeps what was typed.
    let result = if missing_required { None } else { Some(evaluate_or_note(&state, &user, req.clone()).await?) };
    // `rows=all` (the link under a cut table) shows every row; otherwise the first 500.
    let rows = if super::param(&params, "rows") == Some("all") { usize::MAX } else { 500 };
    let chosen_by = req.by.clone().unwrap_or_else(|| def.by.first().copied().unwrap_or("").to_string());
    let body = html! {
        h1 { (def.title_ja) " " span.muted { (def.name) } }
        p { (def.summary_ja) }
        details {
            summary { "詳しい定義と注意点" }
            p { (def.definition_ja) }
            @for c in def.caveats_ja { p.note { "注意: " (c) } }
            p.muted { "単位: " (def.unit) }
            details lang="en" {
                summary { "English" }
                p { (def.definition) }
                @for c in def.caveats { p.note { "Note: " (c) } }
                p.muted { "Sources: " (def.sources.join(", ")) }
            }
        }
        form.grid method="get" {
            input type="hidden" name="as_of" value=(d.to_string());
            @if def.by.len() > 1 {
                label { "集計単位"
                    select name="by" {
                        @for b in def.by {
                            option value=(b) selected[*b == chosen_by] { (queries::labels::by(b)) }
                        }
                    }
                }
            }
            @for p in def.params {
                @let current = req.params.get(p.name).cloned().unwrap_or_default();
                label { (queries::labels::param(p.name)) " " span.muted { (p.doc_ja) }
                    @match p.kind {
                        ParamKind::Choice(options) => {
                            select name=(p.name) {
                                @for o in options {
                                    option value=(o) selected[*o == current || (current.is_empty() && *o == p.default)] { (queries::labels::choice(p.name, o)) }
                                }
                            }
                        }
                        ParamKind::Int { min, max } => { input type="number" name=(p.name) value=(current) placeholder=(p.default) min=(min) max=(max) step="1"; }
                        ParamKind::Date => { input type="date" name=(p.name) value=(current); }
                        ParamKind::Text => { input type="text" name=(p.name) value=(current) placeholder=(queries::labels::default_text(p.default)); }
                    }
                }
            }
            button type="submit" { "表示" }
        }
        @match &result {
            Some(Ok(r)) => { (table::result(r, rows)) }
            Some(Err(note)) => { (note) }
            None => { p.note { "必須の条件を入力してください。" } }
        }
    };
    let p = Page::new(def.title_ja, "metrics").dated(dated, params);
    Ok(Html(page(&state, &user, p, body)))
}
