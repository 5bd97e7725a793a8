//! The built booklet read back: its text in order, its contents' page numbers, its figures
//! against the catalog, its fonts and pages, and the same bytes twice.

use std::ffi::OsStr;
use std::path::PathBuf;
use std::sync::OnceLock;

use booklet::build::{self, Built, Format};
use booklet::workflow;
use queries::Role;

use crate::support::{app_db, pages, poppler, sample};

struct Out {
    built: Built,
    pdf: Vec<u8>,
    path: PathBuf,
    edition: booklet::Edition,
    _dir: tempfile::TempDir,
}

fn build_2026() -> (Built, Vec<u8>, booklet::Edition, tempfile::TempDir) {
    let (dir, db) = app_db();
    let stored = workflow::for_build(&db, 2026).expect("2026");
    let inputs = workflow::inputs(&db, &stored).expect("inputs");
    let built = build::document(&stored.edition, &inputs, &sample().engine).expect("built");
    let pdf = build::render(&built.doc, Format::Pdf).expect("pdf");
    (built, pdf, stored.edition, dir)
}

fn out() -> &'static Out {
    static O: OnceLock<Out> = OnceLock::new();
    O.get_or_init(|| {
        let (built, pdf, edition, dir) = build_2026();
        let path = dir.path().join("booklet.pdf");
        std::fs::write(&path, &pdf).expect("write");
        Out { built, pdf, path, edition, _dir: dir }
    })
}

/// The text with line breaks and spaces removed (wrapping splits words anywhere).
fn flat(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn the_pdf_holds_every_question_answer_and_byline_in_order() {
    let o = out();
    // After the contents, which list the headings too.
    let pages = pages(&o.path);
    let toc = pages.iter().position(|p| p.contains("目次")).expect("a contents page");
    let text = flat(&pages[toc + 1..].join("\n"));
    let (_dir, db) = app_db();
    let answers = workflow::answers(&db, 2026).expect("answers");
    let mut expected: Vec<String> = Vec::new();
    let mut section = None;
    for (n, s, q) in o.edition.numbered() {
        if section != Some(s.id) {
            expected.push(s.title.clone());
            section = Some(s.id);
        }
        expected.push(format!("【Q{n}】{}", q.title));
        expected.push(q.body.chars().take(20).collect());
        expected.push("【回答】".into());
        for a in &q.assigned {
            let r = o.edition.respondent(a.respondent).expect("respondent");
            expected.push(r.byline());
            match answers.get(&(q.id, r.id)) {
                Some(row) => expected.push(row.answer.chars().take(20).collect()),
                None => expected.push("（回答はまだありません）".into()),
            }
        }
    }
    let mut at = 0;
    for e in expected {
        let e = flat(&e);
        match text[at..].find(&e) {
            Some(i) => at += i + e.len(),
            None => panic!("「{e}」 is missing or out of order after byte {at}"),
        }
    }
}

#[test]
fn the_contents_page_numbers_are_the_pages_where_the_headings_start() {
    let o = out();
    let pages = pages(&o.path);
    let toc = pages.iter().position(|p| p.contains("目次")).expect("a contents page");
    let layout = poppler(
        "pdftotext",
        &[
            OsStr::new("-layout"),
            OsStr::new("-f"),
            OsStr::new(&(toc + 1).to_string()),
            OsStr::new("-l"),
            OsStr::new(&(toc + 1).to_string()),
            o.path.as_os_str(),
            OsStr::new("-"),
        ],
    );
    let mut checked = 0;
    for (n, _, q) in o.edition.numbered() {
        let heading = format!("【Q{n}】 {}", q.title);
        let line =
            layout.lines().find(|l| l.contains(&heading)).unwrap_or_else(|| panic!("{heading} not in 目次:\n{layout}"));
        let printed: usize = line.split_whitespace().last().and_then(|w| w.parse().ok()).expect("a page number");
        let actual = pages.iter().enumerate().skip(toc + 1).find(|(_, p)| p.contains(&heading)).map(|(i, _)| i + 1);
        assert_eq!(Some(printed), actual, "{heading}");
        checked += 1;
    }
    assert_eq!(checked, 5);
    // Bookmarks come from the same headings.
    let fonts = reports::pdf::font::Fonts::find().expect("fonts");
    let laid = reports::pdf::layout::layout(&o.built.doc, &fonts).expect("layout");
    for (n, _, q) in o.edition.numbered() {
        let heading = format!("【Q{n}】 {}", q.title);
        let mark = laid.marks.iter().find(|m| m.text == heading).expect("a bookmark");
        assert!(pages[mark.page].contains(&heading), "{heading} bookmarked on page {}", mark.page + 1);
    }
}

#[test]
fn every_evidence_figure_is_the_catalogs_for_the_board_at_the_editions_load() {
    let o = out();
    assert!(o.built.evidence.len() >= 5, "{} results", o.built.evidence.len());
    let text = pages(&o.path).join("\n");
    for (q, req, r) in &o.built.evidence {
        assert_eq!(req.audience, queries::Audience::Board, "question {q}");
        assert_eq!(req.as_of, Some(o.edition.as_of));
        let fresh = sample().engine.evaluate(req).expect("the catalog's result");
        assert_eq!(format!("{:?}", r.rows), format!("{:?}", fresh.rows), "{}", req.metric);
        assert_eq!(r.provenance.at_load, sample().at_load);
        for (i, c) in fresh.columns.iter().enumerate().filter(|(_, c)| c.role == Role::PersonCount) {
            for row in &fresh.rows {
                let v = &row[i];
                if let Some(n) = v.as_f64() {
                    assert!(n >= 10.0, "{}: a count under 10 reached the booklet", req.metric);
                    let printed = reports::format::int(n as i64);
                    assert!(text.contains(&printed), "{} {} = {printed} not printed", req.metric, c.name);
                }
            }
        }
    }
}

#[test]
fn the_forewords_figures_come_from_the_catalog() {
    let o = out();
    let facts = booklet::intro::Facts::gather(&sample().engine, o.edition.as_of, o.edition.survey_year).expect("facts");
    let wave = facts.waves.iter().find(|w| w.year == 2025).expect("2025 wave");
    let text = flat(&pages(&o.path).join("\n"));
    assert!(text.contains(&format!("回答率{:.1}%", wave.rate.expect("rate"))), "the 2025 rate is not printed");
    assert!(text.contains(&reports::format::int(wave.responses.expect("responses"))));
    assert!(!text.contains("{{"), "a placeholder was left in");
}

#[test]
fn the_pdf_renders_and_embeds_its_fonts() {
    let o = out();
    let info = poppler("pdfinfo", &[o.path.as_os_str()]);
    let n = pages(&o.path).len();
    assert!(info.contains("595.28 x 841.89") || info.contains("595.276 x 841.89"), "not A4:\n{info}");
    let dir = tempfile::tempdir().expect("tempdir");
    let prefix = dir.path().join("p");
    poppler(
        "pdftoppm",
        &[OsStr::new("-r"), OsStr::new("30"), OsStr::new("-png"), o.path.as_os_str(), prefix.as_os_str()],
    );
    let pngs: Vec<_> = std::fs::read_dir(dir.path()).expect("pngs").flatten().collect();
    assert_eq!(pngs.len(), n, "one PNG per page");
    let fonts = poppler("pdffonts", &[o.path.as_os_str()]);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!rows.is_empty(), "no fonts:\n{fonts}");
    for row in rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        let k = cols.len();
        assert!(k >= 7 && cols[k - 5] == "yes", "font not embedded: {row}");
    }
    assert!(pages(&o.path)[0].contains("サンプル・架空データ"), "the sample mark");
}

#[test]
fn two_builds_of_one_version_are_byte_identical() {
    let (built, pdf, _, _dir) = build_2026();
    assert!(pdf == out().pdf, "two PDF builds of the same version differ");
    assert_eq!(reports::html::render(&built.doc), reports::html::render(&out().built.doc));
}

#[test]
fn a_draft_marks_answers_not_yet_approved_and_a_published_edition_prints_only_its_frozen_answers() {
    let text = flat(&pages(&out().path).join("\n"));
    assert!(text.contains("（校正用:提出済み）"), "a submitted answer is marked in the draft");
    assert!(text.contains("（校正用）"), "the title page says 校正用");
    let (_dir, db) = app_db();
    let published = workflow::for_build(&db, 2025).expect("2025");
    assert!(published.published);
    let latest = workflow::load(&db, 2025).expect("latest");
    assert!(latest.version > published.version, "follow-ups were recorded after publishing");
    let inputs = workflow::inputs(&db, &published).expect("inputs");
    let built = build::document(&published.edition, &inputs, &sample().engine).expect("built");
    let html = reports::html::render(&built.doc);
    assert!(!html.contains("校正用"), "{html}");
    assert!(html.contains("がん診療の標準化と専門家の育成"));
}
