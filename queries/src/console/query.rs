//! What one console query runs over and under ([`Tables`], [`Limits`]) and what it returns
//! ([`Answer`]), in this process or in a worker process alike.

use std::time::Duration;

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;

use crate::result::Value;

/// Limits on one query.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct Limits {
    pub timeout: Duration,
    pub max_rows: usize,
    /// What joins, sorts and aggregates may reserve (DataFusion's memory pool).
    pub memory_bytes: usize,
    /// The largest answer, in bytes of Arrow data: rows past it are cut as past `max_rows`.
    pub max_result_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            timeout: Duration::from_secs(10),
            max_rows: 10_000,
            memory_bytes: 256 * 1024 * 1024,
            max_result_bytes: 16 * 1024 * 1024,
        }
    }
}

/// A query's answer.
#[derive(Debug, Clone)]
pub struct Answer {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
    /// More rows existed than `max_rows` (or than `max_result_bytes` holds).
    pub truncated: bool,
    pub elapsed: Duration,
}

/// The data of the console's catalog: every table a query may read, as Arrow batches.
/// This is all a console query can ever see, in this process or in a worker process
/// ([`super::worker`]).
#[derive(Debug, Clone, Default)]
pub struct Tables(pub Vec<(String, SchemaRef, Vec<RecordBatch>)>);
