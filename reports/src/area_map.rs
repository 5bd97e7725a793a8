//! Maps at the level of the area: the 339 構想区域 (R7) drawn from
//! `data/reference/area_boundaries_R7.geojson` (国土数値情報, dissolved from municipalities), each
//! filled by its area's class, with the prefecture outlines over them, a hover title per area and
//! 沖縄県 in the same inset as the prefecture map. An area of a がん医療圏 set is drawn as the
//! 構想区域 it is made of; where a がん医療圏 splits a 構想区域 by municipalities (香川), the
//! 構想区域 takes the class its parts share, or 「一部」 with each part named on hover.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use plotters::prelude::*;
use queries::MetricResult;

use crate::error::{Error, Result};
use crate::map::{Fill, NO_VALUE, OKINAWA_SHIFT, class_legend, class_of, draw, outlines, rings};

/// The 339 構想区域 (R7) as GeoJSON polygons (display quality), as the research pack ships them.
pub const GEOJSON: &str = include_str!("../../data/reference/area_boundaries_R7.geojson");
const MUNICIPALITIES: &str = include_str!("../../data/reference/municipality_area_R7.csv");

/// The attribution printed under an area-level map.
pub const ATTRIBUTION: &str =
    "「国土数値情報（行政区域データ）」（国土交通省）、「国土数値情報（医療圏データ）」（国土交通省）を加工して作成";

/// Where 三重県's 構想区域 come from (its polygons are merged from municipalities by its table).
pub const MIE_NOTE: &str =
    "三重県の構想区域は三重県「第８次三重県医療計画における二次医療圏の設定について」（資料４）に基づく市町対応で合成";

/// 構想区域 code → (its name, its rings of (lon, lat), simplified).
type AreaOutlines = BTreeMap<String, (String, Vec<Vec<(f64, f64)>>)>;

fn area_outlines() -> Result<&'static AreaOutlines> {
    static CELL: OnceLock<std::result::Result<AreaOutlines, String>> = OnceLock::new();
    CELL.get_or_init(|| {
        let doc: serde_json::Value = serde_json::from_str(GEOJSON).map_err(|e| e.to_string())?;
        let mut out = AreaOutlines::new();
        for f in doc["features"].as_array().ok_or("no features")? {
            let code = f["properties"]["area_code"].as_str().ok_or("area_code")?.to_string();
            let name = f["properties"]["area_name"].as_str().unwrap_or("").to_string();
            let shift = if code.starts_with("47") { OKINAWA_SHIFT } else { (0.0, 0.0) };
            out.insert(code, (name, rings(&f["geometry"], shift)?));
        }
        Ok(out)
    })
    .as_ref()
    .map_err(|e| Error::chart("構想区域の境界", e))
}

/// (prefecture code, municipality) → the 構想区域 it lies in.
fn municipality_areas() -> &'static BTreeMap<(String, String), String> {
    static CELL: OnceLock<BTreeMap<(String, String), String>> = OnceLock::new();
    CELL.get_or_init(|| {
        MUNICIPALITIES
            .lines()
            .skip(1)
            .filter_map(|l| {
                let c: Vec<&str> = l.split(',').collect();
                Some(((c.get(4)?.to_string(), c.get(1)?.to_string()), c.get(2)?.to_string()))
            })
            .collect()
    })
}

/// A class of the map: its legend text and colour.
#[derive(Debug, Clone)]
pub struct Class {
    pub label: String,
    pub color: RGBColor,
}

/// One area's fill: the 構想区域 code, its class (an index into the classes; `None`: no value),
/// and its hover text.
#[derive(Debug, Clone)]
pub struct AreaFill {
    pub code: String,
    pub class: Option<usize>,
    pub label: String,
}

/// The 空白 map's classes: 空白, a 地域がん診療病院 only, a 拠点病院, and a 構想区域 split between
/// がん医療圏 of different states.
pub fn blank_classes() -> Vec<Class> {
    vec![
        Class { label: "空白".into(), color: RGBColor(222, 45, 38) },
        Class { label: "地域がん診療病院のみ".into(), color: RGBColor(158, 202, 225) },
        Class { label: "拠点病院あり".into(), color: RGBColor(49, 130, 189) },
        Class {
            label: "一部が空白（区域を分けるがん医療圏）".into(), color: RGBColor(252, 174, 145)
        },
    ]
}

/// The 構想区域 an area of a result is made of: its 構成区域 (構想区域 codes, or municipalities
/// mapped to the 構想区域 they lie in), else its own code.
fn parts_of(code: &str, pref: &str, parts: &str) -> Vec<String> {
    if parts.trim().is_empty() {
        return vec![code.to_string()];
    }
    parts
        .split(';')
        .filter_map(|p| {
            let p = p.trim();
            if p.len() == 4 && p.chars().all(|c| c.is_ascii_digit()) {
                Some(p.to_string())
            } else {
                municipality_areas().get(&(pref.to_string(), p.to_string())).cloned()
            }
        })
        .collect()
}

/// The fills of the 空白 map from a `hospitals.areas` result (one row per area of its set, with
/// 構成区域): each 構想区域 gets its area's class, or the split class when its parts differ.
pub fn blank_fills(r: &MetricResult) -> Vec<AreaFill> {
    let col = |row: &[queries::Value], c: &str| r.column_index(c).map(|i| row[i].display()).unwrap_or_default();
    let mut by_area: BTreeMap<String, Vec<(usize, String)>> = BTreeMap::new();
    for row in &r.rows {
        let (code, name) = (col(row, "area_code"), col(row, "area_name"));
        let pref = format!("{:02}", col(row, "prefecture_code").parse::<u32>().unwrap_or(0));
        let hubs = col(row, "hubs").parse::<i64>().unwrap_or(0);
        let blank = r.column_index("blank").is_some_and(|i| matches!(row[i], queries::Value::Bool(true)));
        let class = if blank {
            0
        } else if hubs > 0 {
            2
        } else {
            1
        };
        let hospitals = col(row, "hospitals");
        let state = blank_classes()[class].label.clone();
        let text =
            if hospitals.is_empty() { format!("{name}: {state}") } else { format!("{name}: {state}（{hospitals}）") };
        for part in parts_of(&code, &pref, &col(row, "parts")) {
            by_area.entry(part).or_default().push((class, text.clone()));
        }
    }
    by_area
        .into_iter()
        .map(|(code, v)| {
            let first = v[0].0;
            let class = if v.iter().all(|(c, _)| *c == first) { first } else { 3 };
            let mut texts: Vec<String> = v.into_iter().map(|(_, t)| t).collect();
            texts.dedup();
            AreaFill { code, class: Some(class), label: texts.join(" ／ ") }
        })
        .collect()
}

/// The fills of a numeric map (e.g. specialists per 100,000 by 構想区域) from a result with
/// `area_code`, `area_name` and the value column, in classes by `breaks` (see
/// [`crate::map::class_breaks`]); a withheld value has no class.
pub fn numeric_fills(r: &MetricResult, value: &str, unit: &str, breaks: &[f64]) -> Vec<AreaFill> {
    let (ci, ni, vi) = (r.column_index("area_code"), r.column_index("area_name"), r.column_index(value));
    r.rows
        .iter()
        .filter_map(|row| {
            let code = row[ci?].display();
            let name = ni.map(|i| row[i].display()).unwrap_or_default();
            let v = vi.and_then(|i| row[i].as_f64());
            let label = match v {
                Some(v) => format!("{name}: {}{unit}", crate::charts::short_number(v)),
                None => format!("{name}: X（秘匿・データなし）"),
            };
            Some(AreaFill { code, class: v.map(|v| class_of(v, breaks)), label })
        })
        .collect()
}

/// The classes of a numeric map with `breaks`, in the prefecture map's blues and legend.
pub fn numeric_classes(breaks: &[f64], unit: &str) -> Vec<Class> {
    class_legend(breaks, unit).into_iter().map(|(label, color)| Class { label, color }).collect()
}

/// Draws the 構想区域 with their fills, the prefecture outlines over them and the legend.
pub fn area_map(title: &str, fills: &[AreaFill], classes: &[Class]) -> Result<String> {
    let by_code: BTreeMap<&str, &AreaFill> = fills.iter().map(|f| (f.code.as_str(), f)).collect();
    let regions: Vec<Fill<'_>> = area_outlines()?
        .iter()
        .map(|(code, (name, rings))| {
            let fill = by_code.get(code.as_str());
            let color = fill.and_then(|f| f.class).and_then(|c| classes.get(c)).map_or(NO_VALUE, |c| c.color);
            let label = fill.map_or_else(|| format!("{name}: データなし"), |f| f.label.clone());
            Fill { rings, color, label }
        })
        .collect();
    let mut legend: Vec<(String, RGBColor)> = classes.iter().map(|c| (c.label.clone(), c.color)).collect();
    legend.push(("データなし・秘匿".into(), NO_VALUE));
    // The polygons' attribution travels with the map, wherever it is shown.
    draw(title, &regions, Some(outlines()?), &legend, Some(SHORT_ATTRIBUTION))
}

/// [`ATTRIBUTION`] as the map itself prints it.
const SHORT_ATTRIBUTION: &str = "出典: 国土数値情報（行政区域・医療圏）（国土交通省）を加工して作成";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_area_has_an_outline_and_municipalities_find_their_area() {
        let a = area_outlines().expect("parsed");
        assert_eq!(a.len(), 339);
        assert!(a.values().all(|(_, rings)| !rings.is_empty()), "every area is drawn");
        assert_eq!(parts_of("3791", "37", "さぬき市;東かがわ市"), ["3706", "3706"]);
        assert_eq!(parts_of("4591", "45", "4503;4507"), ["4503", "4507"]);
        assert_eq!(parts_of("0101", "01", ""), ["0101"]);
    }

    #[test]
    fn areas_are_filled_by_class_with_their_titles_and_the_svg_stays_small() {
        let fills = vec![
            AreaFill { code: "0101".into(), class: Some(0), label: "南渡島: 空白".into() },
            AreaFill { code: "1301".into(), class: Some(2), label: "区中央部: 拠点病院あり".into() },
        ];
        let svg = area_map("空白", &fills, &blank_classes()).expect("drawn");
        assert!(svg.contains("<title>南渡島: 空白</title>"));
        assert!(svg.contains("<title>佐渡: データなし</title>"), "areas without a fill are named too");
        assert!(svg.contains("一部が空白"), "the legend");
        assert!(svg.contains("国土数値情報"), "the attribution travels with the map");
        assert!(svg.len() < 3_000_000, "{} bytes", svg.len());
    }
}
