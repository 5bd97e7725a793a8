//! End-to-end tests of the `oncometrics` binary: one test binary (see CONTRIBUTING.md).

mod cli;
mod crash;
mod layout;
mod metric;
mod renewals;
mod report;
mod serve;
mod support;
