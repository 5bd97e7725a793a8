//! The file formats of a download: XLSX (a data sheet and a manifest sheet), Parquet
//! (the manifest in the file's key-value metadata), and a ZIP of CSV + XLSX + Parquet +
//! `manifest.json` with the SHA-256 of each file. Nothing here records the wall clock,
//! so the same result gives the same bytes (except XLSX, whose format stamps a date).

use std::io::Write;
use std::sync::Arc;

use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;
use queries::{MetricResult, Value};
use rust_xlsxwriter::{Format, Workbook};
use serde_json::{Value as J, json};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

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
    Error::Internal(format!("xlsx: {e}"))
}

/// A workbook: sheet データ (headers in Japanese with units; numbers as numbers; withheld
/// cells as X) and sheet manifest (one key and value per row).
pub fn xlsx(r: &MetricResult) -> Result<Vec<u8>> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name("データ").map_err(xlsx_err)?;
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
                // Typed string cells: never evaluated as formulas.
                other => ws.write_string(y, x, other.display()).map(|_| ()),
            }
            .map_err(xlsx_err)?;
        }
    }
    ws.set_freeze_panes(1, 0).map_err(xlsx_err)?;
    let m = manifest(r, &[]);
    let ms = wb.add_worksheet();
    ms.set_name("manifest").map_err(xlsx_err)?;
    let mut y = 0;
    if let Some(obj) = m.as_object() {
        for (k, v) in obj {
            if k == "files" || k == "columns" {
                continue;
            }
            ms.write_string_with_format(y, 0, k, &bold).map_err(xlsx_err)?;
            let text = match v {
                J::String(s) => s.clone(),
                other => other.to_string(),
            };
            ms.write_string(y, 1, &text).map_err(xlsx_err)?;
            y += 1;
        }
    }
    wb.save_to_buffer().map_err(xlsx_err)
}

/// Parquet (zstd) with the manifest under the key `oncometrics.manifest` in the schema's
/// metadata (which the Parquet file's key-value metadata carries, and pyarrow, polars and
/// DuckDB read back).
pub fn parquet(r: &MetricResult) -> Result<Vec<u8>> {
    let batch = queries::console::to_batch(r)?;
    let meta = serde_json::to_string(&manifest(r, &[])).map_err(|e| Error::Internal(e.to_string()))?;
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
    let batch = batch.with_schema(schema.clone()).map_err(|e| Error::Internal(format!("parquet: {e}")))?;
    let mut buf = Vec::new();
    let mut w =
        ArrowWriter::try_new(&mut buf, schema, Some(props)).map_err(|e| Error::Internal(format!("parquet: {e}")))?;
    w.write(&batch).map_err(|e| Error::Internal(format!("parquet: {e}")))?;
    w.close().map_err(|e| Error::Internal(format!("parquet: {e}")))?;
    Ok(buf)
}

/// A ZIP of the CSV, XLSX and Parquet files and `manifest.json` with their hashes.
pub fn zip(r: &MetricResult, stem: &str, csv_utf8_bom: Vec<u8>) -> Result<Vec<u8>> {
    let files: Vec<(String, Vec<u8>)> = vec![
        (format!("{stem}.csv"), csv_utf8_bom),
        (format!("{stem}.xlsx"), xlsx(r)?),
        (format!("{stem}.parquet"), parquet(r)?),
    ];
    let listed: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    let manifest = serde_json::to_vec_pretty(&manifest(r, &listed)).map_err(|e| Error::Internal(e.to_string()))?;
    let mut cursor = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut cursor);
        // A fixed timestamp: the same result gives the same archive.
        let opt = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default());
        let zerr = |e: zip::result::ZipError| Error::Internal(format!("zip: {e}"));
        for (name, bytes) in
            files.iter().map(|(n, b)| (n.as_str(), b.as_slice())).chain([("manifest.json", manifest.as_slice())])
        {
            z.start_file(name, opt).map_err(zerr)?;
            z.write_all(bytes).map_err(|e| Error::Internal(format!("zip: {e}")))?;
        }
        z.finish().map_err(zerr)?;
    }
    Ok(cursor.into_inner())
}
