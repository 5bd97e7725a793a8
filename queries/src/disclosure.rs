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
use std::fmt;

use serde::Serialize;

use crate::result::{MetricResult, Role, Value};

/// Who will see a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// 会員委員会: member-level detail, no suppression.
    Committee,
    /// 理事会.
    Board,
    /// Policy researchers and anything published.
    Researcher,
}

impl Audience {
    pub const ALL: [Audience; 3] = [Audience::Committee, Audience::Board, Audience::Researcher];

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "committee" | "会員委員会" => Some(Self::Committee),
            "board" | "理事会" => Some(Self::Board),
            "researcher" | "research" | "研究者" => Some(Self::Researcher),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Committee => "committee",
            Self::Board => "board",
            Self::Researcher => "researcher",
        }
    }

    pub fn ja(self) -> &'static str {
        match self {
            Self::Committee => "会員委員会",
            Self::Board => "理事会",
            Self::Researcher => "研究者",
        }
    }
}

impl fmt::Display for Audience {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A disclosure policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Policy {
    pub audience: Audience,
    /// Person counts from 1 to `k − 1` are withheld; 0 disables suppression.
    pub k: u32,
}

impl Policy {
    /// The policy for an audience with the rule set's threshold.
    pub fn for_audience(audience: Audience) -> Self {
        let k = match audience {
            Audience::Committee => 0,
            Audience::Board | Audience::Researcher => model::rules::RULES_2026.min_cell,
        };
        Policy { audience, k }
    }

    /// The policy in one Japanese sentence, for title pages, READMEs and manifests.
    pub fn describe_ja(&self) -> String {
        if self.k == 0 {
            format!("秘匿処理なし（{}向け）", self.audience.ja())
        } else {
            format!(
                "{}向け：1〜{} 人の人数を秘匿（一次秘匿）し、表の合計から逆算できないよう他のセルも秘匿（二次秘匿）。秘匿セルは {} で表示",
                self.audience.ja(),
                self.k - 1,
                crate::result::SUPPRESSED_MARK
            )
        }
    }
}

/// The policy a result was released under, and what it withheld.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppliedPolicy {
    pub audience: Audience,
    pub k: u32,
    pub method: &'static str,
    /// Cells withheld as primary (below k) and as complementary.
    pub primary: usize,
    pub complementary: usize,
}

impl AppliedPolicy {
    pub fn none(audience: Audience) -> Self {
        AppliedPolicy { audience, k: 0, method: METHOD_NONE, primary: 0, complementary: 0 }
    }

    pub fn describe_ja(&self) -> String {
        if self.k == 0 {
            format!("秘匿処理なし（{}向け）", self.audience.ja())
        } else {
            format!(
                "{}向け：{}未満の人数を秘匿（一次 {} セル、二次 {} セル）。秘匿セルは {} で表示",
                self.audience.ja(),
                self.k,
                self.primary,
                self.complementary,
                crate::result::SUPPRESSED_MARK
            )
        }
    }
}

pub const METHOD_NONE: &str = "none";
pub const METHOD_SUPPRESSION: &str = "primary (1..k-1) + complementary (line totals, linear algebra)";

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

/// The state of one cell after suppression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    Shown,
    Primary,
    Complementary,
}

/// Plans suppression of one column of counts (`None` = not a count, left alone).
pub fn suppress(values: &[Option<i64>], lines: &[Vec<usize>], k: i64) -> Vec<Cell> {
    suppress_pinned(values, lines, k, &vec![false; values.len()])
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

/// As [`suppress`], never choosing a `pinned` cell (one released elsewhere) as a
/// complementary cell.
pub fn suppress_pinned(values: &[Option<i64>], lines: &[Vec<usize>], k: i64, pinned: &[bool]) -> Vec<Cell> {
    suppress_weighted(values, lines, k, pinned, &[])
}

/// As [`suppress_pinned`], choosing a `prominent` cell (the latest period, which the reader
/// looks at first) as a complementary cell only when no other will do: the protection falls on
/// old or partial periods, so one audience gets the same headline figures in every output.
pub fn suppress_weighted(
    values: &[Option<i64>],
    lines: &[Vec<usize>],
    k: i64,
    pinned: &[bool],
    prominent: &[bool],
) -> Vec<Cell> {
    // A pinned cell is as good as shown to a reader: it may not protect anything.
    let free = |i: usize| values[i].is_some() && !pinned.get(i).copied().unwrap_or(false);
    let mut state: Vec<Cell> = values
        .iter()
        .map(|v| match v {
            Some(n) if *n >= 1 && *n < k => Cell::Primary,
            _ => Cell::Shown,
        })
        .collect();
    if values.len() > MAX_EXACT_CELLS && state.contains(&Cell::Primary) {
        // Too large to certify cell by cell: withhold every count (the caller says why).
        for (i, s) in state.iter_mut().enumerate() {
            if *s == Cell::Shown && values[i].is_some() {
                *s = Cell::Complementary;
            }
        }
        return state;
    }
    // Each round finds the withheld cells the line totals still determine and withholds the
    // cheapest set of up to three shown cells that leaves the fewest of them determined
    // (three: a lone cell in a cross-table needs a row partner, a column partner and the
    // corner). Candidates are the smallest shown cells on the lines of determined cells and
    // on the lines of those. Zeros are avoided (a withheld zero protects nothing when zeros
    // are known structurally). The loop ends because cells only move from shown to withheld.
    let cost = |i: usize| {
        let base = values[i].map_or(i64::MAX / 8, |v| if v == 0 { i64::MAX / 16 } else { v });
        if prominent.get(i).copied().unwrap_or(false) { base.saturating_add(PROMINENT) } else { base }
    };
    loop {
        close_lone_cells(&mut state, &free, lines, &cost);
        let exposed = determined(&state, lines);
        if exposed.is_empty() {
            break;
        }
        let shown_on = |cells: &[usize], state: &[Cell]| -> Vec<usize> {
            let mut c: Vec<usize> = lines
                .iter()
                .filter(|l| l.iter().any(|i| cells.contains(i)))
                .flat_map(|l| l.iter().copied())
                .filter(|&i| state[i] == Cell::Shown && free(i))
                .collect();
            c.sort_by_key(|&i| (cost(i), i));
            c.dedup();
            c
        };
        let mut pool = shown_on(&exposed, &state);
        pool.truncate(POOL_NEAR);
        let mut far = shown_on(&pool, &state);
        far.retain(|i| !pool.contains(i));
        far.truncate(POOL_FAR);
        pool.extend(far);
        if pool.is_empty() {
            // No shown cell is left near a determined cell: withhold every count rather
            // than release a recoverable one.
            for (i, s) in state.iter_mut().enumerate() {
                if *s == Cell::Shown && values[i].is_some() {
                    *s = Cell::Complementary;
                }
            }
            break;
        }
        // Singles first, then pairs, then triples: stop at the first size that leaves fewer
        // cells determined, and take its cheapest best set.
        let before = exposed.len();
        let mut best: Option<((usize, i64), Vec<usize>)> = None;
        let n = pool.len();
        for size in 1..=3usize {
            let mut sets: Vec<Vec<usize>> = Vec::new();
            match size {
                1 => sets.extend((0..n).map(|a| vec![pool[a]])),
                2 => sets
                    .extend((0..n).flat_map(|a| (a + 1..n).map(move |b| (a, b))).map(|(a, b)| vec![pool[a], pool[b]])),
                _ => {
                    for a in 0..n {
                        for b in a + 1..n {
                            sets.extend((b + 1..n).map(|c| vec![pool[a], pool[b], pool[c]]));
                        }
                    }
                }
            }
            for set in sets {
                for &i in &set {
                    state[i] = Cell::Complementary;
                }
                let left = determined(&state, lines).len();
                for &i in &set {
                    state[i] = Cell::Shown;
                }
                let key = (left, set.iter().map(|&i| cost(i)).sum::<i64>());
                if best.as_ref().is_none_or(|(k, _)| key < *k) {
                    best = Some((key, set));
                }
            }
            if best.as_ref().is_some_and(|((left, _), _)| *left < before) {
                break;
            }
        }
        // The pool is never empty here, so a set was considered; a set that protects
        // nothing still moves cells to withheld, so the loop ends.
        if let Some((_, set)) = best {
            for i in set {
                state[i] = Cell::Complementary;
            }
        }
    }
    state
}

/// The cheap first step of each round: while a line has exactly one withheld cell (which
/// its total would give away), withhold a shown cell of that line — preferring one whose
/// other lines also hold a single withheld cell (so that a cross-table closes into a
/// rectangle), then the smallest count. What this leaves determined, the search handles.
fn close_lone_cells(
    state: &mut [Cell],
    free: &dyn Fn(usize) -> bool,
    lines: &[Vec<usize>],
    cost: &dyn Fn(usize) -> i64,
) {
    let mut lines_of: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (l, line) in lines.iter().enumerate() {
        for &i in line {
            lines_of.entry(i).or_default().push(l);
        }
    }
    let hidden_on = |state: &[Cell], l: usize| lines[l].iter().filter(|&&i| state[i] != Cell::Shown).count();
    // A lone line with nothing left to withhold is left to the search (or its fallback).
    let pick = |state: &[Cell], lone: usize| {
        lines[lone].iter().copied().filter(|&i| state[i] == Cell::Shown && free(i)).min_by_key(|&i| {
            let closes = lines_of.get(&i).is_some_and(|ls| ls.iter().any(|&l| l != lone && hidden_on(state, l) == 1));
            (!closes, cost(i), i)
        })
    };
    while let Some(i) = (0..lines.len()).filter(|&l| hidden_on(state, l) == 1).find_map(|l| pick(state, l)) {
        state[i] = Cell::Complementary;
    }
}

/// What choosing a cell of the latest period as a complementary cell costs beyond its count:
/// more than any count, less than a zero (a withheld zero protects nothing).
const PROMINENT: i64 = 1 << 40;

/// The largest table (count cells) certified cell by cell; a larger one with a small
/// count is withheld whole, and the audience is pointed to a coarser grouping.
pub const MAX_EXACT_CELLS: usize = 600;

/// Candidate cells per round: the smallest on the lines of determined cells, and the
/// smallest on the lines of those.
const POOL_NEAR: usize = 5;
const POOL_FAR: usize = 4;

/// The withheld cells whose values the line totals determine. The system splits into
/// independent parts (withheld cells linked by shared lines), solved one at a time.
fn determined(state: &[Cell], lines: &[Vec<usize>]) -> Vec<usize> {
    let hidden: Vec<usize> = (0..state.len()).filter(|&i| state[i] != Cell::Shown).collect();
    if hidden.is_empty() {
        return Vec::new();
    }
    let pos: BTreeMap<usize, usize> = hidden.iter().enumerate().map(|(p, &i)| (i, p)).collect();
    // Each line restricted to the withheld cells, as positions in `hidden`.
    let restricted: Vec<Vec<usize>> = lines
        .iter()
        .map(|l| l.iter().filter_map(|i| pos.get(i).copied()).collect::<Vec<_>>())
        .filter(|l: &Vec<usize>| !l.is_empty())
        .collect();
    // Union-find over positions joined by lines.
    let mut parent: Vec<usize> = (0..hidden.len()).collect();
    fn root(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for l in &restricted {
        let r0 = root(&mut parent, l[0]);
        for &p in &l[1..] {
            let r = root(&mut parent, p);
            parent[r] = r0;
        }
    }
    let mut parts: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for p in 0..hidden.len() {
        let r = root(&mut parent, p);
        parts.entry(r).or_default().push(p);
    }
    let mut out = Vec::new();
    for members in parts.values() {
        let local: BTreeMap<usize, usize> = members.iter().enumerate().map(|(k, &p)| (p, k)).collect();
        let rows: Vec<Vec<f64>> = restricted
            .iter()
            .filter(|l| local.contains_key(&l[0]))
            .map(|l| {
                let mut v = vec![0.0; members.len()];
                for p in l {
                    if let Some(&k) = local.get(p) {
                        v[k] = 1.0;
                    }
                }
                v
            })
            .collect();
        let basis = row_echelon(rows);
        for (k, &p) in members.iter().enumerate() {
            if in_row_space(&basis, k, members.len()) {
                out.push(hidden[p]);
            }
        }
    }
    out.sort_unstable();
    out
}

const EPS: f64 = 1e-9;

/// Reduced row echelon form: (pivot column, row) pairs.
fn row_echelon(mut rows: Vec<Vec<f64>>) -> Vec<(usize, Vec<f64>)> {
    let mut basis: Vec<(usize, Vec<f64>)> = Vec::new();
    for row in rows.iter_mut() {
        for (p, b) in &basis {
            let f = row[*p];
            if f.abs() > EPS {
                for (x, y) in row.iter_mut().zip(b) {
                    *x -= f * y;
                }
            }
        }
        if let Some(p) = row.iter().position(|x| x.abs() > EPS) {
            let f = row[p];
            for x in row.iter_mut() {
                *x /= f;
            }
            for (_, b) in basis.iter_mut() {
                let g = b[p];
                if g.abs() > EPS {
                    for (x, y) in b.iter_mut().zip(row.iter()) {
                        *x -= g * y;
                    }
                }
            }
            basis.push((p, row.clone()));
        }
    }
    basis
}

/// Whether the unit vector e_j lies in the span of the reduced basis.
fn in_row_space(basis: &[(usize, Vec<f64>)], j: usize, n: usize) -> bool {
    let mut v = vec![0.0_f64; n];
    v[j] = 1.0;
    for (p, b) in basis {
        let f = v[*p];
        if f.abs() > EPS {
            for (x, y) in v.iter_mut().zip(b) {
                *x -= f * y;
            }
        }
    }
    v.iter().all(|x| x.abs() < EPS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid_lines(rows: usize, cols: usize) -> Vec<Vec<usize>> {
        let mut lines: Vec<Vec<usize>> = (0..rows).map(|r| (0..cols).map(|c| r * cols + c).collect()).collect();
        lines.extend((0..cols).map(|c| (0..rows).map(|r| r * cols + c).collect()));
        lines
    }

    #[test]
    fn the_latest_period_is_protected_only_when_nothing_else_will_do() {
        // 2022 (3 people) is withheld; its partner on the line is the cheapest shown count —
        // 2025's 20 — unless 2025 is the period the reader looks at first.
        let values = [Some(3), Some(50), Some(40), Some(20)];
        let lines = vec![vec![0, 1, 2, 3]];
        let plain = suppress(&values, &lines, 10);
        assert_eq!(plain[3], Cell::Complementary);
        let weighted = suppress_weighted(&values, &lines, 10, &[false; 4], &[false, false, false, true]);
        assert_eq!(weighted, [Cell::Primary, Cell::Shown, Cell::Complementary, Cell::Shown]);
        // With nothing else on the line, the latest period is withheld all the same.
        let two = suppress_weighted(&[Some(3), Some(20)], &[vec![0, 1]], 10, &[false; 2], &[false, true]);
        assert_eq!(two, [Cell::Primary, Cell::Complementary]);
    }

    #[test]
    fn a_lone_small_cell_gets_a_partner_on_its_line() {
        let values = [Some(3), Some(50), Some(40)];
        let plan = suppress(&values, &[vec![0, 1, 2]], 10);
        assert_eq!(plan, vec![Cell::Primary, Cell::Shown, Cell::Complementary]);
    }

    #[test]
    fn zeros_and_large_counts_are_shown() {
        let values = [Some(0), Some(10), Some(12)];
        assert!(suppress(&values, &[vec![0, 1, 2]], 10).iter().all(|c| *c == Cell::Shown));
    }

    #[test]
    fn two_way_table_needs_a_rectangle() {
        // 3×3, one small cell: a row partner, a column partner and the corner close the rectangle.
        let values: Vec<Option<i64>> = [5, 20, 30, 40, 50, 60, 70, 80, 90].iter().map(|v| Some(*v)).collect();
        let plan = suppress(&values, &grid_lines(3, 3), 10);
        let hidden: Vec<usize> = (0..9).filter(|&i| plan[i] != Cell::Shown).collect();
        assert_eq!(hidden, vec![0, 1, 3, 4]);
    }

    #[test]
    fn determinability_sees_a_bridge_between_cycles() {
        // Two withheld cells alone on a line are not determined by that line.
        let basis = row_echelon(vec![vec![1.0, 1.0]]);
        assert!(!in_row_space(&basis, 0, 2));
        // Adding a line holding only the first determines both.
        let basis = row_echelon(vec![vec![1.0, 1.0], vec![1.0, 0.0]]);
        assert!(in_row_space(&basis, 0, 2) && in_row_space(&basis, 1, 2));
    }
}
