//! What a validated roster would change, before it is committed: members new to the roster,
//! leavers, changes of 会員種別 and 職種, and the physician share of 正会員 before → after —
//! each roster compared with the one before it (the warehouse's latest, or the previous file
//! of the same load). Counts only: nothing here names a member.

use std::collections::HashMap;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::Date32Type;
use chrono::NaiveDate;
use model::membership::{FULL_MEMBER, PHYSICIAN};
use store::Warehouse;

use super::validation::Validation;
use crate::error::{Error, Result};
use crate::validate::{date32, from_date32};

/// The 正会員 count and physicians among them in force on a roster's date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShareCounts {
    pub as_of: NaiveDate,
    pub full_members: u64,
    pub physicians: u64,
}

/// What one roster file would change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterChanges {
    /// The file's name.
    pub file: String,
    /// The roster it is compared with (`None`: the first roster).
    pub before: Option<ShareCounts>,
    pub after: ShareCounts,
    /// Members in force on the new date who were not in the roster before.
    pub joined: u64,
    /// Members in force before who are not on the new date (left, or gone from the roster).
    pub left: u64,
    /// Members in force on both dates whose 会員種別 changed.
    pub category_changed: u64,
    /// … whose 職種 changed.
    pub profession_changed: u64,
}

/// One member's state in a roster: (category, profession, in force).
type State<'a> = (&'a str, &'a str, bool);

/// A roster payload (`member_snapshots`) as key → state on `as_of`.
fn states(batch: &RecordBatch, as_of: NaiveDate) -> Result<HashMap<&str, State<'_>>> {
    let col = |name: &str| {
        batch.column_by_name(name).ok_or_else(|| Error::Usage(format!("roster snapshot without column {name}")))
    };
    let (key, cat, prof) = (
        col("member_key")?.as_string::<i32>(),
        col("category")?.as_string::<i32>(),
        col("profession")?.as_string::<i32>(),
    );
    let (joined, left) = (col("joined_on")?.as_primitive::<Date32Type>(), col("left_on")?.as_primitive::<Date32Type>());
    let day = date32(as_of);
    let mut out = HashMap::with_capacity(batch.num_rows());
    for i in 0..batch.num_rows() {
        let in_force = joined.value(i) <= day && (left.is_null(i) || left.value(i) > day);
        out.insert(key.value(i), (cat.value(i), prof.value(i), in_force));
    }
    Ok(out)
}

fn counts(states: &HashMap<&str, State<'_>>, as_of: NaiveDate) -> ShareCounts {
    let full = states.values().filter(|s| s.2 && s.0 == FULL_MEMBER);
    let (mut full_members, mut physicians) = (0, 0);
    for s in full {
        full_members += 1;
        physicians += u64::from(s.1 == PHYSICIAN);
    }
    ShareCounts { as_of, full_members, physicians }
}

/// Compares two rosters' states.
fn compare(
    file: String,
    before: Option<(&HashMap<&str, State<'_>>, NaiveDate)>,
    after: (&HashMap<&str, State<'_>>, NaiveDate),
) -> RosterChanges {
    let (new, new_date) = after;
    let mut c = RosterChanges {
        file,
        before: before.map(|(s, d)| counts(s, d)),
        after: counts(new, new_date),
        joined: 0,
        left: 0,
        category_changed: 0,
        profession_changed: 0,
    };
    let empty = HashMap::new();
    let old = before.map_or(&empty, |b| b.0);
    for (k, n) in new {
        match old.get(k) {
            Some(o) if o.2 && n.2 => {
                c.category_changed += u64::from(o.0 != n.0);
                c.profession_changed += u64::from(o.1 != n.1);
            }
            Some(o) if o.2 => c.left += 1,
            _ if n.2 => c.joined += 1,
            _ => {}
        }
    }
    c.left += old.iter().filter(|(k, o)| o.2 && !new.contains_key(*k)).count() as u64;
    c
}

/// The warehouse's latest roster snapshot and its date.
fn latest(wh: &Warehouse) -> Result<Option<(RecordBatch, NaiveDate)>> {
    let sql = "SELECT as_of, member_key, category, profession, joined_on, left_on FROM member_snapshots \
               WHERE as_of = (SELECT MAX(as_of) FROM member_snapshots)";
    let batches = wh.query_arrow(sql)?;
    let Some(first) = batches.first().filter(|b| b.num_rows() > 0) else { return Ok(None) };
    let day = first.column(0).as_primitive::<Date32Type>().value(0);
    let date = from_date32(day).ok_or_else(|| Error::Usage(format!("member_snapshots date {day} out of range")))?;
    let schema = first.schema();
    let batch = arrow::compute::concat_batches(&schema, &batches)?;
    Ok(Some((batch, date)))
}

impl Validation {
    /// What each roster file of this load would change, in load order.
    pub fn roster_changes(&self, wh: &Warehouse) -> Result<Vec<RosterChanges>> {
        let stored = latest(wh)?;
        let mut prev: Option<(HashMap<&str, State<'_>>, NaiveDate)> = match &stored {
            Some((b, d)) => Some((states(b, *d)?, *d)),
            None => None,
        };
        let mut out = Vec::new();
        for p in self.prepared.iter().filter(|p| p.report.dataset == "members") {
            let (Some((_, batch)), Some(as_of)) = (p.validated.batches.first(), p.report.as_of) else { continue };
            let new = states(batch, as_of)?;
            let name = p.report.path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            out.push(compare(name, prev.as_ref().map(|(s, d)| (s, *d)), (&new, as_of)));
            prev = Some((new, as_of));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn joins_leaves_and_changes_are_counted_against_the_roster_before() {
        let old: HashMap<&str, State<'_>> = [
            ("a", ("正会員", "医師", true)),
            ("b", ("正会員", "看護師", true)),
            ("c", ("正会員", "医師", true)),
            ("d", ("準会員", "薬剤師", true)),
        ]
        .into();
        let new: HashMap<&str, State<'_>> = [
            ("a", ("正会員", "医師", true)),
            ("b", ("準会員", "看護師", true)), // category changed
            ("c", ("正会員", "医師", false)),  // left (退会日 set)
            ("e", ("正会員", "医師", true)),   // joined; d vanished
        ]
        .into();
        let c = compare("r.csv".into(), Some((&old, d("2025-03-31"))), (&new, d("2025-04-30")));
        assert_eq!((c.joined, c.left, c.category_changed, c.profession_changed), (1, 2, 1, 0));
        let before = c.before.expect("before");
        assert_eq!((before.full_members, before.physicians), (3, 2));
        assert_eq!((c.after.full_members, c.after.physicians), (2, 2));
    }

    #[test]
    fn the_first_roster_is_all_joins() {
        let new: HashMap<&str, State<'_>> = [("a", ("正会員", "医師", true)), ("b", ("正会員", "医師", false))].into();
        let c = compare("r.csv".into(), None, (&new, d("2025-03-31")));
        assert_eq!((c.joined, c.left, c.before), (1, 0, None));
    }
}
