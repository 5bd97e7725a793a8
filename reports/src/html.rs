//! A report as one self-contained HTML file: the same blocks as the PDF, charts inline as
//! SVG, styles inline (nothing is fetched), and print rules for A4.

use crate::doc::{Block, Doc, Rich, Span, Table};
use crate::svg::escape;

const STYLE: &str = "\
@page{size:A4;margin:18mm 16mm}\
body{font-family:'Noto Sans CJK JP','Hiragino Sans','Yu Gothic',sans-serif;color:#191919;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.6}\
header.cover{border-bottom:3px solid #005a96;margin-bottom:2rem;padding-bottom:1rem}\
header.cover h1{font-size:2rem;margin:.2rem 0}\
.sample{display:inline-block;background:#be1e1e;color:#fff;font-weight:bold;padding:.2rem .6rem}\
dl.cover{display:grid;grid-template-columns:8rem 1fr;gap:.3rem 1rem}dl.cover dt{color:#646464;font-weight:bold}dl.cover dd{margin:0}\
h2{color:#005a96;border-bottom:1px solid #005a96;margin-top:2.5rem;break-after:avoid}h3{break-after:avoid}\
.kpis{display:grid;grid-template-columns:repeat(3,1fr);gap:.6rem;margin:1rem 0}\
.kpi{background:#f6f8fa;border-left:3px solid #005a96;padding:.5rem .7rem;break-inside:avoid}.kpi.warn{border-color:#be1e1e}\
.kpi .label{font-size:.8rem;color:#646464;font-weight:bold}.kpi .value{font-size:1.5rem;font-weight:bold}.kpi.warn .value{color:#be1e1e}\
.kpi .detail{font-size:.75rem;color:#646464}\
table{border-collapse:collapse;font-size:.8rem;margin:.5rem 0}caption{text-align:left;font-weight:bold;padding:.3rem 0}\
th{background:#ebf0f5;text-align:left}th,td{padding:.2rem .5rem;border-bottom:1px solid #c8c8c8;vertical-align:top}\
td.num,th.num{text-align:right}thead{display:table-header-group}tr{break-inside:avoid}\
.note{font-size:.75rem;color:#646464}figure{margin:1rem auto;break-inside:avoid}figure svg{width:100%;height:auto}\
.pb{break-after:page}\
nav.toc ol{list-style:none;padding-left:0}nav.toc li.l2{padding-left:1.2rem}\
aside.notice{background:#fdf6ec;border-left:3px solid #c86e14;padding:.6rem 1rem;margin:1rem 0;break-inside:avoid}\
aside.notice h3{color:#c86e14;margin:.2rem 0}p.byline{font-weight:bold;margin-bottom:.2rem;break-after:avoid}";

/// The document as HTML.
pub fn render(doc: &Doc) -> String {
    let mut h = String::with_capacity(64 * 1024);
    h.push_str("<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">");
    h.push_str(&format!(
        "<title>{}</title><style>{STYLE}{}</style></head><body>\n",
        escape(&doc.title),
        width_styles()
    ));
    h.push_str(&body(doc));
    h.push_str("</body></html>\n");
    h
}

/// The document's cover and blocks, without the page around them or its styles: for a page
/// that has its own (the dashboard's preview, under its style sheet and CSP).
pub fn body(doc: &Doc) -> String {
    let mut h = String::with_capacity(64 * 1024);
    h.push_str("<header class=\"cover\">");
    if doc.sample {
        h.push_str("<p class=\"sample\">サンプル・架空データ</p>");
    }
    h.push_str(&format!("<h1>{}</h1><p>{}</p><dl class=\"cover\">", escape(&doc.title), escape(&doc.subtitle)));
    for (k, v) in &doc.cover {
        h.push_str(&format!("<dt>{}</dt><dd>{}</dd>", escape(k), escape(v)));
    }
    h.push_str("</dl></header>\n<main>\n");
    // Headings are numbered in order so that the contents can link to them.
    let headings: Vec<(u8, &str)> = doc
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Heading { level, text } if *level <= 2 => Some((*level, text.as_str())),
            _ => None,
        })
        .collect();
    let mut n = 0;
    for b in &doc.blocks {
        match b {
            Block::Heading { level, text } if *level <= 2 => {
                let tag = if *level <= 1 { "h2" } else { "h3" };
                h.push_str(&format!("<{tag} id=\"h{n}\">{}</{tag}>\n", escape(text)));
                n += 1;
            }
            Block::Toc { title } => {
                h.push_str(&format!("<nav class=\"toc\" aria-label=\"{0}\"><h2>{0}</h2><ol>", escape(title)));
                for (i, (level, text)) in headings.iter().enumerate() {
                    let class = if *level <= 1 { "l1" } else { "l2" };
                    h.push_str(&format!("<li class=\"{class}\"><a href=\"#h{i}\">{}</a></li>", escape(text)));
                }
                h.push_str("</ol></nav>\n");
            }
            _ => block(&mut h, b),
        }
    }
    h.push_str("</main>\n");
    h
}

fn block(h: &mut String, b: &Block) {
    match b {
        Block::Heading { level, text } => {
            let tag = if *level <= 1 { "h2" } else { "h3" };
            h.push_str(&format!("<{tag}>{}</{tag}>\n", escape(text)));
        }
        Block::Para(t) => h.push_str(&format!("<p>{}</p>\n", escape(t))),
        Block::Note(t) => h.push_str(&format!("<p class=\"note\">{}</p>\n", escape(t))),
        Block::Kpis(ks) => {
            h.push_str("<div class=\"kpis\">");
            for k in ks {
                h.push_str(&format!(
                    "<div class=\"kpi{}\"><div class=\"label\">{}</div><div class=\"value\">{}</div><div class=\"detail\">{}</div></div>",
                    if k.warn { " warn" } else { "" },
                    escape(&k.label),
                    escape(&k.value),
                    escape(&k.detail)
                ));
            }
            h.push_str("</div>\n");
        }
        Block::Table(t) => table(h, t),
        Block::Chart { svg, width } => {
            // The chart SVG is produced (and escaped) by this crate's chart code.
            // A class per width, not a style attribute: the dashboard shows this HTML under a
            // CSP that forbids inline styles.
            h.push_str(&format!("<figure class=\"chart w{}\">{svg}</figure>\n", width_class(*width)));
        }
        Block::PageBreak => h.push_str("<div class=\"pb\"></div>\n"),
        Block::Toc { .. } => {}
        Block::Notice { title, body } => {
            h.push_str(&format!("<aside class=\"notice\"><h3>{}</h3>", escape(title)));
            rich(h, body);
            h.push_str("</aside>\n");
        }
        Block::Rich(pars) => rich(h, pars),
        Block::Byline(t) => h.push_str(&format!("<p class=\"byline\">{}</p>\n", escape(t))),
    }
}

/// A chart's width as a share of the text in steps of 5%: 20 … 100.
fn width_class(width: f32) -> u32 {
    ((width.clamp(0.2, 1.0) * 20.0).round() as u32) * 5
}

/// The width classes of [`width_class`], for the style sheet.
fn width_styles() -> String {
    (4..=20).map(|i| format!("figure.w{0}{{width:{0}%}}", i * 5)).collect()
}

/// Paragraphs, and consecutive list items as one list.
fn rich(h: &mut String, pars: &[Rich]) {
    let mut in_list = false;
    for p in pars {
        match p {
            Rich::Para(spans) => {
                if in_list {
                    h.push_str("</ul>");
                    in_list = false;
                }
                h.push_str("<p>");
                spans_html(h, spans);
                h.push_str("</p>\n");
            }
            Rich::Item(spans) => {
                if !in_list {
                    h.push_str("<ul>");
                    in_list = true;
                }
                h.push_str("<li>");
                spans_html(h, spans);
                h.push_str("</li>");
            }
        }
    }
    if in_list {
        h.push_str("</ul>\n");
    }
}

fn spans_html(h: &mut String, spans: &[Span]) {
    for s in spans {
        match s {
            Span::Text(t) => h.push_str(&escape(t)),
            Span::Link { text, url } if Span::safe_url(url) => {
                let text = if text.is_empty() { url } else { text };
                h.push_str(&format!("<a href=\"{}\">{}</a>", escape(url), escape(text)));
            }
            Span::Link { text, url } => h.push_str(&escape(&format!("{text}（{url}）"))),
        }
    }
}

fn table(h: &mut String, t: &Table) {
    h.push_str("<table>");
    if !t.caption.is_empty() {
        h.push_str(&format!("<caption>{}</caption>", escape(&t.caption)));
    }
    let class = |i: usize| if t.numeric.get(i).copied().unwrap_or(false) { " class=\"num\"" } else { "" };
    h.push_str("<thead><tr>");
    for (i, c) in t.header.iter().enumerate() {
        h.push_str(&format!("<th{}>{}</th>", class(i), escape(c)));
    }
    h.push_str("</tr></thead><tbody>");
    for row in &t.rows {
        h.push_str("<tr>");
        for (i, c) in row.iter().enumerate() {
            h.push_str(&format!("<td{}>{}</td>", class(i), escape(c)));
        }
        h.push_str("</tr>");
    }
    if t.rows.is_empty() {
        h.push_str(&format!("<tr><td colspan=\"{}\">（該当なし）</td></tr>", t.header.len().max(1)));
    }
    h.push_str("</tbody></table>\n");
    for n in &t.notes {
        h.push_str(&format!("<p class=\"note\">{}</p>\n", escape(n)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_the_sample_mark_shown() {
        let mut d = Doc { title: "<理事会>".into(), sample: true, ..Doc::default() };
        d.para("a & b");
        let h = render(&d);
        assert!(h.contains("&lt;理事会&gt;"));
        assert!(h.contains("a &amp; b"));
        assert!(h.contains("サンプル・架空データ"));
        assert!(!h.contains("<理事会>"));
    }

    #[test]
    fn only_web_and_mail_links_become_links() {
        let mut d = Doc::default();
        d.push(Block::Rich(vec![Rich::Para(vec![
            Span::Link { text: "入会案内".into(), url: "https://example.org/join?a=1&b=2".into() },
            Span::Link { text: "x".into(), url: "javascript:alert(1)".into() },
        ])]));
        let h = render(&d);
        assert!(h.contains("<a href=\"https://example.org/join?a=1&amp;b=2\">入会案内</a>"), "{h}");
        assert!(!h.contains("href=\"javascript"), "{h}");
    }
}
