//! Dashboard accounts, the devices they trusted and the settings an admin made.

use duckdb::{OptionalExt, params};
use serde::Serialize;

use super::conn::{AppDb, now};
use crate::error::{DbContext, Error, Result};

/// A dashboard account.
#[derive(Debug, Clone, Serialize)]
pub struct Account {
    pub username: String,
    /// admin, committee, board, researcher or steward (checked by the dashboard).
    pub role: String,
    /// An argon2id PHC string; never serialised.
    #[serde(skip)]
    pub password_hash: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub disabled: bool,
    /// The password was generated (first start, `user add`, `user reset`, 管理): it must be
    /// changed at the next login before anything else.
    pub must_change: bool,
}
impl AppDb {
    pub fn account_count(&self) -> Result<i64> {
        self.conn.query_row("SELECT count(*) FROM accounts", [], |r| r.get(0)).ctx(|| "count accounts".into())
    }

    /// The account named `username` (exact match).
    pub fn account(&self, username: &str) -> Result<Option<Account>> {
        self.conn
            .query_row(
                "SELECT username, role, password_hash, created_at, disabled, coalesce(must_change, false) FROM accounts WHERE username = ?",
                params![username],
                row_account,
            )
            .optional()
            .ctx(|| format!("read account {username}"))
    }

    pub fn accounts(&self) -> Result<Vec<Account>> {
        let mut stmt = self
            .conn
            .prepare("SELECT username, role, password_hash, created_at, disabled, coalesce(must_change, false) FROM accounts ORDER BY username")
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

    /// Marks the account's password as one that must be changed at the next login (or not).
    pub fn set_must_change(&self, username: &str, must: bool) -> Result<bool> {
        let n = self
            .conn
            .execute("UPDATE accounts SET must_change = ? WHERE username = ?", params![must, username])
            .ctx(|| format!("mark the password of {username}"))?;
        Ok(n == 1)
    }

    /// Remembers a device that logged in as `username` (by its token's SHA-256).
    pub fn add_device(&self, token_sha256: &str, username: &str) -> Result<()> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO trusted_devices VALUES (?, ?, ?)",
                params![token_sha256, username, chrono::Utc::now().timestamp()],
            )
            .ctx(|| format!("remember a device of {username}"))?;
        Ok(())
    }

    /// The user a device token was issued to, if it is younger than `max_age_secs`.
    pub fn device_user(&self, token_sha256: &str, max_age_secs: i64) -> Result<Option<String>> {
        self.conn
            .query_row(
                "SELECT username FROM trusted_devices WHERE token_sha256 = ? AND created_unix > ?",
                params![token_sha256, chrono::Utc::now().timestamp() - max_age_secs],
                |r| r.get(0),
            )
            .optional()
            .ctx(|| "read a device".into())
    }

    /// A setting the admin made on the dashboard (the alert e-mail's recipients …).
    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        self.conn
            .query_row("SELECT value FROM settings WHERE key = ?", params![key], |r| r.get(0))
            .optional()
            .ctx(|| format!("read setting {key}"))
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        self.conn
            .execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", params![key, value])
            .ctx(|| format!("write setting {key}"))?;
        Ok(())
    }

    pub fn set_disabled(&self, username: &str, disabled: bool) -> Result<bool> {
        let n = self
            .conn
            .execute("UPDATE accounts SET disabled = ? WHERE username = ?", params![disabled, username])
            .ctx(|| format!("disable {username}"))?;
        Ok(n == 1)
    }
}

fn row_account(r: &duckdb::Row<'_>) -> duckdb::Result<Account> {
    Ok(Account {
        username: r.get(0)?,
        role: r.get(1)?,
        password_hash: r.get(2)?,
        created_at: r.get(3)?,
        disabled: r.get(4)?,
        must_change: r.get(5)?,
    })
}
