//! The application database: dashboard accounts, the audit log, settings and the
//! committee's booklets, in their own DuckDB file beside the warehouse (`app.duckdb`).
//!
//! Kept apart from the warehouse so that the server can hold it open while loads run
//! against the warehouse from the command line, and so that no metric, snapshot, lake
//! export or SQL console query can ever read a password hash, the audit log or a draft answer.
//!
//! # Layout
//!
//! - [`conn`]: the connection, transactions and the clock.
//! - [`migrate`]: the numbered schema migrations, applied once each on open.
//! - [`accounts`]: accounts, trusted devices and settings.
//! - [`audit`]: the hash-chained audit log.
//! - [`booklet`]: the booklets' versioned editions and answers (「私の声は届いていますか？」).

pub mod accounts;
pub mod audit;
pub mod booklet;
pub mod conn;
pub mod migrate;

use std::path::Path;

use duckdb::Connection;

pub use accounts::Account;
pub use audit::{AUDIT_DETAIL, AuditEntry, AuditVerification, bounded};
pub use booklet::{AnswerRow, AnswerSave, BookletComment, BuildRow, EditionRow};
pub use conn::AppDb;

use crate::error::{Error, Result};

impl AppDb {
    /// Opens (creating if needed) the application database at `path`.
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| Error::Lake { path: dir.to_path_buf(), source })?;
        }
        let conn = Connection::open(path).map_err(|source| {
            if source.to_string().contains("lock") {
                Error::Locked { path: path.to_path_buf(), source }
            } else {
                Error::Open { path: path.to_path_buf(), source }
            }
        })?;
        migrate::run(&conn).map_err(|e| match e {
            Error::Db { context, source } => Error::Db { context: format!("{}: {context}", path.display()), source },
            e => e,
        })?;
        let db = AppDb::new(conn, path);
        db.chain_unhashed()?;
        Ok(db)
    }
}
