//! A workbook's sheets read back by column name, after the zip-bomb check of `ingest::xlsx`.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::Path;

use calamine::{Reader, Xlsx};
use chrono::NaiveDate;

use super::sheets::{SHEETS, required};
use crate::error::{Error, Result};

/// One sheet read: its rows by column name, each with its row number as Excel shows it.
pub(super) struct Sheet {
    pub(super) name: &'static str,
    pub(super) header: Vec<String>,
    pub(super) rows: Vec<(usize, Vec<String>)>,
}

impl Sheet {
    pub(super) fn col(&self, column: &str) -> Option<usize> {
        self.header.iter().position(|h| h.trim() == column)
    }

    /// The cell of `row` in `column` (empty when the column is absent).
    pub(super) fn get<'a>(&self, row: &'a [String], column: &str) -> &'a str {
        self.col(column).and_then(|i| row.get(i)).map_or("", |s| s.trim())
    }

    pub(super) fn bad(&self, line: usize, column: &str, value: &str, why: &str) -> Error {
        Error::Invalid(format!("シート「{}」{line} 行目「{column}」列の「{value}」: {why}", self.name))
    }

    pub(super) fn int(&self, line: usize, row: &[String], column: &str) -> Result<u32> {
        let v = self.get(row, column);
        v.parse().map_err(|_| self.bad(line, column, v, "整数（1 以上）を書いてください"))
    }

    pub(super) fn opt_int(&self, line: usize, row: &[String], column: &str) -> Result<Option<u32>> {
        if self.get(row, column).is_empty() { Ok(None) } else { self.int(line, row, column).map(Some) }
    }

    pub(super) fn opt_date(&self, line: usize, row: &[String], column: &str) -> Result<Option<NaiveDate>> {
        let v = self.get(row, column);
        if v.is_empty() {
            return Ok(None);
        }
        NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| self.bad(line, column, v, "日付は YYYY-MM-DD で書いてください"))
    }
}

/// The sheets of a workbook, guarded against zip bombs before calamine reads anything.
pub(super) struct Book {
    sheets: BTreeMap<String, Sheet>,
}

impl Book {
    pub(super) fn read(path: &Path, bytes: &[u8]) -> Result<Book> {
        let file_err = |message: String| Error::File { path: path.to_path_buf(), message };
        ingest::xlsx::check_zip(path, bytes).map_err(|e| file_err(e.to_string()))?;
        let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes))
            .map_err(|e| file_err(format!("Excel ブックとして読めません: {e}")))?;
        let mut sheets = BTreeMap::new();
        for def in SHEETS {
            let Ok(range) = wb.worksheet_range(def.name) else { continue };
            let mut rows = range
                .rows()
                .enumerate()
                .map(|(i, r)| (i + 1, r.iter().map(ingest::xlsx::cell_text).collect::<Vec<_>>()));
            let header = rows.next().map(|(_, h)| h).unwrap_or_default();
            let rows = rows.filter(|(_, r)| r.iter().any(|c| !c.trim().is_empty())).collect();
            let sheet = Sheet { name: def.name, header, rows };
            for c in def.columns {
                if sheet.col(c.0).is_none() && required(def.name, c.0) {
                    return Err(Error::Invalid(format!("シート「{}」に「{}」列がありません", def.name, c.0)));
                }
            }
            sheets.insert(def.name.to_string(), sheet);
        }
        Ok(Book { sheets })
    }

    pub(super) fn sheet(&self, name: &str) -> Option<&Sheet> {
        self.sheets.get(name)
    }
}
