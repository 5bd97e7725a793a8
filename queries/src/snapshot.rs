//! The in-memory Arrow snapshot that every metric reads, registered in a DataFusion
//! session. Built once per store state; immutable, shared behind an `Arc`.

use std::any::{Any, TypeId};
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use chrono::NaiveDate;
use datafusion::common::ScalarValue;
use datafusion::execution::context::SessionContext;
use store::warehouse::LoadInfo;
use store::{StoreSnapshot, Warehouse};

pub use crate::derived::{Build, Derived, KeyRange, MEMBER_SPELLS, Materialize};
use crate::error::{Error, Result};
use crate::kept::Keeper;
use crate::session::register;
pub(crate) use crate::session::session;

/// A structure derived on first use.
type Lazy = Arc<dyn Any + Send + Sync>;

/// The store's tables as registered in a session (in memory or over the lake): the load
/// they show the store at, its history, and per table the loads it holds and its rows.
#[derive(Debug)]
pub(crate) struct Registered {
    pub at_load: i64,
    pub loads: Vec<LoadInfo>,
    pub table_loads: BTreeMap<&'static str, BTreeSet<i64>>,
    pub rows: BTreeMap<&'static str, usize>,
}

/// The metric engine's view of the store.
pub struct Snapshot {
    ctx: SessionContext,
    pub at_load: i64,
    pub loads: Vec<LoadInfo>,
    table_loads: BTreeMap<&'static str, BTreeSet<i64>>,
    rows: BTreeMap<&'static str, usize>,
    /// How long building each derived table took, milliseconds, in build order.
    derived_ms: Vec<(&'static str, f64)>,
    /// Where tables derived later are kept (in memory, or in the lake).
    materialize: Materialize,
    /// The cluster whose scheduler runs the queries (None: this process runs them).
    cluster: Option<crate::cluster::SchedulerAddr>,
    /// Structures derived on first use (renewal readiness, the free-text terms), one per
    /// type: built once, by whichever request needs them first (see [`Snapshot::derived_once`]).
    lazy: std::sync::Mutex<BTreeMap<TypeId, Arc<tokio::sync::OnceCell<Lazy>>>>,
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot").field("at_load", &self.at_load).field("rows", &self.rows).finish()
    }
}

impl Snapshot {
    /// Reads the store as load `at_load` saw it (the latest when None), with `derived`.
    pub async fn from_warehouse(warehouse: &Warehouse, at_load: Option<i64>, derived: &[&Derived]) -> Result<Self> {
        Self::build(warehouse.snapshot(at_load)?, derived).await
    }

    /// Registers the store snapshot's tables and builds `derived`, in order (the metrics'
    /// list is [`crate::metrics::derived`]).
    pub async fn build(store: StoreSnapshot, derived: &[&Derived]) -> Result<Self> {
        let (ctx, partitions) = session();
        let mut table_loads = BTreeMap::new();
        let mut rows = BTreeMap::new();
        for t in &store.tables {
            register(&ctx, t.name, t.batch.clone(), partitions)?;
            table_loads.insert(t.name, t.load_ids.clone());
            rows.insert(t.name, t.batch.num_rows());
        }
        let base = Registered { at_load: store.at_load, loads: store.loads, table_loads, rows };
        Self::assemble(ctx, partitions, base, derived, &Materialize::Memory).await
    }

    /// The snapshot over `ctx`, whose store tables are registered (in memory or over the
    /// lake): the reference tables and functions every metric uses, then `derived`, in order.
    pub(crate) async fn assemble(
        ctx: SessionContext,
        partitions: usize,
        base: Registered,
        derived: &[&Derived],
        how: &Materialize,
    ) -> Result<Self> {
        let Registered { at_load, loads, mut table_loads, mut rows } = base;
        match how {
            Materialize::Memory => register(&ctx, "prefecture_regions", region_table()?, 1)?,
            // In the lake mode no table of a plan is held in memory (a plan may go to another process).
            Materialize::Lake(_) => crate::session::register_values(&ctx, "prefecture_regions", region_table()?)?,
        }
        crate::functions::register_all(&ctx);
        let mut derived_ms = Vec::with_capacity(derived.len());
        for d in derived {
            let started = std::time::Instant::now();
            let input_rows = d.from.iter().filter_map(|t| rows.get(t)).copied().max().unwrap_or(0);
            let n = crate::derived::materialize(&ctx, d, at_load, partitions, input_rows, how)
                .await
                .inspect_err(|e| tracing::warn!("building the derived table {} failed: {e}", d.name))?;
            rows.insert(d.name, n);
            let loads: BTreeSet<i64> = d.from.iter().filter_map(|t| table_loads.get(t)).flatten().copied().collect();
            table_loads.insert(d.name, loads);
            let ms = started.elapsed().as_secs_f64() * 1000.0;
            tracing::debug!(table = d.name, rows = n, ms, "derived");
            derived_ms.push((d.name, ms));
        }
        Ok(Snapshot {
            ctx,
            at_load,
            loads,
            table_loads,
            rows,
            derived_ms,
            materialize: how.clone(),
            cluster: None,
            lazy: std::sync::Mutex::default(),
        })
    }

    /// The structure of type `T` derived from this snapshot by `init`, built on first use and
    /// kept: work that pages without it need not wait for (the owners give it a name:
    /// `Snapshot::renewals` in [`crate::renewal_status`], `Snapshot::free_text_terms` in
    /// [`crate::metrics::free_text`]).
    pub async fn derived_once<T, F, Fut>(&self, init: F) -> Result<Arc<T>>
    where
        T: Any + Send + Sync,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let cell = {
            let mut lazy = self.lazy.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            lazy.entry(TypeId::of::<T>()).or_default().clone()
        };
        let value = cell.get_or_try_init(|| async { Ok::<Lazy, Error>(Arc::new(init().await?)) }).await?;
        value.clone().downcast::<T>().map_err(|_| Error::Runtime("a derived structure of another type".into()))
    }

    /// Where a table derived after the snapshot was built from what `key` names is kept in the
    /// lake (`_derived/<name>/at_load=N/<key>/`); None in memory.
    pub(crate) fn kept_dir(&self, name: &str, key: &str) -> Option<PathBuf> {
        match &self.materialize {
            Materialize::Memory => None,
            Materialize::Lake(lake) => Some(crate::kept::dir(lake, name, self.at_load, key)),
        }
    }

    /// A writer of a table derived after the snapshot was built (kept where the snapshot keeps
    /// its derived tables, [`Snapshot::kept_dir`]), registered by [`Snapshot::register_kept`].
    pub(crate) fn keeper(&self, name: &'static str, schema: SchemaRef, key: &str) -> Result<Keeper> {
        Keeper::new(name, schema, self.kept_dir(name, key))
    }

    /// Registers the table `k` was given.
    pub(crate) async fn register_kept(&self, k: Keeper) -> Result<()> {
        k.finish(&self.ctx).await
    }

    /// Registers the table kept in the lake at `dir` as `name`.
    pub(crate) async fn read_kept(&self, name: &str, dir: &Path) -> Result<()> {
        crate::kept::register_dir(&self.ctx, name, dir).await
    }

    /// Marks the snapshot as one whose queries the cluster at `addr` runs (see [`Snapshot::sql`]).
    pub(crate) fn on_cluster(mut self, addr: crate::cluster::SchedulerAddr) -> Self {
        self.cluster = Some(addr);
        self
    }

    /// Runs one SQL query over the snapshot.
    pub async fn sql(&self, sql: &str) -> Result<Vec<RecordBatch>> {
        self.sql_with(sql, &[]).await
    }

    /// Runs one SQL query with text values bound to its placeholders `$1`, `$2`, … in order. On a
    /// cluster, within a deadline and run once more if an executor was lost
    /// (`cluster::guarded`: see [`crate::cluster::query_deadline`]).
    pub async fn sql_with(&self, sql: &str, values: &[&str]) -> Result<Vec<RecordBatch>> {
        match &self.cluster {
            None => self.run_query(sql, values).await,
            Some(addr) => crate::cluster::guarded(addr, || self.run_query(sql, values)).await,
        }
    }

    async fn run_query(&self, sql: &str, values: &[&str]) -> Result<Vec<RecordBatch>> {
        let frame = self.ctx.sql(sql).await?;
        if values.is_empty() {
            return Ok(frame.collect().await?);
        }
        let values: Vec<ScalarValue> = values.iter().map(|v| ScalarValue::Utf8(Some((*v).to_string()))).collect();
        Ok(frame.with_param_values(values)?.collect().await?)
    }

    /// The survey tools each 年度's answers were exported from (`google-forms` …), by the
    /// loads that delivered them; a 年度 loaded in the product's own layout maps to nothing.
    /// Worked out once per snapshot (every アンケート page asks).
    pub async fn survey_sources(&self) -> Result<Arc<SurveySources>> {
        self.derived_once(|| async {
            use arrow::array::AsArray;
            let mut out = SurveySources::default();
            let sql = "SELECT DISTINCT CAST(fiscal_year AS BIGINT), load_id FROM survey_responses ORDER BY 1, 2";
            for b in self.sql(sql).await? {
                let (years, loads) = (
                    b.column(0).as_primitive::<arrow::datatypes::Int64Type>(),
                    b.column(1).as_primitive::<arrow::datatypes::Int64Type>(),
                );
                for i in 0..b.num_rows() {
                    let source = self.loads.iter().find(|l| l.load_id == loads.value(i)).and_then(|l| l.source.clone());
                    let tools = out.0.entry(years.value(i)).or_default();
                    if let Some(s) = source
                        && !tools.contains(&s)
                    {
                        tools.push(s);
                    }
                }
            }
            Ok(out)
        })
        .await
    }

    /// The DataFusion session (for the SQL console and tests).
    pub fn context(&self) -> &SessionContext {
        &self.ctx
    }

    /// How long building each derived table took (milliseconds), in build order.
    pub fn derived_timings(&self) -> &[(&'static str, f64)] {
        &self.derived_ms
    }

    /// Rows per table.
    pub fn row_count(&self, table: &str) -> usize {
        self.rows.get(table).copied().unwrap_or(0)
    }

    /// The loads whose rows `tables` hold.
    pub fn loads_of(&self, tables: &[&str]) -> Vec<i64> {
        let mut ids: BTreeSet<i64> = BTreeSet::new();
        for t in tables {
            if let Some(s) = self.table_loads.get(t) {
                ids.extend(s);
            }
        }
        ids.into_iter().collect()
    }

    /// Whether any of these loads is sample data.
    pub fn any_sample(&self, load_ids: &[i64]) -> bool {
        self.loads.iter().any(|l| l.is_sample && load_ids.contains(&l.load_id))
    }

    /// Roster snapshot dates loaded (the `as_of` of member loads), oldest first.
    pub fn roster_dates(&self) -> Vec<NaiveDate> {
        let mut d: Vec<NaiveDate> =
            self.loads.iter().filter(|l| l.dataset == "members").filter_map(|l| l.as_of).collect();
        d.sort();
        d.dedup();
        d
    }

    /// The default as-of date: the latest roster snapshot, else the latest dated load.
    pub fn default_as_of(&self) -> Option<NaiveDate> {
        self.roster_dates().last().copied().or_else(|| self.loads.iter().filter_map(|l| l.as_of).max())
    }
}

/// 年度 → the survey tools its answers were exported from (see [`Snapshot::survey_sources`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SurveySources(pub BTreeMap<i64, Vec<String>>);

impl SurveySources {
    pub fn get(&self, year: &i64) -> Option<&Vec<String>> {
        self.0.get(year)
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn values(&self) -> impl Iterator<Item = &Vec<String>> {
        self.0.values()
    }
}

/// `prefecture_regions(prefecture_code, region)`: the 8 地方区分, from `model`.
fn region_table() -> Result<RecordBatch> {
    use arrow::array::{Int32Array, StringArray};
    use arrow::datatypes::{DataType, Field, Schema};
    let prefs: Vec<model::prefecture::Prefecture> = model::prefecture::Prefecture::all().collect();
    let schema = Arc::new(Schema::new(vec![
        Field::new("prefecture_code", DataType::Int32, false),
        Field::new("region", DataType::Utf8, false),
    ]));
    Ok(RecordBatch::try_new(
        schema,
        vec![
            Arc::new(Int32Array::from(prefs.iter().map(|p| i32::from(p.code())).collect::<Vec<_>>())),
            Arc::new(StringArray::from(prefs.iter().map(|p| p.region()).collect::<Vec<_>>())),
        ],
    )?)
}
