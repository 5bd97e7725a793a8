//! Charts as SVG, drawn with plotters. Every chart is a pure function of its data, so
//! the dashboard and the PDF reports draw the same picture from the same metric result.
//!
//! Text is written as SVG `<text>` in the generic `sans-serif` family: the browser (or the
//! PDF renderer) chooses a Japanese font. Each data point carries a hover title with its
//! exact value; the same numbers are always offered as a table beside the chart.

use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::error::{Error, Result};
use crate::svg::{HoverMark, finish};

mod axis;
mod gauge;
mod sparkline;
mod style;
pub use axis::{XAxis, date_x};
use axis::{padded, x_label};
pub use gauge::{gauge, gauge_from, gauge_start};
pub use sparkline::{sparkline, sparkline_partial};
use style::{FONT, GRID, THRESHOLD};
pub use style::{PALETTE, short_number};

/// One line of a line chart.
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    /// (x, y) in order of x; a None y breaks the line (a suppressed or missing value).
    pub points: Vec<(f64, Option<f64>)>,
    /// Drawn dashed (a projection rather than an observation).
    pub dashed: bool,
    /// Points from this x on cover a period not over yet (the 年度 of the as-of date): drawn
    /// dashed from the last whole period and labelled 「年度途中」, so that a partial year does
    /// not look like a fall.
    pub partial_from: Option<f64>,
}

impl Series {
    pub fn new(name: impl Into<String>, points: Vec<(f64, Option<f64>)>) -> Self {
        Series { name: name.into(), points, dashed: false, partial_from: None }
    }
    /// Marks the points from `x` on as a period not over yet.
    pub fn partial_from(mut self, x: Option<f64>) -> Self {
        self.partial_from = x;
        self
    }
    pub fn dashed(mut self) -> Self {
        self.dashed = true;
        self
    }
}

/// A horizontal reference line (e.g. 80%) or a vertical one at an x (e.g. 2026-01-17).
#[derive(Debug, Clone)]
pub struct Rule {
    pub at: f64,
    pub label: String,
}

/// A line chart.
#[derive(Debug, Clone)]
pub struct LineChart {
    pub title: String,
    pub x: XAxis,
    /// The unit shown after hover values and on the y axis ("%", "人").
    pub unit: String,
    pub series: Vec<Series>,
    pub threshold: Option<Rule>,
    pub marker: Option<Rule>,
    /// Fixed y range; by default from the data (with 0 included for counts).
    pub y_range: Option<(f64, f64)>,
    /// An interval drawn as a shaded band behind the first series (a confidence interval).
    pub band: Option<Band>,
    pub size: (u32, u32),
}

/// A shaded band: (x, low, high) in order of x; a None breaks it.
#[derive(Debug, Clone, Default)]
pub struct Band {
    pub name: String,
    pub points: Vec<(f64, Option<f64>, Option<f64>)>,
}

impl LineChart {
    pub fn new(title: impl Into<String>, x: XAxis, unit: impl Into<String>) -> Self {
        LineChart {
            title: title.into(),
            x,
            unit: unit.into(),
            series: Vec::new(),
            threshold: None,
            marker: None,
            y_range: None,
            band: None,
            size: (720, 320),
        }
    }
}

/// Draws a line chart.
pub fn line_chart(c: &LineChart) -> Result<String> {
    let err = |e: &dyn std::fmt::Display| Error::chart(&c.title, e);
    let xs: Vec<f64> = c.series.iter().flat_map(|s| s.points.iter().map(|p| p.0)).collect();
    let mut ys: Vec<f64> = c.series.iter().flat_map(|s| s.points.iter().filter_map(|p| p.1)).collect();
    if let Some(b) = &c.band {
        ys.extend(b.points.iter().flat_map(|p| [p.1, p.2]).flatten());
    }
    if xs.is_empty() {
        return Err(Error::chart(&c.title, "no data / データがありません"));
    }
    let (mut x0, mut x1) =
        (xs.iter().copied().fold(f64::INFINITY, f64::min), xs.iter().copied().fold(f64::NEG_INFINITY, f64::max));
    if let Some(m) = &c.marker {
        x0 = x0.min(m.at);
        x1 = x1.max(m.at);
    }
    let (x0, x1) = if (x1 - x0).abs() < 1e-9 { (x0 - 1.0, x1 + 1.0) } else { (x0, x1) };
    let (y0, y1) = match c.y_range {
        Some(r) => r,
        None => {
            let mut lo = ys.iter().copied().fold(f64::INFINITY, f64::min);
            let mut hi = ys.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if let Some(t) = &c.threshold {
                lo = lo.min(t.at);
                hi = hi.max(t.at);
            }
            if !lo.is_finite() { (0.0, 1.0) } else { padded(lo, hi) }
        }
    };
    let mut buf = String::new();
    let mut marks = Vec::new();
    {
        let root = SVGBackend::with_string(&mut buf, c.size).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(&e))?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .margin_right(32)
            .x_label_area_size(28)
            .y_label_area_size(56)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(|e| err(&e))?;
        let fx = |x: &f64| x_label(c.x, *x);
        let unit = c.unit.clone();
        let fy = move |y: &f64| format!("{}{}", short_number(*y), if unit == "%" { "%" } else { "" });
        chart
            .configure_mesh()
            .x_labels(8)
            .y_labels(6)
            .x_label_formatter(&fx)
            .y_label_formatter(&fy)
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .label_style((FONT, 12))
            .draw()
            .map_err(|e| err(&e))?;
        if let Some(t) = &c.threshold {
            chart
                .draw_series(std::iter::once(PathElement::new(vec![(x0, t.at), (x1, t.at)], THRESHOLD.stroke_width(2))))
                .map_err(|e| err(&e))?;
            let (px, py) = chart.backend_coord(&(x0, t.at));
            root.draw(&Text::new(t.label.clone(), (px + 4, py - 14), (FONT, 12).into_font().color(&THRESHOLD)))
                .map_err(|e| err(&e))?;
        }
        if let Some(m) = &c.marker {
            let style = RGBColor(90, 90, 90).stroke_width(1);
            chart
                .draw_series(std::iter::once(DashedPathElement::new(vec![(m.at, y0), (m.at, y1)], 4, 4, style)))
                .map_err(|e| err(&e))?;
            let (px, py) = chart.backend_coord(&(m.at, y1));
            root.draw(&Text::new(
                m.label.clone(),
                (px + 4, py + 2),
                (FONT, 11).into_font().color(&RGBColor(90, 90, 90)),
            ))
            .map_err(|e| err(&e))?;
        }
        if let Some(b) = &c.band {
            // Contiguous runs with both ends known, each one polygon: low left to right, high back.
            let mut runs: Vec<Vec<(f64, f64, f64)>> = vec![Vec::new()];
            for &(x, lo, hi) in &b.points {
                match (lo, hi) {
                    (Some(lo), Some(hi)) => runs.last_mut().map_or((), |r| r.push((x, lo, hi))),
                    _ => runs.push(Vec::new()),
                }
            }
            let fill = PALETTE[0].mix(0.18).filled();
            for run in runs.into_iter().filter(|r| !r.is_empty()) {
                let mut poly: Vec<(f64, f64)> = run.iter().map(|p| (p.0, p.1)).collect();
                poly.extend(run.iter().rev().map(|p| (p.0, p.2)));
                if run.len() == 1 {
                    // One year: a short bar of the interval.
                    let (x, lo, hi) = run[0];
                    let w = (x1 - x0) / 80.0;
                    poly = vec![(x - w, lo), (x + w, lo), (x + w, hi), (x - w, hi)];
                }
                chart.draw_series(std::iter::once(Polygon::new(poly, fill))).map_err(|e| err(&e))?;
            }
            for &(x, lo, hi) in &b.points {
                if let (Some(lo), Some(hi)) = (lo, hi) {
                    let (px, py) = chart.backend_coord(&(x, hi));
                    marks.push(HoverMark::point(
                        px,
                        py,
                        format!("{} {}: {}–{}{}", b.name, x_label(c.x, x), short_number(lo), short_number(hi), c.unit),
                    ));
                }
            }
        }
        for (i, s) in c.series.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            let style = color.stroke_width(2);
            // Contiguous runs of known values, each drawn as one path.
            let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
            for &(x, y) in &s.points {
                match y {
                    Some(y) => runs.last_mut().map_or((), |r| r.push((x, y))),
                    None => runs.push(Vec::new()),
                }
            }
            for run in runs.into_iter().filter(|r| !r.is_empty()) {
                // A period not over: the whole ones solid, the step into it dashed and labelled.
                let (run, partial) = match s.partial_from {
                    Some(from) if !s.dashed => {
                        let cut = run.iter().position(|p| p.0 >= from).unwrap_or(run.len());
                        // The dashed step runs from the last whole period through the partial ones.
                        let partial = if cut == run.len() { Vec::new() } else { run[cut.saturating_sub(1)..].to_vec() };
                        (run[..cut].to_vec(), partial)
                    }
                    _ => (run, Vec::new()),
                };
                if partial.len() > 1 {
                    chart
                        .draw_series(std::iter::once(DashedPathElement::new(partial.clone(), 4, 3, style)))
                        .map_err(|e| err(&e))?;
                }
                if let Some(&last) = partial.last() {
                    chart
                        .draw_series(std::iter::once(Circle::new(last, 3, color.stroke_width(1))))
                        .map_err(|e| err(&e))?;
                    let label = (FONT, 11).into_font().color(&color).pos(Pos::new(HPos::Right, VPos::Bottom));
                    chart.draw_series(std::iter::once(Text::new("年度途中", last, label))).map_err(|e| err(&e))?;
                }
                if run.is_empty() {
                    continue;
                }
                if s.dashed {
                    chart
                        .draw_series(std::iter::once(DashedPathElement::new(run, 6, 4, style)))
                        .map_err(|e| err(&e))?;
                } else if run.len() == 1 {
                    chart.draw_series(std::iter::once(Circle::new(run[0], 3, color.filled()))).map_err(|e| err(&e))?;
                } else {
                    chart.draw_series(LineSeries::new(run, style)).map_err(|e| err(&e))?;
                }
            }
            for &(x, y) in &s.points {
                if let Some(y) = y {
                    let (px, py) = chart.backend_coord(&(x, y));
                    let partial = if s.partial_from.is_some_and(|from| x >= from) { "（年度途中）" } else { "" };
                    let name = if s.name.is_empty() && partial.is_empty() {
                        String::new()
                    } else {
                        format!("{}{partial} ", s.name)
                    };
                    marks.push(HoverMark::point(
                        px,
                        py,
                        format!("{name}{}: {}{}", x_label(c.x, x), short_number(y), c.unit),
                    ));
                }
            }
        }
        if c.series.len() > 1 {
            draw_legend(&root, c.size, &c.series.iter().map(|s| (s.name.as_str(), s.dashed)).collect::<Vec<_>>())
                .map_err(|e| err(&e))?;
        }
        root.present().map_err(|e| err(&e))?;
    }
    Ok(finish(buf, &c.title, &marks))
}

fn draw_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    size: (u32, u32),
    entries: &[(&str, bool)],
) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let x = 80;
    let mut y = 18;
    for (i, (name, dashed)) in entries.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let line = vec![(x, y), (x + 22, y)];
        if *dashed {
            root.draw(&DashedPathElement::new(line, 5, 3, color.stroke_width(2)))?;
        } else {
            root.draw(&PathElement::new(line, color.stroke_width(2)))?;
        }
        let style = (FONT, 12).into_font().color(&BLACK).pos(Pos::new(HPos::Left, VPos::Center));
        root.draw(&Text::new(name.to_string(), (x + 28, y), style))?;
        y += 16;
        if y > size.1 as i32 - 40 {
            break;
        }
    }
    Ok(())
}

/// One bar of a bar chart; None is a withheld (suppressed) value, drawn as "X".
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub value: Option<f64>,
}

/// A horizontal bar chart (long Japanese labels read best horizontally).
pub fn bar_chart(title: &str, unit: &str, bars: &[Bar]) -> Result<String> {
    let groups: Vec<BarGroup> =
        bars.iter().map(|b| BarGroup { label: b.label.clone(), values: vec![b.value] }).collect();
    grouped_bar_chart(title, unit, &[], &groups)
}

/// One label of a grouped bar chart with a value per series (None = withheld, drawn as "X").
#[derive(Debug, Clone)]
pub struct BarGroup {
    pub label: String,
    pub values: Vec<Option<f64>>,
}

/// Horizontal bars, one per series within each label (e.g. raw against weighted), with a
/// legend when there is more than one series.
pub fn grouped_bar_chart(title: &str, unit: &str, series: &[&str], groups: &[BarGroup]) -> Result<String> {
    let err = |e: &dyn std::fmt::Display| Error::chart(title, e);
    if groups.is_empty() {
        return Err(Error::chart(title, "no data / データがありません"));
    }
    let per = groups.iter().map(|g| g.values.len()).max().unwrap_or(1).max(1);
    let max = groups.iter().flat_map(|g| g.values.iter().flatten()).fold(0.0_f64, |a, b| a.max(*b));
    let max = if max <= 0.0 { 1.0 } else { max * 1.12 };
    let row = 14 + 12 * per as u32;
    let legend_h = if series.len() > 1 { 16 * series.len() as u32 + 8 } else { 0 };
    let size = (720_u32, 40 + legend_h + row * groups.len() as u32);
    let label_w = 12 * groups.iter().map(|b| b.label.chars().count()).max().unwrap_or(4).clamp(4, 18) as u32 + 16;
    let mut buf = String::new();
    let mut marks = Vec::new();
    {
        let root = SVGBackend::with_string(&mut buf, size).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(&e))?;
        let n = groups.len() as f64;
        let mut chart = ChartBuilder::on(&root)
            .margin(8)
            .margin_top(8 + legend_h)
            .x_label_area_size(24)
            .y_label_area_size(label_w)
            .build_cartesian_2d(0.0..max, 0.0..n)
            .map_err(|e| err(&e))?;
        let fx = |x: &f64| short_number(*x);
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_labels(6)
            .x_label_formatter(&fx)
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .label_style((FONT, 12))
            .draw()
            .map_err(|e| err(&e))?;
        for (i, g) in groups.iter().enumerate() {
            // The first label at the top; its bars fill 70% of the row, first series on top.
            let top = n - i as f64 - 0.15;
            let height = 0.7 / per as f64;
            let (lx, ly) = chart.backend_coord(&(0.0, n - i as f64 - 0.5));
            let style = (FONT, 12).into_font().color(&BLACK).pos(Pos::new(HPos::Right, VPos::Center));
            root.draw(&Text::new(g.label.clone(), (lx - 6, ly), style)).map_err(|e| err(&e))?;
            for (j, v) in g.values.iter().enumerate() {
                let t = top - height * j as f64;
                let b = t - height;
                let (_, my) = chart.backend_coord(&(0.0, (t + b) / 2.0));
                let name = series.get(j).map(|s| format!("{s} ")).unwrap_or_default();
                match v {
                    Some(v) => {
                        // A zero gets its label only: a zero-width rectangle is invalid SVG.
                        if *v > 0.0 {
                            let color = PALETTE[j % PALETTE.len()];
                            chart
                                .draw_series(std::iter::once(Rectangle::new([(0.0, b), (*v, t)], color.filled())))
                                .map_err(|e| err(&e))?;
                        }
                        let (x1, y1) = chart.backend_coord(&(*v, t));
                        let (_, y2) = chart.backend_coord(&(0.0, b));
                        let text = format!("{}{unit}", short_number(*v));
                        let vs = (FONT, 11).into_font().color(&BLACK).pos(Pos::new(HPos::Left, VPos::Center));
                        root.draw(&Text::new(text.clone(), (x1 + 4, my), vs)).map_err(|e| err(&e))?;
                        marks.push(HoverMark::rect(
                            lx,
                            y1,
                            (x1 - lx).max(2) as u32,
                            (y2 - y1).max(1) as u32,
                            format!("{}: {name}{text}", g.label),
                        ));
                    }
                    None => {
                        let vs =
                            (FONT, 11).into_font().color(&RGBColor(90, 90, 90)).pos(Pos::new(HPos::Left, VPos::Center));
                        root.draw(&Text::new(format!("{name}X (秘匿)"), (lx + 4, my), vs)).map_err(|e| err(&e))?;
                    }
                }
            }
        }
        if series.len() > 1 {
            draw_legend(&root, size, &series.iter().map(|s| (*s, false)).collect::<Vec<_>>()).map_err(|e| err(&e))?;
        }
        root.present().map_err(|e| err(&e))?;
    }
    Ok(finish(buf, title, &marks))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn line_chart_draws_every_point_with_its_value_on_hover() {
        let mut c = LineChart::new("医師割合", XAxis::Date, "%");
        c.series.push(Series::new(
            "正会員",
            vec![(date_x(d(2025, 3, 31)), Some(84.5)), (date_x(d(2026, 3, 31)), Some(81.25))],
        ));
        c.threshold = Some(Rule { at: 80.0, label: "80%".into() });
        let svg = line_chart(&c).expect("drawn");
        assert!(svg.contains("<title>正会員 2025-03: 84.5%</title>"), "{svg}");
        assert!(
            svg.contains("<title>正会員 2026-03: 81.2%</title>")
                || svg.contains("<title>正会員 2026-03: 81.3%</title>")
        );
        assert!(svg.contains("fill=\"#C81E1E\">\n80%\n</text>"), "threshold label: {svg}");
        assert!(svg.trim_end().ends_with("</svg>"));
    }

    #[test]
    fn a_missing_value_breaks_the_line_and_gets_no_hover() {
        let mut c = LineChart::new("t", XAxis::Number, "人");
        c.series.push(Series::new("", vec![(2020.0, Some(10.0)), (2021.0, None), (2022.0, Some(12.0))]));
        let svg = line_chart(&c).expect("drawn");
        assert_eq!(svg.matches("<circle cx").count(), 4, "two dots for lone points and two hover marks: {svg}");
        assert!(!svg.contains("2021:"));
    }

    /// Regression: the joins/leaves chart drew 年度 2026 (seven months) beside whole years, so
    /// leaves seemed to collapse.
    #[test]
    fn a_year_not_over_is_dashed_and_labelled() {
        let mut c = LineChart::new("入会・退会（年度）", XAxis::Number, "人");
        let pts = vec![(2023.0, Some(300.0)), (2024.0, Some(310.0)), (2025.0, Some(120.0))];
        c.series.push(Series::new("退会", pts.clone()).partial_from(Some(2025.0)));
        let svg = line_chart(&c).expect("drawn");
        assert!(svg.contains("年度途中"), "labelled: {svg}");
        assert!(svg.contains("<title>退会（年度途中） 2025: 120人</title>"), "{svg}");
        assert!(svg.contains("<title>退会 2024: 310人</title>"), "{svg}");
        let whole = line_chart(&{
            let mut w = LineChart::new("t", XAxis::Number, "人");
            w.series.push(Series::new("退会", pts));
            w
        })
        .expect("drawn");
        assert!(!whole.contains("年度途中"), "nothing marked without a partial year");
    }

    #[test]
    fn bar_chart_marks_suppressed_bars() {
        let bars = vec![Bar { label: "医師".into(), value: Some(120.0) }, Bar { label: "薬剤師".into(), value: None }];
        let svg = bar_chart("職種", "人", &bars).expect("drawn");
        assert!(svg.contains("<title>医師: 120人</title>"));
        assert!(svg.contains("X (秘匿)"));
    }

    #[test]
    fn grouped_bars_name_their_series_on_hover_and_in_the_legend() {
        let groups = vec![
            BarGroup { label: "満足".into(), values: vec![Some(36.1), Some(35.0)] },
            BarGroup { label: "不満".into(), values: vec![Some(3.5), None] },
        ];
        let svg = grouped_bar_chart("重み付け", "%", &["重みなし", "重み付け"], &groups).expect("drawn");
        assert!(svg.contains("<title>満足: 重みなし 36.1%</title>"), "{svg}");
        assert!(svg.contains("<title>満足: 重み付け 35%</title>"), "{svg}");
        assert!(svg.contains("重み付け X (秘匿)"));
        assert_eq!(svg.matches("\n重みなし\n</text>").count(), 1, "one legend entry per series: {svg}");
    }

    #[test]
    fn a_zero_bar_draws_no_zero_width_rectangle() {
        let groups = vec![BarGroup { label: "症例数".into(), values: vec![Some(12.0), Some(0.0)] }];
        let svg = grouped_bar_chart("要件", "人", &["未充足", "要確認"], &groups).expect("drawn");
        assert!(!svg.contains("width=\"0\""), "usvg rejects zero-width rectangles: {svg}");
        assert!(svg.contains("<title>症例数: 要確認 0人</title>"), "the zero is still labelled: {svg}");
    }

    #[test]
    fn empty_charts_are_an_error_not_a_panic() {
        assert!(line_chart(&LineChart::new("t", XAxis::Date, "")).is_err());
        assert!(bar_chart("t", "", &[]).is_err());
        assert!(sparkline("t", "", XAxis::Date, &[]).is_err());
    }

    #[test]
    fn gauge_shows_the_share_and_the_threshold() {
        let svg = gauge("医師割合", 81.234, 80.0).expect("drawn");
        assert!(svg.contains("81.23%"));
        assert!(svg.contains("基準 80%"));
    }
}
