//! Running-text blocks: the table of contents, boxed notices, paragraphs with list items
//! and links, and bylines that keep with what follows.

use super::{ACCENT, BLACK, BOTTOM, Flow, GREY, MARGIN_X, Op, PAGE_W, Rgb, TEXT_W, TOP};
use crate::doc::{Rich, plain};
use crate::pdf::wrap::wrap;

/// The notice box's fill and its left rule.
const NOTICE_FILL: Rgb = (253, 246, 236);
const NOTICE_RULE: Rgb = (200, 110, 20);
/// The width kept for a page number in the contents.
const PAGE_NO_W: f32 = 36.0;

/// One line of a box: its text, size, weight and left indent.
struct Line {
    text: String,
    size: f32,
    bold: bool,
    indent: f32,
}

impl Flow<'_> {
    /// The contents: the title, then one entry per heading (sections bold, questions
    /// indented) with its page number at the right margin. Before the numbers are known
    /// (the first pass) the entries take the same room with no number.
    pub(super) fn contents(&mut self, title: &str) {
        if self.y > TOP {
            self.y += 14.0;
        }
        self.need(16.0 * 1.65 + 40.0);
        self.lines(title, 16.0, true, ACCENT, 0.0);
        let y = self.y;
        self.ops().push(Op::Line { x1: MARGIN_X, y1: y, x2: PAGE_W - MARGIN_X, y2: y, width: 0.8, color: ACCENT });
        self.y += 10.0;
        let entries = self.toc.clone();
        for (level, text, page) in entries {
            let (size, bold, indent) = if level <= 1 { (10.5, true, 0.0) } else { (9.5, false, 14.0) };
            let lh = size * 1.7;
            let lines = wrap(self.fonts.face(bold), &text, size, TEXT_W - indent - PAGE_NO_W);
            for (i, line) in lines.iter().enumerate() {
                self.need(lh);
                let base = self.y + size * 1.1;
                self.text(MARGIN_X + indent, base, size, bold, BLACK, line);
                if i + 1 == lines.len()
                    && let Some(p) = page
                {
                    let label = p.to_string();
                    let w = self.fonts.face(bold).width(&label, size);
                    self.text(PAGE_W - MARGIN_X - w, base, size, bold, BLACK, &label);
                }
                self.y += lh;
            }
        }
        self.y += 8.0;
    }

    /// A notice in a box: on one page when it fits on one, else continued box by box.
    pub(super) fn notice(&mut self, title: &str, body: &[Rich]) {
        const PAD: f32 = 10.0;
        let inner = TEXT_W - 2.0 * PAD - 3.0;
        let mut lines: Vec<Line> = wrap(self.fonts.face(true), title, 11.0, inner)
            .into_iter()
            .map(|text| Line { text, size: 11.0, bold: true, indent: 0.0 })
            .collect();
        for par in body {
            let (spans, item) = match par {
                Rich::Para(s) => (s, false),
                Rich::Item(s) => (s, true),
            };
            let indent = if item { 12.0 } else { 0.0 };
            for (i, text) in wrap(self.fonts.face(false), &plain(spans), 9.5, inner - indent).into_iter().enumerate() {
                let text = if item && i == 0 { format!("・{text}") } else { text };
                let indent = if item && i == 0 { 0.0 } else { indent };
                lines.push(Line { text, size: 9.5, bold: false, indent });
            }
            lines.push(Line { text: String::new(), size: 4.0, bold: false, indent: 0.0 });
        }
        lines.pop();
        let height = |ls: &[Line]| ls.iter().map(|l| l.size * 1.65).sum::<f32>() + 2.0 * PAD;
        self.y += 6.0;
        if self.y + height(&lines) > BOTTOM && height(&lines) <= BOTTOM - TOP {
            self.new_page();
        }
        let mut rest = &lines[..];
        while !rest.is_empty() {
            let room = BOTTOM - self.y - 2.0 * PAD;
            let mut take = 0;
            let mut used = 0.0;
            while take < rest.len() && used + rest[take].size * 1.65 <= room {
                used += rest[take].size * 1.65;
                take += 1;
            }
            if take == 0 {
                self.new_page();
                continue;
            }
            let (chunk, next) = rest.split_at(take);
            let (top, h) = (self.y, height(chunk));
            self.ops().push(Op::Rect { x: MARGIN_X, y: top, w: TEXT_W, h, fill: NOTICE_FILL });
            self.ops().push(Op::Rect { x: MARGIN_X, y: top, w: 3.0, h, fill: NOTICE_RULE });
            let mut y = top + PAD;
            for l in chunk {
                let color = if l.bold { NOTICE_RULE } else { BLACK };
                self.text(MARGIN_X + 3.0 + PAD + l.indent, y + l.size * 1.1, l.size, l.bold, color, &l.text);
                y += l.size * 1.65;
            }
            self.y = top + h;
            rest = next;
            if !rest.is_empty() {
                self.new_page();
            }
        }
        self.y += 10.0;
    }

    /// Paragraphs and list items (a bullet, the item's lines indented under it).
    pub(super) fn rich(&mut self, pars: &[Rich]) {
        for par in pars {
            match par {
                Rich::Para(spans) => {
                    self.lines(&plain(spans), 10.0, false, BLACK, 0.0);
                    self.y += 5.0;
                }
                Rich::Item(spans) => {
                    let lh = 10.0 * 1.65;
                    for (i, line) in
                        wrap(self.fonts.face(false), &plain(spans), 10.0, TEXT_W - 14.0).into_iter().enumerate()
                    {
                        self.need(lh);
                        let y = self.y + 11.0;
                        if i == 0 {
                            self.text(MARGIN_X + 2.0, y, 10.0, false, GREY, "・");
                        }
                        self.text(MARGIN_X + 14.0, y, 10.0, false, BLACK, &line);
                        self.y += lh;
                    }
                    self.y += 2.0;
                }
            }
        }
        self.y += 4.0;
    }

    /// A bold line that does not end a page: at least three lines of what follows fit under it.
    pub(super) fn byline(&mut self, text: &str) {
        self.need(10.0 * 1.65 * 4.0);
        self.lines(text, 10.0, true, BLACK, 0.0);
        self.y += 3.0;
    }
}
