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
