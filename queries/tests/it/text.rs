//! Free text: the tokenizer against MeCab itself, term lists per audience, KWIC.

use std::io::Write;
use std::process::{Command, Stdio};

use arrow::array::{Array, AsArray};
use queries::catalog::Request;
use queries::text::{Analyzer, Unit};
use queries::{Audience, MetricResult};

use crate::support::{committee, date, eval, sample};

/// Sentences beyond the sample's: spaces, Latin letters, digits, unknown katakana words,
/// half-width forms (MeCab treats them as its own character classes).
const EXTRA: &[&str] = &[
    "COVID-19 の影響で Web 開催が増えた。",
    "ハイブリッド開催とオンデマンド配信を併用してほしい",
    "がんばっている若手を支援する制度がほしい",
    "免疫チェックポイント阻害薬の irAE 対策セミナーを希望",
    "年会費は 12,000円 で妥当だと思います。",
];

/// The distinct free-text answers of the bundled sample, read with DuckDB.
fn sample_answers() -> Vec<String> {
    let wh = sample().warehouse.lock().expect("lock");
    let batches = wh
        .query_arrow(
            "SELECT DISTINCT a.answer FROM survey_answers a JOIN survey_questions q
             ON q.fiscal_year = a.fiscal_year AND q.question_id = a.question_id
             WHERE q.kind = 'text' ORDER BY 1",
        )
        .expect("answers");
    let mut out = Vec::new();
    for b in &batches {
        let col = b.column(0);
        let strings = col.as_string_opt::<i32>().map(|a| (0..a.len()).map(|i| a.value(i).to_string()).collect());
        let strings: Vec<String> = strings.unwrap_or_else(|| {
            let a = col.as_string_view();
            (0..a.len()).map(|i| a.value(i).to_string()).collect()
        });
        out.extend(strings);
    }
    out
}

/// `mecab`'s analysis of each line (the Debian dictionary is EUC-JP): (surface, feature) per token.
fn mecab(lines: &[&str]) -> Vec<Vec<(String, String)>> {
    let input: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let (bytes, _, bad) = encoding_rs::EUC_JP.encode(&input);
    assert!(!bad, "test text not representable in EUC-JP");
    let mut child = Command::new("mecab")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("mecab (scripts/setup.sh installs Debian mecab + mecab-ipadic)");
    child.stdin.take().expect("stdin").write_all(&bytes).expect("write");
    let out = child.wait_with_output().expect("mecab output");
    assert!(out.status.success(), "mecab failed");
    let (text, _, _) = encoding_rs::EUC_JP.decode(&out.stdout);
    let mut sentences = vec![Vec::new()];
    for line in text.lines() {
        if line == "EOS" {
            sentences.push(Vec::new());
        } else if let Some((surface, feature)) = line.split_once('\t') {
            sentences.last_mut().expect("sentence").push((surface.to_string(), feature.to_string()));
        }
    }
    sentences.pop();
    sentences
}

#[test]
fn tokens_match_mecab_on_every_sample_answer() {
    let answers = sample_answers();
    assert!(answers.len() > 20, "the sample has free text ({})", answers.len());
    let mut lines: Vec<&str> = answers.iter().map(String::as_str).collect();
    lines.extend(EXTRA);
    let expected = mecab(&lines);
    assert_eq!(expected.len(), lines.len());
    let analyzer = Analyzer::shared().expect("analyzer");
    for (line, want) in lines.iter().zip(&expected) {
        assert_eq!(&analyzer.tokens(line), want, "tokens of {line:?}");
    }
}

fn terms(audience: Audience, by: &str) -> MetricResult {
    eval(
        Request::new("survey.terms", audience)
            .as_of(date("2026-10-31"))
            .by(by)
            .param("top", "200")
            .param("fiscal_year", "2026"),
    )
}

fn listed(r: &MetricResult) -> Vec<(String, i64)> {
    let (t, n) = (r.column_index("term").expect("term"), r.column_index("respondents").expect("n"));
    r.rows.iter().map(|row| (row[t].display(), row[n].as_i64().unwrap_or(-1))).collect()
}

#[test]
fn rare_terms_are_listed_for_the_committee_only() {
    let exact = listed(&terms(Audience::Committee, ""));
    assert!(exact.iter().any(|(_, n)| *n < 10), "the sample has rare terms, so this test can fail");
    let board = listed(&terms(Audience::Board, ""));
    let expected: Vec<(String, i64)> = exact.into_iter().filter(|(_, n)| *n >= 10).collect();
    assert_eq!(board, expected);
}

#[test]
fn terms_by_segment_add_up_to_the_overall_counts() {
    let overall = listed(&terms(Audience::Committee, ""));
    let by = terms(Audience::Committee, "profession");
    let seg = by.column_index("profession").expect("profession");
    let segments: std::collections::BTreeSet<String> = by.rows.iter().map(|r| r[seg].display()).collect();
    for (term, n) in overall {
        let rows: Vec<i64> = listed(&by).into_iter().filter(|(t, _)| *t == term).map(|(_, n)| n).collect();
        assert_eq!(rows.len(), segments.len(), "{term}: one row per 職種");
        assert_eq!(rows.iter().sum::<i64>(), n, "{term}");
    }
}

#[test]
fn kwic_finds_terms_not_substrings() {
    let kwic = |term: &str| {
        eval(committee("survey.kwic").as_of(date("2026-10-31")).param("term", term).param("limit", "100000"))
    };
    let r = kwic("がん");
    let kw = r.column_index("keyword").expect("keyword");
    assert!(!r.rows.is_empty());
    assert!(r.rows.iter().all(|row| row[kw].display() == "がん"));
    // Every line's context plus keyword is a substring of an answer.
    let answers = sample_answers();
    let (l, rr) = (r.column_index("left").expect("l"), r.column_index("right").expect("r"));
    for row in &r.rows {
        let line = format!("{}{}{}", row[l].display(), row[kw].display(), row[rr].display());
        assert!(answers.iter().any(|a| a.contains(&line)), "{line}");
    }
    // Every occurrence of the word, inside compounds (がん診療) too, is a line: as many
    // lines as the word's mentions over all years.
    let words = eval(
        committee("survey.terms").as_of(date("2026-10-31")).param("unit", "word").param("top", "200").by("fiscal_year"),
    );
    let (t, m) = (words.column_index("term").expect("t"), words.column_index("mentions").expect("m"));
    let mentions: i64 =
        words.rows.iter().filter(|row| row[t].display() == "がん").filter_map(|row| row[m].as_i64()).sum();
    assert_eq!(i64::try_from(r.rows.len()).unwrap_or(0), mentions);
    // A string inside a word is no term: がんばる holds no がん, and 「ばる」 finds nothing.
    assert!(kwic("ばる").rows.is_empty());
    let a = Analyzer::shared().expect("analyzer");
    for unit in [Unit::Word, Unit::Compound] {
        assert!(a.terms(EXTRA[2], unit).iter().all(|t| t.text != "がん"), "{unit:?}");
    }
}

#[test]
fn kwic_is_refused_outside_the_committee_and_needs_a_term() {
    let e = sample().engine.evaluate(&Request::new("survey.kwic", Audience::Board).param("term", "がん"));
    assert!(e.is_err_and(|e| e.to_string().contains("not available")));
    let e = sample().engine.evaluate(&committee("survey.kwic"));
    assert!(e.is_err_and(|e| e.to_string().contains("term")));
    let e = sample().engine.evaluate(&committee("survey.terms").param("question", "Q01").param("fiscal_year", "2026"));
    assert!(e.is_err_and(|e| e.to_string().contains("free-text")));
}

#[test]
fn compounds_and_words_differ_as_documented() {
    let a = Analyzer::shared().expect("analyzer");
    let s = "がん遺伝子パネル検査の結果説明について研修を希望します。";
    let c: Vec<String> = a.terms(s, Unit::Compound).into_iter().map(|t| t.text).collect();
    assert_eq!(c, ["がん遺伝子パネル検査", "結果説明", "研修", "希望"]);
}
