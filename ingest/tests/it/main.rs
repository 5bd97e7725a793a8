//! Integration tests of ingest: one binary (see DEVELOPERS.md).

mod corpus;
mod fuzz_regressions;
mod history;
mod sample_data;
mod support;
mod survey;
