//! The state every handler shares: the metric snapshot, the application database
//! (accounts, audit), sessions, login throttling and the configuration.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

use queries::console::{self, Console};
use queries::{MetricResult, Snapshot};
use store::AppDb;

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
    /// The pseudonymisation key the upload page's loads use (the command line's `--key-file`).
    pub key_file: PathBuf,
    /// The upload area and its limits (取り込み).
    pub uploads: crate::loading::UploadConfig,
    /// When the committee is alerted after a load ([`crate::alerts`]).
    pub alert_thresholds: queries::alerts::Thresholds,
    /// How alerts are mailed; `None`: e-mail is off (the admin page says so).
    pub mail: Option<MailConfig>,
    /// Where metrics run: the warehouse read into memory, the Parquet lake (memory bounded, the
    /// data read as queries need them), or the lake on a Ballista cluster.
    pub engine: queries::engine::Mode,
}

/// How the server sends e-mail (the committee's alerts, [`crate::alerts`]).
#[derive(Clone)]
pub struct MailConfig {
    /// `smtp://host:port` (STARTTLS when offered), `smtp://host?tls=required`, `smtps://host`
    /// — credentials inside (`smtps://user:password@host`). Never shown or logged.
    pub url: String,
    /// The sender, `oncometrics <noreply@example.org>`.
    pub from: String,
}

impl std::fmt::Debug for MailConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailConfig").field("url", &"…").field("from", &self.from).finish()
    }
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
    /// Uploads waiting for a decision, and the one slot for checking or loading (取り込み).
    pub uploads: crate::loading::Uploads,
    /// The alerts of the current snapshot ([`crate::alerts`]).
    alerts: RwLock<Arc<Vec<queries::alerts::Alert>>>,
    /// One snapshot of an earlier store state, as a booklet edition cites it
    /// ([`AppState::snapshot_at`]).
    pub(crate) past: tokio::sync::Mutex<Option<Arc<Snapshot>>>,
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
    pub fn with(config: Config, app_db: AppDb, snapshot: Snapshot, uploads: crate::loading::Uploads) -> Self {
        AppState(Arc::new(Inner {
            uploads,
            alerts: RwLock::new(Arc::new(Vec::new())),
            sessions: Sessions::new(config.timeouts),
            throttle: Throttle::new(config.login_limits),
            verify_slots: Arc::new(tokio::sync::Semaphore::new(PASSWORD_CHECKS)),
            config,
            snapshot: RwLock::new(Arc::new(snapshot)),
            app_db: Mutex::new(app_db),
            console: tokio::sync::Mutex::new(None),
            results: Mutex::new(ResultCache::default()),
            warmup: RwLock::new(Warmup::Ready),
            past: tokio::sync::Mutex::new(None),
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

    /// Puts a new snapshot in place (requests under way keep theirs) and forgets what was
    /// worked out for the old one; its last load.
    pub(crate) async fn install(&self, snapshot: Snapshot) -> i64 {
        let at = snapshot.at_load;
        match self.snapshot.write() {
            Ok(mut s) => *s = Arc::new(snapshot),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(snapshot),
        }
        *self.console.lock().await = None;
        if let Ok(mut c) = self.results.lock() {
            *c = ResultCache::default();
        }
        at
    }

    /// The alerts of the current snapshot.
    pub fn alerts(&self) -> Arc<Vec<queries::alerts::Alert>> {
        match self.alerts.read() {
            Ok(a) => a.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub fn set_alerts(&self, alerts: Arc<Vec<queries::alerts::Alert>>) {
        match self.alerts.write() {
            Ok(mut a) => *a = alerts,
            Err(poisoned) => *poisoned.into_inner() = alerts,
        }
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
