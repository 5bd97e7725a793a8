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
