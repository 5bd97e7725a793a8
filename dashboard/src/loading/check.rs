//! Validation of an upload, in the background: the dataset chosen or told from the headers,
//! then the same steps as `oncometrics ingest --check` (plan, validate, the date-order check)
//! over the warehouse as it is, writing nothing. What it finds is the [`Preview`], kept in
//! memory only (rejected values are raw input: they never reach the disk here).

use std::sync::Arc;
use std::time::Instant;

use ingest::pipeline::{Plan, Progress};
use ingest::{IngestOptions, detect};
use store::Warehouse;

use super::area::{Status, Upload};
use super::preview::Preview;
use crate::state::{AppState, Config};

/// Progress shown on the upload's page.
#[derive(Debug)]
pub struct OnPage<'a>(&'a Upload, Instant);

impl<'a> OnPage<'a> {
    pub fn new(up: &'a Upload) -> Self {
        OnPage(up, Instant::now())
    }
}

impl Progress for OnPage<'_> {
    fn step(&self, message: &str) {
        let ja = message.split(" / ").next().unwrap_or(message).to_string();
        match self.0.status() {
            Status::Committing(_) => self.0.set(Status::Committing(ja)),
            _ => self.0.set(Status::Checking(ja, self.1)),
        }
    }
}

/// Validates `up` in the background, after any check or load under way.
pub fn spawn(state: AppState, up: Arc<Upload>) {
    tokio::spawn(async move {
        let slot = state.uploads.slot.clone().lock_owned().await;
        if !matches!(up.status(), Status::Waiting) {
            return; // abandoned meanwhile
        }
        up.set(Status::Checking("開始".into(), Instant::now()));
        let (config, u) = (state.config.clone(), up.clone());
        let outcome = tokio::task::spawn_blocking(move || run(&config, &u))
            .await
            .unwrap_or_else(|e| Err(format!("検証が異常終了しました / the check stopped: {e}")));
        drop(slot);
        let detail = match &outcome {
            Ok(p) => format!("dataset={} rows_ok={} rejects={}", p.dataset, p.rows_ok(), p.rejects()),
            Err(m) => format!("failed: {m}"),
        };
        if !matches!(up.status(), Status::Checking(..)) {
            return; // abandoned meanwhile
        }
        if let Err(e) = state.audit(Some(&up.manifest.owner), "upload_checked", up.id(), &detail, "-").await {
            up.set(Status::Failed(format!("監査ログに書けませんでした / audit log: {e}")));
            return;
        }
        up.set(match outcome {
            Ok(p) => Status::Ready(Arc::new(p)),
            Err(m) => Status::Failed(m),
        });
    });
}

/// The options of an upload's ingest: its files read from its directory.
pub fn options(config: &Config, up: &Upload, dataset: &str) -> IngestOptions {
    let c = &up.manifest.choice;
    IngestOptions {
        as_of: c.as_of,
        fiscal_year: c.fiscal_year,
        base_dir: Some(up.dir.clone()),
        ..IngestOptions::new(dataset, up.files(), config.key_file.clone(), up.dir.join("rejects"))
    }
}

/// A user-facing message for an ingest error: the Japanese half of a file's problem, naming
/// the file by its name only; an internal error is logged and not shown.
pub fn message(e: &ingest::Error) -> String {
    let name = |p: &std::path::Path| p.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    match e {
        ingest::Error::File { path, message_ja, .. } => format!("{}: {message_ja}", name(path)),
        ingest::Error::Read { path, .. } => format!("{}: ファイルを読めません", name(path)),
        ingest::Error::Usage(m) => m.clone(),
        ingest::Error::Store(store::Error::Locked { .. }) => busy(),
        e => {
            tracing::error!("upload: {e}");
            crate::error::Error::Internal(String::new()).public_message()
        }
    }
}

/// What a user is told when the warehouse is held by another process (a load from the command line).
pub fn busy() -> String {
    "別の取り込み（コマンドライン）が実行中です。終わってからもう一度お試しください / another load is running".into()
}

/// The dataset of the upload: chosen, or told from every file's headers (they must agree).
fn dataset(up: &Upload) -> Result<(String, Vec<(String, String)>), String> {
    if let Some(d) = &up.manifest.choice.dataset {
        return Ok((d.clone(), Vec::new()));
    }
    let mut found: Vec<(String, detect::Detected)> = Vec::new();
    for f in &up.manifest.files {
        let bytes = std::fs::read(up.dir.join(&f.name)).map_err(|e| format!("{}: {e}", f.name))?;
        let d = detect::dataset(std::path::Path::new(&f.name), &bytes, None).map_err(|e| message(&e))?;
        found.push((f.name.clone(), d));
    }
    let first = found.first().map(|f| f.1.dataset).unwrap_or_default();
    if found.iter().any(|f| f.1.dataset != first) {
        let each: Vec<String> = found.iter().map(|(n, d)| format!("{n} は{}", d.ja)).collect();
        return Err(format!(
            "種類の違うファイルが一緒に送られました（{}）。種類ごとに分けて送ってください",
            each.join("、")
        ));
    }
    Ok((first.to_string(), found.into_iter().map(|(n, d)| (n, format!("{}: {}", d.ja, d.why))).collect()))
}

fn run(config: &Config, up: &Upload) -> Result<Preview, String> {
    let progress = OnPage::new(up);
    progress.step("データの種類 / detecting");
    let (dataset, detected) = dataset(up)?;
    let opts = options(config, up, &dataset);
    let wh = Warehouse::open(&config.warehouse, &config.lake).map_err(|e| message(&ingest::Error::Store(e)))?;
    let plan = Plan::new(&wh, &opts, &progress).map_err(|e| message(&e))?;
    let skipped = plan.skipped().to_vec();
    let validation = plan.validate(&progress).map_err(|e| message(&e))?;
    let refused = validation.check_order(&wh).err().map(|e| message(&e));
    let changes = validation.roster_changes(&wh).map_err(|e| message(&e))?;
    let dataset_ja = ingest::spec::dataset(&dataset).map_or("アンケート", |d| d.ja).to_string();
    Ok(Preview {
        dataset,
        dataset_ja,
        detected,
        files: validation.files().cloned().collect(),
        skipped,
        changes,
        refused,
    })
}
