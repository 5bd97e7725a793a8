//! Reading a file into a [`RawTable`] by its content: an XLSX workbook (see [`crate::xlsx`])
//! or CSV/TSV text in any supported encoding, quoted line breaks kept, each row numbered by
//! the file line it starts on.

use std::path::Path;

use crate::decode::{self, Encoding};
use crate::error::{Error, Result};
pub use crate::table::{HEADER_SCAN, HeaderChoice, Leading};
use crate::table::{RawTable, ReadOptions};
use crate::xlsx;

/// Reads a file by its content: XLSX (zip) or text in any supported encoding; the first
/// non-blank row is the header.
pub fn read(path: &Path, bytes: &[u8], opts: &ReadOptions) -> Result<RawTable> {
    read_headed(path, bytes, opts, &|_| Ok(0))
}

/// Reads a file as [`read`], the header being the row of the first [`HEADER_SCAN`] non-blank
/// rows that `choose` picks; the rows above it are kept in [`RawTable::title_rows`].
pub fn read_headed(path: &Path, bytes: &[u8], opts: &ReadOptions, choose: HeaderChoice<'_>) -> Result<RawTable> {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        return xlsx::read(path, bytes, opts, choose);
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
    let delimiter = if is_tab_separated(path, &text, encoding) { b'\t' } else { b',' };
    let leading = leading_records(path, &text, delimiter)?;
    let skip = choose(&leading)?.min(leading.len().saturating_sub(1));
    let mut table = parse_delimited(path, &text, delimiter, encoding, skip)?;
    table.title_rows = leading.into_iter().take(skip).collect();
    Ok(table)
}

/// The first [`HEADER_SCAN`] non-blank records of delimited text: (line, cells).
fn leading_records(path: &Path, text: &str, delimiter: u8) -> Result<Vec<(u64, Vec<String>)>> {
    let mut reader =
        csv::ReaderBuilder::new().delimiter(delimiter).has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut lines = LineCounter { text: text.as_bytes(), counted_to: 0, newlines: 0 };
    let mut out = Vec::new();
    let mut record = csv::StringRecord::new();
    while out.len() < HEADER_SCAN {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            // The full parse reports it with its line.
            Err(_) if !out.is_empty() => break,
            Err(e) => {
                let line = e.position().map_or(0, |p| lines.of(p.byte()));
                return Err(Error::file(
                    path,
                    format!("{line} 行目を CSV として読めません: {e}"),
                    format!("line {line} is not valid CSV: {e}"),
                ));
            }
        }
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let line = lines.of(record.position().map_or(0, |p| p.byte()));
        out.push((line, record.iter().map(str::to_owned).collect()));
    }
    Ok(out)
}

fn is_tab_separated(path: &Path, text: &str, enc: Encoding) -> bool {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    if ext == "tsv" || ext == "tab" {
        return true;
    }
    // The separators of the first non-blank lines (title rows above a header may have none).
    let head: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).take(HEADER_SCAN).collect();
    let tabs: usize = head.iter().map(|l| l.matches('\t').count()).sum();
    let commas: usize = head.iter().map(|l| l.matches(',').count()).sum();
    tabs > commas || (enc == Encoding::Utf16Le && tabs > 0)
}

/// Files at least this large are parsed in parallel chunks (when safe, see [`parse_delimited`]).
const PARALLEL_BYTES: usize = 4 << 20;

/// Parses delimited text. A large file with no quote characters is split at line
/// starts into chunks parsed on all cores (without quotes every newline ends a
/// record, so the split is exact); any other file is parsed in one pass.
/// `skip` non-blank records above the header are titles, left out.
fn parse_delimited(path: &Path, text: &str, delimiter: u8, encoding: Encoding, skip: usize) -> Result<RawTable> {
    if text.len() < PARALLEL_BYTES || text.as_bytes().contains(&b'"') {
        return parse_serial(path, text, delimiter, encoding, Start::File { skip });
    }
    // The header: the first non-blank line after `skip` non-blank (title) lines.
    let mut offset = 0;
    let mut line = 1u64;
    let mut to_skip = skip;
    let header_end = loop {
        let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i + 1);
        let blank = text[offset..end].split(char::from(delimiter)).all(|c| c.trim().is_empty());
        if (!blank && to_skip == 0) || end == text.len() {
            break end;
        }
        if !blank {
            to_skip -= 1;
        }
        offset = end;
        line += 1;
    };
    let mut head = parse_serial(path, &text[offset..header_end], delimiter, encoding, Start::File { skip: 0 })?;
    head.header_line = line;
    let chunks = rayon::current_num_threads().max(1) * 4;
    let body = &text[header_end..];
    let mut bounds = vec![0usize];
    for k in 1..chunks {
        let target = body.len() * k / chunks;
        // Byte search: a '\n' byte is always a character boundary in UTF-8.
        let at = body.as_bytes()[target..].iter().position(|&b| b == b'\n').map_or(body.len(), |i| target + i + 1);
        if at > *bounds.last().unwrap_or(&0) && at < body.len() {
            bounds.push(at);
        }
    }
    bounds.push(body.len());
    let first_line: Vec<u64> = {
        let mut v = Vec::with_capacity(bounds.len());
        let mut l = line + 1;
        for w in bounds.windows(2) {
            v.push(l);
            l += body.as_bytes()[w[0]..w[1]].iter().filter(|&&b| b == b'\n').count() as u64;
        }
        v
    };
    use rayon::prelude::*;
    let parts: Vec<Result<RawTable>> = bounds
        .windows(2)
        .zip(first_line)
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|(w, l)| {
            let chunk = &body[w[0]..w[1]];
            match parse_plain(path, chunk, delimiter, encoding, head.headers.clone(), l)? {
                Some(t) => Ok(t),
                None => parse_serial(path, chunk, delimiter, encoding, Start::Chunk(head.headers.clone(), l)),
            }
        })
        .collect();
    let mut table = head;
    for part in parts {
        table.append(part?);
    }
    Ok(table)
}

/// Parses a chunk of delimited text that holds no quote character: every line is a
/// record and every delimiter separates cells, so lines are split directly (several
/// times faster than the general reader). Line ends may be `\n` or `\r\n`; `None` when
/// a carriage return appears anywhere else (the general reader then takes the chunk).
fn parse_plain(
    path: &Path,
    text: &str,
    delimiter: u8,
    encoding: Encoding,
    headers: Vec<String>,
    first_line: u64,
) -> Result<Option<RawTable>> {
    let mut table = RawTable::new(headers, first_line, encoding);
    let d = char::from(delimiter);
    let mut cells: Vec<&str> = Vec::with_capacity(table.headers.len() + 1);
    for (this, raw) in (first_line..).zip(text.split_terminator('\n')) {
        let record = raw.strip_suffix('\r').unwrap_or(raw);
        if record.contains('\r') {
            return Ok(None);
        }
        cells.clear();
        cells.extend(record.split(d));
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue; // blank and trailing empty rows
        }
        table.push_record(path, this, cells.len(), cells.iter().copied())?;
    }
    Ok(Some(table))
}

/// Line numbers of record starts, counted from byte offsets. The reader's own line count
/// is short after `\r\n` line ends and blank lines (it takes the `\n` of a CRLF, and the
/// blank lines it skips, as the start of the next record).
struct LineCounter<'t> {
    text: &'t [u8],
    counted_to: usize,
    newlines: u64,
}

impl LineCounter<'_> {
    /// The 1-based line of the record starting at byte `at` (offsets must not decrease).
    fn of(&mut self, at: u64) -> u64 {
        let mut at = usize::try_from(at).unwrap_or(usize::MAX).min(self.text.len());
        // The reader's record can "start" on line ends it skipped (the '\n' of a CRLF, blank
        // lines); no record starts with one, so the record starts after them.
        while matches!(self.text.get(at), Some(b'\n' | b'\r')) {
            at += 1;
        }
        if at > self.counted_to {
            self.newlines += self.text[self.counted_to..at].iter().filter(|&&b| b == b'\n').count() as u64;
            self.counted_to = at;
        }
        self.newlines + 1
    }
}

/// Where [`parse_serial`] starts.
enum Start {
    /// At the top of a file, with `skip` non-blank title records above the header.
    File { skip: usize },
    /// A chunk of a larger file: its header and the line number it starts on.
    Chunk(Vec<String>, u64),
}

fn parse_serial(path: &Path, text: &str, delimiter: u8, encoding: Encoding, start: Start) -> Result<RawTable> {
    let (mut skip, chunk_of) = match start {
        Start::File { skip } => (skip, None),
        Start::Chunk(h, l) => (0, Some((h, l))),
    };
    let mut reader =
        csv::ReaderBuilder::new().delimiter(delimiter).has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let mut lines = LineCounter { text: text.as_bytes(), counted_to: 0, newlines: 0 };
    let line_base = chunk_of.as_ref().map_or(0, |(_, l)| l - 1);
    let mut table: Option<RawTable> = chunk_of.map(|(h, l)| RawTable::new(h, l, encoding));
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = line_base + e.position().map_or(0, |p| lines.of(p.byte()));
                return Err(Error::file(
                    path,
                    format!("{line} 行目を CSV として読めません: {e}"),
                    format!("line {line} is not valid CSV: {e}"),
                ));
            }
        }
        let line = line_base + lines.of(record.position().map_or(0, |p| p.byte()));
        if record.iter().all(|c| c.trim().is_empty()) {
            continue; // blank and trailing empty rows
        }
        if skip > 0 {
            skip -= 1;
            continue; // a title row above the header
        }
        match &mut table {
            None => table = Some(RawTable::new(record.iter().map(str::to_owned).collect(), line, encoding)),
            Some(t) => t.push_record(path, line, record.len(), record.iter())?,
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
    fn a_large_file_parsed_in_parallel_matches_the_serial_parse() {
        let mut text = String::from("\n会員番号,職種\n");
        for i in 0..400_000 {
            if i % 1000 == 7 {
                text.push('\n'); // blank line
            }
            if i % 777 == 3 {
                text.push_str("ragged\n");
            }
            text.push_str(&format!("M{i},医師\n"));
        }
        assert!(text.len() > PARALLEL_BYTES);
        let p = Path::new("big.csv");
        let par = parse_delimited(p, &text, b',', Encoding::Utf8, 0).expect("parallel");
        let ser = parse_serial(p, &text, b',', Encoding::Utf8, Start::File { skip: 0 }).expect("serial");
        assert_eq!(par.len(), 400_000);
        assert_eq!(par.len(), ser.len());
        assert_eq!(par.ragged, ser.ragged);
        assert_eq!(par.header_line, 2);
        for i in [0, 1, 12_345, 399_999] {
            assert_eq!((par.row(i).line(), par.row(i).cell(0)), (ser.row(i).line(), ser.row(i).cell(0)));
        }
    }

    #[test]
    fn crlf_line_ends_parse_as_the_general_reader_does_and_a_lone_cr_falls_back() {
        let mut text = String::from("会員番号,職種\r\n");
        for i in 0..200_000 {
            text.push_str(&format!("M{i},医師{}\r\n", if i % 5000 == 1 { "," } else { "" }));
        }
        let p = Path::new("crlf.csv");
        let par = parse_delimited(p, &text, b',', Encoding::Utf8, 0).expect("parallel");
        let ser = parse_serial(p, &text, b',', Encoding::Utf8, Start::File { skip: 0 }).expect("serial");
        assert_eq!((par.len(), par.ragged.len()), (ser.len(), ser.ragged.len()));
        // Regression: the CSV reader numbered records after CRLF line ends (and blank lines) short.
        let lines: Vec<u64> = (0..4).map(|i| ser.row(i).line()).collect();
        assert_eq!((ser.header_line, lines), (1, vec![2, 3, 4, 5]), "serial");
        assert_eq!((par.row(9).cell(1), par.row(9).line()), ("医師", 11), "parallel");
        for (text, want) in [("a,b\r\n\r\n1,2\r\n\r\n\r\n3,4\r\n", [3, 6]), ("a,b\n\n1,2\n\n\n3,4\n", [3, 6])] {
            let t = parse_serial(p, text, b',', Encoding::Utf8, Start::File { skip: 0 }).expect("blank lines");
            assert_eq!([t.row(0).line(), t.row(1).line()], want, "{text:?}");
        }
        let plain = parse_plain(p, "a,b\r\nc\rd,e\n", b',', Encoding::Utf8, vec!["x".into(), "y".into()], 1);
        assert!(plain.expect("no error").is_none(), "a lone CR goes to the general reader");
    }

    /// Title rows above the header (a roster as offices export it): skipped by both parsers,
    /// kept with their lines, and every row keeps the file's own line number.
    #[test]
    fn title_rows_above_the_header_are_skipped_with_line_numbers_kept() {
        let mut text = String::from("会員名簿\n,,\n令和7年3月31日現在\n\n会員番号,職種\n");
        for i in 0..300_000 {
            text.push_str(&format!("M{i},医師\n"));
        }
        let p = Path::new("titled.csv");
        let choose = |l: &Leading| Ok(l.iter().position(|(_, c)| c[0] == "会員番号").unwrap_or(0));
        let t = read_headed(p, text.as_bytes(), &ReadOptions::default(), &choose).expect("reads");
        assert_eq!(t.headers, vec!["会員番号", "職種"]);
        assert_eq!(t.header_line, 5);
        let titles: Vec<(u64, &str)> = t.title_rows.iter().map(|(l, c)| (*l, c[0].as_str())).collect();
        assert_eq!(titles, vec![(1, "会員名簿"), (3, "令和7年3月31日現在")]);
        assert!(t.ragged.is_empty(), "{:?}", &t.ragged[..t.ragged.len().min(3)]);
        assert_eq!((t.row(0).line(), t.row(0).cell(0)), (6, "M0"));
        assert_eq!((t.row(299_999).line(), t.row(299_999).cell(0)), (300_005, "M299999"));
        assert!(text.len() > PARALLEL_BYTES, "the parallel parser is the one tested");
        let small = read_headed(p, &text.as_bytes()[..200], &ReadOptions::default(), &choose).expect("reads");
        assert_eq!((small.header_line, small.row(0).line()), (5, 6), "the serial parser");
        // A TSV whose title rows hold no tab is still a TSV.
        let tsv =
            read_headed(Path::new("t.txt"), "名簿\n\na\tb\n1\t2\n".as_bytes(), &ReadOptions::default(), &|_| Ok(1))
                .expect("reads");
        assert_eq!((tsv.headers.clone(), tsv.row(0).line()), (vec!["a".to_string(), "b".to_string()], 4));
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
