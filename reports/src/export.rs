//! Files a metric result leaves the product as: CSV (formula-escaped text cells; UTF-8 with
//! BOM or CP932), XLSX (a data sheet and a manifest sheet), Parquet (the manifest in the
//! file's key-value metadata) and ZIP archives with `manifest.json` and the SHA-256 of each
//! file. The dashboard's downloads and the research pack both write through here. Nothing
//! records the wall clock, so the same result gives the same bytes.

use std::io::Write;
use std::sync::Arc;

use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;
use queries::{MetricResult, Value};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};
use serde_json::{Value as J, json};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// Characters that start a formula in a spreadsheet, in ASCII and in the full-width and
/// small forms a Japanese spreadsheet also takes for them (＝ is a formula in Excel with a
/// Japanese input method), and the minus sign.
const FORMULA_STARTS: &[char] = &['=', '+', '-', '@', '＝', '＋', '－', '＠', '﹦', '﹢', '﹣', '﹫', '\u{2212}'];

/// Whether a spreadsheet could take `s` for a formula: it starts with a tab, CR or LF, or
/// with a formula character after any blank (spaces, full-width spaces, zero-width
/// characters, line breaks) — spreadsheets skip leading blanks before `=`.
pub fn starts_formula(s: &str) -> bool {
    if s.starts_with(['\t', '\r', '\n']) {
        return true;
    }
    let blank =
        |c: char| c.is_whitespace() || matches!(c, '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}');
    s.trim_start_matches(blank).starts_with(FORMULA_STARTS)
}

/// A text cell made safe for spreadsheets (CSV injection): text that could start a
/// formula ([`starts_formula`]) gets a leading apostrophe.
pub fn spreadsheet_safe(s: &str) -> std::borrow::Cow<'_, str> {
    if starts_formula(s) { format!("'{s}").into() } else { s.into() }
}

fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

/// A text cell for CSV: formula-escaped, then quoted where needed.
pub fn csv_text(s: &str) -> String {
    quote(&spreadsheet_safe(s))
}

/// CSV of a result: one header row (Japanese with units, or column names), then the rows.
/// Withheld cells are written as X, as in official statistics.
pub fn csv(r: &MetricResult, names: bool) -> String {
    let mut out = String::new();
    let header: Vec<String> = r
        .columns
        .iter()
        .map(|c| {
            if names {
                c.name.to_string()
            } else if c.unit.is_empty() {
                c.ja.to_string()
            } else {
                format!("{}（{}）", c.ja, c.unit)
            }
        })
        .collect();
    out.push_str(&header.iter().map(|h| quote(h)).collect::<Vec<_>>().join(","));
    out.push_str("\r\n");
    for row in &r.rows {
        let cells: Vec<String> = row
            .iter()
            .map(|v| match v {
                Value::Text(s) => csv_text(s),
                other => quote(&other.display()),
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

/// Encodes CSV text as CP932; Err names the first character Shift_JIS cannot hold.
pub fn cp932(text: &str) -> std::result::Result<Vec<u8>, char> {
    let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(text);
    if unmappable {
        let bad = text.chars().find(|c| {
            let mut b = [0_u8; 4];
            encoding_rs::SHIFT_JIS.encode(c.encode_utf8(&mut b)).2
        });
        return Err(bad.unwrap_or('?'));
    }
    Ok(bytes.into_owned())
}

/// UTF-8 text with a byte-order mark, so that Excel reads Japanese CSV correctly.
pub fn utf8_bom(text: &str) -> Vec<u8> {
    let mut b = "\u{feff}".as_bytes().to_vec();
    b.extend(text.as_bytes());
    b
}

/// What a download is: the metric, its parameters, audience and policy, the loads it
/// came from, the attribution, and (in a ZIP) each file's hash.
pub fn manifest(r: &MetricResult, files: &[(&str, &[u8])]) -> J {
    json!({
        "metric": r.metric,
        "title": { "ja": r.title_ja, "en": r.title_en },
        "params": r.params,
        "audience": r.policy.audience.name(),
        "suppression_policy": r.policy,
        "suppression_policy_ja": r.policy.describe_ja(),
        "load_ids": r.provenance.load_ids,
        "snapshot_at_load": r.provenance.at_load,
        "sample_data": r.provenance.sample,
        "attribution": model::ATTRIBUTION,
        "columns": r.columns,
        "generated_by": format!("oncometrics {}", env!("CARGO_PKG_VERSION")),
        "files": files.iter().map(|(name, bytes)| json!({
            "name": name,
            "bytes": bytes.len(),
            "sha256": hex::encode(Sha256::digest(bytes)),
        })).collect::<Vec<_>>(),
    })
}

fn xlsx_err(e: rust_xlsxwriter::XlsxError) -> Error {
    Error::Export(format!("xlsx: {e}"))
}

/// A workbook whose creation date is `as_of` (not the clock): the same data, the same bytes.
pub fn workbook(as_of: Option<chrono::NaiveDate>) -> Result<Workbook> {
    use chrono::Datelike;
    let mut wb = Workbook::new();
    let created = as_of
        .and_then(|d| ExcelDateTime::from_ymd(u16::try_from(d.year()).ok()?, d.month() as u8, d.day() as u8).ok())
        .map_or_else(|| ExcelDateTime::from_ymd(2000, 1, 1), Ok)
        .map_err(xlsx_err)?;
    wb.set_properties(&DocProperties::new().set_creation_datetime(&created));
    Ok(wb)
}

/// A result as a worksheet: headers in Japanese with units, numbers as numbers, withheld
/// cells as X, text as typed strings (never evaluated as formulas).
pub fn data_sheet(wb: &mut Workbook, name: &str, r: &MetricResult) -> Result<()> {
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name(name).map_err(xlsx_err)?;
    for (c, col) in r.columns.iter().enumerate() {
        let h = if col.unit.is_empty() { col.ja.to_string() } else { format!("{}（{}）", col.ja, col.unit) };
        ws.write_string_with_format(0, c as u16, &h, &bold).map_err(xlsx_err)?;
    }
    for (i, row) in r.rows.iter().enumerate() {
        let y = i as u32 + 1;
        for (c, v) in row.iter().enumerate() {
            let x = c as u16;
            match v {
                Value::Int(n) => ws.write_number(y, x, *n as f64).map(|_| ()),
                Value::Num(n) => ws.write_number(y, x, *n).map(|_| ()),
                Value::Bool(b) => ws.write_boolean(y, x, *b).map(|_| ()),
                Value::Null => Ok(()),
                other => write_text(ws, y, x, &other.display(), None),
            }
            .map_err(xlsx_err)?;
        }
    }
    ws.set_freeze_panes(1, 0).map_err(xlsx_err)?;
    Ok(())
}

/// A worksheet of key–value rows (a manifest) or any rows of text.
pub fn text_sheet(wb: &mut Workbook, name: &str, rows: &[Vec<String>]) -> Result<()> {
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name(name).map_err(xlsx_err)?;
    for (y, row) in rows.iter().enumerate() {
        for (x, text) in row.iter().enumerate() {
            let format = if y == 0 || x == 0 { Some(&bold) } else { None };
            write_text(ws, y as u32, x as u16, text, format).map_err(xlsx_err)?;
        }
    }
    Ok(())
}

/// A text cell: typed as text, and with Excel's quote prefix where it could start a formula,
/// so that not even editing the cell turns it into one (the text itself is unchanged).
fn write_text(
    ws: &mut rust_xlsxwriter::Worksheet,
    y: u32,
    x: u16,
    text: &str,
    format: Option<&Format>,
) -> std::result::Result<(), rust_xlsxwriter::XlsxError> {
    match (starts_formula(text), format) {
        (true, f) => ws.write_string_with_format(y, x, text, &f.cloned().unwrap_or_default().set_quote_prefix()),
        (false, Some(f)) => ws.write_string_with_format(y, x, text, f),
        (false, None) => ws.write_string(y, x, text),
    }
    .map(|_| ())
}

pub fn save(wb: &mut Workbook) -> Result<Vec<u8>> {
    wb.save_to_buffer().map_err(xlsx_err)
}

/// A workbook: sheet データ and sheet manifest (one key and value per row).
pub fn xlsx(r: &MetricResult) -> Result<Vec<u8>> {
    let as_of = r.params.get("as_of").and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    let mut wb = workbook(as_of)?;
    data_sheet(&mut wb, "データ", r)?;
    let m = manifest(r, &[]);
    let mut rows = Vec::new();
    if let Some(obj) = m.as_object() {
        for (k, v) in obj {
            if k == "files" || k == "columns" {
                continue;
            }
            let text = match v {
                J::String(s) => s.clone(),
                other => other.to_string(),
            };
            rows.push(vec![k.clone(), text]);
        }
    }
    text_sheet(&mut wb, "manifest", &rows)?;
    save(&mut wb)
}

/// Parquet (zstd) with the manifest under the key `oncometrics.manifest` in the schema's
/// metadata (which the Parquet file's key-value metadata carries, and pyarrow, polars and
/// DuckDB read back).
pub fn parquet(r: &MetricResult) -> Result<Vec<u8>> {
    let batch = queries::console::to_batch(r)?;
    let meta = serde_json::to_string(&manifest(r, &[])).map_err(|e| Error::Export(e.to_string()))?;
    let props = WriterProperties::builder()
        .set_compression(parquet::basic::Compression::ZSTD(Default::default()))
        .set_created_by(format!("oncometrics {}", env!("CARGO_PKG_VERSION")))
        .build();
    let schema = Arc::new(
        batch
            .schema()
            .as_ref()
            .clone()
            .with_metadata([("oncometrics.manifest".to_string(), meta)].into_iter().collect()),
    );
    let batch = batch.with_schema(schema.clone()).map_err(|e| Error::Export(format!("parquet: {e}")))?;
    let mut buf = Vec::new();
    let mut w =
        ArrowWriter::try_new(&mut buf, schema, Some(props)).map_err(|e| Error::Export(format!("parquet: {e}")))?;
    w.write(&batch).map_err(|e| Error::Export(format!("parquet: {e}")))?;
    w.close().map_err(|e| Error::Export(format!("parquet: {e}")))?;
    Ok(buf)
}

/// A ZIP of the CSV, XLSX and Parquet files and `manifest.json` with their hashes.
pub fn zip(r: &MetricResult, stem: &str, csv_utf8_bom: Vec<u8>) -> Result<Vec<u8>> {
    let mut files: Vec<(String, Vec<u8>)> = vec![
        (format!("{stem}.csv"), csv_utf8_bom),
        (format!("{stem}.xlsx"), xlsx(r)?),
        (format!("{stem}.parquet"), parquet(r)?),
    ];
    let listed: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    let manifest = serde_json::to_vec_pretty(&manifest(r, &listed)).map_err(|e| Error::Export(e.to_string()))?;
    files.push(("manifest.json".into(), manifest));
    zip_files(&files)
}

/// A ZIP of named files, deflated, with a fixed timestamp: the same files give the same archive.
pub fn zip_files(files: &[(String, Vec<u8>)]) -> Result<Vec<u8>> {
    let mut cursor = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut cursor);
        let opt = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default());
        let zerr = |e: zip::result::ZipError| Error::Export(format!("zip: {e}"));
        for (name, bytes) in files {
            z.start_file(name.as_str(), opt).map_err(zerr)?;
            z.write_all(bytes).map_err(|e| Error::Export(format!("zip: {e}")))?;
        }
        z.finish().map_err(zerr)?;
    }
    Ok(cursor.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_escaped_and_other_text_is_not() {
        for s in ["=1+1", "+81", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(spreadsheet_safe(s), format!("'{s}"));
        }
        assert_eq!(spreadsheet_safe("医師"), "医師");
        assert_eq!(spreadsheet_safe("a=b"), "a=b");
    }

    #[test]
    fn full_width_and_blank_led_formula_starts_are_escaped() {
        for s in [
            "＝HYPERLINK(\"http://x\")",
            "＋81",
            "－2",
            "＠SUM(A1)",
            "﹦1",
            " =1+1",
            "\u{3000}=1",
            "\n=1",
            "\u{feff}=1",
            " \t @x",
            "\u{2212}1",
        ] {
            assert!(starts_formula(s), "{s:?}");
            assert_eq!(spreadsheet_safe(s), format!("'{s}"), "{s:?}");
        }
        for s in ["医師 = 8割", "東京都", "", " ", "a-b", "１２３"] {
            assert!(!starts_formula(s), "{s:?}");
        }
    }

    #[test]
    fn cp932_encodes_japanese_and_names_what_it_cannot() {
        assert_eq!(cp932("医師"), Ok(vec![0x88, 0xe3, 0x8e, 0x74]));
        assert_eq!(cp932("𠮷野家"), Err('𠮷'));
    }

    #[test]
    fn zips_of_the_same_files_are_identical() {
        let files = vec![("a.csv".to_string(), b"x,y\r\n".to_vec())];
        assert_eq!(zip_files(&files).ok(), zip_files(&files).ok());
    }
}
