//! Membership flows: joins and leaves by period and 職種, before/after the abolition
//! of the 協議員 recommendation, and retention of join cohorts.

use std::collections::BTreeMap;

use arrow::array::Array;
use arrow::datatypes::Date32Type;
use chrono::{Months, NaiveDate};
use model::fiscal::{fiscal_year, fiscal_year_end, fiscal_year_start};
use model::membership::{CATEGORIES, PROFESSIONS};
use model::rules::RULES_2026;

use super::common::{FastMap, fiscal_year_sql, vocab_order};
use crate::disclosure::Audience;
use crate::frame::{date_column, i64_column};
use crate::metric::{ALL, Cx, EvalFuture, Group, MetricDef, Output, ParamKind, ParamSpec, date_sql};
use crate::release;
use crate::result::{Column, Value};
use crate::snapshot::{Build, Derived};
use crate::stats::{self, Subject, Z95};

const SOURCES: &[&str] = &["members", "member_history"];
const FIRST_SNAPSHOT_CAVEAT: &str = "Members who joined and left before the first roster snapshot never appear in \
    the data, so flows are complete only from the first snapshot on (the default start).";
const FIRST_SNAPSHOT_CAVEAT_JA: &str = "最初の名簿スナップショットより前に入会して退会した会員はデータに現れません。\
    入退会がすべて数えられるのは最初のスナップショット以降です（既定の開始日）。";
const INFERRED_CAVEAT: &str = "A member missing from a snapshot without 退会日 is counted as leaving on that snapshot's \
    date (leaves_inferred).";
const INFERRED_CAVEAT_JA: &str = "退会日のないまま名簿から消えた会員は、そのスナップショットの日付で退会したものとし\
    て数えます（推定退会）。";

pub const FLOWS: MetricDef = MetricDef {
    name: "members.flows",
    group: Group::Membership,
    title_ja: "入会・退会の推移",
    title_en: "Joins and leaves",
    summary: "Joins, leaves and net change by 年度 or month (and 職種 or 会員種別) from `from` to the as-of date.",
    summary_ja: "開始日から基準日までの入会・退会と増減を、年度別または月別に（職種別・会員種別でも）示します。",
    definition: "joins = members whose 入会日 falls in the period, counted in the 職種/会員種別 they joined with; leaves = \
        members whose 退会日 falls in it, in the state they left with, split into recorded 退会日 and leaves inferred \
        from a member's disappearance; net = joins − leaves. Periods are 年度 (April–March) or calendar months.",
    definition_ja: "入会 = 入会日が期間内の会員（入会時の職種・会員種別で数えます）。退会 = 退会日が期間内の会員（退\
        会時の状態で数えます）で、記録された退会日によるものと、名簿から消えたことによる推定退会に分けます。増減 = 入\
        会 − 退会。期間は年度（4月〜翌年3月）または暦月です。",
    unit: "人",
    sources: SOURCES,
    caveats: &[FIRST_SNAPSHOT_CAVEAT, INFERRED_CAVEAT],
    caveats_ja: &[FIRST_SNAPSHOT_CAVEAT_JA, INFERRED_CAVEAT_JA],
    by: &["fiscal_year", "fiscal_year,profession", "fiscal_year,category", "month", "month,profession"],
    params: &[ParamSpec {
        name: "from",
        kind: ParamKind::Date,
        default: "",
        doc: "first day counted (default: the first roster snapshot)",
        doc_ja: "数え始める日（既定: 最初の名簿スナップショット）",
        required: false,
    }],
    audiences: ALL,
    eval: flows,
};

fn period_sql(month: bool, col: &str) -> String {
    if month { format!("to_char({col}, '%Y-%m')") } else { fiscal_year_sql(col) }
}

fn flows<'a>(cx: &'a Cx<'a>) -> EvalFuture<'a> {
    Box::pin(async move {
        let first = cx.snapshot.roster_dates().first().copied().unwrap_or(cx.as_of);
        let asked_from = cx.date("from")?.unwrap_or(first);
        // Under a release, one table per snapshot: every event from the first roster to
        // the latest month end, whatever the request (which then chooses whole periods).
        let (from, to) = match cx.release {
            Some(r) => (first.min(r.latest), r.latest),
            None => (asked_from, cx.as_of),
        };
        let month = cx.by_has("month");
        let split = if cx.by_has("profession") {
            Some("profession")
        } else if cx.by_has("category") {
            Some("category")
        } else {
            None
        };
        let split_sql = split.unwrap_or("''");
        let (f, t) = (date_sql(from), date_sql(to));
        let q = |col: &str, extra: &str| {
            format!(
                "SELECT {} AS period, {split_sql} AS split, {extra} COUNT(*) AS n FROM member_spells
                 WHERE span_{} = {col} AND {col} >= {f} AND {col} <= {t} GROUP BY 1, 2{}",
                period_sql(month, col),
                if col == "joined_on" { "from" } else { "to" },
                if extra.is_empty() { "" } else { ", 3" }
            )
        };
        let joins = cx.frame(&q("joined_on", "")).await?;
        let leaves = cx.frame(&q("left_on", "left_inferred AS inferred,")).await?;
        // (period, split) → [joins, recorded leaves, inferred leaves]; periods keyed by their text.
        let mut cells: BTreeMap<(String, String), [i64; 3]> = BTreeMap::new();
        let mut period_values: BTreeMap<String, Value> = BTreeMap::new();
        for (frame, which) in [(&joins, None), (&leaves, Some(()))] {
            for r in 0..frame.len() {
                let p = frame.value(r, "period");
                let k = (p.display(), frame.text(r, "split").unwrap_or_default());
                period_values.insert(k.0.clone(), p);
                let slot = match which {
                    None => 0,
                    Some(()) if matches!(frame.value(r, "inferred"), Value::Bool(true)) => 2,
                    Some(()) => 1,
                };
                cells.entry(k).or_default()[slot] += frame.i64(r, "n").unwrap_or(0);
            }
        }
        let periods: Vec<(String, Value)> = period_values.into_iter().collect();
        let mut splits: Vec<String> = cells.keys().map(|k| k.1.clone()).collect();
        splits.sort_by_key(|s| match split {
            Some("category") => vocab_order(&CATEGORIES, s),
            _ => vocab_order(&PROFESSIONS, s),
        });
        splits.dedup();
        // By month, the 年度 is a dimension too: the months of one 年度 add up to that
        // 年度's published total, which is what disclosure control must assume known.
        let mut columns = vec![if month {
            Column::dim("month", "月", "Month")
        } else {
            Column::dim("fiscal_year", "年度", "Fiscal year")
        }];
        if month {
            columns.push(Column::dim("fiscal_year", "年度", "Fiscal year"));
        }
        match split {
            Some("profession") => columns.push(Column::dim("profession", "職種", "Profession")),
            Some(_) => columns.push(Column::dim("category", "会員種別", "Category")),
            None => {}
        }
        // The split of leaves into recorded and inferred is detail for the committee only:
        // it adds small cells without changing what the board or researchers learn.
        let split_leaves = cx.audience == Audience::Committee;
        columns.push(Column::people("joins", "入会", "Joins"));
        if split_leaves {
            columns.extend([
                Column::people("leaves_recorded", "退会（退会日あり）", "Leaves (recorded)"),
                Column::people("leaves_inferred", "退会（名簿から推定）", "Leaves (inferred)"),
                Column::derived("leaves", "退会計", "Leaves", "人"),
            ]);
        } else {
            columns.push(Column::people("leaves", "退会", "Leaves"));
        }
        columns.push(Column::derived("net", "増減", "Net", "人"));
        let mut out = Output::new(columns);
        // Under a release, the whole periods shown: from the one containing `from` to the
        // last one ended by the as-of date.
        let first_shown = if month {
            release::month_start(asked_from)
        } else {
            fiscal_year_start(fiscal_year(asked_from)).unwrap_or(asked_from)
        };
        let mut keep = Vec::new();
        let mut dropped_partial_year = false;
        for (pk, p) in &periods {
            let bounds = period_bounds(p, month);
            let whole = bounds.is_some_and(|(start, end)| start >= first_shown && end <= cx.as_of.min(to));
            if cx.release.is_some() && bounds.is_some_and(|(_, end)| end > to) {
                dropped_partial_year = true;
            }
            for s in &splits {
                keep.push(whole);
                let c = cells.get(&(pk.clone(), s.clone())).copied().unwrap_or_default();
                let mut row = vec![p.clone()];
                if month {
                    row.push(Value::opt_int(bounds.map(|(start, _)| i64::from(fiscal_year(start)))));
                }
                if split.is_some() {
                    row.push(Value::Text(s.clone()));
                }
                row.push(Value::Int(c[0]));
                if split_leaves {
                    row.extend([Value::Int(c[1]), Value::Int(c[2])]);
                }
                row.extend([Value::Int(c[1] + c[2]), Value::Int(c[0] - c[1] - c[2])]);
                out.rows.push(row);
            }
        }
        if split_leaves {
            out.column_groups.push(vec!["leaves_recorded", "leaves_inferred"]);
        } else {
            // A row's net change (joins − leaves) is known from two month-end stocks
            // (members.composition), so joins and leaves are withheld together.
            out.column_groups.push(vec!["joins", "leaves"]);
        }
        // A period not over by the as-of date is shown as far as it goes, and says so.
        let partial = periods.last().and_then(|(_, p)| period_bounds(p, month)).filter(|(_, end)| *end > cx.as_of);
        if let (None, Some((start, _))) = (cx.release, partial) {
            let what = if month {
                format!("{}", start.format("%Y年%-m月"))
            } else {
                format!("{}年度", fiscal_year(start))
            };
            out.note(
                format!("{what}は基準日（{}）までの途中の値です（年度途中）。", cx.as_of),
                format!("{what} is not over: counted to the as-of date {}.", cx.as_of),
            );
        }
        match cx.release {
            None => out.note(format!("対象期間: {from} 〜 {}", cx.as_of), format!("Period: {from} to {}", cx.as_of)),
            Some(r) => {
                out.note(
                    format!(
                        "対象期間: {asked_from} を含む期間から {} までの、{}単位の全期間（理事会・研究者向けには {from} 〜 {} の一つの表から期間を選んで表示し、日付を変えた差から少人数が分からないようにしています）",
                        cx.as_of.min(to),
                        if month { "月" } else { "年度" },
                        r.latest
                    ),
                    format!(
                        "Period: whole {} from the one containing {asked_from} to {} (for the board and researchers, periods are chosen from one table, {from} to {}, so that no two requests differ by a few days)",
                        if month { "months" } else { "年度" },
                        cx.as_of.min(to),
                        r.latest
                    ),
                );
                if dropped_partial_year {
                    out.note(
                        format!("{} を含む年度は途中のため、年度別には年度末まで公開しません（月別をご覧ください）。", r.latest),
                        format!("The 年度 containing {} is not complete and is not released by 年度 until it ends (see by month).", r.latest),
                    );
                }
                out.keep_rows = Some(keep);
            }
        }
        Ok(out)
    })
}

/// The first and last day of a period: a month ("YYYY-MM") or a 年度 (its starting year).
fn period_bounds(p: &Value, month: bool) -> Option<(NaiveDate, NaiveDate)> {
    if month {
        let start = NaiveDate::parse_from_str(&format!("{}-01", p.as_str()?), "%Y-%m-%d").ok()?;
        Some((start, release::month_end(start)))
    } else {
        let fy = i32::try_from(p.as_i64()?).ok()?;
        Some((fiscal_year_start(fy)?, fiscal_year_end(fy)?))
    }
}

pub const BEFORE_AFTER: MetricDef = MetricDef {
    name: "members.joins_before_after",
    group: Group::Membership,
    title_ja: "協議員推薦廃止（2026-01-17）前後の入会",
    title_en: "Joins before and after the 2026-01-17 abolition of the 協議員 recommendation",
    summary: "Joins from 2026-01-17 to the as-of date against the same calendar dates a year earlier, as rates per month with a rate ratio and its 95% interval.",
    summary_ja: "2026-01-17 から基準日までの入会を、1 年前の同じ期間と月あたりの率で比べ、率比と 95% 信頼区間を示します。",
    definition: "after = joins with 2026-01-17 ≤ 入会日 ≤ D; before = joins in the same dates one year earlier. Each is \
        also given per month (count / days × 30.4375). ratio = after / before with a 95% interval \
        exp(ln ratio ± 1.96·√(1/after + 1/before)) (Poisson counts over equal exposure).",
    definition_ja: "後 = 入会日が 2026-01-17 から基準日までの入会者数、前 = その1年前の同じ日付の間の入会者数です。\
        それぞれ月あたり（人数 ÷ 日数 × 30.4375）でも示します。比 = 後 ÷ 前 で、95%信頼区間は exp(ln 比 ± 1.96·√(1/\
        後 + 1/前))（同じ期間の長さのポアソン計数として）です。",
    unit: "人/月",
    sources: SOURCES,
    caveats: &["Comparing the same calendar dates removes seasonality but not other changes between the years."],
    caveats_ja: &["同じ暦の期間で比べるので季節の影響は除かれますが、年の間のそれ以外の変化は除かれません。"],
    by: &["profession", ""],
    params: &[],
    audiences: ALL,
    eval: before_after,
};

fn before_after<'a>(cx: &'a Cx<'a>) -> EvalFuture<'a> {
    Box::pin(async move {
        let a = RULES_2026.recommendation_abolished();
        let d = cx.event_window_end()?;
        if d < a {
            return Err(cx.bad("as_of", &d.to_string(), "協議員推薦の廃止（2026-01-17）より前の基準日には当てはまりません。2026-01-17 以降の基準日で表示されます / applies to as-of dates from 2026-01-17"));
        }
        let year = Months::new(12);
        let (a0, d0) = (a.checked_sub_months(year).unwrap_or(a), d.checked_sub_months(year).unwrap_or(d));
        let split = if cx.by == "profession" { "profession" } else { "'全体'" };
        let f = cx
            .frame(&format!(
                "SELECT {split} AS split,
                        SUM(CASE WHEN joined_on >= {} AND joined_on <= {} THEN 1 ELSE 0 END) AS before,
                        SUM(CASE WHEN joined_on >= {} AND joined_on <= {} THEN 1 ELSE 0 END) AS after
                 FROM member_spells WHERE span_from = joined_on GROUP BY 1",
                date_sql(a0),
                date_sql(d0),
                date_sql(a),
                date_sql(d)
            ))
            .await?;
        let days_after = (d - a).num_days() + 1;
        let days_before = (d0 - a0).num_days() + 1;
        let mut columns = Vec::new();
        if cx.by == "profession" {
            columns.push(Column::dim("profession", "職種", "Profession"));
        }
        columns.extend([
            Column::people("joins_before", "入会（前年同期）", "Joins (year before)"),
            Column::people("joins_after", "入会（廃止後）", "Joins (after)"),
            Column::derived("per_month_before", "月あたり（前年同期）", "Per month (year before)", "人/月"),
            Column::derived("per_month_after", "月あたり（廃止後）", "Per month (after)", "人/月"),
            Column::derived("change_per_month", "月あたり増減", "Change per month", "人/月"),
            Column::derived("ratio", "比", "Ratio after/before", ""),
            Column::derived("ratio_low", "比の95%下限", "Ratio 95% low", ""),
            Column::derived("ratio_high", "比の95%上限", "Ratio 95% high", ""),
        ]);
        let mut rows: Vec<(String, i64, i64)> = (0..f.len())
            .map(|r| {
                (
                    f.text(r, "split").unwrap_or_default(),
                    f.i64(r, "before").unwrap_or(0),
                    f.i64(r, "after").unwrap_or(0),
                )
            })
            .collect();
        rows.retain(|r| r.1 + r.2 > 0);
        rows.sort_by_key(|r| vocab_order(&PROFESSIONS, &r.0));
        let mut out = Output::new(columns);
        const MONTH: f64 = 30.4375;
        for (s, b, af) in rows {
            let pb = b as f64 / days_before as f64 * MONTH;
            let pa = af as f64 / days_after as f64 * MONTH;
            let rr = stats::rate_ratio(u64::try_from(af).unwrap_or(0), u64::try_from(b).unwrap_or(0), Z95);
            let mut row = Vec::new();
            if cx.by == "profession" {
                row.push(Value::Text(s));
            }
            row.extend([
                Value::Int(b),
                Value::Int(af),
                Value::Num(pb),
                Value::Num(pa),
                Value::Num(pa - pb),
                Value::opt_num(rr.map(|r| r.0)),
                Value::opt_num(rr.map(|r| r.1)),
                Value::opt_num(rr.map(|r| r.2)),
            ]);
            out.rows.push(row);
        }
        out.note(
            format!("廃止後: {a} 〜 {d}（{days_after}日）、前年同期: {a0} 〜 {d0}（{days_before}日）"),
            format!("After: {a} to {d} ({days_after} days); year before: {a0} to {d0} ({days_before} days)"),
        );
        Ok(out)
    })
}

pub const RETENTION: MetricDef = MetricDef {
    name: "members.retention",
    group: Group::Membership,
    title_ja: "入会年度別の継続率",
    title_en: "Retention of join cohorts",
    summary: "Share of each 年度 join cohort still a member 1, 3 and 5 years after joining (Kaplan–Meier, current members censored).",
    summary_ja: "入会年度ごとに、入会 1・3・5 年後も会員である割合を示します（カプラン・マイヤー法、現会員は打ち切り）。",
    definition: "Cohort = 年度 of 入会日. Time = days from 入会日 to 退会日 (an event) or to D (censored: still a member). \
        Kaplan–Meier survival at 365, 1,096 and 1,826 days. Members who joined before the first roster snapshot are \
        observed only from it (delayed entry), so their cohort's survival is estimated conditionally on being a member \
        then; where nobody of a cohort was observed early enough the value is empty (not identified).",
    definition_ja: "コホート = 入会日の年度。時間 = 入会日から退会日まで（事象）、または基準日まで（打ち切り: 在籍中）\
        の日数です。365日・1,096日・1,826日の Kaplan–Meier 生存率（在籍率）を示します。最初の名簿スナップショットよ\
        り前に入会した会員はそこから観察されるため（遅延エントリー）、そのコホートの在籍率はその時点で在籍していたこ\
        とを条件とした推定です。早くから観察された人がいないコホートの値は空欄です（推定できません）。",
    unit: "%",
    sources: SOURCES,
    caveats: &[FIRST_SNAPSHOT_CAVEAT, INFERRED_CAVEAT],
    caveats_ja: &[FIRST_SNAPSHOT_CAVEAT_JA, INFERRED_CAVEAT_JA],
    by: &["fiscal_year"],
    params: &[],
    audiences: ALL,
    eval: retention,
};

/// `tenure_cells`: members counted per join cohort (the 年度 of 入会日), 入会日 and days
/// from joining to leaving (NULL while a member), the days cut at `CAP_DAYS` + 1 —
/// enough to follow each member to the last horizon at any as-of date, in fewer rows.
pub const TENURE_CELLS: Derived = Derived {
    name: "tenure_cells",
    from: &["members"],
    build: Build::Sql(|| {
        let days = "CAST(left_on AS INT) - CAST(joined_on AS INT)";
        format!(
            "SELECT {} AS cohort, joined_on,
                    CASE WHEN left_on IS NULL THEN NULL WHEN {days} > {CAP_DAYS} THEN {CAP_DAYS} + 1 ELSE {days} END AS tenure,
                    COUNT(*) AS n
             FROM members GROUP BY 1, 2, 3",
            fiscal_year_sql("joined_on")
        )
    }),
};

/// `cohort_leaves`: leavers per join cohort and 退会日 (for the count of those who left by
/// the as-of date; a 退会日 is never before the 入会日, which ingest checks).
pub const COHORT_LEAVES: Derived = Derived {
    name: "cohort_leaves",
    from: &["members"],
    build: Build::Sql(|| {
        format!(
            "SELECT {} AS cohort, left_on, COUNT(*) AS n FROM members WHERE left_on IS NOT NULL GROUP BY 1, 2",
            fiscal_year_sql("joined_on")
        )
    }),
};

/// Survival is followed to one day past the last horizon: later entries and exits are cut there.
const CAP_DAYS: i64 = HORIZONS_DAYS[HORIZONS_DAYS.len() - 1] + 1;

/// 1, 3 and 5 years, in days.
const HORIZONS_DAYS: [i64; 3] = [365, 1096, 1826];

fn retention<'a>(cx: &'a Cx<'a>) -> EvalFuture<'a> {
    Box::pin(async move {
        let first = cx.snapshot.roster_dates().first().copied().unwrap_or(cx.as_of);
        // Survival up to the last horizon depends on nothing after it: entering observation or
        // leaving later is cut at one day past it, so the groups stay few (the estimates are
        // exactly those of the uncut data; the counts of members and leavers are not cut).
        // A tenure cut at CAP_DAYS + 1 decides "left by D" as the full one would wherever it
        // matters: a member who left later than that is followed to the cap either way.
        // The cells are read as they are and grouped here: grouping 70 k cells in SQL took
        // most of the metric's time.
        let (d, first_day) = (Date32Type::from_naive_date(cx.event_window_end()?), Date32Type::from_naive_date(first));
        let cap = CAP_DAYS;
        // (cohort, entry, time, event) → members.
        let mut groups: FastMap<(i64, i64, i64, bool), u64> = FastMap::default();
        for b in &cx.batches("SELECT cohort, joined_on, tenure, n FROM tenure_cells").await? {
            let (cohort, joined, tenure, n) =
                (i64_column(b, "cohort")?, date_column(b, "joined_on")?, i64_column(b, "tenure")?, i64_column(b, "n")?);
            for r in 0..b.num_rows() {
                if cohort.is_null(r) || joined.is_null(r) || joined.value(r) > d {
                    continue;
                }
                let joined_on = i64::from(joined.value(r));
                let entry = if joined.value(r) < first_day { i64::from(first_day) - joined_on } else { 0 };
                let tenure = tenure.is_valid(r).then(|| tenure.value(r));
                let left = tenure.filter(|t| joined_on + t <= i64::from(d));
                let time = left.unwrap_or(i64::from(d) - joined_on);
                let key = (cohort.value(r), entry.min(cap), time.min(cap), left.is_some() && time < cap);
                *groups.entry(key).or_default() += u64::try_from(n.value(r)).unwrap_or(0);
            }
        }
        let mut groups: Vec<((i64, i64, i64, bool), u64)> = groups.into_iter().collect();
        groups.sort_unstable();
        // cohort → (subjects, members, of whom left by the as-of date)
        let mut cohorts: BTreeMap<i64, (Vec<Subject>, u64, u64)> = BTreeMap::new();
        for ((cohort, entry, time, event), count) in groups {
            let c = cohorts.entry(cohort).or_default();
            c.0.push(Subject { entry: entry as f64, time: time.max(i64::from(event)) as f64, event, count });
            c.1 += count;
        }
        for b in &cx.batches("SELECT cohort, left_on, n FROM cohort_leaves").await? {
            let (cohort, left_on, n) = (i64_column(b, "cohort")?, date_column(b, "left_on")?, i64_column(b, "n")?);
            for r in 0..b.num_rows() {
                if cohort.is_valid(r)
                    && left_on.is_valid(r)
                    && left_on.value(r) <= d
                    && let Some(c) = cohorts.get_mut(&cohort.value(r))
                {
                    c.2 += u64::try_from(n.value(r)).unwrap_or(0);
                }
            }
        }
        let mut out = Output::new(vec![
            Column::dim("fiscal_year", "入会年度", "Join cohort (年度)"),
            Column::people("members", "入会者（観察対象）", "Members observed"),
            Column::people("left", "うち退会", "Of whom left"),
            Column::derived("retained_1y_pct", "1年後継続率", "Still a member after 1 year", "%"),
            Column::derived("retained_3y_pct", "3年後継続率", "After 3 years", "%"),
            Column::derived("retained_5y_pct", "5年後継続率", "After 5 years", "%"),
        ]);
        for (cohort, (subjects, n, left)) in cohorts {
            let s = stats::kaplan_meier(&subjects, &HORIZONS_DAYS.map(|d| d as f64));
            let mut row = vec![Value::Int(cohort), Value::Int(n as i64), Value::Int(left as i64)];
            row.extend(s.iter().map(|v| Value::opt_num(v.map(|x| x * 100.0))));
            out.rows.push(row);
        }
        out.note(
            format!("最初の名簿時点: {first}。それ以前の入会年度は、その時点で在籍していた会員のみから推定します。"),
            format!("First roster snapshot: {first}; earlier cohorts are estimated from members still present then."),
        );
        Ok(out)
    })
}
