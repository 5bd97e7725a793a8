//! Survey questions as asked in one 年度: their kind and options, how an answer maps to
//! option labels, and the answers to one question, per respondent or aggregated.

use crate::error::Result;
use crate::metric::{ALL, Cx, EvalFuture, Group, MetricDef, Output, ParamKind, ParamSpec};
use crate::result::{Column, Value};
use crate::snapshot::{Build, Derived};

/// A question of one 年度: its kind and options.
pub(super) struct Question {
    pub text: String,
    pub kind: String,
    pub options: Vec<String>,
}

pub(super) async fn question(cx: &Cx<'_>, id: &str, fy: i64) -> Result<Question> {
    let f = cx
        .frame_with(
            &format!("SELECT text, kind, options FROM survey_questions WHERE fiscal_year = {fy} AND question_id = $1"),
            &[id],
        )
        .await?;
    if f.is_empty() {
        return Err(cx.bad("question", id, &format!("not asked in 年度 {fy} / {fy}年度にこの設問はありません")));
    }
    Ok(Question::new(
        f.text(0, "text").unwrap_or_default(),
        f.text(0, "kind").unwrap_or_default(),
        &f.text(0, "options").unwrap_or_default(),
    ))
}

impl Question {
    /// A question from its stored columns (options `;`-separated).
    pub fn new(text: String, kind: String, options: &str) -> Self {
        Question { text, kind, options: options.split(';').filter(|s| !s.is_empty()).map(str::to_owned).collect() }
    }

    /// The answer's option labels (Likert codes 1…n become their labels; multi answers split).
    pub fn labels(&self, answer: &str) -> Vec<String> {
        let parts: Vec<&str> = if self.kind == "multi" { answer.split(';').collect() } else { vec![answer] };
        parts
            .into_iter()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|a| match a.parse::<usize>() {
                Ok(i) if self.kind.starts_with("likert") && i >= 1 && i <= self.options.len() => {
                    self.options[i - 1].clone()
                }
                _ => a.to_string(),
            })
            .collect()
    }

    pub fn order(&self, label: &str) -> (usize, String) {
        (self.options.iter().position(|o| o == label).unwrap_or(usize::MAX), label.to_string())
    }
}

/// The 年度 whose survey had closed (締切日) by the as-of date: what was known then.
pub(super) async fn known_years(cx: &Cx<'_>) -> Result<std::collections::BTreeSet<i64>> {
    let f = cx.frame("SELECT fiscal_year, closed_on FROM survey_waves").await?;
    Ok((0..f.len())
        .filter(|&r| f.date(r, "closed_on").is_some_and(|d| d <= cx.as_of))
        .filter_map(|r| f.i64(r, "fiscal_year"))
        .collect())
}

/// The chosen 年度 (default: the latest wave closed by the as-of date). A 年度 whose survey
/// had not closed by then is refused: its answers were not known at that date.
pub(super) async fn chosen_year(cx: &Cx<'_>) -> Result<i64> {
    let known = known_years(cx).await?;
    match cx.int("fiscal_year")? {
        Some(y) if known.contains(&y) => Ok(y),
        Some(y) => Err(cx.bad(
            "fiscal_year",
            &y.to_string(),
            &format!(
                "{y} 年度のアンケートは基準日 {} までに締め切られていないか、ありません / not closed by the as-of date",
                cx.as_of
            ),
        )),
        None => known.last().copied().ok_or_else(|| {
            cx.bad(
                "as_of",
                &cx.as_of.to_string(),
                "この基準日までに締め切られたアンケートはありません / no survey had closed by this date",
            )
        }),
    }
}

/// Answers of one question and 年度 aggregated in DataFusion: (respondents, distinct
/// answer texts with their counts).
/// `answer_counts`: respondents per 年度, closed question and answer as given (a
/// multi-choice answer keeps its `;`-separated choices) — a few thousand rows however
/// many respondents, so distributions and trends do not scan every answer per request.
pub const ANSWER_COUNTS: Derived = Derived {
    name: "answer_counts",
    from: &["survey_answers", "survey_questions"],
    build: Build::Sql(|| {
        "SELECT a.fiscal_year, a.question_id, a.answer, COUNT(*) AS n
         FROM survey_answers a JOIN survey_questions q ON q.fiscal_year = a.fiscal_year AND q.question_id = a.question_id
         WHERE q.kind <> 'text' GROUP BY 1, 2, 3"
            .to_string()
    }),
};

pub(super) async fn answer_counts(cx: &Cx<'_>, id: &str, fy: i64) -> Result<(i64, Vec<(String, i64)>)> {
    let f = cx
        .frame_with(
            &format!("SELECT answer, n FROM answer_counts WHERE fiscal_year = {fy} AND question_id = $1"),
            &[id],
        )
        .await?;
    let rows: Vec<(String, i64)> =
        (0..f.len()).map(|r| (f.text(r, "answer").unwrap_or_default(), f.i64(r, "n").unwrap_or(0))).collect();
    Ok((rows.iter().map(|r| r.1).sum(), rows))
}

pub(super) const QUESTION_PARAM: ParamSpec = ParamSpec {
    name: "question",
    kind: ParamKind::Text,
    default: "Q01",
    doc: "設問ID, e.g. Q01",
    doc_ja: "設問ID（例: Q01）",
    required: false,
};
pub(super) const YEAR_PARAM: ParamSpec = ParamSpec {
    name: "fiscal_year",
    kind: ParamKind::Int { min: 1900, max: 2100 },
    default: "",
    doc: "年度 (default: the latest wave)",
    doc_ja: "年度（既定: 最新の調査）",
    required: false,
};

pub const QUESTIONS: MetricDef = MetricDef {
    name: "survey.questions",
    group: Group::Survey,
    title_ja: "設問一覧",
    title_en: "Questions of a survey wave",
    summary: "The questions of one 年度 with their kind and options, as asked.",
    summary_ja: "ある年度の設問を、種類と選択肢とともに、聞いたとおりに示します。",
    definition: "The survey_questions rows of the 年度: 設問ID, text, kind (single, multi, likert5, text) and options \
        in their order.",
    definition_ja: "その年度の設問一覧: 設問ID、設問文、形式（単一選択・複数選択・5段階・自由記述）、選択肢（順番ど\
        おり）。",
    unit: "問",
    sources: &["survey_questions"],
    caveats: &[],
    caveats_ja: &[],
    by: &[""],
    params: &[YEAR_PARAM],
    audiences: ALL,
    eval: questions,
};

/// The kind of a question in Japanese.
pub fn kind_ja(kind: &str) -> &str {
    match kind {
        "single" => "単一回答",
        "multi" => "複数回答",
        "text" => "自由記述",
        k if k.starts_with("likert") => "段階評価",
        k => k,
    }
}

fn questions<'a>(cx: &'a Cx<'a>) -> EvalFuture<'a> {
    Box::pin(async move {
        let fy = chosen_year(cx).await?;
        let f = cx
            .frame(&format!(
                "SELECT question_id, text, kind, options FROM survey_questions WHERE fiscal_year = {fy}
                 ORDER BY question_id"
            ))
            .await?;
        if f.is_empty() {
            return Err(cx.bad(
                "fiscal_year",
                &fy.to_string(),
                "no questions in this 年度 / この年度の設問がありません",
            ));
        }
        let mut out = Output::new(vec![
            Column::dim("question_id", "設問ID", "Question"),
            Column::label("fiscal_year", "年度", "Fiscal year"),
            Column::label("text", "設問文", "Text"),
            Column::label("kind", "形式", "Kind"),
            Column::label("kind_ja", "形式（日本語）", "Kind (Japanese)"),
            Column::label("options", "選択肢", "Options"),
        ]);
        for r in 0..f.len() {
            let kind = f.text(r, "kind").unwrap_or_default();
            let q = Question::new(String::new(), kind.clone(), &f.text(r, "options").unwrap_or_default());
            out.rows.push(vec![
                Value::text(f.text(r, "question_id").unwrap_or_default()),
                Value::Int(fy),
                Value::text(f.text(r, "text").unwrap_or_default()),
                Value::text(kind.clone()),
                Value::text(kind_ja(&kind)),
                Value::text(q.options.join(" / ")),
            ]);
        }
        Ok(out)
    })
}

/// The question and 年度 a metric was asked about, refusing a free-text question.
pub(super) async fn closed_question(cx: &Cx<'_>) -> Result<(i64, String, Question)> {
    let fy = chosen_year(cx).await?;
    let id = cx.text("question");
    let q = question(cx, &id, fy).await?;
    if q.kind == "text" {
        return Err(cx.bad("question", &id, "a free-text question / 自由記述の設問です"));
    }
    Ok((fy, id, q))
}
