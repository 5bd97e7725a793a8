//! The workbook the office exchanges: a whole edition (to start one from a file, or to
//! keep), or one respondent's questions (to fill in and send back). Sheets and columns are
//! data ([`SHEETS`]); `docs/booklet.md` lists them and a test keeps the two together.
//!
//! Importing a workbook whose edition is new creates it from every sheet. Importing one
//! whose edition exists takes only the answers of 回答: each row must name a question and a
//! respondent it is assigned to, with the question text unchanged since the export and the
//! answer not changed since either; any bad row refuses the whole file, naming the sheet,
//! row, column and value, and nothing is written.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::Path;

use calamine::{Reader, Xlsx};
use chrono::NaiveDate;
use rust_xlsxwriter::{Format, Workbook};
use store::{AnswerSave, AppDb};

use crate::edition::{
    Assignment, Edition, Evidence, Followup, Foreword, Notice, Question, QuestionRef, Respondent, RosterMember, Section,
};
use crate::error::{Error, Result};
use crate::workflow::{self, Actor, AnswerAction, AnswerStatus};

/// A sheet of the workbook: its name, what it holds and its columns (name, what it is).
#[derive(Debug)]
pub struct SheetDef {
    pub name: &'static str,
    pub about: &'static str,
    pub columns: &'static [(&'static str, &'static str)],
}

pub const EDITION: &str = "冊子";
pub const FOREWORDS: &str = "はじめに";
pub const SECTIONS: &str = "章";
pub const QUESTIONS: &str = "質問";
pub const EVIDENCE: &str = "根拠";
pub const RESPONDENTS: &str = "回答者";
pub const ANSWERS: &str = "回答";
pub const NOTICES: &str = "お知らせ";
pub const ROSTER: &str = "委員名簿";

/// Every sheet, in the workbook's order.
pub const SHEETS: &[SheetDef] = &[
    SheetDef {
        name: EDITION,
        about: "冊子の設定。1 行に 1 項目（項目・値）",
        columns: &[
            ("項目", "年度・表題・副題・作成日・作成者・アンケート年度・基準日・ロード・名簿の題・版"),
            ("値", "その値"),
        ],
    },
    SheetDef {
        name: FOREWORDS,
        about: "はじめにの各節（行の順）",
        columns: &[("見出し", "<理事長 より> など"), ("本文", "{{survey.rate}} などの差し込み可")],
    },
    SheetDef {
        name: SECTIONS, about: "章（行の順）", columns: &[("章ID", "整数"), ("章の題", "学会活動全般 など")]
    },
    SheetDef {
        name: QUESTIONS,
        about: "質問（行の順に【Q1】…と番号がつく）",
        columns: &[
            ("質問ID", "整数、冊子の中で一意"),
            ("章ID", "章の章ID"),
            ("番号", "書き出し時の【Qn】（取り込みでは読まない）"),
            ("題", "JSMO 全般の活動について など"),
            ("質問文", "本文"),
            ("前回の年度", "前の冊子の質問の続きなら、その年度"),
            ("前回の質問ID", "その冊子での質問ID"),
            ("経過", "未回答・回答済み・対応を約束・対応済み"),
        ],
    },
    SheetDef {
        name: EVIDENCE,
        about: "質問の根拠（行の順）",
        columns: &[
            ("質問ID", "質問の質問ID"),
            ("種類", "指標 または 引用"),
            ("指標", "survey.answers など（指標のとき）"),
            ("区分", "by（指標のとき、空でよい）"),
            ("パラメータ", "question=Q03; fiscal_year=2025"),
            ("見出し", "表・図の見出し（空なら指標の名前）"),
            ("引用", "自由記述の引用（引用のとき）"),
            ("出典", "2025年度 Q12「オンライン配信」など"),
        ],
    },
    SheetDef {
        name: RESPONDENTS,
        about: "回答者",
        columns: &[
            ("回答者ID", "整数"),
            ("氏名", "鶴谷 純司 など"),
            ("役職", "会員委員長 など"),
            ("委員会", "回答者一覧でまとめる単位"),
            ("アカウント", "ダッシュボードで回答する人のアカウント名（メールで回答する人は空）"),
        ],
    },
    SheetDef {
        name: ANSWERS,
        about: "割り当てと回答（1 行に 1 人の 1 問）",
        columns: &[
            ("質問ID", "質問の質問ID"),
            ("番号", "【Qn】（読まない）"),
            ("題", "質問の題（読まない）"),
            ("質問文", "書き出し時の質問文。変わっていたら取り込みは断られます"),
            ("回答者ID", "回答者の回答者ID"),
            ("回答者", "氏名（読まない）"),
            ("期限", "YYYY-MM-DD"),
            ("状態", "書き出し時の状態（新しい冊子の取り込みでは、その状態で入る）"),
            ("版", "書き出し時の回答の版。その後に回答が変わっていたら取り込みは断られます"),
            ("回答", "回答の本文（空の行は取り込まない）"),
        ],
    },
    SheetDef {
        name: NOTICES,
        about: "【重要なお知らせ】",
        columns: &[
            ("お知らせID", "整数"),
            ("題", "見出し"),
            ("本文", "本文"),
            ("後に置く質問ID", "空なら最後の章の後"),
        ],
    },
    SheetDef {
        name: ROSTER,
        about: "会員委員会の名簿（行の順）",
        columns: &[("役", "委員長 など"), ("氏名", ""), ("所属", "")],
    },
];

fn columns(sheet: &str) -> Vec<&'static str> {
    SHEETS.iter().find(|s| s.name == sheet).map(|s| s.columns.iter().map(|c| c.0).collect()).unwrap_or_default()
}

fn xlsx_err(e: rust_xlsxwriter::XlsxError) -> Error {
    Error::Invalid(format!("XLSX を書けません: {e}"))
}

/// The workbook of `edition` as stored (answers as they stand), or only `respondent`'s
/// questions and answers. Dated by the edition's date, not the clock: the same content
/// gives the same bytes.
pub fn export(db: &AppDb, edition: i32, respondent: Option<u32>) -> Result<Vec<u8>> {
    let stored = workflow::load(db, edition)?;
    let e = &stored.edition;
    if let Some(r) = respondent
        && e.respondent(r).is_none()
    {
        return Err(Error::NotFound(format!("回答者 {r} はこの冊子にいません")));
    }
    let answers = workflow::answers(db, edition)?;
    let mut wb: Workbook = reports::export::workbook(Some(e.as_of))?;
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    let mut sheet = |name: &str, rows: Vec<Vec<String>>| -> Result<()> {
        let ws = wb.add_worksheet();
        ws.set_name(name).map_err(xlsx_err)?;
        for (c, h) in columns(name).iter().enumerate() {
            let c = u16::try_from(c).unwrap_or(u16::MAX);
            ws.write_string_with_format(0, c, *h, &bold).map_err(xlsx_err)?;
            ws.set_column_width(c, if h.contains('文') || *h == "回答" || *h == "値" { 60 } else { 14 })
                .map_err(xlsx_err)?;
        }
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                let (r, c) = (u32::try_from(r + 1).unwrap_or(u32::MAX), u16::try_from(c).unwrap_or(u16::MAX));
                ws.write_string_with_format(r, c, v, &wrap).map_err(xlsx_err)?;
            }
        }
        ws.set_freeze_panes(1, 0).map_err(xlsx_err)?;
        Ok(())
    };
    sheet(
        EDITION,
        vec![
            vec!["年度".into(), e.edition.to_string()],
            vec!["表題".into(), e.title.clone()],
            vec!["副題".into(), e.subtitle.clone()],
            vec!["作成日".into(), e.made.clone()],
            vec!["作成者".into(), e.author.clone()],
            vec!["アンケート年度".into(), e.survey_year.to_string()],
            vec!["基準日".into(), e.as_of.to_string()],
            vec!["ロード".into(), e.at_load.to_string()],
            vec!["名簿の題".into(), e.roster_title.clone()],
            vec!["版".into(), stored.version.to_string()],
        ],
    )?;
    let mine = |q: &Question| respondent.is_none_or(|r| q.assigned.iter().any(|a| a.respondent == r));
    if respondent.is_none() {
        sheet(FOREWORDS, e.forewords.iter().map(|f| vec![f.heading.clone(), f.body.clone()]).collect())?;
        sheet(SECTIONS, e.sections.iter().map(|s| vec![s.id.to_string(), s.title.clone()]).collect())?;
    }
    let numbered = e.numbered();
    sheet(
        QUESTIONS,
        numbered
            .iter()
            .filter(|(_, _, q)| mine(q))
            .map(|(n, s, q)| {
                vec![
                    q.id.to_string(),
                    s.id.to_string(),
                    format!("Q{n}"),
                    q.title.clone(),
                    q.body.clone(),
                    q.previous.map(|p| p.edition.to_string()).unwrap_or_default(),
                    q.previous.map(|p| p.question.to_string()).unwrap_or_default(),
                    q.followup.ja().to_string(),
                ]
            })
            .collect(),
    )?;
    sheet(
        EVIDENCE,
        numbered
            .iter()
            .filter(|(_, _, q)| mine(q))
            .flat_map(|(_, _, q)| q.evidence.iter().map(move |ev| evidence_row(q.id, ev)))
            .collect(),
    )?;
    sheet(
        RESPONDENTS,
        e.respondents
            .iter()
            .filter(|r| respondent.is_none_or(|id| id == r.id))
            .map(|r| {
                vec![
                    r.id.to_string(),
                    r.name.clone(),
                    r.title.clone(),
                    r.committee.clone(),
                    r.account.clone().unwrap_or_default(),
                ]
            })
            .collect(),
    )?;
    sheet(
        ANSWERS,
        e.assignments()
            .into_iter()
            .filter(|(_, _, r, _)| respondent.is_none_or(|id| id == r.id))
            .map(|(n, q, r, a)| {
                let row = answers.get(&(q.id, r.id));
                vec![
                    q.id.to_string(),
                    format!("Q{n}"),
                    q.title.clone(),
                    q.body.clone(),
                    r.id.to_string(),
                    r.name.clone(),
                    a.due.map(|d| d.to_string()).unwrap_or_default(),
                    AnswerStatus::of(row).ja().to_string(),
                    row.map_or(0, |r| r.version).to_string(),
                    row.map(|r| r.answer.clone()).unwrap_or_default(),
                ]
            })
            .collect(),
    )?;
    if respondent.is_none() {
        sheet(
            NOTICES,
            e.notices
                .iter()
                .map(|n| {
                    vec![
                        n.id.to_string(),
                        n.title.clone(),
                        n.body.clone(),
                        n.after.map(|q| q.to_string()).unwrap_or_default(),
                    ]
                })
                .collect(),
        )?;
        sheet(ROSTER, e.roster.iter().map(|m| vec![m.role.clone(), m.name.clone(), m.affiliation.clone()]).collect())?;
    }
    wb.save_to_buffer().map_err(xlsx_err)
}

fn evidence_row(question: u32, ev: &Evidence) -> Vec<String> {
    match ev {
        Evidence::Metric { metric, by, params, caption } => vec![
            question.to_string(),
            "指標".into(),
            metric.clone(),
            by.clone(),
            params.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; "),
            caption.clone(),
            String::new(),
            String::new(),
        ],
        Evidence::Quote { text, source } => vec![
            question.to_string(),
            "引用".into(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            text.clone(),
            source.clone(),
        ],
    }
}

/// One sheet read: its rows by column name, each with its row number as Excel shows it.
struct Sheet {
    name: &'static str,
    header: Vec<String>,
    rows: Vec<(usize, Vec<String>)>,
}

impl Sheet {
    fn col(&self, column: &str) -> Option<usize> {
        self.header.iter().position(|h| h.trim() == column)
    }

    /// The cell of `row` in `column` (empty when the column is absent).
    fn get<'a>(&self, row: &'a [String], column: &str) -> &'a str {
        self.col(column).and_then(|i| row.get(i)).map_or("", |s| s.trim())
    }

    fn bad(&self, line: usize, column: &str, value: &str, why: &str) -> Error {
        Error::Invalid(format!("シート「{}」{line} 行目「{column}」列の「{value}」: {why}", self.name))
    }

    fn int(&self, line: usize, row: &[String], column: &str) -> Result<u32> {
        let v = self.get(row, column);
        v.parse().map_err(|_| self.bad(line, column, v, "整数（1 以上）を書いてください"))
    }

    fn opt_int(&self, line: usize, row: &[String], column: &str) -> Result<Option<u32>> {
        if self.get(row, column).is_empty() { Ok(None) } else { self.int(line, row, column).map(Some) }
    }

    fn opt_date(&self, line: usize, row: &[String], column: &str) -> Result<Option<NaiveDate>> {
        let v = self.get(row, column);
        if v.is_empty() {
            return Ok(None);
        }
        NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| self.bad(line, column, v, "日付は YYYY-MM-DD で書いてください"))
    }
}

/// The sheets of a workbook, guarded against zip bombs before calamine reads anything.
struct Book {
    sheets: BTreeMap<String, Sheet>,
}

impl Book {
    fn read(path: &Path, bytes: &[u8]) -> Result<Book> {
        let file_err = |message: String| Error::File { path: path.to_path_buf(), message };
        ingest::xlsx::check_zip(path, bytes).map_err(|e| file_err(e.to_string()))?;
        let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes))
            .map_err(|e| file_err(format!("Excel ブックとして読めません: {e}")))?;
        let mut sheets = BTreeMap::new();
        for def in SHEETS {
            let Ok(range) = wb.worksheet_range(def.name) else { continue };
            let mut rows = range
                .rows()
                .enumerate()
                .map(|(i, r)| (i + 1, r.iter().map(ingest::xlsx::cell_text).collect::<Vec<_>>()));
            let header = rows.next().map(|(_, h)| h).unwrap_or_default();
            let rows = rows.filter(|(_, r)| r.iter().any(|c| !c.trim().is_empty())).collect();
            let sheet = Sheet { name: def.name, header, rows };
            for c in def.columns {
                if sheet.col(c.0).is_none() && required(def.name, c.0) {
                    return Err(Error::Invalid(format!("シート「{}」に「{}」列がありません", def.name, c.0)));
                }
            }
            sheets.insert(def.name.to_string(), sheet);
        }
        Ok(Book { sheets })
    }

    fn sheet(&self, name: &str) -> Option<&Sheet> {
        self.sheets.get(name)
    }
}

/// Columns a sheet must have when it is present.
fn required(sheet: &str, column: &str) -> bool {
    matches!(
        (sheet, column),
        (EDITION, "項目" | "値")
            | (SECTIONS, "章ID" | "章の題")
            | (QUESTIONS, "質問ID" | "章ID" | "題" | "質問文")
            | (EVIDENCE, "質問ID" | "種類")
            | (RESPONDENTS, "回答者ID" | "氏名")
            | (ANSWERS, "質問ID" | "質問文" | "回答者ID" | "回答")
            | (NOTICES, "お知らせID" | "題" | "本文")
            | (ROSTER, "氏名")
    )
}

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
        match workflow::answer_in(db, e.edition, qid, rid, base, &answer, action, actor)? {
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
