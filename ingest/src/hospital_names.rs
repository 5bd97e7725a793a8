//! Hospital names as lists write them, matched to the hospital master within a prefecture
//! ([designations-real]): the ministry's 一覧表 writes 「金沢医療センター」 where the master
//! has 「独立行政法人国立病院機構金沢医療センター」, 「厚生連高岡病院」 for 「富山県厚生農業協同組合連合会高岡病院」.
//!
//! A name is compared by its [`NameKey`]: NFKC, no spaces, 異体字 folded (髙→高, 﨑→崎 …), bracketed
//! notes dropped (a 地域がん診療病院's partner, 「(地域がん診療病院)」), and its 法人格 (the operating body:
//! 独立行政法人国立病院機構, 国立大学法人, 日本赤十字社, 医療法人○○会 …) set apart. Two names match when
//! their cores are equal and neither names a body the other contradicts. Nothing is guessed: no
//! match or several are answered as such, with the closest names for the user to choose from.

use std::sync::LazyLock;

use regex::Regex;

/// 異体字 and 旧字体 that hospital names are written with either way.
const VARIANTS: &[(char, char)] = &[
    ('髙', '高'),
    ('﨑', '崎'),
    ('嵜', '崎'),
    ('德', '徳'),
    ('濵', '浜'),
    ('濱', '浜'),
    ('邊', '辺'),
    ('邉', '辺'),
    ('會', '会'),
    ('國', '国'),
    ('醫', '医'),
    ('學', '学'),
    ('舘', '館'),
    ('ヶ', 'ケ'),
    ('ｹ', 'ケ'),
];

/// Operating bodies written before a hospital's own name, longest first where one contains
/// another; `(pattern, canonical body)`. A body with a name of its own (医療法人○○会) keeps it.
static BODIES: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        (r"^独立行政法人国立病院機構|^国立病院機構|^NHO", "国立病院機構"),
        (r"^独立行政法人労働者健康安全機構|^労働者健康安全機構", "労働者健康安全機構"),
        (r"^独立行政法人地域医療機能推進機構|^地域医療機能推進機構|^JCHO", "地域医療機能推進機構"),
        (r"^国立研究開発法人", "国立研究開発法人"),
        (r"^国立大学法人", "国立大学法人"),
        (r"^地方独立行政法人.*?(?:機構|法人)", "地方独立行政法人"),
        (r"^公立大学法人.*?大学", "公立大学法人"),
        (r"^学校法人.*?(?:学園|学院|大学|会)", "学校法人"),
        (r"^日本赤十字社", "日本赤十字社"),
        (r"^(?:社会福祉法人)?(?:恩賜財団)?(?:.{1,3}県|..府|東京都|北海道)?済生会", "済生会"),
        (r"^(?:.{1,3}県|..府|東京都|北海道)?厚生農業協同組合連合会|^(?:JA)?(?:.{1,3}県)?厚生連", "厚生連"),
        (r"^国家公務員共済組合連合会", "国家公務員共済組合連合会"),
        (r"^公立学校共済組合", "公立学校共済組合"),
        (r"^国民健康保険", "国民健康保険"),
        (r"^(?:社会)?医療法人(?:社団|財団)?.*?会", "医療法人"),
        (r"^(?:一般|公益)(?:財団|社団)法人.*?(?:会|団|協会)", "財団法人"),
        (r"^社会福祉法人.*?会", "社会福祉法人"),
    ]
    .into_iter()
    .map(|(p, b)| (Regex::new(p).expect("a valid pattern (tested)"), b))
    .collect()
});

/// Notes in brackets: a partner hospital, 「(地域がん診療病院)」, 「（旧○○病院）」.
static BRACKETS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[(（][^()（）]*[)）]").expect("a valid pattern (tested)"));

/// A prefecture's name before 県立/府立/都立/道立.
static PREFECTURAL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:.{1,3}県立|..府立|東京都立|北海道立)").expect("a valid pattern (tested)"));

/// A hospital run by a union of municipalities: 「公立豊岡病院組合立豊岡病院」, known as 「公立豊岡病院」.
static UNION: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(.+?)組合立(.+)$").expect("a valid pattern (tested)"));

/// A hospital name as it is compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameKey {
    /// The hospital's own name: NFKC, no spaces, 異体字 folded, without brackets or body.
    pub core: String,
    /// The operating body it names, canonical (国立病院機構, 厚生連 …), if any.
    pub body: Option<&'static str>,
}

/// The key of a name as a list or the master writes it.
pub fn name_key(name: &str) -> NameKey {
    let text = crate::normalize::text(name);
    let mut s: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| VARIANTS.iter().find(|(v, _)| *v == c).map_or(c, |(_, to)| *to))
        .collect();
    s = BRACKETS.replace_all(&s, "").into_owned();
    // 「宮崎県立宮崎病院」 and 「県立宮崎病院」 are one hospital (names are compared within a prefecture).
    if let Some(m) = PREFECTURAL.find(&s) {
        s = format!("{}{}", &m.as_str()[m.as_str().len() - "県立".len()..], &s[m.end()..]);
    }
    let mut body = None;
    for (re, canonical) in BODIES.iter() {
        if let Some(m) = re.find(&s)
            && m.end() < s.len()
        {
            body = Some(*canonical);
            s = s[m.end()..].to_string();
            break;
        }
    }
    NameKey { core: s, body }
}

/// The name a union's hospital is known by: its union without 「組合」 (「公立豊岡病院」).
fn union_name(k: &NameKey) -> Option<String> {
    UNION.captures(&k.core).map(|c| c[1].to_string())
}

/// A union's hospital's own name (「豊岡病院」).
fn union_core(k: &NameKey) -> &str {
    k.core.find("組合立").map_or(&k.core, |i| &k.core[i + "組合立".len()..])
}

/// What a name found among candidates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found<T> {
    One(T),
    None { closest: Vec<T> },
    Several(Vec<T>),
}

/// The candidate (`name` of each given by `name_of`) that `wanted` names: same core, and a body
/// that agrees when both name one. Several with the same core are told apart by the body the
/// list names; still several is an answer, never a guess.
pub fn find<T: Clone>(wanted: &str, candidates: &[T], name_of: impl Fn(&T) -> String) -> Found<T> {
    let w = name_key(wanted);
    let names: Vec<String> = candidates.iter().map(&name_of).collect();
    let keys: Vec<NameKey> = names.iter().map(|n| name_key(n)).collect();
    let mut same: Vec<usize> = (0..candidates.len()).filter(|&i| keys[i].core == w.core).collect();
    if same.is_empty() {
        // A union's hospital by the union's name: of several, the one whose own name ends the wanted one.
        let by_union: Vec<usize> =
            (0..candidates.len()).filter(|&i| union_name(&keys[i]).as_deref() == Some(&w.core)).collect();
        let own: Vec<usize> = by_union.iter().copied().filter(|&i| w.core.ends_with(union_core(&keys[i]))).collect();
        same = if own.len() == 1 { own } else { by_union };
    }
    let agreeing: Vec<usize> = same
        .iter()
        .copied()
        .filter(|&i| w.body.is_none() || keys[i].body.is_none() || keys[i].body == w.body)
        .collect();
    let exact: Vec<usize> = agreeing.iter().copied().filter(|&i| keys[i].body == w.body).collect();
    let pick = if agreeing.len() > 1 && exact.len() == 1 { exact } else { agreeing };
    match pick.as_slice() {
        [one] => Found::One(candidates[*one].clone()),
        [] => {
            let mut scored: Vec<(f64, usize)> = (0..candidates.len())
                .map(|i| (strsim::normalized_levenshtein(&keys[i].core, &w.core), i))
                .filter(|(s, _)| *s >= 0.5)
                .collect();
            scored.sort_by(|a, b| b.0.total_cmp(&a.0));
            Found::None { closest: scored.iter().take(3).map(|(_, i)| candidates[*i].clone()).collect() }
        }
        several => Found::Several(several.iter().map(|&i| candidates[i].clone()).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_brackets_spaces_and_variants_are_set_apart() {
        let k = name_key("独立行政法人国立病院機構　金沢医療センター");
        assert_eq!((k.core.as_str(), k.body), ("金沢医療センター", Some("国立病院機構")));
        assert_eq!(name_key("国立病院機構都城医療センター").core, "都城医療センター");
        assert_eq!(name_key("富山県厚生農業協同組合連合会高岡病院"), name_key("厚生連高岡病院"));
        assert_eq!(name_key("小樽市立病院(北海道がんセンター)(地域がん診療病院)").core, "小樽市立病院");
        assert_eq!(name_key("医療法人泰仁会十和田第一病院").core, "十和田第一病院");
        assert_eq!(name_key("社会医療法人 財団 池友会 福岡和白病院").core, "福岡和白病院");
        assert_eq!(name_key("髙松赤十字病院").core, "高松赤十字病院");
        assert_eq!(name_key("日本赤十字社 伊勢赤十字病院").core, "伊勢赤十字病院");
        assert_eq!(name_key("国立大学法人富山大学附属病院").core, "富山大学附属病院");
        assert_eq!(name_key("宮崎県立宮崎病院").core, name_key("県立宮崎病院").core);
        assert_eq!(name_key("国民健康保険 小松市民病院").core, "小松市民病院");
        // A name that is all body is left whole.
        assert_eq!(name_key("済生会").core, "済生会");
    }

    #[test]
    fn two_hospitals_of_one_core_are_told_apart_by_the_body_or_answered_as_several() {
        let master = ["富山県厚生農業協同組合連合会高岡病院", "富山県済生会 高岡病院", "高岡市民病院"];
        let name = |s: &&str| s.to_string();
        assert_eq!(find("厚生連高岡病院", &master, name), Found::One("富山県厚生農業協同組合連合会高岡病院"));
        assert_eq!(find("済生会高岡病院", &master, name), Found::One("富山県済生会 高岡病院"));
        assert_eq!(find("高岡病院", &master, name), Found::Several(vec![master[0], master[1]]));
        let union = ["公立豊岡病院組合立豊岡病院", "公立豊岡病院組合立朝来医療センター", "公立村岡病院"];
        assert_eq!(find("公立豊岡病院", &union, name), Found::One(union[0]));
        match find("高岡市立病院", &master, name) {
            Found::None { closest } => assert_eq!(closest.first(), Some(&"高岡市民病院")),
            other => panic!("{other:?}"),
        }
    }
}
