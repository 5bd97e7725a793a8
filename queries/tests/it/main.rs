//! Integration tests of the metric catalog over the bundled sample, loaded once.

mod alerts;
mod cluster;
mod console;
mod crosscheck;
mod crosstab;
mod designations;
mod disclosure;
mod facts;
mod golden;
mod injection;
mod labels;
mod lake;
mod renewals;
mod roles;
mod support;
mod text;
