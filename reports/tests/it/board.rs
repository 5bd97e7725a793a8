//! The board pack over the bundled sample: what a board member reads in the PDF is what
//! the metric catalog says, the file is reproducible, and small cells stay withheld.

use std::ffi::OsStr;
use std::path::PathBuf;
use std::sync::OnceLock;

use queries::{Audience, Request};
use reports::doc::{Block, Doc};
use reports::packs::{Context, board};

use crate::support::{poppler, sample};

struct Built {
    doc: Doc,
    pdf: Vec<u8>,
    path: PathBuf,
}

fn build() -> (Doc, Vec<u8>) {
    let f = sample();
    let as_of = f.engine.snapshot().default_as_of().expect("as-of");
    let cx = Context::new(&f.engine, as_of, Audience::Board);
    let doc = board::build(&cx).expect("board pack");
    let pdf = reports::pdf::render(&doc).expect("PDF");
    (doc, pdf)
}

fn built() -> &'static Built {
    static B: OnceLock<Built> = OnceLock::new();
    B.get_or_init(|| {
        let (doc, pdf) = build();
        let path = sample().dir.path().join("board.pdf");
        std::fs::write(&path, &pdf).expect("write");
        Built { doc, pdf, path }
    })
}

fn text() -> &'static str {
    static T: OnceLock<String> = OnceLock::new();
    T.get_or_init(|| poppler("pdftotext", &[OsStr::new("-layout"), built().path.as_os_str(), OsStr::new("-")]))
}

/// The page count `pdfinfo` reports.
fn page_count(info: &str) -> usize {
    info.lines().find_map(|l| l.strip_prefix("Pages:")).and_then(|n| n.trim().parse().ok()).expect("page count")
}

fn board_metric(name: &str) -> queries::MetricResult {
    let f = sample();
    let as_of = f.engine.snapshot().default_as_of().expect("as-of");
    f.engine.evaluate(&Request::new(name, Audience::Board).as_of(as_of)).expect(name)
}

#[test]
fn pdf_text_has_the_japanese_headings() {
    let t = text();
    for heading in [
        "理事会資料",
        "1. 概況",
        "2. 医師の割合（8割ルール）",
        "3. 入会・退会",
        "4. 会員アンケート",
        "5. 専門医・認定医",
        "6. 空白の二次医療圏とがん診療連携拠点病院",
        "注記",
        "サンプル・架空データ",
    ] {
        assert!(t.contains(heading), "missing {heading:?} in:\n{}", &t[..t.len().min(3000)]);
    }
}

#[test]
fn pdf_key_numbers_equal_the_catalog() {
    let t = text();
    let share = board_metric("members.physician_share");
    let pct = share.column("share_pct")[0].as_f64().expect("share");
    let full = share.column("full_members")[0].as_i64().expect("full members");
    let blank = board_metric("hospitals.blank_area_count");
    let blank_n = blank.column("blank_areas")[0].as_i64().expect("blank areas");
    let rate = board_metric("survey.response_rate");
    let last = rate.rows.last().expect("a survey year");
    let rate_pct = last[rate.column_index("rate_pct").expect("rate")].as_f64().expect("rate");
    for expected in [
        format!("{pct:.2}%"),
        format!("{}人", reports::format::int(full)),
        format!("{blank_n}区域"),
        format!("{rate_pct:.1}%"),
    ] {
        assert!(t.contains(&expected), "the PDF does not show {expected:?}");
    }
    // The sentence under the KPIs states the rule outcome with the headroom.
    let headroom = share.column("headroom")[0].as_i64().expect("headroom");
    assert!(t.contains(&format!("あと {headroom} 人")), "headroom {headroom} not in the text");
}

#[test]
fn pdf_pages_render_and_embed_their_fonts() {
    let b = built();
    let info = poppler("pdfinfo", &[b.path.as_os_str()]);
    let pages = page_count(&info);
    assert!(pages >= 6, "{pages} pages");
    assert!(info.contains("595.28 x 841.89") || info.contains("595.276 x 841.89"), "not A4:\n{info}");
    let out = sample().dir.path().join("png");
    std::fs::create_dir_all(&out).expect("dir");
    let prefix = out.join("p");
    poppler(
        "pdftoppm",
        &[OsStr::new("-r"), OsStr::new("30"), OsStr::new("-png"), b.path.as_os_str(), prefix.as_os_str()],
    );
    let pngs: Vec<_> = std::fs::read_dir(&out).expect("pngs").flatten().collect();
    assert_eq!(pngs.len(), pages, "one PNG per page");
    assert!(pngs.iter().all(|p| p.metadata().map(|m| m.len() > 1000).unwrap_or(false)));
    let fonts = poppler("pdffonts", &[b.path.as_os_str()]);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!rows.is_empty(), "no fonts:\n{fonts}");
    for row in rows {
        // Columns: name type encoding emb sub uni object ID.
        let cols: Vec<&str> = row.split_whitespace().collect();
        let n = cols.len();
        assert!(n >= 7 && cols[n - 5] == "yes" && cols[n - 3] == "yes", "font not embedded with a Unicode map: {row}");
    }
}

#[test]
fn the_same_loads_give_byte_identical_files() {
    let (doc, pdf) = build();
    assert!(pdf == built().pdf, "two renderings of the same pack differ");
    assert_eq!(reports::html::render(&doc), reports::html::render(&built().doc));
}

#[test]
fn every_person_count_in_the_pack_is_withheld_or_at_least_ten() {
    let mut withheld = 0;
    for b in &built().doc.blocks {
        let Block::Table(t) = b else { continue };
        for row in &t.rows {
            for (cell, people) in row.iter().zip(&t.people) {
                if !people {
                    continue;
                }
                if cell == "X" {
                    withheld += 1;
                    continue;
                }
                let n: i64 = cell.replace(',', "").parse().unwrap_or_else(|_| panic!("{}: {cell:?}", t.caption));
                assert!(n == 0 || n >= 10, "{}: a count of {n} is shown to the board", t.caption);
            }
        }
    }
    // The sample has small groups (e.g. その他 among the joins around 2026-01-17).
    assert!(withheld > 0, "nothing was withheld: the check above saw no small cell");
}

#[test]
fn html_pack_is_self_contained_with_every_chart() {
    let b = built();
    let html = reports::html::render(&b.doc);
    let charts = b.doc.blocks.iter().filter(|b| matches!(b, Block::Chart { .. })).count();
    assert!(charts >= 6, "{charts} charts");
    assert_eq!(html.matches("<svg").count(), charts);
    assert!(!html.contains("src=\"http") && !html.contains("href=\"http"), "fetches from the internet");
    assert!(html.contains(">2. 医師の割合（8割ルール）</h2>"));
}

#[test]
fn regression_years_print_without_thousands_separators() {
    let renewals = built()
        .doc
        .blocks
        .iter()
        .find_map(|b| match b {
            Block::Table(t) if t.caption.starts_with("更新期限") => Some(t),
            _ => None,
        })
        .expect("renewals table");
    let years: Vec<&str> = renewals.rows.iter().map(|r| r[1].as_str()).collect();
    assert!(years.iter().all(|y| y.len() == 4 && y.parse::<i32>().is_ok()), "{years:?}");
}

/// Regression: the board pack said 「members.projection_inputs を参照」, printed a command in
/// backticks and fractional people (「正会員（推計）8735.8」).
#[test]
fn the_board_pack_has_no_internal_ids_backticks_or_fractional_people() {
    let t = text();
    for id in queries::catalog().iter().map(|d| d.name) {
        assert!(!t.contains(id), "metric id {id} in the text");
    }
    assert!(!t.contains('`'), "backticks in the text");
    assert!(!t.contains("docs/"), "a repository path in the text");
    let mut people_cells = 0;
    for b in &built().doc.blocks {
        let Block::Table(tb) = b else { continue };
        for (i, h) in tb.header.iter().enumerate() {
            if !h.ends_with("（人）") {
                continue;
            }
            for row in &tb.rows {
                let cell = &row[i];
                people_cells += 1;
                assert!(!cell.contains('.'), "{}: {h} = {cell} (people are whole)", tb.caption);
            }
        }
    }
    assert!(people_cells > 0, "the pack has tables counting people");
}

/// Regression: the notes chapter ran over by a few lines, so the last page held only the
/// sample notice. A text chapter that fits on one page now starts on a new page instead of
/// being split, and no page after the title page is near-empty.
#[test]
fn the_last_page_is_not_near_empty() {
    let b = built();
    let pages = page_count(&poppler("pdfinfo", &[b.path.as_os_str()]));
    let chars = |p: usize| {
        let n = p.to_string();
        let t = poppler(
            "pdftotext",
            &[OsStr::new("-f"), OsStr::new(&n), OsStr::new("-l"), OsStr::new(&n), b.path.as_os_str(), OsStr::new("-")],
        );
        // Less the running head, the sample mark and the page number every page carries.
        t.lines().skip(3).map(|l| l.chars().filter(|c| !c.is_whitespace()).count()).sum::<usize>()
    };
    let last = chars(pages);
    assert!(
        last >= 250,
        "the last page holds {last} characters:\n{}",
        poppler("pdftotext", &[OsStr::new("-f"), OsStr::new(&pages.to_string()), b.path.as_os_str(), OsStr::new("-")])
    );
}

/// [designations-real]: the ministry's official 空白 count stands beside ours, with why they differ.
#[test]
fn the_board_pack_prints_the_ministrys_blank_count_beside_ours() {
    let flat: String = text().split_whitespace().collect();
    assert!(flat.contains("厚生労働省公表値:56/336がん医療圏（2024年4月）"), "{}", &flat[..flat.len().min(2000)]);
    assert!(flat.contains("サンプルデータ（架空）"), "the sample caveat");
}
