//! The workbook: a whole edition round-trips; a respondent's filled-in questions come back;
//! a workbook of another edition, naming an unknown question or respondent, with a changed
//! question text or an answer changed since the export is refused, the row named and
//! nothing changed.

use std::io::Cursor;
use std::path::Path;

use booklet::workflow::{self, Actor};
use booklet::xlsx;
use calamine::{Reader, Xlsx};

use crate::support::app_db;

const COMMITTEE: Actor<'static> = Actor { username: "office", committee: true, remote: "cli" };

type Sheets = Vec<(String, Vec<Vec<String>>)>;
/// A refusal case: what it is, how it spoils the workbook, the edition meant, what the message names.
type Case = (&'static str, Box<dyn Fn(&mut Sheets)>, Option<i32>, &'static [&'static str]);

fn read(bytes: &[u8]) -> Sheets {
    let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec())).expect("workbook");
    let names = wb.sheet_names();
    names
        .into_iter()
        .map(|n| {
            let range = wb.worksheet_range(&n).expect("sheet");
            let rows = range.rows().map(|r| r.iter().map(ingest::xlsx::cell_text).collect()).collect();
            (n, rows)
        })
        .collect()
}

fn write(sheets: &Sheets) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    for (name, rows) in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(name).expect("name");
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                ws.write_string(r as u32, c as u16, v).expect("cell");
            }
        }
    }
    wb.save_to_buffer().expect("bytes")
}

/// Sets the cell of `sheet` in the data row whose `key` column is `key_value`.
fn set(sheets: &mut Sheets, sheet: &str, key: (&str, &str), column: &str, value: &str) {
    let (_, rows) = sheets.iter_mut().find(|(n, _)| n == sheet).expect("sheet");
    let header = rows[0].clone();
    let k = header.iter().position(|h| h == key.0).expect("key column");
    let c = header.iter().position(|h| h == column).expect("column");
    let row = rows.iter_mut().skip(1).find(|r| r[k] == key.1).expect("row");
    row[c] = value.to_string();
}

fn answers_and_version(db: &store::AppDb) -> (String, i64) {
    (format!("{:?}", workflow::answers(db, 2026).expect("answers")), workflow::load(db, 2026).expect("2026").version)
}

#[test]
fn a_whole_edition_round_trips_through_its_workbook() {
    let (_dir, db) = app_db();
    let bytes = xlsx::export(&db, 2026, None).expect("export");
    assert_eq!(bytes, xlsx::export(&db, 2026, None).expect("again"), "the same content gives the same bytes");
    let dir = tempfile::tempdir().expect("tempdir");
    let fresh = store::AppDb::open(&dir.path().join("app.duckdb")).expect("fresh");
    let done = xlsx::import(&fresh, Path::new("2026.xlsx"), &bytes, None, &COMMITTEE).expect("import");
    assert!(done.created);
    let (a, b) = (workflow::load(&db, 2026).expect("a").edition, workflow::load(&fresh, 2026).expect("b").edition);
    assert_eq!(a, b, "the edition comes back whole");
    let texts = |db: &store::AppDb| -> Vec<(u32, u32, String, String)> {
        workflow::answers(db, 2026).expect("answers").into_iter().map(|(k, r)| (k.0, k.1, r.answer, r.status)).collect()
    };
    assert_eq!(texts(&db), texts(&fresh), "answers with their states");
}

#[test]
fn a_respondents_filled_in_questions_come_back_as_submitted() {
    let (_dir, db) = app_db();
    let bytes = xlsx::export(&db, 2026, Some(5)).expect("export for 小野");
    let mut sheets = read(&bytes);
    let questions = &sheets.iter().find(|(n, _)| n == xlsx::QUESTIONS).expect("questions").1;
    assert_eq!(questions.len(), 2, "only the one question of respondent 5: {questions:?}");
    set(&mut sheets, xlsx::ANSWERS, ("質問ID", "3"), "回答", "オンライン配信は続けます。");
    let done = xlsx::import(&db, Path::new("ono.xlsx"), &write(&sheets), Some(2026), &COMMITTEE).expect("import");
    assert_eq!((done.created, done.answers), (false, 1));
    let row = workflow::answers(&db, 2026).expect("answers")[&(3, 5)].clone();
    assert_eq!(
        (row.answer.as_str(), row.status.as_str(), row.changed_by.as_str()),
        ("オンライン配信は続けます。", "submitted", "office")
    );
    assert!(db.audit_entries(Some("booklet_imported"), 5).expect("audit").iter().any(|a| a.target == "2026"));
}

#[test]
fn a_bad_workbook_is_refused_with_its_row_named_and_nothing_changed() {
    let (_dir, db) = app_db();
    let bytes = xlsx::export(&db, 2026, None).expect("export");
    let before = answers_and_version(&db);
    let cases: Vec<Case> = vec![
        ("another edition", Box::new(|_| {}), Some(2025), &["冊子", "年度", "2026"]),
        (
            "an unknown question",
            Box::new(|s| set(s, xlsx::ANSWERS, ("質問ID", "3"), "質問ID", "99")),
            None,
            &["回答", "質問ID", "99"],
        ),
        (
            "an unknown respondent",
            Box::new(|s| {
                set(s, xlsx::ANSWERS, ("質問ID", "3"), "回答", "回答");
                set(s, xlsx::ANSWERS, ("質問ID", "3"), "回答者ID", "42");
            }),
            None,
            &["回答", "回答者ID", "42"],
        ),
        (
            "a changed question text",
            Box::new(|s| {
                set(s, xlsx::ANSWERS, ("質問ID", "3"), "回答", "回答");
                set(s, xlsx::ANSWERS, ("質問ID", "3"), "質問文", "書き換えた質問");
            }),
            None,
            &["回答", "質問文", "書き換えた質問", "【Q3】"],
        ),
    ];
    for (what, edit, expect, needles) in cases {
        let mut sheets = read(&bytes);
        // A good row first: it must not be written when a later row is bad.
        set(&mut sheets, xlsx::ANSWERS, ("質問ID", "4"), "回答", "受験の支援を広げます。");
        edit(&mut sheets);
        let e = xlsx::import(&db, Path::new("bad.xlsx"), &write(&sheets), expect, &COMMITTEE).expect_err(what);
        let msg = e.to_string();
        for n in needles {
            assert!(msg.contains(n), "{what}: 「{n}」 not in: {msg}");
        }
        if expect.is_none() {
            assert!(msg.contains("行目"), "{what}: the row is named: {msg}");
        }
        assert_eq!(answers_and_version(&db), before, "{what}: nothing changed");
    }
}

#[test]
fn an_answer_changed_since_the_export_is_not_overwritten() {
    let (_dir, db) = app_db();
    let bytes = xlsx::export(&db, 2026, Some(4)).expect("export for 江口");
    let base = workflow::answers(&db, 2026).expect("answers")[&(2, 4)].version;
    workflow::save_answer(
        &db,
        &workflow::AnswerWrite {
            edition: 2026,
            question: 2,
            respondent: 4,
            base,
            text: "ブラウザで書き直した",
            action: workflow::AnswerAction::Edit,
        },
        &COMMITTEE,
    )
    .expect("edit");
    let mut sheets = read(&bytes);
    set(&mut sheets, xlsx::ANSWERS, ("質問ID", "2"), "回答", "メールで届いた回答");
    let e = xlsx::import(&db, Path::new("eguchi.xlsx"), &write(&sheets), Some(2026), &COMMITTEE).expect_err("stale");
    assert!(e.to_string().contains("版"), "{e}");
    assert_eq!(workflow::answers(&db, 2026).expect("answers")[&(2, 4)].answer, "ブラウザで書き直した");
}

#[test]
fn a_zip_bomb_named_xlsx_is_refused_before_it_is_read() {
    let (_dir, db) = app_db();
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file("xl/workbook.xml", zip::write::SimpleFileOptions::default()).expect("entry");
    std::io::Write::write_all(&mut zip, &vec![b'a'; 300 << 20]).expect("write");
    let bytes = zip.finish().expect("zip").into_inner();
    let e = xlsx::import(&db, Path::new("bomb.xlsx"), &bytes, None, &COMMITTEE).expect_err("bomb");
    assert!(e.to_string().contains("bomb.xlsx"), "{e}");
}
