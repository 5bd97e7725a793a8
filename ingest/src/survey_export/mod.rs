//! Survey answers as survey tools export them, reshaped into the `survey_responses` layout (one
//! row per respondent, a column per 設問ID, multi-choice answers `;`-joined), so that the
//! committee loads the download itself. What a tool adds about a respondent (timestamps,
//! e-mail, names) is left out before anything else happens, and listed.
//!
//! Tools ([`Tool`]): Google Forms (responses CSV), Microsoft Forms (Excel), SurveyMonkey
//! (expanded CSV, two header rows), Qualtrics (CSV/TSV, three header rows), LimeSurvey (CSV, full
//! text or code headings). Each column is matched to the year's 設問文 (NFKC, whitespace and line
//! breaks ignored, the tools' suffixes removed) or 設問ID, to a segment column (職種, 年齢階級,
//! 勤務先都道府県, 会員番号) by its name, or by the header-mapping file (header → 設問ID or column
//! name), which overrides both.
//!
//! - `tool`: the tools and how their headers tell them apart ([`detect`]);
//! - `layout`: each tool's header rows read into one shape (question text, per-option columns);
//! - `question`: a question of the questionnaire, and how texts are compared;
//! - [`draft`]: a questionnaire proposed from an export.

pub mod draft;
mod layout;
mod question;
mod tool;

use layout::OptionColumn;
pub use question::Question;
use question::{one_line, text_key};
pub use tool::{Tool, detect};

use std::collections::HashMap;
use std::path::Path;

use crate::error::{Error, Result};
use crate::headers::{HeaderMap, key};
use crate::spec::SURVEY_RESPONSES;
use crate::table::RawTable;

/// An export reshaped: the table in the `survey_responses` layout (rows keep their lines) and
/// what the user should be told (the tool, what was dropped, how columns were matched).
#[derive(Debug)]
pub struct Reshaped {
    pub table: RawTable,
    pub notes: Vec<String>,
}

/// What a column of the export becomes.
#[derive(Debug, Clone)]
enum Role {
    /// The respondent's id (Microsoft Forms' `ID`).
    ResponseId,
    /// Left out: what the tool adds about the respondent.
    Dropped,
    /// A column of the responses layout (職種 …), by its Japanese name.
    Segment(&'static str),
    /// A question of the questionnaire (its index), and the option a per-option column holds.
    Question(usize, Option<String>),
    /// The free text of an 「その他」, and the question it belongs to (when its text says).
    OtherText(Option<usize>),
}

/// Reshapes an export of `tool` into the responses layout for 年度 `year`.
pub fn reshape(
    path: &Path,
    tool: Tool,
    table: &RawTable,
    year: i32,
    questions: &[Question],
    user: &HeaderMap,
) -> Result<Reshaped> {
    let by_text: HashMap<String, usize> = questions.iter().enumerate().map(|(i, q)| (text_key(&q.text), i)).collect();
    let by_id: HashMap<String, usize> = questions.iter().enumerate().map(|(i, q)| (key(&q.id), i)).collect();
    let segments: Vec<(&'static str, Vec<String>)> = SURVEY_RESPONSES
        .columns
        .iter()
        .filter(|c| !matches!(c.key, "fiscal_year" | "response_id"))
        .map(|c| (c.ja, [c.ja, c.key].iter().chain(c.aliases.iter()).map(|n| key(n)).collect()))
        .collect();
    let metadata = tool.metadata();
    let layout = layout::layout(path, tool, table)?;
    let mut roles: Vec<Role> = Vec::with_capacity(table.headers.len());
    let mut unmatched: Vec<(usize, String)> = Vec::new();
    for (i, (h, col)) in table.headers.iter().zip(&layout.columns).enumerate() {
        let k = key(h);
        let mapped = [user.resolve(h), user.resolve(&col.text)];
        let option = col.option.clone();
        let by_map = mapped.iter().find_map(|m| by_id.get(m).filter(|_| *m != k && *m != key(&col.text)));
        let role = if let Some(&q) = by_map {
            Some(Role::Question(q, option))
        } else if let Some((ja, _)) = segments.iter().find(|(_, names)| mapped.iter().any(|m| names.contains(m))) {
            Some(Role::Segment(ja))
        } else if tool.id_header(&k) {
            Some(Role::ResponseId)
        } else if metadata.contains(&k.as_str()) || (k.is_empty() && col.text.trim().is_empty() && !table.has_data(i)) {
            Some(Role::Dropped)
        } else if col.other_text {
            Some(Role::OtherText(by_text.get(&text_key(&col.text)).copied()))
        } else {
            by_text
                .get(&text_key(&col.text))
                .or_else(|| by_id.get(&key(&col.text)))
                .or_else(|| renamed(tool, &k).and_then(|b| by_text.get(&b)))
                .map(|&q| Role::Question(q, option))
        };
        match role {
            Some(r) => roles.push(r),
            None => {
                unmatched.push((i, if col.text.trim().is_empty() { h.clone() } else { col.text.clone() }));
                roles.push(Role::Dropped);
            }
        }
    }
    if !unmatched.is_empty() {
        return Err(unmatched_error(path, year, &unmatched, questions));
    }
    let mut whole: Vec<usize> =
        roles.iter().filter_map(|r| if let Role::Question(q, None) = r { Some(*q) } else { None }).collect();
    whole.sort_unstable();
    if let Some(w) = whole.windows(2).find(|w| w[0] == w[1]) {
        let q = &questions[w[0]];
        return Err(Error::file(
            path,
            format!("設問 {}「{}」に当たる列が 2 つあります", q.id, q.text),
            format!("two columns match question {} («{}»)", q.id, q.text),
        ));
    }
    let seg_cols: Vec<(usize, &'static str)> = roles
        .iter()
        .enumerate()
        .filter_map(|(i, r)| if let Role::Segment(s) = r { Some((i, *s)) } else { None })
        .collect();
    // Each question asked, in the order of its first column, with its columns.
    let mut asked: Vec<(usize, Vec<OptionColumn>)> = Vec::new();
    for (i, r) in roles.iter().enumerate() {
        if let Role::Question(q, option) = r {
            match asked.iter_mut().find(|(a, _)| a == q) {
                Some((_, cols)) => cols.push((i, option.clone())),
                None => asked.push((*q, vec![(i, option.clone())])),
            }
        }
    }
    let id_col = roles.iter().position(|r| matches!(r, Role::ResponseId));
    // Where a question's 「その他」 free text goes: the text question `<設問ID>_other`, if the
    // questionnaire has one.
    let companion = |q: usize| {
        let want = key(&format!("{}_other", questions[q].id));
        questions.iter().position(|c| key(&c.id) == want && c.kind == "text")
    };
    let others: Vec<(usize, usize)> = asked.iter().filter_map(|(q, _)| companion(*q).map(|c| (*q, c))).collect();

    let mut headers = vec!["年度".to_string(), "回答ID".to_string()];
    headers.extend(seg_cols.iter().map(|(_, s)| s.to_string()));
    headers.extend(asked.iter().map(|(q, _)| questions[*q].id.clone()));
    headers.extend(others.iter().map(|(_, c)| questions[*c].id.clone()));
    let mut out = RawTable::new(headers, table.header_line, table.encoding.unwrap_or(crate::decode::Encoding::Utf8));
    out.notes = table.notes.clone();
    out.title_rows = table.title_rows.clone();
    let year_text = year.to_string();
    // Answers seen per question, and 「その他」 free answers counted as その他.
    let (mut seen, mut other_answers, mut kept) = (vec![0usize; asked.len()], 0usize, 0usize);
    for row in table.rows().skip(layout.header_rows) {
        let id = match id_col {
            Some(c) => row.cell(c).trim().to_string(),
            None => format!("{year}-L{:06}", row.line()),
        };
        let mut cells: Vec<String> = vec![year_text.clone(), id];
        cells.extend(seg_cols.iter().map(|(c, _)| row.cell(*c).to_string()));
        // 「その他」 free texts of this row, by question.
        let mut free: Vec<(usize, String)> = roles
            .iter()
            .enumerate()
            .filter_map(|(c, r)| match r {
                Role::OtherText(Some(q)) if !row.cell(c).trim().is_empty() => {
                    Some((*q, row.cell(c).trim().to_string()))
                }
                _ => None,
            })
            .collect();
        for (n, (qi, cols)) in asked.iter().enumerate() {
            let q = &questions[*qi];
            let mut parts: Vec<String> = Vec::new();
            for (c, option) in cols {
                let v = row.cell(*c);
                match option {
                    Some(o) if layout::chosen(v) => parts.push(o.clone()),
                    Some(_) => {}
                    None if q.kind == "multi" => parts.extend(split_known(v, &q.options, tool.separator())),
                    None if !v.trim().is_empty() => parts.push(v.to_string()),
                    None => {}
                }
            }
            for part in &mut parts {
                if let Some(other) = other_option(tool, q, part) {
                    let text = part.trim_start_matches("その他").trim_start_matches([':', '：']).trim().to_string();
                    if !text.is_empty() {
                        free.push((*qi, text));
                    }
                    *part = other;
                    other_answers += 1;
                }
            }
            if !parts.is_empty() {
                seen[n] += 1;
            }
            cells.push(parts.join(";"));
        }
        for (q, _) in &others {
            let texts: Vec<&str> = free.iter().filter(|(f, _)| f == q).map(|(_, t)| t.as_str()).collect();
            kept += texts.len();
            cells.push(texts.join(" / "));
        }
        out.push_row(path, row.line(), cells.iter().map(String::as_str))?;
    }

    let dropped: Vec<&str> = roles
        .iter()
        .zip(&table.headers)
        .filter(|(r, h)| matches!(r, Role::Dropped) && !h.trim().is_empty())
        .map(|(_, h)| h.as_str())
        .collect();
    let mut notes = vec![format!("{} の書き出しとして読みました / read as a {} export", tool.label(), tool.name())];
    if !dropped.is_empty() {
        notes.push(format!(
            "回答者についての列 {} は保存していません (個人情報) / not stored (personal data): {}",
            dropped.join(", "),
            dropped.join(", ")
        ));
    }
    if other_answers > 0 {
        notes.push(format!(
            "「その他」の自由回答 {other_answers} 件を その他 として数えました / {other_answers} free 「その他」 answers counted as その他"
        ));
    }
    if kept > 0 {
        notes.push(format!(
            "「その他」の記述 {kept} 件を記述の設問 (<設問ID>_other) に保存しました / {kept} 「その他」 texts kept as <id>_other answers"
        ));
    }
    let lost = (other_answers + free_columns_answers(table, &layout, &roles)).saturating_sub(kept);
    if lost > 0 {
        notes.push(format!(
            "「その他」の記述 {lost} 件は設問に記述欄 (<設問ID>_other) がないため保存していません / {lost} 「その他」 texts not stored (no <id>_other question)"
        ));
    }
    let mapping: Vec<String> = asked
        .iter()
        .zip(&seen)
        .map(|((q, cols), n)| {
            let q = &questions[*q];
            format!("「{}」→ {} ({}, {n} 件)", one_line(&layout.columns[cols[0].0].text), q.id, q.kind)
        })
        .collect();
    notes.push(format!("設問の対応 / questions: {}", mapping.join(", ")));
    Ok(Reshaped { table: out, notes })
}

/// Non-empty cells of 「その他」 text columns.
fn free_columns_answers(table: &RawTable, layout: &layout::Layout, roles: &[Role]) -> usize {
    let cols: Vec<usize> =
        roles.iter().enumerate().filter(|(_, r)| matches!(r, Role::OtherText(_))).map(|(c, _)| c).collect();
    table
        .rows()
        .skip(layout.header_rows)
        .map(|row| cols.iter().filter(|c| !row.cell(**c).trim().is_empty()).count())
        .sum()
}

/// The questionnaire's 「その他」 option an answer part stands for: `その他: …` from any tool, or
/// a Google Forms free answer (the typed text stands among the choices) that resembles no
/// option (a misspelt option stays as it is, for the validator to reject).
fn other_option(tool: Tool, q: &Question, part: &str) -> Option<String> {
    if q.kind != "single" && q.kind != "multi" {
        return None;
    }
    let p = crate::normalize::text(part);
    if q.options.iter().any(|o| crate::normalize::text(o) == p) {
        return None;
    }
    let other = q.options.iter().find(|o| {
        let o = crate::normalize::text(o);
        o.starts_with("その他") || o.eq_ignore_ascii_case("other")
    })?;
    let prefixed = ["その他:", "その他："].iter().any(|s| p.starts_with(s));
    let close = q.options.iter().any(|o| strsim::normalized_levenshtein(&crate::normalize::text(o), &p) >= 0.6);
    (prefixed || (tool == Tool::GoogleForms && !close)).then(|| other.clone())
}

/// Microsoft Forms renames a question whose title collides with one of its own columns
/// (`名前` → `名前2`): the title without the number.
fn renamed(tool: Tool, k: &str) -> Option<String> {
    let base = k.trim_end_matches(|c: char| c.is_ascii_digit());
    (tool == Tool::MicrosoftForms && base.len() < k.len() && tool.metadata().contains(&base)).then(|| base.to_string())
}

/// A multi-choice answer split into its options: by the options the questionnaire knows (an
/// option may itself contain the separator), the rest at the separator. A trailing separator
/// (Microsoft Forms' `A;B;`) ends nothing.
pub fn split_known(v: &str, options: &[String], sep: &str) -> Vec<String> {
    let v = crate::normalize::text(v);
    let norm: Vec<String> = options.iter().map(|o| crate::normalize::text(o).into_owned()).collect();
    let mut out = Vec::new();
    let mut rest = v.trim();
    while !rest.is_empty() {
        let known = norm
            .iter()
            .filter(|o| {
                rest.starts_with(o.as_str()) && {
                    let after = &rest[o.len()..];
                    after.trim().is_empty() || after.starts_with(sep) || after.starts_with(sep.trim())
                }
            })
            .max_by_key(|o| o.len());
        let (item, after) = match known {
            Some(o) => (o.clone(), &rest[o.len()..]),
            None => match rest.find(sep) {
                Some(i) => (rest[..i].trim().to_string(), &rest[i..]),
                None => (rest.to_string(), ""),
            },
        };
        if !item.is_empty() {
            out.push(item);
        }
        rest = after.strip_prefix(sep).or_else(|| after.strip_prefix(sep.trim())).unwrap_or(after).trim_start();
    }
    out
}

fn unmatched_error(path: &Path, year: i32, unmatched: &[(usize, String)], questions: &[Question]) -> Error {
    let lines: Vec<String> = unmatched
        .iter()
        .map(|(i, h)| {
            let near = questions
                .iter()
                .map(|q| (strsim::normalized_levenshtein(&text_key(h), &text_key(&q.text)), q))
                .max_by(|a, b| a.0.total_cmp(&b.0))
                .filter(|(s, _)| *s >= 0.5)
                .map(|(s, q)| format!("（もしかして {}「{}」、類似度 {:.0}%）", q.id, q.text, s * 100.0))
                .unwrap_or_default();
            format!("{} 列目「{}」{near}", i + 1, one_line(h))
        })
        .collect();
    Error::file(
        path,
        format!(
            "{year}年度の設問文に合わない列があります: {}。設問文を直すか、見出しの対応ファイル (--header-map、`見出し = 設問ID`) で指定してください",
            lines.join("; ")
        ),
        format!(
            "columns that match no 設問文 of {year}: {}; fix the questionnaire or map them (--header-map, `header = question id`)",
            unmatched.iter().map(|(i, h)| format!("column {} «{}»", i + 1, one_line(h))).collect::<Vec<_>>().join("; ")
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn multi_choice_answers_split_by_the_options_they_know() {
        let o = opts(&["がん薬物療法", "緩和ケア, 支持療法", "その他"]);
        assert_eq!(
            split_known("がん薬物療法, 緩和ケア, 支持療法", &o, ", "),
            opts(&["がん薬物療法", "緩和ケア, 支持療法"])
        );
        assert_eq!(split_known("緩和ケア, 支持療法;その他;", &o, ";"), opts(&["緩和ケア, 支持療法", "その他"]));
        assert_eq!(split_known("がん薬物療法, 未知の項目", &o, ", "), opts(&["がん薬物療法", "未知の項目"]));
        assert_eq!(split_known("", &o, ", "), Vec::<String>::new());
    }

    #[test]
    fn tools_are_told_by_their_headers() {
        let h = |v: &[&str]| opts(v);
        assert_eq!(detect(&h(&["タイムスタンプ", "職種"])), Some(Tool::GoogleForms));
        assert_eq!(detect(&h(&["Timestamp", "Q"])), Some(Tool::GoogleForms));
        assert_eq!(detect(&h(&["ID", "開始時刻", "完了時刻", "メール", "名前"])), Some(Tool::MicrosoftForms));
        assert_eq!(detect(&h(&["ID", "Start time", "Completion time", "Email"])), Some(Tool::MicrosoftForms));
        assert_eq!(detect(&h(&["年度", "回答ID", "Q01"])), None);
        assert_eq!(Tool::parse("Google Forms"), Some(Tool::GoogleForms));
        assert_eq!(Tool::parse("microsoft_forms"), Some(Tool::MicrosoftForms));
    }
}
