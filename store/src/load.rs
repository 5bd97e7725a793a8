//! A load transaction. One transaction may hold several loads (one per file of
//! an `ingest` command), so that the whole command is all-or-nothing.

use std::sync::Arc;

use arrow::array::{ArrayRef, Int64Array, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema};
use chrono::{NaiveDate, NaiveDateTime};
use duckdb::params;

use crate::error::{DbContext, Error, Result};
use crate::schema::{self, Supersede, Table};
use crate::warehouse::{LoadInfo, Warehouse};

/// What a load records about its file.
#[derive(Debug, Clone)]
pub struct LoadMeta {
    pub dataset: String,
    pub file_name: String,
    pub file_sha256: String,
    pub file_bytes: i64,
    pub encoding: String,
    pub as_of: Option<NaiveDate>,
    pub is_sample: bool,
    pub started_at: NaiveDateTime,
    /// The survey tool a responses file was exported from (`google-forms` …), if any.
    pub source: Option<String>,
}

/// The changes a roster snapshot makes to membership history.
#[derive(Debug)]
pub struct MemberDiff {
    /// New versions of member facts (payload of [`schema::MEMBERS`]).
    pub members_new: RecordBatch,
    /// Keys whose current member version the new versions replace (one Utf8 column `member_key`).
    pub members_superseded: RecordBatch,
    /// Intervals to close: `member_key` (Utf8) and `valid_to` (Date32).
    pub history_close: RecordBatch,
    /// Intervals to open (payload of [`schema::MEMBER_HISTORY`]).
    pub history_open: RecordBatch,
}

/// Stages batches of one load as Parquet files in the lake's staging area. It borrows
/// only the lake, so it may be used from several threads at once.
#[derive(Debug, Clone, Copy)]
pub struct Stager<'a> {
    lake: &'a crate::lake::Lake,
    id: i64,
}

/// A batch written to the staging area, waiting for [`LoadTx::insert_staged`].
#[derive(Debug)]
pub struct Staged {
    table: &'static Table,
    files: Vec<String>,
    rows: usize,
}

impl Stager<'_> {
    /// Writes the batch (payload columns of `table`, which must be a lake table).
    pub fn stage(&self, table: &'static Table, batch: &RecordBatch) -> Result<Staged> {
        if !table.in_lake {
            return Err(Error::Invalid(format!("{} is not a lake table", table.name)));
        }
        check_payload(table, batch)?;
        let t = std::time::Instant::now();
        let files = self.lake.stage_batch(table, self.id, batch)?;
        tracing::info!(
            "{}: staged {} rows as {} Parquet file(s) in {:?}",
            table.name,
            batch.num_rows(),
            files.len(),
            t.elapsed()
        );
        Ok(Staged { table, files, rows: batch.num_rows() })
    }
}

/// An open transaction on the warehouse. Dropped without [`LoadTx::commit`], it rolls back.
#[derive(Debug)]
pub struct LoadTx<'a> {
    wh: &'a mut Warehouse,
    current: Option<(i64, LoadMeta, Vec<&'static str>)>,
    finished: Vec<i64>,
    open: bool,
}

impl Warehouse {
    /// Begins a transaction for one or more loads.
    pub fn begin(&mut self) -> Result<LoadTx<'_>> {
        self.conn.execute_batch("BEGIN TRANSACTION").ctx(|| "begin load".into())?;
        Ok(LoadTx { wh: self, current: None, finished: Vec::new(), open: true })
    }
}

impl LoadTx<'_> {
    /// Starts the next load in this transaction and returns its id.
    pub fn start_load(&mut self, meta: LoadMeta) -> Result<i64> {
        if self.current.is_some() {
            return Err(Error::Invalid("start_load called while a load is open".into()));
        }
        let id = self.wh.next_load_id()?.max(self.finished.iter().max().map_or(0, |m| m + 1));
        self.wh.lake.clear_staged(id);
        self.current = Some((id, meta, Vec::new()));
        Ok(id)
    }

    fn current(&mut self) -> Result<&mut (i64, LoadMeta, Vec<&'static str>)> {
        self.current.as_mut().ok_or_else(|| Error::Invalid("no load started".into()))
    }

    /// The warehouse, for reads inside the transaction (they see its own writes).
    pub fn warehouse(&self) -> &Warehouse {
        self.wh
    }

    /// Appends a batch (payload columns of `table`) to the current load.
    pub fn append(&mut self, table: &'static Table, batch: &RecordBatch) -> Result<()> {
        if table.in_lake {
            // Lake tables go through a staged Parquet file: DuckDB reads it in parallel, and
            // after commit the same file is renamed into its lake partition.
            let staged = self.stager()?.stage(table, batch)?;
            return self.insert_staged(staged);
        }
        let (load_id, _, tables) = self.current()?;
        let load_id = *load_id;
        if !tables.contains(&table.name) {
            tables.push(table.name);
        }
        let full = with_system_columns(table, batch, load_id)?;
        if full.num_rows() == 0 {
            return Ok(());
        }
        let mut app = self.wh.conn.appender(table.name).ctx(|| format!("append to {}", table.name))?;
        app.append_record_batch(full).ctx(|| format!("append to {}", table.name))?;
        app.flush().ctx(|| format!("append to {}", table.name))?;
        Ok(())
    }

    /// A handle that stages batches of the current load as Parquet; it can be used from
    /// other threads while the caller computes something else (see [`Stager`]).
    pub fn stager(&self) -> Result<Stager<'_>> {
        let id = self.current.as_ref().map(|c| c.0).ok_or_else(|| Error::Invalid("no load started".into()))?;
        Ok(Stager { lake: &self.wh.lake, id })
    }

    /// Inserts a staged batch into its table (it joins the lake after commit).
    pub fn insert_staged(&mut self, staged: Staged) -> Result<()> {
        let (load_id, _, tables) = self.current()?;
        let load_id = *load_id;
        let table = staged.table;
        if !tables.contains(&table.name) {
            tables.push(table.name);
        }
        let files = staged.files.iter().map(|f| crate::sql::string_literal(f)).collect::<Vec<_>>().join(", ");
        let select = match table.supersede {
            Supersede::Intervals => format!(
                "SELECT {load_id}, member_key, valid_from, NULL, NULL, category, profession, prefecture_code \
                 FROM read_parquet([{files}])"
            ),
            _ => format!("SELECT {load_id}, NULL, * FROM read_parquet([{files}])"),
        };
        let t = std::time::Instant::now();
        self.wh
            .conn
            .execute_batch(&format!("INSERT INTO {} {select}", table.name))
            .ctx(|| format!("append to {}", table.name))?;
        tracing::info!("{}: {} rows inserted in {:?}", table.name, staged.rows, t.elapsed());
        Ok(())
    }

    /// Marks rows of earlier loads replaced by the current load, as the table's
    /// [`Supersede`] rule says. Returns the number of rows superseded.
    pub fn supersede(&mut self, table: &'static Table) -> Result<usize> {
        let load_id = self.current()?.0;
        let sql = match table.supersede {
            Supersede::All => format!(
                "UPDATE {t} SET superseded_by = $1 WHERE superseded_by IS NULL AND load_id <> $1",
                t = table.name
            ),
            Supersede::ByKey(keys) => {
                let k = keys.join(", ");
                format!(
                    "UPDATE {t} SET superseded_by = $1 WHERE superseded_by IS NULL AND load_id <> $1
                     AND ({k}) IN (SELECT DISTINCT {k} FROM {t} WHERE load_id = $1)",
                    t = table.name
                )
            }
            Supersede::Never | Supersede::Managed | Supersede::Intervals => return Ok(0),
        };
        self.wh.conn.execute(&sql, params![load_id]).ctx(|| format!("supersede rows of {}", table.name))
    }

    /// Applies a roster snapshot's changes to `members` and `member_history`; the new
    /// member versions and intervals (`diff.members_new`, `diff.history_open`) come staged
    /// (see [`Stager`]), so that they can be written while the snapshot is.
    pub fn apply_member_diff(&mut self, diff: &MemberDiff, members: Staged, history: Staged) -> Result<()> {
        if members.table.name != schema::MEMBERS.name || history.table.name != schema::MEMBER_HISTORY.name {
            return Err(Error::Invalid("apply_member_diff: staged members and member_history expected".into()));
        }
        let load_id = self.current()?.0;
        let conn = &self.wh.conn;
        conn.execute_batch(
            "CREATE OR REPLACE TABLE _superseded (member_key VARCHAR);
             CREATE OR REPLACE TABLE _closes (member_key VARCHAR, valid_to DATE);",
        )
        .ctx(|| "prepare member diff".into())?;
        if diff.members_superseded.num_rows() > 0 {
            let mut app = conn.appender("_superseded").ctx(|| "stage superseded members".into())?;
            app.append_record_batch(diff.members_superseded.clone()).ctx(|| "stage superseded members".into())?;
            app.flush().ctx(|| "stage superseded members".into())?;
        }
        if diff.history_close.num_rows() > 0 {
            let mut app = conn.appender("_closes").ctx(|| "stage closed intervals".into())?;
            app.append_record_batch(diff.history_close.clone()).ctx(|| "stage closed intervals".into())?;
            app.flush().ctx(|| "stage closed intervals".into())?;
        }
        conn.execute(
            "UPDATE members SET superseded_by = $1 FROM _superseded s
             WHERE members.member_key = s.member_key AND members.superseded_by IS NULL",
            params![load_id],
        )
        .ctx(|| "supersede member versions".into())?;
        conn.execute(
            "UPDATE member_history SET valid_to = c.valid_to, closed_load = $1 FROM _closes c
             WHERE member_history.member_key = c.member_key AND member_history.valid_to IS NULL",
            params![load_id],
        )
        .ctx(|| "close history intervals".into())?;
        conn.execute_batch("DROP TABLE _superseded; DROP TABLE _closes;").ctx(|| "finish member diff".into())?;
        self.insert_staged(members)?;
        self.insert_staged(history)?;
        let tables = &mut self.current()?.2;
        if !tables.contains(&"member_history_closes") {
            tables.push("member_history_closes");
        }
        Ok(())
    }

    /// Records the current load in the load history (inside the transaction).
    pub fn finish_load(&mut self, rows_accepted: i64, rows_rejected: i64) -> Result<i64> {
        let (load_id, meta, tables) = self.current.take().ok_or_else(|| Error::Invalid("no load started".into()))?;
        let finished_at = chrono::Utc::now().naive_utc();
        self.wh
            .conn
            .execute(
                "INSERT INTO loads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                params![
                    load_id,
                    meta.dataset,
                    meta.file_name,
                    meta.file_sha256,
                    meta.file_bytes,
                    meta.encoding,
                    meta.as_of,
                    rows_accepted,
                    rows_rejected,
                    meta.is_sample,
                    tables.join(","),
                    meta.started_at,
                    finished_at,
                    meta.source,
                ],
            )
            .ctx(|| format!("record load {load_id}"))?;
        self.finished.push(load_id);
        Ok(load_id)
    }

    /// Commits every finished load, then exports them to the lake.
    pub fn commit(mut self) -> Result<Vec<LoadInfo>> {
        if self.current.is_some() {
            return Err(Error::Invalid("commit with a load still open".into()));
        }
        let t = std::time::Instant::now();
        self.wh.conn.execute_batch("COMMIT").ctx(|| "commit load".into())?;
        self.open = false;
        tracing::info!("warehouse commit in {:?}", t.elapsed());
        // The loads are committed. A lake export that fails now (a full disk, say) is
        // finished by the repair at the next open, so it is reported, not returned.
        for id in &self.finished {
            if let Err(e) = self.wh.lake.export_load(&self.wh.conn, *id) {
                tracing::error!("lake export of load {id} failed; it will be retried at the next open: {e}");
            }
        }
        if !self.finished.is_empty()
            && let Err(e) = self.wh.lake.write_load_history(&self.wh.conn)
        {
            tracing::error!("lake load history not written; it will be retried at the next open: {e}");
        }
        let ids = std::mem::take(&mut self.finished);
        Ok(self.wh.loads()?.into_iter().filter(|l| ids.contains(&l.load_id)).collect())
    }

    /// Rolls back explicitly (dropping does the same).
    pub fn rollback(mut self) -> Result<()> {
        self.open = false;
        self.clear_staged();
        self.wh.conn.execute_batch("ROLLBACK").ctx(|| "roll back load".into())
    }

    fn clear_staged(&self) {
        for id in self.finished.iter().chain(self.current.as_ref().map(|c| &c.0)) {
            self.wh.lake.clear_staged(*id);
        }
    }
}

impl Drop for LoadTx<'_> {
    fn drop(&mut self) {
        if self.open {
            self.clear_staged();
            if let Err(e) = self.wh.conn.execute_batch("ROLLBACK") {
                tracing::error!("rollback failed: {e}");
            }
        }
    }
}

/// Checks a batch against the table's payload schema.
fn check_payload(table: &Table, batch: &RecordBatch) -> Result<()> {
    let expected = table.payload_schema();
    let got = batch.schema();
    if got.fields().len() != expected.fields().len()
        || got
            .fields()
            .iter()
            .zip(expected.fields())
            .any(|(g, e)| g.name() != e.name() || g.data_type() != e.data_type())
    {
        return Err(Error::Schema {
            table: table.name.to_string(),
            detail: format!("expected {expected:?}, got {got:?}"),
        });
    }
    Ok(())
}

/// Prepends `load_id` (and `superseded_by` where the table has it) to a payload batch,
/// checking the payload against the table's schema.
fn with_system_columns(table: &Table, batch: &RecordBatch, load_id: i64) -> Result<RecordBatch> {
    check_payload(table, batch)?;
    let expected = table.payload_schema();
    let n = batch.num_rows();
    let mut fields = vec![Field::new("load_id", DataType::Int64, false)];
    let mut cols: Vec<ArrayRef> = vec![Arc::new(Int64Array::from(vec![load_id; n]))];
    if table.supersede != Supersede::Intervals {
        fields.push(Field::new("superseded_by", DataType::Int64, true));
        cols.push(Arc::new(Int64Array::new_null(n)));
    }
    fields.extend(expected.fields().iter().map(|f| f.as_ref().clone()));
    cols.extend(batch.columns().iter().cloned());
    Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), cols)?)
}
