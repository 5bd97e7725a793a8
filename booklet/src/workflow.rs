//! The committee's workflow over the application database: editions created, copied and
//! changed version by version; answers drafted, submitted, sent back, edited and approved;
//! comments; publishing, which freezes the edition with its approved answers. Every write
//! is one transaction with its audit entry, made on the version the user saw (a stale one
//! is refused, [`Error::Conflict`]); who may do what is checked here, not only by the pages.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use store::{AnswerRow, AnswerSave, AppDb};

use crate::build::{Inputs, Printed};
use crate::edition::{Edition, Followup, FrozenAnswer, QuestionRef};
use crate::error::{Error, Result};

/// An edition as stored: the content of its latest (or a chosen) version.
#[derive(Debug, Clone)]
pub struct Stored {
    pub edition: Edition,
    pub version: i64,
    pub published: bool,
    pub changed_by: String,
    pub changed_at: String,
}

/// Who acts, and where from (for the audit log).
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub username: &'a str,
    /// The committee (admin or committee role) may do anything a draft allows; a respondent
    /// only drafts and submits their own answers.
    pub committee: bool,
    /// The client address, or "cli".
    pub remote: &'a str,
}

/// Where an answer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AnswerStatus {
    Assigned,
    Drafted,
    Submitted,
    Returned,
    Approved,
}

impl AnswerStatus {
    pub const ALL: [AnswerStatus; 5] = [
        AnswerStatus::Assigned,
        AnswerStatus::Drafted,
        AnswerStatus::Submitted,
        AnswerStatus::Returned,
        AnswerStatus::Approved,
    ];

    pub fn key(self) -> &'static str {
        match self {
            AnswerStatus::Assigned => "assigned",
            AnswerStatus::Drafted => "drafted",
            AnswerStatus::Submitted => "submitted",
            AnswerStatus::Returned => "returned",
            AnswerStatus::Approved => "approved",
        }
    }

    pub fn ja(self) -> &'static str {
        match self {
            AnswerStatus::Assigned => "依頼中",
            AnswerStatus::Drafted => "下書き",
            AnswerStatus::Submitted => "提出済み",
            AnswerStatus::Returned => "差し戻し",
            AnswerStatus::Approved => "承認済み",
        }
    }

    pub fn parse(s: &str) -> Option<AnswerStatus> {
        AnswerStatus::ALL.into_iter().find(|a| a.key() == s.trim() || a.ja() == s.trim())
    }

    pub fn of(row: Option<&AnswerRow>) -> AnswerStatus {
        row.and_then(|r| AnswerStatus::parse(&r.status)).unwrap_or(AnswerStatus::Assigned)
    }
}

/// What a write does to an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerAction {
    /// Keep as a draft (respondent, or the committee for them).
    Draft,
    /// Hand in (respondent; or the committee entering an answer received by e-mail).
    Submit,
    /// The committee edits the text; the status stays, the edit is kept in the history.
    Edit,
    /// The committee sends it back with a comment.
    Return(String),
    Approve,
}

impl AnswerAction {
    fn key(&self) -> &'static str {
        match self {
            AnswerAction::Draft => "draft",
            AnswerAction::Submit => "submit",
            AnswerAction::Edit => "edit",
            AnswerAction::Return(_) => "return",
            AnswerAction::Approve => "approve",
        }
    }
}

/// One write of an answer: which one, the version of it the text was written on, the text
/// and what the write does.
#[derive(Debug, Clone)]
pub struct AnswerWrite<'a> {
    pub edition: i32,
    pub question: u32,
    pub respondent: u32,
    /// The answer's version the text was written on (0: none saved yet).
    pub base: i64,
    pub text: &'a str,
    pub action: AnswerAction,
}

/// Runs `f` in one transaction of `db`: everything it wrote stays, or nothing.
pub(crate) fn in_tx<T>(db: &AppDb, f: impl FnOnce(&AppDb) -> Result<T>) -> Result<T> {
    let mut failed: Option<Error> = None;
    let out = db.atomically(|db| {
        f(db).map_err(|e| {
            let message = e.to_string();
            failed = Some(e);
            store::Error::Invalid(message)
        })
    });
    match out {
        Ok(v) => Ok(v),
        Err(e) => Err(failed.take().unwrap_or_else(|| e.into())),
    }
}

fn parse_row(row: store::EditionRow) -> Result<Stored> {
    Ok(Stored {
        edition: serde_json::from_str(&row.content)?,
        version: row.version,
        published: row.status == "published",
        changed_by: row.changed_by,
        changed_at: row.changed_at,
    })
}

fn content(e: &Edition) -> Result<String> {
    Ok(serde_json::to_string(e)?)
}

/// The latest version of `edition`.
pub fn load(db: &AppDb, edition: i32) -> Result<Stored> {
    let row = db.booklet_latest(edition)?.ok_or_else(|| Error::NotFound(format!("{edition}年度の冊子はありません")))?;
    parse_row(row)
}

/// Version `version` of `edition`.
pub fn load_version(db: &AppDb, edition: i32, version: i64) -> Result<Stored> {
    let row = db
        .booklet_version(edition, version)?
        .ok_or_else(|| Error::NotFound(format!("{edition}年度の冊子に第{version}版はありません")))?;
    parse_row(row)
}

/// Every edition, newest first.
pub fn list(db: &AppDb) -> Result<Vec<Stored>> {
    db.booklet_editions()?.into_iter().map(parse_row).collect()
}

fn committee_only(actor: &Actor<'_>) -> Result<()> {
    if actor.committee { Ok(()) } else { Err(Error::Forbidden("会員委員会だけができる操作です".into())) }
}

/// Creates a new edition (checked) as version 1.
pub fn create(db: &AppDb, edition: &Edition, actor: &Actor<'_>) -> Result<i64> {
    in_tx(db, |db| create_in(db, edition, actor, "created"))
}

/// [`create`] inside the caller's transaction.
pub(crate) fn create_in(db: &AppDb, edition: &Edition, actor: &Actor<'_>, action: &str) -> Result<i64> {
    committee_only(actor)?;
    if db.booklet_latest(edition.edition)?.is_some() {
        return Err(Error::Invalid(format!("{}年度の冊子は既にあります", edition.edition)));
    }
    edition.check()?;
    let v = db.booklet_save(edition.edition, None, "draft", &content(edition)?, actor.username, action, "")?;
    db.audit(
        Some(actor.username),
        "booklet_created",
        &edition.edition.to_string(),
        &format!("version={v} {action}"),
        actor.remote,
    )?;
    Ok(v)
}

/// A new edition for `to` with `from`'s structure: its sections and questions (each
/// following up the one it copies), respondents, forewords, notices and roster; no answers.
pub fn copy(
    db: &AppDb,
    from: i32,
    to: i32,
    survey_year: i32,
    as_of: NaiveDate,
    at_load: i64,
    actor: &Actor<'_>,
) -> Result<i64> {
    let old = load(db, from)?.edition;
    if to <= from {
        return Err(Error::Invalid(format!("写す先の年度 {to} は {from} より後にしてください")));
    }
    let mut e = old.clone();
    e.edition = to;
    e.survey_year = survey_year;
    e.as_of = as_of;
    e.at_load = at_load;
    e.answers.clear();
    for s in &mut e.sections {
        for q in &mut s.questions {
            q.previous = Some(QuestionRef { edition: from, question: q.id });
            q.followup = Default::default();
        }
    }
    create(db, &e, actor)
}

/// Applies `change` to the latest version, if it is `base`, and writes the result as a new
/// version (checked first). `action` and `detail` go to the history and the audit log.
pub fn change(
    db: &AppDb,
    edition: i32,
    base: i64,
    actor: &Actor<'_>,
    action: &str,
    detail: &str,
    change: impl FnOnce(&mut Edition) -> Result<()>,
) -> Result<i64> {
    committee_only(actor)?;
    in_tx(db, |db| {
        let current = load(db, edition)?;
        if current.version != base {
            return Err(Error::Conflict(format!(
                "この冊子は開いた後に {} さんが変更しました（第{}版 → 第{}版）。開き直してからもう一度",
                current.changed_by, base, current.version
            )));
        }
        let mut e = current.edition;
        change(&mut e)?;
        e.edition = edition;
        e.check()?;
        let v = db.booklet_save(edition, Some(base), "draft", &content(&e)?, actor.username, action, detail)?;
        db.audit(
            Some(actor.username),
            "booklet_changed",
            &edition.to_string(),
            &format!("version={v} {action} {detail}"),
            actor.remote,
        )?;
        Ok(v)
    })
}

/// The version that was published (a published edition's later versions change only the
/// follow-up of its questions, which its own booklet does not print): what its builds use.
pub fn published(db: &AppDb, edition: i32) -> Result<Option<Stored>> {
    let history = db.booklet_history(edition)?;
    match history.into_iter().find(|r| r.action == "published") {
        Some(row) => Ok(Some(parse_row(row)?)),
        None => Ok(None),
    }
}

/// What to build: the published version of a published edition, the latest of a draft.
pub fn for_build(db: &AppDb, edition: i32) -> Result<Stored> {
    match published(db, edition)? {
        Some(p) => Ok(p),
        None => load(db, edition),
    }
}

/// Records what became of a question (answered, action promised, done) — also in a
/// published edition, where it is the one thing that may still change.
pub fn set_followup(db: &AppDb, edition: i32, question: u32, followup: Followup, actor: &Actor<'_>) -> Result<i64> {
    committee_only(actor)?;
    in_tx(db, |db| {
        let current = load(db, edition)?;
        let mut e = current.edition;
        let n = e
            .question(question)
            .map(|(n, _)| n)
            .ok_or_else(|| Error::NotFound(format!("質問 {question} はありません")))?;
        if let Some(q) = e.question_mut(question) {
            q.followup = followup;
        }
        let status = if current.published { "published" } else { "draft" };
        let detail = format!("Q{n} {}", followup.key());
        let v = db.booklet_save(
            edition,
            Some(current.version),
            status,
            &content(&e)?,
            actor.username,
            "followup",
            &detail,
        )?;
        db.audit(
            Some(actor.username),
            "booklet_changed",
            &edition.to_string(),
            &format!("version={v} followup {detail}"),
            actor.remote,
        )?;
        Ok(v)
    })
}

/// The latest version of every answer of `edition`, by (question, respondent).
pub fn answers(db: &AppDb, edition: i32) -> Result<BTreeMap<(u32, u32), AnswerRow>> {
    Ok(db
        .booklet_answers(edition)?
        .into_iter()
        .filter_map(|a| Some(((u32::try_from(a.question).ok()?, u32::try_from(a.respondent).ok()?), a)))
        .collect())
}

/// Saves an answer made on version `base` of it (0: none yet). A respondent may only
/// draft or submit their own answer while it is theirs to write (assigned, drafted or sent
/// back); the committee may do anything to any assigned answer of a draft edition. A
/// stale `base` writes nothing and returns the current version ([`AnswerSave::Conflict`]).
pub fn save_answer(db: &AppDb, w: &AnswerWrite<'_>, actor: &Actor<'_>) -> Result<AnswerSave> {
    in_tx(db, |db| answer_in(db, w, actor))
}

/// [`save_answer`] inside the caller's transaction.
pub(crate) fn answer_in(db: &AppDb, w: &AnswerWrite<'_>, actor: &Actor<'_>) -> Result<AnswerSave> {
    let AnswerWrite { edition, question, respondent, base, text, ref action } = *w;
    if text.chars().count() > crate::edition::MAX_TEXT {
        return Err(Error::Invalid(format!("回答が長すぎます（上限 {} 文字）", crate::edition::MAX_TEXT)));
    }
    {
        let stored = load(db, edition)?;
        if stored.published {
            return Err(Error::Forbidden(format!("{edition}年度の冊子は公開済みで、回答は変えられません")));
        }
        let e = &stored.edition;
        let (n, q) = e.question(question).ok_or_else(|| Error::NotFound(format!("質問 {question} はありません")))?;
        if !q.assigned.iter().any(|a| a.respondent == respondent) {
            return Err(Error::NotFound(format!("【Q{n}】は回答者 {respondent} に割り当てられていません")));
        }
        let (qi, ri) = (i32::try_from(question).unwrap_or(i32::MAX), i32::try_from(respondent).unwrap_or(i32::MAX));
        let current = db.booklet_answer(edition, qi, ri)?;
        let status = AnswerStatus::of(current.as_ref());
        if !actor.committee {
            let mine = e.respondent_of(actor.username).map(|r| r.id);
            if mine != Some(respondent) {
                return Err(Error::Forbidden("この回答を書けるのは割り当てられた回答者だけです".into()));
            }
            if !matches!(action, AnswerAction::Draft | AnswerAction::Submit) {
                return Err(Error::Forbidden("回答者ができるのは下書きの保存と提出です".into()));
            }
            if !matches!(status, AnswerStatus::Assigned | AnswerStatus::Drafted | AnswerStatus::Returned) {
                return Err(Error::Forbidden(format!(
                    "この回答は{}です。変更するには会員委員会に差し戻しを頼んでください",
                    status.ja()
                )));
            }
        }
        if matches!(action, AnswerAction::Submit | AnswerAction::Approve) && text.trim().is_empty() {
            return Err(Error::Invalid("空の回答は提出・承認できません".into()));
        }
        let new_status = match &action {
            AnswerAction::Draft => AnswerStatus::Drafted,
            AnswerAction::Submit => AnswerStatus::Submitted,
            AnswerAction::Edit => match status {
                AnswerStatus::Assigned => AnswerStatus::Drafted,
                s => s,
            },
            AnswerAction::Return(_) => AnswerStatus::Returned,
            AnswerAction::Approve => AnswerStatus::Approved,
        };
        let note = match (&action, actor.committee) {
            (AnswerAction::Return(c), _) => format!("差し戻し: {c}"),
            (AnswerAction::Submit, true) => "会員委員会が代わりに入力して提出".into(),
            (AnswerAction::Draft, true) => "会員委員会が代わりに下書き".into(),
            (AnswerAction::Edit, _) => "会員委員会が編集".into(),
            _ => new_status.ja().to_string(),
        };
        let saved = db.booklet_save_answer(edition, qi, ri, base, new_status.key(), text, actor.username, &note)?;
        if let AnswerSave::Saved(row) = &saved {
            if let AnswerAction::Return(c) = &action
                && !c.trim().is_empty()
            {
                db.booklet_add_comment(edition, qi, ri, actor.username, c)?;
            }
            db.audit(
                Some(actor.username),
                "booklet_answer",
                &format!("{edition}/Q{n}/{respondent}"),
                &format!("{} version={} status={}", action.key(), row.version, row.status),
                actor.remote,
            )?;
        }
        Ok(saved)
    }
}

/// A comment of the committee on one answer.
pub fn comment(db: &AppDb, edition: i32, question: u32, respondent: u32, body: &str, actor: &Actor<'_>) -> Result<()> {
    committee_only(actor)?;
    if body.trim().is_empty() || body.chars().count() > 5_000 {
        return Err(Error::Invalid("コメントは1〜5,000文字で書いてください".into()));
    }
    in_tx(db, |db| {
        let e = load(db, edition)?.edition;
        let (n, _) = e.question(question).ok_or_else(|| Error::NotFound(format!("質問 {question} はありません")))?;
        let (qi, ri) = (i32::try_from(question).unwrap_or(i32::MAX), i32::try_from(respondent).unwrap_or(i32::MAX));
        db.booklet_add_comment(edition, qi, ri, actor.username, body)?;
        db.audit(Some(actor.username), "booklet_comment", &format!("{edition}/Q{n}/{respondent}"), "", actor.remote)?;
        Ok(())
    })
}

/// The answers a build prints: a published edition's frozen ones; for a draft, the latest
/// text of each, marked with its state unless approved.
pub fn printed(db: &AppDb, stored: &Stored) -> Result<BTreeMap<(u32, u32), Printed>> {
    if stored.published {
        return Ok(stored
            .edition
            .answers
            .iter()
            .map(|a| ((a.question, a.respondent), Printed { text: a.answer.clone(), pending: None }))
            .collect());
    }
    Ok(answers(db, stored.edition.edition)?
        .into_iter()
        .filter(|(_, a)| !a.answer.trim().is_empty())
        .map(|(k, a)| {
            let status = AnswerStatus::of(Some(&a));
            let pending = (status != AnswerStatus::Approved).then(|| status.ja().to_string());
            (k, Printed { text: a.answer, pending })
        })
        .collect())
}

/// Everything a build needs besides the engine.
pub fn inputs(db: &AppDb, stored: &Stored) -> Result<Inputs> {
    let mut previous = BTreeMap::new();
    // Each earlier edition read once, however many questions follow it up.
    let mut earlier: BTreeMap<i32, Option<Edition>> = BTreeMap::new();
    for q in stored.edition.sections.iter().flat_map(|s| &s.questions) {
        let Some(p) = q.previous else { continue };
        let old = earlier.entry(p.edition).or_insert_with(|| load(db, p.edition).ok().map(|s| s.edition));
        if let Some((m, oq)) = old.as_ref().and_then(|e| e.question(p.question)) {
            previous.insert(p, (m, oq.title.clone(), oq.followup));
        }
    }
    Ok(Inputs { answers: printed(db, stored)?, previous, version: stored.version, draft: !stored.published })
}

/// Publishes `edition` as it stands at version `base`: every assigned answer must be
/// approved; their approved texts are frozen into the new, published version, which can no
/// longer change.
pub fn publish(db: &AppDb, edition: i32, base: i64, actor: &Actor<'_>) -> Result<i64> {
    committee_only(actor)?;
    in_tx(db, |db| {
        let current = load(db, edition)?;
        if current.published {
            return Err(Error::Conflict(format!("{edition}年度の冊子は公開済みです（第{}版）", current.version)));
        }
        if current.version != base {
            return Err(Error::Conflict(format!(
                "この冊子は開いた後に {} さんが変更しました（第{}版）。開き直してから公開してください",
                current.changed_by, current.version
            )));
        }
        let answers = answers(db, edition)?;
        let e = &current.edition;
        let mut missing = Vec::new();
        let mut frozen = Vec::new();
        if e.numbered().is_empty() {
            return Err(Error::Invalid("質問が一つもありません".into()));
        }
        for (n, q, r, _) in e.assignments() {
            match answers.get(&(q.id, r.id)) {
                Some(a) if AnswerStatus::of(Some(a)) == AnswerStatus::Approved => frozen.push(FrozenAnswer {
                    question: q.id,
                    respondent: r.id,
                    version: a.version,
                    answer: a.answer.clone(),
                }),
                a => missing.push(format!("【Q{n}】{}（{}）", r.name, AnswerStatus::of(a).ja())),
            }
        }
        if let Some((n, _, _)) = e.numbered().into_iter().find(|(_, _, q)| q.assigned.is_empty()) {
            missing.push(format!("【Q{n}】（回答者が未定）"));
        }
        if !missing.is_empty() {
            return Err(Error::Invalid(format!("承認されていない回答があります: {}", missing.join("、"))));
        }
        let mut e = e.clone();
        e.answers = frozen;
        let v = db.booklet_save(edition, Some(base), "published", &content(&e)?, actor.username, "published", "")?;
        db.audit(
            Some(actor.username),
            "booklet_published",
            &edition.to_string(),
            &format!("version={v}"),
            actor.remote,
        )?;
        Ok(v)
    })
}
