//! End-to-end tests of the `oncometrics` binary: one test binary (see DEVELOPERS.md).

mod cli;
mod crash;
mod metric;
mod renewals;
mod report;
mod serve;
mod support;
