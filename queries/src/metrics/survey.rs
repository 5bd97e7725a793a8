//! The member survey: response rates with Wilson intervals, answer distributions,
//! cross-tabulations with a chi-square test, trends, and estimates weighted back to
//! the roster by raking.

use std::collections::BTreeMap;

use model::membership::{AGE_BANDS, PROFESSIONS};
use model::prefecture::REGIONS;

use super::common::{FRAME_CAVEAT, FRAME_CAVEAT_JA, SEGMENTS, vocab_order};
use super::questions::{
    QUESTION_PARAM, Question, YEAR_PARAM, answer_counts, chosen_year, closed_question, known_years, question,
};
use super::wave_frames::frame_segment_sql;
use crate::error::Result;
use crate::metric::{ALL, Cx, EvalFuture, Group, MetricDef, Output, ParamKind, ParamSpec};
use crate::result::{Column, Value};
use crate::stats::{self, Z95};

pub(super) fn segment_column(seg: &str) -> Column {
    match seg {
        "profession" => Column::dim("profession", "職種", "Profession"),
        "age_band" => Column::dim("age_band", "年齢階級", "Age band"),
        _ => Column::dim("region", "地方", "Region"),
    }
}

pub(super) fn segment_order(seg: &str, v: &str) -> (usize, String) {
    match seg {
        "profession" => vocab_order(&PROFESSIONS, v),
        "age_band" => vocab_order(&AGE_BANDS, v),
        _ => (REGIONS.iter().position(|r| *r == v).unwrap_or(usize::MAX), v.to_string()),
    }
}

/// SQL: the respondents' segment value, from `table` — survey_responses, or survey_answers,
/// which carries its respondent's segments in the snapshot — and the regions `g` joined on
/// its `prefecture_code`.
pub(super) fn respondent_segment_sql(seg: &str, table: &str) -> String {
    match seg {
        "profession" | "age_band" => format!("COALESCE({table}.{seg}, '不明')"),
        _ => "COALESCE(g.region, '不明')".to_string(),
    }
}

/// Roster counts per 年度 and segment on each wave's 開始日 (the sampling frame).
async fn frame_counts(cx: &Cx<'_>, seg: &str) -> Result<BTreeMap<(i64, String), i64>> {
    let f = cx
        .frame(&format!(
            "SELECT fiscal_year, {} AS seg, SUM(n) AS n FROM wave_frames GROUP BY 1, 2",
            frame_segment_sql(seg)
        ))
        .await?;
    Ok((0..f.len())
        .map(|r| {
            ((f.i64(r, "fiscal_year").unwrap_or(0), f.text(r, "seg").unwrap_or_default()), f.i64(r, "n").unwrap_or(0))
        })
        .collect())
}

pub const RESPONSE_RATE: MetricDef = MetricDef {
    name: "survey.response_rate",
    group: Group::Survey,
    title_ja: "アンケート回答率",
    title_en: "Survey response rate",
    summary: "Responses / invited per 年度, overall or by 職種, 年齢階級 or 地方, with 95% Wilson intervals.",
    summary_ja: "年度ごとの回答数 / 配布数を、全体または職種・年齢階級・地方別に、95% 信頼区間（Wilson）つきで示します。",
    definition: "Overall: responses in survey_responses / 配布数 of the wave. By segment: responses stating the segment / \
        members of that segment in force on the wave's 開始日 (age band from 生年 in that year; 地方 from 勤務先都道府県). \
        Interval: Wilson score, 95%.",
    definition_ja: "全体: 回答数 ÷ その回の配布数。区分別: その区分と回答した回答数 ÷ 調査開始日に在籍するその区分の\
        会員数（年齢階級はその年の生年から、地方は勤務先都道府県から）。区間は Wilson の方法による95%信頼区間です。",
    unit: "%",
    sources: &["survey_waves", "survey_responses", "members", "member_history"],
    caveats: &[FRAME_CAVEAT],
    caveats_ja: &[FRAME_CAVEAT_JA],
    by: &["", "profession", "age_band", "region"],
    params: &[],
    audiences: ALL,
    eval: response_rate,
};

fn rate_cells(responses: i64, invited: Option<i64>) -> Vec<Value> {
    let ci = invited.and_then(|n| {
        let (r, n) = (u64::try_from(responses).ok()?, u64::try_from(n).ok()?);
        (r <= n).then(|| stats::wilson(r, n, Z95)).flatten()
    });
    vec![
        Value::opt_int(invited),
        Value::Int(responses),
        Value::opt_int(invited.map(|n| n - responses)),
        Value::opt_num(invited.filter(|n| *n > 0).map(|n| 100.0 * responses as f64 / n as f64)),
        Value::opt_num(ci.map(|c| 100.0 * c.0)),
        Value::opt_num(ci.map(|c| 100.0 * c.1)),
    ]
}

fn rate_columns(invited_ja: &'static str) -> Vec<Column> {
    vec![
        Column::derived("invited", invited_ja, "Invited (frame)", "人"),
        Column::people("responses", "回答数", "Responses"),
        Column::people("nonresponses", "未回答", "Not responding"),
        Column::derived("rate_pct", "回答率", "Response rate", "%"),
        Column::derived("rate_low_pct", "95%信頼区間 下限", "95% CI low", "%"),
        Column::derived("rate_high_pct", "95%信頼区間 上限", "95% CI high", "%"),
    ]
}

fn response_rate<'a>(cx: &'a Cx<'a>) -> EvalFuture<'a> {
    Box::pin(async move {
        let waves = cx.frame("SELECT fiscal_year, opened_on, invited FROM survey_waves ORDER BY fiscal_year").await?;
        if cx.by.is_empty() {
            let f = cx
                .frame(
                    "SELECT w.fiscal_year, w.invited, COUNT(r.response_id) AS responses FROM survey_waves w
                     LEFT JOIN survey_responses r ON r.fiscal_year = w.fiscal_year
                     GROUP BY w.fiscal_year, w.invited ORDER BY w.fiscal_year",
                )
                .await?;
            let mut columns = vec![Column::dim("fiscal_year", "年度", "Fiscal year")];
            columns.extend(rate_columns("配布数"));
            let mut out = Output::new(columns);
            let known = known_years(cx).await?;
            for r in (0..f.len()).filter(|&r| f.i64(r, "fiscal_year").is_some_and(|y| known.contains(&y))) {
                let mut row = vec![f.value(r, "fiscal_year")];
                row.extend(rate_cells(f.i64(r, "responses").unwrap_or(0), f.i64(r, "invited")));
                out.rows.push(row);
            }
            out.non_additive.push("fiscal_year");
            out.column_groups.push(vec!["responses", "nonresponses"]);
            return Ok(out);
        }
        let seg = cx.by.as_str();
        let f = cx
            .frame(&format!(
                "SELECT r.fiscal_year, {} AS seg, COUNT(*) AS n FROM survey_responses r
                 LEFT JOIN prefecture_regions g ON g.prefecture_code = r.prefecture_code GROUP BY 1, 2",
                respondent_segment_sql(seg, "r")
            ))
            .await?;
        let mut responses: BTreeMap<(i64, String), i64> = BTreeMap::new();
        for r in 0..f.len() {
            responses.insert(
                (f.i64(r, "fiscal_year").unwrap_or(0), f.text(r, "seg").unwrap_or_default()),
                f.i64(r, "n").unwrap_or(0),
            );
        }
        let mut columns = vec![Column::dim("fiscal_year", "年度", "Fiscal year"), segment_column(seg)];
        columns.extend(rate_columns("名簿上の会員数"));
        let mut out = Output::new(columns);
        let frames = frame_counts(cx, seg).await?;
        let known = known_years(cx).await?;
        for w in 0..waves.len() {
            let (Some(fy), Some(_)) = (waves.i64(w, "fiscal_year"), waves.date(w, "opened_on")) else { continue };
            if !known.contains(&fy) {
                continue;
            }
            let frame: BTreeMap<String, i64> =
                frames.range((fy, String::new())..(fy + 1, String::new())).map(|((_, s), n)| (s.clone(), *n)).collect();
            let mut segs: Vec<String> = frame.keys().cloned().collect();
            segs.extend(responses.keys().filter(|k| k.0 == fy).map(|k| k.1.clone()));
            segs.sort_by_key(|s| segment_order(seg, s));
            segs.dedup();
            for s in segs {
                let n = responses.get(&(fy, s.clone())).copied().unwrap_or(0);
                let mut row = vec![Value::Int(fy), Value::Text(s.clone())];
                row.extend(rate_cells(n, frame.get(&s).copied()));
                out.rows.push(row);
            }
        }
        out.non_additive.push("fiscal_year");
        out.column_groups.push(vec!["responses", "nonresponses"]);
        Ok(out)
    })
}

pub const ANSWERS: MetricDef = MetricDef {
    name: "survey.answers",
    group: Group::Survey,
    title_ja: "設問別の回答分布",
    title_en: "Answer distribution of a question",
    summary: "For one question and 年度: respondents choosing each option and their share of those who answered.",
    summary_ja: "ある年度の一つの設問について、各選択肢を選んだ回答者の数と、回答者に占める割合を示します。",
    definition: "Counts of respondents per option (Likert codes mapped to their labels; for multiple choice each chosen \
        option counts, so shares add up to more than 100%). Share = count / respondents who answered the question.",
    definition_ja: "選択肢ごとの回答者数です（5段階の設問は番号をその言葉に置き換えます。複数選択では選んだ選択肢ご\
        とに数えるため、割合の合計は100%を超えます）。割合 = 人数 ÷ その設問に回答した人数。",
    unit: "人",
    sources: &["survey_questions", "survey_answers"],
    caveats: &["Unweighted; see survey.weighted for estimates weighted to the roster."],
    caveats_ja: &["重み付けしていない集計です。名簿に合わせて重み付けした推定は「重み付けした回答割合」にあります。"],
    by: &[""],
    params: &[QUESTION_PARAM, YEAR_PARAM],
    audiences: ALL,
    eval: answers,
};

fn answers<'a>(cx: &'a Cx<'a>) -> EvalFuture<'a> {
    Box::pin(async move {
        let (fy, id, q) = closed_question(cx).await?;
        let (n, grouped) = answer_counts(cx, &id, fy).await?;
        let mut counts: BTreeMap<String, i64> = q.options.iter().map(|o| (o.clone(), 0)).collect();
        for (answer, c) in &grouped {
            for l in q.labels(answer) {
                *counts.entry(l).or_default() += c;
            }
        }
        let mut keyed: Vec<(String, i64)> = counts.into_iter().collect();
        keyed.sort_by_key(|(l, _)| q.order(l));
        let mut out = Output::new(vec![
            Column::dim("option", "選択肢", "Option"),
            Column::people("respondents", "回答者数", "Respondents"),
            Column::derived("share_pct", "割合", "Share", "%"),
        ]);
        for (label, c) in keyed {
            out.rows.push(vec![
                Value::Text(label),
                Value::Int(c),
                Value::opt_num((n > 0).then(|| 100.0 * c as f64 / n as f64)),
            ]);
        }
        out.note(
            format!("{fy}年度 {id}「{}」回答者 {} 人", q.text, model::thousands(n)),
            format!("FY{fy} {id}: {n} respondents"),
        );
        Ok(out)
    })
}

pub const CROSSTAB: MetricDef = MetricDef {
    name: "survey.crosstab",
    group: Group::Survey,
    title_ja: "クロス集計とカイ二乗検定",
    title_en: "Cross-tabulation with a chi-square test",
    summary: "A closed question of one 年度 cross-tabulated against a single-choice question or 職種/年齢階級/地方, with Pearson's chi-square test of independence (a multiple-choice question option by option).",
    summary_ja: "ある年度の選択式の設問を、単一選択の設問または職種・年齢階級・地方とクロス集計し、カイ二乗検定（独立性）を行います（複数回答の設問は選択肢ごと）。",
    definition: "Respondents answering both, counted per pair of answers; weighted = the same respondents with the \
        raking weights of survey.weighted (an estimate of members). The test is Pearson's chi-square without \
        continuity correction on the unweighted table without all-zero rows and columns; p is the upper tail of the \
        chi-square distribution with (r−1)(c−1) degrees of freedom. A multiple-choice question gives one row per \
        option (a respondent counts under every option chosen), a last row （この設問の回答者） with the column's \
        respondents to the question, and one 2 × c test per option: chose it or not, among those respondents.",
    definition_ja: "二つの設問の両方に回答した人を、回答の組ごとに数えます。推定人数は同じ回答者を「重み付けした回答割合\
        」と同じ重みで数えたもの（会員数の推定）です。検定は連続性補正なしの Pearson のカイ二乗検定で、重みなしの表から\
        すべて 0 の行と列を除いて行います。p 値は自由度 (r−1)(c−1) のカイ二乗分布の上側確率です。複数回答の設問では選\
        択肢ごとに一行とし（選んだ選択肢すべてに数えます）、最後の行「（この設問の回答者）」に列ごとの回答者数を示し、選\
        択肢ごとに「選んだか否か × 列」の検定を行います。",
    unit: "人",
    sources: &["survey_questions", "survey_answers", "survey_responses"],
    caveats: &["The chi-square approximation is doubtful when expected counts fall below 5; the smallest is reported."],
    caveats_ja: &["期待度数が 5 未満のセルがあるとカイ二乗近似は疑わしくなります。最小の期待度数を示します。"],
    by: &[""],
    params: &[
        QUESTION_PARAM,
        ParamSpec {
            name: "column",
            kind: ParamKind::Text,
            default: "profession",
            doc: "another 設問ID, or profession, age_band or region",
            doc_ja: "もう一つの設問ID、または職種・年齢階級・地方",
            required: false,
        },
        YEAR_PARAM,
    ],
    audiences: ALL,
    eval: crosstab,
};

fn crosstab<'a>(cx: &'a Cx<'a>) -> EvalFuture<'a> {
    Box::pin(async move {
        let fy = chosen_year(cx).await?;
        let id = cx.text("question");
        let q = question(cx, &id, fy).await?;
        if q.kind == "text" {
            return Err(cx.bad("question", &id, "needs a closed question / 選択式の設問を指定"));
        }
        // A multiple-choice question is cross-tabbed option by option: a respondent counts in
        // every option chosen, and each option gets its own test (chose or not × column).
        let multi = q.kind == "multi";
        // A segment may be named in Japanese, as the form's help says (職種, 年齢階級, 地方).
        let typed = cx.text("column");
        let col = SEGMENTS
            .iter()
            .find(|s| crate::labels::DIMS.iter().any(|(d, l)| d == *s && *l == typed))
            .map_or(typed.clone(), |s| s.to_string());
        // Pairs of (answer, column value) counted in DataFusion; labels mapped here. The
        // column is a segment (its values are labels) or a second question (`col_q`).
        let segment = SEGMENTS.contains(&col.as_str());
        let col_q = if segment {
            None
        } else {
            let q2 = question(cx, &col, fy).await?;
            if !(q2.kind == "single" || q2.kind.starts_with("likert")) {
                return Err(cx.bad("column", &col, "needs a single-choice or Likert question / 単一回答の設問を指定"));
            }
            Some(q2)
        };
        // Each pair also carries the respondents' segments, for the weighted estimate; ordered,
        // so that the weighted sums add in the same order on every run (to the last bit).
        let pairs = if segment {
            cx.frame_with(
                &format!(
                    "SELECT a.answer AS x, {} AS y, a.profession, a.age_band, a.prefecture_code, COUNT(*) AS n
                     FROM survey_answers a
                     LEFT JOIN prefecture_regions g ON g.prefecture_code = a.prefecture_code
                     WHERE a.fiscal_year = {fy} AND a.question_id = $1 GROUP BY 1, 2, 3, 4, 5
                     ORDER BY 1, 2, 3, 4, 5",
                    respondent_segment_sql(&col, "a")
                ),
                &[&id],
            )
            .await?
        } else {
            cx.frame_with(
                &format!(
                    "SELECT a.answer AS x, b.answer AS y, a.profession, a.age_band, a.prefecture_code, COUNT(*) AS n
                     FROM survey_answers a
                     JOIN survey_answers b ON b.fiscal_year = a.fiscal_year AND b.response_id = a.response_id
                     WHERE a.fiscal_year = {fy} AND a.question_id = $1 AND b.question_id = $2
                     GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5"
                ),
                &[&id, &col],
            )
            .await?
        };
        let raking = super::weighted::raking(cx, fy).await?;
        let col_label = |v: &str| match &col_q {
            Some(q2) => q2.labels(v).into_iter().next(),
            None => Some(v.to_string()),
        };
        let col_order = |v: &str| match &col_q {
            Some(q2) => q2.order(v),
            None => segment_order(&col, v),
        };
        // (answer, column) → (respondents, weighted respondents); column → respondents.
        let mut cells: BTreeMap<(String, String), (i64, f64)> = BTreeMap::new();
        let mut column_totals: BTreeMap<String, (i64, f64)> = BTreeMap::new();
        for r in 0..pairs.len() {
            let Some(b) = col_label(&pairs.text(r, "y").unwrap_or_default()) else { continue };
            let n = pairs.i64(r, "n").unwrap_or(0);
            let w = raking.weight_of.get(&super::weighted::respondent_segments(&pairs, r)).copied().unwrap_or(0.0);
            let labels = q.labels(&pairs.text(r, "x").unwrap_or_default());
            let labels = if multi { labels } else { labels.into_iter().take(1).collect() };
            if !labels.is_empty() {
                let t = column_totals.entry(b.clone()).or_default();
                t.0 += n;
                t.1 += w * n as f64;
            }
            for a in labels {
                let e = cells.entry((a, b.clone())).or_default();
                e.0 += n;
                e.1 += w * n as f64;
            }
        }
        let mut row_labels: Vec<String> = q.options.clone();
        row_labels.extend(cells.keys().map(|k| k.0.clone()));
        row_labels.sort_by_key(|l| q.order(l));
        row_labels.dedup();
        let mut col_labels: Vec<String> = cells.keys().map(|k| k.1.clone()).collect();
        col_labels.sort_by_key(|l| col_order(l));
        col_labels.dedup();
        let count = |a: &str, b: &str| cells.get(&(a.to_string(), b.to_string())).map_or(0, |c| c.0);
        let table: Vec<Vec<f64>> =
            row_labels.iter().map(|a| col_labels.iter().map(|b| count(a, b) as f64).collect()).collect();
        let mut out = Output::new(vec![
            Column::dim("row", if multi { "選択肢" } else { "設問の回答" }, if multi { "Option" } else { "Answer" }),
            Column::dim("column", "列", "Column"),
            Column::people("respondents", "回答者数", "Respondents"),
            Column::derived("weighted", "推定人数（重み付け）", "Weighted estimate", "人"),
        ]);
        for a in &row_labels {
            for b in &col_labels {
                let (n, w) = cells.get(&(a.clone(), b.clone())).copied().unwrap_or((0, 0.0));
                let weighted = Value::opt_num(raking.converged.is_some().then_some(w));
                out.rows.push(vec![Value::Text(a.clone()), Value::Text(b.clone()), Value::Int(n), weighted]);
            }
        }
        out.note(
            "推定人数は、回答者を名簿の職種・年齢階級・地方の構成に合わせて重み付けした人数です（重み付けした回答割合と同じ重み）。\
             検定は重みなしの人数で行います。",
            "Weighted estimates use the raking weights of survey.weighted; the tests use the unweighted counts.",
        );
        if multi {
            // Each option: chose it or not, per column (the column's respondents to the question).
            for (a, row) in row_labels.iter().zip(&table) {
                let not: Vec<f64> = col_labels
                    .iter()
                    .zip(row)
                    .map(|(b, n)| column_totals.get(b).map_or(0, |t| t.0) as f64 - n)
                    .collect();
                let t = stats::chi_square(&[row.clone(), not]);
                let (ja, en) = match t {
                    Some(t) => (
                        format!(
                            "「{a}」を選んだか × 列: χ² = {:.3}、自由度 {}、p = {:.4}{}",
                            t.statistic,
                            t.dof,
                            t.p_value,
                            if t.min_expected < 5.0 {
                                format!("（注意: 期待度数が 5 未満（最小 {:.1}）のため参考値）", t.min_expected)
                            } else {
                                String::new()
                            }
                        ),
                        format!(
                            "{a} chosen or not × column: χ² = {:.3}, df = {}, p = {:.4}",
                            t.statistic, t.dof, t.p_value
                        ),
                    ),
                    None => (format!("「{a}」: 検定できません"), format!("{a}: no test")),
                };
                out.note(ja, en);
            }
            // The column's respondents to the question: the base of each option's share.
            for b in &col_labels {
                let (n, w) = column_totals.get(b).copied().unwrap_or((0, 0.0));
                let weighted = Value::opt_num(raking.converged.is_some().then_some(w));
                out.rows.push(vec![Value::Text(MULTI_BASE.into()), Value::Text(b.clone()), Value::Int(n), weighted]);
            }
            out.note(
                format!("{fy}年度 {id}（複数回答、選択肢ごと） × {}", crate::labels::by(&col)),
                format!("FY{fy} {id} (multiple choice, by option) × {col}"),
            );
            return Ok(out);
        }
        match stats::chi_square(&table) {
            Some(t) if t.min_expected < 5.0 => {
                out.note(
                    format!(
                        "注意: 期待度数が 5 未満のセルがあり（最小 {:.1}）、カイ二乗検定の近似は信頼できません。\
                         選択肢や区分をまとめてからご覧ください。χ² = {:.3}、自由度 {}、p = {:.4}（参考値）",
                        t.min_expected, t.statistic, t.dof, t.p_value
                    ),
                    format!(
                        "Caution: expected counts below 5 (smallest {:.1}); the chi-square approximation is doubtful. \
                         χ² = {:.3}, df = {}, p = {:.4} (for reference)",
                        t.min_expected, t.statistic, t.dof, t.p_value
                    ),
                );
            }
            Some(t) => out.note(
                format!(
                    "カイ二乗検定: χ² = {:.3}、自由度 {}、p = {:.4}（期待度数の最小 {:.1}）",
                    t.statistic, t.dof, t.p_value, t.min_expected
                ),
                format!(
                    "Chi-square test: χ² = {:.3}, df = {}, p = {:.4} (smallest expected count {:.1})",
                    t.statistic, t.dof, t.p_value, t.min_expected
                ),
            ),
            None => {
                out.note("検定できません（行または列が1つ以下）", "No test: fewer than two non-empty rows or columns")
            }
        }
        out.note(format!("{fy}年度 {id} × {}", crate::labels::by(&col)), format!("FY{fy} {id} × {col}"));
        Ok(out)
    })
}

/// The last row label of a multiple-choice cross-tab: the column's respondents to the
/// question (the base of each option's share; options add up to more).
pub const MULTI_BASE: &str = "（この設問の回答者）";

pub const TREND: MetricDef = MetricDef {
    name: "survey.trend",
    group: Group::Survey,
    title_ja: "設問の経年変化",
    title_en: "Trend of a question across years",
    summary: "One question's answer shares in every 年度 that asked the same question (same text and options).",
    summary_ja: "同じ設問（文面と選択肢が同じもの）を聞いた各年度の回答の割合を示します。",
    definition: "As survey.answers per 年度; a year is included only when the question's text and options equal those \
        of the latest year that asked it, so that a changed question is not compared with the old one.",
    definition_ja: "年度ごとの回答の集計です。設問文と選択肢が、その設問を最後に尋ねた年度と同じ年度だけを含め、変わ\
        った設問を古いものと比べないようにします。",
    unit: "%",
    sources: &["survey_questions", "survey_answers"],
    caveats: &["Years whose wording differs are listed in a note and left out."],
    caveats_ja: &["文言の違う年度は注記に示して除きます。"],
    by: &[""],
    params: &[QUESTION_PARAM],
    audiences: ALL,
    eval: trend,
};

fn trend<'a>(cx: &'a Cx<'a>) -> EvalFuture<'a> {
    Box::pin(async move {
        let id = cx.text("question");
        // Every year's wording and answer counts in one query.
        let f = cx
            .frame_with(
                "SELECT q.fiscal_year, q.text, q.kind, q.options, a.answer, COALESCE(a.n, 0) AS n
                 FROM survey_questions q LEFT JOIN answer_counts a
                   ON a.fiscal_year = q.fiscal_year AND a.question_id = q.question_id
                 WHERE q.question_id = $1 ORDER BY 1",
                &[&id],
            )
            .await?;
        // Years whose survey had not closed by the as-of date were not known then.
        let known = known_years(cx).await?;
        let Some(last) = (0..f.len()).rev().find(|&r| f.i64(r, "fiscal_year").is_some_and(|y| known.contains(&y)))
        else {
            return Err(cx.bad(
                "question",
                &id,
                "この基準日までに締め切られたアンケートでは聞かれていません / never asked by the as-of date",
            ));
        };
        let wording = |r: usize| (f.text(r, "text"), f.text(r, "options"));
        let reference = wording(last);
        let mut out = Output::new(vec![
            Column::dim("fiscal_year", "年度", "Fiscal year"),
            Column::dim("option", "選択肢", "Option"),
            Column::people("respondents", "回答者数", "Respondents"),
            Column::derived("share_pct", "割合", "Share", "%"),
        ]);
        let mut skipped = Vec::new();
        let mut r = 0;
        while r < f.len() {
            let fy = f.i64(r, "fiscal_year").unwrap_or(0);
            let end = (r..f.len()).find(|&i| f.i64(i, "fiscal_year") != Some(fy)).unwrap_or(f.len());
            let rows = r..end;
            r = end;
            if !known.contains(&fy) {
                continue;
            }
            if wording(rows.start) != reference {
                skipped.push(fy.to_string());
                continue;
            }
            let q = Question::new(
                f.text(rows.start, "text").unwrap_or_default(),
                f.text(rows.start, "kind").unwrap_or_default(),
                &f.text(rows.start, "options").unwrap_or_default(),
            );
            if q.kind == "text" {
                return Err(cx.bad("question", &id, "a free-text question / 自由記述の設問です"));
            }
            let labelled: Vec<(Vec<String>, i64)> =
                rows.filter_map(|i| Some((q.labels(&f.text(i, "answer")?), f.i64(i, "n").unwrap_or(0)))).collect();
            let n: i64 = labelled.iter().map(|(_, c)| c).sum();
            for o in &q.options {
                let c: i64 = labelled.iter().filter(|(l, _)| l.contains(o)).map(|(_, c)| c).sum();
                out.rows.push(vec![
                    Value::Int(fy),
                    Value::Text(o.clone()),
                    Value::Int(c),
                    Value::opt_num((n > 0).then(|| 100.0 * c as f64 / n as f64)),
                ]);
            }
        }
        out.non_additive.push("fiscal_year");
        if !skipped.is_empty() {
            out.note(
                format!("設問文または選択肢が異なる年度を除外: {}", skipped.join(", ")),
                format!("Years with a different wording left out: {}", skipped.join(", ")),
            );
        }
        Ok(out)
    })
}
