//! The renewal datasets (JSMO 専門医更新, JBCT 認定医更新): each input column maps to
//! the table column of the same position, so one column-driven validator serves all
//! seven; what differs per dataset is its key and its cross-column checks.
//!
//! Ingest checks the form (a date is a date, a slot is 1–3, a period has both ends);
//! whether an application meets the societies' requirements is `model::renewal`'s
//! job at query time, so that a rule or parameter change needs no reload.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanBuilder, Date32Builder, Int32Builder, Int64Builder, StringBuilder};
use arrow::record_batch::RecordBatch;
use chrono::NaiveDate;
use model::membership::Vocabulary;
use store::schema::{self, Col, Table};

use super::env::{Env, Validated};
use crate::error::{Error, Result};
use crate::normalize::{self, Norm, Problem};
use crate::spec::{self, DatasetSpec, Kind};
use crate::table::RawTable;
use crate::validate::{Checker, RowCheck, date32};

/// A parsed cell.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Text(String),
    Int(i64),
    Date(NaiveDate),
    Bool(bool),
}

impl Value {
    fn int(&self) -> Option<i64> {
        match self {
            Value::Int(n) => Some(*n),
            _ => None,
        }
    }

    fn key(&self) -> String {
        match self {
            Value::Text(s) => s.clone(),
            Value::Int(n) => n.to_string(),
            Value::Date(d) => d.to_string(),
            Value::Bool(b) => b.to_string(),
        }
    }
}

/// What differs between the renewal datasets.
struct Shape {
    spec: &'static DatasetSpec,
    table: &'static Table,
    /// Spec keys whose values are unique per file.
    key: &'static [&'static str],
    /// Cross-column checks of one row.
    check: fn(&mut RowCheck<'_, '_>, &Row<'_>),
}

/// One parsed row, read by spec key.
struct Row<'a> {
    spec: &'static DatasetSpec,
    values: &'a [Option<Value>],
}

impl Row<'_> {
    fn get(&self, key: &str) -> Option<&Value> {
        self.spec.column(key).and_then(|i| self.values[i].as_ref())
    }

    fn index(&self, key: &str) -> usize {
        self.spec.column(key).unwrap_or(0)
    }
}

fn no_check(_: &mut RowCheck<'_, '_>, _: &Row<'_>) {}

fn slot_check(r: &mut RowCheck<'_, '_>, row: &Row<'_>) {
    if let Some(n) = row.get("slot").and_then(Value::int)
        && !(1..=3).contains(&n)
    {
        r.reject_at(
            row.index("slot"),
            Problem::new(
                format!("申請区分は 1〜3 です (申請2(1)(2)(3)) (現在 {n})"),
                format!("the slot must be 1, 2 or 3 (got {n})"),
            ),
        );
    }
}

fn facility_check(r: &mut RowCheck<'_, '_>, row: &Row<'_>) {
    slot_check(r, row);
    for i in 2..=3 {
        let (f, t) = (format!("from{i}"), format!("to{i}"));
        if row.get(&f).is_some() != row.get(&t).is_some() {
            let missing = if row.get(&f).is_some() { t } else { f };
            r.reject_at(
                row.index(&missing),
                Problem::new(
                    format!("在籍期間{i} は開始と終了の両方を入力してください"),
                    format!("employment period {i} needs both its start and its end"),
                ),
            );
        }
    }
}

fn case_check(r: &mut RowCheck<'_, '_>, row: &Row<'_>) {
    slot_check(r, row);
    if let Some(age) = row.get("age").and_then(Value::int)
        && age > 120
    {
        r.reject_at(
            row.index("age"),
            Problem::new(format!("年齢 {age} は範囲外です (0〜120)"), format!("age {age} is out of range (0–120)")),
        );
    }
}

fn elearning_check(r: &mut RowCheck<'_, '_>, row: &Row<'_>) {
    if let Some(n) = row.get("correct").and_then(Value::int)
        && n > 5
    {
        r.reject_at(
            row.index("correct"),
            Problem::new(
                format!("正答数 {n} はミニテストの問題数 5 を超えています"),
                format!("{n} correct answers, but the mini test has 5 questions"),
            ),
        );
    }
}

const SHAPES: [Shape; 7] = [
    Shape {
        spec: &spec::JSMO_RENEWALS,
        table: &schema::JSMO_RENEWALS,
        key: &["renewal_fy", "certificate_no"],
        check: no_check,
    },
    Shape { spec: &spec::JSMO_CREDITS, table: &schema::JSMO_CREDITS, key: &[], check: no_check },
    Shape {
        spec: &spec::JBCT_RENEWALS,
        table: &schema::JBCT_RENEWALS,
        key: &["renewal_fy", "certificate_no"],
        check: no_check,
    },
    Shape {
        spec: &spec::JBCT_FACILITIES,
        table: &schema::JBCT_FACILITIES,
        key: &["renewal_fy", "certificate_no", "slot"],
        check: facility_check,
    },
    Shape {
        spec: &spec::JBCT_CASES,
        table: &schema::JBCT_CASES,
        key: &["renewal_fy", "certificate_no", "slot", "case_no"],
        check: case_check,
    },
    Shape { spec: &spec::JBCT_MEETINGS, table: &schema::JBCT_MEETINGS, key: &[], check: no_check },
    Shape { spec: &spec::JBCT_ELEARNING, table: &schema::JBCT_ELEARNING, key: &[], check: elearning_check },
];

/// Whether a dataset is one of the renewal datasets.
pub fn is_renewal(name: &str) -> bool {
    SHAPES.iter().any(|s| s.spec.name == name)
}

/// `;`-separated labels of a vocabulary, canonical and `;`-joined.
fn list(raw: &str, vocab: &'static Vocabulary) -> Norm<String> {
    let v = normalize::text(raw);
    let mut out: Vec<&'static str> = Vec::new();
    for part in v.split([';', '、', ',']).map(str::trim).filter(|p| !p.is_empty()) {
        let label = crate::validate::label(part, vocab)?;
        if !out.contains(&label) {
            out.push(label);
        }
    }
    Ok(out.join(";"))
}

fn parse(r: &mut RowCheck<'_, '_>, ci: usize, kind: Kind, env: &Env<'_>) -> Option<Option<Value>> {
    let text = |o: Option<Option<String>>| o.map(|v| v.map(Value::Text));
    match kind {
        Kind::Text => text(r.text(ci)),
        Kind::Id => text(r.get(ci, |v| Ok(normalize::text(v).into_owned()))),
        Kind::MemberId => text(r.get(ci, |v| Ok(env.pseudonymiser.pseudonym(v)))),
        Kind::Date => r.date(ci).map(|v| v.map(Value::Date)),
        Kind::YearMonth => r.get(ci, normalize::year_month).map(|v| v.map(Value::Date)),
        Kind::FiscalYear => r.get(ci, normalize::fiscal_year).map(|v| v.map(|y| Value::Int(i64::from(y)))),
        Kind::Year => r.year(ci).map(|v| v.map(|y| Value::Int(i64::from(y)))),
        Kind::Count => r.get(ci, normalize::count).map(|v| v.map(Value::Int)),
        Kind::Flag => r.get(ci, normalize::flag).map(|v| Some(Value::Bool(v.unwrap_or(false)))),
        Kind::Vocab(v) => r.label(ci, v).map(|l| l.map(|l| Value::Text(l.to_string()))),
        Kind::List(v) => text(r.get(ci, |raw| list(raw, v))),
        Kind::Periods => text(r.get(ci, normalize::periods)),
        Kind::Decimal | Kind::Prefecture | Kind::AreaCode | Kind::Designation | Kind::QuestionKind => {
            r.reject_at(ci, Problem::new("この列の型は更新申請では使えません", "column type not supported here"));
            None
        }
    }
}

/// One typed column under construction.
enum Builder {
    Text(StringBuilder),
    Int(Int32Builder),
    BigInt(Int64Builder),
    Date(Date32Builder),
    Bool(BooleanBuilder),
}

impl Builder {
    fn new(col: Col) -> Self {
        match col {
            Col::Text => Builder::Text(StringBuilder::new()),
            Col::Int => Builder::Int(Int32Builder::new()),
            Col::BigInt | Col::Double => Builder::BigInt(Int64Builder::new()),
            Col::Date => Builder::Date(Date32Builder::new()),
            Col::Bool => Builder::Bool(BooleanBuilder::new()),
        }
    }

    fn push(&mut self, v: Option<&Value>) {
        match (self, v) {
            (Builder::Text(b), Some(Value::Text(s))) => b.append_value(s),
            (Builder::Int(b), Some(Value::Int(n))) => b.append_value(i32::try_from(*n).unwrap_or(i32::MAX)),
            (Builder::BigInt(b), Some(Value::Int(n))) => b.append_value(*n),
            (Builder::Date(b), Some(Value::Date(d))) => b.append_value(date32(*d)),
            (Builder::Bool(b), Some(Value::Bool(x))) => b.append_value(*x),
            (Builder::Text(b), _) => b.append_null(),
            (Builder::Int(b), _) => b.append_null(),
            (Builder::BigInt(b), _) => b.append_null(),
            (Builder::Date(b), _) => b.append_null(),
            (Builder::Bool(b), _) => b.append_null(),
        }
    }

    fn finish(self) -> ArrayRef {
        match self {
            Builder::Text(mut b) => Arc::new(b.finish()),
            Builder::Int(mut b) => Arc::new(b.finish()),
            Builder::BigInt(mut b) => Arc::new(b.finish()),
            Builder::Date(mut b) => Arc::new(b.finish()),
            Builder::Bool(mut b) => Arc::new(b.finish()),
        }
    }
}

/// Validates a file of one of the renewal datasets.
pub fn validate(ck: &mut Checker<'_>, table: &RawTable, env: &Env<'_>) -> Result<Validated> {
    let shape = SHAPES
        .iter()
        .find(|s| s.spec.name == ck.spec.name)
        .ok_or_else(|| Error::Usage(format!("{} is not a renewal dataset", ck.spec.name)))?;
    let spec = shape.spec;
    debug_assert_eq!(shape.table.columns.len(), spec.columns.len() + 1);
    let mut row_no = Int64Builder::with_capacity(table.len());
    let mut builders: Vec<Builder> = shape.table.columns[1..].iter().map(|(_, c, _)| Builder::new(*c)).collect();
    let key_idx: Vec<usize> = shape.key.iter().filter_map(|k| spec.column(k)).collect();
    let mut seen: HashMap<Vec<String>, u64> = HashMap::new();
    let mut ok = 0;
    for row in table.rows() {
        let mut r = ck.row(row);
        let mut values: Vec<Option<Value>> = Vec::with_capacity(spec.columns.len());
        let mut parsed = true;
        for (ci, c) in spec.columns.iter().enumerate() {
            match parse(&mut r, ci, c.kind, env) {
                Some(v) => values.push(v),
                None => {
                    parsed = false;
                    values.push(None);
                }
            }
        }
        (shape.check)(&mut r, &Row { spec, values: &values });
        let (line, row_ok) = (r.line(), r.ok);
        if !parsed || !row_ok {
            continue;
        }
        if !key_idx.is_empty() {
            let key: Vec<String> =
                key_idx.iter().map(|i| values[*i].as_ref().map(Value::key).unwrap_or_default()).collect();
            if let Some(first) = seen.insert(key.clone(), line) {
                let names: Vec<&str> = key_idx.iter().map(|i| spec.columns[*i].ja).collect();
                ck.reject_line(
                    line,
                    Some(spec.columns[*key_idx.last().unwrap_or(&0)].ja),
                    Some(&key.join(" / ")),
                    Problem::new(
                        format!("{} が {first} 行目と重複しています", names.join("・")),
                        format!("{} duplicates line {first}", shape.key.join(", ")),
                    ),
                );
                continue;
            }
        }
        row_no.append_value(line as i64);
        for (b, v) in builders.iter_mut().zip(&values) {
            b.push(v.as_ref());
        }
        ok += 1;
    }
    let mut cols: Vec<ArrayRef> = vec![Arc::new(row_no.finish())];
    cols.extend(builders.into_iter().map(Builder::finish));
    let batch = RecordBatch::try_new(shape.table.payload_schema(), cols)?;
    Ok(Validated { batches: vec![(shape.table, batch)], rows_total: table.len(), rows_ok: ok, ..Default::default() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shape_matches_its_table_column_for_column() {
        for s in &SHAPES {
            assert_eq!(s.table.name, s.spec.name);
            assert_eq!(s.table.columns.len(), s.spec.columns.len() + 1, "{}", s.spec.name);
            for (c, (name, col, nullable)) in s.spec.columns.iter().zip(&s.table.columns[1..]) {
                let want = if c.key == "member_id" { "member_key" } else { c.key };
                assert_eq!(*name, want, "{}", s.spec.name);
                assert_eq!(*nullable, !c.required && !matches!(c.kind, Kind::Flag), "{}.{name}", s.spec.name);
                let typed = match c.kind {
                    Kind::Text | Kind::Id | Kind::MemberId | Kind::Vocab(_) | Kind::List(_) | Kind::Periods => {
                        Col::Text
                    }
                    Kind::Date | Kind::YearMonth => Col::Date,
                    Kind::FiscalYear | Kind::Year | Kind::Count => Col::Int,
                    Kind::Flag => Col::Bool,
                    _ => Col::Double,
                };
                assert_eq!(*col, typed, "{}.{name}", s.spec.name);
            }
        }
    }

    #[test]
    fn lists_resolve_each_label() {
        use model::renewal::vocab::ORGAN_AREAS;
        assert_eq!(list("呼吸器;消化管、乳腺", &ORGAN_AREAS), Ok("呼吸器;消化管;乳房".to_string()));
        assert!(list("呼吸器;肺", &ORGAN_AREAS).is_err());
    }
}
