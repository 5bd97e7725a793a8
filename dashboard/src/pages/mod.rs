//! Server-rendered pages, one module per section, each with its own `router()`.
//!
//! - [`overview`]: 概要 — headline numbers with sparklines.
//! - [`members`]: 会員 — composition, the 80% gauge with history and projection, the what-if
//!   calculator (a plain GET form: works without JavaScript), flows, before/after, retention.
//! - [`survey`]: アンケート — response rates, then one question at a time: distribution,
//!   weighted against raw, cross-tab builder, trend; free-text terms.
//! - [`hospitals`]: 拠点病院 — 空白の二次医療圏 as map or table with its time series, the
//!   drill-down prefecture → area → hospital, designations and volumes.
//! - [`renewals`]: 専門医更新 (committee only) — the renewal cohort, blockers, trend,
//!   applicants and one applicant's findings.
//! - [`sections`]: 専門医 (and any section without its own page) — each metric as a table.
//! - [`metric`]: 指標一覧 and one page per metric with every `by` and parameter as a form.
//! - [`data`]: データ — load history and attribution.
//! - [`console`]: SQLコンソール over the researcher-safe catalog.

pub mod console;
pub mod data;
pub mod hospitals;
pub mod login;
pub mod members;
pub mod metric;
pub mod overview;
pub mod renewals;
pub mod sections;
pub mod survey;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;
use queries::catalog::COMMITTEE_ONLY;
use queries::{MetricResult, Request};

use crate::error::{Error, Result};
use crate::extractor::User;
use crate::html::{self, svg, table};
use crate::state::AppState;

/// The query string of a page, as name → value.
pub type Params = BTreeMap<String, String>;

/// A complete page for `user`: the shell (navigation for the role, the sample banner, the
/// data's load) around `body`.
pub fn page(state: &AppState, user: &User, p: html::Page, body: maud::Markup) -> String {
    let snapshot = state.snapshot();
    let all: Vec<i64> = snapshot.loads.iter().map(|l| l.load_id).collect();
    let shell = html::Shell {
        user: user.name().to_string(),
        role: user.role(),
        csrf: user.session.csrf.clone(),
        sample: snapshot.any_sample(&all),
        at_load: snapshot.at_load,
    };
    html::page(&shell, p, body)
}

/// The as-of date of a download or an API call: `?as_of=` (西暦, 和暦, full-width digits) or
/// the snapshot's default; a value that is not a date is refused (400).
pub fn as_of(state: &AppState, params: &Params) -> Result<NaiveDate> {
    match param(params, "as_of") {
        Some(s) => model_date(s),
        None => default_as_of(state),
    }
}

fn default_as_of(state: &AppState) -> Result<NaiveDate> {
    state
        .snapshot()
        .default_as_of()
        .ok_or_else(|| Error::BadRequest("データがまだ読み込まれていません / no data loaded yet".into()))
}

/// The as-of date of a page: as [`as_of`], but a value that is not a date keeps the page,
/// at the default date, with the message at the 基準日 field.
pub fn page_as_of(state: &AppState, params: &Params) -> Result<(NaiveDate, Option<String>)> {
    match param(params, "as_of").map(model_date) {
        Some(Ok(d)) => Ok((d, None)),
        Some(Err(e)) => Ok((default_as_of(state)?, Some(e.public_message()))),
        None => Ok((default_as_of(state)?, None)),
    }
}

/// Parses a date as users type it: what the date input sends (YYYY-MM-DD), 和暦, full-width
/// digits — the model's one date parser.
pub fn model_date(s: &str) -> Result<NaiveDate> {
    model::dates::parse(s).map_err(|e| Error::BadRequest(format!("基準日 「{s}」: {}", e.ja)))
}

/// The request a page or download asks for: `?by=` and the metric's own parameters from
/// the query string (blank fields ignored), at the page's as-of date.
pub fn request_from(def: &queries::MetricDef, user: &User, as_of: NaiveDate, params: &Params) -> Request {
    let mut req = Request::new(def.name, user.audience()).as_of(as_of);
    if let Some(by) = params.get("by") {
        req = req.by(by);
    }
    for p in def.params {
        if let Some(v) = param(params, p.name) {
            req = req.param(p.name, v);
        }
    }
    req
}

/// Evaluates a metric for the user's audience (shared with every request asking the same
/// over the same snapshot); views of committee-only (member-level) metrics are written to
/// the audit log.
pub async fn evaluate(state: &AppState, user: &User, req: Request) -> Result<Arc<MetricResult>> {
    let req = Request { audience: user.audience(), ..req };
    let def = queries::find(&req.metric)?;
    let snapshot = state.snapshot();
    let result = state.metric(&snapshot, &req).await?;
    if def.audiences == COMMITTEE_ONLY {
        let detail = result.params.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
        state.audit(Some(user.name()), "view", def.name, &detail, &user.addr).await?;
    }
    Ok(result)
}

/// A metric that ran, or the message of one that could not (see [`evaluate_or_note`]).
pub type Shown = std::result::Result<Arc<MetricResult>, maud::Markup>;

/// A metric's part of a page: its chart (if any) and table, or the message of a metric
/// that could not run.
pub fn part(r: &Shown, chart: Option<String>, rows: usize) -> maud::Markup {
    linked_part(r, chart, rows, &|_, _| None)
}

/// As [`part`], with dimension and label cells linked where `link` gives an address.
pub fn linked_part(r: &Shown, chart: Option<String>, rows: usize, link: table::CellLink<'_>) -> maud::Markup {
    match r {
        Ok(r) => maud::html! {
            @if let Some(s) = chart { (svg(&s)) }
            (table::linked(r, rows, link))
        },
        Err(m) => m.clone(),
    }
}

/// A query value, trimmed; None when absent or blank.
pub fn param<'a>(params: &'a Params, key: &str) -> Option<&'a str> {
    params.get(key).map(|s| s.trim()).filter(|s| !s.is_empty())
}

/// As [`evaluate`], but a metric refusing its parameters or missing its data (e.g. no
/// survey loaded, a 基準日 the section does not apply to) becomes a note in its place,
/// in Japanese, instead of failing the whole page.
pub async fn evaluate_or_note(state: &AppState, user: &User, req: Request) -> Result<Shown> {
    match evaluate(state, user, req).await {
        Ok(r) => Ok(Ok(r)),
        Err(Error::Metric(queries::Error::Param { param, value, reason, .. })) => {
            let what = queries::labels::param(&param).to_string();
            Ok(Err(maud::html! { p.note role="note" { (what) " " (value) ": " (japanese_part(&reason)) } }))
        }
        Err(e) => Err(e),
    }
}

/// The Japanese half of a bilingual message (`english / 日本語` or `日本語 / english`).
pub fn japanese_part(message: &str) -> String {
    let ja: Vec<&str> = message.split(" / ").filter(|p| !p.is_ascii()).collect();
    if ja.is_empty() { message.to_string() } else { ja.join(" / ") }
}

/// As [`evaluate_or_note`], dropping the message: None when the metric's data are absent.
pub async fn evaluate_opt(state: &AppState, user: &User, req: Request) -> Result<Option<Arc<MetricResult>>> {
    Ok(evaluate_or_note(state, user, req).await?.ok())
}

/// Map classes that stay the same whatever the 基準日 (issue 27, point 8): the breaks of the
/// same request at the latest data, so that a colour means the same number on every date.
pub async fn map_breaks(state: &AppState, user: &User, req: Request, value: &str) -> Result<Vec<f64>> {
    let req = match state.snapshot().default_as_of() {
        Some(latest) => req.as_of(latest),
        None => req,
    };
    Ok(evaluate_or_note(state, user, req).await?.map(|r| reports::series::map_breaks(&r, value)).unwrap_or_default())
}

/// Whether the user's audience may see a metric.
pub fn may_see(user: &User, metric: &str) -> bool {
    queries::find(metric).is_ok_and(|d| d.audiences.contains(&user.audience()))
}

pub use reports::series::{date_x, first_num, num_x, points, prefecture_regions, series_by};
