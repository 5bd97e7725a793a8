//! docs/booklet.md lists every sheet and column of the workbook and every figure a text
//! may cite: the definitions and the docs stay together.

use crate::support::manifest_dir;

fn docs() -> String {
    std::fs::read_to_string(manifest_dir().join("../docs/booklet.md")).expect("docs/booklet.md")
}

#[test]
fn the_docs_list_every_sheet_and_column_of_the_workbook() {
    let d = docs();
    for sheet in booklet::xlsx::SHEETS {
        let line = d
            .lines()
            .find(|l| l.starts_with(&format!("| {} |", sheet.name)))
            .unwrap_or_else(|| panic!("sheet {} is not in docs/booklet.md", sheet.name));
        for (column, _) in sheet.columns {
            assert!(line.contains(column) || sheet.name == booklet::xlsx::EDITION, "{}: column {column}", sheet.name);
        }
    }
}

#[test]
fn the_docs_list_every_figure_a_text_may_cite() {
    let d = docs();
    for p in booklet::intro::PLACEHOLDERS {
        assert!(d.contains(&format!("| `{}` |", p.key)), "{} is not in docs/booklet.md", p.key);
    }
}
