//! Japanese eras (元号) with the days they began and ended, for 和暦 dates.

use chrono::NaiveDate;

/// One era: names, first day and last day (inclusive; `None` for the current era).
#[derive(Debug, Clone, Copy)]
pub struct Era {
    pub name: &'static str,
    /// Initial used in abbreviations such as `R7.4.1` or `H31.4.30`.
    pub initial: char,
    pub first_day: (i32, u32, u32),
    pub last_day: Option<(i32, u32, u32)>,
}

/// Eras from 明治 to 令和, oldest first.
pub const ERAS: [Era; 5] = [
    Era { name: "明治", initial: 'M', first_day: (1868, 10, 23), last_day: Some((1912, 7, 29)) },
    Era { name: "大正", initial: 'T', first_day: (1912, 7, 30), last_day: Some((1926, 12, 24)) },
    Era { name: "昭和", initial: 'S', first_day: (1926, 12, 25), last_day: Some((1989, 1, 7)) },
    Era { name: "平成", initial: 'H', first_day: (1989, 1, 8), last_day: Some((2019, 4, 30)) },
    Era { name: "令和", initial: 'R', first_day: (2019, 5, 1), last_day: None },
];

impl Era {
    /// Finds an era by its name (平成) or its initial (H, case-insensitive).
    pub fn lookup(name: &str) -> Option<&'static Era> {
        ERAS.iter().find(|e| {
            e.name == name || (name.chars().count() == 1 && name.chars().all(|c| c.eq_ignore_ascii_case(&e.initial)))
        })
    }

    pub fn first(&self) -> NaiveDate {
        ymd(self.first_day)
    }

    pub fn last(&self) -> Option<NaiveDate> {
        self.last_day.map(ymd)
    }

    /// The 西暦 year of era year `n` (元年 = 1).
    pub fn gregorian_year(&self, n: u32) -> i32 {
        self.first_day.0 + n as i32 - 1
    }

    /// The era a date belongs to.
    pub fn of(date: NaiveDate) -> Option<&'static Era> {
        ERAS.iter().rev().find(|e| date >= e.first())
    }

    /// Formats a date as 和暦 (`令和7年4月1日`; the first year is 元年).
    pub fn format(date: NaiveDate) -> Option<String> {
        use chrono::Datelike;
        let era = Self::of(date)?;
        let n = date.year() - era.first_day.0 + 1;
        let year = if n == 1 { "元".to_string() } else { n.to_string() };
        Some(format!("{}{}年{}月{}日", era.name, year, date.month(), date.day()))
    }
}

fn ymd((y, m, d): (i32, u32, u32)) -> NaiveDate {
    // The table above holds valid dates only; a unit test checks each one.
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_era_boundary_is_a_real_date_and_eras_touch() {
        for pair in ERAS.windows(2) {
            let last = pair[0].last().expect("closed era");
            assert_ne!(last, NaiveDate::MIN);
            assert_eq!(last.succ_opt(), Some(pair[1].first()));
        }
    }

    #[test]
    fn formats_gannen_and_ordinary_years() {
        let d = NaiveDate::from_ymd_opt(2019, 5, 1).expect("date");
        assert_eq!(Era::format(d).as_deref(), Some("令和元年5月1日"));
        let d = NaiveDate::from_ymd_opt(2025, 4, 1).expect("date");
        assert_eq!(Era::format(d).as_deref(), Some("令和7年4月1日"));
        let d = NaiveDate::from_ymd_opt(2019, 4, 30).expect("date");
        assert_eq!(Era::format(d).as_deref(), Some("平成31年4月30日"));
    }

    #[test]
    fn lookup_by_name_or_initial() {
        assert_eq!(Era::lookup("H").map(|e| e.name), Some("平成"));
        assert_eq!(Era::lookup("r").map(|e| e.name), Some("令和"));
        assert_eq!(Era::lookup("昭和").map(|e| e.initial), Some('S'));
        assert!(Era::lookup("X").is_none());
    }
}
