//! Normalisers: text (NFKC), dates (西暦, 和暦, Excel serials), years, integers,
//! prefectures and area codes. Each returns the normalised value or a
//! [`Problem`] that says, in Japanese and English, what is wrong.

use std::borrow::Cow;

use chrono::{Datelike, NaiveDate};
use model::prefecture::Prefecture;
use unicode_normalization::UnicodeNormalization;

/// Why a value was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub ja: String,
    pub en: String,
}

impl Problem {
    pub fn new(ja: impl Into<String>, en: impl Into<String>) -> Self {
        Problem { ja: ja.into(), en: en.into() }
    }
}

pub type Norm<T> = std::result::Result<T, Problem>;

/// NFKC plus trimming, with the dash and wave-dash variants offices mix up
/// (〜 U+301C, ～ U+FF5E, − U+2212, ‐ U+2010 …) folded where NFKC leaves them.
/// ASCII input is returned as is (trimmed), which is the fast path for most cells.
pub fn text(raw: &str) -> Cow<'_, str> {
    let t = raw.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}');
    if t.is_ascii() {
        return Cow::Borrowed(t);
    }
    let s: String = t
        .nfkc()
        .map(|c| match c {
            '\u{301C}' | '\u{FF5E}' => '~',
            '\u{2212}' | '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{FE63}' => '-',
            c => c,
        })
        .collect();
    let trimmed = s.trim();
    if trimmed.len() == s.len() { Cow::Owned(s) } else { Cow::Owned(trimmed.to_string()) }
}

/// Whether a normalised cell counts as empty (blank, or the usual placeholders).
pub fn is_blank(v: &str) -> bool {
    v.is_empty() || matches!(v, "-" | "--" | "―" | "ー" | "なし" | "NULL" | "null" | "N/A")
}

/// [`is_blank`] on a raw cell, without normalising it (this runs for every cell).
pub fn is_blank_raw(raw: &str) -> bool {
    let t = raw.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}');
    is_blank(t) || matches!(t, "－" | "‐" | "ｰ" | "－－" | "ＮＵＬＬ" | "Ｎ/Ａ" | "Ｎ／Ａ")
}

/// Parses a date written as 西暦 (`2025-04-01`, `2025/4/1`, `2025年4月1日`, `20250401`),
/// 和暦 (`令和7年4月1日`, `R7.4.1`, `令和元年5月1日`, full-width digits) or an Excel
/// serial number, after NFKC: [`model::dates::parse`]. Impossible dates are refused.
pub fn date(raw: &str) -> Norm<NaiveDate> {
    model::dates::parse(&text(raw)).map_err(|e| Problem::new(e.ja, e.en))
}

/// A year: `1975`, `昭和50`, `昭和50年`, `S50`, `平成元年`.
pub fn year(raw: &str) -> Norm<i32> {
    let v = text(raw);
    let v = v.trim_end_matches('年');
    if v.len() == 4 && v.bytes().all(|b| b.is_ascii_digit()) {
        let y: i32 = v.parse().unwrap_or(0);
        return if (1880..=2100).contains(&y) {
            Ok(y)
        } else {
            Err(Problem::new(format!("年 '{v}' は範囲外です"), format!("year '{v}' is out of range")))
        };
    }
    let bad = || Problem::new(format!("'{v}' は年として読めません (例: 1975, 昭和50)"), format!("'{v}' is not a year"));
    let (era, rest) = model::dates::split_era(v).ok_or_else(bad)?;
    let n = if rest == "元" { 1 } else { rest.parse::<u32>().map_err(|_| bad())? };
    let y = era.gregorian_year(n);
    let last_year = era.last().map_or(i32::MAX, |d| d.year());
    if n == 0 || y > last_year {
        return Err(Problem::new(
            format!("'{v}' は存在しない和暦の年です"),
            format!("'{v}' is not a year of the {} era", era.name),
        ));
    }
    Ok(y)
}

/// A fiscal year: `2024`, `2024年度`, `令和6年度`, `R6`.
pub fn fiscal_year(raw: &str) -> Norm<i32> {
    let v = text(raw);
    year(v.trim_end_matches("年度"))
}

/// A non-negative integer: `1234`, `1,234`, `１，２３４`, `1234.0`.
pub fn count(raw: &str) -> Norm<i64> {
    let v = text(raw);
    let cleaned: String = v.chars().filter(|&c| c != ',').collect();
    let cleaned = cleaned.strip_suffix(".0").unwrap_or(&cleaned);
    match cleaned.parse::<i64>() {
        Ok(n) if n >= 0 => Ok(n),
        Ok(_) => Err(Problem::new(format!("'{v}' は負の数です"), format!("'{v}' is negative"))),
        Err(_) => Err(Problem::new(format!("'{v}' は整数として読めません"), format!("'{v}' is not a whole number"))),
    }
}

/// A month (年月), as the first day of it: `2022/04`, `2022-4`, `2022年4月`, `令和4年4月`,
/// `R4.4`, `202204`, or any full date (its month).
pub fn year_month(raw: &str) -> Norm<NaiveDate> {
    let v = text(raw);
    let v = v.trim();
    let candidate = if v.ends_with('月') {
        format!("{v}1日")
    } else if v.len() == 6 && v.bytes().all(|b| b.is_ascii_digit()) {
        format!("{v}01")
    } else {
        let sep = ['/', '-', '.'].into_iter().find(|c| v.contains(*c));
        match sep {
            Some(sep) if v.split(sep).count() == 2 => format!("{v}{sep}1"),
            _ => v.to_string(),
        }
    };
    date(&candidate).map(|d| d.with_day(1).unwrap_or(d)).map_err(|_| {
        Problem::new(
            format!("'{v}' は年月として読めません (例: 2022/04, 2022年4月, 令和4年4月)"),
            format!("'{v}' is not a month (e.g. 2022/04, 2022年4月, R4.4)"),
        )
    })
}

/// Periods of months, `;`- or 、-separated, each `年月〜年月` (no end: continuing):
/// `2020/07〜2023/03; 2023/04〜`, `令和2年7月～令和5年3月`. Stored as
/// [`Period::join`](model::renewal::jsmo::Period::join) writes them.
pub fn periods(raw: &str) -> Norm<String> {
    use model::renewal::jsmo::Period;
    let v = text(raw);
    let mut out = Vec::new();
    for part in v.split([';', '、', '\n']).map(str::trim).filter(|p| !p.is_empty()) {
        let Some((a, b)) = part.split_once(['~', '〜', '～']).or_else(|| part.split_once("から")) else {
            return Err(Problem::new(
                format!("「{part}」は期間として読めません (例: 2020/07〜2023/03、終わりのない期間は 2023/04〜)"),
                format!("「{part}」 is not a period (e.g. 2020/07~2023/03; open: 2023/04~)"),
            ));
        };
        let from = year_month(a)?;
        let to = match b.trim().trim_end_matches("まで").trim() {
            "" | "現在" => None,
            b => Some(year_month(b)?),
        };
        if to.is_some_and(|t| t < from) {
            return Err(Problem::new(
                format!("「{part}」は終わりが始まりより前です"),
                format!("「{part}」 ends before it starts"),
            ));
        }
        out.push(Period { from, to });
    }
    Ok(Period::join(&out))
}

/// A yes/no cell as offices mark it: 登録中, 登録済, 済, あり, 有, ○, ✓, 1, yes → true;
/// 未登録, 未, 無, ×, 0, no → false. (Empty and なし are blank: false.)
pub fn flag(raw: &str) -> Norm<bool> {
    let v = text(raw);
    let l = v.to_lowercase();
    match l.as_str() {
        "登録中" | "登録済" | "登録済み" | "済" | "済み" | "あり" | "有" | "有り" | "○" | "〇" | "◯" | "✓" | "✔"
        | "レ" | "1" | "yes" | "y" | "true" | "はい" | "提出済" => Ok(true),
        "未登録" | "未" | "無" | "無し" | "×" | "✕" | "0" | "no" | "n" | "false" | "いいえ" | "未提出" => {
            Ok(false)
        }
        _ => Err(Problem::new(
            format!("'{v}' は はい/いいえ として読めません (例: 登録中, 未登録, あり, ○, 1, 0)"),
            format!("'{v}' is not a yes/no value (e.g. 登録中, 未登録, あり, ○, 1, 0)"),
        )),
    }
}

/// A decimal number (e.g. an area in km²).
pub fn decimal(raw: &str) -> Norm<f64> {
    let v = text(raw);
    let cleaned: String = v.chars().filter(|&c| c != ',').collect();
    cleaned
        .parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .ok_or_else(|| Problem::new(format!("'{v}' は数値として読めません"), format!("'{v}' is not a number")))
}

/// A prefecture from a name or JIS X 0401 code.
pub fn prefecture(raw: &str) -> Norm<Prefecture> {
    let v = text(raw);
    Prefecture::parse(&v).ok_or_else(|| {
        if v.bytes().all(|b| b.is_ascii_digit()) {
            Problem::new(
                format!("都道府県コード '{v}' は存在しません (01–47)"),
                format!("prefecture code '{v}' does not exist (01–47)"),
            )
        } else {
            Problem::new(format!("都道府県 '{v}' が分かりません"), format!("unknown prefecture '{v}'"))
        }
    })
}

/// A 構想区域 code: 4 digits whose first two are a prefecture code. Excel's dropped
/// leading zero is restored (`101` → `0101`).
pub fn area_code(raw: &str) -> Norm<String> {
    let v = text(raw);
    let bad = || {
        Problem::new(
            format!("構想区域コード '{v}' は 4 桁の数字ではありません"),
            format!("area code '{v}' is not 4 digits"),
        )
    };
    if v.is_empty() || v.len() > 4 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let code = format!("{:0>4}", v);
    let pref: u32 = code[..2].parse().map_err(|_| bad())?;
    if Prefecture::from_code(pref).is_none() {
        return Err(Problem::new(
            format!("構想区域コード '{code}' の上 2 桁 {pref:02} は都道府県コードではありません"),
            format!("area code '{code}' does not start with a prefecture code"),
        ));
    }
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).expect("test date")
    }

    #[test]
    fn seireki_forms() {
        for s in [
            "2025-04-01",
            "2025/4/1",
            "2025年4月1日",
            "２０２５／０４／０１",
            "20250401",
            "2025/4/1 0:00:00",
            "2025.4.1",
        ] {
            assert_eq!(date(s), Ok(d(2025, 4, 1)), "{s}");
        }
        assert!(date("2023-02-29").is_err());
        assert!(date("2024-02-29").is_ok());
        assert!(date("2025-13-01").is_err());
    }

    #[test]
    fn wareki_forms_and_gannen() {
        assert_eq!(date("令和7年4月1日"), Ok(d(2025, 4, 1)));
        assert_eq!(date("R7.4.1"), Ok(d(2025, 4, 1)));
        assert_eq!(date("r07/04/01"), Ok(d(2025, 4, 1)));
        assert_eq!(date("令和元年5月1日"), Ok(d(2019, 5, 1)));
        assert_eq!(date("令和１年５月１日"), Ok(d(2019, 5, 1)));
        assert_eq!(date("平成31年4月30日"), Ok(d(2019, 4, 30)));
        assert_eq!(date("平成元年1月8日"), Ok(d(1989, 1, 8)));
        assert_eq!(date("昭和64年1月7日"), Ok(d(1989, 1, 7)));
        assert_eq!(date("H1.1.8"), Ok(d(1989, 1, 8)));
    }

    #[test]
    fn impossible_wareki_dates_are_refused() {
        let e = date("平成31年5月1日").expect_err("after Heisei");
        assert!(e.ja.contains("存在しない和暦"), "{e:?}");
        assert!(date("昭和64年1月8日").is_err());
        assert!(date("令和元年4月30日").is_err());
        assert!(date("平成元年1月7日").is_err());
        assert!(date("令和0年5月1日").is_err());
    }

    #[test]
    fn excel_serials_including_the_1900_leap_bug() {
        assert_eq!(date("45748"), Ok(d(2025, 4, 1)));
        assert_eq!(date("45748.5"), Ok(d(2025, 4, 1)));
        assert_eq!(date("59"), Ok(d(1900, 2, 28)));
        assert_eq!(date("61"), Ok(d(1900, 3, 1)));
        assert!(date("60").expect_err("serial 60").ja.contains("1900年2月29日"));
    }

    #[test]
    fn two_digit_years_are_ambiguous() {
        assert!(date("25/4/1").expect_err("two digits").en.contains("two-digit"));
        assert!(date("99-12-31").is_err());
    }

    #[test]
    fn years_and_fiscal_years() {
        assert_eq!(year("1975"), Ok(1975));
        assert_eq!(year("昭和50年"), Ok(1975));
        assert_eq!(year("S50"), Ok(1975));
        assert_eq!(year("平成元年"), Ok(1989));
        assert!(year("昭和65").is_err());
        assert_eq!(fiscal_year("令和6年度"), Ok(2024));
        assert_eq!(fiscal_year("2024年度"), Ok(2024));
        assert_eq!(fiscal_year("R6"), Ok(2024));
    }

    #[test]
    fn counts_with_commas_and_full_width_digits() {
        assert_eq!(count("1,234"), Ok(1234));
        assert_eq!(count("１，２３４"), Ok(1234));
        assert_eq!(count("１２３４"), Ok(1234));
        assert_eq!(count("12.0"), Ok(12));
        assert!(count("12.5").is_err());
        assert!(count("-3").is_err());
        assert!(count("abc").is_err());
    }

    #[test]
    fn blank_raw_agrees_with_blank_after_normalisation() {
        for v in [
            "",
            "  ",
            "\u{3000}",
            "-",
            "－",
            "―",
            "ー",
            "ｰ",
            "なし",
            "NULL",
            "ＮＵＬＬ",
            "N/A",
            "x",
            "正会員",
            "0",
            "－１",
        ] {
            assert_eq!(is_blank_raw(v), is_blank(&text(v)), "{v:?}");
        }
    }

    #[test]
    fn text_folds_width_kana_and_dashes() {
        assert_eq!(text("ｶﾞﾝｾﾝﾀｰ"), "ガンセンター");
        assert_eq!(text("　正会員　"), "正会員");
        assert_eq!(text("〜29歳"), "~29歳");
        assert_eq!(text("～29歳"), "~29歳");
        assert_eq!(text("１０−２０"), "10-20");
        assert_eq!(text("１０－２０"), "10-20");
        assert_eq!(text("ＡＢＣ"), "ABC");
    }

    #[test]
    fn prefectures_and_area_codes() {
        assert_eq!(prefecture("1").map(|p| p.code()), Ok(1));
        assert_eq!(prefecture("01").map(|p| p.code()), Ok(1));
        assert_eq!(prefecture("１３").map(|p| p.code()), Ok(13));
        assert!(prefecture("48").expect_err("48").ja.contains("01–47"));
        assert_eq!(area_code("101"), Ok("0101".to_string()));
        assert_eq!(area_code("1301"), Ok("1301".to_string()));
        assert!(area_code("4801").is_err());
        assert!(area_code("12345").is_err());
    }

    #[test]
    fn periods_in_the_forms_offices_write() {
        assert_eq!(periods("2020/07〜2023/03; 2023/04〜").as_deref(), Ok("2020-07~2023-03;2023-04~"));
        assert_eq!(periods("令和2年7月～令和5年3月、2023年4月から現在").as_deref(), Ok("2020-07~2023-03;2023-04~"));
        assert!(periods("2023/04〜2020/07").is_err_and(|p| p.ja.contains("終わりが始まりより前")));
        assert!(periods("2020/07").is_err_and(|p| p.ja.contains("期間として読めません")));
        assert!(periods("2020/13〜").is_err());
    }

    #[test]
    fn year_months_in_the_forms_offices_write() {
        let apr = NaiveDate::from_ymd_opt(2022, 4, 1).expect("d");
        for raw in ["2022/04", "2022-4", "2022年4月", "令和4年4月", "R4.4", "202204", "2022/4/15", "２０２２／０４"]
        {
            assert_eq!(year_month(raw), Ok(apr), "{raw}");
        }
        for bad in ["2022/13", "4月", "abc"] {
            assert!(year_month(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn flags() {
        for raw in ["登録中", "○", "1", "Yes", "あり"] {
            assert_eq!(flag(raw), Ok(true), "{raw}");
        }
        for raw in ["未登録", "×", "0", "無し"] {
            assert_eq!(flag(raw), Ok(false), "{raw}");
        }
        assert!(flag("たぶん").is_err());
    }
}
