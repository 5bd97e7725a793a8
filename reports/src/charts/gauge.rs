//! The 80% gauge: a share on a bar with the threshold marked, drawn from a start that
//! several gauges can share so that they compare by eye.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::style::{FONT, PALETTE, THRESHOLD, short_number};
use crate::error::{Error, Result};
use crate::svg::{HoverMark, finish};

/// A gauge: a share in percent on a bar from a round number at least 10 points below
/// the share and the threshold, up to 100, with the threshold marked.
pub fn gauge(title: &str, share_pct: f64, threshold_pct: f64) -> Result<String> {
    gauge_from(title, share_pct, threshold_pct, gauge_start(&[share_pct, threshold_pct]))
}

/// Where a gauge starts so that every share given fits: a round number at least 10 points
/// below the lowest (two gauges drawn from the same start can be compared by eye).
pub fn gauge_start(shares: &[f64]) -> f64 {
    let low = shares.iter().copied().fold(f64::INFINITY, f64::min);
    (((low - 10.0) / 10.0).floor() * 10.0).clamp(0.0, 90.0)
}

/// As [`gauge`], starting at `lo` percent.
pub fn gauge_from(title: &str, share_pct: f64, threshold_pct: f64, lo: f64) -> Result<String> {
    let err = |e: &dyn std::fmt::Display| Error::chart(title, e);
    let lo = lo.clamp(0.0, share_pct.min(threshold_pct).max(0.0));
    let size = (720_u32, 96_u32);
    let mut buf = String::new();
    let mut marks = Vec::new();
    {
        let root = SVGBackend::with_string(&mut buf, size).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(&e))?;
        let mut chart = ChartBuilder::on(&root)
            .margin_left(16)
            .margin_right(24)
            .margin_top(24)
            .x_label_area_size(22)
            .build_cartesian_2d(lo..100.0, 0.0..1.0)
            .map_err(|e| err(&e))?;
        let fx = |x: &f64| format!("{}%", short_number(*x));
        chart
            .configure_mesh()
            .disable_mesh()
            .y_labels(0)
            .x_labels(((100.0 - lo) / 2.0) as usize + 1)
            .x_label_formatter(&fx)
            .label_style((FONT, 11))
            .draw()
            .map_err(|e| err(&e))?;
        let ok = share_pct >= threshold_pct;
        let fill = if ok { PALETTE[2] } else { PALETTE[5] };
        chart
            .draw_series([
                Rectangle::new([(lo, 0.15), (100.0, 0.85)], RGBColor(235, 235, 235).filled()),
                Rectangle::new([(lo, 0.15), (share_pct.clamp(lo, 100.0), 0.85)], fill.filled()),
            ])
            .map_err(|e| err(&e))?;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(threshold_pct, 0.0), (threshold_pct, 1.0)],
                THRESHOLD.stroke_width(3),
            )))
            .map_err(|e| err(&e))?;
        let (tx, ty) = chart.backend_coord(&(threshold_pct, 1.0));
        let style = (FONT, 12).into_font().color(&THRESHOLD).pos(Pos::new(HPos::Center, VPos::Bottom));
        root.draw(&Text::new(format!("基準 {}%", short_number(threshold_pct)), (tx, ty - 2), style))
            .map_err(|e| err(&e))?;
        // The value and the outcome in words, not by colour alone.
        let (vx, vy) = chart.backend_coord(&(lo, 0.5));
        let words = format!("{}%{}", short_number(threshold_pct), if ok { "以上" } else { "未満" });
        let style = (FONT, 14).into_font().color(&BLACK).pos(Pos::new(HPos::Left, VPos::Center));
        root.draw(&Text::new(format!("{share_pct:.2}%（{words}）"), (vx + 8, vy), style)).map_err(|e| err(&e))?;
        let (x0, y0) = chart.backend_coord(&(lo, 0.85));
        let (x1, y1) = chart.backend_coord(&(share_pct.clamp(lo, 100.0), 0.15));
        marks.push(HoverMark::rect(
            x0,
            y0,
            (x1 - x0).max(2) as u32,
            (y1 - y0).max(1) as u32,
            format!("{title}: {share_pct:.2}%"),
        ));
        root.present().map_err(|e| err(&e))?;
    }
    Ok(finish(buf, title, &marks))
}
