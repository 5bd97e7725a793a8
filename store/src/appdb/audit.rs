//! The audit log: every entry chained to the one before by its SHA-256, so that a changed,
//! inserted or removed entry is found by [`AppDb::verify_audit`].

use duckdb::{OptionalExt, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::conn::{AppDb, now};
use crate::error::{DbContext, Result};

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
impl AppDb {
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
    pub(super) fn chain_unhashed(&self) -> Result<()> {
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
#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

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
