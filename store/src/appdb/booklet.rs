//! The booklets' storage: every version of an edition (its structure as one JSON document,
//! written by the `booklet` crate), every saved version of every answer, the committee's
//! comments and the hashes of the files built from each version.
//!
//! Nothing is updated in place: a change writes a new version with who, when and what, so
//! the history is the table itself. A write names the version it was made on; when another
//! session has written since, the write is refused and the caller is given the current
//! version to show the difference ([`AnswerSave::Conflict`], [`Error::Conflict`]).

use duckdb::params;
use serde::Serialize;

use super::conn::{AppDb, now};
use crate::error::{DbContext, Error, Result};

/// One version of an edition.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct EditionRow {
    /// The 年度 of the booklet (2026).
    pub edition: i32,
    /// 1, 2, … in the order written.
    pub version: i64,
    /// draft or published.
    pub status: String,
    /// The edition as JSON (the `booklet` crate's `Edition`).
    pub content: String,
    pub changed_by: String,
    /// RFC 3339, UTC.
    pub changed_at: String,
    /// What the change was: created, edited, question_added, published …
    pub action: String,
    pub detail: String,
}

/// One saved version of one respondent's answer to one question.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AnswerRow {
    pub edition: i32,
    pub question: i32,
    pub respondent: i32,
    /// 1, 2, … per (question, respondent).
    pub version: i64,
    /// drafted, submitted, returned or approved.
    pub status: String,
    pub answer: String,
    pub changed_by: String,
    pub changed_at: String,
    /// Why: 下書き, 提出, 差し戻し: …, 承認, XLSX から取り込み …
    pub note: String,
}

/// The outcome of saving an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerSave {
    Saved(AnswerRow),
    /// Someone saved since the version the edit was made on: nothing was written; this is
    /// what they saved.
    Conflict(AnswerRow),
}

/// A comment of the committee on one answer.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct BookletComment {
    pub id: i64,
    pub edition: i32,
    pub question: i32,
    pub respondent: i32,
    pub written_by: String,
    pub written_at: String,
    pub body: String,
}

/// A file built from one version of an edition.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct BuildRow {
    pub edition: i32,
    pub version: i64,
    /// pdf or html.
    pub format: String,
    pub sha256: String,
    pub bytes: i64,
    pub built_by: String,
    pub built_at: String,
}

const EDITION_COLUMNS: &str = "edition, version, status, content, changed_by, changed_at, action, detail";
const ANSWER_COLUMNS: &str = "edition, question, respondent, version, status, answer, changed_by, changed_at, note";

fn row_edition(r: &duckdb::Row<'_>) -> duckdb::Result<EditionRow> {
    Ok(EditionRow {
        edition: r.get(0)?,
        version: r.get(1)?,
        status: r.get(2)?,
        content: r.get(3)?,
        changed_by: r.get(4)?,
        changed_at: r.get(5)?,
        action: r.get(6)?,
        detail: r.get(7)?,
    })
}

fn row_answer(r: &duckdb::Row<'_>) -> duckdb::Result<AnswerRow> {
    Ok(AnswerRow {
        edition: r.get(0)?,
        question: r.get(1)?,
        respondent: r.get(2)?,
        version: r.get(3)?,
        status: r.get(4)?,
        answer: r.get(5)?,
        changed_by: r.get(6)?,
        changed_at: r.get(7)?,
        note: r.get(8)?,
    })
}

impl AppDb {
    fn editions_where(&self, filter: &str, p: &[&dyn duckdb::ToSql]) -> Result<Vec<EditionRow>> {
        let sql = format!("SELECT {EDITION_COLUMNS} FROM booklet_editions WHERE {filter}");
        let mut stmt = self.conn.prepare(&sql).ctx(|| "read booklet editions".into())?;
        let rows = stmt.query_map(p, row_edition).ctx(|| "read booklet editions".into())?;
        rows.collect::<std::result::Result<Vec<_>, _>>().ctx(|| "read booklet editions".into())
    }

    /// The latest version of every edition, newest edition first.
    pub fn booklet_editions(&self) -> Result<Vec<EditionRow>> {
        self.editions_where(
            "(edition, version) IN (SELECT edition, max(version) FROM booklet_editions GROUP BY edition) ORDER BY edition DESC",
            &[],
        )
    }

    /// The latest version of `edition`.
    pub fn booklet_latest(&self, edition: i32) -> Result<Option<EditionRow>> {
        Ok(self.editions_where("edition = ? ORDER BY version DESC LIMIT 1", &[&edition])?.into_iter().next())
    }

    /// Version `version` of `edition`.
    pub fn booklet_version(&self, edition: i32, version: i64) -> Result<Option<EditionRow>> {
        Ok(self.editions_where("edition = ? AND version = ?", &[&edition, &version])?.into_iter().next())
    }

    /// Every version of `edition`, oldest first.
    pub fn booklet_history(&self, edition: i32) -> Result<Vec<EditionRow>> {
        self.editions_where("edition = ? ORDER BY version", &[&edition])
    }

    /// Writes a new version of `edition` made on version `base` (None: a new edition) and
    /// returns its number. Refused with [`Error::Conflict`] when `base` is no longer the
    /// latest version (or the edition exists and `base` is None), and when the latest
    /// version is published and this one is not (a published edition stays published; what
    /// may still change in it — the follow-up of its questions — is the caller's rule).
    #[allow(clippy::too_many_arguments)]
    pub fn booklet_save(
        &self,
        edition: i32,
        base: Option<i64>,
        status: &str,
        content: &str,
        by: &str,
        action: &str,
        detail: &str,
    ) -> Result<i64> {
        let latest = self.booklet_latest(edition)?;
        let current = latest.as_ref().map(|l| l.version);
        if current != base {
            return Err(Error::Conflict {
                what: match current {
                    Some(v) => format!(
                        "冊子 {edition} は別の操作で版 {v} になっています / edition {edition} is at version {v}"
                    ),
                    None => format!("冊子 {edition} はありません / edition {edition} does not exist"),
                },
                current: current.unwrap_or(0),
            });
        }
        if let Some(l) = latest.filter(|l| l.status == "published" && status != "published") {
            return Err(Error::Conflict {
                what: format!(
                    "冊子 {edition} は公開済み（版 {}）で、変更できません / edition {edition} is published and frozen",
                    l.version
                ),
                current: l.version,
            });
        }
        let version = current.unwrap_or(0) + 1;
        self.conn
            .execute(
                &format!("INSERT INTO booklet_editions ({EDITION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
                params![edition, version, status, content, by, now(), action, detail],
            )
            .ctx(|| format!("write booklet {edition} version {version}"))?;
        Ok(version)
    }

    fn answers_where(&self, filter: &str, p: &[&dyn duckdb::ToSql]) -> Result<Vec<AnswerRow>> {
        let sql = format!("SELECT {ANSWER_COLUMNS} FROM booklet_answers WHERE {filter}");
        let mut stmt = self.conn.prepare(&sql).ctx(|| "read booklet answers".into())?;
        let rows = stmt.query_map(p, row_answer).ctx(|| "read booklet answers".into())?;
        rows.collect::<std::result::Result<Vec<_>, _>>().ctx(|| "read booklet answers".into())
    }

    /// The latest version of every answer of `edition`.
    pub fn booklet_answers(&self, edition: i32) -> Result<Vec<AnswerRow>> {
        self.answers_where(
            "edition = ? AND (question, respondent, version) IN
               (SELECT question, respondent, max(version) FROM booklet_answers WHERE edition = ? GROUP BY ALL)
             ORDER BY question, respondent",
            &[&edition, &edition],
        )
    }

    /// The latest version of one answer.
    pub fn booklet_answer(&self, edition: i32, question: i32, respondent: i32) -> Result<Option<AnswerRow>> {
        Ok(self
            .answers_where(
                "edition = ? AND question = ? AND respondent = ? ORDER BY version DESC LIMIT 1",
                &[&edition, &question, &respondent],
            )?
            .into_iter()
            .next())
    }

    /// Every saved version of one answer, oldest first.
    pub fn booklet_answer_history(&self, edition: i32, question: i32, respondent: i32) -> Result<Vec<AnswerRow>> {
        self.answers_where(
            "edition = ? AND question = ? AND respondent = ? ORDER BY version",
            &[&edition, &question, &respondent],
        )
    }

    /// Saves a new version of an answer made on version `base` (0: none saved yet). When
    /// another version was saved since, nothing is written and that version is returned.
    #[allow(clippy::too_many_arguments)]
    pub fn booklet_save_answer(
        &self,
        edition: i32,
        question: i32,
        respondent: i32,
        base: i64,
        status: &str,
        answer: &str,
        by: &str,
        note: &str,
    ) -> Result<AnswerSave> {
        let current = self.booklet_answer(edition, question, respondent)?;
        if let Some(c) = current.as_ref().filter(|c| c.version != base) {
            return Ok(AnswerSave::Conflict(c.clone()));
        }
        if current.is_none() && base != 0 {
            return Err(Error::Invalid(format!("answer {edition}/{question}/{respondent} has no version {base}")));
        }
        let row = AnswerRow {
            edition,
            question,
            respondent,
            version: base + 1,
            status: status.to_string(),
            answer: answer.to_string(),
            changed_by: by.to_string(),
            changed_at: now(),
            note: note.to_string(),
        };
        self.conn
            .execute(
                &format!("INSERT INTO booklet_answers ({ANSWER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
                params![
                    row.edition,
                    row.question,
                    row.respondent,
                    row.version,
                    row.status,
                    row.answer,
                    row.changed_by,
                    row.changed_at,
                    row.note
                ],
            )
            .ctx(|| format!("write answer {edition}/{question}/{respondent}"))?;
        Ok(AnswerSave::Saved(row))
    }

    pub fn booklet_add_comment(
        &self,
        edition: i32,
        question: i32,
        respondent: i32,
        by: &str,
        body: &str,
    ) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO booklet_comments (edition, question, respondent, written_by, written_at, body) VALUES (?, ?, ?, ?, ?, ?)",
                params![edition, question, respondent, by, now(), body],
            )
            .ctx(|| format!("write a comment on {edition}/{question}/{respondent}"))?;
        Ok(())
    }

    /// The comments on `edition`, oldest first.
    pub fn booklet_comments(&self, edition: i32) -> Result<Vec<BookletComment>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, edition, question, respondent, written_by, written_at, body FROM booklet_comments
                 WHERE edition = ? ORDER BY id",
            )
            .ctx(|| "read booklet comments".into())?;
        let rows = stmt
            .query_map(params![edition], |r| {
                Ok(BookletComment {
                    id: r.get(0)?,
                    edition: r.get(1)?,
                    question: r.get(2)?,
                    respondent: r.get(3)?,
                    written_by: r.get(4)?,
                    written_at: r.get(5)?,
                    body: r.get(6)?,
                })
            })
            .ctx(|| "read booklet comments".into())?;
        rows.collect::<std::result::Result<Vec<_>, _>>().ctx(|| "read booklet comments".into())
    }

    /// Records the hash of a file built from `version`; the first build of a version and
    /// format is kept, and a later build is returned that record to compare with.
    pub fn booklet_record_build(&self, build: &BuildRow) -> Result<BuildRow> {
        let existing = self
            .booklet_builds(build.edition)?
            .into_iter()
            .find(|b| b.version == build.version && b.format == build.format);
        if let Some(e) = existing {
            return Ok(e);
        }
        self.conn
            .execute(
                "INSERT INTO booklet_builds VALUES (?, ?, ?, ?, ?, ?, ?)",
                params![
                    build.edition,
                    build.version,
                    build.format,
                    build.sha256,
                    build.bytes,
                    build.built_by,
                    build.built_at
                ],
            )
            .ctx(|| format!("record a build of booklet {}", build.edition))?;
        Ok(build.clone())
    }

    /// The recorded builds of `edition`, oldest version first.
    pub fn booklet_builds(&self, edition: i32) -> Result<Vec<BuildRow>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT edition, version, format, sha256, bytes, built_by, built_at FROM booklet_builds
                 WHERE edition = ? ORDER BY version, format",
            )
            .ctx(|| "read booklet builds".into())?;
        let rows = stmt
            .query_map(params![edition], |r| {
                Ok(BuildRow {
                    edition: r.get(0)?,
                    version: r.get(1)?,
                    format: r.get(2)?,
                    sha256: r.get(3)?,
                    bytes: r.get(4)?,
                    built_by: r.get(5)?,
                    built_at: r.get(6)?,
                })
            })
            .ctx(|| "read booklet builds".into())?;
        rows.collect::<std::result::Result<Vec<_>, _>>().ctx(|| "read booklet builds".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> (tempfile::TempDir, AppDb) {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = AppDb::open(&dir.path().join("app.duckdb")).expect("open");
        (dir, db)
    }

    #[test]
    fn an_edition_keeps_every_version_and_refuses_a_stale_one() {
        let (_dir, db) = db();
        assert_eq!(db.booklet_save(2026, None, "draft", "{\"a\":1}", "alice", "created", "").expect("v1"), 1);
        assert_eq!(db.booklet_save(2026, Some(1), "draft", "{\"a\":2}", "bob", "edited", "").expect("v2"), 2);
        let stale = db.booklet_save(2026, Some(1), "draft", "{\"a\":3}", "carol", "edited", "");
        assert!(matches!(stale, Err(Error::Conflict { current: 2, .. })), "{stale:?}");
        assert!(db.booklet_save(2026, None, "draft", "{}", "carol", "created", "").is_err(), "exists");
        db.booklet_save(2025, None, "draft", "{}", "alice", "created", "").expect("another");
        let latest = db.booklet_latest(2026).expect("read").expect("exists");
        assert_eq!((latest.version, latest.content.as_str(), latest.changed_by.as_str()), (2, "{\"a\":2}", "bob"));
        assert_eq!(db.booklet_version(2026, 1).expect("read").expect("v1").content, "{\"a\":1}");
        assert_eq!(db.booklet_history(2026).expect("history").len(), 2);
        let all: Vec<(i32, i64)> =
            db.booklet_editions().expect("list").iter().map(|e| (e.edition, e.version)).collect();
        assert_eq!(all, [(2026, 2), (2025, 1)]);
        db.booklet_save(2026, Some(2), "published", "{\"a\":2}", "alice", "published", "").expect("publish");
        let frozen = db.booklet_save(2026, Some(3), "draft", "{}", "alice", "edited", "");
        assert!(matches!(frozen, Err(Error::Conflict { current: 3, .. })), "{frozen:?}");
        db.booklet_save(2026, Some(3), "published", "{\"a\":2}", "alice", "followup", "").expect("stays published");
    }

    #[test]
    fn an_answer_saved_on_a_stale_version_is_refused_and_shown_the_current_one() {
        let (_dir, db) = db();
        let first = db.booklet_save_answer(2026, 1, 2, 0, "drafted", "最初の下書き", "tsuruya", "下書き").expect("v1");
        assert!(matches!(first, AnswerSave::Saved(ref r) if r.version == 1));
        // Two sessions opened version 1; the first saves, the second is told.
        let a = db.booklet_save_answer(2026, 1, 2, 1, "drafted", "会員委員長の加筆", "tsuruya", "下書き").expect("a");
        assert!(matches!(a, AnswerSave::Saved(ref r) if r.version == 2));
        let b = db.booklet_save_answer(2026, 1, 2, 1, "drafted", "委員会の修正", "alice", "編集").expect("b");
        match b {
            AnswerSave::Conflict(current) => assert_eq!(current.answer, "会員委員長の加筆"),
            other => panic!("expected a conflict, got {other:?}"),
        }
        let history = db.booklet_answer_history(2026, 1, 2).expect("history");
        assert_eq!(history.iter().map(|h| h.answer.as_str()).collect::<Vec<_>>(), ["最初の下書き", "会員委員長の加筆"]);
        db.booklet_save_answer(2026, 3, 1, 0, "submitted", "別の回答", "x", "").expect("other");
        let latest = db.booklet_answers(2026).expect("answers");
        assert_eq!(latest.iter().map(|a| (a.question, a.version)).collect::<Vec<_>>(), [(1, 2), (3, 1)]);
    }

    #[test]
    fn comments_and_builds_are_kept() {
        let (_dir, db) = db();
        db.booklet_add_comment(2026, 1, 2, "alice", "数字の出典を一文で").expect("comment");
        assert_eq!(db.booklet_comments(2026).expect("read")[0].body, "数字の出典を一文で");
        let b = BuildRow {
            edition: 2026,
            version: 4,
            format: "pdf".into(),
            sha256: "aa".into(),
            bytes: 10,
            built_by: "alice".into(),
            built_at: now(),
        };
        assert_eq!(db.booklet_record_build(&b).expect("first").sha256, "aa");
        let again = BuildRow { sha256: "bb".into(), ..b };
        assert_eq!(db.booklet_record_build(&again).expect("second").sha256, "aa", "the first build is the record");
    }
}
