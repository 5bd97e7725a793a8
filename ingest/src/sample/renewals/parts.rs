//! What both societies' generators share: the seven output files, how an application
//! turns out, and date helpers.

use chrono::{Datelike, NaiveDate};

use crate::sample::members::ymd;
use crate::sample::rng::Rng;
use crate::sample::write::Sheet;

/// The seven renewal files.
#[derive(Debug, Default)]
pub struct RenewalFiles {
    pub jsmo: Sheet,
    pub jsmo_credits: Sheet,
    pub jbct: Sheet,
    pub facilities: Sheet,
    pub cases: Sheet,
    pub meetings: Sheet,
    pub elearning: Sheet,
}

/// How an application turns out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fate {
    Complete,
    /// Incomplete, failing in the given mode (an index into the dataset's modes).
    Fails(usize),
    NotApplied,
}

pub(super) fn d(date: NaiveDate) -> String {
    date.format("%Y/%m/%d").to_string()
}

pub(super) fn ym(date: NaiveDate) -> String {
    date.format("%Y/%m").to_string()
}

pub(super) fn add_months(date: NaiveDate, months: i32) -> NaiveDate {
    let m0 = date.year() * 12 + date.month0() as i32 + months;
    ymd(m0.div_euclid(12), m0.rem_euclid(12) as u32 + 1, 1)
}

pub(super) fn day_between(rng: &mut Rng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let span = (to - from).num_days().max(0);
    from + chrono::Days::new(rng.range(0, span) as u64)
}
