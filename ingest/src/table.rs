//! A file as rows of text cells, before any typing: the shape every reader
//! ([`crate::read`], [`crate::xlsx`]) produces and every validator reads.

use std::path::Path;

use crate::decode::Encoding;
use crate::error::{Error, Result};

/// How many non-blank rows at the top of a file may hold the header (the rest are titles).
pub const HEADER_SCAN: usize = 12;

/// The first non-blank rows of a file, (line, cells), offered to a header choice.
pub type Leading = [(u64, Vec<String>)];

/// Says which of the leading rows is the header (its index); the rows above it are titles.
pub type HeaderChoice<'a> = &'a dyn Fn(&Leading) -> Result<usize>;

/// A file as rows of text cells, stored compactly: every cell's text in one
/// buffer with end offsets, so a million-row roster costs little more than its size.
#[derive(Debug, Clone, Default)]
pub struct RawTable {
    pub headers: Vec<String>,
    pub header_line: u64,
    pub encoding: Option<Encoding>,
    /// Rows whose cell count differs from the header's: (line, cells).
    pub ragged: Vec<(u64, usize)>,
    /// Notes about the file worth showing (hidden sheets skipped, merged cells filled).
    pub notes: Vec<String>,
    /// Non-blank rows above the header, skipped as titles (「会員名簿」, 「令和7年3月31日現在」):
    /// (line, cells).
    pub title_rows: Vec<(u64, Vec<String>)>,
    text: String,
    ends: Vec<u32>,
    lines: Vec<u64>,
    /// Cells Excel holds as errors (#N/A, #DIV/0! …): (row index, column, error).
    errors: Vec<(usize, usize, String)>,
}

/// One data row of a [`RawTable`].
#[derive(Debug, Clone, Copy)]
pub struct RawRow<'a> {
    table: &'a RawTable,
    idx: usize,
}

impl<'a> RawRow<'a> {
    /// The row number as the user sees it: the line of a text file where the record
    /// starts, or the Excel row number.
    pub fn line(&self) -> u64 {
        self.table.lines[self.idx]
    }

    /// The cell in column `col` ("" past the end).
    pub fn cell(&self, col: usize) -> &'a str {
        let w = self.table.headers.len();
        if col >= w {
            return "";
        }
        let i = self.idx * w + col;
        let start = if i == 0 { 0 } else { self.table.ends[i - 1] as usize };
        &self.table.text[start..self.table.ends[i] as usize]
    }

    /// Excel error cells of this row: (column, error).
    pub fn cell_errors(&self) -> impl Iterator<Item = (usize, &'a str)> + 'a {
        let idx = self.idx;
        self.table.errors.iter().filter(move |e| e.0 == idx).map(|e| (e.1, e.2.as_str()))
    }
}

impl RawTable {
    pub(crate) fn new(headers: Vec<String>, header_line: u64, encoding: Encoding) -> Self {
        RawTable { headers, header_line, encoding: Some(encoding), ..Default::default() }
    }

    /// Appends a row; cells beyond the header width are dropped, missing ones are empty.
    pub(crate) fn push_row<'s>(
        &mut self,
        path: &Path,
        line: u64,
        cells: impl IntoIterator<Item = &'s str>,
    ) -> Result<()> {
        let w = self.headers.len();
        let mut n = 0;
        for c in cells.into_iter().take(w) {
            self.text.push_str(c);
            self.ends.push(self.end(path)?);
            n += 1;
        }
        for _ in n..w {
            self.ends.push(self.end(path)?);
        }
        self.lines.push(line);
        Ok(())
    }

    /// Appends a parsed record of `n` cells, or sets it aside as ragged when its cell count
    /// differs from the header's (trailing empty cells beyond the header are harmless: Excel
    /// adds them).
    pub(crate) fn push_record<'s>(
        &mut self,
        path: &Path,
        line: u64,
        n: usize,
        cells: impl Iterator<Item = &'s str> + Clone,
    ) -> Result<()> {
        let w = self.headers.len();
        if n != w && !(n > w && cells.clone().skip(w).all(|c| c.trim().is_empty())) {
            self.ragged.push((line, n));
            return Ok(());
        }
        self.push_row(path, line, cells)
    }

    fn end(&self, path: &Path) -> Result<u32> {
        u32::try_from(self.text.len())
            .map_err(|_| Error::file(path, "ファイルが大きすぎます (4 GB 超)", "file too large (over 4 GB of text)"))
    }

    /// Appends the rows of another table with the same header (a parsed chunk).
    pub(crate) fn append(&mut self, other: RawTable) {
        let base = u32::try_from(self.text.len()).unwrap_or(u32::MAX);
        self.text.push_str(&other.text);
        self.ends.extend(other.ends.iter().map(|e| e.saturating_add(base)));
        self.lines.extend(other.lines);
        self.ragged.extend(other.ragged);
    }

    pub(crate) fn push_error(&mut self, col: usize, error: String) {
        self.errors.push((self.lines.len(), col, error));
    }

    /// Number of data rows.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub fn row(&self, idx: usize) -> RawRow<'_> {
        RawRow { table: self, idx }
    }

    pub fn rows(&self) -> impl Iterator<Item = RawRow<'_>> {
        (0..self.len()).map(|idx| RawRow { table: self, idx })
    }

    /// Whether column `col` holds any non-blank value.
    pub fn has_data(&self, col: usize) -> bool {
        self.rows().any(|r| !r.cell(col).trim().is_empty())
    }
}

/// Options for reading.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Sheet of an XLSX workbook; default the first visible worksheet.
    pub sheet: Option<String>,
}
