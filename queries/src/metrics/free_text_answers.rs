//! The free-text answers the survey.terms and survey.kwic metrics read: selected with their
//! respondent's segment (設問IDs bound as parameters), and every distinct answer analysed
//! once per snapshot ([`Snapshot::free_text_terms`]).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::array::Array;

use super::common::FastMap;
use super::questions::question;
use super::survey::respondent_segment_sql;
use crate::error::Result;
use crate::frame::{Frame, i64_column, str_column};
use crate::metric::Cx;
use crate::snapshot::Snapshot;
use crate::text::{Analyzer, Term, TermIndex, Unit};

/// One free-text answer.
pub(super) struct Answer {
    pub(super) fiscal_year: i64,
    pub(super) response_id: String,
    pub(super) segment: String,
    pub(super) text: String,
}

/// The non-empty free-text answers of `year` (every year when `None`), with the
/// respondent's segment (`seg` as in survey `--by`; "" for none, or fiscal_year); in the
/// order of 年度, 回答ID and 設問ID when `ordered`.
pub(super) async fn text_answers(cx: &Cx<'_>, year: Option<i64>, seg: &str, ordered: bool) -> Result<Vec<Answer>> {
    let id = cx.text("question");
    if !id.is_empty() {
        let years: Vec<i64> = match year {
            Some(y) => vec![y],
            None => {
                let f = cx
                    .frame_with("SELECT fiscal_year FROM survey_questions WHERE question_id = $1 ORDER BY 1", &[&id])
                    .await?;
                (0..f.len()).filter_map(|r| f.i64(r, "fiscal_year")).collect()
            }
        };
        if years.is_empty() {
            return Err(cx.bad("question", &id, "no such question / この設問はありません"));
        }
        for fy in years {
            if question(cx, &id, fy).await?.kind != "text" {
                return Err(cx.bad("question", &id, "not a free-text question / 自由記述の設問ではありません"));
            }
        }
    }
    let seg_sql = match seg {
        "" => "''".to_string(),
        "fiscal_year" => "CAST(a.fiscal_year AS VARCHAR)".to_string(),
        s => respondent_segment_sql(s, "a"),
    };
    // The free-text questions of each year, named in the filter: picking answers by their
    // 設問ID takes a fraction of joining every answer of the year to the questions.
    let mut which = String::from(" WHERE kind = 'text'");
    let mut values: Vec<&str> = Vec::new();
    if !id.is_empty() {
        which.push_str(" AND question_id = $1");
        values.push(&id);
    }
    if let Some(y) = year {
        which.push_str(&format!(" AND fiscal_year = {y}"));
    }
    let qs = cx.frame_with(&format!("SELECT fiscal_year, question_id FROM survey_questions{which}"), &values).await?;
    let Some((filter, ids)) = answer_filter(&qs) else { return Ok(Vec::new()) };
    // Each answer carries its respondent's segments; the regions are joined only for 地方.
    let regions = if matches!(seg, "" | "fiscal_year") {
        ""
    } else {
        "LEFT JOIN prefecture_regions g ON g.prefecture_code = a.prefecture_code"
    };
    let order = if ordered { "ORDER BY a.fiscal_year, a.response_id, a.question_id" } else { "" };
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let batches = cx
        .batches_with(
            &format!(
                "SELECT a.fiscal_year, a.response_id, a.answer, {seg_sql} AS seg FROM survey_answers a
                 {regions}
                 WHERE ({filter}) AND trim(a.answer) <> '' {order}"
            ),
            &ids,
        )
        .await?;
    let mut answers = Vec::with_capacity(batches.iter().map(|b| b.num_rows()).sum());
    for b in &batches {
        let (fy, id, text, seg) = (
            i64_column(b, "fiscal_year")?,
            str_column(b, "response_id")?,
            str_column(b, "answer")?,
            str_column(b, "seg")?,
        );
        let s = |a: &arrow::array::StringArray, r: usize| {
            if a.is_valid(r) { a.value(r).to_string() } else { String::new() }
        };
        for r in 0..b.num_rows() {
            answers.push(Answer {
                fiscal_year: if fy.is_valid(r) { fy.value(r) } else { 0 },
                response_id: s(&id, r),
                segment: s(&seg, r),
                text: s(&text, r),
            });
        }
    }
    Ok(answers)
}

/// SQL: the answers (`survey_answers a`) to the questions listed in `qs` (fiscal_year,
/// question_id), with the 設問IDs as values for its placeholders `$1`, `$2`, …; None when
/// it lists none.
fn answer_filter(qs: &Frame) -> Option<(String, Vec<String>)> {
    let mut by_year: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for r in 0..qs.len() {
        if let (Some(fy), Some(q)) = (qs.i64(r, "fiscal_year"), qs.text(r, "question_id")) {
            by_year.entry(fy).or_default().push(q);
        }
    }
    let mut values = Vec::new();
    let mut parts = Vec::new();
    for (fy, ids) in by_year {
        let marks: Vec<String> = ids.iter().enumerate().map(|(i, _)| format!("${}", values.len() + i + 1)).collect();
        parts.push(format!("(a.fiscal_year = {fy} AND a.question_id IN ({}))", marks.join(", ")));
        values.extend(ids);
    }
    (!parts.is_empty()).then(|| (parts.join(" OR "), values))
}

impl Snapshot {
    /// The terms of every free-text answer, analysed on first use (the dashboard does it in
    /// the background when it reads a snapshot): the morphological analysis is most of what
    /// counting terms would otherwise take per request.
    pub async fn free_text_terms(&self) -> Result<Arc<TermIndex>> {
        self.derived_once(|| analyse_answers(self)).await
    }
}

/// Every distinct non-empty answer to a free-text question in the snapshot, analysed in
/// both units (see [`Snapshot::free_text_terms`]).
pub(crate) async fn analyse_answers(snapshot: &Snapshot) -> Result<TermIndex> {
    let started = std::time::Instant::now();
    let qs = Frame::from_batches(
        &snapshot.sql("SELECT fiscal_year, question_id FROM survey_questions WHERE kind = 'text'").await?,
    );
    let Some((filter, ids)) = answer_filter(&qs) else { return Ok(TermIndex::default()) };
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let batches = snapshot
        .sql_with(
            &format!("SELECT DISTINCT a.answer FROM survey_answers a WHERE ({filter}) AND trim(a.answer) <> ''"),
            &ids,
        )
        .await?;
    let columns = batches.iter().map(|b| str_column(b, "answer")).collect::<Result<Vec<_>>>()?;
    let texts = columns.iter().flat_map(|c| c.iter().flatten());
    let index = TermIndex::build(Analyzer::shared()?, texts);
    tracing::debug!(texts = index.len(), ms = started.elapsed().as_secs_f64() * 1000.0, "free-text answers analysed");
    Ok(index)
}

/// The terms of each text in `unit`: from the snapshot's index, analysing on the spot
/// only what the index lacks.
pub(super) fn terms_for<'i>(index: &'i TermIndex, texts: &[&str], unit: Unit) -> Result<Vec<Cow<'i, [Term]>>> {
    let missing: Vec<&str> = texts.iter().copied().filter(|t| index.get(t, unit).is_none()).collect();
    let mut analysed =
        if missing.is_empty() { Vec::new() } else { Analyzer::shared()?.terms_of(missing, unit) }.into_iter();
    Ok(texts
        .iter()
        .map(|t| match index.get(t, unit) {
            Some(terms) => Cow::Borrowed(terms),
            None => Cow::Owned(analysed.next().unwrap_or_default()),
        })
        .collect())
}

/// The distinct answer texts, each analysed once (short answers such as 特になし recur):
/// text → index, and the texts by index.
pub(super) fn distinct_texts(answers: &[Answer]) -> (FastMap<&str, usize>, Vec<&str>) {
    let mut distinct: FastMap<&str, usize> = FastMap::default();
    let mut texts = Vec::new();
    for a in answers {
        distinct.entry(a.text.as_str()).or_insert_with(|| {
            texts.push(a.text.as_str());
            texts.len() - 1
        });
    }
    (distinct, texts)
}
