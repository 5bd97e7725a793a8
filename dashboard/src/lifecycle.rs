//! The state's life: [`AppState::open`] at start (the application database, the warehouse's
//! snapshot, uploads kept across a restart checked again, the alerts) and
//! [`AppState::reload`] after new loads. Kept apart from [`crate::state`] so that the state
//! does not import what it starts ([`crate::loading`], [`crate::alerts`]).

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
