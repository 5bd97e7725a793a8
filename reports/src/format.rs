//! Number, date and cell formatting shared by the dashboard and the reports, so a figure
//! reads the same on screen and on paper.

use chrono::{Datelike, NaiveDate};
use queries::Value;
use queries::result::SUPPRESSED_MARK;

/// An integer with thousands separators.
pub fn int(v: i64) -> String {
    model::thousands(v)
}

/// 西暦 with the 和暦 year: 2026年11月1日（令和8年）.
pub fn date_ja(d: NaiveDate) -> String {
    let era = model::era::Era::format(d)
        .and_then(|w| w.split_once('年').map(|(y, _)| format!("（{y}年）")))
        .unwrap_or_default();
    format!("{}年{}月{}日{era}", d.year(), d.month(), d.day())
}

/// What a year's stock at year end is called at `as_of`: 「2025年末」, but the as-of date's own
/// year is counted on that date (「2026年10月31日（令和8年）時点」), not at its end.
pub fn year_end_label(year: &str, as_of: NaiveDate) -> String {
    if year == as_of.year().to_string() && (as_of.month(), as_of.day()) != (12, 31) {
        format!("{}時点", date_ja(as_of))
    } else {
        format!("{year}年末")
    }
}

/// A result cell as text: separators for counts, one decimal for percentages, はい/いいえ,
/// and the suppression mark for a withheld cell.
pub fn cell_text(v: &Value, unit: &str) -> String {
    match v {
        Value::Suppressed => SUPPRESSED_MARK.to_string(),
        Value::Int(i) => int(*i),
        Value::Num(x) if unit == "%" => format!("{x:.1}"),
        // People are whole: a projected or expected number of people is rounded.
        Value::Num(x) if unit == "人" && x.is_finite() => int(x.round() as i64),
        Value::Num(x) => crate::charts::short_number(*x),
        Value::Bool(true) => "はい".into(),
        Value::Bool(false) => "いいえ".into(),
        other => other.display(),
    }
}

/// A cell of a metric column: as [`cell_text`], but the physician share (the 80% rule is
/// decided in integers, so 79.96% must not print as 80.0) gets two decimals, and a
/// dimension or label (a year, a code) is printed without thousands separators (2022, not 2,022).
pub fn column_cell(v: &Value, column: &queries::Column) -> String {
    match v {
        Value::Int(i) if matches!(column.role, queries::Role::Dim | queries::Role::Label) => i.to_string(),
        Value::Num(x) if column.unit == "%" && column.name.starts_with("share") => format!("{x:.2}"),
        _ => cell_text(v, column.unit),
    }
}

/// A value with its unit, or "—" when missing and "X（秘匿）" when withheld.
pub fn with_unit(v: Option<&Value>, unit: &str) -> String {
    match v {
        Some(Value::Suppressed) => "X（秘匿）".into(),
        None | Some(Value::Null) => "—".into(),
        Some(v) => {
            let t = cell_text(v, unit);
            if unit.is_empty() { t } else { format!("{t}{}", if unit == "%" { "%" } else { unit }) }
        }
    }
}

/// A signed change: +12, −3, ±0 (with a real minus sign).
pub fn signed(v: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, v.abs());
    let zero = s.chars().all(|c| c == '0' || c == '.');
    if zero {
        format!("±{s}")
    } else if v > 0.0 {
        format!("+{s}")
    } else {
        format!("−{s}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_get_separators() {
        assert_eq!(int(0), "0");
        assert_eq!(int(999), "999");
        assert_eq!(int(1000), "1,000");
        assert_eq!(int(-1234567), "-1,234,567");
    }

    #[test]
    fn changes_carry_their_sign() {
        assert_eq!(signed(12.0, 0), "+12");
        assert_eq!(signed(-3.04, 1), "−3.0");
        assert_eq!(signed(0.01, 1), "±0.0");
    }

    #[test]
    fn withheld_and_missing_values_say_so() {
        assert_eq!(with_unit(Some(&Value::Suppressed), "人"), "X（秘匿）");
        assert_eq!(with_unit(None, "人"), "—");
        assert_eq!(with_unit(Some(&Value::Int(1234)), "人"), "1,234人");
        assert_eq!(with_unit(Some(&Value::Num(80.456)), "%"), "80.5%");
    }

    /// Regression: the board pack printed projected members as 「8735.8」 people.
    #[test]
    fn people_are_whole_even_when_projected() {
        assert_eq!(cell_text(&Value::Num(8735.8), "人"), "8,736");
        assert_eq!(cell_text(&Value::Num(28.7), "人/月"), "28.7", "a rate keeps its decimal");
    }
}
