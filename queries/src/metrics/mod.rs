//! The metric definitions, one module per section of the product, and the two lists the
//! rest of the crate reads: [`all`] (every metric, for the catalog) and [`derived`] (the
//! tables built when a snapshot is read, for [`crate::snapshot`]). A new metric is added to
//! [`all`]; a new derived table to [`derived`]; what several metrics share is in `common`.

mod common;
pub mod drilldown;
pub mod flows;
pub mod free_text;
mod free_text_answers;
pub mod hospitals;
pub mod membership;
pub mod questions;
pub mod renewals;
pub mod share_history;
pub mod specialists;
pub mod survey;
pub mod volumes;
pub(crate) mod wave_frames;
pub mod weighted;

pub use common::{
    AREA_SET_PARAM, active_at, age_band_of, age_band_sql, area_set, fiscal_year_sql, month_end, month_end_of_index,
    month_index, prefecture_cells, region_of, vocab_order,
};

use crate::metric::MetricDef;
use crate::snapshot::{Derived, MEMBER_SPELLS};

/// Every metric, section by section (the order of 指標一覧). A new metric is added here.
pub fn all() -> Vec<&'static MetricDef> {
    vec![
        &membership::COMPOSITION,
        &membership::PHYSICIAN_SHARE,
        &share_history::SHARE_HISTORY,
        &membership::WHAT_IF,
        &membership::PROJECTION,
        &membership::PROJECTION_INPUTS,
        &flows::FLOWS,
        &flows::BEFORE_AFTER,
        &flows::RETENTION,
        &questions::QUESTIONS,
        &survey::RESPONSE_RATE,
        &survey::ANSWERS,
        &survey::CROSSTAB,
        &survey::TREND,
        &weighted::WEIGHTED,
        &free_text::TERMS,
        &free_text::KWIC,
        &specialists::BY_YEAR,
        &specialists::PER_100K,
        &specialists::RENEWALS_DUE,
        &specialists::AREAS_WITHOUT,
        &renewals::COHORT,
        &renewals::BLOCKERS,
        &renewals::APPLICANTS,
        &renewals::FINDINGS,
        &hospitals::DESIGNATIONS,
        &hospitals::BLANK_AREAS,
        &hospitals::BLANK_COUNT,
        &hospitals::BLANK_SERIES,
        &drilldown::AREAS,
        &drilldown::LIST,
        &volumes::VOLUME_CHECK,
        &volumes::VOLUME_SUMMARY,
        &hospitals::COVERAGE,
    ]
}

/// Every derived table, in the order they are built (later ones may read earlier ones).
pub fn derived() -> &'static [&'static Derived] {
    &[
        &MEMBER_SPELLS,
        &share_history::SHARE_EVENTS,
        &flows::TENURE_CELLS,
        &flows::COHORT_LEAVES,
        &questions::ANSWER_COUNTS,
        &wave_frames::WAVE_FRAMES,
        &weighted::RESPONSE_CELLS,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// As DataFusion's `test_no_duplicate_name`: a name finds one metric, one derived table.
    #[test]
    fn no_duplicate_name() {
        let mut names: Vec<&str> = all().iter().map(|d| d.name).collect();
        names.extend(derived().iter().map(|d| d.name));
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n, "a metric or derived table name is used twice");
    }
}
