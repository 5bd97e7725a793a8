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
