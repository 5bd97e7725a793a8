//! Cancer-hospital designations 2006–2026 over the real 339 構想区域, built so
//! that 空白の二次医療圏 fall 108 (2014-04-01) → 69 (2017-04-01) → 56 (2024-04-01),
//! and the hospitals' annual volumes.

use std::collections::HashSet;

use chrono::{Datelike, NaiveDate};

use super::members::ymd;
use super::reference::{Area, Reference};
use super::rng::Rng;
use model::designation::DesignationType as D;

#[derive(Debug, Clone)]
pub struct Designation {
    pub pref: u8,
    pub hospital: String,
    pub area_code: String,
    pub area_name: String,
    pub kind: D,
    pub from: NaiveDate,
    pub until: Option<NaiveDate>,
    pub partner: Option<String>,
}

/// (areas covered by this date, date): the schedule of coverage.
fn schedule() -> [(usize, NaiveDate); 7] {
    [
        (150, ymd(2007, 1, 31)),
        (195, ymd(2008, 4, 1)),
        (215, ymd(2011, 4, 1)),
        (231, ymd(2014, 4, 1)), // 339 − 231 = 108 空白
        (270, ymd(2017, 4, 1)), // 69 空白
        (283, ymd(2024, 4, 1)), // 56 空白
        (285, ymd(2026, 4, 1)), // 54 空白
    ]
}

/// Start date for the area at coverage rank `rank`.
fn coverage_start(rng: &mut Rng, rank: usize) -> Option<NaiveDate> {
    let s = schedule();
    let first = ymd(2006, 8, 24);
    let mut prev = (0usize, first);
    for (count, date) in s {
        if rank < count {
            if rank < 60 {
                return Some(first);
            }
            // an April 1st within (prev.1, date], or the date itself
            let y0 = prev.1.year() + 1;
            let y1 = date.year();
            let y = if y1 > y0 { rng.range(i64::from(y0), i64::from(y1)) as i32 } else { y1 };
            let d = ymd(y, 4, 1);
            return Some(if d > date || d <= prev.1 { date } else { d });
        }
        prev = (count, date);
    }
    None
}

pub fn generate(rng: &mut Rng, reference: &Reference) -> Vec<Designation> {
    let areas = &reference.areas;
    // Each prefecture's most populous area hosts its 都道府県拠点 and is covered first.
    let mut top: [Option<usize>; 48] = [None; 48];
    for (i, a) in areas.iter().enumerate() {
        let p = usize::from(a.pref);
        if top[p].is_none_or(|t| areas[t].population < a.population) {
            top[p] = Some(i);
        }
    }
    let mut ranked: Vec<(f64, usize)> = areas
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let boost = if top[usize::from(a.pref)] == Some(i) { 100.0 } else { 0.0 };
            ((a.population.max(1) as f64).ln() + 0.7 * rng.normal() + boost, i)
        })
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut used: HashSet<String> = HashSet::new();
    let mut out: Vec<Designation> = Vec::new();
    let pick = |rng: &mut Rng, area: &Area, used: &mut HashSet<String>| -> String {
        let mut cands: Vec<(i32, &str)> = reference
            .facilities
            .iter()
            .filter(|f| f.area_code == area.code && !used.contains(&f.name))
            .map(|f| (Reference::hospital_score(&f.name), f.name.as_str()))
            .collect();
        cands.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
        let name = if cands.is_empty() {
            format!("{}地域医療センター", area.name)
        } else {
            let k = cands.len().min(2);
            cands[rng.below(k as u64) as usize].1.to_string()
        };
        used.insert(name.clone());
        name
    };
    let mut prefectural_hub: [Option<String>; 48] = std::array::from_fn(|_| None);
    let mut regional_hubs: Vec<usize> = Vec::new();
    for (rank, &(_, ai)) in ranked.iter().enumerate() {
        let area = &areas[ai];
        let Some(start) = coverage_start(rng, rank) else { continue };
        let base = |hospital: String, kind: D, from: NaiveDate| Designation {
            pref: area.pref,
            hospital,
            area_code: area.code.clone(),
            area_name: area.name.clone(),
            kind,
            from,
            until: None,
            partner: None,
        };
        if top[usize::from(area.pref)] == Some(ai) {
            let h = pick(rng, area, &mut used);
            prefectural_hub[usize::from(area.pref)] = Some(h.clone());
            out.push(base(h, D::PrefecturalHub, start));
            // Big areas hold several 地域拠点 as well.
            let extra = (area.population / 900_000).min(6) as usize;
            for _ in 0..extra {
                let h = pick(rng, area, &mut used);
                out.push(base(h, D::RegionalHub, ymd(2007 + rng.below(4) as i32, 4, 1).max(start)));
                regional_hubs.push(out.len() - 1);
            }
            continue;
        }
        let late = start > ymd(2014, 4, 1);
        let by_small_hospital = late && rng.chance(0.78);
        let h = pick(rng, area, &mut used);
        if by_small_hospital {
            let mut d = base(h, D::RegionalCancerHospital, start);
            d.partner = prefectural_hub[usize::from(area.pref)].clone();
            out.push(d);
        } else {
            out.push(base(h, D::RegionalHub, start));
            regional_hubs.push(out.len() - 1);
            let extra = (area.population / 700_000).min(5) as usize;
            for _ in 0..extra {
                let h = pick(rng, area, &mut used);
                out.push(base(h, D::RegionalHub, ymd(2008 + rng.below(6) as i32, 4, 1).max(start)));
                regional_hubs.push(out.len() - 1);
            }
        }
    }
    // The 2014 guideline's stricter requirements: some 地域拠点 became 地域がん診療病院 on 2015-04-01.
    // The 2018 guideline: some 地域拠点 became 高度型 on 2019-04-01.
    let mut additions = Vec::new();
    for &i in &regional_hubs {
        let d = &out[i];
        if d.from >= ymd(2014, 4, 1) {
            continue;
        }
        let roll = rng.f64();
        if roll < 0.03 {
            let mut next = d.clone();
            next.kind = D::RegionalCancerHospital;
            next.from = ymd(2015, 4, 1);
            next.partner = prefectural_hub[usize::from(d.pref)].clone();
            out[i].until = Some(ymd(2015, 3, 31));
            additions.push(next);
        } else if roll < 0.18 {
            let mut next = d.clone();
            next.kind = D::RegionalHubAdvanced;
            next.from = ymd(2019, 4, 1);
            out[i].until = Some(ymd(2019, 3, 31));
            additions.push(next);
        }
    }
    out.extend(additions);
    // Two prefectures hold a second 都道府県拠点 (49 in all in 2017).
    for pref in [13u8, 26] {
        let first = top[usize::from(pref)];
        let second = areas
            .iter()
            .enumerate()
            .filter(|(i, a)| a.pref == pref && Some(*i) != first)
            .max_by_key(|(_, a)| a.population);
        if let Some((_, area)) = second {
            let h = pick(rng, area, &mut used);
            out.push(Designation {
                pref,
                hospital: h,
                area_code: area.code.clone(),
                area_name: area.name.clone(),
                kind: D::PrefecturalHub,
                from: ymd(2008, 2, 8),
                until: None,
                partner: None,
            });
        }
    }
    // 国立がん研究センター (2 hospitals) and one 特定領域 hub, by their real names where the master has them.
    for (needle, kind, from) in [
        ("国立がん研究センター中央病院", D::NationalCancerCenter, ymd(2006, 8, 24)),
        ("国立がん研究センター東病院", D::NationalCancerCenter, ymd(2006, 8, 24)),
        ("がん研究会有明病院", D::SpecificFieldHub, ymd(2015, 4, 1)),
    ] {
        let Some(f) = reference.facilities.iter().find(|f| f.name.contains(needle)) else { continue };
        if out.iter().any(|d| d.hospital == f.name) {
            // Already designated as a hub of its area: it holds this designation instead.
            for d in out.iter_mut().filter(|d| d.hospital == f.name) {
                d.kind = kind;
            }
            continue;
        }
        if let Some(area) = areas.iter().find(|a| a.code == f.area_code) {
            out.push(Designation {
                pref: f.pref,
                hospital: f.name.clone(),
                area_code: area.code.clone(),
                area_name: area.name.clone(),
                kind,
                from,
                until: None,
                partner: None,
            });
        }
    }
    // 都道府県独自指定 in some 空白 areas: real, but not national designations.
    let uncovered: Vec<usize> = ranked.iter().skip(285).map(|&(_, ai)| ai).collect();
    for &ai in uncovered.iter().take(uncovered.len() / 2) {
        let area = &areas[ai];
        let h = pick(rng, area, &mut used);
        out.push(Designation {
            pref: area.pref,
            hospital: h,
            area_code: area.code.clone(),
            area_name: area.name.clone(),
            kind: D::PrefectureOwn,
            from: ymd(2010 + rng.below(10) as i32, 4, 1),
            until: None,
            partner: None,
        });
    }
    out.sort_by(|a, b| (a.pref, &a.area_code, &a.hospital, a.from).cmp(&(b.pref, &b.area_code, &b.hospital, b.from)));
    out
}

/// 空白の二次医療圏 on a date: areas with no covering designation in force.
pub fn blank_areas(areas: &[Area], designations: &[Designation], d: NaiveDate) -> usize {
    let covered: HashSet<&str> = designations
        .iter()
        .filter(|x| x.kind.covers_area() && x.from <= d && x.until.is_none_or(|u| u >= d))
        .map(|x| x.area_code.as_str())
        .collect();
    areas.iter().filter(|a| !covered.contains(a.code.as_str())).count()
}

/// Annual volumes of designated hospitals, 年度 2014–2025.
pub fn volumes(rng: &mut Rng, areas: &[Area], designations: &[Designation]) -> Vec<(String, String, i32, [u32; 4])> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for d in designations.iter().filter(|d| d.kind.covers_area()) {
        if !seen.insert((d.hospital.clone(), d.area_code.clone())) {
            continue;
        }
        let pop = areas.iter().find(|a| a.code == d.area_code).map_or(300_000, |a| a.population);
        let small = d.kind == D::RegionalCancerHospital;
        let size =
            ((pop as f64 / 1800.0).clamp(250.0, 1600.0)) * (0.35 * rng.normal()).exp() * if small { 0.35 } else { 1.0 };
        for fy in 2014..=2025 {
            let start = model::fiscal::fiscal_year(d.from);
            let end = designations
                .iter()
                .filter(|x| x.hospital == d.hospital && x.kind.covers_area())
                .map(|x| x.until.map_or(9999, model::fiscal::fiscal_year))
                .max()
                .unwrap_or(9999);
            if fy < start || fy > end {
                continue;
            }
            let trend = 1.0 + 0.02 * f64::from(fy - 2014);
            let covid = if fy == 2020 { 0.9 } else { 1.0 };
            let mut v = |k: f64| ((size * k * trend * covid) * (0.12 * rng.normal()).exp()).round().max(0.0) as u32;
            out.push((d.hospital.clone(), d.area_code.clone(), fy, [v(1.0), v(0.75), v(2.1), v(0.42)]));
        }
    }
    out
}
