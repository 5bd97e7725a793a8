//! The monthly history of the 正会員 physician share. Roster snapshots show a change of
//! 会員種別 or 職種 only when it is first seen, so the share is computed under the two
//! extreme datings of such changes, and each month-end is flagged below, above or uncertain.

use arrow::array::Array;
use chrono::NaiveDate;
use model::membership::{FULL_MEMBER, PHYSICIAN};

use super::common::{month_end_of_index, month_index};
use super::membership::{SNAPSHOT_CAVEAT, SNAPSHOT_CAVEAT_JA, SOURCES, rule_cells, rule_columns};
use crate::error::Result;
use crate::frame::{bool_column, date_column, i64_column};
use crate::metric::{ALL, Cx, EvalFuture, Group, MetricDef, Output, ParamKind, ParamSpec};
use crate::result::{Column, Value};
use crate::snapshot::{Build, Derived};

pub const SHARE_HISTORY: MetricDef = MetricDef {
    name: "members.physician_share_history",
    group: Group::Membership,
    title_ja: "医師割合の月次推移",
    title_en: "Monthly history of the physician share",
    summary: "The 正会員 physician share at each month-end up to the as-of date, months below 80% flagged.",
    summary_ja: "基準日までの各月末の正会員に占める医師の割合と、80% を下回った月を示します。",
    definition: "For each month-end M from `from` to D: P(M) and T(M) as in members.physician_share, computed from the \
        start and end events of member spells (a spell counts at M when span_from ≤ M < span_to). A change of 会員種別 or \
        職種 and a leave inferred from a member's disappearance are only known to have happened between two roster \
        snapshots, so the share is computed twice: with each such change dated on the snapshot that shows it (share_pct, \
        the stored history) and on the day after the previous snapshot (share_early_pct). status is 8割未満 when 5P < 4T \
        under both datings, 8割以上 when under neither, and 不確定 otherwise; below_threshold is true only for 8割未満.",
    definition_ja: "開始月から基準日までの各月末 M について、正会員の医師割合と同じ P(M) と T(M) を、会員の在籍期間\
        の始まりと終わりから求めます（開始日 ≤ M < 終了日 の期間を数えます）。会員種別・職種の変更と名簿から消えたこ\
        とによる推定退会は、二つのスナップショットの間のいつかに起きたことしか分からないため、割合を二通りに計算しま\
        す: 変更をそれを示したスナップショットの日付とするもの（割合、保存された履歴）と、前のスナップショットの翌日\
        とするもの（早い日付での割合）。判定は、どちらの日付でも 5P < 4T なら「8割未満」、どちらでもそうでなければ「\
        8割以上」、それ以外は「不確定」です。",
    unit: "%",
    sources: SOURCES,
    caveats: &[
        SNAPSHOT_CAVEAT,
        "Before the first roster snapshot only members who were still members at that snapshot are known, so the \
         default start is the first snapshot's month.",
    ],
    caveats_ja: &[
        SNAPSHOT_CAVEAT_JA,
        "最初の名簿スナップショットより前については、そのスナップショットで在籍していた会員しか分からないため、既定\
            の開始月は最初のスナップショットの月です。",
    ],
    by: &[""],
    params: &[ParamSpec {
        name: "from",
        kind: ParamKind::Date,
        default: "",
        doc: "first month (default: the month of the first roster snapshot)",
        doc_ja: "最初の月（既定: 最初の名簿スナップショットの月）",
        required: false,
    }],
    audiences: ALL,
    eval: share_history,
};

/// The day a change first shown on `d` may have happened at the earliest: the day after
/// the previous roster snapshot when `d` is a snapshot date, `d` itself otherwise.
fn earliest(d: NaiveDate, rosters: &[NaiveDate]) -> NaiveDate {
    rosters.windows(2).find(|w| w[1] == d).and_then(|w| w[0].succ_opt()).unwrap_or(d)
}

/// `share_events`: the starts and ends of 正会員 spells counted per day, physician flag,
/// and whether the day is only an upper bound (a change of state, not a join; a leave
/// inferred from a disappearance) — a few thousand rows at any scale, whatever the as-of
/// date, so they are counted once per snapshot.
pub const SHARE_EVENTS: Derived = Derived {
    name: "share_events",
    from: &["members", "member_history"],
    build: Build::Sql(|| {
        format!(
            "SELECT 1 AS sign, span_from AS d, profession = '{PHYSICIAN}' AS phys, span_from > joined_on AS movable,
                    COUNT(*) AS n
             FROM member_spells WHERE category = '{FULL_MEMBER}' GROUP BY 2, 3, 4
             UNION ALL
             SELECT -1, span_to, profession = '{PHYSICIAN}', left_on IS NULL OR span_to < left_on OR left_inferred,
                    COUNT(*)
             FROM member_spells WHERE category = '{FULL_MEMBER}' AND span_to IS NOT NULL GROUP BY 2, 3, 4"
        )
    }),
};

/// Month-end stocks of 正会員 physicians and of all 正会員 from `from` to `to`, under both
/// datings of the changes roster snapshots reveal: (month-end, P, T, P early, T early),
/// cumulated here from [`SHARE_EVENTS`].
async fn monthly_stocks(cx: &Cx<'_>, from: NaiveDate, to: NaiveDate) -> Result<Vec<(NaiveDate, [i64; 4])>> {
    let batches = cx.batches("SELECT sign, d, phys, movable, n FROM share_events").await?;
    let rosters = cx.snapshot.roster_dates();
    // month index → [ΔP late, ΔT late, ΔP early, ΔT early]
    let mut deltas: std::collections::BTreeMap<i64, [i64; 4]> = std::collections::BTreeMap::new();
    for b in &batches {
        let (sign, day, n) = (i64_column(b, "sign")?, date_column(b, "d")?, i64_column(b, "n")?);
        let (phys, movable) = (bool_column(b, "phys")?, bool_column(b, "movable")?);
        for r in 0..b.num_rows() {
            let Some(d) = day.is_valid(r).then(|| day.value_as_date(r)).flatten() else { continue };
            let n = sign.value(r) * n.value(r);
            let phys = phys.is_valid(r) && phys.value(r);
            let early = if movable.is_valid(r) && movable.value(r) { earliest(d, &rosters) } else { d };
            for (i, day) in [(0, d), (2, early)] {
                let e = deltas.entry(month_index(day)).or_default();
                e[i] += if phys { n } else { 0 };
                e[i + 1] += n;
            }
        }
    }
    let (first, last) = (month_index(from), month_index(to));
    let mut stock = [0i64; 4];
    let mut pending = deltas.into_iter().peekable();
    let mut out = Vec::new();
    for mi in first.min(last + 1)..=last {
        while let Some((_, delta)) = pending.next_if(|(m, _)| *m <= mi) {
            for (s, d) in stock.iter_mut().zip(delta) {
                *s += d;
            }
        }
        if let Some(me) = month_end_of_index(mi).filter(|me| *me <= to) {
            out.push((me, stock));
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
        let stocks = monthly_stocks(cx, from, cx.as_of).await?;
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
        for (m, [p, t, pe, te]) in stocks {
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
                    "判定「不確定」: 名簿と名簿の間の種別・職種の変更がいつ起きたかによって 8割以上にも未満にもなる月末です。{} か月（{}）",
                    uncertain.len(),
                    uncertain.join(", ")
                ),
                format!(
                    "Status 不確定: month-ends whose status depends on when, between two roster snapshots, changes happened: {} ({})",
                    uncertain.len(),
                    uncertain.join(", ")
                ),
            );
        }
        Ok(out)
    })
}
