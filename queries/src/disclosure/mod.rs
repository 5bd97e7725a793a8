//! Disclosure control, applied to every result before it leaves the engine.
//!
//! A policy per audience: the committee sees exact counts; the board and researchers
//! get **primary suppression** of person counts from 1 to k−1 (k = 10 by default, as
//! in NDB practice) and **complementary suppression**, so that no withheld cell can be
//! recovered from the totals of the lines it lies on.
//!
//! A *line* is a set of rows whose counts add up to a total a reader may know: for a
//! result with dimensions d1…dn, the rows that agree on every dimension but one form
//! a line (so a row or column of a cross-table, or the whole of a one-way table).
//! A metric adds lines where its rows have other additive groupings (e.g. the months
//! of one 年度). Every line's total is assumed known. Complementary cells are added
//! until no withheld cell is determined by the system of line totals — checked by
//! linear algebra, which also rules out recovery by chains of subtractions.
//! Derived cells (shares, rates, differences) are withheld with any count of their row.

use std::collections::BTreeMap;

use crate::result::{MetricResult, Role, Value};

mod plan;
mod policy;

pub use plan::{Cell, MAX_EXACT_CELLS, suppress, suppress_pinned, suppress_weighted};
pub use policy::{AppliedPolicy, Audience, METHOD_NONE, METHOD_SUPPRESSION, Policy, SUPPRESSED_MARK};

/// Applies `policy` to `result` in place.
pub fn apply(result: &mut MetricResult, policy: Policy) {
    if policy.k == 0 {
        result.policy = AppliedPolicy::none(policy.audience);
        return;
    }
    let counts: Vec<usize> =
        result.columns.iter().enumerate().filter(|(_, c)| c.role == Role::PersonCount).map(|(i, _)| i).collect();
    let nc = counts.len();
    // Cells are (row, count column), flattened as row * nc + j.
    let values: Vec<Option<i64>> =
        result.rows.iter().flat_map(|r| counts.iter().map(move |&c| r[c].as_i64())).collect();
    let lines = cell_lines(result, &counts);
    let mut pinned = vec![false; values.len()];
    for (row, name) in &result.published {
        if let Some(p) =
            counts.iter().position(|&c| result.columns[c].name == *name).and_then(|j| pinned.get_mut(row * nc + j))
        {
            *p = true;
        }
    }
    let recent = recent_rows(result);
    let prominent: Vec<bool> =
        (0..values.len()).map(|cell| recent.get(cell / nc.max(1)).copied().unwrap_or(false)).collect();
    let plan = suppress_weighted(&values, &lines, i64::from(policy.k), &pinned, &prominent);
    let (mut primary, mut complementary) = (0, 0);
    for (cell, state) in plan.iter().enumerate() {
        match state {
            Cell::Primary => primary += 1,
            Cell::Complementary => complementary += 1,
            Cell::Shown => continue,
        }
        let (row, j) = (cell / nc, cell % nc);
        result.rows[row][counts[j]] = Value::Suppressed;
        for (i, c) in result.columns.iter().enumerate() {
            if c.role == Role::Derived && result.rows[row][i] != Value::Null {
                result.rows[row][i] = Value::Suppressed;
            }
        }
    }
    if values.len() > MAX_EXACT_CELLS && primary > 0 {
        result.notes.push(crate::result::Note::new(
            "この集計は細かすぎるため、人数をすべて秘匿しました。より粗い区分（年度別など）をご利用ください。",
            "This table is too detailed to release with small counts in it: every count is withheld. Use a coarser grouping (e.g. by 年度).",
        ));
    }
    result.policy =
        AppliedPolicy { audience: policy.audience, k: policy.k, method: METHOD_SUPPRESSION, primary, complementary };
}

/// The additive lines over cells (row × person-count column): each row line of
/// [`lines_of`] within each count column, and each declared column group within each row.
pub fn cell_lines(result: &MetricResult, counts: &[usize]) -> Vec<Vec<usize>> {
    let nc = counts.len();
    let mut lines = Vec::new();
    for line in lines_of(result) {
        for j in 0..nc {
            lines.push(line.iter().map(|r| r * nc + j).collect::<Vec<_>>());
        }
    }
    for group in &result.column_groups {
        let js: Vec<usize> =
            group.iter().filter_map(|name| counts.iter().position(|&c| result.columns[c].name == *name)).collect();
        if js.len() > 1 {
            for r in 0..result.rows.len() {
                lines.push(js.iter().map(|j| r * nc + j).collect());
            }
        }
    }
    lines
}

/// The additive lines of a result's rows: rows agreeing on all dimensions but one, plus
/// the metric's own extra lines. Lines of one row carry no information and are dropped.
pub fn lines_of(result: &MetricResult) -> Vec<Vec<usize>> {
    let dims: Vec<usize> =
        result.columns.iter().enumerate().filter(|(_, c)| c.role == Role::Dim).map(|(i, _)| i).collect();
    let mut lines: Vec<Vec<usize>> = Vec::new();
    for skip_pos in 0..dims.len() {
        if result.non_additive.contains(&result.columns[dims[skip_pos]].name) {
            continue;
        }
        let mut groups: BTreeMap<Vec<String>, Vec<usize>> = BTreeMap::new();
        for (r, row) in result.rows.iter().enumerate() {
            let key: Vec<String> =
                dims.iter().enumerate().filter(|(p, _)| *p != skip_pos).map(|(_, &i)| row[i].display()).collect();
            groups.entry(key).or_default().push(r);
        }
        lines.extend(groups.into_values());
    }
    lines.extend(result.extra_lines.iter().cloned());
    lines.retain(|l| l.len() > 1);
    lines.sort();
    lines.dedup();
    lines
}

/// Time dimensions: the rows of their latest value (this 年度, the last month) are what a
/// reader looks at first.
const TIME_DIMS: [&str; 8] = ["fiscal_year", "year", "month", "month_end", "date", "as_of", "round", "renewal_fy"];

/// Rows holding the latest value of a time dimension of the result.
fn recent_rows(result: &MetricResult) -> Vec<bool> {
    let mut recent = vec![false; result.rows.len()];
    for (i, c) in result.columns.iter().enumerate() {
        if c.role != Role::Dim || !TIME_DIMS.contains(&c.name) {
            continue;
        }
        let key = |v: &Value| (v.as_i64(), v.display());
        let Some(latest) = result.rows.iter().map(|r| key(&r[i])).max() else { continue };
        for (r, row) in result.rows.iter().enumerate() {
            recent[r] |= key(&row[i]) == latest;
        }
    }
    recent
}
