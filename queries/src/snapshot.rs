//! The in-memory Arrow snapshot that every metric reads, registered in a DataFusion
//! session. Built once per store state; immutable, shared behind an `Arc`.

use std::any::{Any, TypeId};
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::Arc;

use arrow::record_batch::RecordBatch;
use chrono::NaiveDate;
use datafusion::common::ScalarValue;
use datafusion::execution::context::SessionContext;
use store::warehouse::LoadInfo;
use store::{StoreSnapshot, Warehouse};

pub use crate::derived::{Build, Derived, MEMBER_SPELLS, Materialize};
use crate::error::{Error, Result};
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
        ctx.register_udf(age_band_udf());
        for udf in designation_udfs() {
            ctx.register_udf(udf);
        }
        let mut derived_ms = Vec::with_capacity(derived.len());
        for d in derived {
            let started = std::time::Instant::now();
            let n = crate::derived::materialize(&ctx, d, at_load, partitions, how).await?;
            rows.insert(d.name, n);
            let loads: BTreeSet<i64> = d.from.iter().filter_map(|t| table_loads.get(t)).flatten().copied().collect();
            table_loads.insert(d.name, loads);
            let ms = started.elapsed().as_secs_f64() * 1000.0;
            tracing::debug!(table = d.name, rows = n, ms, "derived");
            derived_ms.push((d.name, ms));
        }
        Ok(Snapshot { ctx, at_load, loads, table_loads, rows, derived_ms, lazy: std::sync::Mutex::default() })
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

    /// Registers a table derived after the snapshot was built.
    pub(crate) fn register_derived(&self, name: &'static str, batch: RecordBatch) -> Result<()> {
        register(&self.ctx, name, batch, 1)
    }

    /// Runs one SQL query over the snapshot.
    pub async fn sql(&self, sql: &str) -> Result<Vec<RecordBatch>> {
        Ok(self.ctx.sql(sql).await?.collect().await?)
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

    /// Runs one SQL query with text values bound to its placeholders `$1`, `$2`, … in order.
    pub async fn sql_with(&self, sql: &str, values: &[&str]) -> Result<Vec<RecordBatch>> {
        let frame = self.ctx.sql(sql).await?;
        if values.is_empty() {
            return Ok(frame.collect().await?);
        }
        let values: Vec<ScalarValue> = values.iter().map(|v| ScalarValue::Utf8(Some((*v).to_string()))).collect();
        Ok(frame.with_param_values(values)?.collect().await?)
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

/// `prefecture_regions(prefecture_code, region)`: the 8 地方区分, from `model`.
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

/// `age_band(year, birth_year)`: the 年齢階級 in `year` of someone born in `birth_year`, by the
/// model's rule ([`model::membership::age_band`]), so SQL and Rust cannot disagree.
fn age_band_udf() -> datafusion::logical_expr::ScalarUDF {
    use arrow::array::{Array, AsArray, StringArray};
    use arrow::datatypes::{DataType, Int32Type, Int64Type};
    use datafusion::logical_expr::{ColumnarValue, Volatility, create_udf};
    let fun = |args: &[ColumnarValue]| -> datafusion::error::Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(args)?;
        let (years, births) = (arrays[0].as_primitive::<Int64Type>(), arrays[1].as_primitive::<Int32Type>());
        let bands: StringArray = (0..births.len())
            .map(|i| {
                let year = i32::try_from(years.value(i)).unwrap_or(i32::MAX);
                Some(model::membership::age_band(year, births.is_valid(i).then(|| i64::from(births.value(i)))))
            })
            .collect();
        Ok(ColumnarValue::Array(Arc::new(bands)))
    };
    create_udf("age_band", vec![DataType::Int64, DataType::Int32], DataType::Utf8, Volatility::Immutable, Arc::new(fun))
}

/// The model's designation roles as SQL functions of a 類型's label — `covers_area(designation)`
/// (it keeps its area from being 空白), `is_hub`, `is_regional_cancer_hospital` (特例型 included)
/// and `is_prefecture_own` — so that SQL asks the model ([`model::designation::DesignationType`])
/// rather than lists labels typed into the query.
fn designation_udfs() -> Vec<datafusion::logical_expr::ScalarUDF> {
    use arrow::array::{Array, AsArray, BooleanArray};
    use arrow::datatypes::DataType;
    use datafusion::logical_expr::{ColumnarValue, Volatility, create_udf};
    use model::designation::DesignationType;
    type Role = fn(DesignationType) -> bool;
    let roles: [(&str, Role); 4] = [
        ("covers_area", DesignationType::covers_area),
        ("is_hub", DesignationType::is_hub),
        ("is_regional_cancer_hospital", DesignationType::is_regional_cancer_hospital),
        ("is_prefecture_own", |t| t == DesignationType::PrefectureOwn),
    ];
    roles
        .into_iter()
        .map(|(name, role)| {
            let fun = move |args: &[ColumnarValue]| -> datafusion::error::Result<ColumnarValue> {
                let arrays = ColumnarValue::values_to_arrays(args)?;
                let labels = arrow::compute::cast(&arrays[0], &DataType::Utf8)?;
                let labels = labels.as_string::<i32>();
                let out: BooleanArray = (0..labels.len())
                    .map(|i| labels.is_valid(i).then(|| DesignationType::parse(labels.value(i)).is_some_and(role)))
                    .collect();
                Ok(ColumnarValue::Array(Arc::new(out)))
            };
            create_udf(name, vec![DataType::Utf8], DataType::Boolean, Volatility::Immutable, Arc::new(fun))
        })
        .collect()
}

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
