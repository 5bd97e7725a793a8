//! The DataFusion session a snapshot runs in, and in-memory tables registered in it (text as
//! `Utf8View`, large tables in slices for parallel scans).

use std::sync::Arc;

use arrow::record_batch::RecordBatch;
use datafusion::datasource::MemTable;
use datafusion::execution::context::SessionContext;
use datafusion::prelude::SessionConfig;

use crate::error::Result;

/// Tables smaller than this are held in one partition: splitting them buys no parallel
/// work, and every query over several partitions plans and schedules a merge (a query
/// over the 13 waves took 1.4 ms in two partitions).
const ONE_PARTITION_BELOW: usize = 65_536;

/// A session for a snapshot: as many target partitions as cores.
pub(crate) fn session() -> (SessionContext, usize) {
    let partitions = std::thread::available_parallelism().map_or(1, |n| n.get());
    let config = SessionConfig::new().with_target_partitions(partitions).with_information_schema(false);
    (SessionContext::new_with_config(config), partitions)
}

/// The memory a lake-mode query may hold before it spills to disk (sorts, joins,
/// aggregations), unless `ONCOMETRICS_LAKE_MEMORY_MB` says otherwise.
pub const DEFAULT_MEMORY: usize = 2 << 30;

/// The memory limit of lake mode: `ONCOMETRICS_LAKE_MEMORY_MB`, else [`DEFAULT_MEMORY`].
pub fn memory_limit() -> usize {
    std::env::var("ONCOMETRICS_LAKE_MEMORY_MB")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|mb| *mb >= 64)
        .map_or(DEFAULT_MEMORY, |mb| mb << 20)
}

/// The most input rows a derived table split by its key ([`crate::derived::Build::SplitSql`])
/// is built from at once in lake mode: `ONCOMETRICS_LAKE_SPLIT_ROWS`, else one row per 512 bytes
/// of [`memory_limit`] (4 M rows for 2 GB: the joins and sorts of one range then stay in memory).
pub fn split_rows() -> usize {
    std::env::var("ONCOMETRICS_LAKE_SPLIT_ROWS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(memory_limit() / 512)
}

/// `config` for data beyond memory (the lake mode and a cluster): joins are sort-merge joins,
/// which spill to disk. DataFusion's hash join holds its whole build side in memory and fails
/// when the memory pool is exhausted (at scale 100 the spells join needed more than 2 GB).
///
/// Parquet text is read as `Utf8`, not as views (`Utf8View`): a view array that a join or a
/// filter took rows from keeps its source's whole buffers, and the memory pool counts them for
/// every batch that refers to them — at scale 1,000 a sort of 600 k spells counted 700 MB, and
/// the build of `member_spells` ran out of a 2 GB pool at 1 % of the data held.
pub(crate) fn spilling(config: SessionConfig) -> SessionConfig {
    config
        .set_bool("datafusion.optimizer.prefer_hash_join", false)
        .set_bool("datafusion.execution.parquet.schema_force_view_types", false)
}

/// Registers `batch` as an in-memory table of `ctx`, in `partitions` slices when it is large.
pub(crate) fn register(ctx: &SessionContext, name: &str, batch: RecordBatch, partitions: usize) -> Result<()> {
    let batch = string_views(batch)?;
    let schema = batch.schema();
    let n = batch.num_rows();
    let partitions = if n < ONE_PARTITION_BELOW { 1 } else { partitions };
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

/// The batch with its `Utf8` columns as `Utf8View`, which DataFusion compares, hashes and
/// groups faster (grouping on a text column takes about half the time).
fn string_views(batch: RecordBatch) -> Result<RecordBatch> {
    use arrow::datatypes::{DataType, Field, Schema};
    if !batch.schema().fields().iter().any(|f| f.data_type() == &DataType::Utf8) {
        return Ok(batch);
    }
    let mut fields = Vec::with_capacity(batch.num_columns());
    let mut columns = Vec::with_capacity(batch.num_columns());
    for (f, c) in batch.schema().fields().iter().zip(batch.columns()) {
        if f.data_type() == &DataType::Utf8 {
            columns.push(arrow::compute::cast(c, &DataType::Utf8View)?);
            fields.push(Field::new(f.name(), DataType::Utf8View, f.is_nullable()).with_metadata(f.metadata().clone()));
        } else {
            columns.push(c.clone());
            fields.push(f.as_ref().clone());
        }
    }
    Ok(RecordBatch::try_new(Arc::new(Schema::new_with_metadata(fields, batch.schema().metadata().clone())), columns)?)
}

/// Registers a small `batch` as a view over its values (or over no rows), not as an
/// in-memory table: a plan that reads it holds its rows as expressions, so it can be sent
/// whole to another process (the lake mode's reference tables and empty stand-ins).
pub(crate) fn register_values(ctx: &SessionContext, name: &str, batch: RecordBatch) -> Result<()> {
    use datafusion::catalog::view::ViewTable;
    use datafusion::common::{DFSchema, ScalarValue};
    use datafusion::logical_expr::{EmptyRelation, LogicalPlan, LogicalPlanBuilder, lit};
    let batch = string_views(batch)?;
    let plan = if batch.num_rows() == 0 {
        let schema = Arc::new(DFSchema::try_from(batch.schema().as_ref().clone())?);
        LogicalPlan::EmptyRelation(EmptyRelation { produce_one_row: false, schema })
    } else {
        let rows = (0..batch.num_rows())
            .map(|r| {
                batch
                    .columns()
                    .iter()
                    .map(|c| ScalarValue::try_from_array(c, r).map(lit))
                    .collect::<std::result::Result<Vec<_>, _>>()
            })
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let names: Vec<datafusion::logical_expr::Expr> = batch
            .schema()
            .fields()
            .iter()
            .enumerate()
            .map(|(i, f)| datafusion::logical_expr::col(format!("column{}", i + 1)).alias(f.name()))
            .collect();
        LogicalPlanBuilder::values(rows)?.project(names)?.build()?
    };
    ctx.register_table(name, Arc::new(ViewTable::new(plan, None)))?;
    Ok(())
}
