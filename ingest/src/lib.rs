//! Ingest: from the files offices really send to typed, validated batches in the store.
//!
//! # Layout
//!
//! - [`decode`]: encoding detection (UTF-8 ± BOM, UTF-16, CP932) and mixed-encoding errors.
//! - [`table`]: a file as raw rows of text; [`read`]: CSV/TSV (or, by content, XLSX) into it;
//!   [`xlsx`]: guarded XLSX reading.
//! - [`normalize`]: NFKC text, 西暦/和暦/Excel-serial dates, numbers, prefectures, area codes.
//! - [`spec`]: every dataset's columns, defined once; [`headers`]: header mapping.
//! - [`detect`]: which dataset a file is, told from its headers (the upload page's 自動判定).
//! - [`title`]: the header among the first rows (titles above it skipped) and a date a title states.
//! - [`validate`]: the row-checking framework; [`datasets`]: one validator per dataset.
//! - [`reject`]: rejected rows, reject files and summaries.
//! - [`survey_export`]: survey tools' exports (Google Forms, Microsoft Forms) reshaped into responses.
//! - [`status_report`]: the ministry's 現況報告 volume table (two years a cell), as hospital volumes.
//! - [`pseudonym`]: keyed-hash pseudonymisation of member ids.
//! - [`hospital_names`]: hospital names as lists write them, matched to the master by prefecture.
//! - [`designation_list`]: the ministry's 一覧表 (sections per 類型), matched and diffed into periods.
//! - [`history`]: roster snapshots diffed into membership history (polars).
//! - [`pipeline`]: the `ingest` command: read, validate, commit all or nothing.
//! - [`sample`]: the deterministic sample-data generator.
//! - [`formats`]: `docs/formats.md`, generated from [`spec`].
//! - [`error`]: the crate's error type.

pub mod datasets;
pub mod decode;
pub mod designation_list;
pub mod detect;
pub mod error;
pub mod formats;
pub mod fuzz_targets;
pub mod headers;
pub mod history;
pub mod hospital_names;
pub mod normalize;
pub mod pipeline;
pub mod pseudonym;
pub mod read;
pub mod reject;
pub mod sample;
pub mod spec;
pub mod status_report;
pub mod survey_export;
pub mod table;
pub mod title;
pub mod validate;
pub mod xlsx;

pub use error::{Error, Result};
pub use pipeline::{IngestOptions, IngestReport, NoProgress, Outcome, Plan, Progress, Validation, ingest, ingest_with};
