//! Figures written into the text as `{{key}}` — はじめに's 「2014 年よりアンケートを行って
//! います」「回答率は毎回ほぼ 14%」 — are filled in from the metric catalog at the edition's
//! date and load when the booklet is built, never retyped. The keys are data
//! ([`PLACEHOLDERS`]); `docs/booklet.md` lists them and a test keeps the two together.

use chrono::NaiveDate;
use queries::{Engine, MetricResult, Request};

use crate::error::{Error, Result};

/// One wave of the survey.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Wave {
    pub year: i64,
    pub invited: Option<i64>,
    pub responses: Option<i64>,
    /// Per cent.
    pub rate: Option<f64>,
}

/// The survey's figures a text may cite, read from `survey.response_rate` for the board.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    /// Per wave, oldest first.
    pub waves: Vec<Wave>,
    /// The survey 年度 the edition answers.
    pub survey_year: i64,
}

/// A key a text may use.
#[derive(Debug, Clone, Copy)]
pub struct Placeholder {
    pub key: &'static str,
    /// What it is, for the docs and the editing page.
    pub ja: &'static str,
    pub value: fn(&Facts) -> Option<String>,
}

fn wave(f: &Facts) -> Option<&Wave> {
    f.waves.iter().find(|w| w.year == f.survey_year)
}

fn rates(f: &Facts) -> Vec<f64> {
    f.waves.iter().filter_map(|w| w.rate).collect()
}

/// Every key, in the order the docs list them.
pub const PLACEHOLDERS: &[Placeholder] = &[
    Placeholder {
        key: "survey.first_year",
        ja: "アンケートを始めた年度（例: 2014）",
        value: |f| f.waves.first().map(|w| w.year.to_string()),
    },
    Placeholder { key: "survey.waves", ja: "これまでの実施回数", value: |f| Some(f.waves.len().to_string()) },
    Placeholder {
        key: "survey.year",
        ja: "この冊子が答えるアンケートの年度",
        value: |f| Some(f.survey_year.to_string()),
    },
    Placeholder {
        key: "survey.responses",
        ja: "その年度の回答数（人）",
        value: |f| wave(f).and_then(|w| w.responses).map(reports::format::int),
    },
    Placeholder {
        key: "survey.invited",
        ja: "その年度の配布数（人）",
        value: |f| wave(f).and_then(|w| w.invited).map(reports::format::int),
    },
    Placeholder {
        key: "survey.rate",
        ja: "その年度の回答率（%、小数1桁）",
        value: |f| wave(f).and_then(|w| w.rate).map(|r| format!("{r:.1}%")),
    },
    Placeholder {
        key: "survey.rate_range",
        ja: "これまでの回答率の幅（例: 12.9〜15.1%）",
        value: |f| {
            let r = rates(f);
            let lo = r.iter().copied().reduce(f64::min)?;
            let hi = r.iter().copied().reduce(f64::max)?;
            Some(format!("{lo:.1}〜{hi:.1}%"))
        },
    },
    Placeholder {
        key: "survey.rate_mean",
        ja: "これまでの回答率の平均（%、整数）",
        value: |f| {
            let r = rates(f);
            (!r.is_empty()).then(|| format!("{:.0}%", r.iter().sum::<f64>() / r.len() as f64))
        },
    },
];

impl Facts {
    /// The figures at `as_of`, from the engine's snapshot, for the board; no survey loaded
    /// gives no waves (every key is then missing).
    pub fn gather(engine: &Engine, as_of: NaiveDate, survey_year: i32) -> Result<Facts> {
        Ok(Facts::gather_with_result(engine, as_of, survey_year)?.0)
    }

    /// As [`Facts::gather`], with the result the figures came from (None when no survey is
    /// loaded), for a caller that records what it read.
    pub fn gather_with_result(
        engine: &Engine,
        as_of: NaiveDate,
        survey_year: i32,
    ) -> Result<(Facts, Option<MetricResult>)> {
        let req = Request::new(queries::metrics::survey::RESPONSE_RATE.name, crate::policy::AUDIENCE).as_of(as_of);
        match engine.evaluate(&req) {
            Ok(r) => Ok((Facts::from_result(&r, survey_year), Some(r))),
            Err(queries::Error::Data { .. } | queries::Error::Param { .. }) => {
                Ok((Facts { waves: Vec::new(), survey_year: i64::from(survey_year) }, None))
            }
            Err(e) => Err(e.into()),
        }
    }

    pub fn from_result(r: &MetricResult, survey_year: i32) -> Facts {
        let col = |name: &str| r.column_index(name);
        let (y, inv, resp, rate) = (col("fiscal_year"), col("invited"), col("responses"), col("rate_pct"));
        let mut waves: Vec<Wave> = r
            .rows
            .iter()
            .filter_map(|row| {
                let year = row.get(y?)?.as_f64()? as i64;
                let int = |i: Option<usize>| i.and_then(|i| row.get(i)).and_then(|v| v.as_f64()).map(|v| v as i64);
                let rate = rate.and_then(|i| row.get(i)).and_then(|v| v.as_f64());
                Some(Wave { year, invited: int(inv), responses: int(resp), rate })
            })
            .filter(|w| w.year <= i64::from(survey_year))
            .collect();
        waves.sort_by_key(|w| w.year);
        Facts { waves, survey_year: i64::from(survey_year) }
    }
}

/// The `{{key}}`s of `text`, in order.
pub fn keys(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        out.push(after[..end].trim());
        rest = &after[end + 2..];
    }
    out
}

/// The keys of `text` that are not in [`PLACEHOLDERS`].
pub fn unknown(text: &str) -> Vec<String> {
    keys(text).into_iter().filter(|k| !PLACEHOLDERS.iter().any(|p| p.key == *k)).map(str::to_string).collect()
}

/// `text` with every `{{key}}` replaced by its figure; a key without a figure (the survey
/// not loaded) is an error naming it, so a booklet never prints a blank where a number was meant.
pub fn fill(text: &str, facts: &Facts) -> Result<String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        let key = after[..end].trim();
        let p = PLACEHOLDERS
            .iter()
            .find(|p| p.key == key)
            .ok_or_else(|| Error::Invalid(format!("「{{{{{key}}}}}」は使えない差し込み項目です")))?;
        let v = (p.value)(facts).ok_or_else(|| {
            Error::Invalid(format!(
                "差し込み項目「{key}」（{}）の値がありません: {} 年度のアンケートが読み込まれていません",
                p.ja, facts.survey_year
            ))
        })?;
        out.push_str(&v);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> Facts {
        Facts {
            waves: vec![
                Wave { year: 2014, invited: Some(9000), responses: Some(1200), rate: Some(13.3) },
                Wave { year: 2025, invited: Some(10000), responses: Some(1510), rate: Some(15.1) },
            ],
            survey_year: 2025,
        }
    }

    #[test]
    fn figures_are_filled_in_and_unknown_keys_named() {
        let t = "{{survey.first_year}} 年よりアンケートを行い、回答率は {{ survey.rate_range }}、今回は {{survey.responses}} 人。";
        assert_eq!(
            fill(t, &facts()).expect("filled"),
            "2014 年よりアンケートを行い、回答率は 13.3〜15.1%、今回は 1,510 人。"
        );
        assert_eq!(unknown("{{survey.rate}} {{survey.colour}}"), ["survey.colour"]);
        assert!(fill("{{survey.colour}}", &facts()).is_err());
        let none = Facts { waves: Vec::new(), survey_year: 2025 };
        assert!(fill("{{survey.rate}}", &none).expect_err("missing").to_string().contains("survey.rate"));
    }

    #[test]
    fn no_two_placeholders_share_a_key() {
        let mut keys: Vec<&str> = PLACEHOLDERS.iter().map(|p| p.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), PLACEHOLDERS.len());
    }
}
