//! Chart data from a metric result: (x, y) points, one line per group, map regions. The
//! dashboard's pages and the reports draw their charts from the same results this way.

use chrono::NaiveDate;
use queries::{MetricResult, Value};

use crate::charts::Series;
use crate::map::Region;

/// The number in `column` of the first row (None when absent or withheld).
pub fn first_num(r: &MetricResult, column: &str) -> Option<f64> {
    r.column(column).first().and_then(|v| v.as_f64())
}

/// (x, y) pairs from two columns, skipping rows where y is withheld or missing.
pub fn points(r: &MetricResult, x: impl Fn(&Value) -> Option<f64>, xcol: &str, ycol: &str) -> Vec<(f64, Option<f64>)> {
    let (Some(xi), Some(yi)) = (r.column_index(xcol), r.column_index(ycol)) else { return Vec::new() };
    r.rows.iter().filter_map(|row| x(&row[xi]).map(|xv| (xv, row[yi].as_f64()))).collect()
}

/// A by-prefecture result as map regions: `prefecture_code`, `prefecture` and the value
/// column (a withheld value stays None and is drawn grey).
pub fn prefecture_regions(r: &MetricResult, value: &str) -> Option<Vec<Region>> {
    let (code, name, value) =
        (r.column_index("prefecture_code")?, r.column_index("prefecture")?, r.column_index(value)?);
    Some(
        r.rows
            .iter()
            .filter_map(|row| {
                let c: u8 = row[code].display().parse().ok()?;
                Some(Region { code: c, name: row[name].display(), value: row[value].as_f64() })
            })
            .collect(),
    )
}

/// One line per value of `key` (in order of first appearance): (x, y) from the numbers in
/// `x` and `y` of the rows with that value.
pub fn series_by(r: &MetricResult, key: &str, x: &str, y: &str) -> Vec<Series> {
    let (Some(ki), Some(xi), Some(yi)) = (r.column_index(key), r.column_index(x), r.column_index(y)) else {
        return Vec::new();
    };
    let mut out: Vec<Series> = Vec::new();
    for row in &r.rows {
        let Some(xv) = num_x(&row[xi]) else { continue };
        let (name, point) = (row[ki].display(), (xv, row[yi].as_f64()));
        match out.iter_mut().find(|s| s.name == name) {
            Some(s) => s.points.push(point),
            None => out.push(Series::new(name, vec![point])),
        }
    }
    out
}

/// A date cell as a chart x value.
pub fn date_x(v: &Value) -> Option<f64> {
    match v {
        Value::Date(d) => Some(crate::charts::date_x(*d)),
        Value::Text(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().map(crate::charts::date_x),
        _ => None,
    }
}

/// A number cell as a chart x value (years, 年度).
pub fn num_x(v: &Value) -> Option<f64> {
    v.as_f64()
}
