//! Which dataset a file is, told from its first rows: the row among them that names most
//! columns of any dataset (or of the ministry's layouts, or a survey tool's export) decides,
//! and the answer says why («見出しが会員名簿の 8 列中 8 列に一致»). Two datasets matched
//! equally well are not guessed between: the user is asked to choose.

use std::cell::RefCell;
use std::path::Path;

use crate::error::{Error, Result};
use crate::headers::HeaderMap;
use crate::read;
use crate::spec::{self, DatasetSpec};
use crate::survey_export;
use crate::table::ReadOptions;
use crate::title::columns_named;

/// The dataset a file was found to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detected {
    /// The dataset name `ingest` takes (`survey` for any survey file).
    pub dataset: &'static str,
    /// What it is, in Japanese (the layout's name when it is the ministry's).
    pub ja: &'static str,
    /// Why, in Japanese.
    pub why: String,
}

/// The fewest column names a header must share with a dataset for the file to be called one.
const AT_LEAST: usize = 2;

/// The layouts a file may be in: every dataset, then the ministry's layouts.
fn layouts() -> Vec<&'static DatasetSpec> {
    let mut v: Vec<&'static DatasetSpec> = spec::DATASETS.to_vec();
    v.extend([&spec::ministry::DESIGNATION_LIST, &spec::ministry::STATUS_REPORT]);
    v
}

/// The `ingest` dataset name a layout loads as: survey files load together as `survey`.
fn ingest_name(s: &DatasetSpec) -> &'static str {
    match s.name {
        "survey_waves" | "survey_questions" | "survey_responses" => "survey",
        n => spec::dataset(n).map_or("", |d| d.name),
    }
}

/// Tells the dataset of `bytes` (the file `path`, whose name is used in messages only).
pub fn dataset(path: &Path, bytes: &[u8], sheet: Option<String>) -> Result<Detected> {
    let rows = leading_rows(path, bytes, sheet)?;
    let user = HeaderMap::default();
    if let Some(tool) = rows.iter().find_map(|(_, cells)| survey_export::detect(cells)) {
        return Ok(Detected {
            dataset: "survey",
            ja: spec::SURVEY_RESPONSES.ja,
            why: format!("見出しが {} の書き出しの形です", tool.label()),
        });
    }
    // (named, share of the layout's columns in per mille, layout, line)
    let mut best: Vec<(usize, usize, &'static DatasetSpec, u64)> = Vec::new();
    for layout in layouts() {
        for (line, cells) in &rows {
            let named = columns_named(layout, cells, &user);
            let share = named * 1000 / layout.columns.len().max(1);
            best.push((named, share, layout, *line));
        }
    }
    best.sort_by(|a, b| (b.0, b.1).cmp(&(a.0, a.1)).then(a.3.cmp(&b.3)));
    let Some(&(named, share, layout, line)) = best.first() else {
        return Err(Error::file(path, "データ行がありません", "the file has no rows"));
    };
    if named < AT_LEAST {
        return Err(Error::file(
            path,
            "見出しからデータの種類を判定できません。データの種類を選んでください",
            "cannot tell the dataset from the headers; choose it",
        ));
    }
    let rival = best.iter().find(|b| b.2.name != layout.name && ingest_name(b.2) != ingest_name(layout));
    if let Some(r) = rival.filter(|r| (r.0, r.1) == (named, share)) {
        return Err(Error::file(
            path,
            format!("見出しが「{}」と「{}」に同じだけ一致します。データの種類を選んでください", layout.ja, r.2.ja),
            format!("the header fits {} and {} equally; choose the dataset", layout.name, r.2.name),
        ));
    }
    Ok(Detected {
        dataset: ingest_name(layout),
        ja: layout.ja,
        why: format!(
            "{line} 行目の見出しが「{}」の {} 列中 {named} 列の列名に一致します",
            layout.ja,
            layout.columns.len()
        ),
    })
}

/// Rows as (line, cells).
type Rows = Vec<(u64, Vec<String>)>;

/// The first non-blank rows of a file (as many as a header is looked for in), read without
/// parsing the rest: the reader hands them to its header choice, which keeps them and stops.
fn leading_rows(path: &Path, bytes: &[u8], sheet: Option<String>) -> Result<Rows> {
    let kept: RefCell<Option<Rows>> = RefCell::new(None);
    let keep = |rows: &crate::table::Leading| -> Result<usize> {
        *kept.borrow_mut() = Some(rows.to_vec());
        Err(Error::Usage(String::new()))
    };
    match read::read_headed(path, bytes, &ReadOptions { sheet }, &keep) {
        Err(Error::Usage(_)) | Ok(_) => {}
        Err(e) => return Err(e),
    }
    kept.into_inner().ok_or_else(|| Error::file(path, "データ行がありません", "the file has no rows"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect(text: &str, name: &str) -> Result<Detected> {
        dataset(Path::new(name), text.as_bytes(), None)
    }

    #[test]
    fn a_roster_is_told_by_its_headers_and_says_why() {
        let d =
            detect("会員番号,会員種別,職種,入会日,退会日\nA1,正会員,医師,2020-04-01,\n", "r.csv").expect("detected");
        assert_eq!(d.dataset, "members");
        assert!(d.why.contains("会員名簿") && d.why.contains("1 行目"), "{}", d.why);
    }

    #[test]
    fn a_title_row_above_the_header_does_not_hide_it() {
        let d =
            detect("会員名簿\n令和7年3月31日現在\n会員番号,会員種別,職種,入会日\nA1,正会員,医師,2020-04-01\n", "r.csv")
                .expect("detected");
        assert_eq!(d.dataset, "members");
        assert!(d.why.contains("3 行目"), "{}", d.why);
    }

    #[test]
    fn survey_files_load_as_survey() {
        let d = detect("タイムスタンプ,Q1. 年齢\n2025/01/01 10:00:00,40\n", "forms.csv").expect("detected");
        assert_eq!(d.dataset, "survey");
        let d = detect("年度,配布数,回収数\n2025,1000,300\n", "waves.csv").expect("detected");
        assert_eq!(d.dataset, "survey");
    }

    #[test]
    fn unknown_headers_ask_the_user_to_choose() {
        let e = detect("a,b,c\n1,2,3\n", "x.csv").expect_err("unknown");
        assert!(e.to_string().contains("選んでください"), "{e}");
    }
}
