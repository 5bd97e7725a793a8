//! 専門医: each metric of the section with its default parameters, with a chart where one
//! reads better than a table (the per-100k map, counts over time) and the per-area table.
//! Every metric links to its own page, where its groupings and parameters can be changed.
//! (アンケート and 拠点病院 have their own pages: [`super::survey`], [`super::hospitals`].)

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Html;
use axum::routing::get;
use maud::{Markup, html};
use queries::catalog::Group;
use queries::{MetricResult, Request};
use reports::charts::{LineChart, XAxis, line_chart};
use reports::map::choropleth;

use super::page;
use super::{Params, evaluate, evaluate_or_note, page_as_of};
use crate::error::{Error, Result};
use crate::extractor::User;
use crate::html::{Page, svg, table};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/{section}", get(section))
}

fn group_of(section: &str) -> Option<(Group, &'static str)> {
    match section {
        "specialists" => Some((Group::Specialists, "specialists")),
        _ => None,
    }
}

/// Further groupings shown under a metric's default one: (metric, by, heading).
const EXTRA: [(&str, &str, &str); 1] = [(queries::metrics::specialists::PER_100K.name, "area", "構想区域別")];

/// A chart for the metrics that have an obvious one.
/// `breaks`: the map's classes (from the latest data, see [`super::map_breaks`]).
fn chart_of(r: &MetricResult, breaks: &[f64]) -> Option<String> {
    if r.metric == queries::metrics::specialists::PER_100K.name
        && r.params.get("by").map(String::as_str) == Some("prefecture")
    {
        let regions = super::prefecture_regions(r, "per_100k")?;
        let title =
            format!("人口10万人あたりの{}（都道府県）", r.params.get("qualification").cloned().unwrap_or_default());
        return choropleth(&title, "人", &regions, breaks).ok();
    }
    if r.metric == queries::metrics::specialists::PER_100K.name
        && r.params.get("by").map(String::as_str) == Some("area")
    {
        // The areas themselves, in the classes of the latest data (a colour means the same on every date).
        let own: Vec<f64> = r.column("per_100k").iter().filter_map(|v| v.as_f64()).collect();
        let breaks = if breaks.is_empty() { reports::map::class_breaks(&own) } else { breaks.to_vec() };
        let title =
            format!("人口10万人あたりの{}（構想区域）", r.params.get("qualification").cloned().unwrap_or_default());
        let fills = reports::area_map::numeric_fills(r, "per_100k", "人", &breaks);
        return reports::area_map::area_map(&title, &fills, &reports::area_map::numeric_classes(&breaks, "人")).ok();
    }
    if r.metric != queries::metrics::specialists::BY_YEAR.name {
        return None;
    }
    let mut c = LineChart::new("有効な専門医・認定医（年末）", XAxis::Number, "人");
    c.series = super::series_by(r, "qualification", "year", "active");
    line_chart(&c).ok()
}

/// Whether a metric can be shown without input (no required parameter).
fn needs_input(def: &queries::MetricDef) -> bool {
    def.params.iter().any(queries::catalog::ParamSpec::required)
}

async fn section(
    State(state): State<AppState>,
    user: User,
    Path(section): Path<String>,
    Query(params): Query<Params>,
) -> Result<Html<String>> {
    let (group, nav) = group_of(&section).ok_or(Error::NotFound)?;
    let dated = page_as_of(&state, &params)?;
    let d = dated.0;
    let mut parts: Vec<Markup> = Vec::new();
    for def in queries::catalog().into_iter().filter(|m| m.group == group) {
        if !def.audiences.contains(&user.audience()) {
            continue;
        }
        let link = format!("/metrics/{}?as_of={d}", def.name);
        if needs_input(def) {
            parts.push(html! {
                h2 { (def.title_ja) }
                p { (def.summary_ja) " — " a href=(link) { "条件を入力して表示" } }
            });
            continue;
        }
        // A metric whose data are absent says so; the rest of the page still shows.
        let part = match evaluate_or_note(&state, &user, Request::new(def.name, user.audience()).as_of(d)).await? {
            Ok(r) => {
                let breaks = if def.name == queries::metrics::specialists::PER_100K.name {
                    super::map_breaks(&state, &user, Request::new(def.name, user.audience()), "per_100k").await?
                } else {
                    Vec::new()
                };
                let mut extra = Vec::new();
                for (_, by, heading) in EXTRA.iter().filter(|(m, _, _)| *m == def.name) {
                    let req = Request::new(def.name, user.audience()).as_of(d).by(by);
                    let latest = Request::new(def.name, user.audience()).by(by);
                    let breaks = super::map_breaks(&state, &user, latest, "per_100k").await?;
                    extra.push((*heading, evaluate(&state, &user, req).await?, breaks));
                }
                html! {
                    h2 id=(def.name.replace('.', "-")) { (def.title_ja) }
                    p.muted { (def.summary_ja) " · " a href=(link) { "条件を変えて表示" } }
                    @if let Some(s) = chart_of(&r, &breaks) { (svg(&s)) }
                    (table::result(&r, 400))
                    @for (heading, x, breaks) in &extra {
                        details {
                            summary { (heading) }
                            @if let Some(s) = chart_of(x, breaks) { (svg(&s)) }
                            (table::result(x, 400))
                        }
                    }
                }
            }
            Err(note) => html! {
                h2 { (def.title_ja) }
                (note)
            },
        };
        parts.push(part);
    }
    let body = html! {
        h1 { (group.ja()) }
        @for p in &parts { (p) }
    };
    let p = Page::new(group.ja(), nav).dated(dated, params);
    Ok(Html(page(&state, &user, p, body)))
}
