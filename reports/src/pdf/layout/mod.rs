//! Page layout: flows a [`Doc`]'s blocks onto A4 pages as drawing operations. Headings
//! keep with what follows, tables break between rows and repeat their header, charts
//! and KPI rows are never split. A document with a table of contents is laid out twice:
//! the first pass finds the page of every heading, the second prints them.
//!
//! - `text`: the running-text blocks (contents, notices, paragraphs with lists, bylines).

mod text;

use super::font::Fonts;
use super::wrap::wrap;
use crate::doc::{Block, Doc, Kpi, Table};

pub const PAGE_W: f32 = 595.28;
pub const PAGE_H: f32 = 841.89;
pub const MARGIN_X: f32 = 56.0;
pub const TOP: f32 = 64.0;
pub const BOTTOM: f32 = PAGE_H - 58.0;
pub const TEXT_W: f32 = PAGE_W - 2.0 * MARGIN_X;

pub type Rgb = (u8, u8, u8);
pub const BLACK: Rgb = (25, 25, 25);
pub const GREY: Rgb = (100, 100, 100);
pub const RULE: Rgb = (200, 200, 200);
pub const ACCENT: Rgb = (0, 90, 150);
pub const WARN: Rgb = (190, 30, 30);
const HEADER_FILL: Rgb = (235, 240, 245);

/// A drawing operation, in points from the page's top-left corner.
#[derive(Debug, Clone)]
pub enum Op {
    /// `y` is the baseline.
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        color: Rgb,
        text: String,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Rgb,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
        color: Rgb,
    },
    /// The `index`th chart of the layout's `charts`.
    Chart {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        index: usize,
    },
}

/// A heading's place, for the PDF outline.
#[derive(Debug, Clone)]
pub struct Mark {
    pub level: u8,
    pub text: String,
    pub page: usize,
    pub y: f32,
}

/// The laid-out document: pages of operations, the parsed charts and the bookmarks.
#[derive(Debug, Default)]
pub struct Layout {
    pub pages: Vec<Vec<Op>>,
    pub charts: Vec<usvg::Tree>,
    pub marks: Vec<Mark>,
}

struct Flow<'a> {
    fonts: &'a Fonts,
    svg_options: usvg::Options<'a>,
    out: Layout,
    y: f32,
    /// The contents: each heading of level 1–2 in order, with its printed page number once known.
    toc: Vec<(u8, String, Option<usize>)>,
}

/// Lays out the title page and every block of `doc`; with a table of contents, again
/// until the contents' page numbers are those the headings land on.
pub fn layout(doc: &Doc, fonts: &Fonts) -> crate::Result<Layout> {
    let mut toc: Vec<(u8, String, Option<usize>)> = doc
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Heading { level, text } if *level <= 2 => Some((*level, text.clone(), None)),
            _ => None,
        })
        .collect();
    if !doc.blocks.iter().any(|b| matches!(b, Block::Toc { .. })) {
        return layout_pass(doc, fonts, Vec::new());
    }
    // The contents take as many lines whatever the numbers are, so the second pass lands
    // every heading where the first did; the loop only guards that belief.
    for _ in 0..3 {
        let laid = layout_pass(doc, fonts, toc.clone())?;
        let pages: Vec<Option<usize>> = laid.marks.iter().filter(|m| m.level <= 2).map(|m| Some(m.page + 1)).collect();
        if pages.len() == toc.len() && toc.iter().zip(&pages).all(|(t, p)| t.2 == *p) {
            return Ok(laid);
        }
        for (t, p) in toc.iter_mut().zip(pages) {
            t.2 = p;
        }
    }
    Err(crate::Error::Render("the table of contents does not settle on its page numbers".into()))
}

fn layout_pass(doc: &Doc, fonts: &Fonts, toc: Vec<(u8, String, Option<usize>)>) -> crate::Result<Layout> {
    let svg_options = usvg::Options {
        fontdb: std::sync::Arc::new(fonts.database()),
        font_family: fonts.regular.family.clone(),
        ..Default::default()
    };
    let mut f = Flow { fonts, svg_options, out: Layout::default(), y: TOP, toc };
    f.title_page(doc);
    f.new_page();
    for (i, b) in doc.blocks.iter().enumerate() {
        if let Block::Heading { level: 1, .. } = b
            && let Some(h) = f.text_chapter_height(&doc.blocks[i..])
            && f.y > TOP
            && f.y + 14.0 + h > BOTTOM
        {
            // A chapter of text only (the notes) that fits on one page is not split: its last
            // lines alone on a page read as a near-empty last page.
            f.new_page();
        }
        // A heading (or a caption line) goes with the chart under it: not at the foot of a page,
        // the chart on the next.
        if let (Block::Heading { .. } | Block::Byline(_), Some(Block::Chart { svg, width })) =
            (b, doc.blocks.get(i + 1))
            && let Some(h) = chart_height(svg, *width)
            && f.y > TOP
            && f.y + HEADING_ROOM + h > BOTTOM
        {
            f.new_page();
        }
        f.block(b)?;
    }
    Ok(f.out)
}

/// The room a heading takes, at most (a level-1 heading with the space around it).
const HEADING_ROOM: f32 = 16.0 * 1.65 + 14.0 + 10.0;

/// The height a chart of `width` (a share of the text width) takes, from its SVG's viewBox.
fn chart_height(svg: &str, width: f32) -> Option<f32> {
    let head = &svg[..svg.find('>')?];
    let view: Vec<f32> =
        head.split("viewBox=\"").nth(1)?.split('"').next()?.split_whitespace().filter_map(|v| v.parse().ok()).collect();
    let (w, h) = (*view.get(2)?, *view.get(3)?);
    (w > 0.0).then(|| TEXT_W * width.clamp(0.2, 1.0) * h / w + 8.0)
}

impl Flow<'_> {
    fn ops(&mut self) -> &mut Vec<Op> {
        if self.out.pages.is_empty() {
            self.out.pages.push(Vec::new());
        }
        let last = self.out.pages.len() - 1;
        &mut self.out.pages[last]
    }

    /// The height of the chapter starting at `blocks[0]` (up to the next level-1 heading)
    /// when it is text only and fits on one page; None otherwise.
    fn text_chapter_height(&self, blocks: &[Block]) -> Option<f32> {
        let end = blocks
            .iter()
            .skip(1)
            .position(|b| matches!(b, Block::Heading { level: 1, .. }))
            .map_or(blocks.len(), |e| e + 1);
        let chapter = &blocks[..end];
        if !chapter.iter().all(|b| matches!(b, Block::Heading { .. } | Block::Para(_) | Block::Note(_))) {
            return None;
        }
        let mut dry = Flow {
            fonts: self.fonts,
            svg_options: usvg::Options::default(),
            out: Layout::default(),
            y: TOP,
            toc: Vec::new(),
        };
        dry.new_page();
        for b in chapter {
            dry.block(b).ok()?;
        }
        (dry.out.pages.len() == 1).then_some(dry.y - TOP)
    }

    fn new_page(&mut self) {
        self.out.pages.push(Vec::new());
        self.y = TOP;
    }

    /// Starts a new page unless `h` more points fit on this one.
    fn need(&mut self, h: f32) {
        if self.y + h > BOTTOM && self.y > TOP {
            self.new_page();
        }
    }

    fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, color: Rgb, text: &str) {
        if !text.is_empty() {
            self.ops().push(Op::Text { x, y, size, bold, color, text: text.to_string() });
        }
    }

    /// Wrapped text at the current position, breaking pages between lines.
    fn lines(&mut self, text: &str, size: f32, bold: bool, color: Rgb, indent: f32) {
        let lh = size * 1.65;
        for line in wrap(self.fonts.face(bold), text, size, TEXT_W - indent) {
            self.need(lh);
            let y = self.y + size * 1.1;
            self.text(MARGIN_X + indent, y, size, bold, color, &line);
            self.y += lh;
        }
    }

    fn title_page(&mut self, doc: &Doc) {
        self.y = 230.0;
        if doc.sample {
            let w = self.fonts.face(true).width("サンプル・架空データ", 12.0) + 20.0;
            self.ops().push(Op::Rect { x: MARGIN_X, y: 150.0, w, h: 26.0, fill: WARN });
            self.text(MARGIN_X + 10.0, 168.0, 12.0, true, (255, 255, 255), "サンプル・架空データ");
        }
        for line in wrap(self.fonts.face(true), &doc.title, 26.0, TEXT_W) {
            let y = self.y + 26.0;
            self.text(MARGIN_X, y, 26.0, true, BLACK, &line);
            self.y += 38.0;
        }
        self.y += 6.0;
        self.lines(&doc.subtitle, 13.0, false, GREY, 0.0);
        self.y += 18.0;
        let y = self.y;
        self.ops().push(Op::Line { x1: MARGIN_X, y1: y, x2: PAGE_W - MARGIN_X, y2: y, width: 1.5, color: ACCENT });
        self.y += 18.0;
        let label_w = 96.0;
        for (label, value) in &doc.cover {
            let lines = wrap(self.fonts.face(false), value, 10.0, TEXT_W - label_w);
            let y = self.y + 11.0;
            self.text(MARGIN_X, y, 9.5, true, GREY, label);
            for (i, line) in lines.iter().enumerate() {
                self.text(MARGIN_X + label_w, y + i as f32 * 15.0, 10.0, false, BLACK, line);
            }
            self.y += 15.0 * lines.len().max(1) as f32 + 6.0;
        }
    }

    fn block(&mut self, b: &Block) -> crate::Result<()> {
        match b {
            Block::Heading { level, text } => self.heading(*level, text),
            Block::Para(t) => {
                self.lines(t, 10.0, false, BLACK, 0.0);
                self.y += 6.0;
            }
            Block::Note(t) => {
                self.lines(t, 8.0, false, GREY, 0.0);
                self.y += 5.0;
            }
            Block::Kpis(ks) => self.kpis(ks),
            Block::Table(t) => self.table(t),
            Block::Chart { svg, width } => self.chart(svg, *width)?,
            Block::PageBreak => {
                if self.y > TOP {
                    self.new_page();
                }
            }
            Block::Toc { title } => self.contents(title),
            Block::Notice { title, body } => self.notice(title, body),
            Block::Rich(pars) => self.rich(pars),
            Block::Byline(t) => self.byline(t),
        }
        Ok(())
    }

    fn heading(&mut self, level: u8, text: &str) {
        let (size, before, after) = if level <= 1 { (16.0, 14.0, 10.0) } else { (12.0, 10.0, 6.0) };
        // Keep a heading with at least a few lines of what follows.
        if self.y > TOP {
            self.y += before;
        }
        self.need(size * 1.6 + 90.0);
        let page = self.out.pages.len() - 1;
        self.out.marks.push(Mark { level, text: text.to_string(), page, y: self.y });
        self.lines(text, size, true, if level <= 1 { ACCENT } else { BLACK }, 0.0);
        if level <= 1 {
            let y = self.y;
            self.ops().push(Op::Line { x1: MARGIN_X, y1: y, x2: PAGE_W - MARGIN_X, y2: y, width: 0.8, color: ACCENT });
        }
        self.y += after;
    }

    fn kpis(&mut self, ks: &[Kpi]) {
        const PER_ROW: usize = 3;
        let gap = 10.0;
        let w = (TEXT_W - gap * (PER_ROW as f32 - 1.0)) / PER_ROW as f32;
        for row in ks.chunks(PER_ROW) {
            let boxes: Vec<(Vec<String>, Vec<String>, Vec<String>)> = row
                .iter()
                .map(|k| {
                    (
                        wrap(self.fonts.face(true), &k.label, 8.5, w - 16.0),
                        wrap(self.fonts.face(true), &k.value, 16.0, w - 16.0),
                        wrap(self.fonts.face(false), &k.detail, 7.5, w - 16.0),
                    )
                })
                .collect();
            let h = boxes
                .iter()
                .map(|(l, v, d)| 12.0 + l.len() as f32 * 13.0 + v.len() as f32 * 22.0 + d.len() as f32 * 11.5 + 6.0)
                .fold(0.0, f32::max);
            self.need(h + gap);
            let top = self.y;
            for (i, ((label, value, detail), k)) in boxes.iter().zip(row).enumerate() {
                let x = MARGIN_X + i as f32 * (w + gap);
                self.ops().push(Op::Rect { x, y: top, w, h, fill: (246, 248, 250) });
                self.ops().push(Op::Rect { x, y: top, w: 3.0, h, fill: if k.warn { WARN } else { ACCENT } });
                let mut y = top + 8.0;
                for l in label {
                    self.text(x + 10.0, y + 9.0, 8.5, true, GREY, l);
                    y += 13.0;
                }
                for l in value {
                    self.text(x + 10.0, y + 17.0, 16.0, true, if k.warn { WARN } else { BLACK }, l);
                    y += 22.0;
                }
                for l in detail {
                    self.text(x + 10.0, y + 8.5, 7.5, false, GREY, l);
                    y += 11.5;
                }
            }
            self.y = top + h + gap;
        }
    }

    fn chart(&mut self, svg: &str, width: f32) -> crate::Result<()> {
        let tree = usvg::Tree::from_str(svg, &self.svg_options)
            .map_err(|e| crate::Error::Render(format!("chart SVG: {e}")))?;
        let size = tree.size();
        let w = TEXT_W * width.clamp(0.2, 1.0);
        let h = w * size.height() / size.width();
        self.need(h + 8.0);
        let x = MARGIN_X + (TEXT_W - w) / 2.0;
        let index = self.out.charts.len();
        self.out.charts.push(tree);
        let y = self.y;
        self.ops().push(Op::Chart { x, y, w, h, index });
        self.y += h + 10.0;
        Ok(())
    }

    fn table(&mut self, t: &Table) {
        const SIZE: f32 = 8.0;
        const LH: f32 = 11.0;
        const PAD: f32 = 4.0;
        let ncol = t.header.len();
        if ncol == 0 {
            return;
        }
        let widths = self.column_widths(t, SIZE, PAD);
        let total: f32 = widths.iter().sum();
        let fonts = self.fonts;
        let wrap_row = |cells: &[String], bold: bool| -> Vec<Vec<String>> {
            cells.iter().zip(&widths).map(|(c, w)| wrap(fonts.face(bold), c, SIZE, w - 2.0 * PAD)).collect()
        };
        let header = wrap_row(&t.header, true);
        let header_h = header.iter().map(Vec::len).max().unwrap_or(1) as f32 * LH + 2.0 * PAD;
        let caption = |f: &mut Self, cont: bool| {
            if !t.caption.is_empty() {
                let text = if cont { format!("{}（続き）", t.caption) } else { t.caption.clone() };
                f.lines(&text, 9.0, true, BLACK, 0.0);
            }
        };
        let draw_header = |f: &mut Self| {
            let y = f.y;
            f.ops().push(Op::Rect { x: MARGIN_X, y, w: total, h: header_h, fill: HEADER_FILL });
            f.cells(&header, &widths, &vec![false; ncol], y, SIZE, LH, PAD, true);
            f.y += header_h;
        };
        let first_h = t.rows.first().map_or(0.0, |r| row_height(&wrap_row(r, false), LH, PAD));
        self.need(14.0 + header_h + first_h);
        caption(self, false);
        draw_header(self);
        for row in &t.rows {
            let cells = wrap_row(row, false);
            let h = row_height(&cells, LH, PAD);
            if self.y + h > BOTTOM {
                self.new_page();
                caption(self, true);
                draw_header(self);
            }
            let y = self.y;
            self.cells(&cells, &widths, &t.numeric, y, SIZE, LH, PAD, false);
            self.y += h;
            let y = self.y;
            self.ops().push(Op::Line { x1: MARGIN_X, y1: y, x2: MARGIN_X + total, y2: y, width: 0.4, color: RULE });
        }
        if t.rows.is_empty() {
            self.lines("（該当なし）", SIZE, false, GREY, PAD);
        }
        self.y += 4.0;
        for n in &t.notes {
            self.lines(n, 7.0, false, GREY, 0.0);
        }
        self.y += 8.0;
    }

    #[allow(clippy::too_many_arguments)]
    fn cells(
        &mut self,
        cells: &[Vec<String>],
        widths: &[f32],
        numeric: &[bool],
        y: f32,
        size: f32,
        lh: f32,
        pad: f32,
        bold: bool,
    ) {
        let mut x = MARGIN_X;
        for ((lines, w), num) in cells.iter().zip(widths).zip(numeric.iter().chain(std::iter::repeat(&false))) {
            for (i, line) in lines.iter().enumerate() {
                let tx = if *num { x + w - pad - self.fonts.face(bold).width(line, size) } else { x + pad };
                self.text(tx, y + pad + i as f32 * lh + size, size, bold, BLACK, line);
            }
            x += w;
        }
    }

    /// Natural widths when they fit (headers on one line, or else on two); otherwise text
    /// columns give way and wrap.
    fn column_widths(&self, t: &Table, size: f32, pad: f32) -> Vec<f32> {
        let n = t.header.len();
        let mut cells = vec![0.0f32; n];
        for row in t.rows.iter().take(400) {
            for (i, c) in row.iter().enumerate().take(n) {
                cells[i] = cells[i].max(self.fonts.face(false).width(c, size));
            }
        }
        let header: Vec<f32> = t.header.iter().map(|h| self.fonts.face(true).width(h, size)).collect();
        let with = |share: f32| -> Vec<f32> {
            cells.iter().zip(&header).map(|(c, h)| c.max(h * share).max(24.0) + 2.0 * pad + 1.0).collect()
        };
        let mut widths = with(1.0);
        if widths.iter().sum::<f32>() > TEXT_W {
            widths = with(0.5);
        }
        let sum: f32 = widths.iter().sum();
        if sum > TEXT_W {
            // Numbers and short texts (codes, ids, names) keep their width; long texts wrap.
            const SHORT: f32 = 80.0;
            let keeps: Vec<bool> = widths.iter().zip(&t.numeric).map(|(w, n)| *n || *w <= SHORT).collect();
            let fixed: f32 = widths.iter().zip(&keeps).filter(|(_, k)| **k).map(|(w, _)| *w).sum();
            let flexible = sum - fixed;
            let room = (TEXT_W - fixed).max(TEXT_W * 0.3);
            let scale = if flexible > 0.0 { room / flexible } else { 1.0 };
            for (w, keep) in widths.iter_mut().zip(&keeps) {
                if !keep {
                    *w = (*w * scale).max(40.0);
                }
            }
            let sum: f32 = widths.iter().sum();
            if sum > TEXT_W {
                let k = TEXT_W / sum;
                widths.iter_mut().for_each(|w| *w *= k);
            }
        }
        widths
    }
}

fn row_height(cells: &[Vec<String>], lh: f32, pad: f32) -> f32 {
    cells.iter().map(Vec::len).max().unwrap_or(1).max(1) as f32 * lh + 2.0 * pad
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::Doc;

    /// Regression: a map's heading stood alone at the foot of a page, the map on the next (board
    /// pack, specialists by 構想区域). Wherever the text before it ends, the heading and its chart
    /// share a page.
    #[test]
    fn regression_a_heading_is_not_left_at_the_foot_of_a_page_without_its_chart() {
        let fonts = Fonts::find().expect("a Japanese font (scripts/setup.sh installs fonts-noto-cjk)");
        let svg = r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 640 640"><rect width="640" height="640" fill="blue"/></svg>"#;
        for paras in 0..40 {
            let mut d = Doc::default();
            for i in 0..paras {
                d.para(format!("段落 {i}: 空白の区域と指定病院の一覧を示します。"));
            }
            d.h2("人口10万人あたりのがん薬物療法専門医（構想区域別）");
            d.chart_width(svg.to_string(), 0.85);
            let laid = layout(&d, &fonts).expect("laid out");
            let heading = laid.marks.last().expect("the heading").page;
            let chart =
                laid.pages.iter().position(|ops| ops.iter().any(|o| matches!(o, Op::Chart { .. }))).expect("the chart");
            assert_eq!(heading, chart, "after {paras} paragraphs");
        }
    }
}
