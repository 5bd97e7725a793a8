//! Japan's fiscal year (年度): April 1st to March 31st.

use chrono::{Datelike, NaiveDate};

/// The 年度 a date falls in (2025-03-31 → 2024, 2025-04-01 → 2025).
pub fn fiscal_year(date: NaiveDate) -> i32 {
    if date.month() >= 4 { date.year() } else { date.year() - 1 }
}

/// First day of a 年度.
pub fn fiscal_year_start(fy: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(fy, 4, 1)
}

/// Last day of a 年度.
pub fn fiscal_year_end(fy: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(fy + 1, 3, 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fiscal_year_turns_on_april_first() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).expect("date");
        assert_eq!(fiscal_year(d(2025, 3, 31)), 2024);
        assert_eq!(fiscal_year(d(2025, 4, 1)), 2025);
        assert_eq!(fiscal_year(d(2026, 1, 17)), 2025);
        assert_eq!(fiscal_year_end(2025), Some(d(2026, 3, 31)));
    }
}
