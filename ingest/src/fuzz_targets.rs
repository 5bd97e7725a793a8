//! The bodies of the fuzz targets in `fuzz/` (coverage-guided, `scripts/fuzz`), kept here so
//! that the crash inputs they found replay as ordinary tests (`tests/it/fuzz_regressions.rs`)
//! through exactly the same code. Each takes arbitrary bytes and must return — an error
//! is fine, a panic is a bug.

use std::path::Path;

use crate::table::ReadOptions;
use crate::{decode as dec, headers, normalize, spec, xlsx as xl};

/// Encoding detection and decoding.
pub fn decode(data: &[u8]) {
    if let Ok((text, _)) = dec::decode(Path::new("fuzz.csv"), data) {
        // What decodes is text: re-encoding as UTF-16 must not fail either.
        let _ = dec::encode_utf16le(&text);
    }
}

/// The CSV/TSV table reader, by the names a user gives files.
pub fn table(data: &[u8]) {
    for name in ["fuzz.csv", "fuzz.tsv", "fuzz.txt"] {
        if let Ok(t) = crate::read::read(Path::new(name), data, &ReadOptions::default()) {
            for row in t.rows() {
                let _ = row.line();
                for i in 0..t.headers.len() {
                    let _ = row.cell(i);
                }
            }
        }
    }
}

/// The XLSX reader (zip, sheets, shared strings, merged and error cells).
pub fn xlsx(data: &[u8]) {
    // Any leading row may be chosen as the header.
    let _ = xl::read(Path::new("fuzz.xlsx"), data, &ReadOptions::default(), &|l| Ok(l.len() / 2));
}

/// The date, 和暦, year and 年度 normalisers.
pub fn dates(data: &[u8]) {
    let s = String::from_utf8_lossy(data);
    let _ = normalize::date(&s);
    let _ = normalize::year(&s);
    let _ = normalize::fiscal_year(&s);
    let _ = normalize::year_month(&s);
}

/// The prefecture, code, flag, count, decimal and text normalisers.
pub fn labels(data: &[u8]) {
    let s = String::from_utf8_lossy(data);
    let _ = normalize::text(&s);
    let _ = normalize::prefecture(&s);
    let _ = normalize::area_code(&s);
    let _ = normalize::flag(&s);
    let _ = normalize::count(&s);
    let _ = normalize::decimal(&s);
    let _ = normalize::is_blank_raw(&s);
}

/// The header mapper: one header per line, against every dataset.
pub fn header_map(data: &[u8]) {
    let s = String::from_utf8_lossy(data);
    let heads: Vec<String> = s.split('\n').map(str::to_string).collect();
    let user = headers::HeaderMap::default();
    for spec in spec::DATASETS {
        let _ = headers::map_headers(Path::new("fuzz.csv"), spec, &heads, &user, |i| i % 2 == 0);
    }
}
