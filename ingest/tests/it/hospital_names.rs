//! Hospital names of published lists matched to the hospital master ([designations-real]):
//! every hospital of the prefectures' lists the ministry published (data/reference/published)
//! is found, once, among the master's hospitals of its prefecture (data/reference).

use ingest::hospital_names::{Found, find};

fn rows(path: &str) -> Vec<csv::StringRecord> {
    let p = crate::support::repo().join(path);
    let mut r = csv::Reader::from_path(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    r.records().map(|x| x.expect("row")).collect()
}

#[test]
fn every_hospital_of_the_published_lists_is_found_once_in_its_prefecture() {
    let master: Vec<(String, String)> =
        rows("data/reference/facility_basic.csv").iter().map(|r| (r[2].to_string(), r[9].to_string())).collect();
    let lists = rows("data/reference/published/sample_prefecture_lists.csv");
    assert!(lists.len() >= 60);
    let mut failures = Vec::new();
    let mut matched = std::collections::HashMap::new();
    for r in &lists {
        let (pref, name) = (&r[0], &r[3]);
        let here: Vec<&str> = master.iter().filter(|(p, _)| p == pref).map(|(_, n)| n.as_str()).collect();
        match find(name, &here, |n| n.to_string()) {
            Found::One(found) => {
                matched.insert(name.to_string(), found.to_string());
            }
            other => failures.push(format!("{pref} {name}: {other:?}")),
        }
    }
    assert!(failures.is_empty(), "{} of {}:\n{}", failures.len(), lists.len(), failures.join("\n"));
    // Checked by hand: the names that differ from the master's.
    for (list, master) in [
        ("厚生連高岡病院", "富山県厚生農業協同組合連合会高岡病院"),
        ("金沢医療センター", "独立行政法人国立病院機構金沢医療センター"),
        ("小松市民病院", "国民健康保険 小松市民病院"),
        ("宮崎県立宮崎病院", "県立宮崎病院"),
        ("大阪急性期・総合医療センター", "地方独立行政法人大阪府立病院機構大阪急性期・総合医療センター"),
        ("公立豊岡病院", "公立豊岡病院組合立豊岡病院"),
    ] {
        assert_eq!(matched.get(list).map(String::as_str), Some(master), "{list}");
    }
}
