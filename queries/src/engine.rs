//! A synchronous facade over the async engine: owns a Tokio runtime and a snapshot.

use std::sync::Arc;

use store::Warehouse;

use crate::catalog::{Request, evaluate, evaluate_with_policy};
use crate::disclosure::Policy;
use crate::error::{Error, Result};
use crate::result::MetricResult;
use crate::snapshot::Snapshot;

/// The metric engine for callers without an async runtime (the CLI, reports).
#[derive(Debug)]
pub struct Engine {
    runtime: tokio::runtime::Runtime,
    snapshot: Arc<Snapshot>,
}

/// The runtime of an engine that opens its own snapshot.
fn multi_thread() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| Error::Runtime(e.to_string()))
}

impl Engine {
    /// Reads a snapshot of `warehouse` as load `at_load` saw it (the latest when None).
    pub fn open(warehouse: &Warehouse, at_load: Option<i64>) -> Result<Self> {
        let runtime = multi_thread()?;
        let store = warehouse.snapshot(at_load)?;
        let snapshot = Arc::new(runtime.block_on(Snapshot::build(store, crate::metrics::derived()))?);
        Ok(Engine { runtime, snapshot })
    }

    /// Reads the store as load `at_load` saw it (the latest when None) from the Parquet lake
    /// at `lake` instead of the warehouse: the lake mode (see [`crate::lake`]).
    pub fn open_lake(lake: &std::path::Path, at_load: Option<i64>) -> Result<Self> {
        let runtime = multi_thread()?;
        let snapshot = Arc::new(runtime.block_on(Snapshot::from_lake(lake, at_load, crate::metrics::derived()))?);
        Ok(Engine { runtime, snapshot })
    }

    /// Reads the store from the Parquet lake at `lake` with its queries run by the Ballista cluster
    /// whose scheduler is at `addr` (see [`crate::cluster`]).
    pub fn open_cluster(
        addr: &crate::cluster::SchedulerAddr,
        lake: &std::path::Path,
        at_load: Option<i64>,
    ) -> Result<Self> {
        let runtime = multi_thread()?;
        let snapshot =
            Arc::new(runtime.block_on(Snapshot::from_cluster(addr, lake, at_load, crate::metrics::derived()))?);
        Ok(Engine { runtime, snapshot })
    }

    /// Reads the store from the Parquet lake at `lake` with its queries run by a Ballista scheduler
    /// and executor started in this process ([`crate::cluster::standalone`]): the cluster mode on
    /// one machine, for tests and for trying it.
    pub fn open_standalone(lake: &std::path::Path, at_load: Option<i64>) -> Result<Self> {
        let runtime = multi_thread()?;
        let snapshot = Arc::new(runtime.block_on(async {
            let partitions = crate::cluster::partitions();
            let ctx = crate::cluster::standalone(partitions).await?;
            Snapshot::from_lake_in(ctx, partitions, lake, at_load, crate::metrics::derived()).await
        })?);
        Ok(Engine { runtime, snapshot })
    }

    /// An engine over a snapshot already read (the dashboard's), with a small runtime of its
    /// own: for synchronous callers such as the report packs, run off the async workers.
    pub fn over(snapshot: Arc<Snapshot>) -> Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Runtime(e.to_string()))?;
        Ok(Engine { runtime, snapshot })
    }

    pub fn snapshot(&self) -> &Arc<Snapshot> {
        &self.snapshot
    }

    pub fn evaluate(&self, req: &Request) -> Result<MetricResult> {
        self.runtime.block_on(evaluate(&self.snapshot, req))
    }

    /// Evaluates with an explicit disclosure policy.
    pub fn evaluate_with_policy(&self, req: &Request, policy: Policy) -> Result<MetricResult> {
        self.runtime.block_on(evaluate_with_policy(&self.snapshot, req, policy))
    }

    /// Runs any future on the engine's runtime (tests, benchmarks).
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.runtime.block_on(f)
    }
}

/// Where metrics run: the setting of `--engine` and of the dashboard.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Mode {
    /// The warehouse read into memory (right for a society's size).
    #[default]
    Memory,
    /// Over the Parquet lake, reading what each query needs, memory bounded.
    Lake,
    /// Over the Parquet lake on a Ballista cluster (`df://HOST:PORT`).
    Cluster(crate::cluster::SchedulerAddr),
}

impl std::str::FromStr for Mode {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim() {
            "memory" => Ok(Mode::Memory),
            "lake" => Ok(Mode::Lake),
            s if s.starts_with(crate::cluster::SCHEME) => Ok(Mode::Cluster(crate::cluster::SchedulerAddr::parse(s)?)),
            s => Err(Error::Runtime(format!(
                "{s:?}: the engine is memory, lake or df://HOST:PORT / エンジンは memory、lake、df://ホスト:ポート のいずれかです"
            ))),
        }
    }
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mode::Memory => f.write_str("memory"),
            Mode::Lake => f.write_str("lake"),
            Mode::Cluster(a) => write!(f, "{a}"),
        }
    }
}
