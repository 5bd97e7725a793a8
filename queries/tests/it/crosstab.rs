//! The survey cross-tab: option by option for a multiple-choice question (issue 27, point 10).

use crate::support::{committee, eval};

/// 「複数回答の設問はクロス集計できません」: a multiple-choice question is cross-tabbed option
/// by option, with the column's respondents as the last row and one test per option.
#[test]
fn a_multiple_choice_question_is_cross_tabbed_option_by_option() {
    let r = eval(committee("survey.crosstab").param("question", "Q02").param("column", "profession"));
    let (ri, ci, ni) = (r.column_index("row").expect("row"), r.column_index("column").expect("column"), 2);
    let base = queries::metrics::survey::MULTI_BASE;
    let columns: Vec<String> =
        r.rows.iter().filter(|row| row[ri].display() == base).map(|row| row[ci].display()).collect();
    assert!(columns.len() >= 3, "{columns:?}");
    for col in &columns {
        let of = |row: &&Vec<queries::Value>| row[ci].display() == *col;
        let total = r.rows.iter().filter(of).find(|row| row[ri].display() == base).and_then(|row| row[ni].as_i64());
        let options: Vec<i64> = r
            .rows
            .iter()
            .filter(of)
            .filter(|row| row[ri].display() != base)
            .filter_map(|row| row[ni].as_i64())
            .collect();
        let total = total.expect("the column's respondents");
        assert!(options.iter().all(|n| *n <= total), "{col}: {options:?} > {total}");
        assert!(options.iter().sum::<i64>() > total, "{col}: options of a multiple choice add up to more");
    }
    let tests = r.notes.iter().filter(|n| n.ja.contains("を選んだか × 列")).count();
    assert_eq!(
        tests,
        r.rows
            .iter()
            .map(|row| row[ri].display())
            .filter(|a| a != base)
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    );
}
