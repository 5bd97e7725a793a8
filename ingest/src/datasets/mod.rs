//! One validator per dataset: raw rows in, typed Arrow batches and rejects out.
//!
//! - [`members`]: 会員名簿 snapshots.
//! - [`survey`]: survey waves, questions and responses.
//! - [`registry`]: specialists, designations, hospital volumes, areas, hospitals.
//! - [`renewals`]: the JSMO and JBCT renewal applications.

pub mod members;
pub mod registry;
pub mod renewals;
pub mod survey;

use std::collections::HashMap;

use arrow::record_batch::RecordBatch;
use chrono::NaiveDate;
use store::schema::Table;

use crate::pseudonym::Pseudonymiser;
use crate::reject::Reject;
use crate::table::RawTable;
use crate::validate::{Checker, RawCell};

/// A dataset's validator: the checker (rejects), the raw table, the environment (the
/// pseudonymiser, the as-of date, reference data) and, for survey answers, the columns that
/// hold questions.
pub type Validator =
    for<'a, 'b> fn(&mut Checker<'a>, &RawTable, &Env<'b>, &[(usize, String)]) -> crate::Result<Validated>;

/// Every dataset's validator, by the dataset's name in `crate::spec::DATASETS` (tested: one
/// each, no name twice).
pub const VALIDATORS: &[(&str, Validator)] = &[
    ("members", |ck, t, env, _| members::validate(ck, t, env)),
    ("survey_waves", |ck, t, _, _| survey::validate_waves(ck, t)),
    ("survey_questions", |ck, t, _, _| survey::validate_questions(ck, t)),
    ("survey_responses", survey::validate_responses),
    ("specialists", |ck, t, env, _| registry::validate_specialists(ck, t, env)),
    ("designations", |ck, t, env, _| registry::validate_designations(ck, t, env)),
    ("hospital_volumes", |ck, t, env, _| registry::validate_volumes(ck, t, env)),
    ("areas", |ck, t, _, _| registry::validate_areas(ck, t)),
    ("hospitals", |ck, t, env, _| registry::validate_hospitals(ck, t, env)),
    ("jsmo_renewals", |ck, t, env, _| renewals::validate(ck, t, env)),
    ("jsmo_credits", |ck, t, env, _| renewals::validate(ck, t, env)),
    ("jbct_renewals", |ck, t, env, _| renewals::validate(ck, t, env)),
    ("jbct_facilities", |ck, t, env, _| renewals::validate(ck, t, env)),
    ("jbct_cases", |ck, t, env, _| renewals::validate(ck, t, env)),
    ("jbct_meetings", |ck, t, env, _| renewals::validate(ck, t, env)),
    ("jbct_elearning", |ck, t, env, _| renewals::validate(ck, t, env)),
];

/// The validator of the dataset `name`.
pub fn validator(name: &str) -> Option<Validator> {
    VALIDATORS.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

/// (年度, 設問ID).
pub type QuestionKey = (i32, String);
/// (kind, options).
pub type QuestionDef = (String, Vec<String>);

/// Reference data from the warehouse that validation checks against.
#[derive(Debug, Default, Clone)]
pub struct RefData {
    /// Area set of the areas below (e.g. "R7"), if any areas are loaded.
    pub area_set: Option<String>,
    /// area_code → (prefecture code, area name).
    pub areas: HashMap<String, (i32, String)>,
    /// (prefecture code, area name) → area code.
    pub area_by_name: HashMap<(i32, String), String>,
    /// (年度, 設問ID) → (kind, options).
    pub questions: HashMap<QuestionKey, QuestionDef>,
}

/// What validation needs besides the rows.
#[derive(Debug)]
pub struct Env<'a> {
    pub pseudonymiser: &'a Pseudonymiser,
    pub as_of: Option<NaiveDate>,
    pub refs: &'a RefData,
}

/// The typed result of validating one file.
#[derive(Debug, Default)]
pub struct Validated {
    pub batches: Vec<(&'static Table, RecordBatch)>,
    pub rows_total: usize,
    pub rows_ok: usize,
    pub rejects: Vec<Reject>,
    pub raw_cells: Vec<RawCell>,
    pub warnings: Vec<String>,
    /// The snapshot date of a members file.
    pub as_of: Option<NaiveDate>,
    /// Questions delivered by this file (so later files of the same command can check answers).
    pub questions: Vec<(QuestionKey, QuestionDef)>,
}

#[cfg(test)]
mod validator_tests {
    use super::*;

    /// Like DataFusion's `test_no_duplicate_name`: every dataset has one validator, and a
    /// validator names a dataset.
    #[test]
    fn every_dataset_has_one_validator() {
        let mut names: Vec<&str> = VALIDATORS.iter().map(|(n, _)| *n).collect();
        names.sort_unstable();
        let n = names.len();
        names.dedup();
        assert_eq!(names.len(), n, "a dataset has two validators");
        let mut specs: Vec<&str> = crate::spec::DATASETS.iter().map(|d| d.name).collect();
        specs.sort_unstable();
        assert_eq!(names, specs);
        for d in crate::spec::DATASETS.iter().filter(|d| renewals::is_renewal(d.name)) {
            assert!(validator(d.name).is_some(), "{}", d.name);
        }
    }
}
