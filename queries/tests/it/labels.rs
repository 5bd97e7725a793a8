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
