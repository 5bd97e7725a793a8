//! The application database: dashboard accounts and the audit log, in their own DuckDB
//! file beside the warehouse (`app.duckdb`).
//!
//! Kept apart from the warehouse so that the server can hold it open while loads run
//! against the warehouse from the command line, and so that no metric, snapshot, lake
//! export or SQL console query can ever read a password hash or the audit log.

use std::path::{Path, PathBuf};

use duckdb::{Connection, OptionalExt, params};
use serde::Serialize;

use crate::error::{DbContext, Error, Result};

const DDL: &str = "
CREATE TABLE IF NOT EXISTS accounts (
  username VARCHAR PRIMARY KEY,
  role VARCHAR NOT NULL,
  password_hash VARCHAR NOT NULL,
  created_at VARCHAR NOT NULL,
  disabled BOOLEAN NOT NULL DEFAULT false
);
CREATE SEQUENCE IF NOT EXISTS audit_seq;
CREATE TABLE IF NOT EXISTS audit_log (
  id BIGINT PRIMARY KEY DEFAULT nextval('audit_seq'),
  logged_at VARCHAR NOT NULL,
  username VARCHAR,
  action VARCHAR NOT NULL,
  target VARCHAR NOT NULL,
  detail VARCHAR NOT NULL,
  remote VARCHAR NOT NULL
);
";

/// A dashboard account.
#[derive(Debug, Clone, Serialize)]
pub struct Account {
    pub username: String,
    /// admin, committee, board or researcher (checked by the dashboard).
    pub role: String,
    /// An argon2id PHC string; never serialised.
    #[serde(skip)]
    pub password_hash: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub disabled: bool,
}

/// One audit-log entry.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    /// RFC 3339, UTC.
    pub at: String,
    pub username: Option<String>,
    /// login, login_failed, logout, view, export, account …
    pub action: String,
    /// The route or object concerned.
    pub target: String,
    pub detail: String,
    pub remote: String,
}

/// The application database.
#[derive(Debug)]
pub struct AppDb {
    conn: Connection,
    path: PathBuf,
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

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
        conn.execute_batch(DDL).ctx(|| format!("create schema in {}", path.display()))?;
        Ok(AppDb { conn, path: path.to_path_buf() })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn account_count(&self) -> Result<i64> {
        self.conn.query_row("SELECT count(*) FROM accounts", [], |r| r.get(0)).ctx(|| "count accounts".into())
    }

    /// The account named `username` (exact match).
    pub fn account(&self, username: &str) -> Result<Option<Account>> {
        self.conn
            .query_row(
                "SELECT username, role, password_hash, created_at, disabled FROM accounts WHERE username = ?",
                params![username],
                row_account,
            )
            .optional()
            .ctx(|| format!("read account {username}"))
    }

    pub fn accounts(&self) -> Result<Vec<Account>> {
        let mut stmt = self
            .conn
            .prepare("SELECT username, role, password_hash, created_at, disabled FROM accounts ORDER BY username")
            .ctx(|| "list accounts".into())?;
        let rows = stmt.query_map([], row_account).ctx(|| "list accounts".into())?;
        rows.collect::<std::result::Result<Vec<_>, _>>().ctx(|| "list accounts".into())
    }

    /// Creates an account; an existing name is an error.
    pub fn create_account(&self, username: &str, role: &str, password_hash: &str) -> Result<()> {
        if self.account(username)?.is_some() {
            return Err(Error::Invalid(format!(
                "アカウント {username} は既にあります / account {username} already exists"
            )));
        }
        self.conn
            .execute(
                "INSERT INTO accounts (username, role, password_hash, created_at) VALUES (?, ?, ?, ?)",
                params![username, role, password_hash, now()],
            )
            .ctx(|| format!("create account {username}"))?;
        Ok(())
    }

    pub fn set_password(&self, username: &str, password_hash: &str) -> Result<bool> {
        let n = self
            .conn
            .execute("UPDATE accounts SET password_hash = ? WHERE username = ?", params![password_hash, username])
            .ctx(|| format!("set password of {username}"))?;
        Ok(n == 1)
    }

    pub fn set_disabled(&self, username: &str, disabled: bool) -> Result<bool> {
        let n = self
            .conn
            .execute("UPDATE accounts SET disabled = ? WHERE username = ?", params![disabled, username])
            .ctx(|| format!("disable {username}"))?;
        Ok(n == 1)
    }

    /// Appends an audit entry, stamped now.
    pub fn audit(&self, username: Option<&str>, action: &str, target: &str, detail: &str, remote: &str) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO audit_log (logged_at, username, action, target, detail, remote) VALUES (?, ?, ?, ?, ?, ?)",
                params![now(), username, action, target, detail, remote],
            )
            .ctx(|| format!("append audit entry {action} {target}"))?;
        Ok(())
    }

    /// The latest `limit` entries, newest first, optionally of one action.
    pub fn audit_entries(&self, action: Option<&str>, limit: usize) -> Result<Vec<AuditEntry>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, logged_at, username, action, target, detail, remote FROM audit_log
                 WHERE ? IS NULL OR action = ? ORDER BY id DESC LIMIT ?",
            )
            .ctx(|| "read audit log".into())?;
        let rows = stmt
            .query_map(params![action, action, limit as i64], |r| {
                Ok(AuditEntry {
                    id: r.get(0)?,
                    at: r.get(1)?,
                    username: r.get(2)?,
                    action: r.get(3)?,
                    target: r.get(4)?,
                    detail: r.get(5)?,
                    remote: r.get(6)?,
                })
            })
            .ctx(|| "read audit log".into())?;
        rows.collect::<std::result::Result<Vec<_>, _>>().ctx(|| "read audit log".into())
    }
}

fn row_account(r: &duckdb::Row<'_>) -> duckdb::Result<Account> {
    Ok(Account {
        username: r.get(0)?,
        role: r.get(1)?,
        password_hash: r.get(2)?,
        created_at: r.get(3)?,
        disabled: r.get(4)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_and_audit_survive_reopening() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("app.duckdb");
        {
            let db = AppDb::open(&path).expect("open");
            assert_eq!(db.account_count().expect("count"), 0);
            db.create_account("admin", "admin", "$argon2id$x").expect("create");
            assert!(db.create_account("admin", "board", "$argon2id$y").is_err(), "duplicate");
            db.audit(Some("admin"), "login", "/login", "", "127.0.0.1").expect("audit");
            db.audit(None, "login_failed", "/login", "user=x", "127.0.0.1").expect("audit");
        }
        let db = AppDb::open(&path).expect("reopen");
        let a = db.account("admin").expect("read").expect("exists");
        assert_eq!((a.role.as_str(), a.password_hash.as_str(), a.disabled), ("admin", "$argon2id$x", false));
        assert!(db.account("Admin").expect("read").is_none(), "names are exact");
        let log = db.audit_entries(None, 10).expect("log");
        assert_eq!(log.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["login_failed", "login"]);
        assert_eq!(db.audit_entries(Some("login"), 10).expect("log").len(), 1);
        assert!(db.set_disabled("admin", true).expect("disable"));
        assert!(db.account("admin").expect("read").expect("exists").disabled);
    }
}
