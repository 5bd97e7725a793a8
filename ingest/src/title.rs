//! What stands above a header: which of a file's first rows is the header (the one naming
//! most of the dataset's columns), and the date a title row states (「令和7年3月31日現在」).

use std::collections::HashSet;
use std::path::Path;
use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;

use crate::error::{Error, Result};
use crate::headers::{HeaderMap, key};
use crate::spec::DatasetSpec;
use crate::table::Leading;

/// How many of `spec`'s columns the cells of one row name (Japanese name, English key, an
/// alias, or the user's mapping).
pub fn columns_named(spec: &DatasetSpec, cells: &[String], user: &HeaderMap) -> usize {
    let named: HashSet<String> = cells.iter().filter(|c| !c.trim().is_empty()).map(|c| user.resolve(c)).collect();
    spec.columns
        .iter()
        .filter(|c| [c.ja, c.key].iter().chain(c.aliases.iter()).any(|n| named.contains(&key(n))))
        .count()
}

/// The header among a file's leading rows: the row naming most columns of any of `specs`.
/// A row naming none keeps the first row (the missing-columns error then says what is
/// missing); two different rows naming as many are an error showing both — never a guess (the
/// same header repeated, as a list repeats it per section, is one).
pub fn header_row(path: &Path, specs: &[&DatasetSpec], leading: &Leading, user: &HeaderMap) -> Result<usize> {
    let scores: Vec<usize> = leading
        .iter()
        .map(|(_, cells)| specs.iter().map(|s| columns_named(s, cells, user)).max().unwrap_or(0))
        .collect();
    let best = scores.iter().copied().max().unwrap_or(0);
    if best == 0 {
        return Ok(0);
    }
    let rows: Vec<usize> = (0..scores.len()).filter(|&i| scores[i] == best).collect();
    // The same header again (a list repeats it under each section) is not a second candidate.
    let same = |i: usize| leading[i].1.iter().map(|c| key(c)).collect::<Vec<_>>();
    let rows: Vec<usize> = if rows.iter().all(|&i| same(i) == same(rows[0])) { rows[..1].to_vec() } else { rows };
    if let [a, b, ..] = rows[..] {
        let show = |i: usize| format!("{} 行目 ({})", leading[i].0, leading[i].1.join(", "));
        let show_en = |i: usize| format!("line {} ({})", leading[i].0, leading[i].1.join(", "));
        return Err(Error::file(
            path,
            format!(
                "見出しの行を決められません。{} と {} が同じだけ列名に合います。表題の行を消すか、見出しを 1 行にしてください",
                show(a),
                show(b)
            ),
            format!(
                "cannot tell the header row: {} and {} match as many column names; remove one",
                show_en(a),
                show_en(b)
            ),
        ));
    }
    Ok(rows[0])
}

/// The rows skipped above a header, as a note: 「1–2 行目は表題として読み飛ばしました」.
pub fn skipped_note(titles: &Leading) -> Option<String> {
    let (first, last) = (titles.first()?.0, titles.last()?.0);
    let lines = if first == last { format!("{first}") } else { format!("{first}–{last}") };
    Some(format!("{lines} 行目は表題として読み飛ばしました / line(s) {lines} skipped as title rows"))
}

/// A date written in a title: 和暦 or 西暦 with 年月日, or `2025/3/31`, `2025-03-31`.
static DATE_IN_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:(?:令和|平成|昭和)(?:\d{1,2}|元)|\d{4})年\d{1,2}月\d{1,2}日|\d{4}[/.-]\d{1,2}[/.-]\d{1,2}")
        .expect("a valid pattern (tested)")
});

/// The date the title rows state (「令和7年3月31日現在」, 「2025年3月31日時点」, 「基準日: 2025/3/31」), with
/// the text it was read from; `None` when they state none. Two different dates are an error.
pub fn title_date(path: &Path, titles: &Leading) -> Result<Option<(NaiveDate, String)>> {
    let mut found: Option<(NaiveDate, String, u64)> = None;
    for (line, cells) in titles {
        for cell in cells {
            let text = model::dates::fold_width(cell);
            for m in DATE_IN_TEXT.find_iter(&text) {
                let Ok(d) = model::dates::parse(m.as_str()) else { continue };
                match &found {
                    Some((prev, said, at)) if *prev != d => {
                        return Err(Error::file(
                            path,
                            format!(
                                "表題に日付が 2 つあります ({at} 行目「{said}」と {line} 行目「{}」)。--as-of で基準日を指定してください",
                                m.as_str()
                            ),
                            format!(
                                "the title rows state two dates ({said} on line {at}, {} on line {line}); give --as-of",
                                m.as_str()
                            ),
                        ));
                    }
                    Some(_) => {}
                    None => found = Some((d, cell.trim().to_string(), *line)),
                }
            }
        }
    }
    Ok(found.map(|(d, said, _)| (d, said)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(texts: &[&str]) -> Vec<(u64, Vec<String>)> {
        texts.iter().enumerate().map(|(i, t)| (i as u64 + 1, t.split(',').map(String::from).collect())).collect()
    }

    #[test]
    fn title_dates_in_the_forms_offices_write_them() {
        let p = Path::new("t.csv");
        for (title, want) in [
            ("令和7年3月31日現在", "2025-03-31"),
            ("2025年3月31日時点", "2025-03-31"),
            ("基準日: 2025/3/31", "2025-03-31"),
            ("会員名簿（令和元年5月1日）", "2019-05-01"),
            ("２０２５年３月３１日現在", "2025-03-31"),
        ] {
            let got = title_date(p, &rows(&["会員名簿", title])).expect("reads").map(|(d, _)| d.to_string());
            assert_eq!(got.as_deref(), Some(want), "{title}");
        }
        assert_eq!(title_date(p, &rows(&["会員名簿"])).expect("reads"), None);
        assert!(title_date(p, &rows(&["令和7年3月31日現在", "2024年3月31日"])).is_err(), "two dates");
        assert!(title_date(p, &rows(&["令和7年2月30日現在"])).expect("reads").is_none(), "no such day");
    }

    #[test]
    fn the_header_is_the_row_naming_most_columns_and_a_tie_is_an_error() {
        let p = Path::new("t.csv");
        let spec = crate::spec::dataset("members").expect("members");
        let user = HeaderMap::default();
        let lead =
            rows(&["会員名簿", "令和7年3月31日現在", "会員番号,会員種別,職種,入会日", "M1,正会員,医師,2020-04-01"]);
        assert_eq!(header_row(p, &[spec], &lead, &user).expect("one header"), 2);
        assert_eq!(header_row(p, &[spec], &rows(&["a,b", "1,2"]), &user).expect("none"), 0);
        let twice = rows(&["会員番号,職種", "会員番号,職種,入会日", "会員番号,職種", "M1,医師"]);
        assert_eq!(header_row(p, &[spec], &twice, &user).expect("the longest"), 1);
        let twice = rows(&["会員番号,職種", "職種,会員番号", "M1,医師"]);
        let e = header_row(p, &[spec], &twice, &user).expect_err("a tie").to_string();
        assert!(e.contains("1 行目") && e.contains("2 行目"), "{e}");
        assert_eq!(
            skipped_note(&lead[..2]).as_deref(),
            Some("1–2 行目は表題として読み飛ばしました / line(s) 1–2 skipped as title rows")
        );
    }
}
