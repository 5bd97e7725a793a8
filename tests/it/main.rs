//! End-to-end tests of the `oncometrics` binary: one test binary (see CONTRIBUTING.md).

mod cli;
mod cluster;
mod crash;
mod http;
mod layout;
mod metric;
mod renewals;
mod report;
mod serve;
mod support;
mod upload_crash;
