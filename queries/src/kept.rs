//! Files in the lake's `_derived/` area: written into a directory of their own beside where
//! they go ([`aside`]) and renamed into place whole ([`put_in_place`]), so that a reader never
//! sees half of them; and [`Keeper`], which writes a table derived after the snapshot was built
//! (renewal readiness) a batch at a time.

use std::fs::File;
use std::path::{Path, PathBuf};

use arrow::compute::concat_batches;
use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use datafusion::execution::context::SessionContext;
use datafusion::prelude::ParquetReadOptions;
use parquet::arrow::ArrowWriter;

use crate::error::{Error, Result};
use crate::session::register;

/// Where a table (or file) kept in the lake's `_derived/` area lives:
/// `<lake>/_derived/<name>/at_load=<N>/<key>/` — per load, so that the lake's repair drops those
/// of a load that never committed, and per [`key`] of what it is built from, so that a changed
/// definition never reads an old one.
pub(crate) fn dir(lake: &Path, name: &str, at_load: i64, key: &str) -> PathBuf {
    lake.join(store::lake::DERIVED_DIR).join(name).join(format!("at_load={at_load}")).join(key)
}

/// The key of what a kept table is built from (its SQL, the code and settings …): 16 hex digits
/// of its SHA-256.
pub(crate) fn key(what: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(&Sha256::digest(what.as_bytes())[..8])
}

/// Registers the Parquet files of the kept directory `dir` as the table `name` of `ctx`.
pub(crate) async fn register_dir(ctx: &SessionContext, name: &str, dir: &Path) -> Result<()> {
    ctx.register_parquet(name, &format!("{}/", dir.display()), ParquetReadOptions::default()).await?;
    Ok(())
}

pub(crate) fn io(path: &Path, e: std::io::Error) -> Error {
    Error::Runtime(format!("{}: {e}", path.display()))
}

/// A fresh directory beside `dir`, private to this writer, to write `dir`'s files into: named
/// by the process and a number no other writer of this process gets, so that two snapshots
/// building the same table at once (two server states over one lake) never write into, or
/// clear, each other's files. (Sharing one name per process let one builder empty the other's
/// directory before it was renamed into place: a derived table with files missing.)
pub(crate) fn aside(dir: &Path) -> Result<PathBuf> {
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
pub(crate) fn put_in_place(aside: &Path, dir: &Path) -> Result<()> {
    match std::fs::rename(aside, dir) {
        Ok(()) => Ok(()),
        Err(_) if dir.is_dir() => {
            let _ = std::fs::remove_dir_all(aside);
            Ok(())
        }
        Err(e) => Err(io(dir, e)),
    }
}

/// Puts `bytes` into `dir/name`, written aside and renamed into place as a derived table's
/// files are ([`aside`], [`put_in_place`]); an existing `dir` is kept.
pub(crate) fn keep_file(dir: &Path, name: &str, bytes: &[u8]) -> Result<()> {
    let aside = aside(dir)?;
    let file = aside.join(name);
    if let Err(e) = std::fs::write(&file, bytes) {
        let _ = std::fs::remove_dir_all(&aside);
        return Err(io(&file, e));
    }
    put_in_place(&aside, dir)
}

/// One Parquet file holding `batch` (which may have no rows).
pub(crate) fn write_file(path: &Path, batch: &RecordBatch) -> Result<()> {
    let err = |e: &dyn std::fmt::Display| Error::Runtime(format!("{}: {e}", path.display()));
    let file = File::create(path).map_err(|e| err(&e))?;
    let mut w = ArrowWriter::try_new(file, batch.schema(), None).map_err(|e| err(&e))?;
    w.write(batch).map_err(|e| err(&e))?;
    w.close().map_err(|e| err(&e))?;
    Ok(())
}

/// A table derived after the snapshot was built (renewal readiness), given a batch at a time
/// and registered when [finished](Keeper::finish): in memory, or in lake mode written to its
/// directory (`_derived/<name>/at_load=N/<key>/`, the caller's key saying what it was built
/// from) as it comes — so that at scale 1,000 no more than one batch of it is held — and read
/// from there: no table of a lake-mode plan is held in memory, so that a plan can be sent
/// whole to a cluster. Dropped unfinished (an error on the way), it leaves nothing behind.
pub(crate) struct Keeper {
    name: &'static str,
    schema: SchemaRef,
    sink: Option<Sink>,
}

enum Sink {
    Memory(Vec<RecordBatch>),
    Lake { aside: PathBuf, dir: PathBuf, writer: Box<ArrowWriter<File>> },
}

impl Keeper {
    /// A keeper of `name`, whose batches have `schema`, writing into `dir` (in memory when None,
    /// or when `dir`'s lake may only be read: a researcher's copy).
    pub(crate) fn new(name: &'static str, schema: SchemaRef, dir: Option<PathBuf>) -> Result<Keeper> {
        let sink = match dir {
            None => Sink::Memory(Vec::new()),
            Some(dir) => match aside(&dir) {
                Err(e) => {
                    tracing::warn!("{name}: kept in memory, not in the lake: {e}");
                    Sink::Memory(Vec::new())
                }
                Ok(aside) => {
                    let path = aside.join("part-0.parquet");
                    let writer = File::create(&path).map_err(|e| io(&path, e)).and_then(|f| {
                        ArrowWriter::try_new(f, schema.clone(), None)
                            .map_err(|e| Error::Runtime(format!("{}: {e}", path.display())))
                    });
                    match writer {
                        Ok(w) => Sink::Lake { aside, dir, writer: Box::new(w) },
                        Err(e) => {
                            let _ = std::fs::remove_dir_all(&aside);
                            return Err(e);
                        }
                    }
                }
            },
        };
        Ok(Keeper { name, schema, sink: Some(sink) })
    }

    /// Adds `batch` to the table.
    pub(crate) fn write(&mut self, batch: RecordBatch) -> Result<()> {
        match &mut self.sink {
            Some(Sink::Memory(batches)) => batches.push(batch),
            Some(Sink::Lake { writer, aside, .. }) => {
                writer.write(&batch).map_err(|e| Error::Runtime(format!("{}: {e}", aside.display())))?
            }
            None => {}
        }
        Ok(())
    }

    /// Puts the table in place and registers it in `ctx`.
    pub(crate) async fn finish(mut self, ctx: &SessionContext) -> Result<()> {
        match self.sink.take() {
            None => Ok(()),
            Some(Sink::Memory(batches)) => register(ctx, self.name, concat_batches(&self.schema, &batches)?, 1),
            Some(Sink::Lake { aside, dir, writer }) => {
                let placed = writer
                    .close()
                    .map_err(|e| Error::Runtime(format!("{}: {e}", aside.display())))
                    .and_then(|_| put_in_place(&aside, &dir));
                if placed.is_err() {
                    let _ = std::fs::remove_dir_all(&aside);
                }
                placed?;
                register_dir(ctx, self.name, &dir).await
            }
        }
    }
}

impl Drop for Keeper {
    fn drop(&mut self) {
        if let Some(Sink::Lake { aside, .. }) = &self.sink {
            let _ = std::fs::remove_dir_all(aside);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{AsArray, Int64Array};
    use arrow::datatypes::{DataType, Field, Int64Type, Schema};

    use super::*;

    fn batch(schema: &SchemaRef, v: Vec<i64>) -> RecordBatch {
        RecordBatch::try_new(schema.clone(), vec![Arc::new(Int64Array::from(v))]).expect("batch")
    }

    async fn sum(ctx: &SessionContext) -> i64 {
        let b = ctx.sql("SELECT sum(v) FROM t").await.expect("sql").collect().await.expect("rows");
        b[0].column(0).as_primitive::<Int64Type>().value(0)
    }

    /// A table given in batches reads as their rows, in memory and in the lake; one dropped
    /// before it is finished leaves no directory behind.
    #[tokio::test]
    async fn a_table_kept_batch_by_batch_reads_whole_and_an_unfinished_one_leaves_nothing() {
        let schema: SchemaRef = Arc::new(Schema::new(vec![Field::new("v", DataType::Int64, false)]));
        let tmp = tempfile::tempdir().expect("tmp");
        let dir = tmp.path().join("t").join("at_load=1").join("k");
        for place in [None, Some(dir.clone())] {
            let ctx = SessionContext::new();
            let mut k = Keeper::new("t", schema.clone(), place).expect("keeper");
            k.write(batch(&schema, vec![1, 2])).expect("write");
            k.write(batch(&schema, vec![])).expect("write");
            k.write(batch(&schema, vec![40])).expect("write");
            k.finish(&ctx).await.expect("finish");
            assert_eq!(sum(&ctx).await, 43);
        }
        assert!(dir.join("part-0.parquet").is_file());
        let other = tmp.path().join("t").join("at_load=2").join("k");
        let mut k = Keeper::new("t", schema.clone(), Some(other.clone())).expect("keeper");
        k.write(batch(&schema, vec![1])).expect("write");
        drop(k);
        let left: Vec<_> = std::fs::read_dir(other.parent().expect("parent")).expect("dir").collect();
        assert!(left.is_empty() && !other.exists(), "{left:?}");
    }
}
