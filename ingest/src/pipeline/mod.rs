//! `ingest`: read, validate and commit files, all or nothing — in three steps, one type each
//! (as mini-redis has one type per step):
//!
//! 1. [`Plan::new`] reads and hashes the files, tells their datasets, sets aside files
//!    already loaded or given twice, and checks the pseudonymisation key ([`plan`]);
//! 2. [`Plan::validate`] parses, maps headers and checks every row, writing nothing
//!    ([`Validation`], in [`validation`]);
//! 3. [`Validation::commit`] loads it all in one store transaction ([`commit`]).
//!
//! [`ingest`] runs the three for the command line, with its rules (`--check`, all or nothing
//! unless `--accept-partial`); the dashboard's upload calls them one by one. The steps report
//! what they are doing to a [`Progress`] the caller supplies.

pub mod changes;
pub mod commit;
pub mod options;
pub mod plan;
pub mod progress;
pub mod report;
pub mod validation;

pub use changes::{RosterChanges, ShareCounts};
pub use options::{IngestOptions, dataset_names};
pub use plan::Plan;
pub use progress::{NoProgress, Progress};
pub use report::{FileReport, IngestReport, Outcome};
pub use validation::Validation;

use store::Warehouse;

use crate::error::Result;

/// Runs an ingest command against the warehouse, showing no progress.
pub fn ingest(wh: &mut Warehouse, opts: &IngestOptions) -> Result<IngestReport> {
    ingest_with(wh, opts, &NoProgress)
}

/// Runs an ingest command: plan, validate, write reject files, then stop (`--check`, rejects
/// without `--accept-partial`, nothing new) or commit.
pub fn ingest_with(wh: &mut Warehouse, opts: &IngestOptions, progress: &dyn Progress) -> Result<IngestReport> {
    let mut validation = Plan::new(wh, opts, progress)?.validate(progress)?;
    validation.write_reject_files(&opts.rejects_dir)?;
    // Everything the commit would refuse is refused here too, so --check tells the truth.
    validation.check_order(wh)?;
    if opts.check_only {
        return Ok(validation.report(Outcome::Checked));
    }
    if validation.has_rejects() && !opts.accept_partial {
        return Ok(validation.report(Outcome::Rejected));
    }
    if validation.is_empty() {
        return Ok(validation.report(Outcome::NothingNew));
    }
    validation.commit(wh, progress)
}
