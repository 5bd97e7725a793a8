//! Specialist rosters: がん薬物療法専門医 and 指導医 (JSMO, since 2006) and
//! がん治療認定医 (JBCT, since 2008), with 5-yearly renewals and lapses.

use std::collections::HashSet;

use chrono::{Datelike, NaiveDate};

use super::members::{Person, today, ymd};
use super::reference::{Facility, Reference};
use super::rng::Rng;
use model::membership::PHYSICIAN;

#[derive(Debug, Clone)]
pub struct Certificate {
    pub qualification: &'static str,
    pub number: String,
    pub member_no: Option<String>,
    pub certified: NaiveDate,
    pub expires: NaiveDate,
    pub renewals: u32,
    pub pref: u8,
    pub facility: String,
    pub area_code: String,
}

/// New がん薬物療法専門医 per year (scale 1); the real programme passed 1,000 by 2025.
const JSMO_NEW: [(i32, u32); 21] = [
    (2006, 47),
    (2007, 70),
    (2008, 78),
    (2009, 82),
    (2010, 88),
    (2011, 86),
    (2012, 90),
    (2013, 92),
    (2014, 95),
    (2015, 90),
    (2016, 88),
    (2017, 92),
    (2018, 95),
    (2019, 90),
    (2020, 70),
    (2021, 88),
    (2022, 92),
    (2023, 95),
    (2024, 98),
    (2025, 100),
    (2026, 96),
];

/// Picks a likely workplace in a prefecture: bigger, cancer-minded hospitals more often.
fn facility_in<'a>(rng: &mut Rng, refs: &'a [&'a Facility]) -> Option<&'a Facility> {
    if refs.is_empty() {
        return None;
    }
    let w: Vec<f64> = refs.iter().map(|f| f64::from(Reference::hospital_score(&f.name).max(0) + 1).powi(2)).collect();
    Some(refs[rng.weighted(&w)])
}

pub fn generate(
    rng: &mut Rng,
    people: &[Person],
    reference: &Reference,
    scale: u32,
    pref_weights: &[f64; 48],
) -> Vec<Certificate> {
    let by_pref: Vec<Vec<&Facility>> = (0..48u8)
        .map(|p| {
            reference.facilities.iter().filter(|f| f.pref == p && Reference::hospital_score(&f.name) > 0).collect()
        })
        .collect();
    let mut certs = Vec::new();
    let mut used: HashSet<usize> = HashSet::new();
    let mut seq = 0u32;
    let today = today();
    let renew =
        |rng: &mut Rng, certified: NaiveDate, active_until: Option<NaiveDate>, p_renew: f64| -> (NaiveDate, u32) {
            let mut last = certified;
            let mut n = 0;
            loop {
                let due = ymd(last.year() + 5, 4, 1);
                if due > today || active_until.is_some_and(|l| l < due) || !rng.chance(p_renew) {
                    break;
                }
                last = due;
                n += 1;
            }
            (ymd(last.year() + 5, 3, 31), n)
        };
    let place = |rng: &mut Rng, pref: u8| -> (String, String) {
        match facility_in(rng, &by_pref[usize::from(pref)]) {
            Some(f) => (f.name.clone(), f.area_code.clone()),
            None => (String::new(), String::new()),
        }
    };
    // JSMO: がん薬物療法専門医 from member physicians of some standing.
    let mut medical_oncologists: Vec<(usize, NaiveDate)> = Vec::new();
    for (year, n) in JSMO_NEW {
        let day = ymd(year, 4, 1);
        let pool: Vec<usize> = people
            .iter()
            .enumerate()
            .filter(|(i, p)| {
                p.profession == PHYSICIAN && p.active_at(day) && p.joined.year() <= year - 3 && !used.contains(i)
            })
            .map(|(i, _)| i)
            .collect();
        let want = (n * scale.max(1)) as usize;
        for _ in 0..want.min(pool.len()) {
            let i = loop {
                let c = *rng.pick(&pool);
                if used.insert(c) {
                    break c;
                }
            };
            let p = &people[i];
            let (expires, renewals) = renew(rng, day, p.left, 0.93);
            let pref = p.prefecture_at(today.min(p.left.unwrap_or(today)));
            let (facility, area_code) = place(rng, pref);
            seq += 1;
            certs.push(Certificate {
                qualification: "がん薬物療法専門医",
                number: format!("{:05}", seq),
                member_no: Some(p.member_no.clone()),
                certified: day,
                expires,
                renewals,
                pref,
                facility,
                area_code,
            });
            medical_oncologists.push((i, day));
        }
    }
    // 指導医: about a third of 専門医 after three or more years.
    let mut seq_s = 0u32;
    for (i, certified) in &medical_oncologists {
        let p = &people[*i];
        let year = certified.year() + 3 + rng.below(6) as i32;
        let day = ymd(year, 4, 1);
        if day > today || !p.active_at(day) || !rng.chance(0.34) {
            continue;
        }
        let (expires, renewals) = renew(rng, day, p.left, 0.95);
        let pref = p.prefecture_at(today.min(p.left.unwrap_or(today)));
        let (facility, area_code) = place(rng, pref);
        seq_s += 1;
        certs.push(Certificate {
            qualification: "がん薬物療法指導医",
            number: format!("S{:04}", seq_s),
            member_no: Some(p.member_no.clone()),
            certified: day,
            expires,
            renewals,
            pref,
            facility,
            area_code,
        });
    }
    // JBCT: がん治療認定医, half of them not members of this society.
    let mut seq_j = 0u32;
    for year in 2008..=2026 {
        let day = ymd(year, 4, 1);
        let n = (150 + 6 * (year - 2008)) as u32 * scale.max(1);
        let pool: Vec<&Person> = people
            .iter()
            .filter(|p| p.profession == PHYSICIAN && p.active_at(day) && p.joined.year() <= year - 2)
            .collect();
        for _ in 0..n {
            let member = if rng.chance(0.5) && !pool.is_empty() { Some(*rng.pick(&pool)) } else { None };
            let (left, pref) = match member {
                Some(p) => (p.left, p.prefecture_at(today.min(p.left.unwrap_or(today)))),
                None => (None, rng.weighted(pref_weights) as u8),
            };
            let (expires, renewals) = renew(rng, day, left, 0.88);
            let (facility, area_code) = place(rng, pref);
            seq_j += 1;
            certs.push(Certificate {
                qualification: "がん治療認定医",
                number: format!("{year}-{seq_j:05}"),
                member_no: member.map(|p| p.member_no.clone()),
                certified: day,
                expires,
                renewals,
                pref,
                facility,
                area_code,
            });
        }
    }
    certs
}
