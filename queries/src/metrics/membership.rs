//! Membership: composition as of a date, the 80% rule over 正会員, its monthly
//! history, a projection and a what-if.

use chrono::{Datelike, Months};
use model::membership::{AGE_BANDS, ASSOCIATE_MEMBER, CATEGORIES, FULL_MEMBER, PHYSICIAN, PROFESSIONS, SEXES};
use model::physician_rule::{RuleOutcome, ShareRule};
use model::rules::RULES_2026;

use super::common::{active_at, age_band_sql, month_end, prefecture_cells, vocab_order};
use crate::disclosure::{Audience, Policy};
use crate::error::Result;
use crate::metric::{ALL, Cx, EvalFuture, Group, MetricDef, Output, ParamKind, ParamSpec, date_sql};
use crate::result::{Column, Value};

const RULE: ShareRule = RULES_2026.physician_share;

pub(super) const SOURCES: &[&str] = &["members", "member_history"];
pub(super) const SNAPSHOT_CAVEAT: &str = "Membership history is rebuilt from roster snapshots: a change of 会員種別 or 職種 is dated on the \
    first snapshot that shows it, and a member missing from a snapshot without 退会日 is taken to have left on that \
    snapshot's date.";
pub(super) const SNAPSHOT_CAVEAT_JA: &str = "会員の履歴は名簿のスナップショットから組み立てています。会員種別・職種\
    の変更はそれを最初に示したスナップショットの日付の変更とし、退会日のないまま名簿から消えた会員はそのスナップショ\
    ットの日付で退会したものとします。";

pub const COMPOSITION: MetricDef = MetricDef {
    name: "members.composition",
    group: Group::Membership,
    title_ja: "会員構成",
    title_en: "Membership composition",
    summary: "Members in force on the as-of date, by 会員種別 × 職種 (or another grouping).",
    summary_ja: "基準日に在籍する会員を、会員種別 × 職種（または他の区分）で数えます。",
    definition: "Count of members with 入会日 ≤ D < 退会日 whose state (会員種別, 職種, 勤務先都道府県) in force on D \
        falls in each group. Age band is D's year minus 生年 (the roster gives the year only).",
    definition_ja: "基準日に在籍する会員（入会日 ≤ 基準日 < 退会日）を、基準日の状態（会員種別・職種・勤務先都道府県）\
        で区分ごとに数えます。年齢階級は基準日の年から生年を引いた値です（名簿には生年だけがあります）。",
    unit: "人",
    sources: SOURCES,
    caveats: &[
        SNAPSHOT_CAVEAT,
        "Outside the committee 名誉会員, 特別会員 and 賛助会員 are shown together as その他の会員種別: alone, their \
         small cells could be recovered from the totals together with the 正会員 physician count that \
         members.physician_share publishes.",
    ],
    caveats_ja: &[
        SNAPSHOT_CAVEAT_JA,
        "会員委員会以外には、名誉会員・特別会員・賛助会員を「その他の会員種別」としてまとめて示します。別々に示すと、\
            正会員の医師数（正会員の医師割合で公表）と合計から小さなセルが逆算できてしまうためです。",
    ],
    by: &["category,profession", "category", "profession", "category,prefecture", "category,sex", "category,age_band"],
    params: &[],
    audiences: ALL,
    eval: composition,
};

/// The small categories together, as audiences other than the committee see them.
pub const OTHER_CATEGORIES: &str = "その他の会員種別";

fn composition<'a>(cx: &'a Cx<'a>) -> EvalFuture<'a> {
    Box::pin(async move {
        let dims: Vec<&str> = cx.by.split(',').collect();
        let exprs: Vec<(String, &str)> = dims
            .iter()
            .map(|d| match *d {
                "age_band" => (age_band_sql(cx.as_of.year()), "age_band"),
                "sex" => ("COALESCE(sex, '不明')".to_string(), "sex"),
                "prefecture" => ("prefecture_code".to_string(), "prefecture"),
                // Outside the committee the small categories (名誉会員, 特別会員, 賛助会員) are
                // shown together: alone, a cell such as 名誉会員 × 医師 cannot be protected
                // once physician_share has published 正会員 × 医師.
                "category" if cx.audience != Audience::Committee => (
                    format!(
                        "CASE WHEN category IN ('{FULL_MEMBER}', '{ASSOCIATE_MEMBER}') THEN category ELSE '{OTHER_CATEGORIES}' END"
                    ),
                    "category",
                ),
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
        // members.physician_share releases the 正会員 physicians P and total T (also by
        // prefecture) to every audience: those cells cannot hide a neighbour here.
        let published_by_share = |row: &[Value]| {
            let at = |name: &str| out.columns.iter().position(|c| c.name == name).map(|i| row[i].display());
            at("category").as_deref() == Some(FULL_MEMBER)
                && match cx.by.as_str() {
                    "category" | "category,prefecture" => true,
                    "category,profession" => at("profession").as_deref() == Some(PHYSICIAN),
                    _ => false,
                }
        };
        out.published =
            (0..out.rows.len()).filter(|&r| published_by_share(&out.rows[r])).map(|r| (r, "members")).collect();
        if cx.audience != Audience::Committee && cx.by_has("category") {
            out.note(
                format!("{OTHER_CATEGORIES}: 名誉会員・特別会員・賛助会員の合計（小さな区分を特定されないため）"),
                format!("{OTHER_CATEGORIES}: 名誉会員, 特別会員 and 賛助会員 together (small categories are not shown apart)"),
            );
        }
        Ok(out)
    })
}

pub const PHYSICIAN_SHARE: MetricDef = MetricDef {
    name: "members.physician_share",
    group: Group::Membership,
    title_ja: "正会員に占める医師の割合（8割ルール）",
    title_en: "Physician share of 正会員 (the 80% rule)",
    summary: "P physicians among T 正会員 on the as-of date; compliant iff 5P ≥ 4T, with headroom or what restores it.",
    summary_ja: "基準日の正会員 T 人のうち医師 P 人の割合。5P ≥ 4T（8割以上）かどうかを整数で判定し、あと何人入会できるか、または回復に何が必要かを示します。",
    definition: "P = 正会員 whose 職種 is 医師, T = all 正会員, both in force on D. share = P/T. The 医療広告ガイドライン rule \
        (8割以上, inclusive) is decided in integers: compliant iff 5P ≥ 4T. When compliant, headroom = floor((5P − 4T)/4) \
        non-physician 正会員 may still join. When not, physicians needed = 4T − 5P, or non-physician 正会員 moving to \
        準会員 = ceil((4T − 5P)/4). By prefecture (勤務先都道府県) the shares are descriptive: the rule applies to the \
        society as a whole.",
    definition_ja: "P = 基準日に在籍する正会員のうち職種が医師の人数、T = 基準日に在籍する正会員の総数、割合 = P ÷ T で\
        す。医療広告ガイドラインの基準（8割以上、ちょうど8割を含む）は整数で判定します: 5P ≥ 4T なら基準を満たします。\
        満たすとき、医師以外の正会員があと (5P − 4T) ÷ 4 の端数を切り捨てた人数まで入会できます（余裕）。満たさない\
        とき、回復に必要なのは医師 4T − 5P 人の入会、または医師以外の正会員 (4T − 5P) ÷ 4 の端数を切り上げた人数の準\
        会員への移行です。都道府県（勤務先）別の割合は参考値で、基準は学会全体に適用されます。",
    unit: "%",
    sources: SOURCES,
    caveats: &[SNAPSHOT_CAVEAT],
    caveats_ja: &[SNAPSHOT_CAVEAT_JA],
    by: &["", "prefecture"],
    params: &[],
    audiences: ALL,
    eval: physician_share,
};

pub(super) fn rule_columns(with_rule: bool) -> Vec<Column> {
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

pub(super) fn rule_cells(p: i64, t: i64, with_rule: bool) -> Vec<Value> {
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

pub const WHAT_IF: MetricDef = MetricDef {
    name: "members.what_if",
    group: Group::Membership,
    title_ja: "入会シミュレーション",
    title_en: "What-if: new members and the 80% rule",
    summary: "The share and rule outcome if N medical staff join as 正会員 (or 準会員) and M physicians join.",
    summary_ja: "医療職が正会員（または準会員）として、医師が正会員として入会した場合の医師の割合と 8割ルールの判定を示します。",
    definition: "From P and T on D: P' = P + physicians, T' = T + physicians + staff_full; staff joining as 準会員 do not \
        count towards T. The rule is re-evaluated on (P', T') exactly as in members.physician_share.",
    definition_ja: "基準日の P と T から、P' = P + 医師（正会員として入会）、T' = T + 医師（正会員として入会）+ 医療\
        職（正会員として入会）とします。準会員として入会する医療職は T に数えません。(P', T') について、正会員の医師\
        割合と同じく基準を判定し直します。",
    unit: "%",
    sources: SOURCES,
    caveats: &["A scenario, not a forecast: nobody leaves and nobody changes category."],
    caveats_ja: &["予測ではなく仮定の計算です: 退会も会員種別の変更もないものとします。"],
    by: &[""],
    params: &[
        ParamSpec {
            name: "staff_full",
            kind: ParamKind::Int { min: 0, max: 100_000 },
            default: "0",
            doc: "medical staff joining as 正会員",
            doc_ja: "正会員として入会する医療職の人数",
            required: false,
        },
        ParamSpec {
            name: "staff_associate",
            kind: ParamKind::Int { min: 0, max: 100_000 },
            default: "0",
            doc: "medical staff joining as 準会員",
            doc_ja: "準会員として入会する医療職の人数",
            required: false,
        },
        ParamSpec {
            name: "physicians",
            kind: ParamKind::Int { min: 0, max: 100_000 },
            default: "0",
            doc: "physicians joining as 正会員",
            doc_ja: "正会員として入会する医師の人数",
            required: false,
        },
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
        columns.push(Column::people("associates", "準会員数", "準会員"));
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
    summary_ja: "職種別の過去 12 か月の入会・退会率が続いた場合の、12〜36 か月先までの医師の割合と、80% を下回る月を示します。",
    definition: "For each 職種 among 正会員: inflow = spells of 正会員 starting in the 12 months to D (joins and moves \
        in), monthly; outflow hazard = spells ending in those months (leaves and moves out) / 12 / the stock on D. \
        Then month by month N(m+1) = N(m) + inflow − hazard·N(m). P and T are the projected 医師 and total stocks; \
        the crossing month is the first projected month-end whose compliance (5P ≥ 4T) differs from D's. \
        For audiences under suppression the model runs on two groups, 医師 and 医師以外 (the sums of the other \
        職種), so that no 職種's withheld inflow or outflow can be solved from the projected figures; when one of \
        those six counts (stock, inflow, outflow of either group) is itself below the threshold, the projection is \
        withheld.",
    definition_ja: "正会員の職種ごとに、基準日までの12か月に始まった正会員の期間（入会と正会員への移行）から月あたり\
        の流入を、終わった期間（退会と正会員からの移行）÷ 12 ÷ 基準日の人数から月あたりの流出率を求め、毎月 N(m+1) = N\
        (m) + 流入 − 流出率 × N(m) で推計します。P と T は推計した医師と正会員全体の人数で、基準の判定（5P ≥ 4T）が\
        基準日と変わる最初の月末を「判定が変わる月」とします。秘匿の対象となる閲覧者には、医師と医師以外（他の職種の\
        合計）の二つの区分で推計し、ある職種の伏せた流入・流出が推計値から解けないようにします。その6つの値（両区分\
        の人数・流入・流出）のどれかが閾値未満のときは推計を示しません。",
    unit: "%",
    sources: SOURCES,
    caveats: &[
        SNAPSHOT_CAVEAT,
        "Category moves are dated at roster snapshots, so a snapshot inside the trailing window shows its moves as one lump.",
        "A trend extrapolation with constant rates; it carries no uncertainty band.",
    ],
    caveats_ja: &[
        SNAPSHOT_CAVEAT_JA,
        "会員種別の移行は名簿スナップショットの日付になるため、直近12か月の間にあるスナップショットの移行はひとまと\
            まりに現れます。",
        "一定の率で傾向を延ばした推計で、不確かさの幅は示していません。",
    ],
    by: &[""],
    params: &[ParamSpec {
        name: "months",
        kind: ParamKind::Int { min: 12, max: 36 },
        default: "36",
        doc: "horizon in months (12–36)",
        doc_ja: "推計する月数（12–36）",
        required: false,
    }],
    audiences: ALL,
    eval: projection,
};

/// The flows of [`trailing_flows`] in two groups: 医師, and the sum of every other 職種.
fn physicians_and_others(flows: Vec<(String, i64, i64, i64)>) -> Vec<(String, i64, i64, i64)> {
    let mut out = vec![(PHYSICIAN.to_string(), 0, 0, 0), ("医師以外".to_string(), 0, 0, 0)];
    for (prof, stock, inflow, outflow) in flows {
        let g = &mut out[usize::from(prof != PHYSICIAN)];
        g.1 += stock;
        g.2 += inflow;
        g.3 += outflow;
    }
    out
}

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
        let k = i64::from(Policy::for_audience(cx.audience).k);
        let flows = trailing_flows(cx).await?;
        let flows = if k > 0 { physicians_and_others(flows) } else { flows };
        let withheld = k > 0 && flows.iter().any(|f| [f.1, f.2, f.3].iter().any(|n| (1..k).contains(n)));
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
            Column::estimate("physicians", "医師（推計）", "Physicians (projected)", "人"),
            Column::estimate("full_members", "正会員（推計）", "正会員 (projected)", "人"),
            Column::estimate("share_pct", "医師の割合（推計）", "Physician share (projected)", "%"),
            Column::estimate("compliant", "8割以上", "Compliant (≥ 80%)", ""),
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
            out.rows.push(if withheld {
                vec![Value::Date(month), Value::Suppressed, Value::Suppressed, Value::Suppressed, Value::Suppressed]
            } else {
                vec![
                    Value::Date(month),
                    Value::Num(p),
                    Value::Num(t),
                    Value::opt_num((t > 0.0).then(|| 100.0 * p / t)),
                    Value::Bool(compliant),
                ]
            });
        }
        if withheld {
            out.note(
                "推計の入力（医師・医師以外の正会員数と12か月の流入・流出）に少数の人数があるため、推計を秘匿しました。",
                "Withheld: an input of the projection (stock, inflow or outflow of 医師 or 医師以外) is below the threshold.",
            );
            return Ok(out);
        }
        if k > 0 {
            out.note(
                "推計は医師と医師以外の2群で計算しています（職種別の流入・流出を推計値から逆算できないように）。",
                "Projected on two groups, 医師 and 医師以外, so that no 職種's flows can be solved from the figures.",
            );
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
            format!("職種別の流入・流出は指標「{}」にあります。", PROJECTION_INPUTS.title_ja),
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
    summary_ja: "職種ごとに、基準日の正会員数、それまでの 12 か月に始まった・終わった在籍期間、月あたりの率を示します（将来推計の入力）。",
    definition: "stock = 正会員 in force on D; inflow = 正会員 spells with D − 12 months < span_from ≤ D; outflow = spells \
        with D − 12 months < span_to ≤ D. inflow_per_month = inflow / 12; outflow_rate = outflow / 12 / stock.",
    definition_ja: "人数 = 基準日に在籍する正会員。流入 = 基準日の12か月前より後、基準日までに始まった正会員の期間。\
        流出 = 同じ期間に終わった正会員の期間。月あたり流入 = 流入 ÷ 12、月あたり流出率 = 流出 ÷ 12 ÷ 人数。",
    unit: "人",
    sources: SOURCES,
    caveats: &[SNAPSHOT_CAVEAT],
    caveats_ja: &[SNAPSHOT_CAVEAT_JA],
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
