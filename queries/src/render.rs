//! Text renderings of a result: an aligned table for the terminal, CSV and JSON.
//! Every rendering carries the disclosure policy and provenance.

use serde_json::json;

use crate::result::{MetricResult, Value};

/// Display width of a string (CJK characters take two columns).
fn width(s: &str) -> usize {
    s.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum()
}

fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF |
        0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6)
}

fn pad(s: &str, w: usize, right: bool) -> String {
    let fill = " ".repeat(w.saturating_sub(width(s)));
    if right { format!("{fill}{s}") } else { format!("{s}{fill}") }
}

/// An aligned table with Japanese headers, then notes, policy and provenance; cells as
/// [`Value::display`] (see [`table_with`] for a reader's formatting).
pub fn table(r: &MetricResult) -> String {
    table_with(r, |v, _| v.display())
}

/// As [`table`], each cell formatted by `cell` (the terminal uses the reports' formatting:
/// 「はい」 for true, shares with two decimals, people whole, thousands separators).
pub fn table_with(r: &MetricResult, cell: impl Fn(&Value, &crate::result::Column) -> String) -> String {
    let headers: Vec<String> = r
        .columns
        .iter()
        .map(|c| if c.unit.is_empty() { c.ja.to_string() } else { format!("{}（{}）", c.ja, c.unit) })
        .collect();
    let cells: Vec<Vec<String>> =
        r.rows.iter().map(|row| row.iter().zip(&r.columns).map(|(v, c)| cell(v, c)).collect()).collect();
    let widths: Vec<usize> = (0..headers.len())
        .map(|i| cells.iter().map(|row| width(&row[i])).chain([width(&headers[i])]).max().unwrap_or(0))
        .collect();
    let numeric: Vec<bool> = (0..headers.len())
        .map(|i| {
            r.rows.iter().all(|row| matches!(row[i], Value::Int(_) | Value::Num(_) | Value::Null | Value::Suppressed))
        })
        .collect();
    let mut out = format!("{}（{}）\n", r.title_ja, r.metric);
    let params: Vec<String> = r.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
    out.push_str(&format!("条件: {}\n", params.join(", ")));
    let line = |row: &[String]| {
        row.iter().enumerate().map(|(i, s)| pad(s, widths[i], numeric[i])).collect::<Vec<_>>().join("  ")
    };
    out.push_str(&line(&headers));
    out.push('\n');
    out.push_str(&widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().join("  "));
    out.push('\n');
    for row in &cells {
        out.push_str(line(row).trim_end());
        out.push('\n');
    }
    for n in &r.notes {
        out.push_str(&format!("注: {}\n", n.ja));
    }
    out.push_str(&format!("秘匿: {}\n", r.policy.describe_ja()));
    out.push_str(&provenance_line(r));
    out.push('\n');
    out
}

fn provenance_line(r: &MetricResult) -> String {
    let ids: Vec<String> = r.provenance.load_ids.iter().map(|i| i.to_string()).collect();
    format!(
        "出典: ロード {}（スナップショット: ロード {} まで）{}",
        if ids.is_empty() { "なし".to_string() } else { ids.join(", ") },
        r.provenance.at_load,
        if r.provenance.sample { format!("　※{}", model::SAMPLE_LABEL) } else { String::new() }
    )
}

/// CSV with one header row of column names (values only; the policy is in the JSON and
/// the table renderings, and in every export's manifest).
pub fn csv(r: &MetricResult) -> String {
    let mut out = String::new();
    out.push_str(&r.columns.iter().map(|c| quote(c.name)).collect::<Vec<_>>().join(","));
    out.push('\n');
    for row in &r.rows {
        out.push_str(&row.iter().map(|v| quote(&v.display())).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    out
}

fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

/// JSON: metric, parameters, columns (with units and roles), rows, notes, policy and provenance.
pub fn json(r: &MetricResult) -> serde_json::Value {
    json!({
        "metric": r.metric,
        "title": { "ja": r.title_ja, "en": r.title_en },
        "params": r.params,
        "columns": r.columns,
        "rows": r.rows.iter().map(|row| row.iter().map(Value::to_json).collect::<Vec<_>>()).collect::<Vec<_>>(),
        "notes": r.notes,
        "policy": r.policy,
        "provenance": r.provenance,
    })
}
