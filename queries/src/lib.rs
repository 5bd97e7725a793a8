//! The metric catalog: every number the product shows is a named metric, evaluated
//! by DataFusion over an in-memory Arrow snapshot of the store, with parameters
//! (as-of date, grouping, area set, filters), a typed result and disclosure control.
//!
//! # Layout
//!
//! In the order a request flows, lowest first:
//!
//! - [`error`]: the crate's error type. [`result`]: typed results (columns with roles, values,
//!   provenance, notes). [`frame`]: query results as rows of values. [`stats`]: Wilson
//!   intervals, chi-square, rate ratios, raking, Kaplan–Meier. [`text`]: Japanese
//!   morphological analysis (vibrato over IPADIC) for survey free text.
//! - [`snapshot`]: the store's tables as one load saw them, registered in a DataFusion session,
//!   plus the derived tables it is given. [`lake`]: the same snapshot over the Parquet lake
//!   (listing tables, supersession rebuilt as views) instead of in memory. [`derived`]: the
//!   tables derived once per store state (in memory, or kept in the lake's `_derived/`; `kept`
//!   writes its files).
//!   [`session`]: the DataFusion session and in-memory tables. [`functions`]: the SQL functions
//!   the metrics add to DataFusion's. [`cluster`]: the lake snapshot on a Ballista cluster, and
//!   the scheduler and executor processes.
//! - [`disclosure`]: audiences, primary and complementary suppression. [`release`]: the release
//!   grid for suppressed audiences (month ends, one event table per snapshot).
//! - [`metric`]: the types a metric is written with (`MetricDef`, `ParamSpec`, `Request`, `Cx`,
//!   `Output`).
//! - [`metrics`]: the metrics, one module per section (membership, share history, flows, survey,
//!   weighted survey estimates, specialists, hospitals, designation volumes), with shared helpers
//!   beside them; `metrics::all()` and `metrics::derived()` list them. [`published`]: the
//!   ministry's own figures (national totals, the official 空白 count), shown beside ours.
//!   [`renewal_status`]: renewal readiness per applicant (`model::renewal` checks), derived on
//!   first use, read by the renewal metrics.
//! - [`catalog`](mod@catalog): finding a metric by name and evaluating a request (parameters
//!   checked, disclosure applied). [`labels`]: Japanese labels of parameters, groupings,
//!   choices and datasets.
//! - [`alerts`]: what the committee must hear after a load (the 80% rule, unusual loads).
//! - [`engine`]: a synchronous facade (its own Tokio runtime) for the CLI and reports.
//!   [`render`]: text table, CSV and JSON output of a result. [`docs`]: `docs/metrics.md`,
//!   generated from the catalog. [`console`]: the researchers' SQL console over a
//!   researcher-safe catalog, with limits.

pub mod alerts;
pub mod catalog;
pub mod cluster;
pub mod console;
pub mod derived;
pub mod disclosure;
pub mod docs;
pub mod engine;
pub mod error;
pub mod frame;
pub mod functions;
mod kept;
pub mod labels;
pub mod lake;
pub mod metric;
pub mod metrics;
pub mod published;
pub mod release;
pub mod render;
pub mod renewal_status;
pub mod result;
pub mod session;
pub mod snapshot;
pub mod stats;
pub mod text;

pub use catalog::{MetricDef, Request, catalog, evaluate, find};
pub use disclosure::{Audience, Policy};
pub use engine::Engine;
pub use error::{Error, ErrorKind, Result};
pub use result::{Column, MetricResult, Role, Value};
pub use snapshot::Snapshot;

/// Re-exported so that callers use the same DataFusion version.
pub use datafusion;
