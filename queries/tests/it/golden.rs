//! Golden results: every metric's output on the bundled sample, checked in under
//! `queries/tests/golden/`. After an intended change, regenerate them with
//! `ONCOMETRICS_BLESS=1 scripts/test` and review the diff.

use queries::catalog::{Request, catalog};
use queries::{Audience, render};

use crate::support::{date, eval, repo};

/// The cases: every metric at least once, with the as-of date fixed.
pub fn cases() -> Vec<(String, Request)> {
    let d = date("2026-10-31");
    let mut out: Vec<(String, Request)> = Vec::new();
    let mut add = |file: &str, req: Request| out.push((file.to_string(), req));
    for def in catalog() {
        for by in def.by {
            let file = if *by == def.by[0] {
                def.name.to_string()
            } else if by.is_empty() {
                format!("{}__by_none", def.name)
            } else {
                format!("{}__by_{}", def.name, by.replace(',', "_"))
            };
            let mut req = Request::new(def.name, Audience::Committee).as_of(d).by(by);
            if def.name == "survey.kwic" {
                req = req.param("term", "オンライン配信").param("fiscal_year", "2021");
            }
            add(&file, req);
        }
    }
    add(
        "members.what_if__scenario",
        Request::new("members.what_if", Audience::Committee)
            .as_of(d)
            .param("staff_full", "400")
            .param("staff_associate", "300")
            .param("physicians", "50"),
    );
    add(
        "survey.crosstab__q01_q03",
        Request::new("survey.crosstab", Audience::Committee).as_of(d).param("question", "Q01").param("column", "Q03"),
    );
    add(
        "survey.answers__q02_2019",
        Request::new("survey.answers", Audience::Committee)
            .as_of(d)
            .param("question", "Q02")
            .param("fiscal_year", "2019"),
    );
    add("survey.trend__q04", Request::new("survey.trend", Audience::Committee).as_of(d).param("question", "Q04"));
    add(
        "survey.terms__word_2020_researcher",
        Request::new("survey.terms", Audience::Researcher)
            .as_of(d)
            .param("unit", "word")
            .param("fiscal_year", "2020")
            .param("top", "30"),
    );
    add(
        "members.physician_share_history__board",
        Request::new("members.physician_share_history", Audience::Board).as_of(d),
    );
    add("members.composition__researcher", Request::new("members.composition", Audience::Researcher).as_of(d));
    add(
        "members.composition__by_category_prefecture__researcher",
        Request::new("members.composition", Audience::Researcher).as_of(d).by("category,prefecture"),
    );
    add(
        "hospitals.areas__prefecture_13",
        Request::new("hospitals.areas", Audience::Researcher).as_of(d).param("prefecture", "13"),
    );
    add(
        "hospitals.list__area_1301_all",
        Request::new("hospitals.list", Audience::Researcher).as_of(d).param("area", "1301").param("history", "all"),
    );
    add(
        "survey.questions__2015",
        Request::new("survey.questions", Audience::Researcher).as_of(d).param("fiscal_year", "2015"),
    );
    add(
        "hospitals.blank_areas__2014",
        Request::new("hospitals.blank_areas", Audience::Researcher).as_of(date("2014-04-01")),
    );
    out
}

#[test]
fn every_metric_matches_its_golden_result() {
    let dir = repo().join("queries/tests/golden");
    let bless = std::env::var_os("ONCOMETRICS_BLESS").is_some();
    let mut failures = Vec::new();
    let mut names = Vec::new();
    let cases = cases();
    let mut files: Vec<&String> = cases.iter().map(|c| &c.0).collect();
    files.sort();
    files.dedup();
    assert_eq!(files.len(), cases.len(), "two golden cases share a file name");
    for (file, req) in cases.clone() {
        let got = serde_json::to_string_pretty(&render::json(&eval(req))).expect("json") + "\n";
        let path = dir.join(format!("{file}.json"));
        names.push(format!("{file}.json"));
        if bless {
            std::fs::create_dir_all(&dir).expect("mkdir");
            std::fs::write(&path, &got).expect("write golden");
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(want) if want == got => {}
            Ok(_) => failures.push(format!("{file}: differs (regenerate: ONCOMETRICS_BLESS=1 scripts/test)")),
            Err(_) => failures.push(format!("{file}: no golden file {}", path.display())),
        }
    }
    // Every metric has a golden file, and no golden file is left over.
    for def in catalog() {
        assert!(names.iter().any(|n| n.starts_with(def.name)), "{} has no golden case", def.name);
    }
    if !bless {
        for entry in std::fs::read_dir(&dir).expect("golden dir").flatten() {
            let n = entry.file_name().to_string_lossy().to_string();
            assert!(names.contains(&n), "stale golden file {n}");
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn docs_metrics_md_is_up_to_date() {
    let path = repo().join("docs/metrics.md");
    let want = queries::docs::metrics_markdown();
    if std::env::var_os("ONCOMETRICS_BLESS").is_some() {
        std::fs::write(&path, &want).expect("write docs");
    }
    let got = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(got == want, "docs/metrics.md is stale: run `oncometrics metric --docs > docs/metrics.md`");
}
