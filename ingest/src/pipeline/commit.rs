//! Step 3, the commit: every validated file loaded in one store transaction, all or nothing —
//! a roster diffed into membership history, other datasets appended and superseding what
//! they replace, rejects and unknown columns' cells kept beside them.

use std::sync::Arc;

use arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use store::schema::{self, Table};
use store::{LoadMeta, LoadTx, Warehouse};

use super::progress::Progress;
use super::report::{IngestReport, Outcome};
use super::validation::{Prepared, Validation};
use crate::decode::Encoding;
use crate::designation_list::held::{HELD_COLUMNS, ListLoad, held_batch, held_from_batches};
use crate::designation_list::{name_map, periods};
use crate::error::{Error, Result};
use crate::history;
use crate::reject::Reject;

impl Validation {
    /// Loads every validated file (rejected rows left out) in one transaction, and records
    /// the pseudonymisation key's fingerprint on the first load.
    pub fn commit(mut self, wh: &mut Warehouse, progress: &dyn Progress) -> Result<IngestReport> {
        self.check_order(wh)?;
        if wh.meta("key_fingerprint")?.is_none() {
            wh.set_meta("key_fingerprint", &self.fingerprint)?;
        }
        let mut tx = wh.begin()?;
        for p in &mut self.prepared {
            progress.step(&format!("保存 / committing {}", p.report.path.display()));
            p.report.load_id = Some(load_file(&mut tx, p)?);
        }
        progress.step("コミット / committing");
        let t = std::time::Instant::now();
        tx.commit()?;
        tracing::info!("committed and exported to the lake in {:?}", t.elapsed());
        progress.finish();
        Ok(self.report(Outcome::Committed))
    }
}

/// One file's load inside the transaction; its load id.
fn load_file(tx: &mut LoadTx<'_>, p: &mut Prepared) -> Result<i64> {
    let meta = LoadMeta {
        dataset: p.report.dataset.to_string(),
        file_name: p.report.path.file_name().and_then(|n| n.to_str()).unwrap_or("").to_string(),
        file_sha256: p.report.sha256.clone(),
        file_bytes: p.report.bytes as i64,
        encoding: p.report.encoding.map_or("", Encoding::label).to_string(),
        as_of: p.report.as_of,
        is_sample: p.report.is_sample,
        started_at: chrono::Utc::now().naive_utc(),
        source: p.report.source.map(str::to_string),
    };
    let file_name = meta.file_name.clone();
    let load_id = tx.start_load(meta)?;
    if p.report.dataset == "members" {
        load_roster(tx, p)?;
    } else if let Some(list) = &p.validated.list {
        let note = load_list(tx, list, &p.validated.batches)?;
        p.report.notes.push(note);
    } else {
        for (table, batch) in &p.validated.batches {
            tx.append(table, batch)?;
            tx.supersede(table)?;
        }
    }
    if !p.report.rejects.is_empty() {
        tx.append(&schema::LOAD_REJECTS, &rejects_batch(&p.report.rejects)?)?;
    }
    if !p.extras.is_empty() {
        tx.append(&schema::EXTRA_CELLS, &extras_batch(&schema::EXTRA_CELLS, &file_name, &p.extras)?)?;
    }
    if !p.validated.raw_cells.is_empty() {
        let cells: Vec<(u64, String, String)> =
            p.validated.raw_cells.iter().map(|c| (c.line, c.column.to_string(), c.raw.clone())).collect();
        tx.append(&schema::RAW_CELLS, &extras_batch(&schema::RAW_CELLS, &file_name, &cells)?)?;
    }
    tx.finish_load(p.report.rows_ok as i64, p.report.rows_total.saturating_sub(p.report.rows_ok) as i64)?;
    Ok(load_id)
}

/// A roster snapshot: diffed against the members and intervals in force, and the snapshot,
/// the new member versions and the new intervals staged at once.
fn load_roster(tx: &mut LoadTx<'_>, p: &Prepared) -> Result<()> {
    let snapshot = &p.validated.batches[0].1;
    let as_of = p.report.as_of.ok_or_else(|| Error::Usage("members file without a snapshot date".into()))?;
    let state = history::CurrentState {
        members: tx.warehouse().query_arrow(history::CURRENT_MEMBERS_SQL)?,
        open: tx.warehouse().query_arrow(history::OPEN_INTERVALS_SQL)?,
    };
    let t = std::time::Instant::now();
    let diff = history::diff(snapshot, as_of, state)?;
    tracing::info!("membership history diff in {:?}", t.elapsed());
    let stager = tx.stager()?;
    let (snap, (members, intervals)) = rayon::join(
        || stager.stage(&schema::MEMBER_SNAPSHOTS, snapshot),
        || {
            rayon::join(
                || stager.stage(&schema::MEMBERS, &diff.members_new),
                || stager.stage(&schema::MEMBER_HISTORY, &diff.history_open),
            )
        },
    );
    tx.insert_staged(snap?)?;
    tx.apply_member_diff(&diff, members?, intervals?)?;
    tracing::info!("members appended to the warehouse in {:?}", t.elapsed());
    Ok(())
}

/// A designation list: its designations diffed against the periods held (as earlier files of
/// the same command left them) into the whole new set of periods, which replaces the old; the
/// name map it used kept for next year. Returns what changed, for the report.
fn load_list(tx: &mut LoadTx<'_>, list: &ListLoad, batches: &[(&'static Table, RecordBatch)]) -> Result<String> {
    let held =
        held_from_batches(&tx.warehouse().query_arrow(&store::sql::current(&schema::DESIGNATIONS, HELD_COLUMNS))?);
    let listed = held_from_batches(&batches.iter().map(|(_, b)| b.clone()).collect::<Vec<_>>());
    let (rows, changes) = periods::periods(&held, &listed, list.as_of, |h| list.key(h));
    tx.append(&schema::DESIGNATIONS, &held_batch(&rows)?)?;
    tx.supersede(&schema::DESIGNATIONS)?;
    if !list.name_map.is_empty() {
        tx.warehouse().set_meta(name_map::META_KEY, &list.name_map.to_json())?;
    }
    Ok(changes.note(list.as_of))
}

fn rejects_batch(rejects: &[Reject]) -> Result<RecordBatch> {
    let cols: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(rejects.iter().map(|r| r.file.as_str()))),
        Arc::new(Int64Array::from_iter(rejects.iter().map(|r| r.line.map(|l| l as i64)))),
        Arc::new(StringArray::from_iter(rejects.iter().map(|r| r.column.as_deref()))),
        Arc::new(StringArray::from_iter(rejects.iter().map(|r| r.value.as_deref()))),
        Arc::new(StringArray::from_iter_values(rejects.iter().map(|r| r.reason_ja.as_str()))),
        Arc::new(StringArray::from_iter_values(rejects.iter().map(|r| r.reason_en.as_str()))),
    ];
    Ok(RecordBatch::try_new(schema::LOAD_REJECTS.payload_schema(), cols)?)
}

fn extras_batch(table: &Table, file: &str, cells: &[(u64, String, String)]) -> Result<RecordBatch> {
    let cols: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(cells.iter().map(|_| file))),
        Arc::new(Int64Array::from_iter_values(cells.iter().map(|c| c.0 as i64))),
        Arc::new(StringArray::from_iter_values(cells.iter().map(|c| c.1.as_str()))),
        Arc::new(StringArray::from_iter_values(cells.iter().map(|c| c.2.as_str()))),
    ];
    Ok(RecordBatch::try_new(table.payload_schema(), cols)?)
}
