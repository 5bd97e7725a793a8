//! The metric catalog: every number the product shows is a named metric, evaluated
//! by DataFusion over an in-memory Arrow snapshot of the store, with parameters
//! (as-of date, grouping, area set, filters), a typed result and disclosure control.
//!
//! # Layout
//!
//! - [`snapshot`]: the store's tables as one load saw them, registered in a DataFusion session,
//!   plus derived tables (member spells).
//! - [`catalog`](mod@catalog): metric definitions, parameters, requests and evaluation.
//! - [`metrics`]: the metrics, one module per section (membership, share history, flows, survey, weighted survey estimates,
//!   specialists, hospitals, designation volumes), with shared helpers (area sets, survey questions) beside them.
//! - [`labels`]: Japanese labels of parameters and groupings, for forms and messages.
//! - [`result`]: typed results (columns with roles, values, provenance, notes).
//! - [`disclosure`]: audiences, primary and complementary suppression.
//! - [`release`]: the release grid for suppressed audiences (month ends, one event table per snapshot).
//! - [`renewals`]: renewal readiness per applicant (`model::renewal` checks), derived on first use.
//! - [`console`]: the researchers' SQL console over a researcher-safe catalog, with limits.
//! - [`text`]: Japanese morphological analysis (vibrato over IPADIC) for survey free text.
//! - [`stats`]: Wilson intervals, chi-square, rate ratios, raking, Kaplan–Meier.
//! - [`render`]: text table, CSV and JSON output of a result.
//! - [`docs`]: `docs/metrics.md`, generated from the catalog.
//! - [`engine`]: a synchronous facade (its own Tokio runtime) for the CLI and reports.
//! - [`frame`]: query results as rows of values.
//! - [`error`]: the crate's error type.

pub mod catalog;
pub mod console;
pub mod disclosure;
pub mod docs;
pub mod engine;
pub mod error;
pub mod frame;
pub mod labels;
pub mod metrics;
pub mod release;
pub mod render;
pub mod renewals;
pub mod result;
pub mod snapshot;
pub mod stats;
pub mod text;

pub use catalog::{MetricDef, Request, catalog, evaluate, find};
pub use disclosure::{Audience, Policy};
pub use engine::Engine;
pub use error::{Error, Result};
pub use result::{Column, MetricResult, Role, Value};
pub use snapshot::Snapshot;

/// Re-exported so that callers use the same DataFusion version.
pub use datafusion;
