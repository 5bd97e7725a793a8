//! The monthly history of the 正会員 physician share. Roster snapshots show a change of
//! 会員種別 or 職種 only when it is first seen, so the share is computed under the two
//! extreme datings of such changes, and each month-end is flagged below, above or uncertain.

use chrono::NaiveDate;
use model::membership::{FULL_MEMBER, PHYSICIAN};

use super::membership::{SNAPSHOT_CAVEAT, SOURCES, rule_cells, rule_columns};
use super::{month_end_of_index, month_index, month_index_sql};
use crate::catalog::{ALL, Cx, EvalFuture, Group, MetricDef, Output, ParamKind, ParamSpec, date_sql};
use crate::error::Result;
use crate::result::{Column, Value};

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
