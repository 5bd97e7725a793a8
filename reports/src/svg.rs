//! Post-processing of the SVG plotters writes: a responsive root element with an
//! accessible title, and invisible marks that show each point's value on hover.

/// Escapes text for XML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A point to mark with a hover title, in backend (pixel) coordinates.
#[derive(Debug, Clone)]
pub struct HoverMark {
    pub x: i32,
    pub y: i32,
    /// A circle of this radius, or, when `width > 0`, a rectangle of `width`×`height` from (x, y).
    pub radius: u32,
    pub width: u32,
    pub height: u32,
    /// When not empty, a polygon (a map area) instead.
    pub polygon: Vec<(i32, i32)>,
    pub label: String,
}

impl HoverMark {
    pub fn point(x: i32, y: i32, label: String) -> Self {
        HoverMark { x, y, radius: 6, width: 0, height: 0, polygon: Vec::new(), label }
    }
    pub fn rect(x: i32, y: i32, width: u32, height: u32, label: String) -> Self {
        HoverMark { x, y, radius: 0, width, height, polygon: Vec::new(), label }
    }
    pub fn area(polygon: Vec<(i32, i32)>, label: String) -> Self {
        HoverMark { x: 0, y: 0, radius: 0, width: 0, height: 0, polygon, label }
    }
}

/// Turns plotters' fixed-size `<svg>` into a scalable, titled image and appends the hover marks.
pub fn finish(mut svg: String, title: &str, marks: &[HoverMark]) -> String {
    // plotters writes `<svg width="W" height="H" viewBox="0 0 W H" xmlns=...>` first.
    if let Some(end) = svg.find('>') {
        let head = &svg[..end];
        let view_box = head
            .split("viewBox=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or("0 0 640 360")
            .to_string();
        let new_head = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"{view_box}\" class=\"chart\" role=\"img\" \
             aria-label=\"{t}\" preserveAspectRatio=\"xMidYMid meet\"><title>{t}</title",
            t = escape(title)
        );
        svg.replace_range(..end, &new_head);
    }
    let mut extra = String::new();
    if !marks.is_empty() {
        extra.push_str("<g class=\"hover\">");
        for m in marks {
            if !m.polygon.is_empty() {
                let points: Vec<String> = m.polygon.iter().map(|(x, y)| format!("{x},{y}")).collect();
                extra.push_str(&format!(
                    "<polygon points=\"{}\" fill=\"transparent\"><title>{}</title></polygon>",
                    points.join(" "),
                    escape(&m.label)
                ));
            } else if m.width > 0 {
                extra.push_str(&format!(
                    "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"transparent\"><title>{}</title></rect>",
                    m.x,
                    m.y,
                    m.width,
                    m.height.max(1),
                    escape(&m.label)
                ));
            } else {
                extra.push_str(&format!(
                    "<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"transparent\"><title>{}</title></circle>",
                    m.x,
                    m.y,
                    m.radius,
                    escape(&m.label)
                ));
            }
        }
        extra.push_str("</g>");
    }
    match svg.rfind("</svg>") {
        Some(i) => svg.insert_str(i, &extra),
        None => {
            svg.push_str(&extra);
            svg.push_str("</svg>");
        }
    }
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finish_makes_the_root_scalable_and_titled_and_escapes_labels() {
        let raw = "<svg width=\"640\" height=\"360\" viewBox=\"0 0 640 360\" xmlns=\"http://www.w3.org/2000/svg\">\n<rect/>\n</svg>\n".to_string();
        let out = finish(raw, "医師割合 <80%>", &[HoverMark::point(3, 4, "a&b".into())]);
        assert!(out.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 640 360\""), "{out}");
        assert!(!out.contains("width=\"640\""));
        assert!(out.contains("<title>医師割合 &lt;80%&gt;</title>"));
        assert!(out.contains("<title>a&amp;b</title></circle></g></svg>"), "{out}");
    }
}
