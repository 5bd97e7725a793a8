//! Line breaking for Japanese text mixed with Latin words and numbers: a break may fall
//! between any two full-width characters or at a space, never inside a Latin word or a
//! number, never before closing punctuation (、。）」 …, 行頭禁則) and never after an opening
//! bracket (（「 …, 行末禁則).

use super::font::Face;

/// Characters that may not start a line.
fn no_start(c: char) -> bool {
    matches!(
        c,
        '、' | '。'
            | '，'
            | '．'
            | '）'
            | '」'
            | '』'
            | '】'
            | '〕'
            | '〉'
            | '》'
            | '！'
            | '？'
            | '：'
            | '；'
            | '・'
            | 'ー'
            | '々'
            | 'ぁ'
            | 'ぃ'
            | 'ぅ'
            | 'ぇ'
            | 'ぉ'
            | 'っ'
            | 'ゃ'
            | 'ゅ'
            | 'ょ'
            | 'ァ'
            | 'ィ'
            | 'ゥ'
            | 'ェ'
            | 'ォ'
            | 'ッ'
            | 'ャ'
            | 'ュ'
            | 'ョ'
            | '％'
            | '%'
            | ')'
            | ']'
            | ','
            | '.'
            | ':'
            | ';'
            | '!'
            | '?'
            | '…'
            | '〜'
            | '～'
    )
}

/// Characters that may not end a line.
fn no_end(c: char) -> bool {
    matches!(c, '（' | '「' | '『' | '【' | '〔' | '〈' | '《' | '(' | '[' | '＋' | '+' | '−' | '±')
}

/// Full-width characters: each is its own unit for breaking.
fn wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6 | 0x20000..=0x2FFFD)
}

/// Splits text into units that stay on one line, with kinsoku applied.
fn units(text: &str) -> Vec<String> {
    let mut raw: Vec<String> = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if c.is_whitespace() {
            if !word.is_empty() {
                raw.push(std::mem::take(&mut word));
            }
            raw.push(" ".into());
        } else if wide(c) {
            if !word.is_empty() {
                raw.push(std::mem::take(&mut word));
            }
            raw.push(c.to_string());
        } else {
            word.push(c);
        }
    }
    if !word.is_empty() {
        raw.push(word);
    }
    let mut out: Vec<String> = Vec::with_capacity(raw.len());
    let mut glue_next = false;
    for u in raw {
        let starts_closing = u.chars().next().is_some_and(no_start);
        let can_glue = out.last().is_some_and(|p: &String| p != " ") && u != " ";
        if can_glue && (glue_next || starts_closing) {
            if let Some(last) = out.last_mut() {
                last.push_str(&u);
            }
        } else {
            out.push(u);
        }
        glue_next = out.last().and_then(|l| l.chars().last()).is_some_and(no_end);
    }
    out
}

/// Breaks `text` into lines no wider than `max` points at `size` (explicit newlines kept).
pub fn wrap(face: &Face, text: &str, size: f32, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        let mut width = 0.0;
        for u in units(para) {
            let w = face.width(&u, size);
            if width + w <= max || line.is_empty() && w <= max {
                if !(line.is_empty() && u == " ") {
                    line.push_str(&u);
                    width += w;
                }
                continue;
            }
            if u == " " {
                lines.push(std::mem::take(&mut line).trim_end().to_string());
                width = 0.0;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line).trim_end().to_string());
                width = 0.0;
            }
            if w <= max {
                line = u;
                width = w;
            } else {
                // A unit wider than the line (a long URL or code): break it anywhere.
                for c in u.chars() {
                    let cw = face.width(c.encode_utf8(&mut [0; 4]), size);
                    if width + cw > max && !line.is_empty() {
                        lines.push(std::mem::take(&mut line));
                        width = 0.0;
                    }
                    line.push(c);
                    width += cw;
                }
            }
        }
        lines.push(line.trim_end().to_string());
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closing_punctuation_stays_with_the_previous_character() {
        let u = units("会員、医師（正会員）。");
        assert_eq!(u, ["会", "員、", "医", "師", "（正", "会", "員）。"]);
    }

    #[test]
    fn latin_words_and_numbers_stay_whole() {
        let u = units("基準 80% を 12,345 人");
        assert_eq!(u, ["基", "準", " ", "80%", " ", "を", " ", "12,345", " ", "人"]);
    }

    #[test]
    fn lines_fit_and_keep_every_character() {
        let fonts = super::super::font::Fonts::find().expect("scripts/setup.sh installs a Japanese font");
        let text =
            "正会員に占める医師の割合は 80.2% で、基準（80%）を満たしています。あと 12 人まで医師以外が入会できます。";
        let lines = wrap(&fonts.regular, text, 10.0, 100.0);
        assert!(lines.len() > 2, "{lines:?}");
        for l in &lines {
            assert!(fonts.regular.width(l, 10.0) <= 100.5, "{l}");
            assert!(!l.starts_with(['、', '。', '）']), "{l}");
            assert!(!l.ends_with('（'), "{l}");
        }
        let joined: String = lines.concat().chars().filter(|c| !c.is_whitespace()).collect();
        let expected: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        assert_eq!(joined, expected);
    }
}
