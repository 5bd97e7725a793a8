//! The text the committee and the respondents write — a question, an answer, a foreword, a
//! notice — read as paragraphs, list items and links: a blank line ends a paragraph, a line
//! starting with 「・」, `- ` or `* ` is a list item, `[入会案内](https://…)` and a bare
//! `https://…` are links. Nothing else is markup, so plain text reads as written.

use reports::doc::{Rich, Span};

/// The paragraphs and list items of `text`.
pub fn parse(text: &str) -> Vec<Rich> {
    let mut out = Vec::new();
    let mut para: Vec<&str> = Vec::new();
    let flush = |para: &mut Vec<&str>, out: &mut Vec<Rich>| {
        if !para.is_empty() {
            out.push(Rich::Para(spans(&join(para))));
            para.clear();
        }
    };
    for line in text.lines().map(str::trim) {
        if line.is_empty() {
            flush(&mut para, &mut out);
        } else if let Some(item) = item(line) {
            flush(&mut para, &mut out);
            out.push(Rich::Item(spans(item)));
        } else {
            para.push(line);
        }
    }
    flush(&mut para, &mut out);
    out
}

fn item(line: &str) -> Option<&str> {
    ["・", "- ", "* ", "• "].iter().find_map(|m| line.strip_prefix(m)).map(str::trim_start)
}

/// Lines of one paragraph as one text: Japanese lines join directly, Latin words with a space.
fn join(lines: &[&str]) -> String {
    let mut s = String::new();
    for l in lines {
        let latin = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
        if !s.is_empty() && latin(s.chars().last()) && latin(l.chars().next()) {
            s.push(' ');
        }
        s.push_str(l);
    }
    s
}

/// Text with `[text](url)` and bare web addresses as links.
pub fn spans(text: &str) -> Vec<Span> {
    let mut out: Vec<Span> = Vec::new();
    let mut plain = String::new();
    let mut rest = text;
    while !rest.is_empty() {
        if let Some((label, url, after)) = markdown_link(rest).filter(|(_, u, _)| Span::safe_url(u)) {
            flush_text(&mut plain, &mut out);
            out.push(Span::Link { text: label.to_string(), url: url.to_string() });
            rest = after;
            continue;
        }
        if rest.starts_with("https://") || rest.starts_with("http://") {
            let end =
                rest.find(|c: char| c.is_whitespace() || !c.is_ascii() || c == ')' || c == '>').unwrap_or(rest.len());
            let url = &rest[..end];
            if Span::safe_url(url) {
                flush_text(&mut plain, &mut out);
                out.push(Span::Link { text: url.to_string(), url: url.to_string() });
                rest = &rest[end..];
                continue;
            }
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            plain.push(c);
        }
        rest = chars.as_str();
    }
    flush_text(&mut plain, &mut out);
    out
}

fn flush_text(plain: &mut String, out: &mut Vec<Span>) {
    if !plain.is_empty() {
        out.push(Span::Text(std::mem::take(plain)));
    }
}

/// `[label](url)` at the start of `s`: (label, url, the rest).
fn markdown_link(s: &str) -> Option<(&str, &str, &str)> {
    let body = s.strip_prefix('[')?;
    let close = body.find("](")?;
    let label = &body[..close];
    if label.contains('[') || label.contains('\n') {
        return None;
    }
    let after = &body[close + 2..];
    let end = after.find(')')?;
    Some((label, after[..end].trim(), &after[end + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_items_and_links() {
        let text = "会員委員会は\n入会制度を見直しました。\n\n・協議員推薦は不要\n- 入会ポリシーへの同意\n\n申込は[こちら](https://example.org/join)から。";
        let got = parse(text);
        assert_eq!(got.len(), 4, "{got:?}");
        assert_eq!(got[0], Rich::Para(vec![Span::Text("会員委員会は入会制度を見直しました。".into())]));
        assert_eq!(got[1], Rich::Item(vec![Span::Text("協議員推薦は不要".into())]));
        assert_eq!(got[2], Rich::Item(vec![Span::Text("入会ポリシーへの同意".into())]));
        assert_eq!(
            got[3],
            Rich::Para(vec![
                Span::Text("申込は".into()),
                Span::Link { text: "こちら".into(), url: "https://example.org/join".into() },
                Span::Text("から。".into()),
            ])
        );
    }

    #[test]
    fn a_script_address_stays_text_and_bare_addresses_link() {
        let got = spans("[x](javascript:alert(1)) と https://example.org/a?b=1 を参照");
        assert_eq!(got[0], Span::Text("[x](javascript:alert(1)) と ".into()));
        assert_eq!(
            got[1],
            Span::Link { text: "https://example.org/a?b=1".into(), url: "https://example.org/a?b=1".into() }
        );
        assert_eq!(got[2], Span::Text(" を参照".into()));
    }

    #[test]
    fn latin_words_split_over_lines_keep_a_space() {
        assert_eq!(join(&["JSMO", "Vision"]), "JSMO Vision");
        assert_eq!(join(&["がん", "薬物療法"]), "がん薬物療法");
    }
}
