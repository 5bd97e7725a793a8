//! Membership history: a roster snapshot diffed against the warehouse's current
//! state (polars does the join and the change detection).
//!
//! - A member first seen gets a version of their facts and an interval of their
//!   state (category, profession, prefecture) from their 入会日.
//! - A state change opens a new interval on the snapshot date (the date it was
//!   first seen) and closes the old one there.
//! - A change of facts (入会日, 退会日, 生年, 性別) supersedes the member's version.
//! - A member who vanishes from the roster without a 退会日 is recorded as left
//!   on the snapshot date, flagged `left_inferred`.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Date32Array, Int32Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Date32Type, Field, Int32Type, Schema};
use chrono::NaiveDate;
use polars::prelude::{
    Column, DataFrame, Expr, IntoLazy, JoinArgs, JoinCoalesce, JoinType, NamedFrom, Series, col, lit,
};
use store::MemberDiff;
use store::schema::{MEMBER_HISTORY, MEMBERS};

use crate::error::Result;
use crate::validate::date32;

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

fn str_col(name: &str, batches: &[RecordBatch], idx: usize) -> Column {
    let v: Vec<Option<&str>> =
        batches.iter().flat_map(|b| b.column(idx).as_string::<i32>().iter().collect::<Vec<_>>()).collect();
    Series::new(name.into(), v).into()
}

fn i32_col(name: &str, batches: &[RecordBatch], idx: usize) -> Column {
    let v: Vec<Option<i32>> = batches
        .iter()
        .flat_map(|b| {
            let a = b.column(idx);
            match a.data_type() {
                DataType::Date32 => a.as_primitive::<Date32Type>().iter().collect::<Vec<_>>(),
                _ => a.as_primitive::<Int32Type>().iter().collect::<Vec<_>>(),
            }
        })
        .collect();
    Series::new(name.into(), v).into()
}

fn bool_col(name: &str, batches: &[RecordBatch], idx: usize) -> Column {
    let v: Vec<Option<bool>> =
        batches.iter().flat_map(|b| b.column(idx).as_boolean().iter().collect::<Vec<_>>()).collect();
    Series::new(name.into(), v).into()
}

fn rows(batches: &[RecordBatch]) -> usize {
    batches.iter().map(RecordBatch::num_rows).sum()
}

/// Computes the changes a snapshot (payload of `member_snapshots`) makes.
pub fn diff(snapshot: &RecordBatch, as_of: NaiveDate, state: &CurrentState) -> Result<MemberDiff> {
    let s = std::slice::from_ref(snapshot);
    // member_snapshots payload: row_no, as_of, member_key, category, profession,
    // joined_on, left_on, prefecture_code, birth_year, sex
    let snap = DataFrame::new(
        snapshot.num_rows(),
        vec![
            str_col("k", s, 2),
            str_col("category", s, 3),
            str_col("profession", s, 4),
            i32_col("joined_on", s, 5),
            i32_col("left_on", s, 6),
            i32_col("prefecture_code", s, 7),
            i32_col("birth_year", s, 8),
            str_col("sex", s, 9),
        ],
    )?;
    let m = &state.members;
    let old = DataFrame::new(
        rows(m),
        vec![
            str_col("k", m, 0),
            i32_col("joined_on_old", m, 1),
            i32_col("left_on_old", m, 2),
            bool_col("left_inferred_old", m, 3),
            i32_col("birth_year_old", m, 4),
            str_col("sex_old", m, 5),
            i32_col("first_seen_old", m, 6),
        ],
    )?;
    let o = &state.open;
    let open = DataFrame::new(
        rows(o),
        vec![
            str_col("k", o, 0),
            str_col("category_old", o, 1),
            str_col("profession_old", o, 2),
            i32_col("prefecture_code_old", o, 3),
        ],
    )?;
    let day = date32(as_of);
    let full = JoinArgs::new(JoinType::Full).with_coalesce(JoinCoalesce::CoalesceColumns);
    let joined = snap
        .lazy()
        .join(old.lazy(), [col("k")], [col("k")], full)
        .join(open.lazy(), [col("k")], [col("k")], JoinArgs::new(JoinType::Left))
        .with_columns([
            col("category").is_not_null().alias("in_new"),
            col("first_seen_old").is_not_null().alias("in_old"),
        ])
        .with_columns([
            col("in_new").and(col("in_old").not()).alias("new_member"),
            col("in_new")
                .and(col("in_old"))
                .and(
                    col("joined_on")
                        .neq_missing(col("joined_on_old"))
                        .or(col("left_on").neq_missing(col("left_on_old")))
                        .or(col("birth_year").neq_missing(col("birth_year_old")))
                        .or(col("sex").neq_missing(col("sex_old")))
                        .or(col("left_inferred_old").fill_null(lit(false))),
                )
                .alias("facts_changed"),
            col("in_old").and(col("in_new").not()).and(col("left_on_old").is_null()).alias("vanished"),
            col("in_new")
                .and(col("in_old"))
                .and(
                    col("category")
                        .neq_missing(col("category_old"))
                        .or(col("profession").neq_missing(col("profession_old")))
                        .or(col("prefecture_code").neq_missing(col("prefecture_code_old"))),
                )
                .alias("state_changed"),
        ])
        .collect()?;

    let pick = |filter: Expr, exprs: Vec<Expr>| -> Result<DataFrame> {
        Ok(joined.clone().lazy().filter(filter).select(exprs).collect()?)
    };
    let versions = pick(
        col("new_member").or(col("facts_changed")),
        vec![
            col("k"),
            col("joined_on"),
            col("left_on"),
            lit(false).alias("left_inferred"),
            col("birth_year"),
            col("sex"),
            col("first_seen_old").fill_null(lit(day)).alias("first_seen"),
        ],
    )?;
    let vanished = pick(
        col("vanished"),
        vec![
            col("k"),
            col("joined_on_old").alias("joined_on"),
            lit(day).alias("left_on"),
            lit(true).alias("left_inferred"),
            col("birth_year_old").alias("birth_year"),
            col("sex_old").alias("sex"),
            col("first_seen_old").alias("first_seen"),
        ],
    )?;
    let superseded = pick(col("facts_changed").or(col("vanished")), vec![col("k")])?;
    let closes = pick(col("state_changed").and(col("category_old").is_not_null()), vec![col("k")])?;
    let opens_new = pick(
        col("new_member"),
        vec![
            col("k"),
            col("joined_on").alias("valid_from"),
            col("category"),
            col("profession"),
            col("prefecture_code"),
        ],
    )?;
    let opens_changed = pick(
        col("state_changed"),
        vec![col("k"), lit(day).alias("valid_from"), col("category"), col("profession"), col("prefecture_code")],
    )?;

    let members_new = concat_batches(&[to_members(&versions)?, to_members(&vanished)?], MEMBERS.payload_schema())?;
    let history_open =
        concat_batches(&[to_history(&opens_new)?, to_history(&opens_changed)?], MEMBER_HISTORY.payload_schema())?;
    let keys = strings(&superseded, "k")?;
    let members_superseded = RecordBatch::try_new(
        Arc::new(Schema::new(vec![Field::new("member_key", DataType::Utf8, true)])),
        vec![Arc::new(keys) as ArrayRef],
    )?;
    let close_keys = strings(&closes, "k")?;
    let n = close_keys.len();
    let history_close = RecordBatch::try_new(
        Arc::new(Schema::new(vec![
            Field::new("member_key", DataType::Utf8, true),
            Field::new("valid_to", DataType::Date32, true),
        ])),
        vec![Arc::new(close_keys) as ArrayRef, Arc::new(Date32Array::from(vec![day; n]))],
    )?;
    Ok(MemberDiff { members_new, members_superseded, history_close, history_open })
}

fn strings(df: &DataFrame, name: &str) -> Result<StringArray> {
    Ok(df.column(name)?.str()?.iter().collect())
}

fn ints(df: &DataFrame, name: &str) -> Result<Vec<Option<i32>>> {
    Ok(df.column(name)?.i32()?.iter().collect())
}

fn to_members(df: &DataFrame) -> Result<RecordBatch> {
    let cols: Vec<ArrayRef> = vec![
        Arc::new(strings(df, "k")?),
        Arc::new(Date32Array::from(ints(df, "joined_on")?)),
        Arc::new(Date32Array::from(ints(df, "left_on")?)),
        Arc::new(
            df.column("left_inferred")?.bool()?.iter().map(|b| Some(b.unwrap_or(false))).collect::<BooleanArray>(),
        ),
        Arc::new(Int32Array::from(ints(df, "birth_year")?)),
        Arc::new(strings(df, "sex")?),
        Arc::new(Date32Array::from(ints(df, "first_seen")?)),
    ];
    Ok(RecordBatch::try_new(MEMBERS.payload_schema(), cols)?)
}

fn to_history(df: &DataFrame) -> Result<RecordBatch> {
    let n = df.height();
    let cols: Vec<ArrayRef> = vec![
        Arc::new(strings(df, "k")?),
        Arc::new(Date32Array::from(ints(df, "valid_from")?)),
        Arc::new(Date32Array::new_null(n)),
        Arc::new(arrow::array::Int64Array::new_null(n)),
        Arc::new(strings(df, "category")?),
        Arc::new(strings(df, "profession")?),
        Arc::new(Int32Array::from(ints(df, "prefecture_code")?)),
    ];
    Ok(RecordBatch::try_new(MEMBER_HISTORY.payload_schema(), cols)?)
}

fn concat_batches(batches: &[RecordBatch], schema: arrow::datatypes::SchemaRef) -> Result<RecordBatch> {
    Ok(arrow::compute::concat_batches(&schema, batches)?)
}
