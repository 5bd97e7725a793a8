//! Arrow snapshots: the store's tables exactly as one load saw them, read once
//! into memory for the metric engine. A snapshot is immutable; readers hold it in an
//! `Arc` and a new load produces a new snapshot.

use std::collections::BTreeSet;

use arrow::array::{Array, Int64Array};
use std::sync::Arc;

use arrow::compute::{cast, concat_batches};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;

use crate::error::{Error, Result};
use crate::schema::{self, Col, Supersede, Table};
use crate::warehouse::{LoadInfo, Warehouse};

/// The tables a snapshot holds: every input of a metric. Raw roster snapshots and the
/// reject/extra/raw cells of loads stay in the warehouse.
pub const SNAPSHOT_TABLES: [&Table; 18] = [
    &schema::MEMBERS,
    &schema::MEMBER_HISTORY,
    &schema::SURVEY_WAVES,
    &schema::SURVEY_QUESTIONS,
    &schema::SURVEY_RESPONSES,
    &schema::SURVEY_ANSWERS,
    &schema::SPECIALISTS,
    &schema::DESIGNATIONS,
    &schema::HOSPITAL_VOLUMES,
    &schema::AREAS,
    &schema::HOSPITALS,
    &schema::JSMO_RENEWALS,
    &schema::JSMO_CREDITS,
    &schema::JBCT_RENEWALS,
    &schema::JBCT_FACILITIES,
    &schema::JBCT_CASES,
    &schema::JBCT_MEETINGS,
    &schema::JBCT_ELEARNING,
];

/// The respondent's columns (from `survey_responses`) that a snapshot's `survey_answers`
/// carries beside each answer, so that answers are counted by segment without joining
/// them to the responses per request. DuckDB joins them when the snapshot is read (the
/// stored table stays normalised).
pub const RESPONDENT_COLUMNS: [(&str, Col); 3] =
    [("profession", Col::Text), ("age_band", Col::Text), ("prefecture_code", Col::Int)];

/// One table of a snapshot: the payload columns plus `load_id` (and, for
/// `survey_answers`, the [`RESPONDENT_COLUMNS`]).
#[derive(Debug, Clone)]
pub struct SnapshotTable {
    pub name: &'static str,
    pub schema: SchemaRef,
    /// The rows in one batch (possibly empty).
    pub batch: RecordBatch,
    /// The loads that delivered the visible rows.
    pub load_ids: BTreeSet<i64>,
}

/// The store as load `at_load` saw it.
#[derive(Debug, Clone)]
pub struct StoreSnapshot {
    /// The last load included (0 for an empty store).
    pub at_load: i64,
    /// The load history up to `at_load`.
    pub loads: Vec<LoadInfo>,
    pub tables: Vec<SnapshotTable>,
}

impl StoreSnapshot {
    pub fn table(&self, name: &str) -> Option<&SnapshotTable> {
        self.tables.iter().find(|t| t.name == name)
    }

    pub fn load(&self, load_id: i64) -> Option<&LoadInfo> {
        self.loads.iter().find(|l| l.load_id == load_id)
    }
}

/// The SELECT that shows `table` as load `n` saw it.
pub fn visible_sql(table: &Table, n: i64) -> String {
    let payload: Vec<String> = table
        .columns
        .iter()
        .map(|(c, _, _)| match (table.supersede, *c) {
            // An interval closed by a later load was still open when load n ran.
            (Supersede::Intervals, "valid_to") => format!("CASE WHEN closed_load <= {n} THEN valid_to END AS valid_to"),
            (Supersede::Intervals, "closed_load") => {
                format!("CASE WHEN closed_load <= {n} THEN closed_load END AS closed_load")
            }
            _ => c.to_string(),
        })
        .collect();
    let filter = match table.supersede {
        Supersede::Intervals => format!("load_id <= {n}"),
        _ => format!("load_id <= {n} AND (superseded_by IS NULL OR superseded_by > {n})"),
    };
    format!("SELECT load_id, {} FROM {} WHERE {filter}", payload.join(", "), table.name)
}

/// The name a lake reader gives the raw partitions of `table` (payload columns, then
/// `load_id` from the partition path); [`lake_visible_sql`] reads them.
pub fn lake_raw_name(table: &str) -> String {
    format!("_lake_{table}")
}

/// The raw name of the closes of `member_history` (`member_key, valid_from, valid_to`, the
/// closing load as `load_id`): the lake keeps what each load wrote, so a close is a row of
/// its own instead of an update of the interval.
pub const LAKE_CLOSES: &str = "_lake_member_history_closes";

/// The raw name of the load history (`loads/loads.parquet`).
pub const LAKE_LOADS: &str = "_lake_loads";

/// The SELECT (DataFusion's SQL) that shows `table` as load `n` saw it, rebuilt from the
/// lake, which holds what each load wrote but not `superseded_by`: the same rows and columns
/// as [`visible_sql`] over the warehouse, by each table's [`Supersede`] rule —
///
/// - `Never`: every row up to `n`;
/// - `All`: the rows of the last load up to `n` that wrote the table (by the load history's
///   `tables`, so that a load of no rows still replaces the ones before);
/// - `ByKey`: a row of the last load up to `n` that delivered its key;
/// - `Managed` (members): each member's latest version up to `n`;
/// - `Intervals` (member history): every interval opened up to `n`, closed by the closes
///   made up to `n`.
pub fn lake_visible_sql(table: &Table, n: i64) -> String {
    let raw = lake_raw_name(table.name);
    let cols = |alias: &str| -> Vec<String> { table.columns.iter().map(|(c, _, _)| format!("{alias}.{c}")).collect() };
    match table.supersede {
        Supersede::Never => format!("SELECT t.load_id, {} FROM {raw} t WHERE t.load_id <= {n}", cols("t").join(", ")),
        Supersede::All => format!(
            "SELECT t.load_id, {} FROM {raw} t WHERE t.load_id = (SELECT max(l.load_id) FROM {LAKE_LOADS} l
               WHERE l.load_id <= {n} AND strpos(concat(',', l.tables, ','), ',{},') > 0)",
            cols("t").join(", "),
            table.name
        ),
        Supersede::ByKey(keys) => {
            // The last load up to n that delivered each key; a row shows when its load is
            // that one. A NULL key matches nothing (as `IN` in the warehouse's supersede), so
            // such a row stays. A join on the few keys, not a self-join over the rows.
            let keys_list = keys.join(", ");
            let same: Vec<String> = keys.iter().map(|k| format!("last.{k} = t.{k}")).collect();
            format!(
                "SELECT t.load_id, {} FROM {raw} t LEFT JOIN
                   (SELECT {keys_list}, max(load_id) AS last_load FROM {raw} WHERE load_id <= {n} GROUP BY {keys_list}) last
                   ON {}
                 WHERE t.load_id <= {n} AND (last.last_load IS NULL OR t.load_id = last.last_load)",
                cols("t").join(", "),
                same.join(" AND ")
            )
        }
        Supersede::Managed => format!(
            "SELECT v.load_id, {} FROM (SELECT t.*, row_number() OVER (PARTITION BY t.{} ORDER BY t.load_id DESC) AS version_rank
               FROM {raw} t WHERE t.load_id <= {n}) v WHERE v.version_rank = 1",
            cols("v").join(", "),
            crate::schema::PSEUDONYM_COLUMN
        ),
        Supersede::Intervals => {
            let select: Vec<String> = table
                .columns
                .iter()
                .map(|(c, _, _)| match *c {
                    "valid_to" => "c.valid_to AS valid_to".to_string(),
                    "closed_load" => "c.load_id AS closed_load".to_string(),
                    other => format!("t.{other}"),
                })
                .collect();
            format!(
                "SELECT t.load_id, {} FROM {raw} t LEFT JOIN (SELECT * FROM {LAKE_CLOSES} WHERE load_id <= {n}) c
                   ON c.member_key = t.member_key AND c.valid_from = t.valid_from
                 WHERE t.load_id <= {n}",
                select.join(", ")
            )
        }
    }
}

/// As [`snapshot_sql`], over the lake: the visible rows, and for `survey_answers` the
/// respondent's [`RESPONDENT_COLUMNS`].
pub fn lake_snapshot_sql(table: &Table, n: i64) -> String {
    let sql = lake_visible_sql(table, n);
    if !carries_respondent(table) {
        return sql;
    }
    let answer: Vec<String> = std::iter::once("a.load_id".to_string())
        .chain(table.columns.iter().map(|(c, _, _)| format!("a.{c}")))
        .collect();
    let respondent: Vec<String> = RESPONDENT_COLUMNS.iter().map(|(c, _)| format!("r.{c}")).collect();
    format!(
        "SELECT {}, {} FROM ({sql}) a LEFT JOIN ({}) r
         ON r.load_id = a.load_id AND r.fiscal_year = a.fiscal_year AND r.response_id = a.response_id",
        answer.join(", "),
        respondent.join(", "),
        lake_visible_sql(&schema::SURVEY_RESPONSES, n)
    )
}

/// The Arrow schema of the files of `table` in the lake: the payload as written (for
/// `member_history`, without the closing columns, which come from the closes), all nullable.
pub fn lake_file_schema(table: &Table) -> SchemaRef {
    let fields: Vec<Field> = table
        .columns
        .iter()
        .filter(|(c, _, _)| table.supersede != Supersede::Intervals || !matches!(*c, "valid_to" | "closed_load"))
        .map(|(n, t, _)| Field::new(*n, t.arrow(), true))
        .collect();
    Arc::new(Schema::new(fields))
}

/// The Arrow schema of the closes' files (`member_history_closes`).
pub fn lake_closes_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("member_key", DataType::Utf8, true),
        Field::new("valid_from", DataType::Date32, true),
        Field::new("valid_to", DataType::Date32, true),
    ]))
}

impl Warehouse {
    /// Reads the snapshot of the store as load `at_load` saw it (the latest load when `None`).
    pub fn snapshot(&self, at_load: Option<i64>) -> Result<StoreSnapshot> {
        let all = self.loads()?;
        let latest = all.last().map_or(0, |l| l.load_id);
        let n = at_load.unwrap_or(latest);
        if n < 0 || n > latest {
            return Err(Error::Invalid(format!(
                "load {n} does not exist (the store holds loads 1…{latest}) / ロード {n} は存在しません"
            )));
        }
        let loads: Vec<LoadInfo> = all.into_iter().filter(|l| l.load_id <= n).collect();
        let mut tables = Vec::with_capacity(SNAPSHOT_TABLES.len());
        for table in SNAPSHOT_TABLES {
            let sql = snapshot_sql(table, n);
            let schema = snapshot_schema(table);
            let batches = self.query_arrow(&sql)?.iter().map(|b| conform(b, &schema)).collect::<Result<Vec<_>>>()?;
            let batch = concat_batches(&schema, &batches)?;
            let load_ids = distinct_loads(&batch);
            tables.push(SnapshotTable { name: table.name, schema, batch, load_ids });
        }
        Ok(StoreSnapshot { at_load: n, loads, tables })
    }
}

/// The SELECT that reads `table` into a snapshot as load `n` saw it: the visible rows,
/// and for `survey_answers` the respondent's [`RESPONDENT_COLUMNS`] (an answer and its
/// response come from one input row, so from one load).
pub fn snapshot_sql(table: &Table, n: i64) -> String {
    let sql = visible_sql(table, n);
    if !carries_respondent(table) {
        return sql;
    }
    let respondent: Vec<String> = RESPONDENT_COLUMNS.iter().map(|(c, _)| format!("r.{c}")).collect();
    format!(
        "SELECT a.*, {} FROM ({sql}) a LEFT JOIN ({}) r
         ON r.load_id = a.load_id AND r.fiscal_year = a.fiscal_year AND r.response_id = a.response_id",
        respondent.join(", "),
        visible_sql(&schema::SURVEY_RESPONSES, n)
    )
}

/// Whether the snapshot's copy of `table` carries the [`RESPONDENT_COLUMNS`].
fn carries_respondent(table: &Table) -> bool {
    table.name == schema::SURVEY_ANSWERS.name
}

/// The Arrow schema of a snapshot table: `load_id` and the payload, all nullable
/// (as DuckDB reports them), as [`snapshot_sql`] reads it.
pub fn snapshot_schema(table: &Table) -> SchemaRef {
    let mut fields = vec![Field::new("load_id", DataType::Int64, true)];
    fields.extend(table.columns.iter().map(|(n, t, _)| Field::new(*n, t.arrow(), true)));
    if carries_respondent(table) {
        fields.extend(RESPONDENT_COLUMNS.iter().map(|(n, t)| Field::new(*n, t.arrow(), true)));
    }
    Arc::new(Schema::new(fields))
}

/// Casts a DuckDB batch to the declared schema (DuckDB may report other string or
/// integer widths than the ones we declare).
fn conform(batch: &RecordBatch, schema: &SchemaRef) -> Result<RecordBatch> {
    if batch.num_columns() != schema.fields().len() {
        return Err(Error::Schema {
            table: "snapshot".into(),
            detail: format!("{} columns from DuckDB, {} declared", batch.num_columns(), schema.fields().len()),
        });
    }
    let columns = batch
        .columns()
        .iter()
        .zip(schema.fields())
        .map(|(c, f)| if c.data_type() == f.data_type() { Ok(c.clone()) } else { cast(c, f.data_type()) })
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok(RecordBatch::try_new(schema.clone(), columns)?)
}

fn distinct_loads(batch: &RecordBatch) -> BTreeSet<i64> {
    let mut out = BTreeSet::new();
    if let Some(ids) = batch.column_by_name("load_id").and_then(|c| c.as_any().downcast_ref::<Int64Array>()) {
        let mut last = None;
        for v in ids.iter().flatten() {
            if last != Some(v) {
                out.insert(v);
                last = Some(v);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_tables_mask_closes_made_by_later_loads() {
        let sql = visible_sql(&schema::MEMBER_HISTORY, 3);
        assert!(sql.contains("CASE WHEN closed_load <= 3 THEN valid_to END AS valid_to"), "{sql}");
        assert!(sql.ends_with("WHERE load_id <= 3"), "{sql}");
        let sql = visible_sql(&schema::SPECIALISTS, 3);
        assert!(sql.ends_with("load_id <= 3 AND (superseded_by IS NULL OR superseded_by > 3)"), "{sql}");
    }

    #[test]
    fn the_lake_rebuilds_each_supersession_rule() {
        let sql = lake_visible_sql(&schema::MEMBER_HISTORY, 3);
        assert!(sql.contains("c.load_id AS closed_load") && sql.contains("WHERE load_id <= 3) c"), "{sql}");
        let (keyed, keys) = schema::TABLES
            .iter()
            .find_map(|t| match t.supersede {
                Supersede::ByKey(keys) => Some((*t, keys)),
                _ => None,
            })
            .expect("a table replaced by key");
        let sql = lake_visible_sql(keyed, 3);
        assert!(
            sql.contains(&format!("last.{} = t.{}", keys[0], keys[0])) && sql.contains("max(load_id) AS last_load"),
            "{sql}"
        );
        let sql = lake_visible_sql(&schema::MEMBERS, 3);
        assert!(sql.contains("PARTITION BY t.member_key ORDER BY t.load_id DESC"), "{sql}");
        let all = schema::TABLES.iter().find(|t| t.supersede == Supersede::All).expect("a table replaced whole");
        let sql = lake_visible_sql(all, 3);
        assert!(sql.contains(&format!("',{},')", all.name)), "{sql}");
    }

    #[test]
    fn answers_carry_the_respondents_columns_and_other_tables_do_not() {
        let sql = snapshot_sql(&schema::SURVEY_ANSWERS, 3);
        assert!(sql.contains("LEFT JOIN (SELECT load_id,") && sql.contains("FROM survey_responses"), "{sql}");
        let schema = snapshot_schema(&schema::SURVEY_ANSWERS);
        for (c, _) in RESPONDENT_COLUMNS {
            assert!(schema.field_with_name(c).is_ok(), "{c}");
        }
        assert_eq!(snapshot_sql(&schema::SURVEY_RESPONSES, 3), visible_sql(&schema::SURVEY_RESPONSES, 3));
        assert_eq!(
            snapshot_schema(&schema::SURVEY_RESPONSES).fields().len(),
            schema::SURVEY_RESPONSES.columns.len() + 1
        );
    }
}
