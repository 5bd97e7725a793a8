//! 会員委員会資料 (the committee pack): the board's headline and 80% sections with exact
//! counts, what-if scenarios given on the command line, flows by profession and month,
//! retention, composition, response rates by segment, survey cross-tabs with their
//! chi-square tests, free-text terms with keyword-in-context lines, and the renewal
//! readiness of がん薬物療法専門医 and がん治療認定医 (cohort, blockers, trend).

use queries::MetricResult;

use super::Context;
use super::board::{self, cell_num};
use crate::charts::{LineChart, Series, XAxis, gauge, line_chart};
use crate::doc::{Doc, Table};
use crate::error::{Error, Result};
use crate::format::{date_ja, int};
use crate::series::{first_num, num_x, points, renewal_blocker_chart, series_by};

/// People joining in a what-if scenario.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WhatIf {
    /// Non-physician medical staff joining as 正会員.
    pub staff_full: i64,
    /// Non-physician medical staff joining as 準会員.
    pub staff_associate: i64,
    /// Physicians joining as 正会員.
    pub physicians: i64,
}

impl WhatIf {
    /// Parses `staff_full=10,staff_associate=5,physicians=3` (any subset, any order).
    pub fn parse(s: &str) -> Result<WhatIf> {
        let mut w = WhatIf::default();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (k, v) = part.split_once('=').ok_or_else(|| bad(s, "name=number"))?;
            let n: i64 =
                v.trim().parse().ok().filter(|n| (0..=100_000).contains(n)).ok_or_else(|| bad(s, "0〜100000"))?;
            match k.trim() {
                "staff_full" => w.staff_full = n,
                "staff_associate" => w.staff_associate = n,
                "physicians" => w.physicians = n,
                other => return Err(bad(s, &format!("{other}: staff_full, staff_associate, physicians"))),
            }
        }
        Ok(w)
    }
}

fn bad(s: &str, expected: &str) -> Error {
    Error::Invalid(format!("--what-if {s:?}: {expected} で指定してください / expected {expected}"))
}

/// A cross-tab to include: a single-choice question against another question or a segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crosstab {
    pub question: String,
    /// Another 設問ID, or profession, age_band or region.
    pub column: String,
}

impl Crosstab {
    /// Parses `Q01:Q03` or `Q01:profession`.
    pub fn parse(s: &str) -> Result<Crosstab> {
        let (q, c) = s.split_once(':').filter(|(q, c)| !q.trim().is_empty() && !c.trim().is_empty()).ok_or_else(|| {
            Error::Invalid(format!(
                "--crosstab {s:?}: 設問ID:列（例 Q01:Q03, Q01:profession）で指定してください / expected QUESTION:COLUMN"
            ))
        })?;
        Ok(Crosstab { question: q.trim().to_string(), column: c.trim().to_string() })
    }
}

/// What the committee asks for beyond the defaults.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Scenarios; none gives two: the headroom filled, and one person more.
    pub what_if: Vec<WhatIf>,
    /// Cross-tabs; none gives Q01 against 職種, 年齢階級 and 地方.
    pub crosstabs: Vec<Crosstab>,
    /// The survey 年度 [default: the latest].
    pub survey_year: Option<i32>,
}

/// Builds the committee pack (exact counts: for the committee only).
pub fn build(cx: &Context<'_>, opts: &Options) -> Result<Doc> {
    let mut doc = board::body(cx)?;
    doc.title = "会員委員会資料".into();
    doc.subtitle = "会員構成・8割ルール・入退会・継続率・アンケート（クロス集計・自由記述）".into();
    doc.running_head = format!("会員委員会資料 · {} 現在 · 委員会限り", date_ja(cx.as_of));
    let share = cx.opt(cx.req(queries::metrics::membership::PHYSICIAN_SHARE.name))?;
    if let Some(share) = &share {
        what_if_section(cx, &mut doc, share, &opts.what_if)?;
        membership_section(cx, &mut doc)?;
    }
    survey_section(cx, &mut doc, opts)?;
    renewals_section(cx, &mut doc)?;
    board::finish(cx, &mut doc, "committee", "会員委員会（秘匿なし・委員会限り。委員会の外に出さないでください）");
    Ok(doc)
}

fn what_if_section(cx: &Context<'_>, doc: &mut Doc, share: &MetricResult, given: &[WhatIf]) -> Result<()> {
    doc.h1("7. 入会シミュレーション");
    let scenarios: Vec<WhatIf> = if given.is_empty() {
        let headroom = first_num(share, "headroom").unwrap_or(0.0) as i64;
        doc.para(format!(
            "シナリオの指定がないため、医師以外の正会員が余裕の {headroom} 人ちょうど入会する場合と、それより 1 人多い場合を示します\
             （--what-if staff_full=N,staff_associate=N,physicians=N で指定できます）。"
        ));
        vec![
            WhatIf { staff_full: headroom, ..WhatIf::default() },
            WhatIf { staff_full: headroom + 1, ..WhatIf::default() },
        ]
    } else {
        given.to_vec()
    };
    let mut table = Table {
        caption: "シナリオ別の医師割合".into(),
        header: [
            "医療職 正会員 +",
            "医療職 準会員 +",
            "医師 正会員 +",
            "正会員（人）",
            "医師割合（%）",
            "8割以上",
            "余裕（人）",
            "必要な医師（人）",
        ]
        .map(String::from)
        .to_vec(),
        numeric: vec![true; 8],
        people: vec![false; 8],
        ..Table::default()
    };
    for w in &scenarios {
        let r = cx.eval(
            cx.req(queries::metrics::membership::WHAT_IF.name)
                .param("staff_full", &w.staff_full.to_string())
                .param("staff_associate", &w.staff_associate.to_string())
                .param("physicians", &w.physicians.to_string()),
        )?;
        let after = Some(("scenario", "仮定後"));
        let text = |c: &str| board::cell_text(&r, after, c);
        table.rows.push(vec![
            int(w.staff_full),
            int(w.staff_associate),
            int(w.physicians),
            text("full_members"),
            text("share_pct"),
            text("compliant"),
            text("headroom"),
            text("physicians_needed"),
        ]);
        if given.len() == 1
            && let Some(p) = cell_num(&r, after, "share_pct")
        {
            doc.chart_width(gauge("仮定後の医師の割合", p, 80.0)?, 0.6);
        }
    }
    doc.table(table);
    doc.note(
        "正会員の医師割合は 5P ≥ 4T（P = 医師、T = 正会員）を整数で判定します。準会員の入会は割合に影響しません。",
    );
    Ok(())
}

fn membership_section(cx: &Context<'_>, doc: &mut Doc) -> Result<()> {
    doc.h1("8. 会員構成・入退会・継続率（詳細）");
    let composition = cx.eval(cx.req(queries::metrics::membership::COMPOSITION.name))?;
    doc.table(Table::from_result(&composition, &[]));

    let monthly = cx.eval(cx.req(queries::metrics::flows::FLOWS.name).by("month"))?;
    let mut chart = LineChart::new("入会・退会（月別、直近36か月）", XAxis::Date, "人");
    let recent = |col: &str| {
        let month_x = |v: &queries::Value| {
            chrono::NaiveDate::parse_from_str(&format!("{}-01", v.display()), "%Y-%m-%d")
                .ok()
                .map(crate::charts::date_x)
        };
        let pts = points(&monthly, month_x, "month", col);
        let start = pts.len().saturating_sub(36);
        pts[start..].to_vec()
    };
    chart.series.push(Series::new("入会", recent("joins")));
    chart.series.push(Series::new("退会", recent("leaves")));
    chart.marker = Some(crate::series::rule_change());
    doc.chart(line_chart(&chart)?);

    let by_prof = cx.eval(board::flows_req(cx, cx.as_of).by("fiscal_year,profession"))?;
    let fy = cx.fiscal_year();
    doc.table(
        Table::from_result(&by_prof, &["fiscal_year", "profession", "joins", "leaves", "net"])
            .filter(|r| r.first().and_then(|y| y.parse::<i32>().ok()).is_some_and(|y| y >= fy - 2))
            .caption("職種別の入会・退会（直近3年度）"),
    );

    let inputs = cx.eval(cx.req(queries::metrics::membership::PROJECTION_INPUTS.name))?;
    doc.h2("将来推計の入力（過去12か月の職種別の流入・流出）");
    doc.table(Table::from_result(&inputs, &[]));

    let retention = cx.eval(cx.req(queries::metrics::flows::RETENTION.name))?;
    doc.h2("入会年度別の継続率");
    let mut keep = LineChart::new("入会年度別の在籍率", XAxis::Number, "%");
    for (col, name) in [("retained_1y_pct", "1年後"), ("retained_3y_pct", "3年後"), ("retained_5y_pct", "5年後")]
    {
        keep.series.push(Series::new(name, points(&retention, num_x, "fiscal_year", col)));
    }
    keep.y_range = Some((0.0, 100.0));
    doc.chart(line_chart(&keep)?);
    doc.table(Table::from_result(&retention, &[]).last(12));
    Ok(())
}

fn survey_section(cx: &Context<'_>, doc: &mut Doc, opts: &Options) -> Result<()> {
    let Some(rate) = cx.opt(cx.req(queries::metrics::survey::RESPONSE_RATE.name))?.filter(|r| !r.rows.is_empty())
    else {
        return Ok(());
    };
    let latest = rate.column("fiscal_year").iter().filter_map(|v| v.as_i64()).max();
    let fy = opts.survey_year.map(i64::from).or(latest);
    let year = |r: queries::Request| match fy {
        Some(y) => r.param("fiscal_year", &y.to_string()),
        None => r,
    };
    doc.h1("9. 会員アンケート（詳細）");
    for (segment, label) in [("profession", "職種"), ("age_band", "年齢階級"), ("region", "地方")] {
        let r = cx.eval(cx.req(queries::metrics::survey::RESPONSE_RATE.name).by(segment))?;
        let mut chart = LineChart::new(format!("{label}別の回答率"), XAxis::Number, "%");
        chart.series = series_by(&r, segment, "fiscal_year", "rate_pct");
        doc.chart_width(line_chart(&chart)?, 0.85);
        doc.table(
            Table::from_result(&r, &[])
                .filter(|row| fy.is_some_and(|y| row.first().is_some_and(|c| *c == y.to_string())))
                .caption(format!("{label}別の回答率（{}年度）", fy.unwrap_or_default())),
        );
    }

    doc.h2("クロス集計");
    let crosstabs = if opts.crosstabs.is_empty() {
        ["profession", "age_band", "region"].map(|c| Crosstab { question: "Q01".into(), column: c.into() }).to_vec()
    } else {
        opts.crosstabs.clone()
    };
    for c in &crosstabs {
        let r = cx.eval(year(
            cx.req(queries::metrics::survey::CROSSTAB.name).param("question", &c.question).param("column", &c.column),
        ))?;
        let mut t = Table::crosstab(&r);
        t.caption = format!("{} × {}", c.question, segment_ja(&c.column));
        doc.table(t);
    }

    let trend = cx.eval(cx.req(queries::metrics::survey::TREND.name))?;
    let mut chart = LineChart::new(
        format!("{} の回答の推移", trend.params.get("question").cloned().unwrap_or_default()),
        XAxis::Number,
        "%",
    );
    chart.series = series_by(&trend, "option", "fiscal_year", "share_pct");
    doc.chart(line_chart(&chart)?);

    doc.h2("自由記述の頻出語");
    let terms = cx.eval(year(cx.req(queries::metrics::free_text::TERMS.name)))?;
    doc.table(Table::from_result(&terms, &["rank", "term", "pos", "respondents", "share_pct", "mentions"]));
    let top: Vec<String> = terms.column("term").iter().take(3).map(|v| v.display()).collect();
    for term in top {
        let kwic =
            cx.eval(year(cx.req(queries::metrics::free_text::KWIC.name)).param("term", &term).param("limit", "8"))?;
        doc.table(Table::from_result(&kwic, &[]).caption(format!("「{term}」の用例（KWIC、先頭8件）")));
    }
    Ok(())
}

/// Section 10, 専門医更新: the round open on the pack's date — who is due, how many are
/// ready, which requirement blocks the rest — and the trend by round. No applicant is named:
/// the list is on the dashboard and `oncometrics renewals --list`, where views are audited.
fn renewals_section(cx: &Context<'_>, doc: &mut Doc) -> Result<()> {
    let Some(cohort) = cx.opt(cx.req(queries::metrics::renewals::COHORT.name))?.filter(|r| !r.rows.is_empty()) else {
        return Ok(());
    };
    let round = cx.engine.block_on(cx.engine.snapshot().renewals())?.round_on(cx.as_of);
    doc.h1("10. 専門医更新の準備状況");
    let col = |c: &str| cohort.column_index(c);
    let in_round = |row: &[queries::Value]| col("renewal_fy").and_then(|i| row[i].as_i64()) == Some(i64::from(round));
    for row in cohort.rows.iter().filter(|r| in_round(r)) {
        let n = |c: &str| col(c).and_then(|i| row[i].as_i64()).unwrap_or(0);
        let share = col("ready_share").and_then(|i| row[i].as_f64()).map_or("—".into(), |p| format!("{p:.1}%"));
        doc.para(format!(
            "{}（{round}年度）: 更新対象 {} 人のうち準備完了 {} 人（{share}）、要件未充足 {} 人、未申請 {} 人。",
            row[0].display(),
            int(n("due")),
            int(n("ready")),
            int(n("not_ready")),
            int(n("not_applied")),
        ));
    }
    let mut trend = LineChart::new("準備完了の割合（更新年度別）", XAxis::Number, "%");
    trend.series = series_by(&cohort, "qualification", "renewal_fy", "ready_share");
    trend.y_range = Some((0.0, 100.0));
    doc.chart_width(line_chart(&trend)?, 0.85);
    doc.table(Table::from_result(&cohort, &[]).caption("更新対象者と準備状況（更新年度別）"));

    let blockers = cx.eval(cx.req(queries::metrics::renewals::BLOCKERS.name).param("round", &round.to_string()))?;
    doc.h2(format!("未充足の要件（{round}年度）"));
    for q in model::renewal::QUALIFICATIONS {
        if let Some(svg) = renewal_blocker_chart(&blockers, q)? {
            doc.chart_width(svg, 0.85);
        }
    }
    doc.table(
        Table::from_result(
            &blockers,
            &["qualification", "requirement", "blocked", "blocked_share", "excluded", "warned"],
        )
        .filter(|r| [2, 4, 5].iter().any(|&i| r.get(i).is_some_and(|v| v != "0")))
        .caption(format!("要件別の未充足・対象外・要確認の申請者（{round}年度）")),
    );
    doc.note(
        "一人が複数の要件を満たしていないことがあるため、要件別の人数の合計は未充足の人数と一致しません。\
         対象外は、その理由で数えない症例がある申請者です（予備を含め 25 例まで登録でき、20 例が数えられれば\
         充足します）。申請者ごとの内容はダッシュボードの「専門医更新」または oncometrics renewals --list で\
         確認できます。",
    );
    for n in &cohort.notes {
        doc.note(n.ja.clone());
    }
    // Why a count may differ from an earlier pack: the latest release's changes of judgement.
    if let Some(latest) = model::renewal::changes::CHANGES.first().map(|c| c.date) {
        doc.h2(format!("判定方法の変更（{latest}）"));
        for c in model::renewal::changes::CHANGES.iter().filter(|c| c.date == latest) {
            doc.note(c.ja);
        }
    }
    Ok(())
}

fn segment_ja(s: &str) -> &str {
    match s {
        "profession" => "職種",
        "age_band" => "年齢階級",
        "region" => "地方",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_if_scenarios_parse_and_refuse_nonsense() {
        assert_eq!(
            WhatIf::parse("physicians=3, staff_full=10").ok(),
            Some(WhatIf { staff_full: 10, staff_associate: 0, physicians: 3 })
        );
        assert!(WhatIf::parse("staff_full=-1").is_err());
        assert!(WhatIf::parse("nurses=3").is_err());
        assert!(WhatIf::parse("staff_full").is_err());
    }

    #[test]
    fn crosstabs_parse() {
        assert_eq!(Crosstab::parse("Q01:Q03").ok(), Some(Crosstab { question: "Q01".into(), column: "Q03".into() }));
        assert!(Crosstab::parse("Q01").is_err());
        assert!(Crosstab::parse(":Q03").is_err());
    }
}
