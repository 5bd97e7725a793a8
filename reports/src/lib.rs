//! What leaves the product on paper or screen: charts drawn with plotters as SVG,
//! shared by the dashboard's pages and the generated reports.
//!
//! # Layout
//!
//! - [`charts`]: line charts (with a threshold line, e.g. the 80% rule), bar charts, a
//!   gauge and sparklines, as standalone SVG with the value of each point on hover.
//! - [`map`]: a choropleth of the 47 prefectures from the reference GeoJSON outlines.
//! - [`svg`]: post-processing of plotters' SVG (responsive size, accessible title, hover marks).
//! - [`error`]: the crate's error type.

pub mod charts;
pub mod error;
pub mod map;
pub mod svg;

pub use error::{Error, Result};
