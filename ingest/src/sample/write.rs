//! Writers for the forms offices send: CSV in UTF-8 with BOM or CP932, UTF-16LE
//! TSV (Excel "Unicode text") and XLSX.

use std::path::Path;

use rust_xlsxwriter::{Format, Workbook};

use crate::decode;
use crate::error::{Error, Result};

/// A table of text cells.
#[derive(Debug, Default, Clone)]
pub struct Sheet {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Sheet {
    pub fn new(headers: &[&str]) -> Self {
        Sheet { headers: headers.iter().map(|h| h.to_string()).collect(), rows: Vec::new() }
    }

    pub fn push(&mut self, row: Vec<String>) {
        self.rows.push(row);
    }

    fn to_delimited(&self, delimiter: u8) -> Result<String> {
        let mut w =
            csv::WriterBuilder::new().delimiter(delimiter).terminator(csv::Terminator::CRLF).from_writer(Vec::new());
        let err = |e: csv::Error| Error::Usage(format!("csv: {e}"));
        w.write_record(&self.headers).map_err(err)?;
        for r in &self.rows {
            w.write_record(r).map_err(err)?;
        }
        let bytes = w.into_inner().map_err(|e| Error::Usage(format!("csv: {e}")))?;
        String::from_utf8(bytes).map_err(|e| Error::Usage(format!("csv: {e}")))
    }
}

/// The encodings and containers the sample uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Utf8Bom,
    Utf8,
    Cp932,
    Utf16Tsv,
    Xlsx,
}

impl Form {
    pub fn label(self) -> &'static str {
        match self {
            Form::Utf8Bom => "UTF-8 (BOM) CSV",
            Form::Utf8 => "UTF-8 CSV",
            Form::Cp932 => "CP932 CSV",
            Form::Utf16Tsv => "UTF-16LE TSV",
            Form::Xlsx => "XLSX",
        }
    }
}

/// Options for XLSX output.
#[derive(Debug, Default, Clone)]
pub struct XlsxExtras {
    /// Merge runs of equal values in this column vertically, as offices do.
    pub merge_column: Option<usize>,
    /// Columns holding ISO dates, written as real Excel dates.
    pub date_columns: Vec<usize>,
    /// A hidden sheet (name, rows) added after the data sheet.
    pub hidden_sheet: Option<(String, Vec<Vec<String>>)>,
    pub sheet_name: String,
}

pub fn write(path: &Path, sheet: &Sheet, form: Form, xlsx: &XlsxExtras) -> Result<Vec<u8>> {
    let bytes = match form {
        Form::Utf8Bom => {
            let mut b = b"\xEF\xBB\xBF".to_vec();
            b.extend_from_slice(sheet.to_delimited(b',')?.as_bytes());
            b
        }
        Form::Utf8 => sheet.to_delimited(b',')?.into_bytes(),
        Form::Cp932 => cp932_lossy(&sheet.to_delimited(b',')?),
        Form::Utf16Tsv => decode::encode_utf16le(&sheet.to_delimited(b'\t')?),
        Form::Xlsx => write_xlsx(sheet, xlsx)?,
    };
    std::fs::write(path, &bytes).map_err(|e| Error::Write(e, path.to_path_buf()))?;
    Ok(bytes)
}

/// CP932 as an office PC writes it: characters CP932 lacks become 〓 (the geta mark).
pub(crate) fn cp932_lossy(text: &str) -> Vec<u8> {
    if let Some(b) = decode::encode_cp932(text) {
        return b;
    }
    let mut buf = [0u8; 4];
    let fixed: String =
        text.chars().map(|c| if decode::encode_cp932(c.encode_utf8(&mut buf)).is_some() { c } else { '〓' }).collect();
    decode::encode_cp932(&fixed).unwrap_or_default()
}

fn write_xlsx(sheet: &Sheet, x: &XlsxExtras) -> Result<Vec<u8>> {
    let err = |e: rust_xlsxwriter::XlsxError| Error::Usage(format!("xlsx: {e}"));
    let mut wb = Workbook::new();
    // A fixed creation date keeps the file byte-identical for a given seed.
    let created = rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 10, 31).map_err(err)?;
    wb.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&created));
    let date_fmt = Format::new().set_num_format("yyyy/m/d");
    let ws = wb.add_worksheet();
    ws.set_name(if x.sheet_name.is_empty() { "Sheet1" } else { &x.sheet_name }).map_err(err)?;
    let bold = Format::new().set_bold();
    for (c, h) in sheet.headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &bold).map_err(err)?;
    }
    for (r, row) in sheet.rows.iter().enumerate() {
        let rr = r as u32 + 1;
        for (c, v) in row.iter().enumerate() {
            let cc = c as u16;
            if v.is_empty() {
                continue;
            }
            if x.merge_column == Some(c) {
                continue; // written below as merged ranges
            }
            if x.date_columns.contains(&c)
                && let Ok(d) = chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
            {
                let xd = rust_xlsxwriter::ExcelDateTime::from_ymd(
                    u16::try_from(chrono::Datelike::year(&d)).unwrap_or(1900),
                    chrono::Datelike::month(&d) as u8,
                    chrono::Datelike::day(&d) as u8,
                )
                .map_err(err)?;
                ws.write_datetime_with_format(rr, cc, &xd, &date_fmt).map_err(err)?;
                continue;
            }
            match v.parse::<f64>() {
                Ok(n) if !v.starts_with('0') || v == "0" => ws.write_number(rr, cc, n).map_err(err)?,
                _ => ws.write_string(rr, cc, v).map_err(err)?,
            };
        }
    }
    if let Some(mc) = x.merge_column {
        let mut start = 0usize;
        while start < sheet.rows.len() {
            let v = &sheet.rows[start][mc];
            let mut end = start;
            while end + 1 < sheet.rows.len() && sheet.rows[end + 1][mc] == *v {
                end += 1;
            }
            let (r0, r1, c) = (start as u32 + 1, end as u32 + 1, mc as u16);
            if end > start {
                ws.merge_range(r0, c, r1, c, v, &Format::new()).map_err(err)?;
            } else {
                ws.write_string(r0, c, v).map_err(err)?;
            }
            start = end + 1;
        }
    }
    if let Some((name, rows)) = &x.hidden_sheet {
        let hs = wb.add_worksheet();
        hs.set_name(name).map_err(err)?;
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                hs.write_string(r as u32, c as u16, v).map_err(err)?;
            }
        }
        hs.set_hidden(true);
    }
    wb.save_to_buffer().map_err(err)
}
