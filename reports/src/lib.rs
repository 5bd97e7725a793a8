//! What leaves the product on paper or screen: charts drawn with plotters as SVG, shared
//! by the dashboard's pages and the generated reports, and the reports themselves.
//!
//! # Layout
//!
//! - [`charts`]: line charts (with a threshold line, e.g. the 80% rule), bar charts, a
//!   gauge and sparklines, as standalone SVG with the value of each point on hover.
//! - [`map`]: a choropleth of the 47 prefectures from the reference GeoJSON outlines.
//! - [`area_map`]: the same at the level of the 構想区域 (がん医療圏 as their unions), with prefecture outlines.
//! - [`svg`]: post-processing of plotters' SVG (responsive size, accessible title, hover marks).
//! - [`format`](mod@format): numbers, dates and cells as the dashboard and the reports both print them.
//! - [`export`]: CSV, XLSX, Parquet and ZIP files of a metric result, with their manifest.
//! - [`doc`]: a report as blocks (headings, text, KPI boxes, tables, charts).
//! - [`pdf`]: A4 PDF from a [`doc::Doc`] with an embedded Japanese font (krilla).
//! - [`html`]: the same document as one self-contained HTML file.
//! - [`series`]: chart data (points, lines per group, map regions) from metric results.
//! - [`packs`]: the board, committee and researcher packs built from the metric catalog.
//! - [`error`]: the crate's error type.

pub mod area_map;
pub mod charts;
pub mod doc;
pub mod error;
pub mod export;
pub mod format;
pub mod html;
pub mod map;
pub mod packs;
pub mod pdf;
pub mod series;
pub mod svg;

pub use error::{Error, Result};
