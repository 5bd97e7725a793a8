//! A metric's result: typed columns, rows of values, the parameters it was evaluated
//! with, the disclosure policy applied and the loads it came from.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::disclosure::AppliedPolicy;

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Num(f64),
    Text(String),
    Date(NaiveDate),
    Bool(bool),
    /// Withheld by disclosure control: never shown as zero or blank.
    Suppressed,
}

/// The marker of a suppressed cell in text outputs (defined with the disclosure policy).
pub use crate::disclosure::SUPPRESSED_MARK;

impl Value {
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(v) => Some(*v),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(v) => Some(*v as f64),
            Value::Num(v) => Some(*v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(v) => Some(v),
            _ => None,
        }
    }

    pub fn text(v: impl Into<String>) -> Self {
        Value::Text(v.into())
    }

    pub fn opt_int(v: Option<i64>) -> Self {
        v.map_or(Value::Null, Value::Int)
    }

    pub fn opt_num(v: Option<f64>) -> Self {
        match v {
            Some(x) if x.is_finite() => Value::Num(x),
            _ => Value::Null,
        }
    }

    /// Plain text: numbers rounded to 6 decimals, so outputs are stable across machines.
    pub fn display(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Int(v) => v.to_string(),
            Value::Num(v) => format_num(*v),
            Value::Text(v) => v.clone(),
            Value::Date(d) => d.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Suppressed => SUPPRESSED_MARK.to_string(),
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Null => J::Null,
            Value::Int(v) => J::from(*v),
            Value::Num(v) => {
                format_num(*v).parse::<f64>().ok().and_then(serde_json::Number::from_f64).map_or(J::Null, J::Number)
            }
            Value::Text(v) => J::from(v.as_str()),
            Value::Date(d) => J::from(d.to_string()),
            Value::Bool(b) => J::from(*b),
            Value::Suppressed => serde_json::json!({ "suppressed": true }),
        }
    }
}

/// Rounds to 6 decimals and trims trailing zeros.
pub fn format_num(v: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    let s = format!("{:.6}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".to_string() } else { s.to_string() }
}

/// What a column holds, which decides how disclosure control treats it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A grouping dimension (a label, a date, a code).
    Dim,
    /// A label describing the row's dimensions (a name beside a code): not a dimension.
    Label,
    /// A count of people: primary suppression applies below the threshold.
    PersonCount,
    /// Computed from the person counts of the same row: withheld when any of them is.
    Derived,
    /// Computed from person counts outside its row (a model's output, e.g. a projection):
    /// the metric itself computes it, for audiences under suppression, only from counts
    /// those audiences may know, and withholds it otherwise (see the metric's definition).
    Estimate,
    /// Not about people (population, hospitals, areas): never suppressed. A test removes
    /// people from the store and fails when a plain column changes.
    Plain,
}

impl Role {
    pub const ALL: [Role; 6] = [Role::Dim, Role::Label, Role::PersonCount, Role::Derived, Role::Estimate, Role::Plain];

    /// The name it is serialised as (JSON, the OpenAPI document).
    pub fn json_name(self) -> &'static str {
        match self {
            Role::Dim => "dim",
            Role::Label => "label",
            Role::PersonCount => "person_count",
            Role::Derived => "derived",
            Role::Estimate => "estimate",
            Role::Plain => "plain",
        }
    }
}

/// One column of a result.
#[derive(Debug, Clone, Serialize)]
pub struct Column {
    pub name: &'static str,
    pub ja: &'static str,
    pub en: &'static str,
    /// Unit, e.g. "人", "%", "件"; empty for labels.
    pub unit: &'static str,
    pub role: Role,
}

impl Column {
    pub const fn dim(name: &'static str, ja: &'static str, en: &'static str) -> Self {
        Column { name, ja, en, unit: "", role: Role::Dim }
    }
    pub const fn label(name: &'static str, ja: &'static str, en: &'static str) -> Self {
        Column { name, ja, en, unit: "", role: Role::Label }
    }
    pub const fn people(name: &'static str, ja: &'static str, en: &'static str) -> Self {
        Column { name, ja, en, unit: "人", role: Role::PersonCount }
    }
    pub const fn derived(name: &'static str, ja: &'static str, en: &'static str, unit: &'static str) -> Self {
        Column { name, ja, en, unit, role: Role::Derived }
    }
    pub const fn estimate(name: &'static str, ja: &'static str, en: &'static str, unit: &'static str) -> Self {
        Column { name, ja, en, unit, role: Role::Estimate }
    }
    pub const fn plain(name: &'static str, ja: &'static str, en: &'static str, unit: &'static str) -> Self {
        Column { name, ja, en, unit, role: Role::Plain }
    }
}

/// Where a result's data came from.
#[derive(Debug, Clone, Serialize)]
pub struct Provenance {
    /// The snapshot's last load.
    pub at_load: i64,
    /// The loads whose rows the metric read.
    pub load_ids: Vec<i64>,
    /// Whether any of them is sample (synthetic) data.
    pub sample: bool,
}

/// A note shown with the result (a caveat, a finding).
#[derive(Debug, Clone, Serialize)]
pub struct Note {
    pub ja: String,
    pub en: String,
}

impl Note {
    pub fn new(ja: impl Into<String>, en: impl Into<String>) -> Self {
        Note { ja: ja.into(), en: en.into() }
    }
}

/// A metric's result.
#[derive(Debug, Clone)]
pub struct MetricResult {
    pub metric: &'static str,
    pub title_ja: &'static str,
    pub title_en: &'static str,
    /// The parameters as evaluated (defaults filled in).
    pub params: BTreeMap<String, String>,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Value>>,
    /// Additive groups of rows beyond the default ones (see `disclosure`).
    pub extra_lines: Vec<Vec<usize>>,
    /// Dimensions along which rows do not add up (a stock counted at several dates, the
    /// same members invited each year): no line is formed along them.
    pub non_additive: Vec<&'static str>,
    /// Person-count columns that add up, within a row, to a total a reader may know.
    pub column_groups: Vec<Vec<&'static str>>,
    /// Count cells (row, column) another metric releases exactly to the same audience:
    /// never chosen as complementary cells, since withholding them here would hide nothing.
    pub published: Vec<(usize, &'static str)>,
    pub policy: AppliedPolicy,
    pub provenance: Provenance,
    pub notes: Vec<Note>,
}

impl MetricResult {
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// The values of one column.
    pub fn column(&self, name: &str) -> Vec<&Value> {
        match self.column_index(name) {
            Some(i) => self.rows.iter().map(|r| &r[i]).collect(),
            None => Vec::new(),
        }
    }

    /// The first row whose dimension columns equal `key` (in order of the Dim columns).
    pub fn row_by(&self, key: &[&str]) -> Option<&Vec<Value>> {
        let dims: Vec<usize> =
            self.columns.iter().enumerate().filter(|(_, c)| c.role == Role::Dim).map(|(i, _)| i).collect();
        self.rows.iter().find(|r| dims.iter().zip(key).all(|(i, k)| r[*i].display() == *k))
    }

    /// The value of `column` in the row found by `key`.
    pub fn get(&self, key: &[&str], column: &str) -> Option<&Value> {
        let i = self.column_index(column)?;
        self.row_by(key).map(|r| &r[i])
    }
}
