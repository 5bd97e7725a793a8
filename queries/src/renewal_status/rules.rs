//! The renewal rules as the environment sets them: parameters
//! (`ONCOMETRICS_RENEWAL_PARAMS`) and the JSMO approved-meetings list
//! (`ONCOMETRICS_JSMO_APPROVED_MEETINGS`), applied to the rule version of each round.

use std::collections::BTreeMap;

use model::renewal::{RENEWAL_2026, RenewalRules};

use crate::error::{Error, Result};

/// The environment variable that sets rule parameters.
pub const PARAMS_ENV: &str = "ONCOMETRICS_RENEWAL_PARAMS";

/// Parses `jsmo.min_credits=50,…` into parameter settings.
pub fn parse_params(text: &str) -> Result<Vec<(String, u32)>> {
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').ok_or_else(|| {
            Error::Rules(format!("{PARAMS_ENV}: '{part}' は key=value ではありません / is not key=value"))
        })?;
        let n: u32 = v.trim().parse().map_err(|_| {
            Error::Rules(format!("{PARAMS_ENV}: {k} の値 '{v}' は整数ではありません / is not a whole number"))
        })?;
        out.push((k.trim().to_string(), n));
    }
    Ok(out)
}

/// The file of the JSMO education committee's approved other-society meetings.
pub const APPROVED_ENV: &str = "ONCOMETRICS_JSMO_APPROVED_MEETINGS";

/// The names of a list file: one per line, blank lines and lines starting with # left out.
pub fn parse_list(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_string).collect()
}

/// The approved-meetings list of the environment, when its file is named.
pub(super) fn approved_from_env() -> Result<Option<Vec<String>>> {
    let Some(path) = std::env::var_os(APPROVED_ENV).filter(|p| !p.is_empty()) else { return Ok(None) };
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Error::Rules(format!(
            "{APPROVED_ENV}: {} を読めません / cannot be read: {e}",
            std::path::Path::new(&path).display()
        ))
    })?;
    Ok(Some(parse_list(&text)))
}

/// The rules with the parameters and lists of the environment.
pub fn rules_from_env() -> Result<RenewalRules> {
    let set = parse_params(&std::env::var(PARAMS_ENV).unwrap_or_default())?;
    let rules = RENEWAL_2026.with_params(&set).map_err(|e| Error::Rules(format!("{PARAMS_ENV}: {e}")))?;
    with_approved(rules, approved_from_env()?)
}

fn with_approved(rules: RenewalRules, approved: Option<Vec<String>>) -> Result<RenewalRules> {
    match approved {
        Some(list) => {
            rules.with_list("jsmo.approved_meetings", list).map_err(|e| Error::Rules(format!("{APPROVED_ENV}: {e}")))
        }
        None => Ok(rules),
    }
}

/// The rules of each round (the version in force, with the environment's parameters), built once.
#[derive(Debug)]
pub(super) struct RoundRules {
    set: Vec<(String, u32)>,
    approved: Option<Vec<String>>,
    by_round: BTreeMap<i32, RenewalRules>,
}

impl RoundRules {
    pub(super) fn new(set: Vec<(String, u32)>, approved: Option<Vec<String>>) -> Self {
        RoundRules { set, approved, by_round: BTreeMap::new() }
    }

    pub(super) fn get(&mut self, round: i32) -> Result<&RenewalRules> {
        if !self.by_round.contains_key(&round) {
            let r = RenewalRules::for_round(round)
                .with_params(&self.set)
                .map_err(|e| Error::Rules(format!("{PARAMS_ENV}: {e}")))?;
            let r = with_approved(r, self.approved.clone())?;
            self.by_round.insert(round, r);
        }
        self.by_round.get(&round).ok_or_else(|| Error::Rules(format!("no rules for round {round}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_parse_or_explain() {
        assert_eq!(parse_params("jsmo.min_credits=60").ok(), Some(vec![("jsmo.min_credits".to_string(), 60)]));
        assert_eq!(parse_params(" ").ok(), Some(vec![]));
        assert!(parse_params("jsmo.min_credits").is_err());
        assert!(parse_params("jsmo.min_credits=many").is_err());
    }

    #[test]
    fn the_approved_list_file_is_one_name_a_line() {
        let list = parse_list("# 教育委員会承認 2026\n日本癌治療学会\n\n  ASCO Annual Meeting  \n");
        assert_eq!(list, ["日本癌治療学会", "ASCO Annual Meeting"]);
        let r = with_approved(RENEWAL_2026.clone(), Some(list)).expect("list");
        assert_eq!(r.jsmo.approved_meetings.contains("ＡＳＣＯ Annual Meeting"), Some(true));
        assert_eq!(r.jsmo.approved_meetings.contains("某研究会"), Some(false));
    }
}
