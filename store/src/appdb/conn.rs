//! The connection to the application database, its transactions and the clock it stamps with.

use std::path::{Path, PathBuf};

use duckdb::Connection;

use crate::error::{DbContext, Result};

/// The application database.
#[derive(Debug)]
pub struct AppDb {
    pub(super) conn: Connection,
    path: PathBuf,
}

/// Now, as the database stores it: RFC 3339 in UTC, to the millisecond.
pub(super) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
impl AppDb {
    pub(super) fn new(conn: Connection, path: &Path) -> Self {
        AppDb { conn, path: path.to_path_buf() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
    /// Runs `f` as one transaction: a change and its audit entry are written together or
    /// not at all (an error from `f` rolls everything back).
    pub fn atomically<T>(&self, f: impl FnOnce(&Self) -> Result<T>) -> Result<T> {
        self.conn.execute_batch("BEGIN TRANSACTION").ctx(|| "begin a transaction".into())?;
        match f(self) {
            Ok(v) => {
                self.conn.execute_batch("COMMIT").ctx(|| "commit".into())?;
                Ok(v)
            }
            Err(e) => {
                if let Err(r) = self.conn.execute_batch("ROLLBACK") {
                    tracing::error!("app db rollback: {r}");
                }
                Err(e)
            }
        }
    }
}
