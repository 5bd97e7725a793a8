//! The crate's error type.

/// An error while drawing a chart or writing a report.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// plotters could not draw (a degenerate range, a backend error).
    #[error("chart {chart}: {detail}")]
    Chart { chart: String, detail: String },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn chart(chart: &str, detail: impl std::fmt::Display) -> Self {
        Error::Chart { chart: chart.to_string(), detail: detail.to_string() }
    }
}
