//! The in-memory Arrow snapshot that every metric reads, registered in a DataFusion
//! session. Built once per store state; immutable, shared behind an `Arc`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use arrow::compute::concat_batches;
use arrow::record_batch::RecordBatch;
use chrono::NaiveDate;
use datafusion::datasource::MemTable;
use datafusion::execution::context::SessionContext;
use datafusion::prelude::SessionConfig;
use store::warehouse::LoadInfo;
use store::{StoreSnapshot, Warehouse};

use crate::error::Result;
use crate::renewals::RenewalInfo;

/// Derived tables built when the snapshot is made, so that metrics scan one table.
///
/// `member_spells`: one row per member and validity interval of their state, clipped
/// to their membership: the member is in that state on day D when
/// `span_from <= D AND (span_to IS NULL OR span_to > D)`.
const DERIVED: &[(&str, &str)] = &[(
    "member_spells",
    "SELECT h.member_key, h.category, h.profession, h.prefecture_code, m.birth_year, m.sex,
            m.joined_on, m.left_on, m.left_inferred, h.load_id,
            CASE WHEN h.valid_from > m.joined_on THEN h.valid_from ELSE m.joined_on END AS span_from,
            CASE WHEN m.left_on IS NULL THEN h.valid_to
                 WHEN h.valid_to IS NULL THEN m.left_on
                 WHEN h.valid_to < m.left_on THEN h.valid_to
                 ELSE m.left_on END AS span_to
     FROM member_history h JOIN members m ON h.member_key = m.member_key",
)];

/// The metric engine's view of the store.
pub struct Snapshot {
    ctx: SessionContext,
    pub at_load: i64,
    pub loads: Vec<LoadInfo>,
    table_loads: BTreeMap<&'static str, BTreeSet<i64>>,
    rows: BTreeMap<&'static str, usize>,
    /// Renewal readiness, derived on first use (see [`crate::renewals`]).
    renewals: tokio::sync::OnceCell<RenewalInfo>,
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot").field("at_load", &self.at_load).field("rows", &self.rows).finish()
    }
}

impl Snapshot {
    /// Reads the store as load `at_load` saw it (the latest when None).
    pub async fn from_warehouse(warehouse: &Warehouse, at_load: Option<i64>) -> Result<Self> {
        Self::build(warehouse.snapshot(at_load)?).await
    }

    /// Registers the store snapshot's tables and builds the derived ones.
    pub async fn build(store: StoreSnapshot) -> Result<Self> {
        let partitions = std::thread::available_parallelism().map_or(1, |n| n.get());
        let config = SessionConfig::new().with_target_partitions(partitions).with_information_schema(false);
        let ctx = SessionContext::new_with_config(config);
        let mut table_loads = BTreeMap::new();
        let mut rows = BTreeMap::new();
        for t in &store.tables {
            register(&ctx, t.name, t.batch.clone(), partitions)?;
            table_loads.insert(t.name, t.load_ids.clone());
            rows.insert(t.name, t.batch.num_rows());
        }
        register(&ctx, "prefecture_regions", region_table()?, 1)?;
        for (name, sql) in DERIVED {
            let batches = ctx.sql(sql).await?.collect().await?;
            let schema = match batches.first() {
                Some(b) => b.schema(),
                None => Arc::new(ctx.sql(sql).await?.schema().as_arrow().clone()),
            };
            let batch = concat_batches(&schema, &batches)?;
            rows.insert(name, batch.num_rows());
            register(&ctx, name, batch, partitions)?;
        }
        if let Some(l) = table_loads.get("member_history").cloned() {
            table_loads.insert("member_spells", l);
        }
        Ok(Snapshot {
            ctx,
            at_load: store.at_load,
            loads: store.loads,
            table_loads,
            rows,
            renewals: tokio::sync::OnceCell::new(),
        })
    }

    /// The renewal tables (`renewal_status`, `renewal_findings`), derived on first use:
    /// checking every application takes a moment that pages without renewals need not wait for.
    pub async fn renewals(&self) -> Result<&RenewalInfo> {
        self.renewals.get_or_try_init(|| crate::renewals::derive(self, self.default_as_of())).await
    }

    /// Registers a table derived after the snapshot was built.
    pub(crate) fn register_derived(&self, name: &'static str, batch: RecordBatch) -> Result<()> {
        register(&self.ctx, name, batch, 1)
    }

    /// Runs one SQL query over the snapshot.
    pub async fn sql(&self, sql: &str) -> Result<Vec<RecordBatch>> {
        Ok(self.ctx.sql(sql).await?.collect().await?)
    }

    /// The DataFusion session (for the SQL console and tests).
    pub fn context(&self) -> &SessionContext {
        &self.ctx
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

fn register(ctx: &SessionContext, name: &str, batch: RecordBatch, partitions: usize) -> Result<()> {
    let schema = batch.schema();
    let n = batch.num_rows();
    let per = n.div_ceil(partitions.max(1)).max(1);
    let mut parts: Vec<Vec<RecordBatch>> = Vec::new();
    let mut offset = 0;
    while offset < n {
        let len = per.min(n - offset);
        parts.push(vec![batch.slice(offset, len)]);
        offset += len;
    }
    if parts.is_empty() {
        parts.push(Vec::new());
    }
    let table = MemTable::try_new(schema, parts)?;
    ctx.register_table(name, Arc::new(table))?;
    Ok(())
}
