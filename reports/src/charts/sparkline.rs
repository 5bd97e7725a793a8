//! Sparklines: small lines without axes beside the headline numbers, a period not over
//! dashed and labelled.

use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::axis::{XAxis, padded, x_label};
use super::style::{PALETTE, short_number};
use crate::error::{Error, Result};
use crate::svg::{HoverMark, finish};

/// A sparkline: a small line without axes, for headline numbers.
pub fn sparkline(title: &str, unit: &str, x: XAxis, points: &[(f64, f64)]) -> Result<String> {
    sparkline_partial(title, unit, x, points, None)
}

/// A sparkline whose points from `partial_from` on belong to a period not over: the step
/// into them is dashed and their values say 「年度途中」 (a year of seven months is not
/// drawn as if it were whole).
pub fn sparkline_partial(
    title: &str,
    unit: &str,
    x: XAxis,
    points: &[(f64, f64)],
    partial_from: Option<f64>,
) -> Result<String> {
    let err = |e: &dyn std::fmt::Display| Error::chart(title, e);
    if points.is_empty() {
        return Err(Error::chart(title, "no data / データがありません"));
    }
    let (x0, x1) = padded(points[0].0, points[points.len() - 1].0);
    let lo = points.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let hi = points.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    let (y0, y1) = padded(lo, hi);
    let mut buf = String::new();
    let mut marks = Vec::new();
    {
        let root = SVGBackend::with_string(&mut buf, (240, 48)).into_drawing_area();
        let mut chart = ChartBuilder::on(&root).margin(4).build_cartesian_2d(x0..x1, y0..y1).map_err(|e| err(&e))?;
        let cut =
            partial_from.map_or(points.len(), |from| points.iter().position(|p| p.0 >= from).unwrap_or(points.len()));
        chart
            .draw_series(LineSeries::new(points[..cut].iter().copied(), PALETTE[0].stroke_width(2)))
            .map_err(|e| err(&e))?;
        if cut < points.len() {
            let step = points[cut.saturating_sub(1)..].to_vec();
            chart
                .draw_series(std::iter::once(DashedPathElement::new(step, 3, 3, PALETTE[0].stroke_width(2))))
                .map_err(|e| err(&e))?;
        }
        for (i, &(px, py)) in points.iter().enumerate() {
            let (bx, by) = chart.backend_coord(&(px, py));
            let partial = if i >= cut { "（年度途中）" } else { "" };
            marks.push(HoverMark {
                radius: 4,
                ..HoverMark::point(bx, by, format!("{}{partial}: {}{unit}", x_label(x, px), short_number(py)))
            });
        }
        root.present().map_err(|e| err(&e))?;
    }
    Ok(finish(buf, title, &marks))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sparklines_year_not_over_is_dashed_and_says_so() {
        let pts = [(2023.0, 300.0), (2024.0, 310.0), (2025.0, 120.0)];
        let svg = sparkline_partial("入会（年度）", "人", XAxis::Number, &pts, Some(2025.0)).expect("drawn");
        assert!(svg.contains("<title>2025（年度途中）: 120人</title>"), "{svg}");
        // plotters draws a dashed path as its dashes, one short line each.
        assert!(svg.matches("<polyline").count() > 3, "the step into the partial year is dashed: {svg}");
        let whole = sparkline("入会（年度）", "人", XAxis::Number, &pts).expect("drawn");
        assert!(!whole.contains("年度途中"));
        assert_eq!(whole.matches("<polyline").count(), 1, "one solid line: {whole}");
    }
}
