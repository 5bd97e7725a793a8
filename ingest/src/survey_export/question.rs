//! A question of the questionnaire, and how question texts are compared.

use crate::headers::key;

/// One question of the year's questionnaire.
#[derive(Debug, Clone)]
pub struct Question {
    pub id: String,
    pub text: String,
    pub kind: String,
    pub options: Vec<String>,
}

/// A question text as it is compared: NFKC, no whitespace or line breaks, lower case.
pub(super) fn text_key(s: &str) -> String {
    key(s)
}

/// A header's text on one line: a line break between Japanese characters joins them, others
/// become a space.
pub(super) fn one_line(text: &str) -> String {
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let mut out = String::new();
    for l in lines {
        let cjk = |c: Option<char>| c.is_some_and(|c| !c.is_ascii());
        let joins = cjk(out.chars().last()) && cjk(l.chars().next());
        if !out.is_empty() && !joins {
            out.push(' ');
        }
        out.push_str(l);
    }
    out
}
