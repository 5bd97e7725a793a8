//! Integration tests of the reports over the bundled sample, loaded once.

mod board;
mod committee;
mod research;
mod support;
