//! Membership: composition as of a date, the 80% rule over 正会員, its monthly
//! history, a projection and a what-if.

use chrono::{Datelike, Months, NaiveDate};
use model::membership::{AGE_BANDS, ASSOCIATE_MEMBER, CATEGORIES, FULL_MEMBER, PHYSICIAN, PROFESSIONS, SEXES};
use model::physician_rule::{RuleOutcome, ShareRule};
use model::rules::RULES_2026;

use super::{
    active_at, age_band_sql, month_end, month_end_of_index, month_index, month_index_sql, prefecture_cells, vocab_order,
};
use crate::catalog::{ALL, Cx, EvalFuture, Group, MetricDef, Output, ParamKind, ParamSpec, date_sql};
use crate::error::Result;
use crate::result::{Column, Value};

const RULE: ShareRule = RULES_2026.physician_share;

pub const METRICS: &[&MetricDef] =
    &[&COMPOSITION, &PHYSICIAN_SHARE, &SHARE_HISTORY, &WHAT_IF, &PROJECTION, &PROJECTION_INPUTS];

const SOURCES: &[&str] = &["members", "member_history"];
const SNAPSHOT_CAVEAT: &str = "Membership history is rebuilt from roster snapshots: a change of 会員種別 or 職種 is dated on the \
    first snapshot that shows it, and a member missing from a snapshot without 退会日 is taken to have left on that \
    snapshot's date.";

pub const COMPOSITION: MetricDef = MetricDef {
    name: "members.composition",
    group: Group::Membership,
    title_ja: "会員構成",
    title_en: "Membership composition",
    summary: "Members in force on the as-of date, by 会員種別 × 職種 (or another grouping).",
    definition: "Count of members with 入会日 ≤ D < 退会日 whose state (会員種別, 職種, 勤務先都道府県) in force on D \
        falls in each group. Age band is D's year minus 生年 (the roster gives the year only).",
    unit: "人",
    sources: SOURCES,
    caveats: &[SNAPSHOT_CAVEAT],
    by: &["category,profession", "category", "profession", "category,prefecture", "category,sex", "category,age_band"],
    params: &[],
    audiences: ALL,
    eval: composition,
};

fn composition<'a>(cx: &'a Cx<'a>) -> EvalFuture<'a> {
    Box::pin(async move {
        let dims: Vec<&str> = cx.by.split(',').collect();
        let exprs: Vec<(String, &str)> = dims
            .iter()
            .map(|d| match *d {
                "age_band" => (age_band_sql(cx.as_of.year()), "age_band"),
                "sex" => ("COALESCE(sex, '不明')".to_string(), "sex"),
                "prefecture" => ("prefecture_code".to_string(), "prefecture"),
                other => (other.to_string(), other),
            })
            .collect();
        let select = exprs.iter().map(|(e, n)| format!("{e} AS {n}")).collect::<Vec<_>>().join(", ");
        let group = (1..=exprs.len()).map(|i| i.to_string()).collect::<Vec<_>>().join(", ");
        let f = cx
            .frame(&format!(
                "SELECT {select}, COUNT(*) AS n FROM member_spells WHERE {} GROUP BY {group}",
                active_at(&cx.as_of_sql())
            ))
            .await?;
        let mut columns = Vec::new();
        for d in &dims {
            match *d {
                "category" => columns.push(Column::dim("category", "会員種別", "Category")),
                "profession" => columns.push(Column::dim("profession", "職種", "Profession")),
                "sex" => columns.push(Column::dim("sex", "性別", "Sex")),
                "age_band" => columns.push(Column::dim("age_band", "年齢階級", "Age band")),
                _ => {
                    columns.push(Column::dim("prefecture_code", "都道府県コード", "Prefecture code"));
                    columns.push(Column::label("prefecture", "都道府県", "Prefecture"));
                }
            }
        }
        columns.push(Column::people("members", "会員数", "Members"));
        // (sort key, row)
        type Keyed = (Vec<(usize, String)>, Vec<Value>);
        let mut keyed: Vec<Keyed> = Vec::new();
        for r in 0..f.len() {
            let mut key = Vec::new();
            let mut row = Vec::new();
            for d in &dims {
                match *d {
                    "prefecture" => {
                        let code = f.i64(r, "prefecture");
                        let (c, n) = prefecture_cells(code);
                        key.push((usize::try_from(code.unwrap_or(99)).unwrap_or(99), String::new()));
                        row.push(c);
                        row.push(n);
                    }
                    other => {
                        let v = f.text(r, other).unwrap_or_default();
                        let vocab = match other {
                            "category" => &CATEGORIES,
                            "profession" => &PROFESSIONS,
                            "sex" => &SEXES,
                            _ => &AGE_BANDS,
                        };
                        key.push(vocab_order(vocab, &v));
                        row.push(Value::Text(v));
                    }
                }
            }
            row.push(Value::opt_int(f.i64(r, "n")));
            keyed.push((key, row));
        }
        keyed.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out = Output::new(columns);
        out.rows = keyed.into_iter().map(|(_, r)| r).collect();
        Ok(out)
    })
}

pub const PHYSICIAN_SHARE: MetricDef = MetricDef {
    name: "members.physician_share",
    group: Group::Membership,
    title_ja: "正会員に占める医師の割合（8割ルール）",
    title_en: "Physician share of 正会員 (the 80% rule)",
    summary: "P physicians among T 正会員 on the as-of date; compliant iff 5P ≥ 4T, with headroom or what restores it.",
    definition: "P = 正会員 whose 職種 is 医師, T = all 正会員, both in force on D. share = P/T. The 医療広告ガイドライン rule \
        (8割以上, inclusive) is decided in integers: compliant iff 5P ≥ 4T. When compliant, headroom = floor((5P − 4T)/4) \
        non-physician 正会員 may still join. When not, physicians needed = 4T − 5P, or non-physician 正会員 moving to \
        準会員 = ceil((4T − 5P)/4). By prefecture (勤務先都道府県) the shares are descriptive: the rule applies to the \
        society as a whole.",
    unit: "%",
    sources: SOURCES,
    caveats: &[SNAPSHOT_CAVEAT],
    by: &["", "prefecture"],
    params: &[],
    audiences: ALL,
    eval: physician_share,
};

fn rule_columns(with_rule: bool) -> Vec<Column> {
    let mut c = vec![
        Column::people("physicians", "医師（正会員）", "Physicians (正会員)"),
        Column::people("others", "医師以外（正会員）", "Non-physicians (正会員)"),
        Column::derived("full_members", "正会員数", "正会員 total", "人"),
        Column::derived("share_pct", "医師の割合", "Physician share", "%"),
    ];
    if with_rule {
        c.extend([
            Column::derived("compliant", "8割以上", "Compliant (≥ 80%)", ""),
            Column::derived("headroom", "あと何人まで医師以外が入会可能", "Headroom (non-physicians)", "人"),
            Column::derived("physicians_needed", "回復に必要な医師の入会", "Physicians needed", "人"),
            Column::derived("moves_to_associate", "回復に必要な準会員への移行", "Moves to 準会員 needed", "人"),
        ]);
    }
    c
}

fn rule_cells(p: i64, t: i64, with_rule: bool) -> Vec<Value> {
    let (pu, tu) = (u64::try_from(p).unwrap_or(0), u64::try_from(t).unwrap_or(0));
    let mut row = vec![
        Value::Int(p),
        Value::Int(t - p),
        Value::Int(t),
        Value::opt_num(ShareRule::share(pu, tu).map(|s| s * 100.0)),
    ];
    if with_rule {
        let n = |v: u64| Value::Int(i64::try_from(v).unwrap_or(i64::MAX));
        match RULE.evaluate(pu, tu) {
            RuleOutcome::Compliant { headroom } => {
                row.extend([Value::Bool(true), n(headroom), Value::Int(0), Value::Int(0)])
            }
            RuleOutcome::NotCompliant { practitioners_needed, moves_to_associate } => {
                row.extend([Value::Bool(false), Value::Int(0), n(practitioners_needed), n(moves_to_associate)])
            }
        }
    }
    row
}

/// SQL: P (physicians) and T (all) over the selected spells.
fn share_select() -> String {
    format!("SUM(CASE WHEN profession = '{PHYSICIAN}' THEN 1 ELSE 0 END) AS p, COUNT(*) AS t")
}

fn physician_share<'a>(cx: &'a Cx<'a>) -> EvalFuture<'a> {
    Box::pin(async move {
        let active = active_at(&cx.as_of_sql());
        if cx.by == "prefecture" {
            let f = cx
                .frame(&format!(
                    "SELECT prefecture_code, {} FROM member_spells WHERE {active} AND category = '{FULL_MEMBER}' \
                     GROUP BY prefecture_code ORDER BY prefecture_code NULLS LAST",
                    share_select()
                ))
                .await?;
            let mut columns = vec![
                Column::dim("prefecture_code", "都道府県コード", "Prefecture code"),
                Column::label("prefecture", "都道府県", "Prefecture"),
            ];
            columns.extend(rule_columns(false));
            let mut out = Output::new(columns);
            for r in 0..f.len() {
                let (c, n) = prefecture_cells(f.i64(r, "prefecture_code"));
                let mut row = vec![c, n];
                row.extend(rule_cells(f.i64(r, "p").unwrap_or(0), f.i64(r, "t").unwrap_or(0), false));
                out.rows.push(row);
            }
            out.column_groups.push(vec!["physicians", "others"]);
            out.note(
                "都道府県別の割合は記述統計です。8割ルールは学会全体の正会員に適用されます。",
                "Shares by prefecture are descriptive; the 80% rule applies to the society's 正会員 as a whole.",
            );
            return Ok(out);
        }
        let f = cx
            .frame(&format!(
                "SELECT {} FROM member_spells WHERE {active} AND category = '{FULL_MEMBER}'",
                share_select()
            ))
            .await?;
        let (p, t) = (f.i64(0, "p").unwrap_or(0), f.i64(0, "t").unwrap_or(0));
        let mut out = Output::new(rule_columns(true));
        out.rows.push(rule_cells(p, t, true));
        out.column_groups.push(vec!["physicians", "others"]);
        Ok(out)
    })
}

pub const SHARE_HISTORY: MetricDef = MetricDef {
    name: "members.physician_share_history",
    group: Group::Membership,
    title_ja: "医師割合の月次推移",
    title_en: "Monthly history of the physician share",
    summary: "The 正会員 physician share at each month-end up to the as-of date, months below 80% flagged.",
    definition: "For each month-end M from `from` to D: P(M) and T(M) as in members.physician_share, computed from the \
        start and end events of member spells (a spell counts at M when span_from ≤ M < span_to). A change of 会員種別 or \
        職種 and a leave inferred from a member's disappearance are only known to have happened between two roster \
        snapshots, so the share is computed twice: with each such change dated on the snapshot that shows it (share_pct, \
        the stored history) and on the day after the previous snapshot (share_early_pct). status is 8割未満 when 5P < 4T \
        under both datings, 8割以上 when under neither, and 不確定 otherwise; below_threshold is true only for 8割未満.",
    unit: "%",
    sources: SOURCES,
    caveats: &[
        SNAPSHOT_CAVEAT,
        "Before the first roster snapshot only members who were still members at that snapshot are known, so the \
         default start is the first snapshot's month.",
    ],
    by: &[""],
    params: &[ParamSpec {
        name: "from",
        kind: ParamKind::Date,
        default: "",
        doc: "first month (default: the month of the first roster snapshot)",
    }],
    audiences: ALL,
    eval: share_history,
};

/// How the changes a roster snapshot reveals are dated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dating {
    /// On the snapshot that first shows them (the stored history).
    Late,
    /// On the day after the previous snapshot: the earliest they can have happened.
    Early,
}

/// SQL: `col` moved to the day after the previous roster snapshot when it is a snapshot date.
fn earliest_sql(col: &str, rosters: &[NaiveDate]) -> String {
    let arms: Vec<String> = rosters
        .windows(2)
        .filter_map(|w| w[0].succ_opt().map(|next| format!("WHEN {col} = {} THEN {}", date_sql(w[1]), date_sql(next))))
        .collect();
    if arms.is_empty() { col.to_string() } else { format!("CASE {} ELSE {col} END", arms.join(" ")) }
}

/// Stocks of 正会員 physicians and all 正会員 at each month-end from `from` to `to`.
async fn monthly_stocks(
    cx: &Cx<'_>,
    from: NaiveDate,
    to: NaiveDate,
    dating: Dating,
) -> Result<Vec<(NaiveDate, i64, i64)>> {
    let phys = format!("CASE WHEN profession = '{PHYSICIAN}' THEN 1 ELSE 0 END");
    let (start, end) = match dating {
        Dating::Late => ("span_from".to_string(), "span_to".to_string()),
        Dating::Early => {
            let rosters = cx.snapshot.roster_dates();
            // A state change (not a join) and a leave inferred from disappearance are only
            // known to lie between two snapshots.
            (
                format!(
                    "CASE WHEN span_from > joined_on THEN {} ELSE span_from END",
                    earliest_sql("span_from", &rosters)
                ),
                format!(
                    "CASE WHEN left_on IS NULL OR span_to < left_on OR left_inferred THEN {} ELSE span_to END",
                    earliest_sql("span_to", &rosters)
                ),
            )
        }
    };
    let f = cx
        .frame(&format!(
            "SELECT mi, SUM(dp) AS dp, SUM(dt) AS dt FROM (
               SELECT {} AS mi, {phys} AS dp, 1 AS dt FROM (SELECT *, {start} AS s FROM member_spells) a
                 WHERE category = '{FULL_MEMBER}'
               UNION ALL
               SELECT {} AS mi, -({phys}) AS dp, -1 AS dt FROM (SELECT *, {end} AS e FROM member_spells) b
                 WHERE category = '{FULL_MEMBER}' AND span_to IS NOT NULL
             ) e GROUP BY mi ORDER BY mi",
            month_index_sql("s"),
            month_index_sql("e")
        ))
        .await?;
    let (first, last) = (month_index(from), month_index(to));
    let (mut p, mut t) = (0i64, 0i64);
    let mut out = Vec::new();
    let mut r = 0;
    for mi in first.min(last + 1)..=last {
        while r < f.len() && f.i64(r, "mi").unwrap_or(i64::MAX) <= mi {
            p += f.i64(r, "dp").unwrap_or(0);
            t += f.i64(r, "dt").unwrap_or(0);
            r += 1;
        }
        if let Some(me) = month_end_of_index(mi).filter(|me| *me <= to) {
            out.push((me, p, t));
        }
    }
    Ok(out)
}

fn share_history<'a>(cx: &'a Cx<'a>) -> EvalFuture<'a> {
    Box::pin(async move {
        let from = match cx.date("from")? {
            Some(d) => d,
            None => cx.snapshot.roster_dates().first().copied().unwrap_or(cx.as_of),
        };
        let stocks = monthly_stocks(cx, from, cx.as_of, Dating::Late).await?;
        let early = monthly_stocks(cx, from, cx.as_of, Dating::Early).await?;
        let mut columns = vec![Column::dim("month_end", "月末", "Month-end")];
        columns.extend(rule_columns(false));
        columns.extend([
            Column::derived(
                "share_early_pct",
                "医師の割合（変更を前回名簿直後と仮定）",
                "Share if changes dated early",
                "%",
            ),
            Column::derived("below_threshold", "8割未満", "Below 80%", ""),
            Column::derived("status", "判定", "Status", ""),
        ]);
        let mut out = Output::new(columns);
        let mut below = Vec::new();
        let mut uncertain = Vec::new();
        for ((m, p, t), (_, pe, te)) in stocks.into_iter().zip(early) {
            let mut row = vec![Value::Date(m)];
            row.extend(rule_cells(p, t, false));
            let late_below = 5 * p < 4 * t;
            let early_below = 5 * pe < 4 * te;
            let status = match (late_below, early_below) {
                (true, true) => {
                    below.push(m.format("%Y-%m").to_string());
                    "8割未満"
                }
                (false, false) => "8割以上",
                _ => {
                    uncertain.push(m.format("%Y-%m").to_string());
                    "不確定"
                }
            };
            row.push(Value::opt_num((te > 0).then(|| 100.0 * pe as f64 / te as f64)));
            row.push(Value::Bool(late_below && early_below));
            row.push(Value::text(status));
            out.rows.push(row);
        }
        out.column_groups.push(vec!["physicians", "others"]);
        out.non_additive.push("month_end");
        if below.is_empty() {
            out.note("期間中、8割を下回った月末はありません。", "No month-end in the period was below 80%.");
        } else {
            out.note(
                format!("8割を下回った月末: {} か月（{}）", below.len(), below.join(", ")),
                format!("Month-ends below 80%: {} ({})", below.len(), below.join(", ")),
            );
        }
        if !uncertain.is_empty() {
            out.note(
                format!(
                    "名簿の間で種別・職種の変更がいつ起きたかによって判定が変わる月末: {} か月（{}）",
                    uncertain.len(),
                    uncertain.join(", ")
                ),
                format!(
                    "Month-ends whose status depends on when, between two roster snapshots, changes happened: {} ({})",
                    uncertain.len(),
                    uncertain.join(", ")
                ),
            );
        }
        Ok(out)
    })
}

pub const WHAT_IF: MetricDef = MetricDef {
    name: "members.what_if",
    group: Group::Membership,
    title_ja: "入会シミュレーション（what-if）",
    title_en: "What-if: new members and the 80% rule",
    summary: "The share and rule outcome if N medical staff join as 正会員 (or 準会員) and M physicians join.",
    definition: "From P and T on D: P' = P + physicians, T' = T + physicians + staff_full; staff joining as 準会員 do not \
        count towards T. The rule is re-evaluated on (P', T') exactly as in members.physician_share.",
    unit: "%",
    sources: SOURCES,
    caveats: &["A scenario, not a forecast: nobody leaves and nobody changes category."],
    by: &[""],
    params: &[
        ParamSpec { name: "staff_full", kind: ParamKind::Int, default: "0", doc: "medical staff joining as 正会員" },
        ParamSpec {
            name: "staff_associate",
            kind: ParamKind::Int,
            default: "0",
            doc: "medical staff joining as 準会員",
        },
        ParamSpec { name: "physicians", kind: ParamKind::Int, default: "0", doc: "physicians joining as 正会員" },
    ],
    audiences: ALL,
    eval: what_if,
};

fn what_if<'a>(cx: &'a Cx<'a>) -> EvalFuture<'a> {
    Box::pin(async move {
        let mut scenario = [0i64; 3];
        for (i, name) in ["staff_full", "staff_associate", "physicians"].iter().enumerate() {
            let v = cx.int(name)?.unwrap_or(0);
            if !(0..=1_000_000).contains(&v) {
                return Err(cx.bad(
                    name,
                    &v.to_string(),
                    "must be between 0 and 1,000,000 / 0〜1,000,000 の範囲で指定",
                ));
            }
            scenario[i] = v;
        }
        let [staff_full, staff_associate, physicians] = scenario;
        let active = active_at(&cx.as_of_sql());
        let f = cx
            .frame(&format!(
                "SELECT {}, (SELECT COUNT(*) FROM member_spells WHERE {active} AND category = '{ASSOCIATE_MEMBER}') AS a
                 FROM member_spells WHERE {active} AND category = '{FULL_MEMBER}'",
                share_select()
            ))
            .await?;
        let (p, t, a) = (f.i64(0, "p").unwrap_or(0), f.i64(0, "t").unwrap_or(0), f.i64(0, "a").unwrap_or(0));
        let mut columns = vec![Column::dim("scenario", "シナリオ", "Scenario")];
        columns.extend(rule_columns(true));
        columns.push(Column::plain("associates", "準会員数", "準会員", "人"));
        let mut out = Output::new(columns);
        let mut now = vec![Value::text("現在")];
        now.extend(rule_cells(p, t, true));
        now.push(Value::Int(a));
        let mut then = vec![Value::text("仮定後")];
        then.extend(rule_cells(p + physicians, t + physicians + staff_full, true));
        then.push(Value::Int(a + staff_associate));
        out.rows = vec![now, then];
        out.column_groups.push(vec!["physicians", "others"]);
        out.note(
            format!("仮定: 医療職 正会員 +{staff_full}人、医療職 準会員 +{staff_associate}人、医師 +{physicians}人"),
            format!("Scenario: +{staff_full} medical staff as 正会員, +{staff_associate} as 準会員, +{physicians} physicians"),
        );
        Ok(out)
    })
}

pub const PROJECTION: MetricDef = MetricDef {
    name: "members.projection",
    group: Group::Membership,
    title_ja: "医師割合の将来推計",
    title_en: "Projection of the physician share",
    summary: "The 正会員 physician share 12–36 months ahead from trailing 12-month join and leave rates per 職種, with the month it crosses 80%.",
    definition: "For each 職種 among 正会員: inflow = spells of 正会員 starting in the 12 months to D (joins and moves \
        in), monthly; outflow hazard = spells ending in those months (leaves and moves out) / 12 / the stock on D. \
        Then month by month N(m+1) = N(m) + inflow − hazard·N(m). P and T are the projected 医師 and total stocks; \
        the crossing month is the first projected month-end whose compliance (5P ≥ 4T) differs from D's.",
    unit: "%",
    sources: SOURCES,
    caveats: &[
        SNAPSHOT_CAVEAT,
        "Category moves are dated at roster snapshots, so a snapshot inside the trailing window shows its moves as one lump.",
        "A trend extrapolation with constant rates; it carries no uncertainty band.",
    ],
    by: &[""],
    params: &[ParamSpec { name: "months", kind: ParamKind::Int, default: "36", doc: "horizon in months (12–36)" }],
    audiences: ALL,
    eval: projection,
};

/// Trailing 12-month flows of 正会員 per 職種: (profession, stock on D, inflow, outflow).
pub async fn trailing_flows(cx: &Cx<'_>) -> Result<Vec<(String, i64, i64, i64)>> {
    let d = cx.as_of_sql();
    let start = cx.as_of.checked_sub_months(Months::new(12)).unwrap_or(cx.as_of);
    let s = date_sql(start);
    let f = cx
        .frame(&format!(
            "SELECT profession,
                    SUM(CASE WHEN {} THEN 1 ELSE 0 END) AS stock,
                    SUM(CASE WHEN span_from > {s} AND span_from <= {d} THEN 1 ELSE 0 END) AS inflow,
                    SUM(CASE WHEN span_to > {s} AND span_to <= {d} THEN 1 ELSE 0 END) AS outflow
             FROM member_spells WHERE category = '{FULL_MEMBER}' AND span_from <= {d} AND (span_to IS NULL OR span_to > {s})
             GROUP BY profession",
            active_at(&d)
        ))
        .await?;
    let mut rows: Vec<(String, i64, i64, i64)> = (0..f.len())
        .map(|r| {
            (
                f.text(r, "profession").unwrap_or_default(),
                f.i64(r, "stock").unwrap_or(0),
                f.i64(r, "inflow").unwrap_or(0),
                f.i64(r, "outflow").unwrap_or(0),
            )
        })
        .collect();
    rows.sort_by_key(|r| vocab_order(&PROFESSIONS, &r.0));
    Ok(rows)
}

fn projection<'a>(cx: &'a Cx<'a>) -> EvalFuture<'a> {
    Box::pin(async move {
        let months = cx.int("months")?.unwrap_or(36);
        if !(12..=36).contains(&months) {
            return Err(cx.bad("months", &months.to_string(), "between 12 and 36 / 12〜36 の範囲で指定"));
        }
        let flows = trailing_flows(cx).await?;
        let mut stock: Vec<f64> = flows.iter().map(|f| f.1 as f64).collect();
        let inflow: Vec<f64> = flows.iter().map(|f| f.2 as f64 / 12.0).collect();
        let hazard: Vec<f64> =
            flows.iter().map(|f| if f.1 > 0 { f.3 as f64 / 12.0 / f.1 as f64 } else { 0.0 }).collect();
        let phys = flows.iter().position(|f| f.0 == PHYSICIAN);
        let pt = |stock: &[f64]| (phys.map_or(0.0, |i| stock[i]), stock.iter().sum::<f64>());
        let (p0, t0) = pt(&stock);
        let compliant0 = 5.0 * p0 >= 4.0 * t0;
        let mut out = Output::new(vec![
            Column::dim("month_end", "月末", "Month-end"),
            Column::plain("physicians", "医師（推計）", "Physicians (projected)", "人"),
            Column::plain("full_members", "正会員（推計）", "正会員 (projected)", "人"),
            Column::plain("share_pct", "医師の割合（推計）", "Physician share (projected)", "%"),
            Column::plain("compliant", "8割以上", "Compliant (≥ 80%)", ""),
        ]);
        let mut crossing = None;
        let mut month = month_end(cx.as_of);
        for _ in 0..months {
            for i in 0..stock.len() {
                stock[i] = (stock[i] + inflow[i] - hazard[i] * stock[i]).max(0.0);
            }
            month = month_end(month.checked_add_months(Months::new(1)).unwrap_or(month));
            let (p, t) = pt(&stock);
            let compliant = 5.0 * p >= 4.0 * t;
            if crossing.is_none() && compliant != compliant0 {
                crossing = Some(month);
            }
            out.rows.push(vec![
                Value::Date(month),
                Value::Num(p),
                Value::Num(t),
                Value::opt_num((t > 0.0).then(|| 100.0 * p / t)),
                Value::Bool(compliant),
            ]);
        }
        match crossing {
            Some(m) if compliant0 => out.note(
                format!("推計では {} に8割を下回ります。", m.format("%Y年%m月")),
                format!("Projected to fall below 80% in {}.", m.format("%Y-%m")),
            ),
            Some(m) => out.note(
                format!("推計では {} に8割以上に回復します。", m.format("%Y年%m月")),
                format!("Projected to return to 80% or more in {}.", m.format("%Y-%m")),
            ),
            None => out.note(
                format!("推計期間（{months} か月）中、8割の境界を越えません。"),
                format!("The share does not cross 80% within {months} months."),
            ),
        }
        out.note(
            "職種別の流入・流出（推計の入力）は members.projection_inputs を参照。",
            "The per-職種 flows behind the projection are in members.projection_inputs.",
        );
        Ok(out)
    })
}

pub const PROJECTION_INPUTS: MetricDef = MetricDef {
    name: "members.projection_inputs",
    group: Group::Membership,
    title_ja: "将来推計の入力（職種別の流入・流出）",
    title_en: "Projection inputs: trailing 12-month flows of 正会員 by 職種",
    summary: "Per 職種: 正会員 on the as-of date, spells starting and ending in the 12 months to it, and the monthly rates.",
    definition: "stock = 正会員 in force on D; inflow = 正会員 spells with D − 12 months < span_from ≤ D; outflow = spells \
        with D − 12 months < span_to ≤ D. inflow_per_month = inflow / 12; outflow_rate = outflow / 12 / stock.",
    unit: "人",
    sources: SOURCES,
    caveats: &[SNAPSHOT_CAVEAT],
    by: &[""],
    params: &[],
    audiences: ALL,
    eval: projection_inputs,
};

fn projection_inputs<'a>(cx: &'a Cx<'a>) -> EvalFuture<'a> {
    Box::pin(async move {
        let flows = trailing_flows(cx).await?;
        let mut out = Output::new(vec![
            Column::dim("profession", "職種", "Profession"),
            Column::people("stock", "正会員数", "正会員"),
            Column::people("inflow", "流入（12か月）", "Inflow (12 months)"),
            Column::people("outflow", "流出（12か月）", "Outflow (12 months)"),
            Column::derived("inflow_per_month", "月あたり流入", "Inflow per month", "人/月"),
            Column::derived("outflow_rate", "月あたり流出率", "Outflow rate per month", ""),
        ]);
        for (prof, stock, inflow, outflow) in flows {
            out.rows.push(vec![
                Value::Text(prof),
                Value::Int(stock),
                Value::Int(inflow),
                Value::Int(outflow),
                Value::Num(inflow as f64 / 12.0),
                Value::opt_num((stock > 0).then(|| outflow as f64 / 12.0 / stock as f64)),
            ]);
        }
        Ok(out)
    })
}
