//! The suppression planner: which cells of a table of counts to withhold so that no
//! withheld cell is determined by the totals of the lines it lies on (primary cells below k,
//! complementary cells chosen cheapest first, determinability checked by linear algebra).

use std::collections::BTreeMap;

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
