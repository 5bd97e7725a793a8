//! Survey answers straight from the survey tool's export ([real-files]): a Google Forms CSV and
//! a Microsoft Forms workbook, in the tools' own layouts and quirks, loaded as they are; the
//! answers stored equal what the test counts from the rows it wrote; what the tools add about
//! respondents is never stored; bad variants are refused with the store unchanged.

use std::collections::BTreeMap;

use ingest::pipeline::Outcome;
use ingest::sample::write::{Form, Sheet, XlsxExtras, write};

use crate::support::*;

/// The 2025 questionnaire: (設問ID, 設問文, 形式, 選択肢). An option of Q02 holds the comma
/// Google Forms joins options with; Q04 is titled as a Microsoft Forms column (名前).
const QUESTIONS: &[(&str, &str, &str, &str)] = &[
    ("Q01", "学会の活動全体に満足していますか", "likert5", "不満;やや不満;どちらともいえない;やや満足;満足"),
    (
        "Q02",
        "学会に期待することを選んでください (複数回答可)",
        "multi",
        "がん薬物療法の普及;緩和ケア, 支持療法の推進;若手支援;その他",
    ),
    ("Q03", "学術集会に参加しましたか", "single", "はい;いいえ"),
    ("Q04", "名前", "text", ""),
    ("Q05", "ご意見をお聞かせください", "text", ""),
];

/// Rows as a tool's respondents answered: (職種, 年齢階級, Q01, Q02 options, Q03, Q05).
/// One respondent: (職種, 年齢階級, Q01, Q02 options, Q03, Q05).
type Answer = (&'static str, &'static str, &'static str, &'static [&'static str], &'static str, &'static str);

const ANSWERS: &[Answer] = &[
    ("医師", "40代", "5", &["がん薬物療法の普及", "緩和ケア, 支持療法の推進"], "はい", "良い学会です"),
    ("薬剤師", "30代", "3", &["若手支援"], "いいえ", ""),
    ("看護師", "50代", "4", &["緩和ケア, 支持療法の推進", "その他"], "はい", "会費を下げて, ください"),
    ("医師", "60代", "", &[], "はい", ""),
];

fn with_questionnaire() -> TestStore {
    let mut t = TestStore::new();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["年度", "設問ID", "設問文", "形式", "選択肢"]).expect("csv");
    for (id, text, kind, options) in QUESTIONS {
        w.write_record(["2025", id, text, kind, options]).expect("csv");
    }
    let q = t.file("questions.csv", &w.into_inner().expect("csv"));
    let r = t.ingest("survey_questions", vec![q], None).expect("questions");
    assert_eq!(r.outcome, Outcome::Committed, "{:?}", r.files[0].rejects);
    t
}

fn google_csv(rows: &[Answer]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "タイムスタンプ",
        "メールアドレス",
        "職種",
        "年齢階級",
        "学会の活動全体に\n満足していますか",
        "学会に期待することを選んでください（複数回答可）",
        "学術集会に参加しましたか",
        "ご意見をお聞かせください",
    ])
    .expect("csv");
    for (i, (p, a, q1, q2, q3, q5)) in rows.iter().enumerate() {
        let stamp =
            if i % 2 == 0 { "2025/06/01 19:41:41".to_string() } else { "2025/06/02 7:41:40 午後 GMT+9".to_string() };
        w.write_record([stamp.as_str(), &format!("r{i}@example.jp"), p, a, q1, &q2.join(", "), q3, q5]).expect("csv");
    }
    String::from_utf8(w.into_inner().expect("csv")).expect("utf-8")
}

/// (question, answer) → count, as the store holds it.
fn stored(t: &TestStore) -> BTreeMap<(String, String), i64> {
    let mut out = BTreeMap::new();
    for b in t.wh.query_arrow("SELECT question_id, answer, COUNT(*) FROM survey_answers GROUP BY 1, 2").expect("query")
    {
        use arrow::array::AsArray;
        let (q, a, n) = (
            b.column(0).as_string::<i32>(),
            b.column(1).as_string::<i32>(),
            b.column(2).as_primitive::<arrow::datatypes::Int64Type>(),
        );
        for i in 0..b.num_rows() {
            out.insert((q.value(i).to_string(), a.value(i).to_string()), n.value(i));
        }
    }
    out
}

/// The same, counted from the rows the test wrote.
fn expected(rows: &[Answer]) -> BTreeMap<(String, String), i64> {
    let mut out = BTreeMap::new();
    for (_, _, q1, q2, q3, q5) in rows {
        for (q, a) in [("Q01", q1.to_string()), ("Q02", q2.join(";")), ("Q03", q3.to_string()), ("Q05", q5.to_string())]
        {
            if !a.is_empty() {
                *out.entry((q.to_string(), a)).or_insert(0) += 1;
            }
        }
    }
    out
}

#[test]
fn a_google_forms_export_loads_as_it_is() {
    let mut t = with_questionnaire();
    let f = t.file("フォームの回答.csv", google_csv(ANSWERS).as_bytes());
    let mut o = t.opts("survey_responses", vec![f], None);
    o.fiscal_year = Some(2025);
    let r = ingest::ingest(&mut t.wh, &o).expect("ingest");
    assert_eq!(r.outcome, Outcome::Committed, "{:?}", r.files[0].rejects);
    let notes = r.files[0].notes.join("\n");
    assert!(notes.contains("Google フォーム の書き出しとして読みました"), "{notes}");
    assert!(notes.contains("タイムスタンプ, メールアドレス は保存していません"), "{notes}");
    assert_eq!(stored(&t), expected(ANSWERS));
    assert_eq!(t.wh.query_i64("SELECT COUNT(*) FROM survey_responses WHERE fiscal_year = 2025").expect("count"), 4);
    let everything = t.state();
    // Nothing the tool added about a respondent (e-mail, timestamps) reached the store.
    let leaks =
        t.wh.query_i64(
            "SELECT (SELECT COUNT(*) FROM survey_answers WHERE answer LIKE '%example.jp%' OR answer LIKE '%19:41%' \
             OR answer LIKE '%午後%') + (SELECT COUNT(*) FROM extra_cells)",
        )
        .expect("count");
    assert_eq!(leaks, 0);
    // The same file twice is a no-op.
    let f = t.file("フォームの回答.csv", google_csv(ANSWERS).as_bytes());
    let mut o = t.opts("survey", vec![f], None);
    o.fiscal_year = Some(2025);
    assert_eq!(ingest::ingest(&mut t.wh, &o).expect("again").outcome, Outcome::NothingNew);
    assert_eq!(t.state(), everything);
}

#[test]
fn a_microsoft_forms_workbook_loads_as_it_is() {
    let mut t = with_questionnaire();
    let mut sheet = Sheet::new(&[
        "ID",
        "開始時刻",
        "完了時刻",
        "メール",
        "名前",
        "最終変更時刻",
        "職種",
        "年齢階級",
        "学会の活動全体に満足していますか",
        "学会に期待することを選んでください（複数回答可）",
        "学術集会に参加しましたか",
        "名前2",
        "ご意見をお聞かせください",
    ]);
    for (i, (p, a, q1, q2, q3, q5)) in ANSWERS.iter().enumerate() {
        let multi = q2.iter().map(|o| format!("{o};")).collect::<String>();
        sheet.push(vec![
            format!("{}", i + 1),
            "2025/6/1 10:00:00".into(),
            "2025/6/1 10:05:00".into(),
            "anonymous".into(),
            String::new(),
            String::new(),
            p.to_string(),
            a.to_string(),
            q1.to_string(),
            multi,
            q3.to_string(),
            "匿名希望".into(),
            q5.to_string(),
        ]);
    }
    let f = t.dir.path().join("Forms.xlsx");
    write(&f, &sheet, Form::Xlsx, &XlsxExtras::default()).expect("write");
    let mut o = t.opts("survey_responses", vec![f], None);
    o.fiscal_year = Some(2025);
    let r = ingest::ingest(&mut t.wh, &o).expect("ingest");
    assert_eq!(r.outcome, Outcome::Committed, "{:?}", r.files[0].rejects);
    assert!(r.files[0].notes.iter().any(|n| n.contains("Microsoft Forms の書き出し")));
    let mut want = expected(ANSWERS);
    want.insert(("Q04".into(), "匿名希望".into()), 4);
    assert_eq!(stored(&t), want);
    let ids =
        t.wh.query_i64("SELECT COUNT(*) FROM survey_responses WHERE response_id IN ('1', '2', '3', '4')").expect("ids");
    assert_eq!(ids, 4, "Microsoft Forms' ID is the response id");
}

#[test]
fn bad_exports_are_refused_naming_what_is_wrong_and_the_store_is_unchanged() {
    let mut t = with_questionnaire();
    let before = t.state();
    let try_load = |t: &mut TestStore, name: &str, text: String, year: Option<i32>| {
        let f = t.file(name, text.as_bytes());
        let mut o = t.opts("survey_responses", vec![f], None);
        o.fiscal_year = year;
        ingest::ingest(&mut t.wh, &o)
    };
    // A column that matches no question: named, with the closest 設問文.
    let e = try_load(
        &mut t,
        "a.csv",
        google_csv(ANSWERS).replace("学術集会に参加しましたか", "学術集会に参加しましたか？（昨年度）"),
        Some(2025),
    )
    .expect_err("unknown header")
    .to_string();
    assert!(e.contains("7 列目「学術集会に参加しましたか？（昨年度）」") && e.contains("もしかして Q03"), "{e}");
    // No 年度, or a 年度 whose questionnaire is not loaded.
    let e = try_load(&mut t, "b.csv", google_csv(ANSWERS), None).expect_err("no year").to_string();
    assert!(e.contains("--fiscal-year"), "{e}");
    let e = try_load(&mut t, "c.csv", google_csv(ANSWERS), Some(2024)).expect_err("no questionnaire").to_string();
    assert!(e.contains("2024年度の設問がまだ読み込まれていません"), "{e}");
    // An option not in the questionnaire: a reject naming the row, nothing committed.
    let mut bad = ANSWERS.to_vec();
    bad[1].3 = &["若手支援", "国際交流"];
    let r = try_load(&mut t, "d.csv", google_csv(&bad), Some(2025)).expect("checked");
    assert_eq!(r.outcome, Outcome::Rejected);
    let rej = &r.files[0].rejects;
    assert_eq!(rej.len(), 1, "{rej:?}");
    // The file's own line: the header holds a line break, so the second respondent is on line 4.
    assert_eq!(rej[0].line, Some(4));
    assert!(rej[0].reason_ja.contains("国際交流"), "{:?}", rej[0]);
    assert_eq!(t.state(), before);
}
