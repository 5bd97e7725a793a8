//! 「私の声は届いていますか？」: the membership committee's answer to the member survey,
//! from survey evidence to questions, the respondents' answers, review and the published
//! booklet (seed 000). Editions live in the application database beside accounts and the
//! audit log (`store::appdb::booklet`), never in the warehouse.
//!
//! # Layout
//!
//! - [`edition`]: an edition's content — sections, questions with evidence and assignments,
//!   respondents, notices, roster — and the rules every version keeps.
//! - [`evidence`]: metric evidence evaluated for the board at the edition's date and load,
//!   as charts and tables; quoted free text.
//! - [`intro`]: `{{survey.rate}}` and the other figures filled into the text from the catalog.
//! - [`policy`]: who the booklet is for (the board's suppression), and so what it may show.
//! - [`rich`]: paragraphs, list items and links in what people write.
//! - [`workflow`]: create, copy, change, answer, review and publish, each a transaction with
//!   its audit entry, refused when made on a stale version.
//! - [`build`]: the booklet as a `reports::doc::Doc`, rendered to PDF or HTML.
//! - [`status`]: progress per question and respondent.
//! - [`xlsx`]: the workbook an office exchanges (whole editions, one respondent's questions).
//! - [`sample`]: the bundled sample edition.
//! - [`error`]: the crate's error type.

pub mod build;
pub mod edition;
pub mod error;
pub mod evidence;
pub mod intro;
pub mod policy;
pub mod rich;
pub mod sample;
pub mod status;
pub mod workflow;
pub mod xlsx;

pub use edition::Edition;
pub use error::{Error, Result};
