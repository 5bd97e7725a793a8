//! The lake mode: the metric engine over the Parquet lake instead of an in-memory copy of
//! the warehouse. Each table's partitions (`<lake>/<table>/load_id=<L>/*.parquet`) are a
//! DataFusion listing table with the table's declared schema and `load_id` from the path;
//! "as load N saw it" is rebuilt over them by the store's supersession rules as views
//! ([`store::snapshot::lake_snapshot_sql`]), so that every metric reads the same rows as from
//! the warehouse. Nothing is read into memory but what a query needs (the derived tables
//! are still built once per store state).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use arrow::array::{Array, AsArray};
use arrow::datatypes::{DataType, Date32Type, Field, Int64Type, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;
use chrono::NaiveDate;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl};
use datafusion::execution::context::SessionContext;
use datafusion::execution::memory_pool::{FairSpillPool, TrackConsumersPool};
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use store::schema::Table;
use store::snapshot::{LAKE_LOADS, SNAPSHOT_TABLES, lake_closes_schema, lake_file_schema, lake_raw_name};
use store::warehouse::LoadInfo;

use crate::derived::Materialize;
use crate::error::{Error, Result};
use crate::session::{memory_limit, register_values, session};
use crate::snapshot::{Derived, Registered, Snapshot};

/// A session whose queries share `memory` bytes fairly and spill beyond them to the
/// system's temporary directory, so that the process does not grow with the data
/// ([`crate::session::spilling`]). A query that runs out names the five largest holders.
fn bounded_session(memory: usize) -> Result<(SessionContext, usize)> {
    let (plain, partitions) = session();
    let pool = TrackConsumersPool::new(FairSpillPool::new(memory), std::num::NonZeroUsize::MIN.saturating_add(4));
    let runtime = RuntimeEnvBuilder::new().with_memory_pool(Arc::new(pool)).build_arc()?;
    let config = crate::session::spilling(plain.copied_config());
    Ok((SessionContext::new_with_config_rt(config, runtime), partitions))
}

impl Snapshot {
    /// Reads the store as load `at_load` saw it (the latest when None) from the Parquet lake
    /// at `lake`, with `derived`, queries bounded to [`memory_limit`] (spilling beyond it).
    pub async fn from_lake(lake: &Path, at_load: Option<i64>, derived: &[&Derived]) -> Result<Self> {
        let (ctx, partitions) = bounded_session(memory_limit())?;
        Self::from_lake_in(ctx, partitions, lake, at_load, derived).await
    }

    /// Reads the store from the Parquet lake at `lake` on the Ballista cluster whose scheduler is
    /// at `addr` (see [`crate::cluster`]): the lake mode's snapshot, its queries run by the cluster.
    pub async fn from_cluster(
        addr: &crate::cluster::SchedulerAddr,
        lake: &Path,
        at_load: Option<i64>,
        derived: &[&Derived],
    ) -> Result<Self> {
        let partitions = crate::cluster::partitions();
        // Opening runs queries too (the views' row counts, the derived tables): the same deadline
        // and retry as every cluster query; a retry reads the derived tables the first wrote.
        let snapshot = crate::cluster::guarded(addr, || async {
            let ctx = crate::cluster::connect(addr, partitions).await?;
            Self::from_lake_in(ctx, partitions, lake, at_load, derived).await
        })
        .await?;
        Ok(snapshot.on_cluster(addr.clone()))
    }

    /// The lake snapshot in the session `ctx` (this process's, or a cluster's), whose queries are
    /// split into `partitions`.
    pub async fn from_lake_in(
        ctx: SessionContext,
        partitions: usize,
        lake: &Path,
        at_load: Option<i64>,
        derived: &[&Derived],
    ) -> Result<Self> {
        register_loads(&ctx, lake).await?;
        let all = loads(&ctx).await?;
        let latest = all.last().map_or(0, |l| l.load_id);
        let n = at_load.unwrap_or(latest);
        if n < 0 || n > latest {
            return Err(Error::Runtime(format!(
                "load {n} is not in the lake (it holds loads 1…{latest}) / ロード {n} はレイクにありません"
            )));
        }
        let loads: Vec<LoadInfo> = all.into_iter().filter(|l| l.load_id <= n).collect();
        for t in SNAPSHOT_TABLES {
            register_raw(&ctx, lake, t.name, &lake_file_schema(t), partitions).await?;
        }
        register_raw(&ctx, lake, "member_history_closes", &lake_closes_schema(), partitions).await?;
        let mut table_loads = BTreeMap::new();
        let mut rows = BTreeMap::new();
        for t in SNAPSHOT_TABLES {
            let started = std::time::Instant::now();
            let sql = store::snapshot::lake_snapshot_sql(t, n);
            let view = ctx.sql(&sql).await?.into_view();
            ctx.register_table(t.name, view)?;
            let (ids, count) = counted(&ctx, lake, t, n, &sql).await.inspect_err(|e| {
                tracing::warn!("lake: counting the rows of {} as load {n} saw them failed: {e}", t.name);
            })?;
            tracing::debug!(table = t.name, rows = count, ms = started.elapsed().as_millis(), "lake view");
            table_loads.insert(t.name, ids);
            rows.insert(t.name, count);
        }
        let base = Registered { at_load: n, loads, table_loads, rows };
        Self::assemble(ctx, partitions, base, derived, &Materialize::Lake(lake.to_path_buf())).await
    }
}

/// The declared schema as the reader sees it: all nullable, text as `Utf8` (not views, see
/// [`crate::session::spilling`]).
fn as_read(schema: &SchemaRef) -> SchemaRef {
    let fields: Vec<Field> =
        schema.fields().iter().map(|f| Field::new(f.name(), f.data_type().clone(), true)).collect();
    Arc::new(Schema::new(fields))
}

/// Registers the partitions of `table` under its raw name; a table no load has written yet
/// is an empty table of the same columns.
async fn register_raw(
    ctx: &SessionContext,
    lake: &Path,
    table: &str,
    file_schema: &SchemaRef,
    partitions: usize,
) -> Result<()> {
    let dir = lake.join(table);
    let name = lake_raw_name(table);
    let file_schema = as_read(file_schema);
    if !dir.is_dir() {
        let mut fields: Vec<Field> = file_schema.fields().iter().map(|f| f.as_ref().clone()).collect();
        fields.push(Field::new("load_id", DataType::Int64, true));
        return register_values(ctx, &name, RecordBatch::new_empty(Arc::new(Schema::new(fields))));
    }
    let url = ListingTableUrl::parse(dir.to_string_lossy())?;
    let options = ListingOptions::new(Arc::new(ParquetFormat::default()))
        .with_file_extension(".parquet")
        .with_table_partition_cols(vec![("load_id".to_string(), DataType::Int64)])
        .with_target_partitions(partitions);
    let config = ListingTableConfig::new(url).with_listing_options(options).with_schema(file_schema);
    ctx.register_table(&name, Arc::new(ListingTable::try_new(config)?))?;
    Ok(())
}

/// Registers the load history (`loads/loads.parquet`, rewritten whole by every load).
async fn register_loads(ctx: &SessionContext, lake: &Path) -> Result<()> {
    let file = lake.join("loads").join("loads.parquet");
    if !file.exists() {
        return Err(Error::Runtime(format!(
            "{}: no load history in the lake (nothing loaded yet, or not a lake) / レイクに読み込みの履歴がありません",
            lake.display()
        )));
    }
    ctx.register_parquet(LAKE_LOADS, &file.to_string_lossy(), Default::default()).await?;
    Ok(())
}

/// The load history, oldest first.
async fn loads(ctx: &SessionContext) -> Result<Vec<LoadInfo>> {
    let sql = format!(
        "SELECT load_id, arrow_cast(dataset, 'Utf8'), arrow_cast(file_name, 'Utf8'), arrow_cast(file_sha256, 'Utf8'),
                file_bytes, arrow_cast(encoding, 'Utf8'), as_of, rows_accepted, rows_rejected, is_sample,
                arrow_cast(to_char(started_at, '%Y-%m-%d %H:%M:%S'), 'Utf8'),
                arrow_cast(to_char(finished_at, '%Y-%m-%d %H:%M:%S'), 'Utf8'), arrow_cast(source, 'Utf8')
         FROM {LAKE_LOADS} ORDER BY load_id"
    );
    let mut out = Vec::new();
    for b in ctx.sql(&sql).await?.collect().await? {
        let int = |i: usize| b.column(i).as_primitive::<Int64Type>().clone();
        let text = |i: usize| b.column(i).as_string::<i32>().clone();
        let (ids, bytes, accepted, rejected) = (int(0), int(4), int(7), int(8));
        let (dataset, file, sha, enc, started, finished, source) =
            (text(1), text(2), text(3), text(5), text(10), text(11), text(12));
        let as_of = b.column(6).as_primitive::<Date32Type>().clone();
        let sample = b.column(9).as_boolean().clone();
        for i in 0..b.num_rows() {
            out.push(LoadInfo {
                load_id: ids.value(i),
                dataset: dataset.value(i).to_string(),
                file_name: file.value(i).to_string(),
                file_sha256: sha.value(i).to_string(),
                file_bytes: bytes.value(i),
                encoding: enc.value(i).to_string(),
                as_of: as_of.is_valid(i).then(|| date(as_of.value(i))).flatten(),
                rows_accepted: accepted.value(i),
                rows_rejected: rejected.value(i),
                is_sample: sample.value(i),
                started_at: started.value(i).to_string(),
                finished_at: finished.value(i).to_string(),
                source: source.is_valid(i).then(|| source.value(i).to_string()),
            });
        }
    }
    Ok(out)
}

fn date(days: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(1970, 1, 1).and_then(|d| d.checked_add_signed(chrono::Duration::days(i64::from(days))))
}

/// Where the counts of [`counted`] are kept: beside the derived tables, per load (so the lake's
/// repair drops those of a load that never committed) and per view definition.
const ROWS_DIR: &str = "_view_rows";

/// [`loads_and_rows`] of `table` as load `n` saw it (the view `sql`), kept in the lake once counted: a lake's
/// partitions up to load `n` never change, and at scale 1,000 counting the views takes minutes
/// per open (members 22 M rows in 52 s, survey answers 87 M in 64 s).
async fn counted(
    ctx: &SessionContext,
    lake: &Path,
    table: &Table,
    n: i64,
    sql: &str,
) -> Result<(BTreeSet<i64>, usize)> {
    let dir = crate::kept::dir(lake, ROWS_DIR, n, &crate::kept::key(&format!("{}\n{sql}", table.name)));
    let file = dir.join("rows.json");
    let kept = std::fs::read(&file).ok().and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok());
    if let Some(kept) = kept.filter(|k| k["table"] == table.name) {
        let loads = kept["loads"].as_array().map(|a| a.iter().filter_map(serde_json::Value::as_i64).collect());
        let rows = kept["rows"].as_u64().and_then(|r| usize::try_from(r).ok());
        if let (Some(loads), Some(rows)) = (loads, rows) {
            return Ok((loads, rows));
        }
    }
    let (loads, rows) = loads_and_rows(ctx, table).await?;
    // A lake one may only read is counted on every open.
    let text = serde_json::json!({ "table": table.name, "loads": loads, "rows": rows }).to_string();
    let written = crate::kept::keep_file(&dir, "rows.json", text.as_bytes());
    if let Err(e) = written {
        tracing::debug!(table = table.name, "row count not kept: {e}");
    }
    Ok((loads, rows))
}

/// The loads whose rows `table` shows, and how many rows it shows.
async fn loads_and_rows(ctx: &SessionContext, table: &Table) -> Result<(BTreeSet<i64>, usize)> {
    let sql = format!("SELECT load_id, count(*) FROM {} GROUP BY load_id", table.name);
    let mut ids = BTreeSet::new();
    let mut rows = 0;
    for b in ctx.sql(&sql).await?.collect().await? {
        let (l, c) = (b.column(0).as_primitive::<Int64Type>(), b.column(1).as_primitive::<Int64Type>());
        for i in 0..b.num_rows() {
            if l.is_valid(i) {
                ids.insert(l.value(i));
            }
            rows += usize::try_from(c.value(i)).unwrap_or(0);
        }
    }
    Ok((ids, rows))
}
