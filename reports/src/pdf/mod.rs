//! PDF output, in-process: [`layout`] flows a [`Doc`] onto A4 pages, and krilla writes
//! them with the Japanese font subset and embedded, charts as vectors (plotters' SVG
//! through usvg), page numbers, a running head, a sample-data mark on every page and
//! bookmarks for the headings. No clock is read: the same document gives the same bytes.

pub mod font;
pub mod layout;
pub mod wrap;

use krilla::color::rgb;
use krilla::destination::XyzDestination;
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::outline::{Outline, OutlineNode};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};
use krilla::{Document, SerializeSettings};
use krilla_svg::{SurfaceExt, SvgSettings};

use self::font::Fonts;
use self::layout::{GREY, Layout, MARGIN_X, Op, PAGE_H, PAGE_W, Rgb, WARN};
use crate::doc::Doc;
use crate::error::{Error, Result};

/// Renders `doc` as PDF bytes with the installed Japanese font.
pub fn render(doc: &Doc) -> Result<Vec<u8>> {
    render_with(doc, &Fonts::find()?)
}

/// Renders `doc` as PDF bytes with the given fonts.
pub fn render_with(doc: &Doc, fonts: &Fonts) -> Result<Vec<u8>> {
    let laid = layout::layout(doc, fonts)?;
    let font = |bold: bool| {
        let face = fonts.face(bold);
        Font::new(krilla::Data::from(face.data.clone()), face.index)
            .ok_or_else(|| Error::Font(format!("{}: krilla cannot read the font", face.path.display())))
    };
    let (regular, bold) = (font(false)?, font(true)?);
    let settings = SerializeSettings { enable_tagging: false, ..SerializeSettings::default() };
    let mut document = Document::new_with(settings);
    let total = laid.pages.len();
    let page_size = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or_else(|| Error::Render("page size".into()))?;
    for (n, ops) in laid.pages.iter().enumerate() {
        let mut page = document.start_page_with(page_size.clone());
        let mut surface = page.surface();
        let text = |s: &mut Surface<'_>, x: f32, y: f32, size: f32, bold_text: bool, color: Rgb, t: &str| {
            s.set_fill(Some(fill(color)));
            let f = if bold_text { bold.clone() } else { regular.clone() };
            s.draw_text(Point::from_xy(x, y), f, size, t, false, TextDirection::Auto);
        };
        for op in ops {
            match op {
                Op::Text { x, y, size, bold: b, color, text: t } => text(&mut surface, *x, *y, *size, *b, *color, t),
                Op::Rect { x, y, w, h, fill: c } => {
                    if let Some(r) = Rect::from_xywh(*x, *y, *w, *h) {
                        let mut pb = PathBuilder::new();
                        pb.push_rect(r);
                        if let Some(path) = pb.finish() {
                            surface.set_stroke(None);
                            surface.set_fill(Some(fill(*c)));
                            surface.draw_path(&path);
                        }
                    }
                }
                Op::Line { x1, y1, x2, y2, width, color } => {
                    let mut pb = PathBuilder::new();
                    pb.move_to(*x1, *y1);
                    pb.line_to(*x2, *y2);
                    if let Some(path) = pb.finish() {
                        surface.set_fill(None);
                        surface.set_stroke(Some(Stroke { paint: paint(*color), width: *width, ..Stroke::default() }));
                        surface.draw_path(&path);
                        surface.set_stroke(None);
                    }
                }
                Op::Chart { x, y, w, h, index } => {
                    let tree = &laid.charts[*index];
                    let size = Size::from_wh(*w, *h).ok_or_else(|| Error::Render("chart size".into()))?;
                    surface.push_transform(&Transform::from_translate(*x, *y));
                    surface
                        .draw_svg(tree, size, SvgSettings::default())
                        .ok_or_else(|| Error::Render("chart could not be drawn".into()))?;
                    surface.pop();
                }
            }
        }
        // Running head, sample mark and page number on every page but the title page.
        if n > 0 {
            text(&mut surface, MARGIN_X, 36.0, 7.5, false, GREY, &doc.running_head);
            if doc.sample {
                let w = fonts.face(true).width("サンプル・架空データ", 7.5);
                text(&mut surface, PAGE_W - MARGIN_X - w, 36.0, 7.5, true, WARN, "サンプル・架空データ");
            }
            let label = format!("{} / {}", n + 1, total);
            let w = fonts.face(false).width(&label, 8.0);
            text(&mut surface, (PAGE_W - w) / 2.0, PAGE_H - 30.0, 8.0, false, GREY, &label);
        }
        surface.finish();
        page.finish();
    }
    document.set_outline(outline(&laid));
    document.set_metadata(
        Metadata::new()
            .title(doc.title.clone())
            .description(doc.subtitle.clone())
            .language("ja".into())
            .creator(format!("oncometrics {}", env!("CARGO_PKG_VERSION"))),
    );
    document.finish().map_err(|e| Error::Render(format!("{e:?}")))
}

fn paint(c: Rgb) -> krilla::paint::Paint {
    rgb::Color::new(c.0, c.1, c.2).into()
}

fn fill(c: Rgb) -> Fill {
    Fill { paint: paint(c), opacity: NormalizedF32::ONE, rule: Default::default() }
}

/// Bookmarks: chapters (level 1) with their sections beneath.
fn outline(laid: &Layout) -> Outline {
    let mut outline = Outline::new();
    let mut chapter: Option<OutlineNode> = None;
    for m in &laid.marks {
        let node = OutlineNode::new(m.text.clone(), XyzDestination::new(m.page, Point::from_xy(0.0, m.y)));
        if m.level <= 1 {
            if let Some(c) = chapter.take() {
                outline.push_child(c);
            }
            chapter = Some(node);
        } else if let Some(c) = chapter.as_mut() {
            c.push_child(node);
        } else {
            outline.push_child(node);
        }
    }
    if let Some(c) = chapter {
        outline.push_child(c);
    }
    outline
}
