//! A choropleth of the 47 prefectures, from the real outlines in
//! `data/reference/prefecture_boundaries_R7.geojson` (国土数値情報 A38-20, dissolved),
//! drawn with plotters as SVG polygons. 沖縄県 is drawn as an inset to the north-west
//! of its true place, as Japanese maps usually do. Outlines are simplified to the
//! drawing's pixel grid once and cached.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use plotters::prelude::*;

use crate::error::{Error, Result};
use crate::svg::{HoverMark, finish};

const GEOJSON: &str = include_str!("../../data/reference/prefecture_boundaries_R7.geojson");
pub(crate) const SIZE: (u32, u32) = (640, 640);
/// (lon, lat) range drawn, after moving 沖縄県.
pub(crate) const LON: (f64, f64) = (127.5, 146.0);
pub(crate) const LAT: (f64, f64) = (29.5, 45.8);
/// 沖縄県 moved by (lon, lat) degrees into the inset.
pub(crate) const OKINAWA_SHIFT: (f64, f64) = (5.5, 5.5);

/// Sequential blues for five classes, and grey for no value.
pub(crate) const CLASSES: [RGBColor; 5] = [
    RGBColor(222, 235, 247),
    RGBColor(158, 202, 225),
    RGBColor(107, 174, 214),
    RGBColor(49, 130, 189),
    RGBColor(8, 81, 156),
];
pub(crate) const NO_VALUE: RGBColor = RGBColor(215, 215, 215);

/// Outlines: prefecture code → rings of (lon, lat), simplified.
pub(crate) type Outlines = BTreeMap<u8, Vec<Vec<(f64, f64)>>>;

pub(crate) fn outlines() -> Result<&'static Outlines> {
    static CELL: OnceLock<std::result::Result<Outlines, String>> = OnceLock::new();
    CELL.get_or_init(parse).as_ref().map_err(|e| Error::chart("都道府県の境界", e))
}

fn parse() -> std::result::Result<Outlines, String> {
    let doc: serde_json::Value = serde_json::from_str(GEOJSON).map_err(|e| e.to_string())?;
    let features = doc["features"].as_array().ok_or("no features")?;
    let mut out = Outlines::new();
    for f in features {
        let code: u8 = f["properties"]["pref_code"].as_str().and_then(|c| c.parse().ok()).ok_or("pref_code")?;
        let shift = if code == 47 { OKINAWA_SHIFT } else { (0.0, 0.0) };
        out.insert(code, rings(&f["geometry"], shift)?);
    }
    Ok(out)
}

/// The outer rings of a GeoJSON (Multi)Polygon, moved by `shift` and simplified to the
/// drawing's pixel grid (points closer than a pixel dropped, rings smaller than two pixels left
/// out).
pub(crate) fn rings(
    geometry: &serde_json::Value,
    shift: (f64, f64),
) -> std::result::Result<Vec<Vec<(f64, f64)>>, String> {
    // One pixel of the drawing in degrees: points closer than that add nothing.
    let step = (LON.1 - LON.0) / f64::from(SIZE.0);
    let polygons: Vec<&serde_json::Value> = match geometry["type"].as_str() {
        Some("MultiPolygon") => geometry["coordinates"].as_array().ok_or("coordinates")?.iter().collect(),
        Some("Polygon") => vec![&geometry["coordinates"]],
        other => return Err(format!("geometry {other:?}")),
    };
    let mut rings = Vec::new();
    for poly in polygons {
        // The outer ring only: holes are lakes, invisible at this size.
        let Some(ring) = poly.as_array().and_then(|r| r.first()).and_then(|r| r.as_array()) else { continue };
        let mut pts: Vec<(f64, f64)> = Vec::new();
        for p in ring {
            let (Some(lon), Some(lat)) = (p[0].as_f64(), p[1].as_f64()) else { continue };
            let q = (lon + shift.0, lat + shift.1);
            if pts.last().is_none_or(|l: &(f64, f64)| (l.0 - q.0).abs() >= step || (l.1 - q.1).abs() >= step) {
                pts.push(q);
            }
        }
        let (w, h) = extent(&pts);
        if pts.len() >= 4 && (w >= step * 2.0 || h >= step * 2.0) {
            rings.push(pts);
        }
    }
    Ok(rings)
}

fn extent(pts: &[(f64, f64)]) -> (f64, f64) {
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for (x, y) in pts {
        x0 = x0.min(*x);
        x1 = x1.max(*x);
        y0 = y0.min(*y);
        y1 = y1.max(*y);
    }
    (x1 - x0, y1 - y0)
}

/// One prefecture's value: None is withheld or missing, drawn grey.
#[derive(Debug, Clone)]
pub struct Region {
    pub code: u8,
    pub name: String,
    pub value: Option<f64>,
}

/// Class breaks: up to five classes of equal counts (quintiles) of the known values, each
/// rounded to two significant digits so that a legend reads 「1.5人 以上」, not 「1.4837人 以上」.
/// A break not above the minimum or equal to the previous break is dropped, so that skewed
/// data (many prefectures at 0) get fewer classes rather than a 0 drawn as a high class.
///
/// Pass the breaks of one reference date (the latest data) to every map of the same measure:
/// then a colour means the same number on every date, and two years can be compared.
pub fn class_breaks(values: &[f64]) -> Vec<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    let Some(&min) = v.first() else { return Vec::new() };
    let mut out: Vec<f64> =
        (1..5).map(|i| round2(v[(i * v.len() / 5).min(v.len() - 1)])).filter(|b| *b > min).collect();
    out.dedup();
    out
}

/// `x` to two significant digits.
fn round2(x: f64) -> f64 {
    if x == 0.0 {
        return 0.0;
    }
    let scale = 10f64.powi(1 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
}

pub(crate) fn class_of(v: f64, breaks: &[f64]) -> usize {
    breaks.iter().filter(|b| v >= **b).count().min(CLASSES.len() - 1)
}

/// Draws the map with the given class breaks (see [`class_breaks`]); `unit` follows values
/// on hover and in the legend.
pub fn choropleth(title: &str, unit: &str, regions: &[Region], br: &[f64]) -> Result<String> {
    let outlines = outlines()?;
    let br: Vec<f64> = br.iter().copied().take(CLASSES.len() - 1).collect();
    let by_code: BTreeMap<u8, &Region> = regions.iter().map(|r| (r.code, r)).collect();
    let fills: Vec<Fill<'_>> = outlines
        .iter()
        .map(|(code, rings)| {
            let region = by_code.get(code);
            let color = match region.and_then(|r| r.value) {
                Some(v) => CLASSES[class_of(v, &br)],
                None => NO_VALUE,
            };
            let label = match region {
                Some(r) => match r.value {
                    Some(v) => format!("{}: {}{unit}", r.name, crate::charts::short_number(v)),
                    None => format!("{}: X（秘匿・データなし）", r.name),
                },
                None => format!("{code:02}: データなし"),
            };
            Fill { rings, color, label }
        })
        .collect();
    // Legend: the classes by their bounds, the same on every date.
    let mut legend = class_legend(&br, unit);
    legend.push(("秘匿・データなし".into(), NO_VALUE));
    draw(title, &fills, None, &legend, None)
}

/// The legend of classes by `breaks`: 「0.78人 未満」, 「0.78人 以上」 … (「値あり」 without breaks).
pub(crate) fn class_legend(breaks: &[f64], unit: &str) -> Vec<(String, RGBColor)> {
    CLASSES
        .iter()
        .enumerate()
        .take(breaks.len().min(CLASSES.len() - 1) + 1)
        .map(|(i, color)| {
            let label = match (i, breaks.first()) {
                (_, None) => "値あり".to_string(),
                // Breaks are rounded to two digits (class_breaks): printed as they are.
                (0, Some(b)) => format!("{b}{unit} 未満"),
                _ => format!("{}{unit} 以上", breaks[i - 1]),
            };
            (label, *color)
        })
        .collect()
}

/// One region of a map: its rings, its colour and its hover text.
pub(crate) struct Fill<'a> {
    pub rings: &'a [Vec<(f64, f64)>],
    pub color: RGBColor,
    pub label: String,
}

/// Draws filled regions (each with a hover title), optional outlines over them, 沖縄県's inset
/// frame, the legend and an optional footer line (an attribution).
pub(crate) fn draw(
    title: &str,
    fills: &[Fill<'_>],
    overlay: Option<&Outlines>,
    legend: &[(String, RGBColor)],
    footer: Option<&str>,
) -> Result<String> {
    let err = |e: &dyn std::fmt::Display| Error::chart(title, e);
    let mut buf = String::new();
    let mut marks = Vec::new();
    {
        let root = SVGBackend::with_string(&mut buf, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(&e))?;
        let chart =
            ChartBuilder::on(&root).margin(8).build_cartesian_2d(LON.0..LON.1, LAT.0..LAT.1).map_err(|e| err(&e))?;
        let area = chart.plotting_area();
        for f in fills {
            for ring in f.rings {
                area.draw(&Polygon::new(ring.clone(), f.color.filled())).map_err(|e| err(&e))?;
                area.draw(&PathElement::new(ring.clone(), WHITE.stroke_width(1))).map_err(|e| err(&e))?;
                let px: Vec<(i32, i32)> = ring.iter().map(|p| chart.backend_coord(p)).collect();
                marks.push(HoverMark::area(px, f.label.clone()));
            }
        }
        let outline = RGBColor(60, 60, 60).stroke_width(1);
        for ring in overlay.into_iter().flat_map(|o| o.values()).flatten() {
            let mut closed = ring.clone();
            closed.extend(ring.first().copied());
            area.draw(&PathElement::new(closed, outline)).map_err(|e| err(&e))?;
        }
        // The inset's frame.
        let (ix0, iy0) = (122.5 + OKINAWA_SHIFT.0, 24.0 + OKINAWA_SHIFT.1);
        area.draw(&PathElement::new(
            vec![(ix0, iy0 + 3.6), (ix0 + 6.0, iy0 + 3.6), (ix0 + 6.0, iy0 + 0.0)],
            RGBColor(150, 150, 150).stroke_width(1),
        ))
        .map_err(|e| err(&e))?;
        // The legend in the sea north-west of Kyushu and west of Honshu, where it hides no land.
        let style = ("sans-serif", 12).into_font().color(&BLACK);
        let mut y = 20;
        for (label, color) in legend {
            root.draw(&Rectangle::new([(16, y), (32, y + 12)], color.filled())).map_err(|e| err(&e))?;
            root.draw(&Text::new(label.clone(), (38, y), style.clone())).map_err(|e| err(&e))?;
            y += 18;
        }
        if let Some(text) = footer {
            let small = ("sans-serif", 9).into_font().color(&RGBColor(90, 90, 90));
            let (w, h) = (SIZE.0 as i32, SIZE.1 as i32);
            root.draw(&Text::new(text, (w / 2 - 150, h - 14), small)).map_err(|e| err(&e))?;
        }
        root.present().map_err(|e| err(&e))?;
    }
    Ok(finish(buf, title, &marks))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_prefecture_has_an_outline_and_the_simplified_map_is_small() {
        let o = outlines().expect("parsed");
        assert_eq!(o.len(), 47);
        assert!(o.values().all(|rings| !rings.is_empty()));
        let points: usize = o.values().flatten().map(Vec::len).sum();
        assert!(points < 40_000, "{points} points after simplification");
    }

    #[test]
    fn values_get_classes_and_withheld_ones_are_grey_with_an_x() {
        let regions: Vec<Region> = (1..=47_u8)
            .map(|c| Region {
                code: c,
                name: format!("P{c:02}"),
                value: if c == 3 { None } else { Some(f64::from(c)) },
            })
            .collect();
        let values: Vec<f64> = regions.iter().filter_map(|r| r.value).collect();
        let svg = choropleth("専門医", "人", &regions, &class_breaks(&values)).expect("drawn");
        assert!(svg.contains("<title>P13: 13人</title>"));
        assert!(svg.contains("<title>P03: X（秘匿・データなし）</title>"));
        assert!(svg.len() < 2_000_000, "{} bytes", svg.len());
        assert_eq!(class_breaks(&[1.0, 2.0, 3.0, 4.0, 5.0]), vec![2.0, 3.0, 4.0, 5.0]);
    }

    #[test]
    fn regression_many_zeros_are_drawn_in_the_lowest_class() {
        let mut v = vec![0.0; 30];
        v.extend([1.0, 1.0, 2.0, 2.0, 3.0, 5.0, 8.0, 1.0, 1.0, 1.0, 2.0, 4.0, 1.0, 1.0, 1.0, 2.0, 6.0]);
        let br = class_breaks(&v);
        assert_eq!(class_of(0.0, &br), 0, "breaks {br:?}");
        assert!(class_of(1.0, &br) > 0);
        assert!(class_breaks(&[0.0; 47]).is_empty(), "all equal: one class");
    }

    /// Regression: each date's map had its own quintiles, so the same colour meant different
    /// numbers in two years. Breaks are rounded and given by the caller (from one reference
    /// date); the legend shows them whatever the values drawn.
    #[test]
    fn a_map_draws_the_classes_it_is_given_whatever_its_values() {
        assert_eq!(class_breaks(&[0.5649, 0.7811, 1.0314, 1.2954, 1.4837]), vec![0.78, 1.0, 1.3, 1.5]);
        let regions: Vec<Region> =
            (1..=47_u8).map(|c| Region { code: c, name: format!("P{c:02}"), value: Some(0.1) }).collect();
        let svg = choropleth("専門医", "人", &regions, &[0.78, 1.0, 1.3, 1.5]).expect("drawn");
        for label in ["0.78人 未満", "0.78人 以上", "1人 以上", "1.3人 以上", "1.5人 以上"] {
            assert!(svg.contains(label), "{label}");
        }
    }
}
