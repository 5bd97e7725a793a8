//! A questionnaire proposed from a survey tool's export (`oncometrics survey draft-questions`):
//! one 設問ID per question, the kind inferred from the answers, the options in the order the
//! tool shows them (per-option columns) or first seen — for the committee to review and load
//! as `survey_questions`. A choice question with an 「その他」 option gets a text question
//! `<設問ID>_other` for what respondents wrote there. A question whose text is last year's keeps last year's 設問ID, so
//! `survey.trend` follows it; a reworded one is proposed with its closest match.

use std::path::Path;

use super::layout::{self, Layout, OptionColumn};
use super::question::{Question, one_line, text_key};
use super::tool::{self, Tool};
use crate::error::{Error, Result};
use crate::headers::key;
use crate::spec::SURVEY_RESPONSES;
use crate::table::RawTable;

/// Likert scales as offices word them, lowest first.
const LIKERT_SCALES: &[[&str; 5]] = &[
    ["不満", "やや不満", "どちらともいえない", "やや満足", "満足"],
    ["全くそう思わない", "あまりそう思わない", "どちらともいえない", "ややそう思う", "とてもそう思う"],
    ["そう思わない", "あまりそう思わない", "どちらともいえない", "ややそう思う", "そう思う"],
    ["全く重要でない", "あまり重要でない", "どちらともいえない", "やや重要", "とても重要"],
];

/// Distinct answers up to which a one-column question is single choice rather than text.
const MAX_OPTIONS: usize = 12;

/// A proposed questionnaire.
#[derive(Debug)]
pub struct Draft {
    pub tool: Tool,
    pub year: i32,
    pub questions: Vec<Question>,
    /// 設問IDs kept from last year (the text is the same).
    pub carried: Vec<String>,
    /// Reworded questions: (new 設問ID, its closest question of last year, similarity 0–1).
    pub similar: Vec<(String, Question, f64)>,
}

impl Draft {
    /// The draft in the `survey_questions` layout (UTF-8 with BOM, as Excel opens it).
    pub fn to_csv(&self) -> Result<Vec<u8>> {
        let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
        let err = |e: csv::Error| Error::Usage(format!("csv: {e}"));
        w.write_record(["年度", "設問ID", "設問文", "形式", "選択肢"]).map_err(err)?;
        for q in &self.questions {
            w.write_record([self.year.to_string(), q.id.clone(), q.text.clone(), q.kind.clone(), q.options.join(";")])
                .map_err(err)?;
        }
        w.into_inner().map_err(|e| Error::Usage(format!("csv: {e}")))
    }
}

/// Proposes the questionnaire of `year` from an export read into `table` (the tool detected,
/// or `forced`), keeping the 設問IDs of `last_year`'s questions whose text is unchanged.
pub fn draft(path: &Path, table: &RawTable, forced: Option<Tool>, year: i32, last_year: &[Question]) -> Result<Draft> {
    let tool = forced.or_else(|| tool::detect(&table.headers)).ok_or_else(|| {
        Error::file(
            path,
            "どのアンケートツールの書き出しか分かりません。--source で指定してください",
            "cannot tell which survey tool exported this file; give --source",
        )
    })?;
    let layout = layout::layout(path, tool, table)?;
    let segments: Vec<String> = SURVEY_RESPONSES
        .columns
        .iter()
        .flat_map(|c| [c.ja, c.key].into_iter().chain(c.aliases.iter().copied()))
        .map(key)
        .collect();
    // Questions in column order: (text, columns with their options).
    let mut asked: Vec<(String, Vec<OptionColumn>)> = Vec::new();
    for (i, (h, col)) in table.headers.iter().zip(&layout.columns).enumerate() {
        let k = key(h);
        let skip = tool.metadata().contains(&k.as_str())
            || tool.id_header(&k)
            || col.other_text
            || col.text.trim().is_empty()
            || segments.contains(&key(&col.text))
            || segments.contains(&k);
        if skip {
            continue;
        }
        match asked.iter_mut().find(|(t, _)| text_key(t) == text_key(&col.text)) {
            Some((_, cols)) => cols.push((i, col.option.clone())),
            None => asked.push((col.text.clone(), vec![(i, col.option.clone())])),
        }
    }
    let mut next =
        last_year.iter().filter_map(|q| q.id.trim_start_matches(['Q', 'q']).parse::<u32>().ok()).max().unwrap_or(0);
    let (mut questions, mut carried, mut similar) = (Vec::new(), Vec::new(), Vec::new());
    for (text, cols) in &asked {
        let (kind, options) = infer(tool, table, &layout, cols);
        let text = one_line(text);
        let same = last_year.iter().find(|q| text_key(&q.text) == text_key(&text));
        let id = match same {
            Some(q) => {
                carried.push(q.id.clone());
                q.id.clone()
            }
            None => {
                next += 1;
                let id = format!("Q{next:02}");
                let near = last_year
                    .iter()
                    .map(|q| (strsim::normalized_levenshtein(&text_key(&q.text), &text_key(&text)), q))
                    .max_by(|a, b| a.0.total_cmp(&b.0))
                    .filter(|(s, _)| *s >= 0.5);
                if let Some((s, q)) = near {
                    similar.push((id.clone(), q.clone(), s));
                }
                id
            }
        };
        // A choice with 「その他」 gets a text question for what respondents wrote there.
        let other =
            kind != "text" && options.iter().any(|o| o.starts_with("その他") || o.eq_ignore_ascii_case("other"));
        let other_question = other.then(|| Question {
            id: format!("{id}_other"),
            text: format!("{text}（その他の内容）"),
            kind: "text".into(),
            options: Vec::new(),
        });
        questions.push(Question { id, text, kind, options });
        questions.extend(other_question);
    }
    Ok(Draft { tool, year, questions, carried, similar })
}

/// A question's kind and options from its columns' answers.
fn infer(tool: Tool, table: &RawTable, layout: &Layout, cols: &[OptionColumn]) -> (String, Vec<String>) {
    if cols.iter().any(|(_, o)| o.is_some()) {
        return ("multi".into(), cols.iter().filter_map(|(_, o)| o.clone()).collect());
    }
    let c = cols[0].0;
    let mut values: Vec<String> = Vec::new();
    let mut parts: Vec<String> = Vec::new();
    let (mut joined, mut answered, mut occurrences) = (false, 0usize, 0usize);
    for row in table.rows().skip(layout.header_rows) {
        let v = crate::normalize::text(row.cell(c)).trim().to_string();
        if v.is_empty() {
            continue;
        }
        answered += 1;
        if !values.contains(&v) {
            values.push(v.clone());
        }
        let split: Vec<String> =
            v.split(tool.separator().trim()).map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect();
        joined |= split.len() > 1;
        occurrences += split.len();
        for p in split {
            if !parts.contains(&p) {
                parts.push(p);
            }
        }
    }
    if !values.is_empty() && values.iter().all(|v| matches!(v.as_str(), "1" | "2" | "3" | "4" | "5")) {
        return ("likert5".into(), Vec::new());
    }
    if let Some(scale) = LIKERT_SCALES.iter().find(|s| values.iter().all(|v| s.contains(&v.as_str()))) {
        return ("likert5".into(), scale.iter().map(|s| s.to_string()).collect());
    }
    // Options joined by the tool's separator, some chosen by more than one respondent.
    if joined && parts.len() <= MAX_OPTIONS && occurrences > parts.len() {
        return ("multi".into(), parts);
    }
    // A choice question's answers repeat; a free answer's rarely do.
    if !values.is_empty() && values.len() <= MAX_OPTIONS && values.len() * 2 <= answered {
        return ("single".into(), values);
    }
    ("text".into(), Vec::new())
}

/// The questionnaire of `year` as loaded in the warehouse (empty when it is not).
pub fn loaded_questionnaire(wh: &store::Warehouse, year: i32) -> Result<Vec<Question>> {
    use arrow::array::{Array, AsArray};
    let sql = format!(
        "{} AND CAST(fiscal_year AS VARCHAR) = ? ORDER BY question_id",
        store::sql::current(&store::schema::SURVEY_QUESTIONS, "question_id, text, kind, options")
    );
    let mut out = Vec::new();
    for b in wh.query_arrow_with(&sql, &[&year.to_string()])? {
        let (id, text, kind, options) = (
            b.column(0).as_string::<i32>(),
            b.column(1).as_string::<i32>(),
            b.column(2).as_string::<i32>(),
            b.column(3).as_string::<i32>(),
        );
        for i in 0..b.num_rows() {
            out.push(Question {
                id: id.value(i).to_string(),
                text: text.value(i).to_string(),
                kind: kind.value(i).to_string(),
                options: if options.is_valid(i) {
                    crate::datasets::survey::split_choices(options.value(i))
                } else {
                    Vec::new()
                },
            });
        }
    }
    Ok(out)
}
