//! The lake mode reads the same store: every metric over the Parquet lake equals the
//! in-memory snapshot — the golden results unchanged at the latest load, and every catalog
//! metric at every earlier load of the sample (rosters, survey years, lists replaced whole
//! or by key, membership intervals closed by later loads).

use queries::catalog::{Request, catalog};
use queries::{Audience, Engine, render};

use crate::support::{date, repo, sample};

fn lake_engine(at_load: Option<i64>) -> Engine {
    Engine::open_lake(&sample().dir.path().join("lake"), at_load).expect("the lake engine")
}

/// A result (or its error) as JSON text, to compare two engines' answers whole.
fn answer(engine: &Engine, req: &Request) -> String {
    match engine.evaluate(req) {
        Ok(r) => serde_json::to_string_pretty(&render::json(&r)).expect("json"),
        Err(e) => format!("error: {e}"),
    }
}

#[test]
fn every_golden_result_is_the_same_over_the_lake() {
    let engine = lake_engine(None);
    let dir = repo().join("queries/tests/golden");
    let mut failures = Vec::new();
    for (file, req) in crate::golden::cases() {
        let got = serde_json::to_string_pretty(&render::json(
            &engine.evaluate(&req).unwrap_or_else(|e| panic!("{file}: {e}")),
        ))
        .expect("json")
            + "\n";
        let want = std::fs::read_to_string(dir.join(format!("{file}.json"))).expect("golden file");
        if got != want {
            failures.push(file);
        }
    }
    assert!(failures.is_empty(), "differ over the lake: {}", failures.join(", "));
}

#[test]
fn every_metric_at_every_load_is_the_same_over_the_lake_as_from_the_warehouse() {
    let loads: Vec<i64> =
        sample().warehouse.lock().expect("warehouse").loads().expect("loads").iter().map(|l| l.load_id).collect();
    // Two workers, each taking every other load (the warehouse is read under its lock).
    let workers = 2;
    let failures: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let mine: Vec<i64> = loads.iter().copied().skip(w).step_by(workers).collect();
                scope.spawn(move || mine.into_iter().flat_map(compare_at).collect::<Vec<_>>())
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("a worker")).collect()
    });
    assert!(failures.is_empty(), "{} differences:\n{}", failures.len(), failures.join("\n"));
}

/// Every catalog metric at load `n`, in memory and over the lake: the differences.
fn compare_at(n: i64) -> Vec<String> {
    let memory = {
        let wh = sample().warehouse.lock().expect("warehouse");
        Engine::open(&wh, Some(n)).expect("in memory")
    };
    let lake = lake_engine(Some(n));
    assert_eq!(memory.snapshot().loads.len(), lake.snapshot().loads.len(), "load {n}");
    let d = memory.snapshot().default_as_of().unwrap_or_else(|| date("2026-10-31"));
    let mut failures = Vec::new();
    for def in catalog() {
        let mut req = Request::new(def.name, Audience::Committee).as_of(d);
        if def.name == "survey.kwic" {
            req = req.param("term", "オンライン配信");
        }
        let (a, b) = (answer(&memory, &req), answer(&lake, &req));
        if a != b {
            failures.push(format!("load {n} {}: {}", def.name, first_difference(&a, &b)));
        }
    }
    failures
}

fn first_difference(a: &str, b: &str) -> String {
    let line = a.lines().zip(b.lines()).position(|(x, y)| x != y).unwrap_or(0);
    format!(
        "line {line}: memory {:?} / lake {:?}",
        a.lines().nth(line).unwrap_or("").chars().take(120).collect::<String>(),
        b.lines().nth(line).unwrap_or("").chars().take(120).collect::<String>()
    )
}
