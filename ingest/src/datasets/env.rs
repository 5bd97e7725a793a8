//! What a dataset's validator receives (the rows' [`Env`]: pseudonymiser, as-of date,
//! [`RefData`]) and returns ([`Validated`]).

use std::collections::HashMap;

use arrow::record_batch::RecordBatch;
use chrono::NaiveDate;
use store::schema::Table;

use crate::designation_list::held::{Held, ListLoad, MasterHospital};
use crate::designation_list::name_map::NameMap;
use crate::pseudonym::Pseudonymiser;
use crate::reject::Reject;
use crate::table::RawTable;
use crate::validate::{Checker, RawCell};

/// A dataset's validator: the checker (rejects), the raw table, the environment (the
/// pseudonymiser, the as-of date, reference data) and, for survey answers, the columns that
/// hold questions.
pub type Validator =
    for<'a, 'b> fn(&mut Checker<'a>, &RawTable, &Env<'b>, &[(usize, String)]) -> crate::Result<Validated>;

/// (年度, 設問ID).
pub type QuestionKey = (i32, String);
/// (kind, options).
pub type QuestionDef = (String, Vec<String>);

/// Reference data from the warehouse that validation checks against.
#[derive(Debug, Default, Clone)]
pub struct RefData {
    /// Area set of the areas below (e.g. "R7"), if any areas are loaded.
    pub area_set: Option<String>,
    /// area_code → (prefecture code, area name).
    pub areas: HashMap<String, (i32, String)>,
    /// (prefecture code, area name) → area code.
    pub area_by_name: HashMap<(i32, String), String>,
    /// (年度, 設問ID) → (kind, options).
    pub questions: HashMap<QuestionKey, QuestionDef>,
    /// (年度, 設問ID) → 設問文.
    pub question_texts: HashMap<QuestionKey, String>,
    /// The hospital master of the latest area set, by prefecture code.
    pub hospitals: HashMap<i32, Vec<MasterHospital>>,
    /// The designation periods held now (a list is diffed against them).
    pub designations: Vec<Held>,
    /// The hospital name map kept from earlier lists.
    pub name_map: NameMap,
}

impl RefData {
    /// The questionnaire of 年度 `year`, in 設問ID order.
    pub fn questionnaire(&self, year: i32) -> Vec<crate::survey_export::Question> {
        let mut qs: Vec<crate::survey_export::Question> = self
            .questions
            .iter()
            .filter(|((y, _), _)| *y == year)
            .map(|((_, id), (kind, options))| crate::survey_export::Question {
                id: id.clone(),
                text: self.question_texts.get(&(year, id.clone())).cloned().unwrap_or_default(),
                kind: kind.clone(),
                options: options.clone(),
            })
            .collect();
        qs.sort_by(|a, b| a.id.cmp(&b.id));
        qs
    }
}

/// What validation needs besides the rows.
#[derive(Debug)]
pub struct Env<'a> {
    pub pseudonymiser: &'a Pseudonymiser,
    pub as_of: Option<NaiveDate>,
    pub refs: &'a RefData,
}

/// The typed result of validating one file.
#[derive(Debug, Default)]
pub struct Validated {
    pub batches: Vec<(&'static Table, RecordBatch)>,
    pub rows_total: usize,
    pub rows_ok: usize,
    pub rejects: Vec<Reject>,
    pub raw_cells: Vec<RawCell>,
    pub warnings: Vec<String>,
    /// The snapshot date of a members file.
    pub as_of: Option<NaiveDate>,
    /// Questions delivered by this file (so later files of the same command can check answers).
    pub questions: Vec<(QuestionKey, QuestionDef)>,
    /// Their 設問文 (so that a survey tool's export in the same command finds its questions).
    pub question_texts: Vec<(QuestionKey, String)>,
    /// A designation list: what its commit needs to make the periods.
    pub list: Option<ListLoad>,
}
