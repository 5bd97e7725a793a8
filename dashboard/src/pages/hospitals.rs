//! 拠点病院: 空白の二次医療圏 as a map or a table with its time series, and the drill-down
//! 全国 → prefecture (`?pref=13`) → area (`&area=1301`) → hospital (`&hospital=…`), each
//! level a metric of the catalog so that its table downloads like any other. Designations
//! by type, the volume check and the specialist coverage follow on the national level.

use axum::Router;
use axum::extract::{Query, State};
use axum::response::Html;
use axum::routing::get;
use chrono::NaiveDate;
use maud::{Markup, html};
use model::prefecture::Prefecture;
use queries::{MetricResult, Request};
use reports::charts::{LineChart, Series, XAxis, line_chart};
use reports::map::choropleth;

use super::page;
use super::{Params, Shown, date_x, evaluate_or_note, linked_part, page_as_of, part, points};
use crate::error::{Error, Result};
use crate::extractor::User;
use crate::html::table::urlencode;
use crate::html::{Page, int};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/hospitals", get(hospitals))
}

/// Where in the drill-down the page is.
struct Level {
    pref: Option<Prefecture>,
    area: Option<String>,
    hospital: Option<String>,
}

impl Level {
    fn from(params: &Params) -> Result<Self> {
        let get = |k: &str| super::param(params, k).map(str::to_string);
        let pref = match get("pref") {
            Some(p) => Some(p.parse::<u32>().ok().and_then(Prefecture::from_code).ok_or_else(|| {
                Error::BadRequest(format!("都道府県コード {p:?} は 1〜47 の数です / pref must be 1–47"))
            })?),
            None => None,
        };
        Ok(Level { pref, area: get("area"), hospital: get("hospital") })
    }
}

/// A link within the drill-down, keeping the as-of date.
fn link(d: NaiveDate, pref: Option<Prefecture>, area: Option<&str>, hospital: Option<&str>) -> String {
    let mut s = format!("/hospitals?as_of={d}");
    if let Some(p) = pref {
        s.push_str(&format!("&pref={}", p.code()));
    }
    if let Some(a) = area {
        s.push_str(&format!("&area={}", urlencode(a)));
    }
    if let Some(h) = hospital {
        s.push_str(&format!("&hospital={}", urlencode(h)));
    }
    s
}

/// Drill-down links for the cells of a result: a prefecture cell to the prefecture, an
/// area code to the area, a hospital to the hospital.
fn drill<'a>(r: &'a MetricResult, d: NaiveDate) -> impl Fn(&[queries::Value], &str) -> Option<String> + 'a {
    let idx = |c: &str| r.column_index(c);
    let (pc, ac, hc) = (idx("prefecture_code"), idx("area_code"), idx("hospital"));
    move |row: &[queries::Value], col: &str| {
        let pref = pc.and_then(|i| row[i].display().parse::<u32>().ok()).and_then(Prefecture::from_code);
        let area = ac.map(|i| row[i].display()).filter(|a| !a.is_empty() && a != "不明");
        match col {
            "prefecture" | "prefecture_code" => pref.map(|p| link(d, Some(p), None, None)),
            "area_code" | "area_name" => area.map(|a| link(d, pref, Some(&a), None)),
            "hospital" => hc.map(|i| link(d, pref, area.as_deref(), Some(&row[i].display()))),
            _ => None,
        }
    }
}

fn drilled(r: &Shown, chart: Option<String>, rows: usize, d: NaiveDate) -> Markup {
    match r {
        Ok(res) => linked_part(r, chart, rows, &drill(res, d)),
        Err(m) => m.clone(),
    }
}

async fn hospitals(State(state): State<AppState>, user: User, Query(params): Query<Params>) -> Result<Html<String>> {
    let dated = page_as_of(&state, &params)?;
    let d = dated.0;
    let level = Level::from(&params)?;
    let aud = user.audience();
    let req = |m: &str| Request::new(m, aud).as_of(d);
    let map_view = params.get("view").map(String::as_str) != Some("table");

    let crumbs = html! {
        nav.crumbs aria-label="階層" {
            a href=(link(d, None, None, None)) { "全国" }
            @if let Some(p) = level.pref { " › " a href=(link(d, Some(p), None, None)) { (p.name()) } }
            @if let Some(a) = &level.area { " › " a href=(link(d, level.pref, Some(a), None)) { "区域 " (a) } }
            @if let Some(h) = &level.hospital { " › " (h) }
        }
    };
    let picker = html! {
        form.picker method="get" action="/hospitals" {
            input type="hidden" name="as_of" value=(d.to_string());
            label { "都道府県を選ぶ"
                select name="pref" {
                    option value="" selected[level.pref.is_none()] { "全国" }
                    @for p in (1..=47).filter_map(Prefecture::from_code) {
                        option value=(p.code()) selected[level.pref == Some(p)] { (p.name()) }
                    }
                }
            }
            button type="submit" { "表示" }
        }
    };

    let body = if let Some(h) = &level.hospital {
        let list = evaluate_or_note(
            &state,
            &user,
            req(queries::metrics::drilldown::LIST.name).param("hospital", h).param("history", "all"),
        )
        .await?;
        let volumes =
            evaluate_or_note(&state, &user, req(queries::metrics::volumes::VOLUME_CHECK.name).param("hospital", h))
                .await?;
        html! {
            h1 { (h) }
            (crumbs)
            h2 { "指定の履歴" }
            (drilled(&list, None, 100, d))
            h2 { "診療実績（最新年度）" }
            (part(&volumes, None, 20))
        }
    } else if let Some(a) = &level.area {
        let mut list_req = req(queries::metrics::drilldown::LIST.name).param("area", a);
        let mut past_req = req(queries::metrics::drilldown::LIST.name).param("area", a).param("history", "all");
        if let Some(p) = level.pref {
            list_req = list_req.param("prefecture", &p.code().to_string());
            past_req = past_req.param("prefecture", &p.code().to_string());
        }
        let list = evaluate_or_note(&state, &user, list_req).await?;
        let past = evaluate_or_note(&state, &user, past_req).await?;
        let name = past
            .as_ref()
            .ok()
            .and_then(|r| r.column("area_name").into_iter().map(|v| v.display()).find(|n| !n.is_empty()));
        html! {
            h1 { "構想区域 " (a) @if let Some(n) = &name { " " (n) } }
            (crumbs)
            h2 { "基準日に指定されている病院" }
            @if list.as_ref().is_ok_and(|r| r.rows.is_empty()) {
                p.note { "この区域には基準日に指定された病院がありません（空白の区域です）。" }
            }
            (drilled(&list, None, 100, d))
            details {
                summary { "過去の指定も含めた一覧" }
                (drilled(&past, None, 200, d))
            }
        }
    } else if let Some(p) = level.pref {
        let areas = evaluate_or_note(
            &state,
            &user,
            req(queries::metrics::drilldown::AREAS.name).param("prefecture", &p.code().to_string()),
        )
        .await?;
        let list = evaluate_or_note(
            &state,
            &user,
            req(queries::metrics::drilldown::LIST.name).param("prefecture", &p.code().to_string()),
        )
        .await?;
        let counts = areas.as_ref().ok().map(|r| {
            let blank = r.column("blank").iter().filter(|v| matches!(v, queries::Value::Bool(true))).count();
            (r.rows.len(), blank)
        });
        html! {
            h1 { (p.name()) "の拠点病院" }
            (crumbs)
            (picker)
            @if let Some((n, blank)) = counts {
                p.kpi-line {
                    (crate::html::date_ja(d)) " 時点で、構想区域 " (n) " のうち空白は " strong { (blank) " 区域" } "。"
                }
            }
            h2 { "構想区域" }
            p.muted { "区域名から、その区域の指定病院に進めます。" }
            (drilled(&areas, None, 100, d))
            h2 { "指定病院" }
            (drilled(&list, None, 200, d))
        }
    } else {
        national(&state, &user, d, map_view, super::param(&params, "area_set"), &crumbs, &picker).await?
    };
    let page_def = Page::new("拠点病院", "hospitals").dated(dated, params);
    Ok(Html(page(&state, &user, page_def, body)))
}

/// The national level: 空白 areas (map or table, with the series), designations, volumes, coverage.
async fn national(
    state: &AppState,
    user: &User,
    d: NaiveDate,
    map_view: bool,
    set: Option<&str>,
    crumbs: &Markup,
    picker: &Markup,
) -> Result<Markup> {
    let aud = user.audience();
    let req = |m: &str| Request::new(m, aud).as_of(d);
    // The 空白 metrics on the chosen area set (default: the metrics' own, がん医療圏 from FY2019).
    let on_set = |m: &str| match set {
        Some(s) => req(m).param("area_set", s),
        None => req(m),
    };
    let total = evaluate_or_note(state, user, on_set(queries::metrics::hospitals::BLANK_COUNT.name)).await?;
    let by_pref =
        evaluate_or_note(state, user, on_set(queries::metrics::hospitals::BLANK_COUNT.name).by("prefecture")).await?;
    let blank = evaluate_or_note(state, user, on_set(queries::metrics::hospitals::BLANK_AREAS.name)).await?;
    let series = evaluate_or_note(state, user, on_set(queries::metrics::hospitals::BLANK_SERIES.name)).await?;
    let designations = evaluate_or_note(state, user, req(queries::metrics::hospitals::DESIGNATIONS.name)).await?;
    let volumes = evaluate_or_note(state, user, req(queries::metrics::volumes::VOLUME_SUMMARY.name)).await?;
    let coverage = evaluate_or_note(
        state,
        user,
        req(queries::metrics::hospitals::COVERAGE.name).param("only", "hub_without_oncologist"),
    )
    .await?;

    let headline = total.as_ref().ok().and_then(|r| {
        let n = |c: &str| super::first_num(r, c);
        Some((n("blank_areas")?, n("areas")?, n("blank_population")?, n("blank_population_pct")?))
    });
    let breaks = super::map_breaks(
        state,
        user,
        on_set(queries::metrics::hospitals::BLANK_COUNT.name).by("prefecture"),
        "blank_areas",
    )
    .await?;
    let map = by_pref.as_ref().ok().and_then(|r| {
        choropleth("空白の二次医療圏の数（都道府県）", "区域", &super::prefecture_regions(r, "blank_areas")?, &breaks)
            .ok()
    });
    let series_chart = series.as_ref().ok().and_then(|r| {
        let mut c = LineChart::new("空白の二次医療圏の数（各年4月1日）", XAxis::Date, "区域");
        c.series.push(Series::new("空白区域", points(r, date_x, "date", "blank_areas")));
        line_chart(&c).ok()
    });
    let snapshot = state.snapshot();
    let sample = {
        let all: Vec<i64> = snapshot.loads.iter().map(|l| l.load_id).collect();
        snapshot.any_sample(&all)
    };
    let sets = snapshot.area_sets().await?;
    let text = |c: &str| total.as_ref().ok().and_then(|r| r.column(c).first().map(|v| v.display()));
    let (used, kind) = (text("area_set").unwrap_or_default(), text("area_kind").unwrap_or_else(|| "区域".into()));
    let ours = headline.map(|(b, a, _, _)| queries::published::OurBlank {
        as_of: d,
        set: "",
        grouped: sets.grouped(&used),
        blank: b as i64,
        areas: a as i64,
        sample,
    });
    // The areas themselves: each 構想区域 (がん医療圏 as their unions) by its state.
    let area_map = if map_view {
        match evaluate_or_note(state, user, on_set(queries::metrics::drilldown::AREAS.name)).await? {
            Ok(r) => {
                let title = format!("空白の{kind}と指定病院のある{kind}（{}）", crate::html::date_ja(d));
                reports::area_map::area_map(
                    &title,
                    &reports::area_map::blank_fills(&r),
                    &reports::area_map::blank_classes(),
                )
                .ok()
            }
            Err(_) => None,
        }
    } else {
        None
    };
    let view = if map_view { "map" } else { "table" };
    let chooser = html! {
        p {
            "区域の種類: "
            @for (i, s) in sets.0.iter().enumerate() {
                @if i > 0 { " | " }
                @let label = if s.grouped { format!("{}（がん医療圏）", s.name) } else { format!("{}（構想区域）", s.name) };
                @if s.name == used { strong { (label) } }
                @else { a href=(format!("/hospitals?as_of={d}&view={view}&area_set={}#blank", urlencode(&s.name))) { (label) } }
            }
        }
    };
    Ok(html! {
        h1 { "拠点病院" }
        (crumbs)
        h2 id="blank" { "空白の二次医療圏" }
        @if let Some((b, a, pop, pct)) = headline {
            p.kpi-line {
                (crate::html::date_ja(d)) " 時点で " strong { (int(b as i64)) " 区域" } "（" (kind) " " (int(a as i64)) " 区域中）、"
                "人口 " (int(pop as i64)) " 人（" (format!("{pct:.1}")) "%）が拠点病院・地域がん診療病院のない区域に住んでいます。"
            }
        }
        (chooser)
        p {
            "表示: "
            @if map_view { strong { "地図" } } @else { a href=(format!("/hospitals?as_of={d}&view=map&area_set={}#blank", urlencode(&used))) { "地図" } }
            " | "
            @if map_view { a href=(format!("/hospitals?as_of={d}&view=table&area_set={}#blank", urlencode(&used))) { "表" } } @else { strong { "表" } }
        }
        (picker)
        @if map_view {
            @if let Some(svg) = area_map {
                (crate::html::svg(&svg))
                p.muted { "区域にカーソルを合わせると、区域名・状態・指定病院が出ます。" (reports::area_map::ATTRIBUTION) }
            }
            (drilled(&by_pref, map, 60, d))
        } @else {
            (drilled(&blank, None, 400, d))
            details {
                summary { "都道府県別の集計" }
                (drilled(&by_pref, None, 60, d))
            }
        }
        h3 { "推移" }
        (part(&series, series_chart, 40))
        (published(ours.map(|o| queries::published::OurBlank { set: &used, ..o }).as_ref()))
        h2 id="designations" { "指定類型別の施設数" }
        (part(&designations, None, 20))
        h2 id="volumes" { "指定要件の診療実績" }
        p.muted { a href=(format!("/metrics/hospitals.volume_check?as_of={d}")) { "病院別の実績を見る" } }
        (part(&volumes, None, 40))
        h2 id="coverage" { "拠点病院があるのに薬物療法専門医がいない構想区域" }
        (drilled(&coverage, None, 100, d))
    })
}

/// The ministry's own figures beside the computed ones: the official 空白 count on がん医療圏 and the
/// national totals by date, with what makes them differ from ours.
fn published(ours: Option<&queries::published::OurBlank<'_>>) -> Markup {
    let rows = queries::published::national_totals();
    html! {
        h3 id="published" { "厚生労働省の公表値" }
        @if let Some((d, blank, areas)) = queries::published::official_blank() {
            p.kpi-line {
                "厚生労働省公表値: " strong { (blank) " / " (areas) " がん医療圏" } "（" (queries::published::date_ja(&d)) "）"
            }
        }
        @if let Some(o) = ours {
            p.muted { (queries::published::beside_ours(o)) }
        }
        details {
            summary { "全国の指定数（公表値）" }
            div.table-wrap tabindex="0" role="region" aria-label="全国の指定数（公表値）" {
                table {
                    thead { tr { th { "時点" } th { "拠点病院等" } th { "地域がん診療病院" } th { "空白のがん医療圏" } th { "がん医療圏" } th { "資料" } } }
                    tbody {
                        @for r in &rows {
                            tr {
                                td { (queries::published::date_ja(&r.as_of)) }
                                td.num { (queries::published::ja(&r.kyoten_total)) }
                                td.num { (queries::published::ja(&r.chiiki_gan_shinryo_byoin)) }
                                td.num { (r.blank_gan_iryoken) }
                                td.num { (r.n_gan_iryoken) }
                                td { (r.sources.replace(';', "・")) }
                            }
                        }
                    }
                }
            }
            p.muted {
                "出典: 厚生労働省 がん診療連携拠点病院等の指定に関する検討会 資料ほか（資料番号は "
                code { "data/reference/published/SOURCES.txt" }
                "）。"
                "手作業で書き写した値です。原資料と照合してください。"
            }
        }
    }
}
