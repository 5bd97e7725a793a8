//! The state's life: [`AppState::open`] at start (the application database, the warehouse's
//! snapshot, uploads kept across a restart checked again, the alerts) and
//! [`AppState::reload`] after new loads. Kept apart from [`crate::state`] so that the state
//! does not import what it starts ([`crate::loading`], [`crate::alerts`]).

use std::sync::Arc;

use queries::Snapshot;
use store::{AppDb, Warehouse};

use crate::error::{Error, Result};
use crate::state::{AppState, Config};

impl AppState {
    /// Builds the state: opens the application database and reads a snapshot of the warehouse.
    pub async fn open(config: Config) -> Result<Self> {
        let app_db = AppDb::open(&config.app_db)?;
        let snapshot = read_snapshot(&config).await?;
        let (uploads, restored) = crate::loading::Uploads::open(config.uploads.clone())?;
        let state = Self::with(config, app_db, snapshot, uploads);
        // Uploads kept across a restart are validated again (a preview lives in memory only).
        for up in restored {
            crate::loading::check::spawn(state.clone(), up);
        }
        state.prewarm();
        crate::alerts::refresh(&state).await;
        Ok(state)
    }

    /// Re-reads the warehouse (after new loads) and swaps the snapshot in; then works out the
    /// alerts of the new one (and mails them when a roster or survey load is new).
    pub async fn reload(&self) -> Result<i64> {
        let snapshot = read_snapshot(&self.config).await?;
        let at = self.install(snapshot).await;
        self.prewarm();
        crate::alerts::refresh(self).await;
        Ok(at)
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
}

impl AppState {
    /// The store as load `at_load` saw it (a booklet edition's figures are read there): the
    /// current snapshot when that is the one, else read once and kept (the last one asked for).
    pub async fn snapshot_at(&self, at_load: i64) -> Result<Arc<Snapshot>> {
        let current = self.snapshot();
        if current.at_load == at_load {
            return Ok(current);
        }
        let mut slot = self.past.lock().await;
        if let Some(s) = slot.as_ref().filter(|s| s.at_load == at_load) {
            return Ok(s.clone());
        }
        if !current.loads.iter().any(|l| l.load_id == at_load) {
            return Err(Error::BadRequest(format!(
                "ロード {at_load} はウェアハウスにありません / load {at_load} is not in the warehouse"
            )));
        }
        let snapshot = Arc::new(read_snapshot_at(&self.config, Some(at_load)).await?);
        *slot = Some(snapshot.clone());
        Ok(snapshot)
    }
}

async fn read_snapshot(config: &Config) -> Result<Snapshot> {
    read_snapshot_at(config, None).await
}

/// Opens the warehouse just long enough to read it into memory (as `at_load` saw it, or
/// now), so that loads from the command line can run while the server is up; in lake mode
/// registers the lake's files instead.
async fn read_snapshot_at(config: &Config, at_load: Option<i64>) -> Result<Snapshot> {
    match &config.engine {
        queries::engine::Mode::Memory => {}
        queries::engine::Mode::Lake => {
            return Ok(Snapshot::from_lake(&config.lake, at_load, queries::metrics::derived()).await?);
        }
        queries::engine::Mode::Cluster(addr) => {
            return Ok(Snapshot::from_cluster(addr, &config.lake, at_load, queries::metrics::derived()).await?);
        }
    }
    let (wh_path, lake) = (config.warehouse.clone(), config.lake.clone());
    let store = tokio::task::spawn_blocking(move || -> store::Result<_> {
        let wh = Warehouse::open(&wh_path, &lake)?;
        wh.snapshot(at_load)
    })
    .await
    .map_err(|e| Error::Internal(format!("blocking task: {e}")))??;
    Ok(Snapshot::build(store, queries::metrics::derived()).await?)
}
