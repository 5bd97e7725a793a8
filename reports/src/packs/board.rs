//! 理事会資料 (the board pack): headline numbers with the change since the previous 年度,
//! the 80% rule with its history and projection, joins and leaves, a survey summary,
//! specialists, 空白の二次医療圏 and designations, each from the metric catalog under the
//! board's disclosure policy.

use chrono::{Months, NaiveDate};
use queries::{MetricResult, Value};

use super::Context;
use crate::charts::{Bar, LineChart, Series, XAxis, bar_chart, gauge, line_chart};
use crate::doc::{Block, Doc, Kpi, Table};
use crate::error::Result;
use crate::format::{date_ja, int, signed, with_unit, year_end_label};
use crate::map::choropleth;
use crate::series::{date_x, first_num, num_x, points, prefecture_regions, series_by};

/// A value of the last row whose `key` column equals `key` (any row when `key` is None).
fn cell<'r>(r: &'r MetricResult, key: Option<(&str, &str)>, column: &str) -> Option<&'r Value> {
    let ci = r.column_index(column)?;
    let row = match key {
        Some((k, v)) => {
            let ki = r.column_index(k)?;
            r.rows.iter().rev().find(|row| row[ki].display() == v)?
        }
        None => r.rows.last()?,
    };
    row.get(ci)
}

pub(super) fn cell_num(r: &MetricResult, key: Option<(&str, &str)>, column: &str) -> Option<f64> {
    cell(r, key, column).and_then(Value::as_f64)
}

/// A cell as the tables print it ("—" when absent).
pub(super) fn cell_text(r: &MetricResult, key: Option<(&str, &str)>, column: &str) -> String {
    match (r.column_index(column), cell(r, key, column)) {
        (Some(i), Some(v)) => crate::format::column_cell(v, &r.columns[i]),
        _ => "—".into(),
    }
}

/// "前年度末比 +12" when both values are known.
fn change(label: &str, now: Option<f64>, before: Option<f64>, decimals: usize, unit: &str) -> Option<String> {
    Some(format!("{label} {}{unit}", signed(now? - before?, decimals)))
}

fn join(parts: &[Option<String>]) -> String {
    parts.iter().flatten().cloned().collect::<Vec<_>>().join(" · ")
}

/// Joins and leaves by 年度 from the first whole 年度 the rosters cover: a 年度 seen for a
/// day or a month holds a handful of people, whose withholding would (by complementary
/// suppression) also withhold the current 年度, the row the board reads first.
pub(super) fn flows_req(cx: &Context<'_>, as_of: NaiveDate) -> queries::Request {
    let mut req = cx.req(queries::metrics::flows::FLOWS.name).as_of(as_of);
    if let Some(first) = cx.engine.snapshot().roster_dates().first() {
        let fy = super::fiscal_year(*first);
        let start = if first.format("%m-%d").to_string() == "04-01" { fy } else { fy + 1 };
        if let Some(d) = NaiveDate::from_ymd_opt(start, 4, 1).filter(|d| *d <= as_of) {
            req = req.param("from", &d.to_string());
        }
    }
    req
}

/// Builds the board pack.
pub fn build(cx: &Context<'_>) -> Result<Doc> {
    let mut doc = body(cx)?;
    finish(cx, &mut doc, "board", "理事会（少数の人数は秘匿して表示）");
    Ok(doc)
}

/// The board pack's sections (headline numbers through 空白 areas), without notes and
/// title-page details: the committee pack continues from here.
pub(super) fn body(cx: &Context<'_>) -> Result<Doc> {
    let d = cx.as_of;
    let fy = cx.fiscal_year();
    let prev_end = cx.previous_year_end();
    let year_ago = d.checked_sub_months(Months::new(12)).unwrap_or(d);
    let mut doc = Doc {
        title: "理事会資料".into(),
        subtitle: "会員・アンケート・専門医・がん診療連携拠点病院の概況".into(),
        running_head: format!("理事会資料 · {} 現在", date_ja(d)),
        ..Doc::default()
    };
    let mut kpis = Vec::new();
    let mut body: Vec<Block> = Vec::new();
    let mut missing = Vec::new();

    // --- 会員: the 80% rule --------------------------------------------------------------
    let share = cx.opt(cx.req(queries::metrics::membership::PHYSICIAN_SHARE.name))?;
    if let Some(share) = &share {
        let before = cx.opt(cx.req(queries::metrics::membership::PHYSICIAN_SHARE.name).as_of(prev_end))?;
        let pct = first_num(share, "share_pct");
        let ok = share.column("compliant").first().is_some_and(|v| matches!(v, Value::Bool(true)));
        let b = |c: &str| before.as_ref().and_then(|r| first_num(r, c));
        kpis.push(Kpi {
            label: "正会員に占める医師の割合".into(),
            value: match share.column("share_pct").first() {
                Some(Value::Num(p)) => format!("{p:.2}%"),
                other => with_unit(other.copied(), "%"),
            },
            detail: join(&[
                Some(if ok { "基準 80% 以上".into() } else { "基準 80% 未満".into() }),
                change("前年度末比", pct, b("share_pct"), 2, "pt"),
            ]),
            warn: !ok && pct.is_some(),
        });
        kpis.push(Kpi {
            label: "正会員数".into(),
            value: with_unit(share.column("full_members").first().copied(), "人"),
            detail: join(&[
                Some(format!("医師 {}", with_unit(share.column("physicians").first().copied(), "人"))),
                change("前年度末比", first_num(share, "full_members"), b("full_members"), 0, "人"),
            ]),
            warn: false,
        });
        body.extend(share_section(cx, share)?);
    } else {
        missing.push("会員");
    }

    // --- 会員: joins and leaves ---------------------------------------------------------
    let flows = cx.opt(flows_req(cx, d))?;
    if let Some(flows) = &flows {
        // The latest 年度 released to the audience (the running 年度 is released to the board
        // only once it ends), as the dashboard's overview shows it.
        let shown_fy = flows.rows.last().and_then(|r| r.first()).map(Value::display).unwrap_or_else(|| fy.to_string());
        let fy_key = Some(("fiscal_year", &*shown_fy));
        let running = shown_fy == fy.to_string();
        let last_year = cx.opt(flows_req(cx, year_ago))?;
        let prev_key = shown_fy.parse::<i32>().map(|y| (y - 1).to_string()).unwrap_or_default();
        let prev = |c: &str| {
            let r = if running { last_year.as_ref() } else { Some(flows) };
            r.and_then(|r| cell_num(r, Some(("fiscal_year", &prev_key)), c))
        };
        kpis.push(Kpi {
            label: format!("{shown_fy}年度の入会・退会{}", if running { "（基準日まで）" } else { "" }),
            value: format!(
                "+{} / −{}",
                with_unit(cell(flows, fy_key, "joins"), ""),
                with_unit(cell(flows, fy_key, "leaves"), "")
            ),
            detail: join(&[
                change(
                    if running { "前年度同期比 入会" } else { "前年度比 入会" },
                    cell_num(flows, fy_key, "joins"),
                    prev("joins"),
                    0,
                    "人",
                ),
                change("退会", cell_num(flows, fy_key, "leaves"), prev("leaves"), 0, "人"),
            ]),
            warn: false,
        });
        body.extend(flows_section(cx, flows)?);
    }

    // --- アンケート ----------------------------------------------------------------------
    let rate = cx.opt(cx.req(queries::metrics::survey::RESPONSE_RATE.name))?.filter(|r| !r.rows.is_empty());
    if let Some(rate) = &rate {
        let n = rate.rows.len();
        let col = |i: usize, c: &str| rate.column_index(c).and_then(|ci| rate.rows.get(i).and_then(|r| r.get(ci)));
        let last_fy = col(n - 1, "fiscal_year").map(Value::display).unwrap_or_default();
        kpis.push(Kpi {
            label: format!("アンケート回答率（{last_fy}年度）"),
            value: with_unit(col(n - 1, "rate_pct"), "%"),
            detail: join(&[
                Some(format!(
                    "95%信頼区間 {}–{}",
                    with_unit(col(n - 1, "rate_low_pct"), "%"),
                    with_unit(col(n - 1, "rate_high_pct"), "%")
                )),
                n.checked_sub(2).and_then(|p| {
                    change("前年度比", col(n - 1, "rate_pct")?.as_f64(), col(p, "rate_pct")?.as_f64(), 1, "pt")
                }),
            ]),
            warn: false,
        });
        body.extend(survey_section(cx, rate)?);
    } else {
        missing.push("アンケート");
    }

    // --- 専門医 --------------------------------------------------------------------------
    let spec = cx.opt(cx.req(queries::metrics::specialists::BY_YEAR.name))?.filter(|r| !r.rows.is_empty());
    if let Some(spec) = &spec {
        const DRUG: &str = "がん薬物療法専門医";
        let year_col = spec.column_index("year");
        let drug: Vec<&Vec<Value>> =
            spec.rows.iter().filter(|r| r.first().and_then(Value::as_str) == Some(DRUG)).collect();
        let active = spec.column_index("active");
        let at = |k: usize| -> (Option<String>, Option<f64>) {
            let row = drug.len().checked_sub(k).and_then(|i| drug.get(i));
            (row.and_then(|r| year_col.map(|y| r[y].display())), row.and_then(|r| active.and_then(|a| r[a].as_f64())))
        };
        let ((year, now), (_, before)) = (at(1), at(2));
        kpis.push(Kpi {
            label: format!("{DRUG}（有効）"),
            value: now.map_or("—".into(), |v| format!("{}人", int(v as i64))),
            detail: join(&[year.map(|y| year_end_label(&y, d)), change("前年末比", now, before, 0, "人")]),
            warn: false,
        });
        body.extend(specialists_section(cx, spec)?);
    } else {
        missing.push("専門医");
    }

    // --- 拠点病院 ------------------------------------------------------------------------
    let blank = cx.opt(cx.req(queries::metrics::hospitals::BLANK_COUNT.name))?;
    let series = cx.opt(cx.req(queries::metrics::hospitals::BLANK_SERIES.name))?;
    if let (Some(blank), Some(series)) = (&blank, &series) {
        // The series holds each April 1st up to the as-of date: the last two are this 年度 and the previous one.
        let n = series.rows.len();
        let ba = series.column_index("blank_areas");
        let s = |i: Option<usize>| i.and_then(|i| ba.and_then(|c| series.rows.get(i)?.get(c)?.as_f64()));
        kpis.push(Kpi {
            label: "空白の二次医療圏".into(),
            value: with_unit(blank.column("blank_areas").first().copied(), "区域"),
            detail: join(&[
                Some(format!(
                    "{}区域中 · 人口の {}",
                    with_unit(blank.column("areas").first().copied(), ""),
                    with_unit(blank.column("blank_population_pct").first().copied(), "%")
                )),
                change("前年度比", s(n.checked_sub(1)), s(n.checked_sub(2)), 0, "区域"),
            ]),
            warn: false,
        });
        body.extend(hospitals_section(cx, blank, series)?);
    } else {
        missing.push("拠点病院");
    }

    // --- Assemble ------------------------------------------------------------------------
    doc.h1("1. 概況");
    doc.para(format!(
        "{} 現在の主要指標です。増減は前年度末（{}）または前年度の同じ時点との比較です。",
        date_ja(d),
        date_ja(prev_end)
    ));
    doc.push(Block::Kpis(kpis));
    if let Some(share) = &share {
        doc.para(rule_sentence(share));
    }
    if !missing.is_empty() {
        doc.note(format!("まだ読み込まれていないデータ: {}", missing.join("、")));
    }
    doc.blocks.extend(body);
    Ok(doc)
}

/// Closes a pack: the notes, and the title page's details — written last, once every
/// metric has been read, so the load ids are all of them. `pack` names the subcommand that
/// makes the file again; `audience` says who it is for.
pub(super) fn finish(cx: &Context<'_>, doc: &mut Doc, pack: &str, audience: &str) {
    let d = cx.as_of;
    notes(cx, doc);
    doc.sample = cx.sample();
    doc.cover = vec![
        ("基準日".into(), format!("{}（{}年度）", date_ja(d), cx.fiscal_year())),
        ("対象".into(), audience.into()),
        (
            "データ".into(),
            format!("ロード {}（スナップショット: ロード {} 時点）", cx.loads_text(), cx.engine.snapshot().at_load),
        ),
        ("秘匿".into(), queries::Policy::for_audience(cx.audience).describe_ja()),
        (
            "再作成".into(),
            format!(
                "oncometrics report {pack} --as-of {d} --at-load {} で同じファイルを作成できます",
                cx.engine.snapshot().at_load
            ),
        ),
        ("出典".into(), model::ATTRIBUTION.join(" / ")),
    ];
    if doc.sample {
        doc.cover
            .insert(0, ("注意".into(), format!("{}：架空の会員・回答・専門医・指定データです", model::SAMPLE_LABEL)));
    }
}

fn rule_sentence(share: &MetricResult) -> String {
    let n = |c: &str| first_num(share, c).map(|v| int(v as i64)).unwrap_or_else(|| "—".into());
    let pct = first_num(share, "share_pct").map_or("—".into(), |p| format!("{p:.2}%"));
    if share.column("compliant").first().is_some_and(|v| matches!(v, Value::Bool(true))) {
        format!(
            "正会員 {} 人のうち医師は {} 人（{pct}）で、医療広告の基準（医師が8割以上）を満たしています。\
             医師以外の正会員はあと {} 人まで入会できます。",
            n("full_members"),
            n("physicians"),
            n("headroom")
        )
    } else {
        format!(
            "正会員 {} 人のうち医師は {} 人（{pct}）で、基準（8割以上）を下回っています。\
             回復には医師の正会員があと {} 人、または医師以外の正会員 {} 人の準会員への移行が必要です。",
            n("full_members"),
            n("physicians"),
            n("physicians_needed"),
            n("moves_to_associate")
        )
    }
}

fn share_section(cx: &Context<'_>, share: &MetricResult) -> Result<Vec<Block>> {
    let mut d = Doc::default();
    d.h1("2. 医師の割合（8割ルール）");
    if let Some(p) = first_num(share, "share_pct") {
        d.chart_width(gauge("正会員に占める医師の割合", p, 80.0)?, 0.6);
    }
    d.table(Table::from_result(share, &["full_members", "physicians", "others", "share_pct", "compliant", "headroom"]));
    let history = cx.eval(cx.req(queries::metrics::share_history::SHARE_HISTORY.name))?;
    let projection = cx.eval(cx.req(queries::metrics::membership::PROJECTION.name))?;
    d.chart(line_chart(&crate::series::share_chart(&history, &projection))?);
    let crossing = crate::series::first_month_below(&projection);
    d.para(match crossing {
        Some(c) => format!("過去12か月の職種別の入会・退会率が続くと、{c} に 80% を下回る見込みです。"),
        None => format!(
            "過去12か月の職種別の入会・退会率が続くと、推計期間（{}か月）中は 80% 以上を保つ見込みです。",
            projection.rows.len()
        ),
    });
    let below = Table::from_result(&history, &["month_end", "full_members", "physicians", "share_pct", "status"])
        .filter(|r| r.last().is_some_and(|s| s != "8割以上"))
        .caption("80% を下回った（または下回った可能性のある）月");
    d.table(below);
    let quarterly =
        Table::from_result(&projection, &["month_end", "full_members", "physicians", "share_pct", "compliant"])
            .filter(|r| r.first().is_some_and(|m| m.get(5..7).is_some_and(|mm| ["03", "06", "09", "12"].contains(&mm))))
            .caption("推計（四半期末）");
    d.table(quarterly);
    Ok(d.blocks)
}

fn flows_section(cx: &Context<'_>, flows: &MetricResult) -> Result<Vec<Block>> {
    let mut d = Doc::default();
    d.h1("3. 入会・退会");
    let partial = crate::series::partial_fiscal_year(cx.as_of);
    let title = format!("入会・退会（年度）{}", crate::series::partial_fiscal_year_note(cx.as_of));
    let mut joins = LineChart::new(title, XAxis::Number, "人");
    joins.series.push(Series::new("入会", points(flows, num_x, "fiscal_year", "joins")).partial_from(partial));
    joins.series.push(Series::new("退会", points(flows, num_x, "fiscal_year", "leaves")).partial_from(partial));
    d.chart(line_chart(&joins)?);
    d.table(Table::from_result(flows, &["fiscal_year", "joins", "leaves", "net"]).last(10));
    if let Some(ba) = cx.opt(cx.req(queries::metrics::flows::BEFORE_AFTER.name))? {
        d.h2(format!("{}の前後の入会", model::rules::RULES_2026.recommendation_abolished_label()));
        d.table(Table::from_result(
            &ba,
            &[
                "profession",
                "joins_before",
                "joins_after",
                "per_month_before",
                "per_month_after",
                "ratio",
                "ratio_low",
                "ratio_high",
            ],
        ));
    }
    Ok(d.blocks)
}

fn survey_section(cx: &Context<'_>, rate: &MetricResult) -> Result<Vec<Block>> {
    let mut d = Doc::default();
    d.h1("4. 会員アンケート");
    d.chart(line_chart(&crate::series::response_rate_chart(rate, "回答率（年度）と95%信頼区間"))?);
    d.table(Table::from_result(rate, &[]).last(6));
    if let Some(w) = cx.opt(cx.req(queries::metrics::weighted::WEIGHTED.name))?.filter(|w| !w.rows.is_empty()) {
        let q = w.params.get("question").cloned().unwrap_or_default();
        let year = w.params.get("fiscal_year").cloned();
        d.h2(format!(
            "満足度（{q}{}）：回答そのままと名簿に合わせた重み付け",
            year.map(|y| format!("、{y}年度")).unwrap_or_default()
        ));
        let bars: Vec<Bar> = w
            .rows
            .iter()
            .map(|r| Bar {
                label: r.first().map(Value::display).unwrap_or_default(),
                value: w.column_index("weighted_pct").and_then(|i| r[i].as_f64()),
            })
            .collect();
        d.chart_width(bar_chart("重み付け後の回答分布", "%", &bars)?, 0.8);
        d.table(Table::from_result(&w, &[]));
    }
    Ok(d.blocks)
}

fn specialists_section(cx: &Context<'_>, spec: &MetricResult) -> Result<Vec<Block>> {
    let mut d = Doc::default();
    d.h1("5. 専門医・認定医");
    let mut chart = LineChart::new("有効な専門医・認定医（年末）", XAxis::Number, "人");
    chart.series = series_by(spec, "qualification", "year", "active");
    d.chart(line_chart(&chart)?);
    let latest = spec.column("year").iter().filter_map(|v| v.as_i64()).max().unwrap_or(0);
    d.table(
        Table::from_result(spec, &["qualification", "year", "new", "renewed", "lapsed", "active"])
            .filter(|r| r.get(1).and_then(|y| y.parse::<i64>().ok()).is_some_and(|y| y > latest - 5))
            .caption("専門医・認定医の推移（直近5年）"),
    );
    if let Some(per) = cx.opt(cx.req(queries::metrics::specialists::PER_100K.name))?
        && let Some(regions) = prefecture_regions(&per, "per_100k")
    {
        let q = per.params.get("qualification").cloned().unwrap_or_default();
        d.h2(format!("人口10万人あたりの{q}（都道府県別）"));
        // The classes of the latest data, as the dashboard draws them: a colour means the same on every date.
        let latest = cx.engine.snapshot().default_as_of().unwrap_or(cx.as_of);
        let breaks = match cx.opt(cx.req(queries::metrics::specialists::PER_100K.name).as_of(latest))? {
            Some(r) => crate::series::map_breaks(&r, "per_100k"),
            None => Vec::new(),
        };
        d.chart_width(choropleth(&format!("人口10万人あたりの{q}"), "人", &regions, &breaks)?, 0.85);
    }
    if let Some(per) = cx.opt(cx.req(queries::metrics::specialists::PER_100K.name).by("area"))? {
        let q = per.params.get("qualification").cloned().unwrap_or_default();
        let title = format!("人口10万人あたりの{q}（構想区域別）");
        d.h2(title.clone());
        // The classes of the latest data, as for the prefecture map.
        let latest = cx.engine.snapshot().default_as_of().unwrap_or(cx.as_of);
        let breaks = match cx.opt(cx.req(queries::metrics::specialists::PER_100K.name).by("area").as_of(latest))? {
            Some(r) => crate::series::map_breaks(&r, "per_100k"),
            None => Vec::new(),
        };
        let fills = crate::area_map::numeric_fills(&per, "per_100k", "人", &breaks);
        d.chart_width(
            crate::area_map::area_map(&title, &fills, &crate::area_map::numeric_classes(&breaks, "人"))?,
            0.85,
        );
    }
    if let Some(due) = cx.opt(cx.req(queries::metrics::specialists::RENEWALS_DUE.name))? {
        d.table(Table::from_result(&due, &[]).caption("更新期限を迎える専門医・認定医"));
    }
    Ok(d.blocks)
}

fn hospitals_section(cx: &Context<'_>, blank: &MetricResult, series: &MetricResult) -> Result<Vec<Block>> {
    let mut d = Doc::default();
    d.h1("6. 空白の二次医療圏とがん診療連携拠点病院");
    d.para(format!(
        "{} 現在、{} 区域のうち {} 区域に国指定のがん診療連携拠点病院等がなく、人口の {} がそこに住んでいます。",
        date_ja(cx.as_of),
        with_unit(blank.column("areas").first().copied(), ""),
        with_unit(blank.column("blank_areas").first().copied(), ""),
        with_unit(blank.column("blank_population_pct").first().copied(), "%"),
    ));
    if let Some((on, official, areas)) = queries::published::official_blank() {
        let cell = |c: &str| blank.column(c).first().map(|v| v.display()).unwrap_or_default();
        let set = cell("area_set");
        let ours = queries::published::OurBlank {
            as_of: cx.as_of,
            set: &set,
            grouped: cell("area_kind") == "がん医療圏",
            blank: blank.column("blank_areas").first().and_then(|v| v.as_i64()).unwrap_or(0),
            areas: blank.column("areas").first().and_then(|v| v.as_i64()).unwrap_or(0),
            sample: blank.provenance.sample,
        };
        d.note(format!(
            "厚生労働省公表値: {official} / {areas} がん医療圏（{}）。{}",
            queries::published::date_ja(&on),
            queries::published::beside_ours(&ours)
        ));
    }
    if let Some(areas) = cx.opt(cx.req(queries::metrics::drilldown::AREAS.name))? {
        let kind = blank.column("area_kind").first().map(|v| v.display()).unwrap_or_else(|| "区域".into());
        let title = format!("空白の{kind}と指定病院のある{kind}（{}）", date_ja(cx.as_of));
        d.h2(title.clone());
        let fills = crate::area_map::blank_fills(&areas);
        d.chart_width(crate::area_map::area_map(&title, &fills, &crate::area_map::blank_classes())?, 0.85);
    }
    let mut chart = LineChart::new("空白の二次医療圏の数（各年4月1日）", XAxis::Date, "区域");
    chart.series.push(Series::new("空白区域数", points(series, date_x, "date", "blank_areas")));
    d.chart(line_chart(&chart)?);
    if let Some(list) = cx.opt(cx.req(queries::metrics::hospitals::BLANK_AREAS.name))? {
        d.table(
            Table::from_result(&list, &["area_code", "area_name", "prefecture", "population_2020"])
                .caption(format!("空白の二次医療圏の一覧（{} 区域）", list.rows.len())),
        );
    }
    if let Some(des) = cx.opt(cx.req(queries::metrics::hospitals::DESIGNATIONS.name))? {
        d.h2("指定の類型別の病院数");
        d.table(Table::from_result(&des, &[]));
    }
    Ok(d.blocks)
}

fn notes(cx: &Context<'_>, doc: &mut Doc) {
    doc.h1("注記");
    doc.para(format!(
        "この資料の数値はすべて oncometrics の指標一覧（ダッシュボードの「指標一覧」）の定義によります。基準日は {}、\
         データはロード {} です。",
        date_ja(cx.as_of),
        cx.loads_text()
    ));
    doc.para(format!("秘匿: {}", queries::Policy::for_audience(cx.audience).describe_ja()));
    doc.para("X は少数のため秘匿した値です（0 や空欄ではありません）。割合・率は秘匿した人数から計算される場合にあわせて秘匿しています。");
    for a in model::ATTRIBUTION {
        doc.note(a);
    }
    if cx.sample() {
        doc.note(format!(
            "{}：この資料の会員・アンケート・専門医・指定のデータは oncometrics のサンプル生成機能で作った架空のものです。",
            model::SAMPLE_LABEL
        ));
    }
}
