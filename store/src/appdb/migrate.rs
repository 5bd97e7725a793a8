//! The application database's schema, as numbered migrations. Each is applied once, in
//! order, in one transaction with its row in `schema_migrations`; a database made by an
//! older version gets the ones it lacks when it is next opened, and a newer database than
//! this program knows is refused rather than written to.
//!
//! Migration 1 is the schema as it was before migrations were numbered: its statements
//! are idempotent, so a database that already has those tables takes it unchanged.

use duckdb::{Connection, OptionalExt, params};

use crate::error::{DbContext, Error, Result};

/// One migration: its number, what it does and its SQL.
#[derive(Debug)]
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

/// Every migration, in order. Append only: a released migration is never edited.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "accounts, audit log, settings, trusted devices",
        sql: "
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
",
    },
    Migration { version: 2, name: "booklets: versioned editions, answers and their history, comments", sql: BOOKLET },
];

const BOOKLET: &str = "
CREATE TABLE booklet_editions (
  edition INTEGER NOT NULL,
  version BIGINT NOT NULL,
  status VARCHAR NOT NULL,
  content VARCHAR NOT NULL,
  changed_by VARCHAR NOT NULL,
  changed_at VARCHAR NOT NULL,
  action VARCHAR NOT NULL,
  detail VARCHAR NOT NULL,
  PRIMARY KEY (edition, version)
);
CREATE TABLE booklet_answers (
  edition INTEGER NOT NULL,
  question INTEGER NOT NULL,
  respondent INTEGER NOT NULL,
  version BIGINT NOT NULL,
  status VARCHAR NOT NULL,
  answer VARCHAR NOT NULL,
  changed_by VARCHAR NOT NULL,
  changed_at VARCHAR NOT NULL,
  note VARCHAR NOT NULL,
  PRIMARY KEY (edition, question, respondent, version)
);
CREATE SEQUENCE booklet_comment_seq;
CREATE TABLE booklet_comments (
  id BIGINT PRIMARY KEY DEFAULT nextval('booklet_comment_seq'),
  edition INTEGER NOT NULL,
  question INTEGER NOT NULL,
  respondent INTEGER NOT NULL,
  written_by VARCHAR NOT NULL,
  written_at VARCHAR NOT NULL,
  body VARCHAR NOT NULL
);
CREATE TABLE booklet_builds (
  edition INTEGER NOT NULL,
  version BIGINT NOT NULL,
  format VARCHAR NOT NULL,
  sha256 VARCHAR NOT NULL,
  bytes BIGINT NOT NULL,
  built_by VARCHAR NOT NULL,
  built_at VARCHAR NOT NULL,
  PRIMARY KEY (edition, version, format)
);
";

/// Applies the migrations `conn` lacks; returns how many were applied.
pub fn run(conn: &Connection) -> Result<usize> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name VARCHAR NOT NULL, applied_at VARCHAR NOT NULL)",
    )
    .ctx(|| "create schema_migrations".into())?;
    let current: i64 = conn
        .query_row("SELECT max(version) FROM schema_migrations", [], |r| r.get::<_, Option<i64>>(0))
        .optional()
        .ctx(|| "read schema_migrations".into())?
        .flatten()
        .unwrap_or(0);
    let known = MIGRATIONS.last().map_or(0, |m| m.version);
    if current > known {
        return Err(Error::Invalid(format!(
            "アプリのデータベースは新しい版（移行 {current}）で作られています。この版は移行 {known} までしか知りません \
             / the application database was made by a newer version (migration {current}; this one knows up to {known})"
        )));
    }
    let mut applied = 0;
    for m in MIGRATIONS.iter().filter(|m| m.version > current) {
        let what = || format!("migration {} ({})", m.version, m.name);
        conn.execute_batch("BEGIN TRANSACTION").ctx(what)?;
        let done = conn.execute_batch(m.sql).and_then(|()| {
            conn.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                params![m.version, m.name, super::conn::now()],
            )
        });
        match done {
            Ok(_) => conn.execute_batch("COMMIT").ctx(what)?,
            Err(e) => {
                if let Err(r) = conn.execute_batch("ROLLBACK") {
                    tracing::error!("app db rollback: {r}");
                }
                return Err(Error::Db { context: what(), source: e });
            }
        }
        applied += 1;
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_numbered_in_order_without_gaps() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version, i as i64 + 1, "{}", m.name);
        }
    }

    /// A database made before migrations were numbered (the version-1 tables, no
    /// `schema_migrations`) keeps its accounts and gains the later tables, once.
    #[test]
    fn a_database_from_before_migrations_is_migrated_once() {
        let conn = Connection::open_in_memory().expect("db");
        conn.execute_batch(MIGRATIONS[0].sql).expect("the old schema");
        conn.execute(
            "INSERT INTO accounts (username, role, password_hash, created_at) VALUES ('a', 'admin', 'h', 'now')",
            [],
        )
        .expect("an account");
        assert_eq!(run(&conn).expect("migrate"), MIGRATIONS.len());
        assert_eq!(run(&conn).expect("again"), 0);
        let n: i64 = conn.query_row("SELECT count(*) FROM accounts", [], |r| r.get(0)).expect("count");
        assert_eq!(n, 1);
        let n: i64 = conn.query_row("SELECT count(*) FROM booklet_editions", [], |r| r.get(0)).expect("count");
        assert_eq!(n, 0);
    }

    #[test]
    fn a_newer_database_is_refused() {
        let conn = Connection::open_in_memory().expect("db");
        run(&conn).expect("migrate");
        conn.execute("INSERT INTO schema_migrations VALUES (999, 'future', 'now')", []).expect("future");
        let e = run(&conn).expect_err("refused").to_string();
        assert!(e.contains("999"), "{e}");
    }
}
