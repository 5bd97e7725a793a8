//! Query results as rows of [`Value`]s, addressed by column name.

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::{
    DataType, Date32Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt32Type, UInt64Type,
};
use arrow::record_batch::RecordBatch;
use chrono::NaiveDate;

use crate::result::Value;

/// A small query result.
#[derive(Debug, Clone, Default)]
pub struct Frame {
    pub names: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

impl Frame {
    pub fn from_batches(batches: &[RecordBatch]) -> Self {
        let names =
            batches.first().map(|b| b.schema().fields().iter().map(|f| f.name().clone()).collect()).unwrap_or_default();
        let mut rows = Vec::new();
        for b in batches {
            let cols: Vec<&ArrayRef> = b.columns().iter().collect();
            for r in 0..b.num_rows() {
                rows.push(cols.iter().map(|c| cell(c, r)).collect());
            }
        }
        Frame { names, rows }
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    fn idx(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    pub fn value(&self, row: usize, name: &str) -> Value {
        self.idx(name).and_then(|i| self.rows.get(row).map(|r| r[i].clone())).unwrap_or(Value::Null)
    }

    pub fn i64(&self, row: usize, name: &str) -> Option<i64> {
        self.value(row, name).as_i64()
    }

    pub fn f64(&self, row: usize, name: &str) -> Option<f64> {
        self.value(row, name).as_f64()
    }

    pub fn text(&self, row: usize, name: &str) -> Option<String> {
        match self.value(row, name) {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    pub fn date(&self, row: usize, name: &str) -> Option<NaiveDate> {
        match self.value(row, name) {
            Value::Date(d) => Some(d),
            _ => None,
        }
    }
}

fn cell(a: &ArrayRef, r: usize) -> Value {
    if a.is_null(r) {
        return Value::Null;
    }
    match a.data_type() {
        DataType::Int8 => Value::Int(i64::from(a.as_primitive::<Int8Type>().value(r))),
        DataType::Int16 => Value::Int(i64::from(a.as_primitive::<Int16Type>().value(r))),
        DataType::Int32 => Value::Int(i64::from(a.as_primitive::<Int32Type>().value(r))),
        DataType::Int64 => Value::Int(a.as_primitive::<Int64Type>().value(r)),
        DataType::UInt32 => Value::Int(i64::from(a.as_primitive::<UInt32Type>().value(r))),
        DataType::UInt64 => Value::Int(i64::try_from(a.as_primitive::<UInt64Type>().value(r)).unwrap_or(i64::MAX)),
        DataType::Float32 => Value::Num(f64::from(a.as_primitive::<Float32Type>().value(r))),
        DataType::Float64 => Value::Num(a.as_primitive::<Float64Type>().value(r)),
        DataType::Utf8 => Value::Text(a.as_string::<i32>().value(r).to_string()),
        DataType::LargeUtf8 => Value::Text(a.as_string::<i64>().value(r).to_string()),
        DataType::Utf8View => Value::Text(a.as_string_view().value(r).to_string()),
        DataType::Boolean => Value::Bool(a.as_boolean().value(r)),
        DataType::Date32 => {
            let days = a.as_primitive::<Date32Type>().value(r);
            Date32Type::to_naive_date_opt(days).map_or(Value::Null, Value::Date)
        }
        _ => Value::Text(arrow::util::display::array_value_to_string(a, r).unwrap_or_default()),
    }
}

/// Column `name` of `batch` cast to `to` (a missing column, or one that does not cast, is
/// an error naming it).
fn column_as(batch: &RecordBatch, name: &str, to: &DataType) -> crate::error::Result<ArrayRef> {
    let c = batch.column_by_name(name).ok_or_else(|| crate::error::Error::Data {
        metric: String::new(),
        detail: format!("no column {name} in a query result"),
    })?;
    Ok(arrow::compute::cast(c, to)?)
}

/// Column `name` of `batch` as 64-bit integers (any integer type is widened).
pub fn i64_column(batch: &RecordBatch, name: &str) -> crate::error::Result<arrow::array::Int64Array> {
    Ok(column_as(batch, name, &DataType::Int64)?.as_primitive::<Int64Type>().clone())
}

/// Column `name` of `batch` as booleans.
pub fn bool_column(batch: &RecordBatch, name: &str) -> crate::error::Result<arrow::array::BooleanArray> {
    Ok(column_as(batch, name, &DataType::Boolean)?.as_boolean().clone())
}

/// Column `name` of `batch` as dates (`Date32`).
pub fn date_column(batch: &RecordBatch, name: &str) -> crate::error::Result<arrow::array::Date32Array> {
    Ok(column_as(batch, name, &DataType::Date32)?.as_primitive::<Date32Type>().clone())
}

/// Column `name` of `batch` as text (string views and large strings are cast).
pub fn str_column(batch: &RecordBatch, name: &str) -> crate::error::Result<arrow::array::StringArray> {
    Ok(column_as(batch, name, &DataType::Utf8)?.as_string::<i32>().clone())
}
