//! One validator per dataset: raw rows in, typed Arrow batches and rejects out.
//!
//! - [`members`]: 会員名簿 snapshots.
//! - [`survey`]: survey waves, questions and responses.
//! - [`registry`]: specialists, designations, hospital volumes, areas, hospitals.
//! - [`renewals`]: the JSMO and JBCT renewal applications.
//!
//! What each validator receives and returns is in `env` ([`Env`], [`Validated`]).

pub mod members;
pub mod registry;
pub mod renewals;
pub mod survey;

mod env;

pub use env::{Env, QuestionDef, QuestionKey, RefData, Validated, Validator};

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
