//! The crate's error type.

/// An error while drawing a chart or writing a report.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// plotters could not draw (a degenerate range, a backend error).
    #[error("chart {chart}: {detail}")]
    Chart { chart: String, detail: String },
    /// No usable Japanese font, or one that cannot be read.
    #[error("フォント / font: {0}")]
    Font(String),
    /// The PDF or a chart in it could not be written.
    #[error("PDF: {0}")]
    Render(String),
    /// An export file (CSV, XLSX, Parquet, ZIP, DuckDB) could not be written.
    #[error("export: {0}")]
    Export(String),
    /// A metric the report needs failed.
    #[error("指標 / metric: {0}")]
    Metric(#[from] queries::Error),
    /// A report parameter is wrong (a what-if scenario, an output path).
    #[error("{0}")]
    Invalid(String),
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn chart(chart: &str, detail: impl std::fmt::Display) -> Self {
        Error::Chart { chart: chart.to_string(), detail: detail.to_string() }
    }
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        Error::Io { path: path.display().to_string(), source }
    }
}
