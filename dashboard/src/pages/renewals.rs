//! 専門医更新 (committee only): for a round (更新年度) and qualification, who is due, how many
//! are ready, which requirement blocks the rest, the trend by round, the applicants and —
//! for one certificate — every finding in the societies' own words. Every choice is a plain
//! GET form; the applicant list and findings are member-level views, audited.

use axum::Router;
use axum::extract::{Query, State};
use axum::response::Html;
use axum::routing::get;
use chrono::NaiveDate;
use maud::{Markup, html};
use model::renewal::QUALIFICATIONS;
use queries::renewal_status::STATUSES;
use queries::{MetricResult, Request, Value};
use reports::charts::{LineChart, XAxis, line_chart};

use super::page;
use super::{Params, evaluate, evaluate_or_note, linked_part, page_as_of, param, part, series_by};
use crate::error::{Error, Result};
use crate::extractor::User;
use crate::html::{Page, date_ja, svg, table::urlencode};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/renewals", get(renewals))
}

/// The page's choices. Qualification and status are checked by the metrics they go to
/// (a bad one is a 400 naming the choices); the round must be one the data cover.
struct Choice {
    as_of: NaiveDate,
    round: i32,
    qualification: Option<String>,
    status: Option<String>,
    certificate: Option<String>,
}

impl Choice {
    /// The choices of `params` at the page's date `as_of`, where `open` is the round open then.
    fn from(params: &Params, rounds: &[i32], as_of: NaiveDate, open: i32) -> Result<Self> {
        let round = match param(params, "round") {
            None => open,
            Some(s) => s.parse::<i32>().ok().filter(|r| rounds.contains(r)).ok_or_else(|| {
                Error::BadRequest(format!("更新年度 {s:?} のデータはありません / no data for round {s:?}"))
            })?,
        };
        let qualification = param(params, "qualification").map(str::to_string);
        let status = param(params, "status").map(str::to_string);
        let certificate = param(params, "certificate").map(str::to_string);
        Ok(Choice { as_of, round, qualification, status, certificate })
    }

    /// The page's address with these choices, and `certificate` for an applicant.
    fn link(&self, qualification: Option<&str>, certificate: Option<&str>) -> String {
        let mut s = format!("/renewals?as_of={}&round={}", self.as_of, self.round);
        if let Some(q) = qualification.or(self.qualification.as_deref()) {
            s.push_str(&format!("&qualification={}", urlencode(q)));
        }
        if let Some(st) = &self.status {
            s.push_str(&format!("&status={}", urlencode(st)));
        }
        if let Some(c) = certificate {
            s.push_str(&format!("&certificate={}#applicant", urlencode(c)));
        }
        s
    }

    fn request(&self, metric: &str, user: &User) -> Request {
        let mut r = Request::new(metric, user.audience()).as_of(self.as_of);
        if let Some(q) = &self.qualification {
            r = r.param("qualification", q);
        }
        r
    }
}

async fn renewals(State(state): State<AppState>, user: User, Query(params): Query<Params>) -> Result<Html<String>> {
    user.require_committee()?;
    let snapshot = state.snapshot();
    let info = snapshot.renewals().await?;
    let dated = page_as_of(&state, &params)?;
    let d = dated.0;
    let c = Choice::from(&params, &info.rounds, d, info.round_on(d))?;
    let round = c.round.to_string();

    let cohort = evaluate(&state, &user, c.request(queries::metrics::renewals::COHORT.name, &user)).await?;
    let blockers =
        evaluate(&state, &user, c.request(queries::metrics::renewals::BLOCKERS.name, &user).param("round", &round))
            .await?;
    let mut list_req = c.request(queries::metrics::renewals::APPLICANTS.name, &user).param("round", &round);
    if let Some(s) = &c.status {
        list_req = list_req.param("status", s);
    }
    let applicants = evaluate(&state, &user, list_req).await?;
    let findings = match &c.certificate {
        Some(no) => Some(
            evaluate_or_note(
                &state,
                &user,
                c.request(queries::metrics::renewals::FINDINGS.name, &user)
                    .param("round", &round)
                    .param("certificate_no", no),
            )
            .await?,
        ),
        None => None,
    };

    let this_round = rows_of(&cohort, c.round);
    let mut trend = LineChart::new("準備完了の割合（更新年度別）", XAxis::Number, "%");
    trend.series = series_by(&cohort, "qualification", "renewal_fy", "ready_share");
    trend.y_range = Some((0.0, 100.0));
    let trend_svg = line_chart(&trend).ok();
    let blocker_svgs: Vec<String> = QUALIFICATIONS
        .iter()
        .filter(|q| c.qualification.as_deref().is_none_or(|x| x == **q))
        .filter_map(|q| reports::series::renewal_blocker_chart(&blockers, q).ok().flatten())
        .collect();
    let link = |row: &[Value], column: &str| -> Option<String> {
        if column != "certificate_no" {
            return None;
        }
        let q = applicants.column_index("qualification").and_then(|i| row[i].as_str());
        let no = applicants.column_index("certificate_no").and_then(|i| row[i].as_str())?;
        Some(c.link(q, Some(no)))
    };

    let body = html! {
        h1 { "専門医更新" }
        p.muted {
            "がん薬物療法専門医・がん治療認定医の更新対象者と申請の準備状況（会員委員会・認定委員会向け）。"
            "申請内容は最新の読み込み（"
            @if let Some(latest) = snapshot.default_as_of() { (date_ja(latest)) }
            "時点）で判定し、基準日は受付中の年度と失効の判定に使います。"
        }
        (picker(&c, &info.rounds))
        @if let (Some(no), Some(f)) = (&c.certificate, &findings) {
            h2 id="applicant" { "認定番号 " (no) " のチェック結果（" (c.round) "年度）" }
            (part(f, None, 200))
            p { a href=(format!("{}#applicants", c.link(None, None))) { "一覧に戻る" } }
        }
        div.kpis {
            @for k in &this_round {
                a.kpi href=(c.link(Some(&k.qualification), None)) {
                    div.label { (k.qualification) "（" (c.round) "年度）準備完了 / 更新対象" }
                    div class={ "value " (if k.all_ready { "ok" } else { "warn" }) } { (k.ready) " / " (k.due) " 人" }
                    div.muted {
                        "準備完了 " (k.share) "% · 未充足 " (k.not_ready) " 人 · 未申請 " (k.not_applied) " 人"
                    }
                }
            }
        }
        h2 id="cohort" { "更新対象者と準備状況" }
        @if let Some(s) = &trend_svg { (svg(s)) }
        (part(&Ok(cohort.clone()), None, 40))

        h2 id="blockers" { "未充足の要件（" (c.round) "年度）" }
        @for s in &blocker_svgs { (svg(s)) }
        (part(&Ok(blockers.clone()), None, 60))

        h2 id="applicants" { "申請者一覧（" (c.round) "年度）" }
        p.muted { "認定番号を選ぶと、その申請者のチェック結果をすべて表示します。" }
        (linked_part(&Ok(applicants.clone()), None, 500, &link))

    };
    let p = Page::new("専門医更新", "renewals").dated(dated, params.into_iter().filter(|(k, _)| k != "round"));
    Ok(Html(page(&state, &user, p, body)))
}

/// The round and qualification selector, with the status filter of the list.
fn picker(c: &Choice, rounds: &[i32]) -> Markup {
    html! {
        form.picker method="get" action="/renewals" {
            input type="hidden" name="as_of" value=(c.as_of.to_string());
            label { "更新年度"
                select name="round" {
                    @for y in rounds.iter().rev() { option value=(y) selected[*y == c.round] { (y) "年度" } }
                }
            }
            label { "資格"
                select name="qualification" {
                    option value="" selected[c.qualification.is_none()] { "両方" }
                    @for q in QUALIFICATIONS { option value=(q) selected[c.qualification.as_deref() == Some(q)] { (q) } }
                }
            }
            label { "申請者一覧の状態"
                select name="status" {
                    option value="" selected[c.status.is_none()] { "すべて" }
                    @for s in STATUSES { option value=(s) selected[c.status.as_deref() == Some(s)] { (s) } }
                }
            }
            button type="submit" { "表示" }
        }
    }
}

/// One qualification's round, as the cohort metric gives it (suppressed cells as "X").
struct RoundKpi {
    qualification: String,
    due: String,
    ready: String,
    not_ready: String,
    not_applied: String,
    share: String,
    all_ready: bool,
}

fn rows_of(cohort: &MetricResult, round: i32) -> Vec<RoundKpi> {
    let value = |row: &[Value], c: &str| cohort.column_index(c).map(|i| (row[i].clone(), cohort.columns[i].unit));
    let cell = |row: &[Value], c: &str| {
        value(row, c).map(|(v, unit)| reports::format::cell_text(&v, unit)).unwrap_or_default()
    };
    cohort
        .rows
        .iter()
        .filter(|r| r.get(1).and_then(Value::as_i64) == Some(i64::from(round)))
        .map(|r| RoundKpi {
            qualification: cell(r, "qualification"),
            due: cell(r, "due"),
            ready: cell(r, "ready"),
            not_ready: cell(r, "not_ready"),
            not_applied: cell(r, "not_applied"),
            share: cell(r, "ready_share"),
            all_ready: value(r, "due").map(|v| v.0) == value(r, "ready").map(|v| v.0),
        })
        .collect()
}
