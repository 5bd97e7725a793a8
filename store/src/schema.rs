//! Every table of the warehouse, defined once.
//!
//! Each data table carries two system columns ahead of its payload: `load_id` (the
//! load that delivered the row) and `superseded_by` (the later load that replaced
//! it, or NULL while current). Readers of "current" data filter on
//! `superseded_by IS NULL`; readers of "what load L saw" filter on
//! `load_id <= L AND (superseded_by IS NULL OR superseded_by > L)`.

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema, SchemaRef};

/// A column type, mapped to both DuckDB and Arrow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Col {
    Text,
    Int,
    BigInt,
    Double,
    Date,
    Bool,
}

impl Col {
    pub fn duckdb(self) -> &'static str {
        match self {
            Col::Text => "VARCHAR",
            Col::Int => "INTEGER",
            Col::BigInt => "BIGINT",
            Col::Double => "DOUBLE",
            Col::Date => "DATE",
            Col::Bool => "BOOLEAN",
        }
    }

    pub fn arrow(self) -> DataType {
        match self {
            Col::Text => DataType::Utf8,
            Col::Int => DataType::Int32,
            Col::BigInt => DataType::Int64,
            Col::Double => DataType::Float64,
            Col::Date => DataType::Date32,
            Col::Bool => DataType::Boolean,
        }
    }
}

/// How a new load replaces rows of earlier loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Supersede {
    /// Rows are never replaced (append-only history, e.g. roster snapshots).
    Never,
    /// A load replaces all current rows.
    All,
    /// A load replaces current rows whose key columns match a key it delivers
    /// (e.g. a survey load for 年度 2024 replaces only 2024).
    ByKey(&'static [&'static str]),
    /// Versioned by the load itself (members: a new version supersedes the old one).
    Managed,
    /// Validity intervals, closed by later loads (membership history); no `superseded_by`.
    Intervals,
}

/// The column that holds a member's pseudonym in every table that has one.
pub const PSEUDONYM_COLUMN: &str = "member_key";

/// One table.
#[derive(Debug)]
pub struct Table {
    pub name: &'static str,
    /// Payload columns (system columns excluded): (name, type, nullable).
    pub columns: &'static [(&'static str, Col, bool)],
    pub supersede: Supersede,
    /// Written to the lake per load (false for derived tables kept in the warehouse only).
    pub in_lake: bool,
}

impl Table {
    /// Arrow schema of the payload, as ingest must build it.
    pub fn payload_schema(&self) -> SchemaRef {
        Arc::new(Schema::new(
            self.columns.iter().map(|(n, t, null)| Field::new(*n, t.arrow(), *null)).collect::<Vec<_>>(),
        ))
    }

    /// DuckDB DDL.
    pub fn ddl(&self) -> String {
        let mut cols = vec!["load_id BIGINT NOT NULL".to_string(), "superseded_by BIGINT".to_string()];
        if self.supersede == Supersede::Intervals {
            cols.pop();
        }
        for (n, t, null) in self.columns {
            // Pseudonyms are random hex: DuckDB's compression analysis of them costs more than
            // half of a roster table's insert time (0.72 → 0.42 s per 1.2 M rows, measured) to
            // save ~18 bytes a row, so they are stored uncompressed.
            let storage = if *n == PSEUDONYM_COLUMN { " USING COMPRESSION uncompressed" } else { "" };
            cols.push(format!("{n} {}{}{storage}", t.duckdb(), if *null { "" } else { " NOT NULL" }));
        }
        format!("CREATE TABLE IF NOT EXISTS {} (\n  {}\n)", self.name, cols.join(",\n  "))
    }

    /// Statements that bring a table made by an older build up to this one: every nullable
    /// column is added when missing (new columns are only ever appended, nullable, so that
    /// the column order of an older table and a new one is the same).
    pub fn additions(&self) -> Vec<String> {
        self.columns
            .iter()
            .filter(|(_, _, null)| *null)
            .map(|(n, t, _)| format!("ALTER TABLE {} ADD COLUMN IF NOT EXISTS {n} {}", self.name, t.duckdb()))
            .collect()
    }

    pub fn column_names(&self) -> Vec<&'static str> {
        self.columns.iter().map(|c| c.0).collect()
    }
}

use Col::*;

pub const MEMBER_SNAPSHOTS: Table = Table {
    name: "member_snapshots",
    columns: &[
        ("row_no", BigInt, false),
        ("as_of", Date, false),
        ("member_key", Text, false),
        ("category", Text, false),
        ("profession", Text, false),
        ("joined_on", Date, false),
        ("left_on", Date, true),
        ("prefecture_code", Int, true),
        ("birth_year", Int, true),
        ("sex", Text, true),
    ],
    supersede: Supersede::Never,
    in_lake: true,
};

/// One row per member and version of the facts that are dates, not states:
/// joined, left (and whether the leave date was inferred from disappearance).
pub const MEMBERS: Table = Table {
    name: "members",
    columns: &[
        ("member_key", Text, false),
        ("joined_on", Date, false),
        ("left_on", Date, true),
        ("left_inferred", Bool, false),
        ("birth_year", Int, true),
        ("sex", Text, true),
        ("first_seen", Date, false),
    ],
    supersede: Supersede::Managed,
    in_lake: true,
};

/// Validity intervals of a member's category, profession and prefecture.
/// `load_id` opened the interval; `closed_load` closed it (setting `valid_to`).
pub const MEMBER_HISTORY: Table = Table {
    name: "member_history",
    columns: &[
        ("member_key", Text, false),
        ("valid_from", Date, false),
        ("valid_to", Date, true),
        ("closed_load", BigInt, true),
        ("category", Text, false),
        ("profession", Text, false),
        ("prefecture_code", Int, true),
    ],
    supersede: Supersede::Intervals,
    in_lake: true,
};

pub const SURVEY_WAVES: Table = Table {
    name: "survey_waves",
    columns: &[
        ("row_no", BigInt, false),
        ("fiscal_year", Int, false),
        ("opened_on", Date, false),
        ("closed_on", Date, false),
        ("invited", Int, false),
    ],
    supersede: Supersede::ByKey(&["fiscal_year"]),
    in_lake: true,
};

pub const SURVEY_QUESTIONS: Table = Table {
    name: "survey_questions",
    columns: &[
        ("row_no", BigInt, false),
        ("fiscal_year", Int, false),
        ("question_id", Text, false),
        ("text", Text, false),
        ("kind", Text, false),
        ("options", Text, true),
    ],
    supersede: Supersede::ByKey(&["fiscal_year"]),
    in_lake: true,
};

pub const SURVEY_RESPONSES: Table = Table {
    name: "survey_responses",
    columns: &[
        ("row_no", BigInt, false),
        ("fiscal_year", Int, false),
        ("response_id", Text, false),
        ("member_key", Text, true),
        ("profession", Text, true),
        ("age_band", Text, true),
        ("prefecture_code", Int, true),
    ],
    supersede: Supersede::ByKey(&["fiscal_year"]),
    in_lake: true,
};

/// One row per response and question answered (long form). Multi-choice answers
/// keep their `;`-separated choices in one value.
pub const SURVEY_ANSWERS: Table = Table {
    name: "survey_answers",
    columns: &[
        ("fiscal_year", Int, false),
        ("response_id", Text, false),
        ("question_id", Text, false),
        ("answer", Text, false),
    ],
    supersede: Supersede::ByKey(&["fiscal_year"]),
    in_lake: true,
};

pub const SPECIALISTS: Table = Table {
    name: "specialists",
    columns: &[
        ("row_no", BigInt, false),
        ("qualification", Text, false),
        ("certificate_no", Text, false),
        ("member_key", Text, true),
        ("certified_on", Date, false),
        ("expires_on", Date, false),
        ("renewals", Int, false),
        ("prefecture_code", Int, true),
        ("facility", Text, true),
        ("area_code", Text, true),
    ],
    supersede: Supersede::ByKey(&["qualification"]),
    in_lake: true,
};

pub const DESIGNATIONS: Table = Table {
    name: "designations",
    columns: &[
        ("row_no", BigInt, false),
        ("prefecture_code", Int, false),
        ("hospital", Text, false),
        ("area_code", Text, true),
        ("area_name", Text, true),
        ("designation", Text, false),
        ("designated_from", Date, false),
        ("designated_until", Date, true),
        ("partner", Text, true),
    ],
    supersede: Supersede::All,
    in_lake: true,
};

pub const HOSPITAL_VOLUMES: Table = Table {
    name: "hospital_volumes",
    columns: &[
        ("row_no", BigInt, false),
        ("hospital", Text, false),
        ("area_code", Text, false),
        ("fiscal_year", Int, false),
        ("cancer_registry", Int, true),
        ("surgery", Int, true),
        ("chemotherapy", Int, true),
        ("radiotherapy", Int, true),
        // From the ministry's 現況報告 (nullable, appended).
        ("area_name", Text, true),
        ("designation", Text, true),
        ("application", Text, true),
        ("palliative_referrals", Int, true),
        ("resident_share_pct", Double, true),
        ("consultations", Int, true),
    ],
    supersede: Supersede::ByKey(&["fiscal_year"]),
    in_lake: true,
};

pub const AREAS: Table = Table {
    name: "areas",
    columns: &[
        ("row_no", BigInt, false),
        ("area_set", Text, false),
        ("prefecture_code", Int, false),
        ("area_code", Text, false),
        ("area_name", Text, false),
        ("population_2020", BigInt, true),
        ("area_km2", Double, true),
        // An area made of others (a がん医療圏): `;`-separated 構想区域 codes or municipalities.
        ("parts", Text, true),
        ("note", Text, true),
    ],
    supersede: Supersede::ByKey(&["area_set"]),
    in_lake: true,
};

pub const HOSPITALS: Table = Table {
    name: "hospitals",
    columns: &[
        ("row_no", BigInt, false),
        ("area_set", Text, false),
        ("prefecture_code", Int, false),
        ("area_code", Text, false),
        ("hospital", Text, false),
        ("municipality", Text, true),
    ],
    supersede: Supersede::ByKey(&["area_set"]),
    in_lake: true,
};

/// 専門医更新申請 (JSMO): one row per applicant and round.
pub const JSMO_RENEWALS: Table = Table {
    name: "jsmo_renewals",
    columns: &[
        ("row_no", BigInt, false),
        ("renewal_fy", Int, false),
        ("certificate_no", Text, false),
        ("member_key", Text, true),
        ("renewals", Int, false),
        ("doc_cv", Bool, false),
        ("doc_profile", Bool, false),
        ("doc_activities", Bool, false),
        ("doc_meetings", Bool, false),
        ("doc_papers", Bool, false),
        ("doc_portfolio", Bool, false),
        ("profile_chars", Int, true),
        ("activity_entries", Int, true),
        ("areas_clinical", Text, true),
        ("areas_drug", Text, true),
        ("areas_consult", Text, true),
        ("special_tests", Bool, false),
        ("second_opinion", Bool, false),
        ("trials", Int, true),
        ("exam", Text, true),
        // Added after schema version 1: `Table::additions` adds it to an older warehouse.
        ("activity_periods", Text, true),
    ],
    supersede: Supersede::ByKey(&["renewal_fy"]),
    in_lake: true,
};

/// 業績単位明細 (JSMO): one row per credit entry.
pub const JSMO_CREDITS: Table = Table {
    name: "jsmo_credits",
    columns: &[
        ("row_no", BigInt, false),
        ("renewal_fy", Int, false),
        ("certificate_no", Text, false),
        ("part", Text, false),
        ("kind", Text, false),
        ("dated_on", Date, false),
        ("units", Int, false),
        ("title", Text, true),
    ],
    supersede: Supersede::ByKey(&["renewal_fy"]),
    in_lake: true,
};

/// 認定医更新申請 (JBCT): one row per applicant and round.
pub const JBCT_RENEWALS: Table = Table {
    name: "jbct_renewals",
    columns: &[
        ("row_no", BigInt, false),
        ("renewal_fy", Int, false),
        ("certificate_no", Text, false),
        ("member_key", Text, true),
        ("certified_on", Date, false),
        ("dental", Bool, false),
        ("deferred", Bool, false),
        ("palliative_cert", Text, true),
        ("applied_on", Date, true),
        // Added after schema version 1 was released: nullable and last, so that opening an
        // older warehouse adds them (`Table::additions`).
        ("licence", Text, true),
        ("membership", Text, true),
    ],
    supersede: Supersede::ByKey(&["renewal_fy"]),
    in_lake: true,
};

/// 申請2(1)(2)(3): facilities and employment periods (first days of months).
pub const JBCT_FACILITIES: Table = Table {
    name: "jbct_facilities",
    columns: &[
        ("row_no", BigInt, false),
        ("renewal_fy", Int, false),
        ("certificate_no", Text, false),
        ("slot", Int, false),
        ("facility", Text, false),
        ("facility_no", Text, true),
        ("from1", Date, false),
        ("to1", Date, false),
        ("from2", Date, true),
        ("to2", Date, true),
        ("from3", Date, true),
        ("to3", Date, true),
    ],
    supersede: Supersede::ByKey(&["renewal_fy"]),
    in_lake: true,
};

/// 症例一覧 (JBCT): one row per case.
pub const JBCT_CASES: Table = Table {
    name: "jbct_cases",
    columns: &[
        ("row_no", BigInt, false),
        ("renewal_fy", Int, false),
        ("certificate_no", Text, false),
        ("slot", Int, false),
        ("case_no", Int, false),
        ("age", Int, false),
        ("sex", Text, false),
        ("care_item", Text, false),
        ("care_other", Text, true),
        ("from_month", Date, false),
        ("to_month", Date, false),
        ("diagnosis", Text, false),
        ("icd10", Text, true),
        ("pathology", Text, true),
    ],
    supersede: Supersede::ByKey(&["renewal_fy"]),
    in_lake: true,
};

/// 申請3 (JBCT): meetings and seminars attended.
pub const JBCT_MEETINGS: Table = Table {
    name: "jbct_meetings",
    columns: &[
        ("row_no", BigInt, false),
        ("renewal_fy", Int, false),
        ("certificate_no", Text, false),
        ("meeting", Text, false),
        ("kind", Text, false),
        ("held_on", Date, false),
    ],
    supersede: Supersede::ByKey(&["renewal_fy"]),
    in_lake: true,
};

/// e-learning results (JBCT).
pub const JBCT_ELEARNING: Table = Table {
    name: "jbct_elearning",
    columns: &[
        ("row_no", BigInt, false),
        ("renewal_fy", Int, false),
        ("certificate_no", Text, false),
        ("field", Text, false),
        ("correct", Int, false),
        ("taken_on", Date, true),
    ],
    supersede: Supersede::ByKey(&["renewal_fy"]),
    in_lake: true,
};

/// Rejected rows of loads committed with `--accept-partial`.
pub const LOAD_REJECTS: Table = Table {
    name: "load_rejects",
    columns: &[
        ("file_name", Text, false),
        ("row_no", BigInt, true),
        ("column_name", Text, true),
        ("raw_value", Text, true),
        ("reason_ja", Text, false),
        ("reason_en", Text, false),
    ],
    supersede: Supersede::Never,
    in_lake: false,
};

/// Cells of columns the schema does not know, kept aside rather than dropped.
pub const EXTRA_CELLS: Table = Table {
    name: "extra_cells",
    columns: &[
        ("file_name", Text, false),
        ("row_no", BigInt, false),
        ("column_name", Text, false),
        ("value", Text, false),
    ],
    supersede: Supersede::Never,
    in_lake: false,
};

/// Raw values of cells whose normalised (NFKC) value differs, so nothing is lost.
pub const RAW_CELLS: Table = Table {
    name: "raw_cells",
    columns: &[
        ("file_name", Text, false),
        ("row_no", BigInt, false),
        ("column_name", Text, false),
        ("raw_value", Text, false),
    ],
    supersede: Supersede::Never,
    in_lake: false,
};

/// All data tables.
pub const TABLES: &[&Table] = &[
    &MEMBER_SNAPSHOTS,
    &MEMBERS,
    &MEMBER_HISTORY,
    &SURVEY_WAVES,
    &SURVEY_QUESTIONS,
    &SURVEY_RESPONSES,
    &SURVEY_ANSWERS,
    &SPECIALISTS,
    &DESIGNATIONS,
    &HOSPITAL_VOLUMES,
    &AREAS,
    &HOSPITALS,
    &JSMO_RENEWALS,
    &JSMO_CREDITS,
    &JBCT_RENEWALS,
    &JBCT_FACILITIES,
    &JBCT_CASES,
    &JBCT_MEETINGS,
    &JBCT_ELEARNING,
    &LOAD_REJECTS,
    &EXTRA_CELLS,
    &RAW_CELLS,
];

pub fn table(name: &str) -> Option<&'static Table> {
    TABLES.iter().copied().find(|t| t.name == name)
}

/// The load history.
pub const LOADS_DDL: &str = "CREATE TABLE IF NOT EXISTS loads (
  load_id BIGINT PRIMARY KEY,
  dataset VARCHAR NOT NULL,
  file_name VARCHAR NOT NULL,
  file_sha256 VARCHAR NOT NULL,
  file_bytes BIGINT NOT NULL,
  encoding VARCHAR NOT NULL,
  as_of DATE,
  rows_accepted BIGINT NOT NULL,
  rows_rejected BIGINT NOT NULL,
  is_sample BOOLEAN NOT NULL,
  tables VARCHAR NOT NULL,
  started_at TIMESTAMP NOT NULL,
  finished_at TIMESTAMP NOT NULL,
  source VARCHAR
)";

/// Columns added to `loads` after warehouses were made without them.
pub const LOADS_ADDED: &str = "ALTER TABLE loads ADD COLUMN IF NOT EXISTS source VARCHAR";

/// Key/value metadata of the warehouse (schema version, key fingerprint).
pub const META_DDL: &str = "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)";

pub const SCHEMA_VERSION: &str = "1";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_name_is_unique_and_ddl_mentions_every_column() {
        let mut names: Vec<_> = TABLES.iter().map(|t| t.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), TABLES.len());
        for t in TABLES {
            let ddl = t.ddl();
            for c in t.column_names() {
                assert!(ddl.contains(&format!("\n  {c} ")), "{} lacks {c}", t.name);
            }
        }
    }

    #[test]
    fn interval_tables_have_no_superseded_by() {
        assert!(!MEMBER_HISTORY.ddl().contains("superseded_by"));
        assert!(SPECIALISTS.ddl().contains("superseded_by BIGINT"));
    }

    #[test]
    fn pseudonyms_are_stored_uncompressed() {
        assert!(MEMBERS.ddl().contains("member_key VARCHAR NOT NULL USING COMPRESSION uncompressed"));
        assert!(!MEMBERS.ddl().contains("sex VARCHAR USING"));
    }
}
