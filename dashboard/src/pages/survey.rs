//! アンケート: response rates by year (and segment) with their intervals, then one
//! question at a time — its distribution, weighted against raw, a cross-tab builder and
//! its trend — and the free-text terms. Every choice is a plain GET form.

use axum::Router;
use axum::extract::{Query, State};
use axum::response::Html;
use axum::routing::get;
use maud::{Markup, html};
use queries::{MetricResult, Request, Value};
use reports::charts::{BarGroup, LineChart, XAxis, grouped_bar_chart, line_chart};

use super::page;
use super::{Params, evaluate_or_note, may_see, page_as_of, param, part, series_by};
use crate::error::Result;
use crate::extractor::User;
use crate::html::{Page, table};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/survey", get(survey))
}

/// Respondent segments a rate or a cross-tab can be split by.
const SEGMENTS: [(&str, &str); 3] = [("profession", "職種"), ("age_band", "年齢階級"), ("region", "地方")];

/// A question of the chosen 年度: (id, text, kind).
struct Q {
    id: String,
    text: String,
    kind: String,
}

fn questions_of(r: &MetricResult) -> Vec<Q> {
    let (Some(i), Some(t), Some(k)) = (r.column_index("question_id"), r.column_index("text"), r.column_index("kind"))
    else {
        return Vec::new();
    };
    r.rows.iter().map(|row| Q { id: row[i].display(), text: row[t].display(), kind: row[k].display() }).collect()
}

/// One bar group per row: the row's first column as label, the given columns as values.
fn groups(r: &MetricResult, label: &str, cols: &[&str]) -> Vec<BarGroup> {
    let Some(li) = r.column_index(label) else { return Vec::new() };
    let idx: Vec<Option<usize>> = cols.iter().map(|c| r.column_index(c)).collect();
    r.rows
        .iter()
        .map(|row| BarGroup {
            label: row[li].display(),
            values: idx.iter().map(|i| i.and_then(|i| row[i].as_f64())).collect(),
        })
        .collect()
}

/// What a cross-tab's cells show: (value, label).
const SHOW: [(&str, &str); 4] =
    [("count", "人数"), ("row", "行の割合（%）"), ("col", "列の割合（%）"), ("weighted", "推定人数（重み付け）")];

/// A long cross-tab (row, column, respondents) laid out as the matrix people read: counts,
/// the share of each cell in its row or column, or the weighted estimate. A share is given
/// only where its whole line is shown (a withheld cell leaves its line's shares withheld).
/// A multiple-choice cross-tab's last row is the column's respondents: the base of a
/// column share (its options add up to more).
fn matrix(r: &MetricResult, show: &str) -> Option<Markup> {
    let value_col = if show == "weighted" { "weighted" } else { "respondents" };
    let m = reports::series::crosstab_matrix(r, value_col)?;
    let counts = reports::series::crosstab_matrix(r, "respondents")?;
    let base = counts.rows.iter().position(|a| a == queries::metrics::survey::MULTI_BASE);
    let n =
        |i: usize, j: usize| counts.cells[i][j].and_then(|v| if *v == Value::Suppressed { None } else { v.as_f64() });
    let options = base.unwrap_or(counts.rows.len());
    let share = |i: usize, j: usize| -> Option<f64> {
        let total: Option<f64> = match (show, base) {
            ("row", _) => (0..counts.columns.len()).map(|k| n(i, k)).sum(),
            ("col", Some(b)) => n(b, j),
            ("col", None) => (0..options).map(|k| n(k, j)).sum(),
            _ => None,
        };
        let total = total.filter(|t| *t > 0.0)?;
        Some(100.0 * n(i, j)? / total)
    };
    let unit = if show == "row" || show == "col" { "%" } else { "人" };
    let caption = SHOW.iter().find(|(k, _)| *k == show).map_or("人数", |(_, l)| l);
    Some(html! {
        div.table-wrap tabindex="0" role="region" aria-label="表（横にスクロールできます）" {
            table {
                caption { "クロス集計表（" (caption) "）" }
                thead { tr { th { "設問の回答 ＼ 列" } @for c in &m.columns { th scope="col" { (c) } } } }
                tbody {
                    @for (i, (a, cells)) in m.rows.iter().zip(&m.cells).enumerate() {
                        tr {
                            th scope="row" { (a) }
                            @for (j, v) in cells.iter().enumerate() {
                                td.num {
                                    @if unit == "%" {
                                        @if Some(i) == base && show == "col" { "100.0" }
                                        @else if let Some(p) = share(i, j) { (format!("{p:.1}")) }
                                        @else if v.is_some_and(|v| *v == Value::Suppressed) { (table::cell(&Value::Suppressed, "")) }
                                        @else { "—" }
                                    } @else if let Some(v) = v {
                                        @if let Value::Num(x) = v { (format!("{x:.1}")) } @else { (table::cell(v, "人")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if unit == "%" {
            p.muted { "秘匿した人数を含む行・列の割合は示していません（—）。" }
        }
    })
}

async fn survey(State(state): State<AppState>, user: User, Query(params): Query<Params>) -> Result<Html<String>> {
    let dated = page_as_of(&state, &params)?;
    let d = dated.0;
    let aud = user.audience();
    let req = |m: &str| Request::new(m, aud).as_of(d);

    // Response rates, overall or by a segment.
    let segment = param(&params, "segment").filter(|s| SEGMENTS.iter().any(|(k, _)| k == s));
    let mut rate_req = req(queries::metrics::survey::RESPONSE_RATE.name);
    if let Some(s) = segment {
        rate_req = rate_req.by(s);
    }
    let rate_link = to_question(&user, &rate_req);
    let rates = evaluate_or_note(&state, &user, rate_req).await?;
    let rate_chart = rates.as_ref().ok().and_then(|r| {
        let mut c = LineChart::new("回答率（年度）", XAxis::Number, "%");
        match segment {
            Some(s) => c.series = series_by(r, s, "fiscal_year", "rate_pct"),
            None => c = reports::series::response_rate_chart(r, "回答率（年度）と95%信頼区間"),
        }
        line_chart(&c).ok()
    });

    // Which survey tool each 年度's answers came from.
    let sources = state.snapshot().survey_sources().await?;

    // The waves, newest first, and the chosen 年度.
    let mut years: Vec<i64> =
        rates.as_ref().map(|r| r.column("fiscal_year").iter().filter_map(|v| v.as_i64()).collect()).unwrap_or_default();
    years.sort_unstable_by(|a, b| b.cmp(a));
    years.dedup();
    let fy = param(&params, "fiscal_year").and_then(|s| s.parse::<i64>().ok()).filter(|y| years.contains(y));
    let fy = fy.or_else(|| years.first().copied());

    // The questions of that 年度; the chosen closed question, comparison column and free-text question.
    let mut qs = Vec::new();
    if let Some(fy) = fy
        && let Ok(r) = evaluate_or_note(
            &state,
            &user,
            req(queries::metrics::questions::QUESTIONS.name).param("fiscal_year", &fy.to_string()),
        )
        .await?
    {
        qs = questions_of(&r);
    }
    let closed: Vec<&Q> = qs.iter().filter(|q| q.kind != "text").collect();
    let open: Vec<&Q> = qs.iter().filter(|q| q.kind == "text").collect();
    let question = param(&params, "question").filter(|id| closed.iter().any(|q| q.id == *id));
    let question = question.map(str::to_string).or_else(|| closed.first().map(|q| q.id.clone()));
    let single = |id: &str| closed.iter().any(|q| q.id == id && q.kind != "multi");
    let column = param(&params, "column")
        .filter(|c| SEGMENTS.iter().any(|(k, _)| k == c) || (single(c) && Some(*c) != question.as_deref()))
        .unwrap_or("profession")
        .to_string();
    let text_q = param(&params, "text_question").filter(|id| open.iter().any(|q| q.id == *id)).map(str::to_string);
    let unit = if param(&params, "unit") == Some("word") { "word" } else { "compound" };
    let show = param(&params, "show").filter(|v| SHOW.iter().any(|(k, _)| k == v)).unwrap_or("count");

    let fy_s = fy.map(|y| y.to_string()).unwrap_or_default();
    let with_q = |m: &str| {
        let mut r = req(m);
        if let Some(q) = &question {
            r = r.param("question", q);
        }
        if fy.is_some() {
            r = r.param("fiscal_year", &fy_s);
        }
        r
    };
    let mut one_question = None;
    if question.is_some() {
        let answers = evaluate_or_note(&state, &user, with_q(queries::metrics::survey::ANSWERS.name)).await?;
        let weighted = evaluate_or_note(&state, &user, with_q(queries::metrics::weighted::WEIGHTED.name)).await?;
        let crosstab = Some(
            evaluate_or_note(&state, &user, with_q(queries::metrics::survey::CROSSTAB.name).param("column", &column))
                .await?,
        );
        let trend_req =
            req(queries::metrics::survey::TREND.name).param("question", question.as_deref().unwrap_or_default());
        let links =
            (to_question(&user, &with_q(queries::metrics::survey::ANSWERS.name)), to_question(&user, &trend_req));
        let trend = evaluate_or_note(&state, &user, trend_req).await?;
        one_question = Some((answers, weighted, crosstab, trend, links));
    }
    let mut terms_req = req(queries::metrics::free_text::TERMS.name).param("unit", unit);
    if fy.is_some() {
        terms_req = terms_req.param("fiscal_year", &fy_s);
    }
    if let Some(t) = &text_q {
        terms_req = terms_req.param("question", t);
    }
    let terms_link = to_question(&user, &terms_req);
    let terms = evaluate_or_note(&state, &user, terms_req).await?;
    let kwic = may_see(&user, queries::metrics::free_text::KWIC.name);

    let selected = |a: &str, b: &str| a == b;
    let body = html! {
        h1 { "アンケート" }

        h2 id="rates" { "回答率" }
        form.picker method="get" action="/survey#rates" {
            input type="hidden" name="as_of" value=(d.to_string());
            label { "内訳 "
                select name="segment" {
                    option value="" selected[segment.is_none()] { "全体" }
                    @for (k, l) in SEGMENTS { option value=(k) selected[segment == Some(k)] { (l) "別" } }
                }
            }
            button type="submit" { "表示" }
        }
        (part(&rates, rate_chart, 200))
        (rate_link)

        h2 id="question" { "設問別の集計" }
        @if qs.is_empty() {
            p.muted { "アンケートのデータがありません。" }
        } @else {
            form.grid method="get" action="/survey#question" {
                input type="hidden" name="as_of" value=(d.to_string());
                label { "年度"
                    select name="fiscal_year" {
                        @for y in &years { option value=(y) selected[Some(*y) == fy] { (y) "年度" } }
                    }
                }
                label.wide { "設問"
                    select name="question" {
                        @for q in &closed {
                            option value=(q.id) selected[Some(q.id.as_str()) == question.as_deref()] {
                                (q.id) "　" (q.text)
                            }
                        }
                    }
                }
                label.wide { "クロス集計の列"
                    select name="column" {
                        @for (k, l) in SEGMENTS { option value=(k) selected[selected(k, &column)] { (l) } }
                        @for q in closed.iter().filter(|q| q.kind != "multi") {
                            option value=(q.id) selected[selected(&q.id, &column)] { (q.id) "　" (q.text) }
                        }
                    }
                }
                label { "表の値"
                    select name="show" {
                        @for (k, l) in SHOW { option value=(k) selected[show == k] { (l) } }
                    }
                }
                button type="submit" { "集計する" }
            }
            p.muted { "設問の一覧は選んだ年度のものです。年度を変えたら「集計する」で一覧が新しくなります。" }
            @if let Some(fy) = fy {
                p.muted {
                    (fy) "年度の回答: "
                    @match sources.get(&fy).filter(|t| !t.is_empty()) {
                        Some(tools) => {
                            (tools.iter().map(|t| queries::labels::survey_tool(t)).collect::<Vec<_>>().join("・"))
                            " の書き出しをそのまま取り込んだもの"
                        }
                        None => "回答ファイル（年度・回答ID・設問IDの列の形式）から取り込んだもの",
                    }
                }
            }
        }
        @if let Some((answers, weighted, crosstab, trend, (answers_link, trend_link))) = &one_question {
            h3 id="answers" { "回答の分布" }
            (part(answers, answers.as_ref().ok().and_then(|r| {
                grouped_bar_chart("回答の割合", "%", &[], &groups(r, "option", &["share_pct"])).ok()
            }), 100))
            (answers_link)
            h3 id="weighted" { "重み付け推定と素の集計" }
            p.muted { "回答者を名簿の職種・年齢階級・地方の構成に合わせて重み付けした割合（レイキング）と、重みなしの割合。" }
            (part(weighted, weighted.as_ref().ok().and_then(|r| {
                grouped_bar_chart("重みなしと重み付けの割合", "%", &["重みなし", "重み付け"],
                    &groups(r, "option", &["raw_pct", "weighted_pct"])).ok()
            }), 100))
            h3 id="crosstab" { "クロス集計" }
            @match crosstab {
                Some(Ok(c)) => {
                    @if let Some(m) = matrix(c, show) { (m) }
                    @for n in &c.notes { p.note { "注: " (n.ja) } }
                    details {
                        summary { "縦長の表とダウンロード" }
                        (table::result(c, 400))
                    }
                }
                Some(Err(m)) => (m),
                None => {}
            }
            h3 id="trend" { "経年変化" }
            (part(trend, trend.as_ref().ok().and_then(|r| {
                let mut c = LineChart::new("選択肢の割合（年度）", XAxis::Number, "%");
                c.series = series_by(r, "option", "fiscal_year", "share_pct");
                line_chart(&c).ok()
            }), 200))
            (trend_link)
        }

        h2 id="terms" { "自由記述の頻出語" }
        form.picker method="get" action="/survey#terms" {
            input type="hidden" name="as_of" value=(d.to_string());
            @if let Some(y) = fy { input type="hidden" name="fiscal_year" value=(y); }
            label { "設問"
                select name="text_question" {
                    option value="" selected[text_q.is_none()] { "自由記述のすべて" }
                    @for q in &open {
                        option value=(q.id) selected[Some(q.id.as_str()) == text_q.as_deref()] { (q.id) "　" (q.text) }
                    }
                }
            }
            label { "単位"
                select name="unit" {
                    option value="compound" selected[unit == "compound"] { "複合語（キャリア支援）" }
                    option value="word" selected[unit == "word"] { "単語（キャリア・支援）" }
                }
            }
            button type="submit" { "表示" }
        }
        (part(&terms, terms.as_ref().ok().and_then(|r| {
            grouped_bar_chart("記述した回答者の割合", "%", &[], &groups(r, "term", &["share_pct"])).ok()
        }), 200))
        (terms_link)
        @if kwic {
            @if let Ok(r) = &terms {
                details {
                    summary { "用例を見る（KWIC、会員委員会のみ）" }
                    ul.terms {
                        @for t in r.column("term").iter().take(20) {
                            li { a href=(kwic_link(d, fy, &t.display(), text_q.as_deref())) { (t.display()) } }
                        }
                    }
                }
            }
        }
    };
    let p = Page::new("アンケート", "survey").dated(dated, params);
    Ok(Html(page(&state, &user, p, body)))
}

/// 「この結果から質問を作る」 under a chart, for those who write the committee's booklet: a
/// new question with the chart's metric and parameters as its evidence.
fn to_question(user: &User, req: &Request) -> Markup {
    if !user.role().edits_booklets() {
        return html! {};
    }
    let mut href = format!("/booklet/new-question?metric={}", table::urlencode(&req.metric));
    if let Some(by) = req.by.as_deref().filter(|b| !b.is_empty()) {
        href.push_str(&format!("&by={}", table::urlencode(by)));
    }
    for (k, v) in &req.params {
        href.push_str(&format!("&{}={}", table::urlencode(k), table::urlencode(v)));
    }
    html! { p.to-question { a href=(href) { "この結果から質問を作る" } } }
}

fn kwic_link(d: chrono::NaiveDate, fy: Option<i64>, term: &str, question: Option<&str>) -> String {
    let mut q = format!("/metrics/survey.kwic?as_of={d}&term={}", table::urlencode(term));
    if let Some(y) = fy {
        q.push_str(&format!("&fiscal_year={y}"));
    }
    if let Some(id) = question {
        q.push_str(&format!("&question={}", table::urlencode(id)));
    }
    q
}
