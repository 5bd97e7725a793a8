//! The application database: dashboard accounts and the audit log, in their own DuckDB
//! file beside the warehouse (`app.duckdb`).
//!
//! Kept apart from the warehouse so that the server can hold it open while loads run
//! against the warehouse from the command line, and so that no metric, snapshot, lake
//! export or SQL console query can ever read a password hash or the audit log.

use std::path::{Path, PathBuf};

use duckdb::{Connection, OptionalExt, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{DbContext, Error, Result};

const DDL: &str = "
CREATE TABLE IF NOT EXISTS accounts (
  username VARCHAR PRIMARY KEY,
  role VARCHAR NOT NULL,
  password_hash VARCHAR NOT NULL,
  created_at VARCHAR NOT NULL,
  disabled BOOLEAN NOT NULL DEFAULT false
);
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS must_change BOOLEAN DEFAULT false;
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
ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS hash VARCHAR;
CREATE TABLE IF NOT EXISTS settings (
  key VARCHAR PRIMARY KEY,
  value VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS trusted_devices (
  token_sha256 VARCHAR PRIMARY KEY,
  username VARCHAR NOT NULL,
  created_unix BIGINT NOT NULL
);
";

/// The longest text an audit field keeps as is; longer text keeps its start, its length
/// and its SHA-256 (a 2 MB user name in a failed login costs the log a few hundred bytes).
const AUDIT_FIELD: usize = 256;
/// The longest detail kept as is: a whole SQL console query (the console takes at most
/// 20,000 bytes) or an export's parameters.
pub const AUDIT_DETAIL: usize = 20_000;

/// `s` if it is at most `max` bytes; otherwise its first characters, its length and its
/// SHA-256, within `max` bytes.
pub fn bounded(s: &str, max: usize) -> std::borrow::Cow<'_, str> {
    if s.len() <= max {
        return s.into();
    }
    let tail = format!("…[{} bytes, sha256={}]", s.len(), hex::encode(Sha256::digest(s.as_bytes())));
    let mut head = max.saturating_sub(tail.len());
    while !s.is_char_boundary(head) {
        head -= 1;
    }
    format!("{}{tail}", &s[..head]).into()
}

/// The hash of one audit entry, chained to the one before: changing, inserting or removing
/// an entry breaks every hash after it.
fn chain_hash(prev: &str, e: &AuditEntry) -> String {
    let mut h = Sha256::new();
    for part in [
        prev,
        &e.id.to_string(),
        &e.at,
        e.username.as_deref().unwrap_or("\u{0}"),
        &e.action,
        &e.target,
        &e.detail,
        &e.remote,
    ] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// The outcome of [`AppDb::verify_audit`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditVerification {
    /// Entries checked.
    pub entries: u64,
    /// The last entry's hash (keep a copy elsewhere to detect a cut-off tail).
    pub head: String,
    /// The first entry whose hash does not match, and why.
    pub broken: Option<(i64, String)>,
}

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
        let db = AppDb { conn, path: path.to_path_buf() };
        db.chain_unhashed()?;
        Ok(db)
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

    /// Appends an audit entry, stamped now and chained to the one before; long fields are
    /// bounded ([`bounded`]). An error means nothing was written.
    pub fn audit(&self, username: Option<&str>, action: &str, target: &str, detail: &str, remote: &str) -> Result<()> {
        let what = || format!("append audit entry {}", bounded(action, 64));
        let prev: Option<String> = self
            .conn
            .query_row("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1", [], |r| r.get(0))
            .optional()
            .ctx(what)?
            .flatten();
        let id: i64 = self.conn.query_row("SELECT nextval('audit_seq')", [], |r| r.get(0)).ctx(what)?;
        let entry = AuditEntry {
            id,
            at: now(),
            username: username.map(|u| bounded(u, AUDIT_FIELD).into_owned()),
            action: bounded(action, AUDIT_FIELD).into_owned(),
            target: bounded(target, AUDIT_FIELD).into_owned(),
            detail: bounded(detail, AUDIT_DETAIL).into_owned(),
            remote: bounded(remote, AUDIT_FIELD).into_owned(),
        };
        let hash = chain_hash(prev.as_deref().unwrap_or(""), &entry);
        self.conn
            .execute(
                "INSERT INTO audit_log (id, logged_at, username, action, target, detail, remote, hash)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                params![
                    entry.id,
                    entry.at,
                    entry.username,
                    entry.action,
                    entry.target,
                    entry.detail,
                    entry.remote,
                    hash
                ],
            )
            .ctx(what)?;
        Ok(())
    }

    fn all_entries(&self) -> Result<Vec<(AuditEntry, Option<String>)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, logged_at, username, action, target, detail, remote, hash FROM audit_log ORDER BY id")
            .ctx(|| "read audit log".into())?;
        let rows = stmt.query_map([], |r| Ok((row_audit(r)?, r.get(7)?))).ctx(|| "read audit log".into())?;
        rows.collect::<std::result::Result<Vec<_>, _>>().ctx(|| "read audit log".into())
    }

    /// Gives entries written before the log was chained (older versions) their hashes, in
    /// order, once.
    fn chain_unhashed(&self) -> Result<()> {
        let unhashed: i64 = self
            .conn
            .query_row("SELECT count(*) FROM audit_log WHERE hash IS NULL", [], |r| r.get(0))
            .ctx(|| "read audit log".into())?;
        if unhashed == 0 {
            return Ok(());
        }
        let mut prev = String::new();
        for (e, hash) in self.all_entries()? {
            let h = match hash {
                Some(h) => h,
                None => {
                    let h = chain_hash(&prev, &e);
                    self.conn
                        .execute("UPDATE audit_log SET hash = ? WHERE id = ?", params![h, e.id])
                        .ctx(|| "chain the audit log".into())?;
                    h
                }
            };
            prev = h;
        }
        Ok(())
    }

    /// Recomputes the audit log's hash chain and reports the first entry that does not match.
    pub fn verify_audit(&self) -> Result<AuditVerification> {
        let mut prev = String::new();
        let mut v = AuditVerification { entries: 0, head: String::new(), broken: None };
        for (e, hash) in self.all_entries()? {
            v.entries += 1;
            let want = chain_hash(&prev, &e);
            if v.broken.is_none() {
                match &hash {
                    None => v.broken = Some((e.id, "hash missing / ハッシュがありません".into())),
                    Some(h) if *h != want => {
                        v.broken = Some((
                            e.id,
                            "changed, inserted, or an entry before it removed / 改ざん・挿入、または直前の記録の削除"
                                .into(),
                        ))
                    }
                    Some(_) => {}
                }
            }
            prev = hash.unwrap_or(want);
        }
        v.head = prev;
        Ok(v)
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
        let rows = stmt.query_map(params![action, action, limit as i64], row_audit).ctx(|| "read audit log".into())?;
        rows.collect::<std::result::Result<Vec<_>, _>>().ctx(|| "read audit log".into())
    }
}

/// An audit entry from the columns id, logged_at, username, action, target, detail, remote.
fn row_audit(r: &duckdb::Row<'_>) -> duckdb::Result<AuditEntry> {
    Ok(AuditEntry {
        id: r.get(0)?,
        at: r.get(1)?,
        username: r.get(2)?,
        action: r.get(3)?,
        target: r.get(4)?,
        detail: r.get(5)?,
        remote: r.get(6)?,
    })
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

    #[test]
    fn an_account_and_its_audit_entry_are_written_together_or_not_at_all() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = AppDb::open(&dir.path().join("app.duckdb")).expect("open");
        let failed = db.atomically(|db| {
            db.create_account("bob", "board", "$argon2id$x")?;
            db.set_must_change("bob", true)?;
            Err::<(), _>(Error::Invalid("the audit entry could not be written".into()))
        });
        assert!(failed.is_err());
        assert!(db.account("bob").expect("read").is_none(), "no account without its audit entry");
        db.atomically(|db| {
            db.create_account("bob", "board", "$argon2id$x")?;
            db.audit(None, "account_created", "bob", "board", "cli")
        })
        .expect("both");
        assert!(db.account("bob").expect("read").is_some());
        assert_eq!(db.audit_entries(Some("account_created"), 10).expect("log").len(), 1);
        assert!(db.verify_audit().expect("verify").broken.is_none(), "the chain holds across transactions");
    }

    #[test]
    fn a_changed_or_removed_audit_entry_breaks_the_chain() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("app.duckdb");
        let db = AppDb::open(&path).expect("open");
        for i in 0..5 {
            db.audit(Some("alice"), "export", "members.composition", &format!("csv n={i}"), "127.0.0.1")
                .expect("audit");
        }
        let ok = db.verify_audit().expect("verify");
        assert_eq!((ok.entries, ok.broken.clone()), (5, None));
        assert_eq!(ok.head.len(), 64);
        db.conn.execute("UPDATE audit_log SET detail = 'csv n=9' WHERE detail = 'csv n=2'", []).expect("tamper");
        let v = db.verify_audit().expect("verify");
        let (id, _) = v.broken.expect("a changed detail is found");
        let third = db.all_entries().expect("entries")[2].0.id;
        assert_eq!(id, third);
        db.conn.execute("UPDATE audit_log SET detail = 'csv n=2' WHERE detail = 'csv n=9'", []).expect("restore");
        assert_eq!(db.verify_audit().expect("verify").broken, None, "restored");
        db.conn.execute("DELETE FROM audit_log WHERE detail = 'csv n=1'", []).expect("remove");
        assert!(db.verify_audit().expect("verify").broken.is_some(), "a removed entry is found");
    }

    #[test]
    fn entries_written_before_the_chain_are_chained_on_open() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("app.duckdb");
        {
            let db = AppDb::open(&path).expect("open");
            db.audit(None, "login_failed", "/login", "", "-").expect("audit");
            db.audit(None, "login_failed", "/login", "", "-").expect("audit");
            db.conn.execute("UPDATE audit_log SET hash = NULL", []).expect("as an older version wrote it");
        }
        let db = AppDb::open(&path).expect("reopen");
        let v = db.verify_audit().expect("verify");
        assert_eq!((v.entries, v.broken), (2, None));
    }

    #[test]
    fn long_audit_fields_keep_their_start_length_and_hash() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = AppDb::open(&dir.path().join("app.duckdb")).expect("open");
        let name = "名".repeat(700_000);
        db.audit(Some(&name), "login_throttled", "/login", "", "-").expect("audit");
        let e = &db.audit_entries(None, 1).expect("log")[0];
        let kept = e.username.as_deref().expect("name");
        assert!(kept.len() <= AUDIT_FIELD, "{}", kept.len());
        assert!(kept.starts_with("名名名"));
        assert!(kept.contains("2100000 bytes, sha256="), "{kept}");
        assert_eq!(bounded("short", 10), "short");
    }
}
