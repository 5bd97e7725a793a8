//! What to ingest and how ([`IngestOptions`]), and the datasets a command may name.

use std::path::PathBuf;

use chrono::NaiveDate;

use crate::spec;

/// What to ingest and how.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// A dataset name from [`spec::DATASETS`], or `survey` (waves, questions and
    /// responses told apart by their headers).
    pub dataset: String,
    pub files: Vec<PathBuf>,
    pub as_of: Option<NaiveDate>,
    pub accept_partial: bool,
    pub check_only: bool,
    pub header_map: Option<PathBuf>,
    pub sheet: Option<String>,
    pub rejects_dir: PathBuf,
    pub key_file: PathBuf,
    /// The 年度 of a survey tool's export (its answers carry none).
    pub fiscal_year: Option<i32>,
    /// The survey tool whose export the responses file is (`--source`); default: detected.
    pub source: Option<String>,
    /// A name-map file for a designation list (`--name-map`): list name → master hospital.
    pub name_map: Option<PathBuf>,
    /// The directory `files` are relative to (the dashboard's upload area), so that messages and
    /// the load history name a file as its user knows it, not by where the server keeps it.
    pub base_dir: Option<PathBuf>,
}

impl IngestOptions {
    /// A plain load: all or nothing, no header map, the first visible sheet.
    pub fn new(dataset: impl Into<String>, files: Vec<PathBuf>, key_file: PathBuf, rejects_dir: PathBuf) -> Self {
        IngestOptions {
            dataset: dataset.into(),
            files,
            as_of: None,
            accept_partial: false,
            check_only: false,
            header_map: None,
            sheet: None,
            rejects_dir,
            key_file,
            fiscal_year: None,
            source: None,
            name_map: None,
            base_dir: None,
        }
    }

    /// Where `file` (one of [`Self::files`]) is read from.
    pub fn full_path(&self, file: &std::path::Path) -> PathBuf {
        self.base_dir.as_ref().map_or_else(|| file.to_path_buf(), |b| b.join(file))
    }
}

/// The dataset names `ingest` accepts: every dataset, and `survey` (told apart by headers).
pub fn dataset_names() -> Vec<&'static str> {
    let mut v: Vec<_> = spec::DATASETS.iter().map(|d| d.name).collect();
    v.push("survey");
    v
}
