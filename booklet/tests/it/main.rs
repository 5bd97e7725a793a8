//! Integration tests of the booklet over the bundled sample (loaded once) and its sample
//! editions: the built PDF read back with poppler, the workflow's rules, the workbook.

mod build;
mod docs;
mod support;
mod workflow;
mod xlsx;
