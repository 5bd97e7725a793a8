//! The release grid: which dates and periods a suppressed audience (board, researchers)
//! can ask about, so that no two requests can be subtracted to recover a withheld cell.
//!
//! Suppression decides what one result may show; it cannot see the other results a
//! user asks for. Two results that differ by a day (`as_of` D and D−1, or `from`
//! 4-01 and 4-02) differ by that day's joins and leaves, counted exactly. So for a
//! suppressed audience and a metric about persons:
//!
//! - **Every date is a month end.** `as_of` is moved back to the last month end on or
//!   before it and a date parameter to the first day of its month, and the result says
//!   so. Stocks (composition, shares, specialists per area) are therefore only released
//!   at month ends. Two of them differ by a month's *net* change of a cell — joins,
//!   leaves, moves and birthdays mixed — which is released: it is what two monthly
//!   releases show anyway. Where a metric also releases gross joins and leaves, they
//!   carry that net change as a known total (see `members.flows`).
//! - **Events are counted in one table per snapshot.** Metrics that count events over a
//!   window ending at the as-of date (`members.flows`, `members.joins_before_after`,
//!   `members.retention`, `specialists.by_year`) are computed once, over whole periods up to the latest month
//!   end of the data ([`Release::latest`]), suppressed as a whole, and a request only
//!   chooses which whole periods of that table to show. A window that would end at any
//!   other date is refused with the reason.
//!
//! What stays open, on purpose: a later load is a new release, and its cells may differ
//! from the previous one's (a month more data, late 退会日). See `docs/metrics.md`.

use chrono::{Datelike, Days, NaiveDate};

/// The tables that hold no data about persons: metrics reading only these are not
/// held to the grid (a designation changes on 4月1日 and is shown on that day).
pub const NOT_ABOUT_PERSONS: &[&str] =
    &["designations", "areas", "hospitals", "hospital_volumes", "survey_questions", "survey_waves"];

/// Whether a metric reading `sources` counts persons.
pub fn about_persons(sources: &[&str]) -> bool {
    sources.iter().any(|s| !NOT_ABOUT_PERSONS.contains(s))
}

/// The last day of `d`'s month.
pub fn month_end(d: NaiveDate) -> NaiveDate {
    let first = month_start(d);
    first.checked_add_months(chrono::Months::new(1)).and_then(|n| n.checked_sub_days(Days::new(1))).unwrap_or(d)
}

/// The first day of `d`'s month.
pub fn month_start(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

/// The last month end on or before `d`.
pub fn on_grid(d: NaiveDate) -> NaiveDate {
    if month_end(d) == d { d } else { month_start(d).pred_opt().unwrap_or(d) }
}

/// The release a suppressed audience sees of one snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Release {
    /// The last month end on or before the latest roster snapshot (or latest dated load):
    /// every event table ends here, whatever the request.
    pub latest: NaiveDate,
}

impl Release {
    pub fn new(latest_data: NaiveDate) -> Self {
        Release { latest: on_grid(latest_data) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a test date")
    }

    #[test]
    fn dates_move_back_to_the_last_month_end() {
        assert_eq!(on_grid(d("2026-10-31")), d("2026-10-31"));
        assert_eq!(on_grid(d("2026-10-30")), d("2026-09-30"));
        assert_eq!(on_grid(d("2024-03-01")), d("2024-02-29"));
        assert_eq!(on_grid(d("2025-01-15")), d("2024-12-31"));
        assert_eq!(month_end(d("2024-02-10")), d("2024-02-29"));
        assert_eq!(month_start(d("2024-02-10")), d("2024-02-01"));
    }

    #[test]
    fn hospital_tables_are_not_about_persons() {
        assert!(!about_persons(&["designations", "areas"]));
        assert!(about_persons(&["designations", "areas", "specialists"]));
        assert!(about_persons(&["members"]));
    }
}
