//! Chart data from a metric result: (x, y) points, one line per group, map regions. The
//! dashboard's pages and the reports draw their charts from the same results this way.

use chrono::NaiveDate;
use queries::{MetricResult, Value};

use crate::charts::{Band, BarGroup, LineChart, Series, XAxis, grouped_bar_chart};
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

/// One qualification's renewal blockers (`renewals.blockers`) as horizontal bars: per
/// requirement anyone misses or is warned on, applicants 未充足 and 要確認 (withheld counts
/// drawn as "X"). None when nobody is blocked or warned.
pub fn renewal_blocker_chart(r: &MetricResult, qualification: &str) -> crate::Result<Option<String>> {
    let i = |c: &str| r.column_index(c);
    let (Some(qi), Some(ri), Some(bi), Some(wi)) = (i("qualification"), i("requirement"), i("blocked"), i("warned"))
    else {
        return Ok(None);
    };
    let groups: Vec<BarGroup> = r
        .rows
        .iter()
        .filter(|row| row[qi].as_str() == Some(qualification))
        .filter(|row| row[bi].as_i64() != Some(0) || row[wi].as_i64() != Some(0))
        .map(|row| BarGroup { label: row[ri].display(), values: vec![row[bi].as_f64(), row[wi].as_f64()] })
        .collect();
    if groups.is_empty() {
        return Ok(None);
    }
    let title = format!("{qualification}: 要件別の申請者");
    grouped_bar_chart(&title, "人", &["未充足", "要確認"], &groups).map(Some)
}

/// A by-prefecture result as map regions: `prefecture_code`, `prefecture` and the value
/// column (a withheld value stays None and is drawn grey).
/// Map class breaks (see [`crate::map::class_breaks`]) from a result's prefecture values.
/// A by-area result (with `area_code`) gives its areas' values.
pub fn map_breaks(r: &MetricResult, value: &str) -> Vec<f64> {
    let values: Vec<f64> = if r.column_index("area_code").is_some() {
        r.column(value).iter().filter_map(|v| v.as_f64()).collect()
    } else {
        prefecture_regions(r, value).unwrap_or_default().iter().filter_map(|r| r.value).collect()
    };
    crate::map::class_breaks(&values)
}

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

/// The 年度 of `as_of` when it is not over yet (the x from which a chart by 年度 marks its
/// points 「年度途中」), else None.
pub fn partial_fiscal_year(as_of: NaiveDate) -> Option<f64> {
    let fy = model::fiscal::fiscal_year(as_of);
    model::fiscal::fiscal_year_end(fy).filter(|end| as_of < *end).map(|_| f64::from(fy))
}

/// The 年度 of the as-of date, when not over, in words for a chart's title: 「（2026年度は 10-31 まで）」.
pub fn partial_fiscal_year_note(as_of: NaiveDate) -> String {
    partial_fiscal_year(as_of)
        .map(|fy| format!("（{fy}年度は {} までの途中）", as_of.format("%-m月%-d日")))
        .unwrap_or_default()
}

/// The day the 協議員 recommendation at joining was abolished (協議員推薦廃止), marked on charts, and
/// the marker with its label.
pub fn rule_change() -> crate::charts::Rule {
    let rules = &model::rules::RULES_2026;
    crate::charts::Rule {
        at: crate::charts::date_x(rules.recommendation_abolished()),
        label: rules.recommendation_abolished_label(),
    }
}

/// The physician share's monthly history and projection against the 80% line, with the
/// 2026-01-17 協議員推薦廃止 marked.
pub fn share_chart(history: &MetricResult, projection: &MetricResult) -> crate::charts::LineChart {
    use crate::charts::{LineChart, Rule, XAxis};
    let mut chart = LineChart::new("医師割合の推移と推計", XAxis::Date, "%");
    chart.series.push(Series::new("実績（月末）", points(history, date_x, "month_end", "share_pct")));
    chart.series.push(Series::new("推計", points(projection, date_x, "month_end", "share_pct")).dashed());
    chart.threshold = Some(Rule { at: 80.0, label: "80%（広告可能の基準）".into() });
    chart.marker = Some(rule_change());
    chart
}

/// The first projected month-end below 80% (not compliant), if any.
pub fn first_month_below(projection: &MetricResult) -> Option<String> {
    let ci = projection.column_index("compliant")?;
    projection.rows.iter().find(|r| matches!(r[ci], Value::Bool(false))).and_then(|r| r.first()).map(Value::display)
}

/// A long cross-tab (`row`, `column`, `respondents`) as a matrix: the row labels, the
/// column labels (each in order of first appearance) and the cell at each pair.
#[derive(Debug)]
pub struct Matrix<'r> {
    pub rows: Vec<String>,
    pub columns: Vec<String>,
    pub cells: Vec<Vec<Option<&'r Value>>>,
}

/// The cross-tab `r` as a matrix of one of its value columns (`respondents`, `weighted`).
pub fn crosstab_matrix<'r>(r: &'r MetricResult, value: &str) -> Option<Matrix<'r>> {
    let (ri, ci, ni) = (r.column_index("row")?, r.column_index("column")?, r.column_index(value)?);
    let mut rows: Vec<String> = Vec::new();
    let mut columns: Vec<String> = Vec::new();
    for row in &r.rows {
        let (a, b) = (row[ri].display(), row[ci].display());
        if !rows.contains(&a) {
            rows.push(a);
        }
        if !columns.contains(&b) {
            columns.push(b);
        }
    }
    let cells = rows
        .iter()
        .map(|a| {
            columns
                .iter()
                .map(|b| {
                    r.rows.iter().find(|row| row[ri].display() == *a && row[ci].display() == *b).map(|row| &row[ni])
                })
                .collect()
        })
        .collect();
    Some(Matrix { rows, columns, cells })
}

/// The response rate by 年度 with its 95% interval drawn as a band (not as two more lines),
/// on an axis from 0: a rate of 15% drawn between 14% and 16% would make a one-point change
/// look like a collapse.
pub fn response_rate_chart(r: &MetricResult, title: &str) -> LineChart {
    let mut c = LineChart::new(title, XAxis::Number, "%");
    c.series.push(Series::new("回答率", points(r, num_x, "fiscal_year", "rate_pct")));
    let lo = points(r, num_x, "fiscal_year", "rate_low_pct");
    let hi = points(r, num_x, "fiscal_year", "rate_high_pct");
    c.band = Some(Band {
        name: "95%信頼区間".into(),
        points: lo.iter().zip(&hi).map(|(l, h)| (l.0, l.1, h.1)).collect(),
    });
    let top = hi.iter().chain(&c.series[0].points).filter_map(|p| p.1).fold(0.0, f64::max);
    c.y_range = Some((0.0, rate_axis_top(top)));
    c
}

/// The top of a rate axis: 15% above the highest value, to the next 10 (at most 100).
fn rate_axis_top(top: f64) -> f64 {
    ((top * 1.15 / 10.0).ceil() * 10.0).clamp(10.0, 100.0)
}

#[cfg(test)]
mod rate_tests {
    use super::rate_axis_top;

    /// Regression: the response-rate chart drew its interval as two dashed lines on an axis
    /// fitted to the data, so 14.6–16.0% filled the whole height.
    #[test]
    fn a_rate_axis_starts_at_zero_and_leaves_room_above() {
        assert_eq!(rate_axis_top(16.0), 20.0);
        assert_eq!(rate_axis_top(3.0), 10.0);
        assert_eq!(rate_axis_top(95.0), 100.0);
    }

    #[test]
    fn the_interval_is_a_band_not_two_more_lines() {
        let mut c = crate::charts::LineChart::new("回答率", crate::charts::XAxis::Number, "%");
        c.series.push(crate::charts::Series::new("回答率", vec![(2024.0, Some(15.0)), (2025.0, Some(16.0))]));
        c.band = Some(crate::charts::Band {
            name: "95%信頼区間".into(),
            points: vec![(2024.0, Some(14.0), Some(16.0)), (2025.0, Some(15.0), Some(17.0))],
        });
        let svg = crate::charts::line_chart(&c).expect("chart");
        assert!(svg.contains("<polygon"), "{svg}");
        assert!(svg.contains("95%信頼区間 2024: 14–16%"), "{svg}");
    }
}
