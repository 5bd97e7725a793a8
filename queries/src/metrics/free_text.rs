//! Survey free text: how many respondents use each term, per 年度 or segment, and the
//! keyword-in-context lines behind a term (committee only: the answers themselves).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};

use super::common::FastMap;
use super::free_text_answers::{Answer, distinct_texts, terms_for, text_answers};
use super::questions::chosen_year;
use super::survey::{segment_column, segment_order};
use crate::disclosure::Policy;
use crate::metric::{ALL, COMMITTEE_ONLY, Cx, EvalFuture, Group, MetricDef, Output, ParamKind, ParamSpec};
use crate::result::{Column, Value};
use crate::text::{Pos, Term, Unit, kwic};

const TEXT_QUESTION_PARAM: ParamSpec = ParamSpec {
    name: "question",
    kind: ParamKind::Text,
    default: "",
    doc: "設問ID of a free-text question (default: every free-text question of the 年度)",
    doc_ja: "自由記述の設問ID（既定: その年度のすべての自由記述設問）",
    required: false,
};
const UNIT_PARAM: ParamSpec = ParamSpec {
    name: "unit",
    kind: ParamKind::Choice(&["compound", "word"]),
    default: "compound",
    doc: "compound: adjacent nouns joined as written (キャリア支援); word: single words (キャリア, 支援)",
    doc_ja: "複合語: 連続する名詞を書かれたとおりにつなげる（キャリア支援）。単語: 一語ずつ（キャリア、支援）",
    required: false,
};
const ANALYSIS: &str = "Text is cut into morphemes by vibrato (a MeCab-compatible Viterbi tokenizer) with IPADIC \
    2.7.0, compiled from Debian's mecab-ipadic on first use and cached. Terms are nouns (一般, サ変接続, 固有名詞, \
    形容動詞語幹, ナイ形容詞語幹, 副詞可能), independent verbs and adjectives in dictionary form; in compound mode \
    adjacent nouns (with a noun prefix, suffixes and numbers) are joined as written. A fixed stop-word list \
    (こと, する, ほしい …, and the question's own words 意見, 要望, 学会) is removed.";
const ANALYSIS_JA: &str = "回答文は形態素解析器 vibrato（MeCab 互換）と IPADIC 2.7.0 の辞書で語に分けます（辞書は De\
    bian の mecab-ipadic から初回に作成して保存します）。数える語は名詞（一般・サ変接続・固有名詞・形容動詞語幹・ナ\
    イ形容詞語幹・副詞可能）と、自立語の動詞・形容詞（基本形）です。「複合語」の単位では、連続する名詞（接頭詞・接尾\
    辞・数を含む）を書かれたとおりにつなげます。決まった不要語（「こと」「する」「ほしい」など、設問自体の語「意見」\
    「要望」「学会」）は除きます。";

pub const TERMS: MetricDef = MetricDef {
    name: "survey.terms",
    group: Group::Survey,
    title_ja: "自由記述の頻出語",
    title_en: "Free-text term frequencies",
    summary: "The terms most respondents used in free-text answers of a 年度, overall or by 年度, 職種, 年齢階級 or 地方.",
    summary_ja: "自由記述で多くの回答者が使った語を、年度全体または年度・職種・年齢階級・地方別に示します。",
    definition: "Respondents whose answer contains the term (each respondent counted once per term), their share of \
        the respondents who wrote an answer (in the segment), and mentions (occurrences). The terms listed are the \
        `top` most used in the whole selection; by a segment, every listed term gets a row for every segment, \
        zeros included. By 年度 every wave is read and `fiscal_year` is ignored.",
    definition_ja: "語を含む回答をした回答者の数（語ごとに一人一回）、回答を書いた回答者（区分内）に占める割合、出現\
        回数です。示す語は選んだ範囲全体で多く使われた上位の語（表示する語の数）です。区分別では、示す語のすべてに区\
        分ごとの行があります（0 を含む）。年度別ではすべての回の調査を読み、年度の指定は使いません。",
    unit: "人",
    sources: &["survey_questions", "survey_answers", "survey_responses"],
    caveats: &[
        ANALYSIS,
        "For the board and researchers a term written by fewer than k respondents is not listed at all: a rare \
         word (a name, a hospital) can identify its writer even without a count.",
    ],
    caveats_ja: &[
        ANALYSIS_JA,
        "理事会と研究者には、閾値未満の回答者しか書いていない語は示しません: 珍しい語（人名・病院名）は、数がなくて\
            も書いた人を特定しうるためです。",
    ],
    by: &["", "fiscal_year", "profession", "age_band", "region"],
    params: &[
        TEXT_QUESTION_PARAM,
        ParamSpec {
            name: "fiscal_year",
            kind: ParamKind::Int { min: 1900, max: 2100 },
            default: "",
            doc: "年度 (default: the latest wave)",
            doc_ja: "年度（既定: 最新の調査）",
            required: false,
        },
        UNIT_PARAM,
        ParamSpec {
            name: "top",
            kind: ParamKind::Int { min: 1, max: 200 },
            default: "20",
            doc: "how many terms to list (1–200)",
            doc_ja: "示す語の数（1–200）",
            required: false,
        },
    ],
    audiences: ALL,
    eval: terms,
};

pub const KWIC: MetricDef = MetricDef {
    name: "survey.kwic",
    group: Group::Survey,
    title_ja: "自由記述のKWIC（文脈付き用例）",
    title_en: "Free-text keyword in context",
    summary: "Every occurrence of a term in the free-text answers, with the words around it (会員委員会 only).",
    summary_ja: "自由記述に語が出てくる箇所を、前後の文脈とともにすべて示します（会員委員会のみ）。",
    definition: "The answers containing the term as a word or compound (as survey.terms cuts them, so がん does not \
        match inside がんばる), one line per occurrence: up to `width` characters before, the term, and after.",
    definition_ja: "語（語の数え方で切り出した単語または複合語。「がん」は「がんばる」の中には一致しません）を含む回\
        答を、出現ごとに一行で示します: 前後の文字数までの前の文、語、後の文。",
    unit: "件",
    sources: &["survey_questions", "survey_answers", "survey_responses"],
    caveats: &[ANALYSIS, "Shows the answers themselves, so only the committee may run it."],
    caveats_ja: &[ANALYSIS_JA, "回答そのものを示すため、会員委員会だけが使えます。"],
    by: &[""],
    params: &[
        ParamSpec {
            name: "term",
            kind: ParamKind::Text,
            default: "",
            doc: "the term, e.g. オンライン配信 (required)",
            doc_ja: "語（例: オンライン配信。必須）",
            required: true,
        },
        TEXT_QUESTION_PARAM,
        ParamSpec {
            name: "fiscal_year",
            kind: ParamKind::Int { min: 1900, max: 2100 },
            default: "",
            doc: "年度 (default: every year)",
            doc_ja: "年度（既定: すべての年度）",
            required: false,
        },
        ParamSpec {
            name: "width",
            kind: ParamKind::Int { min: 1, max: 200 },
            default: "20",
            doc: "characters of context each side",
            doc_ja: "語の前後に示す文字数",
            required: false,
        },
        ParamSpec {
            name: "limit",
            kind: ParamKind::Int { min: 1, max: 100_000 },
            default: "200",
            doc: "lines shown at most",
            doc_ja: "示す行数の上限",
            required: false,
        },
    ],
    audiences: COMMITTEE_ONLY,
    eval: kwic_lines,
};

/// Per term: respondents using it and mentions.
#[derive(Default, Clone, Copy)]
struct Tally {
    respondents: i64,
    mentions: i64,
}

/// The distinct texts (by index) one respondent wrote: nearly always one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Texts {
    One(usize),
    Many(Vec<usize>),
}

impl Texts {
    fn add(&mut self, i: usize) {
        match self {
            Texts::One(j) => *self = Texts::Many(vec![*j, i]),
            Texts::Many(v) => v.push(i),
        }
    }

    /// Sorted without repeats, so that equal sets compare equal.
    fn normalised(self) -> Self {
        match self {
            Texts::Many(mut v) => {
                v.sort_unstable();
                v.dedup();
                if v.len() == 1 { Texts::One(v[0]) } else { Texts::Many(v) }
            }
            one => one,
        }
    }

    fn as_slice(&self) -> &[usize] {
        match self {
            Texts::One(i) => std::slice::from_ref(i),
            Texts::Many(v) => v,
        }
    }
}

/// Per (segment, term, part of speech): respondents using the term and its mentions;
/// and per segment: respondents who wrote anything. `analysed` holds the terms of each
/// distinct text, indexed as `distinct` gives them.
#[allow(clippy::type_complexity)]
fn count_terms<'a>(
    answers: &'a [Answer],
    distinct: &FastMap<&str, usize>,
    analysed: &'a [Cow<'_, [Term]>],
) -> (HashMap<(&'a str, &'a str, Pos), Tally>, BTreeMap<&'a str, i64>) {
    // Per distinct text: its distinct terms and how often each occurs.
    let per_text: Vec<Vec<((&str, Pos), i64)>> = analysed
        .iter()
        .map(|terms| {
            let mut counted: Vec<((&str, Pos), i64)> = Vec::new();
            for Term { text, pos, .. } in terms.iter() {
                match counted.iter_mut().find(|(k, _)| *k == (text.as_str(), *pos)) {
                    Some((_, n)) => *n += 1,
                    None => counted.push(((text.as_str(), *pos), 1)),
                }
            }
            counted
        })
        .collect();
    // A respondent may answer several free-text questions: count people, not answers.
    // (segment, 年度, response) → the texts that respondent wrote; then respondents who
    // wrote the same texts are counted together.
    let mut people: FastMap<(&str, i64, &str), Texts> = FastMap::default();
    people.reserve(answers.len());
    for a in answers {
        let i = distinct[a.text.as_str()];
        people
            .entry((a.segment.as_str(), a.fiscal_year, a.response_id.as_str()))
            .and_modify(|t| t.add(i))
            .or_insert(Texts::One(i));
    }
    let mut groups: FastMap<(&str, Texts), i64> = FastMap::default();
    for ((segment, _, _), texts) in people {
        *groups.entry((segment, texts.normalised())).or_default() += 1;
    }
    let mut tally: HashMap<(&str, &str, Pos), Tally> = HashMap::new();
    let mut writers: BTreeMap<&str, i64> = BTreeMap::new();
    for ((segment, texts), n) in &groups {
        *writers.entry(segment).or_default() += n;
        let mut seen: HashSet<(&str, Pos)> = HashSet::new();
        for &i in texts.as_slice() {
            for &((text, pos), occurrences) in &per_text[i] {
                let t = tally.entry((segment, text, pos)).or_default();
                t.mentions += occurrences * n;
                if seen.insert((text, pos)) {
                    t.respondents += n;
                }
            }
        }
    }
    (tally, writers)
}

fn terms<'a>(cx: &'a Cx<'a>) -> EvalFuture<'a> {
    Box::pin(async move {
        let unit = if cx.text("unit") == "word" { Unit::Word } else { Unit::Compound };
        let top = cx.int("top")?.unwrap_or(20);
        if !(1..=200).contains(&top) {
            return Err(cx.bad("top", &top.to_string(), "between 1 and 200 / 1〜200"));
        }
        let seg = cx.by.as_str();
        let year = if seg == "fiscal_year" { None } else { Some(chosen_year(cx).await?) };
        let answers = text_answers(cx, year, seg, false).await?;
        let index = cx.snapshot.free_text_terms().await?;
        let index = &*index;
        let started = std::time::Instant::now();
        let (distinct, texts) = distinct_texts(&answers);
        let analysed = terms_for(index, &texts, unit)?;
        let (tally, writers) = count_terms(&answers, &distinct, &analysed);
        tracing::debug!(
            answers = answers.len(),
            distinct = texts.len(),
            ms = started.elapsed().as_secs_f64() * 1000.0,
            "survey.terms: terms counted"
        );
        let mut overall: HashMap<(&str, Pos), Tally> = HashMap::new();
        for ((_, text, pos), t) in &tally {
            let o = overall.entry((text, *pos)).or_default();
            o.respondents += t.respondents;
            o.mentions += t.mentions;
        }
        let k = i64::from(Policy::for_audience(cx.audience).k);
        let mut chosen: Vec<((&str, Pos), Tally)> = overall.into_iter().filter(|(_, t)| t.respondents >= k).collect();
        chosen.sort_by(|a, b| b.1.respondents.cmp(&a.1.respondents).then(a.0.cmp(&b.0)));
        chosen.truncate(usize::try_from(top).unwrap_or(20));

        let total: i64 = writers.values().sum();
        let share = |n: i64, of: i64| Value::opt_num((of > 0).then(|| 100.0 * n as f64 / of as f64));
        let mut out;
        if seg.is_empty() {
            out = Output::new(vec![
                Column::plain("rank", "順位", "Rank", ""),
                Column::dim("term", "語", "Term"),
                Column::label("pos", "品詞", "Part of speech"),
                Column::people("respondents", "回答者数", "Respondents"),
                Column::derived("share_pct", "記入者に占める割合", "Share of writers", "%"),
                Column::derived("mentions", "出現回数", "Mentions", "回"),
            ]);
            for (i, ((text, pos), t)) in chosen.iter().enumerate() {
                out.rows.push(vec![
                    Value::Int(i64::try_from(i + 1).unwrap_or(0)),
                    Value::text(*text),
                    Value::text(pos.ja()),
                    Value::Int(t.respondents),
                    share(t.respondents, total),
                    Value::Int(t.mentions),
                ]);
            }
        } else {
            let mut segments: Vec<&str> = writers.keys().copied().collect();
            if seg != "fiscal_year" {
                segments.sort_by_key(|s| segment_order(seg, s));
            }
            out = Output::new(vec![
                Column::dim("term", "語", "Term"),
                Column::label("pos", "品詞", "Part of speech"),
                if seg == "fiscal_year" {
                    Column::dim("fiscal_year", "年度", "Fiscal year")
                } else {
                    segment_column(seg)
                },
                Column::people("respondents", "回答者数", "Respondents"),
                Column::derived("share_pct", "記入者に占める割合", "Share of writers", "%"),
                Column::derived("mentions", "出現回数", "Mentions", "回"),
            ]);
            for ((text, pos), _) in &chosen {
                for s in &segments {
                    let t = tally.get(&(*s, *text, *pos)).copied().unwrap_or_default();
                    let segment_value = match s.parse::<i64>() {
                        Ok(y) if seg == "fiscal_year" => Value::Int(y),
                        _ => Value::text(*s),
                    };
                    out.rows.push(vec![
                        Value::text(*text),
                        Value::text(pos.ja()),
                        segment_value,
                        Value::Int(t.respondents),
                        share(t.respondents, writers.get(s).copied().unwrap_or(0)),
                        Value::Int(t.mentions),
                    ]);
                }
            }
        }
        out.non_additive.push("term");
        let scope = match year {
            Some(y) => format!("{y}年度"),
            None => "全年度".to_string(),
        };
        let shown =
            if k > 0 && total < k { format!("{k}人未満") } else { format!("{}人", model::thousands(total)) };
        out.note(
            format!("{scope}の自由記述の記入者 {shown}（{}単位）", if unit == Unit::Word { "単語" } else { "複合語" }),
            format!(
                "{scope}: {shown} wrote free text ({} terms)",
                if unit == Unit::Word { "word" } else { "compound" }
            ),
        );
        if k > 0 {
            out.note(
                format!("{k}人未満しか使っていない語は表示しません。"),
                format!("Terms used by fewer than {k} respondents are not listed."),
            );
        }
        Ok(out)
    })
}

fn kwic_lines<'a>(cx: &'a Cx<'a>) -> EvalFuture<'a> {
    Box::pin(async move {
        let term = cx.text("term").trim().to_string();
        if term.is_empty() {
            return Err(cx.bad(
                "term",
                "",
                "give the term to look for, e.g. term=オンライン配信 / 語を指定してください",
            ));
        }
        let width = cx.int("width")?.unwrap_or(20).clamp(1, 200);
        let limit = cx.int("limit")?.unwrap_or(200).max(1);
        let answers = text_answers(cx, cx.int("fiscal_year")?, "profession", true).await?;
        let (distinct, texts) = distinct_texts(&answers);
        let index = cx.snapshot.free_text_terms().await?;
        let index = &*index;
        let words = terms_for(index, &texts, Unit::Word)?;
        let compounds = terms_for(index, &texts, Unit::Compound)?;
        let mut out = Output::new(vec![
            Column::dim("fiscal_year", "年度", "Fiscal year"),
            Column::label("response_id", "回答ID", "Response"),
            Column::label("profession", "職種", "Profession"),
            Column::label("left", "前", "Before"),
            Column::label("keyword", "語", "Term"),
            Column::label("right", "後", "After"),
        ]);
        let mut hits = 0usize;
        for a in &answers {
            let i = distinct[a.text.as_str()];
            let (w, c) = (&words[i], &compounds[i]);
            let mut ranges: Vec<_> =
                w.iter().chain(c.iter()).filter(|t| t.text == term).map(|t| t.range.clone()).collect();
            ranges.sort_by_key(|r| (r.start, r.end));
            ranges.dedup_by(|b, a| b.start < a.end);
            for r in ranges {
                hits += 1;
                if out.rows.len() < usize::try_from(limit).unwrap_or(usize::MAX) {
                    let (left, kw, right) = kwic(&a.text, r, usize::try_from(width).unwrap_or(20));
                    out.rows.push(vec![
                        Value::Int(a.fiscal_year),
                        Value::text(a.response_id.clone()),
                        Value::text(a.segment.clone()),
                        Value::text(left),
                        Value::text(kw),
                        Value::text(right),
                    ]);
                }
            }
        }
        out.note(
            format!("「{term}」の出現 {} 件（{} 件を表示）", model::thousands(hits as i64), out.rows.len()),
            format!("{hits} occurrences of {term} ({} shown)", out.rows.len()),
        );
        Ok(out)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(segment: &str, fiscal_year: i64, response_id: &str, text: &str) -> Answer {
        Answer { fiscal_year, response_id: response_id.into(), segment: segment.into(), text: text.into() }
    }

    fn noun(text: &str) -> Term {
        Term { text: text.into(), pos: Pos::Noun, range: 0..0 }
    }

    #[test]
    fn a_respondent_counts_once_per_term_however_many_answers_use_it() {
        // R1 answers two free-text questions in 2026, both naming 研修; R2 writes the same
        // text as R1's first; R1 again in 2025 (another wave: another respondent).
        let answers = [
            answer("医師", 2026, "R1", "研修の機会と研修費"),
            answer("医師", 2026, "R1", "研修"),
            answer("医師", 2026, "R2", "研修の機会と研修費"),
            answer("医師", 2025, "R1", "研修"),
            answer("看護師", 2026, "R3", "研修"),
        ];
        let (distinct, texts) = distinct_texts(&answers);
        let analysed: Vec<Cow<'_, [Term]>> = texts
            .iter()
            .map(|t| match *t {
                "研修" => Cow::Owned(vec![noun("研修")]),
                _ => Cow::Owned(vec![noun("研修"), noun("機会"), noun("研修")]),
            })
            .collect();
        let (tally, writers) = count_terms(&answers, &distinct, &analysed);
        let get = |seg: &str, term: &str| {
            let t = tally.get(&(seg, term, Pos::Noun)).copied().unwrap_or_default();
            (t.respondents, t.mentions)
        };
        assert_eq!(get("医師", "研修"), (3, 2 + 1 + 2 + 1));
        assert_eq!(get("医師", "機会"), (2, 2));
        assert_eq!(get("看護師", "研修"), (1, 1));
        assert_eq!(get("看護師", "機会"), (0, 0));
        assert_eq!(writers.get("医師"), Some(&3));
        assert_eq!(writers.get("看護師"), Some(&1));
    }

    #[test]
    fn texts_compare_as_sets() {
        let mut a = Texts::One(2);
        a.add(1);
        a.add(2);
        let mut b = Texts::One(1);
        b.add(2);
        assert_eq!(a.normalised(), b.normalised());
        let mut c = Texts::One(4);
        c.add(4);
        assert_eq!(c.normalised(), Texts::One(4));
    }
}
