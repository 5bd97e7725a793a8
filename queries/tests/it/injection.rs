//! Values into SQL as parameters, never spliced text ([house] point 3): every text
//! parameter of every metric takes quotes, backslashes and SQL of its own and answers as
//! for any value that matches nothing — a result or a parameter error, never a query error.

use queries::catalog::ParamKind;
use queries::{Audience, Error, Request};

use crate::support::sample;

const HOSTILE: &[&str] = &[
    "'",
    "''",
    "\\",
    "\\'",
    "'; DROP TABLE members; --",
    "' OR '1'='1",
    "Q01' OR question_id <> '",
    "$1",
    "\"members\"",
    "がん'診療",
];

#[test]
fn every_text_parameter_takes_quotes_and_sql_as_plain_values() {
    let f = sample();
    let mut failures = Vec::new();
    let mut tried = 0;
    for def in queries::catalog() {
        for p in def.params.iter().filter(|p| matches!(p.kind, ParamKind::Text)) {
            for v in HOSTILE {
                let mut req = Request::new(def.name, Audience::Committee).param(p.name, v);
                // Required parameters other than the one under test get a real value.
                for other in def.params.iter().filter(|o| o.name != p.name && o.required()) {
                    req = req.param(other.name, if other.name == "term" { "がん" } else { "Q01" });
                }
                tried += 1;
                match f.engine.evaluate(&req) {
                    Ok(_) | Err(Error::Param { .. }) => {}
                    Err(e) => failures.push(format!("{} {}={v:?}: {e}", def.name, p.name)),
                }
            }
        }
    }
    assert!(tried >= 100, "only {tried} requests");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A date reaches the SQL as the expression of its numbers (`make_date`), and that expression
/// is the date itself in DataFusion — leap days, year ends and the earliest years included.
#[test]
fn a_date_reaches_the_sql_as_its_numbers_and_means_that_date() {
    use chrono::NaiveDate;
    use datafusion::arrow::array::{Array, Date32Array};
    let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let ctx = datafusion::prelude::SessionContext::new();
    for (y, m, d) in [(2024, 2, 29), (2025, 12, 31), (2026, 3, 31), (1, 1, 1), (1970, 1, 1)] {
        let date = NaiveDate::from_ymd_opt(y, m, d).expect("date");
        let sql = queries::metric::date_sql(date);
        assert!(!sql.contains('\''), "{sql}");
        let batches =
            rt.block_on(async { ctx.sql(&format!("SELECT {sql} AS d")).await?.collect().await }).expect("query");
        let col = batches[0].column(0).as_any().downcast_ref::<Date32Array>().expect("a Date32 column");
        assert!(col.is_valid(0));
        assert_eq!(col.value_as_date(0), Some(date), "{sql}");
    }
}
