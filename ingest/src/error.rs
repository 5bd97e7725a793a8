//! Errors of ingest. File-level problems (unreadable, wrong encoding, not a
//! spreadsheet) are errors; row-level problems are [`crate::reject::Reject`]s.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: ファイルを読めません / cannot read the file: {source}")]
    Read { path: PathBuf, source: std::io::Error },

    #[error("{path}: {message_ja} / {message_en}")]
    File { path: PathBuf, message_ja: String, message_en: String },

    #[error(
        "{path}: {count} 行が不正なため取り込みを中止しました (ストアは変更されていません) / {count} rows rejected; nothing was committed. Rejects: {rejects}"
    )]
    Rejected { path: PathBuf, count: usize, rejects: String },

    #[error("{path}: {0}", path = .1.display())]
    Write(std::io::Error, PathBuf),

    #[error(transparent)]
    Store(#[from] store::Error),

    #[error("polars: {0}")]
    Polars(#[from] polars::error::PolarsError),

    #[error("arrow: {0}")]
    Arrow(#[from] arrow::error::ArrowError),

    #[error("{0}")]
    Usage(String),
}

impl Error {
    /// A file-level error with a Japanese and an English message.
    pub fn file(path: impl Into<PathBuf>, ja: impl Into<String>, en: impl Into<String>) -> Self {
        Error::File { path: path.into(), message_ja: ja.into(), message_en: en.into() }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
