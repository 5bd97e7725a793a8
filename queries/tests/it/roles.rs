//! Every value computed from person counts carries a role that disclosure control sees:
//! remove a few people from the store and no column published as `Plain` may change.
//! (A projection published as plain numbers let its withheld inputs be solved; a what-if
//! published the 準会員 count that the composition withholds — issue [hardening].)

use std::collections::{BTreeMap, BTreeSet};

use arrow::array::{Array, AsArray, BooleanArray};
use arrow::compute::{cast, filter_record_batch};
use arrow::datatypes::DataType;
use queries::{Audience, MetricResult, Request, Role, Snapshot};
use store::StoreSnapshot;

use crate::support::sample;

/// The text of column `col` of a snapshot table, row by row.
fn texts(s: &StoreSnapshot, table: &str, col: &str) -> Vec<Option<String>> {
    let t = s.table(table).unwrap_or_else(|| panic!("{table}"));
    let a = t.batch.column_by_name(col).unwrap_or_else(|| panic!("{table}.{col}"));
    let a = cast(a, &DataType::Utf8).expect("as text");
    let a = a.as_string::<i32>();
    (0..a.len()).map(|i| a.is_valid(i).then(|| a.value(i).to_string())).collect()
}

/// `s` without the rows of `table` whose `col` is in `drop`.
fn without(s: &mut StoreSnapshot, table: &str, col: &str, drop: &BTreeSet<String>) -> usize {
    let keep: BooleanArray =
        texts(s, table, col).iter().map(|v| Some(!v.as_ref().is_some_and(|v| drop.contains(v)))).collect();
    let removed = keep.false_count();
    let t = s.tables.iter_mut().find(|t| t.name == table).expect("table");
    t.batch = filter_record_batch(&t.batch, &keep).expect("filter");
    removed
}

/// The store without one 正会員 医師, one 準会員, one survey respondent and one specialist.
fn fewer_people(s: &StoreSnapshot) -> StoreSnapshot {
    let mut s = s.clone();
    let keys = texts(&s, "member_history", "member_key");
    let to = texts(&s, "member_history", "valid_to");
    let cat = texts(&s, "member_history", "category");
    let prof = texts(&s, "member_history", "profession");
    let staying: BTreeSet<String> = texts(&s, "members", "member_key")
        .into_iter()
        .zip(texts(&s, "members", "left_on"))
        .filter_map(|(k, left)| if left.is_none() { k } else { None })
        .collect();
    let pick = |c: &str, p: Option<&str>| {
        (0..keys.len())
            .find(|&i| {
                to[i].is_none()
                    && cat[i].as_deref() == Some(c)
                    && p.is_none_or(|p| prof[i].as_deref() == Some(p))
                    && keys[i].as_ref().is_some_and(|k| staying.contains(k))
            })
            .and_then(|i| keys[i].clone())
            .unwrap_or_else(|| panic!("an open {c} spell"))
    };
    let members: BTreeSet<String> = [pick("正会員", Some("医師")), pick("準会員", None)].into();
    assert!(without(&mut s, "members", "member_key", &members) == 2);
    assert!(without(&mut s, "member_history", "member_key", &members) >= 2);
    let respondent: BTreeSet<String> =
        texts(&s, "survey_responses", "response_id").into_iter().flatten().take(1).collect();
    assert_eq!(without(&mut s, "survey_responses", "response_id", &respondent), 1);
    without(&mut s, "survey_answers", "response_id", &respondent);
    let certificate: BTreeSet<String> =
        texts(&s, "specialists", "certificate_no").into_iter().flatten().take(1).collect();
    assert!(without(&mut s, "specialists", "certificate_no", &certificate) >= 1);
    s
}

/// The plain cells of a result by row key (its dimension cells) and column.
fn plain_cells(r: &MetricResult) -> BTreeMap<(String, &'static str), String> {
    let dims: Vec<usize> = (0..r.columns.len()).filter(|&i| r.columns[i].role == Role::Dim).collect();
    let mut out = BTreeMap::new();
    for row in &r.rows {
        let key = dims.iter().map(|&i| row[i].display()).collect::<Vec<_>>().join("|");
        for (i, c) in r.columns.iter().enumerate() {
            if c.role == Role::Plain {
                out.insert((key.clone(), c.name), row[i].display());
            }
        }
    }
    out
}

#[test]
fn no_plain_column_changes_when_people_are_removed() {
    let f = sample();
    let store = f.warehouse.lock().expect("lock").snapshot(None).expect("snapshot");
    let fewer = fewer_people(&store);
    let (a, b) = f.engine.block_on(async {
        (
            Snapshot::build(store, queries::metrics::derived()).await,
            Snapshot::build(fewer, queries::metrics::derived()).await,
        )
    });
    let (a, b) = (a.expect("snapshot"), b.expect("snapshot"));
    let as_of = a.default_as_of().expect("dated");
    let mut violations = BTreeMap::new();
    let mut compared = 0;
    let mut skipped = Vec::new();
    for def in queries::catalog() {
        if !def.audiences.contains(&Audience::Researcher) {
            continue;
        }
        for by in def.by {
            let req = Request::new(def.name, Audience::Researcher).as_of(as_of).by(by);
            let (ra, rb) =
                f.engine.block_on(async { (queries::evaluate(&a, &req).await, queries::evaluate(&b, &req).await) });
            let (ra, rb) = match (ra, rb) {
                (Ok(ra), Ok(rb)) => (ra, rb),
                (Err(e), _) | (_, Err(e)) => {
                    skipped.push(format!("{} by {by:?}: {e}", def.name));
                    continue;
                }
            };
            compared += 1;
            let (pa, pb) = (plain_cells(&ra), plain_cells(&rb));
            for (k, va) in &pa {
                if let Some(vb) = pb.get(k)
                    && va != vb
                {
                    violations
                        .entry((def.name, k.1))
                        .or_insert_with(|| format!("{} by {by:?}: {} [{}] {va} → {vb}", def.name, k.1, k.0));
                }
            }
        }
    }
    assert!(compared > 40, "only {compared} results compared; skipped:\n{}", skipped.join("\n"));
    eprintln!("compared {compared} results; skipped (they need parameters):\n{}", skipped.join("\n"));
    let found: Vec<String> = violations.into_values().collect();
    assert!(found.is_empty(), "columns published as plain that depend on people:\n{}", found.join("\n"));
}
