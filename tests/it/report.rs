//! `oncometrics report` end to end: the three packs from a demo warehouse, and errors.

use crate::support::{run, text};

#[test]
fn report_command_writes_each_pack_and_explains_errors() {
    let d = tempfile::tempdir().expect("tempdir");
    // Errors that need no store come first and are explained, never panics.
    for (args, expect) in [
        (vec!["report", "board", "--out", "/nonexistent/board.docx"], ".pdf"),
        (vec!["report", "committee", "--out", "c.pdf", "--what-if", "nurses=3"], "staff_full"),
        (vec!["report", "committee", "--out", "c.pdf", "--crosstab", "Q01"], "QUESTION:COLUMN"),
    ] {
        let o = run(d.path(), &args);
        let t = text(&o);
        assert!(!o.status.success(), "{args:?} succeeded");
        assert!(t.contains(expect), "{args:?}: {t}");
        assert!(!t.contains("panicked"), "{args:?}: {t}");
    }
    let o = run(d.path(), &["report", "board", "--out", "/nonexistent/board.pdf"]);
    assert!(!o.status.success() && text(&o).contains("読み込まれていません"), "{}", text(&o));

    assert!(run(d.path(), &["demo"]).status.success());
    // Outputs under the temporary directory (the binary runs from the repository root).
    let out = |f: &str| d.path().join("out").join(f).to_string_lossy().into_owned();
    for (args, file) in [
        (vec!["report", "board", "--out", &out("board.pdf")], "board.pdf"),
        (vec!["report", "board", "--as-of", "2025-03-31", "--out", &out("board.html")], "board.html"),
        (vec!["report", "committee", "--out", &out("c.pdf"), "--what-if", "staff_full=40"], "c.pdf"),
        (vec!["report", "research", "--out", &out("research.zip")], "research.zip"),
        (vec!["report", "research", "--out", &out("research")], "research/manifest.json"),
    ] {
        let o = run(d.path(), &args);
        assert!(o.status.success(), "{args:?}: {}", text(&o));
        let bytes = std::fs::read(out(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(bytes.len() > 1000, "{file} is {} bytes", bytes.len());
    }
    // The same pack over the Parquet lake: the same bytes, and the warehouse is not needed.
    let o = run(d.path(), &["report", "board", "--engine", "lake", "--out", &out("board-lake.pdf")]);
    assert!(o.status.success(), "{}", text(&o));
    let (memory, lake) =
        (std::fs::read(out("board.pdf")).expect("pdf"), std::fs::read(out("board-lake.pdf")).expect("pdf"));
    assert!(memory == lake, "the board pack differs over the lake");
    let html = std::fs::read_to_string(d.path().join("out/board.html")).expect("html");
    assert!(html.contains("2025年3月31日"), "the as-of date is on the title page");
    // No temporary file is left beside the outputs.
    let left: Vec<_> = std::fs::read_dir(d.path().join("out")).expect("dir").flatten().map(|e| e.file_name()).collect();
    assert!(left.iter().all(|n| !n.to_string_lossy().ends_with(".tmp")), "{left:?}");
}
