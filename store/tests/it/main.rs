//! Integration tests of the store: one binary (see DEVELOPERS.md).

mod lake;
mod loads;
mod schema;
