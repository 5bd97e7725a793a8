//! The row-checking framework shared by every dataset: typed reads of cells
//! that record a [`Reject`] for each bad value, with memoisation of the costly
//! normalisers (most date and label columns hold few distinct values).

/// A hash map for hot paths: keys are short texts (cells, labels), hashed once per cell
/// of a file, where std's SipHash showed up in the roster's validation time.
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
type HashMap<K, V> = FastMap<K, V>;

use chrono::NaiveDate;
use model::membership::Vocabulary;
use model::prefecture::Prefecture;

use crate::headers::Mapping;
use crate::normalize::{self, Norm, Problem};
use crate::reject::Reject;
use crate::spec::{ColumnSpec, DatasetSpec};
use crate::table::RawRow;

/// A cell whose normalised text differs from what the file held.
#[derive(Debug, Clone)]
pub struct RawCell {
    pub line: u64,
    pub column: &'static str,
    pub raw: String,
}

/// Per-file checking state.
#[derive(Debug)]
pub struct Checker<'a> {
    pub file: &'a str,
    pub spec: &'static DatasetSpec,
    pub mapping: &'a Mapping,
    pub rejects: Vec<Reject>,
    pub raw_cells: Vec<RawCell>,
    dates: HashMap<String, Norm<NaiveDate>>,
    /// Per spec column: raw label → resolved label.
    labels: Vec<HashMap<String, Norm<&'static str>>>,
    prefectures: HashMap<String, Norm<Prefecture>>,
    years: HashMap<String, Norm<i32>>,
}

impl<'a> Checker<'a> {
    pub fn new(file: &'a str, spec: &'static DatasetSpec, mapping: &'a Mapping) -> Self {
        Checker {
            file,
            spec,
            mapping,
            rejects: Vec::new(),
            raw_cells: Vec::new(),
            dates: HashMap::default(),
            labels: vec![HashMap::default(); spec.columns.len()],
            prefectures: HashMap::default(),
            years: HashMap::default(),
        }
    }

    /// A fresh checker for the same file, for validating a chunk of rows on another thread.
    pub fn fork(&self) -> Checker<'a> {
        Checker::new(self.file, self.spec, self.mapping)
    }

    /// Takes another checker's findings (after a parallel chunk).
    pub fn absorb(&mut self, other: Checker<'a>) {
        self.rejects.extend(other.rejects);
        self.raw_cells.extend(other.raw_cells);
    }

    /// Starts checking a row. Cells Excel holds as errors in mapped columns reject the row.
    pub fn row<'c>(&'c mut self, row: RawRow<'c>) -> RowCheck<'c, 'a> {
        let mut rc = RowCheck { ck: self, row, ok: true };
        for (col_idx, err) in row.cell_errors() {
            if let Some(ci) = rc.ck.mapping.columns.iter().position(|m| *m == Some(col_idx)) {
                let c = rc.ck.spec.columns[ci];
                rc.reject(
                    Some(&c),
                    err,
                    Problem::new(
                        format!("セルがエラー値 {err} です (Excel の数式エラー)"),
                        format!("the cell holds the Excel error {err}"),
                    ),
                );
            }
        }
        rc
    }

    /// Records a whole-row reject (ragged rows, duplicates …).
    pub fn reject_line(&mut self, line: u64, column: Option<&str>, value: Option<&str>, p: Problem) {
        self.rejects.push(Reject {
            file: self.file.to_string(),
            line: Some(line),
            column: column.map(str::to_owned),
            value: value.map(str::to_owned),
            reason_ja: p.ja,
            reason_en: p.en,
        });
    }
}

/// Checking one row.
#[derive(Debug)]
pub struct RowCheck<'c, 'a> {
    ck: &'c mut Checker<'a>,
    row: RawRow<'c>,
    pub ok: bool,
}

impl<'c> RowCheck<'c, '_> {
    pub fn line(&self) -> u64 {
        self.row.line()
    }

    /// The raw cell of spec column `ci` ("" when the file lacks the column).
    pub fn raw(&self, ci: usize) -> &'c str {
        self.ck.mapping.columns[ci].map_or("", |fi| self.row.cell(fi))
    }

    fn spec(&self, ci: usize) -> ColumnSpec {
        self.ck.spec.columns[ci]
    }

    pub fn reject(&mut self, col: Option<&ColumnSpec>, value: &str, p: Problem) {
        self.ok = false;
        let column = col.map(|c| c.ja);
        let value = (!value.is_empty()).then_some(value);
        self.ck.reject_line(self.row.line(), column, value, p);
    }

    /// Rejects the row for a problem with spec column `ci` (its raw value is reported).
    pub fn reject_at(&mut self, ci: usize, p: Problem) {
        let (c, raw) = (self.spec(ci), self.raw(ci));
        self.reject(Some(&c), raw, p);
    }

    /// Reads column `ci` with `parse`. `Some(None)`: empty and optional. `None`: rejected.
    pub fn get<T>(&mut self, ci: usize, parse: impl FnOnce(&str) -> Norm<T>) -> Option<Option<T>> {
        let raw = self.raw(ci);
        let c = self.spec(ci);
        if normalize::is_blank_raw(raw) {
            if c.required {
                let raw = raw.to_string();
                self.reject(
                    Some(&c),
                    &raw,
                    Problem::new(format!("{} は必須です", c.ja), format!("{} is required", c.key)),
                );
                return None;
            }
            return Some(None);
        }
        match parse(raw) {
            Ok(v) => Some(Some(v)),
            Err(p) => {
                let raw = raw.to_string();
                self.reject(Some(&c), &raw, p);
                None
            }
        }
    }

    /// A required value (the spec marks the column required, so empty is rejected).
    pub fn req<T>(&mut self, ci: usize, parse: impl FnOnce(&str) -> Norm<T>) -> Option<T> {
        match self.get(ci, parse) {
            Some(Some(v)) => Some(v),
            Some(None) => {
                let c = self.spec(ci);
                self.reject(
                    Some(&c),
                    "",
                    Problem::new(format!("{} は必須です", c.ja), format!("{} is required", c.key)),
                );
                None
            }
            None => None,
        }
    }

    /// Text, NFKC-normalised; the raw value is kept when normalisation changed it.
    pub fn text(&mut self, ci: usize) -> Option<Option<String>> {
        let raw = self.raw(ci).to_string();
        let v = self.get(ci, |r| Ok(normalize::text(r).into_owned()))?;
        if let Some(t) = &v
            && *t != raw.trim()
        {
            let column = self.spec(ci).key;
            self.ck.raw_cells.push(RawCell { line: self.row.line(), column, raw });
        }
        Some(v)
    }

    pub fn date(&mut self, ci: usize) -> Option<Option<NaiveDate>> {
        let raw = self.raw(ci);
        let parsed = memoised(&mut self.ck.dates, raw, normalize::date);
        self.get(ci, |_| parsed)
    }

    pub fn prefecture(&mut self, ci: usize) -> Option<Option<Prefecture>> {
        let raw = self.raw(ci);
        let parsed = memoised(&mut self.ck.prefectures, raw, normalize::prefecture);
        self.get(ci, |_| parsed)
    }

    pub fn year(&mut self, ci: usize) -> Option<Option<i32>> {
        let raw = self.raw(ci);
        let parsed = memoised(&mut self.ck.years, raw, normalize::year);
        self.get(ci, |_| parsed)
    }

    /// A label from a vocabulary, with a "did you mean" hint when unknown.
    pub fn label(&mut self, ci: usize, vocab: &'static Vocabulary) -> Option<Option<&'static str>> {
        let raw = self.raw(ci);
        let memo = &mut self.ck.labels[ci];
        let parsed = match memo.get(raw) {
            Some(v) => v.clone(),
            None => {
                let v = label(raw, vocab);
                memo.insert(raw.to_string(), v.clone());
                v
            }
        };
        self.get(ci, |_| parsed)
    }
}

/// A normaliser's result for `raw`, computed once per distinct value.
fn memoised<T: Clone>(memo: &mut HashMap<String, Norm<T>>, raw: &str, parse: impl FnOnce(&str) -> Norm<T>) -> Norm<T> {
    if let Some(v) = memo.get(raw) {
        return v.clone();
    }
    let v = parse(raw);
    memo.insert(raw.to_string(), v.clone());
    v
}

/// Resolves a label, explaining near misses.
pub fn label(raw: &str, vocab: &'static Vocabulary) -> Norm<&'static str> {
    let v = normalize::text(raw);
    if let Some(l) = vocab.canonical(&v) {
        return Ok(l);
    }
    let known = vocab.labels().collect::<Vec<_>>().join(", ");
    Err(match vocab.suggest(&v) {
        Some(s) => Problem::new(
            format!("{} '{raw}' は登録されていません。もしかして {s} ですか? (使える値: {known})", vocab.name_ja),
            format!("unknown {} '{raw}'; did you mean {s}? (known: {known})", vocab.name_en),
        ),
        None => Problem::new(
            format!("{} '{raw}' は登録されていません (使える値: {known})", vocab.name_ja),
            format!("unknown {} '{raw}' (known: {known})", vocab.name_en),
        ),
    })
}

/// Days since 1970-01-01, as Arrow's Date32 stores them.
pub fn date32(d: NaiveDate) -> i32 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or(NaiveDate::MIN)).num_days() as i32
}

/// The date of an Arrow Date32 (days since 1970-01-01); `None` out of chrono's range.
pub fn from_date32(days: i32) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(days.checked_add(719_163)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::membership::CATEGORIES;

    #[test]
    fn label_hint_for_trailing_space_variant() {
        assert_eq!(label("正会員 ", &CATEGORIES), Ok("正会員"));
        let e = label("正会委", &CATEGORIES).expect_err("unknown");
        assert!(e.ja.contains("もしかして 正会員"), "{e:?}");
    }

    #[test]
    fn date32_epoch() {
        assert_eq!(date32(NaiveDate::from_ymd_opt(1970, 1, 2).expect("d")), 1);
    }
}
