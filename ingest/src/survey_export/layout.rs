//! How an export's columns read, whatever the tool: each column's question text and, for a
//! column that holds one option of a multi-choice question (SurveyMonkey, LimeSurvey), that
//! option; and how many rows under the file's header are more header (SurveyMonkey's second
//! row, Qualtrics' question texts and ImportId row).

use std::path::Path;

use super::tool::Tool;
use crate::error::{Error, Result};
use crate::table::RawTable;

/// A column of a question: its index, and the option it holds when it holds one.
pub(super) type OptionColumn = (usize, Option<String>);

/// One column of an export.
#[derive(Debug, Clone)]
pub(super) struct Col {
    /// The question text (or the metadata header) it stands for.
    pub(super) text: String,
    /// The option a per-option column holds.
    pub(super) option: Option<String>,
    /// The free text of an 「その他」 (Qualtrics' `… - Text`).
    pub(super) other_text: bool,
}

#[derive(Debug)]
pub(super) struct Layout {
    /// Rows of the table under its header that are more header.
    pub(super) header_rows: usize,
    pub(super) columns: Vec<Col>,
}

/// Second-row labels of SurveyMonkey that mean "the answer itself", not an option.
const WHOLE_ANSWER: &[&str] = &["response", "回答", "open-endedresponse", "自由回答", "自由記述"];

pub(super) fn layout(path: &Path, tool: Tool, table: &RawTable) -> Result<Layout> {
    let plain = |text: &str| Col { text: text.to_string(), option: None, other_text: false };
    match tool {
        Tool::GoogleForms | Tool::MicrosoftForms => {
            Ok(Layout { header_rows: 0, columns: table.headers.iter().map(|h| plain(h)).collect() })
        }
        Tool::SurveyMonkey => {
            if table.is_empty() {
                return Err(missing_row(path, tool, 2, "Response / 選択肢"));
            }
            let second = table.row(0);
            let mut group = String::new();
            let mut columns = Vec::with_capacity(table.headers.len());
            for (i, h) in table.headers.iter().enumerate() {
                if !h.trim().is_empty() {
                    group = h.clone();
                }
                let sub = second.cell(i).trim();
                let whole = sub.is_empty() || WHOLE_ANSWER.contains(&crate::headers::key(sub).as_str());
                columns.push(Col { text: group.clone(), option: (!whole).then(|| sub.to_string()), other_text: false });
            }
            Ok(Layout { header_rows: 1, columns })
        }
        Tool::Qualtrics => {
            let import = table.len() >= 2 && table.row(1).cell(0).trim_start().starts_with("{\"ImportId\"");
            if !import {
                return Err(missing_row(path, tool, 3, "{\"ImportId\":…}"));
            }
            let texts = table.row(0);
            let columns = (0..table.headers.len())
                .map(|i| {
                    let t = texts.cell(i).trim();
                    let other = [" - Text", " - テキスト"].iter().any(|s| t.ends_with(s));
                    let t = [" - Selected Choice", " - 選択された選択肢", " - Text", " - テキスト"]
                        .iter()
                        .fold(t, |t, s| t.strip_suffix(s).unwrap_or(t));
                    // `質問 - その他 - Text`: the question is before the option.
                    let t = if other { t.rsplit_once(" - ").map_or(t, |(q, _)| q) } else { t };
                    // The metadata columns keep their export tag (StartDate …).
                    let text = if tool.metadata().contains(&crate::headers::key(&table.headers[i]).as_str()) {
                        table.headers[i].clone()
                    } else {
                        t.to_string()
                    };
                    Col { text, option: None, other_text: other }
                })
                .collect();
            Ok(Layout { header_rows: 2, columns })
        }
        Tool::LimeSurvey => {
            let columns = table
                .headers
                .iter()
                .map(|h| {
                    let h = h.trim();
                    match (h.rfind('['), h.ends_with(']')) {
                        (Some(open), true) if open > 0 => Col {
                            text: h[..open].trim().to_string(),
                            option: Some(h[open + 1..h.len() - 1].trim().to_string()),
                            other_text: false,
                        },
                        _ => plain(h),
                    }
                })
                .collect();
            Ok(Layout { header_rows: 0, columns })
        }
    }
}

fn missing_row(path: &Path, tool: Tool, n: usize, what: &str) -> Error {
    Error::file(
        path,
        format!("{} の書き出しの {n} 行目 ({what}) がありません。ツールから書き出し直してください", tool.label()),
        format!("the {} export lacks its header row {n} ({what}); export it again", tool.name()),
    )
}

/// Whether a per-option column's cell marks its option chosen (`Y`, `1`, the option's label …).
pub(super) fn chosen(cell: &str) -> bool {
    let v = cell.trim();
    !v.is_empty() && !matches!(crate::headers::key(v).as_str(), "n" | "no" | "0" | "false" | "未選択")
}
