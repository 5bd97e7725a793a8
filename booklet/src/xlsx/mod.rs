//! The workbook the office exchanges: a whole edition (to start one from a file, or to
//! keep), or one respondent's questions (to fill in and send back). Sheets and columns are
//! data ([`SHEETS`]); `docs/booklet.md` lists them and a test keeps the two together.
//!
//! Importing a workbook whose edition is new creates it from every sheet. Importing one
//! whose edition exists takes only the answers of 回答: each row must name a question and a
//! respondent it is assigned to, with the question text unchanged since the export and the
//! answer not changed since either; any bad row refuses the whole file, naming the sheet,
//! row, column and value, and nothing is written.
//!
//! - [`sheets`]: the sheets and their columns, as data.
//! - [`export`](mod@export): an edition (or one respondent's part) as a workbook.
//! - [`read`]: a workbook's sheets read back, checked for zip bombs first.
//! - [`import`](mod@import): a new edition from a workbook, or its answers into an existing one.

pub mod export;
pub mod import;
pub mod read;
pub mod sheets;

pub use export::export;
pub use import::{Imported, import};
pub use sheets::{ANSWERS, EDITION, EVIDENCE, FOREWORDS, NOTICES, QUESTIONS, RESPONDENTS, ROSTER, SHEETS, SheetDef};
