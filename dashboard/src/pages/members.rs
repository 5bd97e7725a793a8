//! 会員: composition, the physician share against the 80% line (gauge, history,
//! projection), the what-if calculator, joins and leaves, before/after 2026-01-17 and
//! retention.

use axum::Router;
use axum::extract::{Query, State};
use axum::response::Html;
use axum::routing::get;
use maud::html;
use queries::{Request, Value};
use reports::charts::{Bar, LineChart, Series, XAxis, bar_chart, gauge_from, gauge_start, line_chart};

use super::page;
use super::{Params, evaluate, evaluate_or_note, first_num, num_x, page_as_of, part, points};
use crate::error::Result;
use crate::export::packs::Pack;
use crate::extractor::User;
use crate::html::{Page, int, svg, table};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/members", get(members))
}

/// The what-if inputs (numbers of people joining), from the form.
const WHAT_IF: [(&str, &str); 3] = [
    ("staff_full", "医師以外の医療職が正会員として入会"),
    ("staff_associate", "医師以外の医療職が準会員として入会"),
    ("physicians", "医師が正会員として入会"),
];

async fn members(State(state): State<AppState>, user: User, Query(params): Query<Params>) -> Result<Html<String>> {
    let dated = page_as_of(&state, &params)?;
    let d = dated.0;
    let aud = user.audience();
    let req = |m: &str| Request::new(m, aud).as_of(d);

    // What-if inputs: whole numbers 0–100000 (full-width digits and commas read); anything
    // else is said at its field and counted as 0, and the rest of the page shows.
    let mut what_if = req(queries::metrics::membership::WHAT_IF.name);
    let mut inputs = Vec::new();
    for (name, label) in WHAT_IF {
        let raw = params.get(name).map(|s| s.trim()).filter(|s| !s.is_empty()).unwrap_or("0");
        let (n, error) = match queries::catalog::parse_int(raw) {
            Some(n) if (0..=100_000).contains(&n) => (n, None),
            _ => (0, Some(format!("「{raw}」は 0〜100000 の整数で入力してください（0 として計算しました）"))),
        };
        what_if = what_if.param(name, &n.to_string());
        inputs.push((name, label, raw.to_string(), n, error));
    }

    let share = evaluate(&state, &user, req(queries::metrics::membership::PHYSICIAN_SHARE.name)).await?;
    let history = evaluate(&state, &user, req(queries::metrics::share_history::SHARE_HISTORY.name)).await?;
    let projection = evaluate(&state, &user, req(queries::metrics::membership::PROJECTION.name)).await?;
    let scenario = evaluate(&state, &user, what_if).await?;
    let composition = evaluate(&state, &user, req(queries::metrics::membership::COMPOSITION.name)).await?;
    let flows = evaluate(&state, &user, req(queries::metrics::flows::FLOWS.name).by("fiscal_year,profession")).await?;
    let flow_totals = evaluate(&state, &user, req(queries::metrics::flows::FLOWS.name)).await?;
    // Windows of events are released to the board and researchers at the latest month end
    // only (queries::release): at another date these sections say so in their place.
    let before_after = evaluate_or_note(&state, &user, req(queries::metrics::flows::BEFORE_AFTER.name)).await?;
    let retention = evaluate_or_note(&state, &user, req(queries::metrics::flows::RETENTION.name)).await?;

    // The page's gauge and the what-if's share one scale, so the two can be compared by eye.
    let now_pct = first_num(&share, "share_pct");
    let after_pct = scenario.rows.get(1).and_then(|r| scenario.column_index("share_pct").and_then(|i| r[i].as_f64()));
    let lo = gauge_start(&[now_pct.unwrap_or(80.0), after_pct.unwrap_or(80.0), 80.0]);
    let gauge_svg = match now_pct {
        Some(p) => Some(gauge_from("正会員に占める医師の割合", p, 80.0, lo)?),
        None => None,
    };
    let history_svg = line_chart(&reports::series::share_chart(&history, &projection)).ok();
    let crossing = reports::series::first_month_below(&projection);

    let asked = inputs.iter().any(|(_, _, _, n, _)| *n > 0);
    let scenario_svg = match after_pct {
        Some(p) if asked => Some(gauge_from("仮定後の医師の割合", p, 80.0, lo)?),
        _ => None,
    };
    let counts: Vec<i64> = inputs.iter().map(|(_, _, _, n, _)| *n).collect();
    let answer = what_if_sentence(&counts, &scenario);

    let full: Vec<Bar> = composition
        .rows
        .iter()
        .filter(|r| r.first().and_then(Value::as_str) == Some(model::membership::FULL_MEMBER))
        .map(|r| Bar {
            label: r.get(1).map(Value::display).unwrap_or_default(),
            value: r.get(2).and_then(Value::as_f64),
        })
        .collect();
    let composition_svg = bar_chart("正会員の職種構成", "人", &full).ok();

    let partial = reports::series::partial_fiscal_year(d);
    let title = format!("入会・退会（年度）{}", reports::series::partial_fiscal_year_note(d));
    let mut joins = LineChart::new(title, XAxis::Number, "人");
    joins.series.push(Series::new("入会", points(&flow_totals, num_x, "fiscal_year", "joins")).partial_from(partial));
    joins.series.push(Series::new("退会", points(&flow_totals, num_x, "fiscal_year", "leaves")).partial_from(partial));
    let joins_svg = line_chart(&joins).ok();

    let retention_svg = retention.as_ref().ok().and_then(|retention| {
        let mut keep = LineChart::new("入会年度別の在籍率", XAxis::Number, "%");
        for (col, name) in [("retained_1y_pct", "1年後"), ("retained_3y_pct", "3年後"), ("retained_5y_pct", "5年後")]
        {
            keep.series.push(Series::new(name, points(retention, num_x, "fiscal_year", col)));
        }
        keep.y_range = Some((0.0, 100.0));
        line_chart(&keep).ok()
    });

    let body = html! {
        h1 { "会員" }
        @if user.audience() == queries::Audience::Committee {
            (crate::alerts::panel(&state.alerts()))
        }
        @if Pack::Committee.allowed(&user) {
            p.downloads { a href=(format!("{}?as_of={d}", Pack::Committee.path())) { (Pack::Committee.ja()) } " — この基準日で作成します（記録されます）" }
        }
        h2 id="share" { "医師の割合（8割ルール）" }
        @if let Some(s) = &gauge_svg { (svg(s)) }
        @if let Some(c) = &crossing {
            p.note { "推計では " strong { (c) } " に 80% を下回ります。" }
        } @else if !projection.rows.is_empty() {
            p.note { "推計期間（" (projection.rows.len()) "か月）中は 80% 以上を保つ見込みです。" }
        }
        (table::result(&share, 10))
        @if let Some(s) = &history_svg { (svg(s)) }
        details {
            summary { "月次の推移と推計の表" }
            (table::result(&history, 400))
            (table::result(&projection, 60))
        }

        h2 id="what-if" { "入会シミュレーション" }
        @if let Some(a) = &answer { p.answer { strong { (a) } } }
        form.grid method="get" action="/members#what-if" {
            input type="hidden" name="as_of" value=(d.to_string());
            @for (name, label, raw, _, error) in &inputs {
                label {
                    (label) "（人）"
                    input type="text" inputmode="numeric" name=(name) value=(raw)
                        aria-invalid=[error.as_ref().map(|_| "true")];
                    @if let Some(e) = error { span.error role="alert" { (e) } }
                }
            }
            button type="submit" { "計算する" }
        }
        @if let Some(s) = &scenario_svg { (svg(s)) }
        (table::result(&scenario, 10))

        h2 id="composition" { "会員構成" }
        @if let Some(s) = &composition_svg { (svg(s)) }
        (table::result(&composition, 200))

        h2 id="flows" { "入会・退会" }
        @if let Some(s) = &joins_svg { (svg(s)) }
        (table::result(&flow_totals, 100))
        details {
            summary { "職種別" }
            (table::result(&flows, 400))
        }

        h2 id="before-after" { (model::rules::RULES_2026.recommendation_abolished_label()) " の前後の入会" }
        (part(&before_after, None, 50))

        h2 id="retention" { "在籍率（入会年度別）" }
        (part(&retention, retention_svg, 100))
    };
    let p = Page::new("会員", "members").dated(dated, params);
    Ok(Html(page(&state, &user, p, body)))
}

/// The what-if's answer in one sentence, first: who joins, the share then with its outcome in
/// words, and what keeps or restores 80% (「医療職 200 人（正会員）・医師 10 人が入会すると 78.55%
/// （8割未満）。回復には医師 649 人の入会か、医療職 163 人の準会員への移行が必要です。」).
/// `counts` are the inputs in [`WHAT_IF`]'s order; withheld figures are left out of the sentence.
fn what_if_sentence(counts: &[i64], scenario: &queries::MetricResult) -> Option<String> {
    let row = scenario.rows.get(1)?;
    let get = |c: &str| scenario.column_index(c).and_then(|i| row.get(i));
    let num = |c: &str| get(c).and_then(Value::as_f64).map(|v| v as i64);
    let pct = get("share_pct")?.as_f64()?;
    let ok = matches!(get("compliant"), Some(Value::Bool(true)));
    let who: Vec<String> = ["医療職 {} 人（正会員）", "医療職 {} 人（準会員）", "医師 {} 人（正会員）"]
        .iter()
        .zip(counts)
        .filter(|(_, n)| **n > 0)
        .map(|(f, n)| f.replace("{}", &int(*n)))
        .collect();
    let head = if who.is_empty() { "現在は".to_string() } else { format!("{}が入会すると", who.join("・")) };
    let outcome = if ok { "8割以上" } else { "8割未満" };
    let tail = match (ok, num("headroom"), num("physicians_needed"), num("moves_to_associate")) {
        (true, Some(h), _, _) => format!("あと医師以外 {} 人まで正会員として入会できます。", int(h)),
        (false, _, Some(p), Some(m)) => {
            format!("回復には医師 {} 人の入会か、医療職 {} 人の準会員への移行が必要です。", int(p), int(m))
        }
        _ => String::new(),
    };
    Some(format!("{head} {pct:.2}%（{outcome}）。{tail}"))
}
