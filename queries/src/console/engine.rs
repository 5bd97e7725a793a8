//! One console query: the DataFusion session over the console's [`Tables`], the run within
//! [`Limits`], and errors said in the user's terms.
//!
//! Errors about the user's own SQL (syntax, unknown table or column, an invalid function)
//! keep the part of the engine's message that points at the SQL, so that a researcher can
//! fix it; every other engine error becomes a short Japanese message, and its text goes to
//! the log only (it may name internals).

use std::sync::Arc;
use std::time::Instant;

use arrow::datatypes::SchemaRef;
use arrow::error::ArrowError;
use arrow::record_batch::RecordBatch;
use datafusion::dataframe::DataFrame;
use datafusion::datasource::MemTable;
use datafusion::error::DataFusionError;
use datafusion::execution::context::SQLOptions;
use datafusion::execution::disk_manager::{DiskManagerBuilder, DiskManagerMode};
use datafusion::execution::memory_pool::GreedyMemoryPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::physical_plan::execute_stream;
use datafusion::prelude::{SessionConfig, SessionContext};
use futures::StreamExt;
use serde::{Deserialize, Serialize};

use super::deadline;
use super::parse::{self, Unplanned};
use super::query::{Answer, Limits, Tables};
use crate::frame::Frame;

/// Whose problem a refused query is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RefusalKind {
    /// The SQL is wrong or not allowed: the user can fix it.
    Invalid,
    /// The query ran into a limit (time, memory, result size).
    Limit,
    /// Too many queries are running: try again in a moment (HTTP 429).
    Busy,
    /// Our fault: details are in the log.
    Internal,
}

/// A query the console did not answer, with the message a user is shown (Japanese first).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("{message}")]
pub struct Refusal {
    pub kind: RefusalKind,
    pub message: String,
}

impl Refusal {
    pub fn new(kind: RefusalKind, message: impl Into<String>) -> Self {
        Refusal { kind, message: message.into() }
    }

    pub fn timeout(limits: &Limits) -> Self {
        let s = limits.timeout.as_secs();
        Refusal::new(RefusalKind::Limit, format!("{s} 秒で打ち切りました / the query ran longer than {s} s"))
    }

    /// The parser's work budget ran out ([`parse::PREFIX_BUDGET`]).
    pub fn too_complex() -> Self {
        Refusal::new(
            RefusalKind::Invalid,
            "SQL が複雑すぎて読み取れません。長い「.」の連なりや入れ子を減らしてください / the query is too complex to parse",
        )
    }

    pub fn memory(limits: &Limits) -> Self {
        let mb = limits.memory_bytes / (1024 * 1024);
        Refusal::new(
            RefusalKind::Limit,
            format!(
                "メモリの上限（{mb} MB）を超えたため中止しました。対象の行や列を絞ってください / the query needed more memory than allowed"
            ),
        )
    }

    /// Our fault: the details are in the log.
    pub fn internal() -> Self {
        Refusal::new(
            RefusalKind::Internal,
            "内部エラーが発生しました / internal error (the details are in the server's log)",
        )
    }
}

/// The session a query runs in: the tables as in-memory tables, a memory pool, no disk,
/// no recursive CTEs, two partitions.
pub fn session(tables: &Tables, limits: &Limits) -> datafusion::error::Result<SessionContext> {
    let runtime = RuntimeEnvBuilder::new()
        .with_memory_pool(Arc::new(GreedyMemoryPool::new(limits.memory_bytes)))
        .with_disk_manager_builder(DiskManagerBuilder::default().with_mode(DiskManagerMode::Disabled))
        .build_arc()?;
    let config = SessionConfig::new()
        .with_target_partitions(2)
        .with_information_schema(true)
        .set_bool("datafusion.execution.enable_recursive_ctes", false);
    let ctx = SessionContext::new_with_config_rt(config, runtime);
    for (name, schema, batches) in &tables.0 {
        ctx.register_table(name.as_str(), Arc::new(MemTable::try_new(schema.clone(), vec![batches.clone()])?))?;
    }
    Ok(ctx)
}

/// A query's batches, cut at `max_rows` and `max_result_bytes`.
#[derive(Debug)]
pub struct Collected {
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
    pub truncated: bool,
}

/// What a console statement may be: a query, nothing that defines, changes or sets.
fn statements() -> SQLOptions {
    SQLOptions::new().with_allow_ddl(false).with_allow_dml(false).with_allow_statements(false)
}

/// Plans and runs `sql` within the limits: planning and execution share one deadline.
pub async fn collect(ctx: &SessionContext, sql: &str, limits: &Limits) -> Result<Collected, Refusal> {
    let deadline = Instant::now() + limits.timeout;
    let work = async {
        match parse::plan(ctx, sql, statements()).await {
            Ok(df) => read(df, limits, deadline).await.map_err(|e| refusal(&e, limits)),
            Err(Unplanned::Engine(e)) => Err(refusal(&e, limits)),
            Err(Unplanned::TooComplex) => Err(Refusal::too_complex()),
        }
    };
    match tokio::time::timeout(limits.timeout, work).await {
        Err(_) => Err(Refusal::timeout(limits)),
        Ok(r) => r,
    }
}

/// Runs a planned query to its batches, cut at the limits.
async fn read(df: DataFrame, limits: &Limits, deadline: Instant) -> Result<Collected, DataFusionError> {
    let df = df.limit(0, Some(limits.max_rows + 1))?;
    let schema: SchemaRef = Arc::new(df.schema().as_arrow().clone());
    let task = Arc::new(df.task_ctx());
    let plan = deadline::wrap(df.create_physical_plan().await?, deadline)?;
    let mut stream = execute_stream(plan, task)?;
    let (mut batches, mut rows, mut bytes, mut truncated) = (Vec::new(), 0_usize, 0_usize, false);
    while let Some(batch) = stream.next().await {
        let batch = batch?;
        let n = batch.num_rows();
        if n == 0 {
            continue;
        }
        let size = batch.get_array_memory_size();
        let room_rows = limits.max_rows - rows;
        let room_bytes = limits.max_result_bytes.saturating_sub(bytes);
        let fit_bytes = if size <= room_bytes { n } else { room_bytes / (size / n).max(1) };
        let take = n.min(room_rows).min(fit_bytes);
        if take > 0 {
            batches.push(batch.slice(0, take));
        }
        rows += take;
        bytes += size.min(room_bytes);
        if take < n {
            truncated = true;
            break;
        }
    }
    Ok(Collected { schema, batches, truncated })
}

/// Runs `sql` and reads the answer into rows.
pub async fn run(ctx: &SessionContext, sql: &str, limits: &Limits) -> Result<Answer, Refusal> {
    let started = Instant::now();
    let c = collect(ctx, sql, limits).await?;
    Ok(answer(&c.schema, &c.batches, c.truncated, started))
}

/// Rows of typed values from a query's batches.
pub fn answer(schema: &SchemaRef, batches: &[RecordBatch], truncated: bool, started: Instant) -> Answer {
    let columns = schema.fields().iter().map(|f| f.name().clone()).collect();
    Answer { columns, rows: Frame::from_batches(batches).rows, truncated, elapsed: started.elapsed() }
}

/// The first line of an engine message about the user's SQL, shortened.
fn about_sql(s: &str) -> String {
    // Tables are named as the user wrote them, not by the engine's catalog path.
    let s = s.replace("datafusion.public.", "");
    let s = s.split("\nbacktrace").next().unwrap_or(&s).trim();
    let mut out: String = s.chars().take(300).collect();
    if s.chars().count() > 300 {
        out.push('…');
    }
    out
}

/// A DataFusion error in the user's terms.
pub fn refusal(e: &DataFusionError, limits: &Limits) -> Refusal {
    use RefusalKind::Invalid;
    let root = e.find_root();
    match root {
        DataFusionError::SQL(p, _) => Refusal::new(
            Invalid,
            format!(
                "SQL の構文エラーです / syntax error: {}",
                about_sql(p.to_string().trim_start_matches("sql parser error: "))
            ),
        ),
        DataFusionError::Plan(m) => {
            Refusal::new(Invalid, format!("SQL を実行できません / cannot run this SQL: {}", about_sql(m)))
        }
        DataFusionError::SchemaError(s, _) => Refusal::new(
            Invalid,
            format!("テーブルまたは列が見つかりません / unknown table or column: {}", about_sql(&s.to_string())),
        ),
        DataFusionError::NotImplemented(_) => {
            Refusal::new(Invalid, "この SQL の機能には対応していません / this SQL feature is not supported")
        }
        DataFusionError::ResourcesExhausted(m) if m.contains(deadline::MARK) => Refusal::timeout(limits),
        DataFusionError::ResourcesExhausted(_) => Refusal::memory(limits),
        DataFusionError::ArrowError(a, _) => match a.as_ref() {
            ArrowError::DivideByZero => Refusal::new(Invalid, "0 で割り算しています / division by zero"),
            ArrowError::CastError(_) | ArrowError::ParseError(_) => {
                Refusal::new(Invalid, "型を変換できない値があります / a value cannot be converted to that type")
            }
            ArrowError::ArithmeticOverflow(_) => Refusal::new(Invalid, "計算が桁あふれしました / arithmetic overflow"),
            ArrowError::OffsetOverflowError(_) | ArrowError::MemoryError(_) => Refusal::memory(limits),
            other => {
                tracing::warn!("console query: arrow: {other}");
                Refusal::new(Invalid, "計算できない値があります / a value cannot be computed")
            }
        },
        DataFusionError::Execution(m) => {
            tracing::warn!("console query: {m}");
            Refusal::new(
                Invalid,
                "実行中にエラーになりました。関数の引数と値を確かめてください / the query failed while running; check the functions' arguments",
            )
        }
        other => {
            tracing::error!("console query: {other}");
            Refusal::internal()
        }
    }
}

/// The fuzz target of the console's gate (`fuzz/`, `scripts/fuzz`): any text as SQL is
/// parsed, checked against the console's statement rules and planned over a small
/// catalog of the console's shape, without running; an error is fine, a panic is a bug.
pub fn fuzz_gate(data: &[u8]) {
    use std::sync::OnceLock;
    static CTX: OnceLock<Option<(tokio::runtime::Runtime, SessionContext)>> = OnceLock::new();
    let Some((rt, ctx)) = CTX.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread().build().ok()?;
        let batch = arrow::record_batch::RecordBatch::try_from_iter([
            ("area_code", Arc::new(arrow::array::StringArray::from(vec!["1301", "2701"])) as arrow::array::ArrayRef),
            ("population_2020", Arc::new(arrow::array::Int64Array::from(vec![1_000, 2_000])) as arrow::array::ArrayRef),
        ])
        .ok()?;
        let tables = Tables(vec![("areas".into(), batch.schema(), vec![batch])]);
        let ctx = session(&tables, &Limits::default()).ok()?;
        Some((rt, ctx))
    }) else {
        return;
    };
    let sql = String::from_utf8_lossy(data);
    let _ = rt.block_on(parse::plan(ctx, &sql, statements()));
}
