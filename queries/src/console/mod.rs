//! The researchers' SQL console: DataFusion over a catalog that holds nothing a
//! researcher may not already download.
//!
//! # What the console can read
//!
//! - **Public reference data**, as loaded: `areas`, `hospitals`, `designations`,
//!   `hospital_volumes`, `prefecture_regions`.
//! - **Aggregates**: results of catalog metrics evaluated for the researcher audience at the
//!   snapshot's default date, with the catalog's primary and complementary suppression
//!   already applied (withheld cells are NULL). Console results therefore can never show
//!   more than the researcher exports of the same metrics.
//!
//! Person-level tables, even pseudonymised, are not registered: birth year, sex,
//! prefecture and profession together identify people in small groups.
//!
//! # How a query is contained
//!
//! One SELECT (or WITH … SELECT / VALUES) per request; DDL, DML, COPY and SET are refused
//! by DataFusion's `SQLOptions`; recursive CTEs are disabled; no file or URL tables exist
//! (no `read_csv`, no dynamic file catalog); a memory pool caps operators (a runaway cross
//! join fails with a resource error) and spilling to disk is off; a deadline checked by every
//! operator of the plan stops it (see [`deadline`]); at most `max_rows` rows come back.

pub mod deadline;

use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow::array::{ArrayRef, BooleanArray, Date32Array, Float64Array, Int64Array, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use chrono::NaiveDate;
use datafusion::datasource::MemTable;
use datafusion::execution::context::SQLOptions;
use datafusion::execution::disk_manager::{DiskManagerBuilder, DiskManagerMode};
use datafusion::execution::memory_pool::GreedyMemoryPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::prelude::{SessionConfig, SessionContext};

use crate::catalog::{Request, evaluate};
use crate::disclosure::Audience;
use crate::error::{Error, Result};
use crate::frame::Frame;
use crate::result::{MetricResult, Role, Value};
use crate::snapshot::Snapshot;

/// A table of the console's catalog.
#[derive(Debug, Clone)]
pub struct ConsoleTable {
    pub name: &'static str,
    /// What it holds (Japanese), including the metric it comes from.
    pub description: String,
    /// Column names and Arrow types.
    pub columns: Vec<(String, String)>,
    pub rows: usize,
}

/// Limits on one query.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub timeout: Duration,
    pub max_rows: usize,
    pub memory_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { timeout: Duration::from_secs(10), max_rows: 10_000, memory_bytes: 256 * 1024 * 1024 }
    }
}

/// A query's answer.
#[derive(Debug, Clone)]
pub struct Answer {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
    /// More rows existed than `max_rows`.
    pub truncated: bool,
    pub elapsed: Duration,
}

/// Public reference tables and the columns the console exposes.
const PUBLIC: &[(&str, &str, &str)] = &[
    (
        "areas",
        "area_set, prefecture_code, area_code, area_name, population_2020, area_km2",
        "構想区域・二次医療圏（厚生労働省、人口は2020年国勢調査）",
    ),
    (
        "hospitals",
        "area_set, prefecture_code, area_code, hospital, municipality",
        "病院と所在の構想区域（病床機能報告）",
    ),
    (
        "designations",
        "prefecture_code, hospital, area_code, area_name, designation, designated_from, designated_until, partner",
        "がん診療連携拠点病院等の指定（期間つき）",
    ),
    (
        "hospital_volumes",
        "hospital, area_code, fiscal_year, cancer_registry, surgery, chemotherapy, radiotherapy",
        "拠点病院の診療実績（現況報告）",
    ),
    ("prefecture_regions", "prefecture_code, region", "都道府県と地方区分"),
];

/// Aggregate tables: (table, metric, by).
const AGGREGATES: &[(&str, &str, &str)] = &[
    ("members_by_profession", "members.composition", "category,profession"),
    ("members_by_prefecture", "members.composition", "category,prefecture"),
    ("members_by_sex", "members.composition", "category,sex"),
    ("members_by_age", "members.composition", "category,age_band"),
    ("physician_share_history", "members.physician_share_history", ""),
    ("member_flows", "members.flows", "fiscal_year,profession"),
    ("survey_response_rate", "survey.response_rate", "profession"),
    ("specialists_by_year", "specialists.by_year", "qualification"),
    ("specialists_per_100k", "specialists.per_100k", "prefecture"),
    ("specialists_per_100k_area", "specialists.per_100k", "area"),
    ("blank_areas", "hospitals.blank_areas", ""),
    ("blank_area_series", "hospitals.blank_area_series", ""),
    ("designation_counts", "hospitals.designations", "prefecture,type"),
];

/// The console over one snapshot.
pub struct Console {
    ctx: SessionContext,
    pub tables: Vec<ConsoleTable>,
    pub as_of: NaiveDate,
    limits: Limits,
}

impl std::fmt::Debug for Console {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Console").field("tables", &self.tables.len()).field("as_of", &self.as_of).finish()
    }
}

impl Console {
    /// Builds the console's catalog from a snapshot.
    pub async fn build(snapshot: &Snapshot, limits: Limits) -> Result<Self> {
        let as_of = snapshot.default_as_of().ok_or_else(|| Error::Data {
            metric: "console".into(),
            detail: "the store holds no dated load / データがありません".into(),
        })?;
        let runtime = RuntimeEnvBuilder::new()
            .with_memory_pool(Arc::new(GreedyMemoryPool::new(limits.memory_bytes)))
            .with_disk_manager_builder(DiskManagerBuilder::default().with_mode(DiskManagerMode::Disabled))
            .build_arc()?;
        let config = SessionConfig::new()
            .with_target_partitions(2)
            .with_information_schema(true)
            .set_bool("datafusion.execution.enable_recursive_ctes", false);
        let ctx = SessionContext::new_with_config_rt(config, runtime);
        let mut tables = Vec::new();
        for (name, columns, description) in PUBLIC {
            let batches = snapshot.sql(&format!("SELECT {columns} FROM {name}")).await?;
            let schema = match batches.first() {
                Some(b) => b.schema(),
                None => Arc::new(
                    snapshot.context().sql(&format!("SELECT {columns} FROM {name}")).await?.schema().as_arrow().clone(),
                ),
            };
            let rows = batches.iter().map(RecordBatch::num_rows).sum();
            tables.push(describe(name, description.to_string(), &schema, rows));
            ctx.register_table(*name, Arc::new(MemTable::try_new(schema, vec![batches])?))?;
        }
        for (name, metric, by) in AGGREGATES {
            let mut req = Request::new(metric, Audience::Researcher).as_of(as_of);
            if !by.is_empty() {
                req = req.by(by);
            }
            let r = evaluate(snapshot, &req).await?;
            let batch = to_batch(&r)?;
            let description = format!(
                "{}（指標 {}{}、基準日 {as_of}、研究者向けの秘匿処理済み: 秘匿セルは NULL）",
                r.title_ja,
                metric,
                if by.is_empty() { String::new() } else { format!(" by {by}") }
            );
            tables.push(describe(name, description, &batch.schema(), batch.num_rows()));
            ctx.register_table(*name, Arc::new(MemTable::try_new(batch.schema(), vec![vec![batch]])?))?;
        }
        Ok(Console { ctx, tables, as_of, limits })
    }

    /// Runs one query within the limits.
    pub async fn run(&self, sql: &str) -> Result<Answer> {
        let started = Instant::now();
        let refuse = |reason: String| Error::Param {
            metric: "console".into(),
            param: "sql".into(),
            value: sql.chars().take(200).collect(),
            reason,
        };
        let options = SQLOptions::new().with_allow_ddl(false).with_allow_dml(false).with_allow_statements(false);
        let limits = self.limits;
        let deadline = started + limits.timeout;
        let work = async {
            let df = self.ctx.sql_with_options(sql, options).await?;
            let df = df.limit(0, Some(limits.max_rows + 1))?;
            let task = Arc::new(df.task_ctx());
            let plan = deadline::wrap(df.create_physical_plan().await?, deadline)?;
            datafusion::physical_plan::collect(plan, task).await
        };
        let batches = match tokio::time::timeout(limits.timeout, work).await {
            Err(_) => {
                return Err(refuse(format!(
                    "{} 秒で打ち切りました / the query ran longer than {} s",
                    limits.timeout.as_secs(),
                    limits.timeout.as_secs()
                )));
            }
            Ok(Err(e)) => return Err(refuse(plain_error(&e))),
            Ok(Ok(b)) => b,
        };
        let columns: Vec<String> = match batches.first() {
            Some(b) => b.schema().fields().iter().map(|f| f.name().clone()).collect(),
            None => Vec::new(),
        };
        let mut rows = Frame::from_batches(&batches).rows;
        let truncated = rows.len() > limits.max_rows;
        rows.truncate(limits.max_rows);
        Ok(Answer { columns, rows, truncated, elapsed: started.elapsed() })
    }
}

/// DataFusion's message without internal backtraces, shortened.
fn plain_error(e: &datafusion::error::DataFusionError) -> String {
    let s = e.to_string();
    let s = s.split("\nbacktrace").next().unwrap_or(&s).trim().to_string();
    s.chars().take(600).collect()
}

fn describe(name: &'static str, description: String, schema: &Schema, rows: usize) -> ConsoleTable {
    ConsoleTable {
        name,
        description,
        columns: schema.fields().iter().map(|f| (f.name().clone(), sql_type(f.data_type()))).collect(),
        rows,
    }
}

/// The SQL name of a column type, as a researcher writes it (the engine's string views
/// and integer widths are its own business).
fn sql_type(t: &arrow::datatypes::DataType) -> String {
    use arrow::datatypes::DataType as T;
    match t {
        T::Utf8 | T::Utf8View | T::LargeUtf8 => "VARCHAR".into(),
        T::Int8 | T::Int16 | T::Int32 => "INT".into(),
        T::Int64 => "BIGINT".into(),
        T::Float32 | T::Float64 => "DOUBLE".into(),
        T::Boolean => "BOOLEAN".into(),
        T::Date32 | T::Date64 => "DATE".into(),
        other => other.to_string(),
    }
}

/// A metric result as one Arrow batch; withheld cells become NULL.
pub fn to_batch(r: &MetricResult) -> Result<RecordBatch> {
    let mut fields = Vec::new();
    let mut arrays: Vec<ArrayRef> = Vec::new();
    for (i, c) in r.columns.iter().enumerate() {
        let values: Vec<&Value> = r.rows.iter().map(|row| &row[i]).collect();
        // A column every cell of which is withheld still gets its numeric type.
        let fallback = match c.role {
            Role::PersonCount => Some(&Value::Int(0)),
            Role::Derived => Some(&Value::Num(0.0)),
            _ => None,
        };
        let kind = values.iter().find(|v| !matches!(v, Value::Null | Value::Suppressed)).copied().or(fallback);
        let (dt, array): (DataType, ArrayRef) = match kind {
            Some(Value::Int(_)) => {
                (DataType::Int64, Arc::new(Int64Array::from(values.iter().map(|v| v.as_i64()).collect::<Vec<_>>())))
            }
            Some(Value::Num(_)) => {
                (DataType::Float64, Arc::new(Float64Array::from(values.iter().map(|v| v.as_f64()).collect::<Vec<_>>())))
            }
            Some(Value::Bool(_)) => (
                DataType::Boolean,
                Arc::new(BooleanArray::from(
                    values.iter().map(|v| if let Value::Bool(b) = v { Some(*b) } else { None }).collect::<Vec<_>>(),
                )),
            ),
            Some(Value::Date(_)) => (
                DataType::Date32,
                Arc::new(Date32Array::from(
                    values
                        .iter()
                        .map(|v| if let Value::Date(d) = v { Some(days_since_epoch(*d)) } else { None })
                        .collect::<Vec<_>>(),
                )),
            ),
            _ => (
                DataType::Utf8,
                Arc::new(StringArray::from(
                    values
                        .iter()
                        .map(|v| match v {
                            Value::Null | Value::Suppressed => None,
                            other => Some(other.display()),
                        })
                        .collect::<Vec<_>>(),
                )),
            ),
        };
        fields.push(Field::new(c.name, dt, true));
        arrays.push(array);
    }
    Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)?)
}

fn days_since_epoch(d: NaiveDate) -> i32 {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    (d - epoch).num_days() as i32
}
