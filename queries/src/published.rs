//! The ministry's own figures about がん診療連携拠点病院等 (`data/reference/published/`, transcribed from
//! its committee documents), shown beside the computed ones: national totals by date and the
//! official 空白 count on がん医療圏. Built into the binary, so every page and pack has them.

/// One published row: a date (`2024-04-01` or a month `2024-04`) and the figures given for it,
/// as published (a cell may read `49+2 tokurei`: written out by [`ja`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub as_of: String,
    /// 拠点病院等の総数.
    pub kyoten_total: String,
    /// 地域がん診療病院.
    pub chiiki_gan_shinryo_byoin: String,
    /// 空白のがん医療圏.
    pub blank_gan_iryoken: String,
    /// がん医療圏の数.
    pub n_gan_iryoken: String,
    /// The sources (`S5;S1`: rows of `published/SOURCES.txt`).
    pub sources: String,
}

const NATIONAL_TOTALS: &str = include_str!("../../data/reference/published/national_totals.csv");

/// The ministry's national figures, oldest first.
pub fn national_totals() -> Vec<Published> {
    let mut lines = NATIONAL_TOTALS.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name);
    let (as_of, total, chiiki, blank, areas, src) = (
        col("as_of"),
        col("kyoten_total"),
        col("chiiki_gan_shinryo_byoin"),
        col("blank_gan_iryoken"),
        col("n_gan_iryoken"),
        col("source_id"),
    );
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            let get = |i: Option<usize>| i.and_then(|i| cells.get(i)).map_or(String::new(), |s| s.trim().to_string());
            Published {
                as_of: get(as_of),
                kyoten_total: get(total),
                chiiki_gan_shinryo_byoin: get(chiiki),
                blank_gan_iryoken: get(blank),
                n_gan_iryoken: get(areas),
                sources: get(src),
            }
        })
        .collect()
}

/// The latest official 空白 count: (date, 空白のがん医療圏, がん医療圏).
pub fn official_blank() -> Option<(String, String, String)> {
    national_totals()
        .into_iter()
        .rev()
        .find(|p| !p.blank_gan_iryoken.is_empty() && !p.n_gan_iryoken.is_empty())
        .map(|p| (p.as_of, p.blank_gan_iryoken, p.n_gan_iryoken))
}

/// A published cell in Japanese: the transcription's English notes written out.
pub fn ja(cell: &str) -> String {
    cell.replace(" (incl. tokutei)", "（特定領域を含む）")
        .replace(" (incl. NCC/kodo)", "（国立がん研究センター・高度型を含む）")
        .replace(" tokurei", "（特例型）")
        .replace("tokurei", "特例型")
}

/// A published date in Japanese: 「2024年4月」 or 「2024年4月1日」.
pub fn date_ja(as_of: &str) -> String {
    let parts: Vec<&str> = as_of.split('-').collect();
    let n = |i: usize| parts.get(i).and_then(|p| p.parse::<u32>().ok());
    match (n(0), n(1), n(2)) {
        (Some(y), Some(m), Some(d)) => format!("{y}年{m}月{d}日"),
        (Some(y), Some(m), None) => format!("{y}年{m}月"),
        _ => as_of.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_official_blank_count_of_april_2024_is_56_of_336() {
        assert_eq!(official_blank(), Some(("2024-04".to_string(), "56".to_string(), "336".to_string())));
        let rows = national_totals();
        assert!(rows.len() >= 8);
        assert_eq!(rows[0].as_of, "2009-04-01");
        assert_eq!(ja("49+2 tokurei"), "49+2（特例型）");
        assert_eq!(ja("400 (incl. tokutei)"), "400（特定領域を含む）");
        assert_eq!(date_ja("2024-04"), "2024年4月");
        assert_eq!(date_ja("2020-04-01"), "2020年4月1日");
    }
}

/// What the ministry's 空白 count says beside ours, in Japanese (after 「厚生労働省公表値: 56 / 336
/// がん医療圏（2024年4月）」): whether ours is counted on がん医療圏 too, on the same date, and, when
/// it is and the data are not sample, whether the two agree — said visibly when they do not.
pub fn beside_ours(ours: &OurBlank<'_>) -> String {
    let Some((on, official, areas)) = official_blank() else { return String::new() };
    let sample = if ours.sample {
        "表示中の計算値はサンプルデータ（架空）によるもので、公表値と比べられません。"
    } else {
        ""
    };
    if !ours.grouped {
        return format!(
            "公表値は 2019 年度から がん医療圏 で数えています。計算値は 構想区域（{}）で数えているため一致しません（がん医療圏は 7 県で二次医療圏と異なります）。{sample}",
            ours.set
        );
    }
    let mut s = format!("計算値も がん医療圏（{}）で数えています。", ours.set);
    if !on.starts_with(&ours.as_of.format("%Y-%m").to_string()) {
        s.push_str(&format!("公表値とは時点が違います（計算値は {}）。", ours.as_of));
        s.push_str(sample);
        return s;
    }
    if ours.sample {
        s.push_str(sample);
    } else if (ours.blank.to_string(), ours.areas.to_string()) == (official.clone(), areas.clone()) {
        s.push_str("読み込んだ指定から数えた空白は公表値と一致します。");
    } else {
        s.push_str(&format!(
            "読み込んだ指定から数えた空白 {} / {} は公表値 {official} / {areas} と異なります。指定の一覧と がん医療圏 の定義（区域の注記に確からしさを示しています）を確かめてください。",
            ours.blank, ours.areas
        ));
    }
    s
}

/// Our 空白 count, as [`beside_ours`] compares it with the ministry's.
#[derive(Debug, Clone)]
pub struct OurBlank<'a> {
    pub as_of: chrono::NaiveDate,
    /// The area set it is counted on, and whether its areas are made of others (がん医療圏).
    pub set: &'a str,
    pub grouped: bool,
    pub blank: i64,
    pub areas: i64,
    pub sample: bool,
}

#[cfg(test)]
mod beside_tests {
    use super::*;
    use chrono::Datelike;

    #[test]
    fn a_different_count_on_the_same_set_and_date_is_said_and_an_equal_one_too() {
        let d = chrono::NaiveDate::from_ymd_opt(2024, 4, 1).expect("date");
        let ours =
            |blank, grouped, sample| OurBlank {
                as_of: d, set: "がん医療圏2024", grouped, blank, areas: 336, sample
            };
        assert!(beside_ours(&ours(56, true, false)).contains("一致します"));
        let differs = beside_ours(&ours(57, true, false));
        assert!(differs.contains("57 / 336 は公表値 56 / 336 と異なります"), "{differs}");
        assert!(beside_ours(&ours(57, true, true)).contains("サンプル"));
        assert!(beside_ours(&ours(57, false, false)).contains("構想区域"));
        let later = OurBlank { as_of: d.with_year(2025).expect("date"), ..ours(57, true, false) };
        assert!(beside_ours(&later).contains("時点が違います"));
    }
}
