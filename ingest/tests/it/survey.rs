//! The survey: waves, questions and responses in one command, told apart by their headers.

use ingest::pipeline::Outcome;

use crate::support::*;

fn files(t: &TestStore, answer: &str) -> Vec<std::path::PathBuf> {
    vec![
        // Given out of order on purpose: responses first.
        t.file(
            "responses.csv",
            format!("年度,回答ID,職種,年齢階級,Q01,Q02,Q03\n令和6年度,1,医師,40代,4,適切ながん診療の普及;国際交流,{answer}\n").as_bytes(),
        ),
        t.file("waves.csv", &bom("年度,開始日,締切日,配布数\n2024,2024-09-01,2024-10-31,\"10,000\"\n")),
        t.file(
            "questions.csv",
            "年度,設問ID,設問文,形式,選択肢\n2024,Q01,満足度,likert5,\n2024,Q02,期待,multi,適切ながん診療の普及;国際交流\n2024,Q03,ご意見,text,\n"
                .as_bytes(),
        ),
    ]
}

#[test]
fn survey_files_are_recognised_ordered_and_answers_checked_against_the_questions() {
    let mut t = TestStore::new();
    let fs = files(&t, "\"会員向けの\n情報発信を\"");
    let rep = t.ingest("survey", fs, None).expect("ingest");
    assert_eq!(rep.outcome, Outcome::Committed, "{rep:?}");
    let datasets: Vec<&str> = rep.files.iter().map(|f| f.dataset).collect();
    assert_eq!(datasets, vec!["survey_waves", "survey_questions", "survey_responses"]);
    assert_eq!(t.wh.query_i64("SELECT invited FROM survey_waves").expect("q"), 10_000);
    assert_eq!(t.wh.query_i64("SELECT COUNT(*) FROM survey_answers WHERE fiscal_year = 2024").expect("q"), 3);
    assert_eq!(
        t.wh.query_i64("SELECT COUNT(*) FROM survey_answers WHERE question_id = 'Q03' AND answer LIKE '%\n%'")
            .expect("q"),
        1,
        "free text keeps its newline"
    );
}

#[test]
fn an_answer_that_is_not_an_option_is_rejected() {
    let mut t = TestStore::new();
    let mut fs = files(&t, "");
    fs[0] = t.file("responses.csv", "年度,回答ID,Q01,Q02\n2024,1,6,国際交流;宇宙旅行\n".as_bytes());
    let rep = assert_rejected(t.ingest("survey", fs, None), 2, "宇宙旅行");
    assert!(rep.files.iter().flat_map(|f| &f.rejects).any(|r| r.reason_en.contains("not 1–5")));
    assert_eq!(t.wh.query_i64("SELECT COUNT(*) FROM loads").expect("q"), 0, "all or nothing across the three files");
}
