//! Membership history: a roster snapshot diffed against the warehouse's current
//! state. polars does the join and the change detection on integer columns (the
//! 128-bit pseudonym as two `u64`s, text labels as codes); the rows it picks are then
//! gathered from the Arrow arrays, so no text is copied into or out of polars.
//!
//! - A member first seen gets a version of their facts and an interval of their
//!   state (category, profession, prefecture) from their 入会日.
//! - A state change opens a new interval on the snapshot date (the date it was
//!   first seen) and closes the old one there.
//! - A change of facts (入会日, 退会日, 生年, 性別) supersedes the member's version.
//! - A member who vanishes from the roster without a 退会日 is recorded as left
//!   on the snapshot date, flagged `left_inferred`.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Date32Array, Int64Array, RecordBatch, UInt32Array};
use arrow::compute::concat;
use arrow::datatypes::{DataType, Date32Type, Field, Int32Type, Schema};
use chrono::NaiveDate;
use polars::prelude::{
    BooleanChunked, Column, DataFrame, IntoColumn, IntoLazy, JoinArgs, JoinCoalesce, JoinType, NamedFrom,
    NewChunkedArray, Series, UInt32Chunked, UInt64Chunked, col, lit, when,
};
use store::MemberDiff;
use store::schema::{MEMBER_HISTORY, MEMBERS};

use crate::error::{Error, Result};
use crate::pseudonym;
use crate::validate::{FastMap, date32};

/// The warehouse's current membership state.
#[derive(Debug)]
pub struct CurrentState {
    /// member_key, joined_on, left_on, left_inferred, birth_year, sex, first_seen.
    pub members: Vec<RecordBatch>,
    /// Open intervals: member_key, category, profession, prefecture_code.
    pub open: Vec<RecordBatch>,
}

/// SQL that reads [`CurrentState`] from the warehouse.
pub const CURRENT_MEMBERS_SQL: &str =
    "SELECT member_key, joined_on, left_on, left_inferred, birth_year, sex, first_seen
     FROM members WHERE superseded_by IS NULL";
pub const OPEN_INTERVALS_SQL: &str =
    "SELECT member_key, category, profession, prefecture_code FROM member_history WHERE valid_to IS NULL";

/// The columns of a `member_snapshots` payload the diff reads, found by name.
struct Snap<'b> {
    key: &'b ArrayRef,
    category: &'b ArrayRef,
    profession: &'b ArrayRef,
    joined: &'b ArrayRef,
    left: &'b ArrayRef,
    pref: &'b ArrayRef,
    birth: &'b ArrayRef,
    sex: &'b ArrayRef,
}

impl<'b> Snap<'b> {
    fn of(batch: &'b RecordBatch) -> Result<Self> {
        let c = |name: &str| {
            batch.column_by_name(name).ok_or_else(|| Error::Usage(format!("roster snapshot without column {name}")))
        };
        Ok(Snap {
            key: c("member_key")?,
            category: c("category")?,
            profession: c("profession")?,
            joined: c("joined_on")?,
            left: c("left_on")?,
            pref: c("prefecture_code")?,
            birth: c("birth_year")?,
            sex: c("sex")?,
        })
    }
}

/// Small integer codes for text labels, shared by the snapshot and the current state
/// so that equal labels get equal codes.
#[derive(Default)]
struct Codes<'a> {
    map: FastMap<&'a str, u32>,
}

impl<'a> Codes<'a> {
    fn code(&mut self, s: &'a str) -> u32 {
        let n = self.map.len() as u32;
        *self.map.entry(s).or_insert(n)
    }

    fn column(&mut self, name: &str, array: &'a ArrayRef) -> Column {
        let a = array.as_string::<i32>();
        let v: Vec<Option<u32>> = (0..a.len()).map(|i| a.is_valid(i).then(|| self.code(a.value(i)))).collect();
        Series::new(name.into(), v).into_column()
    }
}

/// The two halves of a pseudonym (32 hex digits, as [`crate::pseudonym`] writes them): `k0`,
/// the join key, and the low half named `lo` (checked after the join).
fn key_columns(array: &ArrayRef, what: &str, lo_name: &str) -> Result<[Column; 2]> {
    let a = array.as_string::<i32>();
    let (mut hi, mut lo) = (Vec::with_capacity(a.len()), Vec::with_capacity(a.len()));
    for i in 0..a.len() {
        let s = if a.is_valid(i) { a.value(i) } else { "" };
        let k = pseudonym::bits(s).ok_or_else(|| pseudonym::not_one(what, s))?;
        hi.push((k >> 64) as u64);
        lo.push(k as u64);
    }
    Ok([
        UInt64Chunked::from_vec("k0".into(), hi).into_column(),
        UInt64Chunked::from_vec(lo_name.into(), lo).into_column(),
    ])
}

fn i32_column(name: &str, array: &ArrayRef) -> Column {
    let v: Vec<Option<i32>> = match array.data_type() {
        DataType::Date32 => array.as_primitive::<Date32Type>().iter().collect(),
        _ => array.as_primitive::<Int32Type>().iter().collect(),
    };
    Series::new(name.into(), v).into_column()
}

fn row_index(name: &str, n: usize) -> Column {
    UInt32Chunked::from_vec(name.into(), (0..n as u32).collect::<Vec<u32>>()).into_column()
}

/// One batch of the current state's rows (`None` when there are none).
fn one_batch(mut batches: Vec<RecordBatch>) -> Result<Option<RecordBatch>> {
    batches.retain(|b| b.num_rows() > 0);
    match batches.len() {
        0 => Ok(None),
        1 => Ok(batches.pop()),
        _ => Ok(Some(arrow::compute::concat_batches(&batches[0].schema(), &batches)?)),
    }
}

/// Row indices picked by the diff, in row order.
#[derive(Default)]
struct Picks {
    /// Snapshot rows that become member versions, with their first_seen date.
    versions: Vec<(u32, i32)>,
    /// Current member versions of members who vanished.
    vanished: Vec<u32>,
    /// Snapshot rows whose member's current version is superseded.
    superseded: Vec<u32>,
    /// Snapshot rows whose member's open interval closes.
    closes: Vec<u32>,
    /// Snapshot rows that open an interval, with its valid_from date.
    opens: Vec<(u32, i32)>,
}

/// Computes the changes a snapshot (payload of `member_snapshots`) makes.
/// The state is consumed: its batches are merged and freed before the join.
pub fn diff(snapshot: &RecordBatch, as_of: NaiveDate, state: CurrentState) -> Result<MemberDiff> {
    let day = date32(as_of);
    let members = one_batch(state.members)?;
    let open = one_batch(state.open)?;
    let t = std::time::Instant::now();
    let picks = if members.is_none() && open.is_none() {
        // The first roster: nothing to join with, every member is new.
        let n = u32::try_from(snapshot.num_rows()).map_err(|_| Error::Usage("roster over 4 billion rows".into()))?;
        let joined = Snap::of(snapshot)?.joined.as_primitive::<Date32Type>();
        Picks {
            versions: (0..n).map(|i| (i, day)).collect(),
            opens: (0..n).map(|i| (i, joined.value(i as usize))).collect(),
            ..Picks::default()
        }
    } else {
        pick(snapshot, day, members.as_ref(), open.as_ref())?
    };
    tracing::info!("membership diff: rows picked in {:?}", t.elapsed());
    let t = std::time::Instant::now();
    let diff = gather(snapshot, day, members.as_ref(), &picks);
    tracing::info!("membership diff: batches gathered in {:?}", t.elapsed());
    diff
}

/// The join and change detection (polars).
fn pick(snapshot: &RecordBatch, day: i32, members: Option<&RecordBatch>, open: Option<&RecordBatch>) -> Result<Picks> {
    let mut codes = Codes::default();
    let s = Snap::of(snapshot)?;
    let [k0, k1] = key_columns(s.key, "member_snapshots", "k1")?;
    let snap = DataFrame::new(
        snapshot.num_rows(),
        vec![
            k0,
            k1,
            row_index("i_new", snapshot.num_rows()),
            codes.column("category", s.category),
            codes.column("profession", s.profession),
            i32_column("joined_on", s.joined),
            i32_column("left_on", s.left),
            i32_column("prefecture_code", s.pref),
            i32_column("birth_year", s.birth),
            codes.column("sex", s.sex),
        ],
    )?;
    let old = match members {
        Some(m) => {
            let c = m.columns();
            let [k0, k1] = key_columns(&c[0], "members", "k1_old")?;
            let inferred: BooleanChunked = c[3].as_boolean().iter().collect();
            DataFrame::new(
                m.num_rows(),
                vec![
                    k0,
                    k1,
                    row_index("i_old", m.num_rows()),
                    i32_column("joined_on_old", &c[1]),
                    i32_column("left_on_old", &c[2]),
                    inferred.with_name("left_inferred_old".into()).into_column(),
                    i32_column("birth_year_old", &c[4]),
                    codes.column("sex_old", &c[5]),
                    i32_column("first_seen_old", &c[6]),
                ],
            )?
        }
        None => empty_frame(
            "k1_old",
            &[
                ("i_old", false),
                ("joined_on_old", true),
                ("left_on_old", true),
                ("left_inferred_old", false),
                ("birth_year_old", true),
                ("sex_old", false),
                ("first_seen_old", true),
            ],
        )?,
    };
    let open = match open {
        Some(o) => {
            let c = o.columns();
            let [k0, k1] = key_columns(&c[0], "member_history", "k1_open")?;
            DataFrame::new(
                o.num_rows(),
                vec![
                    k0,
                    k1,
                    codes.column("category_old", &c[1]),
                    codes.column("profession_old", &c[2]),
                    i32_column("prefecture_code_old", &c[3]),
                ],
            )?
        }
        None => empty_frame(
            "k1_open",
            &[("category_old", false), ("profession_old", false), ("prefecture_code_old", true)],
        )?,
    };
    // Joined on the high 64 bits (a one-column integer join is several times faster than two
    // columns); a pair whose low halves differ would be two members, and stops the load.
    let keys = || [col("k0")];
    let full = JoinArgs::new(JoinType::Full).with_coalesce(JoinCoalesce::CoalesceColumns);
    let in_new = || col("i_new").is_not_null();
    let in_old = || col("i_old").is_not_null();
    let facts_changed = in_new().and(in_old()).and(
        col("joined_on")
            .neq_missing(col("joined_on_old"))
            .or(col("left_on").neq_missing(col("left_on_old")))
            .or(col("birth_year").neq_missing(col("birth_year_old")))
            .or(col("sex").neq_missing(col("sex_old")))
            .or(col("left_inferred_old").fill_null(lit(false))),
    );
    let state_changed = in_new().and(in_old()).and(
        col("category")
            .neq_missing(col("category_old"))
            .or(col("profession").neq_missing(col("profession_old")))
            .or(col("prefecture_code").neq_missing(col("prefecture_code_old"))),
    );
    tracing::debug!("membership diff: frames built");
    let flagged = snap
        .lazy()
        .join(old.lazy(), keys(), keys(), full)
        .join(open.lazy(), keys(), keys(), JoinArgs::new(JoinType::Left))
        .select([
            col("i_new"),
            col("i_old"),
            col("joined_on"),
            col("first_seen_old"),
            in_new().and(in_old().not()).alias("new_member"),
            facts_changed.alias("facts_changed"),
            in_old().and(in_new().not()).and(col("left_on_old").is_null()).alias("vanished"),
            state_changed.clone().alias("state_changed"),
            state_changed.and(col("category_old").is_not_null()).alias("closes"),
            in_new()
                .and(in_old())
                .and(col("k1").neq(col("k1_old")))
                .or(col("k1_open")
                    .is_not_null()
                    .and(when(in_new()).then(col("k1")).otherwise(col("k1_old")).neq(col("k1_open"))))
                .fill_null(lit(false))
                .alias("collision"),
        ])
        .collect()?;
    tracing::debug!("membership diff: joined and flagged");
    if flagged.column("collision")?.bool()?.any() {
        return Err(Error::Usage(
            "two pseudonyms share their first 64 bits (astronomically unlikely): the roster cannot be diffed".into(),
        ));
    }
    collect_picks(&flagged, day)
}

/// A frame with the join keys and the given columns, no rows (`true`: Int32, else UInt32/bool).
fn empty_frame(lo_name: &str, cols: &[(&str, bool)]) -> Result<DataFrame> {
    let mut v: Vec<Column> = vec![
        UInt64Chunked::from_vec("k0".into(), Vec::<u64>::new()).into_column(),
        UInt64Chunked::from_vec(lo_name.into(), Vec::<u64>::new()).into_column(),
    ];
    for (name, int) in cols {
        v.push(if *int {
            Series::new((*name).into(), Vec::<Option<i32>>::new()).into_column()
        } else if name.starts_with("left_inferred") {
            Series::new((*name).into(), Vec::<Option<bool>>::new()).into_column()
        } else {
            UInt32Chunked::from_slice((*name).into(), &[]).into_column()
        });
    }
    Ok(DataFrame::new(0, v)?)
}

/// Reads the flags polars computed into row-index lists.
fn collect_picks(df: &DataFrame, day: i32) -> Result<Picks> {
    let flag =
        |name: &str| -> Result<Vec<bool>> { Ok(df.column(name)?.bool()?.iter().map(|b| b.unwrap_or(false)).collect()) };
    let idx = |name: &str| -> Result<Vec<Option<u32>>> { Ok(df.column(name)?.u32()?.iter().collect()) };
    let date = |name: &str| -> Result<Vec<Option<i32>>> { Ok(df.column(name)?.i32()?.iter().collect()) };
    let (i_new, i_old) = (idx("i_new")?, idx("i_old")?);
    let (joined, first_seen) = (date("joined_on")?, date("first_seen_old")?);
    let (new_member, facts, vanished, state, closes) =
        (flag("new_member")?, flag("facts_changed")?, flag("vanished")?, flag("state_changed")?, flag("closes")?);
    let mut p = Picks::default();
    for r in 0..df.height() {
        if vanished[r]
            && let Some(o) = i_old[r]
        {
            p.vanished.push(o);
        }
        let Some(n) = i_new[r] else { continue };
        if new_member[r] || facts[r] {
            p.versions.push((n, first_seen[r].unwrap_or(day)));
        }
        if facts[r] {
            p.superseded.push(n);
        }
        if closes[r] {
            p.closes.push(n);
        }
        if new_member[r] {
            let from = joined[r].ok_or_else(|| Error::Usage("a new member without 入会日 reached the diff".into()))?;
            p.opens.push((n, from));
        } else if state[r] {
            p.opens.push((n, day));
        }
    }
    p.versions.sort_unstable();
    p.vanished.sort_unstable();
    p.superseded.sort_unstable();
    p.closes.sort_unstable();
    p.opens.sort_unstable();
    Ok(p)
}

fn indices(rows: impl Iterator<Item = u32>) -> UInt32Array {
    UInt32Array::from_iter_values(rows)
}

/// `take`, without copying when the (sorted, distinct) indices are every row.
fn take(array: &ArrayRef, idx: &UInt32Array) -> Result<ArrayRef> {
    if idx.len() == array.len() {
        return Ok(array.clone());
    }
    Ok(arrow::compute::take(array, idx, None)?)
}

/// Builds the batches of a [`MemberDiff`] from the picked rows (Arrow `take`).
fn gather(snapshot: &RecordBatch, day: i32, members: Option<&RecordBatch>, p: &Picks) -> Result<MemberDiff> {
    let s = Snap::of(snapshot)?;
    let key_field = || Field::new("member_key", DataType::Utf8, true);

    let v = indices(p.versions.iter().map(|x| x.0));
    let nv = v.len();
    let mut members_new = RecordBatch::try_new(
        MEMBERS.payload_schema(),
        vec![
            take(s.key, &v)?,
            take(s.joined, &v)?,
            take(s.left, &v)?,
            Arc::new(BooleanArray::from(vec![false; nv])),
            take(s.birth, &v)?,
            take(s.sex, &v)?,
            Arc::new(Date32Array::from_iter_values(p.versions.iter().map(|x| x.1))),
        ],
    )?;
    let mut superseded_keys = take(s.key, &indices(p.superseded.iter().copied()))?;
    if let (Some(m), false) = (members, p.vanished.is_empty()) {
        let o = indices(p.vanished.iter().copied());
        let c = m.columns();
        let n = o.len();
        let gone = RecordBatch::try_new(
            MEMBERS.payload_schema(),
            vec![
                take(&c[0], &o)?,
                take(&c[1], &o)?,
                Arc::new(Date32Array::from(vec![day; n])),
                Arc::new(BooleanArray::from(vec![true; n])),
                take(&c[4], &o)?,
                take(&c[5], &o)?,
                take(&c[6], &o)?,
            ],
        )?;
        members_new = arrow::compute::concat_batches(&MEMBERS.payload_schema(), [&members_new, &gone])?;
        superseded_keys = concat(&[superseded_keys.as_ref(), gone.column(0).as_ref()])?;
    }
    let members_superseded = RecordBatch::try_new(Arc::new(Schema::new(vec![key_field()])), vec![superseded_keys])?;

    let c = indices(p.closes.iter().copied());
    let nc = c.len();
    let history_close = RecordBatch::try_new(
        Arc::new(Schema::new(vec![key_field(), Field::new("valid_to", DataType::Date32, true)])),
        vec![take(s.key, &c)?, Arc::new(Date32Array::from(vec![day; nc]))],
    )?;

    let o = indices(p.opens.iter().map(|x| x.0));
    let no = o.len();
    let history_open = RecordBatch::try_new(
        MEMBER_HISTORY.payload_schema(),
        vec![
            take(s.key, &o)?,
            Arc::new(Date32Array::from_iter_values(p.opens.iter().map(|x| x.1))),
            Arc::new(Date32Array::new_null(no)),
            Arc::new(Int64Array::new_null(no)),
            take(s.category, &o)?,
            take(s.profession, &o)?,
            take(s.pref, &o)?,
        ],
    )?;
    Ok(MemberDiff { members_new, members_superseded, history_close, history_open })
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Int32Array, StringArray};

    /// A roster payload: (pseudonym digit, category, 入会日 as days).
    fn roster(rows: &[(char, &str, i32)]) -> RecordBatch {
        let n = rows.len();
        let cols: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from_iter_values(2..2 + n as i64)),
            Arc::new(Date32Array::from(vec![20_000; n])),
            Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.0.to_string().repeat(32)))),
            Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.1))),
            Arc::new(StringArray::from(vec!["医師"; n])),
            Arc::new(Date32Array::from_iter_values(rows.iter().map(|r| r.2))),
            Arc::new(Date32Array::new_null(n)),
            Arc::new(Int32Array::from(vec![13; n])),
            Arc::new(Int32Array::from(vec![None; n])),
            Arc::new(StringArray::from(vec![Some("女性"); n])),
        ];
        RecordBatch::try_new(store::schema::MEMBER_SNAPSHOTS.payload_schema(), cols).expect("roster")
    }

    type Dated = Vec<(u32, i32)>;

    fn pairs(p: &Picks) -> (Dated, Dated, usize, usize, usize) {
        (p.versions.clone(), p.opens.clone(), p.vanished.len(), p.superseded.len(), p.closes.len())
    }

    #[test]
    fn the_first_roster_without_polars_equals_the_join_against_an_empty_state() {
        let snap = roster(&[('a', "正会員", 100), ('b', "準会員", 200), ('c', "正会員", 300)]);
        let joined = pick(&snap, 500, None, None).expect("polars");
        let empty = CurrentState { members: Vec::new(), open: Vec::new() };
        let fast = diff(&snap, NaiveDate::from_ymd_opt(1971, 5, 16).expect("day"), empty).expect("fast");
        assert_eq!(pairs(&joined), (vec![(0, 500), (1, 500), (2, 500)], vec![(0, 100), (1, 200), (2, 300)], 0, 0, 0));
        assert_eq!(fast.members_new.num_rows(), 3);
        assert_eq!(fast.history_open.num_rows(), 3);
        assert_eq!(fast.members_new.column(0), snap.column(2), "no copy, same order");
    }

    #[test]
    fn a_second_roster_opens_closes_and_infers_leavers() {
        let first = roster(&[('a', "正会員", 100), ('b', "準会員", 200), ('c', "正会員", 300)]);
        let d1 = diff(
            &first,
            NaiveDate::from_ymd_opt(1971, 5, 16).expect("day"),
            CurrentState { members: Vec::new(), open: Vec::new() },
        )
        .expect("first");
        let open = d1.history_open.project(&[0, 4, 5, 6]).expect("open intervals");
        // b changes category, c vanishes, d joins; a's 入会日 is corrected.
        let second = roster(&[('a', "正会員", 101), ('b', "正会員", 200), ('d', "正会員", 400)]);
        let state = CurrentState { members: vec![d1.members_new], open: vec![open] };
        let p = pick(&second, 600, state.members.first(), state.open.first()).expect("polars");
        assert_eq!(p.versions, vec![(0, 500), (2, 600)], "a's new version keeps its first_seen; d is new");
        assert_eq!(p.opens, vec![(1, 600), (2, 400)], "b's new state from the snapshot date; d from 入会日");
        assert_eq!((p.vanished, p.superseded, p.closes), (vec![2], vec![0], vec![1]));
    }

    #[test]
    fn pseudonyms_sharing_their_join_half_stop_the_diff_instead_of_matching() {
        let with_key = |b: RecordBatch, key: &str| {
            let mut cols = b.columns().to_vec();
            cols[2] = Arc::new(StringArray::from(vec![key]));
            RecordBatch::try_new(b.schema(), cols).expect("batch")
        };
        let (a, b) = (format!("{}{}", "a".repeat(16), "b".repeat(16)), format!("{}{}", "a".repeat(16), "c".repeat(16)));
        let first = with_key(roster(&[('a', "正会員", 100)]), &a);
        let empty = CurrentState { members: Vec::new(), open: Vec::new() };
        let d1 = diff(&first, NaiveDate::from_ymd_opt(1971, 5, 16).expect("day"), empty).expect("first");
        let open = d1.history_open.project(&[0, 4, 5, 6]).expect("open");
        let second = with_key(roster(&[('a', "正会員", 100)]), &b);
        let e = pick(&second, 600, Some(&d1.members_new), Some(&open)).err().expect("collision");
        assert!(e.to_string().contains("64 bits"), "{e}");
        assert!(pick(&first, 600, Some(&d1.members_new), Some(&open)).is_ok(), "the same member is no collision");
    }
}
