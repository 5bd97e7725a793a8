//! Survey estimates weighted back to the roster: respondents raked to the roster's
//! margins of 職種, 年齢階級 and 地方 on the wave's 開始日.

use std::collections::BTreeMap;

use super::common::region_of;
use super::common::{FRAME_CAVEAT, FRAME_CAVEAT_JA, SEGMENTS};
use super::questions::{QUESTION_PARAM, YEAR_PARAM, closed_question};
use crate::error::Result;
use crate::frame::Frame;
use crate::metric::{ALL, Cx, EvalFuture, Group, MetricDef, Output};
use crate::result::{Column, Value};
use crate::snapshot::{Build, Derived};
use crate::stats;

/// `response_cells`: respondents per 年度, 職種, 年齢階級 and 都道府県 as the responses
/// state them (a few thousand rows at any scale): the starting cells of the raking.
pub const RESPONSE_CELLS: Derived = Derived {
    name: "response_cells",
    from: &["survey_responses"],
    build: Build::Sql(|| {
        "SELECT fiscal_year, profession, age_band, prefecture_code, COUNT(*) AS n FROM survey_responses GROUP BY 1, 2, 3, 4"
            .to_string()
    }),
};

pub const WEIGHTED: MetricDef = MetricDef {
    name: "survey.weighted",
    group: Group::Survey,
    title_ja: "名簿に合わせた重み付け推定",
    title_en: "Estimates weighted to the roster (raking)",
    summary: "One question's answer shares, raw and weighted by raking respondents to the roster margins of 職種, 年齢階級 and 地方.",
    summary_ja: "一つの設問の回答の割合を、そのままの値と、職種・年齢階級・地方の名簿の構成に合わせて重み付け（レイキング）した値で示します。",
    definition: "Respondents with all three segments known start at weight 1 and are raked (iterative proportional \
        fitting, relative tolerance 1e-9, at most 1,000 sweeps) so that their weighted counts equal the roster's on \
        the wave's 開始日 for each 職種, each 年齢階級 and each 地方 (margins restricted to the categories respondents \
        fall in, each scaled to the same total). The weighted share of an option is the weighted count choosing it / the \
        weighted count answering.",
    definition_ja: "三つの区分（職種・年齢階級・地方）がすべて分かる回答者を重み 1 から始め、レイキング（反復比例当\
        てはめ、相対許容誤差 1e-9、最大 1,000 回）で、重み付きの人数が調査開始日の名簿の職種別・年齢階級別・地方別の\
        人数に一致するようにします（周辺分布は回答者のいる区分に限り、同じ合計に合わせます）。選択肢の重み付き割合 = そ\
        れを選んだ重み付き人数 ÷ 回答した重み付き人数。",
    unit: "%",
    sources: &["survey_waves", "survey_questions", "survey_answers", "survey_responses", "members", "member_history"],
    caveats: &[FRAME_CAVEAT, "Respondents with an unknown segment are left out of the weighted estimate."],
    caveats_ja: &[FRAME_CAVEAT_JA, "区分の分からない回答者は重み付き推定から除きます。"],
    by: &[""],
    params: &[QUESTION_PARAM, YEAR_PARAM],
    audiences: ALL,
    eval: weighted,
};

fn weighted<'a>(cx: &'a Cx<'a>) -> EvalFuture<'a> {
    Box::pin(async move {
        let (fy, id, q) = closed_question(cx).await?;
        // Respondents are raked as cells of (職種, 年齢階級, 地方): every respondent of a cell
        // gets the same weight, so the cell's count is its starting weight. Each answer
        // carries its respondent's segments (the snapshot joined them once), so neither
        // query joins; 地方 is worked out per group.
        let started = std::time::Instant::now();
        let answers = cx
            .frame_with(
                &format!(
                    "SELECT profession, age_band, prefecture_code, answer, COUNT(*) AS n FROM survey_answers
                     WHERE fiscal_year = {fy} AND question_id = $1 GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
                ),
                &[&id],
            )
            .await?;
        let Raking { weight_of, converged, respondents, frame_total } = raking(cx, fy).await?;
        let raked = started.elapsed().as_secs_f64() * 1000.0;
        let mut raw: BTreeMap<String, (i64, f64)> = q.options.iter().map(|o| (o.clone(), (0, 0.0))).collect();
        let (mut n_raw, mut n_w) = (0i64, 0.0);
        for r in 0..answers.len() {
            let n = answers.i64(r, "n").unwrap_or(0);
            n_raw += n;
            let wt = weight_of.get(&respondent_segments(&answers, r)).map(|w| w * n as f64);
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
        tracing::debug!(
            metric = WEIGHTED.name,
            ms = started.elapsed().as_secs_f64() * 1000.0,
            raked_ms = raked,
            cells = weight_of.len(),
            sweeps = converged.unwrap_or(0),
            "read and raked"
        );
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
                    model::thousands(respondents as i64),
                    model::thousands(frame_total as i64)
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

/// Respondent weights of a 年度's wave, raked to the roster on its 開始日.
pub(super) struct Raking {
    /// The weight of one respondent of each (職種, 年齢階級, 地方) cell.
    pub weight_of: BTreeMap<[String; 3], f64>,
    /// Sweeps to converge; None when raking did not converge (no weighted estimate).
    pub converged: Option<usize>,
    /// Respondents with all three segments known.
    pub respondents: f64,
    /// The roster on the wave's 開始日.
    pub frame_total: f64,
}

/// Rakes the respondents of `fy` (each cell of known segments starts at its count) so that
/// their weighted counts equal the roster's margins; see [`WEIGHTED`].
pub(super) async fn raking(cx: &Cx<'_>, fy: i64) -> Result<Raking> {
    let resp = cx
        .frame(&format!("SELECT profession, age_band, prefecture_code, n FROM response_cells WHERE fiscal_year = {fy}"))
        .await?;
    let frame = frame_cells(cx, fy).await?;
    if frame.is_empty() {
        // No frame: a 年度 without a wave (or without its 開始日), or a roster empty then.
        let w = cx.frame(&format!("SELECT opened_on FROM survey_waves WHERE fiscal_year = {fy}")).await?;
        if w.date(0, "opened_on").is_none() {
            return Err(cx.bad("fiscal_year", &fy.to_string(), "no wave / 調査回がありません"));
        }
    }
    // Cells with every segment known, and their respondents.
    let mut cells: BTreeMap<[String; 3], f64> = BTreeMap::new();
    for r in 0..resp.len() {
        let segs = respondent_segments(&resp, r);
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
    let weight_of: BTreeMap<[String; 3], f64> =
        units.iter().zip(&weights).map(|(u, w)| (u.0.clone(), if u.1 > 0.0 { w / u.1 } else { 0.0 })).collect();
    Ok(Raking { weight_of, converged, respondents, frame_total })
}

/// Roster counts on the wave's 開始日 (the sampling frame) per cell of (職種, 年齢階級, 地方).
async fn frame_cells(cx: &Cx<'_>, fy: i64) -> Result<BTreeMap<[String; 3], i64>> {
    let f =
        cx.frame(&format!("SELECT profession, age_band, region, n FROM wave_frames WHERE fiscal_year = {fy}")).await?;
    Ok((0..f.len())
        .map(|r| {
            let text = |c: &str| f.text(r, c).unwrap_or_default();
            ([text("profession"), text("age_band"), text("region")], f.i64(r, "n").unwrap_or(0))
        })
        .collect())
}

/// The respondent's segments of a row holding `profession`, `age_band` and
/// `prefecture_code` (of survey_responses, or carried by survey_answers).
pub(super) fn respondent_segments(f: &Frame, r: usize) -> [String; 3] {
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
