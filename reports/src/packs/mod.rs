//! The packs: documents built from metric results over one snapshot. A pack records the
//! loads every result read, so its title page can say exactly which data it shows and how
//! to make the same file again.
//!
//! - [`board`]: 理事会資料, the board pack.
//! - [`committee`]: 会員委員会資料, the committee pack (exact counts, what-if, cross-tabs, free text).
//! - [`research`]: 研究者向けデータパック, suppressed tables as CSV, XLSX, Parquet and DuckDB with a codebook.

pub mod board;
pub mod committee;
pub mod research;

use std::cell::RefCell;
use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate};
use queries::{Audience, Engine, MetricResult, Request};

use crate::error::Result;

/// What a pack is made from: the engine (one snapshot), the as-of date and the audience
/// whose disclosure policy every table follows.
#[derive(Debug)]
pub struct Context<'a> {
    pub engine: &'a Engine,
    pub as_of: NaiveDate,
    pub audience: Audience,
    loads: RefCell<BTreeSet<i64>>,
    sample: RefCell<bool>,
    /// Every metric evaluated for the pack, in order: what a test compares with the API.
    evaluated: RefCell<Vec<(Request, MetricResult)>>,
}

impl<'a> Context<'a> {
    pub fn new(engine: &'a Engine, as_of: NaiveDate, audience: Audience) -> Self {
        Context {
            engine,
            as_of,
            audience,
            loads: RefCell::default(),
            sample: RefCell::new(false),
            evaluated: RefCell::default(),
        }
    }

    /// A request for `metric` at the pack's date for its audience.
    pub fn req(&self, metric: &str) -> Request {
        Request::new(metric, self.audience).as_of(self.as_of)
    }

    /// Evaluates a metric and records the loads it read.
    pub fn eval(&self, req: Request) -> Result<MetricResult> {
        let r = self.engine.evaluate(&req)?;
        self.loads.borrow_mut().extend(r.provenance.load_ids.iter().copied());
        if r.provenance.sample {
            *self.sample.borrow_mut() = true;
        }
        self.evaluated.borrow_mut().push((req, r.clone()));
        Ok(r)
    }

    /// Every (request, result) the pack has evaluated so far, in order.
    pub fn evaluated(&self) -> Vec<(Request, MetricResult)> {
        self.evaluated.borrow().clone()
    }

    /// As [`Context::eval`], but None when the metric's data are not loaded (the section
    /// then says so instead of failing the pack).
    pub fn opt(&self, req: Request) -> Result<Option<MetricResult>> {
        match self.eval(req) {
            Ok(r) => Ok(Some(r)),
            Err(crate::Error::Metric(queries::Error::Param { .. } | queries::Error::Data { .. })) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The loads read so far, as ranges: "1–12, 14".
    pub fn loads_text(&self) -> String {
        ranges(&self.loads.borrow().iter().copied().collect::<Vec<_>>())
    }

    pub fn load_ids(&self) -> Vec<i64> {
        self.loads.borrow().iter().copied().collect()
    }

    pub fn sample(&self) -> bool {
        *self.sample.borrow()
    }

    /// The 年度 (April–March) of the as-of date.
    pub fn fiscal_year(&self) -> i32 {
        fiscal_year(self.as_of)
    }

    /// The last day of the previous 年度: the date "since the previous 年度" compares with.
    pub fn previous_year_end(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.fiscal_year(), 3, 31).unwrap_or(self.as_of)
    }
}

/// The 年度 of a date.
pub fn fiscal_year(d: NaiveDate) -> i32 {
    if d.month() >= 4 { d.year() } else { d.year() - 1 }
}

/// Sorted ids as ranges: `[1,2,3,5]` → "1–3, 5".
pub fn ranges(ids: &[i64]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < ids.len() {
        let mut j = i;
        while j + 1 < ids.len() && ids[j + 1] == ids[j] + 1 {
            j += 1;
        }
        parts.push(if j > i { format!("{}–{}", ids[i], ids[j]) } else { ids[i].to_string() });
        i = j + 1;
    }
    if parts.is_empty() { "—".into() } else { parts.join(", ") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_ids_read_as_ranges() {
        assert_eq!(ranges(&[1, 2, 3, 5, 7, 8]), "1–3, 5, 7–8");
        assert_eq!(ranges(&[]), "—");
    }

    #[test]
    fn fiscal_years_start_in_april() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap_or_default();
        assert_eq!(fiscal_year(d(2026, 3, 31)), 2025);
        assert_eq!(fiscal_year(d(2026, 4, 1)), 2026);
    }
}
