//! The x axis every chart shares: what its values mean, how they are labelled, and the
//! margin left around a range of values.

use chrono::{Datelike, NaiveDate};

/// What the x values mean, which decides the axis labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XAxis {
    /// Days from 0001-01-01 (`NaiveDate::num_days_from_ce`), labelled YYYY-MM.
    Date,
    /// Whole numbers such as years or 年度, labelled as written.
    Number,
}

/// A date as an x value.
pub fn date_x(d: NaiveDate) -> f64 {
    f64::from(d.num_days_from_ce())
}

pub(super) fn x_label(axis: XAxis, x: f64) -> String {
    match axis {
        XAxis::Date => NaiveDate::from_num_days_from_ce_opt(x.round() as i32)
            .map_or_else(String::new, |d| format!("{}-{:02}", d.year(), d.month())),
        XAxis::Number => format!("{}", x.round() as i64),
    }
}

pub(super) fn padded(lo: f64, hi: f64) -> (f64, f64) {
    if (hi - lo).abs() < 1e-9 {
        let pad = if hi.abs() < 1e-9 { 1.0 } else { hi.abs() * 0.1 };
        (lo - pad, hi + pad)
    } else {
        let pad = (hi - lo) * 0.05;
        (lo - pad, hi + pad)
    }
}
