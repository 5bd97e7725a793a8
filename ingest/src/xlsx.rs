//! XLSX reading with calamine, guarded: the zip directory is checked before any
//! decompression (a zip bomb is refused by its declared uncompressed size) and every entry is
//! inflated into nothing, counted, before calamine reads it (a bomb whose sizes lie), an
//! encrypted workbook (an OLE container) is named as such, hidden sheets are
//! skipped, merged cells are filled from their top-left cell, and error cells
//! (#N/A …) are kept as errors for validation to report.

use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Reader, SheetType, SheetVisible, Xlsx};

use crate::decode::Encoding;
use crate::error::{Error, Result};
use crate::table::{HEADER_SCAN, HeaderChoice, RawTable, ReadOptions};

/// Largest total uncompressed size accepted (a roster of a million members is ~200 MB as XLSX XML).
pub const MAX_UNCOMPRESSED: u64 = 1 << 30;
/// Largest compression ratio accepted for a big entry.
pub const MAX_RATIO: u64 = 200;

pub fn read(path: &Path, bytes: &[u8], opts: &ReadOptions, choose: HeaderChoice<'_>) -> Result<RawTable> {
    if bytes.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        return Err(Error::file(
            path,
            "パスワード付き (暗号化) の Excel ファイル、または旧形式 (.xls) です。パスワードを外して .xlsx で保存し直してください",
            "an encrypted (password-protected) workbook or a legacy .xls file; remove the password and save as .xlsx",
        ));
    }
    check_zip(path, bytes)?;
    let corrupt = |e: calamine::XlsxError| {
        Error::file(
            path,
            format!("Excel ブックが壊れています (途中で切れている可能性があります): {e}"),
            format!("the workbook is corrupt or truncated: {e}"),
        )
    };
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(corrupt)?;
    let sheets = wb.sheets_metadata().to_vec();
    let mut notes = Vec::new();
    let sheet = match &opts.sheet {
        Some(name) => sheets.iter().find(|s| &s.name == name).ok_or_else(|| {
            let names: Vec<_> = sheets.iter().map(|s| s.name.as_str()).collect();
            Error::file(
                path,
                format!("シート '{name}' がありません (あるシート: {})", names.join(", ")),
                format!("no sheet named '{name}' (sheets: {})", names.join(", ")),
            )
        })?,
        None => sheets
            .iter()
            .find(|s| s.typ == SheetType::WorkSheet && s.visible == SheetVisible::Visible)
            .ok_or_else(|| Error::file(path, "表示されているワークシートがありません", "no visible worksheet"))?,
    };
    let hidden: Vec<_> = sheets.iter().filter(|s| s.visible != SheetVisible::Visible).map(|s| s.name.clone()).collect();
    if !hidden.is_empty() && opts.sheet.is_none() {
        notes.push(format!("非表示シートを読み飛ばしました / skipped hidden sheets: {}", hidden.join(", ")));
    }
    let name = sheet.name.clone();
    let range = wb.worksheet_range(&name).map_err(corrupt)?;
    let merges = wb.merge_cells_by_sheet_name(&name).map_err(corrupt)?;
    let (start_row, start_col) = range.start().unwrap_or((0, 0));
    let mut grid: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
    // Fill merged regions from their top-left cell.
    let mut filled = 0usize;
    for m in &merges {
        let top_left = cell(&grid, m.start.0, m.start.1, start_row, start_col).cloned().unwrap_or(Data::Empty);
        for r in m.start.0..=m.end.0 {
            for c in m.start.1..=m.end.1 {
                if let (Some(rr), Some(cc)) = (r.checked_sub(start_row), c.checked_sub(start_col))
                    && let Some(slot) = grid.get_mut(rr as usize).and_then(|row| row.get_mut(cc as usize))
                    && *slot == Data::Empty
                {
                    *slot = top_left.clone();
                    filled += 1;
                }
            }
        }
    }
    if filled > 0 {
        notes.push(format!(
            "結合セル {} 個を左上の値で埋めました / filled {filled} merged cells from their top-left cell",
            merges.len()
        ));
    }
    let leading: Vec<(u64, Vec<String>)> = grid
        .iter()
        .enumerate()
        .map(|(i, row)| (u64::from(start_row) + i as u64 + 1, row.iter().map(cell_text).collect::<Vec<_>>()))
        .filter(|(_, cells)| !cells.iter().all(|c| c.trim().is_empty()))
        .take(HEADER_SCAN)
        .collect();
    let mut skip = choose(&leading)?.min(leading.len().saturating_sub(1));
    let title_rows: Vec<(u64, Vec<String>)> = leading.into_iter().take(skip).collect();
    let mut table: Option<RawTable> = None;
    for (i, row) in grid.iter().enumerate() {
        let line = u64::from(start_row) + i as u64 + 1;
        let cells: Vec<String> = row.iter().map(cell_text).collect();
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if skip > 0 {
            skip -= 1;
            continue; // a title row above the header
        }
        match &mut table {
            None => table = Some(RawTable::new(cells, line, Encoding::Xlsx)),
            Some(t) => {
                for (j, v) in row.iter().enumerate() {
                    if let Data::Error(e) = v {
                        t.push_error(j, format!("{e}"));
                    }
                }
                t.push_row(path, line, cells.iter().map(String::as_str))?;
            }
        }
    }
    let mut table = table
        .ok_or_else(|| Error::file(path, format!("シート '{name}' が空です"), format!("sheet '{name}' is empty")))?;
    table.notes = notes;
    table.title_rows = title_rows;
    Ok(table)
}

fn cell(grid: &[Vec<Data>], r: u32, c: u32, r0: u32, c0: u32) -> Option<&Data> {
    grid.get(r.checked_sub(r0)? as usize)?.get(c.checked_sub(c0)? as usize)
}

pub fn cell_text(v: &Data) -> String {
    match v {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{}", *f as i64)
            } else {
                f.to_string()
            }
        }
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(d) => d.date().format("%Y-%m-%d").to_string(),
            None => dt.as_f64().to_string(),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("{e}"),
    }
}

/// Checks the zip directory before decompressing anything, then inflates every entry into
/// nothing (counting): a workbook that passes is safe to hand to calamine.
pub fn check_zip(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
        Error::file(
            path,
            format!("Excel ブックが壊れています (途中で切れている可能性があります): {e}"),
            format!("the workbook is corrupt or truncated: {e}"),
        )
    })?;
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|e| {
            Error::file(path, format!("Excel ブックが壊れています: {e}"), format!("the workbook is corrupt: {e}"))
        })?;
        let (meta, compressed) = (entry.size(), entry.compressed_size().max(1));
        total = total.saturating_add(meta);
        if meta > 10 << 20 && meta / compressed > MAX_RATIO {
            return Err(bomb(path, meta));
        }
    }
    if total > MAX_UNCOMPRESSED {
        return Err(bomb(path, total));
    }
    // A declared size can lie (deflate stops at its own end marker, not at the size the
    // directory states): inflate every entry into nothing, counting, before calamine builds
    // anything from it; past the limits, or past its declared size, it stops reading.
    let mut total: u64 = 0;
    let mut buf = vec![0u8; 64 << 10];
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|e| {
            Error::file(path, format!("Excel ブックが壊れています: {e}"), format!("the workbook is corrupt: {e}"))
        })?;
        let (declared, compressed) = (entry.size(), entry.compressed_size().max(1));
        let budget = MAX_UNCOMPRESSED.saturating_sub(total).min(compressed.saturating_mul(MAX_RATIO).max(10 << 20));
        let mut n: u64 = 0;
        loop {
            // Up to the declared size first, so that reading past it is a read of its own.
            let want = if n < declared {
                usize::try_from(declared - n).unwrap_or(usize::MAX).min(buf.len())
            } else {
                buf.len()
            };
            match std::io::Read::read(&mut entry, &mut buf[..want.max(1)]) {
                Ok(0) => break,
                Ok(k) => n += k as u64,
                // The reader refuses to inflate past the declared size: a lie about it.
                Err(_) if n >= declared => return Err(bomb(path, total.saturating_add(n))),
                Err(e) => {
                    return Err(Error::file(
                        path,
                        format!("Excel ブックが壊れています: {e}"),
                        format!("the workbook is corrupt: {e}"),
                    ));
                }
            }
            if n > budget {
                return Err(bomb(path, total.saturating_add(n)));
            }
        }
        total += n;
    }
    Ok(())
}

fn bomb(path: &Path, size: u64) -> Error {
    Error::file(
        path,
        format!("展開後のサイズが大きすぎます ({} MB)。zip 爆弾の可能性があるため読み込みません", size >> 20),
        format!("uncompressed size too large ({} MB); refusing a possible zip bomb", size >> 20),
    )
}
