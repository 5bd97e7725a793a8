//! The state every handler shares: the metric snapshot, the application database
//! (accounts, audit), sessions, login throttling and the configuration.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

use queries::Snapshot;
use queries::console::{self, Console};
use store::{AppDb, Warehouse};

use crate::auth::session::{Sessions, Timeouts};
use crate::auth::throttle::{Limits, Throttle};
use crate::error::{Error, Result};

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
}

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
    /// The SQL console's catalog, built on first use for the current snapshot.
    console: tokio::sync::Mutex<Option<Arc<Console>>>,
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
        Ok(Self::with(config, app_db, snapshot))
    }

    pub fn with(config: Config, app_db: AppDb, snapshot: Snapshot) -> Self {
        AppState(Arc::new(Inner {
            sessions: Sessions::new(config.timeouts),
            throttle: Throttle::new(config.login_limits),
            config,
            snapshot: RwLock::new(Arc::new(snapshot)),
            app_db: Mutex::new(app_db),
            console: tokio::sync::Mutex::new(None),
        }))
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
        Ok(at)
    }

    /// The SQL console over the current snapshot (built once per snapshot).
    pub async fn console(&self) -> Result<Arc<Console>> {
        let mut slot = self.console.lock().await;
        if let Some(c) = slot.as_ref() {
            return Ok(c.clone());
        }
        let console = Arc::new(Console::build(&self.snapshot(), console::Limits::default()).await?);
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

    /// Appends to the audit log; a failure is logged, never shown (the action already happened).
    pub async fn audit(&self, user: Option<&str>, action: &str, target: &str, detail: &str, remote: &str) {
        let (u, a, t, d, r) =
            (user.map(str::to_string), action.to_string(), target.to_string(), detail.to_string(), remote.to_string());
        if let Err(e) = self.db(move |db| db.audit(u.as_deref(), &a, &t, &d, &r)).await {
            tracing::error!("audit log: {e}");
        }
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
    Ok(Snapshot::build(store).await?)
}
