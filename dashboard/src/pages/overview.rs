//! 概要: the headline numbers a committee or board member looks for first, each with
//! its trend and the date it is as of.

use axum::Router;
use axum::extract::{Query, State};
use axum::response::Html;
use axum::routing::get;
use maud::{Markup, PreEscaped, html};
use queries::{MetricResult, Request, Value};
use reports::charts::{XAxis, sparkline_partial};

use super::page;
use super::{Params, date_x, evaluate_opt, first_num, may_see, num_x, page_as_of, points};
use crate::error::Result;
use crate::export::packs::Pack;
use crate::extractor::User;
use crate::html::{Page, date_ja, int};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(overview))
}

struct Kpi {
    label: &'static str,
    value: String,
    class: &'static str,
    detail: String,
    spark: Option<String>,
    /// The page the card opens (at the same 基準日: see [`overview`]).
    link: &'static str,
}

fn shown(v: Option<&Value>, f: impl Fn(f64) -> String) -> String {
    match v {
        Some(Value::Suppressed) => "X（秘匿）".into(),
        Some(v) => v.as_f64().map_or_else(|| "—".into(), f),
        None => "—".into(),
    }
}

fn spark(title: &str, unit: &str, x: XAxis, pts: Vec<(f64, Option<f64>)>, last: usize) -> Option<String> {
    spark_partial(title, unit, x, pts, last, None)
}

/// As [`spark`], the points from `partial_from` on marked as a period not over (年度途中).
fn spark_partial(
    title: &str,
    unit: &str,
    x: XAxis,
    pts: Vec<(f64, Option<f64>)>,
    last: usize,
    partial_from: Option<f64>,
) -> Option<String> {
    let pts: Vec<(f64, f64)> = pts.into_iter().filter_map(|(x, y)| y.map(|y| (x, y))).collect();
    let start = pts.len().saturating_sub(last);
    sparkline_partial(title, unit, x, &pts[start..], partial_from).ok()
}

async fn overview(State(state): State<AppState>, user: User, Query(params): Query<Params>) -> Result<Html<String>> {
    let dated = page_as_of(&state, &params)?;
    let d = dated.0;
    let req = |m: &str| Request::new(m, user.audience()).as_of(d);
    let mut kpis = Vec::new();

    // A section whose data are not loaded yet is listed as missing; the rest still shows.
    let mut missing = Vec::new();
    let share = evaluate_opt(&state, &user, req(queries::metrics::membership::PHYSICIAN_SHARE.name)).await?;
    let history = evaluate_opt(&state, &user, req(queries::metrics::share_history::SHARE_HISTORY.name)).await?;
    if let (Some(share), Some(history)) = (&share, &history) {
        let pct = share.column("share_pct").first().copied().cloned();
        let ok = share.column("compliant").first().is_some_and(|v| matches!(v, Value::Bool(true)));
        kpis.push(Kpi {
            label: "正会員に占める医師の割合",
            value: shown(pct.as_ref(), |v| format!("{v:.2}%")),
            class: if pct.as_ref().and_then(Value::as_f64).is_none() {
                ""
            } else if ok {
                "ok"
            } else {
                "warn"
            },
            detail: match first_num(share, "headroom") {
                Some(h) if ok => format!("8割以上（基準 80%）· あと {} 人まで医師以外が入会可能", int(h as i64)),
                _ if ok => "8割以上（基準 80%）".into(),
                _ if pct.as_ref().and_then(Value::as_f64).is_some() => "8割未満（基準 80%）".into(),
                _ => "基準 80%".into(),
            },
            spark: spark("医師割合（月末）", "%", XAxis::Date, points(history, date_x, "month_end", "share_pct"), 36),
            link: "/members",
        });
        kpis.push(Kpi {
            label: "正会員数",
            value: shown(share.column("full_members").first().copied(), |v| format!("{} 人", int(v as i64))),
            class: "",
            detail: format!("医師 {} 人", shown(share.column("physicians").first().copied(), |v| int(v as i64))),
            spark: spark(
                "正会員数（月末）",
                "人",
                XAxis::Date,
                points(history, date_x, "month_end", "full_members"),
                36,
            ),
            link: "/members",
        });
    } else {
        missing.push("会員");
    }

    let flows = evaluate_opt(&state, &user, req(queries::metrics::flows::FLOWS.name)).await?;
    if let Some(flows) = &flows
        && let Some(last) = flows.rows.last()
    {
        let fy = last.first().map(Value::display).unwrap_or_default();
        let get = |c: &str| flows.column_index(c).and_then(|i| last.get(i));
        kpis.push(Kpi {
            label: "入会・退会（最新年度）",
            value: format!(
                "+{} / −{}",
                shown(get("joins"), |v| int(v as i64)),
                shown(get("leaves"), |v| int(v as i64))
            ),
            class: "",
            detail: format!("{fy}年度（基準日まで）· 増減 {}", shown(get("net"), |v| int(v as i64))),
            spark: spark_partial(
                "入会（年度）",
                "人",
                XAxis::Number,
                points(flows, num_x, "fiscal_year", "joins"),
                12,
                reports::series::partial_fiscal_year(d),
            ),
            link: "/members#flows",
        });
    }

    let rate = evaluate_opt(&state, &user, req(queries::metrics::survey::RESPONSE_RATE.name)).await?;
    if rate.as_ref().is_none_or(|r| r.rows.is_empty()) {
        missing.push("アンケート");
    }
    if let Some(rate) = &rate
        && let Some(last) = rate.rows.last()
    {
        let fy = last.first().map(Value::display).unwrap_or_default();
        let get = |c: &str| rate.column_index(c).and_then(|i| last.get(i));
        kpis.push(Kpi {
            label: "アンケート回答率",
            value: shown(get("rate_pct"), |v| format!("{v:.1}%")),
            class: "",
            detail: format!(
                "{fy}年度 · 95%信頼区間 {}–{}%",
                shown(get("rate_low_pct"), |v| format!("{v:.1}")),
                shown(get("rate_high_pct"), |v| format!("{v:.1}"))
            ),
            spark: spark("回答率（年度）", "%", XAxis::Number, points(rate, num_x, "fiscal_year", "rate_pct"), 13),
            link: "/survey",
        });
    }

    let spec = evaluate_opt(&state, &user, req(queries::metrics::specialists::BY_YEAR.name)).await?;
    if spec.as_ref().is_none_or(|r| r.rows.is_empty()) {
        missing.push("専門医");
    }
    let drug: Option<MetricResult> = spec.map(|spec| MetricResult {
        rows: spec
            .rows
            .iter()
            .filter(|r| r.first().and_then(Value::as_str) == Some("がん薬物療法専門医"))
            .cloned()
            .collect(),
        ..MetricResult::clone(&spec)
    });
    if let Some(drug) = &drug
        && let Some(last) = drug.rows.last()
    {
        let year = drug.column_index("year").and_then(|i| last.get(i)).map(Value::display).unwrap_or_default();
        kpis.push(Kpi {
            label: "がん薬物療法専門医（有効）",
            value: shown(drug.column_index("active").and_then(|i| last.get(i)), |v| format!("{} 人", int(v as i64))),
            class: "",
            detail: reports::format::year_end_label(&year, d),
            spark: spark("有効な専門医（年末）", "人", XAxis::Number, points(drug, num_x, "year", "active"), 21),
            link: "/specialists",
        });
    }

    let blank = evaluate_opt(&state, &user, req(queries::metrics::hospitals::BLANK_COUNT.name)).await?;
    let series = evaluate_opt(&state, &user, req(queries::metrics::hospitals::BLANK_SERIES.name)).await?;
    if let (Some(blank), Some(series)) = (&blank, &series) {
        kpis.push(Kpi {
            label: "空白の二次医療圏",
            value: shown(blank.column("blank_areas").first().copied(), |v| format!("{} 区域", int(v as i64))),
            class: "",
            detail: format!(
                "{} 区域中 · 人口の {}",
                shown(blank.column("areas").first().copied(), |v| int(v as i64)),
                shown(blank.column("blank_population_pct").first().copied(), |v| format!("{v:.1}%"))
            ),
            spark: spark(
                "空白区域数（4月1日）",
                "区域",
                XAxis::Date,
                points(series, date_x, "date", "blank_areas"),
                21,
            ),
            link: "/hospitals",
        });
    } else {
        missing.push("拠点病院");
    }

    let body = html! {
        h1 { "概要" }
        @if user.audience() == queries::Audience::Committee {
            (crate::alerts::panel(&state.alerts()))
        }
        p.muted { (date_ja(d)) " 現在 · 各数値をクリックすると詳細へ" }
        @if Pack::Board.allowed(&user) {
            p.downloads { a href=(format!("{}?as_of={d}", Pack::Board.path())) { (Pack::Board.ja()) } " — この基準日で作成します（記録されます）" }
        }
        div.kpis {
            @for k in &kpis { (kpi(k, d)) }
        }
        @if !missing.is_empty() {
            p.note { "まだ読み込まれていないデータ: " (missing.join("、")) "（" a href="/data" { "データ" } "ページで読み込み状況を確認できます）" }
        }
        @if may_see(&user, queries::metrics::membership::WHAT_IF.name) {
            p { a href=(format!("/members?as_of={d}#what-if")) { "入会シミュレーションへ" } }
        }
    };
    let p = Page::new("概要", "overview").dated(dated, params);
    Ok(Html(page(&state, &user, p, body)))
}

/// One card, linking to its page at the same 基準日 (`/members#flows` → `/members?as_of=…#flows`).
fn kpi(k: &Kpi, d: chrono::NaiveDate) -> Markup {
    let (path, anchor) = k.link.split_once('#').map_or((k.link, String::new()), |(p, a)| (p, format!("#{a}")));
    let href = format!("{path}?as_of={d}{anchor}");
    html! {
        a.kpi href=(href) {
            div.label { (k.label) }
            div class={ "value " (k.class) } { (k.value) }
            div.muted { (k.detail) }
            @if let Some(s) = &k.spark { (PreEscaped(s)) }
        }
    }
}
