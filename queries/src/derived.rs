//! Derived tables: built once per store state from the snapshot's tables, so that metrics
//! read a prepared table instead of repeating a join or an aggregation per request. In
//! memory they are held as in-memory tables; in lake mode they are written to the lake's
//! `_derived/` area (keyed by the load they describe and by what builds them) and read from
//! there, built only when missing — so a second process, or the next start, reads them.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::compute::concat_batches;
use arrow::record_batch::RecordBatch;
use datafusion::dataframe::DataFrameWriteOptions;
use datafusion::execution::context::SessionContext;
use datafusion::prelude::ParquetReadOptions;
use futures::future::BoxFuture;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::session::register;

/// A table derived from the snapshot's tables when the snapshot is built, so that metrics
/// read a prepared table instead of repeating the same join or aggregation per request.
/// Each is built once per store state; its cost is part of reading the snapshot.
#[derive(Debug)]
pub struct Derived {
    pub name: &'static str,
    /// The tables it is derived from (its rows come from their loads).
    pub from: &'static [&'static str],
    pub build: Build,
}

/// How a derived table is computed from the tables registered before it.
#[derive(Debug, Clone, Copy)]
pub enum Build {
    /// One SQL query.
    Sql(fn() -> String),
    /// Rust over query results, for what SQL can only say as a range join (which
    /// DataFusion evaluates row by row).
    Rust(for<'a> fn(&'a SessionContext) -> BoxFuture<'a, Result<RecordBatch>>),
}

/// `member_spells`: one row per member and validity interval of their state, clipped
/// to their membership: the member is in that state on day D when
/// `span_from <= D AND (span_to IS NULL OR span_to > D)`.
pub const MEMBER_SPELLS: Derived = Derived {
    name: "member_spells",
    from: &["members", "member_history"],
    build: Build::Sql(|| {
        "SELECT h.member_key, h.category, h.profession, h.prefecture_code, m.birth_year, m.sex,
            m.joined_on, m.left_on, m.left_inferred, h.load_id,
            CASE WHEN h.valid_from > m.joined_on THEN h.valid_from ELSE m.joined_on END AS span_from,
            CASE WHEN m.left_on IS NULL THEN h.valid_to
                 WHEN h.valid_to IS NULL THEN m.left_on
                 WHEN h.valid_to < m.left_on THEN h.valid_to
                 ELSE m.left_on END AS span_to
     FROM member_history h JOIN members m ON h.member_key = m.member_key"
            .to_string()
    }),
};

/// Where derived tables are kept.
#[derive(Debug, Clone)]
pub enum Materialize {
    /// In memory (the in-memory snapshot).
    Memory,
    /// Under `<lake>/_derived/` (lake mode).
    Lake(PathBuf),
}

/// What identifies a derived table's build: its SQL text, or (for one built in Rust) its name
/// and this program's version — a changed definition never reads an old file.
fn fingerprint(d: &Derived) -> String {
    let what = match d.build {
        Build::Sql(sql) => format!("sql:{}", sql()),
        Build::Rust(_) => format!("rust:{}:{}", d.name, env!("CARGO_PKG_VERSION")),
    };
    hex::encode(&Sha256::digest(what.as_bytes())[..8])
}

/// Builds `d` over `ctx` (whose earlier tables it reads) and registers it; its rows.
pub(crate) async fn materialize(
    ctx: &SessionContext,
    d: &Derived,
    at_load: i64,
    partitions: usize,
    how: &Materialize,
) -> Result<usize> {
    match how {
        Materialize::Memory => {
            let batch = build_batch(ctx, d).await?;
            let rows = batch.num_rows();
            register(ctx, d.name, batch, partitions)?;
            Ok(rows)
        }
        Materialize::Lake(lake) => {
            let dir = lake
                .join(store::lake::DERIVED_DIR)
                .join(d.name)
                .join(format!("at_load={at_load}"))
                .join(fingerprint(d));
            if !dir.is_dir() {
                match aside(&dir) {
                    // A lake one may only read (a researcher's copy): build it in memory instead.
                    Err(e) => {
                        tracing::warn!("{}: kept in memory, not in the lake: {e}", d.name);
                        return Box::pin(materialize(ctx, d, at_load, partitions, &Materialize::Memory)).await;
                    }
                    // A query that fails (out of memory …) is an error, not built again in memory:
                    // that would hold what lake mode exists to keep out of memory.
                    Ok(aside) => {
                        if let Err(e) = write(ctx, d, &aside, &dir).await {
                            let _ = std::fs::remove_dir_all(&aside);
                            return Err(e);
                        }
                    }
                }
            }
            ctx.register_parquet(d.name, &format!("{}/", dir.display()), ParquetReadOptions::default()).await?;
            let counted = ctx.sql(&format!("SELECT count(*) FROM {}", d.name)).await?.collect().await?;
            Ok(counted
                .first()
                .and_then(|b| b.column(0).as_any().downcast_ref::<arrow::array::Int64Array>().map(|a| a.value(0)))
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(0))
        }
    }
}

async fn build_batch(ctx: &SessionContext, d: &Derived) -> Result<RecordBatch> {
    match d.build {
        Build::Sql(sql) => {
            let frame = ctx.sql(&sql()).await?;
            let schema = Arc::new(frame.schema().as_arrow().clone());
            Ok(concat_batches(&schema, &frame.collect().await?)?)
        }
        Build::Rust(build) => build(ctx).await,
    }
}

/// One Parquet file holding `batch` (which may have no rows).
fn write_file(path: &Path, batch: &RecordBatch) -> Result<()> {
    let err = |e: &dyn std::fmt::Display| Error::Runtime(format!("{}: {e}", path.display()));
    let file = std::fs::File::create(path).map_err(|e| err(&e))?;
    let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).map_err(|e| err(&e))?;
    w.write(batch).map_err(|e| err(&e))?;
    w.close().map_err(|e| err(&e))?;
    Ok(())
}

/// Writes `d` into `aside` ([`aside`]), then renames it to `dir`, so that a reader never sees
/// half of it (a second process building it at once leaves the first one's in place). A
/// SQL-built table streams from the query to the files without being held in memory.
async fn write(ctx: &SessionContext, d: &Derived, aside: &Path, dir: &Path) -> Result<()> {
    match d.build {
        Build::Sql(sql) => {
            let frame = ctx.sql(&sql()).await?;
            let schema = Arc::new(frame.schema().as_arrow().clone());
            let path = format!("{}/", aside.display());
            frame.write_parquet(&path, DataFrameWriteOptions::new(), None).await?;
            // No rows writes no file: an empty one keeps the table's columns.
            if std::fs::read_dir(aside).map_err(|e| io(aside, e))?.next().is_none() {
                write_file(&aside.join("part-0.parquet"), &RecordBatch::new_empty(schema))?;
            }
        }
        Build::Rust(_) => write_file(&aside.join("part-0.parquet"), &build_batch(ctx, d).await?)?,
    }
    put_in_place(aside, dir)
}

fn io(path: &Path, e: std::io::Error) -> Error {
    Error::Runtime(format!("{}: {e}", path.display()))
}

/// A fresh directory beside `dir`, private to this writer, to write `dir`'s files into: named
/// by the process and a number no other writer of this process gets, so that two snapshots
/// building the same table at once (two server states over one lake) never write into, or
/// clear, each other's files. (Sharing one name per process let one builder empty the other's
/// directory before it was renamed into place: a derived table with files missing.)
fn aside(dir: &Path) -> Result<PathBuf> {
    static WRITERS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let parent = dir.parent().ok_or_else(|| Error::Runtime(format!("{}: no parent", dir.display())))?;
    std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
    let aside = parent.join(format!(
        ".{}.{}.{}",
        std::process::id(),
        WRITERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        dir.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned())
    ));
    // Left by a crashed process of the same id and number: not anyone's now.
    let _ = std::fs::remove_dir_all(&aside);
    std::fs::create_dir(&aside).map_err(|e| io(&aside, e))?;
    Ok(aside)
}

/// Renames `aside` to `dir`; when another process put its copy there first, keeps that one.
fn put_in_place(aside: &Path, dir: &Path) -> Result<()> {
    match std::fs::rename(aside, dir) {
        Ok(()) => Ok(()),
        Err(_) if dir.is_dir() => {
            let _ = std::fs::remove_dir_all(aside);
            Ok(())
        }
        Err(e) => Err(io(dir, e)),
    }
}

/// Registers `batch`, a table derived after the snapshot was built (renewal readiness), as
/// `name`: in memory, or in lake mode written to `_derived/<name>/at_load=N/<its content's
/// hash>/` and read from there — no table of a lake-mode plan is held in memory, so that a
/// plan can be sent whole to a cluster.
pub(crate) async fn keep(
    ctx: &SessionContext,
    name: &str,
    batch: RecordBatch,
    at_load: i64,
    how: &Materialize,
) -> Result<()> {
    let Materialize::Lake(lake) = how else {
        return register(ctx, name, batch, 1);
    };
    let mut ipc = Vec::new();
    {
        let mut w = arrow::ipc::writer::StreamWriter::try_new(&mut ipc, &batch.schema())?;
        w.write(&batch)?;
        w.finish()?;
    }
    let key = hex::encode(&Sha256::digest(&ipc)[..8]);
    let dir = lake.join(store::lake::DERIVED_DIR).join(name).join(format!("at_load={at_load}")).join(key);
    if !dir.is_dir() {
        let written = aside(&dir)
            .and_then(|a| write_file(&a.join("part-0.parquet"), &batch).map(|()| a))
            .and_then(|a| put_in_place(&a, &dir));
        if let Err(e) = written {
            tracing::warn!("{name}: kept in memory, not in the lake: {e}");
            return register(ctx, name, batch, 1);
        }
    }
    ctx.register_parquet(name, &format!("{}/", dir.display()), ParquetReadOptions::default()).await?;
    Ok(())
}
