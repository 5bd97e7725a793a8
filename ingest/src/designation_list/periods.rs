//! Successive lists diffed into designation periods, as roster snapshots are diffed into
//! membership: a hospital missing from a later list ends its designation the day before that
//! list's date; a change of 類型 ends the old period and opens a new one on that date.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;

use super::held::Held;

/// What a list changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Changes {
    /// Hospitals designated in the list and in force before it with no designation.
    pub new: usize,
    /// Designations in force before the list that it no longer holds.
    pub ended: usize,
    /// Hospitals whose 類型 the list changes (特例型 → 一般, 地域がん診療病院 → 地域拠点 …).
    pub retyped: usize,
    /// Designations the list continues.
    pub kept: usize,
}

impl Changes {
    /// The change as a line for the user (Japanese / English).
    pub fn note(&self, d: NaiveDate) -> String {
        format!(
            "{d} の一覧表: 新規指定 {} 件、指定終了 {} 件、類型変更 {} 件、継続 {} 件 / list of {d}: {} new, {} ended, {} changed type, {} continued",
            self.new, self.ended, self.retyped, self.kept, self.new, self.ended, self.retyped, self.kept
        )
    }
}

/// The designations after a list in force on `d`: `previous` (every period held so far) with the
/// ones in force on `d` ended or continued, and the list's new periods from `d`. `key` says which
/// rows are the same hospital (prefecture and master name).
pub fn periods(
    previous: &[Held],
    list: &[Held],
    d: NaiveDate,
    key: impl Fn(&Held) -> (i32, String),
) -> (Vec<Held>, Changes) {
    let listed: HashMap<(i32, String), &Held> = list.iter().map(|l| (key(l), l)).collect();
    let day_before = d.pred_opt().unwrap_or(d);
    let mut out: Vec<Held> = Vec::with_capacity(previous.len() + list.len());
    let mut continued: HashSet<(i32, String)> = HashSet::new();
    let mut retyped: HashSet<(i32, String)> = HashSet::new();
    let mut changes = Changes::default();
    for p in previous {
        let in_force = p.until.is_none_or(|u| u >= d);
        if !in_force {
            out.push(p.clone());
            continue;
        }
        let k = key(p);
        match listed.get(&k) {
            Some(l) if l.designation == p.designation => {
                out.push(p.clone());
                if continued.insert(k) {
                    changes.kept += 1;
                }
            }
            other => {
                if other.is_some() {
                    retyped.insert(k);
                } else {
                    changes.ended += 1;
                }
                // A period that would end before it starts did not happen.
                if p.from <= day_before {
                    out.push(Held { until: Some(day_before), ..p.clone() });
                }
            }
        }
    }
    changes.retyped = retyped.iter().filter(|k| !continued.contains(*k)).count();
    for l in list {
        let k = key(l);
        if continued.contains(&k) {
            continue;
        }
        if !retyped.contains(&k) {
            changes.new += 1;
        }
        out.push(Held { from: d, until: None, ..l.clone() });
    }
    (out, changes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn row(h: &str, t: &str, from: &str, until: Option<&str>) -> Held {
        Held {
            row_no: 1,
            prefecture: 17,
            hospital: h.into(),
            area_code: Some("1702".into()),
            area_name: Some("石川中央".into()),
            designation: t.into(),
            from: d(from),
            until: until.map(d),
            partner: None,
        }
    }

    fn key(h: &Held) -> (i32, String) {
        (h.prefecture, h.hospital.clone())
    }

    #[test]
    fn a_later_list_ends_continues_retypes_and_opens_periods() {
        let (hub, special, rch) =
            ("地域がん診療連携拠点病院", "地域がん診療連携拠点病院（特例型）", "地域がん診療病院");
        let first = vec![row("A病院", hub, "2000-01-01", None), row("B病院", special, "2000-01-01", None)];
        let (after, c) = periods(&[], &first, d("2024-04-01"), key);
        assert_eq!(c, Changes { new: 2, ..Default::default() });
        assert!(after.iter().all(|h| h.from == d("2024-04-01") && h.until.is_none()));

        // 2025: A gone, B back to 一般, C new; an old closed period is kept untouched.
        let mut held = after.clone();
        held.push(row("Z病院", rch, "2010-04-01", Some("2015-03-31")));
        let second = vec![row("B病院", hub, "2025-04-01", None), row("C病院", rch, "2025-04-01", None)];
        let (after, c) = periods(&held, &second, d("2025-04-01"), key);
        assert_eq!(c, Changes { new: 1, ended: 1, retyped: 1, kept: 0 });
        let find = |h: &str, t: &str| after.iter().find(|x| x.hospital == h && x.designation == t).cloned();
        assert_eq!(find("A病院", hub).and_then(|h| h.until), Some(d("2025-03-31")));
        assert_eq!(find("B病院", special).and_then(|h| h.until), Some(d("2025-03-31")));
        assert_eq!(find("B病院", hub).map(|h| (h.from, h.until)), Some((d("2025-04-01"), None)));
        assert_eq!(find("C病院", rch).map(|h| h.from), Some(d("2025-04-01")));
        assert_eq!(find("Z病院", rch).and_then(|h| h.until), Some(d("2015-03-31")));
        assert_eq!(after.len(), 5);

        // The same list again a year later continues everything.
        let (again, c) = periods(&after, &second, d("2026-04-01"), key);
        assert_eq!(c, Changes { kept: 2, ended: 0, new: 0, retyped: 0 });
        assert_eq!(again, after);
    }
}
