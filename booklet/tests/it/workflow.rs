//! The workflow's rules: who may write which answer, stale versions refused with the
//! current text, publishing only when every answer is approved, a published edition frozen,
//! every change versioned and audited.

use booklet::Error;
use booklet::edition::Followup;
use booklet::workflow::{self, Actor, AnswerAction, AnswerStatus};
use store::AnswerSave;

use crate::support::{app_db, sample};

const COMMITTEE: Actor<'static> = Actor { username: "iinkai", committee: true, remote: "127.0.0.1" };

/// A write of an answer of the 2026 edition.
fn w(question: u32, respondent: u32, base: i64, text: &str, action: AnswerAction) -> workflow::AnswerWrite<'_> {
    workflow::AnswerWrite { edition: 2026, question, respondent, base, text, action }
}

/// Links respondent `id` of 2026 to the account `name`.
fn link(db: &store::AppDb, id: u32, name: &str) {
    let v = workflow::load(db, 2026).expect("2026").version;
    workflow::change(db, 2026, v, &COMMITTEE, "respondent", name, |e| {
        let r = e.respondents.iter_mut().find(|r| r.id == id).expect("respondent");
        r.account = Some(name.to_string());
        Ok(())
    })
    .expect("linked");
}

#[test]
fn a_respondent_writes_only_their_own_answer_while_it_is_theirs() {
    let (_dir, db) = app_db();
    link(&db, 5, "ono");
    link(&db, 3, "ueda");
    let ono = Actor { username: "ono", committee: false, remote: "127.0.0.1" };
    // Q3 is 小野's (respondent 5): draft, then submit.
    let d = workflow::save_answer(&db, &w(3, 5, 0, "下書きです", AnswerAction::Draft), &ono).expect("draft");
    assert!(matches!(d, AnswerSave::Saved(ref r) if r.version == 1 && r.status == "drafted"));
    // Not Q4 (上田's), not as 上田, not an unassigned question, not another edition.
    for (q, r) in [(4, 3), (3, 3), (1, 5)] {
        let e = workflow::save_answer(&db, &w(q, r, 0, "x", AnswerAction::Draft), &ono).expect_err("refused");
        assert!(matches!(e, Error::Forbidden(_) | Error::NotFound(_)), "Q{q}/{r}: {e}");
    }
    let e = workflow::save_answer(
        &db,
        &workflow::AnswerWrite {
            edition: 2025,
            question: 1,
            respondent: 1,
            base: 1,
            text: "x",
            action: AnswerAction::Draft,
        },
        &ono,
    )
    .expect_err("published");
    assert!(matches!(e, Error::Forbidden(_)), "{e}");
    // A respondent cannot approve or send back.
    let e = workflow::save_answer(&db, &w(3, 5, 1, "x", AnswerAction::Approve), &ono).expect_err("approve");
    assert!(matches!(e, Error::Forbidden(_)), "{e}");
    workflow::save_answer(&db, &w(3, 5, 1, "提出します", AnswerAction::Submit), &ono).expect("submit");
    // Submitted: no longer theirs to change, until the committee sends it back.
    let e = workflow::save_answer(&db, &w(3, 5, 2, "やっぱり", AnswerAction::Draft), &ono).expect_err("submitted");
    assert!(matches!(e, Error::Forbidden(_)), "{e}");
    workflow::save_answer(
        &db,
        &w(3, 5, 2, "提出します", AnswerAction::Return("根拠の数字に触れてください".into())),
        &COMMITTEE,
    )
    .expect("returned");
    assert_eq!(db.booklet_comments(2026).expect("comments")[0].body, "根拠の数字に触れてください");
    workflow::save_answer(&db, &w(3, 5, 3, "数字に触れて書き直しました", AnswerAction::Submit), &ono).expect("again");
    let history = db.booklet_answer_history(2026, 3, 5).expect("history");
    let states: Vec<&str> = history.iter().map(|h| h.status.as_str()).collect();
    assert_eq!(states, ["drafted", "submitted", "returned", "submitted"]);
    let audit = db.audit_entries(Some("booklet_answer"), 100).expect("audit");
    assert!(audit.iter().any(|a| a.username.as_deref() == Some("ono") && a.target == "2026/Q3/5"));
}

#[test]
fn two_sessions_editing_one_answer_lose_neither() {
    let (_dir, db) = app_db();
    // Both open 井上's submitted answer to Q1 (version 1).
    let base = workflow::answers(&db, 2026).expect("answers")[&(1, 2)].version;
    let first =
        workflow::save_answer(&db, &w(1, 2, base, "委員長の加筆", AnswerAction::Edit), &COMMITTEE).expect("first");
    assert!(matches!(first, AnswerSave::Saved(_)));
    let other = Actor { username: "fukuiin", ..COMMITTEE };
    let second =
        workflow::save_answer(&db, &w(1, 2, base, "副委員長の修正", AnswerAction::Edit), &other).expect("second");
    let AnswerSave::Conflict(current) = second else { panic!("the second save must be told: {second:?}") };
    assert_eq!((current.answer.as_str(), current.changed_by.as_str()), ("委員長の加筆", "iinkai"));
    // Shown the difference, the second merges and saves on the current version.
    let merged = format!("{}\n副委員長の修正", current.answer);
    let third =
        workflow::save_answer(&db, &w(1, 2, current.version, &merged, AnswerAction::Edit), &other).expect("merged");
    assert!(matches!(third, AnswerSave::Saved(_)));
    let texts: Vec<String> =
        db.booklet_answer_history(2026, 1, 2).expect("history").into_iter().map(|h| h.answer).collect();
    assert!(texts.iter().any(|t| t == "委員長の加筆") && texts.last().is_some_and(|t| t.contains("副委員長の修正")));
}

#[test]
fn a_stale_edit_of_the_edition_is_refused() {
    let (_dir, db) = app_db();
    let v = workflow::load(&db, 2026).expect("2026").version;
    workflow::change(&db, 2026, v, &COMMITTEE, "edited", "title", |e| {
        e.made = "2026年4月".into();
        Ok(())
    })
    .expect("first");
    let e = workflow::change(&db, 2026, v, &COMMITTEE, "edited", "title", |e| {
        e.made = "2026年5月".into();
        Ok(())
    })
    .expect_err("stale");
    assert!(matches!(e, Error::Conflict(_)), "{e}");
    assert_eq!(workflow::load(&db, 2026).expect("2026").edition.made, "2026年4月");
    let respondent = Actor { username: "ono", committee: false, remote: "-" };
    let e = workflow::change(&db, 2026, v + 1, &respondent, "edited", "", |_| Ok(())).expect_err("not committee");
    assert!(matches!(e, Error::Forbidden(_)));
}

#[test]
fn publishing_needs_every_answer_approved_and_freezes_the_edition() {
    let (_dir, db) = app_db();
    let v = workflow::load(&db, 2026).expect("2026").version;
    let e = workflow::publish(&db, 2026, v, &COMMITTEE).expect_err("answers missing");
    assert!(e.to_string().contains("【Q2】") && e.to_string().contains("下書き"), "{e}");
    let stored = workflow::load(&db, 2026).expect("2026");
    for (_, q, r, _) in stored.edition.assignments() {
        let row = workflow::answers(&db, 2026).expect("answers").get(&(q.id, r.id)).cloned();
        if AnswerStatus::of(row.as_ref()) == AnswerStatus::Approved {
            continue;
        }
        let base = row.as_ref().map_or(0, |r| r.version);
        workflow::save_answer(&db, &w(q.id, r.id, base, "回答です", AnswerAction::Approve), &COMMITTEE)
            .expect("approve");
    }
    let published = workflow::publish(&db, 2026, v, &COMMITTEE).expect("published");
    let frozen = workflow::load(&db, 2026).expect("2026");
    assert!(frozen.published && frozen.version == published);
    assert_eq!(frozen.edition.answers.len(), stored.edition.assignments().len());
    assert!(workflow::change(&db, 2026, published, &COMMITTEE, "edited", "", |_| Ok(())).is_err(), "frozen");
    let e = workflow::save_answer(&db, &w(1, 1, 2, "後から", AnswerAction::Edit), &COMMITTEE).expect_err("frozen");
    assert!(matches!(e, Error::Forbidden(_)));
    workflow::set_followup(&db, 2026, 5, Followup::Done, &COMMITTEE).expect("follow-up still recorded");
    assert_eq!(workflow::for_build(&db, 2026).expect("build").version, published, "builds use the published version");
    let audit = db.audit_entries(Some("booklet_published"), 10).expect("audit");
    assert!(audit.iter().any(|a| a.target == "2026"));
}

#[test]
fn next_years_edition_copies_the_structure_and_follows_each_question_up() {
    let (_dir, db) = app_db();
    let as_of = chrono::NaiveDate::from_ymd_opt(2027, 3, 31).expect("date");
    workflow::copy(&db, 2026, 2027, 2026, as_of, sample().at_load, &COMMITTEE).expect("copied");
    let e = workflow::load(&db, 2027).expect("2027").edition;
    assert_eq!(e.numbered().len(), 5);
    assert!(e.numbered().iter().all(|(_, _, q)| q.previous.is_some_and(|p| p.edition == 2026 && p.question == q.id)));
    assert!(workflow::answers(&db, 2027).expect("answers").is_empty());
    assert!(workflow::copy(&db, 2026, 2025, 2024, as_of, 1, &COMMITTEE).is_err(), "backwards");
}
