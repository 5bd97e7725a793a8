//! Integration tests of ingest: one binary (see CONTRIBUTING.md).

mod corpus;
mod designation_lists;
mod fuzz_regressions;
mod history;
mod hospital_names;
mod sample_data;
mod status_reports;
mod steps;
mod support;
mod survey;
mod survey_tools;
mod titles;
