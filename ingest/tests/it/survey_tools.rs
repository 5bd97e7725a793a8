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
    questionnaire_with(&[])
}

/// The 2025 questionnaire and `extra` questions.
fn questionnaire_with(extra: &[(&str, &str, &str, &str)]) -> TestStore {
    let mut t = TestStore::new();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["年度", "設問ID", "設問文", "形式", "選択肢"]).expect("csv");
    for (id, text, kind, options) in QUESTIONS.iter().chain(extra) {
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
    // An answer that is no option of a question without 「その他」, and a misspelt option of
    // one with it: rejects naming the rows, nothing committed.
    let mut bad = ANSWERS.to_vec();
    bad[1].4 = "たぶん";
    bad[2].3 = &["若手の支援"];
    let r = try_load(&mut t, "d.csv", google_csv(&bad), Some(2025)).expect("checked");
    assert_eq!(r.outcome, Outcome::Rejected);
    let rej = &r.files[0].rejects;
    assert_eq!(rej.len(), 2, "{rej:?}");
    // The file's own lines: the header holds a line break, so the second respondent is on line 4.
    assert_eq!((rej[0].line, rej[1].line), (Some(4), Some(5)));
    assert!(rej[0].reason_ja.contains("たぶん") && rej[1].reason_ja.contains("若手の支援"), "{rej:?}");
    assert_eq!(t.state(), before);
}

/// Google Forms puts an 「その他」 answer's typed text among the choices: it counts as その他,
/// and its text is kept as the answer of `Q02_other` when the questionnaire has that question.
#[test]
fn a_google_forms_free_other_answer_counts_as_other_and_its_text_is_kept() {
    let mut t = questionnaire_with(&[("Q02_other", "学会に期待すること（その他の内容）", "text", "")]);
    let mut rows = ANSWERS.to_vec();
    rows[1].3 = &["若手支援", "会費の見直しを希望します"];
    let f = t.file("other.csv", google_csv(&rows).as_bytes());
    let mut o = t.opts("survey_responses", vec![f], None);
    o.fiscal_year = Some(2025);
    o.check_only = true;
    let r = ingest::ingest(&mut t.wh, &o).expect("check");
    assert_eq!(r.outcome, Outcome::Checked);
    assert!(r.files[0].rejects.is_empty(), "{:?}", r.files[0].rejects);
    let notes = r.files[0].notes.join("\n");
    assert!(notes.contains("「その他」の自由回答 1 件を その他 として数えました"), "{notes}");
    assert!(notes.contains("「その他」の記述 1 件を記述の設問 (<設問ID>_other) に保存しました"), "{notes}");
    // --check shows how each column was read: question, kind and answers seen.
    assert!(notes.contains("→ Q02 (multi, 3 件)") && notes.contains("→ Q01 (likert5, 3 件)"), "{notes}");
    o.check_only = false;
    assert_eq!(ingest::ingest(&mut t.wh, &o).expect("load").outcome, Outcome::Committed);
    let mut want = expected(&rows);
    want.remove(&("Q02".to_string(), "若手支援;会費の見直しを希望します".to_string()));
    want.insert(("Q02".to_string(), "若手支援;その他".to_string()), 1);
    want.insert(("Q02_other".to_string(), "会費の見直しを希望します".to_string()), 1);
    assert_eq!(stored(&t), want);
}

fn csv_of(rows: &[Vec<String>]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
    for r in rows {
        w.write_record(r).expect("csv");
    }
    w.into_inner().expect("csv")
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

const Q02_OPTIONS: [&str; 4] = ["がん薬物療法の普及", "緩和ケア, 支持療法の推進", "若手支援", "その他"];

/// SurveyMonkey's expanded CSV: the question text once over its columns, the second row naming
/// `Response` or each option, a chosen option's label in its column.
fn surveymonkey(rows: &[Answer]) -> Vec<u8> {
    let meta = [
        "Respondent ID",
        "Collector ID",
        "Start Date",
        "End Date",
        "IP Address",
        "Email Address",
        "First Name",
        "Last Name",
        "Custom Data 1",
    ];
    let mut h1 = strings(&meta);
    h1.extend(strings(&[
        "職種",
        "年齢階級",
        "学会の活動全体に満足していますか",
        "学会に期待することを選んでください（複数回答可）",
        "",
        "",
        "",
        "学術集会に参加しましたか",
        "ご意見をお聞かせください",
    ]));
    let mut h2 = vec![String::new(); meta.len()];
    h2.extend(strings(&["Response", "Response", "Response"]));
    h2.extend(strings(&Q02_OPTIONS));
    h2.extend(strings(&["Response", "Open-Ended Response"]));
    let mut out = vec![h1, h2];
    for (i, (p, a, q1, q2, q3, q5)) in rows.iter().enumerate() {
        let mut r = strings(&[
            &format!("{}", 1000 + i),
            "4242",
            "06/01/2025 10:00:00 AM",
            "06/01/2025 10:05:00 AM",
            "192.0.2.1",
            "a@example.jp",
            "太郎",
            "山田",
            "",
        ]);
        r.extend(strings(&[p, a, q1]));
        r.extend(Q02_OPTIONS.iter().map(|o| if q2.contains(o) { o.to_string() } else { String::new() }));
        r.extend(strings(&[q3, q5]));
        out.push(r);
    }
    csv_of(&out)
}

/// Qualtrics' CSV: export tags, question texts (`… - Selected Choice`), the ImportId row;
/// multi-choice comma-joined in one column, and an 「その他」 text column.
fn qualtrics(rows: &[Answer], import_row: bool) -> Vec<u8> {
    let tags = [
        "StartDate",
        "EndDate",
        "Status",
        "IPAddress",
        "Progress",
        "Duration (in seconds)",
        "Finished",
        "RecordedDate",
        "ResponseId",
        "RecipientLastName",
        "RecipientFirstName",
        "RecipientEmail",
        "ExternalReference",
        "LocationLatitude",
        "LocationLongitude",
        "DistributionChannel",
        "UserLanguage",
    ];
    let mut h1 = strings(&tags);
    h1.extend(strings(&["Q_prof", "Q_age", "Q1", "Q2", "Q2_4_TEXT", "Q3", "Q5"]));
    let mut h2 = strings(&tags);
    h2.extend(strings(&[
        "職種 - Selected Choice",
        "年齢階級 - Selected Choice",
        "学会の活動全体に満足していますか - Selected Choice",
        "学会に期待することを選んでください（複数回答可） - Selected Choice",
        "学会に期待することを選んでください（複数回答可） - その他 - Text",
        "学術集会に参加しましたか - Selected Choice",
        "ご意見をお聞かせください",
    ]));
    let h3: Vec<String> = h1.iter().map(|t| format!("{{\"ImportId\":\"{t}\"}}")).collect();
    let mut out = vec![h1, h2];
    if import_row {
        out.push(h3);
    }
    for (i, (p, a, q1, q2, q3, q5)) in rows.iter().enumerate() {
        let mut r = strings(&[
            "2025-06-01 10:00:00",
            "2025-06-01 10:05:00",
            "IP Address",
            "192.0.2.1",
            "100",
            "300",
            "True",
            "2025-06-01 10:05:01",
            &format!("R_{i:04}abc"),
            "山田",
            "太郎",
            "a@example.jp",
            "",
            "35.6",
            "139.7",
            "anonymous",
            "JA",
        ]);
        r.extend(strings(&[p, a, q1, &q2.join(","), if q2.contains(&"その他") { "会員サービス" } else { "" }, q3, q5]));
        out.push(r);
    }
    csv_of(&out)
}

/// LimeSurvey's CSV with full-text headings: `質問 [選択肢]` per option, `Y` when chosen.
fn limesurvey(rows: &[Answer]) -> Vec<u8> {
    let mut h = strings(&[
        "回答 ID",
        "送信日時",
        "最終ページ",
        "開始言語",
        "シード",
        "職種",
        "年齢階級",
        "学会の活動全体に満足していますか",
    ]);
    h.extend(Q02_OPTIONS.iter().map(|o| format!("学会に期待することを選んでください（複数回答可） [{o}]")));
    h.extend(strings(&["学術集会に参加しましたか", "ご意見をお聞かせください"]));
    let mut out = vec![h];
    for (i, (p, a, q1, q2, q3, q5)) in rows.iter().enumerate() {
        let mut r = strings(&[&format!("{}", i + 1), "2025-06-01 10:05:00", "3", "ja", "12345", p, a, q1]);
        r.extend(Q02_OPTIONS.iter().map(|o| if q2.contains(o) { "Y".to_string() } else { String::new() }));
        r.extend(strings(&[q3, q5]));
        out.push(r);
    }
    csv_of(&out)
}

#[test]
fn surveymonkey_qualtrics_and_limesurvey_exports_load_as_they_are() {
    for (tool, name, bytes) in [
        ("SurveyMonkey", "sm.csv", surveymonkey(ANSWERS)),
        ("Qualtrics", "qualtrics.csv", qualtrics(ANSWERS, true)),
        ("LimeSurvey", "results-survey123.csv", limesurvey(ANSWERS)),
    ] {
        let mut t = with_questionnaire();
        let f = t.file(name, &bytes);
        let mut o = t.opts("survey_responses", vec![f], None);
        o.fiscal_year = Some(2025);
        let r = ingest::ingest(&mut t.wh, &o).unwrap_or_else(|e| panic!("{tool}: {e}"));
        assert_eq!(r.outcome, Outcome::Committed, "{tool}: {:?}", r.files[0].rejects);
        assert!(
            r.files[0].notes.iter().any(|n| n.starts_with(&format!("{tool} の書き出し"))),
            "{tool}: {:?}",
            r.files[0].notes
        );
        assert_eq!(stored(&t), expected(ANSWERS), "{tool}");
        let leaks = t
            .wh
            .query_i64(
                "SELECT (SELECT COUNT(*) FROM survey_answers WHERE answer LIKE '%example.jp%' OR answer LIKE '%192.0.2%' \
                 OR answer LIKE '%山田%' OR answer LIKE '%会員サービス%') + (SELECT COUNT(*) FROM extra_cells)",
            )
            .expect("count");
        assert_eq!(leaks, 0, "{tool}");
    }
}

#[test]
fn a_qualtrics_file_without_its_third_header_row_and_a_repeated_respondent_are_refused() {
    let mut t = with_questionnaire();
    let before = t.state();
    let f = t.file("q.csv", &qualtrics(ANSWERS, false));
    let mut o = t.opts("survey_responses", vec![f], None);
    o.fiscal_year = Some(2025);
    let e = ingest::ingest(&mut t.wh, &o).expect_err("no ImportId row").to_string();
    assert!(e.contains("Qualtrics の書き出しの 3 行目") && e.contains("ImportId"), "{e}");
    let mut rows = limesurvey(ANSWERS);
    // The first respondent once more, under the same 回答 ID.
    let again = String::from_utf8(rows.clone()).expect("utf-8").lines().nth(1).expect("row").to_string();
    rows.extend_from_slice(format!("{again}\n").as_bytes());
    let f = t.file("l.csv", &rows);
    let mut o = t.opts("survey_responses", vec![f], None);
    o.fiscal_year = Some(2025);
    let r = ingest::ingest(&mut t.wh, &o).expect("checked");
    assert_eq!(r.outcome, Outcome::Rejected);
    assert_eq!(r.files[0].rejects.len(), 1, "{:?}", r.files[0].rejects);
    assert_eq!((r.files[0].rejects[0].line, r.files[0].rejects[0].column.as_deref()), (Some(6), Some("回答ID")));
    assert_eq!(t.state(), before);
}

/// `survey draft-questions`: a questionnaire proposed from an export; kinds and options from
/// the answers (a SurveyMonkey multi-choice from its per-option columns, in the tool's order).
#[test]
fn a_questionnaire_is_drafted_from_an_export_keeping_last_years_ids() {
    use ingest::survey_export::draft::{draft, loaded_questionnaire};
    let t = with_questionnaire();
    let read = |name: &str, bytes: &[u8]| {
        let p = t.file(name, bytes);
        let table = ingest::read::read(&p, bytes, &ingest::table::ReadOptions::default()).expect("read");
        (p, table)
    };
    // No questionnaire for 2024: ids from Q01, kinds inferred.
    let (p, table) = read("sm.csv", &surveymonkey(ANSWERS));
    let d = draft(&p, &table, None, 2025, &[]).expect("draft");
    let got: Vec<(&str, &str, &str, String)> =
        d.questions.iter().map(|q| (q.id.as_str(), q.kind.as_str(), q.text.as_str(), q.options.join(";"))).collect();
    assert_eq!(
        got,
        vec![
            ("Q01", "likert5", "学会の活動全体に満足していますか", String::new()),
            ("Q02", "multi", "学会に期待することを選んでください（複数回答可）", Q02_OPTIONS.join(";")),
            ("Q02_other", "text", "学会に期待することを選んでください（複数回答可）（その他の内容）", String::new()),
            ("Q03", "single", "学術集会に参加しましたか", "はい;いいえ".to_string()),
            ("Q04", "text", "ご意見をお聞かせください", String::new()),
        ]
    );
    assert!(d.carried.is_empty());
    // With 2025 loaded, a 2026 Google Forms export: unchanged texts keep their ids (a line
    // break or full-width brackets change nothing); a reworded question gets a new id and
    // its closest match.
    let last = loaded_questionnaire(&t.wh, 2025).expect("2025");
    assert_eq!(last.len(), 5);
    let csv = google_csv(ANSWERS).replace("学術集会に参加しましたか", "今年度の学術集会に参加しましたか");
    let (p, table) = read("g2026.csv", csv.as_bytes());
    let d = draft(&p, &table, None, 2026, &last).expect("draft");
    let ids: Vec<(&str, &str)> = d.questions.iter().map(|q| (q.id.as_str(), q.kind.as_str())).collect();
    assert_eq!(
        ids,
        vec![("Q01", "likert5"), ("Q02", "multi"), ("Q02_other", "text"), ("Q06", "single"), ("Q05", "text")]
    );
    assert_eq!(d.questions[0].text, "学会の活動全体に満足していますか");
    assert_eq!(d.carried, vec!["Q01", "Q02", "Q05"]);
    assert_eq!(d.similar.len(), 1);
    assert_eq!((d.similar[0].0.as_str(), d.similar[0].1.id.as_str()), ("Q06", "Q03"));
    // The draft loads as it is.
    let out = t.file("q2026.csv", &d.to_csv().expect("csv"));
    let mut t = t;
    let r = t.ingest("survey_questions", vec![out], None).expect("load the draft");
    assert_eq!(r.outcome, Outcome::Committed, "{:?}", r.files[0].rejects);
}

/// Qualtrics' 「その他」 text column is kept as `Q02_other` when the questionnaire has it.
#[test]
fn a_qualtrics_other_text_column_goes_to_its_other_question() {
    let mut t = questionnaire_with(&[("Q02_other", "学会に期待すること（その他の内容）", "text", "")]);
    let f = t.file("qualtrics.csv", &qualtrics(ANSWERS, true));
    let mut o = t.opts("survey_responses", vec![f], None);
    o.fiscal_year = Some(2025);
    let r = ingest::ingest(&mut t.wh, &o).expect("ingest");
    assert_eq!(r.outcome, Outcome::Committed, "{:?}", r.files[0].rejects);
    let mut want = expected(ANSWERS);
    want.insert(("Q02_other".into(), "会員サービス".into()), 1);
    assert_eq!(stored(&t), want);
}

/// A header the questionnaire does not word the same way is mapped by the header-mapping file
/// (`export header = 設問ID`), which overrides the matching.
#[test]
fn a_header_map_maps_an_export_column_to_its_question() {
    let mut t = with_questionnaire();
    let reworded = google_csv(ANSWERS).replace("学術集会に参加しましたか", "学術集会に参加しましたか？（昨年度）");
    let f = t.file("mapped.csv", reworded.as_bytes());
    let map = t.file("map.txt", "# 今年の言い回し\n学術集会に参加しましたか？（昨年度） = Q03\n".as_bytes());
    let mut o = t.opts("survey_responses", vec![f], None);
    o.fiscal_year = Some(2025);
    o.header_map = Some(map);
    let r = ingest::ingest(&mut t.wh, &o).expect("ingest");
    assert_eq!(r.outcome, Outcome::Committed, "{:?}", r.files[0].rejects);
    assert_eq!(stored(&t), expected(ANSWERS));
}
