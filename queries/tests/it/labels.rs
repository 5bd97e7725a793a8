//! Forms show choices and groupings in Japanese (issue 27, point 7); what a user reads is
//! also what the catalog accepts, so a URL written from the labels gives the same result.

use crate::support::{committee, eval};

#[test]
fn a_choice_named_by_its_japanese_label_is_the_choice() {
    let by_code = eval(committee("hospitals.list").param("history", "all"));
    let by_label = eval(committee("hospitals.list").param("history", "すべての指定期間"));
    assert_eq!(by_label.params.get("history").map(String::as_str), Some("all"));
    assert_eq!(by_label.rows, by_code.rows);
    let blank = eval(committee("hospitals.specialist_coverage").param("only", "空白の区域"));
    assert_eq!(blank.params.get("only").map(String::as_str), Some("blank"));
}

#[test]
fn a_crosstab_segment_named_in_japanese_is_the_segment() {
    let by_code = eval(committee("survey.crosstab").param("question", "Q01").param("column", "profession"));
    let by_label = eval(committee("survey.crosstab").param("question", "Q01").param("column", "職種"));
    assert!(!by_code.rows.is_empty());
    assert_eq!(by_label.rows, by_code.rows);
}

/// The survey tool each 年度's answers came from, as the アンケート page says it: none for the
/// sample's own layout, the tool for an export loaded as it is.
#[test]
fn survey_sources_name_the_tool_of_each_years_answers() {
    let f = crate::support::sample();
    let sample = f.engine.block_on(f.engine.snapshot().survey_sources()).expect("sources");
    assert!(!sample.is_empty() && sample.values().all(|t| t.is_empty()), "{sample:?}");

    let dir = tempfile::tempdir().expect("tempdir");
    let mut wh = store::Warehouse::open(&dir.path().join("wh.duckdb"), &dir.path().join("lake")).expect("open");
    let file = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).expect("write");
        p
    };
    let q = file("q.csv", "年度,設問ID,設問文,形式,選択肢\n2025,Q01,学術集会に参加しましたか,single,はい;いいえ\n");
    let g = file(
        "g.csv",
        "タイムスタンプ,学術集会に参加しましたか\n2025/06/01 10:00:00,はい\n2025/06/02 10:00:00,いいえ\n",
    );
    let opts = |dataset: &str, p: std::path::PathBuf| {
        let mut o = ingest::IngestOptions::new(dataset, vec![p], dir.path().join("k.key"), dir.path().join("rejects"));
        o.fiscal_year = Some(2025);
        o
    };
    for (dataset, p) in [("survey_questions", q), ("survey_responses", g)] {
        let r = ingest::ingest(&mut wh, &opts(dataset, p)).expect("ingest");
        assert_eq!(r.outcome, ingest::Outcome::Committed, "{dataset}: {:?}", r.files[0].rejects);
    }
    let engine = queries::Engine::open(&wh, None).expect("engine");
    let got = engine.block_on(engine.snapshot().survey_sources()).expect("sources");
    assert_eq!(got.get(&2025).map(Vec::as_slice), Some(&["google-forms".to_string()][..]));
    assert_eq!(queries::labels::survey_tool("google-forms"), "Google フォーム");
}
