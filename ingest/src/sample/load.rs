//! Loading a sample directory (as written by `oncometrics sample`) into a warehouse,
//! one ingest per dataset and roster snapshot, in the order of its manifest.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use store::Warehouse;

use crate::error::{Error, Result};
use crate::pipeline::{self, IngestOptions, IngestReport, Outcome, Progress};

/// One ingest of the plan: a dataset, its snapshot date and files.
#[derive(Debug, Clone)]
pub struct Step {
    pub dataset: String,
    pub as_of: Option<NaiveDate>,
    pub files: Vec<PathBuf>,
}

/// The ingests that load `dir`, from its MANIFEST.json.
pub fn plan(dir: &Path) -> Result<Vec<Step>> {
    let manifest_path = dir.join("MANIFEST.json");
    let text = std::fs::read_to_string(&manifest_path).map_err(|e| {
        Error::file(
            &manifest_path,
            format!("読めません。`oncometrics sample --out {}` で生成できます ({e})", dir.display()),
            format!("cannot read it; generate it with `oncometrics sample --out {}` ({e})", dir.display()),
        )
    })?;
    let manifest: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Error::file(&manifest_path, format!("JSON が不正です: {e}"), format!("invalid JSON: {e}")))?;
    let mut steps: Vec<Step> = Vec::new();
    for f in manifest["files"].as_array().map(Vec::as_slice).unwrap_or_default() {
        let dataset = f["dataset"].as_str().unwrap_or_default().to_string();
        let as_of = match f["as_of"].as_str() {
            Some(s) => Some(crate::normalize::date(s).map_err(|p| Error::file(&manifest_path, p.ja, p.en))?),
            None => None,
        };
        let path = dir.join(f["path"].as_str().unwrap_or_default());
        match steps.last_mut() {
            Some(s) if s.dataset == dataset && as_of.is_none() && s.as_of.is_none() => s.files.push(path),
            _ => steps.push(Step { dataset, as_of, files: vec![path] }),
        }
    }
    Ok(steps)
}

/// Loads every step of `dir`; stops at the first step that does not commit cleanly.
pub fn load_dir(
    wh: &mut Warehouse,
    dir: &Path,
    key_file: &Path,
    rejects_dir: &Path,
    progress: &dyn Progress,
    mut each: impl FnMut(&IngestReport),
) -> Result<Vec<IngestReport>> {
    let mut reports = Vec::new();
    for step in plan(dir)? {
        let opts = IngestOptions {
            as_of: step.as_of,
            ..IngestOptions::new(step.dataset, step.files, key_file.to_path_buf(), rejects_dir.to_path_buf())
        };
        let report = pipeline::ingest_with(wh, &opts, progress)?;
        each(&report);
        let rejected = report.outcome == Outcome::Rejected;
        reports.push(report);
        if rejected {
            break;
        }
    }
    Ok(reports)
}

/// A new warehouse in `dir` (`wh.duckdb`, `lake/`, `keys/`, `rejects/`) with every file of the
/// sample directory `sample` loaded: what tests start from.
pub fn into_new_warehouse(dir: &Path, sample: &Path) -> Result<Warehouse> {
    let mut wh = Warehouse::open(&dir.join("wh.duckdb"), &dir.join("lake"))?;
    load_dir(&mut wh, sample, &dir.join("keys/k.key"), &dir.join("rejects"), &crate::NoProgress, |_| {})?;
    Ok(wh)
}
