//! Where the steps say what they are doing: the command line's spinner, the dashboard's
//! upload page, or nowhere. The caller supplies it; the steps never draw anything themselves.

/// Receives the steps' messages (Japanese / English, e.g. 「検証 / validating roster.csv (120 KB)」).
pub trait Progress: Sync {
    /// A step began.
    fn step(&self, message: &str);
    /// The steps that needed showing are over.
    fn finish(&self) {}
}

/// Progress shown nowhere (tests, the first-start sample load).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn step(&self, _: &str) {}
}
