//! Integration tests of ingest: one binary (see DEVELOPERS.md).

mod corpus;
mod history;
mod sample_data;
mod support;
mod survey;
