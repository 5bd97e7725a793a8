//! A file read into rows of text cells, before any typing: CSV/TSV in any
//! supported encoding, or the first visible sheet of an XLSX workbook.

use std::path::Path;

use crate::decode::{self, Encoding};
use crate::error::{Error, Result};
use crate::xlsx;

/// One data row: its number as the user sees it (the line of a text file where
/// the record starts, or the Excel row number) and its cells.
#[derive(Debug, Clone)]
pub struct RawRow {
    pub line: u64,
    pub cells: Vec<String>,
    /// Cells Excel holds as errors (#N/A, #DIV/0! …), by column index.
    pub cell_errors: Vec<(usize, String)>,
}

/// A file as rows of text.
#[derive(Debug, Clone)]
pub struct RawTable {
    pub headers: Vec<String>,
    pub header_line: u64,
    pub rows: Vec<RawRow>,
    pub encoding: Encoding,
    /// Rows whose cell count differs from the header's: (line, cells).
    pub ragged: Vec<(u64, usize)>,
    /// Notes about the file worth showing (hidden sheets skipped, merged cells filled).
    pub notes: Vec<String>,
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
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let mut headers: Option<(Vec<String>, u64)> = None;
    let mut rows = Vec::new();
    let mut ragged = Vec::new();
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
        match &headers {
            None => headers = Some((record.iter().map(str::to_owned).collect(), line)),
            Some((h, _)) => {
                let n = record.len();
                if n != h.len() {
                    // Trailing empty cells beyond the header are harmless (Excel adds them).
                    let extra_empty = n > h.len() && record.iter().skip(h.len()).all(|c| c.trim().is_empty());
                    if !extra_empty {
                        ragged.push((line, n));
                        continue;
                    }
                }
                let mut cells: Vec<String> = record.iter().take(h.len()).map(str::to_owned).collect();
                cells.resize(h.len(), String::new());
                rows.push(RawRow { line, cells, cell_errors: Vec::new() });
            }
        }
    }
    let (headers, header_line) =
        headers.ok_or_else(|| Error::file(path, "ファイルが空です", "the file is empty"))?;
    Ok(RawTable { headers, header_line, rows, encoding, ragged, notes: Vec::new() })
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
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[0].cells[1], "x\ny");
        assert_eq!(t.rows[0].line, 2);
        assert_eq!(t.rows[1].line, 4);
    }

    #[test]
    fn ragged_rows_are_set_aside_and_trailing_blank_rows_skipped() {
        let t = read_str("a,b,c\n1,2,3\n1,2\n1,2,3,4\n1,2,3,,\n,,\n\n");
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.ragged, vec![(3, 2), (4, 4)]);
    }

    #[test]
    fn tabs_are_detected() {
        let t = read_str("a\tb\n1\t2\n");
        assert_eq!(t.headers, vec!["a", "b"]);
        assert_eq!(t.rows[0].cells, vec!["1", "2"]);
    }

    #[test]
    fn a_file_named_xlsx_that_is_text_is_refused() {
        let e = read(Path::new("x.xlsx"), b"a,b\n", &ReadOptions::default()).expect_err("not xlsx");
        assert!(e.to_string().contains("Excel ブックではありません"));
    }
}
