//! Survey estimates weighted back to the roster: respondents raked to the roster's
//! margins of 職種, 年齢階級 and 地方 on the wave's 開始日.

use std::collections::BTreeMap;

use arrow::array::Array;
use chrono::{Datelike, NaiveDate};

use super::questions::{QUESTION_PARAM, YEAR_PARAM, closed_question};
use super::survey::{FRAME_CAVEAT, SEGMENTS};
use super::{active_at, age_band_of, region_of};
use crate::catalog::{ALL, Cx, EvalFuture, Group, MetricDef, Output, date_sql};
use crate::error::Result;
use crate::frame::{Frame, i64_column, str_column};
use crate::result::{Column, Value};
use crate::stats;

pub const WEIGHTED: MetricDef = MetricDef {
    name: "survey.weighted",
    group: Group::Survey,
    title_ja: "名簿に合わせた重み付け推定",
    title_en: "Estimates weighted to the roster (raking)",
    summary: "One question's answer shares, raw and weighted by raking respondents to the roster margins of 職種, 年齢階級 and 地方.",
    definition: "Respondents with all three segments known start at weight 1 and are raked (iterative proportional \
        fitting, relative tolerance 1e-9, at most 1,000 sweeps) so that their weighted counts equal the roster's on \
        the wave's 開始日 for each 職種, each 年齢階級 and each 地方 (margins restricted to the categories respondents \
        fall in, each scaled to the same total). The weighted share of an option is the weighted count choosing it / the \
        weighted count answering.",
    unit: "%",
    sources: &["survey_waves", "survey_questions", "survey_answers", "survey_responses", "members", "member_history"],
    caveats: &[FRAME_CAVEAT, "Respondents with an unknown segment are left out of the weighted estimate."],
    by: &[""],
    params: &[QUESTION_PARAM, YEAR_PARAM],
    audiences: ALL,
    eval: weighted,
};

fn weighted<'a>(cx: &'a Cx<'a>) -> EvalFuture<'a> {
    Box::pin(async move {
        let (fy, id, q) = closed_question(cx).await?;
        let w = cx.frame(&format!("SELECT opened_on FROM survey_waves WHERE fiscal_year = {fy}")).await?;
        let opened = w
            .date(0, "opened_on")
            .ok_or_else(|| cx.bad("fiscal_year", &fy.to_string(), "no wave / 調査回がありません"))?;
        // Respondents are raked as cells of (職種, 年齢階級, 地方): every respondent of a cell
        // gets the same weight, so the cell's count is its starting weight. The queries group
        // on the responses' own columns; 地方 is worked out per group.
        let resp = cx
            .frame(&format!(
                "SELECT profession, age_band, prefecture_code, COUNT(*) AS n FROM survey_responses
                 WHERE fiscal_year = {fy} GROUP BY 1, 2, 3"
            ))
            .await?;
        let answers = cx
            .frame(&format!(
                "SELECT r.profession, r.age_band, r.prefecture_code, a.answer, COUNT(*) AS n FROM survey_answers a
                 LEFT JOIN survey_responses r ON r.fiscal_year = a.fiscal_year AND r.response_id = a.response_id
                 WHERE a.fiscal_year = {fy} AND a.question_id = '{}' GROUP BY 1, 2, 3, 4",
                id.replace('\'', "''")
            ))
            .await?;
        let frame = frame_cells(cx, opened).await?;
        // Cells with every segment known, and their respondents.
        let mut cells: BTreeMap<[String; 3], f64> = BTreeMap::new();
        for r in 0..resp.len() {
            let segs = response_segments(&resp, r);
            if segs.iter().all(|s| s != "不明" && !s.is_empty()) {
                *cells.entry(segs).or_default() += resp.i64(r, "n").unwrap_or(0) as f64;
            }
        }
        let units: Vec<([String; 3], f64)> = cells.into_iter().collect();
        let respondents: f64 = units.iter().map(|u| u.1).sum();
        let mut cats: Vec<Vec<usize>> = vec![Vec::new(); 3];
        let mut targets: Vec<Vec<f64>> = vec![Vec::new(); 3];
        let mut frame_total = 0.0;
        for m in 0..SEGMENTS.len() {
            let frame = frame_margin(&frame, m);
            let mut levels: Vec<String> = units.iter().map(|u| u.0[m].clone()).collect();
            levels.sort();
            levels.dedup();
            let t: Vec<f64> = levels.iter().map(|l| frame.get(l).copied().unwrap_or(0) as f64).collect();
            if m == 0 {
                frame_total = t.iter().sum();
            }
            targets[m] = t;
            cats[m] = units.iter().map(|u| levels.iter().position(|l| *l == u.0[m]).unwrap_or(0)).collect();
        }
        for t in targets.iter_mut() {
            let s: f64 = t.iter().sum();
            if s > 0.0 {
                t.iter_mut().for_each(|x| *x *= frame_total / s);
            }
        }
        let mut weights: Vec<f64> = units.iter().map(|u| u.1).collect();
        let converged = stats::rake(&mut weights, &cats, &targets, 1e-9, 1000);
        // Weight of one respondent per cell.
        let weight_of: BTreeMap<&[String; 3], f64> =
            units.iter().zip(&weights).map(|(u, w)| (&u.0, if u.1 > 0.0 { w / u.1 } else { 0.0 })).collect();
        let mut raw: BTreeMap<String, (i64, f64)> = q.options.iter().map(|o| (o.clone(), (0, 0.0))).collect();
        let (mut n_raw, mut n_w) = (0i64, 0.0);
        for r in 0..answers.len() {
            let n = answers.i64(r, "n").unwrap_or(0);
            n_raw += n;
            let wt = weight_of.get(&response_segments(&answers, r)).map(|w| w * n as f64);
            if let Some(wt) = wt {
                n_w += wt;
            }
            for l in q.labels(&answers.text(r, "answer").unwrap_or_default()) {
                let e = raw.entry(l).or_default();
                e.0 += n;
                if let Some(wt) = wt {
                    e.1 += wt;
                }
            }
        }
        let mut keyed: Vec<(String, (i64, f64))> = raw.into_iter().collect();
        keyed.sort_by_key(|(l, _)| q.order(l));
        let mut out = Output::new(vec![
            Column::dim("option", "選択肢", "Option"),
            Column::people("respondents", "回答者数", "Respondents"),
            Column::derived("raw_pct", "割合（重みなし）", "Share (raw)", "%"),
            Column::derived("weighted_pct", "割合（重み付け）", "Share (weighted)", "%"),
        ]);
        for (label, (c, wsum)) in keyed {
            out.rows.push(vec![
                Value::Text(label),
                Value::Int(c),
                Value::opt_num((n_raw > 0).then(|| 100.0 * c as f64 / n_raw as f64)),
                Value::opt_num((n_w > 0.0 && converged.is_some()).then(|| 100.0 * wsum / n_w)),
            ]);
        }
        match converged {
            Some(iters) => out.note(
                format!(
                    "レイキング: {} 人を名簿 {} 人に合わせて {iters} 回で収束",
                    respondents as i64, frame_total as i64
                ),
                format!(
                    "Raking: {} respondents to a roster of {} converged in {iters} sweeps",
                    respondents as i64, frame_total as i64
                ),
            ),
            None => out.note(
                "レイキングが収束しませんでした（重み付け推定なし）",
                "Raking did not converge (no weighted estimate)",
            ),
        }
        Ok(out)
    })
}

/// Roster counts on `d` (the sampling frame) per cell of (職種, 年齢階級, 地方), in one scan
/// grouped on the roster's own columns (年齢階級 and 地方 are worked out per group here).
async fn frame_cells(cx: &Cx<'_>, d: NaiveDate) -> Result<BTreeMap<[String; 3], i64>> {
    let batches = cx
        .batches(&format!(
            "SELECT profession, birth_year, prefecture_code, COUNT(*) AS n FROM member_spells
             WHERE {} GROUP BY 1, 2, 3",
            active_at(&date_sql(d))
        ))
        .await?;
    // Thousands of groups (one per 生年 and 都道府県) fold into a few hundred cells.
    let mut cells: std::collections::HashMap<(String, &str, &str), i64> = std::collections::HashMap::new();
    for b in &batches {
        let (profession, birth, pref, n) = (
            str_column(b, "profession")?,
            i64_column(b, "birth_year")?,
            i64_column(b, "prefecture_code")?,
            i64_column(b, "n")?,
        );
        for r in 0..b.num_rows() {
            let band = age_band_of(d.year(), birth.is_valid(r).then(|| birth.value(r)));
            let region = region_of(pref.is_valid(r).then(|| pref.value(r)));
            let p = if profession.is_valid(r) { profession.value(r) } else { "" };
            match cells.get_mut(&(p.to_string(), band, region)) {
                Some(c) => *c += n.value(r),
                None => {
                    cells.insert((p.to_string(), band, region), n.value(r));
                }
            }
        }
    }
    Ok(cells.into_iter().map(|((p, band, region), n)| ([p, band.to_string(), region.to_string()], n)).collect())
}

/// The respondent's segments of a row holding `profession`, `age_band` and `prefecture_code`
/// of survey_responses (as [`response_segment_sql`] gives them).
fn response_segments(f: &Frame, r: usize) -> [String; 3] {
    [
        f.text(r, "profession").unwrap_or_else(|| "不明".into()),
        f.text(r, "age_band").unwrap_or_else(|| "不明".into()),
        region_of(f.i64(r, "prefecture_code")).to_string(),
    ]
}

/// The margin of one segment (by its index in [`SEGMENTS`]) of the frame's cells.
fn frame_margin(cells: &BTreeMap<[String; 3], i64>, seg: usize) -> BTreeMap<String, i64> {
    let mut m = BTreeMap::new();
    for (k, n) in cells {
        *m.entry(k[seg].clone()).or_default() += n;
    }
    m
}
