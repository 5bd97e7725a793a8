//! The warehouse: one DuckDB file (the system of record, with ACID loads and a
//! load history) plus a Parquet lake holding an open copy of every committed load.
//!
//! # Layout
//!
//! - [`appdb`]: dashboard accounts, the audit log and the committee's booklets, in their own DuckDB file.
//! - [`schema`]: every table, defined once; DuckDB DDL and Arrow schemas derive from it.
//! - [`warehouse`]: opening the store, its metadata, the load history and `status`.
//! - [`load`]: a load transaction: append batches, supersede older rows, commit.
//! - [`lake`]: the Parquet lake: atomic export of each committed load, and repair on open.
//! - [`snapshot`]: the tables as one load saw them, read into Arrow for the metric engine.
//! - [`sql`]: the current-rows rule and the path literal, written once.
//! - [`error`]: the crate's error type.
//!
//! A load commits in one DuckDB transaction; only after it has committed is it
//! exported to the lake, each partition written aside and renamed into place.
//! Opening the store finishes any export a crash interrupted and removes staging
//! leftovers, so readers of the lake never see a half-written file.

pub mod appdb;
pub mod error;
pub mod lake;
pub mod load;
pub mod schema;
pub mod snapshot;
pub mod sql;
pub mod warehouse;

pub use appdb::booklet::{AnswerSave, BuildRow};
pub use appdb::{Account, AnswerRow, AppDb, AuditEntry, AuditVerification, BookletComment, EditionRow};
pub use error::{Error, Result};
pub use lake::OWNER_FILE;
pub use load::{LoadMeta, LoadTx, MemberDiff, Staged, Stager};
pub use snapshot::{SnapshotTable, StoreSnapshot};
pub use warehouse::{DatasetStatus, LoadInfo, Status, Warehouse};

/// Re-exported so that callers build batches with the same arrow version.
pub use arrow;
