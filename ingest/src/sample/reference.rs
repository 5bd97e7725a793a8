//! The real reference data the sample builds on: areas with 2020 population and
//! the hospital master (data/reference/, see SOURCES.md there).

use std::path::Path;

use crate::error::{Error, Result};

#[derive(Debug, Clone)]
pub struct Area {
    pub pref: u8,
    pub code: String,
    pub name: String,
    pub population: u64,
}

#[derive(Debug, Clone)]
pub struct Facility {
    pub pref: u8,
    pub area_code: String,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct Reference {
    /// The R7 (FY2025) 構想区域, 339 of them.
    pub areas: Vec<Area>,
    pub facilities: Vec<Facility>,
    /// Population per prefecture code (index 0 unused).
    pub pref_population: [u64; 48],
}

pub const AREA_FILE: &str = "area_basic.csv";
pub const FACILITY_FILE: &str = "facility_basic.csv";
/// The がん医療圏 of April 2024 as an area set (written by `scripts/gan_iryoken.py`).
pub const GAN_IRYOKEN_FILE: &str = "gan_iryoken_2024.csv";

fn read_csv(path: &Path) -> Result<(Vec<String>, Vec<csv::StringRecord>)> {
    let mut r = csv::Reader::from_path(path).map_err(|e| {
        Error::file(path, format!("参照データを読めません: {e}"), format!("cannot read reference data: {e}"))
    })?;
    let headers = r
        .headers()
        .map_err(|e| Error::file(path, format!("見出しを読めません: {e}"), format!("bad header: {e}")))?
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = r
        .records()
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| Error::file(path, format!("参照データが壊れています: {e}"), format!("bad reference data: {e}")))?;
    Ok((headers, rows))
}

fn idx(path: &Path, headers: &[String], name: &str) -> Result<usize> {
    headers.iter().position(|h| h == name).ok_or_else(|| {
        Error::file(path, format!("参照データに列 {name} がありません"), format!("reference data lacks column {name}"))
    })
}

impl Reference {
    pub fn load(dir: &Path) -> Result<Self> {
        let ap = dir.join(AREA_FILE);
        let (h, rows) = read_csv(&ap)?;
        let (fy, pc, ac, an, pop) = (
            idx(&ap, &h, "published_fy")?,
            idx(&ap, &h, "pref_code")?,
            idx(&ap, &h, "area_code")?,
            idx(&ap, &h, "area_name")?,
            idx(&ap, &h, "population_2020")?,
        );
        let mut areas = Vec::new();
        let mut pref_population = [0u64; 48];
        for r in rows.iter().filter(|r| &r[fy] == "R7") {
            let pref: u8 = r[pc].parse().unwrap_or(0);
            let population: u64 = r[pop].parse().unwrap_or(0);
            if (1..=47).contains(&pref) {
                pref_population[usize::from(pref)] += population;
            }
            areas.push(Area { pref, code: r[ac].to_string(), name: r[an].to_string(), population });
        }
        let fp = dir.join(FACILITY_FILE);
        let (h, rows) = read_csv(&fp)?;
        let (fy, pc, ac, name) = (
            idx(&fp, &h, "published_fy")?,
            idx(&fp, &h, "pref_code")?,
            idx(&fp, &h, "area_code")?,
            idx(&fp, &h, "facility_name")?,
        );
        let facilities = rows
            .iter()
            .filter(|r| &r[fy] == "R7")
            .map(|r| Facility {
                pref: r[pc].parse().unwrap_or(0),
                area_code: r[ac].to_string(),
                name: r[name].to_string(),
            })
            .collect();
        if areas.len() != 339 {
            return Err(Error::file(
                &ap,
                format!("R7 の構想区域が {} 件です (339 件のはず)", areas.len()),
                format!("expected 339 R7 areas, found {}", areas.len()),
            ));
        }
        Ok(Reference { areas, facilities, pref_population })
    }

    /// How likely a hospital of this name is to be a cancer centre (for picking designated hospitals).
    pub fn hospital_score(name: &str) -> i32 {
        let mut s = 0;
        for (k, w) in [
            ("がんセンター", 6),
            ("がん研究", 6),
            ("大学", 5),
            ("医療センター", 3),
            ("県立", 3),
            ("府立", 3),
            ("都立", 3),
            ("市立", 2),
            ("赤十字", 3),
            ("総合病院", 3),
            ("中央病院", 2),
            ("労災", 2),
            ("済生会", 2),
            ("厚生", 1),
            ("国立病院機構", 2),
            ("病院", 1),
        ] {
            if name.contains(k) {
                s += w;
            }
        }
        if name.contains("クリニック") || name.contains("診療所") || name.contains("医院") || !name.contains("病院")
        {
            s -= 20;
        }
        s
    }
}
