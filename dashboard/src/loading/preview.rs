//! What a validated upload would load: the [`Preview`] a check leaves in memory (rejected
//! values are raw input: a preview is never written to disk).

use ingest::pipeline::{FileReport, RosterChanges};

/// What a validated upload would load.
#[derive(Debug, Clone)]
pub struct Preview {
    /// The dataset `ingest` loads it as, and its Japanese name.
    pub dataset: String,
    pub dataset_ja: String,
    /// How the dataset was told from each file's headers (empty when the user chose it).
    pub detected: Vec<(String, String)>,
    /// The files to load, validated, in load order.
    pub files: Vec<FileReport>,
    /// Files set aside: loaded before (same SHA-256), or sent twice.
    pub skipped: Vec<FileReport>,
    /// What each roster would change.
    pub changes: Vec<RosterChanges>,
    /// Why the load would be refused as a whole (a roster older than one loaded), if it would.
    pub refused: Option<String>,
}

impl Preview {
    pub fn rejects(&self) -> usize {
        self.files.iter().map(|f| f.rejects.len()).sum()
    }
    pub fn rows_ok(&self) -> usize {
        self.files.iter().map(|f| f.rows_ok).sum()
    }
}
