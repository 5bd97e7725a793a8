//! Designations as rows ([`Held`]) and the hospital master as the list matcher sees it
//! ([`MasterHospital`]); both to and from Arrow.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Date32Array, Int32Array, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{Date32Type, Int32Type, Int64Type};
use chrono::NaiveDate;
use store::schema;

use super::name_map::NameMap;
use crate::error::Result;
use crate::validate::date32;

/// One designation period, as the `designations` table holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub row_no: i64,
    pub prefecture: i32,
    pub hospital: String,
    pub area_code: Option<String>,
    pub area_name: Option<String>,
    /// The 類型's label ([`model::designation::DesignationType::label`]).
    pub designation: String,
    pub from: NaiveDate,
    pub until: Option<NaiveDate>,
    pub partner: Option<String>,
}

/// A hospital of the master: its name, area and municipality.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MasterHospital {
    pub name: String,
    pub area_code: String,
    pub area_name: String,
    pub municipality: Option<String>,
}

/// What a list's load carries from validation to its commit, where its periods are made.
#[derive(Debug, Clone)]
pub struct ListLoad {
    /// The date the list is in force.
    pub as_of: NaiveDate,
    /// (prefecture, a designated hospital's name as held so far) → its master name.
    pub identities: HashMap<(i32, String), String>,
    /// The name map this load used, kept in the warehouse for next year's list.
    pub name_map: NameMap,
}

impl ListLoad {
    /// Which rows are the same hospital: prefecture and master name.
    pub fn key(&self, h: &Held) -> (i32, String) {
        let name = self.identities.get(&(h.prefecture, h.hospital.clone())).unwrap_or(&h.hospital);
        (h.prefecture, name.clone())
    }
}

/// The columns of `designations` that [`held_from_batches`] reads, in order.
pub const HELD_COLUMNS: &str =
    "row_no, prefecture_code, hospital, area_code, area_name, designation, designated_from, designated_until, partner";

fn day(days: i32) -> NaiveDate {
    crate::validate::from_date32(days).unwrap_or(NaiveDate::MIN)
}

fn text(a: &StringArray, i: usize) -> Option<String> {
    a.is_valid(i).then(|| a.value(i).to_string())
}

/// Rows of batches with [`HELD_COLUMNS`] (a query's or a validated payload's, whose first
/// columns are these).
pub fn held_from_batches(batches: &[RecordBatch]) -> Vec<Held> {
    let mut out = Vec::new();
    for b in batches {
        let row_no = b.column(0).as_primitive::<Int64Type>();
        let pref = b.column(1).as_primitive::<Int32Type>();
        let (hosp, area, area_name, desig) = (
            b.column(2).as_string::<i32>(),
            b.column(3).as_string::<i32>(),
            b.column(4).as_string::<i32>(),
            b.column(5).as_string::<i32>(),
        );
        let (from, until) = (b.column(6).as_primitive::<Date32Type>(), b.column(7).as_primitive::<Date32Type>());
        let partner = b.column(8).as_string::<i32>();
        for i in 0..b.num_rows() {
            out.push(Held {
                row_no: row_no.value(i),
                prefecture: pref.value(i),
                hospital: hosp.value(i).to_string(),
                area_code: text(area, i),
                area_name: text(area_name, i),
                designation: desig.value(i).to_string(),
                from: day(from.value(i)),
                until: until.is_valid(i).then(|| day(until.value(i))),
                partner: text(partner, i),
            });
        }
    }
    out
}

/// The `designations` payload of `rows`.
pub fn held_batch(rows: &[Held]) -> Result<RecordBatch> {
    let cols: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.row_no))),
        Arc::new(Int32Array::from_iter_values(rows.iter().map(|r| r.prefecture))),
        Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.hospital.as_str()))),
        Arc::new(StringArray::from_iter(rows.iter().map(|r| r.area_code.as_deref()))),
        Arc::new(StringArray::from_iter(rows.iter().map(|r| r.area_name.as_deref()))),
        Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.designation.as_str()))),
        Arc::new(Date32Array::from_iter_values(rows.iter().map(|r| date32(r.from)))),
        Arc::new(Date32Array::from_iter(rows.iter().map(|r| r.until.map(date32)))),
        Arc::new(StringArray::from_iter(rows.iter().map(|r| r.partner.as_deref()))),
    ];
    Ok(RecordBatch::try_new(schema::DESIGNATIONS.payload_schema(), cols)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_survive_the_round_trip_through_arrow() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        let rows = vec![
            Held {
                row_no: 3,
                prefecture: 1,
                hospital: "小樽市立病院".into(),
                area_code: Some("0106".into()),
                area_name: Some("後志".into()),
                designation: "地域がん診療病院".into(),
                from: d("2019-04-01"),
                until: Some(d("2024-03-31")),
                partner: Some("北海道がんセンター".into()),
            },
            Held {
                row_no: 4,
                prefecture: 13,
                hospital: "がん研有明病院".into(),
                area_code: None,
                area_name: None,
                designation: "都道府県がん診療連携拠点病院".into(),
                from: d("1970-01-01"),
                until: None,
                partner: None,
            },
        ];
        let b = held_batch(&rows).expect("batch");
        assert_eq!(held_from_batches(&[b]), rows);
    }
}
