//! The one date parser: 西暦, 和暦 and Excel serials, as users type and offices export
//! them. Ingest runs it after NFKC; the dashboard, the API and metric parameters run it
//! on what a user typed (full-width digits folded here).

use chrono::NaiveDate;

use crate::era::Era;

/// Why a text is not a date, in Japanese and English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateError {
    pub ja: String,
    pub en: String,
}

impl DateError {
    fn new(ja: impl Into<String>, en: impl Into<String>) -> Self {
        DateError { ja: ja.into(), en: en.into() }
    }
}

impl std::fmt::Display for DateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} / {}", self.ja, self.en)
    }
}

impl std::error::Error for DateError {}

/// Full-width ASCII (０-９, ／, －, Ａ …) and the ideographic space folded to ASCII, and the
/// dash variants (− ‐ ー) to `-`: what NFKC does to a typed date.
pub fn fold_width(s: &str) -> std::borrow::Cow<'_, str> {
    if s.is_ascii() {
        return std::borrow::Cow::Borrowed(s);
    }
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            '\u{2212}' | '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{FE63}' => '-',
            c => c,
        })
        .collect()
}

/// Parses a date written as 西暦 (`2025-04-01`, `2025/4/1`, `2025年4月1日`, `20250401`),
/// 和暦 (`令和7年4月1日`, `R7.4.1`, `令和元年5月1日`, full-width digits) or an Excel
/// serial number. Impossible dates are refused, never coerced.
pub fn parse(raw: &str) -> Result<NaiveDate, DateError> {
    let folded = fold_width(raw);
    let v = folded.trim();
    // Drop a time part that Excel exports add ("2025/4/1 0:00:00").
    let v = v.split_once(' ').map_or(v, |(d, t)| if t.contains(':') { d } else { v });
    if v.is_empty() {
        return Err(DateError::new("日付が空です", "the date is empty"));
    }
    if let Some(serial) = excel_serial(v) {
        return serial_date(serial, v);
    }
    if v.len() == 8 && v.bytes().all(|b| b.is_ascii_digit()) {
        let (y, m, d) = (num(&v[..4]), num(&v[4..6]), num(&v[6..]));
        return calendar(y as i32, m, d, v);
    }
    let first = v.chars().next().unwrap_or(' ');
    if first.is_ascii_digit() {
        let parts = split_date(v);
        return match parts.as_slice() {
            [y, m, d] if y.len() == 4 => calendar(num(y) as i32, num(m), num(d), v),
            [y, _, _] if y.len() <= 2 => Err(DateError::new(
                format!("年が 2 桁の日付「{v}」は曖昧です。西暦 4 桁か和暦 (令和7年4月1日) で書いてください"),
                format!("two-digit year in '{v}' is ambiguous; write a 4-digit year or a 和暦 date"),
            )),
            _ => Err(unreadable(v)),
        };
    }
    wareki(v)
}

fn unreadable(v: &str) -> DateError {
    DateError::new(
        format!("'{v}' は日付として読めません (例: 2025-04-01, 令和7年4月1日, R7.4.1)"),
        format!("'{v}' is not a date (e.g. 2025-04-01, 令和7年4月1日, R7.4.1)"),
    )
}

fn num(s: &str) -> u32 {
    s.parse().unwrap_or(u32::MAX)
}

/// Splits on / - . 年 月 日 and drops empty parts.
fn split_date(v: &str) -> Vec<&str> {
    v.split(['/', '-', '.', '年', '月', '日']).filter(|p| !p.is_empty()).collect()
}

fn calendar(y: i32, m: u32, d: u32, v: &str) -> Result<NaiveDate, DateError> {
    if !(1868..=2200).contains(&y) {
        return Err(DateError::new(
            format!("'{v}' の年 {y} は範囲外です"),
            format!("year {y} in '{v}' is out of range"),
        ));
    }
    NaiveDate::from_ymd_opt(y, m, d)
        .ok_or_else(|| DateError::new(format!("'{v}' は存在しない日付です"), format!("'{v}' is not a real date")))
}

/// An Excel serial: digits, optionally with a fractional time part, in a plausible range.
fn excel_serial(v: &str) -> Option<u32> {
    let int = v.split_once('.').map_or(v, |(i, f)| if f.bytes().all(|b| b.is_ascii_digit()) { i } else { "" });
    if int.is_empty() || int.len() > 6 || !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u32 = int.parse().ok()?;
    (1..=109_574).contains(&n).then_some(n) // up to 2199-12-31
}

fn serial_date(n: u32, v: &str) -> Result<NaiveDate, DateError> {
    // Excel's 1900 system counts the non-existent 1900-02-29 as serial 60.
    if n == 60 {
        return Err(DateError::new(
            format!("Excel のシリアル値 {v} は存在しない 1900年2月29日 です"),
            format!("Excel serial {v} is 1900-02-29, a day that does not exist"),
        ));
    }
    let base = NaiveDate::from_ymd_opt(1899, 12, if n < 60 { 31 } else { 30 }).unwrap_or(NaiveDate::MIN);
    base.checked_add_days(chrono::Days::new(u64::from(n))).ok_or_else(|| unreadable(v))
}

/// 和暦: an era name or initial, a year (or 元), then month and day.
fn wareki(v: &str) -> Result<NaiveDate, DateError> {
    let (era, rest) = split_era(v).ok_or_else(|| unreadable(v))?;
    let rest = rest.trim_start();
    let (year_str, rest) = if let Some(r) = rest.strip_prefix('元') {
        ("1", r)
    } else {
        let end = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        (&rest[..end], &rest[end..])
    };
    let parts = split_date(rest);
    let [m, d] = parts.as_slice() else {
        return Err(unreadable(v));
    };
    let n = num(year_str);
    if n == 0 || n == u32::MAX {
        return Err(unreadable(v));
    }
    let date = calendar(era.gregorian_year(n), num(m), num(d), v)?;
    if date < era.first() || era.last().is_some_and(|l| date > l) {
        let range = match era.last() {
            Some(l) => format!("{} – {}", era.first(), l),
            None => format!("{} –", era.first()),
        };
        return Err(DateError::new(
            format!("'{v}' は存在しない和暦の日付です ({} は {range})", era.name),
            format!("'{v}' does not exist: the {} era runs {range}", era.name),
        ));
    }
    Ok(date)
}

pub fn split_era(v: &str) -> Option<(&'static Era, &str)> {
    for era in &crate::era::ERAS {
        if let Some(rest) = v.strip_prefix(era.name) {
            return Some((era, rest));
        }
    }
    let mut chars = v.chars();
    let c = chars.next()?;
    if c.is_ascii_alphabetic() {
        let rest = chars.as_str();
        let era = Era::lookup(&c.to_string())?;
        return Some((era, rest));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn what_users_type_in_a_date_field() {
        for s in [
            "2025-03-31",
            "2025/3/31",
            "２０２５－０３－３１",
            "令和7年3月31日",
            "R7.3.31",
            "20250331",
            "　2025年3月31日 ",
        ] {
            assert_eq!(parse(s), Ok(ymd(2025, 3, 31)), "{s}");
        }
        assert!(parse("2025-02-30").is_err_and(|e| e.ja.contains("存在しない")));
        assert!(parse("令和0年1月1日").is_err());
        assert!(parse("明日").is_err_and(|e| e.ja.contains("日付として読めません")));
    }
}
