//! 会員名簿: a roster snapshot.

use std::sync::Arc;

use arrow::array::{
    Array, ArrayBuilder, ArrayRef, AsArray, BooleanArray, Date32Builder, Int32Builder, Int64Builder, StringBuilder,
};
use arrow::datatypes::Int64Type;
use arrow::record_batch::RecordBatch;
use chrono::NaiveDate;
use rayon::prelude::*;

use super::env::{Env, Validated};
use crate::error::{Error, Result};
use crate::normalize::{self, Problem};
use crate::spec::MEMBERS;
use crate::table::RawTable;
use crate::validate::{Checker, date32};
use model::membership::{CATEGORIES, PROFESSIONS, SEXES};

const ID: usize = 0;
const CATEGORY: usize = 1;
const PROFESSION: usize = 2;
const JOINED: usize = 3;
const LEFT: usize = 4;
const PREF: usize = 5;
const BIRTH: usize = 6;
const SEX: usize = 7;
const EXTRACTED: usize = 8;

/// Rows per chunk when validating in parallel.
const CHUNK: usize = 32_768;

pub fn validate(ck: &mut Checker<'_>, table: &RawTable, env: &Env<'_>) -> Result<Validated> {
    let as_of = snapshot_date(ck, table, env)?;
    let n = table.len();
    let t = std::time::Instant::now();
    let ranges: Vec<std::ops::Range<usize>> = (0..n).step_by(CHUNK).map(|a| a..(a + CHUNK).min(n)).collect();
    let parts: Vec<(Result<RecordBatch>, Checker<'_>)> = ranges
        .into_par_iter()
        .map(|range| {
            let mut local = ck.fork();
            let batch = validate_rows(&mut local, table, env, as_of, range);
            (batch, local)
        })
        .collect();
    let mut batches = Vec::with_capacity(parts.len());
    for (batch, local) in parts {
        batches.push(batch?);
        ck.absorb(local);
    }
    tracing::info!("members: {n} rows normalised and validated in {:?}", t.elapsed());
    let t = std::time::Instant::now();
    let schema = store::schema::MEMBER_SNAPSHOTS.payload_schema();
    let all = arrow::compute::concat_batches(&schema, &batches)?;
    let batch = drop_duplicate_ids(ck, all)?;
    tracing::info!("members: chunks joined and duplicate ids checked in {:?}", t.elapsed());
    Ok(Validated {
        rows_ok: batch.num_rows(),
        batches: vec![(&store::schema::MEMBER_SNAPSHOTS, batch)],
        rows_total: n,
        as_of: Some(as_of),
        ..Default::default()
    })
}

/// Rejects every repeat of a member id after its first row, and drops those rows. The
/// pseudonyms are sorted as 128-bit numbers (in parallel), so repeats sit side by side.
fn drop_duplicate_ids(ck: &mut Checker<'_>, batch: RecordBatch) -> Result<RecordBatch> {
    let keys = batch.column(2).as_string::<i32>();
    let lines = batch.column(0).as_primitive::<Int64Type>();
    let mut sorted: Vec<(u128, u32)> = (0..keys.len())
        .into_par_iter()
        .map(|i| {
            let k = keys.value(i);
            crate::pseudonym::bits(k).map(|b| (b, i as u32)).ok_or_else(|| crate::pseudonym::not_one("members", k))
        })
        .collect::<Result<_>>()?;
    sorted.par_sort_unstable();
    let mut keep = vec![true; keys.len()];
    let mut dropped = false;
    // Rows of one id sort by position, so the first of each run is the original.
    let mut run: Option<(u128, u32)> = None;
    for &(k, i) in &sorted {
        let first = match run {
            Some((rk, first)) if rk == k => first,
            _ => {
                run = Some((k, i));
                continue;
            }
        };
        let f = lines.value(first as usize);
        ck.reject_line(
            lines.value(i as usize) as u64,
            Some(MEMBERS.columns[ID].ja),
            None,
            Problem::new(format!("会員番号が {f} 行目と重複しています"), format!("member id duplicates line {f}")),
        );
        keep[i as usize] = false;
        dropped = true;
    }
    if !dropped {
        return Ok(batch);
    }
    Ok(arrow::compute::filter_record_batch(&batch, &BooleanArray::from(keep))?)
}

fn validate_rows(
    ck: &mut Checker<'_>,
    table: &RawTable,
    env: &Env<'_>,
    as_of: NaiveDate,
    range: std::ops::Range<usize>,
) -> Result<RecordBatch> {
    let n = range.len();
    let mut row_no = Int64Builder::with_capacity(n);
    let mut key = StringBuilder::with_capacity(n, n * 32);
    let mut category = StringBuilder::with_capacity(n, n * 9);
    let mut profession = StringBuilder::with_capacity(n, n * 6);
    let mut joined = Date32Builder::with_capacity(n);
    let mut left = Date32Builder::with_capacity(n);
    let mut pref = Int32Builder::with_capacity(n);
    let mut birth = Int32Builder::with_capacity(n);
    let mut sex = StringBuilder::with_capacity(n, n * 6);
    for i in range {
        let mut r = ck.row(table.row(i));
        let id = r.req(ID, |v| Ok(env.pseudonymiser.pseudonym_hex(v)));
        let c = r.label(CATEGORY, &CATEGORIES).flatten();
        let p = r.label(PROFESSION, &PROFESSIONS).flatten();
        let j = r.date(JOINED).flatten();
        let l = r.date(LEFT);
        let pr = r.prefecture(PREF);
        let b = r.year(BIRTH);
        let s = r.label(SEX, &SEXES);
        if let (Some(j), Some(Some(l))) = (j, l)
            && l < j
        {
            r.reject_at(
                LEFT,
                Problem::new(
                    format!("退会日 {l} が入会日 {j} より前です"),
                    format!("left on {l}, before joining on {j}"),
                ),
            );
        }
        if let Some(j) = j
            && j > as_of
        {
            r.reject_at(
                JOINED,
                Problem::new(
                    format!("入会日 {j} が名簿の抽出日 {as_of} より後です"),
                    format!("joined on {j}, after the snapshot date {as_of}"),
                ),
            );
        }
        let line = r.line();
        let (Some(id), Some(c), Some(p), Some(j), Some(l), Some(pr), Some(b), Some(s), true) =
            (id, c, p, j, l, pr, b, s, r.ok)
        else {
            continue;
        };
        row_no.append_value(line as i64);
        key.append_value(id.as_str());
        category.append_value(c);
        profession.append_value(p);
        joined.append_value(date32(j));
        left.append_option(l.map(date32));
        pref.append_option(pr.map(|p| i32::from(p.code())));
        birth.append_option(b);
        sex.append_option(s);
    }
    let ok = row_no.len();
    let mut as_of_col = Date32Builder::with_capacity(ok);
    as_of_col.append_slice(&vec![date32(as_of); ok]);
    let cols: Vec<ArrayRef> = vec![
        Arc::new(row_no.finish()),
        Arc::new(as_of_col.finish()),
        Arc::new(key.finish()),
        Arc::new(category.finish()),
        Arc::new(profession.finish()),
        Arc::new(joined.finish()),
        Arc::new(left.finish()),
        Arc::new(pref.finish()),
        Arc::new(birth.finish()),
        Arc::new(sex.finish()),
    ];
    Ok(RecordBatch::try_new(store::schema::MEMBER_SNAPSHOTS.payload_schema(), cols)?)
}

/// The snapshot date: the 抽出日 column (one value) or `--as-of`; they must agree.
fn snapshot_date(ck: &Checker<'_>, table: &RawTable, env: &Env<'_>) -> Result<NaiveDate> {
    let path = ck.file;
    let mut from_column: Option<NaiveDate> = None;
    if let Some(fi) = ck.mapping.columns[EXTRACTED] {
        for row in table.rows() {
            let raw = row.cell(fi);
            if raw.trim().is_empty() {
                continue;
            }
            let d = normalize::date(raw).map_err(|p| {
                Error::file(
                    path,
                    format!("{} 行目の抽出日: {}", row.line(), p.ja),
                    format!("line {}: extracted_on: {}", row.line(), p.en),
                )
            })?;
            match from_column {
                Some(prev) if prev != d => {
                    return Err(Error::file(
                        path,
                        format!(
                            "抽出日が行によって違います ({prev} と {d}、{} 行目)。1 ファイル 1 時点にしてください",
                            row.line()
                        ),
                        format!("extracted_on differs between rows ({prev} and {d}, line {})", row.line()),
                    ));
                }
                _ => from_column = Some(d),
            }
        }
    }
    match (from_column, env.as_of) {
        (Some(c), Some(a)) if c != a => Err(Error::file(
            path,
            format!("抽出日 {c} と --as-of {a} が一致しません"),
            format!("extracted_on {c} disagrees with --as-of {a}"),
        )),
        (Some(d), _) | (None, Some(d)) => Ok(d),
        (None, None) => Err(Error::file(
            path,
            "名簿の時点が分かりません。抽出日の列を入れるか --as-of 2025-03-31 のように指定してください",
            "the snapshot date is unknown: add an 抽出日 column or pass --as-of",
        )),
    }
}
