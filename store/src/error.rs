//! Errors of the store.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("warehouse {path}: {source}")]
    Open { path: PathBuf, source: duckdb::Error },

    #[error("warehouse {path} is in use by another oncometrics process (DuckDB allows one writer): {source}")]
    Locked { path: PathBuf, source: duckdb::Error },

    #[error("{context}: {source}")]
    Db { context: String, source: duckdb::Error },

    #[error("lake {path}: {source}")]
    Lake { path: PathBuf, source: std::io::Error },

    #[error(
        "レイク {lake} は別のウェアハウスのものです ({owner})。ウェアハウス {warehouse} には --lake で別の場所を指定してください \
         / the lake {lake} belongs to another warehouse ({owner}); give warehouse {warehouse} its own --lake (nothing was changed)"
    )]
    ForeignLake { lake: PathBuf, warehouse: PathBuf, owner: String },

    #[error("lake {path}: {source}")]
    Parquet { path: PathBuf, source: parquet::errors::ParquetError },

    #[error("arrow: {0}")]
    Arrow(#[from] arrow::error::ArrowError),

    #[error("table {table}: batch does not match its schema: {detail}")]
    Schema { table: String, detail: String },

    #[error("unknown table {0}")]
    UnknownTable(String),

    #[error("{0}")]
    Invalid(String),

    /// A write made on a version that is no longer the latest (another session wrote since).
    #[error("{what}")]
    Conflict { what: String, current: i64 },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Adds context to a DuckDB error.
pub(crate) trait DbContext<T> {
    fn ctx(self, context: impl FnOnce() -> String) -> Result<T>;
}

impl<T> DbContext<T> for std::result::Result<T, duckdb::Error> {
    fn ctx(self, context: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|source| Error::Db { context: context(), source })
    }
}
