//! Integration tests of the store: one binary (see CONTRIBUTING.md).

mod lake;
mod loads;
mod schema;
