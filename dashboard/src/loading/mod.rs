//! 取り込み: data in through the browser, as safe as the command line — for admin and データ
//! 管理者 (steward). A file is uploaded, validated in the background by the same code as
//! `oncometrics ingest --check`, previewed (encoding, layout, header mapping, rejects with row,
//! column, value and reason, what a roster would change), then committed or abandoned; the
//! server then reads the new snapshot by itself.
//!
//! # Layout
//!
//! - [`area`]: the upload area on disk (one directory per upload, its manifest, limits,
//!   clean-up) and the uploads the server knows, with their status.
//! - [`receive`]: the multipart body streamed into the area, CSRF first, within the limits.
//! - [`check`]: validation in the background; [`preview`]: the [`preview::Preview`] it leaves in memory.
//! - [`commit`]: 取り込む (exactly the files validated, by SHA-256) and 取り消す.
//! - [`view`]: the pages and the drop zone's script.
//!
//! Every step is audited: `upload` (files and SHA-256), `upload_checked`, `upload_previewed`,
//! `upload_commit`, then `upload_committed` or `upload_failed`, `upload_abandoned`,
//! `upload_expired`.

pub mod area;
pub mod check;
pub mod commit;
pub mod preview;
pub mod receive;
pub mod view;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

pub use area::{UploadConfig, Uploads};

use crate::state::AppState;

/// The audit actions of this module, for the audit log's filter.
pub const AUDIT_ACTIONS: [&str; 8] = [
    "upload",
    "upload_checked",
    "upload_previewed",
    "upload_commit",
    "upload_committed",
    "upload_failed",
    "upload_abandoned",
    "upload_expired",
];

/// The path of the upload form (its POST has no overall deadline of its own: see
/// [`crate::security::request_deadline`]).
pub const UPLOAD_PATH: &str = "/data/upload";

pub fn router(limits: &UploadConfig) -> Router<AppState> {
    // Each file is bounded while it streams (receive::save); the body as a whole by the most
    // files of the largest size, so that the parser never buffers more than that either.
    let body = limits.max_file_bytes.saturating_mul(limits.max_files as u64).saturating_add(1 << 20);
    let body = usize::try_from(body).unwrap_or(usize::MAX);
    Router::new()
        .route(UPLOAD_PATH, get(view::form).post(receive::upload).layer(DefaultBodyLimit::max(body)))
        .route("/data/upload/{id}", get(view::upload))
        .route("/data/upload/{id}/commit", post(commit::commit))
        .route("/data/upload/{id}/abandon", post(commit::abandon))
        .route("/static/upload.js", get(view::script))
}
