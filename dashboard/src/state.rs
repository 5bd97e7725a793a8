//! The state every handler shares: the metric snapshot, the application database
//! (accounts, audit), sessions, login throttling and the configuration.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

use queries::console::{self, Console};
use queries::{MetricResult, Snapshot};
use store::{AppDb, Warehouse};

use crate::auth::session::{Sessions, Timeouts};
use crate::auth::throttle::{Limits, Throttle};
use crate::error::{Error, Result};

/// Whether the server's data are ready (the first start loads the sample while the server
/// listens: see [`crate::warmup`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warmup {
    Ready,
    /// The sample is being loaded into the empty warehouse.
    Loading,
    /// The load failed; the server's log says why.
    Failed,
}

/// How the server runs.
#[derive(Debug, Clone)]
pub struct Config {
    pub addr: SocketAddr,
    pub warehouse: PathBuf,
    pub lake: PathBuf,
    /// The accounts and audit database (`app.duckdb` beside the warehouse).
    pub app_db: PathBuf,
    /// Set when clients reach the server over HTTPS (directly or through a proxy):
    /// cookies get `Secure` and responses `Strict-Transport-Security`.
    pub https: bool,
    pub timeouts: Timeouts,
    pub login_limits: Limits,
    /// The executable whose `console-worker` subcommand runs SQL console queries in
    /// processes of their own (`oncometrics serve` passes itself). `None` runs them in the
    /// server's process: for tests of the pages only, never for a server people use.
    pub console_worker: Option<PathBuf>,
    pub connections: crate::server::ConnLimits,
}

/// Password checks at once (4 × 19 MiB).
pub const PASSWORD_CHECKS: usize = 4;

/// What a console worker may map beyond its start: the hard memory limit of one query
/// (DataFusion's own pool, 256 MB, stops ordinary queries well before it).
pub const CONSOLE_WORKER_MEMORY: u64 = 1024 * 1024 * 1024;

/// Shared state (cheap to clone).
#[derive(Debug, Clone)]
pub struct AppState(Arc<Inner>);

#[derive(Debug)]
pub struct Inner {
    pub config: Config,
    snapshot: RwLock<Arc<Snapshot>>,
    app_db: Mutex<AppDb>,
    pub sessions: Sessions,
    pub throttle: Throttle,
    /// Slots for argon2id work (checks and new hashes, 19 MiB each): see [`crate::auth::argon2`].
    pub verify_slots: Arc<tokio::sync::Semaphore>,
    /// The SQL console's catalog, built on first use for the current snapshot.
    console: tokio::sync::Mutex<Option<Arc<Console>>>,
    /// Metric results of the current snapshot, by request.
    results: Mutex<ResultCache<Arc<MetricResult>>>,
    /// Whether the data are ready (see [`crate::warmup`]).
    warmup: RwLock<Warmup>,
}

/// Results already computed for the current snapshot: a metric is a pure function of the
/// snapshot and the request, so the same request is answered from memory. Bounded (the
/// oldest entry goes first) and emptied when the snapshot changes.
#[derive(Debug)]
struct ResultCache<V> {
    entries: HashMap<String, V>,
    order: VecDeque<String>,
}

impl<V> Default for ResultCache<V> {
    fn default() -> Self {
        ResultCache { entries: HashMap::new(), order: VecDeque::new() }
    }
}

/// How many results the cache keeps.
const RESULT_CACHE_ENTRIES: usize = 2048;

impl<V: Clone> ResultCache<V> {
    fn get(&self, key: &str) -> Option<V> {
        self.entries.get(key).cloned()
    }

    fn put(&mut self, key: String, value: V) {
        if self.entries.insert(key.clone(), value).is_none() {
            self.order.push_back(key);
        }
        while self.order.len() > RESULT_CACHE_ENTRIES {
            if let Some(old) = self.order.pop_front() {
                self.entries.remove(&old);
            }
        }
    }
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// Builds the state: opens the application database and reads a snapshot of the warehouse.
    pub async fn open(config: Config) -> Result<Self> {
        let app_db = AppDb::open(&config.app_db)?;
        let snapshot = read_snapshot(&config).await?;
        let state = Self::with(config, app_db, snapshot);
        state.prewarm();
        Ok(state)
    }

    /// Derives what the snapshot computes on first use (the renewal checks: 1.5 s at scale
    /// 10; the analysis of the free-text answers) in the background, so that the first
    /// visitor of 専門医更新 or of the survey's free text does not wait for it.
    fn prewarm(&self) {
        let snapshot = self.snapshot();
        let other = snapshot.clone();
        tokio::spawn(async move {
            if let Err(e) = snapshot.renewals().await {
                tracing::warn!("renewal readiness: {e}");
            }
        });
        tokio::spawn(async move {
            if let Err(e) = other.free_text_terms().await {
                tracing::warn!("free-text terms: {e}");
            }
        });
    }

    pub fn with(config: Config, app_db: AppDb, snapshot: Snapshot) -> Self {
        AppState(Arc::new(Inner {
            sessions: Sessions::new(config.timeouts),
            throttle: Throttle::new(config.login_limits),
            verify_slots: Arc::new(tokio::sync::Semaphore::new(PASSWORD_CHECKS)),
            config,
            snapshot: RwLock::new(Arc::new(snapshot)),
            app_db: Mutex::new(app_db),
            console: tokio::sync::Mutex::new(None),
            results: Mutex::new(ResultCache::default()),
            warmup: RwLock::new(Warmup::Ready),
        }))
    }

    pub fn warmup(&self) -> Warmup {
        match self.warmup.read() {
            Ok(w) => w.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub fn set_warmup(&self, w: Warmup) {
        match self.warmup.write() {
            Ok(mut g) => *g = w,
            Err(poisoned) => *poisoned.into_inner() = w,
        }
    }

    /// The current snapshot (requests keep the one they started with).
    pub fn snapshot(&self) -> Arc<Snapshot> {
        match self.snapshot.read() {
            Ok(s) => s.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Re-reads the warehouse (after new loads) and swaps the snapshot in.
    pub async fn reload(&self) -> Result<i64> {
        let snapshot = read_snapshot(&self.config).await?;
        let at = snapshot.at_load;
        match self.snapshot.write() {
            Ok(mut s) => *s = Arc::new(snapshot),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(snapshot),
        }
        *self.console.lock().await = None;
        if let Ok(mut c) = self.results.lock() {
            *c = ResultCache::default();
        }
        self.prewarm();
        Ok(at)
    }

    /// Evaluates a request over `snapshot`, or answers it from the cache when the same
    /// request was evaluated over the same snapshot before.
    pub async fn metric(&self, snapshot: &Arc<Snapshot>, req: &queries::Request) -> Result<Arc<MetricResult>> {
        // The snapshot's address tells snapshots apart (a reload swaps in a new Arc).
        let key = format!("{:p}|{req:?}", Arc::as_ptr(snapshot));
        if let Some(hit) = self.results.lock().ok().and_then(|c| c.get(&key)) {
            return Ok(hit);
        }
        let result = Arc::new(queries::evaluate(snapshot, req).await?);
        if Arc::ptr_eq(snapshot, &self.snapshot())
            && let Ok(mut c) = self.results.lock()
        {
            c.put(key, result.clone());
        }
        Ok(result)
    }

    /// The SQL console over the current snapshot (built once per snapshot).
    pub async fn console(&self) -> Result<Arc<Console>> {
        let mut slot = self.console.lock().await;
        if let Some(c) = slot.as_ref() {
            return Ok(c.clone());
        }
        let mut console = Console::build(&self.snapshot(), console::Limits::default()).await?;
        if let Some(exe) = &self.config.console_worker {
            console = console
                .with_workers(exe.clone(), CONSOLE_WORKER_MEMORY)
                .map_err(|r| Error::Internal(format!("console workers: {r}")))?;
        }
        let console = Arc::new(console);
        *slot = Some(console.clone());
        Ok(console)
    }

    /// Runs `f` on the application database on a blocking thread.
    pub async fn db<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&AppDb) -> store::Result<T> + Send + 'static,
    {
        let state = self.clone();
        tokio::task::spawn_blocking(move || {
            let db = state.app_db.lock().map_err(|_| Error::Internal("app database lock poisoned".into()))?;
            f(&db).map_err(Error::from)
        })
        .await
        .map_err(|e| Error::Internal(format!("blocking task: {e}")))?
    }

    /// Appends to the audit log. Call it before the action takes effect or its result is
    /// sent: an error (logged, and shown as an internal error) must stop the action, so
    /// that nothing audited happens unaudited.
    pub async fn audit(
        &self,
        user: Option<&str>,
        action: &str,
        target: &str,
        detail: &str,
        remote: &str,
    ) -> Result<()> {
        let (u, a, t, d, r) =
            (user.map(str::to_string), action.to_string(), target.to_string(), detail.to_string(), remote.to_string());
        self.db(move |db| db.audit(u.as_deref(), &a, &t, &d, &r)).await.map_err(|e| {
            tracing::error!("audit log: {e}");
            Error::Internal(format!("audit log: {e}"))
        })
    }
}

/// Opens the warehouse just long enough to read it into memory, so that loads from the
/// command line can run while the server is up.
async fn read_snapshot(config: &Config) -> Result<Snapshot> {
    let (wh_path, lake) = (config.warehouse.clone(), config.lake.clone());
    let store = tokio::task::spawn_blocking(move || -> store::Result<_> {
        let wh = Warehouse::open(&wh_path, &lake)?;
        wh.snapshot(None)
    })
    .await
    .map_err(|e| Error::Internal(format!("blocking task: {e}")))??;
    Ok(Snapshot::build(store, queries::metrics::derived()).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_result_cache_keeps_the_newest_entries_up_to_its_bound() {
        let mut c = ResultCache::default();
        for i in 0..RESULT_CACHE_ENTRIES + 10 {
            c.put(format!("k{i}"), i);
        }
        c.put("k20".into(), 20);
        assert_eq!(c.entries.len(), RESULT_CACHE_ENTRIES);
        assert_eq!(c.order.len(), RESULT_CACHE_ENTRIES);
        assert!(c.get("k0").is_none() && c.get("k9").is_none(), "the oldest went first");
        assert!(c.get("k10").is_some() && c.get(&format!("k{}", RESULT_CACHE_ENTRIES + 9)).is_some());
    }
}
