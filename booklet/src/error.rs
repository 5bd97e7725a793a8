//! The booklet's one error type, saying whose fault an error is.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// What the user gave cannot be used (the message says which item and why).
    #[error("{0}")]
    Invalid(String),
    /// Someone else changed it since it was read: read again.
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    NotFound(String),
    /// The user may not do this (a respondent writing another's answer, a frozen edition).
    #[error("{0}")]
    Forbidden(String),
    #[error(transparent)]
    Store(Box<store::Error>),
    #[error(transparent)]
    Metric(Box<queries::Error>),
    #[error(transparent)]
    Report(Box<reports::Error>),
    #[error("stored edition is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
}

impl From<store::Error> for Error {
    fn from(e: store::Error) -> Self {
        match e {
            store::Error::Conflict { what, .. } => Error::Conflict(what),
            e => Error::Store(Box::new(e)),
        }
    }
}

impl From<queries::Error> for Error {
    fn from(e: queries::Error) -> Self {
        Error::Metric(Box::new(e))
    }
}

impl From<reports::Error> for Error {
    fn from(e: reports::Error) -> Self {
        Error::Report(Box::new(e))
    }
}

impl Error {
    /// True when the user can fix it (bad input, a stale page, a missing item, no right);
    /// false for the system's own failures, which are logged rather than shown.
    pub fn is_user_fault(&self) -> bool {
        matches!(
            self,
            Error::Invalid(_) | Error::Conflict(_) | Error::NotFound(_) | Error::Forbidden(_) | Error::File { .. }
        )
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
