//! A file read into rows of text cells, before any typing: CSV/TSV in any
//! supported encoding, or the first visible sheet of an XLSX workbook.

use std::path::Path;

use crate::decode::{self, Encoding};
use crate::error::{Error, Result};
use crate::xlsx;

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

    fn end(&self, path: &Path) -> Result<u32> {
        u32::try_from(self.text.len())
            .map_err(|_| Error::file(path, "ファイルが大きすぎます (4 GB 超)", "file too large (over 4 GB of text)"))
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

/// Reads a file by its content: XLSX (zip) or text in any supported encoding.
pub fn read(path: &Path, bytes: &[u8], opts: &ReadOptions) -> Result<RawTable> {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        return xlsx::read(path, bytes, opts);
    }
    let is_xlsx_name = path.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    if is_xlsx_name {
        if bytes.is_empty() {
            return Err(Error::file(path, "ファイルが空です", "the file is empty"));
        }
        return Err(Error::file(
            path,
            "拡張子は .xlsx ですが Excel ブックではありません (壊れているか別形式です)",
            "named .xlsx but not an Excel workbook (corrupt or another format)",
        ));
    }
    let (text, encoding) = decode::decode(path, bytes)?;
    let tab = is_tab_separated(path, &text, encoding);
    parse_delimited(path, &text, if tab { b'\t' } else { b',' }, encoding)
}

fn is_tab_separated(path: &Path, text: &str, enc: Encoding) -> bool {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    if ext == "tsv" || ext == "tab" {
        return true;
    }
    let first = text.lines().next().unwrap_or("");
    let (tabs, commas) = (first.matches('\t').count(), first.matches(',').count());
    tabs > commas || (enc == Encoding::Utf16Le && tabs > 0)
}

fn parse_delimited(path: &Path, text: &str, delimiter: u8, encoding: Encoding) -> Result<RawTable> {
    let mut reader =
        csv::ReaderBuilder::new().delimiter(delimiter).has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let mut table: Option<RawTable> = None;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                return Err(Error::file(
                    path,
                    format!("{line} 行目を CSV として読めません: {e}"),
                    format!("line {line} is not valid CSV: {e}"),
                ));
            }
        }
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|c| c.trim().is_empty()) {
            continue; // blank and trailing empty rows
        }
        match &mut table {
            None => table = Some(RawTable::new(record.iter().map(str::to_owned).collect(), line, encoding)),
            Some(t) => {
                let (n, w) = (record.len(), t.headers.len());
                // Trailing empty cells beyond the header are harmless (Excel adds them).
                if n != w && !(n > w && record.iter().skip(w).all(|c| c.trim().is_empty())) {
                    t.ragged.push((line, n));
                    continue;
                }
                t.push_row(path, line, record.iter())?;
            }
        }
    }
    table.ok_or_else(|| Error::file(path, "ファイルが空です", "the file is empty"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_str(s: &str) -> RawTable {
        read(Path::new("t.csv"), s.as_bytes(), &ReadOptions::default()).expect("reads")
    }

    #[test]
    fn quoted_newlines_keep_the_record_start_line() {
        let t = read_str("a,b\n1,\"x\ny\"\n2,z\n");
        assert_eq!(t.len(), 2);
        assert_eq!(t.row(0).cell(1), "x\ny");
        assert_eq!(t.row(0).line(), 2);
        assert_eq!(t.row(1).line(), 4);
    }

    #[test]
    fn ragged_rows_are_set_aside_and_trailing_blank_rows_skipped() {
        let t = read_str("a,b,c\n1,2,3\n1,2\n1,2,3,4\n1,2,3,,\n,,\n\n");
        assert_eq!(t.len(), 2);
        assert_eq!(t.ragged, vec![(3, 2), (4, 4)]);
    }

    #[test]
    fn tabs_are_detected() {
        let t = read_str("a\tb\n1\t2\n");
        assert_eq!(t.headers, vec!["a", "b"]);
        assert_eq!((t.row(0).cell(0), t.row(0).cell(1)), ("1", "2"));
    }

    #[test]
    fn a_file_named_xlsx_that_is_text_is_refused() {
        let e = read(Path::new("x.xlsx"), b"a,b\n", &ReadOptions::default()).expect_err("not xlsx");
        assert!(e.to_string().contains("Excel ブックではありません"));
    }
}
