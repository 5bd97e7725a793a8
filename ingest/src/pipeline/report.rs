//! What happened: per file ([`FileReport`]) and in all ([`IngestReport`], [`Outcome`]).

use std::path::PathBuf;

use chrono::NaiveDate;
use store::LoadInfo;

use crate::decode::Encoding;
use crate::reject::Reject;

/// What happened to one file.
#[derive(Debug, Clone)]
pub struct FileReport {
    pub path: PathBuf,
    pub dataset: &'static str,
    pub sha256: String,
    pub bytes: u64,
    pub encoding: Option<Encoding>,
    pub rows_total: usize,
    pub rows_ok: usize,
    pub rejects: Vec<Reject>,
    pub reject_file: Option<PathBuf>,
    pub extra_columns: Vec<String>,
    /// How the file's columns were read: (file header, field in Japanese, field key), in file order.
    pub mapped: Vec<(String, &'static str, &'static str)>,
    pub notes: Vec<String>,
    pub duplicate_of: Option<LoadInfo>,
    pub load_id: Option<i64>,
    pub as_of: Option<NaiveDate>,
    pub is_sample: bool,
    /// The survey tool the file was exported from, when it is a tool's export.
    pub source: Option<&'static str>,
}

/// How the command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Loads were committed.
    Committed,
    /// `--check`: validated, nothing committed.
    Checked,
    /// Rows were rejected and `--accept-partial` was not given: nothing committed.
    Rejected,
    /// Every file was already loaded.
    NothingNew,
}

/// What an ingest command did, file by file.
#[derive(Debug, Clone)]
pub struct IngestReport {
    pub outcome: Outcome,
    pub files: Vec<FileReport>,
}
