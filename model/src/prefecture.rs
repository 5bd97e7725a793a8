//! The 47 prefectures, keyed by their JIS X 0401 code.

/// A prefecture by JIS X 0401 code (1 = 北海道 … 47 = 沖縄県).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Prefecture(u8);

/// Official names, index = code - 1.
const NAMES: [&str; 47] = [
    "北海道",
    "青森県",
    "岩手県",
    "宮城県",
    "秋田県",
    "山形県",
    "福島県",
    "茨城県",
    "栃木県",
    "群馬県",
    "埼玉県",
    "千葉県",
    "東京都",
    "神奈川県",
    "新潟県",
    "富山県",
    "石川県",
    "福井県",
    "山梨県",
    "長野県",
    "岐阜県",
    "静岡県",
    "愛知県",
    "三重県",
    "滋賀県",
    "京都府",
    "大阪府",
    "兵庫県",
    "奈良県",
    "和歌山県",
    "鳥取県",
    "島根県",
    "岡山県",
    "広島県",
    "山口県",
    "徳島県",
    "香川県",
    "愛媛県",
    "高知県",
    "福岡県",
    "佐賀県",
    "長崎県",
    "熊本県",
    "大分県",
    "宮崎県",
    "鹿児島県",
    "沖縄県",
];

const ENGLISH: [&str; 47] = [
    "Hokkaido",
    "Aomori",
    "Iwate",
    "Miyagi",
    "Akita",
    "Yamagata",
    "Fukushima",
    "Ibaraki",
    "Tochigi",
    "Gunma",
    "Saitama",
    "Chiba",
    "Tokyo",
    "Kanagawa",
    "Niigata",
    "Toyama",
    "Ishikawa",
    "Fukui",
    "Yamanashi",
    "Nagano",
    "Gifu",
    "Shizuoka",
    "Aichi",
    "Mie",
    "Shiga",
    "Kyoto",
    "Osaka",
    "Hyogo",
    "Nara",
    "Wakayama",
    "Tottori",
    "Shimane",
    "Okayama",
    "Hiroshima",
    "Yamaguchi",
    "Tokushima",
    "Kagawa",
    "Ehime",
    "Kochi",
    "Fukuoka",
    "Saga",
    "Nagasaki",
    "Kumamoto",
    "Oita",
    "Miyazaki",
    "Kagoshima",
    "Okinawa",
];

impl Prefecture {
    /// All 47, in code order.
    pub fn all() -> impl Iterator<Item = Prefecture> {
        (1..=47).map(Prefecture)
    }

    /// From a JIS code 1..=47.
    pub fn from_code(code: u32) -> Option<Self> {
        (1..=47).contains(&code).then_some(Prefecture(code as u8))
    }

    /// The JIS code as a number.
    pub fn code(self) -> u8 {
        self.0
    }

    /// The JIS code zero-padded to two digits ("01").
    pub fn code_str(self) -> String {
        format!("{:02}", self.0)
    }

    /// The official name ("東京都").
    pub fn name(self) -> &'static str {
        NAMES[usize::from(self.0) - 1]
    }

    /// The name without 都/府/県 ("東京"); 北海道 stays whole.
    /// The 地方区分 (8 regions) used for survey segments.
    pub fn region(self) -> &'static str {
        match self.0 {
            1 => "北海道",
            2..=7 => "東北",
            8..=14 => "関東",
            15..=23 => "中部",
            24..=30 => "近畿",
            31..=35 => "中国",
            36..=39 => "四国",
            _ => "九州・沖縄",
        }
    }

    pub fn short_name(self) -> &'static str {
        let n = self.name();
        if n == "北海道" {
            return n;
        }
        n.strip_suffix(['都', '府', '県']).unwrap_or(n)
    }

    /// Romanised name.
    pub fn english(self) -> &'static str {
        ENGLISH[usize::from(self.0) - 1]
    }

    /// Parses a normalised (NFKC, trimmed) value: a code ("13", "1", "01"),
    /// an official name ("東京都"), a short name ("東京") or an English name.
    pub fn parse(value: &str) -> Option<Self> {
        let v = value.trim();
        if v.is_empty() {
            return None;
        }
        if v.bytes().all(|b| b.is_ascii_digit()) {
            return v.parse::<u32>().ok().and_then(Self::from_code);
        }
        Self::all().find(|p| p.name() == v || p.short_name() == v || p.english().eq_ignore_ascii_case(v))
    }
}

/// The 8 regions in their usual order.
pub const REGIONS: [&str; 8] = ["北海道", "東北", "関東", "中部", "近畿", "中国", "四国", "九州・沖縄"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_cover_every_prefecture_in_order() {
        let all: Vec<&str> = Prefecture::all().map(Prefecture::region).collect();
        assert_eq!(all.len(), 47);
        assert_eq!(all[0], "北海道");
        assert_eq!(all[12], "関東"); // 東京都
        assert_eq!(all[22], "中部"); // 愛知県
        assert_eq!(all[46], "九州・沖縄");
        let mut order: Vec<&str> = all.clone();
        order.dedup();
        assert_eq!(order, REGIONS);
    }

    #[test]
    fn codes_names_and_short_names_parse() {
        assert_eq!(Prefecture::parse("13").map(Prefecture::name), Some("東京都"));
        assert_eq!(Prefecture::parse("1").map(Prefecture::name), Some("北海道"));
        assert_eq!(Prefecture::parse("01").map(Prefecture::name), Some("北海道"));
        assert_eq!(Prefecture::parse("東京").map(Prefecture::code), Some(13));
        assert_eq!(Prefecture::parse("京都").map(Prefecture::code), Some(26));
        assert_eq!(Prefecture::parse("京都府").map(Prefecture::code), Some(26));
        assert_eq!(Prefecture::parse("osaka").map(Prefecture::code), Some(27));
        assert_eq!(Prefecture::parse("47").map(Prefecture::name), Some("沖縄県"));
    }

    #[test]
    fn code_48_and_zero_are_rejected() {
        assert_eq!(Prefecture::parse("48"), None);
        assert_eq!(Prefecture::parse("0"), None);
        assert_eq!(Prefecture::parse("00"), None);
        assert_eq!(Prefecture::parse(""), None);
        assert_eq!(Prefecture::parse("東京市"), None);
    }
}
