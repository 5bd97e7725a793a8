//! Terms of Japanese free text.
//!
//! A *word* is a content word in its dictionary form: a noun (名詞 一般, サ変接続,
//! 固有名詞, 形容動詞語幹, ナイ形容詞語幹, 副詞可能; unknown words the tokenizer tags as
//! nouns included), an independent verb (動詞 自立) or an independent adjective
//! (形容詞 自立). A *compound* joins a run of adjacent nouns as written, with a noun
//! prefix (接頭詞 名詞接続) before it and suffixes (名詞 接尾) and numbers inside it —
//! 若手 + 医師 → 若手医師, 参加 + 費 → 参加費 — because the committee reads 「キャリア支援」,
//! not 「キャリア」 and 「支援」 apart. In compound mode a lone noun is a word as before.
//! [`STOP_WORDS`] and one-character kana or symbols are never terms.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::OnceLock;

use vibrato::{Dictionary, Tokenizer};

use super::dictionary;
use crate::error::{Error, Result};

/// Words too common to tell answers apart (dictionary forms), as in the usual
/// Japanese stop-word lists, plus the words of the survey's own question.
pub const STOP_WORDS: &[&str] = &[
    // nouns
    "こと",
    "もの",
    "ため",
    "よう",
    "方",
    "等",
    "点",
    "件",
    "場合",
    "今後",
    "現在",
    "最近",
    "自分",
    "私",
    "以上",
    "以下",
    "中",
    "際",
    "他",
    "ほか",
    "今回",
    "前回",
    "感じ",
    "ところ",
    "とき",
    "時",
    "事",
    "物",
    "意見",
    "要望",
    "学会", // verbs
    "する",
    "ある",
    "いる",
    "なる",
    "できる",
    "思う",
    "感じる",
    "言う",
    "いう",
    "おる",
    "れる",
    "られる",
    "せる",
    "させる",
    "くれる",
    "もらう",
    "いただく",
    "くださる",
    "下さる",
    "頂く",
    "やる",
    "いく",
    "くる",
    "来る",
    // adjectives
    "ない",
    "よい",
    "いい",
    "良い",
    "ほしい",
    "欲しい",
];

/// How free text is cut into terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Word,
    Compound,
}

/// The part of speech a term is counted under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Pos {
    Noun,
    Compound,
    Verb,
    Adjective,
}

impl Pos {
    pub fn ja(self) -> &'static str {
        match self {
            Pos::Noun => "名詞",
            Pos::Compound => "複合名詞",
            Pos::Verb => "動詞",
            Pos::Adjective => "形容詞",
        }
    }
}

/// One term occurrence: its text (dictionary form for single words), part of speech,
/// and the byte range it covers in the analysed text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub text: String,
    pub pos: Pos,
    pub range: Range<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Noun,
    Prefix,
    Suffix,
    Number,
    Verb,
    Adjective,
    Other,
}

fn kind(feature: &[&str]) -> Kind {
    match (feature.first().copied(), feature.get(1).copied()) {
        (Some("名詞"), Some("一般" | "サ変接続" | "固有名詞" | "形容動詞語幹" | "ナイ形容詞語幹" | "副詞可能")) => {
            Kind::Noun
        }
        (Some("名詞"), Some("接尾")) => Kind::Suffix,
        (Some("名詞"), Some("数")) => Kind::Number,
        (Some("接頭詞"), Some("名詞接続")) => Kind::Prefix,
        (Some("動詞"), Some("自立")) => Kind::Verb,
        (Some("形容詞"), Some("自立")) => Kind::Adjective,
        _ => Kind::Other,
    }
}

/// One token as the term rules see it.
struct Tok {
    kind: Kind,
    base: String,
    range: Range<usize>,
}

/// Whether `t` can be a term at all.
fn admissible(t: &str) -> bool {
    if STOP_WORDS.contains(&t) {
        return false;
    }
    let mut chars = t.chars();
    match (chars.next(), chars.next()) {
        (None, _) => false,
        // One character: kanji only (癌, 薬), not kana, Latin letters or symbols.
        (Some(c), None) => ('\u{4E00}'..='\u{9FFF}').contains(&c) || ('\u{3400}'..='\u{4DBF}').contains(&c),
        _ => t.chars().any(char::is_alphanumeric),
    }
}

/// The analyzer: a tokenizer over IPADIC, configured as MeCab is (spaces ignored,
/// unknown-word grouping up to 24 characters).
pub struct Analyzer {
    tokenizer: Tokenizer,
}

impl std::fmt::Debug for Analyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Analyzer(IPADIC)")
    }
}

/// The terms of a set of texts in both units, each text analysed once: a snapshot's
/// free-text answers do not change, so the analysis is done when the snapshot is first
/// asked for terms, not per request.
#[derive(Debug, Default)]
pub struct TermIndex {
    by_text: HashMap<String, [Vec<Term>; 2]>,
}

impl TermIndex {
    pub fn build<'t>(analyzer: &Analyzer, texts: impl IntoIterator<Item = &'t str>) -> Self {
        let texts: Vec<&str> = texts.into_iter().collect();
        let words = analyzer.terms_of(texts.iter().copied(), Unit::Word);
        let compounds = analyzer.terms_of(texts.iter().copied(), Unit::Compound);
        TermIndex {
            by_text: texts
                .iter()
                .zip(words.into_iter().zip(compounds))
                .map(|(t, (w, c))| (t.to_string(), [w, c]))
                .collect(),
        }
    }

    /// The terms of `text` in `unit`, when the index holds the text.
    pub fn get(&self, text: &str, unit: Unit) -> Option<&[Term]> {
        self.by_text.get(text).map(|t| t[usize::from(unit == Unit::Compound)].as_slice())
    }

    /// Texts held.
    pub fn len(&self) -> usize {
        self.by_text.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_text.is_empty()
    }
}

static SHARED: OnceLock<std::result::Result<Analyzer, String>> = OnceLock::new();

impl Analyzer {
    pub fn new(dict: Dictionary) -> Result<Self> {
        let tokenizer =
            Tokenizer::new(dict).ignore_space(true).map_err(|e| Error::Dictionary(e.to_string()))?.max_grouping_len(24);
        Ok(Analyzer { tokenizer })
    }

    /// The process-wide analyzer, loaded (or compiled and cached) on first use.
    pub fn shared() -> Result<&'static Analyzer> {
        SHARED
            .get_or_init(|| dictionary::load().and_then(Analyzer::new).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| Error::Dictionary(e.clone()))
    }

    /// MeCab-style tokens of `text`: (surface, feature), as `mecab` prints them.
    pub fn tokens(&self, text: &str) -> Vec<(String, String)> {
        let mut w = self.tokenizer.new_worker();
        w.reset_sentence(text);
        w.tokenize();
        w.token_iter().map(|t| (t.surface().to_string(), t.feature().to_string())).collect()
    }

    /// The terms of each text, in order of occurrence.
    pub fn terms_of<'t>(&self, texts: impl IntoIterator<Item = &'t str>, unit: Unit) -> Vec<Vec<Term>> {
        let mut w = self.tokenizer.new_worker();
        texts
            .into_iter()
            .map(|text| {
                w.reset_sentence(text);
                w.tokenize();
                let toks: Vec<Tok> = w
                    .token_iter()
                    .map(|t| {
                        let f: Vec<&str> = t.feature().split(',').collect();
                        let base = f.get(6).filter(|b| **b != "*").map_or(t.surface(), |b| b).to_string();
                        Tok { kind: kind(&f), base, range: t.range_byte() }
                    })
                    .collect();
                match unit {
                    Unit::Word => words(&toks),
                    Unit::Compound => compounds(text, &toks),
                }
            })
            .collect()
    }

    pub fn terms(&self, text: &str, unit: Unit) -> Vec<Term> {
        self.terms_of([text], unit).pop().unwrap_or_default()
    }
}

fn single(t: &Tok) -> Option<Term> {
    let pos = match t.kind {
        Kind::Noun => Pos::Noun,
        Kind::Verb => Pos::Verb,
        Kind::Adjective => Pos::Adjective,
        _ => return None,
    };
    admissible(&t.base).then(|| Term { text: t.base.clone(), pos, range: t.range.clone() })
}

fn words(toks: &[Tok]) -> Vec<Term> {
    toks.iter().filter_map(single).collect()
}

fn compounds(text: &str, toks: &[Tok]) -> Vec<Term> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if !matches!(toks[i].kind, Kind::Prefix | Kind::Noun) {
            out.extend(single(&toks[i]));
            i += 1;
            continue;
        }
        // A run: a prefix or noun, then nouns, suffixes and numbers written without a gap.
        let mut j = i + 1;
        while j < toks.len()
            && matches!(toks[j].kind, Kind::Noun | Kind::Suffix | Kind::Number)
            && toks[j].range.start == toks[j - 1].range.end
        {
            j += 1;
        }
        let run = &toks[i..j];
        let nouns = run.iter().filter(|t| t.kind == Kind::Noun).count();
        if run.len() == 1 {
            out.extend(single(&toks[i]));
        } else if nouns > 0 {
            let range = run[0].range.start..run[run.len() - 1].range.end;
            let surface = &text[range.clone()];
            if admissible(surface) {
                out.push(Term { text: surface.to_string(), pos: Pos::Compound, range });
            }
        }
        i = j;
    }
    out
}

/// A keyword-in-context line: up to `width` characters either side of `range` in `text`.
pub fn kwic(text: &str, range: Range<usize>, width: usize) -> (String, String, String) {
    let left: String = {
        let before: Vec<char> = text[..range.start].chars().collect();
        before[before.len().saturating_sub(width)..].iter().collect()
    };
    let right: String = text[range.end..].chars().take(width).collect();
    (left, text[range].to_string(), right)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(terms: &[Term]) -> Vec<&str> {
        terms.iter().map(|t| t.text.as_str()).collect()
    }

    #[test]
    fn words_and_compounds_of_a_request() {
        let a = Analyzer::shared().expect("IPADIC (scripts/setup.sh installs mecab-ipadic)");
        let s = "若手医師のキャリア支援をさらに充実させてほしい。";
        assert_eq!(texts(&a.terms(s, Unit::Word)), ["若手", "医師", "キャリア", "支援", "充実"]);
        assert_eq!(texts(&a.terms(s, Unit::Compound)), ["若手医師", "キャリア支援", "充実"]);
        let s = "学術集会の参加費が高いと感じます。";
        let c = a.terms(s, Unit::Compound);
        assert_eq!(texts(&c), ["学術集会", "参加費", "高い"]);
        assert_eq!(c.iter().map(|t| t.pos).collect::<Vec<_>>(), [Pos::Compound, Pos::Compound, Pos::Adjective]);
        assert_eq!(&s[c[1].range.clone()], "参加費");
        // Verbs in dictionary form; 使い → 使う, stop words (する, ほしい) gone.
        assert_eq!(
            texts(&a.terms("会員向けのウェブサイトが使いにくい。", Unit::Word)),
            ["会員", "ウェブサイト", "使う"]
        );
    }

    #[test]
    fn kwic_cuts_by_characters() {
        let s = "地方でも参加しやすいようにセミナーのオンライン配信を続けてほしい。";
        let start = s.find("オンライン").unwrap_or(0);
        let (l, k, r) = kwic(s, start..start + "オンライン配信".len(), 5);
        assert_eq!((l.as_str(), k.as_str(), r.as_str()), ("セミナーの", "オンライン配信", "を続けてほ"));
    }
}
