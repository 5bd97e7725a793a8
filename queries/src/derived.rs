//! Derived tables: built once per store state from the snapshot's tables, so that metrics
//! read a prepared table instead of repeating a join or an aggregation per request. In
//! memory they are held as in-memory tables; in lake mode they are written to the lake's
//! `_derived/` area (keyed by the load they describe and by what builds them) and read from
//! there, built only when missing — so a second process, or the next start, reads them.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::compute::concat_batches;
use arrow::record_batch::RecordBatch;
use datafusion::common::ScalarValue;
use datafusion::dataframe::{DataFrame, DataFrameWriteOptions};
use datafusion::execution::context::SessionContext;
use futures::future::BoxFuture;

use crate::error::{Error, Result};
use crate::kept::{self, aside, io, put_in_place, write_file};
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
    /// One SQL query whose rows fall apart by a text key (each row's inputs share it), the
    /// condition [`KeyRange::condition`] placed on the key of every input: bound to a range's
    /// [`KeyRange::values`] as `$1` and `$2`, it is the query over the keys in that range. Lake mode runs it one range at a time when its inputs are large
    /// ([`split_ranges`]), so that no sort or join holds all of them — DataFusion's sorts spill,
    /// but a merge of many of them at once runs out of memory (at scale 1,000, `member_spells`
    /// joins 24 M rows to 22 M). A row whose key is NULL is in no range.
    SplitSql(fn() -> String),
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
    build: Build::SplitSql(|| {
        format!(
            "SELECT h.member_key, h.category, h.profession, h.prefecture_code, m.birth_year, m.sex,
            m.joined_on, m.left_on, m.left_inferred, h.load_id,
            CASE WHEN h.valid_from > m.joined_on THEN h.valid_from ELSE m.joined_on END AS span_from,
            CASE WHEN m.left_on IS NULL THEN h.valid_to
                 WHEN h.valid_to IS NULL THEN m.left_on
                 WHEN h.valid_to < m.left_on THEN h.valid_to
                 ELSE m.left_on END AS span_to
     FROM member_history h JOIN members m ON h.member_key = m.member_key
     WHERE {} AND {}",
            KeyRange::condition("h.member_key"),
            KeyRange::condition("m.member_key")
        )
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
/// and a hash of the code that builds it (`ONCOMETRICS_CODE_HASH`, from `build.rs`) — a changed
/// definition never reads an old file.
fn fingerprint(d: &Derived) -> String {
    let what = match d.build {
        Build::Sql(sql) => format!("sql:{}", sql()),
        Build::SplitSql(sql) => format!("sql:{}", sql()),
        Build::Rust(_) => format!("rust:{}:{}", d.name, env!("ONCOMETRICS_CODE_HASH")),
    };
    kept::key(&what)
}

/// Builds `d` over `ctx` (whose earlier tables it reads) and registers it; its rows.
pub(crate) async fn materialize(
    ctx: &SessionContext,
    d: &Derived,
    at_load: i64,
    partitions: usize,
    input_rows: usize,
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
            let dir = kept::dir(lake, d.name, at_load, &fingerprint(d));
            if !dir.is_dir() {
                match aside(&dir) {
                    // A lake one may only read (a researcher's copy): build it in memory instead.
                    Err(e) => {
                        tracing::warn!("{}: kept in memory, not in the lake: {e}", d.name);
                        return Box::pin(materialize(ctx, d, at_load, partitions, input_rows, &Materialize::Memory))
                            .await;
                    }
                    // A query that fails (out of memory …) is an error, not built again in memory:
                    // that would hold what lake mode exists to keep out of memory.
                    Ok(aside) => {
                        let splits = split_count(d, input_rows, crate::session::split_rows());
                        if let Err(e) = write(ctx, d, splits, &aside, &dir).await {
                            let _ = std::fs::remove_dir_all(&aside);
                            return Err(e);
                        }
                    }
                }
            }
            kept::register_dir(ctx, d.name, &dir).await?;
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
        Build::Sql(_) | Build::SplitSql(_) => {
            let frame = query(ctx, d, &KeyRange::WHOLE).await?;
            let schema = Arc::new(frame.schema().as_arrow().clone());
            Ok(concat_batches(&schema, &frame.collect().await?)?)
        }
        Build::Rust(build) => build(ctx).await,
    }
}

/// Writes `d` into `aside` ([`aside`]), then renames it to `dir`, so that a reader never sees
/// half of it (a second process building it at once leaves the first one's in place). A
/// SQL-built table streams from the query to the files without being held in memory; a
/// [`Build::SplitSql`] one is written in `splits` ranges of its key, one after the other.
async fn write(ctx: &SessionContext, d: &Derived, splits: usize, aside: &Path, dir: &Path) -> Result<()> {
    let path = format!("{}/", aside.display());
    let ranges = match d.build {
        Build::Sql(_) => vec![KeyRange::WHOLE],
        Build::SplitSql(_) => split_ranges(splits),
        Build::Rust(_) => {
            write_file(&aside.join("part-0.parquet"), &build_batch(ctx, d).await?)?;
            return put_in_place(aside, dir);
        }
    };
    let mut schema = None;
    for (i, range) in ranges.iter().enumerate() {
        let started = std::time::Instant::now();
        let frame = query(ctx, d, range).await?;
        schema.get_or_insert_with(|| Arc::new(frame.schema().as_arrow().clone()));
        // Each write names its files afresh, so the splits' files sit side by side.
        frame.write_parquet(&path, DataFrameWriteOptions::new(), None).await?;
        tracing::debug!(table = d.name, split = i, of = ranges.len(), ms = started.elapsed().as_millis(), "written");
    }
    // No rows writes no file: an empty one keeps the table's columns.
    if let Some(schema) = schema
        && std::fs::read_dir(aside).map_err(|e| io(aside, e))?.next().is_none()
    {
        write_file(&aside.join("part-0.parquet"), &RecordBatch::new_empty(schema))?;
    }
    put_in_place(aside, dir)
}

/// In how many ranges of its key lake mode builds `d` from inputs of `input_rows` rows (the
/// largest input), at most `split_rows` per range: 1 unless `d` is a [`Build::SplitSql`].
fn split_count(d: &Derived, input_rows: usize, split_rows: usize) -> usize {
    match d.build {
        Build::SplitSql(_) => input_rows.div_ceil(split_rows.max(1)).clamp(1, MAX_SPLITS),
        Build::Sql(_) | Build::Rust(_) => 1,
    }
}

/// The most ranges a key is split into (the ranges are of its first four hexadecimal digits).
const MAX_SPLITS: usize = 4096;

/// The query of a SQL-built table (a [`Build::SplitSql`] one over the keys in `range`).
async fn query(ctx: &SessionContext, d: &Derived, range: &KeyRange) -> Result<DataFrame> {
    match d.build {
        Build::Sql(sql) => Ok(ctx.sql(&sql()).await?),
        Build::SplitSql(sql) => Ok(ctx.sql(&sql()).await?.with_param_values(range.params())?),
        Build::Rust(_) => Err(Error::Runtime(format!("{} is not built with SQL", d.name))),
    }
}

/// One range of a text key ([`Build::SplitSql`]): from `from` (inclusive) to `to`
/// (exclusive), open where None.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRange {
    from: Option<String>,
    to: Option<String>,
}

impl KeyRange {
    /// Every key that is not NULL.
    pub const WHOLE: KeyRange = KeyRange { from: None, to: None };

    /// The SQL condition that `column` is in the range whose [`KeyRange::values`] are bound to
    /// `$1` and `$2` (and so not NULL). Bound, the optimizer folds it to `column >= from AND
    /// column < to`, or one of them where the range is open, before the filter is pushed down.
    pub fn condition(column: &str) -> String {
        format!("({column} >= $1 AND ({column} < $2 OR $2 = ''))")
    }

    /// The values of [`KeyRange::condition`]'s `$1` and `$2`: the bounds, `''` where open (no
    /// text is below `''`, and a cut is never empty).
    pub fn values(&self) -> [&str; 2] {
        [self.from.as_deref().unwrap_or(""), self.to.as_deref().unwrap_or("")]
    }

    /// [`KeyRange::values`] as query parameters.
    pub fn params(&self) -> Vec<ScalarValue> {
        self.values().iter().map(|v| ScalarValue::Utf8(Some((*v).to_string()))).collect()
    }
}

/// `n` ranges that together hold every text exactly once, cut at even points of the space of
/// the pseudonyms (32 lowercase hexadecimal digits, uniformly spread): the first range is open
/// below and the last above, so a key of any other form still falls in exactly one.
pub fn split_ranges(n: usize) -> Vec<KeyRange> {
    let n = n.clamp(1, MAX_SPLITS);
    let cut = |i: usize| (i > 0 && i < n).then(|| format!("{:04x}", i * 0x10000 / n));
    (0..n).map(|i| KeyRange { from: cut(i), to: cut(i + 1) }).collect()
}

#[cfg(test)]
mod tests {
    use datafusion::prelude::ParquetReadOptions;

    use super::*;

    #[test]
    fn the_key_ranges_hold_every_key_exactly_once() {
        assert_eq!(split_ranges(1), vec![KeyRange::WHOLE]);
        assert_eq!(split_ranges(1)[0].values(), ["", ""]);
        for n in [2, 3, 7, 16, 1000, MAX_SPLITS] {
            let r = split_ranges(n);
            assert_eq!(r.len(), n);
            assert_eq!((r[0].from.as_deref(), r[n - 1].to.as_deref()), (None, None), "{n}: open at both ends");
            for w in r.windows(2) {
                assert_eq!(w[0].to, w[1].from, "{n}: one range ends where the next begins");
                assert!(w[0].from.as_deref().unwrap_or("") < w[0].to.as_deref().unwrap_or(""), "{n}: {w:?}");
            }
        }
        assert_eq!(split_ranges(2)[1].values(), ["8000", ""]);
        assert_eq!(split_ranges(2)[0].values(), ["", "8000"]);
    }

    /// A split build writes the same rows as one query, keys of any form (not hexadecimal,
    /// empty, at the cuts) included and a NULL key in none.
    #[tokio::test]
    async fn a_table_built_in_ranges_has_the_rows_of_one_query() {
        const SPLIT: Derived = Derived {
            name: "split",
            from: &["t"],
            build: Build::SplitSql(|| {
                format!("SELECT column1 AS k, column2 AS v FROM t WHERE {}", KeyRange::condition("column1"))
            }),
        };
        let ctx = SessionContext::new();
        ctx.sql(
            "CREATE TABLE t AS VALUES ('0000aa', 1), ('5555', 2), ('8000', 3), ('7fff', 4), ('ffffffff', 5),
                ('', 6), ('ZZZ', 7), ('über', 8), (NULL, 9), ('8000', 10), ('c0de', 11)",
        )
        .await
        .and_then(|f| futures::executor::block_on(f.collect()))
        .expect("table");
        let tmp = tempfile::tempdir().expect("tmp");
        let rows = |dir: PathBuf| async move {
            let ctx = SessionContext::new();
            ctx.register_parquet("r", &format!("{}/", dir.display()), ParquetReadOptions::default())
                .await
                .expect("read");
            let b = ctx.sql("SELECT v FROM r ORDER BY v").await.expect("sql").collect().await.expect("rows");
            arrow::util::pretty::pretty_format_batches(&b).expect("text").to_string()
        };
        let mut got = Vec::new();
        for splits in [1, 2, 7] {
            let (aside, dir) = (tmp.path().join(format!("a{splits}")), tmp.path().join(format!("d{splits}")));
            std::fs::create_dir(&aside).expect("aside");
            write(&ctx, &SPLIT, splits, &aside, &dir).await.expect("write");
            got.push(rows(dir).await);
        }
        assert!(!got[0].contains("| 9  |") && got[0].contains("| 11 |"), "{}", got[0]);
        assert_eq!(got[1], got[0]);
        assert_eq!(got[2], got[0]);
        assert_eq!(split_count(&SPLIT, 10, 4), 3);
        assert_eq!(split_count(&MEMBER_SPELLS, 0, 4), 1);
    }
}
