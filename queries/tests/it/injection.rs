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
