//! A workbook in: a new edition from every sheet, or the answers of 回答 into an existing
//! edition, all or nothing.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;
use store::{AnswerSave, AppDb};

use super::read::{Book, Sheet};
use super::sheets::{ANSWERS, EDITION, EVIDENCE, FOREWORDS, NOTICES, QUESTIONS, RESPONDENTS, ROSTER, SECTIONS};
use crate::edition::{
    Assignment, Edition, Evidence, Followup, Foreword, Notice, Question, QuestionRef, Respondent, RosterMember, Section,
};
use crate::error::{Error, Result};
use crate::workflow::{self, Actor, AnswerAction, AnswerStatus};

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    pub edition: i32,
    /// The edition was created from the workbook.
    pub created: bool,
    /// Answers written.
    pub answers: usize,
    /// Answer rows left as they were (empty, or the same text).
    pub unchanged: usize,
}

/// Imports a workbook (see the module's doc). `expect` is the edition the user means (the
/// page they are on, `--edition`); a workbook of another is refused.
pub fn import(db: &AppDb, path: &Path, bytes: &[u8], expect: Option<i32>, actor: &Actor<'_>) -> Result<Imported> {
    let book = Book::read(path, bytes)?;
    let meta = book.sheet(EDITION).ok_or_else(|| Error::Invalid(format!("シート「{EDITION}」がありません")))?;
    let setting = |key: &str| -> Option<(usize, String)> {
        meta.rows.iter().find(|(_, r)| meta.get(r, "項目") == key).map(|(l, r)| (*l, meta.get(r, "値").to_string()))
    };
    let (line, year) =
        setting("年度").ok_or_else(|| Error::Invalid(format!("シート「{EDITION}」に「年度」の行がありません")))?;
    let edition: i32 = year.parse().map_err(|_| meta.bad(line, "値", &year, "年度は整数で書いてください"))?;
    if let Some(want) = expect.filter(|w| *w != edition) {
        return Err(meta.bad(line, "値", &year, &format!("この冊子は {want} 年度です（別の年度の冊子のファイル）")));
    }
    workflow::in_tx(db, |db| match db.booklet_latest(edition)? {
        None => {
            let e = structure(&book, edition, &setting)?;
            workflow::create_in(db, &e, actor, "imported")?;
            let (answers, unchanged) = apply_answers(db, &book, &e, actor, true)?;
            Ok(Imported { edition, created: true, answers, unchanged })
        }
        Some(_) => {
            let stored = workflow::load(db, edition)?;
            let (answers, unchanged) = apply_answers(db, &book, &stored.edition, actor, false)?;
            db.audit(
                Some(actor.username),
                "booklet_imported",
                &edition.to_string(),
                &format!("answers={answers} unchanged={unchanged}"),
                actor.remote,
            )?;
            Ok(Imported { edition, created: false, answers, unchanged })
        }
    })
}

type Setting<'a> = dyn Fn(&str) -> Option<(usize, String)> + 'a;

/// A new edition from every sheet of the workbook.
fn structure(book: &Book, edition: i32, setting: &Setting<'_>) -> Result<Edition> {
    let meta = book.sheet(EDITION).ok_or_else(|| Error::Invalid(format!("シート「{EDITION}」がありません")))?;
    let need = |key: &str| -> Result<(usize, String)> {
        setting(key).filter(|(_, v)| !v.is_empty()).ok_or_else(|| {
            Error::Invalid(format!("シート「{EDITION}」に「{key}」の値がありません（新しい冊子の取り込みに必要です）"))
        })
    };
    let (l, v) = need("アンケート年度")?;
    let survey_year: i32 = v.parse().map_err(|_| meta.bad(l, "値", &v, "年度は整数で書いてください"))?;
    let (l, v) = need("基準日")?;
    let as_of =
        NaiveDate::parse_from_str(&v, "%Y-%m-%d").map_err(|_| meta.bad(l, "値", &v, "YYYY-MM-DD で書いてください"))?;
    let (l, v) = need("ロード")?;
    let at_load: i64 = v.parse().map_err(|_| meta.bad(l, "値", &v, "ロード番号（整数）を書いてください"))?;
    let mut e = Edition::new(edition, survey_year, as_of, at_load);
    let text = |key: &str| setting(key).map(|(_, v)| v).unwrap_or_default();
    for (key, slot) in [
        ("表題", &mut e.title),
        ("副題", &mut e.subtitle),
        ("作成日", &mut e.made),
        ("作成者", &mut e.author),
        ("名簿の題", &mut e.roster_title),
    ] {
        let v = text(key);
        if !v.is_empty() {
            *slot = v;
        }
    }
    if let Some(s) = book.sheet(FOREWORDS) {
        for (_, r) in &s.rows {
            e.forewords.push(Foreword { heading: s.get(r, "見出し").into(), body: s.get(r, "本文").into() });
        }
    }
    let s = book.sheet(SECTIONS).ok_or_else(|| Error::Invalid(format!("シート「{SECTIONS}」がありません")))?;
    for (l, r) in &s.rows {
        e.sections
            .push(Section { id: s.int(*l, r, "章ID")?, title: s.get(r, "章の題").into(), questions: Vec::new() });
    }
    if let Some(s) = book.sheet(RESPONDENTS) {
        for (l, r) in &s.rows {
            let account = s.get(r, "アカウント");
            e.respondents.push(Respondent {
                id: s.int(*l, r, "回答者ID")?,
                name: s.get(r, "氏名").into(),
                title: s.get(r, "役職").into(),
                committee: s.get(r, "委員会").into(),
                account: (!account.is_empty()).then(|| account.to_string()),
            });
        }
    }
    let s = book.sheet(QUESTIONS).ok_or_else(|| Error::Invalid(format!("シート「{QUESTIONS}」がありません")))?;
    for (l, r) in &s.rows {
        let section = s.int(*l, r, "章ID")?;
        let followup = match s.get(r, "経過") {
            "" => Followup::Open,
            v => Followup::parse(v)
                .ok_or_else(|| s.bad(*l, "経過", v, "未回答・回答済み・対応を約束・対応済みのどれか"))?,
        };
        let previous = match (s.opt_int(*l, r, "前回の年度")?, s.opt_int(*l, r, "前回の質問ID")?) {
            (Some(y), Some(q)) => Some(QuestionRef { edition: i32::try_from(y).unwrap_or(i32::MAX), question: q }),
            (None, None) => None,
            _ => {
                return Err(s.bad(
                    *l,
                    "前回の質問ID",
                    s.get(r, "前回の質問ID"),
                    "前回の年度と質問IDは両方書いてください",
                ));
            }
        };
        let q = Question {
            id: s.int(*l, r, "質問ID")?,
            title: s.get(r, "題").into(),
            body: s.get(r, "質問文").into(),
            evidence: Vec::new(),
            assigned: Vec::new(),
            previous,
            followup,
        };
        let target = e.sections.iter_mut().find(|x| x.id == section);
        target
            .ok_or_else(|| s.bad(*l, "章ID", &section.to_string(), "その章はシート「章」にありません"))?
            .questions
            .push(q);
    }
    if let Some(s) = book.sheet(EVIDENCE) {
        for (l, r) in &s.rows {
            let id = s.int(*l, r, "質問ID")?;
            let ev = match s.get(r, "種類") {
                "指標" => Evidence::Metric {
                    metric: s.get(r, "指標").into(),
                    by: s.get(r, "区分").into(),
                    params: params(s, *l, s.get(r, "パラメータ"))?,
                    caption: s.get(r, "見出し").into(),
                },
                "引用" => Evidence::Quote { text: s.get(r, "引用").into(), source: s.get(r, "出典").into() },
                v => return Err(s.bad(*l, "種類", v, "「指標」か「引用」を書いてください")),
            };
            crate::evidence::check(&ev).map_err(|m| s.bad(*l, "指標", s.get(r, "指標"), &m))?;
            e.question_mut(id)
                .ok_or_else(|| s.bad(*l, "質問ID", &id.to_string(), "その質問はシート「質問」にありません"))?
                .evidence
                .push(ev);
        }
    }
    if let Some(s) = book.sheet(ANSWERS) {
        for (l, r) in &s.rows {
            let (qid, rid) = (s.int(*l, r, "質問ID")?, s.int(*l, r, "回答者ID")?);
            if e.respondent(rid).is_none() {
                return Err(s.bad(*l, "回答者ID", &rid.to_string(), "その回答者はシート「回答者」にいません"));
            }
            let due = s.opt_date(*l, r, "期限")?;
            let q = e
                .question_mut(qid)
                .ok_or_else(|| s.bad(*l, "質問ID", &qid.to_string(), "その質問はシート「質問」にありません"))?;
            q.assigned.push(Assignment { respondent: rid, due });
        }
    }
    if let Some(s) = book.sheet(NOTICES) {
        for (l, r) in &s.rows {
            e.notices.push(Notice {
                id: s.int(*l, r, "お知らせID")?,
                title: s.get(r, "題").into(),
                body: s.get(r, "本文").into(),
                after: s.opt_int(*l, r, "後に置く質問ID")?,
            });
        }
    }
    if let Some(s) = book.sheet(ROSTER) {
        for (_, r) in &s.rows {
            e.roster.push(RosterMember {
                role: s.get(r, "役").into(),
                name: s.get(r, "氏名").into(),
                affiliation: s.get(r, "所属").into(),
            });
        }
    }
    e.check()?;
    Ok(e)
}

/// `question=Q03; fiscal_year=2025`
fn params(s: &Sheet, line: usize, text: &str) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for part in text.split([';', '；']).map(str::trim).filter(|p| !p.is_empty()) {
        let (k, v) = part
            .split_once('=')
            .ok_or_else(|| s.bad(line, "パラメータ", text, "「名前=値; 名前=値」の形で書いてください"))?;
        out.insert(k.trim().to_string(), v.trim().to_string());
    }
    Ok(out)
}

/// Writes the answers of 回答: (written, unchanged). For a new edition (`fresh`) they take
/// the state the row names; for an existing one they are entered as submitted for their
/// respondent, after every check has passed for every row.
fn apply_answers(db: &AppDb, book: &Book, e: &Edition, actor: &Actor<'_>, fresh: bool) -> Result<(usize, usize)> {
    let Some(s) = book.sheet(ANSWERS) else { return Ok((0, 0)) };
    let current = workflow::answers(db, e.edition)?;
    let mut todo = Vec::new();
    let mut unchanged = 0;
    for (l, r) in &s.rows {
        let (qid, rid) = (s.int(*l, r, "質問ID")?, s.int(*l, r, "回答者ID")?);
        let (n, q) =
            e.question(qid).ok_or_else(|| s.bad(*l, "質問ID", &qid.to_string(), "この冊子にその質問はありません"))?;
        let respondent = e
            .respondent(rid)
            .ok_or_else(|| s.bad(*l, "回答者ID", &rid.to_string(), "この冊子にその回答者はいません"))?;
        if !q.assigned.iter().any(|a| a.respondent == rid) {
            return Err(s.bad(
                *l,
                "回答者ID",
                &rid.to_string(),
                &format!("【Q{n}】は {} さんに割り当てられていません", respondent.name),
            ));
        }
        let body = s.get(r, "質問文");
        if body != q.body.trim() {
            return Err(s.bad(
                *l,
                "質問文",
                &short(body),
                &format!("【Q{n}】の質問文が書き出した後に変わっています。新しいファイルを書き出してください"),
            ));
        }
        let answer = s.get(r, "回答");
        let row = current.get(&(qid, rid));
        if answer.is_empty() || row.is_some_and(|c| c.answer.trim() == answer) {
            unchanged += 1;
            continue;
        }
        let base = row.map_or(0, |c| c.version);
        let exported = s.get(r, "版");
        if !fresh && !exported.is_empty() && exported != base.to_string() {
            return Err(s.bad(
                *l,
                "版",
                exported,
                &format!("【Q{n}】{} さんの回答は書き出した後に変わっています（第{base}版）。新しいファイルを書き出してください", respondent.name),
            ));
        }
        let status = match s.get(r, "状態") {
            v if fresh && !v.is_empty() => AnswerStatus::parse(v)
                .ok_or_else(|| s.bad(*l, "状態", v, "下書き・提出済み・差し戻し・承認済みのどれか"))?,
            _ => AnswerStatus::Submitted,
        };
        todo.push((qid, rid, base, answer.to_string(), status));
    }
    let written = todo.len();
    for (qid, rid, base, answer, status) in todo {
        let action = match status {
            AnswerStatus::Assigned | AnswerStatus::Drafted => AnswerAction::Draft,
            AnswerStatus::Submitted => AnswerAction::Submit,
            AnswerStatus::Returned => AnswerAction::Return(String::new()),
            AnswerStatus::Approved => AnswerAction::Approve,
        };
        match workflow::answer_in(
            db,
            &workflow::AnswerWrite { edition: e.edition, question: qid, respondent: rid, base, text: &answer, action },
            actor,
        )? {
            AnswerSave::Saved(_) => {}
            AnswerSave::Conflict(c) => {
                return Err(Error::Conflict(format!(
                    "質問 {qid} の回答が取り込み中に変わりました（第{}版）",
                    c.version
                )));
            }
        }
    }
    Ok((written, unchanged))
}

fn short(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}
