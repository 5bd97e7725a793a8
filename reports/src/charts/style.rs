//! How every chart looks: the colour-blind-safe palette, the threshold and grid colours, the
//! font family, and numbers as axis labels and hovers show them.

use plotters::style::RGBColor;

/// Okabe–Ito: distinguishable with the common colour-vision deficiencies.
pub const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(213, 94, 0),
    RGBColor(120, 120, 120),
];
pub(crate) const THRESHOLD: RGBColor = RGBColor(200, 30, 30);
pub(crate) const GRID: RGBColor = RGBColor(225, 225, 225);
pub(crate) const FONT: &str = "sans-serif";

/// A number for axis labels and hover: integers without decimals, others to 1 decimal
/// (to 3 significant figures when small).
pub fn short_number(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else if v.abs() >= 1.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.3}")
    }
}
