//! Opening the warehouse, its metadata, the load history and `status`.

use std::path::{Path, PathBuf};

use arrow::record_batch::RecordBatch;
use chrono::NaiveDate;
use duckdb::{Connection, OptionalExt, params};
use serde::Serialize;

use crate::error::{DbContext, Error, Result};
use crate::lake::Lake;
use crate::schema::{self, TABLES};

/// The DuckDB warehouse and its Parquet lake.
#[derive(Debug)]
pub struct Warehouse {
    pub(crate) conn: Connection,
    pub(crate) path: PathBuf,
    pub(crate) lake: Lake,
}

/// One committed load.
#[derive(Debug, Clone, Serialize)]
pub struct LoadInfo {
    pub load_id: i64,
    pub dataset: String,
    pub file_name: String,
    pub file_sha256: String,
    pub file_bytes: i64,
    pub encoding: String,
    pub as_of: Option<NaiveDate>,
    pub rows_accepted: i64,
    pub rows_rejected: i64,
    pub is_sample: bool,
    pub started_at: String,
    pub finished_at: String,
    /// The survey tool a responses file was exported from (`google-forms` …), if any.
    pub source: Option<String>,
}

/// Current rows of one table.
#[derive(Debug, Clone, Serialize)]
pub struct DatasetStatus {
    pub table: String,
    pub current_rows: i64,
    pub all_rows: i64,
    pub loads: i64,
    /// A short description of the time the table covers (dates or 年度).
    pub coverage: Option<String>,
}

/// What the store holds.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub warehouse: PathBuf,
    pub lake: PathBuf,
    pub loads: i64,
    pub sample_loads: i64,
    pub latest_member_snapshot: Option<NaiveDate>,
    pub tables: Vec<DatasetStatus>,
}

impl Warehouse {
    /// Opens (creating if needed) the warehouse at `path`, with its lake at `lake_dir`,
    /// and repairs the lake after any interrupted export.
    pub fn open(path: &Path, lake_dir: &Path) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| Error::Lake { path: dir.to_path_buf(), source })?;
        }
        let conn = Connection::open(path).map_err(|source| {
            let msg = source.to_string();
            if msg.contains("lock") {
                Error::Locked { path: path.to_path_buf(), source }
            } else {
                Error::Open { path: path.to_path_buf(), source }
            }
        })?;
        let wh = Warehouse { conn, path: path.to_path_buf(), lake: Lake::new(lake_dir) };
        wh.create_schema()?;
        // Refused, with nothing changed, when the lake is another warehouse's.
        let id = wh.id()?;
        let has_loads: i64 =
            wh.conn.query_row("SELECT COUNT(*) FROM loads", [], |r| r.get(0)).ctx(|| "count loads".into())?;
        wh.lake.claim(&id, &wh.path, has_loads > 0)?;
        // The lake is derived from the warehouse: a problem with it (an unwritable directory,
        // a full disk) must not stop anyone reading the warehouse. It is retried at every open.
        if let Err(e) = wh.lake.repair(&wh.conn) {
            tracing::error!("the Parquet lake could not be brought up to date (retried at the next open): {e}");
        }
        Ok(wh)
    }

    fn create_schema(&self) -> Result<()> {
        let mut ddl =
            vec![schema::META_DDL.to_string(), schema::LOADS_DDL.to_string(), schema::LOADS_ADDED.to_string()];
        ddl.extend(TABLES.iter().map(|t| t.ddl()));
        ddl.extend(TABLES.iter().flat_map(|t| t.additions()));
        let sql = ddl.join(";\n") + ";";
        self.conn.execute_batch(&sql).ctx(|| format!("create schema in {}", self.path.display()))?;
        let version = self.meta("schema_version")?;
        match version.as_deref() {
            None => self.set_meta("schema_version", schema::SCHEMA_VERSION)?,
            Some(v) if v == schema::SCHEMA_VERSION => {}
            Some(v) => {
                return Err(Error::Invalid(format!(
                    "warehouse {} has schema version {v}; this build expects {}",
                    self.path.display(),
                    schema::SCHEMA_VERSION
                )));
            }
        }
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The warehouse's identity (a UUID made when it is first opened), which its lake records.
    pub fn id(&self) -> Result<String> {
        if let Some(id) = self.meta("warehouse_id")? {
            return Ok(id);
        }
        let id: String =
            self.conn.query_row("SELECT uuid()::VARCHAR", [], |r| r.get(0)).ctx(|| "make a warehouse id".into())?;
        self.set_meta("warehouse_id", &id)?;
        Ok(id)
    }

    pub fn lake_dir(&self) -> &Path {
        self.lake.root()
    }

    /// A metadata value.
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?", params![key], |r| r.get(0))
            .optional()
            .ctx(|| format!("read meta {key}"))
    }

    /// Sets a metadata value (outside any load).
    pub fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.conn
            .execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", params![key, value])
            .ctx(|| format!("write meta {key}"))?;
        Ok(())
    }

    /// The committed load of a file with this SHA-256 for this dataset, if any.
    pub fn load_of_file(&self, dataset: &str, sha256: &str) -> Result<Option<LoadInfo>> {
        Ok(self
            .query_loads("WHERE dataset = ? AND file_sha256 = ? ORDER BY load_id LIMIT 1", &[dataset, sha256])?
            .into_iter()
            .next())
    }

    /// The whole load history, oldest first.
    pub fn loads(&self) -> Result<Vec<LoadInfo>> {
        self.query_loads("ORDER BY load_id", &[])
    }

    fn query_loads(&self, tail: &str, args: &[&str]) -> Result<Vec<LoadInfo>> {
        let sql = format!(
            "SELECT load_id, dataset, file_name, file_sha256, file_bytes, encoding, as_of, rows_accepted,
                    rows_rejected, is_sample, strftime(started_at, '%Y-%m-%d %H:%M:%S'),
                    strftime(finished_at, '%Y-%m-%d %H:%M:%S'), source
             FROM loads {tail}"
        );
        let mut stmt = self.conn.prepare(&sql).ctx(|| "read load history".into())?;
        let rows = stmt
            .query_map(duckdb::params_from_iter(args.iter()), |r| {
                Ok(LoadInfo {
                    load_id: r.get(0)?,
                    dataset: r.get(1)?,
                    file_name: r.get(2)?,
                    file_sha256: r.get(3)?,
                    file_bytes: r.get(4)?,
                    encoding: r.get(5)?,
                    as_of: r.get(6)?,
                    rows_accepted: r.get(7)?,
                    rows_rejected: r.get(8)?,
                    is_sample: r.get(9)?,
                    started_at: r.get(10)?,
                    finished_at: r.get(11)?,
                    source: r.get(12)?,
                })
            })
            .ctx(|| "read load history".into())?;
        rows.collect::<std::result::Result<Vec<_>, _>>().ctx(|| "read load history".into())
    }

    /// The next load id (loads are numbered 1, 2, 3 … in commit order).
    pub(crate) fn next_load_id(&self) -> Result<i64> {
        self.conn
            .query_row("SELECT COALESCE(MAX(load_id), 0) + 1 FROM loads", [], |r| r.get(0))
            .ctx(|| "allocate load id".into())
    }

    /// Runs a read-only query and returns Arrow batches.
    pub fn query_arrow(&self, sql: &str) -> Result<Vec<RecordBatch>> {
        self.query_arrow_with(sql, &[])
    }

    /// As [`Warehouse::query_arrow`], with text values bound to the `?` placeholders in order.
    pub fn query_arrow_with(&self, sql: &str, values: &[&str]) -> Result<Vec<RecordBatch>> {
        let mut stmt = self.conn.prepare(sql).ctx(|| format!("prepare {sql}"))?;
        let batches = stmt.query_arrow(duckdb::params_from_iter(values)).ctx(|| format!("run {sql}"))?.collect();
        Ok(batches)
    }

    /// Writes the result of a read-only query to a Parquet file (benchmarks, exports).
    pub fn copy_to_parquet(&self, sql: &str, path: &Path) -> Result<()> {
        let target = crate::sql::string_literal(&path.display().to_string());
        self.conn
            .execute_batch(&format!("COPY ({sql}) TO {target} (FORMAT parquet)"))
            .ctx(|| format!("export {sql} to {}", path.display()))
    }

    /// A single integer from a query (for checks and tests).
    pub fn query_i64(&self, sql: &str) -> Result<i64> {
        self.conn.query_row(sql, [], |r| r.get(0)).ctx(|| format!("run {sql}"))
    }

    /// The date of the latest roster snapshot loaded.
    pub fn latest_member_snapshot(&self) -> Result<Option<NaiveDate>> {
        self.conn
            .query_row("SELECT MAX(as_of) FROM member_snapshots", [], |r| r.get(0))
            .ctx(|| "latest snapshot".into())
    }

    /// What the store holds.
    pub fn status(&self) -> Result<Status> {
        let loads = self.query_i64("SELECT COUNT(*) FROM loads")?;
        let sample_loads = self.query_i64("SELECT COUNT(*) FROM loads WHERE is_sample")?;
        let latest_member_snapshot = self.latest_member_snapshot()?;
        let mut tables = Vec::new();
        for t in TABLES {
            let current = crate::sql::current_rule(t);
            let coverage_expr = coverage_expr(t.name);
            let sql = format!(
                "SELECT COUNT(*) FILTER (WHERE {current}), COUNT(*), COUNT(DISTINCT load_id), {coverage_expr} FROM {}",
                t.name
            );
            let (current_rows, all_rows, loads, coverage) = self
                .conn
                .query_row(&sql, [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, Option<String>>(3)?)))
                .ctx(|| format!("status of {}", t.name))?;
            tables.push(DatasetStatus { table: t.name.to_string(), current_rows, all_rows, loads, coverage });
        }
        Ok(Status {
            warehouse: self.path.clone(),
            lake: self.lake.root().to_path_buf(),
            loads,
            sample_loads,
            latest_member_snapshot,
            tables,
        })
    }
}

/// SQL giving a short coverage description per table.
fn coverage_expr(table: &str) -> &'static str {
    match table {
        "member_snapshots" => {
            "CAST(MIN(as_of) AS VARCHAR) || ' … ' || CAST(MAX(as_of) AS VARCHAR) || ' (' || COUNT(DISTINCT as_of) || ' snapshots)'"
        }
        "members" => "'joined ' || CAST(MIN(joined_on) AS VARCHAR) || ' … ' || CAST(MAX(joined_on) AS VARCHAR)",
        "member_history" => "CAST(MIN(valid_from) AS VARCHAR) || ' … ' || CAST(MAX(valid_from) AS VARCHAR)",
        "survey_waves" | "survey_questions" | "survey_responses" | "survey_answers" | "hospital_volumes" => {
            "'年度 ' || MIN(fiscal_year) FILTER (WHERE superseded_by IS NULL) || '–' || MAX(fiscal_year) FILTER (WHERE superseded_by IS NULL)"
        }
        "specialists" => {
            "CAST(MIN(certified_on) FILTER (WHERE superseded_by IS NULL) AS VARCHAR) || ' … ' || CAST(MAX(certified_on) FILTER (WHERE superseded_by IS NULL) AS VARCHAR)"
        }
        "designations" => {
            "CAST(MIN(designated_from) FILTER (WHERE superseded_by IS NULL) AS VARCHAR) || ' … ' || CAST(MAX(designated_from) FILTER (WHERE superseded_by IS NULL) AS VARCHAR)"
        }
        "areas" | "hospitals" => "string_agg(DISTINCT area_set, ',') FILTER (WHERE superseded_by IS NULL)",
        t if t.starts_with("jsmo_") || t.starts_with("jbct_") => {
            "'更新年度 ' || MIN(renewal_fy) FILTER (WHERE superseded_by IS NULL) || '–' || MAX(renewal_fy) FILTER (WHERE superseded_by IS NULL)"
        }
        _ => "CAST(NULL AS VARCHAR)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A quote in a path the warehouse writes to (a `COPY … TO`) is data, not SQL.
    #[test]
    fn a_query_copies_to_a_path_with_a_quote_in_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let wh = Warehouse::open(&dir.path().join("wh.duckdb"), &dir.path().join("lake")).expect("open");
        let target = dir.path().join("o'brien.parquet");
        wh.copy_to_parquet("SELECT 1 AS x", &target).expect("copy");
        assert!(target.exists());
        let rows = wh.query_arrow_with("SELECT ? AS v", &["it's"]).expect("query");
        assert_eq!(rows.iter().map(|b| b.num_rows()).sum::<usize>(), 1);
    }
}
