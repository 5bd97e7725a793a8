//! Scale-out: the metric engine over the Parquet lake on an Apache DataFusion Ballista cluster.
//!
//! The client builds the same lake snapshot as the lake mode ([`crate::lake`]) — listing
//! tables, supersession views, derived tables in the lake's `_derived/` — in a session whose
//! queries Ballista plans and runs: the client sends the logical plan to the scheduler, the
//! scheduler splits it into stages and the executors read the lake at the same path (a shared
//! file system: object-store URLs are not supported, see `docs/scale-out.md`) and return the result. Disclosure control
//! stays in the client: results come back to the metric layer, which suppresses them for the
//! audience as in every other mode.
//!
//! The scheduler and the executors are Ballista's own (`start_server`,
//! `start_executor_process`); this module only gives them this program's SQL functions
//! ([`crate::functions::all`]), so that a plan naming `age_band` resolves on every node.

use std::net::SocketAddr;
use std::sync::Arc;

use ballista::prelude::SessionContextExt;
use ballista_core::extension::SessionConfigExt;
use ballista_core::registry::BallistaFunctionRegistry;
use datafusion::execution::SessionStateBuilder;
use datafusion::execution::context::SessionContext;
use datafusion::execution::session_state::SessionState;
use datafusion::prelude::SessionConfig;

use crate::error::{Error, Result};

/// The scheduler's address in an engine setting: `df://HOST:PORT`.
pub const SCHEME: &str = "df://";

/// The port a scheduler listens on when none is given (Ballista's).
pub const DEFAULT_SCHEDULER_PORT: u16 = 50050;

/// A Ballista scheduler's address, parsed from `df://HOST:PORT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchedulerAddr {
    pub host: String,
    pub port: u16,
}

impl SchedulerAddr {
    /// Parses `df://HOST[:PORT]`.
    pub fn parse(s: &str) -> Result<Self> {
        let bad = |why: &str| {
            Error::Runtime(format!(
                "{s:?}: {why}; a cluster is given as df://HOST:PORT / クラスタは df://ホスト:ポート で指定します"
            ))
        };
        let rest = s.strip_prefix(SCHEME).ok_or_else(|| bad("not a df:// address"))?;
        let rest = rest.trim_end_matches('/');
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) => (h, p.parse::<u16>().map_err(|_| bad("the port is not a number from 1 to 65535"))?),
            None => (rest, DEFAULT_SCHEDULER_PORT),
        };
        if host.is_empty() || port == 0 || host.contains(['/', '@', '?', '#']) {
            return Err(bad("no host, or not a host name"));
        }
        Ok(SchedulerAddr { host: host.to_string(), port })
    }

    fn url(&self) -> String {
        format!("{SCHEME}{}:{}", self.host, self.port)
    }
}

impl std::fmt::Display for SchedulerAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.url())
    }
}

/// The session configuration a cluster query runs with: Ballista's, `partitions` wide, with the
/// lake mode's spilling joins (an executor started with `--memory-mb` then stays within it).
fn config(partitions: usize) -> SessionConfig {
    crate::session::spilling(
        SessionConfig::new_with_ballista().with_target_partitions(partitions.max(1)).with_information_schema(false),
    )
}

/// A session state with DataFusion's functions and this program's ([`crate::functions::all`]).
fn state(config: SessionConfig) -> SessionState {
    let mut state = SessionStateBuilder::new().with_default_features().with_config(config).build();
    for udf in crate::functions::all() {
        // Registering replaces nothing of DataFusion's (the names are this program's own).
        let _ = datafusion::execution::FunctionRegistry::register_udf(&mut state, Arc::new(udf));
    }
    state
}

/// How many partitions a cluster query is split into: `ONCOMETRICS_CLUSTER_PARTITIONS`, else this
/// machine's cores (set it to the cluster's cores in all).
pub fn partitions() -> usize {
    std::env::var("ONCOMETRICS_CLUSTER_PARTITIONS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| *n >= 1)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// A session whose queries run on the scheduler at `addr`. Ballista asks the scheduler for
/// nothing until the first query, so the scheduler's port is tried first: an address nothing
/// listens on is a clear error at once, not a failed query run again.
pub async fn connect(addr: &SchedulerAddr, partitions: usize) -> Result<SessionContext> {
    let probe = tokio::net::TcpStream::connect((addr.host.as_str(), addr.port));
    match tokio::time::timeout(std::time::Duration::from_secs(10), probe).await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => return Err(unreachable_cluster(addr, &format!("no scheduler answers: {e}"))),
        Err(_) => return Err(unreachable_cluster(addr, "no scheduler answered within 10 s")),
    }
    SessionContext::remote_with_state(&addr.url(), state(config(partitions)))
        .await
        .map_err(|e| unreachable_cluster(addr, &e.to_string()))
}

/// A scheduler and one executor in this process (tests, and trying the cluster mode on one
/// machine), and a session whose queries run on them.
pub async fn standalone(partitions: usize) -> Result<SessionContext> {
    Ok(SessionContext::standalone_with_state(state(config(partitions))).await?)
}

/// Starts a scheduler and `executors` executors (two tasks each) in this process, on a thread
/// of their own that lives as long as the process, and returns the scheduler's address: a
/// cluster for tests of what takes a `df://` address (the dashboard's configuration).
pub fn start_in_background(executors: usize) -> Result<SchedulerAddr> {
    let (tx, rx) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new().name("ballista-in-process".into()).spawn(move || {
        let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
            Ok(r) => r,
            Err(e) => {
                let _ = tx.send(Err(Error::Runtime(format!("tokio runtime: {e}"))));
                return;
            }
        };
        runtime.block_on(async move {
            let started = async {
                use ballista_core::serde::protobuf::scheduler_grpc_client::SchedulerGrpcClient;
                let state = state(config(partitions()));
                let addr = ballista_scheduler::standalone::new_standalone_scheduler_from_state(&state)
                    .await
                    .map_err(ballista_error)?;
                let url = format!("http://localhost:{}", addr.port());
                let mut tries = 0;
                let scheduler = loop {
                    match SchedulerGrpcClient::connect(url.clone()).await {
                        Ok(c) => break c,
                        Err(e) if tries > 100 => return Err(Error::Runtime(format!("{url}: {e}"))),
                        Err(_) => {
                            tries += 1;
                            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        }
                    }
                };
                for _ in 0..executors {
                    ballista_executor::new_standalone_executor_from_state(scheduler.clone(), 2, &state)
                        .await
                        .map_err(ballista_error)?;
                }
                Ok(SchedulerAddr { host: "localhost".into(), port: addr.port() })
            };
            let _ = tx.send(started.await);
            std::future::pending::<()>().await;
        });
    });
    spawned.map_err(|e| Error::Runtime(format!("thread: {e}")))?;
    rx.recv().map_err(|_| Error::Runtime("the in-process cluster did not start".into()))?
}

/// The error of a query the cluster could not run: whose fault and what to do.
pub fn unreachable_cluster(addr: &SchedulerAddr, detail: &str) -> Error {
    Error::Runtime(format!(
        "the cluster at {addr} did not run the query ({detail}); check that `oncometrics cluster scheduler` \
         and at least one executor are running / クラスタ {addr} でクエリを実行できませんでした\
         （スケジューラと 1 台以上のエグゼキュータが動いているか確認してください）"
    ))
}

/// Whether `e` is an executor's task that ran out of its memory (Ballista passes the task's
/// error on as text).
fn out_of_memory(e: &datafusion::error::DataFusionError) -> bool {
    let text = e.to_string();
    text.contains("ResourcesExhausted") || text.contains("Resources exhausted")
}

/// The error of a query an executor had too little memory for: what to change, not "is the
/// cluster running".
pub fn short_of_memory(addr: &SchedulerAddr, detail: &str) -> Error {
    Error::Runtime(format!(
        "the cluster at {addr} ran out of memory for the query ({detail}); give the executors more memory \
         (`oncometrics cluster executor --memory-mb`) or fewer tasks at once (`--concurrent-tasks`) / クラスタ \
         {addr} のエグゼキュータでメモリが不足しました（--memory-mb を増やすか --concurrent-tasks を減らしてください）"
    ))
}

/// How often an executor tells the scheduler it is alive (Ballista's default is a minute).
const EXECUTOR_HEARTBEAT_SECONDS: u64 = 2;

/// The scheduler gives an executor up after this many missed heartbeats (Ballista's default
/// waits three minutes), and its tasks go to the others.
const MISSED_HEARTBEATS: u64 = 4;

/// How long a client waits before it runs a failed query again: until the scheduler has given
/// a lost executor up (it checks once per heartbeat), and one heartbeat more.
pub const RETRY_AFTER: std::time::Duration =
    std::time::Duration::from_secs((MISSED_HEARTBEATS + 2) * EXECUTOR_HEARTBEAT_SECONDS);

/// How tasks reach executors: each executor asks for work when it has a free slot. (With Ballista's
/// default, the scheduler pushing tasks, the tasks of an executor lost mid-query were reset but
/// never run again: the query waited for ever.)
const TASKS: ballista_core::config::TaskSchedulingPolicy = ballista_core::config::TaskSchedulingPolicy::PullStaged;

/// The longest a query may run on a cluster before the client gives it up with a clear error:
/// `ONCOMETRICS_CLUSTER_QUERY_SECONDS`, else ten minutes.
pub fn query_deadline() -> std::time::Duration {
    let secs = std::env::var("ONCOMETRICS_CLUSTER_QUERY_SECONDS")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|s| *s >= 1)
        .unwrap_or(600);
    std::time::Duration::from_secs(secs)
}

/// Runs `attempt` (a query, or the opening of a snapshot: a series of queries) on the cluster at
/// `addr` within [`query_deadline`]. An attempt that failed in execution (an executor lost while
/// it ran) is made once more when the scheduler has given the lost executor up, so that its
/// tasks go to the others; an error after that, or no answer by the deadline (Ballista waits
/// for ever for an executor when none is left), names the cluster. Never a partial result.
pub(crate) async fn guarded<T, F, Fut>(addr: &SchedulerAddr, mut attempt: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let deadline = query_deadline();
    let on_time = |r: std::result::Result<Result<T>, tokio::time::error::Elapsed>| {
        r.unwrap_or_else(|_| {
            Err(unreachable_cluster(
                addr,
                &format!("no answer within {} s (ONCOMETRICS_CLUSTER_QUERY_SECONDS)", deadline.as_secs()),
            ))
        })
    };
    let named = |e: Error| match e {
        Error::DataFusion(e) if out_of_memory(&e) => short_of_memory(addr, &e.to_string()),
        Error::DataFusion(e) => unreachable_cluster(addr, &e.to_string()),
        e => e,
    };
    match on_time(tokio::time::timeout(deadline, attempt()).await) {
        // Running out of memory is the query's size, not a lost executor: said at once.
        Err(Error::DataFusion(e))
            if !matches!(e, datafusion::error::DataFusionError::Plan(_)) && !out_of_memory(&e) =>
        {
            tracing::warn!("the cluster at {addr} failed a query ({e}); running it again");
            tokio::time::sleep(RETRY_AFTER).await;
            on_time(tokio::time::timeout(deadline, attempt()).await).map_err(named)
        }
        r => r.map_err(named),
    }
}

/// What a scheduler process listens on.
#[derive(Debug, Clone)]
pub struct SchedulerOptions {
    pub bind: SocketAddr,
}

/// Runs a Ballista scheduler until the process is stopped (Ballista's `start_server`, with this
/// program's functions in every session it plans).
pub async fn run_scheduler(opts: &SchedulerOptions) -> Result<()> {
    use ballista_scheduler::cluster::BallistaCluster;
    use ballista_scheduler::config::SchedulerConfig;
    let mut config = SchedulerConfig::default()
        .with_hostname(opts.bind.ip().to_string())
        .with_port(opts.bind.port())
        .with_scheduler_policy(TASKS)
        .with_override_config_producer(Arc::new(|| config(partitions())))
        .with_override_session_builder(Arc::new(|config| Ok(state(config))));
    config.executor_timeout_seconds = MISSED_HEARTBEATS * EXECUTOR_HEARTBEAT_SECONDS;
    config.expire_dead_executor_interval_seconds = EXECUTOR_HEARTBEAT_SECONDS;
    let cluster = BallistaCluster::new_from_config(&config).await.map_err(ballista_error)?;
    ballista_scheduler::scheduler_process::start_server(cluster, opts.bind, Arc::new(config))
        .await
        .map_err(ballista_error)
}

/// What an executor process listens on, where its scheduler is, and what it may use.
#[derive(Debug, Clone)]
pub struct ExecutorOptions {
    pub bind: SocketAddr,
    /// The port of its data (Arrow Flight) service; the gRPC port is the next one.
    pub scheduler: SchedulerAddr,
    /// Tasks run at once (0: one per core).
    pub concurrent_tasks: usize,
    /// Where shuffle files go (a temporary directory when None).
    pub work_dir: Option<std::path::PathBuf>,
    /// The memory its tasks share before they spill, bytes (unbounded when None).
    pub memory: Option<u64>,
}

/// Runs a Ballista executor until the process is stopped (Ballista's `start_executor_process`,
/// with this program's functions).
pub async fn run_executor(opts: &ExecutorOptions) -> Result<()> {
    use ballista_executor::executor_process::{ExecutorProcessConfig, start_executor_process};
    let registry = BallistaFunctionRegistry::from(&state(config(1)));
    let config = ExecutorProcessConfig {
        bind_host: opts.bind.ip().to_string(),
        external_host: Some(opts.bind.ip().to_string()),
        port: opts.bind.port(),
        grpc_port: opts.bind.port().checked_add(1).ok_or_else(|| Error::Runtime("the port is too high".into()))?,
        scheduler_host: opts.scheduler.host.clone(),
        scheduler_port: opts.scheduler.port,
        scheduler_connect_timeout_seconds: 30,
        concurrent_tasks: opts.concurrent_tasks,
        task_scheduling_policy: TASKS,
        work_dir: opts.work_dir.as_ref().map(|d| d.to_string_lossy().into_owned()),
        memory_pool_size: opts.memory,
        print_thread_info: false,
        executor_heartbeat_interval_seconds: EXECUTOR_HEARTBEAT_SECONDS,
        override_function_registry: Some(Arc::new(registry)),
        override_config_producer: Some(Arc::new(|| config(partitions()))),
        ..Default::default()
    };
    start_executor_process(Arc::new(config)).await.map_err(ballista_error)
}

fn ballista_error(e: ballista_core::error::BallistaError) -> Error {
    Error::Runtime(format!("ballista: {e}"))
}

#[cfg(test)]
mod tests {
    use datafusion::error::DataFusionError;

    use super::*;

    /// Regression: at scale 1,000 an executor's sort ran out of its memory and the client said
    /// to check that the scheduler and an executor were running (after running it again).
    #[tokio::test]
    async fn an_executor_out_of_memory_says_so_at_once() {
        let addr = SchedulerAddr::parse("df://127.0.0.1:1").expect("addr");
        let mut attempts = 0;
        let e = guarded(&addr, || {
            attempts += 1;
            async {
                Err::<(), _>(Error::DataFusion(DataFusionError::Execution(
                    "Job x failed: DataFusionError(ResourcesExhausted(\"Failed to allocate\"))".into(),
                )))
            }
        })
        .await
        .expect_err("out of memory");
        let text = e.to_string();
        assert_eq!(attempts, 1, "not run again");
        assert!(text.contains("--memory-mb") && text.contains("メモリが不足"), "{text}");
        assert!(!text.contains("スケジューラ"), "{text}");
    }
}
