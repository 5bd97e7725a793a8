//! Errors of the metric engine.

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] store::Error),

    #[error("DataFusion: {0}")]
    DataFusion(#[from] datafusion::error::DataFusionError),

    #[error("arrow: {0}")]
    Arrow(#[from] arrow::error::ArrowError),

    #[error("unknown metric {name} / 指標 {name} はありません{}", hint.as_ref().map(|h| format!(" (もしかして: {h})")).unwrap_or_default())]
    UnknownMetric { name: String, hint: Option<String> },

    #[error("metric {metric}: parameter {param} = {value:?}: {reason}")]
    Param { metric: String, param: String, value: String, reason: String },

    #[error("metric {metric} is not available to the {audience} audience / この指標は {audience} には公開されません")]
    NotPermitted { metric: String, audience: String },

    #[error("metric {metric}: {detail}")]
    Data { metric: String, detail: String },

    #[error("morphological analysis: {0}")]
    Dictionary(String),

    #[error("renewal rules: {0}")]
    Rules(String),

    #[error("runtime: {0}")]
    Runtime(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Whose fault an error is, as GreptimeDB's `status_code()`: a server answers by it, and shows
/// the message only when the fault is the user's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The request named a metric that does not exist.
    NotFound,
    /// A parameter the user gave is wrong; the message says how.
    InvalidInput,
    /// The metric is not for the request's audience.
    NotPermitted,
    /// The data, the configuration or the engine: the operator's to look into (logged).
    Internal,
}

impl Error {
    /// Whose fault this error is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::UnknownMetric { .. } => ErrorKind::NotFound,
            Error::Param { .. } => ErrorKind::InvalidInput,
            Error::NotPermitted { .. } => ErrorKind::NotPermitted,
            Error::Store(_)
            | Error::DataFusion(_)
            | Error::Arrow(_)
            | Error::Data { .. }
            | Error::Dictionary(_)
            | Error::Rules(_)
            | Error::Runtime(_) => ErrorKind::Internal,
        }
    }
}
