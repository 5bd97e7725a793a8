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
//! The text is parsed within a budget of parser work ([`parse`]), so that no few hundred bytes
//! make the parser backtrack for seconds. One SELECT (or WITH … SELECT / VALUES) per request;
//! DDL, DML, COPY and SET are refused by DataFusion's `SQLOptions`; recursive CTEs are
//! disabled; no file or URL tables exist
//! (no `read_csv`, no dynamic file catalog); a memory pool caps operators (a runaway cross
//! join fails with a resource error) and spilling to disk is off; a deadline checked by every
//! operator of the plan stops it (see [`deadline`]); at most `max_rows` rows and
//! `max_result_bytes` bytes come back.
//!
//! What DataFusion does not count — string and array functions that allocate in proportion
//! to an argument (`repeat`, `array_repeat`, `lpad`, …), constant folding at planning — is
//! contained by process isolation: the server runs each query in a worker process
//! ([`worker`]) with an address-space limit, killed at the deadline, so a query that
//! exhausts memory or never returns ends that worker, never the server.
//!
//! # Layout
//!
//! - [`engine`]: the session over [`Tables`], one query's run, errors in the user's terms.
//! - [`deadline`]: the time limit checked by every operator.
//! - [`parse`]: reading a statement within a budget of parser work.
//! - [`worker`]: the worker process (its loop and the server's pool of them).
//! - `query`: what one query runs over ([`Tables`], [`Limits`]) and returns ([`Answer`]).

pub mod deadline;
pub mod engine;
pub mod parse;
mod query;
pub mod worker;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use arrow::array::{ArrayRef, BooleanArray, Date32Array, Float64Array, Int64Array, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use chrono::NaiveDate;
use datafusion::prelude::SessionContext;

use crate::catalog::{Request, evaluate};
use crate::disclosure::Audience;
use crate::error::{Error, Result};
use crate::result::{MetricResult, Role, Value};
use crate::snapshot::Snapshot;

pub use engine::{Refusal, RefusalKind};
pub use query::{Answer, Limits, Tables};

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
    ("members_by_profession", crate::metrics::membership::COMPOSITION.name, "category,profession"),
    ("members_by_prefecture", crate::metrics::membership::COMPOSITION.name, "category,prefecture"),
    ("members_by_sex", crate::metrics::membership::COMPOSITION.name, "category,sex"),
    ("members_by_age", crate::metrics::membership::COMPOSITION.name, "category,age_band"),
    ("physician_share_history", crate::metrics::share_history::SHARE_HISTORY.name, ""),
    ("member_flows", crate::metrics::flows::FLOWS.name, "fiscal_year,profession"),
    ("survey_response_rate", crate::metrics::survey::RESPONSE_RATE.name, "profession"),
    ("specialists_by_year", crate::metrics::specialists::BY_YEAR.name, "qualification"),
    ("specialists_per_100k", crate::metrics::specialists::PER_100K.name, "prefecture"),
    ("specialists_per_100k_area", crate::metrics::specialists::PER_100K.name, "area"),
    ("blank_areas", crate::metrics::hospitals::BLANK_AREAS.name, ""),
    ("blank_area_series", crate::metrics::hospitals::BLANK_SERIES.name, ""),
    ("designation_counts", crate::metrics::hospitals::DESIGNATIONS.name, "prefecture,type"),
];

/// How many console queries may run at once.
#[derive(Debug, Clone, Copy)]
pub struct Concurrency {
    /// For the whole server.
    pub global: usize,
    /// For one user.
    pub per_user: usize,
}

impl Default for Concurrency {
    fn default() -> Self {
        Concurrency { global: 2, per_user: 1 }
    }
}

/// Admits at most `global` queries at once and `per_user` for one user; a query beyond
/// either is refused at once ([`RefusalKind::Busy`], HTTP 429), never queued behind a slow
/// one.
#[derive(Debug)]
pub struct Gate {
    limits: Concurrency,
    slots: Arc<tokio::sync::Semaphore>,
    running: Mutex<HashMap<String, usize>>,
}

/// A query's place in the [`Gate`], given back when dropped.
#[derive(Debug)]
pub struct Admitted<'a> {
    gate: &'a Gate,
    user: String,
    _slot: tokio::sync::OwnedSemaphorePermit,
}

impl Drop for Admitted<'_> {
    fn drop(&mut self) {
        if let Ok(mut m) = self.gate.running.lock()
            && let Some(n) = m.get_mut(&self.user)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                m.remove(&self.user);
            }
        }
    }
}

impl Gate {
    pub fn new(limits: Concurrency) -> Self {
        Gate {
            limits,
            slots: Arc::new(tokio::sync::Semaphore::new(limits.global.max(1))),
            running: Mutex::new(HashMap::new()),
        }
    }

    /// A place for one query of `user`, or why there is none.
    pub fn admit(&self, user: &str) -> std::result::Result<Admitted<'_>, Refusal> {
        let mut m = self.running.lock().map_err(|_| Refusal::internal())?;
        let n = m.get(user).copied().unwrap_or(0);
        if n >= self.limits.per_user.max(1) {
            return Err(Refusal::new(
                RefusalKind::Busy,
                "前のクエリがまだ実行中です。終わってからもう一度実行してください / your previous query is still running",
            ));
        }
        let slot = self.slots.clone().try_acquire_owned().map_err(|_| {
            Refusal::new(
                RefusalKind::Busy,
                "ほかのクエリで混み合っています。数秒後にもう一度実行してください / the console is busy; try again in a few seconds",
            )
        })?;
        m.insert(user.to_string(), n + 1);
        Ok(Admitted { gate: self, user: user.to_string(), _slot: slot })
    }
}

/// The console over one snapshot.
pub struct Console {
    ctx: SessionContext,
    pub tables: Vec<ConsoleTable>,
    /// The tables' data, handed to worker processes.
    pub data: Arc<Tables>,
    pub as_of: NaiveDate,
    pub limits: Limits,
    gate: Gate,
    workers: Option<worker::Pool>,
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
        let mut tables = Vec::new();
        let mut data = Vec::new();
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
            data.push((name.to_string(), schema, batches));
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
                if by.is_empty() { String::new() } else { format!("、集計単位 {}", crate::labels::by(by)) }
            );
            tables.push(describe(name, description, &batch.schema(), batch.num_rows()));
            data.push((name.to_string(), batch.schema(), vec![batch]));
        }
        let data = Tables(data);
        let ctx = engine::session(&data, &limits)?;
        Ok(Console {
            ctx,
            tables,
            data: Arc::new(data),
            as_of,
            limits,
            gate: Gate::new(Concurrency::default()),
            workers: None,
        })
    }

    /// Sets how many queries may run at once.
    pub fn with_concurrency(mut self, c: Concurrency) -> Self {
        self.gate = Gate::new(c);
        self
    }

    /// Runs queries in worker processes of `exe` (`exe console-worker`), each limited to
    /// `address_space` bytes of memory beyond its start: what the server does, so that no
    /// query can end it. Without workers, queries run in this process.
    pub fn with_workers(mut self, exe: std::path::PathBuf, address_space: u64) -> std::result::Result<Self, Refusal> {
        self.workers = Some(worker::Pool::new(exe, &self.data, self.limits, self.gate.limits.global, address_space)?);
        Ok(self)
    }

    /// Runs one query of `user` within the limits (in a worker when the console has them).
    pub async fn run(&self, user: &str, sql: &str) -> std::result::Result<Answer, Refusal> {
        let _admitted = self.gate.admit(user)?;
        match &self.workers {
            Some(pool) => pool.run(sql).await,
            None => engine::run(&self.ctx, sql, &self.limits).await,
        }
    }
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
            Role::Derived | Role::Estimate => Some(&Value::Num(0.0)),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gate_admits_one_query_per_user_and_caps_all() {
        let gate = Gate::new(Concurrency { global: 2, per_user: 1 });
        let a = gate.admit("alice").expect("alice's first");
        assert_eq!(gate.admit("alice").map(|_| ()).map_err(|r| r.kind), Err(RefusalKind::Busy), "alice's second");
        let b = gate.admit("bob").expect("bob's first");
        assert_eq!(gate.admit("zoe").map(|_| ()).map_err(|r| r.kind), Err(RefusalKind::Busy), "over the global cap");
        drop(a);
        let z = gate.admit("zoe").expect("a slot was given back");
        assert!(gate.admit("alice").is_err(), "full again");
        drop((b, z));
        assert!(gate.admit("alice").is_ok());
        assert!(gate.running.lock().expect("lock").is_empty(), "every user's count is given back");
    }
}
